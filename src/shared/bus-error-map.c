/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The errno of each org.sluice.Error.* name: see bus-error-map.h. */
#include <errno.h>

#include "bus-error-map.h"
#include "sluice-bus-names.h"

const sd_bus_error_map sluice_bus_error_map[] = {
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_NO_SUCH_CLASS, ENOENT),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_NO_SUCH_JOB, ENOENT),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_INVALID_ARGUMENT, EINVAL),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_QUOTA_EXCEEDED, EDQUOT),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_DUPLICATE, EEXIST),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_TIMEOUT, ETIMEDOUT),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_CANCELLED, ECANCELED),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_INVALID_CONFIG, EBADMSG),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_NOT_PERMITTED, EPERM),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_INVALID_STATE, EBUSY),
        SD_BUS_ERROR_MAP(SLUICE_BUS_ERROR_NOT_SUPPORTED, EOPNOTSUPP),
        SD_BUS_ERROR_MAP_END,
};

int sluice_bus_error_map_register(void) {
        int r;

        r = sd_bus_error_add_map(sluice_bus_error_map);
        return r < 0 ? r : 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "errors.h"

G_DEFINE_QUARK(sluice-error-quark, sluice_error)

static const char *const dbus_names[_SLUICE_ERROR_MAX] = {
        [SLUICE_ERROR_NO_SUCH_CLASS] = "org.sluice.Error.NoSuchClass",
        [SLUICE_ERROR_NO_SUCH_JOB] = "org.sluice.Error.NoSuchJob",
        [SLUICE_ERROR_INVALID_ARGUMENT] = "org.sluice.Error.InvalidArgument",
        [SLUICE_ERROR_QUOTA_EXCEEDED] = "org.sluice.Error.QuotaExceeded",
        [SLUICE_ERROR_DUPLICATE] = "org.sluice.Error.Duplicate",
        [SLUICE_ERROR_TIMEOUT] = "org.sluice.Error.Timeout",
        [SLUICE_ERROR_CANCELLED] = "org.sluice.Error.Cancelled",
        [SLUICE_ERROR_INVALID_CONFIG] = "org.sluice.Error.InvalidConfig",
        [SLUICE_ERROR_NOT_PERMITTED] = "org.sluice.Error.NotPermitted",
        [SLUICE_ERROR_INVALID_STATE] = "org.sluice.Error.InvalidState",
        [SLUICE_ERROR_NOT_SUPPORTED] = "org.sluice.Error.NotSupported",
};

const char *sluice_error_dbus_name(int code) {
        if (code < 0 || code >= _SLUICE_ERROR_MAX)
                return NULL;
        return dbus_names[code];
}

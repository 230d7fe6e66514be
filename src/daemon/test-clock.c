/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test clock: see test-clock.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "schedules.h"
#include "sluice-bus-names.h"
#include "test-clock.h"

static void set_offset(Manager *m, int64_t offset) {
        m->clock_offset_usec = offset;
        log_full(&m->log, LOG_INFO, "test clock: %+" PRId64 " usec from CLOCK_REALTIME", offset);
        /* What a real clock jump does: plan the schedules again, re-arm the timers. */
        schedules_config_changed(m);
        manager_schedule_post(m);
}

static int method_set_offset(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int64_t offset;
        int r;

        r = sd_bus_message_read(msg, "x", &offset);
        if (r < 0)
                return r;
        set_offset(userdata, offset);
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable test_clock_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("SetOffset", SD_BUS_ARGS("x", offset_usec), SD_BUS_NO_RESULT,
                                method_set_offset, 0),
        SD_BUS_VTABLE_END
};

/**
 * test_clock_setup() - the test clock, when SLUICE_TEST_CLOCK_OFFSET_USEC asks for it
 * @m: the manager, bus connected, before manager_startup()
 *
 * Return: 0, or -EINVAL / a negative errno after logging.
 */
int test_clock_setup(Manager *m) {
        const char *value = getenv(SLUICE_TEST_CLOCK_ENV);
        gint64 offset;
        int r;

        if (!value)
                return 0;
        if (!g_ascii_string_to_signed(value, 10, G_MININT64, G_MAXINT64, &offset, NULL)) {
                log_full(&m->log, LOG_ERR, "%s=\"%s\": not a signed number of microseconds",
                         SLUICE_TEST_CLOCK_ENV, value);
                return -EINVAL;
        }
        m->clock_offset_usec = offset;
        r = sd_bus_add_object_vtable(m->bus, NULL, SLUICE_TEST_CLOCK_PATH, SLUICE_TEST_CLOCK_IFACE, test_clock_vtable, m);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot register the test clock");
        log_full(&m->log, LOG_WARNING, "test clock enabled (%s): %+" PRId64 " usec from CLOCK_REALTIME",
                 SLUICE_TEST_CLOCK_ENV, offset);
        return 0;
}

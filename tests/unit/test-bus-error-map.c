/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-error-map: the bus names of src/shared/sluice-bus-names.h against
 * the core's error codes (src/core/errors.c) and the errno table of
 * src/shared/bus-error-map.c, through the real sd-bus: every SluiceErrorCode
 * has a distinct org.sluice.Error.* name, and once the table is registered
 * sd-bus turns each name into its errno instead of EIO.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus-error-map.h"
#include "errors.h"
#include "macro.h"
#include "sluice-bus-names.h"

static const sd_bus_error_map *map_find(const char *name) {
        for (const sd_bus_error_map *e = sluice_bus_error_map; e->name; e++)
                if (strcmp(e->name, name) == 0)
                        return e;
        return NULL;
}

/* One name per code, distinct, all under org.sluice.Error., all in the table. */
static void test_codes_names_table(void) {
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        size_t n_map = 0;

        for (int code = 0; code < _SLUICE_ERROR_MAX; code++) {
                const char *name = sluice_error_dbus_name(code);
                const sd_bus_error_map *e;

                g_assert_nonnull(name);
                g_assert_true(g_str_has_prefix(name, SLUICE_BUS_ERROR_PREFIX));
                g_assert_true(g_hash_table_add(seen, (gpointer) name));
                e = map_find(name);
                g_assert_nonnull(e);
                g_assert_cmpint(e->code, >, 0);
                g_assert_cmpint(e->code, !=, EIO);
        }
        g_assert_null(sluice_error_dbus_name(-1));
        g_assert_null(sluice_error_dbus_name(_SLUICE_ERROR_MAX));
        for (const sd_bus_error_map *e = sluice_bus_error_map; e->name; e++)
                n_map++;
        g_assert_cmpuint(n_map, ==, _SLUICE_ERROR_MAX);
        g_assert_cmpstr(sluice_error_dbus_name(SLUICE_ERROR_INVALID_ARGUMENT), ==,
                        "org.sluice.Error.InvalidArgument");
}

/* What an sd-bus caller sees: EIO before registration, the table's errno after. */
static void test_sd_bus_errno(void) {
        static const struct {
                const char *name;
                int errnum;
        } cases[] = {
                { SLUICE_BUS_ERROR_NO_SUCH_JOB, ENOENT },
                { SLUICE_BUS_ERROR_NO_SUCH_CLASS, ENOENT },
                { SLUICE_BUS_ERROR_INVALID_ARGUMENT, EINVAL },
                { SLUICE_BUS_ERROR_QUOTA_EXCEEDED, EDQUOT },
                { SLUICE_BUS_ERROR_DUPLICATE, EEXIST },
                { SLUICE_BUS_ERROR_TIMEOUT, ETIMEDOUT },
                { SLUICE_BUS_ERROR_CANCELLED, ECANCELED },
                { SLUICE_BUS_ERROR_INVALID_CONFIG, EBADMSG },
                { SLUICE_BUS_ERROR_NOT_PERMITTED, EPERM },
                { SLUICE_BUS_ERROR_INVALID_STATE, EBUSY },
                { SLUICE_BUS_ERROR_NOT_SUPPORTED, EOPNOTSUPP },
        };
        _cleanup_bus_error_ sd_bus_error before = SD_BUS_ERROR_NULL;

        g_assert_cmpint(G_N_ELEMENTS(cases), ==, _SLUICE_ERROR_MAX);
        g_assert_cmpint(sd_bus_error_set(&before, SLUICE_BUS_ERROR_NO_SUCH_JOB, "no job 7"), ==, -EIO);

        g_assert_cmpint(sluice_bus_error_map_register(), ==, 0);
        g_assert_cmpint(sluice_bus_error_map_register(), ==, 0);        /* idempotent */
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;

                g_assert_cmpint(sd_bus_error_set(&e, cases[i].name, "message"), ==, -cases[i].errnum);
                g_assert_cmpint(sd_bus_error_get_errno(&e), ==, cases[i].errnum);
                g_assert_cmpint(map_find(cases[i].name)->code, ==, cases[i].errnum);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/bus-error-map/codes-names-table", test_codes_names_table);
        g_test_add_func("/bus-error-map/sd-bus-errno", test_sd_bus_errno);
        return g_test_run();
}

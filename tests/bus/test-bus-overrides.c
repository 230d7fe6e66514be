/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configuration overrides (issue 12 item 1): UpdateConfig's values stay on
 * top of the files across Reload() (stored and run-time ones alike), stored
 * ones across a restart; UnsetConfig() drops them (persist: for good);
 * GetConfig() says where each key's value comes from: default, file:line,
 * drop-in file:line, override (stored), runtime.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "bus-harness.h"

static const char main_config[] =
        "[Scheduler]\n"             /* line 1 */
        "Discipline=fifo\n"         /* line 2 */
        "MaxRunning=4\n"            /* line 3 */
        "\n"
        "[Class slot]\n"            /* line 5 */
        "Kind=lease\n"              /* line 6 */
        "MaxRunning=1\n";           /* line 7 */

static const char drop_in[] =
        "# a comment\n"             /* line 1 */
        "[Class slot]\n"            /* line 2 */
        "MaxRunning=2\n";           /* line 3 */

static void call_ok(BusHarness *h, const char *method, GVariant *params) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method, params, &error);
        if (error)
                g_error("%s: %s", method, error->message);
}

static void set_key(BusHarness *h, const char *section, const char *key, const char *value, gboolean persist) {
        g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

        g_variant_dict_insert(&d, key, "s", value);
        call_ok(h, "UpdateConfig", g_variant_new("(s@a{sv}b)", section, g_variant_dict_end(&d), persist));
}

static void unset_key(BusHarness *h, const char *section, const char *key, gboolean persist) {
        const char *keys[] = { key, NULL };

        call_ok(h, "UnsetConfig", g_variant_new("(s^asb)", section, keys, persist));
}

/* One key of GetConfig(): "VALUE SOURCE LOCATION" (location "" for none); NULL when absent. */
static char *config_entry(BusHarness *h, const char *section, const char *key) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL, entries = NULL;
        const char *s, *k, *v, *src, *loc;
        GVariantIter it;
        char *found = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetConfig", NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(g_variant_get_type_string(r), ==, "(a(sssss))");
        entries = g_variant_get_child_value(r, 0);
        g_variant_iter_init(&it, entries);
        while (g_variant_iter_next(&it, "(&s&s&s&s&s)", &s, &k, &v, &src, &loc))
                if (strcmp(s, section) == 0 && strcmp(k, key) == 0) {
                        g_assert_null(found);   /* each key once */
                        found = g_strdup_printf("%s %s %s", v, src, loc);
                }
        return found;
}

static void assert_entry(BusHarness *h, const char *section, const char *key, const char *expected) {
        g_autofree char *e = config_entry(h, section, key);

        g_assert_cmpstr(e, ==, expected);
}

static guint32 class_max_running(BusHarness *h, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Classes");
        GVariantIter it;
        const char *n;
        guint32 max;

        g_variant_iter_init(&it, v);
        while (g_variant_iter_next(&it, "(&s&s&su)", &n, NULL, NULL, &max))
                if (g_str_equal(n, name))
                        return max;
        g_assert_not_reached();
}

static char *drop_in_path(BusHarness *h) {
        g_autofree char *dir = g_strconcat(h->config_path, ".d", NULL);

        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        return g_build_filename(dir, "50-slot.conf", NULL);
}

/* issue 12's report: config set --persist MaxRunning=7, reload → 4 (the file's). */
static void test_reload_keeps_overrides(void) {
        g_autoptr(BusHarness) h = bus_harness_new(main_config);

        set_key(h, "Scheduler", "MaxRunning", "7", TRUE);
        set_key(h, "Class slot", "MaxRunning", "3", FALSE);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_assert_cmpuint(class_max_running(h, "slot"), ==, 3);

        call_ok(h, "Reload", NULL);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_assert_cmpuint(class_max_running(h, "slot"), ==, 3);

        /* A file change of another key still takes effect under the overrides. */
        bus_harness_write_config(h, "[Scheduler]\nDiscipline=priority\nMaxRunning=5\n[Class slot]\nKind=lease\n");
        call_ok(h, "Reload", NULL);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_assert_cmpuint(class_max_running(h, "slot"), ==, 3);
        {
                g_autoptr(GVariant) d = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                                                         "Discipline");
                g_assert_cmpstr(g_variant_get_string(d, NULL), ==, "priority");
        }

        /* A restart: the stored override stays, the run-time one is gone. */
        bus_harness_kill_daemon(h, SIGTERM);
        bus_harness_start_daemon(h);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_assert_cmpuint(class_max_running(h, "slot"), ==, 0);
}

static void test_get_config_origins(void) {
        g_autoptr(BusHarness) h = bus_harness_new(main_config);
        g_autofree char *dpath = drop_in_path(h);
        g_autofree char *main_loc = NULL, *drop_loc = NULL, *db = NULL, *e = NULL;

        g_assert_true(g_file_set_contents(dpath, drop_in, -1, NULL));
        call_ok(h, "Reload", NULL);

        main_loc = g_strdup_printf("fifo file %s:2", h->config_path);
        assert_entry(h, "Scheduler", "Discipline", main_loc);
        drop_loc = g_strdup_printf("2 drop-in %s:3", dpath);
        assert_entry(h, "Class slot", "MaxRunning", drop_loc);
        /* not set anywhere: the default, named as such */
        assert_entry(h, "Scheduler", "KeepFinishedSec", "300 default ");
        assert_entry(h, "Class slot", "Priority", "0 default ");
        /* a lease class has no unit: no Sandbox= default shown for it */
        assert_entry(h, "Class slot", "Sandbox", NULL);

        set_key(h, "Scheduler", "MaxRunning", "9", TRUE);
        set_key(h, "Scheduler", "AgingSec", "60", FALSE);
        db = g_build_filename(h->tmpdir, "sluice.db", NULL);
        e = g_strdup_printf("9 override %s", db);
        assert_entry(h, "Scheduler", "MaxRunning", e);
        assert_entry(h, "Scheduler", "AgingSec", "60 runtime ");

        /* Still so after a reload. */
        call_ok(h, "Reload", NULL);
        assert_entry(h, "Scheduler", "MaxRunning", e);
        assert_entry(h, "Scheduler", "AgingSec", "60 runtime ");
        assert_entry(h, "Scheduler", "Discipline", main_loc);
}

static void test_unset(void) {
        g_autoptr(BusHarness) h = bus_harness_new(main_config);
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autofree char *file_loc = NULL;
        const char *no_keys[] = { NULL }, *bad_keys[] = { "MaxWalking", NULL };

        file_loc = g_strdup_printf("4 file %s:3", h->config_path);
        set_key(h, "Scheduler", "MaxRunning", "7", TRUE);

        /* Without persist: the file's value until sluiced restarts. */
        unset_key(h, "Scheduler", "MaxRunning", FALSE);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 4);
        assert_entry(h, "Scheduler", "MaxRunning", file_loc);
        call_ok(h, "Reload", NULL);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 4);
        bus_harness_kill_daemon(h, SIGTERM);
        bus_harness_start_daemon(h);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);

        /* With persist: gone for good, a restart included. */
        unset_key(h, "Scheduler", "MaxRunning", TRUE);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 4);
        bus_harness_kill_daemon(h, SIGKILL);
        bus_harness_start_daemon(h);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 4);
        assert_entry(h, "Scheduler", "MaxRunning", file_loc);

        /* A run-time override goes back to the file's value; a key without one is fine. */
        set_key(h, "Class slot", "MaxRunning", "5", FALSE);
        g_assert_cmpuint(class_max_running(h, "slot"), ==, 5);
        unset_key(h, "Class slot", "MaxRunning", FALSE);
        g_assert_cmpuint(class_max_running(h, "slot"), ==, 1);
        unset_key(h, "Class slot", "MaxRunning", FALSE);

        /* Refused, naming the field; nothing changed. */
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UnsetConfig",
                     g_variant_new("(s^asb)", "Scheduler", bad_keys, FALSE), &error);
        bus_assert_error(error, "org.sluice.Error.InvalidConfig", "MaxWalking", NULL);
        g_clear_error(&error);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UnsetConfig",
                     g_variant_new("(s^asb)", "Scheduler", no_keys, FALSE), &error);
        bus_assert_error(error, "org.sluice.Error.InvalidArgument", "keys", NULL);
        g_clear_error(&error);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UnsetConfig",
                     g_variant_new("(s^asb)", "Nowhere", bad_keys, TRUE), &error);
        bus_assert_error(error, "org.sluice.Error.InvalidConfig", "Nowhere", NULL);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 4);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/overrides/reload-keeps-overrides", test_reload_keeps_overrides);
        g_test_add_func("/bus/overrides/get-config-origins", test_get_config_origins);
        g_test_add_func("/bus/overrides/unset", test_unset);

        return g_test_run();
}

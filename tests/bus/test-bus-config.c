/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run-time control: Pause/Resume of each scope, UpdateConfig (a discipline
 * switch under load, refused updates that change nothing) and Reload.
 */
#include <string.h>

#include "bus-harness.h"

static void manager_call_ok(BusHarness *h, const char *method, GVariant *params) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method, params, &error);
        if (error)
                g_error("%s: %s", method, error->message);
}

static char **paused_scopes(BusHarness *h) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");

        return g_variant_dup_strv(v, NULL);
}

static char *manager_get_string(BusHarness *h, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, name);

        return g_variant_dup_string(v, NULL);
}

static GVariant *store_options(const char *store) {
        g_auto(GVariantBuilder) p = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
        g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

        g_variant_builder_add(&p, "{ss}", "store", store);
        g_variant_dict_insert_value(&d, "parameters", g_variant_builder_end(&p));
        return g_variant_dict_end(&d);
}

/* Pause scope; a job in it stays queued and says it is paused; a job outside
 * it (when other_class is given) still runs; Resume starts the paused one. */
static void check_pause(const char *scope, const char *klass, const char *store, const char *other_class,
                        const char *other_store) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_auto(GStrv) paused = NULL;
        g_autofree char *job = NULL;
        g_autofree char *s = NULL;
        g_autofree char *reason = NULL;

        manager_call_ok(h, "Pause", g_variant_new("(s)", scope));
        paused = paused_scopes(h);
        g_assert_true(g_strv_contains((const char *const *) paused, scope));

        job = bus_submit(h, NULL, klass, store ? store_options(store) : NULL);
        s = bus_job_get_string(h, job, "State");
        g_assert_cmpstr(s, ==, "queued");
        reason = bus_job_get_string(h, job, "WaitReason");
        g_assert_nonnull(strstr(reason, "paused"));
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 1);

        if (other_class) {
                g_autofree char *other = bus_submit(h, NULL, other_class,
                                                    other_store ? store_options(other_store) : NULL);
                bus_wait_job_state(h, other, "running");
        }

        /* Still queued after all that. */
        g_free(s);
        s = bus_job_get_string(h, job, "State");
        g_assert_cmpstr(s, ==, "queued");

        manager_call_ok(h, "Resume", g_variant_new("(s)", scope));
        bus_wait_job_state(h, job, "running");
        g_strfreev(paused);
        paused = paused_scopes(h);
        g_assert_false(g_strv_contains((const char *const *) paused, scope));
}

static void test_pause_all(void) {
        check_pause("", "slot", NULL, NULL, NULL);
}

static void test_pause_class(void) {
        check_pause("class:slot", "slot", NULL, "backup", "a");
}

static void test_pause_resource(void) {
        check_pause("resource:datastore:a", "backup", "a", "backup", "b");
}

static void test_pause_bad_scope(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) paused = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause", g_variant_new("(s)", "bogus"),
                     &error);
        bus_assert_error(error, "org.sluice.Error.InvalidArgument", "bogus", NULL);
        g_clear_error(&error);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause",
                     g_variant_new("(s)", "class:nosuch"), &error);
        bus_assert_error(error, "org.sluice.Error.InvalidArgument", "nosuch", NULL);
        paused = paused_scopes(h);
        g_assert_cmpuint(g_strv_length(paused), ==, 0);
}

static GVariant *settings1(const char *key, const char *value) {
        g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

        g_variant_dict_insert(&d, key, "s", value);
        return g_variant_dict_end(&d);
}

static guint count_signals(BusHarness *h, const char *member) {
        g_autoptr(GPtrArray) found = bus_signals_find(h, member, SLUICE_MANAGER_PATH);

        return found->len;
}

static guint position_of(BusHarness *h, const char *job) {
        g_autoptr(GVariant) v = bus_get_property(h, job, SLUICE_JOB_IFACE, "Position");

        return g_variant_get_uint32(v);
}

static gboolean manager_discipline_changed_signal(BusHarness *h, gconstpointer value) {
        g_autoptr(GPtrArray) sigs = bus_signals_find(h, "PropertiesChanged", SLUICE_MANAGER_PATH);

        for (guint i = 0; i < sigs->len; i++) {
                BusSignal *s = g_ptr_array_index(sigs, i);
                g_autoptr(GVariant) changed = g_variant_get_child_value(s->parameters, 1);
                const char *d;

                if (g_variant_lookup(changed, "Discipline", "&s", &d) && g_str_equal(d, value))
                        return TRUE;
        }
        return FALSE;
}

static gboolean n_config_changed(BusHarness *h, gconstpointer n) {
        return count_signals(h, "ConfigChanged") >= GPOINTER_TO_UINT(n);
}

static void test_discipline_switch(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autofree char *holder = NULL;
        g_autofree char *d = NULL;
        char *queued[5];

        holder = bus_acquire(h, NULL, "slot", NULL);
        /* Priorities 1..5 in submission order. */
        for (int i = 0; i < 5; i++) {
                g_auto(GVariantDict) o = G_VARIANT_DICT_INIT(NULL);

                g_variant_dict_insert(&o, "priority", "i", i + 1);
                queued[i] = bus_submit(h, NULL, "slot", g_variant_dict_end(&o));
        }
        for (int i = 0; i < 5; i++)
                g_assert_cmpuint(position_of(h, queued[i]), ==, (guint) i + 1);

        manager_call_ok(h, "UpdateConfig",
                        g_variant_new("(s@a{sv}b)", "Scheduler", settings1("Discipline", "priority"), FALSE));
        d = manager_get_string(h, "Discipline");
        g_assert_cmpstr(d, ==, "priority");
        bus_harness_wait_for(h, n_config_changed, GUINT_TO_POINTER(1), "ConfigChanged");
        bus_harness_wait_for(h, manager_discipline_changed_signal, "priority",
                             "PropertiesChanged Discipline=priority");
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 5);
        for (int i = 0; i < 5; i++)
                g_assert_cmpuint(position_of(h, queued[i]), ==, (guint) 5 - i);

        /* Through fair and back to fifo: the submission order is intact. */
        manager_call_ok(h, "UpdateConfig",
                        g_variant_new("(s@a{sv}b)", "Scheduler", settings1("Discipline", "fair"), FALSE));
        g_free(d);
        d = manager_get_string(h, "Discipline");
        g_assert_cmpstr(d, ==, "fair");
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 5);
        manager_call_ok(h, "UpdateConfig",
                        g_variant_new("(s@a{sv}b)", "Scheduler", settings1("Discipline", "fifo"), FALSE));
        g_free(d);
        d = manager_get_string(h, "Discipline");
        g_assert_cmpstr(d, ==, "fifo");
        bus_harness_wait_for(h, n_config_changed, GUINT_TO_POINTER(3), "three ConfigChanged");
        for (int i = 0; i < 5; i++)
                g_assert_cmpuint(position_of(h, queued[i]), ==, (guint) i + 1);

        /* And they run in that order, none lost. */
        bus_release(h, NULL, holder, "");
        for (int i = 0; i < 5; i++) {
                bus_wait_job_state(h, queued[i], "running");
                g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, (guint) 4 - i);
                bus_release(h, NULL, queued[i], "");
                g_free(queued[i]);
        }

        /* MaxRunning through UpdateConfig too. */
        manager_call_ok(h, "UpdateConfig",
                        g_variant_new("(s@a{sv}b)", "Scheduler", settings1("MaxRunning", "3"), FALSE));
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 3);
}

static void test_update_invalid(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        static const struct {
                const char *section;
                const char *key1, *value1;
                const char *key2, *value2;
                const char *named;
        } cases[] = {
                { "Scheduler", "Discipline", "bogus", NULL, NULL, "Discipline" },
                /* one good key and one bad: neither applies */
                { "Scheduler", "Discipline", "priority", "MaxRunning", "two", "MaxRunning" },
                { "Scheduler", "NoSuchKey", "1", NULL, NULL, "NoSuchKey" },
                { "Class slot", "MaxRunning", "-1", NULL, NULL, "MaxRunning" },
                { "Nonsense", "MaxRunning", "1", NULL, NULL, "Nonsense" },
        };
        g_autofree char *d = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(GVariantDict) s = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                g_variant_dict_insert(&s, cases[i].key1, "s", cases[i].value1);
                if (cases[i].key2)
                        g_variant_dict_insert(&s, cases[i].key2, "s", cases[i].value2);
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                             g_variant_new("(s@a{sv}b)", cases[i].section, g_variant_dict_end(&s), FALSE), &error);
                bus_assert_error(error, "org.sluice.Error.InvalidConfig", cases[i].named, NULL);
        }

        /* A value of a type no key has. */
        {
                g_auto(GVariantDict) s = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                g_variant_dict_insert(&s, "Discipline", "d", 1.5);
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                             g_variant_new("(s@a{sv}b)", "Scheduler", g_variant_dict_end(&s), FALSE), &error);
                bus_assert_error(error, "org.sluice.Error.InvalidConfig", "Discipline", NULL);
        }

        /* A NUL byte cannot reach a value: a D-Bus string holds none, and the
         * bytes that could (ay) are no value type: refused, naming the key. */
        {
                static const char nul_value[] = { 'a', 0, 'b' };
                g_auto(GVariantDict) s = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                g_variant_dict_insert_value(&s, "Description",
                                            g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, nul_value,
                                                                      sizeof(nul_value), 1));
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                             g_variant_new("(s@a{sv}b)", "Class slot", g_variant_dict_end(&s), FALSE), &error);
                bus_assert_error(error, "org.sluice.Error.InvalidArgument", "settings.Description: expected type s", NULL);
        }

        d = manager_get_string(h, "Discipline");
        g_assert_cmpstr(d, ==, "fifo");
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 0);
        bus_harness_sync(h, NULL);
        g_assert_cmpuint(count_signals(h, "ConfigChanged"), ==, 0);
        /* The class still admits one at a time. */
        {
                g_autofree char *a = bus_submit(h, NULL, "slot", NULL);
                g_autofree char *b = bus_submit(h, NULL, "slot", NULL);
                g_autofree char *s = bus_job_get_string(h, b, "State");
                g_assert_cmpstr(s, ==, "queued");
        }
}

static const char reload_good_config[] =
        "[Scheduler]\n"
        "Discipline=priority\n"
        "MaxRunning=7\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "MaxRunning=1\n"
        "\n"
        "[Class extra]\n"
        "Kind=lease\n";

static const char reload_broken_config[] =
        "[Scheduler]\n"
        "Discipline=sideways\n"
        "MaxRunning=2\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n";

static gboolean classes_contain(BusHarness *h, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Classes");
        GVariantIter it;
        const char *n;

        g_variant_iter_init(&it, v);
        while (g_variant_iter_next(&it, "(&s&s&su)", &n, NULL, NULL, NULL))
                if (g_str_equal(n, name))
                        return TRUE;
        return FALSE;
}

static void test_reload(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *d = NULL;
        g_autofree char *held = NULL;
        g_autofree char *s = NULL;

        held = bus_acquire(h, NULL, "slot", NULL);
        g_assert_true(classes_contain(h, "backup"));

        bus_harness_write_config(h, reload_good_config);
        manager_call_ok(h, "Reload", NULL);
        d = manager_get_string(h, "Discipline");
        g_assert_cmpstr(d, ==, "priority");
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_assert_true(classes_contain(h, "extra"));
        g_assert_false(classes_contain(h, "backup"));
        bus_harness_wait_for(h, n_config_changed, GUINT_TO_POINTER(1), "ConfigChanged after Reload");
        /* A reload keeps the jobs. */
        s = bus_job_get_string(h, held, "State");
        g_assert_cmpstr(s, ==, "running");

        bus_harness_write_config(h, reload_broken_config);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        bus_assert_error(error, "org.sluice.Error.InvalidConfig", "Discipline", "sideways", NULL);
        g_free(d);
        d = manager_get_string(h, "Discipline");
        g_assert_cmpstr(d, ==, "priority");
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_assert_true(classes_contain(h, "extra"));
        bus_harness_sync(h, NULL);
        g_assert_cmpuint(count_signals(h, "ConfigChanged"), ==, 1);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/config/pause-all", test_pause_all);
        g_test_add_func("/bus/config/pause-class", test_pause_class);
        g_test_add_func("/bus/config/pause-resource", test_pause_resource);
        g_test_add_func("/bus/config/pause-bad-scope", test_pause_bad_scope);
        g_test_add_func("/bus/config/discipline-switch", test_discipline_switch);
        g_test_add_func("/bus/config/update-invalid", test_update_invalid);
        g_test_add_func("/bus/config/reload", test_reload);

        return g_test_run();
}

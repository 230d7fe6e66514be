/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What sluiced tells its watchers: JobNew/JobChanged/JobRemoved, the
 * ObjectManager's InterfacesAdded/Removed and GetManagedObjects, and
 * PropertiesChanged on every State change.  A client that builds its view
 * from the signals alone must end up with the daemon's view.
 */
#include <string.h>

#include "bus-harness.h"

static const char keep_one_second_config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=1\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "MaxRunning=1\n";

/* Paths of the job objects, as GetManagedObjects reports them. */
static GHashTable *managed_jobs(BusHarness *h) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GVariantIter) it = NULL;
        GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *path;
        GVariant *ifaces;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                     NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(a{oa{sa{sv}}})", &it);
        while (g_variant_iter_loop(it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
                g_autoptr(GVariant) props = g_variant_lookup_value(ifaces, SLUICE_JOB_IFACE, NULL);
                g_autoptr(GVariant) state = NULL;
                g_autofree char *live = NULL;

                g_assert_true(g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX));
                g_assert_nonnull(props);
                /* The object manager's copy of the properties is current. */
                state = g_variant_lookup_value(props, "State", G_VARIANT_TYPE_STRING);
                g_assert_nonnull(state);
                live = bus_job_get_string(h, path, "State");
                g_assert_cmpstr(g_variant_get_string(state, NULL), ==, live);
                g_hash_table_add(set, g_strdup(path));
        }
        return set;
}

/* The set of job paths built from one kind of signal pair. */
static GHashTable *jobs_from_signals(BusHarness *h, gboolean object_manager) {
        GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

        for (guint i = 0; i < h->signals->len; i++) {
                BusSignal *s = g_ptr_array_index(h->signals, i);
                const char *path;
                guint64 id;

                if (object_manager) {
                        g_autoptr(GVariant) ifaces = NULL;
                        g_autoptr(GVariant) job_props = NULL;

                        if (!g_str_equal(s->interface, "org.freedesktop.DBus.ObjectManager"))
                                continue;
                        g_assert_cmpstr(s->path, ==, SLUICE_MANAGER_PATH);
                        if (g_str_equal(s->member, "InterfacesAdded")) {
                                g_variant_get(s->parameters, "(&o@a{sa{sv}})", &path, &ifaces);
                                job_props = g_variant_lookup_value(ifaces, SLUICE_JOB_IFACE, NULL);
                                g_assert_nonnull(job_props);
                                g_assert_false(g_hash_table_contains(set, path));
                                g_hash_table_add(set, g_strdup(path));
                        } else if (g_str_equal(s->member, "InterfacesRemoved")) {
                                g_autofree const char **names = NULL;

                                g_variant_get(s->parameters, "(&o^a&s)", &path, &names);
                                g_assert_true(g_strv_contains(names, SLUICE_JOB_IFACE));
                                g_assert_true(g_hash_table_remove(set, path));
                        }
                        continue;
                }

                if (!g_str_equal(s->interface, SLUICE_MANAGER_IFACE))
                        continue;
                if (g_str_equal(s->member, "JobNew")) {
                        g_variant_get(s->parameters, "(t&o&s)", &id, &path, NULL);
                        g_assert_cmpuint(bus_job_id(path), ==, id);
                        g_assert_false(g_hash_table_contains(set, path));
                        g_hash_table_add(set, g_strdup(path));
                } else if (g_str_equal(s->member, "JobRemoved")) {
                        g_variant_get(s->parameters, "(t&o&s&s)", &id, &path, NULL, NULL);
                        g_assert_cmpuint(bus_job_id(path), ==, id);
                        g_assert_true(g_hash_table_remove(set, path));
                }
        }
        return set;
}

static void assert_same_set(GHashTable *a, GHashTable *b) {
        GHashTableIter it;
        gpointer key;

        g_assert_cmpuint(g_hash_table_size(a), ==, g_hash_table_size(b));
        g_hash_table_iter_init(&it, a);
        while (g_hash_table_iter_next(&it, &key, NULL))
                if (!g_hash_table_contains(b, key))
                        g_error("%s is in one view and not in the other", (const char *) key);
}

static gboolean n_job_news(BusHarness *h, gconstpointer n) {
        g_autoptr(GPtrArray) news = bus_signals_find(h, "JobNew", NULL);

        return news->len >= GPOINTER_TO_UINT(n);
}

static void test_object_manager_view(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GDBusConnection) other = bus_harness_connect(h);
        g_autoptr(GHashTable) from_jobs = NULL;
        g_autoptr(GHashTable) from_om = NULL;
        g_autoptr(GHashTable) managed = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *a = NULL;
        g_autofree char *b = NULL;
        g_autofree char *c = NULL;
        g_autofree char *d = NULL;

        a = bus_acquire(h, NULL, "slot", NULL);
        b = bus_submit(h, NULL, "slot", NULL);
        c = bus_submit(h, other, "slot", NULL);
        d = bus_submit(h, NULL, "slot", NULL);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                     g_variant_new("(t)", bus_job_id(d)), &error);
        g_assert_no_error(error);
        bus_release(h, NULL, a, "");
        bus_wait_job_state(h, b, "running");

        bus_harness_wait_for(h, n_job_news, GUINT_TO_POINTER(4), "four JobNew signals");
        bus_harness_sync(h, NULL);
        from_jobs = jobs_from_signals(h, FALSE);
        from_om = jobs_from_signals(h, TRUE);
        managed = managed_jobs(h);
        g_assert_cmpuint(g_hash_table_size(managed), ==, 4);
        assert_same_set(managed, from_jobs);
        assert_same_set(managed, from_om);
        g_assert_true(g_hash_table_contains(managed, c));
}

/* The values of one property in the PropertiesChanged signals of path, in order. */
static GPtrArray *changed_values(BusHarness *h, const char *path, const char *property) {
        return bus_signals_changed_values(h, path, SLUICE_JOB_IFACE, property);
}

static void assert_string_values(GPtrArray *values, const char *const *expected) {
        g_assert_cmpuint(values->len, ==, g_strv_length((char **) expected));
        for (guint i = 0; i < values->len; i++)
                g_assert_cmpstr(g_variant_get_string(g_ptr_array_index(values, i), NULL), ==, expected[i]);
}

static gboolean job_removed_or_done_signal(BusHarness *h, gconstpointer path) {
        g_autoptr(GPtrArray) states = changed_values(h, path, "State");

        return states->len > 0 &&
               g_str_equal(g_variant_get_string(g_ptr_array_index(states, states->len - 1), NULL), "done");
}

static void test_properties_changed(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GPtrArray) states = NULL;
        g_autoptr(GPtrArray) results = NULL;
        g_autoptr(GPtrArray) started = NULL;
        g_autoptr(GPtrArray) finished = NULL;
        g_autoptr(GPtrArray) job_changed = NULL;
        g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GVariant) v = NULL;
        g_autofree char *a = NULL;
        g_autofree char *b = NULL;
        static const char *const b_states[] = { "running", "done", NULL };
        static const char *const b_results[] = { "success", NULL };
        guint64 id;

        a = bus_acquire(h, NULL, "slot", NULL);
        b = bus_submit(h, NULL, "slot", NULL);
        id = bus_job_id(b);
        bus_release(h, NULL, a, "");
        bus_wait_job_state(h, b, "running");
        bus_release(h, NULL, b, "success");
        bus_harness_wait_for(h, job_removed_or_done_signal, b, "PropertiesChanged State=done");
        bus_harness_sync(h, NULL);

        /* Every State change of b, in order, with the value. */
        states = changed_values(h, b, "State");
        assert_string_values(states, b_states);
        results = changed_values(h, b, "Result");
        assert_string_values(results, b_results);

        /* The times that come with them: a client caching the signalled
         * values ends up with what the object reports (sluiced may re-send
         * an unchanged time with a later State change; it must not differ). */
        started = changed_values(h, b, "StartedAt");
        g_assert_cmpuint(started->len, >=, 1);
        v = bus_get_property(h, b, SLUICE_JOB_IFACE, "StartedAt");
        for (guint i = 0; i < started->len; i++)
                g_assert_cmpuint(g_variant_get_uint64(g_ptr_array_index(started, i)), ==, g_variant_get_uint64(v));
        g_clear_pointer(&v, g_variant_unref);
        finished = changed_values(h, b, "FinishedAt");
        g_assert_cmpuint(finished->len, >=, 1);
        v = bus_get_property(h, b, SLUICE_JOB_IFACE, "FinishedAt");
        g_assert_cmpuint(g_variant_get_uint64(g_ptr_array_index(finished, finished->len - 1)), ==,
                         g_variant_get_uint64(v));
        g_assert_cmpuint(g_variant_get_uint64(v), >, 0);

        /* JobChanged tells the same story on the manager. */
        job_changed = bus_signals_find(h, "JobChanged", SLUICE_MANAGER_PATH);
        for (guint i = 0; i < job_changed->len; i++) {
                BusSignal *s = g_ptr_array_index(job_changed, i);
                const char *path, *state, *result;
                guint64 sid;

                g_variant_get(s->parameters, "(t&o&s&s)", &sid, &path, &state, &result);
                if (sid != id)
                        continue;
                g_assert_cmpstr(path, ==, b);
                /* collapse repeats (a change of something other than State) */
                if (seen->len > 0 && g_str_equal(g_ptr_array_index(seen, seen->len - 1), state))
                        continue;
                g_assert_cmpstr(result, ==, g_str_equal(state, "done") ? "success" : "");
                g_ptr_array_add(seen, g_strdup(state));
        }
        g_ptr_array_add(seen, NULL);
        g_assert_cmpstrv((const char *const *) seen->pdata, b_states);
}

static gboolean job_removed(BusHarness *h, gconstpointer path) {
        g_autoptr(GPtrArray) removed = bus_signals_find(h, "JobRemoved", NULL);
        g_autoptr(GPtrArray) ifaces_removed = bus_signals_find(h, "InterfacesRemoved", NULL);
        gboolean a = FALSE, b = FALSE;

        for (guint i = 0; i < removed->len; i++) {
                const char *p;
                g_variant_get(((BusSignal *) g_ptr_array_index(removed, i))->parameters, "(t&o&s&s)",
                              NULL, &p, NULL, NULL);
                a = a || g_str_equal(p, path);
        }
        for (guint i = 0; i < ifaces_removed->len; i++) {
                const char *p;
                g_variant_get(((BusSignal *) g_ptr_array_index(ifaces_removed, i))->parameters, "(&oas)", &p,
                              NULL);
                b = b || g_str_equal(p, path);
        }
        return a && b;
}

static void test_keep_finished(void) {
        g_autoptr(BusHarness) h = bus_harness_new(keep_one_second_config);
        g_autoptr(GPtrArray) removed = NULL;
        g_autoptr(GHashTable) managed = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GVariant) list = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *job = NULL;
        const char *klass, *result;
        guint64 id;

        job = bus_acquire(h, NULL, "slot", NULL);
        id = bus_job_id(job);
        bus_release(h, NULL, job, "failed");
        bus_harness_wait_for(h, job_removed, job, "JobRemoved and InterfacesRemoved");

        removed = bus_signals_find(h, "JobRemoved", SLUICE_MANAGER_PATH);
        g_assert_cmpuint(removed->len, ==, 1);
        g_variant_get(((BusSignal *) g_ptr_array_index(removed, 0))->parameters, "(t&o&s&s)", NULL, NULL, &klass,
                      &result);
        g_assert_cmpstr(klass, ==, "slot");
        g_assert_cmpstr(result, ==, "failed");

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob", g_variant_new("(t)", id), &error);
        bus_assert_error(error, "org.sluice.Error.NoSuchJob", NULL);
        g_clear_error(&error);
        managed = managed_jobs(h);
        g_assert_cmpuint(g_hash_table_size(managed), ==, 0);
        list = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                        g_variant_new("(@a{sv})", g_variant_new("a{sv}", NULL)), &error);
        g_assert_no_error(error);
        {
                g_autoptr(GVariant) jobs = g_variant_get_child_value(list, 0);
                g_assert_cmpuint(g_variant_n_children(jobs), ==, 0);
        }
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/signals/object-manager-view", test_object_manager_view);
        g_test_add_func("/bus/signals/properties-changed", test_properties_changed);
        g_test_add_func("/bus/signals/keep-finished", test_keep_finished);

        return g_test_run();
}

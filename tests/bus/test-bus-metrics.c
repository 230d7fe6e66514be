/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Statistics property through the real sluiced: counters that move with
 * submitted, started and finished jobs (overall and per class), per-class
 * gauges that agree with ListJobs, a wait-time histogram whose cumulative
 * buckets count exactly the waits the jobs' own SubmittedAt/StartedAt show,
 * and what a restart does (counters start again, start time moves on).
 */
#include <signal.h>
#include <string.h>

#include "bus-harness.h"

static GVariant *statistics(BusHarness *h) {
        GVariant *v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Statistics");

        g_assert_true(g_variant_is_of_type(v, G_VARIANT_TYPE_VARDICT));
        return v;
}

static guint64 stat_t(GVariant *stats, const char *key) {
        guint64 v = 0;

        if (!g_variant_lookup(stats, key, "t", &v))
                g_error("Statistics has no key \"%s\" of type t", key);
        return v;
}

static guint32 stat_u(GVariant *stats, const char *key) {
        guint32 v = 0;

        if (!g_variant_lookup(stats, key, "u", &v))
                g_error("Statistics has no key \"%s\" of type u", key);
        return v;
}

/* The per-class dictionary of @klass (caller unrefs). */
static GVariant *class_stats(GVariant *stats, const char *klass) {
        g_autoptr(GVariant) classes = g_variant_lookup_value(stats, "classes", G_VARIANT_TYPE_VARDICT);
        GVariant *c;

        g_assert_nonnull(classes);
        c = g_variant_lookup_value(classes, klass, G_VARIANT_TYPE_VARDICT);
        if (!c)
                g_error("Statistics.classes has no class \"%s\"", klass);
        return c;
}

static guint64 job_t(BusHarness *h, const char *path, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, path, SLUICE_JOB_IFACE, name);

        return g_variant_get_uint64(v);
}

static void cancel(BusHarness *h, const char *path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = bus_call(h, NULL, path, SLUICE_JOB_IFACE, "Cancel", NULL, &error);

        g_assert_no_error(error);
        bus_wait_job_state(h, path, "done");
}

/* ListJobs: how many jobs of @klass are in @state. */
static guint listed(BusHarness *h, const char *klass, const char *state) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GVariantIter) iter = NULL;
        const char *c, *s, *res, *path;
        guint64 id, submitted;
        gint32 prio;
        guint32 owner;
        guint n = 0;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                     g_variant_new("(@a{sv})", g_variant_new("a{sv}", NULL)), &error);
        g_assert_no_error(error);
        g_variant_get(r, "(a(tsssiuto))", &iter);
        while (g_variant_iter_next(iter, "(t&s&s&siut&o)", &id, &c, &s, &res, &prio, &owner, &submitted, &path))
                if (strcmp(c, klass) == 0 && strcmp(s, state) == 0)
                        n++;
        return n;
}

/* Every class's queued/running gauge equals what ListJobs shows, and they add up to the totals. */
static void assert_gauges_agree(BusHarness *h, const char *const *classes) {
        g_autoptr(GVariant) stats = statistics(h);
        guint32 queued = 0, running = 0;

        for (const char *const *k = classes; *k; k++) {
                g_autoptr(GVariant) c = class_stats(stats, *k);

                g_assert_cmpuint(stat_u(c, "queued"), ==, listed(h, *k, "queued"));
                g_assert_cmpuint(stat_u(c, "running"), ==, listed(h, *k, "running"));
                queued += stat_u(c, "queued");
                running += stat_u(c, "running");
        }
        g_assert_cmpuint(stat_u(stats, "queued"), ==, queued);
        g_assert_cmpuint(stat_u(stats, "running"), ==, running);
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, queued);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, running);
}

/*
 * The histogram: bounds ascending, counts cumulative, and exactly the
 * buckets the started jobs' own waits (StartedAt - SubmittedAt) fall in.
 */
static void assert_histogram(BusHarness *h, GVariant *stats, const char *const *started_paths) {
        g_autoptr(GVariant) bounds_v = g_variant_lookup_value(stats, "wait-bucket-bounds-usec", G_VARIANT_TYPE("at"));
        g_autoptr(GVariant) counts_v = g_variant_lookup_value(stats, "wait-bucket-counts", G_VARIANT_TYPE("at"));
        const guint64 *bounds, *counts;
        gsize n_bounds, n_counts, n_jobs = g_strv_length((char **) started_paths);
        guint64 sum = 0;

        g_assert_nonnull(bounds_v);
        g_assert_nonnull(counts_v);
        bounds = g_variant_get_fixed_array(bounds_v, &n_bounds, sizeof(guint64));
        counts = g_variant_get_fixed_array(counts_v, &n_counts, sizeof(guint64));
        g_assert_cmpuint(n_bounds, >, 1);
        g_assert_cmpuint(n_counts, ==, n_bounds);
        for (gsize i = 1; i < n_bounds; i++) {
                g_assert_cmpuint(bounds[i - 1], <, bounds[i]);
                g_assert_cmpuint(counts[i - 1], <=, counts[i]);
        }
        g_assert_cmpuint(stat_t(stats, "wait-count"), ==, n_jobs);
        g_assert_cmpuint(counts[n_counts - 1], <=, n_jobs);

        for (gsize i = 0; i < n_bounds; i++) {
                guint64 expected = 0;

                for (gsize j = 0; j < n_jobs; j++) {
                        guint64 wait = job_t(h, started_paths[j], "StartedAt") -
                                       job_t(h, started_paths[j], "SubmittedAt");

                        if (wait <= bounds[i])
                                expected++;
                        if (i == 0)
                                sum += wait;
                }
                g_assert_cmpuint(counts[i], ==, expected);
        }
        g_assert_cmpuint(stat_t(stats, "wait-sum-usec"), ==, sum);
}

static void test_counters(void) {
        static const char *const classes[] = { "slot", "backup", "cmd", NULL };
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GVariant) s0 = NULL, s1 = NULL, s2 = NULL, slot = NULL, backup = NULL;
        g_autofree char *a = NULL, *b = NULL, *c = NULL;

        s0 = statistics(h);
        g_assert_cmpuint(stat_t(s0, "submitted"), ==, 0);
        g_assert_cmpuint(stat_t(s0, "started"), ==, 0);
        g_assert_cmpuint(stat_t(s0, "wait-count"), ==, 0);
        g_assert_cmpuint(stat_t(s0, "wait-sum-usec"), ==, 0);
        g_assert_cmpuint(stat_u(s0, "alerts-active"), ==, 0);
        g_assert_cmpuint(stat_t(s0, "start-time-usec"), >, 0);
        g_assert_cmpuint(stat_t(s0, "start-time-usec"), <=, (guint64) g_get_real_time());
        for (const char *const *k = classes; *k; k++) {
                g_autoptr(GVariant) cs = class_stats(s0, *k);

                g_assert_cmpuint(stat_t(cs, "submitted"), ==, 0);
                g_assert_cmpuint(stat_t(cs, "finished-success"), ==, 0);
        }
        assert_gauges_agree(h, classes);

        /* slot has MaxRunning=1: a runs, b and c wait behind it. */
        a = bus_submit(h, NULL, "slot", NULL);
        bus_wait_job_state(h, a, "running");
        b = bus_submit(h, NULL, "slot", NULL);
        c = bus_submit(h, NULL, "slot", NULL);

        s1 = statistics(h);
        g_assert_cmpuint(stat_t(s1, "submitted"), ==, 3);
        g_assert_cmpuint(stat_t(s1, "started"), ==, 1);
        slot = class_stats(s1, "slot");
        g_assert_cmpuint(stat_t(slot, "submitted"), ==, 3);
        g_assert_cmpuint(stat_t(slot, "started"), ==, 1);
        g_assert_cmpuint(stat_u(slot, "queued"), ==, 2);
        g_assert_cmpuint(stat_u(slot, "running"), ==, 1);
        assert_gauges_agree(h, classes);
        assert_histogram(h, s1, (const char *const[]) { a, NULL });
        /* Uptime moves on, the start time stays. */
        g_assert_cmpuint(stat_t(s1, "uptime-usec"), >=, stat_t(s0, "uptime-usec"));
        g_assert_cmpuint(stat_t(s1, "start-time-usec"), ==, stat_t(s0, "start-time-usec"));

        /* b waits a while in the queue, so its wait is not in the smallest bucket. */
        g_usleep(150 * 1000);
        bus_release(h, NULL, a, "success");
        bus_wait_job_state(h, b, "running");
        cancel(h, c);
        bus_release(h, NULL, b, "failed");
        bus_wait_job_state(h, b, "done");

        /* Another class: backup's results are its own. */
        {
                g_autofree char *d = NULL;
                g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);
                g_auto(GVariantBuilder) p = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));

                g_variant_builder_add(&p, "{ss}", "store", "x");
                g_variant_dict_insert_value(&opts, "parameters", g_variant_builder_end(&p));
                d = bus_submit(h, NULL, "backup", g_variant_dict_end(&opts));
                bus_wait_job_state(h, d, "running");
                bus_release(h, NULL, d, "success");
                bus_wait_job_state(h, d, "done");

                s2 = statistics(h);
                assert_histogram(h, s2, (const char *const[]) { a, b, d, NULL });
        }

        g_assert_cmpuint(stat_t(s2, "submitted"), ==, 4);
        g_assert_cmpuint(stat_t(s2, "started"), ==, 3);
        g_assert_cmpuint(stat_t(s2, "finished-success"), ==, 2);
        g_assert_cmpuint(stat_t(s2, "finished-failed"), ==, 1);
        g_assert_cmpuint(stat_t(s2, "finished-cancelled"), ==, 1);
        g_assert_cmpuint(stat_t(s2, "finished-timeout"), ==, 0);

        g_clear_pointer(&slot, g_variant_unref);
        slot = class_stats(s2, "slot");
        g_assert_cmpuint(stat_t(slot, "submitted"), ==, 3);
        g_assert_cmpuint(stat_t(slot, "started"), ==, 2);
        g_assert_cmpuint(stat_t(slot, "finished-success"), ==, 1);
        g_assert_cmpuint(stat_t(slot, "finished-failed"), ==, 1);
        g_assert_cmpuint(stat_t(slot, "finished-cancelled"), ==, 1);
        g_assert_cmpuint(stat_u(slot, "queued"), ==, 0);
        g_assert_cmpuint(stat_u(slot, "running"), ==, 0);
        backup = class_stats(s2, "backup");
        g_assert_cmpuint(stat_t(backup, "submitted"), ==, 1);
        g_assert_cmpuint(stat_t(backup, "started"), ==, 1);
        g_assert_cmpuint(stat_t(backup, "finished-success"), ==, 1);
        g_assert_cmpuint(stat_t(backup, "finished-failed"), ==, 0);
        assert_gauges_agree(h, classes);

        /* b waited at least the 150 ms a was held: not every wait is in the first bucket. */
        {
                g_autoptr(GVariant) counts = g_variant_lookup_value(s2, "wait-bucket-counts", G_VARIANT_TYPE("at"));
                gsize n;
                const guint64 *cv = g_variant_get_fixed_array(counts, &n, sizeof(guint64));

                g_assert_cmpuint(cv[0], <, 3);
                g_assert_cmpuint(stat_t(s2, "wait-sum-usec"), >=, 150 * 1000);
        }
}

/* Gauges per class agree with ListJobs while a resource limit holds jobs back. */
static void test_gauges_resources(void) {
        static const char *const classes[] = { "slot", "backup", "cmd", NULL };
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
        const char *stores[] = { "a", "a", "a", "b", "b", "c" };
        g_autoptr(GVariant) stats = NULL, backup = NULL;

        for (guint i = 0; i < G_N_ELEMENTS(stores); i++) {
                g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);
                g_auto(GVariantBuilder) p = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));

                g_variant_builder_add(&p, "{ss}", "store", stores[i]);
                g_variant_dict_insert_value(&opts, "parameters", g_variant_builder_end(&p));
                g_ptr_array_add(paths, bus_submit(h, NULL, "backup", g_variant_dict_end(&opts)));
        }
        g_ptr_array_add(paths, bus_submit(h, NULL, "slot", NULL));
        bus_wait_job_state(h, paths->pdata[6], "running");

        /* datastore:* allows one each: a, b, c and the slot run; two a and one b wait. */
        stats = statistics(h);
        backup = class_stats(stats, "backup");
        g_assert_cmpuint(stat_u(backup, "running"), ==, 3);
        g_assert_cmpuint(stat_u(backup, "queued"), ==, 3);
        assert_gauges_agree(h, classes);

        bus_release(h, NULL, paths->pdata[0], "success");
        bus_wait_job_state(h, paths->pdata[1], "running");
        assert_gauges_agree(h, classes);
}

/* The counters belong to one sluiced process: a restart starts them again
 * (restored and re-attached jobs count as submitted, re-attached ones as
 * started), with a later start time. */
static void test_restart(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GVariant) before = NULL, after = NULL, slot = NULL;
        g_autofree char *a = NULL, *b = NULL, *c = NULL;

        a = bus_submit(h, NULL, "slot", NULL);
        bus_wait_job_state(h, a, "running");
        b = bus_submit(h, NULL, "slot", NULL);
        c = bus_submit(h, NULL, "slot", NULL);
        cancel(h, c);
        before = statistics(h);
        g_assert_cmpuint(stat_t(before, "submitted"), ==, 3);

        bus_harness_kill_daemon(h, SIGTERM);
        bus_harness_start_daemon(h);

        /* a's holder (our connection) is still there: a is running again, b queued. */
        bus_wait_job_state(h, a, "running");
        after = statistics(h);
        g_assert_cmpuint(stat_t(after, "submitted"), ==, 2);
        g_assert_cmpuint(stat_t(after, "started"), ==, 1);
        g_assert_cmpuint(stat_t(after, "finished-cancelled"), ==, 0);
        g_assert_cmpuint(stat_t(after, "start-time-usec"), >, stat_t(before, "start-time-usec"));
        slot = class_stats(after, "slot");
        g_assert_cmpuint(stat_u(slot, "running"), ==, 1);
        g_assert_cmpuint(stat_u(slot, "queued"), ==, 1);
        assert_histogram(h, after, (const char *const[]) { a, NULL });
}

/* A job that timed out in the queue is finished (timeout) but never started:
 * the histogram does not see it. */
static void test_timeout_not_started(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GVariant) stats = NULL, slot = NULL;
        g_autofree char *a = NULL, *b = NULL, *result = NULL;

        a = bus_submit(h, NULL, "slot", NULL);
        bus_wait_job_state(h, a, "running");
        g_variant_dict_insert(&opts, "max-wait-sec", "t", (guint64) 1);
        b = bus_submit(h, NULL, "slot", g_variant_dict_end(&opts));
        bus_wait_job_state(h, b, "done");
        result = bus_job_get_string(h, b, "Result");
        g_assert_cmpstr(result, ==, "timeout");

        stats = statistics(h);
        g_assert_cmpuint(stat_t(stats, "submitted"), ==, 2);
        g_assert_cmpuint(stat_t(stats, "started"), ==, 1);
        g_assert_cmpuint(stat_t(stats, "finished-timeout"), ==, 1);
        slot = class_stats(stats, "slot");
        g_assert_cmpuint(stat_t(slot, "finished-timeout"), ==, 1);
        g_assert_cmpuint(stat_u(slot, "running"), ==, 1);
        g_assert_cmpuint(stat_u(slot, "queued"), ==, 0);
        assert_histogram(h, stats, (const char *const[]) { a, NULL });
}

static gboolean alerts_n(BusHarness *h, gconstpointer data) {
        g_autoptr(GVariant) alerts = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Alerts");

        return g_variant_n_children(alerts) == GPOINTER_TO_UINT(data);
}

/* alerts-active counts the Alerts property's entries: none, then one raised by a failure. */
static void test_alerts_count(void) {
        g_autofree char *config = g_strconcat(bus_harness_default_config,
                                              "\n[Alert slot-failed]\nClass=slot\nOnFailure=yes\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GVariant) before = statistics(h), after = NULL;
        g_autofree char *a = NULL;

        g_assert_true(alerts_n(h, GUINT_TO_POINTER(0)));
        g_assert_cmpuint(stat_u(before, "alerts-active"), ==, 0);

        a = bus_submit(h, NULL, "slot", NULL);
        bus_wait_job_state(h, a, "running");
        bus_release(h, NULL, a, "failed");
        bus_harness_wait_for(h, alerts_n, GUINT_TO_POINTER(1), "the alert raised");
        after = statistics(h);
        g_assert_cmpuint(stat_u(after, "alerts-active"), ==, 1);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/bus/metrics/counters", test_counters);
        g_test_add_func("/bus/metrics/gauges-resources", test_gauges_resources);
        g_test_add_func("/bus/metrics/timeout-not-started", test_timeout_not_started);
        g_test_add_func("/bus/metrics/restart", test_restart);
        g_test_add_func("/bus/metrics/alerts-count", test_alerts_count);
        return g_test_run();
}

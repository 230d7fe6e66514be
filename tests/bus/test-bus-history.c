/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * History: jobs run to the end leave the bus after KeepFinishedSec=1 and
 * stay in the state database; ListJobs(history=true) lists them (path "/")
 * with their results, the filters apply to them, bad filter types name the
 * field; HistoryMaxJobs= prunes the oldest and HistoryMaxAgeSec= the old ones
 * at start; the retention keys are validated.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bus-harness.h"

#define HISTORY_CONFIG(more)            \
        "[Scheduler]\n"                 \
        "MaxRunning=0\n"                \
        "KeepFinishedSec=1\n"           \
        more                            \
        "\n"                            \
        "[Class work]\n"                \
        "Kind=lease\n"                  \
        "[Class other]\n"               \
        "Kind=lease\n"

static const char config[] = HISTORY_CONFIG("");

static gboolean job_removed(BusHarness *h, gconstpointer path) {
        g_autoptr(GPtrArray) removed = bus_signals_find(h, "JobRemoved", NULL);

        for (guint i = 0; i < removed->len; i++) {
                const char *p;

                g_variant_get(((BusSignal *) g_ptr_array_index(removed, i))->parameters, "(t&o&s&s)", NULL, &p,
                              NULL, NULL);
                if (g_str_equal(p, path))
                        return TRUE;
        }
        return FALSE;
}

/* ListJobs(filter) as "id:class:state:result:path" words ("/" paths as "/"); NULL + error on failure. */
static char *list_jobs(BusHarness *h, GVariant *filter, GError **error) {
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                                         g_variant_new("(@a{sv})", filter), error);
        g_autoptr(GVariantIter) it = NULL;
        GString *s;
        const char *cls, *state, *result, *path;
        guint64 id, submitted;
        gint32 prio;
        guint32 owner;

        if (!r)
                return NULL;
        s = g_string_new(NULL);
        g_variant_get(r, "(a(tsssiuto))", &it);
        while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &cls, &state, &result, &prio, &owner, &submitted,
                                   &path))
                g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ":%s:%s:%s:%s", s->len ? " " : "", id, cls, state,
                                       result, g_str_equal(path, "/") ? "/" : "bus");
        return g_string_free(s, FALSE);
}

static char *list_ok(BusHarness *h, GVariant *filter) {
        g_autoptr(GError) error = NULL;
        char *s = list_jobs(h, filter, &error);

        g_assert_no_error(error);
        return s;
}

/* A lease job acquired, released with result, and gone from the bus. */
static char *run_to_end(BusHarness *h, const char *klass, const char *result) {
        g_autofree char *job = bus_acquire(h, NULL, klass, NULL);

        bus_release(h, NULL, job, result);
        bus_harness_wait_for(h, job_removed, job, "JobRemoved");
        return g_steal_pointer(&job);
}

static GVariant *history_filter(const char *key, GVariant *value) {
        g_auto(GVariantDict) f = G_VARIANT_DICT_INIT(NULL);

        g_variant_dict_insert(&f, "history", "b", TRUE);
        if (key)
                g_variant_dict_insert_value(&f, key, value);
        return g_variant_dict_end(&f);
}

static guint64 job_submitted_at(BusHarness *h, const char *path) {
        g_autoptr(GVariant) v = bus_get_property(h, path, SLUICE_JOB_IFACE, "SubmittedAt");

        return g_variant_get_uint64(v);
}

static void test_list_history(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autofree char *a = run_to_end(h, "work", "success");
        g_autofree char *b = run_to_end(h, "work", "failed");
        g_autofree char *c = run_to_end(h, "other", "success");
        g_autofree char *live = bus_acquire(h, NULL, "work", NULL);
        guint64 ida = bus_job_id(a), idb = bus_job_id(b), idc = bus_job_id(c), idl = bus_job_id(live);
        guint64 live_submitted = job_submitted_at(h, live);
        g_autofree char *expect_all = g_strdup_printf(
                "%" G_GUINT64_FORMAT ":work:done:success:/ %" G_GUINT64_FORMAT ":work:done:failed:/ "
                "%" G_GUINT64_FORMAT ":other:done:success:/ %" G_GUINT64_FORMAT ":work:running::bus",
                ida, idb, idc, idl);
        g_autofree char *expect_live = g_strdup_printf("%" G_GUINT64_FORMAT ":work:running::bus", idl);
        g_autofree char *s = NULL;
        g_autofree char *e = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        const char *done_only[] = { "done", NULL };

        /* Without history: today's behaviour, only what is on the bus. */
        s = list_ok(h, g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
        g_assert_cmpstr(s, ==, expect_live);
        g_clear_pointer(&s, g_free);

        /* With history: the finished jobs with their results, merged by id. */
        s = list_ok(h, history_filter(NULL, NULL));
        g_assert_cmpstr(s, ==, expect_all);
        g_clear_pointer(&s, g_free);

        /* The jobs gone from the bus cannot be GetJob'd. */
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob", g_variant_new("(t)", ida),
                     &error);
        g_assert_nonnull(error);
        g_clear_error(&error);

        /* Their records come from the state database. */
        {
                g_autoptr(GVariant) rec = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                                                   "GetJobRecord", g_variant_new("(t)", idb), &error);
                g_autoptr(GVariant) dict = NULL;
                g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
                const char *result = NULL;
                guint64 started = 0, finished = 0;
                gboolean on_bus = TRUE;

                g_assert_no_error(error);
                dict = g_variant_get_child_value(rec, 0);
                g_variant_dict_init(&d, dict);
                g_assert_true(g_variant_dict_lookup(&d, "Result", "&s", &result));
                g_assert_cmpstr(result, ==, "failed");
                g_assert_true(g_variant_dict_lookup(&d, "StartedAt", "t", &started));
                g_assert_true(g_variant_dict_lookup(&d, "FinishedAt", "t", &finished));
                g_assert_cmpuint(started, >, 0);
                g_assert_cmpuint(finished, >=, started);
                g_assert_true(g_variant_dict_lookup(&d, "OnBus", "b", &on_bus));
                g_assert_false(on_bus);
        }
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJobRecord",
                     g_variant_new("(t)", (guint64) 999999), &error);
        bus_assert_error(error, "org.sluice.Error.NoSuchJob", "999999", NULL);
        g_clear_error(&error);

        /* Filters apply to both. */
        s = list_ok(h, history_filter("class", g_variant_new_string("other")));
        e = g_strdup_printf("%" G_GUINT64_FORMAT ":other:done:success:/", idc);
        g_assert_cmpstr(s, ==, e);
        g_clear_pointer(&e, g_free);
        g_clear_pointer(&s, g_free);
        s = list_ok(h, history_filter("states", g_variant_new_strv(done_only, -1)));
        e = g_strdup_printf("%" G_GUINT64_FORMAT ":work:done:success:/ %" G_GUINT64_FORMAT
                            ":work:done:failed:/ %" G_GUINT64_FORMAT ":other:done:success:/", ida, idb, idc);
        g_assert_cmpstr(s, ==, e);
        g_clear_pointer(&e, g_free);
        g_clear_pointer(&s, g_free);
        s = list_ok(h, history_filter("limit", g_variant_new_uint32(2)));
        e = g_strdup_printf("%" G_GUINT64_FORMAT ":work:done:success:/ %" G_GUINT64_FORMAT ":work:done:failed:/",
                            ida, idb);
        g_assert_cmpstr(s, ==, e);
        g_clear_pointer(&e, g_free);
        g_clear_pointer(&s, g_free);
        s = list_ok(h, history_filter("owner", g_variant_new_uint32(getuid() + 1)));
        g_assert_cmpstr(s, ==, "");
        g_clear_pointer(&s, g_free);
        s = list_ok(h, history_filter("owner", g_variant_new_uint32(getuid())));
        g_assert_cmpstr(s, ==, expect_all);
        g_clear_pointer(&s, g_free);

        /* Time range over SubmittedAt: since is inclusive, until exclusive. */
        s = list_ok(h, history_filter("since", g_variant_new_uint64(live_submitted)));
        g_assert_cmpstr(s, ==, expect_live);
        g_clear_pointer(&s, g_free);
        s = list_ok(h, history_filter("until", g_variant_new_uint64(live_submitted)));
        g_assert_true(g_str_has_prefix(expect_all, s));
        g_assert_false(strstr(s, "running"));
        g_clear_pointer(&s, g_free);
}

static void test_bad_filters(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        static const struct {
                const char *key;
                const char *value;      /* GVariant text of the wrong type */
                const char *named;
        } cases[] = {
                { "history", "'yes'", "filter.history" },
                { "since", "uint32 5", "filter.since" },
                { "until", "'tomorrow'", "filter.until" },
                { "limit", "true", "filter.limit" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(GVariantDict) f = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GError) error = NULL;
                g_autofree char *s = NULL;

                g_variant_dict_insert_value(&f, cases[i].key, g_variant_new_parsed(cases[i].value));
                s = list_jobs(h, g_variant_dict_end(&f), &error);
                g_assert_null(s);
                bus_assert_error(error, "org.sluice.Error.InvalidArgument", cases[i].named, NULL);
        }

        /* An empty range. */
        {
                g_auto(GVariantDict) f = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GError) error = NULL;
                g_autofree char *s = NULL;

                g_variant_dict_insert(&f, "since", "t", (guint64) 2000);
                g_variant_dict_insert(&f, "until", "t", (guint64) 1000);
                s = list_jobs(h, g_variant_dict_end(&f), &error);
                bus_assert_error(error, "org.sluice.Error.InvalidArgument", "filter.until", NULL);
        }
}

static void test_max_jobs_prunes_oldest(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        guint64 ids[5];
        g_autofree char *s = NULL;
        g_autofree char *expect = NULL;
        g_auto(GStrv) words = NULL;

        for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
                g_autofree char *job = run_to_end(h, "work", "success");

                ids[i] = bus_job_id(job);
        }
        s = list_ok(h, history_filter(NULL, NULL));
        words = g_strsplit(s, " ", -1);
        g_assert_cmpuint(g_strv_length(words), ==, G_N_ELEMENTS(ids));
        g_clear_pointer(&s, g_free);

        /* Start again with room for two finished jobs: pruning at start keeps the newest. */
        bus_harness_kill_daemon(h, SIGTERM);
        bus_harness_write_config(h, HISTORY_CONFIG("HistoryMaxJobs=2\n"));
        bus_harness_start_daemon(h);
        s = list_ok(h, history_filter(NULL, NULL));
        expect = g_strdup_printf("%" G_GUINT64_FORMAT ":work:done:success:/ %" G_GUINT64_FORMAT
                                 ":work:done:success:/", ids[3], ids[4]);
        g_assert_cmpstr(s, ==, expect);
}

static void test_max_age_prunes(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autofree char *old = run_to_end(h, "work", "success");
        g_autofree char *live = bus_acquire(h, NULL, "work", NULL);
        g_autofree char *s = NULL;
        g_autofree char *expect = NULL;

        /* The finished job left the bus KeepFinishedSec=1 after it finished, so at the
         * restart it finished more than 1 s ago: pruned; the queued/running one stays. */
        bus_harness_kill_daemon(h, SIGKILL);
        bus_harness_write_config(h, HISTORY_CONFIG("HistoryMaxAgeSec=1\n"));
        bus_harness_start_daemon(h);
        s = list_ok(h, history_filter(NULL, NULL));
        g_assert_false(strstr(s, ":done:success:"));
        expect = g_strdup_printf("%" G_GUINT64_FORMAT ":", bus_job_id(live));
        g_assert_true(g_str_has_prefix(s, expect));
}

static void test_retention_keys(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        static const struct {
                const char *key;
                const char *value;
        } bad[] = {
                { "HistoryMaxJobs", "-1" },
                { "HistoryMaxJobs", "lots" },
                { "HistoryMaxAgeSec", "5 parsecs" },
        };
        static const struct {
                const char *key;
                const char *value;
        } good[] = {
                { "HistoryMaxJobs", "0" },
                { "HistoryMaxAgeSec", "7d" },
                { "HistoryMaxAgeSec", "0" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_auto(GVariantDict) s = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                g_variant_dict_insert(&s, bad[i].key, "s", bad[i].value);
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                             g_variant_new("(s@a{sv}b)", "Scheduler", g_variant_dict_end(&s), FALSE), &error);
                bus_assert_error(error, "org.sluice.Error.InvalidConfig", bad[i].key, NULL);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
                g_auto(GVariantDict) s = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                g_variant_dict_insert(&s, good[i].key, "s", good[i].value);
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                             g_variant_new("(s@a{sv}b)", "Scheduler", g_variant_dict_end(&s), FALSE), &error);
                g_assert_no_error(error);
        }
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/bus/history/list", test_list_history);
        g_test_add_func("/bus/history/bad-filters", test_bad_filters);
        g_test_add_func("/bus/history/max-jobs-prunes-oldest", test_max_jobs_prunes_oldest);
        g_test_add_func("/bus/history/max-age-prunes", test_max_age_prunes);
        g_test_add_func("/bus/history/retention-keys", test_retention_keys);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * [Schedule NAME] against the real sluiced on a private bus, with the test
 * clock (SLUICE_TEST_CLOCK_OFFSET_USEC, org.sluice.TestClock1.SetOffset):
 * time is moved, never waited for.  The fake clock starts at 2030-01-01
 * 10:00:30 UTC and runs on with the real one; calendars are in UTC, so the
 * minutely elapses are 10:01:00, 10:02:00, ...
 *
 * Jobs of the schedules are leases: granted with no holder they run until
 * cancelled, which keeps a "previous run" alive for the Overlap= cases.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "bus-harness.h"

#define TEST_CLOCK_ENV "SLUICE_TEST_CLOCK_OFFSET_USEC"
#define MINUTE (G_USEC_PER_SEC * 60)

static gint64 fake(int hour, int minute, int second) {
        g_autoptr(GDateTime) t = g_date_time_new_utc(2030, 1, 1, hour, minute, second);

        return g_date_time_to_unix(t) * G_USEC_PER_SEC;
}

static char *config_with(const char *schedule_keys) {
        return g_strdup_printf("[Scheduler]\n"
                               "MaxRunning=0\n"
                               "KeepFinishedSec=3600\n"
                               "\n"
                               "[Class slot]\n"
                               "Kind=lease\n"
                               "MaxRunning=1\n"
                               "\n"
                               "[Class tick]\n"
                               "Kind=lease\n"
                               "Parameter.store=[a-z]+\n"
                               "\n"
                               "[Schedule every]\n"
                               "OnCalendar=*-*-* *:*:00 UTC\n"
                               "%s",
                               schedule_keys);
}

/* The daemon (re)started now sees the fake clock at @t. */
static void set_start_time(gint64 t) {
        g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, t - g_get_real_time());

        g_setenv(TEST_CLOCK_ENV, v, TRUE);
}

static BusHarness *harness_at(gint64 t, const char *schedule_keys) {
        g_autofree char *config = config_with(schedule_keys);

        set_start_time(t);
        return bus_harness_new(config);
}

static void set_time(BusHarness *h, gint64 t) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_TEST_CLOCK_PATH, SLUICE_TEST_CLOCK_IFACE, "SetOffset",
                                         g_variant_new("(x)", t - g_get_real_time()), &error);

        g_assert_no_error(error);
}

typedef struct Sched {
        gboolean found;
        char *klass;
        guint64 next, last, job;
        char *result;
} Sched;

static void sched_clear(Sched *s) {
        g_free(s->klass);
        g_free(s->result);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Sched, sched_clear)

static void get_sched(BusHarness *h, const char *name, Sched *ret) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Schedules");
        GVariantIter it;
        const char *n, *k, *res;
        guint64 next, last, job;

        sched_clear(ret);
        *ret = (Sched) {};
        g_assert_cmpstr(g_variant_get_type_string(v), ==, "a(ssttts)");
        g_variant_iter_init(&it, v);
        while (g_variant_iter_next(&it, "(&s&sttt&s)", &n, &k, &next, &last, &job, &res))
                if (g_str_equal(n, name)) {
                        *ret = (Sched) { TRUE, g_strdup(k), next, last, job, g_strdup(res) };
                        return;
                }
}

typedef struct JobWait {
        const char *name;
        guint64 not_job;        /* wait until the last job id differs */
        guint64 not_last;       /* or (when not_job is 0) the last trigger differs */
} JobWait;

static gboolean sched_moved(BusHarness *h, gconstpointer data) {
        const JobWait *w = data;
        g_auto(Sched) s = {};

        get_sched(h, w->name, &s);
        return w->not_job ? s.job != w->not_job : s.last != w->not_last;
}

/* Wait for the schedule's next job (after @prev_job) and return its id. */
static guint64 wait_job(BusHarness *h, const char *name, guint64 prev_job) {
        JobWait w = { name, prev_job ? prev_job : G_MAXUINT64, 0 };
        g_auto(Sched) s = {};

        if (prev_job == 0) {
                /* Nothing yet: any job id. */
                get_sched(h, name, &s);
                if (s.job == 0) {
                        w.not_job = 0;
                        w.not_last = s.last;
                }
        }
        w.not_job = prev_job ? prev_job : w.not_job;
        bus_harness_wait_for(h, sched_moved, &w, "the schedule's next job");
        get_sched(h, name, &s);
        return s.job;
}

static void wait_trigger(BusHarness *h, const char *name, guint64 prev_last) {
        JobWait w = { name, 0, prev_last };

        bus_harness_wait_for(h, sched_moved, &w, "the schedule's next trigger");
}

/* Jobs of @klass on the bus as "id:state" words, by id. */
static char *jobs_of(BusHarness *h, const char *klass) {
        g_autoptr(GError) error = NULL;
        g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                                         g_variant_new("(@a{sv})", g_variant_dict_end(&filter)), &error);
        g_autoptr(GVariantIter) it = NULL;
        GString *s = g_string_new(NULL);
        const char *cls, *state, *result, *path;
        guint64 id, submitted;
        gint32 prio;
        guint32 owner;

        g_assert_no_error(error);
        g_variant_get(r, "(a(tsssiuto))", &it);
        while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &cls, &state, &result, &prio, &owner, &submitted, &path))
                if (g_str_equal(cls, klass)) {
                        g_assert_cmpuint(owner, ==, 0);
                        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ":%s", s->len ? " " : "", id, state);
                }
        return g_string_free(s, FALSE);
}

static char *job_path(guint64 id) {
        return g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" G_GUINT64_FORMAT, id);
}

static GVariant *trigger(BusHarness *h, const char *name, GError **error) {
        return bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "TriggerSchedule",
                        g_variant_new("(s)", name), error);
}

/* A PropertiesChanged of the manager carrying Schedules with last job *data was received. */
static gboolean schedules_changed(BusHarness *h, gconstpointer data) {
        const guint64 *job = data;
        g_autoptr(GPtrArray) found = bus_signals_find(h, "PropertiesChanged", SLUICE_MANAGER_PATH);

        for (guint i = 0; i < found->len; i++) {
                BusSignal *sig = found->pdata[i];
                g_autoptr(GVariant) changed = g_variant_get_child_value(sig->parameters, 1);
                g_autoptr(GVariant) v = g_variant_lookup_value(changed, "Schedules", G_VARIANT_TYPE("a(ssttts)"));

                GVariantIter it;
                guint64 next, last, id;

                if (!v)
                        continue;
                g_variant_iter_init(&it, v);
                while (g_variant_iter_next(&it, "(&s&sttt&s)", NULL, NULL, &next, &last, &id, NULL))
                        if (id == *job)
                                return TRUE;
        }
        return FALSE;
}

/* An elapse enqueues one job of the class, owner root, description naming the schedule. */
static void test_fire(void) {
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), "Class=tick\nParameters=store=alpha\nPriority=7\n");
        g_auto(Sched) s = {};
        g_autofree char *path = NULL, *desc = NULL, *jobs = NULL, *expected = NULL;
        g_autoptr(GVariant) prio = NULL;
        guint64 id;

        get_sched(h, "every", &s);
        g_assert_true(s.found);
        g_assert_cmpstr(s.klass, ==, "tick");
        g_assert_cmpuint(s.next, ==, fake(10, 1, 0));
        g_assert_cmpuint(s.last, ==, 0);
        g_assert_cmpuint(s.job, ==, 0);
        g_assert_cmpstr(s.result, ==, "");

        set_time(h, fake(10, 1, 5));
        id = wait_job(h, "every", 0);
        bus_harness_wait_for(h, schedules_changed, &id, "PropertiesChanged with Schedules naming the new job");
        get_sched(h, "every", &s);
        g_assert_cmpuint(s.last, >=, fake(10, 1, 5));
        g_assert_cmpuint(s.last, <, fake(10, 2, 0));
        g_assert_cmpuint(s.next, ==, fake(10, 2, 0));

        path = job_path(id);
        bus_wait_job_state(h, path, "running");
        desc = bus_job_get_string(h, path, "Description");
        g_assert_cmpstr(desc, ==, "schedule every");
        prio = bus_get_property(h, path, SLUICE_JOB_IFACE, "Priority");
        g_assert_cmpint(g_variant_get_int32(prio), ==, 7);
        jobs = jobs_of(h, "tick");
        expected = g_strdup_printf("%" G_GUINT64_FORMAT ":running", id);
        g_assert_cmpstr(jobs, ==, expected);

        /* Its result becomes the schedule's last result. */
        {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                                                 g_variant_new("(t)", id), &error);
                g_assert_no_error(error);
        }
        bus_wait_job_state(h, path, "done");
        get_sched(h, "every", &s);
        g_assert_cmpstr(s.result, ==, "cancelled");
}

/* Overlap=skip|queue|replace while the previous run is still running. */
static void test_overlap(gconstpointer data) {
        const char *policy = data;
        g_autofree char *keys = g_strdup_printf("Class=slot\nOverlap=%s\n", policy);
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), keys);
        g_autofree char *first_path = NULL, *jobs = NULL, *expected = NULL;
        g_auto(Sched) s = {};
        guint64 first, second;

        set_time(h, fake(10, 1, 5));
        first = wait_job(h, "every", 0);
        first_path = job_path(first);
        bus_wait_job_state(h, first_path, "running");
        get_sched(h, "every", &s);

        set_time(h, fake(10, 2, 5));
        if (g_str_equal(policy, "skip")) {
                wait_trigger(h, "every", s.last);
                get_sched(h, "every", &s);
                g_assert_cmpuint(s.job, ==, first);
                g_assert_cmpuint(s.next, ==, fake(10, 3, 0));
                expected = g_strdup_printf("%" G_GUINT64_FORMAT ":running", first);
        } else {
                second = wait_job(h, "every", first);
                if (g_str_equal(policy, "queue")) {
                        expected = g_strdup_printf("%" G_GUINT64_FORMAT ":running %" G_GUINT64_FORMAT ":queued",
                                                   first, second);
                } else {
                        g_autofree char *second_path = job_path(second);

                        bus_wait_job_state(h, first_path, "done");
                        bus_wait_job_state(h, second_path, "running");
                        expected = g_strdup_printf("%" G_GUINT64_FORMAT ":done %" G_GUINT64_FORMAT ":running",
                                                   first, second);
                }
        }
        jobs = jobs_of(h, "slot");
        g_assert_cmpstr(jobs, ==, expected);
}

/* TriggerSchedule(name): a job now, answered with its path; precise errors. */
static void test_trigger(void) {
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), "Class=slot\n");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL, r2 = NULL;
        g_autofree char *expected = NULL, *jobs = NULL;
        g_auto(Sched) s = {};
        const char *path;

        r = trigger(h, "every", &error);
        g_assert_no_error(error);
        g_variant_get(r, "(&o)", &path);
        get_sched(h, "every", &s);
        expected = job_path(s.job);
        g_assert_cmpstr(path, ==, expected);
        g_assert_cmpuint(s.last, >=, fake(10, 0, 30));
        g_assert_cmpuint(s.next, ==, fake(10, 1, 0));   /* a manual run leaves the calendar alone */
        bus_wait_job_state(h, path, "running");

        /* Overlap=skip: the previous run is still running. */
        r2 = trigger(h, "every", &error);
        g_assert_null(r2);
        bus_assert_error(error, "org.sluice.Error.Duplicate", "name:", "still running", "Overlap=skip", NULL);
        g_clear_error(&error);

        r2 = trigger(h, "nightly", &error);
        g_assert_null(r2);
        bus_assert_error(error, "org.sluice.Error.InvalidArgument", "name:", "nightly", NULL);
        g_clear_error(&error);

        jobs = jobs_of(h, "slot");
        g_clear_pointer(&expected, g_free);
        expected = g_strdup_printf("%" G_GUINT64_FORMAT ":running", s.job);
        g_assert_cmpstr(jobs, ==, expected);
}

/* Jobs made at start: the count of "tick" jobs with an id above @after. */
static guint count_jobs_after(BusHarness *h, guint64 after) {
        g_autofree char *jobs = jobs_of(h, "tick");
        g_auto(GStrv) words = g_strsplit(jobs, " ", -1);
        guint n = 0;

        for (size_t i = 0; words[i] && *words[i]; i++)
                if (g_ascii_strtoull(words[i], NULL, 10) > after)
                        n++;
        return n;
}

typedef struct CatchUpCase {
        const char *keys;
        guint jobs;
} CatchUpCase;

/* Persistent=yes: stopped after the 10:01 run, started at 10:04:30: 10:02, 10:03, 10:04 missed. */
static void test_catch_up(gconstpointer data) {
        const CatchUpCase *c = data;
        g_autofree char *keys = g_strdup_printf("Class=tick\nParameters=store=a\nOverlap=queue\nPersistent=yes\n%s",
                                                c->keys);
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), keys);
        g_auto(Sched) s = {};
        guint64 first;
        gint64 last;

        set_time(h, fake(10, 1, 5));
        first = wait_job(h, "every", 0);
        get_sched(h, "every", &s);
        last = s.last;

        bus_harness_kill_daemon(h, SIGTERM);
        set_start_time(fake(10, 4, 30));
        bus_harness_start_daemon(h);

        g_assert_cmpuint(count_jobs_after(h, first), ==, c->jobs);
        get_sched(h, "every", &s);
        g_assert_cmpuint(s.last, >=, fake(10, 4, 30));  /* the misses are handled: not again next start */
        g_assert_cmpuint(s.next, ==, fake(10, 5, 0));
        if (c->jobs > 0)
                g_assert_cmpuint(s.job, >, first);
        g_assert_cmpint(last, <, fake(10, 2, 0));

        /* A second restart right away finds nothing missed (the leases above end
         * abandoned: no holder; no job newer than the last one appears). */
        first = s.job ? s.job : first;
        bus_harness_kill_daemon(h, SIGTERM);
        set_start_time(fake(10, 4, 40));
        bus_harness_start_daemon(h);
        g_assert_cmpuint(count_jobs_after(h, first), ==, 0);
}

/* Without Persistent=yes nothing is caught up. */
static void test_not_persistent(void) {
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), "Class=tick\nParameters=store=a\n");
        g_auto(Sched) s = {};
        guint64 first;

        set_time(h, fake(10, 1, 5));
        first = wait_job(h, "every", 0);
        bus_harness_kill_daemon(h, SIGTERM);
        set_start_time(fake(10, 4, 30));
        bus_harness_start_daemon(h);
        g_assert_cmpuint(count_jobs_after(h, first), ==, 0);

        /* The last job, gone from the bus (its lease ended with its holder), and its result are still known. */
        get_sched(h, "every", &s);
        g_assert_cmpuint(s.job, ==, first);
        g_assert_cmpstr(s.result, ==, "abandoned");
        g_assert_cmpuint(s.next, ==, fake(10, 5, 0));
}

/* The wall clock jumps: forward past several elapses fires once; backward plans from the new time. */
static void test_clock_jump(void) {
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), "Class=tick\nParameters=store=a\nOverlap=queue\n");
        g_auto(Sched) s = {};
        guint64 first;

        set_time(h, fake(10, 5, 30));
        first = wait_job(h, "every", 0);
        get_sched(h, "every", &s);
        g_assert_cmpuint(s.next, ==, fake(10, 6, 0));
        g_assert_cmpuint(count_jobs_after(h, 0), ==, 1);

        set_time(h, fake(9, 0, 30));
        get_sched(h, "every", &s);
        g_assert_cmpuint(s.next, ==, fake(9, 1, 0));
        g_assert_cmpuint(s.job, ==, first);

        set_time(h, fake(9, 1, 5));
        g_assert_cmpuint(wait_job(h, "every", first), >, first);
        get_sched(h, "every", &s);
        g_assert_cmpuint(s.next, ==, fake(9, 2, 0));
        g_assert_cmpuint(count_jobs_after(h, 0), ==, 2);
}

/* Reload adds and removes schedules. */
static void test_reload(void) {
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), "Class=tick\nParameters=store=a\n");
        g_autofree char *more = config_with("Class=tick\nParameters=store=a\n\n"
                                            "[Schedule hourly]\nClass=slot\nOnCalendar=*-*-* *:00:00 UTC\n");
        g_autofree char *less = g_strdup("[Class tick]\nKind=lease\n[Class slot]\nKind=lease\n"
                                         "[Schedule hourly]\nClass=slot\nOnCalendar=*-*-* *:00:00 UTC\n");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL, r2 = NULL;
        g_auto(Sched) s = {};

        get_sched(h, "hourly", &s);
        g_assert_false(s.found);
        bus_harness_write_config(h, more);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        g_assert_no_error(error);
        get_sched(h, "hourly", &s);
        g_assert_true(s.found);
        g_assert_cmpuint(s.next, ==, fake(11, 0, 0));

        bus_harness_write_config(h, less);
        r2 = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        g_assert_no_error(error);
        get_sched(h, "every", &s);
        g_assert_false(s.found);
        get_sched(h, "hourly", &s);
        g_assert_true(s.found);

        /* The removed one no longer fires. */
        set_time(h, fake(10, 1, 5));
        g_clear_pointer(&r, g_variant_unref);
        r = trigger(h, "every", &error);
        bus_assert_error(error, "org.sluice.Error.InvalidArgument", "name:", "every", NULL);
        g_clear_error(&error);
        g_assert_cmpuint(count_jobs_after(h, 0), ==, 0);

        /* Back again: planned from now, the 10:01 elapse it missed while gone is not made up. */
        bus_harness_write_config(h, more);
        g_clear_pointer(&r2, g_variant_unref);
        r2 = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        g_assert_no_error(error);
        get_sched(h, "every", &s);
        g_assert_true(s.found);
        g_assert_cmpuint(s.next, ==, fake(10, 2, 0));
        g_assert_cmpuint(s.job, ==, 0);
        g_assert_cmpuint(count_jobs_after(h, 0), ==, 0);
}

/* Invalid [Schedule] keys through UpdateConfig: InvalidConfig naming section, key and value; nothing changes. */
static void test_invalid_keys(void) {
        static const struct {
                const char *key, *value, *expect;
        } cases[] = {
                { "Overlap", "sometimes", "[Schedule every] Overlap: \"sometimes\"" },
                { "CatchUp", "twice", "[Schedule every] CatchUp: \"twice\"" },
                { "Priority", "5000", "[Schedule every] Priority:" },
                { "OnCalendar", "Mon..Fry 04:00", "[Schedule every] OnCalendar:" },
                { "Class", "nosuchclass", "[Schedule every] Class: \"nosuchclass\"" },
                { "Parameters", "store=UPPER", "[Schedule every] Parameters:" },
                { "Parameters", "other=a", "[Schedule every] Parameters:" },
                { "RandomizedDelaySec", "soon", "[Schedule every] RandomizedDelaySec: \"soon\"" },
                { "Persistent", "maybe", "[Schedule every] Persistent: \"maybe\"" },
        };
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), "Class=tick\nParameters=store=a\n");

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) r = NULL;
                g_auto(Sched) s = {};

                g_test_message("%s=%s", cases[i].key, cases[i].value);
                g_variant_dict_insert(&d, cases[i].key, "s", cases[i].value);
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                             g_variant_new("(s@a{sv}b)", "Schedule every", g_variant_dict_end(&d), FALSE), &error);
                g_assert_null(r);
                bus_assert_error(error, "org.sluice.Error.InvalidConfig", cases[i].expect, NULL);
                get_sched(h, "every", &s);
                g_assert_cmpstr(s.klass, ==, "tick");
        }
}

/* Run sluicectl against the harness's bus; returns its exit status, stdout in *ret_out. */
static int run_ctl(BusHarness *h, char **ret_out, char **ret_err, ...) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        const char *sluicectl = g_getenv("SLUICECTL");
        int status = -1;
        va_list ap;

        g_assert_nonnull(sluicectl);
        g_ptr_array_add(argv, g_strdup(sluicectl));
        g_ptr_array_add(argv, g_strdup_printf("--bus-address=%s", h->address));
        va_start(ap, ret_err);
        for (const char *a; (a = va_arg(ap, const char *));)
                g_ptr_array_add(argv, g_strdup(a));
        va_end(ap);
        g_ptr_array_add(argv, NULL);
        g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, ret_out, ret_err, &status,
                     &error);
        g_assert_no_error(error);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* sluicectl schedules [--json] and sluicectl trigger NAME. */
static void test_ctl(void) {
        g_autoptr(BusHarness) h = harness_at(fake(10, 0, 30), "Class=slot\n");
        g_autofree char *out = NULL, *err = NULL, *json = NULL, *expected = NULL;
        g_auto(Sched) s = {};

        g_assert_cmpint(run_ctl(h, &out, &err, "schedules", NULL), ==, 0);
        g_assert_true(g_str_has_prefix(out, "NAME"));
        g_assert_nonnull(strstr(out, "every"));
        g_assert_nonnull(strstr(out, "slot"));
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        g_assert_cmpint(run_ctl(h, &out, &err, "trigger", "every", NULL), ==, 0);
        get_sched(h, "every", &s);
        expected = g_strdup_printf("%" G_GUINT64_FORMAT "\n", s.job);
        g_assert_cmpstr(out, ==, expected);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        g_assert_cmpint(run_ctl(h, &json, &err, "--json", "schedules", NULL), ==, 0);
        g_clear_pointer(&expected, g_free);
        expected = g_strdup_printf("[{\"Name\":\"every\",\"Class\":\"slot\",\"NextElapse\":%" G_GUINT64_FORMAT
                                   ",\"LastTrigger\":%" G_GUINT64_FORMAT ",\"LastJob\":%" G_GUINT64_FORMAT
                                   ",\"LastResult\":\"\"}]\n", s.next, s.last, s.job);
        g_assert_cmpstr(json, ==, expected);
        g_clear_pointer(&err, g_free);

        g_assert_cmpint(run_ctl(h, &out, &err, "trigger", "nosuch", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "name: no schedule named \"nosuch\""));
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_ctl(h, &out, &err, "trigger", NULL), ==, 2);
}

int main(int argc, char *argv[]) {
        static const CatchUpCase once = { "CatchUp=once\n", 1 };
        static const CatchUpCase all = { "CatchUp=all\n", 3 };
        static const CatchUpCase none = { "CatchUp=none\n", 0 };
        static const CatchUpCase within = { "CatchUp=all\nCatchUpWithinSec=100\n", 2 };

        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/schedules/fire", test_fire);
        g_test_add_data_func("/schedules/overlap/skip", "skip", test_overlap);
        g_test_add_data_func("/schedules/overlap/queue", "queue", test_overlap);
        g_test_add_data_func("/schedules/overlap/replace", "replace", test_overlap);
        g_test_add_func("/schedules/trigger", test_trigger);
        g_test_add_data_func("/schedules/catch-up/once", &once, test_catch_up);
        g_test_add_data_func("/schedules/catch-up/all", &all, test_catch_up);
        g_test_add_data_func("/schedules/catch-up/none", &none, test_catch_up);
        g_test_add_data_func("/schedules/catch-up/within", &within, test_catch_up);
        g_test_add_func("/schedules/not-persistent", test_not_persistent);
        g_test_add_func("/schedules/clock-jump", test_clock_jump);
        g_test_add_func("/schedules/reload", test_reload);
        g_test_add_func("/schedules/invalid-keys", test_invalid_keys);
        g_test_add_func("/schedules/ctl", test_ctl);
        return g_test_run();
}

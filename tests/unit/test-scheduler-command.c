/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the scheduler core for command jobs: argv from the ExecStart=
 * template, the environment, retries (time passed in by hand), Duplicates=
 * and re-attaching running jobs (scheduler_adopt).
 */
#include <locale.h>
#include <string.h>

#include "errors.h"
#include "scheduler-private.h"

#define SEC USEC_PER_SEC
#define T0 ((usec_t) 1700000000 * SEC) /* 2023-11-14 22:13:20 UTC */

typedef struct Event {
        SchedEventType type;
        uint64_t id;
        JobChangedMask mask;
        JobState state;
        JobResult result;
} Event;

typedef struct Ctx {
        Scheduler *s;
        GArray *events;         /* Event */
        GArray *started;        /* uint64_t ids, in start order */
        GArray *stopped;        /* uint64_t ids */
        usec_t now;
} Ctx;

static void on_event(void *userdata, SchedEventType type, Job *job, JobChangedMask changed) {
        Ctx *c = userdata;
        Event e = { type, job->id, changed, job->state, job->result };
        g_array_append_val(c->events, e);
}

static int fake_start(void *userdata, Job *job) {
        Ctx *c = userdata;
        g_array_append_val(c->started, job->id);
        return 0;
}

static int fake_stop(void *userdata, Job *job) {
        Ctx *c = userdata;
        g_array_append_val(c->stopped, job->id);
        return 0;
}

static const SchedulerListener listener = { .event = on_event };
static const SchedulerExecutor executor = { .start = fake_start, .stop = fake_stop };

static Ctx *ctx_new(const char *text) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = sluice_config_new_from_data(text, "test", &error);
        Ctx *c = g_new0(Ctx, 1);

        g_assert_no_error(error);
        c->events = g_array_new(false, false, sizeof(Event));
        c->started = g_array_new(false, false, sizeof(uint64_t));
        c->stopped = g_array_new(false, false, sizeof(uint64_t));
        c->now = T0;
        c->s = scheduler_new(cfg, &listener, c, &executor, c);
        return c;
}

static void ctx_free(Ctx *c) {
        scheduler_free(c->s);
        g_array_unref(c->events);
        g_array_unref(c->started);
        g_array_unref(c->stopped);
        g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ctx, ctx_free)

/* Parameters as name/value pairs, so values may hold anything (blanks too). */
typedef struct Sub {
        const char *cls;
        const char *const *params;      /* { "name", "value", ..., NULL } */
        const char *const *argv;
        const char *const *env;
        uint32_t owner;
} Sub;

static Job *submit(Ctx *c, const Sub *a, GError **error) {
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);

        for (const char *const *p = a->params; p && p[0]; p += 2)
                g_hash_table_insert(params, (gpointer) p[0], (gpointer) p[1]);
        JobSpec spec = {
                .class_name = a->cls,
                .parameters = a->params ? params : NULL,
                .argv = a->argv,
                .environment = a->env,
                .owner = a->owner,
                .submitter = ":1.7",
        };
        return scheduler_submit(c->s, &spec, c->now, error);
}

static Job *submit_ok(Ctx *c, const Sub *a) {
        g_autoptr(GError) error = NULL;
        Job *j = submit(c, a, &error);

        g_assert_no_error(error);
        g_assert_nonnull(j);
        return j;
}
#define SUBMIT(c, ...) submit_ok((c), &(Sub) { __VA_ARGS__ })
#define STRV(...) ((const char *const[]) { __VA_ARGS__, NULL })

static void submit_error(Ctx *c, const Sub *a, int code, const char *message) {
        g_autoptr(GError) error = NULL;

        g_assert_null(submit(c, a, &error));
        g_assert_error(error, SLUICE_ERROR, code);
        g_assert_cmpstr(error->message, ==, message);
}

static unsigned dispatch(Ctx *c) {
        scheduler_run_timers(c->s, c->now);
        return scheduler_dispatch(c->s, c->now);
}

static const Event *last_event(Ctx *c) {
        g_assert_cmpuint(c->events->len, >, 0);
        return &g_array_index(c->events, Event, c->events->len - 1);
}

/* ---- argv from the template ---- */

static void test_template_argv(void) {
        g_autoptr(Ctx) c = ctx_new(
                "[Class t]\nKind=command\n"
                "Parameter.store=.*\nParameter.path=.*\nParameter.a=.*\nParameter.b=.*\n"
                "ExecStart=/usr/bin/tool --store=%{store} %{path} -x%{a}%{b}y 100% %{path}\n");
        static const struct {
                const char *store, *path, *a, *b;
        } cases[] = {
                { "plain", "/srv/x", "1", "2" },
                /* blanks, quotes and shell syntax stay inside their one element */
                { "two words", "; rm -rf / #", "$(id)", "`id` 'q' \"dq\" | > <" },
                /* a leading '-' stays an argument value, never an option of its own */
                { "-rf", "--delete", "-", "--" },
                /* placeholders inside values are not expanded again */
                { "%{path}", "%{store}", "%", "{" },
                { "", "", "", "" },
                { "tab\there", "\\n", "*", "?[a]" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                Job *j = SUBMIT(c, .cls = "t", .params = STRV("store", cases[i].store, "path", cases[i].path,
                                                              "a", cases[i].a, "b", cases[i].b));
                g_autofree char *store = g_strconcat("--store=", cases[i].store, NULL);
                g_autofree char *x = g_strconcat("-x", cases[i].a, cases[i].b, "y", NULL);
                const char *const want[] = { "/usr/bin/tool", store, cases[i].path, x, "100%", cases[i].path, NULL };

                g_assert_cmpstrv(j->argv, want);
                g_assert_null(j->environment);
        }
}

static void test_raw_argv(void) {
        g_autoptr(Ctx) c = ctx_new("[Class cmd]\nKind=command\nParameter.n=[0-9]+\nExecStart=/bin/sleep %{n}\n"
                                   "[Class lease]\n");
        const char *const raw[] = { "/bin/echo", "a b", "-n", NULL };
        Job *j;

        /* The client's raw argv replaces the template. */
        j = SUBMIT(c, .cls = "cmd", .params = STRV("n", "5"), .argv = raw);
        g_assert_cmpstrv(j->argv, raw);
        j = SUBMIT(c, .cls = "cmd", .params = STRV("n", "5"));
        g_assert_cmpstrv(j->argv, STRV("/bin/sleep", "5"));

        submit_error(c, &(Sub) { .cls = "cmd", .params = STRV("n", "5"), .argv = STRV("ls", "-l") },
                     SLUICE_ERROR_INVALID_ARGUMENT, "argv[0]: \"ls\" must be an absolute path");
        submit_error(c, &(Sub) { .cls = "cmd", .params = STRV("n", "5"), .argv = STRV("./run\n") },
                     SLUICE_ERROR_INVALID_ARGUMENT, "argv[0]: \"./run\\n\" must be an absolute path");
        submit_error(c, &(Sub) { .cls = "lease", .argv = raw },
                     SLUICE_ERROR_INVALID_ARGUMENT, "argv: class lease is a lease class; only command classes run a command");
        /* A lease job has no argv. */
        j = SUBMIT(c, .cls = "lease");
        g_assert_null(j->argv);
}

/* ---- environment ---- */

static void test_environment(void) {
        g_autoptr(Ctx) c = ctx_new("[Class cmd]\nKind=command\nExecStart=/bin/env\n"
                                   "Environment=A=1 B=2 PATH=/usr/bin\n"
                                   "[Class bare]\nKind=command\nExecStart=/bin/env\n");
        Job *j;

        j = SUBMIT(c, .cls = "cmd");
        g_assert_cmpstrv(j->environment, STRV("A=1", "B=2", "PATH=/usr/bin"));
        /* The client's assignments come after the class's; the same KEY: the client's wins. */
        j = SUBMIT(c, .cls = "cmd", .env = STRV("B=two words", "C=", "A=x=y"));
        g_assert_cmpstrv(j->environment, STRV("A=x=y", "B=two words", "PATH=/usr/bin", "C="));
        j = SUBMIT(c, .cls = "bare", .env = STRV("Z=1", "Z=2"));
        g_assert_cmpstrv(j->environment, STRV("Z=2"));
        j = SUBMIT(c, .cls = "bare");
        g_assert_null(j->environment);

        submit_error(c, &(Sub) { .cls = "cmd", .env = STRV("1X=2") },
                     SLUICE_ERROR_INVALID_ARGUMENT, "environment: \"1X=2\" is not of the form KEY=VALUE");
        submit_error(c, &(Sub) { .cls = "cmd", .env = STRV("A B=2") },
                     SLUICE_ERROR_INVALID_ARGUMENT, "environment: \"A B=2\" is not of the form KEY=VALUE");
        submit_error(c, &(Sub) { .cls = "cmd", .env = STRV("=2") },
                     SLUICE_ERROR_INVALID_ARGUMENT, "environment: \"=2\" is not of the form KEY=VALUE");
}

/* ---- retries ---- */

#define RETRY_CONF "[Class r]\nKind=command\nExecStart=/bin/false\nRetry=2\nRetryDelaySec=10s\nRetryBackoff=3\n"

static void test_retry_backoff(void) {
        g_autoptr(Ctx) c = ctx_new(RETRY_CONF);
        Job *j = SUBMIT(c, .cls = "r");
        g_autofree char *reason = NULL;
        uint64_t id = j->id;

        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(j->attempt, ==, 1);
        scheduler_job_set_unit(c->s, j, "sluice-job-1.service", "0123456789abcdef0123456789abcdef");

        /* Attempt 1 fails: queued again, 10 s later. */
        c->now = T0 + 5 * SEC;
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 3, "exit status 3", c->now);
        g_assert_cmpint(j->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(j->result, ==, JOB_RESULT_NONE);
        g_assert_cmpint(j->exit_status, ==, 3);
        g_assert_cmpstr(j->result_detail, ==, "exit status 3");
        g_assert_cmpstr(j->unit, ==, "sluice-job-1.service");
        g_assert_cmpuint(j->not_before, ==, T0 + 15 * SEC);
        g_assert_cmpint(last_event(c)->type, ==, SCHED_EVENT_JOB_CHANGED);
        g_assert_cmpuint(last_event(c)->mask, ==, JOB_CHANGED_STATE | JOB_CHANGED_RESULT);
        g_assert_cmpint(last_event(c)->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 0);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 1);
        reason = scheduler_job_wait_reason(c->s, j, c->now);
        g_assert_cmpstr(reason, ==, "retry 1 of 2 not before 22:13:35");
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, T0 + 15 * SEC);

        /* Not a microsecond early. */
        c->now = T0 + 15 * SEC - 1;
        g_assert_cmpuint(dispatch(c), ==, 0);
        c->now = T0 + 15 * SEC;
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(j->attempt, ==, 2);
        g_assert_cmpuint(j->started_at, ==, T0 + 15 * SEC);

        /* Attempt 2 times out: the delay is 10 s * 3. */
        c->now = T0 + 20 * SEC;
        scheduler_job_finished(c->s, j, JOB_RESULT_TIMEOUT, -1, "ran longer than 5s", c->now);
        g_assert_cmpint(j->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpuint(j->not_before, ==, T0 + 50 * SEC);
        g_clear_pointer(&reason, g_free);
        reason = scheduler_job_wait_reason(c->s, j, c->now);
        g_assert_cmpstr(reason, ==, "retry 2 of 2 not before 22:14:10");
        c->now = T0 + 49 * SEC;
        g_assert_cmpuint(dispatch(c), ==, 0);
        c->now = T0 + 50 * SEC;
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(j->attempt, ==, 3);

        /* Attempt 3 fails: no retry left, the last attempt's result stands. */
        c->now = T0 + 60 * SEC;
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 4, "exit status 4", c->now);
        g_assert_cmpint(j->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(j->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(j->exit_status, ==, 4);
        g_assert_cmpstr(j->result_detail, ==, "exit status 4");
        g_assert_cmpuint(j->finished_at, ==, T0 + 60 * SEC);
        g_assert_cmpuint(scheduler_get_stats(c->s)->finished[JOB_RESULT_FAILED], ==, 1);
        g_assert_cmpuint(scheduler_get_stats(c->s)->started, ==, 3);
        g_assert_cmpuint(c->started->len, ==, 3);
        for (guint i = 0; i < c->started->len; i++)
                g_assert_cmpuint(g_array_index(c->started, uint64_t, i), ==, id);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 0);
}

static void test_retry_then_success(void) {
        g_autoptr(Ctx) c = ctx_new(RETRY_CONF);
        Job *j = SUBMIT(c, .cls = "r");

        dispatch(c);
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 1, NULL, c->now);
        c->now += 10 * SEC;
        g_assert_cmpuint(dispatch(c), ==, 1);
        scheduler_job_finished(c->s, j, JOB_RESULT_SUCCESS, 0, NULL, c->now);
        g_assert_cmpint(j->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(j->result, ==, JOB_RESULT_SUCCESS);
        g_assert_cmpint(j->exit_status, ==, 0);
        g_assert_cmpuint(j->attempt, ==, 2);
}

static void test_retry_without_delay(void) {
        g_autoptr(Ctx) c = ctx_new("[Class r]\nKind=command\nExecStart=/bin/false\nRetry=1\nRetryDelaySec=0\n");
        Job *j = SUBMIT(c, .cls = "r");
        g_autofree char *reason = NULL;

        dispatch(c);
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 1, NULL, c->now);
        /* Straight back into the dispatch queue. */
        g_assert_cmpint(j->state, ==, JOB_STATE_QUEUED);
        reason = scheduler_job_wait_reason(c->s, j, c->now);
        g_assert_cmpstr(reason, ==, "position 1 of 1");
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpuint(j->attempt, ==, 2);
}

static void test_cancelled_not_retried(void) {
        g_autoptr(Ctx) c = ctx_new(RETRY_CONF);
        Job *j = SUBMIT(c, .cls = "r"), *k;

        /* Cancelled while running: whatever the unit says, it ends cancelled. */
        dispatch(c);
        g_assert_true(scheduler_cancel(c->s, j, c->now, NULL));
        g_assert_cmpuint(c->stopped->len, ==, 1);
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 143, "signal 15", c->now);
        g_assert_cmpint(j->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(j->result, ==, JOB_RESULT_CANCELLED);

        /* Cancelled while waiting for its retry: ends at once. */
        k = SUBMIT(c, .cls = "r");
        dispatch(c);
        scheduler_job_finished(c->s, k, JOB_RESULT_FAILED, 1, NULL, c->now);
        g_assert_cmpint(k->state, ==, JOB_STATE_QUEUED);
        g_assert_true(scheduler_cancel(c->s, k, c->now, NULL));
        g_assert_cmpint(k->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(k->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, c->now + 300 * SEC);     /* only the removals */
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 0);
}

static void test_no_retry(void) {
        g_autoptr(Ctx) c = ctx_new(RETRY_CONF "[Class once]\nKind=command\nExecStart=/bin/false\n"
                                   "[Class lease]\n");
        const struct {
                const char *cls;
                JobResult result;
        } cases[] = {
                { "r", JOB_RESULT_SUCCESS },
                { "r", JOB_RESULT_LOST },
                { "r", JOB_RESULT_ABANDONED },
                { "r", JOB_RESULT_CANCELLED },
                { "once", JOB_RESULT_FAILED },
                { "lease", JOB_RESULT_FAILED },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                Job *j = SUBMIT(c, .cls = cases[i].cls);

                g_assert_cmpuint(dispatch(c), ==, 1);
                scheduler_job_finished(c->s, j, cases[i].result, -1, NULL, c->now);
                g_assert_cmpint(j->state, ==, JOB_STATE_DONE);
                g_assert_cmpint(j->result, ==, cases[i].result);
        }

        /* A class that vanished retries nothing. */
        Job *j = SUBMIT(c, .cls = "r");
        dispatch(c);
        {
                g_autoptr(SluiceConfig) cfg = sluice_config_new_from_data("[Class other]\n", "test", NULL);
                scheduler_set_config(c->s, cfg);
        }
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 1, NULL, c->now);
        g_assert_cmpint(j->result, ==, JOB_RESULT_FAILED);
}

static void test_retry_delay_saturates(void) {
        g_autoptr(Ctx) c = ctx_new("[Class r]\nKind=command\nExecStart=/bin/false\nRetry=100\n"
                                   "RetryDelaySec=1y\nRetryBackoff=100\n");
        const usec_t year = 31557600 * SEC;
        const usec_t delays[] = { year, 100 * year, 10000 * year, USEC_INFINITY / 2, USEC_INFINITY / 2 };
        Job *j = SUBMIT(c, .cls = "r");

        c->now = 0;
        /* 1y * 100^4 does not fit: the delay stops growing instead of wrapping. */
        for (size_t i = 0; i < G_N_ELEMENTS(delays); i++) {
                g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
                scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 1, NULL, c->now);
                g_assert_cmpint(j->state, ==, JOB_STATE_QUEUED);
                g_assert_cmpuint(j->not_before - c->now, ==, delays[i]);
                /* Start it again right away (as if the delay had passed). */
                scheduler_run_timers(c->s, j->not_before);
        }
}

/* ---- duplicates ---- */

#define DUP_CONF(policy)                                                                \
        "[Scheduler]\nMaxRunning=0\n"                                                   \
        "[Class d]\nKind=command\nParameter.store=[a-z]+\nExecStart=/bin/gc %{store}\n" \
        "Duplicates=" policy "\n"

static void test_duplicates_queue(void) {
        g_autoptr(Ctx) c = ctx_new(DUP_CONF("queue"));

        SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 2);
}

static void test_duplicates_reject(void) {
        g_autoptr(Ctx) c = ctx_new(DUP_CONF("reject"));
        Job *a = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        Job *b = SUBMIT(c, .cls = "d", .params = STRV("store", "b"));
        guint n_events = c->events->len;
        uint64_t next = scheduler_next_id(c->s);

        /* Queued or running, the same class and parameters is a duplicate. */
        submit_error(c, &(Sub) { .cls = "d", .params = STRV("store", "a") },
                     SLUICE_ERROR_DUPLICATE, "duplicate of job 1 (Duplicates=reject)");
        dispatch(c);
        g_assert_cmpint(b->state, ==, JOB_STATE_RUNNING);
        submit_error(c, &(Sub) { .cls = "d", .params = STRV("store", "b") },
                     SLUICE_ERROR_DUPLICATE, "duplicate of job 2 (Duplicates=reject)");
        /* Nothing changed but the dispatch. */
        g_assert_cmpuint(scheduler_next_id(c->s), ==, next);
        g_assert_cmpuint(c->events->len, ==, n_events + 2);
        g_assert_cmpuint(scheduler_get_stats(c->s)->submitted, ==, 2);

        /* A raw argv makes a different job. */
        Job *raw = SUBMIT(c, .cls = "d", .params = STRV("store", "a"), .argv = STRV("/bin/gc", "-n", "a"));
        submit_error(c, &(Sub) { .cls = "d", .params = STRV("store", "a"), .argv = STRV("/bin/gc", "-n", "a") },
                     SLUICE_ERROR_DUPLICATE, "duplicate of job 3 (Duplicates=reject)");
        g_assert_cmpuint(raw->id, ==, 3);

        /* Once the first is done, the same job is welcome again. */
        scheduler_job_finished(c->s, a, JOB_RESULT_SUCCESS, 0, NULL, c->now);
        Job *again = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        g_assert_cmpuint(again->id, ==, 4);

        /* A job being cancelled is on its way out: no longer a duplicate. */
        g_assert_true(scheduler_cancel(c->s, b, c->now, NULL));
        g_assert_cmpint(b->state, ==, JOB_STATE_RUNNING);
        SUBMIT(c, .cls = "d", .params = STRV("store", "b"));
}

static void test_duplicates_replace(void) {
        g_autoptr(Ctx) c = ctx_new(DUP_CONF("replace") "[Class lease]\nDuplicates=replace\n");
        Job *running = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        Job *queued, *fresh, *other, *l1, *l2;

        dispatch(c);
        scheduler_pause(c->s, "", NULL);
        other = SUBMIT(c, .cls = "d", .params = STRV("store", "b"));
        queued = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        /* the running duplicate is asked to stop... */
        g_assert_cmpint(running->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(c->stopped->len, ==, 1);
        g_assert_cmpuint(g_array_index(c->stopped, uint64_t, 0), ==, running->id);

        c->now += SEC;
        fresh = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        g_assert_cmpint(queued->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(queued->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(queued->result_detail, ==, "replaced by job 4 (Duplicates=replace)");
        g_assert_cmpuint(queued->finished_at, ==, T0 + SEC);
        /* ...a queued one ends at once; the one already stopping is not asked
         * again, the other store is untouched. */
        g_assert_cmpuint(c->stopped->len, ==, 1);
        g_assert_cmpint(other->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(fresh->state, ==, JOB_STATE_QUEUED);

        /* The replaced running job ends cancelled whatever its unit says. */
        scheduler_job_finished(c->s, running, JOB_RESULT_SUCCESS, 0, NULL, c->now);
        g_assert_cmpint(running->result, ==, JOB_RESULT_CANCELLED);

        /* A running lease is replaced at once. */
        scheduler_resume(c->s, "", NULL);
        l1 = SUBMIT(c, .cls = "lease");
        dispatch(c);
        g_assert_cmpint(l1->state, ==, JOB_STATE_RUNNING);
        l2 = SUBMIT(c, .cls = "lease");
        g_assert_cmpint(l1->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(l1->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpint(l2->state, ==, JOB_STATE_QUEUED);
}

static void test_duplicates_cancel_queued(void) {
        g_autoptr(Ctx) c = ctx_new(DUP_CONF("cancel-queued") "MaxRunning=1\n");
        Job *running = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        Job *queued, *fresh;

        dispatch(c);
        queued = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        g_assert_cmpint(queued->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(running->state, ==, JOB_STATE_RUNNING);

        fresh = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        g_assert_cmpint(queued->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(queued->result_detail, ==, "replaced by job 3 (Duplicates=cancel-queued)");
        g_assert_cmpint(running->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(c->stopped->len, ==, 0);
        g_assert_cmpint(fresh->state, ==, JOB_STATE_QUEUED);
}

static void test_duplicates_retry_waiting(void) {
        g_autoptr(Ctx) c = ctx_new(DUP_CONF("reject") "Retry=1\n");
        Job *j = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));

        dispatch(c);
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 1, NULL, c->now);
        g_assert_cmpint(j->state, ==, JOB_STATE_QUEUED);
        /* Waiting for its retry, it is still queued: a duplicate. */
        submit_error(c, &(Sub) { .cls = "d", .params = STRV("store", "a") },
                     SLUICE_ERROR_DUPLICATE, "duplicate of job 1 (Duplicates=reject)");
}

/* Parameters are compared as whole values: no separator can fake equality. */
static void test_duplicates_key(void) {
        g_autoptr(Ctx) c = ctx_new("[Class k]\nParameter.a=.*\nParameter.b=.*\nDuplicates=reject\n");

        SUBMIT(c, .cls = "k", .params = STRV("a", "x|1:y", "b", ""));
        SUBMIT(c, .cls = "k", .params = STRV("a", "x", "b", "y"));
        SUBMIT(c, .cls = "k", .params = STRV("a", "x|", "b", "y"));
        SUBMIT(c, .cls = "k", .params = STRV("a", "x", "b", "1:y"));
        submit_error(c, &(Sub) { .cls = "k", .params = STRV("b", "y", "a", "x") },
                     SLUICE_ERROR_DUPLICATE, "duplicate of job 2 (Duplicates=reject)");
}

/* The index holds exactly the queued and running jobs. */
static void test_duplicates_index_empties(void) {
        g_autoptr(Ctx) c = ctx_new(DUP_CONF("queue") "Retry=1\nRetryDelaySec=0\n");
        GPtrArray *jobs = g_ptr_array_new();

        for (int i = 0; i < 50; i++)
                g_ptr_array_add(jobs, SUBMIT(c, .cls = "d", .params = STRV("store", i % 2 ? "a" : "b")));
        g_assert_cmpuint(g_hash_table_size(c->s->duplicates), ==, 2);
        dispatch(c);
        for (guint i = 0; i < jobs->len; i++) {
                Job *j = jobs->pdata[i];

                if (i % 3 == 0)
                        scheduler_cancel(c->s, j, c->now, NULL);
                scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 1, NULL, c->now);
        }
        g_assert_cmpuint(g_hash_table_size(c->s->duplicates), >, 0);   /* the retries */
        dispatch(c);
        for (guint i = 0; i < jobs->len; i++)
                scheduler_job_finished(c->s, jobs->pdata[i], JOB_RESULT_FAILED, 1, NULL, c->now);
        g_assert_cmpuint(g_hash_table_size(c->s->duplicates), ==, 0);
        g_ptr_array_unref(jobs);
}

/* ---- re-attach ---- */

static Job *adopt(Ctx *c, const char *cls, const char *const *params, uint64_t id, uint32_t attempt,
                  GError **error) {
        g_autoptr(GHashTable) p = g_hash_table_new(g_str_hash, g_str_equal);

        for (const char *const *q = params; q && q[0]; q += 2)
                g_hash_table_insert(p, (gpointer) q[0], (gpointer) q[1]);
        JobSpec spec = { .class_name = cls, .parameters = params ? p : NULL, .owner = 0 };
        return scheduler_adopt(c->s, &spec, id, T0 - 100 * SEC, T0 - 50 * SEC, attempt, c->now, error);
}

static void test_adopt(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxQueuedPerUser=1\n"
                                   "[Class d]\nKind=command\nParameter.store=[a-z]+\nExecStart=/bin/gc %{store}\n"
                                   "MaxRunning=1\nDuplicates=reject\n");
        g_autoptr(GError) error = NULL;
        g_autofree char *reason = NULL;
        Job *j, *k, *q;

        j = adopt(c, "d", STRV("store", "a"), 12, 2, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(j->id, ==, 12);
        g_assert_cmpint(j->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(j->attempt, ==, 2);
        g_assert_cmpuint(j->submitted_at, ==, T0 - 100 * SEC);
        g_assert_cmpuint(j->started_at, ==, T0 - 50 * SEC);
        g_assert_cmpstrv(j->argv, STRV("/bin/gc", "a"));
        g_assert_cmpuint(c->started->len, ==, 0);         /* no executor start */
        g_assert_cmpint(last_event(c)->type, ==, SCHED_EVENT_JOB_NEW);
        g_assert_cmpint(last_event(c)->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(last_event(c)->id, ==, 12);
        g_assert_cmpuint(scheduler_next_id(c->s), ==, 13);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 1);
        g_assert_true(scheduler_get_job(c->s, 12) == j);

        /* Neither quota nor Duplicates= apply to what already runs. */
        k = adopt(c, "d", STRV("store", "a"), 5, 0, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(k->attempt, ==, 1);
        g_assert_cmpuint(scheduler_next_id(c->s), ==, 13);     /* never moves back */

        /* It counts against the limits, and against duplicates. */
        q = SUBMIT(c, .cls = "d", .params = STRV("store", "b"));
        g_assert_cmpuint(q->id, ==, 13);
        g_assert_cmpuint(dispatch(c), ==, 0);
        reason = scheduler_job_wait_reason(c->s, q, c->now);
        g_assert_cmpstr(reason, ==, "class d is full (2 of 1 running)");
        submit_error(c, &(Sub) { .cls = "d", .params = STRV("store", "a"), .owner = 9 },
                     SLUICE_ERROR_DUPLICATE, "duplicate of job 5 (Duplicates=reject)");

        /* Errors, nothing changed. */
        g_assert_null(adopt(c, "d", STRV("store", "a"), 12, 1, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
        g_assert_cmpstr(error->message, ==, "id: job 12 exists already");
        g_clear_error(&error);
        g_assert_null(adopt(c, "d", STRV("store", "a"), 0, 1, &error));
        g_assert_cmpstr(error->message, ==, "id: 0 is not a job id");
        g_clear_error(&error);
        g_assert_null(adopt(c, "d", STRV("store", "A"), 20, 1, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
        g_assert_cmpstr(error->message, ==, "parameters.store: \"A\" does not match [a-z]+");
        g_assert_cmpuint(scheduler_next_id(c->s), ==, 14);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 2);

        /* Their ends free the slots as for any job. */
        scheduler_job_finished(c->s, j, JOB_RESULT_SUCCESS, 0, NULL, c->now);
        scheduler_job_finished(c->s, k, JOB_RESULT_FAILED, 1, NULL, c->now);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(q->state, ==, JOB_STATE_RUNNING);
}

/* A unit whose class vanished from the configuration still gets its job:
 * its id is taken, its result recorded, no class limit, no parameter check. */
static void test_adopt_vanished_class(void) {
        g_autoptr(Ctx) c = ctx_new("[Class d]\nKind=command\nParameter.store=[a-z]+\nExecStart=/bin/gc %{store}\n"
                                   "MaxRunning=1\nRetry=3\n"
                                   "[Resource datastore:*]\nMaxRunning=1\n");
        g_autoptr(GHashTable) p = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        const char *const resources[] = { "datastore:x", "datastore:x", NULL };
        const char *const argv[] = { "/usr/bin/old-tool", "--store", "Not Valid=\n", NULL };
        const char *const env[] = { "A=1", NULL };
        JobSpec spec = {
                .class_name = "gone",
                .parameters = p,
                .resources = resources,
                .argv = argv,
                .environment = env,
                .description = "left over",
                .owner = 1000,
        };
        Job *j, *k, *q;

        /* Not declared by any class, and not matching anything: taken as is. */
        g_hash_table_insert(p, (gpointer) "store", (gpointer) "Not Valid=\n");
        j = scheduler_adopt(c->s, &spec, 7, T0 - 100 * SEC, T0 - 50 * SEC, 2, c->now, &error);
        g_assert_no_error(error);
        g_assert_nonnull(j);
        g_assert_cmpuint(j->id, ==, 7);
        g_assert_cmpstr(j->class_name, ==, "gone");
        g_assert_cmpint(j->kind, ==, JOB_KIND_COMMAND);
        g_assert_cmpint(j->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(j->priority, ==, 0);
        g_assert_cmpuint(j->attempt, ==, 2);
        g_assert_cmpuint(j->owner, ==, 1000);
        g_assert_cmpuint(j->submitted_at, ==, T0 - 100 * SEC);
        g_assert_cmpuint(j->started_at, ==, T0 - 50 * SEC);
        g_assert_cmpstr(g_hash_table_lookup(j->parameters, "store"), ==, "Not Valid=\n");
        g_assert_cmpstrv(j->resources, STRV("datastore:x"));
        g_assert_cmpstrv(j->argv, argv);
        g_assert_cmpstrv(j->environment, env);
        g_assert_cmpstr(j->description, ==, "left over");
        g_assert_cmpuint(c->started->len, ==, 0);
        g_assert_cmpint(last_event(c)->type, ==, SCHED_EVENT_JOB_NEW);
        g_assert_cmpuint(last_event(c)->id, ==, 7);
        g_assert_true(scheduler_get_job(c->s, 7) == j);

        /* Its id is reserved: the next job gets 8, never a second 7. */
        g_assert_cmpuint(scheduler_next_id(c->s), ==, 8);

        /* No class limit of its own (class d's MaxRunning=1 is untouched),
         * but its resources are real and count. */
        k = SUBMIT(c, .cls = "d", .params = STRV("store", "a"));
        g_assert_cmpuint(k->id, ==, 8);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(k->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 2);
        {
                g_autoptr(Ctx) c2 = ctx_new("[Class d]\nKind=command\nParameter.store=[a-z]+\n"
                                            "ExecStart=/bin/gc %{store}\nResources=datastore:%{store}\n"
                                            "[Resource datastore:*]\nMaxRunning=1\n");
                g_autofree char *reason = NULL;

                g_assert_nonnull(scheduler_adopt(c2->s, &spec, 7, 0, 0, 1, c2->now, &error));
                g_assert_no_error(error);
                q = SUBMIT(c2, .cls = "d", .params = STRV("store", "x"));
                g_assert_cmpuint(q->id, ==, 8);
                g_assert_cmpuint(dispatch(c2), ==, 0);
                reason = scheduler_job_wait_reason(c2->s, q, c2->now);
                g_assert_cmpstr(reason, ==, "resource datastore:x is full (1 of 1 running)");
        }

        /* Its real result is recorded; a vanished class retries nothing. */
        scheduler_job_finished(c->s, j, JOB_RESULT_FAILED, 3, "exit status 3", c->now);
        g_assert_cmpint(j->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(j->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(j->exit_status, ==, 3);
        g_assert_cmpstr(j->result_detail, ==, "exit status 3");
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 1);

        /* The same id twice is still refused. */
        g_assert_null(scheduler_adopt(c->s, &spec, 7, 0, 0, 1, c->now, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
        g_assert_cmpstr(error->message, ==, "id: job 7 exists already");
        g_clear_error(&error);
}

/* What every job must be still holds for a vanished class; nothing changes on error. */
static void test_adopt_vanished_class_invalid(void) {
        g_autoptr(Ctx) c = ctx_new("[Class d]\nKind=command\nExecStart=/bin/true\n");
        static const struct {
                const char *cls;
                const char *resource;
                const char *argv0;
                const char *env;
                const char *param_value;
                bool has_priority;
                int32_t priority;
                bool acquire;
                const char *message;
        } rows[] = {
                { .cls = "", .message = "class: no class named \"\"" },
                { .cls = "a b", .message = "class: \"a b\" is not a class name" },
                { .cls = "gone", .resource = "nocolon", .message = "resources: \"nocolon\" is not of the form KEY:VALUE" },
                { .cls = "gone", .argv0 = "relative", .message = "argv[0]: must be an absolute path" },
                { .cls = "gone", .env = "NOEQUALS", .message = "environment: \"NOEQUALS\" is not of the form KEY=VALUE" },
                { .cls = "gone", .param_value = "\xff", .message = "parameters: a name or value is empty, not valid "
                                                                    "UTF-8 or longer than 4096 bytes" },
                { .cls = "gone", .has_priority = true, .priority = 1000000,
                  .message = "priority: 1000000 is out of range (-1000..1000)" },
                { .cls = "gone", .acquire = true,
                  .message = "class: no class named \"gone\"; only command jobs outlive their class" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
                g_autoptr(GHashTable) p = g_hash_table_new(g_str_hash, g_str_equal);
                g_autoptr(GError) error = NULL;
                const char *resources[] = { rows[i].resource, NULL };
                const char *argv[] = { rows[i].argv0, NULL };
                const char *env[] = { rows[i].env, NULL };
                JobSpec spec = {
                        .class_name = rows[i].cls,
                        .parameters = p,
                        .resources = rows[i].resource ? resources : NULL,
                        .argv = rows[i].argv0 ? argv : NULL,
                        .environment = rows[i].env ? env : NULL,
                        .has_priority = rows[i].has_priority,
                        .priority = rows[i].priority,
                        .acquire = rows[i].acquire,
                };

                g_test_message("row %zu: %s", i, rows[i].message);
                if (rows[i].param_value)
                        g_hash_table_insert(p, (gpointer) "store", (gpointer) rows[i].param_value);
                g_assert_null(scheduler_adopt(c->s, &spec, 5, 0, 0, 1, c->now, &error));
                g_assert_nonnull(error);
                g_assert_cmpstr(error->message, ==, rows[i].message);
        }
        g_assert_null(scheduler_get_job(c->s, 5));
        g_assert_cmpuint(scheduler_next_id(c->s), ==, 1);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 0);
}

int main(int argc, char *argv[]) {
        setlocale(LC_ALL, "");
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/scheduler-command/template-argv", test_template_argv);
        g_test_add_func("/scheduler-command/raw-argv", test_raw_argv);
        g_test_add_func("/scheduler-command/environment", test_environment);
        g_test_add_func("/scheduler-command/retry/backoff", test_retry_backoff);
        g_test_add_func("/scheduler-command/retry/then-success", test_retry_then_success);
        g_test_add_func("/scheduler-command/retry/without-delay", test_retry_without_delay);
        g_test_add_func("/scheduler-command/retry/cancelled-not-retried", test_cancelled_not_retried);
        g_test_add_func("/scheduler-command/retry/none", test_no_retry);
        g_test_add_func("/scheduler-command/retry/delay-saturates", test_retry_delay_saturates);
        g_test_add_func("/scheduler-command/duplicates/queue", test_duplicates_queue);
        g_test_add_func("/scheduler-command/duplicates/reject", test_duplicates_reject);
        g_test_add_func("/scheduler-command/duplicates/replace", test_duplicates_replace);
        g_test_add_func("/scheduler-command/duplicates/cancel-queued", test_duplicates_cancel_queued);
        g_test_add_func("/scheduler-command/duplicates/retry-waiting", test_duplicates_retry_waiting);
        g_test_add_func("/scheduler-command/duplicates/key", test_duplicates_key);
        g_test_add_func("/scheduler-command/duplicates/index-empties", test_duplicates_index_empties);
        g_test_add_func("/scheduler-command/adopt", test_adopt);
        g_test_add_func("/scheduler-command/adopt/vanished-class", test_adopt_vanished_class);
        g_test_add_func("/scheduler-command/adopt/vanished-class-invalid", test_adopt_vanished_class_invalid);
        return g_test_run();
}

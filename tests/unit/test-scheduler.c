/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the scheduler core: a fake executor, a recording listener,
 * configs from key-file text, and time passed in by hand.
 */
#include <locale.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "scheduler.h"

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
        int start_result;       /* what the fake executor's start() returns */
        usec_t now;
} Ctx;

static void on_event(void *userdata, SchedEventType type, Job *job, JobChangedMask changed) {
        Ctx *c = userdata;
        Event e = { type, job->id, changed, job->state, job->result };
        g_array_append_val(c->events, e);
}

static int fake_start(void *userdata, Job *job) {
        Ctx *c = userdata;
        g_assert_cmpint(job->state, ==, JOB_STATE_RUNNING);
        g_array_append_val(c->started, job->id);
        return c->start_result;
}

static int fake_stop(void *userdata, Job *job) {
        Ctx *c = userdata;
        g_array_append_val(c->stopped, job->id);
        return 0;
}

static const SchedulerListener listener = { .event = on_event };
static const SchedulerExecutor executor = { .start = fake_start, .stop = fake_stop };

static SluiceConfig *config_from(const char *text) {
        g_autoptr(GError) error = NULL;
        SluiceConfig *cfg = sluice_config_new_from_data(text, "test", &error);
        g_assert_no_error(error);
        g_assert_nonnull(cfg);
        return cfg;
}

static Ctx *ctx_new(const char *text) {
        Ctx *c = g_new0(Ctx, 1);
        g_autoptr(SluiceConfig) cfg = config_from(text);

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

static void ctx_set_config(Ctx *c, const char *text) {
        g_autoptr(SluiceConfig) cfg = config_from(text);
        scheduler_set_config(c->s, cfg);
}

typedef struct Sub {
        const char *cls;
        uint32_t owner;
        bool has_prio;
        int32_t prio;
        const char *res;        /* space separated extra resources */
        const char *params;     /* "k=v k2=v2" */
        usec_t not_before, max_wait, ttl;
        bool acquire;
        const char *const *argv;
        const char *const *env;
} Sub;

static Job *submit_full(Ctx *c, const Sub *a, GError **error) {
        g_auto(GStrv) res = a->res ? g_strsplit(a->res, " ", -1) : NULL;
        g_autoptr(GHashTable) params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_auto(GStrv) kv = a->params ? g_strsplit(a->params, " ", -1) : NULL;

        for (char **p = kv; p && *p; p++) {
                char *eq = strchr(*p, '=');
                g_assert_nonnull(eq);
                g_hash_table_insert(params, g_strndup(*p, eq - *p), g_strdup(eq + 1));
        }
        JobSpec spec = {
                .class_name = a->cls,
                .acquire = a->acquire,
                .has_priority = a->has_prio,
                .priority = a->prio,
                .resources = (const char *const *) res,
                .parameters = kv ? params : NULL,
                .not_before = a->not_before,
                .max_wait_usec = a->max_wait,
                .ttl_usec = a->ttl,
                .argv = a->argv,
                .environment = a->env,
                .owner = a->owner,
                .submitter = ":1.42",
        };
        return scheduler_submit(c->s, &spec, c->now, error);
}

/* Submit and expect success; class "work" unless .cls says otherwise. */
static Job *submit_ok(Ctx *c, const Sub *a) {
        g_autoptr(GError) error = NULL;
        Sub with_class = *a;
        if (!with_class.cls)
                with_class.cls = "work";
        Job *j = submit_full(c, &with_class, &error);
        g_assert_no_error(error);
        g_assert_nonnull(j);
        return j;
}
#define SUBMIT(c, ...) submit_ok((c), &(Sub) { __VA_ARGS__ })

static unsigned dispatch(Ctx *c) {
        return scheduler_dispatch(c->s, c->now);
}

static void finish(Ctx *c, Job *j) {
        scheduler_job_finished(c->s, j, JOB_RESULT_SUCCESS, 0, NULL, c->now);
}

static uint64_t started_at(Ctx *c, unsigned i) {
        g_assert_cmpuint(i, <, c->started->len);
        return g_array_index(c->started, uint64_t, i);
}

static void assert_reason(Ctx *c, Job *j, const char *expected) {
        g_autofree char *r = scheduler_job_wait_reason(c->s, j, c->now);
        g_assert_cmpstr(r, ==, expected);
}

/* Finish the one running job (MaxRunning=1) and dispatch; return who started next. */
static uint64_t step(Ctx *c, Job *running) {
        unsigned before = c->started->len;
        finish(c, running);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(c->started->len, ==, before + 1);
        return started_at(c, before);
}

/* [Scheduler] keys, then extra sections after the two standard classes */
#define CFG(sched, more) "[Scheduler]\nKeepFinishedSec=300\n" sched "[Class work]\n[Class other]\n" more

/* ---- disciplines ---- */

static void test_fifo(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("Discipline=fifo\nMaxRunning=1\n", ""));
        Job *a = SUBMIT(c, .has_prio = true, .prio = -5);
        Job *b = SUBMIT(c, .has_prio = true, .prio = 50);
        Job *d = SUBMIT(c);

        g_assert_cmpuint(a->id, ==, 1);
        g_assert_cmpuint(d->id, ==, 3);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(started_at(c, 0), ==, a->id);
        g_assert_cmpuint(step(c, a), ==, b->id);
        g_assert_cmpuint(step(c, b), ==, d->id);
}

static void test_priority(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("Discipline=priority\nAgingSec=0\nMaxRunning=1\n", "[Class high]\nPriority=10\n"));
        Job *low = SUBMIT(c);
        Job *high = SUBMIT(c, .cls = "high");   /* class default Priority=10 */
        Job *mid1 = SUBMIT(c, .has_prio = true, .prio = 5);
        Job *mid2 = SUBMIT(c, .has_prio = true, .prio = 5);

        g_assert_cmpint(high->priority, ==, 10);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(started_at(c, 0), ==, high->id);
        g_assert_cmpuint(step(c, high), ==, mid1->id);  /* FIFO within a level */
        g_assert_cmpuint(step(c, mid1), ==, mid2->id);
        g_assert_cmpuint(step(c, mid2), ==, low->id);
}

/* A low-priority job eventually beats a steady stream of high ones. */
static void run_stream(bool aging, bool *ret_low_started, unsigned *ret_rounds) {
        g_autoptr(Ctx) c = ctx_new(aging ? CFG("Discipline=priority\nAgingSec=60\nMaxRunning=1\n", "")
                                         : CFG("Discipline=priority\nAgingSec=0\nMaxRunning=1\n", ""));
        Job *running = SUBMIT(c, .has_prio = true, .prio = 100);
        Job *low = SUBMIT(c, .has_prio = true, .prio = 0);

        g_assert_cmpuint(dispatch(c), ==, 1);
        *ret_low_started = false;
        for (unsigned round = 0; round < 200; round++) {
                c->now += 10 * SEC;
                SUBMIT(c, .has_prio = true, .prio = 5);
                uint64_t next = step(c, running);
                running = scheduler_get_job(c->s, next);
                if (next == low->id) {
                        *ret_low_started = true;
                        *ret_rounds = round;
                        return;
                }
        }
}

static void test_aging(void) {
        bool low_started;
        unsigned rounds = 0;

        run_stream(false, &low_started, &rounds);
        g_assert_false(low_started);    /* without aging it starves */

        run_stream(true, &low_started, &rounds);
        g_assert_true(low_started);
        /* 5 levels behind, one level per 60 s, one new job every 10 s: after
         * about 30 rounds the low job has waited 300 s longer than the newest. */
        g_assert_cmpuint(rounds, >=, 25);
        g_assert_cmpuint(rounds, <=, 35);
}

static void test_aging_order_is_time_invariant(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("Discipline=priority\nAgingSec=100\nMaxRunning=0\n", ""));
        Job *old_low, *new_high;

        scheduler_pause(c->s, "", NULL);
        old_low = SUBMIT(c, .has_prio = true, .prio = 1);
        c->now += 150 * SEC;     /* old_low: 1 + 1.5 = 2.5 */
        new_high = SUBMIT(c, .has_prio = true, .prio = 2);
        g_assert_cmpuint(scheduler_job_position(c->s, old_low, NULL), ==, 1);
        c->now += 10000 * SEC;   /* still the same order, whatever the time */
        g_assert_cmpuint(scheduler_job_position(c->s, old_low, NULL), ==, 1);
        g_assert_cmpuint(scheduler_job_position(c->s, new_high, NULL), ==, 2);
}

/*
 * Positions read between submissions (as every job's InterfacesAdded does)
 * are kept up to date by inserting each new job into the cached order; they
 * must equal the positions of an order rebuilt from scratch.
 */
static void test_positions_kept_while_submitting(gconstpointer data) {
        g_autoptr(Ctx) c = ctx_new(data);
        g_autoptr(GPtrArray) jobs = g_ptr_array_new();
        g_autoptr(GArray) incremental = g_array_new(false, false, sizeof(unsigned));
        GRand *rand = g_rand_new_with_seed(42);
        unsigned total;

        scheduler_pause(c->s, "", NULL);
        for (unsigned i = 0; i < 300; i++) {
                Job *j = SUBMIT(c, .has_prio = true, .prio = g_rand_int_range(rand, -3, 4));
                g_ptr_array_add(jobs, j);
                c->now += g_rand_int_range(rand, 0, 50) * SEC;
                g_assert_cmpuint(scheduler_job_position(c->s, j, &total), >=, 1);
                g_assert_cmpuint(total, ==, i + 1);
        }
        for (unsigned i = 0; i < jobs->len; i++) {
                unsigned pos = scheduler_job_position(c->s, jobs->pdata[i], NULL);
                g_array_append_val(incremental, pos);
        }
        /* The same config again regroups and drops every cache: a full rebuild. */
        ctx_set_config(c, data);
        for (unsigned i = 0; i < jobs->len; i++)
                g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[i], NULL), ==,
                                 g_array_index(incremental, unsigned, i));
        g_rand_free(rand);
}

/*
 * Many groups (resources and classes split the queue): a rebuilt order
 * merges the groups, each already in discipline order; the positions kept
 * while submitting come from binary insertion into the whole order.  Both
 * must agree.
 */
static void test_positions_merged_groups(gconstpointer data) {
        g_autoptr(Ctx) c = ctx_new(data);
        g_autoptr(GPtrArray) jobs = g_ptr_array_new();
        g_autoptr(GArray) kept = g_array_new(false, false, sizeof(unsigned));
        GRand *rand = g_rand_new_with_seed(11);
        static const char *const res[] = { NULL, "datastore:a", "datastore:b", "tape:1", "datastore:a tape:1" };

        scheduler_pause(c->s, "", NULL);
        for (unsigned i = 0; i < 300; i++) {
                Job *j = SUBMIT(c, .cls = g_rand_boolean(rand) ? "work" : "other",
                                .res = res[g_rand_int_range(rand, 0, G_N_ELEMENTS(res))],
                                .has_prio = true, .prio = g_rand_int_range(rand, -3, 4));

                g_ptr_array_add(jobs, j);
                c->now += g_rand_int_range(rand, 0, 50) * SEC;
                g_assert_cmpuint(scheduler_job_position(c->s, j, NULL), >=, 1);
        }
        for (unsigned i = 0; i < jobs->len; i++) {
                unsigned pos = scheduler_job_position(c->s, jobs->pdata[i], NULL);
                g_array_append_val(kept, pos);
        }
        ctx_set_config(c, data);
        for (unsigned i = 0; i < jobs->len; i++)
                g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[i], NULL), ==,
                                 g_array_index(kept, unsigned, i));
        g_rand_free(rand);
}

/*
 * The duplicates index keeps each job's place in its key's array and fills
 * a hole with the key's last job: after leaving in any order, the remaining
 * duplicates are exactly the ones still queued.
 */
static void test_duplicates_index_removal(void) {
        static const char cfg_queue[] = "[Scheduler]\nMaxRunning=0\n[Class work]\nKind=command\nExecStart=/bin/true\n";
        static const char cfg_reject[] =
                "[Scheduler]\nMaxRunning=0\n[Class work]\nKind=command\nExecStart=/bin/true\nDuplicates=reject\n";
        g_autoptr(Ctx) c = ctx_new(cfg_queue);
        Job *jobs[8];
        static const unsigned leave[] = { 3, 0, 6, 1, 7, 5, 2 };        /* ids 4 1 7 2 8 6 3 leave; 5 stays */

        scheduler_pause(c->s, "", NULL);
        for (unsigned i = 0; i < G_N_ELEMENTS(jobs); i++)
                jobs[i] = SUBMIT(c);
        ctx_set_config(c, cfg_reject);
        for (unsigned i = 0; i < G_N_ELEMENTS(leave); i++) {
                g_autoptr(GError) error = NULL;
                g_autofree char *want = NULL;
                uint64_t lowest = UINT64_MAX;

                g_assert_true(scheduler_cancel(c->s, jobs[leave[i]], c->now, NULL));
                jobs[leave[i]] = NULL;
                for (unsigned k = 0; k < G_N_ELEMENTS(jobs); k++)
                        if (jobs[k])
                                lowest = MIN(lowest, jobs[k]->id);
                want = g_strdup_printf("duplicate of job %" G_GUINT64_FORMAT " (Duplicates=reject)", lowest);
                g_assert_null(submit_full(c, &(Sub) { .cls = "work" }, &error));
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_DUPLICATE);
                g_assert_cmpstr(error->message, ==, want);
        }
        g_assert_true(scheduler_cancel(c->s, jobs[4], c->now, NULL));
        g_assert_nonnull(SUBMIT(c));   /* none left: accepted */
}

/* Every job's position now, then again after a full rebuild of the order. */
static void assert_positions_as_rebuilt(Ctx *c, GPtrArray *jobs, const char *cfg) {
        g_autoptr(GArray) kept = g_array_new(false, false, sizeof(unsigned));

        for (unsigned i = 0; i < jobs->len; i++) {
                unsigned pos = scheduler_job_position(c->s, jobs->pdata[i], NULL);
                g_array_append_val(kept, pos);
        }
        ctx_set_config(c, cfg);        /* regroups, drops the cached order */
        for (unsigned i = 0; i < jobs->len; i++)
                g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[i], NULL), ==,
                                 g_array_index(kept, unsigned, i));
}

/*
 * Fair with many buckets: a new job's place in the cached order comes from
 * its round and its bucket's rank, without replaying the rotation.  Buckets
 * already served (rank by served tick), new buckets, and deferred jobs
 * joining behind later submissions (rebuild) must all give the order a
 * rebuild from scratch gives.
 */
static void test_positions_kept_fair_buckets(gconstpointer data) {
        const char *cfg = data;
        g_autoptr(Ctx) c = ctx_new(cfg);
        g_autoptr(GPtrArray) jobs = g_ptr_array_new();
        GRand *rand = g_rand_new_with_seed(7);
        static const char *const stores[] = { "datastore:a", "datastore:b", "datastore:c", NULL };
        unsigned total;

        for (unsigned phase = 0; phase < 3; phase++) {
                scheduler_pause(c->s, "", NULL);
                for (unsigned i = 0; i < 200; i++) {
                        guint32 owner = (guint32) g_rand_int_range(rand, 0, 4 + 2 * phase);
                        int store = g_rand_int_range(rand, 0, 4);
                        Job *j = SUBMIT(c, .owner = owner, .res = stores[store],
                                        .not_before = g_rand_int_range(rand, 0, 10) == 0 ? c->now + 5 * SEC : 0);

                        /* Read as InterfacesAdded does: keeps the cached order alive. */
                        unsigned pos = scheduler_job_position(c->s, j, &total);

                        g_assert_true(j->not_before > 0 ? pos == 0 : pos >= 1);
                        g_ptr_array_add(jobs, j);
                        c->now += SEC;
                        scheduler_run_timers(c->s, c->now);     /* deferred jobs join, older seq */
                }
                assert_positions_as_rebuilt(c, jobs, cfg);
                /* Serve some buckets: their rank moves behind the others'. */
                scheduler_resume(c->s, "", NULL);
                for (unsigned i = 0; i < 5; i++) {
                        Job *running = NULL;

                        dispatch(c);
                        for (unsigned k = 0; k < jobs->len; k++)
                                if (((Job *) jobs->pdata[k])->state == JOB_STATE_RUNNING)
                                        running = jobs->pdata[k];
                        if (running) {
                                finish(c, running);
                                g_ptr_array_remove(jobs, running);
                        }
                }
        }
        g_rand_free(rand);
}

static void test_fair_owner(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("Discipline=fair\nFairKey=owner\nMaxRunning=1\nMaxQueuedPerUser=0\n", ""));
        Job *first = NULL, *single;

        for (unsigned i = 0; i < 500; i++) {
                Job *j = SUBMIT(c, .owner = 1000);
                if (!first)
                        first = j;
        }
        single = SUBMIT(c, .owner = 2000);

        g_assert_cmpuint(scheduler_job_position(c->s, single, NULL), ==, 2);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(started_at(c, 0), ==, first->id);
        g_assert_cmpuint(step(c, first), ==, single->id);
        /* then back to the big owner, in its submission order */
        g_assert_cmpuint(step(c, single), ==, first->id + 1);
}

static void test_fair_resource(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("Discipline=fair\nFairKey=resource:datastore\nMaxRunning=1\n", ""));
        Job *a1 = SUBMIT(c, .res = "datastore:a");
        for (unsigned i = 0; i < 100; i++)
                SUBMIT(c, .res = "datastore:a");
        Job *a_other_owner = SUBMIT(c, .res = "datastore:a host:x", .owner = 7);
        Job *b = SUBMIT(c, .res = "datastore:b");
        Job *none = SUBMIT(c);
        Job *none2 = SUBMIT(c, .res = "host:y");

        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(started_at(c, 0), ==, a1->id);
        g_assert_cmpuint(step(c, a1), ==, b->id);
        Job *j = scheduler_get_job(c->s, b->id);
        g_assert_cmpuint(step(c, j), ==, none->id);     /* no datastore: bucket "" */
        j = scheduler_get_job(c->s, none->id);
        g_assert_cmpuint(step(c, j), ==, a1->id + 1);   /* back to datastore a */
        j = scheduler_get_job(c->s, a1->id + 1);
        g_assert_cmpuint(step(c, j), ==, none2->id);    /* shares bucket "" with none */
        g_assert_cmpint(a_other_owner->state, ==, JOB_STATE_QUEUED);
}

static void test_switch_discipline(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("Discipline=fifo\nMaxRunning=1\nMaxQueuedPerUser=0\n", ""));
        GPtrArray *jobs = g_ptr_array_new();
        const unsigned n = 60;

        scheduler_pause(c->s, "", NULL);
        for (unsigned i = 0; i < n; i++)
                g_ptr_array_add(jobs, SUBMIT(c, .has_prio = true, .prio = (int32_t) (i % 3) * 10,
                                             .owner = i % 4, .res = (i % 2) ? "datastore:a" : "datastore:b"));

        for (unsigned i = 0; i < n; i++)
                g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[i], NULL), ==, i + 1);

        ctx_set_config(c, CFG("Discipline=priority\nAgingSec=0\nMaxRunning=1\nMaxQueuedPerUser=0\n", ""));
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, n);
        /* priority 20 first (i%3==2), FIFO within; then 10; then 0 */
        unsigned pos = 1;
        for (int level = 2; level >= 0; level--)
                for (unsigned i = 0; i < n; i++)
                        if ((int) (i % 3) == level)
                                g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[i], NULL), ==, pos++);

        ctx_set_config(c, CFG("Discipline=fair\nMaxRunning=1\nMaxQueuedPerUser=0\n", ""));
        unsigned total;
        g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[0], &total), ==, 1);
        g_assert_cmpuint(total, ==, n);
        /* four owners round-robin: the first four are the first job of each owner */
        for (unsigned i = 0; i < 4; i++)
                g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[i], NULL), ==, i + 1);

        ctx_set_config(c, CFG("Discipline=fifo\nMaxRunning=1\nMaxQueuedPerUser=0\n", ""));
        for (unsigned i = 0; i < n; i++)
                g_assert_cmpuint(scheduler_job_position(c->s, jobs->pdata[i], NULL), ==, i + 1);

        /* and they all run, in submission order, none lost */
        scheduler_resume(c->s, "", NULL);
        g_assert_cmpuint(dispatch(c), ==, 1);
        for (unsigned i = 1; i < n; i++)
                g_assert_cmpuint(step(c, jobs->pdata[i - 1]), ==, ((Job *) jobs->pdata[i])->id);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 0);
        g_ptr_array_unref(jobs);
}

/* ---- limits ---- */

static void test_limit_global(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=2\n", ""));
        Job *j[3];
        for (unsigned i = 0; i < 3; i++)
                j[i] = SUBMIT(c);
        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpuint(dispatch(c), ==, 0);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 2);
        assert_reason(c, j[2], "all 2 slots are in use");
        finish(c, j[0]);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(j[2]->state, ==, JOB_STATE_RUNNING);
}

static void test_limit_global_unlimited(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\n", ""));
        for (unsigned i = 0; i < 50; i++)
                SUBMIT(c);
        g_assert_cmpuint(dispatch(c), ==, 50);
}

static void test_limit_class(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=10\n[Class gc]\nMaxRunning=2\n[Class work]\n");
        Job *g[3];
        for (unsigned i = 0; i < 3; i++)
                g[i] = SUBMIT(c, .cls = "gc");
        Job *w = SUBMIT(c);
        g_assert_cmpuint(dispatch(c), ==, 3);
        g_assert_cmpint(g[2]->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(w->state, ==, JOB_STATE_RUNNING);
        assert_reason(c, g[2], "class gc is full (2 of 2 running)");
        finish(c, g[1]);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(g[2]->state, ==, JOB_STATE_RUNNING);
}

static void test_limit_resource(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\n", "[Resource datastore:*]\nMaxRunning=2\n[Resource datastore:big]\nMaxRunning=3\n"));
        Job *a[3], *big[4];
        for (unsigned i = 0; i < 3; i++)
                a[i] = SUBMIT(c, .res = "datastore:a");
        for (unsigned i = 0; i < 4; i++)
                big[i] = SUBMIT(c, .res = "datastore:big");
        Job *free_job = SUBMIT(c, .res = "host:x");

        g_assert_cmpuint(dispatch(c), ==, 2 + 3 + 1);
        g_assert_cmpint(a[2]->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(big[3]->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(free_job->state, ==, JOB_STATE_RUNNING);
        assert_reason(c, a[2], "resource datastore:a is full (2 of 2 running)");
        assert_reason(c, big[3], "resource datastore:big is full (3 of 3 running)");
}

static void test_limit_resource_templates(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=0\n"
                                   "[Class backup]\nResources=datastore:%{store} net:uplink\n"
                                   "Parameter.store=^[a-z]+$\n"
                                   "[Resource datastore:a]\nMaxRunning=1\n");
        Job *j1 = SUBMIT(c, .cls = "backup", .params = "store=a", .res = "host:1 net:uplink");
        Job *j2 = SUBMIT(c, .cls = "backup", .params = "store=a");
        Job *j3 = SUBMIT(c, .cls = "backup", .params = "store=b");

        g_assert_cmpstrv(j1->resources, ((const char *const[]) { "datastore:a", "host:1", "net:uplink", NULL }));
        g_assert_cmpstr(g_hash_table_lookup(j1->parameters, "store"), ==, "a");
        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpint(j2->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(j3->state, ==, JOB_STATE_RUNNING);
}

static void test_limits_combined(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=3\n"
                                   "[Class gc]\nMaxRunning=2\n[Class work]\n"
                                   "[Resource datastore:a]\nMaxRunning=1\n");
        Job *gc_a = SUBMIT(c, .cls = "gc", .res = "datastore:a");
        Job *gc_a2 = SUBMIT(c, .cls = "gc", .res = "datastore:a");   /* resource full */
        Job *w_a = SUBMIT(c, .res = "datastore:a");                   /* resource full */
        Job *gc_b = SUBMIT(c, .cls = "gc", .res = "datastore:b");
        Job *gc_c = SUBMIT(c, .cls = "gc", .res = "datastore:c");     /* class full */
        Job *w1 = SUBMIT(c);
        Job *w2 = SUBMIT(c);                                          /* global full */

        g_assert_cmpuint(dispatch(c), ==, 3);
        g_assert_cmpint(gc_a->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(gc_b->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(w1->state, ==, JOB_STATE_RUNNING);
        assert_reason(c, gc_a2, "class gc is full (2 of 2 running)");  /* class is checked first */
        assert_reason(c, w_a, "resource datastore:a is full (1 of 1 running)");
        assert_reason(c, gc_c, "class gc is full (2 of 2 running)");
        assert_reason(c, w2, "all 3 slots are in use");

        finish(c, gc_a);        /* frees a class slot, the resource and a global slot */
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(gc_a2->state, ==, JOB_STATE_RUNNING);   /* first in order */
        g_assert_cmpint(w_a->state, ==, JOB_STATE_QUEUED);
}

static void test_blocked_does_not_block(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\n", "[Resource datastore:a]\nMaxRunning=1\n"));
        Job *a1 = SUBMIT(c, .res = "datastore:a");
        Job *a2 = SUBMIT(c, .res = "datastore:a");
        Job *b = SUBMIT(c, .res = "datastore:b");

        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpint(a1->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(a2->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(b->state, ==, JOB_STATE_RUNNING);
}

static void test_strict_order(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\nStrictOrder=yes\n", "[Resource datastore:a]\nMaxRunning=1\n"));
        Job *a1 = SUBMIT(c, .res = "datastore:a");
        Job *a2 = SUBMIT(c, .res = "datastore:a");
        Job *b = SUBMIT(c, .res = "datastore:b");

        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(a1->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(b->state, ==, JOB_STATE_QUEUED);
        assert_reason(c, a2, "resource datastore:a is full (1 of 1 running)");
        assert_reason(c, b, "waiting behind job 2 (StrictOrder=yes)");

        finish(c, a1);
        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpint(b->state, ==, JOB_STATE_RUNNING);
}

static void test_many_blocked(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\nMaxQueuedPerUser=0\n", "[Resource datastore:a]\nMaxRunning=1\n"));
        Job *first = SUBMIT(c, .res = "datastore:a");
        g_assert_cmpuint(dispatch(c), ==, 1);
        for (unsigned i = 0; i < 10000; i++)
                SUBMIT(c, .res = "datastore:a", .owner = i % 50);
        Job *unrelated = SUBMIT(c, .res = "datastore:b");

        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(unrelated->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 10000);
        unsigned total;
        g_assert_cmpuint(scheduler_job_position(c->s, scheduler_get_job(c->s, first->id + 10000), &total), ==, 10000);
        g_assert_cmpuint(total, ==, 10000);

        finish(c, first);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(scheduler_get_job(c->s, first->id + 1)->state, ==, JOB_STATE_RUNNING);
}

/* ---- pauses ---- */

static void test_pause_scopes(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=0\n[Class gc]\n[Class work]\n");
        g_autoptr(GError) error = NULL;
        Job *gc = SUBMIT(c, .cls = "gc");
        Job *wa = SUBMIT(c, .res = "datastore:a");
        Job *wb = SUBMIT(c, .res = "datastore:b");
        Job *plain = SUBMIT(c);

        g_assert_true(scheduler_pause(c->s, "", &error));
        g_assert_cmpuint(dispatch(c), ==, 0);
        assert_reason(c, plain, "all dispatch is paused");
        g_assert_true(scheduler_pause(c->s, "class:gc", &error));
        g_assert_true(scheduler_pause(c->s, "resource:datastore:a", &error));
        g_assert_true(scheduler_pause(c->s, "resource:datastore:a", &error));   /* again: no-op */
        g_auto(GStrv) scopes = scheduler_paused_scopes(c->s);
        g_assert_cmpstrv(scopes, ((const char *const[]) { "", "class:gc", "resource:datastore:a", NULL }));

        g_assert_true(scheduler_resume(c->s, "", &error));
        assert_reason(c, gc, "class gc is paused");
        assert_reason(c, wa, "resource datastore:a is paused");
        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpint(wb->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(plain->state, ==, JOB_STATE_RUNNING);

        g_assert_true(scheduler_resume(c->s, "class:gc", &error));
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(gc->state, ==, JOB_STATE_RUNNING);

        /* wildcard over every value of a key */
        g_assert_true(scheduler_resume(c->s, "resource:datastore:a", &error));
        g_assert_true(scheduler_pause(c->s, "resource:datastore:*", &error));
        assert_reason(c, wa, "resource datastore:* is paused");
        g_assert_cmpuint(dispatch(c), ==, 0);
        g_assert_true(scheduler_resume(c->s, "resource:datastore:*", &error));
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_no_error(error);
}

static void test_pause_errors(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("", ""));
        static const struct {
                const char *scope, *message;
        } bad[] = {
                { "class:nope", "scope: no class named \"nope\"" },
                { "klass:gc", "scope: \"klass:gc\" is not \"\", class:NAME or resource:KEY" },
                { "resource:", "scope: \"resource:\" does not name a resource (resource:KEY:VALUE or resource:KEY:*)" },
                { "resource:a b:c", "scope: \"resource:a b:c\" does not name a resource (resource:KEY:VALUE or resource:KEY:*)" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) error = NULL;
                g_assert_false(scheduler_pause(c->s, bad[i].scope, &error));
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
                g_assert_cmpstr(error->message, ==, bad[i].message);
        }
        g_auto(GStrv) scopes = scheduler_paused_scopes(c->s);
        g_assert_cmpuint(g_strv_length(scopes), ==, 0);
}

/* ---- wait reasons, positions ---- */

static void test_wait_reasons(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=1\n", ""));
        Job *run = SUBMIT(c);
        g_assert_cmpuint(dispatch(c), ==, 1);
        assert_reason(c, run, "");

        /* T0 is 22:13:20 UTC; not-before 02:30 the next day */
        usec_t at = T0 + (4 * 3600 + 16 * 60 + 40) * SEC;
        Job *later = SUBMIT(c, .not_before = at);
        assert_reason(c, later, "not before 02:30");
        Job *far = SUBMIT(c, .not_before = at + 2 * 24 * 3600 * SEC);
        assert_reason(c, far, "not before 2023-11-17 02:30");

        ctx_set_config(c, CFG("MaxRunning=1\n", ""));
        Job *q1 = SUBMIT(c);
        ctx_set_config(c, CFG("MaxRunning=0\n", ""));
        scheduler_pause(c->s, "", NULL);
        Job *q2 = SUBMIT(c);
        Job *q3 = SUBMIT(c);
        assert_reason(c, q3, "all dispatch is paused");
        scheduler_resume(c->s, "", NULL);
        assert_reason(c, q2, "position 2 of 3");
        ctx_set_config(c, CFG("MaxRunning=1\n", ""));
        assert_reason(c, q1, "the only slot is in use");
        ctx_set_config(c, CFG("MaxRunning=4\nStrictOrder=yes\n", ""));
        assert_reason(c, q3, "position 3 of 3");
        unsigned total;
        g_assert_cmpuint(scheduler_job_position(c->s, q3, &total), ==, 3);
        g_assert_cmpuint(total, ==, 3);
        g_assert_cmpuint(scheduler_job_position(c->s, later, NULL), ==, 0);
        g_assert_cmpuint(scheduler_job_position(c->s, run, NULL), ==, 0);
}

/* ---- timers ---- */

static void test_max_wait(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\n", "[Class slow]\nMaxWaitSec=60\n"));
        scheduler_pause(c->s, "", NULL);
        Job *j = SUBMIT(c, .cls = "slow");
        Job *k = SUBMIT(c, .max_wait = 30 * SEC);
        Job *k2 = SUBMIT(c, .cls = "slow", .max_wait = 90 * SEC);   /* spec wins */

        g_assert_cmpuint(j->max_wait_usec, ==, 60 * SEC);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, T0 + 30 * SEC);
        scheduler_run_timers(c->s, T0 + 29 * SEC);
        g_assert_cmpint(k->state, ==, JOB_STATE_QUEUED);
        c->now = T0 + 30 * SEC;
        scheduler_run_timers(c->s, c->now);
        g_assert_cmpint(k->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(k->result, ==, JOB_RESULT_TIMEOUT);
        g_assert_cmpstr(k->result_detail, ==, "waited longer than 30 s");
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, T0 + 60 * SEC);
        scheduler_run_timers(c->s, T0 + 60 * SEC);
        g_assert_cmpint(j->result, ==, JOB_RESULT_TIMEOUT);
        g_assert_cmpstr(j->result_detail, ==, "waited longer than 60 s");
        g_assert_cmpint(k2->state, ==, JOB_STATE_QUEUED);

        /* a job that started in time is not timed out */
        scheduler_resume(c->s, "", NULL);
        g_assert_cmpuint(dispatch(c), ==, 1);
        scheduler_run_timers(c->s, T0 + 100 * SEC);
        g_assert_cmpint(k2->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(scheduler_get_stats(c->s)->finished[JOB_RESULT_TIMEOUT], ==, 2);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 0);
}

static void test_ttl(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=1\n", ""));
        Job *l = SUBMIT(c, .ttl = 30 * SEC, .acquire = true);
        Job *next = SUBMIT(c);
        g_autoptr(GError) error = NULL;

        g_assert_false(scheduler_renew(c->s, l, c->now, &error));     /* not running yet */
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_STATE);
        g_clear_error(&error);

        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(l->lease_expires_at, ==, T0 + 30 * SEC);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, T0 + 30 * SEC);

        c->now = T0 + 20 * SEC;
        guint n_events = c->events->len;
        g_assert_true(scheduler_renew(c->s, l, c->now, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c->events->len, ==, n_events + 1);
        g_assert_cmpuint(g_array_index(c->events, Event, n_events).mask, ==, JOB_CHANGED_LEASE);
        g_assert_cmpuint(l->lease_expires_at, ==, T0 + 50 * SEC);

        scheduler_run_timers(c->s, T0 + 49 * SEC);
        g_assert_cmpint(l->state, ==, JOB_STATE_RUNNING);
        c->now = T0 + 50 * SEC;
        scheduler_run_timers(c->s, c->now);
        g_assert_cmpint(l->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(l->result, ==, JOB_RESULT_ABANDONED);
        g_assert_cmpstr(l->result_detail, ==, "lease not renewed within 30 s");
        g_assert_cmpuint(dispatch(c), ==, 1);                          /* the slot is free again */
        g_assert_cmpint(next->state, ==, JOB_STATE_RUNNING);

        /* a connection-bound lease cannot be renewed */
        g_assert_false(scheduler_renew(c->s, next, c->now, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_STATE);
}

static void test_not_before(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\n", ""));
        Job *later = SUBMIT(c, .not_before = T0 + 100 * SEC);
        Job *past = SUBMIT(c, .not_before = T0 - SEC);

        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 2);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(past->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(later->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, T0 + 100 * SEC);

        c->now = T0 + 99 * SEC;
        scheduler_run_timers(c->s, c->now);
        g_assert_cmpuint(dispatch(c), ==, 0);
        c->now = T0 + 100 * SEC;
        scheduler_run_timers(c->s, c->now);
        g_assert_cmpuint(scheduler_job_position(c->s, later, NULL), ==, 1);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(later->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(later->started_at, ==, T0 + 100 * SEC);
}

static void test_not_before_max_wait(void) {
        /* the max wait counts from the not-before time */
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\n", ""));
        scheduler_pause(c->s, "", NULL);
        Job *j = SUBMIT(c, .not_before = T0 + 100 * SEC, .max_wait = 10 * SEC);
        scheduler_run_timers(c->s, T0 + 100 * SEC);
        g_assert_cmpint(j->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, T0 + 110 * SEC);
        scheduler_run_timers(c->s, T0 + 110 * SEC);
        g_assert_cmpint(j->result, ==, JOB_RESULT_TIMEOUT);
}

static void test_keep_finished(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=0\nKeepFinishedSec=10\n[Class work]\n");
        Job *j = SUBMIT(c);
        uint64_t id = j->id;

        g_assert_cmpuint(dispatch(c), ==, 1);
        c->now = T0 + 5 * SEC;
        finish(c, j);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, T0 + 15 * SEC);
        scheduler_run_timers(c->s, T0 + 14 * SEC);
        g_assert_nonnull(scheduler_get_job(c->s, id));
        guint n = c->events->len;
        scheduler_run_timers(c->s, T0 + 15 * SEC);
        g_assert_null(scheduler_get_job(c->s, id));
        g_assert_cmpuint(c->events->len, ==, n + 1);
        Event *e = &g_array_index(c->events, Event, n);
        g_assert_cmpint(e->type, ==, SCHED_EVENT_JOB_REMOVED);
        g_assert_cmpuint(e->id, ==, id);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, USEC_INFINITY);
        g_autoptr(GPtrArray) all = scheduler_list_jobs(c->s);
        g_assert_cmpuint(all->len, ==, 0);

        /* a new KeepFinishedSec applies to jobs that already finished */
        Job *k = SUBMIT(c);
        scheduler_cancel(c->s, k, c->now, NULL);
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, c->now + 10 * SEC);
        ctx_set_config(c, "[Scheduler]\nKeepFinishedSec=100\n[Class work]\n");
        g_assert_cmpuint(scheduler_next_timer(c->s), ==, c->now + 100 * SEC);
}

/* ---- cancel, priority, unit ---- */

static void test_cancel(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\n", "[Class cmd]\nKind=command\nExecStart=/bin/true\n"));
        g_autoptr(GError) error = NULL;
        scheduler_pause(c->s, "class:other", NULL);
        Job *queued = SUBMIT(c, .cls = "other");
        Job *deferred = SUBMIT(c, .not_before = T0 + 100 * SEC);
        Job *lease = SUBMIT(c);
        Job *cmd = SUBMIT(c, .cls = "cmd");
        Job *cmd2 = SUBMIT(c, .cls = "cmd");
        g_assert_cmpuint(dispatch(c), ==, 3);

        g_assert_true(scheduler_cancel(c->s, queued, c->now, &error));
        g_assert_cmpint(queued->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(queued->result, ==, JOB_RESULT_CANCELLED);
        g_assert_true(scheduler_cancel(c->s, deferred, c->now, &error));
        g_assert_cmpint(deferred->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 0);

        g_assert_true(scheduler_cancel(c->s, lease, c->now, &error));
        g_assert_cmpint(lease->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpuint(c->stopped->len, ==, 0);

        /* running command: stop() is asked, the job stays running */
        g_assert_true(scheduler_cancel(c->s, cmd, c->now, &error));
        g_assert_true(scheduler_cancel(c->s, cmd, c->now, &error));   /* asked once only */
        g_assert_cmpuint(c->stopped->len, ==, 1);
        g_assert_cmpuint(g_array_index(c->stopped, uint64_t, 0), ==, cmd->id);
        g_assert_cmpint(cmd->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 2);
        /* SIGTERM looks like a clean exit to systemd: still cancelled */
        scheduler_job_finished(c->s, cmd, JOB_RESULT_SUCCESS, 0, "signal 15", c->now);
        g_assert_cmpint(cmd->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(cmd->result_detail, ==, "signal 15");
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 1);

        /* a command job that was not cancelled keeps its own result */
        scheduler_job_finished(c->s, cmd2, JOB_RESULT_FAILED, 3, NULL, c->now);
        g_assert_cmpint(cmd2->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(cmd2->exit_status, ==, 3);
        /* late reports are ignored */
        scheduler_job_finished(c->s, cmd2, JOB_RESULT_SUCCESS, 0, NULL, c->now);
        g_assert_cmpint(cmd2->result, ==, JOB_RESULT_FAILED);

        g_assert_no_error(error);
        g_assert_false(scheduler_cancel(c->s, cmd, c->now, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_STATE);
        g_assert_cmpstr(error->message, ==, "state: job 4 is already done (cancelled)");

        const SchedulerStats *st = scheduler_get_stats(c->s);
        g_assert_cmpuint(st->submitted, ==, 5);
        g_assert_cmpuint(st->started, ==, 3);
        g_assert_cmpuint(st->finished[JOB_RESULT_CANCELLED], ==, 4);
        g_assert_cmpuint(st->finished[JOB_RESULT_FAILED], ==, 1);
}

/* A waiting lease's holder vanishes: the bus layer ends the queued job. */
static void test_finished_while_queued(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=1\n", ""));
        Job *running = SUBMIT(c);
        Job *waiting = SUBMIT(c, .owner = 9);
        Job *behind = SUBMIT(c);

        g_assert_cmpuint(dispatch(c), ==, 1);
        scheduler_job_finished(c->s, waiting, JOB_RESULT_ABANDONED, -1, "holder vanished", c->now);
        g_assert_cmpint(waiting->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(waiting->result, ==, JOB_RESULT_ABANDONED);
        g_assert_cmpstr(waiting->result_detail, ==, "holder vanished");
        g_assert_cmpuint(waiting->started_at, ==, 0);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 1);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 1);
        g_assert_cmpuint(scheduler_job_position(c->s, behind, NULL), ==, 1);
        g_assert_cmpuint(step(c, running), ==, behind->id);
}

static void test_set_priority(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("Discipline=priority\nAgingSec=0\nMaxRunning=1\n", ""));
        g_autoptr(GError) error = NULL;
        scheduler_pause(c->s, "", NULL);
        Job *a = SUBMIT(c);
        Job *b = SUBMIT(c);
        Job *d = SUBMIT(c);

        g_assert_cmpuint(scheduler_job_position(c->s, d, NULL), ==, 3);
        guint n = c->events->len;
        g_assert_true(scheduler_set_priority(c->s, d, 7, &error));
        g_assert_cmpuint(c->events->len, ==, n + 1);
        g_assert_cmpuint(g_array_index(c->events, Event, n).mask, ==, JOB_CHANGED_PRIORITY);
        g_assert_cmpuint(scheduler_job_position(c->s, d, NULL), ==, 1);
        g_assert_cmpuint(scheduler_job_position(c->s, a, NULL), ==, 2);

        g_assert_false(scheduler_set_priority(c->s, b, 1001, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
        g_assert_cmpstr(error->message, ==, "priority: 1001 is out of range (-1000..1000)");
        g_assert_cmpint(b->priority, ==, 0);

        scheduler_resume(c->s, "", NULL);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(started_at(c, 0), ==, d->id);
}

/* A copy of a job as the state store would give it back: owned, no scheduler state. */
static Job *job_copy(const Job *j) {
        Job *c = g_new0(Job, 1);

        *c = *j;
        c->sched_priv = NULL;
        c->userdata = NULL;
        c->class_name = g_strdup(j->class_name);
        c->resources = g_strdupv(j->resources);
        c->parameters = NULL;
        if (j->parameters) {
                GHashTableIter it;
                gpointer k, v;

                c->parameters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                g_hash_table_iter_init(&it, j->parameters);
                while (g_hash_table_iter_next(&it, &k, &v))
                        g_hash_table_insert(c->parameters, g_strdup(k), g_strdup(v));
        }
        c->submitter = g_strdup(j->submitter);
        c->description = g_strdup(j->description);
        c->argv = g_strdupv(j->argv);
        c->environment = g_strdupv(j->environment);
        c->unit = g_strdup(j->unit);
        c->invocation_id = g_strdup(j->invocation_id);
        c->result_detail = g_strdup(j->result_detail);
        return c;
}

/* Queued jobs restored in stored order come back with the same ids, priorities and queue order. */
static void test_restore(void) {
        const char *cfg = CFG("Discipline=priority\nAgingSec=60\nMaxRunning=1\n", "");
        g_autoptr(Ctx) a = ctx_new(cfg);
        g_autoptr(Ctx) b = ctx_new(cfg);
        g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func((GDestroyNotify) job_free);
        g_autoptr(GError) error = NULL;
        const int32_t prios[] = { 0, 5, -3, 5, 10 };

        scheduler_pause(a->s, "", NULL);
        for (unsigned i = 0; i < G_N_ELEMENTS(prios); i++) {
                a->now = T0 + i * SEC;
                SUBMIT(a, .has_prio = true, .prio = prios[i], .params = NULL, .max_wait = 3600 * SEC);
        }
        g_autoptr(GPtrArray) jobs = scheduler_list_jobs(a->s);
        for (guint i = 0; i < jobs->len; i++)
                g_ptr_array_add(saved, job_copy(jobs->pdata[i]));

        /* The restarted scheduler: ids past the stored next id, same order. */
        b->now = T0 + 100 * SEC;
        scheduler_pause(b->s, "", NULL);
        for (guint i = 0; i < saved->len; i++) {
                Job *j = saved->pdata[i];

                saved->pdata[i] = NULL;
                g_assert_true(scheduler_restore(b->s, j, b->now, &error) == j);
                g_assert_no_error(error);
        }
        g_assert_cmpuint(scheduler_n_queued(b->s), ==, 5);
        for (guint i = 0; i < jobs->len; i++) {
                Job *old = jobs->pdata[i];
                Job *now = scheduler_get_job(b->s, old->id);

                g_assert_nonnull(now);
                g_assert_cmpint(now->priority, ==, old->priority);
                g_assert_cmpuint(now->submitted_at, ==, old->submitted_at);
                g_assert_cmpuint(scheduler_job_position(b->s, now, NULL), ==,
                                 scheduler_job_position(a->s, old, NULL));
        }
        g_assert_cmpuint(b->events->len, ==, 5);
        g_assert_cmpint(g_array_index(b->events, Event, 0).type, ==, SCHED_EVENT_JOB_NEW);

        g_assert_cmpuint(scheduler_next_id(b->s), ==, 6);
        scheduler_set_next_id(b->s, 42);
        g_assert_cmpuint(scheduler_next_id(b->s), ==, 42);
        scheduler_set_next_id(b->s, 7);         /* never backwards */
        g_assert_cmpuint(scheduler_next_id(b->s), ==, 42);
        g_assert_cmpuint(SUBMIT(b)->id, ==, 42);

        /* Refusals leave the job with the caller. */
        g_autoptr(Job) dup = job_copy(jobs->pdata[0]);
        g_assert_null(scheduler_restore(b->s, dup, b->now, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
        g_clear_error(&error);
        dup->id = 100;
        g_free(dup->class_name);
        dup->class_name = g_strdup("gone");
        g_assert_null(scheduler_restore(b->s, dup, b->now, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_NO_SUCH_CLASS);
        g_clear_error(&error);
        g_free(dup->class_name);
        dup->class_name = g_strdup("work");
        dup->state = JOB_STATE_DONE;
        g_assert_null(scheduler_restore(b->s, dup, b->now, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
        g_clear_error(&error);

        /* Max wait counts from the original submission. */
        dup->state = JOB_STATE_QUEUED;
        dup->max_wait_usec = 10 * SEC;
        g_assert_true(scheduler_restore(b->s, dup, b->now, &error) == dup);
        Job *restored = g_steal_pointer(&dup);
        scheduler_run_timers(b->s, b->now);
        g_assert_cmpint(restored->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(restored->result, ==, JOB_RESULT_TIMEOUT);

        /* Resumed: the highest priority first, as before the restart. */
        scheduler_resume(b->s, "", NULL);
        g_assert_cmpuint(dispatch(b), ==, 1);
        g_assert_cmpuint(started_at(b, 0), ==, 5);
}

static void test_start_failure(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=1\n", ""));
        Job *j = SUBMIT(c);
        Job *k = SUBMIT(c);

        c->start_result = -ENOENT;
        guint n = c->events->len;
        g_assert_cmpuint(dispatch(c), ==, 0);      /* both tried, both refused */
        g_assert_cmpint(j->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(j->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpstr(j->result_detail, ==, g_strerror(ENOENT));
        g_assert_cmpint(k->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 0);
        g_assert_cmpuint(c->events->len, ==, n + 2);
        Event *e = &g_array_index(c->events, Event, n);
        g_assert_cmpuint(e->mask, ==, JOB_CHANGED_STATE | JOB_CHANGED_RESULT | JOB_CHANGED_ATTEMPT);
        g_assert_cmpint(e->state, ==, JOB_STATE_DONE);
}

static void test_events(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=0\nKeepFinishedSec=0\n[Class work]\n");
        Job *j = SUBMIT(c, .ttl = 60 * SEC);
        uint64_t id = j->id;

        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpuint(j->attempt, ==, 1);
        g_assert_cmpuint(j->started_at, ==, T0);
        scheduler_job_set_unit(c->s, j, "sluice-job-1.service", "0123456789abcdef0123456789abcdef");
        g_assert_cmpstr(j->unit, ==, "sluice-job-1.service");
        c->now += SEC;
        finish(c, j);
        g_assert_cmpuint(j->finished_at, ==, T0 + SEC);
        scheduler_run_timers(c->s, c->now);

        static const Event expected[] = {
                { SCHED_EVENT_JOB_NEW, 1, 0, JOB_STATE_QUEUED, JOB_RESULT_NONE },
                { SCHED_EVENT_JOB_CHANGED, 1, JOB_CHANGED_STATE | JOB_CHANGED_ATTEMPT | JOB_CHANGED_LEASE,
                  JOB_STATE_RUNNING, JOB_RESULT_NONE },
                { SCHED_EVENT_JOB_CHANGED, 1, JOB_CHANGED_UNIT, JOB_STATE_RUNNING, JOB_RESULT_NONE },
                { SCHED_EVENT_JOB_CHANGED, 1, JOB_CHANGED_STATE | JOB_CHANGED_RESULT, JOB_STATE_DONE,
                  JOB_RESULT_SUCCESS },
                { SCHED_EVENT_JOB_REMOVED, 1, 0, JOB_STATE_DONE, JOB_RESULT_SUCCESS },
        };
        g_assert_cmpuint(c->events->len, ==, G_N_ELEMENTS(expected));
        for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
                Event *e = &g_array_index(c->events, Event, i);
                g_assert_cmpint(e->type, ==, expected[i].type);
                g_assert_cmpuint(e->id, ==, id);
                g_assert_cmpuint(e->mask, ==, expected[i].mask);
                g_assert_cmpint(e->state, ==, expected[i].state);
                g_assert_cmpint(e->result, ==, expected[i].result);
        }
        g_assert_null(scheduler_get_job(c->s, id));
        g_assert_cmpuint(scheduler_next_id(c->s), ==, 2);
}

static void test_list_jobs(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=1\n", ""));
        for (unsigned i = 0; i < 20; i++)
                SUBMIT(c);
        dispatch(c);
        g_autoptr(GPtrArray) all = scheduler_list_jobs(c->s);
        g_assert_cmpuint(all->len, ==, 20);
        for (unsigned i = 0; i < all->len; i++)
                g_assert_cmpuint(((Job *) all->pdata[i])->id, ==, i + 1);
}

static void test_class_vanishes(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=0\n[Class gc]\nMaxRunning=1\n[Class work]\n");
        Job *g1 = SUBMIT(c, .cls = "gc");
        Job *g2 = SUBMIT(c, .cls = "gc");
        g_assert_cmpuint(dispatch(c), ==, 1);
        ctx_set_config(c, "[Scheduler]\nMaxRunning=0\n[Class work]\n");
        g_assert_cmpuint(dispatch(c), ==, 1);   /* its class no longer limits it */
        g_assert_cmpint(g1->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(g2->state, ==, JOB_STATE_RUNNING);
}

/* ---- submit validation ---- */

static void test_submit_errors(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\nMaxRunning=0\nMaxQueuedPerUser=2\n"
                                   "[Class backup]\nResources=datastore:%{store}\nParameter.store=^[a-z]+$\n"
                                   "[Class cmd]\nKind=command\nExecStart=/bin/true\n"
                                   "[Class work]\n");
        const char *const argv[] = { "/bin/echo", "hi", NULL };
        const char *const empty_argv[] = { NULL };
        const char *const bad_env[] = { "NOEQUALS", NULL };
        const struct {
                Sub sub;
                int code;
                const char *message;
        } cases[] = {
                { { .cls = "nope" }, SLUICE_ERROR_NO_SUCH_CLASS, "class: no class named \"nope\"" },
                { { .cls = NULL }, SLUICE_ERROR_NO_SUCH_CLASS, "class: no class named \"\"" },
                { { .cls = "work", .has_prio = true, .prio = 5000 }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "priority: 5000 is out of range (-1000..1000)" },
                { { .cls = "work", .has_prio = true, .prio = -1001 }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "priority: -1001 is out of range (-1000..1000)" },
                { { .cls = "work", .params = "store=a" }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "parameters: \"store\" is not declared by class work" },
                { { .cls = "backup", .params = "store=../x" }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "parameters.store: \"../x\" does not match ^[a-z]+$" },
                { { .cls = "backup", .params = "store=ab\ncd" }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "parameters.store: \"ab\\ncd\" does not match ^[a-z]+$" },
                { { .cls = "backup" }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "parameters.store: missing (required by class backup)" },
                { { .cls = "work", .res = "nocolon" }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "resources: \"nocolon\" is not of the form KEY:VALUE" },
                { { .cls = "work", .res = ":x" }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "resources: \":x\" is not of the form KEY:VALUE" },
                { { .cls = "work", .res = "a:b\tc" }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "resources: \"a:b\\tc\" contains a space or control character" },
                { { .cls = "cmd", .acquire = true }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "class: cmd is a command class; Acquire needs a lease class" },
                { { .cls = "work", .argv = argv }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "argv: class work is a lease class; only command classes run a command" },
                { { .cls = "cmd", .argv = empty_argv }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "argv: must name a command" },
                { { .cls = "cmd", .env = bad_env }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "environment: \"NOEQUALS\" is not of the form KEY=VALUE" },
                { { .cls = "cmd", .ttl = SEC }, SLUICE_ERROR_INVALID_ARGUMENT,
                  "ttl-sec: class cmd is a command class; only leases can be detached" },
        };

        SUBMIT(c, .owner = 5);
        Job *cmdjob = submit_ok(c, &(Sub) { .cls = "cmd", .argv = argv, .owner = 5 });
        g_assert_cmpstr(cmdjob->argv[1], ==, "hi");
        guint n_events = c->events->len;
        uint64_t next_id = scheduler_next_id(c->s);

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                Sub sub = cases[i].sub;
                sub.owner = 6;
                g_assert_null(submit_full(c, &sub, &error));
                g_assert_error(error, SLUICE_ERROR, cases[i].code);
                g_assert_cmpstr(error->message, ==, cases[i].message);
        }
        {
                /* "a:b " splits into "a:b" and "": an empty resource */
                g_autoptr(GError) error = NULL;
                g_assert_null(submit_full(c, &(Sub) { .cls = "work", .res = "a:b " }, &error));
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
                g_assert_cmpstr(error->message, ==, "resources: \"\" is not of the form KEY:VALUE");
        }
        {
                g_autoptr(GError) error = NULL;
                g_assert_null(submit_full(c, &(Sub) { .cls = "work", .owner = 5 }, &error));
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_QUOTA_EXCEEDED);
                g_assert_cmpstr(error->message, ==, "quota: user 5 already has 2 queued jobs (MaxQueuedPerUser=2)");
        }

        /* nothing changed */
        g_assert_cmpuint(c->events->len, ==, n_events);
        g_assert_cmpuint(scheduler_next_id(c->s), ==, next_id);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 2);
        g_assert_cmpuint(scheduler_get_stats(c->s)->submitted, ==, 2);
        g_autoptr(GPtrArray) all = scheduler_list_jobs(c->s);
        g_assert_cmpuint(all->len, ==, 2);

        /* the quota counts queued jobs only */
        g_assert_cmpuint(dispatch(c), ==, 2);
        SUBMIT(c, .owner = 5);
        /* and a valid parameter passes */
        Job *b = SUBMIT(c, .cls = "backup", .params = "store=abc");
        g_assert_cmpstrv(b->resources, ((const char *const[]) { "datastore:abc", NULL }));
}

static void test_whole_value_match(void) {
        g_autoptr(Ctx) c = ctx_new("[Scheduler]\n[Class alt]\nParameter.x=a|ab\n");
        g_autoptr(GError) error = NULL;
        Job *j = submit_full(c, &(Sub) { .cls = "alt", .params = "x=ab" }, &error);
        g_assert_no_error(error);
        g_assert_nonnull(j);
        g_assert_null(submit_full(c, &(Sub) { .cls = "alt", .params = "x=abc" }, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
}

static void test_job_strings(void) {
        for (JobResult r = 0; r < _JOB_RESULT_MAX; r++)
                g_assert_cmpint(job_result_from_string(job_result_to_string(r)), ==, r);
        for (JobState st = 0; st < _JOB_STATE_MAX; st++)
                g_assert_cmpint(job_state_from_string(job_state_to_string(st)), ==, st);
        for (JobKind k = 0; k < _JOB_KIND_MAX; k++)
                g_assert_cmpint(job_kind_from_string(job_kind_to_string(k)), ==, k);
        g_assert_cmpstr(job_result_to_string(JOB_RESULT_NONE), ==, "");
        g_assert_cmpstr(job_result_to_string(JOB_RESULT_ABANDONED), ==, "abandoned");
        g_assert_cmpint(job_state_from_string("bogus"), ==, -1);
        g_assert_cmpint(job_kind_from_string(NULL), ==, -1);
        g_assert_null(job_state_to_string(_JOB_STATE_MAX));
}

/* ---- quotas ---- */

/* MaxRunningPerUser alone: the user's further jobs wait, with a reason. */
static void test_max_running_per_user(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\nMaxQueuedPerUser=0\nMaxRunningPerUser=2\n", ""));
        Job *a1 = SUBMIT(c, .owner = 1000);
        Job *a2 = SUBMIT(c, .owner = 1000);
        Job *a3 = SUBMIT(c, .owner = 1000);

        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpint(a1->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(a2->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(a3->state, ==, JOB_STATE_QUEUED);
        assert_reason(c, a3, "user 1000 has 2 of 2 jobs running");

        /* A lease, a command job, any class: they all count for the owner. */
        Job *o = SUBMIT(c, .cls = "other", .owner = 1000);
        g_assert_cmpuint(dispatch(c), ==, 0);
        assert_reason(c, o, "user 1000 has 2 of 2 jobs running");

        finish(c, a1);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(a3->state, ==, JOB_STATE_RUNNING);
        assert_reason(c, o, "user 1000 has 2 of 2 jobs running");

        /* A cancelled running lease gives its slot back too. */
        g_assert_true(scheduler_cancel(c->s, a2, c->now, NULL));
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(o->state, ==, JOB_STATE_RUNNING);

        /* 1 of 1: the singular */
        ctx_set_config(c, CFG("MaxRunning=0\nMaxQueuedPerUser=0\nMaxRunningPerUser=1\n", ""));
        Job *a4 = SUBMIT(c, .owner = 1000);
        g_assert_cmpuint(dispatch(c), ==, 0);
        assert_reason(c, a4, "user 1000 has 2 of 1 job running");
}

/* A user at its limit blocks nobody else, under every discipline, even when
 * the blocked user's jobs come first and share class and resources. */
static void test_blocked_user_does_not_block_others(void) {
        static const char *const scheds[] = {
                "Discipline=fifo\n",
                "Discipline=priority\nAgingSec=0\n",
                "Discipline=fair\nFairKey=owner\n",
                "Discipline=fair\nFairKey=resource:datastore\n",
                "Discipline=fifo\nStrictOrder=no\n",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(scheds); i++) {
                g_autofree char *text = g_strconcat("[Scheduler]\nMaxRunning=0\nMaxQueuedPerUser=0\nMaxRunningPerUser=1\n",
                                                    scheds[i], "[Class work]\n[Resource datastore:a]\nMaxRunning=3\n",
                                                    NULL);
                g_autoptr(Ctx) c = ctx_new(text);
                Job *u1[4], *u2[2];

                g_test_message("%s", scheds[i]);
                for (size_t k = 0; k < G_N_ELEMENTS(u1); k++)
                        u1[k] = SUBMIT(c, .owner = 1, .res = "datastore:a");
                for (size_t k = 0; k < G_N_ELEMENTS(u2); k++)
                        u2[k] = SUBMIT(c, .owner = 2, .res = "datastore:a");

                g_assert_cmpuint(dispatch(c), ==, 2);
                g_assert_cmpint(u1[0]->state, ==, JOB_STATE_RUNNING);
                g_assert_cmpint(u2[0]->state, ==, JOB_STATE_RUNNING);
                assert_reason(c, u1[1], "user 1 has 1 of 1 job running");
                assert_reason(c, u2[1], "user 2 has 1 of 1 job running");

                /* Owner 1's end lets owner 1's next job run, and only that. */
                finish(c, u1[0]);
                g_assert_cmpuint(dispatch(c), ==, 1);
                g_assert_cmpint(u1[1]->state, ==, JOB_STATE_RUNNING);
                finish(c, u2[0]);
                g_assert_cmpuint(dispatch(c), ==, 1);
                g_assert_cmpint(u2[1]->state, ==, JOB_STATE_RUNNING);
        }
}

/* With other limits: each one still holds, and WaitReason names the first
 * that blocks in the order pause, class, resource, user, global. */
static void test_max_running_per_user_combined(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=3\nMaxQueuedPerUser=0\nMaxRunningPerUser=2\n",
                                       "[Class one]\nMaxRunning=1\n[Resource datastore:a]\nMaxRunning=1\n"));
        Job *x1 = SUBMIT(c, .owner = 7);
        Job *x2 = SUBMIT(c, .owner = 7, .cls = "one");
        Job *x3 = SUBMIT(c, .owner = 7);
        Job *y1 = SUBMIT(c, .owner = 8, .cls = "one");
        Job *y2 = SUBMIT(c, .owner = 8, .res = "datastore:a");
        Job *y3 = SUBMIT(c, .owner = 8);
        Job *z1 = SUBMIT(c, .owner = 9, .res = "datastore:a");

        g_assert_cmpuint(dispatch(c), ==, 3);     /* global MaxRunning=3 */
        g_assert_cmpint(x1->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(x2->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(y2->state, ==, JOB_STATE_RUNNING);
        assert_reason(c, x3, "user 7 has 2 of 2 jobs running");
        assert_reason(c, y1, "class one is full (1 of 1 running)");
        assert_reason(c, z1, "resource datastore:a is full (1 of 1 running)");
        assert_reason(c, y3, "all 3 slots are in use");

        /* x2 ends: one slot; x3 (user 7 now at 1 of 2) is first in fifo order and takes it. */
        finish(c, x2);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(x3->state, ==, JOB_STATE_RUNNING);       /* first in fifo with room */
        assert_reason(c, y1, "all 3 slots are in use");

        /* Pauses come first. */
        g_assert_true(scheduler_pause(c->s, "class:one", NULL));
        assert_reason(c, y1, "class one is paused");
}

/* Switching MaxRunningPerUser on at run time splits groups that mixed owners. */
static void test_max_running_per_user_set_at_run_time(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\nMaxQueuedPerUser=0\n", ""));
        Job *a[3], *b;

        g_assert_true(scheduler_pause(c->s, "", NULL));
        for (size_t k = 0; k < G_N_ELEMENTS(a); k++)
                a[k] = SUBMIT(c, .owner = 1);
        b = SUBMIT(c, .owner = 2);
        ctx_set_config(c, CFG("MaxRunning=0\nMaxQueuedPerUser=0\nMaxRunningPerUser=1\n", ""));
        g_assert_true(scheduler_resume(c->s, "", NULL));

        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpint(a[0]->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(a[1]->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(b->state, ==, JOB_STATE_RUNNING);

        /* and off again: the rest run */
        ctx_set_config(c, CFG("MaxRunning=0\nMaxQueuedPerUser=0\n", ""));
        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, 0);
}

static void assert_quota_error(Ctx *c, const Sub *sub, const char *message) {
        g_autoptr(GError) error = NULL;
        guint n_events = c->events->len;
        uint64_t next_id = scheduler_next_id(c->s);
        unsigned queued = scheduler_n_queued(c->s);
        Sub with_class = *sub;

        if (!with_class.cls)
                with_class.cls = "work";
        g_assert_null(submit_full(c, &with_class, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_QUOTA_EXCEEDED);
        g_assert_cmpstr(error->message, ==, message);
        /* nothing queued, nothing announced */
        g_assert_cmpuint(c->events->len, ==, n_events);
        g_assert_cmpuint(scheduler_next_id(c->s), ==, next_id);
        g_assert_cmpuint(scheduler_n_queued(c->s), ==, queued);
}

/* MaxQueuedPerUser alone: per user, queued jobs only, deferred ones included. */
static void test_max_queued_per_user(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=1\nMaxQueuedPerUser=2\n", ""));

        Job *r = SUBMIT(c, .owner = 1000);
        g_assert_cmpuint(dispatch(c), ==, 1);   /* running: not counted */
        SUBMIT(c, .owner = 1000);
        SUBMIT(c, .owner = 1000, .not_before = c->now + 60 * SEC);
        assert_quota_error(c, &(Sub) { .owner = 1000 },
                           "quota: user 1000 already has 2 queued jobs (MaxQueuedPerUser=2)");
        assert_quota_error(c, &(Sub) { .owner = 1000, .cls = "other" },
                           "quota: user 1000 already has 2 queued jobs (MaxQueuedPerUser=2)");
        /* another user is not affected */
        SUBMIT(c, .owner = 1001);
        SUBMIT(c, .owner = 1001);
        assert_quota_error(c, &(Sub) { .owner = 1001 },
                           "quota: user 1001 already has 2 queued jobs (MaxQueuedPerUser=2)");

        /* a queued job that starts frees a place */
        finish(c, r);
        g_assert_cmpuint(dispatch(c), ==, 1);
        SUBMIT(c, .owner = 1000);
        assert_quota_error(c, &(Sub) { .owner = 1000 },
                           "quota: user 1000 already has 2 queued jobs (MaxQueuedPerUser=2)");

        /* singular, and a lowered quota refuses at once */
        ctx_set_config(c, CFG("MaxRunning=1\nMaxQueuedPerUser=1\n", ""));
        assert_quota_error(c, &(Sub) { .owner = 1000 },
                           "quota: user 1000 already has 2 queued jobs (MaxQueuedPerUser=1)");
        assert_quota_error(c, &(Sub) { .owner = 1001, .cls = "other" },
                           "quota: user 1001 already has 2 queued jobs (MaxQueuedPerUser=1)");
        ctx_set_config(c, CFG("MaxRunning=1\nMaxQueuedPerUser=0\n", ""));
        SUBMIT(c, .owner = 1000);
}

/* [Class] MaxQueuedPerUser: the class's own quota, instead of the global one. */
static void test_class_max_queued_per_user(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\nMaxQueuedPerUser=2\n",
                                       "[Class bulk]\nMaxQueuedPerUser=3\n[Class single]\nMaxQueuedPerUser=1\n"));

        g_assert_true(scheduler_pause(c->s, "", NULL));
        for (int k = 0; k < 3; k++)
                SUBMIT(c, .cls = "bulk", .owner = 5);
        assert_quota_error(c, &(Sub) { .cls = "bulk", .owner = 5 },
                           "quota: user 5 already has 3 queued jobs of class bulk ([Class bulk] MaxQueuedPerUser=3)");
        /* bulk jobs do not count against [Scheduler]'s quota... */
        SUBMIT(c, .owner = 5);
        SUBMIT(c, .cls = "other", .owner = 5);
        assert_quota_error(c, &(Sub) { .owner = 5 },
                           "quota: user 5 already has 2 queued jobs (MaxQueuedPerUser=2)");
        /* ...nor against another class's own one */
        SUBMIT(c, .cls = "single", .owner = 5);
        assert_quota_error(c, &(Sub) { .cls = "single", .owner = 5 },
                           "quota: user 5 already has 1 queued job of class single ([Class single] MaxQueuedPerUser=1)");
        /* other users have their own */
        SUBMIT(c, .cls = "single", .owner = 6);

        /* 0 = unlimited for the class, whatever the global quota */
        ctx_set_config(c, CFG("MaxRunning=0\nMaxQueuedPerUser=2\n", "[Class bulk]\nMaxQueuedPerUser=0\n"
                                                                   "[Class single]\n"));
        for (int k = 0; k < 10; k++)
                SUBMIT(c, .cls = "bulk", .owner = 5);
        /* single lost its own quota: its queued job counts against the global one again */
        assert_quota_error(c, &(Sub) { .cls = "single", .owner = 5 },
                           "quota: user 5 already has 3 queued jobs (MaxQueuedPerUser=2)");
}

/* Both quotas and a class limit at once. */
static void test_quotas_combined(void) {
        g_autoptr(Ctx) c = ctx_new(CFG("MaxRunning=0\nMaxQueuedPerUser=2\nMaxRunningPerUser=1\n",
                                       "[Class one]\nMaxRunning=1\n"));
        Job *a = SUBMIT(c, .owner = 1);
        Job *b = SUBMIT(c, .owner = 1);
        Job *d = SUBMIT(c, .owner = 2, .cls = "one");
        Job *e = SUBMIT(c, .owner = 3, .cls = "one");

        g_assert_cmpuint(dispatch(c), ==, 2);
        g_assert_cmpint(a->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(d->state, ==, JOB_STATE_RUNNING);
        assert_reason(c, b, "user 1 has 1 of 1 job running");
        assert_reason(c, e, "class one is full (1 of 1 running)");

        /* the running job does not count against the queue quota */
        SUBMIT(c, .owner = 1);
        assert_quota_error(c, &(Sub) { .owner = 1 },
                           "quota: user 1 already has 2 queued jobs (MaxQueuedPerUser=2)");
        finish(c, a);
        g_assert_cmpuint(dispatch(c), ==, 1);
        g_assert_cmpint(b->state, ==, JOB_STATE_RUNNING);
        SUBMIT(c, .owner = 1);
}

int main(int argc, char *argv[]) {
        g_setenv("TZ", "UTC", true);
        tzset();
        setlocale(LC_ALL, "C");
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/scheduler/job-strings", test_job_strings);
        g_test_add_func("/scheduler/discipline/fifo", test_fifo);
        g_test_add_func("/scheduler/discipline/priority", test_priority);
        g_test_add_func("/scheduler/discipline/aging", test_aging);
        g_test_add_func("/scheduler/discipline/aging-time-invariant", test_aging_order_is_time_invariant);
        g_test_add_data_func("/scheduler/positions/incremental/fifo",
                             CFG("Discipline=fifo\nMaxRunning=0\n", ""), test_positions_kept_while_submitting);
        g_test_add_data_func("/scheduler/positions/incremental/priority",
                             CFG("Discipline=priority\nAgingSec=0\nMaxRunning=0\n", ""),
                             test_positions_kept_while_submitting);
        g_test_add_data_func("/scheduler/positions/incremental/priority-aging",
                             CFG("Discipline=priority\nAgingSec=100\nMaxRunning=0\n", ""),
                             test_positions_kept_while_submitting);
        g_test_add_data_func("/scheduler/positions/incremental/fair",
                             CFG("Discipline=fair\nMaxRunning=0\n", ""), test_positions_kept_while_submitting);
        g_test_add_func("/scheduler/duplicates/index-removal", test_duplicates_index_removal);
        g_test_add_data_func("/scheduler/positions/merged-groups/fifo",
                             CFG("Discipline=fifo\nMaxRunning=0\n", ""),
                             test_positions_merged_groups);
        g_test_add_data_func("/scheduler/positions/merged-groups/priority",
                             CFG("Discipline=priority\nAgingSec=0\nMaxRunning=0\n", ""),
                             test_positions_merged_groups);
        g_test_add_data_func("/scheduler/positions/merged-groups/priority-aging",
                             CFG("Discipline=priority\nAgingSec=100\nMaxRunning=0\n", ""),
                             test_positions_merged_groups);
        g_test_add_data_func("/scheduler/positions/incremental/fair-owners",
                             CFG("Discipline=fair\nFairKey=owner\nMaxRunning=1\nMaxQueuedPerUser=0\n", ""),
                             test_positions_kept_fair_buckets);
        g_test_add_data_func("/scheduler/positions/incremental/fair-resource",
                             CFG("Discipline=fair\nFairKey=resource:datastore\nMaxRunning=1\nMaxQueuedPerUser=0\n", ""),
                             test_positions_kept_fair_buckets);
        g_test_add_func("/scheduler/discipline/fair-owner", test_fair_owner);
        g_test_add_func("/scheduler/discipline/fair-resource", test_fair_resource);
        g_test_add_func("/scheduler/discipline/switch", test_switch_discipline);
        g_test_add_func("/scheduler/limits/global", test_limit_global);
        g_test_add_func("/scheduler/limits/global-unlimited", test_limit_global_unlimited);
        g_test_add_func("/scheduler/limits/class", test_limit_class);
        g_test_add_func("/scheduler/limits/resource", test_limit_resource);
        g_test_add_func("/scheduler/limits/resource-templates", test_limit_resource_templates);
        g_test_add_func("/scheduler/limits/combined", test_limits_combined);
        g_test_add_func("/scheduler/limits/blocked-does-not-block", test_blocked_does_not_block);
        g_test_add_func("/scheduler/limits/strict-order", test_strict_order);
        g_test_add_func("/scheduler/limits/many-blocked", test_many_blocked);
        g_test_add_func("/scheduler/limits/class-vanishes", test_class_vanishes);
        g_test_add_func("/scheduler/pause/scopes", test_pause_scopes);
        g_test_add_func("/scheduler/pause/errors", test_pause_errors);
        g_test_add_func("/scheduler/wait-reasons", test_wait_reasons);
        g_test_add_func("/scheduler/timers/max-wait", test_max_wait);
        g_test_add_func("/scheduler/timers/ttl", test_ttl);
        g_test_add_func("/scheduler/timers/not-before", test_not_before);
        g_test_add_func("/scheduler/timers/not-before-max-wait", test_not_before_max_wait);
        g_test_add_func("/scheduler/timers/keep-finished", test_keep_finished);
        g_test_add_func("/scheduler/cancel", test_cancel);
        g_test_add_func("/scheduler/finished-while-queued", test_finished_while_queued);
        g_test_add_func("/scheduler/set-priority", test_set_priority);
        g_test_add_func("/scheduler/restore", test_restore);
        g_test_add_func("/scheduler/start-failure", test_start_failure);
        g_test_add_func("/scheduler/events", test_events);
        g_test_add_func("/scheduler/list-jobs", test_list_jobs);
        g_test_add_func("/scheduler/submit/errors", test_submit_errors);
        g_test_add_func("/scheduler/quota/max-running-per-user", test_max_running_per_user);
        g_test_add_func("/scheduler/quota/blocked-user-does-not-block-others", test_blocked_user_does_not_block_others);
        g_test_add_func("/scheduler/quota/max-running-per-user-combined", test_max_running_per_user_combined);
        g_test_add_func("/scheduler/quota/max-running-per-user-at-run-time", test_max_running_per_user_set_at_run_time);
        g_test_add_func("/scheduler/quota/max-queued-per-user", test_max_queued_per_user);
        g_test_add_func("/scheduler/quota/class-max-queued-per-user", test_class_max_queued_per_user);
        g_test_add_func("/scheduler/quota/combined", test_quotas_combined);
        g_test_add_func("/scheduler/submit/whole-value-match", test_whole_value_match);

        return g_test_run();
}

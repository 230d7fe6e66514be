/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The core's side of Scope=cluster (docs/cluster.md, "How it plugs into the
 * core"): scheduler_job_blocked() asks the fleet only after the local limits,
 * a job waiting for its fleet slot reserves its local slots and blocks only
 * itself, and gives them back when it is cancelled or times out.  The fleet
 * is a fake of the core's own interface (SchedulerClusterOps): a set of
 * admitted "job resource" pairs, and a record of what was asked.
 */
#include <string.h>

#include "errors.h"
#include "scheduler.h"

#define SEC USEC_PER_SEC
#define T0 ((usec_t) 1700000000 * SEC)

typedef struct Ctx {
        Scheduler *s;
        GArray *started;                /* uint64_t ids, in start order */
        GHashTable *admitted;           /* "id resource" -> itself: what the fake fleet admits */
        GPtrArray *asked;               /* "id resource limit", every admitted() call */
        usec_t now;
} Ctx;

static int fake_start(void *userdata, Job *job) {
        Ctx *c = userdata;
        g_array_append_val(c->started, job->id);
        return 0;
}

static int fake_stop(void *userdata, Job *job) {
        return 0;
}

static bool fake_admitted(void *userdata, uint64_t job_id, const char *resource, uint32_t limit, char **ret_reason) {
        Ctx *c = userdata;
        g_autofree char *key = g_strdup_printf("%" G_GUINT64_FORMAT " %s", job_id, resource);

        g_ptr_array_add(c->asked, g_strdup_printf("%s %u", key, limit));
        if (g_hash_table_contains(c->admitted, key))
                return true;
        *ret_reason = g_strdup("position 1 in the fleet queue");
        return false;
}

static const SchedulerExecutor executor = { .start = fake_start, .stop = fake_stop };
static const SchedulerClusterOps cluster_ops = { .admitted = fake_admitted };

#define CLUSTER "[Cluster]\nEndpoints=http://127.0.0.1:2379\n"

static Ctx *ctx_new(const char *text, bool with_ops) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = sluice_config_new_from_data(text, "test", &error);
        Ctx *c = g_new0(Ctx, 1);

        g_assert_no_error(error);
        c->started = g_array_new(false, false, sizeof(uint64_t));
        c->admitted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        c->asked = g_ptr_array_new_with_free_func(g_free);
        c->now = T0;
        c->s = scheduler_new(cfg, NULL, NULL, &executor, c);
        if (with_ops)
                scheduler_set_cluster_ops(c->s, &cluster_ops, c);
        return c;
}

static void ctx_free(Ctx *c) {
        scheduler_free(c->s);
        g_array_unref(c->started);
        g_hash_table_unref(c->admitted);
        g_ptr_array_unref(c->asked);
        g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ctx, ctx_free)

static Job *submit(Ctx *c, const char *cls, const char *param, usec_t max_wait) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        JobSpec spec = { .class_name = cls, .owner = 1000, .submitter = ":1.42", .max_wait_usec = max_wait };
        Job *j;

        if (param) {
                g_hash_table_insert(params, (char *) "site", (char *) param);
                spec.parameters = params;
        }
        j = scheduler_submit(c->s, &spec, c->now, &error);
        g_assert_no_error(error);
        return j;
}

static void admit(Ctx *c, Job *j, const char *resource) {
        g_hash_table_add(c->admitted, g_strdup_printf("%" G_GUINT64_FORMAT " %s", j->id, resource));
}

static void assert_reason(Ctx *c, Job *j, const char *expected) {
        g_autofree char *r = scheduler_job_wait_reason(c->s, j, c->now);
        g_assert_cmpstr(r, ==, expected);
}

static bool was_asked(Ctx *c, Job *j) {
        g_autofree char *prefix = g_strdup_printf("%" G_GUINT64_FORMAT " ", j->id);

        for (guint i = 0; i < c->asked->len; i++)
                if (g_str_has_prefix(c->asked->pdata[i], prefix))
                        return true;
        return false;
}

/* The fleet is asked only once the local limits have room, with the
 * resource's limit; host-scoped resources and unlimited ones never. */
static void test_asked_after_local_limits(void) {
        g_autoptr(Ctx) c = ctx_new(CLUSTER
                                   "[Class sync]\nMaxRunning=1\nParameter.site=^[a-z]+$\nResources=sync:%{site} disk:a\n"
                                   "[Resource sync:*]\nScope=cluster\nMaxRunning=3\n"
                                   "[Resource disk:a]\nMaxRunning=5\n", true);
        Job *a = submit(c, "sync", "offsite", 0), *b = submit(c, "sync", "offsite", 0);

        admit(c, a, "sync:offsite");
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpuint(g_array_index(c->started, uint64_t, 0), ==, a->id);
        g_assert_cmpstr(c->asked->pdata[0], ==, "1 sync:offsite 3");
        for (guint i = 0; i < c->asked->len; i++)
                g_assert_false(g_str_has_suffix(c->asked->pdata[i], "disk:a 5"));

        /* b: class full locally (MaxRunning=1): the fleet is not asked for it */
        g_assert_false(was_asked(c, b));
        assert_reason(c, b, "class sync is full (1 of 1 running)");
        g_assert_false(was_asked(c, b));
}

/* Not admitted: BLOCK_CLUSTER with the module's reason; its local slots are
 * reserved (a later local job does not take them), it blocks only itself
 * (the next job of the same group with room is asked too), and it starts
 * once admitted. */
static void test_waiting_reserves_and_blocks_only_itself(void) {
        g_autoptr(Ctx) c = ctx_new(CLUSTER
                                   "[Scheduler]\nMaxRunning=2\n"
                                   "[Class sync]\nParameter.site=^[a-z]+$\nResources=sync:%{site}\n"
                                   "[Class local]\n"
                                   "[Resource sync:*]\nScope=cluster\nMaxRunning=3\n", true);
        Job *a = submit(c, "sync", "offsite", 0), *b = submit(c, "sync", "offsite", 0);
        Job *l = submit(c, "local", NULL, 0);
        unsigned total;

        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 0);
        /* both sync jobs were asked (a does not block b: same group), and hold
         * the two global slots: the local job waits for them */
        g_assert_true(was_asked(c, a));
        g_assert_true(was_asked(c, b));
        assert_reason(c, a, "cluster resource sync:offsite: position 1 in the fleet queue");
        assert_reason(c, b, "cluster resource sync:offsite: position 1 in the fleet queue");
        assert_reason(c, l, "all 2 slots are taken (0 running, 2 waiting for a fleet slot)");
        g_assert_cmpuint(scheduler_job_position(c->s, a, &total), ==, 0);
        g_assert_cmpuint(scheduler_job_position(c->s, l, NULL), ==, 1);
        g_assert_cmpuint(total, ==, 1);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 0);
        g_assert_cmpuint(scheduler_resource_running(c->s, "sync:offsite"), ==, 0);
        {
                g_autoptr(GPtrArray) w = scheduler_cluster_waiting(c->s);
                g_assert_cmpuint(w->len, ==, 2);
                g_assert_true(w->pdata[0] == a && w->pdata[1] == b);
        }

        /* b admitted first (the fleet's order is etcd's, not ours): b starts */
        admit(c, b, "sync:offsite");
        assert_reason(c, b, "cluster slot admitted: starting");
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpuint(g_array_index(c->started, uint64_t, 0), ==, b->id);
        g_assert_cmpint(b->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(a->state, ==, JOB_STATE_QUEUED);
        assert_reason(c, l, "all 2 slots are taken (1 running, 1 waiting for a fleet slot)");

        admit(c, a, "sync:offsite");
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpint(a->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(scheduler_n_running(c->s), ==, 2);
        scheduler_job_finished(c->s, b, JOB_RESULT_SUCCESS, 0, NULL, c->now);
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpint(l->state, ==, JOB_STATE_RUNNING);
}

/* The WaitReason of a job kept out by reserved slots says how many of the
 * taken ones run and how many wait for their fleet slot; without
 * reservations the words stay as they were. */
static void test_reason_counts_reserved(void) {
        g_autoptr(Ctx) c = ctx_new(CLUSTER
                                   "[Class sync]\nParameter.site=^[a-z]+$\nResources=sync:%{site}\nMaxRunning=3\n"
                                   "[Resource sync:*]\nScope=cluster\nMaxRunning=2\n", true);
        Job *a = submit(c, "sync", "offsite", 0), *b = submit(c, "sync", "offsite", 0);
        Job *d = submit(c, "sync", "offsite", 0);

        admit(c, a, "sync:offsite");
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpint(a->state, ==, JOB_STATE_RUNNING);
        assert_reason(c, b, "cluster resource sync:offsite: position 1 in the fleet queue");
        assert_reason(c, d, "resource sync:offsite is full (2 of 2: 1 running, 1 waiting for a fleet slot)");

        admit(c, b, "sync:offsite");
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        assert_reason(c, d, "resource sync:offsite is full (2 of 2 running)");
}

/* A job waiting for its fleet slot gives its reserved slots back when it is
 * cancelled or times out. */
static void test_cancel_and_timeout_give_slots_back(void) {
        g_autoptr(Ctx) c = ctx_new(CLUSTER
                                   "[Scheduler]\nMaxRunning=1\n"
                                   "[Class sync]\nParameter.site=^[a-z]+$\nResources=sync:%{site}\n"
                                   "[Class local]\n"
                                   "[Resource sync:*]\nScope=cluster\nMaxRunning=1\n", true);
        Job *a = submit(c, "sync", "offsite", 0), *l = submit(c, "local", NULL, 0);
        g_autoptr(GError) error = NULL;

        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 0);
        assert_reason(c, l, "the only slot is held by a job waiting for a fleet slot");
        g_assert_true(scheduler_cancel(c->s, a, c->now, &error));
        g_assert_no_error(error);
        g_assert_cmpint(a->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpint(l->state, ==, JOB_STATE_RUNNING);
        scheduler_job_finished(c->s, l, JOB_RESULT_SUCCESS, 0, NULL, c->now);

        /* the same through MaxWaitSec */
        Job *t = submit(c, "sync", "offsite", 10 * SEC), *l2 = submit(c, "local", NULL, 0);
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 0);
        assert_reason(c, l2, "the only slot is held by a job waiting for a fleet slot");
        c->now += 11 * SEC;
        scheduler_run_timers(c->s, c->now);
        g_assert_cmpint(t->result, ==, JOB_RESULT_TIMEOUT);
        {
                g_autoptr(GPtrArray) w = scheduler_cluster_waiting(c->s);
                g_assert_cmpuint(w->len, ==, 0);
        }
        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpint(l2->state, ==, JOB_STATE_RUNNING);
}

/* Without ops (no connection), a cluster job waits with a reason; a host job runs. */
static void test_without_ops_waits(void) {
        g_autoptr(Ctx) c = ctx_new(CLUSTER
                                   "[Class sync]\nResources=sync:offsite\n[Class local]\n"
                                   "[Resource sync:offsite]\nScope=cluster\nMaxRunning=2\n", false);
        Job *a = submit(c, "sync", NULL, 0), *l = submit(c, "local", NULL, 0);

        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpint(l->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(a->state, ==, JOB_STATE_QUEUED);
        assert_reason(c, a, "cluster resource sync:offsite: not connected");
}

/* StrictOrder=yes: a head waiting for its fleet slot does not stop the queue
 * (it holds its local slots; the next job is looked at). */
static void test_strict_order(void) {
        g_autoptr(Ctx) c = ctx_new(CLUSTER
                                   "[Scheduler]\nStrictOrder=yes\nMaxRunning=3\n"
                                   "[Class sync]\nResources=sync:offsite\n[Class local]\n"
                                   "[Resource sync:offsite]\nScope=cluster\nMaxRunning=2\n", true);
        Job *a = submit(c, "sync", NULL, 0), *l = submit(c, "local", NULL, 0);

        g_assert_cmpuint(scheduler_dispatch(c->s, c->now), ==, 1);
        g_assert_cmpint(a->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpint(l->state, ==, JOB_STATE_RUNNING);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/scheduler-cluster/asked-after-local-limits", test_asked_after_local_limits);
        g_test_add_func("/scheduler-cluster/waiting-reserves-and-blocks-only-itself",
                        test_waiting_reserves_and_blocks_only_itself);
        g_test_add_func("/scheduler-cluster/cancel-and-timeout-give-slots-back", test_cancel_and_timeout_give_slots_back);
        g_test_add_func("/scheduler-cluster/without-ops-waits", test_without_ops_waits);
        g_test_add_func("/scheduler-cluster/reason-counts-reserved", test_reason_counts_reserved);
        g_test_add_func("/scheduler-cluster/strict-order", test_strict_order);
        return g_test_run();
}

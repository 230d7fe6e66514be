/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lease holders (src/daemon/lease.c) without a bus: a real Manager
 * (manager_new(), never connected) with a real Scheduler whose executor is
 * lease_executor, jobs submitted and granted by the scheduler, links bound
 * to holders as Acquire() binds them.  The bus stays out through two seams
 * of lease.c: lease_holder_vanished() is what the NameOwnerChanged handler
 * does once it has read the message, and lease_holder_answer_alive() is
 * lease_holder_alive()'s verdict on GetConnectionUnixUser's answer (the
 * restore after a restart).  The scheduler's listener is a fake: it only
 * counts the jobs that ended (the manager's would announce on the bus).
 */
#include <errno.h>
#include <string.h>

#include "lease.h"
#include "manager.h"

static const char config_text[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "MaxRunning=2\n";

typedef struct Fixture {
        Manager *m;
        guint finished;         /* jobs seen ending (a JOB_CHANGED of State to done) */
} Fixture;

static void on_event(void *userdata, SchedEventType type, Job *job, JobChangedMask changed) {
        Fixture *f = userdata;

        if (type == SCHED_EVENT_JOB_CHANGED && (changed & JOB_CHANGED_STATE) && job->state == JOB_STATE_DONE)
                f->finished++;
}

static const SchedulerListener listener = { .event = on_event };

static void fixture_init(Fixture *f) {
        g_autoptr(GError) error = NULL;
        SluiceConfig *cfg = sluice_config_new_from_data(config_text, "test-lease", &error);

        g_assert_no_error(error);
        f->m = manager_new();
        f->m->scheduler = scheduler_new(cfg, &listener, f, &lease_executor, f->m);
        sluice_config_unref(cfg);
}

static void fixture_done(Fixture *f) {
        manager_free(f->m);
}

/* Acquire() as the bus layer does it: a lease job, its link, bound to @holder. */
static JobLink *acquire(Fixture *f, const char *holder) {
        g_autoptr(GError) error = NULL;
        JobSpec spec = { .class_name = "slot", .acquire = true, .owner = 1000, .submitter = holder };
        Job *job = scheduler_submit(f->m->scheduler, &spec, manager_now(f->m), &error);
        JobLink *l;

        g_assert_no_error(error);
        g_assert_nonnull(job);
        l = job_link_new(f->m, job);
        g_hash_table_insert(f->m->jobs, &l->id, l);
        g_assert_cmpint(lease_bind(f->m, l, holder), ==, 0);
        return l;
}

static Holder *holder_of(Fixture *f, const char *name) {
        return g_hash_table_lookup(f->m->holders, name);
}

/* One Holder per unique name, shared by its leases; a well-known name cannot hold one. */
static void test_bind(void) {
        Fixture f = {};
        JobLink *a, *b, *c;

        fixture_init(&f);
        a = acquire(&f, ":1.10");
        b = acquire(&f, ":1.10");
        c = acquire(&f, ":1.11");
        g_assert_nonnull(a->holder);
        g_assert_true(a->holder == b->holder);
        g_assert_true(a->holder != c->holder);
        g_assert_true(holder_of(&f, ":1.10") == a->holder);
        g_assert_cmpuint(g_hash_table_size(a->holder->jobs), ==, 2);
        g_assert_cmpuint(g_hash_table_size(f.m->holders), ==, 2);

        /* Not a unique name: refused, nothing bound, no holder made. */
        {
                JobLink *d = acquire(&f, ":1.12");

                lease_unbind(d);
                g_assert_cmpint(lease_bind(f.m, d, "org.example.Name"), ==, -EINVAL);
                g_assert_null(d->holder);
                g_assert_null(holder_of(&f, "org.example.Name"));
        }
        fixture_done(&f);
}

/* Unbinding the last lease forgets the holder; unbinding twice changes nothing. */
static void test_unbind(void) {
        Fixture f = {};
        JobLink *a, *b;

        fixture_init(&f);
        a = acquire(&f, ":1.20");
        b = acquire(&f, ":1.20");
        lease_unbind(a);
        g_assert_null(a->holder);
        g_assert_nonnull(holder_of(&f, ":1.20"));
        g_assert_cmpuint(g_hash_table_size(b->holder->jobs), ==, 1);
        lease_unbind(a);
        g_assert_cmpuint(g_hash_table_size(b->holder->jobs), ==, 1);
        lease_unbind(b);
        g_assert_null(b->holder);
        g_assert_null(holder_of(&f, ":1.20"));
        g_assert_cmpuint(g_hash_table_size(f.m->holders), ==, 0);
        fixture_done(&f);
}

/*
 * The holder leaves the bus: its running and its queued leases end
 * abandoned ("holder vanished") at once; another holder's lease is
 * untouched, and a name that holds nothing changes nothing.
 */
static void test_holder_vanished(void) {
        Fixture f = {};
        JobLink *running, *queued, *other;

        fixture_init(&f);
        running = acquire(&f, ":1.30");
        other = acquire(&f, ":1.31");
        queued = acquire(&f, ":1.30");
        g_assert_cmpuint(scheduler_dispatch(f.m->scheduler, manager_now(f.m)), ==, 2);   /* MaxRunning=2 */
        g_assert_cmpint(running->job->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(other->job->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpint(queued->job->state, ==, JOB_STATE_QUEUED);

        lease_holder_vanished(f.m, ":1.99");
        g_assert_cmpuint(f.finished, ==, 0);

        lease_holder_vanished(f.m, ":1.30");
        g_assert_cmpuint(f.finished, ==, 2);
        for (JobLink **l = (JobLink *[]) { running, queued, NULL }; *l; l++) {
                g_assert_cmpint((*l)->job->state, ==, JOB_STATE_DONE);
                g_assert_cmpint((*l)->job->result, ==, JOB_RESULT_ABANDONED);
                g_assert_cmpstr((*l)->job->result_detail, ==, "holder vanished");
                g_assert_null((*l)->holder);
        }
        g_assert_null(holder_of(&f, ":1.30"));
        g_assert_cmpint(other->job->state, ==, JOB_STATE_RUNNING);
        g_assert_true(holder_of(&f, ":1.31") == other->holder);

        /* Gone twice (a late NameOwnerChanged): nothing more ends. */
        lease_holder_vanished(f.m, ":1.30");
        g_assert_cmpuint(f.finished, ==, 2);
        fixture_done(&f);
}

/* A holder forgotten while its leases stay (shutdown): the links let go of it. */
static void test_holder_free(void) {
        Fixture f = {};
        JobLink *a, *b;

        fixture_init(&f);
        a = acquire(&f, ":1.40");
        b = acquire(&f, ":1.40");
        g_hash_table_remove(f.m->holders, ":1.40");
        g_assert_null(a->holder);
        g_assert_null(b->holder);
        fixture_done(&f);
}

/*
 * After a restart, a stored lease is kept only while its holder is still
 * connected as the lease's uid: not a unique name, no owner any more, a
 * name now of another uid, or a bus that cannot say all end it.
 */
static void test_restore_holder_alive(void) {
        Fixture f = {};
        sd_bus_error no_owner = SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_NAME_HAS_NO_OWNER, "no such name");
        sd_bus_error failed = SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_FAILED, "the bus is in trouble");
        sd_bus_error none = SD_BUS_ERROR_NULL;

        fixture_init(&f);
        /* Decided before any bus call (this manager has no bus). */
        g_assert_false(lease_holder_alive(f.m, NULL, 1000));
        g_assert_false(lease_holder_alive(f.m, "org.example.Name", 1000));

        g_assert_true(lease_holder_answer_alive(f.m, ":1.50", 1000, 0, &none, 1000));
        g_assert_false(lease_holder_answer_alive(f.m, ":1.50", 1000, 0, &none, 1001));
        g_assert_false(lease_holder_answer_alive(f.m, ":1.50", 0, 0, &none, 1000));
        g_assert_false(lease_holder_answer_alive(f.m, ":1.50", 1000, -ENXIO, &no_owner, 0));
        g_assert_false(lease_holder_answer_alive(f.m, ":1.50", 1000, -EIO, &failed, 0));
        /* An error with the owner's uid in @uid still is an error. */
        g_assert_false(lease_holder_answer_alive(f.m, ":1.50", 1000, -EIO, &failed, 1000));
        fixture_done(&f);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/lease/bind", test_bind);
        g_test_add_func("/lease/unbind", test_unbind);
        g_test_add_func("/lease/holder-vanished", test_holder_vanished);
        g_test_add_func("/lease/holder-free", test_holder_free);
        g_test_add_func("/lease/restore-holder-alive", test_restore_holder_alive);
        return g_test_run();
}

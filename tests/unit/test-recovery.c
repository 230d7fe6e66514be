/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restart policy (src/daemon/recovery.c) with no bus: a real Store in a
 * temporary directory (SQLite), a real Manager (manager_new(), never
 * connected) and Scheduler, and fakes for the executor's side only:
 *   - the units found at start-up are UnitWatches with recording ops (the
 *     fake PID 1 of test-unit-watch.c: "stop" is a StopUnit asked for);
 *   - RecoveryOps: which units the executor follows, and a journal that
 *     answers what the test put in it (a seam, not fault injection);
 *   - the scheduler's executor records stop() and starts nothing.
 * Each case writes the stored state a previous sluiced left, hands recovery
 * what the executor found, and checks what recovery decided.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "bus-job.h"
#include "recovery.h"
#include "store.h"

#define INV_A "0123456789abcdef0123456789abcdef"
#define INV_B "fedcba9876543210fedcba9876543210"
#define T0 ((usec_t) 1700000000 * USEC_PER_SEC)

static const char config_text[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class cmd]\n"
        "Kind=command\n"
        "ExecStart=/bin/true\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n";

typedef struct Fixture {
        char *dir;
        Manager *m;
        GPtrArray *calls;               /* what the watches and the scheduler's executor asked for */
        GHashTable *followed;           /* unit names the fake executor follows */
        GHashTable *journal;            /* unit name -> UnitJournalEnd* the fake journal holds */
        GPtrArray *journal_asked;       /* "unit invocation since" of each journal lookup */
} Fixture;

/* ---- the scheduler's listener (as manager.c's: a JobLink per job) and executor ---- */

static void on_event(void *userdata, SchedEventType type, Job *job, JobChangedMask changed) {
        Fixture *f = userdata;
        JobLink *l;

        if (type == SCHED_EVENT_JOB_NEW) {
                l = job_link_new(f->m, job);
                g_hash_table_insert(f->m->jobs, &l->id, l);
        } else if (type == SCHED_EVENT_JOB_REMOVED && job->userdata) {
                l = job->userdata;
                job->userdata = NULL;
                g_hash_table_remove(f->m->jobs, &l->id);
        }
}

static const SchedulerListener listener = { .event = on_event };

static int sched_start(void *userdata, Job *job) {
        Fixture *f = userdata;

        g_ptr_array_add(f->calls, g_strdup_printf("sched-start %" PRIu64, job->id));
        return 0;
}

static int sched_stop(void *userdata, Job *job) {
        Fixture *f = userdata;

        g_ptr_array_add(f->calls, g_strdup_printf("sched-stop %" PRIu64, job->id));
        return 0;
}

static const SchedulerExecutor sched_executor = { .start = sched_start, .stop = sched_stop };

/* ---- the units found: watches with recording ops ---- */

static Fixture *fixture_of(UnitWatch *w) {
        return w->userdata;
}

static void record(UnitWatch *w, const char *what) {
        g_ptr_array_add(fixture_of(w)->calls, g_strdup_printf("%s %s", what, w->unit));
}

static int fake_send_start(UnitWatch *w) {
        record(w, "start");
        return 0;
}

static int fake_send_stop(UnitWatch *w) {
        record(w, "stop");
        return 0;
}

static int fake_send_read(UnitWatch *w) {
        record(w, "read");
        return 0;
}

static int fake_send_check(UnitWatch *w) {
        record(w, "check");
        return 0;
}

static bool fake_has_job(UnitWatch *w) {
        Job *job = w->job_id ? scheduler_get_job(fixture_of(w)->m->scheduler, w->job_id) : NULL;

        return job && job->state == JOB_STATE_RUNNING;
}

static void fake_job_log(UnitWatch *w, int priority, const char *text) {
}

static void fake_invocation(UnitWatch *w) {
}

static void fake_found_read(UnitWatch *w) {
}

static void fake_ended(UnitWatch *w, JobResult result, int32_t status, const char *detail, bool unref) {
        record(w, "ended");
        g_hash_table_remove(fixture_of(w)->followed, w->unit);
        unit_watch_free(w);
}

static void fake_forget(UnitWatch *w) {
        record(w, "forget");
        g_hash_table_remove(fixture_of(w)->followed, w->unit);
        unit_watch_free(w);
}

static const UnitWatchOps watch_ops = {
        .send_start = fake_send_start,
        .send_stop = fake_send_stop,
        .send_read = fake_send_read,
        .send_check = fake_send_check,
        .has_job = fake_has_job,
        .job_log = fake_job_log,
        .invocation = fake_invocation,
        .found_read = fake_found_read,
        .ended = fake_ended,
        .forget = fake_forget,
};

/* ---- RecoveryOps: the executor's side ---- */

static bool fake_unit_followed(void *userdata, const char *unit) {
        Fixture *f = userdata;

        return g_hash_table_contains(f->followed, unit);
}

static int fake_journal_end(void *userdata, const char *unit, const char *invocation_id, usec_t since,
                            UnitJournalEnd *ret) {
        Fixture *f = userdata;
        const UnitJournalEnd *e = g_hash_table_lookup(f->journal, unit);

        g_ptr_array_add(f->journal_asked,
                        g_strdup_printf("%s %s %" PRIu64, unit, invocation_id ?: "-", (uint64_t) since));
        if (!e || (invocation_id && g_strcmp0(e->invocation_id, invocation_id) != 0))
                return 0;
        *ret = (UnitJournalEnd) {
                .invocation_id = g_strdup(e->invocation_id),
                .result = g_strdup(e->result),
                .exec_main_code = e->exec_main_code,
                .exec_main_status = e->exec_main_status,
                .stop_job = e->stop_job,
                .finished_at = e->finished_at,
        };
        return 1;
}

static const RecoveryOps recovery_ops = {
        .unit_followed = fake_unit_followed,
        .journal_end = fake_journal_end,
};

static void journal_end_free(UnitJournalEnd *e) {
        unit_journal_end_clear(e);
        g_free(e);
}

/* ---- fixture ---- */

static void fixture_init(Fixture *f) {
        g_autoptr(GError) error = NULL;
        SluiceConfig *cfg = sluice_config_new_from_data(config_text, "test-recovery", &error);

        g_assert_no_error(error);
        f->dir = g_dir_make_tmp("test-recovery-XXXXXX", &error);
        g_assert_no_error(error);
        f->calls = g_ptr_array_new_with_free_func(g_free);
        f->followed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        f->journal = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) journal_end_free);
        f->journal_asked = g_ptr_array_new_with_free_func(g_free);
        f->m = manager_new();
        f->m->log.max_priority = LOG_ERR;       /* quiet */
        f->m->store = store_open(f->dir, &error);
        g_assert_no_error(error);
        f->m->scheduler = scheduler_new(cfg, &listener, f, &sched_executor, f);
        sluice_config_unref(cfg);
}

static void fixture_done(Fixture *f) {
        g_autofree char *db = g_build_filename(f->dir, STORE_FILE_NAME, NULL);
        g_autoptr(GDir) d = NULL;
        const char *name;

        manager_free(f->m);
        g_ptr_array_unref(f->calls);
        g_hash_table_destroy(f->followed);
        g_hash_table_destroy(f->journal);
        g_ptr_array_unref(f->journal_asked);
        d = g_dir_open(f->dir, 0, NULL);
        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(f->dir, name, NULL);

                g_assert_cmpint(g_unlink(p), ==, 0);
        }
        g_assert_cmpint(g_rmdir(f->dir), ==, 0);
        g_free(f->dir);
}

/* Did anything ask for @what ("stop sluice-job-5.service", "sched-stop 5")? */
static bool called(Fixture *f, const char *what) {
        for (guint i = 0; i < f->calls->len; i++)
                if (strcmp(f->calls->pdata[i], what) == 0)
                        return true;
        return false;
}

/* A job as a previous sluiced committed it. */
static Job *job_make(uint64_t id, JobKind kind, JobState state, uint32_t attempt, const char *invocation) {
        Job *j = g_new0(Job, 1);

        j->id = id;
        j->seq = id;
        j->kind = kind;
        j->state = state;
        j->class_name = g_strdup(kind == JOB_KIND_LEASE ? "slot" : "cmd");
        j->owner = 1000;
        j->priority = 0;
        j->exit_status = -1;
        j->attempt = attempt;
        j->submitted_at = T0 + id;
        if (kind == JOB_KIND_COMMAND)
                j->argv = g_strdupv((char *[]) { "/bin/true", NULL });
        if (state != JOB_STATE_QUEUED) {
                j->started_at = T0 + 100 + id;
                if (kind == JOB_KIND_COMMAND)
                        j->unit = sluice_unit_name_for_job(id);
                j->invocation_id = g_strdup(invocation);
        }
        if (state == JOB_STATE_DONE) {
                j->result = JOB_RESULT_SUCCESS;
                j->finished_at = T0 + 200 + id;
                j->exit_status = 0;
        }
        return j;
}

static void store_jobs(Fixture *f, Job *const *jobs) {
        g_autoptr(GError) error = NULL;

        g_assert_true(store_begin(f->m->store, &error));
        for (size_t i = 0; jobs[i]; i++)
                g_assert_true(store_put_job(f->m->store, jobs[i], &error));
        g_assert_true(store_commit(f->m->store, &error));
        g_assert_no_error(error);
        for (size_t i = 0; jobs[i]; i++)
                job_free(jobs[i]);
}

static void store_stop(Fixture *f, uint64_t id) {
        g_autoptr(GError) error = NULL;
        StoreStop stop = {
                .job_id = id, .requested_at = T0 + 150, .reason = (char *) "cancel",
                .has_requester_uid = true, .requester_uid = 1000, .requester = (char *) ":1.42",
        };

        g_assert_true(store_begin(f->m->store, &error));
        g_assert_true(store_put_stop(f->m->store, &stop, &error));
        g_assert_true(store_commit(f->m->store, &error));
        g_assert_no_error(error);
}

static Job *stored(Fixture *f, uint64_t id) {
        g_autoptr(GError) error = NULL;
        Job *j = NULL;

        g_assert_true(store_get_job(f->m->store, id, &j, &error));
        g_assert_no_error(error);
        g_assert_nonnull(j);
        return j;
}

/*
 * A unit the executor found and read, as the executor hands it over: its
 * InvocationID, its job record (LogExtraFields) as of @rec_job (NULL: none),
 * active or ended.
 */
static UnitWatch *unit_found(Fixture *f, uint64_t id, const char *invocation, const Job *rec_job, bool active) {
        g_autofree char *unit = sluice_unit_name_for_job(id);
        UnitWatch *w = unit_watch_new(unit, id, &watch_ops, f, &f->m->log);

        w->adopting = true;
        w->state = UNIT_WATCH_ACTIVE;
        w->invocation_id = g_strdup(invocation);
        w->active_state = g_strdup(active ? "active" : "inactive");
        w->result = g_strdup("success");
        w->exec_main_start_timestamp = T0 + 5000 + id;        /* a few ms after sluice's StartedAt */
        w->exec_argv = g_strdupv((char *[]) { "/bin/true", NULL });
        if (rec_job)
                w->extra_fields = unit_record_fields(rec_job);
        g_hash_table_add(f->followed, g_strdup(unit));
        return w;
}

static void unit_forget(Fixture *f, UnitWatch *w) {
        g_hash_table_remove(f->followed, w->unit);
        unit_watch_free(w);
}

static void journal_put(Fixture *f, uint64_t id, const char *invocation, const char *result, int32_t code,
                        int32_t status) {
        UnitJournalEnd *e = g_new0(UnitJournalEnd, 1);

        e->invocation_id = g_strdup(invocation);
        e->result = g_strdup(result);
        e->exec_main_code = code;
        e->exec_main_status = status;
        e->finished_at = T0 + 9000 + id;
        g_hash_table_insert(f->journal, sluice_unit_name_for_job(id), e);
}

/* ---- cases ---- */

/* A stored running job whose unit runs with the stored InvocationID: re-attached as itself. */
static void test_reattach_same_invocation(void) {
        Fixture f = {};
        g_autoptr(Job) rec = job_make(5, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 2, INV_A);
        UnitWatch *w;
        Job *j;

        fixture_init(&f);
        store_jobs(&f, (Job *[]) { job_make(5, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 2, INV_A), NULL });
        w = unit_found(&f, 5, INV_A, rec, true);
        recovery_unit_found(f.m, w);

        j = scheduler_get_job(f.m->scheduler, 5);
        g_assert_nonnull(j);
        g_assert_cmpint(j->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpstr(j->invocation_id, ==, INV_A);
        g_assert_cmpstr(j->unit, ==, "sluice-job-5.service");
        g_assert_cmpuint(j->attempt, ==, 2);
        g_assert_cmpuint(j->started_at, ==, T0 + 100 + 5);     /* the stored StartedAt, not the unit's */
        g_assert_cmpuint(w->job_id, ==, 5);
        g_assert_cmpuint(scheduler_next_id(f.m->scheduler), >, 5);
        g_assert_false(called(&f, "stop sluice-job-5.service"));

        /* Re-attached: nothing for the journal to end, and the restore leaves it running. */
        recovery_end_gone_jobs(f.m, &recovery_ops, &f);
        g_assert_cmpuint(f.journal_asked->len, ==, 0);
        g_assert_cmpint(recovery_restore_from_store(f.m), ==, 0);
        g_assert_cmpint(scheduler_get_job(f.m->scheduler, 5)->state, ==, JOB_STATE_RUNNING);
        unit_forget(&f, w);
        fixture_done(&f);
}

/*
 * A unit under the job's name with another InvocationID (a later run, not
 * the one stored): not re-attached as the job, stopped; the job is not
 * ended from that unit's journal either, and ends `lost`.
 */
static void test_other_invocation(void) {
        Fixture f = {};
        g_autoptr(Job) rec = job_make(6, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A);
        g_autoptr(Job) after = NULL;
        UnitWatch *w;

        fixture_init(&f);
        store_jobs(&f, (Job *[]) { job_make(6, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A), NULL });
        w = unit_found(&f, 6, INV_B, rec, true);
        journal_put(&f, 6, INV_B, "success", CLD_EXITED, 0);
        recovery_unit_found(f.m, w);

        g_assert_null(scheduler_get_job(f.m->scheduler, 6));
        g_assert_cmpuint(w->job_id, ==, 0);
        g_assert_true(called(&f, "stop sluice-job-6.service"));
        g_assert_cmpuint(scheduler_next_id(f.m->scheduler), >, 6);     /* the id stays taken */

        recovery_end_gone_jobs(f.m, &recovery_ops, &f);
        g_assert_null(scheduler_get_job(f.m->scheduler, 6));
        g_assert_cmpint(recovery_restore_from_store(f.m), ==, 0);
        after = stored(&f, 6);
        g_assert_cmpint(after->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(after->result, ==, JOB_RESULT_LOST);
        unit_forget(&f, w);
        fixture_done(&f);
}

/* The unit is gone and the journal has its end: the job ends with that result, through the core. */
static void test_gone_journal_end(void) {
        Fixture f = {};
        Job *j;

        fixture_init(&f);
        store_jobs(&f, (Job *[]) { job_make(7, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A), NULL });
        journal_put(&f, 7, INV_A, "exit-code", CLD_EXITED, 3);
        recovery_end_gone_jobs(f.m, &recovery_ops, &f);

        g_assert_cmpuint(f.journal_asked->len, ==, 1);
        g_assert_cmpstr(f.journal_asked->pdata[0], ==,
                        "sluice-job-7.service " INV_A " 1700000000000107");   /* by the stored invocation */
        j = scheduler_get_job(f.m->scheduler, 7);
        g_assert_nonnull(j);
        g_assert_cmpint(j->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(j->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(j->exit_status, ==, 3);
        g_assert_cmpuint(j->finished_at, ==, T0 + 9000 + 7);
        g_assert_nonnull(strstr(j->result_detail, "read from the journal"));

        g_assert_cmpint(recovery_restore_from_store(f.m), ==, 0);
        g_assert_cmpint(scheduler_get_job(f.m->scheduler, 7)->result, ==, JOB_RESULT_FAILED);
        fixture_done(&f);
}

/*
 * The unit is gone and the journal has nothing: `lost`; with a stop stored
 * before the restart: `cancelled` (also when the journal says it exited 0).
 */
static void test_gone_no_journal(void) {
        Fixture f = {};
        g_autoptr(Job) lost = NULL, cancelled = NULL;
        Job *j;

        fixture_init(&f);
        store_jobs(&f, (Job *[]) {
                job_make(8, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A),
                job_make(9, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A),
                job_make(10, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_B),
                NULL });
        store_stop(&f, 9);
        store_stop(&f, 10);
        journal_put(&f, 10, INV_B, "success", CLD_EXITED, 0);
        recovery_end_gone_jobs(f.m, &recovery_ops, &f);
        g_assert_cmpuint(f.journal_asked->len, ==, 3);
        g_assert_null(scheduler_get_job(f.m->scheduler, 8));
        g_assert_null(scheduler_get_job(f.m->scheduler, 9));
        j = scheduler_get_job(f.m->scheduler, 10);
        g_assert_nonnull(j);
        g_assert_cmpint(j->result, ==, JOB_RESULT_CANCELLED);

        g_assert_cmpint(recovery_restore_from_store(f.m), ==, 0);
        lost = stored(&f, 8);
        g_assert_cmpint(lost->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(lost->result, ==, JOB_RESULT_LOST);
        cancelled = stored(&f, 9);
        g_assert_cmpint(cancelled->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(cancelled->result, ==, JOB_RESULT_CANCELLED);
        g_assert_null(scheduler_get_job(f.m->scheduler, 8));
        fixture_done(&f);
}

/*
 * Strangers: a unit whose stored job had ended is stopped (it must not run
 * without a job); one with no stored job but its own record is adopted (a
 * replaced database); one with no record is followed without a job.
 */
static void test_strangers(void) {
        Fixture f = {};
        g_autoptr(Job) rec11 = job_make(11, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A);
        g_autoptr(Job) rec12 = job_make(12, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A);
        UnitWatch *ended_job, *no_job, *no_record;
        Job *j;

        fixture_init(&f);
        store_jobs(&f, (Job *[]) { job_make(11, JOB_KIND_COMMAND, JOB_STATE_DONE, 1, INV_A), NULL });

        ended_job = unit_found(&f, 11, INV_A, rec11, true);
        recovery_unit_found(f.m, ended_job);
        g_assert_true(called(&f, "stop sluice-job-11.service"));
        g_assert_cmpuint(ended_job->job_id, ==, 0);
        g_assert_null(scheduler_get_job(f.m->scheduler, 11));

        no_job = unit_found(&f, 12, INV_A, rec12, true);
        recovery_unit_found(f.m, no_job);
        g_assert_false(called(&f, "stop sluice-job-12.service"));
        j = scheduler_get_job(f.m->scheduler, 12);
        g_assert_nonnull(j);
        g_assert_cmpint(j->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpstr(j->invocation_id, ==, INV_A);
        g_assert_cmpuint(j->started_at, ==, T0 + 5000 + 12);  /* no stored start: the unit's */

        no_record = unit_found(&f, 13, INV_B, NULL, true);
        recovery_unit_found(f.m, no_record);
        g_assert_false(called(&f, "stop sluice-job-13.service"));
        g_assert_cmpuint(no_record->job_id, ==, 0);
        g_assert_null(scheduler_get_job(f.m->scheduler, 13));
        g_assert_cmpuint(scheduler_next_id(f.m->scheduler), >, 13);

        unit_forget(&f, ended_job);
        unit_forget(&f, no_record);
        /* no_job's job is the scheduler's: the watch goes with the fixture's followed set */
        unit_forget(&f, no_job);
        fixture_done(&f);
}

/*
 * A stop stored before the restart (its Cancel() answered): the unit still
 * runs, so the stop is sent again and the job is being cancelled; a unit
 * that ended meanwhile is not stopped again, its job still ends cancelled.
 */
static void test_stored_stop_resent(void) {
        Fixture f = {};
        g_autoptr(Job) rec14 = job_make(14, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A);
        g_autoptr(Job) rec15 = job_make(15, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_B);
        UnitWatch *running, *ended;

        fixture_init(&f);
        store_jobs(&f, (Job *[]) {
                job_make(14, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A),
                job_make(15, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_B),
                job_make(16, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A),
                NULL });
        store_stop(&f, 14);
        store_stop(&f, 15);

        running = unit_found(&f, 14, INV_A, rec14, true);
        recovery_unit_found(f.m, running);
        g_assert_nonnull(scheduler_get_job(f.m->scheduler, 14));
        g_assert_true(called(&f, "stop sluice-job-14.service"));
        g_assert_cmpint(running->stop, ==, UNIT_WATCH_STOP_STORED);
        g_assert_true(called(&f, "sched-stop 14"));            /* scheduler_cancel() of the job */

        ended = unit_found(&f, 15, INV_B, rec15, false);
        recovery_unit_found(f.m, ended);
        g_assert_nonnull(scheduler_get_job(f.m->scheduler, 15));
        g_assert_false(called(&f, "stop sluice-job-15.service"));
        g_assert_cmpint(ended->stop, ==, UNIT_WATCH_STOP_STORED);
        g_assert_true(called(&f, "sched-stop 15"));

        /* No stop stored for 16: re-attached, not stopped. */
        {
                g_autoptr(Job) rec16 = job_make(16, JOB_KIND_COMMAND, JOB_STATE_RUNNING, 1, INV_A);
                UnitWatch *plain = unit_found(&f, 16, INV_A, rec16, true);

                recovery_unit_found(f.m, plain);
                g_assert_false(called(&f, "stop sluice-job-16.service"));
                g_assert_false(called(&f, "sched-stop 16"));
                g_assert_cmpint(plain->stop, ==, UNIT_WATCH_STOP_NONE);
                unit_forget(&f, plain);
        }
        unit_forget(&f, running);
        unit_forget(&f, ended);
        fixture_done(&f);
}

/*
 * Leases: a detached one keeps its TTL's wall-clock end; one whose TTL ran
 * out while sluiced was down ends abandoned; a connection-bound one whose
 * holder is not there ends abandoned; a queued command job comes back
 * queued, in order, with the stored next id.
 */
static void test_leases_restored(void) {
        Fixture f = {};
        g_autoptr(GError) error = NULL;
        g_autoptr(Job) expired_after = NULL, bound_after = NULL;
        usec_t now;
        Job *detached, *expired, *bound, *queued, *j;

        fixture_init(&f);
        now = manager_now(f.m);
        detached = job_make(20, JOB_KIND_LEASE, JOB_STATE_RUNNING, 1, NULL);
        detached->ttl_usec = 60 * USEC_PER_SEC;
        detached->lease_expires_at = now + 30 * USEC_PER_SEC;
        expired = job_make(21, JOB_KIND_LEASE, JOB_STATE_RUNNING, 1, NULL);
        expired->ttl_usec = 60 * USEC_PER_SEC;
        expired->lease_expires_at = now - USEC_PER_SEC;
        bound = job_make(22, JOB_KIND_LEASE, JOB_STATE_RUNNING, 1, NULL);
        bound->submitter = NULL;        /* no unique name to ask the bus about: gone */
        queued = job_make(23, JOB_KIND_COMMAND, JOB_STATE_QUEUED, 0, NULL);
        store_jobs(&f, (Job *[]) { detached, expired, bound, queued, NULL });
        g_assert_true(store_begin(f.m->store, &error));
        g_assert_true(store_put_next_id(f.m->store, 30, &error));
        g_assert_true(store_commit(f.m->store, &error));

        g_assert_cmpint(recovery_restore_from_store(f.m), ==, 0);
        g_assert_true(f.m->store_restored);
        j = scheduler_get_job(f.m->scheduler, 20);
        g_assert_nonnull(j);
        g_assert_cmpint(j->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(j->ttl_usec, ==, 60 * USEC_PER_SEC);
        g_assert_cmpuint(j->lease_expires_at, ==, now + 30 * USEC_PER_SEC);
        g_assert_cmpuint(j->started_at, ==, T0 + 100 + 20);

        g_assert_null(scheduler_get_job(f.m->scheduler, 21));
        expired_after = stored(&f, 21);
        g_assert_cmpint(expired_after->state, ==, JOB_STATE_DONE);
        g_assert_cmpint(expired_after->result, ==, JOB_RESULT_ABANDONED);
        g_assert_null(scheduler_get_job(f.m->scheduler, 22));
        bound_after = stored(&f, 22);
        g_assert_cmpint(bound_after->result, ==, JOB_RESULT_ABANDONED);

        j = scheduler_get_job(f.m->scheduler, 23);
        g_assert_nonnull(j);
        g_assert_cmpint(j->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpuint(scheduler_next_id(f.m->scheduler), ==, 30);
        fixture_done(&f);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/recovery/reattach-same-invocation", test_reattach_same_invocation);
        g_test_add_func("/recovery/other-invocation", test_other_invocation);
        g_test_add_func("/recovery/gone-journal-end", test_gone_journal_end);
        g_test_add_func("/recovery/gone-no-journal", test_gone_no_journal);
        g_test_add_func("/recovery/strangers", test_strangers);
        g_test_add_func("/recovery/stored-stop-resent", test_stored_stop_resent);
        g_test_add_func("/recovery/leases-restored", test_leases_restored);
        return g_test_run();
}

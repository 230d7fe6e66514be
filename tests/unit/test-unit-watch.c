/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unit watch (src/daemon/unit-watch.c) against a fake PID 1 with no bus:
 * the test plays PID 1's replies and signals (already parsed, as the
 * executor hands them over) and records what the watch asks for through its
 * ops (the fake's only job: a mock for the effects, no fault injection).
 * Every transition of the table in unit-watch.c is driven, including the
 * ones the crash and units system scenarios rely on: a start's reply lost,
 * a stop while starting, the unit's end seen before the start's reply, PID 1
 * gone and back.
 */
#include <signal.h>
#include <sys/wait.h>

#include "unit-watch.h"

#define UNIT "sluice-job-7.service"
#define START_JOB "/org/freedesktop/systemd1/job/100"
#define STOP_JOB "/org/freedesktop/systemd1/job/101"
#define OTHER_JOB "/org/freedesktop/systemd1/job/555"
#define INVOCATION "0123456789abcdef0123456789abcdef"

typedef struct Fake {
        GPtrArray *calls;               /* what the watch asked for, in order ("start", "read", ...) */
        bool has_job;                   /* the job is there and running */
        bool pid1_away;                 /* send_check fails as the executor's does while PID 1 is away */
        int send_start_error;
        bool ended;
        JobResult result;
        int32_t status;
        char *detail;
        bool unref;
        unsigned invocations;
        unsigned found_reads;
        Logger log;
} Fake;

static Fake *fake_of(UnitWatch *w) {
        return w->userdata;
}

static void record(UnitWatch *w, const char *what) {
        g_ptr_array_add(fake_of(w)->calls, g_strdup(what));
}

static int fake_send_start(UnitWatch *w) {
        if (fake_of(w)->send_start_error < 0)
                return fake_of(w)->send_start_error;
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
        if (fake_of(w)->pid1_away)
                return -EHOSTDOWN;
        record(w, "check");
        return 0;
}

static bool fake_has_job(UnitWatch *w) {
        return fake_of(w)->has_job;
}

static void fake_job_log(UnitWatch *w, int priority, const char *text) {
}

static void fake_invocation(UnitWatch *w) {
        fake_of(w)->invocations++;
}

static void fake_found_read(UnitWatch *w) {
        fake_of(w)->found_reads++;
}

static void fake_ended(UnitWatch *w, JobResult result, int32_t status, const char *detail, bool unref) {
        Fake *f = fake_of(w);

        g_assert_false(f->ended);
        g_assert_cmpint(w->state, ==, UNIT_WATCH_ENDED);
        f->ended = true;
        f->result = result;
        f->status = status;
        f->detail = g_strdup(detail);
        f->unref = unref;
        record(w, "ended");
        unit_watch_free(w);
}

static void fake_forget(UnitWatch *w) {
        record(w, "forget");
        unit_watch_free(w);
}

static const UnitWatchOps fake_ops = {
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

static Fake *fake_new(void) {
        Fake *f = g_new0(Fake, 1);

        f->calls = g_ptr_array_new_with_free_func(g_free);
        f->has_job = true;
        logger_init(&f->log);
        f->log.max_priority = LOG_ERR;  /* quiet */
        return f;
}

static void fake_free(Fake *f) {
        g_ptr_array_unref(f->calls);
        g_free(f->detail);
        g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fake, fake_free)

static UnitWatch *watch_for(Fake *f) {
        return unit_watch_new(UNIT, 7, &fake_ops, f, &f->log);
}

/* The calls asked for since the last check, as "a b c"; then forget them. */
static char *take_calls(Fake *f) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (guint i = 0; i < f->calls->len; i++)
                g_string_append_printf(s, "%s%s", i ? " " : "", (const char *) f->calls->pdata[i]);
        g_ptr_array_set_size(f->calls, 0);
        return g_string_free(g_steal_pointer(&s), false);
}

#define assert_calls(f, expected)                                       \
        do {                                                            \
                g_autofree char *_c = take_calls(f);                    \
                g_assert_cmpstr(_c, ==, (expected));                    \
        } while (0)

#define assert_state(w, s) g_assert_cmpstr(unit_watch_state_to_string((w)->state), ==, unit_watch_state_to_string(s))

/* ---- what PID 1 says, parsed ---- */

static UnitChanges unit_state(const char *active, uint32_t job_id, const char *job_path) {
        UnitChanges c = {};

        c.active_state = g_strdup(active);
        c.has_job = true;
        c.job_id = job_id;
        c.job_path = g_strdup(job_id ? job_path : "/");
        c.has_invocation_id = true;
        c.invocation_id = g_strdup(INVOCATION);
        return c;
}

static UnitChanges service_state(const char *result, int32_t code, int32_t status) {
        UnitChanges c = {};

        c.has_result = true;
        c.result = g_strdup(result);
        c.has_exec_main_code = c.has_exec_main_status = true;
        c.exec_main_code = code;
        c.exec_main_status = status;
        return c;
}

/* A read: the Unit GetAll, then the Service one. */
static bool answer_read(UnitWatch *w, const char *active, const char *result, int32_t code, int32_t status) {
        g_auto(UnitChanges) u = unit_state(active, 0, NULL);
        g_auto(UnitChanges) s = service_state(result, code, status);

        unit_watch_unit_read(w, UNIT_REPLY_OK, &u);
        return unit_watch_service_read(w, UNIT_REPLY_OK, &s, NULL);
}

/* One change as PID 1 sends it: the Service emission, then the Unit one. */
static bool emit_pair(UnitWatch *w, const char *active, uint32_t job_id, const char *job_path, const char *result,
                      int32_t code, int32_t status) {
        g_auto(UnitChanges) s = service_state(result, code, status);
        g_auto(UnitChanges) u = unit_state(active, job_id, job_path);

        unit_watch_service_changed(w, &s);
        return unit_watch_unit_changed(w, &u);
}

/* new → STARTING → ACTIVE, the start job done, the unit running: PID 1's
 * emissions as seen in the container (docs/design.md, "What PID 1 emits
 * for a transient service"), no read. */
static UnitWatch *run_to_active(Fake *f) {
        UnitWatch *w = watch_for(f);

        assert_state(w, UNIT_WATCH_UNSENT);
        g_assert_cmpint(unit_watch_start(w), ==, 0);
        assert_state(w, UNIT_WATCH_STARTING);
        assert_calls(f, "start");
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        assert_state(w, UNIT_WATCH_ACTIVE);
        g_assert_true(w->ref_held);
        g_assert_true(emit_pair(w, "inactive", 100, START_JOB, "success", 0, 0));     /* waiting to start */
        g_assert_true(emit_pair(w, "activating", 100, START_JOB, "success", 0, 0));
        g_assert_true(emit_pair(w, "active", 100, START_JOB, "success", 0, 0));
        g_assert_true(unit_watch_job_removed(w, START_JOB, "done"));
        g_assert_true(emit_pair(w, "active", 0, NULL, "success", 0, 0));
        assert_state(w, UNIT_WATCH_ACTIVE);
        assert_calls(f, "");            /* nothing read: the signals said it all */
        g_assert_true(w->start_job_removed);
        g_assert_false(f->ended);
        return w;
}

/* ---- the tests ---- */

/* The end from the signals alone (Service values, then the Unit's inactive): no read. */
static void test_end_from_signals(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) s = service_state("exit-code", CLD_EXITED, 3);
        g_auto(UnitChanges) u = unit_state("failed", 0, NULL);

        unit_watch_service_changed(w, &s);
        g_assert_false(unit_watch_unit_changed(w, &u));
        assert_calls(f, "ended");
        g_assert_cmpint(f->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(f->status, ==, 3);
        g_assert_cmpstr(f->detail, ==, "exit status 3");
        g_assert_true(f->unref);
}

/* Inactive without fresh Service values: read first (ACTIVE → READING), then end. */
static void test_end_after_read(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);

        g_assert_true(unit_watch_unit_changed(w, &u));
        assert_state(w, UNIT_WATCH_READING);
        assert_calls(f, "read");
        g_assert_false(answer_read(w, "inactive", "success", CLD_EXITED, 0));
        assert_calls(f, "ended");
        g_assert_cmpint(f->result, ==, JOB_RESULT_SUCCESS);
        g_assert_cmpint(f->status, ==, 0);
}

/* A signal while a read is in flight asks for no second read. */
static void test_no_read_while_reading(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);

        g_assert_true(unit_watch_unit_changed(w, &u));
        assert_calls(f, "read");
        g_assert_true(unit_watch_job_removed(w, OTHER_JOB, "done"));
        g_assert_true(unit_watch_unit_changed(w, &u));
        assert_state(w, UNIT_WATCH_READING);
        assert_calls(f, "");
        /* Someone else's job ran on the unit: an external stop. */
        g_assert_false(answer_read(w, "inactive", "success", CLD_EXITED, 0));
        g_assert_cmpint(f->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(f->detail, ==, "stopped externally, not through sluice");
}

/* STARTING, the reply lost (NoReply): CHECKING_START; the unit is there: READING, held. */
static void test_start_reply_lost_unit_there(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        assert_calls(f, "start");
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_TRANSIENT, NULL, "no reply"));
        assert_state(w, UNIT_WATCH_CHECKING_START);
        assert_calls(f, "check");
        g_assert_false(w->ref_held);
        g_assert_true(unit_watch_check_replied(w, UNIT_REPLY_OK, NULL));
        assert_state(w, UNIT_WATCH_READING);
        g_assert_true(w->ref_held);
        assert_calls(f, "read");
        g_assert_false(answer_read(w, "inactive", "exit-code", CLD_EXITED, 1));
        g_assert_cmpint(f->result, ==, JOB_RESULT_FAILED);
        g_assert_true(f->unref);
}

/* STARTING, the reply lost, and PID 1 does not know the unit: the start goes out again. */
static void test_start_reply_lost_unit_absent(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_TRANSIENT, NULL, "no reply"));
        g_assert_true(unit_watch_check_replied(w, UNIT_REPLY_NO_UNIT, "not loaded"));
        assert_state(w, UNIT_WATCH_STARTING);
        assert_calls(f, "start check start");
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        assert_state(w, UNIT_WATCH_ACTIVE);
        unit_watch_free(w);
}

/* The check's own answer lost: back to STARTING, the next return of PID 1 checks again. */
static void test_check_reply_lost(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_TRANSIENT, NULL, "no reply"));
        g_assert_true(unit_watch_check_replied(w, UNIT_REPLY_TRANSIENT, "no reply"));
        assert_state(w, UNIT_WATCH_STARTING);
        g_assert_true(unit_watch_pid1_back(w));
        assert_state(w, UNIT_WATCH_CHECKING_START);
        assert_calls(f, "start check check");
        unit_watch_free(w);
}

/* A start refused by PID 1: failed, nothing to unref. */
static void test_start_refused(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_false(unit_watch_start_replied(w, UNIT_REPLY_ERROR, NULL, "Unit already exists."));
        g_assert_cmpint(f->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpstr(f->detail, ==, "systemd refused to start " UNIT ": Unit already exists.");
        g_assert_false(f->unref);
}

/* Stop while starting: StopUnit follows the start (FIFO), the end is a cancel. */
static void test_stop_while_starting(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);
        g_auto(UnitChanges) stopping = unit_state("deactivating", 101, STOP_JOB);
        g_auto(UnitChanges) s = service_state("success", CLD_KILLED, SIGTERM);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_cmpint(unit_watch_stop(w, UNIT_WATCH_STOP_SLUICE, true), ==, 0);
        assert_state(w, UNIT_WATCH_STARTING);
        assert_calls(f, "start stop");
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        g_assert_true(unit_watch_stop_replied(w, UNIT_REPLY_OK, STOP_JOB, NULL));
        g_assert_cmpstr(w->stop_job, ==, STOP_JOB);
        g_assert_true(unit_watch_unit_changed(w, &stopping));
        g_assert_false(w->external_stop);      /* our own stop job */
        unit_watch_service_changed(w, &s);
        g_assert_false(unit_watch_unit_changed(w, &u));
        g_assert_cmpint(f->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(f->detail, ==, "cancelled through sluice");
        g_assert_cmpint(f->status, ==, SIGTERM);
}

/* A start held until the commit, its job cancelled meanwhile: dropped, cancelled, no unit. */
static void test_start_dropped(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_false(unit_watch_start_dropped(w));
        g_assert_cmpint(f->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(f->detail, ==, "cancelled before its unit started");
        g_assert_false(f->unref);
}

/* The unit's end (signals, start job's JobRemoved) arrives before the start's reply. */
static void test_end_before_start_reply(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);
        g_auto(UnitChanges) s = service_state("success", CLD_EXITED, 0);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        assert_calls(f, "start");
        unit_watch_service_changed(w, &s);
        g_assert_true(unit_watch_unit_changed(w, &u));
        g_assert_true(unit_watch_job_removed(w, START_JOB, "done"));
        /* Nothing ends, nothing is read before PID 1 confirmed the start. */
        assert_state(w, UNIT_WATCH_STARTING);
        assert_calls(f, "");
        g_assert_true(w->start_job_removed);
        /* The Service values came with the Unit's emission: the end, no read. */
        g_assert_false(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        assert_calls(f, "ended");
        g_assert_cmpint(f->result, ==, JOB_RESULT_SUCCESS);
        g_assert_true(f->unref);
}

/* The same, but the Unit's emission came without a Service one before it: read first. */
static void test_end_before_start_reply_stale(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);
        g_auto(UnitChanges) s = service_state("success", CLD_EXITED, 0);
        g_auto(UnitChanges) running = unit_state("active", 0, NULL);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        assert_calls(f, "start");
        unit_watch_service_changed(w, &s);
        g_assert_true(unit_watch_unit_changed(w, &running));
        g_assert_true(unit_watch_unit_changed(w, &u));
        g_assert_true(unit_watch_job_removed(w, START_JOB, "done"));
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        assert_state(w, UNIT_WATCH_READING);
        assert_calls(f, "read");
        g_assert_false(answer_read(w, "inactive", "exit-code", CLD_EXITED, 2));
        g_assert_cmpint(f->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(f->status, ==, 2);
}

/* Type=exec, the binary cannot be executed: the pair says failed (the start job
 * still pending), JobRemoved "failed" ends the watch at once with that pair's values. */
static void test_end_at_job_removed(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        g_assert_true(emit_pair(w, "activating", 100, START_JOB, "success", 0, 0));
        g_assert_true(emit_pair(w, "failed", 100, START_JOB, "exit-code", CLD_EXITED, 203));
        assert_state(w, UNIT_WATCH_ACTIVE);     /* its start job is still pending */
        g_assert_false(unit_watch_job_removed(w, START_JOB, "failed"));
        assert_calls(f, "start ended");
        g_assert_cmpint(f->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(f->status, ==, 203);
        g_assert_cmpstr(f->detail, ==, "exit status 203");
}

/* JobRemoved while the unit still runs ends nothing and reads nothing. */
static void test_job_removed_running(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        g_assert_true(emit_pair(w, "active", 100, START_JOB, "success", 0, 0));
        g_assert_true(unit_watch_job_removed(w, START_JOB, "done"));
        assert_state(w, UNIT_WATCH_ACTIVE);
        assert_calls(f, "start");
        g_assert_cmpuint(w->pending_job_id, ==, 0);
        g_assert_true(emit_pair(w, "active", 0, NULL, "success", 0, 0));
        g_assert_false(emit_pair(w, "inactive", 0, NULL, "success", CLD_EXITED, 0));
        assert_calls(f, "ended");
        g_assert_cmpint(f->result, ==, JOB_RESULT_SUCCESS);
}

/* A Service emission without ExecMainStatus does not say how the unit ended: read (the fallback). */
static void test_end_read_service_incomplete(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) s = service_state("exit-code", CLD_EXITED, 9);
        g_auto(UnitChanges) u = unit_state("failed", 0, NULL);

        s.has_exec_main_status = false;
        unit_watch_service_changed(w, &s);
        g_assert_true(unit_watch_unit_changed(w, &u));
        assert_state(w, UNIT_WATCH_READING);
        assert_calls(f, "read");
        g_assert_false(answer_read(w, "failed", "exit-code", CLD_EXITED, 4));
        g_assert_cmpint(f->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(f->status, ==, 4);
}

/* A Unit emission without ActiveState (or Job) does not say where the unit stands: read. */
static void test_read_unit_incomplete(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);
        g_auto(UnitChanges) s = service_state("success", CLD_EXITED, 0);

        g_clear_pointer(&u.active_state, g_free);
        unit_watch_service_changed(w, &s);
        g_assert_true(unit_watch_unit_changed(w, &u));
        assert_state(w, UNIT_WATCH_READING);
        assert_calls(f, "read");
        g_assert_false(answer_read(w, "inactive", "success", CLD_EXITED, 0));
        g_assert_cmpint(f->result, ==, JOB_RESULT_SUCCESS);
}

/* Inactive before the start job ran (and no invocation yet) is a unit waiting to start. */
static void test_inactive_before_start_job(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);
        UnitChanges u = { .active_state = g_strdup("inactive"), .has_job = true, .job_id = 0,
                          .job_path = g_strdup("/") };

        g_assert_cmpint(unit_watch_start(w), ==, 0);
        g_assert_true(unit_watch_start_replied(w, UNIT_REPLY_OK, START_JOB, NULL));
        g_assert_true(unit_watch_unit_changed(w, &u));
        assert_state(w, UNIT_WATCH_ACTIVE);
        assert_calls(f, "start");
        unit_changes_clear(&u);
        unit_watch_free(w);
}

/* PID 1 gone and back, the unit still there: CHECKING → READING → followed to its true end. */
static void test_pid1_back_unit_there(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) s = service_state("exit-code", CLD_EXITED, 3);
        g_auto(UnitChanges) u = unit_state("failed", 0, NULL);

        g_assert_true(unit_watch_pid1_back(w));
        assert_state(w, UNIT_WATCH_CHECKING);
        assert_calls(f, "check");
        g_assert_true(unit_watch_check_replied(w, UNIT_REPLY_OK, NULL));
        assert_state(w, UNIT_WATCH_READING);
        assert_calls(f, "read");
        g_assert_true(answer_read(w, "active", "success", 0, 0));
        unit_watch_service_changed(w, &s);
        g_assert_false(unit_watch_unit_changed(w, &u));
        g_assert_cmpint(f->result, ==, JOB_RESULT_FAILED);
        g_assert_cmpint(f->status, ==, 3);
}

/* PID 1 back without the unit: lost (never hangs); cancelled when sluice had asked for a stop. */
static void test_pid1_back_unit_gone(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);

        g_assert_true(unit_watch_pid1_back(w));
        g_assert_false(unit_watch_check_replied(w, UNIT_REPLY_NO_UNIT, "not loaded"));
        g_assert_cmpint(f->result, ==, JOB_RESULT_LOST);
        g_assert_cmpstr(f->detail, ==, "the unit vanished from systemd");
        g_assert_false(f->unref);      /* nothing left to unref */
}

static void test_pid1_back_unit_gone_stopped(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);

        g_assert_cmpint(unit_watch_stop(w, UNIT_WATCH_STOP_STORED, false), ==, 0);
        assert_calls(f, "");
        g_assert_true(unit_watch_pid1_back(w));
        g_assert_false(unit_watch_check_replied(w, UNIT_REPLY_NO_UNIT, "not loaded"));
        g_assert_cmpint(f->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(f->detail, ==,
                        "cancelled through sluice (the stop was requested before sluiced restarted)");
}

/* Started while PID 1 was away (UNSENT): its return sends the start; a cancelled job ends; a gone one is forgotten. */
static void test_unsent(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        g_assert_cmpint(unit_watch_stop(w, UNIT_WATCH_STOP_SLUICE, true), ==, 0);
        assert_calls(f, "");           /* no unit to stop yet */
        g_assert_false(unit_watch_pid1_back(w));
        g_assert_cmpint(f->result, ==, JOB_RESULT_CANCELLED);
        assert_calls(f, "ended");

        f->ended = false;
        w = watch_for(f);
        g_assert_true(unit_watch_pid1_back(w));
        assert_state(w, UNIT_WATCH_STARTING);
        assert_calls(f, "start");
        unit_watch_free(w);

        w = watch_for(f);
        f->has_job = false;
        g_assert_false(unit_watch_pid1_back(w));
        assert_calls(f, "forget");
        g_assert_false(f->ended);
}

/* A read's answer lost while PID 1 is away: ACTIVE with nothing in flight, checked once it is back. */
static void test_read_lost_pid1_away(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) none = {};
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);

        g_assert_true(unit_watch_unit_changed(w, &u));  /* no Service emission before it: read */
        assert_calls(f, "read");
        f->pid1_away = true;
        unit_watch_unit_read(w, UNIT_REPLY_TRANSIENT, &none);
        g_assert_true(unit_watch_service_read(w, UNIT_REPLY_TRANSIENT, &none, "disconnected"));
        assert_state(w, UNIT_WATCH_ACTIVE);
        assert_calls(f, "");
        f->pid1_away = false;
        g_assert_true(unit_watch_pid1_back(w));
        assert_state(w, UNIT_WATCH_CHECKING);
        assert_calls(f, "check");
        /* A late answer of the old read changes facts, not the state. */
        g_assert_true(answer_read(w, "active", "success", 0, 0));
        assert_state(w, UNIT_WATCH_CHECKING);
        unit_watch_free(w);
}

/* The unit vanishes between a signal and the read: lost, never success from values read while it ran. */
static void test_vanishes_during_read(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);
        g_auto(UnitChanges) none = {};

        g_assert_true(unit_watch_unit_changed(w, &u));
        assert_calls(f, "read");
        unit_watch_unit_read(w, UNIT_REPLY_NO_UNIT, &none);
        g_assert_true(w->gone);
        g_assert_false(unit_watch_service_read(w, UNIT_REPLY_NO_UNIT, &none, "Unknown object"));
        g_assert_cmpint(f->result, ==, JOB_RESULT_LOST);
}

/* A StopUnit refused (the unit already gone): the unit's own state decides (a read). */
static void test_stop_refused(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = run_to_active(f);

        g_assert_cmpint(unit_watch_stop(w, UNIT_WATCH_STOP_SLUICE, true), ==, 0);
        assert_calls(f, "stop");
        g_assert_true(unit_watch_stop_replied(w, UNIT_REPLY_NO_UNIT, NULL, "not loaded"));
        assert_state(w, UNIT_WATCH_READING);
        assert_calls(f, "read");
        g_assert_false(answer_read(w, "inactive", "success", CLD_KILLED, SIGTERM));
        g_assert_cmpint(f->result, ==, JOB_RESULT_CANCELLED);
        g_assert_cmpstr(f->detail, ==, "cancelled through sluice");
}

/* Found at start-up: read, and nothing ends it before the recovery rebuilt its job (found_read). */
static void test_found(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);
        g_auto(UnitChanges) u = unit_state("inactive", 0, NULL);
        g_auto(UnitChanges) s = service_state("success", CLD_EXITED, 0);

        unit_watch_found(w, 0, "", "/");
        assert_state(w, UNIT_WATCH_READING);
        g_assert_true(w->adopting);
        assert_calls(f, "read");
        g_assert_true(unit_watch_unit_changed(w, &u));
        unit_watch_service_changed(w, &s);
        g_assert_cmpuint(f->found_reads, ==, 0);
        g_assert_false(answer_read(w, "inactive", "success", CLD_EXITED, 0));
        g_assert_cmpuint(f->found_reads, ==, 1);
        g_assert_cmpint(f->result, ==, JOB_RESULT_SUCCESS);
}

/* Found while its start job is pending: the start job is the one to wait for. */
static void test_found_starting(void) {
        g_autoptr(Fake) f = fake_new();
        UnitWatch *w = watch_for(f);

        unit_watch_found(w, 100, "start", START_JOB);
        g_assert_false(w->start_job_removed);
        g_assert_cmpstr(w->start_job, ==, START_JOB);
        g_assert_true(answer_read(w, "activating", "success", 0, 0));
        g_assert_cmpuint(f->found_reads, ==, 1);
        g_assert_true(unit_watch_job_removed(w, START_JOB, "done"));
        g_assert_cmpstr(w->start_job_result, ==, "done");
        g_assert_false(w->external_stop);
        unit_watch_free(w);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/unit-watch/end-from-signals", test_end_from_signals);
        g_test_add_func("/unit-watch/end-after-read", test_end_after_read);
        g_test_add_func("/unit-watch/no-read-while-reading", test_no_read_while_reading);
        g_test_add_func("/unit-watch/start-reply-lost/unit-there", test_start_reply_lost_unit_there);
        g_test_add_func("/unit-watch/start-reply-lost/unit-absent", test_start_reply_lost_unit_absent);
        g_test_add_func("/unit-watch/check-reply-lost", test_check_reply_lost);
        g_test_add_func("/unit-watch/start-refused", test_start_refused);
        g_test_add_func("/unit-watch/stop-while-starting", test_stop_while_starting);
        g_test_add_func("/unit-watch/start-dropped", test_start_dropped);
        g_test_add_func("/unit-watch/end-before-start-reply", test_end_before_start_reply);
        g_test_add_func("/unit-watch/end-before-start-reply/stale", test_end_before_start_reply_stale);
        g_test_add_func("/unit-watch/end-at-job-removed", test_end_at_job_removed);
        g_test_add_func("/unit-watch/job-removed-running", test_job_removed_running);
        g_test_add_func("/unit-watch/end-read/service-incomplete", test_end_read_service_incomplete);
        g_test_add_func("/unit-watch/read/unit-incomplete", test_read_unit_incomplete);
        g_test_add_func("/unit-watch/inactive-before-start-job", test_inactive_before_start_job);
        g_test_add_func("/unit-watch/pid1-back/unit-there", test_pid1_back_unit_there);
        g_test_add_func("/unit-watch/pid1-back/unit-gone", test_pid1_back_unit_gone);
        g_test_add_func("/unit-watch/pid1-back/unit-gone-stopped", test_pid1_back_unit_gone_stopped);
        g_test_add_func("/unit-watch/unsent", test_unsent);
        g_test_add_func("/unit-watch/read-lost-pid1-away", test_read_lost_pid1_away);
        g_test_add_func("/unit-watch/vanishes-during-read", test_vanishes_during_read);
        g_test_add_func("/unit-watch/stop-refused", test_stop_refused);
        g_test_add_func("/unit-watch/found", test_found);
        g_test_add_func("/unit-watch/found-starting", test_found_starting);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unit watch: one transient unit sluiced follows, as a state machine.
 *
 * States (UnitWatchState) and transitions, one function each:
 *
 *   state           input (function)                           → next state, effect
 *   --------------  -----------------------------------------  ---------------------------------------------
 *   (new)           unit_watch_start(), PID 1 there            → STARTING: send_start
 *   (new)           unit_watch_start(), PID 1 away             → UNSENT (the check once it is back starts it)
 *   (new)           unit_watch_found() (re-attach at start-up) → READING: send_read; adopting until read
 *   UNSENT          unit_watch_pid1_back()                     → STARTING: send_start; or ENDED cancelled
 *                                                                (stop asked), or forgotten (job gone)
 *   STARTING        start_replied OK                           → ACTIVE, evaluate
 *   STARTING        start_replied ERROR                        → ENDED failed ("systemd refused to start")
 *   STARTING        start_replied TRANSIENT (answer lost)      → CHECKING_START: send_check
 *   STARTING        start_dropped (cancelled while held)       → ENDED cancelled ("before its unit started")
 *   STARTING        unit_watch_pid1_back()                     → CHECKING_START: send_check
 *   CHECKING_START  check_replied OK (the start arrived)       → READING: send_read
 *   CHECKING_START  check_replied NO_UNIT                      → STARTING: send_start again; or ENDED
 *                                                                cancelled (stop asked), or forgotten (job gone)
 *   CHECKING_START  check_replied TRANSIENT / ERROR            → STARTING (the next pid1_back checks again)
 *   ACTIVE          job_removed                                → evaluate (the job is no longer pending: ENDED
 *                                                                when the state held says the unit ended; else
 *                                                                nothing, the Unit emission that follows tells)
 *   ACTIVE          unit_changed (inactive/failed, no job)     → ENDED with the unit's result (evaluate)
 *   ACTIVE          unit_changed without ActiveState or Job,   → READING: send_read (the fallback: the signals
 *                   stop_replied NO_UNIT/ERROR, evaluate with    do not say where the unit stands or how it
 *                   stale Service values                         ended)
 *   ACTIVE          unit_watch_pid1_back()                     → CHECKING: send_check
 *   READING         service_read OK                            → ACTIVE (found_read while adopting), evaluate
 *   READING         service_read NO_UNIT / ERROR               → ACTIVE, gone: evaluate → ENDED lost/cancelled
 *   READING         service_read TRANSIENT                     → CHECKING: send_check (ACTIVE if PID 1 away)
 *   READING         unit_watch_pid1_back()                     → CHECKING: send_check
 *   CHECKING        check_replied OK                           → READING: send_read
 *   CHECKING        check_replied NO_UNIT                      → ACTIVE, gone: evaluate → ENDED lost/cancelled
 *   CHECKING        check_replied TRANSIENT / ERROR            → ACTIVE (a signal or the next pid1_back reads)
 *   any but ENDED   unit_watch_stop()                          → same state; send_stop once the start went out
 *   any             stop_replied TRANSIENT                     → as a lost answer: CHECKING / CHECKING_START
 *
 * evaluate (ACTIVE only, not while adopting): gone → ENDED (cancelled when a
 * stop was asked, else lost); inactive/failed with no pending job, after the
 * start job ran (or with an invocation) → ENDED with the Service values when
 * they are fresh, else READING first.  ENDED is final: ops->ended() drops
 * and frees the watch.
 *
 * Fresh Service values (issue 13): PID 1 sends every change of a service
 * unit as a pair of PropertiesChanged, the Service interface's first, then
 * the Unit's, each with all its properties (docs/design.md, "What PID 1
 * emits for a transient service").  The Service values of a complete
 * Service emission (Result, ExecMainCode, ExecMainStatus) are those of the
 * Unit emission that follows; they stay fresh until a Unit emission comes
 * without a Service one before it.  So the end is read from the signals; a
 * GetAll (READING) is the fallback where they do not carry all of it.
 *
 * Facts learnt from PID 1 (start_job_removed, external_stop, gone,
 * service_fresh, the unit's properties) are fields, not states: they hold
 * whatever the state, and the end's classification (unit_outcome_classify())
 * reads them.
 */
#include <string.h>

#include "i18n.h"
#include "unit-watch.h"

static const char *const state_names[_UNIT_WATCH_STATE_MAX] = {
        [UNIT_WATCH_UNSENT] = "unsent",
        [UNIT_WATCH_STARTING] = "starting",
        [UNIT_WATCH_CHECKING_START] = "checking-start",
        [UNIT_WATCH_ACTIVE] = "active",
        [UNIT_WATCH_READING] = "reading",
        [UNIT_WATCH_CHECKING] = "checking",
        [UNIT_WATCH_ENDED] = "ended",
};

/**
 * unit_watch_state_to_string() - a state's name (logs, tests)
 * @s: the state
 *
 * Return: a static string.
 */
const char *unit_watch_state_to_string(UnitWatchState s) {
        return s >= 0 && s < _UNIT_WATCH_STATE_MAX ? state_names[s] : "?";
}

/**
 * unit_watch_new() - follow @unit
 * @unit: the unit's name
 * @job_id: the job it runs (0: none)
 * @ops: effects (static)
 * @userdata: the caller's, for @ops
 * @log: where it logs
 *
 * Return: the watch, state UNSENT; never NULL.
 */
UnitWatch *unit_watch_new(const char *unit, uint64_t job_id, const UnitWatchOps *ops, void *userdata,
                          const Logger *log) {
        UnitWatch *w = g_new0(UnitWatch, 1);
        char *path = NULL;

        w->ops = ops;
        w->userdata = userdata;
        w->log = log;
        w->unit = g_strdup(unit);
        if (sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path) >= 0) {
                w->path = g_strdup(path);
                free(path);
        } else
                w->path = g_strdup("/");
        w->job_id = job_id;
        w->state = UNIT_WATCH_UNSENT;
        w->exec_main_code = 0;
        w->exec_main_status = -1;
        return w;
}

/**
 * unit_watch_free() - free a watch (no effect sent)
 * @w: the watch (may be NULL)
 */
void unit_watch_free(UnitWatch *w) {
        if (!w)
                return;
        g_free(w->unit);
        g_free(w->path);
        g_free(w->start_job);
        g_free(w->stop_job);
        g_free(w->start_job_result);
        g_free(w->active_state);
        g_free(w->pending_job_path);
        g_free(w->invocation_id);
        g_free(w->result);
        g_strfreev(w->extra_fields);
        g_strfreev(w->exec_argv);
        g_free(w->description);
        g_free(w);
}

static bool state_is_inactive(const char *s) {
        return s && (strcmp(s, "inactive") == 0 || strcmp(s, "failed") == 0);
}

/**
 * unit_watch_has_ended() - has the unit ended, as last read?
 * @w: the watch
 *
 * Return: true when inactive or failed with no pending job.
 */
bool unit_watch_has_ended(const UnitWatch *w) {
        return state_is_inactive(w->active_state) && w->pending_job_id == 0;
}

static void set_str(char **p, const char *v) {
        g_free(*p);
        *p = g_strdup(v);
}

/* Merge what PID 1 said into the facts. */
static void merge(UnitWatch *w, const UnitChanges *c) {
        if (c->active_state)
                set_str(&w->active_state, c->active_state);
        if (c->not_found)
                w->gone = true;
        if (c->has_job) {
                w->pending_job_id = c->job_id;
                set_str(&w->pending_job_path, c->job_path);
                /* A job we did not queue, after our start job ran: someone else's stop/restart. */
                if (c->job_id != 0 && w->start_job_removed && w->stop == UNIT_WATCH_STOP_NONE && !w->adopting &&
                    g_strcmp0(c->job_path, w->start_job) != 0 && g_strcmp0(c->job_path, w->stop_job) != 0)
                        w->external_stop = true;
        }
        if (c->has_invocation_id)
                set_str(&w->invocation_id, c->invocation_id);
        if (c->description)
                set_str(&w->description, c->description);
        if (c->has_active_enter_timestamp)
                w->active_enter_timestamp = c->active_enter_timestamp;
        if (c->has_exec_main_start_timestamp)
                w->exec_main_start_timestamp = c->exec_main_start_timestamp;
        if (c->has_result)
                set_str(&w->result, c->result);
        if (c->has_exec_main_code)
                w->exec_main_code = c->exec_main_code;
        if (c->has_exec_main_status)
                w->exec_main_status = c->exec_main_status;
        if (c->extra_fields) {
                g_strfreev(w->extra_fields);
                w->extra_fields = g_strdupv(c->extra_fields);
        }
        if (c->exec_argv) {
                g_strfreev(w->exec_argv);
                w->exec_argv = g_strdupv(c->exec_argv);
        }
}

/* → ENDED: the last thing done with @w. */
static void end(UnitWatch *w, JobResult result, int32_t exit_status, const char *detail) {
        bool unref = w->ref_held && !w->gone;

        w->state = UNIT_WATCH_ENDED;
        w->ops->ended(w, result, exit_status, detail, unref);
}

static const char *stored_stop_detail(void) {
        return _("cancelled through sluice (the stop was requested before sluiced restarted)");
}

/* ACTIVE → ENDED with the unit's own end. */
static void end_from_unit(UnitWatch *w) {
        UnitOutcome o = {
                .result = w->result,
                .exec_main_code = w->exec_main_code,
                .exec_main_status = w->exec_main_status,
                .stop_requested = w->stop != UNIT_WATCH_STOP_NONE,
                .external_stop_job = w->external_stop,
                .start_job_result = w->start_job_result,
        };
        g_autofree char *detail = NULL;
        JobResult result;
        int32_t status;

        unit_outcome_classify(&o, &result, &status, &detail);
        if (w->stop == UNIT_WATCH_STOP_STORED) {
                g_free(detail);
                detail = g_strdup(stored_stop_detail());
        }
        end(w, result, status, detail);
}

/**
 * unit_watch_read() - read the unit's whole state again (ACTIVE → READING)
 * @w: the watch
 *
 * Nothing when a read or check is in flight already, or the start is not
 * confirmed.
 *
 * Return: true (the watch is still there).
 */
bool unit_watch_read(UnitWatch *w) {
        int r;

        if (w->state != UNIT_WATCH_ACTIVE)
                return true;
        w->state = UNIT_WATCH_READING;
        w->service_fresh = false;
        r = w->ops->send_read(w);
        if (r < 0) {
                w->state = UNIT_WATCH_ACTIVE;
                log_errno(w->log, LOG_WARNING, r, "cannot read unit %s", w->unit);
        }
        return true;
}

/**
 * unit_watch_evaluate() - has the unit finished?  Then end the watch
 * @w: the watch
 *
 * Only in ACTIVE and not while adopting.  Stale Service values are read
 * again first (→ READING).
 *
 * Return: false when the watch ended (and is freed).
 */
bool unit_watch_evaluate(UnitWatch *w) {
        if (w->state != UNIT_WATCH_ACTIVE || w->adopting)
                return true;
        if (w->gone) {
                if (w->stop == UNIT_WATCH_STOP_STORED)
                        end(w, JOB_RESULT_CANCELLED, -1, stored_stop_detail());
                else if (w->stop == UNIT_WATCH_STOP_SLUICE)
                        end(w, JOB_RESULT_CANCELLED, -1, _("cancelled through sluice"));
                else
                        end(w, JOB_RESULT_LOST, -1, _("the unit vanished from systemd"));
                return false;
        }
        if (!unit_watch_has_ended(w))
                return true;
        /* Inactive before the start job ran is the unit waiting to start. */
        if (!w->start_job_removed && !w->invocation_id)
                return true;
        if (!w->service_fresh)
                return unit_watch_read(w);
        end_from_unit(w);
        return false;
}

/**
 * unit_watch_check() - does PID 1 know the unit?  (→ CHECKING / CHECKING_START)
 * @w: the watch
 *
 * When send_check fails (PID 1 is away: the executor sends nothing then),
 * the watch stays ACTIVE / STARTING with nothing in flight, and
 * unit_watch_pid1_back() checks once PID 1 is back.
 *
 * Return: true (the watch is still there).
 */
bool unit_watch_check(UnitWatch *w) {
        UnitWatchState confirmed = UNIT_WATCH_ACTIVE, checking = UNIT_WATCH_CHECKING;

        switch (w->state) {
        case UNIT_WATCH_STARTING:
                confirmed = UNIT_WATCH_STARTING;
                checking = UNIT_WATCH_CHECKING_START;
                break;
        case UNIT_WATCH_ACTIVE:
        case UNIT_WATCH_READING:
                break;
        default:
                return true;    /* a check in flight already, nothing sent yet, or ended */
        }
        w->state = checking;
        if (w->ops->send_check(w) < 0)
                w->state = confirmed;
        return true;
}

/**
 * unit_watch_start() - send the start (new watch)
 * @w: the watch, UNSENT
 *
 * Return: 0, or a negative errno from send_start (the watch stays UNSENT).
 */
int unit_watch_start(UnitWatch *w) {
        int r;

        r = w->ops->send_start(w);
        if (r < 0)
                return r;
        w->state = UNIT_WATCH_STARTING;
        return 0;
}

/**
 * unit_watch_found() - a unit found at start-up (re-attach): read it
 * @w: a new watch
 * @job_id: its pending PID 1 job (ListUnits), 0 if none
 * @job_type: that job's type
 * @job_path: that job's path
 *
 * The unit exists and is held (RefUnit follows); its start job ran unless a
 * start job is pending.  → READING, adopting until read.
 */
void unit_watch_found(UnitWatch *w, uint32_t job_id, const char *job_type, const char *job_path) {
        w->start_job_removed = true;
        w->adopting = true;
        w->pending_job_id = job_id;
        set_str(&w->pending_job_path, job_path);
        if (job_id != 0 && g_strcmp0(job_type, "start") == 0) {
                /* Still starting: its start job is the one to wait for. */
                set_str(&w->start_job, job_path);
                w->start_job_removed = false;
        }
        w->state = UNIT_WATCH_ACTIVE;
        (void) unit_watch_read(w);
}

/**
 * unit_watch_start_replied() - PID 1 answered StartTransientUnit
 * @w: the watch
 * @kind: what the answer was
 * @job_path: the start job (OK)
 * @message: the error's message (else NULL)
 *
 * Return: false when the watch ended (and is freed).
 */
bool unit_watch_start_replied(UnitWatch *w, UnitReplyKind kind, const char *job_path, const char *message) {
        g_autofree char *detail = NULL;

        if (w->state != UNIT_WATCH_STARTING)
                return true;
        switch (kind) {
        case UNIT_REPLY_OK:
                w->state = UNIT_WATCH_ACTIVE;
                w->ref_held = true;
                if (job_path)
                        set_str(&w->start_job, job_path);
                w->ops->invocation(w);
                return unit_watch_evaluate(w);
        case UNIT_REPLY_TRANSIENT:
                return unit_watch_check(w);
        default:
                detail = g_strdup_printf(_("systemd refused to start %s: %s"), w->unit, message ?: "?");
                w->ops->job_log(w, LOG_WARNING, detail);
                w->ref_held = false;    /* no unit of ours, nothing to unref */
                end(w, JOB_RESULT_FAILED, -1, detail);
                return false;
        }
}

/**
 * unit_watch_start_dropped() - the held start was dropped unsent (its job was cancelled)
 * @w: the watch
 *
 * Return: false (the watch ended).
 */
bool unit_watch_start_dropped(UnitWatch *w) {
        w->ref_held = false;
        end(w, JOB_RESULT_CANCELLED, -1, _("cancelled before its unit started"));
        return false;
}

/**
 * unit_watch_stop() - sluice wants the unit stopped
 * @w: the watch
 * @why: whose request (a later request never overrides the first)
 * @send: send StopUnit (once the start went out; FIFO: after the start)
 *
 * Return: 0 or a negative errno from send_stop.
 */
int unit_watch_stop(UnitWatch *w, UnitWatchStop why, bool send) {
        if (w->state == UNIT_WATCH_ENDED)
                return 0;
        if (w->stop == UNIT_WATCH_STOP_NONE || why == UNIT_WATCH_STOP_STORED)
                w->stop = why;
        if (!send || w->state == UNIT_WATCH_UNSENT)
                return 0;       /* UNSENT: the check once PID 1 is back finds no unit and ends the job cancelled */
        return w->ops->send_stop(w);
}

/**
 * unit_watch_stop_replied() - PID 1 answered StopUnit
 * @w: the watch
 * @kind: what the answer was
 * @job_path: the stop job (OK)
 * @message: the error's message (else NULL)
 *
 * Return: false when the watch ended (and is freed).
 */
bool unit_watch_stop_replied(UnitWatch *w, UnitReplyKind kind, const char *job_path, const char *message) {
        switch (kind) {
        case UNIT_REPLY_OK:
                if (job_path)
                        set_str(&w->stop_job, job_path);
                return true;
        case UNIT_REPLY_TRANSIENT:
                return unit_watch_check(w);
        default:
                /* Already gone or never there: what the unit says decides. */
                log_full(w->log, LOG_DEBUG, "StopUnit(%s): %s", w->unit, message ?: "?");
                return unit_watch_read(w);
        }
}

/**
 * unit_watch_unit_read() - the Unit interface's GetAll answered (the Service one follows)
 * @w: the watch
 * @kind: what the answer was
 * @c: the properties (OK)
 */
void unit_watch_unit_read(UnitWatch *w, UnitReplyKind kind, const UnitChanges *c) {
        if (kind == UNIT_REPLY_NO_UNIT)
                w->gone = true;
        else if (kind == UNIT_REPLY_OK)
                merge(w, c);
}

/**
 * unit_watch_service_read() - the Service interface's GetAll answered: the read is done
 * @w: the watch
 * @kind: what the answer was
 * @c: the properties (OK)
 * @message: the error's message (else NULL)
 *
 * Return: false when the watch ended (and is freed).
 */
bool unit_watch_service_read(UnitWatch *w, UnitReplyKind kind, const UnitChanges *c, const char *message) {
        bool was_reading = w->state == UNIT_WATCH_READING;

        if (was_reading)
                w->state = UNIT_WATCH_ACTIVE;
        if (kind == UNIT_REPLY_TRANSIENT)
                return unit_watch_check(w);
        if (kind != UNIT_REPLY_OK) {
                /* No Service interface: the unit is gone, or was never loaded as one. */
                log_full(w->log, LOG_WARNING, "cannot read unit %s: %s", w->unit, message ?: "?");
                w->gone = true;
        } else {
                merge(w, c);
                /* Read while the unit still ran, Result=success and ExecMainCode=0 say
                 * nothing about its end: the end is read again when it comes. */
                w->service_fresh = state_is_inactive(w->active_state);
        }
        if (!was_reading)
                return true;    /* an answer from before a check: the check's read decides */
        if (w->adopting) {
                w->adopting = false;
                w->ops->found_read(w);  /* never ends the watch: evaluate does */
        }
        return unit_watch_evaluate(w);
}

/**
 * unit_watch_check_replied() - PID 1 answered GetUnit
 * @w: the watch
 * @kind: what the answer was
 * @message: the error's message (else NULL)
 *
 * Return: false when the watch ended (and is freed).
 */
bool unit_watch_check_replied(UnitWatch *w, UnitReplyKind kind, const char *message) {
        if (w->state != UNIT_WATCH_CHECKING && w->state != UNIT_WATCH_CHECKING_START)
                return true;
        if (kind == UNIT_REPLY_OK) {
                if (w->state == UNIT_WATCH_CHECKING_START)
                        w->ref_held = true;
                w->state = UNIT_WATCH_ACTIVE;
                return unit_watch_read(w);
        }
        if (kind != UNIT_REPLY_NO_UNIT) {
                if (kind == UNIT_REPLY_ERROR)
                        log_full(w->log, LOG_WARNING, "cannot check unit %s: %s", w->unit, message ?: "?");
                /* The next check (PID 1 back again) or a signal tries again. */
                w->state = w->state == UNIT_WATCH_CHECKING_START ? UNIT_WATCH_STARTING : UNIT_WATCH_ACTIVE;
                return true;
        }
        if (w->state == UNIT_WATCH_CHECKING) {
                w->state = UNIT_WATCH_ACTIVE;
                w->gone = true;
                return unit_watch_evaluate(w);
        }
        /* The start never reached PID 1: send it again (or end a cancelled job). */
        w->state = UNIT_WATCH_UNSENT;
        return unit_watch_pid1_back(w);
}

/**
 * unit_watch_job_removed() - a PID 1 job of the unit ended (JobRemoved)
 * @w: the watch
 * @job_path: the job
 * @result: its result ("done", "canceled", ...)
 *
 * PID 1 sends the unit's emission pair (still naming the job) right before
 * JobRemoved and another one (Job 0) right after it: nothing is read.  The
 * job is no longer pending, so when the state held says the unit ended the
 * watch ends here, with the Service values of that pair.
 *
 * Return: false when the watch ended (and is freed).
 */
bool unit_watch_job_removed(UnitWatch *w, const char *job_path, const char *result) {
        if (w->state == UNIT_WATCH_ENDED)
                return true;
        if (!w->start_job_removed && (!w->start_job || strcmp(job_path, w->start_job) == 0)) {
                w->start_job_removed = true;
                set_str(&w->start_job_result, result);
        } else if (!w->stop_job || strcmp(job_path, w->stop_job) != 0) {
                if (w->stop == UNIT_WATCH_STOP_NONE)
                        w->external_stop = true;
        }
        if (w->pending_job_path && strcmp(w->pending_job_path, job_path) == 0)
                w->pending_job_id = 0;
        return unit_watch_evaluate(w);
}

/**
 * unit_watch_unit_changed() - PropertiesChanged of the Unit interface
 * @w: the watch
 * @c: what changed
 *
 * The Service values are fresh for this state when a complete Service
 * emission came since the previous Unit one.  An emission without
 * ActiveState or Job does not say where the unit stands: read it.
 *
 * Return: false when the watch ended (and is freed).
 */
bool unit_watch_unit_changed(UnitWatch *w, const UnitChanges *c) {
        bool complete = c->active_state && c->has_job;

        if (w->state == UNIT_WATCH_ENDED)
                return true;
        merge(w, c);
        w->service_fresh = w->service_emitted && complete;
        w->service_emitted = false;
        if (w->invocation_id)
                w->ops->invocation(w);
        if (!complete && !w->gone)
                return unit_watch_read(w);
        return unit_watch_evaluate(w);
}

/**
 * unit_watch_service_is_complete() - does a Service emission say how the unit ended?
 * @c: the emission, parsed
 *
 * Return: true when it carries Result, ExecMainCode and ExecMainStatus.
 */
bool unit_watch_service_is_complete(const UnitChanges *c) {
        return c->has_result && c->has_exec_main_code && c->has_exec_main_status;
}

/**
 * unit_watch_service_changed() - PropertiesChanged of the Service interface
 * @w: the watch
 * @c: what changed
 *
 * The Service values travel in their own signal, right before the Unit
 * one: they are fresh for the Unit emission that follows when complete
 * (unit_watch_service_is_complete()).
 */
void unit_watch_service_changed(UnitWatch *w, const UnitChanges *c) {
        if (w->state == UNIT_WATCH_ENDED)
                return;
        merge(w, c);
        w->service_emitted = unit_watch_service_is_complete(c);
}

/**
 * unit_watch_pid1_back() - PID 1 is (back) on the bus: where does the unit stand?
 * @w: the watch
 *
 * UNSENT: the start goes out now (or a cancelled job ends, a watch whose job
 * is gone is forgotten); otherwise → CHECKING(_START).
 *
 * Return: false when the watch ended or was forgotten (and is freed).
 */
bool unit_watch_pid1_back(UnitWatch *w) {
        g_autofree char *detail = NULL;
        int r;

        switch (w->state) {
        case UNIT_WATCH_UNSENT:
                if (!w->ops->has_job(w)) {
                        w->state = UNIT_WATCH_ENDED;
                        w->ops->forget(w);
                        return false;
                }
                if (w->stop != UNIT_WATCH_STOP_NONE) {
                        end(w, JOB_RESULT_CANCELLED, -1, _("cancelled through sluice"));
                        return false;
                }
                r = unit_watch_start(w);
                if (r >= 0)
                        return true;
                detail = g_strdup_printf(_("cannot start the unit: %s"), g_strerror(-r));
                end(w, JOB_RESULT_FAILED, -1, detail);
                return false;
        case UNIT_WATCH_CHECKING_START:
                w->state = UNIT_WATCH_STARTING;
                return unit_watch_check(w);
        case UNIT_WATCH_CHECKING:
                w->state = UNIT_WATCH_ACTIVE;
                return unit_watch_check(w);
        case UNIT_WATCH_ENDED:
                return true;
        default:
                return unit_watch_check(w);
        }
}

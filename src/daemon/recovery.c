/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recovery: the restart policy (what lives where: recovery.h).  Units a
 * previous sluiced left are matched to their stored jobs here, stored jobs
 * whose units did not come back end with what the journal says, and the
 * queue, pauses, next id and leases come back from the store.
 */
#include <inttypes.h>
#include <string.h>

#include "i18n.h"
#include "lease.h"
#include "recovery.h"
#include "store.h"
#include "unit-props.h"

/* The watch's job, while it runs. */
static Job *watch_job(Manager *m, UnitWatch *w) {
        Job *job;

        if (w->job_id == 0)
                return NULL;
        job = scheduler_get_job(m->scheduler, w->job_id);
        return job && job->state == JOB_STATE_RUNNING ? job : NULL;
}

/* ---- units found at start-up ---- */

/* Ask systemd to stop a unit sluiced follows without a job (it is not any stored job's run). */
static void stop_unclaimed(Manager *m, UnitWatch *w) {
        int r;

        w->job_id = 0;
        if (w->active_state && (strcmp(w->active_state, "inactive") == 0 || strcmp(w->active_state, "failed") == 0))
                return;         /* ended already: followed until its result is read, then unref'd */
        r = unit_watch_stop(w, UNIT_WATCH_STOP_SLUICE, true);
        if (r < 0)
                log_errno(&m->log, LOG_WARNING, r, "cannot stop unit %s", w->unit);
}

/*
 * Rebuild a running job: from @stored (the database) when given, else from the unit's record.
 *
 * StartedAt is when sluice started the attempt (its dispatch), the value
 * clients were told and the database holds: a stored start time is kept as
 * it is, never replaced by the unit's ExecMainStartTimestamp, which comes a
 * few milliseconds later (docs/dbus-api.md, "Restart of sluiced").  Only a
 * job with no stored start of this attempt (adopted from the unit's own
 * record, or whose start the last commit did not hold: stored queued) takes
 * the unit's timestamp.
 */
static void adopt_job(Manager *m, UnitWatch *w, const UnitRecord *rec, const Job *stored, uint32_t attempt) {
        g_autoptr(GError) error = NULL;
        JobSpec spec = {};
        usec_t started_at, submitted_at;
        uint64_t id;
        Job *job;

        started_at = w->exec_main_start_timestamp ? w->exec_main_start_timestamp : w->active_enter_timestamp;
        if (stored) {
                id = stored->id;
                spec = job_spec_from_job(stored);
                submitted_at = stored->submitted_at;
                /* A job stored queued had not started this attempt as far as the database knows. */
                if (stored->state == JOB_STATE_RUNNING && stored->attempt == attempt && stored->started_at != 0)
                        started_at = stored->started_at;
        } else {
                id = rec->id;
                spec.class_name = rec->class_name;
                spec.has_priority = rec->has_priority;
                spec.priority = rec->priority;
                spec.parameters = rec->parameters;
                spec.resources = (const char *const *) rec->resources->pdata;
                spec.description = rec->description;
                spec.owner = rec->owner;
                submitted_at = rec->submitted_at;
        }
        /* The command the unit really runs, whether it came from the class's template or the submitter. */
        if (w->exec_argv && w->exec_argv[0])
                spec.argv = (const char *const *) w->exec_argv;
        if (started_at == 0)
                started_at = manager_now(m);

        job = scheduler_adopt(m->scheduler, &spec, id, submitted_at ? submitted_at : started_at, started_at,
                              attempt, manager_now(m), &error);
        if (!job) {
                log_full(&m->log, LOG_WARNING,
                         "cannot rebuild job %" PRIu64 " of unit %s (%s); following the unit without a job",
                         id, w->unit, error ? error->message : "no reason given");
                w->job_id = 0;
                return;
        }
        w->job_id = job->id;
        scheduler_job_set_unit(m->scheduler, job, w->unit, w->invocation_id);
        log_job(&m->log, LOG_INFO, job, "re-attached to unit %s (attempt %" PRIu32 ")", w->unit, job->attempt);
        manager_schedule_post(m);
}

static char *stop_requester_text(const StoreStop *stop) {
        if (!stop->has_requester_uid)
                return g_strdup(stop->reason);
        return g_strdup_printf("%s by uid %" PRIu32 " (%s)", stop->reason, stop->requester_uid,
                               stop->requester && stop->requester[0] ? stop->requester : "?");
}

/*
 * A re-attached job whose stop was stored before sluiced restarted (a
 * Cancel() answered, or about to be): the cancel stands.  The unit, if it
 * still runs, is stopped again (the StopUnit of the previous sluiced may
 * never have reached PID 1), and the job ends cancelled whatever the unit
 * says, also when its command exited 0 before the stop reached it
 * (docs/design.md, "Durability windows").
 */
static void reattach_stop(Manager *m, UnitWatch *w) {
        g_autoptr(StoreStop) stop = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *who = NULL;
        Job *job = watch_job(m, w);
        int r;

        if (!job || !m->store)
                return;
        if (!store_get_stop(m->store, job->id, &stop, &error)) {
                log_full(&m->log, LOG_WARNING, "%s", error->message);
                return;
        }
        if (!stop)
                return;
        who = stop_requester_text(stop);
        if (unit_watch_has_ended(w)) {
                (void) unit_watch_stop(w, UNIT_WATCH_STOP_STORED, false);
                log_job(&m->log, LOG_NOTICE, job, "its stop was requested before sluiced restarted (%s at %" PRIu64
                        "); unit %s has ended: cancelled", who, stop->requested_at, w->unit);
        } else {
                log_job(&m->log, LOG_NOTICE, job, "its stop was requested before sluiced restarted (%s at %" PRIu64
                        "): stopping unit %s again", who, stop->requested_at, w->unit);
                r = unit_watch_stop(w, UNIT_WATCH_STOP_STORED, true);
                if (r < 0)
                        log_errno(&m->log, LOG_WARNING, r, "cannot stop unit %s", w->unit);
        }
        /* The core's side of the cancel: the job ends cancelled (the stop hook sees the request and sends nothing). */
        if (!scheduler_cancel(m->scheduler, job, manager_now(m), &error))
                log_full(&m->log, LOG_WARNING, "%s", error->message);
}

/*
 * Is the unit a run of @stored?  The stored InvocationID decides when there
 * is one.  Without one (the start reply came after the last commit), or when
 * the job is stored queued (the start went out in the iteration whose commit
 * the crash cut), the unit's own record must name the attempt the job was at
 * or the next one.  Sets the attempt to adopt it as.
 */
static bool unit_is_run_of(UnitWatch *w, const UnitRecord *rec, bool have_rec, const Job *stored,
                           uint32_t *ret_attempt) {
        if (stored->kind != JOB_KIND_COMMAND || stored->state == JOB_STATE_DONE)
                return false;
        if (stored->state == JOB_STATE_RUNNING && stored->invocation_id && w->invocation_id) {
                *ret_attempt = stored->attempt;
                return strcmp(stored->invocation_id, w->invocation_id) == 0;
        }
        if (!have_rec || rec->id != stored->id)
                return false;
        if (stored->state == JOB_STATE_RUNNING && rec->attempt == MAX(stored->attempt, 1u)) {
                *ret_attempt = rec->attempt;
                return true;
        }
        if (stored->state == JOB_STATE_QUEUED && rec->attempt == stored->attempt + 1) {
                *ret_attempt = rec->attempt;
                return true;
        }
        return false;
}

/**
 * recovery_unit_found() - a unit a previous sluiced left, read: whose run is it?
 * @m: the manager (its store may be NULL: no state database)
 * @w: the unit's watch, found by the executor at start-up (UnitWatch.adopting)
 *     and read (its properties, InvocationID, LogExtraFields, ExecStart)
 *
 * With a state database
 * the stored job is the truth (unit_is_run_of()): a unit that is the run of
 * its stored job is re-attached with the stored id, attempt and spec.  A
 * unit that contradicts its stored job (the job had ended, or another
 * invocation than the stored one) is stopped: it must not run without its
 * job, and it is not that job's run.  A unit with no stored job at all is
 * adopted from its LogExtraFields record, as without a database: since unit
 * starts wait for the commit (systemd_executor_release_starts()) sluiced itself never
 * leaves one, so it comes from a database that was replaced or removed, and
 * stopping it would kill work an administrator cares about; adopted, its id
 * stays taken and its real result is recorded.  A unit that is not a sluice
 * job's (no record) is followed without a job.  Every decision acts through
 * the unit watch's API (unit_watch_stop()) and the scheduler.
 */
void recovery_unit_found(Manager *m, UnitWatch *w) {
        g_auto(UnitRecord) rec = {};
        g_autoptr(GError) error = NULL;
        g_autoptr(Job) stored = NULL;
        g_autofree char *why = NULL;
        uint32_t attempt = 0;
        bool have_rec;

        if (w->gone) {
                log_full(&m->log, LOG_INFO, "unit %s vanished before it could be re-attached", w->unit);
                return;
        }
        /* Whatever happens to it, the unit's id is never handed out again while its name is in use. */
        scheduler_set_next_id(m->scheduler, w->job_id == UINT64_MAX ? w->job_id : w->job_id + 1);
        have_rec = unit_record_parse(w->extra_fields, &rec, &why);
        if (have_rec && rec.id != w->job_id)
                log_full(&m->log, LOG_WARNING, "unit %s carries job id %" PRIu64 ", using that", w->unit, rec.id);

        if (m->store && !store_get_job(m->store, w->job_id, &stored, &error))
                /* Cannot ask the database: take the unit's own word rather than stop a job's run. */
                log_full(&m->log, LOG_WARNING, "%s", error->message);
        if (stored) {
                if (unit_is_run_of(w, &rec, have_rec, stored, &attempt)) {
                        adopt_job(m, w, &rec, stored, attempt);
                        reattach_stop(m, w);
                        return;
                }
                log_full(&m->log, LOG_NOTICE, "unit %s is not the run of stored job %" PRIu64 " (%s): stopping it",
                         w->unit, stored->id,
                         stored->state == JOB_STATE_DONE ? "that job had ended" : "another invocation or attempt");
                stop_unclaimed(m, w);
                return;
        }
        if (!have_rec) {
                log_full(&m->log, LOG_WARNING, "unit %s does not describe a sluice job (%s); following it without one",
                         w->unit, why);
                w->job_id = 0;
                return;
        }
        if (m->store)
                log_full(&m->log, LOG_NOTICE, "unit %s has no stored job: adopting it from its own record", w->unit);
        adopt_job(m, w, &rec, NULL, rec.attempt);
}

/* ---- stored jobs whose units did not come back ---- */

static bool collect_running(const Job *job, void *userdata) {
        GArray *ids = userdata;

        if (job->kind == JOB_KIND_COMMAND)
                g_array_append_val(ids, job->id);
        return true;
}

/*
 * A stored running command job whose unit is gone (it ended, and systemd
 * collected it, while sluiced was down): its real end from PID 1's journal.
 * The job is rebuilt and ends through the core as if sluiced had watched
 * (a failed attempt with retries left is queued again).  Without an entry
 * it is left to recovery_restore_from_store(), which ends it `lost`.
 */
static void end_from_journal(Manager *m, const RecoveryOps *ops, void *userdata, uint64_t id) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Job) stored = NULL;
        g_autoptr(StoreStop) stop = NULL;
        g_autofree char *unit = sluice_unit_name_for_job(id);
        g_autofree char *detail = NULL, *full = NULL;
        g_auto(UnitJournalEnd) end = {};
        UnitOutcome o = {};
        JobSpec spec = {};
        JobResult result;
        int32_t status;
        Job *job;
        int r;

        if (ops->unit_followed(userdata, unit) || scheduler_get_job(m->scheduler, id))
                return;         /* re-attached (or followed) already */
        if (!store_get_job(m->store, id, &stored, &error) || !stored) {
                if (error)
                        log_full(&m->log, LOG_WARNING, "%s", error->message);
                return;
        }
        r = ops->journal_end(userdata, unit, stored->invocation_id, stored->started_at, &end);
        if (r < 0)
                log_errno(&m->log, LOG_DEBUG, r, "cannot read the journal for unit %s", unit);
        if (r <= 0)
                return;

        /* A stop stored before the restart: cancelled, whatever the unit's end says. */
        if (!store_get_stop(m->store, id, &stop, &error)) {
                log_full(&m->log, LOG_WARNING, "%s", error->message);
                g_clear_error(&error);
        }
        o.stop_requested = stop != NULL;
        o.result = end.result;
        o.exec_main_code = end.exec_main_code;
        o.exec_main_status = end.exec_main_status;
        o.external_stop_job = end.stop_job;
        o.start_job_result = "done";
        unit_outcome_classify(&o, &result, &status, &detail);

        spec = job_spec_from_job(stored);
        job = scheduler_adopt(m->scheduler, &spec, id, stored->submitted_at,
                              stored->started_at ? stored->started_at : end.finished_at, stored->attempt,
                              manager_now(m), &error);
        if (!job) {
                log_full(&m->log, LOG_WARNING, "cannot rebuild job %" PRIu64 " to record its end: %s", id,
                         error->message);
                return;
        }
        scheduler_job_set_unit(m->scheduler, job, unit, end.invocation_id);
        full = detail ? g_strdup_printf(_("%s (the unit ended while sluiced was down; read from the journal)"),
                                        detail)
                      : g_strdup(_("the unit ended while sluiced was down; read from the journal"));
        log_job(&m->log, LOG_NOTICE, job, "its unit %s ended while sluiced was down: %s%s%s%s", unit,
                job_result_to_string(result), detail ? ", " : "", detail ?: "",
                stop ? " (its stop was requested before sluiced restarted)" : "");
        scheduler_job_finished(m->scheduler, job, result, status, full, MAX(end.finished_at, job->started_at));
        manager_schedule_post(m);
}

/**
 * recovery_end_gone_jobs() - every stored running command job whose unit did not come back
 * @m: the manager, after every unit found was handed to recovery_unit_found()
 * @ops: the executor's side: is a unit followed, the journal
 * @userdata: for @ops
 *
 * Each ends with its unit's end from the journal, when the journal has it
 * (end_from_journal()); the others are left to recovery_restore_from_store().
 */
void recovery_end_gone_jobs(Manager *m, const RecoveryOps *ops, void *userdata) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) ids = g_array_new(false, false, sizeof(uint64_t));
        StoreJobFilter filter = { .states = 1u << JOB_STATE_RUNNING };

        if (!m->store)
                return;
        if (!store_foreach_job(m->store, &filter, collect_running, ids, &error)) {
                log_full(&m->log, LOG_WARNING, "%s", error->message);
                return;
        }
        for (guint i = 0; i < ids->len; i++)
                end_from_journal(m, ops, userdata, g_array_index(ids, uint64_t, i));
}

/* ---- the stored queue, pauses, next id and leases ---- */

/* A stored job that cannot come back: recorded as ended, kept as history. */
static bool store_ended(Manager *m, Job *j, JobResult result, const char *detail, GError **error) {
        j->state = JOB_STATE_DONE;
        j->result = result;
        j->finished_at = manager_now(m);
        g_free(j->result_detail);
        j->result_detail = g_strdup(detail);
        log_job(&m->log, LOG_NOTICE, j, "%s after restart: %s", job_result_to_string(result), detail);
        return store_put_job(m->store, j, error);
}

/*
 * A running lease after a restart, its holder still there (or detached):
 * rebuilt as running, same id, times and attempt; a detached lease keeps
 * the wall-clock end of its TTL (renewing "as of" expiry - ttl lands on the
 * stored LeaseExpiresAt exactly).
 */
static Job *adopt_lease(Manager *m, const Job *j, usec_t now, GError **error) {
        JobSpec spec = job_spec_from_job(j);
        Job *a = scheduler_adopt(m->scheduler, &spec, j->id, j->submitted_at, j->started_at, j->attempt, now, error);

        if (a && j->ttl_usec > 0 && j->lease_expires_at > j->ttl_usec)
                (void) scheduler_renew(m->scheduler, a, j->lease_expires_at - j->ttl_usec, NULL);
        return a;
}

/*
 * A stored lease (queued or running) after a restart.  Connection-bound
 * (and detached but not granted yet): kept only when its holder is still
 * connected, and bound to it again, so the holder's departure ends it like
 * before.  A granted detached lease needs no holder: it keeps its TTL, and
 * ends abandoned when the TTL ran out while sluiced was down.  A queued
 * lease's Acquire() call did not survive: the holder learns of the grant
 * from JobChanged/Wait() (docs/dbus-api.md, Leases and their holders).
 *
 * Return: false when the database could not be written (@error set).
 */
static bool restore_lease(Manager *m, GPtrArray *jobs, guint i, usec_t now, unsigned *n_restored, GError **error) {
        Job *j = jobs->pdata[i];
        bool detached_running = j->state == JOB_STATE_RUNNING && j->ttl_usec > 0;
        g_autoptr(GError) local = NULL;
        Job *restored;

        if (detached_running && j->lease_expires_at <= now)
                return store_ended(m, j, JOB_RESULT_ABANDONED, _("its TTL ran out while sluiced was down"), error);
        if (!detached_running && !lease_holder_alive(m, j->submitter, j->owner))
                return store_ended(m, j, JOB_RESULT_ABANDONED, _("holder vanished while sluiced was down"), error);

        if (j->state == JOB_STATE_RUNNING) {
                restored = adopt_lease(m, j, now, &local);
        } else {
                restored = scheduler_restore(m->scheduler, j, now, &local);
                if (restored)
                        jobs->pdata[i] = NULL;  /* the scheduler owns it now */
        }
        if (!restored) {
                g_autofree char *detail = g_strdup_printf(_("not restored: %s"), local->message);

                return store_ended(m, j, j->state == JOB_STATE_RUNNING ? JOB_RESULT_ABANDONED : JOB_RESULT_FAILED,
                                   detail, error);
        }
        if (!detached_running && lease_bind(m, restored->userdata, restored->submitter) < 0) {
                /* Cannot happen (checked above); never keep a lease nobody watches. */
                lease_abandon(m, restored, now);
                return true;
        }
        log_job(&m->log, LOG_INFO, restored, "lease restored %s%s%s", job_state_to_string(restored->state),
                detached_running ? "" : ", holder ", detached_running ? "" : restored->submitter);
        (*n_restored)++;
        return true;
}

static gint compare_seq(gconstpointer a, gconstpointer b) {
        const Job *x = *(Job *const *) a, *y = *(Job *const *) b;

        return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : (x->id < y->id ? -1 : x->id > y->id));
}

/**
 * recovery_restore_from_store() - bring the stored jobs, pauses and next id back
 * @m: the manager, after re-attach (jobs of surviving units exist already)
 *
 * Queued jobs are restored in submission order (same ids, priorities,
 * order).  A running job whose unit was re-attached is already there; one
 * whose unit is gone with no result ends `lost`.  Leases, queued or running,
 * come back bound to their holder when it is still connected, else end
 * `abandoned`; detached ones keep their TTL (restore_lease()).  Queued jobs whose class is
 * gone end failed.  Finished jobs stay in the database as history and are
 * not read at all (store_load_unfinished_jobs()), nor put back on the bus.
 *
 * Return: 0, or -EIO after logging (the database could not be read or written).
 */
int recovery_restore_from_store(Manager *m) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) jobs = NULL;
        g_auto(GStrv) paused = NULL;
        uint64_t next_id = 0, max_id = 0;
        unsigned n_restored = 0;
        usec_t now = manager_now(m);

        jobs = store_load_unfinished_jobs(m->store, &max_id, &error);
        if (jobs)
                paused = store_load_paused(m->store, &error);
        if (paused && !store_load_next_id(m->store, &next_id, &error))
                g_clear_pointer(&paused, g_strfreev);
        if (!paused) {
                log_full(&m->log, LOG_ERR, "%s", error->message);
                return -EIO;
        }

        for (size_t i = 0; paused[i]; i++) {
                g_autoptr(GError) local = NULL;

                if (!scheduler_pause(m->scheduler, paused[i], &local))
                        log_full(&m->log, LOG_WARNING, "stored pause \"%s\" no longer applies: %s", paused[i],
                                 local->message);
        }
        scheduler_set_next_id(m->scheduler, next_id);
        /* A job written on its own (removed before its group commit) may be above the stored next id. */
        scheduler_set_next_id(m->scheduler, max_id == UINT64_MAX ? max_id : max_id + 1);

        if (!store_begin(m->store, &error)) {
                log_full(&m->log, LOG_ERR, "%s", error->message);
                return -EIO;
        }
        g_ptr_array_sort(jobs, compare_seq);
        m->store_restoring = true;
        for (guint i = 0; i < jobs->len; i++) {
                Job *j = jobs->pdata[i];
                g_autoptr(GError) local = NULL;
                bool ok = true;

                scheduler_set_next_id(m->scheduler, j->id == UINT64_MAX ? j->id : j->id + 1);
                if (j->state == JOB_STATE_DONE || scheduler_get_job(m->scheduler, j->id))
                        continue;       /* history, or re-attached to its unit */
                if (j->kind == JOB_KIND_LEASE) {
                        ok = restore_lease(m, jobs, i, now, &n_restored, &error);
                } else if (j->state == JOB_STATE_RUNNING) {
                        g_autoptr(StoreStop) stop = NULL;

                        /* A stop stored before the restart: the cancel stands, no result or not. */
                        ok = store_get_stop(m->store, j->id, &stop, &error);
                        if (ok && stop)
                                ok = store_ended(m, j, JOB_RESULT_CANCELLED,
                                                 _("cancelled through sluice (the stop was requested before sluiced "
                                                   "restarted; its unit was gone with no result)"),
                                                 &error);
                        else if (ok)
                                ok = store_ended(m, j, JOB_RESULT_LOST,
                                                 _("its unit was gone with no result after sluiced restarted"), &error);
                } else if (scheduler_restore(m->scheduler, j, now, &local)) {
                        jobs->pdata[i] = NULL;  /* the scheduler owns it now */
                        n_restored++;
                } else {
                        g_autofree char *detail = g_strdup_printf(_("not restored: %s"), local->message);

                        ok = store_ended(m, j, JOB_RESULT_FAILED, detail, &error);
                }
                if (!ok)
                        break;
        }
        m->store_restoring = false;
        if (error || !store_commit(m->store, &error)) {
                store_rollback(m->store);
                log_full(&m->log, LOG_ERR, "%s", error->message);
                return -EIO;
        }
        m->stored_next_id = scheduler_next_id(m->scheduler);
        m->store_restored = true;
        if (n_restored > 0)
                log_full(&m->log, LOG_INFO, "restored %u jobs from %s", n_restored, store_get_path(m->store));
        return 0;
}

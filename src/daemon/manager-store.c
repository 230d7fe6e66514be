/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <gio/gio.h>
#include <inttypes.h>
#include <string.h>

#include "alerts.h"
#include "bus-creds.h"
#include "bus-job.h"
#include "errors.h"
#include "executor-systemd.h"
#include "i18n.h"
#include "lease.h"
#include "manager-config.h"
#include "manager-store.h"
#include "schedules.h"
#include "store.h"

/**
 * manager_open_store() - open the state database and re-apply stored config overrides
 * @m: the manager, config loaded (the scheduler exists)
 * @state_dir: the state directory
 *
 * A database that cannot be opened or read stops sluiced: it never starts
 * empty and forgets its jobs.
 *
 * Return: 0, or -EIO after logging what is wrong and what to do.
 */
int manager_open_store(Manager *m, const char *state_dir) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) overrides = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        guint n;

        m->store = store_open(state_dir, &error);
        if (!m->store) {
                log_full(&m->log, LOG_ERR, "%s", error->message);
                return -EIO;
        }
        overrides = store_load_overrides(m->store, &error);
        if (!overrides) {
                log_full(&m->log, LOG_ERR, "%s", error->message);
                return -EIO;
        }
        /* On top of the files, in storing order (manager-config.c): an override the
         * files now make invalid is skipped, not fatal (the files are the admin's). */
        n = overrides->len;
        manager_config_set_stored(m, g_steal_pointer(&overrides));
        cfg = manager_config_build(m);
        scheduler_set_config(m->scheduler, cfg);
        if (n > 0)
                log_full(&m->log, LOG_INFO, "re-applied %u stored configuration overrides", n);
        return 0;
}

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
 * manager_restore_from_store() - bring the stored jobs, pauses and next id back
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
int manager_restore_from_store(Manager *m) {
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

/*
 * What the store needs of a job the scheduler is about to free: its public
 * fields, deep-copied (parameters are immutable once submitted: shared by
 * reference).  Keep in step with struct Job and job_free().
 */
static Job *job_copy_for_store(const Job *j) {
        Job *c = g_memdup2(j, sizeof(*j));

        c->class_name = g_strdup(j->class_name);
        c->resources = g_strdupv(j->resources);
        c->parameters = j->parameters ? g_hash_table_ref(j->parameters) : NULL;
        c->submitter = g_strdup(j->submitter);
        c->description = g_strdup(j->description);
        c->argv = g_strdupv(j->argv);
        c->environment = g_strdupv(j->environment);
        c->unit = g_strdup(j->unit);
        c->invocation_id = g_strdup(j->invocation_id);
        c->result_detail = g_strdup(j->result_detail);
        c->sched_priv = NULL;
        c->userdata = NULL;
        return c;
}

/**
 * manager_store_job_event() - remember that @job must be written
 * @m: the manager
 * @type: the scheduler event
 * @job: the job
 *
 * A job removed before its change was committed (KeepFinishedSec=0) is
 * copied and written by the next commit, with everything else: a reply
 * held for that commit (a Release of it) is never sent while its end is
 * written nowhere, and a commit that fails keeps the copy for the next.
 */
void manager_store_job_event(Manager *m, SchedEventType type, Job *job) {
        if (!m->store || m->store_restoring || m->shutting_down)
                return;
        if (type != SCHED_EVENT_JOB_REMOVED) {
                g_hash_table_insert(m->store_dirty, &job->id, job);
                return;
        }
        if (!g_hash_table_remove(m->store_dirty, &job->id))
                return;
        if (!m->store_removed)
                m->store_removed = g_ptr_array_new_with_free_func((GDestroyNotify) job_free);
        g_ptr_array_add(m->store_removed, job_copy_for_store(job));
}

/**
 * manager_store_commit() - one transaction for this loop iteration's changes
 * @m: the manager
 * @error: set when the commit failed (logged here at LOG_CRIT)
 *
 * On failure the changes stay dirty and are tried again by the next call;
 * what happens to the calls waiting for this commit is the held replies'
 * business (held-replies.c).
 *
 * Return: true when everything is durable (or nothing changed).
 */
bool manager_store_commit(Manager *m, GError **error) {
        GHashTableIter it;
        gpointer value;
        uint64_t next_id;

        if (!m->store)
                return true;
        /* Re-attach runs the loop while it waits for PID 1, before the stored
         * state is read back: a commit then would write what an empty
         * sluiced knows (next id 1) over the stored state, and a start
         * refused afterwards (a damaged database) would leave it changed. */
        if (!m->store_restored)
                return true;
        next_id = scheduler_next_id(m->scheduler);
        if (g_hash_table_size(m->store_dirty) == 0 && !m->store_paused_dirty && next_id == m->stored_next_id &&
            (!m->store_removed || m->store_removed->len == 0) && systemd_executor_n_stops_pending(m->systemd) == 0)
                return true;

        if (!store_begin(m->store, error))
                goto fail;
        /* Stop requests first: a job whose end is written below drops its own. */
        if (!systemd_executor_store_stops(m->systemd, m->store, error))
                goto fail_rollback;
        g_hash_table_iter_init(&it, m->store_dirty);
        while (g_hash_table_iter_next(&it, NULL, &value))
                if (!store_put_job(m->store, value, error))
                        goto fail_rollback;
        for (guint i = 0; m->store_removed && i < m->store_removed->len; i++)
                if (!store_put_job(m->store, m->store_removed->pdata[i], error))
                        goto fail_rollback;
        if (next_id != m->stored_next_id && !store_put_next_id(m->store, next_id, error))
                goto fail_rollback;
        if (m->store_paused_dirty) {
                g_auto(GStrv) paused = scheduler_paused_scopes(m->scheduler);

                if (!store_put_paused(m->store, (const char *const *) paused, error))
                        goto fail_rollback;
        }
        if (!schedules_store_flush(m, error) || !alerts_store_flush(m, error))
                goto fail_rollback;
        if (!store_commit(m->store, error))
                goto fail;
        schedules_store_committed(m);
        alerts_store_committed(m);
        systemd_executor_stops_committed(m->systemd);

        g_hash_table_remove_all(m->store_dirty);
        if (m->store_removed)
                g_ptr_array_set_size(m->store_removed, 0);
        m->store_paused_dirty = false;
        m->stored_next_id = next_id;
        return true;

fail_rollback:
        store_rollback(m->store);
fail:
        /* The changes stay dirty and are tried again next iteration. */
        log_full(&m->log, LOG_CRIT, "STATE NOT SAVED, refusing this iteration's new jobs: %s",
                 error && *error ? (*error)->message : "?");
        return false;
}

/**
 * manager_store_stop_requester() - name the caller of a Cancel() in its stored stop request
 * @m: the manager
 * @job: the job scheduler_cancel() was just called for
 * @call: the Cancel() or CancelJob() call
 *
 * Only a running command job has a stop request (systemd_executor_stop());
 * for any other job this does nothing.  Call it before the reply is held:
 * both go into the same commit.
 */
void manager_store_stop_requester(Manager *m, const Job *job, sd_bus_message *call) {
        uint32_t uid = 0;
        bool has_uid;

        if (job->kind != JOB_KIND_COMMAND || job->state != JOB_STATE_RUNNING || !m->systemd)
                return;
        has_uid = bus_sender_uid(m, call, &uid) >= 0;
        systemd_executor_stop_requester(m->systemd, job, has_uid, uid, sd_bus_message_get_sender(call));
}

/**
 * manager_store_put_overrides() - make a run-time config change survive restarts
 * @m: the manager
 * @section: the section
 * @keys: the keys, NULL-terminated
 * @values: their values (config file syntax)
 * @error: set (G_IO_ERROR) when the change could not be stored
 *
 * Return: true once committed.
 */
bool manager_store_put_overrides(Manager *m, const char *section, const char *const *keys,
                                 const char *const *values, GError **error) {
        if (!m->store) {
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_NOT_SUPPORTED,
                                    _("persist: this sluiced has no state database"));
                return false;
        }
        if (!store_begin(m->store, error))
                return false;
        for (size_t i = 0; keys && keys[i]; i++)
                if (!store_put_override(m->store, section, keys[i], values[i], error)) {
                        store_rollback(m->store);
                        return false;
                }
        return store_commit(m->store, error);
}

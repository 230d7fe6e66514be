/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "alerts.h"
#include "bus-creds.h"
#include "bus-job.h"
#include "cluster.h"
#include "errors.h"
#include "i18n.h"
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
            (!m->store_removed || m->store_removed->len == 0) &&
            (!m->stops_pending || m->stops_pending->len == 0) && !cluster_store_dirty(m))
                return true;

        if (!store_begin(m->store, error))
                goto fail;
        /* Stop requests first: a job whose end is written below drops its own. */
        for (guint i = 0; m->stops_pending && i < m->stops_pending->len; i++)
                if (!store_put_stop(m->store, m->stops_pending->pdata[i], error))
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
        if (!schedules_store_flush(m, error) || !alerts_store_flush(m, error) || !cluster_store_flush(m, error))
                goto fail_rollback;
        if (!store_commit(m->store, error))
                goto fail;
        schedules_store_committed(m);
        alerts_store_committed(m);
        cluster_store_committed(m);
        if (m->stops_pending)
                g_ptr_array_set_size(m->stops_pending, 0);

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
 * manager_store_stop_requested() - sluice asked PID 1 to stop a running command job's unit
 * @m: the manager
 * @job_id: the job
 *
 * Queues the stop request (store.h StoreStop) for the next group commit,
 * which writes it before the jobs (a job that ended in the same iteration
 * drops its request again, store_put_job()) and before the Cancel() replies
 * it holds go out; recovery.c reads it after a restart.  Its reason is
 * "sluice" until manager_store_stop_requester() names a client's Cancel().
 * Called by systemd_executor_stop(), once per stop.
 */
void manager_store_stop_requested(Manager *m, uint64_t job_id) {
        StoreStop *stop = g_new0(StoreStop, 1);

        stop->job_id = job_id;
        stop->requested_at = manager_now(m);
        stop->reason = g_strdup("sluice");
        if (!m->stops_pending)
                m->stops_pending = g_ptr_array_new_with_free_func((GDestroyNotify) store_stop_free);
        g_ptr_array_add(m->stops_pending, stop);
        manager_schedule_post(m);
}

/**
 * manager_store_stop_requester() - name the caller of a Cancel() in its stored stop request
 * @m: the manager
 * @job: the job scheduler_cancel() was just called for
 * @call: the Cancel() or CancelJob() call
 *
 * Only a running command job has a stop request (manager_store_stop_requested());
 * for any other job this does nothing.  Call it before the reply is held:
 * both go into the same commit.  A request committed already (a second
 * Cancel()) keeps its first caller.
 */
void manager_store_stop_requester(Manager *m, const Job *job, sd_bus_message *call) {
        uint32_t uid = 0;
        bool has_uid;

        if (job->kind != JOB_KIND_COMMAND || job->state != JOB_STATE_RUNNING || !m->stops_pending)
                return;
        has_uid = bus_sender_uid(m, call, &uid) >= 0;
        for (guint i = 0; i < m->stops_pending->len; i++) {
                StoreStop *stop = m->stops_pending->pdata[i];

                if (stop->job_id != job->id || stop->requester)
                        continue;
                g_free(stop->reason);
                stop->reason = g_strdup("cancel");
                stop->has_requester_uid = has_uid;
                stop->requester_uid = uid;
                stop->requester = g_strdup(sd_bus_message_get_sender(call) ?: "");
        }
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

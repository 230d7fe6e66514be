/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduler core: job lifecycle, dispatch and pauses.  See scheduler.h
 * for the contract and scheduler-private.h for how the pieces split up.
 *
 * Aging needs no timer: under Discipline=priority the queue is ordered by
 * the time-invariant key  priority * AgingSec - submitted_at  which sorts
 * exactly like the effective priority  priority + (now - submitted_at) /
 * AgingSec  at every `now`, because all queued jobs age at the same rate
 * (details in scheduler-queue.c).
 */
#include <inttypes.h>
#include <string.h>

#include "errors.h"
#include "i18n.h"
#include "scheduler-private.h"

static usec_t usec_add(usec_t a, usec_t b) {
        return a > USEC_INFINITY - b ? USEC_INFINITY : a + b;
}

/* g_hash_table_get_values_as_ptr_array() needs GLib 2.76 */
static GPtrArray *hash_values(GHashTable *h) {
        GPtrArray *a = g_ptr_array_sized_new(g_hash_table_size(h));
        GHashTableIter it;
        gpointer v;

        g_hash_table_iter_init(&it, h);
        while (g_hash_table_iter_next(&it, NULL, &v))
                g_ptr_array_add(a, v);
        return a;
}

static void job_destroy(gpointer p) {
        Job *j = p;

        if (j->sched_priv) {
                g_free(job_priv(j)->timers);
                g_free(job_priv(j)->cluster_reason);
        }
        g_free(j->sched_priv);
        j->sched_priv = NULL;
        job_free(j);
}

static gboolean u64_equal(gconstpointer a, gconstpointer b) {
        return *(const uint64_t *) a == *(const uint64_t *) b;
}

static guint u64_hash(gconstpointer a) {
        uint64_t v = *(const uint64_t *) a;
        return (guint) (v ^ (v >> 32));
}

/**
 * scheduler_new() - create a scheduler
 * @cfg: the config in force (a reference is taken)
 * @listener: receives every event, in order (may be NULL)
 * @listener_data: passed to @listener
 * @executor: starts and stops work (may be NULL: every start succeeds)
 * @executor_data: passed to @executor
 *
 * Return: the new scheduler; free with scheduler_free().
 */
Scheduler *scheduler_new(SluiceConfig *cfg,
                         const SchedulerListener *listener, void *listener_data,
                         const SchedulerExecutor *executor, void *executor_data) {
        Scheduler *s = g_new0(Scheduler, 1);

        s->config = sluice_config_ref(cfg);
        s->listener = listener;
        s->listener_data = listener_data;
        s->executor = executor;
        s->executor_data = executor_data;
        s->jobs = g_hash_table_new_full(u64_hash, u64_equal, NULL, job_destroy);
        s->next_id = 1;
        s->next_seq = 1;
        s->groups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) queue_group_free);
        s->fair_served = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->timers = g_sequence_new(NULL);
        s->paused = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->regex_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_regex_unref);
        s->duplicates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
        s->running_per_class = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->running_per_resource = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->queued_per_owner = g_hash_table_new(g_direct_hash, g_direct_equal);
        s->queued_per_owner_class = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->running_per_owner = g_hash_table_new(g_direct_hash, g_direct_equal);
        s->queued_per_class = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->queued_per_resource = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->cluster_waiting = g_hash_table_new(u64_hash, u64_equal);
        s->reserved_per_class = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->reserved_per_resource = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->reserved_per_owner = g_hash_table_new(g_direct_hash, g_direct_equal);
        return s;
}

/**
 * scheduler_free() - free a scheduler and every job it owns
 * @s: the scheduler, may be NULL
 *
 * No events are emitted and the executor is not called.
 */
void scheduler_free(Scheduler *s) {
        if (!s)
                return;
        scheduler_invalidate_order(s);
        g_hash_table_destroy(s->groups);
        g_sequence_free(s->timers);
        g_hash_table_destroy(s->jobs);
        g_hash_table_destroy(s->fair_served);
        g_hash_table_destroy(s->paused);
        g_hash_table_destroy(s->regex_cache);
        g_hash_table_destroy(s->duplicates);
        g_hash_table_destroy(s->running_per_class);
        g_hash_table_destroy(s->running_per_resource);
        g_hash_table_destroy(s->queued_per_owner);
        g_hash_table_destroy(s->queued_per_owner_class);
        g_hash_table_destroy(s->running_per_owner);
        g_hash_table_destroy(s->queued_per_class);
        g_hash_table_destroy(s->queued_per_resource);
        g_hash_table_destroy(s->cluster_waiting);
        g_hash_table_destroy(s->reserved_per_class);
        g_hash_table_destroy(s->reserved_per_resource);
        g_hash_table_destroy(s->reserved_per_owner);
        sluice_config_unref(s->config);
        g_free(s);
}

void scheduler_emit(Scheduler *s, SchedEventType type, Job *job, JobChangedMask changed) {
        if (s->listener && s->listener->event)
                s->listener->event(s->listener_data, type, job, changed);
}

void scheduler_invalidate_order(Scheduler *s) {
        g_clear_pointer(&s->order, g_ptr_array_unref);
        g_clear_pointer(&s->order_buckets, g_hash_table_unref);
}

/**
 * scheduler_get_config() - the config in force
 * @s: the scheduler
 *
 * Return: the config (borrowed).
 */
SluiceConfig *scheduler_get_config(Scheduler *s) {
        return s->config;
}

static bool fair_keying_equal(const SluiceConfig *a, const SluiceConfig *b) {
        return (a->discipline == DISCIPLINE_FAIR) == (b->discipline == DISCIPLINE_FAIR) &&
               a->fair_by == b->fair_by &&
               g_strcmp0(a->fair_resource_key, b->fair_resource_key) == 0;
}

/**
 * scheduler_set_config() - swap in a new, validated config
 * @s: the scheduler
 * @cfg: the new config (a reference is taken)
 *
 * Every job stays; the queue is regrouped and re-sorted under the new
 * discipline, with submission order deciding ties as before.  Fair-share
 * history is forgotten when the fair buckets mean something else now.
 * Finished jobs are re-timed to the new KeepFinishedSec.
 */
void scheduler_set_config(Scheduler *s, SluiceConfig *cfg) {
        g_autoptr(SluiceConfig) old = s->config;

        s->config = sluice_config_ref(cfg);
        if (!fair_keying_equal(old, cfg)) {
                g_hash_table_remove_all(s->fair_served);
                s->fair_tick = 0;
        }
        g_hash_table_remove_all(s->regex_cache);
        queue_regroup(s);

        /* Finished jobs stay for the KeepFinishedSec in force now. */
        if (old->keep_finished_usec != cfg->keep_finished_usec) {
                GHashTableIter it;
                gpointer v;

                g_hash_table_iter_init(&it, s->jobs);
                while (g_hash_table_iter_next(&it, NULL, &v)) {
                        Job *j = v;
                        if (j->state == JOB_STATE_DONE)
                                timer_arm(s, j, TIMER_REMOVE, usec_add(j->finished_at, cfg->keep_finished_usec));
                }
        }
}

/* Give a built job its id and private state and make it known. */
static void job_register(Scheduler *s, Job *j, uint64_t id) {
        j->id = id;
        j->seq = s->next_seq++;
        j->sched_priv = g_new0(JobPriv, 1);
        g_hash_table_insert(s->jobs, &j->id, j);
        duplicates_add(s, j);
}

/* Any state but done -> queued: counted as queued; released into the
 * dispatch queue now or when not_before comes. */
static void enter_queued(Scheduler *s, Job *j, usec_t now) {
        scheduler_count_queued(s, j, +1);
        s->n_queued++;
        j->state = JOB_STATE_QUEUED;

        if (j->not_before > now) {
                job_priv(j)->deferred = true;
                timer_arm(s, j, TIMER_NOT_BEFORE, j->not_before);
        } else
                queue_add(s, j);
}

static void cancel_job(Scheduler *s, Job *job, const char *detail, usec_t now);

/*
 * The class's Duplicates= policy against the queued/running duplicates of
 * @j (not registered yet; it will get id @new_id).  false + error when the
 * policy rejects it, with nothing changed.
 */
static bool apply_duplicates_policy(Scheduler *s, Job *j, uint64_t new_id, usec_t now, GError **error) {
        const ClassConfig *cc = sluice_config_get_class(s->config, j->class_name);
        g_autoptr(GPtrArray) dups = NULL;

        if (!cc || cc->duplicates == DUPLICATES_QUEUE)
                return true;
        dups = duplicates_find(s, j);
        if (dups->len == 0)
                return true;

        if (cc->duplicates == DUPLICATES_REJECT) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_DUPLICATE,
                            _("duplicate of job %" PRIu64 " (Duplicates=reject)"), ((Job *) dups->pdata[0])->id);
                return false;
        }

        g_autofree char *detail = g_strdup_printf(_("replaced by job %" PRIu64 " (Duplicates=%s)"),
                                                  new_id, duplicates_policy_to_string(cc->duplicates));
        for (guint i = 0; i < dups->len; i++) {
                Job *d = dups->pdata[i];

                if (d->state == JOB_STATE_QUEUED || cc->duplicates == DUPLICATES_REPLACE)
                        cancel_job(s, d, detail, now);
        }
        return true;
}

/**
 * scheduler_submit() - validate a spec and queue a new job
 * @s: the scheduler
 * @spec: what the client asked for
 * @now: the current time
 * @error: see scheduler.h; nothing changes on error
 *
 * Duplicates (same class, parameters and argv, queued or running) are
 * handled by the class's Duplicates= before the new job is queued: reject
 * refuses it (SLUICE_ERROR_DUPLICATE), replace cancels every duplicate,
 * cancel-queued the queued ones only.
 *
 * Return: the queued job (borrowed), NULL on error.
 */
Job *scheduler_submit(Scheduler *s, const JobSpec *spec, usec_t now, GError **error) {
        g_autoptr(Job) built = scheduler_build_job(s, spec, now, true, error);
        Job *j;

        if (!built)
                return NULL;
        if (!apply_duplicates_policy(s, built, s->next_id, now, error))
                return NULL;

        j = g_steal_pointer(&built);
        job_register(s, j, s->next_id++);
        s->stats.submitted++;
        enter_queued(s, j, now);

        /* The wait is counted from when the job may run at all. */
        if (j->max_wait_usec > 0)
                timer_arm(s, j, TIMER_MAX_WAIT, usec_add(MAX(now, j->not_before), j->max_wait_usec));

        scheduler_emit(s, SCHED_EVENT_JOB_NEW, j, 0);
        return j;
}

static bool is_detached_lease(Job *j);

/**
 * scheduler_adopt() - rebuild a job that is already running
 * @s: the scheduler
 * @spec: the job as a submission would describe it (validated the same
 *        way, without MaxQueuedPerUser and Duplicates=)
 * @id: the job's id; must not be in use; the next id moves past it
 * @submitted_at: when it was submitted (0: @now)
 * @started_at: when its current attempt started (0: @now)
 * @attempt: its current attempt (0 counts as 1)
 * @now: the current time
 * @error: SLUICE_ERROR_INVALID_ARGUMENT for a bad or used id, or whatever
 *         scheduler_submit() would say about @spec
 *
 * The job starts RUNNING without a call to the executor, holds its slots
 * against every limit, and JOB_NEW is emitted for it.  A class that no
 * longer exists is accepted (scheduler_build_orphan_job()): the job runs
 * with no class limit and its parameters unchecked.
 *
 * Return: the job (borrowed), NULL on error.
 */
Job *scheduler_adopt(Scheduler *s, const JobSpec *spec, uint64_t id,
                     usec_t submitted_at, usec_t started_at, uint32_t attempt,
                     usec_t now, GError **error) {
        g_autoptr(Job) built = NULL;
        Job *j;

        if (id == 0) {
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("id: 0 is not a job id"));
                return NULL;
        }
        if (scheduler_get_job(s, id)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("id: job %" PRIu64 " exists already"), id);
                return NULL;
        }
        /* The unit runs whatever the configuration says now: a class that
         * vanished still gets its job, so the id stays taken and the real
         * result is recorded. */
        if (spec->class_name && spec->class_name[0] && !sluice_config_get_class(s->config, spec->class_name))
                built = scheduler_build_orphan_job(s, spec, error);
        else
                built = scheduler_build_job(s, spec, now, false, error);
        if (!built)
                return NULL;

        j = g_steal_pointer(&built);
        job_register(s, j, id);
        if (id >= s->next_id)
                s->next_id = id == UINT64_MAX ? id : id + 1;

        j->state = JOB_STATE_RUNNING;
        j->submitted_at = submitted_at ? submitted_at : now;
        j->started_at = started_at ? started_at : now;
        j->attempt = MAX(attempt, 1u);
        scheduler_count_running(s, j, +1);
        if (is_detached_lease(j)) {
                j->lease_expires_at = usec_add(now, j->ttl_usec);
                timer_arm(s, j, TIMER_LEASE, j->lease_expires_at);
        }
        s->stats.submitted++;
        s->stats.started++;

        scheduler_emit(s, SCHED_EVENT_JOB_NEW, j, 0);
        return j;
}

/**
 * scheduler_restore() - put back a queued job read from the state store
 * @s: the scheduler
 * @job: the job as stored (owned by the caller until this succeeds;
 *       sched_priv and userdata NULL), state QUEUED
 * @now: the current time
 * @error: SLUICE_ERROR_INVALID_ARGUMENT for a bad or used id, a state other
 *         than queued or an out-of-range priority; SLUICE_ERROR_NO_SUCH_CLASS
 *         when its class is gone or now of the other kind
 *
 * The job keeps its id, priority, submission time, not-before, max wait,
 * argv and environment exactly as stored; it is not validated against the
 * class again (it was when it was accepted).  Restoring in the stored
 * submission order (Job.seq) gives the same queue order: seq is renumbered
 * in call order, and the discipline keys (priority, submitted_at) are kept.
 * The max-wait deadline counts from the original submission, so a job that
 * waited too long while sluiced was down times out at the next
 * scheduler_run_timers().  JOB_NEW is emitted; no quota or duplicate policy
 * applies.
 *
 * Return: the job (now owned by the scheduler), or NULL with @job untouched.
 */
Job *scheduler_restore(Scheduler *s, Job *job, usec_t now, GError **error) {
        const ClassConfig *cc;

        g_return_val_if_fail(job && !job->sched_priv, NULL);

        if (job->id == 0 || scheduler_get_job(s, job->id)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("id: job %" PRIu64 " is not a free job id"), job->id);
                return NULL;
        }
        if (job->state != JOB_STATE_QUEUED) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("state: job %" PRIu64 " is %s, only queued jobs are restored"), job->id,
                            job_state_to_string(job->state) ?: "?");
                return NULL;
        }
        if (job->priority < SLUICE_PRIORITY_MIN || job->priority > SLUICE_PRIORITY_MAX) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("priority: %" PRId32 " is out of range (%d..%d)"),
                            job->priority, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX);
                return NULL;
        }
        cc = job->class_name ? sluice_config_get_class(s->config, job->class_name) : NULL;
        if (!cc || cc->kind != job->kind) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_NO_SUCH_CLASS,
                            _("class: no %s class named \"%s\" any more"), job_kind_to_string(job->kind) ?: "?",
                            job->class_name ?: "");
                return NULL;
        }

        job_register(s, job, job->id);
        if (job->id >= s->next_id)
                s->next_id = job->id == UINT64_MAX ? job->id : job->id + 1;
        job->result = JOB_RESULT_NONE;
        job->started_at = 0;
        job->finished_at = 0;
        s->stats.submitted++;
        enter_queued(s, job, now);
        if (job->max_wait_usec > 0)
                timer_arm(s, job, TIMER_MAX_WAIT,
                          usec_add(MAX(job->submitted_at, job->not_before), job->max_wait_usec));

        scheduler_emit(s, SCHED_EVENT_JOB_NEW, job, 0);
        return job;
}

/**
 * scheduler_set_next_id() - never hand out an id below @next_id
 * @s: the scheduler
 * @next_id: the stored next id (ids of forgotten jobs stay taken)
 */
void scheduler_set_next_id(Scheduler *s, uint64_t next_id) {
        if (next_id > s->next_id)
                s->next_id = next_id;
}

/* A queued job leaves the queued state (started or ended). */
static void leave_queued(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);

        queue_remove(s, j);
        if (p->cluster_waiting)
                scheduler_cluster_unwait(s, j);
        p->deferred = false;
        timer_disarm(s, j, TIMER_NOT_BEFORE);
        timer_disarm(s, j, TIMER_MAX_WAIT);

        scheduler_count_queued(s, j, -1);
        s->n_queued--;
}

/* Any state -> done: free its slots, arm its removal, tell the listener. */
static void job_end(Scheduler *s, Job *j, JobResult result, int32_t exit_status, const char *detail,
                    usec_t now, JobChangedMask extra) {
        g_assert(j->state != JOB_STATE_DONE);
        g_assert(result != JOB_RESULT_NONE && result < _JOB_RESULT_MAX);

        if (j->state == JOB_STATE_QUEUED)
                leave_queued(s, j);
        if (job_priv(j)->counted)
                scheduler_count_running(s, j, -1);
        timer_disarm(s, j, TIMER_LEASE);
        duplicates_remove(s, j);

        j->state = JOB_STATE_DONE;
        j->result = result;
        j->finished_at = now;
        j->exit_status = exit_status;
        if (detail) {
                g_free(j->result_detail);
                j->result_detail = g_strdup(detail);
        }
        s->stats.finished[result]++;
        timer_arm(s, j, TIMER_REMOVE, usec_add(now, s->config->keep_finished_usec));
        scheduler_emit(s, SCHED_EVENT_JOB_CHANGED, j, JOB_CHANGED_STATE | JOB_CHANGED_RESULT | extra);
}

static bool is_detached_lease(Job *j) {
        return j->kind == JOB_KIND_LEASE && j->ttl_usec > 0;
}

/* Queued -> running through the executor; false if start() refused. */
static bool job_start(Scheduler *s, Job *j, usec_t now) {
        JobChangedMask mask = JOB_CHANGED_STATE | JOB_CHANGED_ATTEMPT;

        if (job_priv(j)->group)
                queue_mark_served(s, job_priv(j)->group);
        leave_queued(s, j);
        j->state = JOB_STATE_RUNNING;
        j->started_at = now;
        j->attempt++;
        scheduler_count_running(s, j, +1);
        if (is_detached_lease(j)) {
                j->lease_expires_at = usec_add(now, j->ttl_usec);
                timer_arm(s, j, TIMER_LEASE, j->lease_expires_at);
                mask |= JOB_CHANGED_LEASE;
        }

        int r = s->executor && s->executor->start ? s->executor->start(s->executor_data, j) : 0;
        if (r < 0) {
                job_end(s, j, JOB_RESULT_FAILED, -1, g_strerror(-r), now, mask);
                return false;
        }
        s->stats.started++;
        scheduler_emit(s, SCHED_EVENT_JOB_CHANGED, j, mask);
        return true;
}

static Job *group_head(QueueGroup *g) {
        return g_sequence_get(g_sequence_get_begin_iter(g->jobs));
}

/**
 * scheduler_set_cluster_ops() - the fleet's admission for Scope=cluster resources
 * @s: the scheduler
 * @ops: the daemon's answer (NULL: none: cluster jobs wait, "not connected")
 * @userdata: passed to @ops
 */
void scheduler_set_cluster_ops(Scheduler *s, const SchedulerClusterOps *ops, void *userdata) {
        s->cluster_ops = ops;
        s->cluster_data = userdata;
}

/**
 * scheduler_dispatch() - start every job that may run now
 * @s: the scheduler
 * @now: the current time
 *
 * Repeatedly picks the best group head (discipline order) whose pauses and
 * limits all have room, until none is left.  Within one pass limits only
 * fill up (a refused start gives its slots straight back), so a group found
 * blocked is not looked at again.  StrictOrder=yes: stop as soon as the
 * overall best head is blocked.  A head blocked only by its fleet slot
 * (Scope=cluster) leaves the queue reserving its local slots and blocks
 * only itself; the jobs waiting so are tried first, in submission order.
 *
 * Return: the number of jobs started.
 */
/* A group head whose only obstacle is its fleet slot leaves the dispatch
 * queue, reserving its local slots (its group goes with its last job). */
static void head_to_cluster_wait(Scheduler *s, GPtrArray *candidates, unsigned i, Job *head) {
        if (g_sequence_get_length(job_priv(head)->group->jobs) == 1)
                g_ptr_array_remove_index_fast(candidates, i);
        scheduler_cluster_wait(s, head);
}

unsigned scheduler_dispatch(Scheduler *s, usec_t now) {
        g_autoptr(GPtrArray) candidates = NULL;
        bool strict = s->config->strict_order;
        unsigned started = 0;

        /* First the jobs waiting for their fleet slot: they hold their local
         * slots already, in submission order. */
        if (g_hash_table_size(s->cluster_waiting) > 0) {
                g_autoptr(GPtrArray) waiting = g_ptr_array_ref(scheduler_cluster_waiting(s));

                for (unsigned i = 0; i < waiting->len; i++)
                        if (!scheduler_job_blocked(s, waiting->pdata[i], NULL) && job_start(s, waiting->pdata[i], now))
                                started++;
        }

        candidates = hash_values(s->groups);
        for (;;) {
                Job *best = NULL;
                unsigned best_idx = 0;
                bool best_cluster = false;

                for (unsigned i = 0; i < candidates->len;) {
                        Job *head = group_head(candidates->pdata[i]);
                        BlockInfo b;
                        bool blocked = !strict && scheduler_job_blocked(s, head, &b);

                        /* Waiting only for its fleet slot, it still takes its
                         * turn: its local slots are reserved in discipline order. */
                        if (blocked && b.reason != BLOCK_CLUSTER) {
                                g_ptr_array_remove_index_fast(candidates, i);
                                continue;
                        }
                        if (!best || queue_compare_heads(s, head, best) < 0) {
                                best = head;
                                best_idx = i;
                                best_cluster = blocked;
                        }
                        i++;
                }
                if (!best)
                        break;
                if (strict) {
                        BlockInfo b;

                        if (scheduler_job_blocked(s, best, &b)) {
                                if (b.reason != BLOCK_CLUSTER)
                                        break;
                                best_cluster = true;
                        }
                }
                /* It blocks only itself: its group's next job is looked at. */
                if (best_cluster) {
                        head_to_cluster_wait(s, candidates, best_idx, best);
                        continue;
                }

                /* The group goes away with its last job. */
                if (g_sequence_get_length(job_priv(best)->group->jobs) == 1)
                        g_ptr_array_remove_index_fast(candidates, best_idx);

                if (job_start(s, best, now))
                        started++;
        }
        return started;
}

static void job_remove(Scheduler *s, Job *j) {
        scheduler_emit(s, SCHED_EVENT_JOB_REMOVED, j, 0);
        timer_disarm_all(s, j);
        g_hash_table_remove(s->jobs, &j->id);
}

/**
 * scheduler_run_timers() - handle every deadline that is due
 * @s: the scheduler
 * @now: the current time
 *
 * In time order: releases not-before jobs into the queue, ends jobs that
 * waited longer than their max wait (timeout) and detached leases that were
 * not renewed (abandoned), removes finished jobs after KeepFinishedSec.
 */
void scheduler_run_timers(Scheduler *s, usec_t now) {
        TimerEntry *t;

        while ((t = timer_first(s)) && t->when <= now) {
                Job *j = t->job;
                TimerKind kind = t->kind;

                timer_disarm(s, j, kind);
                switch (kind) {
                case TIMER_NOT_BEFORE:
                        if (j->state == JOB_STATE_QUEUED && job_priv(j)->deferred) {
                                job_priv(j)->deferred = false;
                                queue_add(s, j);
                        }
                        break;
                case TIMER_MAX_WAIT:
                        if (j->state == JOB_STATE_QUEUED) {
                                g_autofree char *detail = g_strdup_printf(
                                        _("waited longer than %" PRIu64 " s"),
                                        j->max_wait_usec / USEC_PER_SEC);
                                job_end(s, j, JOB_RESULT_TIMEOUT, -1, detail, now, 0);
                        }
                        break;
                case TIMER_LEASE:
                        if (j->state == JOB_STATE_RUNNING) {
                                g_autofree char *detail = g_strdup_printf(
                                        _("lease not renewed within %" PRIu64 " s"),
                                        j->ttl_usec / USEC_PER_SEC);
                                job_end(s, j, JOB_RESULT_ABANDONED, -1, detail, now, 0);
                        }
                        break;
                case TIMER_REMOVE:
                        job_remove(s, j);
                        break;
                default:
                        g_assert_not_reached();
                }
        }
}

/**
 * scheduler_next_timer() - when scheduler_run_timers() next has work
 * @s: the scheduler
 *
 * Return: the earliest deadline, USEC_INFINITY if none.
 */
usec_t scheduler_next_timer(Scheduler *s) {
        TimerEntry *t = timer_first(s);
        return t ? t->when : USEC_INFINITY;
}

/**
 * scheduler_get_job() - look a job up by id
 * @s: the scheduler
 * @id: the job id
 *
 * Return: the job (borrowed), NULL if unknown or removed.
 */
Job *scheduler_get_job(Scheduler *s, uint64_t id) {
        return g_hash_table_lookup(s->jobs, &id);
}

gint scheduler_job_id_compare(gconstpointer a, gconstpointer b) {
        const Job *x = *(Job *const *) a, *y = *(Job *const *) b;
        return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/**
 * scheduler_list_jobs() - every job the scheduler holds, by id
 * @s: the scheduler
 *
 * Return: a new array of borrowed Job pointers; free with g_ptr_array_unref().
 */
GPtrArray *scheduler_list_jobs(Scheduler *s) {
        GPtrArray *all = hash_values(s->jobs);
        g_ptr_array_sort(all, scheduler_job_id_compare);
        return all;
}

static void set_invalid_state_done(Job *job, GError **error) {
        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_STATE,
                    _("state: job %" PRIu64 " is already done (%s)"),
                    job->id, job_result_to_string(job->result));
}

/**
 * scheduler_cancel() - cancel a job
 * @s: the scheduler
 * @job: the job
 * @now: the current time
 * @error: SLUICE_ERROR_INVALID_STATE if the job is already done
 *
 * Queued jobs and running leases end cancelled at once.  A running command
 * job is asked to stop through the executor (once; asking again is a
 * no-op) and stays running until scheduler_job_finished() reports the end,
 * which is then recorded as cancelled whatever the unit says.
 *
 * Return: true on success.
 */
bool scheduler_cancel(Scheduler *s, Job *job, usec_t now, GError **error) {
        return scheduler_cancel_detail(s, job, NULL, now, error);
}

/**
 * scheduler_cancel_detail() - scheduler_cancel() saying why
 * @s: the scheduler
 * @job: the job
 * @detail: the result detail of a job that ends here and now (may be NULL)
 * @now: the current time
 * @error: INVALID_STATE for a job that is done
 *
 * Return: true on success.
 */
bool scheduler_cancel_detail(Scheduler *s, Job *job, const char *detail, usec_t now, GError **error) {
        if (job->state == JOB_STATE_DONE) {
                set_invalid_state_done(job, error);
                return false;
        }
        cancel_job(s, job, detail, now);
        return true;
}

/* Cancel a job that is not done (see scheduler_cancel()); @detail, when
 * not NULL, becomes the result detail of a job that ends here and now. */
static void cancel_job(Scheduler *s, Job *job, const char *detail, usec_t now) {
        g_assert(job->state != JOB_STATE_DONE);

        if (job->state == JOB_STATE_QUEUED || job->kind == JOB_KIND_LEASE) {
                job_end(s, job, JOB_RESULT_CANCELLED, -1, detail, now, 0);
                return;
        }
        if (job_priv(job)->cancel_requested)
                return;
        job_priv(job)->cancel_requested = true;
        /* On its way out: no longer a duplicate of anything. */
        duplicates_remove(s, job);
        /* A failing stop() is the executor's to report: the unit's end still
         * arrives through scheduler_job_finished(). */
        if (s->executor && s->executor->stop)
                (void) s->executor->stop(s->executor_data, job);
}

/* Retry delay before the attempt after @attempt: RetryDelaySec *
 * RetryBackoff^(attempt-1), saturating. */
static usec_t retry_delay(const ClassConfig *cc, uint32_t attempt) {
        double d = (double) cc->retry_delay_usec;

        for (uint32_t i = 1; i < attempt && d < (double) (USEC_INFINITY / 2); i++)
                d *= cc->retry_backoff;
        return d >= (double) (USEC_INFINITY / 2) ? USEC_INFINITY / 2 : (usec_t) d;
}

/* A failed attempt of a running command job -> queued again for the next one. */
static void job_retry(Scheduler *s, Job *j, const ClassConfig *cc, int32_t exit_status, const char *detail,
                      usec_t now) {
        if (job_priv(j)->counted)
                scheduler_count_running(s, j, -1);
        j->exit_status = exit_status;
        if (detail) {
                g_free(j->result_detail);
                j->result_detail = g_strdup(detail);
        }
        job_priv(j)->retry_max = cc->retry;
        j->not_before = usec_add(now, retry_delay(cc, j->attempt));
        enter_queued(s, j, now);
        scheduler_emit(s, SCHED_EVENT_JOB_CHANGED, j, JOB_CHANGED_STATE | JOB_CHANGED_RESULT);
}

/**
 * scheduler_job_finished() - a job ended outside the scheduler's control
 * @s: the scheduler
 * @job: the job: running (lease released, holder vanished, unit finished)
 *       or still queued (a waiting lease's holder vanished); ignored when
 *       already done (a late report after a cancel or an expiry)
 * @result: how it ended (JOB_RESULT_NONE counts as failed)
 * @exit_status: exit status or signal number, -1 if none
 * @detail: free text for result_detail, may be NULL
 * @now: the current time
 *
 * A job sluice was asked to cancel ends cancelled whatever @result says.
 * A running command job that failed or timed out, while its class's Retry=
 * allows another attempt, does not end: it is queued again for
 * RetryDelaySec * RetryBackoff^(attempt-1) from @now (its exit status and
 * @detail kept meanwhile, JOB_CHANGED with STATE and RESULT; MaxWaitSec does
 * not apply to the wait for a retry).  The final result is the last attempt's.
 */
void scheduler_job_finished(Scheduler *s, Job *job, JobResult result,
                            int32_t exit_status, const char *detail, usec_t now) {
        const ClassConfig *cc;

        if (job->state == JOB_STATE_DONE)
                return;
        if (job_priv(job)->cancel_requested)
                result = JOB_RESULT_CANCELLED;
        else if (result == JOB_RESULT_NONE || result >= _JOB_RESULT_MAX)
                result = JOB_RESULT_FAILED;

        /* Retry= in force now decides; a class that vanished retries nothing. */
        cc = sluice_config_get_class(s->config, job->class_name);
        if (job->kind == JOB_KIND_COMMAND && job->state == JOB_STATE_RUNNING && cc &&
            (result == JOB_RESULT_FAILED || result == JOB_RESULT_TIMEOUT) && job->attempt <= cc->retry) {
                job_retry(s, job, cc, exit_status, detail, now);
                return;
        }
        job_end(s, job, result, exit_status, detail, now, 0);
}

/**
 * scheduler_renew() - extend a detached lease by its TTL from now
 * @s: the scheduler
 * @job: the job
 * @now: the current time
 * @error: SLUICE_ERROR_INVALID_STATE unless @job is a running detached lease
 *
 * Return: true on success.
 */
bool scheduler_renew(Scheduler *s, Job *job, usec_t now, GError **error) {
        if (job->state != JOB_STATE_RUNNING || !is_detached_lease(job)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_STATE,
                            _("state: job %" PRIu64 " is not a running detached lease"), job->id);
                return false;
        }
        job->lease_expires_at = usec_add(now, job->ttl_usec);
        timer_arm(s, job, TIMER_LEASE, job->lease_expires_at);
        scheduler_emit(s, SCHED_EVENT_JOB_CHANGED, job, JOB_CHANGED_LEASE);
        return true;
}

/**
 * scheduler_set_priority() - change a job's priority
 * @s: the scheduler
 * @job: the job
 * @priority: SLUICE_PRIORITY_MIN..SLUICE_PRIORITY_MAX
 * @error: SLUICE_ERROR_INVALID_ARGUMENT when out of range
 *
 * A queued job moves to its new place in the queue.
 *
 * Return: true on success.
 */
bool scheduler_set_priority(Scheduler *s, Job *job, int32_t priority, GError **error) {
        if (priority < SLUICE_PRIORITY_MIN || priority > SLUICE_PRIORITY_MAX) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("priority: %" PRId32 " is out of range (%d..%d)"),
                            priority, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX);
                return false;
        }
        if (priority == job->priority)
                return true;

        bool in_queue = job_priv(job)->group != NULL;
        if (in_queue)
                queue_remove(s, job);
        job->priority = priority;
        if (in_queue)
                queue_add(s, job);
        scheduler_emit(s, SCHED_EVENT_JOB_CHANGED, job, JOB_CHANGED_PRIORITY);
        return true;
}

/**
 * scheduler_job_set_unit() - record the executor's unit for a job
 * @s: the scheduler
 * @job: the job
 * @unit: unit name, may be NULL
 * @invocation_id: 32 hex digits, may be NULL
 */
void scheduler_job_set_unit(Scheduler *s, Job *job, const char *unit, const char *invocation_id) {
        g_free(job->unit);
        job->unit = g_strdup(unit);
        g_free(job->invocation_id);
        job->invocation_id = g_strdup(invocation_id);
        scheduler_emit(s, SCHED_EVENT_JOB_CHANGED, job, JOB_CHANGED_UNIT);
}

static bool check_scope(Scheduler *s, const char *scope, bool resuming, GError **error) {
        if (!scope) {
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("scope: missing"));
                return false;
        }
        if (scope[0] == '\0')
                return true;
        /* A class that vanished from the config can still be resumed. */
        if (resuming && g_hash_table_contains(s->paused, scope))
                return true;

        g_autofree char *esc = g_strescape(scope, NULL);
        if (g_str_has_prefix(scope, "class:")) {
                const char *name = scope + strlen("class:");
                if (!sluice_config_get_class(s->config, name)) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("scope: no class named \"%s\""), esc + strlen("class:"));
                        return false;
                }
                return true;
        }
        if (g_str_has_prefix(scope, "resource:")) {
                const char *key = scope + strlen("resource:");
                const char *colon = strchr(key, ':');
                bool ok = g_utf8_validate(key, -1, NULL) && strlen(key) <= 255 && colon && colon != key && colon[1];
                for (const char *p = key; ok && *p; p = g_utf8_next_char(p))
                        ok = g_unichar_isgraph(g_utf8_get_char(p));
                if (!ok) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("scope: \"%s\" does not name a resource (resource:KEY:VALUE or resource:KEY:*)"),
                                    esc);
                        return false;
                }
                return true;
        }
        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                    _("scope: \"%s\" is not \"\", class:NAME or resource:KEY"), esc);
        return false;
}

/**
 * scheduler_pause() - stop dispatching the jobs of a scope
 * @s: the scheduler
 * @scope: "" (everything), "class:NAME", "resource:KEY:VALUE" or "resource:KEY:*"
 * @error: SLUICE_ERROR_INVALID_ARGUMENT for a malformed scope or unknown class
 *
 * Pausing a paused scope is a no-op.  Running jobs go on.
 *
 * Return: true on success.
 */
bool scheduler_pause(Scheduler *s, const char *scope, GError **error) {
        if (!check_scope(s, scope, false, error))
                return false;
        g_hash_table_add(s->paused, g_strdup(scope));
        return true;
}

/**
 * scheduler_resume() - dispatch the jobs of a paused scope again
 * @s: the scheduler
 * @scope: as for scheduler_pause()
 * @error: SLUICE_ERROR_INVALID_ARGUMENT for a malformed scope or unknown class
 *
 * Resuming a scope that is not paused is a no-op.
 *
 * Return: true on success.
 */
bool scheduler_resume(Scheduler *s, const char *scope, GError **error) {
        if (!check_scope(s, scope, true, error))
                return false;
        g_hash_table_remove(s->paused, scope);
        return true;
}

/**
 * scheduler_scope_is_paused() - is exactly this scope paused?
 * @s: the scheduler
 * @scope: "" (everything), "class:NAME", "resource:KEY:VALUE" or "resource:KEY:*"
 *
 * No matching: "resource:datastore:*" being paused does not make
 * "resource:datastore:a" paused here (scheduler_job_blocked() knows that).
 *
 * Return: true if @scope is among the paused scopes.
 */
bool scheduler_scope_is_paused(Scheduler *s, const char *scope) {
        return g_hash_table_contains(s->paused, scope);
}

static gint str_ptr_compare(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/**
 * scheduler_paused_scopes() - the paused scopes
 * @s: the scheduler
 *
 * Return: sorted, NULL-terminated; free with g_strfreev().
 */
char **scheduler_paused_scopes(Scheduler *s) {
        GPtrArray *out = g_ptr_array_new();
        GHashTableIter it;
        gpointer k;

        g_hash_table_iter_init(&it, s->paused);
        while (g_hash_table_iter_next(&it, &k, NULL))
                g_ptr_array_add(out, g_strdup(k));
        g_ptr_array_sort(out, str_ptr_compare);
        g_ptr_array_add(out, NULL);
        return (char **) g_ptr_array_free(out, false);
}

/**
 * scheduler_n_queued() - jobs in state queued (including not-before waits)
 * @s: the scheduler
 *
 * Return: the count.
 */
unsigned scheduler_n_queued(Scheduler *s) {
        return s->n_queued;
}

/**
 * scheduler_n_running() - jobs in state running
 * @s: the scheduler
 *
 * Return: the count.
 */
unsigned scheduler_n_running(Scheduler *s) {
        return s->n_running;
}

/**
 * scheduler_get_stats() - counters since the scheduler was created
 * @s: the scheduler
 *
 * Return: the counters (borrowed).
 */
const SchedulerStats *scheduler_get_stats(Scheduler *s) {
        return &s->stats;
}

/**
 * scheduler_next_id() - the id the next submitted job gets
 * @s: the scheduler
 *
 * Return: the id.
 */
uint64_t scheduler_next_id(Scheduler *s) {
        return s->next_id;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice-config.h"
#include "job.h"

/*
 * The scheduler core: a deterministic state machine.  No sockets, no sd-bus,
 * no clock reads; every entry point takes `now` (CLOCK_REALTIME, usec).
 *
 * It owns all jobs.  It tells the outside world what happened through one
 * listener (events, in order) and asks the outside world to start or stop
 * work through one executor.  Both are called synchronously from inside the
 * entry points; they must not re-enter the scheduler except through the
 * functions documented as safe for that (none are, today: queue follow-up
 * work instead, e.g. with an sd-event defer source).
 *
 * Dispatch: scheduler_dispatch() starts, in discipline order, every queued
 * job whose limits (global MaxRunning, class MaxRunning, each resource's
 * limit, pauses) all have room.  A blocked job does not block unrelated jobs
 * behind it unless StrictOrder=yes.  Jobs are kept in groups that share the
 * same limits (class + resources; + owner when MaxRunningPerUser is set or the
 * discipline is fair by owner; + the fair bucket), each group ordered by the
 * discipline, so a
 * dispatch looks at group heads only: cheap with thousands of blocked jobs.
 *
 * Entry points that change state do NOT dispatch by themselves; the caller
 * calls scheduler_dispatch() once after handling an event (the daemon does it
 * from a defer source, once per loop iteration).
 */

typedef struct Scheduler Scheduler;

typedef enum {
        SCHED_EVENT_JOB_NEW,            /* job queued (or already running: re-attach) */
        SCHED_EVENT_JOB_CHANGED,        /* see the JobChangedMask */
        SCHED_EVENT_JOB_REMOVED,        /* the job is about to be freed (KeepFinished elapsed or forgotten) */
} SchedEventType;

typedef struct SchedulerListener {
        void (*event)(void *userdata, SchedEventType type, Job *job, JobChangedMask changed);
} SchedulerListener;

/*
 * The executor starts and stops work.  For lease jobs "start" is the grant
 * (the bus layer replies to Acquire); for command jobs it starts a unit.
 * start() returning < 0 ends the job failed (result_detail from strerror).
 * stop() asks running work to stop; the result comes back later through
 * scheduler_job_finished() (command jobs) — for leases the bus layer calls
 * scheduler_job_finished() itself.
 */
typedef struct SchedulerExecutor {
        int (*start)(void *userdata, Job *job);
        int (*stop)(void *userdata, Job *job);
} SchedulerExecutor;

/*
 * The fleet's answer for Scope=cluster resources (docs/cluster.md, "How it
 * plugs into the core"), set by the daemon; the core stays pure: the answer
 * comes from the daemon's cache, never from I/O inside the call.
 *
 * admitted(): may job @job_id hold a fleet slot of @resource (MaxRunning
 * @limit, > 0) now?  Asked only once the job's local limits have room;
 * false sets *ret_reason to a translated WaitReason tail ("2 of 3 running in
 * the fleet, position 4 in the fleet queue"; caller frees).
 */
typedef struct SchedulerClusterOps {
        bool (*admitted)(void *userdata, uint64_t job_id, const char *resource, uint32_t limit, char **ret_reason);
} SchedulerClusterOps;

/* What a client asks for: Submit()/Acquire() options after parsing. */
typedef struct JobSpec {
        const char *class_name;
        bool acquire;                   /* Acquire(): must be a lease class */
        bool has_priority;
        int32_t priority;
        const char *const *resources;   /* extra resources, NULL-terminated or NULL */
        GHashTable *parameters;         /* char* -> char*, borrowed, may be NULL */
        const char *description;
        usec_t not_before;
        usec_t max_wait_usec;           /* overrides the class's MaxWaitSec when != 0 */
        usec_t ttl_usec;                /* detached lease */
        const char *const *argv;        /* raw command, NULL-terminated or NULL */
        const char *const *environment; /* "KEY=VALUE", NULL-terminated or NULL */
        uint32_t owner;
        const char *submitter;
} JobSpec;

/*
 * The spec @job was submitted with, its fields borrowed from @job: class,
 * priority, resources, parameters, description, TTL, argv, environment,
 * owner, submitter; acquire for a lease.  For scheduler_adopt() of a job read
 * back from the store (src/core/job.c).
 */
JobSpec job_spec_from_job(const Job *job);

Scheduler *scheduler_new(SluiceConfig *cfg,
                         const SchedulerListener *listener, void *listener_data,
                         const SchedulerExecutor *executor, void *executor_data);
void scheduler_free(Scheduler *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Scheduler, scheduler_free)

/* The config in force (borrowed). */
SluiceConfig *scheduler_get_config(Scheduler *s);

/*
 * Swap in a new config (already validated).  Keeps every job and the
 * submission order; a discipline switch re-orders the queue by the new
 * discipline.  Jobs of classes that vanished keep running/queued with the
 * limits they had no longer applied (their class no longer limits them).
 */
void scheduler_set_config(Scheduler *s, SluiceConfig *cfg);

/*
 * The fleet's admission for Scope=cluster resources (NULL: none; a job
 * needing a cluster resource then waits, "cluster resource R: not connected").
 * A job whose local limits have room but whose fleet slot is not admitted
 * waits outside the dispatch queue (Position 0, WaitReason "cluster resource
 * R: ...") and RESERVES its local slots (class, resources, owner, global)
 * until it starts or ends, so no other local job takes them; it blocks only
 * itself.  Every dispatch asks again for the jobs waiting so.
 */
void scheduler_set_cluster_ops(Scheduler *s, const SchedulerClusterOps *ops, void *userdata);

/* Jobs waiting for their fleet slot (queued, local slots reserved): Job*,
 * by submission order; borrowed, valid until the next scheduler call. */
GPtrArray *scheduler_cluster_waiting(Scheduler *s);

/*
 * Validate spec against the config and queue a new job (state QUEUED, emits
 * JOB_NEW).  Errors (nothing changed): NO_SUCH_CLASS, INVALID_ARGUMENT (bad
 * priority, undeclared parameter, pattern mismatch, Acquire of a command
 * class, argv on a lease class, ...), QUOTA_EXCEEDED (MaxQueuedPerUser).
 * Messages name the field.
 */
Job *scheduler_submit(Scheduler *s, const JobSpec *spec, usec_t now, GError **error);

/* Start every job that may run now, in discipline order. Returns the number started. */
unsigned scheduler_dispatch(Scheduler *s, usec_t now);

/*
 * Handle time: ends queued jobs whose max wait elapsed (Result=timeout),
 * detached leases whose TTL ran out (Result=abandoned), releases not-before
 * jobs into the queue, removes finished jobs after KeepFinishedSec.
 */
void scheduler_run_timers(Scheduler *s, usec_t now);

/* The next time scheduler_run_timers() has work, USEC_INFINITY if none.
 * Aging never needs a timer (see priority discipline notes in scheduler.c). */
usec_t scheduler_next_timer(Scheduler *s);

Job *scheduler_get_job(Scheduler *s, uint64_t id);

/* All jobs (queued, running, done and still kept), by id; borrowed pointers. */
GPtrArray *scheduler_list_jobs(Scheduler *s);

/*
 * Cancel: a queued job ends cancelled at once; a running command job is
 * asked to stop through the executor (its result arrives later, and is
 * reported as cancelled whatever the unit says); a running lease ends
 * cancelled at once.  INVALID_STATE if already done.
 */
bool scheduler_cancel(Scheduler *s, Job *job, usec_t now, GError **error);

/* scheduler_cancel() with @detail as the result detail of a job that ends
 * here and now (queued jobs, leases); a command job's comes with its unit's end. */
bool scheduler_cancel_detail(Scheduler *s, Job *job, const char *detail, usec_t now, GError **error);

/*
 * Command jobs: scheduler_submit() fills job->argv from the class's ExecStart
 * template with every %{param} substituted (whole argv elements, or inside
 * one; never through a shell) unless the spec brings a raw argv, and
 * job->environment from the class's Environment= followed by the spec's.
 *
 * Retries: when a command job ends FAILED or TIMEOUT (run time) and its class
 * allows another attempt (Retry=), scheduler_job_finished() does not end it:
 * the job goes back to QUEUED with not_before = now + RetryDelaySec *
 * RetryBackoff^(attempt-1), attempt+1 on its next start, unit and exit status
 * kept until then (JOB_CHANGED with STATE).  Cancelled jobs are never retried.
 * The final Result is the last attempt's.
 *
 * Duplicates: a job of the same class with equal parameters (and argv) that
 * is queued or running is a duplicate; the class's Duplicates= decides
 * (reject → SLUICE_ERROR_DUPLICATE naming the duplicate's id).
 *
 * A job ended: a running one (lease released / holder vanished / unit
 * finished), or a queued one that can no longer run (its lease holder's
 * connection went away).  Ignored for jobs already done.
 */
void scheduler_job_finished(Scheduler *s, Job *job, JobResult result,
                            int32_t exit_status, const char *detail, usec_t now);

/* Detached lease keep-alive: INVALID_STATE unless a running detached lease. */
bool scheduler_renew(Scheduler *s, Job *job, usec_t now, GError **error);

/* INVALID_ARGUMENT when out of range; queued jobs move in the queue. */
bool scheduler_set_priority(Scheduler *s, Job *job, int32_t priority, GError **error);

/*
 * Re-attach after a restart: rebuild a job that is already running (its unit
 * survived sluiced).  The spec is validated like a submission except for
 * quotas and duplicates; the job keeps `id` (the next id moves past it),
 * starts RUNNING without calling the executor, counts against every limit,
 * and JOB_NEW is emitted for it.
 *
 * A class that no longer exists is accepted all the same: the unit runs
 * anyway, and its job must exist so that its id stays taken and its real
 * result is recorded.  Such a job is a command job with no class limit (its
 * resources still count), its parameters taken as they are (no declaration
 * or pattern check), priority the spec's or 0, and no retry; only what every
 * job must be is checked (valid UTF-8, bounded lengths, resources KEY:VALUE,
 * argv[0] absolute, environment KEY=VALUE).
 *
 * NULL + error when the spec is invalid (for an existing class: whatever
 * scheduler_submit() would say, except quota and duplicates) or the id is in
 * use.
 */
Job *scheduler_adopt(Scheduler *s, const JobSpec *spec, uint64_t id,
                     usec_t submitted_at, usec_t started_at, uint32_t attempt,
                     usec_t now, GError **error);

/*
 * Restore after a restart: put back a QUEUED job read from the state store,
 * with its id, priority, submission time, not-before, max wait, argv and
 * environment as stored (not validated against its class again; its class
 * must still exist with the same kind).  Call it in stored submission order
 * (Job.seq): the queue comes back in the same order.  The max wait counts
 * from the original submission.  On success the scheduler owns @job and
 * JOB_NEW is emitted; on error (used id, not queued, priority out of range,
 * class gone) NULL and @job stays the caller's.
 */
Job *scheduler_restore(Scheduler *s, Job *job, usec_t now, GError **error);

/* After a restart: never hand out an id below @next_id (the stored next id). */
void scheduler_set_next_id(Scheduler *s, uint64_t next_id);

/* Executor bookkeeping (emits JOB_CHANGED with JOB_CHANGED_UNIT). */
void scheduler_job_set_unit(Scheduler *s, Job *job, const char *unit, const char *invocation_id);

/*
 * Pause/resume a scope: "" (everything), "class:NAME", "resource:KEY".
 * Paused scopes stop dispatch of matching queued jobs; running jobs go on.
 * INVALID_ARGUMENT for a malformed scope or an unknown class.
 */
bool scheduler_pause(Scheduler *s, const char *scope, GError **error);
bool scheduler_resume(Scheduler *s, const char *scope, GError **error);
/* Paused scopes, sorted, NULL-terminated; free with g_strfreev(). */
char **scheduler_paused_scopes(Scheduler *s);

/* True if exactly this scope is paused ("" = everything; no wildcard matching). */
bool scheduler_scope_is_paused(Scheduler *s, const char *scope);

/* Counts. */
unsigned scheduler_n_queued(Scheduler *s);
unsigned scheduler_n_running(Scheduler *s);

/* The counts behind the limits, kept as jobs move (scheduler-limits.c): reading
 * them never walks the jobs.  "queued" includes not-before and retry waits. */
unsigned scheduler_class_running(Scheduler *s, const char *class_name);
unsigned scheduler_class_queued(Scheduler *s, const char *class_name);
unsigned scheduler_resource_running(Scheduler *s, const char *resource);
unsigned scheduler_resource_queued(Scheduler *s, const char *resource);
unsigned scheduler_owner_running(Scheduler *s, uint32_t owner);
unsigned scheduler_owner_queued(Scheduler *s, uint32_t owner);
/* Resource instances some queued or running job needs: sorted, NULL-terminated, g_strfreev(). */
char **scheduler_resources_in_use(Scheduler *s);
/* uids with queued or running jobs: GArray of uint32_t, ascending; g_array_unref(). */
GArray *scheduler_owners_in_use(Scheduler *s);
/* Changes whenever any of those counts moves. */
uint64_t scheduler_counts_serial(Scheduler *s);

/* 1-based position of a queued job in dispatch order (0 if not queued), and the queue length. */
unsigned scheduler_job_position(Scheduler *s, Job *job, unsigned *ret_total);

/*
 * Why a queued job is not running yet, in words a person understands
 * (translated): "resource datastore:a is full (2 of 2 running)",
 * "class gc is paused", "not before 02:30", "position 4 of 9".
 * "" for jobs that are not queued.  Caller frees.
 */
char *scheduler_job_wait_reason(Scheduler *s, Job *job, usec_t now);

/* Statistics for the Statistics property: submitted, started, finished per result. */
typedef struct SchedulerStats {
        uint64_t submitted;
        uint64_t started;
        uint64_t finished[_JOB_RESULT_MAX];
} SchedulerStats;
const SchedulerStats *scheduler_get_stats(Scheduler *s);

/* Id the next job gets (for persistence later). */
uint64_t scheduler_next_id(Scheduler *s);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Internals of the scheduler core, shared by scheduler*.c only.
 *
 *   scheduler.c          lifecycle, dispatch, job state transitions, pauses
 *   scheduler-submit.c   JobSpec validation and job construction
 *   scheduler-command.c  a command job's argv (ExecStart= template) and environment
 *   scheduler-duplicates.c  the index of queued/running jobs by class+parameters+argv
 *   scheduler-queue.c    queue groups, discipline order, dispatch order
 *   scheduler-limits.c   "may this job start now?" (pauses and limits)
 *   scheduler-timers.c   the one time-ordered set of deadlines
 *   scheduler-wait.c     Position and WaitReason
 */

#include "scheduler.h"

typedef enum {
        TIMER_NOT_BEFORE,       /* deferred job joins the queue */
        TIMER_MAX_WAIT,         /* queued too long -> timeout */
        TIMER_LEASE,            /* detached lease not renewed -> abandoned */
        TIMER_REMOVE,           /* finished job kept long enough -> removed */
        _TIMER_MAX,
} TimerKind;

typedef struct TimerEntry {
        usec_t when;
        TimerKind kind;
        Job *job;
        GSequenceIter *iter;    /* in Scheduler.timers, NULL when not armed */
} TimerEntry;

/* Queued jobs that share every limit (and fair bucket) live in one group:
 * class, resources, the fair bucket under Discipline=fair, and the owner
 * when MaxRunningPerUser= limits owners (see job_signature()). */
typedef struct QueueGroup {
        char *signature;        /* key in Scheduler.groups */
        char *bucket;           /* fair bucket, NULL unless discipline=fair */
        GSequence *jobs;        /* Job*, in discipline order; never empty */
        unsigned dispatch_pass; /* last dispatch pass that found it blocked */
} QueueGroup;

typedef struct JobPriv {
        QueueGroup *group;      /* NULL unless in the dispatch queue */
        GSequenceIter *queue_iter;
        bool deferred;          /* queued, waiting for not_before */
        bool cancel_requested;  /* sluice asked the executor to stop it */
        uint32_t retry_max;     /* waiting for a retry: the class's Retry= when it was decided */
        const char *dup_key;    /* key in Scheduler.duplicates (borrowed from it), NULL when not in the index */
        guint dup_index;        /* place in that key's array */
        bool counted;           /* holds running slots (class, resources, global) */
        unsigned position;      /* valid when Scheduler.order_valid */
        bool cluster_waiting;   /* queued, out of the dispatch queue: local slots reserved, waiting
                                 * for its fleet slot (in Scheduler.cluster_waiting) */
        char *cluster_reason;   /* the last "not admitted" answer's text (owned), for BlockInfo.detail */
        TimerEntry *timers;     /* [_TIMER_MAX], NULL until the job's first timer_arm():
                                 * most queued jobs never have a deadline (128 bytes each) */
} JobPriv;

static inline JobPriv *job_priv(Job *j) {
        return j->sched_priv;
}

typedef enum {
        BLOCK_NONE,
        BLOCK_PAUSED_ALL,
        BLOCK_PAUSED_CLASS,
        BLOCK_PAUSED_RESOURCE,
        BLOCK_CLASS_FULL,
        BLOCK_RESOURCE_FULL,
        BLOCK_USER_FULL,        /* MaxRunningPerUser */
        BLOCK_GLOBAL_FULL,
        BLOCK_CLUSTER,          /* local limits have room; the fleet slot of ->what is not admitted */
} BlockReason;

typedef struct BlockInfo {
        BlockReason reason;
        const char *what;       /* class name, resource or pause scope text */
        uint32_t running;
        uint32_t limit;
        uint32_t owner;         /* BLOCK_USER_FULL: whose jobs */
        uint32_t reserved;      /* of @running, the slots reserved by jobs waiting for a fleet slot (docs/cluster.md) */
        const char *detail;     /* BLOCK_CLUSTER: the module's reason (borrowed from the job) */
} BlockInfo;

struct Scheduler {
        SluiceConfig *config;

        const SchedulerListener *listener;
        void *listener_data;
        const SchedulerExecutor *executor;
        void *executor_data;

        GHashTable *jobs;               /* id -> Job* (owned) */
        uint64_t next_id;
        uint64_t next_seq;

        GHashTable *groups;             /* signature -> QueueGroup* (owned) */
        unsigned dispatch_pass;

        /* fair: bucket -> last-served tick (0 = never); ticks count up */
        GHashTable *fair_served;
        uint64_t fair_tick;

        GSequence *timers;              /* TimerEntry* (borrowed from JobPriv) by (when, kind, id) */

        GHashTable *paused;             /* scope -> scope (set) */
        GHashTable *regex_cache;        /* parameter pattern -> GRegex* matching the whole value */
        GHashTable *duplicates;         /* duplicates_key() -> GPtrArray of Job* (queued/running, not cancelling) */

        GHashTable *running_per_class;    /* name -> count */
        GHashTable *running_per_resource; /* resource -> count */
        GHashTable *queued_per_owner;     /* uid -> count */
        GHashTable *queued_per_owner_class; /* "uid\x1fclass" -> count (a class's own MaxQueuedPerUser) */
        GHashTable *running_per_owner;    /* uid -> count (MaxRunningPerUser) */
        GHashTable *queued_per_class;     /* name -> count (ClassDetails, Limits) */
        GHashTable *queued_per_resource;  /* resource -> count (Limits) */
        uint64_t counts_serial;           /* bumped whenever any count above moves */
        unsigned n_running;

        /* Scope=cluster (docs/cluster.md): the daemon's answer, and the jobs
         * waiting for it with their local slots reserved (counted here, not
         * in running_*: Limits and ClassDetails show running jobs only). */
        const SchedulerClusterOps *cluster_ops;
        void *cluster_data;
        GHashTable *cluster_waiting;      /* id -> Job* (borrowed) */
        GHashTable *reserved_per_class;   /* name -> count */
        GHashTable *reserved_per_resource;/* resource -> count */
        GHashTable *reserved_per_owner;   /* uid -> count */
        unsigned n_reserved;
        unsigned n_queued;
        unsigned n_in_queue;            /* queued and not deferred */

        /* Dispatch order cache for Position/WaitReason: kept when a job joins
         * (queue_add()), dropped on any other queue change. */
        GPtrArray *order;               /* Job*, NULL when invalid */
        GHashTable *order_buckets;      /* fair: bucket -> FairRound* of that order; NULL with it */

        SchedulerStats stats;
};

/* scheduler.c */
void scheduler_emit(Scheduler *s, SchedEventType type, Job *job, JobChangedMask changed);
void scheduler_invalidate_order(Scheduler *s);
gint scheduler_job_id_compare(gconstpointer a, gconstpointer b);     /* Job** by id, for g_ptr_array_sort() */

/* scheduler-submit.c */
Job *scheduler_build_job(Scheduler *s, const JobSpec *spec, usec_t now, bool check_quota, GError **error);
/* scheduler_adopt() of a unit whose class vanished: no class to check against. */
Job *scheduler_build_orphan_job(Scheduler *s, const JobSpec *spec, GError **error);

/* scheduler-command.c */
char **scheduler_command_argv(const ClassConfig *cc, GHashTable *params, const char *const *raw, GError **error);
char **scheduler_command_environment(const ClassConfig *cc, const char *const *given);

/* scheduler-duplicates.c */
char *duplicates_key(const Job *j);
void duplicates_add(Scheduler *s, Job *j);
void duplicates_remove(Scheduler *s, Job *j);
GPtrArray *duplicates_find(Scheduler *s, const Job *j);

/* scheduler-queue.c */
void queue_add(Scheduler *s, Job *j);
void queue_remove(Scheduler *s, Job *j);
void queue_regroup(Scheduler *s);
void queue_group_free(QueueGroup *g);
int queue_compare_heads(Scheduler *s, Job *a, Job *b);
const char *queue_fair_bucket(Scheduler *s, Job *j, char buf[static 16]);
void queue_mark_served(Scheduler *s, QueueGroup *g);
GPtrArray *queue_dispatch_order(Scheduler *s);

/* scheduler-limits.c */
bool scheduler_job_blocked(Scheduler *s, Job *j, BlockInfo *ret);
void scheduler_count_queued(Scheduler *s, Job *j, int delta);
unsigned scheduler_queued_of(Scheduler *s, uint32_t owner, const char *class_name);
bool scheduler_scope_paused_for(Scheduler *s, Job *j, const char **ret_scope, BlockReason *ret_reason);
void scheduler_count_running(Scheduler *s, Job *j, int delta);
void scheduler_cluster_wait(Scheduler *s, Job *j);
void scheduler_cluster_unwait(Scheduler *s, Job *j);

/* scheduler-timers.c */
void timer_arm(Scheduler *s, Job *j, TimerKind kind, usec_t when);
void timer_disarm(Scheduler *s, Job *j, TimerKind kind);
void timer_disarm_all(Scheduler *s, Job *j);
TimerEntry *timer_first(Scheduler *s);

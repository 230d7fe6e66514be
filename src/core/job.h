/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A job: one unit of work the scheduler decides about.  Owned by the
 * Scheduler (scheduler.h); everyone else borrows Job pointers, which stay
 * valid until the scheduler emits SCHED_EVENT_JOB_REMOVED for the job.
 *
 * All times are CLOCK_REALTIME in microseconds (usec_t), passed in by the
 * caller: the core never reads a clock.
 */

typedef uint64_t usec_t;
#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MSEC ((usec_t) 1000ULL)

typedef enum {
        JOB_KIND_LEASE,         /* the client does the work; sluice grants the slot */
        JOB_KIND_COMMAND,       /* sluice runs the work through its executor */
        _JOB_KIND_MAX,
} JobKind;

typedef enum {
        JOB_STATE_QUEUED,
        JOB_STATE_RUNNING,
        JOB_STATE_DONE,
        _JOB_STATE_MAX,
} JobState;

typedef enum {
        JOB_RESULT_NONE,        /* "" while not done */
        JOB_RESULT_SUCCESS,
        JOB_RESULT_FAILED,
        JOB_RESULT_CANCELLED,
        JOB_RESULT_TIMEOUT,     /* max wait or max runtime exceeded */
        JOB_RESULT_ABANDONED,   /* lease holder vanished / TTL expired */
        JOB_RESULT_LOST,        /* unit vanished while sluiced was down */
        _JOB_RESULT_MAX,
} JobResult;

/* Bits for the "what changed" mask passed with SCHED_EVENT_JOB_CHANGED. */
typedef enum {
        JOB_CHANGED_STATE       = 1u << 0,      /* State (and StartedAt/FinishedAt) */
        JOB_CHANGED_RESULT      = 1u << 1,      /* Result, ExitStatus */
        JOB_CHANGED_PRIORITY    = 1u << 2,
        JOB_CHANGED_UNIT        = 1u << 3,      /* Unit, InvocationID */
        JOB_CHANGED_ATTEMPT     = 1u << 4,
        JOB_CHANGED_LEASE       = 1u << 5,      /* lease expiry (Renew) */
} JobChangedMask;

typedef struct Job {
        uint64_t id;            /* never reused */
        uint64_t seq;           /* submission order; survives discipline switches */
        char *class_name;
        JobKind kind;
        JobState state;
        JobResult result;
        int32_t priority;
        char **resources;       /* NULL-terminated, expanded ("datastore:a"), sorted, unique; NULL when none */
        GHashTable *parameters; /* char* -> char*, owned; NULL when none */
        uint32_t owner;         /* uid, from the bus, never from arguments */
        char *submitter;        /* unique bus name of the submitter, may be NULL */
        char *description;
        char **argv;            /* command jobs: the raw argv (run-command) or the class ExecStart with %{param} substituted; NULL for leases */
        char **environment;     /* "KEY=VALUE" strings, NULL if none */

        usec_t submitted_at;
        usec_t started_at;      /* 0 until running */
        usec_t finished_at;     /* 0 until done */
        usec_t not_before;      /* 0: no constraint */
        usec_t max_wait_usec;   /* 0: none; queue wait bound -> Result=timeout */
        usec_t ttl_usec;        /* detached leases: 0 = bound to a connection */
        usec_t lease_expires_at;/* detached leases: end of the current TTL */

        char *unit;             /* executor: unit name, NULL if none */
        char *invocation_id;    /* executor: 32 hex digits, NULL if none */
        int32_t exit_status;    /* exit status or signal number, -1 if none */
        uint32_t attempt;       /* 1 for the first run */
        char *result_detail;    /* free text: "stopped externally", "signal 9", ... may be NULL */

        /* Private to the scheduler. */
        void *sched_priv;
        /* Free for the owner of the scheduler (the bus layer), never touched by the core. */
        void *userdata;
} Job;

const char *job_kind_to_string(JobKind k);
int job_kind_from_string(const char *s);        /* -1 if unknown */
const char *job_state_to_string(JobState s);
int job_state_from_string(const char *s);
const char *job_result_to_string(JobResult r);  /* "" for JOB_RESULT_NONE */
int job_result_from_string(const char *s);

/* Frees a job and everything it owns (scheduler-internal use and tests). */
void job_free(Job *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Job, job_free)

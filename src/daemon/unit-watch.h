/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "job.h"
#include "log.h"
#include "unit-props.h"

/*
 * One transient unit sluiced follows (one attempt of one job): a state
 * machine fed with what PID 1 said, already parsed (UnitChanges, a reply's
 * kind), whose effects go out through UnitWatchOps.  It sends nothing and
 * reads no job itself, so tests/unit/test-unit-watch.c drives it against a
 * fake PID 1 with no bus.  The table of states and transitions is at the top
 * of unit-watch.c and in docs/design.md ("The unit watch").
 */

typedef enum UnitWatchState {
        UNIT_WATCH_UNSENT,              /* the start is not sent (PID 1 was away) */
        UNIT_WATCH_STARTING,            /* StartTransientUnit queued or sent, not confirmed */
        UNIT_WATCH_CHECKING_START,      /* GetUnit in flight: did a start whose answer was lost arrive? */
        UNIT_WATCH_ACTIVE,              /* the unit exists; its signals are followed */
        UNIT_WATCH_READING,             /* GetAll (Unit, then Service) in flight */
        UNIT_WATCH_CHECKING,            /* GetUnit in flight: is the unit still there (PID 1 came back)? */
        UNIT_WATCH_ENDED,               /* the end is reported; the watch is being dropped */
        _UNIT_WATCH_STATE_MAX,
} UnitWatchState;

/* Who wants the unit stopped. */
typedef enum UnitWatchStop {
        UNIT_WATCH_STOP_NONE,
        UNIT_WATCH_STOP_SLUICE,         /* sluiced asked (a Cancel, or a unit no job claims) */
        UNIT_WATCH_STOP_STORED,         /* asked before sluiced restarted (the stored request) */
} UnitWatchStop;

/* What a reply to one of the watch's calls was. */
typedef enum UnitReplyKind {
        UNIT_REPLY_OK,
        UNIT_REPLY_TRANSIENT,           /* PID 1 is not there right now (NoReply, Disconnected, away) */
        UNIT_REPLY_NO_UNIT,             /* NoSuchUnit / UnknownObject */
        UNIT_REPLY_ERROR,               /* PID 1 said no */
} UnitReplyKind;

typedef struct UnitWatch UnitWatch;

typedef struct UnitWatchOps {
        int (*send_start)(UnitWatch *w);        /* StartTransientUnit of the watch's job */
        int (*send_stop)(UnitWatch *w);         /* StopUnit */
        int (*send_read)(UnitWatch *w);         /* GetAll Unit, then GetAll Service */
        int (*send_check)(UnitWatch *w);        /* GetUnit */
        bool (*has_job)(UnitWatch *w);          /* its job is there and running */
        void (*job_log)(UnitWatch *w, int priority, const char *text);  /* logged with the job, if any */
        void (*invocation)(UnitWatch *w);       /* the job's unit/InvocationID to record */
        /* Read (Service GetAll answered) while UnitWatch.adopting: the recovery rebuilds its
         * job (or stops the unit); must not end the watch. */
        void (*found_read)(UnitWatch *w);
        /* The end: the last call, @w is freed inside (drop it, UnrefUnit when @unref, end the job). */
        void (*ended)(UnitWatch *w, JobResult result, int32_t exit_status, const char *detail, bool unref);
        /* Forget @w without an end (its job is gone); @w is freed inside. */
        void (*forget)(UnitWatch *w);
} UnitWatchOps;

struct UnitWatch {
        const UnitWatchOps *ops;
        void *userdata;                 /* the executor's (or a test's) */
        const Logger *log;
        char *unit, *path;
        uint64_t job_id;                /* 0: followed without a job (logged when it ends) */

        UnitWatchState state;
        UnitWatchStop stop;

        /* Facts learnt from PID 1, whatever the state. */
        bool start_job_removed;         /* the start job ran (JobRemoved, whatever its result) */
        bool ref_held;                  /* AddRef/RefUnit: UnrefUnit when done */
        bool external_stop;             /* a job sluice did not queue ran on the unit */
        bool gone;                      /* PID 1 does not know the unit */
        bool service_fresh;             /* the Service values are those of the Unit state held (the same
                                         * emission pair, or a GetAll of an ended unit) */
        bool service_emitted;           /* a Service emission with all end values since the last Unit one */
        bool adopting;                  /* found at start-up, its job not rebuilt yet: nothing ends it */
        bool held;                      /* counted in the units window (the executor's) */
        char *start_job, *stop_job;     /* PID 1 job paths sluiced queued */
        char *start_job_result;         /* JobRemoved result of the start job ("done", "failed", ...) */

        /* The unit's state as last seen. */
        char *active_state;
        uint32_t pending_job_id;
        char *pending_job_path;
        char *invocation_id;            /* 32 hex digits */
        char *result;
        int32_t exec_main_code, exec_main_status;
        usec_t active_enter_timestamp, exec_main_start_timestamp;
        char **extra_fields;            /* LogExtraFields (re-attach) */
        char **exec_argv;               /* ExecStart argv (re-attach of raw commands) */
        char *description;
};

const char *unit_watch_state_to_string(UnitWatchState s);

UnitWatch *unit_watch_new(const char *unit, uint64_t job_id, const UnitWatchOps *ops, void *userdata,
                          const Logger *log);
void unit_watch_free(UnitWatch *w);

/* Has the unit ended (as last read)? */
bool unit_watch_has_ended(const UnitWatch *w);

/* Transitions.  Each returns false when the watch ended (and was freed) inside. */
int unit_watch_start(UnitWatch *w);
void unit_watch_found(UnitWatch *w, uint32_t job_id, const char *job_type, const char *job_path);
bool unit_watch_start_replied(UnitWatch *w, UnitReplyKind kind, const char *job_path, const char *message);
bool unit_watch_start_dropped(UnitWatch *w);
int unit_watch_stop(UnitWatch *w, UnitWatchStop why, bool send);
bool unit_watch_stop_replied(UnitWatch *w, UnitReplyKind kind, const char *job_path, const char *message);
bool unit_watch_read(UnitWatch *w);
void unit_watch_unit_read(UnitWatch *w, UnitReplyKind kind, const UnitChanges *c);
bool unit_watch_service_read(UnitWatch *w, UnitReplyKind kind, const UnitChanges *c, const char *message);
bool unit_watch_check(UnitWatch *w);
bool unit_watch_check_replied(UnitWatch *w, UnitReplyKind kind, const char *message);
bool unit_watch_job_removed(UnitWatch *w, const char *job_path, const char *result);
bool unit_watch_unit_changed(UnitWatch *w, const UnitChanges *c);
void unit_watch_service_changed(UnitWatch *w, const UnitChanges *c);
bool unit_watch_service_is_complete(const UnitChanges *c);
bool unit_watch_evaluate(UnitWatch *w);
bool unit_watch_pid1_back(UnitWatch *w);

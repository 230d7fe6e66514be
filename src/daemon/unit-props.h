/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "sluice-config.h"
#include "job.h"
#include "unit-name.h"

/*
 * What a command job's transient unit looks like, and what its end means:
 * pure functions, no bus traffic (the executor in executor-systemd.c sends).
 *
 * The unit carries the job: its LogExtraFields= stamp every journal line of
 * the job and let sluiced rebuild the job after a restart
 * (docs/dbus-api.md, "Command jobs as transient units"):
 *   SLUICE_JOB_ID=<id>  SLUICE_CLASS=<class>  SLUICE_ATTEMPT=<n>
 *   SLUICE_SUBMITTED_AT=<usec>  SLUICE_OWNER=<uid>  SLUICE_PRIORITY=<prio>
 *   SLUICE_PARAM=<name>=<value>   (one per parameter, repeated)
 *   SLUICE_RESOURCE=<resource>    (one per expanded resource, repeated)
 *   SLUICE_DESCRIPTION=<text>     (only when the submitter gave one)
 * The command itself is the unit's ExecStart=.
 */

#define SLUICE_SLICE "sluice.slice"

/* Append the a(sv) properties of StartTransientUnit for @job (class @cls, may be NULL). */
char *unit_signal_detail(int sig, bool dumped);

int unit_props_append(sd_bus_message *msg, const Job *job, const ClassConfig *cls);

/* The LogExtraFields= strings of @job ("KEY=VALUE"), NULL-terminated. */
char **unit_record_fields(const Job *job);

/* A job as its unit remembers it (unit_record_parse() of LogExtraFields). */
typedef struct UnitRecord {
        uint64_t id;
        char *class_name;
        uint32_t attempt;
        usec_t submitted_at;
        uint32_t owner;
        bool has_priority;
        int32_t priority;
        GHashTable *parameters;         /* char* -> char* (owned) */
        GPtrArray *resources;           /* of char*, NULL-terminated */
        char *description;
} UnitRecord;

void unit_record_clear(UnitRecord *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UnitRecord, unit_record_clear)

/*
 * Parse LogExtraFields strings back.  false (and a message in @ret_why) when
 * the id or class is missing or a number is malformed.
 */
bool unit_record_parse(char *const *fields, UnitRecord *ret, char **ret_why);

/* What systemd says about a unit that has finished. */
typedef struct UnitOutcome {
        const char *result;             /* Service.Result: success, exit-code, signal, ... */
        int32_t exec_main_code;         /* CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3; 0 = never ran */
        int32_t exec_main_status;       /* exit status or signal */
        bool stop_requested;            /* sluice asked (Cancel) */
        bool external_stop_job;         /* a stop job sluice did not ask for ran */
        const char *start_job_result;   /* JobRemoved result of the start job; NULL: not seen */
} UnitOutcome;

/*
 * The job's result from the unit's end.  A stop sluice did not ask for is
 * "cancelled" (never "success"), and so is a start job someone else's job
 * replaced ("canceled"); a start job that ended otherwise than "done" while
 * the unit says Result=success (it never ran) is "failed".  @ret_detail is a
 * translated sentence.
 */
void unit_outcome_classify(const UnitOutcome *o, JobResult *ret_result, int32_t *ret_exit_status,
                           char **ret_detail);

/*
 * What one PropertiesChanged or GetAll of a unit (Unit or Service interface)
 * said, parsed; only the properties the unit watch uses.  A field not in the
 * message stays NULL / its has_ flag false.
 */
typedef struct UnitChanges {
        char *active_state;
        bool not_found;                 /* LoadState=not-found */
        bool has_job;                   /* Job (uo): the unit's pending job, 0 = none */
        uint32_t job_id;
        char *job_path;
        bool has_invocation_id;         /* InvocationID; NULL when all zero (no invocation yet) */
        char *invocation_id;            /* 32 hex digits */
        char *description;
        bool has_active_enter_timestamp, has_exec_main_start_timestamp;
        usec_t active_enter_timestamp, exec_main_start_timestamp;
        bool has_result;
        char *result;
        bool has_exec_main_code, has_exec_main_status;
        int32_t exec_main_code, exec_main_status;
        char **extra_fields;            /* LogExtraFields; NULL: not in the message */
        char **exec_argv;               /* ExecStart's first command's argv; NULL: none */
} UnitChanges;

void unit_changes_clear(UnitChanges *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UnitChanges, unit_changes_clear)

/*
 * Parse the a{sv} at the read position of @msg into @ret (zeroed first).  On
 * a parse error the properties read before it are in @ret.
 *
 * Return: 0 or a negative errno.
 */
int unit_changes_parse(sd_bus_message *msg, UnitChanges *ret);

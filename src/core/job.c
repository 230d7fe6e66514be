/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "job.h"
#include "scheduler.h"

static const char *const job_kind_table[_JOB_KIND_MAX] = {
        [JOB_KIND_LEASE] = "lease",
        [JOB_KIND_COMMAND] = "command",
};

static const char *const job_state_table[_JOB_STATE_MAX] = {
        [JOB_STATE_QUEUED] = "queued",
        [JOB_STATE_RUNNING] = "running",
        [JOB_STATE_DONE] = "done",
};

static const char *const job_result_table[_JOB_RESULT_MAX] = {
        [JOB_RESULT_NONE] = "",
        [JOB_RESULT_SUCCESS] = "success",
        [JOB_RESULT_FAILED] = "failed",
        [JOB_RESULT_CANCELLED] = "cancelled",
        [JOB_RESULT_TIMEOUT] = "timeout",
        [JOB_RESULT_ABANDONED] = "abandoned",
        [JOB_RESULT_LOST] = "lost",
};

static int lookup(const char *const *table, int n, const char *s) {
        if (!s)
                return -1;
        for (int i = 0; i < n; i++)
                if (table[i] && strcmp(table[i], s) == 0)
                        return i;
        return -1;
}

/**
 * job_kind_to_string() - the config/bus name of a job kind
 * @k: the kind
 *
 * Return: "lease" or "command"; NULL for an out-of-range value.
 */
const char *job_kind_to_string(JobKind k) {
        if ((unsigned) k >= _JOB_KIND_MAX)
                return NULL;
        return job_kind_table[k];
}

/**
 * job_kind_from_string() - parse a job kind name
 * @s: "lease" or "command"
 *
 * Return: the JobKind, -1 if @s is not a kind name.
 */
int job_kind_from_string(const char *s) {
        return lookup(job_kind_table, _JOB_KIND_MAX, s);
}

/**
 * job_state_to_string() - the bus name of a job state
 * @s: the state
 *
 * Return: "queued", "running" or "done"; NULL for an out-of-range value.
 */
const char *job_state_to_string(JobState s) {
        if ((unsigned) s >= _JOB_STATE_MAX)
                return NULL;
        return job_state_table[s];
}

/**
 * job_state_from_string() - parse a job state name
 * @s: "queued", "running" or "done"
 *
 * Return: the JobState, -1 if @s is not a state name.
 */
int job_state_from_string(const char *s) {
        return lookup(job_state_table, _JOB_STATE_MAX, s);
}

/**
 * job_result_to_string() - the bus name of a job result
 * @r: the result
 *
 * Return: "success", "failed", ...; "" for JOB_RESULT_NONE, NULL for an
 * out-of-range value.
 */
const char *job_result_to_string(JobResult r) {
        if ((unsigned) r >= _JOB_RESULT_MAX)
                return NULL;
        return job_result_table[r];
}

/**
 * job_result_from_string() - parse a job result name
 * @s: "success", "failed", ... or "" (no result)
 *
 * Return: the JobResult, -1 if @s is not a result name.
 */
int job_result_from_string(const char *s) {
        return lookup(job_result_table, _JOB_RESULT_MAX, s);
}

/**
 * job_free() - free a job and everything it owns
 * @j: the job, may be NULL
 *
 * The scheduler's private state (sched_priv) must already be detached: the
 * scheduler frees it before handing the job here.
 */
void job_free(Job *j) {
        if (!j)
                return;
        g_free(j->class_name);
        g_strfreev(j->resources);
        if (j->parameters)
                g_hash_table_unref(j->parameters);
        g_free(j->submitter);
        g_free(j->description);
        g_strfreev(j->argv);
        g_strfreev(j->environment);
        g_free(j->unit);
        g_free(j->invocation_id);
        g_free(j->result_detail);
        g_free(j);
}

/**
 * job_spec_from_job() - the spec a job was submitted with
 * @job: the job (a stored one, read back)
 *
 * Every pointer in the result is borrowed from @job: keep @job alive while
 * the spec is used.  not_before and max_wait_usec stay 0 (a job being
 * rebuilt has waited already).
 *
 * Return: the spec.
 */
JobSpec job_spec_from_job(const Job *job) {
        return (JobSpec) {
                .class_name = job->class_name,
                .acquire = job->kind == JOB_KIND_LEASE,
                .has_priority = true,
                .priority = job->priority,
                .resources = (const char *const *) job->resources,
                .parameters = job->parameters,
                .description = job->description,
                .ttl_usec = job->ttl_usec,
                .argv = (const char *const *) job->argv,
                .environment = (const char *const *) job->environment,
                .owner = job->owner,
                .submitter = job->submitter,
        };
}

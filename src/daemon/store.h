/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "job.h"

/*
 * sluiced's durable state: one SQLite database, <state dir>/sluice.db.
 *
 * It holds every job (queued, running and finished: finished jobs stay as
 * history), the next job id, the paused scopes, configuration overrides made
 * with UpdateConfig(…, persist=true), and tables reserved for schedules'
 * last-trigger times and alert state.
 *
 * Durability: WAL journal with synchronous=FULL, so a committed transaction
 * survives a crash of sluiced *and* a power loss (NORMAL would survive only
 * the former).  The daemon writes all of one loop iteration's changes in one
 * transaction (group commit) before it answers any Submit()/Acquire() of
 * that iteration, so the fsync is paid once per iteration, not per job.
 *
 * Schema versions and every migration live in store.c (one table of SQL
 * steps, PRAGMA user_version counts them); PRAGMA application_id tells a
 * sluice database from any other SQLite file.
 *
 * Errors are G_IO_ERROR with messages that say which file, what is wrong and
 * what to do; sluiced refuses to start rather than start empty.
 */

#define STORE_FILE_NAME "sluice.db"

typedef struct Store Store;

/* Config overrides, in the order they were stored (later wins). */
typedef struct StoreOverride {
        char *section;
        char *key;
        char *value;
} StoreOverride;

void store_override_free(StoreOverride *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StoreOverride, store_override_free)

Store *store_open(const char *dir, GError **error);
void store_free(Store *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Store, store_free)

/* The database file's path (borrowed). */
const char *store_get_path(Store *st);
/* The schema version this sluiced writes. */
int store_schema_version(void);

bool store_begin(Store *st, GError **error);
bool store_commit(Store *st, GError **error);
void store_rollback(Store *st);

/* Writing a job as done also drops its stop request (StoreStop). */
bool store_put_job(Store *st, const Job *job, GError **error);
bool store_delete_job(Store *st, uint64_t id, GError **error);
bool store_put_next_id(Store *st, uint64_t next_id, GError **error);
/* meta 'cluster_lease': the etcd lease of this sluiced (cluster.c), 0 when none. */
bool store_put_cluster_lease(Store *st, int64_t lease_id, GError **error);
bool store_load_cluster_lease(Store *st, int64_t *ret, GError **error);
bool store_put_paused(Store *st, const char *const *scopes, GError **error);
bool store_put_override(Store *st, const char *section, const char *key, const char *value, GError **error);
bool store_delete_override(Store *st, const char *section, const char *key, GError **error);

/*
 * A stop sluice asked PID 1 for: Cancel() of a running command job (or
 * sluiced's own cancel of one, Duplicates=replace, Overlap=replace).  Stored
 * in the group commit before the Cancel() is answered, so that a sluiced
 * restarted before the unit ended still ends the job cancelled (and stops
 * the unit if it runs on); dropped when the job's end is written.
 */
typedef struct StoreStop {
        uint64_t job_id;
        usec_t requested_at;            /* CLOCK_REALTIME usec */
        char *reason;                   /* "cancel" (a client's Cancel()/CancelJob()) or "sluice" */
        bool has_requester_uid;
        uint32_t requester_uid;         /* the caller's uid, when has_requester_uid */
        char *requester;                /* the caller's unique bus name, may be NULL */
} StoreStop;

void store_stop_free(StoreStop *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StoreStop, store_stop_free)

/* The first request per job is kept. */
bool store_put_stop(Store *st, const StoreStop *stop, GError **error);
/* *ret is NULL when none is stored. */
bool store_get_stop(Store *st, uint64_t job_id, StoreStop **ret, GError **error);

/* Every stored job, by id; owned Job* (free with job_free), sched_priv/userdata NULL. */
GPtrArray *store_load_jobs(Store *st, GError **error);
/* Every stored job not done (queued, running, or damaged), by id, and the highest stored id of any job. */
GPtrArray *store_load_unfinished_jobs(Store *st, uint64_t *ret_max_id, GError **error);
/* The stored next id (0 when none was stored yet). */
bool store_load_next_id(Store *st, uint64_t *ret, GError **error);
/* Paused scopes, sorted; never NULL on success (empty vector). */
char **store_load_paused(Store *st, GError **error);
/* StoreOverride*, owned, in storing order. */
GPtrArray *store_load_overrides(Store *st, GError **error);

/*
 * History queries (ListJobs(history=true)) and retention.
 */

/* Which stored jobs a history query returns; zero fields match everything. */
typedef struct StoreJobFilter {
        unsigned states;        /* bit mask of (1u << JobState); 0 = all */
        const char *class_name; /* NULL = all */
        bool has_owner;
        uint32_t owner;
        usec_t since;           /* SubmittedAt >= since (0: no bound) */
        usec_t until;           /* SubmittedAt < until (0: no bound) */
} StoreJobFilter;

/* Called per matching job in id order; the job is borrowed for the call.  Return false to stop. */
typedef bool (*StoreJobFunc)(const Job *job, void *userdata);

bool store_foreach_job(Store *st, const StoreJobFilter *filter, StoreJobFunc func, void *userdata, GError **error);

/* Forget finished jobs that finished before finished_before (0: none by age) and all
 * but the newest keep_jobs finished jobs (0: no count limit). */
bool store_prune_history(Store *st, usec_t finished_before, uint32_t keep_jobs, uint64_t *ret_pruned,
                         GError **error);

/* One stored job by id: owned Job* in *ret, or NULL when none is stored. */
bool store_get_job(Store *st, uint64_t id, Job **ret, GError **error);

/*
 * Schedules' last-trigger times and alert states (written inside the group
 * commit's transaction by schedules.c / alerts.c).
 */
bool store_put_schedule_trigger(Store *st, const char *name, usec_t last_trigger, GError **error);
/* name (char*) -> usec_t* (owned by the table); NULL on error. */
GHashTable *store_load_schedule_triggers(Store *st, GError **error);

typedef struct StoreAlert {
        char *name;
        char *state;
        usec_t since;
} StoreAlert;

void store_alert_free(StoreAlert *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StoreAlert, store_alert_free)

bool store_put_alert(Store *st, const char *name, const char *state, usec_t since, GError **error);
/* Owned StoreAlert*, by name; NULL on error. */
GPtrArray *store_load_alerts(Store *st, GError **error);

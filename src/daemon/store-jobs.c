/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The jobs table: writing and forgetting a job, loading the jobs a restart
 * brings back, history queries and retention (see store.h).  A row's
 * encoding is store-job-row.c's.
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <sqlite3.h>

#include "i18n.h"
#include "store-private.h"

/**
 * store_put_job() - insert or replace a job, every field
 * @st: the store
 * @job: the job
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_job(Store *st, const Job *job, GError **error) {
        sqlite3_stmt *q;
        int r;

        if (!st->put_job &&
            sqlite3_prepare_v3(st->db,
                               "INSERT OR REPLACE INTO jobs (" JOB_COLUMNS ") VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               -1, SQLITE_PREPARE_PERSISTENT, &st->put_job, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, _("cannot prepare the job statement"));
        q = st->put_job;
        if (!store_bind_job(q, job, error)) {
                sqlite3_clear_bindings(q);
                return false;
        }

        r = sqlite3_step(q);
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        if (r != SQLITE_DONE)
                return store_set_db_error(st, error, _("cannot write a job"));

        /* A job that ended needs its stop request no more (store_put_stop()). */
        if (job->state != JOB_STATE_DONE)
                return true;
        if (!st->delete_stop &&
            sqlite3_prepare_v3(st->db, "DELETE FROM job_stops WHERE job_id = ?", -1, SQLITE_PREPARE_PERSISTENT,
                               &st->delete_stop, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, _("cannot prepare the stop request statement"));
        sqlite3_bind_int64(st->delete_stop, 1, (sqlite3_int64) job->id);
        r = sqlite3_step(st->delete_stop);
        sqlite3_reset(st->delete_stop);
        if (r != SQLITE_DONE)
                return store_set_db_error(st, error, _("cannot write a job"));
        return true;
}

/**
 * store_delete_job() - forget a job entirely (not used for finished jobs: they are history)
 * @st: the store
 * @id: the job id
 * @error: set on failure
 *
 * Return: true on success (also when no such job was stored).
 */
bool store_delete_job(Store *st, uint64_t id, GError **error) {
        return store_exec_bound(st, "DELETE FROM jobs WHERE id = ?", _("cannot delete a job"), error, NULL, NULL, NULL,
                          (int64_t) id, true);
}

static GPtrArray *load_jobs(Store *st, const char *sql, GError **error) {
        g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func((GDestroyNotify) job_free);
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
                store_set_db_error(st, error, _("cannot read the jobs"));
                return NULL;
        }
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                Job *j = store_job_from_row(st, q, error);

                if (!j) {
                        sqlite3_finalize(q);
                        return NULL;
                }
                g_ptr_array_add(jobs, j);
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                store_set_db_error(st, error, _("cannot read the jobs"));
                return NULL;
        }
        return g_steal_pointer(&jobs);
}

/**
 * store_load_jobs() - every stored job
 * @st: the store
 * @error: set on failure; G_IO_ERROR_INVALID_DATA for a damaged row
 *
 * Return: owned Job* by id (free with job_free()); NULL on error.
 */
GPtrArray *store_load_jobs(Store *st, GError **error) {
        return load_jobs(st, "SELECT " JOB_COLUMNS " FROM jobs ORDER BY id", error);
}

/**
 * store_load_unfinished_jobs() - the stored jobs a restart brings back
 * @st: the store
 * @ret_max_id: the highest id of any stored job, finished ones included (0: none)
 * @error: set on failure; G_IO_ERROR_INVALID_DATA for a damaged row
 *
 * Every job whose state is not "done" (queued and running ones, and a row
 * whose state is damaged, so that it still stops sluiced).  Finished jobs
 * are history and stay in the database: a restart no longer decodes up to
 * HistoryMaxJobs rows only to drop them.  @ret_max_id covers a finished job
 * written on its own before the next id was committed (removed before the
 * group commit): its id is never handed out again.
 *
 * Return: owned Job* by id (free with job_free()); NULL on error.
 */
GPtrArray *store_load_unfinished_jobs(Store *st, uint64_t *ret_max_id, GError **error) {
        int64_t max_id = 0;

        if (!store_query_int(st, "SELECT coalesce(max(id), 0) FROM jobs", &max_id, error))
                return NULL;
        *ret_max_id = (uint64_t) max_id;
        return load_jobs(st, "SELECT " JOB_COLUMNS " FROM jobs WHERE state <> 'done' ORDER BY id", error);
}

/**
 * store_foreach_job() - the stored jobs that pass a filter, in id order
 * @st: the store
 * @filter: what to return (every field optional)
 * @func: called per job; return false to stop early
 * @userdata: for @func
 * @error: G_IO_ERROR_INVALID_DATA for a damaged row, or a database error
 *
 * The filter runs in SQL (state is indexed; id order is the primary key's),
 * so a query that stops early reads only the rows it returns.
 *
 * Return: true on success (also when @func stopped early).
 */
bool store_foreach_job(Store *st, const StoreJobFilter *filter, StoreJobFunc func, void *userdata, GError **error) {
        g_autoptr(GString) sql = g_string_new("SELECT " JOB_COLUMNS " FROM jobs WHERE 1");
        sqlite3_stmt *q = NULL;
        int r, n = 1;

        if (filter->states) {
                const char *sep = "";

                g_string_append(sql, " AND state IN (");
                for (int s = 0; s < 32; s++)
                        if (filter->states & (1u << s)) {
                                g_string_append_printf(sql, "%s?", sep);
                                sep = ", ";
                        }
                g_string_append(sql, ")");
        }
        if (filter->class_name)
                g_string_append(sql, " AND class = ?");
        if (filter->has_owner)
                g_string_append(sql, " AND owner = ?");
        if (filter->since)
                g_string_append(sql, " AND submitted_at >= ?");
        if (filter->until)
                g_string_append(sql, " AND submitted_at < ?");
        g_string_append(sql, " ORDER BY id");

        if (sqlite3_prepare_v2(st->db, sql->str, -1, &q, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, _("cannot read the jobs"));
        for (int s = 0; filter->states && s < 32; s++)
                if (filter->states & (1u << s))
                        store_bind_text(q, n++, job_state_to_string(s));
        if (filter->class_name)
                store_bind_text(q, n++, filter->class_name);
        if (filter->has_owner)
                sqlite3_bind_int64(q, n++, filter->owner);
        if (filter->since)
                sqlite3_bind_int64(q, n++, (int64_t) MIN(filter->since, (usec_t) INT64_MAX));
        if (filter->until)
                sqlite3_bind_int64(q, n++, (int64_t) MIN(filter->until, (usec_t) INT64_MAX));

        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                g_autoptr(Job) j = store_job_from_row(st, q, error);

                if (!j) {
                        sqlite3_finalize(q);
                        return false;
                }
                if (!func(j, userdata)) {
                        r = SQLITE_DONE;
                        break;
                }
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE)
                return store_set_db_error(st, error, _("cannot read the jobs"));
        return true;
}

/**
 * store_prune_history() - forget old finished jobs (HistoryMaxAgeSec=, HistoryMaxJobs=)
 * @st: the store, outside a transaction
 * @finished_before: forget jobs that finished before this (CLOCK_REALTIME usec); 0: none by age
 * @keep_jobs: keep at most this many finished jobs, the newest by id; 0: no limit
 * @ret_pruned: (optional) how many rows went
 * @error: set on failure
 *
 * Only finished jobs (state done) are history; queued and running ones are
 * never pruned.  Each limit is one DELETE over the state index.
 *
 * Return: true on success.
 */
bool store_prune_history(Store *st, usec_t finished_before, uint32_t keep_jobs, uint64_t *ret_pruned,
                         GError **error) {
        uint64_t pruned = 0;

        if (finished_before > 0) {
                if (!store_exec_bound(st, "DELETE FROM jobs WHERE state = 'done' AND finished_at < ?",
                                _("cannot prune the history"), error, NULL, NULL, NULL,
                                (int64_t) MIN(finished_before, (usec_t) INT64_MAX), true))
                        return false;
                pruned += (uint64_t) sqlite3_changes(st->db);
        }
        if (keep_jobs > 0) {
                if (!store_exec_bound(st,
                                "DELETE FROM jobs WHERE state = 'done' AND id < "
                                "(SELECT id FROM jobs WHERE state = 'done' ORDER BY id DESC LIMIT 1 OFFSET ?)",
                                _("cannot prune the history"), error, NULL, NULL, NULL, (int64_t) keep_jobs - 1,
                                true))
                        return false;
                pruned += (uint64_t) sqlite3_changes(st->db);
        }
        if (ret_pruned)
                *ret_pruned = pruned;
        return true;
}

/**
 * store_get_job() - one stored job
 * @st: the store
 * @id: the job id
 * @ret: the job (owned, free with job_free), or NULL when no such job is stored
 * @error: G_IO_ERROR_INVALID_DATA for a damaged row, or a database error
 *
 * Return: true on success (also when the job is not stored).
 */
bool store_get_job(Store *st, uint64_t id, Job **ret, GError **error) {
        sqlite3_stmt *q = NULL;
        Job *j = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?", -1, &q, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, _("cannot read the jobs"));
        sqlite3_bind_int64(q, 1, (int64_t) id);
        r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
                j = store_job_from_row(st, q, error);
                sqlite3_finalize(q);
                if (!j)
                        return false;
                *ret = j;
                return true;
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE)
                return store_set_db_error(st, error, _("cannot read the jobs"));
        *ret = NULL;
        return true;
}


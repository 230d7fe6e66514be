/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the store*.c files share and nothing else sees: the Store struct,
 * the jobs table's column list, and the small SQL helpers that turn an
 * SQLite failure into a GError naming the database.  Callers use store.h.
 */
#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define JOB_COLUMNS \
        "id, seq, class, kind, state, result, priority, resources, parameters, owner, submitter, " \
        "description, argv, environment, submitted_at, started_at, finished_at, not_before, " \
        "max_wait_usec, ttl_usec, lease_expires_at, unit, invocation_id, exit_status, attempt, result_detail"
#define JOB_N_COLUMNS 26

struct Store {
        sqlite3 *db;
        char *path;
        sqlite3_stmt *put_job;
        sqlite3_stmt *delete_stop;      /* a finished job's stop request (store_put_job()) */
        bool in_transaction;
};

bool store_set_db_error(Store *st, GError **error, const char *what);
bool store_exec(Store *st, const char *sql, const char *what, GError **error);
bool store_query_int(Store *st, const char *sql, int64_t *ret, GError **error);
bool store_exec_bound(Store *st, const char *sql, const char *what, GError **error, const char *t1, const char *t2,
                      const char *t3, int64_t i1, bool use_i1);
typedef void (*StoreRowFunc)(sqlite3_stmt *q, void *userdata);
bool store_select(Store *st, const char *sql, const char *what, StoreRowFunc func, void *userdata, GError **error);
const char *store_column_text(sqlite3_stmt *stmt, int i);
void store_bind_text(sqlite3_stmt *stmt, int i, const char *s);

/* store-job-row.c: one Job <-> one row of the jobs table (JOB_COLUMNS order). */
bool store_bind_job(sqlite3_stmt *q, const Job *job, GError **error);
Job *store_job_from_row(Store *st, sqlite3_stmt *q, GError **error);

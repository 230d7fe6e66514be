/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state database (src/daemon/store.c) against a temporary directory:
 * creation, migration from an SQLite file without tables (version 0) and from
 * schema version 1 (stop requests), every
 * job field written and read back, and the refusals (not SQLite, not ours,
 * newer, an empty file, a read-only or foreign state directory).
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

typedef struct {
        char *dir;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;

        f->dir = g_dir_make_tmp("sluice-store-test-XXXXXX", &error);
        g_assert_no_error(error);
}

static void rm_rf(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);

                if (g_file_test(p, G_FILE_TEST_IS_DIR))
                        rm_rf(p);
                else
                        g_assert_cmpint(g_unlink(p), ==, 0);
        }
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        rm_rf(f->dir);
        g_free(f->dir);
}

static int64_t pragma(const char *path, const char *sql) {
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        int64_t v;

        g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &q, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
        v = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        sqlite3_close(db);
        return v;
}

static char *pragma_text(const char *path, const char *sql) {
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        char *v;

        g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &q, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
        v = g_strdup((const char *) sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        sqlite3_close(db);
        return v;
}

static void exec_sql(const char *path, const char *sql) {
        sqlite3 *db = NULL;

        g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(db);
}

/* A fresh directory (even a missing one) gets a database at the current version, in WAL mode. */
static void test_create(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *sub = g_build_filename(f->dir, "state", NULL);
        g_autofree char *path = g_build_filename(sub, STORE_FILE_NAME, NULL);
        g_autoptr(Store) st = store_open(sub, &error);
        uint64_t next = 99;

        g_assert_no_error(error);
        g_assert_nonnull(st);
        g_assert_cmpstr(store_get_path(st), ==, path);
        g_assert_cmpint(pragma(path, "PRAGMA user_version"), ==, store_schema_version());
        g_assert_cmpint(pragma(path, "PRAGMA application_id"), ==, 0x534c4345);
        g_assert_cmpint(pragma(path, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs'"), ==, 1);
        g_assert_cmpint(pragma(path, "SELECT count(*) FROM sqlite_master WHERE name = 'schedule_triggers'"), ==, 1);
        g_assert_cmpint(pragma(path, "SELECT count(*) FROM sqlite_master WHERE name = 'alerts'"), ==, 1);

        g_assert_true(store_load_next_id(st, &next, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(next, ==, 0);
        g_autoptr(GPtrArray) jobs = store_load_jobs(st, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(jobs->len, ==, 0);
        g_auto(GStrv) paused = store_load_paused(st, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(g_strv_length(paused), ==, 0);

        /* Reopening a current database changes nothing. */
        g_clear_pointer(&st, store_free);
        st = store_open(sub, &error);
        g_assert_no_error(error);
        g_autofree char *mode = pragma_text(path, "PRAGMA journal_mode");
        g_assert_cmpstr(mode, ==, "wal");
}

/* An SQLite file without tables (version 0, not 0 bytes) is migrated to the current version. */
static void test_migrate_from_0(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);

        exec_sql(path, "CREATE TABLE t (x); DROP TABLE t");
        g_assert_cmpint(pragma(path, "SELECT count(*) FROM sqlite_master"), ==, 0);
        g_autoptr(Store) st = store_open(f->dir, &error);
        g_assert_no_error(error);
        g_assert_nonnull(st);
        g_assert_cmpint(pragma(path, "PRAGMA user_version"), ==, store_schema_version());
        g_assert_true(store_put_next_id(st, 5, &error));
        g_assert_no_error(error);
}

static Job *full_job(uint64_t id) {
        Job *j = g_new0(Job, 1);

        j->id = id;
        j->seq = id + 1000;
        j->class_name = g_strdup("backup");
        j->kind = JOB_KIND_COMMAND;
        j->state = JOB_STATE_DONE;
        j->result = JOB_RESULT_TIMEOUT;
        j->priority = -7;
        j->resources = g_strsplit("datastore:a,host:b'q\"", ",", -1);
        j->parameters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_hash_table_insert(j->parameters, g_strdup("path"), g_strdup("/srv/ünïcode dir\n'x'"));
        g_hash_table_insert(j->parameters, g_strdup("empty"), g_strdup(""));
        j->owner = 4294967294u;
        j->submitter = g_strdup(":1.42");
        j->description = g_strdup("nightly \"backup\"");
        j->argv = g_strsplit("/usr/bin/backup\t--path\t/srv", "\t", -1);
        j->environment = g_strsplit("A=1 B=two words", " ", 2);
        j->submitted_at = 1700000000000001;
        j->started_at = 1700000000000002;
        j->finished_at = 1700000000000003;
        j->not_before = 1700000000000004;
        j->max_wait_usec = 60 * USEC_PER_SEC;
        j->ttl_usec = 30 * USEC_PER_SEC;
        j->lease_expires_at = USEC_INFINITY;
        j->unit = g_strdup("sluice-job-7.service");
        j->invocation_id = g_strdup("0123456789abcdef0123456789abcdef");
        j->exit_status = -1;
        j->attempt = 3;
        j->result_detail = g_strdup("waited longer than 60 s");
        return j;
}

static void assert_jobs_equal(const Job *a, const Job *b) {
        g_assert_cmpuint(a->id, ==, b->id);
        g_assert_cmpuint(a->seq, ==, b->seq);
        g_assert_cmpstr(a->class_name, ==, b->class_name);
        g_assert_cmpint(a->kind, ==, b->kind);
        g_assert_cmpint(a->state, ==, b->state);
        g_assert_cmpint(a->result, ==, b->result);
        g_assert_cmpint(a->priority, ==, b->priority);
        if (a->resources)
                g_assert_true(g_strv_equal((const char *const *) a->resources, (const char *const *) b->resources));
        else
                g_assert_null(b->resources);
        if (a->parameters) {
                GHashTableIter it;
                gpointer k, v;

                g_assert_nonnull(b->parameters);
                g_assert_cmpuint(g_hash_table_size(a->parameters), ==, g_hash_table_size(b->parameters));
                g_hash_table_iter_init(&it, a->parameters);
                while (g_hash_table_iter_next(&it, &k, &v))
                        g_assert_cmpstr(v, ==, g_hash_table_lookup(b->parameters, k));
        } else
                g_assert_null(b->parameters);
        g_assert_cmpuint(a->owner, ==, b->owner);
        g_assert_cmpstr(a->submitter, ==, b->submitter);
        g_assert_cmpstr(a->description, ==, b->description);
        if (a->argv)
                g_assert_true(g_strv_equal((const char *const *) a->argv, (const char *const *) b->argv));
        else
                g_assert_null(b->argv);
        if (a->environment)
                g_assert_true(g_strv_equal((const char *const *) a->environment,
                                           (const char *const *) b->environment));
        else
                g_assert_null(b->environment);
        g_assert_cmpuint(a->submitted_at, ==, b->submitted_at);
        g_assert_cmpuint(a->started_at, ==, b->started_at);
        g_assert_cmpuint(a->finished_at, ==, b->finished_at);
        g_assert_cmpuint(a->not_before, ==, b->not_before);
        g_assert_cmpuint(a->max_wait_usec, ==, b->max_wait_usec);
        g_assert_cmpuint(a->ttl_usec, ==, b->ttl_usec);
        g_assert_cmpuint(a->lease_expires_at, ==, b->lease_expires_at);
        g_assert_cmpstr(a->unit, ==, b->unit);
        g_assert_cmpstr(a->invocation_id, ==, b->invocation_id);
        g_assert_cmpint(a->exit_status, ==, b->exit_status);
        g_assert_cmpuint(a->attempt, ==, b->attempt);
        g_assert_cmpstr(a->result_detail, ==, b->result_detail);
}

/*
 * A database of schema version 1 (the one before stop requests), with a
 * running command job, is migrated: the job is kept, and stop requests
 * (Cancel() of a running command job, issue 10) are stored, kept first
 * come, and dropped with the job's end.  Version 1 is this schema without
 * the job_stops table: migrations never edit an earlier step.
 */
static void test_migrate_from_1(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);
        g_autoptr(Job) job = full_job(7);
        g_autoptr(Job) back = NULL;
        g_autoptr(StoreStop) stop = NULL;
        g_autoptr(Store) st = store_open(f->dir, &error);
        StoreStop req = { .job_id = 7, .requested_at = 1700000000000005, .reason = (char *) "cancel",
                          .has_requester_uid = true, .requester_uid = 1000, .requester = (char *) ":1.42" };
        StoreStop later = { .job_id = 7, .requested_at = 1700000000000009, .reason = (char *) "sluice" };

        g_assert_no_error(error);
        job->state = JOB_STATE_RUNNING;
        job->result = JOB_RESULT_NONE;
        g_assert_true(store_begin(st, &error) && store_put_job(st, job, &error) && store_commit(st, &error));
        g_assert_no_error(error);
        g_clear_pointer(&st, store_free);
        exec_sql(path, "DROP TABLE job_stops; PRAGMA user_version = 1");
        g_assert_cmpint(pragma(path, "PRAGMA user_version"), ==, 1);

        st = store_open(f->dir, &error);
        g_assert_no_error(error);
        g_assert_cmpint(store_schema_version(), ==, 2);
        g_assert_cmpint(pragma(path, "PRAGMA user_version"), ==, 2);
        g_assert_true(store_get_job(st, 7, &back, &error));
        g_assert_no_error(error);
        assert_jobs_equal(job, back);
        g_assert_true(store_get_stop(st, 7, &stop, &error));
        g_assert_no_error(error);
        g_assert_null(stop);

        /* Stored in a transaction; the first request of a job stays. */
        g_assert_true(store_begin(st, &error) && store_put_stop(st, &req, &error) && store_put_stop(st, &later, &error) &&
                      store_commit(st, &error));
        g_assert_no_error(error);
        g_assert_true(store_get_stop(st, 7, &stop, &error));
        g_assert_no_error(error);
        g_assert_nonnull(stop);
        g_assert_cmpuint(stop->job_id, ==, 7);
        g_assert_cmpuint(stop->requested_at, ==, 1700000000000005);
        g_assert_cmpstr(stop->reason, ==, "cancel");
        g_assert_true(stop->has_requester_uid);
        g_assert_cmpuint(stop->requester_uid, ==, 1000);
        g_assert_cmpstr(stop->requester, ==, ":1.42");
        g_clear_pointer(&stop, store_stop_free);

        /* Kept while the job runs (a later write of it), dropped with its end. */
        g_assert_true(store_begin(st, &error) && store_put_job(st, job, &error) && store_commit(st, &error));
        g_assert_true(store_get_stop(st, 7, &stop, &error));
        g_assert_nonnull(stop);
        g_clear_pointer(&stop, store_stop_free);
        job->state = JOB_STATE_DONE;
        job->result = JOB_RESULT_CANCELLED;
        g_assert_true(store_begin(st, &error) && store_put_job(st, job, &error) && store_commit(st, &error));
        g_assert_no_error(error);
        g_assert_true(store_get_stop(st, 7, &stop, &error));
        g_assert_no_error(error);
        g_assert_null(stop);
        g_assert_cmpint(pragma(path, "SELECT count(*) FROM job_stops"), ==, 0);

        /* A request without a caller (sluiced's own) reads back without one. */
        later.job_id = 8;
        g_assert_true(store_begin(st, &error) && store_put_stop(st, &later, &error) && store_commit(st, &error));
        g_assert_true(store_get_stop(st, 8, &stop, &error));
        g_assert_no_error(error);
        g_assert_nonnull(stop);
        g_assert_cmpstr(stop->reason, ==, "sluice");
        g_assert_false(stop->has_requester_uid);
        g_assert_null(stop->requester);
}

/* Every field survives a write, a close and a read; NULLs stay NULL; a rewrite replaces. */
static void test_roundtrip(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) st = store_open(f->dir, &error);
        g_autoptr(Job) full = full_job(7);
        g_autoptr(Job) bare = g_new0(Job, 1);
        const char *const paused[] = { "", "class:gc", "resource:datastore", NULL };

        g_assert_no_error(error);
        bare->id = 3;
        bare->class_name = g_strdup("lease");
        bare->kind = JOB_KIND_LEASE;
        bare->state = JOB_STATE_QUEUED;
        bare->attempt = 0;

        g_assert_true(store_begin(st, &error));
        g_assert_true(store_put_job(st, full, &error));
        g_assert_true(store_put_job(st, bare, &error));
        g_assert_true(store_put_next_id(st, 8, &error));
        g_assert_true(store_put_paused(st, paused, &error));
        g_assert_true(store_put_override(st, "Manager", "MaxRunning", "4", &error));
        g_assert_true(store_put_override(st, "Class:gc", "MaxRunning", "1", &error));
        g_assert_true(store_put_override(st, "Manager", "MaxRunning", "6", &error));
        g_assert_true(store_commit(st, &error));
        g_assert_no_error(error);

        /* A rolled back transaction leaves nothing behind. */
        g_assert_true(store_begin(st, &error));
        g_assert_true(store_put_next_id(st, 100, &error));
        g_assert_true(store_delete_job(st, 7, &error));
        store_rollback(st);

        g_clear_pointer(&st, store_free);
        st = store_open(f->dir, &error);
        g_assert_no_error(error);

        g_autoptr(GPtrArray) jobs = store_load_jobs(st, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(jobs->len, ==, 2);
        assert_jobs_equal(bare, jobs->pdata[0]);
        assert_jobs_equal(full, jobs->pdata[1]);

        uint64_t next = 0;
        g_assert_true(store_load_next_id(st, &next, &error));
        g_assert_cmpuint(next, ==, 8);

        g_auto(GStrv) p = store_load_paused(st, &error);
        g_assert_no_error(error);
        g_assert_true(g_strv_equal((const char *const *) p, paused));

        g_autoptr(GPtrArray) o = store_load_overrides(st, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(o->len, ==, 2);
        g_assert_cmpstr(((StoreOverride *) o->pdata[0])->section, ==, "Class:gc");
        g_assert_cmpstr(((StoreOverride *) o->pdata[1])->section, ==, "Manager");
        g_assert_cmpstr(((StoreOverride *) o->pdata[1])->value, ==, "6");

        /* Replace and delete. */
        full->state = JOB_STATE_RUNNING;
        g_assert_true(store_begin(st, &error));
        g_assert_true(store_put_job(st, full, &error));
        g_assert_true(store_delete_job(st, 3, &error));
        g_assert_true(store_put_paused(st, NULL, &error));
        g_assert_true(store_commit(st, &error));
        g_clear_pointer(&jobs, g_ptr_array_unref);
        jobs = store_load_jobs(st, &error);
        g_assert_cmpuint(jobs->len, ==, 1);
        assert_jobs_equal(full, jobs->pdata[0]);
        g_clear_pointer(&p, g_strfreev);
        p = store_load_paused(st, &error);
        g_assert_cmpuint(g_strv_length(p), ==, 0);
}

/* A file that is not SQLite: a clear refusal, and the file is left alone. */
static void test_not_sqlite(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);
        g_autofree char *garbage = g_strnfill(8192, 'x');
        g_autofree char *after = NULL;
        size_t len = 0;

        g_assert_true(g_file_set_contents(path, garbage, -1, &error));
        g_assert_null(store_open(f->dir, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull(strstr(error->message, path));
        g_assert_nonnull(strstr(error->message, "move it away"));
        g_assert_true(g_file_get_contents(path, &after, &len, NULL));
        g_assert_cmpuint(len, ==, 8192);
        g_assert_cmpstr(after, ==, garbage);
}

/* Another program's SQLite database is refused, not taken over. */
static void test_foreign(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);

        exec_sql(path, "CREATE TABLE photos (id INTEGER)");
        g_assert_null(store_open(f->dir, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull(strstr(error->message, "not a sluice database"));
        g_assert_cmpint(pragma(path, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs'"), ==, 0);
}

/* A database from a newer sluiced is refused with both versions named. */
static void test_newer(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);
        g_autofree char *sql = NULL;
        g_autofree char *expect = g_strdup_printf("schema version %d is newer", store_schema_version() + 1);

        {
                g_autoptr(Store) st = store_open(f->dir, &error);
                g_assert_no_error(error);
        }
        sql = g_strdup_printf("PRAGMA user_version = %d", store_schema_version() + 1);
        exec_sql(path, sql);
        g_assert_null(store_open(f->dir, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
        g_assert_nonnull(strstr(error->message, expect));
}

/* A damaged row (an unknown state) is reported with the job's id, not skipped. */
static void test_damaged_row(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);
        g_autoptr(Job) j = full_job(12);

        {
                g_autoptr(Store) st = store_open(f->dir, &error);
                g_assert_true(store_begin(st, &error));
                g_assert_true(store_put_job(st, j, &error));
                g_assert_true(store_commit(st, &error));
        }
        exec_sql(path, "UPDATE jobs SET state = 'exploded' WHERE id = 12");
        g_autoptr(Store) st = store_open(f->dir, &error);
        g_assert_no_error(error);
        g_assert_null(store_load_jobs(st, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull(strstr(error->message, "job 12: invalid state"));

        /* What a restart reads refuses it too: a damaged state is not "done". */
        g_clear_error(&error);
        uint64_t max_id = 0;
        g_assert_null(store_load_unfinished_jobs(st, &max_id, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull(strstr(error->message, "job 12: invalid state"));
}

/*
 * What a restart reads: the jobs not done, by id, and the highest id of any
 * job (a finished one above the stored next id must never be handed out again).
 */
static void test_load_unfinished(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Store) st = store_open(f->dir, &error);
        g_autoptr(GPtrArray) jobs = NULL;
        const JobState states[] = { JOB_STATE_RUNNING, JOB_STATE_DONE, JOB_STATE_QUEUED, JOB_STATE_DONE };
        const uint64_t ids[] = { 9, 4, 3, 20 };
        uint64_t max_id = 0;

        g_assert_no_error(error);
        jobs = store_load_unfinished_jobs(st, &max_id, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(jobs->len, ==, 0);
        g_assert_cmpuint(max_id, ==, 0);
        g_clear_pointer(&jobs, g_ptr_array_unref);

        g_assert_true(store_begin(st, &error));
        for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
                g_autoptr(Job) j = full_job(ids[i]);

                j->state = states[i];
                g_assert_true(store_put_job(st, j, &error));
        }
        g_assert_true(store_put_next_id(st, 10, &error));
        g_assert_true(store_commit(st, &error));

        jobs = store_load_unfinished_jobs(st, &max_id, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(jobs->len, ==, 2);
        g_assert_cmpuint(((Job *) jobs->pdata[0])->id, ==, 3);
        g_assert_cmpint(((Job *) jobs->pdata[0])->state, ==, JOB_STATE_QUEUED);
        g_assert_cmpuint(((Job *) jobs->pdata[1])->id, ==, 9);
        g_assert_cmpint(((Job *) jobs->pdata[1])->state, ==, JOB_STATE_RUNNING);
        g_assert_cmpuint(max_id, ==, 20);
}

/* An unwritable state directory: a clear error naming it. */
static void test_unwritable(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *file = g_build_filename(f->dir, "plain-file", NULL);
        g_autofree char *dir = g_build_filename(file, "state", NULL);

        g_assert_true(g_file_set_contents(file, "", 0, &error));
        g_assert_null(store_open(dir, &error));
        g_assert_nonnull(error);
        g_assert_nonnull(strstr(error->message, dir));
}

static void assert_file_size(const char *path, goffset size) {
        struct stat s;

        g_assert_cmpint(stat(path, &s), ==, 0);
        g_assert_cmpint(s.st_size, ==, size);
}

static void assert_missing(const char *dir, const char *name) {
        g_autofree char *p = g_build_filename(dir, name, NULL);

        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
}

/* A 0-byte sluice.db lost its jobs and ids: refused, named, left as it is
 * (ids are never reused; starting empty would hand out id 1 again). */
static void test_empty_file(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);

        g_assert_true(g_file_set_contents(path, "", 0, &error));
        g_assert_null(store_open(f->dir, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull(strstr(error->message, path));
        g_assert_nonnull(strstr(error->message, "is empty (0 bytes)"));
        g_assert_nonnull(strstr(error->message, "Restore it from a backup"));
        g_assert_nonnull(strstr(error->message, "remove the empty file"));
        assert_file_size(path, 0);
        assert_missing(f->dir, STORE_FILE_NAME "-wal");
        assert_missing(f->dir, STORE_FILE_NAME "-shm");
}

/* A fresh directory gets its database built aside and renamed into place;
 * the leftover of a creation that died half-way is replaced, not read. */
static void test_create_aside(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(f->dir, STORE_FILE_NAME, NULL);
        g_autofree char *tmp = g_strconcat(path, ".new", NULL);
        uint64_t next = 99;

        g_assert_true(g_file_set_contents(tmp, "", 0, &error));
        g_autoptr(Store) st = store_open(f->dir, &error);
        g_assert_no_error(error);
        g_assert_nonnull(st);
        assert_missing(f->dir, STORE_FILE_NAME ".new");
        assert_missing(f->dir, STORE_FILE_NAME ".new-journal");
        g_assert_true(store_load_next_id(st, &next, &error));
        g_assert_cmpuint(next, ==, 0);
        g_assert_cmpint(pragma(path, "PRAGMA application_id"), ==, 0x534c4345);
}

/* A database with a job in @dir/state (0755, as root's state directory is). */
static char *make_state_dir(Fixture *f) {
        g_autoptr(GError) error = NULL;
        char *state = g_build_filename(f->dir, "state", NULL);
        g_autoptr(Store) st = store_open(state, &error);

        g_assert_no_error(error);
        g_assert_true(store_put_next_id(st, 7, &error));
        g_assert_no_error(error);
        g_clear_pointer(&st, store_free);
        g_assert_cmpint(chmod(f->dir, 0755), ==, 0);
        g_assert_cmpint(chmod(state, 0755), ==, 0);
        return state;
}

/* The error for a state directory sluiced cannot write: what it is, never "corrupt". */
static void assert_unwritable_error(const GError *error, const char *state, int code, const char *errno_text) {
        g_assert_nonnull(error);
        g_test_message("%s", error->message);
        g_assert_error(error, G_IO_ERROR, code);
        g_assert_nonnull(strstr(error->message, state));
        g_assert_nonnull(strstr(error->message, errno_text));
        g_assert_null(strstr(error->message, "corrupt"));
        g_assert_null(strstr(error->message, "move it away"));
}

/* A read-only state directory (a read-only bind mount, in a mount namespace
 * of the test's own: root only) is reported as read-only, the file untouched. */
static void test_read_only_fs(Fixture *f, gconstpointer data) {
        g_autofree char *state = make_state_dir(f);
        g_autofree char *path = g_build_filename(state, STORE_FILE_NAME, NULL);
        struct stat before, after;

        if (getuid() != 0) {
                g_test_skip("needs root for a mount namespace");
                return;
        }
        g_assert_cmpint(stat(path, &before), ==, 0);
        if (g_test_subprocess()) {
                g_autoptr(GError) error = NULL;

                g_assert_cmpint(unshare(CLONE_NEWNS), ==, 0);
                g_assert_cmpint(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
                g_assert_cmpint(mount(state, state, NULL, MS_BIND, NULL), ==, 0);
                g_assert_cmpint(mount(NULL, state, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), ==, 0);
                g_assert_null(store_open(state, &error));
                assert_unwritable_error(error, state, G_IO_ERROR_READ_ONLY, "Read-only file system");
                g_assert_nonnull(strstr(error->message, "mount it read-write"));
                g_assert_cmpint(umount(state), ==, 0);        /* for the teardown */
                return;
        }
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
        g_assert_cmpint(stat(path, &after), ==, 0);
        g_assert_cmpint(after.st_size, ==, before.st_size);
        g_assert_cmpint(after.st_mtim.tv_sec, ==, before.st_mtim.tv_sec);
        g_assert_cmpint(after.st_mtim.tv_nsec, ==, before.st_mtim.tv_nsec);
}

/* A state directory of another user (sluiced not root, or root's directory):
 * "Permission denied", naming it.  As root the test drops to nobody in a child. */
static void test_permission_denied(Fixture *f, gconstpointer data) {
        g_autofree char *state = make_state_dir(f);

        if (g_test_subprocess()) {
                g_autoptr(GError) error = NULL;

                bool root = getuid() == 0;

                /* Saved ids stay 0: the teardown removes the files as root again. */
                if (root) {
                        g_assert_cmpint(setresgid(65534, 65534, 0), ==, 0);
                        g_assert_cmpint(setresuid(65534, 65534, 0), ==, 0);
                } else
                        g_assert_cmpint(chmod(state, 0555), ==, 0);
                g_assert_null(store_open(state, &error));
                assert_unwritable_error(error, state, G_IO_ERROR_PERMISSION_DENIED, "Permission denied");
                if (root) {
                        g_assert_cmpint(setresuid(0, 0, 0), ==, 0);
                        g_assert_cmpint(setresgid(0, 0, 0), ==, 0);
                } else
                        g_assert_cmpint(chmod(state, 0755), ==, 0);
                return;
        }
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("/store/create", test_create);
        ADD("/store/migrate-from-0", test_migrate_from_0);
        ADD("/store/migrate-from-1", test_migrate_from_1);
        ADD("/store/roundtrip", test_roundtrip);
        ADD("/store/not-sqlite", test_not_sqlite);
        ADD("/store/foreign", test_foreign);
        ADD("/store/newer", test_newer);
        ADD("/store/damaged-row", test_damaged_row);
        ADD("/store/load-unfinished", test_load_unfinished);
        ADD("/store/unwritable", test_unwritable);
        ADD("/store/empty-file", test_empty_file);
        ADD("/store/create-aside", test_create_aside);
        ADD("/store/read-only-fs", test_read_only_fs);
        ADD("/store/permission-denied", test_permission_denied);
        return g_test_run();
}

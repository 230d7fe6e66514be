/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state database: see store.h.  Why one file over 800 lines: everything
 * here shares the connection, the schema (migrations[]) and the row codecs
 * (the GVariant text columns and their quick readers); split by job (schema,
 * jobs, lists) the three parts would need a private header exposing the
 * sqlite3 handle and the codecs, and store.h is already the one interface
 * callers see.  When it grows again, the split goes by table along those
 * lines (docs/design.md, "Module map").
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "store.h"

/* "SLCE": tells a sluice database from any other SQLite file. */
#define STORE_APPLICATION_ID 0x534c4345

/*
 * Every schema change, in order: migrations[i] takes a database from
 * version i to version i+1 (PRAGMA user_version).  A new version appends a
 * step; steps are never edited once released.  Version 0 is an empty file.
 */
static const char *const migrations[] = {
        /* 0 -> 1: the first schema */
        "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);"
        "CREATE TABLE jobs ("
        "  id INTEGER PRIMARY KEY NOT NULL,"
        "  seq INTEGER NOT NULL,"
        "  class TEXT NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  state TEXT NOT NULL,"
        "  result TEXT NOT NULL,"
        "  priority INTEGER NOT NULL,"
        "  resources TEXT,"             /* GVariant text, type as */
        "  parameters TEXT,"            /* GVariant text, type a{ss} */
        "  owner INTEGER NOT NULL,"
        "  submitter TEXT,"
        "  description TEXT,"
        "  argv TEXT,"                  /* GVariant text, type as */
        "  environment TEXT,"           /* GVariant text, type as */
        "  submitted_at INTEGER NOT NULL,"
        "  started_at INTEGER NOT NULL,"
        "  finished_at INTEGER NOT NULL,"
        "  not_before INTEGER NOT NULL,"
        "  max_wait_usec INTEGER NOT NULL,"
        "  ttl_usec INTEGER NOT NULL,"
        "  lease_expires_at INTEGER NOT NULL,"
        "  unit TEXT,"
        "  invocation_id TEXT,"
        "  exit_status INTEGER NOT NULL,"
        "  attempt INTEGER NOT NULL,"
        "  result_detail TEXT);"
        "CREATE INDEX jobs_state ON jobs (state);"
        "CREATE TABLE paused (scope TEXT PRIMARY KEY NOT NULL);"
        "CREATE TABLE config_overrides (section TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
        "  PRIMARY KEY (section, key));"
        "CREATE TABLE schedule_triggers (name TEXT PRIMARY KEY NOT NULL, last_trigger INTEGER NOT NULL);"
        "CREATE TABLE alerts (name TEXT PRIMARY KEY NOT NULL, state TEXT NOT NULL, since INTEGER NOT NULL);",
        /* 1 -> 2: a stop sluice asked PID 1 for (Cancel() of a running command job), stored
         * before the Cancel() is answered; the row goes when the job's end is written. */
        "CREATE TABLE job_stops ("
        "  job_id INTEGER PRIMARY KEY NOT NULL,"
        "  requested_at INTEGER NOT NULL,"
        "  reason TEXT NOT NULL,"       /* "cancel" (a client's Cancel()/CancelJob()) or "sluice" */
        "  requester_uid INTEGER,"      /* NULL: sluiced's own decision */
        "  requester TEXT);",           /* the caller's unique bus name, NULL when none */
};

#define STORE_SCHEMA_VERSION ((int) G_N_ELEMENTS(migrations))

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

/**
 * store_override_free() - free a stored config override
 * @o: the override (may be NULL)
 */
void store_override_free(StoreOverride *o) {
        if (!o)
                return;
        g_free(o->section);
        g_free(o->key);
        g_free(o->value);
        g_free(o);
}

/**
 * store_schema_version() - the schema version this sluiced creates and reads
 *
 * Return: the version (PRAGMA user_version after all migrations).
 */
int store_schema_version(void) {
        return STORE_SCHEMA_VERSION;
}

/* An SQLite failure as a GError naming the database and what to do. */
static bool set_db_error(Store *st, GError **error, const char *what) {
        int code = sqlite3_errcode(st->db);
        GIOErrorEnum io = G_IO_ERROR_FAILED;

        if (code == SQLITE_FULL)
                io = G_IO_ERROR_NO_SPACE;
        else if (code == SQLITE_READONLY || code == SQLITE_PERM || code == SQLITE_CANTOPEN)
                io = G_IO_ERROR_PERMISSION_DENIED;
        else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
                io = G_IO_ERROR_INVALID_DATA;
        if (code == SQLITE_FULL)
                /* What to do about it: the file is fine, its file system is not. */
                g_set_error(error, G_IO_ERROR, io,
                            _("state database %s: %s: %s (the file system is full: free space there, "
                              "then try again; nothing was written)"),
                            st->path, what, sqlite3_errmsg(st->db));
        else if (io == G_IO_ERROR_PERMISSION_DENIED)
                g_set_error(error, G_IO_ERROR, io,
                            _("state database %s: %s: %s (it must be a regular file sluiced can read and write, "
                              "in a directory it can write)"),
                            st->path, what, sqlite3_errmsg(st->db));
        else
                g_set_error(error, G_IO_ERROR, io, _("state database %s: %s: %s"), st->path, what,
                            sqlite3_errmsg(st->db));
        return false;
}

static bool exec(Store *st, const char *sql, const char *what, GError **error) {
        if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
                return set_db_error(st, error, what);
        return true;
}

static bool query_int(Store *st, const char *sql, int64_t *ret, GError **error) {
        sqlite3_stmt *stmt = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return set_db_error(st, error, sql);
        r = sqlite3_step(stmt);
        if (r != SQLITE_ROW) {
                sqlite3_finalize(stmt);
                return set_db_error(st, error, sql);
        }
        *ret = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return true;
}

/* Bring the schema to STORE_SCHEMA_VERSION, or refuse a file that is not ours. */
static bool migrate(Store *st, GError **error) {
        int64_t version = 0, app_id = 0, n_objects = 0;

        /* The first read: a file that is not SQLite at all fails here. */
        if (!query_int(st, "PRAGMA application_id", &app_id, error) ||
            !query_int(st, "PRAGMA user_version", &version, error) ||
            !query_int(st, "SELECT count(*) FROM sqlite_master", &n_objects, error)) {
                /* Only damage is "corrupt": a read-only or unreadable file says so itself. */
                if (g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
                        g_prefix_error(error, _("cannot read the state database (corrupt, or not an SQLite file; "
                                                "move it away to start with an empty state): "));
                return false;
        }
        if (app_id != STORE_APPLICATION_ID && (app_id != 0 || n_objects > 0 || version != 0)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("state database %s: not a sluice database (application id 0x%" PRIx64
                              "); move it away or point --state-dir= elsewhere"),
                            st->path, (uint64_t) app_id);
                return false;
        }
        if (version > STORE_SCHEMA_VERSION) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                            _("state database %s: schema version %" PRId64 " is newer than this sluiced "
                              "understands (%d); run the newer sluiced, or move the file away"),
                            st->path, version, STORE_SCHEMA_VERSION);
                return false;
        }
        if (version < 0) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("state database %s: invalid schema version %" PRId64), st->path, version);
                return false;
        }
        if (version == STORE_SCHEMA_VERSION)
                return true;

        if (!exec(st, "BEGIN IMMEDIATE", "cannot begin the schema migration", error))
                return false;
        for (int64_t v = version; v < STORE_SCHEMA_VERSION; v++) {
                g_autofree char *what = g_strdup_printf("migration from schema version %" PRId64, v);

                if (!exec(st, migrations[v], what, error)) {
                        store_rollback(st);
                        return false;
                }
        }
        g_autofree char *set = g_strdup_printf("PRAGMA application_id = %d; PRAGMA user_version = %d",
                                               STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
        if (!exec(st, set, "cannot record the schema version", error) ||
            !exec(st, "COMMIT", "cannot commit the schema migration", error)) {
                (void) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
                return false;
        }
        return true;
}

/* What to do about a state directory or database sluiced cannot write. */
static const char *unwritable_hint(int e) {
        if (e == EROFS)
                return _("its file system is mounted read-only: mount it read-write, or point --state-dir= "
                         "(StateDirectory=) at a writable directory");
        return _("sluiced must be able to read and write it: give it to the user sluiced runs as");
}

/*
 * Before SQLite sees the directory, say plainly what stops sluiced from
 * writing there (SQLite would only say "unable to open database file", or
 * fail a read on the write-ahead log's shared memory file).
 */
static bool check_writable(const char *dir, const char *path, GError **error) {
        int e;

        if (access(dir, W_OK | X_OK) < 0) {
                e = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                            _("state directory %s: %s (the database, its write-ahead log and its lock live there; "
                              "%s)"),
                            dir, g_strerror(e), unwritable_hint(e));
                return false;
        }
        if (access(path, R_OK | W_OK) < 0 && errno != ENOENT) {
                e = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), _("state database %s: %s (%s)"), path,
                            g_strerror(e), unwritable_hint(e));
                return false;
        }
        return true;
}

static bool fsync_dir(const char *dir, GError **error) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int e;

        if (fd < 0 || fsync(fd) < 0) {
                e = errno;
                if (fd >= 0)
                        (void) close(fd);
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                            _("state directory %s: cannot sync it: %s"), dir, g_strerror(e));
                return false;
        }
        (void) close(fd);
        return true;
}

/*
 * A new database is built as STORE_FILE_NAME.new and renamed into place
 * once its schema is committed: STORE_FILE_NAME either does not exist or
 * is a sluice database, never the empty file SQLite creates first, so an
 * empty STORE_FILE_NAME always means a database that lost its contents.
 */
static bool store_create(const char *dir, const char *path, GError **error) {
        g_autofree char *tmp = g_strconcat(path, ".new", NULL);
        g_autofree char *tmp_journal = g_strconcat(tmp, "-journal", NULL);
        g_autoptr(Store) st = g_new0(Store, 1);
        int r, e;

        /* Left over from a creation that died half-way: never holds jobs. */
        (void) unlink(tmp);
        (void) unlink(tmp_journal);
        st->path = g_strdup(tmp);
        r = sqlite3_open_v2(tmp, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (r != SQLITE_OK) {
                if (!st->db) {
                        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                                    _("state database %s: cannot create it: %s"), tmp, sqlite3_errstr(r));
                        return false;
                }
                return set_db_error(st, error, _("cannot create it"));
        }
        (void) sqlite3_extended_result_codes(st->db, 0);
        if (!exec(st, "PRAGMA synchronous = FULL", _("cannot set synchronous=FULL"), error) ||
            !migrate(st, error))
                return false;
        g_clear_pointer(&st, store_free);
        if (rename(tmp, path) < 0) {
                e = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                            _("state database %s: cannot rename %s to it: %s"), path, tmp, g_strerror(e));
                return false;
        }
        return fsync_dir(dir, error);
}

/* An existing database file: refuse an empty one, which lost what it recorded. */
static bool check_existing(const char *path, bool *ret_exists, GError **error) {
        g_autofree char *wal = g_strconcat(path, "-wal", NULL);
        struct stat s, ws;
        int e;

        if (stat(path, &s) < 0) {
                e = errno;
                if (e == ENOENT) {
                        *ret_exists = false;
                        return true;
                }
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), _("state database %s: %s"), path,
                            g_strerror(e));
                return false;
        }
        *ret_exists = true;
        /* 0 bytes, and no write-ahead log that could still hold the pages. */
        if (S_ISREG(s.st_mode) && s.st_size == 0 && !(stat(wal, &ws) == 0 && ws.st_size > 0)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("state database %s is empty (0 bytes): the jobs and job ids it recorded are lost, "
                              "and starting on it would hand out used job ids again. Restore it from a backup; "
                              "or, if sluiced never ran here, remove the empty file. Nothing was changed"),
                            path);
                return false;
        }
        return true;
}

/**
 * store_open() - open (or create) the state database in @dir
 * @dir: the state directory; created (0700) when missing
 * @error: G_IO_ERROR: cannot create/open, a directory or file sluiced cannot
 *         write (READ_ONLY, PERMISSION_DENIED: said as such, never "corrupt"),
 *         an empty (0-byte) database file, corrupt, not a sluice database,
 *         a newer schema; the file is left as it was
 *
 * A missing database is created whole (store_create()); an existing one is
 * never re-created.  Sets WAL mode and synchronous=FULL and migrates an
 * older schema.
 *
 * Return: the store, NULL on error.
 */
Store *store_open(const char *dir, GError **error) {
        g_autoptr(Store) st = g_new0(Store, 1);
        bool exists = false;
        int r;

        if (g_mkdir_with_parents(dir, 0700) < 0) {
                int e = errno;

                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                            _("state directory %s: cannot create it: %s"), dir, g_strerror(e));
                return NULL;
        }
        st->path = g_build_filename(dir, STORE_FILE_NAME, NULL);
        if (!check_writable(dir, st->path, error) || !check_existing(st->path, &exists, error))
                return NULL;
        if (!exists && !store_create(dir, st->path, error))
                return NULL;
        /* No SQLITE_OPEN_CREATE: the file is there now, and must stay the one checked. */
        r = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (r != SQLITE_OK) {
                if (!st->db) {
                        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("state database %s: cannot open it: %s"),
                                    st->path, sqlite3_errstr(r));
                        return NULL;
                }
                set_db_error(st, error, _("cannot open it"));
                return NULL;
        }
        (void) sqlite3_extended_result_codes(st->db, 0);
        if (sqlite3_db_readonly(st->db, "main") == 1) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                            _("state database %s: SQLite could open it only for reading (%s)"), st->path,
                            unwritable_hint(EACCES));
                return NULL;
        }
        /* Another process holding a lock: wait a little rather than fail at once. */
        (void) sqlite3_busy_timeout(st->db, 5000);

        if (!migrate(st, error))
                return NULL;
        /* After the migration check, so a foreign file is never switched to WAL. */
        if (!exec(st, "PRAGMA journal_mode = WAL", _("cannot switch to WAL mode"), error) ||
            !exec(st, "PRAGMA synchronous = FULL", _("cannot set synchronous=FULL"), error))
                return NULL;
        return g_steal_pointer(&st);
}

/**
 * store_free() - close the database
 * @st: the store (may be NULL)
 *
 * An open transaction is rolled back.
 */
void store_free(Store *st) {
        if (!st)
                return;
        if (st->in_transaction)
                store_rollback(st);
        sqlite3_finalize(st->put_job);
        sqlite3_finalize(st->delete_stop);
        if (st->db)
                sqlite3_close(st->db);
        g_free(st->path);
        g_free(st);
}

/**
 * store_get_path() - the database file
 * @st: the store
 *
 * Return: the path (borrowed).
 */
const char *store_get_path(Store *st) {
        return st->path;
}

/**
 * store_begin() - start a write transaction
 * @st: the store
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_begin(Store *st, GError **error) {
        g_return_val_if_fail(!st->in_transaction, false);
        if (!exec(st, "BEGIN IMMEDIATE", _("cannot begin a transaction"), error))
                return false;
        st->in_transaction = true;
        return true;
}

/**
 * store_commit() - make the transaction durable
 * @st: the store
 * @error: set on failure (the transaction is rolled back then)
 *
 * Return: true once everything written since store_begin() is on disk.
 */
bool store_commit(Store *st, GError **error) {
        g_return_val_if_fail(st->in_transaction, false);
        if (!exec(st, "COMMIT", _("cannot commit"), error)) {
                store_rollback(st);
                return false;
        }
        st->in_transaction = false;
        return true;
}

/**
 * store_rollback() - drop the transaction
 * @st: the store
 */
void store_rollback(Store *st) {
        (void) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_transaction = false;
}

static char *strv_to_text(char **v) {
        if (!v)
                return NULL;
        g_autoptr(GVariant) var = g_variant_ref_sink(g_variant_new_strv((const char *const *) v, -1));
        return g_variant_print(var, false);
}

static char *params_to_text(GHashTable *h) {
        GVariantBuilder b;
        GHashTableIter it;
        gpointer k, v;

        if (!h)
                return NULL;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        g_hash_table_iter_init(&it, h);
        while (g_hash_table_iter_next(&it, &k, &v))
                g_variant_builder_add(&b, "{ss}", (const char *) k, (const char *) v);
        g_autoptr(GVariant) var = g_variant_ref_sink(g_variant_builder_end(&b));
        return g_variant_print(var, false);
}

static bool strv_utf8(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                if (!g_utf8_validate(v[i], -1, NULL))
                        return false;
        return true;
}

static bool params_utf8(GHashTable *h) {
        GHashTableIter it;
        gpointer k, v;

        if (!h)
                return true;
        g_hash_table_iter_init(&it, h);
        while (g_hash_table_iter_next(&it, &k, &v))
                if (!g_utf8_validate(k, -1, NULL) || !g_utf8_validate(v, -1, NULL))
                        return false;
        return true;
}

static const char *column_text(sqlite3_stmt *stmt, int i);

static void bind_text(sqlite3_stmt *stmt, int i, const char *s) {
        if (s)
                sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(stmt, i);
}

/**
 * store_put_job() - insert or replace a job, every field
 * @st: the store
 * @job: the job
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_job(Store *st, const Job *job, GError **error) {
        g_autofree char *resources = NULL, *parameters = NULL, *argv = NULL, *environment = NULL;
        sqlite3_stmt *q;
        int i = 1, r;

        if (!strv_utf8(job->resources) || !params_utf8(job->parameters) || !strv_utf8(job->argv) ||
            !strv_utf8(job->environment)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("job %" PRIu64 ": a resource, parameter, argv or environment string is not UTF-8"),
                            job->id);
                return false;
        }
        resources = strv_to_text(job->resources);
        parameters = params_to_text(job->parameters);
        argv = strv_to_text(job->argv);
        environment = strv_to_text(job->environment);

        if (!st->put_job &&
            sqlite3_prepare_v3(st->db,
                               "INSERT OR REPLACE INTO jobs (" JOB_COLUMNS ") VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               -1, SQLITE_PREPARE_PERSISTENT, &st->put_job, NULL) != SQLITE_OK)
                return set_db_error(st, error, _("cannot prepare the job statement"));
        q = st->put_job;

        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->id);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->seq);
        bind_text(q, i++, job->class_name ?: "");
        bind_text(q, i++, job_kind_to_string(job->kind));
        bind_text(q, i++, job_state_to_string(job->state));
        bind_text(q, i++, job_result_to_string(job->result));
        sqlite3_bind_int(q, i++, job->priority);
        bind_text(q, i++, resources);
        bind_text(q, i++, parameters);
        sqlite3_bind_int64(q, i++, job->owner);
        bind_text(q, i++, job->submitter);
        bind_text(q, i++, job->description);
        bind_text(q, i++, argv);
        bind_text(q, i++, environment);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->submitted_at);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->started_at);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->finished_at);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->not_before);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->max_wait_usec);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->ttl_usec);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->lease_expires_at);
        bind_text(q, i++, job->unit);
        bind_text(q, i++, job->invocation_id);
        sqlite3_bind_int(q, i++, job->exit_status);
        sqlite3_bind_int64(q, i++, job->attempt);
        bind_text(q, i++, job->result_detail);
        g_assert(i == JOB_N_COLUMNS + 1);

        r = sqlite3_step(q);
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        if (r != SQLITE_DONE)
                return set_db_error(st, error, _("cannot write a job"));

        /* A job that ended needs its stop request no more (store_put_stop()). */
        if (job->state != JOB_STATE_DONE)
                return true;
        if (!st->delete_stop &&
            sqlite3_prepare_v3(st->db, "DELETE FROM job_stops WHERE job_id = ?", -1, SQLITE_PREPARE_PERSISTENT,
                               &st->delete_stop, NULL) != SQLITE_OK)
                return set_db_error(st, error, _("cannot prepare the stop request statement"));
        sqlite3_bind_int64(st->delete_stop, 1, (sqlite3_int64) job->id);
        r = sqlite3_step(st->delete_stop);
        sqlite3_reset(st->delete_stop);
        if (r != SQLITE_DONE)
                return set_db_error(st, error, _("cannot write a job"));
        return true;
}

/**
 * store_stop_free() - free a stop request
 * @s: the request (may be NULL)
 */
void store_stop_free(StoreStop *s) {
        if (!s)
                return;
        g_free(s->reason);
        g_free(s->requester);
        g_free(s);
}

/**
 * store_put_stop() - remember that sluice asked for a running job's stop
 * @st: the store, in a transaction
 * @stop: the request
 * @error: set on failure
 *
 * The first request of a job is the one kept (a later one, such as the
 * StopUnit() a restarted sluiced sends again, changes nothing).  The row
 * goes when store_put_job() writes the job's end.
 *
 * Return: true on success.
 */
bool store_put_stop(Store *st, const StoreStop *stop, GError **error) {
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db,
                               "INSERT OR IGNORE INTO job_stops (job_id, requested_at, reason, requester_uid, requester) "
                               "VALUES (?, ?, ?, ?, ?)",
                               -1, &q, NULL) != SQLITE_OK)
                return set_db_error(st, error, _("cannot write a stop request"));
        sqlite3_bind_int64(q, 1, (sqlite3_int64) stop->job_id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64) MIN(stop->requested_at, (usec_t) INT64_MAX));
        bind_text(q, 3, stop->reason ?: "sluice");
        if (stop->has_requester_uid)
                sqlite3_bind_int64(q, 4, stop->requester_uid);
        else
                sqlite3_bind_null(q, 4);
        bind_text(q, 5, stop->requester);
        r = sqlite3_step(q);
        sqlite3_finalize(q);
        if (r != SQLITE_DONE)
                return set_db_error(st, error, _("cannot write a stop request"));
        return true;
}

/**
 * store_get_stop() - the stored stop request of a job
 * @st: the store
 * @job_id: the job
 * @ret: the request (owned, free with store_stop_free()), NULL when none is stored
 * @error: set on failure
 *
 * Return: true on success (also when there is none).
 */
bool store_get_stop(Store *st, uint64_t job_id, StoreStop **ret, GError **error) {
        sqlite3_stmt *q = NULL;
        StoreStop *s = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db,
                               "SELECT requested_at, reason, requester_uid, requester FROM job_stops WHERE job_id = ?",
                               -1, &q, NULL) != SQLITE_OK)
                return set_db_error(st, error, _("cannot read the stop requests"));
        sqlite3_bind_int64(q, 1, (sqlite3_int64) job_id);
        r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
                s = g_new0(StoreStop, 1);
                s->job_id = job_id;
                s->requested_at = (usec_t) sqlite3_column_int64(q, 0);
                s->reason = g_strdup(column_text(q, 1) ?: "sluice");
                s->has_requester_uid = sqlite3_column_type(q, 2) != SQLITE_NULL;
                s->requester_uid = (uint32_t) sqlite3_column_int64(q, 2);
                s->requester = g_strdup(column_text(q, 3));
                r = SQLITE_DONE;
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                store_stop_free(s);
                return set_db_error(st, error, _("cannot read the stop requests"));
        }
        *ret = s;
        return true;
}

static bool exec_bound(Store *st, const char *sql, const char *what, GError **error,
                       const char *t1, const char *t2, const char *t3, int64_t i1, bool use_i1) {
        sqlite3_stmt *stmt = NULL;
        int r, n = 1;

        if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return set_db_error(st, error, what);
        if (use_i1)
                sqlite3_bind_int64(stmt, n++, i1);
        if (t1)
                bind_text(stmt, n++, t1);
        if (t2)
                bind_text(stmt, n++, t2);
        if (t3)
                bind_text(stmt, n++, t3);
        r = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (r != SQLITE_DONE)
                return set_db_error(st, error, what);
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
        return exec_bound(st, "DELETE FROM jobs WHERE id = ?", _("cannot delete a job"), error, NULL, NULL, NULL,
                          (int64_t) id, true);
}

/**
 * store_put_next_id() - remember the id the next job gets
 * @st: the store
 * @next_id: the id
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_next_id(Store *st, uint64_t next_id, GError **error) {
        return exec_bound(st, "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)",
                          _("cannot write the next job id"), error, NULL, NULL, NULL, (int64_t) next_id, true);
}

/**
 * store_put_paused() - replace the set of paused scopes
 * @st: the store
 * @scopes: the scopes, NULL-terminated (NULL: none)
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_paused(Store *st, const char *const *scopes, GError **error) {
        if (!exec(st, "DELETE FROM paused", _("cannot write the paused scopes"), error))
                return false;
        for (size_t i = 0; scopes && scopes[i]; i++)
                if (!exec_bound(st, "INSERT OR IGNORE INTO paused (scope) VALUES (?)",
                                _("cannot write the paused scopes"), error, scopes[i], NULL, NULL, 0, false))
                        return false;
        return true;
}

/**
 * store_put_override() - remember a run-time configuration change
 * @st: the store
 * @section: the config section ("Manager", "Class:NAME", ...)
 * @key: the key
 * @value: the value as a config file would spell it
 * @error: set on failure
 *
 * A later override of the same section and key replaces the earlier one
 * and moves to the end of the storing order.
 *
 * Return: true on success.
 */
bool store_put_override(Store *st, const char *section, const char *key, const char *value, GError **error) {
        if (!exec_bound(st, "DELETE FROM config_overrides WHERE section = ? AND key = ?",
                        _("cannot write a configuration override"), error, section, key, NULL, 0, false))
                return false;
        return exec_bound(st, "INSERT INTO config_overrides (section, key, value) VALUES (?, ?, ?)",
                          _("cannot write a configuration override"), error, section, key, value, 0, false);
}

/**
 * store_delete_override() - forget a stored configuration override
 * @st: the store
 * @section: the config section
 * @key: the key
 * @error: set on failure
 *
 * Return: true on success (also when none was stored).
 */
bool store_delete_override(Store *st, const char *section, const char *key, GError **error) {
        return exec_bound(st, "DELETE FROM config_overrides WHERE section = ? AND key = ?",
                          _("cannot remove a configuration override"), error, section, key, NULL, 0, false);
}

static const char *column_text(sqlite3_stmt *stmt, int i) {
        return (const char *) sqlite3_column_text(stmt, i);
}

/*
 * A string as g_variant_print() writes one that needs no escape: in single
 * quotes with no backslash or quote inside (anything escaped has a
 * backslash; a string with a single quote gets double quotes).  Other texts
 * go to g_variant_parse(), which is exact but costs ~10 us per value: most
 * of a restart of a million jobs.
 */
static bool quick_string(const char **p, char **ret) {
        const char *s = *p, *end;

        if (*s != '\'')
                return false;
        end = strpbrk(s + 1, "'\\");
        if (!end || *end != '\'')
                return false;
        *ret = g_strndup(s + 1, (gsize) (end - s - 1));
        *p = end + 1;
        return true;
}

/* "['a', 'b']" and "[]" without escapes; false (nothing set) for anything else. */
static bool quick_strv(const char *text, char ***ret) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
        const char *p = text;

        if (*p++ != '[' || !g_utf8_validate(text, -1, NULL))
                return false;
        while (*p != ']') {
                char *item;

                if (v->len > 0 && !g_str_has_prefix(p, ", "))
                        return false;
                if (v->len > 0)
                        p += 2;
                if (!quick_string(&p, &item))
                        return false;
                g_ptr_array_add(v, item);
        }
        if (p[1] != '\0')
                return false;
        if (v->len == 0) {
                *ret = NULL;
                return true;
        }
        g_ptr_array_add(v, NULL);
        g_ptr_array_set_free_func(v, NULL);
        *ret = (char **) g_ptr_array_free(g_steal_pointer(&v), false);
        return true;
}

/* "{'k': 'v', ...}" and "{}" without escapes; false (nothing set) for anything else. */
static bool quick_params(const char *text, GHashTable **ret) {
        g_autoptr(GHashTable) h = NULL;
        const char *p = text;

        if (*p++ != '{' || !g_utf8_validate(text, -1, NULL))
                return false;
        while (*p != '}') {
                g_autofree char *k = NULL, *val = NULL;

                if (h && !g_str_has_prefix(p, ", "))
                        return false;
                if (h)
                        p += 2;
                if (!quick_string(&p, &k) || !g_str_has_prefix(p, ": "))
                        return false;
                p += 2;
                if (!quick_string(&p, &val))
                        return false;
                if (!h)
                        h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                g_hash_table_replace(h, g_steal_pointer(&k), g_steal_pointer(&val));
        }
        if (p[1] != '\0')
                return false;
        *ret = g_steal_pointer(&h);     /* NULL for "{}": no parameters */
        return true;
}

/* An empty list or table loads as NULL, as the core keeps "none". */
static bool parse_strv(const char *text, char ***ret) {
        if (!text) {
                *ret = NULL;
                return true;
        }
        if (quick_strv(text, ret))
                return true;
        g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE_STRING_ARRAY, text, NULL, NULL, NULL);
        if (!v)
                return false;
        *ret = g_variant_n_children(v) > 0 ? g_variant_dup_strv(v, NULL) : NULL;
        return true;
}

static bool parse_params(const char *text, GHashTable **ret) {
        GVariantIter it;
        const char *k, *val;

        if (!text) {
                *ret = NULL;
                return true;
        }
        if (quick_params(text, ret))
                return true;
        g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE("a{ss}"), text, NULL, NULL, NULL);
        if (!v)
                return false;
        *ret = NULL;
        if (g_variant_n_children(v) == 0)
                return true;
        *ret = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_variant_iter_init(&it, v);
        while (g_variant_iter_next(&it, "{&s&s}", &k, &val))
                g_hash_table_replace(*ret, g_strdup(k), g_strdup(val));
        return true;
}

static Job *job_from_row(Store *st, sqlite3_stmt *q, GError **error) {
        g_autoptr(Job) j = g_new0(Job, 1);
        const char *bad = NULL;
        int kind, state, result, i = 0;

        j->id = (uint64_t) sqlite3_column_int64(q, i++);
        j->seq = (uint64_t) sqlite3_column_int64(q, i++);
        j->class_name = g_strdup(column_text(q, i++) ?: "");
        kind = job_kind_from_string(column_text(q, i++));
        state = job_state_from_string(column_text(q, i++));
        result = job_result_from_string(column_text(q, i++));
        j->priority = sqlite3_column_int(q, i++);
        if (!parse_strv(column_text(q, i++), &j->resources))
                bad = "resources";
        if (!parse_params(column_text(q, i++), &j->parameters))
                bad = "parameters";
        j->owner = (uint32_t) sqlite3_column_int64(q, i++);
        j->submitter = g_strdup(column_text(q, i++));
        j->description = g_strdup(column_text(q, i++));
        if (!parse_strv(column_text(q, i++), &j->argv))
                bad = "argv";
        if (!parse_strv(column_text(q, i++), &j->environment))
                bad = "environment";
        j->submitted_at = (usec_t) sqlite3_column_int64(q, i++);
        j->started_at = (usec_t) sqlite3_column_int64(q, i++);
        j->finished_at = (usec_t) sqlite3_column_int64(q, i++);
        j->not_before = (usec_t) sqlite3_column_int64(q, i++);
        j->max_wait_usec = (usec_t) sqlite3_column_int64(q, i++);
        j->ttl_usec = (usec_t) sqlite3_column_int64(q, i++);
        j->lease_expires_at = (usec_t) sqlite3_column_int64(q, i++);
        j->unit = g_strdup(column_text(q, i++));
        j->invocation_id = g_strdup(column_text(q, i++));
        j->exit_status = sqlite3_column_int(q, i++);
        j->attempt = (uint32_t) sqlite3_column_int64(q, i++);
        j->result_detail = g_strdup(column_text(q, i++));
        g_assert(i == JOB_N_COLUMNS);

        if (kind < 0)
                bad = "kind";
        if (state < 0)
                bad = "state";
        if (result < 0)
                bad = "result";
        if (bad) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("state database %s: job %" PRIu64 ": invalid %s; the database is damaged "
                              "(move it away to start with an empty state)"),
                            st->path, j->id, bad);
                return NULL;
        }
        j->kind = kind;
        j->state = state;
        j->result = result;
        return g_steal_pointer(&j);
}

static GPtrArray *load_jobs(Store *st, const char *sql, GError **error) {
        g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func((GDestroyNotify) job_free);
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
                set_db_error(st, error, _("cannot read the jobs"));
                return NULL;
        }
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                Job *j = job_from_row(st, q, error);

                if (!j) {
                        sqlite3_finalize(q);
                        return NULL;
                }
                g_ptr_array_add(jobs, j);
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                set_db_error(st, error, _("cannot read the jobs"));
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

        if (!query_int(st, "SELECT coalesce(max(id), 0) FROM jobs", &max_id, error))
                return NULL;
        *ret_max_id = (uint64_t) max_id;
        return load_jobs(st, "SELECT " JOB_COLUMNS " FROM jobs WHERE state <> 'done' ORDER BY id", error);
}

/**
 * store_load_next_id() - the stored next job id
 * @st: the store
 * @ret: the id, 0 when none was stored
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_load_next_id(Store *st, uint64_t *ret, GError **error) {
        int64_t n = 0, v = 0;

        if (!query_int(st, "SELECT count(*) FROM meta WHERE key = 'next_id'", &n, error))
                return false;
        if (n > 0 && !query_int(st, "SELECT value FROM meta WHERE key = 'next_id'", &v, error))
                return false;
        *ret = (uint64_t) v;
        return true;
}

/**
 * store_load_paused() - the stored paused scopes
 * @st: the store
 * @error: set on failure
 *
 * Return: sorted scopes, NULL-terminated (free with g_strfreev()); NULL on error.
 */
char **store_load_paused(Store *st, GError **error) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, "SELECT scope FROM paused ORDER BY scope", -1, &q, NULL) != SQLITE_OK) {
                set_db_error(st, error, _("cannot read the paused scopes"));
                return NULL;
        }
        while ((r = sqlite3_step(q)) == SQLITE_ROW)
                g_ptr_array_add(v, g_strdup(column_text(q, 0) ?: ""));
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                set_db_error(st, error, _("cannot read the paused scopes"));
                return NULL;
        }
        g_ptr_array_add(v, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&v), false);
}

/**
 * store_load_overrides() - the stored configuration overrides
 * @st: the store
 * @error: set on failure
 *
 * Return: owned StoreOverride* in storing order; NULL on error.
 */
GPtrArray *store_load_overrides(Store *st, GError **error) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func((GDestroyNotify) store_override_free);
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, "SELECT section, key, value FROM config_overrides ORDER BY rowid", -1, &q,
                               NULL) != SQLITE_OK) {
                set_db_error(st, error, _("cannot read the configuration overrides"));
                return NULL;
        }
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                StoreOverride *o = g_new0(StoreOverride, 1);

                o->section = g_strdup(column_text(q, 0) ?: "");
                o->key = g_strdup(column_text(q, 1) ?: "");
                o->value = g_strdup(column_text(q, 2) ?: "");
                g_ptr_array_add(v, o);
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                set_db_error(st, error, _("cannot read the configuration overrides"));
                return NULL;
        }
        return g_steal_pointer(&v);
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
                return set_db_error(st, error, _("cannot read the jobs"));
        for (int s = 0; filter->states && s < 32; s++)
                if (filter->states & (1u << s))
                        bind_text(q, n++, job_state_to_string(s));
        if (filter->class_name)
                bind_text(q, n++, filter->class_name);
        if (filter->has_owner)
                sqlite3_bind_int64(q, n++, filter->owner);
        if (filter->since)
                sqlite3_bind_int64(q, n++, (int64_t) MIN(filter->since, (usec_t) INT64_MAX));
        if (filter->until)
                sqlite3_bind_int64(q, n++, (int64_t) MIN(filter->until, (usec_t) INT64_MAX));

        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                g_autoptr(Job) j = job_from_row(st, q, error);

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
                return set_db_error(st, error, _("cannot read the jobs"));
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
                if (!exec_bound(st, "DELETE FROM jobs WHERE state = 'done' AND finished_at < ?",
                                _("cannot prune the history"), error, NULL, NULL, NULL,
                                (int64_t) MIN(finished_before, (usec_t) INT64_MAX), true))
                        return false;
                pruned += (uint64_t) sqlite3_changes(st->db);
        }
        if (keep_jobs > 0) {
                if (!exec_bound(st,
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
                return set_db_error(st, error, _("cannot read the jobs"));
        sqlite3_bind_int64(q, 1, (int64_t) id);
        r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
                j = job_from_row(st, q, error);
                sqlite3_finalize(q);
                if (!j)
                        return false;
                *ret = j;
                return true;
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE)
                return set_db_error(st, error, _("cannot read the jobs"));
        *ret = NULL;
        return true;
}

/**
 * store_put_schedule_trigger() - remember when a schedule last fired
 * @st: the store
 * @name: the schedule's name
 * @last_trigger: CLOCK_REALTIME usec of the elapse it fired for
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_schedule_trigger(Store *st, const char *name, usec_t last_trigger, GError **error) {
        return exec_bound(st, "INSERT OR REPLACE INTO schedule_triggers (last_trigger, name) VALUES (?, ?)",
                          _("cannot write a schedule's last trigger"), error, name, NULL, NULL,
                          (int64_t) last_trigger, true);
}

/**
 * store_load_schedule_triggers() - every schedule's last trigger
 * @st: the store
 * @error: set on failure
 *
 * Return: name (char*) -> usec_t* (both owned by the table); NULL on error.
 */
GHashTable *store_load_schedule_triggers(Store *st, GError **error) {
        g_autoptr(GHashTable) t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, "SELECT name, last_trigger FROM schedule_triggers", -1, &q, NULL) != SQLITE_OK) {
                set_db_error(st, error, _("cannot read the schedules' last triggers"));
                return NULL;
        }
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                usec_t *v = g_new(usec_t, 1);

                *v = (usec_t) sqlite3_column_int64(q, 1);
                g_hash_table_replace(t, g_strdup(column_text(q, 0) ?: ""), v);
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                set_db_error(st, error, _("cannot read the schedules' last triggers"));
                return NULL;
        }
        return g_steal_pointer(&t);
}

/**
 * store_put_alert() - remember an alert's state
 * @st: the store
 * @name: the alert's name
 * @state: free text owned by the alerts code ("raised", "cleared", ...)
 * @since: CLOCK_REALTIME usec the state began
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_alert(Store *st, const char *name, const char *state, usec_t since, GError **error) {
        return exec_bound(st, "INSERT OR REPLACE INTO alerts (since, name, state) VALUES (?, ?, ?)",
                          _("cannot write an alert's state"), error, name, state, NULL, (int64_t) since, true);
}

/**
 * store_load_alerts() - every stored alert state
 * @st: the store
 * @error: set on failure
 *
 * Return: owned StoreAlert*; NULL on error.
 */
GPtrArray *store_load_alerts(Store *st, GError **error) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func((GDestroyNotify) store_alert_free);
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, "SELECT name, state, since FROM alerts ORDER BY name", -1, &q, NULL) != SQLITE_OK) {
                set_db_error(st, error, _("cannot read the alert states"));
                return NULL;
        }
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                StoreAlert *a = g_new0(StoreAlert, 1);

                a->name = g_strdup(column_text(q, 0) ?: "");
                a->state = g_strdup(column_text(q, 1) ?: "");
                a->since = (usec_t) sqlite3_column_int64(q, 2);
                g_ptr_array_add(v, a);
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                set_db_error(st, error, _("cannot read the alert states"));
                return NULL;
        }
        return g_steal_pointer(&v);
}

void store_alert_free(StoreAlert *a) {
        if (!a)
                return;
        g_free(a->name);
        g_free(a->state);
        g_free(a);
}

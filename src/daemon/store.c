/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state database (see store.h): opening or creating the file, the
 * schema and its migrations, transactions, and the SQL helpers the other
 * store-*.c files share (store-private.h).  The rows themselves live in
 * store-jobs.c / store-job-row.c (the jobs table) and store-state.c (the
 * small tables).
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
#include "store-private.h"

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

/**
 * store_schema_version() - the schema version this sluiced creates and reads
 *
 * Return: the version (PRAGMA user_version after all migrations).
 */
int store_schema_version(void) {
        return STORE_SCHEMA_VERSION;
}

/**
 * store_set_db_error() - an SQLite failure as a GError naming the database and what to do
 * @st: the store
 * @error: set from the connection's last error
 * @what: what failed, for the message
 *
 * Return: false, always (so that callers can return it).
 */
bool store_set_db_error(Store *st, GError **error, const char *what) {
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

/**
 * store_exec() - run SQL without parameters
 * @st: the store
 * @sql: one or more statements
 * @what: what failed, for the message
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_exec(Store *st, const char *sql, const char *what, GError **error) {
        if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, what);
        return true;
}

/**
 * store_query_int() - the first column of the first row of a query, as an integer
 * @st: the store
 * @sql: the query
 * @ret: the value
 * @error: set on failure (also when the query returns no row)
 *
 * Return: true on success.
 */
bool store_query_int(Store *st, const char *sql, int64_t *ret, GError **error) {
        sqlite3_stmt *stmt = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, sql);
        r = sqlite3_step(stmt);
        if (r != SQLITE_ROW) {
                sqlite3_finalize(stmt);
                return store_set_db_error(st, error, sql);
        }
        *ret = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return true;
}

/**
 * store_exec_bound() - run one statement with up to one integer and three text parameters
 * @st: the store
 * @sql: the statement; the integer (when @use_i1) binds first, then @t1..@t3 that are not NULL
 * @what: what failed, for the message
 * @error: set on failure
 * @t1: first text parameter, or NULL
 * @t2: second text parameter, or NULL
 * @t3: third text parameter, or NULL
 * @i1: the integer parameter
 * @use_i1: whether @i1 is bound
 *
 * Return: true on success.
 */
bool store_exec_bound(Store *st, const char *sql, const char *what, GError **error,
                      const char *t1, const char *t2, const char *t3, int64_t i1, bool use_i1) {
        sqlite3_stmt *stmt = NULL;
        int r, n = 1;

        if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, what);
        if (use_i1)
                sqlite3_bind_int64(stmt, n++, i1);
        if (t1)
                store_bind_text(stmt, n++, t1);
        if (t2)
                store_bind_text(stmt, n++, t2);
        if (t3)
                store_bind_text(stmt, n++, t3);
        r = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (r != SQLITE_DONE)
                return store_set_db_error(st, error, what);
        return true;
}

/**
 * store_select() - run a query without parameters, @func once per row
 * @st: the store
 * @sql: the query
 * @what: what failed, for the message
 * @func: called with the statement on each row
 * @userdata: for @func
 * @error: set on failure
 *
 * Return: true when every row was read.
 */
bool store_select(Store *st, const char *sql, const char *what, StoreRowFunc func, void *userdata, GError **error) {
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, what);
        while ((r = sqlite3_step(q)) == SQLITE_ROW)
                func(q, userdata);
        sqlite3_finalize(q);
        if (r != SQLITE_DONE)
                return store_set_db_error(st, error, what);
        return true;
}

/**
 * store_column_text() - a text column of the current row
 * @stmt: the statement
 * @i: the column
 *
 * Return: the text (borrowed until the next step), NULL for SQL NULL.
 */
const char *store_column_text(sqlite3_stmt *stmt, int i) {
        return (const char *) sqlite3_column_text(stmt, i);
}

/**
 * store_bind_text() - bind a text parameter, NULL as SQL NULL
 * @stmt: the statement
 * @i: the parameter index (1-based)
 * @s: the text (copied), or NULL
 */
void store_bind_text(sqlite3_stmt *stmt, int i, const char *s) {
        if (s)
                sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(stmt, i);
}

/* Bring the schema to STORE_SCHEMA_VERSION, or refuse a file that is not ours. */
static bool migrate(Store *st, GError **error) {
        int64_t version = 0, app_id = 0, n_objects = 0;

        /* The first read: a file that is not SQLite at all fails here. */
        if (!store_query_int(st, "PRAGMA application_id", &app_id, error) ||
            !store_query_int(st, "PRAGMA user_version", &version, error) ||
            !store_query_int(st, "SELECT count(*) FROM sqlite_master", &n_objects, error)) {
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

        if (!store_exec(st, "BEGIN IMMEDIATE", "cannot begin the schema migration", error))
                return false;
        for (int64_t v = version; v < STORE_SCHEMA_VERSION; v++) {
                g_autofree char *what = g_strdup_printf("migration from schema version %" PRId64, v);

                if (!store_exec(st, migrations[v], what, error)) {
                        store_rollback(st);
                        return false;
                }
        }
        g_autofree char *set = g_strdup_printf("PRAGMA application_id = %d; PRAGMA user_version = %d",
                                               STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
        if (!store_exec(st, set, "cannot record the schema version", error) ||
            !store_exec(st, "COMMIT", "cannot commit the schema migration", error)) {
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
                return store_set_db_error(st, error, _("cannot create it"));
        }
        (void) sqlite3_extended_result_codes(st->db, 0);
        if (!store_exec(st, "PRAGMA synchronous = FULL", _("cannot set synchronous=FULL"), error) ||
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
                store_set_db_error(st, error, _("cannot open it"));
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
        if (!store_exec(st, "PRAGMA journal_mode = WAL", _("cannot switch to WAL mode"), error) ||
            !store_exec(st, "PRAGMA synchronous = FULL", _("cannot set synchronous=FULL"), error))
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
        if (!store_exec(st, "BEGIN IMMEDIATE", _("cannot begin a transaction"), error))
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
        if (!store_exec(st, "COMMIT", _("cannot commit"), error)) {
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

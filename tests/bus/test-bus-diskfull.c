/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bad state against the real sluiced binary (issue 5, item 6).
 *
 * Refusals: a corrupt database, another program's SQLite file, a database
 * from a newer schema and a state directory that cannot be created: sluiced
 * exits non-zero before taking its name, says which file, what is wrong and
 * what to do, and leaves the file as it was (it never starts empty).
 *
 * Disk full (root only: a tmpfs as the state directory, mounted in a mount
 * namespace of its own held by a helper process, so nothing reaches the
 * host's mount table even if the test dies): with the file system full,
 * Submit() fails with org.freedesktop.DBus.Error.IOError naming the database
 * and what to do, the jobs acknowledged before are intact, nothing is
 * half-written (integrity_check, and the failed job is never queued);
 * once space is freed Submit() works again, and after a SIGKILL the new
 * sluiced has exactly the acknowledged jobs queued.  Without root it is
 * skipped, except with CI=true, where it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-harness.h"

/* Jobs stay queued: the scope "" is paused before any Submit(). */
static const char config[] =
        "[Scheduler]\n"
        "Discipline=fifo\n"
        "KeepFinishedSec=1h\n"
        "\n"
        "[Class cmd]\n"
        "Kind=command\n"
        "Parameter.pad=[a-z]{0,200}\n"
        "ExecStart=/bin/true %{pad}\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "MaxRunning=1\n"
        "\n"
        "[Class ttl]\n"
        "Kind=lease\n"
        "MaxRunning=1\n";

/* ---- refusals ---- */

/* Run sluiced on @dir (config @dir/sluiced.conf) until it exits; its stderr and exit status. */
static char *run_refused(const char *dir, int *ret_status) {
        g_autoptr(GError) error = NULL;
        g_autofree char *conf = g_build_filename(dir, "sluiced.conf", NULL);
        g_autofree char *conf_arg = g_strdup_printf("--config=%s", conf);
        g_autofree char *state_arg = g_strdup_printf("--state-dir=%s", dir);
        g_autofree char *out = NULL, *err = NULL;
        g_autoptr(GTestDBus) bus = g_test_dbus_new(G_TEST_DBUS_NONE);
        g_autofree char *bus_arg = NULL;
        g_auto(GStrv) envp = g_get_environ();
        const char *sluiced = g_getenv("SLUICED");
        const char *argv[] = { sluiced, NULL, NULL, NULL, NULL };

        g_assert_nonnull(sluiced);
        g_file_set_contents(conf, config, -1, &error);
        g_assert_no_error(error);
        g_test_dbus_up(bus);
        bus_arg = g_strdup_printf("--bus-address=%s", g_test_dbus_get_bus_address(bus));
        argv[1] = bus_arg;
        argv[2] = conf_arg;
        argv[3] = state_arg;
        envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", g_test_dbus_get_bus_address(bus), TRUE);
        envp = g_environ_unsetenv(envp, "NOTIFY_SOCKET");
        /* A refused database ends sluiced before it takes its name: no wait, no bound needed. */
        g_spawn_sync(NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, ret_status, &error);
        g_assert_no_error(error);
        g_test_dbus_down(bus);
        return g_steal_pointer(&err);
}

static void remove_dir(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);

                if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
                        remove_dir(p);
                else
                        g_assert_cmpint(g_unlink(p), ==, 0);
        }
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void sql(const char *path, const char *statements) {
        sqlite3 *db = NULL;

        g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(db, statements, NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(db);
}

typedef struct Refusal {
        const char *name;
        void (*prepare)(const char *dir, const char *db);
        const char *const *says;        /* each must be in sluiced's stderr */
} Refusal;

static void prepare_corrupt(const char *dir, const char *db) {
        g_autoptr(GError) error = NULL;
        g_autofree char *junk = g_strnfill(8192, 'x');

        g_file_set_contents(db, junk, -1, &error);
        g_assert_no_error(error);
}

static void prepare_foreign(const char *dir, const char *db) {
        sql(db, "PRAGMA application_id = 1234; CREATE TABLE someone_elses (x);");
}

/* A database sluiced itself made (stopped cleanly: no -wal left), copied to @db. */
static void copy_real_database(const char *db) {
        g_autoptr(GError) error = NULL;
        g_autofree char *src = NULL, *data = NULL;
        BusHarness *h = bus_harness_new(config);
        gsize len = 0;

        g_free(bus_submit(h, NULL, "cmd", g_variant_new_parsed("{'parameters': <{'pad': 'x'}>}")));
        bus_harness_kill_daemon(h, SIGTERM);
        src = g_build_filename(h->tmpdir, "sluice.db", NULL);
        g_file_get_contents(src, &data, &len, &error);
        g_assert_no_error(error);
        g_file_set_contents(db, data, (gssize) len, &error);
        g_assert_no_error(error);
        bus_harness_free(h);
}

static void prepare_newer(const char *dir, const char *db) {
        copy_real_database(db);
        sql(db, "PRAGMA user_version = 999999");
}

static void prepare_damaged_row(const char *dir, const char *db) {
        copy_real_database(db);
        /* A next id no empty sluiced would write: a commit before the refusal
         * (re-attach runs the loop before the store is read) shows as a change. */
        sql(db, "UPDATE jobs SET state = 'exploded'; UPDATE meta SET value = 7 WHERE key = 'next_id'");
}

static void prepare_not_a_dir(const char *dir, const char *db) {
        /* The database path is a directory: it cannot be opened. */
        g_assert_cmpint(g_mkdir(db, 0700), ==, 0);
}

static const char *const says_corrupt[] = { "sluice.db", "corrupt", "move it away", NULL };
static const char *const says_foreign[] = { "sluice.db", "not a sluice database", "move it away", NULL };
static const char *const says_newer[] = { "sluice.db", "schema version 999999 is newer", "run the newer sluiced",
                                          NULL };
static const char *const says_damaged_row[] = { "sluice.db", "invalid state", "damaged", NULL };
static const char *const says_not_a_dir[] = { "sluice.db", "cannot open it", "regular file", NULL };

static const Refusal refusals[] = {
        { "corrupt", prepare_corrupt, says_corrupt },
        { "foreign", prepare_foreign, says_foreign },
        { "newer", prepare_newer, says_newer },
        { "damaged-row", prepare_damaged_row, says_damaged_row },
        { "unopenable", prepare_not_a_dir, says_not_a_dir },
};

static char *file_digest(const char *path) {
        g_autofree char *data = NULL;
        gsize len = 0;

        if (g_file_test(path, G_FILE_TEST_IS_DIR))
                return g_strdup("directory");
        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static void test_refused(gconstpointer data) {
        const Refusal *t = data;
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("sluice-badstate-XXXXXX", &error);
        g_autofree char *db = g_build_filename(dir, "sluice.db", NULL);
        g_autofree char *before = NULL, *after = NULL, *err = NULL;
        int status = 0;

        g_assert_no_error(error);
        t->prepare(dir, db);
        before = file_digest(db);
        err = run_refused(dir, &status);
        g_test_message("sluiced said: %s", err);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), !=, 0);
        for (const char *const *s = t->says; *s; s++)
                if (!strstr(err, *s))
                        g_error("sluiced's refusal (%s) does not say \"%s\": %s", t->name, *s, err);
        /* Never started empty: the file is as it was, no -wal beside it. */
        after = file_digest(db);
        g_assert_cmpstr(before, ==, after);
        remove_dir(dir);
}

/* ---- disk full ---- */

typedef struct DiskFull {
        BusHarness *h;
        GPid holder;            /* sleeps in the mount namespace with the tmpfs */
        char *state;            /* the tmpfs as the test sees it: /proc/HOLDER/root/TMPDIR */
} DiskFull;

static gboolean mounted(BusHarness *h, gconstpointer data) {
        const DiskFull *d = data;
        g_autofree char *path = g_strdup_printf("/proc/%d/mountinfo", d->holder);
        g_autofree char *info = NULL;
        g_autofree char *needle = g_strdup_printf(" %s ", h->tmpdir);

        return g_file_get_contents(path, &info, NULL, NULL) && strstr(info, needle) && strstr(info, "sluice-diskfull");
}

/* The namespace holder: a tmpfs of @size over the harness's state directory, seen only by it and its sluiced. */
static void start_holder(DiskFull *d, const char *size) {
        g_autoptr(GError) error = NULL;
        g_autofree char *opts = g_strdup_printf("size=%s,mode=0700", size);
        const char *argv[] = {
                "setpriv", "--pdeathsig", "KILL", "unshare", "--mount", "--propagation", "private",
                "sh", "-c", "mount -t tmpfs -o \"$1\" sluice-diskfull \"$2\" && exec sleep 100000",
                "sh", opts, d->h->tmpdir, NULL,
        };

        g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &d->holder, &error);
        g_assert_no_error(error);
        bus_harness_wait_for(d->h, mounted, d, "the tmpfs in the helper's mount namespace");
        d->state = g_strdup_printf("/proc/%d/root%s", d->holder, d->h->tmpdir);
}

static void stop_holder(DiskFull *d) {
        int status;

        if (d->holder <= 0)
                return;
        (void) kill(d->holder, SIGKILL);
        (void) waitpid(d->holder, &status, 0);
        g_spawn_close_pid(d->holder);
        d->holder = 0;
}

static GVariant *pad_options(void) {
        GVariantBuilder p;

        g_variant_builder_init(&p, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&p, "{ss}", "pad", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
        return g_variant_new_parsed("{'parameters': <%@a{ss}>}", g_variant_builder_end(&p));
}

static char *try_submit(DiskFull *d, GError **error) {
        g_autoptr(GVariant) r = bus_call(d->h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit",
                                         g_variant_new("(s@a{sv})", "cmd", pad_options()), error);
        char *path = NULL;

        if (r)
                g_variant_get(r, "(o)", &path);
        return path;
}

/* Fill the file system at @dir: one file, written until ENOSPC (big writes, then small ones). */
static char *fill(const char *dir) {
        char *path = g_build_filename(dir, "filler", NULL);
        static const size_t sizes[] = { 65536, 4096, 512, 1 };
        char buf[65536];
        int fd;

        memset(buf, 'f', sizeof(buf));
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        g_assert_cmpint(fd, >=, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++)
                while (write(fd, buf, sizes[i]) == (ssize_t) sizes[i])
                        ;
        g_assert_cmpint(errno, ==, ENOSPC);
        g_assert_cmpint(close(fd), ==, 0);
        return path;
}

/* Queued jobs on the bus (history=false): ids, sorted. */
static GArray *queued_ids(DiskFull *d, gboolean history, GArray **ret_other) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GVariantIter) it = NULL;
        GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint64));
        const char *klass, *state, *result, *path;
        guint64 id, submitted;
        gint32 prio;
        guint32 owner;

        r = bus_call(d->h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                     g_variant_new_parsed("({'history': <%b>},)", history), &error);
        g_assert_no_error(error);
        *ret_other = g_array_new(FALSE, FALSE, sizeof(guint64));
        g_variant_get(r, "(a(tsssiuto))", &it);
        while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &klass, &state, &result, &prio, &owner, &submitted,
                                   &path)) {
                if (g_str_equal(state, "queued")) {
                        g_array_append_val(ids, id);
                } else {
                        /* The only other kind: a job whose Submit() failed, cancelled, never run. */
                        g_assert_cmpstr(state, ==, "done");
                        g_assert_cmpstr(result, ==, "cancelled");
                        g_array_append_val(*ret_other, id);
                }
        }
        return ids;
}

static void assert_ids(GArray *got, GArray *want, const char *what) {
        g_autoptr(GString) g = g_string_new(NULL), w = g_string_new(NULL);

        for (guint i = 0; i < got->len; i++)
                g_string_append_printf(g, " %" G_GUINT64_FORMAT, g_array_index(got, guint64, i));
        for (guint i = 0; i < want->len; i++)
                g_string_append_printf(w, " %" G_GUINT64_FORMAT, g_array_index(want, guint64, i));
        if (!g_str_equal(g->str, w->str))
                g_error("%s: queued jobs are [%s ], the acknowledged ones [%s ]", what, g->str, w->str);
}

static char *integrity(const char *db_path) {
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        char *v;

        g_assert_cmpint(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
        v = g_strdup((const char *) sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        sqlite3_close(db);
        return v;
}

static void test_disk_full(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) acked = g_array_new(FALSE, FALSE, sizeof(guint64));
        g_autoptr(GArray) queued = NULL, other = NULL;
        g_autofree char *conf = NULL, *filler = NULL, *db = NULL, *check = NULL;
        g_autoptr(GVariant) r = NULL;
        DiskFull d = {};
        unsigned tries, failures_before = 0;

        if (getuid() != 0) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0)
                        g_error("the disk-full test needs root (a tmpfs as the state directory), and CI=true");
                g_test_skip("needs root: a tmpfs as the state directory");
                return;
        }

        /* The harness's first sluiced runs on the plain tmpdir; the test's runs on the tmpfs over it. */
        d.h = bus_harness_new(config);
        bus_harness_kill_daemon(d.h, SIGTERM);
        start_holder(&d, "1m");
        conf = g_build_filename(d.state, "sluiced.conf", NULL);
        g_file_set_contents(conf, config, -1, &error);
        g_assert_no_error(error);
        g_autofree char *wrapper = g_strdup_printf("nsenter --target=%d --mount --", d.holder);
        g_setenv("BUS_TEST_DAEMON_WRAPPER", wrapper, TRUE);
        bus_harness_start_daemon(d.h);

        r = bus_call(d.h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause", g_variant_new("(s)", ""), &error);
        g_assert_no_error(error);
        for (int i = 0; i < 3; i++) {
                g_autofree char *path = try_submit(&d, &error);

                g_assert_no_error(error);
                guint64 id = bus_job_id(path);
                g_array_append_val(acked, id);
        }

        /* Full: Submit() fails (perhaps not at once: SQLite reuses the -wal file's space). */
        filler = fill(d.state);
        for (tries = 0; tries < 20000; tries++) {
                g_autofree char *path = try_submit(&d, &error);

                if (!path)
                        break;
                guint64 id = bus_job_id(path);
                g_array_append_val(acked, id);
        }
        g_assert_nonnull(error);
        g_test_message("Submit() failed after %u further jobs: %s", tries, error->message);
        bus_assert_error(error, "org.freedesktop.DBus.Error.IOError", "not accepted", "sluice.db", "full",
                         "free space", NULL);
        g_clear_error(&error);
        /* And again, while it is still full. */
        g_free(try_submit(&d, &error));
        g_assert_nonnull(error);
        bus_assert_error(error, "org.freedesktop.DBus.Error.IOError", "full", NULL);
        g_clear_error(&error);
        failures_before = 2;

        /* Earlier jobs intact, the refused ones never queued. */
        queued = queued_ids(&d, FALSE, &other);
        assert_ids(queued, acked, "with the disk full");
        g_assert_cmpuint(other->len, ==, failures_before);
        g_clear_pointer(&queued, g_array_unref);
        g_clear_pointer(&other, g_array_unref);

        /* Space again: Submit() works. */
        g_assert_cmpint(g_unlink(filler), ==, 0);
        {
                g_autofree char *path = try_submit(&d, &error);

                g_assert_no_error(error);
                guint64 id = bus_job_id(path);
                g_array_append_val(acked, id);
        }

        /* A crash, and the new sluiced has exactly the acknowledged jobs queued. */
        bus_harness_kill_daemon(d.h, SIGKILL);
        bus_harness_start_daemon(d.h);
        queued = queued_ids(&d, TRUE, &other);
        assert_ids(queued, acked, "after a restart");
        g_assert_cmpuint(other->len, <=, failures_before);

        /* Stopped cleanly: the file passes SQLite's own check. */
        bus_harness_kill_daemon(d.h, SIGTERM);
        db = g_build_filename(d.state, "sluice.db", NULL);
        check = integrity(db);
        g_assert_cmpstr(check, ==, "ok");

        g_unsetenv("BUS_TEST_DAEMON_WRAPPER");
        stop_holder(&d);
        g_free(d.state);
        bus_harness_free(d.h);
}

static gboolean one_queued(BusHarness *h, gconstpointer data) {
        return bus_manager_get_u(h, "QueuedJobs") == 1;
}

/*
 * A lease granted while the disk is full: its Acquire() waits for the commit
 * that records the grant, and is answered once space is back, with no other
 * call to wake sluiced up (before, it waited for the next unrelated call,
 * forever on an idle scheduler, holding the slot its caller never heard of).
 */
static void test_disk_full_grant(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(BusPending) pending = NULL, release = NULL;
        g_autoptr(GDBusConnection) other = NULL;
        g_autofree char *conf = NULL, *filler = NULL, *first = NULL, *second = NULL, *state = NULL;
        g_autoptr(GVariant) r = NULL;
        DiskFull d = {};
        unsigned tries;

        if (getuid() != 0) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0)
                        g_error("the disk-full test needs root (a tmpfs as the state directory), and CI=true");
                g_test_skip("needs root: a tmpfs as the state directory");
                return;
        }

        d.h = bus_harness_new(config);
        bus_harness_kill_daemon(d.h, SIGTERM);
        start_holder(&d, "1m");
        conf = g_build_filename(d.state, "sluiced.conf", NULL);
        g_file_set_contents(conf, config, -1, &error);
        g_assert_no_error(error);
        g_autofree char *wrapper = g_strdup_printf("nsenter --target=%d --mount --", d.holder);
        g_setenv("BUS_TEST_DAEMON_WRAPPER", wrapper, TRUE);
        bus_harness_start_daemon(d.h);
        other = bus_harness_connect(d.h);

        r = bus_call(d.h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause", g_variant_new("(s)", "class:cmd"),
                     &error);
        g_assert_no_error(error);
        first = bus_acquire(d.h, NULL, "slot", NULL);
        pending = bus_call_async(d.h, other, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                 g_variant_new("(s@a{sv})", "slot", g_variant_new("a{sv}", NULL)));
        bus_harness_wait_for(d.h, one_queued, NULL, "the second Acquire() to be queued");
        second = g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" G_GUINT64_FORMAT, bus_job_id(first) + 1);
        /* Queued is not yet durable: a Submit()'s reply comes after the commit
         * that carries the second lease too.  Without this the disk could fill
         * before that commit, and the second Acquire() would rightly fail. */
        g_free(try_submit(&d, &error));
        g_assert_no_error(error);

        /* Full, and known to be: a Submit() failed. */
        filler = fill(d.state);
        for (tries = 0; tries < 20000; tries++) {
                g_autofree char *path = try_submit(&d, &error);

                if (!path)
                        break;
        }
        bus_assert_error(error, "org.freedesktop.DBus.Error.IOError", "full", NULL);
        g_clear_error(&error);

        /* The slot passes to the second lease, whose grant cannot be committed;
         * nor can the release: its reply is held back too. */
        release = bus_call_async(d.h, NULL, first, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", "success"));
        bus_wait_job_state(d.h, second, "running");
        bus_harness_flush();
        g_assert_false(pending->done);
        g_assert_false(release->done);

        /* Space again, and no further call: the grant is committed and answered. */
        g_assert_cmpint(g_unlink(filler), ==, 0);
        bus_harness_wait_pending(d.h, pending, "the held-back grant to be answered once the disk has space");
        g_assert_no_error(pending->error);
        bus_harness_wait_pending(d.h, release, "the held-back Release() to be answered once the disk has space");
        g_assert_no_error(release->error);
        g_variant_get(pending->reply, "(o)", &state);
        g_assert_cmpstr(state, ==, second);

        /* Committed as running: a crash keeps the grant. */
        g_dbus_connection_flush_sync(other, NULL, NULL);
        bus_harness_kill_daemon(d.h, SIGKILL);
        bus_harness_start_daemon(d.h);
        g_clear_pointer(&state, g_free);
        state = bus_job_get_string(d.h, second, "State");
        g_assert_cmpstr(state, ==, "running");

        bus_harness_kill_daemon(d.h, SIGTERM);
        g_unsetenv("BUS_TEST_DAEMON_WRAPPER");
        stop_holder(&d);
        g_free(d.state);
        g_clear_object(&other);
        bus_harness_free(d.h);
}

/* ---- every acknowledged change durable before its reply (issue 10, item 9) ---- */

/* The state directory on a 1m tmpfs of its own, sluiced started on it. */
static void disk_full_start(DiskFull *d) {
        g_autoptr(GError) error = NULL;
        g_autofree char *conf = NULL, *wrapper = NULL;

        d->h = bus_harness_new(config);
        bus_harness_kill_daemon(d->h, SIGTERM);
        start_holder(d, "1m");
        conf = g_build_filename(d->state, "sluiced.conf", NULL);
        g_file_set_contents(conf, config, -1, &error);
        g_assert_no_error(error);
        wrapper = g_strdup_printf("nsenter --target=%d --mount --", d->holder);
        g_setenv("BUS_TEST_DAEMON_WRAPPER", wrapper, TRUE);
        bus_harness_start_daemon(d->h);
}

/* Fill the file system until a commit is known to fail (a Submit() refused); the filler's path. */
static char *fill_until_refused(DiskFull *d) {
        g_autoptr(GError) error = NULL;
        char *filler = fill(d->state);

        for (unsigned tries = 0; tries < 20000; tries++) {
                g_autofree char *path = try_submit(d, &error);

                if (!path)
                        break;
        }
        bus_assert_error(error, "org.freedesktop.DBus.Error.IOError", "full", NULL);
        return filler;
}

typedef struct Changes {
        char *cancel_job;       /* CancelJob(id) of a queued command job */
        char *job_cancel;       /* Job.Cancel() of another */
        char *prio;             /* Job.SetPriority(7) of a third */
        char *lease;            /* Release("success") of a granted lease */
        char *detached;         /* Renew() of a detached lease */
        guint64 expires;        /* its LeaseExpiresAt as sluiced says after the Renew() */
        BusPending *calls[6];   /* the calls, in that order, then Pause("") */
} Changes;

static const char *const change_names[] = { "CancelJob", "Job.Cancel", "SetPriority", "Release", "Renew", "Pause" };

static guint64 job_get_t(BusHarness *h, const char *path, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, path, SLUICE_JOB_IFACE, name);

        return g_variant_get_uint64(v);
}

static gint32 job_get_i(BusHarness *h, const char *path, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, path, SLUICE_JOB_IFACE, name);

        return g_variant_get_int32(v);
}

static gboolean all_paused(BusHarness *h, gconstpointer data) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");
        g_autofree const char **scopes = g_variant_get_strv(v, NULL);

        return g_strv_contains(scopes, "");
}

static gboolean renewed(BusHarness *h, gconstpointer data) {
        const Changes *c = data;

        return job_get_t(h, c->detached, "LeaseExpiresAt") != c->expires;
}

static gboolean prio_seven(BusHarness *h, gconstpointer data) {
        return job_get_i(h, data, "Priority") == 7;
}

/*
 * Every change that alters stored state, called at once; then waited for
 * until sluiced has made each of them (signals, properties), so that a reply
 * not there now is a reply held back, not one still on its way.
 */
static void make_changes(DiskFull *d, Changes *c) {
        BusHarness *h = d->h;

        c->expires = job_get_t(h, c->detached, "LeaseExpiresAt");
        c->calls[0] = bus_call_async(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                                     g_variant_new("(t)", bus_job_id(c->cancel_job)));
        c->calls[1] = bus_call_async(h, NULL, c->job_cancel, SLUICE_JOB_IFACE, "Cancel", NULL);
        c->calls[2] = bus_call_async(h, NULL, c->prio, SLUICE_JOB_IFACE, "SetPriority", g_variant_new("(i)", 7));
        c->calls[3] = bus_call_async(h, NULL, c->lease, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", "success"));
        c->calls[4] = bus_call_async(h, NULL, c->detached, SLUICE_JOB_IFACE, "Renew", NULL);
        c->calls[5] = bus_call_async(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause",
                                     g_variant_new("(s)", ""));
        bus_wait_job_state(h, c->cancel_job, "done");
        bus_wait_job_state(h, c->job_cancel, "done");
        bus_wait_job_state(h, c->lease, "done");
        bus_harness_wait_for(h, prio_seven, c->prio, "SetPriority(7) to be made");
        bus_harness_wait_for(h, renewed, c, "Renew() to be made");
        bus_harness_wait_for(h, all_paused, NULL, "Pause(\"\") to be made");
        c->expires = job_get_t(h, c->detached, "LeaseExpiresAt");
        /* Anything sluiced answered before those property reads has been received by now. */
        bus_harness_flush();
}

static void assert_unanswered(Changes *c, const char *when) {
        for (size_t i = 0; i < G_N_ELEMENTS(c->calls); i++)
                if (c->calls[i]->done)
                        g_error("%s: %s() was answered (%s) though its change is not committed", when,
                                change_names[i], c->calls[i]->error ? c->calls[i]->error->message : "success");
}

static void free_calls(Changes *c) {
        for (size_t i = 0; i < G_N_ELEMENTS(c->calls); i++)
                g_clear_pointer(&c->calls[i], bus_pending_free);
}

/* A job as sluiced has it, on the bus or (done) only in the store: GetJobRecord(). */
static GVariant *job_record(BusHarness *h, const char *path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJobRecord",
                                         g_variant_new("(t)", bus_job_id(path)), &error);

        g_assert_no_error(error);
        return g_variant_get_child_value(r, 0);
}

static char *record_string(GVariant *rec, const char *key) {
        const char *v = NULL;

        g_assert_true(g_variant_lookup(rec, key, "&s", &v));
        return g_strdup_printf("%s%s%s", key, v[0] ? "=" : "", v);
}

/* The stored state, as a fresh sluiced reads it back: the changes were made (@made) or not. */
static void assert_changes(DiskFull *d, const Changes *c, gboolean made, guint64 expires_before) {
        BusHarness *h = d->h;
        g_autoptr(GVariant) j1 = job_record(h, c->cancel_job), j2 = job_record(h, c->job_cancel);
        g_autoptr(GVariant) j3 = job_record(h, c->lease), j4 = job_record(h, c->prio);
        g_autofree char *s1 = record_string(j1, "State"), *r1 = record_string(j1, "Result");
        g_autofree char *s2 = record_string(j2, "State"), *r2 = record_string(j2, "Result");
        g_autofree char *s3 = record_string(j3, "State"), *r3 = record_string(j3, "Result");
        gint32 prio = -1;

        g_assert_true(g_variant_lookup(j4, "Priority", "i", &prio));
        g_test_message("%s: CancelJob'd %s %s, Cancel'd %s %s, released %s %s, priority %d",
                       made ? "acknowledged changes after a SIGKILL" : "unacknowledged changes after a SIGKILL",
                       s1, r1, s2, r2, s3, r3, prio);
        g_assert_cmpstr(s1, ==, made ? "State=done" : "State=queued");
        g_assert_cmpstr(r1, ==, made ? "Result=cancelled" : "Result");
        g_assert_cmpstr(s2, ==, made ? "State=done" : "State=queued");
        g_assert_cmpstr(r2, ==, made ? "Result=cancelled" : "Result");
        g_assert_cmpstr(s3, ==, made ? "State=done" : "State=running");
        g_assert_cmpstr(r3, ==, made ? "Result=success" : "Result");
        g_assert_cmpint(prio, ==, made ? 7 : 0);
        g_assert_cmpuint(job_get_t(h, c->detached, "LeaseExpiresAt"), ==, made ? c->expires : expires_before);
        g_assert_cmpint(all_paused(h, NULL), ==, made);
}

/*
 * CancelJob, Job.Cancel, SetPriority, Release, Renew and Pause with the disk
 * full: none is answered while its change cannot be committed.  A SIGKILL
 * then: after the restart none of the changes happened (allowed: nobody was
 * told they did), and nothing half.  The same again, then space is freed
 * with no further call: every reply comes (the commit is tried again), and
 * a SIGKILL right after the last one loses none of the changes.  Before,
 * every call was answered at once, before its commit.
 */
static void test_disk_full_changes(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autofree char *filler = NULL;
        Changes c = {};
        DiskFull d = {};
        guint64 expires_before;

        if (getuid() != 0) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0)
                        g_error("the disk-full test needs root (a tmpfs as the state directory), and CI=true");
                g_test_skip("needs root: a tmpfs as the state directory");
                return;
        }
        disk_full_start(&d);

        r = bus_call(d.h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause", g_variant_new("(s)", "class:cmd"),
                     &error);
        g_assert_no_error(error);
        c.cancel_job = bus_submit(d.h, NULL, "cmd", pad_options());
        c.job_cancel = bus_submit(d.h, NULL, "cmd", pad_options());
        c.prio = bus_submit(d.h, NULL, "cmd", pad_options());
        c.lease = bus_acquire(d.h, NULL, "slot", NULL);
        c.detached = bus_acquire(d.h, NULL, "ttl", g_variant_new_parsed("{'ttl-sec': <uint64 3600>}"));
        expires_before = job_get_t(d.h, c.detached, "LeaseExpiresAt");

        /* 1. Full: made in memory, not answered; a crash; none of it stored. */
        filler = fill_until_refused(&d);
        make_changes(&d, &c);
        assert_unanswered(&c, "disk full");
        bus_harness_kill_daemon(d.h, SIGKILL);
        for (size_t i = 0; i < G_N_ELEMENTS(c.calls); i++) {
                bus_harness_wait_pending(d.h, c.calls[i], "the call to fail with sluiced gone");
                if (!c.calls[i]->error)
                        g_error("%s() was answered before the SIGKILL with the disk full", change_names[i]);
        }
        free_calls(&c);
        g_assert_cmpint(g_unlink(filler), ==, 0);
        g_clear_pointer(&filler, g_free);
        bus_harness_start_daemon(d.h);
        assert_changes(&d, &c, FALSE, expires_before);

        /* 2. Full again: held back; space, and no other call: answered; a crash right after: all stored. */
        filler = fill_until_refused(&d);
        make_changes(&d, &c);
        assert_unanswered(&c, "disk full again");
        g_assert_cmpint(g_unlink(filler), ==, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(c.calls); i++) {
                bus_harness_wait_pending(d.h, c.calls[i], "a held reply to come once the disk has space");
                if (c.calls[i]->error)
                        g_error("%s(): %s", change_names[i], c.calls[i]->error->message);
        }
        bus_harness_kill_daemon(d.h, SIGKILL);
        bus_harness_start_daemon(d.h);
        assert_changes(&d, &c, TRUE, expires_before);

        free_calls(&c);
        bus_harness_kill_daemon(d.h, SIGTERM);
        g_unsetenv("BUS_TEST_DAEMON_WRAPPER");
        stop_holder(&d);
        g_free(d.state);
        g_free(c.cancel_job);
        g_free(c.job_cancel);
        g_free(c.prio);
        g_free(c.lease);
        g_free(c.detached);
        bus_harness_free(d.h);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(refusals); i++) {
                g_autofree char *name = g_strdup_printf("/badstate/refused/%s", refusals[i].name);

                g_test_add_data_func(name, &refusals[i], test_refused);
        }
        g_test_add_func("/badstate/disk-full", test_disk_full);
        g_test_add_func("/badstate/disk-full-grant", test_disk_full_grant);
        g_test_add_func("/badstate/disk-full-changes", test_disk_full_changes);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real sluiced on a state directory it must not start on (issue 10,
 * item 11 e/f): an empty sluice.db (it would hand out job ids again), a
 * read-only file system (root only: a read-only bind mount in a mount
 * namespace of its own, made by unshare(1)), a directory of another user (a
 * non-root uid, by setpriv(1)).  sluiced exits non-zero before taking its
 * name, says what the matter is and names the path, and leaves the database
 * as it was.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-harness.h"

static const char config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n";

/* Run sluiced (behind @wrapper, a shell word list, may be NULL) on @dir until
 * it exits; its stderr and exit status.  Fails the test if sluiced takes its
 * bus name instead (it started on that state directory). */
static char *run_sluiced(const char *dir, const char *wrapper, int *ret_status) {
        g_autoptr(GError) error = NULL;
        g_autofree char *conf = g_build_filename(dir, "sluiced.conf", NULL);
        g_autoptr(GString) err = g_string_new(NULL);
        g_autoptr(GTestDBus) bus = g_test_dbus_new(G_TEST_DBUS_NONE);
        GDBusConnection *conn = NULL;
        GPid pid;
        int err_fd;
        char buf[512];
        ssize_t n;
        g_auto(GStrv) envp = g_get_environ();
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        const char *sluiced = g_getenv("SLUICED");

        g_assert_nonnull(sluiced);
        g_file_set_contents(conf, config, -1, &error);
        g_assert_no_error(error);
        g_assert_cmpint(chmod(conf, 0644), ==, 0);
        g_test_dbus_up(bus);
        if (wrapper) {
                g_auto(GStrv) w = NULL;

                g_shell_parse_argv(wrapper, NULL, &w, &error);
                g_assert_no_error(error);
                for (char **p = w; *p; p++)
                        g_ptr_array_add(argv, g_strdup(*p));
        }
        g_ptr_array_add(argv, g_strdup(sluiced));
        g_ptr_array_add(argv, g_strdup_printf("--bus-address=%s", g_test_dbus_get_bus_address(bus)));
        g_ptr_array_add(argv, g_strdup_printf("--config=%s", conf));
        g_ptr_array_add(argv, g_strdup_printf("--state-dir=%s", dir));
        g_ptr_array_add(argv, NULL);
        envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", g_test_dbus_get_bus_address(bus), TRUE);
        envp = g_environ_unsetenv(envp, "NOTIFY_SOCKET");
        conn = g_dbus_connection_new_for_address_sync(g_test_dbus_get_bus_address(bus),
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
        g_assert_no_error(error);
        g_spawn_async_with_pipes(NULL, (char **) argv->pdata, envp,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, &pid, NULL, NULL, &err_fd, &error);
        g_assert_no_error(error);
        /* Either sluiced exits (refused: it never takes its name), or it takes
         * its name: it started on this state, which is the failure. */
        for (;;) {
                g_autoptr(GVariant) owner = NULL;
                gboolean owned = FALSE;

                if (waitpid(pid, ret_status, WNOHANG) == pid)
                        break;
                owner = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                    "org.freedesktop.DBus", "NameHasOwner",
                                                    g_variant_new("(s)", SLUICE_BUS_NAME), G_VARIANT_TYPE("(b)"),
                                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
                if (owner)
                        g_variant_get(owner, "(b)", &owned);
                if (owned) {
                        (void) kill(pid, SIGTERM);
                        (void) waitpid(pid, ret_status, 0);
                        g_error("sluiced started on the state directory %s instead of refusing it", dir);
                }
                g_usleep(10000);
        }
        g_spawn_close_pid(pid);
        while ((n = read(err_fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0)
                        g_string_append_len(err, buf, (gssize) n);
        close(err_fd);
        g_clear_object(&conn);
        g_test_dbus_down(bus);
        g_test_message("sluiced said: %s", err->str);
        return g_string_free(g_steal_pointer(&err), FALSE);
}

static void remove_dir(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);

                g_assert_cmpint(g_unlink(p), ==, 0);
        }
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static char *file_digest(const char *path) {
        g_autofree char *data = NULL;
        gsize len = 0;

        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static void assert_refused(const char *err, int status, const char *const *says, const char *const *never) {
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), !=, 0);
        for (const char *const *s = says; *s; s++)
                if (!strstr(err, *s))
                        g_error("sluiced's refusal does not say \"%s\": %s", *s, err);
        for (const char *const *s = never; s && *s; s++)
                if (strstr(err, *s))
                        g_error("sluiced's refusal says \"%s\": %s", *s, err);
}

/* A database with a job's worth of state: sluiced ran here and stopped. */
static char *state_dir_with_database(void) {
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("sluice-statedir-XXXXXX", &error);
        g_autofree char *db = g_build_filename(dir, "sluice.db", NULL);
        BusHarness *h = bus_harness_new(config);
        g_autofree char *src = NULL, *data = NULL;
        gsize len = 0;

        g_assert_no_error(error);
        g_free(bus_submit(h, NULL, "slot", NULL));
        bus_harness_kill_daemon(h, SIGTERM);
        src = g_build_filename(h->tmpdir, "sluice.db", NULL);
        g_assert_true(g_file_get_contents(src, &data, &len, NULL));
        g_assert_true(g_file_set_contents(db, data, (gssize) len, NULL));
        bus_harness_free(h);
        g_assert_cmpint(chmod(dir, 0755), ==, 0);
        g_assert_cmpint(chmod(db, 0644), ==, 0);
        return dir;
}

/* A 0-byte sluice.db: refused, named, what to do; still 0 bytes, no -wal. */
static void test_empty_database(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("sluice-statedir-XXXXXX", &error);
        g_autofree char *db = g_build_filename(dir, "sluice.db", NULL);
        g_autofree char *wal = g_build_filename(dir, "sluice.db-wal", NULL);
        g_autofree char *err = NULL;
        struct stat st;
        int status = 0;

        g_assert_no_error(error);
        g_assert_true(g_file_set_contents(db, "", 0, NULL));
        err = run_sluiced(dir, NULL, &status);
        assert_refused(err, status,
                       (const char *const[]) { db, "is empty (0 bytes)", "used job ids", "Restore it from a backup",
                                               NULL },
                       NULL);
        g_assert_cmpint(stat(db, &st), ==, 0);
        g_assert_cmpint(st.st_size, ==, 0);
        g_assert_false(g_file_test(wal, G_FILE_TEST_EXISTS));
        remove_dir(dir);
}

/* A read-only file system: said as such, never "corrupt … move it away". */
static void test_read_only(void) {
        g_autofree char *dir = NULL, *db = NULL, *before = NULL, *after = NULL, *wrapper = NULL, *err = NULL;
        int status = 0;

        if (getuid() != 0) {
                g_test_skip("needs root: a read-only bind mount in a mount namespace of its own");
                return;
        }
        dir = state_dir_with_database();
        db = g_build_filename(dir, "sluice.db", NULL);
        before = file_digest(db);
        wrapper = g_strdup_printf("unshare --mount --propagation private sh -c "
                                  "'mount --bind -o ro \"$0\" \"$0\" && exec \"$@\"' %s", dir);
        err = run_sluiced(dir, wrapper, &status);
        assert_refused(err, status, (const char *const[]) { dir, "Read-only file system", "mount it read-write", NULL },
                       (const char *const[]) { "corrupt", "move it away", NULL });
        after = file_digest(db);
        g_assert_cmpstr(before, ==, after);
        remove_dir(dir);
}

/* A state directory sluiced's uid may not write: "Permission denied", named. */
static void test_permission_denied(void) {
        g_autofree char *dir = NULL, *db = NULL, *before = NULL, *after = NULL, *err = NULL;
        int status = 0;

        if (getuid() != 0) {
                g_test_skip("needs root: sluiced runs as uid 65534 on root's state directory");
                return;
        }
        dir = state_dir_with_database();
        db = g_build_filename(dir, "sluice.db", NULL);
        before = file_digest(db);
        err = run_sluiced(dir, "setpriv --reuid=65534 --regid=65534 --clear-groups", &status);
        assert_refused(err, status, (const char *const[]) { dir, "Permission denied", NULL },
                       (const char *const[]) { "corrupt", "move it away", NULL });
        after = file_digest(db);
        g_assert_cmpstr(before, ==, after);
        remove_dir(dir);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/statedir/empty-database", test_empty_database);
        g_test_add_func("/bus/statedir/read-only", test_read_only);
        g_test_add_func("/bus/statedir/permission-denied", test_permission_denied);
        return g_test_run();
}

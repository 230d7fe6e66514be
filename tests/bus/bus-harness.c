/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-harness.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A failure guard only: no assertion depends on how long anything takes. */
#define BUS_HARNESS_DEADLINE_USEC (90 * G_USEC_PER_SEC)

const char bus_harness_default_config[] =
        "[Scheduler]\n"
        "Discipline=fifo\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "Description=One slot at a time\n"
        "MaxRunning=1\n"
        "\n"
        "[Class backup]\n"
        "Kind=lease\n"
        "Description=Backup of one datastore\n"
        "Priority=5\n"
        "MaxRunning=0\n"
        "Parameter.store=[a-z]+\n"
        "Resources=datastore:%{store}\n"
        "\n"
        "[Resource datastore:*]\n"
        "MaxRunning=1\n"
        "\n"
        "[Class cmd]\n"
        "Kind=command\n"
        "ExecStart=/bin/true\n";

static void bus_signal_free(BusSignal *s) {
        g_free(s->sender);
        g_free(s->path);
        g_free(s->interface);
        g_free(s->member);
        g_clear_pointer(&s->parameters, g_variant_unref);
        g_free(s);
}

static void on_signal(GDBusConnection *conn, const char *sender, const char *path,
                      const char *iface, const char *member, GVariant *params, gpointer userdata) {
        BusHarness *h = userdata;
        BusSignal *s;

        /* Only sluiced's objects; the bus driver's signals are noise here. */
        if (!g_str_has_prefix(path, SLUICE_MANAGER_PATH))
                return;

        s = g_new0(BusSignal, 1);
        s->sender = g_strdup(sender);
        s->path = g_strdup(path);
        s->interface = g_strdup(iface);
        s->member = g_strdup(member);
        s->parameters = g_variant_ref(params);
        g_ptr_array_add(h->signals, s);
}

void bus_harness_write_config(BusHarness *h, const char *config_text) {
        g_autoptr(GError) error = NULL;

        g_file_set_contents(h->config_path, config_text, -1, &error);
        g_assert_no_error(error);
}

GDBusConnection *bus_harness_connect(BusHarness *h) {
        g_autoptr(GError) error = NULL;
        GDBusConnection *c;

        c = g_dbus_connection_new_for_address_sync(
                h->address,
                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, &error);
        g_assert_no_error(error);
        g_dbus_connection_set_exit_on_close(c, FALSE);
        return c;
}

static gboolean wake_up(gpointer data) {
        return G_SOURCE_REMOVE;
}

void bus_harness_flush(void) {
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

void bus_harness_wait_for(BusHarness *h, BusPredicate pred, gconstpointer data, const char *what) {
        gint64 deadline = g_get_monotonic_time() + BUS_HARNESS_DEADLINE_USEC;

        for (;;) {
                g_autoptr(GSource) tick = NULL;

                bus_harness_flush();
                if (pred(h, data))
                        return;
                if (g_get_monotonic_time() > deadline)
                        g_error("gave up waiting for %s", what);

                /* Block until something arrives, waking up now and then so
                 * that predicates which poll properties are re-evaluated. */
                tick = g_timeout_source_new(50);
                g_source_set_callback(tick, wake_up, NULL, NULL);
                g_source_attach(tick, NULL);
                g_main_context_iteration(NULL, TRUE);
                g_source_destroy(tick);
        }
}

gboolean bus_name_has_owner(BusHarness *h, const char *name) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        gboolean has;

        r = g_dbus_connection_call_sync(h->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "NameHasOwner", g_variant_new("(s)", name),
                                        G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(b)", &has);
        return has;
}

/* Runs in the child: a failed assertion aborts the test, sluiced goes with it. */
static void die_with_parent(gpointer data) {
        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * bus_harness_spawn_daemon() - start sluiced on the harness's bus
 * @h: the harness: address, config_path and tmpdir set, no sluiced running
 * @extra_args: further arguments (NULL-terminated), or NULL
 * @extra_env: "NAME=VALUE" strings set in sluiced's environment (NULL-terminated), or NULL
 *
 * sluiced --bus-address=ADDRESS --config=CONFIG_PATH --state-dir=TMPDIR
 * [@extra_args], under $BUS_TEST_DAEMON_WRAPPER when set (e.g. "valgrind
 * --error-exitcode=99 --leak-check=full"), with both bus addresses pointing
 * at the harness's bus and no NOTIFY_SOCKET: never near the real buses, the
 * real polkit or the real systemd.  Does not wait (bus_harness_wait_daemon()).
 */
void bus_harness_spawn_daemon(BusHarness *h, const char *const *extra_args, const char *const *extra_env) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) envp = g_get_environ();
        const char *sluiced = g_getenv("SLUICED");
        const char *wrapper = g_getenv("BUS_TEST_DAEMON_WRAPPER");

        if (!sluiced)
                g_error("$SLUICED is not set: run the bus tests through meson test");
        g_assert_cmpint(h->pid, ==, 0);

        if (wrapper && *wrapper) {
                g_auto(GStrv) w = NULL;

                g_shell_parse_argv(wrapper, NULL, &w, &error);
                g_assert_no_error(error);
                for (char **p = w; *p; p++)
                        g_ptr_array_add(argv, g_strdup(*p));
        }
        g_ptr_array_add(argv, g_strdup(sluiced));
        g_ptr_array_add(argv, g_strdup_printf("--bus-address=%s", h->address));
        g_ptr_array_add(argv, g_strdup_printf("--config=%s", h->config_path));
        /* sluice.db and its -wal/-shm beside the config: removed with the tmpdir. */
        g_ptr_array_add(argv, g_strdup_printf("--state-dir=%s", h->tmpdir));
        for (const char *const *a = extra_args; a && *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);

        envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", h->address, TRUE);
        envp = g_environ_setenv(envp, "DBUS_SESSION_BUS_ADDRESS", h->address, TRUE);
        envp = g_environ_unsetenv(envp, "NOTIFY_SOCKET");
        for (const char *const *e = extra_env; e && *e; e++) {
                const char *eq = strchr(*e, '=');
                g_autofree char *name = NULL;

                g_assert_nonnull(eq);
                name = g_strndup(*e, eq - *e);
                envp = g_environ_setenv(envp, name, eq + 1, TRUE);
        }

        g_spawn_async(NULL, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                      die_with_parent, NULL, &h->pid, &error);
        g_assert_no_error(error);
}

static gboolean daemon_ready(BusHarness *h, gconstpointer data) {
        int status;
        pid_t r;

        r = waitpid(h->pid, &status, WNOHANG);
        if (r == h->pid) {
                h->pid = 0;
                g_error("sluiced exited before taking its name (status 0x%x)", status);
        }
        return bus_name_has_owner(h, SLUICE_BUS_NAME);
}

/**
 * bus_harness_wait_daemon() - wait until sluiced owns its bus name
 * @h: the harness, sluiced spawned
 *
 * Fails the test if sluiced exits first.
 */
void bus_harness_wait_daemon(BusHarness *h) {
        bus_harness_wait_for(h, daemon_ready, NULL, "sluiced to own " SLUICE_BUS_NAME);
}

/**
 * bus_harness_stop_daemon() - SIGTERM sluiced, reap it, assert that it exited 0
 * @h: the harness; nothing happens when no sluiced runs
 *
 * Under ASan/UBSan a report makes sluiced exit otherwise: the test fails.
 */
void bus_harness_stop_daemon(BusHarness *h) {
        int status = 0;
        pid_t r;

        if (h->pid <= 0)
                return;
        g_assert_cmpint(kill(h->pid, SIGTERM), ==, 0);
        do
                r = waitpid(h->pid, &status, 0);
        while (r < 0 && errno == EINTR);
        g_assert_cmpint(r, ==, h->pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                g_error("sluiced did not exit 0 after SIGTERM (status 0x%x: %s %d)", status,
                        WIFEXITED(status) ? "exit" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        g_spawn_close_pid(h->pid);
        h->pid = 0;
}

gboolean bus_name_owned(BusHarness *h, gconstpointer name) {
        return bus_name_has_owner(h, name);
}

BusHarness *bus_harness_new(const char *config_text) {
        g_autoptr(GError) error = NULL;
        BusHarness *h = g_new0(BusHarness, 1);

        h->tmpdir = g_dir_make_tmp("sluice-bus-test-XXXXXX", &error);
        g_assert_no_error(error);
        h->config_path = g_build_filename(h->tmpdir, "sluiced.conf", NULL);
        bus_harness_write_config(h, config_text ? config_text : bus_harness_default_config);

        h->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
        g_test_dbus_up(h->bus);
        h->address = g_strdup(g_test_dbus_get_bus_address(h->bus));

        h->conn = bus_harness_connect(h);
        h->signals = g_ptr_array_new_with_free_func((GDestroyNotify) bus_signal_free);
        h->signal_sub = g_dbus_connection_signal_subscribe(h->conn, NULL, NULL, NULL, NULL, NULL,
                                                           G_DBUS_SIGNAL_FLAGS_NONE, on_signal, h, NULL);

        bus_harness_spawn_daemon(h, NULL, NULL);
        bus_harness_wait_daemon(h);
        return h;
}

/* The system bus's limits (Debian's system.conf), every uid admitted. */
static const char open_bus_config_fmt[] =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <type>session</type>\n"
        "  <listen>unix:abstract=%s</listen>\n"
        "  <auth>EXTERNAL</auth>\n"
        "  <policy context=\"default\">\n"
        "    <allow user=\"*\"/>\n"
        "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
        "    <allow eavesdrop=\"true\"/>\n"
        "    <allow own=\"*\"/>\n"
        "  </policy>\n"
        "  <limit name=\"max_replies_per_connection\">128</limit>\n"
        "  <limit name=\"max_match_rules_per_connection\">512</limit>\n"
        "</busconfig>\n";

/**
 * bus_harness_new_open_bus() - sluiced on a private dbus-daemon that admits every uid
 * @config_text: sluiced's configuration (NULL: bus_harness_default_config)
 * @extra_env: "NAME=VALUE" strings for sluiced's environment (NULL-terminated), or NULL
 *
 * GTestDBus admits only its own uid; this bus admits every uid (connections
 * of other uids: switch the uid for bus_harness_connect()'s handshake) and
 * has the system bus's limits: 128 calls awaiting replies and 512 match
 * rules per connection.  No signal is recorded (h->signals stays empty: the
 * fuzzer's stream would fill memory).  bus_harness_free() stops sluiced
 * (asserting exit 0) and the dbus-daemon.
 *
 * Return: the harness, sluiced owning its name.
 */
BusHarness *bus_harness_new_open_bus(const char *config_text, const char *const *extra_env) {
        g_autoptr(GError) error = NULL;
        g_autofree char *bus_config = NULL, *bus_config_path = NULL, *name = NULL, *line = NULL, *arg = NULL;
        g_autoptr(GIOChannel) out = NULL;
        BusHarness *h = g_new0(BusHarness, 1);
        int out_fd;

        h->tmpdir = g_dir_make_tmp("sluice-bus-test-XXXXXX", &error);
        g_assert_no_error(error);
        h->config_path = g_build_filename(h->tmpdir, "sluiced.conf", NULL);
        bus_harness_write_config(h, config_text ? config_text : bus_harness_default_config);
        name = g_path_get_basename(h->tmpdir);
        bus_config = g_strdup_printf(open_bus_config_fmt, name);
        bus_config_path = g_build_filename(h->tmpdir, "bus.conf", NULL);
        g_file_set_contents(bus_config_path, bus_config, -1, &error);
        g_assert_no_error(error);

        arg = g_strdup_printf("--config-file=%s", bus_config_path);
        {
                char *argv[] = { (char *) "dbus-daemon", arg, (char *) "--nofork", (char *) "--nopidfile",
                                 (char *) "--print-address=1", NULL };

                g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                         die_with_parent, NULL, &h->dbus_pid, NULL, &out_fd, NULL, &error);
                g_assert_no_error(error);
        }
        out = g_io_channel_unix_new(out_fd);
        g_io_channel_set_close_on_unref(out, TRUE);
        g_io_channel_read_line(out, &line, NULL, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(line);
        h->address = g_strdup(g_strstrip(line));
        h->conn = bus_harness_connect(h);
        h->signals = g_ptr_array_new_with_free_func((GDestroyNotify) bus_signal_free);

        bus_harness_spawn_daemon(h, NULL, extra_env);
        bus_harness_wait_daemon(h);
        return h;
}

/**
 * bus_harness_kill_daemon() - end sluiced with @sig and reap it
 * @h: the harness
 * @sig: e.g. SIGKILL (a crash) or SIGTERM (a clean stop)
 */
void bus_harness_kill_daemon(BusHarness *h, int sig) {
        int status = 0;
        pid_t r;

        g_assert_cmpint(h->pid, >, 0);
        g_assert_cmpint(kill(h->pid, sig), ==, 0);
        do
                r = waitpid(h->pid, &status, 0);
        while (r < 0 && errno == EINTR);
        g_assert_cmpint(r, ==, h->pid);
        g_spawn_close_pid(h->pid);
        h->pid = 0;
}

/**
 * bus_harness_start_daemon() - start sluiced again on the same bus, config and state dir
 * @h: the harness, with no sluiced running
 */
void bus_harness_start_daemon(BusHarness *h) {
        g_assert_cmpint(h->pid, ==, 0);
        bus_harness_spawn_daemon(h, NULL, NULL);
        bus_harness_wait_for(h, daemon_ready, NULL, "sluiced to own " SLUICE_BUS_NAME " again");
}

static void rm_rf_tmpdir(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        if (!d)
                return;
        while ((name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);
                (void) g_remove(p);
        }
        (void) g_rmdir(dir);
}

void bus_harness_free(BusHarness *h) {
        if (!h)
                return;

        bus_harness_stop_daemon(h);

        if (h->signal_sub)
                g_dbus_connection_signal_unsubscribe(h->conn, h->signal_sub);
        g_dbus_connection_close_sync(h->conn, NULL, NULL);
        g_clear_object(&h->conn);
        bus_harness_flush();
        if (h->bus) {
                g_test_dbus_down(h->bus);
                g_clear_object(&h->bus);
        }
        if (h->dbus_pid > 0) {
                int status;

                (void) kill(h->dbus_pid, SIGTERM);
                (void) waitpid(h->dbus_pid, &status, 0);
                g_spawn_close_pid(h->dbus_pid);
        }

        g_ptr_array_unref(h->signals);
        rm_rf_tmpdir(h->tmpdir);
        g_free(h->config_path);
        g_free(h->tmpdir);
        g_free(h->address);
        g_free(h);
}

GVariant *bus_call(BusHarness *h, GDBusConnection *conn, const char *path, const char *iface,
                   const char *method, GVariant *params, GError **error) {
        return g_dbus_connection_call_sync(conn ? conn : h->conn, SLUICE_BUS_NAME, path, iface, method,
                                           params, NULL, G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, error);
}

static void on_async_reply(GObject *source, GAsyncResult *res, gpointer userdata) {
        BusPending *p = userdata;

        p->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &p->error);
        p->done = TRUE;
}

BusPending *bus_call_async(BusHarness *h, GDBusConnection *conn, const char *path, const char *iface,
                           const char *method, GVariant *params) {
        BusPending *p = g_new0(BusPending, 1);

        g_dbus_connection_call(conn ? conn : h->conn, SLUICE_BUS_NAME, path, iface, method, params, NULL,
                               G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, on_async_reply, p);
        return p;
}

void bus_pending_free(BusPending *p) {
        if (!p)
                return;
        /* The callback must have run, or it would write into freed memory. */
        g_assert_true(p->done);
        g_clear_pointer(&p->reply, g_variant_unref);
        g_clear_error(&p->error);
        g_free(p);
}

static gboolean pending_done(BusHarness *h, gconstpointer data) {
        return ((const BusPending *) data)->done;
}

void bus_harness_wait_pending(BusHarness *h, BusPending *p, const char *what) {
        bus_harness_wait_for(h, pending_done, p, what);
}

GVariant *bus_get_property(BusHarness *h, const char *path, const char *iface, const char *name) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        GVariant *v;

        r = g_dbus_connection_call_sync(h->conn, SLUICE_BUS_NAME, path, "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new("(ss)", iface, name), G_VARIANT_TYPE("(v)"),
                                        G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, &error);
        if (error)
                g_error("Get %s.%s on %s: %s", iface, name, path, error->message);
        g_variant_get(r, "(v)", &v);
        return v;
}

char *bus_job_get_string(BusHarness *h, const char *path, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, path, SLUICE_JOB_IFACE, name);

        g_assert_true(g_variant_is_of_type(v, G_VARIANT_TYPE_STRING));
        return g_variant_dup_string(v, NULL);
}

guint32 bus_manager_get_u(BusHarness *h, const char *name) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, name);

        g_assert_true(g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32));
        return g_variant_get_uint32(v);
}

static char *call_returning_path(BusHarness *h, GDBusConnection *conn, const char *method, const char *klass,
                                 GVariant *options) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        char *path;

        if (!options)
                options = g_variant_new("a{sv}", NULL);
        r = bus_call(h, conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method,
                     g_variant_new("(s@a{sv})", klass, options), &error);
        if (error)
                g_error("%s(%s): %s", method, klass, error->message);
        g_assert_true(g_variant_is_of_type(r, G_VARIANT_TYPE("(o)")));
        g_variant_get(r, "(o)", &path);
        g_assert_true(g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX));
        return path;
}

char *bus_submit(BusHarness *h, GDBusConnection *conn, const char *klass, GVariant *options) {
        return call_returning_path(h, conn, "Submit", klass, options);
}

char *bus_acquire(BusHarness *h, GDBusConnection *conn, const char *klass, GVariant *options) {
        return call_returning_path(h, conn, "Acquire", klass, options);
}

void bus_release(BusHarness *h, GDBusConnection *conn, const char *job, const char *result) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = bus_call(h, conn, job, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", result), &error);
        g_assert_no_error(error);
}

guint64 bus_job_id(const char *path) {
        const char *s;
        char *end;
        guint64 id;

        g_assert_true(g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX));
        s = path + strlen(SLUICE_JOB_PATH_PREFIX);
        id = g_ascii_strtoull(s, &end, 10);
        g_assert_true(end != s && *end == '\0');
        return id;
}

typedef struct {
        const char *path;
        const char *state;
} StateWait;

static gboolean job_in_state(BusHarness *h, gconstpointer data) {
        const StateWait *w = data;
        g_autofree char *state = bus_job_get_string(h, w->path, "State");

        return g_str_equal(state, w->state);
}

void bus_wait_job_state(BusHarness *h, const char *path, const char *state) {
        StateWait w = { path, state };
        g_autofree char *what = g_strdup_printf("%s to be %s", path, state);

        bus_harness_wait_for(h, job_in_state, &w, what);
}

void bus_assert_error(const GError *error, const char *dbus_name, ...) {
        g_autofree char *remote = NULL;
        va_list ap;

        if (!error)
                g_error("expected %s, got success", dbus_name);
        remote = g_dbus_error_get_remote_error(error);
        if (g_strcmp0(remote, dbus_name) != 0)
                g_error("expected %s, got %s (%s)", dbus_name, remote ? remote : "(not remote)",
                        error->message);

        va_start(ap, dbus_name);
        for (const char *field = va_arg(ap, const char *); field; field = va_arg(ap, const char *))
                if (!strstr(error->message, field))
                        g_error("%s: message \"%s\" does not name \"%s\"", dbus_name, error->message, field);
        va_end(ap);
}

GPtrArray *bus_signals_find(BusHarness *h, const char *member, const char *path) {
        GPtrArray *found = g_ptr_array_new();

        for (guint i = 0; i < h->signals->len; i++) {
                BusSignal *s = g_ptr_array_index(h->signals, i);

                if (!g_str_equal(s->member, member))
                        continue;
                if (path && !g_str_equal(s->path, path))
                        continue;
                g_ptr_array_add(found, s);
        }
        return found;
}

/**
 * bus_signals_changed_values() - one property's values in the recorded PropertiesChanged signals
 * @h: the harness
 * @path: the object's path
 * @iface: the interface whose PropertiesChanged count (others are skipped)
 * @property: the property
 *
 * Asserts that no signal only invalidated @property (EmitsChangedSignal=true:
 * values travel).
 *
 * Return: the values (GVariant*, the array owns them), in arrival order.
 */
GPtrArray *bus_signals_changed_values(BusHarness *h, const char *path, const char *iface, const char *property) {
        g_autoptr(GPtrArray) sigs = bus_signals_find(h, "PropertiesChanged", path);
        GPtrArray *values = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);

        for (guint i = 0; i < sigs->len; i++) {
                BusSignal *s = g_ptr_array_index(sigs, i);
                g_autoptr(GVariant) changed = NULL;
                g_autofree const char **invalidated = NULL;
                const char *signal_iface;
                GVariant *v;

                g_variant_get(s->parameters, "(&s@a{sv}^a&s)", &signal_iface, &changed, &invalidated);
                if (!g_str_equal(signal_iface, iface))
                        continue;
                g_assert_false(g_strv_contains(invalidated, property));
                v = g_variant_lookup_value(changed, property, NULL);
                if (v)
                        g_ptr_array_add(values, v);
        }
        return values;
}

/**
 * bus_harness_sync() - let every signal sluiced sent so far arrive
 * @h: the harness
 * @conn: the connection to sync (NULL: the main one)
 *
 * A Ping on @conn, then what is pending is dispatched: sluiced emits a call's
 * signals before it reads the next call, and the bus keeps their order.
 */
void bus_harness_sync(BusHarness *h, GDBusConnection *conn) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = bus_call(h, conn, SLUICE_MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping", NULL, &error);
        g_assert_no_error(error);
        bus_harness_flush();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluicectl against the real sluiced on a private bus (GTestDBus): what
 * users and scripts rely on — exit statuses, leases released, jobs
 * serialized, JSON that parses, the daemon's error text passed through,
 * and a Ctrl+C'd waiter leaving nothing queued.
 *
 * No timing thresholds: every wait polls for a state and is bounded only by
 * meson's test timeout.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice-bus-names.h"

static const char test_config[] =
        "[Scheduler]\n"
        "MaxRunning=4\n"
        "\n"
        "[Class backup]\n"
        "Kind=lease\n"
        "MaxRunning=2\n"
        "Parameter.store=[a-z]+\n"
        "\n"
        "[Class serial]\n"
        "Kind=lease\n"
        "MaxRunning=1\n"
        "\n"
        "# Submitted only with a not-before far ahead: no systemd on the test bus.\n"
        "[Class later]\n"
        "Kind=command\n"
        "ExecStart=/bin/true\n";

typedef struct Fixture {
        GTestDBus *bus;
        const char *address;
        GDBusConnection *conn;
        GSubprocess *daemon;
        char *tmpdir;
        const char *sluicectl;
} Fixture;

/* Run sluicectl to completion; returns its wait status decoded like a shell ($?). */
static int ctl(Fixture *f, char **out, char **err, const char *first, ...) G_GNUC_NULL_TERMINATED;
static int ctl(Fixture *f, char **out, char **err, const char *first, ...) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GSubprocess) p = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *o = NULL, *e = NULL;
        va_list ap;

        g_ptr_array_add(argv, g_strdup(f->sluicectl));
        g_ptr_array_add(argv, g_strdup_printf("--bus-address=%s", f->address));
        va_start(ap, first);
        for (const char *a = first; a; a = va_arg(ap, const char *))
                g_ptr_array_add(argv, g_strdup(a));
        va_end(ap);
        g_ptr_array_add(argv, NULL);

        p = g_subprocess_newv((const char *const *) argv->pdata,
                              G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
        g_assert_no_error(error);
        g_subprocess_communicate_utf8(p, NULL, NULL, &o, &e, &error);
        g_assert_no_error(error);
        if (out)
                *out = g_steal_pointer(&o);
        if (err)
                *err = g_steal_pointer(&e);
        if (g_subprocess_get_if_signaled(p))
                return 128 + g_subprocess_get_term_sig(p);
        return g_subprocess_get_exit_status(p);
}

static GSubprocess *ctl_spawn_flags(Fixture *f, const char *const *args, GSubprocessFlags flags);

/* Start sluicectl in the background, stdout piped. */
static GSubprocess *ctl_spawn(Fixture *f, const char *const *args) {
        return ctl_spawn_flags(f, args, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
}

static GSubprocess *ctl_spawn_flags(Fixture *f, const char *const *args, GSubprocessFlags flags) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        GSubprocess *p;

        g_ptr_array_add(argv, g_strdup(f->sluicectl));
        g_ptr_array_add(argv, g_strdup_printf("--bus-address=%s", f->address));
        for (; *args; args++)
                g_ptr_array_add(argv, g_strdup(*args));
        g_ptr_array_add(argv, NULL);
        p = g_subprocess_newv((const char *const *) argv->pdata, flags, &error);
        g_assert_no_error(error);
        return p;
}

static int wait_status(GSubprocess *p) {
        g_autoptr(GError) error = NULL;

        g_subprocess_wait(p, NULL, &error);
        g_assert_no_error(error);
        if (g_subprocess_get_if_signaled(p))
                return 128 + g_subprocess_get_term_sig(p);
        return g_subprocess_get_exit_status(p);
}

static char *read_line(GSubprocess *p) {
        g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
        g_autoptr(GError) error = NULL;
        char *line;

        g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(in), FALSE);
        line = g_data_input_stream_read_line_utf8(in, NULL, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(line);
        return line;
}

static GVariant *manager_property(Fixture *f, const char *name) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        GVariant *v;

        reply = g_dbus_connection_call_sync(f->conn, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", SLUICE_MANAGER_IFACE, name),
                                            G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(v)", &v);
        return v;
}

static guint32 manager_u(Fixture *f, const char *name) {
        g_autoptr(GVariant) v = manager_property(f, name);
        return g_variant_get_uint32(v);
}

static char *job_string(Fixture *f, guint64 id, const char *name) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL, v = NULL;
        g_autofree char *path = NULL;

        reply = g_dbus_connection_call_sync(f->conn, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                            SLUICE_MANAGER_IFACE, "GetJob", g_variant_new("(t)", id),
                                            G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(o)", &path);
        g_clear_pointer(&reply, g_variant_unref);
        reply = g_dbus_connection_call_sync(f->conn, SLUICE_BUS_NAME, path,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", SLUICE_JOB_IFACE, name),
                                            G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(v)", &v);
        return g_variant_dup_string(v, NULL);
}

static gint32 job_int(Fixture *f, guint64 id, const char *name) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL, v = NULL;
        g_autofree char *path = g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" G_GUINT64_FORMAT, id);

        reply = g_dbus_connection_call_sync(f->conn, SLUICE_BUS_NAME, path,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", SLUICE_JOB_IFACE, name),
                                            G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(v)", &v);
        return g_variant_get_int32(v);
}

/* Poll until the manager's QueuedJobs/RunningJobs are as expected. */
static void await_counts(Fixture *f, guint32 running, guint32 queued) {
        while (manager_u(f, "RunningJobs") != running || manager_u(f, "QueuedJobs") != queued)
                g_usleep(10 * 1000);
}

static guint64 parse_id(const char *text) {
        guint64 id = 0;
        g_autofree char *s = g_strstrip(g_strdup(text));

        g_assert_true(g_ascii_string_to_unsigned(s, 10, 1, G_MAXUINT64, &id, NULL));
        return id;
}

/* run exits with CMD's status and releases the slot with CMD's result. */
/* A command that cannot be executed: the guard says why on stderr and exits
 * as a shell would (127 not found, 126 not executable), and the lease ends
 * with it.  (The exec runs in a vfork() child that leaves the message to the
 * guard, ctl-guard.c.) */
static void test_run_exec_failure(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *missing = g_build_filename(f->tmpdir, "no-such-command", NULL);
        g_autofree char *plain = g_build_filename(f->tmpdir, "not-executable", NULL);
        const struct {
                const char *path;
                int status;
                int error;
        } cases[] = {
                { missing, 127, ENOENT },
                { plain, 126, EACCES },
        };

        g_assert_true(g_file_set_contents(plain, "#!/bin/sh\n", -1, NULL));    /* mode 0666 & ~umask */
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *out = NULL, *err = NULL, *expected = NULL;

                expected = g_strdup_printf("sluicectl: could not execute %s: %s\n", cases[i].path,
                                           g_strerror(cases[i].error));
                g_assert_cmpint(ctl(f, &out, &err, "run", "--class=backup", "store=a", "--", cases[i].path, NULL),
                                ==, cases[i].status);
                g_assert_cmpstr(err, ==, expected);
                g_assert_cmpstr(out, ==, "");
                g_assert_cmpuint(manager_u(f, "RunningJobs"), ==, 0);
        }
}

static void test_run_exit_status(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        static const struct {
                const char *script;
                int status;
                const char *result;
                int exit_status;                /* the job's ExitStatus */
                const char *detail;             /* the job's ResultDetail */
        } cases[] = {
                { "echo $SLUICE_JOB_ID", 0, "success", 0, "exit status 0" },
                { "echo $SLUICE_JOB_ID; exit 3", 3, "failed", 3, "exit status 3" },
                { "echo $SLUICE_JOB_ID; exit 7", 7, "failed", 7, "exit status 7" },
                { "echo $SLUICE_JOB_ID; kill -KILL $$", 128 + SIGKILL, "failed", SIGKILL, "killed by signal 9 (SIGKILL)" },
                /* What shells and most tools exit with when interrupted: a cancellation. */
                { "echo $SLUICE_JOB_ID; exit 130", 130, "cancelled", 130, "exit status 130" },
                { "echo $SLUICE_JOB_ID; exit 143", 143, "cancelled", 143, "exit status 143" },
                { "echo $SLUICE_JOB_ID; kill -TERM $$", 128 + SIGTERM, "cancelled", SIGTERM, "killed by signal 15 (SIGTERM)" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *out = NULL, *result = NULL, *detail = NULL;
                guint64 id;
                int status;

                status = ctl(f, &out, NULL, "run", "--class=backup", "store=a", "--", "sh", "-c",
                             cases[i].script, NULL);
                g_assert_cmpint(status, ==, cases[i].status);
                id = parse_id(out);
                result = job_string(f, id, "Result");
                g_assert_cmpstr(result, ==, cases[i].result);
                g_assert_cmpint(job_int(f, id, "ExitStatus"), ==, cases[i].exit_status);
                detail = job_string(f, id, "ResultDetail");
                g_assert_cmpstr(detail, ==, cases[i].detail);
                g_assert_cmpuint(manager_u(f, "RunningJobs"), ==, 0);

                /* history shows how a lease job ended, as for a command job. */
                g_autofree char *history = NULL;
                g_autofree char *id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);
                g_assert_cmpint(ctl(f, &history, NULL, "history", "--class=backup", NULL), ==, 0);
                g_auto(GStrv) rows = g_strsplit(history, "\n", -1);
                gboolean seen = FALSE;
                for (char **row = rows; *row; row++)
                        if (g_str_has_prefix(g_strchug(*row), id_text) && (*row)[strlen(id_text)] == ' ') {
                                g_assert_true(g_str_has_suffix(g_strchomp(*row), cases[i].detail));
                                seen = TRUE;
                        }
                g_assert_true(seen);
        }
}

/* SIGINT to a running "run" reaches CMD; the lease ends "cancelled". */
static void test_run_interrupted(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c",
                                     "echo $SLUICE_JOB_ID; exec sleep 600", NULL };
        g_autoptr(GSubprocess) p = ctl_spawn(f, args);
        g_autofree char *line = read_line(p), *result = NULL;

        g_subprocess_send_signal(p, SIGINT);
        g_assert_cmpint(wait_status(p), ==, 128 + SIGINT);
        result = job_string(f, parse_id(line), "Result");
        g_assert_cmpstr(result, ==, "cancelled");
        await_counts(f, 0, 0);
}

/*
 * A command that catches SIGINT, cleans up and exits 1 (as restic does, with
 * 130) was still cancelled by its user: Result "cancelled", ExitStatus 1.
 */
static void test_run_interrupted_trapped(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c",
                                     "trap 'exit 1' INT; echo $SLUICE_JOB_ID; sleep 600 & wait", NULL };
        g_autoptr(GSubprocess) p = ctl_spawn(f, args);
        g_autofree char *line = read_line(p), *result = NULL;
        guint64 id = parse_id(line);

        g_subprocess_send_signal(p, SIGINT);
        g_assert_cmpint(wait_status(p), ==, 1);
        result = job_string(f, id, "Result");
        g_assert_cmpstr(result, ==, "cancelled");
        g_assert_cmpint(job_int(f, id, "ExitStatus"), ==, 1);
        await_counts(f, 0, 0);
}

/* In the child: a session of its own with the pty as its controlling terminal, in the foreground. */
static void child_on_pty(gpointer data) {
        const char *name = data;
        int fd;

        if (setsid() < 0)
                _exit(120);
        fd = open(name, O_RDWR);        /* a session leader's first tty becomes its controlling one */
        if (fd < 0 || tcsetpgrp(fd, getpgrp()) < 0 || dup2(fd, STDIN_FILENO) < 0)
                _exit(121);
}

/*
 * A real Ctrl+C on a terminal: the kernel sends SIGINT to the whole
 * foreground process group, sluicectl and the command alike.  The command
 * catches it and exits 1: the lease ends "cancelled", not "failed".
 */
static void test_run_ctrl_c_on_terminal(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
        g_autoptr(GSubprocess) p = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *address = g_strdup_printf("--bus-address=%s", f->address);
        g_autofree char *line = NULL, *result = NULL;
        struct termios t;
        const char ctrl_c = '\003';
        guint64 id;
        int master;

        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        g_assert_cmpint(master, >=, 0);
        g_assert_cmpint(grantpt(master), ==, 0);
        g_assert_cmpint(unlockpt(master), ==, 0);
        g_assert_cmpint(tcgetattr(master, &t), ==, 0);
        g_assert_true((t.c_lflag & ISIG) && t.c_cc[VINTR] == ctrl_c);

        g_subprocess_launcher_set_child_setup(launcher, child_on_pty, ptsname(master), NULL);
        p = g_subprocess_launcher_spawn(launcher, &error, f->sluicectl, address, "run", "--class=serial", "--",
                                        "sh", "-c", "trap 'exit 1' INT; echo $SLUICE_JOB_ID; sleep 600 & wait",
                                        NULL);
        g_assert_no_error(error);
        line = read_line(p);
        id = parse_id(line);

        g_assert_cmpint(write(master, &ctrl_c, 1), ==, 1);
        g_assert_cmpint(wait_status(p), ==, 1);
        result = job_string(f, id, "Result");
        g_assert_cmpstr(result, ==, "cancelled");
        g_assert_cmpint(job_int(f, id, "ExitStatus"), ==, 1);
        await_counts(f, 0, 0);
        close(master);
}

/* Alive and not a zombie (a zombie has ended; its parent only did not reap it yet). */
static gboolean process_alive(int pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
        g_autofree char *stat = NULL;
        const char *p;

        if (!g_file_get_contents(path, &stat, NULL, NULL))
                return FALSE;
        p = strrchr(stat, ')');
        return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int read_pid_file(Fixture *f, const char *name) {
        g_autofree char *path = g_build_filename(f->tmpdir, name, NULL);
        g_autofree char *text = NULL;
        guint64 pid = 0;

        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_assert_true(g_ascii_string_to_unsigned(g_strstrip(text), 10, 2, G_MAXINT, &pid, NULL));
        g_unlink(path);
        return (int) pid;
}

/*
 * kill -9 of sluicectl: its job ends "abandoned" and the slot goes to the
 * next holder, so nothing of its command may go on — not the command, not
 * a background job of the shell, not one that left for its own session.
 */
static void test_run_sigkill_no_orphan(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *script = g_strdup_printf(
                "d=%s; echo $$ > $d/c.pid; sleep 600 & echo $! > $d/gc.pid; "
                "setsid sleep 600 & echo $! > $d/gc2.pid; echo $SLUICE_JOB_ID; wait", f->tmpdir);
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c", script, NULL };
        g_autoptr(GSubprocess) p = ctl_spawn(f, args);
        g_autofree char *line = read_line(p), *result = NULL;
        guint64 id = parse_id(line);
        int pids[3];

        pids[0] = read_pid_file(f, "c.pid");
        pids[1] = read_pid_file(f, "gc.pid");
        pids[2] = read_pid_file(f, "gc2.pid");
        for (size_t i = 0; i < G_N_ELEMENTS(pids); i++)
                g_assert_true(process_alive(pids[i]));

        g_subprocess_force_exit(p);
        g_assert_cmpint(wait_status(p), ==, 128 + SIGKILL);
        await_counts(f, 0, 0);
        result = job_string(f, id, "Result");
        g_assert_cmpstr(result, ==, "abandoned");

        /* Bounded by meson's timeout only: without a guard they live 600 s. */
        for (size_t i = 0; i < G_N_ELEMENTS(pids); i++)
                while (process_alive(pids[i]))
                        g_usleep(10 * 1000);
}

/* The job cancelled by someone else while the command runs: sluicectl stops the command (SIGTERM, through its guard). */
static void test_run_job_cancelled(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *script = g_strdup_printf(
                "d=%s; sleep 600 & echo $! > $d/gc.pid; echo $SLUICE_JOB_ID; wait", f->tmpdir);
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c", script, NULL };
        g_autoptr(GSubprocess) p = ctl_spawn(f, args);
        g_autofree char *line = read_line(p), *result = NULL;
        g_autofree char *id_text = g_strstrip(g_strdup(line));
        int grandchild = read_pid_file(f, "gc.pid");

        g_assert_cmpint(ctl(f, NULL, NULL, "cancel", id_text, NULL), ==, 0);
        g_assert_cmpint(wait_status(p), ==, 128 + SIGTERM);
        result = job_string(f, parse_id(line), "Result");
        g_assert_cmpstr(result, ==, "cancelled");
        /* The guard reaped what the command left behind before exiting. */
        g_assert_false(process_alive(grandchild));
        await_counts(f, 0, 0);
}

/* With MaxRunning=1, the second run waits for the first. */
static void test_run_serializes(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *script = g_strdup_printf(
                "d=%s; [ ! -e $d/busy ] || echo overlap >> $d/log; touch $d/busy; echo start >> $d/log; "
                "while [ ! -e $d/go ]; do sleep 0.01; done; rm $d/busy; echo end >> $d/log",
                f->tmpdir);
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c", script, NULL };
        g_autofree char *log_path = g_build_filename(f->tmpdir, "log", NULL);
        g_autofree char *go_path = g_build_filename(f->tmpdir, "go", NULL);
        g_autofree char *log = NULL;
        g_autoptr(GSubprocess) a = ctl_spawn(f, args);
        g_autoptr(GSubprocess) b = ctl_spawn(f, args);

        /* One holds the slot, the other is queued behind it. */
        await_counts(f, 1, 1);
        g_assert_true(g_file_set_contents(go_path, "", 0, NULL));
        g_assert_cmpint(wait_status(a), ==, 0);
        g_assert_cmpint(wait_status(b), ==, 0);

        g_assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
        g_assert_cmpstr(log, ==, "start\nend\nstart\nend\n");
        await_counts(f, 0, 0);
        g_unlink(go_path);
        g_unlink(log_path);
}

/* The method calls a bus monitor saw: "SENDER INTERFACE.MEMBER" strings. */
typedef struct CallLog {
        GMutex lock;
        GPtrArray *calls;
} CallLog;

static GDBusMessage *record_call(GDBusConnection *c, GDBusMessage *m, gboolean incoming, gpointer userdata) {
        CallLog *log = userdata;

        if (!incoming || g_dbus_message_get_message_type(m) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
                return m;
        g_mutex_lock(&log->lock);
        if (log->calls)
                g_ptr_array_add(log->calls, g_strdup_printf("%s %s.%s", g_dbus_message_get_sender(m),
                                                            g_dbus_message_get_interface(m),
                                                            g_dbus_message_get_member(m)));
        g_mutex_unlock(&log->lock);
        /* A monitor must not answer: GDBus sees none of what it watches. */
        g_object_unref(m);
        return NULL;
}

/* The calls of @sender in @log, one "INTERFACE.MEMBER" a line; NULL until @last was seen. */
static char *calls_of(CallLog *log, const char *sender, const char *last) {
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *prefix = g_strconcat(sender, " ", NULL);
        gboolean seen_last = FALSE;

        g_mutex_lock(&log->lock);
        for (guint i = 0; i < log->calls->len; i++) {
                const char *c = log->calls->pdata[i];

                if (!g_str_has_prefix(c, prefix))
                        continue;
                g_string_append_printf(out, "%s\n", c + strlen(prefix));
                seen_last = seen_last || g_str_equal(c + strlen(prefix), last);
        }
        g_mutex_unlock(&log->lock);
        return seen_last ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

/* The unique name that called @member (an "INTERFACE.MEMBER"), or NULL. */
static char *caller_of(CallLog *log, const char *member) {
        g_autofree char *suffix = g_strconcat(" ", member, NULL);
        char *sender = NULL;

        g_mutex_lock(&log->lock);
        for (guint i = 0; i < log->calls->len && !sender; i++)
                if (g_str_has_suffix(log->calls->pdata[i], suffix))
                        sender = g_strndup(log->calls->pdata[i], strcspn(log->calls->pdata[i], " "));
        g_mutex_unlock(&log->lock);
        return sender;
}

/*
 * Issue 13: what "sluicectl run" asks of the bus and of sluiced, as a bus
 * monitor sees it: Hello, its two matches, Acquire() and ReleaseEx(), and
 * nothing else — no read of the job's State after the grant (the JobChanged
 * signals seen while Acquire() was out tell whether the job ended before
 * sluicectl learned it was its own).  Every call more is a round trip on
 * the path of every command (docs/benchmarks.md, "sluicectl run vs tsp").
 */
static void test_run_calls(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        CallLog log = { .calls = g_ptr_array_new_with_free_func(g_free) };
        g_autoptr(GDBusConnection) monitor = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL, *calls = NULL, *sender = NULL, *state = NULL;
        const char *rules[] = { "type='method_call'", NULL };

        g_mutex_init(&log.lock);
        monitor = g_dbus_connection_new_for_address_sync(f->address,
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &error);
        g_assert_no_error(error);
        g_dbus_connection_add_filter(monitor, record_call, &log, NULL);
        reply = g_dbus_connection_call_sync(monitor, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                            g_variant_new("(^asu)", rules, 0), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                            NULL, &error);
        g_assert_no_error(error);

        g_assert_cmpint(ctl(f, &out, NULL, "run", "--class=serial", "--", "sh", "-c", "echo $SLUICE_JOB_ID", NULL),
                        ==, 0);
        state = job_string(f, parse_id(out), "State");
        g_assert_cmpstr(state, ==, "done");

        /* sluicectl's unique name: the Acquire()'s sender.  The monitor may
         * read the last calls after sluicectl has exited: wait for them. */
        while (!(sender = caller_of(&log, SLUICE_MANAGER_IFACE ".Acquire")))
                g_usleep(10 * 1000);
        while (!(calls = calls_of(&log, sender, SLUICE_JOB_IFACE ".ReleaseEx")))
                g_usleep(10 * 1000);
        g_assert_cmpstr(calls, ==,
                        "org.freedesktop.DBus.Hello\n"
                        "org.freedesktop.DBus.AddMatch\n"
                        "org.freedesktop.DBus.AddMatch\n"
                        SLUICE_MANAGER_IFACE ".Acquire\n"
                        SLUICE_JOB_IFACE ".ReleaseEx\n");

        /* Closed first: its thread calls the filter no more after that. */
        g_dbus_connection_close_sync(monitor, NULL, NULL);
        g_mutex_lock(&log.lock);
        g_clear_pointer(&log.calls, g_ptr_array_unref);
        g_mutex_unlock(&log.lock);
        g_mutex_clear(&log.lock);
        await_counts(f, 0, 0);
}

static void daemon_start(Fixture *f);
static void daemon_stop(Fixture *f);

static gboolean manager_has_no_owner(Fixture *f) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                f->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
                g_variant_new("(s)", SLUICE_BUS_NAME), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                NULL, &error);
        gboolean has_owner;

        g_assert_no_error(error);
        g_variant_get(reply, "(b)", &has_owner);
        return !has_owner;
}

/*
 * A restart of sluiced (stop, start, same state) while one "run" holds the
 * only slot and another waits for it: the holder's command goes on under its
 * lease and is released with its own result, the waiter is granted in its
 * turn by the new sluiced and runs its command, and never do the two
 * commands run at once.
 */
static void test_run_across_restart(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *script = g_strdup_printf(
                "d=%s; [ ! -e $d/busy ] || echo overlap >> $d/log; touch $d/busy; echo start >> $d/log; "
                "echo $SLUICE_JOB_ID; while [ ! -e $d/go ]; do sleep 0.01; done; rm $d/busy; echo end >> $d/log; "
                "exit 5", f->tmpdir);
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c", script, NULL };
        g_autofree char *log_path = g_build_filename(f->tmpdir, "log", NULL);
        g_autofree char *go_path = g_build_filename(f->tmpdir, "go", NULL);
        g_autofree char *log = NULL, *a_line = NULL, *b_line = NULL, *a_result = NULL, *b_result = NULL;
        g_autoptr(GSubprocess) a = ctl_spawn(f, args);
        g_autoptr(GSubprocess) b = NULL;
        guint64 a_id, b_id;

        a_line = read_line(a);
        a_id = parse_id(a_line);
        b = ctl_spawn(f, args);
        await_counts(f, 1, 1);

        daemon_stop(f);
        daemon_start(f);
        /* Both leases came back: the holder's running, the waiter's queued. */
        await_counts(f, 1, 1);
        g_assert_cmpuint(manager_u(f, "RunningJobs"), ==, 1);

        g_assert_true(g_file_set_contents(go_path, "", 0, NULL));
        g_assert_cmpint(wait_status(a), ==, 5);
        b_line = read_line(b);
        b_id = parse_id(b_line);
        g_assert_cmpuint(b_id, !=, a_id);
        g_assert_cmpint(wait_status(b), ==, 5);

        a_result = job_string(f, a_id, "Result");
        g_assert_cmpstr(a_result, ==, "failed");
        g_assert_cmpint(job_int(f, a_id, "ExitStatus"), ==, 5);
        b_result = job_string(f, b_id, "Result");
        g_assert_cmpstr(b_result, ==, "failed");
        g_assert_cmpint(job_int(f, b_id, "ExitStatus"), ==, 5);

        g_assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
        g_assert_cmpstr(log, ==, "start\nend\nstart\nend\n");
        await_counts(f, 0, 0);
        g_unlink(go_path);
        g_unlink(log_path);
}

/*
 * The command ends while sluiced is stopped: the client waits for it to come
 * back and releases the lease with the command's status then, rather than
 * leave it to end "abandoned".
 */
static void test_run_ends_while_sluiced_away(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *script = g_strdup_printf(
                "echo $SLUICE_JOB_ID; while [ ! -e %s/go ]; do sleep 0.01; done; exit 6", f->tmpdir);
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c", script, NULL };
        g_autofree char *go_path = g_build_filename(f->tmpdir, "go", NULL);
        g_autofree char *line = NULL, *result = NULL;
        g_autoptr(GSubprocess) p = ctl_spawn_flags(f, args, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                G_SUBPROCESS_FLAGS_STDERR_PIPE);
        g_autoptr(GDataInputStream) err = g_data_input_stream_new(g_subprocess_get_stderr_pipe(p));
        guint64 id;

        line = read_line(p);
        id = parse_id(line);
        daemon_stop(f);
        g_assert_true(g_file_set_contents(go_path, "", 0, NULL));
        /* The command ended; sluicectl cannot finish before sluiced is back: it has a lease to release. */
        for (;;) {
                g_autofree char *said = g_data_input_stream_read_line_utf8(err, NULL, NULL, NULL);

                g_assert_nonnull(said);
                if (strstr(said, "will be released (failed) once it is back"))
                        break;
        }
        daemon_start(f);
        g_assert_cmpint(wait_status(p), ==, 6);
        result = job_string(f, id, "Result");
        g_assert_cmpstr(result, ==, "failed");
        g_assert_cmpint(job_int(f, id, "ExitStatus"), ==, 6);
        await_counts(f, 0, 0);
        g_unlink(go_path);
}

/*
 * sluiced comes back without the lease (its state database was lost while it
 * was down): the command is not left running unguarded; sluicectl says so and
 * stops it.  Registered last: the new sluiced starts from an empty history.
 */
static void test_run_lease_lost_in_restart(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        const char *const args[] = { "run", "--class=serial", "--", "sh", "-c",
                                     "echo $SLUICE_JOB_ID; exec sleep 600", NULL };
        g_autoptr(GSubprocess) p = ctl_spawn_flags(f, args, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                G_SUBPROCESS_FLAGS_STDERR_PIPE);
        g_autofree char *line = read_line(p), *err = NULL;
        g_autoptr(GError) error = NULL;

        parse_id(line);
        daemon_stop(f);
        for (const char *const *n = (const char *const[]) { "sluice.db", "sluice.db-wal", "sluice.db-shm", NULL }; *n; n++) {
                g_autofree char *path = g_build_filename(f->tmpdir, *n, NULL);

                (void) g_unlink(path);
        }
        daemon_start(f);
        g_assert_cmpint(wait_status(p), ==, 128 + SIGTERM);
        err = g_malloc0(4096);
        g_assert_true(g_input_stream_read_all(g_subprocess_get_stderr_pipe(p), err, 4095, NULL, NULL, &error));
        g_assert_no_error(error);
        if (!strstr(err, "ended (not kept across the restart of sluiced); stopping the command"))
                g_error("sluicectl said: %s", err);
        await_counts(f, 0, 0);
}

/* A held "acquire" across a restart of sluiced: still held after it, released with success on SIGTERM. */
static void test_acquire_across_restart(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        const char *const args[] = { "acquire", "serial", NULL };
        g_autoptr(GSubprocess) holder = ctl_spawn(f, args);
        g_autofree char *line = read_line(holder), *result = NULL;
        guint64 id = parse_id(line);

        await_counts(f, 1, 0);
        daemon_stop(f);
        daemon_start(f);
        await_counts(f, 1, 0);
        result = job_string(f, id, "State");
        g_assert_cmpstr(result, ==, "running");
        g_clear_pointer(&result, g_free);

        g_subprocess_send_signal(holder, SIGTERM);
        g_assert_cmpint(wait_status(holder), ==, 0);
        result = job_string(f, id, "Result");
        g_assert_cmpstr(result, ==, "success");
        await_counts(f, 0, 0);
}

/*
 * An older sluiced, without ReleaseEx(): a stand-in served by the test on
 * the test bus (a mock, for this fault only: the real sluiced has the
 * method).  It grants at once and records what Release() was called with.
 */
static const char old_sluiced_xml[] =
        "<node>"
        "  <interface name='" SLUICE_MANAGER_IFACE "'>"
        "    <method name='Acquire'><arg type='s' direction='in'/><arg type='a{sv}' direction='in'/>"
        "      <arg type='o' direction='out'/></method>"
        "  </interface>"
        "  <interface name='" SLUICE_JOB_IFACE "'>"
        "    <method name='Release'><arg type='s' direction='in'/></method>"
        "    <property name='State' type='s' access='read'/>"
        "  </interface>"
        "</node>";

typedef struct OldSluiced {
        char *released;                 /* Release()'s result, once called */
        GMainLoop *loop;
        char *out;
        int status;
} OldSluiced;

static void old_sluiced_call(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                             const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer data) {
        OldSluiced *o = data;

        if (g_str_equal(method, "Acquire"))
                g_dbus_method_invocation_return_value(inv, g_variant_new("(o)", SLUICE_JOB_PATH_PREFIX "1"));
        else {
                g_variant_get(params, "(s)", &o->released);
                g_dbus_method_invocation_return_value(inv, NULL);
        }
}

static GVariant *old_sluiced_get(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                                 const char *property, GError **error, gpointer data) {
        return g_variant_new_string("running");
}

static void old_sluiced_ran(GObject *source, GAsyncResult *res, gpointer data) {
        OldSluiced *o = data;
        GSubprocess *p = G_SUBPROCESS(source);
        g_autoptr(GError) error = NULL;

        g_assert_true(g_subprocess_communicate_utf8_finish(p, res, &o->out, NULL, &error));
        g_assert_no_error(error);
        o->status = g_subprocess_get_exit_status(p);
        g_main_loop_quit(o->loop);
}

/* sluicectl run against a sluiced without ReleaseEx(): falls back to Release(result). */
static void test_run_release_fallback(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        static const GDBusInterfaceVTable vtable = { old_sluiced_call, old_sluiced_get, NULL, { 0 } };
        g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(old_sluiced_xml, NULL);
        g_autoptr(GError) error = NULL;
        const char *const args[] = { "run", "--class=backup", "--", "sh", "-c", "exit 3", NULL };
        g_autoptr(GSubprocess) p = NULL;
        OldSluiced o = { .loop = g_main_loop_new(NULL, FALSE) };
        guint manager_id, job_id, name_id;

        daemon_stop(f);
        manager_id = g_dbus_connection_register_object(f->conn, SLUICE_MANAGER_PATH, info->interfaces[0],
                                                       &vtable, &o, NULL, &error);
        g_assert_no_error(error);
        job_id = g_dbus_connection_register_object(f->conn, SLUICE_JOB_PATH_PREFIX "1", info->interfaces[1],
                                                   &vtable, &o, NULL, &error);
        g_assert_no_error(error);
        name_id = g_bus_own_name_on_connection(f->conn, SLUICE_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                               NULL, NULL, NULL, NULL);
        while (manager_has_no_owner(f))
                g_main_context_iteration(NULL, FALSE);

        p = ctl_spawn(f, args);
        g_subprocess_communicate_utf8_async(p, NULL, NULL, old_sluiced_ran, &o);
        g_main_loop_run(o.loop);
        g_assert_cmpint(o.status, ==, 3);
        g_assert_cmpstr(o.released, ==, "failed");

        g_bus_unown_name(name_id);
        g_dbus_connection_unregister_object(f->conn, job_id);
        g_dbus_connection_unregister_object(f->conn, manager_id);
        while (!manager_has_no_owner(f))
                g_main_context_iteration(NULL, FALSE);
        daemon_start(f);
        g_main_loop_unref(o.loop);
        g_free(o.released);
        g_free(o.out);
}

static gboolean have_python3(void) {
        g_autofree char *p = g_find_program_in_path("python3");
        return p != NULL;
}

/* Check a JSON document with python3's parser and a Python expression on it (d). */
static void assert_json(Fixture *f, const char *json, const char *expression) {
        g_autofree char *path = g_build_filename(f->tmpdir, "out.json", NULL);
        g_autofree char *code = g_strdup_printf("import json,sys; d=json.load(open(sys.argv[1])); "
                                                "sys.exit(0 if (%s) else 1)", expression);
        g_autoptr(GError) error = NULL;
        int wait_status_ = 0;

        g_assert_true(g_file_set_contents(path, json, -1, NULL));
        g_assert_true(g_spawn_sync(NULL, (char *[]) { (char *) "python3", (char *) "-c", code, path, NULL },
                                   NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &wait_status_, &error));
        g_assert_no_error(error);
        if (!g_spawn_check_wait_status(wait_status_, NULL))
                g_error("JSON check failed: %s\non: %s", expression, json);
        g_unlink(path);
}

/* list --json, show --json and status --json are JSON, strings escaped. */
static void test_json(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *list = NULL, *show = NULL, *status = NULL;
        /* sluiced refuses control characters but tab in a description (unit files, logs) */
        const char *description = "quote \" backslash \\ tab \t ünïcode";
        g_autofree char *option = g_strdup_printf("--description=%s", description);
        guint64 id;

        if (!have_python3()) {
                g_test_skip("python3 not found");
                return;
        }
        g_assert_cmpint(ctl(f, &out, NULL, "acquire", "--ttl=600", "backup", "store=json", option, NULL), ==, 0);
        id = parse_id(out);
        g_autofree char *id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);

        g_assert_cmpint(ctl(f, &list, NULL, "list", "--json", NULL), ==, 0);
        assert_json(f, list, "isinstance(d, list) and len(d) >= 1 and "
                    "all(set(j) >= {'Id','Class','State','Result','Priority','Owner','OwnerName','SubmittedAt','Path'} for j in d)");
        g_assert_cmpint(ctl(f, &show, NULL, "show", "--json", id_text, NULL), ==, 0);
        g_autofree char *expr = g_strdup_printf(
                "d['Id'] == %s and d['State'] == 'running' and d['Description'] == %s",
                id_text, "'quote \" backslash \\\\ tab \\t ünïcode'");
        assert_json(f, show, expr);
        g_assert_cmpint(ctl(f, &status, NULL, "--json", "status", NULL), ==, 0);
        assert_json(f, status, "d['RunningJobs'] == 1 and isinstance(d['Classes'], list)");

        g_assert_cmpint(ctl(f, NULL, NULL, "release", id_text, NULL), ==, 0);
        await_counts(f, 0, 0);
}

/* A parameter the class rejects: exit 1 and sluiced's own message. */
static void test_submit_bad_parameter(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *err = NULL, *out = NULL, *expected = NULL;
        GVariantBuilder params;

        g_variant_builder_init(&params, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&params, "{ss}", "store", "NOT-LOWER");
        reply = g_dbus_connection_call_sync(f->conn, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                            SLUICE_MANAGER_IFACE, "Submit",
                                            g_variant_new_parsed("(%s, {'parameters': <%@a{ss}>})", "backup",
                                                                 g_variant_builder_end(&params)),
                                            G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_nonnull(error);
        g_dbus_error_strip_remote_error(error);
        expected = g_strdup_printf("sluicectl: could not acquire a slot of class backup: %s\n", error->message);

        g_assert_cmpint(ctl(f, &out, &err, "acquire", "--ttl=600", "backup", "store=NOT-LOWER", NULL), ==, 1);
        g_assert_cmpstr(out, ==, "");
        g_assert_cmpstr(err, ==, expected);
        g_assert_cmpuint(manager_u(f, "QueuedJobs"), ==, 0);
        g_assert_cmpuint(manager_u(f, "RunningJobs"), ==, 0);
}

/* "submit" of a lease class would queue a lease that ends when sluicectl exits: refused, nothing queued. */
static void test_submit_lease_class(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *err = NULL;

        g_assert_cmpint(ctl(f, &out, &err, "submit", "backup", "store=x", NULL), ==, 1);
        g_assert_cmpstr(out, ==, "");
        g_assert_nonnull(strstr(err, "class backup hands out leases"));
        g_assert_nonnull(strstr(err, "sluicectl acquire backup"));
        g_assert_cmpuint(manager_u(f, "QueuedJobs"), ==, 0);
        g_assert_cmpuint(manager_u(f, "RunningJobs"), ==, 0);
}

/* Ctrl+C on an acquire that is still queued leaves no queued job; a held one is released. */
static void test_acquire_interrupted(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        const char *const args[] = { "acquire", "serial", NULL };
        g_autoptr(GSubprocess) holder = ctl_spawn(f, args);
        g_autofree char *line = read_line(holder), *result = NULL;
        g_autoptr(GSubprocess) waiter = ctl_spawn(f, args);

        await_counts(f, 1, 1);
        g_subprocess_send_signal(waiter, SIGINT);
        g_assert_cmpint(wait_status(waiter), ==, 128 + SIGINT);
        await_counts(f, 1, 0);

        g_subprocess_send_signal(holder, SIGTERM);
        g_assert_cmpint(wait_status(holder), ==, 0);
        result = job_string(f, parse_id(line), "Result");
        g_assert_cmpstr(result, ==, "success");
        await_counts(f, 0, 0);
}

/* Command-line mistakes exit 2 with a hint; no such job 4 (ctl-exit.h). */
static void test_usage_errors(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;

        g_assert_cmpint(ctl(f, NULL, &e1, "frobnicate", NULL), ==, 2);
        g_assert_nonnull(strstr(e1, "--help"));
        g_assert_cmpint(ctl(f, NULL, &e2, "run", "--", "true", NULL), ==, 2);
        g_assert_cmpint(ctl(f, NULL, &e3, "submit", "backup", "novalue", NULL), ==, 2);
        g_assert_cmpint(ctl(f, NULL, &e4, "show", "999999", NULL), ==, 4);        /* no such job: 4 */
        /* "could not read job 999999: …" since show falls back to the stored record */
        g_assert_true(g_str_has_prefix(e4, "sluicectl: could not "));
        g_assert_nonnull(strstr(e4, " job 999999: "));
}

/* A queued lease of class serial (paused), submitted by the test's own connection. */
static guint64 submit_queued_serial(Fixture *f) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        const char *path;

        g_assert_cmpint(ctl(f, NULL, NULL, "pause", "class:serial", NULL), ==, 0);
        reply = g_dbus_connection_call_sync(f->conn, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                            SLUICE_MANAGER_IFACE, "Submit",
                                            g_variant_new_parsed("('serial', @a{sv} {})"),
                                            G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(&o)", &path);
        return g_ascii_strtoull(strrchr(path, '/') + 1, NULL, 10);
}

/* set-priority changes a queued job's Priority; bad input is refused before or by sluiced. */
static void test_set_priority(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *err = NULL, *err2 = NULL, *err3 = NULL, *json = NULL;
        guint64 id = submit_queued_serial(f);
        g_autofree char *id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);

        g_assert_cmpint(job_int(f, id, "Priority"), ==, 0);
        g_assert_cmpint(ctl(f, &out, NULL, "set-priority", id_text, "17", NULL), ==, 0);
        g_assert_cmpstr(out, ==, "");
        g_assert_cmpint(job_int(f, id, "Priority"), ==, 17);
        /* a negative one, with and without "--" */
        g_assert_cmpint(ctl(f, NULL, NULL, "set-priority", "--", id_text, "-5", NULL), ==, 0);
        g_assert_cmpint(job_int(f, id, "Priority"), ==, -5);
        g_assert_cmpint(ctl(f, NULL, NULL, "set-priority", id_text, "-7", NULL), ==, 0);
        g_assert_cmpint(job_int(f, id, "Priority"), ==, -7);
        g_assert_cmpint(ctl(f, NULL, NULL, "set-priority", "--bogus", id_text, "1", NULL), ==, 2);
        if (have_python3()) {
                g_assert_cmpint(ctl(f, &json, NULL, "set-priority", "--json", id_text, "3", NULL), ==, 0);
                g_autofree char *expr = g_strdup_printf("d == {'Id': %s, 'Priority': 3}", id_text);
                assert_json(f, json, expr);
        }
        /* out of sluiced's range: its InvalidArgument, nothing changed */
        g_assert_cmpint(ctl(f, NULL, &err, "set-priority", id_text, "5000", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "could not change the priority of job"));
        g_assert_cmpint(job_int(f, id, "Priority"), ==, 3);
        g_assert_cmpint(ctl(f, NULL, &err2, "set-priority", id_text, "high", NULL), ==, 2);
        g_assert_nonnull(strstr(err2, "invalid priority \"high\""));
        g_assert_cmpint(ctl(f, NULL, &err3, "set-priority", "999999", "1", NULL), ==, 4);

        g_assert_cmpint(ctl(f, NULL, NULL, "cancel", id_text, NULL), ==, 0);
        g_assert_cmpint(ctl(f, NULL, NULL, "resume", "class:serial", NULL), ==, 0);
        await_counts(f, 0, 0);
}

/* --owner=USER|UID filters list and history; an unknown user is a usage error naming the option. */
static void test_owner_filter(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *mine = NULL, *other = NULL, *by_name = NULL, *err = NULL, *hist = NULL, *hist_other = NULL;
        g_autofree char *uid = g_strdup_printf("%u", (unsigned) getuid());
        g_autofree char *other_uid = g_strdup_printf("%u", (unsigned) getuid() + 4242);
        g_autofree char *opt_uid = g_strdup_printf("--owner=%s", uid);
        g_autofree char *opt_other = g_strdup_printf("--owner=%s", other_uid);
        g_autofree char *opt_name = g_strdup_printf("--owner=%s", g_get_user_name());
        guint64 id = submit_queued_serial(f);
        g_autofree char *id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);

        if (!have_python3()) {
                g_test_skip("python3 not found");
                return;
        }
        g_assert_cmpint(ctl(f, &mine, NULL, "list", "--json", opt_uid, NULL), ==, 0);
        g_autofree char *has_it = g_strdup_printf("any(j['Id'] == %s for j in d) and all(j['Owner'] == %s for j in d)",
                                                  id_text, uid);
        assert_json(f, mine, has_it);
        g_assert_cmpint(ctl(f, &by_name, NULL, "list", "--json", opt_name, NULL), ==, 0);
        assert_json(f, by_name, has_it);
        g_assert_cmpint(ctl(f, &other, NULL, "list", "--json", opt_other, NULL), ==, 0);
        assert_json(f, other, "d == []");
        g_assert_cmpint(ctl(f, NULL, &err, "list", "--owner=no-such-user-h8", NULL), ==, 2);
        g_assert_nonnull(strstr(err, "invalid --owner value \"no-such-user-h8\": no such user"));

        g_assert_cmpint(ctl(f, NULL, NULL, "cancel", id_text, NULL), ==, 0);
        g_assert_cmpint(ctl(f, NULL, NULL, "resume", "class:serial", NULL), ==, 0);
        g_assert_cmpint(ctl(f, &hist, NULL, "history", "--json", opt_uid, NULL), ==, 0);
        assert_json(f, hist, has_it);
        g_assert_cmpint(ctl(f, &hist_other, NULL, "history", "--json", opt_other, NULL), ==, 0);
        assert_json(f, hist_other, "d == []");
        await_counts(f, 0, 0);
}

/*
 * Exit statuses distinct like systemctl's (src/ctl/ctl-exit.h): 4 for no
 * such job or class, 69 with the words "sluiced is not running and could
 * not be started" when nothing answers for sluiced's name.
 */
static void test_exit_statuses(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *out = NULL;

        g_assert_cmpint(ctl(f, NULL, &e1, "show", "999999", NULL), ==, 4);
        g_assert_true(g_str_has_prefix(e1, "sluicectl: could not "));
        g_assert_nonnull(strstr(e1, " job 999999: "));
        g_assert_cmpint(ctl(f, NULL, &e2, "cancel", "999999", NULL), ==, 4);
        g_assert_cmpint(ctl(f, NULL, &e3, "acquire", "--ttl=60", "no-such-class", NULL), ==, 4);

        daemon_stop(f);
        g_assert_cmpint(ctl(f, &out, &e4, "status", NULL), ==, 69);
        daemon_start(f);
        g_assert_cmpstr(out, ==, "");
        g_assert_true(g_str_has_prefix(e4, "sluicectl: sluiced is not running and could not be started: "));
        g_assert_nonnull(strstr(e4, SLUICE_BUS_NAME));
}

/* An unknown verb: exit 2 and the nearest verb suggested, when there is one near enough. */
static void test_unknown_verb(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        static const struct {
                const char *typed;
                const char *suggested;  /* NULL: no suggestion */
        } cases[] = {
                { "lsit", "list" },
                { "stauts", "status" },
                { "cancle", "cancel" },
                { "set-prio", "set-priority" },
                { "histroy", "history" },
                { "xyzzy", NULL },
                { "a", NULL },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *err = NULL;

                g_assert_cmpint(ctl(f, NULL, &err, cases[i].typed, NULL), ==, 2);
                g_assert_nonnull(strstr(err, "--help"));
                if (cases[i].suggested) {
                        g_autofree char *hint = g_strdup_printf("did you mean \"%s\"?", cases[i].suggested);
                        g_assert_nonnull(strstr(err, hint));
                } else
                        g_assert_null(strstr(err, "did you mean"));
        }
}

/* run and acquire guard or hold a lease here: refused with -H and -M before any connection. */
static void test_remote_refuses_run(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        const char *sluicectl = f->sluicectl;
        static const char *const cases[][6] = {
                { "-H", "root@host.invalid", "run", "--class=serial", "--", "true" },
                { "-M", "some-container", "run", "--class=serial", "--", "true" },
                { "--host=host.invalid", "acquire", "serial", NULL },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GPtrArray) argv = g_ptr_array_new();
                g_autofree char *out = NULL, *err = NULL;
                int status = 0;

                g_ptr_array_add(argv, (gpointer) sluicectl);
                for (size_t k = 0; k < 6 && cases[i][k]; k++)
                        g_ptr_array_add(argv, (gpointer) cases[i][k]);
                g_ptr_array_add(argv, NULL);
                g_assert_true(g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                           &out, &err, &status, NULL));
                g_assert_true(WIFEXITED(status));
                g_assert_cmpint(WEXITSTATUS(status), ==, 2);
                g_assert_nonnull(strstr(err, "cannot be used with --host or --machine"));
        }
        g_assert_cmpuint(manager_u(f, "QueuedJobs"), ==, 0);
}

static guint64 job_u64(Fixture *f, guint64 id, const char *name) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL, v = NULL;
        g_autofree char *path = g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" G_GUINT64_FORMAT, id);

        reply = g_dbus_connection_call_sync(f->conn, SLUICE_BUS_NAME, path,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", SLUICE_JOB_IFACE, name),
                                            G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(v)", &v);
        return g_variant_get_uint64(v);
}

/*
 * Spans and times as systemd.time(7) writes them: --ttl="1h 30min",
 * --not-before="tomorrow 02:00", --since=-2h / yesterday / tomorrow; a bad
 * one is a usage error that names the option.
 */
static void test_time_input(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *err = NULL, *err2 = NULL, *err3 = NULL, *queued = NULL, *reason = NULL;
        g_autofree char *recent = NULL, *since_yesterday = NULL, *future = NULL, *id_text = NULL;
        const char *const waiter_args[] = { "acquire", "--ttl=10min", "--not-before=tomorrow 02:00", "serial", NULL };
        g_autoptr(GSubprocess) waiter = NULL;
        guint64 before, after, expires, id, waiting_id = 0;

        if (!have_python3()) {
                g_test_skip("python3 not found");
                return;
        }
        before = (guint64) g_get_real_time();
        g_assert_cmpint(ctl(f, &out, NULL, "acquire", "--ttl=1h 30min", "--max-wait=2h", "backup", "store=t", NULL), ==, 0);
        after = (guint64) g_get_real_time();
        id = parse_id(out);
        id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);
        expires = job_u64(f, id, "LeaseExpiresAt");
        /* 1h 30min from the moment sluiced granted it, which lies between before and after */
        g_assert_cmpuint(expires, >=, before + (guint64) 5400 * G_USEC_PER_SEC);
        g_assert_cmpuint(expires, <=, after + (guint64) 5400 * G_USEC_PER_SEC);
        g_assert_cmpint(ctl(f, NULL, NULL, "release", id_text, NULL), ==, 0);

        g_autofree char *has_it = g_strdup_printf("any(j['Id'] == %s for j in d)", id_text);
        g_assert_cmpint(ctl(f, &recent, NULL, "history", "--json", "--since=-2h", NULL), ==, 0);
        assert_json(f, recent, has_it);
        g_assert_cmpint(ctl(f, &since_yesterday, NULL, "history", "--json", "--since=yesterday", NULL), ==, 0);
        assert_json(f, since_yesterday, has_it);
        g_assert_cmpint(ctl(f, &future, NULL, "history", "--json", "--since=tomorrow", NULL), ==, 0);
        assert_json(f, future, "d == []");

        /* Queued until tomorrow 02:00 (local time, as sluiced says it back). */
        waiter = ctl_spawn(f, waiter_args);
        await_counts(f, 0, 1);
        g_assert_cmpint(ctl(f, &queued, NULL, "list", "--json", "--state=queued", "--class=serial", NULL), ==, 0);
        {
                g_auto(GStrv) parts = g_strsplit(queued, "\"Id\":", 2);
                g_assert_nonnull(parts[1]);
                waiting_id = g_ascii_strtoull(g_strchug(parts[1]), NULL, 10);
        }
        reason = job_string(f, waiting_id, "WaitReason");
        g_assert_nonnull(strstr(reason, "not before"));
        g_assert_nonnull(strstr(reason, "02:00"));
        g_subprocess_send_signal(waiter, SIGINT);
        wait_status(waiter);
        await_counts(f, 0, 0);

        g_assert_cmpint(ctl(f, NULL, &err, "acquire", "--ttl=5 parsecs", "backup", "store=t", NULL), ==, 2);
        g_assert_nonnull(strstr(err, "invalid --ttl value \"5 parsecs\""));
        g_assert_cmpint(ctl(f, NULL, &err2, "acquire", "--ttl=60", "--not-before=someday", "backup", "store=t", NULL), ==, 2);
        g_assert_nonnull(strstr(err2, "invalid --not-before value \"someday\""));
        g_assert_cmpint(ctl(f, NULL, &err3, "history", "--since=2026-02-30", NULL), ==, 2);
        g_assert_nonnull(strstr(err3, "invalid --since value \"2026-02-30\""));
        g_assert_cmpuint(manager_u(f, "QueuedJobs"), ==, 0);
}

/*
 * --json on every verb that prints: submit, wait, calendar; status --json
 * with objects (named fields) where the properties have structs.
 */
static void test_json_verbs(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *submit = NULL, *status = NULL, *cal = NULL, *out = NULL, *wait = NULL, *id_text = NULL;
        g_autofree char *expr = NULL;
        guint64 id;

        if (!have_python3()) {
                g_test_skip("python3 not found");
                return;
        }
        g_assert_cmpint(ctl(f, &submit, NULL, "submit", "--json", "--not-before=+1d", "later", NULL), ==, 0);
        assert_json(f, submit, "set(d) == {'Id', 'Path'} and d['Path'] == '" SLUICE_JOB_PATH_PREFIX "%d' % d['Id']");
        {
                g_auto(GStrv) parts = g_strsplit(submit, "\"Id\":", 2);
                id = g_ascii_strtoull(parts[1], NULL, 10);
        }
        id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);
        g_assert_cmpint(ctl(f, NULL, NULL, "cancel", id_text, NULL), ==, 0);
        g_assert_cmpint(ctl(f, &wait, NULL, "wait", "--json", id_text, NULL), ==, 1);
        expr = g_strdup_printf("d == {'Id': %s, 'State': 'done', 'Result': 'cancelled'}", id_text);
        assert_json(f, wait, expr);

        g_assert_cmpint(ctl(f, &status, NULL, "status", "--json", NULL), ==, 0);
        assert_json(f, status,
                    "isinstance(d['Classes'], list) and len(d['Classes']) == 3 and "
                    "{c['Name']: c['Kind'] for c in d['Classes']} == {'backup': 'lease', 'serial': 'lease', 'later': 'command'} and "
                    "all(set(c) == {'Name', 'Kind', 'Description', 'MaxRunning'} for c in d['Classes']) and "
                    "[c['MaxRunning'] for c in d['Classes'] if c['Name'] == 'serial'] == [1] and "
                    "all(isinstance(a, dict) for a in d.get('Alerts', [])) and "
                    "all(isinstance(s, dict) for s in d.get('Schedules', [])) and "
                    "all(set(l) == {'Scope', 'Name', 'Running', 'Queued', 'Max'} for l in d.get('Limits', []))");

        g_assert_cmpint(ctl(f, &cal, NULL, "calendar", "--json", "--iterations=2", "--base-time=@0",
                            "daily UTC", NULL), ==, 0);
        assert_json(f, cal, "d == [{'Expression': 'daily UTC', 'Normalized': '*-*-* 00:00:00 UTC', "
                            "'NextElapses': [86400000000, 172800000000]}]");
        g_assert_cmpint(ctl(f, &out, NULL, "calendar", "--json", "daily", "no such thing", NULL), ==, 1);
        assert_json(f, out, "len(d) == 2 and 'NextElapses' in d[0] and d[1]['Expression'] == 'no such thing' and "
                            "'Error' in d[1]");
        await_counts(f, 0, 0);
}

/* issue 14: without [Cluster], ClusterState is "off", Cluster empty, and the metrics have no cluster family. */
static void test_cluster_off(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *json = NULL, *text = NULL, *metrics = NULL;

        g_assert_cmpint(ctl(f, &text, NULL, "cluster", NULL), ==, 0);
        g_assert_nonnull(strstr(text, "Cluster: off\n"));
        g_assert_nonnull(strstr(text, "No cluster resources."));
        g_assert_cmpint(ctl(f, NULL, NULL, "cluster", "extra", NULL), ==, 2);
        g_assert_cmpint(ctl(f, &metrics, NULL, "metrics", NULL), ==, 0);
        g_assert_null(strstr(metrics, "sluice_cluster_"));
        if (!have_python3()) {
                g_test_skip("python3 not found");
                return;
        }
        g_assert_cmpint(ctl(f, &json, NULL, "cluster", "--json", NULL), ==, 0);
        assert_json(f, json, "d == {'State': 'off', 'Resources': []}");
}

/* issue 12 item 1: config show (origins), set --persist survives reload, unset drops it. */
static void test_config_show_set_unset(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *err = NULL, *file_line = NULL, *json = NULL;
        g_autofree char *config_path = g_build_filename(f->tmpdir, "sluiced.conf", NULL);

        /* test_config's "MaxRunning=4" is on line 2 */
        file_line = g_strdup_printf("# %s:2\n", config_path);
        g_assert_cmpint(ctl(f, &out, NULL, "config", "show", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "[Scheduler]\n"));
        g_assert_nonnull(strstr(out, "MaxRunning=4 "));
        g_assert_nonnull(strstr(out, file_line));
        g_assert_nonnull(strstr(out, "KeepFinishedSec=300 "));
        g_assert_nonnull(strstr(out, "# default\n"));
        g_assert_nonnull(strstr(out, "[Class backup]\n"));

        g_assert_cmpint(ctl(f, NULL, NULL, "config", "set", "--persist", "Scheduler", "MaxRunning=7", NULL), ==, 0);
        g_assert_cmpint(ctl(f, NULL, NULL, "reload", NULL), ==, 0);
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(ctl(f, &out, NULL, "config", "show", "Scheduler", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "MaxRunning=7 "));
        g_assert_nonnull(strstr(out, "# override (stored"));
        g_assert_null(strstr(out, "[Class backup]"));
        if (have_python3()) {
                g_assert_cmpint(ctl(f, &json, NULL, "config", "show", "--json", NULL), ==, 0);
                /* capitalised keys like every other verb's --json (issue 12 item 11) */
                assert_json(f, json, "all(set(e) == {'Section', 'Key', 'Value', 'Source', 'Location'} for e in d) and "
                                     "any(e['Section'] == 'Scheduler' and e['Key'] == 'MaxRunning' and "
                                     "e['Value'] == '7' and e['Source'] == 'override' for e in d)");
        }

        g_assert_cmpint(ctl(f, NULL, NULL, "config", "unset", "--persist", "Scheduler", "MaxRunning", NULL), ==, 0);
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(ctl(f, &out, NULL, "config", "show", "Scheduler", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "MaxRunning=4 "));
        g_assert_nonnull(strstr(out, file_line));

        /* Mistakes are usage errors (2) or sluiced's refusal (1), with the reason. */
        g_assert_cmpint(ctl(f, NULL, &err, "config", "unset", "Scheduler", "MaxRunning=3", NULL), ==, 2);
        g_assert_nonnull(strstr(err, "KEY names"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(ctl(f, NULL, &err, "config", "unset", "Scheduler", "MaxWalking", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "MaxWalking"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(ctl(f, NULL, &err, "config", "show", "Nowhere", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "Nowhere"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(ctl(f, NULL, &err, "config", "frob", NULL), ==, 2);
}

/* The next line of @in (one buffered reader per pipe: read_line() reads ahead). */
static char *next_line(GDataInputStream *in) {
        g_autoptr(GError) error = NULL;
        char *line = g_data_input_stream_read_line_utf8(in, NULL, NULL, &error);

        g_assert_no_error(error);
        g_assert_nonnull(line);
        return line;
}

/* Check one line of JSON Lines output with python3 (as assert_json). */
static void assert_json_line(Fixture *f, const char *line, const char *expression) {
        g_assert_null(strchr(line, '\n'));
        assert_json(f, line, expression);
}

/* issue 12 item 8: logs refuses bad options naming them, and says when a job never started. */
static void test_logs_refusals(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *err = NULL, *id_text = NULL, *expected = NULL;

        g_assert_cmpint(ctl(f, &out, &err, "logs", "-o", "bogus", "1", NULL), ==, 2);
        g_assert_cmpstr(out, ==, "");
        g_assert_nonnull(strstr(err, "invalid --output value \"bogus\": expected one of journalctl's: short,"));
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(ctl(f, NULL, &err, "logs", "--output=json-pretty", "--json", "1", NULL), ==, 2);
        g_assert_nonnull(strstr(err, "--json and --output=json-pretty exclude each other"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(ctl(f, NULL, &err, "logs", "--since=when pigs fly", "1", NULL), ==, 2);
        g_assert_nonnull(strstr(err, "invalid --since value \"when pigs fly\""));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(ctl(f, NULL, &err, "logs", "--until=nope", "1", NULL), ==, 2);
        g_assert_nonnull(strstr(err, "invalid --until value \"nope\""));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(ctl(f, NULL, &err, "logs", "--lines=many", "1", NULL), ==, 2);
        g_assert_nonnull(strstr(err, "invalid --lines value \"many\""));
        g_clear_pointer(&err, g_free);
        /* "-n 5" with no job: 5 is the job, and -n the default 10 */
        g_assert_cmpint(ctl(f, NULL, &err, "logs", "-n", "999999", NULL), ==, 4);
        g_clear_pointer(&err, g_free);

        /* a command job held back by --not-before: no unit, no output yet */
        g_assert_cmpint(ctl(f, &out, NULL, "submit", "--not-before=+1d", "later", NULL), ==, 0);
        id_text = g_strdup_printf("%" G_GUINT64_FORMAT, parse_id(out));
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(ctl(f, &out, &err, "logs", id_text, NULL), ==, 1);
        g_assert_cmpstr(out, ==, "");
        expected = g_strdup_printf("sluicectl: job %s has not started yet (queued): no unit, no output; "
                                   "\"sluicectl logs -f %s\" waits for it\n", id_text, id_text);
        g_assert_cmpstr(err, ==, expected);
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&expected, g_free);
        g_assert_cmpint(ctl(f, NULL, NULL, "cancel", id_text, NULL), ==, 0);
        g_assert_cmpint(ctl(f, &out, &err, "logs", id_text, NULL), ==, 1);
        expected = g_strdup_printf("sluicectl: job %s never started (cancelled): it had no unit and has no output\n",
                                   id_text);
        g_assert_cmpstr(err, ==, expected);
        await_counts(f, 0, 0);
}

/* issue 12 item 11: run --json (stderr or FILE, the command's output untouched), acquire --json. */
static void test_json_acquire_run(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *err = NULL, *expr = NULL, *file_text = NULL, *last = NULL;
        g_autofree char *json_file = g_build_filename(f->tmpdir, "run-result.json", NULL);
        g_autofree char *json_option = g_strdup_printf("--json=%s", json_file);
        g_auto(GStrv) lines = NULL;
        guint64 id;

        if (!have_python3()) {
                g_test_skip("python3 not found");
                return;
        }
        /* run --json: the command's stdout untouched, the object the last line on stderr */
        g_assert_cmpint(ctl(f, &out, &err, "run", "--json", "--class=backup", "store=json", "--",
                            "sh", "-c", "echo out-of-the-command; echo err-of-the-command >&2; exit 3", NULL), ==, 3);
        g_assert_cmpstr(out, ==, "out-of-the-command\n");
        g_assert_true(g_str_has_prefix(err, "err-of-the-command\n"));
        lines = g_strsplit(g_strchomp(err), "\n", -1);
        g_assert_cmpuint(g_strv_length(lines), ==, 2);
        assert_json_line(f, lines[1], "set(d) == {'Id', 'Path', 'State', 'Result', 'ExitStatus', 'Signal'} and "
                                      "d['Path'] == '" SLUICE_JOB_PATH_PREFIX "%d' % d['Id'] and "
                                      "d['State'] == 'done' and d['Result'] == 'failed' and "
                                      "d['ExitStatus'] == 3 and d['Signal'] is None");
        id = g_ascii_strtoull(strstr(lines[1], "\"Id\":") + 5, NULL, 10);
        g_autofree char *result = job_string(f, id, "Result");
        g_assert_cmpstr(result, ==, "failed");
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        /* run --json=FILE: stdout and stderr are the command's alone */
        g_assert_cmpint(ctl(f, &out, &err, "run", json_option, "--class=backup", "store=json", "--",
                            "sh", "-c", "echo fine", NULL), ==, 0);
        g_assert_cmpstr(out, ==, "fine\n");
        g_assert_cmpstr(err, ==, "");
        g_assert_true(g_file_get_contents(json_file, &file_text, NULL, NULL));
        g_assert_true(g_str_has_suffix(file_text, "}\n"));
        assert_json_line(f, g_strchomp(file_text), "d['Result'] == 'success' and d['ExitStatus'] == 0");
        g_unlink(json_file);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        /* run killed by a signal: Signal, no ExitStatus */
        g_assert_cmpint(ctl(f, &out, &err, "run", "--json", "--class=backup", "store=json", "--",
                            "sh", "-c", "kill -USR1 $$", NULL), ==, 128 + SIGUSR1);
        g_free(last);
        last = g_strdup(strrchr(g_strchomp(err), '\n') ? strrchr(err, '\n') + 1 : err);
        expr = g_strdup_printf("d['Result'] == 'failed' and d['ExitStatus'] is None and d['Signal'] == %d", SIGUSR1);
        assert_json_line(f, last, expr);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        /* acquire --json --ttl: one object, the job running */
        g_assert_cmpint(ctl(f, &out, &err, "acquire", "--json", "--ttl=600", "backup", "store=json", NULL), ==, 0);
        assert_json_line(f, g_strchomp(out), "set(d) == {'Id', 'Path', 'State'} and d['State'] == 'running'");
        id = g_ascii_strtoull(strstr(out, "\"Id\":") + 5, NULL, 10);
        {
                g_autofree char *id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);

                g_assert_cmpint(ctl(f, NULL, NULL, "release", id_text, NULL), ==, 0);
        }
        await_counts(f, 0, 0);

        /* acquire --json held: the grant's object, then at SIGTERM the end's */
        {
                const char *const args[] = { "--json", "acquire", "serial", NULL };
                g_autoptr(GSubprocess) holder = ctl_spawn(f, args);
                g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(holder));
                g_autofree char *granted = next_line(in), *ended = NULL;

                assert_json_line(f, granted, "d['State'] == 'running' and isinstance(d['Id'], int)");
                g_subprocess_send_signal(holder, SIGTERM);
                ended = next_line(in);
                assert_json_line(f, ended, "d['State'] == 'done' and d['Result'] == 'success' and "
                                           "d['ExitStatus'] is None");
                g_assert_cmpint(wait_status(holder), ==, 0);
        }
        await_counts(f, 0, 0);
}

/* watch --json: JSON Lines, one event per line, flushed as they come. */
static void test_json_watch(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        const char *const args[] = { "watch", "--json", NULL };
        g_autoptr(GSubprocess) watch = NULL;
        g_autoptr(GDataInputStream) in = NULL;
        g_autofree char *first = NULL, *out = NULL, *id_text = NULL, *expr = NULL;
        guint64 id;
        gboolean seen_new = FALSE, seen_done = FALSE;

        if (!have_python3()) {
                g_test_skip("python3 not found");
                return;
        }
        watch = ctl_spawn(f, args);
        in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(watch));
        /* The first line says the subscriptions are in place. */
        first = next_line(in);
        assert_json_line(f, first, "d['Event'] == 'Watching' and d['RunningJobs'] == 0 and "
                                   "isinstance(d['Timestamp'], int)");
        g_assert_cmpint(ctl(f, &out, NULL, "acquire", "--ttl=600", "backup", "store=watch", NULL), ==, 0);
        id = parse_id(out);
        id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);
        g_assert_cmpint(ctl(f, NULL, NULL, "release", id_text, "failed", NULL), ==, 0);

        /* Every line parses; JobNew and JobChanged(done, failed) of our job come. */
        while (!seen_new || !seen_done) {
                g_autofree char *line = next_line(in);

                assert_json_line(f, line, "isinstance(d['Event'], str) and isinstance(d['Timestamp'], int)");
                if (strstr(line, "\"Event\":\"JobNew\"")) {
                        g_clear_pointer(&expr, g_free);
                        expr = g_strdup_printf("d['Id'] != %s or (d['Class'] == 'backup' and 'State' in d and "
                                               "d['Path'] == '" SLUICE_JOB_PATH_PREFIX "%s')", id_text, id_text);
                        assert_json_line(f, line, expr);
                        seen_new = TRUE;
                }
                if (strstr(line, "\"Event\":\"JobChanged\"") && strstr(line, "\"State\":\"done\"")) {
                        g_clear_pointer(&expr, g_free);
                        expr = g_strdup_printf("d['Id'] == %s and d['Result'] == 'failed'", id_text);
                        assert_json_line(f, line, expr);
                        seen_done = TRUE;
                }
        }
        g_subprocess_send_signal(watch, SIGTERM);
        g_assert_cmpint(wait_status(watch), ==, 0);
        await_counts(f, 0, 0);
}

/* watch on a terminal in the C locale: its status line is plain ASCII ("-"
 * for "·", "infinity" for "∞"), not UTF-8 bytes the terminal cannot show.
 * The status line is drawn only on a terminal: script(1) gives it one. */
static void test_watch_c_locale(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
        g_autoptr(GSubprocess) script = NULL;
        g_autoptr(GDataInputStream) in = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *ctl_q = g_shell_quote(f->sluicectl), *address = g_strdup_printf("--bus-address=%s", f->address);
        g_autofree char *address_q = g_shell_quote(address), *command = NULL, *line = NULL;

        g_autofree char *script_path = g_find_program_in_path("script");

        if (!script_path) {
                g_test_skip("script(1) not found");
                return;
        }
        command = g_strdup_printf("exec %s %s watch", ctl_q, address_q);
        g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
        g_subprocess_launcher_setenv(launcher, "TERM", "dumb", TRUE);
        g_subprocess_launcher_unsetenv(launcher, "LANGUAGE");
        script = g_subprocess_launcher_spawn(launcher, &error, "script", "-q", "-e", "-c", command, "/dev/null", NULL);
        g_assert_no_error(error);
        in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(script));
        do {
                g_free(line);
                line = g_data_input_stream_read_line(in, NULL, NULL, &error);
                g_assert_no_error(error);
                g_assert_nonnull(line);
        } while (!strstr(line, "discipline"));
        for (const char *p = line; *p; p++)
                if ((unsigned char) *p >= 0x80)
                        g_error("watch in LC_ALL=C printed a non-ASCII byte: %s", line);
        g_assert_nonnull(strstr(line, " - discipline "));
        g_subprocess_send_signal(script, SIGTERM);
        (void) wait_status(script);
}

static void daemon_start(Fixture *f);
static void daemon_stop(Fixture *f);
/* A finished lease job (acquired and released); its id. */
static guint64 finished_job(Fixture *f, const char *store) {
        g_autofree char *out = NULL, *id_text = NULL, *param = g_strdup_printf("store=%s", store);
        guint64 id;

        g_assert_cmpint(ctl(f, &out, NULL, "acquire", "--ttl=600", "backup", param, NULL), ==, 0);
        id = parse_id(out);
        id_text = g_strdup_printf("%" G_GUINT64_FORMAT, id);
        g_assert_cmpint(ctl(f, NULL, NULL, "release", id_text, NULL), ==, 0);
        await_counts(f, 0, 0);
        return id;
}

/* issue 12 item 4: history --limit=N is the newest N (journalctl -n); show falls back
 * to the stored record; list --class= of a class that does not exist fails. */
static void test_history_show_list_fixes(gconstpointer data) {
        Fixture *f = (Fixture *) data;
        g_autofree char *out = NULL, *err = NULL, *expr = NULL, *c_text = NULL;
        guint64 a, b, c;

        a = finished_job(f, "one");
        b = finished_job(f, "two");
        c = finished_job(f, "three");
        g_assert_cmpuint(a, <, b);
        g_assert_cmpuint(b, <, c);

        if (have_python3()) {
                g_assert_cmpint(ctl(f, &out, NULL, "history", "--limit=2", "--json", NULL), ==, 0);
                expr = g_strdup_printf("[j['Id'] for j in d] == [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "]", b, c);
                assert_json(f, out, expr);
                g_clear_pointer(&out, g_free);
        }
        g_assert_cmpint(ctl(f, &out, NULL, "history", "--limit=1", NULL), ==, 0);
        c_text = g_strdup_printf("%" G_GUINT64_FORMAT, c);
        g_assert_nonnull(strstr(out, c_text));
        g_clear_pointer(&out, g_free);

        /* After a restart the finished jobs are off the bus, in the history only. */
        daemon_stop(f);
        daemon_start(f);
        g_assert_cmpint(ctl(f, &out, &err, "show", c_text, NULL), ==, 0);
        g_assert_nonnull(strstr(out, "no longer on the bus"));
        g_assert_nonnull(strstr(out, "State: done"));
        g_assert_nonnull(strstr(out, "Result: success"));
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        if (have_python3()) {
                g_assert_cmpint(ctl(f, &out, NULL, "show", "--json", c_text, NULL), ==, 0);
                g_clear_pointer(&expr, g_free);
                expr = g_strdup_printf("d['Id'] == %" G_GUINT64_FORMAT " and d['State'] == 'done'", c);
                assert_json(f, out, expr);
                g_clear_pointer(&out, g_free);
        }
        /* an id that never existed is still "no such job" (exit 4) */
        g_assert_cmpint(ctl(f, NULL, &err, "show", "999999", NULL), ==, 4);
        g_clear_pointer(&err, g_free);

        g_assert_cmpint(ctl(f, &out, &err, "list", "--class=nope", NULL), ==, 4);
        g_assert_nonnull(strstr(err, "no such class"));
        g_assert_null(strstr(out, "No jobs"));
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(ctl(f, &out, NULL, "list", "--class=serial", NULL), ==, 0);
}

/* Start sluiced on the test bus with the state in tmpdir; return once it owns its name. */
static void daemon_start(Fixture *f) {
        g_autoptr(GError) error = NULL;
        g_autofree char *config_path = g_build_filename(f->tmpdir, "sluiced.conf", NULL);
        g_autofree char *config_option = NULL, *address_option = NULL, *state_option = NULL;
        const char *sluiced = g_getenv("SLUICED");

        g_assert_nonnull(sluiced);
        config_option = g_strdup_printf("--config=%s", config_path);
        address_option = g_strdup_printf("--bus-address=%s", f->address);
        state_option = g_strdup_printf("--state-dir=%s", f->tmpdir);
        f->daemon = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, sluiced, config_option,
                                     address_option, state_option, NULL);
        g_assert_no_error(error);

        for (;;) {
                g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                        f->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                        "NameHasOwner", g_variant_new("(s)", SLUICE_BUS_NAME), G_VARIANT_TYPE("(b)"),
                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
                gboolean has_owner;

                g_assert_no_error(error);
                g_variant_get(reply, "(b)", &has_owner);
                if (has_owner)
                        break;
                g_usleep(10 * 1000);
        }
}

/* Stop sluiced as systemd does (SIGTERM); it must exit cleanly. */
static void daemon_stop(Fixture *f) {
        g_autoptr(GError) error = NULL;

        g_subprocess_send_signal(f->daemon, SIGTERM);
        g_subprocess_wait_check(f->daemon, NULL, &error);
        g_assert_no_error(error);
        g_clear_object(&f->daemon);
}

static void fixture_up(Fixture *f) {
        g_autoptr(GError) error = NULL;
        g_autofree char *config_path = NULL;

        f->sluicectl = g_getenv("SLUICECTL");
        g_assert_nonnull(f->sluicectl);

        f->tmpdir = g_dir_make_tmp("sluicectl-test-XXXXXX", &error);
        g_assert_no_error(error);
        config_path = g_build_filename(f->tmpdir, "sluiced.conf", NULL);
        g_assert_true(g_file_set_contents(config_path, test_config, -1, NULL));

        f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
        g_test_dbus_up(f->bus);
        f->address = g_test_dbus_get_bus_address(f->bus);
        /* Never the real system bus, whatever a child does. */
        g_setenv("DBUS_SYSTEM_BUS_ADDRESS", f->address, TRUE);
        f->conn = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
        g_assert_no_error(error);
        daemon_start(f);
}

static void fixture_down(Fixture *f) {
        g_autoptr(GError) error = NULL;
        g_autofree char *config_path = g_build_filename(f->tmpdir, "sluiced.conf", NULL);

        daemon_stop(f);
        g_clear_object(&f->conn);
        g_test_dbus_down(f->bus);
        g_clear_object(&f->bus);
        g_unlink(config_path);
        for (const char *const *n = (const char *const[]) { "sluice.db", "sluice.db-wal", "sluice.db-shm", NULL }; *n; n++) {
                g_autofree char *p = g_build_filename(f->tmpdir, *n, NULL);

                (void) g_unlink(p);
        }
        g_rmdir(f->tmpdir);
        g_free(f->tmpdir);
}

int main(int argc, char **argv) {
        Fixture f = {};
        int r;

        g_test_init(&argc, &argv, NULL);
        fixture_up(&f);

        g_test_add_data_func("/sluicectl/run/exit-status", &f, test_run_exit_status);
        g_test_add_data_func("/sluicectl/run/exec-failure", &f, test_run_exec_failure);
        g_test_add_data_func("/sluicectl/run/interrupted", &f, test_run_interrupted);
        g_test_add_data_func("/sluicectl/run/interrupted-trapped", &f, test_run_interrupted_trapped);
        g_test_add_data_func("/sluicectl/run/ctrl-c-on-terminal", &f, test_run_ctrl_c_on_terminal);
        g_test_add_data_func("/sluicectl/run/sigkill-no-orphan", &f, test_run_sigkill_no_orphan);
        g_test_add_data_func("/sluicectl/run/job-cancelled", &f, test_run_job_cancelled);
        g_test_add_data_func("/sluicectl/run/serializes", &f, test_run_serializes);
        g_test_add_data_func("/sluicectl/run/calls", &f, test_run_calls);
        g_test_add_data_func("/sluicectl/run/across-restart", &f, test_run_across_restart);
        g_test_add_data_func("/sluicectl/run/ends-while-sluiced-away", &f, test_run_ends_while_sluiced_away);
        g_test_add_data_func("/sluicectl/acquire/across-restart", &f, test_acquire_across_restart);
        g_test_add_data_func("/sluicectl/run/release-fallback", &f, test_run_release_fallback);
        g_test_add_data_func("/sluicectl/json", &f, test_json);
        g_test_add_data_func("/sluicectl/submit/bad-parameter", &f, test_submit_bad_parameter);
        g_test_add_data_func("/sluicectl/submit/lease-class", &f, test_submit_lease_class);
        g_test_add_data_func("/sluicectl/acquire/interrupted", &f, test_acquire_interrupted);
        g_test_add_data_func("/sluicectl/usage-errors", &f, test_usage_errors);
        g_test_add_data_func("/sluicectl/run/lease-lost-in-restart", &f, test_run_lease_lost_in_restart);
        g_test_add_data_func("/sluicectl/set-priority", &f, test_set_priority);
        g_test_add_data_func("/sluicectl/owner-filter", &f, test_owner_filter);
        g_test_add_data_func("/sluicectl/exit-statuses", &f, test_exit_statuses);
        g_test_add_data_func("/sluicectl/unknown-verb", &f, test_unknown_verb);
        g_test_add_data_func("/sluicectl/remote/refuses-run", &f, test_remote_refuses_run);
        g_test_add_data_func("/sluicectl/time-input", &f, test_time_input);
        g_test_add_data_func("/sluicectl/json-verbs", &f, test_json_verbs);
        g_test_add_data_func("/sluicectl/cluster-off", &f, test_cluster_off);
        g_test_add_data_func("/sluicectl/config/show-set-unset", &f, test_config_show_set_unset);
        g_test_add_data_func("/sluicectl/history-show-list-fixes", &f, test_history_show_list_fixes);
        g_test_add_data_func("/sluicectl/logs/refusals", &f, test_logs_refusals);
        g_test_add_data_func("/sluicectl/json/acquire-run", &f, test_json_acquire_run);
        g_test_add_data_func("/sluicectl/json/watch", &f, test_json_watch);
        g_test_add_data_func("/sluicectl/watch/c-locale", &f, test_watch_c_locale);

        r = g_test_run();
        fixture_down(&f);
        return r;
}

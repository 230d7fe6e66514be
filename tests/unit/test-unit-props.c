/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of src/daemon/unit-props.c, without a bus: what a command job's
 * transient unit looks like (the a(sv) of StartTransientUnit, read back from
 * a sealed message), the job record it carries in LogExtraFields and its
 * parsing back, and what a unit's end means for the job (every row of the
 * table in docs/dbus-api.md, "How a job ends").
 */
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit-props.h"

#define STRV(...) ((const char *const[]) { __VA_ARGS__, NULL })

/* ---- how a job ends ---- */

typedef struct OutcomeRow {
        const char *what;
        UnitOutcome o;
        JobResult result;
        int32_t exit_status;
        const char *detail;             /* NULL: none */
} OutcomeRow;

static const OutcomeRow outcome_rows[] = {
        /* docs/dbus-api.md, one line of the table each. */
        { "Result=success", { "success", CLD_EXITED, 0 }, JOB_RESULT_SUCCESS, 0, NULL },
        { "exit-code", { "exit-code", CLD_EXITED, 3 }, JOB_RESULT_FAILED, 3, "exit status 3" },
        { "signal", { "signal", CLD_KILLED, 9 }, JOB_RESULT_FAILED, 9, "killed by signal 9 (SIGKILL)" },
        { "core-dump", { "core-dump", CLD_DUMPED, 11 }, JOB_RESULT_FAILED, 11,
          "killed by signal 11 (SIGSEGV), core dumped" },
        { "timeout", { "timeout", CLD_KILLED, 15 }, JOB_RESULT_TIMEOUT, 15, "runtime exceeded RuntimeMaxSec" },
        { "oom-kill", { "oom-kill", CLD_KILLED, 9 }, JOB_RESULT_FAILED, 9, "out of memory" },
        { "stopped after Cancel", { "success", CLD_KILLED, 15, .stop_requested = true },
          JOB_RESULT_CANCELLED, 15, "cancelled through sluice" },
        { "stopped externally (SIGTERM)", { "success", CLD_KILLED, 15 }, JOB_RESULT_CANCELLED, 15,
          "stopped externally, not through sluice (killed by signal 15 (SIGTERM))" },
        { "stopped externally (a stop job sluice did not queue)",
          { "success", CLD_EXITED, 0, .external_stop_job = true }, JOB_RESULT_CANCELLED, 0,
          "stopped externally, not through sluice" },
        { "anything else", { "start-limit-hit", 0, 0 }, JOB_RESULT_FAILED, -1, "unit result start-limit-hit" },

        /* Around the table. */
        { "Cancel wins over any unit result", { "exit-code", CLD_EXITED, 143, .stop_requested = true },
          JOB_RESULT_CANCELLED, 143, "cancelled through sluice" },
        { "Cancel before the unit ran", { "success", 0, 0, .stop_requested = true }, JOB_RESULT_CANCELLED, -1,
          "cancelled through sluice" },
        { "signal with an unnamed number", { "signal", CLD_KILLED, 200 }, JOB_RESULT_FAILED, 200,
          "killed by signal 200" },
        { "signal result, core dumped", { "signal", CLD_DUMPED, 6 }, JOB_RESULT_FAILED, 6,
          "killed by signal 6 (SIGABRT), core dumped" },
        { "a stop by someone else kills with SIGKILL", { "success", CLD_KILLED, 9, .external_stop_job = true },
          JOB_RESULT_CANCELLED, 9, "stopped externally, not through sluice (killed by signal 9 (SIGKILL))" },
        { "other result with an exit status", { "resources", CLD_EXITED, 1 }, JOB_RESULT_FAILED, 1,
          "unit result resources, exit status 1" },
        { "no result at all", { NULL, 0, 0 }, JOB_RESULT_FAILED, -1, "unit result unknown" },
        { "exit-code without an exit", { "exit-code", CLD_KILLED, 9 }, JOB_RESULT_FAILED, 9, "unit result exit-code" },

        /* The start job's own result: a unit that never ran says Result=success. */
        { "start job done", { "success", CLD_EXITED, 0, .start_job_result = "done" }, JOB_RESULT_SUCCESS, 0, NULL },
        { "start job failed, never ran", { "success", 0, 0, .start_job_result = "failed" }, JOB_RESULT_FAILED, -1,
          "systemd did not start the unit (start job failed)" },
        { "start job dependency", { "success", 0, 0, .start_job_result = "dependency" }, JOB_RESULT_FAILED, -1,
          "systemd did not start the unit (start job dependency)" },
        { "start job replaced by someone's stop", { "success", 0, 0, .start_job_result = "canceled" },
          JOB_RESULT_CANCELLED, -1, "stopped externally, not through sluice" },
        { "start job canceled by sluice's Cancel", { "success", 0, 0, .start_job_result = "canceled",
          .stop_requested = true }, JOB_RESULT_CANCELLED, -1, "cancelled through sluice" },
        { "start job failed, the unit says why", { "exit-code", CLD_EXITED, 203, .start_job_result = "failed" },
          JOB_RESULT_FAILED, 203, "exit status 203" },
};

static void test_outcome_table(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(outcome_rows); i++) {
                const OutcomeRow *row = &outcome_rows[i];
                g_autofree char *detail = NULL;
                JobResult result = JOB_RESULT_NONE;
                int32_t status = -7;

                g_test_message("row %zu: %s", i, row->what);
                unit_outcome_classify(&row->o, &result, &status, &detail);
                g_assert_cmpstr(job_result_to_string(result), ==, job_result_to_string(row->result));
                g_assert_cmpint(status, ==, row->exit_status);
                g_assert_cmpstr(detail, ==, row->detail);
        }
}

/* Whatever the unit says, a stop sluice did not ask for is never a success. */
static void test_outcome_never_success_when_stopped(void) {
        static const char *const results[] = { "success", "exit-code", "signal", "core-dump", "timeout",
                                               "oom-kill", "watchdog", "", NULL };
        static const int codes[] = { 0, CLD_EXITED, CLD_KILLED, CLD_DUMPED };

        for (size_t r = 0; r < G_N_ELEMENTS(results); r++)
                for (size_t c = 0; c < G_N_ELEMENTS(codes); c++)
                        for (int flags = 1; flags < 4; flags++) {
                                UnitOutcome o = {
                                        .result = results[r],
                                        .exec_main_code = codes[c],
                                        .exec_main_status = codes[c] == CLD_EXITED ? 0 : SIGTERM,
                                        .stop_requested = flags & 1,
                                        .external_stop_job = flags & 2,
                                };
                                g_autofree char *detail = NULL;
                                JobResult result;
                                int32_t status;

                                unit_outcome_classify(&o, &result, &status, &detail);
                                g_assert_cmpint(result, !=, JOB_RESULT_SUCCESS);
                                g_assert_nonnull(detail);
                                if (o.stop_requested)
                                        g_assert_cmpint(result, ==, JOB_RESULT_CANCELLED);
                        }
}

/* ---- the unit's properties, read back from a sealed StartTransientUnit ---- */

typedef struct Props {
        GPtrArray *names;               /* in order */
        GHashTable *values;             /* name -> "sig:value" */
} Props;

static void props_free(Props *p) {
        g_clear_pointer(&p->names, g_ptr_array_unref);
        g_clear_pointer(&p->values, g_hash_table_unref);
        g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Props, props_free)

/* A bus object that can build messages; it never talks to anyone. */
static sd_bus *message_bus(int fds[2]) {
        sd_bus *bus = NULL;

        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
        g_assert_cmpint(sd_bus_new(&bus), >=, 0);
        g_assert_cmpint(sd_bus_set_fd(bus, fds[0], fds[0]), >=, 0);
        g_assert_cmpint(sd_bus_start(bus), >=, 0);
        return bus;
}

static char *read_value(sd_bus_message *m, const char *sig) {
        int r;

        if (strcmp(sig, "s") == 0) {
                const char *s;
                g_assert_cmpint(sd_bus_message_read(m, "s", &s), >=, 0);
                return g_strdup_printf("s:%s", s);
        }
        if (strcmp(sig, "b") == 0) {
                int b;
                g_assert_cmpint(sd_bus_message_read(m, "b", &b), >=, 0);
                return g_strdup_printf("b:%s", b ? "yes" : "no");
        }
        if (strcmp(sig, "t") == 0) {
                uint64_t t;
                g_assert_cmpint(sd_bus_message_read(m, "t", &t), >=, 0);
                return g_strdup_printf("t:%" G_GUINT64_FORMAT, t);
        }
        if (strcmp(sig, "as") == 0) {
                char **l = NULL;
                g_autofree char *joined = NULL;

                g_assert_cmpint(sd_bus_message_read_strv(m, &l), >=, 0);
                joined = g_strjoinv("|", l);
                g_strfreev(l);
                return g_strdup_printf("as:%s", joined);
        }
        if (strcmp(sig, "aay") == 0) {
                g_autoptr(GString) s = g_string_new("aay:");
                const void *p;
                size_t n;
                bool first = true;

                g_assert_cmpint(sd_bus_message_enter_container(m, 'a', "ay"), >=, 0);
                while ((r = sd_bus_message_read_array(m, 'y', &p, &n)) > 0) {
                        if (!first)
                                g_string_append_c(s, '|');
                        g_string_append_len(s, p, n);
                        first = false;
                }
                g_assert_cmpint(r, >=, 0);
                g_assert_cmpint(sd_bus_message_exit_container(m), >=, 0);
                return g_string_free(g_steal_pointer(&s), false);
        }
        if (strcmp(sig, "a(sasas)") == 0) {
                g_autoptr(GString) s = g_string_new("a(sasas):");

                g_assert_cmpint(sd_bus_message_enter_container(m, 'a', "(sasas)"), >=, 0);
                while ((r = sd_bus_message_enter_container(m, 'r', "sasas")) > 0) {
                        const char *path;
                        char **argv = NULL, **flags = NULL;
                        g_autofree char *joined = NULL, *joined_flags = NULL;

                        g_assert_cmpint(sd_bus_message_read(m, "s", &path), >=, 0);
                        g_assert_cmpint(sd_bus_message_read_strv(m, &argv), >=, 0);
                        g_assert_cmpint(sd_bus_message_read_strv(m, &flags), >=, 0);
                        g_assert_cmpint(sd_bus_message_exit_container(m), >=, 0);
                        joined = g_strjoinv("|", argv);
                        joined_flags = g_strjoinv(",", flags);
                        g_strfreev(argv);
                        g_strfreev(flags);
                        g_string_append_printf(s, "(%s;%s;%s)", path, joined, joined_flags);
                }
                g_assert_cmpint(r, >=, 0);
                g_assert_cmpint(sd_bus_message_exit_container(m), >=, 0);
                return g_string_free(g_steal_pointer(&s), false);
        }
        if (strcmp(sig, "a(ss)") == 0) {
                g_autoptr(GString) s = g_string_new("a(ss):");
                const char *a, *b;

                g_assert_cmpint(sd_bus_message_enter_container(m, 'a', "(ss)"), >=, 0);
                while ((r = sd_bus_message_read(m, "(ss)", &a, &b)) > 0)
                        g_string_append_printf(s, "(%s;%s)", a, b);
                g_assert_cmpint(r, >=, 0);
                g_assert_cmpint(sd_bus_message_exit_container(m), >=, 0);
                return g_string_free(g_steal_pointer(&s), false);
        }
        g_error("unexpected property signature %s", sig);
}

/* unit_props_append() for job/class, and what a receiver would read. */
static int props_build(const Job *job, const ClassConfig *cls, Props **ret) {
        g_autoptr(Props) p = g_new0(Props, 1);
        sd_bus_message *m = NULL;
        sd_bus *bus;
        const char *name, *mode;
        int fds[2], r;

        bus = message_bus(fds);
        g_assert_cmpint(sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                                       "org.freedesktop.systemd1.Manager", "StartTransientUnit"),
                        >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "ss", "sluice-job-1.service", "fail"), >=, 0);
        r = unit_props_append(m, job, cls);
        if (r < 0) {
                sd_bus_message_unref(m);
                sd_bus_close_unref(bus);
                close(fds[1]);
                return r;
        }
        g_assert_cmpint(sd_bus_message_append(m, "a(sa(sv))", 0), >=, 0);
        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);

        p->names = g_ptr_array_new_with_free_func(g_free);
        p->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_assert_cmpint(sd_bus_message_read(m, "ss", &name, &mode), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(m, 'a', "(sv)"), >=, 0);
        while ((r = sd_bus_message_enter_container(m, 'r', "sv")) > 0) {
                const char *contents;
                char type;

                g_assert_cmpint(sd_bus_message_read(m, "s", &name), >=, 0);
                g_assert_cmpint(sd_bus_message_peek_type(m, &type, &contents), >, 0);
                g_assert_cmpint(type, ==, 'v');
                g_assert_cmpint(sd_bus_message_enter_container(m, 'v', contents), >=, 0);
                /* Each property once. */
                g_assert_false(g_hash_table_contains(p->values, name));
                g_ptr_array_add(p->names, g_strdup(name));
                g_hash_table_insert(p->values, g_strdup(name), read_value(m, contents));
                g_assert_cmpint(sd_bus_message_exit_container(m), >=, 0);
                g_assert_cmpint(sd_bus_message_exit_container(m), >=, 0);
        }
        g_assert_cmpint(r, >=, 0);
        g_assert_cmpint(sd_bus_message_exit_container(m), >=, 0);

        sd_bus_message_unref(m);
        sd_bus_close_unref(bus);
        close(fds[1]);
        *ret = g_steal_pointer(&p);
        return 0;
}

static const char *prop(const Props *p, const char *name) {
        return g_hash_table_lookup(p->values, name);
}

static SluiceConfig *config_from(const char *text) {
        g_autoptr(GError) error = NULL;
        SluiceConfig *cfg = sluice_config_new_from_data(text, "test", &error);

        g_assert_no_error(error);
        return cfg;
}

static Job *job_new(uint64_t id, const char *cls, const char *const *argv) {
        Job *j = g_new0(Job, 1);

        j->id = id;
        j->class_name = g_strdup(cls);
        j->kind = JOB_KIND_COMMAND;
        j->argv = g_strdupv((char **) argv);
        j->parameters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        j->resources = g_new0(char *, 1);
        j->attempt = 1;
        j->exit_status = -1;
        return j;
}

static const char *const basic_sandbox[] = {
        "NoNewPrivileges", "PrivateTmp", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
        "ProtectControlGroups", "RestrictSUIDSGID", "LockPersonality", "RestrictRealtime", NULL,
};
static const char *const strict_only[] = {
        "PrivateDevices", "ProtectClock", "ProtectHostname", "RestrictNamespaces", "SystemCallArchitectures", NULL,
};

/* The properties every command unit has, whatever the class. */
static void assert_common(const Props *p, const Job *job) {
        g_autofree char *exec = NULL;
        g_autofree char *joined = g_strjoinv("|", job->argv);

        g_assert_cmpstr(prop(p, "Slice"), ==, "s:sluice.slice");
        g_assert_cmpstr(prop(p, "Type"), ==, "s:exec");
        g_assert_cmpstr(prop(p, "AddRef"), ==, "b:yes");
        g_assert_cmpstr(prop(p, "CollectMode"), ==, "s:inactive-or-failed");
        exec = g_strdup_printf("a(sasas):(%s;%s;no-env-expand)", job->argv[0], joined);
        g_assert_cmpstr(prop(p, "ExecStartEx"), ==, exec);
        g_assert_null(prop(p, "ExecStart"));
        g_assert_nonnull(prop(p, "LogExtraFields"));
}

static void test_props_sandbox_basic(void) {
        g_autoptr(SluiceConfig) cfg = config_from("[Class gc]\nKind=command\nExecStart=/usr/bin/gc --all\n");
        g_autoptr(Job) job = job_new(1, "gc", STRV("/usr/bin/gc", "--all"));
        g_autoptr(Props) p = NULL;

        g_assert_cmpint(props_build(job, sluice_config_get_class(cfg, "gc"), &p), ==, 0);
        assert_common(p, job);
        g_assert_cmpstr(prop(p, "Description"), ==, "s:sluice job 1 (gc)");
        for (const char *const *b = basic_sandbox; *b; b++)
                g_assert_cmpstr(prop(p, *b), ==, "b:yes");
        g_assert_cmpstr(prop(p, "ProtectSystem"), ==, "s:full");
        g_assert_cmpstr(prop(p, "ProtectHome"), ==, "s:read-only");
        for (const char *const *s = strict_only; *s; s++)
                g_assert_null(prop(p, *s));
        /* Nothing the class did not ask for. */
        for (const char *const *n = STRV("User", "Group", "DynamicUser", "WorkingDirectory", "Environment",
                                         "CPUWeight", "IOWeight", "MemoryMax", "TasksMax", "RuntimeMaxUSec",
                                         "ReadWritePaths");
             *n; n++)
                g_assert_null(prop(p, *n));
        /* The common seven, nine booleans, two strings. */
        g_assert_cmpuint(p->names->len, ==, 7 + 9 + 2);
        g_assert_cmpstr(p->names->pdata[0], ==, "Description");
}

static void test_props_sandbox_strict(void) {
        g_autoptr(SluiceConfig) cfg = config_from("[Class gc]\nKind=command\nExecStart=/usr/bin/gc\n"
                                                  "Sandbox=strict\nReadWritePaths=/srv/store -/srv/maybe\n");
        g_autoptr(Job) job = job_new(2, "gc", STRV("/usr/bin/gc"));
        g_autoptr(Props) p = NULL;

        g_assert_cmpint(props_build(job, sluice_config_get_class(cfg, "gc"), &p), ==, 0);
        assert_common(p, job);
        for (const char *const *b = basic_sandbox; *b; b++)
                g_assert_cmpstr(prop(p, *b), ==, "b:yes");
        g_assert_cmpstr(prop(p, "ProtectSystem"), ==, "s:strict");
        g_assert_cmpstr(prop(p, "ProtectHome"), ==, "s:yes");
        g_assert_cmpstr(prop(p, "PrivateDevices"), ==, "b:yes");
        g_assert_cmpstr(prop(p, "ProtectClock"), ==, "b:yes");
        g_assert_cmpstr(prop(p, "ProtectHostname"), ==, "b:yes");
        /* RestrictNamespaces=yes: the set of namespaces allowed is empty. */
        g_assert_cmpstr(prop(p, "RestrictNamespaces"), ==, "t:0");
        g_assert_cmpstr(prop(p, "SystemCallArchitectures"), ==, "as:native");
        g_assert_cmpstr(prop(p, "ReadWritePaths"), ==, "as:/srv/store|-/srv/maybe");
        g_assert_cmpuint(p->names->len, ==, 7 + 9 + 2 + 5 + 1);
}

static void test_props_sandbox_none(void) {
        g_autoptr(SluiceConfig) cfg = config_from("[Class gc]\nKind=command\nExecStart=/usr/bin/gc\n"
                                                  "Sandbox=none\nReadWritePaths=/srv/store\n");
        g_autoptr(Job) job = job_new(3, "gc", STRV("/usr/bin/gc"));
        g_autoptr(Props) p = NULL;

        g_assert_cmpint(props_build(job, sluice_config_get_class(cfg, "gc"), &p), ==, 0);
        assert_common(p, job);
        for (const char *const *b = basic_sandbox; *b; b++)
                g_assert_null(prop(p, *b));
        for (const char *const *s = strict_only; *s; s++)
                g_assert_null(prop(p, *s));
        g_assert_null(prop(p, "ProtectSystem"));
        g_assert_null(prop(p, "ProtectHome"));
        g_assert_cmpstr(prop(p, "ReadWritePaths"), ==, "as:/srv/store");
        g_assert_cmpuint(p->names->len, ==, 7 + 1);
}

/* Every class setting, and the job's own argv/environment/description. */
static void test_props_class_settings(void) {
        g_autoptr(SluiceConfig) cfg = config_from(
                "[Class gc]\nKind=command\nExecStart=/usr/bin/gc %{store}\nParameter.store=.+\n"
                "User=backup\nGroup=disk\nWorkingDirectory=/srv\nEnvironment=A=1 B=2\n"
                "CPUWeight=50\nIOWeight=20\nMemoryMax=512M\nTasksMax=16\nRuntimeMaxSec=90\nSandbox=none\n"
                "LoadCredential=restic-password:/etc/sluice/restic.key token:/run/keys/t\n"
                "[Class dyn]\nKind=command\nExecStart=/usr/bin/gc\nDynamicUser=yes\nSandbox=none\n"
                "TasksMax=infinity\n");
        g_autoptr(Job) job = job_new(4, "gc", STRV("/usr/bin/gc", "a b; $(rm -rf /)", "--x=%{store}"));
        g_autoptr(Job) dyn = job_new(5, "dyn", STRV("/usr/bin/gc"));
        g_autoptr(Props) p = NULL, q = NULL, r = NULL;

        g_assert_cmpint(props_build(job, sluice_config_get_class(cfg, "gc"), &p), ==, 0);
        assert_common(p, job);
        /* Whole argv elements, as they are. */
        g_assert_cmpstr(prop(p, "ExecStartEx"), ==,
                        "a(sasas):(/usr/bin/gc;/usr/bin/gc|a b; $(rm -rf /)|--x=%{store};no-env-expand)");
        g_assert_cmpstr(prop(p, "User"), ==, "s:backup");
        g_assert_cmpstr(prop(p, "Group"), ==, "s:disk");
        g_assert_null(prop(p, "DynamicUser"));
        g_assert_cmpstr(prop(p, "WorkingDirectory"), ==, "s:/srv");
        g_assert_cmpstr(prop(p, "Environment"), ==, "as:A=1|B=2");
        g_assert_cmpstr(prop(p, "CPUWeight"), ==, "t:50");
        g_assert_cmpstr(prop(p, "IOWeight"), ==, "t:20");
        g_assert_cmpstr(prop(p, "MemoryMax"), ==, "t:536870912");
        g_assert_cmpstr(prop(p, "TasksMax"), ==, "t:16");
        g_assert_cmpstr(prop(p, "RuntimeMaxUSec"), ==, "t:90000000");
        /* Secrets by reference: systemd loads the file, the unit shows only ID and path. */
        g_assert_cmpstr(prop(p, "LoadCredential"), ==,
                        "a(ss):(restic-password;/etc/sluice/restic.key)(token;/run/keys/t)");

        /* The job's environment (class's merged with the submitter's) replaces the class's. */
        job->environment = g_strdupv((char **) STRV("A=1", "B=3", "C=x y"));
        job->description = g_strdup("nightly gc\nof a");
        g_assert_cmpint(props_build(job, sluice_config_get_class(cfg, "gc"), &q), ==, 0);
        g_assert_cmpstr(prop(q, "Environment"), ==, "as:A=1|B=3|C=x y");
        g_assert_cmpstr(prop(q, "Description"), ==, "s:nightly gc\nof a");

        g_assert_cmpint(props_build(dyn, sluice_config_get_class(cfg, "dyn"), &r), ==, 0);
        g_assert_cmpstr(prop(r, "DynamicUser"), ==, "b:yes");
        g_assert_null(prop(r, "LoadCredential"));
        g_assert_null(prop(r, "User"));
        g_assert_cmpstr(prop(r, "TasksMax"), ==, "t:18446744073709551615");
}

/* A class that vanished: the job's own settings only; no command, no unit. */
static void test_props_no_class(void) {
        g_autoptr(Job) job = job_new(6, "gone", STRV("/bin/true"));
        g_autoptr(Job) empty = job_new(7, "gone", STRV(""));
        g_autoptr(Job) none = job_new(8, "gone", NULL);
        g_autoptr(Props) p = NULL, q = NULL;

        g_assert_cmpint(props_build(job, NULL, &p), ==, 0);
        assert_common(p, job);
        g_assert_cmpuint(p->names->len, ==, 7);
        g_assert_cmpint(props_build(empty, NULL, &q), ==, -EINVAL);
        g_assert_null(q);
        g_assert_cmpint(props_build(none, NULL, &q), ==, -EINVAL);
        g_assert_null(q);
}

/* ---- the job record in LogExtraFields ---- */

static void test_record_fields(void) {
        g_autoptr(Job) job = job_new(42, "gc", STRV("/usr/bin/gc"));
        g_autoptr(SluiceConfig) cfg = config_from("[Class gc]\nKind=command\nExecStart=/usr/bin/gc\n");
        g_autoptr(Props) p = NULL;
        g_auto(GStrv) fields = NULL;

        job->attempt = 3;
        job->submitted_at = 1700000000123456;
        job->owner = 1000;
        job->priority = -5;
        g_hash_table_insert(job->parameters, g_strdup("store"), g_strdup("a"));
        g_hash_table_insert(job->parameters, g_strdup("days"), g_strdup("7"));
        g_strfreev(job->resources);
        job->resources = g_strdupv((char **) STRV("datastore:a", "tape:1"));

        fields = unit_record_fields(job);
        g_assert_cmpstrv(fields, STRV("SLUICE_JOB_ID=42", "SLUICE_CLASS=gc", "SLUICE_ATTEMPT=3",
                                      "SLUICE_SUBMITTED_AT=1700000000123456", "SLUICE_OWNER=1000",
                                      "SLUICE_PRIORITY=-5", "SLUICE_PARAM=days=7", "SLUICE_PARAM=store=a",
                                      "SLUICE_RESOURCE=datastore:a", "SLUICE_RESOURCE=tape:1"));

        /* The same strings travel in the unit's LogExtraFields, in order. */
        g_assert_cmpint(props_build(job, sluice_config_get_class(cfg, "gc"), &p), ==, 0);
        {
                g_autofree char *joined = g_strjoinv("|", fields);
                g_autofree char *expected = g_strdup_printf("aay:%s", joined);

                g_assert_cmpstr(prop(p, "LogExtraFields"), ==, expected);
        }

        /* Attempt 0 (never started) is recorded as the first. */
        job->attempt = 0;
        g_strfreev(g_steal_pointer(&fields));
        fields = unit_record_fields(job);
        g_assert_cmpstr(fields[2], ==, "SLUICE_ATTEMPT=1");
}

static void assert_round_trip(const Job *job) {
        g_auto(GStrv) fields = unit_record_fields(job);
        g_auto(UnitRecord) rec = {};
        g_autofree char *why = NULL;
        GHashTableIter it;
        gpointer k, v;

        g_assert_true(unit_record_parse(fields, &rec, &why));
        g_assert_null(why);
        g_assert_cmpuint(rec.id, ==, job->id);
        g_assert_cmpstr(rec.class_name, ==, job->class_name);
        g_assert_cmpuint(rec.attempt, ==, job->attempt ? job->attempt : 1);
        g_assert_cmpuint(rec.submitted_at, ==, job->submitted_at);
        g_assert_cmpuint(rec.owner, ==, job->owner);
        g_assert_true(rec.has_priority);
        g_assert_cmpint(rec.priority, ==, job->priority);
        g_assert_cmpuint(g_hash_table_size(rec.parameters), ==, g_hash_table_size(job->parameters));
        g_hash_table_iter_init(&it, job->parameters);
        while (g_hash_table_iter_next(&it, &k, &v))
                g_assert_cmpstr(g_hash_table_lookup(rec.parameters, k), ==, v);
        g_assert_cmpstrv((char **) rec.resources->pdata, job->resources);
        g_assert_cmpstr(rec.description, ==, job->description && job->description[0] ? job->description : NULL);
}

static void test_record_round_trip(void) {
        g_autoptr(Job) plain = job_new(1, "gc", STRV("/bin/true"));
        g_autoptr(Job) hostile = job_new(G_MAXUINT64 - 1, "gc", STRV("/bin/true"));

        assert_round_trip(plain);

        /* '=' and newlines in values, a description that looks like more fields. */
        hostile->attempt = G_MAXUINT32;
        hostile->submitted_at = G_MAXUINT64 - 1;
        hostile->owner = G_MAXUINT32;
        hostile->priority = G_MININT32;
        g_hash_table_insert(hostile->parameters, g_strdup("store"), g_strdup("a=b=c"));
        g_hash_table_insert(hostile->parameters, g_strdup("path"), g_strdup("/x\nSLUICE_JOB_ID=9\n"));
        g_hash_table_insert(hostile->parameters, g_strdup("empty"), g_strdup(""));
        g_hash_table_insert(hostile->parameters, g_strdup("eq"), g_strdup("="));
        g_strfreev(hostile->resources);
        hostile->resources = g_strdupv((char **) STRV("datastore:a=b", "x:y"));
        hostile->description = g_strdup("line one\nSLUICE_CLASS=evil\nSLUICE_PARAM=store=z\n=\n");
        assert_round_trip(hostile);

        /* An empty description is no description. */
        g_free(plain->description);
        plain->description = g_strdup("");
        assert_round_trip(plain);
}

typedef struct ParseRow {
        const char *const *fields;
        const char *why;                /* NULL: parses */
} ParseRow;

static void test_record_parse_hostile(void) {
        const ParseRow rows[] = {
                { STRV("SLUICE_CLASS=gc"), "SLUICE_JOB_ID is missing" },
                { STRV("SLUICE_JOB_ID=1"), "SLUICE_CLASS is missing" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS="), "SLUICE_CLASS is missing" },
                { STRV("SLUICE_JOB_ID=0", "SLUICE_CLASS=gc"), "SLUICE_JOB_ID: \"0\" is not a job id" },
                { STRV("SLUICE_JOB_ID=-1", "SLUICE_CLASS=gc"), "SLUICE_JOB_ID: \"-1\" is not a job id" },
                { STRV("SLUICE_JOB_ID=1x", "SLUICE_CLASS=gc"), "SLUICE_JOB_ID: \"1x\" is not a job id" },
                { STRV("SLUICE_JOB_ID= 1", "SLUICE_CLASS=gc"), "SLUICE_JOB_ID: \" 1\" is not a job id" },
                { STRV("SLUICE_JOB_ID=18446744073709551615", "SLUICE_CLASS=gc"),
                  "SLUICE_JOB_ID: \"18446744073709551615\" is not a job id" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "SLUICE_ATTEMPT=0"),
                  "SLUICE_ATTEMPT: \"0\" is not an attempt number" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "SLUICE_ATTEMPT=4294967296"),
                  "SLUICE_ATTEMPT: \"4294967296\" is not an attempt number" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "SLUICE_SUBMITTED_AT=yesterday"),
                  "SLUICE_SUBMITTED_AT: \"yesterday\" is not a time" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "SLUICE_OWNER=4294967296"),
                  "SLUICE_OWNER: \"4294967296\" is not a uid" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "SLUICE_PRIORITY=2147483648"),
                  "SLUICE_PRIORITY: \"2147483648\" is not a priority" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "SLUICE_PARAM=novalue"),
                  "SLUICE_PARAM: \"novalue\" is not NAME=VALUE" },
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "SLUICE_PARAM==x"),
                  "SLUICE_PARAM: \"=x\" is not NAME=VALUE" },
                /* Unknown keys and strings without '=' are not ours: ignored. */
                { STRV("SLUICE_JOB_ID=1", "SLUICE_CLASS=gc", "FOO=bar", "junk", "=", "SLUICE_FUTURE=1"), NULL },
                { (const char *const[]) { NULL }, "SLUICE_JOB_ID is missing" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
                g_auto(UnitRecord) rec = {};
                g_autofree char *why = NULL;
                bool ok;

                g_test_message("row %zu", i);
                ok = unit_record_parse((char *const *) rows[i].fields, &rec, &why);
                g_assert_cmpint(ok, ==, rows[i].why == NULL);
                g_assert_cmpstr(why, ==, rows[i].why);
                if (!ok)
                        g_assert_null(rec.class_name);
        }

        /* NULL fields: nothing to parse. */
        {
                g_auto(UnitRecord) rec = {};
                g_autofree char *why = NULL;

                g_assert_false(unit_record_parse(NULL, &rec, &why));
                g_assert_cmpstr(why, ==, "SLUICE_JOB_ID is missing");
        }
}

/* Later fields win; defaults when a field is absent. */
static void test_record_parse_defaults(void) {
        g_auto(UnitRecord) rec = {};
        g_autofree char *why = NULL;

        g_assert_true(unit_record_parse((char *const *) STRV("SLUICE_CLASS=old", "SLUICE_JOB_ID=5", "SLUICE_CLASS=gc",
                                                             "SLUICE_PARAM=a=1", "SLUICE_PARAM=a=2",
                                                             "SLUICE_DESCRIPTION=x", "SLUICE_DESCRIPTION=y"),
                                        &rec, &why));
        g_assert_cmpuint(rec.id, ==, 5);
        g_assert_cmpstr(rec.class_name, ==, "gc");
        g_assert_cmpuint(rec.attempt, ==, 1);
        g_assert_cmpuint(rec.submitted_at, ==, 0);
        g_assert_cmpuint(rec.owner, ==, 0);
        g_assert_false(rec.has_priority);
        g_assert_cmpstr(g_hash_table_lookup(rec.parameters, "a"), ==, "2");
        g_assert_cmpuint(g_hash_table_size(rec.parameters), ==, 1);
        g_assert_cmpuint(rec.resources->len, ==, 1);    /* the NULL terminator */
        g_assert_null(rec.resources->pdata[0]);
        g_assert_cmpstr(rec.description, ==, "y");
}

int main(int argc, char *argv[]) {
        setlocale(LC_ALL, "");
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/unit-props/outcome/table", test_outcome_table);
        g_test_add_func("/unit-props/outcome/never-success-when-stopped", test_outcome_never_success_when_stopped);
        g_test_add_func("/unit-props/properties/sandbox-basic", test_props_sandbox_basic);
        g_test_add_func("/unit-props/properties/sandbox-strict", test_props_sandbox_strict);
        g_test_add_func("/unit-props/properties/sandbox-none", test_props_sandbox_none);
        g_test_add_func("/unit-props/properties/class-settings", test_props_class_settings);
        g_test_add_func("/unit-props/properties/no-class", test_props_no_class);
        g_test_add_func("/unit-props/record/fields", test_record_fields);
        g_test_add_func("/unit-props/record/round-trip", test_record_round_trip);
        g_test_add_func("/unit-props/record/parse-hostile", test_record_parse_hostile);
        g_test_add_func("/unit-props/record/parse-defaults", test_record_parse_defaults);
        return g_test_run();
}

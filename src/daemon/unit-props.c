/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "i18n.h"
#include "macro.h"
#include "unit-props.h"

static int append_bool(sd_bus_message *m, const char *name, bool v) {
        return sd_bus_message_append(m, "(sv)", name, "b", (int) v);
}

static int append_string(sd_bus_message *m, const char *name, const char *v) {
        return sd_bus_message_append(m, "(sv)", name, "s", v);
}

static int append_u64(sd_bus_message *m, const char *name, uint64_t v) {
        return sd_bus_message_append(m, "(sv)", name, "t", v);
}

static int append_strv(sd_bus_message *m, const char *name, char *const *v) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) v);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* LoadCredential a(ss): each "ID:PATH" as (ID, PATH). */
static int append_load_credentials(sd_bus_message *m, char *const *v) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "LoadCredential");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a(ss)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(ss)");
        for (char *const *e = v; r >= 0 && *e; e++) {
                const char *colon = strchr(*e, ':');
                g_autofree char *id = NULL;

                if (!colon)
                        return -EINVAL;
                id = g_strndup(*e, (size_t) (colon - *e));
                r = sd_bus_message_append(m, "(ss)", id, colon + 1);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/*
 * ExecStartEx a(sasas): one command, its path, its whole argv, and the flag
 * "no-env-expand".  Without it systemd expands $VAR, ${VAR} and whole-word
 * $VAR (splitting it into several arguments) in every argv element at exec
 * time: a parameter value "$EVIL" would stop being one literal argument.
 * The argv reaches execve() exactly as sluice built it.
 */
static int append_exec_start(sd_bus_message *m, char *const *argv) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "ExecStartEx");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a(sasas)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sasas)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sasas");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) argv);
        if (r >= 0)
                r = sd_bus_message_append(m, "as", 1, "no-env-expand");
        for (int i = 0; r >= 0 && i < 4; i++)
                r = sd_bus_message_close_container(m);
        return r;
}

static int append_log_extra_fields(sd_bus_message *m, char *const *fields) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "LogExtraFields");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "aay");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "ay");
        for (char *const *f = fields; r >= 0 && *f; f++)
                r = sd_bus_message_append_array(m, 'y', *f, strlen(*f));
        for (int i = 0; r >= 0 && i < 3; i++)
                r = sd_bus_message_close_container(m);
        return r;
}

/* The Sandbox= presets, as sluice-config.h describes them. */
static int append_sandbox(sd_bus_message *m, const ClassConfig *cls) {
        static const char *const basic_bools[] = {
                "NoNewPrivileges", "PrivateTmp", "ProtectKernelTunables", "ProtectKernelModules",
                "ProtectKernelLogs", "ProtectControlGroups", "RestrictSUIDSGID", "LockPersonality",
                "RestrictRealtime",
        };
        static const char *const strict_bools[] = {
                "PrivateDevices", "ProtectClock", "ProtectHostname",
        };
        static char *const native[] = { (char *) "native", NULL };
        bool strict = cls->sandbox == SANDBOX_STRICT;
        int r = 0;

        if (cls->sandbox == SANDBOX_NONE) {
                if (cls->read_write_paths && cls->read_write_paths[0])
                        r = append_strv(m, "ReadWritePaths", cls->read_write_paths);
                return r;
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(basic_bools); i++)
                r = append_bool(m, basic_bools[i], true);
        if (r >= 0)
                r = append_string(m, "ProtectSystem", strict ? "strict" : "full");
        if (r >= 0)
                r = append_string(m, "ProtectHome", strict ? "yes" : "read-only");
        if (strict) {
                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(strict_bools); i++)
                        r = append_bool(m, strict_bools[i], true);
                /* RestrictNamespaces=yes travels as the set of namespaces allowed: none. */
                if (r >= 0)
                        r = append_u64(m, "RestrictNamespaces", 0);
                if (r >= 0)
                        r = append_strv(m, "SystemCallArchitectures", native);
        }
        if (r >= 0 && cls->read_write_paths && cls->read_write_paths[0])
                r = append_strv(m, "ReadWritePaths", cls->read_write_paths);
        return r;
}

/**
 * unit_props_append() - the properties of a command job's transient unit
 * @msg: a StartTransientUnit call, positioned at its a(sv) argument
 * @job: the job (argv, environment, parameters, ...)
 * @cls: its class, or NULL when the class vanished (then only the job's own settings)
 *
 * Appends the whole a(sv) array, container included.
 *
 * Return: 0 or a negative errno (-EINVAL when there is no command to run).
 */
int unit_props_append(sd_bus_message *msg, const Job *job, const ClassConfig *cls) {
        g_auto(GStrv) fields = unit_record_fields(job);
        g_autofree char *description = NULL;
        char *const *argv = job->argv ? job->argv : (cls ? cls->exec_start : NULL);
        int r;

        if (!argv || !argv[0] || argv[0][0] == '\0')
                return -EINVAL;

        description = job->description && job->description[0]
                ? g_strdup(job->description)
                : g_strdup_printf("sluice job %" PRIu64 " (%s)", job->id, job->class_name);

        r = sd_bus_message_open_container(msg, 'a', "(sv)");
        if (r >= 0)
                r = append_string(msg, "Description", description);
        if (r >= 0)
                r = append_string(msg, "Slice", SLUICE_SLICE);
        if (r >= 0)
                r = append_string(msg, "Type", "exec");
        if (r >= 0)
                r = append_exec_start(msg, argv);
        if (r >= 0)
                r = append_bool(msg, "AddRef", true);
        if (r >= 0)
                r = append_string(msg, "CollectMode", "inactive-or-failed");
        if (r >= 0)
                r = append_log_extra_fields(msg, fields);
        if (r >= 0 && job->environment && job->environment[0])
                r = append_strv(msg, "Environment", job->environment);
        if (r >= 0 && cls) {
                if (r >= 0 && cls->user)
                        r = append_string(msg, "User", cls->user);
                if (r >= 0 && cls->group)
                        r = append_string(msg, "Group", cls->group);
                if (r >= 0 && cls->dynamic_user)
                        r = append_bool(msg, "DynamicUser", true);
                if (r >= 0 && cls->working_directory)
                        r = append_string(msg, "WorkingDirectory", cls->working_directory);
                if (r >= 0 && !job->environment && cls->environment && cls->environment[0])
                        r = append_strv(msg, "Environment", cls->environment);
                if (r >= 0 && cls->load_credentials && cls->load_credentials[0])
                        r = append_load_credentials(msg, cls->load_credentials);
                if (r >= 0 && cls->cpu_weight > 0)
                        r = append_u64(msg, "CPUWeight", cls->cpu_weight);
                if (r >= 0 && cls->io_weight > 0)
                        r = append_u64(msg, "IOWeight", cls->io_weight);
                if (r >= 0 && cls->memory_max > 0)
                        r = append_u64(msg, "MemoryMax", cls->memory_max);
                if (r >= 0 && cls->tasks_max > 0)
                        r = append_u64(msg, "TasksMax", cls->tasks_max);
                if (r >= 0 && cls->runtime_max_usec > 0)
                        r = append_u64(msg, "RuntimeMaxUSec", cls->runtime_max_usec);
                if (r >= 0)
                        r = append_sandbox(msg, cls);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        return r;
}

static gint compare_strings(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/**
 * unit_record_fields() - the LogExtraFields= that carry @job in its unit
 * @job: the job
 *
 * Return: "KEY=VALUE" strings, NULL-terminated (g_strfreev()).
 */
char **unit_record_fields(const Job *job) {
        g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(g_free);

        g_ptr_array_add(a, g_strdup_printf("SLUICE_JOB_ID=%" PRIu64, job->id));
        g_ptr_array_add(a, g_strdup_printf("SLUICE_CLASS=%s", job->class_name));
        g_ptr_array_add(a, g_strdup_printf("SLUICE_ATTEMPT=%" PRIu32, job->attempt ? job->attempt : 1));
        g_ptr_array_add(a, g_strdup_printf("SLUICE_SUBMITTED_AT=%" PRIu64, (uint64_t) job->submitted_at));
        g_ptr_array_add(a, g_strdup_printf("SLUICE_OWNER=%" PRIu32, job->owner));
        g_ptr_array_add(a, g_strdup_printf("SLUICE_PRIORITY=%" PRIi32, job->priority));
        if (job->parameters) {
                GHashTableIter it;
                gpointer k, v;

                g_hash_table_iter_init(&it, job->parameters);
                while (g_hash_table_iter_next(&it, &k, &v))
                        g_ptr_array_add(params, g_strdup_printf("SLUICE_PARAM=%s=%s", (char *) k, (char *) v));
                g_ptr_array_sort(params, compare_strings);
                for (guint i = 0; i < params->len; i++)
                        g_ptr_array_add(a, g_strdup(params->pdata[i]));
        }
        for (char **r = job->resources; r && *r; r++)
                g_ptr_array_add(a, g_strdup_printf("SLUICE_RESOURCE=%s", *r));
        if (job->description && job->description[0])
                g_ptr_array_add(a, g_strdup_printf("SLUICE_DESCRIPTION=%s", job->description));
        g_ptr_array_add(a, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&a), false);
}

/**
 * unit_record_clear() - free what a UnitRecord holds
 * @r: the record
 */
void unit_record_clear(UnitRecord *r) {
        g_clear_pointer(&r->class_name, g_free);
        g_clear_pointer(&r->parameters, g_hash_table_unref);
        g_clear_pointer(&r->resources, g_ptr_array_unref);
        g_clear_pointer(&r->description, g_free);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *ret) {
        guint64 v;

        if (!g_ascii_string_to_unsigned(s, 10, 0, max, &v, NULL))
                return false;
        *ret = v;
        return true;
}

/**
 * unit_record_parse() - rebuild what a unit says about its job
 * @fields: the unit's LogExtraFields strings, NULL-terminated
 * @ret: the record (cleared first; unit_record_clear() it)
 * @ret_why: on failure, what is wrong (caller frees)
 *
 * Return: true when the record names at least a job id and a class.
 */
bool unit_record_parse(char *const *fields, UnitRecord *ret, char **ret_why) {
        g_auto(UnitRecord) r = {};

        r.parameters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        r.resources = g_ptr_array_new_with_free_func(g_free);
        r.attempt = 1;

        for (char *const *f = fields; f && *f; f++) {
                const char *eq = strchr(*f, '=');
                g_autofree char *key = NULL;
                const char *value;
                uint64_t v;

                if (!eq)
                        continue;
                key = g_strndup(*f, eq - *f);
                value = eq + 1;

                if (strcmp(key, "SLUICE_JOB_ID") == 0) {
                        if (!parse_u64(value, G_MAXUINT64 - 1, &v) || v == 0) {
                                *ret_why = g_strdup_printf("SLUICE_JOB_ID: \"%s\" is not a job id", value);
                                return false;
                        }
                        r.id = v;
                } else if (strcmp(key, "SLUICE_CLASS") == 0) {
                        g_free(r.class_name);
                        r.class_name = g_strdup(value);
                } else if (strcmp(key, "SLUICE_ATTEMPT") == 0) {
                        if (!parse_u64(value, UINT32_MAX, &v) || v == 0) {
                                *ret_why = g_strdup_printf("SLUICE_ATTEMPT: \"%s\" is not an attempt number", value);
                                return false;
                        }
                        r.attempt = (uint32_t) v;
                } else if (strcmp(key, "SLUICE_SUBMITTED_AT") == 0) {
                        if (!parse_u64(value, G_MAXUINT64 - 1, &v)) {
                                *ret_why = g_strdup_printf("SLUICE_SUBMITTED_AT: \"%s\" is not a time", value);
                                return false;
                        }
                        r.submitted_at = v;
                } else if (strcmp(key, "SLUICE_OWNER") == 0) {
                        if (!parse_u64(value, UINT32_MAX, &v)) {
                                *ret_why = g_strdup_printf("SLUICE_OWNER: \"%s\" is not a uid", value);
                                return false;
                        }
                        r.owner = (uint32_t) v;
                } else if (strcmp(key, "SLUICE_PRIORITY") == 0) {
                        gint64 p;

                        if (!g_ascii_string_to_signed(value, 10, INT32_MIN, INT32_MAX, &p, NULL)) {
                                *ret_why = g_strdup_printf("SLUICE_PRIORITY: \"%s\" is not a priority", value);
                                return false;
                        }
                        r.has_priority = true;
                        r.priority = (int32_t) p;
                } else if (strcmp(key, "SLUICE_PARAM") == 0) {
                        const char *peq = strchr(value, '=');

                        if (!peq || peq == value) {
                                *ret_why = g_strdup_printf("SLUICE_PARAM: \"%s\" is not NAME=VALUE", value);
                                return false;
                        }
                        g_hash_table_replace(r.parameters, g_strndup(value, peq - value), g_strdup(peq + 1));
                } else if (strcmp(key, "SLUICE_RESOURCE") == 0)
                        g_ptr_array_add(r.resources, g_strdup(value));
                else if (strcmp(key, "SLUICE_DESCRIPTION") == 0) {
                        g_free(r.description);
                        r.description = g_strdup(value);
                }
        }
        if (r.id == 0) {
                *ret_why = g_strdup("SLUICE_JOB_ID is missing");
                return false;
        }
        if (!r.class_name || r.class_name[0] == '\0') {
                *ret_why = g_strdup("SLUICE_CLASS is missing");
                return false;
        }
        g_ptr_array_add(r.resources, NULL);
        *ret = r;
        r = (UnitRecord) {};
        return true;
}

/**
 * unit_signal_detail() - a job's ResultDetail for a process killed by a signal
 * @sig: the signal number
 * @dumped: whether it dumped core
 *
 * Command jobs (from ExecMainStatus) and leases released with ReleaseEx()'s
 * `signal` say it in the same words.
 *
 * Return: the sentence (caller frees).
 */
char *unit_signal_detail(int sig, bool dumped) {
        const char *name = sigabbrev_np(sig);

        if (dumped)
                return name ? g_strdup_printf(_("killed by signal %d (SIG%s), core dumped"), sig, name)
                            : g_strdup_printf(_("killed by signal %d, core dumped"), sig);
        return name ? g_strdup_printf(_("killed by signal %d (SIG%s)"), sig, name)
                    : g_strdup_printf(_("killed by signal %d"), sig);
}

/**
 * unit_outcome_classify() - the job's result from its unit's end
 * @o: what systemd says, and whether sluice asked for a stop
 * @ret_result: the job result
 * @ret_exit_status: exit status or signal number, -1 when none
 * @ret_detail: a sentence for ResultDetail (caller frees)
 *
 * systemd counts a Type=exec service ended by SIGTERM (or SIGHUP, SIGINT,
 * SIGPIPE) as a clean exit; a main process killed by a signal under
 * Result=success, or a stop job sluice did not ask for, is a stop from
 * outside: cancelled, never success.
 */
void unit_outcome_classify(const UnitOutcome *o, JobResult *ret_result, int32_t *ret_exit_status,
                           char **ret_detail) {
        const char *result = o->result ? o->result : "";
        bool killed = o->exec_main_code == CLD_KILLED || o->exec_main_code == CLD_DUMPED;

        *ret_exit_status = o->exec_main_code == 0 ? -1 : o->exec_main_status;

        if (o->stop_requested) {
                *ret_result = JOB_RESULT_CANCELLED;
                *ret_detail = g_strdup(_("cancelled through sluice"));
                return;
        }
        if (strcmp(result, "success") == 0) {
                if (killed || o->external_stop_job) {
                        *ret_result = JOB_RESULT_CANCELLED;
                        if (killed) {
                                g_autofree char *sig = unit_signal_detail(o->exec_main_status, false);
                                *ret_detail = g_strdup_printf(_("stopped externally, not through sluice (%s)"), sig);
                        } else
                                *ret_detail = g_strdup(_("stopped externally, not through sluice"));
                        return;
                }
                /* Result=success is also what a unit that never ran says. */
                if (o->start_job_result && strcmp(o->start_job_result, "done") != 0) {
                        if (strcmp(o->start_job_result, "canceled") == 0) {
                                *ret_result = JOB_RESULT_CANCELLED;
                                *ret_detail = g_strdup(_("stopped externally, not through sluice"));
                        } else {
                                *ret_result = JOB_RESULT_FAILED;
                                *ret_detail = g_strdup_printf(_("systemd did not start the unit (start job %s)"),
                                                              o->start_job_result);
                        }
                        return;
                }
                *ret_result = JOB_RESULT_SUCCESS;
                *ret_exit_status = 0;
                *ret_detail = NULL;
                return;
        }
        if (strcmp(result, "exit-code") == 0 && o->exec_main_code == CLD_EXITED) {
                *ret_result = JOB_RESULT_FAILED;
                *ret_detail = g_strdup_printf(_("exit status %d"), o->exec_main_status);
                return;
        }
        if (strcmp(result, "signal") == 0 || strcmp(result, "core-dump") == 0) {
                *ret_result = JOB_RESULT_FAILED;
                *ret_detail = unit_signal_detail(o->exec_main_status, o->exec_main_code == CLD_DUMPED ||
                                                                 strcmp(result, "core-dump") == 0);
                return;
        }
        if (strcmp(result, "timeout") == 0) {
                *ret_result = JOB_RESULT_TIMEOUT;
                *ret_detail = g_strdup(_("runtime exceeded RuntimeMaxSec"));
                return;
        }
        if (strcmp(result, "oom-kill") == 0) {
                *ret_result = JOB_RESULT_FAILED;
                *ret_detail = g_strdup(_("out of memory"));
                return;
        }
        *ret_result = JOB_RESULT_FAILED;
        if (o->exec_main_code == CLD_EXITED)
                *ret_detail = g_strdup_printf(_("unit result %s, exit status %d"),
                                              result[0] ? result : "unknown", o->exec_main_status);
        else
                *ret_detail = g_strdup_printf(_("unit result %s"), result[0] ? result : "unknown");
}

/* ---- what PID 1 says about a unit: PropertiesChanged and GetAll, parsed ---- */

static int read_id128(sd_bus_message *msg, char **ret) {
        const void *p;
        size_t n;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "ay");
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(msg, 'y', &p, &n);
        if (r < 0)
                return r;
        g_free(*ret);
        *ret = NULL;
        if (n == 16) {
                GString *s = g_string_sized_new(33);

                for (size_t i = 0; i < n; i++)
                        g_string_append_printf(s, "%02x", ((const uint8_t *) p)[i]);
                /* All zero: no invocation yet. */
                if (strspn(s->str, "0") == s->len)
                        g_string_free(s, true);
                else
                        *ret = g_string_free(s, false);
        }
        return sd_bus_message_exit_container(msg);
}

static int read_aay(sd_bus_message *msg, char ***ret) {
        g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
        const void *p;
        size_t n;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "aay");
        if (r >= 0)
                r = sd_bus_message_enter_container(msg, 'a', "ay");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read_array(msg, 'y', &p, &n)) > 0)
                g_ptr_array_add(a, g_strndup(p, n));
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        g_ptr_array_add(a, NULL);
        g_strfreev(*ret);
        *ret = (char **) g_ptr_array_free(g_steal_pointer(&a), false);
        return 0;
}

/* ExecStart a(sasbttttuii): the argv of the first command. */
static int read_exec_argv(sd_bus_message *msg, char ***ret) {
        bool first = true;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "a(sasbttttuii)");
        if (r >= 0)
                r = sd_bus_message_enter_container(msg, 'a', "(sasbttttuii)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'r', "sasbttttuii")) > 0) {
                char **argv = NULL;
                const char *path;

                r = sd_bus_message_read(msg, "s", &path);
                if (r >= 0)
                        r = sd_bus_message_read_strv(msg, &argv);
                if (r >= 0)
                        r = sd_bus_message_skip(msg, "bttttuii");
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
                if (r >= 0 && first) {
                        /* sd-bus allocates with malloc(), which g_free() matches (GLib >= 2.46). */
                        g_strfreev(*ret);
                        *ret = TAKE_PTR(argv);
                        first = false;
                }
                g_strfreev(argv);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        return r;
}

static int read_string(sd_bus_message *msg, char **ret) {
        const char *s;
        int r = sd_bus_message_read(msg, "v", "s", &s);

        if (r >= 0) {
                g_free(*ret);
                *ret = g_strdup(s);
        }
        return r;
}

/**
 * unit_changes_clear() - free what a UnitChanges holds
 * @c: the changes
 */
void unit_changes_clear(UnitChanges *c) {
        g_free(c->active_state);
        g_free(c->job_path);
        g_free(c->invocation_id);
        g_free(c->description);
        g_free(c->result);
        g_strfreev(c->extra_fields);
        g_strfreev(c->exec_argv);
        *c = (UnitChanges) {};
}

static int parse_one(sd_bus_message *msg, const char *name, UnitChanges *c) {
        if (strcmp(name, "ActiveState") == 0)
                return read_string(msg, &c->active_state);
        if (strcmp(name, "LoadState") == 0) {
                g_autofree char *load = NULL;
                int r = read_string(msg, &load);

                if (r >= 0 && load && strcmp(load, "not-found") == 0)
                        c->not_found = true;
                return r;
        }
        if (strcmp(name, "Job") == 0) {
                const char *path;
                int r = sd_bus_message_read(msg, "v", "(uo)", &c->job_id, &path);

                if (r >= 0) {
                        c->has_job = true;
                        g_free(c->job_path);
                        c->job_path = g_strdup(path);
                }
                return r;
        }
        if (strcmp(name, "InvocationID") == 0) {
                c->has_invocation_id = true;
                return read_id128(msg, &c->invocation_id);
        }
        if (strcmp(name, "Description") == 0)
                return read_string(msg, &c->description);
        if (strcmp(name, "ActiveEnterTimestamp") == 0) {
                c->has_active_enter_timestamp = true;
                return sd_bus_message_read(msg, "v", "t", &c->active_enter_timestamp);
        }
        if (strcmp(name, "ExecMainStartTimestamp") == 0) {
                c->has_exec_main_start_timestamp = true;
                return sd_bus_message_read(msg, "v", "t", &c->exec_main_start_timestamp);
        }
        if (strcmp(name, "Result") == 0) {
                c->has_result = true;
                return read_string(msg, &c->result);
        }
        if (strcmp(name, "ExecMainCode") == 0) {
                c->has_exec_main_code = true;
                return sd_bus_message_read(msg, "v", "i", &c->exec_main_code);
        }
        if (strcmp(name, "ExecMainStatus") == 0) {
                c->has_exec_main_status = true;
                return sd_bus_message_read(msg, "v", "i", &c->exec_main_status);
        }
        if (strcmp(name, "LogExtraFields") == 0)
                return read_aay(msg, &c->extra_fields);
        if (strcmp(name, "ExecStart") == 0)
                return read_exec_argv(msg, &c->exec_argv);
        return sd_bus_message_skip(msg, "v");
}

/**
 * unit_changes_parse() - what a PropertiesChanged or GetAll says about a unit
 * @msg: at its a{sv}
 * @ret: filled (zeroed first; on error, with what was read before it)
 *
 * Return: 0 or a negative errno.
 */
int unit_changes_parse(sd_bus_message *msg, UnitChanges *ret) {
        int r;

        *ret = (UnitChanges) {};
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *name;

                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        return r;
                r = parse_one(msg, name, ret);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

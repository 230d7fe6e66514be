/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "config-cluster.h"
#include "config-command.h"
#include "config-model.h"
#include "config-quote.h"
#include "config-alert.h"
#include "config-schedule.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"

#define PARAMETER_PREFIX "Parameter."
#define DESCRIPTION_MAX 1024

typedef bool (*KeyParser)(void *target, const char *key, const char *value, GError **error);

typedef struct KeyDef {
        ConfigKeyInfo info;
        KeyParser parse;
        bool prefix;            /* info.name up to the "." is a prefix: Parameter.NAME */
} KeyDef;

/* ---- [Scheduler] ---- */

static bool parse_discipline(void *t, const char *key, const char *value, GError **error) {
        int d = discipline_from_string(value);

        if (d < 0) {
                g_autofree char *q = config_quote(value);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid discipline (fifo, priority or fair)"), q);
                return false;
        }
        ((SluiceConfig *) t)->discipline = (Discipline) d;
        return true;
}

static bool parse_sched_max_running(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint32(value, &((SluiceConfig *) t)->max_running, error);
}

static bool parse_max_queued_per_user(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint32(value, &((SluiceConfig *) t)->max_queued_per_user, error);
}

static bool parse_max_running_per_user(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint32(value, &((SluiceConfig *) t)->max_running_per_user, error);
}

static bool parse_strict_order(void *t, const char *key, const char *value, GError **error) {
        return config_parse_bool(value, &((SluiceConfig *) t)->strict_order, error);
}

static bool parse_aging(void *t, const char *key, const char *value, GError **error) {
        return config_parse_timespan(value, &((SluiceConfig *) t)->aging_usec, error);
}

static bool parse_fair_key(void *t, const char *key, const char *value, GError **error) {
        SluiceConfig *cfg = t;

        if (strcmp(value, "owner") == 0) {
                cfg->fair_by = FAIR_BY_OWNER;
                g_clear_pointer(&cfg->fair_resource_key, g_free);
                return true;
        }
        if (g_str_has_prefix(value, "resource:") && config_is_resource_type(value + strlen("resource:"))) {
                cfg->fair_by = FAIR_BY_RESOURCE;
                g_free(cfg->fair_resource_key);
                cfg->fair_resource_key = g_strdup(value + strlen("resource:"));
                return true;
        }

        g_autofree char *q = config_quote(value);
        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                    _("\"%s\" is not a valid fair key (owner or resource:TYPE)"), q);
        return false;
}

static bool parse_keep_finished(void *t, const char *key, const char *value, GError **error) {
        return config_parse_timespan(value, &((SluiceConfig *) t)->keep_finished_usec, error);
}

static bool parse_history_max_age(void *t, const char *key, const char *value, GError **error) {
        return config_parse_timespan(value, &((SluiceConfig *) t)->history_max_age_usec, error);
}

static bool parse_history_max_jobs(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint32(value, &((SluiceConfig *) t)->history_max_jobs, error);
}

/* ---- [Class NAME] ---- */

static bool parse_kind(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;

        if (strcmp(value, "lease") == 0)
                c->kind = JOB_KIND_LEASE;
        else if (strcmp(value, "command") == 0)
                c->kind = JOB_KIND_COMMAND;
        else {
                g_autofree char *q = config_quote(value);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid kind (lease or command)"), q);
                return false;
        }
        return true;
}

static bool parse_description(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;

        if (!g_utf8_validate(value, -1, NULL) || g_utf8_strlen(value, -1) > DESCRIPTION_MAX) {
                g_autofree char *q = config_quote(value);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not valid UTF-8 text of at most %d characters"), q, DESCRIPTION_MAX);
                return false;
        }
        g_free(c->description);
        c->description = g_strdup(value);
        return true;
}

static bool parse_priority(void *t, const char *key, const char *value, GError **error) {
        return config_parse_int32_range(value, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX,
                                        &((ClassConfig *) t)->priority, error);
}

static bool parse_class_max_running(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint32(value, &((ClassConfig *) t)->max_running, error);
}

static bool parse_class_max_queued_per_user(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;

        if (!config_parse_uint32(value, &c->max_queued_per_user, error))
                return false;
        c->has_max_queued_per_user = true;
        return true;
}

static bool check_resource_template(const char *tmpl, GError **error) {
        g_autoptr(GString) plain = g_string_new(NULL);

        if (!config_template_foreach(tmpl, NULL, NULL, error))
                return false;

        /* Judge the shape with every (well-formed) placeholder replaced by a
         * plain value. */
        for (const char *p = tmpl; *p; p++) {
                if (p[0] == '%' && p[1] == '{') {
                        p = strchr(p, '}');
                        g_string_append_c(plain, 'x');
                } else
                        g_string_append_c(plain, *p);
        }
        if (!config_is_resource_key(plain->str, false)) {
                g_autofree char *q = config_quote(tmpl);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid resource (TYPE:VALUE)"), q);
                return false;
        }
        return true;
}

static bool parse_resources(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;
        g_auto(GStrv) words = config_split_words(value);

        for (size_t i = 0; words[i]; i++) {
                if (!check_resource_template(words[i], error))
                        return false;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(words[i], words[j]) == 0) {
                                g_autofree char *q = config_quote(words[i]);
                                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                            _("\"%s\" is listed twice"), q);
                                return false;
                        }
        }
        g_strfreev(c->resources);
        c->resources = g_steal_pointer(&words);
        return true;
}

static void parameter_decl_free(ParameterDecl *p) {
        if (!p)
                return;
        g_free(p->name);
        g_free(p->pattern);
        if (p->regex)
                g_regex_unref(p->regex);
        g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ParameterDecl, parameter_decl_free)

static bool parse_parameter(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;
        const char *name = key + strlen(PARAMETER_PREFIX);
        g_autoptr(GError) regex_error = NULL;
        g_autoptr(GRegex) plain = NULL;
        g_autoptr(ParameterDecl) p = NULL;
        g_autofree char *anchored = NULL;

        if (!config_is_param_name(name)) {
                g_autofree char *q = config_quote(name);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid parameter name ([A-Za-z_][A-Za-z0-9_]{0,63})"), q);
                return false;
        }

        if (!g_utf8_validate(value, -1, NULL)) {
                g_autofree char *q = config_quote(value);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid regular expression: not valid UTF-8"), q);
                return false;
        }

        /* Compile it alone first: a pattern valid on its own is balanced, so
         * wrapping it cannot change what it means. */
        plain = g_regex_new(value, 0, 0, &regex_error);
        if (plain) {
                anchored = g_strdup_printf("\\A(?:%s)\\z", value);
                p = g_new0(ParameterDecl, 1);
                p->regex = g_regex_new(anchored, 0, 0, &regex_error);
        }
        if (!p || !p->regex) {
                g_autofree char *q = config_quote(value);
                g_autofree char *why = g_utf8_make_valid(regex_error->message, -1);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid regular expression: %s"), q, why);
                return false;
        }
        p->name = g_strdup(name);
        p->pattern = g_strdup(value);
        g_ptr_array_add(c->parameters, g_steal_pointer(&p));
        return true;
}

static bool parse_max_wait(void *t, const char *key, const char *value, GError **error) {
        return config_parse_timespan(value, &((ClassConfig *) t)->max_wait_usec, error);
}

static bool parse_runtime_max(void *t, const char *key, const char *value, GError **error) {
        return config_parse_timespan(value, &((ClassConfig *) t)->runtime_max_usec, error);
}

static bool parse_exec_start(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;
        g_auto(GStrv) argv = config_split_quoted(value, CONFIG_QUOTE_RELAX_ESCAPES, error);

        if (!argv)
                return false;
        if (!argv[0]) {
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, _("no command"));
                return false;
        }
        if (argv[0][0] != '/' || strchr(argv[0], '%')) {
                g_autofree char *q = config_quote(argv[0]);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not an absolute path without placeholders"), q);
                return false;
        }
        for (size_t i = 1; argv[i]; i++) {
                /* systemd reads a lone ";" as the start of a second command: refused, not
                 * passed on as an argument that means something else there ("\;" is one). */
                if (strcmp(argv[i], ";") == 0) {
                        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                            _("\";\" would start a second command, which sluice does not run "
                                              "(write \"\\;\" for a literal semicolon)"));
                        return false;
                }
                if (strcmp(argv[i], "\\;") == 0) {
                        g_free(argv[i]);
                        argv[i] = g_strdup(";");
                }
                if (!config_template_foreach(argv[i], NULL, NULL, error))
                        return false;
        }

        g_strfreev(c->exec_start);
        c->exec_start = g_steal_pointer(&argv);
        return true;
}

/* ---- [Resource KEY] ---- */

static bool parse_resource_max_running(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint32(value, &((ResourceConfig *) t)->max_running, error);
}

static const KeyDef key_defs[] = {
        { { CONFIG_SECTION_SCHEDULER, "Discipline", "fifo" }, parse_discipline, false },
        { { CONFIG_SECTION_SCHEDULER, "MaxRunning", "4" }, parse_sched_max_running, false },
        { { CONFIG_SECTION_SCHEDULER, "MaxQueuedPerUser", "1000" }, parse_max_queued_per_user, false },
        { { CONFIG_SECTION_SCHEDULER, "MaxRunningPerUser", "0" }, parse_max_running_per_user, false },
        { { CONFIG_SECTION_SCHEDULER, "StrictOrder", "no" }, parse_strict_order, false },
        { { CONFIG_SECTION_SCHEDULER, "AgingSec", "600" }, parse_aging, false },
        { { CONFIG_SECTION_SCHEDULER, "FairKey", "owner" }, parse_fair_key, false },
        { { CONFIG_SECTION_SCHEDULER, "KeepFinishedSec", "300" }, parse_keep_finished, false },
        { { CONFIG_SECTION_SCHEDULER, "HistoryMaxAgeSec", "30d" }, parse_history_max_age, false },
        { { CONFIG_SECTION_SCHEDULER, "HistoryMaxJobs", "100000" }, parse_history_max_jobs, false },

        { { CONFIG_SECTION_CLASS, "Kind", "lease" }, parse_kind, false },
        { { CONFIG_SECTION_CLASS, "Description", "" }, parse_description, false },
        { { CONFIG_SECTION_CLASS, "Priority", "0" }, parse_priority, false },
        { { CONFIG_SECTION_CLASS, "MaxRunning", "0" }, parse_class_max_running, false },
        { { CONFIG_SECTION_CLASS, "MaxQueuedPerUser", "" }, parse_class_max_queued_per_user, false },
        { { CONFIG_SECTION_CLASS, "Resources", "" }, parse_resources, false },
        { { CONFIG_SECTION_CLASS, "Parameter.NAME", "" }, parse_parameter, true },
        { { CONFIG_SECTION_CLASS, "MaxWaitSec", "0" }, parse_max_wait, false },
        { { CONFIG_SECTION_CLASS, "RuntimeMaxSec", "0" }, parse_runtime_max, false },
        { { CONFIG_SECTION_CLASS, "ExecStart", "" }, parse_exec_start, false },
        { { CONFIG_SECTION_CLASS, "User", "" }, config_parse_user, false },
        { { CONFIG_SECTION_CLASS, "Group", "" }, config_parse_group, false },
        { { CONFIG_SECTION_CLASS, "DynamicUser", "no" }, config_parse_dynamic_user, false },
        { { CONFIG_SECTION_CLASS, "WorkingDirectory", "" }, config_parse_working_directory, false },
        { { CONFIG_SECTION_CLASS, "Environment", "" }, config_parse_environment, false },
        { { CONFIG_SECTION_CLASS, "CPUWeight", "" }, config_parse_cpu_weight, false },
        { { CONFIG_SECTION_CLASS, "IOWeight", "" }, config_parse_io_weight, false },
        { { CONFIG_SECTION_CLASS, "MemoryMax", "infinity" }, config_parse_memory_max, false },
        { { CONFIG_SECTION_CLASS, "TasksMax", "" }, config_parse_tasks_max, false },
        { { CONFIG_SECTION_CLASS, "Sandbox", "basic" }, config_parse_sandbox, false },
        { { CONFIG_SECTION_CLASS, "ReadWritePaths", "" }, config_parse_read_write_paths, false },
        { { CONFIG_SECTION_CLASS, "LoadCredential", "" }, config_parse_load_credential, false },
        { { CONFIG_SECTION_CLASS, "Retry", "0" }, config_parse_retry, false },
        { { CONFIG_SECTION_CLASS, "RetryDelaySec", "30s" }, config_parse_retry_delay, false },
        { { CONFIG_SECTION_CLASS, "RetryBackoff", "1.0" }, config_parse_retry_backoff, false },
        { { CONFIG_SECTION_CLASS, "Duplicates", "queue" }, config_parse_duplicates, false },
        { { CONFIG_SECTION_CLASS, "OnSuccess", "" }, config_parse_class_notify, false },
        { { CONFIG_SECTION_CLASS, "OnFailure", "" }, config_parse_class_notify, false },

        { { CONFIG_SECTION_RESOURCE, "MaxRunning", "0" }, parse_resource_max_running, false },
        { { CONFIG_SECTION_RESOURCE, "Scope", "host" }, config_parse_resource_scope, false },

        { { CONFIG_SECTION_SCHEDULE, "Description", "" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "Class", "" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "Parameters", "" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "OnCalendar", "" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "Priority", "" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "RandomizedDelaySec", "0" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "Persistent", "no" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "CatchUp", "once" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "CatchUpWithinSec", "0" }, config_parse_schedule_key, false },
        { { CONFIG_SECTION_SCHEDULE, "Overlap", "skip" }, config_parse_schedule_key, false },

        { { CONFIG_SECTION_ALERT, "Description", "" }, config_parse_alert_key, false },
        { { CONFIG_SECTION_ALERT, "Class", "" }, config_parse_alert_key, false },
        { { CONFIG_SECTION_ALERT, "Within", "0" }, config_parse_alert_key, false },
        { { CONFIG_SECTION_ALERT, "OnFailure", "no" }, config_parse_alert_key, false },
        { { CONFIG_SECTION_ALERT, "MaxWaitSec", "0" }, config_parse_alert_key, false },
        { { CONFIG_SECTION_ALERT, "Severity", "warning" }, config_parse_alert_key, false },
        { { CONFIG_SECTION_ALERT, "Notify", "" }, config_parse_alert_key, false },

        { { CONFIG_SECTION_CLUSTER, "Endpoints", "" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "CAFile", "" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "CertFile", "" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "KeyFile", "" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "User", "" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "PasswordFile", "" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "HostName", "" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "Prefix", "/sluice" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "LeaseTTLSec", "10" }, config_parse_cluster_key, false },
        { { CONFIG_SECTION_CLUSTER, "OnLeaseLost", "keep" }, config_parse_cluster_key, false },
};

/**
 * config_known_key() - one entry of the table of every key the parser accepts
 * @i: index, from 0
 *
 * Tests use the table to prove that data/sluiced.conf documents every key.
 *
 * Return: the entry, in documentation order, or NULL past the end.
 */
const ConfigKeyInfo *config_known_key(size_t i) {
        return i < G_N_ELEMENTS(key_defs) ? &key_defs[i].info : NULL;
}

static const KeyDef *key_lookup(ConfigSectionType type, const char *key) {
        for (size_t i = 0; i < G_N_ELEMENTS(key_defs); i++) {
                const KeyDef *d = &key_defs[i];

                if (d->info.section != type)
                        continue;
                if (d->prefix ? g_str_has_prefix(key, PARAMETER_PREFIX) : strcmp(key, d->info.name) == 0)
                        return d;
        }
        return NULL;
}

const char *config_origins_lookup(const ConfigOrigins *o, const char *group, const char *key) {
        if (!o)
                return NULL;
        if (o->map) {
                g_autofree char *k = g_strconcat(group, "\n", key ? key : "", NULL);
                const char *f = g_hash_table_lookup(o->map, k);
                if (f)
                        return f;
        }
        return o->file;
}

/* Prefix "FILE: [GROUP] KEY: " (or without FILE / KEY) to an error. */
static void prefix_error(GError **error, const char *origin_raw, const char *group, const char *key) {
        g_autofree char *g = config_quote(group), *k = key ? config_quote(key) : NULL;
        g_autofree char *origin = origin_raw ? g_utf8_make_valid(origin_raw, -1) : NULL;

        if (origin && k)
                g_prefix_error(error, "%s: [%s] %s: ", origin, g, k);
        else if (origin)
                g_prefix_error(error, "%s: [%s]: ", origin, g);
        else if (k)
                g_prefix_error(error, "[%s] %s: ", g, k);
        else
                g_prefix_error(error, "[%s]: ", g);
}

/**
 * config_section_parse() - classify a section name
 * @group: "Scheduler", "Class NAME", "Resource TYPE:VALUE|TYPE:*", "Schedule NAME" or "Alert NAME"
 * @ret_type: the kind of section
 * @ret_arg: the class name or resource key inside @group (NULL for Scheduler)
 * @origin: file name for the error (may be NULL)
 * @error: "unknown section" or what is wrong with the name
 *
 * Return: true for a valid section name.
 */
bool config_section_parse(const char *group, ConfigSectionType *ret_type, const char **ret_arg,
                          const char *origin, GError **error) {
        if (strcmp(group, "Scheduler") == 0) {
                *ret_type = CONFIG_SECTION_SCHEDULER;
                *ret_arg = NULL;
                return true;
        }
        if (strcmp(group, "Cluster") == 0) {
                *ret_type = CONFIG_SECTION_CLUSTER;
                *ret_arg = NULL;
                return true;
        }
        if (g_str_has_prefix(group, "Class ")) {
                const char *name = group + strlen("Class ");

                if (!config_is_name(name)) {
                        g_autofree char *q = config_quote(name);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" is not a valid class name ([A-Za-z0-9_.-]{1,64})"), q);
                        prefix_error(error, origin, group, NULL);
                        return false;
                }
                *ret_type = CONFIG_SECTION_CLASS;
                *ret_arg = name;
                return true;
        }
        if (g_str_has_prefix(group, "Resource ")) {
                const char *key = group + strlen("Resource ");

                if (!config_is_resource_key(key, true)) {
                        g_autofree char *q = config_quote(key);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" is not a valid resource key (TYPE:VALUE or TYPE:*)"), q);
                        prefix_error(error, origin, group, NULL);
                        return false;
                }
                *ret_type = CONFIG_SECTION_RESOURCE;
                *ret_arg = key;
                return true;
        }

        if (g_str_has_prefix(group, "Schedule ") || g_str_has_prefix(group, "Alert ")) {
                bool schedule = g_str_has_prefix(group, "Schedule ");
                const char *name = strchr(group, ' ') + 1;

                if (!config_is_name(name)) {
                        g_autofree char *q = config_quote(name);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    schedule ? _("\"%s\" is not a valid schedule name ([A-Za-z0-9_.-]{1,64})")
                                             : _("\"%s\" is not a valid alert name ([A-Za-z0-9_.-]{1,64})"), q);
                        prefix_error(error, origin, group, NULL);
                        return false;
                }
                *ret_type = schedule ? CONFIG_SECTION_SCHEDULE : CONFIG_SECTION_ALERT;
                *ret_arg = name;
                return true;
        }

        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("unknown section (expected Scheduler, Class NAME, Resource KEY, Schedule NAME, Alert NAME or Cluster)"));
        prefix_error(error, origin, group, NULL);
        return false;
}

/**
 * config_key_check() - whether a key belongs in a section
 * @type: the section's type
 * @group: the section's name, for the error
 * @key: the key name
 * @origin: file name for the error (may be NULL)
 * @error: "unknown key" or, for Parameter.NAME, what is wrong with NAME
 *
 * Return: true for a known key.
 */
bool config_key_check(ConfigSectionType type, const char *group, const char *key,
                      const char *origin, GError **error) {
        const KeyDef *d = key_lookup(type, key);

        if (d && d->prefix && !config_is_param_name(key + strlen(PARAMETER_PREFIX))) {
                g_autofree char *q = config_quote(key + strlen(PARAMETER_PREFIX));
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid parameter name ([A-Za-z_][A-Za-z0-9_]{0,63})"), q);
                prefix_error(error, origin, group, key);
                return false;
        }
        if (d)
                return true;
        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, _("unknown key"));
        prefix_error(error, origin, group, key);
        return false;
}

static ClassConfig *class_config_new(const char *name) {
        ClassConfig *c = g_new0(ClassConfig, 1);

        c->name = g_strdup(name);
        c->kind = JOB_KIND_LEASE;
        c->resources = g_new0(char *, 1);
        c->parameters = g_ptr_array_new_with_free_func((GDestroyNotify) parameter_decl_free);
        config_command_init(c);
        return c;
}

static void class_config_free(ClassConfig *c) {
        if (!c)
                return;
        g_free(c->name);
        g_free(c->description);
        g_strfreev(c->resources);
        g_ptr_array_unref(c->parameters);
        g_strfreev(c->exec_start);
        config_command_clear(c);
        g_free(c->on_success);
        g_free(c->on_failure);
        g_free(c);
}

static void resource_config_free(ResourceConfig *r) {
        if (!r)
                return;
        g_free(r->key);
        g_free(r);
}

static SluiceConfig *config_model_new(void) {
        SluiceConfig *cfg = g_new0(SluiceConfig, 1);

        cfg->ref = 1;
        cfg->discipline = DISCIPLINE_FIFO;
        cfg->max_running = 4;
        cfg->max_queued_per_user = 1000;
        cfg->strict_order = false;
        cfg->aging_usec = 600 * USEC_PER_SEC;
        cfg->fair_by = FAIR_BY_OWNER;
        cfg->keep_finished_usec = 300 * USEC_PER_SEC;
        cfg->history_max_age_usec = 30 * 24 * 3600 * USEC_PER_SEC;
        cfg->history_max_jobs = 100000;
        cfg->classes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) class_config_free);
        cfg->resources = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) resource_config_free);
        cfg->schedules = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) schedule_config_free);
        cfg->alerts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) alert_config_free);
        return cfg;
}

/**
 * config_model_free() - free a model regardless of its reference count
 * @cfg: the model (may be NULL)
 */
void config_model_free(SluiceConfig *cfg) {
        if (!cfg)
                return;
        g_hash_table_unref(cfg->classes);
        g_hash_table_unref(cfg->resources);
        g_hash_table_unref(cfg->schedules);
        g_hash_table_unref(cfg->alerts);
        cluster_config_free(cfg->cluster);
        g_free(cfg->fair_resource_key);
        if (cfg->merged)
                g_key_file_unref(cfg->merged);
        if (cfg->key_origins)
                g_hash_table_unref(cfg->key_origins);
        g_free(cfg);
}

typedef struct PlaceholderCheck {
        const ClassConfig *class;
        const char *tmpl;
} PlaceholderCheck;

static bool check_declared(const char *name, void *userdata, GError **error) {
        const PlaceholderCheck *pc = userdata;

        for (guint i = 0; i < pc->class->parameters->len; i++) {
                const ParameterDecl *p = g_ptr_array_index(pc->class->parameters, i);
                if (strcmp(p->name, name) == 0)
                        return true;
        }

        g_autofree char *qt = config_quote(pc->tmpl), *qn = config_quote(name);
        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                    _("\"%s\" uses undeclared parameter \"%s\" (declare it with Parameter.%s=REGEX)"),
                    qt, qn, qn);
        return false;
}

static bool check_placeholders(const ClassConfig *c, char **templates, GError **error) {
        for (size_t i = 0; templates && templates[i]; i++) {
                PlaceholderCheck pc = { .class = c, .tmpl = templates[i] };

                if (!config_template_foreach(templates[i], check_declared, &pc, error))
                        return false;
        }
        return true;
}

static bool key_is_set(GKeyFile *kf, const char *group, const char *key) {
        g_autofree char *value = g_key_file_get_value(kf, group, key, NULL);
        return value && value[0] != '\0';
}

/* The rules that join several keys of one class. */
static bool class_check(const ClassConfig *c, GKeyFile *kf, const char *group,
                        const ConfigOrigins *origins, GError **error) {
        const char *key = NULL;
        g_autofree char *raw = NULL;

        if (c->kind == JOB_KIND_COMMAND && !c->exec_start) {
                key = "ExecStart";
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("missing (Kind=command needs ExecStart=)"));
                prefix_error(error, config_origins_lookup(origins, group, "Kind"), group, key);
                return false;
        }
        if (c->kind == JOB_KIND_LEASE && c->exec_start)
                key = "ExecStart";
        else if (c->kind == JOB_KIND_LEASE && c->runtime_max_usec != 0)
                key = "RuntimeMaxSec";
        for (size_t i = 0; !key && c->kind == JOB_KIND_LEASE && config_command_only_keys[i]; i++)
                if (key_is_set(kf, group, config_command_only_keys[i]))
                        key = config_command_only_keys[i];
        if (key) {
                g_autofree char *q = NULL;

                raw = g_key_file_get_value(kf, group, key, NULL);
                q = config_quote(raw);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is only valid for Kind=command"), q);
                prefix_error(error, config_origins_lookup(origins, group, key), group, key);
                return false;
        }

        if (c->dynamic_user && c->user) {
                g_autofree char *q = NULL;

                raw = g_key_file_get_value(kf, group, "DynamicUser", NULL);
                q = config_quote(raw);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" conflicts with User= (a dynamic user has no fixed name; set one or the other)"), q);
                prefix_error(error, config_origins_lookup(origins, group, "DynamicUser"), group, "DynamicUser");
                return false;
        }

        if (!check_placeholders(c, c->resources, error)) {
                prefix_error(error, config_origins_lookup(origins, group, "Resources"), group, "Resources");
                return false;
        }
        if (!check_placeholders(c, c->exec_start, error)) {
                prefix_error(error, config_origins_lookup(origins, group, "ExecStart"), group, "ExecStart");
                return false;
        }
        return true;
}

/* Control characters (a tab aside) have no business in a value, and a
 * trailing CR would not survive a write and re-read of the key file. */
static bool has_control_chars(const char *s) {
        for (; *s; s++)
                if (((unsigned char) *s < 0x20 && *s != '\t') || *s == 0x7f)
                        return true;
        return false;
}

static bool build_section(void *target, ConfigSectionType type, GKeyFile *kf, const char *group,
                          const ConfigOrigins *origins, GError **error) {
        g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

        for (size_t i = 0; keys && keys[i]; i++) {
                const char *origin = config_origins_lookup(origins, group, keys[i]);
                g_autofree char *value = NULL;
                const KeyDef *d;

                if (!config_key_check(type, group, keys[i], origin, error))
                        return false;
                d = key_lookup(type, keys[i]);

                value = g_key_file_get_value(kf, group, keys[i], NULL);
                if (!value || value[0] == '\0')
                        continue;       /* empty: the default */

                if (has_control_chars(value)) {
                        g_autofree char *q = config_quote(value);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" contains a control character"), q);
                        prefix_error(error, origin, group, keys[i]);
                        return false;
                }
                if (!d->parse(target, keys[i], value, error)) {
                        prefix_error(error, origin, group, keys[i]);
                        return false;
                }
        }
        return true;
}

/* Rules that join sections: schedules, alerts and notifiers name classes. */
static bool cross_section_check(const SluiceConfig *cfg, GKeyFile *kf, const ConfigOrigins *origins,
                                GError **error) {
        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

        for (size_t i = 0; groups[i]; i++) {
                const char *group = groups[i], *arg, *key = NULL;
                ConfigSectionType type;
                bool ok = true;

                if (!config_section_parse(group, &type, &arg, NULL, NULL))
                        continue;
                if (type == CONFIG_SECTION_CLASS)
                        ok = config_class_notify_check(cfg, g_hash_table_lookup(cfg->classes, arg), &key, error);
                else if (type == CONFIG_SECTION_SCHEDULE)
                        ok = config_schedule_check(cfg, g_hash_table_lookup(cfg->schedules, arg), &key, error);
                else if (type == CONFIG_SECTION_ALERT)
                        ok = config_alert_check(cfg, g_hash_table_lookup(cfg->alerts, arg), &key, error);
                else if (type == CONFIG_SECTION_CLUSTER)
                        ok = config_cluster_check(cfg->cluster, &key, error);
                else if (type == CONFIG_SECTION_RESOURCE && !cfg->cluster &&
                         ((const ResourceConfig *) g_hash_table_lookup(cfg->resources, arg))->scope ==
                                 RESOURCE_SCOPE_CLUSTER) {
                        key = "Scope";
                        ok = false;
                        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                            _("\"cluster\" needs a [Cluster] section (the etcd fleet to count in)"));
                }
                if (!ok) {
                        prefix_error(error, config_origins_lookup(origins, group, key), group, key);
                        return false;
                }
        }
        return true;
}

/**
 * config_model_build() - build a SluiceConfig from one key file
 * @kf: the (merged) key file; referenced by the result as ->merged
 * @origins: where each key came from, for error messages
 * @mode: CONFIG_BUILD_FULL, or CONFIG_BUILD_VALUES_ONLY to check one file
 *        of several, where rules joining keys cannot be judged yet
 * @error: SLUICE_ERROR_INVALID_CONFIG naming file, section, key and value
 *
 * Return: a new model with one reference, or NULL.
 */
SluiceConfig *config_model_build(GKeyFile *kf, const ConfigOrigins *origins, ConfigBuildMode mode,
                                 GError **error) {
        g_autoptr(SluiceConfig) cfg = config_model_new();
        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

        for (size_t i = 0; groups[i]; i++) {
                const char *group = groups[i], *arg;
                ConfigSectionType type;

                if (!config_section_parse(group, &type, &arg, config_origins_lookup(origins, group, NULL), error))
                        return NULL;

                switch (type) {
                case CONFIG_SECTION_SCHEDULER:
                        if (!build_section(cfg, type, kf, group, origins, error))
                                return NULL;
                        break;

                case CONFIG_SECTION_CLASS: {
                        ClassConfig *c = class_config_new(arg);

                        g_hash_table_replace(cfg->classes, c->name, c);
                        if (!build_section(c, type, kf, group, origins, error))
                                return NULL;
                        if (mode == CONFIG_BUILD_FULL && !class_check(c, kf, group, origins, error))
                                return NULL;
                        break;
                }

                case CONFIG_SECTION_RESOURCE: {
                        ResourceConfig *r = g_new0(ResourceConfig, 1);

                        r->key = g_strdup(arg);
                        g_hash_table_replace(cfg->resources, r->key, r);
                        if (!build_section(r, type, kf, group, origins, error))
                                return NULL;
                        break;
                }

                case CONFIG_SECTION_SCHEDULE: {
                        ScheduleConfig *sc = schedule_config_new(arg);

                        g_hash_table_replace(cfg->schedules, sc->name, sc);
                        if (!build_section(sc, type, kf, group, origins, error))
                                return NULL;
                        break;
                }

                case CONFIG_SECTION_ALERT: {
                        AlertConfig *a = alert_config_new(arg);

                        g_hash_table_replace(cfg->alerts, a->name, a);
                        if (!build_section(a, type, kf, group, origins, error))
                                return NULL;
                        break;
                }

                case CONFIG_SECTION_CLUSTER:
                        if (!cfg->cluster)
                                cfg->cluster = cluster_config_new();
                        if (!build_section(cfg->cluster, type, kf, group, origins, error))
                                return NULL;
                        if (cfg->cluster->endpoints_error) {
                                g_autoptr(GError) e = g_error_new_literal(SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                                                          cfg->cluster->endpoints_error);

                                prefix_error(&e, config_origins_lookup(origins, group, "Endpoints"), group, "Endpoints");
                                g_free(cfg->cluster->endpoints_error);
                                cfg->cluster->endpoints_error = g_strdup(e->message);
                        }
                        break;

                default:
                        g_assert_not_reached();
                }
        }

        if (mode == CONFIG_BUILD_FULL && !cross_section_check(cfg, kf, origins, error))
                return NULL;

        cfg->merged = g_key_file_ref(kf);
        if (origins && origins->where)
                cfg->key_origins = g_hash_table_ref(origins->where);
        return g_steal_pointer(&cfg);
}

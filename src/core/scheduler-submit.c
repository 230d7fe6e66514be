/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Submit validation: turn a JobSpec into a Job, or refuse with a
 * SLUICE_ERROR naming the offending field.  Nothing here changes the
 * scheduler; scheduler_submit() registers the job afterwards.
 */
#include <inttypes.h>
#include <string.h>

#include "config-command.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"
#include "input-bounds.h"
#include "scheduler-private.h"

#define MAX_RESOURCE_LEN SLUICE_MAX_RESOURCE_BYTES
#define MAX_TEXT_LEN SLUICE_MAX_STRING_BYTES

static bool printable_token(const char *s) {
        for (const char *p = s; *p; p = g_utf8_next_char(p))
                if (!g_unichar_isgraph(g_utf8_get_char(p)))
                        return false;
        return true;
}

static bool check_resource(const char *r, GError **error) {
        g_autofree char *esc = g_strescape(r, NULL);

        if (!g_utf8_validate(r, -1, NULL)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("resources: \"%s\" is not valid UTF-8"), esc);
                return false;
        }
        if (strlen(r) > MAX_RESOURCE_LEN) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("resources: \"%.32s...\" is longer than %u bytes"), esc, MAX_RESOURCE_LEN);
                return false;
        }
        if (!printable_token(r)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("resources: \"%s\" contains a space or control character"), esc);
                return false;
        }
        const char *colon = strchr(r, ':');
        if (!colon || colon == r || colon[1] == '\0') {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("resources: \"%s\" is not of the form KEY:VALUE"), esc);
                return false;
        }
        return true;
}

/*
 * A new job's resource must have the documented syntax (SLUICE_RESOURCE_SYNTAX),
 * the one [Resource] sections use: "datastore:*" would read as a wildcard,
 * "datastore:../x" or 200 bytes are no resource anyone can configure a limit
 * for.  @field names where it came from.
 */
static bool check_resource_syntax(const char *r, const char *field, GError **error) {
        if (!check_resource(r, error))
                return false;
        if (!config_is_resource_key(r, false)) {
                g_autofree char *esc = g_strescape(r, NULL);

                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("%s: \"%s\" is not a valid resource (%s)"), field, esc, SLUICE_RESOURCE_SYNTAX);
                return false;
        }
        return true;
}

/* Expand %{name} placeholders of a class's Resources= template; @used gets
 * "parameters.NAME" of each placeholder (for the error naming the field). */
static char *expand_template(const ClassConfig *cc, const char *tmpl, GHashTable *params, GString *used,
                             GError **error) {
        g_autoptr(GString) out = g_string_new(NULL);
        const char *p = tmpl;

        for (;;) {
                const char *start = strstr(p, "%{");
                if (!start) {
                        g_string_append(out, p);
                        break;
                }
                const char *end = strchr(start + 2, '}');
                if (!end) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("resources: template \"%s\" of class %s has an unterminated %%{"),
                                    tmpl, cc->name);
                        return NULL;
                }
                g_autofree char *name = g_strndup(start + 2, end - start - 2);
                const char *value = g_hash_table_lookup(params, name);
                if (!value) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("resources: template \"%s\" of class %s uses undeclared parameter %s"),
                                    tmpl, cc->name, name);
                        return NULL;
                }
                g_string_append_len(out, p, start - p);
                g_string_append(out, value);
                g_string_append_printf(used, "%sparameters.%s", used->len ? ", " : "", name);
                p = end + 1;
        }
        return g_string_free(g_steal_pointer(&out), false);
}

static const ParameterDecl *find_decl(const ClassConfig *cc, const char *name) {
        for (unsigned i = 0; cc->parameters && i < cc->parameters->len; i++) {
                const ParameterDecl *d = cc->parameters->pdata[i];
                if (strcmp(d->name, name) == 0)
                        return d;
        }
        return NULL;
}

static bool whole_match(Scheduler *s, const ParameterDecl *d, const char *value) {
        /* Wrap the pattern so it must match all of the value, whatever
         * anchoring the config compiled it with ("a|ab" must accept "ab").
         * Compiled once per pattern; a failing wrap (cannot happen for a
         * pattern that compiled) rejects. */
        GRegex *re = g_hash_table_lookup(s->regex_cache, d->pattern);

        if (!re) {
                g_autofree char *wrapped = g_strdup_printf("\\A(?:%s)\\z", d->pattern);
                re = g_regex_new(wrapped, G_REGEX_OPTIMIZE, 0, NULL);
                if (!re)
                        return false;
                g_hash_table_insert(s->regex_cache, g_strdup(d->pattern), re);
        }
        return g_regex_match(re, value, 0, NULL);
}

static gint str_compare(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static GHashTable *check_parameters(Scheduler *s, const ClassConfig *cc, GHashTable *given, GError **error) {
        g_autoptr(GHashTable) params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

        if (given) {
                g_autofree gpointer *keys = g_hash_table_get_keys_as_array(given, NULL);
                guint n = g_hash_table_size(given);

                qsort(keys, n, sizeof(gpointer), str_compare);
                for (guint i = 0; i < n; i++) {
                        const char *name = keys[i], *value = g_hash_table_lookup(given, name);
                        g_autofree char *ename = g_strescape(name, NULL);
                        const ParameterDecl *d = find_decl(cc, name);

                        if (!d) {
                                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("parameters: \"%s\" is not declared by class %s"), ename, cc->name);
                                return NULL;
                        }
                        if (!value || !g_utf8_validate(value, -1, NULL) || strlen(value) > MAX_TEXT_LEN) {
                                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("parameters.%s: not valid UTF-8 or longer than %u bytes"),
                                            name, MAX_TEXT_LEN);
                                return NULL;
                        }
                        if (!whole_match(s, d, value)) {
                                g_autofree char *evalue = g_strescape(value, NULL);
                                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("parameters.%s: \"%s\" does not match %s"), name, evalue, d->pattern);
                                return NULL;
                        }
                        g_hash_table_insert(params, g_strdup(name), g_strdup(value));
                }
        }

        for (unsigned i = 0; cc->parameters && i < cc->parameters->len; i++) {
                const ParameterDecl *d = cc->parameters->pdata[i];
                if (!g_hash_table_contains(params, d->name)) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("parameters.%s: missing (required by class %s)"), d->name, cc->name);
                        return NULL;
                }
        }
        return g_steal_pointer(&params);
}

static char **build_resources(const ClassConfig *cc, const JobSpec *spec, GHashTable *params, GError **error) {
        g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);

        for (char **t = cc->resources; t && *t; t++) {
                g_autoptr(GString) used = g_string_new(NULL);
                char *r = expand_template(cc, *t, params, used, error);
                if (!r)
                        return NULL;
                g_ptr_array_add(all, r);
                if (!config_is_resource_key(r, false)) {
                        g_autofree char *esc = g_strescape(r, NULL);

                        /* The template was checked when the class loaded: a parameter made it so. */
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("%s: makes the resource \"%s\" of class %s (Resources=%s), which is not "
                                      "a valid resource (%s)"),
                                    used->len ? used->str : "resources", esc, cc->name, *t, SLUICE_RESOURCE_SYNTAX);
                        return NULL;
                }
        }
        for (size_t i = 0; spec->resources && spec->resources[i]; i++) {
                g_autofree char *field = g_strdup_printf("resources[%zu]", i);

                if (!check_resource_syntax(spec->resources[i], field, error))
                        return NULL;
                g_ptr_array_add(all, g_strdup(spec->resources[i]));
        }

        g_ptr_array_sort(all, str_compare);
        GPtrArray *out = g_ptr_array_new();
        for (unsigned i = 0; i < all->len; i++) {
                if (i > 0 && strcmp(all->pdata[i], all->pdata[i - 1]) == 0)
                        continue;
                g_ptr_array_add(out, g_strdup(all->pdata[i]));
        }
        g_ptr_array_add(out, NULL);
        return (char **) g_ptr_array_free(out, false);
}

static size_t strv_bytes(const char *const *strv) {
        size_t n = 0;

        for (const char *const *p = strv; p && *p; p++)
                n += strlen(*p) + 1;
        return n;
}

/* The extra resources a client asks for: how many. */
static bool check_resource_count(const JobSpec *spec, GError **error) {
        size_t n = spec->resources ? g_strv_length((char **) spec->resources) : 0;

        if (n > SLUICE_MAX_RESOURCES) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("resources: %zu elements are more than the limit of %u"), n, SLUICE_MAX_RESOURCES);
                return false;
        }
        return true;
}

/* A command line as it will run (raw or expanded from ExecStart=): elements and bytes. */
static bool check_argv_size(const char *const *argv, GError **error) {
        size_t n = argv ? g_strv_length((char **) argv) : 0, bytes = strv_bytes(argv);

        if (n > SLUICE_MAX_ARGV) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("argv: %zu elements are more than the limit of %u"), n, SLUICE_MAX_ARGV);
                return false;
        }
        if (bytes > SLUICE_MAX_ARGV_BYTES) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("argv: %zu bytes in all is more than the limit of %u bytes"), bytes,
                            SLUICE_MAX_ARGV_BYTES);
                return false;
        }
        return true;
}

/* A client's environment entries: each KEY=VALUE, UTF-8, no control
 * character but tab, bounded in length, count and total size. */
static bool check_environment(const char *const *env, GError **error) {
        size_t n = env ? g_strv_length((char **) env) : 0, bytes = strv_bytes(env);

        if (n > SLUICE_MAX_ENVIRONMENT) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("environment: %zu elements are more than the limit of %u"), n,
                            SLUICE_MAX_ENVIRONMENT);
                return false;
        }
        if (bytes > SLUICE_MAX_ENVIRONMENT_BYTES) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("environment: %zu bytes in all is more than the limit of %u bytes"), bytes,
                            SLUICE_MAX_ENVIRONMENT_BYTES);
                return false;
        }
        for (size_t i = 0; i < n; i++) {
                const char *e = env[i];
                unsigned char c;

                if (!config_is_env_assignment(e) || !g_utf8_validate(e, -1, NULL) || strlen(e) > MAX_TEXT_LEN) {
                        g_autofree char *esc = g_strndup(e, 64);
                        g_autofree char *esc2 = g_strescape(esc, NULL);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("environment: \"%s\" is not of the form KEY=VALUE"), esc2);
                        return false;
                }
                c = sluice_text_control_char(e);
                if (c != 0) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("environment[%zu]: contains the control character \\x%02x"), i, c);
                        return false;
                }
        }
        return true;
}

/* Free text shown in unit properties and logs. */
static bool check_description(const char *d, GError **error) {
        unsigned char c;

        if (!d)
                return true;
        if (!g_utf8_validate(d, -1, NULL) || strlen(d) > SLUICE_MAX_DESCRIPTION_BYTES) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("description: not valid UTF-8 or longer than %u bytes"),
                            SLUICE_MAX_DESCRIPTION_BYTES);
                return false;
        }
        c = sluice_text_control_char(d);
        if (c != 0) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("description: contains the control character \\x%02x"), c);
                return false;
        }
        return true;
}

static bool check_command(const ClassConfig *cc, const JobSpec *spec, GError **error) {
        if (spec->acquire && cc->kind == JOB_KIND_COMMAND) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("class: %s is a command class; Acquire needs a lease class"), cc->name);
                return false;
        }
        if (spec->argv) {
                if (cc->kind != JOB_KIND_COMMAND) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("argv: class %s is a lease class; only command classes run a command"),
                                    cc->name);
                        return false;
                }
                if (!spec->argv[0] || !spec->argv[0][0]) {
                        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("argv: must name a command"));
                        return false;
                }
                for (const char *const *a = spec->argv; *a; a++)
                        if (!g_utf8_validate(*a, -1, NULL) || strlen(*a) > MAX_TEXT_LEN) {
                                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("argv: an argument is not valid UTF-8 or longer than %u bytes"),
                                            MAX_TEXT_LEN);
                                return false;
                        }
                /* systemd runs ExecStart= without a search path: no guessing which "ls". */
                if (spec->argv[0][0] != '/') {
                        g_autofree char *esc = g_strescape(spec->argv[0], NULL);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("argv[0]: \"%s\" must be an absolute path"), esc);
                        return false;
                }
        }
        if (!check_environment(spec->environment, error))
                return false;
        if (spec->ttl_usec > 0 && cc->kind != JOB_KIND_LEASE) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("ttl-sec: class %s is a command class; only leases can be detached"), cc->name);
                return false;
        }
        return true;
}

/* The owner's queued jobs that count against [Scheduler] MaxQueuedPerUser:
 * all but those of classes with a quota of their own (a few classes at most). */
static unsigned queued_under_global_quota(Scheduler *s, uint32_t owner) {
        unsigned n = scheduler_queued_of(s, owner, NULL);
        GHashTableIter it;
        gpointer v;

        g_hash_table_iter_init(&it, s->config->classes);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
                const ClassConfig *c = v;
                if (c->has_max_queued_per_user)
                        n -= scheduler_queued_of(s, owner, c->name);
        }
        return n;
}

/*
 * MaxQueuedPerUser: a class that sets its own quota counts the owner's
 * queued jobs of that class against it; every other class counts the
 * owner's queued jobs of all classes without a quota of their own against
 * [Scheduler]'s.  The counts are kept per owner and class, so a change of
 * configuration regroups nothing: the next submission counts afresh.
 */
static bool check_quota_of(Scheduler *s, const ClassConfig *cc, uint32_t owner, GError **error) {
        if (cc->has_max_queued_per_user) {
                uint32_t max = cc->max_queued_per_user;
                unsigned n = scheduler_queued_of(s, owner, cc->name);

                if (max > 0 && n >= max) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_QUOTA_EXCEEDED,
                                    dngettext(GETTEXT_PACKAGE,
                                              "quota: user %u already has %u queued job of class %s "
                                              "([Class %s] MaxQueuedPerUser=%u)",
                                              "quota: user %u already has %u queued jobs of class %s "
                                              "([Class %s] MaxQueuedPerUser=%u)", n),
                                    owner, n, cc->name, cc->name, max);
                        return false;
                }
                return true;
        }

        uint32_t max = s->config->max_queued_per_user;
        if (max == 0)
                return true;
        unsigned n = queued_under_global_quota(s, owner);

        if (max > 0 && n >= max) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_QUOTA_EXCEEDED,
                            dngettext(GETTEXT_PACKAGE, "quota: user %u already has %u queued job (MaxQueuedPerUser=%u)",
                                      "quota: user %u already has %u queued jobs (MaxQueuedPerUser=%u)", n),
                            owner, n, max);
                return false;
        }
        return true;
}

/**
 * scheduler_build_job() - validate a JobSpec and build the job it asks for
 * @s: the scheduler (config, quota counts; only its regex cache changes)
 * @spec: what the client asked for
 * @now: the submission time
 * @check_quota: whether MaxQueuedPerUser applies (not for a re-attached job)
 * @error: SLUICE_ERROR_NO_SUCH_CLASS, _INVALID_ARGUMENT or _QUOTA_EXCEEDED
 *
 * A command job gets its argv (template or raw) and environment (class's,
 * then the spec's) here; see scheduler.h.
 *
 * Return: a new queued job without id, seq or private state; NULL on error.
 */
Job *scheduler_build_job(Scheduler *s, const JobSpec *spec, usec_t now, bool check_quota, GError **error) {
        const ClassConfig *cc = spec->class_name ? sluice_config_get_class(s->config, spec->class_name) : NULL;

        if (!cc) {
                g_autofree char *esc = g_strescape(spec->class_name ? spec->class_name : "", NULL);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_NO_SUCH_CLASS,
                            _("class: no class named \"%s\""), esc);
                return NULL;
        }
        if (!check_command(cc, spec, error))
                return NULL;

        if (spec->has_priority &&
            (spec->priority < SLUICE_PRIORITY_MIN || spec->priority > SLUICE_PRIORITY_MAX)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("priority: %" PRId32 " is out of range (%d..%d)"),
                            spec->priority, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX);
                return NULL;
        }

        g_autoptr(GHashTable) params = check_parameters(s, cc, spec->parameters, error);
        if (!params)
                return NULL;

        if (!check_resource_count(spec, error))
                return NULL;
        g_auto(GStrv) resources = build_resources(cc, spec, params, error);
        if (!resources)
                return NULL;

        if (!check_description(spec->description, error))
                return NULL;

        g_auto(GStrv) argv = NULL;
        if (cc->kind == JOB_KIND_COMMAND) {
                argv = scheduler_command_argv(cc, params, spec->argv, error);
                if (!argv)
                        return NULL;
                if (!check_argv_size((const char *const *) argv, error))
                        return NULL;
        }

        if (check_quota && !check_quota_of(s, cc, spec->owner, error))
                return NULL;

        Job *j = g_new0(Job, 1);
        j->class_name = g_strdup(cc->name);
        j->kind = cc->kind;
        j->state = JOB_STATE_QUEUED;
        j->result = JOB_RESULT_NONE;
        j->priority = spec->has_priority ? spec->priority : cc->priority;
        /* None is NULL, not an empty strv or table (~250 bytes per job at a million jobs). */
        j->resources = resources[0] ? g_steal_pointer(&resources) : NULL;
        j->parameters = g_hash_table_size(params) > 0 ? g_steal_pointer(&params) : NULL;
        j->owner = spec->owner;
        j->submitter = g_strdup(spec->submitter);
        j->description = g_strdup(spec->description);
        j->argv = g_steal_pointer(&argv);
        j->environment = scheduler_command_environment(cc, spec->environment);
        j->submitted_at = now;
        j->not_before = spec->not_before;
        j->max_wait_usec = spec->max_wait_usec ? spec->max_wait_usec : cc->max_wait_usec;
        j->ttl_usec = spec->ttl_usec;
        j->exit_status = -1;
        return j;
}

/* An environment/argv/parameter string that can travel on the bus. */
static bool bus_text_ok(const char *s) {
        return s && g_utf8_validate(s, -1, NULL) && strlen(s) <= MAX_TEXT_LEN;
}

/**
 * scheduler_build_orphan_job() - the job of a running unit whose class is gone
 * @s: the scheduler (unchanged)
 * @spec: the job as its unit remembers it; spec->class_name names no class
 * @error: SLUICE_ERROR_INVALID_ARGUMENT naming the field
 *
 * For scheduler_adopt() only: a unit outlived sluiced and the configuration
 * lost its class meanwhile.  The job is a command job (only units survive a
 * restart) with no class to check it against: parameters are taken as they
 * are (no declaration, no pattern), priority is the spec's or 0, resources
 * are the spec's.  Only what every job must be is still checked, so it can
 * travel on the bus: valid UTF-8, bounded lengths, well-formed resources,
 * argv[0] absolute, environment KEY=VALUE.
 *
 * Return: a new queued job without id, seq or private state; NULL on error.
 */
Job *scheduler_build_orphan_job(Scheduler *s, const JobSpec *spec, GError **error) {
        g_autoptr(GHashTable) params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autoptr(GPtrArray) resources = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) environment = NULL;
        g_auto(GStrv) argv = NULL;

        if (!spec->class_name || !spec->class_name[0] || !g_utf8_validate(spec->class_name, -1, NULL) ||
            strlen(spec->class_name) > MAX_RESOURCE_LEN || !printable_token(spec->class_name)) {
                g_autofree char *esc = g_strescape(spec->class_name ? spec->class_name : "", NULL);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("class: \"%s\" is not a class name"), esc);
                return NULL;
        }
        if (spec->acquire || spec->ttl_usec > 0) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("class: no class named \"%s\"; only command jobs outlive their class"),
                            spec->class_name);
                return NULL;
        }
        if (spec->has_priority &&
            (spec->priority < SLUICE_PRIORITY_MIN || spec->priority > SLUICE_PRIORITY_MAX)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("priority: %" PRId32 " is out of range (%d..%d)"),
                            spec->priority, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX);
                return NULL;
        }
        if (spec->parameters) {
                GHashTableIter it;
                gpointer k, v;

                g_hash_table_iter_init(&it, spec->parameters);
                while (g_hash_table_iter_next(&it, &k, &v)) {
                        if (!((char *) k)[0] || !bus_text_ok(k) || !bus_text_ok(v)) {
                                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("parameters: a name or value is empty, not valid UTF-8 or longer "
                                              "than %u bytes"), MAX_TEXT_LEN);
                                return NULL;
                        }
                        g_hash_table_insert(params, g_strdup(k), g_strdup(v));
                }
        }
        if (!check_resource_count(spec, error))
                return NULL;
        for (const char *const *r = spec->resources; r && *r; r++) {
                if (!check_resource(*r, error))
                        return NULL;
                g_ptr_array_add(resources, g_strdup(*r));
        }
        g_ptr_array_sort(resources, str_compare);
        for (guint i = 1; i < resources->len;)
                if (strcmp(resources->pdata[i], resources->pdata[i - 1]) == 0)
                        g_ptr_array_remove_index(resources, i);
                else
                        i++;
        g_ptr_array_add(resources, NULL);

        if (!check_description(spec->description, error))
                return NULL;
        if (spec->argv) {
                if (!spec->argv[0] || spec->argv[0][0] != '/') {
                        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("argv[0]: must be an absolute path"));
                        return NULL;
                }
                for (const char *const *a = spec->argv; *a; a++)
                        if (!bus_text_ok(*a)) {
                                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                            _("argv: an argument is not valid UTF-8 or longer than %u bytes"),
                                            MAX_TEXT_LEN);
                                return NULL;
                        }
                if (!check_argv_size(spec->argv, error))
                        return NULL;
                argv = g_strdupv((char **) spec->argv);
        }
        if (!check_environment(spec->environment, error))
                return NULL;
        for (const char *const *e = spec->environment; e && *e; e++) {
                if (!environment)
                        environment = g_ptr_array_new_with_free_func(g_free);
                g_ptr_array_add(environment, g_strdup(*e));
        }
        if (environment)
                g_ptr_array_add(environment, NULL);

        Job *j = g_new0(Job, 1);
        j->class_name = g_strdup(spec->class_name);
        j->kind = JOB_KIND_COMMAND;
        j->state = JOB_STATE_QUEUED;
        j->result = JOB_RESULT_NONE;
        j->priority = spec->has_priority ? spec->priority : 0;
        j->resources = resources->len > 1 ? (char **) g_ptr_array_free(g_steal_pointer(&resources), false) : NULL;
        j->parameters = params && g_hash_table_size(params) > 0 ? g_steal_pointer(&params) : NULL;
        j->owner = spec->owner;
        j->submitter = g_strdup(spec->submitter);
        j->description = g_strdup(spec->description);
        j->argv = g_steal_pointer(&argv);
        j->environment = environment ? (char **) g_ptr_array_free(g_steal_pointer(&environment), false) : NULL;
        j->exit_status = -1;
        (void) s;
        return j;
}

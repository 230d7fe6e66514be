/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a command job runs: its argv (the class's ExecStart= template with
 * the job's parameters substituted, or a raw argv from the client) and its
 * environment (the class's Environment= followed by the client's).
 *
 * No shell ever sees these: each template word becomes exactly one argv
 * element whatever the parameter values contain (blanks, quotes, ";", a
 * leading "-"), and argv[0] is always an absolute path.
 */
#include <string.h>

#include "config-command.h"
#include "errors.h"
#include "i18n.h"
#include "scheduler-private.h"

/* One template word with every %{name} replaced; "%" not followed by "{"
 * stays literal.  Values are appended as they are, never expanded again. */
static char *expand_word(const ClassConfig *cc, const char *tmpl, GHashTable *params, GError **error) {
        g_autoptr(GString) out = g_string_new(NULL);
        const char *p = tmpl;

        for (;;) {
                const char *start = strstr(p, "%{"), *end, *value;

                if (!start) {
                        g_string_append(out, p);
                        break;
                }
                end = strchr(start + 2, '}');
                if (!end) {
                        /* The config refuses such templates; never trust that blindly. */
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("argv: template \"%s\" of class %s has an unterminated %%{"),
                                    tmpl, cc->name);
                        return NULL;
                }
                g_autofree char *name = g_strndup(start + 2, (size_t) (end - start - 2));
                value = params ? g_hash_table_lookup(params, name) : NULL;
                if (!value) {
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                                    _("argv: template \"%s\" of class %s uses undeclared parameter %s"),
                                    tmpl, cc->name, name);
                        return NULL;
                }
                g_string_append_len(out, p, start - p);
                g_string_append(out, value);
                p = end + 1;
        }
        return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * scheduler_command_argv() - the argv a command job runs
 * @cc: the job's class (a command class)
 * @params: the job's validated parameters (may be NULL when none)
 * @raw: the client's raw argv, already validated, or NULL for the template
 * @error: SLUICE_ERROR_INVALID_ARGUMENT naming "argv"
 *
 * Return: a new NULL-terminated vector, or NULL on error.
 */
char **scheduler_command_argv(const ClassConfig *cc, GHashTable *params, const char *const *raw, GError **error) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

        if (raw)
                return g_strdupv((char **) raw);

        if (!cc->exec_start || !cc->exec_start[0] || cc->exec_start[0][0] != '/') {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("argv: class %s has no ExecStart= with an absolute path"), cc->name);
                return NULL;
        }
        /* argv[0] is the template's own absolute path, never substituted. */
        g_ptr_array_add(argv, g_strdup(cc->exec_start[0]));
        for (size_t i = 1; cc->exec_start[i]; i++) {
                char *word = expand_word(cc, cc->exec_start[i], params, error);
                if (!word)
                        return NULL;
                g_ptr_array_add(argv, word);
        }
        g_ptr_array_add(argv, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}

/**
 * scheduler_command_environment() - the environment of a job
 * @cc: the job's class
 * @given: the client's KEY=VALUE strings, already validated (may be NULL)
 *
 * The class's Environment= first, then the client's; for a KEY set by both
 * the client's value wins (it replaces the class's in place).
 *
 * Return: a new NULL-terminated vector, or NULL when it would be empty.
 */
char **scheduler_command_environment(const ClassConfig *cc, const char *const *given) {
        g_auto(GStrv) env = config_env_merge((const char *const *) cc->environment, given);

        if (!env[0])
                return NULL;
        return g_steal_pointer(&env);
}

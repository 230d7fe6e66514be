/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Schedule NAME] sections: the keys, and the rules that join them to the classes. */
#include <string.h>

#include "calendar.h"
#include "config-schedule.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"

#define DESCRIPTION_MAX 1024

static const char *const catch_up_names[_CATCH_UP_MAX] = {
        [CATCH_UP_ONCE] = "once",
        [CATCH_UP_ALL] = "all",
        [CATCH_UP_NONE] = "none",
};

static const char *const overlap_names[_OVERLAP_MAX] = {
        [OVERLAP_SKIP] = "skip",
        [OVERLAP_QUEUE] = "queue",
        [OVERLAP_REPLACE] = "replace",
};

static int lookup(const char *const *names, int n, const char *s) {
        for (int i = 0; s && i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return i;
        return -1;
}

/**
 * catch_up_policy_to_string() - the config name of a CatchUp= policy
 * @p: the policy
 *
 * Return: "once", "all" or "none"; NULL when out of range.
 */
const char *catch_up_policy_to_string(CatchUpPolicy p) {
        return (unsigned) p < _CATCH_UP_MAX ? catch_up_names[p] : NULL;
}

/**
 * catch_up_policy_from_string() - parse a CatchUp= value
 * @s: "once", "all" or "none"
 *
 * Return: the policy, -1 if unknown.
 */
int catch_up_policy_from_string(const char *s) {
        return lookup(catch_up_names, _CATCH_UP_MAX, s);
}

/**
 * overlap_policy_to_string() - the config name of an Overlap= policy
 * @p: the policy
 *
 * Return: "skip", "queue" or "replace"; NULL when out of range.
 */
const char *overlap_policy_to_string(OverlapPolicy p) {
        return (unsigned) p < _OVERLAP_MAX ? overlap_names[p] : NULL;
}

/**
 * overlap_policy_from_string() - parse an Overlap= value
 * @s: "skip", "queue" or "replace"
 *
 * Return: the policy, -1 if unknown.
 */
int overlap_policy_from_string(const char *s) {
        return lookup(overlap_names, _OVERLAP_MAX, s);
}

/**
 * schedule_config_new() - a schedule with every key at its default
 * @name: the NAME of [Schedule NAME]
 *
 * Return: the schedule; free with schedule_config_free().
 */
ScheduleConfig *schedule_config_new(const char *name) {
        ScheduleConfig *s = g_new0(ScheduleConfig, 1);

        s->name = g_strdup(name);
        s->parameters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        s->calendars = g_ptr_array_new_with_free_func((GDestroyNotify) calendar_spec_free);
        s->catch_up = CATCH_UP_ONCE;
        s->overlap = OVERLAP_SKIP;
        return s;
}

/**
 * schedule_config_free() - free a schedule
 * @s: the schedule (may be NULL)
 */
void schedule_config_free(ScheduleConfig *s) {
        if (!s)
                return;
        g_free(s->name);
        g_free(s->description);
        g_free(s->class_name);
        g_hash_table_unref(s->parameters);
        g_strfreev(s->on_calendar);
        g_ptr_array_unref(s->calendars);
        g_free(s);
}

static bool bad_value(GError **error, const char *value, const char *why) {
        g_autofree char *q = config_quote(value);

        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, "\"%s\" %s", q, why);
        return false;
}

static bool parse_parameters(ScheduleConfig *s, const char *value, GError **error) {
        g_auto(GStrv) words = config_split_words(value);
        g_autoptr(GHashTable) params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

        for (size_t i = 0; words[i]; i++) {
                const char *eq = strchr(words[i], '=');
                g_autofree char *name = eq ? g_strndup(words[i], eq - words[i]) : NULL;

                if (!eq || !config_is_param_name(name))
                        return bad_value(error, words[i],
                                         _("is not NAME=VALUE with a valid parameter name ([A-Za-z_][A-Za-z0-9_]{0,63})"));
                if (!g_utf8_validate(eq + 1, -1, NULL))
                        return bad_value(error, words[i], _("is not valid UTF-8"));
                if (g_hash_table_contains(params, name))
                        return bad_value(error, words[i], _("sets a parameter a second time"));
                g_hash_table_insert(params, g_steal_pointer(&name), g_strdup(eq + 1));
        }
        g_hash_table_unref(s->parameters);
        s->parameters = g_steal_pointer(&params);
        return true;
}

static bool parse_on_calendar(ScheduleConfig *s, const char *value, GError **error) {
        g_auto(GStrv) parts = g_strsplit(value, ";", -1);
        g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func((GDestroyNotify) calendar_spec_free);
        g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);

        for (size_t i = 0; parts[i]; i++) {
                g_autofree char *text = g_strstrip(g_strdup(parts[i]));
                g_autoptr(GError) local = NULL;
                CalendarSpec *spec;

                if (text[0] == '\0')
                        return bad_value(error, value, _("has an empty calendar event (between \";\")"));
                spec = calendar_spec_parse(text, &local);
                if (!spec) {
                        /* The message quotes the expression and says what is wrong where. */
                        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, local->message);
                        return false;
                }
                g_ptr_array_add(specs, spec);
                g_ptr_array_add(texts, g_steal_pointer(&text));
        }
        g_ptr_array_add(texts, NULL);
        g_strfreev(s->on_calendar);
        s->on_calendar = (char **) g_ptr_array_steal(texts, NULL);
        g_ptr_array_unref(s->calendars);
        s->calendars = g_steal_pointer(&specs);
        return true;
}

/**
 * config_parse_schedule_key() - one key of a [Schedule NAME] section
 * @target: the ScheduleConfig
 * @key: the key, one of the table's [Schedule] keys
 * @value: its value, not empty
 * @error: SLUICE_ERROR_INVALID_CONFIG naming the value (the caller adds file, section, key)
 *
 * Return: true when the value is valid and stored.
 */
bool config_parse_schedule_key(void *target, const char *key, const char *value, GError **error) {
        ScheduleConfig *s = target;
        int v;

        if (strcmp(key, "Description") == 0) {
                if (strlen(value) > DESCRIPTION_MAX || !g_utf8_validate(value, -1, NULL))
                        return bad_value(error, value, _("is not valid UTF-8 text of at most 1024 bytes"));
                g_free(s->description);
                s->description = g_strdup(value);
                return true;
        }
        if (strcmp(key, "Class") == 0) {
                if (!config_is_name(value))
                        return bad_value(error, value, _("is not a valid class name ([A-Za-z0-9_.-]{1,64})"));
                g_free(s->class_name);
                s->class_name = g_strdup(value);
                return true;
        }
        if (strcmp(key, "Parameters") == 0)
                return parse_parameters(s, value, error);
        if (strcmp(key, "OnCalendar") == 0)
                return parse_on_calendar(s, value, error);
        if (strcmp(key, "Priority") == 0) {
                if (!config_parse_int32_range(value, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX, &s->priority, error))
                        return false;
                s->has_priority = true;
                return true;
        }
        if (strcmp(key, "RandomizedDelaySec") == 0)
                return config_parse_timespan(value, &s->randomized_delay_usec, error);
        if (strcmp(key, "Persistent") == 0)
                return config_parse_bool(value, &s->persistent, error);
        if (strcmp(key, "CatchUp") == 0) {
                v = catch_up_policy_from_string(value);
                if (v < 0)
                        return bad_value(error, value, _("is not a catch-up policy (once, all or none)"));
                s->catch_up = v;
                return true;
        }
        if (strcmp(key, "CatchUpWithinSec") == 0)
                return config_parse_timespan(value, &s->catch_up_within_usec, error);
        if (strcmp(key, "Overlap") == 0) {
                v = overlap_policy_from_string(value);
                if (v < 0)
                        return bad_value(error, value, _("is not an overlap policy (skip, queue or replace)"));
                s->overlap = v;
                return true;
        }
        g_assert_not_reached();
}

/**
 * config_schedule_check() - the rules that join a schedule's keys to its class
 * @cfg: the whole configuration, every section read
 * @s: the schedule
 * @ret_key: on error, the key at fault
 * @error: SLUICE_ERROR_INVALID_CONFIG naming the value
 *
 * Class= is set and names a class; Parameters= gives every parameter the
 * class declares, nothing else, each matching its pattern; OnCalendar= is set.
 *
 * Return: true when the schedule is consistent.
 */
bool config_schedule_check(const SluiceConfig *cfg, const ScheduleConfig *s, const char **ret_key, GError **error) {
        const ClassConfig *c;
        GHashTableIter it;
        gpointer k, v;

        if (!s->class_name) {
                *ret_key = "Class";
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("missing (a schedule needs Class=)"));
                return false;
        }
        c = sluice_config_get_class(cfg, s->class_name);
        if (!c) {
                *ret_key = "Class";
                return bad_value(error, s->class_name, _("is not a configured class"));
        }
        if (!s->on_calendar || !s->on_calendar[0]) {
                *ret_key = "OnCalendar";
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("missing (a schedule needs at least one calendar event)"));
                return false;
        }

        *ret_key = "Parameters";
        g_hash_table_iter_init(&it, s->parameters);
        while (g_hash_table_iter_next(&it, &k, &v)) {
                const ParameterDecl *decl = NULL;

                for (guint i = 0; i < c->parameters->len && !decl; i++) {
                        const ParameterDecl *p = c->parameters->pdata[i];

                        if (strcmp(p->name, k) == 0)
                                decl = p;
                }
                if (!decl) {
                        g_autofree char *q = config_quote(k), *qc = config_quote(c->name);

                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" is not a parameter of class \"%s\""), q, qc);
                        return false;
                }
                if (!g_regex_match(decl->regex, v, 0, NULL)) {
                        g_autofree char *q = config_quote(v), *qp = config_quote(decl->pattern);

                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("%s=\"%s\" does not match the class's pattern \"%s\""), (char *) k, q, qp);
                        return false;
                }
        }
        for (guint i = 0; i < c->parameters->len; i++) {
                const ParameterDecl *p = c->parameters->pdata[i];

                if (!g_hash_table_contains(s->parameters, p->name)) {
                        g_autofree char *qc = config_quote(c->name);

                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("parameter %s of class \"%s\" is missing (give it as %s=VALUE)"),
                                    p->name, qc, p->name);
                        return false;
                }
        }
        *ret_key = NULL;
        return true;
}

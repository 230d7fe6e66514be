/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Alert NAME] sections and the notifier keys of [Class NAME] (OnSuccess=,
 * OnFailure=): value parsers and the checks that join sections. */
#include <string.h>

#include "config-alert.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"

#define ALERT_DESCRIPTION_MAX 1024

static const char *const severity_names[_ALERT_SEVERITY_MAX] = {
        [ALERT_SEVERITY_INFO] = "info",
        [ALERT_SEVERITY_WARNING] = "warning",
        [ALERT_SEVERITY_CRITICAL] = "critical",
};

/**
 * alert_severity_to_string() - the configuration and bus name of a severity
 * @s: the severity
 *
 * Return: "info", "warning" or "critical"; NULL when out of range.
 */
const char *alert_severity_to_string(AlertSeverity s) {
        return (unsigned) s < _ALERT_SEVERITY_MAX ? severity_names[s] : NULL;
}

/**
 * alert_severity_from_string() - parse a severity name
 * @s: "info", "warning" or "critical" (exact, lower case)
 *
 * Return: the AlertSeverity, or -1 if @s is none of them (or NULL).
 */
int alert_severity_from_string(const char *s) {
        for (int i = 0; s && i < _ALERT_SEVERITY_MAX; i++)
                if (strcmp(s, severity_names[i]) == 0)
                        return i;
        return -1;
}

/**
 * alert_config_new() - an [Alert NAME] section with every default
 * @name: the alert's name (copied)
 *
 * Return: the new section; never NULL.
 */
AlertConfig *alert_config_new(const char *name) {
        AlertConfig *a = g_new0(AlertConfig, 1);

        a->name = g_strdup(name);
        a->severity = ALERT_SEVERITY_WARNING;
        return a;
}

/**
 * alert_config_free() - free an [Alert NAME] section
 * @a: the section (may be NULL)
 */
void alert_config_free(AlertConfig *a) {
        if (!a)
                return;
        g_free(a->name);
        g_free(a->description);
        g_free(a->class_name);
        g_free(a->notify_class);
        g_free(a);
}

static bool parse_class_name(const char *value, char **ret, GError **error) {
        if (!config_is_name(value)) {
                g_autofree char *q = config_quote(value);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a valid class name ([A-Za-z0-9_.-]{1,64})"), q);
                return false;
        }
        g_free(*ret);
        *ret = g_strdup(value);
        return true;
}

/**
 * config_parse_alert_key() - parse one key of an [Alert NAME] section
 * @target: the AlertConfig
 * @key: Description, Class, Within, OnFailure, MaxWaitSec, Severity or Notify
 * @value: the value, never empty (empty means the default and is not parsed)
 * @error: what is wrong with @value
 *
 * Return: true when @value was valid and stored.
 */
bool config_parse_alert_key(void *target, const char *key, const char *value, GError **error) {
        AlertConfig *a = target;

        if (strcmp(key, "Description") == 0) {
                if (!g_utf8_validate(value, -1, NULL) || strlen(value) > ALERT_DESCRIPTION_MAX) {
                        g_autofree char *q = config_quote(value);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" is not valid UTF-8 text of at most %d bytes"), q,
                                    ALERT_DESCRIPTION_MAX);
                        return false;
                }
                g_free(a->description);
                a->description = g_strdup(value);
                return true;
        }
        if (strcmp(key, "Class") == 0)
                return parse_class_name(value, &a->class_name, error);
        if (strcmp(key, "Notify") == 0)
                return parse_class_name(value, &a->notify_class, error);
        if (strcmp(key, "Within") == 0)
                return config_parse_timespan(value, &a->within_usec, error);
        if (strcmp(key, "MaxWaitSec") == 0)
                return config_parse_timespan(value, &a->max_wait_usec, error);
        if (strcmp(key, "OnFailure") == 0)
                return config_parse_bool(value, &a->on_failure, error);
        if (strcmp(key, "Severity") == 0) {
                int s = alert_severity_from_string(value);

                if (s < 0) {
                        g_autofree char *q = config_quote(value);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" is not a valid severity (info, warning or critical)"), q);
                        return false;
                }
                a->severity = (AlertSeverity) s;
                return true;
        }
        g_assert_not_reached();
}

/**
 * config_parse_class_notify() - [Class NAME] OnSuccess= / OnFailure=
 * @target: the ClassConfig
 * @key: "OnSuccess" or "OnFailure"
 * @value: a class name (whether it exists is checked once every section is read)
 * @error: what is wrong with @value
 *
 * Return: true when @value was a valid class name.
 */
bool config_parse_class_notify(void *target, const char *key, const char *value, GError **error) {
        ClassConfig *c = target;

        return parse_class_name(value, strcmp(key, "OnSuccess") == 0 ? &c->on_success : &c->on_failure, error);
}

/* A notifier must be a command class that notifies nobody itself: a
 * notifier's end never starts another notifier, and the config says so. */
static bool check_notifier(const SluiceConfig *cfg, const char *name, GError **error) {
        const ClassConfig *n = g_hash_table_lookup(cfg->classes, name);
        g_autofree char *q = config_quote(name);

        if (!n) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a configured class"), q);
                return false;
        }
        if (n->kind != JOB_KIND_COMMAND) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a notifier: a notifier class needs Kind=command"), q);
                return false;
        }
        if (n->on_success || n->on_failure) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a notifier: a notifier class must not set OnSuccess= or OnFailure= itself"),
                            q);
                return false;
        }
        return true;
}

/**
 * config_alert_check() - the rules of an [Alert NAME] section that need the whole config
 * @cfg: the config, every section read
 * @a: the alert
 * @ret_key: set to the key the error is about
 * @error: what is wrong
 *
 * Class= is set and exists; at least one of Within=, OnFailure=, MaxWaitSec=
 * is on; Notify= (if set) names a command class that notifies nobody itself.
 *
 * Return: true when the section is consistent.
 */
bool config_alert_check(const SluiceConfig *cfg, const AlertConfig *a, const char **ret_key, GError **error) {
        if (!a->class_name) {
                *ret_key = "Class";
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("missing (an alert needs the class it watches)"));
                return false;
        }
        if (!g_hash_table_contains(cfg->classes, a->class_name)) {
                g_autofree char *q = config_quote(a->class_name);
                *ret_key = "Class";
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is not a configured class"), q);
                return false;
        }
        if (a->within_usec == 0 && !a->on_failure && a->max_wait_usec == 0) {
                *ret_key = "Within";
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("missing (an alert needs Within=, OnFailure=yes or MaxWaitSec=)"));
                return false;
        }
        if (a->notify_class && !check_notifier(cfg, a->notify_class, error)) {
                *ret_key = "Notify";
                return false;
        }
        return true;
}

/**
 * config_class_notify_check() - a class's OnSuccess=/OnFailure= name usable notifiers
 * @cfg: the config, every section read
 * @c: the class
 * @ret_key: set to the key the error is about
 * @error: what is wrong
 *
 * Each names an existing command class other than @c that has no
 * OnSuccess=/OnFailure= of its own (so notifiers never chain).
 *
 * Return: true when both are usable (or unset).
 */
bool config_class_notify_check(const SluiceConfig *cfg, const ClassConfig *c, const char **ret_key, GError **error) {
        const char *keys[] = { "OnSuccess", "OnFailure" };
        const char *values[] = { c->on_success, c->on_failure };

        for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
                if (!values[i])
                        continue;
                *ret_key = keys[i];
                if (strcmp(values[i], c->name) == 0) {
                        g_autofree char *q = config_quote(values[i]);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" is this class itself: a class cannot notify itself"), q);
                        return false;
                }
                if (!check_notifier(cfg, values[i], error))
                        return false;
        }
        return true;
}

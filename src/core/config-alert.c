/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Alert NAME] sections and [Class] OnSuccess=/OnFailure=.  FIRST SLICE: the
 * keys are accepted and not yet parsed (the alerts work fills this in). */
#include "config-alert.h"

AlertConfig *alert_config_new(const char *name) {
        AlertConfig *a = g_new0(AlertConfig, 1);

        a->name = g_strdup(name);
        a->severity = ALERT_SEVERITY_WARNING;
        return a;
}

void alert_config_free(AlertConfig *a) {
        if (!a)
                return;
        g_free(a->name);
        g_free(a->description);
        g_free(a->class_name);
        g_free(a->notify_class);
        g_free(a);
}

bool config_parse_alert_key(void *target, const char *key, const char *value, GError **error) {
        return true;
}

bool config_parse_class_notify(void *target, const char *key, const char *value, GError **error) {
        return true;
}

bool config_alert_check(const SluiceConfig *cfg, const AlertConfig *a, const char **ret_key, GError **error) {
        return true;
}

bool config_class_notify_check(const SluiceConfig *cfg, const ClassConfig *c, const char **ret_key, GError **error) {
        return true;
}

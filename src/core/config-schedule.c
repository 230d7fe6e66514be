/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Schedule NAME] sections.  FIRST SLICE: the keys are accepted and not yet
 * parsed (the schedules work fills this in). */
#include "config-schedule.h"

ScheduleConfig *schedule_config_new(const char *name) {
        ScheduleConfig *s = g_new0(ScheduleConfig, 1);

        s->name = g_strdup(name);
        s->parameters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        s->calendars = g_ptr_array_new();
        return s;
}

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

bool config_parse_schedule_key(void *target, const char *key, const char *value, GError **error) {
        return true;
}

bool config_schedule_check(const SluiceConfig *cfg, const ScheduleConfig *s, const char **ret_key, GError **error) {
        return true;
}

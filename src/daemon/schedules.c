/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Schedules.  FIRST SLICE: the hooks exist, no schedule fires yet. */
#include "schedules.h"
#include "errors.h"
#include "i18n.h"

struct Schedules {
        Manager *manager;
};

Schedules *schedules_new(Manager *m) {
        Schedules *s = g_new0(Schedules, 1);

        s->manager = m;
        return s;
}

void schedules_free(Schedules *s) {
        g_free(s);
}

int schedules_start(Manager *m) {
        return 0;
}

void schedules_config_changed(Manager *m) {
}

void schedules_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed) {
}

bool schedules_store_flush(Manager *m, GError **error) {
        return true;
}

int schedules_append_property(Manager *m, sd_bus_message *reply) {
        int r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ssttts)");
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

int schedules_method_trigger(Manager *m, sd_bus_message *msg, const char *name, sd_bus_error *error) {
        return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_ARGUMENT),
                                 _("name: no schedule named %s"), name);
}

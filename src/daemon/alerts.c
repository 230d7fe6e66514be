/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alerts.  FIRST SLICE: the hooks exist, no alert is raised yet. */
#include "alerts.h"

struct Alerts {
        Manager *manager;
};

Alerts *alerts_new(Manager *m) {
        Alerts *a = g_new0(Alerts, 1);

        a->manager = m;
        return a;
}

void alerts_free(Alerts *a) {
        g_free(a);
}

int alerts_start(Manager *m) {
        return 0;
}

void alerts_config_changed(Manager *m) {
}

void alerts_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed) {
}

bool alerts_store_flush(Manager *m, GError **error) {
        return true;
}

int alerts_append_property(Manager *m, sd_bus_message *reply) {
        int r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ssst)");
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

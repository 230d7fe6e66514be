/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Statistics property.  FIRST SLICE: the scheduler's counters and uptime. */
#include "metrics.h"

struct Metrics {
        int unused;
};

Metrics *metrics_new(void) {
        return g_new0(Metrics, 1);
}

void metrics_free(Metrics *mt) {
        g_free(mt);
}

void metrics_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed) {
}

int metrics_append_statistics(Manager *m, sd_bus_message *reply) {
        const SchedulerStats *st = scheduler_get_stats(m->scheduler);
        uint64_t mono = 0;
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}", "submitted", "t", st->submitted, "started", "t", st->started);
        if (r < 0)
                return r;
        for (int i = JOB_RESULT_NONE + 1; i < _JOB_RESULT_MAX; i++) {
                g_autofree char *key = g_strdup_printf("finished-%s", job_result_to_string(i));

                r = sd_bus_message_append(reply, "{sv}", key, "t", st->finished[i]);
                if (r < 0)
                        return r;
        }
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &mono);
        r = sd_bus_message_append(reply, "{sv}", "uptime-usec", "t",
                                  mono > m->start_monotonic ? mono - m->start_monotonic : 0);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Counters behind the Statistics property (metrics.c): fed by every
 * scheduler event (from inside the listener: no calls back into the
 * scheduler), read on demand.  Created in manager_new().
 */

#include <systemd/sd-bus.h>

#include "manager.h"

typedef struct Metrics Metrics;

Metrics *metrics_new(void);
void metrics_free(Metrics *mt);
void metrics_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed);

/* The whole Statistics property value: a{sv}. */
int metrics_append_statistics(Manager *m, sd_bus_message *reply);

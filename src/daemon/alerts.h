/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * [Alert NAME] and the notifier jobs of OnSuccess=/OnFailure= (alerts.c and
 * friends).
 *
 * Life cycle, driven by manager.c: alerts_new() in manager_startup() before
 * any job exists; alerts_start() once the store is restored (loads alert
 * state, arms the Within= deadlines); alerts_config_changed() after every
 * new config; alerts_free() at exit.
 *
 * alerts_job_event() sees every scheduler event (from inside the scheduler's
 * listener: it must not call back into the scheduler — e.g. a notifier job
 * is submitted from a deferred source, not from here).  alerts_store_flush()
 * runs inside the group commit's transaction.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "manager.h"

typedef struct Alerts Alerts;

Alerts *alerts_new(Manager *m);
void alerts_free(Alerts *a);
int alerts_start(Manager *m);
void alerts_config_changed(Manager *m);
void alerts_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed);
bool alerts_store_flush(Manager *m, GError **error);
/* After the transaction that carried alerts_store_flush() committed. */
void alerts_store_committed(Manager *m);

/* An alert of sluiced's own, without an [Alert] section (cluster-lease-lost):
 * signal, journal and property as a configured one; not stored, no notifier. */
void alerts_raise_system(Manager *m, const char *name, AlertSeverity severity, const char *message);
void alerts_clear_system(Manager *m, const char *name);

/* The Alerts property: a(ssst) name, severity, message, raised at — active alerts only. */
int alerts_append_property(Manager *m, sd_bus_message *reply);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * [Schedule NAME]: calendar timers that enqueue jobs (schedules.c).
 *
 * Life cycle, driven by manager.c: schedules_new() in manager_startup()
 * before any job exists; schedules_start() once the store is restored (loads
 * the last-trigger times, catches up what was missed, arms the timers);
 * schedules_config_changed() after every new config; schedules_free() at exit.
 *
 * schedules_job_event() sees every scheduler event (from inside the
 * scheduler's listener: it must not call back into the scheduler; defer
 * follow-up work).  schedules_store_flush() runs inside the group commit's
 * transaction, so a trigger time is durable together with the job it made.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "manager.h"

typedef struct Schedules Schedules;

Schedules *schedules_new(Manager *m);
void schedules_free(Schedules *s);
int schedules_start(Manager *m);
void schedules_config_changed(Manager *m);
void schedules_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed);
bool schedules_store_flush(Manager *m, GError **error);
/* After the transaction that carried schedules_store_flush() committed. */
void schedules_store_committed(Manager *m);

/* The Schedules property: a(ssttts) name, class, next elapse (0 = never
 * again), last trigger (0 = never), last job id (0 = none), last job's
 * result ("" while it runs or when unknown). */
int schedules_append_property(Manager *m, sd_bus_message *reply);

/* TriggerSchedule(s name) → (o job), after the caller passed the access check. */
int schedules_method_trigger(Manager *m, sd_bus_message *msg, const char *name, sd_bus_error *error);

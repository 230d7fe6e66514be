/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "scheduler.h"

typedef struct Manager Manager;

/*
 * The systemd executor: every command job runs in its own transient unit
 * (sluice-job-<id>.service in sluice.slice), started, watched and stopped
 * through asynchronous calls to org.freedesktop.systemd1.  The end of a job
 * comes from the unit's own state (Result, ExecMainCode, ExecMainStatus),
 * never from the worker.
 *
 * Three parts: the transport to PID 1 (pid1-calls.c: the capped call queue,
 * PID1_CALL_WINDOW calls in flight, PID1_UNIT_WINDOW units held, starts held
 * until the commit), one state machine per unit (unit-watch.c), and this
 * thin executor: the connection, the matches, PID 1 away and back, the
 * mechanics of re-attach at start-up (the policy: recovery.h), and the API
 * below.
 *
 * The connection to systemd: the daemon's own bus (the system bus, or the
 * test bus of --bus-address), never PID 1's private socket: messages on it
 * have no sender, and systemd 252 refuses AddRef=/RefUnit() from them
 * ("Failed to watch sender: Invalid argument"), which the result of a
 * finished unit needs (docs/design.md).
 *
 * One match for all PropertiesChanged under /org/freedesktop/systemd1/unit
 * (filtered by path here) rather than one per unit: the system bus allows a
 * connection 512 match rules, fewer than the units of a burst.
 *
 * systemd going away (its name vanishes on the bus: a daemon-reexec, a
 * crash) is survived: once its name is back, sluiced checks every unit it
 * tracks.
 */

typedef struct SystemdExecutor SystemdExecutor;

SystemdExecutor *systemd_executor_new(Manager *m);
void systemd_executor_free(SystemdExecutor *e);

/* Follow PID 1 on @bus (the daemon's bus; the executor takes a reference). */
int systemd_executor_connect(SystemdExecutor *e, sd_bus *bus);

/*
 * Re-attach the units a previous sluiced left running: ListUnitsByPatterns,
 * RefUnit, read; recovery.c decides what becomes of each unit and of the
 * stored jobs whose units are gone.  Runs the event loop until it is done.
 */
int systemd_executor_reattach(SystemdExecutor *e);

/* SchedulerExecutor hooks for command jobs. */
int systemd_executor_start(SystemdExecutor *e, Job *job);
int systemd_executor_stop(SystemdExecutor *e, Job *job);

/* The post step, right after the commit: send the unit starts it held. */
void systemd_executor_release_starts(SystemdExecutor *e);

/* Units tracked (tests, status). */
unsigned systemd_executor_n_units(SystemdExecutor *e);

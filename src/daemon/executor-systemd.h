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
 * The connection to systemd: the daemon's own bus (the system bus, or the
 * test bus of --bus-address), never PID 1's private socket: messages on it
 * have no sender, and systemd 252 refuses AddRef=/RefUnit() from them
 * ("Failed to watch sender: Invalid argument"), which the result of a
 * finished unit needs (docs/design.md).  At most SYSTEMD_CALL_WINDOW calls
 * await systemd's reply at any time, the rest wait in FIFO order: the system
 * bus allows a connection 128 pending replies.
 *
 * One match for all PropertiesChanged under /org/freedesktop/systemd1/unit
 * (filtered by path here) rather than one per unit: the system bus allows a
 * connection 512 match rules, fewer than the units of a burst.
 *
 * systemd going away (its name vanishes on the bus: a daemon-reexec, a
 * crash) is survived: once its name is back, sluiced checks every unit it
 * tracks.
 */

#define SYSTEMD_CALL_WINDOW 64u

/*
 * At most this many units referenced (AddRef/RefUnit) at once; further starts
 * wait.  PID 1 tracks each reference, and each start job's client, with a bus
 * match of its own, and the system bus allows PID 1, too, 512 match rules:
 * past that dbus-daemon refuses its AddMatch and PID 1 drops off the bus,
 * dropping every unit's references with it (seen here: a burst of 500 with
 * no bound, and again with 256 units held).  Calls other than starts
 * (UnrefUnit, StopUnit, GetAll) go first, so references are released promptly.
 */
#define SYSTEMD_UNIT_WINDOW 128u

typedef struct SystemdExecutor SystemdExecutor;

SystemdExecutor *systemd_executor_new(Manager *m);
void systemd_executor_free(SystemdExecutor *e);

/* Follow PID 1 on @bus (the daemon's bus; the executor takes a reference). */
int systemd_executor_connect(SystemdExecutor *e, sd_bus *bus);

/*
 * Re-attach the units a previous sluiced left running: ListUnitsByPatterns,
 * RefUnit, read, scheduler_adopt().  Runs the event loop until it is done.
 */
int systemd_executor_reattach(SystemdExecutor *e);

/* SchedulerExecutor hooks for command jobs. */
int systemd_executor_start(SystemdExecutor *e, Job *job);
int systemd_executor_stop(SystemdExecutor *e, Job *job);

/*
 * Stop requests (store.h StoreStop): systemd_executor_stop() queues one for
 * the next group commit, which writes it (systemd_executor_store_stops(),
 * inside its transaction) before the Cancel() replies it holds go out.
 */
typedef struct Store Store;
void systemd_executor_stop_requester(SystemdExecutor *e, const Job *job, bool has_uid, uint32_t uid,
                                     const char *sender);
bool systemd_executor_store_stops(SystemdExecutor *e, Store *st, GError **error);
void systemd_executor_stops_committed(SystemdExecutor *e);
unsigned systemd_executor_n_stops_pending(SystemdExecutor *e);

/* Units tracked (tests, status). */
unsigned systemd_executor_n_units(SystemdExecutor *e);

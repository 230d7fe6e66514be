/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "held-replies.h"
#include "manager.h"

/*
 * The daemon's side of the state database (store.c): opening it (with the
 * stored config overrides), and what is written once per loop iteration
 * (group commit), stop requests included.  What a restart reads back (jobs,
 * pauses, next id, leases, stop requests): recovery.h.  The
 * replies that wait for that commit: held-replies.h.
 */

int manager_open_store(Manager *m, const char *state_dir);

/* A scheduler event for @job: write it at the next commit. */
void manager_store_job_event(Manager *m, SchedEventType type, Job *job);

/*
 * Write everything that changed in this loop iteration in one transaction
 * (the post step's commit, post-step.c).  On failure (logged loudly, @error
 * set) the changes stay dirty for the next one; the held replies decide
 * what their calls get (held-replies.h).
 */
bool manager_store_commit(Manager *m, GError **error);

/* sluice asked PID 1 to stop a running command job's unit: a stop request
 * (store.h StoreStop) for the next group commit (systemd_executor_stop()). */
void manager_store_stop_requested(Manager *m, uint64_t job_id);

/* Cancel()/CancelJob() of a running command job: its caller goes into the
 * stop request the group commit writes before the held reply (no-op for
 * other jobs). */
void manager_store_stop_requester(Manager *m, const Job *job, sd_bus_message *call);

/* UpdateConfig(…, persist=true): store the section's settings, committed. */
bool manager_store_put_overrides(Manager *m, const char *section, const char *const *keys,
                                 const char *const *values, GError **error);

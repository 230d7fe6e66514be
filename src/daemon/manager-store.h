/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "manager.h"

/*
 * The daemon's side of the state database (store.c): what is loaded at
 * start, what is written once per loop iteration (group commit), and what
 * happens to the calls of an iteration whose commit failed.
 */

int manager_open_store(Manager *m, const char *state_dir);
int manager_restore_from_store(Manager *m);

/* A scheduler event for @job: write it at the next commit. */
void manager_store_job_event(Manager *m, SchedEventType type, Job *job);

/*
 * Write everything that changed in this loop iteration in one transaction.
 * Called from the post step before Submit()/Acquire() replies go out.  On
 * failure (logged loudly) the new jobs' pending calls are answered with an
 * error and those jobs are cancelled: nothing undurable is acknowledged.
 */
bool manager_store_commit(Manager *m);

/* UpdateConfig(…, persist=true): store the section's settings, committed. */
bool manager_store_put_overrides(Manager *m, const char *section, const char *const *keys,
                                 const char *const *values, GError **error);

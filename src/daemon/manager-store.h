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

/*
 * Held replies: the answer to a call that changed stored state (CancelJob,
 * Job.Cancel — of a running command job: its stop request, StoreStop —,
 * Release, ReleaseEx, Pause, Resume, Renew, SetPriority) goes
 * out only after the group commit that records the change; while commits
 * fail (disk full) it waits, like a grant, for one that works (tried again
 * every second).  A caller told "done" can crash sluiced the next instant
 * and the change stands; a caller never answered may find it undone.
 * Signals about the change go out before the commit (they report, they do
 * not acknowledge).  docs/design.md, "Durability windows".
 */
typedef struct HeldReply HeldReply;

/* Send @reply (a method return or error to @call) after the next commit
 * that works.  Takes its own references.  Return: 1 (the call is handled:
 * a method handler returns it), or a negative errno. */
int manager_reply_after_commit(Manager *m, sd_bus_message *call, sd_bus_message *reply);
/* The same with an empty method return: the void methods. */
int manager_hold_reply(Manager *m, sd_bus_message *call);
/* The commit worked: send every held reply, in the order they were held. */
void manager_send_held_replies(Manager *m);
/* @sender left the bus: nobody reads its held replies; drop them. */
void manager_forget_held_replies(Manager *m, const char *sender);
/* Shutdown, or a final commit that failed: drop them unanswered (the
 * callers see sluiced's connection close: not acknowledged). */
void manager_drop_held_replies(Manager *m);

/* Cancel()/CancelJob() of a running command job: its caller goes into the
 * stop request the group commit writes before the held reply (no-op for
 * other jobs). */
void manager_store_stop_requester(Manager *m, const Job *job, sd_bus_message *call);

/* UpdateConfig(…, persist=true): store the section's settings, committed. */
bool manager_store_put_overrides(Manager *m, const char *section, const char *const *keys,
                                 const char *const *values, GError **error);

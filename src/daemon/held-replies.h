/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "manager.h"

/*
 * Held replies: ONE queue (Manager.held_replies) of answers that go out only
 * after the group commit that records their change, sent by the post step
 * (post-step.c) in the order they were held.  Which replies wait, and what
 * a failed commit (disk full) does to each kind, is decided here and only
 * here (held-replies.c, held_reply_kinds[]; docs/design.md, "Durability
 * windows"):
 *
 *   kind       methods                                   a failed commit
 *   PREPARED   CancelJob, Job.Cancel, Release, ReleaseEx, waits for one that works
 *              Renew, SetPriority, Pause, Resume
 *   SUBMIT     Submit, TriggerSchedule (a new job)       refused (IOError), job cancelled
 *   ACQUIRE    Acquire (a new lease)                     refused (IOError), job cancelled
 *   GRANT      Acquire of a lease granted later          waits for one that works
 *
 * Every method that changes stored state answers through this queue; a
 * caller told "done" can crash sluiced the next instant and the change
 * stands.  Errors that refuse a call (nothing changed) and the errors of an
 * Acquire() whose lease ended (Cancelled, Timeout) are not held.
 * UpdateConfig(persist=true) keeps its own transaction before its reply.
 */
typedef struct HeldReply HeldReply;

/* Send @reply (a method return or error to @call) after the next commit
 * that works.  Takes its own references.  Return: 1 (the call is handled:
 * a method handler returns it). */
int manager_reply_after_commit(Manager *m, sd_bus_message *call, sd_bus_message *reply);
/* The same with an empty method return: the void methods.  Return: 1, or a
 * negative errno when the reply cannot be built. */
int manager_hold_reply(Manager *m, sd_bus_message *call);
/* Submit()/TriggerSchedule() of job @id, made in this iteration: its path,
 * after its JobNew and the commit that stores it.  Return: 1. */
int manager_hold_submit_reply(Manager *m, sd_bus_message *call, uint64_t id);
/* Acquire() of lease @id, made in this iteration (its call is in
 * JobLink.acquire_call): its path once committed and granted.  Return: 1. */
int manager_hold_acquire_reply(Manager *m, sd_bus_message *call, uint64_t id);
/* Lease @id (announced, its Acquire() still waiting) was granted: its path
 * after the commit that records the grant. */
void manager_hold_grant_reply(Manager *m, uint64_t id);

/* The commit worked: send every held reply, in the order they were held. */
void manager_send_held_replies(Manager *m);
/* The commit failed (@cause): refuse the new jobs' calls and cancel those
 * jobs; every other held reply stays for the next commit. */
void manager_refuse_held_new_jobs(Manager *m, const GError *cause);
/* @sender left the bus: nobody reads its held replies; drop them. */
void manager_forget_held_replies(Manager *m, const char *sender);
/* Shutdown, or a final commit that failed: drop them unanswered (the
 * callers see sluiced's connection close: not acknowledged). */
void manager_drop_held_replies(Manager *m);

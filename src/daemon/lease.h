/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-job.h"
#include "manager.h"

/*
 * Lease holders: one Holder per unique bus name, shared by all the holder's
 * connection-bound lease jobs.  When the holder's connection goes away every
 * queued or running lease of it ends abandoned, at once.
 *
 * Why not one sd_bus_track per holder: every track installs its own match
 * rule in the bus daemon, and the system bus allows a connection 512 match
 * rules (max_match_rules_per_connection).  Past that, sd-bus fails the
 * AddMatch of a track and closes sluiced's connection (seen here with a
 * lowered limit: sluiced exited).  Hundreds of backup clients at 00:00 are
 * exactly the load sluice is for, so sluiced watches holders with ONE match
 * on NameOwnerChanged (unique names that lost their owner) installed before
 * it owns its name, and looks the vanished name up in its holder table.
 * Ordering makes this exact: the bus routes a client's call to us before
 * the NameOwnerChanged of its disconnect, so a holder is always bound
 * before its end can be seen.
 */
struct Holder {
        Manager *manager;
        char *name;
        GHashTable *jobs;       /* set of JobLink* */
};

/* Install the one NameOwnerChanged match (before requesting the bus name). */
int lease_watch_holders(Manager *m);

void holder_free(Holder *h);

/* Bind a lease job to its holder's connection.  Returns 0 when bound, a
 * negative errno when the holder is already gone (the caller abandons it). */
int lease_bind(Manager *m, JobLink *l, const char *holder_name);
void lease_unbind(JobLink *l);

/* After a restart: is @name (a stored holder) still connected as @owner?  Synchronous. */
bool lease_holder_alive(Manager *m, const char *name, uint32_t owner);
/* Its verdict on the bus's answer (@r, @error, @uid): the seam for tests/unit/test-lease.c. */
bool lease_holder_answer_alive(Manager *m, const char *name, uint32_t owner, int r, const sd_bus_error *error,
                               uint32_t uid);

/* @name left the bus: end its queued and running leases, abandoned, at once. */
void lease_holder_vanished(Manager *m, const char *name);

/* End a queued or running lease of a vanished holder. */
void lease_abandon(Manager *m, Job *job, usec_t now);

/* The scheduler's executor: the grant of a lease; command jobs have none yet. */
extern const SchedulerExecutor lease_executor;

/* A job ended: answer its pending Acquire() with the right error. */
void lease_job_done(JobLink *l);


/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-job.h"
#include "manager.h"

/*
 * Lease holders: one sd_bus_track per holder (unique bus name), shared by
 * all the holder's connection-bound lease jobs.  When the holder's
 * connection goes away every queued or running lease of it ends abandoned.
 */
struct Holder {
        Manager *manager;
        char *name;
        sd_bus_track *track;
        GHashTable *jobs;       /* set of JobLink* */
};

void holder_free(Holder *h);

/* Bind a lease job to its holder's connection.  Returns 0 when bound, a
 * negative errno when the holder is already gone (the caller abandons it). */
int lease_bind(Manager *m, JobLink *l, const char *holder_name);
void lease_unbind(JobLink *l);

/* End a queued or running lease of a vanished holder. */
void lease_abandon(Manager *m, Job *job, usec_t now);

/* The scheduler's executor: the grant of a lease; command jobs have none yet. */
extern const SchedulerExecutor lease_executor;

/* A job ended: answer its pending Acquire() with the right error. */
void lease_job_done(JobLink *l);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

typedef struct Waiter {
        Manager *manager;
        sd_bus_message *call;   /* Wait() in progress */
        bool until_finished;    /* "finished" (else "started") */
} Waiter;

/*
 * The daemon-side companion of a Job (job->userdata): its bus object path,
 * the deferred replies waiting on it, and the holder it is bound to.  Lives
 * from SCHED_EVENT_JOB_NEW to SCHED_EVENT_JOB_REMOVED.
 */
struct JobLink {
        Manager *manager;
        uint64_t id;            /* key in manager->jobs */
        Job *job;               /* borrowed from the scheduler */
        char *path;
        bool announced;         /* InterfacesAdded sent */
        usec_t sent_started_at, sent_finished_at;       /* as last announced on the bus */
        usec_t logged_started_at;       /* the start the journal's "started" entry was written for */
        sd_bus_message *acquire_call;   /* Acquire() waiting for the grant (answered: held-replies.c) */
        GPtrArray *waiters;     /* of Waiter*, NULL until the first Wait() */
        Holder *holder;         /* bound lease holder, NULL if none */
};

JobLink *job_link_new(Manager *m, Job *job);
void job_link_free(JobLink *l);

char *job_object_path(uint64_t id);

int bus_job_register(Manager *m);

/* Scheduler events for the job, as bus emissions and deferred replies. */
void bus_job_announce(JobLink *l);
/* A job that exists before the bus name is owned: no signals (bus-job.c). */
void bus_job_announce_quietly(JobLink *l);
void bus_job_changed(JobLink *l, JobChangedMask changed);
void bus_job_removed(JobLink *l);

/* Replies to the pending Wait() calls whose condition holds now. */
void bus_job_reply_waiters(JobLink *l);

/* A unique name left the bus: drop its pending Wait() calls. */
void bus_job_forget_waiter(Manager *m, const char *unique_name);

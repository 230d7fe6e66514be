/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The state of one [Alert NAME], as pure logic: given job events and the
 * time, whether the alert is raised or cleared and when it next needs to be
 * looked at.  No clock, no I/O: the daemon (src/daemon/alerts.c) feeds it.
 *
 * An alert has up to three conditions; it is raised while at least one holds:
 *  - Within=: no job of the class succeeded in the window.  The window starts
 *    at the last success, or when the alert began watching (there was none).
 *  - OnFailure=: the class's last finished job (cancelled ones aside) did
 *    not succeed.  Cleared by the next success.
 *  - MaxWaitSec=: a queued job of the class has waited longer than the bound
 *    (since it was submitted, or since its not-before time, whichever is
 *    later).  Cleared when no queued job has.
 * Raised goes to cleared only when no condition holds any more.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice-config.h"
#include "job.h"

typedef enum {
        ALERT_COND_WITHIN  = 1u << 0,
        ALERT_COND_FAILURE = 1u << 1,
        ALERT_COND_WAIT    = 1u << 2,
} AlertCondition;

typedef enum {
        ALERT_CHANGE_NONE,
        ALERT_CHANGE_RAISED,
        ALERT_CHANGE_CLEARED,
} AlertChange;

typedef struct AlertState {
        usec_t window_start;    /* Within=: last success, or when watching began; 0 = not yet known */
        unsigned active;        /* AlertCondition bits that hold now */
        usec_t raised_at;       /* when the alert was raised; 0 while cleared */
        AlertCondition raised_by; /* the condition that raised it (its message) */
        uint64_t job_id;        /* the job behind the last change (0: none, e.g. a deadline) */
        JobResult job_result;   /* that job's result (OnFailure= messages) */
        GTree *waiting;         /* queued jobs of the class: (wait start, id) keys, owned */
        GHashTable *waiting_ids;/* uint64 id -> its key in waiting (borrowed): O(1) removal */
} AlertState;

AlertState *alert_state_new(void);
void alert_state_free(AlertState *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AlertState, alert_state_free)

/* Job events of the alert's class (the caller filters by class). */
AlertChange alert_state_job_finished(AlertState *st, const AlertConfig *cfg, const Job *job, usec_t now);
/* A job of the class is queued (again) and waits since @wait_start / is no longer queued. */
void alert_state_job_waiting(AlertState *st, uint64_t id, usec_t wait_start);
void alert_state_job_not_waiting(AlertState *st, uint64_t id);
/* Forget every waiting job (before the caller lists the queue again). */
void alert_state_clear_waiting(AlertState *st);

/* Time passed: check Within= and MaxWaitSec= against @now. */
AlertChange alert_state_tick(AlertState *st, const AlertConfig *cfg, usec_t now);
/* The next time alert_state_tick() may change something; USEC_INFINITY if none. */
usec_t alert_state_next_deadline(const AlertState *st, const AlertConfig *cfg);

/* The job's wait start as MaxWaitSec= counts it: the later of submission and not-before. */
usec_t alert_job_wait_start(const Job *job);

/* The message of a raised alert (translated, Description= first when set) or of its clear. */
char *alert_state_message(const AlertState *st, const AlertConfig *cfg);
char *alert_state_clear_message(const AlertState *st, const AlertConfig *cfg);

/* Persistence of the raised state as text ("raised within,failure", "cleared"). */
char *alert_state_to_text(const AlertState *st);
/* Restores active/raised_by (raised_at from @since); false for text it does not know. */
bool alert_state_from_text(AlertState *st, const char *text, usec_t since);

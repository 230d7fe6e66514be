/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Schedule arithmetic, pure: no clock reads, no randomness of its own.
 * The daemon (src/daemon/schedules.c) passes the time and a random value in;
 * tests/unit/test-schedule.c checks every rule here.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice-config.h"

/* CatchUp=all enqueues at most this many jobs at one start; more misses are dropped (and logged). */
#define SCHEDULE_CATCH_UP_MAX 100

/*
 * The first elapse of any of @calendars (CalendarSpec*) strictly after
 * @after.  Returns false when none elapses again.
 */
bool schedule_next_elapse(const GPtrArray *calendars, usec_t after, usec_t *ret_next);

/* What CatchUp=/CatchUpWithinSec= make of the elapses missed while sluiced was down. */
typedef struct ScheduleCatchUp {
        unsigned n_missed;      /* elapses in (last trigger, now], counted up to a bound */
        bool more;              /* there were more than could be counted */
        unsigned n_too_old;     /* of them, older than CatchUpWithinSec= (dropped) */
        unsigned n_jobs;        /* jobs to enqueue now */
        unsigned n_dropped;     /* the missed elapses that get no job (too old, or by the policy) */
        usec_t first_missed;    /* the oldest missed elapse (0 if none) */
        usec_t last_missed;     /* the newest missed elapse (0 if none) */
} ScheduleCatchUp;

/*
 * schedule_catch_up() - the missed elapses of @s between @last_trigger and @now
 *
 * Nothing is missed unless Persistent=yes and @last_trigger is known (!= 0).
 * Misses older than @now - CatchUpWithinSec are dropped; of the rest,
 * CatchUp=once makes one job, all one per miss (at most
 * SCHEDULE_CATCH_UP_MAX), none no job.
 */
ScheduleCatchUp schedule_catch_up(const ScheduleConfig *s, usec_t last_trigger, usec_t now);

/*
 * The delay to add to an elapse for RandomizedDelaySec=@max_usec, from a
 * caller-given uniformly distributed @random: in [0, @max_usec].
 */
usec_t schedule_randomized_delay(usec_t max_usec, uint64_t random);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "calendar.h"
#include "schedule.h"

/* Bound on elapses counted when looking back: a minutely schedule missed for
 * a year is 525 600 elapses; counting them all buys nothing. */
#define SCHEDULE_COUNT_MAX 10000

/**
 * schedule_next_elapse() - the earliest next elapse over several calendars
 * @calendars: of CalendarSpec*
 * @after: strictly after this (CLOCK_REALTIME usec)
 * @ret_next: the elapse
 *
 * Return: false when no calendar elapses again.
 */
bool schedule_next_elapse(const GPtrArray *calendars, usec_t after, usec_t *ret_next) {
        usec_t best = USEC_INFINITY;

        for (guint i = 0; calendars && i < calendars->len; i++) {
                usec_t next;

                if (calendar_spec_next(calendars->pdata[i], after, &next) && next < best)
                        best = next;
        }
        if (best == USEC_INFINITY)
                return false;
        *ret_next = best;
        return true;
}

/* Count the elapses in (@after, @until] into @c (first/last missed, more), at
 * most SCHEDULE_COUNT_MAX of them.  Return: how many were counted. */
static unsigned count_elapses(const ScheduleConfig *s, usec_t after, usec_t until, ScheduleCatchUp *c) {
        usec_t t = after;
        unsigned n = 0;

        while (schedule_next_elapse(s->calendars, t, &t) && t <= until) {
                if (n == SCHEDULE_COUNT_MAX) {
                        c->more = true;
                        break;
                }
                if (c->first_missed == 0)
                        c->first_missed = t;
                c->last_missed = t;
                n++;
        }
        return n;
}

/**
 * schedule_catch_up() - what to do at start about the elapses missed while down
 * @s: the schedule
 * @last_trigger: when it last triggered (0 = never: nothing to catch up)
 * @now: now
 *
 * Return: the counts; n_jobs is what to enqueue.
 */
ScheduleCatchUp schedule_catch_up(const ScheduleConfig *s, usec_t last_trigger, usec_t now) {
        ScheduleCatchUp c = {};
        usec_t oldest_kept = 0;
        unsigned kept;

        if (!s->persistent || last_trigger == 0 || last_trigger >= now)
                return c;
        if (s->catch_up_within_usec != 0 && now > s->catch_up_within_usec)
                oldest_kept = now - s->catch_up_within_usec;

        /* The too old and the kept are counted apart: with a bound on one
         * count, a long downtime would leave the recent misses uncounted. */
        if (oldest_kept > last_trigger) {
                c.n_too_old = count_elapses(s, last_trigger, oldest_kept - 1, &c);
                kept = count_elapses(s, oldest_kept - 1, now, &c);
        } else
                kept = count_elapses(s, last_trigger, now, &c);
        c.n_missed = c.n_too_old + kept;

        switch (s->catch_up) {
        case CATCH_UP_ONCE:
                c.n_jobs = kept > 0 ? 1 : 0;
                break;
        case CATCH_UP_ALL:
                c.n_jobs = MIN(kept, SCHEDULE_CATCH_UP_MAX);
                break;
        default:
                c.n_jobs = 0;
                break;
        }
        c.n_dropped = c.n_missed - c.n_jobs;
        return c;
}

/**
 * schedule_randomized_delay() - RandomizedDelaySec= from a random number
 * @max_usec: the bound (0: no delay)
 * @random: uniformly distributed over uint64_t
 *
 * Return: a delay in [0, @max_usec].
 */
usec_t schedule_randomized_delay(usec_t max_usec, uint64_t random) {
        if (max_usec == 0)
                return 0;
        if (max_usec == UINT64_MAX)
                return random;
        return random % (max_usec + 1);
}

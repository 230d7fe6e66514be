/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calendar events: the next elapse.  The search walks the fields from the
 * year down to the second, like systemd's find_next(): a field that has no
 * match left carries into the next larger one, and after every change the
 * time is normalized in the spec's zone.  A step that normalization would
 * move backwards (a time in a DST gap) is skipped, so that results agree
 * with systemd across DST transitions.
 */
#include <errno.h>

#include "calendar-private.h"
#include "calendar-search.h"

/* A safety valve against a search that does not converge (systemd's MAX_CALENDAR_ITERATIONS). */
#define MAX_ITERATIONS 1000
/* systemd's USEC_TIMESTAMP_FORMATTABLE_MAX: 9999-12-30 23:59:59 UTC */
#define TIMESTAMP_MAX ((usec_t) 253402214399999999ULL)

typedef struct Search {
        const CalendarSpec *spec;
        CalendarZoneState zone;
} Search;

/* The day @day counted from the end of the month of @tm, or -1. */
static int find_end_of_month(Search *s, const CalendarTm *tm, int day) {
        CalendarTm t = *tm;

        t.mon++;
        t.mday = 1 - day;
        calendar_zone_mktime(&s->zone, &t);
        if (t.mon != tm->mon)
                return -1;
        return t.mday;
}

/* The earliest value >= *val that the chain allows: 1 if *val changed,
 * 0 if it already matched, -ENOENT if nothing matches any more. */
static int find_matching_component(Search *s, const CalendarComponent *c, const CalendarTm *tm, int *val) {
        bool end_of_month = s->spec->end_of_month && c == s->spec->day;
        bool d_set = false;
        int d = -1, r;

        if (!c)
                return 0;
        for (; c; c = c->next) {
                int start, stop;

                if (end_of_month) {
                        start = find_end_of_month(s, tm, c->start);
                        stop = find_end_of_month(s, tm, c->stop);
                        if (stop > 0) {
                                int tmp = start;
                                start = stop;
                                stop = tmp;
                        }
                } else {
                        start = c->start;
                        stop = c->stop;
                }

                if (start >= *val) {
                        if (!d_set || start < d) {
                                d = start;
                                d_set = true;
                        }
                } else if (c->repeat > 0) {
                        gint64 k = start + (gint64) c->repeat * ((*val - start + c->repeat - 1) / c->repeat);

                        if ((!d_set || k < d) && (stop < 0 || k <= stop) && k <= G_MAXINT) {
                                d = (int) k;
                                d_set = true;
                        }
                }
        }
        if (!d_set)
                return -ENOENT;
        r = *val != d;
        *val = d;
        return r;
}

/* 1: @tm is a real time; 0: normalization moved it forward (*tm updated);
 * <0: past the last year, or normalization would go backwards. */
static int tm_within_bounds(Search *s, CalendarTm *tm) {
        CalendarTm t;
        int cmp;

        if (tm->year > CALENDAR_MAX_YEAR)
                return -ERANGE;
        t = *tm;
        calendar_zone_mktime(&s->zone, &t);

        /* If a larger field changed, the smaller ones start over: 3-33 is
         * 4-2, but 4-1 must not be skipped. */
        if ((cmp = (t.year > tm->year) - (t.year < tm->year)) != 0)
                t.mon = 0;
        else if ((cmp = (t.mon > tm->mon) - (t.mon < tm->mon)) != 0)
                t.mday = 1;
        else if ((cmp = (t.mday > tm->mday) - (t.mday < tm->mday)) != 0)
                t.hour = 0;
        else if ((cmp = (t.hour > tm->hour) - (t.hour < tm->hour)) != 0)
                t.min = 0;
        else if ((cmp = (t.min > tm->min) - (t.min < tm->min)) != 0)
                t.sec = 0;
        else
                cmp = (t.sec > tm->sec) - (t.sec < tm->sec);

        if (cmp < 0)
                return -EDEADLK;
        if (cmp > 0)
                *tm = t;
        return cmp == 0;
}

static bool matches_weekday(Search *s, const CalendarTm *tm) {
        CalendarTm t = *tm;
        int k;

        if (s->spec->weekdays_bits < 0 || s->spec->weekdays_bits >= CALENDAR_WEEKDAYS_ALL)
                return true;
        calendar_zone_mktime(&s->zone, &t);
        k = t.wday == 0 ? 6 : t.wday - 1;
        return s->spec->weekdays_bits & (1 << k);
}

static void reset_below_year(CalendarTm *c, int *usec) {
        c->mon = 0;
        c->mday = 1;
        c->hour = c->min = c->sec = *usec = 0;
}

static int find_next(Search *s, CalendarTm *tm, int *usec) {
        const CalendarSpec *spec = s->spec;
        CalendarTm c = *tm;
        int tm_usec = *usec, r;

        for (unsigned iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
                calendar_zone_mktime(&s->zone, &c);
                c.isdst = spec->dst;

                r = find_matching_component(s, spec->year, &c, &c.year);
                if (r > 0)
                        reset_below_year(&c, &tm_usec);
                if (r < 0)
                        return r;
                if (tm_within_bounds(s, &c) <= 0)
                        return -ENOENT;

                c.mon += 1;
                r = find_matching_component(s, spec->month, &c, &c.mon);
                c.mon -= 1;
                if (r > 0) {
                        c.mday = 1;
                        c.hour = c.min = c.sec = tm_usec = 0;
                }
                if (r < 0 || (r = tm_within_bounds(s, &c)) < 0) {
                        c.year++;
                        reset_below_year(&c, &tm_usec);
                        continue;
                }
                if (r == 0)
                        continue;

                r = find_matching_component(s, spec->day, &c, &c.mday);
                if (r > 0)
                        c.hour = c.min = c.sec = tm_usec = 0;
                if (r < 0 || (r = tm_within_bounds(s, &c)) < 0) {
                        c.mon++;
                        c.mday = 1;
                        c.hour = c.min = c.sec = tm_usec = 0;
                        continue;
                }
                if (r == 0)
                        continue;

                if (!matches_weekday(s, &c)) {
                        c.mday++;
                        c.hour = c.min = c.sec = tm_usec = 0;
                        continue;
                }

                r = find_matching_component(s, spec->hour, &c, &c.hour);
                if (r > 0)
                        c.min = c.sec = tm_usec = 0;
                if (r < 0 || (r = tm_within_bounds(s, &c)) < 0) {
                        c.mday++;
                        c.hour = c.min = c.sec = tm_usec = 0;
                        continue;
                }
                if (r == 0)
                        /* the hour may not exist (DST): start over from the normalized time */
                        continue;

                r = find_matching_component(s, spec->minute, &c, &c.min);
                if (r > 0)
                        c.sec = tm_usec = 0;
                if (r < 0 || (r = tm_within_bounds(s, &c)) < 0) {
                        c.hour++;
                        c.min = c.sec = tm_usec = 0;
                        continue;
                }
                if (r == 0)
                        continue;

                {
                        int us = c.sec * (int) USEC_PER_SEC + tm_usec;

                        r = find_matching_component(s, spec->microsecond, &c, &us);
                        tm_usec = us % (int) USEC_PER_SEC;
                        c.sec = us / (int) USEC_PER_SEC;
                }
                if (r < 0 || (r = tm_within_bounds(s, &c)) < 0) {
                        c.min++;
                        c.sec = tm_usec = 0;
                        continue;
                }
                if (r == 0)
                        continue;

                *tm = c;
                *usec = tm_usec;
                return 0;
        }
        return -EDEADLK;
}

/* See calendar-search.h. */
int calendar_spec_next_elapse(const CalendarSpec *spec, usec_t after, usec_t *ret_next) {
        Search s = { .spec = spec };
        CalendarTm tm;
        gint64 t;
        int usec, r;

        g_return_val_if_fail(spec, -EINVAL);

        if (after >= TIMESTAMP_MAX)
                return -EINVAL;
        s.zone.tz = spec->tz;
        s.zone.utc = spec->utc;

        after++;
        t = (gint64) (after / USEC_PER_SEC);
        usec = (int) (after % USEC_PER_SEC);
        s.zone.guess_offset = s.zone.utc ? 0 : g_time_zone_get_offset(spec->tz,
                g_time_zone_find_interval(spec->tz, G_TIME_TYPE_UNIVERSAL, t));
        calendar_zone_localtime(&s.zone, t, &tm);

        r = find_next(&s, &tm, &usec);
        if (r < 0)
                return r == -EDEADLK ? -EDEADLK : -ENOENT;
        t = calendar_zone_mktime(&s.zone, &tm);
        if (t < 0)
                return -EINVAL;
        /* An explicit standard/DST abbreviation can map the match back
         * before @after (Europe/Dublin's "GMT"); systemd reports no elapse. */
        if ((usec_t) t * USEC_PER_SEC + (usec_t) usec < after)
                return -ENOENT;
        if (ret_next)
                *ret_next = (usec_t) t * USEC_PER_SEC + (usec_t) usec;
        return 0;
}

/**
 * calendar_spec_next() - the next elapse of a calendar event
 * @spec: the event
 * @after: CLOCK_REALTIME µs; the result is strictly later
 * @ret_next: the elapse, CLOCK_REALTIME µs
 *
 * Pure: reads no clock and no environment.
 *
 * Return: false when the event never elapses after @after (or the search
 * gives up, see calendar_spec_next_elapse()).
 */
bool calendar_spec_next(const CalendarSpec *spec, usec_t after, usec_t *ret_next) {
        return calendar_spec_next_elapse(spec, after, ret_next) == 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Broken-down time in a GTimeZone with the semantics of glibc's mktime(),
 * localtime() and timegm(), which systemd's calendar code (and hence its
 * answers around DST transitions) relies on:
 *
 *  - fields out of range carry over (the 32nd of a month is the 1st or 2nd
 *    of the next);
 *  - a local time that exists twice (the repeated hour) resolves through the
 *    offset of the previous conversion (glibc's first guess), which makes an
 *    event in that hour elapse once, in the pass the search started in;
 *  - a local time that does not exist (the DST gap) moves forward by the
 *    size of the gap;
 *  - an explicit tm_isdst picks the offset of a nearby time with that flag.
 *
 * The tz database comes from GLib; no TZ environment variable is touched.
 */
#include "calendar-private.h"

#define SECONDS_PER_DAY G_GINT64_CONSTANT(86400)

static gint64 floor_div(gint64 a, gint64 b) {
        return a / b - (a % b != 0 && ((a < 0) != (b < 0)));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
static gint64 days_from_civil(gint64 y, int m, int d) {
        gint64 era, yoe, doy, doe;

        y -= m <= 2;
        era = floor_div(y, 400);
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(gint64 z, gint64 *ret_y, int *ret_m, int *ret_d) {
        gint64 era, doe, yoe, doy, mp, y;

        z += 719468;
        era = floor_div(z, 146097);
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        y = yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *ret_d = (int) (doy - (153 * mp + 2) / 5 + 1);
        *ret_m = (int) (mp < 10 ? mp + 3 : mp - 9);
        *ret_y = y + (*ret_m <= 2);
}

/* The fields read as if they were UTC, carried over: timegm() without the zone. */
static gint64 fields_to_seconds(const CalendarTm *tm) {
        gint64 months = (gint64) tm->year * 12 + tm->mon;
        gint64 y = floor_div(months, 12);
        int m = (int) (months - y * 12);

        return (days_from_civil(y, m + 1, 1) + tm->mday - 1) * SECONDS_PER_DAY +
               (gint64) tm->hour * 3600 + (gint64) tm->min * 60 + tm->sec;
}

static void seconds_to_fields(gint64 s, CalendarTm *tm) {
        gint64 days = floor_div(s, SECONDS_PER_DAY), rem = s - days * SECONDS_PER_DAY, y;
        int m, d;

        civil_from_days(days, &y, &m, &d);
        tm->year = (int) y;
        tm->mon = m - 1;
        tm->mday = d;
        tm->hour = (int) (rem / 3600);
        tm->min = (int) (rem / 60 % 60);
        tm->sec = (int) (rem % 60);
        tm->wday = (int) (((days % 7) + 11) % 7);       /* 1970-01-01 was a Thursday */
}

static gint64 offset_at(const CalendarZoneState *z, gint64 t, bool *ret_dst) {
        int interval;

        if (z->utc) {
                if (ret_dst)
                        *ret_dst = false;
                return 0;
        }
        interval = g_time_zone_find_interval(z->tz, G_TIME_TYPE_UNIVERSAL, t);
        if (ret_dst)
                *ret_dst = g_time_zone_is_dst(z->tz, interval);
        return g_time_zone_get_offset(z->tz, interval);
}

/**
 * calendar_zone_localtime() - localtime_r()/gmtime_r() in a zone
 * @z: the zone
 * @t: seconds since the epoch
 * @ret: the fields, wday and isdst included
 */
void calendar_zone_localtime(const CalendarZoneState *z, gint64 t, CalendarTm *ret) {
        bool dst;
        gint64 offset = offset_at(z, t, &dst);

        seconds_to_fields(t + offset, ret);
        ret->isdst = dst;
}

/**
 * calendar_zone_mktime() - mktime()/timegm() in a zone
 * @z: the zone, and the guess carried from the previous call
 * @tm: the fields (isdst -1, 0 or 1); normalized on return
 *
 * Return: seconds since the epoch.
 */
gint64 calendar_zone_mktime(CalendarZoneState *z, CalendarTm *tm) {
        gint64 local = fields_to_seconds(tm), t, previous = G_MININT64;
        bool dst;

        if (z->utc) {
                calendar_zone_localtime(z, local, tm);
                return local;
        }

        /* glibc's probing: start from the last offset, follow the offset found. */
        t = local - z->guess_offset;
        for (int probe = 0; probe < 8; probe++) {
                gint64 gt = local - offset_at(z, t, NULL);

                if (gt == t)
                        break;
                if (gt == previous) {
                        /* Oscillating: the time falls in a gap.  Take the
                         * later candidate: the time moves forward by the
                         * size of the gap (also where the gap leaves DST,
                         * as in Europe/Dublin). */
                        t = MAX(t, gt);
                        break;
                }
                previous = t;
                t = gt;
        }

        offset_at(z, t, &dst);
        if (tm->isdst >= 0 && (tm->isdst > 0) != dst) {
                /* Look for a neighbouring time with the requested flag and
                 * use its offset, as glibc does. */
                const gint64 stride = 601200, bound = 536454000 / 2 + 601200;
                bool found = false;

                for (gint64 delta = stride; delta < bound && !found; delta += stride)
                        for (int direction = -1; direction <= 1 && !found; direction += 2) {
                                gint64 ot = t + delta * direction;
                                bool odst;
                                gint64 o = offset_at(z, ot, &odst);

                                if (odst == (tm->isdst > 0)) {
                                        t = local - o;
                                        found = true;
                                }
                        }
        }

        z->guess_offset = local - t;
        calendar_zone_localtime(z, t, tm);
        return t;
}

/**
 * calendar_zone_abbreviation() - glibc's tzname[] for a zone
 * @tz: the zone
 * @dst: 0 for standard time, 1 for daylight saving time
 *
 * Return: the abbreviation of the latest period of that kind (that of
 * standard time when the zone never had DST), or NULL.  Caller frees.
 */
char *calendar_zone_abbreviation(GTimeZone *tz, int dst) {
        /* Half-year steps back from 2037, where the tz files' explicit
         * transitions end, like tzset() walking the transitions backwards. */
        const gint64 start = G_GINT64_CONSTANT(2131056000);     /* 2037-07-13 */
        const gint64 step = 182 * SECONDS_PER_DAY + 43200;

        for (int want = dst; want >= 0; want--)
                for (gint64 t = start; t > G_GINT64_CONSTANT(-2208988800); t -= step) {
                        int interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, t);

                        if (interval < 0)
                                continue;
                        if ((int) g_time_zone_is_dst(tz, interval) == want)
                                return g_strdup(g_time_zone_get_abbreviation(tz, interval));
                }
        return NULL;
}

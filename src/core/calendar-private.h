/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Calendar events, the parts shared by calendar-parse.c (text → spec),
 * calendar-format.c (spec → normalized text), calendar-zone.c (broken-down
 * time in a GTimeZone, glibc's mktime()/localtime() semantics) and
 * calendar-next.c (the next elapse).  Not for use outside src/core/calendar*.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"

#define CALENDAR_MIN_YEAR 1970
#define CALENDAR_MAX_YEAR 2199
#define CALENDAR_WEEKDAYS_ALL 127
/* systemd refuses longer lists (CALENDARSPEC_COMPONENTS_MAX). */
#define CALENDAR_COMPONENTS_MAX 240

/* One element of a list: start[..stop][/repeat].  Seconds are in µs. */
typedef struct CalendarComponent {
        int start;
        int stop;       /* -1: none */
        int repeat;     /* 0: none */
        struct CalendarComponent *next;
} CalendarComponent;

struct CalendarSpec {
        int weekdays_bits;      /* bit 0 = Monday; -1: any day */
        bool end_of_month;      /* '~': days count from the end of the month */
        bool utc;
        int dst;                /* -1, or 0/1: the local zone's standard/DST abbreviation was given */
        char *dst_name;         /* that abbreviation, for the normalized form */
        char *timezone;         /* an IANA zone name, or NULL */
        GTimeZone *tz;          /* the zone computations use: UTC, @timezone or the local zone */

        CalendarComponent *year;        /* NULL: any */
        CalendarComponent *month;
        CalendarComponent *day;
        CalendarComponent *hour;
        CalendarComponent *minute;
        CalendarComponent *microsecond;
};

void calendar_component_free_chain(CalendarComponent *c);

/* Broken-down time as struct tm holds it, with the full year. */
typedef struct CalendarTm {
        int year;       /* e.g. 2026 */
        int mon;        /* 0..11 */
        int mday;       /* 1..31 */
        int hour;
        int min;
        int sec;
        int wday;       /* 0 = Sunday, set by the conversions */
        int isdst;      /* -1: unknown */
} CalendarTm;

/* The conversion state glibc keeps in a static: the last offset mktime()
 * found, its first guess for the next call. */
typedef struct CalendarZoneState {
        GTimeZone *tz;
        bool utc;
        gint64 guess_offset;
} CalendarZoneState;

/* localtime()/gmtime(): seconds since the epoch → fields in the zone. */
void calendar_zone_localtime(const CalendarZoneState *z, gint64 t, CalendarTm *ret);
/* mktime()/timegm(): normalizes @tm (fields out of range carry over, a
 * time in a DST gap moves forward) and returns the instant. */
gint64 calendar_zone_mktime(CalendarZoneState *z, CalendarTm *tm);
/* The local zone's abbreviations for standard time (0) and DST (1), as
 * glibc's tzname[] has them; caller frees. */
char *calendar_zone_abbreviation(GTimeZone *tz, int dst);

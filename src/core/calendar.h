/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "job.h"

/*
 * Calendar events in the systemd.time(7) syntax (OnCalendar=), the one the
 * backup server's schedules already use:
 *
 *   [WEEKDAYS] [[YEAR-]MONTH-DAY] [HOUR:MINUTE[:SECOND]] [TIMEZONE]
 *
 * weekday lists and ranges (Mon,Wed..Fri), `*`, lists, ranges `a..b`,
 * repetitions `a/b` and `a..b/c`, `~` (days counted from the end of the
 * month), seconds with a fraction (up to 6 digits), the shorthands minutely,
 * hourly, daily, monthly, weekly, yearly (annually), quarterly, semiannually,
 * and a trailing time zone (UTC, or an IANA name such as Europe/Berlin) —
 * without one the local time zone of the process applies.
 *
 * Pure: no clock reads.  Time zones come from GLib's GTimeZone (the tz
 * database), never from setenv("TZ"), so any thread and any zone may be
 * used at once.  Results agree with `systemd-analyze calendar`, DST
 * transitions included (tests/unit/test-calendar.c compares both).
 */

typedef struct CalendarSpec CalendarSpec;

/*
 * Parse one expression.  NULL + SLUICE_ERROR_INVALID_ARGUMENT whose message
 * quotes the expression and says what is wrong where, e.g.
 *   "Mon..Fry 04:00": unknown weekday "Fry"
 */
CalendarSpec *calendar_spec_parse(const char *text, GError **error);
void calendar_spec_free(CalendarSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CalendarSpec, calendar_spec_free)

/* The normalized form, exactly as systemd-analyze prints it
 * ("Mon..Fri *-*-01..07 04:00:00").  Caller frees. */
char *calendar_spec_to_string(const CalendarSpec *spec);

/*
 * The first elapse strictly after @after (CLOCK_REALTIME usec).  Returns
 * false when the expression never elapses again (e.g. a past year).
 */
bool calendar_spec_next(const CalendarSpec *spec, usec_t after, usec_t *ret_next);

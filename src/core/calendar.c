/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calendar events: the spec's lifetime.  Parsing is in calendar-parse.c, the
 * normalized form in calendar-format.c, the next elapse in calendar-next.c.
 */
#include "calendar-private.h"

/**
 * calendar_spec_free() - free a calendar spec
 * @spec: the spec, or NULL
 */
void calendar_spec_free(CalendarSpec *spec) {
        if (!spec)
                return;
        calendar_component_free_chain(spec->year);
        calendar_component_free_chain(spec->month);
        calendar_component_free_chain(spec->day);
        calendar_component_free_chain(spec->hour);
        calendar_component_free_chain(spec->minute);
        calendar_component_free_chain(spec->microsecond);
        g_free(spec->timezone);
        g_free(spec->dst_name);
        if (spec->tz)
                g_time_zone_unref(spec->tz);
        g_free(spec);
}

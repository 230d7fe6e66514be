/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calendar events: the normalized form, character for character what
 * systemd's calendar_spec_to_string() prints.
 */
#include "calendar-private.h"

static void format_weekdays(GString *s, int bits) {
        static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
        bool need_comma = false;
        int l = -1, x;

        for (x = 0; x < (int) G_N_ELEMENTS(days); x++) {
                if (bits & (1 << x)) {
                        if (l < 0) {
                                if (need_comma)
                                        g_string_append_c(s, ',');
                                need_comma = true;
                                g_string_append(s, days[x]);
                                l = x;
                        }
                } else if (l >= 0) {
                        if (x > l + 1) {
                                g_string_append(s, x > l + 2 ? ".." : ",");
                                g_string_append(s, days[x - 1]);
                        }
                        l = -1;
                }
        }
        if (l >= 0 && x > l + 1) {
                g_string_append(s, x > l + 2 ? ".." : ",");
                g_string_append(s, days[x - 1]);
        }
}

static void format_chain(GString *s, int width, const CalendarComponent *c, bool usec) {
        int d = usec ? (int) USEC_PER_SEC : 1;

        if (!c) {
                g_string_append_c(s, '*');
                return;
        }
        if (usec && c->start == 0 && c->repeat == (int) USEC_PER_SEC && c->stop < 0 && !c->next) {
                g_string_append_c(s, '*');
                return;
        }
        for (; c; c = c->next) {
                g_string_append_printf(s, "%0*d", width, c->start / d);
                if (c->start % d > 0)
                        g_string_append_printf(s, ".%06d", c->start % d);
                if (c->stop > 0)
                        g_string_append_printf(s, "..%0*d", width, c->stop / d);
                if (c->stop % d > 0)
                        g_string_append_printf(s, ".%06d", c->stop % d);
                if (c->repeat > 0 && !(c->stop > 0 && c->repeat == d))
                        g_string_append_printf(s, "/%d", c->repeat / d);
                if (c->repeat % d > 0)
                        g_string_append_printf(s, ".%06d", c->repeat % d);
                if (c->next)
                        g_string_append_c(s, ',');
        }
}

/**
 * calendar_spec_to_string() - the normalized form of a spec
 * @spec: the spec
 *
 * Return: e.g. "Mon..Fri *-*-01..07 04:00:00"; it parses back to the same
 * spec.  Caller frees.
 */
char *calendar_spec_to_string(const CalendarSpec *spec) {
        GString *s = g_string_new(NULL);

        if (spec->weekdays_bits > 0 && spec->weekdays_bits <= CALENDAR_WEEKDAYS_ALL) {
                format_weekdays(s, spec->weekdays_bits);
                g_string_append_c(s, ' ');
        }
        format_chain(s, 4, spec->year, false);
        g_string_append_c(s, '-');
        format_chain(s, 2, spec->month, false);
        g_string_append_c(s, spec->end_of_month ? '~' : '-');
        format_chain(s, 2, spec->day, false);
        g_string_append_c(s, ' ');
        format_chain(s, 2, spec->hour, false);
        g_string_append_c(s, ':');
        format_chain(s, 2, spec->minute, false);
        g_string_append_c(s, ':');
        format_chain(s, 2, spec->microsecond, true);

        if (spec->utc)
                g_string_append(s, " UTC");
        else if (spec->timezone)
                g_string_append_printf(s, " %s", spec->timezone);
        else if (spec->dst >= 0 && spec->dst_name && *spec->dst_name)
                g_string_append_printf(s, " %s", spec->dst_name);
        return g_string_free(s, false);
}

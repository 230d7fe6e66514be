/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse_timestamp() (src/shared/timestamp.c): every form systemd.time(7)
 * names, "tomorrow 02:00", zones, weekdays, and the refusals.  "now" is a
 * fixed instant; the local zone is set to one with daylight saving time so
 * "local" is not silently UTC.
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "timestamp.h"

#define SEC UINT64_C(1000000)
#define HOUR (3600 * SEC)
#define DAY (24 * HOUR)

/* 2026-12-04 17:30:00 UTC, a Friday: 18:30 in Berlin (CET, +1). */
#define NOW (UINT64_C(1796405400) * SEC)
/* 2026-12-04 00:00 Berlin time */
#define MIDNIGHT_BERLIN (UINT64_C(1796338800) * SEC)

static const struct {
        const char *text;
        int ret;
        uint64_t usec;
} cases[] = {
        { "now", 0, NOW },
        { "  now  ", 0, NOW },
        { "+2h", 0, NOW + 2 * HOUR },
        { "-2h", 0, NOW - 2 * HOUR },
        { "+1h 30min", 0, NOW + 5400 * SEC },
        { "-90", 0, NOW - 90 * SEC },
        { "3h ago", 0, NOW - 3 * HOUR },
        { "1h 30min left", 0, NOW + 5400 * SEC },
        { "@1700000000", 0, UINT64_C(1700000000) * SEC },
        { "@1700000000.25", 0, UINT64_C(1700000000) * SEC + SEC / 4 },
        { "@0", 0, 0 },
        { "today", 0, MIDNIGHT_BERLIN },
        { "yesterday", 0, MIDNIGHT_BERLIN - DAY },
        { "tomorrow", 0, MIDNIGHT_BERLIN + DAY },
        { "tomorrow 02:00", 0, MIDNIGHT_BERLIN + DAY + 2 * HOUR },
        { "today 18:00:30", 0, MIDNIGHT_BERLIN + 18 * HOUR + 30 * SEC },
        { "yesterday 23:59 UTC", 0, UINT64_C(1796342340) * SEC },      /* 2026-12-03 23:59 UTC */
        { "02:30", 0, MIDNIGHT_BERLIN + 2 * HOUR + 30 * 60 * SEC },
        { "2026-12-24", 0, UINT64_C(1798066800) * SEC },               /* midnight in Berlin */
        { "2026-12-24 18:00", 0, UINT64_C(1798131600) * SEC },
        { "2026-12-24T18:00", 0, UINT64_C(1798131600) * SEC },
        { "2026-12-24 18:00:05.5", 0, UINT64_C(1798131605) * SEC + SEC / 2 },
        { "2026-12-24 18:00 UTC", 0, UINT64_C(1798135200) * SEC },
        { "2026-12-24 18:00 Z", 0, UINT64_C(1798135200) * SEC },
        { "2026-12-24 18:00 utc", 0, UINT64_C(1798135200) * SEC },
        { "2026-12-24 18:00 America/New_York", 0, UINT64_C(1798153200) * SEC },
        { "Thu 2026-12-24 18:00 UTC", 0, UINT64_C(1798135200) * SEC },
        { "thursday 2026-12-24 18:00 UTC", 0, UINT64_C(1798135200) * SEC },
        { "2026-07-01 12:00", 0, UINT64_C(1782900000) * SEC },         /* CEST, +2 */
        { "1970-01-01 00:00 UTC", 0, 0 },

        { "", -EINVAL, 0 },
        { "   ", -EINVAL, 0 },
        { "soon", -EINVAL, 0 },
        { "+", -EINVAL, 0 },
        { "+2 parsecs", -EINVAL, 0 },
        { "ago", -EINVAL, 0 },
        { "@", -EINVAL, 0 },
        { "@12x", -EINVAL, 0 },
        { "@-5", -EINVAL, 0 },
        { "@1.", -EINVAL, 0 },
        { "2026-02-30", -EINVAL, 0 },                  /* no such day */
        { "2026-13-01", -EINVAL, 0 },
        { "2026-12-24 24:00", -EINVAL, 0 },
        { "2026-12-24 18:60", -EINVAL, 0 },
        { "2026-12-24 18", -EINVAL, 0 },
        { "2026-12-24 18:00 Mars/Olympus", -EINVAL, 0 }, /* an unknown zone */
        { "2026-12-24 18:00 ../../etc/passwd", -EINVAL, 0 },
        { "Mon 2026-12-24 18:00", -EINVAL, 0 },        /* the 24th is a Thursday */
        { "Mon", -EINVAL, 0 },
        { "tomorrow 02:00 and more", -EINVAL, 0 },
        { "02:30 tomorrow", -EINVAL, 0 },
        { "1969-12-31 23:59 UTC", -ERANGE, 0 },
        { "-100y", -ERANGE, 0 },
        { "+600000y", -ERANGE, 0 },
        { "@99999999999999999999", -ERANGE, 0 },
};

static void test_cases(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                uint64_t usec = 12345;
                int r = parse_timestamp(cases[i].text, NOW, &usec);

                if (r != cases[i].ret || (r == 0 && usec != cases[i].usec))
                        g_error("parse_timestamp(\"%s\") = %d, %" G_GUINT64_FORMAT "; expected %d, %" G_GUINT64_FORMAT,
                                cases[i].text, r, usec, cases[i].ret, cases[i].usec);
                if (r < 0)
                        g_assert_cmpuint(usec, ==, 12345);      /* untouched on error */
        }
}

/* Longer than anyone types: refused without reading it. */
static void test_too_long(void) {
        g_autofree char *text = g_strnfill(300, '1');
        uint64_t usec;

        g_assert_cmpint(parse_timestamp(text, NOW, &usec), ==, -EINVAL);
        g_assert_cmpint(parse_timestamp(NULL, NOW, &usec), ==, -EINVAL);
}

int main(int argc, char **argv) {
        /* Before GLib reads the local zone. */
        g_setenv("TZ", "Europe/Berlin", TRUE);
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/timestamp/cases", test_cases);
        g_test_add_func("/timestamp/too-long", test_too_long);
        return g_test_run();
}

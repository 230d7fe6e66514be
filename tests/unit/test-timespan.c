/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <locale.h>
#include <stdlib.h>
#include <time.h>

#include "timespan.h"

#define SEC UINT64_C(1000000)

static const struct {
        const char *text;
        int ret;
        uint64_t usec;
} parse_cases[] = {
        { "0", 0, 0 },
        { "90", 0, 90 * SEC },
        { "  90  ", 0, 90 * SEC },
        { "90s", 0, 90 * SEC },
        { "90 sec", 0, 90 * SEC },
        { "1h 30min", 0, 5400 * SEC },
        { "1h30min", 0, 5400 * SEC },
        { "1 hour 30 minutes", 0, 5400 * SEC },
        { "2d", 0, 2 * 86400 * SEC },
        { "1w", 0, 7 * 86400 * SEC },
        { "500ms", 0, 500000 },
        { "1.5h", 0, 5400 * SEC },
        { "0.5", 0, SEC / 2 },
        { ".25s", 0, SEC / 4 },
        { "1.s", 0, SEC },
        { "3us", 0, 3 },
        { "1.5us", 0, 1 },                      /* rounded down to whole µs */
        { "0.0000001s", 0, 0 },
        { "1y", 0, UINT64_C(31557600) * SEC },
        { "1M", 0, UINT64_C(2629800) * SEC },
        { "1m", 0, 60 * SEC },
        { "2min 3s 4ms 5us", 0, 123 * SEC + 4005 },
        { "", -EINVAL, 0 },
        { "   ", -EINVAL, 0 },
        { "h", -EINVAL, 0 },
        { "-5", -EINVAL, 0 },
        { "+5", -EINVAL, 0 },
        { "5x", -EINVAL, 0 },
        { "5 s x", -EINVAL, 0 },
        { "1e3", -EINVAL, 0 },
        { ".", -EINVAL, 0 },
        { "1..2", -EINVAL, 0 },
        { "5s,", -EINVAL, 0 },
        { "5 3", -EINVAL, 0 },
        { "5 3s", -EINVAL, 0 },
        { "3s 5", 0, 8 * SEC },
        { "18446744073709551616", -ERANGE, 0 },
        { "18446744073709551615us", -ERANGE, 0 },      /* that is infinity */
        { "18446744073709551614us", 0, UINT64_MAX - 1 },
        { "600000y", -ERANGE, 0 },
};

static void test_parse(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
                uint64_t v = 4242;
                int r = parse_timespan(parse_cases[i].text, &v);

                g_test_message("parse \"%s\"", parse_cases[i].text);
                g_assert_cmpint(r, ==, parse_cases[i].ret);
                if (r == 0)
                        g_assert_cmpuint(v, ==, parse_cases[i].usec);
                else
                        g_assert_cmpuint(v, ==, 4242);  /* untouched on error */
        }
        g_assert_cmpint(parse_timespan(NULL, &(uint64_t) { 0 }), ==, -EINVAL);
}

static const struct {
        uint64_t usec;
        const char *text;
} format_cases[] = {
        { 0, "0" },
        { 1, "1us" },
        { 500000, "500ms" },
        { 90 * SEC, "1min 30s" },
        { 5400 * SEC, "1h 30min" },
        { 2 * 86400 * SEC, "2d" },
        { 86400 * SEC + 5, "1d 5us" },
        { 123 * SEC + 4005, "2min 3s 4ms 5us" },
        { TIMESPAN_INFINITY, "infinity" },
};

static void test_format(void) {
        char buf[FORMAT_TIMESPAN_MAX];

        for (size_t i = 0; i < G_N_ELEMENTS(format_cases); i++) {
                uint64_t back;

                g_assert_cmpstr(format_timespan(buf, sizeof(buf), format_cases[i].usec), ==, format_cases[i].text);
                if (format_cases[i].usec != TIMESPAN_INFINITY) {
                        g_assert_cmpint(parse_timespan(buf, &back), ==, 0);
                        g_assert_cmpuint(back, ==, format_cases[i].usec);
                }
        }

        /* The largest finite value fits the documented buffer size and reads back. */
        g_assert_nonnull(format_timespan(buf, sizeof(buf), UINT64_MAX - 1));
        uint64_t back;
        g_assert_cmpint(parse_timespan(buf, &back), ==, 0);
        g_assert_cmpuint(back, ==, UINT64_MAX - 1);

        /* Too small a buffer is refused, not truncated. */
        g_assert_null(format_timespan(buf, 4, 5400 * SEC));
        g_assert_null(format_timespan(buf, 0, 0));
}

static void test_timestamp(void) {
        char buf[FORMAT_TIMESTAMP_MAX];

        /* TZ=UTC and LC_ALL=C come from the test's environment (meson.build). */
        g_assert_cmpstr(format_timestamp(buf, sizeof(buf), 1 * SEC), ==, "Thu 1970-01-01 00:00:01 UTC");
        g_assert_cmpstr(format_timestamp(buf, sizeof(buf), UINT64_C(1705329000) * SEC + 999999), ==,
                        "Mon 2024-01-15 14:30:00 UTC");
        g_assert_null(format_timestamp(buf, sizeof(buf), 0));
        g_assert_null(format_timestamp(buf, sizeof(buf), TIMESPAN_INFINITY));
        g_assert_null(format_timestamp(buf, 5, 1 * SEC));
}

int main(int argc, char *argv[]) {
        setlocale(LC_ALL, "");
        tzset();
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/timespan/parse", test_parse);
        g_test_add_func("/timespan/format", test_format);
        g_test_add_func("/timespan/timestamp", test_timestamp);

        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for parse_timespan() and format_timespan(): any text either
 * fails with -EINVAL or -ERANGE, or gives a value whose format_timespan() text
 * parses back to the very same value (and formats to the same text again).
 */
#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "timespan.h"

/* Spans in config files are short; longer inputs only cost time. */
#define FUZZ_INPUT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char buf[FORMAT_TIMESPAN_MAX], buf_again[FORMAT_TIMESPAN_MAX];
        g_autofree char *text = NULL;
        uint64_t usec = 0, again = 0;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        /* Stops at an embedded NUL, as every caller's C string would. */
        text = g_strndup((const char *) data, size);
        r = parse_timespan(text, &usec);
        if (r < 0) {
                g_assert_true(r == -EINVAL || r == -ERANGE);
                return 0;
        }
        g_assert_cmpuint(r, ==, 0);
        g_assert_cmpuint(usec, !=, TIMESPAN_INFINITY);

        g_assert_nonnull(format_timespan(buf, sizeof(buf), usec));
        g_assert_true(g_utf8_validate(buf, -1, NULL));
        r = parse_timespan(buf, &again);
        g_assert_cmpint(r, ==, 0);
        g_assert_cmpuint(again, ==, usec);

        g_assert_nonnull(format_timespan(buf_again, sizeof(buf_again), again));
        g_assert_cmpstr(buf, ==, buf_again);

        /* Too small a buffer fails cleanly instead of truncating. */
        g_assert_null(format_timespan(buf_again, 1, usec));
        return 0;
}

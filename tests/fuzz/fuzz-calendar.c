/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for calendar events (src/core/calendar*.c): any text
 * either fails with SLUICE_ERROR_INVALID_ARGUMENT and a message quoting it,
 * or gives a spec whose normalized form parses again to the very same
 * normalized form, and whose next elapses from a few base times (both
 * before and after DST-affected dates) are strictly later than the base.
 */
#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "calendar-search.h"
#include "errors.h"
#include "fuzz.h"

/* Calendar expressions are one line in a config file. */
#define FUZZ_INPUT_MAX 1024

static const usec_t bases[] = {
        0,
        UINT64_C(1700000000) * 1000000,         /* 2023-11-14 */
        UINT64_C(1792890000) * 1000000,         /* 2026-10-25, inside Berlin's repeated hour */
        UINT64_C(7258118400) * 1000000,         /* 2200-01-01: past the last year */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GError) error = NULL, error_again = NULL;
        g_autoptr(CalendarSpec) spec = NULL, again = NULL;
        g_autofree char *text = NULL, *normalized = NULL, *normalized_again = NULL;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        /* Stops at an embedded NUL, as every caller's C string would. */
        text = g_strndup((const char *) data, size);
        spec = calendar_spec_parse(text, &error);
        if (!spec) {
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
                g_assert_true(g_utf8_validate(error->message, -1, NULL));
                return 0;
        }
        g_assert_no_error(error);

        normalized = calendar_spec_to_string(spec);
        g_assert_true(g_utf8_validate(normalized, -1, NULL));
        again = calendar_spec_parse(normalized, &error_again);
        g_assert_no_error(error_again);
        normalized_again = calendar_spec_to_string(again);
        g_assert_cmpstr(normalized_again, ==, normalized);

        for (size_t i = 0; i < G_N_ELEMENTS(bases); i++) {
                usec_t next = 0, next_again = 0;
                int r = calendar_spec_next_elapse(spec, bases[i], &next);

                g_assert_true(r == 0 || r == -ENOENT || r == -EDEADLK);
                if (r == 0) {
                        g_assert_cmpuint(next, >, bases[i]);
                        /* the reparsed spec agrees */
                        g_assert_cmpint(calendar_spec_next_elapse(again, bases[i], &next_again), ==, 0);
                        g_assert_cmpuint(next_again, ==, next);
                        g_assert_true(calendar_spec_next(spec, bases[i], &next_again));
                        g_assert_cmpuint(next_again, ==, next);
                } else
                        g_assert_false(calendar_spec_next(spec, bases[i], &next_again));
        }
        return 0;
}

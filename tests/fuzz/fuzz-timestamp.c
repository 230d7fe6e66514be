/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for parse_timestamp(): any text either fails with
 * -EINVAL or -ERANGE and leaves the result untouched, or gives a time; the
 * same text parses to the same time again (no hidden state), and an
 * "@SECONDS.FRACTION" of that time parses back to it exactly.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "timestamp.h"

#define FUZZ_INPUT_MAX 512
/* A fixed "now": 2026-12-04 17:30 UTC. */
#define NOW (UINT64_C(1796405400) * UINT64_C(1000000))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *text = NULL, *epoch = NULL;
        uint64_t usec = 42, again = 0, back = 0;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        text = g_strndup((const char *) data, size);
        r = parse_timestamp(text, NOW, &usec);
        if (r < 0) {
                g_assert_true(r == -EINVAL || r == -ERANGE);
                g_assert_cmpuint(usec, ==, 42);
                return 0;
        }
        g_assert_cmpint(r, ==, 0);

        g_assert_cmpint(parse_timestamp(text, NOW, &again), ==, 0);
        g_assert_cmpuint(again, ==, usec);

        epoch = g_strdup_printf("@%" PRIu64 ".%06" PRIu64, usec / 1000000, usec % 1000000);
        g_assert_cmpint(parse_timestamp(epoch, NOW, &back), ==, 0);
        g_assert_cmpuint(back, ==, usec);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rate limit of sluiced's refusal lines (src/daemon/log.c), with the
 * time passed in: 20 lines per 10 s, the rest dropped and counted, and the
 * count handed to the first line let through afterwards.
 */
#include <glib.h>

#include "log.h"

#define SEC (1000ull * 1000)

static void test_burst_then_suppressed(void) {
        LogRateLimit rl = { .interval_usec = 10 * SEC, .burst = 3 };
        unsigned suppressed;
        uint64_t t = 5 * SEC;

        for (unsigned i = 0; i < 3; i++) {
                g_assert_true(log_ratelimit_test(&rl, t + i, &suppressed));
                g_assert_cmpuint(suppressed, ==, 0);
        }
        /* A flood within the same interval: all dropped, counted. */
        for (unsigned i = 0; i < 1000; i++)
                g_assert_false(log_ratelimit_test(&rl, t + 9 * SEC, &suppressed));
        /* The interval is over: the next goes out, told how many were dropped. */
        g_assert_true(log_ratelimit_test(&rl, t + 10 * SEC, &suppressed));
        g_assert_cmpuint(suppressed, ==, 1000);
        g_assert_true(log_ratelimit_test(&rl, t + 10 * SEC, &suppressed));
        g_assert_cmpuint(suppressed, ==, 0);
}

/* A steady trickle below the burst is never dropped. */
static void test_below_burst(void) {
        LogRateLimit rl = { .interval_usec = 10 * SEC, .burst = LOG_REFUSAL_BURST };
        unsigned suppressed;

        for (uint64_t s = 1; s < 1000; s++) {
                g_assert_true(log_ratelimit_test(&rl, s * SEC, &suppressed));
                g_assert_cmpuint(suppressed, ==, 0);
        }
}

/* The lines a flood writes: at most burst per interval, whatever the flood. */
static void test_flood_bound(void) {
        LogRateLimit rl = { .interval_usec = LOG_REFUSAL_INTERVAL_USEC, .burst = LOG_REFUSAL_BURST };
        unsigned suppressed, lines = 0, notes = 0, total_suppressed = 0;

        /* 60 000 refusals over 10 s, i.e. one interval (and a bit). */
        for (uint64_t i = 0; i < 60000; i++)
                if (log_ratelimit_test(&rl, SEC + i * (LOG_REFUSAL_INTERVAL_USEC / 60000), &suppressed)) {
                        lines++;
                        notes += suppressed > 0;
                        total_suppressed += suppressed;
                }
        g_assert_cmpuint(lines, <=, 2 * LOG_REFUSAL_BURST);
        g_assert_cmpuint(notes, <=, 1);
        g_assert_cmpuint(lines + total_suppressed + rl.suppressed, ==, 60000);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/log/ratelimit/burst-then-suppressed", test_burst_then_suppressed);
        g_test_add_func("/log/ratelimit/below-burst", test_below_burst);
        g_test_add_func("/log/ratelimit/flood-bound", test_flood_bound);
        return g_test_run();
}

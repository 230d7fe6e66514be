/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-call-rate: the per-uid token bucket of src/daemon/call-rate.c, with
 * the production figures (CALL_RATE_PER_SEC, CALL_RATE_BURST) and a clock
 * the test moves by hand.
 */
#include <glib.h>

#include "call-rate.h"

#define SEC 1000000ull
#define T0 (1000 * SEC)
#define INTERVAL (SEC / CALL_RATE_PER_SEC)

/* A uid gets its burst at once, then nothing until a token has come in. */
static void test_burst_then_rate(void) {
        g_autoptr(CallRate) cr = call_rate_new(INTERVAL, CALL_RATE_BURST);

        for (unsigned i = 0; i < CALL_RATE_BURST; i++)
                g_assert_true(call_rate_take(cr, 65534, T0));
        g_assert_false(call_rate_take(cr, 65534, T0));
        g_assert_cmpuint(call_rate_next(cr, 65534, T0), ==, T0 + INTERVAL);
        /* A refused take changes nothing. */
        g_assert_false(call_rate_take(cr, 65534, T0 + INTERVAL - 1));
        g_assert_cmpuint(call_rate_next(cr, 65534, T0 + INTERVAL - 1), ==, T0 + INTERVAL);
        g_assert_true(call_rate_take(cr, 65534, T0 + INTERVAL));
        g_assert_false(call_rate_take(cr, 65534, T0 + INTERVAL));
        /* One second: CALL_RATE_PER_SEC more, not one more. */
        unsigned n = 0;
        while (call_rate_take(cr, 65534, T0 + INTERVAL + SEC))
                n++;
        g_assert_cmpuint(n, ==, CALL_RATE_PER_SEC);
}

/* Another uid's bucket is its own: a flooder's empty bucket takes nothing from it. */
static void test_uids_apart(void) {
        g_autoptr(CallRate) cr = call_rate_new(INTERVAL, CALL_RATE_BURST);

        while (call_rate_take(cr, 65534, T0))
                ;
        g_assert_cmpuint(call_rate_next(cr, 1000, T0), ==, T0);
        for (unsigned i = 0; i < CALL_RATE_BURST; i++)
                g_assert_true(call_rate_take(cr, 1000, T0));
        g_assert_false(call_rate_take(cr, 1000, T0));
}

/* A quiet uid saves up at most its burst. */
static void test_burst_is_the_cap(void) {
        g_autoptr(CallRate) cr = call_rate_new(INTERVAL, CALL_RATE_BURST);
        unsigned n = 0;

        g_assert_true(call_rate_take(cr, 7, T0));
        while (call_rate_take(cr, 7, T0 + 3600 * SEC))
                n++;
        g_assert_cmpuint(n, ==, CALL_RATE_BURST);
}

/* A sequential client slower than the rate never waits. */
static void test_slow_client_never_waits(void) {
        g_autoptr(CallRate) cr = call_rate_new(INTERVAL, CALL_RATE_BURST);

        for (unsigned i = 0; i < 10 * CALL_RATE_BURST; i++)
                g_assert_true(call_rate_take(cr, 1000, T0 + i * INTERVAL));
}

/* Full buckets are forgotten: memory follows the uids that called lately. */
static void test_full_buckets_pruned(void) {
        g_autoptr(CallRate) cr = call_rate_new(INTERVAL, CALL_RATE_BURST);

        for (uint32_t uid = 0; uid < 1000; uid++)
                g_assert_true(call_rate_take(cr, uid, T0));
        g_assert_cmpuint(call_rate_tracked(cr), ==, 1000);
        /* Much later every bucket is full again; new callers prune them. */
        for (uint32_t uid = 5000; uid < 5100; uid++)
                g_assert_true(call_rate_take(cr, uid, T0 + 3600 * SEC));
        g_assert_cmpuint(call_rate_tracked(cr), <=, 100);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/call-rate/burst-then-rate", test_burst_then_rate);
        g_test_add_func("/call-rate/uids-apart", test_uids_apart);
        g_test_add_func("/call-rate/burst-is-the-cap", test_burst_is_the_cap);
        g_test_add_func("/call-rate/slow-client-never-waits", test_slow_client_never_waits);
        g_test_add_func("/call-rate/full-buckets-pruned", test_full_buckets_pruned);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How fast one uid's calls are asked about (docs/authorization.md, "A flood
 * of calls"): a token bucket per uid, CALL_RATE_PER_SEC tokens a second, at
 * most CALL_RATE_BURST saved up.  polkit-query.c takes one token per check it
 * sends to polkit; a uid without a token keeps its calls waiting in sluiced
 * (a tarpit: the reply comes later, it is not refused) until one is there.
 *
 * The bucket is kept as one number per uid, the time at which it would be
 * empty again if nothing more were taken ("theoretical arrival time", the
 * GCRA form of a token bucket): a full bucket is a time in the past and is
 * forgotten, so only the uids that called in the last CALL_RATE_BURST /
 * CALL_RATE_PER_SEC seconds cost memory (one 64-bit number and a hash node each).
 *
 * Pure: no clock is read, the caller passes CLOCK_MONOTONIC usec.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Checks a second one uid may have sent to polkit, after its burst. */
#define CALL_RATE_PER_SEC 50u
/* ... and how many it may send at once after a quiet moment. */
#define CALL_RATE_BURST 200u

/* Tests only: "INTERVAL_USEC:BURST" instead of the two above (polkit-query.c). */
#define CALL_RATE_TEST_ENV "SLUICE_TEST_AUTH_RATE"

typedef struct CallRate CallRate;

CallRate *call_rate_new(uint64_t interval_usec, unsigned burst);
void call_rate_free(CallRate *cr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CallRate, call_rate_free)

bool call_rate_take(CallRate *cr, uint32_t uid, uint64_t now);
uint64_t call_rate_next(const CallRate *cr, uint32_t uid, uint64_t now);
unsigned call_rate_tracked(const CallRate *cr);

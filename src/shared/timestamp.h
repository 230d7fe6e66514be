/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Timestamps as people type them, in the systemd.time(7) syntax: absolute
 * ("2026-12-24 18:00", "@1700000000"), relative to now ("+2h", "-2h",
 * "3h ago", "1h left"), and the words "now", "today", "yesterday",
 * "tomorrow" (which, beyond systemd, may be followed by a time of day:
 * "tomorrow 02:00").  Microseconds since the Unix epoch, CLOCK_REALTIME.
 */

#include <stdint.h>

int parse_timestamp(const char *s, uint64_t now_usec, uint64_t *ret_usec);

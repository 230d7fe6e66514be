/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Time spans in the systemd.time(7) style ("90", "1h 30min", "2d", "500ms")
 * and local-time timestamps, for config values and for people.
 *
 * Values are microseconds in a uint64_t (the same representation as usec_t in
 * src/core/job.h).  UINT64_MAX means "infinity".
 */

#include <stddef.h>
#include <stdint.h>

#define TIMESPAN_INFINITY ((uint64_t) UINT64_MAX)

/* Buffer sizes large enough for every output of the formatters below. */
#define FORMAT_TIMESPAN_MAX 128
#define FORMAT_TIMESTAMP_MAX 64

int parse_timespan(const char *s, uint64_t *ret_usec);
char *format_timespan(char *buf, size_t size, uint64_t usec);
char *format_timestamp(char *buf, size_t size, uint64_t usec);

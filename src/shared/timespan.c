/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timespan.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MINUTE (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR (UINT64_C(60) * USEC_PER_MINUTE)
#define USEC_PER_DAY (UINT64_C(24) * USEC_PER_HOUR)
#define USEC_PER_WEEK (UINT64_C(7) * USEC_PER_DAY)
#define USEC_PER_MONTH (UINT64_C(2629800) * USEC_PER_SEC)     /* 30.44 days, as systemd */
#define USEC_PER_YEAR (UINT64_C(31557600) * USEC_PER_SEC)     /* 365.25 days, as systemd */

static const struct {
        const char *suffix;
        uint64_t usec;
} units[] = {
        { "seconds", USEC_PER_SEC },
        { "second",  USEC_PER_SEC },
        { "sec",     USEC_PER_SEC },
        { "s",       USEC_PER_SEC },
        { "minutes", USEC_PER_MINUTE },
        { "minute",  USEC_PER_MINUTE },
        { "min",     USEC_PER_MINUTE },
        { "m",       USEC_PER_MINUTE },
        { "hours",   USEC_PER_HOUR },
        { "hour",    USEC_PER_HOUR },
        { "hr",      USEC_PER_HOUR },
        { "h",       USEC_PER_HOUR },
        { "days",    USEC_PER_DAY },
        { "day",     USEC_PER_DAY },
        { "d",       USEC_PER_DAY },
        { "weeks",   USEC_PER_WEEK },
        { "week",    USEC_PER_WEEK },
        { "w",       USEC_PER_WEEK },
        { "months",  USEC_PER_MONTH },
        { "month",   USEC_PER_MONTH },
        { "M",       USEC_PER_MONTH },
        { "years",   USEC_PER_YEAR },
        { "year",    USEC_PER_YEAR },
        { "y",       USEC_PER_YEAR },
        { "msec",    USEC_PER_MSEC },
        { "ms",      USEC_PER_MSEC },
        { "usec",    1 },
        { "us",      1 },
        { "\xc2\xb5s", 1 },     /* µs, MICRO SIGN */
        { "\xce\xbcs", 1 },     /* μs, GREEK SMALL LETTER MU */
};

static bool is_space(char c) {
        return c == ' ' || c == '\t';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Multiply-add without overflow: *acc += a * b. */
static int add_product(uint64_t *acc, uint64_t a, uint64_t b) {
        uint64_t p;

        if (__builtin_mul_overflow(a, b, &p))
                return -ERANGE;
        if (__builtin_add_overflow(*acc, p, acc))
                return -ERANGE;
        return 0;
}

static int lookup_unit(const char *s, size_t len, uint64_t *ret) {
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strlen(units[i].suffix) == len && memcmp(units[i].suffix, s, len) == 0) {
                        *ret = units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

/**
 * parse_timespan() - parse a time span in the systemd.time(7) syntax
 * @s: the text, e.g. "90", "1h 30min", "1h30min", "2d", "500ms", "1.5h"
 * @ret_usec: the value in microseconds
 *
 * A span is one or more components NUMBER[UNIT], separated by optional
 * blanks; their sum is the value.  A number without unit means seconds
 * and must be the last component.
 * NUMBER is decimal digits with an optional fraction ("1.5h"); signs,
 * exponents and other junk are refused.  The result is rounded down to
 * whole microseconds, and fraction digits after the ninth are ignored.  Units: us/usec/µs, ms/msec,
 * s/sec/second(s), m/min/minute(s), h/hr/hour(s), d/day(s), w/week(s),
 * M/month(s) (30.44 days), y/year(s) (365.25 days).
 *
 * Return: 0, -EINVAL for a malformed span, -ERANGE when the value does not
 * fit in 64 bits of microseconds.
 */
int parse_timespan(const char *s, uint64_t *ret_usec) {
        uint64_t total = 0;
        bool any = false;

        if (!s)
                return -EINVAL;

        for (;;) {
                uint64_t whole = 0, unit;
                const char *frac = NULL, *unit_start;
                size_t frac_len = 0, unit_len = 0;
                bool digits = false;

                while (is_space(*s))
                        s++;
                if (*s == '\0')
                        break;

                for (; is_digit(*s); s++) {
                        digits = true;
                        if (__builtin_mul_overflow(whole, 10, &whole) ||
                            __builtin_add_overflow(whole, (uint64_t) (*s - '0'), &whole))
                                return -ERANGE;
                }
                if (*s == '.') {
                        s++;
                        frac = s;
                        while (is_digit(*s))
                                s++;
                        frac_len = (size_t) (s - frac);
                        if (frac_len > 0)
                                digits = true;
                }
                if (!digits)
                        return -EINVAL;

                while (is_space(*s))
                        s++;
                unit_start = s;
                while (*s != '\0' && !is_space(*s) && !is_digit(*s) && *s != '.')
                        s++;
                unit_len = (size_t) (s - unit_start);

                if (unit_len == 0) {
                        /* Plain seconds only as the last component: refuses
                         * "5 3" and "1..2". */
                        while (is_space(*s))
                                s++;
                        if (*s != '\0')
                                return -EINVAL;
                        unit = USEC_PER_SEC;
                }
                else if (lookup_unit(unit_start, unit_len, &unit) < 0)
                        return -EINVAL;

                if (add_product(&total, whole, unit) < 0)
                        return -ERANGE;

                /* Fraction: digit k (1-based) contributes digit * unit / 10^k,
                 * computed as one integer division to drop only sub-µs parts. */
                if (frac_len > 0) {
                        uint64_t num = 0, den = 1;

                        for (size_t k = 0; k < frac_len && k < 9; k++) {
                                num = num * 10 + (uint64_t) (frac[k] - '0');
                                den *= 10;
                        }
                        /* num < den <= 10^9, so (unit % den) * num < 10^18 fits. */
                        uint64_t part = unit / den * num + (unit % den) * num / den;
                        if (__builtin_add_overflow(total, part, &total))
                                return -ERANGE;
                }

                any = true;
        }

        if (!any)
                return -EINVAL;
        if (total == TIMESPAN_INFINITY)
                return -ERANGE;

        *ret_usec = total;
        return 0;
}

/**
 * format_timespan() - format a time span for people and for config files
 * @buf: output buffer
 * @size: its size (FORMAT_TIMESPAN_MAX always suffices)
 * @usec: the span in microseconds
 *
 * Writes the exact value as components from days down to microseconds,
 * leaving out zero components: "1h 30min", "2d", "500ms", "1min 5us".  0 gives "0", TIMESPAN_INFINITY
 * gives "infinity".  parse_timespan() reads every output back exactly.
 *
 * Return: @buf, or NULL if @size is too small.
 */
char *format_timespan(char *buf, size_t size, uint64_t usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } table[] = {
                { "d",   USEC_PER_DAY },
                { "h",   USEC_PER_HOUR },
                { "min", USEC_PER_MINUTE },
                { "s",   USEC_PER_SEC },
                { "ms",  USEC_PER_MSEC },
                { "us",  1 },
        };
        size_t used = 0;

        if (!buf || size == 0)
                return NULL;

        if (usec == TIMESPAN_INFINITY || usec == 0) {
                int n = snprintf(buf, size, "%s", usec == 0 ? "0" : "infinity");
                return n >= 0 && (size_t) n < size ? buf : NULL;
        }

        buf[0] = '\0';
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && usec > 0; i++) {
                uint64_t n = usec / table[i].usec;
                int w;

                if (n == 0)
                        continue;
                usec -= n * table[i].usec;

                w = snprintf(buf + used, size - used, "%s%" PRIu64 "%s",
                             used > 0 ? " " : "", n, table[i].suffix);
                if (w < 0 || (size_t) w >= size - used)
                        return NULL;
                used += (size_t) w;
        }

        return buf;
}

/**
 * format_timestamp() - format a CLOCK_REALTIME time in local time
 * @buf: output buffer
 * @size: its size (FORMAT_TIMESTAMP_MAX always suffices)
 * @usec: microseconds since the epoch
 *
 * Writes e.g. "Mon 2024-01-15 14:30:00 CET", as systemd shows timestamps.
 *
 * Return: @buf, or NULL for 0 and TIMESPAN_INFINITY ("no time") or when the
 * time cannot be represented.
 */
char *format_timestamp(char *buf, size_t size, uint64_t usec) {
        struct tm tm;
        time_t sec;

        if (!buf || size == 0 || usec == 0 || usec == TIMESPAN_INFINITY)
                return NULL;

        sec = (time_t) (usec / USEC_PER_SEC);
        if ((uint64_t) sec != usec / USEC_PER_SEC)
                return NULL;
        if (!localtime_r(&sec, &tm))
                return NULL;
        if (strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return NULL;

        return buf;
}

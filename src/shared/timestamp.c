/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "timespan.h"
#include "timestamp.h"

#define USEC_PER_SEC UINT64_C(1000000)
/* Nobody types more; longer text only costs time (and fuzzers love it). */
#define TIMESTAMP_TEXT_MAX 256

static bool all_digits(const char *s, size_t len) {
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!g_ascii_isdigit(s[i]))
                        return false;
        return true;
}

/* A decimal number of @min_len…@max_len digits at *p, advancing *p. */
static bool take_number(const char **p, size_t min_len, size_t max_len, int *ret) {
        size_t len = 0;
        int v = 0;

        while (g_ascii_isdigit((*p)[len]) && len < max_len) {
                v = v * 10 + ((*p)[len] - '0');
                len++;
        }
        if (len < min_len || g_ascii_isdigit((*p)[len]))
                return false;
        *p += len;
        *ret = v;
        return true;
}

/* "YYYY-MM-DD" */
static bool parse_date(const char *s, int *y, int *m, int *d) {
        const char *p = s;

        return take_number(&p, 4, 4, y) && *p++ == '-' && take_number(&p, 1, 2, m) && *p++ == '-' &&
               take_number(&p, 1, 2, d) && *p == '\0';
}

/* "HH:MM[:SS[.FRACTION]]"; the fraction as microseconds (digits after the sixth ignored). */
static bool parse_time_of_day(const char *s, int *h, int *mi, int *sec, int *usec) {
        const char *p = s;
        int scale = 100000;

        *sec = *usec = 0;
        if (!take_number(&p, 1, 2, h) || *p++ != ':' || !take_number(&p, 2, 2, mi))
                return false;
        if (*p == ':') {
                p++;
                if (!take_number(&p, 2, 2, sec))
                        return false;
                if (*p == '.') {
                        p++;
                        if (!g_ascii_isdigit(*p))
                                return false;
                        for (; g_ascii_isdigit(*p); p++, scale /= 10)
                                *usec += (*p - '0') * scale;
                }
        }
        return *p == '\0' && *h <= 23 && *mi <= 59 && *sec <= 59;
}

/* Mon…Sun, short or long, any case: ISO day of week 1…7, or 0. */
static int weekday(const char *s) {
        static const char *const names[] = { "monday", "tuesday", "wednesday", "thursday", "friday",
                                             "saturday", "sunday" };
        size_t len = strlen(s);

        for (int i = 0; i < 7; i++)
                if ((len == 3 || len == strlen(names[i])) && g_ascii_strncasecmp(s, names[i], len) == 0)
                        return i + 1;
        return 0;
}

/*
 * A time zone word at the end: "UTC", "Z", or a tz database name with a
 * slash ("Europe/Berlin").  Only names made of the characters such names
 * have, and no "..", reach GLib (it opens a file by that name).
 */
static GTimeZone *zone_from_word(const char *w) {
        if (g_ascii_strcasecmp(w, "UTC") == 0 || g_str_equal(w, "Z"))
                return g_time_zone_new_utc();
        if (!strchr(w, '/') || strstr(w, "..") || w[0] == '/')
                return NULL;
        for (const char *p = w; *p; p++)
                if (!g_ascii_isalnum(*p) && !strchr("_-+/", *p))
                        return NULL;
        return g_time_zone_new_identifier(w);
}

/* now ± span, without wrapping around. */
static int relative(uint64_t now, const char *span, int sign, uint64_t *ret) {
        uint64_t usec, t;
        int r;

        r = parse_timespan(span, &usec);
        if (r < 0)
                return r;
        if (sign > 0 ? __builtin_add_overflow(now, usec, &t) : __builtin_sub_overflow(now, usec, &t))
                return -ERANGE;
        *ret = t;
        return 0;
}

/* "@SECONDS[.FRACTION]" after the '@'. */
static int parse_epoch(const char *s, uint64_t *ret) {
        const char *dot = strchr(s, '.');
        size_t int_len = dot ? (size_t) (dot - s) : strlen(s);
        uint64_t sec = 0, usec = 0, scale = 100000;

        if (!all_digits(s, int_len))
                return -EINVAL;
        for (size_t i = 0; i < int_len; i++)
                if (__builtin_mul_overflow(sec, 10, &sec) || __builtin_add_overflow(sec, (uint64_t) (s[i] - '0'), &sec))
                        return -ERANGE;
        if (dot) {
                if (!all_digits(dot + 1, strlen(dot + 1)))
                        return -EINVAL;
                for (const char *p = dot + 1; *p; p++, scale /= 10)
                        usec += (uint64_t) (*p - '0') * scale;
        }
        if (__builtin_mul_overflow(sec, USEC_PER_SEC, &sec) || __builtin_add_overflow(sec, usec, &sec))
                return -ERANGE;
        *ret = sec;
        return 0;
}

/* The calendar day @offset days from the day @now falls on in @tz. */
static bool day_relative_to_now(GTimeZone *tz, uint64_t now, int offset, int *y, int *m, int *d) {
        g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc((gint64) (now / USEC_PER_SEC));
        g_autoptr(GDateTime) here = NULL, noon = NULL, shifted = NULL;

        if (!utc)
                return false;
        here = g_date_time_to_timezone(utc, tz);
        if (!here)
                return false;
        /* Noon: moving by whole days never lands in a DST gap there. */
        noon = g_date_time_new(tz, g_date_time_get_year(here), g_date_time_get_month(here),
                               g_date_time_get_day_of_month(here), 12, 0, 0);
        shifted = noon ? g_date_time_add_days(noon, offset) : NULL;
        if (!shifted)
                return false;
        g_date_time_get_ymd(shifted, y, m, d);
        return true;
}

static int parse_absolute(char **words, uint64_t now, uint64_t *ret) {
        g_autoptr(GTimeZone) tz = NULL;
        g_autoptr(GDateTime) dt = NULL;
        size_t n = g_strv_length(words);
        int wday = 0, y, mo, d, h = 0, mi = 0, sec = 0, usec = 0;
        const char *date_word, *time_word = NULL;
        gint64 unix_sec;

        if (n > 1) {
                tz = zone_from_word(words[n - 1]);
                if (tz)
                        n--;
        }
        if (!tz)
                tz = g_time_zone_new_local();
        if (n > 1 && (wday = weekday(words[0])) > 0) {
                words++;
                n--;
        }
        if (n == 0 || n > 2)
                return -EINVAL;
        date_word = words[0];
        if (n == 2)
                time_word = words[1];

        if (g_str_equal(date_word, "today") || g_str_equal(date_word, "yesterday") ||
            g_str_equal(date_word, "tomorrow")) {
                int offset = g_str_equal(date_word, "yesterday") ? -1 : g_str_equal(date_word, "tomorrow") ? 1 : 0;

                if (!day_relative_to_now(tz, now, offset, &y, &mo, &d))
                        return -ERANGE;
        } else if (parse_date(date_word, &y, &mo, &d)) {
                /* a date alone is its midnight */
        } else if (n == 1 && parse_time_of_day(date_word, &h, &mi, &sec, &usec)) {
                time_word = NULL;       /* already read: a time of day today */
                if (!day_relative_to_now(tz, now, 0, &y, &mo, &d))
                        return -ERANGE;
        } else
                return -EINVAL;
        if (time_word && !parse_time_of_day(time_word, &h, &mi, &sec, &usec))
                return -EINVAL;
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
                return y < 1970 ? -ERANGE : -EINVAL;

        dt = g_date_time_new(tz, y, mo, d, h, mi, sec);
        if (!dt)
                return -EINVAL;         /* no such day: 2026-02-30 */
        if (wday > 0 && g_date_time_get_day_of_week(dt) != wday)
                return -EINVAL;         /* "Mon 2026-12-24" is a Thursday */
        unix_sec = g_date_time_to_unix(dt);
        if (unix_sec < 0)
                return -ERANGE;
        *ret = (uint64_t) unix_sec * USEC_PER_SEC + (uint64_t) usec;
        return 0;
}

/**
 * parse_timestamp() - parse a point in time in the systemd.time(7) syntax
 * @s: the text
 * @now_usec: what "now" is (CLOCK_REALTIME µs); passed in so tests and
 *            callers agree on one instant
 * @ret_usec: the time in µs since the Unix epoch
 *
 * Accepted, as systemd.time(7) "PARSING TIMESTAMPS" describes them:
 * "now"; "+SPAN" and "SPAN left" (from now on), "-SPAN" and "SPAN ago"
 * (before now), SPAN as parse_timespan() reads it ("2h", "1h 30min");
 * "@SECONDS[.FRACTION]" since the epoch; "[WEEKDAY] YYYY-MM-DD[ HH:MM[:SS[.FRACTION]]]"
 * (also with "T" between date and time), "HH:MM[:SS]" (today),
 * "today", "yesterday", "tomorrow" (midnight, or with a time of day after
 * them: "tomorrow 02:00"); the absolute forms in local time unless they end
 * with "UTC", "Z" or a tz database name ("Europe/Berlin").  A weekday must
 * match the date.
 *
 * Return: 0, -EINVAL for text that is none of these, -ERANGE for a time
 * before 1970 or beyond what 64 bits of µs hold.
 */
int parse_timestamp(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        g_autofree char *text = NULL;
        g_auto(GStrv) words = NULL;
        g_autoptr(GPtrArray) parts = NULL;
        char *t;
        size_t len;

        if (!s || strlen(s) > TIMESTAMP_TEXT_MAX)
                return -EINVAL;
        text = g_strdup(s);
        t = g_strstrip(text);
        for (char *p = t; *p; p++)
                if (*p == '\t')
                        *p = ' ';
        len = strlen(t);
        if (len == 0)
                return -EINVAL;

        if (g_str_equal(t, "now")) {
                *ret_usec = now_usec;
                return 0;
        }
        if (t[0] == '+' || t[0] == '-')
                return relative(now_usec, t + 1, t[0] == '+' ? 1 : -1, ret_usec);
        if (len > 4 && g_str_has_suffix(t, " ago")) {
                t[len - 4] = '\0';
                return relative(now_usec, t, -1, ret_usec);
        }
        if (len > 5 && g_str_has_suffix(t, " left")) {
                t[len - 5] = '\0';
                return relative(now_usec, t, 1, ret_usec);
        }
        if (t[0] == '@')
                return parse_epoch(t + 1, ret_usec);

        /* Words; "2026-12-24T18:00" is a date and a time. */
        parts = g_ptr_array_new_with_free_func(g_free);
        for (char *w = strtok(t, " "); w; w = strtok(NULL, " ")) {
                char *tee = strchr(w, 'T');

                if (tee && tee - w == 10 && tee[1]) {
                        g_ptr_array_add(parts, g_strndup(w, 10));
                        g_ptr_array_add(parts, g_strdup(tee + 1));
                } else
                        g_ptr_array_add(parts, g_strdup(w));
        }
        g_ptr_array_add(parts, NULL);
        words = (GStrv) g_ptr_array_free(g_steal_pointer(&parts), FALSE);
        return parse_absolute(words, now_usec, ret_usec);
}

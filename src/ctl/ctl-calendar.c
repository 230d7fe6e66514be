/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluicectl calendar EXPR… [--iterations=N] [--base-time=T]: the normalized
 * form and the next elapses of calendar events, in the layout of
 * `systemd-analyze calendar`.  Needs no bus.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "calendar-search.h"
#include "ctl.h"
#include "i18n.h"

#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR   (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY    (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK   (7 * USEC_PER_DAY)
#define USEC_PER_MONTH  (2629800 * USEC_PER_SEC)
#define USEC_PER_YEAR   (31557600 * USEC_PER_SEC)

/* "Sun 2026-10-25 02:30:00 CEST": English day names whatever the locale, so the output is stable. */
static char *format_timestamp(usec_t t, bool utc) {
        static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
        g_autoptr(GDateTime) dt = NULL;
        g_autofree char *rest = NULL;
        gint64 s = (gint64) (t / USEC_PER_SEC);

        dt = utc ? g_date_time_new_from_unix_utc(s) : g_date_time_new_from_unix_local(s);
        if (!dt)
                return g_strdup("n/a");
        rest = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
        if (utc)
                return g_strdup_printf("%s %s UTC", days[g_date_time_get_day_of_week(dt) - 1], rest);
        return g_strdup_printf("%s %s %s", days[g_date_time_get_day_of_week(dt) - 1], rest,
                               g_date_time_get_timezone_abbreviation(dt));
}

/* "1 month 3 days ago", "5min 2s left", as systemd's format_timestamp_relative(). */
static char *format_relative(usec_t t, usec_t now) {
        const char *s;
        usec_t d;

        if (now > t) {
                d = now - t;
                s = _(" ago");
        } else {
                d = t - now;
                s = _(" left");
        }
        if (d >= USEC_PER_YEAR) {
                usec_t years = d / USEC_PER_YEAR, months = (d % USEC_PER_YEAR) / USEC_PER_MONTH;
                return g_strdup_printf("%" G_GUINT64_FORMAT " %s %" G_GUINT64_FORMAT " %s%s", years,
                                       years == 1 ? _("year") : _("years"), months,
                                       months == 1 ? _("month") : _("months"), s);
        }
        if (d >= USEC_PER_MONTH) {
                usec_t months = d / USEC_PER_MONTH, days = (d % USEC_PER_MONTH) / USEC_PER_DAY;
                return g_strdup_printf("%" G_GUINT64_FORMAT " %s %" G_GUINT64_FORMAT " %s%s", months,
                                       months == 1 ? _("month") : _("months"), days,
                                       days == 1 ? _("day") : _("days"), s);
        }
        if (d >= USEC_PER_WEEK) {
                usec_t weeks = d / USEC_PER_WEEK, days = (d % USEC_PER_WEEK) / USEC_PER_DAY;
                return g_strdup_printf("%" G_GUINT64_FORMAT " %s %" G_GUINT64_FORMAT " %s%s", weeks,
                                       weeks == 1 ? _("week") : _("weeks"), days,
                                       days == 1 ? _("day") : _("days"), s);
        }
        if (d >= 2 * USEC_PER_DAY)
                return g_strdup_printf("%" G_GUINT64_FORMAT " %s%s", d / USEC_PER_DAY, _("days"), s);
        if (d >= 25 * USEC_PER_HOUR)
                return g_strdup_printf("1 %s %" G_GUINT64_FORMAT "h%s", _("day"),
                                       (d - USEC_PER_DAY) / USEC_PER_HOUR, s);
        if (d >= 6 * USEC_PER_HOUR)
                return g_strdup_printf("%" G_GUINT64_FORMAT "h%s", d / USEC_PER_HOUR, s);
        if (d >= USEC_PER_HOUR)
                return g_strdup_printf("%" G_GUINT64_FORMAT "h %" G_GUINT64_FORMAT "min%s", d / USEC_PER_HOUR,
                                       (d % USEC_PER_HOUR) / USEC_PER_MINUTE, s);
        if (d >= 5 * USEC_PER_MINUTE)
                return g_strdup_printf("%" G_GUINT64_FORMAT "min%s", d / USEC_PER_MINUTE, s);
        if (d >= USEC_PER_MINUTE)
                return g_strdup_printf("%" G_GUINT64_FORMAT "min %" G_GUINT64_FORMAT "s%s", d / USEC_PER_MINUTE,
                                       (d % USEC_PER_MINUTE) / USEC_PER_SEC, s);
        if (d >= USEC_PER_SEC)
                return g_strdup_printf("%" G_GUINT64_FORMAT "s%s", d / USEC_PER_SEC, s);
        if (d >= USEC_PER_MSEC)
                return g_strdup_printf("%" G_GUINT64_FORMAT "ms%s", d / USEC_PER_MSEC, s);
        if (d > 0)
                return g_strdup_printf("%" G_GUINT64_FORMAT "us%s", d, s);
        return g_strdup(_("now"));
}

/* Whether the local zone is UTC all year (systemd's in_utc_timezone()). */
static bool local_zone_is_utc(usec_t now) {
        g_autoptr(GTimeZone) tz = g_time_zone_new_local();
        gint64 s = (gint64) (now / USEC_PER_SEC);

        for (int i = -6; i <= 6; i++) {
                int interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, s + (gint64) i * 2629800);
                if (interval < 0 || g_time_zone_get_offset(tz, interval) != 0 || g_time_zone_is_dst(tz, interval))
                        return false;
        }
        return true;
}

/* Seconds with an optional fraction of up to 6 digits: "1700000000", "12.5". */
static bool parse_seconds_fraction(const char *s, gint64 *ret_sec, usec_t *ret_usec) {
        char *end = NULL;
        gint64 v;
        usec_t frac = 0;

        if (!g_ascii_isdigit(*s))
                return false;
        errno = 0;
        v = g_ascii_strtoll(s, &end, 10);
        if (errno != 0 || v < 0)
                return false;
        if (*end == '.') {
                usec_t scale = USEC_PER_SEC / 10;

                end++;
                if (!g_ascii_isdigit(*end))
                        return false;
                for (; g_ascii_isdigit(*end); end++, scale /= 10)
                        frac += (usec_t) (*end - '0') * scale;
        }
        if (*end != 0)
                return false;
        *ret_sec = v;
        *ret_usec = frac;
        return true;
}

/*
 * T as systemd takes it, the forms used in practice: "@EPOCH[.FRACTION]",
 * "now", "today", "yesterday", "tomorrow", "YYYY-MM-DD[ HH:MM[:SS[.FRAC]]][ ZONE]"
 * with ZONE "UTC" or a tz database name (default: the local zone).
 */
static bool parse_base_time(const char *text, usec_t now, usec_t *ret) {
        g_autoptr(GTimeZone) tz = NULL;
        g_autoptr(GDateTime) dt = NULL;
        g_auto(GStrv) words = NULL;
        unsigned n;
        int y, mo, d, h = 0, mi = 0, consumed = 0;
        gint64 sec = 0;
        usec_t frac = 0;

        if (text[0] == '@') {
                if (!parse_seconds_fraction(text + 1, &sec, &frac) || sec > G_MAXINT64 / (gint64) USEC_PER_SEC - 1)
                        return false;
                *ret = (usec_t) sec * USEC_PER_SEC + frac;
                return true;
        }
        if (strcmp(text, "now") == 0) {
                *ret = now;
                return true;
        }

        words = g_strsplit(text, " ", -1);
        n = g_strv_length(words);
        if (n == 0)
                return false;
        if (n >= 2 && (g_ascii_strcasecmp(words[n - 1], "UTC") == 0 || strchr(words[n - 1], '/'))) {
                tz = g_ascii_strcasecmp(words[n - 1], "UTC") == 0 ? g_time_zone_new_utc()
                                                                  : g_time_zone_new_identifier(words[n - 1]);
                if (!tz)
                        return false;
                n--;
        } else
                tz = g_time_zone_new_local();
        if (n > 2)
                return false;

        if (n == 1 && (strcmp(words[0], "today") == 0 || strcmp(words[0], "yesterday") == 0 ||
                       strcmp(words[0], "tomorrow") == 0)) {
                g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc((gint64) (now / USEC_PER_SEC));
                g_autoptr(GDateTime) local = t ? g_date_time_to_timezone(t, tz) : NULL;
                int shift = words[0][0] == 'y' ? -1 : words[0][1] == 'o' && words[0][2] == 'm' ? 1 : 0;

                if (!local)
                        return false;
                dt = g_date_time_new(tz, g_date_time_get_year(local), g_date_time_get_month(local),
                                     g_date_time_get_day_of_month(local), 0, 0, 0);
                if (dt && shift != 0) {
                        GDateTime *moved = g_date_time_add_days(dt, shift);
                        g_date_time_unref(dt);
                        dt = moved;
                }
        } else {
                if (sscanf(words[0], "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || words[0][consumed] != 0)
                        return false;
                if (n == 2) {
                        const char *t = words[1];
                        char *end = NULL;
                        int c2 = 0;

                        if (sscanf(t, "%2d:%2d%n", &h, &mi, &c2) != 2)
                                return false;
                        t += c2;
                        if (*t == ':') {
                                t++;
                                if (!g_ascii_isdigit(*t))
                                        return false;
                                sec = g_ascii_strtoll(t, &end, 10);
                                t = end;
                                if (*t == '.') {
                                        usec_t scale = USEC_PER_SEC / 10;
                                        t++;
                                        if (!g_ascii_isdigit(*t))
                                                return false;
                                        for (; g_ascii_isdigit(*t); t++, scale /= 10)
                                                frac += (usec_t) (*t - '0') * scale;
                                }
                        }
                        if (*t != 0 || h > 23 || mi > 59 || sec > 59)
                                return false;
                }
                dt = g_date_time_new(tz, y, mo, d, h, mi, (gdouble) sec);
        }
        if (!dt || g_date_time_to_unix(dt) < 0)
                return false;
        *ret = (usec_t) g_date_time_to_unix(dt) * USEC_PER_SEC + frac;
        return true;
}

static void print_row(const char *label, const char *value) {
        printf("%16s %s\n", label, value);
}

static int show_one(const char *expr, usec_t base, usec_t now, unsigned iterations, bool utc_zone) {
        g_autoptr(CalendarSpec) spec = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *normalized = NULL;
        g_autoptr(GArray) nexts = NULL;
        usec_t n = base;

        spec = calendar_spec_parse(expr, &error);
        if (!spec) {
                fprintf(stderr, "sluicectl: calendar: %s\n", error->message);
                return CTL_EXIT_FAILURE;
        }
        normalized = calendar_spec_to_string(spec);

        /* Like systemd-analyze: all elapses first, nothing shown if the search fails. */
        nexts = g_array_new(false, false, sizeof(usec_t));
        for (unsigned i = 0; i < iterations; i++) {
                usec_t next;
                int r = calendar_spec_next_elapse(spec, n, &next);

                if (r == -ENOENT)
                        break;
                if (r < 0) {
                        fprintf(stderr, _("sluicectl: calendar: \"%s\": cannot determine the next elapse after %s\n"),
                                expr, r == -EDEADLK ? _("1000 steps") : _("year 9999"));
                        return CTL_EXIT_FAILURE;
                }
                g_array_append_val(nexts, next);
                n = next;
        }

        if (strcmp(normalized, expr) != 0) {
                /* systemd's table drops trailing blanks */
                g_autofree char *shown = g_strchomp(g_strdup(expr));
                print_row(_("Original form:"), shown);
        }
        print_row(_("Normalized form:"), normalized);
        if (iterations > 0 && nexts->len == 0)
                print_row(_("Next elapse:"), _("never"));

        for (unsigned i = 0; i < nexts->len; i++) {
                g_autofree char *when = NULL;
                usec_t next = g_array_index(nexts, usec_t, i);

                when = format_timestamp(next, false);
                if (i == 0)
                        print_row(_("Next elapse:"), when);
                else {
                        g_autofree char *label = g_strdup_printf(_("Iter. #%u:"), i + 1);
                        print_row(label, when);
                }
                if (!utc_zone) {
                        g_autofree char *in_utc = format_timestamp(next, true);
                        print_row(_("(in UTC):"), in_utc);
                }
                {
                        g_autofree char *rel = format_relative(next, now);
                        print_row(_("From now:"), rel);
                }
        }
        return CTL_EXIT_OK;
}

/**
 * ctl_verb_calendar() - sluicectl calendar EXPR… [--iterations=N] [--base-time=T]
 * @ctl: unused: no bus needed
 * @argc: argument count, argv[0] is "calendar"
 * @argv: the verb's arguments
 *
 * Return: 0, CTL_EXIT_FAILURE when an expression is invalid (the valid ones
 * are still shown), CTL_EXIT_USAGE for bad options.
 */
int ctl_verb_calendar(Ctl *ctl, int argc, char **argv) {
        enum { ARG_ITERATIONS = 0x100, ARG_BASE_TIME };
        static const struct option options[] = {
                { "iterations", required_argument, NULL, ARG_ITERATIONS },
                { "base-time",  required_argument, NULL, ARG_BASE_TIME },
                { "help",       no_argument,       NULL, 'h' },
                {}
        };
        const char *base_text = NULL;
        unsigned iterations = 1;
        usec_t now = (usec_t) g_get_real_time(), base;
        int c, ret = CTL_EXIT_OK;
        bool utc_zone;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_ITERATIONS: {
                        guint64 v;

                        if (!g_ascii_string_to_unsigned(optarg, 10, 0, 1000000, &v, NULL))
                                return ctl_usage_error(_("invalid --iterations value \"%s\" (0..1000000)"), optarg);
                        iterations = (unsigned) v;
                        break;
                }
                case ARG_BASE_TIME:
                        base_text = optarg;
                        break;
                case 'h':
                        ctl_print_help();
                        return CTL_EXIT_OK;
                default:
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                }
        }
        if (optind >= argc)
                return ctl_usage_error(_("calendar: missing calendar expression"));

        base = now;
        if (base_text && !parse_base_time(base_text, now, &base))
                return ctl_usage_error(_("invalid --base-time value \"%s\" (@EPOCH or YYYY-MM-DD HH:MM:SS [ZONE])"),
                                       base_text);
        utc_zone = local_zone_is_utc(base);

        for (int i = optind; i < argc; i++) {
                if (show_one(argv[i], base, now, iterations, utc_zone) != CTL_EXIT_OK)
                        ret = CTL_EXIT_FAILURE;
                if (i + 1 < argc)
                        putchar('\n');
        }
        fflush(stdout);
        return ret;
}

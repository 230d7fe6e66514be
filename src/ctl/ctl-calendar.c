/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluicectl calendar EXPR… [--iterations=N] [--base-time=T] [--json]: the normalized
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
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"
#include "timestamp.h"

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

static void print_row(const char *label, const char *value) {
        printf("%16s %s\n", label, value);
}

/* One expression as JSON: {"Expression", "Normalized", "NextElapses": [µs…]} or {"Expression", "Error"}. */
static void json_one(CtlJson *j, const char *expr, const char *normalized, GArray *nexts, const char *error) {
        ctl_json_begin_object(j);
        ctl_json_key(j, "Expression");
        ctl_json_string(j, expr);
        if (error) {
                ctl_json_key(j, "Error");
                ctl_json_string(j, error);
        } else {
                ctl_json_key(j, "Normalized");
                ctl_json_string(j, normalized);
                ctl_json_key(j, "NextElapses");
                ctl_json_begin_array(j);
                for (unsigned i = 0; nexts && i < nexts->len; i++)
                        ctl_json_uint(j, g_array_index(nexts, usec_t, i));
                ctl_json_end_array(j);
        }
        ctl_json_end_object(j);
}

static int show_one(const char *expr, usec_t base, usec_t now, unsigned iterations, bool utc_zone, CtlJson *j) {
        g_autoptr(CalendarSpec) spec = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *normalized = NULL;
        g_autoptr(GArray) nexts = NULL;
        usec_t n = base;

        spec = calendar_spec_parse(expr, &error);
        if (!spec) {
                fprintf(stderr, "sluicectl: calendar: %s\n", error->message);
                if (j)
                        json_one(j, expr, NULL, NULL, error->message);
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
                        if (j)
                                json_one(j, expr, NULL, NULL, _("cannot determine the next elapse"));
                        return CTL_EXIT_FAILURE;
                }
                g_array_append_val(nexts, next);
                n = next;
        }

        if (j) {
                json_one(j, expr, normalized, nexts, NULL);
                return CTL_EXIT_OK;
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
 * ctl_verb_calendar() - sluicectl calendar EXPR… [--iterations=N] [--base-time=T] [--json]
 * @ctl: the context (--json); no bus needed
 * @argc: argument count, argv[0] is "calendar"
 * @argv: the verb's arguments
 *
 * Return: 0, CTL_EXIT_FAILURE when an expression is invalid (the valid ones
 * are still shown), CTL_EXIT_USAGE for bad options.
 */
int ctl_verb_calendar(Ctl *ctl, int argc, char **argv) {
        enum { ARG_ITERATIONS = 0x100, ARG_BASE_TIME, ARG_JSON };
        static const struct option options[] = {
                { "iterations", required_argument, NULL, ARG_ITERATIONS },
                { "base-time",  required_argument, NULL, ARG_BASE_TIME },
                { "json",       no_argument,       NULL, ARG_JSON },
                { "help",       no_argument,       NULL, 'h' },
                CTL_OUTPUT_OPTIONS,
                {}
        };
        g_auto(CtlJson) j = CTL_JSON_INIT;
        const char *base_text = NULL;
        unsigned iterations = 1;
        usec_t now = (usec_t) g_get_real_time(), base;
        int c, ret = CTL_EXIT_OK;
        bool utc_zone;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h" CTL_OUTPUT_SHORT_OPTIONS, options, NULL)) >= 0) {
                if (ctl_output_parse_option(&ctl->out, c))
                        continue;
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
                case ARG_JSON:
                        ctl->json = true;
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
        if (base_text && parse_timestamp(base_text, now, &base) < 0)
                return ctl_usage_error(_("invalid --base-time value \"%s\": expected a time as in "
                                         "systemd.time(7), e.g. \"@1700000000\", \"2026-12-24 18:00 UTC\", "
                                         "\"tomorrow\""), base_text);
        utc_zone = local_zone_is_utc(base);

        if (ctl->json)
                ctl_json_begin_array(&j);
        else
                ctl_pager_open(ctl);
        for (int i = optind; i < argc; i++) {
                if (show_one(argv[i], base, now, iterations, utc_zone, ctl->json ? &j : NULL) != CTL_EXIT_OK)
                        ret = CTL_EXIT_FAILURE;
                if (i + 1 < argc && !ctl->json)
                        putchar('\n');
        }
        if (ctl->json) {
                ctl_json_end_array(&j);
                printf("%s\n", j.out->str);
        }
        fflush(stdout);
        return ret;
}

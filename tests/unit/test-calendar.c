/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calendar events (src/core/calendar*.c, `sluicectl calendar`).
 *
 * The main test runs `systemd-analyze calendar --iterations=N
 * --base-time=T EXPR…` and `sluicectl calendar` with the same arguments on a
 * generated corpus (calendar-corpus.c, fixed seed) plus hand-picked edge
 * cases, in several zones (TZ=), from several base times, among them
 * just before each DST transition of the zone, and compares every line but
 * "From now" (which depends on the clock).  Without systemd-analyze it is
 * skipped, or fails under CI=true.
 *
 * The other tests check the library directly: the normalized form parses to
 * itself, invalid expressions fail with a message naming the fault, and a
 * few next elapses are spelled out.
 */
#include <glib.h>
#include <locale.h>
#include <string.h>

#include "calendar.h"
#include "calendar-corpus.h"
#include "errors.h"

#define CORPUS_SEED 20261128
#define CORPUS_SIZE 600
#define ITERATIONS "4"

/* Lord_Howe: a 30-minute DST.  Not Europe/Dublin: GLib (2.74) gets its
 * "negative DST" wrong after 2037, where the POSIX TZ rule takes over. */
static const char *const zones[] = {
        "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
};

/* Hand-picked: every shorthand, DST-sensitive hours, ends of months, leap days, fractions, zones. */
static const char *const edge_cases[] = {
        "minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "anually", "quarterly",
        "semiannually", "semi-annually", "biannually", "bi-annually",
        "*-*-* 02:30", "*-*-* 02:00/10", "*-*-* 1..3:*", "*-*-* 2,3:00/20", "*-*-* 02:10,50", "*:0/20",
        "*-*-* 01:59:59", "*-*-* 03:00", "*-*-* 2:30 UTC", "*-*-* 02:30 Europe/Berlin",
        "*-*-* 02:15 Australia/Lord_Howe", "*-*-* 01:30 America/New_York", "*-*-* 02:45 Asia/Kolkata",
        "Sun *-*-* 02:30", "Sun *-03,10-* 02:00/15", "Sat..Sun 01,02,03:30",
        "*-02-29", "*-02-30", "*-*-31 12:00", "*-*~01", "*-*~03/2", "*-02~1..7", "*-*~7,1", "2024-02~01",
        "Mon..Fri *-*-01..07 04:00", "Mon,Tue,Wed", "Mon-Wed", "Monday..Wednesday,Friday 9:00",
        "mon 8:00", "MONDAY 8:00", "Fri *-*-13", "Mon 2026-*-* 0:0", "Tue,Thu *-*-* 6:00",
        "*:*:*", "*:*:0/15", "*:*:10.5", "*:*:0.25/0.5", "*:*:1.123456789", "*:*:59.9999995",
        "12:00", "12:00:00", "00:00:00.000001", "1..5:0/7", "*:5..50/7", "*:00..59/60", "*-*-* 0..23/6:00",
        "2026-*-* 00:00", "2026..2027-01,07-01", "26-1-1", "99-1-1", "1970-1-1", "2199-12-31 23:59:59",
        "2200-1-1", "1969-1-1", "2026-13-01", "2026-00-01", "*-*-32", "*-*-00", "24:00", "23:60",
        "00:00:60", "*-*~29", "*-1/0-1", "Mon..Fri..Sun", "Fri..Mon", "Mon,,Tue", "Mon.Tue", "Mo",
        "Mond", "Mon,", "Mon-", "Mon..", "@1700000000", "@4102444800", "Mon @1800000000",
        "daily UTC", "daily utc", "daily Europe/Berlin", "daily America/New_York", "daily Asia/Kolkata",
        "daily Etc/GMT-14", "daily Nowhere/City", "daily CET", "daily CEST", "daily EST", "daily EDT",
        "daily IST", "12:00 +11", "daily  UTC", "Europe/Berlin", "UTC", " daily", "daily ", "12:00 ",
        "2024-01-01 ", "Mon ", "Mon, ", "", " ", "*", "*-*", "*-*-*", "*-*-* *:*", "*-*-* *:*:*",
        "1,2,3,3,2,1:0", "0..0:0", "5..5/3:0", "0/1:0/1", "*:0/59", "*:0/60", "1:2:3:4", "1-2-3-4",
        "2026-1-1 12:00 UTC", "2026-07-01 12:00:00 Australia/Lord_Howe", "hourly Asia/Kolkata",
        "4294967296:00", "2147483647:00", "*:*:2147.483647", "*-*-* 00:00:00.5..10",
        "daily GMT", "daily IST", "*-*-* 01:30", "*-*-* 00:30..02:00/15", "*-*~01 01:00 Europe/Dublin",
};

typedef struct Run {
        char *out;
        int status;
} Run;

static void run_clear(Run *r) {
        g_free(r->out);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static void run(const char *zone, const char *const *cmd, const char *base, GPtrArray *exprs, Run *ret) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) envp = g_get_environ();
        g_autoptr(GError) error = NULL;
        g_autofree char *err = NULL;

        for (const char *const *c = cmd; *c; c++)
                g_ptr_array_add(argv, g_strdup(*c));
        g_ptr_array_add(argv, g_strdup("--iterations=" ITERATIONS));
        g_ptr_array_add(argv, g_strdup_printf("--base-time=%s", base));
        for (unsigned i = 0; i < exprs->len; i++)
                g_ptr_array_add(argv, g_strdup(exprs->pdata[i]));
        g_ptr_array_add(argv, NULL);

        envp = g_environ_setenv(envp, "TZ", zone, true);
        envp = g_environ_setenv(envp, "LC_ALL", "C", true);
        envp = g_environ_setenv(envp, "SYSTEMD_COLORS", "0", true);
        envp = g_environ_setenv(envp, "SYSTEMD_PAGER", "", true);
        envp = g_environ_setenv(envp, "SYSTEMD_LOG_LEVEL", "err", true);

        g_assert_true(g_spawn_sync(NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &ret->out, &err,
                                   &ret->status, &error));
        g_assert_no_error(error);
}

/* The output without the "From now:" lines, which depend on the clock. */
static char **comparable_lines(const char *out) {
        g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();

        for (char **l = lines; *l; l++)
                if (!g_str_has_prefix(*l + strspn(*l, " "), "From now:"))
                        g_strv_builder_add(b, *l);
        return g_strv_builder_end(b);
}

static void compare(const char *zone, const char *base, GPtrArray *exprs, const char *ctl, const char *analyze) {
        const char *const analyze_cmd[] = { analyze, "--no-pager", "calendar", NULL };
        const char *const ctl_cmd[] = { ctl, "calendar", NULL };
        g_auto(Run) want = { 0 }, got = { 0 };
        g_auto(GStrv) want_lines = NULL, got_lines = NULL;
        unsigned expr = 0;

        run(zone, analyze_cmd, base, exprs, &want);
        run(zone, ctl_cmd, base, exprs, &got);
        want_lines = comparable_lines(want.out);
        got_lines = comparable_lines(got.out);

        for (unsigned i = 0; want_lines[i] || got_lines[i]; i++) {
                if (!want_lines[i] || !got_lines[i] || strcmp(want_lines[i], got_lines[i]) != 0) {
                        g_test_message("TZ=%s --base-time='%s' '%s', line %u", zone, base,
                                       expr < exprs->len ? (const char *) exprs->pdata[expr] : "?", i);
                        g_assert_cmpstr(got_lines[i], ==, want_lines[i]);
                }
                if (!*want_lines[i])
                        expr++;         /* blank lines separate the expressions */
        }
        /* Both fail when (and only when) an expression was invalid. */
        g_assert_cmpint(got.status != 0, ==, want.status != 0);
}

static char *find_analyze(void) {
        return g_find_program_in_path("systemd-analyze");
}

/* Base times: fixed ones in systemd's timestamp forms, and 90 min before
 * every UTC offset change of @zone in 2026 and 2027 (as @EPOCH). */
static GPtrArray *base_times(const char *zone) {
        GPtrArray *b = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(zone);
        gint64 start = 1767225600, end = 1830297600;    /* 2026-01-01 .. 2028-01-01 */
        gint32 previous;

        g_assert_nonnull(tz);
        g_ptr_array_add(b, g_strdup("@1700000000"));
        g_ptr_array_add(b, g_strdup("2026-02-28 23:59:59 UTC"));
        g_ptr_array_add(b, g_strdup("2027-12-31 23:59:59"));
        g_ptr_array_add(b, g_strdup("2024-02-29 12:00"));

        previous = g_time_zone_get_offset(tz, g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, start));
        for (gint64 t = start; t < end; t += 900) {
                gint32 o = g_time_zone_get_offset(tz, g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, t));
                if (o != previous) {
                        g_ptr_array_add(b, g_strdup_printf("@%" G_GINT64_FORMAT, t - 5400));
                        /* and inside the repeated hour / right after the gap */
                        g_ptr_array_add(b, g_strdup_printf("@%" G_GINT64_FORMAT, t + 600));
                        previous = o;
                }
        }
        return b;
}

/* SLUICE_CALENDAR_SEED=N / SLUICE_CALENDAR_SIZE=N explore other corpora; the default is fixed. */
static guint64 env_number(const char *name, guint64 fallback) {
        const char *v = g_getenv(name);
        guint64 n;

        if (!v || !g_ascii_string_to_unsigned(v, 10, 1, G_MAXUINT32, &n, NULL))
                return fallback;
        return n;
}

static GPtrArray *all_expressions(void) {
        GPtrArray *all = calendar_corpus_generate((guint32) env_number("SLUICE_CALENDAR_SEED", CORPUS_SEED),
                                                  (unsigned) env_number("SLUICE_CALENDAR_SIZE", CORPUS_SIZE));

        for (size_t i = 0; i < G_N_ELEMENTS(edge_cases); i++)
                g_ptr_array_add(all, g_strdup(edge_cases[i]));
        return all;
}

static void test_agrees_with_systemd(gconstpointer data) {
        const char *zone = data;
        g_autofree char *analyze = find_analyze();
        const char *ctl = g_getenv("SLUICECTL");
        g_autoptr(GPtrArray) exprs = all_expressions();
        g_autoptr(GPtrArray) bases = NULL;

        if (!analyze) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0)
                        g_error("systemd-analyze is missing (Debian package systemd, tools/install-deps.sh)");
                g_test_skip("systemd-analyze is not installed");
                return;
        }
        g_assert_nonnull(ctl);
        g_assert_cmpuint(exprs->len, >=, 500);
        bases = base_times(zone);
        for (unsigned i = 0; i < bases->len; i++)
                compare(zone, bases->pdata[i], exprs, ctl, analyze);
}

/* The normalized form is a fixed point: it parses, to itself. */
static void test_round_trip(void) {
        g_autoptr(GPtrArray) exprs = all_expressions();
        unsigned valid = 0;

        for (unsigned i = 0; i < exprs->len; i++) {
                g_autoptr(CalendarSpec) spec = calendar_spec_parse(exprs->pdata[i], NULL);
                g_autoptr(CalendarSpec) again = NULL;
                g_autofree char *text = NULL, *text_again = NULL;
                g_autoptr(GError) error = NULL;

                if (!spec)
                        continue;
                valid++;
                text = calendar_spec_to_string(spec);
                again = calendar_spec_parse(text, &error);
                g_assert_no_error(error);
                text_again = calendar_spec_to_string(again);
                g_assert_cmpstr(text_again, ==, text);
        }
        /* the corpus is mostly valid */
        g_assert_cmpuint(valid, >, exprs->len / 2);
}

static const struct {
        const char *text;
        const char *message;
} invalid_cases[] = {
        { "", "\"\": empty calendar expression" },
        { "Mon..Fry 04:00", "\"Mon..Fry 04:00\": unknown weekday \"Fry\"" },
        { "Fri..Mon", "\"Fri..Mon\": weekday range Fri..Mon runs backwards" },
        { "Mon..", "\"Mon..\": weekday range without an end" },
        { "sometimes", "\"sometimes\": \"sometimes\" is neither a weekday nor a shorthand such as \"daily\"" },
        { "*-13-01", "\"*-13-01\": month 13 is out of range 1..12" },
        { "*-*-32", "\"*-*-32\": day 32 is out of range 1..31" },
        { "*-*~29", "\"*-*~29\": day 29 is out of range 1..28" },
        { "24:00", "\"24:00\": hour 24 is out of range 0..23" },
        { "12:60", "\"12:60\": minute 60 is out of range 0..59" },
        { "12:00:60", "\"12:00:60\": second 60 is out of range 0..59" },
        { "2200-01-01", "\"2200-01-01\": year 2200 is out of range 1970..2199" },
        { "*:0/0", "\"*:0/0\": minute: a repetition of 0" },
        { "*:10..5", "\"*:10..5\": minute: range 10..5 runs backwards" },
        { "12:00:", "\"12:00:\": second is missing a number" },
        { "12:x", "\"12:x\": minute: expected a number, got \"x\"" },
        { "12:00:00.", "\"12:00:00.\": second: expected digits after the decimal point" },
        { "12:00 !x", "\"12:00 !x\": time: unexpected \" \" after the minute" },
        /* A last word in the place of a time zone, that looks like one, and the rest
         * parses: the zone is named (systemd-analyze says only "Invalid argument"). */
        { "12:00 x", "\"12:00 x\": unknown time zone \"x\"" },
        { "*-*-* 00:00 Mars/Olympus", "\"*-*-* 00:00 Mars/Olympus\": unknown time zone \"Mars/Olympus\"" },
        { "daily Mars/Olympus", "\"daily Mars/Olympus\": unknown time zone \"Mars/Olympus\"" },
        { "Mon *-*-* 02:30:00 Europe/Nowhere", "\"Mon *-*-* 02:30:00 Europe/Nowhere\": unknown time zone \"Europe/Nowhere\"" },
        /* the rest does not parse: its own fault is named, not the zone */
        { "Mon..Fry 04:00 Mars/Olympus", "\"Mon..Fry 04:00 Mars/Olympus\": unknown weekday \"Fry\"" },
        { "1-2-3-4", "\"1-2-3-4\": date: unexpected \"-\"" },
        { "99999999999:00", "\"99999999999:00\": date: number out of range" },
        { "daily  UTC", "\"daily  UTC\": \"daily\" is neither a weekday nor a shorthand such as \"daily\"" },
        { " UTC", "\" UTC\": a time zone alone is not a calendar event" },
        { "\xff", "calendar expression is not valid UTF-8" },
};

static void test_invalid(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(invalid_cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(CalendarSpec) spec = calendar_spec_parse(invalid_cases[i].text, &error);

                g_assert_null(spec);
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT);
                g_assert_cmpstr(error->message, ==, invalid_cases[i].message);
        }
}

static usec_t usec_of(const char *iso) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(iso, NULL);

        g_assert_nonnull(dt);
        return (usec_t) g_date_time_to_unix(dt) * USEC_PER_SEC + (usec_t) g_date_time_get_microsecond(dt);
}

static const struct {
        const char *text;
        const char *after;
        const char *next;       /* NULL: never */
} next_cases[] = {
        { "Mon..Fri *-*-01..07 04:00 UTC", "2026-11-28T10:00:00Z", "2026-12-01T04:00:00Z" },
        { "*-02-29 12:00 UTC", "2026-03-01T00:00:00Z", "2028-02-29T12:00:00Z" },
        { "*-*~01 UTC", "2026-02-01T00:00:00Z", "2026-02-28T00:00:00Z" },
        { "*:*:0/15 UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:00:15Z" },
        { "*:*:0.5/0.25 UTC", "2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00.75Z" },
        /* the gap: 02:30 does not exist in Berlin on 2026-03-29 */
        { "*-*-* 02:30 Europe/Berlin", "2026-03-29T00:00:00Z", "2026-03-30T00:30:00Z" },
        /* the repeated hour elapses once, in summer time */
        { "*-*-* 02:30 Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z" },
        { "*-*-* 02:30 Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z" },
        { "2025-01-01 UTC", "2026-01-01T00:00:00Z", NULL },
        { "*-02-30", "2026-01-01T00:00:00Z", NULL },
};

static void test_next(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(next_cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(CalendarSpec) spec = calendar_spec_parse(next_cases[i].text, &error);
                usec_t next = 0;
                bool found;

                g_assert_no_error(error);
                found = calendar_spec_next(spec, usec_of(next_cases[i].after), &next);
                g_test_message("%s after %s", next_cases[i].text, next_cases[i].after);
                if (!next_cases[i].next) {
                        g_assert_false(found);
                        continue;
                }
                g_assert_true(found);
                g_assert_cmpuint(next, ==, usec_of(next_cases[i].next));
        }
}

/* sluicectl calendar on its own: the layout, "never", the blank line
 * between expressions, the message and exit status for an invalid one. */
static void test_ctl_layout(void) {
        const char *ctl = g_getenv("SLUICECTL");
        const char *const argv[] = {
                ctl, "calendar", "--iterations=2", "--base-time=2026-10-25 00:00:00 UTC",
                "*-*-* 02:30", "Mon..Fry 04:00", "2020-01-01", "*-*-* 02:30:00", NULL,
        };
        g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "TZ", "Europe/Berlin", true);
        g_autofree char *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) lines = NULL;
        int status = 0;

        g_assert_nonnull(ctl);
        g_assert_true(g_spawn_sync(NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                                   &error));
        g_assert_no_error(error);
        g_assert_false(g_spawn_check_wait_status(status, NULL));
        g_assert_cmpstr(err, ==, "sluicectl: calendar: \"Mon..Fry 04:00\": unknown weekday \"Fry\"\n");

        lines = g_strsplit(out, "\n", -1);
        g_assert_cmpuint(g_strv_length(lines), ==, 22);
        g_assert_cmpstr(lines[0], ==, "  Original form: *-*-* 02:30");
        g_assert_cmpstr(lines[1], ==, "Normalized form: *-*-* 02:30:00");
        g_assert_cmpstr(lines[2], ==, "    Next elapse: Sun 2026-10-25 02:30:00 CEST");
        g_assert_cmpstr(lines[3], ==, "       (in UTC): Sun 2026-10-25 00:30:00 UTC");
        g_assert_true(g_str_has_prefix(lines[4], "       From now: "));
        g_assert_cmpstr(lines[5], ==, "       Iter. #2: Mon 2026-10-26 02:30:00 CET");
        g_assert_cmpstr(lines[6], ==, "       (in UTC): Mon 2026-10-26 01:30:00 UTC");
        g_assert_true(g_str_has_prefix(lines[7], "       From now: "));
        g_assert_cmpstr(lines[8], ==, "");
        g_assert_cmpstr(lines[9], ==, "");       /* the invalid expression's empty block */
        g_assert_cmpstr(lines[10], ==, "  Original form: 2020-01-01");
        g_assert_cmpstr(lines[11], ==, "Normalized form: 2020-01-01 00:00:00");
        g_assert_cmpstr(lines[12], ==, "    Next elapse: never");
        g_assert_cmpstr(lines[13], ==, "");
        /* no "Original form" when it is already normalized */
        g_assert_cmpstr(lines[14], ==, "Normalized form: *-*-* 02:30:00");
        g_assert_cmpstr(lines[21], ==, "");
}

int main(int argc, char **argv) {
        setlocale(LC_ALL, "C");
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/calendar/round-trip", test_round_trip);
        g_test_add_func("/calendar/invalid", test_invalid);
        g_test_add_func("/calendar/next", test_next);
        g_test_add_func("/calendar/ctl-layout", test_ctl_layout);
        for (size_t i = 0; i < G_N_ELEMENTS(zones); i++) {
                g_autofree char *path = g_strdup_printf("/calendar/systemd/%s", zones[i]);
                g_test_add_data_func(path, zones[i], test_agrees_with_systemd);
        }
        return g_test_run();
}

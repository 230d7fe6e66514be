/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Schedules in the core: the [Schedule NAME] keys (values, defaults, precise
 * errors naming file, section, key and value) and the arithmetic of
 * src/core/schedule.c (next elapse over several calendars, catch-up,
 * randomized delay).  Calendars in UTC; TZ=UTC besides.
 */
#include "sluice-config.h"
#include "errors.h"
#include "schedule.h"

#define MINUTE_USEC (60 * USEC_PER_SEC)

static const char classes[] =
        "[Class gc]\n"
        "Kind=lease\n"
        "Priority=3\n"
        "Parameter.store=[a-z]+\n"
        "\n";

static usec_t at(int y, int mo, int d, int h, int mi, int s) {
        g_autoptr(GDateTime) t = g_date_time_new_utc(y, mo, d, h, mi, s);

        return (usec_t) g_date_time_to_unix(t) * USEC_PER_SEC;
}

static SluiceConfig *load(const char *schedule, GError **error) {
        g_autofree char *text = g_strdup_printf("%s[Schedule nightly]\n%s", classes, schedule);

        return sluice_config_new_from_data(text, "t.conf", error);
}

static void test_defaults(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = load("Class=gc\nParameters=store=alpha\nOnCalendar=daily\n", &error);
        const ScheduleConfig *s;
        g_auto(GStrv) names = NULL;

        g_assert_no_error(error);
        s = sluice_config_get_schedule(cfg, "nightly");
        g_assert_nonnull(s);
        g_assert_cmpstr(s->class_name, ==, "gc");
        g_assert_cmpstr(g_hash_table_lookup(s->parameters, "store"), ==, "alpha");
        g_assert_cmpuint(g_strv_length(s->on_calendar), ==, 1);
        g_assert_cmpuint(s->calendars->len, ==, 1);
        g_assert_false(s->has_priority);
        g_assert_cmpuint(s->randomized_delay_usec, ==, 0);
        g_assert_false(s->persistent);
        g_assert_cmpint(s->catch_up, ==, CATCH_UP_ONCE);
        g_assert_cmpuint(s->catch_up_within_usec, ==, 0);
        g_assert_cmpint(s->overlap, ==, OVERLAP_SKIP);
        names = sluice_config_schedule_names(cfg);
        g_assert_cmpstrv(names, ((const char *[]) { "nightly", NULL }));
}

static void test_values(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = load("Description=GC of alpha\nClass=gc\nParameters=store=alpha\n"
                                           "OnCalendar=Mon..Fri 02:00 UTC; Sat,Sun 04:00 UTC\nPriority=-20\n"
                                           "RandomizedDelaySec=5min\nPersistent=yes\nCatchUp=all\n"
                                           "CatchUpWithinSec=1d\nOverlap=replace\n", &error);
        const ScheduleConfig *s;

        g_assert_no_error(error);
        s = sluice_config_get_schedule(cfg, "nightly");
        g_assert_cmpstr(s->description, ==, "GC of alpha");
        g_assert_cmpstrv(s->on_calendar, ((const char *[]) { "Mon..Fri 02:00 UTC", "Sat,Sun 04:00 UTC", NULL }));
        g_assert_cmpuint(s->calendars->len, ==, 2);
        g_assert_true(s->has_priority);
        g_assert_cmpint(s->priority, ==, -20);
        g_assert_cmpuint(s->randomized_delay_usec, ==, 5 * MINUTE_USEC);
        g_assert_true(s->persistent);
        g_assert_cmpint(s->catch_up, ==, CATCH_UP_ALL);
        g_assert_cmpuint(s->catch_up_within_usec, ==, 24 * 60 * MINUTE_USEC);
        g_assert_cmpint(s->overlap, ==, OVERLAP_REPLACE);
}

static void test_errors(void) {
        static const struct {
                const char *keys, *message;
        } cases[] = {
                { "Class=gc\nParameters=store=a\nOnCalendar=daily\nOverlap=sometimes\n",
                  "t.conf: [Schedule nightly] Overlap: \"sometimes\" is not an overlap policy (skip, queue or replace)" },
                { "Class=gc\nParameters=store=a\nOnCalendar=daily\nCatchUp=twice\n",
                  "t.conf: [Schedule nightly] CatchUp: \"twice\" is not a catch-up policy (once, all or none)" },
                { "Class=gc\nParameters=store=a\nOnCalendar=Mon..Fry 04:00\n",
                  "t.conf: [Schedule nightly] OnCalendar: \"Mon..Fry 04:00\"" },
                { "Class=gc\nParameters=store=a\nOnCalendar=daily;;weekly\n",
                  "t.conf: [Schedule nightly] OnCalendar: \"daily;;weekly\" has an empty calendar event" },
                { "Class=gc\nParameters=store=a\n",
                  "t.conf: [Schedule nightly] OnCalendar: missing (a schedule needs at least one calendar event)" },
                { "Parameters=store=a\nOnCalendar=daily\n",
                  "t.conf: [Schedule nightly] Class: missing (a schedule needs Class=)" },
                { "Class=nope\nOnCalendar=daily\n",
                  "t.conf: [Schedule nightly] Class: \"nope\" is not a configured class" },
                { "Class=gc\nOnCalendar=daily\n",
                  "t.conf: [Schedule nightly] Parameters: parameter store of class \"gc\" is missing (give it as store=VALUE)" },
                { "Class=gc\nParameters=store=UP\nOnCalendar=daily\n",
                  "t.conf: [Schedule nightly] Parameters: store=\"UP\" does not match the class's pattern \"[a-z]+\"" },
                { "Class=gc\nParameters=store=a other=b\nOnCalendar=daily\n",
                  "t.conf: [Schedule nightly] Parameters: \"other\" is not a parameter of class \"gc\"" },
                { "Class=gc\nParameters=store=a store=b\nOnCalendar=daily\n",
                  "t.conf: [Schedule nightly] Parameters: \"store=b\" sets a parameter a second time" },
                { "Class=gc\nParameters=9x=a\nOnCalendar=daily\n",
                  "t.conf: [Schedule nightly] Parameters: \"9x=a\" is not NAME=VALUE" },
                { "Class=gc\nParameters=store=a\nOnCalendar=daily\nPriority=1001\n",
                  "t.conf: [Schedule nightly] Priority: \"1001\"" },
                { "Class=gc\nParameters=store=a\nOnCalendar=daily\nRandomizedDelaySec=soon\n",
                  "t.conf: [Schedule nightly] RandomizedDelaySec: \"soon\"" },
                { "Class=gc\nParameters=store=a\nOnCalendar=daily\nPersistent=maybe\n",
                  "t.conf: [Schedule nightly] Persistent: \"maybe\"" },
                { "Class=gc\nParameters=store=a\nOnCalendar=daily\nCatchUpWithinSec=-1\n",
                  "t.conf: [Schedule nightly] CatchUpWithinSec: \"-1\"" },
                { "Class=gc\nParameters=store=a\nOnCalendar=daily\nColour=red\n",
                  "t.conf: [Schedule nightly] Colour:" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(SluiceConfig) cfg = load(cases[i].keys, &error);

                g_test_message("%s", cases[i].keys);
                g_assert_null(cfg);
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
                if (!g_str_has_prefix(error->message, cases[i].message))
                        g_error("expected \"%s...\", got \"%s\"", cases[i].message, error->message);
        }
}

static void test_policy_names(void) {
        for (int p = 0; p < _CATCH_UP_MAX; p++)
                g_assert_cmpint(catch_up_policy_from_string(catch_up_policy_to_string(p)), ==, p);
        for (int p = 0; p < _OVERLAP_MAX; p++)
                g_assert_cmpint(overlap_policy_from_string(overlap_policy_to_string(p)), ==, p);
        g_assert_cmpint(catch_up_policy_from_string("Once"), ==, -1);
        g_assert_cmpint(overlap_policy_from_string(""), ==, -1);
        g_assert_null(catch_up_policy_to_string(_CATCH_UP_MAX));
        g_assert_null(overlap_policy_to_string(_OVERLAP_MAX));
}

/* The schedule "nightly" of a config built from @keys; the config stays in @ret_cfg. */
static const ScheduleConfig *schedule(const char *keys, SluiceConfig **ret_cfg) {
        g_autoptr(GError) error = NULL;

        *ret_cfg = load(keys, &error);
        g_assert_no_error(error);
        return sluice_config_get_schedule(*ret_cfg, "nightly");
}

static void test_next_elapse(void) {
        g_autoptr(SluiceConfig) c1 = NULL, c2 = NULL;
        g_autoptr(GPtrArray) none = g_ptr_array_new();
        const ScheduleConfig *s = schedule("Class=gc\nParameters=store=a\n"
                                           "OnCalendar=*-*-* 02:00 UTC; *-*-* 01:30 UTC\n", &c1);
        const ScheduleConfig *past = schedule("Class=gc\nParameters=store=a\nOnCalendar=2001-01-01 UTC\n", &c2);
        usec_t next = 0;

        g_assert_true(schedule_next_elapse(s->calendars, at(2030, 1, 1, 0, 0, 0), &next));
        g_assert_cmpuint(next, ==, at(2030, 1, 1, 1, 30, 0));
        g_assert_true(schedule_next_elapse(s->calendars, at(2030, 1, 1, 1, 30, 0), &next));      /* strictly after */
        g_assert_cmpuint(next, ==, at(2030, 1, 1, 2, 0, 0));
        g_assert_true(schedule_next_elapse(s->calendars, at(2030, 1, 1, 2, 0, 0), &next));
        g_assert_cmpuint(next, ==, at(2030, 1, 2, 1, 30, 0));
        g_assert_false(schedule_next_elapse(past->calendars, at(2030, 1, 1, 0, 0, 0), &next));
        g_assert_false(schedule_next_elapse(none, 0, &next));
}

typedef struct CatchUpCase {
        const char *keys;
        usec_t last, now;
        unsigned missed, too_old, jobs, dropped;
} CatchUpCase;

/* Hourly at :00; stopped after the 10:00 run. */
static void test_catch_up(void) {
        const CatchUpCase cases[] = {
                /* Not persistent: nothing, however much was missed. */
                { "Persistent=no\n", at(2030, 1, 1, 10, 0, 0), at(2030, 1, 1, 13, 30, 0), 0, 0, 0, 0 },
                /* Never triggered: nothing to catch up. */
                { "Persistent=yes\n", 0, at(2030, 1, 1, 13, 30, 0), 0, 0, 0, 0 },
                /* Clock behind the last trigger. */
                { "Persistent=yes\n", at(2030, 1, 1, 10, 0, 0), at(2030, 1, 1, 9, 0, 0), 0, 0, 0, 0 },
                /* Nothing missed yet. */
                { "Persistent=yes\n", at(2030, 1, 1, 10, 0, 0), at(2030, 1, 1, 10, 59, 59), 0, 0, 0, 0 },
                /* 11:00, 12:00, 13:00 missed (an elapse right at now counts). */
                { "Persistent=yes\nCatchUp=once\n", at(2030, 1, 1, 10, 0, 0), at(2030, 1, 1, 13, 0, 0), 3, 0, 1, 2 },
                { "Persistent=yes\nCatchUp=all\n", at(2030, 1, 1, 10, 0, 0), at(2030, 1, 1, 13, 30, 0), 3, 0, 3, 0 },
                { "Persistent=yes\nCatchUp=none\n", at(2030, 1, 1, 10, 0, 0), at(2030, 1, 1, 13, 30, 0), 3, 0, 0, 3 },
                /* CatchUpWithinSec=90min: 11:00 is older than 12:00 (13:30 - 90 min) and dropped. */
                { "Persistent=yes\nCatchUp=all\nCatchUpWithinSec=90min\n", at(2030, 1, 1, 10, 0, 0),
                  at(2030, 1, 1, 13, 30, 0), 3, 1, 2, 1 },
                { "Persistent=yes\nCatchUp=once\nCatchUpWithinSec=10min\n", at(2030, 1, 1, 10, 0, 0),
                  at(2030, 1, 1, 13, 30, 0), 3, 3, 0, 3 },
                /* CatchUp=all is bounded. */
                { "Persistent=yes\nCatchUp=all\n", at(2030, 1, 1, 10, 0, 0), at(2030, 1, 31, 10, 0, 0),
                  720, 0, SCHEDULE_CATCH_UP_MAX, 720 - SCHEDULE_CATCH_UP_MAX },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(SluiceConfig) cfg = NULL;
                g_autofree char *keys = g_strdup_printf("Class=gc\nParameters=store=a\nOnCalendar=hourly UTC\n%s",
                                                        cases[i].keys);
                const ScheduleConfig *s = schedule(keys, &cfg);
                ScheduleCatchUp c = schedule_catch_up(s, cases[i].last, cases[i].now);

                g_test_message("case %zu: %s", i, cases[i].keys);
                g_assert_cmpuint(c.n_missed, ==, cases[i].missed);
                g_assert_cmpuint(c.n_too_old, ==, cases[i].too_old);
                g_assert_cmpuint(c.n_jobs, ==, cases[i].jobs);
                g_assert_cmpuint(c.n_dropped, ==, cases[i].dropped);
                g_assert_false(c.more);
                if (c.n_missed > 0) {
                        g_assert_cmpuint(c.first_missed, ==, at(2030, 1, 1, 11, 0, 0));
                        g_assert_cmpuint(c.last_missed, <=, cases[i].now);
                }
        }
}

/* A minutely schedule missed for a month: counting stops at a bound, and says so. */
static void test_catch_up_bounded(void) {
        g_autoptr(SluiceConfig) cfg = NULL;
        const ScheduleConfig *s = schedule("Class=gc\nParameters=store=a\nOnCalendar=minutely UTC\n"
                                           "Persistent=yes\nCatchUp=once\n", &cfg);
        ScheduleCatchUp c = schedule_catch_up(s, at(2030, 1, 1, 0, 0, 0), at(2030, 2, 1, 0, 0, 0));

        g_assert_true(c.more);
        g_assert_cmpuint(c.n_jobs, ==, 1);
        g_assert_cmpuint(c.n_missed, >, 0);
}

/* Down for a month, CatchUpWithinSec=1h: the bound on counting the too old
 * misses does not hide the recent ones (00:00 to 01:00 on Feb 1st kept). */
static void test_catch_up_bounded_within(void) {
        g_autoptr(SluiceConfig) c1 = NULL, c2 = NULL;
        const ScheduleConfig *all = schedule("Class=gc\nParameters=store=a\nOnCalendar=minutely UTC\n"
                                             "Persistent=yes\nCatchUp=all\nCatchUpWithinSec=1h\n", &c1);
        const ScheduleConfig *once = schedule("Class=gc\nParameters=store=a\nOnCalendar=minutely UTC\n"
                                              "Persistent=yes\nCatchUp=once\nCatchUpWithinSec=1h\n", &c2);
        ScheduleCatchUp c = schedule_catch_up(all, at(2030, 1, 1, 0, 0, 0), at(2030, 2, 1, 1, 0, 0));

        g_assert_true(c.more);
        g_assert_cmpuint(c.n_jobs, ==, 61);
        g_assert_cmpuint(c.n_missed, ==, c.n_too_old + 61);
        g_assert_cmpuint(c.n_dropped, ==, c.n_too_old);
        g_assert_cmpuint(c.first_missed, ==, at(2030, 1, 1, 0, 1, 0));
        g_assert_cmpuint(c.last_missed, ==, at(2030, 2, 1, 1, 0, 0));

        c = schedule_catch_up(once, at(2030, 1, 1, 0, 0, 0), at(2030, 2, 1, 1, 0, 0));
        g_assert_cmpuint(c.n_jobs, ==, 1);
}

static void test_randomized_delay(void) {
        g_assert_cmpuint(schedule_randomized_delay(0, 12345), ==, 0);
        g_assert_cmpuint(schedule_randomized_delay(10, 0), ==, 0);
        g_assert_cmpuint(schedule_randomized_delay(10, 10), ==, 10);
        g_assert_cmpuint(schedule_randomized_delay(10, 11), ==, 0);
        g_assert_cmpuint(schedule_randomized_delay(10, UINT64_MAX), <=, 10);
        g_assert_cmpuint(schedule_randomized_delay(UINT64_MAX, 77), ==, 77);
        for (uint64_t r = 0; r < 1000; r++)
                g_assert_cmpuint(schedule_randomized_delay(5 * MINUTE_USEC, r * 0x9E3779B97F4A7C15ULL), <=, 5 * MINUTE_USEC);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/schedule/config/defaults", test_defaults);
        g_test_add_func("/schedule/config/values", test_values);
        g_test_add_func("/schedule/config/errors", test_errors);
        g_test_add_func("/schedule/config/policy-names", test_policy_names);
        g_test_add_func("/schedule/next-elapse", test_next_elapse);
        g_test_add_func("/schedule/catch-up", test_catch_up);
        g_test_add_func("/schedule/catch-up-bounded", test_catch_up_bounded);
        g_test_add_func("/schedule/catch-up-bounded-within", test_catch_up_bounded_within);
        g_test_add_func("/schedule/randomized-delay", test_randomized_delay);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Random calendar expressions with a fixed seed: weekdays (short, long, odd
 * case, lists, ranges, the old '-' range), dates with '*', lists, ranges,
 * repetitions and '~', times with and without seconds, fractions, the
 * shorthands, trailing zones, and a share of malformed ones.
 */
#include <stdbool.h>

#include "calendar-corpus.h"

static const char *const weekday_names[][2] = {
        { "Mon", "Monday" }, { "Tue", "Tuesday" }, { "Wed", "Wednesday" }, { "Thu", "Thursday" },
        { "Fri", "Friday" }, { "Sat", "Saturday" }, { "Sun", "Sunday" },
};

static const char *const shorthands[] = {
        "minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly",
        "semiannually", "semi-annually", "biannually", "DAILY", "Weekly",
};

static const char *const zones[] = {
        "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "utc", "Etc/GMT+5",
};

static void add_weekday(GString *s, GRand *r, int day) {
        const char *name = weekday_names[day][g_rand_int_range(r, 0, 4) == 0];

        if (g_rand_int_range(r, 0, 10) == 0) {
                for (const char *c = name; *c; c++)
                        g_string_append_c(s, g_rand_boolean(r) ? g_ascii_toupper(*c) : g_ascii_tolower(*c));
        } else
                g_string_append(s, name);
}

static void add_weekdays(GString *s, GRand *r) {
        int parts = g_rand_int_range(r, 1, 4);

        for (int i = 0; i < parts; i++) {
                int a = g_rand_int_range(r, 0, 7);

                if (i > 0)
                        g_string_append_c(s, ',');
                add_weekday(s, r, a);
                if (g_rand_int_range(r, 0, 3) == 0) {
                        /* a range; now and then backwards, which is invalid */
                        int b = g_rand_int_range(r, 0, 10) == 0 ? g_rand_int_range(r, 0, 7)
                                                                 : g_rand_int_range(r, a, 7);
                        g_string_append(s, g_rand_int_range(r, 0, 8) == 0 ? "-" : "..");
                        add_weekday(s, r, b);
                }
        }
        if (g_rand_int_range(r, 0, 20) == 0)
                g_string_append_c(s, ',');
        g_string_append_c(s, ' ');
}

/* One component value in [lo, hi], sometimes a little outside. */
static int value(GRand *r, int lo, int hi) {
        if (hi < lo)
                return lo;
        if (g_rand_int_range(r, 0, 40) == 0)
                return g_rand_int_range(r, 0, 2) ? hi + 1 : MAX(lo - 1, 0);
        return g_rand_int_range(r, lo, hi + 1);
}

static void add_component(GString *s, GRand *r, int lo, int hi, int width, bool allow_star) {
        int kind = g_rand_int_range(r, 0, 10);

        if (allow_star && kind < 3) {
                g_string_append_c(s, '*');
                return;
        }
        int parts = kind == 9 ? g_rand_int_range(r, 2, 4) : 1;
        for (int i = 0; i < parts; i++) {
                int a = value(r, lo, hi), form = g_rand_int_range(r, 0, 6);

                if (i > 0)
                        g_string_append_c(s, ',');
                g_string_append_printf(s, "%0*d", width, a);
                if (form == 3)
                        g_string_append_printf(s, ".." "%d", value(r, a, hi));
                else if (form == 4)
                        g_string_append_printf(s, "/%d", g_rand_int_range(r, 1, MAX(2, (hi - lo) / 2)));
                else if (form == 5)
                        g_string_append_printf(s, "..%d/%d", value(r, a, hi),
                                               g_rand_int_range(r, 1, MAX(2, (hi - lo) / 3)));
        }
}

static void add_date(GString *s, GRand *r) {
        int form = g_rand_int_range(r, 0, 3);
        bool tilde = g_rand_int_range(r, 0, 8) == 0;

        if (form == 0) {
                if (g_rand_int_range(r, 0, 3) == 0)
                        g_string_append_c(s, '*');
                else
                        add_component(s, r, g_rand_int_range(r, 0, 3) == 0 ? 24 : 2024,
                                      g_rand_int_range(r, 0, 3) == 0 ? 35 : 2032, 1, true);
                g_string_append_c(s, '-');
        }
        add_component(s, r, 1, 12, g_rand_boolean(r) ? 2 : 1, true);
        g_string_append_c(s, tilde ? '~' : '-');
        add_component(s, r, 1, tilde ? 28 : 31, g_rand_boolean(r) ? 2 : 1, true);
}

static void add_time(GString *s, GRand *r) {
        add_component(s, r, 0, 23, g_rand_boolean(r) ? 2 : 1, true);
        g_string_append_c(s, ':');
        add_component(s, r, 0, 59, 2, true);
        if (g_rand_int_range(r, 0, 2) == 0) {
                g_string_append_c(s, ':');
                if (g_rand_int_range(r, 0, 6) == 0)
                        g_string_append_printf(s, "%02d.%0*d", g_rand_int_range(r, 0, 60), g_rand_int_range(r, 1, 8),
                                               g_rand_int_range(r, 0, 9999999) % 10000000);
                else
                        add_component(s, r, 0, 59, 2, true);
        }
}

static char *mutate(GRand *r, const char *text) {
        static const char junk[] = " ,.-~:/*@x9";
        GString *s = g_string_new(text);
        size_t pos = s->len ? (size_t) g_rand_int_range(r, 0, (gint32) s->len) : 0;

        switch (g_rand_int_range(r, 0, 3)) {
        case 0:
                g_string_insert_c(s, (gssize) pos, junk[g_rand_int_range(r, 0, sizeof(junk) - 1)]);
                break;
        case 1:
                if (s->len)
                        g_string_erase(s, (gssize) pos, 1);
                break;
        default:
                if (s->len)
                        s->str[pos] = junk[g_rand_int_range(r, 0, sizeof(junk) - 1)];
                break;
        }
        return g_string_free(s, false);
}

/**
 * calendar_corpus_generate() - a deterministic corpus of expressions
 * @seed: the seed
 * @n: how many
 *
 * Return: (transfer full) the expressions, each distinct.
 */
GPtrArray *calendar_corpus_generate(guint32 seed, unsigned n) {
        g_autoptr(GRand) r = g_rand_new_with_seed(seed);
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

        while (out->len < n) {
                GString *s = g_string_new(NULL);
                char *text;

                if (g_rand_int_range(r, 0, 12) == 0)
                        g_string_append(s, shorthands[g_rand_int_range(r, 0, G_N_ELEMENTS(shorthands))]);
                else {
                        int parts = g_rand_int_range(r, 1, 8);  /* bits: weekdays, date, time */

                        if (parts & 1)
                                add_weekdays(s, r);
                        if (parts & 2) {
                                add_date(s, r);
                                if (parts & 4)
                                        g_string_append_c(s, ' ');
                        }
                        if (parts & 4)
                                add_time(s, r);
                        if (!(parts & 6) && s->len)
                                g_string_truncate(s, s->len - 1);       /* weekdays alone */
                }
                if (g_rand_int_range(r, 0, 6) == 0)
                        g_string_append_printf(s, " %s", zones[g_rand_int_range(r, 0, G_N_ELEMENTS(zones))]);

                text = g_string_free(s, false);
                if (g_rand_int_range(r, 0, 10) == 0) {
                        char *m = mutate(r, text);
                        g_free(text);
                        text = m;
                }
                /* systemd-analyze would take a leading '-' for an option. */
                if (!*text || text[0] == '-' || g_hash_table_contains(seen, text)) {
                        g_free(text);
                        continue;
                }
                g_hash_table_add(seen, text);
                g_ptr_array_add(out, text);
        }
        return out;
}

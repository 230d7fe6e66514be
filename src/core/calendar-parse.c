/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calendar events: text → CalendarSpec.  Accepts exactly what systemd's
 * calendar_spec_from_string() accepts (systemd.time(7)), normalizes the same
 * way, and says precisely what is wrong where it does not.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar-private.h"
#include "errors.h"
#include "i18n.h"

typedef struct Parser {
        const char *text;       /* the whole expression, for messages */
        GError **error;
} Parser;

static bool fail(Parser *p, const char *format, ...) G_GNUC_PRINTF(2, 3);
static bool fail(Parser *p, const char *format, ...) {
        va_list ap;
        g_autofree char *what = NULL;

        va_start(ap, format);
        what = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_set_error(p->error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT, "\"%s\": %s", p->text, what);
        return false;
}

/* The token starting at @s, up to the next separator, for messages. */
static char *token_at(const char *s) {
        size_t n = strcspn(s, " ,.:-~/");
        return g_strndup(s, n ? n : strlen(s) ? 1 : 0);
}

void calendar_component_free_chain(CalendarComponent *c) {
        while (c) {
                CalendarComponent *next = c->next;
                g_free(c);
                c = next;
        }
}

static void chain_clear(CalendarComponent **c) {
        calendar_component_free_chain(*c);
        *c = NULL;
}

#define _cleanup_chain_ __attribute__((cleanup(chain_clear)))

static bool const_chain(int value, CalendarComponent **c) {
        CalendarComponent *cc = g_new0(CalendarComponent, 1);

        cc->start = value;
        cc->stop = -1;
        cc->repeat = 0;
        cc->next = *c;
        *c = cc;
        return true;
}

/* Up to @digits digits of a fraction, rounded on the next one; further digits are ignored. */
static bool parse_fraction(const char **s, unsigned digits, unsigned *ret) {
        const char *q = *s;
        unsigned val = 0;
        size_t i;

        for (i = 0; i < digits; i++, q++) {
                if (!g_ascii_isdigit(*q)) {
                        if (i == 0)
                                return false;
                        for (; i < digits; i++)
                                val *= 10;
                        break;
                }
                val = val * 10 + (unsigned) (*q - '0');
        }
        if (*q >= '5' && *q <= '9')
                val++;
        q += strspn(q, "0123456789");
        *s = q;
        *ret = val;
        return true;
}

static bool parse_decimal(Parser *p, const char **s, bool usec, const char *field, int *ret) {
        const char *e;
        char *end = NULL;
        unsigned long value;

        if (!g_ascii_isdigit(**s)) {
                g_autofree char *tok = token_at(*s);
                if (!**s)
                        return fail(p, _("%s is missing a number"), field);
                return fail(p, _("%s: expected a number, got \"%s\""), field, tok);
        }
        errno = 0;
        value = strtoul(*s, &end, 10);
        if (errno != 0 || value > INT_MAX)
                return fail(p, _("%s: number out of range"), field);
        e = end;
        if (usec) {
                if (value > INT_MAX / USEC_PER_SEC)
                        return fail(p, _("%s: number out of range"), field);
                value *= USEC_PER_SEC;
                /* One '.' is a decimal point, ".." separates a range. */
                if (e[0] == '.' && e[1] != '.') {
                        unsigned add;

                        e++;
                        if (!parse_fraction(&e, 6, &add))
                                return fail(p, _("%s: expected digits after the decimal point"), field);
                        value += add;
                }
        }
        if (value > INT_MAX)
                return fail(p, _("%s: number out of range"), field);
        *s = e;
        *ret = (int) value;
        return true;
}

/* start[..stop][/repeat] and, after a ',', the next one (prepended to *c). */
static bool prepend_component(Parser *p, const char **s, bool usec, unsigned nesting,
                              const char *field, CalendarComponent **c) {
        int start, stop = -1, repeat = 0;
        const char *e = *s;
        CalendarComponent *cc;

        if (nesting > CALENDAR_COMPONENTS_MAX)
                return fail(p, _("%s: more than %d list entries"), field, CALENDAR_COMPONENTS_MAX);
        if (!parse_decimal(p, &e, usec, field, &start))
                return false;
        if (e[0] == '.' && e[1] == '.') {
                e += 2;
                if (!parse_decimal(p, &e, usec, field, &stop))
                        return false;
                repeat = usec ? (int) USEC_PER_SEC : 1;
        }
        if (*e == '/') {
                e++;
                if (!parse_decimal(p, &e, usec, field, &repeat))
                        return false;
                if (repeat == 0)
                        return fail(p, _("%s: a repetition of 0"), field);
        } else {
                if (start > INT_MAX - repeat)
                        return fail(p, _("%s: number out of range"), field);
                /* A seconds range repeats every second: it must span one. */
                if (usec && stop >= 0 && start + repeat > stop)
                        return fail(p, _("%s: range shorter than a second"), field);
        }
        if (!strchr(" ,-~:", *e) ) {
                g_autofree char *tok = token_at(e);
                return fail(p, _("%s: unexpected \"%s\""), field, tok);
        }

        cc = g_new0(CalendarComponent, 1);
        cc->start = start;
        cc->stop = stop;
        cc->repeat = repeat;
        cc->next = *c;
        *c = cc;
        *s = e;
        if (*e == ',') {
                *s += 1;
                return prepend_component(p, s, usec, nesting + 1, field, c);
        }
        return true;
}

static bool parse_chain(Parser *p, const char **s, bool usec, const char *field, CalendarComponent **ret) {
        const char *t = *s;
        CalendarComponent *cc = NULL;

        if (t[0] == '*') {
                if (usec) {
                        const_chain(0, &cc);
                        cc->repeat = (int) USEC_PER_SEC;
                }
                *s = t + 1;
                *ret = cc;
                return true;
        }
        if (!prepend_component(p, &t, usec, 0, field, &cc)) {
                calendar_component_free_chain(cc);
                return false;
        }
        *s = t;
        *ret = cc;
        return true;
}

static const struct {
        const char *name;
        int nr;
} weekday_names[] = {
        { "Monday", 0 }, { "Mon", 0 },
        { "Tuesday", 1 }, { "Tue", 1 },
        { "Wednesday", 2 }, { "Wed", 2 },
        { "Thursday", 3 }, { "Thu", 3 },
        { "Friday", 4 }, { "Fri", 4 },
        { "Saturday", 5 }, { "Sat", 5 },
        { "Sunday", 6 }, { "Sun", 6 },
};

/* Returns the index in weekday_names[] of the name @s starts with, or -1. */
static int weekday_prefix(const char *s) {
        for (size_t i = 0; i < G_N_ELEMENTS(weekday_names); i++)
                if (g_ascii_strncasecmp(s, weekday_names[i].name, strlen(weekday_names[i].name)) == 0)
                        return (int) i;
        return -1;
}

static bool looks_like_weekday(const char *s) {
        return g_ascii_isalpha(s[0]);
}

static bool parse_weekdays(Parser *p, const char **s, CalendarSpec *c) {
        int l = -1;
        bool first = true;

        for (;;) {
                int i = weekday_prefix(*s);
                size_t skip;
                int nr;

                if (i < 0) {
                        g_autofree char *tok = token_at(*s);
                        if (first && !looks_like_weekday(*s))
                                return true;    /* no weekdays: the date follows */
                        if (first)
                                return fail(p, _("\"%s\" is neither a weekday nor a shorthand such as \"daily\""), tok);
                        if (!**s || **s == ' ')
                                return fail(p, _("weekday missing after \"%.*s\""),
                                            (int) (*s - p->text), p->text);
                        return fail(p, _("unknown weekday \"%s\""), tok);
                }
                skip = strlen(weekday_names[i].name);
                nr = weekday_names[i].nr;
                if ((*s)[skip] != 0 && !strchr("-., ", (*s)[skip])) {
                        g_autofree char *tok = token_at(*s);
                        return fail(p, _("unknown weekday \"%s\""), tok);
                }
                c->weekdays_bits |= 1 << nr;
                if (l >= 0) {
                        if (l > nr)
                                return fail(p, _("weekday range %s..%s runs backwards"),
                                            weekday_names[2 * l + 1].name, weekday_names[i | 1].name);
                        for (int j = l; j <= nr; j++)
                                c->weekdays_bits |= 1 << j;
                        /* l stays set until a ',': "Mon..Wed..Fri" is refused */
                }
                *s += skip;

                if (**s == 0)
                        return true;
                if (**s == ' ') {
                        *s += strspn(*s, " ");
                        return true;
                }
                if (**s == '.') {
                        if (l >= 0)
                                return fail(p, _("weekday ranges cannot be chained"));
                        if ((*s)[1] != '.')
                                return fail(p, _("weekday range: expected \"..\""));
                        l = nr;
                        *s += 2;
                } else if (**s == '-') {
                        /* "-" for ranges, for backwards compatibility */
                        if (l >= 0)
                                return fail(p, _("weekday ranges cannot be chained"));
                        l = nr;
                        *s += 1;
                } else if (**s == ',') {
                        l = -1;
                        *s += 1;
                }

                /* A trailing comma is fine, an open range is not. */
                if (**s == 0 || **s == ' ') {
                        *s += strspn(*s, " ");
                        if (l >= 0)
                                return fail(p, _("weekday range without an end"));
                        return true;
                }
                first = false;
        }
}

/* [[YEAR-]MONTH-DAY], or nothing when a time follows directly. */
static bool parse_date(Parser *p, const char **s, CalendarSpec *c) {
        _cleanup_chain_ CalendarComponent *first = NULL, *second = NULL, *third = NULL;
        const char *t = *s;

        if (*t == 0)
                return true;
        if (!parse_chain(p, &t, false, _("date"), &first))
                return false;

        /* Already the end, or a ':'?  Then it was a time, not a date. */
        if (*t == 0 || *t == ':') {
                chain_clear(&first);
                return true;
        }
        if (*t == '~')
                c->end_of_month = true;
        else if (*t != '-') {
                g_autofree char *tok = token_at(t);
                return fail(p, _("date: unexpected \"%s\""), tok);
        }
        t++;
        if (!parse_chain(p, &t, false, _("day or month"), &second))
                return false;
        if (*t == 0 || *t == ' ') {
                *s = t + strspn(t, " ");
                c->month = g_steal_pointer(&first);
                c->day = g_steal_pointer(&second);
                return true;
        }
        if (c->end_of_month)
                return fail(p, _("\"~\" must be followed by the day"));
        if (*t == '~')
                c->end_of_month = true;
        else if (*t != '-') {
                g_autofree char *tok = token_at(t);
                return fail(p, _("date: unexpected \"%s\""), tok);
        }
        t++;
        if (!parse_chain(p, &t, false, _("day"), &third))
                return false;
        if (*t != 0 && *t != ' ') {
                g_autofree char *tok = token_at(t);
                return fail(p, _("date: unexpected \"%s\""), tok);
        }
        *s = t + strspn(t, " ");
        c->year = g_steal_pointer(&first);
        c->month = g_steal_pointer(&second);
        c->day = g_steal_pointer(&third);
        return true;
}

/* HOUR:MINUTE[:SECOND]; nothing at all means 00:00:00. */
static bool parse_time(Parser *p, const char **s, CalendarSpec *c) {
        _cleanup_chain_ CalendarComponent *h = NULL, *m = NULL, *sec = NULL;
        const char *t = *s;

        if (*t == 0) {
                const_chain(0, &h);
                const_chain(0, &m);
                const_chain(0, &sec);
                goto finish;
        }
        if (!parse_chain(p, &t, false, _("hour"), &h))
                return false;
        if (*t != ':') {
                g_autofree char *tok = token_at(t);
                if (*t == 0)
                        return fail(p, _("time: expected \":\" after the hour"));
                return fail(p, _("unexpected \"%s\""), tok);
        }
        t++;
        if (!parse_chain(p, &t, false, _("minute"), &m))
                return false;
        if (*t == 0) {
                const_chain(0, &sec);
                goto finish;
        }
        if (*t != ':') {
                g_autofree char *tok = token_at(t);
                return fail(p, _("time: unexpected \"%s\" after the minute"), tok);
        }
        t++;
        if (!parse_chain(p, &t, true, _("second"), &sec))
                return false;
        if (*t != 0) {
                g_autofree char *tok = token_at(t);
                return fail(p, _("time: unexpected \"%s\" after the second"), tok);
        }
finish:
        *s = t;
        c->hour = g_steal_pointer(&h);
        c->minute = g_steal_pointer(&m);
        c->microsecond = g_steal_pointer(&sec);
        return true;
}

static int component_compare(const void *a, const void *b) {
        const CalendarComponent *x = *(CalendarComponent * const *) a, *y = *(CalendarComponent * const *) b;

        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        if (x->stop != y->stop)
                return x->stop < y->stop ? -1 : 1;
        if (x->repeat != y->repeat)
                return x->repeat < y->repeat ? -1 : 1;
        return 0;
}

/* Sorted, without duplicates, a..b/c cut to its last hit, one-shot ranges as plain values. */
static void normalize_chain(CalendarComponent **c) {
        g_autofree CalendarComponent **b = NULL;
        CalendarComponent *next;
        size_t n = 0, k;

        for (CalendarComponent *i = *c; i; i = i->next) {
                n++;
                if (i->stop > i->start && i->repeat > 0)
                        i->stop -= (i->stop - i->start) % i->repeat;
                if ((i->stop > i->start && i->start + i->repeat > i->stop) || i->start == i->stop) {
                        i->repeat = 0;
                        i->stop = -1;
                }
        }
        if (n <= 1)
                return;

        b = g_new(CalendarComponent *, n);
        k = 0;
        for (CalendarComponent *i = *c; i; i = i->next)
                b[k++] = i;
        qsort(b, n, sizeof(*b), component_compare);

        b[n - 1]->next = NULL;
        next = b[n - 1];
        for (k = n - 1; k > 0; k--) {
                if (component_compare(&b[k - 1], &next) == 0) {
                        g_free(b[k - 1]);
                        continue;
                }
                b[k - 1]->next = next;
                next = b[k - 1];
        }
        *c = next;
}

/* 12 → 2012, 89 → 1989 */
static void fix_year(CalendarComponent *c) {
        for (; c; c = c->next) {
                if (c->start >= 0 && c->start < 70)
                        c->start += 2000;
                else if (c->start >= 70 && c->start < 100)
                        c->start += 1900;
                if (c->stop >= 0 && c->stop < 70)
                        c->stop += 2000;
                else if (c->stop >= 70 && c->stop < 100)
                        c->stop += 1900;
        }
}

static void normalize(CalendarSpec *c) {
        if (c->weekdays_bits <= 0 || c->weekdays_bits >= CALENDAR_WEEKDAYS_ALL)
                c->weekdays_bits = -1;
        if (c->end_of_month && !c->day)
                c->end_of_month = false;
        fix_year(c->year);
        normalize_chain(&c->year);
        normalize_chain(&c->month);
        normalize_chain(&c->day);
        normalize_chain(&c->hour);
        normalize_chain(&c->minute);
        normalize_chain(&c->microsecond);
}

static bool chain_valid(Parser *p, const CalendarComponent *c, int from, int to, bool end_of_month,
                        const char *field, int scale) {
        for (; c; c = c->next) {
                /* At most 28 days from the end of the month, and, as in
                 * systemd (which recurses with the bound already cut), 3
                 * fewer for each further list entry. */
                if (end_of_month)
                        to -= 3;
                if (c->start < from || c->start > to)
                        return fail(p, _("%s %d is out of range %d..%d"), field, c->start / scale, from / scale,
                                    to / scale);
                if (c->repeat > to - from)
                        return fail(p, _("%s: repetition /%d is too large"), field, c->repeat / scale);
                if (c->stop >= 0) {
                        if (c->stop < from || c->stop > to)
                                return fail(p, _("%s %d is out of range %d..%d"), field, c->stop / scale,
                                            from / scale, to / scale);
                        if (c->start + c->repeat > c->stop)
                                return fail(p, _("%s: range %d..%d runs backwards"), field, c->start / scale,
                                            c->stop / scale);
                } else if (c->repeat > 0 && end_of_month && c->start - c->repeat < from)
                        /* it must repeat at least once (counting towards the 1st) */
                        return fail(p, _("%s: ~%d/%d never repeats within a month"), field, c->start,
                                    c->repeat);
                else if (c->repeat > 0 && !end_of_month && c->start + c->repeat > to)
                        /* it must repeat at least once */
                        return fail(p, _("%s: %d/%d never repeats within %d..%d"), field, c->start / scale,
                                    c->repeat / scale, from / scale, to / scale);
        }
        return true;
}

static bool spec_valid(Parser *p, const CalendarSpec *c) {
        return chain_valid(p, c->year, CALENDAR_MIN_YEAR, CALENDAR_MAX_YEAR, false, _("year"), 1) &&
               chain_valid(p, c->month, 1, 12, false, _("month"), 1) &&
               chain_valid(p, c->day, 1, 31, c->end_of_month, _("day"), 1) &&
               chain_valid(p, c->hour, 0, 23, false, _("hour"), 1) &&
               chain_valid(p, c->minute, 0, 59, false, _("minute"), 1) &&
               chain_valid(p, c->microsecond, 0, 60 * (int) USEC_PER_SEC - 1, false, _("second"),
                           (int) USEC_PER_SEC);
}

/* What timezone_is_valid() accepts: a plain name whose tz database file is a TZif file. */
static bool timezone_name_valid(const char *name) {
        bool slash = false;
        g_autofree char *path = NULL;

        if (!*name || *name == '/')
                return false;
        for (const char *q = name; *q; q++) {
                if (!g_ascii_isalnum(*q) && !strchr("+-_/", *q))
                        return false;
                if (*q == '/') {
                        if (slash)
                                return false;
                        slash = true;
                } else
                        slash = false;
        }
        if (slash)
                return false;
        if (strstr(name, "..") || strlen(name) > 255)
                return false;
        path = g_build_filename("/usr/share/zoneinfo", name, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
                return false;
        {
                FILE *f = fopen(path, "re");
                char magic[4];
                bool ok;

                if (!f)
                        return false;
                ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
                fclose(f);
                return ok;
        }
}

static bool ends_with_word_nocase(const char *s, size_t len, const char *word, size_t *ret_cut) {
        size_t wl = strlen(word);

        if (wl == 0 || len <= wl)
                return false;
        if (g_ascii_strncasecmp(s + len - wl, word, wl) != 0 || s[len - wl - 1] != ' ')
                return false;
        *ret_cut = len - wl - 1;
        return true;
}

static bool parse_zone(Parser *p, char **body, CalendarSpec *c) {
        size_t len = strlen(*body), cut;
        const char *last_space;

        if (ends_with_word_nocase(*body, len, "UTC", &cut)) {
                c->utc = true;
                (*body)[cut] = 0;
                return true;
        }
        for (int j = 0; j <= 1; j++) {
                g_autofree char *name = calendar_zone_abbreviation(c->tz, j);

                if (name && ends_with_word_nocase(*body, len, name, &cut)) {
                        c->dst = j;
                        c->dst_name = g_steal_pointer(&name);
                        (*body)[cut] = 0;
                        return true;
                }
        }
        last_space = strrchr(*body, ' ');
        if (last_space && timezone_name_valid(last_space + 1)) {
                c->timezone = g_strdup(last_space + 1);
                (*body)[last_space - *body] = 0;
        }
        return true;
}

static void shorthand(CalendarSpec *c, int weekdays, int nmonths, const int *months, int day, int hour, int minute) {
        if (weekdays)
                c->weekdays_bits = weekdays;
        for (int i = 0; i < nmonths; i++)
                const_chain(months[i], &c->month);
        if (day >= 0)
                const_chain(day, &c->day);
        if (hour >= 0)
                const_chain(hour, &c->hour);
        if (minute >= 0)
                const_chain(minute, &c->minute);
        const_chain(0, &c->microsecond);
}

static bool parse_shorthand(const char *s, CalendarSpec *c) {
        static const int jan[] = { 1 }, quarters[] = { 1, 4, 7, 10 }, halves[] = { 1, 7 };

        if (g_ascii_strcasecmp(s, "minutely") == 0)
                shorthand(c, 0, 0, NULL, -1, -1, -1);
        else if (g_ascii_strcasecmp(s, "hourly") == 0)
                shorthand(c, 0, 0, NULL, -1, -1, 0);
        else if (g_ascii_strcasecmp(s, "daily") == 0)
                shorthand(c, 0, 0, NULL, -1, 0, 0);
        else if (g_ascii_strcasecmp(s, "monthly") == 0)
                shorthand(c, 0, 0, NULL, 1, 0, 0);
        else if (g_ascii_strcasecmp(s, "annually") == 0 || g_ascii_strcasecmp(s, "yearly") == 0 ||
                 g_ascii_strcasecmp(s, "anually") == 0)
                shorthand(c, 0, 1, jan, 1, 0, 0);
        else if (g_ascii_strcasecmp(s, "weekly") == 0)
                shorthand(c, 1, 0, NULL, -1, 0, 0);
        else if (g_ascii_strcasecmp(s, "quarterly") == 0)
                shorthand(c, 0, 4, quarters, 1, 0, 0);
        else if (g_ascii_strcasecmp(s, "biannually") == 0 || g_ascii_strcasecmp(s, "bi-annually") == 0 ||
                 g_ascii_strcasecmp(s, "semiannually") == 0 || g_ascii_strcasecmp(s, "semi-annually") == 0)
                shorthand(c, 0, 2, halves, 1, 0, 0);
        else
                return false;
        return true;
}

/* @EPOCH: that one instant, in UTC. */
static bool parse_epoch(Parser *p, const char *s, CalendarSpec *c) {
        char *end = NULL;
        gint64 t;
        g_autoptr(GDateTime) dt = NULL;

        if (!g_ascii_isdigit(s[0]))
                return fail(p, _("\"@\" must be followed by seconds since the epoch"));
        errno = 0;
        t = g_ascii_strtoll(s, &end, 10);
        if (errno != 0 || t > G_GINT64_CONSTANT(253402300799))
                return fail(p, _("timestamp out of range"));
        if (*end != 0) {
                g_autofree char *tok = token_at(end);
                return fail(p, _("timestamp: unexpected \"%s\""), tok);
        }
        dt = g_date_time_new_from_unix_utc(t);
        if (!dt)
                return fail(p, _("timestamp out of range"));
        c->utc = true;
        const_chain(g_date_time_get_year(dt), &c->year);
        const_chain(g_date_time_get_month(dt), &c->month);
        const_chain(g_date_time_get_day_of_month(dt), &c->day);
        const_chain(g_date_time_get_hour(dt), &c->hour);
        const_chain(g_date_time_get_minute(dt), &c->minute);
        const_chain(g_date_time_get_second(dt) * (int) USEC_PER_SEC, &c->microsecond);
        return true;
}

static bool parse_body(Parser *p, const char *s, CalendarSpec *c) {
        if (parse_shorthand(s, c))
                return true;
        if (!parse_weekdays(p, &s, c))
                return false;
        if (*s == '@')
                return parse_epoch(p, s + 1, c);
        if (!parse_date(p, &s, c))
                return false;
        if (!parse_time(p, &s, c))
                return false;
        if (*s != 0) {
                g_autofree char *tok = token_at(s);
                return fail(p, _("unexpected \"%s\""), tok);
        }
        return true;
}

/* A word in the place of a time zone that looks like one: a letter, then what tz names are made of. */
static bool looks_like_zone(const char *word) {
        if (!g_ascii_isalpha(word[0]))
                return false;
        for (const char *q = word; *q; q++)
                if (!g_ascii_isalnum(*q) && !strchr("+-_/", *q))
                        return false;
        return true;
}

/*
 * @body failed to parse: is its last word an unknown time zone?  So it is
 * when that word looks like a zone name and the rest parses on its own
 * (systemd only says "Invalid argument" here).  Returns the word, or NULL.
 */
static char *unknown_zone(const char *body) {
        const char *last_space = strrchr(body, ' ');
        g_autofree char *rest = NULL;
        g_autoptr(CalendarSpec) scratch = NULL;
        Parser q = { .text = body, .error = NULL };

        if (!last_space || last_space == body || !looks_like_zone(last_space + 1))
                return NULL;
        rest = g_strndup(body, (size_t) (last_space - body));
        scratch = g_new0(CalendarSpec, 1);
        scratch->dst = -1;
        scratch->tz = g_time_zone_new_utc();
        if (!parse_body(&q, rest, scratch))
                return NULL;
        return g_strdup(last_space + 1);
}

/**
 * calendar_spec_parse() - parse a calendar event expression
 * @text: the expression, systemd.time(7) syntax
 * @error: SLUICE_ERROR_INVALID_ARGUMENT naming the expression and the fault
 *
 * Return: the spec (free with calendar_spec_free()), or NULL.
 */
CalendarSpec *calendar_spec_parse(const char *text, GError **error) {
        g_autoptr(CalendarSpec) c = NULL;
        g_autofree char *body = NULL;
        Parser p = { .text = text, .error = error };

        g_return_val_if_fail(text, NULL);

        c = g_new0(CalendarSpec, 1);
        c->dst = -1;
        c->weekdays_bits = 0;
        c->tz = g_time_zone_new_local();

        if (!g_utf8_validate(text, -1, NULL)) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_ARGUMENT,
                            _("calendar expression is not valid UTF-8"));
                return NULL;
        }
        /* Not stripped: systemd refuses surrounding blanks too (mostly). */
        body = g_strdup(text);
        if (!*body) {
                fail(&p, _("empty calendar expression"));
                return NULL;
        }
        parse_zone(&p, &body, c);
        if (!*body) {
                fail(&p, _("a time zone alone is not a calendar event"));
                return NULL;
        }
        {
                g_autoptr(GError) body_error = NULL;

                p.error = &body_error;
                if (!parse_body(&p, body, c)) {
                        g_autofree char *zone = c->utc || c->dst_name || c->timezone ? NULL : unknown_zone(body);

                        if (zone) {
                                g_clear_error(&body_error);
                                p.error = error;
                                fail(&p, _("unknown time zone \"%s\""), zone);
                        } else
                                g_propagate_error(error, g_steal_pointer(&body_error));
                        return NULL;
                }
                p.error = error;
        }
        if (c->utc) {
                g_time_zone_unref(c->tz);
                c->tz = g_time_zone_new_utc();
        } else if (c->timezone) {
                GTimeZone *tz = g_time_zone_new_identifier(c->timezone);

                if (!tz) {
                        fail(&p, _("unknown time zone \"%s\""), c->timezone);
                        return NULL;
                }
                g_time_zone_unref(c->tz);
                c->tz = tz;
        }
        normalize(c);
        if (!spec_valid(&p, c))
                return NULL;
        return g_steal_pointer(&c);
}

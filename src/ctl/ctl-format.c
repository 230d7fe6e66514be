/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pwd.h>
#include <stdbool.h>
#include <stdarg.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ctl-format.h"
#include "ctl-output.h"
#include "i18n.h"

/**
 * ctl_format_timestamp() - a CLOCK_REALTIME time in µs, in local time
 * @usec: the time; 0 and UINT64_MAX mean "never"
 *
 * Return: "2024-05-01 02:30:00 CEST", or "-" (owned).
 */
char *ctl_format_timestamp(uint64_t usec) {
        g_autoptr(GDateTime) dt = NULL;

        if (usec == 0 || usec == UINT64_MAX)
                return g_strdup("-");
        dt = g_date_time_new_from_unix_local((gint64) (usec / G_USEC_PER_SEC));
        if (!dt)
                return g_strdup_printf("@%" G_GUINT64_FORMAT, usec / G_USEC_PER_SEC);
        return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S %Z");
}

/**
 * ctl_format_timespan() - a duration in µs, shortly
 * @usec: the duration
 *
 * Return: "1h 2min", "3min 4s", "5s", "120ms" (owned).
 */
char *ctl_format_timespan(uint64_t usec) {
        uint64_t s = usec / G_USEC_PER_SEC;

        if (usec < G_USEC_PER_SEC)
                return g_strdup_printf("%" G_GUINT64_FORMAT "ms", usec / 1000);
        if (s < 60)
                return g_strdup_printf("%" G_GUINT64_FORMAT "s", s);
        if (s < 3600)
                return g_strdup_printf("%" G_GUINT64_FORMAT "min %" G_GUINT64_FORMAT "s", s / 60, s % 60);
        if (s < 86400)
                return g_strdup_printf("%" G_GUINT64_FORMAT "h %" G_GUINT64_FORMAT "min",
                                       s / 3600, (s % 3600) / 60);
        return g_strdup_printf("%" G_GUINT64_FORMAT "d %" G_GUINT64_FORMAT "h", s / 86400, (s % 86400) / 3600);
}

/**
 * ctl_format_user() - a user name for a uid
 * @uid: the uid
 *
 * Return: the name from the user database, else the number (owned).
 */
char *ctl_format_user(uint32_t uid) {
        struct passwd pw, *result = NULL;
        long size = sysconf(_SC_GETPW_R_SIZE_MAX);
        g_autofree char *buf = NULL;

        if (size <= 0)
                size = 16384;
        buf = g_malloc((gsize) size);
        if (getpwuid_r((uid_t) uid, &pw, buf, (size_t) size, &result) == 0 && result)
                return g_strdup(result->pw_name);
        return g_strdup_printf("%" G_GUINT32_FORMAT, uid);
}

/**
 * ctl_format_variant() - a property value as plain text
 * @v: the value
 *
 * Strings as they are ("-" when empty), string arrays joined with ", ",
 * string dictionaries as "key=value, ...", numbers in decimal, anything
 * else in GVariant text format.
 *
 * Return: the text (owned).
 */
char *ctl_format_variant(GVariant *v) {
        if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
            g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH)) {
                const char *s = g_variant_get_string(v, NULL);
                return g_strdup(*s ? s : "-");
        }
        if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY)) {
                g_autofree const char **strv = g_variant_get_strv(v, NULL);
                return strv[0] ? g_strjoinv(", ", (char **) strv) : g_strdup("-");
        }
        if (g_variant_is_of_type(v, G_VARIANT_TYPE("a{ss}"))) {
                g_autoptr(GString) out = g_string_new(NULL);
                GVariantIter iter;
                const char *key, *value;

                g_variant_iter_init(&iter, v);
                while (g_variant_iter_next(&iter, "{&s&s}", &key, &value))
                        g_string_append_printf(out, "%s%s=%s", out->len ? ", " : "", key, value);
                return g_strdup(out->len ? out->str : "-");
        }
        if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
                return g_strdup(g_variant_get_boolean(v) ? _("yes") : _("no"));
        return g_variant_print(v, FALSE);
}

/**
 * ctl_display_width() - how many terminal columns a text takes
 * @s: UTF-8 text, possibly with ANSI escape sequences
 *
 * Double-width characters (CJK, most emoji: g_unichar_iswide()) count 2,
 * combining marks and other zero-width characters 0, escape sequences
 * (ESC [ … final byte, ESC ] … BEL or ESC \) nothing, an invalid byte 1.
 *
 * Return: the width in columns.
 */
size_t ctl_display_width(const char *s) {
        size_t w = 0;

        while (*s) {
                gunichar c;

                if (*s == '\x1b') {
                        s++;
                        if (*s == '[') {
                                for (s++; *s && !(*s >= 0x40 && *s <= 0x7e); s++)
                                        ;
                                if (*s)
                                        s++;
                        } else if (*s == ']') {
                                for (s++; *s && *s != '\a' && !(s[0] == '\x1b' && s[1] == '\\'); s++)
                                        ;
                                if (*s == '\a')
                                        s++;
                                else if (*s)
                                        s += 2;
                        } else if (*s)
                                s++;
                        continue;
                }
                c = g_utf8_get_char_validated(s, -1);
                if (c == (gunichar) -1 || c == (gunichar) -2) {
                        w++;
                        s++;
                        continue;
                }
                if (g_unichar_iswide(c))
                        w += 2;
                else if (!g_unichar_iszerowidth(c))
                        w++;
                s = g_utf8_next_char(s);
        }
        return w;
}

/**
 * ctl_ellipsize() - cut a text to a width, marking the cut
 * @s: UTF-8 text without escape sequences (a table cell)
 * @width: the most columns the result may take
 * @utf8: the locale's charset is UTF-8: mark with "…" (1 column), else "..."
 *
 * Cuts between characters, never inside one: when a double-width character
 * does not fit, the result is one column narrower than @width.  Zero-width
 * characters after the last kept one stay with it.
 *
 * Return: @s itself copied if it fits, else the cut text with the mark (owned).
 */
char *ctl_ellipsize(const char *s, size_t width, bool utf8) {
        const char *mark = utf8 ? "…" : "...";
        size_t mark_width = utf8 ? 1 : 3, w = 0;
        g_autoptr(GString) out = NULL;

        if (ctl_display_width(s) <= width)
                return g_strdup(s);
        if (width <= mark_width)
                return utf8 ? g_strdup(width > 0 ? mark : "") : g_strndup(mark, width);
        out = g_string_new(NULL);
        for (const char *p = s; *p; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);
                size_t cw = g_unichar_iswide(c) ? 2 : g_unichar_iszerowidth(c) ? 0 : 1;

                if (w + cw > width - mark_width)
                        break;
                g_string_append_unichar(out, c);
                w += cw;
        }
        g_string_append(out, mark);
        return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * A cell as it may reach a terminal: valid UTF-8 (invalid bytes become
 * U+FFFD) and no control character (a description with ESC or a newline
 * must neither move the cursor nor break the table): each shows as \xNN or
 * \uNNNN.
 */
static char *cell_sanitize(const char *s) {
        g_autofree char *valid = g_utf8_make_valid(s, -1);
        g_autoptr(GString) out = g_string_sized_new(strlen(valid));

        for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);

                if (g_unichar_iscntrl(c))
                        g_string_append_printf(out, c < 0x100 ? "\\x%02" G_GINT32_MODIFIER "x" : "\\u%04"
                                               G_GINT32_MODIFIER "x", c);
                else
                        g_string_append_unichar(out, c);
        }
        return g_string_free(g_steal_pointer(&out), FALSE);
}

struct CtlTable {
        guint n_columns;
        GPtrArray *rows;        /* of GStrv, the first is the header */
        gboolean *right;        /* per column */
        gboolean *ellipsize;    /* per column: shrinks first when the table is too wide */
        CtlColorFunc *color;    /* per column, or NULL */
};

/**
 * ctl_table_new() - an empty table
 * @n_columns: number of columns
 * @headers: @n_columns column titles (copied)
 *
 * Return: the table; free with ctl_table_free().
 */
CtlTable *ctl_table_new(guint n_columns, const char *const *headers) {
        CtlTable *t = g_new0(CtlTable, 1);

        t->n_columns = n_columns;
        t->rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
        t->right = g_new0(gboolean, n_columns);
        t->ellipsize = g_new0(gboolean, n_columns);
        t->color = g_new0(CtlColorFunc, n_columns);
        g_ptr_array_add(t->rows, g_strdupv((char **) headers));
        return t;
}

/** ctl_table_free() - free a table and its cells */
void ctl_table_free(CtlTable *t) {
        if (!t)
                return;
        g_ptr_array_unref(t->rows);
        g_free(t->right);
        g_free(t->ellipsize);
        g_free(t->color);
        g_free(t);
}

/**
 * ctl_table_add_row() - append a row
 * @t: the table
 * @...: exactly n_columns cells (const char *, copied; NULL shows "-";
 *       control characters show escaped, as \x1b)
 */
void ctl_table_add_row(CtlTable *t, ...) {
        char **row = g_new0(char *, t->n_columns + 1);
        va_list ap;

        va_start(ap, t);
        for (guint i = 0; i < t->n_columns; i++) {
                const char *cell = va_arg(ap, const char *);
                row[i] = cell && *cell ? cell_sanitize(cell) : g_strdup("-");
        }
        va_end(ap);
        g_ptr_array_add(t->rows, row);
}

/** ctl_table_set_right_aligned() - right-align one column (numbers); it is never cut */
void ctl_table_set_right_aligned(CtlTable *t, guint column) {
        g_return_if_fail(column < t->n_columns);
        t->right[column] = TRUE;
}

/**
 * ctl_table_set_ellipsize() - the column to cut first when the table is too wide
 * @t: the table
 * @column: a free-text column (description, detail, message)
 */
void ctl_table_set_ellipsize(CtlTable *t, guint column) {
        g_return_if_fail(column < t->n_columns);
        t->ellipsize[column] = TRUE;
}

/**
 * ctl_table_set_color() - colour a column's cells by their text
 * @t: the table
 * @column: the column
 * @color: gives a cell's ANSI colour or NULL (plain); used only when the
 *         style asks for colours
 */
void ctl_table_set_color(CtlTable *t, guint column, CtlColorFunc color) {
        g_return_if_fail(column < t->n_columns);
        t->color[column] = color;
}

/** ctl_table_get_n_rows() - number of rows, not counting the header */
guint ctl_table_get_n_rows(const CtlTable *t) {
        return t->rows->len - 1;
}

/*
 * Shrink @width (the columns' natural widths) until the table with its
 * separators fits in @max columns: first the ellipsize columns, down to
 * @min each, then the widest other left-aligned column one at a time, down
 * to @min.  Right-aligned (number) columns keep their width.  A table that
 * still does not fit is printed as wide as its minimums.
 */
static void shrink_columns(const CtlTable *t, size_t *width, const size_t *min, size_t max) {
        size_t total = t->n_columns - 1;

        for (guint c = 0; c < t->n_columns; c++)
                total += width[c];
        for (guint c = 0; c < t->n_columns && total > max; c++) {
                size_t cut;

                if (!t->ellipsize[c] || width[c] <= min[c])
                        continue;
                cut = MIN(width[c] - min[c], total - max);
                width[c] -= cut;
                total -= cut;
        }
        while (total > max) {
                guint widest = t->n_columns;

                for (guint c = 0; c < t->n_columns; c++)
                        if (!t->right[c] && width[c] > min[c] &&
                            (widest == t->n_columns || width[c] > width[widest]))
                                widest = c;
                if (widest == t->n_columns)
                        break;
                width[widest]--;
                total--;
        }
}

/**
 * ctl_table_print_styled() - print the table, cut to a width, maybe coloured
 * @t: the table
 * @f: where to print
 * @max_rows: print at most this many rows (0: all), then "… N more"
 * @style: width (0: no limit), colours, header, the locale's charset
 *
 * Widths are display widths (ctl_display_width()): CJK and emoji take two
 * columns, combining marks none, colours nothing.  A cell wider than its
 * column is cut with "…" ("..." when the charset is not UTF-8).
 */
void ctl_table_print_styled(const CtlTable *t, FILE *f, guint max_rows, const CtlTableStyle *style) {
        g_autofree size_t *width = g_new0(size_t, t->n_columns);
        g_autofree size_t *min = g_new0(size_t, t->n_columns);
        guint n = t->rows->len, first = style->header ? 0 : 1;

        if (max_rows > 0 && n > max_rows + 1)
                n = max_rows + 1;
        for (guint r = first; r < n; r++) {
                char **row = t->rows->pdata[r];
                for (guint c = 0; c < t->n_columns; c++)
                        width[c] = MAX(width[c], ctl_display_width(row[c]));
        }
        for (guint c = 0; c < t->n_columns; c++) {
                size_t header = style->header ? ctl_display_width(((char **) t->rows->pdata[0])[c]) : 0;

                min[c] = MIN(width[c], MAX(header, t->ellipsize[c] ? 3 : 5));
        }
        if (style->width > 0)
                shrink_columns(t, width, min, style->width);

        for (guint r = first; r < n; r++) {
                char **row = t->rows->pdata[r];
                g_autoptr(GString) line = g_string_new(NULL);

                for (guint c = 0; c < t->n_columns; c++) {
                        g_autofree char *text = ctl_ellipsize(row[c], width[c], style->utf8);
                        size_t pad = width[c] - MIN(width[c], ctl_display_width(text));
                        const char *color = r > 0 && style->colors && t->color[c] ? t->color[c](row[c]) : NULL;
                        bool last = c + 1 == t->n_columns;

                        if (c > 0)
                                g_string_append_c(line, ' ');
                        if (t->right[c])
                                for (size_t i = 0; i < pad; i++)
                                        g_string_append_c(line, ' ');
                        if (color)
                                g_string_append(line, color);
                        g_string_append(line, text);
                        if (color)
                                g_string_append(line, CTL_ANSI_NORMAL);
                        if (!t->right[c] && !last)
                                for (size_t i = 0; i < pad; i++)
                                        g_string_append_c(line, ' ');
                }
                fprintf(f, "%s\n", line->str);
        }
        if (n < t->rows->len)
                fprintf(f, _("… %u more\n"), t->rows->len - n);
}

/**
 * ctl_table_print() - print the header and the rows, columns aligned, uncut
 * @t: the table
 * @f: where to print
 * @max_rows: print at most this many rows (0: all), then "… N more"
 */
void ctl_table_print(const CtlTable *t, FILE *f, guint max_rows) {
        const CtlTableStyle style = { .header = true, .utf8 = true };

        ctl_table_print_styled(t, f, max_rows, &style);
}

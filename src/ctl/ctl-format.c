/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pwd.h>
#include <stdbool.h>
#include <stdarg.h>
#include <sys/types.h>
#include <unistd.h>

#include "ctl-format.h"
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

struct CtlTable {
        guint n_columns;
        GPtrArray *rows;        /* of GStrv, the first is the header */
        gboolean *right;        /* per column */
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
        g_ptr_array_add(t->rows, g_strdupv((char **) headers));
        return t;
}

/** ctl_table_free() - free a table and its cells */
void ctl_table_free(CtlTable *t) {
        if (!t)
                return;
        g_ptr_array_unref(t->rows);
        g_free(t->right);
        g_free(t);
}

/**
 * ctl_table_add_row() - append a row
 * @t: the table
 * @...: exactly n_columns cells (const char *, copied; NULL shows "-")
 */
void ctl_table_add_row(CtlTable *t, ...) {
        char **row = g_new0(char *, t->n_columns + 1);
        va_list ap;

        va_start(ap, t);
        for (guint i = 0; i < t->n_columns; i++) {
                const char *cell = va_arg(ap, const char *);
                row[i] = g_strdup(cell && *cell ? cell : "-");
        }
        va_end(ap);
        g_ptr_array_add(t->rows, row);
}

/** ctl_table_set_right_aligned() - right-align one column (numbers) */
void ctl_table_set_right_aligned(CtlTable *t, guint column) {
        g_return_if_fail(column < t->n_columns);
        t->right[column] = TRUE;
}

/** ctl_table_get_n_rows() - number of rows, not counting the header */
guint ctl_table_get_n_rows(const CtlTable *t) {
        return t->rows->len - 1;
}

/**
 * ctl_table_print() - print the header and the rows, columns aligned
 * @t: the table
 * @f: where to print
 * @max_rows: print at most this many rows (0: all), then "… N more"
 */
void ctl_table_print(const CtlTable *t, FILE *f, guint max_rows) {
        g_autofree glong *width = g_new0(glong, t->n_columns);
        guint n = t->rows->len;

        if (max_rows > 0 && n > max_rows + 1)
                n = max_rows + 1;
        for (guint r = 0; r < n; r++) {
                char **row = t->rows->pdata[r];
                for (guint c = 0; c < t->n_columns; c++)
                        width[c] = MAX(width[c], g_utf8_strlen(row[c], -1));
        }
        for (guint r = 0; r < n; r++) {
                char **row = t->rows->pdata[r];
                g_autoptr(GString) line = g_string_new(NULL);

                for (guint c = 0; c < t->n_columns; c++) {
                        glong pad = width[c] - g_utf8_strlen(row[c], -1);
                        bool last = c + 1 == t->n_columns;

                        if (c > 0)
                                g_string_append_c(line, ' ');
                        if (t->right[c])
                                for (glong i = 0; i < pad; i++)
                                        g_string_append_c(line, ' ');
                        g_string_append(line, row[c]);
                        if (!t->right[c] && !last)
                                for (glong i = 0; i < pad; i++)
                                        g_string_append_c(line, ' ');
                }
                fprintf(f, "%s\n", line->str);
        }
        if (n < t->rows->len)
                fprintf(f, _("… %u more\n"), t->rows->len - n);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Human-readable output: timestamps, time spans, user names, and aligned
 * tables.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

char *ctl_format_timestamp(uint64_t usec);
char *ctl_format_timespan(uint64_t usec);
char *ctl_format_user(uint32_t uid);
char *ctl_format_variant(GVariant *v);

typedef struct CtlTable CtlTable;

CtlTable *ctl_table_new(guint n_columns, const char *const *headers);
void ctl_table_free(CtlTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlTable, ctl_table_free)
void ctl_table_add_row(CtlTable *t, ...);
void ctl_table_set_right_aligned(CtlTable *t, guint column);
guint ctl_table_get_n_rows(const CtlTable *t);
void ctl_table_print(const CtlTable *t, FILE *f, guint max_rows);

/* A cell's ANSI colour from its text, or NULL for plain (ctl_result_color()). */
typedef const char *(*CtlColorFunc)(const char *cell);

/* How ctl_table_print_styled() prints. */
typedef struct CtlTableStyle {
        unsigned width;         /* cut the table to this many columns; 0: never */
        bool colors;            /* colour the cells of ctl_table_set_color() columns */
        bool header;            /* print the header line */
        bool utf8;              /* mark a cut with "…"; false: "..." */
} CtlTableStyle;

void ctl_table_set_ellipsize(CtlTable *t, guint column);
void ctl_table_set_color(CtlTable *t, guint column, CtlColorFunc color);
void ctl_table_print_styled(const CtlTable *t, FILE *f, guint max_rows, const CtlTableStyle *style);
size_t ctl_display_width(const char *s);
char *ctl_ellipsize(const char *s, size_t width, bool utf8);

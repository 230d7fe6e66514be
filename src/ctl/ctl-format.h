/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Human-readable output: timestamps, time spans, user names, and aligned
 * tables.
 */

#include <glib.h>
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

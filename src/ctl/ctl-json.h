/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A tiny JSON writer: enough for sluicectl's --json output, with correct
 * string escaping and comma placement, and no dependency beyond GLib.
 *
 *   g_auto(CtlJson) j = CTL_JSON_INIT;
 *   ctl_json_begin_object(&j);
 *   ctl_json_key(&j, "id"); ctl_json_uint(&j, 42);
 *   ctl_json_end_object(&j);
 *   puts(j.out->str);
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct CtlJson {
        GString *out;           /* the text written so far */
        GArray *first;          /* per open container: no element written yet */
        bool after_key;         /* a key was written; its value comes next */
} CtlJson;

#define CTL_JSON_INIT { .out = NULL }

void ctl_json_clear(CtlJson *j);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CtlJson, ctl_json_clear)

void ctl_json_begin_object(CtlJson *j);
void ctl_json_end_object(CtlJson *j);
void ctl_json_begin_array(CtlJson *j);
void ctl_json_end_array(CtlJson *j);
void ctl_json_key(CtlJson *j, const char *key);
void ctl_json_string(CtlJson *j, const char *s);
void ctl_json_int(CtlJson *j, int64_t v);
void ctl_json_uint(CtlJson *j, uint64_t v);
void ctl_json_bool(CtlJson *j, bool v);
void ctl_json_null(CtlJson *j);
void ctl_json_variant(CtlJson *j, GVariant *v);
void ctl_json_append_escaped(GString *out, const char *s);

/* Print @v as one line of JSON on stdout. */
void ctl_json_print_variant(GVariant *v);

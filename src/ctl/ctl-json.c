/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <math.h>

#include "ctl-json.h"

/**
 * ctl_json_clear() - free what a CtlJson holds and reset it
 * @j: the writer
 */
void ctl_json_clear(CtlJson *j) {
        if (j->out)
                g_string_free(j->out, TRUE);
        if (j->first)
                g_array_unref(j->first);
        *j = (CtlJson) CTL_JSON_INIT;
}

/* Before any value: the separating comma, unless it follows a key. */
static void begin_value(CtlJson *j) {
        if (!j->out) {
                j->out = g_string_new(NULL);
                j->first = g_array_new(FALSE, FALSE, sizeof(gboolean));
        }
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (j->first->len > 0) {
                gboolean *first = &g_array_index(j->first, gboolean, j->first->len - 1);
                if (!*first)
                        g_string_append_c(j->out, ',');
                *first = FALSE;
        }
}

static void open_container(CtlJson *j, char c) {
        gboolean first = TRUE;

        begin_value(j);
        g_string_append_c(j->out, c);
        g_array_append_val(j->first, first);
}

static void close_container(CtlJson *j, char c) {
        g_return_if_fail(j->out && j->first->len > 0);
        g_array_set_size(j->first, j->first->len - 1);
        g_string_append_c(j->out, c);
}

/**
 * ctl_json_append_escaped() - append @s as a quoted JSON string
 * @out: where to append
 * @s: UTF-8 text (NULL is written as "")
 */
void ctl_json_append_escaped(GString *out, const char *s) {
        g_string_append_c(out, '"');
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p; p++) {
                switch (*p) {
                case '"':  g_string_append(out, "\\\""); break;
                case '\\': g_string_append(out, "\\\\"); break;
                case '\b': g_string_append(out, "\\b"); break;
                case '\f': g_string_append(out, "\\f"); break;
                case '\n': g_string_append(out, "\\n"); break;
                case '\r': g_string_append(out, "\\r"); break;
                case '\t': g_string_append(out, "\\t"); break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                g_string_append_printf(out, "\\u%04x", *p);
                        else
                                g_string_append_c(out, (char) *p);
                }
        }
        g_string_append_c(out, '"');
}

/** ctl_json_begin_object() - open an object ("{") */
void ctl_json_begin_object(CtlJson *j) {
        open_container(j, '{');
}

/** ctl_json_end_object() - close the innermost object ("}") */
void ctl_json_end_object(CtlJson *j) {
        close_container(j, '}');
}

/** ctl_json_begin_array() - open an array ("[") */
void ctl_json_begin_array(CtlJson *j) {
        open_container(j, '[');
}

/** ctl_json_end_array() - close the innermost array ("]") */
void ctl_json_end_array(CtlJson *j) {
        close_container(j, ']');
}

/**
 * ctl_json_key() - write an object member's key; its value comes next
 * @j: the writer, inside an object
 * @key: the key
 */
void ctl_json_key(CtlJson *j, const char *key) {
        begin_value(j);
        ctl_json_append_escaped(j->out, key);
        g_string_append_c(j->out, ':');
        j->after_key = true;
}

/** ctl_json_string() - write a string value (NULL as null) */
void ctl_json_string(CtlJson *j, const char *s) {
        if (!s) {
                ctl_json_null(j);
                return;
        }
        begin_value(j);
        ctl_json_append_escaped(j->out, s);
}

/** ctl_json_int() - write a signed integer value */
void ctl_json_int(CtlJson *j, int64_t v) {
        begin_value(j);
        g_string_append_printf(j->out, "%" G_GINT64_FORMAT, (gint64) v);
}

/** ctl_json_uint() - write an unsigned integer value */
void ctl_json_uint(CtlJson *j, uint64_t v) {
        begin_value(j);
        g_string_append_printf(j->out, "%" G_GUINT64_FORMAT, (guint64) v);
}

/** ctl_json_bool() - write true or false */
void ctl_json_bool(CtlJson *j, bool v) {
        begin_value(j);
        g_string_append(j->out, v ? "true" : "false");
}

/** ctl_json_null() - write null */
void ctl_json_null(CtlJson *j) {
        begin_value(j);
        g_string_append(j->out, "null");
}

static void json_dict_key(CtlJson *j, GVariant *key) {
        if (g_variant_is_of_type(key, G_VARIANT_TYPE_STRING) ||
            g_variant_is_of_type(key, G_VARIANT_TYPE_OBJECT_PATH) ||
            g_variant_is_of_type(key, G_VARIANT_TYPE_SIGNATURE))
                ctl_json_key(j, g_variant_get_string(key, NULL));
        else {
                g_autofree char *text = g_variant_print(key, FALSE);
                ctl_json_key(j, text);
        }
}

/*
 * The fields of the structs sluiced's properties are arrays of, by property
 * name and type (dbus/org.sluice.Scheduler1.xml), so that JSON has objects with named fields
 * where D-Bus has positional structs.  The names are those the dedicated
 * verbs print (schedules --json, alerts --json).
 */
static const struct {
        const char *property;
        const char *type;
        const char *const fields[7];
} struct_fields[] = {
        { "Classes",    "a(sssu)",   { "Name", "Kind", "Description", "MaxRunning" } },
        { "Limits",     "a(ssuuu)",  { "Scope", "Name", "Running", "Queued", "Max" } },
        { "Schedules",  "a(ssttts)", { "Name", "Class", "NextElapse", "LastTrigger", "LastJob", "LastResult" } },
        { "Alerts",     "a(ssst)",   { "Name", "Severity", "Message", "RaisedAt" } },
        { "Parameters", "a(ss)",     { "Name", "Pattern" } },   /* in ClassDetails */
};

static const char *const *fields_of(const char *property, GVariant *v) {
        for (size_t i = 0; i < G_N_ELEMENTS(struct_fields); i++)
                if (g_str_equal(struct_fields[i].property, property) &&
                    g_str_equal(struct_fields[i].type, g_variant_get_type_string(v)))
                        return struct_fields[i].fields;
        return NULL;
}

/* A dictionary entry's value: an array of structs with known fields as objects. */
static void json_named_value(CtlJson *j, const char *name, GVariant *value) {
        g_autoptr(GVariant) inner = g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT)
                                            ? g_variant_get_variant(value) : g_variant_ref(value);
        const char *const *fields = name ? fields_of(name, inner) : NULL;
        GVariantIter iter;
        GVariant *row;

        if (!fields) {
                ctl_json_variant(j, value);
                return;
        }
        ctl_json_begin_array(j);
        g_variant_iter_init(&iter, inner);
        while ((row = g_variant_iter_next_value(&iter))) {
                ctl_json_begin_object(j);
                for (gsize k = 0; k < g_variant_n_children(row) && fields[k]; k++) {
                        g_autoptr(GVariant) field = g_variant_get_child_value(row, k);

                        ctl_json_key(j, fields[k]);
                        ctl_json_variant(j, field);
                }
                ctl_json_end_object(j);
                g_variant_unref(row);
        }
        ctl_json_end_array(j);
}

/**
 * ctl_json_variant() - write any D-Bus value as JSON
 * @j: the writer
 * @v: the value: numbers and booleans as such, strings and paths as
 *     strings, dictionaries as objects, arrays and structs as arrays,
 *     variants unboxed; in a dictionary, the arrays of structs of sluiced's
 *     known properties (Classes, Limits, Schedules, Alerts, Parameters) as
 *     arrays of objects with named fields
 */
void ctl_json_variant(CtlJson *j, GVariant *v) {
        GVariantClass c = g_variant_classify(v);

        switch (c) {
        case G_VARIANT_CLASS_BOOLEAN:
                ctl_json_bool(j, g_variant_get_boolean(v));
                break;
        case G_VARIANT_CLASS_BYTE:
                ctl_json_uint(j, g_variant_get_byte(v));
                break;
        case G_VARIANT_CLASS_INT16:
                ctl_json_int(j, g_variant_get_int16(v));
                break;
        case G_VARIANT_CLASS_UINT16:
                ctl_json_uint(j, g_variant_get_uint16(v));
                break;
        case G_VARIANT_CLASS_INT32:
                ctl_json_int(j, g_variant_get_int32(v));
                break;
        case G_VARIANT_CLASS_HANDLE:
                ctl_json_int(j, g_variant_get_handle(v));
                break;
        case G_VARIANT_CLASS_UINT32:
                ctl_json_uint(j, g_variant_get_uint32(v));
                break;
        case G_VARIANT_CLASS_INT64:
                ctl_json_int(j, g_variant_get_int64(v));
                break;
        case G_VARIANT_CLASS_UINT64:
                ctl_json_uint(j, g_variant_get_uint64(v));
                break;
        case G_VARIANT_CLASS_DOUBLE: {
                double d = g_variant_get_double(v);
                if (!isfinite(d))
                        ctl_json_null(j);
                else {
                        char buf[G_ASCII_DTOSTR_BUF_SIZE];
                        begin_value(j);
                        g_string_append(j->out, g_ascii_dtostr(buf, sizeof(buf), d));
                }
                break;
        }
        case G_VARIANT_CLASS_STRING:
        case G_VARIANT_CLASS_OBJECT_PATH:
        case G_VARIANT_CLASS_SIGNATURE:
                ctl_json_string(j, g_variant_get_string(v, NULL));
                break;
        case G_VARIANT_CLASS_VARIANT: {
                g_autoptr(GVariant) inner = g_variant_get_variant(v);
                ctl_json_variant(j, inner);
                break;
        }
        case G_VARIANT_CLASS_MAYBE: {
                g_autoptr(GVariant) inner = g_variant_get_maybe(v);
                if (inner)
                        ctl_json_variant(j, inner);
                else
                        ctl_json_null(j);
                break;
        }
        case G_VARIANT_CLASS_ARRAY:
                if (g_variant_type_is_dict_entry(g_variant_type_element(g_variant_get_type(v)))) {
                        GVariantIter iter;
                        GVariant *entry;

                        ctl_json_begin_object(j);
                        g_variant_iter_init(&iter, v);
                        while ((entry = g_variant_iter_next_value(&iter))) {
                                g_autoptr(GVariant) key = g_variant_get_child_value(entry, 0);
                                g_autoptr(GVariant) value = g_variant_get_child_value(entry, 1);
                                json_dict_key(j, key);
                                json_named_value(j, g_variant_is_of_type(key, G_VARIANT_TYPE_STRING)
                                                            ? g_variant_get_string(key, NULL) : NULL,
                                                 value);
                                g_variant_unref(entry);
                        }
                        ctl_json_end_object(j);
                        break;
                }
                G_GNUC_FALLTHROUGH;
        case G_VARIANT_CLASS_TUPLE:
        case G_VARIANT_CLASS_DICT_ENTRY: {
                GVariantIter iter;
                GVariant *child;

                ctl_json_begin_array(j);
                g_variant_iter_init(&iter, v);
                while ((child = g_variant_iter_next_value(&iter))) {
                        ctl_json_variant(j, child);
                        g_variant_unref(child);
                }
                ctl_json_end_array(j);
                break;
        }
        }
}

/**
 * ctl_json_print_variant() - print a value as one line of JSON on stdout
 * @v: the value (a{sv} of properties, typically)
 */
void ctl_json_print_variant(GVariant *v) {
        g_auto(CtlJson) j = CTL_JSON_INIT;

        ctl_json_variant(&j, v);
        printf("%s\n", j.out->str);
}

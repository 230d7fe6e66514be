/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One Job <-> one row of the jobs table: the list and table columns as
 * GVariant text (written with g_variant_print(), read back with a quick
 * reader for the common unescaped case), binding a job for the INSERT and
 * decoding a row, with a damaged row said as such.
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <string.h>

#include "i18n.h"
#include "store-private.h"

static char *strv_to_text(char **v) {
        if (!v)
                return NULL;
        g_autoptr(GVariant) var = g_variant_ref_sink(g_variant_new_strv((const char *const *) v, -1));
        return g_variant_print(var, false);
}

static char *params_to_text(GHashTable *h) {
        GVariantBuilder b;
        GHashTableIter it;
        gpointer k, v;

        if (!h)
                return NULL;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        g_hash_table_iter_init(&it, h);
        while (g_hash_table_iter_next(&it, &k, &v))
                g_variant_builder_add(&b, "{ss}", (const char *) k, (const char *) v);
        g_autoptr(GVariant) var = g_variant_ref_sink(g_variant_builder_end(&b));
        return g_variant_print(var, false);
}

static bool strv_utf8(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                if (!g_utf8_validate(v[i], -1, NULL))
                        return false;
        return true;
}

static bool params_utf8(GHashTable *h) {
        GHashTableIter it;
        gpointer k, v;

        if (!h)
                return true;
        g_hash_table_iter_init(&it, h);
        while (g_hash_table_iter_next(&it, &k, &v))
                if (!g_utf8_validate(k, -1, NULL) || !g_utf8_validate(v, -1, NULL))
                        return false;
        return true;
}

/*
 * A string as g_variant_print() writes one that needs no escape: in single
 * quotes with no backslash or quote inside (anything escaped has a
 * backslash; a string with a single quote gets double quotes).  Other texts
 * go to g_variant_parse(), which is exact but costs ~10 us per value: most
 * of a restart of a million jobs.
 */
static bool quick_string(const char **p, char **ret) {
        const char *s = *p, *end;

        if (*s != '\'')
                return false;
        end = strpbrk(s + 1, "'\\");
        if (!end || *end != '\'')
                return false;
        *ret = g_strndup(s + 1, (gsize) (end - s - 1));
        *p = end + 1;
        return true;
}

/* "['a', 'b']" and "[]" without escapes; false (nothing set) for anything else. */
static bool quick_strv(const char *text, char ***ret) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
        const char *p = text;

        if (*p++ != '[' || !g_utf8_validate(text, -1, NULL))
                return false;
        while (*p != ']') {
                char *item;

                if (v->len > 0 && !g_str_has_prefix(p, ", "))
                        return false;
                if (v->len > 0)
                        p += 2;
                if (!quick_string(&p, &item))
                        return false;
                g_ptr_array_add(v, item);
        }
        if (p[1] != '\0')
                return false;
        if (v->len == 0) {
                *ret = NULL;
                return true;
        }
        g_ptr_array_add(v, NULL);
        g_ptr_array_set_free_func(v, NULL);
        *ret = (char **) g_ptr_array_free(g_steal_pointer(&v), false);
        return true;
}

/* "{'k': 'v', ...}" and "{}" without escapes; false (nothing set) for anything else. */
static bool quick_params(const char *text, GHashTable **ret) {
        g_autoptr(GHashTable) h = NULL;
        const char *p = text;

        if (*p++ != '{' || !g_utf8_validate(text, -1, NULL))
                return false;
        while (*p != '}') {
                g_autofree char *k = NULL, *val = NULL;

                if (h && !g_str_has_prefix(p, ", "))
                        return false;
                if (h)
                        p += 2;
                if (!quick_string(&p, &k) || !g_str_has_prefix(p, ": "))
                        return false;
                p += 2;
                if (!quick_string(&p, &val))
                        return false;
                if (!h)
                        h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                g_hash_table_replace(h, g_steal_pointer(&k), g_steal_pointer(&val));
        }
        if (p[1] != '\0')
                return false;
        *ret = g_steal_pointer(&h);     /* NULL for "{}": no parameters */
        return true;
}

/* An empty list or table loads as NULL, as the core keeps "none". */
static bool parse_strv(const char *text, char ***ret) {
        if (!text) {
                *ret = NULL;
                return true;
        }
        if (quick_strv(text, ret))
                return true;
        g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE_STRING_ARRAY, text, NULL, NULL, NULL);
        if (!v)
                return false;
        *ret = g_variant_n_children(v) > 0 ? g_variant_dup_strv(v, NULL) : NULL;
        return true;
}

static bool parse_params(const char *text, GHashTable **ret) {
        GVariantIter it;
        const char *k, *val;

        if (!text) {
                *ret = NULL;
                return true;
        }
        if (quick_params(text, ret))
                return true;
        g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE("a{ss}"), text, NULL, NULL, NULL);
        if (!v)
                return false;
        *ret = NULL;
        if (g_variant_n_children(v) == 0)
                return true;
        *ret = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_variant_iter_init(&it, v);
        while (g_variant_iter_next(&it, "{&s&s}", &k, &val))
                g_hash_table_replace(*ret, g_strdup(k), g_strdup(val));
        return true;
}

/**
 * store_bind_job() - bind every column of a job, in JOB_COLUMNS order, from parameter 1
 * @q: the statement
 * @job: the job
 * @error: G_IO_ERROR_INVALID_DATA when a list or table string is not UTF-8
 *
 * Return: true on success.
 */
bool store_bind_job(sqlite3_stmt *q, const Job *job, GError **error) {
        g_autofree char *resources = NULL, *parameters = NULL, *argv = NULL, *environment = NULL;
        int i = 1;

        if (!strv_utf8(job->resources) || !params_utf8(job->parameters) || !strv_utf8(job->argv) ||
            !strv_utf8(job->environment)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("job %" PRIu64 ": a resource, parameter, argv or environment string is not UTF-8"),
                            job->id);
                return false;
        }
        resources = strv_to_text(job->resources);
        parameters = params_to_text(job->parameters);
        argv = strv_to_text(job->argv);
        environment = strv_to_text(job->environment);

        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->id);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->seq);
        store_bind_text(q, i++, job->class_name ?: "");
        store_bind_text(q, i++, job_kind_to_string(job->kind));
        store_bind_text(q, i++, job_state_to_string(job->state));
        store_bind_text(q, i++, job_result_to_string(job->result));
        sqlite3_bind_int(q, i++, job->priority);
        store_bind_text(q, i++, resources);
        store_bind_text(q, i++, parameters);
        sqlite3_bind_int64(q, i++, job->owner);
        store_bind_text(q, i++, job->submitter);
        store_bind_text(q, i++, job->description);
        store_bind_text(q, i++, argv);
        store_bind_text(q, i++, environment);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->submitted_at);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->started_at);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->finished_at);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->not_before);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->max_wait_usec);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->ttl_usec);
        sqlite3_bind_int64(q, i++, (sqlite3_int64) job->lease_expires_at);
        store_bind_text(q, i++, job->unit);
        store_bind_text(q, i++, job->invocation_id);
        sqlite3_bind_int(q, i++, job->exit_status);
        sqlite3_bind_int64(q, i++, job->attempt);
        store_bind_text(q, i++, job->result_detail);
        g_assert(i == JOB_N_COLUMNS + 1);
        return true;
}

/**
 * store_job_from_row() - the job of the current row (columns in JOB_COLUMNS order)
 * @st: the store (for the message)
 * @q: the statement, on a row
 * @error: G_IO_ERROR_INVALID_DATA for a damaged row
 *
 * Return: the job (owned, free with job_free()), NULL on error.
 */
Job *store_job_from_row(Store *st, sqlite3_stmt *q, GError **error) {
        g_autoptr(Job) j = g_new0(Job, 1);
        const char *bad = NULL;
        int kind, state, result, i = 0;

        j->id = (uint64_t) sqlite3_column_int64(q, i++);
        j->seq = (uint64_t) sqlite3_column_int64(q, i++);
        j->class_name = g_strdup(store_column_text(q, i++) ?: "");
        kind = job_kind_from_string(store_column_text(q, i++));
        state = job_state_from_string(store_column_text(q, i++));
        result = job_result_from_string(store_column_text(q, i++));
        j->priority = sqlite3_column_int(q, i++);
        if (!parse_strv(store_column_text(q, i++), &j->resources))
                bad = "resources";
        if (!parse_params(store_column_text(q, i++), &j->parameters))
                bad = "parameters";
        j->owner = (uint32_t) sqlite3_column_int64(q, i++);
        j->submitter = g_strdup(store_column_text(q, i++));
        j->description = g_strdup(store_column_text(q, i++));
        if (!parse_strv(store_column_text(q, i++), &j->argv))
                bad = "argv";
        if (!parse_strv(store_column_text(q, i++), &j->environment))
                bad = "environment";
        j->submitted_at = (usec_t) sqlite3_column_int64(q, i++);
        j->started_at = (usec_t) sqlite3_column_int64(q, i++);
        j->finished_at = (usec_t) sqlite3_column_int64(q, i++);
        j->not_before = (usec_t) sqlite3_column_int64(q, i++);
        j->max_wait_usec = (usec_t) sqlite3_column_int64(q, i++);
        j->ttl_usec = (usec_t) sqlite3_column_int64(q, i++);
        j->lease_expires_at = (usec_t) sqlite3_column_int64(q, i++);
        j->unit = g_strdup(store_column_text(q, i++));
        j->invocation_id = g_strdup(store_column_text(q, i++));
        j->exit_status = sqlite3_column_int(q, i++);
        j->attempt = (uint32_t) sqlite3_column_int64(q, i++);
        j->result_detail = g_strdup(store_column_text(q, i++));
        g_assert(i == JOB_N_COLUMNS);

        if (kind < 0)
                bad = "kind";
        if (state < 0)
                bad = "state";
        if (result < 0)
                bad = "result";
        if (bad) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            _("state database %s: job %" PRIu64 ": invalid %s; the database is damaged "
                              "(move it away to start with an empty state)"),
                            st->path, j->id, bad);
                return NULL;
        }
        j->kind = kind;
        j->state = state;
        j->result = result;
        return g_steal_pointer(&j);
}

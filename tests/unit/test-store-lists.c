/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The list columns of a stored job (resources, parameters, argv,
 * environment: GVariant text) read back exactly: store.c reads plain values
 * without g_variant_parse() (the restart of a million jobs) and must give
 * the same lists as the parser for every value, the awkward ones too
 * (quotes, backslashes, separators inside a value, control characters,
 * non-ASCII, empty strings).  Empty lists come back as NULL ("none").
 */
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "store.h"

static const char *const awkward[] = {
        "plain",
        "",
        "it's",
        "say \"hi\"",
        "both ' and \"",
        "back\\slash",
        "', '",
        "']",
        "': '",
        "'}",
        "line\nbreak\ttab",
        "ünïcödé ☃",
        "[not a list]",
        "{'k': 'v'}",
        NULL,
};

static char *make_dir(void) {
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("sluice-store-lists-XXXXXX", &error);

        g_assert_no_error(error);
        return dir;
}

static void remove_dir(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);
                g_assert_cmpint(g_unlink(p), ==, 0);
        }
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static Job *job_with(uint64_t id, const char *const *values, bool params) {
        Job *j = g_new0(Job, 1);

        j->id = id;
        j->seq = id;
        j->class_name = g_strdup("c");
        j->kind = JOB_KIND_COMMAND;
        j->state = JOB_STATE_QUEUED;
        j->exit_status = -1;
        j->resources = g_strdupv((char **) values);
        j->argv = g_strdupv((char **) values);
        j->environment = g_strdupv((char **) values);
        if (params) {
                j->parameters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                for (size_t i = 0; values && values[i]; i++)
                        g_hash_table_insert(j->parameters, g_strdup_printf("%s#%zu", values[i], i),
                                            g_strdup(values[i]));
        }
        return j;
}

static void assert_strv_as_stored(char **got, const char *const *want) {
        if (!want || !want[0]) {
                g_assert_null(got);
                return;
        }
        g_assert_cmpstrv(got, want);
}

static void assert_params_as_stored(GHashTable *got, GHashTable *want) {
        GHashTableIter it;
        gpointer k, v;

        if (!want || g_hash_table_size(want) == 0) {
                g_assert_null(got);
                return;
        }
        g_assert_nonnull(got);
        g_assert_cmpuint(g_hash_table_size(got), ==, g_hash_table_size(want));
        g_hash_table_iter_init(&it, want);
        while (g_hash_table_iter_next(&it, &k, &v))
                g_assert_cmpstr(g_hash_table_lookup(got, k), ==, v);
}

static void test_round_trip(void) {
        g_autofree char *dir = make_dir();
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func((GDestroyNotify) job_free);
        g_autoptr(GPtrArray) loaded = NULL;
        Store *st = store_open(dir, &error);

        g_assert_no_error(error);
        /* Each awkward value alone (the plain ones take the quick path), all
         * of them together, empty lists and none at all. */
        for (size_t i = 0; awkward[i]; i++) {
                const char *one[] = { awkward[i], NULL };
                g_ptr_array_add(stored, job_with(i + 1, one, true));
        }
        g_ptr_array_add(stored, job_with(100, awkward, true));
        g_ptr_array_add(stored, job_with(101, (const char *const[]) { "a", "b", "c", NULL }, true));
        g_ptr_array_add(stored, job_with(102, (const char *const[]) { NULL }, true));
        g_ptr_array_add(stored, job_with(103, NULL, false));

        g_assert_true(store_begin(st, &error));
        for (guint i = 0; i < stored->len; i++)
                g_assert_true(store_put_job(st, stored->pdata[i], &error));
        g_assert_true(store_commit(st, &error));
        g_assert_no_error(error);

        loaded = store_load_jobs(st, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(loaded->len, ==, stored->len);
        for (guint i = 0; i < stored->len; i++) {
                const Job *want = stored->pdata[i], *got = loaded->pdata[i];

                g_assert_cmpuint(got->id, ==, want->id);
                assert_strv_as_stored(got->resources, (const char *const *) want->resources);
                assert_strv_as_stored(got->argv, (const char *const *) want->argv);
                assert_strv_as_stored(got->environment, (const char *const *) want->environment);
                assert_params_as_stored(got->parameters, want->parameters);
        }
        store_free(st);
        remove_dir(dir);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/store/lists/round-trip", test_round_trip);
        return g_test_run();
}

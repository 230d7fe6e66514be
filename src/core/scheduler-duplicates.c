/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The duplicates index: every queued or running job (that nobody asked to
 * cancel) under a key made of its class, its parameters and its argv.  A
 * submission finds its duplicates with one hash lookup, however many jobs
 * there are.
 *
 * The key encodes every string with its length ("5:store"), so no value can
 * pass for a separator: {a="b c"} and {a="b", c=...} give different keys.
 */
#include <string.h>

#include "scheduler-private.h"

static void append_field(GString *key, const char *s) {
        g_string_append_printf(key, "%zu:", strlen(s));
        g_string_append(key, s);
}

static gint str_compare(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/**
 * duplicates_key() - the duplicate key of a job
 * @j: the job (class, parameters and argv set)
 *
 * Return: a new string; equal for jobs that are duplicates of each other.
 */
char *duplicates_key(const Job *j) {
        GString *key = g_string_new(NULL);
        guint n = j->parameters ? g_hash_table_size(j->parameters) : 0;

        append_field(key, j->class_name);
        g_string_append_printf(key, "|P%u|", n);
        if (n > 0) {
                g_autofree gpointer *names = g_hash_table_get_keys_as_array(j->parameters, NULL);

                qsort(names, n, sizeof(gpointer), str_compare);
                for (guint i = 0; i < n; i++) {
                        append_field(key, names[i]);
                        append_field(key, g_hash_table_lookup(j->parameters, names[i]));
                }
        }
        g_string_append_printf(key, "|A%u|", j->argv ? g_strv_length(j->argv) : 0);
        for (char **a = j->argv; a && *a; a++)
                append_field(key, *a);
        return g_string_free(key, FALSE);
}

/**
 * duplicates_add() - enter a queued or running job into the index
 * @s: the scheduler
 * @j: the job (not yet in the index)
 */
void duplicates_add(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);
        GPtrArray *jobs;

        g_assert(!p->dup_key);
        p->dup_key = duplicates_key(j);
        jobs = g_hash_table_lookup(s->duplicates, p->dup_key);
        if (!jobs) {
                jobs = g_ptr_array_new();
                g_hash_table_insert(s->duplicates, g_strdup(p->dup_key), jobs);
        }
        g_ptr_array_add(jobs, j);
}

/**
 * duplicates_remove() - take a job out of the index (no-op if not in it)
 * @s: the scheduler
 * @j: the job
 */
void duplicates_remove(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);
        GPtrArray *jobs;

        if (!p->dup_key)
                return;
        jobs = g_hash_table_lookup(s->duplicates, p->dup_key);
        g_assert(jobs);
        g_ptr_array_remove_fast(jobs, j);
        if (jobs->len == 0)
                g_hash_table_remove(s->duplicates, p->dup_key);
        g_clear_pointer(&p->dup_key, g_free);
}

/**
 * duplicates_find() - the queued or running duplicates of a job
 * @s: the scheduler
 * @j: the new job (need not be in the index)
 *
 * Return: a new array of the duplicates (borrowed Job pointers), by id;
 * empty when there are none.
 */
GPtrArray *duplicates_find(Scheduler *s, const Job *j) {
        g_autofree char *key = duplicates_key(j);
        GPtrArray *jobs = g_hash_table_lookup(s->duplicates, key);
        GPtrArray *out = g_ptr_array_new();

        for (guint i = 0; jobs && i < jobs->len; i++)
                if (jobs->pdata[i] != j)
                        g_ptr_array_add(out, jobs->pdata[i]);
        g_ptr_array_sort(out, scheduler_job_id_compare);
        return out;
}

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

static void append_number(GString *key, size_t n) {
        char buf[24];
        size_t i = sizeof(buf);

        /* Not g_string_append_printf(): the key is built for every job
         * restored at start, and printf was a tenth of the restart. */
        do
                buf[--i] = (char) ('0' + n % 10);
        while ((n /= 10) > 0);
        g_string_append_len(key, buf + i, (gssize) (sizeof(buf) - i));
}

static void append_field(GString *key, const char *s) {
        size_t n = strlen(s);

        append_number(key, n);
        g_string_append_c(key, ':');
        g_string_append_len(key, s, (gssize) n);
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
        g_string_append(key, "|P");
        append_number(key, n);
        g_string_append_c(key, '|');
        if (n > 0) {
                g_autofree gpointer *names = g_hash_table_get_keys_as_array(j->parameters, NULL);

                qsort(names, n, sizeof(gpointer), str_compare);
                for (guint i = 0; i < n; i++) {
                        append_field(key, names[i]);
                        append_field(key, g_hash_table_lookup(j->parameters, names[i]));
                }
        }
        g_string_append(key, "|A");
        append_number(key, j->argv ? g_strv_length(j->argv) : 0);
        g_string_append_c(key, '|');
        for (char **a = j->argv; a && *a; a++)
                append_field(key, *a);
        return g_string_free(key, FALSE);
}

/**
 * duplicates_add() - enter a queued or running job into the index
 * @s: the scheduler
 * @j: the job (not yet in the index)
 *
 * The job borrows the index's copy of its key (one string per distinct
 * key, not per job) and remembers its place in the key's array, so that
 * duplicates_remove() is O(1) even when a million jobs share one key.
 */
void duplicates_add(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);
        char *key = duplicates_key(j);
        gpointer stored_key = NULL, value = NULL;
        GPtrArray *jobs;

        g_assert(!p->dup_key);
        if (g_hash_table_lookup_extended(s->duplicates, key, &stored_key, &value)) {
                g_free(key);
                jobs = value;
        } else {
                jobs = g_ptr_array_new();
                g_hash_table_insert(s->duplicates, key, jobs);
                stored_key = key;
        }
        p->dup_key = stored_key;
        p->dup_index = jobs->len;
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
        g_assert(jobs && p->dup_index < jobs->len && jobs->pdata[p->dup_index] == j);
        /* The last job takes the freed place. */
        g_ptr_array_remove_index_fast(jobs, p->dup_index);
        if (p->dup_index < jobs->len)
                job_priv(jobs->pdata[p->dup_index])->dup_index = p->dup_index;
        if (jobs->len == 0)
                g_hash_table_remove(s->duplicates, p->dup_key);        /* frees the key p->dup_key points to */
        p->dup_key = NULL;
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

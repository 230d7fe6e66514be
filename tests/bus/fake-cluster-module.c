/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake sluiced-cluster.so for tests/bus/test-bus-cluster.c: the table of
 * src/daemon/cluster-module.h, driven by files in $FAKE_CLUSTER_DIR instead
 * of etcd (a fake of sluice's own boundary; the real module is K2's, proven
 * against a real etcd in tests/etcd and the cluster scenario).
 *
 *   calls   every call sluiced made, one line each, appended in order
 *   admit   job ids (one per line) answer() admits; others wait
 *   lose    when it appears: lease_lost() (then it is removed)
 *
 * The files are looked at from a 10 ms timer on sluiced's loop, and the hooks
 * are called from there, never from inside a table function (the header's rule).
 * Built twice: FAKE_ABI=99 gives a module of another ABI.
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster-module.h"

#ifndef FAKE_ABI
#define FAKE_ABI SLUICE_CLUSTER_MODULE_ABI
#endif

struct Cluster {
        const ClusterHooks *hooks;
        void *userdata;
        char *dir;
        sd_event_source *timer;
        GHashTable *wants;      /* "id resource" asked, not released */
        unsigned pending;       /* wants and releases since the last flush */
        bool granted;
        struct timespec admit_mtime;
};

static void note(Cluster *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(Cluster *c, const char *fmt, ...) {
        g_autofree char *path = g_build_filename(c->dir, "calls", NULL), *line = NULL;
        va_list ap;
        FILE *f;

        va_start(ap, fmt);
        line = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        f = fopen(path, "ae");
        if (f) {
                fprintf(f, "%s\n", line);
                fclose(f);
        }
}

static bool admitted(Cluster *c, uint64_t job_id) {
        g_autofree char *path = g_build_filename(c->dir, "admit", NULL), *text = NULL;
        g_auto(GStrv) lines = NULL;
        g_autofree char *want = g_strdup_printf("%" G_GUINT64_FORMAT, job_id);

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return false;
        lines = g_strsplit(text, "\n", -1);
        return g_strv_contains((const char *const *) lines, want);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Cluster *c = userdata;
        g_autofree char *lose = g_build_filename(c->dir, "lose", NULL);
        g_autofree char *admit = g_build_filename(c->dir, "admit", NULL);
        struct stat st;

        if (!c->granted) {
                c->granted = true;
                c->hooks->lease_granted(c->userdata, 4242);
        }
        if (stat(admit, &st) == 0 &&
            (st.st_mtim.tv_sec != c->admit_mtime.tv_sec || st.st_mtim.tv_nsec != c->admit_mtime.tv_nsec)) {
                c->admit_mtime = st.st_mtim;
                c->hooks->changed(c->userdata);
        }
        if (access(lose, F_OK) == 0) {
                (void) unlink(lose);
                note(c, "lease-lost");
                c->hooks->lease_lost(c->userdata, "fake: the lease is gone");
        }
        (void) sd_event_source_set_time_relative(s, 10 * 1000);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

static int fake_new(sd_event *event, const ClusterSettings *st, const ClusterHooks *hooks, void *userdata,
                    Cluster **ret, GError **error) {
        const char *dir = g_getenv("FAKE_CLUSTER_DIR");
        Cluster *c;
        int r;

        if (!dir) {
                g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "FAKE_CLUSTER_DIR is not set");
                return -EINVAL;
        }
        c = g_new0(Cluster, 1);
        c->hooks = hooks;
        c->userdata = userdata;
        c->dir = g_strdup(dir);
        c->wants = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        note(c, "new host=%s prefix=%s ttl=%u endpoint=%s password=%s user=%s stored-lease=%" G_GINT64_FORMAT,
             st->host_name, st->prefix, st->lease_ttl_sec, st->endpoints[0], st->password ? st->password : "-",
             st->user ? st->user : "-", st->stored_lease_id);
        r = sd_event_add_time_relative(event, &c->timer, CLOCK_MONOTONIC, 10 * 1000, 1000, on_timer, c);
        if (r < 0) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "timer: %s", g_strerror(-r));
                return r;
        }
        *ret = c;
        return 0;
}

static void fake_free(Cluster *c) {
        note(c, "free");
        sd_event_source_disable_unref(c->timer);
        g_hash_table_unref(c->wants);
        g_free(c->dir);
        g_free(c);
}

static void fake_recover(Cluster *c, const ClusterRecoverJob *jobs, size_t n) {
        note(c, "recover %zu", n);
        for (size_t i = 0; i < n; i++)
                note(c, "recover-job %" G_GUINT64_FORMAT " %s %u %s", jobs[i].job_id, jobs[i].resource, jobs[i].limit,
                     jobs[i].running ? "running" : "waiting");
}

static ClusterAnswer fake_answer(Cluster *c, uint64_t job_id, const char *resource, uint32_t limit,
                                 char **ret_reason) {
        g_autofree char *key = g_strdup_printf("%" G_GUINT64_FORMAT " %s", job_id, resource);

        if (!g_hash_table_contains(c->wants, key)) {
                note(c, "want %s %u", key, limit);
                g_hash_table_add(c->wants, g_steal_pointer(&key));
                c->pending++;
        }
        if (admitted(c, job_id))
                return CLUSTER_ADMITTED;
        if (ret_reason)
                *ret_reason = g_strdup("fake: position 1 in the fleet queue");
        return CLUSTER_WAITING;
}

static void fake_release(Cluster *c, uint64_t job_id, const char *resource) {
        g_autofree char *key = g_strdup_printf("%" G_GUINT64_FORMAT " %s", job_id, resource);

        note(c, "release %s", key);
        g_hash_table_remove(c->wants, key);
        c->pending++;
}

static void fake_flush(Cluster *c) {
        if (c->pending == 0)
                return;
        note(c, "flush %u", c->pending);
        c->pending = 0;
}

static void holder_clear(gpointer p) {
        g_free(((ClusterHolder *) p)->host);
}

static void view_free(gpointer p) {
        ClusterResourceView *v = p;

        g_free(v->resource);
        g_array_unref(v->holders);
        g_free(v);
}

static GPtrArray *fake_resources(Cluster *c, bool *ret_etcd_up) {
        GPtrArray *out = g_ptr_array_new_with_free_func(view_free);
        ClusterResourceView *v = g_new0(ClusterResourceView, 1);

        v->resource = g_strdup("sync:offsite");
        v->limit = 1;
        v->holders = g_array_new(false, true, sizeof(ClusterHolder));
        g_array_set_clear_func(v->holders, holder_clear);
        g_ptr_array_add(out, v);
        *ret_etcd_up = true;
        return out;
}

extern const ClusterModule sluice_cluster_module_v1;
const ClusterModule sluice_cluster_module_v1 = {
        .abi = FAKE_ABI,
        .new = fake_new,
        .free = fake_free,
        .recover = fake_recover,
        .answer = fake_answer,
        .release = fake_release,
        .flush = fake_flush,
        .resources = fake_resources,
};

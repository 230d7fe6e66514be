/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Figures, not a test: bench-cluster-module [CYCLES-PER-HOST [HOSTS [LIMIT]]]
 * (docs/cluster.md, "Figures").  HOSTS instances of the BUILT cluster module
 * ($SLUICE_CLUSTER_MODULE, else build/src/daemon/sluiced-cluster.so next to
 * this binary), one sd-event loop, a throwaway single-member etcd on loopback.
 * Each host loops as sluiced would: answer() a new job, flush(), and on every
 * changed() ask again; once ADMITTED, release() and flush() and the next job.
 * Prints the time from the first answer() to ADMITTED (median / p90 / p99)
 * and the admissions per second of all hosts together.  LIMIT (default: HOSTS)
 * below HOSTS makes the hosts queue for the slots.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster-module.h"
#include "etcd-harness.h"

static const ClusterModule *M;

typedef struct Host {
        Cluster *c;
        sd_event *event;
        bool ready;
        uint64_t job;
        uint64_t asked_at;
        unsigned done, cycles;
        uint32_t limit;
        GArray *latencies; /* uint64_t usec */
} Host;

static uint64_t now_usec(void) {
        return (uint64_t) g_get_monotonic_time();
}

static void ask_next(Host *h) {
        h->job++;
        h->asked_at = now_usec();
        (void) M->answer(h->c, h->job, "bench", h->limit, NULL);
        M->flush(h->c);
}

static void on_changed(void *userdata) {
        Host *h = userdata;

        if (!h->ready || h->done >= h->cycles)
                return;
        if (M->answer(h->c, h->job, "bench", h->limit, NULL) != CLUSTER_ADMITTED)
                return;
        uint64_t l = now_usec() - h->asked_at;
        g_array_append_val(h->latencies, l);
        M->release(h->c, h->job, "bench");
        h->done++;
        if (h->done < h->cycles)
                ask_next(h);
        else
                M->flush(h->c);
}

static void on_granted(void *userdata, int64_t id) {
        ((Host *) userdata)->ready = true;
}

static void on_lost(void *userdata, const char *why) {
        fprintf(stderr, "lease lost: %s\n", why);
}

static void on_log(void *userdata, int priority, const char *message) {
        if (priority <= 4)
                fprintf(stderr, "%s\n", message);
}

static const ClusterHooks hooks = {
        .changed = on_changed, .lease_lost = on_lost, .lease_granted = on_granted, .log = on_log,
};

static int cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return (x > y) - (x < y);
}

int main(int argc, char *argv[]) {
        unsigned cycles = argc > 1 ? (unsigned) atoi(argv[1]) : 300;
        unsigned n = argc > 2 ? (unsigned) atoi(argv[2]) : 1;
        uint32_t limit = argc > 3 ? (uint32_t) atoi(argv[3]) : n;
        const char *path = g_getenv("SLUICE_CLUSTER_MODULE");
        g_autofree char *def = NULL;
        g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        g_autoptr(EtcdServer) server = NULL;
        sd_event *event = NULL;
        Host *hosts;
        uint64_t start, end;
        void *dl;

        if (!etcd_harness_binary()) {
                fprintf(stderr, "no etcd binary\n");
                return 77;
        }
        if (!path) {
                g_autofree char *dir = g_path_get_dirname(argv[0]);

                path = def = g_build_filename(dir, "..", "..", "src", "daemon", "sluiced-cluster.so", NULL);
        }
        dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!dl || !(M = dlsym(dl, SLUICE_CLUSTER_MODULE_SYMBOL))) {
                fprintf(stderr, "%s: %s\n", path, dlerror());
                return 1;
        }
        if (cycles == 0 || n == 0 || limit == 0)
                return 2;
        g_assert_cmpint(sd_event_new(&event), >=, 0);
        server = etcd_server_start();
        hosts = g_new0(Host, n);
        for (unsigned i = 0; i < n; i++) {
                const char *endpoints[] = { server->client_url, NULL };
                g_autofree char *name = g_strdup_printf("h%u", i + 1);
                ClusterSettings s = {
                        .endpoints = endpoints, .host_name = name, .prefix = "/bench", .lease_ttl_sec = 30,
                };
                g_autoptr(GError) error = NULL;

                hosts[i].event = event;
                hosts[i].cycles = cycles;
                hosts[i].limit = limit;
                hosts[i].job = 0;
                hosts[i].latencies = g_array_new(FALSE, FALSE, sizeof(uint64_t));
                if (M->new(event, &s, &hooks, &hosts[i], &hosts[i].c, &error) < 0)
                        g_error("%s", error->message);
        }
        for (bool ready = false; !ready;) {
                ready = true;
                for (unsigned i = 0; i < n; i++)
                        ready &= hosts[i].ready;
                if (!ready)
                        g_assert_cmpint(sd_event_run(event, UINT64_MAX), >=, 0);
        }
        start = now_usec();
        for (unsigned i = 0; i < n; i++)
                ask_next(&hosts[i]);
        for (bool done = false; !done;) {
                done = true;
                for (unsigned i = 0; i < n; i++)
                        done &= hosts[i].done >= cycles;
                if (!done)
                        g_assert_cmpint(sd_event_run(event, UINT64_MAX), >=, 0);
        }
        end = now_usec();
        for (unsigned i = 0; i < n; i++) {
                g_array_append_vals(all, hosts[i].latencies->data, hosts[i].latencies->len);
                g_array_unref(hosts[i].latencies);
                M->free(hosts[i].c);
        }
        qsort(all->data, all->len, sizeof(uint64_t), cmp);
        printf("cluster module, %u host(s), limit %u, %u admissions: answer() to ADMITTED median %.1f ms, "
               "p90 %.1f ms, p99 %.1f ms; %.0f admissions (+ releases) per second\n",
               n, limit, all->len, g_array_index(all, uint64_t, all->len / 2) / 1000.0,
               g_array_index(all, uint64_t, all->len * 9 / 10) / 1000.0,
               g_array_index(all, uint64_t, all->len * 99 / 100) / 1000.0,
               all->len / ((end - start) / 1e6));
        g_free(hosts);
        sd_event_unref(event);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How long one fleet admission takes and how many the client sustains: the
 * admission txn of docs/cluster.md (etcd_client_semaphore_request()) and the
 * release (a delete), against a throwaway single-member etcd on loopback.
 * HOSTS clients (each its own connection and lease, as HOSTS sluiced would
 * have) loop request → release on one resource, all on one sd-event loop.
 *
 * Usage: bench-etcd-admission [CYCLES-PER-HOST [HOSTS]]   (default 500 1)
 * Prints the latency of the request txn (median, p90, p99) and the
 * admissions per second over all hosts.  Not a test: figures only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd-client.h"
#include "etcd-harness.h"
#include "macro.h"

typedef struct Host {
        EtcdClient *client;
        int64_t lease;
        unsigned index, done_cycles, cycles;
        char *key;
        uint64_t t0;
        GArray *latencies; /* uint64_t ns */
        bool granted;
} Host;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void next(Host *h);

static void on_released(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        Host *h = userdata;

        if (error)
                g_error("release: %s", error->message);
        h->done_cycles++;
        next(h);
}

static void on_admitted(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        Host *h = userdata;
        uint64_t dt = now_ns() - h->t0;

        if (error)
                g_error("request: %s", error->message);
        if (etcd_semaphore_position(reply, h->key, strlen(h->key), NULL) < 0)
                g_error("request: %s not in the reply", h->key);
        g_array_append_val(h->latencies, dt);
        g_assert_cmpint(etcd_client_delete(c, h->key, on_released, h), ==, 0);
}

static void next(Host *h) {
        if (h->done_cycles >= h->cycles)
                return;
        g_free(h->key);
        h->key = g_strdup_printf("/bench/res/r/host-%u/%u", h->index, h->done_cycles);
        h->t0 = now_ns();
        g_assert_cmpint(etcd_client_semaphore_request(h->client, "/bench/res/r/", h->key, "{}", h->lease,
                                                      on_admitted, h), ==, 0);
}

static void on_grant(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        Host *h = userdata;

        if (error)
                g_error("grant: %s", error->message);
        h->lease = reply->lease_id;
        h->granted = true;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

int main(int argc, char *argv[]) {
        unsigned cycles = argc > 1 ? (unsigned) atoi(argv[1]) : 500;
        unsigned n_hosts = argc > 2 ? (unsigned) atoi(argv[2]) : 1;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        g_autoptr(EtcdServer) server = NULL;
        g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        Host *hosts;
        uint64_t t0, t1, total = 0;
        bool running;

        if (!etcd_harness_binary()) {
                fprintf(stderr, "no etcd binary (Debian package etcd-server)\n");
                return 77;
        }
        g_assert_cmpint(sd_event_new(&event), >=, 0);
        server = etcd_server_start();
        hosts = g_new0(Host, n_hosts);
        for (unsigned i = 0; i < n_hosts; i++) {
                char *endpoints[] = { server->client_url, NULL };
                EtcdClientConfig config = { .endpoints = endpoints };
                g_autoptr(GError) error = NULL;

                hosts[i].index = i;
                hosts[i].cycles = cycles;
                hosts[i].latencies = g_array_new(FALSE, FALSE, sizeof(uint64_t));
                g_assert_cmpint(etcd_client_new(event, &config, &hosts[i].client, &error), ==, 0);
                g_assert_cmpint(etcd_client_lease_grant(hosts[i].client, 3600, on_grant, &hosts[i]), ==, 0);
                while (!hosts[i].granted)
                        g_assert_cmpint(sd_event_run(event, UINT64_MAX), >=, 0);
        }
        t0 = now_ns();
        for (unsigned i = 0; i < n_hosts; i++)
                next(&hosts[i]);
        do {
                g_assert_cmpint(sd_event_run(event, UINT64_MAX), >=, 0);
                running = false;
                for (unsigned i = 0; i < n_hosts; i++)
                        running = running || hosts[i].done_cycles < hosts[i].cycles;
        } while (running);
        t1 = now_ns();
        for (unsigned i = 0; i < n_hosts; i++) {
                g_array_append_vals(all, hosts[i].latencies->data, hosts[i].latencies->len);
                total += hosts[i].done_cycles;
                g_array_unref(hosts[i].latencies);
                g_free(hosts[i].key);
                etcd_client_free(hosts[i].client);
        }
        g_free(hosts);
        qsort(all->data, all->len, sizeof(uint64_t), cmp_u64);
#define PCT(p) (g_array_index(all, uint64_t, MIN(all->len - 1, all->len * (p) / 100)) / 1000.0)
        printf("hosts %u, cycles %u each: admission txn latency median %.0f us, p90 %.0f us, p99 %.0f us; "
               "%.0f admissions+releases/s over all hosts\n",
               n_hosts, cycles, PCT(50), PCT(90), PCT(99), (double) total * 1e9 / (double) (t1 - t0));
        return 0;
}

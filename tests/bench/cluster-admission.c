/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cluster-admission --address=ADDRESS --class=CLASS [--rounds=N] [--warmup=W]
 *
 * Issue 14's benchmark client (tests/bench/cluster-admission.sh runs it):
 * N times, Acquire(CLASS, {}) on sluiced at ADDRESS, timed from the send
 * until the reply (the lease granted: sluiced admitted the job, and for a
 * Scope=cluster resource took the fleet slot in etcd first), then
 * Release("success") on the job.  One synchronous loop: the same client for a
 * host-scoped and a cluster-scoped class.  Prints one line:
 *   CLASS rounds=N median_us=… p90_us=… p99_us=… elapsed_us=…
 * elapsed_us covers the N measured rounds (acquire + release), so
 * N / elapsed is this client's admission rate.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "sluice-bus-names.h"

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static int one_round(sd_bus *bus, const char *class_name, uint64_t *ret_usec) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        const char *path;
        char *job = NULL;
        uint64_t t0;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                                           "Acquire");
        if (r >= 0)
                r = sd_bus_message_append(m, "sa{sv}", class_name, 0);
        if (r < 0)
                goto out;
        t0 = now_usec();
        r = sd_bus_call(bus, m, 120 * 1000000ull, &error, &reply);
        if (r < 0) {
                fprintf(stderr, "cluster-admission: Acquire(%s): %s\n", class_name, error.message ?: strerror(-r));
                goto out;
        }
        *ret_usec = now_usec() - t0;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                goto out;
        job = strdup(path);
        r = sd_bus_call_method(bus, SLUICE_BUS_NAME, job, SLUICE_JOB_IFACE, "Release", &error, NULL, "s", "success");
        if (r < 0)
                fprintf(stderr, "cluster-admission: Release(%s): %s\n", job, error.message ?: strerror(-r));
out:
        free(job);
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "address", required_argument, NULL, 'a' },
                { "class",   required_argument, NULL, 'c' },
                { "rounds",  required_argument, NULL, 'n' },
                { "warmup",  required_argument, NULL, 'w' },
                {}
        };
        const char *address = NULL, *class_name = NULL;
        unsigned rounds = 200, warmup = 10;
        sd_bus *bus = NULL;
        uint64_t *lat, t0, elapsed, dummy;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'a': address = optarg; break;
                case 'c': class_name = optarg; break;
                case 'n': rounds = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'w': warmup = (unsigned) strtoul(optarg, NULL, 10); break;
                default: return 2;
                }
        }
        if (!address || !class_name || rounds == 0) {
                fprintf(stderr, "usage: cluster-admission --address=ADDRESS --class=CLASS [--rounds=N] [--warmup=W]\n");
                return 2;
        }
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "cluster-admission: %s: %s\n", address, strerror(-r));
                return 1;
        }
        for (unsigned i = 0; i < warmup; i++)
                if (one_round(bus, class_name, &dummy) < 0)
                        return 1;
        lat = calloc(rounds, sizeof(uint64_t));
        if (!lat)
                return 1;
        t0 = now_usec();
        for (unsigned i = 0; i < rounds; i++)
                if (one_round(bus, class_name, &lat[i]) < 0)
                        return 1;
        elapsed = now_usec() - t0;
        qsort(lat, rounds, sizeof(uint64_t), cmp_u64);
        printf("%s rounds=%u median_us=%" PRIu64 " p90_us=%" PRIu64 " p99_us=%" PRIu64 " elapsed_us=%" PRIu64 "\n",
               class_name, rounds, lat[rounds / 2], lat[rounds * 9 / 10], lat[rounds * 99 / 100], elapsed);
        free(lat);
        sd_bus_flush_close_unref(bus);
        return 0;
}

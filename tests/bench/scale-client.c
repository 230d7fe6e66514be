/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scale-client: the bus side of tests/bench/scale.sh (not a test).
 *
 *   scale-client --address=A fill N [CONNECTIONS] [WINDOW]
 *       Submit("bulk", {}) N times, pipelined: CONNECTIONS connections (one
 *       thread each), at most WINDOW calls outstanding on each (the bus allows
 *       128 pending replies per connection).  Prints the rate.
 *   scale-client --address=A latency SAMPLES [BASELINE_ADDRESS]
 *       SAMPLES synchronous Submit("bulk", {}) calls, one at a time; prints
 *       "p50_us p99_us".  With BASELINE_ADDRESS (a second sluiced on its own
 *       bus), the calls alternate between the two (A B, B A, A B, ...), so
 *       whatever else the machine does at the time hits both alike; prints
 *       "p50_us p99_us baseline_p50_us baseline_p99_us".
 *   scale-client --address=A wait N SINCE_NS
 *       Polls (every 5 ms, for at most 300 s) until org.sluice.Scheduler1 has an owner and its
 *       QueuedJobs is N; prints the milliseconds since SINCE_NS (CLOCK_REALTIME).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "sluice-bus-names.h"

static const char *address;

static uint64_t now_ns(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static sd_bus *connect_to(const char *to) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, to);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "scale-client: cannot connect to %s: %s\n", to, strerror(-r));
                exit(1);
        }
        return bus;
}

static sd_bus *connect_bus(void) {
        return connect_to(address);
}

struct filler {
        pthread_t thread;
        unsigned count, window, sent, done, failed;
};

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct filler *f = userdata;

        (void) ret_error;
        f->done++;
        if (sd_bus_message_is_method_error(m, NULL)) {
                if (f->failed++ == 0)
                        fprintf(stderr, "scale-client: Submit failed: %s\n", sd_bus_message_get_error(m)->message);
        }
        return 0;
}

static void *fill_thread(void *arg) {
        struct filler *f = arg;
        sd_bus *bus = connect_bus();
        int r;

        while (f->done < f->count) {
                while (f->sent < f->count && f->sent - f->done < f->window) {
                        r = sd_bus_call_method_async(bus, NULL, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit",
                                                     on_reply, f, "sa{sv}", "bulk", 0);
                        if (r < 0) {
                                fprintf(stderr, "scale-client: Submit: %s\n", strerror(-r));
                                exit(1);
                        }
                        f->sent++;
                }
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "scale-client: bus: %s\n", strerror(-r));
                        exit(1);
                }
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        exit(1);
        }
        sd_bus_flush_close_unref(bus);
        return NULL;
}

static int fill(unsigned n, unsigned conns, unsigned window) {
        struct filler *f = calloc(conns, sizeof(*f));
        uint64_t t0 = now_ns(CLOCK_MONOTONIC), failed = 0;
        double secs;

        for (unsigned i = 0; i < conns; i++) {
                f[i].count = n / conns + (i < n % conns);
                f[i].window = window;
                pthread_create(&f[i].thread, NULL, fill_thread, &f[i]);
        }
        for (unsigned i = 0; i < conns; i++) {
                pthread_join(f[i].thread, NULL);
                failed += f[i].failed;
        }
        secs = (double) (now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
        printf("%u Submits in %.1f s (%.0f/s), %" PRIu64 " failed\n", n, secs, n / secs, failed);
        free(f);
        return failed ? 1 : 0;
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* One synchronous Submit; its round trip in ns, 0 on failure (reported). */
static uint64_t submit_once(sd_bus *bus) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        uint64_t t0 = now_ns(CLOCK_MONOTONIC), t;
        int r = sd_bus_call_method(bus, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit", &error, &reply,
                                   "sa{sv}", "bulk", 0);

        t = now_ns(CLOCK_MONOTONIC) - t0;
        if (r < 0) {
                fprintf(stderr, "scale-client: Submit: %s\n", error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return 0;
        }
        sd_bus_message_unref(reply);
        return t ?: 1;
}

static void print_percentiles(uint64_t *lat, unsigned samples) {
        qsort(lat, samples, sizeof(*lat), compare_u64);
        printf("%.0f %.0f", lat[samples / 2] / 1e3, lat[(size_t) (samples * 0.99)] / 1e3);
}

static int latency(unsigned samples, const char *baseline_address) {
        sd_bus *bus = connect_bus(), *base = baseline_address ? connect_to(baseline_address) : NULL;
        uint64_t *lat = calloc(samples, sizeof(*lat)), *blat = calloc(samples, sizeof(*blat));

        for (unsigned i = 0; i < samples; i++) {
                /* Alternate who goes first, so neither is always the one after a pause. */
                if (base && i % 2 == 1 && !(blat[i] = submit_once(base)))
                        return 1;
                if (!(lat[i] = submit_once(bus)))
                        return 1;
                if (base && i % 2 == 0 && !(blat[i] = submit_once(base)))
                        return 1;
        }
        print_percentiles(lat, samples);
        if (base) {
                printf(" ");
                print_percentiles(blat, samples);
                sd_bus_flush_close_unref(base);
        }
        printf("\n");
        free(lat);
        free(blat);
        sd_bus_flush_close_unref(bus);
        return 0;
}

static int wait_queued(unsigned n, uint64_t since_ns) {
        sd_bus *bus = connect_bus();
        uint64_t give_up = now_ns(CLOCK_MONOTONIC) + UINT64_C(300) * 1000000000u;
        uint32_t queued = 0;

        for (;;) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                int has = 0, r;

                r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", &error, &reply, "s", SLUICE_BUS_NAME);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "b", &has);
                sd_bus_message_unref(reply);
                sd_bus_error_free(&error);
                if (r >= 0 && has) {
                        r = sd_bus_get_property_trivial(bus, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "QueuedJobs",
                                                        &error, 'u', &queued);
                        sd_bus_error_free(&error);
                        if (r >= 0 && queued == n)
                                break;
                }
                if (now_ns(CLOCK_MONOTONIC) > give_up) {
                        fprintf(stderr, "scale-client: QueuedJobs is %u, not %u, after 300 s\n", queued, n);
                        return 1;
                }
                usleep(5000);
        }
        printf("%.0f\n", (double) (now_ns(CLOCK_REALTIME) - since_ns) / 1e6);
        sd_bus_flush_close_unref(bus);
        return 0;
}

int main(int argc, char *argv[]) {
        if (argc < 3 || strncmp(argv[1], "--address=", 10) != 0) {
                fprintf(stderr, "usage: scale-client --address=A fill N [CONNECTIONS] [WINDOW] | "
                                "latency SAMPLES [BASELINE_ADDRESS] | wait N SINCE_NS\n");
                return 2;
        }
        address = argv[1] + 10;
        if (strcmp(argv[2], "fill") == 0 && argc >= 4)
                return fill((unsigned) strtoul(argv[3], NULL, 10), argc > 4 ? (unsigned) strtoul(argv[4], NULL, 10) : 4,
                            argc > 5 ? (unsigned) strtoul(argv[5], NULL, 10) : 100);
        if (strcmp(argv[2], "latency") == 0 && argc >= 4)
                return latency((unsigned) strtoul(argv[3], NULL, 10), argc > 4 ? argv[4] : NULL);
        if (strcmp(argv[2], "wait") == 0 && argc >= 5)
                return wait_queued((unsigned) strtoul(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
        fprintf(stderr, "scale-client: bad arguments\n");
        return 2;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * flood-client: a caller that floods sluiced with Submit() calls, and a
 * caller that measures its own Submit() latency meanwhile (issue 10, item 8:
 * one local user must not make another's calls fail or wait for its flood).
 *
 *   flood-client flood CLASS [--connections K] [--window W] [--count N]
 *                            [--stop-file PATH] [--ready-file PATH] [--max-seconds S]
 *                            [--call submit|getjob] [--seconds T]
 *       K connections (default 8), each with W Submits awaiting replies
 *       (default 100; the system bus allows 128), until N were sent (or
 *       T seconds passed, whichever comes first, when both are given)
 *       and PATH exists (either alone when only one is given), or S
 *       seconds passed (default 120).  T bounds a flood that sluiced slows
 *       down (docs/authorization.md, "A flood of calls").
 *       --ready-file is created once 1000 replies came back, or 3 s after
 *       the first calls were sent (a slowed flood): the flood is on.
 *       Prints what came back, by error name.  --call getjob floods
 *       GetJob(2^64-2) instead (NoSuchJob; reading needs no polkit): the
 *       same load on the bus without the authorization, for comparison.
 *   flood-client probe CLASS [--count N]
 *       N Submits (default 30), one after the other, on one connection;
 *       prints the latency of each call (µs) and a summary line.
 *
 * Both use the system bus ($DBUS_SYSTEM_BUS_ADDRESS when set).  Not a test:
 * tests/system/scenario-flood.sh and tests/bench/flood.sh run it and judge.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "sluice-bus-names.h"

#define CALL_TIMEOUT_USEC (300ull * 1000 * 1000)

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int new_submit(sd_bus *bus, const char *klass, sd_bus_message **ret) {
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit");
        if (r >= 0)
                r = sd_bus_message_append(m, "sa{sv}", klass, 0);
        if (r < 0) {
                sd_bus_message_unref(m);
                return r;
        }
        *ret = m;
        return 0;
}

static int open_bus(sd_bus **ret) {
        int r = sd_bus_open_system(ret);

        if (r < 0)
                fprintf(stderr, "flood-client: cannot connect to the system bus: %s\n", strerror(-r));
        return r;
}

/* ---- flood ---- */

#define MAX_NAMES 16

typedef struct Flood {
        sd_event *event;
        const char *klass;
        bool getjob;                    /* GetJob instead of Submit */
        uint64_t count;                 /* 0: no limit */
        uint64_t sent, replied, ok;
        unsigned outstanding;
        const char *stop_file, *ready_file;
        bool ready_done, stopping;
        uint64_t deadline;
        uint64_t enough_at;             /* --seconds: N calls or this time, whichever first; 0: none */
        struct { char name[128]; char example[256]; uint64_t n; } errors[MAX_NAMES];
        unsigned n_errors;
        uint64_t other_errors;
} Flood;

static void tally(Flood *f, const sd_bus_error *e) {
        const char *name = e && e->name ? e->name : "?";
        /* Two different LimitsExceeded: sluiced's own bound, and the bus's;
         * and NotPermitted from polkit's "no" or from no answer at all. */
        char key[128];

        const char *msg = e && e->message ? e->message : "";
        const char *what = "";

        if (strcmp(name, SD_BUS_ERROR_LIMITS_EXCEEDED) == 0)
                what = strstr(msg, "waiting for authorization") ? " (sluiced)" : " (bus)";
        else if (strstr(msg, "polkit is not available"))
                what = " (polkit unavailable)";
        snprintf(key, sizeof(key), "%s%s", name, what);
        for (unsigned i = 0; i < f->n_errors; i++)
                if (strcmp(f->errors[i].name, key) == 0) {
                        f->errors[i].n++;
                        return;
                }
        if (f->n_errors == MAX_NAMES) {
                f->other_errors++;
                return;
        }
        snprintf(f->errors[f->n_errors].name, sizeof(f->errors[0].name), "%s", key);
        snprintf(f->errors[f->n_errors].example, sizeof(f->errors[0].example), "%s",
                 e && e->message ? e->message : "");
        f->errors[f->n_errors++].n = 1;
}

static bool flood_should_stop(Flood *f) {
        if (f->stopping)
                return true;
        /* Both bounds when both are given: at least N calls, and on until
         * the stop file appears. */
        if (now_usec() >= f->deadline ||
            ((!f->count || f->sent >= f->count || (f->enough_at && now_usec() >= f->enough_at)) &&
             (!f->stop_file || access(f->stop_file, F_OK) == 0)))
                f->stopping = true;
        return f->stopping;
}

static int on_flood_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);

static void flood_ready(Flood *f) {
        FILE *fp;

        if (f->ready_done || !f->ready_file)
                return;
        fp = fopen(f->ready_file, "w");
        if (fp)
                fclose(fp);
        f->ready_done = true;
}

static int on_ready_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        flood_ready(userdata);
        return 0;
}

static int flood_send(Flood *f, sd_bus *bus) {
        sd_bus_message *m = NULL;
        int r;

        if (f->getjob) {
                r = sd_bus_message_new_method_call(bus, &m, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob");
                if (r >= 0)
                        r = sd_bus_message_append(m, "t", UINT64_MAX - 1);
        } else
                r = new_submit(bus, f->klass, &m);
        if (r >= 0)
                r = sd_bus_call_async(bus, NULL, m, on_flood_reply, f, CALL_TIMEOUT_USEC);
        sd_bus_message_unref(m);
        if (r < 0) {
                fprintf(stderr, "flood-client: cannot send: %s\n", strerror(-r));
                return r;
        }
        f->sent++;
        f->outstanding++;
        return 0;
}

static int on_flood_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Flood *f = userdata;

        f->outstanding--;
        f->replied++;
        if (sd_bus_message_is_method_error(reply, NULL))
                tally(f, sd_bus_message_get_error(reply));
        else
                f->ok++;
        if (f->replied >= 1000)
                flood_ready(f);
        if (!flood_should_stop(f))
                (void) flood_send(f, sd_bus_message_get_bus(reply));
        if (f->outstanding == 0)
                sd_event_exit(f->event, 0);
        return 0;
}

static int do_flood(const char *klass, bool getjob, unsigned connections, unsigned window, uint64_t count,
                    const char *stop_file, const char *ready_file, unsigned max_seconds, unsigned seconds) {
        Flood f = { .klass = klass, .getjob = getjob, .count = count, .stop_file = stop_file,
                    .ready_file = ready_file };
        sd_bus *buses[256] = {};
        uint64_t start;
        int r;

        if (connections == 0 || connections > 256 || window == 0)
                return -EINVAL;
        r = sd_event_default(&f.event);
        if (r < 0)
                return r;
        f.deadline = now_usec() + (uint64_t) max_seconds * 1000000u;
        start = now_usec();
        if (seconds)
                f.enough_at = start + (uint64_t) seconds * 1000000u;
        r = sd_event_add_time_relative(f.event, NULL, CLOCK_MONOTONIC, 3u * 1000000u, 0, on_ready_timer, &f);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < connections; i++) {
                r = open_bus(&buses[i]);
                if (r < 0)
                        return r;
                r = sd_bus_attach_event(buses[i], f.event, 0);
                if (r < 0)
                        return r;
        }
        for (unsigned w = 0; w < window; w++)
                for (unsigned i = 0; i < connections && !flood_should_stop(&f); i++)
                        if (flood_send(&f, buses[i]) < 0)
                                break;
        if (f.outstanding > 0)
                r = sd_event_loop(f.event);
        printf("flood: %" PRIu64 " %s from uid %u on %u connections in %.1f s: "
               "%" PRIu64 " ok\n", f.sent, getjob ? "GetJob calls" : "Submits", (unsigned) getuid(), connections,
               (double) (now_usec() - start) / 1e6, f.ok);
        for (unsigned i = 0; i < f.n_errors; i++)
                printf("flood:   %" PRIu64 " %s (e.g. \"%s\")\n", f.errors[i].n, f.errors[i].name, f.errors[i].example);
        if (f.other_errors)
                printf("flood:   %" PRIu64 " other errors\n", f.other_errors);
        for (unsigned i = 0; i < connections; i++)
                sd_bus_flush_close_unref(buses[i]);
        sd_event_unref(f.event);
        return r < 0 ? r : 0;
}

/* ---- probe ---- */

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static uint64_t percentile(const uint64_t *v, unsigned n, unsigned p) {
        unsigned rank = (p * n + 99) / 100;

        return v[rank ? rank - 1 : 0];
}

static int do_probe(const char *klass, unsigned count) {
        sd_bus *bus = NULL;
        uint64_t *lat = calloc(count ? count : 1, sizeof(uint64_t));
        unsigned ok = 0, failed = 0;
        char first_error[512] = "";
        int r;

        if (!lat)
                return -ENOMEM;
        r = open_bus(&bus);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < count; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *m = NULL, *reply = NULL;
                uint64_t t0;

                r = new_submit(bus, klass, &m);
                if (r < 0)
                        return r;
                t0 = now_usec();
                r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, &reply);
                lat[i] = now_usec() - t0;
                printf("probe: %u %" PRIu64 " us %s\n", i + 1, lat[i], r < 0 ? error.name : "ok");
                if (r < 0) {
                        failed++;
                        if (!first_error[0])
                                snprintf(first_error, sizeof(first_error), "%s: %s", error.name,
                                         error.message ? error.message : "");
                } else
                        ok++;
                sd_bus_error_free(&error);
                sd_bus_message_unref(m);
                sd_bus_message_unref(reply);
        }
        qsort(lat, count, sizeof(uint64_t), cmp_u64);
        printf("probe: %u Submits of class %s from uid %u: %u ok, %u failed; latency p50 %" PRIu64
               " us, p99 %" PRIu64 " us, max %" PRIu64 " us\n", count, klass, (unsigned) getuid(), ok, failed,
               count ? percentile(lat, count, 50) : 0, count ? percentile(lat, count, 99) : 0,
               count ? lat[count - 1] : 0);
        if (first_error[0])
                printf("probe: first error: %s\n", first_error);
        free(lat);
        sd_bus_flush_close_unref(bus);
        return failed ? 1 : 0;
}

static void usage(void) {
        fprintf(stderr, "usage: flood-client flood CLASS [--connections K] [--window W] [--count N]\n"
                        "                          [--stop-file PATH] [--ready-file PATH] [--max-seconds S]\n"
                        "                          [--call submit|getjob] [--seconds T]\n"
                        "       flood-client probe CLASS [--count N]\n");
        exit(2);
}

int main(int argc, char *argv[]) {
        unsigned connections = 8, window = 100, max_seconds = 120, seconds = 0, probe_count = 30;
        uint64_t count = 0;
        const char *stop_file = NULL, *ready_file = NULL;
        bool getjob = false;
        int r;

        if (argc < 3)
                usage();
        for (int i = 3; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (!v)
                        usage();
                if (strcmp(a, "--connections") == 0)
                        connections = (unsigned) strtoul(v, NULL, 10);
                else if (strcmp(a, "--window") == 0)
                        window = (unsigned) strtoul(v, NULL, 10);
                else if (strcmp(a, "--count") == 0) {
                        count = strtoull(v, NULL, 10);
                        probe_count = (unsigned) count;
                } else if (strcmp(a, "--stop-file") == 0)
                        stop_file = v;
                else if (strcmp(a, "--ready-file") == 0)
                        ready_file = v;
                else if (strcmp(a, "--call") == 0)
                        getjob = strcmp(v, "getjob") == 0;
                else if (strcmp(a, "--max-seconds") == 0)
                        max_seconds = (unsigned) strtoul(v, NULL, 10);
                else if (strcmp(a, "--seconds") == 0)
                        seconds = (unsigned) strtoul(v, NULL, 10);
                else
                        usage();
                i++;
        }
        if (strcmp(argv[1], "flood") == 0)
                r = do_flood(argv[2], getjob, connections, window, count, stop_file, ready_file, max_seconds, seconds);
        else if (strcmp(argv[1], "probe") == 0)
                r = do_probe(argv[2], probe_count);
        else
                usage();
        if (r < 0) {
                fprintf(stderr, "flood-client: %s\n", strerror(-r));
                return 1;
        }
        return r;
}

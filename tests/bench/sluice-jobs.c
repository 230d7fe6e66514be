/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluice-jobs [--address=ADDRESS] --class=CLASS [--jobs=N] [--window=W]
 *
 * The sluice side of the command-job benchmark (docs/benchmarks.md, issue 3):
 * a resident sd-bus client on the system bus (or ADDRESS) submits N jobs of
 * CLASS to sluiced, pipelined with at most W Submit calls awaiting their reply
 * (default 100: the system bus allows 128 per connection), and waits until
 * every one of them is done (JobChanged with state "done").  Subscribed
 * before the first Submit, so no end is missed.
 *
 * Prints one line: RESULT jobs=N seconds=S rate=R failed=F — seconds from the
 * first Submit sent until the last of its jobs was done; F counts refused
 * submissions and results other than "success".  Exit status 1 if F > 0.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "macro.h"
#include "sluice-bus-names.h"

typedef struct Bench {
        sd_bus *bus;
        const char *class;
        unsigned n, window;
        unsigned sent, awaiting, refused;
        GHashTable *mine;       /* id → NULL: jobs this client submitted */
        GHashTable *done;       /* id → result (owned): jobs seen done, any submitter */
        unsigned mine_done, failed;
        char first_failure[256];
        uint64_t t_start, t_end;
} Bench;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void die(const char *what, int r) {
        fprintf(stderr, "sluice-jobs: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

static bool finished(const Bench *b) {
        return b->sent == b->n && b->awaiting == 0 && b->mine_done + b->refused == b->n;
}

static void count_done(Bench *b, uint64_t id, const char *result) {
        if (strcmp(result, "success") != 0 && b->failed++ == 0)
                snprintf(b->first_failure, sizeof(b->first_failure), "job %" PRIu64 ": %s", id, result);
        if (++b->mine_done + b->refused == b->n)
                b->t_end = now_usec();
}

/* A job of ours and its end are both known: count it once. */
static void job_done(Bench *b, uint64_t id, const char *result) {
        gpointer key = GSIZE_TO_POINTER((gsize) id);

        if (g_hash_table_contains(b->done, key))
                return;
        g_hash_table_insert(b->done, key, g_strdup(result));
        if (g_hash_table_contains(b->mine, key))
                count_done(b, id, result);
}

static int on_job_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Bench *b = userdata;
        const char *path, *state, *result;
        uint64_t id;

        if (sd_bus_message_read(m, "toss", &id, &path, &state, &result) < 0)
                return 0;
        if (strcmp(state, "done") == 0)
                job_done(b, id, result);
        return 0;
}

static int on_submit(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Bench *b = userdata;
        const char *path, *result;
        char *end;
        uint64_t id;
        gpointer key;

        b->awaiting--;
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                if (b->failed++ == 0)
                        snprintf(b->first_failure, sizeof(b->first_failure), "Submit: %s: %s", e->name,
                                 e->message ? e->message : "");
                if (b->mine_done + ++b->refused == b->n)
                        b->t_end = now_usec();
                return 1;
        }
        if (sd_bus_message_read(m, "o", &path) < 0 || !g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX))
                die("Submit reply", -EBADMSG);
        errno = 0;
        id = strtoull(path + strlen(SLUICE_JOB_PATH_PREFIX), &end, 10);
        if (errno || *end)
                die("Submit reply", -EBADMSG);
        key = GSIZE_TO_POINTER((gsize) id);
        g_hash_table_add(b->mine, key);
        /* Its end may have been signalled before this reply was read. */
        result = g_hash_table_lookup(b->done, key);
        if (result)
                count_done(b, id, result);
        return 1;
}

static void submit_one(Bench *b) {
        int r;

        r = sd_bus_call_method_async(b->bus, NULL, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit", on_submit, b,
                                     "sa{sv}", b->class, 0);
        if (r < 0)
                die("Submit", r);
        b->sent++;
        b->awaiting++;
}

static unsigned parse_count(const char *s, const char *what) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > 1000000) {
                fprintf(stderr, "sluice-jobs: --%s: \"%s\" is not a count\n", what, s);
                exit(2);
        }
        return (unsigned) v;
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                { "address", required_argument, NULL, 'a' },
                { "class", required_argument, NULL, 'c' },
                { "jobs", required_argument, NULL, 'n' },
                { "window", required_argument, NULL, 'w' },
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address = NULL;
        Bench b = { .n = 500, .window = 100 };
        double seconds;
        int c, r;

        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case 'a': address = optarg; break;
                case 'c': b.class = optarg; break;
                case 'n': b.n = parse_count(optarg, "jobs"); break;
                case 'w': b.window = parse_count(optarg, "window"); break;
                default: b.class = NULL; optind = argc; break;
                }
        }
        if (!b.class) {
                fprintf(stderr, "usage: %s [--address=ADDRESS] --class=CLASS [--jobs=N] [--window=W]\n", argv[0]);
                return 2;
        }

        if (address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else
                r = sd_bus_open_system(&bus);
        if (r < 0)
                die(address ? address : "system bus", r);
        b.bus = bus;
        b.mine = g_hash_table_new(g_direct_hash, g_direct_equal);
        b.done = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);

        /* Synchronous AddMatch: subscribed before the first Submit. */
        r = sd_bus_match_signal(bus, NULL, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "JobChanged", on_job_changed, &b);
        if (r < 0)
                die("match JobChanged", r);

        b.t_start = now_usec();
        while (!finished(&b)) {
                while (b.sent < b.n && b.awaiting < b.window)
                        submit_one(&b);
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        die("sd_bus_process", r);
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        die("sd_bus_wait", r);
        }

        seconds = (double) (b.t_end - b.t_start) / 1e6;
        printf("RESULT jobs=%u seconds=%.3f rate=%.1f failed=%u\n", b.n, seconds, (double) b.n / seconds, b.failed);
        if (b.failed > 0)
                fprintf(stderr, "sluice-jobs: %u of %u jobs failed or were refused; first: %s\n", b.failed, b.n,
                        b.first_failure);
        g_hash_table_unref(b.mine);
        g_hash_table_unref(b.done);
        return b.failed > 0 ? 1 : 0;
}

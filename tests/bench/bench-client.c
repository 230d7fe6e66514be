/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-client --address=ADDRESS [--calls=N] [--connections=C] [--window=W]
 *              [--rounds=R] [--grant-reps=G] [--rtt-reps=T] [--cpu=NAME:PID]...
 *
 * The numbers behind docs/benchmarks.md, against sluiced and echo-service on
 * one private bus (tests/bench/run.sh sets that up):
 *
 *  1. throughput: C connections, each pipelining N/C calls with at most W
 *     outstanding, of Submit("bench", {}) to sluiced, of the same-signature
 *     Echo to echo-service (2 bus messages a call) and of its EchoAnnounce
 *     (4 messages a call, those of a Submit granted at once: call,
 *     InterfacesAdded, a JobNew-like signal, reply); calls/s for the three and
 *     the ratios Submit/Echo and Submit/EchoAnnounce, per round and as
 *     medians over R rounds.  Between runs the client waits until sluiced
 *     holds no job at all (the abandoned leases ended and, after
 *     KeepFinishedSec, removed), so no run pays for the one before.  With
 *     --cpu=NAME:PID (repeatable), the CPU time (utime+stime of
 *     /proc/PID/stat) each of those processes spent during each run, per call
 *     (median over the rounds);
 *  2. the median synchronous Echo round trip (T calls);
 *  3. the grant latency: A holds the only slot of class "grant", B's Acquire
 *     is pending (sluiced has seen it), A sends Release; the time from that
 *     send until B's Acquire reply arrives, median over G repetitions, also
 *     in round trips.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "sluice-bus-names.h"

#define ECHO_NAME "org.sluice.BenchEcho"
#define ECHO_PATH "/org/sluice/BenchEcho"
#define ECHO_IFACE "org.sluice.BenchEcho"

#define CPU_PIDS_MAX 4

/* A process whose CPU time the throughput runs report (--cpu=NAME:PID). */
typedef struct CpuPid {
        const char *name;
        int pid;
} CpuPid;

typedef struct Options {
        const char *address;
        CpuPid cpu[CPU_PIDS_MAX];
        unsigned n_cpu;
        unsigned calls;
        unsigned connections;
        unsigned window;
        unsigned rounds;
        unsigned grant_reps;
        unsigned rtt_reps;
} Options;

typedef enum {
        TARGET_ECHO,
        TARGET_ANNOUNCE,
        TARGET_SUBMIT,
        _TARGET_MAX,
} Target;

static const char *const target_name[_TARGET_MAX] = {
        [TARGET_ECHO] = "Echo",
        [TARGET_ANNOUNCE] = "EchoAnnounce",
        [TARGET_SUBMIT] = "Submit",
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static uint64_t median_u64(uint64_t *v, size_t n) {
        qsort(v, n, sizeof(*v), cmp_u64);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median_double(double *v, size_t n) {
        qsort(v, n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int bus_open(const char *address, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;
        r = sd_bus_set_bus_client(bus, 1);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static void die(const char *what, int r) {
        fprintf(stderr, "bench-client: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

/* ---- throughput ---------------------------------------------------------- */

typedef struct Worker {
        const Options *opt;
        Target target;
        unsigned n;
        pthread_barrier_t *start, *stop;
        sd_bus *bus;
        unsigned outstanding, completed, errors;
        char first_error[256];
        uint64_t t_start, t_end;
        int r;
} Worker;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Worker *w = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        w->outstanding--;
        w->completed++;
        if (e) {
                if (w->errors++ == 0)
                        snprintf(w->first_error, sizeof(w->first_error), "%s: %s", e->name,
                                 e->message ? e->message : "");
        }
        return 1;
}

static int send_one(Worker *w) {
        if (w->target == TARGET_ECHO || w->target == TARGET_ANNOUNCE)
                return sd_bus_call_method_async(w->bus, NULL, ECHO_NAME, ECHO_PATH, ECHO_IFACE,
                                                target_name[w->target], on_reply, w, "sa{sv}", "bench", 0);
        return sd_bus_call_method_async(w->bus, NULL, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit", on_reply, w,
                                        "sa{sv}", "bench", 0);
}

static void *worker_run(void *p) {
        Worker *w = p;
        unsigned sent = 0;
        int r;

        r = bus_open(w->opt->address, &w->bus);
        pthread_barrier_wait(w->start);
        if (r < 0) {
                w->r = r;
                goto finish;
        }

        w->t_start = now_usec();
        while (w->completed < w->n) {
                while (sent < w->n && w->outstanding < w->opt->window) {
                        r = send_one(w);
                        if (r < 0) {
                                w->r = r;
                                goto finish;
                        }
                        sent++;
                        w->outstanding++;
                }
                r = sd_bus_process(w->bus, NULL);
                if (r < 0) {
                        w->r = r;
                        goto finish;
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(w->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR) {
                        w->r = r;
                        goto finish;
                }
        }
        w->t_end = now_usec();

finish:
        /* Keep every connection (and so every lease it holds) until all are
         * done: closing one abandons its jobs, work for sluiced that would
         * count against the connections still measuring. */
        pthread_barrier_wait(w->stop);
        w->bus = sd_bus_flush_close_unref(w->bus);
        return NULL;
}

/* utime+stime of a process in microseconds, or -1 when it cannot be read. */
static int64_t process_cpu_usec(int pid) {
        char path[64], buf[1024];
        unsigned long long utime, stime;
        const char *p;
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        /* The command name may hold spaces and parentheses: fields 3… follow the last ')'. */
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
                return -1;
        return (int64_t) ((utime + stime) * 1000000ULL / (unsigned long long) sysconf(_SC_CLK_TCK));
}

typedef struct RunResult {
        double rate;                    /* calls/s */
        double cpu_per_call[CPU_PIDS_MAX]; /* µs of CPU per call, -1 if unknown */
} RunResult;

/* One pipelined run: calls per second and the watched processes' CPU time. */
static RunResult run_throughput(const Options *opt, Target target) {
        pthread_barrier_t start, stop;
        int64_t cpu0[CPU_PIDS_MAX], cpu1[CPU_PIDS_MAX];
        RunResult result = {};
        Worker *workers = calloc(opt->connections, sizeof(Worker));
        pthread_t *threads = calloc(opt->connections, sizeof(pthread_t));
        uint64_t t0 = UINT64_MAX, t1 = 0;
        unsigned errors = 0;

        if (!workers || !threads)
                die("calloc", -ENOMEM);
        /* The main thread joins both barriers: it reads the CPU times once
         * every connection is open and again before any closes. */
        pthread_barrier_init(&start, NULL, opt->connections + 1);
        pthread_barrier_init(&stop, NULL, opt->connections + 1);
        for (unsigned i = 0; i < opt->connections; i++) {
                workers[i] = (Worker) {
                        .opt = opt,
                        .target = target,
                        .n = opt->calls / opt->connections + (i < opt->calls % opt->connections),
                        .start = &start,
                        .stop = &stop,
                };
                if (pthread_create(&threads[i], NULL, worker_run, &workers[i]) != 0)
                        die("pthread_create", -errno);
        }
        for (unsigned k = 0; k < opt->n_cpu; k++)
                cpu0[k] = process_cpu_usec(opt->cpu[k].pid);
        pthread_barrier_wait(&start);
        pthread_barrier_wait(&stop);
        for (unsigned k = 0; k < opt->n_cpu; k++)
                cpu1[k] = process_cpu_usec(opt->cpu[k].pid);
        for (unsigned i = 0; i < opt->connections; i++) {
                Worker *w = &workers[i];

                pthread_join(threads[i], NULL);
                if (w->r < 0)
                        die(target_name[target], w->r);
                if (w->errors > 0)
                        fprintf(stderr, "bench-client: %u of %u %s calls failed, first: %s\n", w->errors, w->n,
                                target_name[target], w->first_error);
                errors += w->errors;
                t0 = w->t_start < t0 ? w->t_start : t0;
                t1 = w->t_end > t1 ? w->t_end : t1;
        }
        pthread_barrier_destroy(&start);
        pthread_barrier_destroy(&stop);
        free(workers);
        free(threads);
        if (errors > 0) {
                fprintf(stderr, "bench-client: failed calls make the figures meaningless; stopping\n");
                exit(1);
        }
        result.rate = (double) opt->calls * 1e6 / (double) (t1 - t0);
        for (unsigned k = 0; k < opt->n_cpu; k++)
                result.cpu_per_call[k] = cpu0[k] < 0 || cpu1[k] < 0 ? -1.0
                                                                    : (double) (cpu1[k] - cpu0[k]) / (double) opt->calls;
        return result;
}

static uint32_t get_u32_property(sd_bus *bus, const char *name) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t v = 0;
        int r;

        r = sd_bus_get_property_trivial(bus, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, name, &error, 'u', &v);
        if (r < 0) {
                fprintf(stderr, "bench-client: Get %s: %s\n", name, error.message ? error.message : strerror(-r));
                exit(1);
        }
        return v;
}

static bool sluiced_holds_jobs(sd_bus *bus) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs", &error, &reply, "a{sv}", 1,
                               "limit", "u", (uint32_t) 1);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(tsssiuto)");
        if (r < 0) {
                fprintf(stderr, "bench-client: ListJobs: %s\n", error.message ? error.message : strerror(-r));
                exit(1);
        }
        return !sd_bus_message_at_end(reply, false);
}

/* Let sluiced settle the previous run before the next one starts: the closed
 * connections' leases abandoned (a PropertiesChanged and a JobChanged each)
 * and, KeepFinishedSec later, removed (an InterfacesRemoved each).  Work that
 * would otherwise load the bus during the next run, whichever target. */
static void wait_sluiced_idle(sd_bus *bus) {
        uint64_t deadline = now_usec() + 300ULL * 1000000ULL;

        while (get_u32_property(bus, "RunningJobs") > 0 || get_u32_property(bus, "QueuedJobs") > 0 ||
               sluiced_holds_jobs(bus)) {
                if (now_usec() > deadline) {
                        fprintf(stderr, "bench-client: sluiced still has jobs after the round\n");
                        exit(1);
                }
                struct timespec ts = { 0, 20 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
}

/* ---- round trips and grant latency -------------------------------------- */

static uint64_t measure_rtt(sd_bus *bus, unsigned reps) {
        uint64_t *t = calloc(reps, sizeof(uint64_t));
        uint64_t m;

        if (!t)
                die("calloc", -ENOMEM);
        for (unsigned i = 0; i < reps + 100; i++) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                uint64_t a = now_usec();
                int r;

                r = sd_bus_call_method(bus, ECHO_NAME, ECHO_PATH, ECHO_IFACE, "Echo", &error, &reply, "sa{sv}",
                                       "bench", 0);
                if (r < 0)
                        die("Echo", r);
                if (i >= 100) /* the first ones warm up */
                        t[i - 100] = now_usec() - a;
        }
        m = median_u64(t, reps);
        free(t);
        return m;
}

typedef struct AcquireReply {
        bool done;
        char *path;
        int r;
} AcquireReply;

static int on_acquire(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        AcquireReply *a = userdata;
        const char *path;
        int r;

        a->done = true;
        if (sd_bus_message_is_method_error(m, NULL)) {
                fprintf(stderr, "bench-client: Acquire: %s\n", sd_bus_message_get_error(m)->message);
                a->r = -EIO;
                return 1;
        }
        r = sd_bus_message_read(m, "o", &path);
        if (r < 0) {
                a->r = r;
                return 1;
        }
        a->path = strdup(path);
        a->r = a->path ? 0 : -ENOMEM;
        return 1;
}

static int on_release(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        bool *done = userdata;

        if (sd_bus_message_is_method_error(m, NULL)) {
                fprintf(stderr, "bench-client: Release: %s\n", sd_bus_message_get_error(m)->message);
                exit(1);
        }
        *done = true;
        return 1;
}

static void process_until(sd_bus *bus, const bool *flag) {
        while (!*flag) {
                int r = sd_bus_process(bus, NULL);

                if (r < 0)
                        die("sd_bus_process", r);
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        die("sd_bus_wait", r);
        }
}

static char *acquire_sync(sd_bus *bus) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire");
        if (r >= 0)
                r = sd_bus_message_append(m, "sa{sv}", "grant", 0);
        if (r >= 0)
                r = sd_bus_call(bus, m, UINT64_MAX - 1, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                die("Acquire", r);
        return strdup(path);
}

static void ping_sluiced(sd_bus *bus) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping", &error, NULL,
                               NULL);
        if (r < 0)
                die("Ping", r);
}

static uint64_t measure_grant(const Options *opt) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *a = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *b = NULL;
        uint64_t *t = calloc(opt->grant_reps, sizeof(uint64_t));
        _cleanup_free_ char *held = NULL;
        uint64_t m;
        int r;

        if (!t)
                die("calloc", -ENOMEM);
        r = bus_open(opt->address, &a);
        if (r >= 0)
                r = bus_open(opt->address, &b);
        if (r < 0)
                die("connect", r);

        held = acquire_sync(a);
        for (unsigned i = 0; i < opt->grant_reps + 10; i++) {
                _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
                AcquireReply waiting = {};
                bool released = false;
                uint64_t t0;
                sd_bus *tmp;

                r = sd_bus_call_method_async(b, &slot, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire", on_acquire,
                                             &waiting, "sa{sv}", "grant", 0);
                if (r < 0)
                        die("Acquire", r);
                /* Once sluiced answered a later call of b, it has queued b's Acquire. */
                ping_sluiced(b);

                t0 = now_usec();
                r = sd_bus_call_method_async(a, NULL, SLUICE_BUS_NAME, held, SLUICE_JOB_IFACE, "Release", on_release, &released, "s",
                                             "success");
                if (r < 0)
                        die("Release", r);
                r = sd_bus_flush(a);
                if (r < 0)
                        die("flush", r);
                process_until(b, &waiting.done);
                if (i >= 10)
                        t[i - 10] = now_usec() - t0;
                if (waiting.r < 0)
                        die("Acquire", waiting.r);
                process_until(a, &released);

                /* b holds the slot now; next time a waits. */
                free(held);
                held = waiting.path;
                tmp = a;
                a = b;
                b = tmp;
        }
        m = median_u64(t, opt->grant_reps);
        free(t);
        return m;
}

/* ---- main ----------------------------------------------------------------- */

static bool name_has_owner(sd_bus *bus, const char *name) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int has = 0, r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", &error, &reply, "s", name);
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &has);
        if (r < 0)
                die("NameHasOwner", r);
        return has;
}

static void wait_for_names(sd_bus *bus) {
        uint64_t deadline = now_usec() + 60ULL * 1000000ULL;

        while (!name_has_owner(bus, SLUICE_BUS_NAME) || !name_has_owner(bus, ECHO_NAME)) {
                if (now_usec() > deadline) {
                        fprintf(stderr, "bench-client: sluiced or echo-service did not appear on the bus\n");
                        exit(1);
                }
                struct timespec ts = { 0, 20 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
}

static unsigned parse_unsigned(const char *s, const char *what) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > 10000000) {
                fprintf(stderr, "bench-client: --%s: \"%s\" is not a count\n", what, s);
                exit(2);
        }
        return (unsigned) v;
}

static void parse_cpu(Options *opt, const char *s) {
        const char *colon = strrchr(s, ':');
        char *end;
        long pid;

        if (opt->n_cpu >= CPU_PIDS_MAX) {
                fprintf(stderr, "bench-client: --cpu: at most %d processes\n", CPU_PIDS_MAX);
                exit(2);
        }
        if (!colon || colon == s) {
                fprintf(stderr, "bench-client: --cpu: \"%s\" is not NAME:PID\n", s);
                exit(2);
        }
        errno = 0;
        pid = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || pid <= 0 || pid > INT32_MAX) {
                fprintf(stderr, "bench-client: --cpu: \"%s\" is not a process id\n", colon + 1);
                exit(2);
        }
        opt->cpu[opt->n_cpu++] = (CpuPid) { .name = strndup(s, (size_t) (colon - s)), .pid = (int) pid };
        if (!opt->cpu[opt->n_cpu - 1].name)
                die("strndup", -ENOMEM);
}

/* R rounds of the three targets, each round in a rotated order so none always
 * runs first or last; per round and medians. */
static void run_rounds(const Options *opt, sd_bus *bus) {
        double *rate[_TARGET_MAX], *cpu[_TARGET_MAX][CPU_PIDS_MAX], *ratio_echo, *ratio_announce;
        double median_rate[_TARGET_MAX], median_echo, median_announce;

        for (unsigned t = 0; t < _TARGET_MAX; t++) {
                rate[t] = calloc(opt->rounds, sizeof(double));
                if (!rate[t])
                        die("calloc", -ENOMEM);
                for (unsigned k = 0; k < opt->n_cpu; k++) {
                        cpu[t][k] = calloc(opt->rounds, sizeof(double));
                        if (!cpu[t][k])
                                die("calloc", -ENOMEM);
                }
        }
        ratio_echo = calloc(opt->rounds, sizeof(double));
        ratio_announce = calloc(opt->rounds, sizeof(double));
        if (!ratio_echo || !ratio_announce)
                die("calloc", -ENOMEM);

        printf("throughput: %u calls per run from %u connections, window %u, %u rounds\n", opt->calls,
               opt->connections, opt->window, opt->rounds);
        printf("  (Echo: 2 bus messages a call; EchoAnnounce and Submit: 4, call + InterfacesAdded + New/JobNew + reply)\n");
        for (unsigned i = 0; i < opt->rounds; i++) {
                for (unsigned j = 0; j < _TARGET_MAX; j++) {
                        Target t = (Target) ((i + j) % _TARGET_MAX);
                        RunResult res = run_throughput(opt, t);

                        wait_sluiced_idle(bus);
                        rate[t][i] = res.rate;
                        for (unsigned k = 0; k < opt->n_cpu; k++)
                                cpu[t][k][i] = res.cpu_per_call[k];
                }
                ratio_echo[i] = rate[TARGET_SUBMIT][i] / rate[TARGET_ECHO][i];
                ratio_announce[i] = rate[TARGET_SUBMIT][i] / rate[TARGET_ANNOUNCE][i];
                printf("  round %u: Echo %7.0f/s  EchoAnnounce %7.0f/s  Submit %7.0f/s  "
                       "Submit/Echo %.2f  Submit/EchoAnnounce %.2f\n",
                       i + 1, rate[TARGET_ECHO][i], rate[TARGET_ANNOUNCE][i], rate[TARGET_SUBMIT][i], ratio_echo[i],
                       ratio_announce[i]);
                fflush(stdout);
        }
        for (unsigned t = 0; t < _TARGET_MAX; t++)
                median_rate[t] = median_double(rate[t], opt->rounds);
        median_echo = median_double(ratio_echo, opt->rounds);
        median_announce = median_double(ratio_announce, opt->rounds);
        printf("  median:  Echo %7.0f/s  EchoAnnounce %7.0f/s  Submit %7.0f/s  "
               "Submit/Echo %.2f  Submit/EchoAnnounce %.2f\n",
               median_rate[TARGET_ECHO], median_rate[TARGET_ANNOUNCE], median_rate[TARGET_SUBMIT], median_echo,
               median_announce);
        printf("  Submit/Echo %.2f (target >= 0.50: %s); Submit/EchoAnnounce %.2f (sluiced against the bus floor "
               "for the same messages)\n",
               median_echo, median_echo >= 0.5 ? "met" : "MISSED", median_announce);

        if (opt->n_cpu > 0) {
                printf("CPU per call (utime+stime from /proc/PID/stat, us, median of rounds):\n");
                printf("  %-14s", "");
                for (unsigned k = 0; k < opt->n_cpu; k++)
                        printf(" %12s", opt->cpu[k].name);
                printf("\n");
                for (unsigned t = 0; t < _TARGET_MAX; t++) {
                        printf("  %-14s", target_name[t]);
                        for (unsigned k = 0; k < opt->n_cpu; k++) {
                                double v = median_double(cpu[t][k], opt->rounds);

                                if (v < 0)
                                        printf(" %12s", "?");
                                else
                                        printf(" %12.1f", v);
                        }
                        printf("\n");
                }
        }

        for (unsigned t = 0; t < _TARGET_MAX; t++) {
                free(rate[t]);
                for (unsigned k = 0; k < opt->n_cpu; k++)
                        free(cpu[t][k]);
        }
        free(ratio_echo);
        free(ratio_announce);
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                { "address", required_argument, NULL, 'a' },
                { "calls", required_argument, NULL, 'n' },
                { "connections", required_argument, NULL, 'c' },
                { "window", required_argument, NULL, 'w' },
                { "rounds", required_argument, NULL, 'r' },
                { "grant-reps", required_argument, NULL, 'g' },
                { "rtt-reps", required_argument, NULL, 't' },
                { "cpu", required_argument, NULL, 'p' },
                {},
        };
        Options opt = {
                .calls = 20000,
                .connections = 8,
                .window = 100,
                .rounds = 5,
                .grant_reps = 200,
                .rtt_reps = 2000,
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uint64_t rtt, grant;
        int c, r;

        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case 'a': opt.address = optarg; break;
                case 'n': opt.calls = parse_unsigned(optarg, "calls"); break;
                case 'c': opt.connections = parse_unsigned(optarg, "connections"); break;
                case 'w': opt.window = parse_unsigned(optarg, "window"); break;
                case 'r': opt.rounds = parse_unsigned(optarg, "rounds"); break;
                case 'g': opt.grant_reps = parse_unsigned(optarg, "grant-reps"); break;
                case 't': opt.rtt_reps = parse_unsigned(optarg, "rtt-reps"); break;
                case 'p': parse_cpu(&opt, optarg); break;
                default: return 2;
                }
        }
        if (!opt.address) {
                fprintf(stderr, "usage: %s --address=ADDRESS [--calls=N] [--connections=C] [--window=W] "
                                "[--rounds=R] [--grant-reps=G] [--rtt-reps=T] [--cpu=NAME:PID]...\n", argv[0]);
                return 2;
        }
        if (opt.window >= 128)
                fprintf(stderr, "bench-client: warning: a window of %u reaches the system bus's 128 pending "
                                "replies per connection\n", opt.window);

        r = bus_open(opt.address, &bus);
        if (r < 0)
                die("connect", r);
        wait_for_names(bus);

        run_rounds(&opt, bus);

        rtt = measure_rtt(bus, opt.rtt_reps);
        printf("synchronous Echo round trip: median %" PRIu64 " us (%u calls)\n", rtt, opt.rtt_reps);
        grant = measure_grant(&opt);
        printf("grant latency (Release sent -> waiter's Acquire reply): median %" PRIu64 " us = %.2f round trips "
               "(target <= 3: %s) (%u repetitions)\n",
               grant, (double) grant / (double) rtt, (double) grant <= 3.0 * (double) rtt ? "met" : "MISSED",
               opt.grant_reps);
        for (unsigned k = 0; k < opt.n_cpu; k++)
                free((char *) opt.cpu[k].name);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * raw-units [--address=ADDRESS | --system] [--units=N] [--window=W]
 *           [--parallel=P] [--slice=SLICE] [--sandbox=none|basic]
 *
 * The ceiling for sluice's command jobs (docs/benchmarks.md, issue 3): N
 * transient units of /bin/true started straight from a resident sd-bus client,
 * by default over PID 1's private socket (unix:path=/run/systemd/private, as
 * systemctl does as root), and waited for until every one has ended.  Each
 * unit is what sluiced's systemd executor starts for a job:
 * StartTransientUnit("bench-raw-<pid>-<n>.service", "fail") with Type=exec,
 * ExecStart=/bin/true, Slice=SLICE (default sluice.slice), Description,
 * LogExtraFields (six fields, as many as sluiced's SLUICE_*), CollectMode=
 * inactive-or-failed, and with --sandbox=basic the properties of sluice's
 * default Sandbox=basic preset (src/daemon/unit-props.c: NoNewPrivileges,
 * PrivateTmp, ProtectSystem=full, ProtectHome=read-only, ...; default: none,
 * like a class with Sandbox=none).  On the system bus
 * (--system) also AddRef=yes, and UnrefUnit once its end has been seen; not
 * on the private socket, where PID 1 refuses AddRef: a direct connection has
 * no bus name to watch ("Failed to watch sender: Invalid argument" in the
 * journal, org.freedesktop.DBus.Error.InvalidArgs to the caller; systemd 252).
 * Careful with --system: PID 1 adds a bus match rule per AddRef'd unit, and at
 * the bus's 512 per connection it drops off the bus (docs/benchmarks.md);
 * keep N, or W and P, well below that.
 *
 * At most W StartTransientUnit calls await their reply at a time (default:
 * no window, all N pipelined; on the system bus keep W below 128), and at most P
 * units run at a time (default: no limit; --parallel=2 is "2 slots").  A unit
 * has ended when its start job was removed and its ActiveState is inactive or
 * failed (from PropertiesChanged, or read once after JobRemoved: PID 1
 * coalesces its signals), or it was already collected (NoSuchUnit: only an
 * ended unit is).
 *
 * Prints one line: RESULT jobs=N seconds=S rate=R failed=F — seconds from the
 * first StartTransientUnit sent until the last unit ended.  Exit status 1 if
 * any unit failed to start or ended failed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

#define SD_NAME "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_UNIT_PREFIX "/org/freedesktop/systemd1/unit"

typedef struct Unit {
        char name[64];
        bool start_sent, start_replied, job_removed, state_read, ended, failed, unref_sent;
} Unit;

typedef struct Bench {
        sd_bus *bus;
        bool bus_client;
        bool addref;            /* AddRef=yes and UnrefUnit: only on the bus */
        const char *slice;
        bool sandbox;           /* --sandbox=basic */
        unsigned n, window, parallel;
        Unit *units;
        unsigned next;          /* next unit to start */
        unsigned awaiting;      /* StartTransientUnit calls without reply */
        unsigned running;       /* started, not ended */
        unsigned ended, failed, unrefs_pending;
        unsigned queries_pending; /* Get ActiveState calls without reply */
        unsigned complaints;    /* errors printed: the first few say it, the count says the rest */
        uint64_t t_start, t_end;
        int r;
} Bench;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void die(const char *what, int r) {
        fprintf(stderr, "raw-units: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

/* The unit of a name "bench-raw-<pid>-<n>.service" of this run, or NULL. */
static Unit *unit_by_name(Bench *b, const char *name) {
        char prefix[48];
        const char *p;
        char *end;
        unsigned long i;

        snprintf(prefix, sizeof(prefix), "bench-raw-%d-", (int) getpid());
        if (!name || strncmp(name, prefix, strlen(prefix)) != 0)
                return NULL;
        p = name + strlen(prefix);
        errno = 0;
        i = strtoul(p, &end, 10);
        if (errno || end == p || strcmp(end, ".service") != 0 || i >= b->n)
                return NULL;
        return &b->units[i];
}

static int on_unref(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Bench *b = userdata;

        b->unrefs_pending--;
        if (sd_bus_message_is_method_error(m, NULL) && b->complaints++ < 3)
                fprintf(stderr, "raw-units: UnrefUnit: %s\n", sd_bus_message_get_error(m)->message);
        return 1;
}

/* UnrefUnit once the unit has ended and its StartTransientUnit was answered
 * (before that, AddRef has not happened yet). */
static void send_unref(Bench *b, Unit *u) {
        int r;

        if (!b->addref || u->unref_sent || !u->ended || !u->start_replied)
                return;
        r = sd_bus_call_method_async(b->bus, NULL, SD_NAME, SD_PATH, SD_MANAGER, "UnrefUnit", on_unref, b, "s",
                                     u->name);
        if (r < 0)
                die("UnrefUnit", r);
        u->unref_sent = true;
        b->unrefs_pending++;
}

static void unit_end(Bench *b, Unit *u, bool failed) {
        if (u->ended)
                return;
        u->ended = true;
        u->failed = failed;
        b->ended++;
        b->running--;
        if (failed)
                b->failed++;
        if (b->ended == b->n)
                b->t_end = now_usec();
        send_unref(b, u);
}

static void unit_saw_state(Bench *b, Unit *u, const char *state) {
        if (!u->job_removed || u->ended)
                return;
        if (strcmp(state, "inactive") == 0)
                unit_end(b, u, false);
        else if (strcmp(state, "failed") == 0)
                unit_end(b, u, true);
}

typedef struct StateQuery {
        Bench *bench;
        Unit *unit;
} StateQuery;

static int on_state_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        StateQuery *q = userdata;
        const char *state;
        int r;

        q->bench->queries_pending--;
        if (sd_bus_message_is_method_error(m, "org.freedesktop.systemd1.NoSuchUnit") && !q->bench->addref) {
                /* Collected already: it ended (its last ActiveState, if
                 * failed, came before it went). */
                unit_saw_state(q->bench, q->unit, "inactive");
                free(q);
                return 1;
        }
        if (sd_bus_message_is_method_error(m, NULL)) {
                if (q->bench->complaints++ < 3)
                        fprintf(stderr, "raw-units: ActiveState of %s: %s\n", q->unit->name, sd_bus_message_get_error(m)->message);
                unit_end(q->bench, q->unit, true);
                free(q);
                return 1;
        }
        r = sd_bus_message_read(m, "v", "s", &state);
        if (r < 0)
                die("reading ActiveState", r);
        unit_saw_state(q->bench, q->unit, state);
        free(q);
        return 1;
}

static void get_state(Bench *b, Unit *u) {
        _cleanup_free_ char *path = NULL;
        StateQuery *q;
        int r;

        r = sd_bus_path_encode(SD_UNIT_PREFIX, u->name, &path);
        if (r < 0)
                die("sd_bus_path_encode", r);
        q = malloc(sizeof(*q));
        if (!q)
                die("malloc", -ENOMEM);
        *q = (StateQuery) { .bench = b, .unit = u };
        r = sd_bus_call_method_async(b->bus, NULL, SD_NAME, path, "org.freedesktop.DBus.Properties", "Get",
                                     on_state_reply, q, "ss", SD_UNIT, "ActiveState");
        if (r < 0)
                die("Get ActiveState", r);
        u->state_read = true;
        b->queries_pending++;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Bench *b = userdata;
        const char *job, *unit, *result;
        uint32_t id;
        Unit *u;
        int r;

        r = sd_bus_message_read(m, "uoss", &id, &job, &unit, &result);
        if (r < 0)
                die("reading JobRemoved", r);
        u = unit_by_name(b, unit);
        if (!u || u->job_removed)
                return 0;
        u->job_removed = true;
        if (strcmp(result, "done") != 0) {
                if (b->complaints++ < 3)
                        fprintf(stderr, "raw-units: start job of %s: %s\n", unit, result);
                unit_end(b, u, true);
                return 0;
        }
        get_state(b, u);
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Bench *b = userdata;
        _cleanup_free_ char *name = NULL;
        const char *iface;
        Unit *u;
        int r;

        r = sd_bus_path_decode(sd_bus_message_get_path(m), SD_UNIT_PREFIX, &name);
        if (r <= 0)
                return 0;
        u = unit_by_name(b, name);
        if (!u || u->ended)
                return 0;
        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || strcmp(iface, SD_UNIT) != 0)
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return 0;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *state;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return 0;
                if (strcmp(key, "ActiveState") == 0) {
                        r = sd_bus_message_read(m, "v", "s", &state);
                        if (r < 0)
                                return 0;
                        unit_saw_state(b, u, state);
                } else {
                        r = sd_bus_message_skip(m, "v");
                        if (r < 0)
                                return 0;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return 0;
        }
        return 0;
}

typedef struct StartCall {
        Bench *bench;
        Unit *unit;
} StartCall;

static int on_start(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        StartCall *c = userdata;
        Bench *b = c->bench;
        Unit *u = c->unit;

        free(c);
        b->awaiting--;
        u->start_replied = true;
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                if (b->complaints++ < 3)
                        fprintf(stderr, "raw-units: StartTransientUnit %s: %s: %s\n", u->name, e->name,
                                e->message ? e->message : "");
                u->unref_sent = true; /* no unit, nothing to unref */
                unit_end(b, u, true);
        } else {
                send_unref(b, u);
        }
        return 1;
}

/* What sluice's Sandbox=basic preset sets (src/daemon/unit-props.c). */
static int append_sandbox_basic(sd_bus_message *m) {
        static const char *const bools[] = {
                "NoNewPrivileges", "PrivateTmp", "ProtectKernelTunables", "ProtectKernelModules",
                "ProtectKernelLogs", "ProtectControlGroups", "RestrictSUIDSGID", "LockPersonality",
                "RestrictRealtime",
        };
        int r = 0;

        for (size_t i = 0; r >= 0 && i < sizeof(bools) / sizeof(bools[0]); i++)
                r = sd_bus_message_append(m, "(sv)", bools[i], "b", 1);
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)", "ProtectSystem", "s", "full", "ProtectHome", "s",
                                          "read-only");
        return r;
}

static void start_one(Bench *b, Unit *u, unsigned i) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        char description[64], extra[6][64];
        StartCall *c;
        int r;

        snprintf(description, sizeof(description), "sluice benchmark raw unit %u", i);
        snprintf(extra[0], sizeof(extra[0]), "SLUICE_BENCH_UNIT=%u", i);
        snprintf(extra[1], sizeof(extra[1]), "SLUICE_CLASS=raw");
        snprintf(extra[2], sizeof(extra[2]), "SLUICE_ATTEMPT=1");
        snprintf(extra[3], sizeof(extra[3]), "SLUICE_SUBMITTED_AT=%" PRIu64, now_usec());
        snprintf(extra[4], sizeof(extra[4]), "SLUICE_OWNER=0");
        snprintf(extra[5], sizeof(extra[5]), "SLUICE_PRIORITY=0");
        r = sd_bus_message_new_method_call(b->bus, &m, SD_NAME, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", u->name, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "Description", "s", description, "Type", "s",
                                          "exec", "Slice", "s", b->slice, "CollectMode", "s", "inactive-or-failed");
        if (r >= 0 && b->addref)
                r = sd_bus_message_append(m, "(sv)", "AddRef", "b", 1);
        /* LogExtraFields travels as aay: one byte array per FIELD=value. */
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "LogExtraFields");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "aay");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "ay");
        for (size_t k = 0; r >= 0 && k < 6; k++)
                r = sd_bus_message_append_array(m, 'y', extra[k], strlen(extra[k]));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0 && b->sandbox)
                r = append_sandbox_basic(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)", "ExecStart", "a(sasb)", 1, "/bin/true", 1, "/bin/true", 0);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                die("building StartTransientUnit", r);
        c = malloc(sizeof(*c));
        if (!c)
                die("malloc", -ENOMEM);
        *c = (StartCall) { .bench = b, .unit = u };
        r = sd_bus_call_async(b->bus, NULL, m, on_start, c, 0);
        if (r < 0)
                die("StartTransientUnit", r);
        u->start_sent = true;
        b->awaiting++;
        b->running++;
}

static void process_until(Bench *b, bool (*done)(const Bench *b)) {
        while (!done(b)) {
                int r;

                while (b->next < b->n && (b->window == 0 || b->awaiting < b->window) &&
                       (b->parallel == 0 || b->running < b->parallel)) {
                        if (b->next == 0)
                                b->t_start = now_usec();
                        start_one(b, &b->units[b->next], b->next);
                        b->next++;
                }
                r = sd_bus_process(b->bus, NULL);
                if (r < 0)
                        die("sd_bus_process", r);
                if (r > 0)
                        continue;
                r = sd_bus_wait(b->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        die("sd_bus_wait", r);
        }
}

static bool all_ended(const Bench *b) {
        return b->ended == b->n;
}

/* Every call answered: nothing left that owns memory in a reply callback. */
static bool all_answered(const Bench *b) {
        return b->unrefs_pending == 0 && b->awaiting == 0 && b->queries_pending == 0;
}

static unsigned parse_count(const char *s, const char *what, bool zero_ok) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || (v == 0 && !zero_ok) || v > 1000000) {
                fprintf(stderr, "raw-units: --%s: \"%s\" is not a count\n", what, s);
                exit(2);
        }
        return (unsigned) v;
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                { "address", required_argument, NULL, 'a' },
                { "system", no_argument, NULL, 'S' },
                { "units", required_argument, NULL, 'n' },
                { "window", required_argument, NULL, 'w' },
                { "parallel", required_argument, NULL, 'p' },
                { "slice", required_argument, NULL, 's' },
                { "sandbox", required_argument, NULL, 'x' },
                {},
        };
        const char *address = "unix:path=/run/systemd/private";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        Bench b = { .n = 500, .slice = "sluice.slice" };
        bool system = false;
        double seconds;
        int c, r;

        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case 'a': address = optarg; break;
                case 'S': system = true; break;
                case 'n': b.n = parse_count(optarg, "units", false); break;
                case 'w': b.window = parse_count(optarg, "window", true); break;
                case 'p': b.parallel = parse_count(optarg, "parallel", true); break;
                case 's': b.slice = optarg; break;
                case 'x':
                        if (strcmp(optarg, "none") != 0 && strcmp(optarg, "basic") != 0) {
                                fprintf(stderr, "raw-units: --sandbox: \"%s\" is not none or basic\n", optarg);
                                return 2;
                        }
                        b.sandbox = strcmp(optarg, "basic") == 0;
                        break;
                default:
                        fprintf(stderr, "usage: %s [--address=ADDRESS | --system] [--units=N] [--window=W] "
                                        "[--parallel=P] [--slice=SLICE] [--sandbox=none|basic]\n", argv[0]);
                        return 2;
                }
        }

        if (system) {
                r = sd_bus_open_system(&bus);
                b.bus_client = true;
                b.addref = true;
        } else {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_start(bus);
        }
        if (r < 0)
                die(system ? "system bus" : address, r);
        b.bus = bus;
        b.units = calloc(b.n, sizeof(Unit));
        if (!b.units)
                die("calloc", -ENOMEM);
        for (unsigned i = 0; i < b.n; i++)
                snprintf(b.units[i].name, sizeof(b.units[i].name), "bench-raw-%d-%u.service", (int) getpid(), i);

        /* Signals: on the private socket PID 1 sends them to every peer (no
         * sender, local matches only); on the system bus after Subscribe(). */
        r = sd_bus_match_signal(bus, NULL, b.bus_client ? SD_NAME : NULL, SD_PATH, SD_MANAGER, "JobRemoved",
                                on_job_removed, &b);
        if (r < 0)
                die("match JobRemoved", r);
        r = sd_bus_add_match(bus, NULL,
                             b.bus_client ? "type='signal',sender='" SD_NAME "',interface='org.freedesktop.DBus.Properties',"
                                            "member='PropertiesChanged',path_namespace='" SD_UNIT_PREFIX "'"
                                          : "type='signal',interface='org.freedesktop.DBus.Properties',"
                                            "member='PropertiesChanged',path_namespace='" SD_UNIT_PREFIX "'",
                             on_properties_changed, &b);
        if (r < 0)
                die("match PropertiesChanged", r);
        r = sd_bus_call_method(bus, SD_NAME, SD_PATH, SD_MANAGER, "Subscribe", &error, NULL, NULL);
        if (r < 0 && !sd_bus_error_has_name(&error, "org.freedesktop.systemd1.AlreadySubscribed")) {
                fprintf(stderr, "raw-units: Subscribe: %s\n", error.message ? error.message : strerror(-r));
                return 1;
        }

        process_until(&b, all_ended);
        process_until(&b, all_answered);

        seconds = (double) (b.t_end - b.t_start) / 1e6;
        printf("RESULT jobs=%u seconds=%.3f rate=%.1f failed=%u\n", b.n, seconds, (double) b.n / seconds, b.failed);
        free(b.units);
        return b.failed > 0 ? 1 : 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-bus-api: the D-Bus API of the real sluiced under generated calls.
 *
 * sluiced runs on a private dbus-daemon of this test's own (the system
 * bus's limits, every uid admitted; GTestDBus admits only its own uid) and
 * is driven with bus-harness's helpers.  Four connections of the test's uid
 * and one of uid 65534 (FOREIGN) pipeline calls at it, at most WINDOW
 * ordinary calls each in flight, plus the long polls (Acquire, Wait) that
 * answer later.
 *
 * The calls come from a stream generated from the seed: every
 * method of dbus/ XML files (read at run time, so a new method is fuzzed as soon
 * as it is declared), Properties Get/GetAll/Set, Introspect,
 * ObjectManager.GetManagedObjects, Peer, methods and interfaces that do not
 * exist, wrong signatures, random values of random types, boundary values
 * (0, -1, 2^63, 2^64-1, INT32_MIN/MAX, empty, 4 KiB, 64 KiB and 1 MiB
 * strings), options of the wrong types, variants nested 1..50 deep, and
 * bursts where Cancel, Release, Renew, SetPriority and CancelJob of one job
 * race on five connections against dispatch.  Connections are closed with
 * calls and leases in flight (the holder vanishes) and replaced.
 *
 * Checked, for every reply:
 * - it is a success or a remote D-Bus error named org.sluice.Error.<one of
 *   the documented names> or org.freedesktop.DBus.Error.* (never
 *   AccessDenied: reading is open to all, and sd-bus answers that when a
 *   method lacks SD_BUS_VTABLE_UNPRIVILEGED); a success has
 *   the reply signature of dbus/ XML files (Properties.Set of a read-only
 *   property never succeeds);
 * - states read on one connection never move backwards
 *   (queued < running < done), and a job's Id and Class properties are
 *   what its creation said;
 * - uid 65534 (when the test runs as root) never succeeds in a call that
 *   changes anything: it owns no job, and with no polkit on the private
 *   bus every check for it is refused (NotPermitted);
 * - GetPermissions() and GetPermissionsFor() name every sluice action once with "yes",
 *   "challenge" or "no": "yes" for all to root, "no" for all to uid 65534
 *   (no polkit: unavailable is "no");
 * and at every checkpoint (every CHECK_EVERY calls, and at the end):
 * - sluiced is alive (the process has not exited);
 * - once every ordinary call is answered: QueuedJobs/RunningJobs equal the
 *   queued/running jobs of GetManagedObjects and of ListJobs, which agree
 *   with each other; every job a Submit/Acquire/TriggerSchedule returned
 *   is on the bus or in the history (GetJobRecord), with its class;
 * and at the end, after every job was cancelled: no call is left without
 * an answer, and sluiced exits 0 on SIGTERM (under ASan/UBSan a sanitizer
 * report makes that exit non-zero, or ends sluiced at once).
 *
 * Other users: the four connections of the test's uid (root: allowed
 * without polkit) act on each other's jobs, which exercises the holder and
 * owner bookkeeping and the races; uid 65534 acts on root's jobs and is
 * refused.  What polkit decides for real users is test-bus-polkit's and the
 * system scenarios' (real polkitd) business.  systemd is absent from the
 * private bus: command jobs fail to start.
 *
 * Environment: SEED=N replays a run (the seed is printed first; default:
 * from the clock), FUZZ_CALLS=N calls (default 12000: about 9 s, 45 s
 * under ASan on a quiet 2-core machine).  The summary lines
 * ("fuzz-bus-api: ...") are what tests/bus/fuzz-bus-long.sh adds up.
 *
 * What is reproducible: the stream of calls (method, arguments,
 * connection, when connections are closed) depends on the seed, and on
 * replies in one way only: job ids are drawn below the highest id handed
 * out so far (gen_id()).  sluiced's answers depend also on how the
 * pipelined connections interleave.  docs/testing.md says more.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-harness.h"

#define NCONN 5                 /* four of the test's uid, and FOREIGN */
#define FOREIGN 4               /* uid FOREIGN_UID when the test runs as root */
#define FOREIGN_UID 65534
#define WINDOW 16               /* ordinary calls in flight per connection */
#define RECYCLE_EVERY 250       /* calls sent on a connection before it is closed and replaced */
#define CHECK_EVERY 1000        /* calls between consistency checkpoints */
#define DEFAULT_CALLS 12000

static const char fuzz_config[] =
        "[Scheduler]\n"
        "Discipline=fifo\n"
        "MaxRunning=0\n"
        "MaxQueuedPerUser=400\n"
        "KeepFinishedSec=2\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "MaxRunning=1\n"
        "\n"
        "[Class backup]\n"
        "Kind=lease\n"
        "Priority=5\n"
        "Parameter.store=[a-z]+\n"
        "Resources=datastore:%{store}\n"
        "\n"
        "[Class free]\n"
        "Kind=lease\n"
        "Duplicates=reject\n"
        "\n"
        "[Class once]\n"
        "Kind=lease\n"
        "MaxRunning=2\n"
        "Duplicates=replace\n"
        "\n"
        "[Resource datastore:*]\n"
        "MaxRunning=1\n"
        "\n"
        "[Class cmd]\n"
        "Kind=command\n"
        "ExecStart=/bin/true %{x}\n"
        "Parameter.x=[a-z0-9]{0,8}\n"
        "\n"
        "[Schedule later]\n"
        "Class=slot\n"
        "OnCalendar=2099-01-01 00:00:00 UTC\n"
        "Overlap=queue\n";

/* The documented org.sluice.Error.* names (docs/dbus-api.md, "Errors"). */
static const char *const sluice_errors[] = {
        "org.sluice.Error.NoSuchClass",   "org.sluice.Error.NoSuchJob",    "org.sluice.Error.InvalidArgument",
        "org.sluice.Error.QuotaExceeded", "org.sluice.Error.Duplicate",    "org.sluice.Error.Timeout",
        "org.sluice.Error.Cancelled",     "org.sluice.Error.InvalidConfig", "org.sluice.Error.NotPermitted",
        "org.sluice.Error.InvalidState",  "org.sluice.Error.NotSupported", NULL,
};

/* What a caller who is not root, owns no job and has no polkit (there is
 * none on the private bus) must never get to do. */
static const char *const mutating_methods[] = {
        "Submit", "Acquire", "CancelJob", "Pause", "Resume", "UpdateConfig", "Reload", "TriggerSchedule",
        "Cancel", "Release", "Renew", "SetPriority", "Set", NULL,
};

static gboolean is_one_of(const char *name, const char *const *list) {
        for (; *list; list++)
                if (g_str_equal(name, *list))
                        return TRUE;
        return FALSE;
}

/* Errors that mean sluiced is gone: never acceptable while it should run. */
static const char *const gone_errors[] = {
        "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Disconnected", NULL,
};

typedef struct Fuzz Fuzz;

/* One client connection; replaced when closed. */
typedef struct Conn {
        GDBusConnection *conn;
        guint generation;
        guint inflight;                 /* ordinary calls */
        guint longpolls;                /* Acquire, Wait */
        guint sent;                     /* since it was opened */
        GHashTable *seen;               /* job path -> GINT_TO_POINTER(rank + 1): last state read here */
        char *last_call;                /* what was sent last, for a report */
} Conn;

struct Fuzz {
        BusHarness *h;
        GRand *rand;
        guint32 seed;
        GDBusNodeInfo *manager_xml, *job_xml;
        Conn conns[NCONN];
        GHashTable *jobs;               /* job path -> class (both char*): what creations returned */
        guint64 creations_sent;         /* Submit/Acquire/TriggerSchedule sent: ids are at most this */
        guint64 max_id;                 /* the highest id a reply handed out */
        GHashTable *errors;             /* error name -> count (GUINT) */
        GHashTable *examples;           /* error name -> first message */
        guint64 calls, successes, remote_errors, local_errors, reconnects, bus_disconnects, checkpoints;
        gboolean foreign;               /* conns[FOREIGN] is uid FOREIGN_UID */
        guint64 foreign_calls, foreign_refused;
        /* An UpdateConfig() that set HistoryMaxJobs= worked: from then on the
         * once-a-minute retention (history-retention.c) may prune finished jobs
         * from the state database, and GetJobRecord() rightly says NoSuchJob. */
        gboolean history_capped;
        guint64 pruned_seen;            /* handed-out jobs found pruned so */
};

/* One call in flight. */
typedef struct Call {
        Fuzz *f;
        guint conn;
        guint generation;
        gboolean longpoll;
        char *what;                     /* "Iface.Method on path" */
        char *path;
        char *iface, *method;
        char *klass;                    /* creations: the class asked for */
        const GVariantType *want;       /* reply type, or NULL when unknown */
        gboolean must_fail;
        gboolean sets_history_cap;      /* UpdateConfig() with HistoryMaxJobs in its settings */
} Call;

/* ---- random values ---------------------------------------------------- */

static guint32 rnd(Fuzz *f, guint32 n) {
        return n ? (guint32) g_rand_int_range(f->rand, 0, (gint32) n) : 0;
}

static gboolean chance(Fuzz *f, guint32 percent) {
        return rnd(f, 100) < percent;
}

static const char *const words[] = {
        "slot", "backup", "free", "once", "cmd", "later", "nosuch", "class:slot", "class:", "resource:datastore:a",
        "resource:", "datastore:a", "datastore:*", "datastore:../x", "../x", "%{store}", "%{x}", "started",
        "finished", "success", "failed", "cancelled", "abandoned", "timeout", "Scheduler", "Class slot",
        "Class free", "Class new", "Resource datastore:a", "Schedule later", "Alert x", "priority", "fair", "fifo",
        "MaxRunning", "Discipline", "KeepFinishedSec", "Kind", "lease", "command", "%s%n%x", "a b", "a\tb", "a\nb",
        "\x01", "\x7f", "\xc3\xa9\xf0\x9f\x99\x82", "[", "]", "=", "0", "-1", "18446744073709551615", "yes", "no",
        "/", "/org/sluice/Scheduler1", "a=b", "PATH=/tmp", "", " ", "--", NULL,
};

static char *gen_string(Fuzz *f) {
        static const guint sizes[] = { 255, 256, 1024, 1025, 4096, 4097, 65535, 65536, 65537 };
        guint n;

        switch (rnd(f, 20)) {
        case 0:
                return g_strdup("");
        case 1: /* long: at the bounds of docs/dbus-api.md and past them */
                n = sizes[rnd(f, G_N_ELEMENTS(sizes))];
                return g_strnfill(n, (gchar) ('a' + rnd(f, 26)));
        case 2:
                if (chance(f, 10)) /* a rare megabyte */
                        return g_strnfill(1 << 20, 'z');
                return g_strnfill(rnd(f, 300), 'b');
        case 3:
        case 4: {
                GString *s = g_string_new(NULL);

                n = rnd(f, 40);
                for (guint i = 0; i < n; i++)
                        g_string_append_c(s, (char) (1 + rnd(f, 126)));        /* ASCII, controls too */
                return g_string_free(s, FALSE);
        }
        case 5:
                return g_strdup_printf("%" PRIu32, g_rand_int(f->rand));
        default:
                return g_strdup(words[rnd(f, G_N_ELEMENTS(words) - 1)]);
        }
}

static guint64 gen_u64(Fuzz *f) {
        static const guint64 edges[] = {
                0, 1, 2, 10, 3600, 3155760000ull, 3155760001ull, INT64_MAX, (guint64) INT64_MAX + 1,
                UINT64_MAX - 1, UINT64_MAX, UINT32_MAX, (guint64) UINT32_MAX + 1,
        };

        if (chance(f, 60))
                return edges[rnd(f, G_N_ELEMENTS(edges))];
        return ((guint64) g_rand_int(f->rand) << 32) | g_rand_int(f->rand);
}

static gint32 gen_i32(Fuzz *f) {
        static const gint32 edges[] = { 0, 1, -1, 5, 1000, 1001, -1000, -1001, INT32_MAX, INT32_MIN };

        if (chance(f, 70))
                return edges[rnd(f, G_N_ELEMENTS(edges))];
        return (gint32) g_rand_int(f->rand);
}

/* A job id: mostly one that was handed out (ids count up from 1), most
 * often a recent one.  The one place where the stream depends on replies:
 * the highest id handed out so far. */
static guint64 gen_id(Fuzz *f) {
        if (f->max_id > 0 && chance(f, 85)) {
                guint64 lo = f->max_id > 30 && chance(f, 70) ? f->max_id - 30 : 0;

                return lo + 1 + rnd(f, (guint32) MIN(f->max_id - lo, G_MAXINT32 - 1));
        }
        return gen_u64(f);
}

static GVariant *gen_value(Fuzz *f, guint depth);

static GVariant *nest_variants(Fuzz *f, GVariant *v) {
        /* D-Bus allows 64 containers in all (the bus drops a connection
         * that sends more; checked with busctl): stay below, with room
         * for the containers around. */
        guint n = 1 + rnd(f, 50);

        for (guint i = 0; i < n; i++)
                v = g_variant_new_variant(v);
        return v;
}

static char *gen_object_path(Fuzz *f) {
        static const char *const odd[] = {
                "/", "/org/sluice/Scheduler1", "/org/sluice/Scheduler1/job", "/org/sluice/Scheduler1/job/0",
                "/org/sluice/Scheduler1/job/abc", "/org/sluice/Scheduler1/job/01",
                "/org/sluice/Scheduler1/job/18446744073709551615",
                "/org/sluice/Scheduler1/job/18446744073709551616", "/org/sluice/Scheduler1/job/1/x",
                "/org/sluice/Scheduler1/jobs", "/org/sluice/Scheduler2", "/org/freedesktop/DBus",
        };

        if (chance(f, 60))
                return g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" PRIu64, gen_id(f));
        return g_strdup(odd[rnd(f, G_N_ELEMENTS(odd))]);
}

/* A random value of a random type. */
static GVariant *gen_value(Fuzz *f, guint depth) {
        guint k = rnd(f, depth < 3 ? 17 : 12);

        switch (k) {
        case 0: return g_variant_new_boolean(rnd(f, 2));
        case 1: return g_variant_new_byte((guchar) rnd(f, 256));
        case 2: return g_variant_new_int16((gint16) gen_i32(f));
        case 3: return g_variant_new_uint16((guint16) gen_u64(f));
        case 4: return g_variant_new_int32(gen_i32(f));
        case 5: return g_variant_new_uint32((guint32) gen_u64(f));
        case 6: return g_variant_new_int64((gint64) gen_u64(f));
        case 7: return g_variant_new_uint64(gen_u64(f));
        case 8: return g_variant_new_double(chance(f, 50) ? -0.0 : 1e308);
        case 9: return g_variant_new_take_string(gen_string(f));
        case 10: {
                g_autofree char *p = gen_object_path(f);
                return g_variant_new_object_path(p);
        }
        case 11: return g_variant_new_signature(chance(f, 50) ? "a{sv}" : "");
        case 12: return nest_variants(f, gen_value(f, 3));      /* a scalar inside */
        case 13: {
                g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{sv}"));
                guint n = rnd(f, 6);

                for (guint i = 0; i < n; i++) {
                        g_autofree char *key = gen_string(f);
                        g_variant_builder_add(&b, "{sv}", key, gen_value(f, depth + 1));
                }
                return g_variant_builder_end(&b);
        }
        case 14: {
                g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("as"));
                gboolean many = chance(f, 5);
                guint n = many ? 20000 : rnd(f, 8);

                for (guint i = 0; i < n; i++)
                        g_variant_builder_add_value(&b, many ? g_variant_new_string(words[i % 8])
                                                             : g_variant_new_take_string(gen_string(f)));
                return g_variant_builder_end(&b);
        }
        case 15: {
                GVariant *items[3];
                guint n = 1 + rnd(f, 3);

                for (guint i = 0; i < n; i++)
                        items[i] = gen_value(f, depth + 1);
                return g_variant_new_tuple(items, n);
        }
        default: {
                guint n = chance(f, 5) ? (1 << 20) : rnd(f, 64);
                g_autofree guchar *data = g_malloc0(n + 1);

                for (guint i = 0; i < n; i++)
                        data[i] = (guchar) rnd(f, 256);
                return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, n, 1);
        }
        }
}

/* ---- values for the declared signatures ---------------------------- */

/* The options a method takes (docs/dbus-api.md), for a{sv} arguments. */
static const char *const submit_keys[] = { "parameters", "priority", "resources", "description", "not-before",
                                           "max-wait-sec", "argv", "environment", "timeout-sec", "ttl-sec",
                                           "bogus", "", NULL };
static const char *const filter_keys[] = { "states", "class", "owner", "limit", "history", "since", "until",
                                           "bogus", NULL };
static const char *const setting_keys[] = { "Discipline", "MaxRunning", "MaxQueuedPerUser", "MaxRunningPerUser",
                                            "StrictOrder", "AgingSec", "FairKey", "KeepFinishedSec", "Kind",
                                            "Priority", "Resources", "Parameter.store", "MaxWaitSec",
                                            "Duplicates", "Description", "ExecStart", "OnCalendar", "Class",
                                            "Overlap", "HistoryMaxJobs", "bogus", "", NULL };
/* Retry= is left out on purpose: a retried job goes back to queued, and
 * the check that states only move forward would not hold. */

static GVariant *gen_string_array(Fuzz *f, guint max) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("as"));
        gboolean many = chance(f, 3);
        guint n = many ? 300 : rnd(f, max);

        for (guint i = 0; i < n; i++)
                g_variant_builder_add_value(&b, many ? g_variant_new_take_string(g_strdup_printf("K%u=v", i))
                                                     : g_variant_new_take_string(gen_string(f)));
        return g_variant_builder_end(&b);
}

static GVariant *gen_parameters(Fuzz *f) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
        static const char *const stores[] = { "a", "b", "c", "", "A", "a b", "../x" };
        guint n = chance(f, 2) ? 100 : rnd(f, 3);

        for (guint i = 0; i < n; i++) {
                if (i == 0 && chance(f, 70))
                        g_variant_builder_add(&b, "{ss}", chance(f, 50) ? "store" : "x",
                                              stores[rnd(f, G_N_ELEMENTS(stores))]);
                else {
                        g_autofree char *k = gen_string(f), *v = gen_string(f);
                        g_variant_builder_add(&b, "{ss}", k, v);
                }
        }
        return g_variant_builder_end(&b);
}

/* A plausible value for an option key: mostly the right type. */
static GVariant *gen_option_value(Fuzz *f, const char *key) {
        if (chance(f, 15))
                return chance(f, 30) ? nest_variants(f, gen_value(f, 3)) : gen_value(f, 1);

        if (g_str_equal(key, "parameters"))
                return gen_parameters(f);
        if (g_str_equal(key, "priority"))
                return g_variant_new_int32(gen_i32(f));
        if (g_str_equal(key, "resources") || g_str_equal(key, "argv") || g_str_equal(key, "environment") ||
            g_str_equal(key, "states"))
                return gen_string_array(f, 5);
        if (g_str_equal(key, "description") || g_str_equal(key, "class"))
                return g_variant_new_take_string(gen_string(f));
        if (g_str_equal(key, "timeout-sec") || g_str_equal(key, "ttl-sec") || g_str_equal(key, "max-wait-sec"))
                return g_variant_new_uint64(chance(f, 60) ? 1 + rnd(f, 3) : gen_u64(f));
        if (g_str_equal(key, "owner") || g_str_equal(key, "limit"))
                return g_variant_new_uint32((guint32) gen_u64(f));
        if (g_str_equal(key, "history"))
                return g_variant_new_boolean(rnd(f, 2));
        if (g_str_has_suffix(key, "Sec") || g_str_has_prefix(key, "Max") || g_str_equal(key, "Priority") ||
            g_str_equal(key, "HistoryMaxJobs")) {
                switch (rnd(f, 4)) {
                case 0: return g_variant_new_uint32((guint32) rnd(f, 5));
                case 1: return g_variant_new_int32(gen_i32(f));
                case 2: return g_variant_new_uint64(gen_u64(f));
                default: return g_variant_new_take_string(g_strdup_printf("%u", rnd(f, 5)));
                }
        }
        if (g_str_equal(key, "Discipline"))
                return g_variant_new_string(((const char *[]) { "fifo", "priority", "fair", "lifo" })[rnd(f, 4)]);
        if (g_str_equal(key, "StrictOrder"))
                return g_variant_new_boolean(rnd(f, 2));
        if (g_str_has_suffix(key, "At") || g_str_equal(key, "not-before") || g_str_equal(key, "since") ||
            g_str_equal(key, "until"))
                return g_variant_new_uint64(chance(f, 50) ? (guint64) g_get_real_time() + rnd(f, 3000000) :
                                                            gen_u64(f));
        return g_variant_new_take_string(gen_string(f));
}

static GVariant *gen_dict(Fuzz *f, const char *const *keys) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{sv}"));
        guint n = chance(f, 2) ? 2000 : rnd(f, 4);
        guint nkeys = g_strv_length((char **) keys);

        if (n == 2000) {
                for (guint i = 0; i < n; i++) {
                        g_autofree char *key = g_strdup_printf("%s%u", keys[i % nkeys], i / nkeys);
                        g_variant_builder_add(&b, "{sv}", i < nkeys ? keys[i] : key, g_variant_new_uint32(i));
                }
                return g_variant_builder_end(&b);
        }
        for (guint i = 0; i < n; i++) {
                g_autofree char *key = chance(f, 90) ? g_strdup(keys[rnd(f, nkeys)]) : gen_string(f);
                g_variant_builder_add(&b, "{sv}", key, gen_option_value(f, key));
        }
        return g_variant_builder_end(&b);
}

/* A value of @type for the argument named @arg of @method. */
static GVariant *gen_typed(Fuzz *f, const GVariantType *type, const char *method, const char *arg) {
        if (g_variant_type_equal(type, G_VARIANT_TYPE_STRING)) {
                static const char *const results[] = { "", "success", "failed", "cancelled", "timeout",
                                                       "abandoned", "lost", "SUCCESS" };
                static const char *const untils[] = { "started", "finished", "", "queued", "Started" };
                static const char *const scopes[] = { "", "class:slot", "class:backup", "class:nosuch",
                                                      "resource:datastore:a", "resource:", "class:", "all" };
                static const char *const sections[] = { "Scheduler", "Class slot", "Class free", "Class new",
                                                        "Class cmd", "Resource datastore:a", "Schedule later",
                                                        "Alert late", "Bogus", "" };
                static const char *const classes[] = { "slot", "backup", "free", "once", "cmd", "nosuch" };

                if (chance(f, 20))
                        return g_variant_new_take_string(gen_string(f));
                if (g_str_equal(arg, "class"))
                        return g_variant_new_string(classes[rnd(f, G_N_ELEMENTS(classes))]);
                if (g_str_equal(arg, "result"))
                        return g_variant_new_string(results[rnd(f, G_N_ELEMENTS(results))]);
                if (g_str_equal(arg, "until"))
                        return g_variant_new_string(untils[rnd(f, G_N_ELEMENTS(untils))]);
                if (g_str_equal(arg, "scope"))
                        return g_variant_new_string(scopes[rnd(f, G_N_ELEMENTS(scopes))]);
                if (g_str_equal(arg, "section"))
                        return g_variant_new_string(sections[rnd(f, G_N_ELEMENTS(sections))]);
                if (g_str_equal(arg, "name"))
                        return g_variant_new_string(chance(f, 70) ? "later" : "nosuch");
                return g_variant_new_take_string(gen_string(f));
        }
        if (g_variant_type_equal(type, G_VARIANT_TYPE_UINT64))
                return g_variant_new_uint64(g_str_equal(arg, "id") ? gen_id(f) : gen_u64(f));
        if (g_variant_type_equal(type, G_VARIANT_TYPE_INT32))
                return g_variant_new_int32(gen_i32(f));
        if (g_variant_type_equal(type, G_VARIANT_TYPE_UINT32))
                return g_variant_new_uint32((guint32) gen_u64(f));
        if (g_variant_type_equal(type, G_VARIANT_TYPE_BOOLEAN))
                return g_variant_new_boolean(rnd(f, 2));
        if (g_variant_type_equal(type, G_VARIANT_TYPE_VARDICT)) {
                if (g_str_equal(method, "ListJobs"))
                        return gen_dict(f, filter_keys);
                if (g_str_equal(method, "UpdateConfig"))
                        return gen_dict(f, setting_keys);
                return gen_dict(f, submit_keys);
        }
        if (g_variant_type_equal(type, G_VARIANT_TYPE("a{ss}"))) {
                /* GetPermissionsFor's details: a class (known or not), none,
                 * an unknown key, "class" twice, or a 64 KiB key. */
                static const char *const classes[] = { "slot", "backup", "free", "once", "cmd", "nosuch", "" };
                g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));

                switch (rnd(f, 8)) {
                case 0:
                        break;
                case 1: {
                        g_autofree char *k = gen_string(f), *v = gen_string(f);

                        g_variant_builder_add(&b, "{ss}", k, v);
                        break;
                }
                case 2:
                        g_variant_builder_add(&b, "{ss}", "class", "slot");
                        g_variant_builder_add(&b, "{ss}", "class", classes[rnd(f, G_N_ELEMENTS(classes))]);
                        break;
                case 3: {
                        g_autofree char *k = g_strnfill(65536, 'k');

                        g_variant_builder_add(&b, "{ss}", k, "slot");
                        break;
                }
                default:
                        g_variant_builder_add(&b, "{ss}", chance(f, 90) ? "class" : "job",
                                              classes[rnd(f, G_N_ELEMENTS(classes))]);
                        break;
                }
                return g_variant_builder_end(&b);
        }
        if (g_variant_type_equal(type, G_VARIANT_TYPE_STRING_ARRAY)) {
                /* UnsetConfig's keys: known ones, odd ones, none, or very many. */
                g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_STRING_ARRAY);
                guint n = chance(f, 2) ? 2000 : rnd(f, 4);
                guint nkeys = g_strv_length((char **) setting_keys);

                for (guint i = 0; i < n; i++) {
                        if (chance(f, 80))
                                g_variant_builder_add(&b, "s", setting_keys[rnd(f, nkeys)]);
                        else
                                g_variant_builder_add_value(&b, g_variant_new_take_string(gen_string(f)));
                }
                return g_variant_builder_end(&b);
        }
        /* A type this generator does not know yet: still a value of it. */
        if (g_variant_type_is_basic(type) || g_variant_type_is_variant(type))
                return g_variant_new_variant(gen_value(f, 1));
        g_error("fuzz-bus-api: no generator for argument type %.*s of %s; add one",
                (int) g_variant_type_get_string_length(type), g_variant_type_peek_string(type), method);
}

/* A Submit or Acquire that should succeed, so that jobs live and move. */
static GVariant *gen_sane_creation(Fuzz *f, const char *method) {
        static const char *const classes[] = { "slot", "backup", "free", "once", "cmd" };
        const char *klass = classes[rnd(f, G_N_ELEMENTS(classes))];
        g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

        if (g_str_equal(klass, "backup"))
                g_variant_dict_insert_value(&d, "parameters", g_variant_new_parsed("{'store': %s}",
                                                                                  chance(f, 50) ? "a" : "b"));
        if (g_str_equal(klass, "cmd"))
                g_variant_dict_insert_value(&d, "parameters", g_variant_new_parsed("{'x': %s}",
                                                                                  chance(f, 50) ? "1" : "x"));
        if (chance(f, 30))
                g_variant_dict_insert(&d, "priority", "i", (gint32) rnd(f, 2001) - 1000);
        if (g_str_equal(method, "Acquire")) {
                if (chance(f, 60))
                        g_variant_dict_insert(&d, "timeout-sec", "t", (guint64) 1 + rnd(f, 2));
                if (chance(f, 20))
                        g_variant_dict_insert(&d, "ttl-sec", "t", (guint64) 1 + rnd(f, 2));
        } else if (chance(f, 10)) {
                g_variant_dict_insert(&d, "max-wait-sec", "t", (guint64) 1);
        }
        return g_variant_new("(s@a{sv})", klass, g_variant_dict_end(&d));
}

/* The declared arguments of @m, or (one time in ten) something else. */
static GVariant *gen_args(Fuzz *f, GDBusMethodInfo *m) {
        g_autoptr(GPtrArray) items = g_ptr_array_new();

        if ((g_str_equal(m->name, "Submit") || g_str_equal(m->name, "Acquire")) && chance(f, 50))
                return gen_sane_creation(f, m->name);

        if (chance(f, 10)) {
                guint n = rnd(f, 4);

                if (n == 0)
                        return NULL;
                for (guint i = 0; i < n; i++)
                        g_ptr_array_add(items, gen_value(f, 0));
                return g_variant_new_tuple((GVariant **) items->pdata, items->len);
        }
        for (guint i = 0; m->in_args && m->in_args[i]; i++) {
                g_autoptr(GVariantType) t = g_variant_type_new(m->in_args[i]->signature);
                g_ptr_array_add(items, gen_typed(f, t, m->name, m->in_args[i]->name));
        }
        if (chance(f, 3) && items->len > 0)
                g_ptr_array_remove_index(items, items->len - 1);         /* one argument short */
        else if (chance(f, 3))
                g_ptr_array_add(items, gen_value(f, 0));                 /* one too many */
        return g_variant_new_tuple((GVariant **) items->pdata, items->len);
}

static GVariantType *out_type(GDBusMethodInfo *m) {
        g_autoptr(GString) s = g_string_new("(");

        for (guint i = 0; m->out_args && m->out_args[i]; i++)
                g_string_append(s, m->out_args[i]->signature);
        g_string_append_c(s, ')');
        return g_variant_type_new(s->str);
}

/* ---- bookkeeping of replies --------------------------------------- */

static int state_rank(const char *s) {
        if (g_str_equal(s, "queued"))
                return 0;
        if (g_str_equal(s, "running"))
                return 1;
        if (g_str_equal(s, "done"))
                return 2;
        g_error("fuzz-bus-api: a job is in state \"%s\", none of queued/running/done", s);
}

/* A state of @path read on connection @c: never behind what @c read before. */
static void saw_state(Fuzz *f, Conn *c, const char *path, const char *state) {
        int rank = state_rank(state);
        int before = GPOINTER_TO_INT(g_hash_table_lookup(c->seen, path)) - 1;

        if (rank < before)
                g_error("fuzz-bus-api (seed %u): %s went back from %s to %s (read on one connection)", f->seed,
                        path, before == 1 ? "running" : "done", state);
        g_hash_table_insert(c->seen, g_strdup(path), GINT_TO_POINTER(rank + 1));
}

static void saw_job_properties(Fuzz *f, Conn *c, const char *path, GVariant *props) {
        const char *state = NULL, *klass = NULL;
        guint64 id;

        if (g_variant_lookup(props, "State", "&s", &state))
                saw_state(f, c, path, state);
        if (g_variant_lookup(props, "Id", "t", &id) && g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX) &&
            id != bus_job_id(path))
                g_error("fuzz-bus-api (seed %u): %s has Id %" PRIu64, f->seed, path, id);
        if (g_variant_lookup(props, "Class", "&s", &klass)) {
                const char *want = g_hash_table_lookup(f->jobs, path);

                if (want && *want && !g_str_equal(want, klass))
                        g_error("fuzz-bus-api (seed %u): %s was created as class %s, its Class is %s", f->seed,
                                path, want, klass);
        }
}

/* Learn what a successful reply tells about jobs. */
static void digest_reply(Fuzz *f, Call *call, Conn *c, GVariant *reply) {
        if (g_str_equal(call->iface, SLUICE_MANAGER_IFACE) &&
            (g_str_equal(call->method, "Submit") || g_str_equal(call->method, "Acquire") ||
             g_str_equal(call->method, "TriggerSchedule"))) {
                const char *path;

                g_variant_get(reply, "(&o)", &path);
                if (!g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX))
                        g_error("fuzz-bus-api (seed %u): %s returned %s", f->seed, call->what, path);
                if (bus_job_id(path) == 0 || bus_job_id(path) > f->creations_sent)
                        g_error("fuzz-bus-api (seed %u): %s returned id %" PRIu64 " but only %" PRIu64
                                " jobs were asked for", f->seed, call->what, bus_job_id(path), f->creations_sent);
                f->max_id = MAX(f->max_id, bus_job_id(path));
                /* A schedule's class can change by UpdateConfig: "" = not checked. */
                g_hash_table_replace(f->jobs, g_strdup(path), g_strdup(call->klass ? call->klass : ""));
        } else if (g_str_equal(call->method, "ListJobs")) {
                g_autoptr(GVariantIter) it = NULL;
                const char *klass, *state, *result, *path;
                guint64 id, submitted;
                gint32 prio;
                guint32 owner;

                g_variant_get(reply, "(a(tsssiuto))", &it);
                while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &klass, &state, &result, &prio, &owner,
                                           &submitted, &path)) {
                        g_autofree char *p = g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" PRIu64, id);
                        const char *want = g_hash_table_lookup(f->jobs, p);

                        saw_state(f, c, p, state);
                        if (want && *want && !g_str_equal(want, klass))
                                g_error("fuzz-bus-api (seed %u): job %" PRIu64 " was created as %s, ListJobs "
                                        "says %s", f->seed, id, want, klass);
                }
        } else if (g_str_equal(call->iface, "org.freedesktop.DBus.Properties") &&
                   g_str_has_prefix(call->path, SLUICE_JOB_PATH_PREFIX)) {
                if (g_str_equal(call->method, "GetAll")) {
                        g_autoptr(GVariant) props = g_variant_get_child_value(reply, 0);
                        saw_job_properties(f, c, call->path, props);
                }
        } else if (g_str_equal(call->method, "GetManagedObjects")) {
                g_autoptr(GVariantIter) it = NULL;
                GVariant *ifaces;
                const char *path;

                g_variant_get(reply, "(a{oa{sa{sv}}})", &it);
                while (g_variant_iter_next(it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
                        g_autoptr(GVariant) props = g_variant_lookup_value(ifaces, SLUICE_JOB_IFACE,
                                                                          G_VARIANT_TYPE_VARDICT);

                        if (props)
                                saw_job_properties(f, c, path, props);
                        g_variant_unref(ifaces);
                }
        }
        /* Not Acquire's and Wait's replies: they are deferred (a grant's
         * reply waits for its commit) and may leave after a read of a later
         * state on the same connection. */
}


static void count_error(Fuzz *f, const char *name, const char *message) {
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(f->errors, name));

        if (n == 0)
                g_hash_table_insert(f->examples, g_strdup(name), g_strdup(message));
        g_hash_table_insert(f->errors, g_strdup(name), GUINT_TO_POINTER(n + 1));
}

static void call_free(Call *call) {
        g_free(call->what);
        g_free(call->path);
        g_free(call->iface);
        g_free(call->method);
        g_free(call->klass);
        g_free(call);
}

/* GetPermissions() and GetPermissionsFor(): every sluice action once, each "yes", "challenge" or "no";
 * root "yes" for all (no --no-root-bypass here), uid 65534 "no" for all (no
 * polkit on this bus: unavailable is "no"). */
static void check_permissions(Fuzz *f, const Call *call, GVariant *reply) {
        static const char *const actions[] = {
                "org.sluice.submit", "org.sluice.acquire", "org.sluice.manage-jobs", "org.sluice.configure",
                "org.sluice.run-command", NULL,
        };
        static const char *const standings[] = { "yes", "challenge", "no", NULL };
        g_autoptr(GVariant) map = g_variant_get_child_value(reply, 0);
        const char *expected = call->conn == FOREIGN && f->foreign ? "no" : getuid() == 0 ? "yes" : NULL;
        GVariantIter it;
        const char *action, *standing;

        if (g_variant_n_children(map) != g_strv_length((char **) actions))
                g_error("fuzz-bus-api (seed %u): %s answered %zu actions", f->seed, call->what,
                        g_variant_n_children(map));
        g_variant_iter_init(&it, map);
        while (g_variant_iter_next(&it, "{&s&s}", &action, &standing))
                if (!is_one_of(action, actions) || !is_one_of(standing, standings) ||
                    (expected && !g_str_equal(standing, expected)))
                        g_error("fuzz-bus-api (seed %u): %s answered %s: %s (expected %s)", f->seed, call->what,
                                action, standing, expected ? expected : "yes, challenge or no");
}

static void on_reply(GObject *source, GAsyncResult *res, gpointer userdata) {
        Call *call = userdata;
        Fuzz *f = call->f;
        Conn *c = &f->conns[call->conn];
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        gboolean current = c->generation == call->generation;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (current) {
                if (call->longpoll)
                        c->longpolls--;
                else
                        c->inflight--;
        }

        if (call->conn == FOREIGN && f->foreign)
                f->foreign_calls++;
        if (reply) {
                f->successes++;
                if (call->conn == FOREIGN && f->foreign && is_one_of(call->method, mutating_methods))
                        g_error("fuzz-bus-api (seed %u): %s from uid %u, who owns nothing and is allowed nothing, "
                                "succeeded", f->seed, call->what, FOREIGN_UID);
                if (call->must_fail)
                        g_error("fuzz-bus-api (seed %u): %s succeeded", f->seed, call->what);
                if (call->sets_history_cap)
                        f->history_capped = TRUE;
                if ((g_str_equal(call->method, "GetPermissions") || g_str_equal(call->method, "GetPermissionsFor")) &&
                    g_variant_is_of_type(reply, G_VARIANT_TYPE("(a{ss})")))
                        check_permissions(f, call, reply);
                if (call->want && !g_variant_is_of_type(reply, call->want))
                        g_error("fuzz-bus-api (seed %u): %s answered %s, dbus/ XML files says %.*s", f->seed, call->what,
                                g_variant_get_type_string(reply), (int) g_variant_type_get_string_length(call->want),
                                g_variant_type_peek_string(call->want));
                if (call->want && current)
                        digest_reply(f, call, c, reply);
        } else if (g_dbus_error_is_remote_error(error)) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);

                f->remote_errors++;
                if (is_one_of(name, gone_errors))
                        g_error("fuzz-bus-api (seed %u): %s: %s (%s): sluiced is gone?", f->seed, call->what, name,
                                error->message);
                if (!is_one_of(name, sluice_errors) && !g_str_has_prefix(name, "org.freedesktop.DBus.Error."))
                        g_error("fuzz-bus-api (seed %u): %s: undocumented error %s (%s)", f->seed, call->what, name,
                                error->message);
                /* Reading is open to everyone: sd-bus's own refusal of a method
                 * not marked unprivileged must never show. */
                if (g_str_equal(name, "org.freedesktop.DBus.Error.AccessDenied"))
                        g_error("fuzz-bus-api (seed %u): %s: %s (%s)", f->seed, call->what, name, error->message);
                if (call->conn == FOREIGN && f->foreign && g_str_equal(name, "org.sluice.Error.NotPermitted"))
                        f->foreign_refused++;
                count_error(f, name, error->message);
        } else {
                /* Ours: the connection was closed with the call in flight, or
                 * GDBus refused to send (e.g. nesting too deep to marshal). */
                if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED) &&
                    !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) &&
                    !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        g_error("fuzz-bus-api (seed %u): %s: %s (%s %d)", f->seed, call->what, error->message,
                                g_quark_to_string(error->domain), error->code);
                f->local_errors++;
                count_error(f, g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED) ? "local:connection-closed" :
                               "local:not-sent", error->message);
        }
        call_free(call);
}

/* ---- connections ---------------------------------------------------- */

static void on_closed(GDBusConnection *conn, gboolean remote_peer_vanished, GError *error, gpointer userdata) {
        static guint reported;

        if (remote_peer_vanished && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && reported++ < 3)
                g_print("fuzz-bus-api: the bus closed a connection: %s\n", error ? error->message : "?");
}

/* A connection the bus knows as uid @uid: the peer credentials are taken
 * at connect(), and GDBus's EXTERNAL authentication sends getuid(), so both
 * are switched for the handshake and back (the saved uid stays 0). */
static GDBusConnection *connect_as(Fuzz *f, uid_t uid) {
        GDBusConnection *c;

        if (setresuid(uid, uid, 0) < 0)
                g_error("setresuid(%u): %s", (unsigned) uid, g_strerror(errno));
        c = bus_harness_connect(f->h);
        if (setresuid(0, 0, 0) < 0)
                g_error("setresuid(0): %s", g_strerror(errno));
        return c;
}

static void conn_open(Fuzz *f, guint i) {
        Conn *c = &f->conns[i];

        c->conn = i == FOREIGN && f->foreign ? connect_as(f, FOREIGN_UID) : bus_harness_connect(f->h);
        g_signal_connect(c->conn, "closed", G_CALLBACK(on_closed), NULL);
        c->generation++;
        c->inflight = c->longpolls = c->sent = 0;
        c->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* Close @i with whatever is in flight (the holder of its leases vanishes)
 * and open a fresh one in its place. */
static void conn_recycle(Fuzz *f, guint i) {
        Conn *c = &f->conns[i];

        g_dbus_connection_close_sync(c->conn, NULL, NULL);
        g_clear_object(&c->conn);
        g_clear_pointer(&c->seen, g_hash_table_unref);
        g_clear_pointer(&c->last_call, g_free);
        f->reconnects++;
        conn_open(f, i);
}

/* ---- sending ------------------------------------------------------- */

static void send_call(Fuzz *f, guint ci, const char *path, const char *iface, const char *method, GVariant *args,
                      const GVariantType *want, const char *klass, gboolean must_fail) {
        Conn *c = &f->conns[ci];
        Call *call = g_new0(Call, 1);

        bus_harness_flush();
        if (g_dbus_connection_is_closed(c->conn)) {
                /* The bus dropped it (a message it would not route). */
                if (f->bus_disconnects++ < 3)
                        g_print("fuzz-bus-api: the bus closed connection %u after: %s\n", ci, c->last_call);
                conn_recycle(f, ci);
        }

        if (args)
                g_variant_ref_sink(args);
        call->f = f;
        call->conn = ci;
        call->generation = c->generation;
        call->path = g_strdup(path);
        call->iface = g_strdup(iface);
        call->method = g_strdup(method);
        call->klass = g_strdup(klass);
        call->want = want;
        call->must_fail = must_fail;
        call->longpoll = g_str_equal(method, "Acquire") || g_str_equal(method, "Wait");
        if (g_str_equal(method, "UpdateConfig") && args && g_variant_is_of_type(args, G_VARIANT_TYPE("(sa{sv}b)"))) {
                g_autoptr(GVariant) settings = g_variant_get_child_value(args, 1);
                g_autoptr(GVariant) cap = g_variant_lookup_value(settings, "HistoryMaxJobs", NULL);

                call->sets_history_cap = cap != NULL;
        }
        call->what = g_strdup_printf("%s.%s on %s (call %" PRIu64 ")", iface, method, path, f->calls);
        g_free(c->last_call);
        c->last_call = g_strdup_printf("%s %.200s", call->what, args ? g_variant_get_type_string(args) : "()");
        if (call->longpoll)
                c->longpolls++;
        else
                c->inflight++;
        c->sent++;
        f->calls++;

        g_dbus_connection_call(c->conn, SLUICE_BUS_NAME, path, iface, method, args, NULL, G_DBUS_CALL_FLAGS_NONE,
                               G_MAXINT, NULL, on_reply, call);
        if (args)
                g_variant_unref(args);
}

/* Reply types of the methods beside dbus/ XML files, by name (NULL: not checked). */
static const GVariantType *std_reply_type(const char *iface, const char *method) {
        if (g_str_equal(method, "Get"))
                return G_VARIANT_TYPE("(v)");
        if (g_str_equal(method, "GetAll"))
                return G_VARIANT_TYPE("(a{sv})");
        if (g_str_equal(method, "Introspect") || g_str_equal(method, "GetMachineId"))
                return G_VARIANT_TYPE("(s)");
        if (g_str_equal(method, "GetManagedObjects"))
                return G_VARIANT_TYPE("(a{oa{sa{sv}}})");
        if (g_str_equal(method, "Ping"))
                return G_VARIANT_TYPE_UNIT;
        return NULL;
}

static GHashTable *reply_types;         /* "iface.method" -> GVariantType* */

static GDBusMethodInfo *pick_method(Fuzz *f, GDBusNodeInfo *xml) {
        GDBusInterfaceInfo *iface = xml->interfaces[0];
        guint n = 0;

        while (iface->methods[n])
                n++;
        return iface->methods[rnd(f, n)];
}

static char *pick_job_path(Fuzz *f) {
        if (chance(f, 85) && f->max_id > 0)
                return g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" PRIu64, gen_id(f));
        return gen_object_path(f);
}

/* One call of the stream, or a burst of racing ones. */
static void send_one(Fuzz *f) {
        guint ci = chance(f, 12) ? FOREIGN : rnd(f, FOREIGN);
        guint what = rnd(f, 100);

        if (what < 40) {
                /* A manager method of dbus/org.sluice.Scheduler1.xml. */
                GDBusMethodInfo *m = chance(f, 30) ?
                        g_dbus_interface_info_lookup_method(f->manager_xml->interfaces[0],
                                                            chance(f, 50) ? "Submit" : "Acquire") :
                        pick_method(f, f->manager_xml);
                g_autofree char *key = g_strdup_printf("%s.%s", SLUICE_MANAGER_IFACE, m->name);
                GVariant *args = gen_args(f, m);
                g_autofree char *klass = NULL;

                if (g_str_equal(m->name, "Submit") || g_str_equal(m->name, "Acquire") ||
                    g_str_equal(m->name, "TriggerSchedule")) {
                        f->creations_sent++;
                        if (args && g_variant_n_children(args) > 0 && !g_str_equal(m->name, "TriggerSchedule")) {
                                g_autoptr(GVariant) a0 = g_variant_get_child_value(args, 0);

                                if (g_variant_is_of_type(a0, G_VARIANT_TYPE_STRING))
                                        klass = g_variant_dup_string(a0, NULL);
                        }
                }
                send_call(f, ci, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, m->name, args,
                          g_hash_table_lookup(reply_types, key), klass, FALSE);
        } else if (what < 65) {
                /* A job method of dbus/org.sluice.Scheduler1.Job.xml. */
                GDBusMethodInfo *m = pick_method(f, f->job_xml);
                g_autofree char *key = g_strdup_printf("%s.%s", SLUICE_JOB_IFACE, m->name);
                g_autofree char *path = pick_job_path(f);

                send_call(f, ci, path, SLUICE_JOB_IFACE, m->name, gen_args(f, m),
                          g_hash_table_lookup(reply_types, key), NULL, FALSE);
        } else if (what < 72) {
                /* A race: one job, four connections, at once. */
                guint64 id = gen_id(f);
                g_autofree char *path = g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" PRIu64, id);

                send_call(f, 0, path, SLUICE_JOB_IFACE, "Cancel", NULL, G_VARIANT_TYPE_UNIT, NULL, FALSE);
                send_call(f, 1, path, SLUICE_JOB_IFACE, "Release",
                          g_variant_new("(s)", chance(f, 50) ? "success" : "failed"), G_VARIANT_TYPE_UNIT, NULL,
                          FALSE);
                send_call(f, 2, path, SLUICE_JOB_IFACE, "Renew", NULL, G_VARIANT_TYPE_UNIT, NULL, FALSE);
                send_call(f, 3, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob", g_variant_new("(t)", id),
                          G_VARIANT_TYPE_UNIT, NULL, FALSE);
                send_call(f, ci, path, SLUICE_JOB_IFACE, "SetPriority", g_variant_new("(i)", gen_i32(f)),
                          G_VARIANT_TYPE_UNIT, NULL, FALSE);
                send_call(f, FOREIGN, path, SLUICE_JOB_IFACE, "Cancel", NULL, G_VARIANT_TYPE_UNIT, NULL, FALSE);
        } else if (what < 87) {
                /* org.freedesktop.DBus.Properties on the manager or a job. */
                gboolean job = chance(f, 60);
                g_autofree char *path = job ? pick_job_path(f) : g_strdup(SLUICE_MANAGER_PATH);
                GDBusInterfaceInfo *info = (job ? f->job_xml : f->manager_xml)->interfaces[0];
                const char *iface = chance(f, 90) ? info->name : (chance(f, 50) ? "" : "org.nosuch");
                guint np = 0;
                const char *prop;

                while (info->properties[np])
                        np++;
                prop = chance(f, 90) ? info->properties[rnd(f, np)]->name : "Bogus";
                switch (rnd(f, 3)) {
                case 0:
                        send_call(f, ci, path, "org.freedesktop.DBus.Properties", "Get",
                                  g_variant_new("(ss)", iface, prop), G_VARIANT_TYPE("(v)"), NULL, FALSE);
                        break;
                case 1:
                        send_call(f, ci, path, "org.freedesktop.DBus.Properties", "GetAll",
                                  g_variant_new("(s)", iface), G_VARIANT_TYPE("(a{sv})"), NULL, FALSE);
                        break;
                default:
                        /* Every property is read-only: Set never succeeds. */
                        send_call(f, ci, path, "org.freedesktop.DBus.Properties", "Set",
                                  g_variant_new("(ssv)", iface, prop, gen_value(f, 1)), NULL, NULL, TRUE);
                        break;
                }
        } else if (what < 95) {
                /* The standard interfaces, on the manager, a job or elsewhere. */
                static const char *const std[][2] = {
                        { "org.freedesktop.DBus.Introspectable", "Introspect" },
                        { "org.freedesktop.DBus.ObjectManager", "GetManagedObjects" },
                        { "org.freedesktop.DBus.Peer", "Ping" },
                        { "org.freedesktop.DBus.Peer", "GetMachineId" },
                };
                guint k = rnd(f, G_N_ELEMENTS(std));
                g_autofree char *path = chance(f, 50) ? g_strdup(SLUICE_MANAGER_PATH) : pick_job_path(f);

                send_call(f, ci, path, std[k][0], std[k][1], chance(f, 90) ? NULL : g_variant_new("(s)", "x"),
                          std_reply_type(std[k][0], std[k][1]), NULL, FALSE);
        } else if (what < 99 || chance(f, 70)) {
                /* Methods and interfaces that do not exist (the rest: 0.3%). */
                static const char *const ifaces[] = { SLUICE_MANAGER_IFACE, SLUICE_JOB_IFACE, "org.sluice.Nope",
                                                      "org.freedesktop.DBus.Properties" };
                static const char *const methods[] = { "Nope", "submit", "Set", "Introspect", "Cancel" };
                g_autofree char *path = chance(f, 50) ? g_strdup(SLUICE_MANAGER_PATH) : pick_job_path(f);

                send_call(f, ci, path, ifaces[rnd(f, G_N_ELEMENTS(ifaces))], methods[rnd(f, G_N_ELEMENTS(methods))],
                          chance(f, 50) ? NULL : g_variant_new_tuple((GVariant *[]) { gen_value(f, 0) }, 1), NULL,
                          NULL, FALSE);
        } else {
                /* The holder vanishes with calls in flight (0.3% of the stream). */
                conn_recycle(f, ci);
        }
}

/* ---- checks -------------------------------------------------------- */

static void assert_alive(Fuzz *f) {
        int status;
        pid_t r = waitpid(f->h->pid, &status, WNOHANG);

        if (r == f->h->pid) {
                f->h->pid = 0;
                g_error("fuzz-bus-api (seed %u): sluiced died after %" PRIu64 " calls (%s %d)", f->seed, f->calls,
                        WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) :
                                                                                  WTERMSIG(status));
        }
}

static gboolean ordinary_calls_done(BusHarness *h, gconstpointer data) {
        const Fuzz *f = data;

        for (guint i = 0; i < NCONN; i++)
                if (f->conns[i].inflight > 0)
                        return FALSE;
        return TRUE;
}

static gboolean all_calls_done(BusHarness *h, gconstpointer data) {
        const Fuzz *f = data;

        for (guint i = 0; i < NCONN; i++)
                if (f->conns[i].inflight > 0 || f->conns[i].longpolls > 0)
                        return FALSE;
        return TRUE;
}

static GVariant *sync_call(Fuzz *f, const char *path, const char *iface, const char *method, GVariant *args) {
        g_autoptr(GError) error = NULL;
        GVariant *r = bus_call(f->h, NULL, path, iface, method, args, &error);

        if (!r)
                g_error("fuzz-bus-api (seed %u): checkpoint %s.%s on %s: %s", f->seed, iface, method, path,
                        error->message);
        return r;
}

static void read_counts(Fuzz *f, guint32 *queued, guint32 *running) {
        *queued = bus_manager_get_u(f->h, "QueuedJobs");
        *running = bus_manager_get_u(f->h, "RunningJobs");
}

/* One consistent view, or FALSE when the counts moved while it was read. */
static gboolean check_once(Fuzz *f, Conn *observer) {
        g_autoptr(GVariant) objects = NULL, list = NULL;
        g_autoptr(GHashTable) bus_states = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autoptr(GVariantIter) it = NULL;
        guint32 q1, r1, q2, r2, oq = 0, orun = 0, lq = 0, lrun = 0;
        GVariant *ifaces;
        const char *path;
        GHashTableIter hi;
        gpointer key, value;

        read_counts(f, &q1, &r1);
        objects = sync_call(f, SLUICE_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL);
        list = sync_call(f, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                         g_variant_new("(@a{sv})", g_variant_new("a{sv}", NULL)));
        read_counts(f, &q2, &r2);
        if (q1 != q2 || r1 != r2)
                return FALSE;

        g_variant_get(objects, "(a{oa{sa{sv}}})", &it);
        while (g_variant_iter_next(it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
                g_autoptr(GVariant) props = g_variant_lookup_value(ifaces, SLUICE_JOB_IFACE, G_VARIANT_TYPE_VARDICT);
                const char *state;

                g_variant_unref(ifaces);
                if (!props || !g_variant_lookup(props, "State", "&s", &state))
                        g_error("fuzz-bus-api (seed %u): managed object %s has no Job State", f->seed, path);
                saw_job_properties(f, observer, path, props);
                oq += g_str_equal(state, "queued");
                orun += g_str_equal(state, "running");
                g_hash_table_insert(bus_states, g_strdup(path), g_strdup(state));
        }
        g_clear_pointer(&it, g_variant_iter_free);

        g_variant_get(list, "(a(tsssiuto))", &it);
        {
                const char *klass, *state, *result, *p;
                guint64 id, submitted;
                gint32 prio;
                guint32 owner;

                while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &klass, &state, &result, &prio, &owner,
                                           &submitted, &p)) {
                        const char *on_bus = g_hash_table_lookup(bus_states, p);

                        lq += g_str_equal(state, "queued");
                        lrun += g_str_equal(state, "running");
                        /* Finished jobs may leave the bus in between; unfinished ones may not. */
                        if (!g_str_equal(state, "done") && g_strcmp0(on_bus, state) != 0)
                                g_error("fuzz-bus-api (seed %u): ListJobs says job %" PRIu64 " is %s, "
                                        "GetManagedObjects %s", f->seed, id, state, on_bus ? on_bus : "absent");
                }
        }
        if (oq != q1 || orun != r1 || lq != q1 || lrun != r1)
                g_error("fuzz-bus-api (seed %u): QueuedJobs=%u RunningJobs=%u, GetManagedObjects has %u/%u, "
                        "ListJobs %u/%u", f->seed, q1, r1, oq, orun, lq, lrun);

        /* Every job a creation returned is on the bus or in the history. */
        g_hash_table_iter_init(&hi, f->jobs);
        while (g_hash_table_iter_next(&hi, &key, &value)) {
                g_autoptr(GVariant) rec = NULL, dict = NULL;
                g_autoptr(GError) error = NULL;
                const char *klass, *state;

                if (g_hash_table_contains(bus_states, key))
                        continue;
                rec = bus_call(f->h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJobRecord",
                               g_variant_new("(t)", bus_job_id(key)), &error);
                if (!rec && f->history_capped && g_dbus_error_is_remote_error(error)) {
                        g_autofree char *name = g_dbus_error_get_remote_error(error);

                        if (g_str_equal(name, SLUICE_BUS_ERROR_NO_SUCH_JOB)) {
                                f->pruned_seen++;
                                continue;
                        }
                }
                if (!rec)
                        g_error("fuzz-bus-api (seed %u): %s (class %s) was handed out, is not on the bus, and "
                                "GetJobRecord says: %s", f->seed, (char *) key, (char *) value, error->message);
                dict = g_variant_get_child_value(rec, 0);
                if (!g_variant_lookup(dict, "Class", "&s", &klass) ||
                    (*(char *) value && !g_str_equal(klass, value)))
                        g_error("fuzz-bus-api (seed %u): the record of %s is not of class %s", f->seed,
                                (char *) key, (char *) value);
                if (g_variant_lookup(dict, "State", "&s", &state))
                        saw_state(f, observer, key, state);
        }
        return TRUE;
}

static void checkpoint(Fuzz *f, Conn *observer) {
        assert_alive(f);
        bus_harness_wait_for(f->h, ordinary_calls_done, f, "every ordinary call to be answered");
        assert_alive(f);
        for (guint i = 0; i < 50; i++)
                if (check_once(f, observer)) {
                        f->checkpoints++;
                        return;
                }
        g_error("fuzz-bus-api (seed %u): the job counts never held still for one check", f->seed);
}

/* End every job so that each long poll gets its answer. */
static void cancel_everything(Fuzz *f) {
        g_autoptr(GVariant) paused = NULL;
        g_autoptr(GVariant) list = NULL;
        g_autoptr(GVariantIter) it = NULL;
        const char *scope;
        guint64 id;

        paused = bus_get_property(f->h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");
        it = g_variant_iter_new(paused);
        while (g_variant_iter_next(it, "&s", &scope)) {
                g_autoptr(GVariant) r = sync_call(f, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Resume",
                                                  g_variant_new("(s)", scope));
        }
        g_clear_pointer(&it, g_variant_iter_free);

        list = sync_call(f, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                         g_variant_new_parsed("({'states': <['queued', 'running']>},)"));
        g_variant_get(list, "(a(tsssiuto))", &it);
        while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) r = bus_call(f->h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                                                 g_variant_new("(t)", id), &error);
                g_autofree char *name = error ? g_dbus_error_get_remote_error(error) : NULL;

                /* It may have ended meanwhile. */
                if (error && g_strcmp0(name, "org.sluice.Error.InvalidState") != 0 &&
                    g_strcmp0(name, "org.sluice.Error.NoSuchJob") != 0)
                        g_error("fuzz-bus-api (seed %u): CancelJob(%" PRIu64 ") at the end: %s", f->seed, id,
                                error->message);
        }
}

static gboolean no_unfinished_job(BusHarness *h, gconstpointer data) {
        return bus_manager_get_u(h, "QueuedJobs") == 0 && bus_manager_get_u(h, "RunningJobs") == 0;
}

static void print_summary(Fuzz *f) {
        g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(f->errors), (GCompareFunc) strcmp);

        g_print("fuzz-bus-api: seed=%u calls=%" PRIu64 " foreign_calls=%" PRIu64 " foreign_refused=%" PRIu64
                " successes=%" PRIu64 " errors=%" PRIu64
                " local=%" PRIu64 " reconnects=%" PRIu64 " bus_disconnects=%" PRIu64 " checkpoints=%" PRIu64
                " jobs=%u pruned=%" PRIu64 " crashes=0\n",
                f->seed, f->calls, f->foreign_calls, f->foreign_refused, f->successes, f->remote_errors, f->local_errors, f->reconnects,
                f->bus_disconnects, f->checkpoints,
                g_hash_table_size(f->jobs), f->pruned_seen);
        for (GList *l = names; l; l = l->next) {
                g_autofree char *ex = g_strndup(g_hash_table_lookup(f->examples, l->data), 160);

                g_print("fuzz-bus-api: error %s %u e.g. \"%s\"\n", (char *) l->data,
                        GPOINTER_TO_UINT(g_hash_table_lookup(f->errors, l->data)), g_strdelimit(ex, "\n", ' '));
        }
}

/* ---- the private bus ---------------------------------------------- */

/*
 * Not GTestDBus: its bus admits only its own uid, and the fuzzer wants a
 * caller of another uid: bus_harness_new_open_bus(), a dbus-daemon that
 * admits every user and has the system bus's limits (128 pending replies,
 * 512 match rules a connection).  On a sanitized build, as tools/test.sh: a
 * report ends sluiced (unless the environment already says otherwise), and
 * bus_harness_free() then fails the test (sluiced must exit 0 on SIGTERM).
 */
static BusHarness *fuzz_bus_up(const char *config) {
        const char *env[3] = {}, **e = env;

        if (!g_getenv("UBSAN_OPTIONS"))
                *e++ = "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1";
        if (!g_getenv("ASAN_OPTIONS"))
                *e++ = "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1";
        return bus_harness_new_open_bus(config, env);
}

static GDBusNodeInfo *load_xml(const char *file) {
        const char *dir = g_getenv("SLUICE_DBUS_DIR");
        g_autofree char *path = NULL, *text = NULL;
        g_autoptr(GError) error = NULL;
        GDBusNodeInfo *node;

        if (!dir)
                g_error("$SLUICE_DBUS_DIR is not set: run through meson test");
        path = g_build_filename(dir, file, NULL);
        g_file_get_contents(path, &text, NULL, &error);
        g_assert_no_error(error);
        node = g_dbus_node_info_new_for_xml(text, &error);
        g_assert_no_error(error);
        return node;
}

static void index_reply_types(GDBusNodeInfo *xml) {
        GDBusInterfaceInfo *iface = xml->interfaces[0];

        for (guint i = 0; iface->methods[i]; i++)
                g_hash_table_insert(reply_types, g_strdup_printf("%s.%s", iface->name, iface->methods[i]->name),
                                    out_type(iface->methods[i]));
}

static void test_fuzz(void) {
        const char *seed_env = g_getenv("SEED"), *calls_env = g_getenv("FUZZ_CALLS");
        guint64 ncalls = calls_env ? g_ascii_strtoull(calls_env, NULL, 10) : DEFAULT_CALLS;
        BusHarness *h = NULL;
        Fuzz fz = {}, *f = &fz;
        Conn observer = {};

        f->seed = seed_env ? (guint32) g_ascii_strtoull(seed_env, NULL, 10) : (guint32) g_get_real_time();
        g_print("fuzz-bus-api: SEED=%u FUZZ_CALLS=%" PRIu64 " (replay with these in the environment)\n", f->seed,
                ncalls);
        f->rand = g_rand_new_with_seed(f->seed);
        f->manager_xml = load_xml("org.sluice.Scheduler1.xml");
        f->job_xml = load_xml("org.sluice.Scheduler1.Job.xml");
        reply_types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_type_free);
        index_reply_types(f->manager_xml);
        index_reply_types(f->job_xml);
        f->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        f->errors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        f->examples = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        observer.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

        h = fuzz_bus_up(fuzz_config);
        f->h = h;
        f->foreign = geteuid() == 0;
        if (!f->foreign)
                g_print("fuzz-bus-api: not root: connection %u is of the test's uid too, no call of another uid\n",
                        FOREIGN);
        for (guint i = 0; i < NCONN; i++)
                conn_open(f, i);

        while (f->calls < ncalls) {
                guint ci;

                /* Block while any connection has its window full: the
                 * stream must not depend on which one it is. */
                for (;;) {
                        gboolean full = FALSE;

                        for (ci = 0; ci < NCONN; ci++)
                                full |= f->conns[ci].inflight >= WINDOW;
                        if (!full)
                                break;
                        g_main_context_iteration(NULL, TRUE);
                }
                bus_harness_flush();

                for (ci = 0; ci < NCONN; ci++)
                        if (f->conns[ci].sent >= RECYCLE_EVERY)
                                conn_recycle(f, ci);

                send_one(f);
                if (f->calls >= (f->checkpoints + 1) * CHECK_EVERY)
                        checkpoint(f, &observer);
        }

        checkpoint(f, &observer);
        cancel_everything(f);
        bus_harness_wait_for(h, all_calls_done, f, "every call, long polls too, to be answered");
        bus_harness_wait_for(h, no_unfinished_job, NULL, "no job queued or running");
        checkpoint(f, &observer);
        print_summary(f);

        for (guint i = 0; i < NCONN; i++) {
                g_dbus_connection_close_sync(f->conns[i].conn, NULL, NULL);
                g_clear_object(&f->conns[i].conn);
                g_clear_pointer(&f->conns[i].seen, g_hash_table_unref);
                g_clear_pointer(&f->conns[i].last_call, g_free);
        }
        bus_harness_flush();
        g_hash_table_unref(observer.seen);
        g_hash_table_unref(f->jobs);
        g_hash_table_unref(f->errors);
        g_hash_table_unref(f->examples);
        g_hash_table_unref(reply_types);
        g_dbus_node_info_unref(f->manager_xml);
        g_dbus_node_info_unref(f->job_xml);
        g_rand_free(f->rand);
        bus_harness_free(h);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/bus/fuzz/api", test_fuzz);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * killed-holders --address=A --sluicectl=PATH [--rounds=N] [--baseline=M] [--class=NAME]
 *
 * The long run of issue 10: lease holders killed one after the other, and
 * how long the next waiter waits for the slot.  Run by
 * tests/bench/killed-holders.sh, which starts the private bus and sluiced.
 *
 * CLASS has MaxRunning=1.  Each round: the holder is a
 * `sluicectl run --class=CLASS -- sleep 86400` in a process group of its
 * own, a second one waits behind it (its job is queued: JobNew seen); then
 * the holder is killed and the time from kill() to the waiter's
 * JobChanged(running) on this program's own connection is one hand-over.
 * Odd rounds SIGKILL sluicectl alone (a crash: the command it ran is left
 * behind unless sluicectl guards it); even rounds send SIGINT to the whole
 * process group, as Ctrl+C in a terminal does.  A waiter not granted within
 * DEADLINE is a failure: the slot was not freed.
 *
 * Also reported: the time from kill() to the killed holder's own
 * JobChanged(done), the part of a hand-over spent before sluiced frees the
 * slot.
 *
 * The baseline, measured the same way in the same run (M rounds before the
 * kills and M after): this program holds the lease on one connection, waits
 * on another, and the clock runs from sending Release("success") to the
 * waiter's JobChanged(running).
 *
 * Also counted: the result each killed holder's job ended with, and the
 * commands (sleep) still alive 0.25 s after their sluicectl was SIGKILLed.
 * This program is a child subreaper, so such orphans are reaped here and
 * killed at the end of their round.
 */
#include <errno.h>
#include <getopt.h>
#include <gio/gio.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice-bus-names.h"

/* Not a measurement bound: a waiter still waiting after this is a failure. */
#define DEADLINE_USEC (10 * G_USEC_PER_SEC)
#define ORPHAN_GRACE_USEC (G_USEC_PER_SEC / 4)

typedef struct JobSeen {
        gint64 running_at;              /* monotonic usec of JobChanged(running), 0: not yet */
        char *result;                   /* of JobChanged(done), NULL: not yet */
        gint64 done_at;                 /* monotonic usec of JobChanged(done) */
} JobSeen;

typedef struct Bench {
        const char *address, *sluicectl, *klass;
        GDBusConnection *observer;
        GHashTable *jobs;               /* id (guint64*) -> JobSeen* */
        guint64 last_new;               /* id of the latest JobNew of klass */
        GHashTable *results;            /* result -> count */
        guint orphans, kill9_rounds;
} Bench;

typedef struct Holder {
        GPid pid;                       /* sluicectl, leader of its own process group */
        guint64 job;
} Holder;

static void job_seen_free(JobSeen *s) {
        g_free(s->result);
        g_free(s);
}

static JobSeen *job_seen(Bench *b, guint64 id) {
        JobSeen *s = g_hash_table_lookup(b->jobs, &id);

        if (!s) {
                s = g_new0(JobSeen, 1);
                g_hash_table_insert(b->jobs, g_memdup2(&id, sizeof id), s);
        }
        return s;
}

static void on_signal(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                      const char *member, GVariant *params, gpointer userdata) {
        gint64 now = g_get_monotonic_time();
        Bench *b = userdata;

        if (g_str_equal(member, "JobNew")) {
                const char *klass;
                guint64 id;

                g_variant_get(params, "(t&o&s)", &id, NULL, &klass);
                if (g_str_equal(klass, b->klass))
                        b->last_new = MAX(b->last_new, id);
                (void) job_seen(b, id);
        } else if (g_str_equal(member, "JobChanged")) {
                const char *state, *result;
                JobSeen *s;
                guint64 id;

                g_variant_get(params, "(t&o&s&s)", &id, NULL, &state, &result);
                s = job_seen(b, id);
                if (g_str_equal(state, "running") && s->running_at == 0)
                        s->running_at = now;
                else if (g_str_equal(state, "done") && !s->result) {
                        s->result = g_strdup(result);
                        s->done_at = now;
                }
        }
}

typedef gboolean (*Cond)(Bench *b, gconstpointer data);

static gboolean wake_up(gpointer data) {
        return G_SOURCE_REMOVE;
}

/* Iterate until cond holds; FALSE after DEADLINE_USEC.  Blocks in poll()
 * between events, so a signal is timestamped as soon as it arrives. */
static gboolean wait_for(Bench *b, Cond cond, gconstpointer data) {
        gint64 deadline = g_get_monotonic_time() + DEADLINE_USEC;

        while (!cond(b, data)) {
                g_autoptr(GSource) tick = NULL;

                if (g_get_monotonic_time() > deadline)
                        return FALSE;
                tick = g_timeout_source_new(100);       /* to look at the deadline */
                g_source_set_callback(tick, wake_up, NULL, NULL);
                g_source_attach(tick, NULL);
                g_main_context_iteration(NULL, TRUE);
                g_source_destroy(tick);
        }
        return TRUE;
}

static gboolean new_job_after(Bench *b, gconstpointer data) {
        return b->last_new > *(const guint64 *) data;
}

static gboolean job_running(Bench *b, gconstpointer data) {
        return job_seen(b, *(const guint64 *) data)->running_at != 0;
}

static gboolean job_done(Bench *b, gconstpointer data) {
        return job_seen(b, *(const guint64 *) data)->result != NULL;
}

/* For a job granted at once, when no JobChanged(running) may come: read State. */
static gboolean job_state_running(Bench *b, gconstpointer data) {
        g_autofree char *path = g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" PRIu64, *(const guint64 *) data);
        g_autoptr(GVariant) r = NULL, v = NULL;

        r = g_dbus_connection_call_sync(b->observer, SLUICE_BUS_NAME, path, "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new("(ss)", SLUICE_JOB_IFACE, "State"), G_VARIANT_TYPE("(v)"),
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        if (!r)
                return FALSE;
        g_variant_get(r, "(v)", &v);
        return g_str_equal(g_variant_get_string(v, NULL), "running");
}

/* The process groups of the holders alive, killed if the bench exits early. */
static GPid live_groups[2];

static void kill_live_groups(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(live_groups); i++)
                if (live_groups[i] > 0)
                        (void) kill(-live_groups[i], SIGKILL);
}

static void track_group(GPid pgid, gboolean alive) {
        for (size_t i = 0; i < G_N_ELEMENTS(live_groups); i++)
                if (alive ? live_groups[i] == 0 : live_groups[i] == pgid) {
                        live_groups[i] = alive ? pgid : 0;
                        return;
                }
}

static void child_setup(gpointer data) {
        (void) setpgid(0, 0);
}

/* Start a `sluicectl run` and wait until its job is known (queued or granted). */
static gboolean spawn_holder(Bench *b, Holder *h) {
        g_autofree char *bus = g_strdup_printf("--bus-address=%s", b->address);
        g_autofree char *klass = g_strdup_printf("--class=%s", b->klass);
        char *argv[] = { (char *) b->sluicectl, bus, (char *) "run", klass, (char *) "--", (char *) "sleep",
                         (char *) "86400", NULL };
        g_autoptr(GError) error = NULL;
        guint64 before = b->last_new;

        if (!g_spawn_async(NULL, argv, NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                           child_setup, NULL, &h->pid, &error)) {
                fprintf(stderr, "killed-holders: %s: %s\n", b->sluicectl, error->message);
                exit(1);
        }
        track_group(h->pid, TRUE);
        if (!wait_for(b, new_job_after, &before))
                return FALSE;
        h->job = b->last_new;
        return TRUE;
}

/* Reap what is left of a holder's process group; count a command that
 * outlived its SIGKILLed sluicectl by ORPHAN_GRACE_USEC; kill the rest. */
static void finish_group(Bench *b, GPid pgid, gboolean count_orphan) {
        gint64 deadline = g_get_monotonic_time() + ORPHAN_GRACE_USEC;
        int status;

        track_group(pgid, FALSE);
        for (;;) {
                while (waitpid(-pgid, &status, WNOHANG) > 0)
                        ;
                if (kill(-pgid, 0) < 0 && errno == ESRCH)
                        return;
                if (g_get_monotonic_time() > deadline)
                        break;
                g_usleep(1000);
        }
        if (count_orphan)
                b->orphans++;
        (void) kill(-pgid, SIGKILL);
        while (waitpid(-pgid, &status, 0) > 0)
                ;
}

static int cmp_i64(const void *a, const void *b) {
        gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

        return x < y ? -1 : x > y;
}

static void report(const char *what, GArray *samples, guint failures) {
        gint64 *v = (gint64 *) (void *) samples->data;
        guint n = samples->len;

        if (n == 0) {
                printf("%-36s n=0 failures=%u\n", what, failures);
                return;
        }
        qsort(v, n, sizeof *v, cmp_i64);
        printf("%-36s n=%u failures=%u median=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms\n", what, n, failures,
               v[(n - 1) / 2] / 1000.0, v[(n * 90 - 1) / 100] / 1000.0, v[(n * 99 - 1) / 100] / 1000.0,
               v[n - 1] / 1000.0);
}

static GDBusConnection *connect_bus(const char *address) {
        g_autoptr(GError) error = NULL;
        GDBusConnection *c = g_dbus_connection_new_for_address_sync(
                address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, &error);

        if (!c) {
                fprintf(stderr, "killed-holders: connect %s: %s\n", address, error->message);
                exit(1);
        }
        return c;
}

typedef struct Pending {
        gboolean done;
        GVariant *reply;
        GError *error;
} Pending;

static void on_reply(GObject *src, GAsyncResult *res, gpointer data) {
        Pending *p = data;

        p->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &p->error);
        p->done = TRUE;
}

static gboolean pending_done(Bench *b, gconstpointer data) {
        return ((const Pending *) data)->done;
}

static char *reply_path(Pending *p) {
        char *path;

        if (!p->reply) {
                fprintf(stderr, "killed-holders: Acquire: %s\n", p->error ? p->error->message : "no reply");
                exit(1);
        }
        g_variant_get(p->reply, "(o)", &path);
        g_variant_unref(p->reply);
        return path;
}

/* The baseline: hand-over after a clean Release, between two connections of ours. */
static void baseline(Bench *b, guint rounds, GArray *samples, guint *failures) {
        GDBusConnection *c[2] = { connect_bus(b->address), connect_bus(b->address) };
        Pending first = {};
        g_autofree char *held = NULL;
        guint holder = 0;

        g_dbus_connection_call(c[0], SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                               g_variant_new("(s@a{sv})", b->klass, g_variant_new("a{sv}", NULL)),
                               G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, on_reply, &first);
        if (!wait_for(b, pending_done, &first)) {
                fprintf(stderr, "killed-holders: the baseline's first Acquire was not granted\n");
                exit(1);
        }
        held = reply_path(&first);

        for (guint i = 0; i < rounds; i++) {
                Pending wait = {}, rel = {};
                guint64 before = b->last_new, waiter;
                gint64 t0;

                g_dbus_connection_call(c[!holder], SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                       g_variant_new("(s@a{sv})", b->klass, g_variant_new("a{sv}", NULL)),
                                       G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, on_reply,
                                       &wait);
                if (!wait_for(b, new_job_after, &before)) {
                        fprintf(stderr, "killed-holders: no JobNew for the baseline's waiter\n");
                        exit(1);
                }
                waiter = b->last_new;

                t0 = g_get_monotonic_time();
                g_dbus_connection_call(c[holder], SLUICE_BUS_NAME, held, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", "success"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, on_reply, &rel);
                if (!wait_for(b, job_running, &waiter)) {
                        (*failures)++;
                        fprintf(stderr, "killed-holders: baseline round %u: job %" PRIu64 " not granted\n", i,
                                waiter);
                        exit(1);
                }
                g_array_append_val(samples, (gint64) { job_seen(b, waiter)->running_at - t0 });
                if (!wait_for(b, pending_done, &rel) || !wait_for(b, pending_done, &wait)) {
                        fprintf(stderr, "killed-holders: baseline round %u: no reply\n", i);
                        exit(1);
                }
                if (rel.reply)
                        g_variant_unref(rel.reply);
                if (rel.error) {
                        fprintf(stderr, "killed-holders: Release: %s\n", rel.error->message);
                        exit(1);
                }
                g_free(held);
                held = reply_path(&wait);
                holder = !holder;
        }

        {
                Pending rel = {};

                g_dbus_connection_call(c[holder], SLUICE_BUS_NAME, held, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", "success"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, on_reply, &rel);
                (void) wait_for(b, pending_done, &rel);
                if (rel.reply)
                        g_variant_unref(rel.reply);
                g_clear_error(&rel.error);
        }
        for (guint i = 0; i < 2; i++) {
                g_dbus_connection_close_sync(c[i], NULL, NULL);
                g_object_unref(c[i]);
        }
}

static void count_result(Bench *b, const char *sig, const char *result) {
        g_autofree char *key = g_strdup_printf("%s: %s", sig, result ? result : "(no result within the deadline)");

        g_hash_table_insert(b->results, g_strdup(key),
                            GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(b->results, key)) + 1));
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "address", required_argument, NULL, 'a' },  { "sluicectl", required_argument, NULL, 's' },
                { "rounds", required_argument, NULL, 'n' },   { "baseline", required_argument, NULL, 'b' },
                { "class", required_argument, NULL, 'c' },    {},
        };
        Bench bench = { .klass = "held" }, *b = &bench;
        guint rounds = 1000, base_rounds = 200, fail_kill9 = 0, fail_int = 0, fail_base = 0;
        g_autoptr(GArray) kill9 = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) sigint = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) base = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) ended9 = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) ended_int = g_array_new(FALSE, FALSE, sizeof(gint64));
        Holder holder = {};
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'a': b->address = optarg; break;
                case 's': b->sluicectl = optarg; break;
                case 'n': rounds = (guint) strtoul(optarg, NULL, 10); break;
                case 'b': base_rounds = (guint) strtoul(optarg, NULL, 10); break;
                case 'c': b->klass = optarg; break;
                default: return 2;
                }
        if (!b->address || !b->sluicectl) {
                fprintf(stderr, "usage: killed-holders --address=A --sluicectl=PATH [--rounds=N] [--baseline=M]\n");
                return 2;
        }
        atexit(kill_live_groups);
        /* Commands orphaned by a SIGKILLed sluicectl come to us, to be reaped. */
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1);

        b->jobs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) job_seen_free);
        b->results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        b->observer = connect_bus(b->address);
        g_dbus_connection_signal_subscribe(b->observer, SLUICE_BUS_NAME, SLUICE_MANAGER_IFACE, NULL, SLUICE_MANAGER_PATH, NULL,
                                           G_DBUS_SIGNAL_FLAGS_NONE, on_signal, b, NULL);
        /* A round trip, so the match rule is in place before anything happens. */
        g_variant_unref(g_dbus_connection_call_sync(b->observer, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                    "org.freedesktop.DBus", "GetId", NULL, NULL,
                                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL));

        baseline(b, base_rounds, base, &fail_base);

        if (!spawn_holder(b, &holder) || !wait_for(b, job_state_running, &holder.job)) {
                fprintf(stderr, "killed-holders: the first holder was not granted\n");
                return 1;
        }
        for (guint i = 0; i < rounds; i++) {
                gboolean hard = i % 2 == 0;
                const char *sig = hard ? "SIGKILL sluicectl" : "SIGINT process group";
                Holder next = {};
                gint64 t0;

                if (!spawn_holder(b, &next)) {
                        fprintf(stderr, "killed-holders: round %u: no JobNew for the waiter\n", i);
                        return 1;
                }
                t0 = g_get_monotonic_time();
                if (hard)
                        (void) kill(holder.pid, SIGKILL);
                else
                        (void) kill(-holder.pid, SIGINT);

                if (wait_for(b, job_running, &next.job))
                        g_array_append_val(hard ? kill9 : sigint,
                                           (gint64) { job_seen(b, next.job)->running_at - t0 });
                else {
                        fprintf(stderr, "killed-holders: round %u (%s): job %" PRIu64 " not granted within %d s: "
                                "slot not freed\n", i, sig, next.job, (int) (DEADLINE_USEC / G_USEC_PER_SEC));
                        if (hard)
                                fail_kill9++;
                        else
                                fail_int++;
                }
                if (wait_for(b, job_done, &holder.job))
                        g_array_append_val(hard ? ended9 : ended_int,
                                           (gint64) { job_seen(b, holder.job)->done_at - t0 });
                count_result(b, sig, job_seen(b, holder.job)->result);
                if (hard)
                        b->kill9_rounds++;
                finish_group(b, holder.pid, hard);
                g_spawn_close_pid(holder.pid);

                if (!job_seen(b, next.job)->running_at) {
                        /* Clean up this round: kill the waiter too, start afresh. */
                        (void) kill(-next.pid, SIGKILL);
                        finish_group(b, next.pid, FALSE);
                        if (!spawn_holder(b, &next) || !wait_for(b, job_state_running, &next.job)) {
                                fprintf(stderr, "killed-holders: no holder can be granted any more\n");
                                return 1;
                        }
                }
                holder = next;
        }
        (void) kill(-holder.pid, SIGINT);
        finish_group(b, holder.pid, FALSE);

        baseline(b, base_rounds, base, &fail_base);

        printf("killed-holders: %u rounds (%u SIGKILL of sluicectl, %u SIGINT to its process group as Ctrl+C), "
               "class %s MaxRunning=1, %u+%u baseline rounds\n", rounds, b->kill9_rounds, rounds - b->kill9_rounds,
               b->klass, base_rounds, base_rounds);
        report("hand-over after SIGKILL:", kill9, fail_kill9);
        report("hand-over after SIGINT (Ctrl+C):", sigint, fail_int);
        report("baseline, after Release():", base, fail_base);
        report("SIGKILL to the holder's job done:", ended9, 0);
        report("SIGINT to the holder's job done:", ended_int, 0);
        {
                g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(b->results), (GCompareFunc) strcmp);

                for (GList *l = keys; l; l = l->next)
                        printf("killed holder's job ended (%s) x%u\n", (char *) l->data,
                               GPOINTER_TO_UINT(g_hash_table_lookup(b->results, l->data)));
        }
        printf("commands alive 0.25 s after their sluicectl was SIGKILLed: %u of %u\n", b->orphans, b->kill9_rounds);

        g_dbus_connection_close_sync(b->observer, NULL, NULL);
        g_object_unref(b->observer);
        g_hash_table_unref(b->jobs);
        g_hash_table_unref(b->results);
        return fail_kill9 + fail_int + fail_base > 0 ? 1 : 0;
}

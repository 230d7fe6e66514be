/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Durable state: sluiced killed with SIGKILL (a crash) or stopped with
 * SIGTERM, then started again on the same state directory, gives back the
 * queue (same ids, priorities, order, states), the next id, the paused
 * scopes and the configuration overrides stored with persist=true.
 */
#include <signal.h>
#include <sys/wait.h>

#include "bus-harness.h"

static const char config[] =
        "[Scheduler]\n"
        "Discipline=priority\n"
        "AgingSec=0\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class work]\n"
        "Kind=lease\n"
        "MaxRunning=1\n";

static void manager_call_ok(BusHarness *h, const char *method, GVariant *params) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method, params, &error);

        g_assert_no_error(error);
}

static guint position_of(BusHarness *h, const char *job) {
        g_autoptr(GVariant) v = bus_get_property(h, job, SLUICE_JOB_IFACE, "Position");

        return g_variant_get_uint32(v);
}

/* ListJobs() as "id:state:priority" words, by id. */
static char *list_jobs(BusHarness *h) {
        g_autoptr(GError) error = NULL;
        g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                                         g_variant_new("(@a{sv})", g_variant_dict_end(&filter)), &error);
        g_autoptr(GVariantIter) it = NULL;
        GString *s = g_string_new(NULL);
        const char *cls, *state, *result, *path;
        guint64 id, submitted;
        gint32 prio;
        guint32 owner;

        g_assert_no_error(error);
        g_variant_get(r, "(a(tsssiuto))", &it);
        while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &cls, &state, &result, &prio, &owner, &submitted,
                                   &path))
                g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ":%s:%d", s->len ? " " : "", id, state, prio);
        return g_string_free(s, FALSE);
}

static void test_restart(gconstpointer data) {
        int sig = GPOINTER_TO_INT(data);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        const gint32 prios[] = { 0, 5, -3, 5, 10 };
        char *paths[G_N_ELEMENTS(prios)] = {};
        guint positions[G_N_ELEMENTS(prios)];
        g_auto(GVariantDict) settings = G_VARIANT_DICT_INIT(NULL);

        /* Everything paused: all five stay queued; one finished job for history. */
        g_autofree char *done = bus_submit(h, NULL, "work", NULL);
        bus_wait_job_state(h, done, "running");
        bus_release(h, NULL, done, "success");
        bus_wait_job_state(h, done, "done");
        manager_call_ok(h, "Pause", g_variant_new("(s)", ""));
        for (guint i = 0; i < G_N_ELEMENTS(prios); i++) {
                g_auto(GVariantDict) o = G_VARIANT_DICT_INIT(NULL);

                g_variant_dict_insert(&o, "priority", "i", prios[i]);
                paths[i] = bus_submit(h, NULL, "work", g_variant_dict_end(&o));
        }
        for (guint i = 0; i < G_N_ELEMENTS(prios); i++)
                positions[i] = position_of(h, paths[i]);
        g_variant_dict_insert(&settings, "MaxRunning", "s", "7");
        manager_call_ok(h, "UpdateConfig", g_variant_new("(s@a{sv}b)", "Scheduler", g_variant_dict_end(&settings), TRUE));
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_autofree char *before = list_jobs(h);
        g_assert_cmpstr(before, ==, "1:done:0 2:queued:0 3:queued:5 4:queued:-3 5:queued:5 6:queued:10");

        bus_harness_kill_daemon(h, sig);
        bus_harness_start_daemon(h);

        /* The queue as it was; finished jobs stay in the store's history, not on the bus. */
        g_autofree char *after = list_jobs(h);
        g_assert_cmpstr(after, ==, "2:queued:0 3:queued:5 4:queued:-3 5:queued:5 6:queued:10");
        for (guint i = 0; i < G_N_ELEMENTS(prios); i++)
                g_assert_cmpuint(position_of(h, paths[i]), ==, positions[i]);
        g_autoptr(GVariant) paused = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");
        g_assert_cmpuint(g_variant_n_children(paused), ==, 1);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);

        /* Ids go on where they stopped. */
        g_autofree char *next = bus_submit(h, NULL, "work", NULL);
        g_assert_cmpuint(bus_job_id(next), ==, 7);

        /* Resumed: highest priority first, as before the restart. */
        manager_call_ok(h, "Resume", g_variant_new("(s)", ""));
        bus_wait_job_state(h, paths[4], "running");

        /* Once more: the new job, the grant and the resume were stored too. */
        bus_harness_kill_daemon(h, sig);
        bus_harness_start_daemon(h);
        /* The granted lease's holder (our connection) is still on the bus: the
         * lease is still running and still ours; released, the next one in
         * order is granted (not paused any more). */
        bus_wait_job_state(h, paths[4], "running");
        g_autofree char *third = list_jobs(h);
        g_assert_cmpstr(third, ==, "2:queued:0 3:queued:5 4:queued:-3 5:queued:5 6:running:10 7:queued:0");
        bus_release(h, NULL, paths[4], "success");
        bus_wait_job_state(h, paths[1], "running");
        g_clear_pointer(&paused, g_variant_unref);
        paused = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");
        g_assert_cmpuint(g_variant_n_children(paused), ==, 0);
        for (guint i = 0; i < G_N_ELEMENTS(paths); i++)
                g_free(paths[i]);
}

/* A lease-holder process (tests/bus/lease-holder.c) granted a lease of @klass. */
typedef struct Holder {
        GPid pid;
        char *name;     /* its unique bus name */
        char *path;     /* its job */
} Holder;

static void holder_spawn(BusHarness *h, const char *klass, Holder *ret) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GIOChannel) out = NULL;
        g_autofree char *line = NULL;
        g_auto(GStrv) words = NULL;
        const char *helper = g_getenv("LEASE_HOLDER");
        const char *argv[] = { helper, h->address, klass, NULL };
        int out_fd;

        g_assert_nonnull(helper);
        g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &ret->pid,
                                 NULL, &out_fd, NULL, &error);
        g_assert_no_error(error);
        out = g_io_channel_unix_new(out_fd);
        g_io_channel_set_close_on_unref(out, TRUE);
        g_assert_cmpint(g_io_channel_read_line(out, &line, NULL, NULL, &error), ==, G_IO_STATUS_NORMAL);
        g_assert_no_error(error);
        g_strchomp(line);
        words = g_strsplit(line, " ", 2);
        g_assert_cmpuint(g_strv_length(words), ==, 2);
        ret->name = g_strdup(words[0]);
        ret->path = g_strdup(words[1]);
}

static gboolean name_gone(BusHarness *h, gconstpointer name) {
        return !bus_name_has_owner(h, name);
}

/* SIGKILL the holder, reap it, and wait until the bus has seen it go. */
static void holder_kill(BusHarness *h, Holder *holder) {
        int status;

        g_assert_cmpint(kill(holder->pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(holder->pid, &status, 0), ==, holder->pid);
        g_spawn_close_pid(holder->pid);
        holder->pid = 0;
        bus_harness_wait_for(h, name_gone, holder->name, "the lease holder to leave the bus");
}

static void holder_clear(Holder *holder) {
        g_free(holder->name);
        g_free(holder->path);
}

/* The job as ListJobs() reports it ("state:result"), NULL when it is not listed. */
static char *listed_job(BusHarness *h, guint64 want) {
        g_autoptr(GError) error = NULL;
        g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                                         g_variant_new("(@a{sv})", g_variant_dict_end(&filter)), &error);
        g_autoptr(GVariantIter) it = NULL;
        const char *cls, *state, *result, *path;
        guint64 id, submitted;
        gint32 prio;
        guint32 owner;

        g_assert_no_error(error);
        g_variant_get(r, "(a(tsssiuto))", &it);
        while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &cls, &state, &result, &prio, &owner, &submitted,
                                   &path))
                if (id == want)
                        return g_strdup_printf("%s:%s", state, result);
        return NULL;
}

/* The job is no longer live on the bus; when ListJobs() shows history, it ended abandoned. */
static void assert_ended_abandoned(BusHarness *h, guint64 id) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob",
                                         g_variant_new("(t)", id), &error);
        g_autofree char *listed = NULL;

        if (!error) {
                /* Still on the bus (KeepFinishedSec): it must be done, abandoned. */
                const char *path;
                g_autofree char *state = NULL, *result = NULL;

                g_variant_get(r, "(&o)", &path);
                state = bus_job_get_string(h, path, "State");
                result = bus_job_get_string(h, path, "Result");
                g_assert_cmpstr(state, ==, "done");
                g_assert_cmpstr(result, ==, "abandoned");
                return;
        }
        listed = listed_job(h, id);
        if (listed)
                g_assert_cmpstr(listed, ==, "done:abandoned");
}

/* A holder that survives sluiced keeps its running lease, bound to it again. */
static void test_holder_survives(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        Holder holder = {};
        g_autofree char *state = NULL, *result = NULL, *detail = NULL, *submitter = NULL;
        g_autofree char *waiting = NULL;

        holder_spawn(h, "work", &holder);
        bus_wait_job_state(h, holder.path, "running");
        /* Waits for the slot; its reply also means the grant is durable. */
        waiting = bus_submit(h, NULL, "work", NULL);

        bus_harness_kill_daemon(h, SIGKILL);
        bus_harness_start_daemon(h);

        state = bus_job_get_string(h, holder.path, "State");
        g_assert_cmpstr(state, ==, "running");
        submitter = bus_job_get_string(h, holder.path, "Submitter");
        g_assert_cmpstr(submitter, ==, holder.name);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);

        /* The slot is still taken: the next lease still waits for it. */
        g_assert_cmpuint(bus_job_id(waiting), ==, bus_job_id(holder.path) + 1);
        g_free(state);
        state = bus_job_get_string(h, waiting, "State");
        g_assert_cmpstr(state, ==, "queued");

        /* Bound again: the holder's departure ends it and frees the slot. */
        holder_kill(h, &holder);
        bus_wait_job_state(h, holder.path, "done");
        result = bus_job_get_string(h, holder.path, "Result");
        g_assert_cmpstr(result, ==, "abandoned");
        detail = bus_job_get_string(h, holder.path, "ResultDetail");
        g_assert_cmpstr(detail, ==, "holder vanished");
        bus_wait_job_state(h, waiting, "running");
        holder_clear(&holder);
}

/* A holder gone while sluiced was down loses its lease, running or queued. */
static void test_holder_gone(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        Holder holder = {};
        g_autoptr(GDBusConnection) other = bus_harness_connect(h);
        g_autofree char *queued = NULL, *mine = NULL, *state = NULL;

        holder_spawn(h, "work", &holder);
        bus_wait_job_state(h, holder.path, "running");
        queued = bus_submit(h, other, "work", NULL);    /* queued behind it, bound to other */
        mine = bus_submit(h, NULL, "work", NULL);       /* queued, bound to our connection */

        bus_harness_kill_daemon(h, SIGKILL);
        holder_kill(h, &holder);
        g_dbus_connection_close_sync(other, NULL, NULL);
        bus_harness_start_daemon(h);

        assert_ended_abandoned(h, bus_job_id(holder.path));
        assert_ended_abandoned(h, bus_job_id(queued));
        /* Both slots' claimants gone: ours, queued behind them, is granted. */
        bus_wait_job_state(h, mine, "running");
        state = bus_job_get_string(h, mine, "State");
        g_assert_cmpstr(state, ==, "running");
        holder_clear(&holder);
}

static gboolean one_queued(BusHarness *h, gconstpointer data) {
        return bus_manager_get_u(h, "QueuedJobs") == 1;
}

/*
 * A queued Acquire() from a connection that stays: the call fails with the
 * old sluiced, the lease stays queued and bound, and is granted in its turn.
 */
static void test_queued_acquire(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GDBusConnection) other = bus_harness_connect(h);
        g_autoptr(BusPending) pending = NULL;
        g_autofree char *first = bus_submit(h, NULL, "work", NULL);
        g_autofree char *path = NULL, *state = NULL, *result = NULL, *third = NULL;

        bus_wait_job_state(h, first, "running");
        pending = bus_call_async(h, other, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                 g_variant_new("(s@a{sv})", "work", g_variant_new("a{sv}", NULL)));
        path = g_strdup_printf(SLUICE_JOB_PATH_PREFIX "%" G_GUINT64_FORMAT, bus_job_id(first) + 1);
        /* Another connection: wait until sluiced has queued it. */
        bus_harness_wait_for(h, one_queued, NULL, "the second Acquire() to be queued");
        /* Its state is committed with this Submit's at the latest (replied once durable). */
        third = bus_submit(h, NULL, "work", NULL);

        bus_harness_kill_daemon(h, SIGKILL);
        bus_harness_wait_pending(h, pending, "the pending Acquire() to fail with the old sluiced");
        g_assert_null(pending->reply);
        g_assert_nonnull(pending->error);
        bus_harness_start_daemon(h);

        state = bus_job_get_string(h, path, "State");
        g_assert_cmpstr(state, ==, "queued");
        bus_release(h, NULL, first, "success");
        bus_wait_job_state(h, path, "running");

        /* Bound to `other` again: closing it ends the lease. */
        g_dbus_connection_close_sync(other, NULL, NULL);
        bus_wait_job_state(h, path, "done");
        result = bus_job_get_string(h, path, "Result");
        g_assert_cmpstr(result, ==, "abandoned");
        bus_wait_job_state(h, third, "running");
}

/*
 * A granted lease is durable before its holder hears of it: kill sluiced the
 * moment the Acquire() reply arrives, and the lease comes back running (its
 * holder is still connected), not queued for someone else to take first.
 * (The reply waits for the commit by construction, lease_answer_grants();
 * a reply sent before an fsync that takes well under a millisecond here
 * would pass too, so this guards the grant being committed at all.)
 */
static void test_grant_durable(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GDBusConnection) other = bus_harness_connect(h);
        g_autoptr(BusPending) pending = NULL;
        g_autofree char *first = bus_submit(h, NULL, "work", NULL);
        g_autofree char *path = NULL, *state = NULL;
        const char *granted;

        bus_wait_job_state(h, first, "running");
        pending = bus_call_async(h, other, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                 g_variant_new("(s@a{sv})", "work", g_variant_new("a{sv}", NULL)));
        bus_harness_wait_for(h, one_queued, NULL, "the second Acquire() to be queued");
        bus_release(h, NULL, first, "success");
        bus_harness_wait_pending(h, pending, "the second Acquire() to be granted");
        g_assert_no_error(pending->error);
        bus_harness_kill_daemon(h, SIGKILL);

        g_variant_get(pending->reply, "(&o)", &granted);
        path = g_strdup(granted);
        bus_harness_start_daemon(h);
        state = bus_job_get_string(h, path, "State");
        g_assert_cmpstr(state, ==, "running");
}

static guint64 lease_expires_at(BusHarness *h, const char *path) {
        g_autoptr(GVariant) v = bus_get_property(h, path, SLUICE_JOB_IFACE, "LeaseExpiresAt");

        return g_variant_get_uint64(v);
}

/* A granted detached lease needs no holder and keeps its TTL's wall-clock end. */
static void test_detached_ttl(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GDBusConnection) other = bus_harness_connect(h);
        g_auto(GVariantDict) o = G_VARIANT_DICT_INIT(NULL);
        g_autofree char *path = NULL, *state = NULL, *waiting = NULL;
        guint64 before, after;

        g_variant_dict_insert(&o, "ttl-sec", "t", (guint64) 3600);
        path = bus_acquire(h, other, "work", g_variant_dict_end(&o));
        before = lease_expires_at(h, path);
        g_assert_cmpuint(before, >, 0);
        g_dbus_connection_close_sync(other, NULL, NULL);   /* detached: its acquirer may go */
        /* Waits for the slot; its reply also means the grant is durable. */
        waiting = bus_submit(h, NULL, "work", NULL);

        bus_harness_kill_daemon(h, SIGKILL);
        bus_harness_start_daemon(h);

        state = bus_job_get_string(h, path, "State");
        g_assert_cmpstr(state, ==, "running");
        after = lease_expires_at(h, path);
        g_assert_cmpuint(after, ==, before);
        bus_release(h, NULL, path, "success");
        bus_wait_job_state(h, path, "done");
        bus_wait_job_state(h, waiting, "running");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_data_func("/store/restart/sigkill", GINT_TO_POINTER(SIGKILL), test_restart);
        g_test_add_data_func("/store/restart/sigterm", GINT_TO_POINTER(SIGTERM), test_restart);
        g_test_add_func("/store/lease/holder-survives", test_holder_survives);
        g_test_add_func("/store/lease/holder-gone", test_holder_gone);
        g_test_add_func("/store/lease/queued-acquire", test_queued_acquire);
        g_test_add_func("/store/lease/detached-ttl", test_detached_ttl);
        g_test_add_func("/store/lease/grant-durable", test_grant_durable);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authorization through a mocked polkit: the real sluiced, started with
 * --no-root-bypass on the bus of a GtDBusQueue that plays
 * org.freedesktop.PolicyKit1.  Every CheckAuthorization sluiced sends is
 * popped here, its subject, action, details and flags checked, and answered
 * as the case needs: allowed, denied, challenge, or no polkit at all.
 *
 * The tests run as one uid with sluiced, so every caller here "owns" the
 * jobs it submitted; actions on somebody else's job are covered by the
 * system tests with real users.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "polkit-mock.h"

static const char config[] =
        "[Scheduler]\n"
        "Discipline=priority\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class backup]\n"
        "Kind=lease\n"
        "Priority=5\n"
        "MaxRunning=0\n"
        "\n"
        "[Class gc]\n"
        "Kind=lease\n"
        "MaxRunning=0\n";

static void setup(Fixture *f, gconstpointer data) {
        setup_common(f, TRUE, "sluice-polkit-test-XXXXXX", config);
}

static void setup_no_polkit(Fixture *f, gconstpointer data) {
        setup_common(f, FALSE, "sluice-polkit-test-XXXXXX", config);
}

static BusPending *submit_async(Fixture *f, GDBusConnection *conn, const char *klass, GDBusCallFlags flags) {
        return call_async(f, conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit",
                          g_variant_new("(sa{sv})", klass, NULL), flags);
}

/* Allowed: the call's effect happens once, after the answer, not before. */
static void test_allow(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_NONE);
        g_autoptr(Check) c = pop_check_for(f, p);
        const char *path;

        assert_check(c, f->unique_name, "org.sluice.submit", "backup");
        g_assert_cmpuint(c->flags, ==, 0);
        g_assert_cmpstr(c->cancellation_id, ==, "");
        g_assert_null(g_hash_table_lookup(c->details, "job"));

        /* Reading is open, and nothing was queued while polkit thinks. */
        g_assert_cmpuint(n_jobs(f), ==, 0);
        g_assert_false(p->done);

        answer(c, TRUE, FALSE);
        wait_reply(f, p, "Submit to be answered");
        g_assert_no_error(p->error);
        g_variant_get(p->reply, "(&o)", &path);
        g_assert_cmpstr(path, ==, SLUICE_JOB_PATH_PREFIX "1");
        g_assert_cmpuint(n_jobs(f), ==, 1);
}

static void test_deny(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = submit_async(f, NULL, "gc", G_DBUS_CALL_FLAGS_NONE);
        g_autoptr(Check) c = pop_check_for(f, p);

        assert_check(c, f->unique_name, "org.sluice.submit", "gc");
        answer(c, FALSE, FALSE);
        wait_reply(f, p, "Submit to be refused");
        bus_assert_error(p->error, "org.sluice.Error.NotPermitted",
                         "not permitted: org.sluice.submit for class gc", NULL);
        g_assert_cmpuint(n_jobs(f), ==, 0);
}

static void test_challenge_not_interactive(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_NONE);
        g_autoptr(Check) c = pop_check_for(f, p);

        g_assert_cmpuint(c->flags, ==, 0);
        answer(c, FALSE, TRUE);
        wait_reply(f, p, "Submit to be refused");
        bus_assert_error(p->error, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
                         "org.sluice.submit for class backup", NULL);
        g_assert_cmpuint(n_jobs(f), ==, 0);
}

static void test_challenge_interactive(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = NULL, p2 = NULL;
        g_autoptr(Check) c = NULL, c2 = NULL;

        /* The caller allows interactive authorization: polkit is told so,
         * asks the agent, and says yes. */
        p = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
        c = pop_check_for(f, p);
        assert_check(c, f->unique_name, "org.sluice.submit", "backup");
        g_assert_cmpuint(c->flags, ==, 1);
        g_assert_cmpstr(c->cancellation_id, !=, "");
        answer(c, TRUE, FALSE);
        wait_reply(f, p, "Submit to be answered");
        g_assert_no_error(p->error);
        g_assert_cmpuint(n_jobs(f), ==, 1);

        /* Still a challenge although interaction was allowed: no agent. */
        p2 = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
        c2 = pop_check_for(f, p2);
        g_assert_cmpuint(c2->flags, ==, 1);
        g_assert_cmpstr(c2->cancellation_id, !=, c->cancellation_id);
        answer(c2, FALSE, TRUE);
        wait_reply(f, p2, "Submit to be refused");
        bus_assert_error(p2->error, "org.sluice.Error.NotPermitted", "org.sluice.submit for class backup",
                         "authentication agent", NULL);
        g_assert_cmpuint(n_jobs(f), ==, 1);
}

static void test_no_polkit(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_NONE);

        wait_reply(f, p, "Submit to be refused");
        bus_assert_error(p->error, "org.sluice.Error.NotPermitted",
                         "not permitted: org.sluice.submit for class backup: polkit is not available",
                         POLKIT_NAME, NULL);
        g_assert_cmpuint(n_jobs(f), ==, 0);
}

static char *submit_allowed(Fixture *f, const char *klass) {
        g_autoptr(BusPending) p = submit_async(f, NULL, klass, G_DBUS_CALL_FLAGS_NONE);
        g_autoptr(Check) c = pop_check_for(f, p);
        char *path;

        assert_check(c, f->unique_name, "org.sluice.submit", klass);
        answer(c, TRUE, FALSE);
        wait_reply(f, p, "Submit to be answered");
        g_assert_no_error(p->error);
        g_variant_get(p->reply, "(o)", &path);
        return path;
}

static gint32 job_priority(Fixture *f, const char *path) {
        g_autoptr(GVariant) v = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "Priority");

        return g_variant_get_int32(v);
}

/* Owners act on their own jobs without polkit, except raising the priority. */
static void test_owner(Fixture *f, gconstpointer data) {
        g_autofree char *path = submit_allowed(f, "backup");
        g_autofree char *expected_job = NULL;
        g_autoptr(BusPending) lower = NULL, raise = NULL, cancel = NULL;
        g_autoptr(Check) c = NULL;

        g_assert_cmpint(job_priority(f, path), ==, 5);
        lower = call_async(f, NULL, path, SLUICE_JOB_IFACE, "SetPriority", g_variant_new("(i)", 1),
                           G_DBUS_CALL_FLAGS_NONE);
        wait_reply(f, lower, "SetPriority(1) to be answered");
        g_assert_no_error(lower->error);
        g_assert_cmpint(job_priority(f, path), ==, 1);

        raise = call_async(f, NULL, path, SLUICE_JOB_IFACE, "SetPriority", g_variant_new("(i)", 100),
                           G_DBUS_CALL_FLAGS_NONE);
        c = pop_check_for(f, raise);
        assert_check(c, f->unique_name, "org.sluice.manage-jobs", "backup");
        expected_job = g_strdup_printf("%" G_GUINT64_FORMAT, bus_job_id(path));
        g_assert_cmpstr(g_hash_table_lookup(c->details, "job"), ==, expected_job);
        answer(c, FALSE, FALSE);
        wait_reply(f, raise, "SetPriority(100) to be refused");
        bus_assert_error(raise->error, "org.sluice.Error.NotPermitted", "org.sluice.manage-jobs",
                         "job 1 of class backup", NULL);
        g_assert_cmpint(job_priority(f, path), ==, 1);

        cancel = call_async(f, NULL, path, SLUICE_JOB_IFACE, "Cancel", NULL, G_DBUS_CALL_FLAGS_NONE);
        wait_reply(f, cancel, "Cancel to be answered");
        g_assert_no_error(cancel->error);
        bus_wait_job_state(&f->h, path, "done");
}

typedef struct {
        const char *method;
        GVariant *(*params)(void);
        const char *action;
} ManagerCall;

static GVariant *params_scope(void) {
        return g_variant_new("(s)", "class:gc");
}

static GVariant *params_none(void) {
        return NULL;
}

static GVariant *params_update(void) {
        GVariantDict d;

        g_variant_dict_init(&d, NULL);
        g_variant_dict_insert(&d, "MaxRunning", "u", 4);
        return g_variant_new("(s@a{sv}b)", "Scheduler", g_variant_dict_end(&d), FALSE);
}

static GVariant *params_unset(void) {
        const char *keys[] = { "MaxRunning", NULL };

        return g_variant_new("(s^asb)", "Scheduler", keys, TRUE);
}

static GVariant *params_trigger(void) {
        return g_variant_new("(s)", "nightly");
}

/* Pause/Resume need manage-jobs; UpdateConfig, UnsetConfig, Reload, TriggerSchedule configure. */
static void test_manager_actions(Fixture *f, gconstpointer data) {
        static const ManagerCall calls[] = {
                { "Pause", params_scope, "org.sluice.manage-jobs" },
                { "Resume", params_scope, "org.sluice.manage-jobs" },
                { "UpdateConfig", params_update, "org.sluice.configure" },
                { "UnsetConfig", params_unset, "org.sluice.configure" },
                { "Reload", params_none, "org.sluice.configure" },
                { "TriggerSchedule", params_trigger, "org.sluice.configure" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(calls); i++) {
                g_autoptr(BusPending) p = NULL;
                g_autoptr(Check) c = NULL;

                g_test_message("%s", calls[i].method);
                p = call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, calls[i].method,
                               calls[i].params(), G_DBUS_CALL_FLAGS_NONE);
                c = pop_check_for(f, p);
                g_assert_cmpstr(c->subject_name, ==, f->unique_name);
                g_assert_cmpstr(c->action, ==, calls[i].action);
                answer(c, FALSE, FALSE);
                wait_reply(f, p, calls[i].method);
                bus_assert_error(p->error, "org.sluice.Error.NotPermitted", calls[i].action, NULL);
        }

        /* Pause allowed: the effect is visible once. */
        {
                g_autoptr(BusPending) p = call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause",
                                                     params_scope(), G_DBUS_CALL_FLAGS_NONE);
                g_autoptr(Check) c = pop_check_for(f, p);
                g_autoptr(GVariant) paused = NULL;

                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "gc");
                answer(c, TRUE, FALSE);
                wait_reply(f, p, "Pause to be answered");
                g_assert_no_error(p->error);
                paused = bus_get_property(&f->h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");
                g_assert_cmpuint(g_variant_n_children(paused), ==, 1);
        }
}

/*
 * Submit with argv — or with an environment, which changes what a command
 * does (LD_PRELOAD, PATH) — asks for submit, then for run-command.
 */
static void test_run_command(Fixture *f, gconstpointer data) {
        const char *option = data;
        g_autoptr(BusPending) p = NULL;
        g_autoptr(Check) c1 = NULL, c2 = NULL;
        GVariantDict opts;
        const char *argv[] = { "/bin/true", NULL };
        const char *environment[] = { "LD_PRELOAD=/tmp/evil.so", NULL };

        g_variant_dict_init(&opts, NULL);
        if (g_str_equal(option, "argv"))
                g_variant_dict_insert_value(&opts, "argv", g_variant_new_strv(argv, -1));
        else
                g_variant_dict_insert_value(&opts, "environment", g_variant_new_strv(environment, -1));
        p = call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit",
                       g_variant_new("(s@a{sv})", "backup", g_variant_dict_end(&opts)), G_DBUS_CALL_FLAGS_NONE);
        c1 = pop_check_for(f, p);
        assert_check(c1, f->unique_name, "org.sluice.submit", "backup");
        answer(c1, TRUE, FALSE);
        c2 = pop_check_for(f, p);
        assert_check(c2, f->unique_name, "org.sluice.run-command", "backup");
        answer(c2, FALSE, FALSE);
        wait_reply(f, p, "Submit with argv or environment to be refused");
        bus_assert_error(p->error, "org.sluice.Error.NotPermitted", "org.sluice.run-command", NULL);
        g_assert_cmpuint(n_jobs(f), ==, 0);
}

/* Several calls wait at once; answers in any order go to the right call. */
static void test_several_pending(Fixture *f, gconstpointer data) {
        static const char *const classes[] = { "backup", "gc", "backup" };
        BusPending *p[3];
        Check *c[3];
        guint ok = 0;

        for (guint i = 0; i < 3; i++)
                p[i] = submit_async(f, NULL, classes[i], G_DBUS_CALL_FLAGS_NONE);
        /* One uid has at most 2 checks in flight (polkit-query.h): the
         * third is asked once one of them is answered. */
        for (guint i = 0; i < 2; i++)
                c[i] = pop_check(f);
        answer(c[1], FALSE, FALSE);
        c[2] = pop_check(f);
        /* Calls from one connection arrive in order. */
        for (guint i = 0; i < 3; i++)
                assert_check(c[i], f->unique_name, "org.sluice.submit", classes[i]);

        answer(c[2], TRUE, FALSE);
        answer(c[0], TRUE, FALSE);
        for (guint i = 0; i < 3; i++) {
                wait_reply(f, p[i], "the Submit calls to be answered");
                if (i == 1)
                        bus_assert_error(p[i]->error, "org.sluice.Error.NotPermitted", "class gc", NULL);
                else {
                        g_assert_no_error(p[i]->error);
                        ok++;
                }
                bus_pending_free(p[i]);
                check_free(c[i]);
        }
        g_assert_cmpuint(ok, ==, 2);
        g_assert_cmpuint(n_jobs(f), ==, 2);
}

static gboolean name_gone(BusHarness *h, gconstpointer data) {
        return !bus_name_has_owner(h, data);
}

/* The caller leaves while polkit thinks: nothing is done, nothing leaks. */
static void test_caller_vanishes(Fixture *f, gconstpointer data) {
        g_autoptr(GDBusConnection) other = bus_harness_connect(&f->h);
        g_autofree char *other_name = g_strdup(g_dbus_connection_get_unique_name(other));
        g_autoptr(BusPending) p = submit_async(f, other, "backup", G_DBUS_CALL_FLAGS_NONE);
        g_autoptr(Check) c = pop_check(f);
        g_autoptr(GDBusConnection) mock = NULL;

        assert_check(c, other_name, "org.sluice.submit", "backup");
        g_dbus_connection_close_sync(other, NULL, NULL);
        bus_harness_wait_for(&f->h, name_gone, other_name, "the caller to leave the bus");
        bus_harness_wait_pending(&f->h, p, "the closed connection to fail its call");

        mock = g_object_ref(g_dbus_method_invocation_get_connection(c->invocation));
        answer(c, TRUE, FALSE);
        /* Asked on the connection that answered, ListJobs reaches sluiced
         * after the answer (one sender, one receiver: in order).  sluiced is
         * alive and queued nothing for the departed caller. */
        g_assert_cmpuint(n_jobs_on(f, mock), ==, 0);
        gt_dbus_queue_assert_no_messages(f->queue);
}

/* sluiced exits cleanly (and, under ASan/valgrind, without leaks) with a
 * call still waiting for polkit. */
static void test_exit_while_pending(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_NONE);
        g_autoptr(Check) c = pop_check_for(f, p);

        stop_daemon(f);
        bus_harness_wait_pending(&f->h, p, "the call to fail with sluiced gone");
        g_assert_nonnull(p->error);
        answer(c, TRUE, FALSE);
}

/* sluicectl asks for interactive authorization unless --no-ask-password,
 * and says plainly what was refused and which action an admin could grant. */
static void run_sluicectl_refused(Fixture *f, gboolean ask, gboolean challenge, const char *expected) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Check) c = NULL;
        g_autoptr(GString) err = g_string_new(NULL);
        const char *sluicectl = g_getenv("SLUICECTL");
        g_autofree char *bus_arg = g_strdup_printf("--bus-address=%s", f->h.address);
        const char *argv_ask[] = { sluicectl, bus_arg, "reload", NULL };
        const char *argv_no_ask[] = { sluicectl, bus_arg, "--no-ask-password", "reload", NULL };
        const char **argv = ask ? argv_ask : argv_no_ask;
        GPid pid;
        int err_fd, status;
        char buf[512];
        ssize_t n;

        g_assert_nonnull(sluicectl);
        g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                 NULL, NULL, &pid, NULL, NULL, &err_fd, &error);
        g_assert_no_error(error);

        c = pop_check(f);
        g_assert_cmpstr(c->action, ==, "org.sluice.configure");
        g_assert_cmpuint(c->flags, ==, ask ? 1 : 0);
        answer(c, FALSE, challenge);

        while ((n = read(err_fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0)
                        g_string_append_len(err, buf, n);
        close(err_fd);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_spawn_close_pid(pid);
        g_test_message("sluicectl said: %s", err->str);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 77);   /* not permitted: sluicectl(1), EXIT STATUS */
        g_assert_cmpstr(err->str, ==, expected);
}

static void test_sluicectl(Fixture *f, gconstpointer data) {
        run_sluicectl_refused(f, TRUE, FALSE,
                              "sluicectl: not permitted to change the scheduler's configuration "
                              "(polkit action org.sluice.configure)\n");
        run_sluicectl_refused(f, FALSE, TRUE,
                              "sluicectl: not permitted to change the scheduler's configuration without "
                              "authentication (polkit action org.sluice.configure); run it on a terminal "
                              "without --no-ask-password to authenticate\n");
}

/*
 * A flood (issue 10, item 8).  sluiced keeps at most 2 checks of one uid in
 * flight (POLKIT_MAX_IN_FLIGHT_PER_UID in src/daemon/polkit-query.h), lets
 * one uid have at most 1024 calls waiting (POLKIT_MAX_WAITING_PER_UID), and
 * takes turns between uids and between the connections of one uid.  Every
 * connection here has the test's uid, so these cases see the per-uid bound
 * and the turns between connections; the turns between uids, with real
 * users and the real polkitd, are scenario-flood.sh's.
 */
#define MAX_IN_FLIGHT_PER_UID 2u
#define MAX_WAITING_PER_UID 1024u

/* A round trip on conn: every call conn sent before has been read by sluiced. */
static void sync_with_daemon(Fixture *f, GDBusConnection *conn) {
        (void) n_jobs_on(f, conn);
}

static BusPending **submit_many(Fixture *f, GDBusConnection *conn, const char *klass, guint n) {
        BusPending **p = g_new0(BusPending *, n);

        for (guint i = 0; i < n; i++)
                p[i] = submit_async(f, conn, klass, G_DBUS_CALL_FLAGS_NONE);
        return p;
}

static void pending_free_all(BusPending **p, guint n) {
        for (guint i = 0; i < n; i++)
                bus_pending_free(p[i]);
        g_free(p);
}

/* Answer every check still coming until each of the n calls has its reply. */
static guint drain(Fixture *f, BusPending **p, guint n, gboolean authorized) {
        guint answered = 0;

        for (;;) {
                gboolean all = TRUE;

                for (guint i = 0; i < n; i++)
                        all = all && p[i]->done;
                if (all && gt_dbus_queue_get_n_messages(f->queue) == 0)
                        return answered;
                if (gt_dbus_queue_get_n_messages(f->queue) == 0) {
                        bus_harness_flush();
                        g_usleep(1000);
                        continue;
                }
                {
                        g_autoptr(Check) c = pop_check(f);

                        answer(c, authorized, FALSE);
                        answered++;
                }
        }
}

/*
 * One connection floods: only 2 of its checks go to polkit; another
 * connection's call, arriving after all of them, gets the next free slot
 * (its turn), not a place behind the flood.
 */
static void test_flood_bound_and_turns(Fixture *f, gconstpointer data) {
        const guint n = MAX_IN_FLIGHT_PER_UID + 4;
        g_autoptr(GDBusConnection) flooder = bus_harness_connect(&f->h);
        g_autoptr(GDBusConnection) other = bus_harness_connect(&f->h);
        const char *flooder_name = g_dbus_connection_get_unique_name(flooder);
        const char *other_name = g_dbus_connection_get_unique_name(other);
        BusPending **flood = submit_many(f, flooder, "gc", n);
        g_autoptr(BusPending) mine = NULL;
        Check *c[MAX_IN_FLIGHT_PER_UID];
        g_autoptr(Check) next = NULL;
        guint answered;

        sync_with_daemon(f, flooder);
        for (guint i = 0; i < MAX_IN_FLIGHT_PER_UID; i++) {
                c[i] = pop_check(f);
                assert_check(c[i], flooder_name, "org.sluice.submit", "gc");
        }

        /* Read by sluiced after the whole flood. */
        mine = submit_async(f, other, "backup", G_DBUS_CALL_FLAGS_NONE);
        sync_with_daemon(f, other);

        /* One slot frees: it is the other connection's turn.  Had more
         * than 2 checks of the flood been sent, the 3rd would come first. */
        answer(c[0], FALSE, FALSE);
        next = pop_check(f);
        assert_check(next, other_name, "org.sluice.submit", "backup");
        answer(next, TRUE, FALSE);
        bus_harness_wait_pending(&f->h, mine, "the other connection's Submit");
        g_assert_no_error(mine->error);

        for (guint i = 1; i < MAX_IN_FLIGHT_PER_UID; i++) {
                answer(c[i], FALSE, FALSE);
                check_free(c[i]);
        }
        check_free(c[0]);
        /* The flood's remaining 4 checks, each refused. */
        answered = drain(f, flood, n, FALSE);
        g_assert_cmpuint(answered, ==, n - MAX_IN_FLIGHT_PER_UID);
        for (guint i = 0; i < n; i++)
                bus_assert_error(flood[i]->error, "org.sluice.Error.NotPermitted", "class gc", NULL);
        g_assert_cmpuint(n_jobs(f), ==, 1);
        pending_free_all(flood, n);
}

/* A flooder that leaves frees its slots and its queued calls at once. */
static void test_flood_leaves(Fixture *f, gconstpointer data) {
        const guint n = MAX_IN_FLIGHT_PER_UID + 4;
        g_autoptr(GDBusConnection) flooder = bus_harness_connect(&f->h);
        g_autofree char *flooder_name = g_strdup(g_dbus_connection_get_unique_name(flooder));
        BusPending **flood = submit_many(f, flooder, "gc", n);
        g_autoptr(BusPending) mine = NULL;
        g_autoptr(Check) next = NULL;
        Check *c[MAX_IN_FLIGHT_PER_UID];

        sync_with_daemon(f, flooder);
        for (guint i = 0; i < MAX_IN_FLIGHT_PER_UID; i++)
                c[i] = pop_check(f);
        g_dbus_connection_close_sync(flooder, NULL, NULL);
        bus_harness_wait_for(&f->h, name_gone, flooder_name, "the flooder to leave the bus");
        for (guint i = 0; i < n; i++)
                bus_harness_wait_pending(&f->h, flood[i], "the closed connection to fail its calls");

        /* Had the 4 queued calls of the flood been kept, they would be
         * asked before this one. */
        mine = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_NONE);
        next = pop_check_for(f, mine);
        assert_check(next, f->unique_name, "org.sluice.submit", "backup");
        answer(next, TRUE, FALSE);
        wait_reply(f, mine, "Submit after the flooder left");
        g_assert_no_error(mine->error);

        /* Late answers for the departed flooder change nothing. */
        for (guint i = 0; i < MAX_IN_FLIGHT_PER_UID; i++) {
                answer(c[i], TRUE, FALSE);
                check_free(c[i]);
        }
        g_assert_cmpuint(n_jobs(f), ==, 1);
        gt_dbus_queue_assert_no_messages(f->queue);
        pending_free_all(flood, n);
}

/*
 * One uid may have 1024 calls waiting: the rest are refused at once with
 * LimitsExceeded naming the caller and the count, and polkit never hears
 * of them.  Eleven connections of 100 calls each (the bus lets one
 * connection have 128 calls awaiting replies).  The checks of the 1024
 * come at the uid's rate after its burst (test-bus-call-rate's business).
 */
static void test_flood_cap(Fixture *f, gconstpointer data) {
        const guint per_conn = 100, n_conns = 11, n = per_conn * n_conns;
        GDBusConnection *conns[11];
        BusPending **p[11];
        guint refused = 0, answered = 0;

        for (guint k = 0; k < n_conns; k++) {
                conns[k] = bus_harness_connect(&f->h);
                p[k] = submit_many(f, conns[k], "gc", per_conn);
        }
        for (guint k = 0; k < n_conns; k++)
                sync_with_daemon(f, conns[k]);
        bus_harness_flush();
        for (guint k = 0; k < n_conns; k++)
                for (guint i = 0; i < per_conn; i++) {
                        if (!p[k][i]->done)
                                continue;
                        bus_assert_error(p[k][i]->error, "org.freedesktop.DBus.Error.LimitsExceeded",
                                         "too many calls waiting for authorization from uid",
                                         g_dbus_connection_get_unique_name(conns[k]), "1024", NULL);
                        refused++;
                }
        /* The replies to the refused calls precede each connection's
         * ListJobs reply: all are in. */
        g_assert_cmpuint(refused, ==, n - MAX_WAITING_PER_UID);

        for (guint k = 0; k < n_conns; k++)
                answered += drain(f, p[k], per_conn, FALSE);
        g_assert_cmpuint(answered, ==, MAX_WAITING_PER_UID);
        g_assert_cmpuint(n_jobs(f), ==, 0);

        /* The flood is over: the uid's calls are asked again. */
        g_free(submit_allowed(f, "backup"));
        for (guint k = 0; k < n_conns; k++) {
                pending_free_all(p[k], per_conn);
                g_object_unref(conns[k]);
        }
}

/*
 * The bus refuses a check with LimitsExceeded (too many calls of sluiced's
 * await replies): that is no answer of polkit's.  sluiced asks again a
 * little later, and the caller gets polkit's real answer.
 */
static void test_bus_limits_exceeded(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = submit_async(f, NULL, "backup", G_DBUS_CALL_FLAGS_NONE);
        g_autoptr(Check) c = pop_check_for(f, p);
        g_autoptr(Check) again = NULL;

        assert_check(c, f->unique_name, "org.sluice.submit", "backup");
        g_dbus_method_invocation_return_dbus_error(g_steal_pointer(&c->invocation),
                                                   "org.freedesktop.DBus.Error.LimitsExceeded",
                                                   "The maximum number of pending replies per connection has been reached");
        again = pop_check_for(f, p);
        assert_check(again, f->unique_name, "org.sluice.submit", "backup");
        answer(again, TRUE, FALSE);
        wait_reply(f, p, "Submit to be answered after the retry");
        g_assert_no_error(p->error);
        g_assert_cmpuint(n_jobs(f), ==, 1);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
        ADD("/bus/polkit/allow", test_allow);
        ADD("/bus/polkit/deny", test_deny);
        ADD("/bus/polkit/challenge-not-interactive", test_challenge_not_interactive);
        ADD("/bus/polkit/challenge-interactive", test_challenge_interactive);
        g_test_add("/bus/polkit/absent", Fixture, NULL, setup_no_polkit, test_no_polkit, teardown);
        ADD("/bus/polkit/owner", test_owner);
        ADD("/bus/polkit/manager-actions", test_manager_actions);
        g_test_add("/bus/polkit/run-command/argv", Fixture, "argv", setup, test_run_command, teardown);
        g_test_add("/bus/polkit/run-command/environment", Fixture, "environment", setup, test_run_command,
                   teardown);
        ADD("/bus/polkit/several-pending", test_several_pending);
        ADD("/bus/polkit/caller-vanishes", test_caller_vanishes);
        ADD("/bus/polkit/exit-while-pending", test_exit_while_pending);
        ADD("/bus/polkit/sluicectl", test_sluicectl);
        ADD("/bus/polkit/flood/bound-and-turns", test_flood_bound_and_turns);
        ADD("/bus/polkit/flood/leaves", test_flood_leaves);
        ADD("/bus/polkit/flood/cap", test_flood_cap);
        ADD("/bus/polkit/bus-limits-exceeded", test_bus_limits_exceeded);
#undef ADD
        return g_test_run();
}

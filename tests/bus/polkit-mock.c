/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mocked polkitd of the authorization bus tests (test-bus-polkit.c,
 * test-bus-authz-options.c): see polkit-mock.h.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "polkit-mock.h"

/* A failure guard only, no assertion depends on it. */
#define DEADLINE_USEC (90 * G_USEC_PER_SEC)

static const char polkit_xml[] =
        "<node>"
        "  <interface name='" POLKIT_IFACE "'>"
        "    <method name='CheckAuthorization'>"
        "      <arg type='(sa{sv})' name='subject' direction='in'/>"
        "      <arg type='s' name='action_id' direction='in'/>"
        "      <arg type='a{ss}' name='details' direction='in'/>"
        "      <arg type='u' name='flags' direction='in'/>"
        "      <arg type='s' name='cancellation_id' direction='in'/>"
        "      <arg type='(bba{ss})' name='result' direction='out'/>"
        "    </method>"
        "    <method name='CancelCheckAuthorization'>"
        "      <arg type='s' name='cancellation_id' direction='in'/>"
        "    </method>"
        "  </interface>"
        "</node>";

/**
 * check_free() - free a Check
 * @c: the check (may be NULL); an invocation not yet answered is dropped unanswered
 */
void check_free(Check *c) {
        if (!c)
                return;
        g_clear_object(&c->invocation);
        g_free(c->subject_kind);
        g_free(c->subject_name);
        g_free(c->action);
        g_clear_pointer(&c->details, g_hash_table_unref);
        g_free(c->cancellation_id);
        g_free(c);
}

/* Runs in the mock's thread: remember its context, for teardown. */
static void capture_server_context(GtDBusQueue *queue, gpointer userdata) {
        Fixture *f = userdata;

        g_atomic_pointer_set(&f->server_context, g_main_context_ref_thread_default());
}

/**
 * setup_common() - start the mock polkit and sluiced on its bus
 * @f: the fixture, zeroed (as g_test_add() hands it over)
 * @polkit_present: whether the mock owns org.freedesktop.PolicyKit1 (FALSE: no polkit on the bus at all)
 * @tmpdir_template: the g_dir_make_tmp() template of the state directory, e.g. "sluice-polkit-test-XXXXXX"
 * @config: sluiced's configuration text
 *
 * sluiced runs with --no-root-bypass and owns its name when this returns.
 */
void setup_common(Fixture *f, gboolean polkit_present, const char *tmpdir_template, const char *config) {
        g_autoptr(GError) error = NULL;

        f->queue = gt_dbus_queue_new();
        gt_dbus_queue_connect(f->queue, &error);
        g_assert_no_error(error);
        gt_dbus_queue_set_server_func(f->queue, capture_server_context, f);
        while (!g_atomic_pointer_get(&f->server_context))
                g_thread_yield();

        f->node = g_dbus_node_info_new_for_xml(polkit_xml, &error);
        g_assert_no_error(error);
        if (polkit_present) {
                gt_dbus_queue_export_object(f->queue, POLKIT_PATH, f->node->interfaces[0], &error);
                g_assert_no_error(error);
                gt_dbus_queue_own_name(f->queue, POLKIT_NAME);
        }

        f->h.address = g_strdup(g_getenv("DBUS_SESSION_BUS_ADDRESS"));
        g_assert_nonnull(f->h.address);
        f->h.conn = g_object_ref(gt_dbus_queue_get_client_connection(f->queue));
        f->unique_name = g_strdup(g_dbus_connection_get_unique_name(f->h.conn));
        f->h.signals = g_ptr_array_new();
        /* gt_dbus_queue_own_name() does not wait for the name. */
        if (polkit_present)
                bus_harness_wait_for(&f->h, bus_name_owned, POLKIT_NAME, "the mock to own " POLKIT_NAME);
        g_assert_cmpint(bus_name_has_owner(&f->h, POLKIT_NAME), ==, polkit_present);

        f->h.tmpdir = g_dir_make_tmp(tmpdir_template, &error);
        g_assert_no_error(error);
        f->h.config_path = g_build_filename(f->h.tmpdir, "sluiced.conf", NULL);
        bus_harness_write_config(&f->h, config);
        bus_harness_spawn_daemon(&f->h, (const char *const[]) { "--no-root-bypass", NULL }, NULL);
        bus_harness_wait_daemon(&f->h);
}

/**
 * stop_daemon() - SIGTERM sluiced and assert that it exits 0
 * @f: the fixture; nothing happens if sluiced is already stopped
 */
void stop_daemon(Fixture *f) {
        bus_harness_stop_daemon(&f->h);
}

/**
 * teardown() - the g_test_add() teardown of every case
 * @f: the fixture
 * @data: unused
 *
 * Stops sluiced, asserts that the mock holds no unanswered check, and frees
 * everything setup_common() made.
 */
void teardown(Fixture *f, gconstpointer data) {
        /* Kill the daemon before the queue goes: it may wait for the mock. */
        stop_daemon(f);
        gt_dbus_queue_assert_no_messages(f->queue);

        g_clear_object(&f->h.conn);
        bus_harness_flush();
        gt_dbus_queue_disconnect(f->queue, TRUE);
        /* GDBus may still attach a source to the mock's context while its
         * connection closes, after the thread's last iteration (seen under
         * ASan); gt_dbus_queue_free() asserts that context is idle.  The
         * thread is joined: dispatch those leftovers here. */
        while (g_main_context_iteration(f->server_context, FALSE))
                ;
        gt_dbus_queue_free(f->queue);
        g_main_context_unref(f->server_context);
        g_dbus_node_info_unref(f->node);

        (void) g_remove(f->h.config_path);
        for (const char *const *n = (const char *const[]) { "sluice.db", "sluice.db-wal", "sluice.db-shm", NULL }; *n; n++) {
                g_autofree char *p = g_build_filename(f->h.tmpdir, *n, NULL);

                (void) g_remove(p);
        }
        (void) g_rmdir(f->h.tmpdir);
        g_free(f->h.config_path);
        g_free(f->h.tmpdir);
        g_free(f->h.address);
        g_ptr_array_unref(f->h.signals);
        g_free(f->unique_name);
}

/**
 * wait_for_message_or() - iterate the main context until a message waits in the mock or *@done
 * @f: the fixture
 * @done: NULL, or a flag to stop at (a BusPending's done)
 * @what: what is waited for, for the failure message after a long deadline
 */
void wait_for_message_or(Fixture *f, const gboolean *done, const char *what) {
        gint64 deadline = g_get_monotonic_time() + DEADLINE_USEC;

        for (;;) {
                bus_harness_flush();
                if (gt_dbus_queue_get_n_messages(f->queue) > 0 || (done && *done))
                        return;
                if (g_get_monotonic_time() > deadline)
                        g_error("gave up waiting for %s", what);
                g_main_context_iteration(NULL, FALSE);
                g_usleep(1000);   /* the mock runs in its own thread: nothing to wake us */
        }
}

/**
 * pop_check_for() - pop the next CheckAuthorization sluiced sent to the mock
 * @f: the fixture
 * @p: the call it is for, or NULL for a call that cannot complete first; if
 *     @p completes without a check, the test fails
 *
 * Return: the check, its path, interface and method asserted; free with check_free().
 */
Check *pop_check_for(Fixture *f, const BusPending *p) {
        g_autoptr(GVariant) subject_details = NULL, details = NULL;
        GDBusMethodInvocation *inv = NULL;
        GVariant *params;
        Check *c = g_new0(Check, 1);
        GVariantIter it;
        const char *k, *v;

        wait_for_message_or(f, p ? &p->done : NULL, "a CheckAuthorization from sluiced");
        if (gt_dbus_queue_get_n_messages(f->queue) == 0)
                g_error("the call was answered without asking polkit: %s",
                        p->error ? p->error->message : "success");
        /* Not gt_dbus_queue_try_pop_message(): in libglib-testing 0.1.1 it
         * never pops.  A message is there, so this does not block. */
        g_assert_true(gt_dbus_queue_pop_message(f->queue, &inv));
        c->invocation = inv;
        g_assert_cmpstr(g_dbus_method_invocation_get_object_path(inv), ==, POLKIT_PATH);
        g_assert_cmpstr(g_dbus_method_invocation_get_interface_name(inv), ==, POLKIT_IFACE);
        g_assert_cmpstr(g_dbus_method_invocation_get_method_name(inv), ==, "CheckAuthorization");

        params = g_dbus_method_invocation_get_parameters(inv);
        g_variant_get(params, "((s@a{sv})s@a{ss}us)", &c->subject_kind, &subject_details, &c->action, &details,
                      &c->flags, &c->cancellation_id);
        g_assert_true(g_variant_lookup(subject_details, "name", "s", &c->subject_name));
        c->details = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_variant_iter_init(&it, details);
        while (g_variant_iter_next(&it, "{&s&s}", &k, &v))
                g_hash_table_insert(c->details, g_strdup(k), g_strdup(v));
        return c;
}

/**
 * pop_check() - pop_check_for() a call that cannot complete first
 * @f: the fixture
 *
 * Return: the check; free with check_free().
 */
Check *pop_check(Fixture *f) {
        return pop_check_for(f, NULL);
}

/**
 * answer() - reply to a check as polkit would
 * @c: the check, not answered yet
 * @authorized: the result's is_authorized
 * @challenge: the result's is_challenge
 */
void answer(Check *c, gboolean authorized, gboolean challenge) {
        g_dbus_method_invocation_return_value(g_steal_pointer(&c->invocation),
                                              g_variant_new("((bba{ss}))", authorized, challenge, NULL));
}

static void on_reply(GObject *source, GAsyncResult *res, gpointer userdata) {
        BusPending *p = userdata;

        p->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &p->error);
        p->done = TRUE;
}

/**
 * call_async() - call sluiced without waiting, with flags and no timeout
 * @f: the fixture
 * @conn: the connection to call on, or NULL for the fixture's
 * @path: the object path
 * @iface: the interface
 * @method: the method
 * @params: the parameters (floating references are sunk)
 * @flags: e.g. G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
 *
 * Return: the pending call, done once its reply is dispatched; free with bus_pending_free().
 */
BusPending *call_async(Fixture *f, GDBusConnection *conn, const char *path, const char *iface, const char *method,
                       GVariant *params, GDBusCallFlags flags) {
        BusPending *p = g_new0(BusPending, 1);

        g_dbus_connection_call(conn ? conn : f->h.conn, SLUICE_BUS_NAME, path, iface, method, params, NULL,
                               flags, G_MAXINT, NULL, on_reply, p);
        return p;
}

/**
 * wait_reply() - wait for a call's reply, asserting that sluiced asked polkit nothing more
 * @f: the fixture
 * @p: the pending call
 * @what: what is waited for, for the failure message
 */
void wait_reply(Fixture *f, BusPending *p, const char *what) {
        wait_for_message_or(f, &p->done, what);
        gt_dbus_queue_assert_no_messages(f->queue);
        g_assert_true(p->done);
}

/**
 * n_jobs_on() - the number of jobs ListJobs returns
 * @f: the fixture
 * @conn: the connection to ask on, or NULL for the fixture's; its earlier calls reach sluiced first
 *
 * Return: the number of jobs.
 */
guint n_jobs_on(Fixture *f, GDBusConnection *conn) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL, jobs = NULL;

        r = bus_call(&f->h, conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                     g_variant_new("(a{sv})", NULL), &error);
        g_assert_no_error(error);
        jobs = g_variant_get_child_value(r, 0);
        return (guint) g_variant_n_children(jobs);
}

/**
 * n_jobs() - n_jobs_on() the fixture's connection
 * @f: the fixture
 *
 * Return: the number of jobs.
 */
guint n_jobs(Fixture *f) {
        return n_jobs_on(f, NULL);
}

/**
 * assert_check() - assert a check's subject, action and "class" detail
 * @c: the check
 * @subject: the caller's unique bus name (subject kind "system-bus-name")
 * @action: the polkit action id
 * @klass: the "class" detail, or NULL for none
 */
void assert_check(const Check *c, const char *subject, const char *action, const char *klass) {
        g_assert_cmpstr(c->subject_kind, ==, "system-bus-name");
        g_assert_cmpstr(c->subject_name, ==, subject);
        g_assert_cmpstr(c->action, ==, action);
        g_assert_cmpstr(g_hash_table_lookup(c->details, "class"), ==, klass);
}

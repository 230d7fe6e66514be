/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What Submit()'s and Acquire()'s options ask of polkit (docs/authorization.md):
 * a priority above the class's Priority= and extra resources take
 * org.sluice.manage-jobs, asked after org.sluice.submit/acquire, with the
 * details "priority" and "resources" so rules can grant exactly that.
 *
 * The real sluiced with --no-root-bypass; polkit is mocked (fault
 * injection: every answer chosen here) by libglib-testing's GtDBusQueue
 * owning org.freedesktop.PolicyKit1.  The fixture is test-bus-polkit.c's.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <libglib-testing/dbus-queue.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-harness.h"

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_IFACE "org.freedesktop.PolicyKit1.Authority"

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
        "MaxRunning=0\n"
        "Parameter.store=[a-z]+\n"
        "Resources=datastore:%{store}\n";

typedef struct Fixture {
        GtDBusQueue *queue;
        GDBusNodeInfo *node;
        BusHarness h;                   /* conn/address only: the bus is the queue's */
        GMainContext *server_context;   /* the mock's thread's context (atomic until set) */
        char *unique_name;              /* of h.conn */
} Fixture;

/* One CheckAuthorization as sluiced sent it. */
typedef struct Check {
        GDBusMethodInvocation *invocation;
        char *subject_kind;
        char *subject_name;
        char *action;
        GHashTable *details;            /* char* -> char* */
        guint32 flags;
        char *cancellation_id;
} Check;

static void check_free(Check *c) {
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Check, check_free)

static void spawn_daemon(Fixture *f, const char *tmpdir) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) envp = g_get_environ();
        g_autofree char *bus_arg = g_strdup_printf("--bus-address=%s", f->h.address);
        g_autofree char *config_arg = g_strdup_printf("--config=%s", f->h.config_path);
        const char *sluiced = g_getenv("SLUICED");
        const char *wrapper = g_getenv("BUS_TEST_DAEMON_WRAPPER");
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

        if (!sluiced)
                g_error("$SLUICED is not set: run the bus tests through meson test");
        /* As in bus-harness.c, e.g. "valgrind --error-exitcode=99 --leak-check=full". */
        if (wrapper && *wrapper) {
                g_auto(GStrv) w = NULL;

                g_shell_parse_argv(wrapper, NULL, &w, &error);
                g_assert_no_error(error);
                for (char **p = w; *p; p++)
                        g_ptr_array_add(argv, g_strdup(*p));
        }
        g_ptr_array_add(argv, g_strdup(sluiced));
        g_ptr_array_add(argv, g_steal_pointer(&bus_arg));
        g_ptr_array_add(argv, g_steal_pointer(&config_arg));
        g_ptr_array_add(argv, g_strdup_printf("--state-dir=%s", f->h.tmpdir));
        g_ptr_array_add(argv, g_strdup("--no-root-bypass"));
        g_ptr_array_add(argv, NULL);
        /* Never let the daemon near the real buses, nor the real polkit. */
        envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", f->h.address, TRUE);
        envp = g_environ_setenv(envp, "DBUS_SESSION_BUS_ADDRESS", f->h.address, TRUE);
        envp = g_environ_unsetenv(envp, "NOTIFY_SOCKET");
        g_spawn_async(tmpdir, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &f->h.pid, &error);
        g_assert_no_error(error);
}

static gboolean daemon_ready(BusHarness *h, gconstpointer data) {
        int status;

        if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
                h->pid = 0;
                g_error("sluiced exited before taking its name (status 0x%x)", status);
        }
        return bus_name_has_owner(h, SLUICE_BUS_NAME);
}

static gboolean name_owned(BusHarness *h, gconstpointer data) {
        return bus_name_has_owner(h, data);
}

/* Runs in the mock's thread: remember its context, for teardown. */
static void capture_server_context(GtDBusQueue *queue, gpointer userdata) {
        Fixture *f = userdata;

        g_atomic_pointer_set(&f->server_context, g_main_context_ref_thread_default());
}

static void setup_common(Fixture *f, gboolean polkit_present) {
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
                bus_harness_wait_for(&f->h, name_owned, POLKIT_NAME, "the mock to own " POLKIT_NAME);
        g_assert_cmpint(bus_name_has_owner(&f->h, POLKIT_NAME), ==, polkit_present);

        f->h.tmpdir = g_dir_make_tmp("sluice-authz-test-XXXXXX", &error);
        g_assert_no_error(error);
        f->h.config_path = g_build_filename(f->h.tmpdir, "sluiced.conf", NULL);
        bus_harness_write_config(&f->h, config);
        spawn_daemon(f, f->h.tmpdir);
        bus_harness_wait_for(&f->h, daemon_ready, NULL, "sluiced to own " SLUICE_BUS_NAME);
}

static void setup(Fixture *f, gconstpointer data) {
        setup_common(f, TRUE);
}

static void stop_daemon(Fixture *f) {
        int status = 0;
        pid_t r;

        if (f->h.pid <= 0)
                return;
        g_assert_cmpint(kill(f->h.pid, SIGTERM), ==, 0);
        do
                r = waitpid(f->h.pid, &status, 0);
        while (r < 0 && errno == EINTR);
        g_assert_cmpint(r, ==, f->h.pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                g_error("sluiced did not exit 0 after SIGTERM (status 0x%x)", status);
        g_spawn_close_pid(f->h.pid);
        f->h.pid = 0;
}

static void teardown(Fixture *f, gconstpointer data) {
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

/* Iterate the main context until a message waits in the mock or *done. */
static void wait_for_message_or(Fixture *f, const gboolean *done, const char *what) {
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

/* Pop the next CheckAuthorization sluiced sent to the mock for call p
 * (NULL: a call that cannot complete first). */
static Check *pop_check_for(Fixture *f, const BusPending *p) {
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

static void answer(Check *c, gboolean authorized, gboolean challenge) {
        g_dbus_method_invocation_return_value(g_steal_pointer(&c->invocation),
                                              g_variant_new("((bba{ss}))", authorized, challenge, NULL));
}

static BusPending *call_async(Fixture *f, GDBusConnection *conn, const char *path, const char *iface,
                              const char *method, GVariant *params, GDBusCallFlags flags);

static void on_reply(GObject *source, GAsyncResult *res, gpointer userdata) {
        BusPending *p = userdata;

        p->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &p->error);
        p->done = TRUE;
}

static BusPending *call_async(Fixture *f, GDBusConnection *conn, const char *path, const char *iface,
                              const char *method, GVariant *params, GDBusCallFlags flags) {
        BusPending *p = g_new0(BusPending, 1);

        g_dbus_connection_call(conn ? conn : f->h.conn, SLUICE_BUS_NAME, path, iface, method, params, NULL,
                               flags, G_MAXINT, NULL, on_reply, p);
        return p;
}

/* The reply, after making sure sluiced asked polkit nothing more. */
static void wait_reply(Fixture *f, BusPending *p, const char *what) {
        wait_for_message_or(f, &p->done, what);
        gt_dbus_queue_assert_no_messages(f->queue);
        g_assert_true(p->done);
}

static guint n_jobs_on(Fixture *f, GDBusConnection *conn) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL, jobs = NULL;

        r = bus_call(&f->h, conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                     g_variant_new("(a{sv})", NULL), &error);
        g_assert_no_error(error);
        jobs = g_variant_get_child_value(r, 0);
        return (guint) g_variant_n_children(jobs);
}

static guint n_jobs(Fixture *f) {
        return n_jobs_on(f, NULL);
}

static void assert_check(const Check *c, const char *subject, const char *action, const char *klass) {
        g_assert_cmpstr(c->subject_kind, ==, "system-bus-name");
        g_assert_cmpstr(c->subject_name, ==, subject);
        g_assert_cmpstr(c->action, ==, action);
        g_assert_cmpstr(g_hash_table_lookup(c->details, "class"), ==, klass);
}

static BusPending *submit_with(Fixture *f, const char *method, const char *klass, GVariant *options) {
        return call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method,
                          g_variant_new("(s@a{sv})", klass, options), G_DBUS_CALL_FLAGS_NONE);
}

static GVariant *priority_option(gint32 prio) {
        g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

        g_variant_dict_insert(&d, "priority", "i", prio);
        return g_variant_dict_end(&d);
}

/* The first check: org.sluice.submit (or acquire) for @klass, with no extra details; allowed. */
static void allow_first(Fixture *f, BusPending *p, const char *action, const char *klass) {
        g_autoptr(Check) c = pop_check_for(f, p);

        assert_check(c, f->unique_name, action, klass);
        g_assert_null(g_hash_table_lookup(c->details, "priority"));
        g_assert_null(g_hash_table_lookup(c->details, "resources"));
        answer(c, TRUE, FALSE);
}

static gint32 job_priority(Fixture *f, const char *path) {
        g_autoptr(GVariant) v = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "Priority");

        return g_variant_get_int32(v);
}

static char *reply_path(BusPending *p) {
        char *path = NULL;

        g_assert_no_error(p->error);
        g_variant_get(p->reply, "(o)", &path);
        return path;
}

/* A priority at or below the class's Priority= (5) is submit's; above it,
 * manage-jobs' (SetPriority's rule): refused with nothing queued, or allowed. */
static void test_priority(Fixture *f, gconstpointer data) {
        static const gint32 free_ones[] = { 5, 3, -1000 };

        for (size_t i = 0; i < G_N_ELEMENTS(free_ones); i++) {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "backup", priority_option(free_ones[i]));
                g_autofree char *path = NULL;

                allow_first(f, p, "org.sluice.submit", "backup");
                wait_reply(f, p, "Submit at the class's priority or lower");
                path = reply_path(p);
                g_assert_cmpint(job_priority(f, path), ==, free_ones[i]);
        }
        g_assert_cmpuint(n_jobs(f), ==, 3);

        /* 1000 > 5: manage-jobs, with the priority in the details; denied. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "backup", priority_option(1000));
                g_autoptr(Check) c = NULL;

                allow_first(f, p, "org.sluice.submit", "backup");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "backup");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "1000");
                g_assert_null(g_hash_table_lookup(c->details, "resources"));
                g_assert_null(g_hash_table_lookup(c->details, "job"));
                answer(c, FALSE, FALSE);
                wait_reply(f, p, "Submit at priority 1000 to be refused");
                bus_assert_error(p->error, "org.sluice.Error.NotPermitted",
                                 "not permitted: org.sluice.manage-jobs for class backup",
                                 "options.priority 1000 is above the class's Priority=5", NULL);
                g_assert_cmpuint(n_jobs(f), ==, 3);
        }

        /* 6 > 5, allowed by manage-jobs: queued at 6. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "backup", priority_option(6));
                g_autoptr(Check) c = NULL;
                g_autofree char *path = NULL;

                allow_first(f, p, "org.sluice.submit", "backup");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "backup");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "6");
                answer(c, TRUE, FALSE);
                wait_reply(f, p, "Submit at priority 6 to be answered");
                path = reply_path(p);
                g_assert_cmpint(job_priority(f, path), ==, 6);
                g_assert_cmpuint(n_jobs(f), ==, 4);
        }

        /* Acquire follows the same rule (gc's Priority= is 0). */
        {
                g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(BusPending) p = NULL;
                g_autoptr(Check) c = NULL;

                g_variant_dict_insert(&d, "priority", "i", 1);
                g_variant_dict_insert_value(&d, "parameters", g_variant_new_parsed("{'store': 'a'}"));
                p = submit_with(f, "Acquire", "gc", g_variant_dict_end(&d));
                allow_first(f, p, "org.sluice.acquire", "gc");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "gc");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "1");
                answer(c, FALSE, FALSE);
                wait_reply(f, p, "Acquire at priority 1 to be refused");
                bus_assert_error(p->error, "org.sluice.Error.NotPermitted", "org.sluice.manage-jobs for class gc",
                                 "Priority=0", NULL);
                g_assert_cmpuint(n_jobs(f), ==, 4);
        }
}

/* The class's own resources (Resources=datastore:%{store}) are submit's; any
 * extra resource is manage-jobs', with the resources in the details. */
static void test_resources(Fixture *f, gconstpointer data) {
        g_autoptr(GVariant) own = NULL;

        /* Own resources only: one check. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "gc",
                                                      g_variant_new_parsed("{'parameters': <{'store': 'a'}>}"));
                g_autofree char *path = NULL;

                allow_first(f, p, "org.sluice.submit", "gc");
                wait_reply(f, p, "Submit with the class's own resources");
                path = reply_path(p);
                own = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "Resources");
                g_assert_cmpstr(g_variant_get_strv(own, NULL)[0], ==, "datastore:a");
        }

        /* Another datastore's slots, and a tape drive: manage-jobs, denied. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "gc",
                                                      g_variant_new_parsed("{'parameters': <{'store': 'a'}>, "
                                                                           "'resources': <['datastore:b', 'tape:0']>}"));
                g_autoptr(Check) c = NULL;

                allow_first(f, p, "org.sluice.submit", "gc");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "gc");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "resources"), ==, "datastore:b tape:0");
                g_assert_null(g_hash_table_lookup(c->details, "priority"));
                answer(c, FALSE, FALSE);
                wait_reply(f, p, "Submit with extra resources to be refused");
                bus_assert_error(p->error, "org.sluice.Error.NotPermitted", "org.sluice.manage-jobs for class gc",
                                 "options.resources asks for datastore:b tape:0", NULL);
                g_assert_cmpuint(n_jobs(f), ==, 1);
        }

        /* Both at once, on Acquire: one check carrying both details; allowed. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Acquire", "gc",
                                                      g_variant_new_parsed("{'parameters': <{'store': 'c'}>, "
                                                                           "'priority': <7>, "
                                                                           "'resources': <['datastore:b']>}"));
                g_autoptr(Check) c = NULL;
                g_autoptr(GVariant) res = NULL;
                g_autofree char *path = NULL;
                g_autofree const char **strv = NULL;

                allow_first(f, p, "org.sluice.acquire", "gc");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "gc");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "resources"), ==, "datastore:b");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "7");
                answer(c, TRUE, FALSE);
                wait_reply(f, p, "Acquire with extra resources to be granted");
                path = reply_path(p);
                res = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "Resources");
                strv = g_variant_get_strv(res, NULL);
                g_assert_cmpuint(g_strv_length((char **) strv), ==, 2);
                g_assert_cmpstr(strv[0], ==, "datastore:b");
                g_assert_cmpstr(strv[1], ==, "datastore:c");
                g_assert_cmpint(job_priority(f, path), ==, 7);
        }
}

/* sluicectl says which option needed manage-jobs, not "pause or resume". */
static void test_sluicectl(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Check) c = NULL, c2 = NULL;
        g_autoptr(GString) err = g_string_new(NULL);
        const char *sluicectl = g_getenv("SLUICECTL");
        g_autofree char *bus_arg = g_strdup_printf("--bus-address=%s", f->h.address);
        const char *argv[] = { sluicectl, bus_arg, "--no-ask-password", "acquire", "--priority", "1000", "backup",
                               NULL };
        GPid pid;
        int err_fd, status;
        char buf[512];
        ssize_t n;

        g_assert_nonnull(sluicectl);
        g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                 NULL, NULL, &pid, NULL, NULL, &err_fd, &error);
        g_assert_no_error(error);
        c = pop_check_for(f, NULL);
        g_assert_cmpstr(c->action, ==, "org.sluice.acquire");
        answer(c, TRUE, FALSE);
        c2 = pop_check_for(f, NULL);
        g_assert_cmpstr(c2->action, ==, "org.sluice.manage-jobs");
        g_assert_cmpstr(g_hash_table_lookup(c2->details, "priority"), ==, "1000");
        answer(c2, FALSE, FALSE);

        while ((n = read(err_fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0)
                        g_string_append_len(err, buf, n);
        close(err_fd);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_spawn_close_pid(pid);
        g_test_message("sluicectl said: %s", err->str);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 1);
        g_assert_cmpstr(err->str, ==,
                        "sluicectl: not permitted to queue this job of class backup (options.priority 1000 is "
                        "above the class's Priority=5) (polkit action org.sluice.manage-jobs)\n");
        g_assert_cmpuint(n_jobs(f), ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
        ADD("/bus/authz-options/priority", test_priority);
        ADD("/bus/authz-options/resources", test_resources);
        ADD("/bus/authz-options/sluicectl", test_sluicectl);
        return g_test_run();
}

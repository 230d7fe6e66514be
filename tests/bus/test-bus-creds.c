/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The caller's uid is looked up without blocking sluiced's loop
 * (src/daemon/bus-creds.c): while one new connection's lookup is
 * outstanding, everyone else's calls are answered.
 *
 * A real dbus-daemon answers GetConnectionUnixUser at once, so it cannot
 * hold a lookup open; the one mock here is for that fault injection only:
 * sluiced runs with SLUICE_TEST_CREDS_SERVICE naming a bus name the test
 * owns on the same (real) private bus, and the test answers each lookup
 * when the case says, with what the real bus driver says (or an error).
 * Real sluiced, real dbus-daemon, real calls otherwise.
 */
#include <string.h>
#include <unistd.h>

#include "bus-harness.h"

#define CREDS_MOCK_NAME "org.sluice.test.Creds"
#define DRIVER_PATH "/org/freedesktop/DBus"
#define DRIVER_IFACE "org.freedesktop.DBus"

static const char config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "\n"
        "[Class free]\n"
        "Kind=lease\n"
        "MaxRunning=0\n";

static const char driver_xml[] =
        "<node>"
        "  <interface name='" DRIVER_IFACE "'>"
        "    <method name='GetConnectionUnixUser'>"
        "      <arg name='name' type='s' direction='in'/>"
        "      <arg name='uid' type='u' direction='out'/>"
        "    </method>"
        "  </interface>"
        "</node>";

typedef struct Fixture {
        BusHarness *h;
        GDBusConnection *mock;          /* owns CREDS_MOCK_NAME */
        GDBusNodeInfo *node;
        guint object_id;
        GPtrArray *lookups;             /* of GDBusMethodInvocation*: not answered yet */
        guint n_lookups;                /* received, answered or not */
} Fixture;

static void on_lookup(GDBusConnection *conn, const char *sender, const char *path, const char *iface,
                      const char *method, GVariant *params, GDBusMethodInvocation *invocation, gpointer data) {
        Fixture *f = data;

        g_ptr_array_add(f->lookups, invocation);        /* takes the reference */
        f->n_lookups++;
}

static const GDBusInterfaceVTable driver_vtable = { .method_call = on_lookup };

static void fixture_setup(Fixture *f, gconstpointer data) {
        static const char *const env[] = { "SLUICE_TEST_CREDS_SERVICE=" CREDS_MOCK_NAME, NULL };
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        f->h = bus_harness_new_open_bus(config, env);
        f->lookups = g_ptr_array_new();
        f->mock = bus_harness_connect(f->h);
        f->node = g_dbus_node_info_new_for_xml(driver_xml, &error);
        g_assert_no_error(error);
        f->object_id = g_dbus_connection_register_object(f->mock, DRIVER_PATH, f->node->interfaces[0],
                                                         &driver_vtable, f, NULL, &error);
        g_assert_no_error(error);
        r = g_dbus_connection_call_sync(f->mock, DRIVER_IFACE, DRIVER_PATH, DRIVER_IFACE, "RequestName",
                                        g_variant_new("(su)", CREDS_MOCK_NAME, 4u), G_VARIANT_TYPE("(u)"),
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        g_assert_cmpuint(f->lookups->len, ==, 0);
        g_ptr_array_unref(f->lookups);
        g_dbus_connection_unregister_object(f->mock, f->object_id);
        g_dbus_node_info_unref(f->node);
        g_dbus_connection_close_sync(f->mock, NULL, NULL);
        g_object_unref(f->mock);
        bus_harness_free(f->h);
}

static gboolean lookup_waiting(BusHarness *h, gconstpointer data) {
        return ((const Fixture *) data)->lookups->len > 0;
}

/* The oldest unanswered lookup: asserts it asks for @name. */
static GDBusMethodInvocation *pop_lookup(Fixture *f, const char *name) {
        GDBusMethodInvocation *inv;
        const char *asked;

        bus_harness_wait_for(f->h, lookup_waiting, f, "a uid lookup from sluiced");
        inv = g_ptr_array_steal_index(f->lookups, 0);
        g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(&s)", &asked);
        g_assert_cmpstr(asked, ==, name);
        return inv;
}

/* Answer as the bus driver would: with its answer. */
static void answer_lookup(Fixture *f, GDBusMethodInvocation *inv) {
        g_autoptr(GError) error = NULL;
        GVariant *r;
        const char *asked;

        g_variant_get(g_dbus_method_invocation_get_parameters(inv), "(&s)", &asked);
        r = g_dbus_connection_call_sync(f->mock, DRIVER_IFACE, DRIVER_PATH, DRIVER_IFACE, "GetConnectionUnixUser",
                                        g_variant_new("(s)", asked), G_VARIANT_TYPE("(u)"),
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_dbus_method_invocation_return_value(inv, r);
}

static BusPending *acquire_async(Fixture *f, GDBusConnection *conn) {
        return bus_call_async(f->h, conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                              g_variant_new("(s@a{sv})", "free", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)));
}

static void assert_owner(Fixture *f, BusPending *p) {
        g_autoptr(GVariant) owner = NULL;
        const char *path;

        g_assert_no_error(p->error);
        g_variant_get(p->reply, "(&o)", &path);
        owner = bus_get_property(f->h, path, SLUICE_JOB_IFACE, "Owner");
        g_assert_cmpuint(g_variant_get_uint32(owner), ==, getuid());
}

/* A second client's call is answered while the first's lookup is out. */
static void test_not_blocked(Fixture *f, gconstpointer data) {
        g_autoptr(GDBusConnection) a = bus_harness_connect(f->h);
        g_autoptr(GDBusConnection) b = bus_harness_connect(f->h);
        g_autoptr(BusPending) b1 = NULL, b2 = NULL, a1 = NULL;
        GDBusMethodInvocation *held;

        /* B becomes known to sluiced. */
        b1 = acquire_async(f, b);
        answer_lookup(f, pop_lookup(f, g_dbus_connection_get_unique_name(b)));
        bus_harness_wait_pending(f->h, b1, "B's first Acquire");
        assert_owner(f, b1);

        /* A's lookup stays out ... */
        a1 = acquire_async(f, a);
        held = pop_lookup(f, g_dbus_connection_get_unique_name(a));

        /* ... while B is served, from the cache: no second lookup. */
        b2 = acquire_async(f, b);
        bus_harness_wait_pending(f->h, b2, "B's second Acquire, A's lookup outstanding");
        assert_owner(f, b2);
        g_assert_false(a1->done);
        g_assert_cmpuint(f->n_lookups, ==, 2);

        answer_lookup(f, held);
        bus_harness_wait_pending(f->h, a1, "A's Acquire");
        assert_owner(f, a1);
        g_assert_cmpuint(f->n_lookups, ==, 2);
}

typedef struct Order {
        GString *seen;
        const char *tag;
} Order;

static void on_ordered_reply(GObject *source, GAsyncResult *res, gpointer data) {
        Order *o = data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

        g_assert_no_error(error);
        g_string_append(o->seen, o->tag);
}

static gboolean seen_two(BusHarness *h, gconstpointer data) {
        return ((const GString *) data)->len == 2;
}

/* A call that needs no uid, sent after one held for the lookup, is
 * answered after it: a sender's calls keep their order. */
static void test_order_kept(Fixture *f, gconstpointer data) {
        g_autoptr(GDBusConnection) a = bus_harness_connect(f->h);
        g_autoptr(GString) seen = g_string_new(NULL);
        Order first = { seen, "1" }, second = { seen, "2" };
        GDBusMethodInvocation *held;

        /* GetPermissions: answered at once, as is Get (not after a commit, as Acquire). */
        g_dbus_connection_call(a, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissions",
                               NULL, NULL, G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, on_ordered_reply, &first);
        held = pop_lookup(f, g_dbus_connection_get_unique_name(a));
        g_dbus_connection_call(a, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
                               g_variant_new("(ss)", SLUICE_MANAGER_IFACE, "MaxRunning"), NULL,
                               G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, on_ordered_reply, &second);
        /* A ping on A would be held too: the Get is on the wire, and a ping
         * of another connection gives sluiced the time to read it. */
        g_dbus_connection_flush_sync(a, NULL, NULL);
        bus_harness_sync(f->h, NULL);
        g_assert_cmpstr(seen->str, ==, "");

        answer_lookup(f, held);
        bus_harness_wait_for(f->h, seen_two, seen, "both of A's calls answered");
        g_assert_cmpstr(seen->str, ==, "12");
}

/* The driver's error (the caller left, mostly) answers the held calls. */
static void test_lookup_error(Fixture *f, gconstpointer data) {
        g_autoptr(GDBusConnection) a = bus_harness_connect(f->h);
        g_autoptr(BusPending) a1 = NULL;

        a1 = acquire_async(f, a);
        g_dbus_method_invocation_return_dbus_error(pop_lookup(f, g_dbus_connection_get_unique_name(a)),
                                                   "org.freedesktop.DBus.Error.NameHasNoOwner", "gone");
        bus_harness_wait_pending(f->h, a1, "A's Acquire");
        g_assert_nonnull(a1->error);
        g_assert_nonnull(strstr(a1->error->message, "cannot determine the caller's uid"));
        g_assert_cmpuint(bus_manager_get_u(f->h, "QueuedJobs") + bus_manager_get_u(f->h, "RunningJobs"), ==, 0);
}

/* A caller that leaves while its lookup is out: its calls are dropped, the
 * late answer ignored, sluiced serves on (and exits 0 at teardown). */
static void test_sender_leaves(Fixture *f, gconstpointer data) {
        g_autoptr(GDBusConnection) b = bus_harness_connect(f->h);
        GDBusConnection *a = bus_harness_connect(f->h);
        g_autofree char *a_name = g_strdup(g_dbus_connection_get_unique_name(a));
        g_autoptr(BusPending) b1 = NULL;
        GDBusMethodInvocation *held;

        g_dbus_connection_call(a, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                               g_variant_new("(s@a{sv})", "free", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
                               NULL, G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, NULL, NULL);
        held = pop_lookup(f, a_name);
        g_dbus_connection_close_sync(a, NULL, NULL);
        g_object_unref(a);
        /* sluiced has seen A leave once a ping of B's comes back. */
        bus_harness_sync(f->h, b);

        g_dbus_method_invocation_return_value(held, g_variant_new("(u)", (guint32) getuid()));
        b1 = acquire_async(f, b);
        answer_lookup(f, pop_lookup(f, g_dbus_connection_get_unique_name(b)));
        bus_harness_wait_pending(f->h, b1, "B's Acquire");
        assert_owner(f, b1);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add("/bus/creds/not-blocked", Fixture, NULL, fixture_setup, test_not_blocked, fixture_teardown);
        g_test_add("/bus/creds/order-kept", Fixture, NULL, fixture_setup, test_order_kept, fixture_teardown);
        g_test_add("/bus/creds/lookup-error", Fixture, NULL, fixture_setup, test_lookup_error, fixture_teardown);
        g_test_add("/bus/creds/sender-leaves", Fixture, NULL, fixture_setup, test_sender_leaves, fixture_teardown);
        return g_test_run();
}

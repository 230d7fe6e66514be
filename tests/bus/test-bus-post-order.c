/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The order in which one loop iteration's messages reach a client (the post
 * step, src/daemon/post-step.c; docs/design.md "The loop iteration"): the
 * signals of the iteration, then InterfacesAdded/JobNew of its new jobs,
 * then the held replies in the order they were held.  Read with a GDBus
 * message filter, which sees every incoming message of the connection in
 * arrival order (replies and signals alike).
 */
#include <string.h>

#include "bus-harness.h"

static const char slot_config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=60\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "MaxRunning=1\n";

typedef struct {
        GMutex lock;
        GPtrArray *seen;        /* of char*: "reply <serial>", "<member> <path>", "JobChanged <path> <state>" */
} Recorder;

static GDBusMessage *record(GDBusConnection *conn, GDBusMessage *msg, gboolean incoming, gpointer data) {
        Recorder *rec = data;
        char *entry = NULL;

        if (!incoming)
                return msg;
        switch (g_dbus_message_get_message_type(msg)) {
        case G_DBUS_MESSAGE_TYPE_METHOD_RETURN:
        case G_DBUS_MESSAGE_TYPE_ERROR:
                entry = g_strdup_printf("reply %u", g_dbus_message_get_reply_serial(msg));
                break;
        case G_DBUS_MESSAGE_TYPE_SIGNAL: {
                const char *member = g_dbus_message_get_member(msg);
                GVariant *body = g_dbus_message_get_body(msg);
                const char *path = NULL, *state = NULL;

                if (g_str_equal(member, "JobChanged")) {
                        g_variant_get(body, "(t&o&s&s)", NULL, &path, &state, NULL);
                        entry = g_strdup_printf("JobChanged %s %s", path, state);
                } else if (g_str_equal(member, "JobNew")) {
                        g_variant_get(body, "(t&o&s)", NULL, &path, NULL);
                        entry = g_strdup_printf("JobNew %s", path);
                } else if (g_str_equal(member, "InterfacesAdded")) {
                        g_variant_get(body, "(&o@a{sa{sv}})", &path, NULL);
                        entry = g_strdup_printf("InterfacesAdded %s", path);
                }
                break;
        }
        default:
                break;
        }
        if (entry) {
                g_mutex_lock(&rec->lock);
                g_ptr_array_add(rec->seen, entry);
                g_mutex_unlock(&rec->lock);
        }
        return msg;
}

static void noop_signal(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                        const char *member, GVariant *params, gpointer data) {
}

/* Send a call without waiting: its serial names its reply in the record. */
static guint32 send_call(GDBusConnection *conn, const char *path, const char *iface, const char *member,
                         GVariant *params) {
        g_autoptr(GDBusMessage) msg = g_dbus_message_new_method_call(SLUICE_BUS_NAME, path, iface, member);
        g_autoptr(GError) error = NULL;
        guint32 serial = 0;

        g_dbus_message_set_body(msg, params);
        g_assert_true(g_dbus_connection_send_message(conn, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, &serial, &error));
        g_assert_no_error(error);
        return serial;
}

typedef struct {
        Recorder *rec;
        const char *entry;
} Wanted;

static gboolean recorded(BusHarness *h, gconstpointer data) {
        const Wanted *w = data;
        gboolean found = FALSE;

        g_mutex_lock(&w->rec->lock);
        for (guint i = 0; i < w->rec->seen->len && !found; i++)
                found = g_str_equal(w->rec->seen->pdata[i], w->entry);
        g_mutex_unlock(&w->rec->lock);
        return found;
}

/* Where @entry was seen (it must have been, exactly once). */
static guint position(Recorder *rec, const char *entry) {
        guint at = G_MAXUINT;

        g_mutex_lock(&rec->lock);
        for (guint i = 0; i < rec->seen->len; i++)
                if (g_str_equal(rec->seen->pdata[i], entry)) {
                        g_assert_cmpuint(at, ==, G_MAXUINT);
                        at = i;
                }
        g_mutex_unlock(&rec->lock);
        if (at == G_MAXUINT)
                g_error("never seen: %s", entry);
        return at;
}

static void wait_recorded(BusHarness *h, Recorder *rec, const char *entry) {
        Wanted w = { rec, entry };

        bus_harness_wait_for(h, recorded, &w, entry);
}

static GVariant *class_args(void) {
        return g_variant_new("(s@a{sv})", "slot", g_variant_new("a{sv}", NULL));
}

static void test_order(void) {
        g_autoptr(BusHarness) h = bus_harness_new(slot_config);
        g_autoptr(GDBusConnection) conn = bus_harness_connect(h);
        Recorder rec = { .seen = g_ptr_array_new_with_free_func(g_free) };
        g_autofree char *a = NULL, *b = NULL, *c = NULL, *reply = NULL;
        g_autofree char *ia_a = NULL, *new_a = NULL, *ia_b = NULL, *new_b = NULL;
        g_autofree char *b_running = NULL, *a_done = NULL, *release_reply = NULL, *grant_reply = NULL;
        g_autoptr(GVariant) ping = NULL;
        g_autoptr(GError) error = NULL;
        guint filter, sub;
        guint32 serial;

        g_mutex_init(&rec.lock);
        sub = g_dbus_connection_signal_subscribe(conn, NULL, NULL, NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                 noop_signal, NULL, NULL);
        /* The AddMatch went out before this call on the same connection. */
        ping = bus_call(h, conn, SLUICE_MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping", NULL, &error);
        g_assert_no_error(error);
        filter = g_dbus_connection_add_filter(conn, record, &rec, NULL);

        /* A new lease granted at once: InterfacesAdded and JobNew, then the
         * Acquire() reply naming the path (the announcement before the held
         * replies). */
        serial = send_call(conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire", class_args());
        reply = g_strdup_printf("reply %u", serial);
        wait_recorded(h, &rec, reply);
        a = g_strdup_printf("%s%u", SLUICE_JOB_PATH_PREFIX, 1u);
        ia_a = g_strconcat("InterfacesAdded ", a, NULL);
        new_a = g_strconcat("JobNew ", a, NULL);
        g_assert_cmpuint(position(&rec, ia_a), <, position(&rec, new_a));
        g_assert_cmpuint(position(&rec, new_a), <, position(&rec, reply));
        g_clear_pointer(&reply, g_free);

        /* A second lease queued behind it (Submit: answered without the grant):
         * its JobNew before the Submit() reply. */
        serial = send_call(conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire", class_args());
        b = g_strdup_printf("%s%u", SLUICE_JOB_PATH_PREFIX, 2u);
        new_b = g_strconcat("JobNew ", b, NULL);
        ia_b = g_strconcat("InterfacesAdded ", b, NULL);
        wait_recorded(h, &rec, new_b);
        grant_reply = g_strdup_printf("reply %u", serial);
        serial = send_call(conn, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit", class_args());
        reply = g_strdup_printf("reply %u", serial);
        wait_recorded(h, &rec, reply);
        c = g_strdup_printf("%s%u", SLUICE_JOB_PATH_PREFIX, 3u);
        {
                g_autofree char *new_c = g_strconcat("JobNew ", c, NULL);

                g_assert_cmpuint(position(&rec, new_c), <, position(&rec, reply));
        }
        g_assert_false(recorded(h, &(Wanted){ &rec, grant_reply }));    /* b still queued */

        /* Release(a): one iteration ends a, grants b (dispatch), commits.  The
         * signals first (a done, b running), then the held replies in the
         * order held: the Release() reply (held by its handler) before b's
         * grant (held by the dispatch after it). */
        serial = send_call(conn, a, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", ""));
        release_reply = g_strdup_printf("reply %u", serial);
        wait_recorded(h, &rec, grant_reply);
        wait_recorded(h, &rec, release_reply);
        a_done = g_strdup_printf("JobChanged %s done", a);
        b_running = g_strdup_printf("JobChanged %s running", b);
        g_assert_cmpuint(position(&rec, a_done), <, position(&rec, b_running));
        g_assert_cmpuint(position(&rec, b_running), <, position(&rec, release_reply));
        g_assert_cmpuint(position(&rec, release_reply), <, position(&rec, grant_reply));
        g_assert_cmpuint(position(&rec, ia_b), <, position(&rec, new_b));

        g_dbus_connection_remove_filter(conn, filter);
        g_dbus_connection_signal_unsubscribe(conn, sub);
        g_ptr_array_unref(rec.seen);
        g_mutex_clear(&rec.lock);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/bus/post-order/iteration", test_order);
        return g_test_run();
}

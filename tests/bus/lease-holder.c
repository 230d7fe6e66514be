/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lease-holder ADDRESS CLASS: acquire a lease of CLASS from sluiced on the bus
 * at ADDRESS, print the job's object path on stdout, then hold the lease (and
 * the connection) until killed.  The bus tests SIGKILL it to prove that a
 * vanished holder releases its slot.
 */
#include <gio/gio.h>
#include <stdio.h>

#include "sluice-bus-names.h"

int main(int argc, char **argv) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) conn = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GMainLoop) loop = NULL;
        const char *path;

        if (argc != 3) {
                fprintf(stderr, "usage: %s ADDRESS CLASS\n", argv[0]);
                return 2;
        }

        conn = g_dbus_connection_new_for_address_sync(
                argv[1], G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, &error);
        if (!conn) {
                fprintf(stderr, "lease-holder: connect: %s\n", error->message);
                return 1;
        }

        reply = g_dbus_connection_call_sync(conn, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                            g_variant_new("(s@a{sv})", argv[2], g_variant_new("a{sv}", NULL)),
                                            G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, &error);
        if (!reply) {
                fprintf(stderr, "lease-holder: Acquire: %s\n", error->message);
                return 1;
        }
        g_variant_get(reply, "(&o)", &path);
        printf("%s %s\n", g_dbus_connection_get_unique_name(conn), path);
        fflush(stdout);

        loop = g_main_loop_new(NULL, FALSE);
        g_main_loop_run(loop);
        return 0;
}

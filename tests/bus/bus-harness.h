/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The bus-test harness: a private dbus-daemon (GTestDBus), the real sluiced
 * binary on it (path from $SLUICED), and a GDBus client connection that
 * records every signal sluiced emits.  Each test case builds a fresh one and
 * frees it at the end; freeing sends SIGTERM and asserts that sluiced exits 0.
 *
 * Nothing here measures time: waits loop on the main context until a
 * condition holds, bounded only by a generous deadline that turns a hang into
 * a failure with a message instead of a meson timeout.
 */

#include <gio/gio.h>
#include <sys/types.h>

#include "sluice-bus-names.h"

/* The configuration most cases run with (see bus-harness.c). */
extern const char bus_harness_default_config[];

/* One signal as received. */
typedef struct BusSignal {
        char *sender;
        char *path;
        char *interface;
        char *member;
        GVariant *parameters;
} BusSignal;

typedef struct BusHarness {
        GTestDBus *bus;
        char *address;
        char *tmpdir;
        char *config_path;
        GPid pid;
        GDBusConnection *conn;          /* the main client connection */
        GPtrArray *signals;             /* of BusSignal*, in arrival order */
        guint signal_sub;               /* 0: signals not recorded */
        GPid dbus_pid;                  /* bus_harness_new_open_bus()'s dbus-daemon, else 0 */
} BusHarness;

typedef gboolean (*BusPredicate)(BusHarness *h, gconstpointer data);

BusHarness *bus_harness_new(const char *config_text);
/* sluiced on a private dbus-daemon that admits every uid, with the system
 * bus's limits; no signal recorded (see bus-harness.c). */
BusHarness *bus_harness_new_open_bus(const char *config_text, const char *const *extra_env);
void bus_harness_free(BusHarness *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BusHarness, bus_harness_free)

/* End sluiced with a signal (SIGKILL: a crash) and reap it; start it again
 * on the same bus, config and state directory (the harness's tmpdir). */
void bus_harness_kill_daemon(BusHarness *h, int sig);
void bus_harness_start_daemon(BusHarness *h);

/* For fixtures that bring their own bus (a GtDBusQueue's: polkit-mock.c,
 * test-bus-systemd.c) with address, config_path and tmpdir set: start
 * sluiced there (further arguments and "NAME=VALUE" environment, both
 * NULL-terminated or NULL), wait for its name, stop it (SIGTERM, asserting
 * exit 0; nothing when none runs). */
void bus_harness_spawn_daemon(BusHarness *h, const char *const *extra_args, const char *const *extra_env);
void bus_harness_wait_daemon(BusHarness *h);
void bus_harness_stop_daemon(BusHarness *h);

/* Overwrite the daemon's config file (for Reload()). */
void bus_harness_write_config(BusHarness *h, const char *config_text);

/* A further client connection to the private bus. */
GDBusConnection *bus_harness_connect(BusHarness *h);

/* Iterate the default main context until pred holds; fails the test after a
 * long deadline, naming what. */
void bus_harness_wait_for(BusHarness *h, BusPredicate pred, gconstpointer data, const char *what);

/* Ping sluiced on conn (NULL: main) and dispatch what arrived: every signal
 * it sent before is recorded. */
void bus_harness_sync(BusHarness *h, GDBusConnection *conn);

/* Dispatch whatever is pending in the default main context, without blocking. */
void bus_harness_flush(void);

/* Synchronous call on conn (NULL: the main connection) with an unlimited timeout. */
GVariant *bus_call(BusHarness *h, GDBusConnection *conn, const char *path, const char *iface,
                   const char *method, GVariant *params, GError **error);

/* Asynchronous call whose completion the test polls. */
typedef struct BusPending {
        gboolean done;
        GVariant *reply;
        GError *error;
} BusPending;

BusPending *bus_call_async(BusHarness *h, GDBusConnection *conn, const char *path, const char *iface,
                           const char *method, GVariant *params);
void bus_pending_free(BusPending *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BusPending, bus_pending_free)
void bus_harness_wait_pending(BusHarness *h, BusPending *p, const char *what);

/* Properties (the variant unboxed; caller unrefs). */
GVariant *bus_get_property(BusHarness *h, const char *path, const char *iface, const char *name);
char *bus_job_get_string(BusHarness *h, const char *path, const char *name);
guint32 bus_manager_get_u(BusHarness *h, const char *name);

/* Submit/Acquire on conn (NULL: main); options may be NULL ({}); returns the job path. */
char *bus_submit(BusHarness *h, GDBusConnection *conn, const char *klass, GVariant *options);
char *bus_acquire(BusHarness *h, GDBusConnection *conn, const char *klass, GVariant *options);
void bus_release(BusHarness *h, GDBusConnection *conn, const char *job, const char *result);
guint64 bus_job_id(const char *path);

/* Wait until the job's State property equals state. */
void bus_wait_job_state(BusHarness *h, const char *path, const char *state);

/* Assert error is the remote D-Bus error name and its message contains
 * each of the NULL-terminated strings (case-sensitive). */
void bus_assert_error(const GError *error, const char *dbus_name, ...) G_GNUC_NULL_TERMINATED;

/* Signals recorded so far with this member (and path, when not NULL). */
GPtrArray *bus_signals_find(BusHarness *h, const char *member, const char *path);

/* The values of property in the PropertiesChanged of path for iface, in
 * order (the array owns them); asserts it was never only invalidated. */
GPtrArray *bus_signals_changed_values(BusHarness *h, const char *path, const char *iface, const char *property);

/* A BusPredicate: the bus name data (a const char *) has an owner. */
gboolean bus_name_owned(BusHarness *h, gconstpointer name);

/* The unique name of conn's peer on the bus, as the bus sees it ("" if gone). */
gboolean bus_name_has_owner(BusHarness *h, const char *name);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A mocked polkitd for the authorization bus tests: libglib-testing's
 * GtDBusQueue owns org.freedesktop.PolicyKit1 on its own bus, and the real
 * sluiced runs there with --no-root-bypass.  Every CheckAuthorization
 * sluiced sends is popped by the test (pop_check_for()), looked at, and
 * answered as the case needs (answer()); teardown() fails a case that left
 * one unanswered.
 *
 * The mock answers in its own thread's main context; the test's waits
 * iterate the default one, polling, bounded by a generous deadline.
 */

#include <libglib-testing/dbus-queue.h>

#include "bus-harness.h"

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_IFACE "org.freedesktop.PolicyKit1.Authority"

/**
 * struct Fixture - one case's mock polkit and sluiced
 * @queue: the mock; its bus is the only one sluiced sees (system and session)
 * @node: the polkit Authority interface the mock exports
 * @h: conn, address, tmpdir, config_path and pid only: the bus is the queue's
 * @server_context: the mock's thread's context (atomic until set)
 * @unique_name: of @h.conn, the subject of the checks of its calls
 */
typedef struct Fixture {
        GtDBusQueue *queue;
        GDBusNodeInfo *node;
        BusHarness h;
        GMainContext *server_context;
        char *unique_name;
} Fixture;

/**
 * struct Check - one CheckAuthorization as sluiced sent it
 * @invocation: to answer (answer()); NULL once answered
 * @subject_kind: e.g. "system-bus-name"
 * @subject_name: the subject's "name" detail
 * @action: the polkit action id
 * @details: char* -> char*
 * @flags: 1: interaction allowed
 * @cancellation_id: "" when none
 */
typedef struct Check {
        GDBusMethodInvocation *invocation;
        char *subject_kind;
        char *subject_name;
        char *action;
        GHashTable *details;
        guint32 flags;
        char *cancellation_id;
} Check;

void check_free(Check *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Check, check_free)

void setup_common(Fixture *f, gboolean polkit_present, const char *tmpdir_template, const char *config);
void stop_daemon(Fixture *f);
void teardown(Fixture *f, gconstpointer data);

void wait_for_message_or(Fixture *f, const gboolean *done, const char *what);
Check *pop_check_for(Fixture *f, const BusPending *p);
Check *pop_check(Fixture *f);
void answer(Check *c, gboolean authorized, gboolean challenge);

BusPending *call_async(Fixture *f, GDBusConnection *conn, const char *path, const char *iface, const char *method,
                       GVariant *params, GDBusCallFlags flags);
void wait_reply(Fixture *f, BusPending *p, const char *what);

guint n_jobs_on(Fixture *f, GDBusConnection *conn);
guint n_jobs(Fixture *f);
void assert_check(const Check *c, const char *subject, const char *action, const char *klass);

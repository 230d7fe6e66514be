/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-call-rate: a flooding uid is slowed down at the source
 * (docs/authorization.md, "A flood of calls"; src/daemon/call-rate.c).
 *
 * The real sluiced on a private dbus-daemon that admits every uid and has
 * the system bus's limit of 128 calls awaiting replies per connection
 * (GTestDBus admits only its own uid): connections of uid 65534 (the
 * flooder) and of the user "daemon" (another user: dbus-daemon admits only
 * uids with an account) are made by switching the test's uid for the
 * handshake, so the test needs root and is skipped without it.
 * There is no polkit on this bus: every check sluiced sends is answered at
 * once by the bus (no such name), and the call is refused NotPermitted
 * "polkit is not available" — which is enough to see *when* a check was
 * sent, the only thing the rate decides.
 *
 * No timing: sluiced runs with SLUICE_TEST_AUTH_RATE (tests only) set to a
 * burst of 5 and one token an hour, so what is held stays held for the
 * whole case, and every assertion is a count or an order; a second case
 * uses a fast rate (a token a millisecond) and checks that held calls are
 * all answered, in the order they were sent, none refused.  The production
 * figures are test-call-rate's (tests/unit).
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-harness.h"

#define FLOODER_UID 65534
#define BURST 5u
#define MAX_WAITING_PER_UID 1024u       /* POLKIT_MAX_WAITING_PER_UID */
#define PER_CONNECTION 120u             /* below the bus's 128 calls awaiting replies */

/* The harness's open bus (bus_harness_new_open_bus()): every uid admitted,
 * the system bus's limits; sluiced with SLUICE_TEST_AUTH_RATE=@rate. */
typedef struct Fixture {
        BusHarness *h;
} Fixture;

static void setup(Fixture *f, const char *rate) {
        g_autofree char *env = g_strdup_printf("SLUICE_TEST_AUTH_RATE=%s", rate);

        f->h = bus_harness_new_open_bus(NULL, (const char *const[]) { env, NULL });
}

/* SIGTERM: sluiced must exit 0, held calls and all. */
static void teardown(Fixture *f) {
        g_clear_pointer(&f->h, bus_harness_free);
}

/* A connection the bus knows as @uid (credentials are taken at connect(),
 * GDBus's EXTERNAL authentication sends getuid()). */
static GDBusConnection *connect_as(Fixture *f, uid_t uid) {
        GDBusConnection *c;

        if (setresuid(uid, uid, 0) < 0)
                g_error("setresuid(%u): %s", (unsigned) uid, g_strerror(errno));
        c = bus_harness_connect(f->h);
        if (setresuid(0, 0, 0) < 0)
                g_error("setresuid(0): %s", g_strerror(errno));
        return c;
}

static BusPending *submit_async(Fixture *f, GDBusConnection *c) {
        return bus_call_async(f->h, c, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit",
                              g_variant_new("(s@a{sv})", "cmd", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)));
}

/* A read (never held: reading needs no authorization) that is answered
 * after sluiced has read every call sent before it on @c. */
static void sync_connection(Fixture *f, GDBusConnection *c) {
        g_autoptr(BusPending) p = bus_call_async(f->h, c, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob",
                                                 g_variant_new("(t)", G_MAXUINT64 - 1));

        bus_harness_wait_pending(f->h, p, "GetJob on a connection with held calls");
        bus_assert_error(p->error, "org.sluice.Error.NoSuchJob", NULL);
}

typedef struct Count {
        BusPending **p;
        guint n;
        guint want;
} Count;

static guint n_done(BusPending **p, guint n) {
        guint d = 0;

        for (guint i = 0; i < n; i++)
                d += p[i]->done;
        return d;
}

static gboolean enough_done(BusHarness *h, gconstpointer data) {
        const Count *c = data;

        return n_done(c->p, c->n) >= c->want;
}

/* g_dbus_error_get_remote_error() returns a new string. */
static gboolean remote_error_is(const BusPending *p, const char *name, gboolean suffix) {
        g_autofree char *remote = NULL;

        if (!p->done || !p->error || !g_dbus_error_is_remote_error(p->error))
                return FALSE;
        remote = g_dbus_error_get_remote_error(p->error);
        return remote && (suffix ? g_str_has_suffix(remote, name) : g_str_equal(remote, name));
}

static gboolean is_refusal(const BusPending *p) {
        return remote_error_is(p, ".NotPermitted", TRUE);
}

static gboolean is_limits_exceeded(const BusPending *p) {
        return remote_error_is(p, "org.freedesktop.DBus.Error.LimitsExceeded", FALSE);
}

/*
 * Burst 5, then a token an hour: of the flooder's 20 Submits, 5 are asked
 * about (and refused: no polkit) and 15 held, unanswered.  Meanwhile its
 * reads are answered, another user's Submit is asked about and answered at
 * once, root's Submit succeeds (root is never asked, never held).  Held
 * calls count against the flooder's 1024: past them, LimitsExceeded at once.
 */
static void test_flooder_held_others_answered(void) {
        Fixture f = {};
        g_autoptr(GDBusConnection) flooder = NULL, other = NULL;
        GDBusConnection *more[16] = {};
        BusPending *flood[20], *extra[16 * PER_CONNECTION];
        guint n_extra = 0, n_more, refused = 0, limited = 0;
        g_autoptr(BusPending) mine = NULL;
        g_autofree char *root_job = NULL;

        const struct passwd *pw = getpwnam("daemon");

        if (geteuid() != 0 || !pw || pw->pw_uid == 0 || pw->pw_uid == FLOODER_UID) {
                g_test_skip("needs root and a user \"daemon\": connections of uid 65534 and another uid");
                return;
        }
        setup(&f, "3600000000:5");
        flooder = connect_as(&f, FLOODER_UID);
        other = connect_as(&f, pw->pw_uid);

        for (guint i = 0; i < G_N_ELEMENTS(flood); i++)
                flood[i] = submit_async(&f, flooder);
        bus_harness_wait_for(f.h, enough_done, &(Count){ flood, G_N_ELEMENTS(flood), BURST },
                             "the flooder's burst to be answered");
        sync_connection(&f, flooder);
        bus_harness_flush();
        /* Exactly the burst was asked about, the first 5 in order; the rest is held. */
        g_assert_cmpuint(n_done(flood, G_N_ELEMENTS(flood)), ==, BURST);
        for (guint i = 0; i < BURST; i++) {
                g_assert_true(flood[i]->done);
                bus_assert_error(flood[i]->error, "org.sluice.Error.NotPermitted", "polkit is not available", NULL);
        }

        /* Another user is asked about at once: its own bucket. */
        mine = submit_async(&f, other);
        bus_harness_wait_pending(f.h, mine, "another user's Submit while the flooder's calls are held");
        bus_assert_error(mine->error, "org.sluice.Error.NotPermitted", "polkit is not available", NULL);
        /* Root (Cockpit, sluicectl as root) is never asked, never held. */
        root_job = bus_submit(f.h, NULL, "cmd", NULL);
        g_assert_nonnull(root_job);
        sync_connection(&f, flooder);
        bus_harness_flush();
        g_assert_cmpuint(n_done(flood, G_N_ELEMENTS(flood)), ==, BURST);

        /* The flooder's held calls count: 15 held, 1009 more fit, the next 7 are refused at once. */
        n_more = (MAX_WAITING_PER_UID - (G_N_ELEMENTS(flood) - BURST) + 7 + PER_CONNECTION - 1) / PER_CONNECTION;
        g_assert_cmpuint(n_more, <=, G_N_ELEMENTS(more));
        for (guint k = 0; k < n_more; k++) {
                more[k] = connect_as(&f, FLOODER_UID);
                for (guint i = 0; i < PER_CONNECTION &&
                                  n_extra < MAX_WAITING_PER_UID - (G_N_ELEMENTS(flood) - BURST) + 7; i++)
                        extra[n_extra++] = submit_async(&f, more[k]);
        }
        bus_harness_wait_for(f.h, enough_done, &(Count){ extra, n_extra, 7 },
                             "the calls beyond the flooder's 1024 to be refused");
        for (guint k = 0; k < n_more; k++)
                sync_connection(&f, more[k]);
        bus_harness_flush();
        for (guint i = 0; i < n_extra; i++) {
                refused += is_refusal(extra[i]);
                limited += is_limits_exceeded(extra[i]);
        }
        g_assert_cmpuint(refused, ==, 0);
        g_assert_cmpuint(limited, ==, 7);
        g_assert_cmpuint(n_done(extra, n_extra), ==, 7);
        /* ... each naming the bound (which 7: however the bus interleaved the connections). */
        for (guint i = 0; i < n_extra; i++)
                if (extra[i]->done)
                        bus_assert_error(extra[i]->error, "org.freedesktop.DBus.Error.LimitsExceeded",
                                         "too many calls waiting for authorization from uid 65534", "1024", NULL);

        /* Still answered at once: the other user. */
        g_clear_pointer(&mine, bus_pending_free);
        mine = submit_async(&f, other);
        bus_harness_wait_pending(f.h, mine, "another user's Submit while 1024 calls of the flooder are held");
        bus_assert_error(mine->error, "org.sluice.Error.NotPermitted", "polkit is not available", NULL);

        /* The flooder leaves: its held calls go with it (sluiced exits 0 after). */
        for (guint k = 0; k < n_more; k++) {
                g_dbus_connection_close_sync(more[k], NULL, NULL);
                g_object_unref(more[k]);
        }
        g_dbus_connection_close_sync(flooder, NULL, NULL);
        for (guint i = 0; i < n_extra; i++)
                bus_harness_wait_pending(f.h, extra[i], "the closed connections to fail their calls");
        for (guint i = 0; i < G_N_ELEMENTS(flood); i++)
                bus_harness_wait_pending(f.h, flood[i], "the closed connection to fail its calls");
        g_clear_pointer(&mine, bus_pending_free);
        mine = submit_async(&f, other);
        bus_harness_wait_pending(f.h, mine, "another user's Submit after the flooder left");
        bus_assert_error(mine->error, "org.sluice.Error.NotPermitted", "polkit is not available", NULL);

        for (guint i = 0; i < n_extra; i++)
                bus_pending_free(extra[i]);
        for (guint i = 0; i < G_N_ELEMENTS(flood); i++)
                bus_pending_free(flood[i]);
        teardown(&f);
}

typedef struct Order {
        BusPending **p;
        guint n;
        GPtrArray *seen;                /* the BusPending in the order their replies were seen */
} Order;

static gboolean all_seen(BusHarness *h, gconstpointer data) {
        const Order *o = data;

        for (guint i = 0; i < o->n; i++)
                if (o->p[i]->done && !g_ptr_array_find(o->seen, o->p[i], NULL))
                        g_ptr_array_add(o->seen, o->p[i]);
        return o->seen->len == o->n;
}

/* A token a millisecond, burst 2: every held call is answered in the end,
 * in the order sent, none refused for the rate. */
static void test_held_calls_answered_in_order(void) {
        Fixture f = {};
        g_autoptr(GDBusConnection) flooder = NULL;
        BusPending *flood[100];
        g_autoptr(GPtrArray) order = g_ptr_array_new();

        if (geteuid() != 0) {
                g_test_skip("needs root: a connection of uid 65534");
                return;
        }
        setup(&f, "1000:2");
        flooder = connect_as(&f, FLOODER_UID);
        for (guint i = 0; i < G_N_ELEMENTS(flood); i++)
                flood[i] = submit_async(&f, flooder);
        bus_harness_wait_for(f.h, all_seen, &(Order){ flood, G_N_ELEMENTS(flood), order },
                             "every held call to be answered");
        for (guint i = 0; i < G_N_ELEMENTS(flood); i++) {
                g_assert_true(g_ptr_array_index(order, i) == flood[i]);
                bus_assert_error(flood[i]->error, "org.sluice.Error.NotPermitted", "polkit is not available", NULL);
                bus_pending_free(flood[i]);
        }
        teardown(&f);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/call-rate/flooder-held-others-answered", test_flooder_held_others_answered);
        g_test_add_func("/call-rate/held-calls-answered-in-order", test_held_calls_answered_in_order);
        return g_test_run();
}

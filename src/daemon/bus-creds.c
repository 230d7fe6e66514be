/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-creds.h"
#include "i18n.h"
#include "macro.h"
#include "manager.h"

/*
 * The caller's uid comes from the bus daemon: dbus-daemon attaches no
 * credentials to a message, so it takes a call to the driver
 * (GetConnectionUnixUser).  Made synchronously inside a method handler, that
 * call stalled the whole loop for one round trip per new connection (18-26
 * ms under load: every other client waited, docs/benchmarks.md).  So the
 * lookup is made before the handler runs, asynchronously, by a filter on the
 * connection (sd_bus_add_filter(), which sees every message before the
 * object vtables do):
 *
 * - a method call that may need the uid (anything but Peer, Introspectable,
 *   ObjectManager and Properties.Get/GetAll) from a unique name whose uid is
 *   not known yet is held, and GetConnectionUnixUser goes out;
 * - every later call of the same sender is held behind it, whatever it is,
 *   so that a sender's calls are still handled in the order they came;
 * - when the driver answers, the uid is kept and the held calls are rewound
 *   and queued again for reading (sd_bus_enqueue_for_read(), as
 *   polkit-query.c does): they pass the filter, in order, and their handlers
 *   find the uid in the cache.  A call of the sender that was read in the
 *   meantime is queued behind them;
 * - when the driver answers an error (the sender left), the held calls are
 *   answered with it, as the handlers answered before.
 *
 * A unique name's credentials never change while it exists and a unique
 * name is never reused, so the answer is kept until the name leaves the bus
 * (the NameOwnerChanged match of lease.c calls bus_creds_forget()).  At most
 * BUS_CREDS_MAX_IN_FLIGHT lookups are on the bus at once (with the executor's
 * PID1_CALL_WINDOW and POLKIT_MAX_IN_FLIGHT, below the system bus's 128
 * replies a connection may await); the others wait, in order.
 *
 * bus_sender_uid() keeps the synchronous call as a fallback only, for a call
 * the filter let through unknown (the lookup could not be sent).
 */

/* Lookups awaiting the driver's answer at once. */
#define BUS_CREDS_MAX_IN_FLIGHT 16u

#define DBUS_DRIVER_NAME "org.freedesktop.DBus"
#define DBUS_DRIVER_PATH "/org/freedesktop/DBus"
#define DBUS_DRIVER_IFACE "org.freedesktop.DBus"

static void message_unref(gpointer msg) {
        sd_bus_message_unref(msg);
}

/* One sender whose calls wait for its uid, or are being released. */
typedef struct CredsLookup {
        BusCreds *creds;
        char *sender;
        sd_bus_slot *slot;              /* GetConnectionUnixUser in flight, or NULL */
        bool sent;                      /* asked (answered or in flight), not waiting for a turn */
        GQueue held;                    /* of sd_bus_message* (references), arrival order */
        unsigned released;              /* queued again for reading, not yet past the filter */
} CredsLookup;

struct BusCreds {
        GHashTable *uids;               /* unique name -> uid, while the name exists */
        GHashTable *lookups;            /* unique name -> CredsLookup* (owned) */
        GHashTable *released;           /* set of sd_bus_message* (references): queued again, not yet filtered */
        GQueue waiting;                 /* of CredsLookup*: not sent yet, in order */
        unsigned in_flight;
        char *driver;                   /* where lookups go: the bus driver (tests: SLUICE_TEST_CREDS_SERVICE) */
        sd_bus_slot *filter;
};

static void lookup_free(CredsLookup *l) {
        if (!l)
                return;
        if (l->slot) {
                l->slot = sd_bus_slot_unref(l->slot);   /* cancels the call */
                l->creds->in_flight--;
        }
        if (!l->sent)
                g_queue_remove(&l->creds->waiting, l);
        g_queue_clear_full(&l->held, message_unref);
        g_free(l->sender);
        g_free(l);
}

/**
 * bus_creds_new() - an empty uid cache
 *
 * Return: the cache; never NULL.
 */
BusCreds *bus_creds_new(void) {
        BusCreds *c = g_new0(BusCreds, 1);

        c->uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        c->lookups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) lookup_free);
        c->released = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                            message_unref, NULL);
        g_queue_init(&c->waiting);
        c->driver = g_strdup(DBUS_DRIVER_NAME);
        return c;
}

/**
 * bus_creds_free() - free the cache, dropping held calls unanswered
 * @c: the cache (may be NULL)
 *
 * Before the bus is closed: lookups in flight hold slots on it.
 */
void bus_creds_free(BusCreds *c) {
        if (!c)
                return;
        c->filter = sd_bus_slot_unref(c->filter);
        g_hash_table_destroy(c->released);
        g_hash_table_destroy(c->lookups);
        g_hash_table_destroy(c->uids);
        g_free(c->driver);
        g_free(c);
}

/* Calls answered without the caller's identity: reading is open to everyone
 * (bus-access.c), and a ping or an introspection need nobody's uid. */
static bool call_needs_uid(sd_bus_message *msg) {
        const char *iface = sd_bus_message_get_interface(msg);
        const char *member = sd_bus_message_get_member(msg);

        if (!iface)
                return true;
        if (g_str_equal(iface, "org.freedesktop.DBus.Peer") || g_str_equal(iface, "org.freedesktop.DBus.Introspectable") ||
            g_str_equal(iface, "org.freedesktop.DBus.ObjectManager"))
                return false;
        if (g_str_equal(iface, "org.freedesktop.DBus.Properties"))
                return !member || !(g_str_equal(member, "Get") || g_str_equal(member, "GetAll"));
        return true;
}

/* Queue @msg again for reading, marked to pass the filter. */
static void release_one(CredsLookup *l, sd_bus_message *msg) {
        sd_bus *bus = sd_bus_message_get_bus(msg);
        int r;

        r = sd_bus_message_rewind(msg, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(bus, msg);
        if (r < 0) {
                (void) sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_FAILED,
                                                  "cannot resume the call after the uid lookup: %s",
                                                  g_strerror(-r));
                sd_bus_message_unref(msg);
                return;
        }
        g_hash_table_insert(l->creds->released, msg, NULL);     /* takes the reference */
        l->released++;
}

static void release_held(CredsLookup *l) {
        for (sd_bus_message *msg; (msg = g_queue_pop_head(&l->held));)
                release_one(l, msg);
}

/* Answer every held call with the lookup's error (the sender left, mostly). */
static void fail_held(CredsLookup *l, int error) {
        for (sd_bus_message *msg; (msg = g_queue_pop_head(&l->held));) {
                (void) sd_bus_reply_method_errnof(msg, error, _("cannot determine the caller's uid: %s"),
                                                  g_strerror(error));
                sd_bus_message_unref(msg);
        }
}

static void pump(BusCreds *c);

static int on_lookup_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        CredsLookup *l = userdata;
        BusCreds *c = l->creds;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t uid;
        int r;

        l->slot = sd_bus_slot_unref(l->slot);
        c->in_flight--;

        if (e)
                r = -sd_bus_error_get_errno(e);
        else {
                r = sd_bus_message_read(reply, "u", &uid);
                if (r == 0)
                        r = -EBADMSG;
        }
        if (r < 0) {
                fail_held(l, -r);
        } else {
                g_hash_table_insert(c->uids, g_strdup(l->sender), GUINT_TO_POINTER((guint) uid));
                release_held(l);
        }
        if (l->released == 0)
                g_hash_table_remove(c->lookups, l->sender);
        pump(c);
        return 0;
}

/* Send the lookups waiting for a turn, up to the cap. */
static void pump(BusCreds *c) {
        CredsLookup *l;
        int r;

        while (c->in_flight < BUS_CREDS_MAX_IN_FLIGHT && (l = g_queue_pop_head(&c->waiting))) {
                sd_bus_message *first = g_queue_peek_head(&l->held);

                l->sent = true;
                r = sd_bus_call_method_async(sd_bus_message_get_bus(first), &l->slot, c->driver, DBUS_DRIVER_PATH,
                                             DBUS_DRIVER_IFACE, "GetConnectionUnixUser", on_lookup_reply, l,
                                             "s", l->sender);
                if (r < 0) {
                        /* Let the calls through: bus_sender_uid() asks synchronously. */
                        release_held(l);
                        if (l->released == 0)
                                g_hash_table_remove(c->lookups, l->sender);
                        continue;
                }
                c->in_flight++;
        }
}

static int creds_filter(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        BusCreds *c = userdata;
        const char *sender;
        CredsLookup *l;
        uint8_t type;

        if (sd_bus_message_get_type(msg, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_CALL)
                return 0;
        sender = sd_bus_message_get_sender(msg);
        if (!sender || sender[0] != ':')
                return 0;       /* a direct connection, or not a client */
        l = g_hash_table_lookup(c->lookups, sender);

        if (g_hash_table_contains(c->released, msg)) {
                /* Back from the hold: on to its handler. */
                if (l && l->released > 0 && --l->released == 0 && l->sent && !l->slot)
                        g_hash_table_remove(c->lookups, sender);
                g_hash_table_remove(c->released, msg);  /* the dispatch holds its own reference */
                return 0;
        }

        if (l) {
                /* Behind the sender's earlier calls, in order. */
                g_queue_push_tail(&l->held, sd_bus_message_ref(msg));
                if (l->sent && !l->slot)
                        release_held(l);        /* answered: queue it behind the released ones */
                return 1;
        }

        if (g_hash_table_contains(c->uids, sender) || !call_needs_uid(msg))
                return 0;

        l = g_new0(CredsLookup, 1);
        l->creds = c;
        l->sender = g_strdup(sender);
        g_queue_init(&l->held);
        g_queue_push_tail(&l->held, sd_bus_message_ref(msg));
        g_hash_table_insert(c->lookups, l->sender, l);
        g_queue_push_tail(&c->waiting, l);
        pump(c);
        return 1;
}

/**
 * bus_creds_attach() - look uids up before the handlers run, asynchronously
 * @m: the manager, bus connected, before the bus name is requested
 *
 * Installs the filter described at the top of this file.  The environment
 * variable SLUICE_TEST_CREDS_SERVICE (tests only, logged as a warning) sends
 * the lookups to that bus name instead of the bus driver, so that a test can
 * hold one unanswered.
 *
 * Return: 0 or a negative errno.
 */
int bus_creds_attach(Manager *m) {
        const char *driver = getenv(SLUICE_TEST_CREDS_ENV);
        int r;

        if (driver) {
                if (!sd_bus_service_name_is_valid(driver)) {
                        log_full(&m->log, LOG_ERR, "%s=\"%s\": not a bus name", SLUICE_TEST_CREDS_ENV, driver);
                        return -EINVAL;
                }
                log_full(&m->log, LOG_WARNING, "uid lookups go to %s, not the bus driver (%s)", driver,
                         SLUICE_TEST_CREDS_ENV);
                g_free(m->creds->driver);
                m->creds->driver = g_strdup(driver);
        }
        r = sd_bus_add_filter(m->bus, &m->creds->filter, creds_filter, m->creds);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot install the uid lookup filter");
        return 0;
}

/**
 * bus_sender_uid() - the effective uid of the sender of @message
 * @m: the manager (holds the cache)
 * @message: a method call
 * @ret: the uid
 *
 * The filter of bus_creds_attach() has looked it up before the handler runs;
 * only when it could not is the bus asked here, synchronously.
 *
 * Return: 0 or a negative errno (the sender is gone, or the bus would not say).
 */
int bus_sender_uid(Manager *m, sd_bus_message *message, uint32_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(message);
        gpointer cached;
        uid_t uid;
        int r;

        if (sender && g_hash_table_lookup_extended(m->creds->uids, sender, NULL, &cached)) {
                *ret = GPOINTER_TO_UINT(cached);
                return 0;
        }

        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;

        if (sender && sender[0] == ':')
                g_hash_table_insert(m->creds->uids, g_strdup(sender), GUINT_TO_POINTER((guint) uid));
        *ret = (uint32_t) uid;
        return 0;
}

/**
 * bus_creds_forget() - a unique name left the bus
 * @m: the manager
 * @unique_name: the name
 *
 * Its uid is dropped, its lookup cancelled and its held calls dropped
 * unanswered (nobody is there to read a reply).
 */
void bus_creds_forget(Manager *m, const char *unique_name) {
        g_hash_table_remove(m->creds->uids, unique_name);
        g_hash_table_remove(m->creds->lookups, unique_name);
}

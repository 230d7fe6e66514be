/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>

#include "macro.h"
#include "polkit-query.h"

#define POLKIT_BUS_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"

/* CheckAuthorizationFlags: AllowUserInteraction. */
#define POLKIT_FLAG_ALLOW_USER_INTERACTION 1u

/* An interactive check waits for a person typing a password: give it time,
 * but not forever (the caller leaving the bus cancels it earlier). */
#define POLKIT_INTERACTIVE_TIMEOUT_USEC (10ull * 60 * 1000 * 1000)

struct PolkitRegistry {
        GHashTable *queries;            /* sd_bus_message* (the call) -> PolkitQuery* (owned) */
        uint64_t next_cancel_id;
};

/* One decided check of one call. */
typedef struct PolkitAnswer {
        char *key;                      /* action id and details, see query_key() */
        PolkitVerdict verdict;
        char *reason;                   /* why polkit is unavailable, or NULL */
} PolkitAnswer;

/* Everything known about the authorization of one method call. */
typedef struct PolkitQuery {
        PolkitRegistry *registry;
        sd_bus_message *call;           /* the original call (a reference) */
        GPtrArray *answers;             /* of PolkitAnswer*: decided checks */
        char *pending_key;              /* the check in flight, or NULL */
        sd_bus_slot *slot;              /* its CheckAuthorization call */
        char *cancel_id;                /* its cancellation id (interactive checks only) */
        sd_event_source *expire;        /* idle: drops the query after the re-dispatched run */
} PolkitQuery;

static void polkit_answer_free(PolkitAnswer *a) {
        g_free(a->key);
        g_free(a->reason);
        g_free(a);
}

static void polkit_query_free(PolkitQuery *q) {
        if (!q)
                return;
        sd_bus_slot_unref(q->slot);             /* a pending call's reply is now ignored */
        sd_event_source_disable_unref(q->expire);
        sd_bus_message_unref(q->call);
        g_ptr_array_unref(q->answers);
        g_free(q->pending_key);
        g_free(q->cancel_id);
        g_free(q);
}

/**
 * polkit_registry_new() - an empty registry of polkit queries
 *
 * Return: the registry; never NULL.
 */
PolkitRegistry *polkit_registry_new(void) {
        PolkitRegistry *reg = g_new0(PolkitRegistry, 1);

        reg->queries = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                             (GDestroyNotify) polkit_query_free);
        return reg;
}

/**
 * polkit_registry_free() - drop every query
 * @reg: the registry (may be NULL)
 *
 * Calls still waiting for polkit are dropped unanswered: this runs when the
 * daemon exits and its connection closes anyway.  Call it before the bus
 * connection and the event loop are released.
 */
void polkit_registry_free(PolkitRegistry *reg) {
        if (!reg)
                return;
        g_hash_table_destroy(reg->queries);
        g_free(reg);
}

/**
 * polkit_registry_pending() - how many calls wait for polkit
 * @reg: the registry
 *
 * Return: the number of CheckAuthorization calls in flight.
 */
unsigned polkit_registry_pending(const PolkitRegistry *reg) {
        GHashTableIter it;
        gpointer value;
        unsigned n = 0;

        g_hash_table_iter_init(&it, reg->queries);
        while (g_hash_table_iter_next(&it, NULL, &value))
                if (((PolkitQuery *) value)->slot)
                        n++;
        return n;
}

/* The action and its details, as one string: an answer is reused only for
 * exactly the question it answered. */
static char *query_key(const char *action_id, const char *const *details) {
        GString *s = g_string_new(action_id);

        for (const char *const *p = details; p && *p; p++) {
                g_string_append_c(s, '\n');
                g_string_append(s, *p);
        }
        return g_string_free(s, FALSE);
}

static const PolkitAnswer *query_find_answer(const PolkitQuery *q, const char *key) {
        for (guint i = 0; i < q->answers->len; i++) {
                const PolkitAnswer *a = g_ptr_array_index(q->answers, i);

                if (strcmp(a->key, key) == 0)
                        return a;
        }
        return NULL;
}

static int on_expire(sd_event_source *s, void *userdata) {
        PolkitQuery *q = userdata;

        if (q->slot)            /* asked again meanwhile: wait for that answer */
                return 0;
        g_hash_table_remove(q->registry->queries, q->call);
        return 0;
}

static void query_add_answer(PolkitQuery *q, PolkitVerdict verdict, const char *reason) {
        PolkitAnswer *a = g_new0(PolkitAnswer, 1);

        a->key = TAKE_PTR(q->pending_key);
        a->verdict = verdict;
        a->reason = g_strdup(reason);
        g_ptr_array_add(q->answers, a);
}

static PolkitVerdict parse_reply(sd_bus_message *reply, char **ret_reason) {
        const sd_bus_error *e;
        int authorized, challenge, r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                e = sd_bus_message_get_error(reply);
                *ret_reason = g_strdup_printf("%s (%s)", e && e->message ? e->message : "no message",
                                              e && e->name ? e->name : "unknown error");
                return POLKIT_VERDICT_UNAVAILABLE;
        }

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_STRUCT, "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                *ret_reason = g_strdup_printf("malformed CheckAuthorization reply: %s", g_strerror(-r));
                return POLKIT_VERDICT_UNAVAILABLE;
        }
        /* The details (a{ss}) are of no use to us. */
        if (authorized)
                return POLKIT_VERDICT_ALLOWED;
        return challenge ? POLKIT_VERDICT_CHALLENGE : POLKIT_VERDICT_DENIED;
}

static int on_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        sd_bus *bus = sd_bus_message_get_bus(q->call);
        g_autofree char *reason = NULL;
        PolkitVerdict verdict;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);
        g_clear_pointer(&q->cancel_id, g_free);

        verdict = parse_reply(reply, &reason);
        query_add_answer(q, verdict, reason);

        /* Run the original call again: this time its handler finds the answer.
         * The expire source has idle priority, so it runs only once the bus
         * has nothing queued, i.e. after that second run. */
        r = sd_event_source_set_enabled(q->expire, SD_EVENT_ONESHOT);
        if (r >= 0)
                r = sd_bus_message_rewind(q->call, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(bus, q->call);
        if (r < 0) {
                (void) sd_bus_reply_method_errorf(q->call, SD_BUS_ERROR_FAILED,
                                                  "cannot resume the call after its authorization: %s",
                                                  g_strerror(-r));
                g_hash_table_remove(q->registry->queries, q->call);
        }
        return 1;
}

static int append_details(sd_bus_message *m, const char *const *details) {
        int r;

        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{ss}");
        if (r < 0)
                return r;
        for (const char *const *p = details; p && p[0] && p[1]; p += 2) {
                r = sd_bus_message_append(m, "{ss}", p[0], p[1]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

static int query_start(PolkitQuery *q, const char *action_id, const char *const *details) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = sd_bus_message_get_bus(q->call);
        const char *sender = sd_bus_message_get_sender(q->call);
        bool interactive = sd_bus_message_get_allow_interactive_authorization(q->call) > 0;
        int r;

        if (!sender)
                return -EBADMSG;
        if (interactive)
                q->cancel_id = g_strdup_printf("sluice-%" G_GUINT64_FORMAT, ++q->registry->next_cancel_id);

        r = sd_bus_message_new_method_call(bus, &m, POLKIT_BUS_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender, action_id);
        if (r < 0)
                return r;
        r = append_details(m, details);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "us", interactive ? POLKIT_FLAG_ALLOW_USER_INTERACTION : 0u,
                                  q->cancel_id ? q->cancel_id : "");
        if (r < 0)
                return r;

        return sd_bus_call_async(bus, &q->slot, m, on_check_reply, q,
                                 interactive ? POLKIT_INTERACTIVE_TIMEOUT_USEC : 0);
}

/**
 * polkit_registry_check() - has polkit authorized the caller of @call?
 * @reg: the registry
 * @call: the method call being handled; its sender is the polkit subject
 * @action_id: the polkit action, e.g. "org.sluice.submit"
 * @details: NULL-terminated key, value, key, value... list sent as the
 *           check's details (e.g. "class", "backup"), or NULL
 * @ret_verdict: the verdict, when decided
 * @ret_reason: why polkit gave no answer (POLKIT_VERDICT_UNAVAILABLE), else NULL
 *
 * The first call for a (@call, @action_id, @details) sends CheckAuthorization
 * (interactive when the caller set ALLOW_INTERACTIVE_AUTHORIZATION) and
 * returns 0: the handler must return 1 and do nothing else; @call is
 * dispatched again when the answer is in, and this function then returns it.
 *
 * Return: 1 decided, 0 pending, or a negative errno.
 */
int polkit_registry_check(PolkitRegistry *reg, sd_bus_message *call, const char *action_id,
                          const char *const *details, PolkitVerdict *ret_verdict, char **ret_reason) {
        g_autofree char *key = query_key(action_id, details);
        PolkitQuery *q;
        const PolkitAnswer *a;
        int r;

        *ret_reason = NULL;
        q = g_hash_table_lookup(reg->queries, call);
        if (q) {
                a = query_find_answer(q, key);
                if (a) {
                        *ret_verdict = a->verdict;
                        *ret_reason = g_strdup(a->reason);
                        return 1;
                }
                if (q->slot)    /* a handler never runs while its call waits */
                        return -EBUSY;
                /* A further action for the same call (Submit with argv). */
                (void) sd_event_source_set_enabled(q->expire, SD_EVENT_OFF);
        } else {
                q = g_new0(PolkitQuery, 1);
                q->registry = reg;
                q->call = sd_bus_message_ref(call);
                q->answers = g_ptr_array_new_with_free_func((GDestroyNotify) polkit_answer_free);
                r = sd_event_add_defer(sd_bus_get_event(sd_bus_message_get_bus(call)), &q->expire, on_expire, q);
                if (r >= 0)
                        r = sd_event_source_set_priority(q->expire, SD_EVENT_PRIORITY_IDLE);
                if (r >= 0)
                        r = sd_event_source_set_enabled(q->expire, SD_EVENT_OFF);
                if (r >= 0)
                        (void) sd_event_source_set_description(q->expire, "sluice-polkit-expire");
                if (r < 0) {
                        polkit_query_free(q);
                        return r;
                }
                g_hash_table_insert(reg->queries, call, q);
        }

        q->pending_key = g_strdup(key);
        r = query_start(q, action_id, details);
        if (r < 0) {
                /* Could not even ask: that is an answer too, "unavailable". */
                q->slot = sd_bus_slot_unref(q->slot);
                g_clear_pointer(&q->cancel_id, g_free);
                g_clear_pointer(&q->pending_key, g_free);
                if (q->answers->len == 0)
                        g_hash_table_remove(reg->queries, call);
                else
                        (void) sd_event_source_set_enabled(q->expire, SD_EVENT_ONESHOT);
                *ret_verdict = POLKIT_VERDICT_UNAVAILABLE;
                *ret_reason = g_strdup_printf("cannot call %s: %s", POLKIT_BUS_NAME, g_strerror(-r));
                return 1;
        }
        return 0;
}

static void send_cancel(sd_bus *bus, const char *cancel_id) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, POLKIT_BUS_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CancelCheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", cancel_id);
        if (r >= 0)
                r = sd_bus_message_set_expect_reply(m, false);
        if (r >= 0)
                (void) sd_bus_send(bus, m, NULL);
}

/**
 * polkit_registry_forget_sender() - a unique name left the bus
 * @reg: the registry
 * @unique_name: the name
 *
 * Its calls still waiting for polkit are dropped: nobody is left to answer,
 * and an authentication dialog shown for it is withdrawn
 * (CancelCheckAuthorization).  Calls already answered and queued again run
 * before this is called (the bus reads in order), so nothing is lost.
 */
void polkit_registry_forget_sender(PolkitRegistry *reg, const char *unique_name) {
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, reg->queries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                PolkitQuery *q = value;

                if (!q->slot || g_strcmp0(sd_bus_message_get_sender(q->call), unique_name) != 0)
                        continue;
                if (q->cancel_id)
                        send_cancel(sd_bus_message_get_bus(q->call), q->cancel_id);
                g_hash_table_iter_remove(&it);
        }
}

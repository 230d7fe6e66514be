/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Asking polkit from sd-bus (polkit-query.h).  Just over 800 lines, one job:
 * a call that needs polkit waits here, fairly queued per uid and per sender,
 * while CheckAuthorization goes out capped, rate-limited (call-rate.c) and
 * backed off after LimitsExceeded, and is re-dispatched with the answer.
 * The queue and the wire share every struct (a query is both a queue entry
 * and an outstanding call, cancelled together when its sender leaves), so a
 * split would only move those structs into a private header; the token
 * bucket, the one part that stands alone, is call-rate.c already.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call-rate.h"
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
        GHashTable *users;              /* uid -> PolkitUser* (owned), while it has calls waiting */
        GHashTable *senders;            /* unique name -> PolkitSender* (owned), while it has calls waiting */
        GQueue ring;                    /* of PolkitUser*: uids with calls queued, in turn */
        unsigned in_flight;             /* CheckAuthorization calls sent, not answered */
        unsigned waiting;               /* calls queued, not yet sent */
        sd_event_source *backoff;       /* armed after a LimitsExceeded: nothing is sent until it fires */
        CallRate *rate;                 /* a token per check sent, per uid (call-rate.h) */
        sd_event *event;                /* the loop of the bus the calls come from (set by the first) */
        sd_event_source *rate_timer;    /* armed while calls wait only for their uid's next token */
        uint64_t next_cancel_id;
};

typedef enum {
        QUERY_IDLE,                     /* nothing asked, or answered */
        QUERY_QUEUED,                   /* a check waits for its turn (in its PolkitSender) */
        QUERY_IN_FLIGHT,                /* its CheckAuthorization is on the bus */
} QueryState;

/* One uid with calls waiting: the unit of fairness and of the caps. */
typedef struct PolkitUser {
        uint32_t uid;
        unsigned in_flight;
        unsigned queued;
        GQueue senders;                 /* of PolkitSender*: its connections with calls queued, in turn */
        bool in_ring;                   /* in PolkitRegistry.ring */
} PolkitUser;

/* One connection with calls waiting. */
typedef struct PolkitSender {
        char *name;
        PolkitUser *user;
        unsigned in_flight;
        GQueue queries;                 /* of PolkitQuery*: queued, in arrival order */
} PolkitSender;

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
        uint32_t uid;                   /* the caller's */
        GPtrArray *answers;             /* of PolkitAnswer*: decided checks */
        QueryState state;
        char *pending_key;              /* the check queued or in flight, or NULL */
        char *action_id;                /* ... its action */
        char **details;                 /* ... and details (key, value, ...) */
        bool quiet;                     /* ... never with AllowUserInteraction (polkit_registry_check_quiet()) */
        unsigned retries;               /* LimitsExceeded in a row for it */
        PolkitSender *sender;           /* while QUERY_QUEUED or QUERY_IN_FLIGHT */
        sd_bus_slot *slot;              /* its CheckAuthorization call, while QUERY_IN_FLIGHT */
        char *cancel_id;                /* its cancellation id (interactive checks only) */
        sd_event_source *expire;        /* idle: drops the query after the re-dispatched run */
} PolkitQuery;

static void polkit_answer_free(PolkitAnswer *a) {
        g_free(a->key);
        g_free(a->reason);
        g_free(a);
}

static void user_maybe_free(PolkitRegistry *reg, PolkitUser *u) {
        if (u->in_flight == 0 && u->queued == 0 && !u->in_ring)
                g_hash_table_remove(reg->users, GUINT_TO_POINTER(u->uid));
}

static PolkitUser *user_get(PolkitRegistry *reg, uint32_t uid) {
        PolkitUser *u = g_hash_table_lookup(reg->users, GUINT_TO_POINTER(uid));

        if (!u) {
                u = g_new0(PolkitUser, 1);
                u->uid = uid;
                g_hash_table_insert(reg->users, GUINT_TO_POINTER(uid), u);
        }
        return u;
}

static void polkit_user_free(PolkitUser *u) {
        g_queue_clear(&u->senders);
        g_free(u);
}

static void polkit_sender_free(PolkitSender *s) {
        g_queue_clear(&s->queries);
        g_free(s->name);
        g_free(s);
}

static PolkitSender *sender_get(PolkitRegistry *reg, sd_bus_message *call, PolkitUser *u) {
        const char *name = sd_bus_message_get_sender(call);
        PolkitSender *s;

        if (!name)
                name = "";
        s = g_hash_table_lookup(reg->senders, name);
        if (!s) {
                s = g_new0(PolkitSender, 1);
                s->name = g_strdup(name);
                s->user = u;
                g_hash_table_insert(reg->senders, s->name, s);
        }
        return s;
}

static void sender_maybe_free(PolkitRegistry *reg, PolkitSender *s) {
        if (s->in_flight == 0 && g_queue_is_empty(&s->queries))
                g_hash_table_remove(reg->senders, s->name);
}

/* Take q out of the queues or out of flight; it becomes QUERY_IDLE. */
static void query_detach(PolkitQuery *q) {
        PolkitRegistry *reg = q->registry;
        PolkitUser *u;
        PolkitSender *s;

        switch (q->state) {
        case QUERY_QUEUED:
                s = q->sender;
                u = s->user;
                g_queue_remove(&s->queries, q);
                q->sender = NULL;
                u->queued--;
                reg->waiting--;
                if (g_queue_is_empty(&s->queries)) {
                        g_queue_remove(&u->senders, s);
                        sender_maybe_free(reg, s);
                }
                if (u->queued == 0 && u->in_ring) {
                        g_queue_remove(&reg->ring, u);
                        u->in_ring = false;
                }
                user_maybe_free(reg, u);
                break;
        case QUERY_IN_FLIGHT:
                q->slot = sd_bus_slot_unref(q->slot);   /* a pending call's reply is now ignored */
                s = q->sender;
                u = s->user;
                q->sender = NULL;
                g_assert(s->in_flight > 0 && u->in_flight > 0 && reg->in_flight > 0);
                s->in_flight--;
                u->in_flight--;
                reg->in_flight--;
                sender_maybe_free(reg, s);
                user_maybe_free(reg, u);
                break;
        case QUERY_IDLE:
                break;
        }
        q->state = QUERY_IDLE;
}

/* Queue q's check behind its uid's and its connection's other calls (or,
 * for a check the bus refused, in front of them: it was sent in turn). */
static void query_enqueue(PolkitQuery *q, bool front) {
        PolkitRegistry *reg = q->registry;
        PolkitUser *u = user_get(reg, q->uid);
        PolkitSender *s = sender_get(reg, q->call, u);

        if (g_queue_is_empty(&s->queries)) {
                if (front)
                        g_queue_push_head(&u->senders, s);
                else
                        g_queue_push_tail(&u->senders, s);
        }
        if (front)
                g_queue_push_head(&s->queries, q);
        else
                g_queue_push_tail(&s->queries, q);
        q->sender = s;
        q->state = QUERY_QUEUED;
        u->queued++;
        reg->waiting++;
        if (!u->in_ring) {
                if (front)
                        g_queue_push_head(&reg->ring, u);
                else
                        g_queue_push_tail(&reg->ring, u);
                u->in_ring = true;
        }
}

static uint64_t registry_now(PolkitRegistry *reg) {
        uint64_t now;
        struct timespec ts;

        if (reg->event && sd_event_now(reg->event, CLOCK_MONOTONIC, &now) >= 0)
                return now;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* The next check to send: of the uids that may have one more in flight
 * and have a token (call-rate.h), the one with the fewest in flight (the
 * first in turn among equals); of its connections, the one with the fewest
 * in flight, likewise; that one's oldest call.  Both go to the back of their
 * rings, and the uid's token is taken. */
static PolkitQuery *dequeue_next(PolkitRegistry *reg) {
        uint64_t now = registry_now(reg);
        PolkitUser *best_u = NULL;
        PolkitSender *best_s = NULL;
        PolkitQuery *q;

        for (GList *l = reg->ring.head; l; l = l->next) {
                PolkitUser *u = l->data;

                if (u->in_flight < POLKIT_MAX_IN_FLIGHT_PER_UID && (!best_u || u->in_flight < best_u->in_flight) &&
                    call_rate_next(reg->rate, u->uid, now) <= now)
                        best_u = u;
        }
        if (!best_u)
                return NULL;
        (void) call_rate_take(reg->rate, best_u->uid, now);
        for (GList *l = best_u->senders.head; l; l = l->next) {
                PolkitSender *s = l->data;

                if (!best_s || s->in_flight < best_s->in_flight)
                        best_s = s;
        }
        g_queue_remove(&reg->ring, best_u);
        g_queue_push_tail(&reg->ring, best_u);
        g_queue_remove(&best_u->senders, best_s);
        g_queue_push_tail(&best_u->senders, best_s);
        q = g_queue_peek_head(&best_s->queries);
        query_detach(q);
        return q;
}

static void polkit_query_free(PolkitQuery *q) {
        if (!q)
                return;
        query_detach(q);
        sd_event_source_disable_unref(q->expire);
        sd_bus_message_unref(q->call);
        g_ptr_array_unref(q->answers);
        g_free(q->pending_key);
        g_free(q->action_id);
        g_strfreev(q->details);
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
        const char *test_rate = getenv(CALL_RATE_TEST_ENV);
        uint64_t interval = 1000000u / CALL_RATE_PER_SEC;
        unsigned burst = CALL_RATE_BURST;
        char *end;

        if (test_rate) {
                /* Tests only: "INTERVAL_USEC:BURST"; anything else keeps the defaults. */
                uint64_t i = g_ascii_strtoull(test_rate, &end, 10);
                uint64_t b = *end == ':' ? g_ascii_strtoull(end + 1, &end, 10) : 0;

                if (*end == '\0' && i > 0 && b > 0 && b <= G_MAXUINT) {
                        interval = i;
                        burst = (unsigned) b;
                }
        }
        reg->rate = call_rate_new(interval, burst);

        reg->queries = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                             (GDestroyNotify) polkit_query_free);
        reg->users = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                           (GDestroyNotify) polkit_user_free);
        reg->senders = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) polkit_sender_free);
        g_queue_init(&reg->ring);
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
        g_hash_table_destroy(reg->queries);     /* first: they leave the queues */
        g_queue_clear(&reg->ring);
        g_hash_table_destroy(reg->senders);
        g_hash_table_destroy(reg->users);
        sd_event_source_disable_unref(reg->backoff);
        sd_event_source_disable_unref(reg->rate_timer);
        call_rate_free(reg->rate);
        sd_event_unref(reg->event);
        g_free(reg);
}

/**
 * polkit_registry_pending() - how many checks are in flight
 * @reg: the registry
 *
 * Return: the number of CheckAuthorization calls sent and not answered
 * (at most POLKIT_MAX_IN_FLIGHT).
 */
unsigned polkit_registry_pending(const PolkitRegistry *reg) {
        return reg->in_flight;
}

/**
 * polkit_registry_waiting() - how many checks wait for their turn
 * @reg: the registry
 *
 * Return: the number of calls whose check is queued in sluiced, not sent yet.
 */
unsigned polkit_registry_waiting(const PolkitRegistry *reg) {
        return reg->waiting;
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

        if (q->state != QUERY_IDLE)     /* asked again meanwhile: wait for that answer */
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
        g_clear_pointer(&q->action_id, g_free);
        g_clear_pointer(&q->details, g_strfreev);
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

/* The answer is in: run the original call again, this time its handler
 * finds the answer.  The expire source has idle priority, so it runs only
 * once the bus has nothing queued, i.e. after that second run.  q may be
 * freed on return. */
static void query_resume(PolkitQuery *q, PolkitVerdict verdict, const char *reason) {
        sd_bus *bus = sd_bus_message_get_bus(q->call);
        int r;

        query_add_answer(q, verdict, reason);
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
}

static int on_backoff(sd_event_source *s, uint64_t usec, void *userdata);
static void pump(PolkitRegistry *reg);

/* The bus refused a check (LimitsExceeded: too many calls of sluiced's
 * await replies): send nothing for a little while.  A local limit of the
 * bus is no answer of polkit's. */
static void arm_backoff(PolkitRegistry *reg, sd_bus_message *call) {
        sd_event *e = sd_bus_get_event(sd_bus_message_get_bus(call));
        int r;

        if (reg->backoff || !e)
                return;
        r = sd_event_add_time_relative(e, &reg->backoff, CLOCK_MONOTONIC, POLKIT_RETRY_USEC, 0, on_backoff, reg);
        if (r >= 0)
                (void) sd_event_source_set_description(reg->backoff, "sluice-polkit-backoff");
        else
                reg->backoff = NULL;
}

static int on_backoff(sd_event_source *s, uint64_t usec, void *userdata) {
        PolkitRegistry *reg = userdata;

        reg->backoff = sd_event_source_disable_unref(reg->backoff);
        pump(reg);
        return 0;
}

static void query_requeue(PolkitQuery *q) {
        query_enqueue(q, true);
        arm_backoff(q->registry, q->call);
}

static int on_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        PolkitRegistry *reg = q->registry;
        g_autofree char *reason = NULL;
        PolkitVerdict verdict;

        g_clear_pointer(&q->cancel_id, g_free);
        query_detach(q);        /* out of flight: a slot is free */

        if (sd_bus_message_is_method_error(reply, SD_BUS_ERROR_LIMITS_EXCEEDED) &&
            ++q->retries < POLKIT_MAX_RETRIES) {
                query_requeue(q);
                return 1;
        }
        verdict = parse_reply(reply, &reason);
        query_resume(q, verdict, reason);
        pump(reg);
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

/* Send q's CheckAuthorization; q goes in flight.  -ENOBUFS: sd-bus's own
 * queue is full, try again later. */
static int query_send(PolkitQuery *q) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        PolkitRegistry *reg = q->registry;
        sd_bus *bus = sd_bus_message_get_bus(q->call);
        const char *sender = sd_bus_message_get_sender(q->call);
        bool interactive = !q->quiet && sd_bus_message_get_allow_interactive_authorization(q->call) > 0;
        PolkitUser *u;
        int r;

        g_assert(q->state == QUERY_IDLE);
        if (!sender)
                return -EBADMSG;
        g_clear_pointer(&q->cancel_id, g_free);
        if (interactive)
                q->cancel_id = g_strdup_printf("sluice-%" G_GUINT64_FORMAT, ++reg->next_cancel_id);

        r = sd_bus_message_new_method_call(bus, &m, POLKIT_BUS_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender, q->action_id);
        if (r < 0)
                return r;
        r = append_details(m, (const char *const *) q->details);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "us", interactive ? POLKIT_FLAG_ALLOW_USER_INTERACTION : 0u,
                                  q->cancel_id ? q->cancel_id : "");
        if (r < 0)
                return r;

        r = sd_bus_call_async(bus, &q->slot, m, on_check_reply, q,
                              interactive ? POLKIT_INTERACTIVE_TIMEOUT_USEC : 0);
        if (r < 0) {
                q->slot = sd_bus_slot_unref(q->slot);
                g_clear_pointer(&q->cancel_id, g_free);
                return r;
        }
        u = user_get(reg, q->uid);
        q->sender = sender_get(reg, q->call, u);
        q->sender->in_flight++;
        u->in_flight++;
        reg->in_flight++;
        q->state = QUERY_IN_FLIGHT;
        return 0;
}

static int on_rate_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        pump(userdata);
        return 0;
}

/* Calls wait that could be sent but for their uid's token: wake up when
 * the first of those uids has one.  (A uid at its in-flight cap is woken by
 * its answers, a full registry by any answer, a backoff by its own timer.) */
static void arm_rate_timer(PolkitRegistry *reg) {
        uint64_t now = registry_now(reg), when = UINT64_MAX;
        int r;

        if (reg->backoff || reg->in_flight >= POLKIT_MAX_IN_FLIGHT || !reg->event)
                return;
        for (GList *l = reg->ring.head; l; l = l->next) {
                PolkitUser *u = l->data;

                if (u->in_flight < POLKIT_MAX_IN_FLIGHT_PER_UID)
                        when = MIN(when, call_rate_next(reg->rate, u->uid, now));
        }
        if (when == UINT64_MAX)
                return;
        if (reg->rate_timer) {
                r = sd_event_source_set_time(reg->rate_timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(reg->rate_timer, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(reg->event, &reg->rate_timer, CLOCK_MONOTONIC, when, 0, on_rate_timer, reg);
                if (r >= 0)
                        (void) sd_event_source_set_description(reg->rate_timer, "sluice-polkit-rate");
        }
        if (r < 0)      /* no timer: the next answer or call pumps again */
                reg->rate_timer = sd_event_source_disable_unref(reg->rate_timer);
}

/* Send the checks waiting, in turn, while there is room. */
static void pump(PolkitRegistry *reg) {
        PolkitQuery *q;
        int r;

        if (reg->rate_timer)
                (void) sd_event_source_set_enabled(reg->rate_timer, SD_EVENT_OFF);
        while (!reg->backoff && reg->in_flight < POLKIT_MAX_IN_FLIGHT && (q = dequeue_next(reg))) {
                r = query_send(q);
                if (r == -ENOBUFS) {
                        query_requeue(q);
                        return;
                }
                if (r < 0) {
                        g_autofree char *reason = g_strdup_printf("cannot call %s: %s", POLKIT_BUS_NAME,
                                                                  g_strerror(-r));
                        query_resume(q, POLKIT_VERDICT_UNAVAILABLE, reason);
                }
        }
        arm_rate_timer(reg);
}

/**
 * polkit_registry_check() - has polkit authorized the caller of @call?
 * @reg: the registry
 * @call: the method call being handled; its sender is the polkit subject
 * @uid: the caller's uid (from the bus): whose turn and whose caps
 * @action_id: the polkit action, e.g. "org.sluice.submit"
 * @details: NULL-terminated key, value, key, value... list sent as the
 *           check's details (e.g. "class", "backup"), or NULL
 * @ret_verdict: the verdict, when decided
 * @ret_reason: why polkit gave no answer (POLKIT_VERDICT_UNAVAILABLE), or
 *              how many calls of @uid wait (POLKIT_VERDICT_OVERLOADED), else NULL
 *
 * The first call for a (@call, @action_id, @details) sends CheckAuthorization
 * (interactive when the caller set ALLOW_INTERACTIVE_AUTHORIZATION), or
 * queues it for its turn when POLKIT_MAX_IN_FLIGHT checks, or
 * POLKIT_MAX_IN_FLIGHT_PER_UID of @uid's, are in flight, and returns 0: the
 * handler must return 1 and do nothing else; @call is dispatched again when
 * the answer is in, and this function then returns it.  When @uid has
 * POLKIT_MAX_WAITING_PER_UID calls waiting already, nothing is asked and the
 * verdict is POLKIT_VERDICT_OVERLOADED at once.
 *
 * Return: 1 decided, 0 pending, or a negative errno.
 */
static int check_full(PolkitRegistry *reg, sd_bus_message *call, uint32_t uid, const char *action_id,
                      const char *const *details, bool quiet, PolkitVerdict *ret_verdict, char **ret_reason) {
        g_autofree char *key = query_key(action_id, details);
        PolkitQuery *q;
        PolkitUser *u;
        const PolkitAnswer *a;
        unsigned n;
        int r;

        *ret_reason = NULL;
        if (!reg->event) {
                sd_event *e = sd_bus_get_event(sd_bus_message_get_bus(call));

                reg->event = e ? sd_event_ref(e) : NULL;
        }
        q = g_hash_table_lookup(reg->queries, call);
        if (q) {
                a = query_find_answer(q, key);
                if (a) {
                        *ret_verdict = a->verdict;
                        *ret_reason = g_strdup(a->reason);
                        return 1;
                }
                if (q->state != QUERY_IDLE)     /* a handler never runs while its call waits */
                        return -EBUSY;
        }

        /* One uid's flood pins at most this many calls, all uids' at most
         * POLKIT_MAX_WAITING. */
        u = g_hash_table_lookup(reg->users, GUINT_TO_POINTER(uid));
        n = u ? u->in_flight + u->queued : 0;
        if (n >= POLKIT_MAX_WAITING_PER_UID || reg->in_flight + reg->waiting >= POLKIT_MAX_WAITING) {
                if (q)
                        (void) sd_event_source_set_enabled(q->expire, SD_EVENT_ONESHOT);
                *ret_verdict = POLKIT_VERDICT_OVERLOADED;
                *ret_reason = n >= POLKIT_MAX_WAITING_PER_UID ?
                        g_strdup_printf("%u", n) :
                        g_strdup_printf("%u of all users", reg->in_flight + reg->waiting);
                return 1;
        }

        if (q)
                /* A further action for the same call (Submit with argv). */
                (void) sd_event_source_set_enabled(q->expire, SD_EVENT_OFF);
        else {
                q = g_new0(PolkitQuery, 1);
                q->registry = reg;
                q->call = sd_bus_message_ref(call);
                q->uid = uid;
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
        q->action_id = g_strdup(action_id);
        q->details = g_strdupv((char **) details);
        q->quiet = quiet;
        q->retries = 0;

        /* Its turn now only if nobody waits before it: when there is room,
         * whoever waits is at a per-uid cap or has no token (or the bus
         * asked for a pause); and only if its uid has a token: else it
         * waits for one (the tarpit, call-rate.h). */
        if (reg->backoff || reg->in_flight >= POLKIT_MAX_IN_FLIGHT ||
            (u && (u->in_flight >= POLKIT_MAX_IN_FLIGHT_PER_UID || u->queued > 0))) {
                query_enqueue(q, false);
                return 0;
        }
        if (!call_rate_take(reg->rate, uid, registry_now(reg))) {
                query_enqueue(q, false);
                arm_rate_timer(reg);
                return 0;
        }

        r = query_send(q);
        if (r == -ENOBUFS) {
                query_enqueue(q, false);
                arm_backoff(reg, call);
                return 0;
        }
        if (r < 0) {
                /* Could not even ask: that is an answer too, "unavailable". */
                g_clear_pointer(&q->pending_key, g_free);
                g_clear_pointer(&q->action_id, g_free);
                g_clear_pointer(&q->details, g_strfreev);
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

int polkit_registry_check(PolkitRegistry *reg, sd_bus_message *call, uint32_t uid, const char *action_id,
                          const char *const *details, PolkitVerdict *ret_verdict, char **ret_reason) {
        return check_full(reg, call, uid, action_id, details, false, ret_verdict, ret_reason);
}

/**
 * polkit_registry_check_quiet() - polkit_registry_check(), never interactive
 * @reg: the registry
 * @call: the method call being handled; its sender is the polkit subject
 * @uid: the caller's uid (from the bus)
 * @action_id: the polkit action
 * @details: as for polkit_registry_check()
 * @ret_verdict: the verdict, when decided
 * @ret_reason: as for polkit_registry_check()
 *
 * The same, but CheckAuthorization goes without AllowUserInteraction even
 * when @call allows interactive authorization: for questions about what the
 * caller may do (GetPermissions), which must never show a password dialog.
 * A challenge comes back as POLKIT_VERDICT_CHALLENGE.
 *
 * Return: 1 decided, 0 pending, or a negative errno.
 */
int polkit_registry_check_quiet(PolkitRegistry *reg, sd_bus_message *call, uint32_t uid, const char *action_id,
                                const char *const *details, PolkitVerdict *ret_verdict, char **ret_reason) {
        return check_full(reg, call, uid, action_id, details, true, ret_verdict, ret_reason);
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
 * Its calls still waiting for polkit, in flight or queued, are dropped:
 * nobody is left to answer, and an authentication dialog shown for it is
 * withdrawn (CancelCheckAuthorization).  Calls already answered and queued
 * again run before this is called (the bus reads in order), so nothing is
 * lost.  The slots it held go to the next callers in turn.
 */
void polkit_registry_forget_sender(PolkitRegistry *reg, const char *unique_name) {
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, reg->queries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                PolkitQuery *q = value;

                if (q->state == QUERY_IDLE || g_strcmp0(sd_bus_message_get_sender(q->call), unique_name) != 0)
                        continue;
                if (q->state == QUERY_IN_FLIGHT && q->cancel_id)
                        send_cancel(sd_bus_message_get_bus(q->call), q->cancel_id);
                g_hash_table_iter_remove(&it);
        }
        pump(reg);
}

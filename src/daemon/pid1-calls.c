/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "pid1-calls.h"

static const char *strna(const char *s) {
        return s ? s : "n/a";
}

struct Pid1Calls {
        const Pid1CallsOps *ops;
        void *userdata;
        const Logger *log;

        sd_bus *bus;                    /* the daemon's bus, where PID 1 is (own ref) */
        bool gone;                      /* PID 1's name vanished from the bus: nothing goes out */

        GQueue queue;                   /* of Call*: waiting for room in the window (first served) */
        GQueue start_queue;             /* of Call*: StartTransientUnit waiting for room */
        unsigned in_flight;             /* calls awaiting PID 1's reply */
        unsigned units_held;            /* units started (or re-attached) and not yet released */
        bool hold_starts;               /* starts wait for pid1_calls_release_starts() */
        bool starts_held;               /* ... and some do now */
};

typedef struct Call {
        Pid1Calls *q;
        char *key;                      /* what it is for (a unit name), NULL if nothing */
        Pid1ReplyFn fn;                 /* NULL: nothing to do with the reply */
        sd_bus_message *msg;            /* while queued */
        bool start;                     /* StartTransientUnit: also bounded by PID1_UNIT_WINDOW */
} Call;

static void call_free(void *p) {
        Call *c = p;

        if (!c)
                return;
        sd_bus_message_unref(c->msg);
        g_free(c->key);
        g_free(c);
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        Pid1Calls *q = c->q;

        if (q->in_flight > 0)
                q->in_flight--;
        /* The daemon's bus is closing: sluiced exits (exit-on-disconnect), nothing to do. */
        if (!sd_bus_is_open(sd_bus_message_get_bus(reply)))
                return 0;
        if (c->fn)
                c->fn(q->userdata, c->key, reply, sd_bus_message_get_error(reply));
        pid1_calls_pump(q);
        if (q->ops->replied)
                q->ops->replied(q->userdata);
        return 0;
}

/* The next call that may go out: anything else before starts, starts only while units_held has room. */
static Call *next_call(Pid1Calls *q) {
        Call *c = g_queue_pop_head(&q->queue);

        if (c)
                return c;
        if (q->units_held >= PID1_UNIT_WINDOW || q->starts_held)
                return NULL;
        return g_queue_pop_head(&q->start_queue);
}

/**
 * pid1_calls_pump() - send queued calls while the windows have room
 * @q: the queue
 *
 * A call that cannot be sent gets its reply function with the error.
 */
void pid1_calls_pump(Pid1Calls *q) {
        Call *c;
        int r;

        while (q->bus && !q->gone && q->in_flight < PID1_CALL_WINDOW && (c = next_call(q))) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = TAKE_PTR(c->msg);
                sd_bus_slot *slot = NULL;

                r = sd_bus_call_async(q->bus, &slot, msg, on_reply, c, 0);
                if (r < 0) {
                        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;

                        log_errno(q->log, LOG_WARNING, r, "cannot call systemd (%s)",
                                  strna(sd_bus_message_get_member(msg)));
                        sd_bus_error_set_errno(&err, r);
                        if (c->fn)
                                c->fn(q->userdata, c->key, NULL, &err);
                        call_free(c);
                        continue;
                }
                (void) sd_bus_slot_set_destroy_callback(slot, call_free);
                (void) sd_bus_slot_set_floating(slot, 1);
                sd_bus_slot_unref(slot);
                q->in_flight++;
                if (c->start && q->ops->start_sent)
                        q->ops->start_sent(q->userdata, c->key);
        }
}

/**
 * pid1_calls_release_starts() - let the held starts go out
 * @q: the queue
 *
 * Each held start is first offered to ops->start_wanted(); the unwanted ones
 * are dropped unsent and reported to ops->start_dropped() once all were
 * looked at.  Does nothing when no start is held.
 */
void pid1_calls_release_starts(Pid1Calls *q) {
        g_autoptr(GPtrArray) dropped = NULL;

        if (!q->starts_held)
                return;
        q->starts_held = false;
        dropped = g_ptr_array_new_with_free_func(g_free);
        for (GList *i = q->start_queue.head, *next; i; i = next) {
                Call *c = i->data;

                next = i->next;
                if (!q->ops->start_wanted || q->ops->start_wanted(q->userdata, c->key))
                        continue;
                g_ptr_array_add(dropped, g_strdup(c->key));
                g_queue_delete_link(&q->start_queue, i);
                call_free(c);
        }
        for (guint i = 0; i < dropped->len; i++)
                if (q->ops->start_dropped)
                        q->ops->start_dropped(q->userdata, dropped->pdata[i]);
        pid1_calls_pump(q);
}

/**
 * pid1_calls_enqueue() - queue a call to PID 1
 * @q: the queue
 * @msg: the call (a reference is taken)
 * @key: what it is for (copied; may be NULL), handed back to @fn
 * @fn: gets the reply (may be NULL)
 * @start: a StartTransientUnit (its own queue, held until the release)
 */
void pid1_calls_enqueue(Pid1Calls *q, sd_bus_message *msg, const char *key, Pid1ReplyFn fn, bool start) {
        Call *c = g_new0(Call, 1);

        c->q = q;
        c->key = g_strdup(key);
        c->fn = fn;
        c->msg = sd_bus_message_ref(msg);
        c->start = start;
        g_queue_push_tail(start ? &q->start_queue : &q->queue, c);
        if (start && q->hold_starts)
                q->starts_held = true;
        pid1_calls_pump(q);
}

/**
 * pid1_calls_new_method() - a method call to PID 1
 * @q: the queue
 * @ret: the new message
 * @path: object path
 * @iface: interface
 * @member: method
 *
 * Return: 0, -ENOTCONN without a bus, or a negative errno of sd-bus.
 */
int pid1_calls_new_method(Pid1Calls *q, sd_bus_message **ret, const char *path, const char *iface,
                          const char *member) {
        if (!q->bus)
                return -ENOTCONN;
        return sd_bus_message_new_method_call(q->bus, ret, PID1_DEST, path, iface, member);
}

/**
 * pid1_calls_unit_method() - queue a manager method with one unit-name argument
 * @q: the queue
 * @member: RefUnit, UnrefUnit, GetUnit, ...
 * @unit: the argument
 * @key: what the reply is for (may be NULL)
 * @fn: gets the reply (may be NULL)
 *
 * Return: 0 or a negative errno.
 */
int pid1_calls_unit_method(Pid1Calls *q, const char *member, const char *unit, const char *key, Pid1ReplyFn fn) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = pid1_calls_new_method(q, &msg, PID1_PATH, PID1_MANAGER_IFACE, member);
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", unit);
        if (r < 0)
                return r;
        pid1_calls_enqueue(q, msg, key, fn, false);
        return 0;
}

/**
 * pid1_calls_drop_all() - forget every queued call (unsent; nothing is called)
 * @q: the queue
 */
void pid1_calls_drop_all(Pid1Calls *q) {
        Call *c;

        while ((c = g_queue_pop_head(&q->queue)))
                call_free(c);
        while ((c = g_queue_pop_head(&q->start_queue)))
                call_free(c);
        q->in_flight = 0;
}

/**
 * pid1_calls_error_is_transient() - "PID 1 is not there right now", not "PID 1 said no"
 * @q: the queue
 * @error: the error of a reply
 *
 * Return: true while PID 1 is away, or for NoReply, Disconnected, Timeout.
 */
bool pid1_calls_error_is_transient(Pid1Calls *q, const sd_bus_error *error) {
        return q->gone ||
               sd_bus_error_has_names(error, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_DISCONNECTED,
                                      SD_BUS_ERROR_TIMEOUT);
}

void pid1_calls_unit_held(Pid1Calls *q) {
        q->units_held++;
}

void pid1_calls_unit_released(Pid1Calls *q) {
        if (q->units_held > 0)
                q->units_held--;
}

unsigned pid1_calls_n_units_held(Pid1Calls *q) {
        return q->units_held;
}

void pid1_calls_set_bus(Pid1Calls *q, sd_bus *bus) {
        sd_bus_unref(q->bus);
        q->bus = bus ? sd_bus_ref(bus) : NULL;
}

sd_bus *pid1_calls_get_bus(Pid1Calls *q) {
        return q->bus;
}

void pid1_calls_set_gone(Pid1Calls *q, bool gone) {
        q->gone = gone;
}

bool pid1_calls_is_gone(Pid1Calls *q) {
        return q->gone;
}

void pid1_calls_set_hold_starts(Pid1Calls *q, bool hold) {
        q->hold_starts = hold;
}

/**
 * pid1_calls_new() - an empty queue, no bus yet
 * @ops: what the user is told (static, never NULL)
 * @userdata: handed to @ops and to the reply functions
 * @log: where problems are logged
 *
 * Return: the queue; never NULL.
 */
Pid1Calls *pid1_calls_new(const Pid1CallsOps *ops, void *userdata, const Logger *log) {
        Pid1Calls *q = g_new0(Pid1Calls, 1);

        q->ops = ops;
        q->userdata = userdata;
        q->log = log;
        g_queue_init(&q->queue);
        g_queue_init(&q->start_queue);
        return q;
}

/**
 * pid1_calls_free() - drop the queued calls and the bus reference
 * @q: the queue (may be NULL)
 *
 * Calls in flight are answered to nobody (their slots are floating on the
 * bus, which the daemon closes).
 */
void pid1_calls_free(Pid1Calls *q) {
        if (!q)
                return;
        pid1_calls_drop_all(q);
        q->bus = sd_bus_unref(q->bus);
        g_free(q);
}

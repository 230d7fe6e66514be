/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>

#include "bus-job.h"
#include "held-replies.h"
#include "i18n.h"

typedef enum HeldReplyKind {
        HELD_REPLY_PREPARED,    /* a reply the handler built */
        HELD_REPLY_SUBMIT,      /* a new job's Submit()/TriggerSchedule(): its path */
        HELD_REPLY_ACQUIRE,     /* a new lease's Acquire(): its path once granted */
        HELD_REPLY_GRANT,       /* the Acquire() of a lease granted after its announcement */
} HeldReplyKind;

/*
 * The decision, per kind, of what a failed commit does (held-replies.h has
 * the table with the methods; docs/design.md "Durability windows" why).
 * refused: the call is answered with IOError and its new job cancelled —
 * a job nobody was told about can still be taken back.  Else the reply
 * waits for a commit that works: the change is in force already (its
 * signals went out), an error would say it did not happen.
 */
static const struct {
        bool refused;
} held_reply_kinds[] = {
        [HELD_REPLY_PREPARED] = { .refused = false },
        [HELD_REPLY_SUBMIT]   = { .refused = true },
        [HELD_REPLY_ACQUIRE]  = { .refused = true },
        [HELD_REPLY_GRANT]    = { .refused = false },
};

struct HeldReply {
        HeldReplyKind kind;
        sd_bus_message *call;   /* the call answered (its sender: manager_forget_held_replies()) */
        sd_bus_message *reply;  /* PREPARED: the answer */
        uint64_t job_id;        /* the others: the job whose path answers */
};

static void held_reply_free(HeldReply *h) {
        if (!h)
                return;
        sd_bus_message_unref(h->call);
        sd_bus_message_unref(h->reply);
        g_free(h);
}

static void hold(Manager *m, HeldReplyKind kind, sd_bus_message *call, sd_bus_message *reply, uint64_t id) {
        HeldReply *h = g_new0(HeldReply, 1);

        h->kind = kind;
        h->call = call ? sd_bus_message_ref(call) : NULL;
        h->reply = reply ? sd_bus_message_ref(reply) : NULL;
        h->job_id = id;
        g_queue_push_tail(&m->held_replies, h);
        manager_schedule_post(m);
}

/**
 * manager_reply_after_commit() - answer @call with @reply once its change is durable
 * @m: the manager
 * @call: the method call that changed stored state
 * @reply: its answer, prepared now (a method return or an error)
 *
 * A call that expects no reply needs nothing held: its change is committed
 * anyway.
 *
 * Return: 1 (what a method handler returns for a reply it sends later).
 */
int manager_reply_after_commit(Manager *m, sd_bus_message *call, sd_bus_message *reply) {
        if (sd_bus_message_get_expect_reply(call))
                hold(m, HELD_REPLY_PREPARED, call, reply, 0);
        return 1;
}

/**
 * manager_hold_reply() - an empty method return to @call, once its change is durable
 * @m: the manager
 * @call: the method call (a method without results)
 *
 * Return: 1, or a negative errno when the reply cannot be built (sd-bus
 * then answers with an error; the change itself is committed anyway).
 */
int manager_hold_reply(Manager *m, sd_bus_message *call) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!sd_bus_message_get_expect_reply(call))
                return 1;
        r = sd_bus_message_new_method_return(call, &reply);
        if (r < 0)
                return r;
        return manager_reply_after_commit(m, call, reply);
}

/**
 * manager_hold_submit_reply() - answer a new job's Submit() with its path, once stored
 * @m: the manager
 * @call: Submit() or TriggerSchedule()
 * @id: the job it made
 *
 * Held even when @call expects no reply: a failed commit cancels the job.
 *
 * Return: 1.
 */
int manager_hold_submit_reply(Manager *m, sd_bus_message *call, uint64_t id) {
        hold(m, HELD_REPLY_SUBMIT, call, NULL, id);
        return 1;
}

/**
 * manager_hold_acquire_reply() - answer a new lease's Acquire() with its path, once stored and granted
 * @m: the manager
 * @call: the Acquire() call, also in the lease's JobLink.acquire_call
 * @id: the lease
 *
 * A lease still queued after the commit is answered by its grant
 * (manager_hold_grant_reply()); one that ends first by lease_job_done().
 *
 * Return: 1.
 */
int manager_hold_acquire_reply(Manager *m, sd_bus_message *call, uint64_t id) {
        hold(m, HELD_REPLY_ACQUIRE, call, NULL, id);
        return 1;
}

/**
 * manager_hold_grant_reply() - answer an announced lease's Acquire() once its grant is stored
 * @m: the manager
 * @id: the lease, just granted
 *
 * A holder told "yours" must find its lease running after a crash, not
 * queued (and granted to someone else first).
 */
void manager_hold_grant_reply(Manager *m, uint64_t id) {
        JobLink *l = manager_get_link(m, id);

        hold(m, HELD_REPLY_GRANT, l ? l->acquire_call : NULL, NULL, id);
}

/* An Acquire() answered with its lease's path, if it is granted and still waits. */
static void send_acquire(Manager *m, JobLink *l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        if (!l || !l->acquire_call || l->job->state != JOB_STATE_RUNNING)
                return;         /* gone, answered with an error already, or granted later (GRANT) */
        call = TAKE_PTR(l->acquire_call);
        r = sd_bus_reply_method_return(call, "o", l->path);
        if (r < 0)
                log_job(&m->log, LOG_DEBUG, l->job, "could not answer Acquire(): %s", g_strerror(-r));
}

static void send_one(Manager *m, HeldReply *h) {
        JobLink *l = h->kind == HELD_REPLY_PREPARED ? NULL : manager_get_link(m, h->job_id);
        g_autofree char *path = NULL;
        int r = 0;

        /* Never a path before its job's InterfacesAdded/JobNew: only a final
         * commit at shutdown finds a job not announced (its reply is dropped). */
        if (l && !l->announced)
                return;
        switch (h->kind) {
        case HELD_REPLY_PREPARED:
                r = sd_bus_send(NULL, h->reply, NULL);
                break;
        case HELD_REPLY_SUBMIT:
                /* A job removed before this commit (KeepFinishedSec=0) is in it all the same. */
                path = l ? NULL : job_object_path(h->job_id);
                r = sd_bus_reply_method_return(h->call, "o", l ? l->path : path);
                break;
        case HELD_REPLY_ACQUIRE:
        case HELD_REPLY_GRANT:
                send_acquire(m, l);
                break;
        }
        if (r < 0)
                log_errno(&m->log, LOG_DEBUG, r, "could not send a held reply to %s",
                          h->call ? sd_bus_message_get_sender(h->call) ?: "?" : "?");
}

/**
 * manager_send_held_replies() - the commit worked: send the held replies
 * @m: the manager
 *
 * Only called right after a commit that worked: every reply in the queue
 * was held before it started (method handlers do not run inside the post
 * step), so its change is in it.
 */
void manager_send_held_replies(Manager *m) {
        HeldReply *h;

        while ((h = g_queue_pop_head(&m->held_replies))) {
                send_one(m, h);
                held_reply_free(h);
        }
}

/* A refused kind: IOError to the call, its new job cancelled. */
static void refuse_one(Manager *m, HeldReply *h, const char *msg) {
        JobLink *l = manager_get_link(m, h->job_id);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        g_autoptr(GError) local = NULL;

        if (h->kind == HELD_REPLY_ACQUIRE)
                call = l ? TAKE_PTR(l->acquire_call) : NULL;     /* else answered already */
        else
                call = sd_bus_message_ref(h->call);
        if (!call)
                return;
        (void) sd_bus_reply_method_errorf(call, SD_BUS_ERROR_IO_ERROR, "%s", msg);
        if (l && l->job->state != JOB_STATE_DONE)
                (void) scheduler_cancel(m->scheduler, l->job, manager_now(m), &local);
}

/**
 * manager_refuse_held_new_jobs() - the commit failed: the iteration's new jobs were never durable
 * @m: the manager
 * @cause: why the commit failed
 *
 * Their Submit()/Acquire() get org.freedesktop.DBus.Error.IOError and the
 * jobs are cancelled; every other held reply stays, in order, for the next
 * commit that works.
 */
void manager_refuse_held_new_jobs(Manager *m, const GError *cause) {
        g_autofree char *msg = g_strdup_printf(_("the job could not be stored, it was not accepted: %s"),
                                               cause ? cause->message : "?");
        GQueue held = m->held_replies, kept = G_QUEUE_INIT;
        HeldReply *h;

        /* Cancelling emits signals and may hold more: work on the queue as it was. */
        g_queue_init(&m->held_replies);
        while ((h = g_queue_pop_head(&held))) {
                if (!held_reply_kinds[h->kind].refused) {
                        g_queue_push_tail(&kept, h);
                        continue;
                }
                refuse_one(m, h, msg);
                held_reply_free(h);
        }
        while ((h = g_queue_pop_tail(&kept)))
                g_queue_push_head(&m->held_replies, h);
}

/**
 * manager_forget_held_replies() - drop the held replies to a caller that left the bus
 * @m: the manager
 * @sender: its unique name
 *
 * The replies of the refused kinds stay: a failed commit still cancels
 * their jobs.  Costs a scan only while replies are held (a commit failed,
 * or within the loop iteration of the call).
 */
void manager_forget_held_replies(Manager *m, const char *sender) {
        for (GList *i = m->held_replies.head, *next; i; i = next) {
                HeldReply *h = i->data;

                next = i->next;
                if (!held_reply_kinds[h->kind].refused && h->call &&
                    g_strcmp0(sd_bus_message_get_sender(h->call), sender) == 0) {
                        g_queue_delete_link(&m->held_replies, i);
                        held_reply_free(h);
                }
        }
}

/**
 * manager_drop_held_replies() - forget every held reply, unsent
 * @m: the manager
 */
void manager_drop_held_replies(Manager *m) {
        g_queue_clear_full(&m->held_replies, (GDestroyNotify) held_reply_free);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>

#include "bus-creds.h"
#include "errors.h"
#include "i18n.h"
#include "lease.h"
#include "manager-store.h"
#include "polkit-query.h"

/**
 * holder_free() - forget a holder; its jobs stay, unbound
 * @h: the holder (may be NULL)
 */
void holder_free(Holder *h) {
        GHashTableIter it;
        gpointer key;

        if (!h)
                return;
        g_hash_table_iter_init(&it, h->jobs);
        while (g_hash_table_iter_next(&it, &key, NULL))
                ((JobLink *) key)->holder = NULL;
        g_hash_table_unref(h->jobs);
        g_free(h->name);
        g_free(h);
}

/**
 * lease_abandon() - end a lease whose holder is gone
 * @m: the manager
 * @job: the lease, queued or running
 * @now: the current time
 *
 * Queued or running, it ends abandoned ("holder vanished"), at once.
 */
void lease_abandon(Manager *m, Job *job, usec_t now) {
        scheduler_job_finished(m->scheduler, job, JOB_RESULT_ABANDONED, -1, _("holder vanished"), now);
}

/* Ends every queued or running lease of a vanished holder, at once. */
static void holder_abandon_all(Manager *m, Holder *h) {
        g_autoptr(GPtrArray) links = g_ptr_array_new();
        g_autofree char *name = g_strdup(h->name);  /* h goes away with its last job */
        GHashTableIter it;
        gpointer key;
        usec_t now = manager_now(m);

        /* Collect ids first: ending a job changes the holder's set under us. */
        g_hash_table_iter_init(&it, h->jobs);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(links, GSIZE_TO_POINTER(((JobLink *) key)->job->id));

        for (guint i = 0; i < links->len; i++) {
                JobLink *l = manager_get_link(m, GPOINTER_TO_SIZE(links->pdata[i]));

                if (!l || l->job->state == JOB_STATE_DONE)
                        continue;
                log_job(&m->log, LOG_INFO, l->job, "holder %s vanished, abandoning the lease", name);
                lease_abandon(m, l->job, now);
        }
        manager_schedule_post(m);
}

/**
 * lease_holder_vanished() - a unique name left the bus: end its leases
 * @m: the manager
 * @name: the unique name that lost its owner
 *
 * Every queued or running lease bound to @name ends abandoned ("holder
 * vanished"), at once, and the holder is forgotten; a name that holds no
 * lease changes nothing.  The lease half of the NameOwnerChanged handler,
 * apart from the bus message: tests/unit/test-lease.c calls it directly.
 */
void lease_holder_vanished(Manager *m, const char *name) {
        g_autofree char *key = NULL;
        Holder *h = g_hash_table_lookup(m->holders, name);

        if (!h)
                return;
        key = g_strdup(name);
        holder_abandon_all(m, h);
        /* Every job left the holder's set, which freed it; make sure. */
        g_hash_table_remove(m->holders, key);
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || new_owner[0] != '\0')
                return 0;
        bus_creds_forget(m, name);
        bus_job_forget_waiter(m, name);
        manager_forget_held_replies(m, name);
        polkit_registry_forget_sender(m->polkit, name);
        lease_holder_vanished(m, name);
        return 0;
}

/**
 * lease_watch_holders() - watch for lease holders leaving the bus
 * @m: the manager, connected
 *
 * One match rule for all holders (see struct Holder); installed before the
 * bus name is requested, so no call can come in before it is in place.
 *
 * Return: 0 or a negative errno.
 */
int lease_watch_holders(Manager *m) {
        return sd_bus_add_match(m->bus, NULL,
                                "type='signal',"
                                "sender='org.freedesktop.DBus',"
                                "path='/org/freedesktop/DBus',"
                                "interface='org.freedesktop.DBus',"
                                "member='NameOwnerChanged',"
                                "arg2=''",
                                on_name_owner_changed, m);
}

/**
 * lease_bind() - bind a connection-bound lease to its holder
 * @m: the manager
 * @l: the lease job
 * @holder_name: the unique bus name of the holder (the caller's sender)
 *
 * One Holder per unique name, shared by all its jobs; no bus traffic.
 *
 * Return: 0 bound; a negative errno when @holder_name cannot be a holder
 * (not a unique name): the caller ends the job abandoned.
 */
int lease_bind(Manager *m, JobLink *l, const char *holder_name) {
        Holder *h = g_hash_table_lookup(m->holders, holder_name);

        if (holder_name[0] != ':')
                return -EINVAL;
        if (!h) {
                h = g_new0(Holder, 1);
                h->manager = m;
                h->name = g_strdup(holder_name);
                h->jobs = g_hash_table_new(g_direct_hash, g_direct_equal);
                g_hash_table_insert(m->holders, h->name, h);
        }
        g_hash_table_add(h->jobs, l);
        l->holder = h;
        return 0;
}

/**
 * lease_holder_alive() - after a restart: is a stored lease's holder still there?
 * @m: the manager, connected (before it requests its bus name)
 * @name: the holder's unique bus name as stored (Job.submitter; may be NULL)
 * @owner: the uid the lease belongs to
 *
 * Synchronous (GetConnectionUnixUser): only called while restoring, before
 * sluiced owns its name, and a restart is rare.  The holder match of
 * lease_watch_holders() is already in place, so a holder that leaves after
 * this answer is seen as soon as the loop runs.  Asking for the uid rather
 * than NameHasOwner also refuses a unique name that now belongs to another
 * user (a bus restarted since cannot hand our holder's name to someone
 * else's process unnoticed).
 *
 * Return: true when @name is connected as @owner; false when it is gone,
 * belongs to another uid, is not a unique name, or the bus cannot say
 * (logged: the lease is then ended rather than kept on a holder nobody can
 * watch).
 */
bool lease_holder_alive(Manager *m, const char *name, uint32_t owner) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint32_t uid = 0;
        int r;

        if (!name || name[0] != ':')
                return false;
        r = sd_bus_call_method(m->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionUnixUser", &error, &reply, "s", name);
        if (r >= 0) {
                r = sd_bus_message_read(reply, "u", &uid);
                if (r < 0) {
                        log_full(&m->log, LOG_WARNING, "bad GetConnectionUnixUser reply for %s: %s", name,
                                 g_strerror(-r));
                        return false;
                }
        }
        return lease_holder_answer_alive(m, name, owner, r, &error, uid);
}

/**
 * lease_holder_answer_alive() - lease_holder_alive()'s verdict on the bus's answer
 * @m: the manager (for the log)
 * @name: the stored holder's unique name
 * @owner: the uid the lease belongs to
 * @r: GetConnectionUnixUser's result: >= 0 answered, else a negative errno
 * @error: the D-Bus error when @r < 0
 * @uid: the answer when @r >= 0
 *
 * The seam of lease_holder_alive() for tests/unit/test-lease.c: the decision
 * without the synchronous bus call.
 *
 * Return: true only when the bus answered @owner; false when the name has no
 * owner, belongs to another uid, or the bus could not say (logged).
 */
bool lease_holder_answer_alive(Manager *m, const char *name, uint32_t owner, int r, const sd_bus_error *error,
                               uint32_t uid) {
        if (r < 0) {
                if (!sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        log_full(&m->log, LOG_WARNING, "cannot ask the bus about lease holder %s: %s", name,
                                 error->message ?: g_strerror(-r));
                return false;
        }
        if (uid != owner) {
                log_full(&m->log, LOG_NOTICE, "bus name %s now belongs to uid %" PRIu32 ", not the lease's uid %" PRIu32,
                         name, uid, owner);
                return false;
        }
        return true;
}

/**
 * lease_unbind() - a lease no longer needs its holder's connection
 * @l: the job (done or going away)
 *
 * Drops the holder (and its bus match) when it was its last job.
 */
void lease_unbind(JobLink *l) {
        Holder *h = l->holder;

        if (!h)
                return;
        l->holder = NULL;
        g_hash_table_remove(h->jobs, l);
        if (g_hash_table_size(h->jobs) == 0)
                g_hash_table_remove(h->manager->holders, h->name);
}

/**
 * lease_job_done() - a job ended: answer the Acquire() still waiting for it
 * @l: the job
 *
 * Timeout → org.sluice.Error.Timeout, cancelled → org.sluice.Error.Cancelled;
 * abandoned needs no answer (the caller is gone); anything else fails with
 * the job's detail.
 */
void lease_job_done(JobLink *l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = TAKE_PTR(l->acquire_call);
        const Job *j = l->job;

        if (!call)
                return;

        switch (j->result) {
        case JOB_RESULT_TIMEOUT:
                (void) sd_bus_reply_method_errorf(call, sluice_error_dbus_name(SLUICE_ERROR_TIMEOUT),
                                                  _("job %" PRIu64 ": not granted within its wait limit"), j->id);
                break;
        case JOB_RESULT_CANCELLED:
                (void) sd_bus_reply_method_errorf(call, sluice_error_dbus_name(SLUICE_ERROR_CANCELLED),
                                                  _("job %" PRIu64 ": cancelled before it was granted"), j->id);
                break;
        case JOB_RESULT_ABANDONED:
                break;
        default:
                (void) sd_bus_reply_method_errorf(call, SD_BUS_ERROR_FAILED,
                                                  _("job %" PRIu64 ": ended %s before it was granted%s%s"),
                                                  j->id, job_result_to_string(j->result),
                                                  j->result_detail ? ": " : "", j->result_detail ?: "");
                break;
        }
}

/* Executor start(): for a lease the grant, answering the waiting Acquire(). */
static int executor_start(void *userdata, Job *job) {
        Manager *m = userdata;
        JobLink *l = job->userdata;

        if (job->kind != JOB_KIND_LEASE)
                return -EOPNOTSUPP;     /* command jobs: manager.c hands them to executor-systemd.c */

        /* From now on a detached lease is kept by Renew(), not by a connection. */
        if (l && job->ttl_usec > 0)
                lease_unbind(l);
        /* Not announced yet: its Acquire()'s own held reply answers (after
         * JobNew).  Else a held reply of its own, after the commit that records
         * the grant (held-replies.c). */
        if (l && l->acquire_call && l->announced)
                manager_hold_grant_reply(m, job->id);
        return 0;
}

/* Executor stop(): a lease ends when its holder releases it; the scheduler ends it itself. */
static int executor_stop(void *userdata, Job *job) {
        return job->kind == JOB_KIND_LEASE ? 0 : -EOPNOTSUPP;
}

const SchedulerExecutor lease_executor = {
        .start = executor_start,
        .stop = executor_stop,
};

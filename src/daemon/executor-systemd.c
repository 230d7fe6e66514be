/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd executor, thin: the connection to PID 1 (the daemon's bus),
 * its matches, following PID 1 away and back, the public systemd_executor_*
 * API the manager uses, and (below "re-attach") the mechanics of a restart:
 * listing the units a previous sluiced left, RefUnit, reading them.  What
 * becomes of each (re-attached, stopped, its job ended from the journal) is
 * recovery.c's decision; the executor never reads the database.  The calls
 * go through the transport (pid1-calls.c); each unit's state machine is a
 * UnitWatch (unit-watch.c), whose effects land in the watch_ops here.
 */
#include <string.h>
#include <unistd.h>

#include "executor-systemd.h"
#include "manager.h"
#include "manager-store.h"
#include "pid1-calls.h"
#include "recovery.h"
#include "unit-journal.h"
#include "unit-props.h"
#include "unit-watch.h"

struct SystemdExecutor {
        Manager *manager;
        Pid1Calls *calls;               /* the transport to PID 1 (owns the bus reference) */
        bool systemd_gone;              /* its name vanished from the bus */

        GHashTable *units;              /* unit name -> UnitWatch* (owned) */
        GHashTable *paths;              /* unit object path -> UnitWatch* (borrowed) */

        sd_bus_slot *job_removed_slot, *props_slot, *owner_slot;

        unsigned reattach_pending;      /* calls/units re-attach still waits for */
};

static const Logger *elog(SystemdExecutor *e) {
        return &e->manager->log;
}

static SystemdExecutor *watch_executor(UnitWatch *w) {
        return w->userdata;
}

/* The watch's job, while it runs. */
static Job *watch_job(UnitWatch *w) {
        Job *job;

        if (w->job_id == 0)
                return NULL;
        job = scheduler_get_job(watch_executor(w)->manager->scheduler, w->job_id);
        return job && job->state == JOB_STATE_RUNNING ? job : NULL;
}

static const UnitWatchOps watch_ops;

static UnitWatch *watch_new(SystemdExecutor *e, const char *unit, uint64_t job_id) {
        UnitWatch *w = unit_watch_new(unit, job_id, &watch_ops, e, elog(e));

        g_hash_table_insert(e->units, w->unit, w);
        g_hash_table_insert(e->paths, w->path, w);
        return w;
}

/* Forget a watch (its pending calls find nothing when they return). */
static void watch_drop(UnitWatch *w) {
        SystemdExecutor *e = watch_executor(w);

        if (w->held)
                pid1_calls_unit_released(e->calls);
        g_hash_table_remove(e->paths, w->path);
        g_hash_table_remove(e->units, w->unit);     /* frees */
}

/* What a reply was, for the unit watch. */
static UnitReplyKind reply_kind(SystemdExecutor *e, const sd_bus_error *error) {
        if (!sd_bus_error_is_set(error))
                return UNIT_REPLY_OK;
        if (pid1_calls_error_is_transient(e->calls, error))
                return UNIT_REPLY_TRANSIENT;
        if (sd_bus_error_has_names(error, "org.freedesktop.systemd1.NoSuchUnit", SD_BUS_ERROR_UNKNOWN_OBJECT))
                return UNIT_REPLY_NO_UNIT;
        return UNIT_REPLY_ERROR;
}

static const char *error_text(const sd_bus_error *error) {
        return sd_bus_error_is_set(error) ? (error->message ?: error->name) : NULL;
}

/* The watch a reply is for, if it is still followed. */
static UnitWatch *reply_watch(SystemdExecutor *e, const char *key) {
        return key ? g_hash_table_lookup(e->units, key) : NULL;
}

/* ---- replies → transitions ---- */

/* A StartTransientUnit/StopUnit reply: the job's object path PID 1 answered, or NULL. */
static const char *reply_job_path(sd_bus_message *reply, const sd_bus_error *error) {
        const char *path = NULL;

        if (sd_bus_error_is_set(error) || sd_bus_message_read(reply, "o", &path) < 0)
                return NULL;
        return path;
}

static void on_start_reply(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        SystemdExecutor *e = userdata;
        UnitWatch *w = reply_watch(e, key);

        if (w)
                (void) unit_watch_start_replied(w, reply_kind(e, error), reply_job_path(reply, error), error_text(error));
}

static void on_stop_reply(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        SystemdExecutor *e = userdata;
        UnitWatch *w = reply_watch(e, key);

        if (w)
                (void) unit_watch_stop_replied(w, reply_kind(e, error), reply_job_path(reply, error), error_text(error));
}

/*
 * A GetAll answer (the fallback read, unit_watch_read()): the watch it is
 * for (NULL if no longer followed), what it was, and its properties parsed.
 * @gone_is_gone: NoSuchUnit/UnknownObject say "no unit" even while PID 1 is
 * away (the Unit interface's answer; the Service one that follows decides).
 */
static UnitWatch *getall_reply(SystemdExecutor *e, const char *key, sd_bus_message *reply,
                               const sd_bus_error *error, bool gone_is_gone, UnitReplyKind *ret_kind,
                               UnitChanges *ret) {
        UnitWatch *w = reply_watch(e, key);
        int r;

        if (!w)
                return NULL;
        if (gone_is_gone &&
            sd_bus_error_has_names(error, "org.freedesktop.systemd1.NoSuchUnit", SD_BUS_ERROR_UNKNOWN_OBJECT))
                *ret_kind = UNIT_REPLY_NO_UNIT;
        else
                *ret_kind = reply_kind(e, error);
        if (*ret_kind == UNIT_REPLY_OK) {
                r = unit_changes_parse(reply, ret);
                if (r < 0)
                        log_errno(elog(e), LOG_WARNING, r, "cannot parse the properties of unit %s", w->unit);
        }
        return w;
}

static void on_getall_unit(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        g_auto(UnitChanges) c = {};
        UnitReplyKind kind;
        UnitWatch *w = getall_reply(userdata, key, reply, error, true, &kind, &c);

        if (w)
                unit_watch_unit_read(w, kind, &c);
}

static void on_getall_service(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        g_auto(UnitChanges) c = {};
        UnitReplyKind kind;
        UnitWatch *w = getall_reply(userdata, key, reply, error, false, &kind, &c);

        if (w)
                (void) unit_watch_service_read(w, kind, &c, error_text(error));
}

static void on_getunit_reply(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        SystemdExecutor *e = userdata;
        UnitWatch *w = reply_watch(e, key);
        UnitReplyKind kind;

        if (!w)
                return;
        kind = reply_kind(e, error);
        /* GetUnit: only NoSuchUnit says the unit is not there. */
        if (kind == UNIT_REPLY_NO_UNIT && !sd_bus_error_has_name(error, "org.freedesktop.systemd1.NoSuchUnit"))
                kind = UNIT_REPLY_ERROR;
        (void) unit_watch_check_replied(w, kind, error_text(error));
}

/* ---- the watch's effects (UnitWatchOps) ---- */

static int watch_send_start(UnitWatch *w) {
        SystemdExecutor *e = watch_executor(w);
        Job *job = watch_job(w);
        const ClassConfig *cls;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        if (!job)
                return -ESRCH;
        cls = sluice_config_get_class(scheduler_get_config(e->manager->scheduler), job->class_name);
        r = pid1_calls_new_method(e->calls, &msg, PID1_PATH, PID1_MANAGER_IFACE, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", w->unit, "fail");
        if (r >= 0)
                r = unit_props_append(msg, job, cls);
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        pid1_calls_enqueue(e->calls, msg, w->unit, on_start_reply, true);
        /* Held until the post step's commit (systemd_executor_release_starts()):
         * make sure one runs, also for a start sent again outside a dispatch. */
        manager_schedule_post(e->manager);
        return 0;
}

/* StopUnit; FIFO: goes out after the StartTransientUnit if that is still queued. */
static int watch_send_stop(UnitWatch *w) {
        SystemdExecutor *e = watch_executor(w);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = pid1_calls_new_method(e->calls, &msg, PID1_PATH, PID1_MANAGER_IFACE, "StopUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", w->unit, "replace");
        if (r < 0)
                return r;
        pid1_calls_enqueue(e->calls, msg, w->unit, on_stop_reply, false);
        return 0;
}

static int queue_getall(UnitWatch *w, const char *iface, Pid1ReplyFn fn) {
        SystemdExecutor *e = watch_executor(w);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = pid1_calls_new_method(e->calls, &msg, w->path, "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", iface);
        if (r < 0)
                return r;
        pid1_calls_enqueue(e->calls, msg, w->unit, fn, false);
        return 0;
}

/* GetAll of the Unit, then the Service interface (the second answer ends the read). */
static int watch_send_read(UnitWatch *w) {
        int r;

        r = queue_getall(w, PID1_UNIT_IFACE, on_getall_unit);
        if (r >= 0)
                r = queue_getall(w, PID1_SERVICE_IFACE, on_getall_service);
        return r;
}

/* GetUnit: nothing while PID 1 is away (the check once it is back asks). */
static int watch_send_check(UnitWatch *w) {
        SystemdExecutor *e = watch_executor(w);

        if (e->systemd_gone || !pid1_calls_get_bus(e->calls))
                return -EHOSTDOWN;
        return pid1_calls_unit_method(e->calls, "GetUnit", w->unit, w->unit, on_getunit_reply);
}

static bool watch_has_job(UnitWatch *w) {
        return watch_job(w) != NULL;
}

static void watch_job_log(UnitWatch *w, int priority, const char *text) {
        Job *job = watch_job(w);

        if (job)
                log_job(elog(watch_executor(w)), priority, job, "%s", text);
}

/* The job's Unit and InvocationID, when they changed. */
static void watch_invocation(UnitWatch *w) {
        Job *job = watch_job(w);

        if (job && (g_strcmp0(job->unit, w->unit) != 0 || g_strcmp0(job->invocation_id, w->invocation_id) != 0))
                scheduler_job_set_unit(watch_executor(w)->manager->scheduler, job, w->unit, w->invocation_id);
}

static void adopt_watch(UnitWatch *w);

/* Record @result for the watch's job, UnrefUnit, and forget the watch. */
static void watch_ended(UnitWatch *w, JobResult result, int32_t exit_status, const char *detail, bool unref) {
        SystemdExecutor *e = watch_executor(w);
        Manager *m = e->manager;
        Job *job = watch_job(w);
        g_autofree char *unit = g_strdup(w->unit);
        g_autofree char *invocation = g_strdup(w->invocation_id);

        if (!job && w->job_id == 0)
                log_full(elog(e), LOG_INFO, "unit %s (followed without a job) ended %s%s%s",
                         w->unit, job_result_to_string(result), detail ? ": " : "", detail ?: "");
        watch_drop(w);          /* before the core can start the next attempt under the same id */

        if (unref)
                (void) pid1_calls_unit_method(e->calls, "UnrefUnit", unit, NULL, NULL);
        if (job) {
                scheduler_job_set_unit(m->scheduler, job, unit, invocation);
                scheduler_job_finished(m->scheduler, job, result, exit_status, detail, manager_now(m));
        }
        manager_schedule_post(m);
}

static const UnitWatchOps watch_ops = {
        .send_start = watch_send_start,
        .send_stop = watch_send_stop,
        .send_read = watch_send_read,
        .send_check = watch_send_check,
        .has_job = watch_has_job,
        .job_log = watch_job_log,
        .invocation = watch_invocation,
        .found_read = adopt_watch,
        .ended = watch_ended,
        .forget = watch_drop,
};

/* ---- the transport's events (Pid1CallsOps) ---- */

static void calls_replied(void *userdata) {
        SystemdExecutor *e = userdata;

        manager_schedule_post(e->manager);
}

static void calls_start_sent(void *userdata, const char *key) {
        SystemdExecutor *e = userdata;
        UnitWatch *w = reply_watch(e, key);

        if (w && !w->held) {
                w->held = true;
                pid1_calls_unit_held(e->calls);
        }
}

/* A held start whose job was cancelled meanwhile is dropped unsent. */
static bool calls_start_wanted(void *userdata, const char *key) {
        SystemdExecutor *e = userdata;
        UnitWatch *w = reply_watch(e, key);

        return !w || w->stop == UNIT_WATCH_STOP_NONE;
}

static void calls_start_dropped(void *userdata, const char *key) {
        SystemdExecutor *e = userdata;
        UnitWatch *w = reply_watch(e, key);

        if (w)
                (void) unit_watch_start_dropped(w);
}

static const Pid1CallsOps calls_ops = {
        .replied = calls_replied,
        .start_sent = calls_start_sent,
        .start_wanted = calls_start_wanted,
        .start_dropped = calls_start_dropped,
};

/**
 * systemd_executor_release_starts() - send the unit starts held since the last commit
 * @e: the executor
 *
 * Called by the post step (post-step.c) right after the commit of the
 * iteration whose dispatch started the jobs, so no unit ever runs for a job
 * the database does not hold as running (a crash between the start and the
 * commit would leave a unit nobody claims, and an id the next sluiced would
 * hand out again).  A job cancelled while its start waited never gets a
 * unit.  Does nothing when no start is held.
 */
void systemd_executor_release_starts(SystemdExecutor *e) {
        pid1_calls_release_starts(e->calls);
}

/* ---- start ---- */

/**
 * systemd_executor_start() - run a command job in a new transient unit
 * @e: the executor
 * @job: the job, being started by the scheduler
 *
 * Queues StartTransientUnit (within the window); the result comes later.
 * Called from inside the scheduler: never calls back into it.
 *
 * Return: 0, or a negative errno (the scheduler ends the job failed).
 */
int systemd_executor_start(SystemdExecutor *e, Job *job) {
        g_autofree char *unit = sluice_unit_name_for_job(job->id);
        UnitWatch *w;
        int r;

        if (g_hash_table_contains(e->units, unit))
                return -EEXIST;
        w = watch_new(e, unit, job->id);
        if (!pid1_calls_get_bus(e->calls) || e->systemd_gone) {
                /* systemd is away: the check once it is back sends the start. */
                log_job(elog(e), LOG_INFO, job, "systemd is not reachable, the unit starts when it is back");
                return 0;
        }
        r = unit_watch_start(w);
        if (r < 0) {
                watch_drop(w);
                return log_errno(elog(e), LOG_WARNING, r, "cannot start unit %s", unit);
        }
        log_job(elog(e), LOG_DEBUG, job, "starting unit %s", unit);
        return 0;
}

/* ---- stop ---- */

/**
 * systemd_executor_stop() - Cancel of a running command job: StopUnit
 * @e: the executor
 * @job: the job
 *
 * Remembers that sluice asked, so the stop is reported as a cancel, and
 * hands the request to the next group commit (manager_store_stop_requested()),
 * which the Cancel()'s held reply waits for: a sluiced restarted before the
 * unit ended finds it stored, stops the unit again and ends the job
 * cancelled (recovery.c).  The StopUnit itself goes out at once: a stop not
 * yet durable may still reach PID 1 (a cancel never answered that happened
 * anyway is allowed).
 *
 * Return: 0 or a negative errno.
 */
int systemd_executor_stop(SystemdExecutor *e, Job *job) {
        g_autofree char *unit = sluice_unit_name_for_job(job->id);
        UnitWatch *w = g_hash_table_lookup(e->units, unit);

        if (!w)
                return -ESRCH;
        if (w->stop != UNIT_WATCH_STOP_NONE)
                return 0;       /* asked already (a stored stop, sent again at re-attach) */
        manager_store_stop_requested(e->manager, job->id);
        return unit_watch_stop(w, UNIT_WATCH_STOP_SLUICE, true);
}

/* ---- signals ---- */

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        SystemdExecutor *e = userdata;
        const char *job_path, *unit, *result;
        uint32_t id;
        UnitWatch *w;

        if (sd_bus_message_read(msg, "uoss", &id, &job_path, &unit, &result) < 0)
                return 0;
        w = g_hash_table_lookup(e->units, unit);
        if (!w)
                return 0;
        (void) unit_watch_job_removed(w, job_path, result);
        manager_schedule_post(e->manager);
        return 0;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        SystemdExecutor *e = userdata;
        g_auto(UnitChanges) c = {};
        const char *iface;
        UnitWatch *w;
        int r;

        w = g_hash_table_lookup(e->paths, sd_bus_message_get_path(msg));
        if (!w)
                return 0;
        if (sd_bus_message_read(msg, "s", &iface) < 0)
                return 0;
        r = unit_changes_parse(msg, &c);
        if (r < 0)
                log_errno(elog(e), LOG_DEBUG, r, "cannot parse PropertiesChanged of %s", w->unit);
        if (strcmp(iface, PID1_SERVICE_IFACE) == 0)
                unit_watch_service_changed(w, &c);
        else if (strcmp(iface, PID1_UNIT_IFACE) == 0)
                (void) unit_watch_unit_changed(w, &c);
        else
                return 0;
        manager_schedule_post(e->manager);
        return 0;
}

/* ---- systemd going away and coming back ---- */

static void on_subscribe_reply(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        SystemdExecutor *e = userdata;

        /* After a daemon-reexec systemd still has our subscription: fine. */
        if (sd_bus_error_is_set(error) && !sd_bus_error_has_name(error, "org.freedesktop.systemd1.AlreadySubscribed"))
                log_full(elog(e), LOG_WARNING, "Subscribe() to systemd failed: %s", error->message);
}

static int subscribe(SystemdExecutor *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = pid1_calls_new_method(e->calls, &msg, PID1_PATH, PID1_MANAGER_IFACE, "Subscribe");
        if (r < 0)
                return r;
        pid1_calls_enqueue(e->calls, msg, NULL, on_subscribe_reply, false);
        return 0;
}

/* systemd is back on the bus: subscribe again and check every unit. */
static void resync_all(SystemdExecutor *e) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        GHashTableIter it;
        gpointer key;

        (void) subscribe(e);
        g_hash_table_iter_init(&it, e->units);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(names, g_strdup(key));
        for (guint i = 0; i < names->len; i++) {
                UnitWatch *w = g_hash_table_lookup(e->units, names->pdata[i]);

                if (w)
                        (void) unit_watch_pid1_back(w);
        }
}

static int on_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        SystemdExecutor *e = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (new_owner[0] == '\0') {
                log_full(elog(e), LOG_WARNING, "systemd left the bus; following %u units again once it is back",
                         g_hash_table_size(e->units));
                e->systemd_gone = true;
                pid1_calls_set_gone(e->calls, true);
                return 0;
        }
        if (e->systemd_gone || old_owner[0] != '\0') {
                log_full(elog(e), LOG_INFO, "systemd is back on the bus, checking %u units",
                         g_hash_table_size(e->units));
                e->systemd_gone = false;
                pid1_calls_set_gone(e->calls, false);
                resync_all(e);
                pid1_calls_pump(e->calls);
        }
        return 0;
}

static void release_slots(SystemdExecutor *e) {
        e->job_removed_slot = sd_bus_slot_unref(e->job_removed_slot);
        e->props_slot = sd_bus_slot_unref(e->props_slot);
        e->owner_slot = sd_bus_slot_unref(e->owner_slot);
}

/* ---- connection ---- */

/* The signals sluiced follows, all from PID 1's well-known name. */
static int add_matches(SystemdExecutor *e, sd_bus *bus) {
        int r;

        r = sd_bus_add_match_async(bus, &e->job_removed_slot,
                                   "type='signal',sender='" PID1_DEST "',path='" PID1_PATH "',"
                                   "interface='" PID1_MANAGER_IFACE "',member='JobRemoved'",
                                   on_job_removed, NULL, e);
        if (r >= 0)
                r = sd_bus_add_match_async(bus, &e->props_slot,
                                           "type='signal',sender='" PID1_DEST "',"
                                           "path_namespace='" PID1_UNIT_PATH_PREFIX "',"
                                           "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'",
                                           on_properties_changed, NULL, e);
        if (r >= 0)
                r = sd_bus_add_match_async(bus, &e->owner_slot,
                                           "type='signal',sender='org.freedesktop.DBus',"
                                           "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                           "member='NameOwnerChanged',arg0='" PID1_DEST "'",
                                           on_owner_changed, NULL, e);
        return r;
}

/**
 * systemd_executor_connect() - follow PID 1 on the daemon's bus
 * @e: the executor
 * @bus: the daemon's bus connection (the system bus, or the test bus of
 *       --bus-address); the executor takes a reference
 *
 * Installs the matches (before any start) and subscribes.  Not PID 1's
 * private socket (docs/design.md, "The system bus, not PID 1's private
 * socket").
 *
 * Return: 0 or a negative errno (logged).
 */
int systemd_executor_connect(SystemdExecutor *e, sd_bus *bus) {
        int r;

        release_slots(e);
        e->systemd_gone = false;
        pid1_calls_set_gone(e->calls, false);
        r = add_matches(e, bus);
        if (r < 0) {
                release_slots(e);
                return log_errno(elog(e), LOG_ERR, r, "cannot watch systemd's signals");
        }
        pid1_calls_set_bus(e->calls, bus);
        /* Starts wait for the post step's commit (without an event loop nothing runs it). */
        pid1_calls_set_hold_starts(e->calls, e->manager->event != NULL);
        r = subscribe(e);
        if (r < 0)
                return log_errno(elog(e), LOG_ERR, r, "cannot subscribe to systemd's signals");
        return 0;
}

/* ---- re-attach ---- */

static void reattach_done_one(SystemdExecutor *e) {
        if (e->reattach_pending > 0)
                e->reattach_pending--;
}

/* A unit found at start-up is read: recovery decides whose run it is (recovery_unit_found()). */
static void adopt_watch(UnitWatch *w) {
        SystemdExecutor *e = watch_executor(w);

        reattach_done_one(e);
        recovery_unit_found(e->manager, w);
}

static void on_ref_reply(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        SystemdExecutor *e = userdata;
        UnitWatch *w = reply_watch(e, key);

        if (!w)
                return;
        if (sd_bus_error_is_set(error)) {
                log_full(elog(e), LOG_INFO, "RefUnit(%s): %s", w->unit, error->message);
                return;
        }
        w->ref_held = true;
}

static void on_list_reply(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error) {
        SystemdExecutor *e = userdata;
        const char *name, *active;
        int r;

        if (sd_bus_error_is_set(error)) {
                log_full(elog(e), LOG_WARNING, "cannot list the units of a previous sluiced: %s", error->message);
                reattach_done_one(e);
                return;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "ssssssouso")) > 0) {
                const char *load, *job_type, *job_path, *skip;
                uint32_t job_id;
                uint64_t id;
                UnitWatch *w;

                r = sd_bus_message_read(reply, "ssssssouso", &name, &skip, &load, &active, &skip, &skip, &skip,
                                        &job_id, &job_type, &job_path);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                if (!sluice_unit_name_parse(name, &id) || g_hash_table_contains(e->units, name))
                        continue;
                w = watch_new(e, name, id);
                w->held = true;
                pid1_calls_unit_held(e->calls);
                e->reattach_pending++;
                (void) pid1_calls_unit_method(e->calls, "RefUnit", name, name, on_ref_reply);
                unit_watch_found(w, job_id, job_type, job_path);
        }
        if (r < 0)
                log_errno(elog(e), LOG_WARNING, r, "cannot parse ListUnitsByPatterns()");
        reattach_done_one(e);
}

/* What recovery asks of the executor once the list is done (RecoveryOps). */
typedef struct ReattachContext {
        SystemdExecutor *e;
        sd_journal *journal;            /* opened on first need */
} ReattachContext;

static bool reattach_unit_followed(void *userdata, const char *unit) {
        ReattachContext *c = userdata;

        return g_hash_table_contains(c->e->units, unit);
}

static int reattach_journal_end(void *userdata, const char *unit, const char *invocation_id, usec_t since,
                                UnitJournalEnd *ret) {
        ReattachContext *c = userdata;
        int r;

        r = c->journal ? 0 : unit_journal_open(&c->journal);
        if (r >= 0)
                r = unit_journal_find_end(c->journal, unit, invocation_id, since, ret);
        return r;
}

static const RecoveryOps recovery_ops = {
        .unit_followed = reattach_unit_followed,
        .journal_end = reattach_journal_end,
};

/**
 * systemd_executor_reattach() - follow the units a previous sluiced left behind
 * @e: the executor, connected
 *
 * Call after the bus objects exist and before the bus name is requested:
 * runs the event loop until every unit is read and its job rebuilt, so no
 * client sees a half-rebuilt job list and no new job takes a re-attached id.
 * Each unit found, once read, goes to recovery_unit_found() (adopt_watch());
 * then recovery_end_gone_jobs() ends the stored jobs whose units are gone.
 *
 * Return: 0 (problems are logged: a unit that cannot be rebuilt is followed
 * without a job), or a negative errno from the event loop.
 */
int systemd_executor_reattach(SystemdExecutor *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        const char *patterns[] = { SLUICE_UNIT_PATTERN, NULL };
        ReattachContext c = { .e = e };
        int r;

        r = pid1_calls_new_method(e->calls, &msg, PID1_PATH, PID1_MANAGER_IFACE, "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append_strv(msg, NULL);
        if (r >= 0)
                r = sd_bus_message_append_strv(msg, (char **) patterns);
        if (r < 0)
                return log_errno(elog(e), LOG_ERR, r, "cannot list units");
        e->reattach_pending = 1;
        pid1_calls_enqueue(e->calls, msg, NULL, on_list_reply, false);

        while (e->reattach_pending > 0) {
                r = sd_event_get_state(e->manager->event);
                if (r == SD_EVENT_FINISHED)
                        break;
                r = sd_event_run(e->manager->event, UINT64_MAX);
                if (r < 0)
                        return log_errno(elog(e), LOG_ERR, r, "event loop failed during re-attach");
        }
        if (g_hash_table_size(e->units) > 0)
                log_full(elog(e), LOG_INFO, "following %u units of a previous sluiced", g_hash_table_size(e->units));
        /* The stored jobs whose units did not come back: recovery decides, the journal opened on first need. */
        recovery_end_gone_jobs(e->manager, &recovery_ops, &c);
        sd_journal_close(c.journal);
        return 0;
}


/* ---- life cycle ---- */

/**
 * systemd_executor_new() - an executor, not connected yet
 * @m: the manager it reports to
 *
 * Return: the executor; never NULL.
 */
SystemdExecutor *systemd_executor_new(Manager *m) {
        SystemdExecutor *e = g_new0(SystemdExecutor, 1);

        e->manager = m;
        e->calls = pid1_calls_new(&calls_ops, e, elog(e));
        e->units = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) unit_watch_free);
        e->paths = g_hash_table_new(g_str_hash, g_str_equal);
        return e;
}

/**
 * systemd_executor_free() - stop following units (they go on running)
 * @e: the executor (may be NULL)
 *
 * Units keep running; the next sluiced re-attaches them.
 */
void systemd_executor_free(SystemdExecutor *e) {
        if (!e)
                return;
        release_slots(e);
        g_clear_pointer(&e->calls, pid1_calls_free);
        g_hash_table_destroy(e->paths);
        g_hash_table_destroy(e->units);
        g_free(e);
}

/**
 * systemd_executor_n_units() - units followed right now
 * @e: the executor
 *
 * Return: the number.
 */
unsigned systemd_executor_n_units(SystemdExecutor *e) {
        return g_hash_table_size(e->units);
}

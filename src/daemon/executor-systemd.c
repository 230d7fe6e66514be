/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "executor-systemd.h"
#include "i18n.h"
#include "manager.h"
#include "store.h"
#include "unit-journal.h"
#include "unit-props.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define SD_UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define SD_SERVICE_IFACE "org.freedesktop.systemd1.Service"
#define SD_UNIT_PATH_PREFIX "/org/freedesktop/systemd1/unit"

static const char *strna(const char *s) {
        return s ? s : "n/a";
}

typedef struct UnitWatch UnitWatch;
typedef void (*ReplyFn)(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error);

struct SystemdExecutor {
        Manager *manager;
        sd_bus *bus;                    /* the daemon's bus, where PID 1 is (own ref) */
        bool systemd_gone;              /* its name vanished from the bus */

        GHashTable *units;              /* unit name -> UnitWatch* (owned) */
        GHashTable *paths;              /* unit object path -> UnitWatch* (borrowed) */

        GQueue queue;                   /* of Call*: waiting for room in the window (first served) */
        GQueue start_queue;             /* of Call*: StartTransientUnit waiting for room */
        unsigned in_flight;             /* calls awaiting systemd's reply */
        unsigned units_held;            /* units started (or re-attached) and not yet unref'd */

        sd_bus_slot *job_removed_slot, *props_slot, *owner_slot;

        unsigned reattach_pending;      /* calls/units re-attach still waits for */

        /* Starts wait for the commit of the iteration that made them (release_source). */
        sd_event_source *release_source;
        bool starts_held;

        /* Stops asked of PID 1 since the last commit (StoreStop*, owned): the
         * group commit writes them before the Cancel() replies go out. */
        GPtrArray *stops_pending;
};

/* One unit sluiced follows: one attempt of one job. */
struct UnitWatch {
        SystemdExecutor *executor;
        char *unit, *path;
        uint64_t job_id;                /* 0: an orphan (its class vanished): followed, logged, no job */

        bool start_sent;                /* StartTransientUnit went out */
        bool start_confirmed;           /* ... and systemd accepted it (the unit exists) */
        bool start_job_removed;         /* the start job ran (whatever its result) */
        bool ref_held;                  /* AddRef/RefUnit: UnrefUnit when done */
        bool stop_requested;            /* sluice asked (Cancel) */
        bool stop_from_store;           /* ... before sluiced restarted: the stored request (reattach_stop()) */
        bool external_stop;             /* a job sluice did not queue ran on the unit */
        bool refreshing;                /* GetAll in flight */
        bool resyncing;                 /* GetUnit check after systemd came back */
        bool reattaching;               /* found at start-up: not adopted yet */
        bool gone;                      /* systemd does not know the unit */
        bool finished;
        bool held;                      /* counted in units_held */
        char *start_job, *stop_job;     /* systemd job paths we queued */
        char *start_job_result;         /* JobRemoved result of the start job ("done", "failed", ...) */

        /* The unit's state as last seen. */
        char *active_state;
        uint32_t pending_job_id;
        char *pending_job_path;
        char *invocation_id;            /* 32 hex digits */
        char *result;
        int32_t exec_main_code, exec_main_status;
        bool service_fresh;             /* Service values seen in the latest emission/GetAll */
        usec_t active_enter_timestamp, exec_main_start_timestamp;
        char **extra_fields;            /* LogExtraFields (re-attach) */
        char **exec_argv;               /* ExecStart argv (re-attach of raw commands) */
        char *description;
};

typedef struct Call {
        SystemdExecutor *executor;
        char *unit;                     /* the watch it is for, NULL if none */
        ReplyFn fn;                     /* NULL: nothing to do with the reply */
        sd_bus_message *msg;            /* while queued */
        bool start;                     /* StartTransientUnit: also bounded by SYSTEMD_UNIT_WINDOW */
} Call;

static void watch_evaluate(UnitWatch *w);
static void watch_refresh(UnitWatch *w);
static void watch_resync(UnitWatch *w);

static const Logger *elog(SystemdExecutor *e) {
        return &e->manager->log;
}

static Job *watch_job(UnitWatch *w) {
        Job *job;

        if (w->job_id == 0)
                return NULL;
        job = scheduler_get_job(w->executor->manager->scheduler, w->job_id);
        return job && job->state == JOB_STATE_RUNNING ? job : NULL;
}

static void watch_free(UnitWatch *w) {
        if (!w)
                return;
        g_free(w->unit);
        g_free(w->path);
        g_free(w->start_job);
        g_free(w->stop_job);
        g_free(w->start_job_result);
        g_free(w->active_state);
        g_free(w->pending_job_path);
        g_free(w->invocation_id);
        g_free(w->result);
        g_strfreev(w->extra_fields);
        g_strfreev(w->exec_argv);
        g_free(w->description);
        g_free(w);
}

static UnitWatch *watch_new(SystemdExecutor *e, const char *unit, uint64_t job_id) {
        UnitWatch *w = g_new0(UnitWatch, 1);
        char *path = NULL;

        w->executor = e;
        w->unit = g_strdup(unit);
        if (sd_bus_path_encode(SD_UNIT_PATH_PREFIX, unit, &path) >= 0) {
                w->path = g_strdup(path);
                free(path);
        } else
                w->path = g_strdup("/");
        w->job_id = job_id;
        w->exec_main_code = 0;
        w->exec_main_status = -1;
        g_hash_table_insert(e->units, w->unit, w);
        g_hash_table_insert(e->paths, w->path, w);
        return w;
}

/* Forget a watch (its pending calls find nothing when they return). */
static void watch_drop(UnitWatch *w) {
        SystemdExecutor *e = w->executor;

        if (w->held && e->units_held > 0)
                e->units_held--;

        g_hash_table_remove(e->paths, w->path);
        g_hash_table_remove(e->units, w->unit);     /* frees */
}

/* ---- calls, within the window ---- */

static void call_free(void *p) {
        Call *c = p;

        if (!c)
                return;
        sd_bus_message_unref(c->msg);
        g_free(c->unit);
        g_free(c);
}

static void pump(SystemdExecutor *e);

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        SystemdExecutor *e = c->executor;
        const sd_bus_error *error = sd_bus_message_get_error(reply);
        UnitWatch *w = c->unit ? g_hash_table_lookup(e->units, c->unit) : NULL;
        sd_bus *bus = sd_bus_message_get_bus(reply);

        if (e->in_flight > 0)
                e->in_flight--;

        if (!sd_bus_is_open(bus) || bus != e->bus) {
                /* The connection is closing: the answer is lost, check again once back. */
                if (w && !w->finished)
                        w->resyncing = w->refreshing = false;
                return 0;
        }
        if (c->fn && (!c->unit || w))
                c->fn(e, w, reply, error);
        pump(e);
        manager_schedule_post(e->manager);
        return 0;
}

/* The next call that may go out: anything else before starts, starts only while units_held has room. */
static Call *next_call(SystemdExecutor *e) {
        Call *c = g_queue_pop_head(&e->queue);

        if (c)
                return c;
        if (e->units_held >= SYSTEMD_UNIT_WINDOW || e->starts_held)
                return NULL;
        return g_queue_pop_head(&e->start_queue);
}

static void pump(SystemdExecutor *e) {
        Call *c;
        int r;

        while (e->bus && !e->systemd_gone && e->in_flight < SYSTEMD_CALL_WINDOW && (c = next_call(e))) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = TAKE_PTR(c->msg);
                sd_bus_slot *slot = NULL;

                r = sd_bus_call_async(e->bus, &slot, msg, on_reply, c, 0);
                if (r < 0) {
                        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
                        UnitWatch *w = c->unit ? g_hash_table_lookup(e->units, c->unit) : NULL;

                        log_errno(elog(e), LOG_WARNING, r, "cannot call systemd (%s)",
                                  strna(sd_bus_message_get_member(msg)));
                        sd_bus_error_set_errno(&err, r);
                        if (c->fn && (!c->unit || w))
                                c->fn(e, w, NULL, &err);
                        call_free(c);
                        continue;
                }
                (void) sd_bus_slot_set_destroy_callback(slot, call_free);
                (void) sd_bus_slot_set_floating(slot, 1);
                sd_bus_slot_unref(slot);
                e->in_flight++;
                if (c->start) {
                        UnitWatch *w = g_hash_table_lookup(e->units, c->unit);

                        if (w && !w->held) {
                                w->held = true;
                                e->units_held++;
                        }
                }
        }
}

static void watch_end(UnitWatch *w, JobResult result, int32_t exit_status, const char *detail);

/*
 * Released after the post step that started the jobs: they are started in
 * the post step's dispatch, and this source (the post step's priority, so
 * that a steady stream of bus traffic, which re-arms the post step, cannot
 * starve it: sd-event runs equal priorities oldest-pending first) becomes
 * pending only then, so it runs once that post step's commit is done.  By
 * then the jobs being started are committed as running, so no unit ever
 * runs for a job the database does not hold (a
 * crash between the start and the commit would leave a unit nobody claims,
 * and an id the next sluiced would hand out again).  A job cancelled while
 * its start waited never gets a unit.
 */
static int on_release_starts(sd_event_source *s, void *userdata) {
        SystemdExecutor *e = userdata;
        g_autoptr(GPtrArray) cancelled = g_ptr_array_new_with_free_func(g_free);

        e->starts_held = false;
        for (GList *i = e->start_queue.head, *next; i; i = next) {
                Call *c = i->data;
                UnitWatch *w = g_hash_table_lookup(e->units, c->unit);

                next = i->next;
                if (!w || !w->stop_requested)
                        continue;
                g_ptr_array_add(cancelled, g_strdup(c->unit));
                g_queue_delete_link(&e->start_queue, i);
                call_free(c);
        }
        for (guint i = 0; i < cancelled->len; i++) {
                UnitWatch *w = g_hash_table_lookup(e->units, cancelled->pdata[i]);

                if (w && !w->finished) {
                        w->ref_held = false;
                        watch_end(w, JOB_RESULT_CANCELLED, -1, _("cancelled before its unit started"));
                }
        }
        pump(e);
        return 0;
}

static void hold_starts(SystemdExecutor *e) {
        sd_event *event = e->manager->event;
        int r = 0;

        if (!event)
                return;
        if (!e->release_source) {
                r = sd_event_add_defer(event, &e->release_source, on_release_starts, e);
                if (r >= 0)
                        r = sd_event_source_set_priority(e->release_source, SD_EVENT_PRIORITY_IDLE);
                if (r >= 0)
                        (void) sd_event_source_set_description(e->release_source, "sluice-release-starts");
        }
        if (r >= 0)
                r = sd_event_source_set_enabled(e->release_source, SD_EVENT_ONESHOT);
        if (r < 0) {
                log_errno(elog(e), LOG_WARNING, r, "cannot hold unit starts until the commit, starting at once");
                e->release_source = sd_event_source_disable_unref(e->release_source);
                return;
        }
        e->starts_held = true;
}

static void call_enqueue(SystemdExecutor *e, sd_bus_message *msg, const char *unit, ReplyFn fn, bool start) {
        Call *c = g_new0(Call, 1);

        c->executor = e;
        c->unit = g_strdup(unit);
        c->fn = fn;
        c->msg = sd_bus_message_ref(msg);
        c->start = start;
        g_queue_push_tail(start ? &e->start_queue : &e->queue, c);
        if (start)
                hold_starts(e);
        pump(e);
}

/* Queue a call to systemd; @fn gets the reply (with the watch of @unit, if still there). */
static int call_queue(SystemdExecutor *e, sd_bus_message *msg, const char *unit, ReplyFn fn) {
        call_enqueue(e, msg, unit, fn, false);
        return 0;
}

static int new_call(SystemdExecutor *e, sd_bus_message **ret, const char *path, const char *iface,
                    const char *member) {
        if (!e->bus)
                return -ENOTCONN;
        return sd_bus_message_new_method_call(e->bus, ret, SD_DEST, path, iface, member);
}

/* A manager method with one unit-name argument (RefUnit, UnrefUnit, GetUnit). */
static int call_unit_method(SystemdExecutor *e, const char *member, const char *unit, const char *for_watch,
                            ReplyFn fn) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = new_call(e, &msg, SD_PATH, SD_MANAGER_IFACE, member);
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", unit);
        if (r < 0)
                return r;
        return call_queue(e, msg, for_watch, fn);
}

/* Errors that mean "systemd is not there right now", not "systemd said no". */
static bool error_is_transient(SystemdExecutor *e, const sd_bus_error *error) {
        return e->systemd_gone ||
               sd_bus_error_has_names(error, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_DISCONNECTED,
                                      SD_BUS_ERROR_TIMEOUT);
}

/* ---- the end of a job ---- */

static void log_orphan_end(SystemdExecutor *e, UnitWatch *w, JobResult result, const char *detail) {
        log_full(elog(e), LOG_INFO, "unit %s (followed without a job) ended %s%s%s",
                 w->unit, job_result_to_string(result), detail ? ": " : "", detail ?: "");
}

/* Record @result for the watch's job, UnrefUnit, and forget the watch. */
static void watch_end(UnitWatch *w, JobResult result, int32_t exit_status, const char *detail) {
        SystemdExecutor *e = w->executor;
        Manager *m = e->manager;
        Job *job = watch_job(w);
        g_autofree char *unit = g_strdup(w->unit);
        g_autofree char *invocation = g_strdup(w->invocation_id);
        bool unref = w->ref_held && !w->gone;

        w->finished = true;
        if (!job && w->job_id == 0)
                log_orphan_end(e, w, result, detail);
        watch_drop(w);          /* before the core can start the next attempt under the same id */

        if (unref)
                (void) call_unit_method(e, "UnrefUnit", unit, NULL, NULL);
        if (job) {
                scheduler_job_set_unit(m->scheduler, job, unit, invocation);
                scheduler_job_finished(m->scheduler, job, result, exit_status, detail, manager_now(m));
        }
        manager_schedule_post(m);
}

static void watch_finish(UnitWatch *w) {
        UnitOutcome o = {
                .result = w->result,
                .exec_main_code = w->exec_main_code,
                .exec_main_status = w->exec_main_status,
                .stop_requested = w->stop_requested,
                .external_stop_job = w->external_stop,
                .start_job_result = w->start_job_result,
        };
        g_autofree char *detail = NULL;
        JobResult result;
        int32_t status;

        unit_outcome_classify(&o, &result, &status, &detail);
        if (w->stop_from_store) {
                g_free(detail);
                detail = g_strdup(_("cancelled through sluice (the stop was requested before sluiced restarted)"));
        }
        watch_end(w, result, status, detail);
}

static bool state_is_inactive(const char *s) {
        return s && (strcmp(s, "inactive") == 0 || strcmp(s, "failed") == 0);
}

/* Has the unit finished?  Then record the job's result. */
static void watch_evaluate(UnitWatch *w) {
        if (w->finished || w->refreshing || w->resyncing || w->reattaching || !w->start_confirmed)
                return;
        if (w->gone) {
                if (w->stop_from_store)
                        watch_end(w, JOB_RESULT_CANCELLED, -1,
                                  _("cancelled through sluice (the stop was requested before sluiced restarted)"));
                else if (w->stop_requested)
                        watch_end(w, JOB_RESULT_CANCELLED, -1, _("cancelled through sluice"));
                else
                        watch_end(w, JOB_RESULT_LOST, -1, _("the unit vanished from systemd"));
                return;
        }
        if (!state_is_inactive(w->active_state) || w->pending_job_id != 0)
                return;
        /* Inactive before the start job ran is the unit waiting to start. */
        if (!w->start_job_removed && !w->invocation_id)
                return;
        if (!w->service_fresh) {
                watch_refresh(w);
                return;
        }
        watch_finish(w);
}

/* ---- reading properties ---- */

static int read_id128(sd_bus_message *msg, char **ret) {
        const void *p;
        size_t n;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "ay");
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(msg, 'y', &p, &n);
        if (r < 0)
                return r;
        g_free(*ret);
        *ret = NULL;
        if (n == 16) {
                GString *s = g_string_sized_new(33);

                for (size_t i = 0; i < n; i++)
                        g_string_append_printf(s, "%02x", ((const uint8_t *) p)[i]);
                /* All zero: no invocation yet. */
                if (strspn(s->str, "0") == s->len)
                        g_string_free(s, true);
                else
                        *ret = g_string_free(s, false);
        }
        return sd_bus_message_exit_container(msg);
}

static int read_aay(sd_bus_message *msg, char ***ret) {
        g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
        const void *p;
        size_t n;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "aay");
        if (r >= 0)
                r = sd_bus_message_enter_container(msg, 'a', "ay");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read_array(msg, 'y', &p, &n)) > 0)
                g_ptr_array_add(a, g_strndup(p, n));
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        g_ptr_array_add(a, NULL);
        g_strfreev(*ret);
        *ret = (char **) g_ptr_array_free(g_steal_pointer(&a), false);
        return 0;
}

/* ExecStart a(sasbttttuii): the argv of the first command. */
static int read_exec_argv(sd_bus_message *msg, char ***ret) {
        bool first = true;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "a(sasbttttuii)");
        if (r >= 0)
                r = sd_bus_message_enter_container(msg, 'a', "(sasbttttuii)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'r', "sasbttttuii")) > 0) {
                char **argv = NULL;
                const char *path;

                r = sd_bus_message_read(msg, "s", &path);
                if (r >= 0)
                        r = sd_bus_message_read_strv(msg, &argv);
                if (r >= 0)
                        r = sd_bus_message_skip(msg, "bttttuii");
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
                if (r >= 0 && first) {
                        /* sd-bus allocates with malloc(), which g_free() matches (GLib >= 2.46). */
                        g_strfreev(*ret);
                        *ret = TAKE_PTR(argv);
                        first = false;
                }
                g_strfreev(argv);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        return r;
}

static int read_string(sd_bus_message *msg, char **ret) {
        const char *s;
        int r = sd_bus_message_read(msg, "v", "s", &s);

        if (r >= 0) {
                g_free(*ret);
                *ret = g_strdup(s);
        }
        return r;
}

/* Merge an a{sv} of unit or service properties into the watch. */
static int parse_properties(UnitWatch *w, sd_bus_message *msg, bool *ret_saw_result) {
        int r;

        *ret_saw_result = false;
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *name;

                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        return r;
                if (strcmp(name, "ActiveState") == 0)
                        r = read_string(msg, &w->active_state);
                else if (strcmp(name, "LoadState") == 0) {
                        g_autofree char *load = NULL;

                        r = read_string(msg, &load);
                        if (r >= 0 && load && strcmp(load, "not-found") == 0)
                                w->gone = true;
                } else if (strcmp(name, "Job") == 0) {
                        const char *path;
                        uint32_t id;

                        r = sd_bus_message_read(msg, "v", "(uo)", &id, &path);
                        if (r >= 0) {
                                w->pending_job_id = id;
                                g_free(w->pending_job_path);
                                w->pending_job_path = g_strdup(path);
                                /* A job we did not queue, after our start job ran: someone else's stop/restart. */
                                if (id != 0 && w->start_job_removed && !w->stop_requested && !w->reattaching &&
                                    g_strcmp0(path, w->start_job) != 0 && g_strcmp0(path, w->stop_job) != 0)
                                        w->external_stop = true;
                        }
                } else if (strcmp(name, "InvocationID") == 0)
                        r = read_id128(msg, &w->invocation_id);
                else if (strcmp(name, "Description") == 0)
                        r = read_string(msg, &w->description);
                else if (strcmp(name, "ActiveEnterTimestamp") == 0)
                        r = sd_bus_message_read(msg, "v", "t", &w->active_enter_timestamp);
                else if (strcmp(name, "ExecMainStartTimestamp") == 0)
                        r = sd_bus_message_read(msg, "v", "t", &w->exec_main_start_timestamp);
                else if (strcmp(name, "Result") == 0) {
                        r = read_string(msg, &w->result);
                        *ret_saw_result = true;
                } else if (strcmp(name, "ExecMainCode") == 0)
                        r = sd_bus_message_read(msg, "v", "i", &w->exec_main_code);
                else if (strcmp(name, "ExecMainStatus") == 0)
                        r = sd_bus_message_read(msg, "v", "i", &w->exec_main_status);
                else if (strcmp(name, "LogExtraFields") == 0)
                        r = read_aay(msg, &w->extra_fields);
                else if (strcmp(name, "ExecStart") == 0)
                        r = read_exec_argv(msg, &w->exec_argv);
                else
                        r = sd_bus_message_skip(msg, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

/* ---- refresh: GetAll of the Unit and Service interfaces ---- */

static void adopt_watch(UnitWatch *w);

static void on_getall_service(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error) {
        bool saw_result;
        int r;

        w->refreshing = false;
        if (sd_bus_error_is_set(error)) {
                if (error_is_transient(e, error)) {
                        watch_resync(w);
                        return;
                }
                /* No Service interface: the unit is gone, or was never loaded as one. */
                log_full(elog(e), LOG_WARNING, "cannot read unit %s: %s", w->unit, error->message);
                w->gone = true;
        } else {
                r = parse_properties(w, reply, &saw_result);
                if (r < 0)
                        log_errno(elog(e), LOG_WARNING, r, "cannot parse the properties of unit %s", w->unit);
                /* Read while the unit still ran, Result=success and ExecMainCode=0 say
                 * nothing about its end: the end is read again when it comes. */
                w->service_fresh = state_is_inactive(w->active_state);
        }
        if (w->reattaching)
                adopt_watch(w);
        if (!w->finished)
                watch_evaluate(w);
}

static void on_getall_unit(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error) {
        bool saw_result;
        int r;

        if (sd_bus_error_is_set(error)) {
                if (sd_bus_error_has_names(error, "org.freedesktop.systemd1.NoSuchUnit",
                                           SD_BUS_ERROR_UNKNOWN_OBJECT))
                        w->gone = true;
                return;         /* the Service GetAll that follows decides */
        }
        r = parse_properties(w, reply, &saw_result);
        if (r < 0)
                log_errno(elog(e), LOG_WARNING, r, "cannot parse the properties of unit %s", w->unit);
}

static int queue_getall(UnitWatch *w, const char *iface, ReplyFn fn) {
        SystemdExecutor *e = w->executor;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = new_call(e, &msg, w->path, "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", iface);
        if (r < 0)
                return r;
        return call_queue(e, msg, w->unit, fn);
}

/* Read the unit's whole state again (the signals did not tell enough). */
static void watch_refresh(UnitWatch *w) {
        int r;

        if (w->refreshing)
                return;
        w->refreshing = true;
        w->service_fresh = false;
        r = queue_getall(w, SD_UNIT_IFACE, on_getall_unit);
        if (r >= 0)
                r = queue_getall(w, SD_SERVICE_IFACE, on_getall_service);
        if (r < 0) {
                w->refreshing = false;
                log_errno(elog(w->executor), LOG_WARNING, r, "cannot read unit %s", w->unit);
        }
}

/* ---- start ---- */

static void on_start_reply(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error) {
        Job *job = watch_job(w);
        const char *path;
        int r;

        if (sd_bus_error_is_set(error)) {
                g_autofree char *detail = NULL;

                if (error_is_transient(e, error)) {
                        watch_resync(w);
                        return;
                }
                detail = g_strdup_printf(_("systemd refused to start %s: %s"), w->unit,
                                         error->message ?: error->name);
                if (job)
                        log_job(elog(e), LOG_WARNING, job, "%s", detail);
                w->ref_held = false;    /* no unit of ours, nothing to unref */
                watch_end(w, JOB_RESULT_FAILED, -1, detail);
                return;
        }
        w->start_confirmed = true;
        w->ref_held = true;
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0) {
                g_free(w->start_job);
                w->start_job = g_strdup(path);
        }
        if (job)
                scheduler_job_set_unit(e->manager->scheduler, job, w->unit, w->invocation_id);
        watch_evaluate(w);
}

static int watch_send_start(UnitWatch *w, const Job *job) {
        SystemdExecutor *e = w->executor;
        const ClassConfig *cls = sluice_config_get_class(scheduler_get_config(e->manager->scheduler),
                                                         job->class_name);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = new_call(e, &msg, SD_PATH, SD_MANAGER_IFACE, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", w->unit, "fail");
        if (r >= 0)
                r = unit_props_append(msg, job, cls);
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        w->start_sent = true;
        call_enqueue(e, msg, w->unit, on_start_reply, true);
        return 0;
}

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
        if (!e->bus || e->systemd_gone) {
                /* systemd is away: the resync once it is back sends the start. */
                log_job(elog(e), LOG_INFO, job, "systemd is not reachable, the unit starts when it is back");
                return 0;
        }
        r = watch_send_start(w, job);
        if (r < 0) {
                watch_drop(w);
                return log_errno(elog(e), LOG_WARNING, r, "cannot start unit %s", unit);
        }
        log_job(elog(e), LOG_DEBUG, job, "starting unit %s", unit);
        return 0;
}

/* ---- stop ---- */

static void on_stop_reply(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error) {
        const char *path;

        if (sd_bus_error_is_set(error)) {
                if (error_is_transient(e, error)) {
                        watch_resync(w);
                        return;
                }
                /* Already gone or never there: what the unit says decides. */
                log_full(elog(e), LOG_DEBUG, "StopUnit(%s): %s", w->unit, error->message);
                if (w->start_confirmed)
                        watch_refresh(w);
                return;
        }
        if (sd_bus_message_read(reply, "o", &path) >= 0) {
                g_free(w->stop_job);
                w->stop_job = g_strdup(path);
        }
}

/* StopUnit of the watch's unit, once its start went out. */
static int watch_send_stop(UnitWatch *w) {
        SystemdExecutor *e = w->executor;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        if (!w->start_sent)
                return 0;       /* systemd away: the resync finds no unit and ends the job cancelled */
        r = new_call(e, &msg, SD_PATH, SD_MANAGER_IFACE, "StopUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", w->unit, "replace");
        if (r < 0)
                return r;
        /* FIFO: goes out after the StartTransientUnit if that is still queued. */
        return call_queue(e, msg, w->unit, on_stop_reply);
}

/**
 * systemd_executor_stop() - Cancel of a running command job: StopUnit
 * @e: the executor
 * @job: the job
 *
 * Remembers that sluice asked, so the stop is reported as a cancel, and
 * queues the request for the next group commit (StoreStop), which the
 * Cancel()'s held reply waits for: a sluiced restarted before the unit
 * ended finds it stored, stops the unit again and ends the job cancelled
 * (reattach_stop(), end_from_journal(), manager_restore_from_store()).
 * The StopUnit itself goes out at once: a stop not yet durable may still
 * reach PID 1 (a cancel never answered that happened anyway is allowed).
 *
 * Return: 0 or a negative errno.
 */
int systemd_executor_stop(SystemdExecutor *e, Job *job) {
        g_autofree char *unit = sluice_unit_name_for_job(job->id);
        UnitWatch *w = g_hash_table_lookup(e->units, unit);
        StoreStop *stop;

        if (!w)
                return -ESRCH;
        if (w->stop_requested)
                return 0;       /* asked already (a stored stop, sent again at re-attach) */
        w->stop_requested = true;
        stop = g_new0(StoreStop, 1);
        stop->job_id = job->id;
        stop->requested_at = manager_now(e->manager);
        stop->reason = g_strdup("sluice");     /* the Cancel() handler names its caller (systemd_executor_stop_requester()) */
        g_ptr_array_add(e->stops_pending, stop);
        manager_schedule_post(e->manager);
        return watch_send_stop(w);
}

/**
 * systemd_executor_stop_requester() - who asked for a stop queued in this loop iteration
 * @e: the executor
 * @job: the job whose stop systemd_executor_stop() queued
 * @has_uid: whether @uid is known
 * @uid: the caller's uid
 * @sender: the caller's unique bus name
 *
 * Called by the Cancel()/CancelJob() handlers right after
 * scheduler_cancel(): the pending request becomes a client's "cancel".  A
 * request committed already (a second Cancel()) keeps its first caller.
 */
void systemd_executor_stop_requester(SystemdExecutor *e, const Job *job, bool has_uid, uint32_t uid,
                                     const char *sender) {
        for (guint i = 0; i < e->stops_pending->len; i++) {
                StoreStop *stop = e->stops_pending->pdata[i];

                if (stop->job_id != job->id || stop->requester)
                        continue;
                g_free(stop->reason);
                stop->reason = g_strdup("cancel");
                stop->has_requester_uid = has_uid;
                stop->requester_uid = uid;
                stop->requester = g_strdup(sender ?: "");
        }
}

/**
 * systemd_executor_store_stops() - write the stop requests of this loop iteration
 * @e: the executor
 * @st: the store, inside the group commit's transaction
 * @error: set on failure
 *
 * Write them before the jobs: a job that ended in the same iteration drops
 * its request again (store_put_job()).  They stay pending until
 * systemd_executor_stops_committed().
 *
 * Return: true on success.
 */
bool systemd_executor_store_stops(SystemdExecutor *e, Store *st, GError **error) {
        for (guint i = 0; i < e->stops_pending->len; i++)
                if (!store_put_stop(st, e->stops_pending->pdata[i], error))
                        return false;
        return true;
}

/**
 * systemd_executor_stops_committed() - the commit that wrote them worked
 * @e: the executor
 */
void systemd_executor_stops_committed(SystemdExecutor *e) {
        g_ptr_array_set_size(e->stops_pending, 0);
}

/**
 * systemd_executor_n_stops_pending() - stop requests not committed yet
 * @e: the executor
 *
 * Return: the number.
 */
unsigned systemd_executor_n_stops_pending(SystemdExecutor *e) {
        return e->stops_pending->len;
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
        if (!w || w->finished)
                return 0;

        if (!w->start_job_removed && (!w->start_job || strcmp(job_path, w->start_job) == 0)) {
                w->start_job_removed = true;
                g_free(w->start_job_result);
                w->start_job_result = g_strdup(result);
        } else if (!w->stop_job || strcmp(job_path, w->stop_job) != 0) {
                if (!w->stop_requested)
                        w->external_stop = true;
        }
        if (w->pending_job_path && strcmp(w->pending_job_path, job_path) == 0)
                w->pending_job_id = 0;
        /* Where the unit stands now is not in the signal: read it. */
        if (w->start_confirmed)
                watch_refresh(w);
        manager_schedule_post(e->manager);
        return 0;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        SystemdExecutor *e = userdata;
        const char *iface;
        UnitWatch *w;
        bool saw_result;
        int r;

        w = g_hash_table_lookup(e->paths, sd_bus_message_get_path(msg));
        if (!w || w->finished)
                return 0;
        if (sd_bus_message_read(msg, "s", &iface) < 0)
                return 0;
        r = parse_properties(w, msg, &saw_result);
        if (r < 0) {
                log_errno(elog(e), LOG_DEBUG, r, "cannot parse PropertiesChanged of %s", w->unit);
                return 0;
        }
        if (strcmp(iface, SD_SERVICE_IFACE) == 0) {
                /* The Service values travel in their own signal, next to the Unit one. */
                if (saw_result)
                        w->service_fresh = true;
                return 0;
        }
        if (strcmp(iface, SD_UNIT_IFACE) != 0)
                return 0;
        if (w->invocation_id) {
                Job *job = watch_job(w);

                if (job && g_strcmp0(job->invocation_id, w->invocation_id) != 0)
                        scheduler_job_set_unit(e->manager->scheduler, job, w->unit, w->invocation_id);
        }
        watch_evaluate(w);
        /* The unit's end frees the watch: look it up again. */
        w = g_hash_table_lookup(e->paths, sd_bus_message_get_path(msg));
        /* Service values older than this Unit emission may be stale for the next one. */
        if (w && !w->finished)
                w->service_fresh = false;
        manager_schedule_post(e->manager);
        return 0;
}

/* ---- systemd going away and coming back ---- */

static void on_getunit_reply(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error) {
        Job *job;
        int r;

        w->resyncing = false;
        if (!sd_bus_error_is_set(error)) {
                if (!w->start_confirmed) {
                        w->start_confirmed = true;
                        w->ref_held = true;
                }
                watch_refresh(w);
                return;
        }
        if (error_is_transient(e, error))
                return;         /* the next resync tries again */
        if (!sd_bus_error_has_name(error, "org.freedesktop.systemd1.NoSuchUnit")) {
                log_full(elog(e), LOG_WARNING, "cannot check unit %s: %s", w->unit, error->message);
                return;
        }
        if (w->start_confirmed) {
                w->gone = true;
                watch_evaluate(w);
                return;
        }
        /* The start never reached systemd: send it now (or end a cancelled job). */
        job = watch_job(w);
        if (!job) {
                watch_drop(w);
                return;
        }
        if (w->stop_requested) {
                watch_end(w, JOB_RESULT_CANCELLED, -1, _("cancelled through sluice"));
                return;
        }
        r = watch_send_start(w, job);
        if (r < 0) {
                g_autofree char *detail = g_strdup_printf(_("cannot start the unit: %s"), g_strerror(-r));
                watch_end(w, JOB_RESULT_FAILED, -1, detail);
        }
}

/* Does systemd still know the unit?  (After systemd came back.) */
static void watch_resync(UnitWatch *w) {
        SystemdExecutor *e = w->executor;

        w->refreshing = false;
        if (w->resyncing || w->finished || !e->bus || e->systemd_gone)
                return;         /* a resync of everything follows systemd's return */
        w->resyncing = true;
        if (call_unit_method(e, "GetUnit", w->unit, w->unit, on_getunit_reply) < 0)
                w->resyncing = false;
}

static void on_subscribe_reply(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error) {
        /* After a daemon-reexec systemd still has our subscription: fine. */
        if (sd_bus_error_is_set(error) && !sd_bus_error_has_name(error, "org.freedesktop.systemd1.AlreadySubscribed"))
                log_full(elog(e), LOG_WARNING, "Subscribe() to systemd failed: %s", error->message);
}

static int subscribe(SystemdExecutor *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = new_call(e, &msg, SD_PATH, SD_MANAGER_IFACE, "Subscribe");
        if (r < 0)
                return r;
        return call_queue(e, msg, NULL, on_subscribe_reply);
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

                if (w && !w->finished) {
                        w->resyncing = false;
                        watch_resync(w);
                }
        }
}

static void drop_queue(SystemdExecutor *e) {
        Call *c;

        while ((c = g_queue_pop_head(&e->queue)))
                call_free(c);
        while ((c = g_queue_pop_head(&e->start_queue)))
                call_free(c);
        e->in_flight = 0;
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
                return 0;
        }
        if (e->systemd_gone || old_owner[0] != '\0') {
                log_full(elog(e), LOG_INFO, "systemd is back on the bus, checking %u units",
                         g_hash_table_size(e->units));
                e->systemd_gone = false;
                resync_all(e);
                pump(e);
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
static int add_matches(SystemdExecutor *e) {
        int r;

        r = sd_bus_add_match_async(e->bus, &e->job_removed_slot,
                                   "type='signal',sender='" SD_DEST "',path='" SD_PATH "',"
                                   "interface='" SD_MANAGER_IFACE "',member='JobRemoved'",
                                   on_job_removed, NULL, e);
        if (r >= 0)
                r = sd_bus_add_match_async(e->bus, &e->props_slot,
                                           "type='signal',sender='" SD_DEST "',"
                                           "path_namespace='" SD_UNIT_PATH_PREFIX "',"
                                           "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'",
                                           on_properties_changed, NULL, e);
        if (r >= 0)
                r = sd_bus_add_match_async(e->bus, &e->owner_slot,
                                           "type='signal',sender='org.freedesktop.DBus',"
                                           "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                           "member='NameOwnerChanged',arg0='" SD_DEST "'",
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
        sd_bus_unref(e->bus);
        e->bus = sd_bus_ref(bus);
        e->systemd_gone = false;
        r = add_matches(e);
        if (r < 0) {
                release_slots(e);
                e->bus = sd_bus_unref(e->bus);
                return log_errno(elog(e), LOG_ERR, r, "cannot watch systemd's signals");
        }
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

/* Ask systemd to stop a unit sluiced follows without a job (it is not any stored job's run). */
static void stop_unclaimed(UnitWatch *w) {
        SystemdExecutor *e = w->executor;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        w->job_id = 0;
        if (state_is_inactive(w->active_state))
                return;         /* ended already: followed until its result is read, then unref'd */
        w->stop_requested = true;
        r = new_call(e, &msg, SD_PATH, SD_MANAGER_IFACE, "StopUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", w->unit, "replace");
        if (r >= 0)
                r = call_queue(e, msg, w->unit, on_stop_reply);
        if (r < 0)
                log_errno(elog(e), LOG_WARNING, r, "cannot stop unit %s", w->unit);
}

/*
 * Rebuild a running job: from @stored (the database) when given, else from the unit's record.
 *
 * StartedAt is when sluice started the attempt (its dispatch), the value
 * clients were told and the database holds: a stored start time is kept as
 * it is, never replaced by the unit's ExecMainStartTimestamp, which comes a
 * few milliseconds later (docs/dbus-api.md, "Restart of sluiced").  Only a
 * job with no stored start of this attempt (adopted from the unit's own
 * record, or whose start the last commit did not hold: stored queued) takes
 * the unit's timestamp.
 */
static void adopt_job(UnitWatch *w, const UnitRecord *rec, const Job *stored, uint32_t attempt) {
        SystemdExecutor *e = w->executor;
        Manager *m = e->manager;
        g_autoptr(GError) error = NULL;
        JobSpec spec = {};
        usec_t started_at, submitted_at;
        uint64_t id;
        Job *job;

        started_at = w->exec_main_start_timestamp ? w->exec_main_start_timestamp : w->active_enter_timestamp;
        if (stored) {
                id = stored->id;
                spec.class_name = stored->class_name;
                spec.has_priority = true;
                spec.priority = stored->priority;
                spec.parameters = stored->parameters;
                spec.resources = (const char *const *) stored->resources;
                spec.description = stored->description;
                spec.owner = stored->owner;
                spec.submitter = stored->submitter;
                spec.argv = (const char *const *) stored->argv;
                spec.environment = (const char *const *) stored->environment;
                submitted_at = stored->submitted_at;
                /* A job stored queued had not started this attempt as far as the database knows. */
                if (stored->state == JOB_STATE_RUNNING && stored->attempt == attempt && stored->started_at != 0)
                        started_at = stored->started_at;
        } else {
                id = rec->id;
                spec.class_name = rec->class_name;
                spec.has_priority = rec->has_priority;
                spec.priority = rec->priority;
                spec.parameters = rec->parameters;
                spec.resources = (const char *const *) rec->resources->pdata;
                spec.description = rec->description;
                spec.owner = rec->owner;
                submitted_at = rec->submitted_at;
        }
        /* The command the unit really runs, whether it came from the class's template or the submitter. */
        if (w->exec_argv && w->exec_argv[0])
                spec.argv = (const char *const *) w->exec_argv;
        if (started_at == 0)
                started_at = manager_now(m);

        job = scheduler_adopt(m->scheduler, &spec, id, submitted_at ? submitted_at : started_at, started_at,
                              attempt, manager_now(m), &error);
        if (!job) {
                log_full(&m->log, LOG_WARNING,
                         "cannot rebuild job %" PRIu64 " of unit %s (%s); following the unit without a job",
                         id, w->unit, error ? error->message : "no reason given");
                w->job_id = 0;
                return;
        }
        w->job_id = job->id;
        scheduler_job_set_unit(m->scheduler, job, w->unit, w->invocation_id);
        log_job(&m->log, LOG_INFO, job, "re-attached to unit %s (attempt %" PRIu32 ")", w->unit, job->attempt);
        manager_schedule_post(m);
}

/* Has the unit ended (as last read)?  Then there is nothing left to stop. */
static bool unit_has_ended(const UnitWatch *w) {
        return state_is_inactive(w->active_state) && w->pending_job_id == 0;
}

static char *stop_requester_text(const StoreStop *stop) {
        if (!stop->has_requester_uid)
                return g_strdup(stop->reason);
        return g_strdup_printf("%s by uid %" PRIu32 " (%s)", stop->reason, stop->requester_uid,
                               stop->requester && stop->requester[0] ? stop->requester : "?");
}

/*
 * A re-attached job whose stop was stored before sluiced restarted (a
 * Cancel() answered, or about to be): the cancel stands.  The unit, if it
 * still runs, is stopped again (the StopUnit of the previous sluiced may
 * never have reached PID 1), and the job ends cancelled whatever the unit
 * says, also when its command exited 0 before the stop reached it
 * (docs/design.md, "Durability windows").
 */
static void reattach_stop(UnitWatch *w) {
        SystemdExecutor *e = w->executor;
        Manager *m = e->manager;
        g_autoptr(StoreStop) stop = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *who = NULL;
        Job *job = watch_job(w);
        int r;

        if (!job || !m->store)
                return;
        if (!store_get_stop(m->store, job->id, &stop, &error)) {
                log_full(&m->log, LOG_WARNING, "%s", error->message);
                return;
        }
        if (!stop)
                return;
        who = stop_requester_text(stop);
        w->stop_requested = w->stop_from_store = true;
        if (unit_has_ended(w))
                log_job(&m->log, LOG_NOTICE, job, "its stop was requested before sluiced restarted (%s at %" PRIu64
                        "); unit %s has ended: cancelled", who, stop->requested_at, w->unit);
        else {
                log_job(&m->log, LOG_NOTICE, job, "its stop was requested before sluiced restarted (%s at %" PRIu64
                        "): stopping unit %s again", who, stop->requested_at, w->unit);
                r = watch_send_stop(w);
                if (r < 0)
                        log_errno(&m->log, LOG_WARNING, r, "cannot stop unit %s", w->unit);
        }
        /* The core's side of the cancel: the job ends cancelled (the stop hook sees the request and sends nothing). */
        if (!scheduler_cancel(m->scheduler, job, manager_now(m), &error))
                log_full(&m->log, LOG_WARNING, "%s", error->message);
}

/*
 * Is the unit a run of @stored?  The stored InvocationID decides when there
 * is one.  Without one (the start reply came after the last commit), or when
 * the job is stored queued (the start went out in the iteration whose commit
 * the crash cut), the unit's own record must name the attempt the job was at
 * or the next one.  Sets the attempt to adopt it as.
 */
static bool unit_is_run_of(UnitWatch *w, const UnitRecord *rec, bool have_rec, const Job *stored,
                           uint32_t *ret_attempt) {
        if (stored->kind != JOB_KIND_COMMAND || stored->state == JOB_STATE_DONE)
                return false;
        if (stored->state == JOB_STATE_RUNNING && stored->invocation_id && w->invocation_id) {
                *ret_attempt = stored->attempt;
                return strcmp(stored->invocation_id, w->invocation_id) == 0;
        }
        if (!have_rec || rec->id != stored->id)
                return false;
        if (stored->state == JOB_STATE_RUNNING && rec->attempt == MAX(stored->attempt, 1u)) {
                *ret_attempt = rec->attempt;
                return true;
        }
        if (stored->state == JOB_STATE_QUEUED && rec->attempt == stored->attempt + 1) {
                *ret_attempt = rec->attempt;
                return true;
        }
        return false;
}

/*
 * A unit found at start-up, read: whose run is it?  With a state database
 * the stored job is the truth (unit_is_run_of()): a unit that is the run of
 * its stored job is re-attached with the stored id, attempt and spec.  A
 * unit that contradicts its stored job (the job had ended, or another
 * invocation than the stored one) is stopped: it must not run without its
 * job, and it is not that job's run.  A unit with no stored job at all is
 * adopted from its LogExtraFields record, as without a database: since unit
 * starts wait for the commit (on_release_starts()) sluiced itself never
 * leaves one, so it comes from a database that was replaced or removed, and
 * stopping it would kill work an administrator cares about; adopted, its id
 * stays taken and its real result is recorded.
 */
static void adopt_watch(UnitWatch *w) {
        SystemdExecutor *e = w->executor;
        Manager *m = e->manager;
        g_auto(UnitRecord) rec = {};
        g_autoptr(GError) error = NULL;
        g_autoptr(Job) stored = NULL;
        g_autofree char *why = NULL;
        uint32_t attempt = 0;
        bool have_rec;

        w->reattaching = false;
        reattach_done_one(e);

        if (w->gone) {
                log_full(&m->log, LOG_INFO, "unit %s vanished before it could be re-attached", w->unit);
                return;
        }
        /* Whatever happens to it, the unit's id is never handed out again while its name is in use. */
        scheduler_set_next_id(m->scheduler, w->job_id == UINT64_MAX ? w->job_id : w->job_id + 1);
        have_rec = unit_record_parse(w->extra_fields, &rec, &why);
        if (have_rec && rec.id != w->job_id)
                log_full(&m->log, LOG_WARNING, "unit %s carries job id %" PRIu64 ", using that", w->unit, rec.id);

        if (m->store && !store_get_job(m->store, w->job_id, &stored, &error))
                /* Cannot ask the database: take the unit's own word rather than stop a job's run. */
                log_full(&m->log, LOG_WARNING, "%s", error->message);
        if (stored) {
                if (unit_is_run_of(w, &rec, have_rec, stored, &attempt)) {
                        adopt_job(w, &rec, stored, attempt);
                        reattach_stop(w);
                        return;
                }
                log_full(&m->log, LOG_NOTICE, "unit %s is not the run of stored job %" PRIu64 " (%s): stopping it",
                         w->unit, stored->id,
                         stored->state == JOB_STATE_DONE ? "that job had ended" : "another invocation or attempt");
                stop_unclaimed(w);
                return;
        }
        if (!have_rec) {
                log_full(&m->log, LOG_WARNING, "unit %s does not describe a sluice job (%s); following it without one",
                         w->unit, why);
                w->job_id = 0;
                return;
        }
        if (m->store)
                log_full(&m->log, LOG_NOTICE, "unit %s has no stored job: adopting it from its own record", w->unit);
        adopt_job(w, &rec, NULL, rec.attempt);
}

static void on_ref_reply(SystemdExecutor *e, UnitWatch *w, sd_bus_message *reply, const sd_bus_error *error) {
        if (sd_bus_error_is_set(error)) {
                log_full(elog(e), LOG_INFO, "RefUnit(%s): %s", w->unit, error->message);
                return;
        }
        w->ref_held = true;
}

static void on_list_reply(SystemdExecutor *e, UnitWatch *unused, sd_bus_message *reply, const sd_bus_error *error) {
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
                w->start_sent = w->start_confirmed = w->start_job_removed = true;
                w->held = true;
                e->units_held++;
                w->reattaching = true;
                w->pending_job_id = job_id;
                w->pending_job_path = g_strdup(job_path);
                if (job_id != 0 && strcmp(job_type, "start") == 0) {
                        /* Still starting: its start job is the one to wait for. */
                        w->start_job = g_strdup(job_path);
                        w->start_job_removed = false;
                }
                e->reattach_pending++;
                (void) call_unit_method(e, "RefUnit", name, name, on_ref_reply);
                watch_refresh(w);
        }
        if (r < 0)
                log_errno(elog(e), LOG_WARNING, r, "cannot parse ListUnitsByPatterns()");
        reattach_done_one(e);
}

static bool collect_running(const Job *job, void *userdata) {
        GArray *ids = userdata;

        if (job->kind == JOB_KIND_COMMAND)
                g_array_append_val(ids, job->id);
        return true;
}

/*
 * A stored running command job whose unit is gone (it ended, and systemd
 * collected it, while sluiced was down): its real end from PID 1's journal.
 * The job is rebuilt and ends through the core as if sluiced had watched
 * (a failed attempt with retries left is queued again).  Without an entry
 * it is left to manager_restore_from_store(), which ends it `lost`.
 */
static void end_from_journal(SystemdExecutor *e, sd_journal **journal, uint64_t id) {
        Manager *m = e->manager;
        g_autoptr(GError) error = NULL;
        g_autoptr(Job) stored = NULL;
        g_autoptr(StoreStop) stop = NULL;
        g_autofree char *unit = sluice_unit_name_for_job(id);
        g_autofree char *detail = NULL, *full = NULL;
        g_auto(UnitJournalEnd) end = {};
        UnitOutcome o = {};
        JobSpec spec = {};
        JobResult result;
        int32_t status;
        Job *job;
        int r;

        if (g_hash_table_contains(e->units, unit) || scheduler_get_job(m->scheduler, id))
                return;         /* re-attached (or followed) already */
        if (!store_get_job(m->store, id, &stored, &error) || !stored) {
                if (error)
                        log_full(&m->log, LOG_WARNING, "%s", error->message);
                return;
        }
        r = *journal ? 0 : unit_journal_open(journal);
        if (r >= 0)
                r = unit_journal_find_end(*journal, unit, stored->invocation_id, stored->started_at, &end);
        if (r < 0)
                log_errno(&m->log, LOG_DEBUG, r, "cannot read the journal for unit %s", unit);
        if (r <= 0)
                return;

        /* A stop stored before the restart: cancelled, whatever the unit's end says. */
        if (!store_get_stop(m->store, id, &stop, &error)) {
                log_full(&m->log, LOG_WARNING, "%s", error->message);
                g_clear_error(&error);
        }
        o.stop_requested = stop != NULL;
        o.result = end.result;
        o.exec_main_code = end.exec_main_code;
        o.exec_main_status = end.exec_main_status;
        o.external_stop_job = end.stop_job;
        o.start_job_result = "done";
        unit_outcome_classify(&o, &result, &status, &detail);

        spec.class_name = stored->class_name;
        spec.has_priority = true;
        spec.priority = stored->priority;
        spec.parameters = stored->parameters;
        spec.resources = (const char *const *) stored->resources;
        spec.description = stored->description;
        spec.owner = stored->owner;
        spec.submitter = stored->submitter;
        spec.argv = (const char *const *) stored->argv;
        spec.environment = (const char *const *) stored->environment;
        job = scheduler_adopt(m->scheduler, &spec, id, stored->submitted_at,
                              stored->started_at ? stored->started_at : end.finished_at, stored->attempt,
                              manager_now(m), &error);
        if (!job) {
                log_full(&m->log, LOG_WARNING, "cannot rebuild job %" PRIu64 " to record its end: %s", id,
                         error->message);
                return;
        }
        scheduler_job_set_unit(m->scheduler, job, unit, end.invocation_id);
        full = detail ? g_strdup_printf(_("%s (the unit ended while sluiced was down; read from the journal)"),
                                        detail)
                      : g_strdup(_("the unit ended while sluiced was down; read from the journal"));
        log_job(&m->log, LOG_NOTICE, job, "its unit %s ended while sluiced was down: %s%s%s%s", unit,
                job_result_to_string(result), detail ? ", " : "", detail ?: "",
                stop ? " (its stop was requested before sluiced restarted)" : "");
        scheduler_job_finished(m->scheduler, job, result, status, full, MAX(end.finished_at, job->started_at));
        manager_schedule_post(m);
}

/* Every stored running command job whose unit did not come back: its end from the journal. */
static void end_gone_jobs(SystemdExecutor *e) {
        Manager *m = e->manager;
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) ids = g_array_new(false, false, sizeof(uint64_t));
        _cleanup_(sd_journal_closep) sd_journal *journal = NULL;       /* opened on first need */
        StoreJobFilter filter = { .states = 1u << JOB_STATE_RUNNING };

        if (!m->store)
                return;
        if (!store_foreach_job(m->store, &filter, collect_running, ids, &error)) {
                log_full(&m->log, LOG_WARNING, "%s", error->message);
                return;
        }
        for (guint i = 0; i < ids->len; i++)
                end_from_journal(e, &journal, g_array_index(ids, uint64_t, i));
}

/**
 * systemd_executor_reattach() - follow the units a previous sluiced left behind
 * @e: the executor, connected
 *
 * Call after the bus objects exist and before the bus name is requested:
 * runs the event loop until every unit is read and its job rebuilt, so no
 * client sees a half-rebuilt job list and no new job takes a re-attached id.
 *
 * Return: 0 (problems are logged: a unit that cannot be rebuilt is followed
 * without a job), or a negative errno from the event loop.
 */
int systemd_executor_reattach(SystemdExecutor *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        const char *patterns[] = { SLUICE_UNIT_PATTERN, NULL };
        int r;

        r = new_call(e, &msg, SD_PATH, SD_MANAGER_IFACE, "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append_strv(msg, NULL);
        if (r >= 0)
                r = sd_bus_message_append_strv(msg, (char **) patterns);
        if (r < 0)
                return log_errno(elog(e), LOG_ERR, r, "cannot list units");
        e->reattach_pending = 1;
        (void) call_queue(e, msg, NULL, on_list_reply);

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
        end_gone_jobs(e);
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
        e->units = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) watch_free);
        e->paths = g_hash_table_new(g_str_hash, g_str_equal);
        g_queue_init(&e->queue);
        g_queue_init(&e->start_queue);
        e->stops_pending = g_ptr_array_new_with_free_func((GDestroyNotify) store_stop_free);
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
        drop_queue(e);
        e->release_source = sd_event_source_disable_unref(e->release_source);
        e->bus = sd_bus_unref(e->bus);
        g_hash_table_destroy(e->paths);
        g_hash_table_destroy(e->units);
        g_ptr_array_unref(e->stops_pending);
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

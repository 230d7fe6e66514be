/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "alerts.h"
#include "bus-creds.h"
#include "bus-job.h"
#include "bus-manager.h"
#include "cluster.h"
#include "config.h"
#include "errors.h"
#include "executor-systemd.h"
#include "i18n.h"
#include "lease.h"
#include "manager-store.h"
#include "manager-config.h"
#include "manager.h"
#include "metrics.h"
#include "polkit-query.h"
#include "post-step.h"
#include "recovery.h"
#include "schedules.h"
#include "store.h"

/**
 * manager_new() - an empty daemon context
 *
 * Return: the manager; never NULL.
 */
Manager *manager_new(void) {
        Manager *m = g_new0(Manager, 1);

        logger_init(&m->log);
        m->jobs = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) job_link_free);
        m->holders = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) holder_free);
        m->creds = bus_creds_new();
        m->waiting_senders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        m->store_dirty = g_hash_table_new(g_int64_hash, g_int64_equal);
        m->metrics = metrics_new();
        g_queue_init(&m->announce);
        g_queue_init(&m->held_replies);
        m->polkit = polkit_registry_new();
        m->systemd = systemd_executor_new(m);
        return m;
}

/**
 * manager_free() - tear the daemon down
 * @m: the manager (may be NULL)
 *
 * Deferred calls still pending are dropped unanswered: their callers see
 * sluiced's connection close.
 */
void manager_free(Manager *m) {
        if (!m)
                return;
        m->shutting_down = true;

        g_hash_table_remove_all(m->holders);
        g_queue_clear(&m->announce);
        manager_drop_held_replies(m);  /* never committed: unanswered, the callers see the close */
        g_clear_pointer(&m->schedules, schedules_free);
        g_clear_pointer(&m->alerts, alerts_free);
        g_clear_pointer(&m->scheduler, scheduler_free);
        g_clear_pointer(&m->cluster, cluster_free);     /* the lease stays: the next sluiced renews it */
        g_clear_pointer(&m->metrics, metrics_free);
        g_clear_pointer(&m->systemd, systemd_executor_free);   /* units go on; the next sluiced re-attaches */
        g_hash_table_destroy(m->jobs);
        g_hash_table_destroy(m->holders);
        g_hash_table_destroy(m->waiting_senders);       /* after the jobs: their waiters count here */
        g_hash_table_destroy(m->store_dirty);
        g_clear_pointer(&m->store_removed, g_ptr_array_unref);
        g_clear_pointer(&m->stops_pending, g_ptr_array_unref);
        g_clear_pointer(&m->store, store_free);
        g_clear_pointer(&m->polkit, polkit_registry_free);  /* before the bus: it holds calls and slots */
        g_clear_pointer(&m->creds, bus_creds_free);         /* likewise */

        sd_event_source_disable_unref(m->post_source);
        sd_event_source_disable_unref(m->timer_source);
        sd_event_source_disable_unref(m->sigterm_source);
        sd_event_source_disable_unref(m->sigint_source);
        sd_event_source_disable_unref(m->sighup_source);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        g_free(m->config_path);
        g_clear_pointer(&m->files_config, sluice_config_unref);
        g_clear_pointer(&m->stored_overrides, g_ptr_array_unref);
        g_clear_pointer(&m->runtime_overrides, g_ptr_array_unref);
        g_free(m);
}

/**
 * manager_now() - the time the core is told
 * @m: the manager
 *
 * Return: CLOCK_REALTIME in usec, the same for the whole loop iteration.
 */
usec_t manager_now(Manager *m) {
        uint64_t now = 0;

        if (!m->event || sd_event_now(m->event, CLOCK_REALTIME, &now) < 0)
                now = (usec_t) g_get_real_time();
        return now + (usec_t) m->clock_offset_usec;    /* the test clock (test-clock.c); 0 otherwise */
}

/**
 * manager_get_link() - the bus side of a job by id
 * @m: the manager
 * @id: the job id
 *
 * Return: the link (borrowed), NULL when no such job is on the bus.
 */
JobLink *manager_get_link(Manager *m, uint64_t id) {
        return g_hash_table_lookup(m->jobs, &id);
}

/**
 * manager_schedule_post() - something changed: dispatch and flush at the end of this iteration
 * @m: the manager
 */
void manager_schedule_post(Manager *m) {
        if (!m->post_source || m->shutting_down)
                return;
        (void) sd_event_source_set_enabled(m->post_source, SD_EVENT_ONESHOT);
}

/**
 * manager_mark_dirty() - manager properties to announce at the end of this iteration
 * @m: the manager
 * @mask: the changed properties
 */
void manager_mark_dirty(Manager *m, ManagerPropMask mask) {
        m->props_dirty |= mask;
        if (mask & MANAGER_PROP_PAUSED)
                m->store_paused_dirty = true;
        manager_schedule_post(m);
}

/**
 * manager_flush_announce() - InterfacesAdded and JobNew for the new jobs
 * @m: the manager
 *
 * Their Submit()/Acquire() replies are held replies (held-replies.c), sent
 * after this by the post step.
 */
void manager_flush_announce(Manager *m) {
        JobLink *l;

        while ((l = g_queue_peek_head(&m->announce)))
                bus_job_announce(l);    /* pops it */
}

/* The scheduler's listener: its events, in order, become bus emissions. */
static void on_scheduler_event(void *userdata, SchedEventType type, Job *job, JobChangedMask changed) {
        Manager *m = userdata;
        JobLink *l = job->userdata;

        manager_store_job_event(m, type, job);
        metrics_job_event(m, type, job, changed);
        schedules_job_event(m, type, job, changed);
        alerts_job_event(m, type, job, changed);
        cluster_job_event(m, type, job, changed);
        switch (type) {
        case SCHED_EVENT_JOB_NEW:
                l = job_link_new(m, job);
                g_hash_table_insert(m->jobs, &l->id, l);
                /* InterfacesAdded reads every property: send it once the core is out of this call. */
                if (!m->shutting_down)
                        g_queue_push_tail(&m->announce, l);
                break;

        case SCHED_EVENT_JOB_CHANGED:
                if (l && !m->shutting_down)
                        bus_job_changed(l, changed);
                break;

        case SCHED_EVENT_JOB_REMOVED:
                if (!l)
                        break;
                g_queue_remove(&m->announce, l);
                if (!m->shutting_down)
                        bus_job_removed(l);
                job->userdata = NULL;
                g_hash_table_remove(m->jobs, &l->id);
                break;
        }
        manager_schedule_post(m);
}

static const SchedulerListener listener = {
        .event = on_scheduler_event,
};

/* The scheduler's executor: leases are granted on the bus, commands run as units. */
static int executor_start(void *userdata, Job *job) {
        Manager *m = userdata;

        if (job->kind == JOB_KIND_LEASE)
                return lease_executor.start(userdata, job);
        return systemd_executor_start(m->systemd, job);
}

static int executor_stop(void *userdata, Job *job) {
        Manager *m = userdata;

        if (job->kind == JOB_KIND_LEASE)
                return lease_executor.stop(userdata, job);
        return systemd_executor_stop(m->systemd, job);
}

static const SchedulerExecutor executor = {
        .start = executor_start,
        .stop = executor_stop,
};

/* How soon a failed commit is tried again when nothing else happens. */
#define STORE_RETRY_USEC (1 * USEC_PER_SEC)

/*
 * Arms the scheduler timer; @retry_at (USEC_INFINITY: none) brings it
 * forward so that a failed commit is tried again without outside traffic:
 * the replies it holds back (Manager.held_replies) are answered once one
 * works.
 */
static void update_timer(Manager *m, usec_t retry_at) {
        usec_t next = MIN(scheduler_next_timer(m->scheduler), retry_at);
        int r;

        if (next == USEC_INFINITY) {
                (void) sd_event_source_set_enabled(m->timer_source, SD_EVENT_OFF);
                return;
        }
        /* Back to the real clock when the test clock is ahead or behind. */
        next -= (usec_t) m->clock_offset_usec;
        r = sd_event_source_set_time(m->timer_source, next);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->timer_source, SD_EVENT_ONESHOT);
        if (r < 0)
                log_errno(&m->log, LOG_ERR, r, "cannot arm the scheduler timer");
}

static void update_status(Manager *m, unsigned queued, unsigned running) {
        g_autofree char *text = g_strdup_printf(_("%u queued, %u running"), queued, running);

        (void) sd_notifyf(false, "STATUS=%s", text);
}

/* ---- the post step's steps (their order: post-step.c) ---- */

static void post_dispatch(void *userdata) {
        Manager *m = userdata;

        (void) scheduler_dispatch(m->scheduler, manager_now(m));
}

static void post_flush(void *userdata) {
        Manager *m = userdata;

        (void) sd_bus_flush(m->bus);
}

static bool post_commit(void *userdata, GError **error) {
        return manager_store_commit(userdata, error);
}

static void post_refuse_new_jobs(void *userdata, const GError *cause) {
        manager_refuse_held_new_jobs(userdata, cause);
}

static void post_announce(void *userdata) {
        manager_flush_announce(userdata);
}

static void post_send_held_replies(void *userdata) {
        manager_send_held_replies(userdata);
}

static void post_release_starts(void *userdata) {
        Manager *m = userdata;

        systemd_executor_release_starts(m->systemd);
}

/* STATUS= and one coalesced PropertiesChanged for the manager. */
static void post_emit_changes(void *userdata) {
        Manager *m = userdata;
        unsigned queued = scheduler_n_queued(m->scheduler), running = scheduler_n_running(m->scheduler);
        int r;

        if (queued != m->last_queued)
                m->props_dirty |= MANAGER_PROP_QUEUED;
        if (running != m->last_running)
                m->props_dirty |= MANAGER_PROP_RUNNING;
        if (!m->status_sent || queued != m->last_queued || running != m->last_running) {
                update_status(m, queued, running);
                m->status_sent = true;
        }
        m->last_queued = queued;
        m->last_running = running;
        /* Per-class/resource/user counts can move while the totals stay (one
         * job ended, another started): ClassDetails and Limits follow them. */
        if (scheduler_counts_serial(m->scheduler) != m->last_counts_serial) {
                m->props_dirty |= MANAGER_PROP_COUNTS;
                m->last_counts_serial = scheduler_counts_serial(m->scheduler);
        }

        if (m->props_dirty) {
                r = bus_manager_emit_changed(m, m->props_dirty);
                if (r < 0)
                        log_errno(&m->log, LOG_WARNING, r, "could not emit PropertiesChanged");
                m->props_dirty = 0;
        }
}

static void post_rearm(void *userdata, bool committed) {
        Manager *m = userdata;

        update_timer(m, committed ? USEC_INFINITY : manager_now(m) + STORE_RETRY_USEC);
}

static void cluster_flush_step(void *userdata) {
        cluster_flush(userdata);
}

static const PostStepOps post_step_ops = {
        .dispatch = post_dispatch,
        .flush = post_flush,
        .commit = post_commit,
        .refuse_new_jobs = post_refuse_new_jobs,
        .announce = post_announce,
        .send_held_replies = post_send_held_replies,
        .cluster_flush = cluster_flush_step,
        .release_starts = post_release_starts,
        .emit_changes = post_emit_changes,
        .rearm = post_rearm,
};

/*
 * Once per loop iteration, after everything else that was pending (idle
 * priority): the post step, in the order post_step_run() spells out.
 */
static int on_post(sd_event_source *s, void *userdata) {
        (void) post_step_run(&post_step_ops, userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        scheduler_run_timers(m->scheduler, manager_now(m));
        manager_schedule_post(m);
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_full(&m->log, LOG_INFO, "received %s, exiting", strsignal((int) si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        g_autoptr(GError) error = NULL;

        (void) sd_notify(false, "RELOADING=1");
        (void) manager_reload(m, &error);       /* logs either way */
        (void) sd_notify(false, "READY=1");
        return 0;
}

/**
 * manager_load_config() - read the configuration for the first time
 * @m: the manager
 * @config_path: the main file, NULL for the compiled-in default path
 *
 * Creates the scheduler with it.
 *
 * Return: 0, or -EINVAL after logging why the configuration is invalid.
 */
int manager_load_config(Manager *m, const char *config_path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;

        m->config_path = g_strdup(config_path);
        cfg = sluice_config_load(m->config_path, &error);
        if (!cfg) {
                log_full(&m->log, LOG_ERR, "%s", error->message);
                return -EINVAL;
        }
        manager_config_set_files(m, cfg);
        m->scheduler = scheduler_new(cfg, &listener, m, &executor, m);
        return 0;
}

/**
 * manager_apply_config() - put a new, validated configuration in force
 * @m: the manager
 * @cfg: the configuration (the scheduler takes its own reference)
 *
 * Emits ConfigChanged and the manager properties that follow from the config.
 */
/* The Classes property as text, to tell whether it changed. */
static char *classes_fingerprint(const SluiceConfig *cfg) {
        g_auto(GStrv) names = sluice_config_class_names(cfg);
        GString *s = g_string_new(NULL);

        for (size_t i = 0; names && names[i]; i++) {
                const ClassConfig *c = sluice_config_get_class(cfg, names[i]);

                if (c)
                        g_string_append_printf(s, "%s\037%d\037%s\037%" PRIu32 "\036", c->name, (int) c->kind,
                                               c->description ?: "", c->max_running);
        }
        return g_string_free(s, false);
}

void manager_apply_config(Manager *m, SluiceConfig *cfg) {
        const SluiceConfig *old = scheduler_get_config(m->scheduler);
        g_autofree char *old_classes = classes_fingerprint(old), *new_classes = classes_fingerprint(cfg);
        g_auto(GStrv) old_paused = scheduler_paused_scopes(m->scheduler);
        g_auto(GStrv) new_paused = NULL;
        ManagerPropMask mask = 0;
        int r;

        if (old->discipline != cfg->discipline)
                mask |= MANAGER_PROP_DISCIPLINE;
        if (old->max_running != cfg->max_running)
                mask |= MANAGER_PROP_MAX_RUNNING;
        if (strcmp(old_classes, new_classes) != 0)
                mask |= MANAGER_PROP_CLASSES;

        scheduler_set_config(m->scheduler, cfg);

        /* Pauses of classes that vanished may go with them. */
        new_paused = scheduler_paused_scopes(m->scheduler);
        if (!g_strv_equal((const char *const *) old_paused, (const char *const *) new_paused))
                mask |= MANAGER_PROP_PAUSED;
        r = bus_manager_emit_config_changed(m);
        if (r < 0)
                log_errno(&m->log, LOG_WARNING, r, "could not emit ConfigChanged");
        manager_mark_dirty(m, mask);
        if (m->schedules)
                schedules_config_changed(m);
        if (m->alerts)
                alerts_config_changed(m);
}

/**
 * manager_reload() - re-read the configuration files
 * @m: the manager
 * @error: set (SLUICE_ERROR_INVALID_CONFIG) when the new files are invalid
 *
 * An invalid configuration is refused: the running one stays in force.
 * GError, not an errno: the reason reaches the caller of Reload() verbatim.
 *
 * Return: true, or false with @error set.
 */
bool manager_reload(Manager *m, GError **error) {
        g_autoptr(GError) local = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;

        cfg = sluice_config_load(m->config_path, &local);
        if (!cfg) {
                log_full(&m->log, LOG_ERR, "reload refused, keeping the running configuration: %s", local->message);
                if (local->domain != SLUICE_ERROR) {
                        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, local->message);
                        return false;
                }
                g_propagate_error(error, g_steal_pointer(&local));
                return false;
        }
        /* The overrides of UpdateConfig(), stored or run-time, stay on top of the files. */
        g_autoptr(SluiceConfig) old_files = m->files_config ? sluice_config_ref(m->files_config) : NULL;
        manager_config_set_files(m, cfg);
        g_clear_pointer(&cfg, sluice_config_unref);
        cfg = manager_config_build(m);
        /* [Cluster] and Scope= need a restart (docs/cluster.md): the running
         * configuration stays, files included. */
        if (!sluice_config_check_runtime_change(scheduler_get_config(m->scheduler), cfg, &local)) {
                log_full(&m->log, LOG_ERR, "reload refused, keeping the running configuration: %s", local->message);
                if (old_files)
                        manager_config_set_files(m, old_files);
                g_propagate_error(error, g_steal_pointer(&local));
                return false;
        }
        log_full(&m->log, LOG_INFO, "configuration reloaded");
        manager_apply_config(m, cfg);
        return true;
}

/**
 * manager_connect_bus() - connect to the system bus, or to @address
 * @m: the manager
 * @address: a D-Bus address (tests, private buses), or NULL for the system bus
 *
 * Return: 0 or a negative errno (logged).
 */
int manager_connect_bus(Manager *m, const char *address) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (!m->event) {
                r = sd_event_new(&m->event);
                if (r < 0)
                        return log_errno(&m->log, LOG_ERR, r, "cannot create the event loop");
        }

        if (address) {
                r = sd_bus_new(&bus);
                if (r < 0)
                        return log_errno(&m->log, LOG_ERR, r, "cannot allocate a bus connection");
                r = sd_bus_set_address(bus, address);
                if (r < 0)
                        return log_errno(&m->log, LOG_ERR, r, "invalid bus address %s", address);
                r = sd_bus_set_bus_client(bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus);
                if (r < 0)
                        return log_errno(&m->log, LOG_ERR, r, "cannot connect to the bus at %s", address);
        } else {
                r = sd_bus_open_system(&bus);
                if (r < 0)
                        return log_errno(&m->log, LOG_ERR, r, "cannot connect to the system bus");
        }

        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot attach the bus to the event loop");
        /* The bus going away ends the loop (exit status 1): nothing is left to serve. */
        r = sd_bus_set_exit_on_disconnect(bus, true);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot set exit-on-disconnect");

        m->bus = TAKE_PTR(bus);

        /* systemd on the same bus (the system bus, or the test bus).  Not PID 1's
         * private socket: a direct connection has no sender, and systemd 252 refuses
         * AddRef=/RefUnit() there ("Failed to watch sender: Invalid argument"), so a
         * finished unit would be collected before its result is read.  The executor's
         * call window keeps sluiced under the system bus's 128 pending replies. */
        r = systemd_executor_connect(m->systemd, m->bus);
        if (r < 0)
                return r;
        return 0;
}

/**
 * manager_startup() - event sources, bus objects, then the bus name
 * @m: the manager, with config loaded and bus connected
 *
 * Objects are registered before the name is requested (last), so nothing
 * can call us before we can answer; READY=1 follows.
 *
 * Return: 0 or a negative errno (logged).
 */
int manager_startup(Manager *m) {
        int r;

        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &m->start_monotonic);

        r = sd_event_add_signal(m->event, &m->sigterm_source, SIGTERM, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sigint_source, SIGINT, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sighup_source, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot watch signals");

        r = sd_event_add_defer(m->event, &m->post_source, on_post, m);
        if (r >= 0)
                r = sd_event_source_set_priority(m->post_source, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_description(m->post_source, "sluice-dispatch");
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot create the dispatch source");

        /* The core speaks CLOCK_REALTIME; an absolute realtime timer also fires
         * right when the wall clock is set past it or after a suspend. */
        r = sd_event_add_time(m->event, &m->timer_source, CLOCK_REALTIME, USEC_INFINITY, USEC_PER_MSEC,
                              on_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->timer_source, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_source_set_description(m->timer_source, "sluice-timer");
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot create the scheduler timer");

        r = bus_manager_register(m);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot register the manager object");
        r = bus_job_register(m);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot register the job objects");

        m->schedules = schedules_new(m);
        m->alerts = alerts_new(m);

        r = lease_watch_holders(m);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot watch lease holders");
        r = bus_creds_attach(m);
        if (r < 0)
                return r;

        /* Units a previous sluiced left running: their jobs exist before anyone can call us. */
        r = systemd_executor_reattach(m->systemd);
        if (r < 0)
                return r;
        /* Then the queue, pauses and next id as last committed. */
        if (m->store) {
                r = recovery_restore_from_store(m);
                if (r < 0)
                        return r;
        }
        /* Before the first dispatch: the fleet slots of the jobs just re-attached
         * and restored are taken back (docs/cluster.md, "Restart"). */
        r = cluster_start(m);
        if (r < 0)
                return r;
        r = alerts_start(m);
        if (r < 0)
                return r;
        r = schedules_start(m);
        if (r < 0)
                return r;

        /* Everything above exists before the name: GetManagedObjects() shows it,
         * no InterfacesAdded/JobNew needed (bus_job_announce_quietly()). */
        for (JobLink *l; (l = g_queue_peek_head(&m->announce));)
                bus_job_announce_quietly(l);    /* pops it */

        r = sd_bus_request_name(m->bus, SLUICE_BUS_NAME, 0);
        if (r == -EEXIST) {
                log_full(&m->log, LOG_ERR, "another process owns %s already", SLUICE_BUS_NAME);
                return r;
        }
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot own the bus name %s", SLUICE_BUS_NAME);

        manager_schedule_post(m);
        return 0;
}

/**
 * manager_run() - serve until SIGTERM/SIGINT or until the bus goes away
 * @m: the manager
 *
 * Return: the loop's exit code (0 after a signal), or a negative errno.
 */
int manager_run(Manager *m) {
        unsigned queued = scheduler_n_queued(m->scheduler), running = scheduler_n_running(m->scheduler);
        g_autofree char *status = g_strdup_printf(_("%u queued, %u running"), queued, running);
        g_autoptr(GError) error = NULL;
        int r;

        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", status);
        m->status_sent = true;
        m->last_queued = queued;
        m->last_running = running;
        log_full(&m->log, LOG_INFO, "sluiced %s ready on %s", SLUICE_VERSION, SLUICE_BUS_NAME);

        r = sd_event_loop(m->event);
        /* What the last iteration changed; the held replies are flushed when
         * the bus closes (manager_free()).  No dispatch, no announcements: a
         * job not announced yet gets no reply (held-replies.c). */
        if (manager_store_commit(m, &error))
                manager_send_held_replies(m);
        else
                manager_refuse_held_new_jobs(m, error);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "event loop failed");
        (void) sd_notify(false, "STOPPING=1");
        if (r != 0)
                log_full(&m->log, LOG_ERR, "the bus connection closed, exiting");
        return r;
}

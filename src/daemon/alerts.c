/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * [Alert NAME]: the daemon side.  The conditions are judged by the pure
 * core (src/core/alert-eval.c); this file feeds it job events and time,
 * tells the world when an alert is raised or cleared (the Alert signal, the
 * Alerts property, the journal, the Notify= notifier job) and keeps the
 * state in the store.
 *
 * What the world was told is kept apart from what holds now (announced vs
 * AlertState.active): every evaluation ends in sync_entry(), which announces
 * the difference.  Before alerts_start() nothing is announced: the stored
 * state must be known first, so that an alert raised before a restart is not
 * raised twice.
 *
 * Store rows (store_put_alert): "NAME" with the state text of
 * alert_state_to_text() and since = raised at; "window:NAME" with since = the
 * start of the Within= window (the last success, or when watching began),
 * so a restart neither forgets a silence nor restarts its window.
 */
#include <inttypes.h>
#include <string.h>

#include "alert-eval.h"
#include "alert-journal.h"
#include "alerts.h"
#include "i18n.h"
#include "notify.h"
#include "sluice-bus-names.h"
#include "store.h"

#define WINDOW_ROW_PREFIX "window:"

typedef struct AlertEntry {
        char *name;
        char *class_name;       /* the class watched when the state was built */
        AlertState *state;
        char *message;          /* while announced raised: the message announced */
        usec_t announced_at;    /* while announced raised: raised at, as announced */
        bool announced;         /* the world was told it is raised */
        AlertSeverity severity; /* as announced (for a clear after the section is gone) */
        bool seen_finish;       /* a job of the class ended since this sluiced started */
        bool dirty;             /* to store */
} AlertEntry;

struct Alerts {
        Manager *manager;
        GHashTable *entries;            /* name -> AlertEntry* (owned) */
        GHashTable *last_success;       /* class name -> usec_t* (owned): seen by this sluiced */
        Notifier *notifier;
        sd_event_source *timer;         /* CLOCK_REALTIME: the next deadline */
        sd_event_source *flush;         /* after the group commit: store what it did not */
        bool started;
        GHashTable *system;             /* name -> SystemAlert* (owned): raised by sluiced itself, no [Alert] */
};

/* An alert sluiced raises itself (cluster-lease-lost): not configured, not
 * stored (it is about this process; a restart looks again). */
typedef struct SystemAlert {
        AlertSeverity severity;
        char *message;
        usec_t raised_at;
} SystemAlert;

static void system_alert_free(SystemAlert *s) {
        if (!s)
                return;
        g_free(s->message);
        g_free(s);
}

static void alert_entry_free(AlertEntry *e) {
        if (!e)
                return;
        g_free(e->name);
        g_free(e->class_name);
        alert_state_free(e->state);
        g_free(e->message);
        g_free(e);
}

static const AlertConfig *entry_config(Alerts *a, const AlertEntry *e) {
        return sluice_config_get_alert(scheduler_get_config(a->manager->scheduler), e->name);
}

/* The queued jobs of the class, when MaxWaitSec= needs them (rebuilt whole). */
static void fill_waiting(Alerts *a, AlertEntry *e, const AlertConfig *cfg) {
        g_autoptr(GPtrArray) jobs = NULL;

        alert_state_clear_waiting(e->state);
        if (cfg->max_wait_usec == 0)
                return;
        jobs = scheduler_list_jobs(a->manager->scheduler);
        for (guint i = 0; i < jobs->len; i++) {
                const Job *j = jobs->pdata[i];

                if (j->state == JOB_STATE_QUEUED && strcmp(j->class_name, cfg->class_name) == 0)
                        alert_state_job_waiting(e->state, j->id, alert_job_wait_start(j));
        }
}

static AlertEntry *entry_new(Alerts *a, const AlertConfig *cfg) {
        AlertEntry *e = g_new0(AlertEntry, 1);
        const usec_t *success = g_hash_table_lookup(a->last_success, cfg->class_name);

        e->name = g_strdup(cfg->name);
        e->class_name = g_strdup(cfg->class_name);
        e->state = alert_state_new();
        /* A new alert on a running sluiced watches from now, or from the last success it saw. */
        if (a->started)
                e->state->window_start = success ? *success : manager_now(a->manager);
        e->dirty = true;
        fill_waiting(a, e, cfg);
        g_hash_table_replace(a->entries, e->name, e);
        return e;
}

static void arm_flush(Alerts *a) {
        if (a->flush)
                (void) sd_event_source_set_enabled(a->flush, SD_EVENT_ONESHOT);
}

static void emit_signal(Alerts *a, const char *name, const char *severity, const char *message) {
        Manager *m = a->manager;
        int r;

        if (!m->bus)
                return;
        r = sd_bus_emit_signal(m->bus, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Alert", "sss", name, severity,
                               message);
        if (r < 0)
                log_errno(&m->log, LOG_WARNING, r, "could not emit the Alert signal");
}

/* Notify=: the notifier job, unless a notifier's own end caused the change (no loops). */
static void run_notify(Alerts *a, const AlertConfig *cfg, bool raised, usec_t raised_at, const char *message,
                       const Job *job) {
        GPtrArray *env;
        g_autofree char *description = NULL, *at = NULL;

        if (!cfg->notify_class || (job && notifier_job_is_notifier(job)))
                return;
        env = g_ptr_array_new_with_free_func(g_free);
        notifier_append_env(env, "SLUICE_ALERT_NAME", cfg->name);
        notifier_append_env(env, "SLUICE_ALERT_SEVERITY", alert_severity_to_string(cfg->severity));
        notifier_append_env(env, "SLUICE_ALERT_MESSAGE", message);
        notifier_append_env(env, "SLUICE_ALERT_STATE", raised ? "raised" : "cleared");
        notifier_append_env(env, "SLUICE_ALERT_CLASS", cfg->class_name);
        notifier_append_env(env, "SLUICE_ALERT_DESCRIPTION", cfg->description);
        at = g_strdup_printf("%" PRIu64, (uint64_t) raised_at);
        notifier_append_env(env, "SLUICE_ALERT_RAISED_AT", at);
        if (job)
                notifier_append_job_env(env, job);
        description = g_strdup_printf(_("notifier of alert %s (%s)"), cfg->name, raised ? "raised" : "cleared");
        notifier_queue(a->notifier, cfg->notify_class, "alert", description, env);
}

/* Announce the difference between what holds and what the world was told. */
static void sync_entry(Alerts *a, AlertEntry *e, const AlertConfig *cfg, const Job *job) {
        Manager *m = a->manager;
        bool active = e->state->active != 0;
        g_autofree char *clear_message = NULL;
        const char *message;
        usec_t raised_at;

        if (!a->started || active == e->announced)
                return;
        if (!job && e->state->job_id != 0)
                job = scheduler_get_job(m->scheduler, e->state->job_id);

        raised_at = active ? e->state->raised_at : e->announced_at;
        if (active) {
                g_free(e->message);
                e->message = alert_state_message(e->state, cfg);
                e->announced_at = e->state->raised_at;
                message = e->message;
        } else {
                clear_message = alert_state_clear_message(e->state, cfg);
                g_clear_pointer(&e->message, g_free);
                e->announced_at = 0;
                message = clear_message;
        }
        e->announced = active;
        e->severity = cfg->severity;
        e->dirty = true;

        /* A clear is the signal with severity "cleared" (docs/dbus-api.md). */
        emit_signal(a, e->name, active ? alert_severity_to_string(cfg->severity) : "cleared", message);
        alert_journal(&m->log, cfg, active, message, job);
        run_notify(a, cfg, active, raised_at, message, job);
        manager_mark_dirty(m, MANAGER_PROP_ALERTS);
        arm_flush(a);
}

static void rearm_timer(Alerts *a) {
        Manager *m = a->manager;
        usec_t next = USEC_INFINITY;
        GHashTableIter it;
        gpointer value;
        int r;

        if (!a->timer)
                return;
        g_hash_table_iter_init(&it, a->entries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                AlertEntry *e = value;
                const AlertConfig *cfg = entry_config(a, e);

                if (cfg)
                        next = MIN(next, alert_state_next_deadline(e->state, cfg));
        }
        if (!a->started || next == USEC_INFINITY) {
                (void) sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
                return;
        }
        /* manager_now() may run ahead of the real clock by a test offset. */
        if (m->clock_offset_usec > 0 && next > (usec_t) m->clock_offset_usec)
                next -= (usec_t) m->clock_offset_usec;
        else if (m->clock_offset_usec < 0 && next < USEC_INFINITY + m->clock_offset_usec)
                next += (usec_t) -m->clock_offset_usec;
        r = sd_event_source_set_time(a->timer, next);
        if (r >= 0)
                r = sd_event_source_set_enabled(a->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_errno(&m->log, LOG_ERR, r, "cannot arm the alert timer");
}

static void tick_all(Alerts *a) {
        usec_t now = manager_now(a->manager);
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, a->entries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                AlertEntry *e = value;
                const AlertConfig *cfg = entry_config(a, e);

                if (!cfg)
                        continue;
                (void) alert_state_tick(e->state, cfg, now);
                sync_entry(a, e, cfg, NULL);
        }
        rearm_timer(a);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        tick_all(userdata);
        return 0;
}

/* Changes the group commit did not carry (a deadline passed, no job moved):
 * their own small transaction. */
static int on_flush(sd_event_source *s, void *userdata) {
        Alerts *a = userdata;
        Manager *m = a->manager;
        g_autoptr(GError) error = NULL;

        if (!m->store)
                return 0;
        if (!store_begin(m->store, &error) || !alerts_store_flush(m, &error) || !store_commit(m->store, &error)) {
                store_rollback(m->store);
                log_full(&m->log, LOG_ERR, "cannot store the alert states: %s", error->message);
                return 0;
        }
        alerts_store_committed(m);
        return 0;
}

/**
 * alerts_new() - the alerts of a daemon, from the config in force
 * @m: the manager (event loop and scheduler exist)
 *
 * Nothing is announced before alerts_start().
 *
 * Return: the alerts; never NULL.
 */
Alerts *alerts_new(Manager *m) {
        Alerts *a = g_new0(Alerts, 1);
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_alert_names(cfg);
        int r = 0;

        a->manager = m;
        a->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) alert_entry_free);
        a->system = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) system_alert_free);
        a->last_success = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        a->notifier = notifier_new(m);
        for (size_t i = 0; names && names[i]; i++)
                entry_new(a, sluice_config_get_alert(cfg, names[i]));

        if (m->event) {
                r = sd_event_add_time(m->event, &a->timer, CLOCK_REALTIME, USEC_INFINITY, USEC_PER_MSEC, on_timer, a);
                if (r >= 0)
                        r = sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
                if (r >= 0)
                        r = sd_event_add_defer(m->event, &a->flush, on_flush, a);
                if (r >= 0)
                        r = sd_event_source_set_priority(a->flush, SD_EVENT_PRIORITY_IDLE + 1);
                if (r >= 0)
                        r = sd_event_source_set_enabled(a->flush, SD_EVENT_OFF);
                if (r >= 0) {
                        (void) sd_event_source_set_description(a->timer, "sluice-alerts");
                        (void) sd_event_source_set_description(a->flush, "sluice-alerts-store");
                }
                if (r < 0)
                        log_errno(&m->log, LOG_ERR, r, "cannot create the alert event sources");
        }
        return a;
}

/**
 * alerts_free() - drop the alerts (their state is in the store)
 * @a: the alerts (may be NULL)
 */
void alerts_free(Alerts *a) {
        if (!a)
                return;
        sd_event_source_disable_unref(a->timer);
        sd_event_source_disable_unref(a->flush);
        notifier_free(a->notifier);
        g_hash_table_destroy(a->entries);
        g_hash_table_destroy(a->system);
        g_hash_table_destroy(a->last_success);
        g_free(a);
}

typedef struct LastSuccess {
        const char *class_name;
        usec_t at;
} LastSuccess;

static bool find_last_success(const Job *job, void *userdata) {
        LastSuccess *ls = userdata;

        if (job->result == JOB_RESULT_SUCCESS)
                ls->at = MAX(ls->at, job->finished_at);
        return true;
}

/* The last success of the class in the history, 0 when none. */
static usec_t history_last_success(Manager *m, const char *class_name) {
        g_autoptr(GError) error = NULL;
        LastSuccess ls = { .class_name = class_name };
        StoreJobFilter filter = {
                .states = 1u << JOB_STATE_DONE,
                .class_name = class_name,
        };

        if (!m->store)
                return 0;
        if (!store_foreach_job(m->store, &filter, find_last_success, &ls, &error)) {
                log_full(&m->log, LOG_WARNING, "cannot read the history of class %s: %s", class_name, error->message);
                return 0;
        }
        return ls.at;
}

/* Stored rows by name: "NAME" (state) and "window:NAME". */
static void restore_entry(Alerts *a, AlertEntry *e, GHashTable *rows, usec_t now) {
        g_autofree char *window_key = g_strconcat(WINDOW_ROW_PREFIX, e->name, NULL);
        const StoreAlert *row = g_hash_table_lookup(rows, e->name), *window = g_hash_table_lookup(rows, window_key);
        usec_t start = window ? window->since : 0;
        const AlertConfig *cfg;

        if (start == 0)
                start = history_last_success(a->manager, e->class_name);
        e->state->window_start = MAX(e->state->window_start, start);
        if (e->state->window_start == 0)
                e->state->window_start = now;   /* never saw a success: watch from now */
        e->dirty = true;

        if (!row || strcmp(row->state, "cleared") == 0)
                return;
        /* It was announced raised: unless a job ended since, it still is, with that message. */
        if (!e->seen_finish && !alert_state_from_text(e->state, row->state, row->since)) {
                log_full(&a->manager->log, LOG_WARNING, "alert %s: unknown stored state \"%s\", judging it again",
                         e->name, row->state);
                return;
        }
        e->announced = true;
        e->announced_at = row->since;
        cfg = entry_config(a, e);
        if (!cfg)
                return;
        e->severity = cfg->severity;
        if (e->seen_finish) {
                /* The message as announced, from the stored state. */
                g_autoptr(AlertState) stored = alert_state_new();

                if (alert_state_from_text(stored, row->state, row->since))
                        e->message = alert_state_message(stored, cfg);
        } else
                e->message = alert_state_message(e->state, cfg);
}

/**
 * alerts_start() - load the stored state, judge every alert, arm the timer
 * @m: the manager, with the store restored
 *
 * An alert raised before the restart stays raised without a second signal;
 * a Within= window that ran out while sluiced was down is raised now, as of
 * when it ran out.
 *
 * Return: 0 (a store that cannot be read is logged, and the alerts start
 * from what the history says).
 */
int alerts_start(Manager *m) {
        Alerts *a = m->alerts;
        g_autoptr(GHashTable) rows = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) store_alert_free);
        usec_t now = manager_now(m);
        GHashTableIter it;
        gpointer value;

        if (!a)
                return 0;
        if (m->store) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GPtrArray) stored = store_load_alerts(m->store, &error);

                if (!stored)
                        log_full(&m->log, LOG_ERR, "cannot read the alert states: %s", error->message);
                for (guint i = 0; stored && i < stored->len; i++) {
                        StoreAlert *s = stored->pdata[i];

                        stored->pdata[i] = NULL;
                        g_hash_table_replace(rows, s->name, s);
                }
        }

        g_hash_table_iter_init(&it, a->entries);
        while (g_hash_table_iter_next(&it, NULL, &value))
                restore_entry(a, value, rows, now);

        a->started = true;
        tick_all(a);
        arm_flush(a);
        return 0;
}

/**
 * alerts_config_changed() - a new config is in force
 * @m: the manager
 *
 * New alerts start watching (their window from the class's last success
 * seen, else from now); alerts whose class changed start over; removed
 * alerts that were raised are announced cleared.
 */
void alerts_config_changed(Manager *m) {
        Alerts *a = m->alerts;
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_alert_names(cfg);
        GHashTableIter it;
        gpointer value;

        if (!a)
                return;
        g_hash_table_iter_init(&it, a->entries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                AlertEntry *e = value;
                const AlertConfig *ac = sluice_config_get_alert(cfg, e->name);

                if (ac && strcmp(ac->class_name, e->class_name) == 0)
                        continue;
                if (e->announced && a->started) {
                        g_autofree char *msg = g_strdup_printf(_("cleared: alert %s is no longer configured as it was"),
                                                               e->name);
                        /* What the journal entry needs of the section that is gone. */
                        AlertConfig gone = { .name = e->name, .class_name = e->class_name,
                                             .severity = e->severity };

                        emit_signal(a, e->name, "cleared", msg);
                        alert_journal(&m->log, &gone, false, msg, NULL);
                        manager_mark_dirty(m, MANAGER_PROP_ALERTS);
                }
                if (m->store) {
                        g_autoptr(GError) error = NULL;
                        g_autofree char *window_key = g_strconcat(WINDOW_ROW_PREFIX, e->name, NULL);

                        /* Outside a transaction: SQLite commits the single statement.  The
                         * window is forgotten (0): the successes it will not see would
                         * otherwise be missing from it should the alert come back. */
                        if (!store_put_alert(m->store, e->name, "cleared", manager_now(m), &error) ||
                            !store_put_alert(m->store, window_key, "window", 0, &error))
                                log_full(&m->log, LOG_WARNING, "cannot store alert %s: %s", e->name, error->message);
                }
                g_hash_table_iter_remove(&it);
        }
        for (size_t i = 0; names && names[i]; i++) {
                AlertEntry *e = g_hash_table_lookup(a->entries, names[i]);
                const AlertConfig *ac = sluice_config_get_alert(cfg, names[i]);

                if (!e)
                        e = entry_new(a, ac);
                else
                        fill_waiting(a, e, ac);
                if (!ac->on_failure)
                        e->state->active &= ~(unsigned) ALERT_COND_FAILURE;
        }
        tick_all(a);
        arm_flush(a);
}

static void remember_success(Alerts *a, const Job *job) {
        usec_t *at = g_hash_table_lookup(a->last_success, job->class_name);

        if (!at) {
                at = g_new0(usec_t, 1);
                g_hash_table_replace(a->last_success, g_strdup(job->class_name), at);
        }
        *at = MAX(*at, job->finished_at);
}

/**
 * alerts_job_event() - a scheduler event (from inside its listener)
 * @m: the manager
 * @type: the event
 * @job: the job
 * @changed: for JOB_CHANGED, what changed
 *
 * Never calls back into the scheduler: notifier jobs are queued and
 * submitted from a defer source (notify.c).
 */
void alerts_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed) {
        Alerts *a = m->alerts;
        bool finished = type == SCHED_EVENT_JOB_CHANGED && (changed & JOB_CHANGED_STATE) && job->state == JOB_STATE_DONE;
        usec_t now;
        GHashTableIter it;
        gpointer value;
        bool touched = false;

        if (!a || !job->class_name)
                return;
        if (type == SCHED_EVENT_JOB_CHANGED && !(changed & JOB_CHANGED_STATE))
                return;
        now = manager_now(m);
        if (finished && job->result == JOB_RESULT_SUCCESS)
                remember_success(a, job);

        g_hash_table_iter_init(&it, a->entries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                AlertEntry *e = value;
                const AlertConfig *cfg;

                if (strcmp(e->class_name, job->class_name) != 0 || !(cfg = entry_config(a, e)))
                        continue;
                touched = true;
                if (finished) {
                        e->seen_finish = true;
                        e->dirty = true;
                        (void) alert_state_job_finished(e->state, cfg, job, now);
                } else {
                        if (type != SCHED_EVENT_JOB_REMOVED && job->state == JOB_STATE_QUEUED && cfg->max_wait_usec)
                                alert_state_job_waiting(e->state, job->id, alert_job_wait_start(job));
                        else
                                alert_state_job_not_waiting(e->state, job->id);
                        (void) alert_state_tick(e->state, cfg, now);
                }
                sync_entry(a, e, cfg, finished ? job : NULL);
        }
        if (touched)
                rearm_timer(a);
        if (finished)
                notifier_job_finished(a->notifier, job);
}

/**
 * alerts_store_flush() - write the changed alert states (inside a transaction)
 * @m: the manager
 * @error: set when the store refuses
 *
 * Return: true on success (and when there is no store).
 */
bool alerts_store_flush(Manager *m, GError **error) {
        Alerts *a = m->alerts;
        GHashTableIter it;
        gpointer value;

        if (!a || !m->store || !a->started)
                return true;
        g_hash_table_iter_init(&it, a->entries);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                AlertEntry *e = value;
                g_autofree char *text = NULL, *window_key = NULL;

                if (!e->dirty)
                        continue;
                text = e->announced ? alert_state_to_text(e->state) : g_strdup("cleared");
                window_key = g_strconcat(WINDOW_ROW_PREFIX, e->name, NULL);
                if (!store_put_alert(m->store, e->name, text, e->announced ? e->announced_at : 0, error) ||
                    !store_put_alert(m->store, window_key, "window", e->state->window_start, error))
                        return false;
        }
        return true;
}

/**
 * alerts_store_committed() - the transaction that carried the flush committed
 * @m: the manager
 *
 * Only now are the alert rows clean: a failed commit leaves them dirty, to be
 * written again by the next one.
 */
void alerts_store_committed(Manager *m) {
        GHashTableIter it;
        gpointer value;

        if (!m->alerts || !m->alerts->started)
                return;         /* alerts_store_flush() wrote nothing */
        g_hash_table_iter_init(&it, m->alerts->entries);
        while (g_hash_table_iter_next(&it, NULL, &value))
                ((AlertEntry *) value)->dirty = false;
}

/**
 * alerts_raise_system() - raise (or re-raise) an alert of sluiced's own
 * @m: the manager
 * @name: its name ("cluster-lease-lost")
 * @severity: its severity
 * @message: what happened, in words
 *
 * As a configured alert is announced: the Alert signal, the journal (the
 * alert MESSAGE_IDs), the Alerts property; no notifier, not stored.
 */
void alerts_raise_system(Manager *m, const char *name, AlertSeverity severity, const char *message) {
        Alerts *a = m->alerts;
        AlertConfig cfg = { .name = (char *) name, .class_name = (char *) "", .severity = severity };
        SystemAlert *s;

        if (!a)
                return;
        s = g_new0(SystemAlert, 1);
        s->severity = severity;
        s->message = g_strdup(message);
        s->raised_at = manager_now(m);
        g_hash_table_replace(a->system, g_strdup(name), s);
        emit_signal(a, name, alert_severity_to_string(severity), message);
        alert_journal(&m->log, &cfg, true, message, NULL);
        manager_mark_dirty(m, MANAGER_PROP_ALERTS);
}

/**
 * alerts_clear_system() - clear an alert of sluiced's own, if raised
 * @m: the manager
 * @name: its name
 */
void alerts_clear_system(Manager *m, const char *name) {
        Alerts *a = m->alerts;
        SystemAlert *s = a ? g_hash_table_lookup(a->system, name) : NULL;
        g_autofree char *message = NULL;

        if (!s)
                return;
        AlertConfig cfg = { .name = (char *) name, .class_name = (char *) "", .severity = s->severity };
        message = g_strdup_printf(_("%s: cleared"), name);
        emit_signal(a, name, "cleared", message);
        alert_journal(&m->log, &cfg, false, message, NULL);
        g_hash_table_remove(a->system, name);
        manager_mark_dirty(m, MANAGER_PROP_ALERTS);
}

static gint compare_entries(gconstpointer x, gconstpointer y) {
        return strcmp((*(AlertEntry *const *) x)->name, (*(AlertEntry *const *) y)->name);
}

/**
 * alerts_append_property() - the Alerts property
 * @m: the manager
 * @reply: the message to append to
 *
 * a(ssst): name, severity, message, raised at (usec) of every alert raised
 * now, by name; exactly what the Alert signals announced.  sluiced's own
 * alerts (alerts_raise_system()) follow the configured ones.
 *
 * Return: 0 or a negative errno.
 */
int alerts_append_property(Manager *m, sd_bus_message *reply) {
        Alerts *a = m->alerts;
        g_autoptr(GPtrArray) raised = g_ptr_array_new();
        GHashTableIter it;
        gpointer value;
        int r;

        if (a) {
                g_hash_table_iter_init(&it, a->entries);
                while (g_hash_table_iter_next(&it, NULL, &value))
                        if (((AlertEntry *) value)->announced)
                                g_ptr_array_add(raised, value);
                g_ptr_array_sort(raised, compare_entries);
        }
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ssst)");
        for (guint i = 0; r >= 0 && i < raised->len; i++) {
                const AlertEntry *e = raised->pdata[i];
                const AlertConfig *cfg = entry_config(a, e);

                r = sd_bus_message_append(reply, "(ssst)", e->name,
                                          cfg ? alert_severity_to_string(cfg->severity) : "warning",
                                          e->message ?: "", (uint64_t) e->announced_at);
        }
        if (a) {
                GHashTableIter it2;
                gpointer k, v;

                g_hash_table_iter_init(&it2, a->system);
                while (r >= 0 && g_hash_table_iter_next(&it2, &k, &v)) {
                        const SystemAlert *s = v;

                        r = sd_bus_message_append(reply, "(ssst)", (const char *) k,
                                                  alert_severity_to_string(s->severity), s->message,
                                                  (uint64_t) s->raised_at);
                }
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

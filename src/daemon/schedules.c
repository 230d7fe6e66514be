/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * [Schedule NAME]: calendar timers that enqueue jobs.
 *
 * One CLOCK_REALTIME sd-event timer for the earliest pending elapse of all
 * schedules, and a timerfd armed with TFD_TIMER_CANCEL_ON_SET that becomes
 * readable when the wall clock is set: then every next elapse is computed
 * again from the new time (an elapse the jump went past fires at once, once).
 *
 * A schedule's job is an ordinary submission (owner uid 0, no submitter,
 * description "schedule NAME"): limits, quotas and Duplicates= apply.  The
 * description finds a schedule's previous job again after a restart.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bus-job.h"
#include "bus-options.h"
#include "errors.h"
#include "held-replies.h"
#include "i18n.h"
#include "schedule.h"
#include "schedules.h"
#include "store.h"

#define DESCRIPTION_PREFIX "schedule "

typedef struct ScheduleState {
        char *name;
        usec_t next_elapse;     /* USEC_INFINITY: never again */
        usec_t fire_at;         /* next_elapse + randomized delay */
        usec_t last_trigger;    /* 0: never */
        bool trigger_dirty;     /* last_trigger not yet written */
        uint64_t last_job_id;   /* 0: none known */
        JobResult last_result;
} ScheduleState;

struct Schedules {
        Manager *manager;
        GHashTable *states;             /* name -> ScheduleState* (owned), also of schedules gone from the config */
        sd_event_source *timer;         /* CLOCK_REALTIME, the earliest fire_at */
        sd_event_source *clock_watch;   /* the timerfd that tells the wall clock was set */
        GRand *rand;
        bool started;
};

static void schedule_state_free(ScheduleState *st) {
        if (!st)
                return;
        g_free(st->name);
        g_free(st);
}

static ScheduleState *get_state(Schedules *s, const char *name) {
        ScheduleState *st = g_hash_table_lookup(s->states, name);

        if (!st) {
                st = g_new0(ScheduleState, 1);
                st->name = g_strdup(name);
                st->next_elapse = st->fire_at = USEC_INFINITY;
                g_hash_table_insert(s->states, st->name, st);
        }
        return st;
}

/**
 * schedules_new() - the schedules' state, empty
 * @m: the manager
 *
 * Return: the state; timers are armed by schedules_start().
 */
Schedules *schedules_new(Manager *m) {
        Schedules *s = g_new0(Schedules, 1);

        s->manager = m;
        s->states = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) schedule_state_free);
        s->rand = g_rand_new();
        return s;
}

/**
 * schedules_free() - stop the timers and free the state
 * @s: the schedules (may be NULL)
 */
void schedules_free(Schedules *s) {
        if (!s)
                return;
        sd_event_source_disable_unref(s->timer);
        sd_event_source_disable_unref(s->clock_watch);
        g_hash_table_destroy(s->states);
        g_rand_free(s->rand);
        g_free(s);
}

static usec_t now_usec(Manager *m) {
        return manager_now(m);
}

/* The real CLOCK_REALTIME time at which the manager's clock shows @t. */
static usec_t to_real(Manager *m, usec_t t) {
        int64_t real = (int64_t) t - m->clock_offset_usec;

        return real <= 0 ? 1 : (usec_t) real;
}

static void arm_timer(Manager *m) {
        Schedules *s = m->schedules;
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        usec_t earliest = USEC_INFINITY;
        GHashTableIter it;
        gpointer v;
        int r;

        g_hash_table_iter_init(&it, s->states);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
                ScheduleState *st = v;

                if (sluice_config_get_schedule(cfg, st->name) && st->fire_at < earliest)
                        earliest = st->fire_at;
        }
        if (!s->timer)
                return;
        if (earliest == USEC_INFINITY) {
                (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        r = sd_event_source_set_time(s->timer, to_real(m, earliest));
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_errno(&m->log, LOG_ERR, r, "cannot arm the schedule timer");
}

/* Next elapse strictly after @after, and when to fire it. */
static void plan_next(Schedules *s, const ScheduleConfig *sc, ScheduleState *st, usec_t after) {
        usec_t next;

        if (!schedule_next_elapse(sc->calendars, after, &next)) {
                st->next_elapse = st->fire_at = USEC_INFINITY;
                return;
        }
        st->next_elapse = next;
        st->fire_at = next + schedule_randomized_delay(sc->randomized_delay_usec,
                                                      ((uint64_t) g_rand_int(s->rand) << 32) | g_rand_int(s->rand));
        if (st->fire_at < next)
                st->fire_at = USEC_INFINITY;    /* overflow */
}

static char *job_description(const char *name) {
        return g_strconcat(DESCRIPTION_PREFIX, name, NULL);
}

/* The schedule a job was made by, from its description; NULL if none. */
static const char *job_schedule_name(const Job *job) {
        if (job->owner != 0 || job->submitter || !job->description ||
            !g_str_has_prefix(job->description, DESCRIPTION_PREFIX))
                return NULL;
        return job->description + strlen(DESCRIPTION_PREFIX);
}

static Job *previous_job(Manager *m, ScheduleState *st) {
        Job *prev = st->last_job_id ? scheduler_get_job(m->scheduler, st->last_job_id) : NULL;

        return prev && prev->state != JOB_STATE_DONE ? prev : NULL;
}

/*
 * Apply Overlap= against the schedule's previous job.  Returns false when
 * this trigger is to be skipped (@error says why: Duplicate naming the job).
 */
static bool apply_overlap(Manager *m, const ScheduleConfig *sc, ScheduleState *st, GError **error) {
        Job *prev = previous_job(m, st);
        g_autoptr(GError) local = NULL;

        if (!prev || sc->overlap == OVERLAP_QUEUE)
                return true;
        if (sc->overlap == OVERLAP_SKIP) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_DUPLICATE,
                            _("name: the previous job %" PRIu64 " of schedule %s is still %s (Overlap=skip)"),
                            prev->id, sc->name, job_state_to_string(prev->state));
                return false;
        }
        log_job(&m->log, LOG_INFO, prev, "cancelled: schedule %s replaces it with a new run (Overlap=replace)",
                sc->name);
        if (!scheduler_cancel(m->scheduler, prev, now_usec(m), &local))
                log_job(&m->log, LOG_WARNING, prev, "could not cancel it: %s", local->message);
        return true;
}

static Job *submit(Manager *m, const ScheduleConfig *sc, ScheduleState *st, usec_t now, GError **error) {
        g_autofree char *description = job_description(sc->name);
        JobSpec spec = {
                .class_name = sc->class_name,
                .has_priority = sc->has_priority,
                .priority = sc->priority,
                .parameters = sc->parameters,
                .description = description,
                .owner = 0,
                .submitter = NULL,
        };
        Job *job = scheduler_submit(m->scheduler, &spec, now, error);

        if (!job)
                return NULL;
        st->last_job_id = job->id;
        st->last_result = job->result;
        manager_mark_dirty(m, MANAGER_PROP_SCHEDULES);
        return job;
}

static void set_trigger(Manager *m, ScheduleState *st, usec_t now) {
        st->last_trigger = now;
        st->trigger_dirty = true;
        manager_mark_dirty(m, MANAGER_PROP_SCHEDULES);
}

/* Write dirty trigger times in a transaction of their own: for triggers that
 * made no job (skipped, caught up as none), which no group commit carries. */
static void store_triggers_now(Manager *m) {
        g_autoptr(GError) error = NULL;

        GHashTableIter it;
        gpointer v;
        bool dirty = false;

        if (!m->store)
                return;
        g_hash_table_iter_init(&it, m->schedules->states);
        while (!dirty && g_hash_table_iter_next(&it, NULL, &v))
                dirty = ((ScheduleState *) v)->trigger_dirty;
        if (!dirty)
                return;
        if (!store_begin(m->store, &error))
                goto fail;
        if (!schedules_store_flush(m, &error)) {
                store_rollback(m->store);
                goto fail;
        }
        if (store_commit(m->store, &error)) {   /* rolls back itself on failure */
                schedules_store_committed(m);
                return;
        }
fail:
        log_full(&m->log, LOG_ERR, "schedule trigger times not saved: %s", error->message);
}

/* One elapse of @sc is due: Overlap=, then enqueue.  Returns true when a job was made. */
static bool fire(Manager *m, const ScheduleConfig *sc, ScheduleState *st, usec_t now) {
        g_autoptr(GError) error = NULL;
        Job *job;

        set_trigger(m, st, now);
        if (!apply_overlap(m, sc, st, &error)) {
                log_full(&m->log, LOG_INFO, "schedule %s: elapse skipped: %s", sc->name, error->message);
                return false;
        }
        job = submit(m, sc, st, now, &error);
        if (!job) {
                log_full(&m->log, LOG_WARNING, "schedule %s: could not enqueue a %s job: %s", sc->name,
                         sc->class_name, error->message);
                return false;
        }
        log_job(&m->log, LOG_INFO, job, "enqueued by schedule %s", sc->name);
        return true;
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        Schedules *s = m->schedules;
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_schedule_names(cfg);
        usec_t now = now_usec(m);
        bool made_job = false;

        for (size_t i = 0; names && names[i]; i++) {
                const ScheduleConfig *sc = sluice_config_get_schedule(cfg, names[i]);
                ScheduleState *st = get_state(s, names[i]);

                if (st->fire_at > now)
                        continue;
                made_job |= fire(m, sc, st, now);
                plan_next(s, sc, st, now);
        }
        if (!made_job)
                store_triggers_now(m);
        arm_timer(m);
        manager_schedule_post(m);
        return 0;
}

/*
 * Plan every configured schedule again: after a config change, a clock jump
 * or a test clock change.  An elapse already due stays due (fires at once),
 * anything else is computed from now, so a backward jump does not leave a
 * schedule waiting for an elapse now far in the future.
 */
static void replan(Manager *m) {
        Schedules *s = m->schedules;
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_schedule_names(cfg);
        usec_t now = now_usec(m);
        GHashTableIter it;
        gpointer v;

        /* A schedule gone from the config forgets its pending elapse: should
         * it come back, it is planned from then, like any new schedule. */
        g_hash_table_iter_init(&it, s->states);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
                ScheduleState *st = v;

                if (!sluice_config_get_schedule(cfg, st->name))
                        st->next_elapse = st->fire_at = USEC_INFINITY;
        }

        for (size_t i = 0; names && names[i]; i++) {
                const ScheduleConfig *sc = sluice_config_get_schedule(cfg, names[i]);
                ScheduleState *st = get_state(s, names[i]);

                if (st->next_elapse != USEC_INFINITY && st->next_elapse <= now)
                        continue;
                plan_next(s, sc, st, now);
        }
        arm_timer(m);
        manager_mark_dirty(m, MANAGER_PROP_SCHEDULES);
}

static int arm_clock_watch(int fd) {
        /* Far in the future: only the cancellation matters. */
        struct itimerspec its = { .it_value = { .tv_sec = (time_t) INT32_MAX * 4 } };

        if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
                return -errno;
        return 0;
}

static int on_clock_set(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        uint64_t expirations;
        int r;

        /* ECANCELED: the clock was set; reading resets it, arming again re-enables it. */
        (void) !read(fd, &expirations, sizeof(expirations));
        r = arm_clock_watch(fd);
        if (r < 0)
                log_errno(&m->log, LOG_WARNING, r, "cannot watch for wall clock changes any more");
        log_full(&m->log, LOG_INFO, "the wall clock was set, planning the schedules again");
        /* sd-event caches "now" per iteration: take it from this iteration. */
        replan(m);
        return 0;
}

static int setup_sources(Manager *m) {
        Schedules *s = m->schedules;
        int fd, r;

        r = sd_event_add_time(m->event, &s->timer, CLOCK_REALTIME, USEC_INFINITY, USEC_PER_MSEC, on_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_source_set_description(s->timer, "sluice-schedules");
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot create the schedule timer");

        fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (fd < 0)
                return log_errno(&m->log, LOG_ERR, -errno, "cannot create the clock-change timerfd");
        r = arm_clock_watch(fd);
        if (r >= 0)
                r = sd_event_add_io(m->event, &s->clock_watch, fd, EPOLLIN, on_clock_set, m);
        if (r < 0) {
                close(fd);
                return log_errno(&m->log, LOG_ERR, r, "cannot watch for wall clock changes");
        }
        (void) sd_event_source_set_io_fd_own(s->clock_watch, true);
        (void) sd_event_source_set_description(s->clock_watch, "sluice-clock-set");
        return 0;
}

typedef struct LastJobSearch {
        const char *name;
        uint64_t id;
        JobResult result;
} LastJobSearch;

static bool last_job_match(const Job *job, void *userdata) {
        LastJobSearch *search = userdata;
        const char *name = job_schedule_name(job);

        if (name && strcmp(name, search->name) == 0 && job->id > search->id) {
                search->id = job->id;
                search->result = job->result;
        }
        return true;
}

/*
 * At start: the schedule's last job when it is no longer on the bus (it
 * finished before the restart): the newest stored job of the schedule
 * submitted at or after its last trigger (a trigger and its job share the
 * time).  Unknown when the last trigger made no job.
 */
static void find_last_job(Manager *m, const ScheduleConfig *sc, ScheduleState *st) {
        LastJobSearch search = { .name = sc->name };
        StoreJobFilter filter = {
                .class_name = sc->class_name,
                .has_owner = true,
                .owner = 0,
                .since = st->last_trigger,
        };
        g_autoptr(GError) error = NULL;

        if (!m->store || st->last_job_id != 0 || st->last_trigger == 0)
                return;
        if (!store_foreach_job(m->store, &filter, last_job_match, &search, &error)) {
                log_full(&m->log, LOG_WARNING, "schedule %s: cannot look up its last job: %s", sc->name,
                         error->message);
                return;
        }
        st->last_job_id = search.id;
        st->last_result = search.result;
}

/* At start: what Persistent=/CatchUp= make of the elapses missed while down. */
static bool catch_up(Manager *m, const ScheduleConfig *sc, ScheduleState *st, usec_t now) {
        ScheduleCatchUp c = schedule_catch_up(sc, st->last_trigger, now);
        g_autoptr(GError) error = NULL;
        usec_t since = st->last_trigger;
        unsigned made = 0;

        if (c.n_missed == 0)
                return false;
        if (c.n_too_old > 0)
                log_full(&m->log, LOG_NOTICE,
                         "schedule %s: %u missed elapse(s) older than CatchUpWithinSec dropped (oldest %" PRIu64 ")",
                         sc->name, c.n_too_old, c.first_missed);
        if (sc->catch_up == CATCH_UP_NONE && c.n_missed > c.n_too_old)
                log_full(&m->log, LOG_NOTICE, "schedule %s: %u%s missed elapse(s) dropped (CatchUp=none)",
                         sc->name, c.n_missed - c.n_too_old, c.more ? "+" : "");
        set_trigger(m, st, now);
        if (c.n_jobs == 0)
                return false;
        if (!apply_overlap(m, sc, st, &error)) {
                log_full(&m->log, LOG_INFO, "schedule %s: catch-up skipped: %s", sc->name, error->message);
                return false;
        }
        for (unsigned i = 0; i < c.n_jobs; i++) {
                Job *job = submit(m, sc, st, now, &error);

                if (!job) {
                        log_full(&m->log, LOG_WARNING, "schedule %s: could not enqueue a catch-up job: %s",
                                 sc->name, error->message);
                        break;
                }
                made++;
        }
        log_full(&m->log, LOG_INFO, "schedule %s: %u%s missed elapse(s) since %" PRIu64 ", %u job(s) enqueued (CatchUp=%s)",
                 sc->name, c.n_missed, c.more ? "+" : "", since, made,
                 catch_up_policy_to_string(sc->catch_up));
        return made > 0;
}

/**
 * schedules_start() - load the trigger times, catch up, arm the timers
 * @m: the manager, store restored
 *
 * Return: 0 or a negative errno (logged).
 */
int schedules_start(Manager *m) {
        Schedules *s = m->schedules;
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_schedule_names(cfg);
        g_autoptr(GHashTable) triggers = NULL;
        usec_t now = now_usec(m);
        bool made_job = false;
        int r;

        r = setup_sources(m);
        if (r < 0)
                return r;
        if (m->store) {
                g_autoptr(GError) error = NULL;

                triggers = store_load_schedule_triggers(m->store, &error);
                if (!triggers) {
                        log_full(&m->log, LOG_ERR, "%s", error->message);
                        return -EIO;
                }
        }

        for (size_t i = 0; names && names[i]; i++) {
                const ScheduleConfig *sc = sluice_config_get_schedule(cfg, names[i]);
                ScheduleState *st = get_state(s, names[i]);
                const usec_t *stored = triggers ? g_hash_table_lookup(triggers, names[i]) : NULL;

                if (stored)
                        st->last_trigger = *stored;
                find_last_job(m, sc, st);
                made_job |= catch_up(m, sc, st, now);
                plan_next(s, sc, st, now);
        }
        s->started = true;
        if (!made_job)
                store_triggers_now(m);
        arm_timer(m);
        return 0;
}

/**
 * schedules_config_changed() - a new configuration is in force
 * @m: the manager
 *
 * Schedules that appeared are planned from now (no catch-up: that happens
 * at start only), changed ones planned again, vanished ones stop.  Also
 * called after the test clock moved (test-clock.c): the same re-planning.
 */
void schedules_config_changed(Manager *m) {
        if (!m->schedules || !m->schedules->started)
                return;
        replan(m);
}

/**
 * schedules_job_event() - follow the schedules' jobs
 * @m: the manager
 * @type: the scheduler event
 * @job: the job
 * @changed: what changed
 *
 * Restored jobs (JOB_NEW before schedules_start()) tell each schedule its
 * previous job; a schedule's last job ending gives its last result.
 */
void schedules_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed) {
        Schedules *s = m->schedules;
        const char *name;
        ScheduleState *st;

        if (!s || !(name = job_schedule_name(job)))
                return;
        if (type == SCHED_EVENT_JOB_NEW) {
                st = get_state(s, name);
                if (job->id > st->last_job_id) {
                        st->last_job_id = job->id;
                        st->last_result = job->result;
                }
                return;
        }
        st = g_hash_table_lookup(s->states, name);
        if (!st || st->last_job_id != job->id || st->last_result == job->result)
                return;
        st->last_result = job->result;
        manager_mark_dirty(m, MANAGER_PROP_SCHEDULES);
}

/**
 * schedules_store_flush() - write the changed last-trigger times
 * @m: the manager
 * @error: the store's error
 *
 * Runs inside the group commit's transaction.
 *
 * Return: true when written (or nothing to write).
 */
bool schedules_store_flush(Manager *m, GError **error) {
        GHashTableIter it;
        gpointer v;

        if (!m->schedules || !m->store)
                return true;
        g_hash_table_iter_init(&it, m->schedules->states);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
                ScheduleState *st = v;

                if (!st->trigger_dirty)
                        continue;
                if (!store_put_schedule_trigger(m->store, st->name, st->last_trigger, error))
                        return false;
        }
        return true;
}

/**
 * schedules_store_committed() - the transaction that carried the flush committed
 * @m: the manager
 *
 * Only now are the trigger times clean: a failed commit leaves them dirty, to
 * be written again by the next one.
 */
void schedules_store_committed(Manager *m) {
        GHashTableIter it;
        gpointer v;

        if (!m->schedules)
                return;
        g_hash_table_iter_init(&it, m->schedules->states);
        while (g_hash_table_iter_next(&it, NULL, &v))
                ((ScheduleState *) v)->trigger_dirty = false;
}

/**
 * schedules_append_property() - the Schedules property
 * @m: the manager
 * @reply: the message to append a(ssttts) to
 *
 * Return: 0 or a negative errno.
 */
int schedules_append_property(Manager *m, sd_bus_message *reply) {
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_schedule_names(cfg);
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ssttts)");
        if (r < 0)
                return r;
        for (size_t i = 0; names && names[i]; i++) {
                const ScheduleConfig *sc = sluice_config_get_schedule(cfg, names[i]);
                ScheduleState *st = m->schedules ? g_hash_table_lookup(m->schedules->states, names[i]) : NULL;

                r = sd_bus_message_append(reply, "(ssttts)", sc->name, sc->class_name,
                                          st && st->next_elapse != USEC_INFINITY ? st->next_elapse : (usec_t) 0,
                                          st ? st->last_trigger : (usec_t) 0,
                                          st ? st->last_job_id : (uint64_t) 0,
                                          job_result_to_string(st ? st->last_result : JOB_RESULT_NONE));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/**
 * schedules_method_trigger() - TriggerSchedule(name): enqueue a run now
 * @m: the manager
 * @msg: the call (answered once the job is durable, with its path)
 * @name: the schedule
 * @error: InvalidArgument for an unknown name, Duplicate when Overlap=skip
 *         finds the previous run still there, or the submission's error
 *
 * Return: 1 (answered or deferred) or a negative errno.
 */
int schedules_method_trigger(Manager *m, sd_bus_message *msg, const char *name, sd_bus_error *error) {
        const ScheduleConfig *sc = sluice_config_get_schedule(scheduler_get_config(m->scheduler), name);
        g_autoptr(GError) gerror = NULL;
        ScheduleState *st;
        Job *job;

        if (!sc)
                return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_ARGUMENT),
                                         _("name: no schedule named \"%s\""), name);
        st = get_state(m->schedules, name);
        if (!apply_overlap(m, sc, st, &gerror))
                return bus_error_from_gerror(error, gerror);
        job = submit(m, sc, st, now_usec(m), &gerror);
        if (!job)
                return bus_error_from_gerror(error, gerror);
        set_trigger(m, st, now_usec(m));
        log_job(&m->log, LOG_INFO, job, "enqueued by TriggerSchedule(%s)", name);

        /* Answered after the group commit made the job (and the trigger) durable. */
        return manager_hold_submit_reply(m, msg, job->id);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Statistics property: counters fed by the scheduler's events (per class:
 * submitted, started, finished by result; the queue-wait histogram), gauges
 * read from the scheduler on demand (queued and running per class), uptime,
 * start time, and the number of active alerts (counted from the Alerts
 * property's own value, so it agrees with whatever alerts.c reports).
 *
 * The counters live in memory and start at zero with every sluiced process:
 * Prometheus counters may reset, rate() copes, and "start-time-usec" tells a
 * reset from a drop.  Every key is API: see docs/dbus-api.md, "Statistics".
 */
#include "metrics.h"

#include <string.h>

#include "alerts.h"
#include "macro.h"
#include "sluice-bus-names.h"

/* Upper bounds of the queue-wait histogram's buckets, ascending; +Inf is implicit. */
static const usec_t wait_bucket_bounds[] = {
        10 * USEC_PER_MSEC,
        100 * USEC_PER_MSEC,
        1 * USEC_PER_SEC,
        10 * USEC_PER_SEC,
        30 * USEC_PER_SEC,
        60 * USEC_PER_SEC,
        300 * USEC_PER_SEC,
        900 * USEC_PER_SEC,
        1800 * USEC_PER_SEC,
        3600 * USEC_PER_SEC,
        7200 * USEC_PER_SEC,
        14400 * USEC_PER_SEC,
        43200 * USEC_PER_SEC,
        86400 * USEC_PER_SEC,
};
#define N_WAIT_BUCKETS ELEMENTSOF(wait_bucket_bounds)

/* What happened to the jobs of one class since sluiced started. */
typedef struct ClassCounters {
        uint64_t submitted;
        uint64_t started;
        uint64_t finished[_JOB_RESULT_MAX];
        unsigned queued, running;       /* scratch: filled while building the property */
} ClassCounters;

struct Metrics {
        GHashTable *classes;                            /* class name -> ClassCounters* (owned) */
        uint64_t wait_in_bucket[N_WAIT_BUCKETS + 1];    /* not cumulative; the last is +Inf only */
        uint64_t wait_sum_usec;
        uint64_t wait_count;
        usec_t start_realtime;                          /* CLOCK_REALTIME at manager start; 0 until first read */
};

/**
 * metrics_new() - the Statistics counters, all zero
 *
 * Return: a new Metrics, free with metrics_free().
 */
Metrics *metrics_new(void) {
        Metrics *mt = g_new0(Metrics, 1);

        mt->classes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        return mt;
}

/**
 * metrics_free() - free the counters
 * @mt: the counters, may be NULL
 */
void metrics_free(Metrics *mt) {
        if (!mt)
                return;
        g_clear_pointer(&mt->classes, g_hash_table_unref);
        g_free(mt);
}

static ClassCounters *class_counters(Metrics *mt, const char *class_name) {
        ClassCounters *c;

        if (!class_name)
                class_name = "";
        c = g_hash_table_lookup(mt->classes, class_name);
        if (!c) {
                c = g_new0(ClassCounters, 1);
                g_hash_table_insert(mt->classes, g_strdup(class_name), c);
        }
        return c;
}

/* started_at - max(submitted_at, not_before), 0 if the clock says otherwise. */
static usec_t job_queue_wait(const Job *job) {
        usec_t from = MAX(job->submitted_at, job->not_before);

        return job->started_at > from ? job->started_at - from : 0;
}

static void observe_wait(Metrics *mt, usec_t wait) {
        size_t i = 0;

        while (i < N_WAIT_BUCKETS && wait > wait_bucket_bounds[i])
                i++;
        mt->wait_in_bucket[i]++;
        mt->wait_sum_usec += wait;
        mt->wait_count++;
}

static void count_start(Metrics *mt, ClassCounters *c, const Job *job) {
        c->started++;
        observe_wait(mt, job_queue_wait(job));
}

/**
 * metrics_job_event() - count one scheduler event
 * @m: the manager
 * @type: what happened
 * @job: the job it happened to
 * @changed: for JOB_CHANGED, what changed
 *
 * Runs inside the scheduler's listener: reads @job only, never calls the
 * scheduler.  Counts the way the scheduler's own SchedulerStats do: a job
 * that enters this process (submitted, restored from the store, re-attached
 * to its unit) is submitted; each start (first run, retry, re-attach) is
 * started and observed by the wait histogram; each end is finished once.
 */
void metrics_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed) {
        Metrics *mt = m->metrics;
        ClassCounters *c;

        if (!mt)
                return;
        switch (type) {
        case SCHED_EVENT_JOB_NEW:
                c = class_counters(mt, job->class_name);
                c->submitted++;
                if (job->state == JOB_STATE_RUNNING)    /* re-attached after a restart */
                        count_start(mt, c, job);
                break;

        case SCHED_EVENT_JOB_CHANGED:
                if (!(changed & JOB_CHANGED_STATE))
                        break;
                c = class_counters(mt, job->class_name);
                if (job->state == JOB_STATE_RUNNING)
                        count_start(mt, c, job);
                else if (job->state == JOB_STATE_DONE && job->result < _JOB_RESULT_MAX)
                        c->finished[job->result]++;
                break;

        case SCHED_EVENT_JOB_REMOVED:
                break;
        }
}

static int append_u64(sd_bus_message *reply, const char *key, uint64_t value) {
        return sd_bus_message_append(reply, "{sv}", key, "t", value);
}

static int append_finished(sd_bus_message *reply, const uint64_t finished[_JOB_RESULT_MAX]) {
        int r;

        for (int i = JOB_RESULT_NONE + 1; i < _JOB_RESULT_MAX; i++) {
                g_autofree char *key = g_strdup_printf("finished-%s", job_result_to_string(i));

                r = append_u64(reply, key, finished[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* "classes": a{sv} whose values are a{sv} with one class's keys. */
static int append_classes(Manager *m, sd_bus_message *reply) {
        Metrics *mt = m->metrics;
        g_autoptr(GList) names = NULL;
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "s", "classes");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_VARIANT, "a{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;

        names = g_list_sort(g_hash_table_get_keys(mt->classes), (GCompareFunc) strcmp);
        for (GList *l = names; l; l = l->next) {
                const ClassCounters *c = g_hash_table_lookup(mt->classes, l->data);

                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "s", (const char *) l->data);
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_VARIANT, "a{sv}");
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}",
                                          "queued", "u", c->queued,
                                          "running", "u", c->running,
                                          "submitted", "t", c->submitted,
                                          "started", "t", c->started);
                if (r < 0)
                        return r;
                r = append_finished(reply, c->finished);
                if (r < 0)
                        return r;
                for (int k = 0; k < 3; k++) {
                        r = sd_bus_message_close_container(reply);
                        if (r < 0)
                                return r;
                }
        }

        for (int k = 0; k < 3; k++) {
                r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Fill every class's queued/running from the scheduler's jobs; every configured class gets an entry. */
static void count_gauges(Manager *m) {
        Metrics *mt = m->metrics;
        g_auto(GStrv) names = sluice_config_class_names(scheduler_get_config(m->scheduler));
        g_autoptr(GPtrArray) jobs = scheduler_list_jobs(m->scheduler);
        GHashTableIter iter;
        ClassCounters *c;

        for (size_t i = 0; names && names[i]; i++)
                (void) class_counters(mt, names[i]);
        g_hash_table_iter_init(&iter, mt->classes);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &c))
                c->queued = c->running = 0;
        for (guint i = 0; i < jobs->len; i++) {
                const Job *j = jobs->pdata[i];

                if (j->state == JOB_STATE_QUEUED)
                        class_counters(mt, j->class_name)->queued++;
                else if (j->state == JOB_STATE_RUNNING)
                        class_counters(mt, j->class_name)->running++;
        }
}

/* The number of entries in the Alerts property (active alerts only), read from its own value. */
static int count_active_alerts(Manager *m, unsigned *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *scratch = NULL;
        unsigned n = 0;
        int r;

        r = sd_bus_message_new_signal(m->bus, &scratch, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Alerts");
        if (r < 0)
                return r;
        r = alerts_append_property(m, scratch);
        if (r < 0)
                return r;
        r = sd_bus_message_seal(scratch, 1, 0);
        if (r < 0)
                return r;
        r = sd_bus_message_rewind(scratch, true);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(scratch, SD_BUS_TYPE_ARRAY, "(ssst)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_skip(scratch, "(ssst)")) > 0)
                n++;
        if (r < 0)
                return r;
        *ret = n;
        return 0;
}

/* One {sv} entry whose value is an array of uint64 ("at"). */
static int append_u64_array_entry(sd_bus_message *reply, const char *key, const uint64_t *values, size_t n) {
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "s", key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_VARIANT, "at");
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 't', values, n * sizeof(uint64_t));
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}
static int append_wait_histogram(Metrics *mt, sd_bus_message *reply) {
        uint64_t cumulative[N_WAIT_BUCKETS], total = 0;
        int r;

        for (size_t i = 0; i < N_WAIT_BUCKETS; i++) {
                total += mt->wait_in_bucket[i];
                cumulative[i] = total;
        }

        r = append_u64_array_entry(reply, "wait-bucket-bounds-usec", wait_bucket_bounds, N_WAIT_BUCKETS);
        if (r < 0)
                return r;
        r = append_u64_array_entry(reply, "wait-bucket-counts", cumulative, N_WAIT_BUCKETS);
        if (r < 0)
                return r;

        return sd_bus_message_append(reply, "{sv}{sv}",
                                     "wait-sum-usec", "t", mt->wait_sum_usec,
                                     "wait-count", "t", mt->wait_count);
}

/**
 * metrics_append_statistics() - the whole Statistics property value
 * @m: the manager
 * @reply: the message to append the a{sv} to
 *
 * Return: 0 or a negative errno from sd-bus.
 */
int metrics_append_statistics(Manager *m, sd_bus_message *reply) {
        const SchedulerStats *st = scheduler_get_stats(m->scheduler);
        uint64_t mono = 0, realtime = 0, uptime;
        unsigned n_alerts = 0;
        int r;

        count_gauges(m);
        r = count_active_alerts(m, &n_alerts);
        if (r < 0)
                return r;
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &mono);
        (void) sd_event_now(m->event, CLOCK_REALTIME, &realtime);
        uptime = mono > m->start_monotonic ? mono - m->start_monotonic : 0;
        /* Fixed at the first read, so that it does not wobble with the two clocks' readings. */
        if (m->metrics->start_realtime == 0)
                m->metrics->start_realtime = realtime > uptime ? realtime - uptime : 1;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}",
                                  "submitted", "t", st->submitted,
                                  "started", "t", st->started,
                                  "queued", "u", scheduler_n_queued(m->scheduler),
                                  "running", "u", scheduler_n_running(m->scheduler));
        if (r < 0)
                return r;
        r = append_finished(reply, st->finished);
        if (r < 0)
                return r;
        r = append_classes(m, reply);
        if (r < 0)
                return r;
        r = append_wait_histogram(m->metrics, reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}",
                                  "uptime-usec", "t", uptime,
                                  "start-time-usec", "t", m->metrics->start_realtime,
                                  "alerts-active", "u", n_alerts);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

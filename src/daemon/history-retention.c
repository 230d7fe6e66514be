/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * History retention: [Scheduler] HistoryMaxAgeSec= and HistoryMaxJobs= prune
 * finished jobs from the state database at start and then once a minute
 * (a floating CLOCK_MONOTONIC timer owned by the event loop).  Each limit is
 * one DELETE over the state index, outside the per-iteration transaction.
 */
#include <inttypes.h>
#include <systemd/sd-event.h>

#include "history-retention.h"
#include "store.h"

/**
 * history_retention_prune() - apply HistoryMaxAgeSec= and HistoryMaxJobs= now
 * @m: the manager; nothing happens without a store
 *
 * Failures are logged; the next run tries again.
 */
void history_retention_prune(Manager *m) {
        g_autoptr(GError) error = NULL;
        const SluiceConfig *cfg;
        usec_t now = manager_now(m), before = 0;
        uint64_t pruned = 0;

        if (!m->store || !m->scheduler)
                return;
        cfg = scheduler_get_config(m->scheduler);
        if (cfg->history_max_age_usec > 0 && now > cfg->history_max_age_usec)
                before = now - cfg->history_max_age_usec;
        if (!store_prune_history(m->store, before, cfg->history_max_jobs, &pruned, &error)) {
                log_full(&m->log, LOG_WARNING, "history not pruned: %s", error->message);
                return;
        }
        if (pruned > 0)
                log_full(&m->log, LOG_DEBUG, "pruned %" PRIu64 " finished jobs from the history", pruned);
}

static int on_prune_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        history_retention_prune(m);
        (void) sd_event_source_set_time(s, usec + HISTORY_PRUNE_INTERVAL_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

/**
 * history_retention_start() - prune now, then once a minute
 * @m: the manager, with its event loop and store
 *
 * Return: 0 or a negative errno (logged).
 */
int history_retention_start(Manager *m) {
        sd_event_source *s = NULL;
        uint64_t now = 0;
        int r;

        history_retention_prune(m);

        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        r = sd_event_add_time(m->event, &s, CLOCK_MONOTONIC, now + HISTORY_PRUNE_INTERVAL_USEC, USEC_PER_SEC,
                              on_prune_timer, m);
        if (r >= 0)
                r = sd_event_source_set_description(s, "sluice-history-prune");
        if (r >= 0)
                r = sd_event_source_set_floating(s, true);
        sd_event_source_unref(s);
        if (r < 0)
                return log_errno(&m->log, LOG_ERR, r, "cannot arm the history pruning timer");
        return 0;
}

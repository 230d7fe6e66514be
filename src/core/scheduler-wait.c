/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Position and WaitReason: why a queued job is not running yet, computed on
 * demand from the same limit checks and the same order dispatch uses.
 */
#include <inttypes.h>

#include "errors.h"
#include "i18n.h"
#include "scheduler-private.h"

/**
 * scheduler_job_position() - rank of a queued job in dispatch order
 * @s: the scheduler
 * @job: the job
 * @ret_total: the length of the dispatch queue (may be NULL)
 *
 * Jobs still waiting for their not-before time are not in the dispatch
 * queue: they have position 0 and do not count in the total.
 *
 * Return: 1-based position, 0 if @job is not in the dispatch queue.
 */
unsigned scheduler_job_position(Scheduler *s, Job *job, unsigned *ret_total) {
        if (ret_total)
                *ret_total = s->n_in_queue;
        if (!job || !job_priv(job)->group)
                return 0;
        queue_dispatch_order(s);
        return job_priv(job)->position;
}

static char *format_not_before(usec_t not_before, usec_t now, bool seconds) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local((gint64) (not_before / USEC_PER_SEC));

        if (!dt)
                return g_strdup("?");
        /* Within a day the time of day says it all; further out add the date.
         * Retry delays are short: they get seconds. */
        if (not_before > now && not_before - now >= 24 * 3600 * USEC_PER_SEC)
                return g_date_time_format(dt, seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M");
        return g_date_time_format(dt, seconds ? "%H:%M:%S" : "%H:%M");
}

static Job *strict_blocker(Scheduler *s, Job *job) {
        GPtrArray *order = queue_dispatch_order(s);

        for (unsigned i = 0; i < order->len; i++) {
                Job *j = order->pdata[i];
                if (j == job)
                        return NULL;
                if (scheduler_job_blocked(s, j, NULL))
                        return j;
        }
        return NULL;
}

/**
 * scheduler_job_wait_reason() - why a queued job is not running yet
 * @s: the scheduler
 * @job: the job
 * @now: the current time (for formatting not-before times)
 *
 * In this priority: a retry's delay ("retry 1 of 2 not before 12:00:30"),
 * not-before, pause, class full, resource full, the owner's
 * MaxRunningPerUser, global full, the fleet slot of a Scope=cluster resource
 * ("cluster resource sync:offsite: ..."), StrictOrder, else the position.
 *
 * Return: a translated sentence, "" for jobs that are not queued; free with g_free().
 */
char *scheduler_job_wait_reason(Scheduler *s, Job *job, usec_t now) {
        BlockInfo b;

        if (!job || job->state != JOB_STATE_QUEUED)
                return g_strdup("");

        /* A queued job that ran before waits for its next attempt. */
        if (job_priv(job)->deferred && job->attempt > 0) {
                g_autofree char *when = format_not_before(job->not_before, now, true);
                return g_strdup_printf(_("retry %u of %u not before %s"),
                                       job->attempt, job_priv(job)->retry_max, when);
        }
        if (job_priv(job)->deferred) {
                g_autofree char *when = format_not_before(job->not_before, now, false);
                return g_strdup_printf(_("not before %s"), when);
        }

        if (scheduler_job_blocked(s, job, &b))
                switch (b.reason) {
                case BLOCK_PAUSED_ALL:
                        return g_strdup(_("all dispatch is paused"));
                case BLOCK_PAUSED_CLASS:
                        return g_strdup_printf(_("class %s is paused"), b.what);
                case BLOCK_PAUSED_RESOURCE:
                        return g_strdup_printf(_("resource %s is paused"), b.what);
                case BLOCK_CLASS_FULL:
                        if (b.reserved > 0)
                                return g_strdup_printf(_("class %s is full (%u of %u: %u running, "
                                                         "%u waiting for a fleet slot)"),
                                                       b.what, b.running, b.limit, b.running - b.reserved,
                                                       b.reserved);
                        return g_strdup_printf(dngettext(GETTEXT_PACKAGE, "class %s is full (%u of %u running)",
                                                        "class %s is full (%u of %u running)", b.limit),
                                               b.what, b.running, b.limit);
                case BLOCK_RESOURCE_FULL:
                        if (b.reserved > 0)
                                return g_strdup_printf(_("resource %s is full (%u of %u: %u running, "
                                                         "%u waiting for a fleet slot)"),
                                                       b.what, b.running, b.limit, b.running - b.reserved,
                                                       b.reserved);
                        return g_strdup_printf(dngettext(GETTEXT_PACKAGE, "resource %s is full (%u of %u running)",
                                                        "resource %s is full (%u of %u running)", b.limit),
                                               b.what, b.running, b.limit);
                case BLOCK_USER_FULL:
                        return g_strdup_printf(dngettext(GETTEXT_PACKAGE, "user %u has %u of %u job running",
                                                        "user %u has %u of %u jobs running", b.limit),
                                               b.owner, b.running, b.limit);
                case BLOCK_GLOBAL_FULL:
                        if (b.reserved > 0 && b.limit == 1)
                                return g_strdup(_("the only slot is held by a job waiting for a fleet slot"));
                        if (b.reserved > 0)
                                return g_strdup_printf(_("all %u slots are taken (%u running, "
                                                         "%u waiting for a fleet slot)"),
                                                       b.limit, b.running - b.reserved, b.reserved);
                        if (b.limit == 1)
                                return g_strdup(_("the only slot is in use"));
                        return g_strdup_printf(dngettext(GETTEXT_PACKAGE, "all %u slot is in use",
                                                        "all %u slots are in use", b.limit),
                                               b.limit);
                case BLOCK_CLUSTER:
                        return g_strdup_printf(_("cluster resource %s: %s"), b.what, b.detail);
                case BLOCK_NONE:
                        break;
                }

        /* Admitted in the fleet since the last dispatch: it starts at the next. */
        if (job_priv(job)->cluster_waiting)
                return g_strdup(_("cluster slot admitted: starting"));

        if (s->config->strict_order) {
                Job *blocker = strict_blocker(s, job);
                if (blocker)
                        return g_strdup_printf(_("waiting behind job %" PRIu64 " (StrictOrder=yes)"),
                                               blocker->id);
        }

        unsigned total;
        unsigned pos = scheduler_job_position(s, job, &total);
        return g_strdup_printf(_("position %u of %u"), pos, total);
}

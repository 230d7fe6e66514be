/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One [Alert NAME]'s state as pure logic (see alert-eval.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "alert-eval.h"
#include "i18n.h"
#include "timespan.h"

typedef struct WaitKey {
        usec_t start;
        uint64_t id;
} WaitKey;

static int wait_key_compare(gconstpointer a, gconstpointer b, gpointer userdata) {
        const WaitKey *x = a, *y = b;

        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        return 0;
}

/**
 * alert_state_new() - a cleared alert that has seen nothing yet
 *
 * Return: the state; never NULL.
 */
AlertState *alert_state_new(void) {
        AlertState *st = g_new0(AlertState, 1);

        st->waiting = g_tree_new_full(wait_key_compare, NULL, g_free, NULL);
        st->waiting_ids = g_hash_table_new(g_int64_hash, g_int64_equal);
        return st;
}

/**
 * alert_state_free() - free an alert's state
 * @st: the state (may be NULL)
 */
void alert_state_free(AlertState *st) {
        if (!st)
                return;
        g_hash_table_unref(st->waiting_ids);
        g_tree_unref(st->waiting);
        g_free(st);
}

/**
 * alert_job_wait_start() - since when a queued job counts as waiting
 * @job: the job
 *
 * Return: the later of its submission and its not-before time (a retry
 * waits from when it may run again).
 */
usec_t alert_job_wait_start(const Job *job) {
        return MAX(job->submitted_at, job->not_before);
}

/**
 * alert_state_job_not_waiting() - a job of the class left the queue
 * @st: the state
 * @id: the job's id (unknown ids are ignored)
 */
void alert_state_job_not_waiting(AlertState *st, uint64_t id) {
        WaitKey *k = g_hash_table_lookup(st->waiting_ids, &id);

        if (!k)
                return;
        g_hash_table_remove(st->waiting_ids, &id);
        g_tree_remove(st->waiting, k);  /* frees k */
}

/**
 * alert_state_clear_waiting() - forget every waiting job
 * @st: the state
 */
void alert_state_clear_waiting(AlertState *st) {
        g_hash_table_remove_all(st->waiting_ids);
        g_tree_remove_all(st->waiting);
}

/**
 * alert_state_job_waiting() - a job of the class is queued
 * @st: the state
 * @id: the job's id
 * @wait_start: since when it waits (alert_job_wait_start())
 *
 * A job already known is moved to its new wait start (a retry queued again).
 */
void alert_state_job_waiting(AlertState *st, uint64_t id, usec_t wait_start) {
        WaitKey *k = g_new(WaitKey, 1);

        alert_state_job_not_waiting(st, id);
        k->start = wait_start;
        k->id = id;
        g_tree_insert(st->waiting, k, k);
        g_hash_table_insert(st->waiting_ids, &k->id, k);
}

static const WaitKey *oldest_waiting(const AlertState *st) {
        GTreeNode *n = g_tree_node_first(st->waiting);

        return n ? g_tree_node_key(n) : NULL;
}

/* Judge Within= and MaxWaitSec= against @now, keep OnFailure= as the caller
 * set it, and tell what changed since @was.  @failure_at: when a failure
 * condition the caller just set began (0: none was set). */
static AlertChange refresh(AlertState *st, const AlertConfig *cfg, usec_t now, unsigned was, usec_t failure_at) {
        const WaitKey *w = oldest_waiting(st);
        bool within = cfg->within_usec != 0 && st->window_start != 0 && now >= st->window_start + cfg->within_usec;
        bool wait = cfg->max_wait_usec != 0 && w && now >= w->start + cfg->max_wait_usec;
        AlertCondition cause = ALERT_COND_FAILURE;      /* nothing new: a failure (new, or stored) */
        usec_t when = failure_at ? failure_at : now;

        if (!was && !failure_at && wait) {
                cause = ALERT_COND_WAIT;
                when = w->start + cfg->max_wait_usec;
                st->job_id = w->id;
                st->job_result = JOB_RESULT_NONE;
        }
        if (!was && !failure_at && within) {
                cause = ALERT_COND_WITHIN;
                when = st->window_start + cfg->within_usec;
                st->job_id = 0;
                st->job_result = JOB_RESULT_NONE;
        }
        st->active = (within ? ALERT_COND_WITHIN : 0u) | (wait ? ALERT_COND_WAIT : 0u) |
                     (cfg->on_failure ? (st->active & ALERT_COND_FAILURE) : 0u);

        if (!was && st->active) {
                st->raised_by = cause;
                st->raised_at = when;
                return ALERT_CHANGE_RAISED;
        }
        if (was && !st->active) {
                st->raised_at = 0;
                return ALERT_CHANGE_CLEARED;
        }
        return ALERT_CHANGE_NONE;
}

/**
 * alert_state_job_finished() - a job of the alert's class ended
 * @st: the state
 * @cfg: the alert
 * @job: the job, done
 * @now: the time
 *
 * A success restarts the Within= window and clears OnFailure=; failed,
 * timeout, abandoned and lost raise OnFailure= (when on).  A cancelled job
 * changes nothing: someone stopped it on purpose.
 *
 * Return: whether the alert was raised or cleared by it.
 */
AlertChange alert_state_job_finished(AlertState *st, const AlertConfig *cfg, const Job *job, usec_t now) {
        unsigned was = st->active;
        usec_t when = job->finished_at ? job->finished_at : now;

        alert_state_job_not_waiting(st, job->id);
        if (job->result == JOB_RESULT_SUCCESS) {
                st->window_start = MAX(st->window_start, when);
                st->active &= ~(unsigned) ALERT_COND_FAILURE;
                if (was & (ALERT_COND_WITHIN | ALERT_COND_FAILURE)) {
                        /* This success is what clears them (the clear's message names it). */
                        st->job_id = job->id;
                        st->job_result = job->result;
                }
                return refresh(st, cfg, now, was, 0);
        }
        if (job->result == JOB_RESULT_CANCELLED || job->result == JOB_RESULT_NONE || !cfg->on_failure ||
            (was & ALERT_COND_FAILURE))
                return refresh(st, cfg, now, was, 0);

        st->active |= ALERT_COND_FAILURE;
        if (!was) {
                st->job_id = job->id;
                st->job_result = job->result;
        }
        return refresh(st, cfg, now, was, when);
}

/**
 * alert_state_tick() - let time pass
 * @st: the state
 * @cfg: the alert
 * @now: the time
 *
 * Raises Within= when the window ran out, MaxWaitSec= when the oldest queued
 * job waited too long; clears MaxWaitSec= when none does any more.
 *
 * Return: whether the alert was raised or cleared.
 */
AlertChange alert_state_tick(AlertState *st, const AlertConfig *cfg, usec_t now) {
        return refresh(st, cfg, now, st->active, 0);
}

/**
 * alert_state_next_deadline() - when the alert needs looking at again
 * @st: the state
 * @cfg: the alert
 *
 * Return: the end of the Within= window (while not raised by it), the time
 * the oldest queued job exceeds MaxWaitSec= (while not raised by it), the
 * earlier of both; USEC_INFINITY when neither can happen by time alone.
 */
usec_t alert_state_next_deadline(const AlertState *st, const AlertConfig *cfg) {
        usec_t next = USEC_INFINITY;
        const WaitKey *w = oldest_waiting(st);

        if (cfg->within_usec != 0 && st->window_start != 0 && !(st->active & ALERT_COND_WITHIN))
                next = st->window_start + cfg->within_usec;
        if (cfg->max_wait_usec != 0 && w && !(st->active & ALERT_COND_WAIT))
                next = MIN(next, w->start + cfg->max_wait_usec);
        return next;
}

static char *with_description(const AlertConfig *cfg, char *msg) {
        char *full;

        if (!cfg->description)
                return msg;
        full = g_strdup_printf("%s: %s", cfg->description, msg);
        g_free(msg);
        return full;
}

/**
 * alert_state_message() - what a raised alert says
 * @st: the state
 * @cfg: the alert
 *
 * Return: the translated message of the condition that raised the alert,
 * after Description= when set.  Caller frees.
 */
char *alert_state_message(const AlertState *st, const AlertConfig *cfg) {
        char span[FORMAT_TIMESPAN_MAX];
        char *msg;

        switch (st->raised_by) {
        case ALERT_COND_WITHIN:
                msg = g_strdup_printf(_("no job of class %s succeeded within %s"), cfg->class_name,
                                      format_timespan(span, sizeof span, cfg->within_usec));
                break;
        case ALERT_COND_WAIT:
                msg = g_strdup_printf(_("job %" PRIu64 " of class %s has waited longer than %s"), st->job_id,
                                      cfg->class_name, format_timespan(span, sizeof span, cfg->max_wait_usec));
                break;
        default:
                if (st->job_id != 0)
                        msg = g_strdup_printf(_("job %" PRIu64 " of class %s ended %s"), st->job_id,
                                              cfg->class_name, job_result_to_string(st->job_result));
                else
                        msg = g_strdup_printf(_("a job of class %s did not succeed"), cfg->class_name);
                break;
        }
        return with_description(cfg, msg);
}

/**
 * alert_state_clear_message() - what the clear of an alert says
 * @st: the state, just cleared
 * @cfg: the alert
 *
 * Return: the translated message (Description= first when set).  Caller frees.
 */
char *alert_state_clear_message(const AlertState *st, const AlertConfig *cfg) {
        char span[FORMAT_TIMESPAN_MAX];
        char *msg;

        if (st->job_id != 0 && st->job_result == JOB_RESULT_SUCCESS)
                msg = g_strdup_printf(_("cleared: job %" PRIu64 " of class %s succeeded"), st->job_id,
                                      cfg->class_name);
        else if (cfg->max_wait_usec != 0)
                msg = g_strdup_printf(_("cleared: no job of class %s waits longer than %s"), cfg->class_name,
                                      format_timespan(span, sizeof span, cfg->max_wait_usec));
        else
                msg = g_strdup_printf(_("cleared: the conditions on class %s no longer hold"), cfg->class_name);
        return with_description(cfg, msg);
}

static const struct {
        AlertCondition cond;
        const char *name;
} cond_names[] = {
        { ALERT_COND_WITHIN, "within" },
        { ALERT_COND_FAILURE, "failure" },
        { ALERT_COND_WAIT, "wait" },
};

static const char *cond_name(AlertCondition c) {
        for (size_t i = 0; i < G_N_ELEMENTS(cond_names); i++)
                if (cond_names[i].cond == c)
                        return cond_names[i].name;
        return "failure";
}

/**
 * alert_state_to_text() - the raised state as stored text
 * @st: the state
 *
 * "cleared", or "raised CAUSE CONDS JOB RESULT", e.g.
 * "raised failure failure,wait 12 failed" (JOB 0 and RESULT "-" when none).
 *
 * Return: the text; caller frees.
 */
char *alert_state_to_text(const AlertState *st) {
        GString *s;

        if (!st->active)
                return g_strdup("cleared");
        s = g_string_new("raised ");
        g_string_append(s, cond_name(st->raised_by));
        g_string_append_c(s, ' ');
        for (size_t i = 0, n = 0; i < G_N_ELEMENTS(cond_names); i++)
                if (st->active & cond_names[i].cond)
                        g_string_append_printf(s, "%s%s", n++ ? "," : "", cond_names[i].name);
        g_string_append_printf(s, " %" PRIu64 " %s", st->job_id,
                               st->job_result != JOB_RESULT_NONE ? job_result_to_string(st->job_result) : "-");
        return g_string_free(s, false);
}

static int cond_from_name(const char *s) {
        for (size_t i = 0; i < G_N_ELEMENTS(cond_names); i++)
                if (strcmp(cond_names[i].name, s) == 0)
                        return (int) cond_names[i].cond;
        return -1;
}

/**
 * alert_state_from_text() - restore the raised state stored by alert_state_to_text()
 * @st: the state to restore into
 * @text: the stored text
 * @since: when the alert was raised
 *
 * Only the failure condition is taken over as it was: the others are
 * judged again from the window and the queue by the next tick.
 *
 * Return: false (and @st unchanged) for text this version does not know.
 */
bool alert_state_from_text(AlertState *st, const char *text, usec_t since) {
        g_auto(GStrv) w = g_strsplit(text, " ", -1);
        g_auto(GStrv) conds = NULL;
        unsigned active = 0;
        int cause, result = JOB_RESULT_NONE;
        char *end = NULL;
        uint64_t id;

        if (strcmp(text, "cleared") == 0) {
                st->active = 0;
                st->raised_at = 0;
                return true;
        }
        if (g_strv_length(w) != 5 || strcmp(w[0], "raised") != 0 || (cause = cond_from_name(w[1])) < 0)
                return false;
        conds = g_strsplit(w[2], ",", -1);
        for (size_t i = 0; conds[i]; i++) {
                int c = cond_from_name(conds[i]);
                if (c < 0)
                        return false;
                active |= (unsigned) c;
        }
        id = g_ascii_strtoull(w[3], &end, 10);
        if (!end || *end || (strcmp(w[4], "-") != 0 && (result = job_result_from_string(w[4])) < 0))
                return false;

        st->active = active;
        st->raised_by = (AlertCondition) cause;
        st->raised_at = since;
        st->job_id = id;
        st->job_result = (JobResult) result;
        return true;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One time-ordered set holds every deadline the scheduler has: not-before
 * releases, max-wait deadlines, detached lease expiry and the removal of
 * finished jobs.  Entries live in an array of each job's JobPriv, made at
 * its first deadline; the GSequence orders them by (when, kind, job id) so
 * equal times fire in a reproducible order.
 */
#include "scheduler-private.h"

static int timer_compare(gconstpointer a, gconstpointer b, gpointer userdata) {
        const TimerEntry *x = a, *y = b;

        if (x->when != y->when)
                return x->when < y->when ? -1 : 1;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        if (x->job->id != y->job->id)
                return x->job->id < y->job->id ? -1 : 1;
        return 0;
}

/**
 * timer_arm() - (re)arm one deadline of a job
 * @s: the scheduler
 * @j: the job
 * @kind: which deadline
 * @when: the time it fires
 */
void timer_arm(Scheduler *s, Job *j, TimerKind kind, usec_t when) {
        JobPriv *p = job_priv(j);
        TimerEntry *t;

        if (!p->timers)
                p->timers = g_new0(TimerEntry, _TIMER_MAX);
        t = &p->timers[kind];
        timer_disarm(s, j, kind);
        t->when = when;
        t->kind = kind;
        t->job = j;
        t->iter = g_sequence_insert_sorted(s->timers, t, timer_compare, NULL);
}

/**
 * timer_disarm() - drop one deadline of a job, if armed
 * @s: the scheduler
 * @j: the job
 * @kind: which deadline
 */
void timer_disarm(Scheduler *s, Job *j, TimerKind kind) {
        JobPriv *p = job_priv(j);
        TimerEntry *t = p->timers ? &p->timers[kind] : NULL;

        if (!t || !t->iter)
                return;
        g_sequence_remove(t->iter);
        t->iter = NULL;
}

/**
 * timer_disarm_all() - drop every deadline of a job
 * @s: the scheduler
 * @j: the job
 */
void timer_disarm_all(Scheduler *s, Job *j) {
        for (TimerKind k = 0; k < _TIMER_MAX; k++)
                timer_disarm(s, j, k);
}

/**
 * timer_first() - the earliest armed deadline
 * @s: the scheduler
 *
 * Return: the entry (borrowed), NULL if none is armed.
 */
TimerEntry *timer_first(Scheduler *s) {
        GSequenceIter *it = g_sequence_get_begin_iter(s->timers);

        if (g_sequence_iter_is_end(it))
                return NULL;
        return g_sequence_get(it);
}

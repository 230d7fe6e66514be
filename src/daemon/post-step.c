/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "post-step.h"

/**
 * post_step_run() - one loop iteration's end, in order
 * @ops: the steps (the daemon's, or a test's fakes)
 * @userdata: passed to every step
 *
 * The order, and why:
 *
 * 1. dispatch: the scheduler starts what may start; a lease granted, a unit
 *    start queued, all marked dirty for the commit.
 * 2. flush: the signals of the iteration go out first (a crash before the
 *    commit can undo what they report; clients re-read state when sluiced's
 *    name comes back).
 * 3. commit: everything changed in the iteration, in one transaction.
 * 4. a failed commit refuses the new jobs' Submit()/Acquire() (IOError) and
 *    cancels those jobs; every other held reply waits for a commit that works.
 * 5. announce: InterfacesAdded/JobNew of the new jobs, before any reply
 *    names their path (a client sees a job's signals before its path).
 * 6. a commit that worked sends the held replies, in the order held: every
 *    one of them was held before the commit started, so its change is in it.
 * 6a. a commit that worked lets the cluster module send its wants (the
 *    fleet-slot requests of the dispatch) and releases (the keys of ended
 *    jobs) to etcd: a fleet key exists only for a job whose state is
 *    committed, and a release goes out only once the end it follows is
 *    recorded (a crash in between is recovery's: docs/cluster.md,
 *    "Restart").  After a failed commit they wait for the next one that
 *    works (it is retried in a second).
 * 7. release the unit starts of the dispatch: no unit runs for a job the
 *    database does not hold (as before issue 13, also after a failed
 *    commit: the refused new jobs were cancelled in 4 and get no unit).
 * 8. emit the manager's coalesced PropertiesChanged (and STATUS=).
 * 9. re-arm the timer (a failed commit is tried again in a second).
 *
 * Return: whether the commit worked.
 */
bool post_step_run(const PostStepOps *ops, void *userdata) {
        g_autoptr(GError) error = NULL;
        bool committed;

        ops->dispatch(userdata);
        ops->flush(userdata);
        committed = ops->commit(userdata, &error);
        if (!committed)
                ops->refuse_new_jobs(userdata, error);
        ops->announce(userdata);
        if (committed) {
                ops->send_held_replies(userdata);
                ops->cluster_flush(userdata);
        }
        ops->release_starts(userdata);
        ops->emit_changes(userdata);
        ops->rearm(userdata, committed);
        return committed;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * The post step: what sluiced does once per loop iteration, after every
 * call and signal of that iteration was handled, in one explicit order
 * (post_step_run(); docs/design.md, "The loop iteration").
 *
 * Its steps are calls through PostStepOps, so that the order is a plain
 * function of the table: the daemon passes its own (manager.c), a unit test
 * passes fakes that record the calls (tests/unit/test-post-step.c).
 */
typedef struct PostStepOps {
        /* The scheduler starts what may start (grants leases, queues unit starts). */
        void (*dispatch)(void *userdata);
        /* Send the signals queued so far (they report; they do not acknowledge). */
        void (*flush)(void *userdata);
        /* One transaction for the iteration's changes; false and @error set when it failed. */
        bool (*commit)(void *userdata, GError **error);
        /* The commit failed: refuse the calls that made new jobs (and cancel those jobs). */
        void (*refuse_new_jobs)(void *userdata, const GError *cause);
        /* InterfacesAdded/JobNew for the jobs made since the last time. */
        void (*announce)(void *userdata);
        /* The commit worked: every held reply, in the order held. */
        void (*send_held_replies)(void *userdata);
        /* The commit worked: the cluster module's wants (txns) and releases
         * (deletes) recorded since the last flush go to etcd (docs/cluster.md). */
        void (*cluster_flush)(void *userdata);
        /* Send the unit starts the dispatch queued. */
        void (*release_starts)(void *userdata);
        /* STATUS= and one coalesced PropertiesChanged of the manager. */
        void (*emit_changes)(void *userdata);
        /* Arm the timer; after a failed commit also to try again soon. */
        void (*rearm)(void *userdata, bool committed);
} PostStepOps;

bool post_step_run(const PostStepOps *ops, void *userdata);

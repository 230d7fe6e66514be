/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The post step's order (src/daemon/post-step.c), against fakes that record
 * each step: the order is a plain function of the ops table and whether the
 * commit works.  docs/design.md, "The loop iteration".
 */
#include <glib.h>

#include "post-step.h"

typedef struct {
        GString *log;
        bool commit_fails;
        bool refused_saw_cause;
} Fake;

static void note(Fake *f, const char *step) {
        if (f->log->len > 0)
                g_string_append_c(f->log, ' ');
        g_string_append(f->log, step);
}

static void fake_dispatch(void *u) {
        note(u, "dispatch");
}
static void fake_flush(void *u) {
        note(u, "flush");
}
static bool fake_commit(void *u, GError **error) {
        Fake *f = u;

        note(f, "commit");
        if (f->commit_fails) {
                g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC, "disk full");
                return false;
        }
        return true;
}
static void fake_refuse(void *u, const GError *cause) {
        Fake *f = u;

        note(f, "refuse");
        f->refused_saw_cause = cause && g_error_matches(cause, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
}
static void fake_announce(void *u) {
        note(u, "announce");
}
static void fake_send(void *u) {
        note(u, "replies");
}
static void fake_cluster_flush(void *u) {
        note(u, "cluster");
}
static void fake_release(void *u) {
        note(u, "starts");
}
static void fake_emit(void *u) {
        note(u, "changed");
}
static void fake_rearm(void *u, bool committed) {
        note(u, committed ? "rearm" : "rearm-retry");
}

static const PostStepOps fake_ops = {
        .dispatch = fake_dispatch,
        .flush = fake_flush,
        .commit = fake_commit,
        .refuse_new_jobs = fake_refuse,
        .announce = fake_announce,
        .send_held_replies = fake_send,
        .cluster_flush = fake_cluster_flush,
        .release_starts = fake_release,
        .emit_changes = fake_emit,
        .rearm = fake_rearm,
};

/* A commit that works: signals, commit, announcements, then the replies
 * naming their paths, the cluster module's wants and releases (after the
 * commit that records them), then the unit starts (after the commit), then
 * the manager's properties and the timer. */
static void test_committed(void) {
        Fake f = { .log = g_string_new(NULL) };

        g_assert_true(post_step_run(&fake_ops, &f));
        g_assert_cmpstr(f.log->str, ==, "dispatch flush commit announce replies cluster starts changed rearm");
        g_string_free(f.log, true);
}

/* A failed commit: the new jobs' calls refused (with the commit's error)
 * before the announcements, no held reply sent, nothing sent to etcd (the
 * wants and releases wait for a commit that works), a retry armed. */
static void test_commit_failed(void) {
        Fake f = { .log = g_string_new(NULL), .commit_fails = true };

        g_assert_false(post_step_run(&fake_ops, &f));
        g_assert_cmpstr(f.log->str, ==, "dispatch flush commit refuse announce starts changed rearm-retry");
        g_assert_true(f.refused_saw_cause);
        g_string_free(f.log, true);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/post-step/committed", test_committed);
        g_test_add_func("/post-step/commit-failed", test_commit_failed);
        return g_test_run();
}

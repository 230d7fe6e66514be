/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * [Alert NAME] and [Class] OnSuccess=/OnFailure= in the config model, and the
 * pure alert logic (src/core/alert-eval.c): raised and cleared by job events
 * and by time, deadlines, the stored state text.
 */
#include <string.h>

#include "alert-eval.h"
#include "sluice-config.h"
#include "errors.h"

#define S(sec) ((usec_t) (sec) * USEC_PER_SEC)
#define T0 S(1700000000)

static const char base[] =
        "[Class backup]\nKind=lease\n"
        "[Class gc]\nKind=command\nExecStart=/bin/true\n"
        "[Class mail]\nKind=command\nExecStart=/usr/bin/mail-it\n";

static SluiceConfig *load(const char *extra, GError **error) {
        g_autofree char *text = g_strconcat(base, extra, NULL);

        return sluice_config_new_from_data(text, "t.conf", error);
}

static void assert_invalid(const char *extra, const char *message) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = load(extra, &error);

        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, message);
}

static void test_config_valid(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = load("[Alert silence]\nClass=backup\nWithin=26h\nSeverity=critical\n"
                                           "Description=Nightly backups\nNotify=mail\n"
                                           "[Alert waits]\nClass=gc\nMaxWaitSec=10min\nOnFailure=yes\n", &error);
        const AlertConfig *a, *w;
        g_auto(GStrv) names = NULL;

        g_assert_no_error(error);
        names = sluice_config_alert_names(cfg);
        g_assert_cmpuint(g_strv_length(names), ==, 2);
        g_assert_cmpstr(names[0], ==, "silence");
        a = sluice_config_get_alert(cfg, "silence");
        g_assert_cmpstr(a->class_name, ==, "backup");
        g_assert_cmpuint(a->within_usec, ==, S(26 * 3600));
        g_assert_cmpint(a->severity, ==, ALERT_SEVERITY_CRITICAL);
        g_assert_cmpstr(a->description, ==, "Nightly backups");
        g_assert_cmpstr(a->notify_class, ==, "mail");
        g_assert_false(a->on_failure);
        w = sluice_config_get_alert(cfg, "waits");
        g_assert_true(w->on_failure);
        g_assert_cmpuint(w->max_wait_usec, ==, S(600));
        g_assert_cmpint(w->severity, ==, ALERT_SEVERITY_WARNING);
        g_assert_null(w->notify_class);
}

static void test_config_class_notify(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        const ClassConfig *c;

        cfg = sluice_config_new_from_data("[Class gc]\nKind=command\nExecStart=/bin/true\nOnSuccess=mail\nOnFailure=hook\n"
                                          "[Class mail]\nKind=command\nExecStart=/bin/mail\n"
                                          "[Class hook]\nKind=command\nExecStart=/bin/hook\n", "t.conf", &error);
        g_assert_no_error(error);
        c = sluice_config_get_class(cfg, "gc");
        g_assert_cmpstr(c->on_success, ==, "mail");
        g_assert_cmpstr(c->on_failure, ==, "hook");
        g_assert_null(sluice_config_get_class(cfg, "mail")->on_success);
}

static void test_config_errors(void) {
        assert_invalid("[Alert a]\nWithin=1h\n", "t.conf: [Alert a] Class: missing (an alert needs the class it watches)");
        assert_invalid("[Alert a]\nClass=nope\nWithin=1h\n", "t.conf: [Alert a] Class: \"nope\" is not a configured class");
        assert_invalid("[Alert a]\nClass=bad/name\n", "t.conf: [Alert a] Class: \"bad/name\" is not a valid class name ([A-Za-z0-9_.-]{1,64})");
        assert_invalid("[Alert a]\nClass=backup\n",
                       "t.conf: [Alert a] Within: missing (an alert needs Within=, OnFailure=yes or MaxWaitSec=)");
        assert_invalid("[Alert a]\nClass=backup\nWithin=soon\n", "t.conf: [Alert a] Within: \"soon\" is not a valid time span");
        assert_invalid("[Alert a]\nClass=backup\nMaxWaitSec=-1\n",
                       "t.conf: [Alert a] MaxWaitSec: \"-1\" is not a valid time span");
        assert_invalid("[Alert a]\nClass=backup\nOnFailure=maybe\n",
                       "t.conf: [Alert a] OnFailure: \"maybe\" is not a valid boolean (yes or no)");
        assert_invalid("[Alert a]\nClass=backup\nWithin=1h\nSeverity=high\n",
                       "t.conf: [Alert a] Severity: \"high\" is not a valid severity (info, warning or critical)");
        assert_invalid("[Alert a]\nClass=backup\nWithin=1h\nNotify=backup\n",
                       "t.conf: [Alert a] Notify: \"backup\" is not a notifier: a notifier class needs Kind=command");
        assert_invalid("[Alert a]\nClass=backup\nWithin=1h\nNotify=ghost\n",
                       "t.conf: [Alert a] Notify: \"ghost\" is not a configured class");
        assert_invalid("[Alert a]\nClass=backup\nWithin=1h\nColour=red\n", "t.conf: [Alert a] Colour: unknown key");
        assert_invalid("[Alert a b]\nClass=backup\n",
                       "t.conf: [Alert a b]: \"a b\" is not a valid alert name ([A-Za-z0-9_.-]{1,64})");

        /* Notifiers never chain: a notifier class notifies nobody itself. */
        assert_invalid("[Class x]\nKind=lease\nOnFailure=x2\n[Class x2]\nKind=command\nExecStart=/bin/a\nOnFailure=mail\n",
                       "t.conf: [Class x] OnFailure: \"x2\" is not a notifier: a notifier class must not set "
                       "OnSuccess= or OnFailure= itself");
        assert_invalid("[Class x]\nKind=command\nExecStart=/bin/a\nOnSuccess=x\n",
                       "t.conf: [Class x] OnSuccess: \"x\" is this class itself: a class cannot notify itself");
        assert_invalid("[Class x]\nKind=lease\nOnSuccess=backup\n",
                       "t.conf: [Class x] OnSuccess: \"backup\" is not a notifier: a notifier class needs Kind=command");
        assert_invalid("[Class x]\nKind=lease\nOnFailure=nobody\n",
                       "t.conf: [Class x] OnFailure: \"nobody\" is not a configured class");
}

static void test_severity_strings(void) {
        for (int s = 0; s < _ALERT_SEVERITY_MAX; s++)
                g_assert_cmpint(alert_severity_from_string(alert_severity_to_string((AlertSeverity) s)), ==, s);
        g_assert_cmpstr(alert_severity_to_string(ALERT_SEVERITY_CRITICAL), ==, "critical");
        g_assert_cmpint(alert_severity_from_string("Warning"), ==, -1);
        g_assert_cmpint(alert_severity_from_string(NULL), ==, -1);
        g_assert_null(alert_severity_to_string(_ALERT_SEVERITY_MAX));
}

static AlertConfig *alert(usec_t within, bool on_failure, usec_t max_wait) {
        AlertConfig *a = g_new0(AlertConfig, 1);

        a->name = g_strdup("a");
        a->class_name = g_strdup("backup");
        a->within_usec = within;
        a->on_failure = on_failure;
        a->max_wait_usec = max_wait;
        return a;
}

static void alert_free(AlertConfig *a) {
        g_free(a->name);
        g_free(a->class_name);
        g_free(a->description);
        g_free(a);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AlertConfig, alert_free)

static Job *finished(uint64_t id, JobResult result, usec_t at) {
        Job *j = g_new0(Job, 1);

        j->id = id;
        j->class_name = g_strdup("backup");
        j->state = JOB_STATE_DONE;
        j->result = result;
        j->submitted_at = at - S(10);
        j->finished_at = at;
        j->exit_status = -1;
        return j;
}

static void test_within(void) {
        g_autoptr(AlertConfig) cfg = alert(S(3600), false, 0);
        g_autoptr(AlertState) st = alert_state_new();
        g_autoptr(Job) ok = finished(7, JOB_RESULT_SUCCESS, T0 + S(5000));
        g_autoptr(Job) bad = finished(8, JOB_RESULT_FAILED, T0 + S(9000));
        g_autofree char *msg = NULL, *clear = NULL;

        /* Nothing known yet: no window, no deadline. */
        g_assert_cmpint(alert_state_tick(st, cfg, T0), ==, ALERT_CHANGE_NONE);
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, USEC_INFINITY);

        st->window_start = T0;
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, T0 + S(3600));
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(3599)), ==, ALERT_CHANGE_NONE);
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(3600)), ==, ALERT_CHANGE_RAISED);
        g_assert_cmpuint(st->raised_at, ==, T0 + S(3600));
        g_assert_cmpint(st->raised_by, ==, ALERT_COND_WITHIN);
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, USEC_INFINITY);
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(4000)), ==, ALERT_CHANGE_NONE);
        msg = alert_state_message(st, cfg);
        g_assert_cmpstr(msg, ==, "no job of class backup succeeded within 1h");

        /* A failure does not end a silence (OnFailure= is off) ... */
        g_assert_cmpint(alert_state_job_finished(st, cfg, bad, T0 + S(4500)), ==, ALERT_CHANGE_NONE);
        g_assert_cmpuint(st->active, ==, ALERT_COND_WITHIN);
        /* ... a success does, and starts the next window. */
        g_assert_cmpint(alert_state_job_finished(st, cfg, ok, T0 + S(5001)), ==, ALERT_CHANGE_CLEARED);
        g_assert_cmpuint(st->active, ==, 0);
        g_assert_cmpuint(st->raised_at, ==, 0);
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, T0 + S(5000) + S(3600));
        clear = alert_state_clear_message(st, cfg);
        g_assert_cmpstr(clear, ==, "cleared: job 7 of class backup succeeded");
}

static void test_on_failure(void) {
        g_autoptr(AlertConfig) cfg = alert(0, true, 0);
        g_autoptr(AlertState) st = alert_state_new();
        g_autoptr(Job) bad = finished(3, JOB_RESULT_TIMEOUT, T0 + S(10));
        g_autoptr(Job) bad2 = finished(4, JOB_RESULT_FAILED, T0 + S(20));
        g_autoptr(Job) cancelled = finished(5, JOB_RESULT_CANCELLED, T0 + S(30));
        g_autoptr(Job) ok = finished(6, JOB_RESULT_SUCCESS, T0 + S(40));
        g_autofree char *msg = NULL;

        g_assert_cmpint(alert_state_job_finished(st, cfg, bad, T0 + S(10)), ==, ALERT_CHANGE_RAISED);
        g_assert_cmpuint(st->raised_at, ==, T0 + S(10));
        msg = alert_state_message(st, cfg);
        g_assert_cmpstr(msg, ==, "job 3 of class backup ended timeout");
        /* Raised stays raised (the first failure's message); cancelled changes nothing. */
        g_assert_cmpint(alert_state_job_finished(st, cfg, bad2, T0 + S(20)), ==, ALERT_CHANGE_NONE);
        g_assert_cmpuint(st->job_id, ==, 3);
        g_assert_cmpint(alert_state_job_finished(st, cfg, cancelled, T0 + S(30)), ==, ALERT_CHANGE_NONE);
        g_assert_cmpuint(st->active, ==, ALERT_COND_FAILURE);
        g_assert_cmpint(alert_state_job_finished(st, cfg, ok, T0 + S(40)), ==, ALERT_CHANGE_CLEARED);
        /* Time alone never raises OnFailure=. */
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, USEC_INFINITY);
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(100000)), ==, ALERT_CHANGE_NONE);
}

static void test_max_wait(void) {
        g_autoptr(AlertConfig) cfg = alert(0, false, S(60));
        g_autoptr(AlertState) st = alert_state_new();
        g_autoptr(Job) j = finished(1, JOB_RESULT_SUCCESS, T0 + S(200));
        g_autofree char *msg = NULL, *clear = NULL;

        alert_state_job_waiting(st, 2, T0 + S(30));
        alert_state_job_waiting(st, 1, T0);
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, T0 + S(60));
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(59)), ==, ALERT_CHANGE_NONE);
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(61)), ==, ALERT_CHANGE_RAISED);
        g_assert_cmpuint(st->raised_at, ==, T0 + S(60));
        g_assert_cmpuint(st->job_id, ==, 1);
        msg = alert_state_message(st, cfg);
        g_assert_cmpstr(msg, ==, "job 1 of class backup has waited longer than 1min");

        /* Job 1 starts: job 2 still waits too long at +100 s. */
        alert_state_job_not_waiting(st, 1);
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(100)), ==, ALERT_CHANGE_NONE);
        /* Job 2 queued again later (a retry): its wait starts over. */
        alert_state_job_waiting(st, 2, T0 + S(100));
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(101)), ==, ALERT_CHANGE_CLEARED);
        clear = alert_state_clear_message(st, cfg);
        g_assert_cmpstr(clear, ==, "cleared: no job of class backup waits longer than 1min");
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, T0 + S(160));
        /* A job that ends leaves the queue too. */
        alert_state_job_waiting(st, 1, T0);
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(150)), ==, ALERT_CHANGE_RAISED);
        alert_state_job_not_waiting(st, 2);
        g_assert_cmpint(alert_state_job_finished(st, cfg, j, T0 + S(200)), ==, ALERT_CHANGE_CLEARED);
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, USEC_INFINITY);
}

/* Many queued jobs (a restored queue): each one in and out by id. */
static void test_max_wait_many(void) {
        g_autoptr(AlertConfig) cfg = alert(0, false, S(60));
        g_autoptr(AlertState) st = alert_state_new();
        const uint64_t n = 100000;

        for (uint64_t id = 1; id <= n; id++)
                alert_state_job_waiting(st, id, T0 + S(id));
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, T0 + S(1) + S(60));
        for (uint64_t id = 1; id < n; id++)
                alert_state_job_not_waiting(st, id);
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, T0 + S(n) + S(60));
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(n) + S(60)), ==, ALERT_CHANGE_RAISED);
        g_assert_cmpuint(st->job_id, ==, n);
        alert_state_clear_waiting(st);
        g_assert_cmpuint(alert_state_next_deadline(st, cfg), ==, USEC_INFINITY);
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(n) + S(61)), ==, ALERT_CHANGE_CLEARED);
}

static void test_description_and_combined(void) {
        g_autoptr(AlertConfig) cfg = alert(S(100), true, 0);
        g_autoptr(AlertState) st = alert_state_new();
        g_autoptr(Job) bad = finished(9, JOB_RESULT_LOST, T0 + S(10));
        g_autoptr(Job) ok = finished(10, JOB_RESULT_SUCCESS, T0 + S(500));
        g_autofree char *msg = NULL;

        cfg->description = g_strdup("Backups of host a");
        st->window_start = T0;
        g_assert_cmpint(alert_state_job_finished(st, cfg, bad, T0 + S(10)), ==, ALERT_CHANGE_RAISED);
        /* The window runs out while raised by the failure: still one raised alert. */
        g_assert_cmpint(alert_state_tick(st, cfg, T0 + S(200)), ==, ALERT_CHANGE_NONE);
        g_assert_cmpuint(st->active, ==, ALERT_COND_WITHIN | ALERT_COND_FAILURE);
        msg = alert_state_message(st, cfg);
        g_assert_cmpstr(msg, ==, "Backups of host a: job 9 of class backup ended lost");
        g_assert_cmpint(alert_state_job_finished(st, cfg, ok, T0 + S(500)), ==, ALERT_CHANGE_CLEARED);
}

static void test_text(void) {
        g_autoptr(AlertConfig) cfg = alert(S(100), true, S(5));
        g_autoptr(AlertState) st = alert_state_new(), back = alert_state_new();
        g_autoptr(Job) bad = finished(12, JOB_RESULT_FAILED, T0 + S(10));
        g_autofree char *cleared = alert_state_to_text(st), *text = NULL;

        g_assert_cmpstr(cleared, ==, "cleared");
        alert_state_job_waiting(st, 13, T0);
        g_assert_cmpint(alert_state_job_finished(st, cfg, bad, T0 + S(10)), ==, ALERT_CHANGE_RAISED);
        text = alert_state_to_text(st);
        g_assert_cmpstr(text, ==, "raised failure failure,wait 12 failed");

        g_assert_true(alert_state_from_text(back, text, T0 + S(10)));
        g_assert_cmpuint(back->active, ==, ALERT_COND_FAILURE | ALERT_COND_WAIT);
        g_assert_cmpuint(back->raised_at, ==, T0 + S(10));
        g_assert_cmpuint(back->job_id, ==, 12);
        g_assert_cmpint(back->job_result, ==, JOB_RESULT_FAILED);
        /* Restored, the wait condition is judged again: no job waits, the failure holds. */
        g_assert_cmpint(alert_state_tick(back, cfg, T0 + S(20)), ==, ALERT_CHANGE_NONE);
        g_assert_cmpuint(back->active, ==, ALERT_COND_FAILURE);

        g_assert_false(alert_state_from_text(back, "raised sometimes", 0));
        g_assert_false(alert_state_from_text(back, "raised failure bogus 1 failed", 0));
        g_assert_false(alert_state_from_text(back, "raised failure failure x failed", 0));
        g_assert_false(alert_state_from_text(back, "raised failure failure 1 nope", 0));
        g_assert_cmpuint(back->active, ==, ALERT_COND_FAILURE);
        g_assert_true(alert_state_from_text(back, "cleared", 0));
        g_assert_cmpuint(back->active, ==, 0);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/alert/config/valid", test_config_valid);
        g_test_add_func("/alert/config/class-notify", test_config_class_notify);
        g_test_add_func("/alert/config/errors", test_config_errors);
        g_test_add_func("/alert/severity", test_severity_strings);
        g_test_add_func("/alert/within", test_within);
        g_test_add_func("/alert/on-failure", test_on_failure);
        g_test_add_func("/alert/max-wait", test_max_wait);
        g_test_add_func("/alert/max-wait-many", test_max_wait_many);
        g_test_add_func("/alert/description-combined", test_description_and_combined);
        g_test_add_func("/alert/text", test_text);
        return g_test_run();
}

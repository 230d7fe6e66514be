/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alerts on the bus: the real sluiced raises and clears [Alert] sections
 * (Within=, OnFailure=, MaxWaitSec=) through the Alert signal (severity
 * "cleared" for a clear) and the Alerts property, which always agree; the
 * state survives a restart; invalid [Alert] keys are refused naming file,
 * section, key and value; OnFailure= of a class queues its notifier job.
 *
 * Windows are short (1-2 s) but nothing here measures time: each step waits
 * for the signal with the harness's generous deadline.
 */
#include <signal.h>
#include <string.h>

#include "bus-harness.h"

static const char classes[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class work]\n"
        "Kind=lease\n"
        "MaxRunning=1\n"
        "\n"
        "[Class notify]\n"
        "Kind=command\n"
        "ExecStart=/bin/true\n"
        "\n"
        "[Class notify-barrier]\n"
        "Kind=lease\n";

typedef struct AlertSignal {
        const char *name;
        const char *severity;   /* "cleared" for a clear */
        guint n;                /* the n-th such signal (1-based) */
} AlertSignal;

static guint count_alert_signals(BusHarness *h, const char *name, const char *severity) {
        g_autoptr(GPtrArray) sigs = bus_signals_find(h, "Alert", SLUICE_MANAGER_PATH);
        guint n = 0;

        for (guint i = 0; i < sigs->len; i++) {
                BusSignal *s = sigs->pdata[i];
                const char *nm, *sev, *msg;

                g_variant_get(s->parameters, "(&s&s&s)", &nm, &sev, &msg);
                if (strcmp(nm, name) == 0 && strcmp(sev, severity) == 0)
                        n++;
        }
        return n;
}

static gboolean has_alert_signal(BusHarness *h, gconstpointer data) {
        const AlertSignal *a = data;

        return count_alert_signals(h, a->name, a->severity) >= a->n;
}

static void wait_alert(BusHarness *h, const char *name, const char *severity, guint n) {
        AlertSignal a = { name, severity, n };
        g_autofree char *what = g_strdup_printf("Alert signal #%u (%s, %s)", n, name, severity);

        bus_harness_wait_for(h, has_alert_signal, &a, what);
}

/* The message of the last Alert signal of @name. */
static char *last_alert_message(BusHarness *h, const char *name) {
        g_autoptr(GPtrArray) sigs = bus_signals_find(h, "Alert", SLUICE_MANAGER_PATH);
        char *last = NULL;

        for (guint i = 0; i < sigs->len; i++) {
                BusSignal *s = sigs->pdata[i];
                const char *nm, *sev, *msg;

                g_variant_get(s->parameters, "(&s&s&s)", &nm, &sev, &msg);
                if (strcmp(nm, name) == 0) {
                        g_free(last);
                        last = g_strdup(msg);
                }
        }
        return last;
}

/* The Alerts property as "name|severity|message" lines; *ret_since: the raised-at of the first. */
static char *alerts_property(BusHarness *h, guint64 *ret_since) {
        g_autoptr(GVariant) v = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Alerts");
        GString *s = g_string_new(NULL);
        GVariantIter it;
        const char *name, *sev, *msg;
        guint64 since;
        gboolean first = TRUE;

        g_assert_true(g_variant_is_of_type(v, G_VARIANT_TYPE("a(ssst)")));
        g_variant_iter_init(&it, v);
        while (g_variant_iter_next(&it, "(&s&s&st)", &name, &sev, &msg, &since)) {
                g_assert_cmpuint(since, >, 0);
                if (first && ret_since)
                        *ret_since = since;
                first = FALSE;
                g_string_append_printf(s, "%s|%s|%s\n", name, sev, msg);
        }
        return g_string_free(s, FALSE);
}

/* PropertiesChanged of the manager that names Alerts. */
static guint count_alerts_changed(BusHarness *h) {
        g_autoptr(GPtrArray) sigs = bus_signals_find(h, "PropertiesChanged", SLUICE_MANAGER_PATH);
        guint n = 0;

        for (guint i = 0; i < sigs->len; i++) {
                BusSignal *s = sigs->pdata[i];
                g_autoptr(GVariant) changed = NULL;
                g_autofree const char **invalidated = NULL;

                changed = g_variant_get_child_value(s->parameters, 1);
                g_variant_get_child(s->parameters, 2, "^a&s", &invalidated);
                if (g_variant_lookup_value(changed, "Alerts", NULL) ||
                    (invalidated && g_strv_contains(invalidated, "Alerts")))
                        n++;
        }
        return n;
}

static gboolean alerts_changed_at_least(BusHarness *h, gconstpointer data) {
        return count_alerts_changed(h) >= GPOINTER_TO_UINT(data);
}

static void lease_with_result(BusHarness *h, const char *result) {
        g_autofree char *job = bus_acquire(h, NULL, "work", NULL);

        bus_release(h, NULL, job, result);
        bus_wait_job_state(h, job, "done");
}

/* A Submit() is answered after a commit of everything that changed before
 * it, alert states included: after it, a crash loses none of them. */
static void store_barrier(BusHarness *h) {
        g_autofree char *job = bus_submit(h, NULL, "notify-barrier", NULL);
}

static void test_within(void) {
        g_autofree char *config = g_strconcat(classes,
                                              "[Alert silence]\nClass=work\nWithin=2s\nSeverity=critical\n"
                                              "Description=Nightly work\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autofree char *prop = NULL, *msg = NULL, *cleared = NULL;

        /* Nothing succeeded since sluiced began watching: raised when the 2 s run out. */
        wait_alert(h, "silence", "critical", 1);
        msg = last_alert_message(h, "silence");
        g_assert_cmpstr(msg, ==, "Nightly work: no job of class work succeeded within 2s");
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, "silence|critical|Nightly work: no job of class work succeeded within 2s\n");
        bus_harness_wait_for(h, alerts_changed_at_least, GUINT_TO_POINTER(1), "PropertiesChanged(Alerts)");

        /* A success clears it: the signal says "cleared", the property is empty. */
        lease_with_result(h, "success");
        wait_alert(h, "silence", "cleared", 1);
        cleared = last_alert_message(h, "silence");
        g_assert_true(g_str_has_prefix(cleared, "Nightly work: cleared: job "));
        g_assert_true(g_str_has_suffix(cleared, " of class work succeeded"));
        g_free(prop);
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, "");
        bus_harness_wait_for(h, alerts_changed_at_least, GUINT_TO_POINTER(2), "PropertiesChanged(Alerts) again");

        /* The window starts over at the success: raised again 2 s later. */
        wait_alert(h, "silence", "critical", 2);
}

static void test_on_failure(void) {
        g_autofree char *config = g_strconcat(classes, "[Alert failing]\nClass=work\nOnFailure=yes\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autofree char *job = NULL, *prop = NULL, *expected = NULL;

        job = bus_acquire(h, NULL, "work", NULL);
        bus_release(h, NULL, job, "failed");
        wait_alert(h, "failing", "warning", 1);
        expected = g_strdup_printf("failing|warning|job %" G_GUINT64_FORMAT " of class work ended failed\n",
                                   bus_job_id(job));
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, expected);

        /* Another failure raises nothing new. */
        lease_with_result(h, "failed");
        g_free(prop);
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, expected);

        lease_with_result(h, "success");
        wait_alert(h, "failing", "cleared", 1);
        g_free(prop);
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, "");
        g_assert_cmpuint(count_alert_signals(h, "failing", "warning"), ==, 1);
}

static void test_max_wait(void) {
        g_autofree char *config = g_strconcat(classes, "[Alert slow]\nClass=work\nMaxWaitSec=1s\nSeverity=info\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autofree char *holder = NULL, *waiter = NULL, *prop = NULL, *msg = NULL, *expected = NULL;

        /* MaxRunning=1: the second job waits behind the first. */
        holder = bus_acquire(h, NULL, "work", NULL);
        waiter = bus_submit(h, NULL, "work", NULL);
        wait_alert(h, "slow", "info", 1);
        expected = g_strdup_printf("job %" G_GUINT64_FORMAT " of class work has waited longer than 1s",
                                   bus_job_id(waiter));
        msg = last_alert_message(h, "slow");
        g_assert_cmpstr(msg, ==, expected);
        prop = alerts_property(h, NULL);
        g_assert_true(g_str_has_prefix(prop, "slow|info|job "));

        /* The slot frees, the waiter runs: none waits any more. */
        bus_release(h, NULL, holder, "success");
        bus_wait_job_state(h, waiter, "running");
        wait_alert(h, "slow", "cleared", 1);
        g_free(msg);
        msg = last_alert_message(h, "slow");
        g_assert_cmpstr(msg, ==, "cleared: no job of class work waits longer than 1s");
        g_free(prop);
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, "");
        bus_release(h, NULL, waiter, "success");
}

static void test_restart(gconstpointer data) {
        int sig = GPOINTER_TO_INT(data);
        g_autofree char *config = g_strconcat(classes, "[Alert failing]\nClass=work\nOnFailure=yes\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autofree char *before = NULL, *after = NULL;
        guint64 since_before = 0, since_after = 0;

        lease_with_result(h, "failed");
        wait_alert(h, "failing", "warning", 1);
        before = alerts_property(h, &since_before);
        store_barrier(h);

        bus_harness_kill_daemon(h, sig);
        bus_harness_start_daemon(h);

        /* Still raised, same message and time, and not announced a second time. */
        after = alerts_property(h, &since_after);
        g_assert_cmpstr(after, ==, before);
        g_assert_cmpuint(since_after, ==, since_before);
        g_assert_cmpuint(count_alert_signals(h, "failing", "warning"), ==, 1);

        /* And still cleared by the next success. */
        lease_with_result(h, "success");
        wait_alert(h, "failing", "cleared", 1);
        g_free(after);
        after = alerts_property(h, NULL);
        g_assert_cmpstr(after, ==, "");
}

static void test_restart_window(void) {
        g_autofree char *config = g_strconcat(classes, "[Alert silence]\nClass=work\nWithin=1s\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autofree char *prop = NULL;

        /* Raised, then sluiced crashes: after the restart it is still raised
         * (the window is stored, not started over) without a second signal. */
        wait_alert(h, "silence", "warning", 1);
        store_barrier(h);
        bus_harness_kill_daemon(h, SIGKILL);
        bus_harness_start_daemon(h);
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, "silence|warning|no job of class work succeeded within 1s\n");
        g_assert_cmpuint(count_alert_signals(h, "silence", "warning"), ==, 1);
}

static gboolean alerts_raised(BusHarness *h, gconstpointer data) {
        g_autofree char *prop = alerts_property(h, NULL);

        return prop[0] != '\0';
}

/* An alert removed by Reload and back after a restart: its window starts at
 * the class's last success (which it did not see), not where it stopped. */
static void test_removed_window(void) {
        g_autofree char *config = g_strconcat(classes, "[Alert silence]\nClass=work\nWithin=1s\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        guint64 since = 0;
        gint64 before_success;

        store_barrier(h);
        bus_harness_write_config(h, classes);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        g_assert_no_error(error);

        before_success = g_get_real_time();
        lease_with_result(h, "success");
        store_barrier(h);

        bus_harness_write_config(h, config);
        bus_harness_kill_daemon(h, SIGTERM);
        bus_harness_start_daemon(h);
        bus_harness_wait_for(h, alerts_raised, NULL, "the silence alert raised again");
        g_free(alerts_property(h, &since));
        g_assert_cmpuint(since, >=, (guint64) before_success + G_USEC_PER_SEC);
}

static void test_invalid_keys(void) {
        g_autoptr(BusHarness) h = bus_harness_new(classes);
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_auto(GVariantDict) settings = G_VARIANT_DICT_INIT(NULL);
        g_autofree char *bad = NULL;

        g_variant_dict_insert(&settings, "Class", "s", "nope");
        g_variant_dict_insert(&settings, "Within", "s", "1h");
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                     g_variant_new("(s@a{sv}b)", "Alert a", g_variant_dict_end(&settings), FALSE), &error);
        bus_assert_error(error, "org.sluice.Error.InvalidConfig", "[Alert a] Class: \"nope\" is not a configured class",
                         NULL);
        g_clear_error(&error);

        bad = g_strconcat(classes, "[Alert b]\nClass=work\nWithin=1h\nSeverity=loud\n", NULL);
        bus_harness_write_config(h, bad);
        g_clear_pointer(&r, g_variant_unref);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        bus_assert_error(error, "org.sluice.Error.InvalidConfig", h->config_path,
                         "[Alert b] Severity: \"loud\" is not a valid severity (info, warning or critical)", NULL);
        g_clear_error(&error);

        g_free(bad);
        bad = g_strconcat(classes, "[Alert c]\nClass=work\nWithin=1h\nNotify=work\n", NULL);
        bus_harness_write_config(h, bad);
        g_clear_pointer(&r, g_variant_unref);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        bus_assert_error(error, "org.sluice.Error.InvalidConfig", h->config_path,
                         "[Alert c] Notify: \"work\" is not a notifier: a notifier class needs Kind=command", NULL);
        g_clear_error(&error);

        /* Nothing changed: no alert came into force. */
        g_autofree char *prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, "");
}

static void test_reload(void) {
        g_autofree char *config = g_strconcat(classes, "[Alert failing]\nClass=work\nOnFailure=yes\n", NULL);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_auto(GVariantDict) settings = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autofree char *msg = NULL, *prop = NULL;

        lease_with_result(h, "failed");
        wait_alert(h, "failing", "warning", 1);

        /* The alert leaves the configuration while raised: announced cleared. */
        bus_harness_write_config(h, classes);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
        g_assert_no_error(error);
        wait_alert(h, "failing", "cleared", 1);
        msg = last_alert_message(h, "failing");
        g_assert_cmpstr(msg, ==, "cleared: alert failing is no longer configured as it was");
        prop = alerts_property(h, NULL);
        g_assert_cmpstr(prop, ==, "");

        /* One added at run time watches from then on. */
        g_variant_dict_insert(&settings, "Class", "s", "work");
        g_variant_dict_insert(&settings, "OnFailure", "s", "yes");
        g_variant_dict_insert(&settings, "Severity", "s", "critical");
        g_clear_pointer(&r, g_variant_unref);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                     g_variant_new("(s@a{sv}b)", "Alert late", g_variant_dict_end(&settings), FALSE), &error);
        g_assert_no_error(error);
        lease_with_result(h, "failed");
        wait_alert(h, "late", "critical", 1);
        g_free(prop);
        prop = alerts_property(h, NULL);
        g_assert_true(g_str_has_prefix(prop, "late|critical|job "));
}

static gboolean has_job_of_class(BusHarness *h, gconstpointer data) {
        g_autoptr(GPtrArray) news = bus_signals_find(h, "JobNew", SLUICE_MANAGER_PATH);

        for (guint i = 0; i < news->len; i++) {
                BusSignal *s = news->pdata[i];
                const char *path, *cls;
                guint64 id;

                g_variant_get(s->parameters, "(t&o&s)", &id, &path, &cls);
                if (strcmp(cls, data) == 0)
                        return TRUE;
        }
        return FALSE;
}

static char *first_job_of_class(BusHarness *h, const char *cls) {
        g_autoptr(GPtrArray) news = bus_signals_find(h, "JobNew", SLUICE_MANAGER_PATH);

        for (guint i = 0; i < news->len; i++) {
                BusSignal *s = news->pdata[i];
                const char *path, *c;
                guint64 id;

                g_variant_get(s->parameters, "(t&o&s)", &id, &path, &c);
                if (strcmp(c, cls) == 0)
                        return g_strdup(path);
        }
        return NULL;
}

static guint count_class_news(BusHarness *h, const char *cls) {
        g_autoptr(GPtrArray) news = bus_signals_find(h, "JobNew", SLUICE_MANAGER_PATH);
        guint n = 0;

        for (guint i = 0; i < news->len; i++) {
                const char *path, *c;
                guint64 id;

                g_variant_get(((BusSignal *) news->pdata[i])->parameters, "(t&o&s)", &id, &path, &c);
                n += strcmp(c, cls) == 0;
        }
        return n;
}

static gboolean two_notifier_jobs(BusHarness *h, gconstpointer data) {
        return count_class_news(h, "notify") >= 2;
}

static void test_class_notifier(void) {
        g_autoptr(BusHarness) h = bus_harness_new("[Scheduler]\nMaxRunning=0\n"
                                                  "[Class work]\nKind=lease\nOnFailure=notify\nOnSuccess=notify\n"
                                                  "[Class notify]\nKind=command\nExecStart=/bin/true\n");
        g_autofree char *job = bus_acquire(h, NULL, "work", NULL);
        g_autofree char *notifier = NULL, *desc = NULL, *expected = NULL, *owner_job = NULL;
        g_autoptr(GVariant) owner = NULL;

        bus_release(h, NULL, job, "failed");
        bus_harness_wait_for(h, has_job_of_class, "notify", "a job of the notifier class");
        notifier = first_job_of_class(h, "notify");
        desc = bus_job_get_string(h, notifier, "Description");
        expected = g_strdup_printf("on-failure notifier of job %" G_GUINT64_FORMAT " (work, failed)", bus_job_id(job));
        g_assert_cmpstr(desc, ==, expected);
        owner = bus_get_property(h, notifier, SLUICE_JOB_IFACE, "Owner");
        g_assert_cmpuint(g_variant_get_uint32(owner), ==, 0);

        /* No systemd on this bus: the notifier itself ends failed, and that
         * starts nothing more (a notifier's end never notifies). */
        bus_wait_job_state(h, notifier, "done");
        bus_harness_flush();
        g_assert_cmpuint(count_class_news(h, "notify"), ==, 1);
        /* A cancelled job notifies nobody. */
        owner_job = bus_submit(h, NULL, "work", NULL);
        {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) r = bus_call(h, NULL, owner_job, SLUICE_JOB_IFACE, "Cancel", NULL, &error);

                g_assert_no_error(error);
        }
        bus_wait_job_state(h, owner_job, "done");
        lease_with_result(h, "success");
        /* The success's notifier comes; the cancelled job's never did. */
        bus_harness_wait_for(h, two_notifier_jobs, NULL, "the OnSuccess= notifier job");
        g_assert_cmpuint(count_class_news(h, "notify"), ==, 2);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/alerts/within", test_within);
        g_test_add_func("/alerts/on-failure", test_on_failure);
        g_test_add_func("/alerts/max-wait", test_max_wait);
        g_test_add_data_func("/alerts/restart/sigkill", GINT_TO_POINTER(SIGKILL), test_restart);
        g_test_add_data_func("/alerts/restart/sigterm", GINT_TO_POINTER(SIGTERM), test_restart);
        g_test_add_func("/alerts/restart-window", test_restart_window);
        g_test_add_func("/alerts/removed-window", test_removed_window);
        g_test_add_func("/alerts/invalid-keys", test_invalid_keys);
        g_test_add_func("/alerts/reload", test_reload);
        g_test_add_func("/alerts/class-notifier", test_class_notifier);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a frontend reads (issue 11, docs/dbus-api.md): ClassDetails, Limits,
 * MaxRunningPerUser, MaxQueuedPerUser and their PropertiesChanged, and
 * GetPermissions() and GetPermissionsFor().
 *
 * The real sluiced on a private bus (bus-harness.c) for the properties: each
 * one's content after a config with classes, resources and parameters; the
 * counts moving with Acquire/Submit/Release/Cancel; PropertiesChanged
 * carrying the new values on a change, on Pause/Resume, on Reload and
 * UpdateConfig, and when per-class counts move while the totals stay.
 * GetPermissions() as root (the harness's uid: "yes" without asking), and
 * through the mocked polkitd of polkit-mock.c (--no-root-bypass) for its
 * three answers, with and without polkit on the bus.  GetPermissionsFor()
 * against a mocked rule that grants org.sluice.submit for class backup only
 * (each check carrying the class, configure's none), its input errors
 * (refused before polkit is asked), and as root.
 *
 * Nothing waits on time: a Ping after a call is the sync point (sluiced
 * emits the coalesced PropertiesChanged before it reads the next call).
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "polkit-mock.h"

static const char config[] =
        "[Scheduler]\n"
        "Discipline=fifo\n"
        "MaxRunning=3\n"
        "MaxRunningPerUser=2\n"
        "MaxQueuedPerUser=50\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class backup]\n"
        "Kind=lease\n"
        "Description=Backup of one datastore\n"
        "Priority=5\n"
        "MaxRunning=2\n"
        "MaxQueuedPerUser=7\n"
        "Parameter.store=[a-z]+\n"
        "Parameter.mode=full|incr\n"
        "Resources=datastore:%{store} link:wan\n"
        "\n"
        "[Class gc]\n"
        "Kind=command\n"
        "ExecStart=/bin/true\n"
        "\n"
        "[Resource datastore:alpha]\n"
        "MaxRunning=1\n"
        "\n"
        "[Resource datastore:*]\n"
        "MaxRunning=3\n"
        "\n"
        "[Resource link:wan]\n"
        "MaxRunning=5\n";

static GVariant *manager_property(BusHarness *h, const char *name) {
        return bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, name);
}

/* Limits as text, "scope name running queued max" per row, ";"-joined. */
static char *limits_text(GVariant *limits) {
        GString *s = g_string_new(NULL);
        GVariantIter it;
        const char *scope, *name;
        guint32 running, queued, max;

        g_assert_cmpstr(g_variant_get_type_string(limits), ==, "a(ssuuu)");
        g_variant_iter_init(&it, limits);
        while (g_variant_iter_next(&it, "(&s&suuu)", &scope, &name, &running, &queued, &max))
                g_string_append_printf(s, "%s%s %s %u %u %u", s->len ? ";" : "", scope, name, running, queued,
                                       max);
        return g_string_free(s, FALSE);
}

static char *read_limits(BusHarness *h) {
        g_autoptr(GVariant) v = manager_property(h, "Limits");

        return limits_text(v);
}

/* "user UID" row text for this process's uid (the owner of every job here). */
static char *user_row(guint32 running, guint32 queued, guint32 max) {
        return g_strdup_printf("user %u %u %u %u", (unsigned) getuid(), running, queued, max);
}

/* One key of one class in ClassDetails. */
static GVariant *class_detail(GVariant *details, const char *klass, const char *key) {
        g_autoptr(GVariant) dict = g_variant_lookup_value(details, klass, G_VARIANT_TYPE("a{sv}"));

        g_assert_nonnull(dict);
        return g_variant_lookup_value(dict, key, NULL);
}

static guint32 class_u(GVariant *details, const char *klass, const char *key) {
        g_autoptr(GVariant) v = class_detail(details, klass, key);

        g_assert_nonnull(v);
        return g_variant_get_uint32(v);
}

static gboolean class_paused(GVariant *details, const char *klass) {
        g_autoptr(GVariant) v = class_detail(details, klass, "Paused");

        g_assert_nonnull(v);
        return g_variant_get_boolean(v);
}

static char *printed(GVariant *v) {
        g_assert_nonnull(v);
        return g_variant_print(v, FALSE);
}

/* Every key of a class, printed, against the configuration above. */
static void test_properties(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GVariant) details = manager_property(h, "ClassDetails");
        g_autoptr(GVariant) backup = g_variant_lookup_value(details, "backup", G_VARIANT_TYPE("a{sv}"));
        g_autoptr(GVariant) gc = g_variant_lookup_value(details, "gc", G_VARIANT_TYPE("a{sv}"));
        g_autofree char *limits = read_limits(h);
        static const struct {
                const char *klass, *key, *value;
        } want[] = {
                { "backup", "Kind", "'lease'" },
                { "backup", "Description", "'Backup of one datastore'" },
                { "backup", "Priority", "5" },
                { "backup", "MaxRunning", "uint32 2" },
                { "backup", "MaxQueuedPerUser", "uint32 7" },
                { "backup", "Resources", "['datastore:%{store}', 'link:wan']" },
                { "backup", "Parameters", "[('store', '[a-z]+'), ('mode', 'full|incr')]" },
                { "backup", "Running", "uint32 0" },
                { "backup", "Queued", "uint32 0" },
                { "backup", "Paused", "false" },
                { "gc", "Kind", "'command'" },
                { "gc", "Description", "''" },
                { "gc", "Priority", "0" },
                { "gc", "MaxRunning", "uint32 0" },
                { "gc", "MaxQueuedPerUser", "uint32 50" },     /* [Scheduler]'s: gc sets none */
                { "gc", "Resources", "@as []" },
                { "gc", "Parameters", "@a(ss) []" },
                { "gc", "Running", "uint32 0" },
                { "gc", "Queued", "uint32 0" },
                { "gc", "Paused", "false" },
        };

        g_assert_cmpuint(g_variant_n_children(details), ==, 2);
        g_assert_nonnull(backup);
        g_assert_nonnull(gc);
        g_assert_cmpuint(g_variant_n_children(backup), ==, 10);
        g_assert_cmpuint(g_variant_n_children(gc), ==, 10);
        for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
                g_autoptr(GVariant) v = class_detail(details, want[i].klass, want[i].key);
                g_autofree char *text = NULL;

                if (!v)
                        g_error("ClassDetails[%s] has no %s", want[i].klass, want[i].key);
                text = g_variant_print(v, TRUE);
                if (!g_str_equal(text, want[i].value))
                        g_error("ClassDetails[%s][%s] is %s, expected %s", want[i].klass, want[i].key, text,
                                want[i].value);
        }

        /* Every configured limit, no user row (no jobs), the "KEY:*" template with its own limit. */
        g_assert_cmpstr(limits, ==,
                        "global  0 0 3;"
                        "class backup 0 0 2;class gc 0 0 0;"
                        "resource datastore:* 0 0 3;resource datastore:alpha 0 0 1;resource link:wan 0 0 5");
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunningPerUser"), ==, 2);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxQueuedPerUser"), ==, 50);
}

static GVariant *store_options(const char *store) {
        GVariantBuilder params;

        g_variant_builder_init(&params, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&params, "{ss}", "store", store);
        g_variant_builder_add(&params, "{ss}", "mode", "full");
        return g_variant_new_parsed("{'parameters': <%@a{ss}>}", g_variant_builder_end(&params));
}

static gboolean queued_is(BusHarness *h, gconstpointer n) {
        return bus_manager_get_u(h, "QueuedJobs") == GPOINTER_TO_UINT(n);
}

static void cancel(BusHarness *h, const char *path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                     g_variant_new("(t)", bus_job_id(path)), &error);
        g_assert_no_error(error);
}

/* The counts move with every job: per class, per resource instance (an
 * instance appears while a job needs it), per uid, global. */
static void test_counts(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GDBusConnection) holder = bus_harness_connect(h);
        g_autoptr(BusPending) b = NULL;
        g_autoptr(GVariant) details = NULL;
        g_autofree char *a = NULL, *c = NULL, *d = NULL, *limits = NULL, *want = NULL, *user = NULL;
        const char *b_path;

        /* a: alpha (full at 1), b: waits for alpha, c: beta (backup full at 2), d: not before an hour. */
        a = bus_acquire(h, holder, "backup", store_options("alpha"));
        b = bus_call_async(h, holder, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                           g_variant_new("(s@a{sv})", "backup", store_options("alpha")));
        bus_harness_wait_for(h, queued_is, GUINT_TO_POINTER(1), "the second alpha lease to be queued");
        c = bus_acquire(h, holder, "backup", store_options("beta"));
        {
                GVariantBuilder params;
                g_autoptr(GVariant) opts = NULL;

                g_variant_builder_init(&params, G_VARIANT_TYPE("a{ss}"));
                g_variant_builder_add(&params, "{ss}", "store", "gamma");
                g_variant_builder_add(&params, "{ss}", "mode", "incr");
                opts = g_variant_ref_sink(g_variant_new_parsed(
                        "{'parameters': <%@a{ss}>, 'not-before': <%t>}", g_variant_builder_end(&params),
                        (guint64) g_get_real_time() + (guint64) 3600 * G_USEC_PER_SEC));
                d = bus_submit(h, NULL, "backup", opts);    /* takes a reference of its own */
        }
        g_assert_false(b->done);

        limits = read_limits(h);
        user = user_row(2, 2, 2);
        want = g_strconcat("global  2 2 3;class backup 2 2 2;class gc 0 0 0;"
                           "resource datastore:* 0 0 3;resource datastore:alpha 1 1 1;"
                           "resource datastore:beta 1 0 3;resource datastore:gamma 0 1 3;"
                           "resource link:wan 2 2 5;", user, NULL);
        g_assert_cmpstr(limits, ==, want);
        details = manager_property(h, "ClassDetails");
        g_assert_cmpuint(class_u(details, "backup", "Running"), ==, 2);
        g_assert_cmpuint(class_u(details, "backup", "Queued"), ==, 2);
        g_assert_cmpuint(class_u(details, "gc", "Running"), ==, 0);

        /* a released: b gets alpha. */
        bus_release(h, holder, a, "success");
        bus_harness_wait_pending(h, b, "the second alpha lease to be granted");
        g_assert_no_error(b->error);
        g_variant_get(b->reply, "(&o)", &b_path);
        g_clear_pointer(&limits, g_free);
        g_clear_pointer(&want, g_free);
        g_clear_pointer(&user, g_free);
        limits = read_limits(h);
        user = user_row(2, 1, 2);
        want = g_strconcat("global  2 1 3;class backup 2 1 2;class gc 0 0 0;"
                           "resource datastore:* 0 0 3;resource datastore:alpha 1 0 1;"
                           "resource datastore:beta 1 0 3;resource datastore:gamma 0 1 3;"
                           "resource link:wan 2 1 5;", user, NULL);
        g_assert_cmpstr(limits, ==, want);

        /* Everything gone: the instances in use and the user row leave, the configured rows stay. */
        bus_release(h, holder, b_path, "success");
        bus_release(h, holder, c, "failed");
        cancel(h, d);
        g_clear_pointer(&limits, g_free);
        limits = read_limits(h);
        g_assert_cmpstr(limits, ==,
                        "global  0 0 3;class backup 0 0 2;class gc 0 0 0;"
                        "resource datastore:* 0 0 3;resource datastore:alpha 0 0 1;resource link:wan 0 0 5");
        g_clear_pointer(&details, g_variant_unref);
        details = manager_property(h, "ClassDetails");
        g_assert_cmpuint(class_u(details, "backup", "Running"), ==, 0);
        g_assert_cmpuint(class_u(details, "backup", "Queued"), ==, 0);
}

/* The value of @property in the last manager PropertiesChanged that carried it
 * (NULL if none did), and how many carried it. */
static GVariant *last_changed(BusHarness *h, const char *property, guint *ret_n) {
        g_autoptr(GPtrArray) values =
                bus_signals_changed_values(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, property);

        if (ret_n)
                *ret_n = values->len;
        return values->len ? g_variant_ref(g_ptr_array_index(values, values->len - 1)) : NULL;
}

/* The last signalled value equals what a Get returns now. */
static void assert_signalled_current(BusHarness *h, const char *property) {
        g_autoptr(GVariant) now = manager_property(h, property);
        g_autoptr(GVariant) sig = last_changed(h, property, NULL);
        g_autofree char *a = NULL, *b = NULL;

        if (!sig)
                g_error("no PropertiesChanged carried %s", property);
        a = printed(sig);
        b = printed(now);
        if (!g_str_equal(a, b))
                g_error("PropertiesChanged said %s = %s, the property is %s", property, a, b);
}

static void call_ok(BusHarness *h, const char *method, GVariant *params) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method, params, &error);
        g_assert_no_error(error);
}

static void test_signals(void) {
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GDBusConnection) holder = bus_harness_connect(h);
        g_autoptr(GVariant) details = NULL, sig = NULL;
        g_autofree char *a = NULL, *limits = NULL;
        guint n_details = 0, n_limits = 0, n;

        /* A job moves: both carry the new counts. */
        a = bus_acquire(h, holder, "backup", store_options("alpha"));
        bus_harness_sync(h, NULL);
        assert_signalled_current(h, "ClassDetails");
        assert_signalled_current(h, "Limits");
        sig = last_changed(h, "Limits", NULL);
        limits = limits_text(sig);
        g_assert_nonnull(strstr(limits, "class backup 1 0 2;"));
        g_assert_nonnull(strstr(limits, "resource datastore:alpha 1 0 1;"));
        g_clear_pointer(&sig, g_variant_unref);

        /* Pause of a class: its Paused turns true, the other's stays false. */
        g_clear_pointer(&sig, g_variant_unref);
        sig = last_changed(h, "ClassDetails", &n_details);
        g_clear_pointer(&sig, g_variant_unref);
        sig = last_changed(h, "Limits", &n_limits);
        g_clear_pointer(&sig, g_variant_unref);
        call_ok(h, "Pause", g_variant_new("(s)", "class:backup"));
        bus_harness_sync(h, NULL);
        details = last_changed(h, "ClassDetails", &n);
        g_assert_cmpuint(n, ==, n_details + 1);
        g_assert_true(class_paused(details, "backup"));
        g_assert_false(class_paused(details, "gc"));
        g_clear_pointer(&sig, g_variant_unref);
        sig = last_changed(h, "Limits", &n);
        g_assert_cmpuint(n, ==, n_limits + 1);
        assert_signalled_current(h, "ClassDetails");

        /* The global pause pauses every class. */
        call_ok(h, "Pause", g_variant_new("(s)", ""));
        bus_harness_sync(h, NULL);
        g_clear_pointer(&details, g_variant_unref);
        details = last_changed(h, "ClassDetails", NULL);
        g_assert_true(class_paused(details, "backup"));
        g_assert_true(class_paused(details, "gc"));
        call_ok(h, "Resume", g_variant_new("(s)", ""));
        call_ok(h, "Resume", g_variant_new("(s)", "class:backup"));
        bus_harness_sync(h, NULL);
        g_clear_pointer(&details, g_variant_unref);
        details = last_changed(h, "ClassDetails", NULL);
        g_assert_false(class_paused(details, "backup"));
        g_assert_false(class_paused(details, "gc"));

        /* UpdateConfig: the per-user limits and the class's quota follow. */
        call_ok(h, "UpdateConfig", g_variant_new_parsed("('Scheduler', {'MaxQueuedPerUser': <'40'>,"
                                                        " 'MaxRunningPerUser': <'4'>}, false)"));
        bus_harness_sync(h, NULL);
        g_clear_pointer(&sig, g_variant_unref);
        sig = last_changed(h, "MaxQueuedPerUser", NULL);
        g_assert_nonnull(sig);
        g_assert_cmpuint(g_variant_get_uint32(sig), ==, 40);
        g_clear_pointer(&sig, g_variant_unref);
        sig = last_changed(h, "MaxRunningPerUser", NULL);
        g_assert_nonnull(sig);
        g_assert_cmpuint(g_variant_get_uint32(sig), ==, 4);
        g_clear_pointer(&details, g_variant_unref);
        details = last_changed(h, "ClassDetails", NULL);
        g_assert_cmpuint(class_u(details, "gc", "MaxQueuedPerUser"), ==, 40);
        assert_signalled_current(h, "Limits");

        /* Reload: a new resource limit and a class's new MaxRunning. */
        bus_harness_write_config(h, "[Scheduler]\nMaxRunning=3\n"
                                    "[Class backup]\nKind=lease\nMaxRunning=9\n"
                                    "Parameter.store=[a-z]+\nResources=datastore:%{store}\n"
                                    "[Class gc]\nKind=command\nExecStart=/bin/true\n"
                                    "[Resource datastore:alpha]\nMaxRunning=6\n");
        g_clear_pointer(&sig, g_variant_unref);
        sig = last_changed(h, "MaxRunningPerUser", &n_limits);
        call_ok(h, "Reload", NULL);
        bus_harness_sync(h, NULL);
        g_clear_pointer(&details, g_variant_unref);
        details = last_changed(h, "ClassDetails", NULL);
        g_assert_cmpuint(class_u(details, "backup", "MaxRunning"), ==, 9);
        /* Re-announced (the run-time override above may keep its value). */
        g_clear_pointer(&sig, g_variant_unref);
        sig = last_changed(h, "MaxRunningPerUser", &n);
        g_assert_cmpuint(n, ==, n_limits + 1);
        assert_signalled_current(h, "MaxRunningPerUser");
        assert_signalled_current(h, "MaxQueuedPerUser");
        g_clear_pointer(&sig, g_variant_unref);
        g_clear_pointer(&limits, g_free);
        sig = last_changed(h, "Limits", NULL);
        limits = limits_text(sig);
        g_assert_nonnull(strstr(limits, "class backup 1 0 9;"));
        g_assert_nonnull(strstr(limits, "resource datastore:alpha 1 0 6;"));
        assert_signalled_current(h, "Limits");
}

/* Per-class counts move while QueuedJobs and RunningJobs end where they were:
 * x's lease is released (running x 1 -> 0), its OnSuccess= notifier job is
 * queued (queued note 0 -> 1), and y's waiting lease starts in its place
 * (queued y 1 -> 0, running y 0 -> 1).  Limits and ClassDetails must follow. */
static void test_totals_unchanged(void) {
        static const char cfg[] =
                "[Scheduler]\nMaxRunning=1\n"
                "[Class x]\nKind=lease\nOnSuccess=note\n"
                "[Class y]\nKind=lease\n"
                "[Class note]\nKind=command\nExecStart=/bin/true\n";
        g_autoptr(BusHarness) h = bus_harness_new(cfg);
        g_autoptr(GDBusConnection) holder = bus_harness_connect(h);
        g_autoptr(BusPending) y = NULL;
        g_autoptr(GVariant) sig = NULL, details = NULL;
        g_autofree char *x = NULL, *limits = NULL, *want = NULL, *user = NULL;

        x = bus_acquire(h, holder, "x", NULL);
        y = bus_call_async(h, holder, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                           g_variant_new("(sa{sv})", "y", NULL));
        bus_harness_wait_for(h, queued_is, GUINT_TO_POINTER(1), "y's lease to be queued");
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);

        bus_release(h, holder, x, "success");
        bus_harness_wait_pending(h, y, "y's lease to be granted");
        g_assert_no_error(y->error);
        bus_harness_sync(h, NULL);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 1);

        sig = last_changed(h, "Limits", NULL);
        g_assert_nonnull(sig);
        limits = limits_text(sig);
        /* Notifier jobs belong to uid 0, y's lease to us. */
        if (getuid() == 0)
                user = user_row(1, 1, 0);
        else
                user = g_strdup_printf("user 0 0 1 0;user %u 1 0 0", (unsigned) getuid());
        want = g_strconcat("global  1 1 1;class note 0 1 0;class x 0 0 0;class y 1 0 0;", user, NULL);
        g_assert_cmpstr(limits, ==, want);
        details = last_changed(h, "ClassDetails", NULL);
        g_assert_cmpuint(class_u(details, "x", "Running"), ==, 0);
        g_assert_cmpuint(class_u(details, "y", "Running"), ==, 1);
        g_assert_cmpuint(class_u(details, "note", "Queued"), ==, 1);
}

/* The harness runs sluiced as root without --no-root-bypass: uid 0 gets
 * "yes" for everything, without polkit (there is none on this bus). */
static void test_permissions_root(void) {
        g_autoptr(BusHarness) h = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;

        if (getuid() != 0) {
                g_test_skip("needs root: uid 0 is what gets \"yes\" without polkit");
                return;
        }
        h = bus_harness_new(config);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissions", NULL, &error);
        g_assert_no_error(error);
        text = g_variant_print(r, FALSE);
        g_assert_cmpstr(text, ==,
                        "({'org.sluice.submit': 'yes', 'org.sluice.acquire': 'yes', "
                        "'org.sluice.manage-jobs': 'yes', 'org.sluice.configure': 'yes', "
                        "'org.sluice.run-command': 'yes'},)");
}

/* Through the mocked polkitd: one quiet check per action, in turn. */

static void setup(Fixture *f, gconstpointer data) {
        setup_common(f, TRUE, "sluice-frontend-test-XXXXXX", config);
}

static void setup_no_polkit(Fixture *f, gconstpointer data) {
        setup_common(f, FALSE, "sluice-frontend-test-XXXXXX", config);
}

static void test_permissions_polkit(Fixture *f, gconstpointer data) {
        static const struct {
                const char *action;
                gboolean authorized, challenge;
        } answers[] = {
                { "org.sluice.submit", TRUE, FALSE },
                { "org.sluice.acquire", FALSE, TRUE },
                { "org.sluice.manage-jobs", FALSE, FALSE },
                { "org.sluice.configure", FALSE, TRUE },
                { "org.sluice.run-command", FALSE, FALSE },
        };
        /* A frontend may well allow interactive authorization on every call:
         * GetPermissions still never asks polkit to interact. */
        g_autoptr(BusPending) p = call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissions",
                                             NULL, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
        g_autofree char *text = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(answers); i++) {
                g_autoptr(Check) c = pop_check_for(f, p);

                g_assert_cmpstr(c->subject_kind, ==, "system-bus-name");
                g_assert_cmpstr(c->subject_name, ==, f->unique_name);
                g_assert_cmpstr(c->action, ==, answers[i].action);
                g_assert_cmpuint(g_hash_table_size(c->details), ==, 0);
                g_assert_cmpuint(c->flags, ==, 0);
                g_assert_cmpstr(c->cancellation_id, ==, "");
                g_assert_false(p->done);        /* the reply waits for every answer */
                answer(c, answers[i].authorized, answers[i].challenge);
        }
        wait_reply(f, p, "GetPermissions to be answered");
        g_assert_no_error(p->error);
        text = g_variant_print(p->reply, FALSE);
        g_assert_cmpstr(text, ==,
                        "({'org.sluice.submit': 'yes', 'org.sluice.acquire': 'challenge', "
                        "'org.sluice.manage-jobs': 'no', 'org.sluice.configure': 'challenge', "
                        "'org.sluice.run-command': 'no'},)");
}

/* No polkit on the bus: every action is "no" (each mutating call would be
 * refused), and the call itself succeeds. */
static void test_permissions_no_polkit(Fixture *f, gconstpointer data) {
        g_autoptr(BusPending) p = call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissions",
                                             NULL, G_DBUS_CALL_FLAGS_NONE);
        g_autofree char *text = NULL;

        wait_reply(f, p, "GetPermissions to be answered");
        g_assert_no_error(p->error);
        text = g_variant_print(p->reply, FALSE);
        g_assert_cmpstr(text, ==,
                        "({'org.sluice.submit': 'no', 'org.sluice.acquire': 'no', "
                        "'org.sluice.manage-jobs': 'no', 'org.sluice.configure': 'no', "
                        "'org.sluice.run-command': 'no'},)");
}

/* A polkit rule in the mock: org.sluice.submit only for class backup
 * (polkit/50-sluice-backup-group.rules.example's shape), acquire a
 * challenge, everything else no.  Answers one call's five checks, asserting
 * each carries the details a real call would: "class" for all but
 * configure, nothing else. */
static void answer_backup_rule(Fixture *f, BusPending *p, const char *klass) {
        static const char *const order[] = {
                "org.sluice.submit", "org.sluice.acquire", "org.sluice.manage-jobs",
                "org.sluice.configure", "org.sluice.run-command",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
                g_autoptr(Check) c = pop_check_for(f, p);
                gboolean configure = g_str_equal(c->action, "org.sluice.configure");
                const char *detail = g_hash_table_lookup(c->details, "class");

                assert_check(c, f->unique_name, order[i], configure ? NULL : klass);
                g_assert_cmpuint(g_hash_table_size(c->details), ==, detail ? 1 : 0);
                g_assert_cmpuint(c->flags, ==, 0);
                g_assert_false(p->done);
                answer(c, g_str_equal(c->action, "org.sluice.submit") && g_strcmp0(detail, "backup") == 0,
                       g_str_equal(c->action, "org.sluice.acquire"));
        }
}

static BusPending *call_permissions_for(Fixture *f, const char *key, const char *value) {
        GVariantBuilder details;

        g_variant_builder_init(&details, G_VARIANT_TYPE("a{ss}"));
        if (key)
                g_variant_builder_add(&details, "{ss}", key, value);
        return call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissionsFor",
                          g_variant_new("(a{ss})", &details), G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
}

/* The rule grants submit for backup only: GetPermissionsFor(class backup)
 * says "yes", for gc "no", and GetPermissions() (no details) "no" too. */
static void test_permissions_for_class(Fixture *f, gconstpointer data) {
        static const char *const want_backup =
                "({'org.sluice.submit': 'yes', 'org.sluice.acquire': 'challenge', "
                "'org.sluice.manage-jobs': 'no', 'org.sluice.configure': 'no', "
                "'org.sluice.run-command': 'no'},)";
        static const char *const want_other =
                "({'org.sluice.submit': 'no', 'org.sluice.acquire': 'challenge', "
                "'org.sluice.manage-jobs': 'no', 'org.sluice.configure': 'no', "
                "'org.sluice.run-command': 'no'},)";
        g_autoptr(BusPending) backup = call_permissions_for(f, "class", "backup");
        g_autoptr(BusPending) gc = NULL, none = NULL, empty = NULL;
        g_autofree char *text_backup = NULL, *text_gc = NULL, *text_none = NULL, *text_empty = NULL;

        answer_backup_rule(f, backup, "backup");
        wait_reply(f, backup, "GetPermissionsFor(class backup) to be answered");
        g_assert_no_error(backup->error);
        text_backup = g_variant_print(backup->reply, FALSE);
        g_assert_cmpstr(text_backup, ==, want_backup);

        gc = call_permissions_for(f, "class", "gc");
        answer_backup_rule(f, gc, "gc");
        wait_reply(f, gc, "GetPermissionsFor(class gc) to be answered");
        g_assert_no_error(gc->error);
        text_gc = g_variant_print(gc->reply, FALSE);
        g_assert_cmpstr(text_gc, ==, want_other);

        /* {} is GetPermissions(): no details, so the rule does not match. */
        empty = call_permissions_for(f, NULL, NULL);
        answer_backup_rule(f, empty, NULL);
        wait_reply(f, empty, "GetPermissionsFor({}) to be answered");
        g_assert_no_error(empty->error);
        text_empty = g_variant_print(empty->reply, FALSE);
        g_assert_cmpstr(text_empty, ==, want_other);

        none = call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissions", NULL,
                          G_DBUS_CALL_FLAGS_NONE);
        answer_backup_rule(f, none, NULL);
        wait_reply(f, none, "GetPermissions to be answered");
        g_assert_no_error(none->error);
        text_none = g_variant_print(none->reply, FALSE);
        g_assert_cmpstr(text_none, ==, want_other);
}

/* Bad details are refused before polkit is asked (wait_reply() asserts the
 * mock got nothing), with the error naming the key. */
static void test_permissions_for_invalid(Fixture *f, gconstpointer data) {
        g_autofree char *long_class = g_strnfill(4097, 'a');
        g_autofree char *long_key = g_strnfill(5000, 'k');
        static const char *const invalid = "org.sluice.Error.InvalidArgument";
        static const char *const no_class = "org.sluice.Error.NoSuchClass";
        const struct {
                const char *key, *value, *key2, *error, *message;
        } cases[] = {
                { "job", "7", NULL, invalid, "details.job: unknown key (known: class)" },
                { "Class", "backup", NULL, invalid, "details.Class: unknown key (known: class)" },
                { "cl\xc3\xa4ss", "backup", NULL, invalid, "details.cl\\303\\244ss: unknown key (known: class)" },
                { long_key, "backup", NULL, invalid, NULL },
                { "class", "backup", "class", invalid, "details.class: given twice" },
                { "class", "nosuch", NULL, no_class, "details.class: no class named \"nosuch\"" },
                { "class", "", NULL, no_class, "details.class: no class named \"\"" },
                { "class", long_class, NULL, invalid,
                  "details.class: 4097 bytes is longer than the limit of 4096 bytes" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                GVariantBuilder details;
                g_autoptr(BusPending) p = NULL;
                g_autofree char *remote = NULL;

                g_variant_builder_init(&details, G_VARIANT_TYPE("a{ss}"));
                g_variant_builder_add(&details, "{ss}", cases[i].key, cases[i].value);
                if (cases[i].key2)
                        g_variant_builder_add(&details, "{ss}", cases[i].key2, "gc");
                p = call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissionsFor",
                               g_variant_new("(a{ss})", &details), G_DBUS_CALL_FLAGS_NONE);
                wait_reply(f, p, "GetPermissionsFor to be refused");
                g_assert_nonnull(p->error);
                remote = g_dbus_error_get_remote_error(p->error);
                g_assert_cmpstr(remote, ==, cases[i].error);
                g_dbus_error_strip_remote_error(p->error);
                if (cases[i].message)
                        g_assert_cmpstr(p->error->message, ==, cases[i].message);
                else {
                        /* A huge key is named by its first 61 bytes. */
                        g_autofree char *want = g_strdup_printf("details.%.61s...: unknown key (known: class)",
                                                                long_key);

                        g_assert_cmpstr(p->error->message, ==, want);
                }
        }
}

/* uid 0: "yes" for a configured class without asking; an unknown class is
 * still NoSuchClass. */
static void test_permissions_for_root(void) {
        g_autoptr(BusHarness) h = NULL;
        g_autoptr(GVariant) r = NULL, bad = NULL;
        g_autoptr(GError) error = NULL, error_bad = NULL;
        g_autofree char *text = NULL;

        if (getuid() != 0) {
                g_test_skip("needs root: uid 0 is what gets \"yes\" without polkit");
                return;
        }
        h = bus_harness_new(config);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissionsFor",
                     g_variant_new_parsed("({'class': 'gc'},)"), &error);
        g_assert_no_error(error);
        text = g_variant_print(r, FALSE);
        g_assert_cmpstr(text, ==,
                        "({'org.sluice.submit': 'yes', 'org.sluice.acquire': 'yes', "
                        "'org.sluice.manage-jobs': 'yes', 'org.sluice.configure': 'yes', "
                        "'org.sluice.run-command': 'yes'},)");
        bad = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetPermissionsFor",
                       g_variant_new_parsed("({'class': 'nosuch'},)"), &error_bad);
        g_assert_null(bad);
        g_assert_true(g_dbus_error_is_remote_error(error_bad));
        {
                g_autofree char *remote = g_dbus_error_get_remote_error(error_bad);

                g_assert_cmpstr(remote, ==, "org.sluice.Error.NoSuchClass");
        }
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/frontend/properties", test_properties);
        g_test_add_func("/bus/frontend/counts", test_counts);
        g_test_add_func("/bus/frontend/signals", test_signals);
        g_test_add_func("/bus/frontend/totals-unchanged", test_totals_unchanged);
        g_test_add_func("/bus/frontend/permissions/root", test_permissions_root);
        g_test_add("/bus/frontend/permissions/polkit", Fixture, NULL, setup, test_permissions_polkit, teardown);
        g_test_add("/bus/frontend/permissions/no-polkit", Fixture, NULL, setup_no_polkit,
                   test_permissions_no_polkit, teardown);
        g_test_add_func("/bus/frontend/permissions-for/root", test_permissions_for_root);
        g_test_add("/bus/frontend/permissions-for/class", Fixture, NULL, setup, test_permissions_for_class, teardown);
        g_test_add("/bus/frontend/permissions-for/invalid", Fixture, NULL, setup, test_permissions_for_invalid,
                   teardown);

        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluiced's side of cluster limits (src/daemon/cluster.c) with the real
 * sluiced on a private bus and a FAKE cluster module (fake-cluster-module.c,
 * loaded through SLUICE_CLUSTER_MODULE): the fake stands for etcd so that
 * the glue can be driven and faults injected (lease lost, wrong ABI); the
 * real module against a real etcd is tests/etcd's and the cluster scenario's.
 *
 * Proves: a cluster job waits with the module's reason while host jobs run,
 * starts once admitted, and its fleet slot is released when it ends, then
 * flushed; the module sees the settings (HostName, PasswordFile's contents);
 * a module of another ABI, a password file others can read and bad
 * endpoints leave host scope working and say why in the WaitReason;
 * OnLeaseLost=stop cancels the running cluster job and raises
 * cluster-lease-lost; UpdateConfig() and Reload() do not change Scope= or
 * [Cluster].
 */
#include <glib/gstdio.h>
#include <stdbool.h>
#include <string.h>

#include "bus-harness.h"

#define BASE_CONFIG \
        "[Scheduler]\nMaxRunning=0\nKeepFinishedSec=300\n" \
        "[Class sync]\nKind=lease\nResources=sync:offsite\n" \
        "[Class local]\nKind=lease\n" \
        "[Resource sync:offsite]\nScope=cluster\nMaxRunning=1\n"

typedef struct Fake {
        char *dir;
        char *env_dir;
        char *env_module;
} Fake;

static Fake *fake_new(const char *module) {
        g_autoptr(GError) error = NULL;
        Fake *f = g_new0(Fake, 1);

        f->dir = g_dir_make_tmp("sluice-fake-cluster-XXXXXX", &error);
        g_assert_no_error(error);
        f->env_dir = g_strdup_printf("FAKE_CLUSTER_DIR=%s", f->dir);
        f->env_module = g_strdup_printf("SLUICE_CLUSTER_MODULE=%s", module);
        return f;
}

static char *fake_path(Fake *f, const char *name) {
        return g_build_filename(f->dir, name, NULL);
}

static void fake_free(Fake *f) {
        const char *names[] = { "calls", "admit", "lose", "password", NULL };

        for (size_t i = 0; names[i]; i++) {
                g_autofree char *p = fake_path(f, names[i]);
                (void) g_unlink(p);
        }
        (void) g_rmdir(f->dir);
        g_free(f->dir);
        g_free(f->env_dir);
        g_free(f->env_module);
        g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fake, fake_free)

static char *fake_calls(Fake *f) {
        g_autofree char *p = fake_path(f, "calls");
        char *text = NULL;

        if (!g_file_get_contents(p, &text, NULL, NULL))
                return g_strdup("");
        return text;
}

static BusHarness *start(Fake *f, const char *config) {
        const char *env[] = { f->env_dir, f->env_module, NULL };

        return bus_harness_new_open_bus(config, env);
}

typedef struct {
        Fake *fake;
        const char *line;
} CallWait;

static gboolean has_call(BusHarness *h, gconstpointer data) {
        const CallWait *w = data;
        g_autofree char *calls = fake_calls(w->fake);

        return strstr(calls, w->line) != NULL;
}

static void wait_call(BusHarness *h, Fake *f, const char *line) {
        CallWait w = { f, line };

        bus_harness_wait_for(h, has_call, &w, line);
}

static void assert_reason_contains(BusHarness *h, const char *job, const char *part) {
        g_autofree char *reason = bus_job_get_string(h, job, "WaitReason");

        g_test_message("WaitReason: %s", reason);
        g_assert_nonnull(strstr(reason, part));
}

/* Waits with the module's reason, host jobs run; admitted: starts; ends:
 * released, then flushed by the post step. */
static void test_wait_admit_release(void) {
        g_autoptr(Fake) f = fake_new(g_getenv("FAKE_CLUSTER_MODULE"));
        g_autofree char *pw = fake_path(f, "password"), *admit = fake_path(f, "admit"), *config = NULL;
        g_autofree char *job = NULL, *local = NULL, *state = NULL, *calls = NULL, *want = NULL, *release = NULL;
        g_autoptr(BusHarness) h = NULL;
        g_autoptr(GError) error = NULL;

        g_file_set_contents(pw, "s3cret\n", -1, &error);
        g_assert_no_error(error);
        g_assert_cmpint(g_chmod(pw, 0600), ==, 0);
        config = g_strdup_printf(BASE_CONFIG "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\nPrefix=/t\n"
                                 "User=sluice\nPasswordFile=%s\n", pw);
        h = start(f, config);

        calls = fake_calls(f);
        g_assert_nonnull(strstr(calls, "new host=hostA prefix=/t ttl=10 endpoint=http://127.0.0.1:9 password=s3cret "
                                       "user=sluice stored-lease=0\nrecover 0\n"));

        job = bus_submit(h, NULL, "sync", NULL);
        local = bus_submit(h, NULL, "local", NULL);
        bus_wait_job_state(h, local, "running");
        state = bus_job_get_string(h, job, "State");
        g_assert_cmpstr(state, ==, "queued");
        assert_reason_contains(h, job, "cluster resource sync:offsite: fake: position 1 in the fleet queue");
        want = g_strdup_printf("want %" G_GUINT64_FORMAT " sync:offsite 1\n", bus_job_id(job));
        wait_call(h, f, want);
        wait_call(h, f, "flush 1\n");

        {
                g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", bus_job_id(job));
                g_file_set_contents(admit, text, -1, &error);
                g_assert_no_error(error);
        }
        bus_wait_job_state(h, job, "running");

        /* ended: released, and the release flushed (after its commit: test-post-step) */
        bus_release(h, NULL, job, "success");
        release = g_strdup_printf("release %" G_GUINT64_FORMAT " sync:offsite\nflush 1\n", bus_job_id(job));
        wait_call(h, f, release);
        /* the host job never asked the fleet */
        g_free(calls);
        calls = fake_calls(f);
        {
                g_autofree char *local_want = g_strdup_printf("want %" G_GUINT64_FORMAT " ", bus_job_id(local));
                g_assert_null(strstr(calls, local_want));
        }

        /* the lease id the module was granted is stored, and handed back after a restart */
        bus_harness_stop_daemon(h);
        wait_call(h, f, "free\n");
        {
                const char *env[] = { f->env_dir, f->env_module, NULL };

                bus_harness_spawn_daemon(h, NULL, env);
                bus_harness_wait_daemon(h);
        }
        wait_call(h, f, "stored-lease=4242\nrecover 0\n");
}

/* A module that cannot start: host scope works, cluster jobs say why. */
static void check_unavailable(const char *module, const char *cluster_section, const char *why) {
        g_autoptr(Fake) f = fake_new(module);
        g_autofree char *config = g_strdup_printf(BASE_CONFIG "%s", cluster_section);
        g_autoptr(BusHarness) h = start(f, config);
        g_autofree char *job = bus_submit(h, NULL, "sync", NULL), *local = bus_submit(h, NULL, "local", NULL);
        g_autofree char *state = NULL;

        bus_wait_job_state(h, local, "running");
        state = bus_job_get_string(h, job, "State");
        g_assert_cmpstr(state, ==, "queued");
        assert_reason_contains(h, job, "cluster resource sync:offsite: ");
        assert_reason_contains(h, job, why);
}

static void test_wrong_abi(void) {
        check_unavailable(g_getenv("FAKE_CLUSTER_MODULE_ABI99"),
                          "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\n",
                          "has ABI 99, this sluiced needs 1");
}

static void test_not_a_module(void) {
        check_unavailable(g_getenv("SLUICECTL"), "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\n",
                          "cannot be loaded");
}

static void test_bad_endpoint(void) {
        check_unavailable(g_getenv("FAKE_CLUSTER_MODULE"), "[Cluster]\nEndpoints=ftp://etcd.invalid:2379\n",
                          "[Cluster] Endpoints: etcd endpoint \"ftp://etcd.invalid:2379\": not an http:// or "
                          "https:// URL");
}

static void test_password_readable_by_others(void) {
        g_autoptr(Fake) f = fake_new(g_getenv("FAKE_CLUSTER_MODULE"));
        g_autofree char *pw = fake_path(f, "password"), *section = NULL, *why = NULL;
        g_autoptr(GError) error = NULL;

        g_file_set_contents(pw, "s3cret\n", -1, &error);
        g_assert_no_error(error);
        g_assert_cmpint(g_chmod(pw, 0644), ==, 0);
        section = g_strdup_printf("[Cluster]\nEndpoints=http://127.0.0.1:9\nUser=u\nPasswordFile=%s\n", pw);
        why = g_strdup_printf("[Cluster] PasswordFile: %s is readable by others (mode 0644): chmod o-rwx it", pw);
        /* fake_new() again for the harness: the password file lives in the first fake's dir */
        {
                g_autofree char *config = g_strdup_printf(BASE_CONFIG "%s", section);
                g_autoptr(BusHarness) h = start(f, config);
                g_autofree char *job = bus_submit(h, NULL, "sync", NULL);
                g_autofree char *calls = NULL;

                assert_reason_contains(h, job, why);
                calls = fake_calls(f);
                g_assert_null(strstr(calls, "new "));   /* the module never saw the password */
        }
}

/* OnLeaseLost=stop: the running cluster job is cancelled ("cluster lease
 * lost"), the alert cluster-lease-lost is raised; the host job goes on. */
static void test_lease_lost_stop(void) {
        g_autoptr(Fake) f = fake_new(g_getenv("FAKE_CLUSTER_MODULE"));
        g_autofree char *admit = fake_path(f, "admit"), *lose = fake_path(f, "lose"), *config = NULL;
        g_autofree char *job = NULL, *local = NULL, *text = NULL, *result = NULL, *detail = NULL, *state = NULL;
        g_autoptr(BusHarness) h = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) alerts = NULL;
        g_autoptr(GVariantIter) it = NULL;
        const char *name, *severity, *message;
        guint64 at;
        bool found = false;

        config = g_strdup_printf(BASE_CONFIG "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\n"
                                 "OnLeaseLost=stop\n");
        h = start(f, config);
        job = bus_submit(h, NULL, "sync", NULL);
        local = bus_submit(h, NULL, "local", NULL);
        text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", bus_job_id(job));
        g_file_set_contents(admit, text, -1, &error);
        g_assert_no_error(error);
        bus_wait_job_state(h, job, "running");
        bus_wait_job_state(h, local, "running");

        g_file_set_contents(lose, "", -1, &error);
        g_assert_no_error(error);
        bus_wait_job_state(h, job, "done");
        result = bus_job_get_string(h, job, "Result");
        g_assert_cmpstr(result, ==, "cancelled");
        detail = bus_job_get_string(h, job, "ResultDetail");
        g_assert_cmpstr(detail, ==, "cluster lease lost");
        state = bus_job_get_string(h, local, "State");
        g_assert_cmpstr(state, ==, "running");

        alerts = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Alerts");
        g_variant_get(alerts, "a(ssst)", &it);
        while (g_variant_iter_next(it, "(&s&s&st)", &name, &severity, &message, &at))
                if (strcmp(name, "cluster-lease-lost") == 0) {
                        found = true;
                        g_assert_cmpstr(severity, ==, "warning");
                        g_assert_nonnull(strstr(message, "cluster lease of host hostA lost (fake: the lease is gone)"));
                }
        g_assert_true(found);
}

/* UpdateConfig() refuses Scope= and [Cluster], and a new section that would
 * change a resource's scope; the configuration stays. */
static void test_update_config_refuses(void) {
        g_autoptr(Fake) f = fake_new(g_getenv("FAKE_CLUSTER_MODULE"));
        g_autoptr(BusHarness) h = start(f, BASE_CONFIG "[Resource sync:*]\nScope=cluster\nMaxRunning=2\n"
                                           "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\n");
        struct {
                const char *section, *key, *value, *message;
        } cases[] = {
                { "Resource sync:offsite", "Scope", "host",
                  "[Resource sync:offsite] Scope: set in the configuration files only (edit them and restart sluiced)" },
                { "Cluster", "LeaseTTLSec", "20",
                  "[Cluster] LeaseTTLSec: set in the configuration files only (edit them and restart sluiced)" },
                { "Resource sync:local", "MaxRunning", "1",
                  "[Resource sync:local] Scope: cannot change from cluster to host while sluiced runs (restart sluiced)" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) r = NULL;
                GVariantBuilder b;

                g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
                g_variant_builder_add(&b, "{sv}", cases[i].key, g_variant_new_string(cases[i].value));
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                             g_variant_new("(sa{sv}b)", cases[i].section, &b, FALSE), &error);
                g_assert_null(r);
                bus_assert_error(error, "org.sluice.Error.InvalidConfig", cases[i].message, NULL);
        }
}

/* Reload() refuses files that change [Cluster] or a Scope=; the running
 * configuration stays, the other changes of those files too (MaxRunning=). */
static void test_reload_refuses(void) {
        g_autoptr(Fake) f = fake_new(g_getenv("FAKE_CLUSTER_MODULE"));
        const char *cluster = "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\n";
        g_autofree char *config = g_strdup_printf(BASE_CONFIG "%s[Scheduler]\nMaxRunning=3\n", cluster);
        g_autoptr(BusHarness) h = start(f, config);
        struct {
                const char *text, *message;
        } cases[] = {
                { "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\nLeaseTTLSec=20\n",
                  "[Cluster]: cannot change while sluiced runs (restart sluiced)" },
                { "[Resource sync:offsite]\nScope=host\n",
                  "[Resource sync:offsite] Scope: cannot change from cluster to host while sluiced runs "
                  "(restart sluiced)" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *next = g_strdup_printf(BASE_CONFIG "%s%s[Scheduler]\nMaxRunning=7\n", cluster,
                                                        cases[i].text);
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) r = NULL;

                bus_harness_write_config(h, next);
                r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Reload", NULL, &error);
                g_assert_null(r);
                bus_assert_error(error, "org.sluice.Error.InvalidConfig", cases[i].message, NULL);
                g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 3);
        }
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/cluster/wait-admit-release", test_wait_admit_release);
        g_test_add_func("/cluster/wrong-abi", test_wrong_abi);
        g_test_add_func("/cluster/not-a-module", test_not_a_module);
        g_test_add_func("/cluster/bad-endpoint", test_bad_endpoint);
        g_test_add_func("/cluster/password-readable-by-others", test_password_readable_by_others);
        g_test_add_func("/cluster/lease-lost-stop", test_lease_lost_stop);
        g_test_add_func("/cluster/update-config-refuses", test_update_config_refuses);
        g_test_add_func("/cluster/reload-refuses", test_reload_refuses);
        return g_test_run();
}

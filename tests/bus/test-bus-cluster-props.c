/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager's Cluster and ClusterState properties (src/daemon/bus-cluster.c)
 * with the real sluiced on a private bus and the fake cluster module of
 * tests/bus/fake-cluster-module.c (a fake of sluice's own boundary,
 * cluster-module.h, standing for etcd; the real module's view is read by
 * tests/cluster/scenario-fleet.sh against a real etcd).
 *
 * Proves: the properties carry the module's view (one resource, its limit,
 * no holders) and "up"; when the module reports a change (its changed()
 * hook: here, a job admitted), both are announced in the coalesced
 * PropertiesChanged.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "bus-harness.h"
#include "sluice-bus-names.h"

#define CONFIG \
        "[Scheduler]\nMaxRunning=0\nKeepFinishedSec=300\n" \
        "[Class sync]\nKind=lease\nResources=sync:offsite\n" \
        "[Resource sync:offsite]\nScope=cluster\nMaxRunning=1\n" \
        "[Cluster]\nEndpoints=http://127.0.0.1:9\nHostName=hostA\n"

/* What the manager's PropertiesChanged carried (the open bus records no signals itself). */
typedef struct Seen {
        unsigned cluster, cluster_state, running_jobs;
        char *last_state;
} Seen;

static void on_properties_changed(GDBusConnection *conn, const char *sender, const char *path, const char *iface,
                                  const char *member, GVariant *params, gpointer userdata) {
        Seen *seen = userdata;
        g_autoptr(GVariant) changed = NULL;
        const char *signal_iface, *state;

        g_variant_get(params, "(&s@a{sv}@as)", &signal_iface, &changed, NULL);
        if (!g_str_equal(signal_iface, SLUICE_MANAGER_IFACE))
                return;
        if (g_variant_lookup(changed, "RunningJobs", "u", NULL))
                seen->running_jobs++;
        if (g_variant_lookup(changed, "Cluster", "@a(suuua(stt))", NULL))
                seen->cluster++;
        if (g_variant_lookup(changed, "ClusterState", "&s", &state)) {
                seen->cluster_state++;
                g_free(seen->last_state);
                seen->last_state = g_strdup(state);
        }
}

static void test_properties(void) {
        Seen seen = {};
        guint sub;
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("sluice-cluster-props-XXXXXX", &error);
        g_autofree char *env_dir = NULL, *env_module = NULL, *admit = NULL, *calls = NULL, *job = NULL;
        g_autofree char *text = NULL, *printed = NULL;
        g_autoptr(BusHarness) h = NULL;
        g_autoptr(GVariant) cluster = NULL, state = NULL;

        g_assert_no_error(error);
        env_dir = g_strdup_printf("FAKE_CLUSTER_DIR=%s", dir);
        env_module = g_strdup_printf("SLUICE_CLUSTER_MODULE=%s", g_getenv("FAKE_CLUSTER_MODULE"));
        admit = g_build_filename(dir, "admit", NULL);
        calls = g_build_filename(dir, "calls", NULL);
        {
                const char *env[] = { env_dir, env_module, NULL };

                h = bus_harness_new_open_bus(CONFIG, env);
        }

        sub = g_dbus_connection_signal_subscribe(h->conn, NULL, "org.freedesktop.DBus.Properties",
                                                 "PropertiesChanged", SLUICE_MANAGER_PATH, NULL,
                                                 G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, &seen, NULL);
        bus_harness_sync(h, NULL);
        cluster = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Cluster");
        printed = g_variant_print(cluster, FALSE);
        g_assert_cmpstr(printed, ==, "[('sync:offsite', 1, 0, 0, [])]");
        state = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ClusterState");
        g_assert_cmpstr(g_variant_get_string(state, NULL), ==, "up");

        /* The module admits the job: its changed() hook, then the start. */
        job = bus_submit(h, NULL, "sync", NULL);
        text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", bus_job_id(job));
        g_file_set_contents(admit, text, -1, &error);
        g_assert_no_error(error);
        bus_wait_job_state(h, job, "running");
        bus_harness_sync(h, NULL);

        g_assert_cmpuint(seen.cluster, >=, 1);
        g_assert_cmpuint(seen.cluster_state, >=, 1);
        g_assert_cmpstr(seen.last_state, ==, "up");
        g_dbus_connection_signal_unsubscribe(h->conn, sub);
        g_free(seen.last_state);

        bus_release(h, NULL, job, "success");
        g_clear_pointer(&h, bus_harness_free);
        (void) g_unlink(admit);
        (void) g_unlink(calls);
        (void) g_rmdir(dir);
}

/* Without [Cluster] the Cluster property is always empty: a job starting
 * or ending does not announce it (it moves RunningJobs only). */
static void test_properties_off(void) {
        Seen seen = {};
        guint sub;
        g_autoptr(BusHarness) h = bus_harness_new_open_bus("[Scheduler]\nMaxRunning=0\n"
                                                           "[Class sync]\nKind=lease\n", NULL);
        g_autoptr(GVariant) state = NULL;
        g_autofree char *job = NULL;

        sub = g_dbus_connection_signal_subscribe(h->conn, NULL, "org.freedesktop.DBus.Properties",
                                                 "PropertiesChanged", SLUICE_MANAGER_PATH, NULL,
                                                 G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, &seen, NULL);
        bus_harness_sync(h, NULL);
        state = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ClusterState");
        g_assert_cmpstr(g_variant_get_string(state, NULL), ==, "off");
        job = bus_submit(h, NULL, "sync", NULL);
        bus_wait_job_state(h, job, "running");
        bus_release(h, NULL, job, "success");
        bus_wait_job_state(h, job, "done");
        bus_harness_sync(h, NULL);
        g_assert_cmpuint(seen.running_jobs, >=, 2);
        g_assert_cmpuint(seen.cluster, ==, 0);
        g_assert_cmpuint(seen.cluster_state, ==, 0);
        g_dbus_connection_signal_unsubscribe(h->conn, sub);
        g_free(seen.last_state);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/cluster/properties", test_properties);
        g_test_add_func("/cluster/properties-off", test_properties_off);
        return g_test_run();
}

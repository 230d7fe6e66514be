/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Jobs restored from the state store exist before sluiced owns its bus
 * name: they are on the bus (GetManagedObjects, ListJobs, their objects) in
 * their order, but sluiced sends no InterfacesAdded or JobNew for them (no
 * client could have known them, and a million restored jobs made the
 * restart quadratic in sd-bus's write queue).  Jobs submitted afterwards are
 * announced as usual.
 */
#include <signal.h>

#include "bus-harness.h"

static const char config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "\n"
        "[Class work]\n"
        "Kind=lease\n"
        "MaxRunning=0\n";

#define N_JOBS 4

/* Job paths of GetManagedObjects(), each with its Position (0 if none). */
static GHashTable *managed_positions(BusHarness *h) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GVariantIter) it = NULL;
        GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *path;
        GVariant *ifaces;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                     NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(a{oa{sa{sv}}})", &it);
        while (g_variant_iter_loop(it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
                g_autoptr(GVariant) props = g_variant_lookup_value(ifaces, SLUICE_JOB_IFACE, NULL);
                guint32 position = 0;

                g_assert_nonnull(props);
                g_assert_true(g_variant_lookup(props, "Position", "u", &position));
                g_hash_table_insert(map, g_strdup(path), GUINT_TO_POINTER(position));
        }
        return map;
}

/* Signals named @member recorded from index @since on. */
static guint count_since(BusHarness *h, guint since, const char *member) {
        guint n = 0;

        for (guint i = since; i < h->signals->len; i++)
                if (g_str_equal(((BusSignal *) h->signals->pdata[i])->member, member))
                        n++;
        return n;
}

static void test_restored_not_announced(gconstpointer data) {
        int sig = GPOINTER_TO_INT(data);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        char *paths[N_JOBS] = {};
        guint since;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Pause", g_variant_new("(s)", ""), &error);
        g_assert_no_error(error);
        for (guint i = 0; i < N_JOBS; i++)
                paths[i] = bus_submit(h, NULL, "work", NULL);
        /* The submissions were announced (the signals came before the replies). */
        bus_harness_flush();
        g_assert_cmpuint(count_since(h, 0, "JobNew"), ==, N_JOBS);
        g_assert_cmpuint(count_since(h, 0, "InterfacesAdded"), ==, N_JOBS);

        bus_harness_kill_daemon(h, sig);
        since = h->signals->len;
        bus_harness_start_daemon(h);

        /* Every restored job is there, in its place. */
        g_autoptr(GHashTable) managed = managed_positions(h);
        g_assert_cmpuint(g_hash_table_size(managed), ==, N_JOBS);
        for (guint i = 0; i < N_JOBS; i++) {
                g_assert_true(g_hash_table_contains(managed, paths[i]));
                g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(managed, paths[i])), ==, i + 1);
        }

        /* A new job: its Submit() reply follows its own announcement, and
         * any announcement still queued in the daemon before it. */
        g_autofree char *fresh = bus_submit(h, NULL, "work", NULL);
        bus_harness_flush();
        g_assert_cmpuint(count_since(h, since, "JobNew"), ==, 1);
        g_assert_cmpuint(count_since(h, since, "InterfacesAdded"), ==, 1);
        g_autoptr(GPtrArray) news = bus_signals_find(h, "JobNew", NULL);
        BusSignal *last = news->pdata[news->len - 1];
        guint64 id = 0;
        const char *path = NULL;

        g_variant_get(last->parameters, "(t&o&s)", &id, &path, NULL);
        g_assert_cmpstr(path, ==, fresh);
        g_assert_cmpuint(id, ==, N_JOBS + 1);

        for (guint i = 0; i < N_JOBS; i++)
                g_free(paths[i]);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_data_func("/restore/not-announced/sigkill", GINT_TO_POINTER(SIGKILL), test_restored_not_announced);
        g_test_add_data_func("/restore/not-announced/sigterm", GINT_TO_POINTER(SIGTERM), test_restored_not_announced);
        return g_test_run();
}

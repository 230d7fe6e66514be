/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Durable state: sluiced killed with SIGKILL (a crash) or stopped with
 * SIGTERM, then started again on the same state directory, gives back the
 * queue (same ids, priorities, order, states), the next id, the paused
 * scopes and the configuration overrides stored with persist=true.
 */
#include <signal.h>

#include "bus-harness.h"

static const char config[] =
        "[Scheduler]\n"
        "Discipline=priority\n"
        "AgingSec=0\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class work]\n"
        "Kind=lease\n"
        "MaxRunning=1\n";

static void manager_call_ok(BusHarness *h, const char *method, GVariant *params) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method, params, &error);

        g_assert_no_error(error);
}

static guint position_of(BusHarness *h, const char *job) {
        g_autoptr(GVariant) v = bus_get_property(h, job, SLUICE_JOB_IFACE, "Position");

        return g_variant_get_uint32(v);
}

/* ListJobs() as "id:state:priority" words, by id. */
static char *list_jobs(BusHarness *h) {
        g_autoptr(GError) error = NULL;
        g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GVariant) r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                                         g_variant_new("(@a{sv})", g_variant_dict_end(&filter)), &error);
        g_autoptr(GVariantIter) it = NULL;
        GString *s = g_string_new(NULL);
        const char *cls, *state, *result, *path;
        guint64 id, submitted;
        gint32 prio;
        guint32 owner;

        g_assert_no_error(error);
        g_variant_get(r, "(a(tsssiuto))", &it);
        while (g_variant_iter_next(it, "(t&s&s&siut&o)", &id, &cls, &state, &result, &prio, &owner, &submitted,
                                   &path))
                g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ":%s:%d", s->len ? " " : "", id, state, prio);
        return g_string_free(s, FALSE);
}

static void test_restart(gconstpointer data) {
        int sig = GPOINTER_TO_INT(data);
        g_autoptr(BusHarness) h = bus_harness_new(config);
        const gint32 prios[] = { 0, 5, -3, 5, 10 };
        char *paths[G_N_ELEMENTS(prios)] = {};
        guint positions[G_N_ELEMENTS(prios)];
        g_auto(GVariantDict) settings = G_VARIANT_DICT_INIT(NULL);

        /* Everything paused: all five stay queued; one finished job for history. */
        g_autofree char *done = bus_submit(h, NULL, "work", NULL);
        bus_wait_job_state(h, done, "running");
        bus_release(h, NULL, done, "success");
        bus_wait_job_state(h, done, "done");
        manager_call_ok(h, "Pause", g_variant_new("(s)", ""));
        for (guint i = 0; i < G_N_ELEMENTS(prios); i++) {
                g_auto(GVariantDict) o = G_VARIANT_DICT_INIT(NULL);

                g_variant_dict_insert(&o, "priority", "i", prios[i]);
                paths[i] = bus_submit(h, NULL, "work", g_variant_dict_end(&o));
        }
        for (guint i = 0; i < G_N_ELEMENTS(prios); i++)
                positions[i] = position_of(h, paths[i]);
        g_variant_dict_insert(&settings, "MaxRunning", "s", "7");
        manager_call_ok(h, "UpdateConfig", g_variant_new("(s@a{sv}b)", "Scheduler", g_variant_dict_end(&settings), TRUE));
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);
        g_autofree char *before = list_jobs(h);
        g_assert_cmpstr(before, ==, "1:done:0 2:queued:0 3:queued:5 4:queued:-3 5:queued:5 6:queued:10");

        bus_harness_kill_daemon(h, sig);
        bus_harness_start_daemon(h);

        /* The queue as it was; finished jobs stay in the store's history, not on the bus. */
        g_autofree char *after = list_jobs(h);
        g_assert_cmpstr(after, ==, "2:queued:0 3:queued:5 4:queued:-3 5:queued:5 6:queued:10");
        for (guint i = 0; i < G_N_ELEMENTS(prios); i++)
                g_assert_cmpuint(position_of(h, paths[i]), ==, positions[i]);
        g_autoptr(GVariant) paused = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");
        g_assert_cmpuint(g_variant_n_children(paused), ==, 1);
        g_assert_cmpuint(bus_manager_get_u(h, "MaxRunning"), ==, 7);

        /* Ids go on where they stopped. */
        g_autofree char *next = bus_submit(h, NULL, "work", NULL);
        g_assert_cmpuint(bus_job_id(next), ==, 7);

        /* Resumed: highest priority first, as before the restart. */
        manager_call_ok(h, "Resume", g_variant_new("(s)", ""));
        bus_wait_job_state(h, paths[4], "running");

        /* Once more: the new job, the grant and the resume were stored too. */
        bus_harness_kill_daemon(h, sig);
        bus_harness_start_daemon(h);
        /* The granted lease's holder did not survive sluiced: abandoned, history
         * only; not paused any more, so the next one in order is granted. */
        bus_wait_job_state(h, paths[1], "running");
        g_autofree char *third = list_jobs(h);
        g_assert_cmpstr(third, ==, "2:queued:0 3:running:5 4:queued:-3 5:queued:5 7:queued:0");
        g_clear_pointer(&paused, g_variant_unref);
        paused = bus_get_property(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Paused");
        g_assert_cmpuint(g_variant_n_children(paused), ==, 0);
        for (guint i = 0; i < G_N_ELEMENTS(paths); i++)
                g_free(paths[i]);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_data_func("/store/restart/sigkill", GINT_TO_POINTER(SIGKILL), test_restart);
        g_test_add_data_func("/store/restart/sigterm", GINT_TO_POINTER(SIGTERM), test_restart);
        return g_test_run();
}

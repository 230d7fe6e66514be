/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What Submit()'s and Acquire()'s options ask of polkit (docs/authorization.md):
 * a priority above the class's Priority= and extra resources take
 * org.sluice.manage-jobs, asked after org.sluice.submit/acquire, with the
 * details "priority" and "resources" so rules can grant exactly that.
 *
 * The real sluiced with --no-root-bypass; polkit is mocked (fault
 * injection: every answer chosen here) by libglib-testing's GtDBusQueue
 * owning org.freedesktop.PolicyKit1.  The fixture is polkit-mock.c's.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "polkit-mock.h"

static const char config[] =
        "[Scheduler]\n"
        "Discipline=priority\n"
        "MaxRunning=0\n"
        "KeepFinishedSec=300\n"
        "\n"
        "[Class backup]\n"
        "Kind=lease\n"
        "Priority=5\n"
        "MaxRunning=0\n"
        "\n"
        "[Class gc]\n"
        "Kind=lease\n"
        "MaxRunning=0\n"
        "Parameter.store=[a-z]+\n"
        "Resources=datastore:%{store}\n";

static void setup(Fixture *f, gconstpointer data) {
        setup_common(f, TRUE, "sluice-authz-test-XXXXXX", config);
}

static BusPending *submit_with(Fixture *f, const char *method, const char *klass, GVariant *options) {
        return call_async(f, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method,
                          g_variant_new("(s@a{sv})", klass, options), G_DBUS_CALL_FLAGS_NONE);
}

static GVariant *priority_option(gint32 prio) {
        g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

        g_variant_dict_insert(&d, "priority", "i", prio);
        return g_variant_dict_end(&d);
}

/* The first check: org.sluice.submit (or acquire) for @klass, with no extra details; allowed. */
static void allow_first(Fixture *f, BusPending *p, const char *action, const char *klass) {
        g_autoptr(Check) c = pop_check_for(f, p);

        assert_check(c, f->unique_name, action, klass);
        g_assert_null(g_hash_table_lookup(c->details, "priority"));
        g_assert_null(g_hash_table_lookup(c->details, "resources"));
        answer(c, TRUE, FALSE);
}

static gint32 job_priority(Fixture *f, const char *path) {
        g_autoptr(GVariant) v = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "Priority");

        return g_variant_get_int32(v);
}

static char *reply_path(BusPending *p) {
        char *path = NULL;

        g_assert_no_error(p->error);
        g_variant_get(p->reply, "(o)", &path);
        return path;
}

/* A priority at or below the class's Priority= (5) is submit's; above it,
 * manage-jobs' (SetPriority's rule): refused with nothing queued, or allowed. */
static void test_priority(Fixture *f, gconstpointer data) {
        static const gint32 free_ones[] = { 5, 3, -1000 };

        for (size_t i = 0; i < G_N_ELEMENTS(free_ones); i++) {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "backup", priority_option(free_ones[i]));
                g_autofree char *path = NULL;

                allow_first(f, p, "org.sluice.submit", "backup");
                wait_reply(f, p, "Submit at the class's priority or lower");
                path = reply_path(p);
                g_assert_cmpint(job_priority(f, path), ==, free_ones[i]);
        }
        g_assert_cmpuint(n_jobs(f), ==, 3);

        /* 1000 > 5: manage-jobs, with the priority in the details; denied. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "backup", priority_option(1000));
                g_autoptr(Check) c = NULL;

                allow_first(f, p, "org.sluice.submit", "backup");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "backup");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "1000");
                g_assert_null(g_hash_table_lookup(c->details, "resources"));
                g_assert_null(g_hash_table_lookup(c->details, "job"));
                answer(c, FALSE, FALSE);
                wait_reply(f, p, "Submit at priority 1000 to be refused");
                bus_assert_error(p->error, "org.sluice.Error.NotPermitted",
                                 "not permitted: org.sluice.manage-jobs for class backup",
                                 "options.priority 1000 is above the class's Priority=5", NULL);
                g_assert_cmpuint(n_jobs(f), ==, 3);
        }

        /* 6 > 5, allowed by manage-jobs: queued at 6. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "backup", priority_option(6));
                g_autoptr(Check) c = NULL;
                g_autofree char *path = NULL;

                allow_first(f, p, "org.sluice.submit", "backup");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "backup");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "6");
                answer(c, TRUE, FALSE);
                wait_reply(f, p, "Submit at priority 6 to be answered");
                path = reply_path(p);
                g_assert_cmpint(job_priority(f, path), ==, 6);
                g_assert_cmpuint(n_jobs(f), ==, 4);
        }

        /* Acquire follows the same rule (gc's Priority= is 0). */
        {
                g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(BusPending) p = NULL;
                g_autoptr(Check) c = NULL;

                g_variant_dict_insert(&d, "priority", "i", 1);
                g_variant_dict_insert_value(&d, "parameters", g_variant_new_parsed("{'store': 'a'}"));
                p = submit_with(f, "Acquire", "gc", g_variant_dict_end(&d));
                allow_first(f, p, "org.sluice.acquire", "gc");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "gc");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "1");
                answer(c, FALSE, FALSE);
                wait_reply(f, p, "Acquire at priority 1 to be refused");
                bus_assert_error(p->error, "org.sluice.Error.NotPermitted", "org.sluice.manage-jobs for class gc",
                                 "Priority=0", NULL);
                g_assert_cmpuint(n_jobs(f), ==, 4);
        }
}

/* The class's own resources (Resources=datastore:%{store}) are submit's; any
 * extra resource is manage-jobs', with the resources in the details. */
static void test_resources(Fixture *f, gconstpointer data) {
        g_autoptr(GVariant) own = NULL;

        /* Own resources only: one check. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "gc",
                                                      g_variant_new_parsed("{'parameters': <{'store': 'a'}>}"));
                g_autofree char *path = NULL;
                g_autofree const char **own_resources = NULL;

                allow_first(f, p, "org.sluice.submit", "gc");
                wait_reply(f, p, "Submit with the class's own resources");
                path = reply_path(p);
                own = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "Resources");
                own_resources = g_variant_get_strv(own, NULL);       /* the array is ours, its strings are not */
                g_assert_cmpstr(own_resources[0], ==, "datastore:a");
        }

        /* Another datastore's slots, and a tape drive: manage-jobs, denied. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Submit", "gc",
                                                      g_variant_new_parsed("{'parameters': <{'store': 'a'}>, "
                                                                           "'resources': <['datastore:b', 'tape:0']>}"));
                g_autoptr(Check) c = NULL;

                allow_first(f, p, "org.sluice.submit", "gc");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "gc");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "resources"), ==, "datastore:b tape:0");
                g_assert_null(g_hash_table_lookup(c->details, "priority"));
                answer(c, FALSE, FALSE);
                wait_reply(f, p, "Submit with extra resources to be refused");
                bus_assert_error(p->error, "org.sluice.Error.NotPermitted", "org.sluice.manage-jobs for class gc",
                                 "options.resources asks for datastore:b tape:0", NULL);
                g_assert_cmpuint(n_jobs(f), ==, 1);
        }

        /* Both at once, on Acquire: one check carrying both details; allowed. */
        {
                g_autoptr(BusPending) p = submit_with(f, "Acquire", "gc",
                                                      g_variant_new_parsed("{'parameters': <{'store': 'c'}>, "
                                                                           "'priority': <7>, "
                                                                           "'resources': <['datastore:b']>}"));
                g_autoptr(Check) c = NULL;
                g_autoptr(GVariant) res = NULL;
                g_autofree char *path = NULL;
                g_autofree const char **strv = NULL;

                allow_first(f, p, "org.sluice.acquire", "gc");
                c = pop_check_for(f, p);
                assert_check(c, f->unique_name, "org.sluice.manage-jobs", "gc");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "resources"), ==, "datastore:b");
                g_assert_cmpstr(g_hash_table_lookup(c->details, "priority"), ==, "7");
                answer(c, TRUE, FALSE);
                wait_reply(f, p, "Acquire with extra resources to be granted");
                path = reply_path(p);
                res = bus_get_property(&f->h, path, SLUICE_JOB_IFACE, "Resources");
                strv = g_variant_get_strv(res, NULL);
                g_assert_cmpuint(g_strv_length((char **) strv), ==, 2);
                g_assert_cmpstr(strv[0], ==, "datastore:b");
                g_assert_cmpstr(strv[1], ==, "datastore:c");
                g_assert_cmpint(job_priority(f, path), ==, 7);
        }
}

/* sluicectl says which option needed manage-jobs, not "pause or resume". */
static void test_sluicectl(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Check) c = NULL, c2 = NULL;
        g_autoptr(GString) err = g_string_new(NULL);
        const char *sluicectl = g_getenv("SLUICECTL");
        g_autofree char *bus_arg = g_strdup_printf("--bus-address=%s", f->h.address);
        const char *argv[] = { sluicectl, bus_arg, "--no-ask-password", "acquire", "--priority", "1000", "backup",
                               NULL };
        GPid pid;
        int err_fd, status;
        char buf[512];
        ssize_t n;

        g_assert_nonnull(sluicectl);
        g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                 NULL, NULL, &pid, NULL, NULL, &err_fd, &error);
        g_assert_no_error(error);
        c = pop_check_for(f, NULL);
        g_assert_cmpstr(c->action, ==, "org.sluice.acquire");
        answer(c, TRUE, FALSE);
        c2 = pop_check_for(f, NULL);
        g_assert_cmpstr(c2->action, ==, "org.sluice.manage-jobs");
        g_assert_cmpstr(g_hash_table_lookup(c2->details, "priority"), ==, "1000");
        answer(c2, FALSE, FALSE);

        while ((n = read(err_fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0)
                        g_string_append_len(err, buf, n);
        close(err_fd);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_spawn_close_pid(pid);
        g_test_message("sluicectl said: %s", err->str);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 77);   /* not permitted: sluicectl(1), EXIT STATUS */
        g_assert_cmpstr(err->str, ==,
                        "sluicectl: not permitted to queue this job of class backup (options.priority 1000 is "
                        "above the class's Priority=5) (polkit action org.sluice.manage-jobs)\n");
        g_assert_cmpuint(n_jobs(f), ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
        ADD("/bus/authz-options/priority", test_priority);
        ADD("/bus/authz-options/resources", test_resources);
        ADD("/bus/authz-options/sluicectl", test_sluicectl);
        return g_test_run();
}

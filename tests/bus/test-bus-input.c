/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bad input is answered with the exact org.sluice.Error.* name, a message
 * naming the field, and no change of state; ListJobs filters.
 */
#include <string.h>
#include <unistd.h>

#include "bus-harness.h"

/* Everything a bad call could have touched, as one comparable string. */
static char *snapshot(BusHarness *h) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) list = NULL;
        g_autofree char *jobs = NULL;

        list = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                        g_variant_new("(@a{sv})", g_variant_new("a{sv}", NULL)), &error);
        g_assert_no_error(error);
        jobs = g_variant_print(list, TRUE);
        return g_strdup_printf("queued=%u running=%u jobs=%s", bus_manager_get_u(h, "QueuedJobs"),
                               bus_manager_get_u(h, "RunningJobs"), jobs);
}

static GVariant *opt1(const char *key, GVariant *value) {
        g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

        g_variant_dict_insert_value(&d, key, value);
        return g_variant_dict_end(&d);
}

static GVariant *params2(const char *k1, const char *v1, const char *k2, const char *v2) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));

        g_variant_builder_add(&b, "{ss}", k1, v1);
        if (k2)
                g_variant_builder_add(&b, "{ss}", k2, v2);
        return g_variant_builder_end(&b);
}

/* Call a manager method, expect error_name with a message naming field
 * (when not NULL), and no change of state. */
static void expect_refusal(BusHarness *h, const char *path, const char *iface, const char *method,
                           GVariant *params, const char *error_name, const char *field) {
        g_autofree char *before = snapshot(h);
        g_autofree char *after = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;

        g_variant_ref_sink(params);
        r = bus_call(h, NULL, path, iface, method, params, &error);
        if (!error) {
                g_autofree char *p = g_variant_print(params, TRUE);
                g_error("%s%s succeeded; expected %s", method, p, error_name);
        }
        bus_assert_error(error, error_name, field, NULL);
        g_variant_unref(params);

        after = snapshot(h);
        g_assert_cmpstr(after, ==, before);
}

static void expect_submit_refusal(BusHarness *h, const char *klass, GVariant *options, const char *error_name,
                                  const char *field) {
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit",
                       g_variant_new("(s@a{sv})", klass, options), error_name, field);
}

static void test_bad_input(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autofree char *huge = NULL;
        g_autofree char *held = NULL;
        g_autofree char *waiting = NULL;
        const char *invalid = "org.sluice.Error.InvalidArgument";

        /* Some state that must survive all of this unchanged. */
        held = bus_submit(h, NULL, "slot", NULL);
        waiting = bus_submit(h, NULL, "slot", NULL);

        expect_submit_refusal(h, "nosuch", g_variant_new("a{sv}", NULL), "org.sluice.Error.NoSuchClass", "nosuch");
        expect_submit_refusal(h, "", g_variant_new("a{sv}", NULL), invalid, "class");

        /* wrong types for known options */
        expect_submit_refusal(h, "slot", opt1("priority", g_variant_new_string("high")), invalid, "priority");
        expect_submit_refusal(h, "slot", opt1("description", g_variant_new_int32(42)), invalid, "description");
        expect_submit_refusal(h, "slot", opt1("resources", g_variant_new_string("datastore:a")), invalid,
                              "resources");
        expect_submit_refusal(h, "slot", opt1("not-before", g_variant_new_int32(5)), invalid, "not-before");
        expect_submit_refusal(h, "slot", opt1("max-wait-sec", g_variant_new_string("10")), invalid,
                              "max-wait-sec");
        {
                g_auto(GVariantDict) p = G_VARIANT_DICT_INIT(NULL);
                g_variant_dict_insert(&p, "store", "i", 1);
                expect_submit_refusal(h, "backup", opt1("parameters", g_variant_dict_end(&p)), invalid,
                                      "parameters");
        }

        /* out of range */
        expect_submit_refusal(h, "slot", opt1("priority", g_variant_new_int32(1001)), invalid, "priority");
        expect_submit_refusal(h, "slot", opt1("priority", g_variant_new_int32(-1001)), invalid, "priority");
        expect_submit_refusal(h, "slot", opt1("priority", g_variant_new_int32(G_MAXINT32)), invalid, "priority");

        /* unknown option keys */
        expect_submit_refusal(h, "slot", opt1("colour", g_variant_new_string("blue")), invalid, "colour");
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                       g_variant_new("(s@a{sv})", "slot", opt1("colour", g_variant_new_string("blue"))), invalid,
                       "colour");

        /* huge strings */
        huge = g_malloc(1024 * 1024 + 1);
        memset(huge, 'x', 1024 * 1024);
        huge[1024 * 1024] = '\0';
        expect_submit_refusal(h, "slot", opt1("description", g_variant_new_string(huge)), invalid, "description");
        expect_submit_refusal(h, "backup", opt1("parameters", params2("store", huge, NULL, NULL)), invalid, "store");

        /* parameters: undeclared, missing, not matching the declared pattern */
        expect_submit_refusal(h, "backup", opt1("parameters", params2("store", "a", "colour", "blue")), invalid,
                              "colour");
        expect_submit_refusal(h, "backup", g_variant_new("a{sv}", NULL), invalid, "store");
        expect_submit_refusal(h, "backup", opt1("parameters", params2("store", "../etc", NULL, NULL)), invalid,
                              "store");

        /* Acquire options */
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                       g_variant_new("(s@a{sv})", "slot", opt1("timeout-sec", g_variant_new_string("5"))), invalid,
                       "timeout-sec");
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                       g_variant_new("(s@a{sv})", "slot", opt1("ttl-sec", g_variant_new_int32(5))), invalid,
                       "ttl-sec");
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                       g_variant_new("(s@a{sv})", "nosuch", g_variant_new("a{sv}", NULL)),
                       "org.sluice.Error.NoSuchClass", "nosuch");

        /* unknown jobs */
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob", g_variant_new("(t)", (guint64) 987654),
                       "org.sluice.Error.NoSuchJob", "987654");
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                       g_variant_new("(t)", (guint64) 987654), "org.sluice.Error.NoSuchJob", "987654");

        /* job methods */
        expect_refusal(h, held, SLUICE_JOB_IFACE, "SetPriority", g_variant_new("(i)", 5000), invalid, "priority");
        expect_refusal(h, held, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", "maybe"), invalid, "maybe");

        /* ListJobs filters */
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                       g_variant_new("(@a{sv})", opt1("states", g_variant_new_strv((const char *[]) { "bogus" }, 1))),
                       invalid, "bogus");
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                       g_variant_new("(@a{sv})", opt1("limit", g_variant_new_string("3"))), invalid, "limit");
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                       g_variant_new("(@a{sv})", opt1("colour", g_variant_new_string("3"))), invalid, "colour");

        /* A call that does not match the method's signature at all. */
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit", g_variant_new("(i)", 1),
                       "org.freedesktop.DBus.Error.InvalidArgs", NULL);
}

typedef struct {
        guint64 id;
        const char *klass, *state, *result;
        gint32 priority;
        guint32 owner;
        guint64 submitted;
        const char *path;
} Entry;

static GVariant *list_jobs(BusHarness *h, GVariant *filter) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                     g_variant_new("(@a{sv})", filter ? filter : g_variant_new("a{sv}", NULL)), &error);
        g_assert_no_error(error);
        return g_variant_get_child_value(r, 0);
}

static guint n_listed(BusHarness *h, GVariant *filter) {
        g_autoptr(GVariant) l = list_jobs(h, filter);

        return g_variant_n_children(l);
}

static void test_list_jobs(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GVariant) all = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL, *b1 = NULL;
        const char *running_states[] = { "running" };
        const char *queued_done[] = { "queued", "done" };
        GVariantIter it;
        Entry e;
        guint n = 0;

        s1 = bus_submit(h, NULL, "slot", NULL);  /* running */
        s2 = bus_submit(h, NULL, "slot", NULL);  /* queued */
        s3 = bus_submit(h, NULL, "slot", NULL);  /* cancelled → done */
        b1 = bus_submit(h, NULL, "backup", opt1("parameters", params2("store", "a", NULL, NULL)));
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                     g_variant_new("(t)", bus_job_id(s3)), &error);
        g_assert_no_error(error);

        /* Every entry says what the object says. */
        all = list_jobs(h, NULL);
        g_assert_cmpuint(g_variant_n_children(all), ==, 4);
        g_variant_iter_init(&it, all);
        while (g_variant_iter_next(&it, "(t&s&s&siut&o)", &e.id, &e.klass, &e.state, &e.result, &e.priority,
                                   &e.owner, &e.submitted, &e.path)) {
                g_autofree char *klass = bus_job_get_string(h, e.path, "Class");
                g_autofree char *state = bus_job_get_string(h, e.path, "State");
                g_autofree char *result = bus_job_get_string(h, e.path, "Result");
                g_autoptr(GVariant) prio = bus_get_property(h, e.path, SLUICE_JOB_IFACE, "Priority");
                g_autoptr(GVariant) at = bus_get_property(h, e.path, SLUICE_JOB_IFACE, "SubmittedAt");

                g_assert_cmpuint(bus_job_id(e.path), ==, e.id);
                g_assert_cmpstr(e.klass, ==, klass);
                g_assert_cmpstr(e.state, ==, state);
                g_assert_cmpstr(e.result, ==, result);
                g_assert_cmpint(e.priority, ==, g_variant_get_int32(prio));
                g_assert_cmpuint(e.owner, ==, getuid());
                g_assert_cmpuint(e.submitted, ==, g_variant_get_uint64(at));
                n++;
        }
        g_assert_cmpuint(n, ==, 4);

        g_assert_cmpuint(n_listed(h, opt1("states", g_variant_new_strv((const char *[]) { "queued" }, 1))), ==, 1);
        g_assert_cmpuint(n_listed(h, opt1("states", g_variant_new_strv(running_states, 1))), ==, 2);
        g_assert_cmpuint(n_listed(h, opt1("states", g_variant_new_strv(queued_done, 2))), ==, 2);
        g_assert_cmpuint(n_listed(h, opt1("class", g_variant_new_string("backup"))), ==, 1);
        g_assert_cmpuint(n_listed(h, opt1("class", g_variant_new_string("slot"))), ==, 3);
        g_assert_cmpuint(n_listed(h, opt1("class", g_variant_new_string("nosuch"))), ==, 0);
        g_assert_cmpuint(n_listed(h, opt1("owner", g_variant_new_uint32(getuid()))), ==, 4);
        g_assert_cmpuint(n_listed(h, opt1("owner", g_variant_new_uint32(getuid() + 1))), ==, 0);
        g_assert_cmpuint(n_listed(h, opt1("limit", g_variant_new_uint32(2))), ==, 2);
        {
                g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
                g_autoptr(GVariant) l = NULL;
                const char *path;

                g_variant_dict_insert_value(&d, "states", g_variant_new_strv(running_states, 1));
                g_variant_dict_insert(&d, "class", "s", "slot");
                l = list_jobs(h, g_variant_dict_end(&d));
                g_assert_cmpuint(g_variant_n_children(l), ==, 1);
                g_variant_get_child(l, 0, "(tsssiut&o)", NULL, NULL, NULL, NULL, NULL, NULL, NULL, &path);
                g_assert_cmpstr(path, ==, s1);
        }
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/input/bad-input", test_bad_input);
        g_test_add_func("/bus/input/list-jobs", test_list_jobs);

        return g_test_run();
}

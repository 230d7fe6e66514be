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

static GVariant *strv_of(guint n, gsize each_bytes, const char *prefix) {
        g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);

        for (guint i = 0; i < n; i++) {
                GString *e = g_string_new(prefix);
                while (e->len < each_bytes)
                        g_string_append_c(e, 'x');
                g_ptr_array_add(a, g_string_free(e, FALSE));
        }
        return g_variant_new_strv((const char *const *) a->pdata, a->len);
}

static GVariant *params_n(guint n) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));

        for (guint i = 0; i < n; i++) {
                g_autofree char *k = g_strdup_printf("p%u", i);
                g_variant_builder_add(&b, "{ss}", k, "v");
        }
        return g_variant_builder_end(&b);
}

/* Every bound of input-bounds.h: InvalidArgument naming the field and the bound, nothing changed. */
static void test_bounds(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autofree char *held = NULL, *waiting = NULL, *long_name = NULL, *long_key = NULL;
        const char *invalid = "org.sluice.Error.InvalidArgument";

        held = bus_submit(h, NULL, "slot", NULL);
        waiting = bus_submit(h, NULL, "slot", NULL);

        /* parameters: count, name length */
        expect_submit_refusal(h, "backup", opt1("parameters", params_n(65)), invalid, "more than 64 parameters");
        long_name = g_strnfill(256, 'n');
        expect_submit_refusal(h, "backup", opt1("parameters", params2(long_name, "v", NULL, NULL)), invalid,
                              "options.parameters: name of 256 bytes is longer than the limit of 255 bytes");
        expect_submit_refusal(h, "backup", opt1("parameters", params2("", "v", NULL, NULL)), invalid,
                              "options.parameters");

        /* resources: count, bytes of one */
        expect_submit_refusal(h, "slot", opt1("resources", strv_of(33, 8, "r:")), invalid,
                              "options.resources: 33 elements are more than the limit of 32");
        expect_submit_refusal(h, "slot", opt1("resources", strv_of(1, 256, "r:")), invalid,
                              "options.resources[0]: 256 bytes is longer than the limit of 255 bytes");

        /* argv: elements, one element, all together (execve counts the NULs) */
        expect_submit_refusal(h, "cmd", opt1("argv", strv_of(257, 1, "/")), invalid,
                              "options.argv: 257 elements are more than the limit of 256");
        expect_submit_refusal(h, "cmd", opt1("argv", strv_of(1, 4097, "/")), invalid,
                              "options.argv[0]: 4097 bytes is longer than the limit of 4096 bytes");
        expect_submit_refusal(h, "cmd", opt1("argv", strv_of(17, 4095, "/")), invalid,
                              "options.argv: 69632 bytes in all is more than the limit of 65536 bytes");
        expect_submit_refusal(h, "cmd", opt1("argv", g_variant_new_strv(NULL, 0)), invalid, "options.argv");

        /* environment: count, total, KEY syntax, control characters */
        expect_submit_refusal(h, "cmd", opt1("environment", strv_of(129, 4, "A=")), invalid,
                              "options.environment: 129 elements are more than the limit of 128");
        expect_submit_refusal(h, "cmd", opt1("environment", strv_of(17, 4095, "A=")), invalid,
                              "options.environment: 69632 bytes in all is more than the limit of 65536 bytes");
        expect_submit_refusal(h, "cmd", opt1("environment", g_variant_new_strv((const char *[]) { "1A=x" }, 1)),
                              invalid, "options.environment[0]: \"1A=x\" is not a KEY=VALUE assignment");
        expect_submit_refusal(h, "cmd", opt1("environment", g_variant_new_strv((const char *[]) { "A-B=x" }, 1)),
                              invalid, "options.environment[0]");
        expect_submit_refusal(h, "cmd", opt1("environment", g_variant_new_strv((const char *[]) { "NOVALUE" }, 1)),
                              invalid, "options.environment[0]");
        expect_submit_refusal(h, "cmd",
                              opt1("environment", g_variant_new_strv((const char *[]) { "A=ok", "B=x\ny" }, 2)),
                              invalid, "options.environment[1]: contains the control character \\x0a");

        /* description: length, control characters (a tab is fine) */
        {
                g_autofree char *d = g_strnfill(1025, 'd');
                expect_submit_refusal(h, "slot", opt1("description", g_variant_new_string(d)), invalid,
                                      "options.description: 1025 bytes is longer than the limit of 1024 bytes");
        }
        expect_submit_refusal(h, "slot", opt1("description", g_variant_new_string("two\nlines")), invalid,
                              "options.description: contains the control character \\x0a");
        expect_submit_refusal(h, "slot", opt1("description", g_variant_new_string("bell\a")), invalid,
                              "options.description: contains the control character \\x07");
        expect_submit_refusal(h, "slot", opt1("description", g_variant_new_string("del\x7f")), invalid,
                              "options.description: contains the control character \\x7f");

        /* the class argument */
        {
                g_autofree char *c = g_strnfill(4097, 'c');
                expect_submit_refusal(h, c, g_variant_new("a{sv}", NULL), invalid,
                                      "class: 4097 bytes is longer than the limit of 4096 bytes");
        }

        /* ListJobs: limit and states */
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                       g_variant_new("(@a{sv})", opt1("limit", g_variant_new_uint32(100001))), invalid,
                       "filter.limit: 100001 is more than the limit of 100000");
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs",
                       g_variant_new("(@a{sv})", opt1("states", strv_of(9, 6, "queued"))), invalid,
                       "filter.states: 9 elements are more than the limit of 8");

        /* UpdateConfig: key length */
        long_key = g_strnfill(256, 'K');
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig",
                       g_variant_new("(s@a{sv}b)", "Scheduler", opt1(long_key, g_variant_new_string("1")), FALSE),
                       invalid, "settings: key of 256 bytes is longer than the limit of 255 bytes");

        /* At the bounds: accepted. */
        {
                g_autofree char *d = g_strnfill(1024, 'd');
                g_autofree char *p = bus_submit(h, NULL, "slot", opt1("description", g_variant_new_string(d)));
                g_autofree char *q = bus_submit(h, NULL, "slot", opt1("description", g_variant_new_string("a\ttab")));
                /* The longest valid resource: VALUE of 128 bytes (the syntax is tighter than the byte bound). */
                g_autofree char *r = bus_submit(h, NULL, "slot", opt1("resources", strv_of(32, 130, "r:")));
                g_assert_nonnull(p);
                g_assert_nonnull(q);
                g_assert_nonnull(r);
        }
}

/* MaxQueuedPerUser on the bus: QuotaExceeded naming the quota, nothing queued. */
static void test_quota(void) {
        g_autoptr(BusHarness) h = bus_harness_new("[Scheduler]\nMaxRunning=0\nMaxQueuedPerUser=2\n"
                                                  "[Class slot]\nMaxRunning=1\n");
        g_autofree char *j1 = bus_submit(h, NULL, "slot", NULL);      /* running: not counted */
        g_autofree char *j2 = bus_submit(h, NULL, "slot", NULL);
        g_autofree char *j3 = bus_submit(h, NULL, "slot", NULL);
        g_autofree char *msg = g_strdup_printf("quota: user %u already has 2 queued jobs (MaxQueuedPerUser=2)",
                                               (unsigned) getuid());

        expect_submit_refusal(h, "slot", g_variant_new("a{sv}", NULL), "org.sluice.Error.QuotaExceeded", msg);
        expect_refusal(h, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                       g_variant_new("(s@a{sv})", "slot", opt1("ttl-sec", g_variant_new_uint64(60))),
                       "org.sluice.Error.QuotaExceeded", msg);
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

static const char loose_config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "\n"
        "[Class loose]\n"
        "Kind=lease\n"
        "MaxRunning=0\n"
        "Parameter.store=.*\n"
        "Resources=datastore:%{store}\n";

/* Resources have the documented syntax whether they come from a placeholder
 * or the option: InvalidArgument naming the field, nothing queued. */
static void test_resource_syntax(void) {
        g_autoptr(BusHarness) h = bus_harness_new(loose_config);
        g_autofree char *long_value = g_strnfill(200, 'v');
        g_autofree char *long_resource = g_strconcat("datastore:", long_value, NULL);
        g_autofree char *max_value = g_strnfill(128, 'v');
        g_autofree char *max_resource = g_strconcat("datastore:", max_value, NULL);
        const char *invalid = "org.sluice.Error.InvalidArgument";
        const char *bad[] = { "*", "../x", "a b", "a/b", "", long_value };
        const char *bad_options[] = { "datastore:*", "datastore:../x", "datastore:", ":a", "data/store:a",
                                      long_resource };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                expect_submit_refusal(h, "loose", opt1("parameters", params2("store", bad[i], NULL, NULL)), invalid,
                                      "parameters.store");
        expect_submit_refusal(h, "loose", opt1("parameters", params2("store", "*", NULL, NULL)), invalid,
                              "parameters.store: makes the resource \"datastore:*\" of class loose "
                              "(Resources=datastore:%{store}), which is not a valid resource (TYPE:VALUE");
        for (size_t i = 0; i < G_N_ELEMENTS(bad_options); i++) {
                GVariant *o = NULL;
                g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

                g_variant_dict_insert(&d, "parameters", "@a{ss}", params2("store", "a", NULL, NULL));
                g_variant_dict_insert_value(&d, "resources",
                                            g_variant_new_strv((const char *[]) { "tape:a", bad_options[i] }, 2));
                o = g_variant_dict_end(&d);
                expect_submit_refusal(h, "loose", o, invalid, "options.resources[1]");
        }
        expect_submit_refusal(h, "loose",
                              opt1("resources", g_variant_new_strv((const char *[]) { "datastore:../x" }, 1)),
                              invalid, "options.resources[0]: \"datastore:../x\" is not a valid resource (TYPE:VALUE");

        /* The longest valid value, from a placeholder and from the option. */
        {
                g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
                g_autofree char *p = NULL;
                g_autoptr(GVariant) res = NULL;

                g_variant_dict_insert(&d, "parameters", "@a{ss}", params2("store", max_value, NULL, NULL));
                g_variant_dict_insert_value(&d, "resources",
                                            g_variant_new_strv((const char *[]) { "tape:a.b-c_d@e+f" }, 1));
                p = bus_submit(h, NULL, "loose", g_variant_dict_end(&d));
                res = bus_get_property(h, p, SLUICE_JOB_IFACE, "Resources");
                g_assert_cmpuint(g_variant_n_children(res), ==, 2);
                g_autofree char *first = NULL;
                g_variant_get_child(res, 0, "s", &first);
                g_assert_cmpstr(first, ==, max_resource);
        }
}

/* not-before is bounded (year 9999): InvalidArgument naming it and the bound. */
static void test_not_before(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        const char *invalid = "org.sluice.Error.InvalidArgument";
        const guint64 bound = G_GUINT64_CONSTANT(253402214400000000);
        g_autofree char *p = NULL;
        g_autoptr(GVariant) reason = NULL;

        expect_submit_refusal(h, "slot", opt1("not-before", g_variant_new_uint64(G_MAXUINT64)), invalid,
                              "options.not-before: 18446744073709551615 is too late (at most 253402214400000000");
        expect_submit_refusal(h, "slot", opt1("not-before", g_variant_new_uint64(bound + 1)), invalid,
                              "9999-12-31 00:00:00 UTC");

        /* At the bound: queued, and its wait reason shows the date. */
        p = bus_submit(h, NULL, "slot", opt1("not-before", g_variant_new_uint64(bound)));
        reason = bus_get_property(h, p, SLUICE_JOB_IFACE, "WaitReason");
        g_test_message("WaitReason: %s", g_variant_get_string(reason, NULL));
        g_assert_nonnull(strstr(g_variant_get_string(reason, NULL), "9999"));
        g_assert_null(strstr(g_variant_get_string(reason, NULL), "?"));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/input/bad-input", test_bad_input);
        g_test_add_func("/bus/input/list-jobs", test_list_jobs);
        g_test_add_func("/bus/input/bounds", test_bounds);
        g_test_add_func("/bus/input/quota", test_quota);
        g_test_add_func("/bus/input/resource-syntax", test_resource_syntax);
        g_test_add_func("/bus/input/not-before", test_not_before);

        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Jobs through the real sluiced: Submit, Acquire (deferred), Cancel, Wait,
 * Release, Renew, a SIGKILLed lease holder, Acquire timeouts, command classes.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-harness.h"

static GVariant *empty_options(void) {
        return g_variant_new("a{sv}", NULL);
}

/* {"store": store} as a{ss}, floating. */
static GVariant *store_parameters(const char *store) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));

        g_variant_builder_add(&b, "{ss}", "store", store);
        return g_variant_builder_end(&b);
}

static GVariant *job_get_all(BusHarness *h, const char *path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        GVariant *all;

        r = bus_call(h, NULL, path, "org.freedesktop.DBus.Properties", "GetAll",
                     g_variant_new("(s)", SLUICE_JOB_IFACE), &error);
        g_assert_no_error(error);
        g_variant_get(r, "(@a{sv})", &all);
        return all;
}

static void test_submit_properties(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GVariant) all = NULL;
        g_autoptr(GVariant) all2 = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        g_autofree char *path2 = NULL;
        g_autofree char *got = NULL;
        g_autofree char *reason = NULL;
        const char *s;
        const char **strv;
        guint64 before, after, t, started;
        gint32 i32;
        guint32 u32;
        guint64 id;

        g_variant_dict_insert_value(&opts, "parameters", store_parameters("a"));
        g_variant_dict_insert(&opts, "priority", "i", 7);
        g_variant_dict_insert(&opts, "description", "s", "nightly run");

        before = g_get_real_time();
        path = bus_submit(h, NULL, "backup", g_variant_dict_end(&opts));
        after = g_get_real_time();
        id = bus_job_id(path);

        all = job_get_all(h, path);
        g_assert_true(g_variant_lookup(all, "Id", "t", &t));
        g_assert_cmpuint(t, ==, id);
        g_assert_true(g_variant_lookup(all, "Class", "&s", &s));
        g_assert_cmpstr(s, ==, "backup");
        g_assert_true(g_variant_lookup(all, "Kind", "&s", &s));
        g_assert_cmpstr(s, ==, "lease");
        /* A lease class job submitted with every limit free is granted at once. */
        g_assert_true(g_variant_lookup(all, "State", "&s", &s));
        g_assert_cmpstr(s, ==, "running");
        g_assert_true(g_variant_lookup(all, "Result", "&s", &s));
        g_assert_cmpstr(s, ==, "");
        g_assert_true(g_variant_lookup(all, "Priority", "i", &i32));
        g_assert_cmpint(i32, ==, 7);
        g_assert_true(g_variant_lookup(all, "Resources", "^a&s", &strv));
        g_assert_cmpuint(g_strv_length((char **) strv), ==, 1);
        g_assert_cmpstr(strv[0], ==, "datastore:a");
        g_free(strv);
        {
                g_autoptr(GVariant) p = g_variant_lookup_value(all, "Parameters", G_VARIANT_TYPE("a{ss}"));
                g_assert_nonnull(p);
                g_assert_cmpuint(g_variant_n_children(p), ==, 1);
                g_assert_true(g_variant_lookup(p, "store", "&s", &s));
                g_assert_cmpstr(s, ==, "a");
        }
        g_assert_true(g_variant_lookup(all, "Owner", "u", &u32));
        g_assert_cmpuint(u32, ==, getuid());
        g_assert_true(g_variant_lookup(all, "Submitter", "&s", &s));
        g_assert_cmpstr(s, ==, g_dbus_connection_get_unique_name(h->conn));
        g_assert_true(g_variant_lookup(all, "Description", "&s", &s));
        g_assert_cmpstr(s, ==, "nightly run");
        g_assert_true(g_variant_lookup(all, "SubmittedAt", "t", &t));
        g_assert_cmpuint(t, >=, before);
        g_assert_cmpuint(t, <=, after);
        g_assert_true(g_variant_lookup(all, "StartedAt", "t", &started));
        g_assert_cmpuint(started, >=, t);
        g_assert_cmpuint(started, <=, after);
        g_assert_true(g_variant_lookup(all, "FinishedAt", "t", &t));
        g_assert_cmpuint(t, ==, 0);
        g_assert_true(g_variant_lookup(all, "Position", "u", &u32));
        g_assert_cmpuint(u32, ==, 0);
        g_assert_true(g_variant_lookup(all, "WaitReason", "&s", &s));
        g_assert_cmpstr(s, ==, "");
        g_assert_true(g_variant_lookup(all, "Unit", "&s", &s));
        g_assert_cmpstr(s, ==, "");
        g_assert_true(g_variant_lookup(all, "InvocationID", "&s", &s));
        g_assert_cmpstr(s, ==, "");
        g_assert_true(g_variant_lookup(all, "ExitStatus", "i", &i32));
        g_assert_cmpint(i32, ==, -1);
        g_assert_true(g_variant_lookup(all, "Attempt", "u", &u32));
        g_assert_cmpuint(u32, ==, 1);
        g_assert_true(g_variant_lookup(all, "LeaseExpiresAt", "t", &t));
        g_assert_cmpuint(t, ==, 0);
        g_assert_true(g_variant_lookup(all, "ResultDetail", "&s", &s));
        g_assert_cmpstr(s, ==, "");
        /* Exactly the properties of the XML: 22 of them. */
        g_assert_cmpuint(g_variant_n_children(all), ==, 22);

        /* GetJob finds it under the same path. */
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob",
                     g_variant_new("(t)", id), &error);
        g_assert_no_error(error);
        g_variant_get(r, "(o)", &got);
        g_assert_cmpstr(got, ==, path);

        /* A second job on the same datastore waits for the resource, with the
         * class's default priority, and says why. */
        g_variant_dict_init(&opts, NULL);
        g_variant_dict_insert_value(&opts, "parameters", store_parameters("a"));
        path2 = bus_submit(h, NULL, "backup", g_variant_dict_end(&opts));
        g_assert_cmpuint(bus_job_id(path2), >, id);
        all2 = job_get_all(h, path2);
        g_assert_true(g_variant_lookup(all2, "State", "&s", &s));
        g_assert_cmpstr(s, ==, "queued");
        g_assert_true(g_variant_lookup(all2, "Priority", "i", &i32));
        g_assert_cmpint(i32, ==, 5);
        g_assert_true(g_variant_lookup(all2, "Position", "u", &u32));
        g_assert_cmpuint(u32, ==, 1);
        g_assert_true(g_variant_lookup(all2, "StartedAt", "t", &t));
        g_assert_cmpuint(t, ==, 0);
        reason = bus_job_get_string(h, path2, "WaitReason");
        g_assert_nonnull(strstr(reason, "datastore:a"));

        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 1);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);
}

static void test_acquire_deferred(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GDBusConnection) b = bus_harness_connect(h);
        g_autoptr(BusPending) second = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *first = NULL;
        g_autofree char *result = NULL;
        g_autofree char *state = NULL;
        const char *second_path;

        first = bus_acquire(h, NULL, "slot", NULL);
        state = bus_job_get_string(h, first, "State");
        g_assert_cmpstr(state, ==, "running");

        second = bus_call_async(h, b, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                g_variant_new("(s@a{sv})", "slot", empty_options()));
        /* sluiced has seen the Acquire once it answered a later call from b. */
        bus_harness_sync(h, b);
        g_assert_false(second->done);
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 1);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);
        bus_harness_sync(h, b);
        g_assert_false(second->done);

        bus_release(h, NULL, first, "");
        bus_harness_wait_pending(h, second, "the second Acquire to be granted");
        g_assert_no_error(second->error);
        g_variant_get(second->reply, "(&o)", &second_path);
        g_assert_cmpstr(second_path, !=, first);

        g_free(state);
        state = bus_job_get_string(h, first, "State");
        g_assert_cmpstr(state, ==, "done");
        result = bus_job_get_string(h, first, "Result");
        g_assert_cmpstr(result, ==, "success");
        g_free(state);
        state = bus_job_get_string(h, second_path, "State");
        g_assert_cmpstr(state, ==, "running");
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 0);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);

        /* Releasing a job that is not running is refused. */
        r = bus_call(h, NULL, first, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", ""), &error);
        bus_assert_error(error, "org.sluice.Error.InvalidState", NULL);
        g_free(result);
        result = bus_job_get_string(h, first, "Result");
        g_assert_cmpstr(result, ==, "success");
}

static void test_cancel(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *running = NULL;
        g_autofree char *queued = NULL;
        g_autofree char *third = NULL;
        g_autofree char *s = NULL;

        running = bus_submit(h, NULL, "slot", NULL);
        queued = bus_submit(h, NULL, "slot", NULL);
        third = bus_submit(h, NULL, "slot", NULL);
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 2);

        /* A queued job, through the manager. */
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "CancelJob",
                     g_variant_new("(t)", bus_job_id(queued)), &error);
        g_assert_no_error(error);
        s = bus_job_get_string(h, queued, "State");
        g_assert_cmpstr(s, ==, "done");
        g_free(s);
        s = bus_job_get_string(h, queued, "Result");
        g_assert_cmpstr(s, ==, "cancelled");
        g_free(s);
        s = bus_job_get_string(h, running, "State");
        g_assert_cmpstr(s, ==, "running");
        g_free(s);
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 1);

        /* A running lease, through the job: the slot goes to the next job. */
        g_clear_pointer(&r, g_variant_unref);
        r = bus_call(h, NULL, running, SLUICE_JOB_IFACE, "Cancel", NULL, &error);
        g_assert_no_error(error);
        s = bus_job_get_string(h, running, "State");
        g_assert_cmpstr(s, ==, "done");
        g_free(s);
        s = bus_job_get_string(h, running, "Result");
        g_assert_cmpstr(s, ==, "cancelled");
        g_free(s);
        bus_wait_job_state(h, third, "running");
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 0);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);

        /* Cancelling a finished job changes nothing. */
        g_clear_pointer(&r, g_variant_unref);
        r = bus_call(h, NULL, running, SLUICE_JOB_IFACE, "Cancel", NULL, &error);
        bus_assert_error(error, "org.sluice.Error.InvalidState", NULL);
        s = bus_job_get_string(h, running, "Result");
        g_assert_cmpstr(s, ==, "cancelled");
}

static void assert_wait_reply(BusPending *p, const char *state, const char *result) {
        const char *s, *res;

        g_assert_true(p->done);
        g_assert_no_error(p->error);
        g_variant_get(p->reply, "(&s&s)", &s, &res);
        g_assert_cmpstr(s, ==, state);
        g_assert_cmpstr(res, ==, result);
}

static void test_wait(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GDBusConnection) b = bus_harness_connect(h);
        g_autoptr(BusPending) first_finished = NULL;
        g_autoptr(BusPending) second_started = NULL;
        g_autoptr(BusPending) second_finished = NULL;
        g_autoptr(BusPending) again = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *first = NULL;
        g_autofree char *second = NULL;
        g_autofree char *s = NULL;

        first = bus_acquire(h, NULL, "slot", NULL);
        second = bus_submit(h, b, "slot", NULL);

        first_finished = bus_call_async(h, NULL, first, SLUICE_JOB_IFACE, "Wait", g_variant_new("(s)", "finished"));
        second_started = bus_call_async(h, NULL, second, SLUICE_JOB_IFACE, "Wait", g_variant_new("(s)", "started"));
        second_finished = bus_call_async(h, NULL, second, SLUICE_JOB_IFACE, "Wait", g_variant_new("(s)", "finished"));
        bus_harness_sync(h, NULL);
        g_assert_false(first_finished->done);
        g_assert_false(second_started->done);
        g_assert_false(second_finished->done);

        /* A running job has started already: that Wait answers at once. */
        again = bus_call_async(h, NULL, first, SLUICE_JOB_IFACE, "Wait", g_variant_new("(s)", "started"));
        bus_harness_wait_pending(h, again, "Wait(started) of a running job");
        assert_wait_reply(again, "running", "");

        bus_release(h, NULL, first, "success");
        bus_harness_wait_pending(h, first_finished, "Wait(finished) of the released job");
        assert_wait_reply(first_finished, "done", "success");
        bus_harness_wait_pending(h, second_started, "Wait(started) of the next job");
        assert_wait_reply(second_started, "running", "");
        bus_harness_sync(h, NULL);
        g_assert_false(second_finished->done);

        bus_release(h, b, second, "failed");
        bus_harness_wait_pending(h, second_finished, "Wait(finished) of the second job");
        assert_wait_reply(second_finished, "done", "failed");

        /* A finished job answers both at once. */
        g_clear_pointer(&again, bus_pending_free);
        again = bus_call_async(h, NULL, second, SLUICE_JOB_IFACE, "Wait", g_variant_new("(s)", "started"));
        bus_harness_wait_pending(h, again, "Wait(started) of a finished job");
        assert_wait_reply(again, "done", "failed");

        /* An unknown "until" is refused, naming it. */
        r = bus_call(h, NULL, second, SLUICE_JOB_IFACE, "Wait", g_variant_new("(s)", "soon"), &error);
        bus_assert_error(error, "org.sluice.Error.InvalidArgument", "soon", NULL);
        s = bus_job_get_string(h, second, "Result");
        g_assert_cmpstr(s, ==, "failed");
}

static void test_release_result(void) {
        static const struct {
                const char *given;
                const char *result;
        } cases[] = {
                { "", "success" },
                { "success", "success" },
                { "failed", "failed" },
                { "cancelled", "cancelled" },
        };
        g_autoptr(BusHarness) h = bus_harness_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *job = bus_acquire(h, NULL, "slot", NULL);
                g_autofree char *result = NULL;
                g_autofree char *state = NULL;

                bus_release(h, NULL, job, cases[i].given);
                state = bus_job_get_string(h, job, "State");
                g_assert_cmpstr(state, ==, "done");
                result = bus_job_get_string(h, job, "Result");
                g_assert_cmpstr(result, ==, cases[i].result);
        }

        /* A result a holder may not claim is refused and the lease goes on. */
        {
                g_autofree char *job = bus_acquire(h, NULL, "slot", NULL);
                g_autofree char *state = NULL;
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                r = bus_call(h, NULL, job, SLUICE_JOB_IFACE, "Release", g_variant_new("(s)", "timeout-ish"), &error);
                bus_assert_error(error, "org.sluice.Error.InvalidArgument", "timeout-ish", NULL);
                state = bus_job_get_string(h, job, "State");
                g_assert_cmpstr(state, ==, "running");
        }
}

/* ReleaseEx(): the holder's exit status or signal and its words reach the
 * job as a command job's would; bad options change nothing. */
static void test_release_ex(void) {
        static const struct {
                const char *result;
                const char *options;    /* GVariant text, a{sv} */
                const char *want_result;
                gint32 want_exit_status;
                const char *want_detail;
        } cases[] = {
                { "failed", "{'exit-status': <7>}", "failed", 7, "exit status 7" },
                { "", "{'exit-status': <0>}", "success", 0, "exit status 0" },
                { "cancelled", "{'signal': <2>}", "cancelled", 2, "killed by signal 2 (SIGINT)" },
                { "cancelled", "{'exit-status': <130>, 'detail': <'interrupted by its user'>}", "cancelled", 130,
                  "interrupted by its user" },
                { "success", "@a{sv} {}", "success", -1, "released by holder" },
        };
        static const struct {
                const char *options;
                const char *field;
        } bad[] = {
                { "{'exit-status': <256>}", "options.exit-status" },
                { "{'exit-status': <-1>}", "options.exit-status" },
                { "{'exit-status': <uint32 7>}", "options.exit-status" },
                { "{'signal': <0>}", "options.signal" },
                { "{'signal': <65>}", "options.signal" },
                { "{'signal': <9>, 'exit-status': <1>}", "exit-status and signal" },
                { "{'detail': <'two\nlines'>}", "options.detail" },
                { "{'detail': <7>}", "options.detail" },
                { "{'colour': <'red'>}", "colour" },
        };
        g_autoptr(BusHarness) h = bus_harness_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *job = bus_acquire(h, NULL, "slot", NULL);
                g_autofree char *result = NULL, *detail = NULL;
                g_autoptr(GVariant) r = NULL, status = NULL;
                g_autoptr(GError) error = NULL;
                GVariant *opts = g_variant_new_parsed(cases[i].options);

                r = bus_call(h, NULL, job, SLUICE_JOB_IFACE, "ReleaseEx",
                             g_variant_new("(s@a{sv})", cases[i].result, opts), &error);
                g_assert_no_error(error);
                result = bus_job_get_string(h, job, "Result");
                g_assert_cmpstr(result, ==, cases[i].want_result);
                detail = bus_job_get_string(h, job, "ResultDetail");
                g_assert_cmpstr(detail, ==, cases[i].want_detail);
                status = bus_get_property(h, job, SLUICE_JOB_IFACE, "ExitStatus");
                g_assert_cmpint(g_variant_get_int32(status), ==, cases[i].want_exit_status);
        }

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autofree char *job = bus_acquire(h, NULL, "slot", NULL);
                g_autofree char *state = NULL;
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                r = bus_call(h, NULL, job, SLUICE_JOB_IFACE, "ReleaseEx",
                             g_variant_new("(s@a{sv})", "failed", g_variant_new_parsed(bad[i].options)), &error);
                bus_assert_error(error, "org.sluice.Error.InvalidArgument", bad[i].field, NULL);
                state = bus_job_get_string(h, job, "State");
                g_assert_cmpstr(state, ==, "running");
                bus_release(h, NULL, job, "");
        }
}

static gboolean job_done(BusHarness *h, gconstpointer path) {
        g_autofree char *state = bus_job_get_string(h, path, "State");

        return g_str_equal(state, "done");
}

static gboolean name_gone(BusHarness *h, gconstpointer name) {
        return !bus_name_has_owner(h, name);
}

static void test_renew_detached(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GDBusConnection) holder = bus_harness_connect(h);
        g_autoptr(BusPending) waiter = NULL;
        g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);
        g_autofree char *job = NULL;
        g_autofree char *holder_name = g_strdup(g_dbus_connection_get_unique_name(holder));
        g_autofree char *s = NULL;
        guint64 expires, prev;
        g_autoptr(GVariant) v = NULL;

        g_variant_dict_insert(&opts, "ttl-sec", "t", (guint64) 1);
        job = bus_acquire(h, holder, "slot", g_variant_dict_end(&opts));
        v = bus_get_property(h, job, SLUICE_JOB_IFACE, "LeaseExpiresAt");
        expires = g_variant_get_uint64(v);
        g_assert_cmpuint(expires, >, 0);

        /* A detached lease is not bound to the connection that asked for it:
         * once the bus has forgotten the holder (and told sluiced, before it
         * relays our next call), the lease is still there to renew. */
        g_dbus_connection_close_sync(holder, NULL, NULL);
        bus_harness_wait_for(h, name_gone, holder_name, "the holder's name to vanish");

        /* Several renewals, spanning more than one TTL in all. */
        for (int i = 0; i < 6; i++) {
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                r = bus_call(h, NULL, job, SLUICE_JOB_IFACE, "Renew", NULL, &error);
                g_assert_no_error(error);
                g_free(s);
                s = bus_job_get_string(h, job, "State");
                g_assert_cmpstr(s, ==, "running");
                prev = expires;
                g_clear_pointer(&v, g_variant_unref);
                v = bus_get_property(h, job, SLUICE_JOB_IFACE, "LeaseExpiresAt");
                expires = g_variant_get_uint64(v);
                g_assert_cmpuint(expires, >=, prev);
                g_usleep(G_USEC_PER_SEC / 4);
        }

        /* Someone waits for the slot; when renewals stop, the lease ends
         * abandoned and the slot goes on. */
        waiter = bus_call_async(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                g_variant_new("(s@a{sv})", "slot", empty_options()));
        bus_harness_wait_for(h, job_done, job, "the unrenewed lease to end");
        g_free(s);
        s = bus_job_get_string(h, job, "Result");
        g_assert_cmpstr(s, ==, "abandoned");
        bus_harness_wait_pending(h, waiter, "the waiter to get the slot");
        g_assert_no_error(waiter->error);

        /* Renewing an ended lease is refused. */
        {
                g_autoptr(GVariant) r = NULL;
                g_autoptr(GError) error = NULL;

                r = bus_call(h, NULL, job, SLUICE_JOB_IFACE, "Renew", NULL, &error);
                bus_assert_error(error, "org.sluice.Error.InvalidState", NULL);
        }
}

static void test_holder_killed(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(BusPending) waiter = NULL;
        g_autoptr(GIOChannel) out = NULL;
        g_autofree char *line = NULL;
        g_autofree char *s = NULL;
        g_auto(GStrv) words = NULL;
        const char *helper = g_getenv("LEASE_HOLDER");
        const char *argv[] = { helper, h->address, "slot", NULL };
        GPid pid;
        int out_fd, status;

        g_assert_nonnull(helper);
        g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                 NULL, &out_fd, NULL, &error);
        g_assert_no_error(error);
        out = g_io_channel_unix_new(out_fd);
        g_io_channel_set_close_on_unref(out, TRUE);
        g_assert_cmpint(g_io_channel_read_line(out, &line, NULL, NULL, &error), ==, G_IO_STATUS_NORMAL);
        g_assert_no_error(error);
        g_strchomp(line);
        words = g_strsplit(line, " ", 2);
        g_assert_cmpuint(g_strv_length(words), ==, 2);

        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);
        s = bus_job_get_string(h, words[1], "Submitter");
        g_assert_cmpstr(s, ==, words[0]);

        waiter = bus_call_async(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                                g_variant_new("(s@a{sv})", "slot", empty_options()));
        bus_harness_sync(h, NULL);
        g_assert_false(waiter->done);
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 1);

        g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        g_spawn_close_pid(pid);

        bus_harness_wait_pending(h, waiter, "the waiter to get the vanished holder's slot");
        g_assert_no_error(waiter->error);
        g_free(s);
        s = bus_job_get_string(h, words[1], "State");
        g_assert_cmpstr(s, ==, "done");
        g_free(s);
        s = bus_job_get_string(h, words[1], "Result");
        g_assert_cmpstr(s, ==, "abandoned");
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 1);
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 0);
}

static void test_acquire_timeout(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(BusPending) late = NULL;
        g_autoptr(GPtrArray) news = NULL;
        g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);
        g_autofree char *holder = NULL;
        g_autofree char *s = NULL;
        const char *late_path = NULL;

        holder = bus_acquire(h, NULL, "slot", NULL);
        g_variant_dict_insert(&opts, "timeout-sec", "t", (guint64) 1);
        late = bus_call_async(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                              g_variant_new("(s@a{sv})", "slot", g_variant_dict_end(&opts)));
        bus_harness_wait_pending(h, late, "the Acquire to time out");
        bus_assert_error(late->error, "org.sluice.Error.Timeout", NULL);

        /* The job that waited is on the bus, ended by timeout. */
        news = bus_signals_find(h, "JobNew", NULL);
        for (guint i = 0; i < news->len; i++) {
                BusSignal *sig = g_ptr_array_index(news, i);
                const char *path;

                g_variant_get(sig->parameters, "(t&o&s)", NULL, &path, NULL);
                if (!g_str_equal(path, holder))
                        late_path = path;
        }
        g_assert_nonnull(late_path);
        s = bus_job_get_string(h, late_path, "State");
        g_assert_cmpstr(s, ==, "done");
        g_free(s);
        s = bus_job_get_string(h, late_path, "Result");
        g_assert_cmpstr(s, ==, "timeout");
        g_free(s);
        s = bus_job_get_string(h, holder, "State");
        g_assert_cmpstr(s, ==, "running");
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 0);
}

/* No systemd on the test bus: a command job is accepted, and its start fails
 * with systemd's own reason (the executor never reports success by itself). */
static void test_command_without_systemd(void) {
        g_autoptr(BusHarness) h = bus_harness_new(NULL);
        g_autoptr(GVariant) r = NULL;
        g_autoptr(GError) error = NULL;
        const char *path;
        g_autofree char *result = NULL, *detail = NULL;

        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit",
                     g_variant_new("(s@a{sv})", "cmd", empty_options()), &error);
        g_assert_no_error(error);
        g_variant_get(r, "(&o)", &path);
        bus_wait_job_state(h, path, "done");
        result = bus_job_get_string(h, path, "Result");
        g_assert_cmpstr(result, ==, "failed");
        detail = bus_job_get_string(h, path, "ResultDetail");
        g_assert_nonnull(strstr(detail, "sluice-job-"));

        /* Acquire of a command class never makes sense: some org.sluice error. */
        g_clear_pointer(&r, g_variant_unref);
        r = bus_call(h, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire",
                     g_variant_new("(s@a{sv})", "cmd", empty_options()), &error);
        g_assert_nonnull(error);
        {
                g_autofree char *remote = g_dbus_error_get_remote_error(error);
                g_assert_true(g_str_has_prefix(remote, "org.sluice.Error."));
        }
        g_assert_cmpuint(bus_manager_get_u(h, "QueuedJobs"), ==, 0);
        g_assert_cmpuint(bus_manager_get_u(h, "RunningJobs"), ==, 0);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus/jobs/submit-properties", test_submit_properties);
        g_test_add_func("/bus/jobs/acquire-deferred", test_acquire_deferred);
        g_test_add_func("/bus/jobs/cancel", test_cancel);
        g_test_add_func("/bus/jobs/wait", test_wait);
        g_test_add_func("/bus/jobs/release-result", test_release_result);
        g_test_add_func("/bus/jobs/release-ex", test_release_ex);
        g_test_add_func("/bus/jobs/renew-detached", test_renew_detached);
        g_test_add_func("/bus/jobs/holder-killed", test_holder_killed);
        g_test_add_func("/bus/jobs/acquire-timeout", test_acquire_timeout);
        g_test_add_func("/bus/jobs/command-without-systemd", test_command_without_systemd);

        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "sluicectl metrics" against the real sluiced on a private bus, its output
 * read back by the reference parsers of python3-prometheus-client
 * (parse-metrics.py): the strict OpenMetrics parser for
 * --format=openmetrics, the Prometheus text parser (the format node_exporter's
 * textfile collector reads) for the default.  Both must parse, carry the
 * same samples, and say what the Statistics property says.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static const char test_config[] =
        "[Scheduler]\n"
        "MaxRunning=0\n"
        "\n"
        "[Class slot]\n"
        "Kind=lease\n"
        "MaxRunning=1\n"
        "\n"
        "[Class backup]\n"
        "Kind=lease\n"
        "Parameter.store=[a-z]+\n"
        "\n"
        "[Alert backup-failed]\n"
        "Class=backup\n"
        "OnFailure=yes\n"
        "Severity=critical\n";

typedef struct Fixture {
        GTestDBus *bus;
        const char *address;
        GDBusConnection *conn;
        GSubprocess *daemon;
        char *tmpdir;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *config = NULL, *config_arg = NULL, *bus_arg = NULL, *state_arg = NULL;

        f->tmpdir = g_dir_make_tmp("sluice-ctl-metrics-XXXXXX", &error);
        g_assert_no_error(error);
        config = g_build_filename(f->tmpdir, "sluiced.conf", NULL);
        g_file_set_contents(config, test_config, -1, &error);
        g_assert_no_error(error);

        f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
        g_test_dbus_up(f->bus);
        f->address = g_test_dbus_get_bus_address(f->bus);
        f->conn = g_dbus_connection_new_for_address_sync(f->address,
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &error);
        g_assert_no_error(error);

        config_arg = g_strdup_printf("--config=%s", config);
        bus_arg = g_strdup_printf("--bus-address=%s", f->address);
        state_arg = g_strdup_printf("--state-dir=%s", f->tmpdir);
        f->daemon = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, g_getenv("SLUICED"),
                                     config_arg, bus_arg, state_arg, NULL);
        g_assert_no_error(error);

        /* Ready when the name is on the bus. */
        for (;;) {
                g_autoptr(GVariant) r = NULL;
                gboolean has = FALSE;

                r = g_dbus_connection_call_sync(f->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                "org.freedesktop.DBus", "NameHasOwner",
                                                g_variant_new("(s)", "org.sluice.Scheduler1"),
                                                G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
                g_assert_no_error(error);
                g_variant_get(r, "(b)", &has);
                if (has)
                        break;
                /* A sluiced that died never gets here: meson's timeout ends the test. */
                g_assert_nonnull(g_subprocess_get_identifier(f->daemon));
                g_usleep(10 * 1000);
        }
}

static void fixture_tear_down(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;

        g_subprocess_send_signal(f->daemon, SIGTERM);
        g_subprocess_wait(f->daemon, NULL, &error);
        g_assert_no_error(error);
        g_assert_true(g_subprocess_get_if_exited(f->daemon));
        g_assert_cmpint(g_subprocess_get_exit_status(f->daemon), ==, 0);
        g_clear_object(&f->daemon);
        g_dbus_connection_close_sync(f->conn, NULL, NULL);
        g_clear_object(&f->conn);
        g_test_dbus_down(f->bus);
        g_clear_object(&f->bus);
        /* Whatever sluiced left in its state directory (the database), then the config. */
        {
                g_autoptr(GDir) dir = g_dir_open(f->tmpdir, 0, &error);
                const char *name;

                g_assert_no_error(error);
                while ((name = g_dir_read_name(dir))) {
                        g_autofree char *p = g_build_filename(f->tmpdir, name, NULL);

                        g_assert_cmpint(g_unlink(p), ==, 0);
                }
        }
        g_assert_cmpint(g_rmdir(f->tmpdir), ==, 0);
        g_free(f->tmpdir);
}

/* Run a program to completion with @input on stdin; returns its exit status. */
static int run(const char *input, char **out, char **err, const char *const *argv) {
        g_autoptr(GSubprocess) p = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *o = NULL, *e = NULL;

        p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                              G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
        g_assert_no_error(error);
        g_subprocess_communicate_utf8(p, input, NULL, &o, &e, &error);
        g_assert_no_error(error);
        if (out)
                *out = g_steal_pointer(&o);
        if (err)
                *err = g_steal_pointer(&e);
        g_assert_true(g_subprocess_get_if_exited(p));
        return g_subprocess_get_exit_status(p);
}

/* sluicectl --bus-address=… ARGS…; asserts exit status @status, returns stdout. */
static char *ctl(Fixture *f, int status, const char *first, ...) G_GNUC_NULL_TERMINATED;
static char *ctl(Fixture *f, int status, const char *first, ...) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *out = NULL, *err = NULL;
        va_list ap;
        int r;

        g_ptr_array_add(argv, g_strdup(g_getenv("SLUICECTL")));
        g_ptr_array_add(argv, g_strdup_printf("--bus-address=%s", f->address));
        va_start(ap, first);
        for (const char *a = first; a; a = va_arg(ap, const char *))
                g_ptr_array_add(argv, g_strdup(a));
        va_end(ap);
        g_ptr_array_add(argv, NULL);

        r = run(NULL, &out, &err, (const char *const *) argv->pdata);
        if (r != status)
                g_error("sluicectl exited %d, not %d; stderr: %s", r, status, err);
        return status == 0 ? g_steal_pointer(&out) : g_steal_pointer(&err);
}

/* The parser's view of @text: sorted "family …"/"sample …" lines (see parse-metrics.py). */
static char **parse(const char *format, const char *text) {
        const char *argv[] = { g_getenv("PARSE_METRICS"), format, NULL };
        g_autofree char *out = NULL, *err = NULL;
        int r = run(text, &out, &err, argv);

        if (r == 77) {
                g_test_skip(err);
                return NULL;
        }
        if (r != 0)
                g_error("the %s parser refused sluicectl's output: %s\n%s", format, err, text);
        return g_strsplit(g_strchomp(out), "\n", -1);
}

static gboolean has_line(char **lines, const char *line) {
        return g_strv_contains((const char *const *) lines, line);
}

static void assert_line(char **lines, const char *line) {
        if (!has_line(lines, line))
                g_error("parsed metrics lack \"%s\"", line);
}

/* The sample lines (not families), without the uptime, which moves between two reads. */
static char *stable_samples(char **lines) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (char **l = lines; *l; l++)
                if (g_str_has_prefix(*l, "sample ") && !g_str_has_prefix(*l, "sample sluice_uptime_seconds "))
                        g_string_append_printf(s, "%s\n", *l);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *submit(Fixture *f, const char *klass) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        char *path;

        r = g_dbus_connection_call_sync(f->conn, "org.sluice.Scheduler1", "/org/sluice/Scheduler1",
                                        "org.sluice.Scheduler1", "Submit",
                                        g_variant_new("(s@a{sv})", klass, g_variant_new("a{sv}", NULL)),
                                        G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(o)", &path);
        return path;
}

static void job_call(Fixture *f, const char *path, const char *method, GVariant *args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;

        r = g_dbus_connection_call_sync(f->conn, "org.sluice.Scheduler1", path, "org.sluice.Scheduler1.Job",
                                        method, args, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
}

static guint64 start_time_usec(Fixture *f) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL, stats = NULL;
        guint64 t = 0;

        r = g_dbus_connection_call_sync(f->conn, "org.sluice.Scheduler1", "/org/sluice/Scheduler1",
                                        "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new("(ss)", "org.sluice.Scheduler1", "Statistics"),
                                        G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(v)", &stats);
        g_assert_true(g_variant_lookup(stats, "start-time-usec", "t", &t));
        return t;
}

static void test_formats(Fixture *f, gconstpointer data) {
        g_autofree char *a = NULL, *b = NULL, *c = NULL;
        g_autofree char *prom = NULL, *om = NULL, *om_samples = NULL, *prom_samples = NULL;
        g_auto(GStrv) prom_lines = NULL, om_lines = NULL;
        guint64 t;

        /* slot: a ran and succeeded, b runs, c waits; one backup job was cancelled while running. */
        a = submit(f, "slot");
        b = submit(f, "slot");
        c = submit(f, "slot");
        job_call(f, a, "Release", g_variant_new("(s)", "success"));
        {
                g_autofree char *d = NULL;
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) r = NULL;
                g_auto(GVariantBuilder) p = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
                g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);

                g_variant_builder_add(&p, "{ss}", "store", "x");
                g_variant_dict_insert_value(&opts, "parameters", g_variant_builder_end(&p));
                r = g_dbus_connection_call_sync(f->conn, "org.sluice.Scheduler1", "/org/sluice/Scheduler1",
                                                "org.sluice.Scheduler1", "Submit",
                                                g_variant_new("(s@a{sv})", "backup", g_variant_dict_end(&opts)),
                                                G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
                g_assert_no_error(error);
                g_variant_get(r, "(o)", &d);
                job_call(f, d, "Cancel", NULL);
        }
        /* Wait() on b's start: the Release above has been handled and b dispatched. */
        job_call(f, b, "Wait", g_variant_new("(s)", "started"));

        prom = ctl(f, 0, "metrics", NULL);
        om = ctl(f, 0, "metrics", "--format=openmetrics", NULL);
        prom_lines = parse("prometheus", prom);
        if (!prom_lines)
                return;
        om_lines = parse("openmetrics", om);
        g_assert_nonnull(om_lines);

        /* The two formats differ only in their metadata. */
        g_assert_true(g_str_has_suffix(om, "\n# EOF\n"));
        g_assert_nonnull(strstr(om, "# UNIT sluice_job_queue_wait_seconds seconds\n"));
        g_assert_nonnull(strstr(om, "# TYPE sluice_jobs_submitted counter\n"));
        g_assert_null(strstr(prom, "# EOF"));
        g_assert_null(strstr(prom, "# UNIT"));
        g_assert_nonnull(strstr(prom, "# TYPE sluice_jobs_submitted_total counter\n"));
        om_samples = stable_samples(om_lines);
        prom_samples = stable_samples(prom_lines);
        g_assert_cmpstr(om_samples, ==, prom_samples);

        /* Every family typed as meant, under both parsers (no "unknown" families). */
        for (char ***lines = (char **[]) { prom_lines, om_lines, NULL }; *lines; lines++) {
                for (char **l = *lines; *l; l++)
                        g_assert_false(g_str_has_prefix(*l, "family ") && strstr(*l, " unknown "));
        }
        assert_line(om_lines, "family sluice_job_queue_wait_seconds histogram seconds");
        assert_line(om_lines, "family sluice_jobs_submitted counter -");
        assert_line(om_lines, "family sluice_jobs_finished counter -");
        assert_line(om_lines, "family sluice_jobs_queued gauge -");
        assert_line(om_lines, "family sluice_uptime_seconds gauge seconds");
        assert_line(prom_lines, "family sluice_job_queue_wait_seconds histogram -");
        assert_line(prom_lines, "family sluice_jobs_submitted counter -");
        assert_line(prom_lines, "family sluice_jobs_started counter -");

        /* What happened, per class. */
        assert_line(om_lines, "sample sluice_jobs_queued class=slot 1");
        assert_line(om_lines, "sample sluice_jobs_running class=slot 1");
        assert_line(om_lines, "sample sluice_jobs_queued class=backup 0");
        assert_line(om_lines, "sample sluice_jobs_running class=backup 0");
        assert_line(om_lines, "sample sluice_jobs_submitted_total class=slot 3");
        assert_line(om_lines, "sample sluice_jobs_started_total class=slot 2");
        assert_line(om_lines, "sample sluice_jobs_submitted_total class=backup 1");
        assert_line(om_lines, "sample sluice_jobs_started_total class=backup 1");
        assert_line(om_lines, "sample sluice_jobs_finished_total class=slot,result=success 1");
        assert_line(om_lines, "sample sluice_jobs_finished_total class=slot,result=failed 0");
        assert_line(om_lines, "sample sluice_jobs_finished_total class=backup,result=cancelled 1");
        assert_line(om_lines, "sample sluice_jobs_finished_total class=backup,result=success 0");
        assert_line(om_lines, "sample sluice_class_max_running class=slot,kind=lease 1");
        assert_line(om_lines, "sample sluice_class_max_running class=backup,kind=lease 0");

        /* Three starts: the histogram's +Inf bucket and count say so. */
        assert_line(om_lines, "sample sluice_job_queue_wait_seconds_bucket le=+Inf 3");
        assert_line(om_lines, "sample sluice_job_queue_wait_seconds_count - 3");
        assert_line(om_lines, "sample sluice_active_alerts - 0");

        /* The start time, as the Statistics property has it, in seconds. */
        t = start_time_usec(f);
        {
                gboolean found = FALSE;

                for (char **l = om_lines; *l; l++) {
                        if (g_str_has_prefix(*l, "sample sluice_start_time_seconds - ")) {
                                double got = g_ascii_strtod(*l + strlen("sample sluice_start_time_seconds - "), NULL);

                                /* A double holds µs at this magnitude to within a µs. */
                                g_assert_cmpfloat_with_epsilon(got, (double) t / G_USEC_PER_SEC, 2e-6);
                                found = TRUE;
                        }
                }
                g_assert_true(found);
        }
}

static void test_usage(Fixture *f, gconstpointer data) {
        g_autofree char *err = NULL, *err2 = NULL;

        err = ctl(f, 2, "metrics", "--format=xml", NULL);
        g_assert_nonnull(strstr(err, "--format"));
        g_assert_nonnull(strstr(err, "xml"));
        err2 = ctl(f, 2, "metrics", "extra", NULL);
        g_assert_nonnull(strstr(err2, "metrics"));
}

static guint n_alerts(Fixture *f) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL, alerts = NULL;

        r = g_dbus_connection_call_sync(f->conn, "org.sluice.Scheduler1", "/org/sluice/Scheduler1",
                                        "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new("(ss)", "org.sluice.Scheduler1", "Alerts"),
                                        G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(v)", &alerts);
        return g_variant_n_children(alerts);
}

/* An active alert: counted, and listed with its name and severity, in both formats. */
static void test_alert(Fixture *f, gconstpointer data) {
        g_auto(GVariantBuilder) p = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
        g_auto(GVariantDict) opts = G_VARIANT_DICT_INIT(NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = NULL;
        g_autofree char *d = NULL, *prom = NULL, *om = NULL;
        g_auto(GStrv) prom_lines = NULL, om_lines = NULL;

        g_variant_builder_add(&p, "{ss}", "store", "x");
        g_variant_dict_insert_value(&opts, "parameters", g_variant_builder_end(&p));
        r = g_dbus_connection_call_sync(f->conn, "org.sluice.Scheduler1", "/org/sluice/Scheduler1",
                                        "org.sluice.Scheduler1", "Submit",
                                        g_variant_new("(s@a{sv})", "backup", g_variant_dict_end(&opts)),
                                        G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(r, "(o)", &d);
        job_call(f, d, "Release", g_variant_new("(s)", "failed"));
        while (n_alerts(f) == 0)
                g_usleep(10 * 1000);

        prom = ctl(f, 0, "metrics", NULL);
        om = ctl(f, 0, "metrics", "--format=openmetrics", NULL);
        prom_lines = parse("prometheus", prom);
        if (!prom_lines)
                return;
        om_lines = parse("openmetrics", om);
        for (char ***lines = (char **[]) { prom_lines, om_lines, NULL }; *lines; lines++) {
                assert_line(*lines, "sample sluice_active_alerts - 1");
                assert_line(*lines, "sample sluice_alert_active alert=backup-failed,severity=critical 1");
                assert_line(*lines, "sample sluice_jobs_finished_total class=backup,result=failed 1");
        }
}

/* --json: the Statistics property as one JSON object (checked by Python's json module). */
static void test_json(Fixture *f, gconstpointer data) {
        const char *argv[] = { "/usr/bin/python3", "-c",
                               "import json, sys; d = json.load(sys.stdin); "
                               "print(d['submitted'], d['classes']['slot']['queued'], len(d['wait-bucket-counts']) > 0)",
                               NULL };
        g_autofree char *a = NULL, *json = NULL, *out = NULL;

        a = submit(f, "slot");
        json = ctl(f, 0, "--json", "metrics", NULL);
        g_assert_cmpint(run(json, &out, NULL, argv), ==, 0);
        g_assert_cmpstr(out, ==, "1 0 True\n");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add("/ctl/metrics/formats", Fixture, NULL, fixture_set_up, test_formats, fixture_tear_down);
        g_test_add("/ctl/metrics/alert", Fixture, NULL, fixture_set_up, test_alert, fixture_tear_down);
        g_test_add("/ctl/metrics/usage", Fixture, NULL, fixture_set_up, test_usage, fixture_tear_down);
        g_test_add("/ctl/metrics/json", Fixture, NULL, fixture_set_up, test_json, fixture_tear_down);
        return g_test_run();
}

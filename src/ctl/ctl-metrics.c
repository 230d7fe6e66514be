/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "sluicectl metrics": the manager's Statistics, Classes and Alerts
 * properties as metrics text, for Prometheus (node_exporter's textfile
 * collector) or any OpenMetrics reader.
 *
 * Two formats, one set of families:
 *   --format=prometheus (default): the Prometheus text format 0.0.4 that the
 *     textfile collector reads: a counter's # TYPE/# HELP name is its sample
 *     name (foo_total), no # UNIT, no # EOF.
 *   --format=openmetrics: OpenMetrics 1.0: a counter family is named without
 *     _total, # UNIT where there is a unit, "# EOF" at the end.
 * Label values are escaped (\\, \", \n) the same way in both.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"

typedef enum {
        METRICS_FORMAT_PROMETHEUS,
        METRICS_FORMAT_OPENMETRICS,
} MetricsFormat;

typedef enum {
        FAMILY_GAUGE,
        FAMILY_COUNTER,
        FAMILY_HISTOGRAM,
} FamilyType;

typedef struct MetricsText {
        GString *out;
        MetricsFormat format;
} MetricsText;

static const char *const family_type_names[] = {
        [FAMILY_GAUGE] = "gauge",
        [FAMILY_COUNTER] = "counter",
        [FAMILY_HISTOGRAM] = "histogram",
};

/* # TYPE, # UNIT (OpenMetrics only) and # HELP of one family. */
static void family_begin(MetricsText *t, const char *name, FamilyType type, const char *unit, const char *help) {
        /* Prometheus text: a counter's metadata names its sample, foo_total. */
        const char *suffix = type == FAMILY_COUNTER && t->format == METRICS_FORMAT_PROMETHEUS ? "_total" : "";

        g_string_append_printf(t->out, "# TYPE %s%s %s\n", name, suffix, family_type_names[type]);
        if (unit && t->format == METRICS_FORMAT_OPENMETRICS)
                g_string_append_printf(t->out, "# UNIT %s %s\n", name, unit);
        g_string_append_printf(t->out, "# HELP %s%s %s\n", name, suffix, help);
}

/* A label value, escaped as both formats want it. */
static void append_label_value(GString *out, const char *value) {
        g_string_append_c(out, '"');
        for (const char *p = value; *p; p++) {
                switch (*p) {
                case '\\':
                        g_string_append(out, "\\\\");
                        break;
                case '"':
                        g_string_append(out, "\\\"");
                        break;
                case '\n':
                        g_string_append(out, "\\n");
                        break;
                default:
                        g_string_append_c(out, *p);
                }
        }
        g_string_append_c(out, '"');
}

/* name{k1="v1",k2="v2"} with NULL-terminated key/value pairs; no braces without labels. */
static void append_sample_name(GString *out, const char *name, const char *suffix, const char *const *labels) {
        g_string_append(out, name);
        g_string_append(out, suffix);
        if (!labels || !labels[0])
                return;
        g_string_append_c(out, '{');
        for (size_t i = 0; labels[i]; i += 2) {
                if (i > 0)
                        g_string_append_c(out, ',');
                g_string_append(out, labels[i]);
                g_string_append_c(out, '=');
                append_label_value(out, labels[i + 1]);
        }
        g_string_append_c(out, '}');
}

static void sample_u64(MetricsText *t, const char *name, const char *suffix, const char *const *labels,
                       uint64_t value) {
        append_sample_name(t->out, name, suffix, labels);
        g_string_append_printf(t->out, " %" PRIu64 "\n", value);
}

/* Microseconds as seconds, in the shortest exact decimal with at least one fraction digit ("0.01", "3600.0"). */
static void append_seconds(GString *out, uint64_t usec) {
        char frac[8];
        size_t n;

        g_snprintf(frac, sizeof(frac), "%06" PRIu64, usec % 1000000);
        for (n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
                frac[n - 1] = '\0';
        g_string_append_printf(out, "%" PRIu64 ".%s", usec / 1000000, frac);
}

static void sample_seconds(MetricsText *t, const char *name, const char *suffix, const char *const *labels,
                           uint64_t usec) {
        append_sample_name(t->out, name, suffix, labels);
        g_string_append_c(t->out, ' ');
        append_seconds(t->out, usec);
        g_string_append_c(t->out, '\n');
}

static uint64_t lookup_u64(GVariant *dict, const char *key) {
        guint64 v = 0;

        (void) g_variant_lookup(dict, key, "t", &v);
        return v;
}

static uint32_t lookup_u32(GVariant *dict, const char *key) {
        guint32 v = 0;

        (void) g_variant_lookup(dict, key, "u", &v);
        return v;
}

/* One sample per class of @key (u or t) from the per-class dictionaries. */
static void per_class_samples(MetricsText *t, GVariant *classes, const char *name, const char *suffix,
                              const char *key) {
        GVariantIter iter;
        const char *klass;
        GVariant *c;

        g_variant_iter_init(&iter, classes);
        while (g_variant_iter_next(&iter, "{&s@a{sv}}", &klass, &c)) {
                g_autoptr(GVariant) values = c;
                g_autoptr(GVariant) v = g_variant_lookup_value(values, key, NULL);
                const char *labels[] = { "class", klass, NULL };
                uint64_t n = 0;

                if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
                        n = g_variant_get_uint64(v);
                else if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
                        n = g_variant_get_uint32(v);
                sample_u64(t, name, suffix, labels, n);
        }
}

static void finished_samples(MetricsText *t, GVariant *classes) {
        GVariantIter iter;
        const char *klass;
        GVariant *c;

        g_variant_iter_init(&iter, classes);
        while (g_variant_iter_next(&iter, "{&s@a{sv}}", &klass, &c)) {
                g_autoptr(GVariant) values = c;
                GVariantIter kv;
                const char *key;
                GVariant *v;

                g_variant_iter_init(&kv, values);
                while (g_variant_iter_next(&kv, "{&sv}", &key, &v)) {
                        g_autoptr(GVariant) value = v;

                        if (g_str_has_prefix(key, "finished-") && g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64)) {
                                const char *labels[] = { "class", klass, "result", key + strlen("finished-"), NULL };

                                sample_u64(t, "sluice_jobs_finished", "_total", labels, g_variant_get_uint64(value));
                        }
                }
        }
}

static void wait_histogram(MetricsText *t, GVariant *stats) {
        static const char name[] = "sluice_job_queue_wait_seconds";
        g_autoptr(GVariant) bounds = g_variant_lookup_value(stats, "wait-bucket-bounds-usec", G_VARIANT_TYPE("at"));
        g_autoptr(GVariant) counts = g_variant_lookup_value(stats, "wait-bucket-counts", G_VARIANT_TYPE("at"));
        const guint64 *b = NULL, *n = NULL;
        gsize n_bounds = 0, n_counts = 0;
        uint64_t count = lookup_u64(stats, "wait-count");

        if (bounds)
                b = g_variant_get_fixed_array(bounds, &n_bounds, sizeof(guint64));
        if (counts)
                n = g_variant_get_fixed_array(counts, &n_counts, sizeof(guint64));

        family_begin(t, name, FAMILY_HISTOGRAM, "seconds",
                     "Time jobs waited in the queue before they started (since sluiced started).");
        for (gsize i = 0; i < MIN(n_bounds, n_counts); i++) {
                g_autoptr(GString) le = g_string_new(NULL);
                const char *labels[] = { "le", NULL, NULL };

                append_seconds(le, b[i]);
                labels[1] = le->str;
                sample_u64(t, name, "_bucket", labels, n[i]);
        }
        sample_u64(t, name, "_bucket", (const char *[]) { "le", "+Inf", NULL }, count);
        sample_seconds(t, name, "_sum", NULL, lookup_u64(stats, "wait-sum-usec"));
        sample_u64(t, name, "_count", NULL, count);
}

static void alert_samples(MetricsText *t, GVariant *alerts) {
        GVariantIter iter;
        const char *name, *severity, *message;
        guint64 raised_at;

        if (!alerts)
                return;
        g_variant_iter_init(&iter, alerts);
        while (g_variant_iter_next(&iter, "(&s&s&st)", &name, &severity, &message, &raised_at)) {
                const char *labels[] = { "alert", name, "severity", severity, NULL };

                sample_u64(t, "sluice_alert_active", "", labels, 1);
        }
}

static void class_max_running_samples(MetricsText *t, GVariant *classes) {
        GVariantIter iter;
        const char *name, *kind, *description;
        guint32 max;

        if (!classes)
                return;
        g_variant_iter_init(&iter, classes);
        while (g_variant_iter_next(&iter, "(&s&s&su)", &name, &kind, &description, &max)) {
                const char *labels[] = { "class", name, "kind", kind, NULL };

                sample_u64(t, "sluice_class_max_running", "", labels, max);
        }
}

/*
 * The fleet-wide resources (issue 14), only when sluiced has a [Cluster]:
 * sluice_cluster_etcd_up (1: the last call to etcd worked), and per resource
 * its holders in the whole fleet and its limit.
 */
static void cluster_samples(MetricsText *t, GVariant *props) {
        g_autoptr(GVariant) state = g_variant_lookup_value(props, "ClusterState", G_VARIANT_TYPE_STRING);
        g_autoptr(GVariant) cluster = g_variant_lookup_value(props, "Cluster", G_VARIANT_TYPE("a(suuua(stt))"));
        const char *s = state ? g_variant_get_string(state, NULL) : "off";
        GVariantIter iter;
        const char *resource;
        guint32 limit, here, waiting;
        GVariant *holders;

        if (g_str_equal(s, "off"))
                return;
        family_begin(t, "sluice_cluster_etcd_up", FAMILY_GAUGE, NULL,
                     "1 when the last call to etcd worked ([Cluster]), else 0.");
        sample_u64(t, "sluice_cluster_etcd_up", "", NULL,
                   g_str_equal(s, "up"));
        if (!cluster)
                return;
        family_begin(t, "sluice_cluster_holders", FAMILY_GAUGE, NULL,
                     "Jobs holding a slot of a Scope=cluster resource, on every host of the fleet.");
        g_variant_iter_init(&iter, cluster);
        while (g_variant_iter_next(&iter, "(&suuu@a(stt))", &resource, &limit, &here, &waiting, &holders)) {
                const char *labels[] = { "resource", resource, NULL };

                sample_u64(t, "sluice_cluster_holders", "", labels, g_variant_n_children(holders));
                g_variant_unref(holders);
        }
        family_begin(t, "sluice_cluster_limit", FAMILY_GAUGE, NULL,
                     "MaxRunning of a Scope=cluster resource (the largest any host of the fleet published).");
        g_variant_iter_init(&iter, cluster);
        while (g_variant_iter_next(&iter, "(&suuu@a(stt))", &resource, &limit, &here, &waiting, &holders)) {
                const char *labels[] = { "resource", resource, NULL };

                sample_u64(t, "sluice_cluster_limit", "", labels, limit);
                g_variant_unref(holders);
        }
}

static void format_metrics(MetricsText *t, GVariant *props) {
        g_autoptr(GVariant) stats = g_variant_lookup_value(props, "Statistics", G_VARIANT_TYPE_VARDICT);
        g_autoptr(GVariant) alerts = g_variant_lookup_value(props, "Alerts", G_VARIANT_TYPE("a(ssst)"));
        g_autoptr(GVariant) class_list = g_variant_lookup_value(props, "Classes", G_VARIANT_TYPE("a(sssu)"));
        g_autoptr(GVariant) classes = NULL;
        uint64_t uptime, start;

        if (!stats)
                stats = g_variant_ref_sink(g_variant_new("a{sv}", NULL));
        classes = g_variant_lookup_value(stats, "classes", G_VARIANT_TYPE("a{sv}"));
        if (!classes)
                classes = g_variant_ref_sink(g_variant_new("a{sv}", NULL));
        else {
                /* a{sv} of a{sv}: unbox the values once for the iterators above. */
                g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{sa{sv}}"));
                GVariantIter iter;
                const char *klass;
                GVariant *v;

                g_variant_iter_init(&iter, classes);
                while (g_variant_iter_next(&iter, "{&sv}", &klass, &v)) {
                        g_autoptr(GVariant) value = v;

                        if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT))
                                g_variant_builder_add(&b, "{s@a{sv}}", klass, value);
                }
                g_variant_unref(classes);
                classes = g_variant_ref_sink(g_variant_builder_end(&b));
        }

        family_begin(t, "sluice_jobs_queued", FAMILY_GAUGE, NULL, "Jobs waiting in the queue, per class.");
        per_class_samples(t, classes, "sluice_jobs_queued", "", "queued");
        family_begin(t, "sluice_jobs_running", FAMILY_GAUGE, NULL, "Jobs running (leases granted), per class.");
        per_class_samples(t, classes, "sluice_jobs_running", "", "running");
        family_begin(t, "sluice_class_max_running", FAMILY_GAUGE, NULL,
                     "The class's MaxRunning limit (0: unlimited).");
        class_max_running_samples(t, class_list);

        family_begin(t, "sluice_jobs_submitted", FAMILY_COUNTER, NULL,
                     "Jobs that entered the queue since sluiced started (restored ones included), per class.");
        per_class_samples(t, classes, "sluice_jobs_submitted", "_total", "submitted");
        family_begin(t, "sluice_jobs_started", FAMILY_COUNTER, NULL,
                     "Job starts (retries and re-attached units included) since sluiced started, per class.");
        per_class_samples(t, classes, "sluice_jobs_started", "_total", "started");
        family_begin(t, "sluice_jobs_finished", FAMILY_COUNTER, NULL,
                     "Jobs finished since sluiced started, per class and result.");
        finished_samples(t, classes);

        wait_histogram(t, stats);

        family_begin(t, "sluice_active_alerts", FAMILY_GAUGE, NULL, "Alerts active now.");
        sample_u64(t, "sluice_active_alerts", "", NULL, lookup_u32(stats, "alerts-active"));
        family_begin(t, "sluice_alert_active", FAMILY_GAUGE, NULL, "1 for each alert active now.");
        alert_samples(t, alerts);

        uptime = lookup_u64(stats, "uptime-usec");
        start = lookup_u64(stats, "start-time-usec");
        family_begin(t, "sluice_uptime_seconds", FAMILY_GAUGE, "seconds", "Time since sluiced started.");
        sample_seconds(t, "sluice_uptime_seconds", "", NULL, uptime);
        family_begin(t, "sluice_start_time_seconds", FAMILY_GAUGE, "seconds",
                     "When sluiced started, seconds since the Unix epoch: the counters start at 0 then.");
        sample_seconds(t, "sluice_start_time_seconds", "", NULL, start);

        cluster_samples(t, props);

        if (t->format == METRICS_FORMAT_OPENMETRICS)
                g_string_append(t->out, "# EOF\n");
}

/**
 * ctl_verb_metrics() - "sluicectl metrics [--format=prometheus|openmetrics]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Prints the metrics text on stdout in one write, or with --json the
 * Statistics property as JSON.
 *
 * Return: exit status.
 */
int ctl_verb_metrics(Ctl *ctl, int argc, char **argv) {
        enum { ARG_FORMAT = 0x100, ARG_JSON };
        static const struct option options[] = {
                { "format", required_argument, NULL, ARG_FORMAT },
                { "json",   no_argument,       NULL, ARG_JSON },
                { "help",   no_argument,       NULL, 'h' },
                {}
        };
        g_autoptr(GVariant) props = NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        MetricsText t = { .out = out, .format = METRICS_FORMAT_PROMETHEUS };
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_FORMAT:
                        if (strcmp(optarg, "prometheus") == 0)
                                t.format = METRICS_FORMAT_PROMETHEUS;
                        else if (strcmp(optarg, "openmetrics") == 0)
                                t.format = METRICS_FORMAT_OPENMETRICS;
                        else
                                return ctl_usage_error(_("invalid --format value \"%s\": expected prometheus or openmetrics"),
                                                       optarg);
                        break;
                case ARG_JSON:
                        ctl->json = true;
                        break;
                case 'h':
                        ctl_print_help();
                        exit(CTL_EXIT_OK);
                default:
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                }
        }
        if (optind < argc)
                return ctl_usage_error(_("\"metrics\" takes no arguments"));

        r = ctl_get_all_properties(ctl, _("could not read the scheduler's statistics"),
                                   SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, &props);
        if (r != 0)
                return r;

        if (ctl->json) {
                g_autoptr(GVariant) stats = g_variant_lookup_value(props, "Statistics", G_VARIANT_TYPE_VARDICT);

                if (!stats)
                        stats = g_variant_ref_sink(g_variant_new("a{sv}", NULL));
                ctl_json_print_variant(stats);
                return CTL_EXIT_OK;
        }

        format_metrics(&t, props);
        if (fwrite(out->str, 1, out->len, stdout) != out->len || fflush(stdout) != 0) {
                fprintf(stderr, "sluicectl: %s\n", _("could not write the metrics"));
                return CTL_EXIT_FAILURE;
        }
        return CTL_EXIT_OK;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "ctl-job-options.h"
#include "ctl.h"
#include "i18n.h"
#include "timespan.h"
#include "timestamp.h"

/** ctl_job_options_init() - no options given yet */
void ctl_job_options_init(CtlJobOptions *o) {
        *o = (CtlJobOptions) {
                .parameters = g_ptr_array_new(),
                .resources = g_ptr_array_new(),
        };
}

/** ctl_job_options_clear() - free what ctl_job_options_init() allocated */
void ctl_job_options_clear(CtlJobOptions *o) {
        g_clear_pointer(&o->parameters, g_ptr_array_unref);
        g_clear_pointer(&o->resources, g_ptr_array_unref);
}

/*
 * A span in the systemd.time(7) syntax ("90", "1h 30min", "2d") for an
 * option that sluiced takes in whole seconds: rounded up, at least 1 s.
 */
static int parse_span_seconds(const char *name, const char *value, uint64_t *ret) {
        uint64_t usec;

        if (parse_timespan(value, &usec) < 0 || usec == 0 || usec > UINT64_MAX - G_USEC_PER_SEC)
                return ctl_usage_error(_("invalid --%s value \"%s\": expected a time span as in systemd.time(7), "
                                         "e.g. \"90\", \"1h 30min\", \"2d\""), name, value);
        *ret = (usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
        return 0;
}

/* A point in time in the systemd.time(7) syntax ("tomorrow 02:00", "+2h", "@1700000000"). */
static int parse_time(const char *name, const char *value, uint64_t *ret) {
        uint64_t usec;

        if (parse_timestamp(value, (uint64_t) g_get_real_time(), &usec) < 0 || usec == 0)
                return ctl_usage_error(_("invalid --%s value \"%s\": expected a time as in systemd.time(7), "
                                         "e.g. \"tomorrow 02:00\", \"+2h\", \"2026-12-24 18:00\", "
                                         "\"@1700000000\""), name, value);
        *ret = usec;
        return 0;
}

/**
 * ctl_job_options_parse_option() - take one getopt_long() result
 * @o: the options
 * @option: the value getopt_long() returned
 * @name: the long option's name, for messages (without "--")
 * @value: optarg
 *
 * Return: 0 when taken, CTL_EXIT_USAGE after printing why the value is
 * bad, -1 when @option is not a job option.
 */
int ctl_job_options_parse_option(CtlJobOptions *o, int option, const char *name, const char *value) {
        gint64 n;

        switch (option) {
        case CTL_ARG_PRIORITY:
                if (!g_ascii_string_to_signed(value, 10, G_MININT32, G_MAXINT32, &n, NULL))
                        return ctl_usage_error(_("invalid --priority value \"%s\": expected a number"), value);
                o->has_priority = true;
                o->priority = (int32_t) n;
                return 0;
        case CTL_ARG_RESOURCE:
                if (!*value)
                        return ctl_usage_error(_("invalid --resource value: must not be empty"));
                g_ptr_array_add(o->resources, (gpointer) value);
                return 0;
        case CTL_ARG_DESCRIPTION:
                o->description = value;
                return 0;
        case CTL_ARG_MAX_WAIT:
                return parse_span_seconds(name, value, &o->max_wait_sec);
        case CTL_ARG_NOT_BEFORE:
                return parse_time(name, value, &o->not_before_usec);
        case CTL_ARG_TIMEOUT:
                return parse_span_seconds(name, value, &o->timeout_sec);
        case CTL_ARG_TTL:
                return parse_span_seconds(name, value, &o->ttl_sec);
        case CTL_ARG_CLASS:
                if (!*value)
                        return ctl_usage_error(_("invalid --class value: must not be empty"));
                o->class_name = value;
                return 0;
        default:
                return -1;
        }
}

/**
 * ctl_job_options_add_parameter() - take one KEY=VALUE argument
 * @o: the options
 * @arg: "KEY=VALUE" (borrowed; must outlive @o)
 *
 * Return: 0, or CTL_EXIT_USAGE after printing why @arg is bad.
 */
int ctl_job_options_add_parameter(CtlJobOptions *o, const char *arg) {
        const char *eq = strchr(arg, '=');
        size_t len;

        if (!eq || eq == arg)
                return ctl_usage_error(_("invalid parameter \"%s\": expected KEY=VALUE"), arg);
        len = (size_t) (eq - arg);
        for (guint i = 0; i < o->parameters->len; i++) {
                const char *other = o->parameters->pdata[i];
                if (strncmp(other, arg, len + 1) == 0)
                        return ctl_usage_error(_("parameter \"%.*s\" given twice"), (int) len, arg);
        }
        g_ptr_array_add(o->parameters, (gpointer) arg);
        return 0;
}

/**
 * ctl_job_options_append() - write "s class, a{sv} options" to a call
 * @o: the options (class_name must be set)
 * @m: a Submit() or Acquire() call
 *
 * Return: 0 or negative errno.
 */
int ctl_job_options_append(const CtlJobOptions *o, sd_bus_message *m) {
        int r;

        r = sd_bus_message_append(m, "s", o->class_name);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        if (o->parameters->len > 0) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "parameters");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a{ss}");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "{ss}");
                for (guint i = 0; r >= 0 && i < o->parameters->len; i++) {
                        const char *arg = o->parameters->pdata[i];
                        const char *eq = strchr(arg, '=');
                        g_autofree char *key = g_strndup(arg, (gsize) (eq - arg));

                        r = sd_bus_message_append(m, "{ss}", key, eq + 1);
                }
                for (int k = 0; r >= 0 && k < 3; k++)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        if (o->resources->len > 0) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "resources");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "s");
                for (guint i = 0; r >= 0 && i < o->resources->len; i++)
                        r = sd_bus_message_append(m, "s", (const char *) o->resources->pdata[i]);
                for (int k = 0; r >= 0 && k < 3; k++)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        if (o->has_priority && (r = sd_bus_message_append(m, "{sv}", "priority", "i", o->priority)) < 0)
                return r;
        if (o->description && (r = sd_bus_message_append(m, "{sv}", "description", "s", o->description)) < 0)
                return r;
        if (o->max_wait_sec > 0 &&
            (r = sd_bus_message_append(m, "{sv}", "max-wait-sec", "t", o->max_wait_sec)) < 0)
                return r;
        if (o->not_before_usec > 0 &&
            (r = sd_bus_message_append(m, "{sv}", "not-before", "t", o->not_before_usec)) < 0)
                return r;
        if (o->timeout_sec > 0 &&
            (r = sd_bus_message_append(m, "{sv}", "timeout-sec", "t", o->timeout_sec)) < 0)
                return r;
        if (o->ttl_sec > 0 && (r = sd_bus_message_append(m, "{sv}", "ttl-sec", "t", o->ttl_sec)) < 0)
                return r;

        return sd_bus_message_close_container(m);
}

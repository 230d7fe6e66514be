/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "sluicectl schedules" (the manager's Schedules property) and "sluicectl trigger NAME". */
#include <inttypes.h>
#include <stdio.h>

#include "ctl-bus.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"

#define SCHEDULES_TYPE "a(ssttts)"

static void print_json(GVariant *schedules) {
        g_auto(CtlJson) j = CTL_JSON_INIT;
        GVariantIter it;
        const char *name, *klass, *result;
        guint64 next, last, job;

        ctl_json_begin_array(&j);
        g_variant_iter_init(&it, schedules);
        while (g_variant_iter_next(&it, "(&s&sttt&s)", &name, &klass, &next, &last, &job, &result)) {
                ctl_json_begin_object(&j);
                ctl_json_key(&j, "Name");
                ctl_json_string(&j, name);
                ctl_json_key(&j, "Class");
                ctl_json_string(&j, klass);
                ctl_json_key(&j, "NextElapse");
                ctl_json_uint(&j, next);
                ctl_json_key(&j, "LastTrigger");
                ctl_json_uint(&j, last);
                ctl_json_key(&j, "LastJob");
                ctl_json_uint(&j, job);
                ctl_json_key(&j, "LastResult");
                ctl_json_string(&j, result);
                ctl_json_end_object(&j);
        }
        ctl_json_end_array(&j);
        puts(j.out->str);
}

static void print_table(Ctl *ctl, GVariant *schedules) {
        const char *headers[] = { N_("NAME"), N_("CLASS"), N_("NEXT"), N_("LAST"), N_("JOB"), N_("RESULT") };
        const char *translated[G_N_ELEMENTS(headers) + 1] = {};  /* NULL-terminated */
        g_autoptr(CtlTable) t = NULL;
        GVariantIter it;
        const char *name, *klass, *result;
        guint64 next, last, job;

        if (g_variant_n_children(schedules) == 0) {
                if (!ctl->out.quiet)
                        printf("%s\n", _("No schedules configured."));
                return;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(headers); i++)
                translated[i] = _(headers[i]);
        t = ctl_table_new(G_N_ELEMENTS(headers), translated);
        ctl_table_set_right_aligned(t, 4);
        ctl_table_set_color(t, 5, ctl_result_color);
        g_variant_iter_init(&it, schedules);
        while (g_variant_iter_next(&it, "(&s&sttt&s)", &name, &klass, &next, &last, &job, &result)) {
                g_autofree char *n = ctl_format_timestamp(next), *l = ctl_format_timestamp(last);
                g_autofree char *id = job ? g_strdup_printf("%" PRIu64, job) : g_strdup("-");
                /* A job that has not ended yet has no result. */
                const char *res = result[0] ? result : (job ? _("(pending)") : "-");

                ctl_table_add_row(t, name, klass, n, l, id, res);
        }
        ctl_show_table(ctl, t);
}

/**
 * ctl_verb_schedules() - "sluicectl schedules [--json]": the configured schedules
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * A table (NAME, CLASS, NEXT, LAST, JOB, RESULT) by name, or "No schedules
 * configured."; with --json an array of {Name, Class, NextElapse,
 * LastTrigger (usec, 0 = never), LastJob (0 = none), LastResult}.
 *
 * Return: exit status.
 */
int ctl_verb_schedules(Ctl *ctl, int argc, char **argv) {
        g_autoptr(GVariant) schedules = NULL;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (idx < argc)
                return ctl_usage_error(_("\"schedules\" takes no arguments"));

        r = ctl_get_property(ctl, _("could not read the schedules"), SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                             "Schedules", &schedules);
        if (r != 0)
                return r;
        if (!g_variant_is_of_type(schedules, G_VARIANT_TYPE(SCHEDULES_TYPE))) {
                fprintf(stderr, "sluicectl: %s\n", _("could not read the schedules: unexpected property type"));
                return CTL_EXIT_FAILURE;
        }
        if (ctl->json)
                print_json(schedules);
        else
                print_table(ctl, schedules);
        return CTL_EXIT_OK;
}

/**
 * ctl_verb_trigger() - "sluicectl trigger NAME": run a schedule now
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Prints the new job's id once sluiced has stored it (as "submit" does).
 *
 * Return: exit status.
 */
int ctl_verb_trigger(Ctl *ctl, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autofree char *what = NULL;
        const char *path;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (argc - idx != 1)
                return ctl_usage_error(_("\"trigger\" takes one schedule name"));

        what = g_strdup_printf(_("could not trigger schedule %s"), argv[idx]);
        r = ctl_call(ctl, what, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "TriggerSchedule", &reply, "s",
                     argv[idx]);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_fail(what, NULL, r);
        if (ctl->json)
                printf("{\"Job\":%" PRIu64 ",\"Path\":\"%s\"}\n", ctl_job_id_from_path(path), path);
        else if (ctl_job_id_from_path(path) > 0)
                printf("%" PRIu64 "\n", ctl_job_id_from_path(path));
        else
                printf("%s\n", path);
        return CTL_EXIT_OK;
}

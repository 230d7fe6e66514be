/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "sluicectl alerts": the alerts raised now (the manager's Alerts property). */
#include <stdio.h>

#include "ctl-bus.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"

static void print_json(GVariant *alerts) {
        g_auto(CtlJson) j = CTL_JSON_INIT;
        GVariantIter it;
        const char *name, *severity, *message;
        guint64 since;

        ctl_json_begin_array(&j);
        g_variant_iter_init(&it, alerts);
        while (g_variant_iter_next(&it, "(&s&s&st)", &name, &severity, &message, &since)) {
                ctl_json_begin_object(&j);
                ctl_json_key(&j, "Name");
                ctl_json_string(&j, name);
                ctl_json_key(&j, "Severity");
                ctl_json_string(&j, severity);
                ctl_json_key(&j, "Message");
                ctl_json_string(&j, message);
                ctl_json_key(&j, "RaisedAt");
                ctl_json_uint(&j, since);
                ctl_json_end_object(&j);
        }
        ctl_json_end_array(&j);
        puts(j.out->str);
}

static void print_table(Ctl *ctl, GVariant *alerts) {
        const char *headers[] = { N_("NAME"), N_("SEVERITY"), N_("SINCE"), N_("MESSAGE") };
        const char *translated[G_N_ELEMENTS(headers) + 1] = {};  /* NULL-terminated */
        g_autoptr(CtlTable) t = NULL;
        GVariantIter it;
        const char *name, *severity, *message;
        guint64 since;

        if (g_variant_n_children(alerts) == 0) {
                if (!ctl->out.quiet)
                        printf("%s\n", _("No alerts raised."));
                return;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(headers); i++)
                translated[i] = _(headers[i]);
        t = ctl_table_new(G_N_ELEMENTS(headers), translated);
        ctl_table_set_color(t, 1, ctl_severity_color);
        ctl_table_set_ellipsize(t, 3);
        g_variant_iter_init(&it, alerts);
        while (g_variant_iter_next(&it, "(&s&s&st)", &name, &severity, &message, &since)) {
                g_autofree char *when = ctl_format_timestamp(since);

                ctl_table_add_row(t, name, severity, when, message);
        }
        ctl_show_table(ctl, t);
}

/**
 * ctl_verb_alerts() - "sluicectl alerts [--json]": the alerts raised now
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * A table (NAME, SEVERITY, SINCE, MESSAGE) by name, or "No alerts raised.";
 * with --json an array of {Name, Severity, Message, RaisedAt (usec)}.
 *
 * Return: exit status (0 also when alerts are raised: the output says it).
 */
int ctl_verb_alerts(Ctl *ctl, int argc, char **argv) {
        g_autoptr(GVariant) alerts = NULL;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (idx < argc)
                return ctl_usage_error(_("\"alerts\" takes no arguments"));

        r = ctl_get_property(ctl, _("could not read the alerts"), SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                             "Alerts", &alerts);
        if (r != 0)
                return r;
        if (!g_variant_is_of_type(alerts, G_VARIANT_TYPE("a(ssst)"))) {
                fprintf(stderr, "sluicectl: %s\n", _("could not read the alerts: unexpected property type"));
                return CTL_EXIT_FAILURE;
        }
        if (ctl->json)
                print_json(alerts);
        else
                print_table(ctl, alerts);
        return CTL_EXIT_OK;
}

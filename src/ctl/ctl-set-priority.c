/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "sluicectl set-priority JOB N": the job's SetPriority(i). */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"

/**
 * ctl_verb_set_priority() - "sluicectl set-priority JOB N [--json]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * A negative N needs no "--" ("set-priority 7 -10").
 * N is checked here only for being a number; its range (-1000…1000) is
 * sluiced's to judge, whose InvalidArgument message is printed as is.
 * Prints nothing, or with --json {"Id":…,"Priority":…} as sluiced now has it.
 *
 * Return: exit status (4 when there is no such job).
 */
int ctl_verb_set_priority(Ctl *ctl, int argc, char **argv) {
        g_autofree char *path = NULL, *what = NULL;
        g_autoptr(GVariant) prio = NULL;
        const char *args[2];
        size_t n_args = 0;
        bool options_end = false;
        gint64 n;
        int r;

        /* Not getopt: a negative priority ("set-priority 7 -10") is an argument, not an option. */
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (!options_end && g_str_equal(a, "--")) {
                        options_end = true;
                        continue;
                }
                if (!options_end && g_str_equal(a, "--json")) {
                        ctl->json = true;
                        continue;
                }
                if (!options_end && (g_str_equal(a, "--help") || g_str_equal(a, "-h"))) {
                        ctl_print_help();
                        return CTL_EXIT_OK;
                }
                if (!options_end && a[0] == '-' && !g_ascii_isdigit(a[1]))
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                if (n_args == G_N_ELEMENTS(args))
                        return ctl_usage_error(_("\"set-priority\" needs a JOB and a priority"));
                args[n_args++] = a;
        }
        if (n_args != 2)
                return ctl_usage_error(_("\"set-priority\" needs a JOB and a priority"));
        if (!g_ascii_string_to_signed(args[1], 10, G_MININT32, G_MAXINT32, &n, NULL))
                return ctl_usage_error(_("invalid priority \"%s\": expected a number"), args[1]);

        r = ctl_resolve_job(ctl, args[0], &path);
        if (r != 0)
                return r;
        what = g_strdup_printf(_("could not change the priority of job %s"), args[0]);
        r = ctl_call(ctl, what, path, SLUICE_JOB_IFACE, "SetPriority", NULL, "i", (int32_t) n);
        if (r != 0)
                return r;

        if (ctl->json) {
                g_auto(CtlJson) j = CTL_JSON_INIT;

                r = ctl_get_property(ctl, what, path, SLUICE_JOB_IFACE, "Priority", &prio);
                if (r != 0)
                        return r;
                ctl_json_begin_object(&j);
                ctl_json_key(&j, "Id");
                ctl_json_uint(&j, ctl_job_id_from_path(path));
                ctl_json_key(&j, "Priority");
                ctl_json_int(&j, g_variant_is_of_type(prio, G_VARIANT_TYPE_INT32) ? g_variant_get_int32(prio) : n);
                ctl_json_end_object(&j);
                printf("%s\n", j.out->str);
        }
        return CTL_EXIT_OK;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "sluicectl submit": queue a job and print its id. */
#include <getopt.h>
#include <stdio.h>

#include "ctl-bus.h"
#include "ctl-job-options.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"

/*
 * A lease-class job from Submit() belongs to the submitting connection and
 * ends "abandoned" when it closes: from sluicectl that is the moment it
 * exits. Say so instead of queueing a job that cannot live.
 */
static int refuse_lease_class(Ctl *ctl, const char *class_name) {
        g_autoptr(GVariant) classes = NULL;
        GVariantIter iter;
        const char *name, *kind, *description;
        guint32 max_running;
        int r;

        r = ctl_get_property(ctl, _("could not read the classes"), SLUICE_MANAGER_PATH,
                             SLUICE_MANAGER_IFACE, "Classes", &classes);
        if (r != 0)
                return r;
        if (!g_variant_is_of_type(classes, G_VARIANT_TYPE("a(sssu)")))
                return 0;       /* let sluiced judge */
        g_variant_iter_init(&iter, classes);
        while (g_variant_iter_next(&iter, "(&s&s&su)", &name, &kind, &description, &max_running))
                if (g_str_equal(name, class_name) && g_str_equal(kind, "lease")) {
                        fprintf(stderr, _("sluicectl: class %s hands out leases: a lease submitted by "
                                          "sluicectl would end as soon as sluicectl exits; use "
                                          "\"sluicectl acquire %s\" or \"sluicectl run --class %s -- CMD\"\n"),
                                class_name, class_name, class_name);
                        return CTL_EXIT_FAILURE;
                }
        return 0;
}

/**
 * ctl_verb_submit() - "sluicectl submit CLASS [KEY=VALUE…] [job options]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Prints the new job's id on stdout; with --json {"Id": N, "Path": "…"}.
 *
 * Return: exit status.
 */
int ctl_verb_submit(Ctl *ctl, int argc, char **argv) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                CTL_JOB_OPTIONS,
                { "json", no_argument, NULL, ARG_JSON },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        g_auto(CtlJobOptions) o = {};
        g_autofree char *what = NULL;
        const char *path;
        int c, r, index;

        ctl_job_options_init(&o);
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, &index)) >= 0) {
                if (c == 'h') {
                        ctl_print_help();
                        return CTL_EXIT_OK;
                }
                if (c == ARG_JSON) {
                        ctl->json = true;
                        continue;
                }
                r = ctl_job_options_parse_option(&o, c, c >= CTL_ARG_PRIORITY ? options[index].name : "", optarg);
                if (r < 0)
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                if (r != 0)
                        return r;
        }
        if (optind >= argc)
                return ctl_usage_error(_("\"submit\" needs a CLASS"));
        o.class_name = argv[optind];
        for (int i = optind + 1; i < argc; i++) {
                r = ctl_job_options_add_parameter(&o, argv[i]);
                if (r != 0)
                        return r;
        }

        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = refuse_lease_class(ctl, o.class_name);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Submit", &m);
        if (r != 0)
                return r;
        r = ctl_job_options_append(&o, m);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        what = g_strdup_printf(_("could not submit a job of class %s"), o.class_name);
        r = ctl_call_message(ctl, what, m, CTL_TIMEOUT_DEFAULT, &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_fail(what, NULL, r);

        if (ctl->json) {
                g_auto(CtlJson) j = CTL_JSON_INIT;

                ctl_json_begin_object(&j);
                ctl_json_key(&j, "Id");
                ctl_json_uint(&j, ctl_job_id_from_path(path));
                ctl_json_key(&j, "Path");
                ctl_json_string(&j, path);
                ctl_json_end_object(&j);
                printf("%s\n", j.out->str);
        } else if (ctl_job_id_from_path(path) > 0)
                printf("%" PRIu64 "\n", ctl_job_id_from_path(path));
        else
                printf("%s\n", path);
        return CTL_EXIT_OK;
}

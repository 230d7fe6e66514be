/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "sluicectl cluster": the fleet-wide resources (issue 14), from the
 * manager's Cluster and ClusterState properties (docs/dbus-api.md).
 */
#include <inttypes.h>
#include <stdio.h>

#include "ctl-bus.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"

#define CLUSTER_TYPE "a(suuua(stt))"

static void print_json(const char *state, GVariant *cluster) {
        g_auto(CtlJson) j = CTL_JSON_INIT;
        g_autoptr(GVariantIter) holders = NULL;
        GVariantIter it;
        const char *resource;
        uint32_t limit, here, waiting;

        ctl_json_begin_object(&j);
        ctl_json_key(&j, "State");
        ctl_json_string(&j, state);
        ctl_json_key(&j, "Resources");
        ctl_json_begin_array(&j);
        g_variant_iter_init(&it, cluster);
        while (g_variant_iter_next(&it, "(&suuua(stt))", &resource, &limit, &here, &waiting, &holders)) {
                const char *host;
                guint64 job, since;

                ctl_json_begin_object(&j);
                ctl_json_key(&j, "Resource");
                ctl_json_string(&j, resource);
                ctl_json_key(&j, "MaxRunning");
                ctl_json_uint(&j, limit);
                ctl_json_key(&j, "RunningHere");
                ctl_json_uint(&j, here);
                ctl_json_key(&j, "Waiting");
                ctl_json_uint(&j, waiting);
                ctl_json_key(&j, "Holders");
                ctl_json_begin_array(&j);
                while (g_variant_iter_next(holders, "(&stt)", &host, &job, &since)) {
                        ctl_json_begin_object(&j);
                        ctl_json_key(&j, "Host");
                        ctl_json_string(&j, host);
                        ctl_json_key(&j, "Job");
                        ctl_json_uint(&j, job);
                        ctl_json_key(&j, "Since");
                        ctl_json_uint(&j, since);
                        ctl_json_end_object(&j);
                }
                ctl_json_end_array(&j);
                ctl_json_end_object(&j);
                g_clear_pointer(&holders, g_variant_iter_free);
        }
        ctl_json_end_array(&j);
        ctl_json_end_object(&j);
        puts(j.out->str);
}

/* One row per holder; a resource without holders gets one row of its own. */
static void print_table(Ctl *ctl, const char *state, GVariant *cluster) {
        const char *headers[] = { N_("RESOURCE"), N_("LIMIT"), N_("HERE"), N_("WAITING"),
                                  N_("HOST"), N_("JOB"), N_("SINCE") };
        const char *translated[G_N_ELEMENTS(headers) + 1] = {};  /* NULL-terminated */
        g_autoptr(CtlTable) t = NULL;
        g_autoptr(GVariantIter) holders = NULL;
        GVariantIter it;
        const char *resource;
        uint32_t limit, here, waiting;

        if (!ctl->out.quiet)
                printf(_("Cluster: %s\n"), state);
        if (g_variant_n_children(cluster) == 0) {
                if (!ctl->out.quiet)
                        printf("%s\n", _("No cluster resources."));
                return;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(headers); i++)
                translated[i] = _(headers[i]);
        t = ctl_table_new(G_N_ELEMENTS(headers), translated);
        g_variant_iter_init(&it, cluster);
        while (g_variant_iter_next(&it, "(&suuua(stt))", &resource, &limit, &here, &waiting, &holders)) {
                g_autofree char *l = g_strdup_printf("%" PRIu32, limit);
                g_autofree char *h = g_strdup_printf("%" PRIu32, here);
                g_autofree char *w = g_strdup_printf("%" PRIu32, waiting);
                const char *host;
                guint64 job, since;
                bool any = false;

                while (g_variant_iter_next(holders, "(&stt)", &host, &job, &since)) {
                        g_autofree char *id = g_strdup_printf("%" PRIu64, (uint64_t) job);
                        g_autofree char *when = ctl_format_timestamp(since);

                        ctl_table_add_row(t, resource, l, h, w, host, id, when);
                        any = true;
                }
                if (!any)
                        ctl_table_add_row(t, resource, l, h, w, "-", "-", "-");
                g_clear_pointer(&holders, g_variant_iter_free);
        }
        ctl_show_table(ctl, t);
}

/**
 * ctl_verb_cluster() - "sluicectl cluster [--json]": the fleet-wide resources
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * "Cluster: STATE" (off, unavailable, up, down), then a table
 * (RESOURCE, LIMIT, HERE, WAITING, HOST, JOB, SINCE), one row per holder in
 * the fleet; with --json {State, Resources: [{Resource, MaxRunning,
 * RunningHere, Waiting, Holders: [{Host, Job, Since (usec)}]}]}.
 *
 * Return: exit status (0 also when etcd is down: the output says it).
 */
int ctl_verb_cluster(Ctl *ctl, int argc, char **argv) {
        g_autoptr(GVariant) cluster = NULL;
        g_autoptr(GVariant) state = NULL;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (idx < argc)
                return ctl_usage_error(_("\"cluster\" takes no arguments"));

        r = ctl_get_property(ctl, _("could not read the cluster resources"), SLUICE_MANAGER_PATH,
                             SLUICE_MANAGER_IFACE, "ClusterState", &state);
        if (r != 0)
                return r;
        r = ctl_get_property(ctl, _("could not read the cluster resources"), SLUICE_MANAGER_PATH,
                             SLUICE_MANAGER_IFACE, "Cluster", &cluster);
        if (r != 0)
                return r;
        if (!g_variant_is_of_type(state, G_VARIANT_TYPE_STRING) ||
            !g_variant_is_of_type(cluster, G_VARIANT_TYPE(CLUSTER_TYPE))) {
                fprintf(stderr, "sluicectl: %s\n",
                        _("could not read the cluster resources: unexpected property type"));
                return CTL_EXIT_FAILURE;
        }
        if (ctl->json)
                print_json(g_variant_get_string(state, NULL), cluster);
        else
                print_table(ctl, g_variant_get_string(state, NULL), cluster);
        return CTL_EXIT_OK;
}

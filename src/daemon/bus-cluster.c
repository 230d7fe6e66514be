/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager's Cluster and ClusterState properties (issue 14): the fleet as
 * this sluiced's cluster module last saw it (src/daemon/cluster.h,
 * manager_cluster_resources()).  Reading them does no I/O: the module answers
 * from its cached copy of etcd's keys.  Without [Cluster]: "off" and an empty
 * array.  Emitted (coalesced, MANAGER_PROP_CLUSTER) when the module reports a
 * change, and with [Cluster] when jobs start or end here.
 */
#include "bus-cluster.h"

#include <string.h>

#include "cluster-module.h"
#include "cluster.h"

/**
 * bus_cluster_append_property() - the Cluster property, a(suuua(stt))
 * @m: the manager
 * @reply: the message to append to
 *
 * One entry per Scope=cluster resource this host knows: resource, limit (the
 * largest any host published), holders running on this host, requests
 * waiting in the fleet queue, and the holders in fleet order (host, job id
 * on that host, since: that host's CLOCK_REALTIME in µs).
 *
 * Return: 0 or a negative errno from sd-bus.
 */
int bus_cluster_append_property(Manager *m, sd_bus_message *reply) {
        const char *state = NULL;
        g_autoptr(GPtrArray) views = manager_cluster_resources(m, &state);
        const char *here = manager_cluster_host_name(m);
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(suuua(stt))");
        if (r < 0)
                return r;
        for (guint i = 0; views && i < views->len; i++) {
                const ClusterResourceView *v = views->pdata[i];
                uint32_t n_here = 0;

                for (guint k = 0; v->holders && k < v->holders->len; k++)
                        if (here && strcmp(g_array_index(v->holders, ClusterHolder, k).host, here) == 0)
                                n_here++;
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_STRUCT, "suuua(stt)");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "suuu", v->resource, v->limit, n_here, v->waiting);
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(stt)");
                if (r < 0)
                        return r;
                for (guint k = 0; v->holders && k < v->holders->len; k++) {
                        const ClusterHolder *h = &g_array_index(v->holders, ClusterHolder, k);

                        r = sd_bus_message_append(reply, "(stt)", h->host, h->job_id, h->since_usec);
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/**
 * bus_cluster_append_state() - the ClusterState property, s
 * @m: the manager
 * @reply: the message to append to
 *
 * "off" (no [Cluster]), "unavailable" (the module is missing or refused the
 * settings), "up" (etcd answered the last call) or "down" (etcd unreachable).
 *
 * Return: 0 or a negative errno from sd-bus.
 */
int bus_cluster_append_state(Manager *m, sd_bus_message *reply) {
        const char *state = NULL;
        g_autoptr(GPtrArray) views = manager_cluster_resources(m, &state);

        return sd_bus_message_append(reply, "s", state ?: "off");
}

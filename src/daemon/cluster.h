/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sluiced's side of cluster limits (docs/cluster.md): with a [Cluster]
 * section, load the cluster module (sluiced-cluster.so, cluster-module.h),
 * give the core its SchedulerClusterOps, and glue the module's hooks to the
 * Manager (post step, alerts, journal, state database).  Without [Cluster]
 * nothing of this runs and nothing is loaded.
 *
 * A module that is missing, of another ABI, or refusing the settings is an
 * error in the journal: host scope goes on, cluster jobs wait with the reason
 * (ClusterState "unavailable").
 */

#include <glib.h>
#include <stdbool.h>

#include "cluster-module.h"
#include "manager.h"

typedef struct DaemonCluster DaemonCluster;

/*
 * After re-attach and the store's restore, before the first dispatch
 * (manager_startup()): load the module, start it, hand it the running and
 * queued jobs of cluster resources (recover()), set the core's ops.
 * Does nothing without [Cluster].  Never fails sluiced: 0.
 */
int cluster_start(Manager *m);
void cluster_free(DaemonCluster *c);

/* The post step, after a commit that worked: the module's flush(). */
void cluster_flush(Manager *m);

/* Every scheduler event: a job that held or wanted fleet slots and ends (or
 * goes back to the queue for a retry) releases them. */
void cluster_job_event(Manager *m, SchedEventType type, Job *job, JobChangedMask changed);

/* Inside the group commit: the lease id granted since the last one. */
bool cluster_store_flush(Manager *m, GError **error);
bool cluster_store_dirty(Manager *m);
void cluster_store_committed(Manager *m);

/*
 * For the Cluster property, sluicectl cluster and the metrics (K3):
 * ClusterResourceView* (cluster-module.h; the array's free func frees them),
 * one per cluster resource this host knows, in the module's order; never
 * NULL, empty without [Cluster] or a module.  *ret_state (may be NULL), a
 * static string: "off" (no [Cluster]), "unavailable" (module missing, bad
 * ABI, settings refused: the journal says why), "up" (etcd answered the last
 * call), "down" (it did not).
 */
GPtrArray *manager_cluster_resources(Manager *m, const char **ret_state);

/* This host's name in the fleet; NULL without [Cluster]. */
const char *manager_cluster_host_name(Manager *m);

/* Why cluster scope is unavailable (translated), NULL when it is not. */
const char *manager_cluster_unavailable(Manager *m);

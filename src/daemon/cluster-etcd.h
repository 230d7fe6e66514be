/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Inside sluiced-cluster.so (docs/cluster.md, "The module"): the Cluster of
 * cluster-module.h on the etcd client.  cluster-etcd.c holds the host (lease,
 * host key, the queue of this host's txns and deletes, recovery, answers);
 * cluster-etcd-resource.c one resource (its ordered copy of the fleet's
 * keys, kept by ranges and one prefix watch, and the positions read from it).
 * Not part of the module's ABI: nothing here is exported.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "cluster-module.h"
#include "etcd-client.h"

typedef struct ClusterResource ClusterResource;

/* One request of this host for one resource: the key <prefix>/v1/res/<resource>/<host>/<job>. */
typedef enum WantState {
        WANT_NEW,    /* its txn is not sent (or must be sent again: the key is gone) */
        WANT_SENT,   /* its txn is in the queue or on the wire */
        WANT_PLACED, /* the key exists; create_revision is its place */
} WantState;

typedef struct ClusterWant {
        uint64_t job_id;
        char *key;
        WantState state;
        int64_t create_revision;
        bool admitted; /* seen among the first `limit`: stays so until released (docs/cluster.md) */
        uint64_t since_usec;
} ClusterWant;

/* One copied key of the resource's prefix. */
typedef struct ClusterKey {
        char *key;
        int64_t create_revision;
        char *host;
        uint64_t job_id;
        uint64_t since_usec;
} ClusterKey;

struct ClusterResource {
        Cluster *cluster;
        char *name;
        char *prefix;          /* <prefix>/v1/res/<name>/ */
        uint32_t limit;        /* this host's MaxRunning, as last given */
        GHashTable *wants;     /* job id (uint64_t*) → ClusterWant* */
        GPtrArray *keys;       /* ClusterKey*, by create revision: the copy */
        int64_t revision;      /* the copy's revision; 0: none yet */
        bool ranging, range_again;
        EtcdWatch *watch;
};

/* cluster-etcd.c, for the resource half */
EtcdClient *cluster_client(Cluster *c);
const char *cluster_host(Cluster *c);
void cluster_notify(Cluster *c);
void cluster_etcd_result(Cluster *c, const GError *error);
void cluster_logf(Cluster *c, int priority, const char *format, ...) G_GNUC_PRINTF(3, 4);
void cluster_arm_retry(Cluster *c);

/* cluster-etcd-resource.c */
ClusterResource *cluster_resource_new(Cluster *c, const char *prefix, const char *name, uint32_t limit);
void cluster_resource_free(ClusterResource *r);
void cluster_resource_take_kvs(ClusterResource *r, const EtcdReply *reply);
void cluster_resource_range(ClusterResource *r);
void cluster_resource_watch(ClusterResource *r);
int cluster_resource_position(const ClusterResource *r, const char *key);
guint cluster_resource_n_keys(const ClusterResource *r);
bool cluster_key_parse(const char *key, const char *res_prefix, char **ret_resource, char **ret_host,
                       uint64_t *ret_job);
ClusterResourceView *cluster_resource_view(const ClusterResource *r, uint32_t limit);
void cluster_resource_view_free(ClusterResourceView *v);

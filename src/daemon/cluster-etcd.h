/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Inside sluiced-cluster.so (docs/cluster.md, "The module"): the Cluster of
 * cluster-module.h on the etcd client.  cluster-etcd.c holds the module's
 * functions (answers, releases, flush, views, new/free); cluster-etcd-host.c
 * the lease, the host key and the hosts' limits; cluster-etcd-queue.c the
 * queue of this host's txns and deletes and the restart steps;
 * cluster-etcd-resource.c one resource (its ordered copy of the fleet's
 * keys, kept by ranges and one prefix watch, and the positions read from it).
 * Not part of the module's ABI: nothing here is exported.
 */

#include <glib.h>
#include <json-glib/json-glib.h>
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
        uint64_t seq;  /* request order on this host (Cluster.next_seq when it was made) */
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

typedef enum OpType {
        OP_TXN,       /* a want's admission txn */
        OP_DELETE,    /* a released key */
        OP_HOST_PUT,  /* the host key again, with the limits known now */
        OP_SWEEP,     /* restart step 3: range res/, delete this host's stale keys */
        OP_RECOVERED, /* the end of the restart steps */
} OpType;

typedef struct Op {
        OpType type;
        char *resource;
        uint64_t job_id;
        char *key;
        Cluster *cluster; /* a direct delete's */
        bool direct; /* a delete of a key whose txn was answered: needs no place in the queue */
} Op;

typedef struct RecoverJob {
        uint64_t job_id;
        char *resource;
        uint32_t limit;
        bool running;
} RecoverJob;

struct Cluster {
        sd_event *event;
        ClusterHooks hooks;
        void *userdata;
        EtcdClient *client;
        EtcdLeaseKeeper *keeper;
        char *host;
        char *prefix;
        char *host_key;   /* <prefix>/v1/hosts/<host> */
        char *hosts_root; /* <prefix>/v1/hosts/ */
        char *res_root;   /* <prefix>/v1/res/ */
        uint32_t ttl_sec;
        uint64_t since_usec;

        int64_t lease_id;  /* the lease in use; 0: none confirmed yet */
        bool host_key_ok;  /* the host key is ours under lease_id */
        bool host_putting;
        char *refused;     /* the host key is another lease's: cluster scope refused while it is */

        bool recover_called, recover_started, recovering;
        GArray *recover_jobs; /* RecoverJob */

        bool etcd_up;
        char *etcd_why;

        GHashTable *resources;    /* name → ClusterResource* */
        GHashTable *fleet_limits; /* name → largest limit the hosts' keys publish (GUINT_TO_POINTER) */
        bool hosts_ranging;
        uint64_t next_seq;        /* the last ClusterWant.seq handed out */

        GQueue staged; /* Op*: recorded since the last flush() */
        GQueue ops;    /* Op*: to send, the head on the wire when op_busy */
        bool op_busy;
        GPtrArray *direct; /* Op*: direct deletes on the wire */

        sd_event_source *retry;
        sd_event_source *notify;
};

/* cluster-etcd.c */
ClusterResource *cluster_resource_get(Cluster *c, const char *name, uint32_t limit, bool *ret_new);
ClusterWant *cluster_want_new(Cluster *c, ClusterResource *r, uint64_t job_id);

/* cluster-etcd-host.c: the lease, the host key, the hosts' limits */
char *cluster_json_string(JsonBuilder *b);
char *cluster_host_value(Cluster *c);
void cluster_hosts_range(Cluster *c);
void cluster_host_key_put(Cluster *c);
void cluster_on_lease(EtcdLeaseKeeper *k, EtcdLeaseEvent event, int64_t lease_id, const GError *error,
                      void *userdata);

/* cluster-etcd-queue.c: the queue of txns and deletes, the restart steps */
Op *cluster_op_new(OpType type, const char *resource, uint64_t job_id, const char *key);
void cluster_op_free(Op *op);
void cluster_requeue_wants(Cluster *c);
void cluster_run_ops(Cluster *c);
void cluster_recover_start(Cluster *c);
void cluster_recover(Cluster *c, const ClusterRecoverJob *jobs, size_t n_jobs);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The boundary between sluiced and its cluster module, sluiced-cluster.so
 * (docs/cluster.md, "Nothing new without [Cluster]").  sluiced dlopen()s the
 * module only when the configuration has a [Cluster] section and takes one
 * symbol from it, SLUICE_CLUSTER_MODULE_SYMBOL, a const ClusterModule whose
 * .abi must equal SLUICE_CLUSTER_MODULE_ABI.
 *
 * Everything here is plain C, GLib and sd-event: neither side sees the other's
 * internals (no Manager, no Job, no libcurl, no json-glib).  The module runs
 * on sluiced's sd-event loop, in sluiced's thread; it never blocks.  Its
 * callbacks into sluiced (ClusterHooks) are never called from inside one of
 * the module's own functions below, only from its event sources.
 *
 * Names: a "resource" is an expanded resource instance ("sync:offsite"), a
 * job is its sluice id.  The module keeps, per resource, its ordered copy of
 * the fleet's keys (docs/cluster.md, "Key layout"), and answers from it.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#define SLUICE_CLUSTER_MODULE_ABI 1u
#define SLUICE_CLUSTER_MODULE_SYMBOL "sluice_cluster_module_v1"

typedef struct Cluster Cluster;

/* [Cluster] as sluiced parsed and validated it (borrowed for the call only). */
typedef struct ClusterSettings {
        const char *const *endpoints;   /* NULL-terminated, at least one */
        const char *ca_file;            /* NULL: system CAs */
        const char *cert_file;          /* NULL: no client certificate */
        const char *key_file;
        const char *user;               /* NULL: no authentication */
        const char *password;           /* read from PasswordFile= by sluiced */
        const char *host_name;          /* this host in the fleet */
        const char *prefix;             /* "/sluice" */
        uint32_t lease_ttl_sec;
        int64_t stored_lease_id;        /* the lease of sluiced's last run (state database), 0: none */
} ClusterSettings;

typedef enum ClusterAnswer {
        CLUSTER_ADMITTED,       /* the job's key is among the first `limit` of the resource */
        CLUSTER_WAITING,        /* a request is out, or the job is behind others; *reason says which */
        CLUSTER_UNAVAILABLE,    /* recovering, or etcd unreachable; *reason says which */
} ClusterAnswer;

/* What sluiced wants told (userdata: sluiced's Manager). */
typedef struct ClusterHooks {
        /* Some answer may have changed (a txn came back, a watch saw a delete,
         * etcd came back): sluiced runs its post step, which dispatches. */
        void (*changed)(void *userdata);
        /* The lease is lost (docs/cluster.md, "Failure semantics"): @why in words.
         * Every slot this host held is gone from the fleet's view. */
        void (*lease_lost)(void *userdata, const char *why);
        /* A new lease (granted at start, or after a loss): sluiced stores its id. */
        void (*lease_granted)(void *userdata, int64_t lease_id);
        /* Log through sluiced's journal (priority: LOG_*). */
        void (*log)(void *userdata, int priority, const char *message);
} ClusterHooks;

/* One job sluiced re-attached at start that held (or asked for) a slot. */
typedef struct ClusterRecoverJob {
        uint64_t job_id;
        const char *resource;
        uint32_t limit;
        bool running;           /* running (it held the slot); false: still waiting */
} ClusterRecoverJob;

/* One holder of a cluster resource, anywhere in the fleet. */
typedef struct ClusterHolder {
        char *host;
        uint64_t job_id;
        uint64_t since_usec;    /* CLOCK_REALTIME of the holder's host */
} ClusterHolder;

typedef struct ClusterResourceView {
        char *resource;
        uint32_t limit;         /* the largest limit any host published */
        GArray *holders;        /* of ClusterHolder (clear func set), in fleet order (admitted ones) */
        uint32_t waiting;       /* keys behind the holders */
} ClusterResourceView;

typedef struct ClusterModule {
        uint32_t abi;           /* SLUICE_CLUSTER_MODULE_ABI */

        /* Connects nothing yet: validates, builds the client, starts the lease
         * keeper.  < 0 with @error ("etcd endpoint \"ftp://x\": ...") on bad settings. */
        int (*new)(sd_event *event, const ClusterSettings *settings,
                   const ClusterHooks *hooks, void *userdata, Cluster **ret, GError **error);
        void (*free)(Cluster *c);

        /* Restart: take back the slots of re-attached jobs (docs/cluster.md,
         * "Restart") before anything new is admitted; answer() says
         * CLUSTER_UNAVAILABLE "recovering" until it is done (then changed()). */
        void (*recover)(Cluster *c, const ClusterRecoverJob *jobs, size_t n_jobs);

        /* May @job_id hold a slot of @resource now?  Reads cached state only
         * (no I/O); the first call for a job and resource records a want whose
         * txn goes out at the next flush().  *ret_reason (may be NULL): for
         * WAITING/UNAVAILABLE, a translated WaitReason tail, caller frees. */
        ClusterAnswer (*answer)(Cluster *c, uint64_t job_id, const char *resource,
                                uint32_t limit, char **ret_reason);

        /* The job no longer holds or wants its slot of @resource (ended,
         * cancelled): its key is deleted at the next flush(). */
        void (*release)(Cluster *c, uint64_t job_id, const char *resource);

        /* The post step, after the commit: send the wants' txns and the
         * releases' deletes recorded since the last flush. */
        void (*flush)(Cluster *c);

        /* The fleet as last seen: a GPtrArray of ClusterResourceView*
         * (its free func set by the module: g_ptr_array_unref() frees all), one per cluster resource this host knows;
         * *ret_etcd_up: whether the last call to etcd worked. */
        GPtrArray *(*resources)(Cluster *c, bool *ret_etcd_up);
} ClusterModule;

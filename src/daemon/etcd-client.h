/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * An asynchronous etcd v3 client over the JSON gateway (docs/cluster.md, "The
 * etcd client"): several endpoints tried in turn, TLS, user/password auth,
 * leases with a keeper that renews them, kv range/txn/delete and watches.
 * No scheduler logic: the cluster limits are built on it (docs/cluster.md).
 *
 * Every call answers once through its callback, from the event loop, never
 * from inside the call: a reply, or a GError of ETCD_ERROR whose message names
 * the endpoint(s) and what failed.  A call that could not even be sent fails
 * synchronously with a negative errno.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "etcd-json.h"

typedef struct EtcdClient EtcdClient;
typedef struct EtcdWatch EtcdWatch;
typedef struct EtcdLeaseKeeper EtcdLeaseKeeper;

typedef struct EtcdClientConfig {
        char **endpoints;          /* "http://host:port" or "https://…", tried in this order */
        const char *ca_file;
        const char *cert_file;
        const char *key_file;
        const char *user;          /* with password: etcd's auth (/v3/auth/authenticate) */
        const char *password;
        uint64_t request_timeout_usec; /* 0: ETCD_REQUEST_TIMEOUT_USEC_DEFAULT */
        uint64_t connect_timeout_usec; /* 0: ETCD_CONNECT_TIMEOUT_USEC_DEFAULT */
        size_t max_reply;          /* 0: ETCD_HTTP_MAX_REPLY_DEFAULT */
} EtcdClientConfig;

#define ETCD_REQUEST_TIMEOUT_USEC_DEFAULT (5u * 1000000u)
#define ETCD_CONNECT_TIMEOUT_USEC_DEFAULT (2u * 1000000u)

/* @reply is NULL exactly when @error is set; both belong to the client. */
typedef void (*EtcdReplyFn)(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata);

int etcd_client_new(sd_event *event, const EtcdClientConfig *config, EtcdClient **ret, GError **error);
EtcdClient *etcd_client_free(EtcdClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EtcdClient, etcd_client_free)

int etcd_client_call(EtcdClient *c, const char *path, const char *body, EtcdReplyFn cb, void *userdata);
int etcd_client_lease_grant(EtcdClient *c, int64_t ttl_sec, EtcdReplyFn cb, void *userdata);
int etcd_client_lease_keepalive(EtcdClient *c, int64_t lease_id, EtcdReplyFn cb, void *userdata);
int etcd_client_lease_revoke(EtcdClient *c, int64_t lease_id, EtcdReplyFn cb, void *userdata);
int etcd_client_range_prefix(EtcdClient *c, const char *prefix, EtcdReplyFn cb, void *userdata);
int etcd_client_put_if_absent(EtcdClient *c, const char *key, const char *value, int64_t lease_id,
                              EtcdReplyFn cb, void *userdata);
int etcd_client_semaphore_request(EtcdClient *c, const char *prefix, const char *key, const char *value,
                                  int64_t lease_id, EtcdReplyFn cb, void *userdata);
int etcd_client_delete(EtcdClient *c, const char *key, EtcdReplyFn cb, void *userdata);

/*
 * A watch: @cb gets every reply of the stream (the "created" one, then
 * events, in revision order); the stream's end, a cancel by etcd or a
 * compaction comes as one last call with @error set (ETCD_ERROR_COMPACTED
 * names the compact revision), after which the watch is dead; the caller
 * frees it and watches again from the revision it has seen + 1 (or re-reads
 * after a compaction).  Not resumed by the client.
 */
int etcd_client_watch(EtcdClient *c, const char *key, bool prefix, int64_t start_revision,
                      EtcdReplyFn cb, void *userdata, EtcdWatch **ret);
EtcdWatch *etcd_watch_free(EtcdWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EtcdWatch, etcd_watch_free)

/* What happens to a kept lease. */
typedef enum EtcdLeaseEvent {
        ETCD_LEASE_GRANTED,     /* a (new) lease id: attach keys to it */
        ETCD_LEASE_UNREACHABLE, /* a renewal failed; the lease lives until its deadline */
        ETCD_LEASE_RENEWED,     /* renewed after being unreachable (every renewal: see n_renewals) */
        ETCD_LEASE_LOST,        /* etcd no longer has it, or its deadline passed unrenewed */
} EtcdLeaseEvent;

typedef void (*EtcdLeaseFn)(EtcdLeaseKeeper *k, EtcdLeaseEvent event, int64_t lease_id,
                            const GError *error, void *userdata);

int etcd_lease_keeper_new(EtcdClient *c, int64_t ttl_sec, EtcdLeaseFn cb, void *userdata,
                          EtcdLeaseKeeper **ret);
int etcd_lease_keeper_adopt(EtcdClient *c, int64_t ttl_sec, int64_t lease_id, EtcdLeaseFn cb, void *userdata,
                            EtcdLeaseKeeper **ret);
EtcdLeaseKeeper *etcd_lease_keeper_free(EtcdLeaseKeeper *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EtcdLeaseKeeper, etcd_lease_keeper_free)
int64_t etcd_lease_keeper_id(const EtcdLeaseKeeper *k);
uint64_t etcd_lease_keeper_n_renewals(const EtcdLeaseKeeper *k);

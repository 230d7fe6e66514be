/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * etcd's v3 JSON gateway, the pure half (docs/cluster.md, "The etcd client"):
 * request bodies built and replies parsed, no I/O.  Keys and values travel
 * base64-encoded, 64-bit numbers as decimal strings, and the gateway leaves
 * out every field that has its zero value (false, 0, "", an empty list): a
 * missing "succeeded" is a txn that failed, a missing "TTL" in a keepalive
 * reply is a lease that no longer exists.
 *
 * Every parser takes untrusted bytes (an etcd or anything that answers on its
 * port) and either fills an EtcdReply or fails with a GError of ETCD_ERROR;
 * tests/fuzz/fuzz-etcd-reply.c holds them to that.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETCD_ERROR (etcd_error_quark())
GQuark etcd_error_quark(void);

/*
 * ETCD_ERROR codes: 0..16 are etcd's own gRPC status codes as the gateway
 * reports them ("code": 5 is NotFound, 14 Unavailable, ...); the rest are the
 * client's.
 */
typedef enum EtcdErrorCode {
        ETCD_ERROR_GRPC_NOT_FOUND = 5,
        ETCD_ERROR_GRPC_UNAVAILABLE = 14,
        ETCD_ERROR_GRPC_UNAUTHENTICATED = 16,
        ETCD_ERROR_INVALID_REPLY = 1000, /* not what etcd's gateway sends */
        ETCD_ERROR_UNREACHABLE,          /* no endpoint answered */
        ETCD_ERROR_TIMEOUT,              /* the request's time ran out */
        ETCD_ERROR_TOO_LARGE,            /* a reply above the bound */
        ETCD_ERROR_HTTP,                 /* an HTTP status without etcd's error body */
        ETCD_ERROR_LEASE_NOT_FOUND,      /* keepalive of a lease etcd no longer has */
        ETCD_ERROR_COMPACTED,            /* a watch's start revision was compacted away */
        ETCD_ERROR_WATCH_ENDED,          /* the watch stream ended or was cancelled */
        ETCD_ERROR_INVALID_ARGUMENT,     /* the caller's input (an endpoint, a key) */
} EtcdErrorCode;

/* The response header every reply carries. */
typedef struct EtcdHeader {
        uint64_t cluster_id;
        uint64_t member_id;
        int64_t revision;
        uint64_t raft_term;
} EtcdHeader;

/* One key-value pair; key and value are NUL-terminated copies of the bytes. */
typedef struct EtcdKeyValue {
        char *key;
        size_t key_len;
        char *value;
        size_t value_len;
        int64_t create_revision;
        int64_t mod_revision;
        int64_t version;
        int64_t lease;
} EtcdKeyValue;

typedef enum EtcdEventType {
        ETCD_EVENT_PUT,
        ETCD_EVENT_DELETE,
} EtcdEventType;

typedef struct EtcdEvent {
        EtcdEventType type;
        EtcdKeyValue *kv;
} EtcdEvent;

/*
 * Any reply of the gateway, one struct for all: the fields a given call
 * answers are set, the others stay zero.  A streamed reply ({"result": …}) is
 * unwrapped first.
 */
typedef struct EtcdReply {
        EtcdHeader header;
        /* /v3/lease/grant, /v3/lease/keepalive */
        int64_t lease_id;
        int64_t ttl;
        /* /v3/kv/range, and every response_range of a txn, in order */
        GPtrArray *kvs; /* EtcdKeyValue* */
        int64_t count;
        bool more;
        /* /v3/kv/deleterange (and a txn's response_delete_range, summed) */
        int64_t deleted;
        /* /v3/kv/txn */
        bool succeeded;
        unsigned n_responses;
        /* /v3/watch */
        int64_t watch_id;
        bool created;
        bool canceled;
        int64_t compact_revision;
        char *cancel_reason;
        GPtrArray *events; /* EtcdEvent* */
        /* /v3/auth/authenticate */
        char *token;
} EtcdReply;

EtcdReply *etcd_reply_free(EtcdReply *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EtcdReply, etcd_reply_free)

int etcd_reply_parse(const char *data, size_t len, EtcdReply **ret, GError **error);

char *etcd_base64_encode(const void *data, size_t len);
int etcd_base64_decode(const char *text, char **ret, size_t *ret_len);
char *etcd_prefix_range_end(const char *prefix, size_t len, size_t *ret_len);

char *etcd_body_lease_grant(int64_t ttl_sec);
char *etcd_body_lease_id(int64_t lease_id);
char *etcd_body_range_prefix(const char *prefix, size_t len);
char *etcd_body_range_key(const char *key, size_t len);
char *etcd_body_delete_key(const char *key, size_t len);
char *etcd_body_put_if_absent(const char *key, size_t key_len, const char *value, size_t value_len,
                              int64_t lease_id);
char *etcd_body_semaphore_request(const char *key, size_t key_len, const char *value, size_t value_len,
                                  int64_t lease_id, const char *prefix, size_t prefix_len);
int etcd_semaphore_position(const EtcdReply *r, const char *key, size_t key_len, int64_t *ret_create_revision);
char *etcd_body_watch(const char *key, size_t key_len, bool prefix, int64_t start_revision);
char *etcd_body_authenticate(const char *user, const char *password);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluiced-cluster.so: the ClusterModule of cluster-module.h on etcd
 * (docs/cluster.md, "The module").  This file holds the host's side: its
 * lease (kept by the lease keeper), its host key, the queue of its txns and
 * deletes, the restart steps, and the answers; cluster-etcd-resource.c one
 * resource's ordered copy of the fleet's keys.
 *
 * The queue: every txn and delete of this host goes out one at a time, in
 * the order sluiced asked for them (flush() appends, in the order of the
 * answer() and release() calls), so two requests of one host reach etcd in
 * the order they were made and a release never overtakes the request it
 * releases.  A call that fails stays at the head and is sent again on the
 * keeper's rhythm (TTL/3), or as soon as etcd answers something again.
 *
 * Only sluice_cluster_module_v1 is exported (the .so is built with
 * -fvisibility=hidden and --exclude-libs for the static libraries).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster-etcd.h"
#include "i18n.h"

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
        uint64_t next_seq;
        GHashTable *want_seq;     /* ClusterWant* → request order (guint64*) */

        GQueue staged; /* Op*: recorded since the last flush() */
        GQueue ops;    /* Op*: to send, the head on the wire when op_busy */
        bool op_busy;
        GPtrArray *direct; /* Op*: direct deletes on the wire */

        sd_event_source *retry;
        sd_event_source *notify;
};

static void op_free(Op *op) {
        if (!op)
                return;
        g_free(op->resource);
        g_free(op->key);
        g_free(op);
}

static Op *op_new(OpType type, const char *resource, uint64_t job_id, const char *key) {
        Op *op = g_new0(Op, 1);

        op->type = type;
        op->resource = g_strdup(resource);
        op->job_id = job_id;
        op->key = g_strdup(key);
        return op;
}

EtcdClient *cluster_client(Cluster *c) {
        return c->client;
}

const char *cluster_host(Cluster *c) {
        return c->host;
}

void cluster_logf(Cluster *c, int priority, const char *format, ...) {
        g_autofree char *m = NULL;
        va_list ap;

        if (!c->hooks.log)
                return;
        va_start(ap, format);
        m = g_strdup_vprintf(format, ap);
        va_end(ap);
        c->hooks.log(c->userdata, priority, m);
}

static int on_notify(sd_event_source *s, void *userdata) {
        Cluster *c = userdata;

        if (c->hooks.changed)
                c->hooks.changed(c->userdata);
        return 0;
}

/* changed() from an event source of our own, never from inside a module call. */
void cluster_notify(Cluster *c) {
        (void) sd_event_source_set_enabled(c->notify, SD_EVENT_ONESHOT);
}

/* The next kick: a keeper's interval from now (a failed call), unless one is due already. */
void cluster_arm_retry(Cluster *c) {
        uint64_t now;
        int enabled = SD_EVENT_OFF;

        (void) sd_event_source_get_enabled(c->retry, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        if (sd_event_now(c->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        (void) sd_event_source_set_time(c->retry, now + (uint64_t) c->ttl_sec * 1000000u / 3u);
        (void) sd_event_source_set_enabled(c->retry, SD_EVENT_ONESHOT);
}

static void kick_now(Cluster *c) {
        (void) sd_event_source_set_time(c->retry, 1); /* in the past: the next iteration */
        (void) sd_event_source_set_enabled(c->retry, SD_EVENT_ONESHOT);
}

/*
 * Whether an error says etcd cannot be used (every endpoint failed, timeouts,
 * refused credentials, garbage on the port), as opposed to the answer to one
 * request (a lease or key not found, a watch's end).
 */
static bool error_is_unreachable(const GError *e) {
        if (e->domain != ETCD_ERROR)
                return true;
        return e->code != ETCD_ERROR_GRPC_NOT_FOUND && e->code != ETCD_ERROR_LEASE_NOT_FOUND &&
               e->code != ETCD_ERROR_COMPACTED && e->code != ETCD_ERROR_WATCH_ENDED;
}

/* Every reply tells whether etcd is up; "etcd unreachable (…)" says why not. */
void cluster_etcd_result(Cluster *c, const GError *error) {
        if (error && error_is_unreachable(error)) {
                const char *why = error->message;

                if (g_str_has_prefix(why, "etcd unreachable: "))
                        why += strlen("etcd unreachable: ");
                if (c->etcd_up || g_strcmp0(c->etcd_why, why) != 0) {
                        if (c->etcd_up)
                                cluster_logf(c, LOG_WARNING, "cluster: etcd unreachable: %s", why);
                        g_free(c->etcd_why);
                        c->etcd_why = g_strdup(why);
                        c->etcd_up = false;
                        cluster_notify(c);
                }
                cluster_arm_retry(c);
                return;
        }
        if (!error && !c->etcd_up) {
                cluster_logf(c, LOG_NOTICE, "cluster: etcd answers again");
                c->etcd_up = true;
                g_clear_pointer(&c->etcd_why, g_free);
                cluster_notify(c);
                kick_now(c);
        }
}

static ClusterResource *resource_get(Cluster *c, const char *name, uint32_t limit, bool *ret_new) {
        ClusterResource *r = g_hash_table_lookup(c->resources, name);

        if (ret_new)
                *ret_new = !r || r->limit != limit;
        if (!r) {
                r = cluster_resource_new(c, c->prefix, name, limit);
                g_hash_table_insert(c->resources, r->name, r);
        }
        r->limit = limit;
        return r;
}

static ClusterWant *want_new(Cluster *c, ClusterResource *r, uint64_t job_id) {
        ClusterWant *w = g_new0(ClusterWant, 1);
        guint64 *seq = g_new(guint64, 1);

        w->job_id = job_id;
        w->key = g_strdup_printf("%s%s/%" G_GUINT64_FORMAT, r->prefix, c->host, job_id);
        w->state = WANT_NEW;
        (void) sd_event_now(c->event, CLOCK_REALTIME, &w->since_usec);
        g_hash_table_insert(r->wants, &w->job_id, w);
        *seq = ++c->next_seq;
        g_hash_table_insert(c->want_seq, w, seq);
        return w;
}

static void want_drop(Cluster *c, ClusterResource *r, ClusterWant *w) {
        g_hash_table_remove(c->want_seq, w);
        g_hash_table_remove(r->wants, &w->job_id);
}

static char *builder_to_string(JsonBuilder *b) {
        g_autoptr(JsonGenerator) g = json_generator_new();
        g_autoptr(JsonNode) root = json_builder_get_root(b);

        json_generator_set_root(g, root);
        return json_generator_to_data(g, NULL);
}

/* The value of a slot key (docs/cluster.md, "Key layout"). */
static char *slot_value(Cluster *c, const ClusterWant *w) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "host");
        json_builder_add_string_value(b, c->host);
        json_builder_set_member_name(b, "job");
        json_builder_add_int_value(b, (gint64) w->job_id);
        json_builder_set_member_name(b, "since");
        json_builder_add_int_value(b, (gint64) w->since_usec);
        json_builder_end_object(b);
        return builder_to_string(b);
}

static char *host_value(Cluster *c) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(c->resources), (GCompareFunc) strcmp);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "pid");
        json_builder_add_int_value(b, getpid());
        json_builder_set_member_name(b, "version");
        json_builder_add_string_value(b, SLUICE_VERSION);
        json_builder_set_member_name(b, "since");
        json_builder_add_int_value(b, (gint64) c->since_usec);
        json_builder_set_member_name(b, "limits");
        json_builder_begin_object(b);
        for (GList *l = names; l; l = l->next) {
                ClusterResource *r = g_hash_table_lookup(c->resources, l->data);

                json_builder_set_member_name(b, r->name);
                json_builder_add_int_value(b, r->limit);
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
        return builder_to_string(b);
}

/* ---- the hosts: the host key and the limits every host publishes ---- */

static void on_hosts_range(EtcdClient *client, const EtcdReply *reply, const GError *error, void *userdata) {
        Cluster *c = userdata;

        c->hosts_ranging = false;
        cluster_etcd_result(c, error);
        if (error)
                return;
        g_hash_table_remove_all(c->fleet_limits);
        for (guint i = 0; i < reply->kvs->len; i++) {
                const EtcdKeyValue *kv = g_ptr_array_index(reply->kvs, i);
                g_autoptr(JsonParser) p = json_parser_new();
                JsonNode *root, *limits;
                g_autoptr(GList) members = NULL;

                if (!json_parser_load_from_data(p, kv->value, (gssize) kv->value_len, NULL))
                        continue;
                root = json_parser_get_root(p);
                if (!root || !JSON_NODE_HOLDS_OBJECT(root))
                        continue;
                limits = json_object_get_member(json_node_get_object(root), "limits");
                if (!limits || !JSON_NODE_HOLDS_OBJECT(limits))
                        continue;
                members = json_object_get_members(json_node_get_object(limits));
                for (GList *l = members; l; l = l->next) {
                        JsonNode *n = json_object_get_member(json_node_get_object(limits), l->data);
                        gint64 v;

                        if (json_node_get_value_type(n) != G_TYPE_INT64)
                                continue;
                        v = json_node_get_int(n);
                        if (v <= 0 || v > UINT32_MAX)
                                continue;
                        if ((guint) v > GPOINTER_TO_UINT(g_hash_table_lookup(c->fleet_limits, l->data)))
                                g_hash_table_insert(c->fleet_limits, g_strdup(l->data), GUINT_TO_POINTER((guint) v));
                }
        }
}

static void hosts_range(Cluster *c) {
        if (c->hosts_ranging)
                return;
        c->hosts_ranging = true;
        (void) etcd_client_range_prefix(c->client, c->hosts_root, on_hosts_range, c);
}

static void run_ops(Cluster *c);
static void recover_start(Cluster *c);
static const RecoverJob *recover_job_find(Cluster *c, const char *resource, uint64_t job_id);
static void requeue_wants(Cluster *c);

/*
 * The host key is held by another lease: another sluiced with this HostName,
 * or this host's own last run whose lease id was not stored (its key goes
 * with that lease's TTL).  Refused while so: every answer says why, nothing
 * is sent; the put is tried again on the keeper's rhythm.
 */
static void refuse(Cluster *c, const char *why) {
        if (!c->refused)
                cluster_logf(c, LOG_ERR, "cluster scope refused: %s", why);
        g_free(c->refused);
        c->refused = g_strdup(why);
        cluster_arm_retry(c);
        cluster_notify(c);
}

static void on_host_put(EtcdClient *client, const EtcdReply *reply, const GError *error, void *userdata) {
        Cluster *c = userdata;
        const EtcdKeyValue *kv;

        c->host_putting = false;
        cluster_etcd_result(c, error);
        if (error) {
                cluster_logf(c, LOG_WARNING, "cluster: writing %s: %s", c->host_key, error->message);
                cluster_arm_retry(c);
                return;
        }
        kv = reply->kvs && reply->kvs->len > 0 ? g_ptr_array_index(reply->kvs, 0) : NULL;
        if (!reply->succeeded && kv && kv->lease != c->lease_id) {
                g_autofree char *lease = g_strdup_printf("%" G_GINT64_FORMAT, kv->lease);
                g_autofree char *why = g_strdup_printf(
                        _("host name \"%s\" is already used by another sluiced of the fleet (%s is held by lease %s); give this host its own HostName="),
                        c->host, c->host_key, lease);

                refuse(c, why);
                return;
        }
        if (!reply->succeeded && !kv) { /* gone between compare and range: try again */
                cluster_arm_retry(c);
                return;
        }
        c->host_key_ok = true;
        if (c->refused) {
                cluster_logf(c, LOG_NOTICE, "cluster: %s is this host's now: cluster scope goes on", c->host_key);
                g_clear_pointer(&c->refused, g_free);
                cluster_notify(c);
        }
        hosts_range(c);
        requeue_wants(c);
        recover_start(c);
        run_ops(c);
}

static void host_key_put(Cluster *c) {
        g_autofree char *value = NULL;

        if (c->host_putting || c->host_key_ok || c->lease_id == 0)
                return;
        c->host_putting = true;
        value = host_value(c);
        (void) etcd_client_put_if_absent(c->client, c->host_key, value, c->lease_id, on_host_put, c);
}

/* ---- the lease ---- */

static void wants_forget_keys(Cluster *c) {
        GHashTableIter i;
        gpointer v;

        g_hash_table_iter_init(&i, c->resources);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                ClusterResource *r = v;
                GHashTableIter j;
                gpointer w;

                g_hash_table_iter_init(&j, r->wants);
                while (g_hash_table_iter_next(&j, NULL, &w)) {
                        ((ClusterWant *) w)->state = WANT_NEW;
                        ((ClusterWant *) w)->create_revision = 0;
                }
        }
}

static void on_lease(EtcdLeaseKeeper *k, EtcdLeaseEvent event, int64_t lease_id, const GError *error,
                     void *userdata) {
        Cluster *c = userdata;

        switch (event) {
        case ETCD_LEASE_GRANTED:
        case ETCD_LEASE_RENEWED:
                cluster_etcd_result(c, NULL);
                if (c->lease_id != lease_id) {
                        c->lease_id = lease_id;
                        c->host_key_ok = false;
                        cluster_logf(c, LOG_INFO, "cluster: lease %" G_GINT64_FORMAT " (%s)", lease_id,
                                     event == ETCD_LEASE_GRANTED ? "granted" : "still alive, kept");
                        if (c->hooks.lease_granted)
                                c->hooks.lease_granted(c->userdata, lease_id);
                }
                host_key_put(c);
                hosts_range(c);
                return;
        case ETCD_LEASE_UNREACHABLE:
                cluster_etcd_result(c, error);
                return;
        case ETCD_LEASE_LOST: {
                bool had = c->lease_id != 0;
                bool held_running = false;

                for (guint i = 0; c->recover_jobs && i < c->recover_jobs->len; i++)
                        held_running |= g_array_index(c->recover_jobs, RecoverJob, i).running;
                c->lease_id = 0;
                c->host_key_ok = false;
                wants_forget_keys(c);
                cluster_logf(c, LOG_WARNING, "cluster: lease %" G_GINT64_FORMAT " lost: %s", lease_id,
                             error ? error->message : "?");
                if ((had || held_running) && c->hooks.lease_lost)
                        c->hooks.lease_lost(c->userdata, error ? error->message : "lease lost");
                cluster_notify(c);
                return;
        }
        }
}

/* ---- the queue of txns and deletes ---- */

/* Every want whose key is not (or no longer) in etcd gets its txn, in request order. */
static void requeue_wants(Cluster *c) {
        g_autoptr(GPtrArray) news = g_ptr_array_new();
        GHashTableIter i;
        gpointer v;

        if (c->recovering && !c->recover_started)
                return; /* the restart steps send them */
        g_hash_table_iter_init(&i, c->resources);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                ClusterResource *r = v;
                GHashTableIter j;
                gpointer w;

                g_hash_table_iter_init(&j, r->wants);
                while (g_hash_table_iter_next(&j, NULL, &w))
                        if (((ClusterWant *) w)->state == WANT_NEW) {
                                g_ptr_array_add(news, r);
                                g_ptr_array_add(news, w);
                        }
        }
        /* Pairs (resource, want), sorted by the want's request order: a small insertion sort. */
        for (guint a = 2; a < news->len; a += 2)
                for (guint b = a; b >= 2; b -= 2) {
                        guint64 sb = *(guint64 *) g_hash_table_lookup(c->want_seq, news->pdata[b + 1]);
                        guint64 sa = *(guint64 *) g_hash_table_lookup(c->want_seq, news->pdata[b - 1]);
                        gpointer t;

                        if (sa <= sb)
                                break;
                        t = news->pdata[b], news->pdata[b] = news->pdata[b - 2], news->pdata[b - 2] = t;
                        t = news->pdata[b + 1], news->pdata[b + 1] = news->pdata[b - 1], news->pdata[b - 1] = t;
                }
        for (guint a = 0; a < news->len; a += 2) {
                ClusterResource *r = news->pdata[a];
                ClusterWant *w = news->pdata[a + 1];

                w->state = WANT_SENT;
                g_queue_push_tail(&c->ops, op_new(OP_TXN, r->name, w->job_id, w->key));
        }
}

static void on_op_reply(EtcdClient *client, const EtcdReply *reply, const GError *error, void *userdata) {
        Cluster *c = userdata;
        Op *op = g_queue_pop_head(&c->ops);
        ClusterResource *r = op && op->resource ? g_hash_table_lookup(c->resources, op->resource) : NULL;

        c->op_busy = false;
        cluster_etcd_result(c, error);
        if (error) {
                cluster_logf(c, LOG_WARNING, "cluster: %s %s: %s",
                             op->type == OP_DELETE ? "deleting" : op->type == OP_SWEEP ? "reading" : "requesting",
                             op->key ?: c->res_root, error->message);
                g_queue_push_head(&c->ops, op); /* again at the next kick */
                cluster_arm_retry(c);
                return;
        }
        switch (op->type) {
        case OP_TXN: {
                ClusterWant *w = r ? g_hash_table_lookup(r->wants, &op->job_id) : NULL;
                int64_t crev = 0;
                int pos;

                if (!w || w->state != WANT_SENT)
                        break; /* released meanwhile: its delete is behind us in the queue */
                pos = etcd_semaphore_position(reply, w->key, strlen(w->key), &crev);
                if (pos < 0) {
                        w->state = WANT_NEW;
                        cluster_arm_retry(c);
                        break;
                }
                w->state = WANT_PLACED;
                w->create_revision = crev;
                cluster_resource_take_kvs(r, reply);
                cluster_resource_watch(r);
                cluster_notify(c);
                break;
        }
        case OP_SWEEP:
                /*
                 * Restart step 3: this host's keys.  A waiting job's key still
                 * standing (the lease was kept) is its place: kept.  A key whose
                 * job is neither running nor waiting: deleted.
                 */
                for (guint i = reply->kvs->len; i > 0; i--) {
                        const EtcdKeyValue *kv = g_ptr_array_index(reply->kvs, i - 1);
                        g_autofree char *res = NULL, *host = NULL;
                        const RecoverJob *rj;
                        ClusterResource *kr;
                        uint64_t job;

                        if (!cluster_key_parse(kv->key, c->res_root, &res, &host, &job) ||
                            !g_str_equal(host, c->host))
                                continue;
                        kr = g_hash_table_lookup(c->resources, res);
                        if (kr && g_hash_table_contains(kr->wants, &job))
                                continue;
                        rj = recover_job_find(c, res, job);
                        if (rj && !rj->running && kv->lease == c->lease_id) {
                                ClusterWant *w;

                                kr = resource_get(c, res, rj->limit, NULL);
                                w = want_new(c, kr, job);
                                w->state = WANT_PLACED;
                                w->create_revision = kv->create_revision;
                                cluster_resource_range(kr); /* its copy, and its watch */
                                continue;
                        }
                        cluster_logf(c, LOG_INFO, "cluster: %s is no job's any more (a release lost in a crash): deleting it",
                                     kv->key);
                        g_queue_push_head(&c->ops, op_new(OP_DELETE, res, job, kv->key));
                }
                break;
        case OP_HOST_PUT:
                hosts_range(c);
                break;
        default:
                break;
        }
        op_free(op);
        run_ops(c);
}

static void run_ops(Cluster *c) {
        Op *op;

        while (!c->op_busy && (op = g_queue_peek_head(&c->ops))) {
                ClusterResource *r = op->resource ? g_hash_table_lookup(c->resources, op->resource) : NULL;
                g_autofree char *value = NULL;
                g_autofree char *body = NULL;

                if (c->lease_id == 0 || !c->host_key_ok)
                        return; /* after the (new) lease and the host key */
                switch (op->type) {
                case OP_TXN: {
                        ClusterWant *w = r ? g_hash_table_lookup(r->wants, &op->job_id) : NULL;

                        if (!w || w->state != WANT_SENT) {
                                op_free(g_queue_pop_head(&c->ops));
                                continue;
                        }
                        value = slot_value(c, w);
                        c->op_busy = true;
                        if (etcd_client_semaphore_request(c->client, r->prefix, w->key, value, c->lease_id,
                                                          on_op_reply, c) < 0) {
                                c->op_busy = false;
                                op_free(g_queue_pop_head(&c->ops));
                        }
                        break;
                }
                case OP_DELETE:
                        c->op_busy = true;
                        (void) etcd_client_delete(c->client, op->key, on_op_reply, c);
                        break;
                case OP_HOST_PUT: {
                        g_autofree char *k = etcd_base64_encode(c->host_key, strlen(c->host_key));
                        g_autofree char *v = NULL;

                        value = host_value(c);
                        v = etcd_base64_encode(value, strlen(value));
                        body = g_strdup_printf("{\"key\":\"%s\",\"value\":\"%s\",\"lease\":\"%" G_GINT64_FORMAT "\"}",
                                               k, v, c->lease_id);
                        c->op_busy = true;
                        (void) etcd_client_call(c->client, "/v3/kv/put", body, on_op_reply, c);
                        break;
                }
                case OP_SWEEP:
                        c->op_busy = true;
                        (void) etcd_client_range_prefix(c->client, c->res_root, on_op_reply, c);
                        break;
                case OP_RECOVERED:
                        op_free(g_queue_pop_head(&c->ops));
                        c->recovering = false;
                        cluster_logf(c, LOG_INFO, "cluster: slots of %u re-attached job(s) taken back",
                                     c->recover_jobs ? c->recover_jobs->len : 0);
                        cluster_notify(c);
                        continue;
                }
        }
}

/* A kick: everything that failed or waited goes again. */
static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Cluster *c = userdata;
        GHashTableIter i;
        gpointer v;

        host_key_put(c);
        if (c->host_key_ok)
                requeue_wants(c);
        run_ops(c);
        g_hash_table_iter_init(&i, c->resources);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                ClusterResource *r = v;

                if (r->range_again || (r->revision > 0 && !r->watch))
                        cluster_resource_range(r);
        }
        return 0;
}

/* ---- restart ---- */

static const RecoverJob *recover_job_find(Cluster *c, const char *resource, uint64_t job_id) {
        for (guint i = 0; i < c->recover_jobs->len; i++) {
                const RecoverJob *j = &g_array_index(c->recover_jobs, RecoverJob, i);

                if (j->job_id == job_id && g_str_equal(j->resource, resource))
                        return j;
        }
        return NULL;
}

/*
 * Restart steps 2-3 (docs/cluster.md): once the lease (kept or new) and the
 * host key stand.  The running jobs' txns (each finds its key, or makes it
 * anew at the end); a waiting job keeps its key if it still stands (the
 * sweep finds it) and asks again through answer() otherwise: a job that was
 * only queued, not yet past its local limits, must not take a fleet place.
 */
static void recover_start(Cluster *c) {
        if (!c->recover_called || c->recover_started || c->lease_id == 0 || !c->host_key_ok)
                return;
        c->recover_started = true;
        for (guint i = 0; i < c->recover_jobs->len; i++) {
                RecoverJob *j = &g_array_index(c->recover_jobs, RecoverJob, i);
                ClusterResource *r;
                ClusterWant *w;

                if (!j->running)
                        continue;
                r = resource_get(c, j->resource, j->limit, NULL);
                w = g_hash_table_lookup(r->wants, &j->job_id);
                if (!w)
                        w = want_new(c, r, j->job_id);
                w->admitted = true;
                w->state = WANT_SENT;
                g_queue_push_tail(&c->ops, op_new(OP_TXN, r->name, w->job_id, w->key));
        }
        g_queue_push_tail(&c->ops, op_new(OP_HOST_PUT, NULL, 0, NULL));
        g_queue_push_tail(&c->ops, op_new(OP_SWEEP, NULL, 0, NULL));
        g_queue_push_tail(&c->ops, op_new(OP_RECOVERED, NULL, 0, NULL));
}

static int recover_job_compare(gconstpointer a, gconstpointer b) {
        const RecoverJob *x = a, *y = b;

        return (x->job_id > y->job_id) - (x->job_id < y->job_id);
}

static void cluster_recover(Cluster *c, const ClusterRecoverJob *jobs, size_t n_jobs) {
        if (c->recover_called)
                return;
        c->recover_called = true;
        c->recovering = true;
        for (size_t i = 0; i < n_jobs; i++) {
                RecoverJob j = {
                        .job_id = jobs[i].job_id,
                        .resource = g_strdup(jobs[i].resource),
                        .limit = jobs[i].limit,
                        .running = jobs[i].running,
                };

                if (j.job_id == 0 || !j.resource || !j.resource[0] || strchr(j.resource, '/')) {
                        g_free(j.resource);
                        continue;
                }
                g_array_append_val(c->recover_jobs, j);
        }
        g_array_sort(c->recover_jobs, recover_job_compare);
        recover_start(c);
        run_ops(c);
}

/* ---- the module's functions ---- */

static ClusterAnswer unavailable(Cluster *c, char **ret_reason) {
        if (ret_reason) {
                /* What would end the wait first: a refusal, etcd down (also while recovering), then recovery. */
                if (c->refused)
                        *ret_reason = g_strdup(c->refused);
                else if (!c->etcd_up)
                        *ret_reason = g_strdup_printf(_("etcd unreachable (%s): waiting"),
                                                      c->etcd_why ?: _("no answer yet"));
                else
                        *ret_reason = g_strdup(_("recovering"));
        }
        return CLUSTER_UNAVAILABLE;
}

static ClusterAnswer waiting(Cluster *c, char **ret_reason, char *reason) {
        if (!c->etcd_up) {
                g_free(reason);
                return unavailable(c, ret_reason);
        }
        if (ret_reason)
                *ret_reason = reason;
        else
                g_free(reason);
        return CLUSTER_WAITING;
}

static ClusterAnswer cluster_answer(Cluster *c, uint64_t job_id, const char *resource, uint32_t limit,
                                    char **ret_reason) {
        ClusterResource *r;
        ClusterWant *w;
        bool changed_limit;
        int pos;

        if (ret_reason)
                *ret_reason = NULL;
        if (c->refused)
                return unavailable(c, ret_reason);
        if (!resource || !resource[0] || strchr(resource, '/') || job_id == 0 || limit == 0) {
                if (ret_reason)
                        *ret_reason = g_strdup_printf(_("not a cluster resource name: \"%s\""), resource ?: "");
                return CLUSTER_UNAVAILABLE;
        }
        r = g_hash_table_lookup(c->resources, resource);
        w = r ? g_hash_table_lookup(r->wants, &job_id) : NULL;
        if (w && w->admitted)
                return CLUSTER_ADMITTED;
        if (c->recovering)
                return unavailable(c, ret_reason);
        r = resource_get(c, resource, limit, &changed_limit);
        if (changed_limit && c->host_key_ok)
                g_queue_push_tail(&c->staged, op_new(OP_HOST_PUT, NULL, 0, NULL));
        if (!w) {
                (void) want_new(c, r, job_id);
                return waiting(c, ret_reason, g_strdup(_("requesting a fleet slot")));
        }
        pos = w->state == WANT_PLACED ? cluster_resource_position(r, w->key) : -1;
        if (pos < 0)
                return waiting(c, ret_reason, g_strdup(_("requesting a fleet slot")));
        if ((uint32_t) pos < limit) {
                w->admitted = true;
                return CLUSTER_ADMITTED;
        }
        return waiting(c, ret_reason,
                       g_strdup_printf(_("%u of %u running in the fleet, position %u in the fleet queue"),
                                       MIN(cluster_resource_n_keys(r), limit), limit, (unsigned) pos - limit + 1));
}

static void cluster_release(Cluster *c, uint64_t job_id, const char *resource) {
        ClusterResource *r = resource ? g_hash_table_lookup(c->resources, resource) : NULL;
        ClusterWant *w = r ? g_hash_table_lookup(r->wants, &job_id) : NULL;

        if (!w)
                return;
        /*
         * A want never sent has no key.  A placed one's delete goes out at the
         * flush at once, beside the queue (its txn was answered: nothing to
         * overtake), so a release does not wait for other txns; one whose
         * txn is still queued or on the wire is deleted after it, in the queue.
         */
        if (w->state != WANT_NEW || w->create_revision != 0 || w->admitted) {
                Op *op = op_new(OP_DELETE, r->name, job_id, w->key);

                op->direct = w->state == WANT_PLACED;
                g_queue_push_tail(&c->staged, op);
        }
        want_drop(c, r, w);
}

static void on_direct_delete(EtcdClient *client, const EtcdReply *reply, const GError *error, void *userdata) {
        Op *op = userdata;
        Cluster *c = op->cluster;

        g_ptr_array_remove_fast(c->direct, op); /* (no free func: op lives on below or is freed) */
        cluster_etcd_result(c, error);
        if (error) {
                cluster_logf(c, LOG_WARNING, "cluster: deleting %s: %s", op->key, error->message);
                op->direct = false;
                g_queue_push_tail(&c->ops, op); /* again with the queue, at the next kick */
                cluster_arm_retry(c);
                return;
        }
        op_free(op);
}

static void cluster_flush(Cluster *c) {
        Op *op;

        if (c->refused)
                return;
        /* The releases first (they free slots), then the new wants in request order. */
        while ((op = g_queue_pop_head(&c->staged))) {
                if (op->direct) {
                        op->cluster = c;
                        g_ptr_array_add(c->direct, op);
                        (void) etcd_client_delete(c->client, op->key, on_direct_delete, op);
                        continue;
                }
                g_queue_push_tail(&c->ops, op);
        }
        if (c->host_key_ok)
                requeue_wants(c);
        run_ops(c);
}

static void view_free(gpointer p) {
        cluster_resource_view_free(p);
}

static GPtrArray *cluster_resources(Cluster *c, bool *ret_etcd_up) {
        GPtrArray *views = g_ptr_array_new_with_free_func(view_free);
        g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(c->resources), (GCompareFunc) strcmp);

        for (GList *l = names; l; l = l->next) {
                ClusterResource *r = g_hash_table_lookup(c->resources, l->data);
                uint32_t limit = MAX(r->limit, GPOINTER_TO_UINT(g_hash_table_lookup(c->fleet_limits, r->name)));

                g_ptr_array_add(views, cluster_resource_view(r, limit));
        }
        if (ret_etcd_up)
                *ret_etcd_up = c->etcd_up && !c->refused;
        return views;
}

static void cluster_free(Cluster *c) {
        if (!c)
                return;
        /* Watches and the keeper before the client (etcd-client.h); the client drops every call. */
        if (c->resources)
                g_hash_table_unref(c->resources);
        etcd_lease_keeper_free(c->keeper);
        etcd_client_free(c->client);
        g_queue_clear_full(&c->ops, (GDestroyNotify) op_free);
        g_queue_clear_full(&c->staged, (GDestroyNotify) op_free);
        for (guint i = 0; c->direct && i < c->direct->len; i++)
                op_free(g_ptr_array_index(c->direct, i));
        if (c->direct)
                g_ptr_array_unref(c->direct);
        if (c->want_seq)
                g_hash_table_unref(c->want_seq);
        if (c->fleet_limits)
                g_hash_table_unref(c->fleet_limits);
        for (guint i = 0; c->recover_jobs && i < c->recover_jobs->len; i++)
                g_free(g_array_index(c->recover_jobs, RecoverJob, i).resource);
        if (c->recover_jobs)
                g_array_unref(c->recover_jobs);
        sd_event_source_disable_unref(c->retry);
        sd_event_source_disable_unref(c->notify);
        if (c->event)
                sd_event_unref(c->event);
        g_free(c->host);
        g_free(c->prefix);
        g_free(c->host_key);
        g_free(c->hosts_root);
        g_free(c->res_root);
        g_free(c->refused);
        g_free(c->etcd_why);
        g_free(c);
}

static bool name_ok(const char *s) {
        if (!s || !s[0] || strlen(s) > 253)
                return false;
        for (const char *p = s; *p; p++)
                if (!g_ascii_isalnum(*p) && !strchr("_.@+-", *p))
                        return false;
        return true;
}

/* "/sluice", "/fleet/a": components of [A-Za-z0-9_.@+-] after a "/" each. */
static bool prefix_ok(const char *s) {
        g_auto(GStrv) parts = NULL;

        if (!s || s[0] != '/' || g_str_has_suffix(s, "/"))
                return false;
        parts = g_strsplit(s + 1, "/", -1);
        for (char **p = parts; *p; p++)
                if (!name_ok(*p))
                        return false;
        return true;
}

static void resource_free(gpointer p) {
        cluster_resource_free(p);
}

static int cluster_new(sd_event *event, const ClusterSettings *s, const ClusterHooks *hooks, void *userdata,
                       Cluster **ret, GError **error) {
        const char *localedir = secure_getenv("SLUICE_LOCALEDIR");
        EtcdClientConfig config = {
                .endpoints = (char **) s->endpoints,
                .ca_file = s->ca_file,
                .cert_file = s->cert_file,
                .key_file = s->key_file,
                .user = s->user,
                .password = s->password,
        };
        Cluster *c;
        int r;

        /* The module's strings are in sluice's domain, bound as sluiced binds it (src/shared/i18n.c). */
        bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");

        if (!name_ok(s->host_name)) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "[Cluster] HostName=\"%s\": not 1-253 characters of A-Z a-z 0-9 _ . @ + -",
                            s->host_name ?: "");
                return -EINVAL;
        }
        if (!prefix_ok(s->prefix)) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "[Cluster] Prefix=\"%s\": not \"/\"-separated components of A-Z a-z 0-9 _ . @ + -",
                            s->prefix ?: "");
                return -EINVAL;
        }
        if (s->lease_ttl_sec < 2 || s->lease_ttl_sec > 3600) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "[Cluster] LeaseTTLSec=%" PRIu32 ": not between 2 and 3600", s->lease_ttl_sec);
                return -EINVAL;
        }
        if (s->stored_lease_id < 0) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "cluster: stored lease id %" PRId64 " is negative", s->stored_lease_id);
                return -EINVAL;
        }

        c = g_new0(Cluster, 1);
        c->event = sd_event_ref(event);
        if (hooks)
                c->hooks = *hooks;
        c->userdata = userdata;
        c->host = g_strdup(s->host_name);
        c->prefix = g_strdup(s->prefix);
        c->host_key = g_strdup_printf("%s/v1/hosts/%s", s->prefix, s->host_name);
        c->hosts_root = g_strdup_printf("%s/v1/hosts/", s->prefix);
        c->res_root = g_strdup_printf("%s/v1/res/", s->prefix);
        c->ttl_sec = s->lease_ttl_sec;
        c->etcd_up = true; /* until a call says otherwise */
        (void) sd_event_now(event, CLOCK_REALTIME, &c->since_usec);
        c->resources = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, resource_free);
        c->fleet_limits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        c->want_seq = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        c->recover_jobs = g_array_new(FALSE, TRUE, sizeof(RecoverJob));
        g_queue_init(&c->ops);
        g_queue_init(&c->staged);
        c->direct = g_ptr_array_new();

        r = etcd_client_new(event, &config, &c->client, error);
        if (r < 0)
                goto fail;
        r = sd_event_add_time(event, &c->retry, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_retry, c);
        if (r < 0)
                goto fail_errno;
        (void) sd_event_source_set_enabled(c->retry, SD_EVENT_OFF);
        r = sd_event_add_defer(event, &c->notify, on_notify, c);
        if (r < 0)
                goto fail_errno;
        (void) sd_event_source_set_enabled(c->notify, SD_EVENT_OFF);
        /* Restart step 1: the stored lease is renewed first; gone, a new one is granted. */
        r = etcd_lease_keeper_adopt(c->client, c->ttl_sec, s->stored_lease_id, on_lease, c, &c->keeper);
        if (r < 0)
                goto fail_errno;
        *ret = c;
        return 0;

fail_errno:
        g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT, "cluster: cannot set up: %s", g_strerror(-r));
fail:
        cluster_free(c);
        return r;
}

/* The one exported symbol (cluster-module.h). */
__attribute__((visibility("default"))) const ClusterModule sluice_cluster_module_v1 = {
        .abi = SLUICE_CLUSTER_MODULE_ABI,
        .new = cluster_new,
        .free = cluster_free,
        .recover = cluster_recover,
        .answer = cluster_answer,
        .release = cluster_release,
        .flush = cluster_flush,
        .resources = cluster_resources,
};

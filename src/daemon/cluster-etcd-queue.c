/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The queue of a host's txns and deletes inside sluiced-cluster.so
 * (cluster-etcd.h), and the restart steps that use it.
 *
 * Every txn and delete of this host goes out one at a time, in the order
 * sluiced asked for them (flush() appends, in the order of the answer() and
 * release() calls), so two requests of one host reach etcd in the order they
 * were made and a release never overtakes the request it releases (the
 * delete of a key whose txn was answered goes beside the queue: flush()).  A
 * call that fails stays at the head and is sent again on the keeper's rhythm
 * (TTL/3), or as soon as etcd answers something again.
 */
#include <string.h>

#include "cluster-etcd.h"

static const RecoverJob *recover_job_find(Cluster *c, const char *resource, uint64_t job_id);

void cluster_op_free(Op *op) {
        if (!op)
                return;
        g_free(op->resource);
        g_free(op->key);
        g_free(op);
}

Op *cluster_op_new(OpType type, const char *resource, uint64_t job_id, const char *key) {
        Op *op = g_new0(Op, 1);

        op->type = type;
        op->resource = g_strdup(resource);
        op->job_id = job_id;
        op->key = g_strdup(key);
        return op;
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
        return cluster_json_string(b);
}

/* ---- the queue of txns and deletes ---- */

typedef struct WantRef {
        ClusterResource *resource;
        ClusterWant *want;
} WantRef;

static gint want_ref_compare(gconstpointer a, gconstpointer b) {
        uint64_t x = ((const WantRef *) a)->want->seq, y = ((const WantRef *) b)->want->seq;

        return x < y ? -1 : x > y;
}

/* Every want whose key is not (or no longer) in etcd gets its txn, in request order. */
void cluster_requeue_wants(Cluster *c) {
        g_autoptr(GArray) news = g_array_new(false, false, sizeof(WantRef));
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
                        if (((ClusterWant *) w)->state == WANT_NEW)
                                g_array_append_val(news, ((WantRef) { r, w }));
        }
        g_array_sort(news, want_ref_compare);
        for (guint a = 0; a < news->len; a++) {
                WantRef *ref = &g_array_index(news, WantRef, a);

                ref->want->state = WANT_SENT;
                g_queue_push_tail(&c->ops, cluster_op_new(OP_TXN, ref->resource->name, ref->want->job_id,
                                                          ref->want->key));
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

                                kr = cluster_resource_get(c, res, rj->limit, NULL);
                                w = cluster_want_new(c, kr, job);
                                w->state = WANT_PLACED;
                                w->create_revision = kv->create_revision;
                                cluster_resource_range(kr); /* its copy, and its watch */
                                continue;
                        }
                        cluster_logf(c, LOG_INFO, "cluster: %s is no job's any more (a release lost in a crash): deleting it",
                                     kv->key);
                        g_queue_push_head(&c->ops, cluster_op_new(OP_DELETE, res, job, kv->key));
                }
                break;
        case OP_HOST_PUT:
                cluster_hosts_range(c);
                break;
        default:
                break;
        }
        cluster_op_free(op);
        cluster_run_ops(c);
}

void cluster_run_ops(Cluster *c) {
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
                                cluster_op_free(g_queue_pop_head(&c->ops));
                                continue;
                        }
                        value = slot_value(c, w);
                        c->op_busy = true;
                        if (etcd_client_semaphore_request(c->client, r->prefix, w->key, value, c->lease_id,
                                                          on_op_reply, c) < 0) {
                                c->op_busy = false;
                                cluster_op_free(g_queue_pop_head(&c->ops));
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

                        value = cluster_host_value(c);
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
                        cluster_op_free(g_queue_pop_head(&c->ops));
                        c->recovering = false;
                        cluster_logf(c, LOG_INFO, "cluster: slots of %u re-attached job(s) taken back",
                                     c->recover_jobs ? c->recover_jobs->len : 0);
                        cluster_notify(c);
                        continue;
                }
        }
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
void cluster_recover_start(Cluster *c) {
        if (!c->recover_called || c->recover_started || c->lease_id == 0 || !c->host_key_ok)
                return;
        c->recover_started = true;
        for (guint i = 0; i < c->recover_jobs->len; i++) {
                RecoverJob *j = &g_array_index(c->recover_jobs, RecoverJob, i);
                ClusterResource *r;
                ClusterWant *w;

                if (!j->running)
                        continue;
                r = cluster_resource_get(c, j->resource, j->limit, NULL);
                w = g_hash_table_lookup(r->wants, &j->job_id);
                if (!w)
                        w = cluster_want_new(c, r, j->job_id);
                w->admitted = true;
                w->state = WANT_SENT;
                g_queue_push_tail(&c->ops, cluster_op_new(OP_TXN, r->name, w->job_id, w->key));
        }
        g_queue_push_tail(&c->ops, cluster_op_new(OP_HOST_PUT, NULL, 0, NULL));
        g_queue_push_tail(&c->ops, cluster_op_new(OP_SWEEP, NULL, 0, NULL));
        g_queue_push_tail(&c->ops, cluster_op_new(OP_RECOVERED, NULL, 0, NULL));
}

static int recover_job_compare(gconstpointer a, gconstpointer b) {
        const RecoverJob *x = a, *y = b;

        return (x->job_id > y->job_id) - (x->job_id < y->job_id);
}

void cluster_recover(Cluster *c, const ClusterRecoverJob *jobs, size_t n_jobs) {
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
        cluster_recover_start(c);
        cluster_run_ops(c);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's side inside sluiced-cluster.so (cluster-etcd.h): its one lease
 * (the keeper's events), its host key <prefix>/v1/hosts/<host> put-if-absent
 * under the lease before any slot key (held by another lease: cluster scope
 * refused while it is), and the limits every host publishes there.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "cluster-etcd.h"
#include "i18n.h"

char *cluster_json_string(JsonBuilder *b) {
        g_autoptr(JsonGenerator) g = json_generator_new();
        g_autoptr(JsonNode) root = json_builder_get_root(b);

        json_generator_set_root(g, root);
        return json_generator_to_data(g, NULL);
}

char *cluster_host_value(Cluster *c) {
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
        return cluster_json_string(b);
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

void cluster_hosts_range(Cluster *c) {
        if (c->hosts_ranging)
                return;
        c->hosts_ranging = true;
        (void) etcd_client_range_prefix(c->client, c->hosts_root, on_hosts_range, c);
}


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
        cluster_hosts_range(c);
        cluster_requeue_wants(c);
        cluster_recover_start(c);
        cluster_run_ops(c);
}

void cluster_host_key_put(Cluster *c) {
        g_autofree char *value = NULL;

        if (c->host_putting || c->host_key_ok || c->lease_id == 0)
                return;
        c->host_putting = true;
        value = cluster_host_value(c);
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

void cluster_on_lease(EtcdLeaseKeeper *k, EtcdLeaseEvent event, int64_t lease_id, const GError *error,
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
                cluster_host_key_put(c);
                cluster_hosts_range(c);
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

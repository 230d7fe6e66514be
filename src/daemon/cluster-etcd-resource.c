/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cluster resource inside sluiced-cluster.so (cluster-etcd.h): its
 * ordered copy of the fleet's keys under <prefix>/v1/res/<resource>/, and the
 * one prefix watch that keeps it fresh.
 *
 * The copy comes only from replies that carry the whole prefix: a range, or
 * the range inside an admission txn; a newer reply replaces it.  A watch
 * event changes nothing by itself: it asks for a range (coalesced: one range
 * on the wire per resource, one more after it if events came meanwhile).
 * So no admission is derived from events alone (docs/cluster.md, "Waiting").
 * A watch that ends (stream closed, etcd restarted, revisions compacted) is
 * dropped; the range that follows watches again from its revision + 1.
 */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cluster-etcd.h"

static void key_free(gpointer p) {
        ClusterKey *k = p;

        g_free(k->key);
        g_free(k->host);
        g_free(k);
}

static void want_free(gpointer p) {
        ClusterWant *w = p;

        g_free(w->key);
        g_free(w);
}

ClusterResource *cluster_resource_new(Cluster *c, const char *prefix, const char *name, uint32_t limit) {
        ClusterResource *r = g_new0(ClusterResource, 1);

        r->cluster = c;
        r->name = g_strdup(name);
        r->prefix = g_strdup_printf("%s/v1/res/%s/", prefix, name);
        r->limit = limit;
        r->wants = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, want_free);
        r->keys = g_ptr_array_new_with_free_func(key_free);
        return r;
}

void cluster_resource_free(ClusterResource *r) {
        if (!r)
                return;
        etcd_watch_free(r->watch);
        g_hash_table_unref(r->wants);
        g_ptr_array_unref(r->keys);
        g_free(r->name);
        g_free(r->prefix);
        g_free(r);
}

/**
 * cluster_key_parse() - read "<res_prefix><resource>/<host>/<job>"
 * @key: the key
 * @res_prefix: "<prefix>/v1/res/"
 * @ret_resource: (optional) the resource
 * @ret_host: (optional) the host
 * @ret_job: (optional) the job id
 *
 * Return: false for a key not of this layout (it is then ignored: never
 * admitted, never deleted by this host)
 */
bool cluster_key_parse(const char *key, const char *res_prefix, char **ret_resource, char **ret_host,
                       uint64_t *ret_job) {
        const char *rest, *slash_job, *slash_host;
        guint64 job;
        char *end = NULL;

        if (!g_str_has_prefix(key, res_prefix))
                return false;
        rest = key + strlen(res_prefix);
        slash_job = strrchr(rest, '/');
        if (!slash_job || slash_job == rest)
                return false;
        for (slash_host = slash_job - 1; slash_host > rest && *slash_host != '/'; slash_host--)
                ;
        if (slash_host == rest || slash_host + 1 == slash_job)
                return false;
        if (!g_ascii_isdigit(slash_job[1]))
                return false;
        errno = 0;
        job = g_ascii_strtoull(slash_job + 1, &end, 10);
        if (errno != 0 || *end != '\0' || job == 0)
                return false;
        if (ret_resource)
                *ret_resource = g_strndup(rest, (gsize) (slash_host - rest));
        if (ret_host)
                *ret_host = g_strndup(slash_host + 1, (gsize) (slash_job - slash_host - 1));
        if (ret_job)
                *ret_job = job;
        return true;
}

/* "since" of a slot key's value (docs/cluster.md, "Key layout"); 0 when unreadable. */
static uint64_t value_since(const char *value, size_t len) {
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonNode *root;
        JsonObject *o;
        JsonNode *n;

        if (!json_parser_load_from_data(parser, value, (gssize) len, NULL))
                return 0;
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
                return 0;
        o = json_node_get_object(root);
        n = json_object_get_member(o, "since");
        if (!n || json_node_get_value_type(n) != G_TYPE_INT64 || json_node_get_int(n) < 0)
                return 0;
        return (uint64_t) json_node_get_int(n);
}

/* "<host>/<job>" after a resource's prefix. */
static bool host_job_parse(const char *rest, char **ret_host, uint64_t *ret_job) {
        const char *slash = strchr(rest, '/');
        char *end = NULL;
        guint64 job;

        if (!slash || slash == rest || !g_ascii_isdigit(slash[1]))
                return false;
        errno = 0;
        job = g_ascii_strtoull(slash + 1, &end, 10);
        if (errno != 0 || *end != '\0' || job == 0)
                return false;
        *ret_host = g_strndup(rest, (gsize) (slash - rest));
        *ret_job = job;
        return true;
}

static int key_compare(gconstpointer a, gconstpointer b) {
        const ClusterKey *x = *(ClusterKey *const *) a, *y = *(ClusterKey *const *) b;

        return (x->create_revision > y->create_revision) - (x->create_revision < y->create_revision);
}

/**
 * cluster_resource_take_kvs() - replace the copy by a newer whole-prefix reply
 * @r: the resource
 * @reply: a range of r->prefix, or an admission txn's reply (its range)
 *
 * An older reply (a txn answered after a newer range) is ignored.  A want
 * whose key is gone (deleted by someone else while the lease lives: etcdctl,
 * another sluiced's recovery) is requested again at the next kick.
 */
void cluster_resource_take_kvs(ClusterResource *r, const EtcdReply *reply) {
        GHashTableIter i;
        gpointer v;

        if (reply->header.revision < r->revision || !reply->kvs)
                return;
        g_ptr_array_set_size(r->keys, 0);
        for (guint j = 0; j < reply->kvs->len; j++) {
                const EtcdKeyValue *kv = g_ptr_array_index(reply->kvs, j);
                ClusterKey *k = g_new0(ClusterKey, 1);

                if (!g_str_has_prefix(kv->key, r->prefix) || strlen(kv->key) != kv->key_len) {
                        g_free(k);
                        continue;
                }
                k->key = g_strdup(kv->key);
                k->create_revision = kv->create_revision;
                /* "<host>/<job>"; a key not of the layout still takes its place in the queue. */
                if (!host_job_parse(kv->key + strlen(r->prefix), &k->host, &k->job_id))
                        k->host = g_strdup("?");
                k->since_usec = value_since(kv->value, kv->value_len);
                g_ptr_array_add(r->keys, k);
        }
        g_ptr_array_sort(r->keys, key_compare);
        r->revision = reply->header.revision;

        g_hash_table_iter_init(&i, r->wants);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                ClusterWant *w = v;

                if (w->state == WANT_PLACED && cluster_resource_position(r, w->key) < 0) {
                        w->state = WANT_NEW;
                        w->create_revision = 0;
                        cluster_arm_retry(r->cluster);
                }
        }
        cluster_notify(r->cluster);
}

/**
 * cluster_resource_position() - the number of keys created before @key
 * @r: the resource
 * @key: a key of the copy
 *
 * Return: the position (admitted when below the limit), -1 when @key is not in the copy
 */
int cluster_resource_position(const ClusterResource *r, const char *key) {
        const ClusterKey *mine = NULL;
        int before = 0;

        for (guint i = 0; i < r->keys->len; i++) {
                const ClusterKey *k = g_ptr_array_index(r->keys, i);

                if (strcmp(k->key, key) == 0) {
                        mine = k;
                        break;
                }
        }
        if (!mine)
                return -1;
        for (guint i = 0; i < r->keys->len; i++) {
                const ClusterKey *k = g_ptr_array_index(r->keys, i);

                if (k->create_revision < mine->create_revision)
                        before++;
        }
        return before;
}

guint cluster_resource_n_keys(const ClusterResource *r) {
        return r->keys->len;
}

static void on_range(EtcdClient *client, const EtcdReply *reply, const GError *error, void *userdata) {
        ClusterResource *r = userdata;

        r->ranging = false;
        cluster_etcd_result(r->cluster, error);
        if (error) {
                cluster_logf(r->cluster, LOG_WARNING, "cluster resource %s: reading %s: %s", r->name, r->prefix,
                             error->message);
                r->range_again = true; /* at the next kick */
                cluster_arm_retry(r->cluster);
                return;
        }
        cluster_resource_take_kvs(r, reply);
        if (!r->watch)
                cluster_resource_watch(r);
        if (r->range_again) {
                r->range_again = false;
                cluster_resource_range(r);
        }
}

/**
 * cluster_resource_range() - read the whole prefix again (coalesced)
 * @r: the resource
 */
void cluster_resource_range(ClusterResource *r) {
        if (r->ranging) {
                r->range_again = true;
                return;
        }
        r->ranging = true;
        r->range_again = false;
        (void) etcd_client_range_prefix(cluster_client(r->cluster), r->prefix, on_range, r);
}

static void on_watch(EtcdClient *client, const EtcdReply *reply, const GError *error, void *userdata) {
        ClusterResource *r = userdata;

        if (error) {
                /* The watch is dead (etcd-client.h): drop it; the range watches again. */
                cluster_logf(r->cluster, LOG_INFO, "cluster resource %s: watch ended (%s): reading it again",
                             r->name, error->message);
                r->watch = etcd_watch_free(r->watch);
                cluster_resource_range(r);
                return;
        }
        if (reply->events && reply->events->len > 0)
                cluster_resource_range(r);
}

/**
 * cluster_resource_watch() - watch the prefix from the copy's revision + 1
 * @r: the resource, with a copy
 */
void cluster_resource_watch(ClusterResource *r) {
        if (r->watch || r->revision <= 0)
                return;
        (void) etcd_client_watch(cluster_client(r->cluster), r->prefix, true, r->revision + 1, on_watch, r,
                                 &r->watch);
}

static void holder_clear(gpointer p) {
        ClusterHolder *h = p;

        g_free(h->host);
}

/**
 * cluster_resource_view() - the resource as last seen, for resources()
 * @r: the resource
 * @limit: the fleet's limit (the largest any host published)
 *
 * Return: a new view; the holders are the first @limit keys
 */
ClusterResourceView *cluster_resource_view(const ClusterResource *r, uint32_t limit) {
        ClusterResourceView *v = g_new0(ClusterResourceView, 1);
        guint n = MIN(r->keys->len, limit);

        v->resource = g_strdup(r->name);
        v->limit = limit;
        v->holders = g_array_sized_new(FALSE, TRUE, sizeof(ClusterHolder), n);
        g_array_set_clear_func(v->holders, holder_clear);
        for (guint i = 0; i < n; i++) {
                const ClusterKey *k = g_ptr_array_index(r->keys, i);
                ClusterHolder h = {
                        .host = g_strdup(k->host),
                        .job_id = k->job_id,
                        .since_usec = k->since_usec,
                };

                g_array_append_val(v->holders, h);
        }
        v->waiting = r->keys->len - n;
        return v;
}

void cluster_resource_view_free(ClusterResourceView *v) {
        if (!v)
                return;
        g_free(v->resource);
        g_array_unref(v->holders);
        g_free(v);
}

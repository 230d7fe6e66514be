/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluiced-cluster.so: the ClusterModule of cluster-module.h on etcd
 * (docs/cluster.md, "The module").  This file holds the module's functions
 * (answer, release, flush, resources, new, free) and the glue the others
 * share: logging, changed() from a defer source, the kick timer, etcd's
 * up/down.  cluster-etcd-host.c: the lease and the host key;
 * cluster-etcd-queue.c: the queue of txns and deletes, the restart steps;
 * cluster-etcd-resource.c: one resource's ordered copy of the fleet's keys.
 *
 * Only sluice_cluster_module_v1 is exported (the .so is built with
 * -fvisibility=hidden and --exclude-libs for the static libraries).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cluster-etcd.h"
#include "i18n.h"

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

ClusterResource *cluster_resource_get(Cluster *c, const char *name, uint32_t limit, bool *ret_new) {
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

ClusterWant *cluster_want_new(Cluster *c, ClusterResource *r, uint64_t job_id) {
        ClusterWant *w = g_new0(ClusterWant, 1);

        w->job_id = job_id;
        w->key = g_strdup_printf("%s%s/%" G_GUINT64_FORMAT, r->prefix, c->host, job_id);
        w->state = WANT_NEW;
        (void) sd_event_now(c->event, CLOCK_REALTIME, &w->since_usec);
        w->seq = ++c->next_seq;
        g_hash_table_insert(r->wants, &w->job_id, w);
        return w;
}

static void want_drop(Cluster *c, ClusterResource *r, ClusterWant *w) {
        g_hash_table_remove(r->wants, &w->job_id);
}

/* A kick: everything that failed or waited goes again. */
static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Cluster *c = userdata;
        GHashTableIter i;
        gpointer v;

        cluster_host_key_put(c);
        if (c->host_key_ok)
                cluster_requeue_wants(c);
        cluster_run_ops(c);
        g_hash_table_iter_init(&i, c->resources);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                ClusterResource *r = v;

                if (r->range_again || (r->revision > 0 && !r->watch))
                        cluster_resource_range(r);
        }
        return 0;
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
        r = cluster_resource_get(c, resource, limit, &changed_limit);
        if (changed_limit && c->host_key_ok)
                g_queue_push_tail(&c->staged, cluster_op_new(OP_HOST_PUT, NULL, 0, NULL));
        if (!w) {
                (void) cluster_want_new(c, r, job_id);
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
                Op *op = cluster_op_new(OP_DELETE, r->name, job_id, w->key);

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
        cluster_op_free(op);
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
                cluster_requeue_wants(c);
        cluster_run_ops(c);
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
        g_queue_clear_full(&c->ops, (GDestroyNotify) cluster_op_free);
        g_queue_clear_full(&c->staged, (GDestroyNotify) cluster_op_free);
        for (guint i = 0; c->direct && i < c->direct->len; i++)
                cluster_op_free(g_ptr_array_index(c->direct, i));
        if (c->direct)
                g_ptr_array_unref(c->direct);
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
        r = etcd_lease_keeper_adopt(c->client, c->ttl_sec, s->stored_lease_id, cluster_on_lease, c, &c->keeper);
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

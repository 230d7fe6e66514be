/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The etcd client (src/daemon/etcd-*.c) against a REAL etcd (Debian's
 * etcd-server, one throwaway process per test: etcd-harness.c), on a real
 * sd-event loop.  No mock: every case here is something etcd itself does
 * (leases kept and expired, txn, sorted range, watch, etcd killed and back).
 * Only the reply-size bound is provoked by configuring a tiny bound.
 */
#include <string.h>

#include "etcd-client.h"
#include "etcd-harness.h"
#include "macro.h"

typedef struct Result {
        bool done;
        GError *error;
        bool succeeded;
        int64_t lease_id, ttl, deleted, revision;
        GPtrArray *keys; /* char* */
        GArray *create_revisions; /* int64_t */
        GPtrArray *values;
} Result;

static void result_clear(Result *r) {
        g_clear_error(&r->error);
        g_clear_pointer(&r->keys, g_ptr_array_unref);
        g_clear_pointer(&r->values, g_ptr_array_unref);
        g_clear_pointer(&r->create_revisions, g_array_unref);
        memset(r, 0, sizeof(*r));
}

static void on_result(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        Result *r = userdata;

        result_clear(r);
        r->done = true;
        if (error) {
                r->error = g_error_copy(error);
                return;
        }
        r->succeeded = reply->succeeded;
        r->lease_id = reply->lease_id;
        r->ttl = reply->ttl;
        r->deleted = reply->deleted;
        r->revision = reply->header.revision;
        r->keys = g_ptr_array_new_with_free_func(g_free);
        r->values = g_ptr_array_new_with_free_func(g_free);
        r->create_revisions = g_array_new(FALSE, FALSE, sizeof(int64_t));
        for (guint i = 0; i < reply->kvs->len; i++) {
                EtcdKeyValue *kv = g_ptr_array_index(reply->kvs, i);

                g_ptr_array_add(r->keys, g_strdup(kv->key));
                g_ptr_array_add(r->values, g_strdup(kv->value));
                g_array_append_val(r->create_revisions, kv->create_revision);
        }
}

typedef struct Fixture {
        sd_event *event;
        EtcdServer *server;
        EtcdClient *client;
        Result res;
} Fixture;

static void run_until(Fixture *f, const bool *flag) {
        /* No time limit of our own: meson's test timeout ends a hang. */
        while (!*flag)
                g_assert_cmpint(sd_event_run(f->event, UINT64_MAX), >=, 0);
}

static EtcdClient *client_for(Fixture *f, char **endpoints, size_t max_reply) {
        EtcdClientConfig config = { .endpoints = endpoints, .max_reply = max_reply };
        g_autoptr(GError) error = NULL;
        EtcdClient *c = NULL;

        g_assert_cmpint(etcd_client_new(f->event, &config, &c, &error), ==, 0);
        g_assert_no_error(error);
        return c;
}

static void fixture_setup(Fixture *f, gconstpointer data) {
        char *endpoints[2] = { NULL, NULL };

        g_assert_cmpint(sd_event_new(&f->event), >=, 0);
        f->server = etcd_server_start();
        endpoints[0] = f->server->client_url;
        f->client = client_for(f, endpoints, 0);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        result_clear(&f->res);
        etcd_client_free(f->client);
        etcd_server_free(f->server);
        sd_event_unref(f->event);
}

#define WAIT(f) do { run_until((f), &(f)->res.done); } while (0)
#define OK(f) do { WAIT(f); g_assert_no_error((f)->res.error); } while (0)

static int64_t grant(Fixture *f, int64_t ttl) {
        f->res.done = false;
        g_assert_cmpint(etcd_client_lease_grant(f->client, ttl, on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpint(f->res.lease_id, !=, 0);
        g_assert_cmpint(f->res.ttl, >=, ttl);
        return f->res.lease_id;
}

static void put(Fixture *f, const char *key, int64_t lease, bool expect_new) {
        f->res.done = false;
        g_assert_cmpint(etcd_client_put_if_absent(f->client, key, "v", lease, on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpint(f->res.succeeded, ==, expect_new);
}

static guint count_prefix(Fixture *f, const char *prefix) {
        f->res.done = false;
        g_assert_cmpint(etcd_client_range_prefix(f->client, prefix, on_result, &f->res), ==, 0);
        OK(f);
        return f->res.keys->len;
}

/* ---- lease keeper: renewals keep the key past several TTLs ---- */

typedef struct KeeperLog {
        unsigned granted, renewed, unreachable, lost;
        int64_t id;
        char *last_error;
        bool stop;
        unsigned stop_after_renewals;
        bool stop_on_unreachable, stop_on_back, stop_on_lost;
} KeeperLog;

static void on_keeper(EtcdLeaseKeeper *k, EtcdLeaseEvent ev, int64_t id, const GError *error, void *userdata) {
        KeeperLog *l = userdata;

        if (error) {
                g_free(l->last_error);
                l->last_error = g_strdup(error->message);
        }
        switch (ev) {
        case ETCD_LEASE_GRANTED:
                l->granted++;
                l->id = id;
                if (l->stop_on_back && l->unreachable > 0)
                        l->stop = true;
                break;
        case ETCD_LEASE_RENEWED:
                l->renewed++;
                if (l->stop_after_renewals && l->renewed >= l->stop_after_renewals)
                        l->stop = true;
                if (l->stop_on_back && l->unreachable > 0)
                        l->stop = true;
                break;
        case ETCD_LEASE_UNREACHABLE:
                l->unreachable++;
                if (l->stop_on_unreachable)
                        l->stop = true;
                break;
        case ETCD_LEASE_LOST:
                l->lost++;
                if (l->stop_on_lost)
                        l->stop = true;
                break;
        }
}

static void test_keepalive_keeps_key(Fixture *f, gconstpointer data) {
        g_autoptr(EtcdLeaseKeeper) k = NULL;
        KeeperLog log = { .stop_on_lost = true };

        /* etcd's smallest TTL is about 2 s here (1.5 × its election timeout). */
        g_assert_cmpint(etcd_lease_keeper_new(f->client, 2, on_keeper, &log, &k), ==, 0);
        while (log.granted == 0)
                g_assert_cmpint(sd_event_run(f->event, UINT64_MAX), >=, 0);
        put(f, "/t/keep/a", log.id, true);
        /* Renewed every TTL/3: 9 renewals span 3 TTLs; without them the key is gone after one. */
        log.stop_after_renewals = 9;
        run_until(f, &log.stop);
        g_assert_cmpuint(log.lost, ==, 0);
        g_assert_cmpuint(log.unreachable, ==, 0);
        g_assert_cmpuint(etcd_lease_keeper_n_renewals(k), ==, 9);
        g_assert_cmpuint(count_prefix(f, "/t/keep/"), ==, 1);
        g_free(log.last_error);
}

/* ---- revoke and expiry delete the lease's keys ---- */

static void test_revoke_deletes_keys(Fixture *f, gconstpointer data) {
        int64_t lease = grant(f, 30);

        put(f, "/t/rev/a", lease, true);
        put(f, "/t/rev/b", lease, true);
        g_assert_cmpuint(count_prefix(f, "/t/rev/"), ==, 2);
        f->res.done = false;
        g_assert_cmpint(etcd_client_lease_revoke(f->client, lease, on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpuint(count_prefix(f, "/t/rev/"), ==, 0);
        /* A second revoke: etcd's NotFound, with its own words. */
        f->res.done = false;
        g_assert_cmpint(etcd_client_lease_revoke(f->client, lease, on_result, &f->res), ==, 0);
        WAIT(f);
        g_assert_error(f->res.error, ETCD_ERROR, ETCD_ERROR_GRPC_NOT_FOUND);
        g_assert_nonnull(strstr(f->res.error->message, "requested lease not found"));
        g_assert_nonnull(strstr(f->res.error->message, f->server->client_url));
}

typedef struct WatchLog {
        bool created, deleted, ended;
        int64_t created_revision;
        char *deleted_key;
        GError *error;
} WatchLog;

static void on_watch(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        WatchLog *w = userdata;

        if (error) {
                w->ended = true;
                w->error = g_error_copy(error);
                return;
        }
        if (reply->created) {
                w->created = true;
                w->created_revision = reply->header.revision;
        }
        for (guint i = 0; i < reply->events->len; i++) {
                EtcdEvent *ev = g_ptr_array_index(reply->events, i);

                if (ev->type == ETCD_EVENT_DELETE) {
                        w->deleted = true;
                        g_free(w->deleted_key);
                        w->deleted_key = g_strdup(ev->kv->key);
                }
        }
}

static void test_expiry_deletes_keys(Fixture *f, gconstpointer data) {
        g_autoptr(EtcdWatch) w = NULL;
        WatchLog log = { 0 };
        int64_t lease = grant(f, 2);

        put(f, "/t/exp/a", lease, true);
        g_assert_cmpint(etcd_client_watch(f->client, "/t/exp/a", false, f->res.revision, on_watch, &log, &w), ==, 0);
        /* Nobody renews: etcd itself deletes the key when the lease expires. */
        run_until(f, &log.deleted);
        g_assert_cmpstr(log.deleted_key, ==, "/t/exp/a");
        g_assert_null(log.error);
        g_assert_cmpuint(count_prefix(f, "/t/exp/"), ==, 0);
        g_free(log.deleted_key);
}

/* ---- txn put-if-absent ---- */

static void test_put_if_absent(Fixture *f, gconstpointer data) {
        int64_t lease = grant(f, 30);

        put(f, "/t/txn/a", lease, true);
        /* The second txn takes the failure branch and reads the key as it is. */
        put(f, "/t/txn/a", lease, false);
        g_assert_cmpuint(f->res.keys->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(f->res.keys, 0), ==, "/t/txn/a");
        g_assert_cmpstr(g_ptr_array_index(f->res.values, 0), ==, "v");
}

/* ---- range by prefix, by create revision (not by name) ---- */

static void test_range_by_create_revision(Fixture *f, gconstpointer data) {
        const char *order[] = { "/t/sem/zeta", "/t/sem/alpha", "/t/sem/mid", "/t/sem/beta" };
        int64_t lease = grant(f, 30);

        for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
                put(f, order[i], lease, true);
        put(f, "/t/semX", lease, true); /* outside the prefix "/t/sem/" */
        g_assert_cmpuint(count_prefix(f, "/t/sem/"), ==, G_N_ELEMENTS(order));
        for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
                g_assert_cmpstr(g_ptr_array_index(f->res.keys, i), ==, order[i]);
                if (i > 0)
                        g_assert_cmpint(g_array_index(f->res.create_revisions, int64_t, i), >,
                                        g_array_index(f->res.create_revisions, int64_t, i - 1));
        }
}

/* ---- watch reports the delete of the predecessor ---- */

static void test_watch_predecessor(Fixture *f, gconstpointer data) {
        g_autoptr(EtcdWatch) w = NULL;
        WatchLog log = { 0 };
        int64_t lease = grant(f, 30);

        put(f, "/t/w/1-host-a-job-7", lease, true);
        put(f, "/t/w/2-host-b-job-9", lease, true);
        g_assert_cmpint(etcd_client_watch(f->client, "/t/w/1-host-a-job-7", false, f->res.revision + 1,
                                          on_watch, &log, &w), ==, 0);
        run_until(f, &log.created);
        g_assert_false(log.deleted);
        f->res.done = false;
        g_assert_cmpint(etcd_client_delete(f->client, "/t/w/1-host-a-job-7", on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpint(f->res.deleted, ==, 1);
        run_until(f, &log.deleted);
        g_assert_cmpstr(log.deleted_key, ==, "/t/w/1-host-a-job-7");
        g_free(log.deleted_key);
}


/* ---- the fleet semaphore (docs/cluster.md): three hosts, MaxRunning=2 ---- */

typedef struct SemResult {
        Result res;
        const char *key;
        int position;
        int64_t create_revision;
} SemResult;

static void on_sem(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        SemResult *sr = userdata;

        on_result(c, reply, error, &sr->res);
        sr->position = reply ? etcd_semaphore_position(reply, sr->key, strlen(sr->key), &sr->create_revision) : -1;
}

static int request(Fixture *f, EtcdClient *c, int64_t lease, const char *key, int64_t *ret_rev) {
        SemResult sr = { .key = key };

        g_assert_cmpint(etcd_client_semaphore_request(c, "/t/res/sync:offsite/", key, "{}", lease, on_sem, &sr), ==, 0);
        run_until(f, &sr.res.done);
        g_assert_no_error(sr.res.error);
        if (ret_rev)
                *ret_rev = sr.create_revision;
        result_clear(&sr.res);
        return sr.position;
}

static void test_semaphore(Fixture *f, gconstpointer data) {
        char *endpoints[] = { f->server->client_url, NULL };
        g_autoptr(EtcdClient) a = client_for(f, endpoints, 0);
        g_autoptr(EtcdClient) b = client_for(f, endpoints, 0);
        g_autoptr(EtcdClient) c = client_for(f, endpoints, 0);
        g_autoptr(EtcdWatch) w = NULL;
        WatchLog log = { 0 };
        int64_t la, lb, lc, rev1, rev2;
        const unsigned max_running = 2;

        la = grant(f, 30);
        lb = grant(f, 30);
        lc = grant(f, 30);
        g_assert_cmpint(la, !=, lb);
        g_assert_cmpint(lb, !=, lc);
        /* Places in the order of the requests, whatever the host. */
        g_assert_cmpint(request(f, a, la, "/t/res/sync:offsite/host-a/1", NULL), ==, 0);
        g_assert_cmpint(request(f, b, lb, "/t/res/sync:offsite/host-b/7", NULL), ==, 1);
        g_assert_cmpint(request(f, c, lc, "/t/res/sync:offsite/host-c/3", &rev1), ==, 2);
        g_assert_cmpint(request(f, a, la, "/t/res/sync:offsite/host-a/2", NULL), ==, 3);
        /* Asked again (a retry after a timeout): the same place, the same create revision. */
        g_assert_cmpint(request(f, c, lc, "/t/res/sync:offsite/host-c/3", &rev2), ==, 2);
        g_assert_cmpint(rev1, ==, rev2);
        g_assert_cmpint(rev2, >, 0);
        /* Admitted: the first max_running places; host-c/3 (place 2) and host-a/2 (3) wait. */
        g_assert_cmpint(request(f, c, lc, "/t/res/sync:offsite/host-c/3", NULL), >=, (int) max_running);

        /* host-c watches the prefix; host-a's first job ends and releases. */
        g_assert_cmpint(etcd_client_watch(c, "/t/res/sync:offsite/", true, rev2 + 1, on_watch, &log, &w), ==, 0);
        run_until(f, &log.created);
        f->res.done = false;
        g_assert_cmpint(etcd_client_delete(a, "/t/res/sync:offsite/host-a/1", on_result, &f->res), ==, 0);
        OK(f);
        run_until(f, &log.deleted);
        g_assert_cmpint(request(f, c, lc, "/t/res/sync:offsite/host-c/3", NULL), ==, 1); /* admitted */
        g_assert_cmpint(request(f, a, la, "/t/res/sync:offsite/host-a/2", NULL), ==, 2); /* still waits */

        /* host-b dies: its lease goes (revoked here rather than waited for), so does its slot. */
        f->res.done = false;
        g_assert_cmpint(etcd_client_lease_revoke(b, lb, on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpint(request(f, a, la, "/t/res/sync:offsite/host-a/2", NULL), ==, 1);
        g_assert_cmpint(request(f, c, lc, "/t/res/sync:offsite/host-c/3", NULL), ==, 0);
        g_free(log.deleted_key);
}

/* ---- etcd killed: unreachable in words, then back ---- */

static void test_killed_and_back(Fixture *f, gconstpointer data) {
        g_autoptr(EtcdLeaseKeeper) k = NULL;
        KeeperLog log = { .stop_after_renewals = 1 };

        g_assert_cmpint(etcd_lease_keeper_new(f->client, 3, on_keeper, &log, &k), ==, 0);
        run_until(f, &log.stop);
        log.stop = false;
        log.stop_after_renewals = 0;
        log.stop_on_unreachable = true;
        etcd_server_kill(f->server);
        run_until(f, &log.stop);
        g_assert_cmpuint(log.unreachable, ==, 1);
        g_assert_nonnull(strstr(log.last_error, "etcd unreachable: "));
        g_assert_nonnull(strstr(log.last_error, f->server->client_url));
        g_test_message("while etcd is down: %s", log.last_error);

        /* A call made now fails the same way, naming the endpoint. */
        f->res.done = false;
        g_assert_cmpint(etcd_client_range_prefix(f->client, "/t/", on_result, &f->res), ==, 0);
        WAIT(f);
        g_assert_error(f->res.error, ETCD_ERROR, ETCD_ERROR_UNREACHABLE);
        g_assert_nonnull(strstr(f->res.error->message, f->server->client_url));

        log.stop = false;
        log.stop_on_unreachable = false;
        log.stop_on_back = true;
        etcd_server_restart(f->server);
        run_until(f, &log.stop);
        /* Renewed (etcd keeps leases over a restart) or, if it expired meanwhile, lost and granted anew. */
        g_assert_true(log.renewed >= 2 || (log.lost == 1 && log.granted == 2));
        g_assert_cmpint(etcd_lease_keeper_id(k), !=, 0);
        g_assert_cmpuint(count_prefix(f, "/t/"), ==, 0);
        g_free(log.last_error);
}

/* ---- several endpoints: a dead one first is skipped ---- */

static void test_failover(Fixture *f, gconstpointer data) {
        g_autofree char *dead = etcd_harness_dead_url();
        char *endpoints[] = { dead, f->server->client_url, NULL };
        g_autoptr(EtcdClient) c = client_for(f, endpoints, 0);

        g_assert_cmpint(etcd_client_lease_grant(c, 30, on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpint(f->res.lease_id, !=, 0);
        /* The next call goes straight to the endpoint that answered. */
        f->res.done = false;
        g_assert_cmpint(etcd_client_range_prefix(c, "/", on_result, &f->res), ==, 0);
        OK(f);
}

/* ---- the bound on a reply ---- */

static void test_reply_bound(Fixture *f, gconstpointer data) {
        char *endpoints[] = { f->server->client_url, NULL };
        g_autoptr(EtcdClient) small = client_for(f, endpoints, 200);
        int64_t lease = grant(f, 30);

        for (int i = 0; i < 5; i++) {
                g_autofree char *key = g_strdup_printf("/t/big/%d", i);

                put(f, key, lease, true);
        }
        f->res.done = false;
        g_assert_cmpint(etcd_client_range_prefix(small, "/t/big/", on_result, &f->res), ==, 0);
        WAIT(f);
        g_assert_error(f->res.error, ETCD_ERROR, ETCD_ERROR_TOO_LARGE);
        g_assert_nonnull(strstr(f->res.error->message, "larger than 200 bytes"));
}


/* ---- user/password: a token fetched, fetched again when etcd forgot it ---- */

static void admin(Fixture *f, const char *path, const char *body) {
        f->res.done = false;
        g_assert_cmpint(etcd_client_call(f->client, path, body, on_result, &f->res), ==, 0);
        OK(f);
}

static void test_auth(Fixture *f, gconstpointer data) {
        char *endpoints[] = { f->server->client_url, NULL };
        EtcdClientConfig good = { .endpoints = endpoints, .user = "root", .password = "s3cret\"x" };
        EtcdClientConfig bad = { .endpoints = endpoints, .user = "root", .password = "wrong" };
        g_autoptr(EtcdClient) c = NULL, b = NULL;
        g_autoptr(GError) error = NULL;
        Result other = { 0 };

        admin(f, "/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"s3cret\\\"x\"}");
        admin(f, "/v3/auth/role/add", "{\"name\":\"root\"}");
        admin(f, "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}");
        admin(f, "/v3/auth/enable", "{}");
        /* Without a token etcd refuses now. */
        f->res.done = false;
        g_assert_cmpint(etcd_client_range_prefix(f->client, "/t/", on_result, &f->res), ==, 0);
        WAIT(f);
        g_assert_nonnull(f->res.error);

        g_assert_cmpint(etcd_client_new(f->event, &good, &c, &error), ==, 0);
        g_assert_cmpint(etcd_client_new(f->event, &bad, &b, &error), ==, 0);
        /* Two calls at once share one authenticate. */
        f->res.done = false;
        g_assert_cmpint(etcd_client_put_if_absent(c, "/t/auth/a", "v", 0, on_result, &f->res), ==, 0);
        g_assert_cmpint(etcd_client_range_prefix(c, "/t/", on_result, &other), ==, 0);
        OK(f);
        g_assert_true(f->res.succeeded);
        run_until(f, &other.done);
        g_assert_no_error(other.error);

        f->res.done = false;
        g_assert_cmpint(etcd_client_range_prefix(b, "/t/", on_result, &f->res), ==, 0);
        WAIT(f);
        g_assert_nonnull(f->res.error);
        g_assert_nonnull(strstr(f->res.error->message, "authenticating as \"root\""));
        g_assert_nonnull(strstr(f->res.error->message, "authentication failed"));

        /* etcd's simple tokens do not survive its restart: "invalid auth token", fetched again. */
        etcd_server_restart(f->server);
        f->res.done = false;
        g_assert_cmpint(etcd_client_range_prefix(c, "/t/auth/", on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpuint(f->res.keys->len, ==, 1);
        result_clear(&other);
}

/* ---- TLS: CA, client certificate and key ---- */

static void tls_setup(Fixture *f, gconstpointer data) {
        g_assert_cmpint(sd_event_new(&f->event), >=, 0);
        f->server = etcd_server_start_tls();
}

static void test_tls(Fixture *f, gconstpointer data) {
        char *endpoints[] = { f->server->client_url, NULL };
        g_autofree char *ca = etcd_server_file(f->server, "ca.pem");
        g_autofree char *cert = etcd_server_file(f->server, "client.pem");
        g_autofree char *key = etcd_server_file(f->server, "client.key");
        EtcdClientConfig full = { .endpoints = endpoints, .ca_file = ca, .cert_file = cert, .key_file = key };
        EtcdClientConfig no_cert = { .endpoints = endpoints, .ca_file = ca };
        EtcdClientConfig no_ca = { .endpoints = endpoints, .cert_file = cert, .key_file = key };
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(etcd_client_new(f->event, &full, &f->client, &error), ==, 0);
        g_assert_cmpint(etcd_client_lease_grant(f->client, 30, on_result, &f->res), ==, 0);
        OK(f);
        g_assert_cmpint(f->res.lease_id, !=, 0);
        put(f, "/t/tls/a", f->res.lease_id, true);

        /* The server's CA is not the system's: verification fails, in words. */
        {
                g_autoptr(EtcdClient) c = NULL;

                g_assert_cmpint(etcd_client_new(f->event, &no_ca, &c, &error), ==, 0);
                f->res.done = false;
                g_assert_cmpint(etcd_client_range_prefix(c, "/t/", on_result, &f->res), ==, 0);
                WAIT(f);
                g_assert_error(f->res.error, ETCD_ERROR, ETCD_ERROR_UNREACHABLE);
                g_assert_nonnull(strstr(f->res.error->message, f->server->client_url));
                g_test_message("without the CA: %s", f->res.error->message);
        }
        /* etcd asks for a client certificate (--client-cert-auth). */
        {
                g_autoptr(EtcdClient) c = NULL;

                g_assert_cmpint(etcd_client_new(f->event, &no_cert, &c, &error), ==, 0);
                f->res.done = false;
                g_assert_cmpint(etcd_client_range_prefix(c, "/t/", on_result, &f->res), ==, 0);
                WAIT(f);
                g_assert_nonnull(f->res.error);
                g_test_message("without a client certificate: %s", f->res.error->message);
        }
}

/* ---- configuration errors name the endpoint ---- */

static void test_bad_endpoints(void) {
        const char *bad[] = { "ftp://127.0.0.1:2379", "http://", "127.0.0.1:2379", "http://a b:1",
                              "http://h:1/v3", NULL };
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;

        g_assert_cmpint(sd_event_new(&e), >=, 0);
        for (size_t i = 0; bad[i]; i++) {
                char *endpoints[] = { (char *) bad[i], NULL };
                EtcdClientConfig config = { .endpoints = endpoints };
                g_autoptr(GError) error = NULL;
                EtcdClient *c = NULL;

                g_assert_cmpint(etcd_client_new(e, &config, &c, &error), ==, -EINVAL);
                g_assert_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT);
                g_assert_nonnull(strstr(error->message, bad[i]));
                g_assert_null(c);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/etcd/config/bad-endpoints", test_bad_endpoints);
        if (!etcd_harness_binary()) {
                g_test_message("no etcd binary (Debian package etcd-server): the real-etcd cases are skipped");
                return g_test_run();
        }
#define ADD(name, fn) g_test_add("/etcd/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("lease/keepalive-keeps-key", test_keepalive_keeps_key);
        ADD("lease/revoke-deletes-keys", test_revoke_deletes_keys);
        ADD("lease/expiry-deletes-keys", test_expiry_deletes_keys);
        ADD("kv/put-if-absent", test_put_if_absent);
        ADD("kv/range-by-create-revision", test_range_by_create_revision);
        ADD("watch/predecessor-deleted", test_watch_predecessor);
        ADD("semaphore/three-hosts", test_semaphore);
        ADD("client/killed-and-back", test_killed_and_back);
        ADD("client/failover", test_failover);
        ADD("client/reply-bound", test_reply_bound);
        ADD("client/auth", test_auth);
        g_test_add("/etcd/client/tls", Fixture, NULL, tls_setup, test_tls, fixture_teardown);
        return g_test_run();
}

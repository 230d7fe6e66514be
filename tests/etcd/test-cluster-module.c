/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cluster module as sluiced uses it: the BUILT sluiced-cluster.so is
 * dlopen()ed ($SLUICE_CLUSTER_MODULE, set by meson) and only its exported
 * sluice_cluster_module_v1 is used, so this proves the symbol and the ABI of
 * cluster-module.h.  Several Cluster instances ("hosts") on one sd-event
 * loop against a REAL etcd (etcd-harness.c), driven like sluiced drives
 * them: answer() in dispatch, release() when a job ends, flush() in the post
 * step, recover() at start.  The test's own etcd client only plays the world
 * around: it revokes a lease (a host dying), compacts, reads keys.
 *
 * No timing thresholds: every wait is for a condition, with a generous bound
 * (WAIT_FOR) so that a bug fails the test instead of hanging it.
 */
#include <dlfcn.h>
#include <locale.h>
#include <string.h>

#include "cluster-module.h"
#include "etcd-client.h"
#include "etcd-harness.h"

#define RES "sync:offsite"
#define RES_PREFIX "/sluice/v1/res/" RES "/"

static const ClusterModule *M;

typedef struct Fixture Fixture;

typedef struct Host {
        Fixture *f;
        char *name;
        Cluster *c;
        unsigned changed, granted, lost;
        int64_t lease;
        char *lost_why;
        char *log; /* everything logged, one line each */
} Host;

struct Fixture {
        sd_event *event;
        EtcdServer *server;
        EtcdClient *client;
        Host hosts[4];
        char *reason;
        const char *user, *password; /* for the hosts started next */
};

#define WAIT_FOR(f, cond)                                                                        \
        do {                                                                                     \
                gint64 _end = g_get_monotonic_time() + 90 * G_USEC_PER_SEC;                       \
                while (!(cond)) {                                                                \
                        if (g_get_monotonic_time() > _end)                                       \
                                g_error("%s:%d: not within 90 s: %s", __FILE__, __LINE__, #cond); \
                        g_assert_cmpint(sd_event_run((f)->event, 100000), >=, 0);                \
                }                                                                                \
        } while (0)

/* ---- the hooks: what sluiced would be told ---- */

static void on_changed(void *userdata) {
        ((Host *) userdata)->changed++;
}

static void on_lease_lost(void *userdata, const char *why) {
        Host *h = userdata;

        h->lost++;
        g_free(h->lost_why);
        h->lost_why = g_strdup(why);
}

static void on_lease_granted(void *userdata, int64_t id) {
        Host *h = userdata;

        h->granted++;
        h->lease = id;
}

static void on_log(void *userdata, int priority, const char *message) {
        Host *h = userdata;
        char *l = g_strconcat(h->log ?: "", message, "\n", NULL);

        g_free(h->log);
        h->log = l;
        g_test_message("[%s] %s", h->name, message);
}

static const ClusterHooks hooks = {
        .changed = on_changed,
        .lease_lost = on_lease_lost,
        .lease_granted = on_lease_granted,
        .log = on_log,
};

static void host_stop(Host *h) {
        if (h->c)
                M->free(h->c);
        h->c = NULL;
}

static void host_clear(Host *h) {
        host_stop(h);
        g_free(h->name);
        g_free(h->lost_why);
        g_free(h->log);
        memset(h, 0, sizeof(*h));
}

static Host *host_start_with(Fixture *f, int i, const char *name, uint32_t ttl, int64_t stored, bool wait) {
        Host *h = &f->hosts[i];
        const char *endpoints[] = { f->server->client_url, NULL };
        g_autofree char *ca = NULL, *cert = NULL, *key = NULL;
        ClusterSettings s = {
                .endpoints = endpoints,
                .host_name = name,
                .prefix = "/sluice",
                .lease_ttl_sec = ttl,
                .stored_lease_id = stored,
                .user = f->user,
                .password = f->password,
        };
        g_autoptr(GError) error = NULL;

        if (f->server->tls) {
                s.ca_file = ca = etcd_server_file(f->server, "ca.pem");
                s.cert_file = cert = etcd_server_file(f->server, "client.pem");
                s.key_file = key = etcd_server_file(f->server, "client.key");
        }
        host_clear(h);
        h->f = f;
        h->name = g_strdup(name);
        g_assert_cmpint(M->new(f->event, &s, &hooks, h, &h->c, &error), ==, 0);
        g_assert_no_error(error);
        if (wait)
                WAIT_FOR(f, h->granted > 0);
        return h;
}

static Host *host_start(Fixture *f, int i, const char *name) {
        return host_start_with(f, i, name, 10, 0, true);
}

static ClusterAnswer ask(Fixture *f, Host *h, uint64_t job) {
        g_clear_pointer(&f->reason, g_free);
        return M->answer(h->c, job, RES, 2, &f->reason);
}

static bool placed(Fixture *f, Host *h, uint64_t job) {
        ClusterAnswer a = ask(f, h, job);

        return a == CLUSTER_ADMITTED ||
               (a == CLUSTER_WAITING && !g_str_equal(f->reason, "requesting a fleet slot"));
}

/* A job asks in dispatch; the post step flushes; wait until etcd placed it. */
static ClusterAnswer request(Fixture *f, Host *h, uint64_t job) {
        ClusterAnswer a = ask(f, h, job);

        g_assert_cmpint(a, ==, CLUSTER_WAITING);
        g_assert_cmpstr(f->reason, ==, "requesting a fleet slot");
        M->flush(h->c);
        WAIT_FOR(f, placed(f, h, job));
        return ask(f, h, job);
}

static void release(Fixture *f, Host *h, uint64_t job) {
        M->release(h->c, job, RES);
        M->flush(h->c);
}

/* ---- the test's own view of etcd ---- */

typedef struct Got {
        bool done;
        GError *error;
        GPtrArray *keys;          /* char* */
        GArray *create_revisions; /* int64_t */
        int64_t revision;
} Got;

static void got_clear(Got *g) {
        g_clear_error(&g->error);
        g_clear_pointer(&g->keys, g_ptr_array_unref);
        g_clear_pointer(&g->create_revisions, g_array_unref);
        memset(g, 0, sizeof(*g));
}

static void on_got(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        Got *g = userdata;

        got_clear(g);
        g->done = true;
        if (error) {
                g->error = g_error_copy(error);
                return;
        }
        g->revision = reply->header.revision;
        g->keys = g_ptr_array_new_with_free_func(g_free);
        g->create_revisions = g_array_new(FALSE, FALSE, sizeof(int64_t));
        for (guint i = 0; reply->kvs && i < reply->kvs->len; i++) {
                EtcdKeyValue *kv = g_ptr_array_index(reply->kvs, i);

                g_ptr_array_add(g->keys, g_strdup(kv->key));
                g_array_append_val(g->create_revisions, kv->create_revision);
        }
}

/* The keys under @prefix by create revision, as "key" lines; *ret_revs their revisions. */
static char *keys_of(Fixture *f, const char *prefix, GArray **ret_revs, int64_t *ret_revision) {
        Got g = { 0 };
        GString *s = g_string_new(NULL);

        g_assert_cmpint(etcd_client_range_prefix(f->client, prefix, on_got, &g), ==, 0);
        WAIT_FOR(f, g.done);
        g_assert_no_error(g.error);
        for (guint i = 0; i < g.keys->len; i++)
                g_string_append_printf(s, "%s\n", (char *) g_ptr_array_index(g.keys, i));
        if (ret_revs)
                *ret_revs = g_array_ref(g.create_revisions);
        if (ret_revision)
                *ret_revision = g.revision;
        got_clear(&g);
        return g_string_free(s, FALSE);
}

static bool keys_are(Fixture *f, const char *expected) {
        g_autofree char *k = keys_of(f, RES_PREFIX, NULL, NULL);

        return g_str_equal(k, expected);
}

/* "host/job host/job" of the holders as resources() shows them, then "+N" waiting. */
static char *view_of(Host *h) {
        bool up = false;
        g_autoptr(GPtrArray) views = M->resources(h->c, &up);
        GString *s = g_string_new(NULL);

        for (guint i = 0; i < views->len; i++) {
                ClusterResourceView *v = g_ptr_array_index(views, i);

                g_string_append_printf(s, "%s limit %u:", v->resource, v->limit);
                for (guint j = 0; j < v->holders->len; j++) {
                        ClusterHolder *ho = &g_array_index(v->holders, ClusterHolder, j);

                        g_assert_cmpuint(ho->since_usec, >, 0);
                        g_string_append_printf(s, " %s/%" G_GUINT64_FORMAT, ho->host, ho->job_id);
                }
                g_string_append_printf(s, " +%u", v->waiting);
        }
        g_string_append(s, up ? " up" : " down");
        return g_string_free(s, FALSE);
}

/* ---- fixture ---- */

static void fixture_setup_with(Fixture *f, bool tls) {
        const char *endpoints[] = { NULL, NULL };
        EtcdClientConfig config = { 0 };
        g_autofree char *ca = NULL, *cert = NULL, *key = NULL;
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(sd_event_new(&f->event), >=, 0);
        f->server = tls ? etcd_server_start_tls() : etcd_server_start();
        endpoints[0] = f->server->client_url;
        config.endpoints = (char **) endpoints;
        if (tls) {
                config.ca_file = ca = etcd_server_file(f->server, "ca.pem");
                config.cert_file = cert = etcd_server_file(f->server, "client.pem");
                config.key_file = key = etcd_server_file(f->server, "client.key");
        }
        g_assert_cmpint(etcd_client_new(f->event, &config, &f->client, &error), ==, 0);
}

static void fixture_setup(Fixture *f, gconstpointer data) {
        fixture_setup_with(f, false);
}

static void fixture_setup_tls(Fixture *f, gconstpointer data) {
        fixture_setup_with(f, true);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        for (size_t i = 0; i < G_N_ELEMENTS(f->hosts); i++)
                host_clear(&f->hosts[i]);
        g_free(f->reason);
        etcd_client_free(f->client);
        etcd_server_free(f->server);
        sd_event_unref(f->event);
}

/* ---- the cases ---- */

/* Three hosts, MaxRunning 2: places in request order whatever the host; a release admits the next. */
static void test_fleet_order(Fixture *f, gconstpointer data) {
        Host *a = host_start(f, 0, "a"), *b = host_start(f, 1, "b"), *c = host_start(f, 2, "c");
        g_autofree char *view = NULL;
        unsigned changed;

        g_assert_cmpint(request(f, c, 11), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, a, 12), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, b, 13), ==, CLUSTER_WAITING);
        g_assert_cmpstr(f->reason, ==, "2 of 2 running in the fleet, position 1 in the fleet queue");
        g_assert_cmpint(request(f, a, 14), ==, CLUSTER_WAITING);
        g_assert_cmpstr(f->reason, ==, "2 of 2 running in the fleet, position 2 in the fleet queue");
        g_assert_cmpint(request(f, c, 15), ==, CLUSTER_WAITING);
        g_assert_cmpstr(f->reason, ==, "2 of 2 running in the fleet, position 3 in the fleet queue");
        /* Every host sees the same fleet once its copy caught up. */
        WAIT_FOR(f, (g_free(view), view = view_of(b), g_str_equal(view, RES " limit 2: c/11 a/12 +3 up")));

        /* c's job 11 ends: b's 13 is next (by revision, not by host), and b is told. */
        changed = b->changed;
        release(f, c, 11);
        WAIT_FOR(f, ask(f, b, 13) == CLUSTER_ADMITTED);
        /* The answer changed: sluiced is told (changed() runs from the module's own event source). */
        WAIT_FOR(f, b->changed > changed);
        /* a sees it when its watch made it read the prefix again. */
        WAIT_FOR(f, ask(f, a, 14) == CLUSTER_WAITING &&
                    g_str_equal(f->reason, "2 of 2 running in the fleet, position 1 in the fleet queue"));
        /* A waiter cancelled (c's 15) leaves the queue; a's 14 is next when 12 ends. */
        release(f, c, 15);
        release(f, a, 12);
        WAIT_FOR(f, ask(f, a, 14) == CLUSTER_ADMITTED);
        WAIT_FOR(f, keys_are(f, RES_PREFIX "b/13\n" RES_PREFIX "a/14\n"));
        /* The hosts publish their limits. */
        g_assert_cmpint(c->granted, ==, 1);
        g_assert_cmpuint(a->lost + b->lost + c->lost, ==, 0);
}

/* A host whose lease is revoked (it died, as etcd sees it) frees its slots for the others. */
static void test_revoked_lease_frees_slots(Fixture *f, gconstpointer data) {
        Host *a = host_start(f, 0, "a"), *b = host_start(f, 1, "b");
        Got g = { 0 };

        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, a, 2), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, b, 3), ==, CLUSTER_WAITING);
        g_assert_cmpint(etcd_client_lease_revoke(f->client, a->lease, on_got, &g), ==, 0);
        WAIT_FOR(f, g.done);
        g_assert_no_error(g.error);
        got_clear(&g);
        WAIT_FOR(f, ask(f, b, 3) == CLUSTER_ADMITTED);
        /* a learns it at its next renewal: lease_lost, a new lease, its running jobs' keys again (at the end). */
        WAIT_FOR(f, a->lost == 1 && a->granted == 2);
        g_assert_nonnull(strstr(a->lost_why, "not found"));
        WAIT_FOR(f, keys_are(f, RES_PREFIX "b/3\n" RES_PREFIX "a/1\n" RES_PREFIX "a/2\n"));
        /* Its jobs run on (OnLeaseLost= is sluiced's business): still admitted here. */
        g_assert_cmpint(ask(f, a, 1), ==, CLUSTER_ADMITTED);
}

/* sluiced restarted within the TTL: the stored lease is kept, the same keys (same places) taken back. */
static void test_recover_same_lease(Fixture *f, gconstpointer data) {
        Host *a = host_start(f, 0, "a"), *b = host_start(f, 1, "b");
        g_autoptr(GArray) before = NULL, after = NULL;
        g_autofree char *k1 = NULL, *k2 = NULL;
        int64_t lease;
        ClusterRecoverJob jobs[] = {
                { .job_id = 2, .resource = RES, .limit = 2, .running = true },
                { .job_id = 1, .resource = RES, .limit = 2, .running = true },
                { .job_id = 4, .resource = RES, .limit = 2, .running = false },
                /* queued, never past its local limits: it had no key and gets none */
                { .job_id = 6, .resource = RES, .limit = 2, .running = false },
        };

        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, a, 2), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, b, 3), ==, CLUSTER_WAITING);
        g_assert_cmpint(request(f, a, 4), ==, CLUSTER_WAITING);
        g_assert_cmpint(request(f, a, 5), ==, CLUSTER_WAITING); /* ends in the crash, its release lost */
        k1 = keys_of(f, RES_PREFIX, &before, NULL);
        lease = a->lease;

        /* "Crash": the module goes away without a word to etcd (no release, no revoke). */
        host_stop(a);
        a = host_start_with(f, 0, "a", 10, lease, false);
        M->recover(a->c, jobs, G_N_ELEMENTS(jobs));
        g_assert_cmpint(ask(f, a, 9), ==, CLUSTER_UNAVAILABLE);
        g_assert_cmpstr(f->reason, ==, "recovering");
        WAIT_FOR(f, ask(f, a, 9) != CLUSTER_UNAVAILABLE);
        M->release(a->c, 9, RES); /* (the probe's want: never sent) */
        g_assert_cmpint(a->granted, ==, 1);
        g_assert_cmpint(a->lease, ==, lease);
        g_assert_cmpuint(a->lost, ==, 0);
        g_assert_cmpint(ask(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(ask(f, a, 2), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(ask(f, a, 4), ==, CLUSTER_WAITING);
        g_assert_cmpstr(f->reason, ==, "2 of 2 running in the fleet, position 2 in the fleet queue");
        /* Same keys, same create revisions; job 5's stale key deleted; b's 3 not admitted twice over. */
        WAIT_FOR(f, keys_are(f, RES_PREFIX "a/1\n" RES_PREFIX "a/2\n" RES_PREFIX "b/3\n" RES_PREFIX "a/4\n"));
        k2 = keys_of(f, RES_PREFIX, &after, NULL);
        for (guint i = 0; i < after->len; i++)
                g_assert_cmpint(g_array_index(after, int64_t, i), ==, g_array_index(before, int64_t, i));
        g_assert_cmpint(ask(f, b, 3), ==, CLUSTER_WAITING);
        g_assert_nonnull(strstr(a->log, "/a/5 is no job's any more"));
        /* Job 6 asks when dispatch gets to it: at the end. */
        g_assert_cmpint(request(f, a, 6), ==, CLUSTER_WAITING);
        g_assert_cmpstr(f->reason, ==, "2 of 2 running in the fleet, position 3 in the fleet queue");
}

/* sluiced down longer than the TTL: a new lease, keys anew at the end; lease_lost says so. */
static void test_recover_expired_lease(Fixture *f, gconstpointer data) {
        Host *a = host_start_with(f, 0, "a", 2, 0, true), *b = host_start(f, 1, "b");
        int64_t lease;
        ClusterRecoverJob jobs[] = {
                { .job_id = 1, .resource = RES, .limit = 2, .running = true },
        };

        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, b, 2), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, b, 3), ==, CLUSTER_WAITING);
        lease = a->lease;
        host_stop(a);
        /* etcd expires a's lease: b's 3 moves up. */
        WAIT_FOR(f, ask(f, b, 3) == CLUSTER_ADMITTED);
        a = host_start_with(f, 0, "a", 2, lease, false);
        M->recover(a->c, jobs, G_N_ELEMENTS(jobs));
        WAIT_FOR(f, ask(f, a, 9) != CLUSTER_UNAVAILABLE);
        g_assert_cmpuint(a->lost, ==, 1);
        g_assert_cmpint(a->granted, ==, 1);
        g_assert_cmpint(a->lease, !=, lease);
        /* Running, so admitted here; its key is new, behind b's: it runs without a fleet slot. */
        g_assert_cmpint(ask(f, a, 1), ==, CLUSTER_ADMITTED);
        WAIT_FOR(f, keys_are(f, RES_PREFIX "b/2\n" RES_PREFIX "b/3\n" RES_PREFIX "a/1\n"));
}

/* Two sluiced with one HostName: the second refuses cluster scope, in words. */
static void test_duplicate_host(Fixture *f, gconstpointer data) {
        Host *a = host_start(f, 0, "a"), *a2 = host_start(f, 1, "a");
        int64_t lease;
        Got g = { 0 };

        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
        WAIT_FOR(f, ask(f, a2, 2) == CLUSTER_UNAVAILABLE);
        g_assert_nonnull(strstr(f->reason, "host name \"a\" is already used by another sluiced"));
        g_assert_nonnull(strstr(f->reason, "/sluice/v1/hosts/a"));
        M->flush(a2->c);
        /* Nothing of the second one reached etcd; the first goes on. */
        g_assert_true(keys_are(f, RES_PREFIX "a/1\n"));
        g_assert_cmpint(ask(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(ask(f, a2, 2), ==, CLUSTER_UNAVAILABLE);

        /* The first one goes away for good (its lease ends): the second takes the name and goes on. */
        lease = a->lease;
        host_stop(a);
        g_assert_cmpint(etcd_client_lease_revoke(f->client, lease, on_got, &g), ==, 0);
        WAIT_FOR(f, g.done);
        g_assert_no_error(g.error);
        got_clear(&g);
        WAIT_FOR(f, ask(f, a2, 2) != CLUSTER_UNAVAILABLE);
        M->flush(a2->c);
        WAIT_FOR(f, ask(f, a2, 2) == CLUSTER_ADMITTED);
        g_assert_nonnull(strstr(a2->log, "cluster scope goes on"));
}

/* etcd SIGKILLed: waiting jobs say so, naming the endpoint; etcd back: they go on. */
static void test_etcd_killed(Fixture *f, gconstpointer data) {
        Host *a = host_start(f, 0, "a"), *b = host_start(f, 1, "b");
        g_autofree char *view = NULL;
        int64_t lease;
        ClusterRecoverJob jobs[] = {
                { .job_id = 1, .resource = RES, .limit = 2, .running = true },
                { .job_id = 2, .resource = RES, .limit = 2, .running = true },
        };

        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, a, 2), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, b, 3), ==, CLUSTER_WAITING);
        etcd_server_kill(f->server);
        WAIT_FOR(f, ask(f, b, 3) == CLUSTER_UNAVAILABLE);
        g_assert_true(g_str_has_prefix(f->reason, "etcd unreachable ("));
        g_assert_nonnull(strstr(f->reason, f->server->client_url));
        g_assert_true(g_str_has_suffix(f->reason, "): waiting"));
        view = view_of(b);
        g_assert_true(g_str_has_suffix(view, " down"));
        /* Admitted stays admitted (a position never grows). */
        g_assert_cmpint(ask(f, a, 1), ==, CLUSTER_ADMITTED);

        /* a restarts meanwhile: while etcd is away its answers say so (not just "recovering"). */
        lease = a->lease;
        host_stop(a);
        a = host_start_with(f, 0, "a", 10, lease, false);
        M->recover(a->c, jobs, G_N_ELEMENTS(jobs));
        WAIT_FOR(f, ask(f, a, 9) == CLUSTER_UNAVAILABLE && g_str_has_prefix(f->reason, "etcd unreachable ("));

        etcd_server_restart(f->server);
        WAIT_FOR(f, ask(f, b, 3) == CLUSTER_WAITING);
        /* The stored lease outlived etcd's restart: the same keys, nothing admitted twice. */
        WAIT_FOR(f, ask(f, a, 9) != CLUSTER_UNAVAILABLE);
        M->release(a->c, 9, RES); /* (the probe's want: never sent) */
        g_assert_cmpint(a->lease, ==, lease);
        g_assert_cmpint(ask(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_true(keys_are(f, RES_PREFIX "a/1\n" RES_PREFIX "a/2\n" RES_PREFIX "b/3\n"));
        release(f, a, 1);
        WAIT_FOR(f, ask(f, b, 3) == CLUSTER_ADMITTED);
        g_assert_cmpuint(a->lost + b->lost, ==, 0);
}

/* Revisions compacted while b watches: b still sees the release (re-range if etcd cancels the watch). */
static void test_compaction(Fixture *f, gconstpointer data) {
        Host *a = host_start(f, 0, "a"), *b = host_start(f, 1, "b");
        g_autofree char *body = NULL, *k = NULL;
        int64_t revision;
        Got g = { 0 };

        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, a, 2), ==, CLUSTER_ADMITTED);
        g_assert_cmpint(request(f, b, 3), ==, CLUSTER_WAITING);
        g_assert_cmpint(request(f, b, 4), ==, CLUSTER_WAITING);
        release(f, a, 1);
        WAIT_FOR(f, ask(f, b, 3) == CLUSTER_ADMITTED);
        k = keys_of(f, RES_PREFIX, NULL, &revision);
        body = g_strdup_printf("{\"revision\":\"%" G_GINT64_FORMAT "\",\"physical\":true}", revision);
        g_assert_cmpint(etcd_client_call(f->client, "/v3/kv/compaction", body, on_got, &g), ==, 0);
        WAIT_FOR(f, g.done);
        g_assert_no_error(g.error);
        got_clear(&g);
        release(f, a, 2);
        WAIT_FOR(f, ask(f, b, 4) == CLUSTER_ADMITTED);
        WAIT_FOR(f, keys_are(f, RES_PREFIX "b/3\n" RES_PREFIX "b/4\n"));
}

/* TLS with a client certificate: the settings reach the client. */
static void test_tls(Fixture *f, gconstpointer data) {
        Host *a = host_start(f, 0, "a");

        g_assert_true(g_str_has_prefix(f->server->client_url, "https://"));
        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
}

static void admin(Fixture *f, const char *path, const char *body) {
        Got g = { 0 };

        g_assert_cmpint(etcd_client_call(f->client, path, body, on_got, &g), ==, 0);
        WAIT_FOR(f, g.done);
        g_assert_no_error(g.error);
        got_clear(&g);
}

/* etcd with auth on: User=/password reach the client; a wrong password is said in the reason. */
static void test_auth(Fixture *f, gconstpointer data) {
        Host *a;

        admin(f, "/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"s3cret\"}");
        admin(f, "/v3/auth/role/add", "{\"name\":\"root\"}");
        admin(f, "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}");
        admin(f, "/v3/auth/enable", "{}");

        f->user = "root";
        f->password = "wrong";
        a = host_start_with(f, 1, "b", 10, 0, false);
        WAIT_FOR(f, ask(f, a, 2) == CLUSTER_UNAVAILABLE);
        g_assert_nonnull(strstr(f->reason, "authenticating as \"root\""));
        g_assert_nonnull(strstr(f->reason, "authentication failed"));

        f->password = "s3cret";
        a = host_start(f, 0, "a");
        g_assert_cmpint(request(f, a, 1), ==, CLUSTER_ADMITTED);
}

/*
 * A German sluiced: the module's reasons come from po/de.po.  This process
 * never binds the domain itself: the module does, as sluiced would
 * ($SLUICE_LOCALEDIR: the build tree's catalogs; LANGUAGE is honoured in C.UTF-8).
 */
static void test_german(Fixture *f, gconstpointer data) {
        Host *a;

        g_setenv("LANGUAGE", "de", TRUE);
        g_assert_nonnull(setlocale(LC_ALL, "C.UTF-8"));
        a = host_start(f, 0, "a");
        g_assert_cmpint(ask(f, a, 1), ==, CLUSTER_WAITING);
        g_assert_cmpstr(f->reason, ==, "fordert einen Platz in der Flotte an");
        M->flush(a->c);
        WAIT_FOR(f, ask(f, a, 1) == CLUSTER_ADMITTED);
        (void) ask(f, a, 2);
        (void) ask(f, a, 3);
        M->flush(a->c);
        WAIT_FOR(f, ask(f, a, 3) == CLUSTER_WAITING &&
                    g_str_equal(f->reason, "2 von 2 laufen in der Flotte, Platz 1 in der Warteschlange der Flotte"));
        g_unsetenv("LANGUAGE");
        (void) setlocale(LC_ALL, "C");
}

/* Bad settings: refused by new() with the key named. */
static void test_bad_settings(void) {
        const char *endpoints[] = { "ftp://x", NULL };
        ClusterSettings s = {
                .endpoints = endpoints, .host_name = "a", .prefix = "/sluice", .lease_ttl_sec = 10,
        };
        sd_event *event = NULL;
        g_autoptr(GError) error = NULL;
        Cluster *c = NULL;

        g_assert_cmpint(sd_event_new(&event), >=, 0);
        g_assert_cmpint(M->new(event, &s, &hooks, NULL, &c, &error), <, 0);
        g_assert_nonnull(strstr(error->message, "etcd endpoint \"ftp://x\""));
        g_clear_error(&error);
        endpoints[0] = "http://127.0.0.1:1";
        s.host_name = "a/b";
        g_assert_cmpint(M->new(event, &s, &hooks, NULL, &c, &error), <, 0);
        g_assert_nonnull(strstr(error->message, "HostName=\"a/b\""));
        g_clear_error(&error);
        s.host_name = "a";
        s.prefix = "sluice";
        g_assert_cmpint(M->new(event, &s, &hooks, NULL, &c, &error), <, 0);
        g_assert_nonnull(strstr(error->message, "Prefix=\"sluice\""));
        g_clear_error(&error);
        s.prefix = "/sluice";
        s.lease_ttl_sec = 1;
        g_assert_cmpint(M->new(event, &s, &hooks, NULL, &c, &error), <, 0);
        g_assert_nonnull(strstr(error->message, "LeaseTTLSec=1"));
        g_assert_null(c);
        sd_event_unref(event);
}

int main(int argc, char *argv[]) {
        const char *path = g_getenv("SLUICE_CLUSTER_MODULE");
        void *dl;

        g_test_init(&argc, &argv, NULL);
        g_assert_nonnull(path);
        dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!dl)
                g_error("dlopen %s: %s", path, dlerror());
        M = dlsym(dl, SLUICE_CLUSTER_MODULE_SYMBOL);
        g_assert_nonnull(M);
        g_assert_cmpuint(M->abi, ==, SLUICE_CLUSTER_MODULE_ABI);
        /* Only the one symbol: the etcd client inside stays private. */
        g_assert_null(dlsym(dl, "etcd_client_new"));
        g_assert_null(dlsym(dl, "cluster_resource_new"));

        g_test_add_func("/cluster-module/bad-settings", test_bad_settings);
        if (!etcd_harness_binary())
                return g_test_run();
#define ADD(name, fn) g_test_add("/cluster-module/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("fleet-order", test_fleet_order);
        ADD("revoked-lease-frees-slots", test_revoked_lease_frees_slots);
        ADD("recover-same-lease", test_recover_same_lease);
        ADD("recover-expired-lease", test_recover_expired_lease);
        ADD("duplicate-host", test_duplicate_host);
        ADD("etcd-killed", test_etcd_killed);
        ADD("compaction", test_compaction);
        ADD("auth", test_auth);
        ADD("german", test_german);
        g_test_add("/cluster-module/tls", Fixture, NULL, fixture_setup_tls, test_tls, fixture_teardown);
        return g_test_run();
}

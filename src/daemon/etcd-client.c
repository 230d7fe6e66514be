/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The etcd v3 client (etcd-client.h): calls over the JSON gateway with
 * endpoint fail-over and auth, the lease keeper, watches.
 *
 * A call goes to the endpoint that answered last; when that one cannot be
 * reached (a transport error, or etcd's Unavailable: no leader, a member
 * being stopped) the same call goes to the next, until each was tried once;
 * then it fails with ETCD_ERROR_UNREACHABLE naming every endpoint and its
 * error.  With a user, every call carries the token of
 * /v3/auth/authenticate; calls made while it is being fetched wait for it, and
 * an expired token ("invalid auth token") is fetched again once per call.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "etcd-client.h"
#include "etcd-http.h"
#include "macro.h"

typedef struct EtcdCall EtcdCall;

struct EtcdClient {
        sd_event *event;
        EtcdHttp *http;
        char **endpoints;
        guint n_endpoints;
        guint current; /* the endpoint that answered last */
        char *ca_file, *cert_file, *key_file, *user, *password;
        uint64_t request_timeout_usec, connect_timeout_usec;
        size_t max_reply;
        char *token;
        EtcdCall *auth_call;
        GPtrArray *calls; /* every live EtcdCall, owned */
};

struct EtcdCall {
        EtcdClient *client;
        char *path;
        char *body;
        EtcdReplyFn cb;
        void *userdata;
        bool stream;
        bool is_auth;
        bool auth_retried;
        bool waiting_token;
        bool got_line; /* a stream that answered: no fail-over any more */
        bool ended;
        guint endpoint;
        guint n_tried;
        GString *failures;
        EtcdHttpRequest *req;
};

static void call_free(gpointer p) {
        EtcdCall *call = p;

        etcd_http_request_cancel(call->req);
        g_free(call->path);
        g_free(call->body);
        g_string_free(call->failures, TRUE);
        g_free(call);
}

/* Forget the call (no callback); frees it. */
static void call_drop(EtcdCall *call) {
        EtcdClient *c = call->client;

        if (c->auth_call == call)
                c->auth_call = NULL;
        g_ptr_array_remove_fast(c->calls, call);
}

/* Answer the call once and free it. */
static void call_complete(EtcdCall *call, const EtcdReply *reply, const GError *error) {
        EtcdReplyFn cb = call->cb;
        void *userdata = call->userdata;
        EtcdClient *c = call->client;

        call->req = NULL; /* the HTTP request is over (its done callback runs) */
        call_drop(call);
        if (cb)
                cb(c, reply, error, userdata);
}

static void call_send(EtcdCall *call);
static void auth_start(EtcdClient *c);

static void call_fail(EtcdCall *call, int code, const char *format, ...) G_GNUC_PRINTF(3, 4);
static void call_fail(EtcdCall *call, int code, const char *format, ...) {
        g_autoptr(GError) error = NULL;
        g_autofree char *message = NULL;
        va_list ap;

        va_start(ap, format);
        message = g_strdup_vprintf(format, ap);
        va_end(ap);
        error = g_error_new_literal(ETCD_ERROR, code, message);
        call_complete(call, NULL, error);
}

/* This endpoint did not do: note why, and go on with the next one or give up. */
static void call_next_endpoint(EtcdCall *call, const char *why) {
        EtcdClient *c = call->client;

        call->req = NULL;
        if (call->failures->len > 0)
                g_string_append(call->failures, "; ");
        g_string_append(call->failures, why);
        call->n_tried++;
        if (call->n_tried >= c->n_endpoints) {
                call_fail(call, ETCD_ERROR_UNREACHABLE, "etcd unreachable: %s", call->failures->str);
                return;
        }
        call->endpoint = (call->endpoint + 1) % c->n_endpoints;
        call_send(call);
}

static bool error_is_bad_token(const GError *e) {
        return e->code == ETCD_ERROR_GRPC_UNAUTHENTICATED ||
               strstr(e->message, "invalid auth token") != NULL;
}

/* One reply (a whole body, or one line of a stream); true when the call ended. */
static bool call_handle_reply(EtcdCall *call, const char *data, size_t len, long status) {
        EtcdClient *c = call->client;
        g_autoptr(EtcdReply) reply = NULL;
        g_autoptr(GError) error = NULL;
        const char *url = c->endpoints[call->endpoint];

        if (etcd_reply_parse(data, len, &reply, &error) < 0) {
                if (error->code == ETCD_ERROR_GRPC_UNAVAILABLE && !call->got_line) {
                        g_autofree char *why = g_strdup_printf("%s: %s", url, error->message);

                        call_next_endpoint(call, why);
                        return true;
                }
                if (c->user && !call->is_auth && !call->auth_retried && error_is_bad_token(error)) {
                        call->auth_retried = true;
                        g_clear_pointer(&c->token, g_free);
                        call->req = NULL;
                        call_send(call);
                        return true;
                }
                g_prefix_error(&error, "%s: ", url);
                call_complete(call, NULL, error);
                return true;
        }
        if (status != 200 && status != 0) {
                call_fail(call, ETCD_ERROR_HTTP, "%s%s: HTTP status %ld", url, call->path, status);
                return true;
        }
        c->current = call->endpoint;
        if (call->stream) {
                call->got_line = true;
                if (reply->canceled) {
                        if (reply->compact_revision > 0)
                                call_fail(call, ETCD_ERROR_COMPACTED,
                                          "%s: watch cancelled: revisions up to %" G_GINT64_FORMAT " were compacted",
                                          url, reply->compact_revision);
                        else
                                call_fail(call, ETCD_ERROR_WATCH_ENDED, "%s: watch cancelled by etcd: %s",
                                          url, reply->cancel_reason ?: "no reason given");
                        return true;
                }
                if (call->cb)
                        call->cb(c, reply, NULL, call->userdata);
                return false;
        }
        call_complete(call, reply, NULL);
        return true;
}

static void on_line(EtcdHttpRequest *req, const char *line, size_t len, void *userdata) {
        EtcdCall *call = userdata;

        if (call_handle_reply(call, line, len, 0))
                etcd_http_request_cancel(req); /* the call is gone: no more lines */
}

static void on_done(EtcdHttpRequest *req, int err, long status, const char *body, size_t len,
                    const char *message, void *userdata) {
        EtcdCall *call = userdata;
        const char *url = call->client->endpoints[call->endpoint];

        call->req = NULL;
        if (err == -EMSGSIZE) {
                call_fail(call, ETCD_ERROR_TOO_LARGE, "%s", message);
                return;
        }
        if (err < 0 && !call->got_line) {
                call_next_endpoint(call, message);
                return;
        }
        if (call->stream) {
                if (len > 0 && call_handle_reply(call, body, len, status))
                        return;
                call_fail(call, ETCD_ERROR_WATCH_ENDED, "%s%s: watch stream ended: %s",
                          url, call->path, message ?: "closed by etcd");
                return;
        }
        call_handle_reply(call, body, len, status);
}

static void call_send(EtcdCall *call) {
        EtcdClient *c = call->client;
        g_autofree char *url = NULL;
        EtcdHttpOptions o = {
                .ca_file = c->ca_file,
                .cert_file = c->cert_file,
                .key_file = c->key_file,
                .auth_token = call->is_auth ? NULL : c->token,
                .timeout_usec = call->stream ? 0 : c->request_timeout_usec,
                .connect_timeout_usec = c->connect_timeout_usec,
                .max_reply = c->max_reply,
                .stream = call->stream,
        };
        int r;

        if (c->user && !call->is_auth && !c->token) {
                call->waiting_token = true;
                auth_start(c);
                return;
        }
        call->waiting_token = false;
        url = g_strconcat(c->endpoints[call->endpoint], call->path, NULL);
        r = etcd_http_post(c->http, url, call->body, &o, call->stream ? on_line : NULL, on_done, call, &call->req);
        if (r < 0) {
                g_autofree char *why = g_strdup_printf("%s: cannot start the request: %s", url, g_strerror(-r));

                call_next_endpoint(call, why);
        }
}

static EtcdCall *call_new(EtcdClient *c, const char *path, char *body, bool stream, EtcdReplyFn cb,
                          void *userdata) {
        EtcdCall *call = g_new0(EtcdCall, 1);

        call->client = c;
        call->path = g_strdup(path);
        call->body = body;
        call->stream = stream;
        call->cb = cb;
        call->userdata = userdata;
        call->endpoint = c->current;
        call->failures = g_string_new(NULL);
        g_ptr_array_add(c->calls, call);
        return call;
}

static bool token_ok(const char *t) {
        if (!t || !t[0] || strlen(t) > 4096)
                return false;
        for (const char *p = t; *p; p++)
                if (*p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

static void on_auth(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        g_autoptr(GPtrArray) waiting = g_ptr_array_new();

        for (guint i = 0; i < c->calls->len; i++) {
                EtcdCall *call = g_ptr_array_index(c->calls, i);

                if (call->waiting_token)
                        g_ptr_array_add(waiting, call);
        }
        if (!error && !token_ok(reply->token)) {
                /* It goes into a header line: no control characters, no blanks. */
                g_autoptr(GError) e = g_error_new(ETCD_ERROR, ETCD_ERROR_INVALID_REPLY,
                                                  "etcd: authenticate answered no usable token");

                for (guint i = 0; i < waiting->len; i++)
                        call_complete(g_ptr_array_index(waiting, i), NULL, e);
                return;
        }
        if (error) {
                g_autoptr(GError) e = g_error_new(error->domain, error->code, "authenticating as \"%s\": %s",
                                                  c->user, error->message);

                for (guint i = 0; i < waiting->len; i++)
                        call_complete(g_ptr_array_index(waiting, i), NULL, e);
                return;
        }
        g_free(c->token);
        c->token = g_strdup(reply->token);
        for (guint i = 0; i < waiting->len; i++)
                call_send(g_ptr_array_index(waiting, i));
}

static void auth_start(EtcdClient *c) {
        if (c->auth_call)
                return;
        c->auth_call = call_new(c, "/v3/auth/authenticate", etcd_body_authenticate(c->user, c->password),
                                false, on_auth, NULL);
        c->auth_call->is_auth = true;
        call_send(c->auth_call);
}

/* "http://host:port" or "https://…", a host, no blanks; a trailing "/" is dropped. */
static int endpoint_check(const char *e, char **ret, GError **error) {
        const char *host;
        size_t n;

        if (g_str_has_prefix(e, "http://"))
                host = e + strlen("http://");
        else if (g_str_has_prefix(e, "https://"))
                host = e + strlen("https://");
        else {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "etcd endpoint \"%s\": not an http:// or https:// URL", e);
                return -EINVAL;
        }
        n = strlen(e);
        while (n > 0 && e[n - 1] == '/')
                n--;
        if (host[0] == '\0' || host[0] == '/' || (size_t) (host - e) >= n) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "etcd endpoint \"%s\": no host", e);
                return -EINVAL;
        }
        for (const char *p = e; *p; p++)
                if (g_ascii_isspace(*p) || g_ascii_iscntrl(*p) || *p == '?' || *p == '#') {
                        g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                                    "etcd endpoint \"%s\": a blank, control character, '?' or '#'", e);
                        return -EINVAL;
                }
        if (strchr(host, '/') && strchr(host, '/') < e + n) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "etcd endpoint \"%s\": a path (give scheme://host:port only)", e);
                return -EINVAL;
        }
        *ret = g_strndup(e, n);
        return 0;
}

/**
 * etcd_client_new() - a client for one etcd cluster
 * @event: the event loop the calls run on
 * @config: endpoints, TLS files, auth, timeouts, bound (copied)
 * @ret: the client
 * @error: ETCD_ERROR_INVALID_ARGUMENT naming the bad endpoint or setting
 *
 * Nothing is sent yet: the first call connects.
 *
 * Return: 0 or a negative errno
 */
int etcd_client_new(sd_event *event, const EtcdClientConfig *config, EtcdClient **ret, GError **error) {
        g_autoptr(EtcdClient) c = g_new0(EtcdClient, 1);
        g_autoptr(GPtrArray) eps = g_ptr_array_new_with_free_func(g_free);
        int r;

        if (!config->endpoints || !config->endpoints[0]) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT, "etcd: no endpoint given");
                return -EINVAL;
        }
        for (size_t i = 0; config->endpoints[i]; i++) {
                char *e;

                r = endpoint_check(config->endpoints[i], &e, error);
                if (r < 0)
                        return r;
                g_ptr_array_add(eps, e);
        }
        if (!!config->user != !!config->password) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "etcd: a user needs a password and a password a user");
                return -EINVAL;
        }
        if (!!config->cert_file != !!config->key_file) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "etcd: a client certificate needs its key and a key its certificate");
                return -EINVAL;
        }
        c->calls = g_ptr_array_new_with_free_func(call_free);
        r = etcd_http_new(event, &c->http);
        if (r < 0) {
                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_ARGUMENT,
                            "etcd: cannot set up libcurl: %s", g_strerror(-r));
                return r;
        }
        c->event = sd_event_ref(event);
        c->n_endpoints = eps->len;
        g_ptr_array_add(eps, NULL);
        c->endpoints = (char **) g_ptr_array_free(g_steal_pointer(&eps), FALSE);
        c->ca_file = g_strdup(config->ca_file);
        c->cert_file = g_strdup(config->cert_file);
        c->key_file = g_strdup(config->key_file);
        c->user = g_strdup(config->user);
        c->password = g_strdup(config->password);
        c->request_timeout_usec = config->request_timeout_usec ?: ETCD_REQUEST_TIMEOUT_USEC_DEFAULT;
        c->connect_timeout_usec = config->connect_timeout_usec ?: ETCD_CONNECT_TIMEOUT_USEC_DEFAULT;
        c->max_reply = config->max_reply;
        *ret = g_steal_pointer(&c);
        return 0;
}

/**
 * etcd_client_free() - drop every call (no callbacks) and free
 * @c: the client, or NULL; its watches and lease keepers must be freed first
 *
 * Return: NULL
 */
EtcdClient *etcd_client_free(EtcdClient *c) {
        if (!c)
                return NULL;
        if (c->calls)
                g_ptr_array_unref(c->calls);
        etcd_http_free(c->http);
        if (c->event)
                sd_event_unref(c->event);
        g_strfreev(c->endpoints);
        g_free(c->ca_file);
        g_free(c->cert_file);
        g_free(c->key_file);
        g_free(c->user);
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        g_free(c->password);
        g_free(c->token);
        g_free(c);
        return NULL;
}

static EtcdCall *call_start(EtcdClient *c, const char *path, char *body, bool stream, EtcdReplyFn cb,
                            void *userdata) {
        EtcdCall *call = call_new(c, path, body, stream, cb, userdata);

        call_send(call);
        return call;
}

/**
 * etcd_client_call() - POST any gateway call and parse its reply
 * @c: the client
 * @path: e.g. "/v3/kv/txn"
 * @body: the JSON body (copied)
 * @cb: the answer
 * @userdata: for @cb
 *
 * Return: 0
 */
int etcd_client_call(EtcdClient *c, const char *path, const char *body, EtcdReplyFn cb, void *userdata) {
        call_start(c, path, g_strdup(body), false, cb, userdata);
        return 0;
}

int etcd_client_lease_grant(EtcdClient *c, int64_t ttl_sec, EtcdReplyFn cb, void *userdata) {
        if (ttl_sec <= 0)
                return -EINVAL;
        call_start(c, "/v3/lease/grant", etcd_body_lease_grant(ttl_sec), false, cb, userdata);
        return 0;
}

/* One renewal; a reply without a TTL means etcd no longer has the lease (the caller checks). */
int etcd_client_lease_keepalive(EtcdClient *c, int64_t lease_id, EtcdReplyFn cb, void *userdata) {
        call_start(c, "/v3/lease/keepalive", etcd_body_lease_id(lease_id), false, cb, userdata);
        return 0;
}

int etcd_client_lease_revoke(EtcdClient *c, int64_t lease_id, EtcdReplyFn cb, void *userdata) {
        call_start(c, "/v3/lease/revoke", etcd_body_lease_id(lease_id), false, cb, userdata);
        return 0;
}

/* Every key under @prefix, oldest create revision first. */
int etcd_client_range_prefix(EtcdClient *c, const char *prefix, EtcdReplyFn cb, void *userdata) {
        call_start(c, "/v3/kv/range", etcd_body_range_prefix(prefix, strlen(prefix)), false, cb, userdata);
        return 0;
}

/* reply->succeeded: put under @lease_id; else reply->kvs holds the key as it is. */
int etcd_client_put_if_absent(EtcdClient *c, const char *key, const char *value, int64_t lease_id,
                              EtcdReplyFn cb, void *userdata) {
        call_start(c, "/v3/kv/txn",
                   etcd_body_put_if_absent(key, strlen(key), value, strlen(value), lease_id),
                   false, cb, userdata);
        return 0;
}

/**
 * etcd_client_semaphore_request() - take (or find again) a place in a resource's queue
 * @c: the client
 * @prefix: the resource's prefix, ending in "/"
 * @key: the request key under @prefix (host and job)
 * @value: its value
 * @lease_id: the host's lease
 * @cb: the answer: reply->kvs is the prefix by create revision; etcd_semaphore_position() reads it
 * @userdata: for @cb
 *
 * One txn (docs/cluster.md, "Admission: one transaction").
 *
 * Return: 0, or -EINVAL when @key is not under @prefix
 */
int etcd_client_semaphore_request(EtcdClient *c, const char *prefix, const char *key, const char *value,
                                  int64_t lease_id, EtcdReplyFn cb, void *userdata) {
        if (!g_str_has_prefix(key, prefix) || strlen(key) == strlen(prefix))
                return -EINVAL;
        call_start(c, "/v3/kv/txn",
                   etcd_body_semaphore_request(key, strlen(key), value, strlen(value), lease_id,
                                               prefix, strlen(prefix)),
                   false, cb, userdata);
        return 0;
}

int etcd_client_delete(EtcdClient *c, const char *key, EtcdReplyFn cb, void *userdata) {
        call_start(c, "/v3/kv/deleterange", etcd_body_delete_key(key, strlen(key)), false, cb, userdata);
        return 0;
}

/* ---- watches ---- */

struct EtcdWatch {
        EtcdClient *client;
        EtcdCall *call;
        EtcdReplyFn cb;
        void *userdata;
};

static void on_watch(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        EtcdWatch *w = userdata;

        if (error)
                w->call = NULL; /* the call ended with this answer */
        w->cb(c, reply, error, w->userdata);
}

int etcd_client_watch(EtcdClient *c, const char *key, bool prefix, int64_t start_revision,
                      EtcdReplyFn cb, void *userdata, EtcdWatch **ret) {
        EtcdWatch *w = g_new0(EtcdWatch, 1);

        w->client = c;
        w->cb = cb;
        w->userdata = userdata;
        w->call = call_start(c, "/v3/watch", etcd_body_watch(key, strlen(key), prefix, start_revision),
                             true, on_watch, w);
        *ret = w;
        return 0;
}

EtcdWatch *etcd_watch_free(EtcdWatch *w) {
        if (!w)
                return NULL;
        if (w->call)
                call_drop(w->call);
        g_free(w);
        return NULL;
}

/* ---- the lease keeper ---- */

struct EtcdLeaseKeeper {
        EtcdClient *client;
        int64_t ttl_sec;
        EtcdLeaseFn cb;
        void *userdata;
        int64_t id;
        bool unreachable;
        bool adopted; /* renewing a lease it did not grant: a loss on the first reply grants at once */
        uint64_t n_renewals;
        uint64_t sent_at; /* CLOCK_BOOTTIME of the request in flight */
        EtcdCall *call;
        sd_event_source *tick;     /* the next grant or renewal */
        sd_event_source *deadline; /* CLOCK_BOOTTIME: the lease's end if not renewed */
};

static uint64_t keeper_interval(const EtcdLeaseKeeper *k) {
        return (uint64_t) k->ttl_sec * 1000000u / 3u;
}

static void keeper_arm_tick(EtcdLeaseKeeper *k) {
        uint64_t now;

        if (sd_event_now(k->client->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        (void) sd_event_source_set_time(k->tick, now + keeper_interval(k));
        (void) sd_event_source_set_enabled(k->tick, SD_EVENT_ONESHOT);
}

static void keeper_arm_deadline(EtcdLeaseKeeper *k, int64_t ttl) {
        (void) sd_event_source_set_time(k->deadline, k->sent_at + (uint64_t) ttl * 1000000u);
        (void) sd_event_source_set_enabled(k->deadline, SD_EVENT_ONESHOT);
}

static void keeper_unreachable(EtcdLeaseKeeper *k, const GError *error) {
        if (!k->unreachable) {
                k->unreachable = true;
                k->cb(k, ETCD_LEASE_UNREACHABLE, k->id, error, k->userdata);
        }
}

static void keeper_send(EtcdLeaseKeeper *k);

static void keeper_lost(EtcdLeaseKeeper *k, const GError *error) {
        int64_t id = k->id;
        bool adopted = k->adopted;

        k->id = 0;
        k->adopted = false;
        (void) sd_event_source_set_enabled(k->deadline, SD_EVENT_OFF);
        k->cb(k, ETCD_LEASE_LOST, id, error, k->userdata);
        if (adopted)
                keeper_send(k); /* the adopted lease was gone already: grant now, not a tick later */
}

static void on_keeper_reply(EtcdClient *c, const EtcdReply *reply, const GError *error, void *userdata) {
        EtcdLeaseKeeper *k = userdata;
        bool was_unreachable = k->unreachable;

        k->call = NULL;
        keeper_arm_tick(k);
        if (error) {
                if (error->code == ETCD_ERROR_GRPC_NOT_FOUND && k->id != 0) {
                        keeper_lost(k, error);
                        return;
                }
                keeper_unreachable(k, error);
                return;
        }
        k->unreachable = false;
        if (reply->ttl <= 0) {
                g_autoptr(GError) e = g_error_new(ETCD_ERROR, ETCD_ERROR_LEASE_NOT_FOUND,
                                                  "etcd: lease %" G_GINT64_FORMAT " not found (expired or revoked)",
                                                  k->id);
                if (k->id != 0)
                        keeper_lost(k, e);
                return;
        }
        keeper_arm_deadline(k, reply->ttl);
        k->adopted = false;
        if (k->id == 0) {
                k->id = reply->lease_id;
                k->cb(k, ETCD_LEASE_GRANTED, k->id, NULL, k->userdata);
                return;
        }
        k->n_renewals++;
        (void) was_unreachable;
        k->cb(k, ETCD_LEASE_RENEWED, k->id, NULL, k->userdata);
}

static void keeper_send(EtcdLeaseKeeper *k) {
        if (k->call)
                return;
        (void) sd_event_now(k->client->event, CLOCK_BOOTTIME, &k->sent_at);
        if (k->id == 0)
                k->call = call_start(k->client, "/v3/lease/grant", etcd_body_lease_grant(k->ttl_sec),
                                     false, on_keeper_reply, k);
        else
                k->call = call_start(k->client, "/v3/lease/keepalive", etcd_body_lease_id(k->id),
                                     false, on_keeper_reply, k);
}

static int on_keeper_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        keeper_send(userdata);
        return 0;
}

/*
 * CLOCK_BOOTTIME counts a suspend: a host that slept past its lease knows the
 * lease is gone.  (A VM paused by its hypervisor may not: docs/cluster.md.)
 */
static int on_keeper_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        EtcdLeaseKeeper *k = userdata;
        g_autoptr(GError) e = NULL;

        if (k->id == 0)
                return 0;
        e = g_error_new(ETCD_ERROR, ETCD_ERROR_LEASE_NOT_FOUND,
                        "etcd: lease %" G_GINT64_FORMAT " not renewed within its TTL of %" G_GINT64_FORMAT " s",
                        k->id, k->ttl_sec);
        keeper_lost(k, e);
        return 0;
}

/**
 * etcd_lease_keeper_adopt() - keep alive a lease granted before (sluiced's last run), or a new one
 * @c: the client
 * @ttl_sec: the lease's TTL; renewed every third of it
 * @lease_id: the lease to renew first; 0: grant one (as etcd_lease_keeper_new())
 * @cb: told of every grant, renewal, unreachable etcd and loss (not to free the keeper)
 * @userdata: for @cb
 * @ret: the keeper
 *
 * The first call is a keepalive of @lease_id: still alive, ETCD_LEASE_RENEWED
 * with that id; gone, ETCD_LEASE_LOST with it, then at once a grant
 * (ETCD_LEASE_GRANTED with the new id).  docs/cluster.md, "Restart".
 *
 * Return: 0 or a negative errno
 */
int etcd_lease_keeper_adopt(EtcdClient *c, int64_t ttl_sec, int64_t lease_id, EtcdLeaseFn cb, void *userdata,
                            EtcdLeaseKeeper **ret) {
        g_autoptr(EtcdLeaseKeeper) k = g_new0(EtcdLeaseKeeper, 1);
        int r;

        if (ttl_sec <= 0 || lease_id < 0)
                return -EINVAL;
        k->client = c;
        k->ttl_sec = ttl_sec;
        k->cb = cb;
        k->userdata = userdata;
        k->id = lease_id;
        k->adopted = lease_id != 0;
        r = sd_event_add_time(c->event, &k->tick, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_keeper_tick, k);
        if (r < 0)
                return r;
        r = sd_event_add_time(c->event, &k->deadline, CLOCK_BOOTTIME, UINT64_MAX, 1000, on_keeper_deadline, k);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(k->deadline, SD_EVENT_OFF);
        keeper_send(k);
        *ret = g_steal_pointer(&k);
        return 0;
}

/**
 * etcd_lease_keeper_new() - grant a lease and keep it alive
 * @c: the client
 * @ttl_sec: the lease's TTL; renewed every third of it
 * @cb: told of every grant, renewal, unreachable etcd and loss (not to free the keeper)
 * @userdata: for @cb
 * @ret: the keeper
 *
 * A lost lease is followed by a new grant (ETCD_LEASE_GRANTED with a new id):
 * the caller puts its keys again.
 *
 * Return: 0 or a negative errno
 */
int etcd_lease_keeper_new(EtcdClient *c, int64_t ttl_sec, EtcdLeaseFn cb, void *userdata,
                          EtcdLeaseKeeper **ret) {
        return etcd_lease_keeper_adopt(c, ttl_sec, 0, cb, userdata, ret);
}

/**
 * etcd_lease_keeper_free() - stop renewing (the lease is not revoked: etcd_client_lease_revoke())
 * @k: the keeper, or NULL
 *
 * Return: NULL
 */
EtcdLeaseKeeper *etcd_lease_keeper_free(EtcdLeaseKeeper *k) {
        if (!k)
                return NULL;
        if (k->call)
                call_drop(k->call);
        sd_event_source_disable_unref(k->tick);
        sd_event_source_disable_unref(k->deadline);
        g_free(k);
        return NULL;
}

int64_t etcd_lease_keeper_id(const EtcdLeaseKeeper *k) {
        return k->id;
}

uint64_t etcd_lease_keeper_n_renewals(const EtcdLeaseKeeper *k) {
        return k->n_renewals;
}

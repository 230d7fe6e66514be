/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcurl's multi interface on sd-event (etcd-http.h).
 *
 * CURLMOPT_SOCKETFUNCTION tells which sockets to watch for what: each gets an
 * sd_event_add_io() source, stored with curl_multi_assign(); CURLMOPT_TIMERFUNCTION
 * asks for a call after a delay: one CLOCK_MONOTONIC timer source.  Both end in
 * curl_multi_socket_action(), after which finished transfers are collected
 * (curl_multi_info_read()) and buffered lines handed out.
 *
 * Requests are reference counted so that a callback may cancel any request,
 * its own included, while the loop that called it still walks the list.
 */
#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "etcd-http.h"
#include "macro.h"

struct EtcdHttpRequest {
        unsigned n_ref;
        bool dead; /* cancelled or finished: no more callbacks */
        EtcdHttp *http;
        CURL *easy;
        struct curl_slist *headers;
        char *url;
        char *body;
        GString *buffer;
        size_t max_reply;
        bool stream;
        bool too_large;
        char errbuf[CURL_ERROR_SIZE];
        EtcdHttpLineFn line;
        EtcdHttpDoneFn done;
        void *userdata;
};

struct EtcdHttp {
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        GPtrArray *requests; /* EtcdHttpRequest*, one reference each */
};

static EtcdHttpRequest *request_ref(EtcdHttpRequest *r) {
        r->n_ref++;
        return r;
}

static void request_unref(EtcdHttpRequest *r) {
        if (!r || --r->n_ref > 0)
                return;
        if (r->easy)
                curl_easy_cleanup(r->easy);
        curl_slist_free_all(r->headers);
        g_free(r->url);
        g_free(r->body);
        g_string_free(r->buffer, TRUE);
        g_free(r);
}

static void request_unrefp(gpointer p) {
        request_unref(p);
}

/* Take the request out of the multi handle and the list; no callback after this. */
static void request_detach(EtcdHttpRequest *r) {
        if (r->dead)
                return;
        r->dead = true;
        if (r->easy)
                curl_multi_remove_handle(r->http->multi, r->easy);
        g_ptr_array_remove_fast(r->http->requests, r); /* drops the list's reference */
}

static int curl_to_errno(CURLcode c) {
        switch (c) {
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
                return -EPROTO;
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
                return -ECONNRESET;
        default:
                return -EIO;
        }
}

static void request_finish(EtcdHttpRequest *r, CURLcode code) {
        long status = 0;
        int error = 0;
        g_autofree char *message = NULL;

        if (r->dead)
                return;
        request_ref(r);
        if (r->too_large) {
                error = -EMSGSIZE;
                message = g_strdup_printf("POST %s: the reply is larger than %zu bytes", r->url, r->max_reply);
        } else if (code != CURLE_OK) {
                error = curl_to_errno(code);
                message = g_strdup_printf("POST %s: %s", r->url,
                                          r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
        } else
                (void) curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        request_detach(r);
        if (r->done)
                r->done(r, error, status, r->buffer->str, r->buffer->len, message, r->userdata);
        request_unref(r);
}

/* Hand out every complete line of every streaming request. */
static void deliver_lines(EtcdHttp *h) {
        g_autoptr(GPtrArray) snapshot = g_ptr_array_new_with_free_func(request_unrefp);

        for (guint i = 0; i < h->requests->len; i++) {
                EtcdHttpRequest *r = g_ptr_array_index(h->requests, i);

                if (r->stream && memchr(r->buffer->str, '\n', r->buffer->len))
                        g_ptr_array_add(snapshot, request_ref(r));
        }
        for (guint i = 0; i < snapshot->len; i++) {
                EtcdHttpRequest *r = g_ptr_array_index(snapshot, i);
                char *nl;

                while (!r->dead && (nl = memchr(r->buffer->str, '\n', r->buffer->len))) {
                        size_t n = (size_t) (nl - r->buffer->str);
                        g_autofree char *line = g_strndup(r->buffer->str, n);

                        g_string_erase(r->buffer, 0, (gssize) n + 1);
                        if (n > 0 && r->line)
                                r->line(r, line, n, r->userdata);
                }
        }
}

static void check_finished(EtcdHttp *h) {
        CURLMsg *msg;
        int left;

        deliver_lines(h);
        while ((msg = curl_multi_info_read(h->multi, &left))) {
                EtcdHttpRequest *r = NULL;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &r) != CURLE_OK || !r)
                        continue;
                request_finish(r, msg->data.result);
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        EtcdHttp *h = userdata;
        int action = 0, running;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        (void) curl_multi_socket_action(h->multi, fd, action, &running);
        check_finished(h);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        EtcdHttp *h = userdata;
        int running;

        (void) curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_finished(h);
        return 0;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        EtcdHttp *h = userp;
        sd_event_source *io = socketp;
        uint32_t events = 0;
        int r;

        if (what == CURL_POLL_REMOVE) {
                if (io) {
                        sd_event_source_disable_unref(io);
                        (void) curl_multi_assign(h->multi, fd, NULL);
                }
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;
        if (io) {
                r = sd_event_source_set_io_events(io, events);
                if (r < 0)
                        return -1;
                r = sd_event_source_set_enabled(io, SD_EVENT_ON);
                return r < 0 ? -1 : 0;
        }
        r = sd_event_add_io(h->event, &io, fd, events, on_io, h);
        if (r < 0)
                return -1;
        (void) sd_event_source_set_description(io, "etcd-http-io");
        if (curl_multi_assign(h->multi, fd, io) != CURLM_OK) {
                sd_event_source_disable_unref(io);
                return -1;
        }
        return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        EtcdHttp *h = userp;
        uint64_t now;
        int r;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(h->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        r = sd_event_now(h->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return -1;
        r = sd_event_source_set_time(h->timer, now + (uint64_t) timeout_ms * 1000u);
        if (r < 0)
                return -1;
        return sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
}

/**
 * etcd_http_new() - a multi handle on an event loop
 * @event: the loop
 * @ret: the new EtcdHttp
 *
 * Return: 0, -ENOMEM, or -EIO when libcurl cannot be set up
 */
int etcd_http_new(sd_event *event, EtcdHttp **ret) {
        g_autoptr(EtcdHttp) h = g_new0(EtcdHttp, 1);
        int r;

        /* Idempotent and reference counted inside libcurl >= 7.84; sluiced is one thread. */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -EIO;
        h->event = sd_event_ref(event);
        h->requests = g_ptr_array_new_with_free_func(request_unrefp);
        h->multi = curl_multi_init();
        if (!h->multi)
                return -ENOMEM;
        /* Accuracy 1 µs: 0 would mean sd-event's default of 250 ms, and every request would wait for it. */
        r = sd_event_add_time(event, &h->timer, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, h);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(h->timer, "etcd-http-timer");
        (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
        if (curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
            curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
            curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
            curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK)
                return -EIO;
        *ret = g_steal_pointer(&h);
        return 0;
}

/**
 * etcd_http_free() - cancel every request (no callbacks) and free
 * @h: the EtcdHttp, or NULL
 *
 * Return: NULL
 */
EtcdHttp *etcd_http_free(EtcdHttp *h) {
        if (!h)
                return NULL;
        while (h->requests && h->requests->len > 0)
                request_detach(g_ptr_array_index(h->requests, 0));
        if (h->multi)
                curl_multi_cleanup(h->multi); /* removes the sockets through socket_cb */
        if (h->requests)
                g_ptr_array_unref(h->requests);
        sd_event_source_disable_unref(h->timer);
        sd_event_unref(h->event);
        g_free(h);
        curl_global_cleanup();
        return NULL;
}

static size_t write_cb(char *data, size_t size, size_t n, void *userdata) {
        EtcdHttpRequest *r = userdata;
        size_t len = size * n;

        /* For a stream the bound is on the line still being received. */
        if (r->buffer->len + len > r->max_reply) {
                r->too_large = true;
                return 0; /* CURLE_WRITE_ERROR: the transfer ends */
        }
        g_string_append_len(r->buffer, data, (gssize) len);
        return len;
}

/**
 * etcd_http_post() - start a POST of a JSON body
 * @h: the EtcdHttp
 * @url: the full URL
 * @body: the body (copied)
 * @options: TLS, auth token, timeouts, bound, streaming
 * @line: for a stream, called with each line; else NULL
 * @done: called once at the end, unless cancelled
 * @userdata: for both callbacks
 * @ret: (optional) the request, valid until @done returned or it is cancelled
 *
 * Return: 0, or a negative errno when the request could not be set up (no
 * callback then)
 */
int etcd_http_post(EtcdHttp *h, const char *url, const char *body, const EtcdHttpOptions *options,
                   EtcdHttpLineFn line, EtcdHttpDoneFn done, void *userdata, EtcdHttpRequest **ret) {
        EtcdHttpRequest *r;
        g_autofree char *auth = NULL;
        bool ok = true;

        r = g_new0(EtcdHttpRequest, 1);
        r->n_ref = 1;
        r->http = h;
        r->url = g_strdup(url);
        r->body = g_strdup(body);
        r->buffer = g_string_new(NULL);
        r->max_reply = options->max_reply > 0 ? options->max_reply : ETCD_HTTP_MAX_REPLY_DEFAULT;
        r->stream = options->stream;
        r->line = line;
        r->done = done;
        r->userdata = userdata;
        r->easy = curl_easy_init();
        if (!r->easy) {
                request_unref(r);
                return -ENOMEM;
        }
        r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
        if (options->auth_token) {
                auth = g_strdup_printf("Authorization: %s", options->auth_token);
                r->headers = curl_slist_append(r->headers, auth);
        }
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_URL, r->url) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
        /* etcd's endpoints are URLs of the configuration: no redirects, no other protocols. */
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
        ok = ok && curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
#endif
        if (options->timeout_usec > 0)
                ok = ok && curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS,
                                            (long) MAX(options->timeout_usec / 1000u, 1u)) == CURLE_OK;
        if (options->connect_timeout_usec > 0)
                ok = ok && curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
                                            (long) MAX(options->connect_timeout_usec / 1000u, 1u)) == CURLE_OK;
        if (options->ca_file)
                ok = ok && curl_easy_setopt(r->easy, CURLOPT_CAINFO, options->ca_file) == CURLE_OK;
        if (options->cert_file)
                ok = ok && curl_easy_setopt(r->easy, CURLOPT_SSLCERT, options->cert_file) == CURLE_OK;
        if (options->key_file)
                ok = ok && curl_easy_setopt(r->easy, CURLOPT_SSLKEY, options->key_file) == CURLE_OK;
        if (!ok || curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
                request_unref(r);
                return -EINVAL;
        }
        g_ptr_array_add(h->requests, r);
        if (ret)
                *ret = r;
        return 0;
}

/**
 * etcd_http_request_cancel() - stop a request; its callbacks are not called
 * @req: the request (from etcd_http_post()), or NULL
 */
void etcd_http_request_cancel(EtcdHttpRequest *req) {
        if (req)
                request_detach(req);
}

const char *etcd_http_request_url(const EtcdHttpRequest *req) {
        return req->url;
}

unsigned etcd_http_n_requests(const EtcdHttp *h) {
        return h->requests->len;
}

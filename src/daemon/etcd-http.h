/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HTTP POSTs driven by sd-event (docs/cluster.md, "The etcd client"): one
 * libcurl multi handle whose sockets and timer are sd-event sources, as
 * systemd's curl-util.c glues importd to its loop.  Nothing here knows etcd:
 * a request is a URL, a body, options and two callbacks.
 *
 * Callbacks never run inside etcd_http_post() or inside libcurl (lines are
 * handed out after curl_multi_socket_action() returned), so a callback may
 * start or cancel requests.  etcd_http_free() must not be called from one.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct EtcdHttp EtcdHttp;
typedef struct EtcdHttpRequest EtcdHttpRequest;

/* The default bound on one buffered reply (or one line of a stream). */
#define ETCD_HTTP_MAX_REPLY_DEFAULT (4u * 1024u * 1024u)

typedef struct EtcdHttpOptions {
        const char *ca_file;   /* TLS: verify the server against this CA (else the system's) */
        const char *cert_file; /* TLS client certificate ... */
        const char *key_file;  /* ... and its key */
        const char *auth_token; /* etcd's auth token: the Authorization header */
        uint64_t timeout_usec;  /* the whole request; 0: none (streams) */
        uint64_t connect_timeout_usec; /* 0: libcurl's default */
        size_t max_reply;       /* bound on the buffered body or line; 0: the default */
        bool stream;            /* hand out each newline-terminated line as it comes */
} EtcdHttpOptions;

/* A streamed line (without its newline). */
typedef void (*EtcdHttpLineFn)(EtcdHttpRequest *req, const char *line, size_t len, void *userdata);

/*
 * The end of a request: @error 0 and the HTTP @status with the @body (the
 * whole body, or what followed the last line of a stream); or a negative
 * errno (-ECONNREFUSED, -ETIMEDOUT, -EMSGSIZE, -EHOSTUNREACH, -ECONNRESET,
 * -EPROTO for TLS, -EIO) with @message naming the URL and what failed.
 */
typedef void (*EtcdHttpDoneFn)(EtcdHttpRequest *req, int error, long status, const char *body,
                               size_t len, const char *message, void *userdata);

int etcd_http_new(sd_event *event, EtcdHttp **ret);
EtcdHttp *etcd_http_free(EtcdHttp *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EtcdHttp, etcd_http_free)

int etcd_http_post(EtcdHttp *h, const char *url, const char *body, const EtcdHttpOptions *options,
                   EtcdHttpLineFn line, EtcdHttpDoneFn done, void *userdata, EtcdHttpRequest **ret);
void etcd_http_request_cancel(EtcdHttpRequest *req);
const char *etcd_http_request_url(const EtcdHttpRequest *req);
unsigned etcd_http_n_requests(const EtcdHttp *h);

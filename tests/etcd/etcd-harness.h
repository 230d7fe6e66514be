/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A throwaway etcd per test (Debian's etcd-server): its own data directory
 * and two free loopback ports, started as an ordinary process and waited for
 * until /health answers; killed and removed at the end.
 */

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct EtcdServer {
        bool tls;  /* https with client certificates: ca.pem, client.pem, client.key in dir */
        char *dir;
        char *client_url;
        char *peer_url;
        char *etcd;
        GPid pid;
} EtcdServer;

/* Skips the test (exit 77 from main) when no etcd binary is installed. */
const char *etcd_harness_binary(void);
EtcdServer *etcd_server_start(void);
/* https only, client certificates required, made with openssl for this server. */
EtcdServer *etcd_server_start_tls(void);
char *etcd_server_file(const EtcdServer *s, const char *name);
void etcd_server_kill(EtcdServer *s);    /* SIGKILL, data kept */
void etcd_server_restart(EtcdServer *s); /* same ports, same data */
void etcd_server_free(EtcdServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EtcdServer, etcd_server_free)
/* A loopback URL where nothing listens (a port bound, then closed). */
char *etcd_harness_dead_url(void);

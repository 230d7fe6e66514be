/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "etcd-harness.h"

const char *etcd_harness_binary(void) {
        const char *e = g_getenv("SLUICE_TEST_ETCD");

        if (e && e[0])
                return e;
        if (g_file_test("/usr/bin/etcd", G_FILE_TEST_IS_EXECUTABLE))
                return "/usr/bin/etcd";
        return NULL;
}

/* A port the kernel handed out free; etcd binds it right after (a race only with other binders). */
static int free_port(void) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(bind(fd, (struct sockaddr *) &a, sizeof(a)), ==, 0);
        g_assert_cmpint(getsockname(fd, (struct sockaddr *) &a, &len), ==, 0);
        close(fd);
        return ntohs(a.sin_port);
}

char *etcd_harness_dead_url(void) {
        return g_strdup_printf("http://127.0.0.1:%d", free_port());
}

static size_t discard(char *p, size_t s, size_t n, void *u) {
        GString *b = u;

        g_string_append_len(b, p, (gssize) (s * n));
        return s * n;
}

char *etcd_server_file(const EtcdServer *s, const char *name) {
        return g_build_filename(s->dir, name, NULL);
}

/* Blocking, in the harness only: is /health "true"? */
static bool healthy(const EtcdServer *s) {
        g_autofree char *health = g_strconcat(s->client_url, "/health", NULL);
        g_autofree char *ca = etcd_server_file(s, "ca.pem");
        g_autofree char *cert = etcd_server_file(s, "client.pem");
        g_autofree char *key = etcd_server_file(s, "client.key");
        g_autoptr(GString) body = g_string_new(NULL);
        CURL *e = curl_easy_init();
        CURLcode rc;

        curl_easy_setopt(e, CURLOPT_URL, health);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
        if (s->tls) {
                curl_easy_setopt(e, CURLOPT_CAINFO, ca);
                curl_easy_setopt(e, CURLOPT_SSLCERT, cert);
                curl_easy_setopt(e, CURLOPT_SSLKEY, key);
        }
        rc = curl_easy_perform(e);
        curl_easy_cleanup(e);
        return rc == CURLE_OK && strstr(body->str, "\"true\"");
}

/* A test that fails (abort) or is killed takes its etcd with it. */
static void child_setup(gpointer data) {
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void spawn(EtcdServer *s) {
        g_autofree char *data = g_build_filename(s->dir, "data", NULL);
        g_autofree char *log = g_build_filename(s->dir, "etcd.log", NULL);
        g_autofree char *cluster = g_strdup_printf("t=%s", s->peer_url);
        g_autofree char *ca = etcd_server_file(s, "ca.pem");
        g_autofree char *cert = etcd_server_file(s, "server.pem");
        g_autofree char *key = etcd_server_file(s, "server.key");
        const char *argv[] = {
                s->etcd, "--name", "t", "--data-dir", data,
                "--listen-client-urls", s->client_url, "--advertise-client-urls", s->client_url,
                "--listen-peer-urls", s->peer_url, "--initial-advertise-peer-urls", s->peer_url,
                "--initial-cluster", cluster,
                s->tls ? "--cert-file" : NULL, cert, "--key-file", key,
                "--trusted-ca-file", ca, "--client-cert-auth", NULL,
        };
        g_autoptr(GError) error = NULL;
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

        g_assert_cmpint(fd, >=, 0);
        g_assert_true(g_spawn_async_with_fds(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                             child_setup, NULL, &s->pid, -1, fd, fd, &error));
        g_assert_no_error(error);
        close(fd);
        /* Not a time limit: meson's test timeout ends a start that never comes. */
        while (!healthy(s)) {
                int status;

                if (waitpid(s->pid, &status, WNOHANG) == s->pid)
                        g_error("etcd exited during start (status %d), see %s", status, log);
                g_usleep(50000);
        }
}

/* A CA, a server certificate for 127.0.0.1 and a client certificate, by openssl. */
static void make_certificates(const char *dir) {
        const char *script =
                "set -e\n"
                "key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$1\" 2>/dev/null; }\n"
                "key ca.key; key server.key; key client.key\n"
                "openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj /CN=sluice-test-ca\n"
                "openssl req -new -key server.key -out server.csr -subj /CN=127.0.0.1\n"
                "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > server.ext\n"
                "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null\n"
                "openssl req -new -key client.key -out client.csr -subj /CN=sluice\n"
                "printf 'extendedKeyUsage=clientAuth\\n' > client.ext\n"
                "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 -extfile client.ext 2>/dev/null\n";
        const char *argv[] = { "sh", "-c", script, NULL };
        g_autoptr(GError) error = NULL;
        int status;

        g_assert_true(g_spawn_sync(dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                                   &status, &error));
        g_assert_no_error(error);
        g_assert_true(g_spawn_check_wait_status(status, &error));
        g_assert_no_error(error);
}

static EtcdServer *start(bool tls) {
        EtcdServer *s = g_new0(EtcdServer, 1);
        g_autoptr(GError) error = NULL;
        const char *scheme = tls ? "https" : "http";

        s->tls = tls;
        s->etcd = g_strdup(etcd_harness_binary());
        g_assert_nonnull(s->etcd);
        s->dir = g_dir_make_tmp("sluice-etcd-XXXXXX", &error);
        g_assert_no_error(error);
        if (tls)
                make_certificates(s->dir);
        s->client_url = g_strdup_printf("%s://127.0.0.1:%d", scheme, free_port());
        s->peer_url = g_strdup_printf("http://127.0.0.1:%d", free_port());
        spawn(s);
        return s;
}

EtcdServer *etcd_server_start(void) {
        return start(false);
}

EtcdServer *etcd_server_start_tls(void) {
        return start(true);
}

void etcd_server_kill(EtcdServer *s) {
        int status;

        if (s->pid <= 0)
                return;
        kill(s->pid, SIGKILL);
        g_assert_cmpint(waitpid(s->pid, &status, 0), ==, s->pid);
        s->pid = 0;
}

void etcd_server_restart(EtcdServer *s) {
        etcd_server_kill(s);
        spawn(s);
}

void etcd_server_free(EtcdServer *s) {
        g_autofree char *cmd = NULL;

        if (!s)
                return;
        etcd_server_kill(s);
        if (s->dir && !g_getenv("SLUICE_TEST_KEEP_ETCD")) {
                const char *argv[] = { "rm", "-rf", s->dir, NULL };

                g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
        }
        g_free(s->dir);
        g_free(s->client_url);
        g_free(s->peer_url);
        g_free(s->etcd);
        g_free(s);
}

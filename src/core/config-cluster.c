/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "config-cluster.h"
#include "config-command.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"

#define CLUSTER_ENDPOINTS_MAX 16
#define CLUSTER_ENDPOINT_MAX 1024
#define CLUSTER_HOST_NAME_MAX 64
#define CLUSTER_PREFIX_MAX 128
#define CLUSTER_USER_MAX 128
#define CLUSTER_TTL_MIN 2
#define CLUSTER_TTL_MAX 86400

#define set_error(error, fmt, value)                                                    \
        do {                                                                            \
                g_autofree char *_q = config_quote(value);                              \
                g_set_error((error), SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, (fmt), _q); \
        } while (0)

/**
 * cluster_config_new() - a [Cluster] section with every default
 *
 * Return: the new section; HostName= stays NULL (sluiced fills in the
 * hostname: the core reads no system state).
 */
ClusterConfig *cluster_config_new(void) {
        ClusterConfig *c = g_new0(ClusterConfig, 1);

        c->endpoints = g_new0(char *, 1);
        c->prefix = g_strdup("/sluice");
        c->lease_ttl_sec = 10;
        c->on_lease_lost = CLUSTER_ON_LEASE_LOST_KEEP;
        return c;
}

/**
 * cluster_config_free() - free a [Cluster] section
 * @c: the section (may be NULL)
 */
void cluster_config_free(ClusterConfig *c) {
        if (!c)
                return;
        g_strfreev(c->endpoints);
        g_free(c->endpoints_error);
        g_free(c->ca_file);
        g_free(c->cert_file);
        g_free(c->key_file);
        g_free(c->user);
        g_free(c->password_file);
        g_free(c->host_name);
        g_free(c->prefix);
        g_free(c);
}

static bool check_endpoints(ClusterConfig *c, const char *value, GError **error);

/* "http://HOST[:PORT][/...]" or https: a scheme and something after it, no blanks
 * (the words are split on them), printable ASCII only. */
static bool is_endpoint(const char *s) {
        const char *rest;

        if (g_str_has_prefix(s, "http://"))
                rest = s + strlen("http://");
        else if (g_str_has_prefix(s, "https://"))
                rest = s + strlen("https://");
        else
                return false;
        if (rest[0] == '\0' || rest[0] == '/' || strlen(s) > CLUSTER_ENDPOINT_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f)
                        return false;
        return true;
}

/* Bad endpoints are kept aside in ->endpoints_error (config_model_build()
 * prefixes it): the cluster is unavailable, the host goes on. */
static bool parse_endpoints(ClusterConfig *c, const char *value, GError **error) {
        g_autoptr(GError) local = NULL;

        g_clear_pointer(&c->endpoints_error, g_free);
        if (!check_endpoints(c, value, &local)) {
                g_strfreev(c->endpoints);
                c->endpoints = g_new0(char *, 1);
                c->endpoints_error = g_strdup(local->message);
        }
        return true;
}

static bool check_endpoints(ClusterConfig *c, const char *value, GError **error) {
        g_auto(GStrv) words = config_split_words(value);

        if (g_strv_length(words) > CLUSTER_ENDPOINTS_MAX) {
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("more than %d endpoints"), CLUSTER_ENDPOINTS_MAX);
                return false;
        }
        for (size_t i = 0; words[i]; i++) {
                if (!is_endpoint(words[i])) {
                        set_error(error, _("etcd endpoint \"%s\": not an http:// or https:// URL"), words[i]);
                        return false;
                }
                for (size_t j = 0; j < i; j++)
                        if (strcmp(words[i], words[j]) == 0) {
                                set_error(error, _("\"%s\" is listed twice"), words[i]);
                                return false;
                        }
        }
        g_strfreev(c->endpoints);
        c->endpoints = g_steal_pointer(&words);
        return true;
}

static bool parse_path(char **target, const char *value, GError **error) {
        if (!config_is_normalized_path(value) || strcmp(value, "/") == 0) {
                set_error(error, _("\"%s\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")"),
                          value);
                return false;
        }
        g_free(*target);
        *target = g_strdup(value);
        return true;
}

static bool is_fleet_char(char ch) {
        return g_ascii_isalnum(ch) || strchr("_.@+-", ch);
}

/* A key component: [A-Za-z0-9_.@+-]{1,64}, not "." or "..". */
static bool is_host_name(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > CLUSTER_HOST_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (; *s; s++)
                if (!is_fleet_char(*s))
                        return false;
        return true;
}

/* "/" then components of is_host_name()'s characters separated by single "/",
 * no trailing "/": "/sluice", "/fleets/backup". */
static bool is_prefix(const char *s) {
        if (s[0] != '/' || strlen(s) > CLUSTER_PREFIX_MAX)
                return false;

        g_auto(GStrv) parts = g_strsplit(s + 1, "/", -1);
        for (size_t i = 0; parts[i]; i++)
                if (!is_host_name(parts[i]))
                        return false;
        return true;
}

static bool is_user(const char *s) {
        if (s[0] == '\0' || strlen(s) > CLUSTER_USER_MAX || !g_utf8_validate(s, -1, NULL))
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= 0x20 || *s == 0x7f)
                        return false;
        return true;
}

/**
 * config_parse_cluster_key() - one key of [Cluster]
 * @target: the ClusterConfig
 * @key: the key name (one of the table's)
 * @value: its value, not empty
 * @error: what is wrong with the value
 *
 * Return: true when the value is valid (and stored).
 */
bool config_parse_cluster_key(void *target, const char *key, const char *value, GError **error) {
        ClusterConfig *c = target;

        if (strcmp(key, "Endpoints") == 0)
                return parse_endpoints(c, value, error);
        if (strcmp(key, "CAFile") == 0)
                return parse_path(&c->ca_file, value, error);
        if (strcmp(key, "CertFile") == 0)
                return parse_path(&c->cert_file, value, error);
        if (strcmp(key, "KeyFile") == 0)
                return parse_path(&c->key_file, value, error);
        if (strcmp(key, "PasswordFile") == 0)
                return parse_path(&c->password_file, value, error);
        if (strcmp(key, "User") == 0) {
                if (!is_user(value)) {
                        set_error(error, _("\"%s\" is not a valid etcd user name (1 to 128 bytes, no blanks)"), value);
                        return false;
                }
                g_free(c->user);
                c->user = g_strdup(value);
                return true;
        }
        if (strcmp(key, "HostName") == 0) {
                if (!is_host_name(value)) {
                        set_error(error, _("\"%s\" is not a valid host name in the fleet ([A-Za-z0-9_.@+-]{1,64})"), value);
                        return false;
                }
                g_free(c->host_name);
                c->host_name = g_strdup(value);
                return true;
        }
        if (strcmp(key, "Prefix") == 0) {
                if (!is_prefix(value)) {
                        set_error(error, _("\"%s\" is not a valid key prefix (\"/\" and components of "
                                           "[A-Za-z0-9_.@+-], at most 128 bytes, no trailing \"/\")"), value);
                        return false;
                }
                g_free(c->prefix);
                c->prefix = g_strdup(value);
                return true;
        }
        if (strcmp(key, "LeaseTTLSec") == 0) {
                uint64_t v;

                if (!config_parse_uint64_range(value, CLUSTER_TTL_MIN, CLUSTER_TTL_MAX, &v, error))
                        return false;
                c->lease_ttl_sec = (uint32_t) v;
                return true;
        }
        if (strcmp(key, "OnLeaseLost") == 0) {
                if (strcmp(value, "keep") == 0)
                        c->on_lease_lost = CLUSTER_ON_LEASE_LOST_KEEP;
                else if (strcmp(value, "stop") == 0)
                        c->on_lease_lost = CLUSTER_ON_LEASE_LOST_STOP;
                else {
                        set_error(error, _("\"%s\" is not valid (keep or stop)"), value);
                        return false;
                }
                return true;
        }
        g_assert_not_reached();
}

/**
 * config_parse_resource_scope() - [Resource KEY] Scope=
 * @target: the ResourceConfig
 * @key: "Scope"
 * @value: host or cluster
 * @error: what is wrong with the value
 *
 * Return: true when valid.
 */
bool config_parse_resource_scope(void *target, const char *key, const char *value, GError **error) {
        ResourceConfig *r = target;

        if (strcmp(value, "host") == 0)
                r->scope = RESOURCE_SCOPE_HOST;
        else if (strcmp(value, "cluster") == 0)
                r->scope = RESOURCE_SCOPE_CLUSTER;
        else {
                set_error(error, _("\"%s\" is not a valid scope (host or cluster)"), value);
                return false;
        }
        return true;
}

/**
 * config_cluster_check() - the rules that join keys of [Cluster]
 * @c: the section
 * @ret_key: on error, the key the message is about
 * @error: what is wrong
 *
 * Return: true when the section is complete.
 */
bool config_cluster_check(const ClusterConfig *c, const char **ret_key, GError **error) {
        const char *missing = NULL, *key = NULL;

        if (!c->endpoints[0] && !c->endpoints_error) {
                *ret_key = "Endpoints";
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("missing ([Cluster] needs at least one etcd endpoint)"));
                return false;
        }
        if (c->cert_file && !c->key_file)
                key = "KeyFile", missing = "CertFile=";
        else if (c->key_file && !c->cert_file)
                key = "CertFile", missing = "KeyFile=";
        else if (c->user && !c->password_file)
                key = "PasswordFile", missing = "User=";
        else if (c->password_file && !c->user)
                key = "User", missing = "PasswordFile=";
        if (key) {
                *ret_key = key;
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("missing (%s needs it)"), missing);
                return false;
        }
        return true;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * etcd's v3 JSON gateway: request bodies and reply parsers (etcd-json.h).
 *
 * Request bodies are printf'd: every value put into them is a base64 string,
 * a decimal number or a fixed word, none of which needs JSON escaping; the
 * one body with free text (user and password) goes through json-glib.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "etcd-json.h"

G_DEFINE_QUARK(etcd-error-quark, etcd_error)

static void kv_free(gpointer p) {
        EtcdKeyValue *kv = p;

        if (!kv)
                return;
        g_free(kv->key);
        g_free(kv->value);
        g_free(kv);
}

static void event_free(gpointer p) {
        EtcdEvent *ev = p;

        if (!ev)
                return;
        kv_free(ev->kv);
        g_free(ev);
}

/**
 * etcd_reply_free() - free a parsed reply
 * @r: the reply, or NULL
 *
 * Return: NULL
 */
EtcdReply *etcd_reply_free(EtcdReply *r) {
        if (!r)
                return NULL;
        if (r->kvs)
                g_ptr_array_unref(r->kvs);
        if (r->events)
                g_ptr_array_unref(r->events);
        g_free(r->cancel_reason);
        g_free(r->token);
        g_free(r);
        return NULL;
}

/**
 * etcd_base64_encode() - standard base64 with padding, as the gateway expects
 * @data: the bytes
 * @len: their length (0 gives "")
 *
 * Return: a new string
 */
char *etcd_base64_encode(const void *data, size_t len) {
        if (len == 0)
                return g_strdup("");
        return g_base64_encode(data, len);
}

/**
 * etcd_base64_decode() - strict standard base64 (g_base64_decode() accepts anything)
 * @text: the encoded text
 * @ret: the decoded bytes with a NUL after them
 * @ret_len: their length
 *
 * Return: 0, or -EINVAL when @text is not padded standard base64
 */
int etcd_base64_decode(const char *text, char **ret, size_t *ret_len) {
        size_t n = strlen(text), pad = 0;
        gsize out_len = 0;
        guchar *out;

        if (n % 4 != 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                char c = text[i];

                if (c == '=') {
                        if (i < n - 2)
                                return -EINVAL;
                        pad++;
                        continue;
                }
                if (pad > 0)
                        return -EINVAL;
                if (!g_ascii_isalnum(c) && c != '+' && c != '/')
                        return -EINVAL;
        }
        if (n == 0) {
                *ret = g_strdup("");
                *ret_len = 0;
                return 0;
        }
        out = g_base64_decode(text, &out_len);
        *ret = g_realloc(out, out_len + 1);
        (*ret)[out_len] = '\0';
        *ret_len = out_len;
        return 0;
}

/**
 * etcd_prefix_range_end() - the range_end that makes a range "every key with this prefix"
 * @prefix: the prefix bytes
 * @len: their length
 * @ret_len: the length of the result
 *
 * As etcd's clientv3.GetPrefixRangeEnd(): the prefix with its last byte that
 * is not 0xff incremented and what follows it cut; "\0" (every key) when all
 * bytes are 0xff or the prefix is empty.
 *
 * Return: a new buffer (NUL-terminated)
 */
char *etcd_prefix_range_end(const char *prefix, size_t len, size_t *ret_len) {
        for (size_t i = len; i > 0; i--) {
                if ((unsigned char) prefix[i - 1] != 0xff) {
                        char *end = g_malloc(i + 1);

                        memcpy(end, prefix, i);
                        end[i - 1] = (char) ((unsigned char) end[i - 1] + 1);
                        end[i] = '\0';
                        *ret_len = i;
                        return end;
                }
        }
        *ret_len = 1;
        return g_malloc0(2);
}

/* ---- request bodies ---- */

char *etcd_body_lease_grant(int64_t ttl_sec) {
        return g_strdup_printf("{\"TTL\":\"%" PRId64 "\"}", ttl_sec);
}

char *etcd_body_lease_id(int64_t lease_id) {
        return g_strdup_printf("{\"ID\":\"%" PRId64 "\"}", lease_id);
}

char *etcd_body_range_prefix(const char *prefix, size_t len) {
        g_autofree char *k = etcd_base64_encode(prefix, len), *end = NULL, *e = NULL;
        size_t end_len;

        end = etcd_prefix_range_end(prefix, len, &end_len);
        e = etcd_base64_encode(end, end_len);
        return g_strdup_printf("{\"key\":\"%s\",\"range_end\":\"%s\","
                               "\"sort_order\":\"ASCEND\",\"sort_target\":\"CREATE\"}", k, e);
}

char *etcd_body_range_key(const char *key, size_t len) {
        g_autofree char *k = etcd_base64_encode(key, len);

        return g_strdup_printf("{\"key\":\"%s\"}", k);
}

char *etcd_body_delete_key(const char *key, size_t len) {
        return etcd_body_range_key(key, len);
}

/*
 * A txn: if the key was never created (create_revision 0) put it under the
 * lease, else read it back; one round trip either way.
 */
char *etcd_body_put_if_absent(const char *key, size_t key_len, const char *value, size_t value_len,
                              int64_t lease_id) {
        g_autofree char *k = etcd_base64_encode(key, key_len);
        g_autofree char *v = etcd_base64_encode(value, value_len);

        return g_strdup_printf(
                "{\"compare\":[{\"key\":\"%s\",\"target\":\"CREATE\",\"create_revision\":\"0\",\"result\":\"EQUAL\"}],"
                "\"success\":[{\"request_put\":{\"key\":\"%s\",\"value\":\"%s\",\"lease\":\"%" PRId64 "\"}}],"
                "\"failure\":[{\"request_range\":{\"key\":\"%s\"}}]}",
                k, k, v, lease_id, k);
}

/*
 * docs/cluster.md, "Admission: one transaction": put the request key if it was
 * never created, and in the same txn read every key under @prefix by create
 * revision; a retried request finds its key and reads the same order.
 */
char *etcd_body_semaphore_request(const char *key, size_t key_len, const char *value, size_t value_len,
                                  int64_t lease_id, const char *prefix, size_t prefix_len) {
        g_autofree char *k = etcd_base64_encode(key, key_len);
        g_autofree char *v = etcd_base64_encode(value, value_len);
        g_autofree char *p = etcd_base64_encode(prefix, prefix_len);
        g_autofree char *end = NULL, *e = NULL, *range = NULL;
        size_t end_len;

        end = etcd_prefix_range_end(prefix, prefix_len, &end_len);
        e = etcd_base64_encode(end, end_len);
        range = g_strdup_printf("{\"request_range\":{\"key\":\"%s\",\"range_end\":\"%s\","
                                "\"sort_order\":\"ASCEND\",\"sort_target\":\"CREATE\"}}", p, e);
        return g_strdup_printf(
                "{\"compare\":[{\"key\":\"%s\",\"target\":\"CREATE\",\"create_revision\":\"0\",\"result\":\"EQUAL\"}],"
                "\"success\":[{\"request_put\":{\"key\":\"%s\",\"value\":\"%s\",\"lease\":\"%" PRId64 "\"}},%s],"
                "\"failure\":[%s]}",
                k, k, v, lease_id, range, range);
}

/**
 * etcd_semaphore_position() - a request key's place in its resource's queue
 * @r: the reply of a semaphore request or of a range of the prefix (by create revision)
 * @key: the request key
 * @key_len: its length
 * @ret_create_revision: (optional) the key's create revision
 *
 * Return: the number of keys created before @key (admitted when below the
 * limit), or -ENOENT when @key is not in the reply (it was deleted: its
 * lease expired)
 */
int etcd_semaphore_position(const EtcdReply *r, const char *key, size_t key_len, int64_t *ret_create_revision) {
        const EtcdKeyValue *mine = NULL;
        int before = 0;

        for (guint i = 0; i < r->kvs->len; i++) {
                const EtcdKeyValue *kv = g_ptr_array_index(r->kvs, i);

                if (kv->key_len == key_len && memcmp(kv->key, key, key_len) == 0) {
                        mine = kv;
                        break;
                }
        }
        if (!mine)
                return -ENOENT;
        /* Count, not the index: the order of the reply is not trusted. */
        for (guint i = 0; i < r->kvs->len; i++) {
                const EtcdKeyValue *kv = g_ptr_array_index(r->kvs, i);

                if (kv != mine && kv->create_revision < mine->create_revision && before < INT_MAX)
                        before++;
        }
        if (ret_create_revision)
                *ret_create_revision = mine->create_revision;
        return before;
}

char *etcd_body_watch(const char *key, size_t key_len, bool prefix, int64_t start_revision) {
        g_autofree char *k = etcd_base64_encode(key, key_len), *end = NULL, *e = NULL;
        g_autofree char *range = NULL;

        if (prefix) {
                size_t end_len;

                end = etcd_prefix_range_end(key, key_len, &end_len);
                e = etcd_base64_encode(end, end_len);
                range = g_strdup_printf(",\"range_end\":\"%s\"", e);
        }
        return g_strdup_printf("{\"create_request\":{\"key\":\"%s\"%s,\"start_revision\":\"%" PRId64 "\"}}",
                               k, range ?: "", start_revision);
}

char *etcd_body_authenticate(const char *user, const char *password) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = NULL;

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, user);
        json_builder_set_member_name(b, "password");
        json_builder_add_string_value(b, password);
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        return json_generator_to_data(gen, NULL);
}

/* ---- reply parsers ---- */

static int fail(GError **error, const char *field, const char *what) {
        g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_REPLY,
                    "etcd reply: \"%s\": %s", field, what);
        return -EBADMSG;
}

/* A member that must be an object, if present. */
static int get_object(JsonObject *o, const char *name, JsonObject **ret, GError **error) {
        JsonNode *n = json_object_get_member(o, name);

        *ret = NULL;
        if (!n || JSON_NODE_HOLDS_NULL(n))
                return 0;
        if (!JSON_NODE_HOLDS_OBJECT(n))
                return fail(error, name, "not an object");
        *ret = json_node_get_object(n);
        return 1;
}

static int get_array(JsonObject *o, const char *name, JsonArray **ret, GError **error) {
        JsonNode *n = json_object_get_member(o, name);

        *ret = NULL;
        if (!n || JSON_NODE_HOLDS_NULL(n))
                return 0;
        if (!JSON_NODE_HOLDS_ARRAY(n))
                return fail(error, name, "not an array");
        *ret = json_node_get_array(n);
        return 1;
}

/* A 64-bit number: a decimal string (the gateway's way) or a JSON integer. */
static int get_int(JsonObject *o, const char *name, bool is_signed, int64_t *ret, GError **error) {
        JsonNode *n = json_object_get_member(o, name);

        *ret = 0;
        if (!n || JSON_NODE_HOLDS_NULL(n))
                return 0;
        if (!JSON_NODE_HOLDS_VALUE(n))
                return fail(error, name, "not a number");
        if (json_node_get_value_type(n) == G_TYPE_INT64) {
                *ret = json_node_get_int(n);
                if (!is_signed && *ret < 0)
                        return fail(error, name, "negative");
                return 1;
        }
        if (json_node_get_value_type(n) == G_TYPE_STRING) {
                const char *s = json_node_get_string(n);
                guint64 u;
                gint64 i;

                if (is_signed) {
                        if (!g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, &i, NULL))
                                return fail(error, name, "not a 64-bit integer");
                        *ret = i;
                } else {
                        if (!g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT64, &u, NULL))
                                return fail(error, name, "not an unsigned 64-bit integer");
                        *ret = (int64_t) u;
                }
                return 1;
        }
        return fail(error, name, "not a number");
}

static int get_bool(JsonObject *o, const char *name, bool *ret, GError **error) {
        JsonNode *n = json_object_get_member(o, name);

        *ret = false;
        if (!n || JSON_NODE_HOLDS_NULL(n))
                return 0;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
                return fail(error, name, "not a boolean");
        *ret = json_node_get_boolean(n);
        return 1;
}

static int get_string(JsonObject *o, const char *name, const char **ret, GError **error) {
        JsonNode *n = json_object_get_member(o, name);

        *ret = NULL;
        if (!n || JSON_NODE_HOLDS_NULL(n))
                return 0;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return fail(error, name, "not a string");
        *ret = json_node_get_string(n);
        return 1;
}

static int get_bytes(JsonObject *o, const char *name, char **ret, size_t *ret_len, GError **error) {
        const char *s;
        int r;

        r = get_string(o, name, &s, error);
        if (r < 0)
                return r;
        if (r == 0) {
                *ret = g_strdup("");
                *ret_len = 0;
                return 0;
        }
        if (etcd_base64_decode(s, ret, ret_len) < 0)
                return fail(error, name, "not base64");
        return 1;
}

static int parse_header(JsonObject *o, EtcdHeader *h, GError **error) {
        JsonObject *hdr;
        int64_t v;
        int r;

        r = get_object(o, "header", &hdr, error);
        if (r <= 0)
                return r;
        if (get_int(hdr, "cluster_id", false, &v, error) < 0)
                return -EBADMSG;
        h->cluster_id = (uint64_t) v;
        if (get_int(hdr, "member_id", false, &v, error) < 0)
                return -EBADMSG;
        h->member_id = (uint64_t) v;
        if (get_int(hdr, "revision", true, &h->revision, error) < 0)
                return -EBADMSG;
        if (get_int(hdr, "raft_term", false, &v, error) < 0)
                return -EBADMSG;
        h->raft_term = (uint64_t) v;
        return 0;
}

static int parse_kv(JsonNode *n, EtcdKeyValue **ret, GError **error) {
        g_autofree EtcdKeyValue *kv = g_new0(EtcdKeyValue, 1);
        JsonObject *o;

        if (!JSON_NODE_HOLDS_OBJECT(n))
                return fail(error, "kv", "not an object");
        o = json_node_get_object(n);
        if (get_bytes(o, "key", &kv->key, &kv->key_len, error) < 0 ||
            get_bytes(o, "value", &kv->value, &kv->value_len, error) < 0 ||
            get_int(o, "create_revision", true, &kv->create_revision, error) < 0 ||
            get_int(o, "mod_revision", true, &kv->mod_revision, error) < 0 ||
            get_int(o, "version", true, &kv->version, error) < 0 ||
            get_int(o, "lease", true, &kv->lease, error) < 0) {
                kv_free(g_steal_pointer(&kv));
                return -EBADMSG;
        }
        *ret = g_steal_pointer(&kv);
        return 0;
}

static int parse_kvs(JsonObject *o, EtcdReply *r, GError **error) {
        JsonArray *a;
        int64_t count;
        bool more;
        int k;

        k = get_array(o, "kvs", &a, error);
        if (k < 0)
                return k;
        for (guint i = 0; a && i < json_array_get_length(a); i++) {
                EtcdKeyValue *kv;

                if (parse_kv(json_array_get_element(a, i), &kv, error) < 0)
                        return -EBADMSG;
                g_ptr_array_add(r->kvs, kv);
        }
        if (get_int(o, "count", true, &count, error) < 0 || get_bool(o, "more", &more, error) < 0)
                return -EBADMSG;
        r->count += count;
        r->more = r->more || more;
        return 0;
}

static int parse_events(JsonObject *o, EtcdReply *r, GError **error) {
        JsonArray *a;
        int k;

        k = get_array(o, "events", &a, error);
        if (k < 0)
                return k;
        for (guint i = 0; a && i < json_array_get_length(a); i++) {
                JsonNode *n = json_array_get_element(a, i);
                g_autofree EtcdEvent *ev = g_new0(EtcdEvent, 1);
                JsonObject *eo, *kvo;
                const char *type;

                if (!JSON_NODE_HOLDS_OBJECT(n))
                        return fail(error, "events", "an element is not an object");
                eo = json_node_get_object(n);
                if (get_string(eo, "type", &type, error) < 0)
                        return -EBADMSG;
                if (!type || g_str_equal(type, "PUT"))
                        ev->type = ETCD_EVENT_PUT;
                else if (g_str_equal(type, "DELETE"))
                        ev->type = ETCD_EVENT_DELETE;
                else
                        return fail(error, "type", "neither PUT nor DELETE");
                if (get_object(eo, "kv", &kvo, error) < 0)
                        return -EBADMSG;
                if (!kvo)
                        return fail(error, "kv", "missing in an event");
                if (parse_kv(json_object_get_member(eo, "kv"), &ev->kv, error) < 0)
                        return -EBADMSG;
                g_ptr_array_add(r->events, g_steal_pointer(&ev));
        }
        return 0;
}

static int parse_responses(JsonObject *o, EtcdReply *r, GError **error) {
        JsonArray *a;
        int k;

        k = get_array(o, "responses", &a, error);
        if (k < 0)
                return k;
        for (guint i = 0; a && i < json_array_get_length(a); i++) {
                JsonNode *n = json_array_get_element(a, i);
                JsonObject *ro, *sub;
                int64_t deleted;

                if (!JSON_NODE_HOLDS_OBJECT(n))
                        return fail(error, "responses", "an element is not an object");
                ro = json_node_get_object(n);
                r->n_responses++;
                if (get_object(ro, "response_range", &sub, error) < 0)
                        return -EBADMSG;
                if (sub && parse_kvs(sub, r, error) < 0)
                        return -EBADMSG;
                if (get_object(ro, "response_delete_range", &sub, error) < 0)
                        return -EBADMSG;
                if (sub) {
                        if (get_int(sub, "deleted", true, &deleted, error) < 0)
                                return -EBADMSG;
                        r->deleted += deleted;
                }
                /* response_put carries only a header; response_txn (nested) is not used. */
        }
        return 0;
}

/*
 * An error body: unary calls answer {"error": "…", "code": N, "message": "…"},
 * streams {"error": {"grpc_code": N, "http_code": N, "message": "…"}}.
 */
static int parse_error(JsonObject *o, GError **error) {
        JsonNode *n = json_object_get_member(o, "error");
        JsonObject *src = o;
        const char *message = NULL;
        int64_t code = 0;

        if (JSON_NODE_HOLDS_OBJECT(n)) {
                src = json_node_get_object(n);
                if (get_int(src, "grpc_code", true, &code, error) < 0)
                        return -EBADMSG;
        } else if (get_int(src, "code", true, &code, error) < 0)
                return -EBADMSG;
        if (get_string(src, "message", &message, error) < 0)
                return -EBADMSG;
        if (!message && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
                message = json_node_get_string(n);
        if (code <= 0 || code > 16)
                code = ETCD_ERROR_HTTP;
        g_set_error(error, ETCD_ERROR, (int) code, "etcd: %s",
                    message && g_utf8_validate(message, -1, NULL) ? message : "error without a message");
        return -EIO;
}

/**
 * etcd_reply_parse() - parse one reply (or one line of a stream) of the gateway
 * @data: the JSON text (not NUL-terminated)
 * @len: its length
 * @ret: the reply
 * @error: ETCD_ERROR_INVALID_REPLY for what is not a gateway reply; etcd's
 *         own error (a gRPC code, the message prefixed "etcd: ") for an error body
 *
 * Return: 0, -EBADMSG for a malformed reply, -EIO for etcd's error body
 */
int etcd_reply_parse(const char *data, size_t len, EtcdReply **ret, GError **error) {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(EtcdReply) r = g_new0(EtcdReply, 1);
        g_autoptr(GError) json_error = NULL;
        JsonObject *o, *result;
        const char *s;
        JsonNode *root;

        if (len > G_MAXSSIZE)
                return fail(error, "(reply)", "too long");
        if (!json_parser_load_from_data(parser, data, (gssize) len, &json_error)) {
                /* json-glib quotes the offending bytes, which need not be UTF-8
                 * (an escape such as \ue cut short): the message goes into
                 * WaitReason and the journal, so it is made valid first. */
                g_autofree char *why = g_utf8_make_valid(json_error->message, -1);

                g_set_error(error, ETCD_ERROR, ETCD_ERROR_INVALID_REPLY, "etcd reply: not JSON: %s", why);
                return -EBADMSG;
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
                return fail(error, "(reply)", "not a JSON object");
        o = json_node_get_object(root);
        if (json_object_has_member(o, "error"))
                return parse_error(o, error);
        if (get_object(o, "result", &result, error) < 0)
                return -EBADMSG;
        if (result)
                o = result;

        r->kvs = g_ptr_array_new_with_free_func(kv_free);
        r->events = g_ptr_array_new_with_free_func(event_free);
        if (parse_header(o, &r->header, error) < 0 ||
            get_int(o, "ID", true, &r->lease_id, error) < 0 ||
            get_int(o, "TTL", true, &r->ttl, error) < 0 ||
            parse_kvs(o, r, error) < 0 ||
            get_int(o, "deleted", true, &r->deleted, error) < 0 ||
            get_bool(o, "succeeded", &r->succeeded, error) < 0 ||
            parse_responses(o, r, error) < 0 ||
            get_int(o, "watch_id", true, &r->watch_id, error) < 0 ||
            get_bool(o, "created", &r->created, error) < 0 ||
            get_bool(o, "canceled", &r->canceled, error) < 0 ||
            get_int(o, "compact_revision", true, &r->compact_revision, error) < 0 ||
            parse_events(o, r, error) < 0)
                return -EBADMSG;
        if (get_string(o, "cancel_reason", &s, error) < 0)
                return -EBADMSG;
        if (s && !g_utf8_validate(s, -1, NULL))
                return fail(error, "cancel_reason", "not UTF-8");
        r->cancel_reason = g_strdup(s);
        if (get_string(o, "token", &s, error) < 0)
                return -EBADMSG;
        r->token = g_strdup(s);
        *ret = g_steal_pointer(&r);
        return 0;
}

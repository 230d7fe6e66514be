/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for etcd_reply_parse() (src/daemon/etcd-json.c): any bytes
 * from an etcd endpoint (or whatever answers on its port) give either a reply
 * whose keys and values are exactly the base64 they came from, or an
 * ETCD_ERROR with a UTF-8 message; never a crash, never both.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "etcd-json.h"
#include "fuzz.h"

/* One reply or stream line is bounded by the client (4 MiB); longer inputs only cost time. */
#define FUZZ_INPUT_MAX 65536

static void check_kv(const EtcdKeyValue *kv) {
        g_autofree char *k64 = NULL, *back = NULL;
        size_t back_len;

        g_assert_nonnull(kv->key);
        g_assert_nonnull(kv->value);
        g_assert_cmpint(kv->key[kv->key_len], ==, '\0');
        g_assert_cmpint(kv->value[kv->value_len], ==, '\0');
        /* The decoded bytes encode back to base64 that decodes to the same bytes. */
        k64 = etcd_base64_encode(kv->key, kv->key_len);
        g_assert_cmpint(etcd_base64_decode(k64, &back, &back_len), ==, 0);
        g_assert_cmpuint(back_len, ==, kv->key_len);
        g_assert_true(memcmp(back, kv->key, back_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(EtcdReply) reply = NULL;
        g_autoptr(GError) error = NULL;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;
        r = etcd_reply_parse((const char *) data, size, &reply, &error);
        if (r < 0) {
                g_assert_null(reply);
                g_assert_nonnull(error);
                g_assert_true(error->domain == ETCD_ERROR);
                g_assert_true(g_utf8_validate(error->message, -1, NULL));
                return 0;
        }
        g_assert_cmpint(r, ==, 0);
        g_assert_no_error(error);
        g_assert_nonnull(reply);
        for (guint i = 0; i < reply->kvs->len; i++) {
                const EtcdKeyValue *kv = g_ptr_array_index(reply->kvs, i);
                int pos = etcd_semaphore_position(reply, kv->key, kv->key_len, NULL);

                check_kv(kv);
                /* Every key of the reply has a place, before the end of the queue. */
                g_assert_cmpint(pos, >=, 0);
                g_assert_cmpint(pos, <, (int) reply->kvs->len);
        }
        for (guint i = 0; i < reply->events->len; i++) {
                const EtcdEvent *ev = g_ptr_array_index(reply->events, i);

                g_assert_true(ev->type == ETCD_EVENT_PUT || ev->type == ETCD_EVENT_DELETE);
                check_kv(ev->kv);
        }
        if (reply->cancel_reason)
                g_assert_true(g_utf8_validate(reply->cancel_reason, -1, NULL));
        return 0;
}

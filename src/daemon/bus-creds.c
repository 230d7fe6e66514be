/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-creds.h"
#include "macro.h"
#include "manager.h"

/*
 * The caller's uid comes from the bus daemon (GetConnectionCredentials), a
 * synchronous round trip that stalls the whole loop: one per Submit() capped
 * throughput at about one call per round trip.  A unique name's credentials
 * never change while it exists and a unique name is never reused, so the
 * answer is kept until the name leaves the bus (the NameOwnerChanged match
 * of lease.c calls bus_creds_forget()).
 */

/**
 * bus_sender_uid() - the effective uid of the sender of @message
 * @m: the manager (holds the cache)
 * @message: a method call
 * @ret: the uid
 *
 * Return: 0 or a negative errno (the sender is gone, or the bus would not say).
 */
int bus_sender_uid(Manager *m, sd_bus_message *message, uint32_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(message);
        gpointer cached;
        uid_t uid;
        int r;

        if (sender && g_hash_table_lookup_extended(m->peer_uids, sender, NULL, &cached)) {
                *ret = GPOINTER_TO_UINT(cached);
                return 0;
        }

        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;

        if (sender && sender[0] == ':')
                g_hash_table_insert(m->peer_uids, g_strdup(sender), GUINT_TO_POINTER((guint) uid));
        *ret = (uint32_t) uid;
        return 0;
}

/**
 * bus_creds_forget() - a unique name left the bus
 * @m: the manager
 * @unique_name: the name
 */
void bus_creds_forget(Manager *m, const char *unique_name) {
        g_hash_table_remove(m->peer_uids, unique_name);
}

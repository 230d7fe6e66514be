/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A token bucket per uid: see call-rate.h. */
#include "call-rate.h"

struct CallRate {
        uint64_t interval;              /* usec between two tokens */
        uint64_t tolerance;             /* (burst - 1) * interval: how far ahead a uid may run */
        GHashTable *tat;                /* uid -> uint64_t* (owned): when its bucket is full again */
        unsigned pruned_at;             /* the table's size after the last prune */
};

/**
 * call_rate_new() - token buckets, one per uid
 * @interval_usec: usec between two tokens (1 000 000 / rate); at least 1
 * @burst: tokens a full bucket holds; at least 1
 *
 * Return: the buckets, every one full; never NULL.
 */
CallRate *call_rate_new(uint64_t interval_usec, unsigned burst) {
        CallRate *cr = g_new0(CallRate, 1);

        cr->interval = interval_usec ? interval_usec : 1;
        cr->tolerance = (uint64_t) (burst ? burst - 1 : 0) * cr->interval;
        cr->tat = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        return cr;
}

/**
 * call_rate_free() - forget every bucket
 * @cr: the buckets (may be NULL)
 */
void call_rate_free(CallRate *cr) {
        if (!cr)
                return;
        g_hash_table_destroy(cr->tat);
        g_free(cr);
}

/* Full buckets are the same as no bucket: drop them, now and then (when the
 * table has doubled since the last time), so the cost stays O(1) a call. */
static void prune(CallRate *cr, uint64_t now) {
        GHashTableIter it;
        gpointer value;

        if (g_hash_table_size(cr->tat) < 2 * cr->pruned_at + 16)
                return;
        g_hash_table_iter_init(&it, cr->tat);
        while (g_hash_table_iter_next(&it, NULL, &value))
                if (*(uint64_t *) value <= now)
                        g_hash_table_iter_remove(&it);
        cr->pruned_at = g_hash_table_size(cr->tat);
}

/**
 * call_rate_take() - take one of @uid's tokens, if it has one
 * @cr: the buckets
 * @uid: whose
 * @now: CLOCK_MONOTONIC usec
 *
 * Return: true if a token was taken, false if @uid has none now (nothing
 * changes; call_rate_next() says when it will).
 */
bool call_rate_take(CallRate *cr, uint32_t uid, uint64_t now) {
        uint64_t *tat = g_hash_table_lookup(cr->tat, GUINT_TO_POINTER(uid));
        uint64_t t = tat && *tat > now ? *tat : now;

        if (t - now > cr->tolerance)
                return false;
        if (!tat) {
                prune(cr, now);
                tat = g_new(uint64_t, 1);
                g_hash_table_insert(cr->tat, GUINT_TO_POINTER(uid), tat);
        }
        *tat = t + cr->interval;
        return true;
}

/**
 * call_rate_next() - when @uid will have a token
 * @cr: the buckets
 * @uid: whose
 * @now: CLOCK_MONOTONIC usec
 *
 * Return: @now when it has one now, else the CLOCK_MONOTONIC usec at which
 * call_rate_take() will succeed (if nothing else takes one before).
 */
uint64_t call_rate_next(const CallRate *cr, uint32_t uid, uint64_t now) {
        const uint64_t *tat = g_hash_table_lookup(cr->tat, GUINT_TO_POINTER(uid));

        if (!tat || *tat <= now + cr->tolerance)
                return now;
        return *tat - cr->tolerance;
}

/**
 * call_rate_tracked() - how many uids have a bucket that is not full
 * @cr: the buckets
 *
 * Return: the number of buckets kept (full ones may linger until the next prune).
 */
unsigned call_rate_tracked(const CallRate *cr) {
        return g_hash_table_size(cr->tat);
}

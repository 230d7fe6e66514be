/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatch queue.
 *
 * Queued jobs that share the same limit signature (class + sorted resources,
 * plus the fair bucket when Discipline=fair, plus the owner when
 * MaxRunningPerUser= is set) live in one QueueGroup, ordered
 * by the discipline.  Every job of a group is blocked exactly when its head
 * is, so dispatch only ever looks at group heads: thousands of jobs waiting
 * for one full resource cost one comparison per dispatch.
 *
 * Orders:
 *
 *  fifo      by seq (submission order).
 *
 *  priority  highest effective priority first, FIFO within a level.  Aging:
 *            effective = priority + (now - submitted_at) / AgingSec.  Every
 *            queued job ages at the same rate, so comparing two jobs at any
 *            `now` gives the same answer as comparing the time-invariant key
 *                priority * AgingSec - submitted_at      (higher first)
 *            (multiply the effective priority by AgingSec and drop the
 *            common `now`).  The queue therefore never needs re-sorting and
 *            aging needs no timer; a job that waited AgingSec longer than
 *            another beats it by one priority level.  Ties by seq.
 *            AgingSec=0: plain priority, ties by seq.
 *
 *  fair      round-robin between fair buckets (the owner, or the value of
 *            the job's FairKey resource; jobs without it share the bucket
 *            ""): among the unblocked heads, the one whose bucket was served
 *            least recently wins, ties by seq.  Within a group: by seq.
 */
#include <string.h>

#include "scheduler-private.h"

static gint64 i128_sign(__int128 v) {
        return v < 0 ? -1 : (v > 0 ? 1 : 0);
}

/* The discipline's order between two jobs, ignoring fair buckets. */
static int job_compare(Scheduler *s, Job *a, Job *b) {
        if (s->config->discipline == DISCIPLINE_PRIORITY) {
                usec_t aging = s->config->aging_usec;

                if (aging > 0) {
                        __int128 ka = (__int128) a->priority * aging - (__int128) a->submitted_at;
                        __int128 kb = (__int128) b->priority * aging - (__int128) b->submitted_at;
                        int c = (int) i128_sign(kb - ka);
                        if (c != 0)
                                return c;
                } else if (a->priority != b->priority)
                        return a->priority > b->priority ? -1 : 1;
        }

        if (a->seq != b->seq)
                return a->seq < b->seq ? -1 : 1;
        return 0;
}

static int group_compare(gconstpointer a, gconstpointer b, gpointer userdata) {
        return job_compare(userdata, (Job *) a, (Job *) b);
}

/**
 * queue_fair_bucket() - the fair bucket of a job under the current config
 * @s: the scheduler
 * @j: the job
 * @buf: scratch space for the owner's uid
 *
 * Return: the bucket name (borrowed from @j or @buf); "" for jobs without
 * the FairKey resource.
 */
const char *queue_fair_bucket(Scheduler *s, Job *j, char buf[static 16]) {
        const SluiceConfig *c = s->config;

        if (c->fair_by == FAIR_BY_OWNER) {
                g_snprintf(buf, 16, "%" G_GUINT32_FORMAT, j->owner);
                return buf;
        }

        size_t n = c->fair_resource_key ? strlen(c->fair_resource_key) : 0;
        for (char **r = j->resources; r && *r; r++)
                if (n > 0 && strncmp(*r, c->fair_resource_key, n) == 0 && (*r)[n] == ':')
                        return *r + n + 1;
        return "";
}

static uint64_t bucket_served(Scheduler *s, const char *bucket) {
        return GPOINTER_TO_SIZE(g_hash_table_lookup(s->fair_served, bucket));
}

/**
 * queue_compare_heads() - the order dispatch uses between two group heads
 * @s: the scheduler
 * @a: head of one group
 * @b: head of another group
 *
 * Return: < 0 if @a goes first, > 0 if @b does.
 */
int queue_compare_heads(Scheduler *s, Job *a, Job *b) {
        if (s->config->discipline == DISCIPLINE_FAIR) {
                uint64_t sa = bucket_served(s, job_priv(a)->group->bucket);
                uint64_t sb = bucket_served(s, job_priv(b)->group->bucket);
                if (sa != sb)
                        return sa < sb ? -1 : 1;
        }
        return job_compare(s, a, b);
}

/**
 * queue_mark_served() - record that a group's bucket just got a slot (fair)
 * @s: the scheduler
 * @g: the group whose head was started
 */
void queue_mark_served(Scheduler *s, QueueGroup *g) {
        if (!g->bucket)
                return;
        uint64_t tick = ++s->fair_tick;
        g_hash_table_insert(s->fair_served, g_strdup(g->bucket), GSIZE_TO_POINTER(tick));
        scheduler_invalidate_order(s);  /* the rotation moved */
}

/**
 * queue_group_free() - free an (empty or discarded) group
 * @g: the group; its jobs are not freed
 */
void queue_group_free(QueueGroup *g) {
        if (!g)
                return;
        g_sequence_free(g->jobs);
        g_free(g->signature);
        g_free(g->bucket);
        g_free(g);
}

static char *job_signature(Scheduler *s, Job *j, const char **ret_bucket, char buf[static 16]) {
        GString *sig = g_string_new(j->class_name);

        for (char **r = j->resources; r && *r; r++) {
                g_string_append_c(sig, '\x1e');
                g_string_append(sig, *r);
        }
        *ret_bucket = NULL;
        if (s->config->discipline == DISCIPLINE_FAIR) {
                *ret_bucket = queue_fair_bucket(s, j, buf);
                g_string_append_c(sig, '\x1f');
                g_string_append(sig, *ret_bucket);
        }
        /* MaxRunningPerUser blocks one owner's jobs only: a group must not mix
         * owners, or its head's owner would hold back another owner's jobs.
         * Under FairKey=owner the bucket already is the owner. */
        if (s->config->max_running_per_user > 0 &&
            !(s->config->discipline == DISCIPLINE_FAIR && s->config->fair_by == FAIR_BY_OWNER))
                g_string_append_printf(sig, "\x1d%" G_GUINT32_FORMAT, j->owner);
        return g_string_free(sig, false);
}

/*
 * The fair order (fair_order()) is a sequence of rounds: round k holds the
 * k-th job (by seq) of every bucket that has at least k, and every round
 * takes the buckets in the same rank: least recently served first (the
 * served tick when the order was built), ties by the seq of the bucket's
 * first job.  One FairRound per bucket remembers what the order was built
 * from, so a job joining the end of its bucket finds its place without
 * replaying the rotation.
 */
typedef struct FairRound {
        uint64_t served;        /* the bucket's served tick when the order was built */
        uint64_t first_seq;     /* seq of its first job: the rank's tie-break */
        uint64_t last_seq;      /* seq of its last job */
        unsigned count;         /* its jobs in the order */
} FairRound;

static bool fair_ranks_before(const FairRound *a, const FairRound *b) {
        if (a->served != b->served)
                return a->served < b->served;
        return a->first_seq < b->first_seq;
}

/* Where @j goes in the cached fair order, or -1 when the order must be rebuilt. */
static gssize fair_insert_index(Scheduler *s, Job *j) {
        const char *bucket = job_priv(j)->group->bucket;
        FairRound *mine = g_hash_table_lookup(s->order_buckets, bucket);
        FairRound fresh;
        GHashTableIter it;
        gpointer key, value;
        size_t index = 0;
        unsigned round;

        if (mine && j->seq < mine->last_seq)
                return -1;      /* not at the end of its bucket (a deferred job's turn came) */
        if (!mine) {
                fresh = (FairRound) { .served = bucket_served(s, bucket), .first_seq = j->seq };
                mine = &fresh;
        }
        round = mine->count + 1;       /* 1-based: the new job's round */
        g_hash_table_iter_init(&it, s->order_buckets);
        while (g_hash_table_iter_next(&it, &key, &value)) {
                const FairRound *b = value;

                /* Every earlier round, then the buckets ranked before ours in this one. */
                index += MIN(b->count, round - 1);
                if (b != mine && b->count >= round && fair_ranks_before(b, mine))
                        index++;
        }
        if (mine == &fresh) {
                FairRound *r = g_new(FairRound, 1);

                *r = fresh;
                g_hash_table_insert(s->order_buckets, g_strdup(bucket), r);
                mine = r;
        }
        mine->count++;
        mine->last_seq = j->seq;
        return (gssize) index;
}

/*
 * Keep the cached dispatch order (queue_dispatch_order()) when a job joins,
 * instead of dropping it: every new job's InterfacesAdded reads Position, and
 * re-sorting the whole queue per Submit made Submit O(n log n) in the queue's
 * length.  Under fifo/priority the order is job_compare(), so a binary search
 * finds the new job's place (at the tail for fifo); under fair the job's
 * round and its bucket's rank do (fair_insert_index()).  Only the positions
 * after it move.
 */
static void order_insert(Scheduler *s, Job *j) {
        GPtrArray *order = s->order;
        guint lo = 0, hi;

        if (!order) {
                scheduler_invalidate_order(s);
                return;
        }
        if (s->config->discipline == DISCIPLINE_FAIR) {
                gssize at = s->order_buckets ? fair_insert_index(s, j) : -1;

                if (at < 0) {
                        scheduler_invalidate_order(s);
                        return;
                }
                lo = (guint) at;
        } else {
                hi = order->len;
                while (lo < hi) {
                        guint mid = lo + (hi - lo) / 2;

                        if (job_compare(s, order->pdata[mid], j) < 0)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
        }
        g_ptr_array_insert(order, (gint) lo, j);
        for (guint i = lo; i < order->len; i++)
                job_priv(order->pdata[i])->position = i + 1;
}

/**
 * queue_add() - put a queued job into its group
 * @s: the scheduler
 * @j: a queued job not yet in the dispatch queue
 */
void queue_add(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);
        char buf[16];
        const char *bucket;
        g_autofree char *sig = job_signature(s, j, &bucket, buf);

        g_assert(!p->group);

        QueueGroup *g = g_hash_table_lookup(s->groups, sig);
        if (!g) {
                g = g_new0(QueueGroup, 1);
                g->signature = g_steal_pointer(&sig);
                g->bucket = g_strdup(bucket);
                g->jobs = g_sequence_new(NULL);
                g_hash_table_insert(s->groups, g->signature, g);
        }
        p->group = g;
        /* Most jobs go last (fifo, restore in submission order): O(1) then. */
        GSequenceIter *last = g_sequence_iter_prev(g_sequence_get_end_iter(g->jobs));
        if (g_sequence_iter_is_end(last) || job_compare(s, g_sequence_get(last), j) < 0)
                p->queue_iter = g_sequence_append(g->jobs, j);
        else
                p->queue_iter = g_sequence_insert_sorted(g->jobs, j, group_compare, s);
        s->n_in_queue++;
        order_insert(s, j);
}

/**
 * queue_remove() - take a job out of the dispatch queue
 * @s: the scheduler
 * @j: a job in the dispatch queue (no-op otherwise)
 */
void queue_remove(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);
        QueueGroup *g = p->group;

        if (!g)
                return;
        g_sequence_remove(p->queue_iter);
        p->queue_iter = NULL;
        p->group = NULL;
        if (g_sequence_is_empty(g->jobs))
                g_hash_table_remove(s->groups, g->signature);
        s->n_in_queue--;
        scheduler_invalidate_order(s);
}

static gint job_seq_compare(gconstpointer a, gconstpointer b) {
        const Job *x = *(Job *const *) a, *y = *(Job *const *) b;
        return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

static GPtrArray *queue_collect(Scheduler *s) {
        GPtrArray *all = g_ptr_array_sized_new(s->n_in_queue);
        GHashTableIter it;
        gpointer v;

        g_hash_table_iter_init(&it, s->groups);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
                QueueGroup *g = v;
                for (GSequenceIter *i = g_sequence_get_begin_iter(g->jobs);
                     !g_sequence_iter_is_end(i); i = g_sequence_iter_next(i))
                        g_ptr_array_add(all, g_sequence_get(i));
        }
        return all;
}

/**
 * queue_regroup() - rebuild every group under the current config
 * @s: the scheduler
 *
 * Used after a config change: the discipline, AgingSec or FairKey may have
 * changed the grouping and the order.  Jobs are re-inserted in submission
 * order, so nothing is lost and seq keeps deciding ties.
 */
void queue_regroup(Scheduler *s) {
        g_autoptr(GPtrArray) all = queue_collect(s);

        /* The cached order belongs to the old config: queue_add() must not extend it. */
        scheduler_invalidate_order(s);

        g_ptr_array_sort(all, job_seq_compare);
        for (unsigned i = 0; i < all->len; i++) {
                JobPriv *p = job_priv(all->pdata[i]);
                p->group = NULL;
                p->queue_iter = NULL;
        }
        g_hash_table_remove_all(s->groups);
        s->n_in_queue = 0;
        for (unsigned i = 0; i < all->len; i++)
                queue_add(s, all->pdata[i]);
        scheduler_invalidate_order(s);
}

typedef struct BucketCursor {
        uint64_t served;
        GPtrArray *jobs;        /* by seq */
        unsigned next;
} BucketCursor;

static void bucket_cursor_free(gpointer p) {
        BucketCursor *c = p;
        g_ptr_array_unref(c->jobs);
        g_free(c);
}

static int cursor_compare(gconstpointer a, gconstpointer b, gpointer userdata) {
        const BucketCursor *x = a, *y = b;
        const Job *hx = x->jobs->pdata[x->next], *hy = y->jobs->pdata[y->next];

        if (x->served != y->served)
                return x->served < y->served ? -1 : 1;
        return hx->seq < hy->seq ? -1 : (hx->seq > hy->seq ? 1 : 0);
}

/* fair: replay the round-robin dispatch would do if no limit blocked
 * anything; *ret_rounds: what fair_insert_index() needs to extend it */
static GPtrArray *fair_order(Scheduler *s, GPtrArray *all, GHashTable **ret_rounds) {
        g_autoptr(GHashTable) buckets = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, bucket_cursor_free);
        g_autoptr(GSequence) rr = g_sequence_new(NULL);
        GPtrArray *order = g_ptr_array_sized_new(all->len);
        uint64_t tick = s->fair_tick;

        for (unsigned i = 0; i < all->len; i++) {
                Job *j = all->pdata[i];
                const char *b = job_priv(j)->group->bucket;
                BucketCursor *c = g_hash_table_lookup(buckets, b);
                if (!c) {
                        c = g_new0(BucketCursor, 1);
                        c->served = bucket_served(s, b);
                        c->jobs = g_ptr_array_new();
                        g_hash_table_insert(buckets, (gpointer) b, c);
                }
                g_ptr_array_add(c->jobs, j);
        }

        GHashTable *rounds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, buckets);
        while (g_hash_table_iter_next(&it, &k, &v)) {
                BucketCursor *c = v;
                FairRound *r = g_new(FairRound, 1);

                g_ptr_array_sort(c->jobs, job_seq_compare);
                g_sequence_insert_sorted(rr, c, cursor_compare, NULL);
                *r = (FairRound) {
                        .served = c->served,
                        .first_seq = ((Job *) c->jobs->pdata[0])->seq,
                        .last_seq = ((Job *) c->jobs->pdata[c->jobs->len - 1])->seq,
                        .count = c->jobs->len,
                };
                g_hash_table_insert(rounds, g_strdup(k), r);
        }
        *ret_rounds = rounds;

        while (!g_sequence_is_empty(rr)) {
                GSequenceIter *first = g_sequence_get_begin_iter(rr);
                BucketCursor *c = g_sequence_get(first);

                g_sequence_remove(first);
                g_ptr_array_add(order, c->jobs->pdata[c->next++]);
                c->served = ++tick;
                if (c->next < c->jobs->len)
                        g_sequence_insert_sorted(rr, c, cursor_compare, NULL);
        }
        return order;
}

static bool head_before(Scheduler *s, GSequenceIter *a, GSequenceIter *b) {
        return job_compare(s, g_sequence_get(a), g_sequence_get(b)) < 0;
}

static void heap_sift_down(Scheduler *s, GSequenceIter **heap, guint n, guint i) {
        for (;;) {
                guint l = 2 * i + 1, r = l + 1, min = i;

                if (l < n && head_before(s, heap[l], heap[min]))
                        min = l;
                if (r < n && head_before(s, heap[r], heap[min]))
                        min = r;
                if (min == i)
                        return;
                GSequenceIter *t = heap[i];
                heap[i] = heap[min];
                heap[min] = t;
                i = min;
        }
}

/*
 * fifo/priority: every group is already in job_compare() order, so the
 * dispatch order is their merge, O(n log groups), not a sort of every job,
 * O(n log n): the first Position read after a restart of a million jobs (one
 * group) took 187 ms of sorting.
 */
static GPtrArray *merged_order(Scheduler *s) {
        GPtrArray *order = g_ptr_array_sized_new(s->n_in_queue);
        g_autofree GSequenceIter **heap = g_new(GSequenceIter *, g_hash_table_size(s->groups) + 1);
        GHashTableIter it;
        gpointer v;
        guint n = 0;

        g_hash_table_iter_init(&it, s->groups);
        while (g_hash_table_iter_next(&it, NULL, &v))
                heap[n++] = g_sequence_get_begin_iter(((QueueGroup *) v)->jobs);     /* never empty */
        for (guint i = n / 2; i > 0; i--)
                heap_sift_down(s, heap, n, i - 1);
        while (n > 0) {
                GSequenceIter *next = g_sequence_iter_next(heap[0]);

                g_ptr_array_add(order, g_sequence_get(heap[0]));
                if (g_sequence_iter_is_end(next))
                        heap[0] = heap[--n];
                else
                        heap[0] = next;
                heap_sift_down(s, heap, n, 0);
        }
        return order;
}

/**
 * queue_dispatch_order() - every job of the dispatch queue, in the order
 * dispatch would consider them if no limit blocked anything
 * @s: the scheduler
 *
 * Computed on demand (a merge of the groups; fair: a replay of the
 * rotation) and cached until the queue changes but for new jobs
 * (order_insert()); sets each job's JobPriv.position (1-based).
 *
 * Return: the order (borrowed, owned by @s).
 */
GPtrArray *queue_dispatch_order(Scheduler *s) {
        if (s->order)
                return s->order;

        GPtrArray *order;

        g_clear_pointer(&s->order_buckets, g_hash_table_unref);
        if (s->config->discipline == DISCIPLINE_FAIR) {
                g_autoptr(GPtrArray) all = queue_collect(s);

                order = fair_order(s, all, &s->order_buckets);
        } else
                order = merged_order(s);

        for (unsigned i = 0; i < order->len; i++)
                job_priv(order->pdata[i])->position = i + 1;
        s->order = order;
        return order;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * May a queued job start now?  Pauses first, then the limits it touches:
 * its class's MaxRunning, each of its resources' MaxRunning, its owner's
 * MaxRunningPerUser, the global MaxRunning.  0 means unlimited everywhere.
 * A class that vanished from the config no longer limits its jobs.
 *
 * And the counts behind the limits and quotas: running jobs per class,
 * resource and owner; queued jobs per owner and per owner and class.
 *
 * Scope=cluster (docs/cluster.md): after the local limits, each cluster
 * resource's fleet slot is asked of the daemon's SchedulerClusterOps.  A job
 * waiting for one reserves its local slots (the reserved_* counts, added to
 * the running ones here).
 */
#include <string.h>

#include "i18n.h"
#include "scheduler-private.h"

static unsigned count_get(GHashTable *h, const char *key) {
        return GPOINTER_TO_UINT(g_hash_table_lookup(h, key));
}

static void count_add(GHashTable *h, const char *key, int delta) {
        unsigned n = count_get(h, key);

        g_assert(delta > 0 || n >= (unsigned) -delta);
        n += delta;
        if (n == 0)
                g_hash_table_remove(h, key);
        else
                g_hash_table_insert(h, g_strdup(key), GUINT_TO_POINTER(n));
}

/**
 * scheduler_count_running() - add or drop a running job's slots
 * @s: the scheduler
 * @j: the job
 * @delta: +1 when it starts, -1 when it ends
 */
static unsigned uint_count_get(GHashTable *h, uint32_t key) {
        return GPOINTER_TO_UINT(g_hash_table_lookup(h, GUINT_TO_POINTER(key)));
}

static void uint_count_add(GHashTable *h, uint32_t key, int delta) {
        unsigned n = uint_count_get(h, key);

        g_assert(delta > 0 || n >= (unsigned) -delta);
        n += delta;
        if (n == 0)
                g_hash_table_remove(h, GUINT_TO_POINTER(key));
        else
                g_hash_table_insert(h, GUINT_TO_POINTER(key), GUINT_TO_POINTER(n));
}

/* "uid\x1fclass"; not g_strdup_printf(): counted for every job restored at start. */
static char *owner_class_key(uint32_t owner, const char *class_name) {
        char digits[16];
        size_t i = sizeof(digits);

        digits[--i] = '\0';
        do
                digits[--i] = (char) ('0' + owner % 10);
        while ((owner /= 10) > 0);
        return g_strconcat(digits + i, "\x1f", class_name, NULL);
}

/**
 * scheduler_count_queued() - add or drop a queued job in the quota counts
 * @s: the scheduler
 * @j: the job
 * @delta: +1 when it becomes queued, -1 when it leaves the queued state
 */
void scheduler_count_queued(Scheduler *s, Job *j, int delta) {
        g_autofree char *key = owner_class_key(j->owner, j->class_name);

        uint_count_add(s->queued_per_owner, j->owner, delta);
        count_add(s->queued_per_owner_class, key, delta);
        count_add(s->queued_per_class, j->class_name, delta);
        for (char **r = j->resources; r && *r; r++)
                count_add(s->queued_per_resource, *r, delta);
        s->counts_serial++;
}

/**
 * scheduler_queued_of() - how many jobs an owner has queued
 * @s: the scheduler
 * @owner: the uid
 * @class_name: only those of this class; NULL: of every class
 *
 * Return: the count (jobs waiting for not-before or a retry included).
 */
unsigned scheduler_queued_of(Scheduler *s, uint32_t owner, const char *class_name) {
        if (!class_name)
                return uint_count_get(s->queued_per_owner, owner);

        g_autofree char *key = owner_class_key(owner, class_name);
        return count_get(s->queued_per_owner_class, key);
}

void scheduler_count_running(Scheduler *s, Job *j, int delta) {
        count_add(s->running_per_class, j->class_name, delta);
        uint_count_add(s->running_per_owner, j->owner, delta);
        for (char **r = j->resources; r && *r; r++)
                count_add(s->running_per_resource, *r, delta);
        s->n_running += delta;
        s->counts_serial++;
        job_priv(j)->counted = delta > 0;
}

/**
 * scheduler_class_running() - jobs of a class running now
 * @s: the scheduler
 * @class_name: the class
 *
 * Return: the count, kept as jobs move (no walk over the jobs).
 */
unsigned scheduler_class_running(Scheduler *s, const char *class_name) {
        return count_get(s->running_per_class, class_name);
}

/**
 * scheduler_class_queued() - jobs of a class in state queued
 * @s: the scheduler
 * @class_name: the class
 *
 * Return: the count (not-before and retry waits included, as scheduler_n_queued()).
 */
unsigned scheduler_class_queued(Scheduler *s, const char *class_name) {
        return count_get(s->queued_per_class, class_name);
}

/**
 * scheduler_resource_running() - running jobs holding a resource instance
 * @s: the scheduler
 * @resource: an expanded resource, "datastore:a"
 *
 * Return: the count.
 */
unsigned scheduler_resource_running(Scheduler *s, const char *resource) {
        return count_get(s->running_per_resource, resource);
}

/**
 * scheduler_resource_queued() - queued jobs that need a resource instance
 * @s: the scheduler
 * @resource: an expanded resource, "datastore:a"
 *
 * Return: the count.
 */
unsigned scheduler_resource_queued(Scheduler *s, const char *resource) {
        return count_get(s->queued_per_resource, resource);
}

/**
 * scheduler_owner_running() - running jobs of one owner
 * @s: the scheduler
 * @owner: the uid
 *
 * Return: the count.
 */
unsigned scheduler_owner_running(Scheduler *s, uint32_t owner) {
        return uint_count_get(s->running_per_owner, owner);
}

/**
 * scheduler_owner_queued() - queued jobs of one owner
 * @s: the scheduler
 * @owner: the uid
 *
 * Return: the count (not-before and retry waits included).
 */
unsigned scheduler_owner_queued(Scheduler *s, uint32_t owner) {
        return uint_count_get(s->queued_per_owner, owner);
}

static gint str_ptr_cmp(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/**
 * scheduler_resources_in_use() - resource instances some queued or running job needs
 * @s: the scheduler
 *
 * Costs one step per such instance, whatever the number of jobs.
 *
 * Return: sorted, NULL-terminated, each once; free with g_strfreev().
 */
char **scheduler_resources_in_use(Scheduler *s) {
        GPtrArray *out = g_ptr_array_new();
        GHashTableIter it;
        gpointer k;

        g_hash_table_iter_init(&it, s->running_per_resource);
        while (g_hash_table_iter_next(&it, &k, NULL))
                g_ptr_array_add(out, g_strdup(k));
        g_hash_table_iter_init(&it, s->queued_per_resource);
        while (g_hash_table_iter_next(&it, &k, NULL))
                if (!g_hash_table_contains(s->running_per_resource, k))
                        g_ptr_array_add(out, g_strdup(k));
        g_ptr_array_sort(out, str_ptr_cmp);
        g_ptr_array_add(out, NULL);
        return (char **) g_ptr_array_free(out, false);
}

static gint uint32_cmp(gconstpointer a, gconstpointer b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return x < y ? -1 : x > y;
}

/**
 * scheduler_owners_in_use() - uids with queued or running jobs
 * @s: the scheduler
 *
 * Return: a GArray of uint32_t, ascending, each once; free with g_array_unref().
 */
GArray *scheduler_owners_in_use(Scheduler *s) {
        GArray *out = g_array_new(false, false, sizeof(uint32_t));
        GHashTableIter it;
        gpointer k;

        g_hash_table_iter_init(&it, s->running_per_owner);
        while (g_hash_table_iter_next(&it, &k, NULL)) {
                uint32_t uid = GPOINTER_TO_UINT(k);
                g_array_append_val(out, uid);
        }
        g_hash_table_iter_init(&it, s->queued_per_owner);
        while (g_hash_table_iter_next(&it, &k, NULL)) {
                uint32_t uid = GPOINTER_TO_UINT(k);
                if (!g_hash_table_contains(s->running_per_owner, k))
                        g_array_append_val(out, uid);
        }
        g_array_sort(out, uint32_cmp);
        return out;
}

/**
 * scheduler_counts_serial() - a number that changes whenever a count moves
 * @s: the scheduler
 *
 * Any per-class, per-resource, per-owner or total count of running or queued
 * jobs moving bumps it: compare it with an earlier value to learn whether the
 * counts behind Limits and ClassDetails may have changed, without reading them.
 *
 * Return: the serial.
 */
uint64_t scheduler_counts_serial(Scheduler *s) {
        return s->counts_serial;
}

static bool paused(Scheduler *s, const char *prefix, const char *name) {
        g_autofree char *scope = g_strconcat(prefix, name, NULL);
        return g_hash_table_contains(s->paused, scope);
}

/**
 * scheduler_scope_paused_for() - is a paused scope holding this job back?
 * @s: the scheduler
 * @j: the job
 * @ret_scope: the class name, resource or resource pattern that is paused
 * @ret_reason: which kind of pause
 *
 * "resource:KEY:*" pauses every value of KEY.
 *
 * Return: true if paused.
 */
bool scheduler_scope_paused_for(Scheduler *s, Job *j, const char **ret_scope, BlockReason *ret_reason) {
        if (g_hash_table_size(s->paused) == 0)
                return false;

        if (g_hash_table_contains(s->paused, "")) {
                *ret_scope = "";
                *ret_reason = BLOCK_PAUSED_ALL;
                return true;
        }
        if (paused(s, "class:", j->class_name)) {
                *ret_scope = j->class_name;
                *ret_reason = BLOCK_PAUSED_CLASS;
                return true;
        }
        for (char **r = j->resources; r && *r; r++) {
                if (paused(s, "resource:", *r)) {
                        *ret_scope = *r;
                        *ret_reason = BLOCK_PAUSED_RESOURCE;
                        return true;
                }
                const char *colon = strchr(*r, ':');
                if (colon) {
                        g_autofree char *pattern = g_strdup_printf("resource:%.*s:*", (int) (colon - *r), *r);
                        gpointer key;
                        if (g_hash_table_lookup_extended(s->paused, pattern, &key, NULL)) {
                                *ret_scope = (const char *) key + strlen("resource:");
                                *ret_reason = BLOCK_PAUSED_RESOURCE;
                                return true;
                        }
                }
        }
        return false;
}

/**
 * scheduler_job_blocked() - would starting this job break a pause or limit?
 * @s: the scheduler
 * @j: a queued job
 * @ret: what blocks it (may be NULL); ->what is borrowed from @j, @s or the config
 *
 * Checked in the order WaitReason reports: pause, class, resources, owner
 * (MaxRunningPerUser), global, then the fleet slot of each Scope=cluster
 * resource (BLOCK_CLUSTER).  Local counts include the slots reserved by jobs
 * waiting for their fleet slot (not @j's own).
 *
 * Return: true if the job may not start now.
 */
/**
 * scheduler_cluster_wait() - a queued job leaves the dispatch queue to wait for its fleet slot
 * @s: the scheduler
 * @j: a queued job in the dispatch queue whose local limits have room
 *
 * Its local slots are reserved (class, resources, owner, global) until it
 * starts or ends: no other local job takes them meanwhile.
 */
void scheduler_cluster_wait(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);

        g_assert(!p->cluster_waiting && p->group);
        queue_mark_served(s, p->group);
        queue_remove(s, j);
        p->cluster_waiting = true;
        g_hash_table_insert(s->cluster_waiting, &j->id, j);
        count_add(s->reserved_per_class, j->class_name, +1);
        uint_count_add(s->reserved_per_owner, j->owner, +1);
        for (char **r = j->resources; r && *r; r++)
                count_add(s->reserved_per_resource, *r, +1);
        s->n_reserved++;
}

/**
 * scheduler_cluster_unwait() - a job waiting for its fleet slot starts or ends
 * @s: the scheduler
 * @j: the job (JobPriv.cluster_waiting)
 *
 * Gives its reserved local slots back.
 */
void scheduler_cluster_unwait(Scheduler *s, Job *j) {
        JobPriv *p = job_priv(j);

        g_assert(p->cluster_waiting);
        p->cluster_waiting = false;
        g_clear_pointer(&p->cluster_reason, g_free);
        g_hash_table_remove(s->cluster_waiting, &j->id);
        count_add(s->reserved_per_class, j->class_name, -1);
        uint_count_add(s->reserved_per_owner, j->owner, -1);
        for (char **r = j->resources; r && *r; r++)
                count_add(s->reserved_per_resource, *r, -1);
        s->n_reserved--;
}

static gint job_seq_cmp(gconstpointer a, gconstpointer b) {
        const Job *x = *(Job *const *) a, *y = *(Job *const *) b;

        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/**
 * scheduler_cluster_waiting() - the jobs waiting for their fleet slot
 * @s: the scheduler
 *
 * Return: a new GPtrArray of Job* (borrowed), by submission order; free with g_ptr_array_unref().
 */
GPtrArray *scheduler_cluster_waiting(Scheduler *s) {
        GPtrArray *out = g_ptr_array_sized_new(g_hash_table_size(s->cluster_waiting));
        GHashTableIter it;
        gpointer v;

        g_hash_table_iter_init(&it, s->cluster_waiting);
        while (g_hash_table_iter_next(&it, NULL, &v))
                g_ptr_array_add(out, v);
        g_ptr_array_sort(out, job_seq_cmp);
        return out;
}

/* Of those, the reserved ones (jobs waiting for a fleet slot), less @j's own. */
static unsigned reserved_of(GHashTable *reserved, const char *key, const Job *j) {
        return count_get(reserved, key) - (job_priv((Job *) j)->cluster_waiting ? 1 : 0);
}

/* Running plus reserved, less @j's own reservation. */
static unsigned taken(GHashTable *running, GHashTable *reserved, const char *key, const Job *j) {
        return count_get(running, key) + count_get(reserved, key) - (job_priv((Job *) j)->cluster_waiting ? 1 : 0);
}

/* The fleet slot of every Scope=cluster resource of @j with a limit. */
static bool cluster_blocked(Scheduler *s, Job *j, BlockInfo *ret) {
        const SluiceConfig *c = s->config;
        JobPriv *p = job_priv(j);

        if (!c->cluster)
                return false;
        for (char **r = j->resources; r && *r; r++) {
                uint32_t limit;
                char *reason = NULL;

                if (sluice_config_resource_scope(c, *r) != RESOURCE_SCOPE_CLUSTER)
                        continue;
                limit = sluice_config_resource_limit(c, *r);
                if (limit == 0)
                        continue;       /* unlimited in the fleet too: nothing to ask */
                if (s->cluster_ops && s->cluster_ops->admitted(s->cluster_data, j->id, *r, limit, &reason))
                        continue;
                g_free(p->cluster_reason);
                p->cluster_reason = reason ? reason : g_strdup(_("not connected"));
                *ret = (BlockInfo) { .reason = BLOCK_CLUSTER, .what = *r, .limit = limit,
                                     .detail = p->cluster_reason };
                return true;
        }
        return false;
}

bool scheduler_job_blocked(Scheduler *s, Job *j, BlockInfo *ret) {
        BlockInfo dummy;
        const SluiceConfig *c = s->config;
        bool self = job_priv(j)->cluster_waiting;

        if (!ret)
                ret = &dummy;
        *ret = (BlockInfo) { .reason = BLOCK_NONE };

        if (scheduler_scope_paused_for(s, j, &ret->what, &ret->reason))
                return true;

        const ClassConfig *cc = sluice_config_get_class(c, j->class_name);
        if (cc && cc->max_running > 0) {
                unsigned n = taken(s->running_per_class, s->reserved_per_class, j->class_name, j);
                if (n >= cc->max_running) {
                        *ret = (BlockInfo) { .reason = BLOCK_CLASS_FULL, .what = j->class_name, .running = n,
                                             .limit = cc->max_running,
                                             .reserved = reserved_of(s->reserved_per_class, j->class_name, j) };
                        return true;
                }
        }

        for (char **r = j->resources; r && *r; r++) {
                uint32_t limit = sluice_config_resource_limit(c, *r);
                if (limit == 0)
                        continue;
                unsigned n = taken(s->running_per_resource, s->reserved_per_resource, *r, j);
                if (n >= limit) {
                        *ret = (BlockInfo) { .reason = BLOCK_RESOURCE_FULL, .what = *r, .running = n,
                                             .limit = limit,
                                             .reserved = reserved_of(s->reserved_per_resource, *r, j) };
                        return true;
                }
        }

        if (c->max_running_per_user > 0) {
                unsigned n = uint_count_get(s->running_per_owner, j->owner) +
                             uint_count_get(s->reserved_per_owner, j->owner) - (self ? 1 : 0);
                if (n >= c->max_running_per_user) {
                        *ret = (BlockInfo) { BLOCK_USER_FULL, NULL, n, c->max_running_per_user, j->owner };
                        return true;
                }
        }

        unsigned n_taken = s->n_running + s->n_reserved - (self ? 1 : 0);
        if (c->max_running > 0 && n_taken >= c->max_running) {
                *ret = (BlockInfo) { .reason = BLOCK_GLOBAL_FULL, .running = n_taken, .limit = c->max_running,
                                     .reserved = s->n_reserved - (self ? 1 : 0) };
                return true;
        }

        /* Only now the fleet (docs/cluster.md): a want goes out only for a
         * job the host would start. */
        return cluster_blocked(s, j, ret);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * May a queued job start now?  Pauses first, then the limits it touches:
 * its class's MaxRunning, each of its resources' MaxRunning, its owner's
 * MaxRunningPerUser, the global MaxRunning.  0 means unlimited everywhere.
 * A class that vanished from the config no longer limits its jobs.
 *
 * And the counts behind the limits and quotas: running jobs per class,
 * resource and owner; queued jobs per owner and per owner and class.
 */
#include <string.h>

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
        job_priv(j)->counted = delta > 0;
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
 * (MaxRunningPerUser), global.
 *
 * Return: true if the job may not start now.
 */
bool scheduler_job_blocked(Scheduler *s, Job *j, BlockInfo *ret) {
        BlockInfo dummy;
        const SluiceConfig *c = s->config;

        if (!ret)
                ret = &dummy;
        *ret = (BlockInfo) { .reason = BLOCK_NONE };

        if (scheduler_scope_paused_for(s, j, &ret->what, &ret->reason))
                return true;

        const ClassConfig *cc = sluice_config_get_class(c, j->class_name);
        if (cc && cc->max_running > 0) {
                unsigned n = count_get(s->running_per_class, j->class_name);
                if (n >= cc->max_running) {
                        *ret = (BlockInfo) { BLOCK_CLASS_FULL, j->class_name, n, cc->max_running };
                        return true;
                }
        }

        for (char **r = j->resources; r && *r; r++) {
                uint32_t limit = sluice_config_resource_limit(c, *r);
                if (limit == 0)
                        continue;
                unsigned n = count_get(s->running_per_resource, *r);
                if (n >= limit) {
                        *ret = (BlockInfo) { BLOCK_RESOURCE_FULL, *r, n, limit };
                        return true;
                }
        }

        if (c->max_running_per_user > 0) {
                unsigned n = uint_count_get(s->running_per_owner, j->owner);
                if (n >= c->max_running_per_user) {
                        *ret = (BlockInfo) { BLOCK_USER_FULL, NULL, n, c->max_running_per_user, j->owner };
                        return true;
                }
        }

        if (c->max_running > 0 && s->n_running >= c->max_running) {
                *ret = (BlockInfo) { BLOCK_GLOBAL_FULL, NULL, s->n_running, c->max_running };
                return true;
        }
        return false;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small tables of the state database (see store.h): the next job id,
 * the paused scopes, configuration overrides, stop requests of running
 * jobs, schedules' last triggers and alerts' states.
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <sqlite3.h>

#include "i18n.h"
#include "store-private.h"

/**
 * store_put_next_id() - remember the id the next job gets
 * @st: the store
 * @next_id: the id
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_next_id(Store *st, uint64_t next_id, GError **error) {
        return store_exec_bound(st, "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)",
                          _("cannot write the next job id"), error, NULL, NULL, NULL, (int64_t) next_id, true);
}

/**
 * store_put_paused() - replace the set of paused scopes
 * @st: the store
 * @scopes: the scopes, NULL-terminated (NULL: none)
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_paused(Store *st, const char *const *scopes, GError **error) {
        if (!store_exec(st, "DELETE FROM paused", _("cannot write the paused scopes"), error))
                return false;
        for (size_t i = 0; scopes && scopes[i]; i++)
                if (!store_exec_bound(st, "INSERT OR IGNORE INTO paused (scope) VALUES (?)",
                                _("cannot write the paused scopes"), error, scopes[i], NULL, NULL, 0, false))
                        return false;
        return true;
}

/**
 * store_put_override() - remember a run-time configuration change
 * @st: the store
 * @section: the config section ("Manager", "Class:NAME", ...)
 * @key: the key
 * @value: the value as a config file would spell it
 * @error: set on failure
 *
 * A later override of the same section and key replaces the earlier one
 * and moves to the end of the storing order.
 *
 * Return: true on success.
 */
bool store_put_override(Store *st, const char *section, const char *key, const char *value, GError **error) {
        if (!store_exec_bound(st, "DELETE FROM config_overrides WHERE section = ? AND key = ?",
                        _("cannot write a configuration override"), error, section, key, NULL, 0, false))
                return false;
        return store_exec_bound(st, "INSERT INTO config_overrides (section, key, value) VALUES (?, ?, ?)",
                          _("cannot write a configuration override"), error, section, key, value, 0, false);
}

/**
 * store_delete_override() - forget a stored configuration override
 * @st: the store
 * @section: the config section
 * @key: the key
 * @error: set on failure
 *
 * Return: true on success (also when none was stored).
 */
bool store_delete_override(Store *st, const char *section, const char *key, GError **error) {
        return store_exec_bound(st, "DELETE FROM config_overrides WHERE section = ? AND key = ?",
                          _("cannot remove a configuration override"), error, section, key, NULL, 0, false);
}

/**
 * store_put_cluster_lease() - remember the etcd lease of this sluiced
 * @st: the store
 * @lease_id: the lease id the cluster module granted last
 * @error: set on failure
 *
 * A restarted sluiced hands it to the module, which keeps using it while
 * etcd still has it (docs/cluster.md, "Restart").
 *
 * Return: true on success.
 */
bool store_put_cluster_lease(Store *st, int64_t lease_id, GError **error) {
        return store_exec_bound(st, "INSERT OR REPLACE INTO meta (key, value) VALUES ('cluster_lease', ?)",
                          _("cannot write the cluster lease id"), error, NULL, NULL, NULL, lease_id, true);
}

/**
 * store_load_cluster_lease() - the stored etcd lease id
 * @st: the store
 * @ret: the id, 0 when none was stored
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_load_cluster_lease(Store *st, int64_t *ret, GError **error) {
        int64_t n = 0, v = 0;

        if (!store_query_int(st, "SELECT count(*) FROM meta WHERE key = 'cluster_lease'", &n, error))
                return false;
        if (n > 0 && !store_query_int(st, "SELECT value FROM meta WHERE key = 'cluster_lease'", &v, error))
                return false;
        *ret = v;
        return true;
}

/**
 * store_load_next_id() - the stored next job id
 * @st: the store
 * @ret: the id, 0 when none was stored
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_load_next_id(Store *st, uint64_t *ret, GError **error) {
        int64_t n = 0, v = 0;

        if (!store_query_int(st, "SELECT count(*) FROM meta WHERE key = 'next_id'", &n, error))
                return false;
        if (n > 0 && !store_query_int(st, "SELECT value FROM meta WHERE key = 'next_id'", &v, error))
                return false;
        *ret = (uint64_t) v;
        return true;
}

static void paused_row(sqlite3_stmt *q, void *userdata) {
        g_ptr_array_add(userdata, g_strdup(store_column_text(q, 0) ?: ""));
}

/**
 * store_load_paused() - the stored paused scopes
 * @st: the store
 * @error: set on failure
 *
 * Return: sorted scopes, NULL-terminated (free with g_strfreev()); NULL on error.
 */
char **store_load_paused(Store *st, GError **error) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);

        if (!store_select(st, "SELECT scope FROM paused ORDER BY scope", _("cannot read the paused scopes"),
                          paused_row, v, error))
                return NULL;
        g_ptr_array_add(v, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&v), false);
}

static void override_row(sqlite3_stmt *q, void *userdata) {
        StoreOverride *o = g_new0(StoreOverride, 1);

        o->section = g_strdup(store_column_text(q, 0) ?: "");
        o->key = g_strdup(store_column_text(q, 1) ?: "");
        o->value = g_strdup(store_column_text(q, 2) ?: "");
        g_ptr_array_add(userdata, o);
}

/**
 * store_load_overrides() - the stored configuration overrides
 * @st: the store
 * @error: set on failure
 *
 * Return: owned StoreOverride* in storing order; NULL on error.
 */
GPtrArray *store_load_overrides(Store *st, GError **error) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func((GDestroyNotify) store_override_free);

        if (!store_select(st, "SELECT section, key, value FROM config_overrides ORDER BY rowid",
                          _("cannot read the configuration overrides"), override_row, v, error))
                return NULL;
        return g_steal_pointer(&v);
}

/**
 * store_override_free() - free a stored config override
 * @o: the override (may be NULL)
 */
void store_override_free(StoreOverride *o) {
        if (!o)
                return;
        g_free(o->section);
        g_free(o->key);
        g_free(o->value);
        g_free(o);
}

/**
 * store_stop_free() - free a stop request
 * @s: the request (may be NULL)
 */
void store_stop_free(StoreStop *s) {
        if (!s)
                return;
        g_free(s->reason);
        g_free(s->requester);
        g_free(s);
}

/**
 * store_put_stop() - remember that sluice asked for a running job's stop
 * @st: the store, in a transaction
 * @stop: the request
 * @error: set on failure
 *
 * The first request of a job is the one kept (a later one, such as the
 * StopUnit() a restarted sluiced sends again, changes nothing).  The row
 * goes when store_put_job() writes the job's end.
 *
 * Return: true on success.
 */
bool store_put_stop(Store *st, const StoreStop *stop, GError **error) {
        sqlite3_stmt *q = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db,
                               "INSERT OR IGNORE INTO job_stops (job_id, requested_at, reason, requester_uid, requester) "
                               "VALUES (?, ?, ?, ?, ?)",
                               -1, &q, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, _("cannot write a stop request"));
        sqlite3_bind_int64(q, 1, (sqlite3_int64) stop->job_id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64) MIN(stop->requested_at, (usec_t) INT64_MAX));
        store_bind_text(q, 3, stop->reason ?: "sluice");
        if (stop->has_requester_uid)
                sqlite3_bind_int64(q, 4, stop->requester_uid);
        else
                sqlite3_bind_null(q, 4);
        store_bind_text(q, 5, stop->requester);
        r = sqlite3_step(q);
        sqlite3_finalize(q);
        if (r != SQLITE_DONE)
                return store_set_db_error(st, error, _("cannot write a stop request"));
        return true;
}

/**
 * store_get_stop() - the stored stop request of a job
 * @st: the store
 * @job_id: the job
 * @ret: the request (owned, free with store_stop_free()), NULL when none is stored
 * @error: set on failure
 *
 * Return: true on success (also when there is none).
 */
bool store_get_stop(Store *st, uint64_t job_id, StoreStop **ret, GError **error) {
        sqlite3_stmt *q = NULL;
        StoreStop *s = NULL;
        int r;

        if (sqlite3_prepare_v2(st->db,
                               "SELECT requested_at, reason, requester_uid, requester FROM job_stops WHERE job_id = ?",
                               -1, &q, NULL) != SQLITE_OK)
                return store_set_db_error(st, error, _("cannot read the stop requests"));
        sqlite3_bind_int64(q, 1, (sqlite3_int64) job_id);
        r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
                s = g_new0(StoreStop, 1);
                s->job_id = job_id;
                s->requested_at = (usec_t) sqlite3_column_int64(q, 0);
                s->reason = g_strdup(store_column_text(q, 1) ?: "sluice");
                s->has_requester_uid = sqlite3_column_type(q, 2) != SQLITE_NULL;
                s->requester_uid = (uint32_t) sqlite3_column_int64(q, 2);
                s->requester = g_strdup(store_column_text(q, 3));
                r = SQLITE_DONE;
        }
        sqlite3_finalize(q);
        if (r != SQLITE_DONE) {
                store_stop_free(s);
                return store_set_db_error(st, error, _("cannot read the stop requests"));
        }
        *ret = s;
        return true;
}

/**
 * store_put_schedule_trigger() - remember when a schedule last fired
 * @st: the store
 * @name: the schedule's name
 * @last_trigger: CLOCK_REALTIME usec of the elapse it fired for
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_schedule_trigger(Store *st, const char *name, usec_t last_trigger, GError **error) {
        return store_exec_bound(st, "INSERT OR REPLACE INTO schedule_triggers (last_trigger, name) VALUES (?, ?)",
                          _("cannot write a schedule's last trigger"), error, name, NULL, NULL,
                          (int64_t) last_trigger, true);
}

static void trigger_row(sqlite3_stmt *q, void *userdata) {
        usec_t *v = g_new(usec_t, 1);

        *v = (usec_t) sqlite3_column_int64(q, 1);
        g_hash_table_replace(userdata, g_strdup(store_column_text(q, 0) ?: ""), v);
}

/**
 * store_load_schedule_triggers() - every schedule's last trigger
 * @st: the store
 * @error: set on failure
 *
 * Return: name (char*) -> usec_t* (both owned by the table); NULL on error.
 */
GHashTable *store_load_schedule_triggers(Store *st, GError **error) {
        g_autoptr(GHashTable) t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

        if (!store_select(st, "SELECT name, last_trigger FROM schedule_triggers",
                          _("cannot read the schedules' last triggers"), trigger_row, t, error))
                return NULL;
        return g_steal_pointer(&t);
}

/**
 * store_put_alert() - remember an alert's state
 * @st: the store
 * @name: the alert's name
 * @state: free text owned by the alerts code ("raised", "cleared", ...)
 * @since: CLOCK_REALTIME usec the state began
 * @error: set on failure
 *
 * Return: true on success.
 */
bool store_put_alert(Store *st, const char *name, const char *state, usec_t since, GError **error) {
        return store_exec_bound(st, "INSERT OR REPLACE INTO alerts (since, name, state) VALUES (?, ?, ?)",
                          _("cannot write an alert's state"), error, name, state, NULL, (int64_t) since, true);
}

static void alert_row(sqlite3_stmt *q, void *userdata) {
        StoreAlert *a = g_new0(StoreAlert, 1);

        a->name = g_strdup(store_column_text(q, 0) ?: "");
        a->state = g_strdup(store_column_text(q, 1) ?: "");
        a->since = (usec_t) sqlite3_column_int64(q, 2);
        g_ptr_array_add(userdata, a);
}

/**
 * store_load_alerts() - every stored alert state
 * @st: the store
 * @error: set on failure
 *
 * Return: owned StoreAlert*; NULL on error.
 */
GPtrArray *store_load_alerts(Store *st, GError **error) {
        g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func((GDestroyNotify) store_alert_free);

        if (!store_select(st, "SELECT name, state, since FROM alerts ORDER BY name", _("cannot read the alert states"),
                          alert_row, v, error))
                return NULL;
        return g_steal_pointer(&v);
}

/**
 * store_alert_free() - free a stored alert state
 * @a: the state (may be NULL)
 */
void store_alert_free(StoreAlert *a) {
        if (!a)
                return;
        g_free(a->name);
        g_free(a->state);
        g_free(a);
}

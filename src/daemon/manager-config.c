/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>

#include "errors.h"
#include "i18n.h"
#include "manager-config.h"
#include "store.h"

static StoreOverride *override_new(const char *section, const char *key, const char *value) {
        StoreOverride *o = g_new0(StoreOverride, 1);

        o->section = g_strdup(section);
        o->key = g_strdup(key);
        o->value = g_strdup(value);     /* NULL: a run-time "unset" setting a stored override aside */
        return o;
}

static GPtrArray *overrides_new(void) {
        return g_ptr_array_new_with_free_func((GDestroyNotify) store_override_free);
}

static int overrides_find(GPtrArray *list, const char *section, const char *key) {
        for (guint i = 0; list && i < list->len; i++) {
                const StoreOverride *o = list->pdata[i];

                if (strcmp(o->section, section) == 0 && strcmp(o->key, key) == 0)
                        return (int) i;
        }
        return -1;
}

static void overrides_remove(GPtrArray *list, const char *section, const char *key) {
        int i = overrides_find(list, section, key);

        if (i >= 0)
                g_ptr_array_remove_index(list, (guint) i);
}

/* A later setting of the same key replaces the earlier and moves to the end. */
static void overrides_put(GPtrArray *list, const char *section, const char *key, const char *value) {
        overrides_remove(list, section, key);
        g_ptr_array_add(list, override_new(section, key, value));
}

/**
 * manager_config_set_files() - the configuration the files give
 * @m: the manager
 * @files: it (the manager takes a reference)
 */
void manager_config_set_files(Manager *m, SluiceConfig *files) {
        g_clear_pointer(&m->files_config, sluice_config_unref);
        m->files_config = sluice_config_ref(files);
}

/**
 * manager_config_set_stored() - the overrides stored in the state database
 * @m: the manager
 * @stored: StoreOverride* in storing order (the manager takes the array's reference)
 */
void manager_config_set_stored(Manager *m, GPtrArray *stored) {
        g_clear_pointer(&m->stored_overrides, g_ptr_array_unref);
        m->stored_overrides = stored;
}

static SluiceConfig *apply_one(Manager *m, SluiceConfig *cfg, const StoreOverride *o, const char *source,
                               const char *location) {
        const char *keys[] = { o->key, NULL }, *values[] = { o->value, NULL };
        g_autoptr(GError) error = NULL;
        SluiceConfig *next = sluice_config_update_from(cfg, o->section, keys, values, source, location, &error);

        if (!next) {
                log_full(&m->log, LOG_WARNING, "%s override [%s] %s=%s no longer applies, skipped: %s",
                         strcmp(source, "runtime") == 0 ? "run-time" : "stored", o->section, o->key, o->value,
                         error->message);
                return cfg;
        }
        sluice_config_unref(cfg);
        return next;
}

/* Does @o take part in this pass?  A stored override that a run-time one
 * replaces or sets aside does not; a run-time "unset" sets nothing. */
static bool override_applies(const Manager *m, const StoreOverride *o, bool runtime) {
        if (runtime)
                return o->value != NULL;
        return overrides_find(m->runtime_overrides, o->section, o->key) < 0;
}

/*
 * The overrides of @list, a section at a time: the keys of one section are
 * applied together, as the UpdateConfig() that set them was, so that a
 * section the overrides created ([Alert late] with Class=, Within= and
 * Severity=) is checked as a whole, not one incomplete key after another.
 * A section that no longer applies as a whole is applied key by key, and
 * each key that does not apply is skipped with a warning.
 */
static SluiceConfig *apply_list(Manager *m, SluiceConfig *cfg, GPtrArray *list, bool runtime) {
        const char *source = runtime ? "runtime" : "override";
        const char *location = runtime ? "" : (m->store ? store_get_path(m->store) : "");
        g_autoptr(GPtrArray) sections = g_ptr_array_new();

        for (guint i = 0; list && i < list->len; i++) {
                const StoreOverride *o = list->pdata[i];

                if (override_applies(m, o, runtime) &&
                    !g_ptr_array_find_with_equal_func(sections, o->section, g_str_equal, NULL))
                        g_ptr_array_add(sections, o->section);
        }
        for (guint s = 0; s < sections->len; s++) {
                const char *section = sections->pdata[s];
                g_autoptr(GPtrArray) keys = g_ptr_array_new(), values = g_ptr_array_new();
                g_autoptr(GError) error = NULL;
                SluiceConfig *next;

                for (guint i = 0; i < list->len; i++) {
                        const StoreOverride *o = list->pdata[i];

                        if (strcmp(o->section, section) == 0 && override_applies(m, o, runtime)) {
                                g_ptr_array_add(keys, o->key);
                                g_ptr_array_add(values, o->value);
                        }
                }
                g_ptr_array_add(keys, NULL);
                g_ptr_array_add(values, NULL);
                next = sluice_config_update_from(cfg, section, (const char *const *) keys->pdata,
                                                 (const char *const *) values->pdata, source, location, &error);
                if (next) {
                        sluice_config_unref(cfg);
                        cfg = next;
                        continue;
                }
                for (guint i = 0; i < list->len; i++) {
                        const StoreOverride *o = list->pdata[i];

                        if (strcmp(o->section, section) == 0 && override_applies(m, o, runtime))
                                cfg = apply_one(m, cfg, o, source, location);
                }
        }
        return cfg;
}

/**
 * manager_config_build() - files + stored overrides + run-time overrides
 * @m: the manager, its files' configuration set
 *
 * A stored override the run-time ones replace or set aside is not applied;
 * the keys of one section are applied together; an override that does not
 * apply any more is skipped with a warning.
 *
 * Return: a new reference.
 */
SluiceConfig *manager_config_build(Manager *m) {
        SluiceConfig *cfg = sluice_config_ref(m->files_config);

        cfg = apply_list(m, cfg, m->stored_overrides, false);
        return apply_list(m, cfg, m->runtime_overrides, true);
}

/**
 * manager_config_record_update() - remember an applied UpdateConfig()
 * @m: the manager
 * @section: its section
 * @keys: its keys
 * @values: their values
 * @persist: stored (already committed) or run-time only
 */
void manager_config_record_update(Manager *m, const char *section, const char *const *keys,
                                  const char *const *values, bool persist) {
        if (!m->runtime_overrides)
                m->runtime_overrides = overrides_new();
        if (!m->stored_overrides)
                m->stored_overrides = overrides_new();

        for (size_t i = 0; keys && keys[i]; i++) {
                g_autofree char *v = g_strstrip(g_strdup(values[i]));

                if (persist) {
                        overrides_put(m->stored_overrides, section, keys[i], v);
                        overrides_remove(m->runtime_overrides, section, keys[i]);
                } else
                        overrides_put(m->runtime_overrides, section, keys[i], v);
        }
}

/**
 * manager_config_unset() - drop overrides (UnsetConfig())
 * @m: the manager
 * @section: the section
 * @keys: the keys, NULL-terminated
 * @persist: drop the stored overrides too (committed before this returns)
 * @error: what was wrong; nothing changed then
 *
 * Does not apply the result: the caller builds and applies it.
 *
 * Return: true on success.
 */
bool manager_config_unset(Manager *m, const char *section, const char *const *keys, bool persist,
                          GError **error) {
        bool any_stored = false;

        for (size_t i = 0; keys && keys[i]; i++) {
                if (!sluice_config_check_key(section, keys[i], error))
                        return false;
                if (overrides_find(m->stored_overrides, section, keys[i]) >= 0)
                        any_stored = true;
        }

        if (persist && any_stored) {
                if (!m->store) {
                        g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_NOT_SUPPORTED,
                                            _("persist: this sluiced has no state database"));
                        return false;
                }
                if (!store_begin(m->store, error))
                        return false;
                for (size_t i = 0; keys[i]; i++)
                        if (!store_delete_override(m->store, section, keys[i], error)) {
                                store_rollback(m->store);
                                return false;
                        }
                if (!store_commit(m->store, error))
                        return false;
        }

        if (!m->runtime_overrides)
                m->runtime_overrides = overrides_new();
        for (size_t i = 0; keys && keys[i]; i++) {
                overrides_remove(m->runtime_overrides, section, keys[i]);
                if (persist)
                        overrides_remove(m->stored_overrides, section, keys[i]);
                else if (overrides_find(m->stored_overrides, section, keys[i]) >= 0)
                        overrides_put(m->runtime_overrides, section, keys[i], NULL);
        }
        return true;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "bus-access.h"
#include "bus-config.h"
#include "bus-options.h"
#include "errors.h"
#include "i18n.h"
#include "input-bounds.h"
#include "manager-config.h"
#include "sluice-bus-names.h"

#define UNSET_MAX_KEYS 256u

/**
 * bus_config_method_get_config() - GetConfig() → a(sssss)
 * @msg: the call
 * @userdata: the manager
 * @error: unused
 *
 * The configuration in force, key by key: (section, key, value, source,
 * location); source "file", "drop-in", "override" (stored), "runtime" or
 * "default".  Open to every local user, as the properties are.
 *
 * Return: 1 or a negative errno.
 */
int bus_config_method_get_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autoptr(GPtrArray) entries = sluice_config_entries(scheduler_get_config(m->scheduler));
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sssss)");
        if (r < 0)
                return r;
        for (guint i = 0; i < entries->len; i++) {
                const SluiceConfigEntry *e = entries->pdata[i];

                r = sd_bus_message_append(reply, "(sssss)", e->section, e->key, e->value, e->source, e->location);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/**
 * bus_config_method_unset_config() - UnsetConfig(s section, as keys, b persist)
 * @msg: the call
 * @userdata: the manager
 * @error: InvalidArgument (empty or overlong names, no keys), InvalidConfig
 *         (unknown section or key), NotSupported/IOError (persist)
 *
 * Drops the overrides of @keys: the files' value (or the default) is in
 * force again.  Without persist a stored override is only set aside until
 * sluiced restarts; with persist it is deleted, durably, before the reply.
 * Authorized as UpdateConfig (org.sluice.configure).
 *
 * Return: 1 or a negative errno.
 */
int bus_config_method_unset_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        g_autoptr(GError) gerror = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        g_auto(GStrv) keys = NULL;
        const char *section;
        int persist, r;

        r = sd_bus_message_read(msg, "s", &section);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(msg, &keys);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &persist);
        if (r < 0)
                return r;
        if (section[0] == '\0')
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: must not be empty"), "section");
        if (strlen(section) > SLUICE_MAX_STRING_BYTES)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: %zu bytes is longer than the limit of %u bytes"),
                                         "section", strlen(section), SLUICE_MAX_STRING_BYTES);
        if (!keys || !keys[0])
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: must name at least one key"), "keys");
        if (g_strv_length(keys) > UNSET_MAX_KEYS)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: more than %u keys"), "keys",
                                         UNSET_MAX_KEYS);

        r = bus_access_check(m, msg, SLUICE_ACTION_CONFIGURE, NULL, NULL, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (!manager_config_unset(m, section, (const char *const *) keys, persist, &gerror)) {
                log_full(&m->log, LOG_NOTICE, "refused UnsetConfig(%s): %s", section, gerror->message);
                if (gerror->domain == SLUICE_ERROR)
                        return bus_error_from_gerror(error, gerror);
                return sd_bus_error_set(error, SD_BUS_ERROR_IO_ERROR, gerror->message);
        }
        log_full(&m->log, LOG_INFO, "configuration overrides of section [%s] dropped%s", section,
                 persist ? " and removed from the store" : " until restart");
        cfg = manager_config_build(m);
        manager_apply_config(m, cfg);
        return sd_bus_reply_method_return(msg, NULL);
}

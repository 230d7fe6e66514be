/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a frontend (the Cockpit page, a desktop tool) needs on the manager
 * object beyond the basic properties (docs/dbus-api.md): ClassDetails,
 * Limits, MaxRunningPerUser, MaxQueuedPerUser, GetPermissions() and
 * GetPermissionsFor().
 *
 * Every count comes from the scheduler's incrementally kept counts
 * (scheduler_class_running() and friends): building a property costs one
 * step per class, resource instance in use and uid with jobs, never one per
 * job, so the coalesced PropertiesChanged stays cheap with a million jobs
 * queued.
 */
#include <inttypes.h>
#include <string.h>

#include "bus-access.h"
#include "bus-creds.h"
#include "bus-frontend.h"
#include "errors.h"
#include "i18n.h"
#include "input-bounds.h"
#include "polkit-query.h"

/* How much of an unknown GetPermissionsFor() key an error message shows. */
#define ESCAPED_KEY_MAX 64u

/* "a{sv}" of one class. */
static int append_class(sd_bus_message *reply, Scheduler *s, const SluiceConfig *cfg, const ClassConfig *c,
                        bool all_paused) {
        g_autofree char *scope = g_strconcat("class:", c->name, NULL);
        uint32_t max_queued = c->has_max_queued_per_user ? c->max_queued_per_user : cfg->max_queued_per_user;
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "s", c->name);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}",
                                  "Kind", "s", job_kind_to_string(c->kind),
                                  "Description", "s", c->description ?: "",
                                  "Priority", "i", c->priority,
                                  "MaxRunning", "u", c->max_running,
                                  "MaxQueuedPerUser", "u", max_queued);
        if (r < 0)
                return r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "Resources");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_VARIANT, "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, c->resources ?: (char *[]) { NULL });
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "Parameters");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_VARIANT, "a(ss)");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ss)");
        for (guint i = 0; r >= 0 && c->parameters && i < c->parameters->len; i++) {
                const ParameterDecl *p = g_ptr_array_index(c->parameters, i);

                r = sd_bus_message_append(reply, "(ss)", p->name, p->pattern ?: "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        r = sd_bus_message_append(reply, "{sv}{sv}{sv}",
                                  "Running", "u", scheduler_class_running(s, c->name),
                                  "Queued", "u", scheduler_class_queued(s, c->name),
                                  "Paused", "b", all_paused || scheduler_scope_is_paused(s, scope));
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/**
 * bus_frontend_prop_class_details() - the ClassDetails property
 * @bus: the bus
 * @path: the manager's path
 * @interface: the manager's interface
 * @property: "ClassDetails"
 * @reply: the message to append the value to
 * @userdata: the Manager
 * @error: unused
 *
 * Every configured class, by name, with its configuration and counts.
 *
 * Return: 0 or a negative errno.
 */
int bus_frontend_prop_class_details(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_class_names(cfg);
        bool all_paused = scheduler_scope_is_paused(m->scheduler, "");
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{sa{sv}}");
        if (r < 0)
                return r;
        for (size_t i = 0; names && names[i]; i++) {
                const ClassConfig *c = sluice_config_get_class(cfg, names[i]);

                if (!c)
                        continue;
                r = append_class(reply, m->scheduler, cfg, c, all_paused);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static gint str_ptr_cmp(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The resource rows' names: every configured [Resource KEY] and every
 * instance in use, sorted, each once. */
static GPtrArray *resource_rows(Scheduler *s, const SluiceConfig *cfg) {
        g_auto(GStrv) in_use = scheduler_resources_in_use(s);
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
        GHashTableIter it;
        gpointer k;

        g_hash_table_iter_init(&it, cfg->resources);
        while (g_hash_table_iter_next(&it, &k, NULL))
                if (g_hash_table_add(seen, k))
                        g_ptr_array_add(rows, g_strdup(k));
        for (size_t i = 0; in_use && in_use[i]; i++)
                if (g_hash_table_add(seen, in_use[i]))
                        g_ptr_array_add(rows, g_strdup(in_use[i]));
        g_ptr_array_sort(rows, str_ptr_cmp);
        return rows;
}

/* "KEY:*": a template section, not an instance. */
static bool is_resource_wildcard(const char *name) {
        return g_str_has_suffix(name, ":*");
}

/**
 * bus_frontend_prop_limits() - the Limits property
 * @bus: the bus
 * @path: the manager's path
 * @interface: the manager's interface
 * @property: "Limits"
 * @reply: the message to append the value to
 * @userdata: the Manager
 * @error: unused
 *
 * (scope, name, running, queued, max) rows: global, then every class, every
 * resource (configured or in use), every uid with jobs; see docs/dbus-api.md.
 *
 * Return: 0 or a negative errno.
 */
int bus_frontend_prop_limits(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Scheduler *s = m->scheduler;
        const SluiceConfig *cfg = scheduler_get_config(s);
        g_auto(GStrv) classes = sluice_config_class_names(cfg);
        g_autoptr(GPtrArray) resources = resource_rows(s, cfg);
        g_autoptr(GArray) owners = scheduler_owners_in_use(s);
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ssuuu)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "(ssuuu)", "global", "", scheduler_n_running(s), scheduler_n_queued(s),
                                  cfg->max_running);
        if (r < 0)
                return r;

        for (size_t i = 0; classes && classes[i]; i++) {
                const ClassConfig *c = sluice_config_get_class(cfg, classes[i]);

                if (!c)
                        continue;
                r = sd_bus_message_append(reply, "(ssuuu)", "class", c->name, scheduler_class_running(s, c->name),
                                          scheduler_class_queued(s, c->name), c->max_running);
                if (r < 0)
                        return r;
        }

        for (guint i = 0; i < resources->len; i++) {
                const char *name = resources->pdata[i];
                bool wildcard = is_resource_wildcard(name);
                const ResourceConfig *rc = wildcard ? g_hash_table_lookup(cfg->resources, name) : NULL;

                r = sd_bus_message_append(reply, "(ssuuu)", "resource", name,
                                          wildcard ? 0u : scheduler_resource_running(s, name),
                                          wildcard ? 0u : scheduler_resource_queued(s, name),
                                          rc ? rc->max_running : sluice_config_resource_limit(cfg, name));
                if (r < 0)
                        return r;
        }

        for (guint i = 0; i < owners->len; i++) {
                uint32_t uid = g_array_index(owners, uint32_t, i);
                char name[16];

                g_snprintf(name, sizeof(name), "%" PRIu32, uid);
                r = sd_bus_message_append(reply, "(ssuuu)", "user", name, scheduler_owner_running(s, uid),
                                          scheduler_owner_queued(s, uid), cfg->max_running_per_user);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/**
 * bus_frontend_prop_max_running_per_user() - the MaxRunningPerUser property
 * @bus: the bus
 * @path: the manager's path
 * @interface: the manager's interface
 * @property: "MaxRunningPerUser"
 * @reply: the message to append the value to
 * @userdata: the Manager
 * @error: unused
 *
 * Return: 0 or a negative errno.
 */
int bus_frontend_prop_max_running_per_user(sd_bus *bus, const char *path, const char *interface,
                                           const char *property, sd_bus_message *reply, void *userdata,
                                           sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u", scheduler_get_config(m->scheduler)->max_running_per_user);
}

/**
 * bus_frontend_prop_max_queued_per_user() - the MaxQueuedPerUser property
 * @bus: the bus
 * @path: the manager's path
 * @interface: the manager's interface
 * @property: "MaxQueuedPerUser"
 * @reply: the message to append the value to
 * @userdata: the Manager
 * @error: unused
 *
 * Return: 0 or a negative errno.
 */
int bus_frontend_prop_max_queued_per_user(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply, void *userdata,
                                          sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u", scheduler_get_config(m->scheduler)->max_queued_per_user);
}

/*
 * The polkit details a real call of @a carries for class @class_name
 * (bus-access.c): Submit, Acquire, CancelJob/Cancel/SetPriority on a job of
 * the class, Pause/Resume("class:NAME") and a Submit with argv all pass
 * "class"; UpdateConfig, UnsetConfig, Reload and TriggerSchedule pass none,
 * so configure is asked without.  @buf holds the NULL-terminated pairs.
 */
static const char *const *action_details(SluiceAction a, const char *class_name, const char *buf[static 3]) {
        if (!class_name || a == SLUICE_ACTION_CONFIGURE)
                return NULL;
        buf[0] = "class";
        buf[1] = class_name;
        buf[2] = NULL;
        return buf;
}

/*
 * The answers for every action, each asked quietly with the details a real
 * call would carry (@class_name: the "class" detail, or NULL for none);
 * replies once all are in.  Return: 1 (replied or pending) or a negative
 * errno with @error set.
 */
static int reply_permissions(Manager *m, sd_bus_message *msg, const char *class_name, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *answers[_SLUICE_ACTION_MAX] = {};
        uint32_t uid;
        int r;

        r = bus_sender_uid(m, msg, &uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, _("cannot determine the caller's uid: %s"),
                                               g_strerror(-r));

        for (SluiceAction a = 0; a < _SLUICE_ACTION_MAX; a++) {
                const char *action_id = sluice_action_to_polkit_id(a);
                const char *buf[3];
                g_autofree char *reason = NULL;
                PolkitVerdict verdict;

                if (uid == 0 && !m->no_root_bypass) {
                        answers[a] = "yes";
                        continue;
                }
                r = polkit_registry_check_quiet(m->polkit, msg, uid, action_id,
                                                action_details(a, class_name, buf), &verdict, &reason);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, _("cannot check the authorization for %s: %s"),
                                                       action_id, g_strerror(-r));
                if (r == 0)
                        return 1;       /* asked; this call runs again with the answer */

                switch (verdict) {
                case POLKIT_VERDICT_ALLOWED:
                        answers[a] = "yes";
                        break;
                case POLKIT_VERDICT_CHALLENGE:
                        answers[a] = "challenge";
                        break;
                case POLKIT_VERDICT_OVERLOADED:
                        return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                 _("too many calls waiting for authorization from uid %u: %s; "
                                                   "retry later"),
                                                 (unsigned) uid, reason ? reason : "?");
                case POLKIT_VERDICT_UNAVAILABLE:
                        log_full_ratelimited(&m->log, &m->log.refusals, LOG_NOTICE,
                                             "GetPermissions: %s is \"no\" for uid %" PRIu32
                                             ": polkit unavailable: %s",
                                             action_id, uid, reason ? reason : "no answer");
                        answers[a] = "no";
                        break;
                case POLKIT_VERDICT_DENIED:
                default:
                        answers[a] = "no";
                        break;
                }
        }

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{ss}");
        if (r < 0)
                return r;
        for (SluiceAction a = 0; a < _SLUICE_ACTION_MAX; a++) {
                r = sd_bus_message_append(reply, "{ss}", sluice_action_to_polkit_id(a), answers[a]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/**
 * bus_frontend_method_get_permissions() - GetPermissions() → a{ss}
 * @msg: the call
 * @userdata: the Manager
 * @error: set on failure
 *
 * For every sluice polkit action, the caller's standing: "yes", "challenge"
 * or "no", asked without user interaction and without details.  Needs no
 * authorization.  uid 0 (unless --no-root-bypass) gets "yes" for all
 * without asking.  The checks go through the polkit queue one after
 * another: each answer re-dispatches this call, which then finds it and
 * asks the next; the reply goes once all are in.  polkit unavailable is
 * "no" (every mutating call would be refused too); a caller with too many
 * calls waiting for polkit gets LimitsExceeded, as with every other call.
 *
 * Return: 1 (replied or pending) or a negative errno with @error set.
 */
int bus_frontend_method_get_permissions(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return reply_permissions(userdata, msg, NULL, error);
}

/**
 * bus_frontend_method_get_permissions_for() - GetPermissionsFor(a{ss} details) → a{ss}
 * @msg: the call
 * @userdata: the Manager
 * @error: set on failure
 *
 * GetPermissions() for a target: each action is asked with the polkit
 * details a real call on that target carries, so a rule that looks at
 * action.lookup("class") answers here as it will on the call.  Known key:
 * "class" (a configured class; submit, acquire, manage-jobs and run-command
 * are asked with it, configure without, as UpdateConfig and Reload are).
 * An empty dict is GetPermissions().  Validated before anything is asked:
 * an unknown or repeated key, or a key or value over the string bound, is
 * InvalidArgument naming the key; a class that is not configured is
 * NoSuchClass.  Never interactive; needs no authorization.
 *
 * Return: 1 (replied or pending) or a negative errno with @error set.
 */
int bus_frontend_method_get_permissions_for(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        g_autofree char *class_name = NULL;
        const char *key, *value;
        int r;

        r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_ARRAY, "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(msg, "{ss}", &key, &value)) > 0) {
                g_autofree char *esc = g_strescape(key, NULL);

                /* Escaped: ASCII, so cut anywhere; a huge key is named by its start. */
                if (strlen(esc) > ESCAPED_KEY_MAX)
                        strcpy(esc + ESCAPED_KEY_MAX - 3, "...");
                if (strcmp(key, "class") != 0)
                        return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_ARGUMENT),
                                                 _("details.%s: unknown key (known: class)"), esc);
                if (class_name)
                        return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_ARGUMENT),
                                                 _("details.%s: given twice"), esc);
                if (strlen(value) > SLUICE_MAX_STRING_BYTES)
                        return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_ARGUMENT),
                                                 _("%s: %zu bytes is longer than the limit of %u bytes"),
                                                 "details.class", strlen(value), SLUICE_MAX_STRING_BYTES);
                class_name = g_strdup(value);
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;

        if (class_name && !sluice_config_get_class(scheduler_get_config(m->scheduler), class_name)) {
                g_autofree char *esc = g_strescape(class_name, NULL);

                return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_NO_SUCH_CLASS),
                                         _("details.class: no class named \"%s\""), esc);
        }
        return reply_permissions(m, msg, class_name, error);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "sluicectl __complete WHAT": the hidden verb the shell completions
 * (shell-completion/) call for live names, one per line on stdout:
 *
 *   classes            the configured classes (Classes property)
 *   jobs               ids of every job on the bus (ListJobs)
 *   active-jobs        ids of the queued and running jobs
 *   schedules          schedule names (Schedules property)
 *   scopes             pause scopes: class:NAME for every class,
 *                      resource:KEY for every configured resource and every
 *                      one a queued or running job needs (the Limits
 *                      property), and the scopes paused now
 *   paused             the scopes paused now (for resume); "" (everything)
 *                      is printed as an empty line
 *   config-keys SECTION  the keys of a configuration section ("Scheduler",
 *                      "Class NAME", "Resource KEY", "Schedule NAME",
 *                      "Alert NAME"), from the parser's own table
 *
 * Not in --help and not a stable interface.  It never starts sluiced: the
 * calls go out with auto-start off, so pressing TAB does not activate a
 * stopped daemon.  Exit 0 with nothing on stdout when sluiced is not there
 * (the shell just offers no names; the scripts discard stderr); exit 2 for
 * an unknown WHAT.
 */
#include <stdio.h>
#include <string.h>

#include "config-model.h"
#include "ctl-bus.h"
#include "ctl.h"
#include "macro.h"

/* One method call to the manager, auto-start off; NULL reply when it failed. */
static sd_bus_message *call_quiet(Ctl *ctl, const char *interface, const char *member,
                                  void (*append)(sd_bus_message *m, const void *userdata),
                                  const void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_message *reply = NULL;

        if (sd_bus_message_new_method_call(ctl->bus, &m, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                           interface, member) < 0)
                return NULL;
        if (sd_bus_message_set_auto_start(m, false) < 0)
                return NULL;
        append(m, userdata);
        if (sd_bus_call(ctl->bus, m, 0, NULL, &reply) < 0)
                return NULL;
        return reply;
}

static void append_property_name(sd_bus_message *m, const void *userdata) {
        (void) sd_bus_message_append(m, "ss", SLUICE_MANAGER_IFACE, (const char *) userdata);
}

/* The manager's property @name as a GVariant (owned), or NULL. */
static GVariant *get_property(Ctl *ctl, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        GVariant *v = NULL;

        reply = call_quiet(ctl, "org.freedesktop.DBus.Properties", "Get", append_property_name, name);
        if (!reply)
                return NULL;
        if (sd_bus_message_enter_container(reply, 'v', NULL) < 0)
                return NULL;
        if (ctl_message_read_gvariant(reply, &v) <= 0)
                return NULL;
        return g_variant_ref_sink(v);
}

static void append_filter(sd_bus_message *m, const void *userdata) {
        static const char *const active[] = { "queued", "running", NULL };

        if (sd_bus_message_open_container(m, 'a', "{sv}") < 0)
                return;
        if (userdata) {
                (void) sd_bus_message_open_container(m, 'e', "sv");
                (void) sd_bus_message_append(m, "s", "states");
                (void) sd_bus_message_open_container(m, 'v', "as");
                (void) sd_bus_message_append_strv(m, (char **) active);
                (void) sd_bus_message_close_container(m);
                (void) sd_bus_message_close_container(m);
        }
        (void) sd_bus_message_close_container(m);
}

/* ListJobs' a(tsssiuto), all jobs on the bus or only the active ones (owned), or NULL. */
static GVariant *list_jobs(Ctl *ctl, bool active_only) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        GVariant *v = NULL;

        reply = call_quiet(ctl, SLUICE_MANAGER_IFACE, "ListJobs", append_filter, active_only ? "" : NULL);
        if (!reply || ctl_message_read_gvariant(reply, &v) <= 0)
                return NULL;
        g_variant_ref_sink(v);
        if (!g_variant_is_of_type(v, G_VARIANT_TYPE("a(tsssiuto)"))) {
                g_variant_unref(v);
                return NULL;
        }
        return v;
}

/* Print the first string of each tuple of an array property (Classes, Schedules). */
static void print_names(Ctl *ctl, const char *property, const char *prefix, GHashTable *seen) {
        g_autoptr(GVariant) v = get_property(ctl, property);
        GVariantIter iter;
        GVariant *child;

        if (!v || !g_variant_is_container(v))
                return;
        g_variant_iter_init(&iter, v);
        while ((child = g_variant_iter_next_value(&iter))) {
                if (g_variant_is_container(child) && g_variant_n_children(child) > 0) {
                        g_autoptr(GVariant) name = g_variant_get_child_value(child, 0);

                        if (g_variant_is_of_type(name, G_VARIANT_TYPE_STRING)) {
                                g_autofree char *line = g_strconcat(prefix, g_variant_get_string(name, NULL), NULL);

                                if (!seen || g_hash_table_add(seen, g_strdup(line)))
                                        puts(line);
                        }
                }
                g_variant_unref(child);
        }
}

static void print_jobs(Ctl *ctl, bool active_only) {
        g_autoptr(GVariant) jobs = list_jobs(ctl, active_only);
        GVariantIter iter;
        guint64 id;

        if (!jobs)
                return;
        g_variant_iter_init(&iter, jobs);
        while (g_variant_iter_next(&iter, "(t&s&s&siut&o)", &id, NULL, NULL, NULL, NULL, NULL, NULL, NULL))
                printf("%" G_GUINT64_FORMAT "\n", id);
}

static void print_paused(Ctl *ctl, GHashTable *seen) {
        g_autoptr(GVariant) paused = get_property(ctl, "Paused");
        GVariantIter iter;
        const char *scope;

        if (!paused || !g_variant_is_of_type(paused, G_VARIANT_TYPE_STRING_ARRAY))
                return;
        g_variant_iter_init(&iter, paused);
        while (g_variant_iter_next(&iter, "&s", &scope))
                if (!seen || g_hash_table_add(seen, g_strdup(scope)))
                        puts(scope);
}

/*
 * resource:KEY for each resource instance the Limits property lists: every
 * [Resource KEY] section and every instance a queued or running job needs
 * (a "TYPE:*" section's own row is no scope: skipped).
 */
static void print_resources(Ctl *ctl, GHashTable *seen) {
        g_autoptr(GVariant) limits = get_property(ctl, "Limits");
        GVariantIter iter;
        const char *scope, *name;

        if (!limits || !g_variant_is_of_type(limits, G_VARIANT_TYPE("a(ssuuu)")))
                return;
        g_variant_iter_init(&iter, limits);
        while (g_variant_iter_next(&iter, "(&s&suuu)", &scope, &name, NULL, NULL, NULL)) {
                g_autofree char *line = NULL;

                if (strcmp(scope, "resource") != 0 || strchr(name, '*'))
                        continue;
                line = g_strconcat("resource:", name, NULL);
                if (g_hash_table_add(seen, g_strdup(line)))
                        puts(line);
        }
}

static int print_config_keys(const char *section) {
        static const char *const names[_CONFIG_SECTION_MAX] = {
                [CONFIG_SECTION_SCHEDULER] = "Scheduler",
                [CONFIG_SECTION_CLASS] = "Class",
                [CONFIG_SECTION_RESOURCE] = "Resource",
                [CONFIG_SECTION_SCHEDULE] = "Schedule",
                [CONFIG_SECTION_ALERT] = "Alert",
                [CONFIG_SECTION_CLUSTER] = "Cluster",
        };
        size_t len = strcspn(section, " ");

        for (int type = 0; type < _CONFIG_SECTION_MAX; type++) {
                if (strlen(names[type]) != len || strncmp(names[type], section, len) != 0)
                        continue;
                for (size_t i = 0; config_known_key(i); i++) {
                        const ConfigKeyInfo *k = config_known_key(i);

                        /* "Parameter.NAME" is a family: offer its prefix. */
                        if ((int) k->section == type)
                                printf("%s\n", g_str_has_suffix(k->name, ".NAME") ? "Parameter." : k->name);
                }
        }
        return CTL_EXIT_OK;
}

/**
 * ctl_verb_complete() - "sluicectl __complete WHAT [ARG]": names for the shell completions
 * @ctl: the context (--bus-address= and friends given before the verb apply)
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: CTL_EXIT_OK, also when sluiced is not there (nothing printed);
 * CTL_EXIT_USAGE for an unknown WHAT.
 */
int ctl_verb_complete(Ctl *ctl, int argc, char **argv) {
        static const char *const live_names[] = {
                "classes", "jobs", "active-jobs", "schedules", "scopes", "paused", NULL
        };
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *what;

        if (argc < 2)
                return CTL_EXIT_USAGE;
        what = argv[1];

        if (strcmp(what, "config-keys") == 0)
                return argc == 3 ? print_config_keys(argv[2]) : CTL_EXIT_USAGE;
        if (argc != 2 || !g_strv_contains(live_names, what))
                return CTL_EXIT_USAGE;

        /* The shells discard stderr; nothing printed means nothing to offer. */
        if (ctl_connect(ctl) != 0)
                return CTL_EXIT_OK;

        if (strcmp(what, "classes") == 0)
                print_names(ctl, "Classes", "", NULL);
        else if (strcmp(what, "schedules") == 0)
                print_names(ctl, "Schedules", "", NULL);
        else if (strcmp(what, "jobs") == 0)
                print_jobs(ctl, false);
        else if (strcmp(what, "active-jobs") == 0)
                print_jobs(ctl, true);
        else if (strcmp(what, "paused") == 0)
                print_paused(ctl, NULL);
        else {
                print_names(ctl, "Classes", "class:", seen);
                print_resources(ctl, seen);
                print_paused(ctl, seen);
        }
        return CTL_EXIT_OK;
}

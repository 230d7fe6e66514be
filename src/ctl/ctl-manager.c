/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verbs about the scheduler as a whole: status, pause, resume,
 * config show/set/unset, reload.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl-bus.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"

static void print_status(Ctl *ctl, GVariant *props) {
        g_autoptr(GVariant) paused = NULL, classes = NULL;
        const char *version = "?", *discipline = "?";
        guint32 max_running = 0, queued = 0, running = 0;

        g_variant_lookup(props, "Version", "&s", &version);
        g_variant_lookup(props, "Discipline", "&s", &discipline);
        g_variant_lookup(props, "MaxRunning", "u", &max_running);
        g_variant_lookup(props, "QueuedJobs", "u", &queued);
        g_variant_lookup(props, "RunningJobs", "u", &running);
        paused = g_variant_lookup_value(props, "Paused", G_VARIANT_TYPE_STRING_ARRAY);
        classes = g_variant_lookup_value(props, "Classes", G_VARIANT_TYPE("a(sssu)"));

        ctl_pager_open(ctl);
        printf(_("     Version: %s\n"), version);
        printf(_("  Discipline: %s\n"), discipline);
        if (max_running > 0)
                printf(_("  MaxRunning: %u\n"), max_running);
        else
                printf(_("  MaxRunning: unlimited\n"));
        printf(_("        Jobs: %u running, %u queued\n"), running, queued);

        if (paused && g_variant_n_children(paused) > 0) {
                g_autoptr(GString) list = g_string_new(NULL);
                GVariantIter iter;
                const char *scope;

                g_variant_iter_init(&iter, paused);
                while (g_variant_iter_next(&iter, "&s", &scope))
                        g_string_append_printf(list, "%s%s", list->len ? ", " : "",
                                               *scope ? scope : _("everything"));
                printf(_("      Paused: %s\n"), list->str);
        } else
                printf(_("      Paused: no\n"));

        if (classes && g_variant_n_children(classes) > 0) {
                g_autoptr(CtlTable) t = NULL;
                GVariantIter iter;
                const char *name, *kind, *description;
                guint32 max;

                t = ctl_table_new(4, (const char *const[]) {
                                _("CLASS"), _("KIND"), _("MAX"), _("DESCRIPTION"), NULL });
                ctl_table_set_right_aligned(t, 2);
                ctl_table_set_ellipsize(t, 3);
                g_variant_iter_init(&iter, classes);
                while (g_variant_iter_next(&iter, "(&s&s&su)", &name, &kind, &description, &max)) {
                        g_autofree char *m = max > 0 ? g_strdup_printf("%u", max)
                                                     : g_strdup(ctl_output_infinity(&ctl->out));
                        ctl_table_add_row(t, name, kind, m, description);
                }
                printf("\n");
                ctl_show_table(ctl, t);
        }
}

/**
 * ctl_verb_status() - "sluicectl status": the manager's properties
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_status(Ctl *ctl, int argc, char **argv) {
        g_autoptr(GVariant) props = NULL;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (idx < argc)
                return ctl_usage_error(_("\"status\" takes no arguments"));

        r = ctl_get_all_properties(ctl, _("could not read the scheduler's status"),
                                   SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, &props);
        if (r != 0)
                return r;

        if (ctl->json)
                ctl_json_print_variant(props);
        else
                print_status(ctl, props);
        return CTL_EXIT_OK;
}

static int pause_resume(Ctl *ctl, int argc, char **argv, const char *method, const char *what) {
        const char *scope = "";
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (argc - idx > 1)
                return ctl_usage_error(_("\"%s\" takes at most one SCOPE"), argv[0]);
        if (idx < argc)
                scope = argv[idx];

        return ctl_call(ctl, what, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, method,
                        NULL, "s", scope);
}

/**
 * ctl_verb_pause() - "sluicectl pause [SCOPE]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_pause(Ctl *ctl, int argc, char **argv) {
        return pause_resume(ctl, argc, argv, "Pause", _("could not pause"));
}

/**
 * ctl_verb_resume() - "sluicectl resume [SCOPE]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_resume(Ctl *ctl, int argc, char **argv) {
        return pause_resume(ctl, argc, argv, "Resume", _("could not resume"));
}

/**
 * ctl_verb_reload() - "sluicectl reload": re-read the configuration files
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_reload(Ctl *ctl, int argc, char **argv) {
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (idx < argc)
                return ctl_usage_error(_("\"reload\" takes no arguments"));
        return ctl_call(ctl, _("could not reload the configuration"), SLUICE_MANAGER_PATH,
                        SLUICE_MANAGER_IFACE, "Reload", NULL, NULL);
}

/* "config set SECTION KEY=VALUE…": UpdateConfig(). */
static int config_set(Ctl *ctl, char **args, int n, bool persist) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *section;
        int r;

        if (n < 2)
                return ctl_usage_error(_("\"config set\" needs a SECTION and at least one KEY=VALUE"));
        section = args[0];

        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UpdateConfig", &m);
        if (r != 0)
                return r;

        r = sd_bus_message_append(m, "s", section);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        for (int i = 1; i < n; i++) {
                const char *eq = strchr(args[i], '=');
                g_autofree char *key = NULL;

                if (!eq || eq == args[i])
                        return ctl_usage_error(_("invalid setting \"%s\": expected KEY=VALUE"), args[i]);
                key = g_strndup(args[i], eq - args[i]);
                if (g_hash_table_contains(seen, key))
                        return ctl_usage_error(_("setting \"%s\" given twice"), key);
                r = sd_bus_message_append(m, "{sv}", key, "s", eq + 1);
                if (r < 0)
                        return ctl_fail(_("could not build a method call"), NULL, r);
                g_hash_table_add(seen, TAKE_PTR(key));
        }
        r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", (int) persist);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);

        return ctl_call_message(ctl, _("could not update the configuration"), m,
                                CTL_TIMEOUT_DEFAULT, NULL);
}

/* "config unset SECTION KEY…": UnsetConfig(). */
static int config_unset(Ctl *ctl, char **args, int n, bool persist) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        g_autoptr(GPtrArray) keys = g_ptr_array_new();
        int r;

        if (n < 2)
                return ctl_usage_error(_("\"config unset\" needs a SECTION and at least one KEY"));
        for (int i = 1; i < n; i++) {
                if (strchr(args[i], '='))
                        return ctl_usage_error(_("\"config unset\" takes KEY names, not KEY=VALUE: \"%s\""),
                                               args[i]);
                g_ptr_array_add(keys, args[i]);
        }
        g_ptr_array_add(keys, NULL);

        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "UnsetConfig", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", args[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) keys->pdata);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", (int) persist);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        return ctl_call_message(ctl, _("could not unset the configuration override"), m,
                                CTL_TIMEOUT_DEFAULT, NULL);
}

/* Where a value came from, in words (the comment after the key in "config show"). */
static char *origin_text(const char *source, const char *location) {
        if (strcmp(source, "default") == 0)
                return g_strdup(_("default"));
        if (strcmp(source, "override") == 0)
                return g_strdup(_("override (stored, config set --persist)"));
        if (strcmp(source, "runtime") == 0)
                return g_strdup(_("override (run-time, until sluiced restarts)"));
        if (strcmp(source, "drop-in") == 0)
                return g_strdup_printf(_("drop-in %s"), location);
        return g_strdup(location[0] ? location : source);
}

/* "config show [SECTION…]": GetConfig(), as a key file with origins as comments. */
static int config_show(Ctl *ctl, char **args, int n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_auto(CtlJson) j = CTL_JSON_INIT;
        g_autofree char *last_section = NULL;
        const char *section, *key, *value, *source, *location;
        unsigned shown = 0;
        int r;

        r = ctl_call(ctl, _("could not read the configuration"), SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                     "GetConfig", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sssss)");
        if (r < 0)
                return ctl_fail(_("could not read the configuration"), NULL, r);

        if (ctl->json)
                ctl_json_begin_array(&j);
        else
                ctl_pager_open(ctl);
        while ((r = sd_bus_message_read(reply, "(sssss)", &section, &key, &value, &source, &location)) > 0) {
                bool wanted = n == 0;

                for (int i = 0; i < n && !wanted; i++)
                        wanted = strcmp(args[i], section) == 0;
                if (!wanted)
                        continue;
                shown++;
                if (ctl->json) {
                        ctl_json_begin_object(&j);
                        ctl_json_key(&j, "Section");
                        ctl_json_string(&j, section);
                        ctl_json_key(&j, "Key");
                        ctl_json_string(&j, key);
                        ctl_json_key(&j, "Value");
                        ctl_json_string(&j, value);
                        ctl_json_key(&j, "Source");
                        ctl_json_string(&j, source);
                        ctl_json_key(&j, "Location");
                        ctl_json_string(&j, location);
                        ctl_json_end_object(&j);
                        continue;
                }
                if (!last_section || strcmp(last_section, section) != 0) {
                        printf("%s[%s]\n", last_section ? "\n" : "", section);
                        g_free(last_section);
                        last_section = g_strdup(section);
                }
                {
                        g_autofree char *line = g_strdup_printf("%s=%s", key, value);
                        g_autofree char *origin = origin_text(source, location);

                        printf("%-40s # %s\n", line, origin);
                }
        }
        if (r < 0)
                return ctl_fail(_("could not read the configuration"), NULL, r);
        if (ctl->json) {
                ctl_json_end_array(&j);
                puts(j.out->str);
        }
        if (n > 0 && shown == 0) {
                fprintf(stderr, _("No such section: %s\n"), args[0]);
                return CTL_EXIT_FAILURE;
        }
        return CTL_EXIT_OK;
}

/**
 * ctl_verb_config() - "sluicectl config show|set|unset …"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * show [SECTION…]: the configuration in force, each key with where its value
 * comes from (GetConfig()); set SECTION KEY=VALUE… [--persist]: UpdateConfig(),
 * values in key-file syntax, validated by sluiced; unset SECTION KEY…
 * [--persist]: UnsetConfig(), back to the files' value.
 *
 * Return: exit status.
 */
int ctl_verb_config(Ctl *ctl, int argc, char **argv) {
        enum { ARG_PERSIST = 0x100, ARG_JSON };
        static const struct option options[] = {
                { "persist", no_argument, NULL, ARG_PERSIST },
                { "json",    no_argument, NULL, ARG_JSON },
                { "help",    no_argument, NULL, 'h' },
                CTL_OUTPUT_OPTIONS,
                {}
        };
        bool persist = false;
        const char *sub;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h" CTL_OUTPUT_SHORT_OPTIONS, options, NULL)) >= 0) {
                if (ctl_output_parse_option(&ctl->out, c))
                        continue;
                switch (c) {
                case ARG_PERSIST:
                        persist = true;
                        break;
                case ARG_JSON:
                        ctl->json = true;
                        break;
                case 'h':
                        ctl_print_help();
                        return CTL_EXIT_OK;
                default:
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                }
        }

        if (optind >= argc)
                return ctl_usage_error(_("expected \"config show\", \"config set SECTION KEY=VALUE…\" "
                                         "or \"config unset SECTION KEY…\""));
        sub = argv[optind];
        if (strcmp(sub, "set") == 0)
                return config_set(ctl, argv + optind + 1, argc - optind - 1, persist);
        if (strcmp(sub, "unset") == 0)
                return config_unset(ctl, argv + optind + 1, argc - optind - 1, persist);
        if (strcmp(sub, "show") == 0) {
                if (persist)
                        return ctl_usage_error(_("\"config show\" takes no --persist"));
                return config_show(ctl, argv + optind + 1, argc - optind - 1);
        }
        return ctl_usage_error(_("unknown \"config\" command \"%s\": expected show, set or unset"), sub);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "config-model.h"
#include "sluice-config.h"
#include "errors.h"

#define SEC ((usec_t) 1000000)

static SluiceConfig *parse_ok(const char *text) {
        g_autoptr(GError) error = NULL;
        SluiceConfig *cfg = sluice_config_new_from_data(text, "t.conf", &error);

        g_assert_no_error(error);
        g_assert_nonnull(cfg);
        return cfg;
}

/* A message ending in "*" must only match that far (the rest is GLib's
 * own wording, e.g. of a GRegex compile error). */
static void assert_message(const char *actual, const char *expected) {
        size_t n = strlen(expected);

        if (n > 0 && expected[n - 1] == '*') {
                g_autofree char *head = g_strndup(actual, n - 1), *want = g_strndup(expected, n - 1);
                g_assert_cmpstr(head, ==, want);
                g_assert_cmpuint(strlen(actual), >, n - 1);
        } else
                g_assert_cmpstr(actual, ==, expected);
}

static void assert_parse_error(const char *text, const char *message) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = sluice_config_new_from_data(text, "t.conf", &error);

        g_autofree char *shown = g_strescape(text, NULL);

        g_test_message("text: %s", shown);
        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        assert_message(error->message, message);
}

/* ---- the embedded default ---- */

static void test_default(void) {
        g_autoptr(SluiceConfig) cfg = sluice_config_new_default();
        g_auto(GStrv) names = sluice_config_class_names(cfg);
        const char *const expected[] = { "backup", "backup-store", "gc", "prune", "sync", "verify", NULL };
        const ClassConfig *c;
        const ParameterDecl *p;

        g_assert_cmpint(cfg->ref, ==, 1);
        g_assert_cmpint(cfg->discipline, ==, DISCIPLINE_FAIR);
        g_assert_cmpuint(cfg->max_running, ==, 4);
        g_assert_cmpuint(cfg->max_queued_per_user, ==, 1000);
        g_assert_false(cfg->strict_order);
        g_assert_cmpuint(cfg->aging_usec, ==, 600 * SEC);
        g_assert_cmpint(cfg->fair_by, ==, FAIR_BY_OWNER);
        g_assert_null(cfg->fair_resource_key);
        g_assert_cmpuint(cfg->keep_finished_usec, ==, 300 * SEC);
        g_assert_true(g_strv_equal((const char *const *) names, expected));

        c = sluice_config_get_class(cfg, "backup");
        g_assert_nonnull(c);
        g_assert_cmpint(c->kind, ==, JOB_KIND_LEASE);
        g_assert_cmpuint(c->max_running, ==, 2);
        g_assert_cmpuint(c->parameters->len, ==, 0);
        g_assert_cmpuint(g_strv_length(c->resources), ==, 0);
        g_assert_null(c->exec_start);

        c = sluice_config_get_class(cfg, "backup-store");
        g_assert_cmpint(c->kind, ==, JOB_KIND_LEASE);
        g_assert_cmpuint(c->parameters->len, ==, 1);
        p = g_ptr_array_index(c->parameters, 0);
        g_assert_cmpstr(p->name, ==, "store");
        g_assert_true(g_regex_match(p->regex, "store-1", 0, NULL));
        g_assert_false(g_regex_match(p->regex, "Store", 0, NULL));
        g_assert_false(g_regex_match(p->regex, "../etc", 0, NULL));
        g_assert_cmpstr(c->resources[0], ==, "datastore:%{store}");
        g_assert_null(c->resources[1]);

        c = sluice_config_get_class(cfg, "gc");
        g_assert_cmpint(c->kind, ==, JOB_KIND_COMMAND);
        g_assert_cmpuint(c->max_running, ==, 1);
        g_assert_cmpstr(c->resources[0], ==, "datastore:%{store}");
        g_assert_nonnull(c->exec_start);
        g_assert_true(g_path_is_absolute(c->exec_start[0]));
        g_assert_cmpuint(c->runtime_max_usec, ==, 6 * 3600 * SEC);
        g_assert_cmpint(c->sandbox, ==, SANDBOX_STRICT);
        g_assert_cmpstr(c->read_write_paths[0], ==, "-/srv/backup");
        g_assert_cmpuint(c->io_weight, ==, 50);
        g_assert_cmpint(c->duplicates, ==, DUPLICATES_REJECT);
        g_assert_cmpint(sluice_config_get_class(cfg, "verify")->duplicates, ==, DUPLICATES_REJECT);
        c = sluice_config_get_class(cfg, "sync");
        g_assert_cmpuint(c->retry, ==, 2);
        g_assert_cmpuint(c->retry_delay_usec, ==, 60 * SEC);
        g_assert_cmpfloat(c->retry_backoff, ==, 2.0);
        g_assert_cmpint(sluice_config_get_class(cfg, "backup")->duplicates, ==, DUPLICATES_QUEUE);

        for (const char *const *n = expected + 2; *n; n++) {
                c = sluice_config_get_class(cfg, *n);
                g_assert_cmpint(c->kind, ==, JOB_KIND_COMMAND);
                g_assert_cmpuint(c->max_running, ==, 1);
                g_assert_true(g_file_test(c->exec_start[0], G_FILE_TEST_IS_EXECUTABLE));
        }

        g_assert_cmpuint(sluice_config_resource_limit(cfg, "datastore:a"), ==, 2);
        g_assert_cmpuint(sluice_config_resource_limit(cfg, "tape:1"), ==, 0);
        g_assert_null(sluice_config_get_class(cfg, "nope"));
        g_assert_null(sluice_config_get_class(cfg, NULL));
}

/* data/sluiced.conf must document every key the parser knows, with its
 * default, as "#Key=default" under the section (or its "#[Class NAME]"
 * template) it belongs to. */
static void test_default_documents_every_key(void) {
        g_auto(GStrv) lines = g_strsplit(sluice_config_default_data(), "\n", -1);
        g_autoptr(GHashTable) documented = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        int section = -1;

        for (size_t i = 0; lines[i]; i++) {
                const char *l = lines[i], *eq;

                if (l[0] == '#')
                        l++;
                if (l[0] == '[') {
                        if (g_str_has_prefix(l, "[Scheduler]"))
                                section = CONFIG_SECTION_SCHEDULER;
                        else if (g_str_has_prefix(l, "[Class "))
                                section = CONFIG_SECTION_CLASS;
                        else if (g_str_has_prefix(l, "[Resource "))
                                section = CONFIG_SECTION_RESOURCE;
                        else if (g_str_has_prefix(l, "[Schedule "))
                                section = CONFIG_SECTION_SCHEDULE;
                        else if (g_str_has_prefix(l, "[Alert "))
                                section = CONFIG_SECTION_ALERT;
                        else if (g_str_has_prefix(l, "[Cluster]"))
                                section = CONFIG_SECTION_CLUSTER;
                        else
                                g_assert_not_reached();
                        continue;
                }
                /* Only "#Key=value" lines document; "# prose" does not. */
                if (lines[i][0] != '#' || !g_ascii_isupper(l[0]) || !(eq = strchr(l, '=')))
                        continue;
                g_hash_table_add(documented, g_strdup_printf("%d %s", section, l));
        }

        for (size_t i = 0; config_known_key(i); i++) {
                const ConfigKeyInfo *k = config_known_key(i);
                g_autofree char *line = g_strdup_printf("%d %s=%s", k->section, k->name, k->default_value);

                g_test_message("looking for %s", line);
                g_assert_true(g_hash_table_contains(documented, line));
        }
}

/* ---- every key: good values ---- */

static void test_scheduler_keys_good(void) {
        g_autoptr(SluiceConfig) cfg = parse_ok(
                "[Scheduler]\n"
                "Discipline=priority\n"
                "MaxRunning=0\n"
                "MaxQueuedPerUser=4294967295\n"
                "MaxRunningPerUser=3\n"
                "StrictOrder=yes\n"
                "AgingSec=1h 30min\n"
                "FairKey=resource:datastore\n"
                "KeepFinishedSec=500ms\n");

        g_assert_cmpint(cfg->discipline, ==, DISCIPLINE_PRIORITY);
        g_assert_cmpuint(cfg->max_running, ==, 0);
        g_assert_cmpuint(cfg->max_queued_per_user, ==, 4294967295u);
        g_assert_cmpuint(cfg->max_running_per_user, ==, 3);
        g_assert_true(cfg->strict_order);
        g_assert_cmpuint(cfg->aging_usec, ==, 5400 * SEC);
        g_assert_cmpint(cfg->fair_by, ==, FAIR_BY_RESOURCE);
        g_assert_cmpstr(cfg->fair_resource_key, ==, "datastore");
        g_assert_cmpuint(cfg->keep_finished_usec, ==, SEC / 2);
        g_assert_cmpuint(g_hash_table_size(cfg->classes), ==, 0);

        static const struct {
                const char *text;
                bool value;
        } bools[] = {
                { "yes", true }, { "no", false }, { "true", true }, { "false", false },
                { "1", true }, { "0", false }, { "on", true }, { "off", false }, { "YES", true },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bools); i++) {
                g_autofree char *text = g_strdup_printf("[Scheduler]\nStrictOrder=%s\n", bools[i].text);
                g_autoptr(SluiceConfig) b = parse_ok(text);
                g_assert_cmpint(b->strict_order, ==, bools[i].value);
        }

        const char *const disciplines[] = { "fifo", "priority", "fair" };
        for (size_t i = 0; i < G_N_ELEMENTS(disciplines); i++) {
                g_autofree char *text = g_strdup_printf("[Scheduler]\nDiscipline=%s\n", disciplines[i]);
                g_autoptr(SluiceConfig) d = parse_ok(text);
                g_assert_cmpint(d->discipline, ==, (int) i);
                g_assert_cmpstr(discipline_to_string(d->discipline), ==, disciplines[i]);
        }
        g_assert_cmpint(discipline_from_string("lifo"), ==, -1);
        g_assert_cmpint(discipline_from_string(NULL), ==, -1);
}

/* [Class] MaxQueuedPerUser: unset (the global quota applies), 0 (unlimited) or a number; empty resets. */
static void test_class_max_queued_per_user(void) {
        g_autoptr(SluiceConfig) cfg = parse_ok("[Class unset]\n"
                                               "[Class zero]\nMaxQueuedPerUser=0\n"
                                               "[Class five]\nMaxQueuedPerUser=5\n"
                                               "[Class reset]\nMaxQueuedPerUser=\n");
        const ClassConfig *c;

        c = sluice_config_get_class(cfg, "unset");
        g_assert_false(c->has_max_queued_per_user);
        c = sluice_config_get_class(cfg, "zero");
        g_assert_true(c->has_max_queued_per_user);
        g_assert_cmpuint(c->max_queued_per_user, ==, 0);
        c = sluice_config_get_class(cfg, "five");
        g_assert_true(c->has_max_queued_per_user);
        g_assert_cmpuint(c->max_queued_per_user, ==, 5);
        c = sluice_config_get_class(cfg, "reset");
        g_assert_false(c->has_max_queued_per_user);

        /* any kind */
        g_autoptr(SluiceConfig) cmd = parse_ok("[Class c]\nKind=command\nExecStart=/bin/true\nMaxQueuedPerUser=2\n");
        g_assert_cmpuint(sluice_config_get_class(cmd, "c")->max_queued_per_user, ==, 2);
}

static void test_scheduler_defaults_without_file_values(void) {
        g_autoptr(SluiceConfig) cfg = parse_ok("");
        g_autoptr(SluiceConfig) empty_values = parse_ok("[Scheduler]\nMaxRunning=\nDiscipline=\n");

        g_assert_cmpint(cfg->discipline, ==, DISCIPLINE_FIFO);
        g_assert_cmpuint(cfg->max_running, ==, 4);
        g_assert_cmpuint(cfg->max_queued_per_user, ==, 1000);
        g_assert_cmpuint(cfg->max_running_per_user, ==, 0);
        g_assert_false(cfg->strict_order);
        g_assert_cmpuint(cfg->aging_usec, ==, 600 * SEC);
        g_assert_cmpint(cfg->fair_by, ==, FAIR_BY_OWNER);
        g_assert_cmpuint(cfg->keep_finished_usec, ==, 300 * SEC);
        g_assert_cmpuint(empty_values->max_running, ==, 4);
        g_assert_cmpint(empty_values->discipline, ==, DISCIPLINE_FIFO);
}

static void test_class_keys_good(void) {
        g_autoptr(SluiceConfig) cfg = parse_ok(
                "[Class gc.daily-1]\n"
                "Kind=command\n"
                "Description=Garbage collection — daily\n"
                "Priority=-1000\n"
                "MaxRunning=3\n"
                "Resources=datastore:%{store} disk:sda io:%{store}-%{tier}\n"
                "Parameter.store=[a-z]+\n"
                "Parameter.tier=fast|slow\n"
                "MaxWaitSec=2d\n"
                "RuntimeMaxSec=90\n"
                "ExecStart=/usr/bin/find  /srv/%{store}/%{tier}  -name *.tmp -mmin +100%\n"
                "[Class plain]\n");
        const ClassConfig *c = sluice_config_get_class(cfg, "gc.daily-1");
        const ParameterDecl *store, *tier;
        const char *const resources[] = { "datastore:%{store}", "disk:sda", "io:%{store}-%{tier}", NULL };
        const char *const argv[] = { "/usr/bin/find", "/srv/%{store}/%{tier}", "-name", "*.tmp", "-mmin", "+100%", NULL };

        g_assert_nonnull(c);
        g_assert_cmpstr(c->name, ==, "gc.daily-1");
        g_assert_cmpint(c->kind, ==, JOB_KIND_COMMAND);
        g_assert_cmpstr(c->description, ==, "Garbage collection — daily");
        g_assert_cmpint(c->priority, ==, -1000);
        g_assert_cmpuint(c->max_running, ==, 3);
        g_assert_true(g_strv_equal((const char *const *) c->resources, resources));
        g_assert_cmpuint(c->parameters->len, ==, 2);
        store = g_ptr_array_index(c->parameters, 0);
        tier = g_ptr_array_index(c->parameters, 1);
        if (strcmp(store->name, "store") != 0) {
                const ParameterDecl *t = store;
                store = tier;
                tier = t;
        }
        g_assert_cmpstr(store->name, ==, "store");
        g_assert_cmpstr(store->pattern, ==, "[a-z]+");
        /* Anchored: the whole value must match, alternatives included. */
        g_assert_true(g_regex_match(store->regex, "abc", 0, NULL));
        g_assert_false(g_regex_match(store->regex, "abc1", 0, NULL));
        g_assert_false(g_regex_match(store->regex, "abc\n", 0, NULL));
        g_assert_true(g_regex_match(tier->regex, "slow", 0, NULL));
        g_assert_false(g_regex_match(tier->regex, "fastslow", 0, NULL));
        g_assert_false(g_regex_match(tier->regex, "xslow", 0, NULL));
        g_assert_cmpuint(c->max_wait_usec, ==, 2 * 86400 * SEC);
        g_assert_cmpuint(c->runtime_max_usec, ==, 90 * SEC);
        g_assert_true(g_strv_equal((const char *const *) c->exec_start, argv));

        c = sluice_config_get_class(cfg, "plain");
        g_assert_nonnull(c);
        g_assert_cmpint(c->kind, ==, JOB_KIND_LEASE);
        g_assert_null(c->description);
        g_assert_cmpint(c->priority, ==, 0);
        g_assert_cmpuint(c->max_running, ==, 0);
        g_assert_cmpuint(c->max_wait_usec, ==, 0);
        g_assert_cmpuint(c->runtime_max_usec, ==, 0);
        g_assert_null(c->exec_start);

        g_autoptr(SluiceConfig) p = parse_ok("[Class p]\nPriority=+1000\n");
        g_assert_cmpint(sluice_config_get_class(p, "p")->priority, ==, 1000);
}

static void test_command_keys_good(void) {
        g_autoptr(SluiceConfig) cfg = parse_ok(
                "[Class c]\n"
                "Kind=command\n"
                "ExecStart=/bin/true\n"
                "User=backup$\n"
                "Group=1000\n"
                "WorkingDirectory=/srv/backup\n"
                "Environment=LANG=C.UTF-8  TZ=UTC EMPTY= LANG=C A_1=x=y\n"
                "CPUWeight=1\n"
                "IOWeight=10000\n"
                "MemoryMax=512M\n"
                "TasksMax=64\n"
                "Sandbox=strict\n"
                "ReadWritePaths=/srv/backup -/srv/backup-mirror /\n"
                "LoadCredential=restic-password:/etc/sluice/secrets/restic a.b@c_d-e:/root/k\n"
                "Retry=100\n"
                "RetryDelaySec=1min 30s\n"
                "RetryBackoff=2.5\n"
                "Duplicates=cancel-queued\n"
                "[Class d]\n"
                "Kind=command\n"
                "ExecStart=/bin/true\n"
                "DynamicUser=yes\n"
                "Group=_sluice\n"
                "MemoryMax=infinity\n"
                "TasksMax=infinity\n"
                "RetryBackoff=100\n"
                "[Class lease]\n"
                "Duplicates=reject\n");
        const ClassConfig *c = sluice_config_get_class(cfg, "c");
        const char *const env[] = { "LANG=C", "TZ=UTC", "EMPTY=", "A_1=x=y", NULL };
        const char *const rw[] = { "/srv/backup", "-/srv/backup-mirror", "/", NULL };

        g_assert_cmpstr(c->user, ==, "backup$");
        g_assert_cmpstr(c->group, ==, "1000");
        g_assert_false(c->dynamic_user);
        g_assert_cmpstr(c->working_directory, ==, "/srv/backup");
        /* A later assignment of a KEY replaces the earlier one in place. */
        g_assert_true(g_strv_equal((const char *const *) c->environment, env));
        g_assert_cmpuint(c->cpu_weight, ==, 1);
        g_assert_cmpuint(c->io_weight, ==, 10000);
        g_assert_cmpuint(c->memory_max, ==, 512u << 20);
        g_assert_cmpuint(c->tasks_max, ==, 64);
        g_assert_cmpint(c->sandbox, ==, SANDBOX_STRICT);
        g_assert_true(g_strv_equal((const char *const *) c->read_write_paths, rw));
        {
                const char *const creds[] = { "restic-password:/etc/sluice/secrets/restic", "a.b@c_d-e:/root/k", NULL };
                g_assert_true(g_strv_equal((const char *const *) c->load_credentials, creds));
                g_assert_cmpuint(g_strv_length(sluice_config_get_class(cfg, "d")->load_credentials), ==, 0);
        }
        g_assert_cmpuint(c->retry, ==, 100);
        g_assert_cmpuint(c->retry_delay_usec, ==, 90 * SEC);
        g_assert_cmpfloat(c->retry_backoff, ==, 2.5);
        g_assert_cmpint(c->duplicates, ==, DUPLICATES_CANCEL_QUEUED);

        c = sluice_config_get_class(cfg, "d");
        g_assert_null(c->user);
        g_assert_true(c->dynamic_user);
        g_assert_cmpstr(c->group, ==, "_sluice");
        g_assert_cmpuint(c->memory_max, ==, 0);
        g_assert_cmpuint(c->tasks_max, ==, UINT64_MAX);
        g_assert_cmpfloat(c->retry_backoff, ==, 100.0);

        /* Duplicates= is the one key of these a lease class may set. */
        c = sluice_config_get_class(cfg, "lease");
        g_assert_cmpint(c->duplicates, ==, DUPLICATES_REJECT);

        static const struct {
                const char *value;
                uint64_t bytes;
        } sizes[] = {
                { "1", 1 }, { "1K", 1024 }, { "3G", 3ull << 30 }, { "2T", 2ull << 40 },
                { "16777215T", 16777215ull << 40 }, { "18446744073709551614", UINT64_MAX - 1 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
                g_autofree char *text = g_strdup_printf("[Class m]\nKind=command\nExecStart=/bin/true\nMemoryMax=%s\n",
                                                        sizes[i].value);
                g_autoptr(SluiceConfig) m = parse_ok(text);
                g_assert_cmpuint(sluice_config_get_class(m, "m")->memory_max, ==, sizes[i].bytes);
        }
}

static void test_command_key_defaults(void) {
        g_autoptr(SluiceConfig) cfg = parse_ok("[Class c]\nKind=command\nExecStart=/bin/true\n[Class l]\n");

        for (const char *const *n = (const char *const[]) { "c", "l", NULL }; *n; n++) {
                const ClassConfig *c = sluice_config_get_class(cfg, *n);

                g_assert_null(c->user);
                g_assert_null(c->group);
                g_assert_false(c->dynamic_user);
                g_assert_null(c->working_directory);
                g_assert_nonnull(c->environment);
                g_assert_null(c->environment[0]);
                g_assert_cmpuint(c->cpu_weight, ==, 0);
                g_assert_cmpuint(c->io_weight, ==, 0);
                g_assert_cmpuint(c->memory_max, ==, 0);
                g_assert_cmpuint(c->tasks_max, ==, 0);
                g_assert_cmpint(c->sandbox, ==, SANDBOX_BASIC);
                g_assert_nonnull(c->read_write_paths);
                g_assert_null(c->read_write_paths[0]);
                g_assert_cmpuint(c->retry, ==, 0);
                g_assert_cmpuint(c->retry_delay_usec, ==, 30 * SEC);
                g_assert_cmpfloat(c->retry_backoff, ==, 1.0);
                g_assert_cmpint(c->duplicates, ==, DUPLICATES_QUEUE);
        }
}

static void test_policy_names(void) {
        const char *const dup[] = { "queue", "reject", "replace", "cancel-queued" };
        const char *const sandbox[] = { "none", "basic", "strict" };

        for (int i = 0; i < (int) G_N_ELEMENTS(dup); i++) {
                g_assert_cmpstr(duplicates_policy_to_string((DuplicatesPolicy) i), ==, dup[i]);
                g_assert_cmpint(duplicates_policy_from_string(dup[i]), ==, i);
        }
        g_assert_null(duplicates_policy_to_string(_DUPLICATES_MAX));
        g_assert_cmpint(duplicates_policy_from_string("Reject"), ==, -1);
        g_assert_cmpint(duplicates_policy_from_string(NULL), ==, -1);
        for (int i = 0; i < (int) G_N_ELEMENTS(sandbox); i++) {
                g_assert_cmpstr(sandbox_preset_to_string((SandboxPreset) i), ==, sandbox[i]);
                g_assert_cmpint(sandbox_preset_from_string(sandbox[i]), ==, i);
        }
        g_assert_null(sandbox_preset_to_string(_SANDBOX_MAX));
        g_assert_cmpint(sandbox_preset_from_string("full"), ==, -1);
        g_assert_cmpint(sandbox_preset_from_string(NULL), ==, -1);
}

static void test_resource_keys_good(void) {
        g_autoptr(SluiceConfig) cfg = parse_ok(
                "[Resource datastore:*]\nMaxRunning=2\n"
                "[Resource datastore:big]\nMaxRunning=5\n"
                "[Resource datastore:free]\nMaxRunning=0\n"
                "[Resource host:user@a.b+c_-1]\nMaxRunning=1\n");

        g_assert_cmpuint(sluice_config_resource_limit(cfg, "datastore:a"), ==, 2);
        g_assert_cmpuint(sluice_config_resource_limit(cfg, "datastore:big"), ==, 5);
        g_assert_cmpuint(sluice_config_resource_limit(cfg, "datastore:free"), ==, 0);
        g_assert_cmpuint(sluice_config_resource_limit(cfg, "host:user@a.b+c_-1"), ==, 1);
        g_assert_cmpuint(sluice_config_resource_limit(cfg, "other:a"), ==, 0);
        g_assert_cmpuint(sluice_config_resource_limit(cfg, "datastore"), ==, 0);
        g_assert_cmpuint(sluice_config_resource_limit(cfg, NULL), ==, 0);
}

/* ---- every key: bad values, with the exact message ---- */

static const struct {
        const char *text;
        const char *message;
} bad_cases[] = {
        /* [Scheduler] */
        { "[Scheduler]\nDiscipline=lifo\n",
          "t.conf: [Scheduler] Discipline: \"lifo\" is not a valid discipline (fifo, priority or fair)" },
        { "[Scheduler]\nDiscipline=FIFO\n",
          "t.conf: [Scheduler] Discipline: \"FIFO\" is not a valid discipline (fifo, priority or fair)" },
        { "[Scheduler]\nMaxRunning=two\n",
          "t.conf: [Scheduler] MaxRunning: \"two\" is not a valid number" },
        { "[Scheduler]\nMaxRunning=-1\n",
          "t.conf: [Scheduler] MaxRunning: \"-1\" is not a valid number" },
        { "[Scheduler]\nMaxRunning=4x\n",
          "t.conf: [Scheduler] MaxRunning: \"4x\" is not a valid number" },
        { "[Scheduler]\nMaxRunning=0x10\n",
          "t.conf: [Scheduler] MaxRunning: \"0x10\" is not a valid number" },
        { "[Scheduler]\nMaxRunning=4294967296\n",
          "t.conf: [Scheduler] MaxRunning: \"4294967296\" is out of range (0..4294967295)" },
        { "[Scheduler]\nMaxRunning=99999999999999999999999\n",
          "t.conf: [Scheduler] MaxRunning: \"99999999999999999999999\" is out of range (0..4294967295)" },
        { "[Scheduler]\nMaxQueuedPerUser=many\n",
          "t.conf: [Scheduler] MaxQueuedPerUser: \"many\" is not a valid number" },
        { "[Scheduler]\nMaxRunningPerUser=-1\n",
          "t.conf: [Scheduler] MaxRunningPerUser: \"-1\" is not a valid number" },
        { "[Class c]\nMaxQueuedPerUser=lots\n",
          "t.conf: [Class c] MaxQueuedPerUser: \"lots\" is not a valid number" },
        { "[Scheduler]\nStrictOrder=maybe\n",
          "t.conf: [Scheduler] StrictOrder: \"maybe\" is not a valid boolean (yes or no)" },
        { "[Scheduler]\nAgingSec=soon\n",
          "t.conf: [Scheduler] AgingSec: \"soon\" is not a valid time span" },
        { "[Scheduler]\nAgingSec=-5\n",
          "t.conf: [Scheduler] AgingSec: \"-5\" is not a valid time span" },
        { "[Scheduler]\nAgingSec=99999999999999999999\n",
          "t.conf: [Scheduler] AgingSec: \"99999999999999999999\" is too large" },
        { "[Scheduler]\nFairKey=group\n",
          "t.conf: [Scheduler] FairKey: \"group\" is not a valid fair key (owner or resource:TYPE)" },
        { "[Scheduler]\nFairKey=resource:\n",
          "t.conf: [Scheduler] FairKey: \"resource:\" is not a valid fair key (owner or resource:TYPE)" },
        { "[Scheduler]\nFairKey=resource:a b\n",
          "t.conf: [Scheduler] FairKey: \"resource:a b\" is not a valid fair key (owner or resource:TYPE)" },
        { "[Scheduler]\nKeepFinishedSec=5 parsecs\n",
          "t.conf: [Scheduler] KeepFinishedSec: \"5 parsecs\" is not a valid time span" },

        /* [Class NAME] */
        { "[Class gc]\nMaxRunning=two\n",
          "t.conf: [Class gc] MaxRunning: \"two\" is not a valid number" },
        { "[Class gc]\nKind=daemon\n",
          "t.conf: [Class gc] Kind: \"daemon\" is not a valid kind (lease or command)" },
        { "[Class gc]\nDescription=\xff\xfe\n",
          "t.conf: [Class gc] Description: \"\xef\xbf\xbd\xef\xbf\xbd\" is not valid UTF-8 text of at most 1024 characters" },
        { "[Class gc]\nPriority=high\n",
          "t.conf: [Class gc] Priority: \"high\" is not a valid number" },
        { "[Class gc]\nPriority=1001\n",
          "t.conf: [Class gc] Priority: \"1001\" is out of range (-1000..1000)" },
        { "[Class gc]\nPriority=-1001\n",
          "t.conf: [Class gc] Priority: \"-1001\" is out of range (-1000..1000)" },
        { "[Class gc]\nPriority=--1\n",
          "t.conf: [Class gc] Priority: \"--1\" is not a valid number" },
        { "[Class gc]\nPriority=-\n",
          "t.conf: [Class gc] Priority: \"-\" is not a valid number" },
        { "[Class gc]\nResources=datastore\n",
          "t.conf: [Class gc] Resources: \"datastore\" is not a valid resource (TYPE:VALUE)" },
        { "[Class gc]\nResources=a:b datastore:\n",
          "t.conf: [Class gc] Resources: \"datastore:\" is not a valid resource (TYPE:VALUE)" },
        { "[Class gc]\nResources=datastore:*\n",
          "t.conf: [Class gc] Resources: \"datastore:*\" is not a valid resource (TYPE:VALUE)" },
        { "[Class gc]\nResources=data/store:a\n",
          "t.conf: [Class gc] Resources: \"data/store:a\" is not a valid resource (TYPE:VALUE)" },
        { "[Class gc]\nResources=a:b a:b\n",
          "t.conf: [Class gc] Resources: \"a:b\" is listed twice" },
        { "[Class gc]\nResources=datastore:%{store\n",
          "t.conf: [Class gc] Resources: \"datastore:%{store\" has an unterminated %{ placeholder" },
        { "[Class gc]\nResources=datastore:%{}\n",
          "t.conf: [Class gc] Resources: \"datastore:%{}\" has an invalid placeholder name \"\"" },
        { "[Class gc]\nResources=datastore:%{store}\n",
          "t.conf: [Class gc] Resources: \"datastore:%{store}\" uses undeclared parameter \"store\" (declare it with Parameter.store=REGEX)" },
        { "[Class gc]\nParameter.store=[a-z\n",
          "t.conf: [Class gc] Parameter.store: \"[a-z\" is not a valid regular expression: *" },
        { "[Class gc]\nParameter.store=a)|(.*\n",
          "t.conf: [Class gc] Parameter.store: \"a)|(.*\" is not a valid regular expression: *" },
        { "[Class gc]\nParameter.store=a\xff\n",
          "t.conf: [Class gc] Parameter.store: \"a\xef\xbf\xbd\" is not a valid regular expression: not valid UTF-8" },
        { "[Class gc]\nParameter.9lives=x\n",
          "t.conf: [Class gc] Parameter.9lives: \"9lives\" is not a valid parameter name ([A-Za-z_][A-Za-z0-9_]{0,63})" },
        { "[Class gc]\nParameter.=x\n",
          "t.conf: [Class gc] Parameter.: \"\" is not a valid parameter name ([A-Za-z_][A-Za-z0-9_]{0,63})" },
        { "[Class gc]\nMaxWaitSec=forever\n",
          "t.conf: [Class gc] MaxWaitSec: \"forever\" is not a valid time span" },
        { "[Class gc]\nKind=command\nRuntimeMaxSec=1 fortnight\nExecStart=/bin/true\n",
          "t.conf: [Class gc] RuntimeMaxSec: \"1 fortnight\" is not a valid time span" },
        { "[Class gc]\nRuntimeMaxSec=1h\n",
          "t.conf: [Class gc] RuntimeMaxSec: \"1h\" is only valid for Kind=command" },
        { "[Class gc]\nExecStart=/usr/bin/du -sh /srv\n",
          "t.conf: [Class gc] ExecStart: \"/usr/bin/du -sh /srv\" is only valid for Kind=command" },
        { "[Class gc]\nKind=command\n",
          "t.conf: [Class gc] ExecStart: missing (Kind=command needs ExecStart=)" },
        { "[Class gc]\nKind=command\nExecStart=du -sh\n",
          "t.conf: [Class gc] ExecStart: \"du\" is not an absolute path without placeholders" },
        { "[Class gc]\nKind=command\nParameter.bin=[a-z]+\nExecStart=/usr/bin/%{bin}\n",
          "t.conf: [Class gc] ExecStart: \"/usr/bin/%{bin}\" is not an absolute path without placeholders" },
        { "[Class gc]\nKind=command\nExecStart=/usr/bin/du -sh /srv/%{store}\n",
          "t.conf: [Class gc] ExecStart: \"/srv/%{store}\" uses undeclared parameter \"store\" (declare it with Parameter.store=REGEX)" },
        { "[Class gc]\nKind=command\nExecStart=/usr/bin/du %{a-b}\n",
          "t.conf: [Class gc] ExecStart: \"%{a-b}\" has an invalid placeholder name \"a-b\"" },

        /* [Class NAME]: command keys */
#define CMD "[Class c]\nKind=command\nExecStart=/bin/true\n"
        { CMD "User=Alice\n",
          "t.conf: [Class c] User: \"Alice\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid" },
        { CMD "User=-alice\n",
          "t.conf: [Class c] User: \"-alice\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid" },
        { CMD "User=a23456789012345678901234567890123\n",
          "t.conf: [Class c] User: \"a23456789012345678901234567890123\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid" },
        { CMD "User=a$b\n",
          "t.conf: [Class c] User: \"a$b\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid" },
        { CMD "User=4294967295\n",
          "t.conf: [Class c] User: \"4294967295\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid" },
        { CMD "User=65535\n",
          "t.conf: [Class c] User: \"65535\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid" },
        { CMD "User=a b\n",
          "t.conf: [Class c] User: \"a b\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid" },
        { CMD "Group=wheel!\n",
          "t.conf: [Class c] Group: \"wheel!\" is not a valid group name ([a-z_][a-z0-9_-]{0,31}) or gid" },
        { CMD "DynamicUser=perhaps\n",
          "t.conf: [Class c] DynamicUser: \"perhaps\" is not a valid boolean (yes or no)" },
        { CMD "DynamicUser=yes\nUser=backup\n",
          "t.conf: [Class c] DynamicUser: \"yes\" conflicts with User= (a dynamic user has no fixed name; set one or the other)" },
        { CMD "WorkingDirectory=srv\n",
          "t.conf: [Class c] WorkingDirectory: \"srv\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "WorkingDirectory=/srv/../etc\n",
          "t.conf: [Class c] WorkingDirectory: \"/srv/../etc\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "WorkingDirectory=/srv//a\n",
          "t.conf: [Class c] WorkingDirectory: \"/srv//a\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "WorkingDirectory=/srv/\n",
          "t.conf: [Class c] WorkingDirectory: \"/srv/\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "WorkingDirectory=/srv/./a\n",
          "t.conf: [Class c] WorkingDirectory: \"/srv/./a\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "WorkingDirectory=~\n",
          "t.conf: [Class c] WorkingDirectory: \"~\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "Environment=A=1 B\n",
          "t.conf: [Class c] Environment: \"B\" is not a KEY=VALUE assignment (KEY: [A-Za-z_][A-Za-z0-9_]*)" },
        { CMD "Environment==1\n",
          "t.conf: [Class c] Environment: \"=1\" is not a KEY=VALUE assignment (KEY: [A-Za-z_][A-Za-z0-9_]*)" },
        { CMD "Environment=1A=1\n",
          "t.conf: [Class c] Environment: \"1A=1\" is not a KEY=VALUE assignment (KEY: [A-Za-z_][A-Za-z0-9_]*)" },
        { CMD "Environment=A-B=1\n",
          "t.conf: [Class c] Environment: \"A-B=1\" is not a KEY=VALUE assignment (KEY: [A-Za-z_][A-Za-z0-9_]*)" },
        { CMD "Environment=A=\xff\n",
          "t.conf: [Class c] Environment: \"A=\xef\xbf\xbd\": a word is not valid UTF-8" },
        { CMD "CPUWeight=0\n",
          "t.conf: [Class c] CPUWeight: \"0\" is out of range (1..10000)" },
        { CMD "CPUWeight=10001\n",
          "t.conf: [Class c] CPUWeight: \"10001\" is out of range (1..10000)" },
        { CMD "CPUWeight=idle\n",
          "t.conf: [Class c] CPUWeight: \"idle\" is not a valid number" },
        { CMD "IOWeight=-5\n",
          "t.conf: [Class c] IOWeight: \"-5\" is not a valid number" },
        { CMD "IOWeight=99999999999999999999999\n",
          "t.conf: [Class c] IOWeight: \"99999999999999999999999\" is out of range (1..10000)" },
        { CMD "MemoryMax=1.5G\n",
          "t.conf: [Class c] MemoryMax: \"1.5G\" is not a valid size (bytes, optionally with K, M, G or T, or infinity)" },
        { CMD "MemoryMax=1g\n",
          "t.conf: [Class c] MemoryMax: \"1g\" is not a valid size (bytes, optionally with K, M, G or T, or infinity)" },
        { CMD "MemoryMax=G\n",
          "t.conf: [Class c] MemoryMax: \"G\" is not a valid size (bytes, optionally with K, M, G or T, or infinity)" },
        { CMD "MemoryMax=1MK\n",
          "t.conf: [Class c] MemoryMax: \"1MK\" is not a valid size (bytes, optionally with K, M, G or T, or infinity)" },
        { CMD "MemoryMax=50%\n",
          "t.conf: [Class c] MemoryMax: \"50%\" is not a valid size (bytes, optionally with K, M, G or T, or infinity)" },
        { CMD "MemoryMax=0\n",
          "t.conf: [Class c] MemoryMax: \"0\" is too small (at least 1 byte; infinity for no limit)" },
        { CMD "MemoryMax=16777216T\n",
          "t.conf: [Class c] MemoryMax: \"16777216T\" is too large" },
        { CMD "MemoryMax=99999999999999999999\n",
          "t.conf: [Class c] MemoryMax: \"99999999999999999999\" is too large" },
        { CMD "TasksMax=0\n",
          "t.conf: [Class c] TasksMax: \"0\" is out of range (1..18446744073709551614)" },
        { CMD "TasksMax=lots\n",
          "t.conf: [Class c] TasksMax: \"lots\" is not a valid number" },
        { CMD "Sandbox=paranoid\n",
          "t.conf: [Class c] Sandbox: \"paranoid\" is not a valid sandbox (none, basic or strict)" },
        { CMD "ReadWritePaths=/srv rel\n",
          "t.conf: [Class c] ReadWritePaths: \"rel\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "ReadWritePaths=--/srv\n",
          "t.conf: [Class c] ReadWritePaths: \"--/srv\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "ReadWritePaths=/srv/a/..\n",
          "t.conf: [Class c] ReadWritePaths: \"/srv/a/..\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { CMD "ReadWritePaths=/srv /srv\n",
          "t.conf: [Class c] ReadWritePaths: \"/srv\" is listed twice" },
        { CMD "Retry=101\n",
          "t.conf: [Class c] Retry: \"101\" is out of range (0..100)" },
        { CMD "Retry=twice\n",
          "t.conf: [Class c] Retry: \"twice\" is not a valid number" },
        { CMD "RetryDelaySec=later\n",
          "t.conf: [Class c] RetryDelaySec: \"later\" is not a valid time span" },
        { CMD "RetryBackoff=0.5\n",
          "t.conf: [Class c] RetryBackoff: \"0.5\" is out of range (1.0..100)" },
        { CMD "RetryBackoff=100.5\n",
          "t.conf: [Class c] RetryBackoff: \"100.5\" is out of range (1.0..100)" },
        { CMD "RetryBackoff=1e1\n",
          "t.conf: [Class c] RetryBackoff: \"1e1\" is not a valid decimal number (such as 2 or 1.5)" },
        { CMD "RetryBackoff=2.\n",
          "t.conf: [Class c] RetryBackoff: \"2.\" is not a valid decimal number (such as 2 or 1.5)" },
        { CMD "RetryBackoff=.5\n",
          "t.conf: [Class c] RetryBackoff: \".5\" is not a valid decimal number (such as 2 or 1.5)" },
        { CMD "RetryBackoff=2,5\n",
          "t.conf: [Class c] RetryBackoff: \"2,5\" is not a valid decimal number (such as 2 or 1.5)" },
        { CMD "RetryBackoff=+2\n",
          "t.conf: [Class c] RetryBackoff: \"+2\" is not a valid decimal number (such as 2 or 1.5)" },
        { CMD "Duplicates=ignore\n",
          "t.conf: [Class c] Duplicates: \"ignore\" is not a valid policy (queue, reject, replace or cancel-queued)" },
        { "[Class l]\nDuplicates=drop\n",
          "t.conf: [Class l] Duplicates: \"drop\" is not a valid policy (queue, reject, replace or cancel-queued)" },
#undef CMD
        /* command keys on a lease class */
        { "[Class l]\nUser=backup\n", "t.conf: [Class l] User: \"backup\" is only valid for Kind=command" },
        { "[Class l]\nGroup=backup\n", "t.conf: [Class l] Group: \"backup\" is only valid for Kind=command" },
        { "[Class l]\nDynamicUser=no\n", "t.conf: [Class l] DynamicUser: \"no\" is only valid for Kind=command" },
        { "[Class l]\nWorkingDirectory=/srv\n", "t.conf: [Class l] WorkingDirectory: \"/srv\" is only valid for Kind=command" },
        { "[Class l]\nEnvironment=A=1\n", "t.conf: [Class l] Environment: \"A=1\" is only valid for Kind=command" },
        { "[Class l]\nCPUWeight=10\n", "t.conf: [Class l] CPUWeight: \"10\" is only valid for Kind=command" },
        { "[Class l]\nIOWeight=10\n", "t.conf: [Class l] IOWeight: \"10\" is only valid for Kind=command" },
        { "[Class l]\nMemoryMax=1G\n", "t.conf: [Class l] MemoryMax: \"1G\" is only valid for Kind=command" },
        { "[Class l]\nTasksMax=10\n", "t.conf: [Class l] TasksMax: \"10\" is only valid for Kind=command" },
        { "[Class l]\nSandbox=strict\n", "t.conf: [Class l] Sandbox: \"strict\" is only valid for Kind=command" },
        { "[Class l]\nReadWritePaths=/srv\n", "t.conf: [Class l] ReadWritePaths: \"/srv\" is only valid for Kind=command" },
        { "[Class l]\nRetry=1\n", "t.conf: [Class l] Retry: \"1\" is only valid for Kind=command" },
        { "[Class l]\nLoadCredential=k:/etc/k\n",
          "t.conf: [Class l] LoadCredential: \"k:/etc/k\" is only valid for Kind=command" },
        { "[Class c]\nKind=command\nExecStart=/bin/true\n" "LoadCredential=k\n",
          "t.conf: [Class c] LoadCredential: \"k\" is not ID:PATH (ID: [A-Za-z0-9_.@-]{1,255}; PATH: a normalised absolute path)" },
        { "[Class c]\nKind=command\nExecStart=/bin/true\n" "LoadCredential=k:etc/k\n",
          "t.conf: [Class c] LoadCredential: \"k:etc/k\" is not ID:PATH (ID: [A-Za-z0-9_.@-]{1,255}; PATH: a normalised absolute path)" },
        { "[Class c]\nKind=command\nExecStart=/bin/true\n" "LoadCredential=..:/etc/k\n",
          "t.conf: [Class c] LoadCredential: \"..:/etc/k\" is not ID:PATH (ID: [A-Za-z0-9_.@-]{1,255}; PATH: a normalised absolute path)" },
        { "[Class c]\nKind=command\nExecStart=/bin/true\n" "LoadCredential=a/b:/etc/k\n",
          "t.conf: [Class c] LoadCredential: \"a/b:/etc/k\" is not ID:PATH (ID: [A-Za-z0-9_.@-]{1,255}; PATH: a normalised absolute path)" },
        { "[Class c]\nKind=command\nExecStart=/bin/true\n" "LoadCredential=:/etc/k\n",
          "t.conf: [Class c] LoadCredential: \":/etc/k\" is not ID:PATH (ID: [A-Za-z0-9_.@-]{1,255}; PATH: a normalised absolute path)" },
        { "[Class c]\nKind=command\nExecStart=/bin/true\n" "LoadCredential=k:/etc/../k\n",
          "t.conf: [Class c] LoadCredential: \"k:/etc/../k\" is not ID:PATH (ID: [A-Za-z0-9_.@-]{1,255}; PATH: a normalised absolute path)" },
        { "[Class c]\nKind=command\nExecStart=/bin/true\n" "LoadCredential=k:/a k:/b\n",
          "t.conf: [Class c] LoadCredential: credential \"k\" is loaded twice" },
        { "[Class l]\nRetryDelaySec=1\n", "t.conf: [Class l] RetryDelaySec: \"1\" is only valid for Kind=command" },
        { "[Class l]\nRetryBackoff=2\n", "t.conf: [Class l] RetryBackoff: \"2\" is only valid for Kind=command" },

        /* [Resource KEY] */
        { "[Resource datastore:a]\nMaxRunning=lots\n",
          "t.conf: [Resource datastore:a] MaxRunning: \"lots\" is not a valid number" },

        /* [Resource KEY] Scope= and [Cluster] (docs/cluster.md, "Configuration") */
        { "[Resource sync:a]\nScope=fleet\n",
          "t.conf: [Resource sync:a] Scope: \"fleet\" is not a valid scope (host or cluster)" },
        { "[Resource sync:*]\nScope=cluster\nMaxRunning=2\n",
          "t.conf: [Resource sync:*] Scope: \"cluster\" needs a [Cluster] section (the etcd fleet to count in)" },
        { "[Cluster]\nPrefix=/x\n",
          "t.conf: [Cluster] Endpoints: missing ([Cluster] needs at least one etcd endpoint)" },
        { "[Cluster]\nEndpoints=http://a:1\nCAFile=etc/ca.pem\n",
          "t.conf: [Cluster] CAFile: \"etc/ca.pem\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")" },
        { "[Cluster]\nEndpoints=http://a:1\nCertFile=/etc/c.pem\n",
          "t.conf: [Cluster] KeyFile: missing (CertFile= needs it)" },
        { "[Cluster]\nEndpoints=http://a:1\nKeyFile=/etc/c.key\n",
          "t.conf: [Cluster] CertFile: missing (KeyFile= needs it)" },
        { "[Cluster]\nEndpoints=http://a:1\nUser=sluice\n",
          "t.conf: [Cluster] PasswordFile: missing (User= needs it)" },
        { "[Cluster]\nEndpoints=http://a:1\nPasswordFile=/etc/sluice/pw\n",
          "t.conf: [Cluster] User: missing (PasswordFile= needs it)" },
        { "[Cluster]\nEndpoints=http://a:1\nUser=a\tb\nPasswordFile=/p\n",
          "t.conf: [Cluster] User: \"a\\x09b\" is not a valid etcd user name (1 to 128 bytes, no blanks)" },
        { "[Cluster]\nEndpoints=http://a:1\nHostName=backup/3\n",
          "t.conf: [Cluster] HostName: \"backup/3\" is not a valid host name in the fleet ([A-Za-z0-9_.@+-]{1,64})" },
        { "[Cluster]\nEndpoints=http://a:1\nHostName=..\n",
          "t.conf: [Cluster] HostName: \"..\" is not a valid host name in the fleet ([A-Za-z0-9_.@+-]{1,64})" },
        { "[Cluster]\nEndpoints=http://a:1\nPrefix=sluice\n",
          "t.conf: [Cluster] Prefix: \"sluice\" is not a valid key prefix (\"/\" and components of "
          "[A-Za-z0-9_.@+-], at most 128 bytes, no trailing \"/\")" },
        { "[Cluster]\nEndpoints=http://a:1\nPrefix=/sluice/\n",
          "t.conf: [Cluster] Prefix: \"/sluice/\" is not a valid key prefix (\"/\" and components of "
          "[A-Za-z0-9_.@+-], at most 128 bytes, no trailing \"/\")" },
        { "[Cluster]\nEndpoints=http://a:1\nPrefix=/a b\n",
          "t.conf: [Cluster] Prefix: \"/a b\" is not a valid key prefix (\"/\" and components of "
          "[A-Za-z0-9_.@+-], at most 128 bytes, no trailing \"/\")" },
        { "[Cluster]\nEndpoints=http://a:1\nLeaseTTLSec=1\n",
          "t.conf: [Cluster] LeaseTTLSec: \"1\" is out of range (2..86400)" },
        { "[Cluster]\nEndpoints=http://a:1\nLeaseTTLSec=86401\n",
          "t.conf: [Cluster] LeaseTTLSec: \"86401\" is out of range (2..86400)" },
        { "[Cluster]\nEndpoints=http://a:1\nLeaseTTLSec=10s\n",
          "t.conf: [Cluster] LeaseTTLSec: \"10s\" is not a valid number" },
        { "[Cluster]\nEndpoints=http://a:1\nOnLeaseLost=panic\n",
          "t.conf: [Cluster] OnLeaseLost: \"panic\" is not valid (keep or stop)" },
        { "[Cluster]\nEndpoints=http://a:1\nTTL=3\n",
          "t.conf: [Cluster] TTL: unknown key" },

        /* Any key: control characters */
        /* A CR at the very end (no newline) stays in the value and would not
         * survive being written and read again. */
        { "[Class gc]\nParameter.n=x\r",
          "t.conf: [Class gc] Parameter.n: \"x\\x0d\" contains a control character" },
        { "[Class gc]\nDescription=a\001b\n",
          "t.conf: [Class gc] Description: \"a\\x01b\" contains a control character" },

        /* Sections and keys */
        { "[Schedulers]\nMaxRunning=1\n",
          "t.conf: [Schedulers]: unknown section (expected Scheduler, Class NAME, Resource KEY, Schedule NAME, Alert NAME or Cluster)" },
        { "[Class]\n",
          "t.conf: [Class]: unknown section (expected Scheduler, Class NAME, Resource KEY, Schedule NAME, Alert NAME or Cluster)" },
        { "[Class bad name]\n",
          "t.conf: [Class bad name]: \"bad name\" is not a valid class name ([A-Za-z0-9_.-]{1,64})" },
        { "[Class aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
          "t.conf: [Class aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]: "
          "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is not a valid class name ([A-Za-z0-9_.-]{1,64})" },
        { "[Resource datastore]\n",
          "t.conf: [Resource datastore]: \"datastore\" is not a valid resource key (TYPE:VALUE or TYPE:*)" },
        { "[Resource :a]\n",
          "t.conf: [Resource :a]: \":a\" is not a valid resource key (TYPE:VALUE or TYPE:*)" },
        { "[Scheduler]\nMaxrunning=1\n",
          "t.conf: [Scheduler] Maxrunning: unknown key" },
        { "[Scheduler]\nExecStart=/bin/true\n",
          "t.conf: [Scheduler] ExecStart: unknown key" },
        { "[Scheduler]\nUnknown=\n",
          "t.conf: [Scheduler] Unknown: unknown key" },
        { "[Class gc]\nDescription[de]=Müll\n",
          "t.conf: [Class gc] Description[de]: unknown key" },
        { "[Resource a:b]\nPriority=1\n",
          "t.conf: [Resource a:b] Priority: unknown key" },

        /* Not a key file at all */
        { "MaxRunning=1\n",
          "t.conf: *" },
};

static void test_bad_values(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++)
                assert_parse_error(bad_cases[i].text, bad_cases[i].message);
}

/* Bad Endpoints= are no config error (issue 14: "corrupt endpoints at start:
 * a clear error naming the endpoint, sluiced still serves host scope"):
 * they are kept for sluiced to log and to give as the cluster jobs' reason. */
static const struct {
        const char *text;
        const char *message;
} bad_endpoints[] = {
        { "[Cluster]\nEndpoints=ftp://etcd1:2379\n",
          "t.conf: [Cluster] Endpoints: etcd endpoint \"ftp://etcd1:2379\": not an http:// or https:// URL" },
        { "[Cluster]\nEndpoints=http://a:1 etcd2:2379\n",
          "t.conf: [Cluster] Endpoints: etcd endpoint \"etcd2:2379\": not an http:// or https:// URL" },
        { "[Cluster]\nEndpoints=https://\n",
          "t.conf: [Cluster] Endpoints: etcd endpoint \"https://\": not an http:// or https:// URL" },
        { "[Cluster]\nEndpoints=http://a:1 http://a:1\n",
          "t.conf: [Cluster] Endpoints: \"http://a:1\" is listed twice" },
        { "[Cluster]\nEndpoints=http://a:1 http://a:2 http://a:3 http://a:4 http://a:5 http://a:6 http://a:7 "
          "http://a:8 http://a:9 http://a:10 http://a:11 http://a:12 http://a:13 http://a:14 http://a:15 "
          "http://a:16 http://a:17\n",
          "t.conf: [Cluster] Endpoints: more than 16 endpoints" },
};

static void test_cluster_bad_endpoints(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(bad_endpoints); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(SluiceConfig) cfg = sluice_config_new_from_data(bad_endpoints[i].text, "t.conf", &error);

                g_test_message("text: %s", bad_endpoints[i].text);
                g_assert_no_error(error);
                g_assert_nonnull(cfg->cluster);
                g_assert_null(cfg->cluster->endpoints[0]);
                g_assert_cmpstr(cfg->cluster->endpoints_error, ==, bad_endpoints[i].message);
        }
}

/* [Cluster] and Scope= with every default, and every key set. */
static void test_cluster_keys(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) none = sluice_config_new_from_data("[Resource sync:*]\nMaxRunning=2\n", "t.conf", &error);
        g_autoptr(SluiceConfig) dflt = NULL, full = NULL;
        const ClusterConfig *c;

        g_assert_no_error(error);
        g_assert_null(none->cluster);
        g_assert_cmpint(sluice_config_resource_scope(none, "sync:a"), ==, RESOURCE_SCOPE_HOST);
        g_assert_cmpint(sluice_config_resource_scope(none, "tape:1"), ==, RESOURCE_SCOPE_HOST);

        dflt = sluice_config_new_from_data("[Cluster]\nEndpoints=http://127.0.0.1:2379\n"
                                           "[Resource sync:*]\nMaxRunning=2\nScope=cluster\n"
                                           "[Resource sync:local]\nMaxRunning=1\n", "t.conf", &error);
        g_assert_no_error(error);
        c = dflt->cluster;
        g_assert_nonnull(c);
        g_assert_cmpstr(c->endpoints[0], ==, "http://127.0.0.1:2379");
        g_assert_null(c->endpoints[1]);
        g_assert_null(c->endpoints_error);
        g_assert_null(c->ca_file);
        g_assert_null(c->cert_file);
        g_assert_null(c->key_file);
        g_assert_null(c->user);
        g_assert_null(c->password_file);
        g_assert_null(c->host_name);            /* sluiced fills in the hostname */
        g_assert_cmpstr(c->prefix, ==, "/sluice");
        g_assert_cmpuint(c->lease_ttl_sec, ==, 10);
        g_assert_cmpint(c->on_lease_lost, ==, CLUSTER_ON_LEASE_LOST_KEEP);
        g_assert_cmpint(sluice_config_resource_scope(dflt, "sync:offsite"), ==, RESOURCE_SCOPE_CLUSTER);
        /* the exact section wins whole, its Scope= default included */
        g_assert_cmpint(sluice_config_resource_scope(dflt, "sync:local"), ==, RESOURCE_SCOPE_HOST);
        g_assert_cmpint(sluice_config_resource_scope(dflt, "tape:1"), ==, RESOURCE_SCOPE_HOST);

        full = sluice_config_new_from_data("[Cluster]\n"
                                           "Endpoints=https://etcd1:2379 https://etcd2:2379/ http://[::1]:2379\n"
                                           "CAFile=/etc/sluice/etcd/ca.pem\nCertFile=/etc/sluice/etcd/client.pem\n"
                                           "KeyFile=/etc/sluice/etcd/client.key\nUser=sluice\n"
                                           "PasswordFile=/etc/sluice/etcd/password\nHostName=backup-3.example@a+b\n"
                                           "Prefix=/fleets/backup_1\nLeaseTTLSec=2\nOnLeaseLost=stop\n",
                                           "t.conf", &error);
        g_assert_no_error(error);
        c = full->cluster;
        g_assert_cmpuint(g_strv_length(c->endpoints), ==, 3);
        g_assert_cmpstr(c->endpoints[2], ==, "http://[::1]:2379");
        g_assert_cmpstr(c->ca_file, ==, "/etc/sluice/etcd/ca.pem");
        g_assert_cmpstr(c->cert_file, ==, "/etc/sluice/etcd/client.pem");
        g_assert_cmpstr(c->key_file, ==, "/etc/sluice/etcd/client.key");
        g_assert_cmpstr(c->user, ==, "sluice");
        g_assert_cmpstr(c->password_file, ==, "/etc/sluice/etcd/password");
        g_assert_cmpstr(c->host_name, ==, "backup-3.example@a+b");
        g_assert_cmpstr(c->prefix, ==, "/fleets/backup_1");
        g_assert_cmpuint(c->lease_ttl_sec, ==, 2);
        g_assert_cmpint(c->on_lease_lost, ==, CLUSTER_ON_LEASE_LOST_STOP);
}

/* [Cluster] and Scope= are fixed while sluiced runs (UpdateConfig, Reload). */
static void test_cluster_runtime_change(void) {
        const char *base = "[Cluster]\nEndpoints=http://127.0.0.1:2379\n"
                           "[Resource sync:*]\nMaxRunning=2\nScope=cluster\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) running = sluice_config_new_from_data(base, "t.conf", &error);
        g_autoptr(SluiceConfig) same = sluice_config_new_from_data(base, "t.conf", &error);
        g_autoptr(SluiceConfig) limit = NULL, ttl = NULL, no_cluster = NULL, sub = NULL, host = NULL;
        const char *k_max[] = { "MaxRunning", NULL }, *v_max[] = { "3", NULL };
        const char *k_ttl[] = { "LeaseTTLSec", NULL }, *v_ttl[] = { "20", NULL };

        g_assert_no_error(error);
        g_assert_true(sluice_config_check_runtime_change(running, same, &error));
        g_assert_no_error(error);

        /* a limit may change */
        limit = sluice_config_update(running, "Resource sync:*", k_max, v_max, &error);
        g_assert_no_error(error);
        g_assert_true(sluice_config_check_runtime_change(running, limit, &error));

        /* any [Cluster] key may not */
        ttl = sluice_config_update(running, "Cluster", k_ttl, v_ttl, &error);
        g_assert_no_error(error);
        g_assert_false(sluice_config_check_runtime_change(running, ttl, &error));
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, "[Cluster]: cannot change while sluiced runs (restart sluiced)");
        g_clear_error(&error);

        no_cluster = sluice_config_new_from_data("[Resource sync:*]\nMaxRunning=2\n", "t.conf", &error);
        g_assert_no_error(error);
        g_assert_false(sluice_config_check_runtime_change(running, no_cluster, &error));
        g_assert_cmpstr(error->message, ==, "[Cluster]: cannot change while sluiced runs (restart sluiced)");
        g_clear_error(&error);

        /* a new exact section under a cluster-scoped wildcard changes that resource's scope */
        sub = sluice_config_update(running, "Resource sync:local", k_max, v_max, &error);
        g_assert_no_error(error);
        g_assert_false(sluice_config_check_runtime_change(running, sub, &error));
        g_assert_cmpstr(error->message, ==,
                        "[Resource sync:local] Scope: cannot change from cluster to host while sluiced runs "
                        "(restart sluiced)");
        g_clear_error(&error);

        host = sluice_config_new_from_data("[Cluster]\nEndpoints=http://127.0.0.1:2379\n"
                                           "[Resource sync:*]\nMaxRunning=2\n", "t.conf", &error);
        g_assert_no_error(error);
        g_assert_false(sluice_config_check_runtime_change(running, host, &error));
        g_assert_cmpstr(error->message, ==,
                        "[Resource sync:*] Scope: cannot change from cluster to host while sluiced runs "
                        "(restart sluiced)");
        g_clear_error(&error);

        /* UpdateConfig() does not set them at all */
        g_assert_false(sluice_config_check_runtime_key("Cluster", "Prefix", &error));
        g_assert_cmpstr(error->message, ==,
                        "[Cluster] Prefix: set in the configuration files only (edit them and restart sluiced)");
        g_clear_error(&error);
        g_assert_false(sluice_config_check_runtime_key("Resource sync:a", "Scope", &error));
        g_clear_error(&error);
        g_assert_true(sluice_config_check_runtime_key("Resource sync:a", "MaxRunning", &error));
        g_assert_no_error(error);
}

static void test_error_without_origin(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = sluice_config_new_from_data("[Class gc]\nMaxRunning=two\n", NULL, &error);

        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, "[Class gc] MaxRunning: \"two\" is not a valid number");
}

static void test_long_value_is_shortened(void) {
        g_autofree char *value = g_strnfill(5000, 'x');
        g_autofree char *text = g_strdup_printf("[Scheduler]\nMaxRunning=%s\n", value);
        g_autofree char *shown = g_strnfill(200, 'x');
        g_autofree char *message = g_strdup_printf("t.conf: [Scheduler] MaxRunning: \"%s...\" is not a valid number", shown);

        assert_parse_error(text, message);
}

/* ---- files: drop-ins and the embedded default ---- */

typedef struct {
        char *dir;
        char *main;
        char *dropin_dir;
} Fixture;

static void write_file(const char *path, const char *text) {
        g_autoptr(GError) error = NULL;

        g_file_set_contents(path, text, -1, &error);
        g_assert_no_error(error);
}

static void fixture_setup(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;

        f->dir = g_dir_make_tmp("sluice-config-XXXXXX", &error);
        g_assert_no_error(error);
        f->main = g_build_filename(f->dir, "sluiced.conf", NULL);
        f->dropin_dir = g_build_filename(f->dir, "sluiced.conf.d", NULL);
}

static void remove_tree(const char *path) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;

        if (d)
                while ((name = g_dir_read_name(d))) {
                        g_autofree char *child = g_build_filename(path, name, NULL);
                        remove_tree(child);
                }
        g_assert_cmpint(g_remove(path), ==, 0);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        remove_tree(f->dir);
        g_free(f->dir);
        g_free(f->main);
        g_free(f->dropin_dir);
}

static void write_dropin(Fixture *f, const char *name, const char *text) {
        g_autofree char *path = g_build_filename(f->dropin_dir, name, NULL);

        g_assert_cmpint(g_mkdir_with_parents(f->dropin_dir, 0755), ==, 0);
        write_file(path, text);
}

static void test_load_main_only(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;

        write_file(f->main, "# comment\n[Scheduler]\nMaxRunning=7\n[Class a]\n");
        cfg = sluice_config_load(f->main, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(cfg->max_running, ==, 7);
        g_assert_nonnull(sluice_config_get_class(cfg, "a"));
        /* the main file replaces the embedded default entirely */
        g_assert_null(sluice_config_get_class(cfg, "backup"));
        g_assert_cmpint(cfg->discipline, ==, DISCIPLINE_FIFO);
}

static void test_load_dropin_precedence(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        const ClassConfig *c;

        write_file(f->main,
                   "[Scheduler]\nMaxRunning=7\nDiscipline=priority\nAgingSec=1h\n"
                   "[Class gc]\nKind=command\nExecStart=/usr/bin/du /srv/%{store}\nMaxRunning=1\n");
        /* 10 declares the parameter the main file's template uses: the
         * cross-key rules are judged after merging. */
        write_dropin(f, "10-param.conf", "[Class gc]\nParameter.store=[a-z]+\nMaxRunning=2\n");
        write_dropin(f, "20-later.conf", "[Scheduler]\nMaxRunning=9\nAgingSec=\n[Class new]\nPriority=5\n");
        write_dropin(f, "05-first.conf", "[Scheduler]\nMaxRunning=8\nStrictOrder=yes\n");
        write_dropin(f, "30-ignored.conf.disabled", "[Scheduler]\nMaxRunning=broken\n");
        write_dropin(f, ".hidden.conf", "[Scheduler]\nMaxRunning=broken\n");

        cfg = sluice_config_load(f->main, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(cfg->max_running, ==, 9);              /* 20 wins over 05 and main */
        g_assert_true(cfg->strict_order);                       /* 05, not overridden */
        g_assert_cmpint(cfg->discipline, ==, DISCIPLINE_PRIORITY);  /* main */
        g_assert_cmpuint(cfg->aging_usec, ==, 600 * SEC);       /* reset to its default by 20 */
        c = sluice_config_get_class(cfg, "gc");
        g_assert_cmpuint(c->max_running, ==, 2);                /* key by key */
        g_assert_cmpint(c->kind, ==, JOB_KIND_COMMAND);
        g_assert_cmpuint(c->parameters->len, ==, 1);
        g_assert_cmpint(sluice_config_get_class(cfg, "new")->priority, ==, 5);
}

static void test_load_dropin_error_names_file(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        g_autofree char *bad = g_build_filename(f->dropin_dir, "50-bad.conf", NULL);
        g_autofree char *expected = NULL;

        write_file(f->main, "[Class gc]\nMaxRunning=1\n");
        write_dropin(f, "40-good.conf", "[Class gc]\nPriority=3\n");
        write_dropin(f, "50-bad.conf", "[Class gc]\nMaxRunning=two\n");
        write_dropin(f, "60-fixes-it.conf", "[Class gc]\nMaxRunning=3\n");

        cfg = sluice_config_load(f->main, &error);
        g_assert_null(cfg);
        expected = g_strdup_printf("%s: [Class gc] MaxRunning: \"two\" is not a valid number", bad);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, expected);
}

static void test_load_cross_key_error_names_file(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        g_autofree char *dropin = g_build_filename(f->dropin_dir, "10-kind.conf", NULL);
        g_autofree char *expected = NULL;

        /* The main file's class is a valid lease; the drop-in turns it into
         * a command without ExecStart. */
        write_file(f->main, "[Class gc]\nMaxRunning=1\n");
        write_dropin(f, "10-kind.conf", "[Class gc]\nKind=command\n");

        cfg = sluice_config_load(f->main, &error);
        g_assert_null(cfg);
        expected = g_strdup_printf("%s: [Class gc] ExecStart: missing (Kind=command needs ExecStart=)", dropin);
        g_assert_cmpstr(error->message, ==, expected);
}

static void test_load_unknown_section_in_dropin(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        g_autofree char *dropin = g_build_filename(f->dropin_dir, "x.conf", NULL);
        g_autofree char *expected = NULL;

        write_dropin(f, "x.conf", "[Schedules nightly]\nClass=gc\n");
        cfg = sluice_config_load(f->main, &error);
        g_assert_null(cfg);
        expected = g_strdup_printf("%s: [Schedules nightly]: unknown section (expected Scheduler, Class NAME, Resource KEY, Schedule NAME, Alert NAME or Cluster)", dropin);
        g_assert_cmpstr(error->message, ==, expected);
}

static void test_load_main_missing(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL, def = sluice_config_new_default();

        /* No main file and no drop-in directory: the embedded default. */
        cfg = sluice_config_load(f->main, &error);
        g_assert_no_error(error);
        {
                g_autofree char *a = sluice_config_to_data(cfg), *b = sluice_config_to_data(def);
                g_assert_cmpstr(a, ==, b);
        }
        g_clear_pointer(&cfg, sluice_config_unref);

        /* Drop-ins still apply on top of the default. */
        write_dropin(f, "10-local.conf", "[Scheduler]\nMaxRunning=1\n[Class backup]\nMaxRunning=5\n");
        cfg = sluice_config_load(f->main, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(cfg->max_running, ==, 1);
        g_assert_cmpint(cfg->discipline, ==, DISCIPLINE_FAIR);          /* from the default */
        g_assert_cmpuint(sluice_config_get_class(cfg, "backup")->max_running, ==, 5);
        g_assert_nonnull(sluice_config_get_class(cfg, "gc"));
}

static void test_load_unreadable(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        g_autofree char *expected = NULL;

        /* The main path is a directory: an error naming it, not the default. */
        g_assert_cmpint(g_mkdir(f->main, 0755), ==, 0);
        cfg = sluice_config_load(f->main, &error);
        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        expected = g_strdup_printf("%s: ", f->main);
        g_assert_true(g_str_has_prefix(error->message, expected));
        g_clear_error(&error);
        g_assert_cmpint(g_rmdir(f->main), ==, 0);

        /* A syntax error in a file names it too. */
        write_file(f->main, "[Scheduler\n");
        cfg = sluice_config_load(f->main, &error);
        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_true(g_str_has_prefix(error->message, expected));
}

/* Write @len bytes, NUL bytes among them. */
static void write_bytes(const char *path, const char *bytes, gssize len) {
        g_autoptr(GError) error = NULL;

        g_file_set_contents(path, bytes, len, &error);
        g_assert_no_error(error);
}

static void assert_load_refused(const char *path, const char *expected) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = sluice_config_load(path, &error);

        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, expected);
}

/* A real NUL byte in a file: refused with file:line, section and key, never
 * cut short (GKeyFile alone reads "Description=a\0b" as "a"). */
static void test_load_nul_byte(Fixture *f, gconstpointer data) {
        static const char main_text[] = "[Scheduler]\nMaxRunning=2\n\n[Class gc]\nDescription = a\0b\nMaxRunning=1\n";
        static const char dropin_text[] = "[Class gc]\nMaxRunning=3\n# a comment\0\n";
        static const char clean[] = "[Scheduler]\nMaxRunning=2\n\n[Class gc]\nDescription=a b\nMaxRunning=1\n";
        g_autofree char *expected = NULL, *dropin = g_build_filename(f->dropin_dir, "50-nul.conf", NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;

        /* the main file: line 5, in the value of [Class gc] Description */
        write_bytes(f->main, main_text, sizeof(main_text) - 1);
        expected = g_strdup_printf("%s:5: [Class gc] Description: \"a\\x00b\" contains a NUL byte", f->main);
        assert_load_refused(f->main, expected);

        /* a drop-in: line 3, a comment */
        write_bytes(f->main, clean, -1);
        cfg = sluice_config_load(f->main, &error);
        g_assert_no_error(error);
        g_clear_pointer(&cfg, sluice_config_unref);
        g_assert_cmpint(g_mkdir_with_parents(f->dropin_dir, 0755), ==, 0);
        write_bytes(dropin, dropin_text, sizeof(dropin_text) - 1);
        g_free(expected);
        expected = g_strdup_printf("%s:3: contains a NUL byte", dropin);
        assert_load_refused(f->main, expected);
}

/* Text given with its length (what the fuzzer feeds): the same refusal. */
static void test_bytes_nul(void) {
        static const char text[] = "[Class gc]\nKind=command\nExecStart=/bin/true\0 --now\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = sluice_config_new_from_bytes(text, sizeof(text) - 1, "t.conf", &error);

        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, "t.conf:3: [Class gc] ExecStart: \"/bin/true\\x00 --now\" contains a NUL byte");
        g_clear_error(&error);

        /* a NUL before any section, and no origin */
        cfg = sluice_config_new_from_bytes("X=\0", 3, NULL, &error);
        g_assert_null(cfg);
        g_assert_cmpstr(error->message, ==, "line 1: X: \"\\x00\" contains a NUL byte");
        g_clear_error(&error);

        /* without a NUL, the same as new_from_data() */
        cfg = sluice_config_new_from_bytes(text, strlen(text), "t.conf", &error);
        g_assert_no_error(error);
        g_assert_nonnull(sluice_config_get_class(cfg, "gc"));
}

/* ---- update and round trips ---- */

static void test_update_creates_class(void) {
        g_autoptr(SluiceConfig) cfg = sluice_config_new_default();
        g_autoptr(SluiceConfig) updated = NULL;
        g_autoptr(GError) error = NULL;
        const char *const keys[] = { "Kind", "ExecStart", "Parameter.store", "MaxRunning", NULL };
        const char *const values[] = { "command", "/usr/bin/du -sh /srv/%{store}", "  [a-z]+  ", "3", NULL };
        const ClassConfig *c;

        updated = sluice_config_update(cfg, "Class du", keys, values, &error);
        g_assert_no_error(error);
        c = sluice_config_get_class(updated, "du");
        g_assert_nonnull(c);
        g_assert_cmpint(c->kind, ==, JOB_KIND_COMMAND);
        g_assert_cmpuint(c->max_running, ==, 3);
        g_assert_cmpstr(((ParameterDecl *) g_ptr_array_index(c->parameters, 0))->pattern, ==, "[a-z]+");
        g_assert_null(sluice_config_get_class(cfg, "du"));
        g_assert_nonnull(sluice_config_get_class(updated, "gc"));   /* the rest is kept */

        /* The scheduler section, and resetting a key with an empty value. */
        const char *const skeys[] = { "Discipline", "MaxRunning", NULL };
        const char *const svalues[] = { "priority", "", NULL };
        g_autoptr(SluiceConfig) s = sluice_config_update(updated, "Scheduler", skeys, svalues, &error);
        g_assert_no_error(error);
        g_assert_cmpint(s->discipline, ==, DISCIPLINE_PRIORITY);
        g_assert_cmpuint(s->max_running, ==, 4);
        g_assert_cmpint(updated->discipline, ==, DISCIPLINE_FAIR);

        /* A new resource section. */
        const char *const rkeys[] = { "MaxRunning", NULL };
        const char *const rvalues[] = { "1", NULL };
        g_autoptr(SluiceConfig) r = sluice_config_update(s, "Resource datastore:slow", rkeys, rvalues, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(sluice_config_resource_limit(r, "datastore:slow"), ==, 1);
        g_assert_cmpuint(sluice_config_resource_limit(r, "datastore:fast"), ==, 2);
}

static void assert_update_refused(SluiceConfig *cfg, const char *section, const char *key,
                                  const char *value, const char *message) {
        g_autofree char *before = sluice_config_to_data(cfg), *after = NULL;
        const char *const keys[] = { key, NULL };
        const char *const values[] = { value, NULL };
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) updated = sluice_config_update(cfg, section, keys, values, &error);

        g_assert_null(updated);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, message);
        after = sluice_config_to_data(cfg);
        g_assert_cmpstr(before, ==, after);
}

static void test_update_refuses_bad_values(void) {
        g_autoptr(SluiceConfig) cfg = sluice_config_new_default();

        assert_update_refused(cfg, "Class gc", "MaxRunning", "two",
                              "[Class gc] MaxRunning: \"two\" is not a valid number");
        assert_update_refused(cfg, "Scheduler", "Discipline", "random",
                              "[Scheduler] Discipline: \"random\" is not a valid discipline (fifo, priority or fair)");
        assert_update_refused(cfg, "Scheduler", "Nope", "1",
                              "[Scheduler] Nope: unknown key");
        assert_update_refused(cfg, "Class gc", "Parameter.store", "",
                              "[Class gc] Resources: \"datastore:%{store}\" uses undeclared parameter \"store\" (declare it with Parameter.store=REGEX)");
        assert_update_refused(cfg, "Class gc", "Parameter.a b", "x",
                              "[Class gc] Parameter.a b: \"a b\" is not a valid parameter name ([A-Za-z_][A-Za-z0-9_]{0,63})");
        assert_update_refused(cfg, "Class gc", "Description", "two\nlines",
                              "[Class gc] Description: \"two\\x0alines\" contains a line break");
        assert_update_refused(cfg, "Class new", "Kind", "command",
                              "[Class new] ExecStart: missing (Kind=command needs ExecStart=)");
        assert_update_refused(cfg, "Clas gc", "MaxRunning", "1",
                              "[Clas gc]: unknown section (expected Scheduler, Class NAME, Resource KEY, Schedule NAME, Alert NAME or Cluster)");
        assert_update_refused(cfg, "Class a]b", "MaxRunning", "1",
                              "[Class a]b]: \"a]b\" is not a valid class name ([A-Za-z0-9_.-]{1,64})");

        /* still the default, still usable */
        g_assert_cmpuint(sluice_config_get_class(cfg, "gc")->max_running, ==, 1);
        g_assert_cmpint(cfg->ref, ==, 1);
}

static void test_to_data_round_trip(void) {
        g_autoptr(SluiceConfig) def = sluice_config_new_default();
        g_autofree char *text = sluice_config_to_data(def), *again = NULL;
        g_autoptr(SluiceConfig) back = parse_ok(text);
        g_auto(GStrv) a = sluice_config_class_names(def), b = sluice_config_class_names(back);

        again = sluice_config_to_data(back);
        g_assert_cmpstr(text, ==, again);
        g_assert_true(g_strv_equal((const char *const *) a, (const char *const *) b));
        g_assert_cmpint(back->discipline, ==, def->discipline);
        g_assert_null(strchr(text, '#'));       /* values only: no comments */

        /* A regular expression with backslashes survives literally. */
        g_autoptr(SluiceConfig) re = parse_ok("[Class a]\nParameter.n=\\d+\\s?\n");
        g_autofree char *re_text = sluice_config_to_data(re);
        g_autoptr(SluiceConfig) re_back = parse_ok(re_text);
        const ParameterDecl *p = g_ptr_array_index(sluice_config_get_class(re_back, "a")->parameters, 0);
        g_assert_cmpstr(p->pattern, ==, "\\d+\\s?");
        g_assert_true(g_regex_match(p->regex, "42 ", 0, NULL));
}

static void test_refcount(void) {
        SluiceConfig *cfg = sluice_config_new_default();

        g_assert_true(sluice_config_ref(cfg) == cfg);
        g_assert_cmpint(cfg->ref, ==, 2);
        sluice_config_unref(cfg);
        g_assert_cmpint(cfg->ref, ==, 1);
        sluice_config_unref(cfg);
        sluice_config_unref(NULL);
}

int main(int argc, char *argv[]) {
        setlocale(LC_ALL, "");
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/config/default", test_default);
        g_test_add_func("/config/default-documents-every-key", test_default_documents_every_key);
        g_test_add_func("/config/scheduler-keys-good", test_scheduler_keys_good);
        g_test_add_func("/config/scheduler-defaults", test_scheduler_defaults_without_file_values);
        g_test_add_func("/config/class-max-queued-per-user", test_class_max_queued_per_user);
        g_test_add_func("/config/class-keys-good", test_class_keys_good);
        g_test_add_func("/config/command-keys-good", test_command_keys_good);
        g_test_add_func("/config/command-key-defaults", test_command_key_defaults);
        g_test_add_func("/config/policy-names", test_policy_names);
        g_test_add_func("/config/resource-keys-good", test_resource_keys_good);
        g_test_add_func("/config/bad-values", test_bad_values);
        g_test_add_func("/config/cluster-keys", test_cluster_keys);
        g_test_add_func("/config/cluster-bad-endpoints", test_cluster_bad_endpoints);
        g_test_add_func("/config/cluster-runtime-change", test_cluster_runtime_change);
        g_test_add_func("/config/error-without-origin", test_error_without_origin);
        g_test_add_func("/config/long-value-is-shortened", test_long_value_is_shortened);
        g_test_add("/config/load/main-only", Fixture, NULL, fixture_setup, test_load_main_only, fixture_teardown);
        g_test_add("/config/load/dropin-precedence", Fixture, NULL, fixture_setup, test_load_dropin_precedence, fixture_teardown);
        g_test_add("/config/load/dropin-error-names-file", Fixture, NULL, fixture_setup, test_load_dropin_error_names_file, fixture_teardown);
        g_test_add("/config/load/cross-key-error-names-file", Fixture, NULL, fixture_setup, test_load_cross_key_error_names_file, fixture_teardown);
        g_test_add("/config/load/unknown-section-in-dropin", Fixture, NULL, fixture_setup, test_load_unknown_section_in_dropin, fixture_teardown);
        g_test_add("/config/load/main-missing", Fixture, NULL, fixture_setup, test_load_main_missing, fixture_teardown);
        g_test_add("/config/load/unreadable", Fixture, NULL, fixture_setup, test_load_unreadable, fixture_teardown);
        g_test_add("/config/load/nul-byte", Fixture, NULL, fixture_setup, test_load_nul_byte, fixture_teardown);
        g_test_add_func("/config/bytes-nul", test_bytes_nul);
        g_test_add_func("/config/update/creates-class", test_update_creates_class);
        g_test_add_func("/config/update/refuses-bad-values", test_update_refuses_bad_values);
        g_test_add_func("/config/to-data-round-trip", test_to_data_round_trip);
        g_test_add_func("/config/refcount", test_refcount);

        return g_test_run();
}

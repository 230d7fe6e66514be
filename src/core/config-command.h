/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Parsers for the keys of [Class NAME] that describe how a command job runs
 * (its transient unit's properties), its retries, and what a duplicate
 * submission does.  Internal to the configuration model: config-model.c
 * lists them in its key table, and its class_check() applies the rules that
 * join keys.  Each parser sets a SLUICE_ERROR_INVALID_CONFIG error naming
 * the bad value only; the caller prefixes file, section and key.
 */

#include <glib.h>
#include <stdbool.h>

#include "sluice-config.h"

/* Every parser takes a ClassConfig * as @target. */
bool config_parse_user(void *target, const char *key, const char *value, GError **error);
bool config_parse_group(void *target, const char *key, const char *value, GError **error);
bool config_parse_dynamic_user(void *target, const char *key, const char *value, GError **error);
bool config_parse_working_directory(void *target, const char *key, const char *value, GError **error);
bool config_parse_environment(void *target, const char *key, const char *value, GError **error);
bool config_parse_cpu_weight(void *target, const char *key, const char *value, GError **error);
bool config_parse_io_weight(void *target, const char *key, const char *value, GError **error);
bool config_parse_memory_max(void *target, const char *key, const char *value, GError **error);
bool config_parse_tasks_max(void *target, const char *key, const char *value, GError **error);
bool config_parse_sandbox(void *target, const char *key, const char *value, GError **error);
bool config_parse_read_write_paths(void *target, const char *key, const char *value, GError **error);
bool config_parse_load_credential(void *target, const char *key, const char *value, GError **error);
bool config_parse_retry(void *target, const char *key, const char *value, GError **error);
bool config_parse_retry_delay(void *target, const char *key, const char *value, GError **error);
bool config_parse_retry_backoff(void *target, const char *key, const char *value, GError **error);
bool config_parse_duplicates(void *target, const char *key, const char *value, GError **error);

/* Keys only a Kind=command class may set, NULL-terminated. */
extern const char *const config_command_only_keys[];

/* Set the defaults of the command keys in a new class. */
void config_command_init(ClassConfig *c);
/* Free what the command keys own. */
void config_command_clear(ClassConfig *c);

/*
 * @base followed by @add, each KEY once: a later assignment replaces an
 * earlier one in place.  Either may be NULL; the result is never NULL.
 * Entries must be valid assignments.
 */
char **config_env_merge(const char *const *base, const char *const *add);

/* Whether @s is a valid KEY=VALUE environment assignment (KEY
 * [A-Za-z_][A-Za-z0-9_]*, VALUE anything). */
bool config_is_env_assignment(const char *s);

/* Whether @s is a systemd credential name: [A-Za-z0-9_.@-]{1,255}, not "." or "..". */
bool config_is_credential_id(const char *s);

/* Whether @s is an absolute path with no "." or ".." component, no "//" and
 * no trailing "/" ("/" itself is fine). */
bool config_is_normalized_path(const char *s);

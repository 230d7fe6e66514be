/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Strict parsers for single configuration values.  Internal to the config
 * model (config-model.c).  Each sets a SLUICE_ERROR_INVALID_CONFIG error
 * whose message names the bad value only ("\"two\" is not a valid number");
 * the caller prefixes file, section and key.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "job.h"

/* Longest value quoted verbatim in an error message. */
#define CONFIG_QUOTE_MAX 200

char *config_quote(const char *s);

bool config_parse_uint32(const char *value, uint32_t *ret, GError **error);
bool config_parse_int32_range(const char *value, int32_t min, int32_t max, int32_t *ret, GError **error);
bool config_parse_uint64_range(const char *value, uint64_t min, uint64_t max, uint64_t *ret, GError **error);
bool config_parse_bool(const char *value, bool *ret, GError **error);
bool config_parse_timespan(const char *value, usec_t *ret, GError **error);

bool config_is_name(const char *s);             /* class names: [A-Za-z0-9_.-]{1,64} */
bool config_is_param_name(const char *s);       /* parameters: [A-Za-z_][A-Za-z0-9_]{0,63} */
bool config_is_resource_type(const char *s);    /* "datastore": [A-Za-z0-9_.-]{1,64} */
bool config_is_resource_key(const char *s, bool allow_wildcard);

/*
 * Check one %{param} template (a resource or an argv element) and call
 * @each for every placeholder name it contains.  Placeholders must be
 * closed and name a valid parameter name; "%" not followed by "{" is a
 * literal percent sign.
 */
typedef bool (*ConfigPlaceholderFunc)(const char *name, void *userdata, GError **error);
bool config_template_foreach(const char *tmpl, ConfigPlaceholderFunc each, void *userdata, GError **error);

/* Split on blanks; empty/blank text gives an empty vector. */
char **config_split_words(const char *value);

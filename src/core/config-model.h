/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Internal to the configuration: the table of known sections and keys, and
 * building a SluiceConfig from one (merged) GKeyFile.  sluice-config.c does the
 * file handling (main file, drop-ins, embedded default, updates).
 */

#include <glib.h>
#include <stdbool.h>

#include "sluice-config.h"

typedef enum {
        CONFIG_SECTION_SCHEDULER,       /* [Scheduler] */
        CONFIG_SECTION_CLASS,           /* [Class NAME] */
        CONFIG_SECTION_RESOURCE,        /* [Resource TYPE:VALUE] or [Resource TYPE:*] */
        CONFIG_SECTION_SCHEDULE,        /* [Schedule NAME] */
        CONFIG_SECTION_ALERT,           /* [Alert NAME] */
        CONFIG_SECTION_CLUSTER,         /* [Cluster] */
        _CONFIG_SECTION_MAX,
} ConfigSectionType;

typedef struct ConfigKeyInfo {
        ConfigSectionType section;
        const char *name;               /* "MaxRunning"; "Parameter.NAME" for the Parameter.* family */
        const char *default_value;      /* as documented; "" for none */
} ConfigKeyInfo;

/* Every key the parser knows, in documentation order; NULL past the end. */
const ConfigKeyInfo *config_known_key(size_t i);

/* Where each key came from: a file name for error messages. */
typedef struct ConfigOrigins {
        const char *file;       /* default origin (may be NULL: no file, e.g. UpdateConfig) */
        GHashTable *map;        /* "GROUP\nKEY" -> file (owned strings), may be NULL */
        GHashTable *where;      /* "GROUP\nKEY" -> SluiceConfigOrigin* (owned), may be NULL:
                                 * what sluice_config_key_origin() answers for the result */
} ConfigOrigins;

const char *config_origins_lookup(const ConfigOrigins *o, const char *group, const char *key);

/* Classify a section name; @ret_arg points into @group (class name, resource key). */
bool config_section_parse(const char *group, ConfigSectionType *ret_type, const char **ret_arg,
                          const char *origin, GError **error);

/* Check that @key is a known key of a section of @type (error names origin/group/key). */
bool config_key_check(ConfigSectionType type, const char *group, const char *key,
                      const char *origin, GError **error);

typedef enum {
        CONFIG_BUILD_FULL,              /* values and every cross-key rule */
        CONFIG_BUILD_VALUES_ONLY,       /* each value on its own (one file of several) */
} ConfigBuildMode;

/*
 * Build the model from @kf (values read raw, no escape processing; an empty
 * value means the key's default).  The result references @kf as ->merged.
 */
SluiceConfig *config_model_build(GKeyFile *kf, const ConfigOrigins *origins, ConfigBuildMode mode,
                                 GError **error);

/* Free a model whatever its reference count (sluice_config_unref() uses it). */
void config_model_free(SluiceConfig *cfg);

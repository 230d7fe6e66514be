/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * [Cluster] and [Resource KEY] Scope=, internal to the configuration model
 * (docs/cluster.md, "Configuration"): config-model.c lists the keys in its
 * table and runs the checks once every section is read.  Pure: no file is
 * opened here (sluiced reads PasswordFile= and checks the files at load).
 * Errors are SLUICE_ERROR_INVALID_CONFIG naming the bad value only; the
 * caller prefixes file, section and key.
 */

#include <glib.h>
#include <stdbool.h>

#include "sluice-config.h"

ClusterConfig *cluster_config_new(void);
void cluster_config_free(ClusterConfig *c);

/* @target is a ClusterConfig *; @key one of the [Cluster] keys of the table. */
bool config_parse_cluster_key(void *target, const char *key, const char *value, GError **error);

/* [Resource KEY] Scope=host|cluster: @target is a ResourceConfig *. */
bool config_parse_resource_scope(void *target, const char *key, const char *value, GError **error);

/* The rules joining keys of [Cluster] (CertFile= with KeyFile=, User= with
 * PasswordFile=, at least one endpoint).  On error *ret_key names the key. */
bool config_cluster_check(const ClusterConfig *c, const char **ret_key, GError **error);

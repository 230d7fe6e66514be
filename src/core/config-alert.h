/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * [Alert NAME] sections and the notifier keys of [Class NAME] (OnSuccess=,
 * OnFailure=), internal to the configuration model: config-model.c lists the
 * keys in its table and runs the checks once every section is read.  Errors
 * are SLUICE_ERROR_INVALID_CONFIG naming the bad value only; the caller
 * prefixes file, section and key.
 */

#include <glib.h>
#include <stdbool.h>

#include "sluice-config.h"

AlertConfig *alert_config_new(const char *name);
void alert_config_free(AlertConfig *a);

/* @target is an AlertConfig *; @key one of the [Alert] keys of the table. */
bool config_parse_alert_key(void *target, const char *key, const char *value, GError **error);

/* [Class] OnSuccess= / OnFailure=: @target is a ClassConfig *. */
bool config_parse_class_notify(void *target, const char *key, const char *value, GError **error);

/* Class= set and existing, at least one condition (Within=, OnFailure=,
 * MaxWaitSec=), Notify= naming a command class.  On error *ret_key names the key. */
bool config_alert_check(const SluiceConfig *cfg, const AlertConfig *a, const char **ret_key, GError **error);

/* A class's OnSuccess=/OnFailure= name existing command classes (not itself). */
bool config_class_notify_check(const SluiceConfig *cfg, const ClassConfig *c, const char **ret_key, GError **error);

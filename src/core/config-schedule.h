/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * [Schedule NAME] sections, internal to the configuration model:
 * config-model.c lists the keys in its table (each parsed by
 * config_parse_schedule_key()) and runs config_schedule_check() once every
 * section is read.  Errors are SLUICE_ERROR_INVALID_CONFIG naming the bad
 * value only; the caller prefixes file, section and key.
 */

#include <glib.h>
#include <stdbool.h>

#include "sluice-config.h"

ScheduleConfig *schedule_config_new(const char *name);
void schedule_config_free(ScheduleConfig *s);

/* @target is a ScheduleConfig *; @key one of the [Schedule] keys of the table. */
bool config_parse_schedule_key(void *target, const char *key, const char *value, GError **error);

/* The rules that join keys or sections (Class= set and existing, parameters
 * declared by and matching the class, OnCalendar= set).  On error *ret_key
 * names the key at fault. */
bool config_schedule_check(const SluiceConfig *cfg, const ScheduleConfig *s, const char **ret_key, GError **error);

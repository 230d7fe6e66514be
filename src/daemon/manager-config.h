/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The configuration in force = the files (main file, drop-ins) + the stored
 * overrides (UpdateConfig with persist=true, in storing order) + the
 * run-time overrides (persist=false, until sluiced restarts).  Reload()
 * re-reads the files and applies both kinds of overrides on top again;
 * UnsetConfig() drops overrides.  An override the files now make invalid is
 * skipped with a warning and kept (it may apply again after the next edit).
 */

#include <glib.h>
#include <stdbool.h>

#include "manager.h"

/* Take the files' configuration (one reference) as the base. */
void manager_config_set_files(Manager *m, SluiceConfig *files);

/* Take the stored overrides (StoreOverride*, storing order; the manager keeps the array). */
void manager_config_set_stored(Manager *m, GPtrArray *stored);

/* The files + stored + run-time overrides; a new reference. */
SluiceConfig *manager_config_build(Manager *m);

/*
 * Record an UpdateConfig() already validated and (with @persist) stored: its
 * keys become overrides of the kind @persist says.
 */
void manager_config_record_update(Manager *m, const char *section, const char *const *keys,
                                  const char *const *values, bool persist);

/*
 * UnsetConfig(): drop the run-time overrides of @keys; with @persist also
 * the stored ones (committed before this returns); without, a stored one is
 * set aside until sluiced restarts.  Keys without an override are fine.
 *
 * Return: true, or false + @error (unknown section or key: InvalidConfig;
 * the store: G_IO_ERROR/SLUICE_ERROR) with nothing changed.
 */
bool manager_config_unset(Manager *m, const char *section, const char *const *keys, bool persist,
                          GError **error);

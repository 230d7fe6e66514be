/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/*
 * The errno of each org.sluice.Error.* name (sluice-bus-names.h), for sd-bus
 * callers: once registered, sd_bus_call() failing with one of sluice's errors
 * returns that errno instead of -EIO, and sd_bus_error_get_errno() agrees.
 * Which errno and why: docs/dbus-api.md, "Errors".
 */

/* The table, ended by SD_BUS_ERROR_MAP_END; one entry per SluiceErrorCode. */
extern const sd_bus_error_map sluice_bus_error_map[];

/**
 * sluice_bus_error_map_register() - register sluice_bus_error_map with sd-bus
 *
 * Process-wide and idempotent (sd-bus ignores a table it already has).
 * sluiced and sluicectl call it first thing in main().
 *
 * Return: 0 on success, a negative errno (-ENOMEM) on failure.
 */
int sluice_bus_error_map_register(void);

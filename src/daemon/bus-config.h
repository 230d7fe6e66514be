/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The manager's configuration methods beyond UpdateConfig/Reload (bus-config.c):
 * GetConfig() (the effective configuration with each key's origin) and
 * UnsetConfig() (drop overrides). */

#include <systemd/sd-bus.h>

#include "manager.h"

int bus_config_method_get_config(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_config_method_unset_config(sd_bus_message *msg, void *userdata, sd_bus_error *error);

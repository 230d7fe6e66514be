/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

int bus_manager_register(Manager *m);
/* Emits PropertiesChanged for the properties in mask. */
int bus_manager_emit_changed(Manager *m, ManagerPropMask mask);
int bus_manager_emit_config_changed(Manager *m);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The manager's properties and method for frontends (bus-frontend.c):
 * ClassDetails, Limits, MaxRunningPerUser, MaxQueuedPerUser, GetPermissions(),
 * GetPermissionsFor(). */

#include <systemd/sd-bus.h>

#include "manager.h"

int bus_frontend_prop_class_details(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_frontend_prop_limits(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_frontend_prop_max_running_per_user(sd_bus *bus, const char *path, const char *interface,
                                           const char *property, sd_bus_message *reply, void *userdata,
                                           sd_bus_error *error);
int bus_frontend_prop_max_queued_per_user(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply, void *userdata,
                                          sd_bus_error *error);
int bus_frontend_method_get_permissions(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_frontend_method_get_permissions_for(sd_bus_message *msg, void *userdata, sd_bus_error *error);

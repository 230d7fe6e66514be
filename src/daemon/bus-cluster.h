/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The manager's Cluster and ClusterState properties (issue 14, docs/dbus-api.md). */

#include <systemd/sd-bus.h>

#include "manager.h"

int bus_cluster_append_property(Manager *m, sd_bus_message *reply);
int bus_cluster_append_state(Manager *m, sd_bus_message *reply);

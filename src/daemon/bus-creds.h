/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

typedef struct Manager Manager;

int bus_sender_uid(Manager *m, sd_bus_message *message, uint32_t *ret);
void bus_creds_forget(Manager *m, const char *unique_name);

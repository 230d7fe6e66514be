/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

typedef struct Manager Manager;

/* Tests only: send the uid lookups to this bus name instead of the bus
 * driver (a mock that can hold one unanswered; tests/bus/test-bus-creds.c). */
#define SLUICE_TEST_CREDS_ENV "SLUICE_TEST_CREDS_SERVICE"

/* The callers' uids, known or being looked up (bus-creds.c). */
typedef struct BusCreds BusCreds;

BusCreds *bus_creds_new(void);
void bus_creds_free(BusCreds *c);
int bus_creds_attach(Manager *m);
int bus_sender_uid(Manager *m, sd_bus_message *message, uint32_t *ret);
void bus_creds_forget(Manager *m, const char *unique_name);

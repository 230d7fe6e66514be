/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The name of the transient unit a command job runs in:
 * "sluice-job-<id>.service", <id> in decimal without leading zeros.  Pure
 * functions, shared by the executor (start, re-attach) and tests.
 */

#include <stdbool.h>
#include <stdint.h>

#define SLUICE_UNIT_PREFIX "sluice-job-"
#define SLUICE_UNIT_SUFFIX ".service"
/* The glob that matches every job unit (ListUnitsByPatterns). */
#define SLUICE_UNIT_PATTERN SLUICE_UNIT_PREFIX "*" SLUICE_UNIT_SUFFIX

char *sluice_unit_name_for_job(uint64_t id);
bool sluice_unit_name_parse(const char *unit, uint64_t *ret_id);

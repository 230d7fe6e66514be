/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Journal entries of alerts: one MESSAGE_ID per kind, explained by the
 * catalog (data/sluice.catalog, "journalctl -x"):
 *   raised   ace039390172443e9ff3530e2741aa0d
 *   cleared  27d59619caf54eb3ad15919fbdc141b2
 * with SLUICE_ALERT_NAME, _SEVERITY, _STATE, _CLASS, _MESSAGE and, when a job
 * caused the change, SLUICE_JOB_ID.  Without the journal: a line on stderr.
 */

#include <stdbool.h>

#include "sluice-config.h"
#include "log.h"

#define SLUICE_MESSAGE_ALERT_RAISED "ace039390172443e9ff3530e2741aa0d"
#define SLUICE_MESSAGE_ALERT_CLEARED "27d59619caf54eb3ad15919fbdc141b2"

void alert_journal(const Logger *l, const AlertConfig *cfg, bool raised, const char *message, const Job *job);

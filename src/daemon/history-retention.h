/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* How often the history is pruned after the first time (at start). */
#define HISTORY_PRUNE_INTERVAL_USEC (60 * USEC_PER_SEC)

int history_retention_start(Manager *m);
void history_retention_prune(Manager *m);

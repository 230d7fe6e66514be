/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "manager.h"
#include "unit-journal.h"
#include "unit-watch.h"

/*
 * Recovery: what sluiced does about a restart, in one place.  The policy
 * lives here; the mechanics stay where they were:
 *
 *   - executor-systemd.c (mechanics): ListUnitsByPatterns, RefUnit, the
 *     GetAll reads of each unit found, the event loop run until every unit is
 *     read, the journal opened.  It hands recovery what it found: each unit,
 *     once read (recovery_unit_found()), and, once the list is done, asks
 *     recovery about the stored jobs whose units did not come back
 *     (recovery_end_gone_jobs(), with RecoveryOps to ask the executor and
 *     the journal).  It never reads the database.
 *   - recovery.c (policy): which stored running job a unit is the run of
 *     (InvocationID, else the unit's own record and the attempt), re-attach,
 *     a stored stop sent again, strangers adopted or stopped, the end of a
 *     unit that ended while sluiced was down (journal), and the restore of
 *     the queue, pauses, next id and leases from the store
 *     (recovery_restore_from_store()), ending what cannot come back `lost`,
 *     `abandoned`, `cancelled` or `failed`.
 *   - manager-store.c: the store's ordinary path: opening it, the group
 *     commit once per iteration, the stop requests it writes.
 *
 * Order at start-up (manager_startup()): systemd_executor_reattach() (units
 * found → recovery_unit_found(); then recovery_end_gone_jobs()), then
 * recovery_restore_from_store().  docs/design.md, "Crash recovery".
 */

/* What recovery asks of the executor side (tests/unit/test-recovery.c fakes it). */
typedef struct RecoveryOps {
        /* Is @unit followed already (re-attached, or stopped as a stranger)? */
        bool (*unit_followed)(void *userdata, const char *unit);
        /*
         * How @unit ended, from PID 1's journal (unit_journal_find_end()):
         * 1 and @ret filled, 0 when the journal has no end, a negative errno
         * when it cannot be read.
         */
        int (*journal_end)(void *userdata, const char *unit, const char *invocation_id, usec_t since,
                           UnitJournalEnd *ret);
} RecoveryOps;

void recovery_unit_found(Manager *m, UnitWatch *w);
void recovery_end_gone_jobs(Manager *m, const RecoveryOps *ops, void *userdata);
int recovery_restore_from_store(Manager *m);

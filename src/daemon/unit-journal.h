/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-journal.h>

#include "job.h"

/*
 * The end of a unit as PID 1 wrote it to the journal: what sluiced reads when
 * a job's unit ended, and was collected, while sluiced was down (after a
 * crash), so that the job gets its real result instead of `lost`.
 *
 * PID 1 logs, per invocation (INVOCATION_ID=, UNIT=):
 *   7ad2d189f7e94e70a38c781354912448  "Deactivated successfully" (Result=success)
 *   d9b373ed55a64feb8242e02dbe79a49c  "Failed with result '…'" (UNIT_RESULT=)
 *   98e322203f7a4ed290d09fe03c09fe15  "Main process exited" (EXIT_CODE=, EXIT_STATUS=)
 * and JOB_TYPE=stop for stop jobs.
 */

typedef struct UnitJournalEnd {
        char *invocation_id;            /* 32 hex digits */
        char *result;                   /* Service.Result: "success", "exit-code", ... */
        int32_t exec_main_code;         /* CLD_EXITED/CLD_KILLED/CLD_DUMPED, 0 when not logged */
        int32_t exec_main_status;       /* exit status or signal number */
        bool stop_job;                  /* a stop job ran on the invocation */
        usec_t finished_at;             /* CLOCK_REALTIME of the end entry */
} UnitJournalEnd;

void unit_journal_end_clear(UnitJournalEnd *e);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UnitJournalEnd, unit_journal_end_clear)

/* Open the local system journal for unit_journal_find_end() (one for many lookups). */
int unit_journal_open(sd_journal **ret);

/*
 * Find how @unit ended in @j: the invocation @invocation_id, or (NULL) the
 * latest invocation that started at or after @since (CLOCK_REALTIME usec).
 *
 * Return: 1 and @ret filled when the journal records the invocation's end,
 * 0 when it does not (never started, still running, or the entries are
 * gone), a negative errno when the journal cannot be read.
 */
int unit_journal_find_end(sd_journal *j, const char *unit, const char *invocation_id, usec_t since,
                          UnitJournalEnd *ret);

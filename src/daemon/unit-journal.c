/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "unit-journal.h"

#define MESSAGE_UNIT_SUCCESS "7ad2d189f7e94e70a38c781354912448"
#define MESSAGE_UNIT_FAILURE_RESULT "d9b373ed55a64feb8242e02dbe79a49c"
#define MESSAGE_UNIT_PROCESS_EXIT "98e322203f7a4ed290d09fe03c09fe15"

/* Entries one journal lookup reads at most: a bound, whatever the journal holds. */
#define UNIT_JOURNAL_MAX_ENTRIES 4096

/**
 * unit_journal_end_clear() - free what an end holds
 * @e: the end
 */
void unit_journal_end_clear(UnitJournalEnd *e) {
        g_clear_pointer(&e->invocation_id, g_free);
        g_clear_pointer(&e->result, g_free);
}

/* The value of FIELD= in the current entry, or NULL. */
static char *field(sd_journal *j, const char *name) {
        const void *data;
        size_t len, n = strlen(name);

        if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= n || ((const char *) data)[n] != '=')
                return NULL;
        return g_strndup((const char *) data + n + 1, len - n - 1);
}

static void read_exit(sd_journal *j, UnitJournalEnd *e) {
        g_autofree char *code = field(j, "EXIT_CODE"), *status = field(j, "EXIT_STATUS");
        gint64 v;

        if (!code || !status || !g_ascii_string_to_signed(status, 10, 0, G_MAXINT32, &v, NULL))
                return;
        if (strcmp(code, "exited") == 0)
                e->exec_main_code = CLD_EXITED;
        else if (strcmp(code, "killed") == 0)
                e->exec_main_code = CLD_KILLED;
        else if (strcmp(code, "dumped") == 0)
                e->exec_main_code = CLD_DUMPED;
        else
                return;
        e->exec_main_status = (int32_t) v;
}

/**
 * unit_journal_open() - the local system journal, for unit_journal_find_end()
 * @ret: the journal (close with sd_journal_close())
 *
 * Return: 0 or a negative errno.
 */
int unit_journal_open(sd_journal **ret) {
        return sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
}

/**
 * unit_journal_find_end() - how a unit ended, from PID 1's journal entries
 * @j: the journal (unit_journal_open()); its matches are replaced
 * @unit: the unit name
 * @invocation_id: the invocation, or NULL for the latest one since @since
 * @since: entries older than this are not looked at
 * @ret: the end (cleared first)
 *
 * Reads backwards from the newest entry of @unit written by PID 1.
 *
 * Return: 1 when found, 0 when not, a negative errno when the journal
 * cannot be read.
 */
int unit_journal_find_end(sd_journal *j, const char *unit, const char *invocation_id, usec_t since,
                          UnitJournalEnd *ret) {
        g_autofree char *match = g_strdup_printf("UNIT=%s", unit);
        g_auto(UnitJournalEnd) e = {};
        bool found = false;
        unsigned n = 0;
        int r;

        unit_journal_end_clear(ret);
        *ret = (UnitJournalEnd) {};
        sd_journal_flush_matches(j);
        r = sd_journal_add_match(j, match, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, "_PID=1", 0);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        if (r < 0)
                return r;
        e.invocation_id = g_strdup(invocation_id);

        while (n++ < UNIT_JOURNAL_MAX_ENTRIES && sd_journal_previous(j) > 0) {
                g_autofree char *inv = NULL, *id = NULL, *job_type = NULL;
                uint64_t t = 0;

                if (sd_journal_get_realtime_usec(j, &t) < 0 || t < since)
                        break;
                inv = field(j, "INVOCATION_ID");
                if (!inv)
                        continue;
                if (!e.invocation_id)
                        e.invocation_id = g_strdup(inv);        /* the latest invocation */
                if (strcmp(inv, e.invocation_id) != 0) {
                        if (invocation_id)
                                continue;
                        break;                                  /* an earlier invocation */
                }
                id = field(j, "MESSAGE_ID");
                job_type = field(j, "JOB_TYPE");
                if (g_strcmp0(job_type, "stop") == 0)
                        e.stop_job = true;
                if (g_strcmp0(id, MESSAGE_UNIT_SUCCESS) == 0 && !e.result) {
                        e.result = g_strdup("success");
                        e.finished_at = t;
                        found = true;
                } else if (g_strcmp0(id, MESSAGE_UNIT_FAILURE_RESULT) == 0) {
                        g_free(e.result);
                        e.result = field(j, "UNIT_RESULT");
                        e.finished_at = t;
                        found = e.result != NULL;
                } else if (g_strcmp0(id, MESSAGE_UNIT_PROCESS_EXIT) == 0 && e.exec_main_code == 0) {
                        read_exit(j, &e);
                }
        }
        if (!found)
                return 0;
        *ret = e;
        e = (UnitJournalEnd) {};
        return 1;
}

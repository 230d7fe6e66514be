/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Journal entries of alerts (see alert-journal.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <glib.h>

#include "alert-journal.h"

static int severity_priority(AlertSeverity s) {
        switch (s) {
        case ALERT_SEVERITY_CRITICAL:
                return LOG_CRIT;
        case ALERT_SEVERITY_WARNING:
                return LOG_WARNING;
        default:
                return LOG_INFO;
        }
}

/**
 * alert_journal() - log an alert raised or cleared
 * @l: the daemon's logger
 * @cfg: the alert
 * @raised: true when raised, false when cleared
 * @message: the alert's message
 * @job: the job behind the change, or NULL (a deadline passed)
 *
 * A raised alert logs at its severity (critical: LOG_CRIT, warning:
 * LOG_WARNING, info: LOG_INFO), a cleared one at LOG_NOTICE.
 */
void alert_journal(const Logger *l, const AlertConfig *cfg, bool raised, const char *message, const Job *job) {
        const char *severity = alert_severity_to_string(cfg->severity);
        const char *state = raised ? "raised" : "cleared";
        int priority = raised ? severity_priority(cfg->severity) : LOG_NOTICE;
        char job_id[32] = "";

        if (priority > l->max_priority)
                return;
        if (job)
                snprintf(job_id, sizeof job_id, "%" PRIu64, job->id);

        if (!l->to_journal) {
                fprintf(stderr, "sluiced: alert %s %s (%s): %s\n", cfg->name, state, severity, message);
                return;
        }
        {
                g_autofree char *f_msg = g_strdup_printf("MESSAGE=alert %s %s: %s", cfg->name, state, message);
                g_autofree char *f_id = g_strdup_printf("MESSAGE_ID=%s", raised ? SLUICE_MESSAGE_ALERT_RAISED
                                                                                : SLUICE_MESSAGE_ALERT_CLEARED);
                g_autofree char *f_prio = g_strdup_printf("PRIORITY=%i", priority);
                g_autofree char *f_name = g_strdup_printf("SLUICE_ALERT_NAME=%s", cfg->name);
                g_autofree char *f_sev = g_strdup_printf("SLUICE_ALERT_SEVERITY=%s", severity);
                g_autofree char *f_state = g_strdup_printf("SLUICE_ALERT_STATE=%s", state);
                g_autofree char *f_class = g_strdup_printf("SLUICE_ALERT_CLASS=%s", cfg->class_name ?: "");
                g_autofree char *f_text = g_strdup_printf("SLUICE_ALERT_MESSAGE=%s", message);
                g_autofree char *f_job = g_strdup_printf("SLUICE_JOB_ID=%s", job_id);
                const char *fields[] = { f_msg, f_id, f_prio, f_name, f_sev, f_state, f_class, f_text, f_job };
                struct iovec iov[G_N_ELEMENTS(fields)];
                size_t n = job ? G_N_ELEMENTS(fields) : G_N_ELEMENTS(fields) - 1;

                for (size_t i = 0; i < n; i++)
                        iov[i] = (struct iovec) { .iov_base = (void *) fields[i], .iov_len = strlen(fields[i]) };
                (void) sd_journal_sendv(iov, (int) n);
        }
}

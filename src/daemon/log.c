/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "log.h"

/* stderr is the journal when $JOURNAL_STREAM names the device and inode of fd 2. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

/**
 * logger_init() - decide where sluiced logs
 * @l: the logger to set up
 *
 * Journal when stderr is the journal stream, stderr otherwise.
 * $SLUICE_LOG_LEVEL (0..7, syslog priorities) bounds the verbosity (default 6, info).
 */
void logger_init(Logger *l) {
        const char *lvl = getenv("SLUICE_LOG_LEVEL");

        l->to_journal = stderr_is_journal();
        l->max_priority = LOG_INFO;
        l->refusals = (LogRateLimit) { .interval_usec = LOG_REFUSAL_INTERVAL_USEC, .burst = LOG_REFUSAL_BURST };
        if (lvl && lvl[0] >= '0' && lvl[0] <= '7' && lvl[1] == '\0')
                l->max_priority = lvl[0] - '0';
}

static const char *priority_prefix(int priority) {
        switch (priority) {
        case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR:
                return "error: ";
        case LOG_WARNING:
                return "warning: ";
        case LOG_DEBUG:
                return "debug: ";
        default:
                return "";
        }
}

static void log_emit(const Logger *l, int priority, const Job *job, const char *message_id, const char *msg) {
        if (l->to_journal) {
                if (job) {
                        const char *result = job->state == JOB_STATE_DONE ? job_result_to_string(job->result) : "";
                        const char *class_name = job->class_name ? job->class_name : "";
                        g_autofree char *f_msg = g_strdup_printf("MESSAGE=job %" PRIu64 " (%s): %s",
                                                                 job->id, class_name, msg);
                        g_autofree char *f_prio = g_strdup_printf("PRIORITY=%i", priority);
                        g_autofree char *f_job = g_strdup_printf("SLUICE_JOB_ID=%" PRIu64, job->id);
                        g_autofree char *f_class = g_strdup_printf("SLUICE_CLASS=%s", class_name);
                        g_autofree char *f_result = g_strdup_printf("SLUICE_RESULT=%s", result);
                        g_autofree char *f_unit = job->unit ? g_strdup_printf("SLUICE_UNIT=%s", job->unit) : NULL;
                        g_autofree char *f_id = message_id ? g_strdup_printf("MESSAGE_ID=%s", message_id) : NULL;
                        const char *fields[] = { f_msg, f_prio, f_job, f_class, f_result, f_unit, f_id };
                        struct iovec iov[G_N_ELEMENTS(fields)];
                        int n = 0;

                        for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
                                if (fields[i])
                                        iov[n++] = (struct iovec) { .iov_base = (void *) fields[i],
                                                                    .iov_len = strlen(fields[i]) };
                        (void) sd_journal_sendv(iov, n);
                } else
                        (void) sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%i", priority, NULL);
                return;
        }

        if (job)
                fprintf(stderr, "sluiced: %sjob %" PRIu64 " (%s): %s\n",
                        priority_prefix(priority), job->id, job->class_name ? job->class_name : "", msg);
        else
                fprintf(stderr, "sluiced: %s%s\n", priority_prefix(priority), msg);
}

/**
 * log_full() - log one message
 * @l: the logger
 * @priority: syslog priority (LOG_ERR ... LOG_DEBUG)
 * @fmt: printf format
 */
void log_full(const Logger *l, int priority, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_job_va(l, priority, NULL, NULL, fmt, ap);
        va_end(ap);
}

/**
 * log_job_va() - what log_full(), log_job() and log_job_event() do
 * @l: the logger
 * @priority: syslog priority (LOG_ERR ... LOG_DEBUG); above the logger's
 *            maximum nothing is formatted
 * @job: the job the message is about (its id, class and result travel as
 *       SLUICE_* journal fields), or NULL
 * @message_id: a SLUICE_MESSAGE_JOB_* id (data/sluice.catalog), or NULL
 * @fmt: printf format
 * @ap: its arguments
 */
void log_job_va(const Logger *l, int priority, const Job *job, const char *message_id, const char *fmt,
                va_list ap) {
        g_autofree char *msg = NULL;

        if (priority > l->max_priority)
                return;
        msg = g_strdup_vprintf(fmt, ap);
        log_emit(l, priority, job, message_id, msg);
}

/**
 * log_job() - log one message about a job
 * @l: the logger
 * @priority: syslog priority
 * @job: the job; its id, class and result travel as SLUICE_* journal fields
 * @fmt: printf format
 */
void log_job(const Logger *l, int priority, const Job *job, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_job_va(l, priority, job, NULL, fmt, ap);
        va_end(ap);
}

/**
 * log_job_event() - log a job's start or end, with its MESSAGE_ID
 * @l: the logger
 * @priority: syslog priority
 * @job: the job
 * @message_id: one of the SLUICE_MESSAGE_JOB_* ids (data/sluice.catalog)
 * @fmt: printf format
 */
void log_job_event(const Logger *l, int priority, const Job *job, const char *message_id, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_job_va(l, priority, job, message_id, fmt, ap);
        va_end(ap);
}

/**
 * log_errno() - log a message with the text of an errno and return it
 * @l: the logger
 * @priority: syslog priority
 * @error: errno value (sign ignored)
 * @fmt: printf format; ": <strerror>" is appended
 *
 * Return: -abs(@error).
 */
int log_errno(const Logger *l, int priority, int error, const char *fmt, ...) {
        va_list ap;
        g_autofree char *msg = NULL;
        g_autofree char *full = NULL;

        error = abs(error);
        if (priority <= l->max_priority) {
                va_start(ap, fmt);
                msg = g_strdup_vprintf(fmt, ap);
                va_end(ap);
                full = g_strdup_printf("%s: %s", msg, g_strerror(error));
                log_emit(l, priority, NULL, NULL, full);
        }
        return -error;
}

/**
 * log_ratelimit_test() - may one more message go out now?
 * @rl: the limit
 * @now_usec: the time (CLOCK_MONOTONIC usec; any clock that only goes forward)
 * @ret_suppressed: set to the number of messages dropped before this one when
 *                  it goes out (say so first), else 0
 *
 * Within an interval the first @rl->burst messages pass, the rest are
 * dropped and counted; a message in a later interval starts a new one.
 *
 * Return: true when the message may be logged.
 */
bool log_ratelimit_test(LogRateLimit *rl, uint64_t now_usec, unsigned *ret_suppressed) {
        *ret_suppressed = 0;
        if (rl->begin == 0 || now_usec < rl->begin || now_usec - rl->begin >= rl->interval_usec) {
                rl->begin = now_usec ? now_usec : 1;
                rl->num = 0;
        }
        if (rl->num >= rl->burst) {
                if (rl->suppressed < UINT_MAX)
                        rl->suppressed++;
                return false;
        }
        rl->num++;
        *ret_suppressed = rl->suppressed;
        rl->suppressed = 0;
        return true;
}

/**
 * log_full_ratelimited() - log one message, unless too many went out lately
 * @l: the logger
 * @rl: the limit the message counts against (e.g. &l->refusals)
 * @priority: syslog priority
 * @fmt: printf format
 *
 * A message let through after some were dropped is preceded, at the same
 * priority, by "suppressed N messages", as journald does.
 */
void log_full_ratelimited(Logger *l, LogRateLimit *rl, int priority, const char *fmt, ...) {
        g_autofree char *msg = NULL;
        struct timespec ts;
        unsigned suppressed;
        va_list ap;

        if (priority > l->max_priority)
                return;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        if (!log_ratelimit_test(rl, (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u, &suppressed))
                return;
        if (suppressed > 0) {
                g_autofree char *note = g_strdup_printf("suppressed %u messages like the next one "
                                                        "(at most %u per %" PRIu64 " s)",
                                                        suppressed, rl->burst, rl->interval_usec / 1000000u);
                log_emit(l, priority, NULL, NULL, note);
        }
        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        log_emit(l, priority, NULL, NULL, msg);
}

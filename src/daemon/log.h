/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "job.h"
#include "macro.h"

/*
 * Logging of sluiced: structured journal entries (MESSAGE=, PRIORITY=,
 * SLUICE_JOB_ID=, SLUICE_CLASS=, SLUICE_RESULT=) when stderr is connected
 * to the journal or when it is not a terminal/pipe we were given, plain lines
 * on stderr otherwise.  The state lives in a Logger held by the Manager.
 */

/*
 * A rate limit, as journald's: at most @burst messages per @interval_usec;
 * the ones beyond are dropped and counted, and the first message let through
 * in a later interval is preceded by "suppressed N messages".
 */
typedef struct LogRateLimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin;         /* CLOCK_MONOTONIC usec the current interval began (0: none yet) */
        unsigned num;           /* messages let through in it */
        unsigned suppressed;    /* messages dropped since the last one let through */
} LogRateLimit;

/* Refusals (bus-access.c): a flood of refused calls writes at most this many
 * lines per interval, plus one "suppressed" line. */
#define LOG_REFUSAL_INTERVAL_USEC (10ull * 1000 * 1000)
#define LOG_REFUSAL_BURST 20u

typedef struct Logger {
        bool to_journal;        /* stderr is the journal (JOURNAL_STREAM matches fd 2) */
        int max_priority;       /* LOG_DEBUG .. LOG_ERR; messages above are dropped */
        LogRateLimit refusals;  /* of "refused ..." lines */
} Logger;

void logger_init(Logger *l);

bool log_ratelimit_test(LogRateLimit *rl, uint64_t now_usec, unsigned *ret_suppressed);
/* Like log_full(), within @rl (the clock is CLOCK_MONOTONIC). */
void log_full_ratelimited(Logger *l, LogRateLimit *rl, int priority, const char *fmt, ...) _printf_(4, 5);

void log_full(const Logger *l, int priority, const char *fmt, ...) _printf_(3, 4);
/* Like log_full(), with the job's id, class and (when done) result attached;
 * the human text starts with "job ID (CLASS): " so a journal line reads on its own. */
void log_job(const Logger *l, int priority, const Job *job, const char *fmt, ...) _printf_(4, 5);

/* MESSAGE_IDs of a job's start and end (data/sluice.catalog explains them). */
#define SLUICE_MESSAGE_JOB_STARTED  "aa38a4c39bbb4beeaecc098b57f4bbaf"
#define SLUICE_MESSAGE_JOB_FINISHED "f837e27dd95042679b57880056bafd90"

/* Like log_job(), with a MESSAGE_ID= from the catalog. */
void log_job_event(const Logger *l, int priority, const Job *job, const char *message_id, const char *fmt, ...)
        _printf_(5, 6);
/* The one body of log_full(), log_job() and log_job_event(): @job and @message_id may be NULL. */
void log_job_va(const Logger *l, int priority, const Job *job, const char *message_id, const char *fmt,
                va_list ap) _printf_(5, 0);
/* Logs and returns -abs(error), for "return log_errno(...)" one-liners. */
int log_errno(const Logger *l, int priority, int error, const char *fmt, ...) _printf_(4, 5);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "job.h"
#include "macro.h"

/*
 * Logging of sluiced: structured journal entries (MESSAGE=, PRIORITY=,
 * SLUICE_JOB_ID=, SLUICE_CLASS=, SLUICE_RESULT=) when stderr is connected
 * to the journal or when it is not a terminal/pipe we were given, plain lines
 * on stderr otherwise.  The state lives in a Logger held by the Manager.
 */

typedef struct Logger {
        bool to_journal;        /* stderr is the journal (JOURNAL_STREAM matches fd 2) */
        int max_priority;       /* LOG_DEBUG .. LOG_ERR; messages above are dropped */
} Logger;

void logger_init(Logger *l);

void log_full(const Logger *l, int priority, const char *fmt, ...) _printf_(3, 4);
/* Like log_full(), with the job's id, class and (when done) result attached. */
void log_job(const Logger *l, int priority, const Job *job, const char *fmt, ...) _printf_(4, 5);
/* Logs and returns -abs(error), for "return log_errno(...)" one-liners. */
int log_errno(const Logger *l, int priority, int error, const char *fmt, ...) _printf_(4, 5);

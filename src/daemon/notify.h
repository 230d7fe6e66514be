/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Notifier jobs: jobs of a command class started because something happened
 * (a job of a class with OnSuccess=/OnFailure= ended, an alert with Notify=
 * was raised or cleared), with the details in their environment.
 *
 * The scheduler's listener must not submit jobs: notifier_queue() only
 * remembers the job, and a defer source submits the queued ones right after
 * the listener returned (then manager_schedule_post()).
 *
 * A notifier job is marked by SLUICE_NOTIFIER= in its environment (kept in
 * the store), owned by root and submitted by nobody on the bus: its own end
 * never starts another notifier, so notifiers cannot loop.
 */

#include <glib.h>
#include <stdbool.h>

#include "manager.h"

typedef struct Notifier Notifier;

Notifier *notifier_new(Manager *m);
void notifier_free(Notifier *n);

/* Whether the job was started as a notifier (its end notifies nobody). */
bool notifier_job_is_notifier(const Job *job);

/* Append the job's SLUICE_JOB_* variables ("KEY=VALUE", owned) to env. */
void notifier_append_job_env(GPtrArray *env, const Job *job);

/* Append "KEY=VALUE" with VALUE made safe for an environment entry (no
 * control characters, bounded length). */
void notifier_append_env(GPtrArray *env, const char *key, const char *value);

/*
 * Queue a notifier job of class_name; kind ("on-success", "on-failure",
 * "alert") becomes SLUICE_NOTIFIER=; env (of char*, owned) is taken.
 */
void notifier_queue(Notifier *n, const char *class_name, const char *kind, const char *description,
                    GPtrArray *env);

/* A job ended: start its class's OnSuccess=/OnFailure= notifier, if any. */
void notifier_job_finished(Notifier *n, const Job *job);

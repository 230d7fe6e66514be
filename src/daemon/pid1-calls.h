/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "log.h"

/*
 * The transport to PID 1: a capped queue of method calls to
 * org.freedesktop.systemd1, knowing nothing of jobs or units' states.
 *
 * At most PID1_CALL_WINDOW calls await PID 1's reply at any time, the rest
 * wait in FIFO order: the system bus allows a connection 128 pending
 * replies.  StartTransientUnit calls ("starts") wait in a queue of their own:
 * every other call goes first (so references are released promptly), at most
 * PID1_UNIT_WINDOW units are held (started or re-attached, not yet
 * released), and starts are held until pid1_calls_release_starts() (the
 * commit of the iteration that made them, docs/design.md "Crash recovery").
 *
 * A call is for a key (a unit name, or NULL); its reply function gets the key
 * back, and finds what it is for itself (the thing may be gone by then).
 */

#define PID1_DEST "org.freedesktop.systemd1"
#define PID1_PATH "/org/freedesktop/systemd1"
#define PID1_MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define PID1_UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define PID1_SERVICE_IFACE "org.freedesktop.systemd1.Service"
#define PID1_UNIT_PATH_PREFIX "/org/freedesktop/systemd1/unit"

#define PID1_CALL_WINDOW 64u

/*
 * At most this many units held (AddRef/RefUnit) at once; further starts
 * wait.  PID 1 tracks each reference, and each start job's client, with a
 * bus match of its own, and the system bus allows PID 1, too, 512 match
 * rules: past that dbus-daemon refuses its AddMatch and PID 1 drops off the
 * bus, dropping every unit's references with it (seen here: a burst of 500
 * with no bound, and again with 256 units held).
 */
#define PID1_UNIT_WINDOW 128u

typedef struct Pid1Calls Pid1Calls;

/* A reply (or @error; @reply NULL when the call could not be sent). */
typedef void (*Pid1ReplyFn)(void *userdata, const char *key, sd_bus_message *reply, const sd_bus_error *error);

typedef struct Pid1CallsOps {
        /* After each reply was handled and the queue pumped. */
        void (*replied)(void *userdata);
        /* A start for @key went out: the user counts its unit (pid1_calls_unit_held()). */
        void (*start_sent)(void *userdata, const char *key);
        /* At release: is the held start for @key still wanted?  false drops it unsent. */
        bool (*start_wanted)(void *userdata, const char *key);
        /* A held start dropped at release, after all were looked at. */
        void (*start_dropped)(void *userdata, const char *key);
} Pid1CallsOps;

Pid1Calls *pid1_calls_new(const Pid1CallsOps *ops, void *userdata, const Logger *log);
void pid1_calls_free(Pid1Calls *q);

void pid1_calls_set_bus(Pid1Calls *q, sd_bus *bus);
sd_bus *pid1_calls_get_bus(Pid1Calls *q);
void pid1_calls_set_gone(Pid1Calls *q, bool gone);
bool pid1_calls_is_gone(Pid1Calls *q);
/* Starts wait for pid1_calls_release_starts() (the daemon's loop runs the post step). */
void pid1_calls_set_hold_starts(Pid1Calls *q, bool hold);

int pid1_calls_new_method(Pid1Calls *q, sd_bus_message **ret, const char *path, const char *iface,
                          const char *member);
void pid1_calls_enqueue(Pid1Calls *q, sd_bus_message *msg, const char *key, Pid1ReplyFn fn, bool start);
int pid1_calls_unit_method(Pid1Calls *q, const char *member, const char *unit, const char *key, Pid1ReplyFn fn);
void pid1_calls_pump(Pid1Calls *q);
void pid1_calls_drop_all(Pid1Calls *q);
void pid1_calls_release_starts(Pid1Calls *q);

/* The units window: one more unit held, one released. */
void pid1_calls_unit_held(Pid1Calls *q);
void pid1_calls_unit_released(Pid1Calls *q);
unsigned pid1_calls_n_units_held(Pid1Calls *q);

bool pid1_calls_error_is_transient(Pid1Calls *q, const sd_bus_error *error);

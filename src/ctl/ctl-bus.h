/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The bus side of sluicectl: connecting, calling sluiced's methods with
 * errors reported the one way sluicectl reports them, reading properties,
 * and turning the JOB argument (an id or an object path) into a path.
 */

#include <glib.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "ctl.h"

/* Wait as long as it takes (deferred replies: Acquire, Wait). */
#define CTL_TIMEOUT_INFINITE UINT64_MAX
/* sd-bus' default method call timeout. */
#define CTL_TIMEOUT_DEFAULT 0

int ctl_connect(Ctl *ctl);
int ctl_fail(const char *what, const sd_bus_error *error, int r);
int ctl_exit_status_for_error(const sd_bus_error *error);

int ctl_new_method_call(Ctl *ctl, const char *path, const char *interface,
                        const char *member, sd_bus_message **ret);
int ctl_call_message(Ctl *ctl, const char *what, sd_bus_message *m, uint64_t timeout_usec,
                     sd_bus_message **ret_reply);
int ctl_call(Ctl *ctl, const char *what, const char *path, const char *interface,
             const char *member, sd_bus_message **ret_reply, const char *types, ...);

int ctl_message_read_gvariant(sd_bus_message *m, GVariant **ret);
int ctl_get_all_properties(Ctl *ctl, const char *what, const char *path,
                           const char *interface, GVariant **ret);
int ctl_get_property(Ctl *ctl, const char *what, const char *path, const char *interface,
                     const char *name, GVariant **ret);

int ctl_resolve_job(Ctl *ctl, const char *arg, char **ret_path);
uint64_t ctl_job_id_from_path(const char *path);

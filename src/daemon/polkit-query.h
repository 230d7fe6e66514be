/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Asking polkit, asynchronously, from sd-bus.
 *
 * A method handler that needs an authorization calls
 * polkit_registry_check().  The first time it answers 0 ("pending"): a
 * CheckAuthorization call is on its way to org.freedesktop.PolicyKit1, the
 * handler must return 1 and do nothing else.  When polkit answers, the
 * original call is rewound and queued again for reading, so its handler runs
 * a second time; polkit_registry_check() then finds the answer (kept by
 * message, action and details) and returns 1 with the verdict.  The answers
 * of a call are dropped once its re-dispatched run is over (an idle event
 * source), so a handler may ask for several actions in turn.
 *
 * Nothing here decides who may do what: that is bus-access.c.
 */

#include <glib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef enum {
        POLKIT_VERDICT_ALLOWED,
        POLKIT_VERDICT_DENIED,          /* polkit said no */
        POLKIT_VERDICT_CHALLENGE,       /* authentication needed, and none took place */
        POLKIT_VERDICT_UNAVAILABLE,     /* no answer: polkit not running, or an error */
} PolkitVerdict;

typedef struct PolkitRegistry PolkitRegistry;

PolkitRegistry *polkit_registry_new(void);
void polkit_registry_free(PolkitRegistry *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PolkitRegistry, polkit_registry_free)

int polkit_registry_check(PolkitRegistry *reg, sd_bus_message *call, const char *action_id,
                          const char *const *details, PolkitVerdict *ret_verdict, char **ret_reason);
void polkit_registry_forget_sender(PolkitRegistry *reg, const char *unique_name);
unsigned polkit_registry_pending(const PolkitRegistry *reg);

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
 * A flood must not starve anyone else (docs/authorization.md, "A flood of
 * calls"): at most POLKIT_MAX_IN_FLIGHT checks are in flight at once (the
 * system bus allows a connection 128 calls awaiting replies), at most
 * POLKIT_MAX_IN_FLIGHT_PER_UID of them for one uid, whatever number of
 * connections it opens; the rest wait in sluiced, in turn: the next slot
 * goes to the uid with the fewest checks in flight, and within it to the
 * connection with the fewest (round-robin among equals).  One uid may have
 * at most POLKIT_MAX_WAITING_PER_UID calls waiting (in flight included);
 * more are answered POLKIT_VERDICT_OVERLOADED at once, as are calls beyond
 * POLKIT_MAX_WAITING of all uids.  A check is sent only when its uid has a
 * token (call-rate.h: CALL_RATE_PER_SEC a second after a burst of
 * CALL_RATE_BURST): a flooder's calls wait in sluiced, their replies come
 * at that rate, and a client that waits for its replies (every real one)
 * is slowed down to it.  A check the bus
 * refuses with LimitsExceeded is sent again a little later, never taken for
 * polkit's answer.
 *
 * Nothing here decides who may do what: that is bus-access.c.
 */

#include <glib.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef enum {
        POLKIT_VERDICT_ALLOWED,
        POLKIT_VERDICT_DENIED,          /* polkit said no */
        POLKIT_VERDICT_CHALLENGE,       /* authentication needed, and none took place */
        POLKIT_VERDICT_UNAVAILABLE,     /* no answer: polkit not running, or an error */
        POLKIT_VERDICT_OVERLOADED,      /* not asked: the caller's uid has too many calls waiting */
} PolkitVerdict;

/* Checks in flight at once, over all callers: well below the bus's 128. */
#define POLKIT_MAX_IN_FLIGHT 32u
/* ... of which one uid may have: an interactive check may wait minutes for a
 * password, and a uid must not hold every slot that long. */
#define POLKIT_MAX_IN_FLIGHT_PER_UID 2u
/* Calls of one uid waiting for their authorization (in flight included):
 * room for a flooder's whole window (8 connections x 128 calls awaiting
 * replies), so that it waits for its tokens instead of being refused and
 * calling again at once (docs/authorization.md). */
#define POLKIT_MAX_WAITING_PER_UID 1024u
/* ... and of all uids together: the memory bound. */
#define POLKIT_MAX_WAITING 16384u
/* After a LimitsExceeded from the bus, no check is sent for this long. */
#define POLKIT_RETRY_USEC (20u * 1000u)
/* ... and a check refused so this many times in a row is "unavailable". */
#define POLKIT_MAX_RETRIES 250u

typedef struct PolkitRegistry PolkitRegistry;

PolkitRegistry *polkit_registry_new(void);
void polkit_registry_free(PolkitRegistry *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PolkitRegistry, polkit_registry_free)

int polkit_registry_check(PolkitRegistry *reg, sd_bus_message *call, uint32_t uid, const char *action_id,
                          const char *const *details, PolkitVerdict *ret_verdict, char **ret_reason);
/* The same without AllowUserInteraction, whatever @call's header says (GetPermissions). */
int polkit_registry_check_quiet(PolkitRegistry *reg, sd_bus_message *call, uint32_t uid, const char *action_id,
                                const char *const *details, PolkitVerdict *ret_verdict, char **ret_reason);
void polkit_registry_forget_sender(PolkitRegistry *reg, const char *unique_name);
unsigned polkit_registry_pending(const PolkitRegistry *reg);
unsigned polkit_registry_waiting(const PolkitRegistry *reg);

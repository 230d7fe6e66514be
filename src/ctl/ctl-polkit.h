/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sluicectl and polkit, the way systemctl does it: method calls carry
 * ALLOW_INTERACTIVE_AUTHORIZATION unless --no-ask-password; on a terminal a
 * text agent (pkttyagent --fallback) is started before the first call that
 * may need it, so polkit can ask for a password there; a refusal is
 * explained as what was refused and which polkit action an administrator
 * could grant.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "ctl.h"

bool ctl_polkit_method_may_ask(const char *interface, const char *member);
void ctl_polkit_agent_open(Ctl *ctl);
void ctl_polkit_agent_close(Ctl *ctl);
char *ctl_polkit_explain(const sd_bus_error *error);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The guard of a command run under a lease ("sluicectl run"): a small
 * process between sluicectl and the command that makes sure nothing of the
 * command outlives sluicectl, even a SIGKILLed one, and nothing of it
 * outlives the command's own end.  Why a guard process and not
 * PR_SET_PDEATHSIG alone, or a cgroup: docs/design.md, "Clients".
 */

#include <signal.h>
#include <sys/types.h>

/**
 * struct CtlGuardCommand - what the guard runs
 * @argv: the command, NULL-terminated, looked up in $PATH
 * @mask: the signal mask the command starts with (sluicectl's own before it blocked signals)
 * @env: "NAME=value" strings to add to the command's environment, NULL-terminated (may be NULL)
 */
typedef struct CtlGuardCommand {
        char **argv;
        const sigset_t *mask;
        char **env;
} CtlGuardCommand;

int ctl_guard_spawn(const CtlGuardCommand *cmd, pid_t *ret_pid);

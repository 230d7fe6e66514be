/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl-polkit.h"
#include "i18n.h"
#include "sluice-bus-names.h"

#define INTERACTIVE_REQUIRED "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

/**
 * ctl_polkit_method_may_ask() - may sluiced ask polkit for this call?
 * @interface: the interface called
 * @member: the method called
 *
 * Reading never needs authorization; everything that changes something may.
 *
 * Return: true for the mutating methods of sluiced.
 */
bool ctl_polkit_method_may_ask(const char *interface, const char *member) {
        static const char *const mutating[] = {
                "Submit", "Acquire", "Cancel", "CancelJob", "Release", "Renew", "SetPriority",
                "Pause", "Resume", "UpdateConfig", "Reload", "TriggerSchedule",
        };

        if (!interface || !member || !g_str_has_prefix(interface, SLUICE_MANAGER_IFACE))
                return false;
        for (size_t i = 0; i < G_N_ELEMENTS(mutating); i++)
                if (strcmp(member, mutating[i]) == 0)
                        return true;
        return false;
}

/**
 * ctl_polkit_agent_open() - start a polkit text agent, if it makes sense
 * @ctl: the context; ctl->polkit_agent_pid is set when one was started
 *
 * Only once, only with the ALLOW_INTERACTIVE_AUTHORIZATION flag wanted, only
 * when stdin is a terminal to ask on, not for root (sluiced asks nobody for
 * root), and only when pkttyagent is installed.  --fallback: an agent of the
 * session (a desktop's) keeps precedence.  Returns once the agent has
 * registered (it closes --notify-fd).  Failures are not fatal: polkit then
 * finds no agent and sluiced says so.
 */
void ctl_polkit_agent_open(Ctl *ctl) {
        g_autofree char *agent = NULL;
        char fd_arg[16];
        int pipe_fd[2];
        pid_t pid;

        if (ctl->polkit_agent_tried || ctl->no_ask_password)
                return;
        ctl->polkit_agent_tried = true;
        if (geteuid() == 0 || !isatty(STDIN_FILENO))
                return;
        agent = g_find_program_in_path("pkttyagent");
        if (!agent)
                return;
        if (pipe2(pipe_fd, O_CLOEXEC) < 0)
                return;

        pid = fork();
        if (pid < 0) {
                close(pipe_fd[0]);
                close(pipe_fd[1]);
                return;
        }
        if (pid == 0) {
                /* The notify fd must survive exec; the read end must not. */
                if (fcntl(pipe_fd[1], F_SETFD, 0) < 0)
                        _exit(EXIT_FAILURE);
                snprintf(fd_arg, sizeof(fd_arg), "%d", pipe_fd[1]);
                execl(agent, agent, "--notify-fd", fd_arg, "--fallback", (char *) NULL);
                _exit(EXIT_FAILURE);
        }

        close(pipe_fd[1]);
        ctl->polkit_agent_pid = pid;
        /* Wait until the agent has registered: it closes its end then (or dies). */
        for (;;) {
                struct pollfd p = { .fd = pipe_fd[0], .events = POLLIN };
                char c;

                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (read(pipe_fd[0], &c, 1) <= 0)
                        break;
        }
        close(pipe_fd[0]);
}

/**
 * ctl_polkit_agent_close() - stop the agent started by ctl_polkit_agent_open()
 * @ctl: the context
 */
void ctl_polkit_agent_close(Ctl *ctl) {
        if (ctl->polkit_agent_pid <= 0)
                return;
        (void) kill(ctl->polkit_agent_pid, SIGTERM);
        while (waitpid(ctl->polkit_agent_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        ctl->polkit_agent_pid = 0;
}

/* The word after @marker in @s, up to a space or punctuation; NULL if absent. */
static char *word_after(const char *s, const char *marker) {
        const char *p = strstr(s, marker);

        if (!p)
                return NULL;
        p += strlen(marker);
        return g_strndup(p, strcspn(p, " :;()"));
}

static char *refused_what(const char *action, const char *class_name, const char *job) {
        if (strcmp(action, SLUICE_POLKIT_ACTION_SUBMIT) == 0 && class_name)
                return g_strdup_printf(_("submit jobs of class %s"), class_name);
        if (strcmp(action, SLUICE_POLKIT_ACTION_ACQUIRE) == 0 && class_name)
                return g_strdup_printf(_("acquire leases of class %s"), class_name);
        if (strcmp(action, SLUICE_POLKIT_ACTION_RUN_COMMAND) == 0 && class_name)
                return g_strdup_printf(_("run commands of your choosing in class %s"), class_name);
        if (strcmp(action, SLUICE_POLKIT_ACTION_MANAGE_JOBS) == 0 && job && class_name)
                return g_strdup_printf(_("change job %s of class %s, which is not yours, or raise its priority"),
                                       job, class_name);
        if (strcmp(action, SLUICE_POLKIT_ACTION_MANAGE_JOBS) == 0 && class_name)
                return g_strdup_printf(_("pause or resume class %s"), class_name);
        if (strcmp(action, SLUICE_POLKIT_ACTION_MANAGE_JOBS) == 0)
                return g_strdup(_("pause or resume the scheduler"));
        if (strcmp(action, SLUICE_POLKIT_ACTION_CONFIGURE) == 0)
                return g_strdup(_("change the scheduler's configuration"));
        return g_strdup_printf(_("do %s"), action);
}

/**
 * ctl_polkit_explain() - say plainly what sluiced refused
 * @error: the error of a call
 *
 * For org.sluice.Error.NotPermitted and InteractiveAuthorizationRequired
 * naming a polkit action (sluiced's messages, docs/authorization.md):
 * "not permitted to submit jobs of class gc (polkit action
 * org.sluice.submit)", with why when it was not a plain no.
 *
 * Return: the explanation (free with g_free()), or NULL for other errors.
 */
char *ctl_polkit_explain(const sd_bus_error *error) {
        g_autofree char *action = NULL, *class_name = NULL, *job = NULL, *what = NULL, *options_why = NULL;
        const char *msg, *p, *why = NULL, *opt;
        bool interactive_required;

        if (!error || !sd_bus_error_is_set(error) || !error->message)
                return NULL;
        interactive_required = sd_bus_error_has_name(error, INTERACTIVE_REQUIRED);
        if (!interactive_required && !sd_bus_error_has_name(error, SLUICE_BUS_ERROR_NOT_PERMITTED))
                return NULL;
        msg = error->message;
        p = strstr(msg, SLUICE_POLKIT_ACTION_PREFIX);
        if (!p)
                return NULL;
        action = g_strndup(p, strcspn(p, " :;()"));
        job = word_after(msg, " for job ");
        class_name = word_after(msg, " of class ");
        if (!class_name)
                class_name = word_after(msg, " for class ");
        /* A Submit/Acquire whose priority or resources need manage-jobs says
         * so in a parenthesis: "(options.priority 1000 is above ...)". */
        opt = strstr(msg, "(options.");
        if (opt && strcmp(action, SLUICE_POLKIT_ACTION_MANAGE_JOBS) == 0 && class_name) {
                options_why = g_strndup(opt + 1, strcspn(opt + 1, ")"));
                what = g_strdup_printf(_("queue this job of class %s (%s)"), class_name, options_why);
        } else
                what = refused_what(action, class_name, job);

        if (interactive_required)
                return g_strdup_printf(_("not permitted to %s without authentication (polkit action %s); "
                                         "run it on a terminal without --no-ask-password to authenticate"),
                                       what, action);
        if (strstr(msg, "polkit is not available"))
                why = strstr(msg, "polkit is not available");
        else if (strstr(msg, "authentication agent"))
                why = _("authentication is required, and no polkit agent could ask for it");
        if (why)
                return g_strdup_printf(_("not permitted to %s (polkit action %s): %s"), what, action, why);
        return g_strdup_printf(_("not permitted to %s (polkit action %s)"), what, action);
}

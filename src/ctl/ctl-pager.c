/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pager, as systemctl starts it: $SYSTEMD_PAGER, else $PAGER, else less
 * (LESS=FRSXMK unless set, $SYSTEMD_LESS first), else more, else a plain
 * copy; none with --no-pager, --json, a pager of "" or "cat", or when stdout
 * is not a terminal.  Secure mode ($SYSTEMD_PAGERSECURE, pager_secure())
 * as systemd's: LESSSECURE=1, and only less unless asked for explicitly.
 * Only the verbs that print a finished result call
 * ctl_pager_open() (docs/sluicectl.md "Output" lists them); sluicectl waits
 * for the pager and exits with the verb's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "ctl-output.h"
#include "ctl.h"

/*
 * Secure mode, as systemd decides it: $SYSTEMD_PAGERSECURE when set (a
 * boolean), else on unless this process runs as the owner of its login
 * session (not under sudo, not without a session).  In secure mode less gets
 * LESSSECURE=1 (no shell escapes, no opening other files): "sudo sluicectl
 * list" must not become a root shell through "!sh" in the pager.
 */
static bool pager_secure(bool *ret_explicit) {
        const char *e = getenv("SYSTEMD_PAGERSECURE");
        uid_t owner;

        *ret_explicit = e != NULL;
        if (e)
                return !(strcmp(e, "0") == 0 || g_ascii_strcasecmp(e, "false") == 0 ||
                         g_ascii_strcasecmp(e, "no") == 0 || g_ascii_strcasecmp(e, "off") == 0);
        return sd_pid_get_owner_uid(0, &owner) < 0 || owner != geteuid();
}

/* In the child: the pager's environment and program; never returns. */
static void __attribute__((noreturn)) pager_exec(const char *pager, bool utf8, bool secure) {
        g_auto(GStrv) args = NULL;
        const char *less = getenv("SYSTEMD_LESS");
        char buf[4096];
        ssize_t n;

        if (less)
                setenv("LESS", less, 1);
        else
                setenv("LESS", "FRSXMK", 0);
        if (utf8)
                setenv("LESSCHARSET", "utf-8", 0);
        if (secure)
                setenv("LESSSECURE", "1", 1);

        if (pager && g_shell_parse_argv(pager, NULL, &args, NULL))
                execvp(args[0], args);
        execlp("less", "less", NULL);
        if (!secure)
                execlp("more", "more", NULL);

        /* No pager at all: copy, so the output is not lost. */
        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0 && write(STDOUT_FILENO, buf, (size_t) n) != n)
                        break;
        _exit(EXIT_SUCCESS);
}

/**
 * ctl_pager_open() - send the rest of stdout (and a terminal stderr) through the pager
 * @ctl: the context
 *
 * Does nothing with --no-pager or --json, when stdout was not a terminal at
 * start, when $SYSTEMD_PAGER (or, unset, $PAGER) is empty or "cat", when a
 * pager already runs, or when the pager cannot be started (then the output
 * goes to the terminal as it would without one).  SIGPIPE is ignored from
 * here on: a pager quit early is not an error of the verb.
 */
void ctl_pager_open(Ctl *ctl) {
        CtlOutput *o = &ctl->out;
        const char *pager;
        bool secure, secure_explicit;
        int fds[2];
        pid_t pid;

        if (o->pager_pid > 0 || o->no_pager || ctl->json || !o->on_tty)
                return;
        pager = getenv("SYSTEMD_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (!*pager || strcmp(pager, "cat") == 0))
                return;
        /* Secure mode that nobody asked for explicitly trusts only less,
         * the one pager known to honour LESSSECURE. */
        secure = pager_secure(&secure_explicit);
        if (secure && !secure_explicit)
                pager = NULL;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pid == 0) {
                /* The write end must go here too: the copy fallback execs
                 * nothing, and would never see end of file. */
                close(fds[1]);
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                if (fds[0] != STDIN_FILENO)
                        close(fds[0]);
                pager_exec(pager, o->utf8, secure);
        }

        close(fds[0]);
        o->saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (isatty(STDERR_FILENO) == 1)
                o->saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (o->saved_stdout < 0 || dup2(fds[1], STDOUT_FILENO) < 0) {
                /* Cannot redirect: go on without (the pager sees EOF at once). */
                close(fds[1]);
                if (o->saved_stderr >= 0)
                        close(o->saved_stderr);
                if (o->saved_stdout >= 0)
                        close(o->saved_stdout);
                o->saved_stdout = o->saved_stderr = -1;
                (void) waitpid(pid, NULL, 0);
                return;
        }
        if (o->saved_stderr >= 0)
                (void) dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        signal(SIGPIPE, SIG_IGN);
        o->pager_pid = pid;
}

/**
 * ctl_pager_close() - end the output and wait until the pager has quit
 * @ctl: the context
 *
 * Puts stdout and stderr back (the pager sees end of file) and waits for
 * the pager, ignoring SIGINT meanwhile: Ctrl+C is the pager's (less -K
 * quits), not a reason to leave it behind on the terminal.  Nothing when
 * no pager runs.
 */
void ctl_pager_close(Ctl *ctl) {
        CtlOutput *o = &ctl->out;
        struct sigaction ignore = { .sa_handler = SIG_IGN }, old;

        if (o->pager_pid <= 0)
                return;
        fflush(stdout);
        fflush(stderr);
        clearerr(stdout);
        (void) dup2(o->saved_stdout, STDOUT_FILENO);
        close(o->saved_stdout);
        if (o->saved_stderr >= 0) {
                (void) dup2(o->saved_stderr, STDERR_FILENO);
                close(o->saved_stderr);
        }
        o->saved_stdout = o->saved_stderr = -1;

        sigaction(SIGINT, &ignore, &old);
        while (waitpid(o->pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        sigaction(SIGINT, &old, NULL);
        o->pager_pid = 0;
}

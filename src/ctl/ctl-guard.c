/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guard of a command run under a lease.
 *
 *   sluicectl ── guard ── command ── (its children, grandchildren, …)
 *
 * The guard is a forked copy of sluicectl that keeps nothing of it but a
 * pipe, the "lifeline": sluicectl holds the write end and never writes, so
 * the guard reads end-of-file exactly when sluicectl is gone, however it
 * died (SIGKILL included).  There is no window to close: the guard drops
 * its own copy of the write end first, and an end-of-file can only mean
 * that no copy is left.
 *
 * The guard is a child subreaper (PR_SET_CHILD_SUBREAPER): every process
 * the command leaves behind — a shell's background job, a double-forked
 * daemon — is re-parented to the guard, never to init.  So "the whole tree
 * of the command" is simply "every child of the guard, until it has none".
 * When sluicectl dies, or when the command itself ends, the guard SIGKILLs
 * its children, reaps them, and repeats until none is left; only then does
 * it exit with the command's status (or die of the command's signal), so
 * sluicectl releases the lease only once nothing of the command runs.
 *
 * The command gets PR_SET_PDEATHSIG(SIGKILL) too (checked against the
 * guard's pid after the prctl, so a guard that died in between is seen):
 * should the guard itself be SIGKILLed, the command goes with it.  The
 * guard starts it with vfork() (spawn_command()).
 *
 * Signals: sluicectl forwards what it receives (SIGINT, SIGTERM, …) to the
 * guard, and the guard to the command.  A signal the kernel sent (a
 * terminal's Ctrl+C reaches the whole foreground process group: sluicectl,
 * guard and command) is not forwarded again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "ctl-guard.h"
#include "i18n.h"
#include "macro.h"

/* The signals sluicectl forwards; blocked in sluicectl and the guard, restored for the command. */
static const int guard_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };

/* Close what the guard inherited from sluicectl but must not keep: every
 * close-on-exec descriptor (the bus connection above all: a guard holding
 * it would keep a dead sluicectl's lease alive).  Descriptors without
 * close-on-exec are the user's, meant for the command. */
static void close_cloexec_fds(int keep) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char *end;
                long fd = strtol(de->d_name, &end, 10);
                int flags;

                if (*end || end == de->d_name || fd < 3 || fd == keep || fd == dirfd(d))
                        continue;
                flags = fcntl((int) fd, F_GETFD);
                if (flags >= 0 && (flags & FD_CLOEXEC))
                        (void) close((int) fd);
        }
        closedir(d);
}

/* The parent pid from /proc/PID/stat, or 0. */
static pid_t proc_ppid(const char *pid) {
        char path[64], buf[512];
        const char *p;
        ssize_t n;
        int fd;
        long ppid;

        g_snprintf(path, sizeof(path), "/proc/%s/stat", pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        (void) close(fd);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* "pid (comm) S ppid …": comm may hold anything, ")" included. */
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
                return 0;
        return (pid_t) ppid;
}

/* SIGKILL the children /proc/self/task/TID/children lists (CONFIG_PROC_CHILDREN); false when it cannot. */
static bool kill_children_listed(pid_t self) {
        char path[64], buf[4096];
        g_autoptr(GString) list = g_string_new(NULL);
        ssize_t n;
        int fd;

        /* We are single-threaded: our only task has our pid. */
        g_snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int) self);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                g_string_append_len(list, buf, n);
        (void) close(fd);
        if (n < 0)
                return false;
        for (char *p = list->str, *end; *p; p = end) {
                long pid = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (pid > 0)
                        (void) kill((pid_t) pid, SIGKILL);
        }
        return true;
}

/* SIGKILL every child of ours, alive or not yet reaped. */
static void kill_children(pid_t self) {
        DIR *d;
        struct dirent *de;

        if (kill_children_listed(self))
                return;
        /* No children file: look at every process's parent. */
        d = opendir("/proc");
        if (!d)
                return;
        while ((de = readdir(d))) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);

                if (*end || end == de->d_name || pid <= 0)
                        continue;
                /* Not reaped yet, so the pid cannot have been reused. */
                if (proc_ppid(de->d_name) == self)
                        (void) kill((pid_t) pid, SIGKILL);
        }
        closedir(d);
}

/*
 * Kill the command's whole tree.  Orphans come to us (we are their
 * subreaper), so after each reaping the next generation may be our child:
 * kill again until waitpid() says we have no child left.
 */
static void kill_descendants(void) {
        pid_t self = getpid();

        for (;;) {
                kill_children(self);
                if (waitpid(-1, NULL, 0) < 0 && errno != EINTR)
                        return;         /* ECHILD: nothing of the command is left */
        }
}

/* Exit as the command did: same status, or death by the same signal. */
static _Noreturn void exit_like(int wait_status) {
        const struct rlimit no_core = {};
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t s;
        int sig;

        if (WIFEXITED(wait_status))
                _exit(WEXITSTATUS(wait_status));
        sig = WTERMSIG(wait_status);
        /* The command dumped its core already, if it was to. */
        (void) setrlimit(RLIMIT_CORE, &no_core);
        (void) sigaction(sig, &sa, NULL);
        sigemptyset(&s);
        sigaddset(&s, sig);
        (void) sigprocmask(SIG_UNBLOCK, &s, NULL);
        (void) kill(getpid(), sig);
        _exit(128 + sig);
}

/*
 * Start the command: vfork(), not fork().  The guard is a copy of sluicectl
 * with GLib, libsystemd and what they pull in mapped; forking it copies its
 * page tables and costs copy-on-write faults on both sides until the exec —
 * about 2 ms of CPU per command on the benchmark's VM (docs/benchmarks.md),
 * a tenth of what a `sluicectl run -- /bin/true` costs.  The child runs on
 * the guard's memory while the guard waits, so it makes only system calls
 * (prctl, getppid, sigprocmask, execvp: no allocation in glibc's PATH
 * search), writes nothing but @exec_errno, and leaves the message of a
 * failed exec to the guard, which prints it once the child has exited.
 *
 * Return: the command's pid, or -1 with errno set (nothing started);
 * *ret_exec_errno is the exec's errno when it failed (the child has exited
 * 127 or 126 then), else 0.
 */
static pid_t spawn_command(const CtlGuardCommand *cmd, pid_t guard, int *ret_exec_errno) {
        volatile int exec_errno = 0;
        pid_t pid;

        pid = vfork();
        if (pid == 0) {
                /* Dies with the guard; a guard gone before the prctl is seen here. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != guard)
                        _exit(127);
                (void) sigprocmask(SIG_SETMASK, cmd->mask, NULL);
                execvp(cmd->argv[0], cmd->argv);
                exec_errno = errno;
                _exit(exec_errno == ENOENT ? 127 : 126);
        }
        *ret_exec_errno = pid > 0 ? exec_errno : 0;
        return pid;
}

static _Noreturn void guard_main(const CtlGuardCommand *cmd, int lifeline) {
        pid_t self = getpid(), child;
        sigset_t mask;
        int sfd, child_status = 0, exec_errno;

        close_cloexec_fds(lifeline);
        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(guard_signals); i++)
                sigaddset(&mask, guard_signals[i]);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
            prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 ||
            (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
                fprintf(stderr, _("sluicectl: could not set up the command's guard: %s\n"), g_strerror(errno));
                _exit(126);
        }
        for (char **e = cmd->env; e && *e; e++)
                (void) putenv(*e);

        fflush(stderr);
        child = spawn_command(cmd, self, &exec_errno);
        if (child < 0) {
                fprintf(stderr, _("sluicectl: could not start the command: %s\n"), g_strerror(errno));
                _exit(126);
        }
        if (exec_errno != 0)
                fprintf(stderr, _("sluicectl: could not execute %s: %s\n"), cmd->argv[0], g_strerror(exec_errno));

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = lifeline, .events = POLLIN },
                };
                struct signalfd_siginfo si;

                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        /* Blind now: take nothing of the command along. */
                        kill_descendants();
                        _exit(126);
                }
                if (p[1].revents != 0) {
                        /* sluicectl is gone: so is the lease; nothing of the command may go on. */
                        kill_descendants();
                        _exit(128 + SIGKILL);
                }
                if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != (ssize_t) sizeof(si))
                        continue;
                if (si.ssi_signo == SIGCHLD) {
                        bool done = false;
                        int ws;
                        pid_t pid;

                        while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
                                if (pid == child) {
                                        child_status = ws;
                                        done = true;
                                }
                        if (done)
                                break;
                        continue;
                }
                if (si.ssi_code != SI_KERNEL && (pid_t) si.ssi_pid != child)
                        (void) kill(child, (int) si.ssi_signo);
        }

        /* The command ended: what it left running ends with it, before the lease does. */
        kill_descendants();
        exit_like(child_status);
}

/**
 * ctl_guard_spawn() - start a command under a guard process
 * @cmd: the command, its signal mask and extra environment
 * @ret_pid: the guard's pid: wait for it, send it the signals meant for the command
 *
 * The guard exits with the command's exit status, or dies of the signal
 * that killed the command, once the command and every process it left
 * behind are gone.  If the calling process dies first (even by SIGKILL),
 * the guard kills the command's whole tree.  Call with SIGCHLD and the
 * forwarded signals blocked, in a single-threaded process.
 *
 * Return: 0 or a negative errno (nothing started).
 */
int ctl_guard_spawn(const CtlGuardCommand *cmd, pid_t *ret_pid) {
        int lifeline[2];
        pid_t pid;

        if (pipe2(lifeline, O_CLOEXEC) < 0)
                return -errno;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                (void) close(lifeline[0]);
                (void) close(lifeline[1]);
                return r;
        }
        if (pid == 0) {
                (void) close(lifeline[1]);
                guard_main(cmd, lifeline[0]);
        }
        (void) close(lifeline[0]);
        /* lifeline[1] stays open until we exit, on purpose: its closing is
         * how the guard learns that we are gone. */
        *ret_pid = pid;
        return 0;
}

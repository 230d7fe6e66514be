/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Leases from the command line: "sluicectl acquire" and "sluicectl run".
 *
 * Both wait for the slot in an sd-event loop: the Acquire() call is sent
 * with no timeout (its reply is deferred until the slot is granted, which
 * may take hours; sd-bus would drop it after 25 s), and the signals that
 * should end the wait are handled by the loop.  The lease is bound to our
 * bus connection, so leaving while still queued (Ctrl+C) makes sluiced
 * abandon the job; nothing else needs to be said to it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-job-options.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"

typedef struct Lease {
        Ctl *ctl;
        sd_event *event;                /* borrowed from the loop owner */
        const CtlJobOptions *opts;
        char **cmd;                     /* run: the command; NULL for acquire */
        sigset_t saved_mask;            /* restored in the child */

        sd_bus_slot *acquire_slot;      /* the pending Acquire() */
        sd_bus_slot *changed_slot;      /* JobChanged of the manager */
        sd_bus_slot *owner_slot;        /* NameOwnerChanged of sluiced */

        char *job_path;
        uint64_t job_id;
        bool granted;
        bool ended;                     /* the job ended without us (cancel, TTL, sluiced gone) */

        pid_t child;                    /* run: 0 until started */
        sd_event_source *child_source;
        int cancel_signal;              /* SIGINT/SIGTERM seen while the child ran */
} Lease;

static void lease_clear(Lease *l) {
        l->acquire_slot = sd_bus_slot_unref(l->acquire_slot);
        l->changed_slot = sd_bus_slot_unref(l->changed_slot);
        l->owner_slot = sd_bus_slot_unref(l->owner_slot);
        l->child_source = sd_event_source_unref(l->child_source);
        g_clear_pointer(&l->job_path, g_free);
}

static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* End the lease ourselves with @result; no-op when it already ended. */
static int lease_release(Lease *l, const char *result) {
        g_autofree char *what = NULL;

        if (!l->granted || l->ended)
                return 0;
        what = g_strdup_printf(_("could not release job %" PRIu64), l->job_id);
        l->ended = true;
        return ctl_call(l->ctl, what, l->job_path, SLUICE_JOB_IFACE, "Release", NULL, "s", result);
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Lease *l = userdata;
        const char *result;
        int status;

        if (si->si_code == CLD_EXITED) {
                status = si->si_status;
                result = status == 0 ? "success" : "failed";
        } else {
                status = 128 + si->si_status;
                if ((si->si_status == SIGINT || si->si_status == SIGTERM) && l->cancel_signal != 0)
                        result = "cancelled";
                else
                        result = "failed";
        }
        l->child = 0;

        (void) lease_release(l, result);
        return sd_event_exit(l->event, status);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Lease *l = userdata;
        int sig = (int) si->ssi_signo;

        if (l->child > 0) {
                if (sig == SIGINT || sig == SIGTERM)
                        l->cancel_signal = sig;
                /* A signal from the terminal (Ctrl+C) went to the child's
                 * process group already: do not deliver it twice. */
                if (si->ssi_code != SI_KERNEL && (pid_t) si->ssi_pid != l->child)
                        (void) kill(l->child, sig);
                return 0;
        }

        if (sig == SIGUSR1 || sig == SIGUSR2)
                return 0;

        if (!l->granted)
                /* Still queued: leaving closes our connection, and sluiced
                 * abandons the job. */
                return sd_event_exit(l->event, 128 + sig);

        /* acquire: holding the lease until told to stop. */
        return sd_event_exit(l->event, lease_release(l, "success"));
}

static void lease_lost(Lease *l, const char *result) {
        l->ended = true;
        if (l->child > 0) {
                fprintf(stderr, _("sluicectl: job %" PRIu64 " ended (%s); stopping the command\n"),
                        l->job_id, result);
                (void) kill(l->child, SIGTERM);
                return;
        }
        fprintf(stderr, _("sluicectl: job %" PRIu64 " ended: %s\n"), l->job_id, result);
        (void) sd_event_exit(l->event, CTL_EXIT_FAILURE);
}

static int on_job_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Lease *l = userdata;
        const char *path, *state, *result;
        uint64_t id;

        if (sd_bus_message_read(m, "toss", &id, &path, &state, &result) < 0)
                return 0;
        if (!l->granted || l->ended || id != l->job_id || !g_str_equal(state, "done"))
                return 0;
        lease_lost(l, result);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Lease *l = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (!l->granted || l->ended || *new_owner)
                return 0;
        /* The lease went with sluiced; the command may go on, unguarded. */
        l->ended = true;
        fprintf(stderr, _("sluicectl: sluiced left the bus; job %" PRIu64 " is no longer guarded\n"),
                l->job_id);
        if (l->child == 0)
                (void) sd_event_exit(l->event, CTL_EXIT_FAILURE);
        return 0;
}

static int spawn_child(Lease *l) {
        char id[32];
        pid_t pid;

        g_snprintf(id, sizeof(id), "%" PRIu64, l->job_id);
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int e;

                (void) sigprocmask(SIG_SETMASK, &l->saved_mask, NULL);
                (void) setenv("SLUICE_JOB_ID", id, 1);
                (void) setenv("SLUICE_JOB_PATH", l->job_path, 1);
                execvp(l->cmd[0], l->cmd);
                e = errno;
                fprintf(stderr, _("sluicectl: could not execute %s: %s\n"), l->cmd[0], g_strerror(e));
                _exit(e == ENOENT ? 127 : 126);
        }
        l->child = pid;
        return sd_event_add_child(l->event, &l->child_source, pid, WEXITED, on_child_exit, l);
}

/* Whether the job is already done (it may have ended before our match was in place). */
static bool job_is_done(Lease *l) {
        g_autoptr(GVariant) state = NULL;

        if (ctl_get_property(l->ctl, _("could not read the job's state"), l->job_path,
                             SLUICE_JOB_IFACE, "State", &state) != 0)
                return false;
        return g_variant_is_of_type(state, G_VARIANT_TYPE_STRING) &&
               g_str_equal(g_variant_get_string(state, NULL), "done");
}

static int on_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Lease *l = userdata;
        g_autofree char *what = g_strdup_printf(_("could not acquire a slot of class %s"),
                                                l->opts->class_name);
        const char *path;
        int r;

        l->acquire_slot = sd_bus_slot_unref(l->acquire_slot);

        if (sd_bus_message_is_method_error(reply, NULL))
                return sd_event_exit(l->event, ctl_fail(what, sd_bus_message_get_error(reply),
                                                        sd_bus_message_get_errno(reply)));
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return sd_event_exit(l->event, ctl_fail(what, NULL, r));

        l->granted = true;
        l->job_path = g_strdup(path);
        l->job_id = ctl_job_id_from_path(path);

        if (l->opts->ttl_sec > 0) {
                /* Detached: kept by Renew(), not by our connection. */
                printf("%" PRIu64 "\n", l->job_id);
                return sd_event_exit(l->event, CTL_EXIT_OK);
        }

        if (job_is_done(l)) {
                lease_lost(l, _("ended before it could be used"));
                return 0;
        }

        if (!l->cmd) {
                printf("%" PRIu64 "\n", l->job_id);
                fflush(stdout);
                return 0;
        }

        r = spawn_child(l);
        if (r < 0) {
                (void) ctl_fail(_("could not start the command"), NULL, r);
                (void) lease_release(l, "failed");
                return sd_event_exit(l->event, CTL_EXIT_FAILURE);
        }
        return 0;
}

static int lease_run(Ctl *ctl, const CtlJobOptions *opts, char **cmd) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(lease_clear) Lease l = {
                .ctl = ctl,
                .opts = opts,
                .cmd = cmd,
        };
        g_autofree char *owner_match = NULL;
        sigset_t mask;
        int r;

        r = ctl_connect(ctl);
        if (r != 0)
                return r;

        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
                sigaddset(&mask, forwarded_signals[i]);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, &l.saved_mask) < 0)
                return ctl_fail(_("could not block signals"), NULL, -errno);

        r = sd_event_default(&event);
        if (r < 0)
                return ctl_fail(_("could not create an event loop"), NULL, r);
        l.event = event;
        for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++) {
                r = sd_event_add_signal(event, NULL, forwarded_signals[i], on_signal, &l);
                if (r < 0)
                        return ctl_fail(_("could not watch signals"), NULL, r);
        }
        r = sd_bus_attach_event(ctl->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return ctl_fail(_("could not attach to the event loop"), NULL, r);

        r = sd_bus_match_signal(ctl->bus, &l.changed_slot, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                SLUICE_MANAGER_IFACE, "JobChanged", on_job_changed, &l);
        if (r < 0)
                return ctl_fail(_("could not subscribe to job changes"), NULL, r);
        owner_match = g_strdup_printf("type='signal',sender='org.freedesktop.DBus',"
                                      "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                      "member='NameOwnerChanged',arg0='%s'", SLUICE_BUS_NAME);
        r = sd_bus_add_match(ctl->bus, &l.owner_slot, owner_match, on_owner_changed, &l);
        if (r < 0)
                return ctl_fail(_("could not subscribe to job changes"), NULL, r);

        r = ctl_new_method_call(ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire", &m);
        if (r != 0)
                return r;
        r = ctl_job_options_append(opts, m);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        /* No timeout: the reply comes when the slot is granted. */
        r = sd_bus_call_async(ctl->bus, &l.acquire_slot, m, on_acquired, &l, CTL_TIMEOUT_INFINITE);
        if (r < 0)
                return ctl_fail(_("could not acquire a slot"), NULL, r);

        r = sd_event_loop(event);
        if (r < 0)
                return ctl_fail(_("event loop failed"), NULL, r);

        (void) sd_bus_detach_event(ctl->bus);
        return r;
}

/* posix: stop at the first argument that is not an option (run without "--"). */
static int parse_lease_options(int argc, char **argv, bool run, bool posix, CtlJobOptions *o, int *ret_optind) {
        static const struct option acquire_options[] = {
                CTL_JOB_OPTIONS,
                { "timeout", required_argument, NULL, CTL_ARG_TIMEOUT },
                { "ttl",     required_argument, NULL, CTL_ARG_TTL },
                { "help",    no_argument,       NULL, 'h' },
                {}
        };
        static const struct option run_options[] = {
                CTL_JOB_OPTIONS,
                { "timeout", required_argument, NULL, CTL_ARG_TIMEOUT },
                { "class",   required_argument, NULL, CTL_ARG_CLASS },
                { "help",    no_argument,       NULL, 'h' },
                {}
        };
        const struct option *options = run ? run_options : acquire_options;
        int c, r, index = 0;

        optind = 0;
        /* "+" keeps getopt from taking the command's options as ours. */
        while ((c = getopt_long(argc, argv, posix ? "+h" : "h", options, &index)) >= 0) {
                if (c == 'h') {
                        ctl_print_help();
                        exit(CTL_EXIT_OK);
                }
                r = ctl_job_options_parse_option(o, c, c >= CTL_ARG_PRIORITY ? options[index].name : "", optarg);
                if (r < 0)
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                if (r != 0)
                        return r;
        }
        *ret_optind = optind;
        return 0;
}

/**
 * ctl_verb_acquire() - "sluicectl acquire CLASS [KEY=VALUE…] [--ttl=SEC]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Waits for the slot, prints the job id, and holds the lease until
 * SIGINT, SIGTERM or SIGHUP, then releases it with "success".  With
 * --ttl= the lease is detached: print the id and exit.
 *
 * Return: exit status (128+signal when interrupted while queued).
 */
int ctl_verb_acquire(Ctl *ctl, int argc, char **argv) {
        g_auto(CtlJobOptions) o = {};
        int r, idx;

        ctl_job_options_init(&o);
        r = parse_lease_options(argc, argv, false, false, &o, &idx);
        if (r != 0)
                return r;
        if (idx >= argc)
                return ctl_usage_error(_("\"acquire\" needs a CLASS"));
        o.class_name = argv[idx];
        for (int i = idx + 1; i < argc; i++) {
                r = ctl_job_options_add_parameter(&o, argv[i]);
                if (r != 0)
                        return r;
        }
        return lease_run(ctl, &o, NULL);
}

/**
 * ctl_verb_run() - "sluicectl run --class=CLASS [KEY=VALUE…] -- CMD…"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Acquires a lease, runs CMD as a child while holding it, forwards
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to it, and releases the
 * lease with "success" (exit 0), "cancelled" (killed by a SIGINT/SIGTERM
 * we received) or "failed".  CMD sees SLUICE_JOB_ID and SLUICE_JOB_PATH.
 *
 * Return: CMD's exit status, 128+signal when it was killed, 128+signal
 * when interrupted while queued, 1 or 2 on our own errors.
 */
int ctl_verb_run(Ctl *ctl, int argc, char **argv) {
        g_auto(CtlJobOptions) o = {};
        int r, idx, dashes = -1;

        /* Everything after "--" is the command, options included. */
        for (int i = 1; i < argc; i++)
                if (g_str_equal(argv[i], "--")) {
                        dashes = i;
                        break;
                }

        ctl_job_options_init(&o);
        r = parse_lease_options(dashes >= 0 ? dashes : argc, argv, true, dashes < 0, &o, &idx);
        if (r != 0)
                return r;
        if (!o.class_name)
                return ctl_usage_error(_("\"run\" needs --class=CLASS"));

        if (dashes >= 0) {
                for (int i = idx; i < dashes; i++) {
                        r = ctl_job_options_add_parameter(&o, argv[i]);
                        if (r != 0)
                                return r;
                }
                idx = dashes + 1;
        } else
                /* No "--": parameters until the first word without "=". */
                for (; idx < argc && strchr(argv[idx], '='); idx++) {
                        r = ctl_job_options_add_parameter(&o, argv[idx]);
                        if (r != 0)
                                return r;
                }

        if (idx >= argc)
                return ctl_usage_error(_("\"run\" needs a command after \"--\""));
        return lease_run(ctl, &o, argv + idx);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sluicectl: the command-line client of sluiced.  Shared declarations of the
 * verbs (one function per command) and the context they run in.
 *
 * Convention for every ctl_* helper that can fail in a way the user must
 * hear about: it prints "sluicectl: <what failed>: <why>" to stderr itself
 * and returns the exit status to use (CTL_EXIT_FAILURE or CTL_EXIT_USAGE);
 * 0 means success.  Verbs return their exit status.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "ctl-exit.h"
#include "ctl-output.h"
#include "sluice-bus-names.h"

/* Everything a verb needs; lives on main()'s stack. */
typedef struct Ctl {
        const char *bus_address;        /* --bus-address=, NULL: the system bus */
        const char *host;               /* -H [USER@]HOST[:PORT]: over ssh, NULL: here */
        const char *machine;            /* -M MACHINE: a local container, NULL: here */
        bool json;                      /* --json given before the verb */
        sd_bus *bus;                    /* opened by ctl_connect(), owned */
        bool no_ask_password;           /* --no-ask-password: no interactive authorization */
        bool polkit_agent_tried;        /* ctl_polkit_agent_open() ran (ctl-polkit.c) */
        pid_t polkit_agent_pid;         /* the pkttyagent started, or 0 */
        CtlOutput out;                  /* pager, colours, width, --no-legend, -q, -l (ctl-output.h) */
} Ctl;

/* A verb gets its own argv: argv[0] is the verb's name. */
typedef int (*CtlVerbFunc)(Ctl *ctl, int argc, char **argv);

/* sluicectl.c */
int ctl_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
void ctl_print_help(void);
int ctl_parse_common_options(Ctl *ctl, int argc, char **argv, int *ret_optind);
int ctl_get_job_record(Ctl *ctl, guint64 id, GVariant **ret);

/* ctl-manager.c */
int ctl_verb_status(Ctl *ctl, int argc, char **argv);
int ctl_verb_pause(Ctl *ctl, int argc, char **argv);
int ctl_verb_resume(Ctl *ctl, int argc, char **argv);
int ctl_verb_config(Ctl *ctl, int argc, char **argv);
int ctl_verb_reload(Ctl *ctl, int argc, char **argv);

/* ctl-jobs.c */
int ctl_verb_list(Ctl *ctl, int argc, char **argv);
int ctl_verb_show(Ctl *ctl, int argc, char **argv);
int ctl_verb_cancel(Ctl *ctl, int argc, char **argv);
int ctl_verb_wait(Ctl *ctl, int argc, char **argv);
int ctl_verb_release(Ctl *ctl, int argc, char **argv);
int ctl_verb_renew(Ctl *ctl, int argc, char **argv);

/* ctl-set-priority.c */
int ctl_verb_set_priority(Ctl *ctl, int argc, char **argv);

/* ctl-jobs.c: history */
int ctl_verb_history(Ctl *ctl, int argc, char **argv);

/* ctl-logs.c */
int ctl_verb_logs(Ctl *ctl, int argc, char **argv);

/* ctl-submit.c */
int ctl_verb_submit(Ctl *ctl, int argc, char **argv);

/* ctl-run.c */
int ctl_verb_acquire(Ctl *ctl, int argc, char **argv);
int ctl_verb_run(Ctl *ctl, int argc, char **argv);

/* ctl-watch.c */
int ctl_verb_watch(Ctl *ctl, int argc, char **argv);

/* ctl-calendar.c */
int ctl_verb_calendar(Ctl *ctl, int argc, char **argv);

/* ctl-schedules.c */
int ctl_verb_schedules(Ctl *ctl, int argc, char **argv);
int ctl_verb_trigger(Ctl *ctl, int argc, char **argv);

/* ctl-alerts.c */
int ctl_verb_alerts(Ctl *ctl, int argc, char **argv);
/* ctl-cluster.c */
int ctl_verb_cluster(Ctl *ctl, int argc, char **argv);

/* ctl-metrics.c */
int ctl_verb_metrics(Ctl *ctl, int argc, char **argv);

/* ctl-complete.c: the hidden "__complete" verb of the shell completions */
int ctl_verb_complete(Ctl *ctl, int argc, char **argv);

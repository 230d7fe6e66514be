/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluicectl: command-line client of sluiced.  This file parses the global
 * options and dispatches to the verbs (ctl-*.c).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl-bus.h"
#include "ctl-polkit.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"

typedef struct CtlVerb {
        const char *name;
        CtlVerbFunc func;
} CtlVerb;

static const CtlVerb verbs[] = {
        { "status",  ctl_verb_status },
        { "list",    ctl_verb_list },
        { "history", ctl_verb_history },
        { "logs",    ctl_verb_logs },
        { "show",    ctl_verb_show },
        { "submit",  ctl_verb_submit },
        { "acquire", ctl_verb_acquire },
        { "release", ctl_verb_release },
        { "renew",   ctl_verb_renew },
        { "run",     ctl_verb_run },
        { "cancel",  ctl_verb_cancel },
        { "wait",    ctl_verb_wait },
        { "pause",   ctl_verb_pause },
        { "resume",  ctl_verb_resume },
        { "config",  ctl_verb_config },
        { "reload",  ctl_verb_reload },
        { "watch",   ctl_verb_watch },
        { "calendar", ctl_verb_calendar },
        { "schedules", ctl_verb_schedules },
        { "trigger", ctl_verb_trigger },
        { "alerts",  ctl_verb_alerts },
        { "metrics", ctl_verb_metrics },
};

/**
 * ctl_usage_error() - report a command-line mistake
 * @format: printf format of the message (translated)
 *
 * Prints "sluicectl: <message>" and a hint to --help to stderr.
 *
 * Return: CTL_EXIT_USAGE.
 */
int ctl_usage_error(const char *format, ...) {
        va_list ap;

        fputs("sluicectl: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        fprintf(stderr, _("Try 'sluicectl --help' for more information.\n"));
        return CTL_EXIT_USAGE;
}

/** ctl_print_help() - print the usage text to stdout */
void ctl_print_help(void) {
        printf(_("Usage: sluicectl [OPTION…] COMMAND [ARG…]\n"
                 "\n"
                 "Control sluiced, the job scheduler.\n"
                 "\n"
                 "Commands:\n"
                 "  status                      Show the scheduler's state\n"
                 "  list                        List jobs (--state=, --class=, --limit=, --json)\n"
                 "  show JOB                    Show all properties of a job (--json)\n"
                 "  history                     Finished jobs with result, how they ended and\n"
                 "                              duration, also those gone from the bus\n"
                 "                              (--class=, --state=, --since=, --limit=, --json)\n"
                 "  logs JOB                    The journal of a job's run (journalctl)\n"
                 "  submit CLASS [KEY=VALUE…]   Queue a job and print its id\n"
                 "  acquire CLASS [KEY=VALUE…]  Wait for a slot, print the job id and hold the\n"
                 "                              lease until SIGINT/SIGTERM/SIGHUP (--ttl=SEC: a\n"
                 "                              detached lease; print the id and exit)\n"
                 "  release JOB [RESULT]        End a lease (success, failed or cancelled)\n"
                 "  renew JOB                   Extend a detached lease\n"
                 "  run --class=CLASS [KEY=VALUE…] -- CMD…\n"
                 "                              Run CMD while holding a slot of CLASS; CMD and\n"
                 "                              what it starts never outlive sluicectl, its exit\n"
                 "                              status reaches the job, an interrupt cancels it\n"
                 "  cancel JOB…                 Cancel jobs\n"
                 "  wait JOB                    Wait until a job finished (--until=started)\n"
                 "  pause [SCOPE]               Pause dispatching (\"\", class:NAME, resource:KEY)\n"
                 "  resume [SCOPE]              Resume dispatching\n"
                 "  config set SECTION KEY=VALUE…\n"
                 "                              Change the configuration at run time (--persist)\n"
                 "  reload                      Re-read the configuration files\n"
                 "  watch                       Follow the scheduler live\n"
                 "  schedules                   Schedules: next elapse, last trigger, last job\n"
                 "                              and its result (--json)\n"
                 "  trigger SCHEDULE            Enqueue a schedule's job now\n"
                 "  calendar EXPR…              Show the next elapses of calendar events\n"
                 "                              (--iterations=N, --base-time=TIME)\n"
                 "  alerts                      Active alerts (--json)\n"
                 "  metrics                     Statistics as metrics text for Prometheus\n"
                 "                              (--format=prometheus|openmetrics, --json)\n"
                 "\n"
                 "Job options (submit, acquire, run):\n"
                 "  --priority=N                Priority (-1000…1000)\n"
                 "  --resource=KEY              An extra resource the job uses (repeatable)\n"
                 "  --description=TEXT          Free text shown with the job\n"
                 "  --max-wait=SEC              Give up after waiting SEC seconds in the queue\n"
                 "  --not-before=TIME           Not before TIME (+SEC, @EPOCH or\n"
                 "                              \"YYYY-MM-DD HH:MM[:SS]\")\n"
                 "\n"
                 "JOB is a job id or a job's object path.\n"
                 "\n"
                 "Options:\n"
                 "  --bus-address=ADDRESS       Connect to this bus instead of the system bus\n"
                 "  --json                      Print JSON (status, list, show, history)\n"
                 "  --no-ask-password           Do not ask for a password when polkit wants one\n"
                 "  -h, --help                  Show this help\n"
                 "      --version               Show the version\n"));
}

/**
 * ctl_parse_common_options() - parse a verb that only takes --json and --help
 * @ctl: the context (--json sets ctl->json)
 * @argc: the verb's argc
 * @argv: the verb's argv (argv[0] is the verb)
 * @ret_optind: index of the first positional argument
 *
 * --help prints the help and exits.
 *
 * Return: 0 or CTL_EXIT_USAGE after printing why.
 */
int ctl_parse_common_options(Ctl *ctl, int argc, char **argv, int *ret_optind) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "json", no_argument, NULL, ARG_JSON },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_JSON:
                        ctl->json = true;
                        break;
                case 'h':
                        ctl_print_help();
                        exit(CTL_EXIT_OK);
                default:
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                }
        }
        *ret_optind = optind;
        return 0;
}

static const CtlVerb *find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return &verbs[i];
        return NULL;
}

static void ctl_done(Ctl *ctl) {
        if (ctl->bus)
                ctl->bus = sd_bus_flush_close_unref(ctl->bus);
        ctl_polkit_agent_close(ctl);
}

int main(int argc, char **argv) {
        enum { ARG_BUS_ADDRESS = 0x100, ARG_JSON, ARG_VERSION, ARG_NO_ASK_PASSWORD };
        static const struct option options[] = {
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "json",        no_argument,       NULL, ARG_JSON },
                { "help",        no_argument,       NULL, 'h' },
                { "version",     no_argument,       NULL, ARG_VERSION },
                { "no-ask-password", no_argument,   NULL, ARG_NO_ASK_PASSWORD },
                {}
        };
        _cleanup_(ctl_done) Ctl ctl = {};
        const CtlVerb *verb;
        int c;

        sluice_i18n_init();

        /* "+": stop at the verb; the verb parses its own options. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_BUS_ADDRESS:
                        ctl.bus_address = optarg;
                        break;
                case ARG_JSON:
                        ctl.json = true;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        ctl.no_ask_password = true;
                        break;
                case 'h':
                        ctl_print_help();
                        return CTL_EXIT_OK;
                case ARG_VERSION:
                        printf("sluicectl %s\n", PACKAGE_VERSION);
                        return CTL_EXIT_OK;
                default:
                        return ctl_usage_error(_("invalid option"));
                }
        }

        if (optind >= argc)
                return ctl_usage_error(_("missing command"));
        verb = find_verb(argv[optind]);
        if (!verb)
                return ctl_usage_error(_("unknown command \"%s\""), argv[optind]);

        return verb->func(&ctl, argc - optind, argv + optind);
}

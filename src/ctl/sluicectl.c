/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluicectl: command-line client of sluiced.  This file parses the global
 * options and dispatches to the verbs (ctl-*.c).
 */
#include <getopt.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
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
        { "set-priority", ctl_verb_set_priority },
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
        { "cluster", ctl_verb_cluster },
        { "metrics", ctl_verb_metrics },
        /* Hidden: live names for the shell completions (ctl-complete.c). */
        { "__complete", ctl_verb_complete },
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
                 "Job Commands:\n"
                 "  list                        List jobs (--state=, --class=, --owner=, --limit=)\n"
                 "  show JOB                    Show all properties of a job (--json)\n"
                 "  history                     List finished jobs, also those gone from the bus\n"
                 "                              (--class=, --state=, --owner=, --since=, --limit=)\n"
                 "  logs JOB                    Show a job's journal (-f, -n N, -o MODE,\n"
                 "                              --since=, --until=)\n"
                 "  submit CLASS [KEY=VALUE…]   Queue a job and print its id\n"
                 "  cancel JOB…                 Cancel jobs\n"
                 "  set-priority JOB N          Change a queued job's priority (-1000…1000)\n"
                 "  wait JOB                    Wait until a job finished (--until=started)\n"
                 "\n"
                 "Lease Commands:\n"
                 "  acquire CLASS [KEY=VALUE…]  Hold a slot until a signal (--ttl=SEC: detached)\n"
                 "  run --class=CLASS [KEY=VALUE…] -- CMD…\n"
                 "                              Run CMD while holding a slot of CLASS\n"
                 "  release JOB [RESULT]        End a lease (success, failed or cancelled)\n"
                 "  renew JOB                   Extend a detached lease\n"
                 "\n"
                 "Scheduler Commands:\n"
                 "  status                      Show the scheduler's state\n"
                 "  watch                       Follow the scheduler live\n"
                 "  pause [SCOPE]               Pause dispatching (\"\", class:NAME, resource:KEY)\n"
                 "  resume [SCOPE]              Resume dispatching\n"
                 "  alerts                      Show the active alerts (--json)\n"
                 "  cluster                     Show the fleet-wide resources and their holders\n"
                 "                              (--json)\n"
                 "  metrics                     Print statistics for Prometheus\n"
                 "                              (--format=prometheus|openmetrics, --json)\n"
                 "\n"
                 "Configuration Commands:\n"
                 "  config show [SECTION…]      Show the configuration in force and its sources\n"
                 "  config set SECTION KEY=VALUE…\n"
                 "                              Change it at run time (--persist: for good)\n"
                 "  config unset SECTION KEY…   Drop such a change (--persist: the stored one too)\n"
                 "  reload                      Re-read the configuration files\n"
                 "\n"
                 "Schedule Commands:\n"
                 "  schedules                   List the schedules (--json)\n"
                 "  trigger SCHEDULE            Enqueue a schedule's job now\n"
                 "  calendar EXPR…              Show the next elapses of calendar events\n"
                 "                              (--iterations=N, --base-time=TIME)\n"
                 "\n"
                 "Job options (submit, acquire, run):\n"
                 "  --priority=N                Priority (-1000…1000)\n"
                 "  --resource=KEY              An extra resource the job uses (repeatable)\n"
                 "  --description=TEXT          Free text shown with the job\n"
                 "  --max-wait=SPAN             Give up after waiting SPAN in the queue\n"
                 "  --not-before=TIME           Not before TIME\n"
                 "\n"
                 "JOB is a job id or a job's object path; SPAN and TIME as in systemd.time(7).\n"
                 "\n"
                 "Options:\n"
                 "  --bus-address=ADDRESS       Connect to this bus instead of the system bus\n"
                 "  -H, --host=[USER@]HOST[:PORT]\n"
                 "                              Operate on a remote host (over ssh)\n"
                 "  -M, --machine=CONTAINER     Operate on a local container\n"
                 "  --json                      Print JSON (every command that prints)\n"
                 "  --no-pager                  Do not pipe output into a pager\n"
                 "  --no-legend                 Print tables without header and footer\n"
                 "  -q, --quiet                 Only results: no header, footer or notices\n"
                 "  -l, --full                  Do not cut tables to the terminal's width\n"
                 "  --no-ask-password           Do not ask for a password when polkit wants one\n"
                 "  -h, --help                  Show this help\n"
                 "      --version               Show the version\n"
                 "\n"
                 "See sluicectl(1) for the details of each command.\n"));
}

/**
 * ctl_parse_common_options() - parse a verb that only takes --json, --help and the output options
 * @ctl: the context (--json sets ctl->json)
 * @argc: the verb's argc
 * @argv: the verb's argv (argv[0] is the verb)
 * @ret_optind: index of the first positional argument
 *
 * --help prints the help and exits; --no-pager, --no-legend, -q and -l go
 * to ctl->out (ctl_output_parse_option()).
 *
 * Return: 0 or CTL_EXIT_USAGE after printing why.
 */
int ctl_parse_common_options(Ctl *ctl, int argc, char **argv, int *ret_optind) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "json", no_argument, NULL, ARG_JSON },
                { "help", no_argument, NULL, 'h' },
                CTL_OUTPUT_OPTIONS,
                {}
        };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h" CTL_OUTPUT_SHORT_OPTIONS, options, NULL)) >= 0) {
                if (ctl_output_parse_option(&ctl->out, c))
                        continue;
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

/*
 * Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of two neighbours cost 1 each ("lsit" is 1 from "list").
 * Bytes, not characters: verbs are ASCII.
 */
static size_t edit_distance(const char *a, const char *b) {
        size_t n = strlen(a), m = strlen(b);
        g_autofree size_t *d = NULL;

        if (n > 64 || m > 64)
                return SIZE_MAX;
        d = g_new(size_t, (n + 1) * (m + 1));
#define D(i, j) d[(i) * (m + 1) + (j)]
        for (size_t i = 0; i <= n; i++)
                D(i, 0) = i;
        for (size_t j = 0; j <= m; j++)
                D(0, j) = j;
        for (size_t i = 1; i <= n; i++)
                for (size_t j = 1; j <= m; j++) {
                        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
                        size_t v = MIN(MIN(D(i - 1, j) + 1, D(i, j - 1) + 1), D(i - 1, j - 1) + cost);

                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                                v = MIN(v, D(i - 2, j - 2) + 1);
                        D(i, j) = v;
                }
        return D(n, m);
#undef D
}

/*
 * The verb the user probably meant: the one nearest to @name within 2 edits
 * (and fewer than @name's length), or the only verb @name is a prefix of.
 * Hidden verbs (starting with '_') are never suggested.  NULL: no guess.
 */
static const char *nearest_verb(const char *name) {
        const char *best = NULL, *prefixed = NULL;
        size_t best_distance = SIZE_MAX, n_prefixed = 0;

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                size_t dist;

                if (verbs[i].name[0] == '_')
                        continue;
                if (name[0] && g_str_has_prefix(verbs[i].name, name)) {
                        prefixed = verbs[i].name;
                        n_prefixed++;
                }
                dist = edit_distance(name, verbs[i].name);
                if (dist < best_distance) {
                        best_distance = dist;
                        best = verbs[i].name;
                }
        }
        if (best && best_distance <= 2 && best_distance < strlen(name))
                return best;
        return n_prefixed == 1 ? prefixed : NULL;
}

/*
 * A command run here under a lease of another host (-H) or container (-M)
 * would be limited by the other side's limits, which guard the other side's
 * resources, and its guard would hang on an ssh connection: refuse.
 * docs/sluicectl.md "Other hosts and containers" says why.
 */
static bool verb_is_local_only(const CtlVerb *verb) {
        return verb->func == ctl_verb_run || verb->func == ctl_verb_acquire;
}

static void ctl_done(Ctl *ctl) {
        ctl_pager_close(ctl);
        if (ctl->bus)
                ctl->bus = sd_bus_flush_close_unref(ctl->bus);
        ctl_polkit_agent_close(ctl);
}

int main(int argc, char **argv) {
        enum { ARG_BUS_ADDRESS = 0x100, ARG_JSON, ARG_VERSION, ARG_NO_ASK_PASSWORD };
        static const struct option options[] = {
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "host",        required_argument, NULL, 'H' },
                { "machine",     required_argument, NULL, 'M' },
                { "json",        no_argument,       NULL, ARG_JSON },
                { "help",        no_argument,       NULL, 'h' },
                { "version",     no_argument,       NULL, ARG_VERSION },
                { "no-ask-password", no_argument,   NULL, ARG_NO_ASK_PASSWORD },
                CTL_OUTPUT_OPTIONS,
                {}
        };
        _cleanup_(ctl_done) Ctl ctl = {};
        const CtlVerb *verb;
        int c;

        sluice_i18n_init();
        ctl_output_init(&ctl.out);

        /* "+": stop at the verb; the verb parses its own options. */
        while ((c = getopt_long(argc, argv, "+hH:M:" CTL_OUTPUT_SHORT_OPTIONS, options, NULL)) >= 0) {
                if (ctl_output_parse_option(&ctl.out, c))
                        continue;
                switch (c) {
                case ARG_BUS_ADDRESS:
                        ctl.bus_address = optarg;
                        break;
                case 'H':
                        if (!*optarg)
                                return ctl_usage_error(_("invalid --host value: must not be empty"));
                        ctl.host = optarg;
                        break;
                case 'M':
                        if (!*optarg)
                                return ctl_usage_error(_("invalid --machine value: must not be empty"));
                        ctl.machine = optarg;
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
                        printf("sluicectl %s\n", SLUICE_VERSION);
                        return CTL_EXIT_OK;
                default:
                        return ctl_usage_error(_("invalid option"));
                }
        }

        if (!!ctl.bus_address + !!ctl.host + !!ctl.machine > 1)
                return ctl_usage_error(_("--bus-address, --host and --machine exclude each other"));
        /* No polkit agent here can answer for another host or a container. */
        if (ctl.host || ctl.machine)
                ctl.no_ask_password = true;

        if (optind >= argc)
                return ctl_usage_error(_("missing command"));
        verb = find_verb(argv[optind]);
        if (!verb) {
                const char *guess = nearest_verb(argv[optind]);

                if (guess)
                        return ctl_usage_error(_("unknown command \"%s\"; did you mean \"%s\"?"),
                                               argv[optind], guess);
                return ctl_usage_error(_("unknown command \"%s\""), argv[optind]);
        }
        if ((ctl.host || ctl.machine) && verb_is_local_only(verb)) {
                fprintf(stderr, _("sluicectl: \"%s\" cannot be used with --host or --machine: a lease of "
                                  "another system cannot guard a command on this one; run sluicectl "
                                  "there (ssh HOST sluicectl %s …)\n"), verb->name, verb->name);
                return CTL_EXIT_USAGE;
        }

        return verb->func(&ctl, argc - optind, argv + optind);
}

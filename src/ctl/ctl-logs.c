/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "sluicectl logs JOB": a job's output from the journal, through journalctl.
 *
 * The job's stored record (GetJobRecord()) says which journal entries are
 * its own: _SYSTEMD_INVOCATION_ID= of its unit's run, or SLUICE_JOB_ID= (the
 * unit's LogExtraFields, and sluiced's own lines about the job) when it has
 * no invocation yet, or never will (a lease).  journalctl does the rest:
 * -n, -o, --since/--until and the pager are its own, passed through after
 * they were checked here, so that a mistake is said in sluicectl's words
 * and naming the option.
 *
 * -f follows the job: journalctl -f runs as our child while we watch the
 * job's state over the bus; when JobChanged says it is done we let
 * journalctl run a moment longer (CTL_LOGS_FOLLOW_GRACE_USEC: the journal
 * may take in the last lines after the unit ended; and at least
 * CTL_LOGS_FOLLOW_MIN_RUN_USEC after its start) and stop it.  A job done
 * already when we look is no follow: journalctl without -f, which ends.  Ctrl+C
 * (SIGINT to the terminal's process group) ends both of us quietly.
 * docs/sluicectl.md "logs" has the decisions.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "ctl-bus.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"
#include "timestamp.h"

/* How long journalctl -f goes on after the job ended: its last lines may reach the journal late. */
#define CTL_LOGS_FOLLOW_GRACE_USEC (1000 * 1000)
/* ...and never less than this after it was started: it first has to start (over -H: log in) and print. */
#define CTL_LOGS_FOLLOW_MIN_RUN_USEC (3 * 1000 * 1000)

/* journalctl's own -o modes (journalctl(1), systemd 252). */
static const char *const output_modes[] = {
        "short", "short-full", "short-iso", "short-iso-precise", "short-precise", "short-monotonic",
        "short-unix", "with-unit", "verbose", "export", "json", "json-pretty", "json-sse", "json-seq",
        "cat", NULL,
};

typedef struct LogsArgs {
        bool follow;
        const char *lines;              /* -n: a number or "all", NULL: journalctl's default */
        const char *output;             /* -o: one of output_modes */
        char *since;                    /* "@SECONDS.USEC" for journalctl, owned */
        char *until;
        bool no_pager;
        guint64 id;
} LogsArgs;

static void logs_args_clear(LogsArgs *a) {
        g_clear_pointer(&a->since, g_free);
        g_clear_pointer(&a->until, g_free);
}

/* A time of systemd.time(7) as journalctl takes it on any host: "@SECONDS.USEC" (UTC, no spaces). */
static char *time_for_journalctl(const char *text) {
        uint64_t usec;

        if (parse_timestamp(text, (uint64_t) g_get_real_time(), &usec) < 0 || usec == 0)
                return NULL;
        return g_strdup_printf("@%" PRIu64 ".%06" PRIu64, usec / G_USEC_PER_SEC, usec % G_USEC_PER_SEC);
}

static bool is_lines_value(const char *s) {
        guint64 n;

        return g_str_equal(s, "all") || g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT32, &n, NULL);
}

/*
 * -n takes an optional value, as journalctl's: "-n5", "--lines=5", and "-n 5"
 * when 5 is not the only argument that can be the JOB ("logs -n 42" is the
 * last 10 lines of job 42).  Count the arguments that are neither options
 * nor values of options.
 */
static int count_positionals(int argc, char **argv) {
        int n = 0;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (g_str_equal(a, "--")) {
                        n += argc - i - 1;
                        break;
                }
                if (g_str_equal(a, "-o") || g_str_equal(a, "--output") || g_str_equal(a, "--since") ||
                    g_str_equal(a, "--until")) {
                        i++;
                        continue;
                }
                if (a[0] != '-' || a[1] == '\0')
                        n++;
        }
        return n;
}

/* JOB: an id or a job path. */
static bool parse_job_id(const char *arg, guint64 *ret) {
        if (g_str_has_prefix(arg, SLUICE_JOB_PATH_PREFIX))
                arg += strlen(SLUICE_JOB_PATH_PREFIX);
        return g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT64, ret, NULL);
}

/* Return: 0 to go on, or an exit status after printing why (or after --help). */
static int parse_logs_args(Ctl *ctl, int argc, char **argv, LogsArgs *a) {
        enum { ARG_SINCE = 0x100, ARG_UNTIL, ARG_NO_PAGER, ARG_JSON };
        static const struct option options[] = {
                { "follow",   no_argument,       NULL, 'f' },
                { "lines",    optional_argument, NULL, 'n' },
                { "output",   required_argument, NULL, 'o' },
                { "since",    required_argument, NULL, ARG_SINCE },
                { "until",    required_argument, NULL, ARG_UNTIL },
                { "no-pager", no_argument,       NULL, ARG_NO_PAGER },
                { "json",     no_argument,       NULL, ARG_JSON },
                { "help",     no_argument,       NULL, 'h' },
                {}
        };
        int positionals = count_positionals(argc, argv);
        bool json = ctl->json;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "fn::o:h", options, NULL)) >= 0) {
                switch (c) {
                case 'f':
                        a->follow = true;
                        break;
                case 'n':
                        if (optarg)
                                a->lines = optarg;
                        else if (optind < argc && positionals > 1 && is_lines_value(argv[optind])) {
                                a->lines = argv[optind++];
                                positionals--;
                        } else
                                a->lines = "10";
                        if (!is_lines_value(a->lines))
                                return ctl_usage_error(_("invalid --lines value \"%s\": expected a number "
                                                         "or \"all\""), a->lines);
                        break;
                case 'o':
                        if (!g_strv_contains(output_modes, optarg)) {
                                g_autofree char *modes = g_strjoinv(", ", (char **) output_modes);

                                return ctl_usage_error(_("invalid --output value \"%s\": expected one of "
                                                         "journalctl's: %s"), optarg, modes);
                        }
                        a->output = optarg;
                        break;
                case ARG_SINCE:
                case ARG_UNTIL: {
                        char *t = time_for_journalctl(optarg);

                        if (!t)
                                return ctl_usage_error(_("invalid --%s value \"%s\": expected a time as in "
                                                         "systemd.time(7), e.g. \"-2h\", \"yesterday\", "
                                                         "\"2026-12-24 18:00\", \"@1700000000\""),
                                                       c == ARG_SINCE ? "since" : "until", optarg);
                        g_free(c == ARG_SINCE ? a->since : a->until);
                        if (c == ARG_SINCE)
                                a->since = t;
                        else
                                a->until = t;
                        break;
                }
                case ARG_NO_PAGER:
                        a->no_pager = true;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case 'h':
                        ctl_print_help();
                        exit(CTL_EXIT_OK);
                default:
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                }
        }
        if (json) {
                /* JSON Lines, one journal entry per line, as journalctl -o json writes them. */
                if (a->output && !g_str_equal(a->output, "json"))
                        return ctl_usage_error(_("--json and --output=%s exclude each other"), a->output);
                a->output = "json";
        }
        if (!a->output)
                a->output = "short-iso";
        if (argc - optind != 1)
                return ctl_usage_error(_("\"logs\" takes one job (an id or a job path)"));
        if (!parse_job_id(argv[optind], &a->id))
                return ctl_usage_error(_("invalid job \"%s\": expected an id or a job path"), argv[optind]);
        return 0;
}

/* The journalctl command line (argv, NULL-terminated; over -H the ssh one). */
static GPtrArray *journalctl_argv(Ctl *ctl, const LogsArgs *a, const char *match, bool follow) {
        const char *journalctl = g_getenv("SLUICE_JOURNALCTL") ?: "journalctl";
        g_autoptr(GPtrArray) j = g_ptr_array_new_with_free_func(g_free);
        GPtrArray *argv;

        if (ctl->machine) {
                g_ptr_array_add(j, g_strdup("-M"));
                g_ptr_array_add(j, g_strdup(ctl->machine));
        }
        /* journalctl pages on a terminal unless told not to, and never with -f;
         * --no-pager and -q also before the verb (ctl-output.h). */
        if (a->no_pager || ctl->out.no_pager || ctl->host)
                g_ptr_array_add(j, g_strdup("--no-pager"));
        if (ctl->out.quiet)
                g_ptr_array_add(j, g_strdup("--quiet"));
        g_ptr_array_add(j, g_strdup_printf("--output=%s", a->output));
        if (a->lines)
                g_ptr_array_add(j, g_strdup_printf("--lines=%s", a->lines));
        if (a->since)
                g_ptr_array_add(j, g_strdup_printf("--since=%s", a->since));
        if (a->until)
                g_ptr_array_add(j, g_strdup_printf("--until=%s", a->until));
        if (follow)
                g_ptr_array_add(j, g_strdup("--follow"));
        g_ptr_array_add(j, g_strdup(match));

        argv = g_ptr_array_new_with_free_func(g_free);
        if (ctl->host) {
                /* The journal is on that host: its journalctl, through ssh as sd-bus' -H does it.
                 * ssh hands the words to the remote shell: each one quoted. */
                g_autofree char *where = g_strdup(ctl->host);
                char *colon = strrchr(where, ':');

                g_ptr_array_add(argv, g_strdup("ssh"));
                g_ptr_array_add(argv, g_strdup("-xT"));
                if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
                        *colon = '\0';
                        g_ptr_array_add(argv, g_strdup("-p"));
                        g_ptr_array_add(argv, g_strdup(colon + 1));
                }
                g_ptr_array_add(argv, g_strdup("--"));
                g_ptr_array_add(argv, g_strdup(where));
                g_ptr_array_add(argv, g_strdup("journalctl"));
                for (guint i = 0; i < j->len; i++)
                        g_ptr_array_add(argv, g_shell_quote(j->pdata[i]));
        } else {
                g_ptr_array_add(argv, g_strdup(journalctl));
                for (guint i = 0; i < j->len; i++)
                        g_ptr_array_add(argv, g_strdup(j->pdata[i]));
        }
        g_ptr_array_add(argv, NULL);
        return argv;
}

static int exec_journalctl(GPtrArray *argv) {
        const char *prog = argv->pdata[0];

        fflush(stdout);
        execvp(prog, (char **) argv->pdata);
        fprintf(stderr, "sluicectl: %s: %s\n",
                g_str_equal(prog, "ssh") ? _("could not run ssh") : _("could not run journalctl"),
                g_strerror(errno));
        return CTL_EXIT_FAILURE;
}

typedef struct Follow {
        sd_event *event;
        guint64 id;
        pid_t child;                    /* journalctl -f, 0 once reaped */
        sd_event_source *child_source;
        sd_event_source *grace;         /* armed once the job is done */
        uint64_t started_usec;          /* CLOCK_MONOTONIC when journalctl -f was started */
        bool interrupted;
} Follow;

static void follow_clear(Follow *f) {
        f->child_source = sd_event_source_unref(f->child_source);
        f->grace = sd_event_source_unref(f->grace);
        if (f->child > 0) {
                (void) kill(f->child, SIGTERM);
                (void) waitpid(f->child, NULL, 0);
                f->child = 0;
        }
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Follow *f = userdata;

        f->child = 0;
        /* Stopped by us (the job ended, or Ctrl+C): quietly done. */
        if (f->grace || f->interrupted)
                return sd_event_exit(f->event, CTL_EXIT_OK);
        /* journalctl ended on its own (an error it printed): its status. */
        if (si->si_code == CLD_EXITED)
                return sd_event_exit(f->event, si->si_status);
        return sd_event_exit(f->event, si->si_status == SIGINT || si->si_status == SIGPIPE ? CTL_EXIT_OK
                                                                                          : 128 + si->si_status);
}

static int on_grace_over(sd_event_source *s, uint64_t usec, void *userdata) {
        Follow *f = userdata;

        if (f->child > 0)
                (void) kill(f->child, SIGTERM);
        return 0;
}

static void follow_job_done(Follow *f) {
        uint64_t now = 0;

        if (f->grace)
                return;
        (void) sd_event_now(f->event, CLOCK_MONOTONIC, &now);
        if (sd_event_add_time(f->event, &f->grace, CLOCK_MONOTONIC,
                              MAX(now + CTL_LOGS_FOLLOW_GRACE_USEC, f->started_usec + CTL_LOGS_FOLLOW_MIN_RUN_USEC),
                              0, on_grace_over, f) < 0)
                (void) on_grace_over(NULL, 0, f);
}

static int on_job_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Follow *f = userdata;
        const char *path, *state, *result;
        uint64_t id;

        if (sd_bus_message_read(m, "toss", &id, &path, &state, &result) < 0 || id != f->id)
                return 0;
        if (g_str_equal(state, "done"))
                follow_job_done(f);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Follow *f = userdata;

        /* Ctrl+C reached journalctl too (same process group); a kill of ours only us. */
        f->interrupted = true;
        if (f->child > 0)
                (void) kill(f->child, SIGTERM);
        else
                return sd_event_exit(f->event, CTL_EXIT_OK);
        return 0;
}

/* The job's State now; NULL (said why) when it could not be read. */
static char *job_state_now(Ctl *ctl, guint64 id) {
        g_autoptr(GVariant) rec = NULL;
        const char *state = NULL;

        if (ctl_get_job_record(ctl, id, &rec) != 0)
                return NULL;
        if (!g_variant_lookup(rec, "State", "&s", &state))
                state = "";
        return g_strdup(state);
}

/* -f: journalctl -f as our child until the job is done (and a moment more) or Ctrl+C. */
static int follow_job(Ctl *ctl, const LogsArgs *a, const char *match) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *changed_slot = NULL;
        _cleanup_(follow_clear) Follow f = { .id = a->id };
        g_autoptr(GPtrArray) argv = NULL;
        g_autofree char *state = NULL;
        sigset_t mask, saved;
        pid_t pid;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, &saved) < 0)
                return ctl_fail(_("could not block signals"), NULL, -errno);
        r = sd_event_default(&event);
        if (r < 0)
                return ctl_fail(_("could not create an event loop"), NULL, r);
        f.event = event;
        if ((r = sd_event_add_signal(event, NULL, SIGINT, on_signal, &f)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGTERM, on_signal, &f)) < 0)
                return ctl_fail(_("could not watch signals"), NULL, r);
        r = sd_bus_attach_event(ctl->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return ctl_fail(_("could not attach to the event loop"), NULL, r);
        r = sd_bus_match_signal(ctl->bus, &changed_slot, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                SLUICE_MANAGER_IFACE, "JobChanged", on_job_changed, &f);
        if (r < 0)
                return ctl_fail(_("could not subscribe to job changes"), NULL, r);

        /* Subscribed: a job that ended before is seen here, one that ends later by the signal. */
        state = job_state_now(ctl, a->id);
        if (!state)
                return CTL_EXIT_FAILURE;
        if (g_str_equal(state, "done")) {
                /* Nothing more will come: journalctl without -f prints it all and ends by itself. */
                argv = journalctl_argv(ctl, a, match, false);
                (void) sigprocmask(SIG_SETMASK, &saved, NULL);
                return exec_journalctl(argv);
        }

        argv = journalctl_argv(ctl, a, match, true);
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return ctl_fail(_("could not run journalctl"), NULL, -errno);
        if (pid == 0) {
                (void) sigprocmask(SIG_SETMASK, &saved, NULL);
                _exit(exec_journalctl(argv));
        }
        f.child = pid;
        (void) sd_event_now(event, CLOCK_MONOTONIC, &f.started_usec);
        r = sd_event_add_child(event, &f.child_source, pid, WEXITED, on_child_exit, &f);
        if (r < 0)
                return ctl_fail(_("could not run journalctl"), NULL, r);

        r = sd_event_loop(event);
        (void) sd_bus_detach_event(ctl->bus);
        if (r < 0)
                return ctl_fail(_("event loop failed"), NULL, r);
        return r;
}

/**
 * ctl_verb_logs() - "sluicectl logs JOB": the job's output, by journalctl
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * journalctl _SYSTEMD_INVOCATION_ID=<InvocationID> (the job's unit
 * invocation), or SLUICE_JOB_ID=<id> when it has none (a lease job, or a
 * command job whose unit has not started yet), with -o short-iso unless
 * -o/--json says otherwise; -n, --since, --until, --no-pager passed through.
 * A command job that never started (queued, or ended before it ran) has no
 * output: said so, exit 1 (with -f a queued job is followed from its start).
 * -f: see follow_job().  $SLUICE_JOURNALCTL names another journalctl
 * (tests).  With -H the journalctl of that host runs through ssh, with -M
 * journalctl -M MACHINE reads the container's.
 *
 * Return: exit status (journalctl's own when it was exec'd).
 */
int ctl_verb_logs(Ctl *ctl, int argc, char **argv) {
        _cleanup_(logs_args_clear) LogsArgs a = {};
        g_autoptr(GVariant) rec = NULL;
        g_autoptr(GPtrArray) jargv = NULL;
        g_autofree char *match = NULL;
        const char *invocation = "", *kind = "", *state = "", *result = "";
        guint64 started = 0;
        int r;

        r = parse_logs_args(ctl, argc, argv, &a);
        if (r != 0)
                return r;

        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = ctl_get_job_record(ctl, a.id, &rec);
        if (r != 0)
                return r;
        g_variant_lookup(rec, "InvocationID", "&s", &invocation);
        g_variant_lookup(rec, "Kind", "&s", &kind);
        g_variant_lookup(rec, "State", "&s", &state);
        g_variant_lookup(rec, "Result", "&s", &result);
        g_variant_lookup(rec, "StartedAt", "t", &started);

        if (!g_str_equal(kind, "lease") && !invocation[0] && started == 0) {
                if (g_str_equal(state, "done")) {
                        fprintf(stderr, _("sluicectl: job %" PRIu64 " never started (%s): it had no unit "
                                          "and has no output\n"), (uint64_t) a.id, result);
                        return CTL_EXIT_FAILURE;
                }
                if (!a.follow) {
                        fprintf(stderr, _("sluicectl: job %" PRIu64 " has not started yet (%s): no unit, "
                                          "no output; \"sluicectl logs -f %" PRIu64 "\" waits for it\n"),
                                (uint64_t) a.id, state, (uint64_t) a.id);
                        return CTL_EXIT_FAILURE;
                }
        }

        if (invocation[0])
                match = g_strdup_printf("_SYSTEMD_INVOCATION_ID=%s", invocation);
        else
                match = g_strdup_printf("SLUICE_JOB_ID=%" PRIu64, (uint64_t) a.id);

        if (a.follow)
                return follow_job(ctl, &a, match);
        jargv = journalctl_argv(ctl, &a, match, false);
        return exec_journalctl(jargv);
}

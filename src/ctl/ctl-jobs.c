/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verbs about single jobs and the job list: list, show, cancel, wait,
 * release, renew; over finished jobs: history (ListJobs with history=true,
 * one GetJobRecord per row for the duration).  logs: ctl-logs.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"
#include "timestamp.h"

/* ListJobs entry: id, class, state, result, priority, owner, submitted-at, path. */
#define LIST_ENTRY_FORMAT "(t&s&s&siut&o)"

/* The ListJobs() filter a{sv}: "history" only when set, "states" only when
 * there are some, "since"/"limit" only when not 0. */
static int append_jobs_filter(sd_bus_message *m, bool history, char **states, const char *class_name,
                              gint64 owner, guint64 since, guint32 limit) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && history)
                r = sd_bus_message_append(m, "{sv}", "history", "b", 1);
        if (r >= 0 && states && states[0]) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "states");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, states);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0 && class_name)
                r = sd_bus_message_append(m, "{sv}", "class", "s", class_name);
        if (r >= 0 && owner >= 0)
                r = sd_bus_message_append(m, "{sv}", "owner", "u", (uint32_t) owner);
        if (r >= 0 && since > 0)
                r = sd_bus_message_append(m, "{sv}", "since", "t", since);
        if (r >= 0 && limit > 0)
                r = sd_bus_message_append(m, "{sv}", "limit", "u", limit);
        /* history --limit=N: the newest N, as journalctl -n (still printed oldest first) */
        if (r >= 0 && limit > 0 && history)
                r = sd_bus_message_append(m, "{sv}", "newest", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/**
 * ctl_list_jobs() - call ListJobs
 * @ctl: the context (connected on demand)
 * @states: NULL or the states to list
 * @class_name: NULL or the class to list
 * @owner: the owner's uid to list, or -1 for all
 * @limit: at most this many (0: all)
 * @ret: the a(tsssiuto) array (owned)
 *
 * Return: 0 or an exit status after printing why.
 */
static int ctl_list_jobs(Ctl *ctl, char **states, const char *class_name, gint64 owner, guint32 limit,
                         GVariant **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        GVariant *v = NULL;
        int r;

        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs", &m);
        if (r != 0)
                return r;
        r = append_jobs_filter(m, false, states, class_name, owner, 0, limit);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        r = ctl_call_message(ctl, _("could not list jobs"), m, CTL_TIMEOUT_DEFAULT, &reply);
        if (r != 0)
                return r;
        r = ctl_message_read_gvariant(reply, &v);
        if (r == 0)
                r = -EBADMSG;
        if (r < 0)
                return ctl_fail(_("could not list jobs"), NULL, r);
        *ret = g_variant_ref_sink(v);
        if (!g_variant_is_of_type(*ret, G_VARIANT_TYPE("a(tsssiuto)"))) {
                g_clear_pointer(ret, g_variant_unref);
                return ctl_fail(_("could not list jobs"), NULL, -EBADMSG);
        }
        return 0;
}

static void list_print_json(GVariant *jobs) {
        g_auto(CtlJson) j = CTL_JSON_INIT;
        GVariantIter iter;
        const char *class_name, *state, *result, *path;
        guint64 id, submitted;
        gint32 priority;
        guint32 owner;

        ctl_json_begin_array(&j);
        g_variant_iter_init(&iter, jobs);
        while (g_variant_iter_next(&iter, LIST_ENTRY_FORMAT, &id, &class_name, &state, &result,
                                   &priority, &owner, &submitted, &path)) {
                g_autofree char *user = ctl_format_user(owner);

                ctl_json_begin_object(&j);
                ctl_json_key(&j, "Id");
                ctl_json_uint(&j, id);
                ctl_json_key(&j, "Class");
                ctl_json_string(&j, class_name);
                ctl_json_key(&j, "State");
                ctl_json_string(&j, state);
                ctl_json_key(&j, "Result");
                ctl_json_string(&j, result);
                ctl_json_key(&j, "Priority");
                ctl_json_int(&j, priority);
                ctl_json_key(&j, "Owner");
                ctl_json_uint(&j, owner);
                ctl_json_key(&j, "OwnerName");
                ctl_json_string(&j, user);
                ctl_json_key(&j, "SubmittedAt");
                ctl_json_uint(&j, submitted);
                ctl_json_key(&j, "Path");
                ctl_json_string(&j, path);
                ctl_json_end_object(&j);
        }
        ctl_json_end_array(&j);
        printf("%s\n", j.out->str);
}

/*
 * The footer of list and history, unless --no-legend or -q; only on a
 * terminal, so that scripts reading the table as it was before the footer
 * existed see no extra line (docs/sluicectl.md "Output").
 */
static void print_jobs_footer(Ctl *ctl, guint n) {
        if (ctl->out.no_legend || !ctl->out.on_tty)
                return;
        printf("\n");
        printf(dngettext(GETTEXT_PACKAGE, "%u job listed.\n", "%u jobs listed.\n", n), n);
}

static void list_print_table(Ctl *ctl, GVariant *jobs) {
        g_autoptr(CtlTable) t = NULL;
        GVariantIter iter;
        const char *class_name, *state, *result, *path;
        guint64 id, submitted;
        gint32 priority;
        guint32 owner;

        t = ctl_table_new(7, (const char *const[]) {
                        _("ID"), _("CLASS"), _("STATE"), _("RESULT"), _("PRIO"), _("OWNER"),
                        _("SUBMITTED"), NULL });
        ctl_table_set_right_aligned(t, 0);
        ctl_table_set_right_aligned(t, 4);
        ctl_table_set_color(t, 3, ctl_result_color);
        g_variant_iter_init(&iter, jobs);
        while (g_variant_iter_next(&iter, LIST_ENTRY_FORMAT, &id, &class_name, &state, &result,
                                   &priority, &owner, &submitted, &path)) {
                g_autofree char *ids = g_strdup_printf("%" G_GUINT64_FORMAT, id);
                g_autofree char *prio = g_strdup_printf("%" G_GINT32_FORMAT, priority);
                g_autofree char *user = ctl_format_user(owner);
                g_autofree char *when = ctl_format_timestamp(submitted);

                ctl_table_add_row(t, ids, class_name, state, result, prio, user, when);
        }
        if (ctl_table_get_n_rows(t) == 0) {
                if (!ctl->out.quiet)
                        printf(_("No jobs.\n"));
                return;
        }
        ctl_show_table(ctl, t);
        print_jobs_footer(ctl, ctl_table_get_n_rows(t));
}

/* The filter options "list" and "history" share (history also takes --since). */
typedef struct JobFilterArgs {
        GStrv states;
        const char *class_name;
        gint64 owner;           /* --owner= as a uid, -1: everyone's */
        guint64 limit;
        guint64 since;
} JobFilterArgs;

static void job_filter_args_clear(JobFilterArgs *f) {
        g_clear_pointer(&f->states, g_strfreev);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(JobFilterArgs, job_filter_args_clear)

static bool parse_since(const char *text, guint64 *ret);

/* --owner=USER|UID: a uid (digits) or a user name, as a uid. */
static int ctl_parse_owner(const char *value, gint64 *ret) {
        struct passwd *pw;
        guint64 uid;

        if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32 - 1, &uid, NULL)) {
                *ret = (gint64) uid;
                return 0;
        }
        pw = *value ? getpwnam(value) : NULL;
        if (!pw)
                return ctl_usage_error(_("invalid --owner value \"%s\": no such user"), value);
        *ret = pw->pw_uid;
        return 0;
}

/*
 * --state=S[,S…] --class=C --owner=USER|UID --limit=N --json [--since=…]: parsed into @f;
 * argv[0] is the verb, which takes no positional arguments.
 * Return: 0 to go on, -1 after --help (exit 0), or an exit status after printing why.
 */
static int parse_filter_args(Ctl *ctl, int argc, char **argv, bool with_since, JobFilterArgs *f) {
        enum { ARG_STATE = 0x100, ARG_CLASS, ARG_SINCE, ARG_LIMIT, ARG_JSON, ARG_OWNER };
        static const struct option options[] = {
                { "state", required_argument, NULL, ARG_STATE },
                { "class", required_argument, NULL, ARG_CLASS },
                { "owner", required_argument, NULL, ARG_OWNER },
                { "since", required_argument, NULL, ARG_SINCE },
                { "limit", required_argument, NULL, ARG_LIMIT },
                { "json",  no_argument,       NULL, ARG_JSON },
                { "help",  no_argument,       NULL, 'h' },
                CTL_OUTPUT_OPTIONS,
                {}
        };
        g_autoptr(GStrvBuilder) states_builder = g_strv_builder_new();
        int c, r;

        f->owner = -1;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h" CTL_OUTPUT_SHORT_OPTIONS, options, NULL)) >= 0) {
                if (ctl_output_parse_option(&ctl->out, c))
                        continue;
                switch (c) {
                case ARG_OWNER:
                        r = ctl_parse_owner(optarg, &f->owner);
                        if (r != 0)
                                return r;
                        break;
                case ARG_STATE: {
                        g_auto(GStrv) parts = g_strsplit(optarg, ",", -1);
                        for (char **p = parts; *p; p++) {
                                if (!**p)
                                        return ctl_usage_error(_("invalid --state value \"%s\""), optarg);
                                g_strv_builder_add(states_builder, *p);
                        }
                        break;
                }
                case ARG_CLASS:
                        f->class_name = optarg;
                        break;
                case ARG_SINCE:
                        if (!with_since)
                                return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                        if (!parse_since(optarg, &f->since))
                                return ctl_usage_error(_("invalid --since value \"%s\": expected a time as in "
                                                         "systemd.time(7), e.g. \"-2h\", \"yesterday\", "
                                                         "\"2026-12-24 18:00\", \"@1700000000\""), optarg);
                        break;
                case ARG_LIMIT:
                        if (!g_ascii_string_to_unsigned(optarg, 10, 1, G_MAXUINT32, &f->limit, NULL))
                                return ctl_usage_error(_("invalid --limit value \"%s\": expected a number from 1 to %u"),
                                                       optarg, G_MAXUINT32);
                        break;
                case ARG_JSON:
                        ctl->json = true;
                        break;
                case 'h':
                        ctl_print_help();
                        return -1;
                default:
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                }
        }
        if (optind < argc)
                return ctl_usage_error(_("\"%s\" takes no arguments"), argv[0]);
        f->states = g_strv_builder_end(states_builder);
        return 0;
}

/* 0 when @name is in the Classes property, else CTL_EXIT_NO_SUCH after saying so. */
static int check_class_exists(Ctl *ctl, const char *name) {
        g_autoptr(GVariant) props = NULL, classes = NULL;
        GVariantIter iter;
        const char *n;
        int r;

        r = ctl_get_all_properties(ctl, _("could not read the classes"), SLUICE_MANAGER_PATH,
                                   SLUICE_MANAGER_IFACE, &props);
        if (r != 0)
                return r;
        classes = g_variant_lookup_value(props, "Classes", G_VARIANT_TYPE("a(sssu)"));
        if (classes) {
                g_variant_iter_init(&iter, classes);
                while (g_variant_iter_next(&iter, "(&s&s&su)", &n, NULL, NULL, NULL))
                        if (strcmp(n, name) == 0)
                                return 0;
        }
        fprintf(stderr, "sluicectl: %s\n", _("no such class"));
        fprintf(stderr, _("sluicectl: class \"%s\" is not configured (see \"sluicectl status\")\n"), name);
        return CTL_EXIT_NO_SUCH;
}

/**
 * ctl_verb_list() - "sluicectl list [--state=S[,S…]] [--class=C] [--limit=N] [--json]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_list(Ctl *ctl, int argc, char **argv) {
        g_auto(JobFilterArgs) f = {};
        g_autoptr(GVariant) jobs = NULL;
        int r;

        r = parse_filter_args(ctl, argc, argv, false, &f);
        if (r != 0)
                return r < 0 ? CTL_EXIT_OK : r;
        r = ctl_list_jobs(ctl, f.states, f.class_name, f.owner, (guint32) f.limit, &jobs);
        if (r != 0)
                return r;
        /* No job of a class that does not exist is no answer: say so (a class removed
         * by a reload whose jobs are still on the bus lists them as usual). */
        if (f.class_name && g_variant_n_children(jobs) == 0) {
                r = check_class_exists(ctl, f.class_name);
                if (r != 0)
                        return r;
        }
        if (ctl->json)
                list_print_json(jobs);
        else
                list_print_table(ctl, jobs);
        return CTL_EXIT_OK;
}

static bool property_is_time(const char *name, GVariant *value) {
        return g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64) && g_str_has_suffix(name, "At");
}

static void show_print_text(GVariant *props) {
        const char *state = "";
        GVariantIter iter;
        const char *name;
        GVariant *value;

        g_variant_lookup(props, "State", "&s", &state);
        g_variant_iter_init(&iter, props);
        while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
                g_autoptr(GVariant) v = value;
                g_autofree char *text = NULL;

                /* Where a job is in the queue only means something while it is there. */
                if (!g_str_equal(state, "queued") &&
                    (g_str_equal(name, "Position") || g_str_equal(name, "WaitReason")))
                        continue;

                if (property_is_time(name, v))
                        text = ctl_format_timestamp(g_variant_get_uint64(v));
                else if (g_str_equal(name, "Owner") && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
                        g_autofree char *user = ctl_format_user(g_variant_get_uint32(v));
                        text = g_strdup_printf("%s (%u)", user, g_variant_get_uint32(v));
                } else if (g_str_equal(name, "ExitStatus") && g_variant_is_of_type(v, G_VARIANT_TYPE_INT32) &&
                           g_variant_get_int32(v) < 0)
                        text = g_strdup("-");
                else
                        text = ctl_format_variant(v);
                printf("%14s: %s\n", name, text);
        }
}

/*
 * The argument parsing of the verbs that take exactly one JOB: common
 * options, then the job, resolved to its object path.
 */
static int parse_one_job(Ctl *ctl, int argc, char **argv, const char *usage, char **ret_path,
                         const char **ret_arg) {
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (argc - idx != 1)
                return ctl_usage_error("%s", usage);
        *ret_arg = argv[idx];
        return ctl_resolve_job(ctl, argv[idx], ret_path);
}


/*
 * "show ID" of a job no longer on the bus (KeepFinishedSec passed, or sluiced
 * restarted): its stored record from GetJobRecord(), as history and logs see
 * it.  Return: an exit status when it handled the job (shown, or failed
 * saying why), -1 when the job is on the bus (or JOB is no id): show it
 * from its object.
 */
static int show_from_history(Ctl *ctl, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autoptr(GVariant) rec = NULL;
        guint64 id;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (argc - idx != 1 || !g_ascii_string_to_unsigned(argv[idx], 10, 1, G_MAXUINT64, &id, NULL))
                return -1;
        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "t", id);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        r = sd_bus_call(ctl->bus, m, CTL_TIMEOUT_DEFAULT, &error, &reply);
        if (r >= 0 || !sd_bus_error_has_name(&error, SLUICE_BUS_ERROR_NO_SUCH_JOB))
                return -1;      /* on the bus, or another failure the usual path reports */

        r = ctl_get_job_record(ctl, id, &rec);
        if (r != 0)
                return r;
        if (ctl->json)
                ctl_json_print_variant(rec);
        else {
                ctl_pager_open(ctl);
                if (!ctl->out.quiet)
                        printf(_("(job %" PRIu64 " is no longer on the bus: its stored record)\n"), (uint64_t) id);
                show_print_text(rec);
        }
        return CTL_EXIT_OK;
}

/**
 * ctl_verb_show() - "sluicectl show JOB [--json]": every property of a job
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_show(Ctl *ctl, int argc, char **argv) {
        g_autoptr(GVariant) props = NULL;
        g_autofree char *path = NULL, *what = NULL;
        const char *arg;
        int r;

        r = show_from_history(ctl, argc, argv);
        if (r >= 0)
                return r;
        r = parse_one_job(ctl, argc, argv, _("\"show\" needs exactly one JOB"), &path, &arg);
        if (r != 0)
                return r;
        what = g_strdup_printf(_("could not read job %s"), arg);
        r = ctl_get_all_properties(ctl, what, path, SLUICE_JOB_IFACE, &props);
        if (r != 0)
                return r;

        if (ctl->json)
                ctl_json_print_variant(props);
        else {
                ctl_pager_open(ctl);
                show_print_text(props);
        }
        return CTL_EXIT_OK;
}

/**
 * ctl_verb_cancel() - "sluicectl cancel JOB…"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Tries every job even when one fails.
 *
 * Return: exit status (1 when any failed).
 */
int ctl_verb_cancel(Ctl *ctl, int argc, char **argv) {
        int r, idx, ret = CTL_EXIT_OK;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (idx >= argc)
                return ctl_usage_error(_("\"cancel\" needs at least one JOB"));

        for (int i = idx; i < argc; i++) {
                g_autofree char *path = NULL, *what = NULL;

                r = ctl_resolve_job(ctl, argv[i], &path);
                if (r == 0) {
                        what = g_strdup_printf(_("could not cancel job %s"), argv[i]);
                        r = ctl_call(ctl, what, path, SLUICE_JOB_IFACE, "Cancel", NULL, NULL);
                }
                if (r != 0)
                        ret = MAX(ret, r);
        }
        return ret;
}

/**
 * ctl_verb_wait() - "sluicectl wait JOB [--until=started|finished] [--json]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Prints the result (or the state when there is no result yet).
 *
 * Return: 0 when the job succeeded (or, with --until=started, is running
 * or succeeded), 1 otherwise.
 */
int ctl_verb_wait(Ctl *ctl, int argc, char **argv) {
        enum { ARG_UNTIL = 0x100, ARG_JSON };
        static const struct option options[] = {
                { "until", required_argument, NULL, ARG_UNTIL },
                { "json",  no_argument,       NULL, ARG_JSON },
                { "help",  no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        g_autofree char *path = NULL, *what = NULL;
        const char *until = "finished", *state, *result;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_UNTIL:
                        if (!g_str_equal(optarg, "started") && !g_str_equal(optarg, "finished"))
                                return ctl_usage_error(_("invalid --until value \"%s\": expected \"started\" or \"finished\""),
                                                       optarg);
                        until = optarg;
                        break;
                case ARG_JSON:
                        ctl->json = true;
                        break;
                case 'h':
                        ctl_print_help();
                        return CTL_EXIT_OK;
                default:
                        return ctl_usage_error(_("invalid option for \"%s\""), argv[0]);
                }
        }
        if (argc - optind != 1)
                return ctl_usage_error(_("\"wait\" needs exactly one JOB"));

        r = ctl_resolve_job(ctl, argv[optind], &path);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, path, SLUICE_JOB_IFACE, "Wait", &m);
        if (r != 0)
                return r;
        r = sd_bus_message_append(m, "s", until);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        what = g_strdup_printf(_("could not wait for job %s"), argv[optind]);
        /* A deferred reply: it may take hours; sd-bus would give up after 25 s. */
        r = ctl_call_message(ctl, what, m, CTL_TIMEOUT_INFINITE, &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "ss", &state, &result);
        if (r < 0)
                return ctl_fail(what, NULL, r);

        if (ctl->json) {
                g_auto(CtlJson) j = CTL_JSON_INIT;

                ctl_json_begin_object(&j);
                ctl_json_key(&j, "Id");
                ctl_json_uint(&j, ctl_job_id_from_path(path));
                ctl_json_key(&j, "State");
                ctl_json_string(&j, state);
                ctl_json_key(&j, "Result");
                ctl_json_string(&j, result);
                ctl_json_end_object(&j);
                printf("%s\n", j.out->str);
        } else
                printf("%s\n", *result ? result : state);
        if (g_str_equal(result, "success"))
                return CTL_EXIT_OK;
        if (g_str_equal(until, "started") && g_str_equal(state, "running"))
                return CTL_EXIT_OK;
        return CTL_EXIT_FAILURE;
}

/**
 * ctl_verb_release() - "sluicectl release JOB [RESULT]": end a lease
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_release(Ctl *ctl, int argc, char **argv) {
        g_autofree char *path = NULL, *what = NULL;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (argc - idx < 1 || argc - idx > 2)
                return ctl_usage_error(_("\"release\" needs a JOB and optionally a RESULT"));

        r = ctl_resolve_job(ctl, argv[idx], &path);
        if (r != 0)
                return r;
        what = g_strdup_printf(_("could not release job %s"), argv[idx]);
        return ctl_call(ctl, what, path, SLUICE_JOB_IFACE, "Release", NULL, "s",
                        idx + 1 < argc ? argv[idx + 1] : "");
}

/**
 * ctl_verb_renew() - "sluicectl renew JOB": extend a detached lease
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Return: exit status.
 */
int ctl_verb_renew(Ctl *ctl, int argc, char **argv) {
        g_autofree char *path = NULL, *what = NULL;
        const char *arg;
        int r;

        r = parse_one_job(ctl, argc, argv, _("\"renew\" needs exactly one JOB"), &path, &arg);
        if (r != 0)
                return r;
        what = g_strdup_printf(_("could not renew job %s"), arg);
        return ctl_call(ctl, what, path, SLUICE_JOB_IFACE, "Renew", NULL, NULL);
}

/* --since=: a time as in systemd.time(7) ("-2h", "yesterday", "2026-12-24 18:00", "@1700000000"). */
static bool parse_since(const char *text, guint64 *ret) {
        uint64_t usec;

        if (parse_timestamp(text, (uint64_t) g_get_real_time(), &usec) < 0 || usec == 0)
                return false;
        *ret = usec;
        return true;
}

/* GetJobRecord(id) as an a{sv} GVariant (owned); 0 or an exit status after printing why. */
int ctl_get_job_record(Ctl *ctl, guint64 id, GVariant **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autofree char *what = g_strdup_printf(_("could not read job %" PRIu64), (uint64_t) id);
        GVariant *v = NULL;
        int r;

        r = ctl_call(ctl, what, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJobRecord", &reply, "t", id);
        if (r != 0)
                return r;
        r = ctl_message_read_gvariant(reply, &v);
        if (r == 0)
                r = -EBADMSG;
        if (r < 0)
                return ctl_fail(what, NULL, r);
        *ret = g_variant_ref_sink(v);
        if (!g_variant_is_of_type(*ret, G_VARIANT_TYPE("a{sv}"))) {
                g_clear_pointer(ret, g_variant_unref);
                return ctl_fail(what, NULL, -EBADMSG);
        }
        return 0;
}

static guint64 record_u64(GVariant *rec, const char *key) {
        guint64 v = 0;

        g_variant_lookup(rec, key, "t", &v);
        return v;
}

/* How long it ran (0 when it never started). */
static guint64 record_duration(GVariant *rec) {
        guint64 started = record_u64(rec, "StartedAt"), finished = record_u64(rec, "FinishedAt");

        return started > 0 && finished > started ? finished - started : 0;
}

/**
 * ctl_verb_history() - "sluicectl history [--class=C] [--state=S[,S…]] [--since=WHEN] [--limit=N] [--json]"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Finished jobs (--state=done by default), on the bus or only in the
 * history, oldest first, with result, duration and how it ended
 * (ResultDetail: "exit status 7", lease and command jobs alike).
 *
 * Return: exit status.
 */
int ctl_verb_history(Ctl *ctl, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        g_auto(JobFilterArgs) f = {};
        g_autoptr(GVariant) jobs = NULL;
        g_autoptr(CtlTable) t = NULL;
        g_auto(CtlJson) j = CTL_JSON_INIT;
        GVariantIter iter;
        const char *cls, *state, *result, *path;
        guint64 id, submitted;
        gint32 priority;
        guint32 owner;
        GVariant *v = NULL;
        int r;

        r = parse_filter_args(ctl, argc, argv, true, &f);
        if (r != 0)
                return r < 0 ? CTL_EXIT_OK : r;
        if (!f.states[0]) {
                g_strfreev(f.states);
                f.states = g_strsplit("done", ",", -1);
        }

        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ListJobs", &m);
        if (r != 0)
                return r;
        r = append_jobs_filter(m, true, f.states, f.class_name, f.owner, f.since, (guint32) f.limit);
        if (r < 0)
                return ctl_fail(_("could not build a method call"), NULL, r);
        r = ctl_call_message(ctl, _("could not list jobs"), m, CTL_TIMEOUT_DEFAULT, &reply);
        if (r != 0)
                return r;
        r = ctl_message_read_gvariant(reply, &v);
        if (r == 0)
                r = -EBADMSG;
        if (r < 0)
                return ctl_fail(_("could not list jobs"), NULL, r);
        jobs = g_variant_ref_sink(v);
        if (!g_variant_is_of_type(jobs, G_VARIANT_TYPE("a(tsssiuto)")))
                return ctl_fail(_("could not list jobs"), NULL, -EBADMSG);

        t = ctl_table_new(8, (const char *const[]) {
                        _("ID"), _("CLASS"), _("STATE"), _("RESULT"), _("OWNER"), _("SUBMITTED"), _("DURATION"),
                        _("DETAIL"), NULL });
        ctl_table_set_right_aligned(t, 0);
        ctl_table_set_color(t, 3, ctl_result_color);
        ctl_table_set_ellipsize(t, 7);
        ctl_json_begin_array(&j);
        g_variant_iter_init(&iter, jobs);
        while (g_variant_iter_next(&iter, LIST_ENTRY_FORMAT, &id, &cls, &state, &result, &priority, &owner,
                                   &submitted, &path)) {
                g_autoptr(GVariant) rec = NULL;
                g_autofree char *user = ctl_format_user(owner);
                const char *detail = "";
                gint32 exit_status = -1;
                guint64 duration;

                r = ctl_get_job_record(ctl, id, &rec);
                if (r != 0)
                        return r;
                duration = record_duration(rec);
                /* How it ended, for lease and command jobs alike ("exit status 7"). */
                g_variant_lookup(rec, "ResultDetail", "&s", &detail);
                g_variant_lookup(rec, "ExitStatus", "i", &exit_status);
                if (ctl->json) {
                        ctl_json_begin_object(&j);
                        ctl_json_key(&j, "Id");
                        ctl_json_uint(&j, id);
                        ctl_json_key(&j, "Class");
                        ctl_json_string(&j, cls);
                        ctl_json_key(&j, "State");
                        ctl_json_string(&j, state);
                        ctl_json_key(&j, "Result");
                        ctl_json_string(&j, result);
                        ctl_json_key(&j, "ResultDetail");
                        ctl_json_string(&j, detail);
                        ctl_json_key(&j, "ExitStatus");
                        ctl_json_int(&j, exit_status);
                        ctl_json_key(&j, "Owner");
                        ctl_json_uint(&j, owner);
                        ctl_json_key(&j, "OwnerName");
                        ctl_json_string(&j, user);
                        ctl_json_key(&j, "SubmittedAt");
                        ctl_json_uint(&j, submitted);
                        ctl_json_key(&j, "StartedAt");
                        ctl_json_uint(&j, record_u64(rec, "StartedAt"));
                        ctl_json_key(&j, "FinishedAt");
                        ctl_json_uint(&j, record_u64(rec, "FinishedAt"));
                        ctl_json_key(&j, "DurationUSec");
                        ctl_json_uint(&j, duration);
                        ctl_json_key(&j, "OnBus");
                        ctl_json_bool(&j, !g_str_equal(path, "/"));
                        ctl_json_end_object(&j);
                } else {
                        g_autofree char *ids = g_strdup_printf("%" G_GUINT64_FORMAT, id);
                        g_autofree char *when = ctl_format_timestamp(submitted);
                        g_autofree char *took = record_u64(rec, "StartedAt") ? ctl_format_timespan(duration)
                                                                             : g_strdup("-");

                        ctl_table_add_row(t, ids, cls, state, result, user, when, took, detail);
                }
        }
        ctl_json_end_array(&j);
        if (ctl->json)
                printf("%s\n", j.out->str);
        else if (ctl_table_get_n_rows(t) == 0) {
                if (!ctl->out.quiet)
                        printf(_("No jobs.\n"));
        } else {
                ctl_show_table(ctl, t);
                print_jobs_footer(ctl, ctl_table_get_n_rows(t));
        }
        return CTL_EXIT_OK;
}

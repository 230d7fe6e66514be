/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "sluicectl watch": a live view driven by sluiced's signals.
 *
 * On a terminal, every change schedules a redraw of a compact status and
 * the table of queued and running jobs; redraws are coalesced to at most
 * one per CTL_WATCH_REDRAW_USEC.  Otherwise every signal becomes one line
 * with a timestamp, for logs and scripts; with --json one JSON object per
 * line (JSON Lines), each flushed as it is written, on a terminal too.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"

#define CTL_WATCH_REDRAW_USEC (100 * 1000)    /* at most ~10 redraws a second */
#define CTL_WATCH_MAX_WAIT_REASONS 50         /* WaitReason is one call per job */

typedef struct Watch {
        Ctl *ctl;
        sd_event *event;
        bool tty;
        bool json;                      /* --json: JSON Lines, never the redrawn view */
        sd_event_source *redraw;        /* pending coalesced redraw, or NULL */
        uint64_t last_draw;             /* CLOCK_MONOTONIC µs */
} Watch;

static void watch_clear(Watch *w) {
        w->redraw = sd_event_source_unref(w->redraw);
}

static void print_event_line(const char *format, ...) G_GNUC_PRINTF(1, 2);
static void print_event_line(const char *format, ...) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *ts = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
        g_autofree char *text = NULL;
        va_list ap;

        va_start(ap, format);
        text = g_strdup_vprintf(format, ap);
        va_end(ap);
        printf("%s.%03d %s\n", ts, g_date_time_get_microsecond(now) / 1000, text);
        fflush(stdout);
}

/* Start one JSON Lines event: {"Event": @event, "Timestamp": µs since the epoch, … */
static void json_event_begin(CtlJson *j, const char *event) {
        ctl_json_begin_object(j);
        ctl_json_key(j, "Event");
        ctl_json_string(j, event);
        ctl_json_key(j, "Timestamp");
        ctl_json_uint(j, (uint64_t) g_get_real_time());
}

/* …and end it: the object on a line of its own, flushed for the reader on the other end of a pipe. */
static void json_event_end(CtlJson *j) {
        ctl_json_end_object(j);
        printf("%s\n", j->out->str);
        fflush(stdout);
}

static void json_properties_changed(sd_bus_message *m) {
        g_auto(CtlJson) j = CTL_JSON_INIT;
        g_autoptr(GVariant) changed = NULL, invalidated = NULL;
        const char *interface;
        GVariant *v = NULL;

        if (sd_bus_message_read(m, "s", &interface) < 0 || ctl_message_read_gvariant(m, &v) <= 0)
                return;
        changed = g_variant_ref_sink(v);
        if (ctl_message_read_gvariant(m, &v) > 0)
                invalidated = g_variant_ref_sink(v);
        json_event_begin(&j, "PropertiesChanged");
        ctl_json_key(&j, "Interface");
        ctl_json_string(&j, interface);
        ctl_json_key(&j, "Changed");
        ctl_json_variant(&j, changed);
        ctl_json_key(&j, "Invalidated");
        if (invalidated && g_variant_is_of_type(invalidated, G_VARIANT_TYPE_STRING_ARRAY))
                ctl_json_variant(&j, invalidated);
        else {
                ctl_json_begin_array(&j);
                ctl_json_end_array(&j);
        }
        json_event_end(&j);
}

/*
 * The manager's own signals as JSON Lines events named by the signal, their
 * arguments named as in dbus-api.md, in order: one row a signal, "t" an
 * unsigned number, every other type a string.
 */
static const struct {
        const char *member;
        const char *signature;
        const char *keys[4];
} json_signals[] = {
        { "JobNew",        "tos",  { "Id", "Path", "Class" } },
        { "JobChanged",    "toss", { "Id", "Path", "State", "Result" } },
        { "JobRemoved",    "toss", { "Id", "Path", "Class", "Result" } },
        { "Alert",         "sss",  { "Name", "Severity", "Message" } },
        { "ConfigChanged", "",     {} },
};

static void json_manager_signal(sd_bus_message *m) {
        g_auto(CtlJson) j = CTL_JSON_INIT;
        const char *member = sd_bus_message_get_member(m), *path = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(json_signals); i++) {
                const char *sig = json_signals[i].signature;

                if (!g_str_equal(member, json_signals[i].member))
                        continue;
                json_event_begin(&j, member);
                for (size_t k = 0; sig[k]; k++) {
                        uint64_t u;
                        const char *s;

                        ctl_json_key(&j, json_signals[i].keys[k]);
                        if (sig[k] == 't') {
                                if (sd_bus_message_read_basic(m, 't', &u) <= 0)
                                        return;
                                ctl_json_uint(&j, u);
                                continue;
                        }
                        if (sd_bus_message_read_basic(m, sig[k], &s) <= 0)
                                return;
                        ctl_json_string(&j, s);
                        if (sig[k] == 'o')
                                path = s;
                }
                /* A new job's state as it was born, read from its object (null when it is gone already). */
                if (g_str_equal(member, "JobNew")) {
                        _cleanup_free_ char *born = NULL;

                        ctl_json_key(&j, "State");
                        if (sd_bus_get_property_string(sd_bus_message_get_bus(m), SLUICE_BUS_NAME, path,
                                                       SLUICE_JOB_IFACE, "State", NULL, &born) >= 0 && born)
                                ctl_json_string(&j, born);
                        else
                                ctl_json_null(&j);
                }
                json_event_end(&j);
                return;
        }
}

static guint terminal_rows(void) {
        struct winsize ws = {};

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
                return 24;
        return ws.ws_row;
}

static char *wait_reason(Ctl *ctl, const char *path) {
        g_autoptr(GVariant) v = NULL;

        if (ctl_get_property(ctl, _("could not read a job's wait reason"), path, SLUICE_JOB_IFACE,
                             "WaitReason", &v) != 0 ||
            !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
                return g_strdup("");
        return g_variant_dup_string(v, NULL);
}

static void draw(Watch *w) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autoptr(GVariant) props = NULL, jobs = NULL, paused = NULL;
        g_autoptr(CtlTable) t = NULL;
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *ts = g_date_time_format(now, "%H:%M:%S");
        g_autofree char *limit = NULL, *status = NULL, *status_shown = NULL;
        const char *version = "?", *discipline = "?";
        guint32 max_running = 0, queued = 0, running = 0;
        guint rows = terminal_rows(), n_reasons = 0;
        GVariant *v = NULL;
        GVariantIter iter;
        const char *class_name, *state, *result, *path;
        guint64 id, submitted;
        gint32 priority;
        guint32 owner;

        w->last_draw = g_get_monotonic_time();
        printf("\033[H\033[2J");

        if (ctl_get_all_properties(w->ctl, _("could not read the scheduler's status"),
                                   SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, &props) != 0) {
                fflush(stdout);
                return;
        }
        g_variant_lookup(props, "Version", "&s", &version);
        g_variant_lookup(props, "Discipline", "&s", &discipline);
        g_variant_lookup(props, "MaxRunning", "u", &max_running);
        g_variant_lookup(props, "QueuedJobs", "u", &queued);
        g_variant_lookup(props, "RunningJobs", "u", &running);
        paused = g_variant_lookup_value(props, "Paused", G_VARIANT_TYPE_STRING_ARRAY);

        limit = max_running > 0 ? g_strdup_printf("%u", max_running)
                                : g_strdup(ctl_output_infinity(&w->ctl->out));
        status = g_strdup_printf(_("sluiced %s · %s · discipline %s · running %u/%s · queued %u"), version, ts,
                                 discipline, running, limit, queued);
        if (paused && g_variant_n_children(paused) > 0) {
                g_autofree const char **scopes = g_variant_get_strv(paused, NULL);
                g_autofree char *joined = g_strjoinv(", ", (char **) scopes);
                g_autofree char *with = g_strdup_printf(_(" · paused: %s"), *joined ? joined : _("everything"));

                char *both = g_strconcat(status, with, NULL);

                g_free(status);
                status = both;
        }
        status_shown = ctl_output_glyphs(&w->ctl->out, status);
        printf("%s\n\n", status_shown);

        if (ctl_call(w->ctl, _("could not list jobs"), SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                     "ListJobs", &reply, "a{sv}", 1, "states", "as", 2, "running", "queued") != 0 ||
            ctl_message_read_gvariant(reply, &v) <= 0) {
                fflush(stdout);
                return;
        }
        jobs = g_variant_ref_sink(v);
        if (!g_variant_is_of_type(jobs, G_VARIANT_TYPE("a(tsssiuto)")))
                return;

        t = ctl_table_new(7, (const char *const[]) {
                        _("ID"), _("CLASS"), _("STATE"), _("PRIO"), _("OWNER"), _("SUBMITTED"),
                        _("WAITING FOR"), NULL });
        ctl_table_set_right_aligned(t, 0);
        ctl_table_set_right_aligned(t, 3);
        ctl_table_set_ellipsize(t, 6);
        g_variant_iter_init(&iter, jobs);
        while (g_variant_iter_next(&iter, "(t&s&s&siut&o)", &id, &class_name, &state, &result,
                                   &priority, &owner, &submitted, &path)) {
                g_autofree char *ids = g_strdup_printf("%" G_GUINT64_FORMAT, id);
                g_autofree char *prio = g_strdup_printf("%" G_GINT32_FORMAT, priority);
                g_autofree char *user = ctl_format_user(owner);
                g_autofree char *when = ctl_format_timestamp(submitted);
                g_autofree char *reason = NULL;

                if (g_str_equal(state, "queued") && n_reasons++ < CTL_WATCH_MAX_WAIT_REASONS)
                        reason = wait_reason(w->ctl, path);
                ctl_table_add_row(t, ids, class_name, state, prio, user, when, reason);
        }
        if (ctl_table_get_n_rows(t) == 0)
                printf(_("No queued or running jobs.\n"));
        else {
                /* Cut to the terminal's width as it is now (-l: never): a
                 * wrapped line would push the screen out of place. */
                const CtlTableStyle style = {
                        .width = w->ctl->out.full ? 0 : ctl_output_columns(w->ctl->out.on_tty),
                        .colors = w->ctl->out.colors,
                        .header = !w->ctl->out.no_legend,
                        .utf8 = w->ctl->out.utf8,
                };

                ctl_table_print_styled(t, stdout, rows > 6 ? rows - 6 : 1, &style);
        }
        fflush(stdout);
}

static int on_redraw(sd_event_source *s, uint64_t usec, void *userdata) {
        Watch *w = userdata;

        w->redraw = sd_event_source_unref(w->redraw);
        draw(w);
        return 0;
}

/* Coalesce: draw at most once per CTL_WATCH_REDRAW_USEC. */
static void schedule_redraw(Watch *w) {
        uint64_t now, at;

        if (w->redraw)
                return;
        (void) sd_event_now(w->event, CLOCK_MONOTONIC, &now);
        at = MAX(now, (uint64_t) w->last_draw + CTL_WATCH_REDRAW_USEC);
        if (sd_event_add_time(w->event, &w->redraw, CLOCK_MONOTONIC, at, 0, on_redraw, w) < 0)
                draw(w);
}

static void print_properties_changed(sd_bus_message *m) {
        g_autoptr(GVariant) changed = NULL, invalidated = NULL;
        g_autoptr(GString) line = g_string_new("PropertiesChanged");
        const char *interface, *name;
        GVariant *v = NULL, *value;
        GVariantIter iter;

        if (sd_bus_message_read(m, "s", &interface) < 0 ||
            ctl_message_read_gvariant(m, &v) <= 0)
                return;
        changed = g_variant_ref_sink(v);
        if (ctl_message_read_gvariant(m, &v) > 0)
                invalidated = g_variant_ref_sink(v);

        g_variant_iter_init(&iter, changed);
        while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
                g_autoptr(GVariant) owned = value;
                g_autofree char *text = ctl_format_variant(owned);
                g_string_append_printf(line, " %s=%s", name, text);
        }
        if (invalidated && g_variant_is_of_type(invalidated, G_VARIANT_TYPE_STRING_ARRAY)) {
                g_variant_iter_init(&iter, invalidated);
                while (g_variant_iter_next(&iter, "&s", &name))
                        g_string_append_printf(line, " %s", name);
        }
        print_event_line("%s", line->str);
}

static void print_manager_signal(sd_bus_message *m) {
        const char *member = sd_bus_message_get_member(m);
        const char *path, *class_name, *state, *result, *name, *severity, *message;
        uint64_t id;

        if (g_str_equal(member, "JobNew") &&
            sd_bus_message_read(m, "tos", &id, &path, &class_name) >= 0) {
                /* JobNew announces a job in the state it has then: a job granted
                 * at once is born running, with no JobChanged to follow. */
                _cleanup_free_ char *born = NULL;

                if (sd_bus_get_property_string(sd_bus_message_get_bus(m), SLUICE_BUS_NAME, path,
                                               SLUICE_JOB_IFACE, "State", NULL, &born) < 0)
                        born = NULL;
                print_event_line("JobNew %" PRIu64 " %s %s", id, class_name, born ?: "?");
        }
        else if (g_str_equal(member, "JobChanged") &&
                 sd_bus_message_read(m, "toss", &id, &path, &state, &result) >= 0)
                print_event_line("JobChanged %" PRIu64 " %s%s%s", id, state, *result ? " " : "", result);
        else if (g_str_equal(member, "JobRemoved") &&
                 sd_bus_message_read(m, "toss", &id, &path, &class_name, &result) >= 0)
                print_event_line("JobRemoved %" PRIu64 " %s %s", id, class_name, *result ? result : "-");
        else if (g_str_equal(member, "Alert") &&
                 sd_bus_message_read(m, "sss", &name, &severity, &message) >= 0)
                print_event_line("Alert %s %s %s", name, severity, message);
        else if (g_str_equal(member, "ConfigChanged"))
                print_event_line("ConfigChanged");
}

static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        bool props = sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged");

        /* The object manager's InterfacesAdded/Removed say nothing JobNew/JobRemoved do not. */
        if (!props && g_strcmp0(sd_bus_message_get_interface(m), SLUICE_MANAGER_IFACE) != 0)
                return 0;
        if (w->json && props)
                json_properties_changed(m);
        else if (w->json)
                json_manager_signal(m);
        else if (w->tty)
                schedule_redraw(w);
        else if (props)
                print_properties_changed(m);
        else
                print_manager_signal(m);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (w->json) {
                g_auto(CtlJson) j = CTL_JSON_INIT;

                json_event_begin(&j, "NameOwnerChanged");
                ctl_json_key(&j, "OnBus");
                ctl_json_bool(&j, *new_owner);
                json_event_end(&j);
        } else if (w->tty)
                schedule_redraw(w);
        else
                print_event_line(*new_owner ? _("sluiced appeared on the bus") : _("sluiced left the bus"));
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Watch *w = userdata;
        return sd_event_exit(w->event, CTL_EXIT_OK);
}

/**
 * ctl_verb_watch() - "sluicectl watch": follow the scheduler live
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Runs until SIGINT or SIGTERM.  --json: one JSON object per event and
 * line (Event, Timestamp and the signal's arguments), flushed.
 *
 * Return: exit status.
 */
int ctl_verb_watch(Ctl *ctl, int argc, char **argv) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *manager_slot = NULL, *owner_slot = NULL;
        _cleanup_(watch_clear) Watch w = { .ctl = ctl };
        g_autofree char *manager_match = NULL, *owner_match = NULL;
        g_autoptr(GVariant) props = NULL;
        sigset_t mask;
        int r, idx;

        r = ctl_parse_common_options(ctl, argc, argv, &idx);
        if (r != 0)
                return r;
        if (idx < argc)
                return ctl_usage_error(_("\"watch\" takes no arguments"));
        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        w.json = ctl->json;
        w.tty = !w.json && isatty(STDOUT_FILENO);

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return ctl_fail(_("could not block signals"), NULL, -errno);
        r = sd_event_default(&event);
        if (r < 0)
                return ctl_fail(_("could not create an event loop"), NULL, r);
        w.event = event;
        if ((r = sd_event_add_signal(event, NULL, SIGINT, on_exit_signal, &w)) < 0 ||
            (r = sd_event_add_signal(event, NULL, SIGTERM, on_exit_signal, &w)) < 0)
                return ctl_fail(_("could not watch signals"), NULL, r);
        r = sd_bus_attach_event(ctl->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return ctl_fail(_("could not attach to the event loop"), NULL, r);

        /* One match for everything the manager object sends. */
        manager_match = g_strdup_printf("type='signal',sender='%s',path='%s'", SLUICE_BUS_NAME,
                                        SLUICE_MANAGER_PATH);
        r = sd_bus_add_match(ctl->bus, &manager_slot, manager_match, on_manager_signal, &w);
        if (r < 0)
                return ctl_fail(_("could not subscribe to the scheduler's signals"), NULL, r);
        owner_match = g_strdup_printf("type='signal',sender='org.freedesktop.DBus',"
                                      "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                      "member='NameOwnerChanged',arg0='%s'", SLUICE_BUS_NAME);
        r = sd_bus_add_match(ctl->bus, &owner_slot, owner_match, on_owner_changed, &w);
        if (r < 0)
                return ctl_fail(_("could not subscribe to the scheduler's signals"), NULL, r);

        if (w.tty)
                draw(&w);
        else {
                guint32 queued = 0, running = 0;

                /* The first line also tells scripts that the subscriptions are in place. */
                r = ctl_get_all_properties(ctl, _("could not read the scheduler's status"),
                                           SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, &props);
                if (r != 0)
                        return r;
                g_variant_lookup(props, "QueuedJobs", "u", &queued);
                g_variant_lookup(props, "RunningJobs", "u", &running);
                if (w.json) {
                        g_auto(CtlJson) j = CTL_JSON_INIT;

                        json_event_begin(&j, "Watching");
                        ctl_json_key(&j, "RunningJobs");
                        ctl_json_uint(&j, running);
                        ctl_json_key(&j, "QueuedJobs");
                        ctl_json_uint(&j, queued);
                        json_event_end(&j);
                } else
                        print_event_line("Watching RunningJobs=%u QueuedJobs=%u", running, queued);
        }

        r = sd_event_loop(event);
        (void) sd_bus_detach_event(ctl->bus);
        if (r < 0)
                return ctl_fail(_("event loop failed"), NULL, r);
        return r;
}

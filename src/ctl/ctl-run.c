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
 *
 * The lease outlives a restart of sluiced as long as we stay connected
 * (docs/dbus-api.md, "Across a restart of sluiced"): when sluiced leaves the
 * bus we keep guarding the command, and when it is back we check the job,
 * find our queued lease again if our Acquire() went with the old sluiced,
 * or release what was due meanwhile.
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
#include "ctl-guard.h"
#include "ctl-job-options.h"
#include "ctl-json.h"
#include "ctl.h"
#include "i18n.h"
#include "macro.h"

/* How many ended jobs a pending Acquire() remembers (Lease.done_seen). */
#define DONE_SEEN_MAX 32

/* How the command ended, as ReleaseEx() carries it. */
typedef struct LeaseOutcome {
        const char *result;             /* "success", "failed", "cancelled" */
        int exit_status;                /* -1: killed by a signal */
        int signal;                     /* 0: exited */
} LeaseOutcome;

typedef struct Lease {
        Ctl *ctl;
        sd_event *event;                /* borrowed from the loop owner */
        const CtlJobOptions *opts;
        char **cmd;                     /* run: the command; NULL for acquire */
        sigset_t saved_mask;            /* restored in the command */

        sd_bus_slot *acquire_slot;      /* the pending Acquire() */
        sd_bus_slot *changed_slot;      /* JobChanged of the manager */
        sd_bus_slot *owner_slot;        /* NameOwnerChanged of sluiced */

        char *job_path;
        uint64_t job_id;                /* once granted, or found again after a restart of sluiced */
        bool granted;
        bool ended;                     /* released, or ended without us (cancel, TTL) */

        /* Jobs seen ending (JobChanged "done") while our Acquire() was out:
         * its answer may bring one of them (see lease_granted()). */
        uint64_t done_seen[DONE_SEEN_MAX];
        size_t n_done_seen;
        bool done_seen_overflow;        /* more than DONE_SEEN_MAX: ask sluiced instead */

        bool away;                      /* sluiced left the bus and is not back yet */
        bool acquire_lost;              /* our Acquire() went with the old sluiced: find the job again */

        bool release_pending;           /* to release once sluiced is back, then exit */
        LeaseOutcome pending;
        int exit_code;                  /* what we exit with after that release */

        pid_t child;                    /* run: the command's guard (ctl-guard.c), 0 until started */
        sd_event_source *child_source;
        int cancel_signal;              /* SIGINT/SIGTERM seen while the command ran */

        /* --json: how it ended, for the object written at the end (write_json_end()) */
        char *end_result;               /* NULL: not known (sluiced gone with our lease) */
        int end_exit_status;            /* the command's exit status, -1: none */
        int end_signal;                 /* the signal that killed the command, 0: none */
} Lease;

static void lease_clear(Lease *l) {
        l->acquire_slot = sd_bus_slot_unref(l->acquire_slot);
        l->changed_slot = sd_bus_slot_unref(l->changed_slot);
        l->owner_slot = sd_bus_slot_unref(l->owner_slot);
        l->child_source = sd_event_source_unref(l->child_source);
        g_clear_pointer(&l->job_path, g_free);
        g_clear_pointer(&l->end_result, g_free);
}

static void lease_set_end(Lease *l, const char *result, int exit_status, int signal) {
        g_free(l->end_result);
        l->end_result = g_strdup(result);
        l->end_exit_status = exit_status;
        l->end_signal = signal;
}

/* The job as one JSON object: Id, Path, State, and with @end its Result, ExitStatus, Signal. */
static char *lease_json(const Lease *l, bool end) {
        g_auto(CtlJson) j = CTL_JSON_INIT;

        ctl_json_begin_object(&j);
        ctl_json_key(&j, "Id");
        if (l->job_id > 0)
                ctl_json_uint(&j, l->job_id);
        else
                ctl_json_null(&j);
        ctl_json_key(&j, "Path");
        if (l->job_path)
                ctl_json_string(&j, l->job_path);
        else
                ctl_json_null(&j);
        ctl_json_key(&j, "State");
        ctl_json_string(&j, end ? "done" : "running");
        if (end) {
                ctl_json_key(&j, "Result");
                if (l->end_result)
                        ctl_json_string(&j, l->end_result);
                else
                        ctl_json_null(&j);
                ctl_json_key(&j, "ExitStatus");
                if (l->end_exit_status >= 0)
                        ctl_json_int(&j, l->end_exit_status);
                else
                        ctl_json_null(&j);
                ctl_json_key(&j, "Signal");
                if (l->end_signal > 0)
                        ctl_json_int(&j, l->end_signal);
                else
                        ctl_json_null(&j);
        }
        ctl_json_end_object(&j);
        return g_string_free(g_steal_pointer(&j.out), false);
}

static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* The errors that say sluiced is not there to answer (a restart): wait for it, do not give up. */
static bool error_means_away(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                      SD_BUS_ERROR_NAME_HAS_NO_OWNER, SD_BUS_ERROR_DISCONNECTED);
}

static int call_release(Lease *l, const LeaseOutcome *o, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(l->ctl->bus, &m, SLUICE_BUS_NAME, l->job_path, SLUICE_JOB_IFACE,
                                           "ReleaseEx");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", o->result);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && o->signal > 0)
                r = sd_bus_message_append(m, "{sv}", "signal", "i", (int32_t) o->signal);
        else if (r >= 0 && o->exit_status >= 0)
                r = sd_bus_message_append(m, "{sv}", "exit-status", "i", (int32_t) o->exit_status);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_call(l->ctl->bus, m, CTL_TIMEOUT_DEFAULT, error, NULL);
        if (r >= 0 || !sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_METHOD))
                return r;
        /* An older sluiced: the result alone. */
        sd_bus_error_free(error);
        return sd_bus_call_method(l->ctl->bus, SLUICE_BUS_NAME, l->job_path, SLUICE_JOB_IFACE, "Release",
                                  error, NULL, "s", o->result);
}

/* lease_release(): the release waits for sluiced to come back on the bus. */
#define RELEASE_DEFERRED (-1)

/*
 * End the lease ourselves with @o.  Return: 0 released (or nothing to
 * release), RELEASE_DEFERRED until sluiced is back on the bus, or an exit
 * status after printing why it failed.
 */
static int lease_release(Lease *l, const LeaseOutcome *o) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *what = NULL;
        int r;

        if (!l->granted || l->ended)
                return 0;
        if (!l->away) {
                r = call_release(l, o, &error);
                if (r >= 0) {
                        l->ended = true;
                        return 0;
                }
                if (!error_means_away(&error)) {
                        l->ended = true;
                        what = g_strdup_printf(_("could not release job %" PRIu64), l->job_id);
                        return ctl_fail(what, &error, r);
                }
                l->away = true;
        }
        /* The lease outlives a restart of sluiced: release it when it is back. */
        if (!l->release_pending)
                fprintf(stderr, _("sluicectl: sluiced is not on the bus; job %" PRIu64 " will be released (%s) "
                                  "once it is back\n"), l->job_id, o->result);
        l->release_pending = true;
        l->pending = *o;
        return RELEASE_DEFERRED;
}

/*
 * Release, then leave with @code (or stay until sluiced is back to take the
 * release).  run exits with the command's status whatever the release
 * said (it said it on stderr); acquire with the release's.
 */
static int lease_release_and_exit(Lease *l, const LeaseOutcome *o, int code) {
        int r = lease_release(l, o);

        if (r == RELEASE_DEFERRED) {
                l->exit_code = code;
                return 0;
        }
        return sd_event_exit(l->event, l->cmd || r == 0 ? code : r);
}

/*
 * The rule of docs/design.md "Clients": the command was cancelled by its
 * user when it ended other than with success after we saw SIGINT or
 * SIGTERM (we forwarded it, or the terminal sent it to all of us), or when
 * it died of SIGINT/SIGTERM or exited 128+SIGINT/SIGTERM as shells and most
 * tools do when interrupted.  Exit 0 is a success whatever came before: the
 * work was done.
 */
static void outcome_from_siginfo(Lease *l, const siginfo_t *si, LeaseOutcome *o, int *ret_code) {
        bool interrupted = l->cancel_signal != 0;
        sigset_t pending;

        /* A SIGINT from the terminal may still wait in our queue behind the child's exit. */
        if (!interrupted && sigpending(&pending) == 0)
                interrupted = sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1;

        if (si->si_code == CLD_EXITED) {
                int s = si->si_status;

                *o = (LeaseOutcome) { .exit_status = s };
                *ret_code = s;
                if (s == 0)
                        o->result = "success";
                else
                        o->result = interrupted || s == 128 + SIGINT || s == 128 + SIGTERM ? "cancelled" : "failed";
        } else {
                int sig = si->si_status;

                *o = (LeaseOutcome) { .exit_status = -1, .signal = sig };
                *ret_code = 128 + sig;
                o->result = interrupted || sig == SIGINT || sig == SIGTERM ? "cancelled" : "failed";
        }
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Lease *l = userdata;
        LeaseOutcome o;
        int code;

        outcome_from_siginfo(l, si, &o, &code);
        lease_set_end(l, o.result, o.exit_status, o.signal);
        l->child = 0;
        return lease_release_and_exit(l, &o, code);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Lease *l = userdata;
        int sig = (int) si->ssi_signo;

        if (l->child > 0) {
                if (sig == SIGINT || sig == SIGTERM)
                        l->cancel_signal = sig;
                /* A signal from the terminal (Ctrl+C) went to the command's
                 * process group already: do not deliver it twice.  The guard
                 * passes ours on to the command. */
                if (si->ssi_code != SI_KERNEL && (pid_t) si->ssi_pid != l->child)
                        (void) kill(l->child, sig);
                return 0;
        }

        if (sig == SIGUSR1 || sig == SIGUSR2)
                return 0;

        if (l->release_pending)
                /* Told to stop while waiting for sluiced to take the release:
                 * leave; our connection closing ends the lease (abandoned). */
                return sd_event_exit(l->event, l->exit_code);

        if (!l->granted) {
                /* Still queued: leaving closes our connection, and sluiced
                 * abandons the job. */
                lease_set_end(l, "abandoned", -1, 0);
                return sd_event_exit(l->event, 128 + sig);
        }

        /* acquire: holding the lease until told to stop. */
        lease_set_end(l, "success", -1, 0);
        return lease_release_and_exit(l, &(LeaseOutcome) { .result = "success", .exit_status = -1 }, CTL_EXIT_OK);
}

static void lease_lost(Lease *l, const char *result) {
        l->ended = true;
        lease_set_end(l, result, -1, 0);
        if (l->child > 0) {
                fprintf(stderr, _("sluicectl: job %" PRIu64 " ended (%s); stopping the command\n"),
                        l->job_id, result);
                (void) kill(l->child, SIGTERM);
                return;
        }
        fprintf(stderr, _("sluicectl: job %" PRIu64 " ended: %s\n"), l->job_id, result);
        (void) sd_event_exit(l->event, CTL_EXIT_FAILURE);
}

static int spawn_child(Lease *l) {
        g_autofree char *id = g_strdup_printf("SLUICE_JOB_ID=%" PRIu64, l->job_id);
        g_autofree char *path = g_strdup_printf("SLUICE_JOB_PATH=%s", l->job_path);
        char *env[] = { id, path, NULL };
        const CtlGuardCommand cmd = {
                .argv = l->cmd,
                .mask = &l->saved_mask,
                .env = env,
        };
        pid_t pid;
        int r;

        r = ctl_guard_spawn(&cmd, &pid);
        if (r < 0)
                return r;
        l->child = pid;
        return sd_event_add_child(l->event, &l->child_source, pid, WEXITED, on_child_exit, l);
}

/* The job's State: 1 when read, 0 when the job is gone, -1 when it could not be read (said why). */
static int job_state(Lease *l, bool *ret_done, bool *ret_running) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *state;
        int r;

        r = sd_bus_get_property(l->ctl->bus, SLUICE_BUS_NAME, l->job_path, SLUICE_JOB_IFACE, "State",
                                &error, &reply, "s");
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                           SD_BUS_ERROR_UNKNOWN_PROPERTY))
                        return 0;
                (void) ctl_fail(_("could not read the job's state"), &error, r);
                return -1;
        }
        r = sd_bus_message_read(reply, "s", &state);
        if (r < 0) {
                (void) ctl_fail(_("could not read the job's state"), NULL, r);
                return -1;
        }
        *ret_done = g_str_equal(state, "done");
        *ret_running = g_str_equal(state, "running");
        return 1;
}

/*
 * Did the job end before we learned it was ours?  Its JobChanged "done"
 * may have come before the answer that named it, when our JobChanged match
 * could not tell it was ours yet.  From Acquire()'s answer (@from_reply) the
 * jobs seen ending meanwhile say it, without a round trip to sluiced, unless
 * there were too many to remember; otherwise read the job's State.
 */
static bool ended_before_use(Lease *l, bool from_reply) {
        bool done = false, running = false;

        if (from_reply && !l->done_seen_overflow) {
                for (size_t i = 0; i < l->n_done_seen; i++)
                        if (l->done_seen[i] == l->job_id)
                                return true;
                return false;
        }
        return job_state(l, &done, &running) == 1 && done;
}

/* Remember a job seen ending while our Acquire() is out (ended_before_use()). */
static void note_done_seen(Lease *l, uint64_t id) {
        if (l->n_done_seen < DONE_SEEN_MAX)
                l->done_seen[l->n_done_seen++] = id;
        else
                l->done_seen_overflow = true;
}

/*
 * The slot is ours: hold it (acquire) or run the command under it (run).
 * @from_reply: told by Acquire()'s answer (not by a JobChanged or a
 * ListJobs() after a restart of sluiced).
 */
static int lease_granted(Lease *l, bool from_reply) {
        int r;

        l->granted = true;
        if (l->opts->ttl_sec > 0) {
                /* Detached: kept by Renew(), not by our connection. */
                if (l->ctl->json) {
                        g_autofree char *json = lease_json(l, false);

                        printf("%s\n", json);
                } else
                        printf("%" PRIu64 "\n", l->job_id);
                return sd_event_exit(l->event, CTL_EXIT_OK);
        }

        /* It may have ended before our JobChanged match could see it. */
        if (ended_before_use(l, from_reply)) {
                lease_lost(l, _("ended before it could be used"));
                return 0;
        }

        if (!l->cmd) {
                if (l->ctl->json) {
                        g_autofree char *json = lease_json(l, false);

                        printf("%s\n", json);
                } else
                        printf("%" PRIu64 "\n", l->job_id);
                fflush(stdout);
                return 0;
        }

        r = spawn_child(l);
        if (r < 0) {
                (void) ctl_fail(_("could not start the command"), NULL, r);
                lease_set_end(l, "failed", -1, 0);
                return lease_release_and_exit(l, &(LeaseOutcome) { .result = "failed", .exit_status = -1 },
                                              CTL_EXIT_FAILURE);
        }
        return 0;
}

static int on_job_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Lease *l = userdata;
        const char *path, *state, *result;
        uint64_t id;

        if (sd_bus_message_read(m, "toss", &id, &path, &state, &result) < 0)
                return 0;
        if (l->acquire_slot && g_str_equal(state, "done"))
                note_done_seen(l, id);
        if (l->job_id == 0 || l->ended || id != l->job_id)
                return 0;
        if (!l->granted) {
                /* Found again after a restart of sluiced, still queued: its grant comes as a signal. */
                if (l->acquire_slot || l->acquire_lost)
                        return 0;
                if (g_str_equal(state, "running"))
                        return lease_granted(l, false);
                if (g_str_equal(state, "done")) {
                        l->ended = true;
                        lease_set_end(l, result, -1, 0);
                        fprintf(stderr, _("sluicectl: job %" PRIu64 " ended before it was granted: %s\n"),
                                l->job_id, result);
                        return sd_event_exit(l->event, CTL_EXIT_FAILURE);
                }
                return 0;
        }
        if (!g_str_equal(state, "done"))
                return 0;
        lease_lost(l, result);
        return 0;
}

static int send_acquire(Lease *l);

/*
 * After a restart of sluiced: the lease we were queued for when our
 * Acquire() call went with the old sluiced.  sluiced kept it if it had
 * stored it (docs/dbus-api.md, "Across a restart of sluiced"); it is ours
 * when its Submitter is our unique name.  Return: 1 found, 0 not there,
 * -CTL_EXIT_FAILURE after saying why it could not look.
 */
static int find_own_job(Lease *l, bool *ret_running) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *self = NULL, *cls, *state, *result, *path;
        uint64_t id, submitted;
        int32_t priority;
        uint32_t owner;
        int r;

        r = sd_bus_get_unique_name(l->ctl->bus, &self);
        if (r < 0)
                return -ctl_fail(_("could not find the job again"), NULL, r);
        r = sd_bus_message_new_method_call(l->ctl->bus, &m, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                           SLUICE_MANAGER_IFACE, "ListJobs");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 2, "class", "s", l->opts->class_name,
                                          "states", "as", 2, "queued", "running");
        if (r < 0)
                return -ctl_fail(_("could not build a method call"), NULL, r);
        r = sd_bus_call(l->ctl->bus, m, CTL_TIMEOUT_DEFAULT, &error, &reply);
        if (r < 0)
                return -ctl_fail(_("could not find the job again"), &error, r);
        r = sd_bus_message_enter_container(reply, 'a', "(tsssiuto)");
        if (r < 0)
                return -ctl_fail(_("could not find the job again"), NULL, r);
        while ((r = sd_bus_message_read(reply, "(tsssiuto)", &id, &cls, &state, &result, &priority, &owner,
                                        &submitted, &path)) > 0) {
                _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
                g_autofree char *submitter = NULL;

                if (sd_bus_get_property_string(l->ctl->bus, SLUICE_BUS_NAME, path, SLUICE_JOB_IFACE, "Submitter",
                                               &e, &submitter) < 0 ||
                    !g_str_equal(submitter, self))
                        continue;
                g_free(l->job_path);
                l->job_path = g_strdup(path);
                l->job_id = id;
                *ret_running = g_str_equal(state, "running");
                return 1;
        }
        if (r < 0)
                return -ctl_fail(_("could not find the job again"), NULL, r);
        return 0;
}

/* sluiced is on the bus again after a restart: pick up where we were. */
static int lease_resume(Lease *l) {
        bool done = false, running = false;
        int r;

        if (l->release_pending) {
                l->release_pending = false;
                return lease_release_and_exit(l, &l->pending, l->exit_code);
        }

        if (l->granted && !l->ended) {
                r = job_state(l, &done, &running);
                if (r < 0)
                        /* Cannot tell: keep guarding, a JobChanged will say if it ends. */
                        return 0;
                if (r == 0) {
                        lease_lost(l, _("not kept across the restart of sluiced"));
                        return 0;
                }
                if (done) {
                        g_autofree char *result = NULL;

                        (void) sd_bus_get_property_string(l->ctl->bus, SLUICE_BUS_NAME, l->job_path,
                                                          SLUICE_JOB_IFACE, "Result", NULL, &result);
                        lease_lost(l, result ?: _("done"));
                        return 0;
                }
                fprintf(stderr, _("sluicectl: sluiced is back; job %" PRIu64 " is still held\n"), l->job_id);
                return 0;
        }

        if (!l->acquire_lost)
                return 0;
        l->acquire_lost = false;
        r = find_own_job(l, &running);
        if (r < 0)
                return sd_event_exit(l->event, -r);
        if (r == 0) {
                /* Never stored, so never granted: ask again, at the end of the queue. */
                fprintf(stderr, _("sluicectl: sluiced is back without our queued lease; asking again\n"));
                return send_acquire(l);
        }
        if (running)
                return lease_granted(l, false);
        fprintf(stderr, _("sluicectl: sluiced is back; job %" PRIu64 " is still queued\n"), l->job_id);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Lease *l = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (*old_owner && !l->away && !l->ended) {
                l->away = true;
                /* Found again after an earlier restart and still queued: find it again after this one too. */
                if (!l->granted && l->job_id != 0 && !l->acquire_slot)
                        l->acquire_lost = true;
                if (l->granted)
                        /* The lease outlives a restart of sluiced while we stay
                         * connected: the command goes on, still guarded. */
                        fprintf(stderr, _("sluicectl: sluiced left the bus; job %" PRIu64 " stays held, "
                                          "waiting for sluiced to come back\n"), l->job_id);
                else
                        fprintf(stderr, _("sluicectl: sluiced left the bus; waiting for it to come back\n"));
        }
        if (*new_owner && l->away) {
                l->away = false;
                return lease_resume(l);
        }
        return 0;
}

static int on_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Lease *l = userdata;
        g_autofree char *what = NULL;
        const sd_bus_error *e;
        const char *path;
        int r;

        l->acquire_slot = sd_bus_slot_unref(l->acquire_slot);

        if (sd_bus_message_is_method_error(reply, NULL)) {
                e = sd_bus_message_get_error(reply);
                /* Our call went with sluiced (NoReply), or reached the bus
                 * while it was away: the lease may well live on in the next
                 * sluiced; find it there. */
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) || (l->away && error_means_away(e))) {
                        l->acquire_lost = true;
                        if (!l->away)
                                l->away = true;
                        /* Back already (its NameOwnerChanged was read before this reply)? */
                        if (sd_bus_call_method(l->ctl->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                               "org.freedesktop.DBus", "GetNameOwner", NULL, NULL, "s",
                                               SLUICE_BUS_NAME) >= 0) {
                                l->away = false;
                                return lease_resume(l);
                        }
                        return 0;
                }
                what = g_strdup_printf(_("could not acquire a slot of class %s"), l->opts->class_name);
                return sd_event_exit(l->event, ctl_fail(what, e, sd_bus_message_get_errno(reply)));
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0) {
                what = g_strdup_printf(_("could not acquire a slot of class %s"), l->opts->class_name);
                return sd_event_exit(l->event, ctl_fail(what, NULL, r));
        }

        l->job_path = g_strdup(path);
        l->job_id = ctl_job_id_from_path(path);
        return lease_granted(l, true);
}

/* The bus's answer to one of our AddMatch calls: without the match we would miss our lease's end. */
static int on_match_added(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Lease *l = userdata;

        if (!sd_bus_message_is_method_error(reply, NULL))
                return 0;
        return sd_event_exit(l->event, ctl_fail(_("could not subscribe to job changes"),
                                                sd_bus_message_get_error(reply), sd_bus_message_get_errno(reply)));
}

static int send_acquire(Lease *l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_new_method_call(l->ctl, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "Acquire", &m);
        if (r != 0)
                return sd_event_exit(l->event, r);
        r = ctl_job_options_append(l->opts, m);
        if (r < 0)
                return sd_event_exit(l->event, ctl_fail(_("could not build a method call"), NULL, r));
        /* No timeout: the reply comes when the slot is granted. */
        r = sd_bus_call_async(l->ctl->bus, &l->acquire_slot, m, on_acquired, l, CTL_TIMEOUT_INFINITE);
        if (r < 0)
                return sd_event_exit(l->event, ctl_fail(_("could not acquire a slot"), NULL, r));
        return 0;
}

/*
 * --json: the object at the end, once the job is over for us: acquire on
 * stdout, after the one its grant printed; run to @json_file, or to stderr
 * (the command's stdout stays the command's alone: docs/sluicectl.md).
 * Nothing when we never learned the job's id: an error before (it said
 * why), or an interrupt while still queued (Acquire() answers at the grant).
 */
static int write_json_end(const Lease *l, const char *json_file) {
        g_autofree char *json = NULL;
        g_autoptr(GError) error = NULL;
        FILE *out;

        if (l->job_id == 0 || (l->opts->ttl_sec > 0 && l->granted))
                return 0;
        json = lease_json(l, true);
        if (json_file) {
                g_autofree char *text = g_strconcat(json, "\n", NULL);

                if (!g_file_set_contents(json_file, text, -1, &error)) {
                        fprintf(stderr, "sluicectl: %s: %s\n", _("could not write the JSON result"), error->message);
                        return CTL_EXIT_FAILURE;
                }
                return 0;
        }
        out = l->cmd ? stderr : stdout;
        fprintf(out, "%s\n", json);
        fflush(out);
        return 0;
}

static int lease_run(Ctl *ctl, const CtlJobOptions *opts, char **cmd, const char *json_file) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(lease_clear) Lease l = {
                .ctl = ctl,
                .opts = opts,
                .cmd = cmd,
                .end_exit_status = -1,
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

        /* The matches go out without waiting for their answers: the bus
         * handles our messages in order, so both are in force before our
         * Acquire() reaches sluiced, and the Hello, the two AddMatch and the
         * Acquire() leave in one write (docs/benchmarks.md, issue 13). */
        r = sd_bus_match_signal_async(ctl->bus, &l.changed_slot, SLUICE_BUS_NAME, SLUICE_MANAGER_PATH,
                                      SLUICE_MANAGER_IFACE, "JobChanged", on_job_changed, on_match_added, &l);
        if (r < 0)
                return ctl_fail(_("could not subscribe to job changes"), NULL, r);
        owner_match = g_strdup_printf("type='signal',sender='org.freedesktop.DBus',"
                                      "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                      "member='NameOwnerChanged',arg0='%s'", SLUICE_BUS_NAME);
        r = sd_bus_add_match_async(ctl->bus, &l.owner_slot, owner_match, on_owner_changed, on_match_added, &l);
        if (r < 0)
                return ctl_fail(_("could not subscribe to job changes"), NULL, r);

        r = send_acquire(&l);
        if (r < 0)
                return ctl_fail(_("could not acquire a slot"), NULL, r);

        r = sd_event_loop(event);
        if (r < 0)
                return ctl_fail(_("event loop failed"), NULL, r);

        (void) sd_bus_detach_event(ctl->bus);
        if (ctl->json) {
                int w = write_json_end(&l, json_file);

                if (w != 0 && r == 0)
                        r = w;
        }
        return r;
}

/* posix: stop at the first argument that is not an option (run without "--").
 * --json (run: --json=FILE too) sets ctl->json and *ret_json_file. */
static int parse_lease_options(Ctl *ctl, int argc, char **argv, bool run, bool posix, CtlJobOptions *o,
                               int *ret_optind, const char **ret_json_file) {
        enum { ARG_JSON = 0x100 };
        static const struct option acquire_options[] = {
                CTL_JOB_OPTIONS,
                { "json",    no_argument,       NULL, ARG_JSON },
                { "timeout", required_argument, NULL, CTL_ARG_TIMEOUT },
                { "ttl",     required_argument, NULL, CTL_ARG_TTL },
                { "help",    no_argument,       NULL, 'h' },
                {}
        };
        static const struct option run_options[] = {
                CTL_JOB_OPTIONS,
                { "timeout", required_argument, NULL, CTL_ARG_TIMEOUT },
                { "class",   required_argument, NULL, CTL_ARG_CLASS },
                { "json",    optional_argument, NULL, ARG_JSON },
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
                if (c == ARG_JSON) {
                        if (optarg && !*optarg)
                                return ctl_usage_error(_("invalid --json value: the FILE must not be empty"));
                        ctl->json = true;
                        *ret_json_file = optarg;
                        continue;
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
 * SIGINT, SIGTERM or SIGHUP, then releases it with "success"; a restart of
 * sluiced meanwhile does not end it.  With --ttl= the lease is detached:
 * print the id and exit.
 *
 * Return: exit status (128+signal when interrupted while queued).
 */
int ctl_verb_acquire(Ctl *ctl, int argc, char **argv) {
        g_auto(CtlJobOptions) o = {};
        const char *json_file = NULL;
        int r, idx;

        ctl_job_options_init(&o);
        r = parse_lease_options(ctl, argc, argv, false, false, &o, &idx, &json_file);
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
        return lease_run(ctl, &o, NULL, NULL);
}

/**
 * ctl_verb_run() - "sluicectl run --class=CLASS [KEY=VALUE…] -- CMD…"
 * @ctl: the context
 * @argc: verb argc
 * @argv: verb argv
 *
 * Acquires a lease, runs CMD under a guard (ctl-guard.c: nothing of CMD
 * outlives sluicectl or CMD itself) while holding it, forwards
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to it, and releases the
 * lease with CMD's exit status or signal (ReleaseEx) and "success" (exit 0),
 * "cancelled" (interrupted by its user: docs/design.md "Clients") or
 * "failed".  Keeps guarding CMD across a restart of sluiced.  CMD sees
 * SLUICE_JOB_ID and SLUICE_JOB_PATH.
 *
 * Return: CMD's exit status, 128+signal when it was killed, 128+signal
 * when interrupted while queued, 1 or 2 on our own errors.
 */
int ctl_verb_run(Ctl *ctl, int argc, char **argv) {
        g_auto(CtlJobOptions) o = {};
        const char *json_file = NULL;
        int r, idx, dashes = -1;

        /* Everything after "--" is the command, options included. */
        for (int i = 1; i < argc; i++)
                if (g_str_equal(argv[i], "--")) {
                        dashes = i;
                        break;
                }

        ctl_job_options_init(&o);
        r = parse_lease_options(ctl, dashes >= 0 ? dashes : argc, argv, true, dashes < 0, &o, &idx, &json_file);
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
        return lease_run(ctl, &o, argv + idx, json_file);
}

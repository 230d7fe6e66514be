/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job objects (bus-job.h).  Just over 800 lines, one job: the Job
 * interface's vtable, its methods and properties, and the JobLink that ties
 * a Job to the bus; parsing a{sv} options is bus-options.c's, leases are
 * lease.c's.
 */
#include <inttypes.h>
#include <string.h>

#include "bus-access.h"
#include "bus-job.h"
#include "bus-options.h"
#include "errors.h"
#include "i18n.h"
#include "input-bounds.h"
#include "lease.h"
#include "manager-store.h"
#include "sluice-bus-names.h"
#include "unit-props.h"

/**
 * job_object_path() - the object path of a job
 * @id: the job id
 *
 * Return: "/org/sluice/Scheduler1/job/<id>", newly allocated.
 */
char *job_object_path(uint64_t id) {
        char digits[24];
        size_t i = sizeof(digits);

        /* Not g_strdup_printf(): one per job restored at start. */
        digits[--i] = '\0';
        do
                digits[--i] = (char) ('0' + id % 10);
        while ((id /= 10) > 0);
        return g_strconcat(SLUICE_JOB_PATH_PREFIX, digits + i, NULL);
}

/* Pending Wait() calls are counted per caller, so a caller that leaves the
 * bus costs a scan of the jobs only when it had some. */
static void waiting_sender_count(Manager *m, const char *sender, int delta) {
        guint n;

        if (!sender)
                return;
        n = GPOINTER_TO_UINT(g_hash_table_lookup(m->waiting_senders, sender));
        if (delta < 0 && n <= 1)
                g_hash_table_remove(m->waiting_senders, sender);
        else
                g_hash_table_insert(m->waiting_senders, g_strdup(sender), GUINT_TO_POINTER(n + delta));
}

static Waiter *waiter_new(Manager *m, sd_bus_message *call, bool until_finished) {
        Waiter *w = g_new0(Waiter, 1);

        w->manager = m;
        w->call = sd_bus_message_ref(call);
        w->until_finished = until_finished;
        waiting_sender_count(m, sd_bus_message_get_sender(call), +1);
        return w;
}

static void waiter_free(Waiter *w) {
        if (!w)
                return;
        waiting_sender_count(w->manager, sd_bus_message_get_sender(w->call), -1);
        sd_bus_message_unref(w->call);
        g_free(w);
}

/**
 * job_link_new() - the bus-side companion of a new job
 * @m: the manager
 * @job: the job (borrowed; valid until SCHED_EVENT_JOB_REMOVED)
 *
 * Return: the link, also stored in job->userdata.
 */
JobLink *job_link_new(Manager *m, Job *job) {
        JobLink *l = g_new0(JobLink, 1);

        l->manager = m;
        l->id = job->id;
        l->job = job;
        l->path = job_object_path(job->id);
        /* A job restored running (a restart) was logged as started before. */
        l->logged_started_at = job->started_at;
        job->userdata = l;
        return l;
}

/**
 * job_link_free() - drop a link and every deferred reply it still holds
 * @l: the link (may be NULL)
 *
 * Pending calls are dropped without an answer: this only happens when the
 * job is gone or sluiced shuts down, and the caller then sees the
 * disconnect.  Never touches l->job, which may be freed already.
 */
void job_link_free(JobLink *l) {
        if (!l)
                return;
        lease_unbind(l);
        sd_bus_message_unref(l->acquire_call);
        g_clear_pointer(&l->waiters, g_ptr_array_unref);
        g_free(l->path);
        g_free(l);
}

/* Jobs: /org/sluice/Scheduler1/job/<id>, id in canonical decimal. */
static int job_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                    void **found, sd_bus_error *error) {
        Manager *m = userdata;
        const char *p;
        guint64 id;
        JobLink *l;

        if (!g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX))
                return 0;
        p = path + strlen(SLUICE_JOB_PATH_PREFIX);
        if (p[0] == '0' || !g_ascii_string_to_unsigned(p, 10, 1, G_MAXUINT64, &id, NULL))
                return 0;
        l = manager_get_link(m, id);
        if (!l)
                return 0;
        *found = l;
        return 1;
}

static int job_node_enumerator(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
                               sd_bus_error *error) {
        Manager *m = userdata;
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, m->jobs);
        while (g_hash_table_iter_next(&it, NULL, &value))
                g_ptr_array_add(paths, g_strdup(((JobLink *) value)->path));
        g_ptr_array_add(paths, NULL);
        *nodes = (char **) g_ptr_array_free(g_steal_pointer(&paths), false);
        return 1;
}

/* Properties */

#define JOB_FROM(userdata) (((JobLink *) (userdata))->job)

static int prop_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", JOB_FROM(userdata)->id);
}

static int prop_class(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", JOB_FROM(userdata)->class_name ?: "");
}

static int prop_kind(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", job_kind_to_string(JOB_FROM(userdata)->kind));
}

static int prop_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", job_state_to_string(JOB_FROM(userdata)->state));
}

static int prop_result(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", job_result_to_string(JOB_FROM(userdata)->result));
}

static int prop_result_detail(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", JOB_FROM(userdata)->result_detail ?: "");
}

static int prop_priority(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "i", JOB_FROM(userdata)->priority);
}

static int prop_resources(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_strv(reply, JOB_FROM(userdata)->resources ?: (char *[]) { NULL });
}

static int compare_strp(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int prop_parameters(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        GHashTable *params = JOB_FROM(userdata)->parameters;
        g_autofree gpointer *keys = NULL;
        guint n = 0;
        int r;

        if (params) {
                keys = g_hash_table_get_keys_as_array(params, &n);
                qsort(keys, n, sizeof(gpointer), compare_strp);
        }
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{ss}");
        if (r < 0)
                return r;
        for (guint i = 0; i < n; i++) {
                r = sd_bus_message_append(reply, "{ss}", (const char *) keys[i],
                                          (const char *) g_hash_table_lookup(params, keys[i]));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int prop_owner(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", JOB_FROM(userdata)->owner);
}

static int prop_submitter(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", JOB_FROM(userdata)->submitter ?: "");
}

static int prop_description(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", JOB_FROM(userdata)->description ?: "");
}

static int prop_submitted_at(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", JOB_FROM(userdata)->submitted_at);
}

static int prop_started_at(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", JOB_FROM(userdata)->started_at);
}

static int prop_finished_at(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", JOB_FROM(userdata)->finished_at);
}

static int prop_position(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        JobLink *l = userdata;
        unsigned total = 0;

        return sd_bus_message_append(reply, "u", scheduler_job_position(l->manager->scheduler, l->job, &total));
}

static int prop_wait_reason(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        JobLink *l = userdata;
        g_autofree char *reason = scheduler_job_wait_reason(l->manager->scheduler, l->job,
                                                            manager_now(l->manager));

        return sd_bus_message_append(reply, "s", reason ?: "");
}

static int prop_unit(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", JOB_FROM(userdata)->unit ?: "");
}

static int prop_invocation_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", JOB_FROM(userdata)->invocation_id ?: "");
}

static int prop_exit_status(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "i", JOB_FROM(userdata)->exit_status);
}

static int prop_attempt(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", JOB_FROM(userdata)->attempt);
}

static int prop_lease_expires_at(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const Job *j = JOB_FROM(userdata);

        return sd_bus_message_append(reply, "t", j->ttl_usec > 0 ? j->lease_expires_at : 0);
}

/* Methods */

static int method_cancel(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        JobLink *l = userdata;
        Manager *m = l->manager;
        g_autoptr(GError) gerror = NULL;
        int r;

        r = bus_access_check(m, msg, SLUICE_ACTION_MANAGE_JOBS, l->job, l->job->class_name, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (!scheduler_cancel(m->scheduler, l->job, manager_now(m), &gerror))
                return bus_error_from_gerror(error, gerror);
        manager_store_stop_requester(m, l->job, msg);  /* a running command job's stop, in the same commit */
        return manager_hold_reply(m, msg);     /* answered once the cancel is committed */
}

static bool waiter_condition_holds(const Job *j, bool until_finished) {
        return until_finished ? j->state == JOB_STATE_DONE : j->state != JOB_STATE_QUEUED;
}

static int method_wait(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        JobLink *l = userdata;
        const char *until;
        bool finished;
        Waiter *w;
        int r;

        r = sd_bus_message_read(msg, "s", &until);
        if (r < 0)
                return r;
        if (strcmp(until, "finished") == 0)
                finished = true;
        else if (strcmp(until, "started") == 0)
                finished = false;
        else
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("until: \"%s\" is neither \"started\" nor \"finished\""), until);

        if (waiter_condition_holds(l->job, finished))
                return sd_bus_reply_method_return(msg, "ss", job_state_to_string(l->job->state),
                                                  job_result_to_string(l->job->result));

        w = waiter_new(l->manager, msg, finished);
        if (!l->waiters)        /* created on the first Wait(): most jobs never have one */
                l->waiters = g_ptr_array_new_with_free_func((GDestroyNotify) waiter_free);
        g_ptr_array_add(l->waiters, w);
        return 1;
}

/* The result a holder names: "" means success. */
static int release_parse_result(const char *result, JobResult *ret, sd_bus_error *error) {
        if (result[0] == '\0' || strcmp(result, "success") == 0)
                *ret = JOB_RESULT_SUCCESS;
        else if (strcmp(result, "failed") == 0)
                *ret = JOB_RESULT_FAILED;
        else if (strcmp(result, "cancelled") == 0)
                *ret = JOB_RESULT_CANCELLED;
        else
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("result: \"%s\" is not one of success, failed, cancelled"), result);
        return 0;
}

/* What a holder says about its work besides the result: ReleaseEx()'s options. */
typedef struct ReleaseDetails {
        int32_t exit_status;            /* -1: none given */
        int32_t signal;                 /* 0: none given */
        const char *detail;             /* NULL: none given (borrowed from the message) */
} ReleaseDetails;

static int release_parse_options(sd_bus_message *msg, ReleaseDetails *d, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "exit-status") == 0 || strcmp(key, "signal") == 0) {
                        bool is_signal = key[0] == 's';
                        int32_t v;

                        if (!sd_bus_message_verify_type(msg, 'v', "i"))
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("options.%s: expected type i (int32)"), key);
                        r = sd_bus_message_read(msg, "v", "i", &v);
                        if (r < 0)
                                return r;
                        if (is_signal ? (v < 1 || v > 64) : (v < 0 || v > 255))
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("options.%s: %" PRIi32 " is out of range (%d..%d)"),
                                                         key, v, is_signal ? 1 : 0, is_signal ? 64 : 255);
                        if (is_signal)
                                d->signal = v;
                        else
                                d->exit_status = v;
                } else if (strcmp(key, "detail") == 0) {
                        unsigned char c;

                        if (!sd_bus_message_verify_type(msg, 'v', "s"))
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("options.detail: expected type s (string)"));
                        r = sd_bus_message_read(msg, "v", "s", &d->detail);
                        if (r < 0)
                                return r;
                        if (strlen(d->detail) > SLUICE_MAX_DESCRIPTION_BYTES)
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("options.detail: %zu bytes is longer than the limit of %u bytes"),
                                                         strlen(d->detail), SLUICE_MAX_DESCRIPTION_BYTES);
                        c = sluice_text_control_char(d->detail);
                        if (c != 0)
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("options.detail: control character 0x%02x is not allowed"), c);
                } else
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                 _("options: unknown option \"%s\" (known: exit-status, signal, detail)"),
                                                 key);
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        if (d->exit_status >= 0 && d->signal > 0)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("options: exit-status and signal exclude each other (a process either "
                                           "exits or is killed)"));
        return 0;
}

/*
 * Release() and ReleaseEx(): end a granted lease.  Everything is checked
 * before anything changes; ExitStatus and ResultDetail read as a command
 * job's would ("exit status 7", "killed by signal 2 (SIGINT)").
 */
static int release_lease(sd_bus_message *msg, JobLink *l, JobResult res, const ReleaseDetails *d,
                         sd_bus_error *error) {
        Manager *m = l->manager;
        g_autofree char *detail = NULL;
        int32_t exit_status = -1;
        int r;

        if (l->job->kind != JOB_KIND_LEASE)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("job %" PRIu64 " is not a lease: only leases are released"), l->job->id);
        if (l->job->state != JOB_STATE_RUNNING)
                return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_STATE),
                                         _("job %" PRIu64 " is %s, not running: only a granted lease is released"),
                                         l->job->id, job_state_to_string(l->job->state));

        r = bus_access_check(m, msg, SLUICE_ACTION_MANAGE_JOBS, l->job, l->job->class_name, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (d->signal > 0) {
                exit_status = d->signal;
                detail = d->detail ? g_strdup(d->detail) : unit_signal_detail(d->signal, false);
        } else if (d->exit_status >= 0) {
                exit_status = d->exit_status;
                detail = d->detail ? g_strdup(d->detail) : g_strdup_printf(_("exit status %d"), d->exit_status);
        } else
                detail = g_strdup(d->detail ?: _("released by holder"));

        scheduler_job_finished(m->scheduler, l->job, res, exit_status, detail, manager_now(m));
        return manager_hold_reply(m, msg);     /* answered once the release is committed */
}

/* Release(s) and ReleaseEx(sa{sv}): the same call, ReleaseEx with options. */
static int method_release(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        ReleaseDetails d = { .exit_status = -1 };
        const char *result;
        JobResult res = JOB_RESULT_SUCCESS;
        int r;

        r = sd_bus_message_read(msg, "s", &result);
        if (r < 0)
                return r;
        r = release_parse_result(result, &res, error);
        if (r < 0)
                return r;
        if (strcmp(sd_bus_message_get_member(msg), "ReleaseEx") == 0) {
                r = release_parse_options(msg, &d, error);
                if (r < 0)
                        return r;
        }
        return release_lease(msg, userdata, res, &d, error);
}

static int method_renew(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        JobLink *l = userdata;
        Manager *m = l->manager;
        g_autoptr(GError) gerror = NULL;
        int r;

        r = bus_access_check(m, msg, SLUICE_ACTION_MANAGE_JOBS, l->job, l->job->class_name, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (!scheduler_renew(m->scheduler, l->job, manager_now(m), &gerror))
                return bus_error_from_gerror(error, gerror);
        return manager_hold_reply(m, msg);     /* answered once the new expiry is committed */
}

static int method_set_priority(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        JobLink *l = userdata;
        Manager *m = l->manager;
        g_autoptr(GError) gerror = NULL;
        int32_t prio;
        int r;

        r = sd_bus_message_read(msg, "i", &prio);
        if (r < 0)
                return r;
        if (prio < SLUICE_PRIORITY_MIN || prio > SLUICE_PRIORITY_MAX)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("priority: %" PRIi32 " is out of range (%d..%d)"),
                                         prio, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX);
        if (l->job->state == JOB_STATE_DONE)
                return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_STATE),
                                         _("job %" PRIu64 " is done: its priority no longer matters"), l->job->id);

        r = bus_access_check_priority(m, msg, l->job, prio, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (!scheduler_set_priority(m->scheduler, l->job, prio, &gerror))
                return bus_error_from_gerror(error, gerror);
        return manager_hold_reply(m, msg);     /* answered once the priority is committed */
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define CONST SD_BUS_VTABLE_PROPERTY_CONST

/* Exactly dbus/org.sluice.Scheduler1.Job.xml. */
static const sd_bus_vtable job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Cancel", NULL, NULL, method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Wait", SD_BUS_ARGS("s", until), SD_BUS_RESULT("s", state, "s", result),
                                method_wait, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_ARGS("s", result), SD_BUS_NO_RESULT,
                                method_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReleaseEx", SD_BUS_ARGS("s", result, "a{sv}", options), SD_BUS_NO_RESULT,
                                method_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Renew", NULL, NULL, method_renew, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetPriority", SD_BUS_ARGS("i", priority), SD_BUS_NO_RESULT,
                                method_set_priority, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_PROPERTY("Id", "t", prop_id, 0, CONST),
        SD_BUS_PROPERTY("Class", "s", prop_class, 0, CONST),
        SD_BUS_PROPERTY("Kind", "s", prop_kind, 0, CONST),
        SD_BUS_PROPERTY("State", "s", prop_state, 0, EMITS),
        SD_BUS_PROPERTY("Result", "s", prop_result, 0, EMITS),
        SD_BUS_PROPERTY("ResultDetail", "s", prop_result_detail, 0, EMITS),
        SD_BUS_PROPERTY("Priority", "i", prop_priority, 0, EMITS),
        SD_BUS_PROPERTY("Resources", "as", prop_resources, 0, CONST),
        SD_BUS_PROPERTY("Parameters", "a{ss}", prop_parameters, 0, CONST),
        SD_BUS_PROPERTY("Owner", "u", prop_owner, 0, CONST),
        SD_BUS_PROPERTY("Submitter", "s", prop_submitter, 0, CONST),
        SD_BUS_PROPERTY("Description", "s", prop_description, 0, CONST),
        SD_BUS_PROPERTY("SubmittedAt", "t", prop_submitted_at, 0, CONST),
        SD_BUS_PROPERTY("StartedAt", "t", prop_started_at, 0, EMITS),
        SD_BUS_PROPERTY("FinishedAt", "t", prop_finished_at, 0, EMITS),
        SD_BUS_PROPERTY("Position", "u", prop_position, 0, 0),
        SD_BUS_PROPERTY("WaitReason", "s", prop_wait_reason, 0, 0),
        SD_BUS_PROPERTY("Unit", "s", prop_unit, 0, EMITS),
        SD_BUS_PROPERTY("InvocationID", "s", prop_invocation_id, 0, EMITS),
        SD_BUS_PROPERTY("ExitStatus", "i", prop_exit_status, 0, EMITS),
        SD_BUS_PROPERTY("Attempt", "u", prop_attempt, 0, EMITS),
        SD_BUS_PROPERTY("LeaseExpiresAt", "t", prop_lease_expires_at, 0, EMITS),
        SD_BUS_VTABLE_END
};

/**
 * bus_job_register() - put the job objects on the bus
 * @m: the manager
 *
 * One fallback vtable with a find callback and a node enumerator covers every
 * job; the ObjectManager itself sits at the manager path.
 *
 * Return: 0 or a negative errno.
 */
int bus_job_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, SLUICE_JOB_PATH_ROOT, SLUICE_JOB_IFACE,
                                       job_vtable, job_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, SLUICE_JOB_PATH_ROOT, job_node_enumerator, m);
}

static void announce(JobLink *l, bool emit) {
        Manager *m = l->manager;
        int r;

        if (l->announced)
                return;
        l->announced = true;
        l->sent_started_at = l->job->started_at;
        l->sent_finished_at = l->job->finished_at;
        g_queue_remove(&m->announce, l);
        if (emit) {
                log_job(&m->log, LOG_DEBUG, l->job, "queued (owner uid %" PRIu32 ", submitter %s)",
                        l->job->owner, l->job->submitter ?: "-");
                r = sd_bus_emit_interfaces_added(m->bus, l->path, SLUICE_JOB_IFACE, NULL);
                if (r < 0)
                        log_job(&m->log, LOG_WARNING, l->job, "could not emit InterfacesAdded: %s", g_strerror(-r));
                r = sd_bus_emit_signal(m->bus, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "JobNew", "tos",
                                       l->job->id, l->path, l->job->class_name);
                if (r < 0)
                        log_job(&m->log, LOG_WARNING, l->job, "could not emit JobNew: %s", g_strerror(-r));
        }
}

/**
 * bus_job_announce() - InterfacesAdded and JobNew for a new job
 * @l: the job
 *
 * The answer to its Submit() (or the grant of its Acquire()) is a held
 * reply, sent after this by the post step (post-step.c), so a client sees
 * the job's signals before the path.  Announcements are batched
 * once per loop iteration (manager_flush_announce()), after that
 * iteration's dispatch: InterfacesAdded carries Position and WaitReason, and
 * the core computes the queue order they need once for the whole batch
 * instead of once per Submit(); and a job started by that dispatch is born
 * running, which saves the bus the queued->running PropertiesChanged.
 */
void bus_job_announce(JobLink *l) {
        announce(l, true);
}

/**
 * bus_job_announce_quietly() - count a job as announced without signals
 * @l: a job that exists before sluiced owns its bus name
 *
 * Jobs restored from the state store or re-attached to their units at
 * start exist before RequestName: no client can know them yet, and one that
 * follows the name learns them from GetManagedObjects() when the name
 * appears.  InterfacesAdded and JobNew for each would only fill sd-bus's
 * write queue (1 M restored jobs made 2 M signals, and the queue's removal
 * from the front is O(queue length), so the restart was quadratic:
 * docs/benchmarks.md).
 */
void bus_job_announce_quietly(JobLink *l) {
        announce(l, false);
}

/**
 * bus_job_reply_waiters() - answer the Wait() calls whose condition holds
 * @l: the job
 */
void bus_job_reply_waiters(JobLink *l) {
        const Job *j = l->job;

        for (guint i = l->waiters ? l->waiters->len : 0; i > 0; i--) {
                Waiter *w = l->waiters->pdata[i - 1];

                if (!waiter_condition_holds(j, w->until_finished))
                        continue;
                (void) sd_bus_reply_method_return(w->call, "ss", job_state_to_string(j->state),
                                                  job_result_to_string(j->result));
                g_ptr_array_remove_index(l->waiters, i - 1);
        }
}

/**
 * bus_job_forget_waiter() - drop the Wait() calls of a caller that left the bus
 * @m: the manager
 * @unique_name: the caller's unique name
 *
 * Nobody is left to read the answers; without this they would stay until
 * their jobs finish.
 */
void bus_job_forget_waiter(Manager *m, const char *unique_name) {
        GHashTableIter it;
        gpointer value;

        if (!g_hash_table_contains(m->waiting_senders, unique_name))
                return;
        g_hash_table_iter_init(&it, m->jobs);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
                JobLink *l = value;

                for (guint i = l->waiters ? l->waiters->len : 0; i > 0; i--) {
                        Waiter *w = l->waiters->pdata[i - 1];

                        if (g_strcmp0(sd_bus_message_get_sender(w->call), unique_name) == 0)
                                g_ptr_array_remove_index(l->waiters, i - 1);
                }
        }
}

/**
 * bus_job_changed() - bus emissions for a changed job
 * @l: the job
 * @changed: what changed: exactly these properties get PropertiesChanged
 *
 * Also JobChanged on state or result changes, Wait() and Acquire() replies,
 * and the end of the holder binding when the job is done.
 */
void bus_job_changed(JobLink *l, JobChangedMask changed) {
        Manager *m = l->manager;
        const Job *j = l->job;
        const char *names[16];
        size_t n = 0;
        int r;

        /* Each start (attempt) once in the journal, also when the job started
         * before its announcement or ended in the same iteration. */
        if (j->started_at != 0 && j->started_at != l->logged_started_at) {
                l->logged_started_at = j->started_at;
                log_job_event(&m->log, LOG_INFO, j, SLUICE_MESSAGE_JOB_STARTED, "started");
        }

        if (!l->announced) {
                if (j->state != JOB_STATE_DONE) {
                        /* Started in the dispatch that precedes its announcement: the
                         * job is born running.  InterfacesAdded carries State; JobChanged
                         * reports only what changes after JobNew (one bus message less
                         * per Submit: docs/benchmarks.md); the Acquire() grant follows. */
                        if (changed & JOB_CHANGED_STATE)
                                bus_job_reply_waiters(l);
                        manager_schedule_post(m);
                        return;
                }
                /* Done before it was announced: a done job's properties are cheap
                 * to read, announce it now and go on as usual. */
                bus_job_announce(l);
        }

        /* Exactly what changed: the times only when they moved (a job that
         * starts changes StartedAt, one that ends FinishedAt, one whose start
         * failed both). */
        if (changed & JOB_CHANGED_STATE) {
                names[n++] = "State";
                if (j->started_at != l->sent_started_at)
                        names[n++] = "StartedAt";
                if (j->finished_at != l->sent_finished_at)
                        names[n++] = "FinishedAt";
                l->sent_started_at = j->started_at;
                l->sent_finished_at = j->finished_at;
        }
        if (changed & JOB_CHANGED_RESULT) {
                names[n++] = "Result";
                names[n++] = "ResultDetail";
                names[n++] = "ExitStatus";
        }
        if (changed & JOB_CHANGED_PRIORITY)
                names[n++] = "Priority";
        if (changed & JOB_CHANGED_UNIT) {
                names[n++] = "Unit";
                names[n++] = "InvocationID";
        }
        if (changed & JOB_CHANGED_ATTEMPT)
                names[n++] = "Attempt";
        if (changed & JOB_CHANGED_LEASE)
                names[n++] = "LeaseExpiresAt";
        names[n] = NULL;

        if (n > 0) {
                r = sd_bus_emit_properties_changed_strv(m->bus, l->path, SLUICE_JOB_IFACE, (char **) names);
                if (r < 0)
                        log_job(&m->log, LOG_WARNING, j, "could not emit PropertiesChanged: %s", g_strerror(-r));
        }

        if (changed & (JOB_CHANGED_STATE | JOB_CHANGED_RESULT)) {
                r = sd_bus_emit_signal(m->bus, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "JobChanged", "toss",
                                       j->id, l->path, job_state_to_string(j->state), job_result_to_string(j->result));
                if (r < 0)
                        log_job(&m->log, LOG_WARNING, j, "could not emit JobChanged: %s", g_strerror(-r));
        }

        if (changed & JOB_CHANGED_STATE) {
                if (j->state == JOB_STATE_DONE)
                        log_job_event(&m->log, j->result == JOB_RESULT_SUCCESS ? LOG_INFO : LOG_NOTICE, j,
                                      SLUICE_MESSAGE_JOB_FINISHED, "finished: %s%s%s", job_result_to_string(j->result),
                                      j->result_detail ? " — " : "", j->result_detail ?: "");
                bus_job_reply_waiters(l);
        }

        if (j->state == JOB_STATE_DONE) {
                lease_job_done(l);
                lease_unbind(l);
        }
        manager_schedule_post(m);
}

/**
 * bus_job_removed() - the job leaves the bus (it is freed right after)
 * @l: the job
 *
 * InterfacesRemoved goes out while the job can still be found; Wait() calls
 * still pending (there should be none: a removed job is done) fail with
 * NoSuchJob.
 */
void bus_job_removed(JobLink *l) {
        Manager *m = l->manager;
        const Job *j = l->job;
        int r;

        /* Removed before its batch was announced (KeepFinishedSec=0): announce
         * it first, so every InterfacesRemoved has its InterfacesAdded. */
        bus_job_announce(l);

        if (l->announced) {
                r = sd_bus_emit_interfaces_removed(m->bus, l->path, SLUICE_JOB_IFACE, NULL);
                if (r < 0)
                        log_job(&m->log, LOG_WARNING, j, "could not emit InterfacesRemoved: %s", g_strerror(-r));
                r = sd_bus_emit_signal(m->bus, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "JobRemoved", "toss",
                                       j->id, l->path, j->class_name, job_result_to_string(j->result));
                if (r < 0)
                        log_job(&m->log, LOG_WARNING, j, "could not emit JobRemoved: %s", g_strerror(-r));
        }

        for (guint i = 0; l->waiters && i < l->waiters->len; i++) {
                Waiter *w = l->waiters->pdata[i];
                (void) sd_bus_reply_method_errorf(w->call, sluice_error_dbus_name(SLUICE_ERROR_NO_SUCH_JOB),
                                                  _("job %" PRIu64 ": removed"), j->id);
        }
        if (l->waiters)
                g_ptr_array_set_size(l->waiters, 0);
        lease_job_done(l);
        lease_unbind(l);
}

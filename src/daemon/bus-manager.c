/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>

#include "alerts.h"
#include "bus-access.h"
#include "bus-cluster.h"
#include "cluster.h"
#include "bus-config.h"
#include "bus-creds.h"
#include "bus-frontend.h"
#include "bus-job.h"
#include "bus-manager.h"
#include "bus-options.h"
#include "config.h"
#include "errors.h"
#include "i18n.h"
#include "lease.h"
#include "manager-config.h"
#include "manager-store.h"
#include "metrics.h"
#include "schedules.h"
#include "sluice-bus-names.h"
#include "store.h"

static int no_such_job(sd_bus_error *error, uint64_t id) {
        return sd_bus_error_setf(error, sluice_error_dbus_name(SLUICE_ERROR_NO_SUCH_JOB),
                                 _("job %" PRIu64 ": no such job"), id);
}

static int check_name_arg(const char *field, const char *value, sd_bus_error *error) {
        if (value[0] == '\0')
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: must not be empty"), field);
        if (strlen(value) > SLUICE_MAX_STRING_BYTES)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: %zu bytes is longer than the limit of %u bytes"),
                                         field, strlen(value), SLUICE_MAX_STRING_BYTES);
        return 0;
}

/* Submit() and Acquire(): queue a job; Acquire answers when the lease is granted. */
static int submit_or_acquire(sd_bus_message *msg, Manager *m, bool acquire, sd_bus_error *error) {
        g_auto(SubmitOptions) opts = {};
        g_autoptr(GError) gerror = NULL;
        const char *class_name, *sender;
        JobSpec spec;
        JobLink *l;
        Job *job;
        int r;

        r = sd_bus_message_read(msg, "s", &class_name);
        if (r < 0)
                return r;
        r = check_name_arg("class", class_name, error);
        if (r < 0)
                return r;
        r = bus_parse_submit_options(msg, acquire, &opts, error);
        if (r < 0)
                return r;

        /* submit/acquire; run-command for argv or environment (LD_PRELOAD,
         * PATH, ... change what a root job runs); manage-jobs for a priority
         * above the class's or extra resources (bus-access.c). */
        r = bus_access_check_submit(m, msg, acquire, class_name, &opts, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        submit_options_to_spec(&opts, class_name, &spec);
        r = bus_sender_uid(m, msg, &spec.owner);  /* identity from the bus only */
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, _("cannot determine the caller's uid: %s"), g_strerror(-r));
        sender = sd_bus_message_get_sender(msg);
        spec.submitter = sender;

        job = scheduler_submit(m->scheduler, &spec, manager_now(m), &gerror);
        if (!job)
                return bus_error_from_gerror(error, gerror);
        manager_schedule_post(m);
        l = job->userdata;
        g_assert(l);

        /* A lease without ttl-sec lives as long as its holder's connection; a
         * detached one (ttl-sec) only while it waits for the grant: nobody
         * could learn its path once the caller is gone. */
        if (job->kind == JOB_KIND_LEASE && sender && job->state != JOB_STATE_DONE) {
                r = lease_bind(m, l, sender);
                if (r < 0) {
                        log_job(&m->log, LOG_INFO, job, "holder %s is gone already (%s), abandoning",
                                sender, g_strerror(-r));
                        lease_abandon(m, job, manager_now(m));
                        return 1;       /* nobody to answer */
                }
        }

        /* Answered after the commit that stores the job and after its
         * JobNew/InterfacesAdded (held-replies.c; the post step). */
        if (!acquire)
                return manager_hold_submit_reply(m, msg, job->id);

        l->acquire_call = sd_bus_message_ref(msg);
        if (job->state == JOB_STATE_DONE)
                lease_job_done(l);
        return manager_hold_acquire_reply(m, msg, job->id);
}

static int method_submit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return submit_or_acquire(msg, userdata, false, error);
}

static int method_acquire(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return submit_or_acquire(msg, userdata, true, error);
}

static int method_get_job(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint64_t id;
        JobLink *l;
        int r;

        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        l = manager_get_link(m, id);
        if (!l)
                return no_such_job(error, id);
        return sd_bus_reply_method_return(msg, "o", l->path);
}

static int compare_job_id(gconstpointer a, gconstpointer b) {
        const Job *x = *(Job *const *) a, *y = *(Job *const *) b;

        return x->id < y->id ? -1 : x->id > y->id;
}

/* ListJobs(): live jobs (sorted by id) merged with the stored history, one reply. */
typedef struct ListJobsCtx {
        Manager *m;
        const ListFilter *filter;
        sd_bus_message *reply;
        GPtrArray *live;        /* matching jobs on the bus, by id (borrowed) */
        guint next_live;
        uint32_t n;
        int error;              /* first append failure */
        GQueue *tail;           /* filter "newest": the last filter->limit entries (ListEntry*) */
} ListJobsCtx;

/* An entry kept for the "newest" filter: jobs from the store are borrowed for one call only. */
typedef struct ListEntry {
        uint64_t id;
        char *class_name;
        JobState state;
        JobResult result;
        int32_t priority;
        uint32_t owner;
        usec_t submitted_at;
        char *path;
} ListEntry;

static void list_entry_free(ListEntry *e) {
        g_free(e->class_name);
        g_free(e->path);
        g_free(e);
}

/* One entry; false once the limit is reached or appending failed. */
static bool list_append(ListJobsCtx *c, const Job *j, const char *path) {
        int r;

        if (c->tail) {
                /* Keep the newest: ids come in ascending order, the oldest kept goes first. */
                ListEntry *e = g_new0(ListEntry, 1);

                *e = (ListEntry) { j->id, g_strdup(j->class_name), j->state, j->result, j->priority, j->owner,
                                   j->submitted_at, g_strdup(path) };
                g_queue_push_tail(c->tail, e);
                if (c->tail->length > c->filter->limit)
                        list_entry_free(g_queue_pop_head(c->tail));
                return true;
        }
        if (c->error < 0 || c->n >= c->filter->limit)
                return false;
        r = sd_bus_message_append(c->reply, "(tsssiuto)", j->id, j->class_name, job_state_to_string(j->state),
                                  job_result_to_string(j->result), j->priority, j->owner, j->submitted_at, path);
        if (r < 0) {
                c->error = r;
                return false;
        }
        c->n++;
        return true;
}

/* Live jobs with an id below @id (all with UINT64_MAX) go first. */
static bool list_flush_live(ListJobsCtx *c, uint64_t id) {
        while (c->next_live < c->live->len) {
                const Job *j = c->live->pdata[c->next_live];
                JobLink *l = j->userdata;

                if (j->id >= id)
                        break;
                c->next_live++;
                if (!list_append(c, j, l->path))
                        return false;
        }
        return c->error >= 0 && (c->tail || c->n < c->filter->limit);
}

static bool list_history_job(const Job *j, void *userdata) {
        ListJobsCtx *c = userdata;

        if (!list_flush_live(c, j->id))
                return false;
        /* On the bus: the live entry (already sent, or filtered out) is the truth. */
        if (manager_get_link(c->m, j->id))
                return true;
        /* No longer on the bus: no object, so the path is "/" (GetJob() does not know it). */
        return list_append(c, j, "/");
}

static int method_list_jobs(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_auto(ListFilter) filter = {};
        g_autoptr(GPtrArray) jobs = NULL;
        g_autoptr(GPtrArray) live = g_ptr_array_new();
        ListJobsCtx c;
        int r;

        r = bus_parse_list_filter(msg, &filter, error);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(tsssiuto)");
        if (r < 0)
                return r;

        jobs = scheduler_list_jobs(m->scheduler);
        g_ptr_array_sort(jobs, compare_job_id);
        for (guint i = 0; i < jobs->len; i++) {
                const Job *j = jobs->pdata[i];

                if (j->userdata && list_filter_match(&filter, j))
                        g_ptr_array_add(live, jobs->pdata[i]);
        }

        c = (ListJobsCtx) { .m = m, .filter = &filter, .reply = reply, .live = live,
                            .tail = filter.newest ? g_queue_new() : NULL };
        if (filter.history && m->store) {
                g_autoptr(GError) gerror = NULL;
                StoreJobFilter sf = {
                        .states = filter.states,
                        .class_name = filter.class_name,
                        .has_owner = filter.has_owner,
                        .owner = filter.owner,
                        .since = filter.since,
                        .until = filter.until,
                };

                if (!store_foreach_job(m->store, &sf, list_history_job, &c, &gerror)) {
                        if (c.tail)
                                g_queue_free_full(c.tail, (GDestroyNotify) list_entry_free);
                        return sd_bus_error_setf(error, SD_BUS_ERROR_IO_ERROR, "%s", gerror->message);
                }
        }
        (void) list_flush_live(&c, UINT64_MAX);
        if (c.tail) {
                for (GList *l = c.tail->head; l && r >= 0; l = l->next) {
                        const ListEntry *e = l->data;

                        r = sd_bus_message_append(reply, "(tsssiuto)", e->id, e->class_name,
                                                  job_state_to_string(e->state), job_result_to_string(e->result),
                                                  e->priority, e->owner, e->submitted_at, e->path);
                }
                g_queue_free_full(c.tail, (GDestroyNotify) list_entry_free);
                if (r < 0)
                        return r;
        }
        if (c.error < 0)
                return c.error;

        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* GetJobRecord(): the job on the bus, else the stored one. */
static int method_get_job_record(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autoptr(Job) stored = NULL;
        const Job *j;
        JobLink *l;
        uint64_t id;
        int r;

        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        l = manager_get_link(m, id);
        j = l ? l->job : NULL;
        if (!j && m->store) {
                g_autoptr(GError) gerror = NULL;

                if (!store_get_job(m->store, id, &stored, &gerror))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_IO_ERROR, "%s", gerror->message);
                j = stored;
        }
        if (!j)
                return no_such_job(error, id);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "a{sv}", 17,
                                          "Id", "t", j->id,
                                          "Class", "s", j->class_name,
                                          "Kind", "s", job_kind_to_string(j->kind),
                                          "State", "s", job_state_to_string(j->state),
                                          "Result", "s", job_result_to_string(j->result),
                                          "ResultDetail", "s", j->result_detail ?: "",
                                          "Description", "s", j->description ?: "",
                                          "Owner", "u", j->owner,
                                          "Priority", "i", j->priority,
                                          "SubmittedAt", "t", j->submitted_at,
                                          "StartedAt", "t", j->started_at,
                                          "FinishedAt", "t", j->finished_at,
                                          "Unit", "s", j->unit ?: "",
                                          "InvocationID", "s", j->invocation_id ?: "",
                                          "ExitStatus", "i", j->exit_status,
                                          "Attempt", "u", j->attempt,
                                          "OnBus", "b", l != NULL);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_cancel_job(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        g_autoptr(GError) gerror = NULL;
        uint64_t id;
        JobLink *l;
        int r;

        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        l = manager_get_link(m, id);
        if (!l)
                return no_such_job(error, id);

        r = bus_access_check(m, msg, SLUICE_ACTION_MANAGE_JOBS, l->job, l->job->class_name, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (!scheduler_cancel(m->scheduler, l->job, manager_now(m), &gerror))
                return bus_error_from_gerror(error, gerror);
        manager_store_stop_requester(m, l->job, msg);  /* a running command job's stop, in the same commit */
        return manager_hold_reply(m, msg);     /* answered once the cancel is committed */
}

static int pause_or_resume(sd_bus_message *msg, Manager *m, bool pause, sd_bus_error *error) {
        g_autoptr(GError) gerror = NULL;
        g_autofree char *class_name = NULL;
        const char *scope;
        bool ok;
        int r;

        r = sd_bus_message_read(msg, "s", &scope);
        if (r < 0)
                return r;
        if (strlen(scope) > SLUICE_MAX_STRING_BYTES)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("scope: %zu bytes is longer than the limit of %u bytes"),
                                         strlen(scope), SLUICE_MAX_STRING_BYTES);
        if (g_str_has_prefix(scope, "class:"))
                class_name = g_strdup(scope + strlen("class:"));

        r = bus_access_check(m, msg, SLUICE_ACTION_MANAGE_JOBS, NULL, class_name, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        ok = pause ? scheduler_pause(m->scheduler, scope, &gerror) : scheduler_resume(m->scheduler, scope, &gerror);
        if (!ok)
                return bus_error_from_gerror(error, gerror);
        log_full(&m->log, LOG_INFO, "%s %s", pause ? "paused" : "resumed", scope[0] ? scope : "everything");
        manager_mark_dirty(m, MANAGER_PROP_PAUSED);
        return manager_hold_reply(m, msg);     /* answered once the paused scopes are committed */
}

static int method_pause(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return pause_or_resume(msg, userdata, true, error);
}

static int method_resume(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return pause_or_resume(msg, userdata, false, error);
}

static int method_update_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        g_autoptr(GError) gerror = NULL;
        g_autoptr(SluiceConfig) cfg = NULL;
        g_auto(GStrv) keys = NULL, values = NULL;
        const char *section;
        int persist, r;

        r = sd_bus_message_read(msg, "s", &section);
        if (r < 0)
                return r;
        r = check_name_arg("section", section, error);
        if (r < 0)
                return r;
        r = bus_parse_config_settings(msg, &keys, &values, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &persist);
        if (r < 0)
                return r;

        r = bus_access_check(m, msg, SLUICE_ACTION_CONFIGURE, NULL, NULL, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        /* [Cluster] and Scope= need a restart (docs/cluster.md, "Configuration"):
         * not settable, and no other key may change them either (a new
         * [Resource sync:b] under a cluster-scoped [Resource sync:*]). */
        for (size_t i = 0; keys && keys[i] && !gerror; i++)
                (void) sluice_config_check_runtime_key(section, keys[i], &gerror);
        if (!gerror)
                cfg = sluice_config_update(scheduler_get_config(m->scheduler), section,
                                           (const char *const *) keys, (const char *const *) values, &gerror);
        if (cfg && !sluice_config_check_runtime_change(scheduler_get_config(m->scheduler), cfg, &gerror))
                g_clear_pointer(&cfg, sluice_config_unref);
        if (!cfg) {
                log_full(&m->log, LOG_NOTICE, "refused UpdateConfig(%s): %s", section, gerror->message);
                if (gerror->domain == SLUICE_ERROR && gerror->code == SLUICE_ERROR_INVALID_CONFIG)
                        return bus_error_from_gerror(error, gerror);
                return sd_bus_error_set(error, sluice_error_dbus_name(SLUICE_ERROR_INVALID_CONFIG), gerror->message);
        }
        /* Stored first: an override that could not be kept is not applied either. */
        if (persist && !manager_store_put_overrides(m, section, (const char *const *) keys,
                                                    (const char *const *) values, &gerror)) {
                log_full(&m->log, LOG_ERR, "refused UpdateConfig(%s, persist): %s", section, gerror->message);
                if (gerror->domain == SLUICE_ERROR)
                        return bus_error_from_gerror(error, gerror);
                return sd_bus_error_set(error, SD_BUS_ERROR_IO_ERROR, gerror->message);
        }
        log_full(&m->log, LOG_INFO, "configuration section [%s] updated at run time%s", section,
                 persist ? " and stored" : "");
        /* Kept as overrides: Reload() puts them on top of the files again (manager-config.c). */
        manager_config_record_update(m, section, (const char *const *) keys, (const char *const *) values,
                                     persist);
        g_clear_pointer(&cfg, sluice_config_unref);
        cfg = manager_config_build(m);
        manager_apply_config(m, cfg);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        g_autoptr(GError) gerror = NULL;
        int r;

        r = bus_access_check(m, msg, SLUICE_ACTION_CONFIGURE, NULL, NULL, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (!manager_reload(m, &gerror))
                return bus_error_from_gerror(error, gerror);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_trigger_schedule(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_access_check(m, msg, SLUICE_ACTION_CONFIGURE, NULL, NULL, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        return schedules_method_trigger(m, msg, name, error);
}

/* Properties */

static int prop_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", SLUICE_VERSION);
}

static int prop_discipline(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", discipline_to_string(scheduler_get_config(m->scheduler)->discipline));
}

static int prop_max_running(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u", scheduler_get_config(m->scheduler)->max_running);
}

static int prop_paused(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        g_auto(GStrv) scopes = scheduler_paused_scopes(m->scheduler);

        return sd_bus_message_append_strv(reply, scopes ?: (char *[]) { NULL });
}

static int prop_queued_jobs(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u", scheduler_n_queued(m->scheduler));
}

static int prop_running_jobs(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u", scheduler_n_running(m->scheduler));
}

static int prop_classes(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const SluiceConfig *cfg = scheduler_get_config(m->scheduler);
        g_auto(GStrv) names = sluice_config_class_names(cfg);
        int r;

        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(sssu)");
        if (r < 0)
                return r;
        for (size_t i = 0; names && names[i]; i++) {
                const ClassConfig *c = sluice_config_get_class(cfg, names[i]);

                if (!c)
                        continue;
                r = sd_bus_message_append(reply, "(sssu)", c->name, job_kind_to_string(c->kind),
                                          c->description ?: "", c->max_running);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int prop_schedules(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return schedules_append_property(userdata, reply);
}

static int prop_alerts(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return alerts_append_property(userdata, reply);
}

static int prop_cluster(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return bus_cluster_append_property(userdata, reply);
}

static int prop_cluster_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return bus_cluster_append_state(userdata, reply);
}

static int prop_statistics(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return metrics_append_statistics(userdata, reply);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define CONST SD_BUS_VTABLE_PROPERTY_CONST

/* Exactly dbus/org.sluice.Scheduler1.xml. */
static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Submit", SD_BUS_ARGS("s", class, "a{sv}", options), SD_BUS_RESULT("o", job),
                                method_submit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Acquire", SD_BUS_ARGS("s", class, "a{sv}", options), SD_BUS_RESULT("o", job),
                                method_acquire, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetJob", SD_BUS_ARGS("t", id), SD_BUS_RESULT("o", job),
                                method_get_job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListJobs", SD_BUS_ARGS("a{sv}", filter), SD_BUS_RESULT("a(tsssiuto)", jobs),
                                method_list_jobs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetJobRecord", SD_BUS_ARGS("t", id), SD_BUS_RESULT("a{sv}", record),
                                method_get_job_record, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CancelJob", SD_BUS_ARGS("t", id), SD_BUS_NO_RESULT,
                                method_cancel_job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Pause", SD_BUS_ARGS("s", scope), SD_BUS_NO_RESULT,
                                method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Resume", SD_BUS_ARGS("s", scope), SD_BUS_NO_RESULT,
                                method_resume, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UpdateConfig", SD_BUS_ARGS("s", section, "a{sv}", settings, "b", persist),
                                SD_BUS_NO_RESULT, method_update_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", NULL, NULL, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetConfig", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sssss)", entries),
                                bus_config_method_get_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UnsetConfig", SD_BUS_ARGS("s", section, "as", keys, "b", persist),
                                SD_BUS_NO_RESULT, bus_config_method_unset_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TriggerSchedule", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", job),
                                method_trigger_schedule, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPermissions", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{ss}", permissions),
                                bus_frontend_method_get_permissions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPermissionsFor", SD_BUS_ARGS("a{ss}", details), SD_BUS_RESULT("a{ss}", permissions),
                                bus_frontend_method_get_permissions_for, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_PROPERTY("Version", "s", prop_version, 0, CONST),
        SD_BUS_PROPERTY("Discipline", "s", prop_discipline, 0, EMITS),
        SD_BUS_PROPERTY("MaxRunning", "u", prop_max_running, 0, EMITS),
        SD_BUS_PROPERTY("Paused", "as", prop_paused, 0, EMITS),
        SD_BUS_PROPERTY("QueuedJobs", "u", prop_queued_jobs, 0, EMITS),
        SD_BUS_PROPERTY("RunningJobs", "u", prop_running_jobs, 0, EMITS),
        SD_BUS_PROPERTY("Classes", "a(sssu)", prop_classes, 0, EMITS),
        SD_BUS_PROPERTY("ClassDetails", "a{sa{sv}}", bus_frontend_prop_class_details, 0, EMITS),
        SD_BUS_PROPERTY("Limits", "a(ssuuu)", bus_frontend_prop_limits, 0, EMITS),
        SD_BUS_PROPERTY("MaxRunningPerUser", "u", bus_frontend_prop_max_running_per_user, 0, EMITS),
        SD_BUS_PROPERTY("MaxQueuedPerUser", "u", bus_frontend_prop_max_queued_per_user, 0, EMITS),
        SD_BUS_PROPERTY("Schedules", "a(ssttts)", prop_schedules, 0, EMITS),
        SD_BUS_PROPERTY("Alerts", "a(ssst)", prop_alerts, 0, EMITS),
        SD_BUS_PROPERTY("Statistics", "a{sv}", prop_statistics, 0, 0),
        SD_BUS_PROPERTY("Cluster", "a(suuua(stt))", prop_cluster, 0, EMITS),
        SD_BUS_PROPERTY("ClusterState", "s", prop_cluster_state, 0, EMITS),

        SD_BUS_SIGNAL_WITH_ARGS("JobNew", SD_BUS_ARGS("t", id, "o", job, "s", class), 0),
        SD_BUS_SIGNAL_WITH_ARGS("JobChanged", SD_BUS_ARGS("t", id, "o", job, "s", state, "s", result), 0),
        SD_BUS_SIGNAL_WITH_ARGS("JobRemoved", SD_BUS_ARGS("t", id, "o", job, "s", class, "s", result), 0),
        SD_BUS_SIGNAL_WITH_ARGS("Alert", SD_BUS_ARGS("s", name, "s", severity, "s", message), 0),
        SD_BUS_SIGNAL("ConfigChanged", NULL, 0),
        SD_BUS_VTABLE_END
};

/**
 * bus_manager_register() - put the manager object and the ObjectManager on the bus
 * @m: the manager
 *
 * Return: 0 or a negative errno.
 */
int bus_manager_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                                     manager_vtable, m);
        if (r < 0)
                return r;
        return sd_bus_add_object_manager(m->bus, NULL, SLUICE_MANAGER_PATH);
}

/**
 * bus_manager_emit_changed() - one PropertiesChanged for the manager properties in @mask
 * @m: the manager
 * @mask: the changed properties
 *
 * Return: 0 or a negative errno.
 */
int bus_manager_emit_changed(Manager *m, ManagerPropMask mask) {
        const char *names[16];
        size_t n = 0;

        if (mask & MANAGER_PROP_DISCIPLINE)
                names[n++] = "Discipline";
        if (mask & MANAGER_PROP_MAX_RUNNING)
                names[n++] = "MaxRunning";
        if (mask & MANAGER_PROP_PAUSED)
                names[n++] = "Paused";
        if (mask & MANAGER_PROP_QUEUED)
                names[n++] = "QueuedJobs";
        if (mask & MANAGER_PROP_RUNNING)
                names[n++] = "RunningJobs";
        if (mask & MANAGER_PROP_CLASSES)
                names[n++] = "Classes";
        /* Built from the counts, the pauses and the config: whatever moved
         * any of them re-announces both. */
        if (mask & (MANAGER_PROP_QUEUED | MANAGER_PROP_RUNNING | MANAGER_PROP_COUNTS | MANAGER_PROP_PAUSED |
                    MANAGER_PROP_CLASSES | MANAGER_PROP_CONFIG))
                names[n++] = "ClassDetails";
        if (mask & (MANAGER_PROP_QUEUED | MANAGER_PROP_RUNNING | MANAGER_PROP_COUNTS | MANAGER_PROP_PAUSED |
                    MANAGER_PROP_MAX_RUNNING | MANAGER_PROP_CONFIG))
                names[n++] = "Limits";
        if (mask & MANAGER_PROP_CONFIG) {
                names[n++] = "MaxRunningPerUser";
                names[n++] = "MaxQueuedPerUser";
        }
        if (mask & MANAGER_PROP_SCHEDULES)
                names[n++] = "Schedules";
        if (mask & MANAGER_PROP_ALERTS)
                names[n++] = "Alerts";
        /* RunningHere moves with the jobs that start and end here (only with
         * [Cluster]: without it the property is always empty). */
        if ((mask & (MANAGER_PROP_CLUSTER | MANAGER_PROP_CONFIG)) ||
            ((mask & MANAGER_PROP_RUNNING) && manager_cluster_host_name(m)))
                names[n++] = "Cluster";
        if (mask & (MANAGER_PROP_CLUSTER | MANAGER_PROP_CONFIG))
                names[n++] = "ClusterState";
        names[n] = NULL;
        if (n == 0)
                return 0;
        return sd_bus_emit_properties_changed_strv(m->bus, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE,
                                                   (char **) names);
}

/**
 * bus_manager_emit_config_changed() - the ConfigChanged signal
 * @m: the manager
 *
 * Sent when a configuration was applied; the properties built from the
 * configuration (ClassDetails, Limits, MaxRunningPerUser, MaxQueuedPerUser)
 * follow in this iteration's coalesced PropertiesChanged.
 *
 * Return: 0 or a negative errno.
 */
int bus_manager_emit_config_changed(Manager *m) {
        manager_mark_dirty(m, MANAGER_PROP_CONFIG);
        return sd_bus_emit_signal(m->bus, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "ConfigChanged", NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Notifier jobs: OnSuccess=/OnFailure= of classes and Notify= of alerts. */
#include <inttypes.h>
#include <string.h>

#include "errors.h"
#include "i18n.h"
#include "input-bounds.h"
#include "notify.h"

#define NOTIFIER_MARK "SLUICE_NOTIFIER"
/* Values are cut here: 64 parameters stay well below the environment's 64 KiB. */
#define NOTIFY_VALUE_MAX 800
#define NOTIFY_PARAMETERS_MAX 4000

typedef struct NotifyRequest {
        char *class_name;
        char *description;
        GPtrArray *env;         /* of char*, NULL-terminated when submitted */
} NotifyRequest;

struct Notifier {
        Manager *manager;
        GQueue pending;                 /* of NotifyRequest* */
        sd_event_source *submit_source; /* defer: submits the pending requests */
};

static void notify_request_free(NotifyRequest *r) {
        if (!r)
                return;
        g_free(r->class_name);
        g_free(r->description);
        g_ptr_array_unref(r->env);
        g_free(r);
}

/* Out of the scheduler's listener: submit every queued notifier job. */
static int on_submit(sd_event_source *s, void *userdata) {
        Notifier *n = userdata;
        Manager *m = n->manager;
        NotifyRequest *r;

        while ((r = g_queue_pop_head(&n->pending))) {
                g_autoptr(GError) error = NULL;
                JobSpec spec = {
                        .class_name = r->class_name,
                        .description = r->description,
                        .owner = 0,
                };
                Job *job;

                g_ptr_array_add(r->env, NULL);
                spec.environment = (const char *const *) r->env->pdata;
                job = scheduler_submit(m->scheduler, &spec, manager_now(m), &error);
                if (!job)
                        log_full(&m->log, LOG_ERR, "cannot start notifier class %s: %s", r->class_name,
                                 error->message);
                else
                        log_job(&m->log, LOG_INFO, job, "notifier queued: %s", r->description);
                notify_request_free(r);
        }
        manager_schedule_post(m);
        return 0;
}

/**
 * notifier_new() - the notifier queue of a daemon
 * @m: the manager (its event loop must exist)
 *
 * Return: the notifier; never NULL (without an event loop it only logs).
 */
Notifier *notifier_new(Manager *m) {
        Notifier *n = g_new0(Notifier, 1);
        int r;

        n->manager = m;
        g_queue_init(&n->pending);
        if (m->event) {
                r = sd_event_add_defer(m->event, &n->submit_source, on_submit, n);
                if (r >= 0)
                        r = sd_event_source_set_enabled(n->submit_source, SD_EVENT_OFF);
                if (r >= 0)
                        (void) sd_event_source_set_description(n->submit_source, "sluice-notify");
                if (r < 0)
                        log_errno(&m->log, LOG_ERR, r, "cannot create the notifier source");
        }
        return n;
}

/**
 * notifier_free() - drop the notifier and the jobs it has not submitted yet
 * @n: the notifier (may be NULL)
 */
void notifier_free(Notifier *n) {
        if (!n)
                return;
        sd_event_source_disable_unref(n->submit_source);
        g_queue_clear_full(&n->pending, (GDestroyNotify) notify_request_free);
        g_free(n);
}

/**
 * notifier_job_is_notifier() - whether a job was started as a notifier
 * @job: the job
 *
 * Return: true for a root-owned job without a bus submitter whose
 * environment carries SLUICE_NOTIFIER= (clients cannot fake all three).
 */
bool notifier_job_is_notifier(const Job *job) {
        if (job->owner != 0 || (job->submitter && job->submitter[0]))
                return false;
        for (char **e = job->environment; e && *e; e++)
                if (g_str_has_prefix(*e, NOTIFIER_MARK "="))
                        return true;
        return false;
}

/**
 * notifier_append_env() - append one safe "KEY=VALUE"
 * @env: the environment (of char*, owned)
 * @key: the variable's name
 * @value: its value (NULL: empty); control characters become blanks, invalid
 *         UTF-8 is replaced and long values are cut
 */
void notifier_append_env(GPtrArray *env, const char *key, const char *value) {
        g_autofree char *v = g_utf8_make_valid(value ?: "", -1);
        size_t max = strcmp(key, "SLUICE_JOB_PARAMETERS") == 0 ? NOTIFY_PARAMETERS_MAX : NOTIFY_VALUE_MAX;

        for (char *p = v; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = ' ';
        if (strlen(v) > max)
                *g_utf8_find_prev_char(v, v + max + 1) = '\0';
        g_ptr_array_add(env, g_strdup_printf("%s=%s", key, v));
}

static void append_u64(GPtrArray *env, const char *key, uint64_t v) {
        g_ptr_array_add(env, g_strdup_printf("%s=%" PRIu64, key, v));
}

static gint compare_strings(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/**
 * notifier_append_job_env() - the SLUICE_JOB_* variables of a job
 * @env: the environment (of char*, owned)
 * @job: the job
 *
 * SLUICE_JOB_ID, _CLASS, _KIND, _STATE, _RESULT, _RESULT_DETAIL,
 * _EXIT_STATUS (empty when none), _ATTEMPT, _OWNER, _DESCRIPTION, _UNIT,
 * _INVOCATION_ID, _SUBMITTED_AT/_STARTED_AT/_FINISHED_AT (usec since the
 * epoch, 0 when not yet), _PARAMETERS ("NAME=VALUE" blank-separated, sorted)
 * and one SLUICE_JOB_PARAM_<NAME> per parameter.
 */
void notifier_append_job_env(GPtrArray *env, const Job *job) {
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        g_autoptr(GString) params = g_string_new(NULL);
        GHashTableIter it;
        gpointer key;

        append_u64(env, "SLUICE_JOB_ID", job->id);
        notifier_append_env(env, "SLUICE_JOB_CLASS", job->class_name);
        notifier_append_env(env, "SLUICE_JOB_KIND", job_kind_to_string(job->kind));
        notifier_append_env(env, "SLUICE_JOB_STATE", job_state_to_string(job->state));
        notifier_append_env(env, "SLUICE_JOB_RESULT", job_result_to_string(job->result));
        notifier_append_env(env, "SLUICE_JOB_RESULT_DETAIL", job->result_detail);
        if (job->exit_status >= 0)
                append_u64(env, "SLUICE_JOB_EXIT_STATUS", (uint64_t) job->exit_status);
        else
                notifier_append_env(env, "SLUICE_JOB_EXIT_STATUS", "");
        append_u64(env, "SLUICE_JOB_ATTEMPT", job->attempt);
        append_u64(env, "SLUICE_JOB_OWNER", job->owner);
        notifier_append_env(env, "SLUICE_JOB_DESCRIPTION", job->description);
        notifier_append_env(env, "SLUICE_JOB_UNIT", job->unit);
        notifier_append_env(env, "SLUICE_JOB_INVOCATION_ID", job->invocation_id);
        append_u64(env, "SLUICE_JOB_SUBMITTED_AT", job->submitted_at);
        append_u64(env, "SLUICE_JOB_STARTED_AT", job->started_at);
        append_u64(env, "SLUICE_JOB_FINISHED_AT", job->finished_at);

        if (job->parameters) {
                g_hash_table_iter_init(&it, job->parameters);
                while (g_hash_table_iter_next(&it, &key, NULL))
                        g_ptr_array_add(names, key);
                g_ptr_array_sort(names, compare_strings);
        }
        for (guint i = 0; i < names->len; i++) {
                const char *name = names->pdata[i], *value = g_hash_table_lookup(job->parameters, name);
                g_autofree char *var = g_strconcat("SLUICE_JOB_PARAM_", name, NULL);

                g_string_append_printf(params, "%s%s=%s", params->len ? " " : "", name, value);
                notifier_append_env(env, var, value);
        }
        notifier_append_env(env, "SLUICE_JOB_PARAMETERS", params->str);
}

/**
 * notifier_queue() - start a notifier job as soon as the listener returned
 * @n: the notifier
 * @class_name: the notifier class (a command class)
 * @kind: "on-success", "on-failure" or "alert": the value of SLUICE_NOTIFIER
 * @description: the job's description
 * @env: its environment (of char*, owned); taken
 */
void notifier_queue(Notifier *n, const char *class_name, const char *kind, const char *description,
                    GPtrArray *env) {
        NotifyRequest *r = g_new0(NotifyRequest, 1);

        notifier_append_env(env, NOTIFIER_MARK, kind);
        r->class_name = g_strdup(class_name);
        r->description = g_utf8_make_valid(description, MIN(strlen(description), SLUICE_MAX_DESCRIPTION_BYTES - 4));
        r->env = env;
        g_queue_push_tail(&n->pending, r);
        if (n->submit_source)
                (void) sd_event_source_set_enabled(n->submit_source, SD_EVENT_ONESHOT);
}

/**
 * notifier_job_finished() - a job ended: its class's OnSuccess=/OnFailure=
 * @n: the notifier
 * @job: the job, done
 *
 * success → OnSuccess=; failed, timeout, abandoned, lost → OnFailure=; a
 * cancelled job and a notifier job notify nobody.
 */
void notifier_job_finished(Notifier *n, const Job *job) {
        const ClassConfig *c = sluice_config_get_class(scheduler_get_config(n->manager->scheduler), job->class_name);
        const char *target, *kind;
        g_autofree char *description = NULL;
        GPtrArray *env;

        if (!c || job->state != JOB_STATE_DONE || notifier_job_is_notifier(job))
                return;
        if (job->result == JOB_RESULT_SUCCESS) {
                target = c->on_success;
                kind = "on-success";
        } else if (job->result != JOB_RESULT_CANCELLED && job->result != JOB_RESULT_NONE) {
                target = c->on_failure;
                kind = "on-failure";
        } else
                return;
        if (!target)
                return;

        env = g_ptr_array_new_with_free_func(g_free);
        notifier_append_job_env(env, job);
        description = g_strdup_printf(_("%s notifier of job %" PRIu64 " (%s, %s)"), kind, job->id, job->class_name,
                                      job_result_to_string(job->result));
        notifier_queue(n, target, kind, description, env);
}

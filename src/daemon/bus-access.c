/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>

#include "bus-access.h"
#include "bus-creds.h"
#include "errors.h"
#include "i18n.h"
#include "manager.h"
#include "polkit-query.h"
#include "sluice-bus-names.h"

/*
 * Who may do what (docs/authorization.md):
 *
 * - reading (properties, ListJobs, GetJob, Wait) is open to everyone and
 *   never comes here;
 * - uid 0 is allowed without asking, unless the daemon runs with
 *   --no-root-bypass (tests);
 * - the owner of a job (same uid) and its holder (the connection that
 *   submitted it) cancel, release, renew it and lower its priority without
 *   asking;
 * - everything else is polkit's decision, asked asynchronously with the
 *   caller's bus name as subject and the class (and job) as details.
 *
 * Identity comes from the bus (bus_sender_uid(): the bus daemon's
 * credentials of the connection), never from arguments.  Never
 * sd_bus_query_sender_privilege(): it calls a caller with sluiced's own uid
 * privileged.
 */

static const char *const polkit_ids[_SLUICE_ACTION_MAX] = {
        [SLUICE_ACTION_SUBMIT] = SLUICE_POLKIT_ACTION_SUBMIT,
        [SLUICE_ACTION_ACQUIRE] = SLUICE_POLKIT_ACTION_ACQUIRE,
        [SLUICE_ACTION_MANAGE_JOBS] = SLUICE_POLKIT_ACTION_MANAGE_JOBS,
        [SLUICE_ACTION_CONFIGURE] = SLUICE_POLKIT_ACTION_CONFIGURE,
        [SLUICE_ACTION_RUN_COMMAND] = SLUICE_POLKIT_ACTION_RUN_COMMAND,
};

/**
 * sluice_action_to_polkit_id() - the polkit action id of an action
 * @a: the action
 *
 * Return: "org.sluice.submit" etc., NULL for an unknown action.
 */
const char *sluice_action_to_polkit_id(SluiceAction a) {
        if (a < 0 || a >= _SLUICE_ACTION_MAX)
                return NULL;
        return polkit_ids[a];
}

/* "for class backup", "for job 7 of class backup" or "". */
static char *describe_target(const Job *job, const char *class_name) {
        if (job)
                return g_strdup_printf(_(" for job %" PRIu64 " of class %s"), job->id, job->class_name);
        if (class_name && class_name[0])
                return g_strdup_printf(_(" for class %s"), class_name);
        return g_strdup("");
}

static int refuse(Manager *m, sd_bus_message *message, uint32_t uid, const char *action_id, const Job *job,
                  const char *class_name, PolkitVerdict verdict, const char *reason, sd_bus_error *error) {
        g_autofree char *target = describe_target(job, class_name);
        const char *not_permitted = sluice_error_dbus_name(SLUICE_ERROR_NOT_PERMITTED);
        bool interactive = sd_bus_message_get_allow_interactive_authorization(message) > 0;
        const char *sender = sd_bus_message_get_sender(message);

        /* Rate-limited: a flood of refused calls must not flood the journal. */
        log_full_ratelimited(&m->log, &m->log.refusals, LOG_NOTICE, "refused %s%s to uid %" PRIu32 " (%s): %s%s",
                             action_id, target, uid, sender ? sender : "?",
                             verdict == POLKIT_VERDICT_DENIED ? "not authorized" :
                             verdict == POLKIT_VERDICT_CHALLENGE ? "authentication required" :
                             verdict == POLKIT_VERDICT_OVERLOADED ? "too many calls waiting for authorization: " :
                             "polkit unavailable: ",
                             (verdict == POLKIT_VERDICT_UNAVAILABLE || verdict == POLKIT_VERDICT_OVERLOADED) &&
                             reason ? reason : "");

        switch (verdict) {
        case POLKIT_VERDICT_CHALLENGE:
                if (!interactive)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                                 _("authentication is required for %s%s; allow interactive "
                                                   "authorization to be asked for a password"),
                                                 action_id, target);
                return sd_bus_error_setf(error, not_permitted,
                                         _("not permitted: %s%s (authentication is required and no polkit "
                                           "authentication agent could ask for it)"),
                                         action_id, target);
        case POLKIT_VERDICT_OVERLOADED:
                /* Not a refusal of the caller's right: a bound on what one
                 * uid may have waiting (polkit-query.h); retry later. */
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         _("too many calls waiting for authorization from uid %u (%s): %s; retry later"),
                                         (unsigned) uid, sender ? sender : "?", reason ? reason : "?");
        case POLKIT_VERDICT_UNAVAILABLE:
                return sd_bus_error_setf(error, not_permitted,
                                         _("not permitted: %s%s: polkit is not available: %s"),
                                         action_id, target, reason ? reason : _("no answer"));
        case POLKIT_VERDICT_DENIED:
        default:
                return sd_bus_error_setf(error, not_permitted, _("not permitted: %s%s"), action_id, target);
        }
}

static bool is_owner_or_holder(const Job *job, uint32_t uid, sd_bus_message *message) {
        const char *sender = sd_bus_message_get_sender(message);

        if (job->owner == uid)
                return true;
        return job->submitter && sender && strcmp(job->submitter, sender) == 0;
}

/* @extra: more polkit details, key/value pairs, NULL-terminated (may be NULL). */
static int check(Manager *m, sd_bus_message *message, SluiceAction action, const Job *job,
                 const char *class_name, bool owner_allowed, const char *const *extra, sd_bus_error *error) {
        const char *action_id = sluice_action_to_polkit_id(action);
        g_autofree char *job_id = NULL, *reason = NULL;
        const char *details[9] = {};
        PolkitVerdict verdict;
        size_t n = 0;
        uint32_t uid;
        int r;

        g_return_val_if_fail(action_id, -EINVAL);

        r = bus_sender_uid(m, message, &uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, _("cannot determine the caller's uid: %s"),
                                               g_strerror(-r));
        if (uid == 0 && !m->no_root_bypass)
                return 1;
        if (job && owner_allowed && is_owner_or_holder(job, uid, message))
                return 1;

        if (job && !class_name)
                class_name = job->class_name;
        if (class_name && class_name[0]) {
                details[n++] = "class";
                details[n++] = class_name;
        }
        if (job) {
                job_id = g_strdup_printf("%" PRIu64, job->id);
                details[n++] = "job";
                details[n++] = job_id;
        }
        for (size_t i = 0; extra && extra[i] && extra[i + 1] && n + 2 < G_N_ELEMENTS(details); i += 2) {
                details[n++] = extra[i];
                details[n++] = extra[i + 1];
        }

        r = polkit_registry_check(m->polkit, message, uid, action_id, details, &verdict, &reason);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, _("cannot check the authorization for %s: %s"),
                                               action_id, g_strerror(-r));
        if (r == 0)
                return 0;
        if (verdict == POLKIT_VERDICT_ALLOWED)
                return 1;
        return refuse(m, message, uid, action_id, job, class_name, verdict, reason, error);
}

/**
 * bus_access_check() - may the caller of @message do @action?
 * @m: the manager
 * @message: the method call; identity comes from the bus, never from arguments
 * @action: what the caller wants to do
 * @job: the job acted on (Cancel, Release, Renew, CancelJob), or NULL
 * @class_name: the class concerned (travels as polkit detail "class"), or NULL
 * @error: set when the caller is refused
 *
 * The one place every mutating method asks before any side effect.  uid 0
 * is allowed without asking (unless --no-root-bypass); the owner and the
 * holder of @job act on it freely; everyone else goes through polkit's
 * CheckAuthorization, asynchronously: a return of 0 means the handler must
 * return 1 and do nothing; the call is dispatched again when polkit has
 * answered, and this function then returns the answer.
 *
 * Return: 1 allowed, 0 decision pending (the handler must return 1 and do
 * nothing), negative errno with @error set when refused.
 */
int bus_access_check(Manager *m, sd_bus_message *message, SluiceAction action,
                     const Job *job, const char *class_name, sd_bus_error *error) {
        return check(m, message, action, job, class_name, true, NULL, error);
}

/**
 * bus_access_check_priority() - may the caller of @message set @job's priority?
 * @m: the manager
 * @message: the SetPriority call
 * @job: the job
 * @priority: the priority asked for
 * @error: set when the caller is refused
 *
 * The owner or holder may lower the priority of its job (or leave it), not
 * raise it: that takes org.sluice.manage-jobs, like any change to somebody
 * else's job.
 *
 * Return: as bus_access_check().
 */
int bus_access_check_priority(Manager *m, sd_bus_message *message, const Job *job,
                              int32_t priority, sd_bus_error *error) {
        return check(m, message, SLUICE_ACTION_MANAGE_JOBS, job, job->class_name,
                     priority <= job->priority, NULL, error);
}

/**
 * bus_access_check_submit() - may the caller of @message submit this job?
 * @m: the manager
 * @message: the Submit() or Acquire() call
 * @acquire: Acquire() (org.sluice.acquire) rather than Submit() (org.sluice.submit)
 * @class_name: the class asked for
 * @opts: the parsed options
 * @error: set when the caller is refused
 *
 * Asks, in this order, each only when needed (docs/authorization.md):
 *
 * - org.sluice.submit or org.sluice.acquire for the class;
 * - org.sluice.run-command when the options carry `argv` or `environment`: a
 *   command (or an environment: LD_PRELOAD, PATH, ...) of the caller's choosing;
 * - org.sluice.manage-jobs when the job would jump ahead of others or take
 *   what is not its class's: a `priority` above the class's Priority= (the
 *   rule SetPriority follows: raising is manage-jobs, lowering is free), or
 *   any `resources` (extra resources take slots that other classes' jobs
 *   wait for).  That check carries the details "priority" (when raised) and
 *   "resources" (the extra ones, separated by spaces), so a rule can grant
 *   exactly those.
 *
 * An unknown class asks no manage-jobs: the submission is refused with
 * NoSuchClass right after.
 *
 * Return: as bus_access_check().
 */
int bus_access_check_submit(Manager *m, sd_bus_message *message, bool acquire, const char *class_name,
                            const SubmitOptions *opts, sd_bus_error *error) {
        const ClassConfig *cls = sluice_config_get_class(scheduler_get_config(m->scheduler), class_name);
        g_autofree char *priority = NULL, *resources = NULL;
        const char *extra[5] = {};
        size_t n = 0;
        int r;

        r = bus_access_check(m, message, acquire ? SLUICE_ACTION_ACQUIRE : SLUICE_ACTION_SUBMIT, NULL,
                             class_name, error);
        if (r <= 0)
                return r;
        if (opts->argv || opts->environment) {
                r = bus_access_check(m, message, SLUICE_ACTION_RUN_COMMAND, NULL, class_name, error);
                if (r <= 0)
                        return r;
        }
        if (!cls)
                return 1;
        if (opts->has_priority && opts->priority > cls->priority) {
                priority = g_strdup_printf("%" PRIi32, opts->priority);
                extra[n++] = "priority";
                extra[n++] = priority;
        }
        if (opts->resources && opts->resources[0]) {
                resources = g_strjoinv(" ", opts->resources);
                extra[n++] = "resources";
                extra[n++] = resources;
        }
        if (n == 0)
                return 1;
        r = check(m, message, SLUICE_ACTION_MANAGE_JOBS, NULL, class_name, false, extra, error);
        if (r < 0 && (sd_bus_error_has_name(error, sluice_error_dbus_name(SLUICE_ERROR_NOT_PERMITTED)) ||
                      sd_bus_error_has_name(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))) {
                /* Say why a submission asks manage-jobs at all (sluicectl shows the parenthesis). */
                g_autofree char *why = NULL, *msg = NULL, *name = g_strdup(error->name);

                if (priority && resources)
                        why = g_strdup_printf(_("options.priority %s is above the class's Priority=%" PRIi32
                                                " and options.resources asks for %s"),
                                              priority, cls->priority, resources);
                else if (priority)
                        why = g_strdup_printf(_("options.priority %s is above the class's Priority=%" PRIi32),
                                              priority, cls->priority);
                else
                        why = g_strdup_printf(_("options.resources asks for %s beyond the class's own"),
                                              resources);
                msg = g_strdup_printf("%s (%s)", error->message, why);
                sd_bus_error_free(error);
                return sd_bus_error_set(error, name, msg);
        }
        return r;
}

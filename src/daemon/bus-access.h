/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-options.h"
#include "job.h"

typedef struct Manager Manager;

/* What a caller asks to do; maps 1:1 to the polkit actions org.sluice.*. */
typedef enum {
        SLUICE_ACTION_SUBMIT,           /* org.sluice.submit */
        SLUICE_ACTION_ACQUIRE,          /* org.sluice.acquire */
        SLUICE_ACTION_MANAGE_JOBS,      /* org.sluice.manage-jobs */
        SLUICE_ACTION_CONFIGURE,        /* org.sluice.configure */
        SLUICE_ACTION_RUN_COMMAND,      /* org.sluice.run-command */
        _SLUICE_ACTION_MAX,
} SluiceAction;

const char *sluice_action_to_polkit_id(SluiceAction a);

int bus_access_check(Manager *m, sd_bus_message *message, SluiceAction action,
                     const Job *job, const char *class_name, sd_bus_error *error);
/* SetPriority: the owner may lower a job's priority, raising it is manage-jobs. */
int bus_access_check_priority(Manager *m, sd_bus_message *message, const Job *job,
                              int32_t priority, sd_bus_error *error);
/* Submit/Acquire: the action, run-command for argv/environment, manage-jobs
 * for a priority above the class's or extra resources. */
int bus_access_check_submit(Manager *m, sd_bus_message *message, bool acquire, const char *class_name,
                            const SubmitOptions *opts, sd_bus_error *error);

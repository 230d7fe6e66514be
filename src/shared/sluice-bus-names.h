/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sluice's public D-Bus names in one place: the bus name, the object paths,
 * the interfaces and every org.sluice.Error.* name (docs/dbus-api.md).  The
 * daemon, sluicectl, the bus tests and the benchmarks include this header; no
 * other file spells these strings.  Plain macros, no library: a GDBus test
 * and an sd-bus client use the same header.
 *
 * Job paths: SLUICE_JOB_PATH_ROOT is the subtree sluiced serves
 * ("/org/sluice/Scheduler1/job", no trailing slash, as sd-bus wants a
 * fallback path); SLUICE_JOB_PATH_PREFIX is what every job's path starts
 * with, the trailing slash included, followed by the job's id in decimal:
 * "/org/sluice/Scheduler1/job/42".
 */

#define SLUICE_BUS_NAME         "org.sluice.Scheduler1"
#define SLUICE_MANAGER_PATH     "/org/sluice/Scheduler1"
#define SLUICE_MANAGER_IFACE    "org.sluice.Scheduler1"
#define SLUICE_JOB_IFACE        "org.sluice.Scheduler1.Job"
#define SLUICE_JOB_PATH_ROOT    "/org/sluice/Scheduler1/job"
#define SLUICE_JOB_PATH_PREFIX  SLUICE_JOB_PATH_ROOT "/"

/*
 * The polkit action ids (data/org.sluice.policy, docs/authorization.md): the
 * daemon asks for them (bus-access.c), sluicectl explains a refusal naming
 * one (ctl-polkit.c).
 */
#define SLUICE_POLKIT_ACTION_PREFIX       "org.sluice."
#define SLUICE_POLKIT_ACTION_SUBMIT       SLUICE_POLKIT_ACTION_PREFIX "submit"
#define SLUICE_POLKIT_ACTION_ACQUIRE      SLUICE_POLKIT_ACTION_PREFIX "acquire"
#define SLUICE_POLKIT_ACTION_MANAGE_JOBS  SLUICE_POLKIT_ACTION_PREFIX "manage-jobs"
#define SLUICE_POLKIT_ACTION_CONFIGURE    SLUICE_POLKIT_ACTION_PREFIX "configure"
#define SLUICE_POLKIT_ACTION_RUN_COMMAND  SLUICE_POLKIT_ACTION_PREFIX "run-command"

/* The test clock of SLUICE_TEST_CLOCK_OFFSET_USEC runs (src/daemon/test-clock.c). */
#define SLUICE_TEST_CLOCK_PATH  "/org/sluice/TestClock"
#define SLUICE_TEST_CLOCK_IFACE "org.sluice.TestClock1"

/*
 * The error names, one per SluiceErrorCode of src/core/errors.h (errors.c maps
 * the codes to these); src/shared/bus-error-map.c gives each its errno.
 */
#define SLUICE_BUS_ERROR_PREFIX            "org.sluice.Error."
#define SLUICE_BUS_ERROR_NO_SUCH_CLASS     SLUICE_BUS_ERROR_PREFIX "NoSuchClass"
#define SLUICE_BUS_ERROR_NO_SUCH_JOB       SLUICE_BUS_ERROR_PREFIX "NoSuchJob"
#define SLUICE_BUS_ERROR_INVALID_ARGUMENT  SLUICE_BUS_ERROR_PREFIX "InvalidArgument"
#define SLUICE_BUS_ERROR_QUOTA_EXCEEDED    SLUICE_BUS_ERROR_PREFIX "QuotaExceeded"
#define SLUICE_BUS_ERROR_DUPLICATE         SLUICE_BUS_ERROR_PREFIX "Duplicate"
#define SLUICE_BUS_ERROR_TIMEOUT           SLUICE_BUS_ERROR_PREFIX "Timeout"
#define SLUICE_BUS_ERROR_CANCELLED         SLUICE_BUS_ERROR_PREFIX "Cancelled"
#define SLUICE_BUS_ERROR_INVALID_CONFIG    SLUICE_BUS_ERROR_PREFIX "InvalidConfig"
#define SLUICE_BUS_ERROR_NOT_PERMITTED     SLUICE_BUS_ERROR_PREFIX "NotPermitted"
#define SLUICE_BUS_ERROR_INVALID_STATE     SLUICE_BUS_ERROR_PREFIX "InvalidState"
#define SLUICE_BUS_ERROR_NOT_SUPPORTED     SLUICE_BUS_ERROR_PREFIX "NotSupported"

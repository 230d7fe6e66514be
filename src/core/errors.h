/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * The core reports API-level failures as GError in SLUICE_ERROR; each code
 * maps 1:1 to a D-Bus error name org.sluice.Error.<Name>, spelled once in
 * src/shared/sluice-bus-names.h (SLUICE_BUS_ERROR_*).  Messages name the
 * offending field and are already translated (they reach users verbatim).
 */

#define SLUICE_ERROR (sluice_error_quark())
GQuark sluice_error_quark(void);

typedef enum {
        SLUICE_ERROR_NO_SUCH_CLASS,     /* org.sluice.Error.NoSuchClass */
        SLUICE_ERROR_NO_SUCH_JOB,       /* org.sluice.Error.NoSuchJob */
        SLUICE_ERROR_INVALID_ARGUMENT,  /* org.sluice.Error.InvalidArgument */
        SLUICE_ERROR_QUOTA_EXCEEDED,    /* org.sluice.Error.QuotaExceeded */
        SLUICE_ERROR_DUPLICATE,         /* org.sluice.Error.Duplicate */
        SLUICE_ERROR_TIMEOUT,           /* org.sluice.Error.Timeout */
        SLUICE_ERROR_CANCELLED,         /* org.sluice.Error.Cancelled */
        SLUICE_ERROR_INVALID_CONFIG,    /* org.sluice.Error.InvalidConfig */
        SLUICE_ERROR_NOT_PERMITTED,     /* org.sluice.Error.NotPermitted */
        SLUICE_ERROR_INVALID_STATE,     /* org.sluice.Error.InvalidState: e.g. Release of a job that is not running */
        SLUICE_ERROR_NOT_SUPPORTED,     /* org.sluice.Error.NotSupported: a feature this build/config lacks */
        _SLUICE_ERROR_MAX,
} SluiceErrorCode;

/* "org.sluice.Error.NoSuchClass" etc.; NULL for an unknown code. */
const char *sluice_error_dbus_name(int code);

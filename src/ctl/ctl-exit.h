/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sluicectl's exit statuses, all in one place (documented in
 * docs/sluicectl.md and sluicectl(1)).
 *
 * Where systemctl gives a status a meaning, sluicectl uses the same number:
 * 1 for a failure, 2 for a usage error (LSB: "invalid or excess arguments"),
 * 4 for "no such job/class" (systemctl's "no such unit").  For what
 * systemctl has no number for, the codes of sysexits.h: 69 (EX_UNAVAILABLE)
 * when sluiced is not there, 77 (EX_NOPERM) when sluiced refused the caller.
 *
 * Exceptions, on purpose: "run" exits with its command's status, and
 * "wait" with 1 when the job ended without success.
 */

enum {
        CTL_EXIT_OK = 0,
        CTL_EXIT_FAILURE = 1,           /* anything not covered below */
        CTL_EXIT_USAGE = 2,             /* bad command line; nothing was sent */
        CTL_EXIT_NO_SUCH = 4,           /* org.sluice.Error.NoSuchJob / NoSuchClass */
        CTL_EXIT_NOT_RUNNING = 69,      /* sluiced is not running and could not be started */
        CTL_EXIT_NOT_PERMITTED = 77,    /* refused: polkit, NotPermitted, AccessDenied */
};

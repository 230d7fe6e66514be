/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Colours, as systemctl decides them: only on a terminal unless
 * $SYSTEMD_COLORS says otherwise, never with $NO_COLOR or TERM=dumb; and
 * with systemctl's palette, which marks what went wrong and leaves the rest
 * plain (docs/sluicectl.md "Output").
 */
#include <stdlib.h>
#include <string.h>

#include "ctl-output.h"

/* $SYSTEMD_COLORS as systemd reads it: 1 on, 0 off, -1 unset or not understood. */
static int systemd_colors(void) {
        static const char *const on[] = { "1", "yes", "y", "true", "t", "on", "16", "256", "24bit" };
        static const char *const off[] = { "0", "no", "n", "false", "f", "off" };
        const char *e = getenv("SYSTEMD_COLORS");

        if (!e)
                return -1;
        for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
                if (strcasecmp(e, on[i]) == 0)
                        return 1;
        for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
                if (strcasecmp(e, off[i]) == 0)
                        return 0;
        return -1;
}

/**
 * ctl_colors_wanted() - whether to print ANSI colours
 * @on_tty: stdout is a terminal (checked before any pager took it)
 *
 * $NO_COLOR set (to anything, even empty) → no; else $SYSTEMD_COLORS
 * (0/false/no/off → no; 1/true/yes/on/16/256/24bit → yes, even on a pipe,
 * for "SYSTEMD_COLORS=1 sluicectl list | less -R"); else TERM=dumb or an
 * unset TERM → no; else whether stdout is a terminal.  The order is
 * systemd's (terminal-util.c get_color_mode()).
 *
 * Return: true for colours.
 */
bool ctl_colors_wanted(bool on_tty) {
        const char *term;
        int s;

        if (getenv("NO_COLOR"))
                return false;
        s = systemd_colors();
        if (s >= 0)
                return s;
        term = getenv("TERM");
        if (!term || strcmp(term, "dumb") == 0)
                return false;
        return on_tty;
}

/**
 * ctl_result_color() - the colour of a job's result
 * @result: "success", "failed", …
 *
 * Red for the results that mean something went wrong without anyone asking
 * for it: failed, timeout, lost, abandoned.  success and cancelled (somebody
 * asked) stay plain, as systemctl leaves all but "failed" plain.
 *
 * Return: an ANSI sequence, or NULL for plain.
 */
const char *ctl_result_color(const char *result) {
        static const char *const bad[] = { "failed", "timeout", "lost", "abandoned" };

        for (size_t i = 0; result && i < sizeof(bad) / sizeof(bad[0]); i++)
                if (strcmp(result, bad[i]) == 0)
                        return CTL_ANSI_RED;
        return NULL;
}

/**
 * ctl_severity_color() - the colour of an alert's severity
 * @severity: "info", "warning" or "critical"
 *
 * Return: red for critical, yellow for warning, NULL (plain) otherwise.
 */
const char *ctl_severity_color(const char *severity) {
        if (severity && strcmp(severity, "critical") == 0)
                return CTL_ANSI_RED;
        if (severity && strcmp(severity, "warning") == 0)
                return CTL_ANSI_YELLOW;
        return NULL;
}

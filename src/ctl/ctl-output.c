/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The output settings of one sluicectl run (CtlOutput): the options
 * --no-pager, --no-legend, -q/--quiet, -l/--full, and what the terminal
 * allows (width, colours, charset), decided once at start.
 */
#include <glib.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctl-format.h"
#include "ctl-output.h"
#include "ctl.h"

/**
 * ctl_output_columns() - the width to cut tables to
 * @on_tty: stdout is a terminal
 *
 * $COLUMNS when it is a number from 1 to 65535 (also on a pipe: the user
 * asked), else the terminal's width now (TIOCGWINSZ) when stdout is one.
 *
 * Return: the width, or 0: not a terminal, nothing is cut.
 */
unsigned ctl_output_columns(bool on_tty) {
        const char *e = getenv("COLUMNS");
        struct winsize ws = {};
        guint64 n;

        if (e && g_ascii_string_to_unsigned(e, 10, 1, 65535, &n, NULL))
                return (unsigned) n;
        if (on_tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 0;
}

/**
 * ctl_output_init() - decide the output settings from the environment
 * @o: the settings to fill (the options stay as they are)
 *
 * Call after setlocale() and before a pager is started: whether stdout is a
 * terminal, its width ($COLUMNS first), colours (ctl_colors_wanted()) and
 * whether the locale's charset is UTF-8.
 */
void ctl_output_init(CtlOutput *o) {
        o->on_tty = isatty(STDOUT_FILENO) == 1;
        o->columns = ctl_output_columns(o->on_tty);
        o->colors = ctl_colors_wanted(o->on_tty);
        o->utf8 = g_get_charset(NULL);
        o->saved_stdout = o->saved_stderr = -1;
}

/**
 * ctl_output_infinity() - how "no limit" is spelled in a table or a status line
 * @o: the output state (ctl_output_init() done)
 *
 * "∞" where the locale's charset is UTF-8, else "infinity", as systemd
 * prints an unset limit (in the C locale a "∞" would reach the terminal as
 * three bytes it cannot show).
 *
 * Return: a static string.
 */
const char *ctl_output_infinity(const CtlOutput *o) {
        return o->utf8 ? "∞" : "infinity";
}

/**
 * ctl_output_glyphs() - a line's non-ASCII glyphs, as the terminal can show them
 * @o: the output state (ctl_output_init() done)
 * @text: UTF-8 text (a translated message, for instance)
 *
 * Where the locale's charset is not UTF-8 (LANG=C), "·" becomes "-" and "…"
 * becomes "...": as ctl_output_infinity(), so that a status line does not
 * reach the terminal as bytes it cannot show.
 *
 * Return: a new string; free with g_free().
 */
char *ctl_output_glyphs(const CtlOutput *o, const char *text) {
        static const struct { const char *glyph, *ascii; } map[] = { { "·", "-" }, { "…", "..." } };
        GString *out;

        if (o->utf8)
                return g_strdup(text);
        out = g_string_new(text);
        for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
                g_string_replace(out, map[i].glyph, map[i].ascii, 0);
        return g_string_free(out, false);
}

/**
 * ctl_output_parse_option() - take one getopt_long() result if it is an output option
 * @o: the settings
 * @c: what getopt_long() returned
 *
 * -q/--quiet also means --no-legend, as in systemctl.
 *
 * Return: true if @c was an output option (then it is recorded).
 */
bool ctl_output_parse_option(CtlOutput *o, int c) {
        switch (c) {
        case CTL_ARG_NO_PAGER:
                o->no_pager = true;
                return true;
        case CTL_ARG_NO_LEGEND:
                o->no_legend = true;
                return true;
        case 'q':
                o->quiet = o->no_legend = true;
                return true;
        case 'l':
                o->full = true;
                return true;
        default:
                return false;
        }
}

/**
 * ctl_show_table() - print a verb's table the way this run wants it
 * @ctl: the context
 * @t: the table
 *
 * Starts the pager (ctl_pager_open()), then prints @t cut to the terminal's
 * width (unless -l/--full), coloured if colours are on, without the header
 * with --no-legend or -q.
 */
void ctl_show_table(Ctl *ctl, const CtlTable *t) {
        const CtlTableStyle style = {
                .width = ctl->out.full ? 0 : ctl->out.columns,
                .colors = ctl->out.colors,
                .header = !ctl->out.no_legend,
                .utf8 = ctl->out.utf8,
        };

        ctl_pager_open(ctl);
        ctl_table_print_styled(t, stdout, 0, &style);
}

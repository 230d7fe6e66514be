/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How sluicectl prints for a human: the pager (ctl-pager.c), colours
 * (ctl-color.c), the terminal's width, and the options --no-pager,
 * --no-legend, -q/--quiet and -l/--full (ctl-output.c).  Decided once at
 * start, before a pager replaces stdout.  docs/sluicectl.md "Output" says
 * what each does.
 */

#include <getopt.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct Ctl Ctl;

typedef struct CtlOutput {
        bool no_pager;          /* --no-pager */
        bool no_legend;         /* --no-legend (also set by -q) */
        bool quiet;             /* -q/--quiet */
        bool full;              /* -l/--full: never cut a table */
        bool on_tty;            /* stdout was a terminal at start */
        bool colors;            /* ANSI colours wanted (ctl_colors_wanted()) */
        bool utf8;              /* the locale's charset is UTF-8: "…" rather than "..." */
        unsigned columns;       /* COLUMNS or the terminal's width; 0: no limit */
        pid_t pager_pid;        /* the running pager, or 0 */
        int saved_stdout;       /* stdout and stderr before the pager, or -1 */
        int saved_stderr;
} CtlOutput;

/* getopt values of the output options; above every verb's own (0x100…). */
enum {
        CTL_ARG_NO_PAGER = 0x1000,
        CTL_ARG_NO_LEGEND,
};

/* The output options, to put into an option table; their short options. */
#define CTL_OUTPUT_OPTIONS                                              \
        { "no-pager",  no_argument, NULL, CTL_ARG_NO_PAGER },           \
        { "no-legend", no_argument, NULL, CTL_ARG_NO_LEGEND },          \
        { "quiet",     no_argument, NULL, 'q' },                        \
        { "full",      no_argument, NULL, 'l' }
#define CTL_OUTPUT_SHORT_OPTIONS "ql"

/* ctl-output.c */
void ctl_output_init(CtlOutput *o);
bool ctl_output_parse_option(CtlOutput *o, int c);
unsigned ctl_output_columns(bool on_tty);
const char *ctl_output_infinity(const CtlOutput *o);
char *ctl_output_glyphs(const CtlOutput *o, const char *text);

/* ctl-color.c */
#define CTL_ANSI_RED    "\x1b[0;1;31m"
#define CTL_ANSI_YELLOW "\x1b[0;1;33m"
#define CTL_ANSI_GREEN  "\x1b[0;32m"
#define CTL_ANSI_NORMAL "\x1b[0m"
bool ctl_colors_wanted(bool on_tty);
const char *ctl_result_color(const char *result);
const char *ctl_severity_color(const char *severity);

/* ctl-pager.c */
void ctl_pager_open(Ctl *ctl);
void ctl_pager_close(Ctl *ctl);

/* ctl-output.c: a verb's table, through the pager, cut, coloured */
typedef struct CtlTable CtlTable;
void ctl_show_table(Ctl *ctl, const CtlTable *t);

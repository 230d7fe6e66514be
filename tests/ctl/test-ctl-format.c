/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sluicectl's table (src/ctl/ctl-format.c) on its own: display widths,
 * cutting with a mark, shrinking by rule, colours without width, control
 * characters escaped.  What the real sluiced cannot send (it refuses control
 * characters in descriptions; tests/ctl/test-output.py covers the rest end to
 * end) is checked here, on the functions themselves.
 */
#include <stdio.h>
#include <string.h>

#include "ctl-format.h"
#include "ctl-output.h"

static char *print_table(const CtlTable *t, const CtlTableStyle *style) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        g_assert_nonnull(f);
        ctl_table_print_styled(t, f, 0, style);
        g_assert_cmpint(fclose(f), ==, 0);
        return buf;
}

static void test_display_width(void) {
        g_assert_cmpuint(ctl_display_width(""), ==, 0);
        g_assert_cmpuint(ctl_display_width("abc"), ==, 3);
        g_assert_cmpuint(ctl_display_width("日本語"), ==, 6);                /* CJK: 2 each */
        g_assert_cmpuint(ctl_display_width("🚀x"), ==, 3);                   /* emoji: 2 */
        g_assert_cmpuint(ctl_display_width("e\xcc\x81"), ==, 1);             /* e + U+0301 */
        g_assert_cmpuint(ctl_display_width("\x1b[0;1;31mred\x1b[0m"), ==, 3);
        g_assert_cmpuint(ctl_display_width("\x1b]8;;http://x\x1b\\link"), ==, 4);
        g_assert_cmpuint(ctl_display_width("a\xff" "b"), ==, 3);             /* invalid byte: 1 */
}

static void test_ellipsize(void) {
        g_autofree char *fits = ctl_ellipsize("abc", 3, true);
        g_autofree char *cut = ctl_ellipsize("abcdef", 4, true);
        g_autofree char *cut_c = ctl_ellipsize("abcdef", 5, false);
        g_autofree char *wide = ctl_ellipsize("日本語です", 6, true);
        g_autofree char *combining = ctl_ellipsize("ée\xcc\x81" "xyz", 3, true);

        g_assert_cmpstr(fits, ==, "abc");
        g_assert_cmpstr(cut, ==, "abc…");
        g_assert_cmpstr(cut_c, ==, "ab...");
        /* 6 columns: two CJK characters (4) and "…" (1); the third does not fit. */
        g_assert_cmpstr(wide, ==, "日本…");
        g_assert_cmpuint(ctl_display_width(wide), ==, 5);
        /* The combining mark stays with its letter. */
        g_assert_cmpstr(combining, ==, "ée\xcc\x81…");
}

static void test_shrink_order(void) {
        g_autoptr(CtlTable) t = ctl_table_new(4, (const char *const[]) { "ID", "NAME", "WHEN", "DETAIL", NULL });
        const CtlTableStyle style = { .width = 30, .header = true, .utf8 = true };
        g_autofree char *out = NULL;
        g_auto(GStrv) lines = NULL;

        ctl_table_set_right_aligned(t, 0);
        ctl_table_set_ellipsize(t, 3);
        ctl_table_add_row(t, "12345", "a-long-name-here", "2026-12-04", "a detail that is long");
        out = print_table(t, &style);
        lines = g_strsplit(out, "\n", -1);
        /* 55 columns into 30: the detail column goes first, down to its
         * header's width (21 → 6), then the widest other text column one at a
         * time (NAME 16 → 10, then NAME and WHEN in turn to 8); the id is
         * never cut. */
        g_assert_cmpstr(lines[0], ==, "   ID NAME     WHEN     DETAIL");
        g_assert_cmpstr(lines[1], ==, "12345 a-long-… 2026-12… a det…");
        for (char **l = lines; *l && **l; l++)
                g_assert_cmpuint(ctl_display_width(*l), <=, 30);
        g_assert_true(g_str_has_prefix(lines[1], "12345 "));
}

static void test_fits_exactly(void) {
        g_autoptr(CtlTable) t = ctl_table_new(2, (const char *const[]) { "A", "B", NULL });
        const CtlTableStyle style = { .width = 9, .header = false, .utf8 = true };
        g_autofree char *out = NULL;

        ctl_table_set_ellipsize(t, 1);
        ctl_table_add_row(t, "abc", "日本語です");
        out = print_table(t, &style);
        /* 9 columns: "abc" + " " + 5 left; 日本 (4) + "…" (1). */
        g_assert_cmpstr(out, ==, "abc 日本…\n");
}

static const char *always_red(const char *cell) {
        return strcmp(cell, "failed") == 0 ? CTL_ANSI_RED : NULL;
}

static void test_colors_no_width(void) {
        g_autoptr(CtlTable) t = ctl_table_new(2, (const char *const[]) { "RESULT", "X", NULL });
        const CtlTableStyle plain = { .header = true, .utf8 = true };
        const CtlTableStyle colored = { .header = true, .colors = true, .utf8 = true };
        g_autofree char *a = NULL, *b = NULL;
        g_autoptr(GRegex) ansi = g_regex_new("\x1b\\[[0-9;]*m", 0, 0, NULL);
        g_autofree char *stripped = NULL;

        ctl_table_set_color(t, 0, always_red);
        ctl_table_add_row(t, "failed", "1");
        ctl_table_add_row(t, "success", "2");
        a = print_table(t, &plain);
        b = print_table(t, &colored);
        g_assert_null(strchr(a, '\x1b'));
        g_assert_nonnull(strstr(b, CTL_ANSI_RED "failed" CTL_ANSI_NORMAL "  1"));
        g_assert_null(strstr(b, "\x1b[0;1;31mRESULT"));     /* never the header */
        stripped = g_regex_replace_literal(ansi, b, -1, 0, "", 0, NULL);
        g_assert_cmpstr(stripped, ==, a);
}

static void test_control_characters(void) {
        g_autoptr(CtlTable) t = ctl_table_new(2, (const char *const[]) { "NAME", "DESCRIPTION", NULL });
        const CtlTableStyle style = { .header = true, .utf8 = true };
        g_autofree char *out = NULL;

        ctl_table_add_row(t, "a\nb", "\x1b[31mred\t\x7f\xc2\x9b");
        out = print_table(t, &style);
        g_assert_null(strchr(out, '\x1b'));
        g_assert_null(strchr(out, '\t'));
        g_assert_cmpstr(out, ==,
                        "NAME   DESCRIPTION\n"
                        "a\\x0ab \\x1b[31mred\\x09\\x7f\\x9b\n");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ctl-format/display-width", test_display_width);
        g_test_add_func("/ctl-format/ellipsize", test_ellipsize);
        g_test_add_func("/ctl-format/shrink-order", test_shrink_order);
        g_test_add_func("/ctl-format/fits-exactly", test_fits_exactly);
        g_test_add_func("/ctl-format/colors-no-width", test_colors_no_width);
        g_test_add_func("/ctl-format/control-characters", test_control_characters);
        return g_test_run();
}

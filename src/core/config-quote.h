/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Splitting a value into words the way systemd.service(5) splits
 * ExecStart= and systemd.exec(5) splits Environment=: blanks separate
 * words, "double" and 'single' quotes group blanks into a word (anywhere in
 * it: a"b c"d is one word, ab cd), and C-style backslash escapes are
 * decoded inside and outside quotes (\" \' \\ \a \b \f \n \r \t \v \s,
 * \xHH, \NNN octal, \uXXXX, \UXXXXXXXX).  No shell, no variables, no
 * globbing.  Internal to the configuration model.
 */

#include <glib.h>
#include <stdbool.h>

typedef enum {
        /* An unknown escape ("\d") is kept as it is, backslash and all, as
         * systemd does for ExecStart= (EXTRACT_CUNESCAPE_RELAX); without
         * it an unknown escape is an error, as for Environment=. */
        CONFIG_QUOTE_RELAX_ESCAPES = 1 << 0,
} ConfigQuoteFlags;

/*
 * Split @value into words.  Errors (SLUICE_ERROR_INVALID_CONFIG, naming the
 * problem and the quoted value): an unclosed quote, a backslash at the end,
 * an escape giving a NUL byte, a word that is not valid UTF-8, an unknown
 * escape without CONFIG_QUOTE_RELAX_ESCAPES.
 *
 * Return: a NULL-terminated vector (empty for blank text), or NULL + error.
 */
char **config_split_quoted(const char *value, ConfigQuoteFlags flags, GError **error);

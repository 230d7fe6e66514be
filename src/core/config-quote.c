/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Word splitting with quotes and C escapes, as systemd's extract_first_word()
 * with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE does it for ExecStart= (plus
 * EXTRACT_CUNESCAPE_RELAX) and Environment=.
 */
#include <string.h>

#include "config-quote.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool read_hex(const char *p, size_t n, guint32 *ret) {
        guint32 v = 0;

        for (size_t i = 0; i < n; i++) {
                int d = hex_digit(p[i]);        /* stops at the NUL: it is no digit */

                if (d < 0)
                        return false;
                v = v << 4 | (guint32) d;
        }
        *ret = v;
        return true;
}

/*
 * One escape; @p points just past the backslash.  Appends what it means to
 * @out and returns how many characters of @p it used, or 0 when @p starts
 * no valid escape (systemd's cunescape_one() refusing it).
 */
static size_t unescape_one(const char *p, GString *out) {
        static const char simple_from[] = "abfnrtv\\\"'s";
        static const char simple_to[] = "\a\b\f\n\r\t\v\\\"' ";
        const char *s = p[0] ? strchr(simple_from, p[0]) : NULL;
        guint32 v;

        if (s) {
                g_string_append_c(out, simple_to[s - simple_from]);
                return 1;
        }
        switch (p[0]) {
        case 'x':       /* a byte; \x00 is refused */
                if (!read_hex(p + 1, 2, &v) || v == 0)
                        return 0;
                g_string_append_c(out, (char) v);
                return 3;
        case 'u':
        case 'U': {
                size_t n = p[0] == 'u' ? 4 : 8;

                if (!read_hex(p + 1, n, &v) || v == 0 || !g_unichar_validate(v))
                        return 0;
                g_string_append_unichar(out, v);
                return n + 1;
        }
        case '0' ... '7':       /* three octal digits, a byte; \000 is refused */
                if (p[1] < '0' || p[1] > '7' || p[2] < '0' || p[2] > '7')
                        return 0;
                v = (guint32) ((p[0] - '0') << 6 | (p[1] - '0') << 3 | (p[2] - '0'));
                if (v == 0 || v > 0xff)
                        return 0;
                g_string_append_c(out, (char) v);
                return 3;
        default:
                return 0;
        }
}

/* Set an error whose message quotes @value; @fmt has one %s for it. */
#define set_error(error, fmt, value)                                                    \
        do {                                                                            \
                g_autofree char *_q = config_quote(value);                              \
                g_set_error((error), SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, (fmt), _q); \
        } while (0)

/**
 * config_split_quoted() - split a value into words, with quotes and escapes
 * @value: the value as written (may be NULL: no words)
 * @flags: CONFIG_QUOTE_RELAX_ESCAPES keeps unknown escapes literally
 * @error: SLUICE_ERROR_INVALID_CONFIG naming the problem and @value
 *
 * Blanks (space, tab) separate words; a quote opens at any point of a word
 * and runs to the same quote character; a backslash escape is decoded both
 * inside and outside quotes, as systemd does.  "" is one empty word.
 *
 * Return: a NULL-terminated vector, or NULL + @error.
 */
char **config_split_quoted(const char *value, ConfigQuoteFlags flags, GError **error) {
        g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GString) word = g_string_new(NULL);
        const char *p = value ? value : "";
        bool in_word = false;
        char quote = 0;

        for (;;) {
                char c = *p;

                if (c == '\0') {
                        if (quote) {
                                set_error(error, _("\"%s\": a quote is not closed"), value);
                                return NULL;
                        }
                        break;
                }
                if (c == '\\') {
                        size_t n;

                        if (p[1] == '\0') {
                                set_error(error,
                                          _("\"%s\" ends with a backslash (there are no continuation lines)"),
                                          value);
                                return NULL;
                        }
                        n = unescape_one(p + 1, word);
                        if (n == 0) {
                                if (!(flags & CONFIG_QUOTE_RELAX_ESCAPES)) {
                                        g_autofree char *esc = g_strndup(p, g_utf8_next_char(p + 1) - p);
                                        g_autofree char *q = config_quote(value), *qe = config_quote(esc);

                                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                                    _("\"%s\": \"%s\" is not a valid escape"), q, qe);
                                        return NULL;
                                }
                                g_string_append_c(word, '\\');
                                g_string_append_c(word, p[1]);
                                n = 1;
                        }
                        in_word = true;
                        p += n + 1;
                        continue;
                }
                if (quote) {
                        if (c == quote)
                                quote = 0;
                        else
                                g_string_append_c(word, c);
                        p++;
                        continue;
                }
                if (c == ' ' || c == '\t') {
                        if (in_word) {
                                g_ptr_array_add(words, g_strndup(word->str, word->len));
                                g_string_truncate(word, 0);
                                in_word = false;
                        }
                        p++;
                        continue;
                }
                if (c == '"' || c == '\'')
                        quote = c;
                else
                        g_string_append_c(word, c);
                in_word = true;
                p++;
        }
        if (in_word)
                g_ptr_array_add(words, g_strndup(word->str, word->len));

        for (guint i = 0; i < words->len; i++)
                if (!g_utf8_validate(words->pdata[i], -1, NULL)) {
                        set_error(error, _("\"%s\": a word is not valid UTF-8"), value);
                        return NULL;
                }

        g_ptr_array_add(words, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&words), FALSE);
}

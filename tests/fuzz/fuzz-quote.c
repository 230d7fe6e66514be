/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for config_split_quoted() (ExecStart=/Environment= word
 * splitting): any text either fails with SLUICE_ERROR_INVALID_CONFIG or
 * gives valid UTF-8 words; what the strict mode accepts the relaxed mode
 * splits the same way; and the words, quoted back with "..." and \" \\,
 * split to the very same words in both modes.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "config-quote.h"
#include "errors.h"
#include "fuzz.h"

/* Config values are one line; longer inputs only cost time. */
#define FUZZ_INPUT_MAX 4096

static char *quote_words(char **words) {
        GString *s = g_string_new(NULL);

        for (size_t i = 0; words[i]; i++) {
                if (i > 0)
                        g_string_append_c(s, ' ');
                g_string_append_c(s, '"');
                for (const char *p = words[i]; *p; p++) {
                        if (*p == '"' || *p == '\\')
                                g_string_append_c(s, '\\');
                        g_string_append_c(s, *p);
                }
                g_string_append_c(s, '"');
        }
        return g_string_free(s, FALSE);
}

static char **split_ok(const char *text, ConfigQuoteFlags flags) {
        g_autoptr(GError) error = NULL;
        char **words = config_split_quoted(text, flags, &error);

        g_assert_no_error(error);
        g_assert_nonnull(words);
        return words;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL, *again = NULL;
        g_auto(GStrv) relaxed = NULL, strict = NULL, back = NULL, back_strict = NULL;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        /* Stops at an embedded NUL, as every caller's C string would. */
        text = g_strndup((const char *) data, size);

        strict = config_split_quoted(text, 0, &error);
        if (!strict) {
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
                g_assert_true(g_utf8_validate(error->message, -1, NULL));
                g_clear_error(&error);
        }
        relaxed = config_split_quoted(text, CONFIG_QUOTE_RELAX_ESCAPES, &error);
        if (!relaxed) {
                g_assert_null(strict);
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
                return 0;
        }
        if (strict)
                g_assert_cmpstrv(strict, relaxed);

        for (size_t i = 0; relaxed[i]; i++)
                g_assert_true(g_utf8_validate(relaxed[i], -1, NULL));

        again = quote_words(relaxed);
        back = split_ok(again, CONFIG_QUOTE_RELAX_ESCAPES);
        back_strict = split_ok(again, 0);
        g_assert_cmpstrv(back, relaxed);
        g_assert_cmpstrv(back_strict, relaxed);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ExecStart= and Environment= split as systemd.service(5) / systemd.exec(5)
 * say (quotes, C escapes), checked on config_split_quoted() and on whole
 * configurations, with systemd's own examples where its manual has them.
 */
#include <glib.h>
#include <locale.h>
#include <string.h>

#include "config-quote.h"
#include "sluice-config.h"
#include "errors.h"

static void assert_words(const char *value, ConfigQuoteFlags flags, const char *const *expected) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) words = config_split_quoted(value, flags, &error);

        g_test_message("value: %s", value);
        g_assert_no_error(error);
        g_assert_nonnull(words);
        g_assert_cmpstrv(words, expected);
}

static void assert_split_error(const char *value, ConfigQuoteFlags flags, const char *message) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) words = config_split_quoted(value, flags, &error);

        g_test_message("value: %s", value);
        g_assert_null(words);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==, message);
}

#define W(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NONE ((const char *const[]) { NULL })
#define RELAX CONFIG_QUOTE_RELAX_ESCAPES

static void test_split_words(void) {
        assert_words("", 0, NONE);
        assert_words("  \t ", 0, NONE);
        assert_words(NULL, 0, NONE);
        assert_words("/bin/true", 0, W("/bin/true"));
        assert_words("  a \t b  ", 0, W("a", "b"));
        /* issue 12's case: three arguments, not "exit and 3" */
        assert_words("/bin/sh -c \"exit 3\"", RELAX, W("/bin/sh", "-c", "exit 3"));
        /* systemd.service(5): ExecStart=/bin/sh -c 'dmesg | tac' */
        assert_words("/bin/sh -c 'dmesg | tac'", RELAX, W("/bin/sh", "-c", "dmesg | tac"));
        /* the other quote inside a quote is an ordinary character */
        assert_words("\"it's\" 'say \"hi\"'", 0, W("it's", "say \"hi\""));
        /* an empty quoted word is a word */
        assert_words("/bin/echo \"\" ''", 0, W("/bin/echo", "", ""));
        /* quotes anywhere in a word, as systemd's extract_first_word() takes them */
        assert_words("a\"b c\"d --x='1 2'", 0, W("ab cd", "--x=1 2"));
        /* systemd.service(5): no variables, no globbing, no redirection: all literal */
        assert_words("/bin/echo $ONE ${TWO} * >/dev/null &", RELAX,
                     W("/bin/echo", "$ONE", "${TWO}", "*", ">/dev/null", "&"));
}

static void test_split_escapes(void) {
        /* systemd.syntax(7)'s table, inside and outside quotes, in single quotes too */
        assert_words("\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\'\\s", 0, W("\a\b\f\n\r\t\v\\\"' "));
        assert_words("\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\'\\s\"", 0, W("\a\b\f\n\r\t\v\\\"' "));
        assert_words("'x\\ty\\'z'", 0, W("x\ty'z"));
        assert_words("\\x41\\102\\u00e9\\U0001F600", 0, W("AB\xc3\xa9\xf0\x9f\x98\x80"));
        /* \s is a space inside the word, not a separator */
        assert_words("a\\sb c", 0, W("a b", "c"));
        /* \" outside quotes is a quote character, not a quote */
        assert_words("\\\"a b\\\"", 0, W("\"a", "b\""));

        /* unknown or invalid escapes: kept as written for ExecStart= (systemd's
         * EXTRACT_CUNESCAPE_RELAX), refused for Environment= */
        assert_words("\\d \\x4 \\x00 \\000 \\u0000 a\\ b", RELAX,
                     W("\\d", "\\x4", "\\x00", "\\000", "\\u0000", "a\\ b"));
        assert_split_error("A=\\d", 0, "\"A=\\\\d\": \"\\\\d\" is not a valid escape");
        assert_split_error("A=\\x00", 0, "\"A=\\\\x00\": \"\\\\x\" is not a valid escape");
        assert_split_error("A=\\9", 0, "\"A=\\\\9\": \"\\\\9\" is not a valid escape");

        /* bytes that are not UTF-8 cannot travel over D-Bus */
        assert_split_error("\\xff", RELAX, "\"\\\\xff\": a word is not valid UTF-8");
        assert_split_error("\\377", 0, "\"\\\\377\": a word is not valid UTF-8");
}

static void test_split_errors(void) {
        assert_split_error("/bin/sh -c \"exit 3", RELAX, "\"/bin/sh -c \\\"exit 3\": a quote is not closed");
        assert_split_error("'a", 0, "\"'a\": a quote is not closed");
        assert_split_error("a \\", RELAX, "\"a \\\\\" ends with a backslash (there are no continuation lines)");
        assert_split_error("\"a \\", 0, "\"\\\"a \\\\\" ends with a backslash (there are no continuation lines)");
}

static SluiceConfig *parse(const char *text, GError **error) {
        return sluice_config_new_from_data(text, "t.conf", error);
}

#define CMD "[Class c]\nKind=command\n"

static void test_exec_start(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = parse(CMD "Parameter.name=.*\n"
                                            "ExecStart=/bin/sh -c \"exit 3\" 'x %{name} y' \\; \\x41\n", &error);
        const ClassConfig *c;

        g_assert_no_error(error);
        c = sluice_config_get_class(cfg, "c");
        /* a %{param} inside quotes stays inside its one argv element; "\;" is a ";" */
        const char *const *want = W("/bin/sh", "-c", "exit 3", "x %{name} y", ";", "A");
        g_assert_cmpstrv(c->exec_start, want);

        /* systemd.service(5): ";" separates commands; sluice runs one and says so */
        g_clear_pointer(&cfg, sluice_config_unref);
        cfg = parse(CMD "ExecStart=/bin/echo one ; /bin/echo two\n", &error);
        g_assert_null(cfg);
        g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
        g_assert_cmpstr(error->message, ==,
                        "t.conf: [Class c] ExecStart: \";\" would start a second command, which sluice does not "
                        "run (write \"\\;\" for a literal semicolon)");
        g_clear_error(&error);

        cfg = parse(CMD "ExecStart=/bin/sh -c 'exit 3\n", &error);
        g_assert_null(cfg);
        g_assert_cmpstr(error->message, ==,
                        "t.conf: [Class c] ExecStart: \"/bin/sh -c 'exit 3\": a quote is not closed");
        g_clear_error(&error);

        /* the path is the first word after unquoting */
        cfg = parse(CMD "ExecStart=\"/usr/bin/my tool\" --x\n", &error);
        g_assert_no_error(error);
        g_assert_cmpstrv(sluice_config_get_class(cfg, "c")->exec_start, W("/usr/bin/my tool", "--x"));
}

static void test_environment(void) {
        g_autoptr(GError) error = NULL;
        /* systemd.exec(5)'s example, word for word */
        g_autoptr(SluiceConfig) cfg = parse(CMD "ExecStart=/bin/true\n"
                                            "Environment=\"VAR1=word1 word2\" VAR2=word3 \"VAR3=$word 5 6\"\n",
                                            &error);

        g_assert_no_error(error);
        g_assert_cmpstrv(sluice_config_get_class(cfg, "c")->environment,
                         W("VAR1=word1 word2", "VAR2=word3", "VAR3=$word 5 6"));

        g_clear_pointer(&cfg, sluice_config_unref);
        cfg = parse(CMD "ExecStart=/bin/true\nEnvironment=A='x y' B=\\x41\\tz C=\"\" D=a\"b\"c\n", &error);
        g_assert_no_error(error);
        g_assert_cmpstrv(sluice_config_get_class(cfg, "c")->environment,
                         W("A=x y", "B=A\tz", "C=", "D=abc"));

        g_clear_pointer(&cfg, sluice_config_unref);
        cfg = parse(CMD "ExecStart=/bin/true\nEnvironment=A=\\q\n", &error);
        g_assert_null(cfg);
        g_assert_cmpstr(error->message, ==,
                        "t.conf: [Class c] Environment: \"A=\\\\q\": \"\\\\q\" is not a valid escape");
}

int main(int argc, char **argv) {
        setlocale(LC_ALL, "");
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/config-quote/words", test_split_words);
        g_test_add_func("/config-quote/escapes", test_split_escapes);
        g_test_add_func("/config-quote/errors", test_split_errors);
        g_test_add_func("/config-quote/exec-start", test_exec_start);
        g_test_add_func("/config-quote/environment", test_environment);
        return g_test_run();
}

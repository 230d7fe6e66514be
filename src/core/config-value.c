/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "config-value.h"
#include "errors.h"
#include "i18n.h"
#include "timespan.h"

/**
 * config_quote() - a value made safe to show inside an error message
 * @s: the value as read (any bytes)
 *
 * Invalid UTF-8 is replaced (messages travel over D-Bus), control
 * characters are escaped and values longer than CONFIG_QUOTE_MAX
 * characters are shortened with "...".
 *
 * Return: a new string.
 */
char *config_quote(const char *s) {
        g_autofree char *valid = g_utf8_make_valid(s ? s : "", -1);
        GString *out = g_string_new(NULL);
        size_t n = 0;

        for (const char *p = valid; *p; p = g_utf8_next_char(p), n++) {
                gunichar c = g_utf8_get_char(p);

                if (n >= CONFIG_QUOTE_MAX) {
                        g_string_append(out, "...");
                        break;
                }
                if (c == '"' || c == '\\')
                        g_string_append_printf(out, "\\%c", (char) c);
                else if (c < 0x20 || c == 0x7f)
                        g_string_append_printf(out, "\\x%02x", (unsigned) c);
                else
                        g_string_append_unichar(out, c);
        }

        return g_string_free(out, FALSE);
}

/* Set an error whose message quotes @value; @fmt has one %s for it. */
#define set_error(error, fmt, value)                                                    \
        do {                                                                            \
                g_autofree char *_q = config_quote(value);                              \
                g_set_error((error), SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, (fmt), _q); \
        } while (0)

static bool parse_u64(const char *value, uint64_t *ret) {
        uint64_t v = 0;

        if (!value || *value == '\0')
                return false;
        for (const char *p = value; *p; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                if (__builtin_mul_overflow(v, 10, &v) ||
                    __builtin_add_overflow(v, (uint64_t) (*p - '0'), &v))
                        return false;
        }
        *ret = v;
        return true;
}

static bool all_digits(const char *s) {
        if (!s || *s == '\0')
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

/**
 * config_parse_uint32() - a strict unsigned 32-bit decimal number
 * @value: the text: digits only (no sign, blanks or suffix)
 * @ret: the number
 * @error: "is not a valid number" or "is out of range"
 *
 * Return: true on success.
 */
bool config_parse_uint32(const char *value, uint32_t *ret, GError **error) {
        uint64_t v;

        if (!all_digits(value)) {
                set_error(error, _("\"%s\" is not a valid number"), value);
                return false;
        }
        if (!parse_u64(value, &v) || v > UINT32_MAX) {
                set_error(error, _("\"%s\" is out of range (0..4294967295)"), value);
                return false;
        }
        *ret = (uint32_t) v;
        return true;
}

/**
 * config_parse_uint64_range() - a strict unsigned decimal number within bounds
 * @value: the text: digits only (no sign, blanks or suffix)
 * @min: smallest allowed value
 * @max: largest allowed value
 * @ret: the number
 * @error: "is not a valid number" or "is out of range (min..max)"
 *
 * Return: true on success.
 */
bool config_parse_uint64_range(const char *value, uint64_t min, uint64_t max, uint64_t *ret, GError **error) {
        uint64_t v;

        if (!all_digits(value)) {
                set_error(error, _("\"%s\" is not a valid number"), value);
                return false;
        }
        if (!parse_u64(value, &v) || v < min || v > max) {
                g_autofree char *q = config_quote(value);

                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is out of range (%" PRIu64 "..%" PRIu64 ")"),
                            q, min, max);
                return false;
        }
        *ret = v;
        return true;
}

/**
 * config_parse_int32_range() - a strict signed decimal number within bounds
 * @value: the text: an optional "-" or "+" and digits
 * @min: smallest allowed value
 * @max: largest allowed value
 * @ret: the number
 * @error: "is not a valid number" or "is out of range (min…max)"
 *
 * Return: true on success.
 */
bool config_parse_int32_range(const char *value, int32_t min, int32_t max, int32_t *ret, GError **error) {
        const char *digits = value;
        bool negative = false;
        uint64_t v;

        if (value && (*value == '-' || *value == '+')) {
                negative = *value == '-';
                digits = value + 1;
        }
        if (!all_digits(digits)) {
                set_error(error, _("\"%s\" is not a valid number"), value);
                return false;
        }
        if (!parse_u64(digits, &v) || v > (uint64_t) INT32_MAX + 1 ||
            (negative ? -(int64_t) v < min : (int64_t) v > max)) {
                g_autofree char *q = config_quote(value);

                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("\"%s\" is out of range (%" PRId32 "..%" PRId32 ")"),
                            q, min, max);
                return false;
        }
        *ret = (int32_t) (negative ? -(int64_t) v : (int64_t) v);
        return true;
}

/**
 * config_parse_bool() - yes/no, true/false, on/off, 1/0 (any case)
 * @value: the text
 * @ret: the boolean
 * @error: "is not a valid boolean"
 *
 * Return: true on success.
 */
bool config_parse_bool(const char *value, bool *ret, GError **error) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                if (value && g_ascii_strcasecmp(value, yes[i]) == 0) {
                        *ret = true;
                        return true;
                }
                if (value && g_ascii_strcasecmp(value, no[i]) == 0) {
                        *ret = false;
                        return true;
                }
        }
        set_error(error, _("\"%s\" is not a valid boolean (yes or no)"), value);
        return false;
}

/**
 * config_parse_timespan() - seconds or a systemd-style time span
 * @value: "90", "1h 30min", "2d", "500ms"…, see parse_timespan()
 * @ret: microseconds
 * @error: "is not a valid time span" or "is too large"
 *
 * Return: true on success.
 */
bool config_parse_timespan(const char *value, usec_t *ret, GError **error) {
        uint64_t v;
        int r;

        r = parse_timespan(value, &v);
        if (r == -ERANGE) {
                set_error(error, _("\"%s\" is too large"), value);
                return false;
        }
        if (r < 0) {
                set_error(error, _("\"%s\" is not a valid time span"), value);
                return false;
        }
        *ret = v;
        return true;
}

static bool is_name_char(char c) {
        return g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

bool config_is_name(const char *s) {
        size_t n = 0;

        if (!s)
                return false;
        for (; s[n]; n++)
                if (!is_name_char(s[n]) || n >= 64)
                        return false;
        return n > 0;
}

bool config_is_param_name(const char *s) {
        size_t n = 0;

        if (!s || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
                return false;
        for (; s[n]; n++)
                if (!(g_ascii_isalnum(s[n]) || s[n] == '_') || n >= 64)
                        return false;
        return true;
}

bool config_is_resource_type(const char *s) {
        return config_is_name(s);
}

static bool is_resource_value_char(char c) {
        return g_ascii_isalnum(c) || strchr("_.-@+", c);
}

/**
 * config_is_resource_key() - "TYPE:VALUE", e.g. "datastore:a"
 * @s: the key
 * @allow_wildcard: whether VALUE may be "*" (a [Resource TYPE:*] section)
 *
 * TYPE is [A-Za-z0-9_.-]{1,64}, VALUE is [A-Za-z0-9_.@+-]{1,128}.
 *
 * Return: whether @s is a valid resource key.
 */
bool config_is_resource_key(const char *s, bool allow_wildcard) {
        const char *colon;
        size_t n = 0;

        if (!s)
                return false;
        colon = strchr(s, ':');
        if (!colon)
                return false;
        {
                g_autofree char *type = g_strndup(s, (size_t) (colon - s));
                if (!config_is_resource_type(type))
                        return false;
        }
        if (allow_wildcard && strcmp(colon + 1, "*") == 0)
                return true;
        for (const char *p = colon + 1; *p; p++, n++)
                if (!is_resource_value_char(*p) || n >= 128)
                        return false;
        return n > 0;
}

/**
 * config_template_foreach() - validate a %{param} template
 * @tmpl: the template text
 * @each: called with every placeholder's name (may be NULL)
 * @userdata: passed to @each
 * @error: what is wrong, naming the template
 *
 * Return: true when every placeholder is well formed and @each accepted it.
 */
bool config_template_foreach(const char *tmpl, ConfigPlaceholderFunc each, void *userdata, GError **error) {
        for (const char *p = tmpl; (p = strchr(p, '%')); ) {
                const char *end;

                if (p[1] != '{') {
                        p++;
                        continue;
                }
                end = strchr(p + 2, '}');
                if (!end) {
                        set_error(error, _("\"%s\" has an unterminated %%{ placeholder"), tmpl);
                        return false;
                }
                g_autofree char *name = g_strndup(p + 2, (size_t) (end - p - 2));
                if (!config_is_param_name(name)) {
                        g_autofree char *qt = config_quote(tmpl), *qn = config_quote(name);

                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("\"%s\" has an invalid placeholder name \"%s\""), qt, qn);
                        return false;
                }
                if (each && !each(name, userdata, error))
                        return false;
                p = end + 1;
        }
        return true;
}

char **config_split_words(const char *value) {
        g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) parts = g_strsplit_set(value ? value : "", " \t", -1);

        for (size_t i = 0; parts[i]; i++)
                if (parts[i][0] != '\0')
                        g_ptr_array_add(words, g_strdup(parts[i]));
        g_ptr_array_add(words, NULL);

        return (char **) g_ptr_array_free(g_steal_pointer(&words), FALSE);
}

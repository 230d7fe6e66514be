/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The [Class NAME] keys of command jobs: the properties of the transient
 * unit a job runs in (User=, Sandbox=, MemoryMax=, ...), retries, and the
 * Duplicates= policy.  Values are checked here as strictly as systemd would
 * check them, so a class that loads never makes StartTransientUnit fail for
 * a malformed property.
 */
#include <string.h>

#include "config-command.h"
#include "config-quote.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"

#define NAME_MAX_LEN 32         /* user and group names, as useradd allows */
#define PATH_MAX_LEN 4096
#define WEIGHT_MIN 1
#define WEIGHT_MAX 10000
#define RETRY_MAX 100
#define BACKOFF_MAX 100.0
#define RETRY_DELAY_DEFAULT (30 * USEC_PER_SEC)

/* Set an error whose message quotes @value; @fmt has one %s for it. */
#define set_error(error, fmt, value)                                                    \
        do {                                                                            \
                g_autofree char *_q = config_quote(value);                              \
                g_set_error((error), SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, (fmt), _q); \
        } while (0)

static const char *const duplicates_names[_DUPLICATES_MAX] = {
        [DUPLICATES_QUEUE] = "queue",
        [DUPLICATES_REJECT] = "reject",
        [DUPLICATES_REPLACE] = "replace",
        [DUPLICATES_CANCEL_QUEUED] = "cancel-queued",
};

static const char *const sandbox_names[_SANDBOX_MAX] = {
        [SANDBOX_NONE] = "none",
        [SANDBOX_BASIC] = "basic",
        [SANDBOX_STRICT] = "strict",
};

static int lookup(const char *const *table, int n, const char *s) {
        for (int i = 0; s && i < n; i++)
                if (strcmp(s, table[i]) == 0)
                        return i;
        return -1;
}

/**
 * duplicates_policy_to_string() - the config name of a Duplicates= policy
 * @p: the policy
 *
 * Return: "queue", "reject", "replace" or "cancel-queued"; NULL when out of range.
 */
const char *duplicates_policy_to_string(DuplicatesPolicy p) {
        if ((unsigned) p >= _DUPLICATES_MAX)
                return NULL;
        return duplicates_names[p];
}

/**
 * duplicates_policy_from_string() - parse a Duplicates= value
 * @s: "queue", "reject", "replace" or "cancel-queued"
 *
 * Return: the policy, -1 if unknown.
 */
int duplicates_policy_from_string(const char *s) {
        return lookup(duplicates_names, _DUPLICATES_MAX, s);
}

/**
 * sandbox_preset_to_string() - the config name of a Sandbox= preset
 * @p: the preset
 *
 * Return: "none", "basic" or "strict"; NULL when out of range.
 */
const char *sandbox_preset_to_string(SandboxPreset p) {
        if ((unsigned) p >= _SANDBOX_MAX)
                return NULL;
        return sandbox_names[p];
}

/**
 * sandbox_preset_from_string() - parse a Sandbox= value
 * @s: "none", "basic" or "strict"
 *
 * Return: the preset, -1 if unknown.
 */
int sandbox_preset_from_string(const char *s) {
        return lookup(sandbox_names, _SANDBOX_MAX, s);
}

const char *const config_command_only_keys[] = {
        "User", "Group", "DynamicUser", "WorkingDirectory", "Environment",
        "CPUWeight", "IOWeight", "MemoryMax", "TasksMax", "Sandbox", "ReadWritePaths", "LoadCredential",
        "Retry", "RetryDelaySec", "RetryBackoff",
        NULL,
};

/**
 * config_command_init() - the defaults of the command keys
 * @c: a new class
 */
void config_command_init(ClassConfig *c) {
        c->environment = g_new0(char *, 1);
        c->read_write_paths = g_new0(char *, 1);
        c->load_credentials = g_new0(char *, 1);
        c->sandbox = SANDBOX_BASIC;
        c->retry_delay_usec = RETRY_DELAY_DEFAULT;
        c->retry_backoff = 1.0;
        c->duplicates = DUPLICATES_QUEUE;
}

/**
 * config_command_clear() - free what the command keys own
 * @c: the class
 */
void config_command_clear(ClassConfig *c) {
        g_clear_pointer(&c->user, g_free);
        g_clear_pointer(&c->group, g_free);
        g_clear_pointer(&c->working_directory, g_free);
        g_clear_pointer(&c->environment, g_strfreev);
        g_clear_pointer(&c->read_write_paths, g_strfreev);
        g_clear_pointer(&c->load_credentials, g_strfreev);
}

/* A user or group name as useradd/groupadd accept it by default
 * ([a-z_][a-z0-9_-]{0,31}, optionally ending in "$"), or a numeric id other
 * than the reserved 65535 and 4294967295. */
static bool is_user_or_id(const char *s) {
        size_t n = strlen(s);
        uint64_t id = 0;
        bool digits = n > 0;

        for (size_t i = 0; i < n; i++)
                digits = digits && g_ascii_isdigit(s[i]);
        if (digits) {
                if (n > 10)
                        return false;
                id = g_ascii_strtoull(s, NULL, 10);
                return id < UINT32_MAX && id != 65535;
        }

        if (n > 0 && s[n - 1] == '$')
                n--;
        if (n == 0 || n > NAME_MAX_LEN || !(g_ascii_islower(s[0]) || s[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(g_ascii_islower(s[i]) || g_ascii_isdigit(s[i]) || s[i] == '_' || s[i] == '-'))
                        return false;
        return true;
}

bool config_parse_user(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;

        if (!is_user_or_id(value)) {
                set_error(error, _("\"%s\" is not a valid user name ([a-z_][a-z0-9_-]{0,31}) or uid"), value);
                return false;
        }
        g_free(c->user);
        c->user = g_strdup(value);
        return true;
}

bool config_parse_group(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;

        if (!is_user_or_id(value)) {
                set_error(error, _("\"%s\" is not a valid group name ([a-z_][a-z0-9_-]{0,31}) or gid"), value);
                return false;
        }
        g_free(c->group);
        c->group = g_strdup(value);
        return true;
}

bool config_parse_dynamic_user(void *t, const char *key, const char *value, GError **error) {
        return config_parse_bool(value, &((ClassConfig *) t)->dynamic_user, error);
}

/**
 * config_is_normalized_path() - an absolute path in its plain form
 * @s: the path
 *
 * Return: true for "/" or "/a/b" without "." or ".." components, "//" or a
 * trailing "/", at most 4096 bytes.
 */
bool config_is_normalized_path(const char *s) {
        if (!s || s[0] != '/' || strlen(s) > PATH_MAX_LEN)
                return false;
        if (s[1] == '\0')
                return true;

        g_auto(GStrv) parts = g_strsplit(s + 1, "/", -1);
        for (size_t i = 0; parts[i]; i++)
                if (parts[i][0] == '\0' || strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0)
                        return false;
        return true;
}

bool config_parse_working_directory(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;

        if (!config_is_normalized_path(value)) {
                set_error(error, _("\"%s\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")"),
                          value);
                return false;
        }
        g_free(c->working_directory);
        c->working_directory = g_strdup(value);
        return true;
}

/**
 * config_is_env_assignment() - KEY=VALUE with a valid variable name
 * @s: the text
 *
 * Return: true when KEY is [A-Za-z_][A-Za-z0-9_]* (VALUE may be empty).
 */
bool config_is_env_assignment(const char *s) {
        const char *eq = s ? strchr(s, '=') : NULL;

        if (!eq || eq == s || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
                return false;
        for (const char *p = s + 1; p < eq; p++)
                if (!(g_ascii_isalnum(*p) || *p == '_'))
                        return false;
        return true;
}

/* The length of KEY in "KEY=VALUE" (including the "="). */
static size_t env_key_len(const char *s) {
        const char *eq = strchr(s, '=');
        return eq ? (size_t) (eq - s) + 1 : strlen(s);
}

/**
 * config_env_merge() - two environment lists, later assignments winning
 * @base: KEY=VALUE strings, may be NULL
 * @add: KEY=VALUE strings applied after @base, may be NULL
 *
 * An assignment to a KEY seen before replaces it where it first appeared,
 * so every KEY occurs once and the order is that of first appearance.
 *
 * Return: a new NULL-terminated vector (never NULL); free with g_strfreev().
 */
char **config_env_merge(const char *const *base, const char *const *add) {
        g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
        const char *const *lists[] = { base, add };

        for (size_t l = 0; l < G_N_ELEMENTS(lists); l++)
                for (const char *const *e = lists[l]; e && *e; e++) {
                        size_t n = env_key_len(*e);
                        guint i;

                        for (i = 0; i < out->len; i++)
                                if (env_key_len(out->pdata[i]) == n && strncmp(out->pdata[i], *e, n) == 0)
                                        break;
                        if (i < out->len) {
                                g_free(out->pdata[i]);
                                out->pdata[i] = g_strdup(*e);
                        } else
                                g_ptr_array_add(out, g_strdup(*e));
                }
        g_ptr_array_add(out, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

bool config_parse_environment(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;
        g_auto(GStrv) words = config_split_quoted(value, 0, error);

        if (!words)
                return false;
        for (size_t i = 0; words[i]; i++)
                if (!config_is_env_assignment(words[i]) || !g_utf8_validate(words[i], -1, NULL)) {
                        set_error(error, _("\"%s\" is not a KEY=VALUE assignment (KEY: [A-Za-z_][A-Za-z0-9_]*)"),
                                  words[i]);
                        return false;
                }
        g_strfreev(c->environment);
        c->environment = config_env_merge((const char *const *) words, NULL);
        return true;
}

bool config_parse_cpu_weight(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint64_range(value, WEIGHT_MIN, WEIGHT_MAX, &((ClassConfig *) t)->cpu_weight, error);
}

bool config_parse_io_weight(void *t, const char *key, const char *value, GError **error) {
        return config_parse_uint64_range(value, WEIGHT_MIN, WEIGHT_MAX, &((ClassConfig *) t)->io_weight, error);
}

bool config_parse_memory_max(void *t, const char *key, const char *value, GError **error) {
        static const struct {
                char suffix;
                unsigned shift;
        } units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 } };
        ClassConfig *c = t;
        size_t n = strlen(value);
        unsigned shift = 0;
        uint64_t v = 0;

        if (strcmp(value, "infinity") == 0) {
                c->memory_max = 0;
                return true;
        }
        for (size_t i = 0; n > 0 && i < G_N_ELEMENTS(units); i++)
                if (value[n - 1] == units[i].suffix) {
                        shift = units[i].shift;
                        n--;
                        break;
                }
        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isdigit(value[i]))
                        n = 0;
        if (n == 0) {
                set_error(error, _("\"%s\" is not a valid size (bytes, optionally with K, M, G or T, or infinity)"),
                          value);
                return false;
        }
        for (size_t i = 0; i < n; i++)
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t) (value[i] - '0'), &v)) {
                        set_error(error, _("\"%s\" is too large"), value);
                        return false;
                }
        if (v > (UINT64_MAX - 1) >> shift) {
                set_error(error, _("\"%s\" is too large"), value);
                return false;
        }
        if (v == 0) {
                set_error(error, _("\"%s\" is too small (at least 1 byte; infinity for no limit)"), value);
                return false;
        }
        c->memory_max = v << shift;
        return true;
}

bool config_parse_tasks_max(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;

        if (strcmp(value, "infinity") == 0) {
                c->tasks_max = UINT64_MAX;
                return true;
        }
        return config_parse_uint64_range(value, 1, UINT64_MAX - 1, &c->tasks_max, error);
}

bool config_parse_sandbox(void *t, const char *key, const char *value, GError **error) {
        int p = sandbox_preset_from_string(value);

        if (p < 0) {
                set_error(error, _("\"%s\" is not a valid sandbox (none, basic or strict)"), value);
                return false;
        }
        ((ClassConfig *) t)->sandbox = (SandboxPreset) p;
        return true;
}

bool config_parse_read_write_paths(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;
        g_auto(GStrv) words = config_split_words(value);

        for (size_t i = 0; words[i]; i++) {
                /* "-PATH": ignored when missing, as systemd reads it. */
                const char *path = words[i][0] == '-' ? words[i] + 1 : words[i];

                if (!config_is_normalized_path(path)) {
                        set_error(error, _("\"%s\" is not a normalised absolute path (no \".\", \"..\", \"//\" or trailing \"/\")"),
                                  words[i]);
                        return false;
                }
                for (size_t j = 0; j < i; j++)
                        if (strcmp(words[i], words[j]) == 0) {
                                set_error(error, _("\"%s\" is listed twice"), words[i]);
                                return false;
                        }
        }
        g_strfreev(c->read_write_paths);
        c->read_write_paths = g_steal_pointer(&words);
        return true;
}

/**
 * config_is_credential_id() - a systemd credential name
 * @s: the name
 *
 * systemd takes any valid file name; sluice takes the portable part of it,
 * so that $CREDENTIALS_DIRECTORY/ID is one plain file name.
 *
 * Return: true for [A-Za-z0-9_.@-]{1,255} other than "." and "..".
 */
bool config_is_credential_id(const char *s) {
        size_t n = 0;

        if (!s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (; s[n]; n++)
                if (!(g_ascii_isalnum(s[n]) || strchr("_.@-", s[n])) || n >= 255)
                        return false;
        return n > 0;
}

/*
 * LoadCredential=ID:PATH ...: systemd reads PATH (as root, before the job's
 * sandbox and user apply) and gives the job a private copy at
 * $CREDENTIALS_DIRECTORY/ID.  Unlike Environment=, the secret itself is in
 * no unit property: `systemctl show` shows ID:PATH only.
 */
bool config_parse_load_credential(void *t, const char *key, const char *value, GError **error) {
        ClassConfig *c = t;
        g_auto(GStrv) words = config_split_words(value);

        for (size_t i = 0; words[i]; i++) {
                const char *colon = strchr(words[i], ':');
                g_autofree char *id = colon ? g_strndup(words[i], (size_t) (colon - words[i])) : NULL;

                if (!colon || !config_is_credential_id(id) || !config_is_normalized_path(colon + 1)) {
                        set_error(error, _("\"%s\" is not ID:PATH (ID: [A-Za-z0-9_.@-]{1,255}; PATH: a normalised "
                                           "absolute path)"),
                                  words[i]);
                        return false;
                }
                for (size_t j = 0; j < i; j++)
                        if (strncmp(words[j], words[i], (size_t) (colon - words[i]) + 1) == 0) {
                                set_error(error, _("credential \"%s\" is loaded twice"), id);
                                return false;
                        }
        }
        g_strfreev(c->load_credentials);
        c->load_credentials = g_steal_pointer(&words);
        return true;
}

bool config_parse_retry(void *t, const char *key, const char *value, GError **error) {
        uint64_t v;

        if (!config_parse_uint64_range(value, 0, RETRY_MAX, &v, error))
                return false;
        ((ClassConfig *) t)->retry = (uint32_t) v;
        return true;
}

bool config_parse_retry_delay(void *t, const char *key, const char *value, GError **error) {
        return config_parse_timespan(value, &((ClassConfig *) t)->retry_delay_usec, error);
}

/* [0-9]{1,3} or [0-9]{1,3}.[0-9]{1,6}: no sign, exponent, blanks or locale. */
static bool is_plain_decimal(const char *s) {
        size_t int_digits = 0, frac_digits = 0;
        const char *p = s;

        for (; g_ascii_isdigit(*p); p++)
                int_digits++;
        if (*p == '.')
                for (p++; g_ascii_isdigit(*p); p++)
                        frac_digits++;
        return *p == '\0' && int_digits >= 1 && int_digits <= 3 && frac_digits <= 6 &&
               (frac_digits > 0 || s[int_digits] == '\0');
}

bool config_parse_retry_backoff(void *t, const char *key, const char *value, GError **error) {
        double v;

        if (!is_plain_decimal(value)) {
                set_error(error, _("\"%s\" is not a valid decimal number (such as 2 or 1.5)"), value);
                return false;
        }
        v = g_ascii_strtod(value, NULL);
        if (v < 1.0 || v > BACKOFF_MAX) {
                set_error(error, _("\"%s\" is out of range (1.0..100)"), value);
                return false;
        }
        ((ClassConfig *) t)->retry_backoff = v;
        return true;
}

bool config_parse_duplicates(void *t, const char *key, const char *value, GError **error) {
        int p = duplicates_policy_from_string(value);

        if (p < 0) {
                set_error(error, _("\"%s\" is not a valid policy (queue, reject, replace or cancel-queued)"), value);
                return false;
        }
        ((ClassConfig *) t)->duplicates = (DuplicatesPolicy) p;
        return true;
}

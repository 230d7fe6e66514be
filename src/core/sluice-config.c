/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config-command.h"
#include "config-default-text.h"
#include "config-model.h"
#include "config-value.h"
#include "sluice-config.h"
#include "errors.h"
#include "i18n.h"
#include "macro.h"

/* How the embedded default is named in messages. */
#define EMBEDDED_ORIGIN "<embedded default>"

static const char *const discipline_names[_DISCIPLINE_MAX] = {
        [DISCIPLINE_FIFO] = "fifo",
        [DISCIPLINE_PRIORITY] = "priority",
        [DISCIPLINE_FAIR] = "fair",
};

const char *discipline_to_string(Discipline d) {
        if ((int) d < 0 || d >= _DISCIPLINE_MAX)
                return NULL;
        return discipline_names[d];
}

int discipline_from_string(const char *s) {
        for (int i = 0; s && i < _DISCIPLINE_MAX; i++)
                if (strcmp(s, discipline_names[i]) == 0)
                        return i;
        return -1;
}

/* An error naming @what (a file or directory) with GLib's @message; both
 * made valid UTF-8, since messages travel over D-Bus. */
static void set_file_error(GError **error, const char *what, const char *message) {
        g_autofree char *w = what ? g_utf8_make_valid(what, -1) : NULL;
        g_autofree char *m = g_utf8_make_valid(message, -1);

        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, "%s%s%s", w ? w : "", w ? ": " : "", m);
}

static void origins_clear(ConfigOrigins *o) {
        if (o->map)
                g_hash_table_unref(o->map);
        if (o->where)
                g_hash_table_unref(o->where);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ConfigOrigins, origins_clear)

static void origins_set(ConfigOrigins *o, const char *group, const char *key, const char *file) {
        if (!o->map || !file)
                return;
        g_hash_table_replace(o->map, g_strconcat(group, "\n", key ? key : "", NULL), g_strdup(file));
}

static SluiceConfigOrigin *origin_new(const char *source, const char *location) {
        SluiceConfigOrigin *o = g_new0(SluiceConfigOrigin, 1);

        o->source = g_strdup(source);
        o->location = g_strdup(location ? location : "");
        return o;
}

static void origin_free(SluiceConfigOrigin *o) {
        if (!o)
                return;
        g_free(o->source);
        g_free(o->location);
        g_free(o);
}

static GHashTable *where_new(void) {
        return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) origin_free);
}

static void where_set(GHashTable *where, const char *group, const char *key, const char *source,
                      const char *location) {
        if (where)
                g_hash_table_replace(where, g_strconcat(group, "\n", key, NULL), origin_new(source, location));
}

static void where_remove(GHashTable *where, const char *group, const char *key) {
        if (where) {
                g_autofree char *k = g_strconcat(group, "\n", key, NULL);
                g_hash_table_remove(where, k);
        }
}

/*
 * "GROUP\nKEY" -> line number (GUINT_TO_POINTER) of the line that sets each
 * key in @data, the last one when a key is set twice (GKeyFile keeps the
 * last).  Lines as GKeyFile reads them: comments, blank lines, "[GROUP]",
 * "KEY=VALUE" with blanks around KEY; localized keys (KEY[de]=) are skipped.
 */
static GHashTable *key_lines(const char *data, size_t len) {
        GHashTable *lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autofree char *group = NULL;
        const char *p = data, *end = data + len;
        unsigned lineno = 0;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)), *line = p, *eq, *key_end;

                if (!eol)
                        eol = end;
                lineno++;
                p = eol + 1;
                while (line < eol && (*line == ' ' || *line == '\t'))
                        line++;
                if (line == eol || *line == '#')
                        continue;
                if (*line == '[') {
                        const char *close = memchr(line, ']', (size_t) (eol - line));

                        if (close) {
                                g_free(group);
                                group = g_strndup(line + 1, (size_t) (close - line - 1));
                        }
                        continue;
                }
                eq = memchr(line, '=', (size_t) (eol - line));
                if (!eq || !group)
                        continue;
                key_end = eq;
                while (key_end > line && (key_end[-1] == ' ' || key_end[-1] == '\t'))
                        key_end--;
                if (key_end == line || key_end[-1] == ']')
                        continue;
                g_hash_table_replace(lines, g_strdup_printf("%s\n%.*s", group, (int) (key_end - line), line),
                                     GUINT_TO_POINTER(lineno));
        }
        return lines;
}

/* GKeyFile cannot create an empty group directly: add and drop a key. */
static void ensure_group(GKeyFile *kf, const char *group) {
        if (g_key_file_has_group(kf, group))
                return;
        g_key_file_set_value(kf, group, "X-Sluice-Placeholder", "");
        (void) g_key_file_remove_key(kf, group, "X-Sluice-Placeholder", NULL);
}

/* Copy every value of @src over @dst, key by key; an empty value removes the
 * key (back to its default).  Comments are not copied. */
static void merge_into(GKeyFile *dst, GKeyFile *src, const char *origin, ConfigOrigins *origins,
                       GHashTable *lines, const char *source) {
        g_auto(GStrv) groups = g_key_file_get_groups(src, NULL);

        for (size_t i = 0; groups[i]; i++) {
                g_auto(GStrv) keys = g_key_file_get_keys(src, groups[i], NULL, NULL);

                if (!g_key_file_has_group(dst, groups[i]))
                        origins_set(origins, groups[i], NULL, origin);
                ensure_group(dst, groups[i]);

                for (size_t j = 0; keys && keys[j]; j++) {
                        g_autofree char *value = g_key_file_get_value(src, groups[i], keys[j], NULL);

                        if (!value || value[0] == '\0') {
                                (void) g_key_file_remove_key(dst, groups[i], keys[j], NULL);
                                where_remove(origins->where, groups[i], keys[j]);
                                if (origins->map) {
                                        g_autofree char *k = g_strconcat(groups[i], "\n", keys[j], NULL);
                                        g_hash_table_remove(origins->map, k);
                                }
                                continue;
                        }
                        g_key_file_set_value(dst, groups[i], keys[j], value);
                        origins_set(origins, groups[i], keys[j], origin);
                        if (origins->where) {
                                g_autofree char *k = g_strconcat(groups[i], "\n", keys[j], NULL);
                                guint line = lines ? GPOINTER_TO_UINT(g_hash_table_lookup(lines, k)) : 0;
                                g_autofree char *loc = NULL;

                                if (origin)
                                        loc = line ? g_strdup_printf("%s:%u", origin, line) : g_strdup(origin);
                                where_set(origins->where, groups[i], keys[j], source, loc);
                        }
                }
        }
}

/* Every value of one file on its own, so errors name the file they are in. */
static bool check_file(GKeyFile *kf, const char *origin, GError **error) {
        const ConfigOrigins o = { .file = origin };
        g_autoptr(SluiceConfig) cfg = config_model_build(kf, &o, CONFIG_BUILD_VALUES_ONLY, error);

        return cfg != NULL;
}

/* @len bytes of text, quoted for a message; a NUL byte shows as \x00. */
static char *quote_bytes(const char *text, size_t len) {
        GString *out = g_string_new(NULL);
        const char *p = text, *end = text + len;

        for (;;) {
                const char *nul = memchr(p, 0, (size_t) (end - p));
                g_autofree char *piece = g_strndup(p, nul ? (size_t) (nul - p) : (size_t) (end - p));
                g_autofree char *q = config_quote(piece);

                g_string_append(out, q);
                if (!nul || out->len > CONFIG_QUOTE_MAX)
                        break;
                g_string_append(out, "\\x00");
                p = nul + 1;
        }
        return g_string_free(out, FALSE);
}

/* The section a "[NAME]" line opens, else NULL. */
static char *section_of_line(const char *line, size_t len) {
        const char *end = line + len, *close;

        while (line < end && (*line == ' ' || *line == '\t'))
                line++;
        if (line == end || *line != '[')
                return NULL;
        close = memchr(line, ']', (size_t) (end - line));
        return close ? g_strndup(line + 1, (size_t) (close - line - 1)) : NULL;
}

/*
 * GKeyFile reads a line only up to a NUL byte and drops the rest of it
 * without a word ("Description=a\0b" would be "a"), although a value may
 * hold no control character.  A NUL anywhere in a file is refused, naming
 * file and line, and the section and key when it is in a value.
 */
static bool check_no_nul(const char *data, size_t len, const char *origin_raw, GError **error) {
        const char *nul = memchr(data, 0, len), *line = data, *end = data + len, *eol, *eq;
        g_autofree char *origin = NULL, *where = NULL, *section = NULL;
        unsigned lineno = 1;

        if (!nul)
                return true;
        for (const char *p = data; p < nul; p++)
                if (*p == '\n') {
                        char *s = section_of_line(line, (size_t) (p - line));

                        if (s) {
                                g_free(section);
                                section = s;
                        }
                        line = p + 1;
                        lineno++;
                }
        eol = memchr(nul, '\n', (size_t) (end - nul));
        if (!eol)
                eol = end;

        origin = origin_raw ? g_utf8_make_valid(origin_raw, -1) : NULL;
        where = origin ? g_strdup_printf("%s:%u", origin, lineno) : g_strdup_printf(_("line %u"), lineno);
        eq = memchr(line, '=', (size_t) (nul - line));
        while (line < nul && (*line == ' ' || *line == '\t'))
                line++;
        if (eq && line < eq && *line != '#' && *line != '[') {
                const char *key_end = eq, *value = eq + 1;
                g_autofree char *key = NULL, *k = NULL, *v = NULL;

                while (key_end > line && (key_end[-1] == ' ' || key_end[-1] == '\t'))
                        key_end--;
                while (value < eol && (*value == ' ' || *value == '\t'))
                        value++;
                key = g_strndup(line, (size_t) (key_end - line));
                k = config_quote(key);
                v = quote_bytes(value, (size_t) (eol - value));
                if (section) {
                        g_autofree char *sq = config_quote(section);

                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("%s: [%s] %s: \"%s\" contains a NUL byte"), where, sq, k, v);
                } else
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("%s: %s: \"%s\" contains a NUL byte"), where, k, v);
                return false;
        }
        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG, _("%s: contains a NUL byte"), where);
        return false;
}

static GKeyFile *key_file_from_data(const char *data, size_t len, const char *origin, GHashTable **ret_lines,
                                    GError **error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) e = NULL;

        if (!check_no_nul(data, len, origin, error))
                return NULL;
        if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_KEEP_TRANSLATIONS, &e)) {
                set_file_error(error, origin, e->message);
                return NULL;
        }
        if (ret_lines)
                *ret_lines = key_lines(data, len);
        return g_steal_pointer(&kf);
}

/**
 * sluice_config_new_from_bytes() - a configuration from one key file's bytes
 * @data: the text, @len bytes (a NUL byte among them is refused)
 * @len: its length
 * @origin: names the text in error messages (may be NULL)
 * @error: SLUICE_ERROR_INVALID_CONFIG naming origin, section, key and value
 *         ("origin:line" for a NUL byte)
 *
 * Return: a new configuration (one reference), or NULL.
 */
SluiceConfig *sluice_config_new_from_bytes(const char *data, size_t len, const char *origin, GError **error) {
        g_auto(ConfigOrigins) origins = { .file = origin, .where = where_new() };
        g_autoptr(GKeyFile) kf = NULL, merged = g_key_file_new();
        g_autoptr(GHashTable) lines = NULL;

        g_return_val_if_fail(data || len == 0, NULL);

        kf = key_file_from_data(data ? data : "", len, origin, &lines, error);
        if (!kf || !check_file(kf, origin, error))
                return NULL;

        merge_into(merged, kf, origin, &origins, lines, "file");
        return config_model_build(merged, &origins, CONFIG_BUILD_FULL, error);
}

/**
 * sluice_config_new_from_data() - a configuration from one key file's text
 * @data: the text (NUL-terminated)
 * @origin: names the text in error messages (may be NULL)
 * @error: SLUICE_ERROR_INVALID_CONFIG naming origin, section, key and value
 *
 * Return: a new configuration (one reference), or NULL.
 */
SluiceConfig *sluice_config_new_from_data(const char *data, const char *origin, GError **error) {
        g_return_val_if_fail(data, NULL);
        return sluice_config_new_from_bytes(data, strlen(data), origin, error);
}

/**
 * sluice_config_default_data() - the embedded default configuration's text
 *
 * Return: data/sluiced.conf as it was at build time (static).
 */
const char *sluice_config_default_data(void) {
        return sluice_config_default_text;
}

/**
 * sluice_config_new_default() - the embedded default configuration
 *
 * The default is checked by the unit tests; failing to parse it is a bug.
 *
 * Return: a new configuration (one reference).
 */
SluiceConfig *sluice_config_new_default(void) {
        g_autoptr(GError) error = NULL;
        SluiceConfig *cfg = sluice_config_new_from_data(sluice_config_default_text, EMBEDDED_ORIGIN, &error);

        if (!cfg)
                g_error("embedded default configuration is invalid: %s", error->message);
        return cfg;
}

static gint compare_strings(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The *.conf names in @dir, sorted bytewise; an absent directory gives none. */
static bool list_drop_ins(const char *dir, GPtrArray **ret, GError **error) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) e = NULL;
        g_autoptr(GDir) d = g_dir_open(dir, 0, &e);
        const char *name;

        if (!d) {
                if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
                        *ret = g_steal_pointer(&names);
                        return true;
                }
                set_file_error(error, dir, e->message);
                return false;
        }

        while ((name = g_dir_read_name(d)))
                if (g_str_has_suffix(name, ".conf") && name[0] != '.')
                        g_ptr_array_add(names, g_build_filename(dir, name, NULL));
        g_ptr_array_sort(names, compare_strings);

        *ret = g_steal_pointer(&names);
        return true;
}

/* The whole file, with its length: G_FILE_ERROR with strerror()'s words, as GKeyFile says it. */
static bool read_whole_file(const char *path, char **ret, size_t *ret_len, GError **error) {
        _cleanup_close_ int fd = -EBADF;
        g_autoptr(GByteArray) buf = g_byte_array_new();
        uint8_t chunk[16384];
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                goto fail;
        while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                g_byte_array_append(buf, chunk, (guint) n);
        }
        *ret_len = buf->len;
        g_byte_array_append(buf, (const uint8_t *) "", 1);
        *ret = (char *) g_byte_array_free(g_steal_pointer(&buf), FALSE);
        return true;
fail:
        {
                int errsv = errno;

                g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(errsv), g_strerror(errsv));
                return false;
        }
}

/* A file's key file; a missing file is G_FILE_ERROR_NOENT, anything else INVALID_CONFIG naming it. */
static GKeyFile *key_file_from_file(const char *path, GHashTable **ret_lines, GError **error) {
        g_autoptr(GError) e = NULL;
        g_autofree char *data = NULL;
        size_t len = 0;

        /* Read whole, not with g_key_file_load_from_file(): the NUL check needs the length. */
        if (!read_whole_file(path, &data, &len, &e)) {
                if (e->code == G_FILE_ERROR_NOENT) {
                        g_propagate_error(error, g_steal_pointer(&e));
                        return NULL;
                }
                set_file_error(error, path, e->message);
                return NULL;
        }
        return key_file_from_data(data, len, path, ret_lines, error);
}

/**
 * sluice_config_load() - load the main file and its drop-ins
 * @path: the main file; NULL for the built-in path (/etc/sluice/sluiced.conf)
 * @error: SLUICE_ERROR_INVALID_CONFIG naming the file, section, key and value
 *
 * When @path does not exist the embedded default takes its place.  Then every
 * @path.d/(*.conf) is applied in bytewise order of the file names, key by key
 * (a later file wins; an empty value resets a key to its default).  Each file
 * is validated on its own first, so an error names the file holding the bad
 * value; then the merged result is validated whole.
 *
 * Return: a new configuration (one reference), or NULL.
 */
SluiceConfig *sluice_config_load(const char *path, GError **error) {
        g_auto(ConfigOrigins) origins = {
                .map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
                .where = where_new(),
        };
        g_autoptr(GKeyFile) merged = g_key_file_new(), main_kf = NULL;
        g_autoptr(GHashTable) main_lines = NULL;
        g_autoptr(GPtrArray) drop_ins = NULL;
        g_autoptr(GError) e = NULL;
        g_autofree char *dir = NULL;
        const char *main_origin = path ? path : SLUICE_DEFAULT_CONFIG_PATH;

        main_kf = key_file_from_file(main_origin, &main_lines, &e);
        if (!main_kf && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
                main_origin = EMBEDDED_ORIGIN;
                main_kf = key_file_from_data(sluice_config_default_text, strlen(sluice_config_default_text),
                                             main_origin, &main_lines, error);
                g_assert(main_kf);
        } else if (!main_kf) {
                g_propagate_error(error, g_steal_pointer(&e));
                return NULL;
        }
        if (!check_file(main_kf, main_origin, error))
                return NULL;
        merge_into(merged, main_kf, main_origin, &origins, main_lines, "file");

        dir = g_strconcat(path ? path : SLUICE_DEFAULT_CONFIG_PATH, ".d", NULL);
        if (!list_drop_ins(dir, &drop_ins, error))
                return NULL;
        for (guint i = 0; i < drop_ins->len; i++) {
                const char *file = g_ptr_array_index(drop_ins, i);
                g_autoptr(GKeyFile) kf = NULL;
                g_autoptr(GHashTable) lines = NULL;
                g_autoptr(GError) fe = NULL;

                kf = key_file_from_file(file, &lines, &fe);
                if (!kf) {
                        if (fe->domain == G_FILE_ERROR) /* vanished meanwhile */
                                set_file_error(error, file, fe->message);
                        else
                                g_propagate_error(error, g_steal_pointer(&fe));
                        return NULL;
                }
                if (!check_file(kf, file, error))
                        return NULL;
                merge_into(merged, kf, file, &origins, lines, "drop-in");
        }

        return config_model_build(merged, &origins, CONFIG_BUILD_FULL, error);
}

static GKeyFile *key_file_copy(GKeyFile *kf) {
        g_autofree char *text = g_key_file_to_data(kf, NULL, NULL);
        g_autoptr(GKeyFile) copy = g_key_file_new();

        if (!g_key_file_load_from_data(copy, text, (gsize) -1, G_KEY_FILE_KEEP_TRANSLATIONS, NULL))
                g_assert_not_reached();         /* GKeyFile reads what it wrote */
        return g_steal_pointer(&copy);
}

/**
 * sluice_config_update() - a copy of @cfg with keys of one section set
 * @cfg: the current configuration; never modified
 * @section: "Scheduler", "Class NAME" or "Resource KEY"; created if new
 * @keys: NULL-terminated key names
 * @values: their values in key-file syntax, parallel to @keys; an empty
 *          value resets the key to its default
 * @error: SLUICE_ERROR_INVALID_CONFIG naming section, key and value
 *
 * The result is validated whole, exactly as a loaded file would be.
 *
 * Return: a new configuration (one reference), or NULL.
 */
SluiceConfig *sluice_config_update(const SluiceConfig *cfg, const char *section,
                                   const char *const *keys, const char *const *values,
                                   GError **error) {
        return sluice_config_update_from(cfg, section, keys, values, "runtime", "", error);
}

/* A copy of a "where" table (NULL: an empty one). */
static GHashTable *where_copy(GHashTable *from) {
        GHashTable *to = where_new();
        GHashTableIter it;
        gpointer k, v;

        if (!from)
                return to;
        g_hash_table_iter_init(&it, from);
        while (g_hash_table_iter_next(&it, &k, &v)) {
                const SluiceConfigOrigin *o = v;
                g_hash_table_replace(to, g_strdup(k), origin_new(o->source, o->location));
        }
        return to;
}

/**
 * sluice_config_update_from() - sluice_config_update() naming where the values came from
 * @cfg: the current configuration; never modified
 * @section: as sluice_config_update()'s
 * @keys: as sluice_config_update()'s
 * @values: as sluice_config_update()'s
 * @source: what sluice_config_key_origin() says of the keys set: "runtime" or "override"
 * @location: and where (may be "")
 * @error: as sluice_config_update()'s
 *
 * A key reset to its default (empty value) has no origin any more.
 *
 * Return: a new configuration (one reference), or NULL.
 */
SluiceConfig *sluice_config_update_from(const SluiceConfig *cfg, const char *section,
                                        const char *const *keys, const char *const *values,
                                        const char *source, const char *location, GError **error) {
        g_auto(ConfigOrigins) origins = { .file = NULL };
        g_autoptr(GKeyFile) kf = NULL;
        ConfigSectionType type;
        const char *arg;

        g_return_val_if_fail(cfg, NULL);
        g_return_val_if_fail(section, NULL);

        if (!config_section_parse(section, &type, &arg, NULL, error))
                return NULL;

        kf = key_file_copy(cfg->merged);
        ensure_group(kf, section);
        origins.where = where_copy(cfg->key_origins);

        for (size_t i = 0; keys && keys[i]; i++) {
                g_autofree char *value = NULL;

                g_return_val_if_fail(values && values[i], NULL);

                if (!config_key_check(type, section, keys[i], NULL, error))
                        return NULL;
                if (strpbrk(values[i], "\r\n")) {
                        g_autofree char *q = config_quote(values[i]);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("[%s] %s: \"%s\" contains a line break"), section, keys[i], q);
                        return NULL;
                }

                value = g_strstrip(g_strdup(values[i]));
                if (value[0] == '\0') {
                        (void) g_key_file_remove_key(kf, section, keys[i], NULL);
                        where_remove(origins.where, section, keys[i]);
                } else {
                        g_key_file_set_value(kf, section, keys[i], value);
                        where_set(origins.where, section, keys[i], source, location);
                }
        }

        return config_model_build(kf, &origins, CONFIG_BUILD_FULL, error);
}

/**
 * sluice_config_ref() - take a reference
 * @cfg: the configuration
 *
 * Return: @cfg.
 */
SluiceConfig *sluice_config_ref(SluiceConfig *cfg) {
        g_return_val_if_fail(cfg, NULL);
        g_atomic_int_inc(&cfg->ref);
        return cfg;
}

/**
 * sluice_config_unref() - drop a reference; the last one frees
 * @cfg: the configuration (may be NULL)
 */
void sluice_config_unref(SluiceConfig *cfg) {
        if (cfg && g_atomic_int_dec_and_test(&cfg->ref))
                config_model_free(cfg);
}

/**
 * sluice_config_get_class() - look a class up by name
 * @cfg: the configuration
 * @name: the class name
 *
 * Return: the class (owned by @cfg), or NULL if there is none of that name.
 */
const ClassConfig *sluice_config_get_class(const SluiceConfig *cfg, const char *name) {
        g_return_val_if_fail(cfg, NULL);
        return name ? g_hash_table_lookup(cfg->classes, name) : NULL;
}

/**
 * sluice_config_resource_limit() - MaxRunning for one expanded resource
 * @cfg: the configuration
 * @resource: "TYPE:VALUE", e.g. "datastore:a"
 *
 * An exact [Resource TYPE:VALUE] section wins over [Resource TYPE:*].
 *
 * Return: the limit; 0 = unlimited (also when no section applies).
 */
uint32_t sluice_config_resource_limit(const SluiceConfig *cfg, const char *resource) {
        const ResourceConfig *r;
        const char *colon;

        g_return_val_if_fail(cfg, 0);
        if (!resource)
                return 0;

        r = g_hash_table_lookup(cfg->resources, resource);
        if (r)
                return r->max_running;

        colon = strchr(resource, ':');
        if (!colon)
                return 0;
        g_autofree char *wildcard = g_strdup_printf("%.*s:*", (int) (colon - resource), resource);
        r = g_hash_table_lookup(cfg->resources, wildcard);
        return r ? r->max_running : 0;
}

static const ResourceConfig *resource_lookup(const SluiceConfig *cfg, const char *resource) {
        const ResourceConfig *r = g_hash_table_lookup(cfg->resources, resource);
        const char *colon;

        if (r)
                return r;
        colon = strchr(resource, ':');
        if (!colon)
                return NULL;
        g_autofree char *wildcard = g_strdup_printf("%.*s:*", (int) (colon - resource), resource);
        return g_hash_table_lookup(cfg->resources, wildcard);
}

/**
 * sluice_config_resource_scope() - Scope= of one expanded resource
 * @cfg: the configuration
 * @resource: "TYPE:VALUE", e.g. "sync:offsite" (a section key "TYPE:*" works too)
 *
 * The section is chosen as for the limit: an exact [Resource TYPE:VALUE]
 * wins over [Resource TYPE:*], whole (its Scope= default included).
 *
 * Return: RESOURCE_SCOPE_HOST when no section applies.
 */
ResourceScope sluice_config_resource_scope(const SluiceConfig *cfg, const char *resource) {
        const ResourceConfig *r;

        g_return_val_if_fail(cfg, RESOURCE_SCOPE_HOST);
        if (!resource)
                return RESOURCE_SCOPE_HOST;
        r = resource_lookup(cfg, resource);
        return r ? r->scope : RESOURCE_SCOPE_HOST;
}

static bool cluster_config_equal(const ClusterConfig *a, const ClusterConfig *b) {
        if (!a || !b)
                return a == b;
        return g_strv_equal((const char *const *) a->endpoints, (const char *const *) b->endpoints) &&
               g_strcmp0(a->endpoints_error, b->endpoints_error) == 0 &&
               g_strcmp0(a->ca_file, b->ca_file) == 0 && g_strcmp0(a->cert_file, b->cert_file) == 0 &&
               g_strcmp0(a->key_file, b->key_file) == 0 && g_strcmp0(a->user, b->user) == 0 &&
               g_strcmp0(a->password_file, b->password_file) == 0 &&
               g_strcmp0(a->host_name, b->host_name) == 0 && g_strcmp0(a->prefix, b->prefix) == 0 &&
               a->lease_ttl_sec == b->lease_ttl_sec && a->on_lease_lost == b->on_lease_lost;
}

/* The scope of every resource section of @sections is the same in @a (running) and @b (next). */
static bool scopes_kept(const SluiceConfig *a, const SluiceConfig *b, const SluiceConfig *sections, GError **error) {
        GHashTableIter it;
        gpointer key;

        g_hash_table_iter_init(&it, sections->resources);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
                ResourceScope was = sluice_config_resource_scope(a, key), now = sluice_config_resource_scope(b, key);

                if (was != now) {
                        g_autofree char *q = config_quote(key);
                        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("[Resource %s] Scope: cannot change from %s to %s while sluiced runs "
                                      "(restart sluiced)"), q,
                                    was == RESOURCE_SCOPE_CLUSTER ? "cluster" : "host",
                                    now == RESOURCE_SCOPE_CLUSTER ? "cluster" : "host");
                        return false;
                }
        }
        return true;
}

/**
 * sluice_config_check_runtime_change() - may @next replace @running without a restart?
 * @running: the configuration in force
 * @next: the candidate (UpdateConfig(), Reload())
 * @error: SLUICE_ERROR_INVALID_CONFIG naming [Cluster] or the resource, saying to restart
 *
 * [Cluster] (any key) and the Scope= of any resource either configuration
 * has a section for are fixed while sluiced runs: the etcd connection is
 * made once at start, and a resource whose jobs hold fleet keys cannot
 * silently change how it is counted (docs/cluster.md, "Configuration").
 *
 * Return: true when they are the same.
 */
bool sluice_config_check_runtime_change(const SluiceConfig *running, const SluiceConfig *next, GError **error) {
        g_return_val_if_fail(running && next, false);

        if (!cluster_config_equal(running->cluster, next->cluster)) {
                g_set_error_literal(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                                    _("[Cluster]: cannot change while sluiced runs (restart sluiced)"));
                return false;
        }
        return scopes_kept(running, next, running, error) && scopes_kept(running, next, next, error);
}

/**
 * sluice_config_check_runtime_key() - may UpdateConfig() set @key of @section?
 * @section: "Cluster", "Resource KEY", ...
 * @key: the key
 * @error: SLUICE_ERROR_INVALID_CONFIG saying to edit the files and restart
 *
 * [Cluster] and [Resource KEY] Scope= come from the files only: an override
 * would outlive the restart that applies it, and a later UnsetConfig() would
 * change them under running jobs (docs/cluster.md, "Configuration").
 *
 * Return: true when it may.
 */
bool sluice_config_check_runtime_key(const char *section, const char *key, GError **error) {
        g_return_val_if_fail(section && key, false);

        if (strcmp(section, "Cluster") == 0 ||
            (g_str_has_prefix(section, "Resource ") && strcmp(key, "Scope") == 0)) {
                g_autofree char *qs = config_quote(section), *qk = config_quote(key);
                g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG,
                            _("[%s] %s: set in the configuration files only (edit them and restart sluiced)"),
                            qs, qk);
                return false;
        }
        return true;
}

/**
 * sluice_config_class_names() - every class name, sorted
 * @cfg: the configuration
 *
 * Return: a NULL-terminated vector; free with g_strfreev().
 */
static char **sorted_keys(GHashTable *table) {
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        GHashTableIter it;
        gpointer key;

        g_hash_table_iter_init(&it, table);
        while (g_hash_table_iter_next(&it, &key, NULL))
                g_ptr_array_add(names, g_strdup(key));
        g_ptr_array_sort(names, compare_strings);
        g_ptr_array_add(names, NULL);

        return (char **) g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

char **sluice_config_class_names(const SluiceConfig *cfg) {
        g_return_val_if_fail(cfg, NULL);
        return sorted_keys(cfg->classes);
}

/**
 * sluice_config_schedule_names() - every [Schedule NAME], sorted
 * @cfg: the configuration
 *
 * Return: a NULL-terminated vector; free with g_strfreev().
 */
char **sluice_config_schedule_names(const SluiceConfig *cfg) {
        g_return_val_if_fail(cfg, NULL);
        return sorted_keys(cfg->schedules);
}

/**
 * sluice_config_alert_names() - every [Alert NAME], sorted
 * @cfg: the configuration
 *
 * Return: a NULL-terminated vector; free with g_strfreev().
 */
char **sluice_config_alert_names(const SluiceConfig *cfg) {
        g_return_val_if_fail(cfg, NULL);
        return sorted_keys(cfg->alerts);
}

/**
 * sluice_config_get_schedule() - look a schedule up by name
 * @cfg: the configuration
 * @name: the schedule name
 *
 * Return: the schedule (owned by @cfg), or NULL.
 */
const ScheduleConfig *sluice_config_get_schedule(const SluiceConfig *cfg, const char *name) {
        g_return_val_if_fail(cfg, NULL);
        return name ? g_hash_table_lookup(cfg->schedules, name) : NULL;
}

/**
 * sluice_config_get_alert() - look an alert up by name
 * @cfg: the configuration
 * @name: the alert name
 *
 * Return: the alert (owned by @cfg), or NULL.
 */
const AlertConfig *sluice_config_get_alert(const SluiceConfig *cfg, const char *name) {
        g_return_val_if_fail(cfg, NULL);
        return name ? g_hash_table_lookup(cfg->alerts, name) : NULL;
}

/**
 * sluice_config_to_data() - key file text of the effective configuration
 * @cfg: the configuration
 *
 * Every set key of the merged files, without comments; reading the text back
 * with sluice_config_new_from_data() gives an equal configuration.
 *
 * Return: a new string.
 */
char *sluice_config_to_data(const SluiceConfig *cfg) {
        g_return_val_if_fail(cfg, NULL);
        return g_key_file_to_data(cfg->merged, NULL, NULL);
}

/**
 * sluice_config_key_origin() - where one key's value came from
 * @cfg: the configuration
 * @section: the section, as in the file
 * @key: the key
 *
 * Return: the origin (owned by @cfg), or NULL when the key is not set.
 */
const SluiceConfigOrigin *sluice_config_key_origin(const SluiceConfig *cfg, const char *section, const char *key) {
        g_autofree char *k = NULL;

        g_return_val_if_fail(cfg, NULL);
        if (!cfg->key_origins || !section || !key)
                return NULL;
        k = g_strconcat(section, "\n", key, NULL);
        return g_hash_table_lookup(cfg->key_origins, k);
}

/**
 * sluice_config_entry_free() - free one entry of sluice_config_entries()
 * @e: the entry (may be NULL)
 */
void sluice_config_entry_free(SluiceConfigEntry *e) {
        if (!e)
                return;
        g_free(e->section);
        g_free(e->key);
        g_free(e->value);
        g_free(e->source);
        g_free(e->location);
        g_free(e);
}

static void add_entry(GPtrArray *out, const char *section, const char *key, const char *value,
                      const char *source, const char *location) {
        SluiceConfigEntry *e = g_new0(SluiceConfigEntry, 1);

        e->section = g_strdup(section);
        e->key = g_strdup(key);
        e->value = g_strdup(value);
        e->source = g_strdup(source);
        e->location = g_strdup(location ? location : "");
        g_ptr_array_add(out, e);
}

/**
 * sluice_config_entries() - the effective configuration, key by key, with origins
 * @cfg: the configuration
 *
 * First every key set, in the merged file's order, with the origin recorded
 * when it was set ("file" with no location when none was recorded); then,
 * for each section present, every known key left at a non-empty default.
 *
 * Return: SluiceConfigEntry* (owned; the array frees them).
 */
GPtrArray *sluice_config_entries(const SluiceConfig *cfg) {
        g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify) sluice_config_entry_free);
        g_auto(GStrv) groups = NULL;

        g_return_val_if_fail(cfg, NULL);
        groups = g_key_file_get_groups(cfg->merged, NULL);

        for (size_t i = 0; groups[i]; i++) {
                g_auto(GStrv) keys = g_key_file_get_keys(cfg->merged, groups[i], NULL, NULL);
                ConfigSectionType type;
                bool lease_class;
                const char *arg;

                for (size_t j = 0; keys && keys[j]; j++) {
                        g_autofree char *value = g_key_file_get_value(cfg->merged, groups[i], keys[j], NULL);
                        const SluiceConfigOrigin *o = sluice_config_key_origin(cfg, groups[i], keys[j]);

                        add_entry(out, groups[i], keys[j], value ? value : "", o ? o->source : "file",
                                  o ? o->location : "");
                }

                if (!config_section_parse(groups[i], &type, &arg, NULL, NULL))
                        continue;
                if (type == CONFIG_SECTION_CLASS) {
                        const ClassConfig *c = sluice_config_get_class(cfg, arg);
                        lease_class = c && c->kind == JOB_KIND_LEASE;
                } else
                        lease_class = false;
                for (size_t k = 0; config_known_key(k); k++) {
                        const ConfigKeyInfo *info = config_known_key(k);

                        if (info->section != type || info->default_value[0] == '\0' ||
                            strchr(info->name, '.') || g_key_file_has_key(cfg->merged, groups[i], info->name, NULL))
                                continue;
                        /* a lease class has no unit: its command-only keys do not apply */
                        if (lease_class && (g_strv_contains(config_command_only_keys, info->name) ||
                                            strcmp(info->name, "RuntimeMaxSec") == 0))
                                continue;
                        add_entry(out, groups[i], info->name, info->default_value, "default", "");
                }
        }
        return g_steal_pointer(&out);
}

/**
 * sluice_config_check_key() - whether a section of this kind takes @key
 * @section: "Scheduler", "Class NAME", ...
 * @key: the key name
 * @error: SLUICE_ERROR_INVALID_CONFIG naming the unknown section or key
 *
 * Return: true when it does.
 */
bool sluice_config_check_key(const char *section, const char *key, GError **error) {
        ConfigSectionType type;
        const char *arg;

        g_return_val_if_fail(section && key, false);
        return config_section_parse(section, &type, &arg, NULL, error) &&
               config_key_check(type, section, key, NULL, error);
}

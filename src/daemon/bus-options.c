/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>

#include "bus-options.h"
#include "config-command.h"
#include "config-value.h"
#include "errors.h"
#include "i18n.h"
#include "macro.h"
#include "sluice-bus-names.h"

/* Seconds are capped so that every deadline computed from them stays far from overflow. */
#define MAX_SECONDS ((uint64_t) 100 * 365 * 24 * 3600)

/* not-before (µs since the epoch) at most 9999-12-31 00:00:00 UTC: about the
 * latest time that WaitReason ("not before ..."), sluicectl and systemd can
 * show in every time zone (GLib and systemd stop at the year 9999); beyond
 * it a job would wait forever under a date nobody can read. */
#define MAX_NOT_BEFORE_USEC ((uint64_t) 253402214400 * USEC_PER_SEC)
#define MAX_NOT_BEFORE_TEXT "9999-12-31 00:00:00 UTC"

/**
 * submit_options_clear() - free what parsed options own
 * @o: the options; left empty
 */
void submit_options_clear(SubmitOptions *o) {
        g_clear_pointer(&o->resources, g_strfreev);
        g_clear_pointer(&o->parameters, g_hash_table_unref);
        g_clear_pointer(&o->description, g_free);
        g_clear_pointer(&o->argv, g_strfreev);
        g_clear_pointer(&o->environment, g_strfreev);
}

/**
 * list_filter_clear() - free what a ListJobs() filter owns
 * @f: the filter; left empty
 */
void list_filter_clear(ListFilter *f) {
        g_clear_pointer(&f->class_name, g_free);
}

/**
 * bus_error_from_gerror() - turn a core GError into a D-Bus error
 * @error: the sd_bus_error to set
 * @gerror: the error; SLUICE_ERROR codes keep their org.sluice.Error.* name
 *
 * Return: the negative errno sd-bus method handlers return with the error.
 */
int bus_error_from_gerror(sd_bus_error *error, const GError *gerror) {
        const char *name = NULL;

        if (gerror->domain == SLUICE_ERROR)
                name = sluice_error_dbus_name(gerror->code);
        return sd_bus_error_set(error, name ?: SD_BUS_ERROR_FAILED, gerror->message);
}

/* Enter the variant if it carries exactly `signature`, else a precise error. */
static int enter_variant(sd_bus_message *m, const char *field, const char *signature, sd_bus_error *error) {
        const char *contents = NULL;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != SD_BUS_TYPE_VARIANT || !contents)
                return -EBADMSG;
        if (strcmp(contents, signature) != 0)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: expected type %s, got %s"), field, signature, contents);
        return sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, signature);
}

static int check_string(const char *field, const char *s, size_t max, sd_bus_error *error) {
        size_t n = strlen(s);

        if (n > max)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: %zu bytes is longer than the limit of %zu bytes"), field, n, max);
        return 0;
}

/* A bound on an "as" option: elements, bytes of each, bytes of all (each with its NUL; 0: not bounded). */
typedef struct StrvBounds {
        size_t max_elements;
        size_t max_element_bytes;
        size_t max_total_bytes;
        bool allow_empty_elements;
} StrvBounds;

static int check_strv(const char *field, char **strv, const StrvBounds *b, sd_bus_error *error) {
        size_t n = strv ? g_strv_length(strv) : 0, total = 0;
        int r;

        if (n > b->max_elements)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: %zu elements are more than the limit of %zu"), field, n,
                                         b->max_elements);
        for (size_t i = 0; i < n; i++) {
                g_autofree char *f = g_strdup_printf("%s[%zu]", field, i);

                if (!b->allow_empty_elements && strv[i][0] == '\0')
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: must not be empty"), f);
                r = check_string(f, strv[i], b->max_element_bytes, error);
                if (r < 0)
                        return r;
                total += strlen(strv[i]) + 1;
        }
        if (b->max_total_bytes > 0 && total > b->max_total_bytes)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: %zu bytes in all is more than the limit of %zu bytes"), field,
                                         total, b->max_total_bytes);
        return 0;
}

static const StrvBounds resources_bounds = {
        .max_elements = SLUICE_MAX_RESOURCES,
        .max_element_bytes = SLUICE_MAX_RESOURCE_BYTES,
};
static const StrvBounds argv_bounds = {
        .max_elements = SLUICE_MAX_ARGV,
        .max_element_bytes = SLUICE_MAX_STRING_BYTES,
        .max_total_bytes = SLUICE_MAX_ARGV_BYTES,
        .allow_empty_elements = true,
};
static const StrvBounds environment_bounds = {
        .max_elements = SLUICE_MAX_ENVIRONMENT,
        .max_element_bytes = SLUICE_MAX_STRING_BYTES,
        .max_total_bytes = SLUICE_MAX_ENVIRONMENT_BYTES,
};
static const StrvBounds states_bounds = {
        .max_elements = SLUICE_MAX_LIST_STATES,
        .max_element_bytes = SLUICE_MAX_NAME_BYTES,
};

/* Free text may hold tab, but no other control character (see input-bounds.h). */
static int check_text(const char *field, const char *s, sd_bus_error *error) {
        unsigned char c = sluice_text_control_char(s);

        if (c != 0)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: contains the control character \\x%02x"), field, c);
        return 0;
}

static int read_seconds(sd_bus_message *m, const char *field, uint64_t *ret_usec, sd_bus_error *error) {
        uint64_t v;
        int r;

        r = enter_variant(m, field, "t", error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "t", &v);
        if (r < 0)
                return r;
        if (v > MAX_SECONDS)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: %" PRIu64 " is too large (at most %" PRIu64 ")"),
                                         field, v, MAX_SECONDS);
        *ret_usec = v * USEC_PER_SEC;
        return sd_bus_message_exit_container(m);
}

static int read_parameters(sd_bus_message *m, GHashTable **ret, sd_bus_error *error) {
        g_autoptr(GHashTable) h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        const char *k, *v;
        int r;

        r = enter_variant(m, "options.parameters", "a{ss}", error);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
                g_autofree char *field = g_strdup_printf("options.parameters.%s", k);

                if (g_hash_table_size(h) >= SLUICE_MAX_PARAMETERS)
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                 _("options.parameters: more than %u parameters"),
                                                 SLUICE_MAX_PARAMETERS);
                if (k[0] == '\0')
                        return sd_bus_error_set(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                _("options.parameters: a parameter name must not be empty"));
                if (strlen(k) > SLUICE_MAX_NAME_BYTES)
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                 _("options.parameters: name of %zu bytes is longer than the limit of %u bytes"),
                                                 strlen(k), SLUICE_MAX_NAME_BYTES);
                r = check_string(field, v, SLUICE_MAX_STRING_BYTES, error);
                if (r < 0)
                        return r;
                if (g_hash_table_contains(h, k))
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: given twice"), field);
                g_hash_table_insert(h, g_strdup(k), g_strdup(v));
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(h);
        return 0;
}

static int read_strv_option(sd_bus_message *m, const char *field, char ***ret, sd_bus_error *error) {
        char **strv = NULL;
        int r;

        r = enter_variant(m, field, "as", error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(m, &strv);
        if (r < 0)
                return r;
        /* sd-bus allocates with malloc(); g_strfreev() frees with free() (GLib >= 2.46 uses the system allocator). */
        *ret = strv;
        return sd_bus_message_exit_container(m);
}

/**
 * bus_parse_submit_options() - parse the a{sv} options of Submit()/Acquire()
 * @m: the method call, positioned at the options
 * @acquire: Acquire() (accepts timeout-sec and ttl-sec)
 * @ret: filled on success; clear with submit_options_clear()
 * @error: set on invalid input, naming the field
 *
 * Return: 0 on success, negative errno (with @error set for bad input).
 */
int bus_parse_submit_options(sd_bus_message *m, bool acquire, SubmitOptions *ret, sd_bus_error *error) {
        g_auto(SubmitOptions) o = { .acquire = acquire };
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        bool has_timeout = false;
        uint64_t timeout_usec = 0;
        const char *key;
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                g_autofree char *field = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                field = g_strdup_printf("options.%s", key);
                if (g_hash_table_contains(seen, key))
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: given twice"), field);
                g_hash_table_add(seen, g_strdup(key));

                if (strcmp(key, "parameters") == 0)
                        r = read_parameters(m, &o.parameters, error);
                else if (strcmp(key, "priority") == 0) {
                        r = enter_variant(m, field, "i", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "i", &o.priority);
                        if (r >= 0 && (o.priority < SLUICE_PRIORITY_MIN || o.priority > SLUICE_PRIORITY_MAX))
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("%s: %" PRIi32 " is out of range (%d..%d)"),
                                                         field, o.priority, SLUICE_PRIORITY_MIN, SLUICE_PRIORITY_MAX);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        o.has_priority = true;
                } else if (strcmp(key, "resources") == 0) {
                        r = read_strv_option(m, field, &o.resources, error);
                        if (r >= 0)
                                r = check_strv(field, o.resources, &resources_bounds, error);
                        for (size_t i = 0; r >= 0 && o.resources && o.resources[i]; i++)
                                if (!config_is_resource_key(o.resources[i], false)) {
                                        g_autofree char *q = config_quote(o.resources[i]);

                                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                                 _("%s[%zu]: \"%s\" is not a valid resource (%s)"),
                                                                 field, i, q, SLUICE_RESOURCE_SYNTAX);
                                }
                } else if (strcmp(key, "description") == 0) {
                        const char *s;

                        r = enter_variant(m, field, "s", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "s", &s);
                        if (r >= 0)
                                r = check_string(field, s, SLUICE_MAX_DESCRIPTION_BYTES, error);
                        if (r >= 0)
                                r = check_text(field, s, error);
                        if (r >= 0) {
                                o.description = g_strdup(s);
                                r = sd_bus_message_exit_container(m);
                        }
                } else if (strcmp(key, "not-before") == 0) {
                        r = enter_variant(m, field, "t", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "t", &o.not_before);
                        if (r >= 0 && o.not_before > MAX_NOT_BEFORE_USEC)
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("%s: %" PRIu64 " is too late (at most %" PRIu64
                                                           " µs since the epoch, %s)"),
                                                         field, o.not_before, MAX_NOT_BEFORE_USEC,
                                                         MAX_NOT_BEFORE_TEXT);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else if (strcmp(key, "max-wait-sec") == 0)
                        r = read_seconds(m, field, &o.max_wait_usec, error);
                else if (strcmp(key, "argv") == 0) {
                        r = read_strv_option(m, field, &o.argv, error);
                        if (r >= 0 && (!o.argv || !o.argv[0]))
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("%s: must name a program"), field);
                        if (r >= 0)
                                r = check_strv(field, o.argv, &argv_bounds, error);
                        if (r >= 0 && o.argv[0][0] == '\0')
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("%s: the program name must not be empty"), field);
                } else if (strcmp(key, "environment") == 0) {
                        r = read_strv_option(m, field, &o.environment, error);
                        if (r >= 0)
                                r = check_strv(field, o.environment, &environment_bounds, error);
                        for (size_t i = 0; r >= 0 && o.environment && o.environment[i]; i++) {
                                g_autofree char *f = g_strdup_printf("%s[%zu]", field, i);

                                if (!config_is_env_assignment(o.environment[i])) {
                                        g_autofree char *q = config_quote(o.environment[i]);
                                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                                 _("%s: \"%s\" is not a KEY=VALUE assignment "
                                                                   "(KEY: [A-Za-z_][A-Za-z0-9_]*)"),
                                                                 f, q);
                                }
                                r = check_text(f, o.environment[i], error);
                        }
                } else if (acquire && strcmp(key, "timeout-sec") == 0) {
                        r = read_seconds(m, field, &timeout_usec, error);
                        has_timeout = true;
                } else if (acquire && strcmp(key, "ttl-sec") == 0) {
                        r = read_seconds(m, field, &o.ttl_usec, error);
                        if (r >= 0 && o.ttl_usec == 0)
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: must be at least 1"), field);
                } else if (strcmp(key, "timeout-sec") == 0 || strcmp(key, "ttl-sec") == 0)
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                 _("%s: only Acquire() takes this option"), field);
                else
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: unknown option"), field);
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        /* timeout-sec is Acquire's name for the queue wait bound; both at once is ambiguous. */
        if (has_timeout && o.max_wait_usec != 0)
                return sd_bus_error_set(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                        _("options.timeout-sec: give either timeout-sec or max-wait-sec, not both"));
        if (has_timeout)
                o.max_wait_usec = timeout_usec;

        *ret = o;
        memset(&o, 0, sizeof(o));
        return 0;
}

/**
 * submit_options_to_spec() - the JobSpec for the core
 * @o: parsed options; must outlive @spec
 * @class_name: the class; must outlive @spec
 * @spec: filled with pointers borrowed from @o (owner and submitter left 0/NULL)
 */
void submit_options_to_spec(const SubmitOptions *o, const char *class_name, JobSpec *spec) {
        *spec = (JobSpec) {
                .class_name = class_name,
                .acquire = o->acquire,
                .has_priority = o->has_priority,
                .priority = o->priority,
                .resources = (const char *const *) o->resources,
                .parameters = o->parameters,
                .description = o->description,
                .not_before = o->not_before,
                .max_wait_usec = o->max_wait_usec,
                .ttl_usec = o->ttl_usec,
                .argv = (const char *const *) o->argv,
                .environment = (const char *const *) o->environment,
        };
}

/**
 * bus_parse_list_filter() - parse the a{sv} filter of ListJobs()
 * @m: the call, positioned at the filter
 * @ret: filled on success; clear with list_filter_clear()
 * @error: set on invalid input, naming the field
 *
 * Return: 0 on success, negative errno.
 */
int bus_parse_list_filter(sd_bus_message *m, ListFilter *ret, sd_bus_error *error) {
        g_auto(ListFilter) f = {};
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *key;
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                g_autofree char *field = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                field = g_strdup_printf("filter.%s", key);
                if (g_hash_table_contains(seen, key))
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: given twice"), field);
                g_hash_table_add(seen, g_strdup(key));

                if (strcmp(key, "states") == 0) {
                        g_auto(GStrv) states = NULL;

                        r = read_strv_option(m, field, &states, error);
                        if (r >= 0)
                                r = check_strv(field, states, &states_bounds, error);
                        for (size_t i = 0; r >= 0 && states && states[i]; i++) {
                                int s = job_state_from_string(states[i]);

                                if (s < 0)
                                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                                 _("%s: \"%s\" is not a job state (queued, running, done)"),
                                                                 field, states[i]);
                                f.states |= 1u << s;
                        }
                } else if (strcmp(key, "class") == 0) {
                        const char *s;

                        r = enter_variant(m, field, "s", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "s", &s);
                        if (r >= 0)
                                r = check_string(field, s, SLUICE_MAX_STRING_BYTES, error);
                        if (r >= 0) {
                                f.class_name = g_strdup(s);
                                r = sd_bus_message_exit_container(m);
                        }
                } else if (strcmp(key, "owner") == 0) {
                        r = enter_variant(m, field, "u", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "u", &f.owner);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        f.has_owner = true;
                } else if (strcmp(key, "limit") == 0) {
                        r = enter_variant(m, field, "u", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "u", &f.limit);
                        if (r >= 0 && f.limit > SLUICE_MAX_LIST_ENTRIES)
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                         _("%s: %" PRIu32 " is more than the limit of %u"),
                                                         field, f.limit, SLUICE_MAX_LIST_ENTRIES);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else if (strcmp(key, "history") == 0) {
                        int b = 0;

                        r = enter_variant(m, field, "b", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "b", &b);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        f.history = b;
                } else if (strcmp(key, "newest") == 0) {
                        int b = 0;

                        r = enter_variant(m, field, "b", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "b", &b);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        f.newest = b;
                } else if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0) {
                        uint64_t t = 0;

                        r = enter_variant(m, field, "t", error);
                        if (r >= 0)
                                r = sd_bus_message_read(m, "t", &t);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        if (key[0] == 's')
                                f.since = t;
                        else
                                f.until = t;
                } else
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: unknown filter key"), field);
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        if (f.since && f.until && f.until <= f.since)
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("filter.until: %" PRIu64 " is not after filter.since (%" PRIu64 ")"),
                                         (uint64_t) f.until, (uint64_t) f.since);

        /* "All" is bounded too: one reply must fit in a bus message. */
        if (f.limit == 0)
                f.limit = SLUICE_MAX_LIST_ENTRIES;
        *ret = f;
        memset(&f, 0, sizeof(f));
        return 0;
}

/**
 * list_filter_match() - does a job pass a ListJobs() filter
 * @f: the filter
 * @job: the job
 *
 * Return: true when every given filter key matches (limit aside).
 */
bool list_filter_match(const ListFilter *f, const Job *job) {
        if (f->states && !(f->states & (1u << job->state)))
                return false;
        if (f->class_name && strcmp(f->class_name, job->class_name) != 0)
                return false;
        if (f->has_owner && f->owner != job->owner)
                return false;
        if (f->since && job->submitted_at < f->since)
                return false;
        if (f->until && job->submitted_at >= f->until)
                return false;
        return true;
}

/* One a{sv} value as key-file text. */
static int variant_to_text(sd_bus_message *m, const char *field, char **ret, sd_bus_error *error) {
        const char *contents = NULL;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != SD_BUS_TYPE_VARIANT || !contents)
                return -EBADMSG;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, contents);
        if (r < 0)
                return r;

        if (strcmp(contents, "s") == 0) {
                const char *s;
                r = sd_bus_message_read(m, "s", &s);
                if (r >= 0)
                        *ret = g_strdup(s);
        } else if (strcmp(contents, "b") == 0) {
                int b;
                r = sd_bus_message_read(m, "b", &b);
                if (r >= 0)
                        *ret = g_strdup(b ? "true" : "false");
        } else if (strcmp(contents, "i") == 0) {
                int32_t v;
                r = sd_bus_message_read(m, "i", &v);
                if (r >= 0)
                        *ret = g_strdup_printf("%" PRIi32, v);
        } else if (strcmp(contents, "u") == 0) {
                uint32_t v;
                r = sd_bus_message_read(m, "u", &v);
                if (r >= 0)
                        *ret = g_strdup_printf("%" PRIu32, v);
        } else if (strcmp(contents, "t") == 0) {
                uint64_t v;
                r = sd_bus_message_read(m, "t", &v);
                if (r >= 0)
                        *ret = g_strdup_printf("%" PRIu64, v);
        } else if (strcmp(contents, "x") == 0) {
                int64_t v;
                r = sd_bus_message_read(m, "x", &v);
                if (r >= 0)
                        *ret = g_strdup_printf("%" PRIi64, v);
        } else if (strcmp(contents, "d") == 0) {
                double v;
                char buf[G_ASCII_DTOSTR_BUF_SIZE];
                r = sd_bus_message_read(m, "d", &v);
                if (r >= 0)
                        *ret = g_strdup(g_ascii_dtostr(buf, sizeof(buf), v));
        } else if (strcmp(contents, "as") == 0) {
                g_auto(GStrv) strv = NULL;
                r = sd_bus_message_read_strv(m, &strv);
                if (r >= 0)
                        *ret = g_strjoinv(" ", strv ?: (char *[]) { NULL });
        } else
                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                         _("%s: expected type s (or b, i, u, t, x, d, as), got %s"),
                                         field, contents);
        if (r < 0)
                return r;
        r = check_string(field, *ret, SLUICE_MAX_STRING_BYTES, error);
        if (r < 0) {
                g_clear_pointer(ret, g_free);
                return r;
        }
        return sd_bus_message_exit_container(m);
}

/**
 * bus_parse_config_settings() - parse UpdateConfig()'s settings
 * @m: the call, positioned at the a{sv}
 * @ret_keys: the keys, NULL-terminated
 * @ret_values: the values as key-file text, parallel to @ret_keys
 * @error: set on invalid input, naming the key
 *
 * Return: 0 on success, negative errno.
 */
int bus_parse_config_settings(sd_bus_message *m, char ***ret_keys, char ***ret_values, sd_bus_error *error) {
        g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
        const char *key;
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                g_autofree char *field = NULL;
                char *value = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                field = g_strdup_printf("settings.%s", key);
                if (key[0] == '\0')
                        return sd_bus_error_set(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("settings: a key must not be empty"));
                if (strlen(key) > SLUICE_MAX_NAME_BYTES)
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT,
                                                 _("settings: key of %zu bytes is longer than the limit of %u bytes"),
                                                 strlen(key), SLUICE_MAX_NAME_BYTES);
                for (guint i = 0; i < keys->len; i++)
                        if (strcmp(keys->pdata[i], key) == 0)
                                return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("%s: given twice"), field);
                if (keys->len >= SLUICE_MAX_SETTINGS)
                        return sd_bus_error_setf(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("settings: more than %u keys"),
                                                 SLUICE_MAX_SETTINGS);

                r = variant_to_text(m, field, &value, error);
                if (r < 0)
                        return r;
                g_ptr_array_add(keys, g_strdup(key));
                g_ptr_array_add(values, value);

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (keys->len == 0)
                return sd_bus_error_set(error, SLUICE_BUS_ERROR_INVALID_ARGUMENT, _("settings: no setting given"));

        g_ptr_array_add(keys, NULL);
        g_ptr_array_add(values, NULL);
        *ret_keys = (char **) g_ptr_array_free(g_steal_pointer(&keys), false);
        *ret_values = (char **) g_ptr_array_free(g_steal_pointer(&values), false);
        return 0;
}

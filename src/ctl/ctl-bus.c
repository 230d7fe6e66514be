/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bus-error-map.h"
#include "ctl-bus.h"
#include "ctl-polkit.h"
#include "i18n.h"
#include "macro.h"

/* The bus could not hand the call to sluiced: not running, and activation failed or is not set up. */
static bool error_is_not_running(const sd_bus_error *error) {
        return sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                      "org.freedesktop.systemd1.NoSuchUnit",
                                      "org.freedesktop.systemd1.UnitMasked") ||
               (error->name && g_str_has_prefix(error->name, "org.freedesktop.DBus.Error.Spawn."));
}

/**
 * ctl_exit_status_for_error() - the exit status a D-Bus error calls for
 * @error: the error of a call, or NULL
 *
 * Return: one of the CTL_EXIT_* codes of ctl-exit.h.
 */
int ctl_exit_status_for_error(const sd_bus_error *error) {
        if (!error || !sd_bus_error_is_set(error))
                return CTL_EXIT_FAILURE;
        if (sd_bus_error_has_names(error, SLUICE_BUS_ERROR_NO_SUCH_JOB, SLUICE_BUS_ERROR_NO_SUCH_CLASS))
                return CTL_EXIT_NO_SUCH;
        if (sd_bus_error_has_names(error, SLUICE_BUS_ERROR_NOT_PERMITTED, SD_BUS_ERROR_ACCESS_DENIED,
                                   SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                return CTL_EXIT_NOT_PERMITTED;
        if (error_is_not_running(error))
                return CTL_EXIT_NOT_RUNNING;
        return CTL_EXIT_FAILURE;
}

/**
 * ctl_fail() - report a failed operation the sluicectl way
 * @what: what failed, already translated ("could not list jobs")
 * @error: the D-Bus error, or NULL
 * @r: negative errno, used when @error carries no message
 *
 * Prints "sluicectl: <what>: <message>" to stderr; when the bus could not
 * reach sluiced, "sluicectl: sluiced is not running and could not be
 * started: <message>" instead.
 *
 * Return: the exit status for @error (ctl_exit_status_for_error()).
 */
int ctl_fail(const char *what, const sd_bus_error *error, int r) {
        g_autofree char *refusal = ctl_polkit_explain(error);
        const char *message = NULL;

        if (refusal) {
                fprintf(stderr, "sluicectl: %s\n", refusal);
                return ctl_exit_status_for_error(error);
        }

        if (error && sd_bus_error_is_set(error))
                message = error->message ?: error->name;
        if (!message)
                message = g_strerror(r < 0 ? -r : (r ?: EIO));
        if (error && sd_bus_error_is_set(error) && error_is_not_running(error))
                fprintf(stderr, "sluicectl: %s: %s\n",
                        _("sluiced is not running and could not be started"), message);
        else
                fprintf(stderr, "sluicectl: %s: %s\n", what, message);
        return ctl_exit_status_for_error(error);
}

/**
 * ctl_connect() - open the bus connection once
 * @ctl: the context; ctl->bus is set on success
 *
 * With --bus-address= connects to that bus as a bus client; with -H to the
 * system bus of another host, over ssh and systemd-stdio-bridge; with -M to
 * the system bus of a local container; else to the system bus (which
 * honours DBUS_SYSTEM_BUS_ADDRESS).
 *
 * Return: 0 or an exit status after printing why.
 */
int ctl_connect(Ctl *ctl) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (ctl->bus)
                return 0;

        /* sluice's error names as errnos for sd_bus_call()'s return value; it
         * can fail only for lack of memory, and every caller reads the error
         * name anyway. */
        (void) sluice_bus_error_map_register();

        if (ctl->bus_address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, ctl->bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else if (ctl->host)
                r = sd_bus_open_system_remote(&bus, ctl->host);
        else if (ctl->machine)
                r = sd_bus_open_system_machine(&bus, ctl->machine);
        else
                r = sd_bus_open_system(&bus);
        if (r < 0) {
                if (ctl->host || ctl->machine) {
                        g_autofree char *what = g_strdup_printf(_("could not connect to the system bus of %s"),
                                                                ctl->host ?: ctl->machine);
                        return ctl_fail(what, NULL, r);
                }
                return ctl_fail(_("could not connect to the bus"), NULL, r);
        }
        /* Like systemctl: polkit may ask for a password, unless told not to
         * (-H and -M imply --no-ask-password: no local agent can answer there). */
        r = sd_bus_set_allow_interactive_authorization(bus, !ctl->no_ask_password);
        if (r < 0)
                return ctl_fail(_("could not connect to the bus"), NULL, r);

        ctl->bus = TAKE_PTR(bus);
        return 0;
}

/**
 * ctl_new_method_call() - a method call message to sluiced
 * @ctl: the connected context
 * @path: object path
 * @interface: interface name
 * @member: method name
 * @ret: the new message
 *
 * Return: 0 or an exit status after printing why.
 */
int ctl_new_method_call(Ctl *ctl, const char *path, const char *interface,
                        const char *member, sd_bus_message **ret) {
        int r;

        r = sd_bus_message_new_method_call(ctl->bus, ret, SLUICE_BUS_NAME, path, interface, member);
        if (r < 0)
                return ctl_fail(_("could not create a method call"), NULL, r);
        /* Before the first call polkit may want a password for: an agent to ask it. */
        if (ctl_polkit_method_may_ask(interface, member))
                ctl_polkit_agent_open(ctl);
        return 0;
}

/**
 * ctl_call_message() - send a prepared method call and wait for the reply
 * @ctl: the connected context
 * @what: what the call does, for the error message (translated)
 * @m: the method call
 * @timeout_usec: CTL_TIMEOUT_DEFAULT, CTL_TIMEOUT_INFINITE or a time span
 * @ret_reply: the reply, or NULL when not needed
 *
 * Return: 0 or an exit status after printing why.
 */
int ctl_call_message(Ctl *ctl, const char *what, sd_bus_message *m, uint64_t timeout_usec,
                     sd_bus_message **ret_reply) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call(ctl->bus, m, timeout_usec, &error, &reply);
        if (r < 0 && ctl->host && (!sd_bus_error_is_set(&error) || g_str_has_prefix(error.name, "System.Error.")) &&
            (r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE)) {
                /* ssh or the bridge on the other side ended; ssh said why on stderr. */
                g_autofree char *reach = g_strdup_printf(
                        _("could not reach the system bus of %s (ssh, then systemd-stdio-bridge there)"), ctl->host);
                return ctl_fail(reach, NULL, r);
        }
        if (r < 0)
                return ctl_fail(what, &error, r);
        if (ret_reply)
                *ret_reply = TAKE_PTR(reply);
        return 0;
}

/**
 * ctl_call() - call a method of sluiced with the default timeout
 * @ctl: the context (connected on demand)
 * @what: what the call does, for the error message (translated)
 * @path: object path
 * @interface: interface name
 * @member: method name
 * @ret_reply: the reply, or NULL
 * @types: signature of the arguments that follow, as for sd_bus_message_append()
 *
 * Return: 0 or an exit status after printing why.
 */
int ctl_call(Ctl *ctl, const char *what, const char *path, const char *interface,
             const char *member, sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = ctl_connect(ctl);
        if (r != 0)
                return r;
        r = ctl_new_method_call(ctl, path, interface, member, &m);
        if (r != 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return ctl_fail(_("could not build a method call"), NULL, r);
        }
        return ctl_call_message(ctl, what, m, CTL_TIMEOUT_DEFAULT, ret_reply);
}

static int read_container(sd_bus_message *m, char type, const char *contents, GVariant **ret) {
        g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        GVariant *child;
        int r;

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        for (;;) {
                r = ctl_message_read_gvariant(m, &child);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                g_ptr_array_add(children, g_variant_ref_sink(child));
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        switch (type) {
        case SD_BUS_TYPE_ARRAY: {
                g_autofree char *element = g_strdup(contents);
                *ret = g_variant_new_array(G_VARIANT_TYPE(element),
                                           (GVariant **) children->pdata, children->len);
                break;
        }
        case SD_BUS_TYPE_VARIANT:
                if (children->len != 1)
                        return -EBADMSG;
                *ret = g_variant_new_variant(children->pdata[0]);
                break;
        case SD_BUS_TYPE_STRUCT:
                *ret = g_variant_new_tuple((GVariant **) children->pdata, children->len);
                break;
        case SD_BUS_TYPE_DICT_ENTRY:
                if (children->len != 2)
                        return -EBADMSG;
                *ret = g_variant_new_dict_entry(children->pdata[0], children->pdata[1]);
                break;
        default:
                return -EBADMSG;
        }
        return 1;
}

/**
 * ctl_message_read_gvariant() - read the next complete value of a message
 * @m: the message, positioned at the value
 * @ret: the value as a (floating) GVariant
 *
 * Lets sluicectl handle property values of any type with GLib's containers.
 *
 * Return: 1 when a value was read, 0 at the end of the current container,
 * negative errno on a malformed message.
 */
int ctl_message_read_gvariant(sd_bus_message *m, GVariant **ret) {
        const char *contents = NULL;
        char type = 0;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r;

        switch (type) {
        case SD_BUS_TYPE_ARRAY:
        case SD_BUS_TYPE_VARIANT:
        case SD_BUS_TYPE_STRUCT:
        case SD_BUS_TYPE_DICT_ENTRY:
                return read_container(m, type, contents, ret);
        default:
                break;
        }

        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                const char *s;
                int h;
        } v;
        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case SD_BUS_TYPE_BYTE:          *ret = g_variant_new_byte(v.y); break;
        case SD_BUS_TYPE_BOOLEAN:       *ret = g_variant_new_boolean(v.b); break;
        case SD_BUS_TYPE_INT16:         *ret = g_variant_new_int16(v.n); break;
        case SD_BUS_TYPE_UINT16:        *ret = g_variant_new_uint16(v.q); break;
        case SD_BUS_TYPE_INT32:         *ret = g_variant_new_int32(v.i); break;
        case SD_BUS_TYPE_UINT32:        *ret = g_variant_new_uint32(v.u); break;
        case SD_BUS_TYPE_INT64:         *ret = g_variant_new_int64(v.x); break;
        case SD_BUS_TYPE_UINT64:        *ret = g_variant_new_uint64(v.t); break;
        case SD_BUS_TYPE_DOUBLE:        *ret = g_variant_new_double(v.d); break;
        case SD_BUS_TYPE_STRING:        *ret = g_variant_new_string(v.s); break;
        case SD_BUS_TYPE_OBJECT_PATH:   *ret = g_variant_new_object_path(v.s); break;
        case SD_BUS_TYPE_SIGNATURE:     *ret = g_variant_new_signature(v.s); break;
        case SD_BUS_TYPE_UNIX_FD:       *ret = g_variant_new_handle(v.h); break;
        default:
                return -EBADMSG;
        }
        return 1;
}

/**
 * ctl_get_all_properties() - Properties.GetAll of one interface of sluiced
 * @ctl: the context (connected on demand)
 * @what: for the error message (translated)
 * @path: object path
 * @interface: interface name
 * @ret: the a{sv} dictionary (owned, not floating)
 *
 * Return: 0 or an exit status after printing why.
 */
int ctl_get_all_properties(Ctl *ctl, const char *what, const char *path,
                           const char *interface, GVariant **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        GVariant *v = NULL;
        int r;

        r = ctl_call(ctl, what, path, "org.freedesktop.DBus.Properties", "GetAll",
                     &reply, "s", interface);
        if (r != 0)
                return r;
        r = ctl_message_read_gvariant(reply, &v);
        if (r == 0)
                r = -EBADMSG;
        if (r < 0)
                return ctl_fail(what, NULL, r);
        *ret = g_variant_ref_sink(v);
        if (!g_variant_is_of_type(*ret, G_VARIANT_TYPE_VARDICT)) {
                g_clear_pointer(ret, g_variant_unref);
                return ctl_fail(what, NULL, -EBADMSG);
        }
        return 0;
}

/**
 * ctl_get_property() - Properties.Get of one property of sluiced
 * @ctl: the context (connected on demand)
 * @what: for the error message (translated)
 * @path: object path
 * @interface: interface name
 * @name: property name
 * @ret: the value, unboxed from its variant (owned)
 *
 * Return: 0 or an exit status after printing why.
 */
int ctl_get_property(Ctl *ctl, const char *what, const char *path, const char *interface,
                     const char *name, GVariant **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autoptr(GVariant) boxed = NULL;
        GVariant *v = NULL;
        int r;

        r = ctl_call(ctl, what, path, "org.freedesktop.DBus.Properties", "Get",
                     &reply, "ss", interface, name);
        if (r != 0)
                return r;
        r = ctl_message_read_gvariant(reply, &v);
        if (r == 0)
                r = -EBADMSG;
        if (r < 0)
                return ctl_fail(what, NULL, r);
        boxed = g_variant_ref_sink(v);
        if (!g_variant_is_of_type(boxed, G_VARIANT_TYPE_VARIANT))
                return ctl_fail(what, NULL, -EBADMSG);
        *ret = g_variant_get_variant(boxed);
        return 0;
}

/**
 * ctl_job_id_from_path() - the job id at the end of a job object path
 * @path: "/org/sluice/Scheduler1/job/42"
 *
 * Return: the id, or 0 when @path is not a job path (ids start at 1).
 */
uint64_t ctl_job_id_from_path(const char *path) {
        const char *tail;
        guint64 id = 0;

        if (!path || !g_str_has_prefix(path, SLUICE_JOB_PATH_PREFIX))
                return 0;
        tail = path + strlen(SLUICE_JOB_PATH_PREFIX);
        if (!g_ascii_string_to_unsigned(tail, 10, 1, G_MAXUINT64, &id, NULL))
                return 0;
        return id;
}

/**
 * ctl_resolve_job() - the object path of the job the user named
 * @ctl: the context (connected on demand)
 * @arg: a job id ("42") or a job object path
 * @ret_path: the object path (owned)
 *
 * An id is looked up with GetJob(), so an unknown id fails with sluiced's
 * own NoSuchJob message.
 *
 * Return: 0 or an exit status after printing why.
 */
int ctl_resolve_job(Ctl *ctl, const char *arg, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autofree char *what = NULL;
        const char *path;
        guint64 id;
        int r;

        if (arg[0] == '/') {
                if (!sd_bus_object_path_is_valid(arg))
                        return ctl_usage_error(_("invalid job \"%s\": not a valid object path"), arg);
                *ret_path = g_strdup(arg);
                return 0;
        }
        if (!g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT64, &id, NULL))
                return ctl_usage_error(_("invalid job \"%s\": expected a job id or an object path"), arg);

        what = g_strdup_printf(_("could not find job %s"), arg);
        r = ctl_call(ctl, what, SLUICE_MANAGER_PATH, SLUICE_MANAGER_IFACE, "GetJob",
                     &reply, "t", (uint64_t) id);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_fail(what, NULL, r);
        *ret_path = g_strdup(path);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Bounds on what a client may hand sluiced: the one place they are defined.
 *
 * The bus layer checks them first (src/daemon/bus-options.c, bus-manager.c)
 * and refuses a call that exceeds one with org.sluice.Error.InvalidArgument
 * naming the field and the bound ("options.argv: 70000 bytes is longer than
 * the limit of 65536 bytes"); nothing is queued or changed.  The core checks
 * the ones that matter for a job again (scheduler-submit.c), because jobs
 * also arrive from elsewhere (scheduler_adopt() rebuilds them from units).
 *
 * Sizes are bytes of UTF-8 (D-Bus strings cannot carry NUL and sd-bus
 * refuses invalid UTF-8 before sluiced sees it).  Every bound is unsigned
 * int (the `u` suffix): messages print them with %u.  docs/dbus-api.md
 * lists them per option.
 */

/* Any one string argument, option value, parameter value, argv element or
 * environment entry. */
#define SLUICE_MAX_STRING_BYTES 4096u

/* A name chosen by the client: a parameter name, an UpdateConfig() key. */
#define SLUICE_MAX_NAME_BYTES 255u

/* Submit option "description" (becomes the unit's Description=). */
#define SLUICE_MAX_DESCRIPTION_BYTES 1024u

/* Submit option "parameters": entries. */
#define SLUICE_MAX_PARAMETERS 64u

/* Submit option "resources": extra resources a client may ask for. */
#define SLUICE_MAX_RESOURCES 32u

/* One resource, TYPE:VALUE (the configuration allows 64 + 1 + 128 bytes). */
#define SLUICE_MAX_RESOURCE_BYTES 255u

/* The syntax every resource of a new job must have, whether it comes from
 * a class's Resources= template (after %{param} expansion) or from the
 * "resources" option: config_is_resource_key(r, false).  Said in refusals. */
#define SLUICE_RESOURCE_SYNTAX "TYPE:VALUE, TYPE [A-Za-z0-9_.-]{1,64}, VALUE [A-Za-z0-9_.@+-]{1,128}"

/* A command job's argv: elements, and bytes of all elements together
 * (each counted with its terminating NUL, as execve() counts them).  Applies
 * to a raw argv and to the one a class's ExecStart= template expands to. */
#define SLUICE_MAX_ARGV 256u
#define SLUICE_MAX_ARGV_BYTES 65536u

/* Submit option "environment": entries, and bytes of all entries together
 * (each with its NUL). */
#define SLUICE_MAX_ENVIRONMENT 128u
#define SLUICE_MAX_ENVIRONMENT_BYTES 65536u

/* UpdateConfig(): keys in one call. */
#define SLUICE_MAX_SETTINGS 256u

/* ListJobs() filter "states": elements (three states; repeats allowed). */
#define SLUICE_MAX_LIST_STATES 8u

/* ListJobs(): entries in one reply.  "limit" may not exceed it and 0 ("all")
 * means at most this many: about 12 MiB of reply, well inside the system
 * bus's 32 MiB message limit. */
#define SLUICE_MAX_LIST_ENTRIES 100000u

/*
 * Free text from a client (description, environment values) may hold tab but
 * no other control character (C0, DEL): such text ends up in unit properties
 * and log lines, where a line break would forge a line.
 *
 * Return: the first control character other than tab, 0 if there is none.
 */
static inline unsigned char sluice_text_control_char(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; p && *p; p++)
                if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
                        return *p;
        return 0;
}

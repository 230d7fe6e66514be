/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The options of a new job, shared by submit, acquire and run: parsed from
 * the command line, written as the (s class, a{sv} options) arguments of
 * Submit() and Acquire().
 */

#include <getopt.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

enum {
        CTL_ARG_PRIORITY = 0x200,
        CTL_ARG_RESOURCE,
        CTL_ARG_DESCRIPTION,
        CTL_ARG_MAX_WAIT,
        CTL_ARG_NOT_BEFORE,
        CTL_ARG_TIMEOUT,
        CTL_ARG_TTL,
        CTL_ARG_CLASS,
};

/* getopt_long() entries of the options every new job takes. */
#define CTL_JOB_OPTIONS                                                         \
        { "priority",    required_argument, NULL, CTL_ARG_PRIORITY },           \
        { "resource",    required_argument, NULL, CTL_ARG_RESOURCE },           \
        { "description", required_argument, NULL, CTL_ARG_DESCRIPTION },        \
        { "max-wait",    required_argument, NULL, CTL_ARG_MAX_WAIT },           \
        { "not-before",  required_argument, NULL, CTL_ARG_NOT_BEFORE }

typedef struct CtlJobOptions {
        const char *class_name;
        GPtrArray *parameters;          /* "KEY=VALUE" strings, borrowed from argv */
        bool has_priority;
        int32_t priority;
        GPtrArray *resources;           /* borrowed from argv */
        const char *description;        /* NULL: none */
        uint64_t max_wait_sec;          /* 0: not given */
        uint64_t not_before_usec;       /* 0: not given */
        uint64_t timeout_sec;           /* Acquire only; 0: not given */
        uint64_t ttl_sec;               /* Acquire only; 0: bound to the connection */
} CtlJobOptions;

void ctl_job_options_init(CtlJobOptions *o);
void ctl_job_options_clear(CtlJobOptions *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CtlJobOptions, ctl_job_options_clear)

int ctl_job_options_parse_option(CtlJobOptions *o, int option, const char *name, const char *value);
int ctl_job_options_add_parameter(CtlJobOptions *o, const char *arg);
int ctl_job_options_append(const CtlJobOptions *o, sd_bus_message *m);

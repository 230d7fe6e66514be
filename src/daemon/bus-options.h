/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "scheduler.h"

/* Bounds on what a client may hand us: SLUICE_MAX_* */
#include "input-bounds.h"

/*
 * The parsed a{sv} options of Submit()/Acquire(): owns everything the JobSpec
 * it fills borrows.
 */
typedef struct SubmitOptions {
        bool acquire;
        bool has_priority;
        int32_t priority;
        char **resources;
        GHashTable *parameters;
        char *description;
        uint64_t not_before;
        uint64_t max_wait_usec;         /* max-wait-sec, or timeout-sec for Acquire */
        uint64_t ttl_usec;              /* ttl-sec (Acquire only) */
        char **argv;
        char **environment;
} SubmitOptions;

void submit_options_clear(SubmitOptions *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SubmitOptions, submit_options_clear)

int bus_parse_submit_options(sd_bus_message *m, bool acquire, SubmitOptions *ret, sd_bus_error *error);

/* Fills spec with pointers borrowed from o. */
void submit_options_to_spec(const SubmitOptions *o, const char *class_name, JobSpec *spec);

/* The ListJobs() filter. */
typedef struct ListFilter {
        unsigned states;        /* bit mask of (1u << JobState); 0 = all */
        char *class_name;       /* NULL = all */
        bool has_owner;
        uint32_t owner;
        uint32_t limit;         /* at most this many; parsing turns 0 ("all") into SLUICE_MAX_LIST_ENTRIES */
        bool history;           /* also finished jobs no longer on the bus (from the state database) */
        bool newest;            /* with limit: the newest (highest id) limit jobs, not the oldest */
        usec_t since;           /* SubmittedAt >= since (0: no bound) */
        usec_t until;           /* SubmittedAt < until (0: no bound) */
} ListFilter;

void list_filter_clear(ListFilter *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ListFilter, list_filter_clear)

int bus_parse_list_filter(sd_bus_message *m, ListFilter *ret, sd_bus_error *error);
bool list_filter_match(const ListFilter *f, const Job *job);

/*
 * UpdateConfig() settings: a{sv} to parallel key and value arrays in key-file
 * syntax (s as is; b, i, u, t, x, d as text; as joined by spaces).
 */
int bus_parse_config_settings(sd_bus_message *m, char ***ret_keys, char ***ret_values, sd_bus_error *error);

/* GError (SLUICE_ERROR) to sd_bus_error; returns the negative errno sd-bus wants back. */
int bus_error_from_gerror(sd_bus_error *error, const GError *gerror);

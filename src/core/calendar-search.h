/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The next elapse with the reason when there is none, for callers that
 * must tell "never again" from "the search gave up" (sluicectl calendar
 * reports the latter as an error, as systemd-analyze does).
 */

#include "calendar.h"

/**
 * calendar_spec_next_elapse() - calendar_spec_next() with the reason
 * @spec: the event
 * @after: CLOCK_REALTIME µs; the result is strictly later
 * @ret_next: the elapse
 *
 * Return: 0; -ENOENT when it never elapses again; -EDEADLK when the search
 * does not converge (systemd gives up on the same expressions, e.g. some
 * whose day lies just past a DST change); -EINVAL when @after is beyond
 * year 9999.
 */
int calendar_spec_next_elapse(const CalendarSpec *spec, usec_t after, usec_t *ret_next);

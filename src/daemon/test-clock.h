/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A controllable clock for tests, off unless the environment asks for it.
 *
 * SLUICE_TEST_CLOCK_OFFSET_USEC=N (a signed decimal number of usec) makes
 * manager_now() run N usec ahead of CLOCK_REALTIME (behind when negative),
 * and puts org.sluice.TestClock1 on /org/sluice/TestClock with one method,
 * SetOffset(x offset_usec), that moves it at run time as a wall clock jump
 * would (the schedules are planned again before it returns).  Never set in
 * the installed unit; only sluiced's own uid may call it (sd-bus refuses
 * other uids for a method without SD_BUS_VTABLE_UNPRIVILEGED).
 */

#include "manager.h"

#define SLUICE_TEST_CLOCK_ENV "SLUICE_TEST_CLOCK_OFFSET_USEC"

/* Return: 0 (also when off), or -EINVAL after logging a malformed variable. */
int test_clock_setup(Manager *m);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The generated corpus of calendar expressions for test-calendar.c (and the
 * seed corpus of tests/fuzz/fuzz-calendar.c): @n expressions from a fixed
 * seed, mostly valid, some deliberately broken, covering every part of the
 * syntax.  Same seed, same corpus, on every machine.
 */

#include <glib.h>

GPtrArray *calendar_corpus_generate(guint32 seed, unsigned n);

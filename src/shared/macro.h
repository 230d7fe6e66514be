/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Small helpers shared by sluiced, sluicectl and the core: cleanup
 * attributes that make ownership visible in the type, and TAKE_PTR() to hand
 * ownership on.  GLib's g_autoptr()/g_autofree cover GLib types; these cover
 * plain C and sd-bus objects.
 */

#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Return *p and set *p to NULL: the caller takes ownership. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) *_pp = &(p);      \
                __typeof__(p) _p = *_pp;        \
                *_pp = NULL;                    \
                _p;                             \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        func(*p);                       \
        }

/*
 * sd-bus / sd-event objects: libsystemd's own headers already define the
 * cleanup helpers sd_bus_flush_close_unrefp(), sd_bus_message_unrefp(),
 * sd_bus_slot_unrefp(), sd_bus_track_unrefp(), sd_bus_creds_unrefp(),
 * sd_event_unrefp() and sd_event_source_unrefp() (defining them again here
 * is a redefinition error), so use those: _cleanup_(sd_bus_message_unrefp).
 */

static inline void sd_bus_error_freep(sd_bus_error *e) {
        sd_bus_error_free(e);
}

#define _cleanup_bus_error_ _cleanup_(sd_bus_error_freep)

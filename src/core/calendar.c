/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Calendar events.  FIRST SLICE: a placeholder that refuses every
 * expression (the calendar work replaces it). */
#include "calendar.h"
#include "errors.h"

struct CalendarSpec {
        char *text;
};

CalendarSpec *calendar_spec_parse(const char *text, GError **error) {
        g_set_error(error, SLUICE_ERROR, SLUICE_ERROR_NOT_SUPPORTED, "calendar events are not supported yet");
        return NULL;
}

void calendar_spec_free(CalendarSpec *spec) {
        if (!spec)
                return;
        g_free(spec->text);
        g_free(spec);
}

char *calendar_spec_to_string(const CalendarSpec *spec) {
        return g_strdup(spec->text);
}

bool calendar_spec_next(const CalendarSpec *spec, usec_t after, usec_t *ret_next) {
        return false;
}

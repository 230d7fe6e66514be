/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "unit-name.h"

/**
 * sluice_unit_name_for_job() - the unit name of a command job
 * @id: the job id (ids start at 1)
 *
 * Return: "sluice-job-<id>.service"; free with g_free().
 */
char *sluice_unit_name_for_job(uint64_t id) {
        return g_strdup_printf(SLUICE_UNIT_PREFIX "%" PRIu64 SLUICE_UNIT_SUFFIX, id);
}

/**
 * sluice_unit_name_parse() - the job id in a unit name, strictly
 * @unit: a unit name, may be NULL
 * @ret_id: the id (may be NULL); untouched on failure
 *
 * Accepts exactly what sluice_unit_name_for_job() writes: the prefix, a
 * decimal id from 1 to 2^64-1 without sign or leading zeros, the suffix.
 * "sluice-job-007.service", "sluice-job-1.service.d" or a template instance
 * are refused.
 *
 * Return: true when @unit is a job unit's name.
 */
bool sluice_unit_name_parse(const char *unit, uint64_t *ret_id) {
        const size_t prefix_len = strlen(SLUICE_UNIT_PREFIX), suffix_len = strlen(SLUICE_UNIT_SUFFIX);
        const char *digits, *end;
        uint64_t id = 0;
        size_t n;

        if (!unit || !g_str_has_prefix(unit, SLUICE_UNIT_PREFIX) || !g_str_has_suffix(unit, SLUICE_UNIT_SUFFIX))
                return false;
        n = strlen(unit);
        if (n < prefix_len + suffix_len + 1)
                return false;
        digits = unit + prefix_len;
        end = unit + n - suffix_len;
        if (digits[0] == '0')
                return false;
        for (const char *p = digits; p < end; p++) {
                if (!g_ascii_isdigit(*p))
                        return false;
                if (__builtin_mul_overflow(id, 10, &id) || __builtin_add_overflow(id, (uint64_t) (*p - '0'), &id))
                        return false;
        }
        if (ret_id)
                *ret_id = id;
        return true;
}

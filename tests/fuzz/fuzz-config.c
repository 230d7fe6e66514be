/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the configuration parser: any bytes either fail with
 * a SLUICE_ERROR_INVALID_CONFIG error or give a configuration whose
 * to_data() text parses again to the very same text; bytes holding a NUL
 * always fail.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice-config.h"
#include "errors.h"
#include "fuzz.h"

/* Larger inputs add nothing but time (regular expressions are compiled). */
#define FUZZ_INPUT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SluiceConfig) cfg = NULL, again = NULL;
        g_autofree char *dump = NULL, *dump_again = NULL;
        g_auto(GStrv) names = NULL;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        /* The bytes as they are, NUL bytes included: a file may hold them too. */
        cfg = sluice_config_new_from_bytes((const char *) data, size, "fuzz.conf", &error);
        /* A NUL byte anywhere is refused, never read as the end of its line. */
        if (size > 0 && memchr(data, 0, size))
                g_assert_null(cfg);
        if (!cfg) {
                g_assert_error(error, SLUICE_ERROR, SLUICE_ERROR_INVALID_CONFIG);
                g_assert_true(g_utf8_validate(error->message, -1, NULL));
                return 0;
        }

        names = sluice_config_class_names(cfg);
        for (size_t i = 0; names[i]; i++) {
                const ClassConfig *c = sluice_config_get_class(cfg, names[i]);

                g_assert_nonnull(c);
                for (size_t j = 0; c->resources[j]; j++)
                        (void) sluice_config_resource_limit(cfg, c->resources[j]);
        }

        dump = sluice_config_to_data(cfg);
        again = sluice_config_new_from_data(dump, "fuzz.conf (again)", &error);
        g_assert_no_error(error);
        dump_again = sluice_config_to_data(again);
        g_assert_cmpstr(dump, ==, dump_again);

        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <locale.h>

#include "unit-name.h"

static void test_for_job(void) {
        g_autofree char *a = sluice_unit_name_for_job(1);
        g_autofree char *b = sluice_unit_name_for_job(UINT64_MAX);

        g_assert_cmpstr(a, ==, "sluice-job-1.service");
        g_assert_cmpstr(b, ==, "sluice-job-18446744073709551615.service");
        g_assert_cmpstr(SLUICE_UNIT_PATTERN, ==, "sluice-job-*.service");
}

static void test_parse_good(void) {
        static const uint64_t ids[] = { 1, 9, 10, 12345, UINT64_MAX - 1, UINT64_MAX };

        for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
                g_autofree char *unit = sluice_unit_name_for_job(ids[i]);
                uint64_t id = 0;

                g_assert_true(sluice_unit_name_parse(unit, &id));
                g_assert_cmpuint(id, ==, ids[i]);
        }
        g_assert_true(sluice_unit_name_parse("sluice-job-42.service", NULL));
}

static void test_parse_bad(void) {
        static const char *const bad[] = {
                "", "sluice-job-.service", "sluice-job-0.service", "sluice-job-007.service",
                "sluice-job--1.service", "sluice-job-+1.service", "sluice-job- 1.service",
                "sluice-job-1 .service", "sluice-job-1x.service", "sluice-job-0x1f.service",
                "sluice-job-18446744073709551616.service", "sluice-job-99999999999999999999999.service",
                "sluice-job-1.service.d", "sluice-job-1.scope", "sluice-job-1", "sluice-job-1@x.service",
                "Sluice-job-1.service", "xsluice-job-1.service", "sluice-job-1.service\n",
                "sluice-job-.service.service", "sluice-job-1.service.service",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                uint64_t id = 77;

                g_test_message("%s", bad[i]);
                g_assert_false(sluice_unit_name_parse(bad[i], &id));
                g_assert_cmpuint(id, ==, 77);
        }
        g_assert_false(sluice_unit_name_parse(NULL, NULL));
}

int main(int argc, char **argv) {
        setlocale(LC_ALL, "");
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/unit-name/for-job", test_for_job);
        g_test_add_func("/unit-name/parse-good", test_parse_good);
        g_test_add_func("/unit-name/parse-bad", test_parse_bad);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Print every key the configuration parser knows (config_known_key(), the
 * parser's own table), one "SECTION<TAB>KEY" a line, SECTION as it starts
 * the section's name in sluiced.conf ("Scheduler", "Class", "Resource",
 * "Schedule", "Alert").  check-man.py looks for each in sluiced.conf(5).
 */
#include <stdio.h>

#include "config-model.h"

int main(void) {
        static const char *const names[_CONFIG_SECTION_MAX] = {
                [CONFIG_SECTION_SCHEDULER] = "Scheduler",
                [CONFIG_SECTION_CLASS] = "Class",
                [CONFIG_SECTION_RESOURCE] = "Resource",
                [CONFIG_SECTION_SCHEDULE] = "Schedule",
                [CONFIG_SECTION_ALERT] = "Alert",
                [CONFIG_SECTION_CLUSTER] = "Cluster",
        };
        const ConfigKeyInfo *k;

        for (size_t i = 0; (k = config_known_key(i)); i++) {
                if ((unsigned) k->section >= _CONFIG_SECTION_MAX || !names[k->section]) {
                        fprintf(stderr, "unknown section %d of key %s\n", (int) k->section, k->name);
                        return 1;
                }
                printf("%s\t%s\n", names[k->section], k->name);
        }
        return 0;
}

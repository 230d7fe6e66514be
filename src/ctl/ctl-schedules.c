/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FIRST SLICE: placeholder verbs, filled in by their feature's work. */
#include <stdio.h>

#include "ctl.h"

int ctl_verb_schedules(Ctl *ctl, int argc, char **argv) {
        fprintf(stderr, "sluicectl: schedules: not implemented yet\n");
        return CTL_EXIT_FAILURE;
}

int ctl_verb_trigger(Ctl *ctl, int argc, char **argv) {
        fprintf(stderr, "sluicectl: trigger: not implemented yet\n");
        return CTL_EXIT_FAILURE;
}

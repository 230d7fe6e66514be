/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libintl.h>
#include <locale.h>

/* Every user-facing string goes through _(); N_() marks a string for
 * translation where it is stored, not where it is shown. */
#define _(s) dgettext(GETTEXT_PACKAGE, (s))
#define N_(s) (s)

void sluice_i18n_init(void);

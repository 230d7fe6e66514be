/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "i18n.h"

#include <stdlib.h>

/**
 * sluice_i18n_init() - set the locale and bind sluice's text domain
 *
 * The catalogs are read from LOCALEDIR, or from $SLUICE_LOCALEDIR when it is
 * set: the tests point it at the build tree's po/ (LANG/de/LC_MESSAGES/
 * sluice.mo) to run the uninstalled binaries in German.  secure_getenv():
 * ignored in a set-user-ID or set-group-ID process.
 */
void sluice_i18n_init(void) {
        const char *dir = secure_getenv("SLUICE_LOCALEDIR");

        setlocale(LC_ALL, "");
        bindtextdomain(GETTEXT_PACKAGE, dir && *dir ? dir : LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

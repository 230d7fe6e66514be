#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every source file that marks strings for translation must be listed in
# po/POTFILES.in, and every listed file must exist: otherwise its messages
# silently never reach translators.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort)
marked=$(grep -lE '(^|[^A-Za-z0-9_])(_|N_|ngettext|dngettext)\(' src/*/*.c cockpit/src/*.js | sort)
status=0
for f in $marked; do
        grep -qxF "$f" <<<"$listed" || { echo "not in po/POTFILES.in: $f"; status=1; }
done
for f in $listed; do
        [ -e "$f" ] || { echo "listed in po/POTFILES.in but missing: $f"; status=1; }
done
# xgettext must understand every message: a format macro such as
# G_GUINT64_FORMAT inside _() cuts the msgid there without a warning from
# xgettext (use PRIu64): tools/check-gettext-macros.py finds them.
macros=$(python3 tools/check-gettext-macros.py src/*/*.c) || {
        echo "$macros"
        status=1
}
if command -v xgettext >/dev/null; then
        warnings=$(xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ \
                --keyword=dngettext:2,3 --keyword=ngettext:1,2 -o /dev/null $(grep '\.c$' <<<"$listed") 2>&1 || true)
        if [ -n "$warnings" ]; then
                echo "$warnings"
                status=1
        fi
        # The Cockpit page's modules (cockpit.gettext as _(), docs/cockpit.md).
        js=$(grep '\.js$' <<<"$listed" || true)
        if [ -n "$js" ]; then
                warnings=$(xgettext --from-code=UTF-8 -L JavaScript --keyword=_ --keyword=N_ \
                        -o /dev/null $js 2>&1 || true)
                if [ -n "$warnings" ]; then
                        echo "$warnings"
                        status=1
                fi
        fi
fi
[ $status -eq 0 ] && echo "po/POTFILES.in lists all $(wc -w <<<"$marked") files with translatable strings"
exit $status

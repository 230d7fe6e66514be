#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every language of po/LINGUAS translates every msgid of the sources: the
# POT is regenerated from po/POTFILES.in (xgettext with the arguments of
# meson's i18n glib preset, as "ninja sluice-pot" runs it) into a scratch
# directory, each LANG.po merged with it there, and any untranslated or fuzzy
# entry fails, as does msgfmt --check on the .po itself.  A commit that adds
# or changes a string carries its translation (docs/translations.md).
#
# Usage: check-translations.sh [SOURCE_ROOT]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

xgettext --package-name=sluice --directory=. --files-from=po/POTFILES.in \
        --output="$work/sluice.pot" \
        --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ \
        --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
        --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
        --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format \
        --flag=NC_:2:pass-c-format --flag=g_dngettext:2:pass-c-format \
        --flag=g_strdup_printf:1:c-format --flag=g_string_printf:2:c-format \
        --flag=g_string_append_printf:2:c-format --flag=g_error_new:3:c-format \
        --flag=g_set_error:4:c-format --flag=g_markup_printf_escaped:1:c-format \
        --flag=g_log:3:c-format --flag=g_print:1:c-format --flag=g_printerr:1:c-format \
        --flag=g_printf:1:c-format --flag=g_fprintf:2:c-format \
        --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format
total=$(msgattrib --no-obsolete "$work/sluice.pot" | grep -c '^msgid ' || true)
total=$((total - 1)) # the header

status=0
langs=$(sed 's/#.*//' po/LINGUAS | tr -s ' \n' ' ')
[[ -n ${langs// /} ]] || { echo "po/LINGUAS names no language"; exit 1; }
for lang in $langs; do
        po=po/$lang.po
        msgfmt --check --output-file=/dev/null "$po" || { echo "$po: msgfmt --check fails"; status=1; }
        msgmerge --quiet --output-file="$work/$lang.po" "$po" "$work/sluice.pot"
        for kind in untranslated only-fuzzy; do
                left=$(msgattrib --"$kind" --no-obsolete --no-wrap "$work/$lang.po" |
                        grep '^msgid ' | tail -n +2 || true)
                if [[ -n $left ]]; then
                        echo "$po: ${kind#only-} against the current sources (add the translation):"
                        echo "$left"
                        status=1
                fi
        done
        stats=$(msgfmt --statistics --output-file=/dev/null "$work/$lang.po" 2>&1)
        echo "$po: $stats (the sources have $total msgids)"
done
exit $status

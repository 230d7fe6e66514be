#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The POT check must catch a GLib format macro inside _() (issue 12: six
# msgids were cut short that way and nothing noticed), and let PRI* macros,
# plain literals and macros outside _() pass.
set -euo pipefail
check="$(dirname "$0")/check-gettext-macros.py"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/bad.c" <<'C'
static void f(void) {
        g_set_error(error, D, 1,
                    _("\"%s\" is out of range (%" G_GUINT64_FORMAT "..%"
                      G_GUINT64_FORMAT ")"), q, min, max);
        printf(N_("job %" G_GINT64_FORMAT " done"), id);
}
C
cat >"$dir/good.c" <<'C'
/* _("a %" G_GINT64_FORMAT " in a comment") is no call */
static void f(void) {
        g_set_error(error, D, 1, _("\"%s\" is out of range (%" PRIu64 "..%" PRIu64 ")"), q, min, max);
        printf(_("plain"), x);
        printf("%" G_GUINT64_FORMAT " %s", id, _("days"));
        printf(ngettext("one", "many", n));
        g_print(_("a (nested) \")\" paren %s"), g_strdup(_("x")));
}
C
if out=$(python3 "$check" "$dir/bad.c"); then
        echo "FAIL: a G_*_FORMAT macro inside _() was not reported"
        exit 1
fi
n=$(grep -c "inside" <<<"$out")
[ "$n" -eq 3 ] || { echo "FAIL: expected 3 findings, got $n:"; echo "$out"; exit 1; }
grep -q "bad.c:3: G_GUINT64_FORMAT inside _()" <<<"$out" || { echo "FAIL: wrong line: $out"; exit 1; }
grep -q "bad.c:5: G_GINT64_FORMAT inside N_()" <<<"$out" || { echo "FAIL: N_() not checked: $out"; exit 1; }
out=$(python3 "$check" "$dir/good.c") || { echo "FAIL: false positive: $out"; exit 1; }
echo "check-gettext-macros: catches a macro inside _()/N_(), passes PRI* and macros outside _()"

# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-i18n.sh — the German translation installed (issue 12, item 12):
# sluice.mo under /usr/share/locale, the installed polkit policy carries the
# German texts merged from po/de.po, polkitd hands them out to a German
# client, and the installed sluicectl speaks German.
#
# pkaction --verbose cannot show it: pkaction asks polkitd's EnumerateActions
# with an empty locale (libpolkit's client passes "" whatever LANG says), so it
# prints the untranslated texts in every locale; an authentication agent
# registers with its LANG and gets the translated message.  The check below
# asks EnumerateActions with the locale an agent under LANG=de_DE.UTF-8
# passes.  docs/translations.md.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "the German catalog is installed"
assert_status 0 container_exec test -s /usr/share/locale/de/LC_MESSAGES/sluice.mo

step "the installed policy carries the German texts (merged from po/de.po)"
assert_status 0 container_exec cat /usr/share/polkit-1/actions/org.sluice.policy
assert_contains '<description xml:lang="de">Jobs beim Scheduler sluice einreichen</description>' "$OUTPUT" \
	"org.sluice.policy"

step "polkitd hands out the German description and message for de_DE.UTF-8"
assert_status 0 container_exec gdbus call --system --dest org.freedesktop.PolicyKit1 \
	--object-path /org/freedesktop/PolicyKit1/Authority \
	--method org.freedesktop.PolicyKit1.Authority.EnumerateActions de_DE.UTF-8
assert_contains "('org.sluice.submit', 'Jobs beim Scheduler sluice einreichen', 'Zum Einreichen eines Jobs der Klasse \$(class) ist eine Authentifizierung erforderlich.'" \
	"$OUTPUT" "EnumerateActions de_DE.UTF-8"
assert_contains "'Den Scheduler sluice konfigurieren'" "$OUTPUT" "EnumerateActions de_DE.UTF-8"
step "... and the English ones without a locale (what pkaction shows)"
assert_status 0 container_exec gdbus call --system --dest org.freedesktop.PolicyKit1 \
	--object-path /org/freedesktop/PolicyKit1/Authority \
	--method org.freedesktop.PolicyKit1.Authority.EnumerateActions ""
assert_contains "('org.sluice.submit', 'Submit jobs to the sluice scheduler'," "$OUTPUT" "EnumerateActions \"\""

step "the installed sluicectl speaks German (LANGUAGE=de, LANG=C.UTF-8)"
assert_status 0 container_exec env LANGUAGE=de LANG=C.UTF-8 sluicectl --help
assert_contains "Aufruf: sluicectl [OPTION…] BEFEHL [ARG…]" "$OUTPUT" "sluicectl --help"

step "an error over the bus: sluicectl's part German, sluiced's in sluiced's own locale"
assert_status 4 container_exec env LANGUAGE=de LANG=C.UTF-8 sluicectl show 4242424
assert_contains "sluicectl: Job 4242424 konnte nicht gelesen werden: job 4242424: no such job" "$OUTPUT" \
	"sluicectl show of an unknown job"

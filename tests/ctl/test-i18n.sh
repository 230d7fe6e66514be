#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sluicectl and sluiced speak German (po/de.po) to a German user: the
# uninstalled binaries with $SLUICE_LOCALEDIR at the build tree's po/
# (po/de/LC_MESSAGES/sluice.mo, built from de.po), against the real sluiced
# on a private dbus-daemon.
#
# What it proves:
#  - --help, an option error and "Try --help" of sluicectl, and sluiced's
#    --help are German with LANGUAGE=de and LANG=C.UTF-8 (glibc honours
#    LANGUAGE in C.UTF-8; no de_DE locale needs to be generated);
#  - an error over the bus: "show" of an unknown job exits 4 with sluicectl's
#    own prefix and sluiced's message both German (sluiced runs in German
#    here: it answers in its own locale, docs/translations.md);
#  - plural forms (Plural-Forms of de.po): the quota error with 1 and 2;
#  - the controls: without LANGUAGE, and with LANG=C (gettext ignores
#    LANGUAGE in the C locale), the same commands print English.
#
# Usage: test-i18n.sh SLUICED SLUICECTL LOCALEDIR
set -euo pipefail

sluiced=$1
sluicectl=$2
export SLUICE_LOCALEDIR=$3
[[ -f $SLUICE_LOCALEDIR/de/LC_MESSAGES/sluice.mo ]] || {
        echo "FAIL: no $SLUICE_LOCALEDIR/de/LC_MESSAGES/sluice.mo" >&2
        exit 1
}

work=$(mktemp -d)
cleanup() {
        [[ -n ${daemon_pid:-} ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
        [[ -n ${bus_pid:-} ]] && kill "$bus_pid" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}
# expect_in WHAT HAYSTACK NEEDLE
expect_in() {
        [[ $2 == *"$3"* ]] || fail "$1: want [$3] in [$2]"
}

unset LC_ALL LC_MESSAGES LANGUAGE
de() { LANGUAGE=de LANG=C.UTF-8 "$@"; }
en() { LANG=C.UTF-8 "$@"; }

# ---- without a bus ----
out=$(de "$sluicectl" --help)
expect_in "help (de)" "$out" "Aufruf: sluicectl [OPTION…] BEFEHL [ARG…]"
expect_in "help (de)" "$out" "Steuert sluiced, den Job-Scheduler."
expect_in "help (de)" "$out" "Eine Lease beenden (success, failed oder cancelled)"
out=$(en "$sluicectl" --help)
expect_in "help (en)" "$out" "Usage: sluicectl [OPTION…] COMMAND [ARG…]"
out=$(LANGUAGE=de LANG=C "$sluicectl" --help)
expect_in "help (LANGUAGE=de LANG=C: C locale, English)" "$out" "Usage: sluicectl"

out=$(de "$sluicectl" --no-such-option 2>&1) && fail "--no-such-option succeeded"
expect_in "invalid option (de)" "$out" "sluicectl: ungültige Option"
expect_in "invalid option (de)" "$out" "Weitere Informationen mit »sluicectl --help«."

out=$(de "$sluiced" --help)
expect_in "sluiced --help (de)" "$out" "Der Job-Scheduler-Daemon sluice: besitzt org.sluice.Scheduler1 auf dem Systembus."

# ---- a real sluiced on a private bus, itself in German ----
dbus-daemon --session --nofork --print-address=3 3>"$work/address" 2>"$work/bus.log" &
bus_pid=$!
until [[ -s $work/address ]]; do sleep 0.05; done
address=$(head -n1 "$work/address")

cat >"$work/sluiced.conf" <<'CONF'
[Class one]
Kind=command
ExecStart=/bin/true
MaxQueuedPerUser=1

[Class two]
Kind=command
ExecStart=/bin/true
MaxQueuedPerUser=2
CONF

LANGUAGE=de LANG=C.UTF-8 "$sluiced" --bus-address="$address" --config="$work/sluiced.conf" \
        --state-dir="$work" 2>"$work/sluiced.log" &
daemon_pid=$!
ctl() { "$sluicectl" --bus-address="$address" "$@"; }
until ctl status >/dev/null 2>&1; do
        kill -0 "$daemon_pid" || { cat "$work/sluiced.log" >&2; exit 1; }
        sleep 0.05
done

rc=0
out=$(de ctl show 4242 2>&1) || rc=$?
[[ $rc == 4 ]] || fail "show 4242: want exit 4, got $rc"
expect_in "show of an unknown job (de)" "$out" \
        "sluicectl: Job 4242 konnte nicht gelesen werden: Job 4242: kein solcher Job"
out=$(en ctl show 4242 2>&1) || true
expect_in "show of an unknown job (en sluicectl, de sluiced)" "$out" \
        "sluicectl: could not read job 4242: Job 4242: kein solcher Job"

out=$(de ctl status)
expect_in "status (de)" "$out" "   Verfahren: fifo"
expect_in "status (de)" "$out" "KLASSE ART     MAX BESCHREIBUNG"

ctl pause >/dev/null
ctl submit one >/dev/null
ctl submit two >/dev/null
ctl submit two >/dev/null
out=$(de ctl submit one 2>&1) && fail "a second job of class one was accepted"
expect_in "quota, singular (de)" "$out" \
        "sluicectl: ein Job der Klasse one konnte nicht eingereicht werden: quota: Benutzer $(id -u) hat bereits 1 wartenden Job der Klasse one ([Class one] MaxQueuedPerUser=1)"
out=$(de ctl submit two 2>&1) && fail "a third job of class two was accepted"
expect_in "quota, plural (de)" "$out" "hat bereits 2 wartende Jobs der Klasse two ([Class two] MaxQueuedPerUser=2)"

if ((failures)); then
        echo "$failures failure(s)" >&2
        exit 1
fi
echo "sluicectl and sluiced in German: help, errors over the bus, plurals; English controls"

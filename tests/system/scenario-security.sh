# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-security.sh — the installed sluiced.service as systemd scores it:
# `systemd-analyze security sluiced.service` reports an overall exposure of
# at most 2.0 (issue 4; systemd-logind scores 2.8 here, systemd-timesyncd
# 2.1). The running process's empty capability bounding set, NoNewPrivs and
# seccomp filter are asserted by scenario-activation.sh.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "sluiced is running under the installed unit"
assert_status 0 container_exec sluicectl status
assert_eq active "$(container_exec systemctl is-active sluiced.service || true)" "sluiced.service"

step "systemd-analyze security sluiced.service: overall exposure ≤ 2.0"
assert_status 0 container_exec systemd-analyze security --no-pager sluiced.service
# The last line: "→ Overall exposure level for sluiced.service: 1.9 OK 🙂"
overall=$(grep 'Overall exposure level for sluiced.service' <<<"$OUTPUT" || true)
assert_match 'exposure level for sluiced\.service: [0-9]+\.[0-9]' "$overall" "the overall line of systemd-analyze security"
[[ $overall =~ service:\ ([0-9]+)\.([0-9]) ]]
score="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
echo "   systemd-analyze security sluiced.service: ${overall#→ }"
echo "   exposure: $score (limit 2.0)"
# Tenths, as integers: 2.0 → 20.
((BASH_REMATCH[1] * 10 + BASH_REMATCH[2] <= 20)) || {
	echo "$OUTPUT" | grep -E '^ *✗' >&2 || true
	fail "sluiced.service scores $score, more than 2.0"
}

# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-credentials.sh — a class's LoadCredential=ID:PATH reaches the job
# as $CREDENTIALS_DIRECTORY/ID on real systemd (252 accepts LoadCredential
# a(ss) for transient units), while `systemctl show`, as any local user, shows
# only ID:PATH, never the secret; the transient unit file does not hold it
# either. And what docs/configuration.md warns about: a secret in
# Environment= is shown to every local user.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

secret="s3cr3t-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
expected=$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)

step "a root-only secret file, and the class that loads it"
container_exec mkdir -p -m 0700 /etc/sluice/secrets
printf '%s' "$secret" | container_exec sh -c 'umask 077; cat > /etc/sluice/secrets/restic'
sluice_add_dropin credentials

step "the job reads \$CREDENTIALS_DIRECTORY/restic-password (its hash in the journal)"
sluice_gate
g=$SLUICE_GATE
id=$(sluice_submit with-credential \
	script="sha256sum < \"\$CREDENTIALS_DIRECTORY/restic-password\" | cut -d' ' -f1; $(sluice_gate_script "$g")")
wait_until "$SLUICE_BOUND" sluice_running "$id"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id" "$expected"

step "as uid 65534: the unit's LoadCredential is (ID, PATH); systemctl show --all has no secret"
unit=$(sluice_unit "$id")
assert_status 0 container_exec_as 65534 busctl get-property org.freedesktop.systemd1 \
	"/org/freedesktop/systemd1/unit/sluice_2djob_2d${id}_2eservice" org.freedesktop.systemd1.Service LoadCredential
assert_eq 'a(ss) 1 "restic-password" "/etc/sluice/secrets/restic"' "$OUTPUT" "LoadCredential of $unit"
assert_status 0 container_exec_as 65534 systemctl show --all --no-pager "$unit"
assert_contains "ExecStart=" "$OUTPUT" "systemctl show --all $unit"
assert_not_contains "$secret" "$OUTPUT" "systemctl show --all $unit as uid 65534"
assert_status 0 container_exec cat "/run/systemd/transient/$unit"
assert_contains "LoadCredential=restic-password:/etc/sluice/secrets/restic" "$OUTPUT" "the transient unit file"
assert_not_contains "$secret" "$OUTPUT" "the transient unit file"
sluice_gate_open "$g"
assert_eq "done success" "$(sluice_wait "$id")" "Wait(finished) of job $id"

step "the warning is true: Environment= is shown to uid 65534"
sluice_gate
g=$SLUICE_GATE
id2=$(sluice_submit with-environment script="$(sluice_gate_script "$g")")
wait_until "$SLUICE_BOUND" sluice_running "$id2"
assert_status 0 container_exec_as 65534 systemctl show --no-pager --property=Environment "$(sluice_unit "$id2")"
assert_contains "RESTIC_PASSWORD=env-secret-visible-to-all" "$OUTPUT" "Environment= of job $id2's unit"
sluice_gate_open "$g"
assert_eq "done success" "$(sluice_wait "$id2")" "Wait(finished) of job $id2"

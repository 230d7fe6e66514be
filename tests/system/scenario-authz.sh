# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-authz.sh — the authorization matrix against the real polkitd and
# its JavaScript rules: every mutating method × {root, a user in group backup
# with polkit/50-sluice-backup-group.rules.example installed, another user},
# printed as a table and asserted cell by cell against the table below.
# Reading is open to all three. docs/authorization.md is the design.
#
# The calls are made with gdbus, which does not set
# ALLOW_INTERACTIVE_AUTHORIZATION: sluicectl --no-ask-password semantics. The
# two users have no login session, so polkit's default for them is
# allow_any=no: a plain NotPermitted, never a challenge. The challenge path
# (auth_admin for a caller polkit could ask) comes after the matrix, with a
# test rule that asks for it.
#
# That only root may own org.sluice.Scheduler1 is checked by
# scenario-activation.sh ("the bus policy" step).

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

BACKUP_USER=sluice-authz-bk
OTHER_USER=sluice-authz-ot
RULES=/etc/polkit-1/rules.d/50-sluice-backup-group.rules
CHALLENGE_RULES=/etc/polkit-1/rules.d/49-sluice-authz-challenge.rules

# The expected matrix. Cells: "ok" (the call did what it asked), or the short
# D-Bus error name, with ":ACTION" when the message names the polkit action
# refused (org.sluice.ACTION), or "n/a" (the other user cannot own a job: it
# may neither submit nor acquire). "InvalidArgument" for TriggerSchedule means
# the caller got past the check: no schedule exists yet (they come with a later
# issue).
EXPECTED='
Submit(backup)                      | ok | ok                       | NotPermitted:submit
Submit(other)                       | ok | NotPermitted:submit      | NotPermitted:submit
Submit(backup, argv)                | ok | NotPermitted:run-command | NotPermitted:submit
Job.SetPriority(lower), own job     | ok | ok                       | n/a
Job.SetPriority(raise), own job     | ok | NotPermitted:manage-jobs | n/a
Job.SetPriority(lower), another'"'"'s | ok | NotPermitted:manage-jobs | NotPermitted:manage-jobs
Job.Cancel, own job                 | ok | ok                       | n/a
Job.Cancel, another'"'"'s job         | ok | NotPermitted:manage-jobs | NotPermitted:manage-jobs
CancelJob, another'"'"'s job          | ok | NotPermitted:manage-jobs | NotPermitted:manage-jobs
Pause(class:backup)                 | ok | NotPermitted:manage-jobs | NotPermitted:manage-jobs
Resume(class:backup)                | ok | NotPermitted:manage-jobs | NotPermitted:manage-jobs
UpdateConfig                        | ok | NotPermitted:configure   | NotPermitted:configure
Reload                              | ok | NotPermitted:configure   | NotPermitted:configure
TriggerSchedule                     | InvalidArgument | NotPermitted:configure | NotPermitted:configure
Acquire(backup)                     | ok | ok                       | NotPermitted:acquire
Acquire(other)                      | ok | NotPermitted:acquire     | NotPermitted:acquire
Job.Renew, own lease                | ok | ok                       | n/a
Job.Renew, another'"'"'s lease        | ok | NotPermitted:manage-jobs | NotPermitted:manage-jobs
Job.Release, own lease              | ok | ok                       | n/a
Job.Release, another'"'"'s lease      | ok | NotPermitted:manage-jobs | NotPermitted:manage-jobs
GetJob                              | ok | ok                       | ok
ListJobs                            | ok | ok                       | ok
Get(Job.State), Get(Paused)         | ok | ok                       | ok
'

declare -A SEEN=() WANT=()
COLUMNS=(root backup other)

# The uid of each column.
declare -A UID_OF=()

# call UID OBJECT METHOD ARGS...: a call through gdbus as UID; leaves the
# cell in $CELL and gdbus's output in $OUTPUT.
call() {
	local uid=$1 obj=$2 method=$3 name action
	shift 3
	STATUS=0
	OUTPUT=$(container_exec_as "$uid" gdbus call --system --timeout 120 -d "$SLUICE_BUS" \
		-o "$obj" -m "$method" "$@" 2>&1) || STATUS=$?
	if ((STATUS == 0)); then
		CELL=ok
		return 0
	fi
	if [[ $OUTPUT =~ GDBus\.Error:([A-Za-z0-9_.]+):\ (.*) ]]; then
		name=${BASH_REMATCH[1]##*.}
		action=${BASH_REMATCH[2]}
		if [[ $action =~ org\.sluice\.([a-z-]+) ]]; then
			CELL="$name:${BASH_REMATCH[1]}"
		else
			CELL=$name
		fi
	else
		CELL="failed(${OUTPUT//$'\n'/ })"
	fi
}

# cell ROW COLUMN UID OBJECT METHOD ARGS...: one cell of the matrix.
cell() {
	local row=$1 col=$2
	shift 2
	call "$@"
	SEEN["$row|$col"]=$CELL
	echo "   $row | $col: $CELL"
}

na() {
	SEEN["$1|$2"]=n/a
}

# job_path_of: the object path in gdbus's answer to Submit/Acquire/GetJob.
job_path_of() {
	[[ $1 =~ \'(/org/sluice/Scheduler1/job/[0-9]+)\' ]] || fail "no job path in: $1"
	echo "${BASH_REMATCH[1]}"
}

# as UID METHOD ARGS...: a call on the manager that must succeed (set-up, not
# part of the matrix); prints the job path it returns, if any.
setup_call() {
	local uid=$1 method=$2
	shift 2
	call "$uid" "$SLUICE_MANAGER" "$SLUICE_BUS.$method" "$@"
	[[ $CELL == ok ]] || fail "set-up call $method $* as uid $uid: $OUTPUT"
	if [[ $OUTPUT == *objectpath* ]]; then job_path_of "$OUTPUT"; fi
}

M=$SLUICE_MANAGER
I=$SLUICE_BUS
J=$SLUICE_JOB_IFACE

step "two users: one in group backup, one not; polkit's example rule for group backup"
container_exec sh -c "getent group backup >/dev/null || groupadd --system backup"
container_exec sh -c "id $BACKUP_USER >/dev/null 2>&1 || useradd --no-create-home --no-user-group --groups backup $BACKUP_USER"
container_exec sh -c "id $OTHER_USER >/dev/null 2>&1 || useradd --no-create-home --no-user-group $OTHER_USER"
UID_OF[root]=0
UID_OF[backup]=$(container_exec id -u "$BACKUP_USER")
UID_OF[other]=$(container_exec id -u "$OTHER_USER")
assert_match '(^| )backup( |$)' "$(container_exec id -nG "$BACKUP_USER")" "the groups of $BACKUP_USER"
assert_not_contains backup "$(container_exec id -nG "$OTHER_USER")" "the groups of $OTHER_USER"
echo "   root: uid 0; backup: $BACKUP_USER uid ${UID_OF[backup]}; other: $OTHER_USER uid ${UID_OF[other]}"

# polkitd reloads its rules when a file appears in rules.d (inotify) and says
# so in the journal: wait for that, from a cursor taken before the copy.
polkit_rules_loaded_since() {
	container_exec journalctl --no-pager -o cat -u polkit.service --after-cursor="$1" |
		grep -q 'Finished loading, compiling and executing'
}
install_rules() {
	local cursor
	assert_status 0 container_exec systemctl start polkit.service
	cursor=$(container_exec journalctl --no-pager -n 0 --show-cursor -u polkit.service | sed -n 's/^-- cursor: //p')
	[[ -n $cursor ]] || fail "no journal cursor"
	container_copy_in "$1" "$2"
	wait_until "$SLUICE_BOUND" polkit_rules_loaded_since "$cursor"
}
cleanup_authz() {
	local rc=$?
	container_exec rm -f "$RULES" "$CHALLENGE_RULES" 2>/dev/null || true
	sluice_cleanup "$rc"
}
trap cleanup_authz EXIT
install_rules "$SLUICE_SYSTEM_DIR/../../polkit/50-sluice-backup-group.rules.example" "$RULES"

step "command classes backup and other, paused: their jobs stay queued"
sluice_add_dropin authz
sluice_pause class:backup
sluice_pause class:other

step "the matrix, first half: jobs of command classes"
for col in "${COLUMNS[@]}"; do
	cell "Submit(backup)" "$col" "${UID_OF[$col]}" "$M" "$I.Submit" backup '@a{sv} {}'
	cell "Submit(other)" "$col" "${UID_OF[$col]}" "$M" "$I.Submit" other '@a{sv} {}'
	cell "Submit(backup, argv)" "$col" "${UID_OF[$col]}" "$M" "$I.Submit" backup "{'argv': <['/bin/true', 'authz']>}"
done

# Jobs to act on: each user's own (new ones for each row) and root's.
own() {
	setup_call "${UID_OF[$1]}" Submit backup '@a{sv} {}'
}
root_job=$(own root)
backup_job=$(own backup)

for col in root backup; do
	j=$(own "$col")
	cell "Job.SetPriority(lower), own job" "$col" "${UID_OF[$col]}" "$j" "$J.SetPriority" '@i -5'
	cell "Job.SetPriority(raise), own job" "$col" "${UID_OF[$col]}" "$j" "$J.SetPriority" '@i 5'
	cell "Job.Cancel, own job" "$col" "${UID_OF[$col]}" "$j" "$J.Cancel"
done
for row in "Job.SetPriority(lower), own job" "Job.SetPriority(raise), own job" "Job.Cancel, own job"; do
	na "$row" other
done
# Another's job: root acts on a job of the backup user, the users on root's.
for col in "${COLUMNS[@]}"; do
	if [[ $col == root ]]; then target=$(own backup); else target=$root_job; fi
	cell "Job.SetPriority(lower), another's" "$col" "${UID_OF[$col]}" "$target" "$J.SetPriority" '@i -1'
	cell "Job.Cancel, another's job" "$col" "${UID_OF[$col]}" "$target" "$J.Cancel"
	if [[ $col == root ]]; then target=$(own backup); fi
	cell "CancelJob, another's job" "$col" "${UID_OF[$col]}" "$M" "$I.CancelJob" "@t ${target##*/}"
done
assert_eq queued "$(sluice_prop "${root_job##*/}" State)" "root's job after the users tried to cancel it"
assert_eq 0 "$(sluice_prop "${root_job##*/}" Priority)" "root's job after the users tried to lower its priority"

for col in "${COLUMNS[@]}"; do
	cell "Pause(class:backup)" "$col" "${UID_OF[$col]}" "$M" "$I.Pause" class:backup
	cell "Resume(class:backup)" "$col" "${UID_OF[$col]}" "$M" "$I.Resume" class:backup
	# root resumed it: paused again for the users' turn (and a queued job
	# of class backup may have run meanwhile: nothing depends on it).
	[[ $col == root ]] && setup_call 0 Pause class:backup >/dev/null
	cell "UpdateConfig" "$col" "${UID_OF[$col]}" "$M" "$I.UpdateConfig" 'Class other' \
		"{'Description': <'changed by $col'>}" false
	cell "Reload" "$col" "${UID_OF[$col]}" "$M" "$I.Reload"
	cell "TriggerSchedule" "$col" "${UID_OF[$col]}" "$M" "$I.TriggerSchedule" nightly
	cell "GetJob" "$col" "${UID_OF[$col]}" "$M" "$I.GetJob" "@t ${backup_job##*/}"
	cell "ListJobs" "$col" "${UID_OF[$col]}" "$M" "$I.ListJobs" '@a{sv} {}'
	call "${UID_OF[$col]}" "$backup_job" org.freedesktop.DBus.Properties.Get "$J" State
	state_cell=$CELL
	call "${UID_OF[$col]}" "$M" org.freedesktop.DBus.Properties.Get "$I" Paused
	[[ $state_cell == ok ]] || CELL=$state_cell
	SEEN["Get(Job.State), Get(Paused)|$col"]=$CELL
done
step "the matrix, second half: leases (backup and other as lease classes)"
# Nothing of the first half may stay queued when the classes change kind.
for id in $(container_exec sluicectl list | awk 'NR > 1 && $3 != "done" { print $1 }'); do
	container_exec sluicectl cancel "$id" >/dev/null 2>&1 || true
done
sluice_resume class:backup
sluice_resume class:other
container_exec rm -f /etc/sluice/sluiced.conf.d/50-authz.conf
sluice_add_dropin authz-lease

# Detached leases (ttl-sec): they outlive the gdbus call that acquired them.
TTL="{'ttl-sec': <@t 3600>}"
lease() {
	setup_call "${UID_OF[$1]}" Acquire backup "$TTL"
}
root_lease=$(lease root)
for col in "${COLUMNS[@]}"; do
	cell "Acquire(backup)" "$col" "${UID_OF[$col]}" "$M" "$I.Acquire" backup "$TTL"
	cell "Acquire(other)" "$col" "${UID_OF[$col]}" "$M" "$I.Acquire" other "$TTL"
	if [[ $col != other ]]; then
		l=$(lease "$col")
		cell "Job.Renew, own lease" "$col" "${UID_OF[$col]}" "$l" "$J.Renew"
		cell "Job.Release, own lease" "$col" "${UID_OF[$col]}" "$l" "$J.Release" success
	else
		na "Job.Renew, own lease" other
		na "Job.Release, own lease" other
	fi
	if [[ $col == root ]]; then target=$(lease backup); else target=$root_lease; fi
	cell "Job.Renew, another's lease" "$col" "${UID_OF[$col]}" "$target" "$J.Renew"
	cell "Job.Release, another's lease" "$col" "${UID_OF[$col]}" "$target" "$J.Release" success
done
assert_eq running "$(sluice_prop "${root_lease##*/}" State)" "root's lease after the users tried to release it"

step "the matrix (gdbus, no interactive authorization; root, $BACKUP_USER in group backup, $OTHER_USER)"
mismatches=()
printf '   %-38s | %-16s | %-26s | %s\n' method root "backup user" other
printf '   %s\n' "$(printf '%.0s-' {1..110})"
while IFS='|' read -r row c_root c_backup c_other; do
	row=$(echo "$row" | sed 's/[[:space:]]*$//')
	[[ -n $row ]] || continue
	declare -A want=([root]=$c_root [backup]=$c_backup [other]=$c_other)
	line=()
	for col in "${COLUMNS[@]}"; do
		w=$(echo "${want[$col]}" | tr -d '[:space:]')
		s=${SEEN["$row|$col"]:-missing}
		if [[ $w == "$s" ]]; then
			line+=("$s")
		else
			line+=("$s (want $w)")
			mismatches+=("$row | $col: expected $w, seen $s")
		fi
	done
	printf '   %-38s | %-16s | %-26s | %s\n' "$row" "${line[0]}" "${line[1]}" "${line[2]}"
done <<<"$EXPECTED"
if ((${#mismatches[@]})); then
	printf '   MISMATCH: %s\n' "${mismatches[@]}"
	fail "${#mismatches[@]} cells of the matrix differ from the expected table"
fi

step "a challenge (auth_admin) without ALLOW_INTERACTIVE_AUTHORIZATION → InteractiveAuthorizationRequired"
cat >"$SCENARIO_TMP/challenge.rules" <<EOF
// scenario-authz.sh: polkit asks $OTHER_USER to authenticate for org.sluice.configure.
polkit.addRule(function(action, subject) {
        if (action.id == "org.sluice.configure" && subject.user == "$OTHER_USER")
                return polkit.Result.AUTH_ADMIN;
        return polkit.Result.NOT_HANDLED;
});
EOF
install_rules "$SCENARIO_TMP/challenge.rules" "$CHALLENGE_RULES"
call "${UID_OF[other]}" "$M" "$I.Reload"
assert_eq InteractiveAuthorizationRequired:configure "$CELL" "Reload as $OTHER_USER without the interactive flag ($OUTPUT)"
assert_contains "org.sluice.configure" "$OUTPUT" "the challenge names the action"
# With the flag (busctl sets it unless --allow-interactive-authorization=no)
# and no authentication agent to ask.
assert_status nonzero container_exec_as "${UID_OF[other]}" busctl --system call "$SLUICE_BUS" "$M" "$I" Reload
assert_contains "not permitted: org.sluice.configure" "$OUTPUT" "Reload with the flag, no agent"
assert_contains "no polkit authentication agent" "$OUTPUT" "Reload with the flag, no agent"

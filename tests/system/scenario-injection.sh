# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Not in the default list of meson.build: it fails until sluiced escapes "$"
# in ExecStart argv (systemd expands $VAR in transient units too) and refuses
# a caller's environment on command classes (see the issue 4 report).
#
# scenario-injection.sh — an unprivileged user cannot get a command of its
# choosing run by any path. The user is in group backup with the example
# polkit rule (it may submit class backup, a command class run as root):
#   - argv via Submit: refused (org.sluice.run-command);
#   - parameters with shell metacharacters, option-looking values, quotes,
#     a newline: each arrives as one literal argv element (checked in the
#     worker's /proc/PID/cmdline), nothing is executed (no marker file);
#   - environment (LD_PRELOAD, PATH) on that command class: must not reach
#     the root job's unit;
#   - resources with odd characters: refused (TYPE:VALUE syntax), never run.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

USER_NAME=sluice-authz-bk
RULES=/etc/polkit-1/rules.d/50-sluice-backup-group.rules
PWNED=/run/sluice-test/pwned
M=$SLUICE_MANAGER
I=$SLUICE_BUS

container_exec sh -c "getent group backup >/dev/null || groupadd --system backup"
container_exec sh -c "id $USER_NAME >/dev/null 2>&1 || useradd --no-create-home --no-user-group --groups backup $USER_NAME"
U=$(container_exec id -u "$USER_NAME")
container_exec rm -f "$PWNED" "$PWNED-preload" "$PWNED-path"
cleanup_injection() {
	local rc=$?
	container_exec rm -f "$RULES" 2>/dev/null || true
	sluice_cleanup "$rc"
}
trap cleanup_injection EXIT

# polkitd reloads rules.d on its own (inotify) and says so in its journal.
polkit_rules_loaded_since() {
	container_exec journalctl --no-pager -o cat -u polkit.service --after-cursor="$1" |
		grep -q 'Finished loading, compiling and executing'
}
assert_status 0 container_exec systemctl start polkit.service
cursor=$(container_exec journalctl --no-pager -n 0 --show-cursor -u polkit.service | sed -n 's/^-- cursor: //p')
container_copy_in "$SLUICE_SYSTEM_DIR/../../polkit/50-sluice-backup-group.rules.example" "$RULES"
wait_until "$SLUICE_BOUND" polkit_rules_loaded_since "$cursor"

# The worker: waits for its gate, then prints its arguments one per line.
printf '%s\n' '#!/bin/sh' 'g=$1; shift' \
	'while [ ! -e "/run/sluice-test/gate-$g" ]; do sleep 0.05; done' \
	'for a in "$@"; do printf "arg:%s\n" "$a"; done' >"$SCENARIO_TMP/inj-hold"
container_copy_in "$SCENARIO_TMP/inj-hold" /run/sluice-test/inj-hold
sluice_add_dropin authz-injection

# submit_as ARGS...: Submit(backup, {...}) as the backup-group user (gdbus);
# $STATUS, $OUTPUT, $JOB (the id) when it succeeded.
submit_as() {
	STATUS=0
	OUTPUT=$(container_exec_as "$U" gdbus call --system -d "$SLUICE_BUS" -o "$M" -m "$I.Submit" backup "$1" 2>&1) ||
		STATUS=$?
	JOB=
	if ((STATUS == 0)) && [[ $OUTPUT =~ /job/([0-9]+)\' ]]; then JOB=${BASH_REMATCH[1]}; fi
}

# gvariant_str VALUE: VALUE as a GVariant text string (only ' and \ escaped;
# a newline as \n).
gvariant_str() {
	local v=${1//\\/\\\\}
	v=${v//\'/\\\'}
	v=${v//$'\n'/\\n}
	printf "'%s'" "$v"
}

step "argv via Submit: refused (org.sluice.run-command), nothing queued"
before=$(container_exec sluicectl list | wc -l)
submit_as "{'argv': <['/bin/sh', '-c', 'touch $PWNED']>}"
assert_eq 1 "$STATUS" "Submit with argv as $USER_NAME"
assert_contains "org.sluice.Error.NotPermitted: not permitted: org.sluice.run-command" "$OUTPUT" "Submit with argv"
assert_eq "$before" "$(container_exec sluicectl list | wc -l)" "the job list after a refused Submit"

step "parameters with shell metacharacters, options, quotes, newlines: one literal argv element each"
values=(
	"\$(touch $PWNED)"
	"\`touch $PWNED\`"
	"; touch $PWNED"
	"| touch $PWNED &"
	"--help"
	"-rf /"
	"a'b\"c d"
	$'x\ntouch '"$PWNED"
	"%{gate}"
)
for v in "${values[@]}"; do
	sluice_gate
	g=$SLUICE_GATE
	submit_as "{'parameters': <{'gate': '$g', 'arg': $(gvariant_str "$v")}>}"
	if ((STATUS != 0)); then
		# Refusing a value is safe too; say which and why.
		assert_contains "InvalidArgument: parameters.arg" "$OUTPUT" "a refused parameter $(printf %q "$v") is an InvalidArgument"
		echo "   refused: $(printf %q "$v"): $OUTPUT"
		continue
	fi
	wait_until "$SLUICE_BOUND" sluice_running "$JOB"
	pid=$(sluice_unit_prop "$JOB" MainPID)
	want=$(printf '%s\0' /bin/sh /run/sluice-test/inj-hold "$g" "$v" | base64 -w0)
	seen=$(container_exec base64 -w0 "/proc/$pid/cmdline")
	assert_eq "$want" "$seen" "the worker's argv (base64 of /proc/$pid/cmdline) for $(printf %q "$v")"
	assert_eq 0 "$(sluice_unit_prop "$JOB" User | grep -c . || true)" "job $JOB runs as root (User= empty)"
	sluice_gate_open "$g"
	assert_eq "done success" "$(sluice_wait "$JOB")" "job $JOB"
	echo "   literal: $(printf %q "$v")"
done
assert_status nonzero container_exec test -e "$PWNED"

step "resources with odd characters: refused (the resource syntax), never run"
for r in "x:\$(touch $PWNED)" "../../etc:passwd" $'a:b\nc' "a:b;touch $PWNED" "nocolon"; do
	sluice_gate
	g=$SLUICE_GATE
	submit_as "{'parameters': <{'gate': '$g', 'arg': 'r'}>, 'resources': <[$(gvariant_str "$r")]>}"
	if ((STATUS != 0)); then
		assert_contains "InvalidArgument: options.resources[0]" "$OUTPUT" "a refused resource $(printf %q "$r")"
		echo "   refused: $(printf %q "$r"): ${OUTPUT#*InvalidArgument: }"
	else
		echo "   accepted as data: $(printf %q "$r") (job $JOB)"
		sluice_gate_open "$g"
		sluice_wait "$JOB" >/dev/null
	fi
done
assert_status nonzero container_exec test -e "$PWNED"

step "environment on a command class run as root: LD_PRELOAD and PATH must not reach the unit"
# A library whose constructor leaves a marker: proof of a load, not a guess.
printf '%s\n' '#include <fcntl.h>' '#include <unistd.h>' \
	'__attribute__((constructor)) static void pwn(void) { close(open("'"$PWNED"'-preload", O_CREAT | O_WRONLY, 0644)); }' \
	>"$SCENARIO_TMP/evil.c"
gcc -shared -fPIC -o "$SCENARIO_TMP/evil.so" "$SCENARIO_TMP/evil.c"
container_copy_in "$SCENARIO_TMP/evil.so" /run/sluice-test/evil.so
container_exec mkdir -p /run/sluice-test/evil-bin
printf '#!/bin/sh\ntouch %s-path\nexec /bin/sleep "$@"\n' "$PWNED" >"$SCENARIO_TMP/sleep"
container_copy_in "$SCENARIO_TMP/sleep" /run/sluice-test/evil-bin/sleep
sluice_gate
g=$SLUICE_GATE
submit_as "{'parameters': <{'gate': '$g', 'arg': 'env'}>, 'environment': <['LD_PRELOAD=/run/sluice-test/evil.so', 'PATH=/run/sluice-test/evil-bin']>}"
if ((STATUS != 0)); then
	echo "   refused: $OUTPUT"
	assert_contains "org.sluice.Error.NotPermitted" "$OUTPUT" "Submit with environment by $USER_NAME"
else
	wait_until "$SLUICE_BOUND" sluice_running "$JOB"
	env_seen=$(sluice_unit_prop "$JOB" Environment)
	echo "   FINDING? job $JOB accepted; its unit's Environment: $env_seen"
	sluice_gate_open "$g"
	sluice_wait "$JOB" >/dev/null || true
	preload=no path=no
	container_exec test -e "$PWNED-preload" && preload=yes
	container_exec test -e "$PWNED-path" && path=yes
	echo "   LD_PRELOAD library loaded by the root job: $preload; PATH lookup hijacked: $path"
	assert_not_contains "LD_PRELOAD=" "$env_seen" "the Environment of a root job submitted by $USER_NAME"
	assert_not_contains "PATH=/run/sluice-test" "$env_seen" "the Environment of a root job submitted by $USER_NAME"
	assert_eq no "$preload" "a user's LD_PRELOAD loaded into a root job"
fi

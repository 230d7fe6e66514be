# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-remote.sh — sluicectl -H [USER@]HOST over ssh and
# systemd-stdio-bridge, as systemctl -H does it, for real: the distribution's
# sshd started in the container (ssh.service), a key made here, and
# `sluicectl -H root@localhost list` answered by the container's sluiced
# through ssh. Also -M .host (the machine transport, into PID 1's
# namespaces), and what -H refuses (run, acquire) and how it fails (an
# unreachable host).
#
# Needs openssh-server installed on the host (tools/install-deps.sh; the
# container is an overlay of the host's root). Everything written here (keys,
# /root/.ssh) lands in the container's overlay and is gone at its stop.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

if ! container_exec test -x /usr/sbin/sshd; then
	fail "openssh-server is not installed on the host (tools/install-deps.sh installs it)"
fi

step "sshd runs in the container (ssh.service), root logs in with a key made for this test"
container_exec sh -c 'ssh-keygen -A >/dev/null'         # host keys of this container's sshd
container_exec mkdir -p -m 700 /root/.ssh
container_exec rm -f /root/.ssh/id_sluice_remote /root/.ssh/id_sluice_remote.pub
assert_status 0 container_exec ssh-keygen -q -t ed25519 -N '' -C sluice-remote-test -f /root/.ssh/id_sluice_remote
container_exec sh -c 'cat /root/.ssh/id_sluice_remote.pub >> /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys'
# sd-bus runs plain "ssh -xT -- root@localhost systemd-stdio-bridge": its
# options for localhost come from root's ssh config, ahead of any other entry.
container_exec sh -c '{ printf "%s\n" "Host localhost" "  IdentityFile /root/.ssh/id_sluice_remote" \
	"  IdentitiesOnly yes" "  BatchMode yes" "  StrictHostKeyChecking accept-new" \
	"  UserKnownHostsFile /root/.ssh/known_hosts_sluice_remote" ""; \
	cat /root/.ssh/config 2>/dev/null || true; } > /root/.ssh/config.new && mv /root/.ssh/config.new /root/.ssh/config'
assert_status 0 container_exec systemctl start ssh.service
wait_until "$SLUICE_BOUND" container_exec ssh root@localhost true

step "a job to see from afar: class sh paused, one job queued"
sluice_pause class:sh
id=$(sluice_submit sh script='echo remote-must-not-run' --priority=3)
assert_eq queued "$(sluice_prop "$id" State)" "State of job $id while class sh is paused"

step "sluicectl -H root@localhost list: the container's sluiced answers over ssh"
assert_status 0 container_exec sluicectl -H root@localhost list
# (ssh may add pam_nologin's note first: the container booted basic.target only)
assert_match "[[:space:]]$id[[:space:]]+sh[[:space:]]+queued[[:space:]]" "$OUTPUT" "sluicectl -H root@localhost list"
assert_status 0 container_exec sluicectl -H root@localhost list --json --state=queued --class=sh
assert_contains "\"Id\":$id," "$OUTPUT" "sluicectl -H root@localhost list --json"
# The call really went through ssh: sshd logged root's key login.
assert_status 0 container_exec journalctl --no-pager -o cat -u ssh.service
assert_contains "Accepted publickey for root" "$OUTPUT" "sshd's journal"

step "changes over -H: set-priority and cancel of the job, as on the host itself"
assert_status 0 container_exec sluicectl --host=root@localhost:22 set-priority "$id" 9
assert_eq 9 "$(sluice_prop "$id" Priority)" "Priority of job $id after set-priority over -H"
assert_status 0 container_exec sluicectl -H root@localhost cancel "$id"
assert_eq "done cancelled" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_status 4 container_exec sluicectl -H root@localhost show 999999999
assert_contains "job 999999999: no such job" "$OUTPUT" "show of an unknown job over -H"
sluice_resume class:sh

step "exit statuses a script can tell apart: 77 when polkit refuses (uid 65534 pausing), 4 for no such class"
assert_status 77 container_exec_as 65534 sluicectl --no-ask-password pause class:sh
assert_contains "not permitted" "$OUTPUT" "sluicectl pause as uid 65534"
assert_status 4 container_exec sluicectl submit no-such-class-h8
assert_eq "" "$(container_exec sluicectl status --json | grep -o '"class:sh"' || true)" "class sh paused by the refused call"

step "-M .host: the machine transport (PID 1's namespaces) reaches the same sluiced"
assert_status 0 container_exec sluicectl -M .host status --json
assert_contains '"Version"' "$OUTPUT" "sluicectl -M .host status --json"

step "run and acquire are refused with -H and -M, before anything is sent"
assert_status 2 container_exec sluicectl -H root@localhost run --class=sh -- true
assert_contains "cannot be used with --host or --machine" "$OUTPUT" "run over -H"
assert_status 2 container_exec sluicectl -M .host acquire single
assert_contains "cannot be used with --host or --machine" "$OUTPUT" "acquire over -M"

step "sluicectl -H … logs: a job's output from that host's journal, through its journalctl over ssh"
id2=$(sluice_submit sh script='echo remote-hello-from-job')
assert_eq "done success" "$(sluice_wait "$id2")" "Wait(finished) of job $id2"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id2" remote-hello-from-job
ssh_logins() {
	container_exec journalctl --no-pager -o cat -u ssh.service | grep -c "Accepted publickey for root"
}
ssh_logins_at_least() {
	(($(ssh_logins) >= $1))
}
logins_before=$(ssh_logins)
assert_status 0 container_exec sluicectl -H root@localhost logs "$id2"
assert_contains remote-hello-from-job "$OUTPUT" "sluicectl -H root@localhost logs $id2"
# Two logins: the bus (GetJobRecord) and journalctl there, not a journalctl here.
wait_until "$SLUICE_BOUND" ssh_logins_at_least $((logins_before + 2))
# journalctl's options reach the remote journalctl, each word quoted for the remote shell
# (assert_contains: sshd's pam_nologin notice may come first on stderr while the container boots)
assert_status 0 container_exec sluicectl -H root@localhost logs -n 1 -o cat --since=-1h "$id2"
assert_contains remote-hello-from-job "$OUTPUT" "sluicectl -H root@localhost logs -n 1 -o cat --since=-1h $id2"
# -f of a job that ended: its lines from the remote journalctl (without -f), and it ends
assert_status 0 container_exec sluicectl -H root@localhost logs -f -o cat "$id2"
assert_contains remote-hello-from-job "$OUTPUT" "sluicectl -H root@localhost logs -f -o cat $id2"

step "an unreachable host: a failure that says so, not a hang"
assert_status 1 container_exec sluicectl -H root@127.0.0.1:1 list
assert_contains "could not reach the system bus of root@127.0.0.1:1" "$OUTPUT" "sluicectl -H to a closed port"

assert_status 0 container_exec systemctl stop ssh.service

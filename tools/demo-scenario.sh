#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What tools/demo.sh shows, run where sluice is installed as a service (in
# the throwaway container, or on a host with --host): sluiced is started by
# D-Bus activation on the first call, with its embedded default
# configuration (no /etc/sluice/sluiced.conf). 4 backup clients run 3 backups
# each through leases (class backup: 2 at a time) while gc, verify, prune and
# sync run as transient systemd units under their limits; a live view, then
# the history and a job's output from the journal.
set -euo pipefail

if [ -e /etc/sluice/sluiced.conf ]; then
        echo "demo: /etc/sluice/sluiced.conf exists; the demo shows the embedded default, move it away first" >&2
        exit 1
fi

# Two datastores with something for each job to do.
for store in alpha bravo; do
        mkdir -p /srv/backup/$store/.tmp /srv/backup/$store/snapshots
        for n in 1 2 3 4 5; do
                head -c 4096 /dev/urandom >/srv/backup/$store/snapshots/chunk-$n
        done
        : >/srv/backup/$store/snapshots/truncated-chunk
        touch -d '3 days ago' /srv/backup/$store/.tmp/stale-upload
        touch -d '90 days ago' /srv/backup/$store/snapshots/chunk-1
done
# Something big enough for sync to be seen running.
head -c 1536M /dev/zero >/srv/backup/bravo/snapshots/full-image
mkdir -p /srv/backup-mirror

echo "=== sluiced before the first call: $(systemctl is-active sluiced.service || true)"
sluicectl status
echo "=== sluiced after it (D-Bus activation): $(systemctl is-active sluiced.service)"
echo

client() {
        local name=$1 n
        for n in 1 2 3; do
                sluicectl run --class backup --description="client $name, backup $n" -- \
                        sleep "0.$((RANDOM % 5 + 5))" || echo "client $name: backup $n failed"
        done
}
clients=()
for c in alpha bravo charlie delta; do
        client $c &
        clients+=($!)
done

echo "=== server-side work, each job in its own transient unit"
for spec in "gc store=alpha" "verify store=alpha" "verify store=bravo" \
            "prune store=alpha days=30" "sync store=bravo"; do
        # shellcheck disable=SC2086
        printf '%-28s -> job %s\n' "$spec" "$(sluicectl submit $spec)"
done
echo

still_running() {
        local p
        for p in "${clients[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
        [ "$(sluicectl status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["RunningJobs"] + d["QueuedJobs"])')" != 0 ]
}
while still_running; do
        printf -- '--- live view %s ---\n' "$(date +%T.%N | cut -c1-12)"
        sluicectl list --state=running,queued || true
        systemctl list-units --no-legend --plain 'sluice-job-*' | awk '{print "  unit " $1 " " $3 "/" $4}'
        sleep 0.3
done
wait "${clients[@]}"

echo
echo "=== history"
sluicectl list
echo
verify=$(sluicectl list --json --class=verify | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
echo "=== job $verify in detail"
sluicectl show "$verify"
echo
echo "=== its output, from the journal: journalctl SLUICE_JOB_ID=$verify"
journalctl --no-pager -o cat SLUICE_JOB_ID="$verify"

echo
echo "=== a schedule, added at run time: verify datastore alpha every 5 seconds"
sluicectl calendar '*:*:0/5' --iterations=2
sluicectl config set "Schedule demo-verify" Class=verify Parameters=store=alpha 'OnCalendar=*:*:0/5'
for _ in $(seq 1 100); do
        [ "$(sluicectl schedules --json | python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s.get("LastJob")))')" != 0 ] && break
        sleep 0.1
done
sleep 1
sluicectl schedules
echo
echo "=== alerts and metrics"
sluicectl alerts
sluicectl metrics | grep -E '^sluice_jobs_(submitted|started|finished)_total' | grep -v ' 0$'

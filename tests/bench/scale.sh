#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/scale.sh BUILD_DIR [JOBS]   (JOBS defaults to 1000000; not a test;
# SAMPLES=N in the environment: latency samples per level, default 2000)
#
# sluiced with a million queued jobs: a private dbus-daemon (the system bus's
# limits: 128 pending replies per connection), sluiced on it with its state
# directory in /var/tmp (disk, not tmpfs) and the command class "bulk" paused (queued
# lease jobs die with their submitter's connection; command jobs persist), so
# every Submit stays queued.  A second, identical pair (dbus-daemon and
# sluiced) holds 1 000 queued jobs: the baseline.  Measures
#   - sluiced's RSS (VmRSS) with 0 and JOBS queued -> bytes per queued job,
#   - Submit latency p50/p99 (SAMPLES synchronous Submits each) with JOBS
#     queued and, alternating call by call, on the baseline with 1 000 queued:
#     the machine's other load (2 shared CPUs) hits both alike,
#   - restart: SIGKILL sluiced, start it on the same state directory, time until
#     its bus name is back and QueuedJobs == JOBS; the same with 1 000 queued
#     (taken first) is the baseline: the fixed cost of a start.
# and prints them beside the goals (docs/benchmarks.md, issue 5).
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/bench-bus.conf.sh"

build=${1:?usage: scale.sh BUILD_DIR [JOBS]}
jobs=${2:-1000000}
build=$(cd "$build" && pwd)
sluiced=$build/src/daemon/sluiced
client=$build/tests/bench/scale-client
for f in "$sluiced" "$client"; do
        [ -x "$f" ] || { echo "scale.sh: $f is missing: ninja -C $build tests/bench/scale-client src/daemon/sluiced" >&2; exit 1; }
done
samples=${SAMPLES:-2000}

tmp=$(mktemp -d /var/tmp/sluice-scale-XXXXXX)
pids=
cleanup() {
        for p in $pids; do kill "$p" 2>/dev/null || true; done
        for p in $pids; do wait "$p" 2>/dev/null || true; done
        rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cat >"$tmp/sluiced.conf" <<CONF
[Scheduler]
MaxRunning=0
MaxQueuedPerUser=0

[Class bulk]
Kind=command
ExecStart=/bin/true
MaxRunning=0
CONF

# start_bus NAME: a private dbus-daemon in $tmp/NAME; sets $address
start_bus() {
        mkdir -p "$tmp/$1"
        bench_bus_conf "$tmp/$1" >"$tmp/$1/bus.conf"
        dbus-daemon --config-file="$tmp/$1/bus.conf" --nofork --nopidfile --print-address=3 3>"$tmp/$1/address" \
                2>"$tmp/$1/dbus-daemon.log" &
        pids="$pids $!"
        i=0
        while [ ! -s "$tmp/$1/address" ]; do
                i=$((i + 1))
                [ $i -lt 500 ] || { echo "scale.sh: dbus-daemon did not start" >&2; exit 1; }
                sleep 0.01
        done
        address=$(head -n1 "$tmp/$1/address")
}

# start_sluiced NAME ADDRESS: sluiced with its state in $tmp/NAME/state; sets $sluiced_pid
start_sluiced() {
        DBUS_SYSTEM_BUS_ADDRESS=$2 NOTIFY_SOCKET= \
                "$sluiced" --bus-address="$2" --config="$tmp/sluiced.conf" --state-dir="$tmp/$1/state" \
                2>>"$tmp/$1/sluiced.log" &
        sluiced_pid=$!
        pids="$pids $!"
}
rss_kib() {
        awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
now_ns() {
        date +%s%N
}
# ready ADDRESS: wait for sluiced on ADDRESS, pause the class bulk
ready() {
        "$client" --address="$1" wait 0 "$(now_ns)" >/dev/null
        busctl --address="$1" call org.sluice.Scheduler1 /org/sluice/Scheduler1 org.sluice.Scheduler1 Pause s class:bulk
}

start_bus baseline
base_address=$address
start_sluiced baseline "$base_address"
ready "$base_address"
"$client" --address="$base_address" fill 1000 1 100 >/dev/null

start_bus main
start_sluiced main "$address"
ready "$address"

echo "sluice at scale: $(uname -m), $(nproc) CPUs, commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown), $jobs jobs, state in $tmp"
rss0=$(rss_kib $sluiced_pid)

"$client" --address="$address" fill 1000 1 100 >/dev/null
queued=1000

# restart: SIGKILL the main sluiced, start it again, time until QueuedJobs == $queued (in $tmp/restart_ms).
# Not called in $(...): sluiced must stay this shell's child.
restart() {
        kill -KILL $sluiced_pid
        wait $sluiced_pid 2>/dev/null || true
        t0=$(now_ns)
        start_sluiced main "$address"
        "$client" --address="$address" wait $queued "$t0" >"$tmp/restart_ms" || {
                echo "scale.sh: QueuedJobs did not come back to $queued; sluiced's log:" >&2
                tail -n 5 "$tmp/main/sluiced.log" >&2
                exit 1
        }
}
restart
restart_small_ms=$(cat "$tmp/restart_ms")
restart_small_queued=$queued

"$client" --address="$address" fill $((jobs - queued)) 4 100
queued=$jobs
"$client" --address="$address" wait $queued "$(now_ns)" >/dev/null
rss1=$(rss_kib $sluiced_pid)
# The fill left ~100 MiB of dirty pages: write them back now, not into the samples' fsyncs.
sync
lat=$("$client" --address="$address" latency $samples "$base_address")
queued=$((queued + samples))

restart
restart_ms=$(cat "$tmp/restart_ms")
rss2=$(rss_kib $sluiced_pid)

per_job=$(((rss1 - rss0) * 1024 / jobs))
set -- $lat
p50_big=$1 p99_big=$2 p50_small=$3 p99_small=$4
ratio=$(awk -v a="$p99_big" -v b="$p99_small" 'BEGIN { printf "%.2f", a / b }')
verdict() { if [ "$1" = 1 ]; then echo met; else echo MISSED; fi; }

echo
printf '%-44s %-22s %-12s %s\n' "measure" "figure" "goal" "verdict"
printf '%-44s %-22s %-12s %s\n' "sluiced RSS, 0 queued" "$rss0 KiB" "" ""
printf '%-44s %-22s %-12s %s\n' "sluiced RSS, $jobs queued" "$rss1 KiB" "" ""
printf '%-44s %-22s %-12s %s\n' "memory per queued job" "$per_job B" "<= 1024 B" "$(verdict $((per_job <= 1024)))"
printf '%-44s %-22s %-12s %s\n' "Submit p50 / p99, 1 000 queued (baseline)" "$p50_small / $p99_small us" "" ""
printf '%-44s %-22s %-12s %s\n' "Submit p50 / p99, $jobs queued" "$p50_big / $p99_big us" "" ""
printf '%-44s %-22s %-12s %s\n' "p99 ratio (JOBS queued / 1 000 queued)" "$ratio" "<= 2" \
        "$(verdict "$(awk -v r="$ratio" 'BEGIN { print (r <= 2) }')")"
printf '%-44s %-22s %-12s %s\n' "restart to QueuedJobs == $restart_small_queued (baseline)" "$restart_small_ms ms" "" ""
printf '%-44s %-22s %-12s %s\n' "restart to QueuedJobs == $queued" "$restart_ms ms" "<= 5000 ms" "$(verdict $((restart_ms <= 5000)))"
printf '%-44s %-22s %-12s %s\n' "sluiced RSS after the restart" "$rss2 KiB" "" ""
printf '%-44s %-22s %-12s %s\n' "state directory" "$(du -sh "$tmp/main/state" | cut -f1)" "" ""

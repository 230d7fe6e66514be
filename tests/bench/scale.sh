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
# every Submit stays queued.  Measures
#   - sluiced's RSS (VmRSS) with 0 and JOBS queued -> bytes per queued job,
#   - Submit latency p99 (SAMPLES synchronous Submits) with 1 000 and JOBS queued,
#   - restart: SIGKILL sluiced, start it on the same state directory, time until
#     its bus name is back and QueuedJobs == JOBS; the same with ~3 000 queued
#     (taken first) is the baseline: the fixed cost of a start.
# and prints them beside the goals (docs/benchmarks.md, issue 5).
set -eu

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
dbus_pid= sluiced_pid=
cleanup() {
        for p in $sluiced_pid $dbus_pid; do kill "$p" 2>/dev/null || true; done
        for p in $sluiced_pid $dbus_pid; do wait "$p" 2>/dev/null || true; done
        rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_replies_per_connection">128</limit>
  <limit name="max_match_rules_per_connection">512</limit>
</busconfig>
CONF

cat >"$tmp/sluiced.conf" <<CONF
[Scheduler]
MaxRunning=0
MaxQueuedPerUser=0

[Class bulk]
Kind=command
ExecStart=/bin/true
MaxRunning=0
CONF

dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --print-address=3 3>"$tmp/address" \
        2>"$tmp/dbus-daemon.log" &
dbus_pid=$!
i=0
while [ ! -s "$tmp/address" ]; do
        i=$((i + 1))
        [ $i -lt 500 ] || { echo "scale.sh: dbus-daemon did not start" >&2; exit 1; }
        sleep 0.01
done
address=$(head -n1 "$tmp/address")

start_sluiced() {
        DBUS_SYSTEM_BUS_ADDRESS=$address NOTIFY_SOCKET= \
                "$sluiced" --bus-address="$address" --config="$tmp/sluiced.conf" --state-dir="$tmp/state" \
                2>>"$tmp/sluiced.log" &
        sluiced_pid=$!
}
rss_kib() {
        awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
now_ns() {
        date +%s%N
}

start_sluiced
"$client" --address="$address" wait 0 "$(now_ns)" >/dev/null
busctl --address="$address" call org.sluice.Scheduler1 /org/sluice/Scheduler1 org.sluice.Scheduler1 Pause s class:bulk

echo "sluice at scale: $(uname -m), $(nproc) CPUs, commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown), $jobs jobs, state in $tmp"
rss0=$(rss_kib $sluiced_pid)

"$client" --address="$address" fill 1000 1 100 >/dev/null
lat_small=$("$client" --address="$address" latency $samples)
queued=$((1000 + samples))

restart() {
        kill -KILL $sluiced_pid
        wait $sluiced_pid 2>/dev/null || true
        t0=$(now_ns)
        start_sluiced
        "$client" --address="$address" wait $queued "$t0" >"$tmp/restart_ms" || {
                echo "scale.sh: QueuedJobs did not come back to $queued; sluiced's log:" >&2
                tail -n 5 "$tmp/sluiced.log" >&2
                exit 1
        }
}
restart         # not in $(...): sluiced must stay this shell's child
restart_small_ms=$(cat "$tmp/restart_ms")
restart_small_queued=$queued

"$client" --address="$address" fill $((jobs - queued)) 4 100
queued=$jobs
"$client" --address="$address" wait $queued "$(now_ns)" >/dev/null
rss1=$(rss_kib $sluiced_pid)
lat_big=$("$client" --address="$address" latency $samples)
queued=$((queued + samples))

restart
restart_ms=$(cat "$tmp/restart_ms")
rss2=$(rss_kib $sluiced_pid)

per_job=$(((rss1 - rss0) * 1024 / jobs))
p99_small=${lat_small#* } p99_big=${lat_big#* }
ratio=$(awk -v a="$p99_big" -v b="$p99_small" 'BEGIN { printf "%.2f", a / b }')
verdict() { if [ "$1" = 1 ]; then echo met; else echo MISSED; fi; }

echo
printf '%-44s %-22s %-12s %s\n' "measure" "figure" "goal" "verdict"
printf '%-44s %-22s %-12s %s\n' "sluiced RSS, 0 queued" "$rss0 KiB" "" ""
printf '%-44s %-22s %-12s %s\n' "sluiced RSS, $jobs queued" "$rss1 KiB" "" ""
printf '%-44s %-22s %-12s %s\n' "memory per queued job" "$per_job B" "<= 1024 B" "$(verdict $((per_job <= 1024)))"
printf '%-44s %-22s %-12s %s\n' "Submit p50 / p99, 1 000 queued" "${lat_small% *} / $p99_small us" "" ""
printf '%-44s %-22s %-12s %s\n' "Submit p50 / p99, $jobs queued" "${lat_big% *} / $p99_big us" "" ""
printf '%-44s %-22s %-12s %s\n' "p99 ratio (JOBS queued / 1 000 queued)" "$ratio" "<= 2" \
        "$(verdict "$(awk -v r="$ratio" 'BEGIN { print (r <= 2) }')")"
printf '%-44s %-22s %-12s %s\n' "restart to QueuedJobs == $restart_small_queued" "$restart_small_ms ms" "" ""
printf '%-44s %-22s %-12s %s\n' "restart to QueuedJobs == $queued" "$restart_ms ms" "<= 5000 ms" "$(verdict $((restart_ms <= 5000)))"
printf '%-44s %-22s %-12s %s\n' "sluiced RSS after the restart" "$rss2 KiB" "" ""
printf '%-44s %-22s %-12s %s\n' "state directory" "$(du -sh "$tmp/state" | cut -f1)" "" ""

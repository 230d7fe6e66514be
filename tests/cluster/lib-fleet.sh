# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sourced by tests/cluster/scenario-fleet.sh and tests/bench/cluster-admission.sh
# (set -euo pipefail, $build set): a 3-member etcd cluster on free loopback
# ports and sluiced instances, each on its own private dbus-daemon.
#   start_etcd I / stop_etcd I        member eI (I = 1..3), data in $tmp/eI
#   ectl ARGS…                         etcdctl against the three members
#   start_bus N; start_sluiced N       host hN: $tmp/hN/{bus.conf,sluiced.conf,state,sluiced.log}
#                                      (the caller writes $tmp/hN/sluiced.conf)
#   ctl N ARGS…                        sluicectl on hN's bus
#   wait_for SECONDS WHAT CMD…         polls CMD every 0.1 s, fail() when it never succeeds
# Exit 77 (skip) without /usr/bin/etcd, the cluster module or dbus-daemon.
sluiced=$build/src/daemon/sluiced
sluicectl=$build/src/ctl/sluicectl
module=${SLUICE_CLUSTER_MODULE:-$build/src/daemon/sluiced-cluster.so}
etcd=${ETCD:-/usr/bin/etcd}
etcdctl=${ETCDCTL:-/usr/bin/etcdctl}

[ -x "$etcd" ] && [ -x "$etcdctl" ] || { echo "SKIP: no $etcd (package etcd-server)"; exit 77; }
[ -e "$module" ] || { echo "SKIP: no cluster module $module (-Dcluster=disabled?)"; exit 77; }
command -v dbus-daemon >/dev/null || { echo "SKIP: no dbus-daemon"; exit 77; }

tmp=$(mktemp -d /tmp/sluice-fleet-XXXXXX)
pids=()
cleanup() {
        local p
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        if [ "${keep_tmp:-no}" = yes ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*" >&2
        for f in "$tmp"/h*/sluiced.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
        keep_tmp=${KEEP_TMP:-no}
        exit 1
}
step() { echo "=== $*"; }

# wait_for SECONDS DESCRIPTION COMMAND…: polls COMMAND every 0.1 s.
wait_for() {
        local limit=$1 what=$2 deadline
        shift 2
        deadline=$(($(date +%s) + limit))
        until "$@" >/dev/null 2>&1; do
                [ "$(date +%s)" -lt "$deadline" ] || fail "not within ${limit}s: $what"
                sleep 0.1
        done
}

# Free loopback ports (bound, then closed).
read -r -a ports <<<"$(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)"
client=() peer=()
for i in 1 2 3; do
        client[i]=http://127.0.0.1:${ports[$((2 * i - 2))]}
        peer[i]=http://127.0.0.1:${ports[$((2 * i - 1))]}
done
dead_url=http://127.0.0.1:${ports[6]}
initial="e1=${peer[1]},e2=${peer[2]},e3=${peer[3]}"
endpoints="${client[1]} ${client[2]} ${client[3]}"
export ETCDCTL_API=3
ectl() { "$etcdctl" --endpoints="${client[1]},${client[2]},${client[3]}" --dial-timeout=2s --command-timeout=5s "$@"; }

epid=()
start_etcd() {
        local i=$1
        "$etcd" --name "e$i" --data-dir "$tmp/e$i" \
                --listen-client-urls "${client[i]}" --advertise-client-urls "${client[i]}" \
                --listen-peer-urls "${peer[i]}" --initial-advertise-peer-urls "${peer[i]}" \
                --initial-cluster "$initial" --initial-cluster-state new \
                --initial-cluster-token sluice-fleet-test >>"$tmp/e$i.log" 2>&1 &
        epid[i]=$!
        pids+=("$!")
}
stop_etcd() { kill -TERM "${epid[$1]}"; wait "${epid[$1]}" 2>/dev/null || true; }

# One host: a private dbus-daemon and a sluiced with the fleet's configuration.
addr=() spid=()
start_bus() {
        local n=$1
        mkdir -p "$tmp/h$n/state"
        python3 - "$tmp/h$n" >"$tmp/h$n/bus.conf" <<'PY'
import sys
print(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path={sys.argv[1]}/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>""")
PY
        dbus-daemon --config-file="$tmp/h$n/bus.conf" --nofork --nopidfile --print-address=3 \
                3>"$tmp/h$n/address" 2>"$tmp/h$n/dbus.log" &
        pids+=("$!")
        wait_for 10 "dbus-daemon of h$n" test -s "$tmp/h$n/address"
        addr[n]=$(head -n1 "$tmp/h$n/address")
}
start_sluiced() {
        local n=$1
        DBUS_SYSTEM_BUS_ADDRESS=${addr[n]} NOTIFY_SOCKET= SLUICE_CLUSTER_MODULE=$module \
                "$sluiced" --bus-address="${addr[n]}" --config="$tmp/h$n/sluiced.conf" \
                --state-dir="$tmp/h$n/state" >>"$tmp/h$n/sluiced.log" 2>&1 &
        spid[n]=$!
        pids+=("$!")
        wait_for 20 "sluiced h$n on its bus" busctl --address="${addr[n]}" status org.sluice.Scheduler1
}
ctl() { local n=$1; shift; "$sluicectl" --bus-address="${addr[n]}" --no-pager "$@"; }

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bus/fuzz-bus-long.sh BUILD_DIR SECONDS [CALLS_PER_RUN]
#
# The long run of the D-Bus API fuzzer (tests/bus/fuzz-bus-api.c): one run
# after the other, seeds 1, 2, 3, ... (FIRST_SEED=N to start elsewhere), each
# FUZZ_CALLS calls (default 20000) against a fresh sluiced, until SECONDS have
# passed; then the sums: runs, calls, replies by error name, failed runs with
# their seed (replay: SEED=N FUZZ_CALLS=... BUILD_DIR/tests/bus/fuzz-bus-api
# with the environment printed below).  Meant for an ASan/UBSan build:
#   meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
#   ninja -C build-asan src/daemon/sluiced tests/bus/fuzz-bus-api
#   tests/bus/fuzz-bus-long.sh build-asan 600
# A failed run's whole output is kept in $LOG_DIR (default /tmp).
set -eu

build=${1:?usage: fuzz-bus-long.sh BUILD_DIR SECONDS [CALLS_PER_RUN]}
seconds=${2:?usage: fuzz-bus-long.sh BUILD_DIR SECONDS [CALLS_PER_RUN]}
calls=${3:-20000}
build=$(cd "$build" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
fuzz=$build/tests/bus/fuzz-bus-api
sluiced=$build/src/daemon/sluiced
log_dir=${LOG_DIR:-/tmp}
for f in "$fuzz" "$sluiced"; do
        [ -x "$f" ] || { echo "fuzz-bus-long.sh: $f is missing: ninja -C $build src/daemon/sluiced tests/bus/fuzz-bus-api" >&2; exit 1; }
done
sanitized=$(grep -o '"name": "b_sanitize", "value": "[^"]*"' "$build/meson-info/intro-buildoptions.json" 2>/dev/null |
        sed 's/.*"value": "//; s/"$//')

export SLUICED="$sluiced" SLUICE_DBUS_DIR="$src/dbus" G_DEBUG=fatal-warnings FUZZ_CALLS="$calls"
# As tools/test.sh: any sanitizer report ends sluiced, and the run fails.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "fuzz-bus-long: $build (b_sanitize=${sanitized:-?}), $seconds s, $calls calls a run, commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "fuzz-bus-long: replay a run with: ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS SLUICED=$SLUICED SLUICE_DBUS_DIR=$SLUICE_DBUS_DIR G_DEBUG=fatal-warnings FUZZ_CALLS=$calls SEED=N $fuzz"

sums=$(mktemp /tmp/fuzz-bus-long-XXXXXX)
trap 'rm -f "$sums" "$sums.run"' EXIT
seed=${FIRST_SEED:-1}
end=$(($(date +%s) + seconds))
runs=0
failed=
while [ "$(date +%s)" -lt "$end" ]; do
        if SEED=$seed "$fuzz" >"$sums.run" 2>&1 &&
                ! grep -q 'runtime error:\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer' "$sums.run"; then
                grep '^fuzz-bus-api: \(seed=\|error \)' "$sums.run" >>"$sums" || true
        else
                cp "$sums.run" "$log_dir/fuzz-bus-api-seed-$seed.log"
                failed="$failed $seed"
                echo "fuzz-bus-long: seed $seed FAILED, log in $log_dir/fuzz-bus-api-seed-$seed.log:" >&2
                grep -E 'ERROR|ERROR: AddressSanitizer|runtime error|fuzz-bus-api \(seed' "$sums.run" | head -n 5 >&2 || true
        fi
        runs=$((runs + 1))
        seed=$((seed + 1))
done

awk -v runs="$runs" -v failed="$failed" '
/ seed=/ {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); total[kv[1]] += kv[2] }
        ok++
}
/ error / { errors[$3] += $4 }
END {
        printf "fuzz-bus-long: runs=%d clean=%d failed=%d%s\n", runs, ok, runs - ok, failed != "" ? " (seeds" failed ")" : ""
        printf "fuzz-bus-long: calls=%d (uid 65534: %d, refused NotPermitted: %d) successes=%d errors=%d local=%d\n",
               total["calls"], total["foreign_calls"], total["foreign_refused"], total["successes"], total["errors"],
               total["local"]
        printf "fuzz-bus-long: reconnects=%d bus_disconnects=%d checkpoints=%d jobs=%d crashes=%d\n",
               total["reconnects"], total["bus_disconnects"], total["checkpoints"], total["jobs"], runs - ok
        n = 0
        for (e in errors) names[n++] = e
        for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (names[j] < names[i]) { t = names[i]; names[i] = names[j]; names[j] = t }
        for (i = 0; i < n; i++) printf "fuzz-bus-long:   %-45s %d\n", names[i], errors[names[i]]
}' "$sums"
[ -z "$failed" ]

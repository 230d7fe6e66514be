#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Real fuzzing of every libFuzzer target in tests/fuzz (clang, ASan + UBSan).
# Installs clang (and libclang-rt-dev) if missing, builds the -Dfuzzing=true targets in build-fuzz,
# then runs each target for SECONDS (default 600, "the long run") on a copy of
# its seed corpus.  New inputs land in build-fuzz/fuzz-corpus/<target>; a crash
# leaves build-fuzz/fuzz-artifacts/<target>/crash-* and fails the script.
# With --runs=N each target runs N executions instead (the campaign's
# "10 M executions per target": tools/fuzz.sh --runs=10000000), and the figures
# (executions, time, exec/s, corpus size) are printed per target at the end.
# Usage: tools/fuzz.sh [SECONDS | --runs=N]
set -euo pipefail
cd "$(dirname "$0")/.."

runs=
seconds=600
case ${1:-} in
        --runs=*) runs=${1#--runs=} ;;
        '') ;;
        *) seconds=$1 ;;
esac
case $seconds$runs in
        ''|*[!0-9]*) echo "usage: $0 [SECONDS | --runs=N]" >&2; exit 2 ;;
esac
if [ -n "$runs" ]; then
        limit=(-runs="$runs")
        what="$runs executions"
else
        limit=(-max_total_time="$seconds")
        what="${seconds}s"
fi
summary=()

# clang, and libFuzzer's runtime (only recommended by clang's packages)
missing=()
for p in clang libclang-rt-dev; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        SUDO=
        [ "$(id -u)" -eq 0 ] || SUDO=sudo
        echo ">>> installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get update -q
        $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# target name, corpus directory, dictionary (or empty)
targets=(
        "fuzz-config config tests/fuzz/config.dict"
        "fuzz-timespan timespan "
        "fuzz-calendar calendar tests/fuzz/calendar.dict"
        "fuzz-quote quote tests/fuzz/quote.dict"
        "fuzz-timestamp timestamp "
)
# The etcd client's replies, where -Dcluster found libcurl and json-glib (docs/cluster.md).
if pkg-config --exists libcurl json-glib-1.0; then
        targets+=("fuzz-etcd-reply etcd-reply tests/fuzz/etcd-reply.dict")
fi

dir=build-fuzz
if [ ! -d $dir ]; then
        CC=clang meson setup $dir -Dfuzzing=true -Db_sanitize=address,undefined \
                -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C $dir $(for t in "${targets[@]}"; do set -- $t; echo tests/fuzz/$1; done)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
        set -- $t
        name=$1 corpus=$2 dict=${3:-}
        work=$dir/fuzz-corpus/$name
        artifacts=$dir/fuzz-artifacts/$name
        mkdir -p "$work" "$artifacts"
        cp -n tests/fuzz/corpus/"$corpus"/* "$work"/ 2>/dev/null || true
        echo ">>> $name for $what"
        # -fork=1 is not used: a crash must stop the run and fail the script.
        start=$(date +%s)
        set +e
        $dir/tests/fuzz/$name "${limit[@]}" -timeout=10 \
                -print_final_stats=1 -artifact_prefix="$artifacts/" \
                ${dict:+-dict=$dict} "$work" 2>&1 |
                grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)' | tee "$dir/fuzz-$name.log"
        status=${PIPESTATUS[0]}
        set -e
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz-$name.log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz-$name.log")
        summary+=("$(printf '%-14s %12s executions %7ss %8s exec/s %6s inputs in corpus' \
                "$name" "${execs:-?}" "$(($(date +%s) - start))" "${rate:-?}" "$(ls "$work" | wc -l)")")
        if [ "$status" -ne 0 ]; then
                echo ">>> $name FAILED; reproducer in $artifacts/" >&2
                ls -l "$artifacts" >&2
                exit 1
        fi
done
printf '%s\n' "${summary[@]}"
echo ">>> fuzzing: every target ran $what without a crash"

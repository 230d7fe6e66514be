#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite: installs what is missing, then
#   1. a -Werror build and every meson test suite (unit, fuzz corpus, bus, ctl),
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer (without the
#      system suites: they install a build of their own without sanitizers).
# Usage: tools/test.sh [--quick]   (--quick: skip the sanitizer build)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh

quick=no
[ "${1:-}" = "--quick" ] && quick=yes

run_suite() {
        local dir=$1; shift
        local tests=()
        # The system suites install a build of their own without sanitizers
        # (tests/system/meson-test.sh), so the ASan round would only run the
        # same binaries in the container a second time.
        if [ "$dir" = build-asan ]; then
                tests=(--no-suite system)
        fi
        if [ ! -d "$dir" ]; then
                meson setup "$dir" -Dwerror=true "$@"
        else
                meson setup --reconfigure "$dir" -Dwerror=true "$@" >/dev/null
        fi
        ninja -C "$dir"
        LC_ALL=C meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 3 "${tests[@]}"
}

echo ">>> build and test (-Werror)"
run_suite build-test

if [ $quick = no ]; then
        echo ">>> build and test (ASan + UBSan)"
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
        tools/fuzz.sh 20        # libFuzzer, clang: 20 s per target (tools/fuzz.sh 600 is the long run)
fi
# One plain closing line over every build that ran.
python3 - build-test $([ $quick = no ] && echo build-asan) <<'PY'
import json, sys
ok = fail = skip = 0
for d in sys.argv[1:]:
    with open(d + "/meson-logs/testlog.json") as f:
        for line in f:
            r = json.loads(line)["result"]
            if r in ("OK", "EXPECTEDFAIL"):
                ok += 1
            elif r == "SKIP":
                skip += 1
            else:
                fail += 1
print(f"{ok} passed, {fail} failed, {skip} skipped")
sys.exit(1 if fail else 0)
PY

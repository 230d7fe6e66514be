#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# docs/design.md's "Module map" names every source file of src/ once, with its
# one job: fails when a src/*/*.c file is missing from the map, when the map
# names a file that does not exist, or names one twice.  A map entry is a list
# item that starts with the path in backquotes: "- `src/core/job.c`: ...".
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
map=$(awk '/^## Module map/ { on = 1; next } /^## / { on = 0 } on' docs/design.md |
        sed -n 's/^- `\(src\/[^`]*\)`.*/\1/p')
if [ -z "$map" ]; then
        echo "docs/design.md: no \"## Module map\" section with \"- \`src/...\`\" entries"
        exit 1
fi
status=0
dups=$(sort <<<"$map" | uniq -d)
for f in $dups; do
        echo "docs/design.md module map: $f named twice"
        status=1
done
for f in src/*/*.c; do
        grep -qxF "$f" <<<"$map" || { echo "docs/design.md module map: $f is missing"; status=1; }
done
for f in $map; do
        [ -e "$f" ] || { echo "docs/design.md module map: $f does not exist"; status=1; }
done
exit $status

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-policy.sh POLICY RULES BUS_ACCESS_C BUS_NAMES_H
# The built polkit policy is well-formed XML, declares exactly the actions
# sluiced asks for (the SLUICE_POLKIT_ACTION_* of bus-access.c, spelled in
# src/shared/sluice-bus-names.h), each with a description,
# a message and no default that allows without authentication; the example
# rule names only declared actions.
set -euo pipefail
policy=$1 rules=$2 source=$3 names=$4
status=0

if command -v xmllint >/dev/null; then
        xmllint --noout "$policy" || status=1
fi

declared=$(grep -oE '<action id="[^"]+"' "$policy" | sed -E 's/.*"([^"]+)"/\1/' | sort)
asked=$(for macro in $(grep -oE 'SLUICE_POLKIT_ACTION_[A-Z_]+' "$source" | grep -vx SLUICE_POLKIT_ACTION_PREFIX | sort -u); do
        id=$(sed -nE "s/^#define $macro +SLUICE_POLKIT_ACTION_PREFIX \"([a-z-]+)\"$/org.sluice.\1/p" "$names")
        echo "${id:-$macro (not defined in $names)}"
done | sort)
if [ "$declared" != "$asked" ]; then
        echo "actions in $policy:"; echo "$declared"
        echo "actions sluiced asks for ($source):"; echo "$asked"
        status=1
fi

n=$(wc -w <<<"$declared")
for tag in description message allow_any allow_inactive allow_active; do
        c=$(grep -c "<$tag>" "$policy" || true)
        [ "$c" -eq "$n" ] || { echo "$policy: $c <$tag> for $n actions"; status=1; }
done
if grep -E '<allow_(any|inactive|active)>yes<' "$policy"; then
        echo "$policy: an action is allowed without authentication by default"
        status=1
fi

for id in $(grep -oE '"org\.sluice\.[a-z-]+"' "$rules" | tr -d '"' | sort -u); do
        grep -qxF "$id" <<<"$declared" || { echo "$rules: unknown action $id"; status=1; }
done

[ $status -eq 0 ] && echo "$policy: $n actions, as sluiced asks for them"
exit $status

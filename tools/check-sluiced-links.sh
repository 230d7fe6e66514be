#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "No [Cluster]: sluice links nothing new at run time that it does not need"
# (docs/cluster.md): sluiced's own NEEDED entries name neither libcurl nor
# json-glib; the etcd client is loaded only with [Cluster].
# Usage: tools/check-sluiced-links.sh PATH-TO-SLUICED
set -euo pipefail
bin=$1
needed=$(LC_ALL=C readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "$bin: no NEEDED entries read (readelf failed?)"; exit 1; }
bad=$(grep -E '^lib(curl|json-glib)' <<<"$needed" || true)
if [ -n "$bad" ]; then
        echo "$bin links $(tr '\n' ' ' <<<"$bad")— the etcd client must stay out of sluiced (docs/cluster.md, \"Nothing new without [Cluster]\")"
        exit 1
fi
echo "$bin: no libcurl, no json-glib among: $(tr '\n' ' ' <<<"$needed")"

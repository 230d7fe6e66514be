#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# issue 12 item 2: a default-prefix (/usr/local) build installs the bus policy,
# the activation file, the polkit actions and the units where dbus-daemon,
# polkitd and systemd read them (their pkg-config files), and sluiced's
# state directory is the unit's StateDirectory= (/var/lib/sluice); the -D
# options override each directory.  Configures the source tree twice into
# temporary build directories and reads "meson introspect --installed".
set -euo pipefail
src=${1:?source dir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pc() { pkg-config --variable="$2" "$1"; }
expect_policy="$(pc dbus-1 datadir)/dbus-1/system.d/org.sluice.Scheduler1.conf"
expect_service="$(pc dbus-1 system_bus_services_dir)/org.sluice.Scheduler1.service"
expect_actions="$(pc polkit-gobject-1 actiondir)/org.sluice.policy"
expect_unit="$(pc systemd systemdsystemunitdir)/sluiced.service"

meson setup "$tmp/ul" "$src" --prefix=/usr/local -Dman=disabled -Dcockpit=disabled >"$tmp/ul.log" 2>&1 ||
        { cat "$tmp/ul.log"; exit 1; }
meson introspect --installed "$tmp/ul" >"$tmp/ul.json"
python3 - "$tmp/ul.json" "$expect_policy" "$expect_service" "$expect_actions" "$expect_unit" <<'PY'
import json, sys
installed = set(json.load(open(sys.argv[1])).values())
for want in sys.argv[2:]:
    if want not in installed:
        sys.exit(f"FAIL: --prefix=/usr/local does not install {want}; installs: {sorted(installed)}")
for p in installed:
    if '/usr/local/share/dbus-1/system' in p or '/usr/local/share/polkit-1' in p:
        sys.exit(f"FAIL: {p}: a place dbus-daemon/polkitd never read")
print("prefix /usr/local: policy, activation, actions and unit where the system reads them")
PY
grep -q 'ExecStart=/usr/local/libexec/sluiced$' "$tmp/ul/data/sluiced.service" ||
        { echo "FAIL: the unit does not run /usr/local/libexec/sluiced"; grep ExecStart "$tmp/ul/data/sluiced.service"; exit 1; }
# The build's values live in the generated config.h (issue 13 item 5).
grep -q '^#define SLUICE_DEFAULT_STATE_DIR "/var/lib/sluice"$' "$tmp/ul/config.h" ||
        { echo "FAIL: sluiced's default state directory is not /var/lib/sluice (StateDirectory=sluice)"; exit 1; }
echo "prefix /usr/local: unit runs the /usr/local sluiced, state in /var/lib/sluice"

meson setup "$tmp/ov" "$src" --prefix=/usr/local -Dman=disabled -Dcockpit=disabled \
        -Ddbus_policydir=/opt/bus -Dpolkit_actiondir=/opt/pk -Dsystemdsystemunitdir=/opt/units \
        -Ddbus_system_services_dir=/opt/act -Dstatedir=/srv/sluice >"$tmp/ov.log" 2>&1 ||
        { cat "$tmp/ov.log"; exit 1; }
meson introspect --installed "$tmp/ov" >"$tmp/ov.json"
python3 - "$tmp/ov.json" <<'PY'
import json, sys
installed = set(json.load(open(sys.argv[1])).values())
for want in ['/opt/bus/org.sluice.Scheduler1.conf', '/opt/pk/org.sluice.policy', '/opt/units/sluiced.service',
             '/opt/act/org.sluice.Scheduler1.service']:
    if want not in installed:
        sys.exit(f"FAIL: the -D option does not put {want}")
print("-D options override each directory")
PY
grep -q 'ExecStart=/usr/local/libexec/sluiced --state-dir=/srv/sluice$' "$tmp/ov/data/sluiced.service" ||
        { echo "FAIL: -Dstatedir= does not reach the unit"; exit 1; }
grep -q 'statedir=/srv/sluice' "$tmp/ov.log" || { echo "FAIL: no warning for -Dstatedir="; exit 1; }
echo "-Dstatedir=: the unit passes --state-dir, and meson setup warns"

# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-activation.sh — the installed service: sluiced is not running until
# the first call reaches org.sluice.Scheduler1, which D-Bus-activates it through
# the dbus-org.sluice.Scheduler1.service alias; it runs as root without
# capabilities in its sandbox; the bus policy lets everyone call it and only
# root own the name.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "the installed files are where dbus-daemon and systemd look"
assert_eq sluiced.service "$(container_exec systemctl show --value --property=Id dbus-org.sluice.Scheduler1.service)" \
	"the unit behind the D-Bus activation alias"
assert_eq loaded "$(container_exec systemctl show --value --property=LoadState sluice.slice)" "sluice.slice"
assert_status 0 container_exec grep -qx 'SystemdService=dbus-org.sluice.Scheduler1.service' \
	/usr/share/dbus-1/system-services/org.sluice.Scheduler1.service

step "sluiced is not running before the first call"
container_exec systemctl stop sluiced.service
assert_eq inactive "$(container_exec systemctl is-active sluiced.service || true)" "sluiced before the first call"
assert_status nonzero container_exec busctl --system status org.sluice.Scheduler1 --no-pager
assert_status 0 container_exec busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus NameHasOwner s org.sluice.Scheduler1
assert_eq "b false" "$OUTPUT" "NameHasOwner(org.sluice.Scheduler1) before the first call"

step "the first call, by an unprivileged user, activates it"
assert_status 0 container_exec_as 65534 busctl --system get-property org.sluice.Scheduler1 \
	/org/sluice/Scheduler1 org.sluice.Scheduler1 Version
assert_match '^s "[0-9]+\.[0-9]+\.[0-9]+"$' "$OUTPUT" "Version read as uid 65534"
assert_eq active "$(container_exec systemctl is-active sluiced.service || true)" "sluiced after the first call"
assert_match '^[0-9]+ queued, [0-9]+ running$' \
	"$(container_exec systemctl show --value --property=StatusText sluiced.service)" "sluiced's STATUS= line"
assert_status 0 container_exec_as 65534 busctl --system call org.sluice.Scheduler1 /org/sluice/Scheduler1 \
	org.sluice.Scheduler1 ListJobs 'a{sv}' 0
assert_status 0 container_exec_as 65534 busctl --system call org.sluice.Scheduler1 /org/sluice/Scheduler1 \
	org.freedesktop.DBus.ObjectManager GetManagedObjects
assert_status 0 container_exec_as 65534 busctl --system introspect org.sluice.Scheduler1 /org/sluice/Scheduler1
assert_contains "org.sluice.Scheduler1" "$OUTPUT" "introspection as uid 65534"
# A call the policy lets through reaches sluiced, which answers for itself.
assert_status nonzero container_exec_as 65534 busctl --system call org.sluice.Scheduler1 /org/sluice/Scheduler1 \
	org.sluice.Scheduler1 Submit 'sa{sv}' no-such-class 0
assert_contains "no-such-class" "$OUTPUT" "Submit of an unknown class as uid 65534 (sluiced's answer, not the bus's)"

step "the name's owner is sluiced.service, root, without capabilities"
pid=$(container_exec systemctl show --value --property=MainPID sluiced.service)
assert_match '^[1-9][0-9]*$' "$pid" "MainPID of sluiced.service"
assert_status 0 container_exec busctl --system status org.sluice.Scheduler1 --no-pager
assert_contains "PID=$pid" "$OUTPUT" "owner of org.sluice.Scheduler1"
assert_contains "Unit=sluiced.service" "$OUTPUT" "owner of org.sluice.Scheduler1"
assert_eq "0 0 0 0" "$(container_exec awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" "sluiced's uids"
assert_eq 0000000000000000 "$(container_exec awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" \
	"sluiced's effective capabilities"
assert_eq 0000000000000000 "$(container_exec awk '/^CapBnd:/ { print $2 }' "/proc/$pid/status")" \
	"sluiced's capability bounding set"
assert_eq 1 "$(container_exec awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status")" "sluiced's NoNewPrivs"
assert_eq 2 "$(container_exec awk '/^Seccomp:/ { print $2 }' "/proc/$pid/status")" "sluiced's seccomp mode (filter)"
exposure=$(container_exec systemd-analyze security --no-pager sluiced.service | tail -n 1)
echo "   systemd-analyze security: ${exposure#→ }"

step "the bus policy: nobody but root may own org.sluice.Scheduler1"
assert_status nonzero container_exec_as 65534 gdbus call --system --dest org.freedesktop.DBus \
	--object-path /org/freedesktop/DBus --method org.freedesktop.DBus.RequestName org.sluice.Scheduler1 4
assert_contains "org.freedesktop.DBus.Error.AccessDenied" "$OUTPUT" "RequestName(org.sluice.Scheduler1) as uid 65534"

step "systemctl reload sluiced: SIGHUP, same process, still active"
assert_status 0 container_exec systemctl reload sluiced.service
assert_eq "$pid" "$(container_exec systemctl show --value --property=MainPID sluiced.service)" "MainPID after a reload"
assert_eq active "$(container_exec systemctl is-active sluiced.service || true)" "sluiced after a reload"

step "a stop and a new call activate it again"
container_exec systemctl stop sluiced.service
assert_eq inactive "$(container_exec systemctl is-active sluiced.service || true)" "sluiced after systemctl stop"
assert_status 0 container_exec sluicectl status
assert_eq active "$(container_exec systemctl is-active sluiced.service || true)" "sluiced after sluicectl status"

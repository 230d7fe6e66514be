# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-deb-purge.sh — run by deb-test.sh only, after the packaged sluice
# ran scenarios: "apt-get purge" stops sluiced and leaves nothing behind but
# what Debian policy keeps (an admin's own files in /etc/sluice: here, the test
# configuration the scenarios wrote).

[[ -n ${SLUICE_DEB_DIR:-} ]] || fail "SLUICE_DEB_DIR is not set: run this scenario through deb-test.sh"

step "the package's files, before the purge"
container_exec dpkg-query -L sluice cockpit-sluice >"$SCENARIO_TMP/files"
[[ -s $SCENARIO_TMP/files ]] || fail "dpkg-query -L listed nothing"
assert_status 0 container_exec test -d /var/lib/sluice

step "apt-get purge sluice cockpit-sluice"
assert_status 0 container_exec env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sluice cockpit-sluice
assert_status nonzero container_exec dpkg-query -W -f '${Status}' sluice

step "sluiced is stopped, its unit, bus name, polkit actions and catalog entries are gone"
wait_until 30 container_exec sh -c '! systemctl is-active --quiet sluiced.service'
assert_status nonzero container_exec busctl --system call org.sluice.Scheduler1 /org/sluice/Scheduler1 \
	org.freedesktop.DBus.Peer Ping
assert_status nonzero container_exec pkaction --action-id org.sluice.submit
assert_status 0 container_exec journalctl --no-pager --list-catalog
assert_not_contains "sluice:" "$OUTPUT" "journalctl --list-catalog after the purge"

step "no file of the packages is left; /var/lib/sluice is gone; /etc/sluice holds only the admin's file"
left=()
while IFS= read -r f; do
	[[ -n $f && $f != /. ]] || continue
	# Directories shared with other packages (/usr/share/man, ...) stay.
	if container_exec test -e "$f" && ! container_exec test -d "$f"; then
		left+=("$f")
	fi
done <"$SCENARIO_TMP/files"
assert_eq "" "${left[*]}" "files of the purged packages still present"
assert_status 1 container_exec test -e /var/lib/sluice
assert_status 0 container_exec find /etc/sluice -mindepth 1
assert_eq /etc/sluice/sluiced.conf "$OUTPUT" "what stays in /etc/sluice (the scenarios' own configuration)"
container_exec rm -rf /etc/sluice

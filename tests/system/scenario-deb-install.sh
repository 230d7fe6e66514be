# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-deb-install.sh — run by deb-test.sh only (not in the default list):
# installs the .debs of $SLUICE_DEB_DIR with dpkg into a container that has no
# sluice, and checks what the package promises without anybody doing more:
# the bus activates sluiced, polkit knows its actions, the journal catalog is
# indexed (systemd's trigger), man pages and completions are where man and
# bash look, a job runs; the cluster module's package opens the unit to etcd and
# takes it back when purged.

[[ -n ${SLUICE_DEB_DIR:-} ]] || fail "SLUICE_DEB_DIR is not set: run this scenario through deb-test.sh"

step "the container acts like a Debian host: no policy-rc.d (the image's forbids every service action)"
# This machine's root comes from a container image whose /usr/sbin/policy-rc.d
# exits 101, which makes deb-systemd-invoke skip every start and stop; a
# Debian host has none. Removed in the container's overlay only.
container_exec rm -f /usr/sbin/policy-rc.d

step "no sluice in the container before the install"
assert_status 1 container_exec test -e /usr/libexec/sluiced

step "dpkg -i sluice and cockpit-sluice"
assert_status 0 container_exec sh -c "dpkg -i $SLUICE_DEB_DIR/sluice_*.deb $SLUICE_DEB_DIR/cockpit-sluice_*.deb"
assert_status 0 container_exec dpkg-query -W -f '${Status}\n' sluice cockpit-sluice
assert_eq $'install ok installed\ninstall ok installed' "$OUTPUT" "dpkg status of both packages"

step "polkit knows sluice's actions, the catalog is indexed, the unit is known"
assert_status 0 container_exec pkaction --action-id org.sluice.submit
assert_status 0 container_exec journalctl --no-pager --list-catalog
assert_contains "sluice: sluice job @SLUICE_JOB_ID@ (@SLUICE_CLASS@) finished" "$OUTPUT" "journalctl --list-catalog"
assert_status 0 container_exec systemctl cat sluiced.service
assert_contains "ExecStart=/usr/libexec/sluiced" "$OUTPUT" "systemctl cat sluiced.service"

step "man and bash find the pages and the completion"
assert_status 0 container_exec env MANWIDTH=80 man -P cat sluicectl
assert_contains "sluicectl" "$OUTPUT" "man sluicectl"
assert_status 0 container_exec env MANWIDTH=80 man -P cat 5 sluiced.conf
assert_status 0 container_exec test -f /usr/share/bash-completion/completions/sluicectl

step "the bus activates the packaged sluiced; a command job runs as a transient unit"
assert_status 0 container_exec busctl --system get-property org.sluice.Scheduler1 /org/sluice/Scheduler1 \
	org.sluice.Scheduler1 Version
assert_status 0 container_exec systemctl is-active sluiced.service

step "sluice-cluster: the module and the unit's drop-in; the packaged sluiced with [Cluster] reaches etcd"
assert_status 0 container_exec sh -c "dpkg -i $SLUICE_DEB_DIR/sluice-cluster_*.deb"
assert_status 0 container_exec sh -c 'test -f /usr/lib/*/sluice/sluiced-cluster.so'
assert_status 0 container_exec systemctl show -p PrivateNetwork -p RestrictAddressFamilies -p NeedDaemonReload sluiced.service
assert_contains "PrivateNetwork=no" "$OUTPUT" "the drop-in gives sluiced the network"
assert_contains "AF_INET" "$OUTPUT" "the drop-in allows IP sockets"
assert_contains "NeedDaemonReload=no" "$OUTPUT" "the postinst reloaded systemd"
assert_status 0 container_exec systemd-run --unit=sluice-deb-etcd /usr/bin/etcd --name=deb \
	--data-dir=/var/lib/sluice-deb-etcd --listen-client-urls=http://127.0.0.1:23790 \
	--advertise-client-urls=http://127.0.0.1:23790 --listen-peer-urls=http://127.0.0.1:23800 \
	--initial-advertise-peer-urls=http://127.0.0.1:23800 --initial-cluster=deb=http://127.0.0.1:23800
container_exec sh -c 'mkdir -p /etc/sluice/sluiced.conf.d &&
	printf "[Cluster]\nEndpoints=http://127.0.0.1:23790\nHostName=deb\n" >/etc/sluice/sluiced.conf.d/cluster.conf'
assert_status 0 container_exec systemctl restart sluiced.service
wait_until 60 container_exec sh -c 'busctl --system get-property org.sluice.Scheduler1 /org/sluice/Scheduler1 \
	org.sluice.Scheduler1 ClusterState | grep -qx "s \"up\""'
echo "    ClusterState: up (sluiced in its sandbox reached etcd on 127.0.0.1:23790)"

step "without sluice-cluster again: the drop-in is gone, sluiced is sealed as before"
container_exec sh -c 'rm -f /etc/sluice/sluiced.conf.d/cluster.conf && rmdir /etc/sluice/sluiced.conf.d'
container_exec systemctl stop sluice-deb-etcd.service
assert_status 0 container_exec dpkg --purge sluice-cluster
assert_status 1 container_exec test -e /lib/systemd/system/sluiced.service.d/50-cluster.conf
assert_status 0 container_exec systemctl show -p PrivateNetwork -p NeedDaemonReload sluiced.service
assert_contains "PrivateNetwork=yes" "$OUTPUT" "the unit's own sandbox, after the postrm"
assert_contains "NeedDaemonReload=no" "$OUTPUT" "the postrm reloaded systemd"
assert_status 0 container_exec systemctl restart sluiced.service
assert_status 0 container_exec busctl --system get-property org.sluice.Scheduler1 /org/sluice/Scheduler1 \
	org.sluice.Scheduler1 ClusterState
assert_contains '"off"' "$OUTPUT" "ClusterState without [Cluster]"

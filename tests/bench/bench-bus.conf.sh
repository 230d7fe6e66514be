# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sourced by the benchmarks that run sluiced on a private dbus-daemon
# (run.sh, scale.sh, killed-holders.sh, run-vs-tsp.sh).
#
# bench_bus_conf DIR — print a dbus-daemon configuration listening on DIR/bus:
# everyone may own and talk to everything (a throwaway bus of one root user),
# with the system bus's per-connection limits (dbus-daemon's built-in
# defaults), so sluiced meets the limits it meets in production.
bench_bus_conf() {
	cat <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$1/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <!-- the system bus's limits (dbus-daemon's built-in defaults) -->
  <limit name="max_replies_per_connection">128</limit>
  <limit name="max_match_rules_per_connection">512</limit>
</busconfig>
CONF
}

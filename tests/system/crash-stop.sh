#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# crash-stop.sh CODE — the command of scenario-crash.sh's class crash-stop.
# Runs until it is stopped (at most 10 minutes, then exits 0); on SIGTERM it
# exits CODE after a moment, as a worker that cleans up when it is stopped:
# exit 0 is what systemd calls a success, exit 1 a failure, so neither says
# "cancelled" by itself.

code=${1:?usage: crash-stop.sh CODE}
trap 'sleep 0.3; exit "$code"' TERM
sleep 600 &
wait $!
exit 0

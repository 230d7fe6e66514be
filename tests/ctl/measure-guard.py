#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kill -9 of `sluicectl run`: how long its command's background child outlives it.

    tests/ctl/measure-guard.py BUILD_DIR [N]

Starts a private dbus-daemon and the real sluiced (a one-slot lease class),
then N times: `sluicectl run -- sh -c 'sleep 600 & …; wait'`, SIGKILL of
sluicectl, and the time until the background sleep is gone (pidfd, exact),
beside the time until sluicectl itself is seen dead (the kernel's part).
Not a test: figures for docs/, no threshold.
"""
import os, select, signal, subprocess, sys, tempfile, time

build = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
state = tempfile.mkdtemp(prefix="measure-guard-")
conf = os.path.join(state, "sluiced.conf")
with open(conf, "w") as f:
    f.write("[Class serial]\nKind=lease\nMaxRunning=1\n")
out = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                     capture_output=True, text=True, check=True).stdout.split()
addr, dpid = out[0], int(out[1])
env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=addr)
d = subprocess.Popen([build + "/src/daemon/sluiced", "--config=" + conf, "--bus-address=" + addr,
                      "--state-dir=" + state], stderr=subprocess.DEVNULL, env=env)
try:
    while subprocess.run(["busctl", "--address=" + addr, "status", "org.sluice.Scheduler1"],
                         capture_output=True).returncode != 0:
        time.sleep(0.05)
    tree, own = [], []
    for _ in range(n):
        c = subprocess.Popen([build + "/src/ctl/sluicectl", "--bus-address=" + addr, "run", "--class=serial", "--",
                              "sh", "-c", "sleep 600 & echo $!; wait"], stdout=subprocess.PIPE, text=True, env=env)
        child = os.pidfd_open(int(c.stdout.readline()))
        ctl = os.pidfd_open(c.pid)
        t0 = time.monotonic()
        c.send_signal(signal.SIGKILL)
        select.select([ctl], [], [])
        t1 = time.monotonic()
        select.select([child], [], [])
        tree.append((time.monotonic() - t0) * 1e3)
        own.append((t1 - t0) * 1e3)
        os.close(child)
        os.close(ctl)
        c.wait()
finally:
    d.terminate()
    d.wait()
    os.kill(dpid, signal.SIGTERM)
    for name in os.listdir(state):
        os.unlink(os.path.join(state, name))
    os.rmdir(state)
tree.sort()
own.sort()
print("n=%d  sluicectl seen dead: median %.2f ms, max %.2f ms" % (n, own[n // 2], own[-1]))
print("n=%d  its command's background child gone: min %.2f ms, median %.2f ms, p90 %.2f ms, max %.2f ms"
      % (n, tree[0], tree[n // 2], tree[int(n * 0.9)], tree[-1]))

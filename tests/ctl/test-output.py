#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""sluicectl's output for a human (docs/sluicectl.md "Output"), against the
real sluiced on a private dbus-daemon, on a pipe and on a pseudo-terminal.

What it proves:
 - the pager: started on a terminal ($SYSTEMD_PAGER, else $PAGER), never on a
   pipe, nor with --no-pager (before or after the verb), --json, a pager of
   "cat" or "", nor for "wait"; sluicectl waits for it and exits with the
   verb's status; without a pager variable, less with LESS=FRSXMK (the
   user's $LESS kept, $SYSTEMD_LESS first), else more;
 - --no-legend drops header and footer, -q also the "No jobs." notice;
 - tables cut to COLUMNS=40 and to a 40-column terminal (TIOCGWINSZ), with
   CJK, emoji and combining marks measured by display width: every line fits
   and the DESCRIPTION column starts at the same column on every line; "…"
   in a UTF-8 locale, "..." in C; -l and a pipe without COLUMNS cut nothing;
 - no limit is "∞" in a UTF-8 locale, "infinity" in C;
 - colours: a failed result red on a terminal; none with NO_COLOR,
   SYSTEMD_COLORS=0, TERM=dumb or on a pipe; SYSTEMD_COLORS=1 forces them;
   with the colour codes removed the terminal's table is the pipe's.

Widths are measured here with Python's unicodedata (East Asian Width W/F = 2,
combining and format characters = 0), independently of sluicectl's code.

Usage: test-output.py SLUICED SLUICECTL
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata

SLUICED, SLUICECTL = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="sluice-output-")
failures = []
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    failures.append(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def width(s):
    w = 0
    for ch in ANSI.sub("", s):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


CONF = """\
[Class verify]
Kind=lease
Description=日本語の説明文がとても長いクラスです、ずっと続きます
MaxRunning=2

[Class emoji]
Kind=lease
Description=🚀🚀 rocket launches, café-é combining

[Class plain]
Kind=lease
Description=A plain ASCII description, forty columns

[Schedule yearly-plain]
Class=plain
OnCalendar=yearly
"""

BASE_ENV = {k: v for k, v in os.environ.items()
            if k not in ("SYSTEMD_PAGER", "PAGER", "LESS", "SYSTEMD_LESS", "LESSSECURE", "COLUMNS", "LINES",
                         "NO_COLOR", "SYSTEMD_COLORS", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
# Secure mode off unless a case turns it on: the custom pagers below are not less.
BASE_ENV.update(LANG="C.UTF-8", TERM="xterm", SYSTEMD_PAGERSECURE="0")

procs = []


def cleanup():
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(work, ignore_errors=True)


def env_with(**kw):
    e = dict(BASE_ENV)
    for k, v in kw.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def run_pipe(args, **kw):
    p = subprocess.run([SLUICECTL, "--bus-address=" + address] + args, env=env_with(**kw),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def run_pty(args, cols=80, **kw):
    """Run sluicectl with stdin, stdout and stderr on a new pseudo-terminal of
    COLS columns; return (exit status, everything it wrote, \\r\\n as \\n)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    p = subprocess.Popen([SLUICECTL, "--bus-address=" + address] + args, env=env_with(**kw),
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 1)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
        elif p.poll() is not None:
            break
    rc = p.wait()
    os.close(master)
    return rc, out.decode("utf-8", "replace").replace("\r\n", "\n")


def run_pty_until(args, cols, pattern, **kw):
    """Run a command that does not end by itself (watch) on a COLS-wide
    pseudo-terminal until its output matches PATTERN; stop it with SIGTERM
    and return what it wrote."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    p = subprocess.Popen([SLUICECTL, "--bus-address=" + address] + args, env=env_with(**kw),
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = b""
    while not re.search(pattern, out.decode("utf-8", "replace")) and p.poll() is None:
        r, _, _ = select.select([master], [], [], 1)
        if r:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
    p.send_signal(signal.SIGTERM)
    p.wait()
    os.close(master)
    return out.decode("utf-8", "replace").replace("\r\n", "\n")


# ---- a real sluiced on a private bus ----
bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                       stdout=subprocess.PIPE, text=True)
procs.append(bus)
address = bus.stdout.readline().strip()
with open(os.path.join(work, "sluiced.conf"), "w") as f:
    f.write(CONF)
daemon = subprocess.Popen([SLUICED, "--bus-address=" + address,
                           "--config=" + os.path.join(work, "sluiced.conf"), "--state-dir=" + work],
                          env=env_with(), stderr=open(os.path.join(work, "sluiced.log"), "w"))
procs.append(daemon)
try:
    while run_pipe(["status"])[0] != 0:
        if daemon.poll() is not None:
            print(open(os.path.join(work, "sluiced.log")).read(), file=sys.stderr)
            sys.exit("sluiced died")
        time.sleep(0.05)

    # A failed and a successful job, for history's colours.
    rc, out, err = run_pipe(["acquire", "--ttl=600", "verify"])
    check(rc == 0, "acquire verify: %d %s" % (rc, err))
    run_pipe(["release", out.strip(), "failed"])
    rc, out, err = run_pipe(["acquire", "--ttl=600", "plain"])
    run_pipe(["release", out.strip()])

    # ---- the pager ----
    target = os.path.join(work, "paged")
    pager = "sh -c 'cat > %s.tmp && mv %s.tmp %s'" % (target, target, target)

    def paged():
        if not os.path.exists(target):
            return None
        with open(target) as f:
            text = f.read()
        os.unlink(target)
        return text

    # A pager that lets go of the terminal at once (so nothing but sluicectl's
    # waiting keeps it in the picture) and, once it has all the input, notes
    # whether sluicectl ($PPID) still waits for it.
    waiting_pager = ("sh -c 'exec >/dev/null 2>&1; cat > %s.tmp; sleep 1; "
                     "kill -0 $PPID && echo sluicectl-waited >> %s.tmp; mv %s.tmp %s'" % ((target,) * 4))
    rc, out = run_pty(["history"], SYSTEMD_PAGER=waiting_pager)
    text = paged()
    check(rc == 0, "history through the pager: exit %d" % rc)
    check(text is not None and "2 jobs listed." in text,
          "history on a terminal: the pager ($SYSTEMD_PAGER) got %r" % text)
    check(text is not None and "sluicectl-waited" in text, "sluicectl did not wait for the pager: %r" % text)
    check("jobs listed" not in out, "history on a terminal with a pager: the table also reached the terminal")

    # (alerts: none is raised here, and a notice alone is not paged)
    for verb in (["list"], ["status"], ["show", "1"], ["schedules"], ["config", "show"],
                 ["calendar", "daily"]):
        rc, out = run_pty(verb, SYSTEMD_PAGER=pager)
        check(rc == 0 and paged() is not None, "%s on a terminal: not paged (exit %d)" % (verb, rc))

    rc, out = run_pty(["list"], PAGER=pager)
    check(paged() is not None, "list on a terminal: $PAGER not used when $SYSTEMD_PAGER is unset")

    # No pager variable: less with LESS=FRSXMK, the user's LESS kept, SYSTEMD_LESS first; else more.
    fake = os.path.join(work, "fake-bin")
    os.mkdir(fake)
    for prog in ("less", "more", "cat"):
        with open(os.path.join(fake, prog), "w") as f:
            f.write('#!/bin/sh\necho "%s LESS=$LESS LESSSECURE=$LESSSECURE" > %s/ran\nexec /bin/cat\n'
                    % (prog, work))
        os.chmod(os.path.join(fake, prog), 0o755)
    ran_file = os.path.join(work, "ran")

    def ran():
        if not os.path.exists(ran_file):
            return None
        with open(ran_file) as f:
            text = f.read().strip()
        os.unlink(ran_file)
        return text

    rc, out, err = run_pipe(["list"], SYSTEMD_PAGER=pager)
    check(paged() is None and "verify" in out, "list on a pipe: paged, or no table on stdout")

    for args, what in ((["--no-pager", "list"], "--no-pager before the verb"),
                       (["list", "--no-pager"], "--no-pager after the verb"),
                       (["list", "--json"], "--json")):
        rc, out = run_pty(args, SYSTEMD_PAGER=pager)
        check(rc == 0 and paged() is None and "verify" in out, "%s on a terminal: paged (%r)" % (what, out))

    for sp in ("cat", ""):
        rc, out = run_pty(["list"], SYSTEMD_PAGER=sp, PAGER=pager, PATH=fake + ":" + os.environ["PATH"])
        got = ran()
        check(paged() is None and got is None and "jobs listed" in out,
              "SYSTEMD_PAGER=%r disables the pager: %s ran, or no table (%r)" % (sp, got, out))

    # The verb's exit status comes through: one valid, one invalid expression.
    rc, out = run_pty(["calendar", "daily", "not-a-calendar"], SYSTEMD_PAGER=pager)
    text = paged()
    check(rc == 1, "calendar with an invalid expression through the pager: exit %d, want 1" % rc)
    check(text is not None and "*-*-* 00:00:00" in text, "calendar's output not in the pager: %r" % text)

    # A long-running verb is never paged: wait for a finished job.
    rc, out = run_pty(["wait", "1"], SYSTEMD_PAGER=pager)
    check(paged() is None, "wait on a terminal: paged")

    # No pager variable: less with LESS=FRSXMK, the user's LESS kept, SYSTEMD_LESS first; else more.
    for extra, want in (({}, "less LESS=FRSXMK LESSSECURE="), ({"LESS": "iR"}, "less LESS=iR LESSSECURE="),
                        ({"LESS": "iR", "SYSTEMD_LESS": "FRX"}, "less LESS=FRX LESSSECURE="),
                        ({"SYSTEMD_PAGERSECURE": "1"}, "less LESS=FRSXMK LESSSECURE=1")):
        rc, out = run_pty(["list"], PATH=fake + ":" + os.environ["PATH"], **extra)
        got = ran()
        check(got == want, "no pager variable, %s: want [%s], got [%s]" % (extra, want, got))
        check("jobs listed" in out, "the fallback pager's output did not reach the terminal: %r" % out)
    # Secure mode as systemd decides it when SYSTEMD_PAGERSECURE is unset: on
    # unless we run as the owner of our login session; then only less is
    # trusted (with LESSSECURE=1), never $SYSTEMD_PAGER.
    import ctypes
    owner = ctypes.c_uint32()
    have_session = ctypes.CDLL("libsystemd.so.0").sd_pid_get_owner_uid(0, ctypes.byref(owner)) >= 0
    secure = not have_session or owner.value != os.geteuid()
    rc, out = run_pty(["list"], SYSTEMD_PAGER=pager, SYSTEMD_PAGERSECURE=None,
                      PATH=fake + ":" + os.environ["PATH"])
    got, text = ran(), paged()
    if secure:
        check(text is None and got == "less LESS=FRSXMK LESSSECURE=1",
              "secure mode (no session of our own): want less with LESSSECURE=1, got %s, pager %r" % (got, text))
    else:
        check(text is not None and got is None, "not in secure mode: $SYSTEMD_PAGER not used")
    # Asked for explicitly, secure mode still trusts the user's pager.
    rc, out = run_pty(["list"], SYSTEMD_PAGER=pager, SYSTEMD_PAGERSECURE="1")
    check(paged() is not None, "SYSTEMD_PAGERSECURE=1: $SYSTEMD_PAGER not used")

    os.unlink(os.path.join(fake, "less"))
    os.unlink(os.path.join(fake, "cat"))
    rc, out = run_pty(["list"], PATH=fake)
    check(ran() == "more LESS=FRSXMK LESSSECURE=", "no less in PATH: more was not used")
    rc, out = run_pty(["list"], PATH=fake, SYSTEMD_PAGERSECURE="1")
    check(ran() is None and "verify" in out, "secure mode, no less: more was used, or no output: %r" % out)

    # ---- --no-legend, -q ----
    # The footer only on a terminal: scripts reading the table see no new line.
    rc, out, err = run_pipe(["list"])
    check(out.startswith("ID ") and len(out.splitlines()) == 3, "list on a pipe: want header and 2 rows: %r" % out)
    rc, out = run_pty(["list"], cols=200, SYSTEMD_PAGER="cat", NO_COLOR="1")
    check(out.startswith("ID ") and out.endswith("\n\n2 jobs listed.\n"), "list on a pty: header or footer missing: %r" % out)
    for args in (["--no-legend", "list"], ["list", "--no-legend"], ["list", "-q"], ["-q", "list"]):
        rc, out = run_pty(args, cols=200, SYSTEMD_PAGER="cat", NO_COLOR="1")
        lines = out.splitlines()
        check(rc == 0 and len(lines) == 2 and all(re.match(r"^ *[0-9]+ ", l) for l in lines),
              "%s: want the 2 rows only, got %r" % (args, out))
    rc, out, err = run_pipe(["status", "--no-legend"])
    check("DESCRIPTION" not in out and "verify" in out, "status --no-legend: %r" % out)
    rc, out, err = run_pipe(["list", "--state=queued"])
    check(out == "No jobs.\n", "list with nothing: %r" % out)
    rc, out, err = run_pipe(["list", "--state=queued", "-q"])
    check(rc == 0 and out == "", "list -q with nothing: want no output, got %r" % out)

    # ---- tables cut to the width ----
    def class_table(out):
        lines = out.split("\n\n", 1)[1].splitlines() if "\n\n" in out else []
        return [ANSI.sub("", l) for l in lines]

    def desc_column(line):
        m = re.match(r"^(\S+ +\S+ +\S+ )", line)
        return width(m.group(1)) if m else -1

    def check_cut(lines, cols, mark, what):
        check(len(lines) == 4, "%s: want header and 3 classes, got %r" % (what, lines))
        for l in lines:
            check(width(l) <= cols, "%s: line of width %d > %d: %r" % (what, width(l), cols, l))
        starts = {desc_column(l) for l in lines}
        check(len(starts) == 1, "%s: DESCRIPTION not aligned (display columns %s): %r" % (what, starts, lines))
        for name in ("verify", "emoji", "plain"):
            row = [l for l in lines if l.startswith(name + " ")]
            check(row and row[0].endswith(mark), "%s: %s's description not cut with %r: %r" % (what, name, mark, row))

    rc, out, err = run_pipe(["status"], COLUMNS="40")
    check_cut(class_table(out), 40, "…", "status, COLUMNS=40")
    rc, out, err = run_pipe(["status"], COLUMNS="40", LANG="C")
    check_cut(class_table(out), 40, "...", "status, COLUMNS=40, LANG=C")
    # No limit is "∞" only where the charset can show it; "infinity" (as systemd) in C.
    for lang, want in (("C", "infinity"), ("C.UTF-8", "∞")):
        rc, out, err = run_pipe(["status", "-l"], LANG=lang)
        rows = [l.split() for l in class_table(out) if l.startswith(("emoji ", "plain "))]
        check(len(rows) == 2 and all(r[2] == want for r in rows),
              "status, LANG=%s: want MAX %r for the unlimited classes, got %r" % (lang, want, rows))
        check(lang != "C" or "∞" not in out, "status, LANG=C: a \"∞\" in %r" % out)
    rc, out = run_pty(["status"], cols=40, SYSTEMD_PAGER="cat")
    check_cut(class_table(out), 40, "…", "status on a 40-column terminal")
    for args, env, what in ((["status", "-l"], {"COLUMNS": "40"}, "-l"),
                            (["status"], {}, "a pipe without COLUMNS")):
        rc, out, err = run_pipe(args, **env)
        check("ずっと続きます" in out and "é combining" in out and "forty columns" in out,
              "%s: a description was cut: %r" % (what, out))
    # Only the CJK description is too wide for 68 columns, and only when
    # measured in columns: 26 characters, 52 columns, where 51 are left.
    rc, out, err = run_pipe(["status"], COLUMNS="68")
    lines = class_table(out)
    for l in lines:
        check(width(l) <= 68, "status, COLUMNS=68: line of width %d > 68: %r" % (width(l), l))
    check(any(l.startswith("verify ") and l.endswith("…") for l in lines) and
          any(l.endswith("forty columns") for l in lines) and any(l.endswith("é combining") for l in lines),
          "status, COLUMNS=68: want only verify's description cut: %r" % lines)
    # Uncut, the wide characters still align the column.
    lines = class_table(run_pipe(["status"])[1])
    check(len({desc_column(l) for l in lines}) == 1, "status uncut: DESCRIPTION not aligned: %r" % lines)

    # ---- colours ----
    red_failed = "\x1b[0;1;31mfailed\x1b[0m"
    rc, tty_out = run_pty(["history"], cols=200, SYSTEMD_PAGER="cat")
    check(red_failed in tty_out, "history on a terminal: failed not red: %r" % tty_out)
    check("\x1b[0;1;31msuccess" not in tty_out and "success" in tty_out, "success coloured")
    rc, pipe_out, err = run_pipe(["history"])
    check("\x1b" not in pipe_out, "history on a pipe: escape sequences: %r" % pipe_out)
    check(ANSI.sub("", tty_out) == pipe_out + "\n2 jobs listed.\n",
          "the terminal's table without colours differs from the pipe's:\n%r\n%r" % (tty_out, pipe_out))
    for env, what in (({"NO_COLOR": "1"}, "NO_COLOR=1"), ({"NO_COLOR": ""}, "NO_COLOR empty"),
                      ({"SYSTEMD_COLORS": "0"}, "SYSTEMD_COLORS=0"),
                      ({"SYSTEMD_COLORS": "false"}, "SYSTEMD_COLORS=false"), ({"TERM": "dumb"}, "TERM=dumb")):
        rc, out = run_pty(["history"], SYSTEMD_PAGER="cat", **env)
        check("\x1b" not in out and "failed" in out, "history on a terminal with %s: colours: %r" % (what, out))
    for v in ("1", "true", "256"):
        rc, out, err = run_pipe(["history"], SYSTEMD_COLORS=v)
        check(red_failed in out, "history on a pipe with SYSTEMD_COLORS=%s: no colours" % v)

    # ---- watch: its table cut to the terminal too ----
    run_pipe(["pause"])
    holder = subprocess.Popen([SLUICECTL, "--bus-address=" + address, "acquire", "verify"],
                              env=env_with(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(holder)
    while "queued" not in run_pipe(["list", "--state=queued"])[1]:
        check(holder.poll() is None, "acquire ended while it should wait in the queue")
        time.sleep(0.05)
    out = run_pty_until(["watch"], 60, r"\n *[0-9]+ verify +queued[^\n]*\n", SYSTEMD_PAGER=pager)
    check(paged() is None, "watch was paged")
    screen = ANSI.sub("", out.split("\x1b[2J")[-1]).splitlines()
    table = [l for l in screen if re.match(r"^ *(ID|[0-9]+) ", l)]
    check(len(table) >= 2, "watch: no table on the screen: %r" % screen)
    for l in table:
        check(width(l) <= 60, "watch on a 60-column terminal: line of width %d: %r" % (width(l), l))
    holder.terminate()
    holder.wait()
    run_pipe(["resume"])
finally:
    cleanup()

if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("sluicectl output: pager, --no-legend, -q, cutting by display width, colours")

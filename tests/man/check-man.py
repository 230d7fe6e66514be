#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The man pages say what the code does.

Each page renders with `MANWIDTH=80 man --warnings -l` without a warning,
and, read from the rendered text:

- sluicectl(1): every command (the verb table in src/ctl/sluicectl.c and
  `sluicectl --help`) heads an entry of COMMANDS; every option (`--help`, and
  every long option of every option table in src/ctl) is named; every exit
  status of src/ctl/ctl-exit.h heads an entry of EXIT STATUS;
- sluiced(8): every option of sluiced's option table (src/daemon/main.c);
- sluiced.conf(5): every key of the parser's table (config_known_key(),
  printed by list-config-keys) in the section of its kind;
- org.sluice.Scheduler1(5): every method, property and signal of each
  interface in dbus/*.xml in that interface's section, and every error name
  of src/shared/sluice-bus-names.h in ERRORS.

And the built sluiced.service names the pages in Documentation= (at least
sluiced(8) and sluiced.conf(5)), each a page built here.

Usage: check-man.py SRCDIR MANDIR SLUICECTL LIST_CONFIG_KEYS UNIT
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

srcdir, mandir, sluicectl, list_keys, unit = sys.argv[1:6]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def render(page, width):
    env = dict(os.environ, MANWIDTH=str(width), LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    env.pop("MANPAGER", None)
    env.pop("PAGER", None)
    p = subprocess.run(["man", "--warnings", "-l", os.path.join(mandir, page)],
                       env=env, capture_output=True, text=True)
    if p.returncode != 0 or p.stderr.strip():
        fail(f"{page}: man --warnings -l (MANWIDTH={width}): exit {p.returncode}: {p.stderr.strip()}")
    # groff's hyphen and minus back to "-", so that options read as typed.
    return p.stdout.replace("\u2010", "-").replace("\u2212", "-").replace("\u2011", "-")


def sections(text):
    """Top-level sections of a rendered page: heading -> list of lines."""
    out, name = {}, None
    for line in text.splitlines():
        if line and not line[0].isspace():
            name = line.strip()
            out.setdefault(name, [])
        elif name:
            out[name].append(line)
    return out


def subsections(lines):
    """The entries of a section: indent-7 heading -> list of lines (until the next one)."""
    out, name = {}, None
    for line in lines:
        m = re.match(r"^ {3}(\S.*)$", line)
        if m:
            name = m.group(1).strip()
            out.setdefault(name, [])
        elif name:
            out[name].append(line)
    return out


def read(path):
    with open(os.path.join(srcdir, path), encoding="utf-8") as f:
        return f.read()


pages = ["sluicectl.1", "sluiced.8", "sluiced.conf.5", "org.sluice.Scheduler1.5"]
for page in pages:
    if not os.path.exists(os.path.join(mandir, page)):
        fail(f"{page} was not built")
        continue
    render(page, 80)            # the check the brief names: no warnings at 80 columns
rendered = {p: render(p, 250) for p in pages if os.path.exists(os.path.join(mandir, p))}
if failures:
    sys.exit(1)

# ---- sluicectl(1) ----

text = rendered["sluicectl.1"]
secs = sections(text)
commands = secs.get("COMMANDS", [])
terms = [m.group(1) for m in (re.match(r"^ {7}(\S.*)$", l) for l in commands) if m]
documented_verbs = {t.split()[0] for t in terms}

ctl_sources = ""
for name in sorted(os.listdir(os.path.join(srcdir, "src/ctl"))):
    if name.endswith((".c", ".h")):
        ctl_sources += read(os.path.join("src/ctl", name))

help_text = subprocess.run([sluicectl, "--help"], capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C")).stdout
verbs = set(re.findall(r'\{\s*"([a-z][a-z-]*)",\s*ctl_verb_\w+\s*\}', read("src/ctl/sluicectl.c")))
in_commands = False
for line in help_text.splitlines():
    if line.endswith("Commands:"):
        in_commands = True
        continue
    if line and not line[0].isspace():
        in_commands = False
    m = re.match(r"^  ([a-z][a-z-]*)", line)
    if in_commands and m:
        verbs.add(m.group(1))
if len(verbs) < 20:
    fail(f"found only {len(verbs)} commands in the verb table and --help")
for verb in sorted(verbs):
    if verb not in documented_verbs:
        fail(f"sluicectl(1): command \"{verb}\" has no entry in COMMANDS")

options = set(re.findall(r'\{\s*"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument', ctl_sources))
options = {"--" + o for o in options}
options |= set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text))
short = set(re.findall(r"(?<![\w-])(-[a-zA-Z]),", help_text))
if len(options) < 20:
    fail(f"found only {len(options)} options in src/ctl and --help")
for opt in sorted(options | short):
    if not re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", text):
        fail(f"sluicectl(1): option {opt} is not named")

codes = set(re.findall(r"CTL_EXIT_\w+\s*=\s*(\d+)", ctl_sources))
exit_terms = {m.group(1) for m in (re.match(r"^ {7}(\d+)\s*$", l) for l in secs.get("EXIT STATUS", [])) if m}
if not codes:
    fail("no exit statuses (CTL_EXIT_*) found in src/ctl")
for code in sorted(codes, key=int):
    if code not in exit_terms:
        fail(f"sluicectl(1): exit status {code} has no entry in EXIT STATUS")

# ---- sluiced(8) ----

text = rendered["sluiced.8"]
for opt in sorted(set(re.findall(r'\{\s*"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument',
                                 read("src/daemon/main.c")))):
    if not re.search(r"(?<![\w-])--" + re.escape(opt) + r"(?![\w-])", "\n".join(sections(text).get("OPTIONS", []))):
        fail(f"sluiced(8): option --{opt} is not in OPTIONS")

# ---- sluiced.conf(5) ----

text = rendered["sluiced.conf.5"]
secs = sections(text)
keys = subprocess.run([list_keys], capture_output=True, text=True, check=True).stdout.splitlines()
if len(keys) < 40:
    fail(f"list-config-keys printed only {len(keys)} keys")
for line in keys:
    section, key = line.split("\t")
    heading = next((h for h in secs if h == f"[{section}]" or h.startswith(f"[{section} ")), None)
    if heading is None:
        fail(f"sluiced.conf(5): no section [{section} ...]")
        continue
    body = "\n".join(secs[heading])
    if not re.search(r"(?<![\w.])" + re.escape(key) + "=", body):
        fail(f"sluiced.conf(5): [{section}] {key}= is not documented in {heading}")

# ---- org.sluice.Scheduler1(5) ----

text = rendered["org.sluice.Scheduler1.5"]
secs = sections(text)
members = 0
for name in sorted(os.listdir(os.path.join(srcdir, "dbus"))):
    if not name.endswith(".xml"):
        continue
    for iface in ET.parse(os.path.join(srcdir, "dbus", name)).getroot().iter("interface"):
        iname = iface.get("name")
        heading = next((h for h in secs if h.upper().endswith(": " + iname.upper())), None)
        if heading is None:
            fail(f"org.sluice.Scheduler1(5): no section for interface {iname}")
            continue
        parts = subsections(secs[heading])
        members += sum(1 for k in ("method", "property", "signal") for _ in iface.iter(k))
        for kind, part in (("method", "Methods"), ("property", "Properties"), ("signal", "Signals")):
            body = "\n".join(parts.get(part, []))
            for member in iface.iter(kind):
                m = member.get("name")
                if not re.search(r"(?<![\w.])" + re.escape(m) + r"(?![\w])", body):
                    fail(f"org.sluice.Scheduler1(5): {kind} {iname}.{m} is not in {heading} / {part}")

errors_body = "\n".join(secs.get("ERRORS", []))
error_names = sorted(set("org.sluice.Error." + n for n in
                         re.findall(r'SLUICE_BUS_ERROR_PREFIX "(\w+)"', read("src/shared/sluice-bus-names.h"))))
if not error_names:
    fail("no error names found in src/shared/sluice-bus-names.h")
for err in error_names:
    if not re.search(re.escape(err) + r"(?![\w])", errors_body):
        fail(f"org.sluice.Scheduler1(5): error {err} is not in ERRORS")

# ---- the unit's Documentation= ----

with open(unit, encoding="utf-8") as f:
    docs = " ".join(l.split("=", 1)[1] for l in f.read().splitlines() if l.startswith("Documentation="))
refs = re.findall(r"man:([\w.-]+)\((\d)\)", docs)
for needed in (("sluiced", "8"), ("sluiced.conf", "5")):
    if needed not in refs:
        fail(f"{unit}: Documentation= does not name man:{needed[0]}({needed[1]})")
for name, section in refs:
    if f"{name}.{section}" not in pages:
        fail(f"{unit}: Documentation= names man:{name}({section}), which is not built here")

if failures:
    print(f"{len(failures)} failure(s)", file=sys.stderr)
    sys.exit(1)
print(f"man pages: {len(verbs)} commands, {len(options | short)} options, {len(codes)} exit statuses, "
      f"{len(keys)} config keys, {members} D-Bus members, {len(error_names)} errors documented; no warnings")

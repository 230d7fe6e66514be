#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check the Cockpit page's sources before a browser ever sees them.

usage: check-page.py SRC_DIR INSTALLED_FILE...

- every module parses (node --check, when node is installed; else skipped);
- nothing Cockpit's Content-Security-Policy would block: no inline <script>
  or <style>, no style attributes, no innerHTML/eval/new Function, no
  style set through setAttribute (only CSSOM, which CSP allows);
- every file index.html loads and every module a module imports is
  installed (meson's list), and every source file is installed;
- manifest.json is valid and has the menu entry;
- no template literal inside _() or N_() (xgettext cannot extract it).
Exit 0 when all hold, 1 with one line per problem otherwise.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

GENERATED = {"patternfly.css", "po.js"}


def main(argv: list[str]) -> int:
    src, installed = argv[1], {os.path.basename(p) for p in argv[2:]}
    problems = []
    sources = sorted(f for f in os.listdir(src) if not f.startswith("."))
    for f in sources:
        if f not in installed:
            problems.append(f"{f}: in {src} but not installed (cockpit/meson.build)")

    html = open(os.path.join(src, "index.html"), encoding="utf-8").read()
    if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
        problems.append("index.html: inline <script> (CSP blocks it)")
    if re.search(r"<style\b", html) or re.search(r"\sstyle\s*=", html):
        problems.append("index.html: inline style (CSP blocks it)")
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        if ref.startswith("../base1/"):
            continue
        if ref not in installed and ref not in GENERATED:
            problems.append(f"index.html: loads {ref}, which is not installed")

    manifest = json.load(open(os.path.join(src, "manifest.json"), encoding="utf-8"))
    if not any(e.get("label") for e in manifest.get("menu", {}).values()):
        problems.append("manifest.json: no menu entry with a label")

    forbidden = [
        (r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML", "HTML from strings"),
        (r"\beval\s*\(|new\s+Function\s*\(", "code from strings (CSP has no unsafe-eval)"),
        (r"setAttribute\(\s*[\"']style[\"']|\.cssText\b|\bstyle\s*:", "a style attribute (CSP); use CSSOM or classes"),
        (r"\bN?_\(\s*`", "a template literal in _() (xgettext cannot read it)"),
    ]
    node = shutil.which("node") or shutil.which("nodejs")
    with tempfile.TemporaryDirectory() as tmp:
        for f in sources:
            if not f.endswith(".js"):
                continue
            text = open(os.path.join(src, f), encoding="utf-8").read()
            for pattern, what in forbidden:
                for m in re.finditer(pattern, text):
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"{f}:{line}: {what}")
            for mod in re.findall(r'^\s*import\b[^;]*?from\s+"([^"]+)"', text, re.M | re.S):
                if not mod.startswith("./") or mod[2:] not in installed:
                    problems.append(f"{f}: imports {mod}, which is not an installed module of the page")
            if node:
                copy = os.path.join(tmp, f[:-3] + ".mjs")
                shutil.copy(os.path.join(src, f), copy)
                r = subprocess.run([node, "--check", copy], capture_output=True, text=True)
                if r.returncode != 0:
                    problems.append(f"{f}: does not parse:\n{r.stderr}")
    if not node:
        print("node not found: module syntax not checked")
    for p in problems:
        print(p)
    if not problems:
        print(f"{len(sources)} page files checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

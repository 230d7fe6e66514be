#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turn one of the project's po/LANG.po into Cockpit's po.LANG.js.

usage: po2js.py INPUT.po OUTPUT.js [PREFIX]

Cockpit serves a package's po.js as po.LANG.js for the browser's language;
the file calls cockpit.locale() with the header and msgid → [null, msgstr...]
(msgctxt + "\\u0004" + msgid for a context). Only translated, non-fuzzy
messages whose references lie under PREFIX (default "cockpit/") are taken:
the page needs no C strings. Plural-Forms becomes a JavaScript function
(the expression is C syntax, which is JavaScript too; anything but n,
digits, operators and parentheses is refused, so no code gets in).
The output is sorted and dated nowhere: reproducible.
"""
import json
import re
import sys

PLURAL_SAFE = re.compile(r"^[n0-9\s()?:!=<>%&|+\-*/]+$")


def unquote(s: str) -> str:
    return json.loads(s) if s.startswith('"') else s


def parse(path: str) -> list[dict]:
    entries, cur, last = [], None, None

    def finish():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line:
                finish()
                cur, last = None, None
                continue
            if cur is None:
                cur = {"refs": [], "flags": [], "msgstr": {}}
            if line.startswith("#:"):
                cur["refs"] += line[2:].split()
            elif line.startswith("#,"):
                cur["flags"] += [x.strip() for x in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = unquote(line)
                if isinstance(last, tuple):
                    cur["msgstr"][last[1]] += value
                else:
                    cur[last] += value
            else:
                key, _, rest = line.partition(" ")
                m = re.match(r"msgstr\[(\d+)\]$", key)
                if m:
                    last = ("msgstr", int(m.group(1)))
                    cur["msgstr"][last[1]] = unquote(rest)
                elif key == "msgstr":
                    last = ("msgstr", 0)
                    cur["msgstr"][0] = unquote(rest)
                elif key in ("msgid", "msgid_plural", "msgctxt"):
                    last = key
                    cur[key] = unquote(rest)
                else:
                    raise ValueError(f"{path}: cannot read line: {raw!r}")
    finish()
    return entries


def convert(path: str, prefix: str) -> str:
    entries = parse(path)
    header = {}
    messages = {}
    for e in entries:
        if e["msgid"] == "" and "msgctxt" not in e:
            for line in e["msgstr"].get(0, "").split("\n"):
                k, sep, v = line.partition(":")
                if sep:
                    header[k.strip().lower()] = v.strip()
            continue
        if "fuzzy" in e["flags"] or not any(r.startswith(prefix) for r in e["refs"]):
            continue
        strs = [e["msgstr"][i] for i in sorted(e["msgstr"])]
        if not strs or not all(strs):
            continue
        key = e["msgid"] if "msgctxt" not in e else e["msgctxt"] + "\u0004" + e["msgid"]
        messages[key] = [e.get("msgid_plural")] + strs

    language = header.get("language") or re.sub(r".*/|\.po$", "", path)
    plural = "(n) => (n != 1)"
    m = re.search(r"plural\s*=\s*([^;]+);?", header.get("plural-forms", ""))
    if m:
        expr = m.group(1).strip()
        if not PLURAL_SAFE.match(expr):
            raise ValueError(f"{path}: refusing Plural-Forms expression {expr!r}")
        plural = f"(n) => ({expr})"
    body = ",\n".join(f" {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                      for k, v in sorted(messages.items()))
    head = (f'{{"plural-forms": {plural}, "language": {json.dumps(language)}, '
            f'"language-direction": "{"rtl" if language.split("_")[0] in ("ar", "fa", "he", "ur") else "ltr"}"}}')
    return f'cockpit.locale({{\n "": {head}' + (",\n" + body if body else "") + "\n});\n"


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    out = convert(argv[1], argv[3] if len(argv) == 4 else "cockpit/")
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

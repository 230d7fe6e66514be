#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Find format macros inside _() / N_() that xgettext cannot expand.

xgettext joins the string literals of a message, but it does not know GLib's
G_GINT64_FORMAT, G_GUINT64_FORMAT, G_GSIZE_FORMAT, ... (only <inttypes.h>'s
PRId64-style macros, as "<PRId64>" system-dependent strings): the msgid is cut
at the macro and the rest of the message never reaches translators, while the
program looks up the whole string and finds no translation.  Any identifier
between the literals of a _() other than a PRI* macro is reported.

Usage: check-gettext-macros.py FILE...   (exit 1 and one line per finding)
"""
import re
import sys

TOKEN = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])+')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<other>\S)
''', re.S | re.X)
ALLOWED = re.compile(r'^PRI[diouxX](8|16|32|64|MAX|PTR|LEAST\d+|FAST\d+)$')
KEYWORDS = {'_', 'N_'}


def findings(path, text):
    tokens = [(m.lastgroup, m.group(), m.start()) for m in TOKEN.finditer(text) if m.lastgroup != 'comment']
    for i, (kind, value, pos) in enumerate(tokens):
        if kind != 'ident' or value not in KEYWORDS:
            continue
        if i + 1 >= len(tokens) or tokens[i + 1][0] != 'open':
            continue
        if i > 0 and tokens[i - 1][1] in ('define',):
            continue
        # the first argument: literals and macros up to the matching ")" or ","
        depth, j, saw_string = 0, i + 2, False
        while j < len(tokens):
            k, v, p = tokens[j]
            if k == 'open':
                depth += 1
            elif k == 'close':
                if depth == 0:
                    break
                depth -= 1
            elif k == 'comma' and depth == 0:
                break
            elif k == 'string':
                saw_string = True
            elif k == 'ident' and saw_string and not ALLOWED.match(v):
                line = text.count('\n', 0, p) + 1
                yield f'{path}:{line}: {v} inside {value}(): xgettext cuts the msgid there (use PRI* from <inttypes.h>)'
            j += 1


def main(argv):
    status = 0
    for path in argv[1:]:
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
        for finding in findings(path, text):
            print(finding)
            status = 1
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""po2js.py turns a .po into the po.LANG.js Cockpit expects: the page's
translated messages only (no C strings, no fuzzy ones), plurals, contexts,
continued lines, and a Plural-Forms that cannot smuggle code in."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

PO = r'''msgid ""
msgstr ""
"Language: de\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: cockpit/src/app.js:20
msgid "Job scheduler"
msgstr "Auftragsplaner"

#: cockpit/src/jobs.js:1
msgid "$0 job"
msgid_plural "$0 jobs"
msgstr[0] "$0 Auftrag"
msgstr[1] "$0 "
"Aufträge"

#: cockpit/src/jobs.js:2
msgctxt "state"
msgid "Done"
msgstr "Fertig"

#: src/ctl/ctl-jobs.c:1
msgid "C only"
msgstr "Nur C"

#, fuzzy
#: cockpit/src/app.js:3
msgid "Fuzzy"
msgstr "Unscharf"

#: cockpit/src/app.js:4
msgid "Untranslated"
msgstr ""
'''

EXPECTED = '''cockpit.locale({
 "": {"plural-forms": (n) => ((n != 1)), "language": "de", "language-direction": "ltr"},
 "$0 job": ["$0 jobs", "$0 Auftrag", "$0 Aufträge"],
 "Job scheduler": [null, "Auftragsplaner"],
 "state\\u0004Done": [null, "Fertig"]
});
'''


def run(po_text: str):
    with tempfile.TemporaryDirectory() as tmp:
        po, js = os.path.join(tmp, "de.po"), os.path.join(tmp, "po.de.js")
        with open(po, "w", encoding="utf-8") as f:
            f.write(po_text)
        r = subprocess.run([sys.executable, os.path.join(HERE, "po2js.py"), po, js],
                           capture_output=True, text=True)
        out = open(js, encoding="utf-8").read() if r.returncode == 0 else None
        return r.returncode, out, r.stderr


def main() -> int:
    failures = 0
    rc, out, err = run(PO)
    if rc != 0 or out != EXPECTED:
        print(f"conversion: rc={rc} {err}\n--- got\n{out}--- expected\n{EXPECTED}")
        failures += 1
    evil = PO.replace("plural=(n != 1);", "plural=alert(document.cookie);")
    rc, out, err = run(evil)
    if rc == 0:
        print(f"a Plural-Forms with code was accepted:\n{out}")
        failures += 1
    print("po2js: ok" if failures == 0 else f"po2js: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

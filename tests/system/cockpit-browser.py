#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cockpit-browser.py — a real browser on sluice's Cockpit page: headless
# Chromium (Debian's chromium + chromium-driver) driven by Selenium
# (python3-selenium). Runs INSIDE the system-test container, as root, against
# https://localhost:9090 (cockpit.socket), the real sluiced, systemd and polkitd.
#
#   cockpit-browser.py admin    --user U --password P --out DIR
#   cockpit-browser.py viewer   --user U --password P --out DIR
#   cockpit-browser.py screenshot --user U --password P --png FILE [--path jobs]
#   cockpit-browser.py bench    --user U --password P --runs N --out DIR
#
# Why Selenium and not the DevTools protocol alone: Selenium is packaged in
# Debian 12 (python3-selenium; chromium-driver comes from the same chromium
# build, so driver and browser always match), gives real user input (typing in
# Cockpit's login form, clicks that go through the browser's hit testing, so a
# disabled or covered button cannot be clicked by mistake), frame switching
# and the console log (goog:loggingPrefs) without writing a protocol client.
#
# The probe: a MutationObserver put into the sluice frame as soon as its
# #sluice-app exists — by Selenium's execute_script in the scenarios; in the
# benchmark, where the page can be ready before Selenium gets there, by a
# script DevTools' Page.addScriptToEvaluateOnNewDocument puts into Cockpit's
# shell, which watches for the frame (registered for the frame itself, it
# would not run: Cockpit's iframe starts as about:blank, whose Window the
# page's document reuses). It
# records, per tr[data-job-id], when it first appeared (Date.now(): the same
# clock as time.time() here, both in the container) and the sequence of its
# data-state/data-result values, and when #sluice-app became ready
# (performance.now(): from the frame's navigation start). Figures come from
# where the DOM changed, not from Selenium's polling. Its loadId proves the
# frame was not reloaded between two checks.
#
# Everything that is asserted prints "ok: ..." and a failure raises with what
# was expected and what was seen; exit status 0 = all passed, 1 = failed.
# The system side (sluicectl, systemctl, busctl, journalctl) runs here too,
# as root, through subprocess: the same container, the same bus.

import argparse
import json
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import (JavascriptException, NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = "https://localhost:9090"
FRAME = "cockpit1:localhost/sluice"
# A bound for eventually-true facts (s): generous, never a timing threshold.
# 120 s by default, not lib-sluice.sh's 60: a Cockpit login (PAM, the session,
# the shell, Chromium) once took more than 60 s here at a load average of 30.
BOUND = float(os.environ.get("SLUICE_COCKPIT_BOUND", "120"))
# The one timing bound the issue asks for: "a job submitted with sluicectl
# appears in the table within a second". The wait is bounded at
# SLUICE_COCKPIT_APPEAR_BOUND (default 5 s: the second with a margin of
# 5x for a CI machine of 2 vCPUs that also runs Chromium, cockpit-ws, the bridge,
# sluiced and PID 1); the latency measured by the probe is printed every run.
APPEAR_BOUND = float(os.environ.get("SLUICE_COCKPIT_APPEAR_BOUND", "5"))
GATES = "/run/sluice-test"

PROBE_FN = r"""
function (window) {
    const document = window.document, performance = window.performance;
    if (window.__sluiceProbe)
        return;
    const app0 = document.getElementById("sluice-app");
    const p = window.__sluiceProbe = {
        loadId: Math.random().toString(36).slice(2), readyAt: 0, rowsAt: 0,
        readyBeforeProbe: !!(app0 && app0.dataset.state === "ready"),
        seen: {}, states: {}, results: {},
    };
    function scan() {
        const now = Date.now(), since = performance.now();
        const app = document.getElementById("sluice-app");
        if (app && app.dataset.state === "ready" && !p.readyAt)
            p.readyAt = since;
        const rows = document.querySelectorAll("table#sluice-jobs tr[data-job-id]");
        if (rows.length && p.readyAt && !p.rowsAt)
            p.rowsAt = since;
        for (const tr of rows) {
            const id = tr.dataset.jobId;
            if (!(id in p.seen)) {
                p.seen[id] = now;
                p.states[id] = [];
                p.results[id] = [];
            }
            const s = p.states[id], r = p.results[id];
            if (s[s.length - 1] !== tr.dataset.state)
                s.push(tr.dataset.state);
            if (r[r.length - 1] !== (tr.dataset.result || ""))
                r.push(tr.dataset.result || "");
        }
    }
    scan();
    new MutationObserver(scan).observe(document.documentElement, {
        subtree: true, childList: true, attributes: true,
        attributeFilter: ["data-state", "data-result", "data-job-id"],
    });
}
"""
# Into the sluice frame, from Selenium (inside the frame).
PROBE_JS = "(" + PROBE_FN + ")(window);"
# For the benchmark, where the frame is ready before Selenium gets to it:
# registered for Cockpit's shell (the top document) with DevTools'
# Page.addScriptToEvaluateOnNewDocument, it watches for the sluice frame's
# document (every 10 ms, in the browser) and puts the probe into it as soon
# as its #sluice-app exists (same origin: the shell reaches the frame's DOM).
TOP_PROBE_JS = """
(function () {
    if (window.top !== window)
        return;
    const probe = (""" + PROBE_FN + """);
    setInterval(() => {
        const f = document.querySelector('iframe[name="cockpit1:localhost/sluice"]');
        let w = null;
        try { w = f && f.contentWindow; } catch (e) { return; }
        if (w && !w.__sluiceProbe && w.document && w.document.getElementById("sluice-app"))
            probe(w);
    }, 10);
})();
"""


class Failure(Exception):
    pass


class CockpitSessionFailed(Exception):
    pass


def say(msg):
    print(msg, flush=True)


def step(msg):
    say("---- " + msg)


def ok(msg):
    say("ok: " + msg)


def fail(msg):
    raise Failure(msg)


def run(*argv, check=True):
    """A command inside the container (we are in it), as root: its stdout."""
    r = subprocess.run(argv, capture_output=True, text=True)
    if check and r.returncode != 0:
        fail(f"{' '.join(argv)} exited {r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout.strip()


def sluicectl(*args):
    return run("sluicectl", *args)


def submit(cls, **params):
    out = sluicectl("submit", cls, *[f"{k}={v}" for k, v in params.items()])
    if not re.fullmatch(r"[0-9]+", out):
        fail(f"sluicectl submit {cls} printed {out!r}, not a job id")
    return int(out)


def job_prop(job, prop):
    out = run("busctl", "get-property", "org.sluice.Scheduler1", f"/org/sluice/Scheduler1/job/{job}",
              "org.sluice.Scheduler1.Job", prop)
    val = out.split(" ", 1)[1]
    return val[1:-1] if val.startswith('"') else val


def manager_prop(prop):
    return run("busctl", "get-property", "org.sluice.Scheduler1", "/org/sluice/Scheduler1",
               "org.sluice.Scheduler1", prop)


def paused_scopes():
    """The manager's Paused property as a set ('as 2 "" "class:web"' → {"", "class:web"})."""
    words = shlex.split(manager_prop("Paused"))
    return set(words[2:])


def unit_prop(job, prop):
    return run("systemctl", "show", "--value", f"--property={prop}", f"sluice-job-{job}.service")


GATES_MADE = []


def new_gate():
    name = "%012x" % random.getrandbits(48)
    GATES_MADE.append(name)
    return name, (f"while [ ! -e {GATES}/gate-{name} ] && [ ! -e {GATES}/gate-all-cockpit ]; "
                  "do sleep 0.05; done")


def open_all_gates():
    for g in GATES_MADE:
        open_gate(g)


def open_gate(name):
    os.makedirs(GATES, exist_ok=True)
    open(f"{GATES}/gate-{name}", "w").close()


def wait_for(what, fn, bound=BOUND, interval=0.05):
    """fn() until it returns a true value (which is returned); a bound, not a threshold."""
    deadline = time.monotonic() + bound
    last = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except (StaleElementReferenceException, NoSuchElementException) as e:
            last = e
        if time.monotonic() > deadline:
            fail(f"not within {bound:g}s: {what}" + (f" (last: {last.__class__.__name__})" if last else ""))
        time.sleep(interval)


class Browser:
    def __init__(self, out, width=1920, height=1200, top_probe=False):
        self.out = out
        os.makedirs(out, exist_ok=True)
        o = webdriver.ChromeOptions()
        o.binary_location = "/usr/bin/chromium"
        # As root in the container: Chromium's sandbox needs user namespaces it
        # does not get here; /dev/shm of the container is small.
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                  "--ignore-certificate-errors", f"--window-size={width},{height}",
                  "--disable-gpu", "--lang=en-US", "--no-first-run", "--password-store=basic"):
            o.add_argument(a)
        # Cockpit's certificate is self-signed (cockpit-certificate-ensure): accepted,
        # as an admin accepts it on first visit.
        o.accept_insecure_certs = True
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
        self.d.set_page_load_timeout(BOUND)
        if top_probe:
            self.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TOP_PROBE_JS})
        self.console = []       # (phase, entry)
        self.phase = "start"

    def quit(self):
        try:
            self.collect_console()
        finally:
            self.d.quit()

    # ---- console
    def collect_console(self):
        try:
            for e in self.d.get_log("browser"):
                self.console.append((self.phase, e))
        except WebDriverException:
            pass

    def console_errors(self, since_phases):
        """Entries of level SEVERE (console.error, uncaught exceptions, failed loads)."""
        self.collect_console()
        return [(ph, e) for ph, e in self.console if ph in since_phases and e.get("level") == "SEVERE"]

    def write_console(self, name):
        self.collect_console()
        with open(os.path.join(self.out, name), "w") as f:
            for ph, e in self.console:
                f.write(f"[{ph}] {e.get('level')} {e.get('source')}: {e.get('message')}\n")

    def shot(self, name, back_to_frame=True):
        """A screenshot of the whole window; back into the sluice frame after."""
        path = os.path.join(self.out, name)
        self.d.switch_to.default_content()
        self.d.save_screenshot(path)
        if back_to_frame and self.d.find_elements(By.CSS_SELECTOR, f'iframe[name="{FRAME}"]'):
            self.enter_frame()
        return path

    # ---- Cockpit's shell
    def login(self, user, password, path="sluice"):
        """Cockpit's real login page (PAM through cockpit-session). Once more,
        said, if Cockpit's shell reports its own session broke right after the
        login ("Connection failed", "no-session"): Cockpit's, not the page's."""
        try:
            self._login(user, password, path)
        except CockpitSessionFailed as e:
            say(f"note: Cockpit's session failed right after the login ({e}); logging in again")
            self.d.delete_all_cookies()
            self._login(user, password, path)

    def _login(self, user, password, path):
        self.phase = "login-page"
        self.d.get(f"{BASE}/{path}")
        wait_for("Cockpit's login page", lambda: self.d.find_element(By.ID, "login-user-input").is_displayed())
        self.collect_console()
        self.phase = "login"
        self.d.find_element(By.ID, "login-user-input").send_keys(user)
        self.d.find_element(By.ID, "login-password-input").send_keys(password)
        self.d.find_element(By.ID, "login-button").click()

        def logged_in():
            if self.d.find_elements(By.CSS_SELECTOR, 'iframe[name^="cockpit1:localhost/"]'):
                return True
            body = self.d.find_element(By.TAG_NAME, "body").text
            if "Connection failed" in body or "session has expired" in body:
                raise CockpitSessionFailed(" ".join(body.split())[:200])
            err = self.d.find_elements(By.ID, "login-error-message")
            if err and err[0].is_displayed() and err[0].text.strip():
                fail(f"Cockpit refused the login of {user}: {err[0].text.strip()}")
            return False
        wait_for(f"the Cockpit shell after {user}'s login", logged_in)
        self.collect_console()
        self.phase = "shell"
        ok(f"logged in through Cockpit's login page as {user}")

    def access_text(self):
        return self.d.find_element(By.CSS_SELECTOR, "#super-user-indicator button").text.strip()

    def administrative_access(self, password):
        """Cockpit 287: the top bar's "Limited access" button → "Switch to
        administrative access" → the user's password (sudo, through
        cockpit-askpass). Cockpit remembers the choice in the browser's
        localStorage (superuser:USER) for the next logins."""
        self.d.switch_to.default_content()
        wait_for("the access indicator", lambda: self.access_text() in ("Limited access", "Administrative access"))
        if self.access_text() == "Administrative access":
            return
        self.d.find_element(By.CSS_SELECTOR, "#super-user-indicator button").click()
        pw = wait_for("the password prompt of 'Switch to administrative access'",
                      lambda: next((e for e in self.d.find_elements(
                          By.CSS_SELECTOR, ".pf-c-modal-box input[type=password]") if e.is_displayed()), None))
        pw.send_keys(password)
        self.d.find_element(By.CSS_SELECTOR, ".pf-c-modal-box footer button.pf-m-primary").click()
        wait_for("'Administrative access' in the top bar", lambda: self.access_text() == "Administrative access")
        wait_for("the dialog to close", lambda: not self.d.find_elements(By.CSS_SELECTOR, ".pf-c-modal-box"))
        ok("administrative access (sudo through Cockpit's superuser bridge)")

    def limited_access(self):
        """Cockpit 287: the top bar's "Administrative access" button → "Switch
        to limited access" → "Limit access" (the superuser bridge stops)."""
        self.d.switch_to.default_content()
        wait_for("'Administrative access' in the top bar", lambda: self.access_text() == "Administrative access")
        self.d.find_element(By.CSS_SELECTOR, "#super-user-indicator button").click()
        button = wait_for("the 'Limit access' button of 'Switch to limited access'",
                          lambda: next((e for e in self.d.find_elements(
                              By.CSS_SELECTOR, ".pf-c-modal-box footer button.pf-m-primary") if e.is_displayed()), None))
        button.click()
        wait_for("'Limited access' in the top bar", lambda: self.access_text() == "Limited access")
        wait_for("the dialog to close", lambda: not self.d.find_elements(By.CSS_SELECTOR, ".pf-c-modal-box"))
        ok("limited access (Cockpit's superuser bridge stopped from the top bar)")

    # ---- the sluice frame
    def enter_frame(self):
        """Into the sluice frame once Cockpit's shell has loaded it (data-loaded,
        as Cockpit's own tests wait for it: test/common/testlib.py enter_page)."""
        self.d.switch_to.default_content()
        frame = wait_for(f"the iframe {FRAME}, loaded",
                         lambda: self.d.find_element(By.CSS_SELECTOR, f'iframe[name="{FRAME}"][data-loaded]'))
        self.d.switch_to.frame(frame)

    def open_sluice(self, path=""):
        """The page at /sluice#/PATH, in its iframe; waits for data-state=ready.
        Inside the shell only the #fragment changes (Cockpit's own tests go
        there the same way, testlib.py's go()): the shell, its session and
        the frame stay. Never a reload of the shell: a reload ends the shell's
        WebSocket and opens a new one, and cockpit-ws ends a session that has
        had no WebSocket for 15 s, so on a loaded machine a reload can land on
        the login page instead of the shell (the admin scenario's CI flake,
        docs/cockpit.md). The page follows the access level itself (it
        reopens its channel when Cockpit's superuser changes), so nothing
        needs a fresh frame for that either."""
        self.d.switch_to.default_content()
        if self.d.current_url.split("#")[0] == f"{BASE}/sluice":
            self.d.execute_script("window.location.hash = arguments[0]", f"#/{path}")
        else:
            self.d.get(f"{BASE}/sluice" + (f"#/{path}" if path else ""))
        return self.wait_ready()

    def wait_ready(self):
        self.enter_frame()
        wait_for("#sluice-app in the frame", lambda: self.d.find_elements(By.ID, "sluice-app"))
        self.d.execute_script(PROBE_JS)
        wait_for("#sluice-app[data-state=ready]", lambda: self.state() in ("ready", "error"))
        if self.state() == "error":
            fail("the page says: " + self.d.find_element(By.ID, "sluice-app").text[:500])
        self.phase = "sluice"
        return self.probe()["loadId"]

    def state(self):
        return self.d.find_element(By.ID, "sluice-app").get_attribute("data-state")

    def probe(self):
        p = self.d.execute_script("return window.__sluiceProbe || null")
        if p is None:
            fail("the probe is gone from the sluice frame: the frame was reloaded")
        return p

    def nav(self, key):
        self.d.find_element(By.CSS_SELECTOR, f'a[data-nav="{key}"]').click()

    def css(self, sel):
        return self.d.find_element(By.CSS_SELECTOR, sel)

    def csss(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def row(self, job):
        rows = self.csss(f'table#sluice-jobs tr[data-job-id="{job}"]')
        return rows[0] if rows else None

    def row_is(self, job, state, result=None):
        r = self.row(job)
        if r is None or r.get_attribute("data-state") != state:
            return False
        return result is None or r.get_attribute("data-result") == result

    def errors_shown(self):
        return [e.text for e in self.csss("div.sluice-error") if e.is_displayed()]

    def dismiss_errors(self):
        self.d.execute_script("document.querySelectorAll('div.sluice-error').forEach(e => e.remove())")


# ---- the admin's run -------------------------------------------------------

def check_no_reload(b, load_id, what):
    if b.probe()["loadId"] != load_id:
        fail(f"the sluice frame was reloaded during: {what}")


def admin(args):
    b = Browser(args.out)
    try:
        step(f"login as {args.user} (group sudo) and administrative access")
        b.login(args.user, args.password)
        # The login lands on the page with limited access (a new browser
        # profile: nothing remembered); it is switched on with the page open.
        first_load = b.wait_ready()
        b.administrative_access(args.password)
        load_id = b.open_sluice("jobs")
        if load_id != first_load:
            fail("the sluice frame was reloaded by the switch to administrative access")
        check_controls(b, MUTATING, available=True, who=f"{args.user}, switched to administrative access")
        b.nav("jobs")
        ok("the page is ready (#sluice-app[data-state=ready]) at /sluice#/jobs and followed the switch "
           "to administrative access without a reload")
        b.shot("admin-jobs.png")

        step("a job submitted with sluicectl appears at once, then queued → running → done, no reload")
        blocker_gate, blocker_script = new_gate()
        blocker = submit("web", script=f"{blocker_script}; exit 3")
        wait_for(f"job {blocker} running", lambda: job_prop(blocker, "State") == "running")
        gate, script = new_gate()
        t0 = time.time()
        job = submit("web", script=f"echo first-line-of-{gate}; {script}; echo last-line-of-{gate}")
        t1 = time.time()
        # Waited for up to BOUND, so that a late row is measured (by the probe,
        # in the page) and reported with its figure; then held to APPEAR_BOUND.
        wait_for(f"row of job {job} in table#sluice-jobs", lambda: b.row(job))
        seen = b.probe()["seen"][str(job)] / 1000.0
        latency = seen - t1
        say(f"figure: job {job} in the table {latency * 1000:.0f} ms after sluicectl submit returned "
            f"({(seen - t0) * 1000:.0f} ms after it was called); bound {APPEAR_BOUND:g} s")
        if latency > APPEAR_BOUND:
            fail(f"job {job} appeared in the table {latency:.2f} s after it was submitted, "
                 f"more than SLUICE_COCKPIT_APPEAR_BOUND={APPEAR_BOUND:g} s")
        ok(f"job {job} appeared in the table (bound {APPEAR_BOUND:g} s)")
        wait_for(f"job {job} shown queued", lambda: b.row_is(job, "queued"))
        if job_prop(job, "State") != "queued":
            fail(f"job {job} should be queued behind job {blocker} (class web, MaxRunning=1)")
        open_gate(blocker_gate)
        wait_for(f"job {blocker} shown done/failed", lambda: b.row_is(blocker, "done", "failed"))
        ok(f"job {blocker} (exit 3) shown done / failed")
        wait_for(f"job {job} shown running", lambda: b.row_is(job, "running"))
        wait_for(f"sluice-job-{job}.service active (systemctl is-active)",
                 lambda: run("systemctl", "is-active", f"sluice-job-{job}.service", check=False) == "active")
        ok(f"job {job} shown running, sluice-job-{job}.service active")
        open_gate(gate)
        wait_for(f"job {job} shown done/success", lambda: b.row_is(job, "done", "success"))
        p = b.probe()
        if p["states"][str(job)] != ["queued", "running", "done"]:
            fail(f"job {job}'s states as the row showed them: {p['states'][str(job)]}, expected queued, running, done")
        if p["results"][str(job)][-1] != "success" or job_prop(job, "Result") != "success":
            fail(f"job {job}: result {p['results'][str(job)]} on the page, {job_prop(job, 'Result')} in sluiced")
        check_no_reload(b, load_id, "the job's life")
        ok(f"job {job}: queued → running → done / success in one row, without a reload")

        step("the job page shows the job's own journal lines, followed live")
        gate2, script2 = new_gate()
        marker = "%08x" % random.getrandbits(32)
        other = submit("web", script=f"echo other-job-{marker}")
        follow = submit("web", script=f"echo before-gate-{marker}; {script2}; echo after-gate-{marker}")
        wait_for(f"job {follow} running", lambda: job_prop(follow, "State") == "running")
        load_id = b.open_sluice(f"job/{follow}")
        wait_for("pre#sluice-job-log with the job's first line",
                 lambda: f"before-gate-{marker}" in b.css("pre#sluice-job-log").text)
        open_gate(gate2)
        wait_for("the line printed after the page opened, without a reload",
                 lambda: f"after-gate-{marker}" in b.css("pre#sluice-job-log").text)
        text = b.css("pre#sluice-job-log").text
        if f"other-job-{marker}" in text:
            fail(f"job {follow}'s log shows job {other}'s line")
        check_no_reload(b, load_id, "the log following")
        props = b.css("#sluice-job-props").text
        if f"sluice-job-{follow}.service" not in props:
            fail(f"#sluice-job-props does not show the unit sluice-job-{follow}.service: {props[:300]!r}")
        href = b.css("a#sluice-job-unit-link").get_attribute("href")
        if f"sluice-job-{follow}.service" not in href:
            fail(f"a#sluice-job-unit-link points to {href}")
        ok(f"job {follow}'s page: its properties, the unit link ({href}), its journal lines, "
           "the last one appearing live; not job {other}'s".format(other=other))
        b.shot("admin-job-page.png")

        step("a job submitted from the form runs as a transient unit")
        load_id = b.open_sluice("jobs")
        gate3, script3 = new_gate()
        b.css("#sluice-open-submit").click()
        Select(wait_for("select#sluice-submit-class", lambda: b.css("select#sluice-submit-class"))).select_by_value("web")
        field = wait_for('input[data-parameter="script"]',
                         lambda: next((e for e in b.csss('input[data-parameter="script"]') if e.is_displayed()), None))
        field.clear()
        field.send_keys(f"echo from-the-form-{marker}; {script3}")
        b.css("button#sluice-submit").click()

        # The new job: the one of class web whose unit prints our marker.
        def find_form_job():
            for tr in b.csss("table#sluice-jobs tr[data-job-id]"):
                jid = int(tr.get_attribute("data-job-id"))
                if jid > follow and jid not in (blocker, job, other) and \
                        f"from-the-form-{marker}" in run("journalctl", "--no-pager", "-o", "cat",
                                                          f"SLUICE_JOB_ID={jid}", check=False):
                    return jid
            return None
        errs = b.errors_shown()
        if errs:
            fail(f"the form's submission was refused: {errs}")
        fjob = wait_for("the form's job in the table, its unit printing the form's parameter", find_form_job)
        if unit_prop(fjob, "ActiveState") != "active":
            fail(f"sluice-job-{fjob}.service is {unit_prop(fjob, 'ActiveState')}, not active")
        if unit_prop(fjob, "Slice") != "sluice.slice":
            fail(f"sluice-job-{fjob}.service is in {unit_prop(fjob, 'Slice')}")
        ok(f"the form's job {fjob} runs as sluice-job-{fjob}.service (active, in sluice.slice, systemctl show)")

        step("cancel from the page ends the unit, the job shows cancelled")
        wait_for(f"job {fjob} shown running", lambda: b.row_is(fjob, "running"))
        b.css(f'button[data-action="cancel"][data-job-id="{fjob}"]').click()
        confirm_if_asked(b)
        wait_for(f"job {fjob} shown done / cancelled", lambda: b.row_is(fjob, "done", "cancelled"))
        state = run("systemctl", "is-active", f"sluice-job-{fjob}.service", check=False)
        if state == "active":
            fail(f"sluice-job-{fjob}.service still active after the cancel")
        if job_prop(fjob, "Result") != "cancelled":
            fail(f"sluiced says job {fjob} ended {job_prop(fjob, 'Result')}")
        open_gate(gate3)
        ok(f"job {fjob} cancelled from the page: unit {state}, Result cancelled")

        step("pause / resume from the page hold and release the queue")
        # Scopes other scenarios of the suite left paused in this container's
        # sluiced (the crash scenario pauses resources and is killed at the
        # instant a Pause is answered) stay as they are; only ours change.
        others = paused_scopes()
        if "" in others or "class:web" in others:
            fail(f"the scopes this step pauses are paused already: Paused {sorted(others)}")
        control(b, "overview", "#sluice-pause-global").click()
        confirm_if_asked(b)
        wait_for("Paused = [\"\"] in sluiced", lambda: paused_scopes() == others | {""})
        held = submit("web", script="echo held")
        if job_prop(held, "State") != "queued":
            fail(f"job {held} submitted while paused is {job_prop(held, 'State')}")
        b.nav("jobs")
        wait_for(f"job {held} shown queued", lambda: b.row_is(held, "queued"))
        reason = job_prop(held, "WaitReason")
        ok(f"global pause from the page: job {held} stays queued ({reason})")
        control(b, "overview", "#sluice-resume-global").click()
        wait_for("Paused back as it was in sluiced", lambda: paused_scopes() == others)
        b.nav("jobs")
        wait_for(f"job {held} shown done / success", lambda: b.row_is(held, "done", "success"))
        ok(f"resume from the page: job {held} ran, success")
        control(b, "overview", 'button[data-action="pause-class"][data-class="web"]').click()
        wait_for('Paused = ["class:web"] in sluiced', lambda: paused_scopes() == others | {"class:web"})
        held2 = submit("web", script="echo held-too")
        if job_prop(held2, "State") != "queued":
            fail(f"job {held2} submitted while class web is paused is {job_prop(held2, 'State')}")
        control(b, "overview", 'button[data-action="resume-class"][data-class="web"]').click()
        wait_for("Paused back as it was in sluiced", lambda: paused_scopes() == others)
        if wait_for(f"job {held2} done", lambda: job_prop(held2, "State") == "done") and job_prop(held2, "Result") != "success":
            fail(f"job {held2} ended {job_prop(held2, 'Result')}")
        ok(f"class pause/resume from the page: job {held2} held, then ran")

        step("administrative access off and on again while the page is open: it follows, no reload")
        b.nav("overview")
        load_id = b.probe()["loadId"]
        b.limited_access()
        b.enter_frame()
        check_controls(b, MUTATING, available=False, who=f"{args.user} with limited access")
        check_no_reload(b, load_id, "the switch to limited access")
        b.shot("admin-limited.png")
        b.administrative_access(args.password)
        b.enter_frame()
        check_controls(b, MUTATING, available=True, who=f"{args.user} with administrative access")
        check_no_reload(b, load_id, "the switch back to administrative access")
        ok("the page followed administrative access off and on without a reload")

        step("no error in the browser console")
        b.write_console("console-admin.log")
        check_console(b)
        ok("the console has no error (console-admin.log)")
    except Exception:
        dump(b, "admin")
        raise
    finally:
        b.quit()
        open_all_gates()
        run("sluicectl", "resume", "", check=False)
        run("sluicectl", "resume", "class:web", check=False)


def control(b, view, sel):
    """The displayed, enabled element SEL of VIEW (navigated to by its tab)."""
    b.nav(view)

    def find():
        for e in b.csss(sel):
            if e.is_displayed() and e.is_enabled():
                return e
        return None
    el = wait_for(f"{sel} on the {view} view, enabled", find)
    b.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    return el


def control_state(b, sel):
    """(enabled, reason) of the displayed element SEL: the reason is its title
    or its nearest wrapper's (a disabled button gets no hover)."""
    el = next((e for e in b.csss(sel) if e.is_displayed()), None)
    if el is None:
        return None
    enabled = el.get_attribute("disabled") is None and el.get_attribute("aria-disabled") != "true"
    reason = (el.get_attribute("title") or "").strip() or b.d.execute_script(
        "let e = arguments[0]; while (e && !e.title) e = e.parentElement; return e ? e.title : ''", el).strip()
    return enabled, reason


def check_controls(b, controls, available, who, bound=BOUND):
    """Every (view, selector, what) of CONTROLS visibly unavailable with a
    reason (available=False) or enabled (available=True), waited for up to
    BOUND on each view (a change of access reaches the page through sluiced
    and polkit)."""
    for view in ("jobs", "overview", "schedules"):
        b.nav(view)
        if view == "jobs":
            # The form may open (to look at the classes and their
            # parameters); its Submit button is what must be unavailable.
            opener = wait_for("#sluice-open-submit", lambda: b.css("#sluice-open-submit"))
            if opener.is_enabled() and not next((e for e in b.csss("button#sluice-submit") if e.is_displayed()), None):
                opener.click()
        for v, sel, what in controls:
            if v != view:
                continue
            if available:
                wait_for(f"{sel} ({what}) on the {view} view enabled for {who}",
                         lambda sel=sel: (control_state(b, sel) or (False,))[0], bound=bound)
                ok(f"{what}: enabled")
            else:
                st = wait_for(f"{sel} ({what}) on the {view} view disabled with a reason for {who}",
                              lambda sel=sel: (lambda st: st if st and not st[0] and st[1] else None)(
                                  control_state(b, sel)), bound=bound)
                ok(f"{what}: disabled, \"{st[1]}\"")


def confirm_if_asked(b):
    """A confirmation dialog, if the page asks for one (button[data-action=confirm])."""
    time.sleep(0)
    for e in b.csss('button[data-action="confirm"]'):
        if e.is_displayed():
            e.click()


def check_console(b):
    errors = b.console_errors(("login", "shell", "sluice"))
    if errors:
        fail("browser console errors:\n" + "\n".join(f"  [{ph}] {e.get('source')}: {e.get('message')}" for ph, e in errors))


def dump(b, who):
    """On failure: the TOP-LEVEL page first (Cockpit's shell: screenshot, HTML,
    what its frames are), whatever state the shell is in (no frame, a login
    page, a dialog, a curtain), then the console, then the sluice frame's
    HTML if there is one."""
    def best_effort(what, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - best effort while failing
            say(f"(could not save {what}: {e.__class__.__name__}: {e})")
    b.d.switch_to.default_content()
    best_effort("the top-level screenshot", lambda: b.d.save_screenshot(os.path.join(b.out, f"failure-{who}-top.png")))

    def top_html():
        with open(os.path.join(b.out, f"failure-{who}-top.html"), "w") as f:
            f.write(b.d.page_source)
    best_effort("the top-level HTML", top_html)

    def shell_state():
        st = b.d.execute_script("""
            return { url: location.href,
                     frames: [...document.querySelectorAll('iframe')].map(f => ({
                         name: f.name, src: f.getAttribute('src'), loaded: f.getAttribute('data-loaded'),
                         shown: f.offsetParent !== null })),
                     access: (document.querySelector('#super-user-indicator') || {}).innerText || null,
                     login: !!document.getElementById('login-user-input'),
                     dialogs: [...document.querySelectorAll('.pf-c-modal-box')].map(d => d.innerText.slice(0, 300)),
                     text: document.body ? document.body.innerText.replace(/\s+/g, ' ').slice(0, 500) : '' };""")
        with open(os.path.join(b.out, f"failure-{who}-top.txt"), "w") as f:
            json.dump(st, f, indent=1)
        say(f"(the top-level page at the failure: {json.dumps(st)})")
    best_effort("the top-level state", shell_state)
    best_effort("the console log", lambda: b.write_console(f"console-{who}.log"))

    def frame_html():
        frames = b.d.find_elements(By.CSS_SELECTOR, f'iframe[name="{FRAME}"]')
        if not frames:
            say("(no sluice frame in the shell)")
            return
        b.d.switch_to.frame(frames[0])
        with open(os.path.join(b.out, f"failure-{who}.html"), "w") as f:
            f.write(b.d.page_source)
    best_effort("the sluice frame's HTML", frame_html)
    say(f"(failure: top-level screenshot, HTML and state, console log, frame source in {b.out})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("admin", "viewer", "screenshot", "bench", "login"))
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--out", default="/run/sluice-cockpit")
    ap.add_argument("--png")
    ap.add_argument("--path", default="")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", default="")
    ap.add_argument("--admin", action="store_true")
    ap.add_argument("--ready-file")
    ap.add_argument("--busy", action="store_true")
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=1000)
    args = ap.parse_args()
    try:
        {"admin": admin, "viewer": viewer, "screenshot": screenshot, "bench": bench,
         "login": login_only}[args.mode](args)
    except Failure as e:
        say(f"FAIL: {e}")
        return 1
    except WebDriverException as e:
        say(f"FAIL: the browser: {e.__class__.__name__}: {e.msg}")
        return 1
    return 0


def login_only(args):
    """The harness alone, on Cockpit's own pages: login, administrative access, console."""
    b = Browser(args.out)
    try:
        b.login(args.user, args.password, path=args.path or "system")
        b.administrative_access(args.password)
        b.shot("login.png", back_to_frame=False)
        b.write_console("console-login.log")
        check_console(b)
        ok("no console error")
    finally:
        b.quit()


# Every control that changes something, by view: (view, selector, what).
# The per-job cancel buttons are added for the jobs given with --jobs.
MUTATING = [
    ("jobs", "button#sluice-submit", "submit a job (the form's button)"),
    # The page shows pause or resume, as the scope's state asks: whichever is there.
    ("overview", "#sluice-pause-global, #sluice-resume-global", "pause / resume everything"),
    ("overview", "#sluice-reload", "reload the configuration"),
    ("overview", 'button[data-action="pause-class"][data-class="web"], '
                 'button[data-action="resume-class"][data-class="web"]', "pause / resume class web"),
    ("schedules", 'button[data-action="trigger"][data-schedule="web-nightly"]', "trigger schedule web-nightly"),
]

# The same changes, made through the user's own Cockpit D-Bus channel (the
# bridge of the session, cockpit.dbus as the page uses it): what sluiced does
# when a page does not grey a button out, or someone calls from the console.
CHANNEL_CALLS_JS = r"""
const [jobs, done] = [arguments[0], arguments[arguments.length - 1]];
const client = cockpit.dbus("org.sluice.Scheduler1", { bus: "system", superuser: "try" });
const M = ["/org/sluice/Scheduler1", "org.sluice.Scheduler1"];
const calls = [
    ["Submit", [...M, "Submit", ["web", { parameters: { t: "a{ss}", v: { script: "echo viewer" } } }]]],
    ["CancelJob", [...M, "CancelJob", [jobs[0]]]],
    ["Job.Cancel", ["/org/sluice/Scheduler1/job/" + jobs[1], "org.sluice.Scheduler1.Job", "Cancel", []]],
    ["Pause", [...M, "Pause", [""]]],
    ["Pause(class:web)", [...M, "Pause", ["class:web"]]],
    ["Reload", [...M, "Reload", []]],
    ["TriggerSchedule", [...M, "TriggerSchedule", ["web-nightly"]]],
];
(async () => {
    const out = {};
    for (const [name, args] of calls) {
        try {
            await client.call(...args);
            out[name] = { ok: true };
        } catch (e) {
            out[name] = { ok: false, name: e.name || "", message: e.message || String(e) };
        }
    }
    client.close();
    done(out);
})();
"""


def viewer(args):
    jobs = [int(j) for j in args.jobs.split(",")]
    b = Browser(args.out)
    try:
        step(f"login as {args.user} (no admin group)")
        paused_before = manager_prop("Paused")
        states_before = {j: job_prop(j, "State") for j in jobs}
        b.login(args.user, args.password)
        b.open_sluice("jobs")
        ok("the page is ready for the ordinary user")

        step("the ordinary user sees the jobs")
        for j in jobs:
            wait_for(f"job {j}'s row shown {states_before[j]}", lambda j=j: b.row_is(j, states_before[j]))
        ok(f"jobs {', '.join(map(str, jobs))} shown as sluiced has them: "
           + ", ".join(states_before[j] for j in jobs))
        b.shot("viewer-jobs.png")

        step("every mutating control is visibly unavailable, with the reason")
        controls = list(MUTATING) + [("jobs", f'button[data-action="cancel"][data-job-id="{j}"]', f"cancel job {j}")
                                     for j in jobs]
        check_controls(b, controls, available=False, who=args.user)
        b.nav("jobs")

        step("the same changes through the user's own Cockpit channel: polkit's no, from sluiced")
        b.d.set_script_timeout(BOUND)
        res = b.d.execute_async_script(CHANNEL_CALLS_JS, jobs)
        for name, r in res.items():
            if r["ok"]:
                fail(f"{name} by {args.user} through Cockpit succeeded")
            if r["name"] != "org.sluice.Error.NotPermitted" or "org.sluice." not in r["message"]:
                fail(f"{name} by {args.user}: {r['name']}: {r['message']} (expected org.sluice.Error.NotPermitted "
                     "naming the polkit action)")
            ok(f"{name}: {r['name']}: {r['message']}")

        step("nothing changed")
        if manager_prop("Paused") != paused_before:
            fail(f"Paused was {paused_before}, is {manager_prop('Paused')}")
        for j in jobs:
            if job_prop(j, "State") != states_before[j]:
                fail(f"job {j} was {states_before[j]}, is {job_prop(j, 'State')}")
            if not b.row_is(j, states_before[j]):
                fail(f"job {j}'s row no longer shows {states_before[j]}")
        ok(f"Paused {paused_before}; jobs " + ", ".join(f"{j} {states_before[j]}" for j in jobs))

        step("no error in the browser console")
        b.write_console("console-viewer.log")
        check_console(b)
        ok("the console has no error (console-viewer.log)")
    except Exception:
        dump(b, "viewer")
        raise
    finally:
        b.quit()


def screenshot(args):
    """A screenshot of the page (tools/demo.sh): logs in, with --admin takes
    administrative access, opens /sluice#/PATH, touches --ready-file once the
    page is ready (the demo starts its workload then), waits until the table
    shows at least one running and one queued job (--busy, bounded), shoots."""
    b = Browser(os.path.dirname(os.path.abspath(args.png)), width=args.width, height=args.height)
    try:
        b.login(args.user, args.password)
        if args.admin:
            b.administrative_access(args.password)
        b.open_sluice(args.path)
        if args.ready_file:
            open(args.ready_file, "w").close()
        if args.busy:
            b.nav("jobs")
            wait_for("a running and a queued job in the table",
                     lambda: b.csss('table#sluice-jobs tr[data-state="running"]')
                     and b.csss('table#sluice-jobs tr[data-state="queued"]'), interval=0.2)
            if args.path != "jobs":
                b.nav(args.path or "overview")
            # The queued rows' wait reasons are read once they are shown.
            time.sleep(1)
        b.d.switch_to.default_content()
        b.d.save_screenshot(args.png)
        ok(f"screenshot of /sluice#/{args.path} in {args.png}")
    finally:
        b.quit()


# Where the time to a usable table goes, in the frame's own clock (ms from its
# navigation start), in the order they happen: the browser's navigation timing
# (html: index.html received through cockpit-ws; scripts: DOMContentLoaded
# ended, i.e. cockpit.js, po.js and the page's modules loaded and run) and
# the page's own marks, window.sluiceTimings (cockpit/src/model.js mark():
# connect = the D-Bus channel opened, after cockpit.user() and Cockpit's
# superuser state are in; manager = the manager's properties read; jobs = the
# ListJobs() snapshot read; ready = the first render done).
MARKS = ("html", "scripts", "connect", "manager", "jobs", "ready")


def bench(args):
    """Time to a usable table: from the frame's navigation start to
    #sluice-app[data-state=ready] with the first page of rows in the DOM
    (timestamped in the page by the probe: performance.now() is relative to the
    frame's navigation start), then the time a click on a column header takes to
    re-sort the whole list (from the click to the first row changing). Next to
    them, where the time went: MARKS. Each run reloads the sluice frame, not
    Cockpit's shell."""
    b = Browser(args.out, top_probe=True)
    try:
        b.login(args.user, args.password)
        b.administrative_access(args.password)
        b.open_sluice("jobs")
        results = []
        for i in range(args.runs):
            # A fresh load of the page: its frame reloaded, Cockpit's shell and
            # session kept. Not a reload of the shell: on a loaded machine that
            # can outlast cockpit-ws's 15 s idle timeout of a session with no
            # WebSocket and land on the login page (docs/cockpit.md; it stalled
            # this benchmark at load 30). The figures count from the frame's
            # navigation start either way.
            old = b.probe()["loadId"]
            b.d.execute_script("window.location.reload()")

            def fresh():
                try:
                    b.enter_frame()
                    p = b.d.execute_script("return window.__sluiceProbe || null")
                except WebDriverException:      # the frame between two documents
                    return None
                return p if p and p["loadId"] != old and p["rowsAt"] else None
            wait_for("the reloaded frame with rows in its table", fresh, interval=0.2)
            t = b.d.execute_script("""
                const p = window.__sluiceProbe;
                const nav = performance.getEntriesByType('navigation')[0];
                return { ready: p.readyAt, rows: p.rowsAt, late: p.readyBeforeProbe,
                         count: document.querySelectorAll('table#sluice-jobs tr[data-job-id]').length,
                         total: (document.getElementById('sluice-jobs-count') || {}).textContent || '',
                         marks: Object.assign(nav ? { html: Math.round(nav.responseEnd),
                                                      scripts: Math.round(nav.domContentLoadedEventEnd) } : {},
                                              window.sluiceTimings || {}) };""")
            sort = b.d.execute_async_script("""
                const done = arguments[arguments.length - 1];
                const first = () => { const r = document.querySelector('table#sluice-jobs tr[data-job-id]');
                                      return r ? r.dataset.jobId : null; };
                const before = first();
                const th = document.querySelector('th[data-sort="Id"] button');
                const t0 = performance.now();
                const obs = new MutationObserver(() => {
                    if (first() !== before) { obs.disconnect(); done(performance.now() - t0); }
                });
                obs.observe(document.getElementById('sluice-jobs'), { subtree: true, childList: true, attributes: true });
                th.click();
                setTimeout(() => { obs.disconnect(); done(-1); }, 60000);""")
            if t["late"]:
                fail("the page was ready before the probe was in: no figure for this run")
            marks = {k: t["marks"][k] for k in MARKS if k in t["marks"]}
            say(f"run {i + 1}: ready {t['ready']:.0f} ms, first rows {t['rows']:.0f} ms, "
                f"{t['count']} rows in the DOM ({t['total'].strip()}), re-sort by id {sort:.0f} ms; "
                "the page's marks (ms from the frame's navigation start): "
                + ", ".join(f"{k} {v}" for k, v in marks.items()))
            results.append((t["rows"], sort, t["count"], marks))
        rows = [r[0] for r in results]
        sorts = [r[1] for r in results]
        print(json.dumps({"runs": len(results), "rows_ms": rows, "sort_ms": sorts,
                          "median_rows_ms": statistics.median(rows), "median_sort_ms": statistics.median(sorts),
                          "marks_ms": [r[3] for r in results],
                          "median_marks_ms": {k: statistics.median(r[3][k] for r in results)
                                              for k in MARKS if all(k in r[3] for r in results)},
                          "dom_rows": results[-1][2]}), flush=True)
        check_console(b)
    finally:
        b.quit()


if __name__ == "__main__":
    sys.exit(main())

// SPDX-License-Identifier: LGPL-2.1-or-later
// The submit form's per-class permissions (submit.js ClassPermissions)
// against a fake GetPermissionsFor (fault injection: the test answers,
// fails or delays each call):
// - one question per class, with details {class: NAME}, asked once;
// - a class polkit says "no" to is refused with a reason naming the
//   action and the class, one it says "yes" to is not;
// - forget() (permissions re-read) asks again and ignores the earlier reply;
// - an older sluiced (UnknownMethod) falls back to the class-less reason
//   and is asked nothing more; any other error is "unknown", not a refusal.
// Run: node cockpit/tests/test-class-permissions.mjs cockpit/src   (exit 0 = pass)
import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";

const src = path.resolve(process.argv[2] || "cockpit/src");

globalThis.cockpit = {
    gettext: s => s,
    noop: s => s,
    format: (fmt, ...args) => fmt.replace(/\$(\d)/g, (m, i) => String(args[Number(i)])),
};
const { ClassPermissions } = await import(pathToFileURL(path.join(src, "submit.js")).href);

function fake() {
    const calls = [];
    const call = (method, args) => new Promise((resolve, reject) => calls.push({ method, args, resolve, reject }));
    return { calls, call };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0));
const perms = submit => [{ "org.sluice.submit": submit, "org.sluice.configure": "no" }];

// One question per class, asked once, nothing refused while it is out.
{
    const f = fake();
    let answers = 0;
    const cp = new ClassPermissions(f.call, () => answers++);
    assert.equal(cp.submitRefusal("backup", "global no"), null);
    assert.equal(cp.submitRefusal("backup", "global no"), null);
    assert.equal(f.calls.length, 1);
    assert.equal(f.calls[0].method, "GetPermissionsFor");
    assert.deepEqual(f.calls[0].args, [{ class: "backup" }]);
    assert.equal(cp.submitRefusal("gc", "global no"), null);
    assert.equal(f.calls.length, 2);
    assert.deepEqual(f.calls[1].args, [{ class: "gc" }]);

    // A rule grants submit for backup only: the class-less "no" does not count.
    f.calls[0].resolve(perms("yes"));
    f.calls[1].resolve(perms("no"));
    await tick();
    assert.equal(answers, 2);
    assert.equal(cp.submitRefusal("backup", "global no"), null);
    assert.equal(cp.submitRefusal("gc", "global no"),
                 "Not permitted: polkit refuses org.sluice.submit for class gc to you");
    assert.equal(f.calls.length, 2, "answers are kept");

    // "challenge" is not a refusal (sluiced asks when the user submits).
    cp.submitRefusal("once", null);
    f.calls[2].resolve(perms("challenge"));
    await tick();
    assert.equal(cp.submitRefusal("once", "global no"), null);
}

// forget(): asked again; a reply to the earlier question is ignored.
{
    const f = fake();
    let answers = 0;
    const cp = new ClassPermissions(f.call, () => answers++);
    cp.submitRefusal("gc", null);
    cp.forget();
    assert.equal(cp.submitRefusal("gc", null), null);
    assert.equal(f.calls.length, 2, "asked again after forget()");
    f.calls[0].resolve(perms("no"));        // the old channel's answer, before the change
    await tick();
    assert.equal(answers, 0);
    assert.equal(cp.submitRefusal("gc", null), null);
    f.calls[1].resolve(perms("yes"));
    await tick();
    assert.equal(answers, 1);
    assert.equal(cp.submitRefusal("gc", null), null);
    cp.forget();
    cp.submitRefusal("gc", null);
    f.calls[2].resolve(perms("no"));
    await tick();
    assert.match(cp.submitRefusal("gc", null), /class gc/);
}

// An older sluiced: the class-less reason, and no more questions.
{
    const f = fake();
    const cp = new ClassPermissions(f.call, () => {});
    cp.submitRefusal("gc", "global no");
    f.calls[0].reject({ name: "org.freedesktop.DBus.Error.UnknownMethod", message: "no such method" });
    await tick();
    assert.equal(cp.submitRefusal("gc", "global no"), "global no");
    assert.equal(cp.submitRefusal("backup", null), null);
    assert.equal(f.calls.length, 1);
}

// Another error (the class went away, polkit overloaded): unknown, not refused.
{
    const f = fake();
    const cp = new ClassPermissions(f.call, () => {});
    const saved = console.info;
    console.info = () => {};
    cp.submitRefusal("gone", "global no");
    f.calls[0].reject({ name: "org.sluice.Error.NoSuchClass", message: "details.class: no class named \"gone\"" });
    await tick();
    console.info = saved;
    assert.equal(cp.submitRefusal("gone", "global no"), null);
    cp.submitRefusal("gc", null);
    assert.equal(f.calls.length, 2, "still asks for other classes");
}

console.log("test-class-permissions: ok");

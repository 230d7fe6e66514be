// SPDX-License-Identifier: LGPL-2.1-or-later
// The page's model against a fake cockpit.dbus client (fault injection: the
// order in which replies and signals arrive is the test's to choose):
// - the jobs come from one ListJobs() and stay live by InterfacesAdded,
//   InterfacesRemoved and PropertiesChanged;
// - signals that arrive before ListJobs' reply are dropped (the snapshot
//   holds them), those after are applied;
// - the manager's properties come from GetAll and follow PropertiesChanged;
// - a restarted sluiced (a new owner of the name) is read again;
// - reopen() (administrative access changed) reads everything through a new
//   channel and ignores the old one;
// - the page never calls anything periodically for the job list.
// Run: node cockpit/tests/test-model.mjs cockpit/src   (exit 0 = pass)
import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";

const src = path.resolve(process.argv[2] || "cockpit/src");
const M = "/org/sluice/Scheduler1";

function deferred() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej });
    return { promise, resolve, reject };
}

class FakeClient {
    constructor() {
        this.subs = [];
        this.calls = [];
        this.listeners = {};
    }

    addEventListener(ev, fn) {
        (this.listeners[ev] ||= []).push(fn);
    }

    emitEvent(ev, ...args) {
        for (const fn of this.listeners[ev] || [])
            fn({ type: ev }, ...args);
    }

    subscribe(match, fn) {
        this.subs.push({ match, fn });
        return { remove() {} };
    }

    close() {
        this.closed = true;
        this.emitEvent("close", {});
    }

    call(p, iface, method, args) {
        const d = deferred();
        this.calls.push({ path: p, iface, method, args, d });
        return d.promise;
    }

    pending(method) {
        return this.calls.filter(c => c.method === method && !c.answered);
    }

    answer(method, value) {
        const c = this.pending(method)[0];
        assert.ok(c, "a pending " + method + " call");
        c.answered = true;
        c.d.resolve(value);
    }

    signal(p, iface, member, args) {
        for (const { match, fn } of this.subs) {
            if (match.interface && match.interface !== iface)
                continue;
            if (match.member && match.member !== member)
                continue;
            if (match.path && match.path !== p)
                continue;
            if (match.path_namespace && !(p === match.path_namespace || p.startsWith(match.path_namespace + "/")))
                continue;
            fn(p, iface, member, args);
        }
    }
}

const v = (t, value) => ({ t, v: value });
const jobPath = id => M + "/job/" + id;
const tick = () => new Promise(resolve => setImmediate(resolve));

let client;
const intervals = [];
globalThis.window = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    setInterval: (fn, ms) => { intervals.push(ms); return 0 },
    clearTimeout,
};
globalThis.performance ||= { now: () => Date.now() };
globalThis.cockpit = {
    gettext: s => s,
    format: (f, ...a) => f.replace(/\$(\d)/g, (m, i) => String(a[i])),
    dbus: () => client,
    file: () => ({ read: () => Promise.resolve("root:x:0:0::/root:/bin/sh\n") }),
    message: o => o.problem,
    variant: v,
};

const { Model } = await import(pathToFileURL(path.join(src, "model.js")).href);

async function connected() {
    client = new FakeClient();
    const model = new Model();
    const done = model.connect();
    await tick();
    return { model, done };
}

// 1. snapshot + signals, in the order the bus delivers them
{
    const { model, done } = await connected();
    assert.ok(client.subs.some(s => s.match.member === "InterfacesAdded"), "subscribed to InterfacesAdded before the snapshot");
    assert.ok(client.subs.some(s => s.match.member === "PropertiesChanged"), "subscribed to PropertiesChanged before the snapshot");
    assert.equal(client.pending("ListJobs").length, 1, "one ListJobs call");

    // Before the reply: the snapshot will hold these, they must not count twice or undo it.
    client.signal(M, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                  [jobPath(3), { "org.sluice.Scheduler1.Job": { Id: v("t", 3), State: v("s", "queued"), Class: v("s", "gc") } }]);
    client.signal(jobPath(1), "org.freedesktop.DBus.Properties", "PropertiesChanged",
                  ["org.sluice.Scheduler1.Job", { State: v("s", "queued") }, []]);

    client.answer("GetAll", [{ RunningJobs: v("u", 1), QueuedJobs: v("u", 1), MaxRunning: v("u", 4), Paused: v("as", []) }]);
    client.answer("ListJobs", [[
        [1, "backup", "running", "", 0, 1000, 111, jobPath(1)],
        [2, "gc", "queued", "", 0, 0, 222, jobPath(2)],
    ]]);
    await done;
    assert.equal(model.ready, true);
    assert.deepEqual([...model.jobs.keys()], [1, 2], "the snapshot, without the earlier InterfacesAdded");
    assert.equal(model.jobs.get(1).State, "running", "the earlier PropertiesChanged does not undo the snapshot");
    assert.equal(model.manager.RunningJobs, 1);

    // After the reply: applied.
    client.signal(M, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                  [jobPath(4), { "org.sluice.Scheduler1.Job": { Id: v("t", 4), State: v("s", "running"), Class: v("s", "gc"), Description: v("s", "d") } }]);
    assert.equal(model.jobs.get(4).State, "running", "a new job, born running");
    assert.equal(model.jobs.get(4)._full, true, "InterfacesAdded carries every property");
    client.signal(jobPath(1), "org.freedesktop.DBus.Properties", "PropertiesChanged",
                  ["org.sluice.Scheduler1.Job", { State: v("s", "done"), Result: v("s", "success") }, []]);
    assert.equal(model.jobs.get(1).State, "done");
    assert.equal(model.jobs.get(1).Result, "success");
    assert.equal(model.jobs.get(1).Class, "backup", "a change keeps the other fields");
    client.signal(M, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", [jobPath(2), ["org.sluice.Scheduler1.Job"]]);
    assert.equal(model.jobs.has(2), false, "InterfacesRemoved drops the job");
    client.signal(M, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", [jobPath(4), ["org.freedesktop.DBus.Peer"]]);
    assert.equal(model.jobs.has(4), true, "another interface's removal keeps the job");
    client.signal(jobPath(99), "org.freedesktop.DBus.Properties", "PropertiesChanged",
                  ["org.sluice.Scheduler1.Job", { State: v("s", "done") }, []]);
    assert.equal(model.jobs.has(99), false, "a change of an unknown job adds nothing");

    // The manager follows its PropertiesChanged.
    client.signal(M, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                  ["org.sluice.Scheduler1", { Paused: v("as", ["class:gc"]), RunningJobs: v("u", 0) }, []]);
    assert.deepEqual(model.manager.Paused, ["class:gc"]);
    assert.equal(model.manager.RunningJobs, 0);
    assert.equal(model.manager.MaxRunning, 4, "unchanged properties stay");

    // GetPermissions answered: a "no" is a reason, "yes"/"challenge" none.
    client.answer("GetPermissions", [{ "org.sluice.manage-jobs": "no", "org.sluice.submit": "challenge" }]);
    await tick();
    assert.match(model.permission("org.sluice.manage-jobs"), /org\.sluice\.manage-jobs/);
    assert.equal(model.permission("org.sluice.submit"), null);

    // Jobs are never read periodically: no ListJobs/GetManagedObjects but the one.
    assert.equal(client.calls.filter(c => c.method === "ListJobs").length, 1);
    assert.equal(client.calls.filter(c => c.method === "GetManagedObjects").length, 0);
    assert.ok(intervals.every(ms => ms >= 1000), "only the plots' sampling timer");

    // 2. sluiced restarts: its jobs come back without InterfacesAdded; read again.
    client.emitEvent("owner", null);
    assert.ok(model.error, "a vanished sluiced is said");
    client.emitEvent("owner", ":1.99");
    assert.equal(model.error, null);
    assert.equal(client.pending("ListJobs").length, 1, "ListJobs again after the restart");
    client.answer("GetAll", [{ RunningJobs: v("u", 0), QueuedJobs: v("u", 1) }]);
    client.answer("ListJobs", [[[7, "gc", "queued", "", 0, 0, 333, jobPath(7)]]]);
    await tick();
    assert.deepEqual([...model.jobs.keys()], [7], "the restarted sluiced's jobs");
}

// 3. GetPermissions missing (an older sluiced): nothing is greyed out.
{
    const { model, done } = await connected();
    client.answer("GetAll", [{}]);
    client.answer("ListJobs", [[]]);
    await done;
    const c = client.pending("GetPermissions")[0];
    c.answered = true;
    c.d.reject(Object.assign(new Error("Unknown method"), { name: "org.freedesktop.DBus.Error.UnknownMethod" }));
    await tick();
    assert.equal(model.permission("org.sluice.manage-jobs"), null);
}

// 4. Administrative access changed (app.js follows cockpit.Superuser): reopen()
// opens a new channel, reads everything and the permissions again, and the
// old channel's signals no longer count.
{
    const { model, done } = await connected();
    client.answer("GetAll", [{ Paused: v("as", []) }]);
    client.answer("ListJobs", [[[1, "gc", "queued", "", 0, 0, 111, jobPath(1)]]]);
    await done;
    client.answer("GetPermissions", [{ "org.sluice.manage-jobs": "yes" }]);
    await tick();
    assert.equal(model.permission("org.sluice.manage-jobs"), null);

    const old = client;
    client = new FakeClient();
    const reopened = model.reopen();
    assert.equal(old.closed, true, "the old channel is closed");
    assert.equal(model.error, null, "closing it ourselves is no error");
    assert.ok(client.subs.some(s => s.match.member === "PropertiesChanged"), "the new channel subscribes");
    client.answer("GetAll", [{ Paused: v("as", [""]) }]);
    client.answer("ListJobs", [[[1, "gc", "running", "", 0, 0, 111, jobPath(1)]]]);
    await tick();
    client.answer("GetPermissions", [{ "org.sluice.manage-jobs": "no" }]);
    await reopened;
    assert.match(model.permission("org.sluice.manage-jobs"), /polkit/, "the permissions of the new access");
    assert.deepEqual(model.manager.Paused, [""], "the manager read again");
    assert.equal(model.jobs.get(1).State, "running", "the jobs read again");
    old.signal(jobPath(1), "org.freedesktop.DBus.Properties", "PropertiesChanged",
               ["org.sluice.Scheduler1.Job", { State: v("s", "done") }, []]);
    assert.equal(model.jobs.get(1).State, "running", "the old channel's signals are ignored");
    client.signal(jobPath(1), "org.freedesktop.DBus.Properties", "PropertiesChanged",
                  ["org.sluice.Scheduler1.Job", { State: v("s", "done") }, []]);
    assert.equal(model.jobs.get(1).State, "done", "the new channel's signals are applied");
}

console.log("test-model: ok");
process.exit(0);

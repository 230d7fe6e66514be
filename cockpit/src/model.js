// SPDX-License-Identifier: LGPL-2.1-or-later
// What the page knows about sluiced, kept live from the bus: the manager's
// properties, one proxy per job (the ObjectManager view: InterfacesAdded /
// InterfacesRemoved / PropertiesChanged), the caller's permissions and a few
// samples taken while the page is open. Nothing here polls the job list.
/* global cockpit */

export const BUS_NAME = "org.sluice.Scheduler1";
export const MANAGER_PATH = "/org/sluice/Scheduler1";
export const MANAGER_IFACE = "org.sluice.Scheduler1";
export const JOB_IFACE = "org.sluice.Scheduler1.Job";

/** How many samples the over-time plots keep (one per SAMPLE_MS at most). */
const SAMPLES_MAX = 360;
const SAMPLE_MS = 5000;

/**
 * Model - the live state and the calls that change it.
 *
 * Listeners get model.on("changed", fn(what)) with what = {jobs: Set of ids
 * that changed (or null for "many"), manager: bool, permissions: bool}.
 * A signal costs O(1) here: it updates one entry and marks it changed; the
 * page renders at most once per RENDER_MS.
 */
export class Model {
    constructor() {
        this.client = null;
        this.manager = null;
        this.jobs = new Map(); // id (number) → proxy
        this.permissions = null; // {action: "yes"|"challenge"|"no"} or null (unknown)
        this.users = new Map(); // uid → login name
        this.ready = false;
        this.error = null;
        this.samples = []; // {t, running, max, queued, finished: {result: n}}
        this.finishedSinceOpen = {}; // result → count, from JobChanged
        this.listeners = [];
        this.pending = { jobs: new Set(), manager: false, permissions: false, many: false };
        this.renderTimer = null;
        this.sampleTimer = null;
    }

    on(fn) {
        this.listeners.push(fn);
    }

    /** Mark something changed and render soon (coalesced). */
    changed(kind, id) {
        if (kind === "job")
            this.pending.jobs.add(id);
        else if (kind === "many")
            this.pending.many = true;
        else
            this.pending[kind] = true;
        if (this.renderTimer === null)
            this.renderTimer = window.setTimeout(() => this.flush(), 50);
    }

    flush() {
        this.renderTimer = null;
        const what = {
            jobs: this.pending.many ? null : this.pending.jobs,
            manager: this.pending.manager || this.pending.many,
            permissions: this.pending.permissions || this.pending.many,
        };
        this.pending = { jobs: new Set(), manager: false, permissions: false, many: false };
        for (const fn of this.listeners)
            fn(what);
    }

    /**
     * connect() - open the bus connection, read everything once and follow
     * it. Resolves when the first full set of jobs and the manager's
     * properties are in.
     */
    async connect() {
        this.client = cockpit.dbus(BUS_NAME, { bus: "system", superuser: "try" });
        this.client.addEventListener("close", (event, options) => {
            this.error = options?.problem ? cockpit.message(options) : null;
            this.changed("many");
        });
        this.client.addEventListener("owner", (event, owner) => {
            // sluiced restarted: its jobs come back without InterfacesAdded
            // (docs/dbus-api.md, Signals); the cache re-reads them.
            if (owner)
                this.refreshPermissions();
        });

        this.manager = this.client.proxy(MANAGER_IFACE, MANAGER_PATH);
        this.manager.addEventListener("changed", () => {
            this.sample();
            this.changed("manager");
        });

        const jobs = this.client.proxies(JOB_IFACE, MANAGER_PATH);
        jobs.addEventListener("added", (event, proxy) => this.jobAdded(proxy));
        jobs.addEventListener("changed", (event, proxy) => this.jobChanged(proxy));
        jobs.addEventListener("removed", (event, proxy) => this.jobRemoved(proxy));

        this.client.subscribe({ interface: MANAGER_IFACE, path: MANAGER_PATH, member: "JobChanged" },
                              (path, iface, signal, args) => this.countFinished(args[2], args[3]));
        this.client.subscribe({ interface: MANAGER_IFACE, path: MANAGER_PATH, member: "ConfigChanged" },
                              () => this.changed("manager"));

        await Promise.all([this.manager.wait(), jobs.wait()]);
        if (!this.manager.valid)
            throw new Error(cockpit.format(cockpit.gettext("$0 is not available on the system bus"), BUS_NAME));
        for (const path in jobs) {
            if (jobs[path]?.iface === JOB_IFACE)
                this.jobAdded(jobs[path]);
        }
        this.ready = true;
        this.sample();
        this.sampleTimer = window.setInterval(() => this.sample(true), SAMPLE_MS);
        this.refreshPermissions();
        this.loadUsers();
        this.changed("many");
    }

    static jobId(proxy) {
        if (typeof proxy.Id === "number")
            return proxy.Id;
        return Number(proxy.path.slice(proxy.path.lastIndexOf("/") + 1));
    }

    jobAdded(proxy) {
        const id = Model.jobId(proxy);
        this.jobs.set(id, proxy);
        this.changed("job", id);
    }

    jobChanged(proxy) {
        const id = Model.jobId(proxy);
        if (!this.jobs.has(id))
            this.jobs.set(id, proxy);
        this.changed("job", id);
    }

    jobRemoved(proxy) {
        const id = Model.jobId(proxy);
        this.jobs.delete(id);
        this.changed("job", id);
    }

    countFinished(state, result) {
        if (state !== "done")
            return;
        this.finishedSinceOpen[result] = (this.finishedSinceOpen[result] || 0) + 1;
        this.changed("manager");
    }

    /**
     * sample() - remember running/queued against the global limit and the
     * finished counts now, for the over-time plots. Taken on every change of
     * the manager's properties and every SAMPLE_MS (no bus call: the values
     * are the ones the signals brought).
     */
    sample(tick) {
        const m = this.manager;
        if (!m?.valid)
            return;
        const now = Date.now();
        const last = this.samples[this.samples.length - 1];
        const s = {
            t: now,
            running: m.RunningJobs ?? 0,
            queued: m.QueuedJobs ?? 0,
            max: m.MaxRunning ?? 0,
            finished: { ...this.finishedSinceOpen },
        };
        if (last && now - last.t < SAMPLE_MS && !tick)
            this.samples[this.samples.length - 1] = { ...s, t: last.t };
        else
            this.samples.push(s);
        if (this.samples.length > SAMPLES_MAX)
            this.samples.shift();
        if (tick)
            this.changed("manager");
    }

    /** refreshPermissions() - ask sluiced what this user may do. */
    async refreshPermissions() {
        try {
            const [perms] = await this.client.call(MANAGER_PATH, MANAGER_IFACE, "GetPermissions", []);
            this.permissions = perms;
        } catch (e) {
            // An older sluiced without GetPermissions: unknown, so nothing
            // is greyed out and sluiced's refusal tells.
            console.info("GetPermissions:", e.message);
            this.permissions = null;
        }
        this.changed("permissions");
    }

    /** loadUsers() - login names for the owner column (read-only /etc/passwd). */
    async loadUsers() {
        try {
            const text = await cockpit.file("/etc/passwd").read();
            for (const line of (text || "").split("\n")) {
                const f = line.split(":");
                if (f.length > 2)
                    this.users.set(Number(f[2]), f[0]);
            }
            this.changed("many");
        } catch (e) {
            console.info("users:", e.message);
        }
    }

    /**
     * permission() - null when the user may try @action, else why not.
     */
    permission(action) {
        const p = this.permissions?.[action];
        if (p === "no")
            return cockpit.format(cockpit.gettext("Not permitted: polkit refuses $0 to you"), action);
        return null;
    }

    /** call() - a method of the manager; rejects with the D-Bus error. */
    call(method, args) {
        return this.client.call(MANAGER_PATH, MANAGER_IFACE, method, args);
    }

    /** jobCall() - a method of a job object. */
    jobCall(id, method, args) {
        return this.client.call(MANAGER_PATH + "/job/" + id, JOB_IFACE, method, args);
    }

    /** jobWaitInfo() - a queued job's Position and WaitReason, read now (never signalled). */
    async jobWaitInfo(id) {
        const [props] = await this.client.call(MANAGER_PATH + "/job/" + id, "org.freedesktop.DBus.Properties",
                                               "GetAll", [JOB_IFACE]);
        return { Position: props.Position?.v, WaitReason: props.WaitReason?.v };
    }

    /** statistics() - the Statistics property, read on demand (it is not signalled). */
    async statistics() {
        const [value] = await this.client.call(MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
                                               [MANAGER_IFACE, "Statistics"]);
        return value.v;
    }
}

/**
 * unwrap() - a{sv} as cockpit.js gives it ({key: {t, v}}) → {key: v}.
 */
export function unwrap(dict) {
    const out = {};
    for (const [k, v] of Object.entries(dict || {}))
        out[k] = v && typeof v === "object" && "v" in v ? v.v : v;
    return out;
}

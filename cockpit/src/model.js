// SPDX-License-Identifier: LGPL-2.1-or-later
// What the page knows about sluiced, kept live from the bus: the manager's
// properties (GetAll, then its PropertiesChanged), the jobs (a ListJobs() snapshot kept live
// by the ObjectManager's InterfacesAdded / InterfacesRemoved and the jobs'
// PropertiesChanged), the caller's permissions and a few samples taken while
// the page is open. Nothing here polls the job list.
/* global cockpit */

/**
 * mark() - note when a step of the start happened (ms since navigation) in
 * window.sluiceTimings: the 10 000-job benchmark reads them.
 */
export function mark(step) {
    window.sluiceTimings = window.sluiceTimings || {};
    window.sluiceTimings[step] = Math.round(performance.now());
}

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
        this.manager = null; // {property: value, valid: true}
        this.loadingManager = false;
        this.jobs = new Map(); // id (number) → {property: value} (ListJobs' fields; all after jobDetails())
        this.loadingJobs = false;
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
        this.open();
        mark("connect");
        await Promise.all([this.loadManager().then(() => mark("manager")), this.loadJobs().then(() => mark("jobs"))]);
        this.ready = true;
        this.sample();
        this.sampleTimer = window.setInterval(() => this.sample(true), SAMPLE_MS);
        this.refreshPermissions();
        this.loadUsers();
        this.changed("many");
    }

    /**
     * reopen() - close the D-Bus channel and open a new one, then read the
     * manager, the jobs and the permissions again. For a change of Cockpit's
     * administrative access: a channel with superuser "try" is bound to the
     * bridge (the user's or root's) when it is opened, so only a new channel
     * talks to sluiced with the access of now (docs/cockpit.md). The page
     * is not reloaded: the views keep their state and render the new data.
     */
    async reopen() {
        if (!this.client)
            return;
        this.open();
        this.error = null;
        await Promise.all([this.loadManager(), this.loadJobs()]);
        await this.refreshPermissions();
    }

    /**
     * open() - a new channel to sluiced with the page's subscriptions; the
     * old one, if any, is closed and its events ignored from then on.
     */
    open() {
        const old = this.client;
        const client = this.client = cockpit.dbus(BUS_NAME, { bus: "system", superuser: "try" });
        if (old)
            old.close();
        const mine = fn => (...args) => {
            if (this.client === client)
                fn(...args);
        };
        client.addEventListener("close", mine((event, options) => {
            this.error = options?.problem ? cockpit.message(options) : null;
            this.changed("many");
        }));
        client.addEventListener("owner", mine((event, owner) => {
            // sluiced (re)started: its jobs come back without InterfacesAdded
            // (docs/dbus-api.md, Signals): read them again.
            if (owner === null && this.ready) {
                this.error = cockpit.gettext("sluiced stopped; the page follows it again when it is back");
                this.changed("many");
            }
            if (owner && this.ready) {
                this.error = null;
                this.loadManager().catch(e => console.info("GetAll:", e.message));
                this.loadJobs().catch(e => console.info("ListJobs:", e.message));
                this.refreshPermissions();
            }
        }));

        // The jobs: one ListJobs() for the snapshot, then the ObjectManager's
        // InterfacesAdded/InterfacesRemoved and the jobs' PropertiesChanged
        // (docs/cockpit.md, "Live without polling": cockpit.js's proxies()
        // reads every property of every job and took 15 times as long).
        const ns = { path_namespace: MANAGER_PATH };
        client.subscribe({ ...ns, interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesAdded" },
                         mine((path, iface, signal, args) => this.interfacesAdded(args[0], args[1])));
        client.subscribe({ ...ns, interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesRemoved" },
                         mine((path, iface, signal, args) => this.interfacesRemoved(args[0], args[1])));
        client.subscribe({ ...ns, interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged" },
                         mine((path, iface, signal, args) => this.propertiesChanged(path, args[0], args[1])));
        client.subscribe({ interface: MANAGER_IFACE, path: MANAGER_PATH, member: "JobChanged" },
                         mine((path, iface, signal, args) => this.countFinished(args[2], args[3])));
        client.subscribe({ interface: MANAGER_IFACE, path: MANAGER_PATH, member: "ConfigChanged" },
                         mine(() => this.changed("manager")));
    }

    /**
     * loadManager() - the manager's properties (GetAll), then kept by its
     * PropertiesChanged. Not a cockpit.js proxy: watching the manager's path
     * makes cockpit-bridge read the whole ObjectManager (every job's every
     * property) into its cache, which at 10 000 jobs held up everything
     * else on the connection for seconds.
     */
    async loadManager() {
        this.loadingManager = true;
        try {
            const [props] = await this.client.call(MANAGER_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                                                   [MANAGER_IFACE], { type: "s" });
            const manager = { valid: true };
            for (const [k, v] of Object.entries(props))
                manager[k] = v?.v ?? v;
            this.manager = manager;
        } finally {
            this.loadingManager = false;
        }
        this.sample();
        this.changed("manager");
    }

    /**
     * loadJobs() - the snapshot of the jobs on the bus, one ListJobs() call.
     * Signals that arrive before its reply describe changes the snapshot
     * already holds (the bus keeps one sender's messages in order): they
     * are dropped; those after it are applied.
     */
    async loadJobs() {
        this.loadingJobs = true;
        try {
            const [rows] = await this.client.call(MANAGER_PATH, MANAGER_IFACE, "ListJobs", [{}], { type: "a{sv}" });
            const jobs = new Map();
            for (const [id, cls, state, result, priority, owner, submitted, path] of rows) {
                jobs.set(id, {
                    Id: id, Class: cls, State: state, Result: result, Priority: priority,
                    Owner: owner, SubmittedAt: submitted, path,
                });
            }
            this.jobs = jobs;
        } finally {
            this.loadingJobs = false;
        }
        this.changed("many");
    }

    static idOf(path) {
        const prefix = MANAGER_PATH + "/job/";
        return path.startsWith(prefix) ? Number(path.slice(prefix.length)) : null;
    }

    interfacesAdded(path, ifaces) {
        const id = Model.idOf(path);
        const props = ifaces?.[JOB_IFACE];
        if (id === null || !props || this.loadingJobs)
            return;
        const job = { path, _full: true };
        for (const [k, v] of Object.entries(props))
            job[k] = v?.v ?? v;
        job.Id = id;
        this.jobs.set(id, job);
        this.changed("job", id);
    }

    interfacesRemoved(path, ifaces) {
        const id = Model.idOf(path);
        if (id === null || !ifaces?.includes(JOB_IFACE) || this.loadingJobs)
            return;
        this.jobs.delete(id);
        this.changed("job", id);
    }

    propertiesChanged(path, iface, changed) {
        if (path === MANAGER_PATH && iface === MANAGER_IFACE) {
            if (this.loadingManager || !this.manager?.valid)
                return;
            for (const [k, v] of Object.entries(changed || {}))
                this.manager[k] = v?.v ?? v;
            this.sample();
            this.changed("manager");
            return;
        }
        if (iface !== JOB_IFACE || this.loadingJobs)
            return;
        const job = this.jobs.get(Model.idOf(path));
        if (!job)
            return;
        for (const [k, v] of Object.entries(changed || {}))
            job[k] = v?.v ?? v;
        this.changed("job", job.Id);
    }

    /**
     * jobDetails() - every property of a job on the bus (GetAll), merged
     * into its entry; the table asks for the rows it shows, the job page for
     * its job. Position and WaitReason are computed when read (never
     * signalled), so this is also how they are refreshed.
     */
    async jobDetails(id) {
        const [props] = await this.client.call(MANAGER_PATH + "/job/" + id, "org.freedesktop.DBus.Properties",
                                               "GetAll", [JOB_IFACE], { type: "s" });
        const job = this.jobs.get(id);
        if (!job)
            return null;
        for (const [k, v] of Object.entries(props))
            job[k] = v?.v ?? v;
        job._full = true;
        return job;
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

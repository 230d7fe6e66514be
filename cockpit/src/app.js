// SPDX-License-Identifier: LGPL-2.1-or-later
// sluice's Cockpit page: layout, routing (cockpit.location) and the render
// loop. The views are in their own modules.
/* global cockpit */
import { h, replaceChildren, setText } from "./dom.js";
import { followTheme } from "./theme.js";
import { Model, mark } from "./model.js";
import { setAlertArea } from "./actions.js";
import { JobsView } from "./jobs.js";
import { OverviewView } from "./overview.js";
import { JobView } from "./job.js";
import { HistoryView } from "./history.js";
import { SchedulesView } from "./schedules.js";
import { SubmitForm } from "./submit.js";

const _ = cockpit.gettext;
const N_ = cockpit.noop;

// The menu label of manifest.json, here so that xgettext finds it.
N_("Job scheduler");

const NAV = [
    { key: "overview", path: [], label: () => _("Overview") },
    { key: "jobs", path: ["jobs"], label: () => _("Jobs") },
    { key: "history", path: ["history"], label: () => _("History") },
    { key: "schedules", path: ["schedules"], label: () => _("Schedules") },
];

class App {
    constructor(root) {
        this.root = root;
        this.model = new Model();
        this.submit = new SubmitForm(this.model);
        this.views = {
            overview: new OverviewView(this.model),
            jobs: new JobsView(this.model, () => this.submit.open()),
            job: new JobView(this.model),
            history: new HistoryView(this.model),
            schedules: new SchedulesView(this.model),
        };
        this.current = null;

        this.alerts = h("div.pf-v5-c-alert-group.sluice-alert-area", { id: "sluice-errors" });
        setAlertArea(this.alerts);
        this.status = h("p.sluice-status", { id: "sluice-status" });
        this.tabs = h("ul.pf-v5-c-tabs__list", null, NAV.map(n =>
            h("li.pf-v5-c-tabs__item", { dataset: { tab: n.key } },
              h("a.pf-v5-c-tabs__link", {
                  href: "#/" + n.path.join("/"), dataset: { nav: n.key },
                  onclick: ev => { ev.preventDefault(); cockpit.location.go(n.path) },
              }, h("span.pf-v5-c-tabs__item-text", null, n.label())))));
        this.main = h("div.sluice-view", { id: "sluice-view" });
        replaceChildren(root,
                        h("div.pf-v5-c-page", null,
                          h("main.pf-v5-c-page__main", { tabindex: "-1" },
                            h("section.pf-v5-c-page__main-section.pf-m-light.sluice-header", null,
                              h("h1.pf-v5-c-title.pf-m-2xl", null, _("Job scheduler")),
                              this.status,
                              h("div.pf-v5-c-tabs.pf-m-inset-none", null, this.tabs)),
                            h("section.pf-v5-c-page__main-section.sluice-submit-section", null,
                              this.alerts, this.submit.el),
                            this.main)));

        this.model.on(what => this.render(what));
        cockpit.addEventListener("locationchanged", () => this.route());
    }

    async start() {
        this.route();
        try {
            const user = await cockpit.user();
            this.model.myUid = user?.id;
        } catch (e) {
            this.model.myUid = undefined;
        }
        const superuser = await this.followSuperuser();
        try {
            this.boundTo = superuser?.Current;
            await this.model.connect();
        } catch (e) {
            this.root.dataset.state = "error";
            setText(this.status, cockpit.format(_("Cannot talk to sluiced: $0"), e.message || String(e)));
            this.status.classList.add("sluice-status-error");
            return;
        }
        // Changed while the first reading was under way: the channel has the old access.
        this.superuserChanged();
        this.model.flush();
        mark("ready");
        this.root.dataset.state = "ready";
    }

    /**
     * followSuperuser() - follow Cockpit's administrative access while the
     * page is open: the bridge's cockpit.Superuser property Current ("init",
     * "none", or the superuser bridge's name such as "sudo"). The D-Bus
     * channel to sluiced (superuser "try") is bound to the access of the
     * moment it was opened; when Current settles on another value, the model
     * opens a new channel and asks GetPermissions again, without reloading
     * the page. Not cockpit.permission(): in Cockpit 287 its "changed"
     * comes with window.location.reload() of the page (docs/cockpit.md).
     * Resolves to the proxy once its first value is in (or null).
     */
    async followSuperuser() {
        let proxy;
        try {
            proxy = cockpit.dbus(null, { bus: "internal" }).proxy("cockpit.Superuser", "/superuser");
            await proxy.wait();
        } catch (e) {
            console.info("cockpit.Superuser:", e.message || String(e));
            return null;
        }
        this.superuser = proxy;
        proxy.addEventListener("changed", () => this.superuserChanged());
        return proxy;
    }

    /** superuserChanged() - a new channel if the access is not the one the channel has. */
    superuserChanged() {
        const now = this.superuser?.Current;
        if (!this.model.ready || now === undefined || now === "init" || now === this.boundTo)
            return;
        this.boundTo = now;
        this.model.reopen().catch(e => console.info("reopen:", e.message || String(e)));
    }

    route() {
        const path = cockpit.location.path;
        let key = "overview";
        let arg = null;
        if (path[0] === "jobs" || path[0] === "history" || path[0] === "schedules")
            key = path[0];
        else if (path[0] === "job" && path[1] !== undefined) {
            key = "job";
            arg = path[1];
        }
        for (const li of this.tabs.children) {
            const tab = li.dataset.tab;
            li.classList.toggle("pf-m-current", tab === key || (key === "job" && tab === "jobs"));
        }
        const view = this.views[key];
        if (view.setArg)
            view.setArg(arg);
        if (this.current !== view) {
            this.current?.hide?.();
            replaceChildren(this.main, view.el);
            this.current = view;
            view.show?.();
        }
        if (this.model.ready)
            view.render(null);
    }

    render(what) {
        const m = this.model;
        if (m.error) {
            setText(this.status, cockpit.format(_("Disconnected from sluiced: $0"), m.error));
            this.status.classList.add("sluice-status-error");
        } else if (m.manager?.valid) {
            const paused = m.manager.Paused || [];
            setText(this.status, cockpit.format(_("sluiced $0 · $1 running · $2 queued · discipline $3$4"),
                                                m.manager.Version ?? "—", m.manager.RunningJobs ?? "—",
                                                m.manager.QueuedJobs ?? "—", m.manager.Discipline ?? "—",
                                                paused.length ? " · " + _("paused") : ""));
            this.status.classList.remove("sluice-status-error");
        }
        this.submit.render(what);
        if (this.current && m.ready)
            this.current.render(what);
    }
}

followTheme();
const root = document.getElementById("sluice-app");
cockpit.translate();
new App(root).start();

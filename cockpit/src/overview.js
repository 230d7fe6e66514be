// SPDX-License-Identifier: LGPL-2.1-or-later
// The overview: every limit as a bar (Limits), paused scopes and the pause
// buttons, classes, active alerts, the next schedule elapses, the plots;
// with [Cluster], the fleet-wide resources (Cluster, ClusterState).
/* global cockpit */
import { h, setText, setData, setDisabled, syncList } from "./dom.js";
import { formatTime, scopeText, ownerText, NONE } from "./format.js";
import { runAction } from "./actions.js";
import { Plots } from "./plots.js";

const _ = cockpit.gettext;

function card(title, id, ...body) {
    return h("div.pf-v5-c-card.pf-m-compact.sluice-card", { id },
             h("div.pf-v5-c-card__title", null, h("h2.pf-v5-c-card__title-text", null, title)),
             h("div.pf-v5-c-card__body", null, ...body));
}

function button(label, attrs, kind) {
    return h("button.pf-v5-c-button." + (kind || "pf-m-secondary") + ".pf-m-small", { type: "button", ...attrs }, label);
}

/** limitRows() - Limits, or what the older API allows (global and per class). */
function limitRows(m) {
    if (Array.isArray(m.Limits))
        return m.Limits.map(([scope, name, running, queued, max]) => ({ scope, name, running, queued, max }));
    const rows = [{ scope: "global", name: "", running: m.RunningJobs, queued: m.QueuedJobs, max: m.MaxRunning }];
    for (const [name, , , max] of m.Classes || [])
        rows.push({ scope: "class", name, running: undefined, queued: undefined, max });
    return rows;
}

function limitKey(row) {
    return row.scope === "global" ? "global" : row.scope + ":" + row.name;
}

export class OverviewView {
    constructor(model) {
        this.model = model;
        this.plots = new Plots(model);

        this.limits = h("div.pf-v5-l-gallery.pf-m-gutter.sluice-limits", { id: "sluice-limits" });
        this.pausedList = h("ul.sluice-paused-list");
        this.pauseGlobal = button(_("Pause all"), {
            id: "sluice-pause-global",
            onclick: () => runAction(_("Pausing failed"), () => model.call("Pause", [""]), this.pauseGlobal),
        });
        this.resumeGlobal = button(_("Resume all"), {
            id: "sluice-resume-global",
            onclick: () => runAction(_("Resuming failed"), () => model.call("Resume", [""]), this.resumeGlobal),
        });
        this.reload = button(_("Reload configuration"), {
            id: "sluice-reload",
            onclick: () => runAction(_("Reloading the configuration failed"), () => model.call("Reload", []), this.reload),
        });
        this.pausedText = h("p.sluice-paused-text");
        this.paused = h("div", { id: "sluice-paused" }, this.pausedText, this.pausedList);
        this.classes = h("tbody.pf-v5-c-table__tbody", { id: "sluice-classes" });
        this.alerts = h("ul.sluice-alert-list", { id: "sluice-alerts" });
        this.schedules = h("ul.sluice-schedule-list", { id: "sluice-schedules-next" });
        this.clusterState = h("p.sluice-help", { id: "sluice-cluster-state" });
        this.cluster = h("ul.sluice-alert-list", { id: "sluice-cluster" });
        this.clusterCard = card(_("Cluster"), "sluice-cluster-card", this.clusterState, this.cluster);
        this.clusterCard.hidden = true;

        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-overview-view" },
                    card(_("Limits"), "sluice-limits-card",
                         h("p.sluice-help", null, _("Running jobs against each limit; queued jobs waiting for it.")),
                         this.limits),
                    h("div.pf-v5-l-gallery.pf-m-gutter.sluice-overview-grid", null,
                      card(_("Dispatching"), "sluice-paused-card", this.paused,
                           h("div.sluice-actions", null, this.pauseGlobal, " ", this.resumeGlobal, " ", this.reload)),
                      card(_("Active alerts"), "sluice-alerts-card", this.alerts),
                      card(_("Next schedule runs"), "sluice-schedules-card", this.schedules)),
                    this.clusterCard,
                    card(_("Classes"), "sluice-classes-card",
                         h("table.pf-v5-c-table.pf-m-compact.pf-m-grid-md", { role: "grid", "aria-label": _("Classes") },
                           h("thead.pf-v5-c-table__thead", null,
                             h("tr.pf-v5-c-table__tr", null,
                               [_("Class"), _("Kind"), _("Description"), _("Running"), _("Queued"), _("Limit"), _("State"), ""]
                                       .map(t => h("th.pf-v5-c-table__th", { scope: "col" }, t)))),
                           this.classes)),
                    this.plots.el);
    }

    render() {
        const m = this.model.manager;
        if (!m?.valid)
            return;
        this.renderLimits(m);
        this.renderPaused(m);
        this.renderClasses(m);
        this.renderAlerts(m);
        this.renderSchedules(m);
        this.renderCluster(m);
        this.plots.render();
    }

    renderLimits(m) {
        const manage = this.model.permission("org.sluice.manage-jobs");
        syncList(this.limits, limitRows(m), limitKey, row => {
            const el = h("div.pf-v5-c-progress.pf-m-sm.sluice-limit", { dataset: { limit: limitKey(row) } });
            el._desc = h("div.pf-v5-c-progress__description");
            el._measure = h("span.pf-v5-c-progress__measure");
            el._indicator = h("div.pf-v5-c-progress__indicator");
            el._bar = h("div.pf-v5-c-progress__bar", { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" }, el._indicator);
            el._queued = h("div.pf-v5-c-progress__helper-text.sluice-limit-queued");
            el.append(el._desc, h("div.pf-v5-c-progress__status", { "aria-hidden": "true" }, el._measure), el._bar, el._queued);
            if (row.scope === "resource" && !row.name.endsWith(":*")) {
                const scope = "resource:" + row.name;
                el._pause = button(_("Pause"), {
                    dataset: { action: "pause-resource", resource: row.name },
                    onclick: () => runAction(cockpit.format(_("Pausing $0 failed"), row.name), () => this.model.call("Pause", [scope]), el._pause),
                }, "pf-m-link");
                el._resume = button(_("Resume"), {
                    dataset: { action: "resume-resource", resource: row.name },
                    onclick: () => runAction(cockpit.format(_("Resuming $0 failed"), row.name), () => this.model.call("Resume", [scope]), el._resume),
                }, "pf-m-link");
                el._queued.after(h("div.sluice-limit-actions", null, el._pause, el._resume));
            }
            return el;
        }, (el, row) => {
            let label;
            if (row.scope === "global")
                label = _("All jobs");
            else if (row.scope === "class")
                label = cockpit.format(_("Class $0"), row.name);
            else if (row.scope === "resource")
                label = row.name;
            else if (row.scope === "user")
                label = cockpit.format(_("User $0"), ownerText(Number(row.name), this.model.users));
            else
                label = row.scope + " " + row.name;
            setText(el._desc, label);
            const running = row.running ?? NONE;
            const max = row.max ? String(row.max) : _("unlimited");
            setText(el._measure, cockpit.format(_("$0 of $1"), running, max));
            const pct = row.max && typeof row.running === "number" ? Math.min(100, Math.round(100 * row.running / row.max)) : 0;
            el._indicator.style.width = pct + "%";
            el._bar.setAttribute("aria-valuenow", String(pct));
            el.classList.toggle("pf-m-danger", !!row.max && row.running >= row.max && row.queued > 0);
            el.classList.toggle("pf-m-warning", !!row.max && row.running >= row.max && !(row.queued > 0));
            setData(el, "running", row.running ?? "");
            setData(el, "max", row.max ?? "");
            setText(el._queued, typeof row.queued === "number" && row.queued > 0
                ? cockpit.format(cockpit.ngettext("$0 queued job waits for it", "$0 queued jobs wait for it", row.queued), row.queued)
                : "");
            if (el._pause) {
                const paused = (m.Paused || []).includes("resource:" + row.name);
                el._pause.hidden = paused;
                el._resume.hidden = !paused;
                setDisabled(el._pause, manage);
                setDisabled(el._resume, manage);
            }
        });
    }

    renderPaused(m) {
        const paused = m.Paused || [];
        const manage = this.model.permission("org.sluice.manage-jobs");
        const everything = paused.includes("");
        setText(this.pausedText, paused.length === 0 ? _("Dispatching: nothing is paused.")
            : everything ? _("Dispatching is paused: queued jobs wait, running jobs go on.")
                : _("Paused scopes:"));
        setData(this.paused, "paused", paused.join(","));
        syncList(this.pausedList, paused.filter(s => s !== ""), s => s, scope => {
            const b = button(_("Resume"), {
                dataset: { action: "resume-scope", scope },
                onclick: () => runAction(cockpit.format(_("Resuming $0 failed"), scopeText(scope)), () => this.model.call("Resume", [scope]), b),
            }, "pf-m-link");
            const li = h("li", { dataset: { scope } }, scopeText(scope), " ", b);
            li._b = b;
            return li;
        }, (li) => setDisabled(li._b, manage));
        setDisabled(this.pauseGlobal, manage);
        setDisabled(this.resumeGlobal, manage);
        this.pauseGlobal.hidden = everything;
        this.resumeGlobal.hidden = !everything;
        setDisabled(this.reload, this.model.permission("org.sluice.configure"));
    }

    renderClasses(m) {
        const manage = this.model.permission("org.sluice.manage-jobs");
        const details = m.ClassDetails || null;
        const paused = m.Paused || [];
        const rows = (m.Classes || []).map(([name, kind, description, max]) => {
            const d = details?.[name] ? unwrapDetails(details[name]) : {};
            return {
                name, kind: d.Kind ?? kind, description: d.Description ?? description,
                max: d.MaxRunning ?? max, running: d.Running, queued: d.Queued,
                paused: d.Paused ?? (paused.includes("") || paused.includes("class:" + name)),
                ownPause: paused.includes("class:" + name),
            };
        });
        syncList(this.classes, rows, r => r.name, r => {
            const tr = h("tr.pf-v5-c-table__tr", { dataset: { class: r.name } });
            tr._cells = [0, 1, 2, 3, 4, 5, 6].map(() => h("td.pf-v5-c-table__td"));
            tr._pause = button(_("Pause"), {
                dataset: { action: "pause-class", class: r.name },
                onclick: () => runAction(cockpit.format(_("Pausing class $0 failed"), r.name), () => this.model.call("Pause", ["class:" + r.name]), tr._pause),
            });
            tr._resume = button(_("Resume"), {
                dataset: { action: "resume-class", class: r.name },
                onclick: () => runAction(cockpit.format(_("Resuming class $0 failed"), r.name), () => this.model.call("Resume", ["class:" + r.name]), tr._resume),
            });
            tr.append(...tr._cells, h("td.pf-v5-c-table__td.pf-v5-c-table__action", null, tr._pause, " ", tr._resume));
            return tr;
        }, (tr, r) => {
            const c = tr._cells;
            setText(c[0], r.name);
            setText(c[1], r.kind === "lease" ? _("lease") : r.kind === "command" ? _("command") : (r.kind || NONE));
            setText(c[2], r.description || NONE);
            setText(c[3], r.running ?? NONE);
            setText(c[4], r.queued ?? NONE);
            setText(c[5], r.max ? String(r.max) : _("unlimited"));
            setText(c[6], r.paused ? _("paused") : _("dispatching"));
            setData(tr, "paused", r.paused ? "true" : "false");
            tr._pause.hidden = r.ownPause;
            tr._resume.hidden = !r.ownPause;
            setDisabled(tr._pause, manage);
            setDisabled(tr._resume, manage);
        });
    }

    renderAlerts(m) {
        const alerts = m.Alerts;
        if (!Array.isArray(alerts)) {
            syncList(this.alerts, [null], () => "none", () => h("li", null, NONE));
            return;
        }
        const items = alerts.length ? alerts : [null];
        syncList(this.alerts, items, a => a ? "alert:" + a[0] : "none", a => {
            if (!a)
                return h("li.sluice-muted", null, _("No active alerts."));
            const [name, severity, message, since] = a;
            const variant = severity === "critical" ? "pf-m-danger" : severity === "warning" ? "pf-m-warning" : "pf-m-info";
            return h("li", { dataset: { alert: name, severity } },
                     h("div.pf-v5-c-alert.pf-m-inline.pf-m-plain." + variant, null,
                       h("p.pf-v5-c-alert__title", null, severity + ": " + name),
                       h("div.pf-v5-c-alert__description", null,
                         h("p", null, message),
                         h("p.sluice-muted", null, cockpit.format(_("since $0"), formatTime(since))))));
        });
    }

    /* Only with [Cluster] (ClusterState not "off"; absent from an older sluiced). */
    renderCluster(m) {
        const state = m.ClusterState;
        this.clusterCard.hidden = !state || state === "off";
        if (this.clusterCard.hidden)
            return;
        setData(this.clusterCard, "state", state);
        setText(this.clusterState, cockpit.format(_("Fleet-wide limits through etcd: $0"), state));
        const rows = Array.isArray(m.Cluster) && m.Cluster.length ? m.Cluster : [null];
        syncList(this.cluster, rows, r => r ? "c:" + r[0] : "none", r => {
            if (!r)
                return h("li.sluice-muted", null, _("No cluster resources."));
            const li = h("li", { dataset: { resource: r[0] } });
            li._text = h("span");
            li._holders = h("p.sluice-muted");
            li.append(li._text, li._holders);
            return li;
        }, (li, r) => {
            if (!r)
                return;
            const [resource, limit, here, waiting, holders] = r;
            setText(li._text, cockpit.format(_("$0: $1 of $2 running in the fleet, $3 here, $4 waiting"),
                                             resource, holders.length, limit, here, waiting));
            setText(li._holders, holders.map(([host, job, since]) =>
                cockpit.format(_("$0 job $1 since $2"), host, job, formatTime(since))).join(", "));
        });
    }

    renderSchedules(m) {
        const schedules = m.Schedules;
        if (!Array.isArray(schedules)) {
            syncList(this.schedules, [null], () => "none", () => h("li", null, NONE));
            return;
        }
        const next = schedules.filter(s => s[2]).sort((a, b) => a[2] - b[2]).slice(0, 5);
        const items = next.length ? next : [null];
        syncList(this.schedules, items, s => s ? "s:" + s[0] : "none", s => {
            if (!s)
                return h("li.sluice-muted", null, _("No schedule will run."));
            const li = h("li", { dataset: { schedule: s[0] } });
            li._text = h("span");
            li.append(li._text);
            return li;
        }, (li, s) => {
            if (s)
                setText(li._text, cockpit.format(_("$0 ($1): $2"), s[0], s[1], formatTime(s[2])));
        });
    }
}

/** unwrapDetails() - one ClassDetails entry ({key: {t, v}}) → {key: v}. */
function unwrapDetails(d) {
    const out = {};
    for (const [k, v] of Object.entries(d))
        out[k] = v && typeof v === "object" && "v" in v ? v.v : v;
    return out;
}

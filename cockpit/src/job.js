// SPDX-License-Identifier: LGPL-2.1-or-later
// One job: every property (live from its proxy while it is on the bus, the
// history record after), its unit with a link to Cockpit's Services page,
// and its journal (SLUICE_JOB_ID=ID), followed live.
/* global cockpit */
import { h, replaceChildren, setText, setDisabled } from "./dom.js";
import { formatTime, formatDuration, stateText, resultText, ownerText, NONE } from "./format.js";
import { runAction } from "./actions.js";

const _ = cockpit.gettext;
const TIME_KEYS = new Set(["SubmittedAt", "StartedAt", "FinishedAt", "LeaseExpiresAt"]);
const LOG_LINES = 1000;

/**
 * propertyText() - one property's value as the page shows it.
 */
function propertyText(key, value, users, state) {
    if (value === undefined || value === null)
        return NONE;
    if ((key === "Position" || key === "WaitReason") && state !== "queued")
        return NONE; // computed when read, never signalled: only a queued job's mean something
    if (TIME_KEYS.has(key))
        return formatTime(value);
    if (key === "State")
        return stateText(value);
    if (key === "Result")
        return resultText(value);
    if (key === "Owner")
        return ownerText(value, users);
    if (key === "ExitStatus" && value === -1)
        return NONE;
    if (Array.isArray(value))
        return value.length ? value.join(", ") : NONE;
    if (typeof value === "object")
        return Object.entries(value).map(([k, v]) => k + "=" + (v?.v ?? v)).join(", ") || NONE;
    if (value === "")
        return NONE;
    return String(value);
}

export class JobView {
    constructor(model) {
        this.model = model;
        this.id = null;
        this.record = null; // GetJobRecord's answer, for a job gone from the bus
        this.journal = null;
        this.logId = null;
        this.partial = "";

        this.title = h("h2.pf-v5-c-title.pf-m-xl", { id: "sluice-job-title" });
        this.props = h("dl.pf-v5-c-description-list.pf-m-horizontal.pf-m-compact", { id: "sluice-job-props" });
        this.unitLink = h("a", {
            id: "sluice-job-unit-link", href: "#",
            onclick: ev => {
                ev.preventDefault();
                const unit = this.unitLink.dataset.unit;
                if (unit)
                    cockpit.jump("/system/services#/" + encodeURIComponent(unit));
            },
        });
        this.unitRow = h("p.sluice-job-unit", null, _("Unit: "), this.unitLink);
        this.cancel = h("button.pf-v5-c-button.pf-m-secondary", {
            type: "button", dataset: { action: "cancel" },
            onclick: () => runAction(cockpit.format(_("Cancelling job $0 failed"), this.id),
                                     () => this.model.call("CancelJob", [Number(this.id)]), this.cancel),
        }, _("Cancel job"));
        this.log = h("pre.sluice-log", { id: "sluice-job-log", "aria-live": "polite" });
        this.logNote = h("p.sluice-help", { id: "sluice-job-log-note" });
        this.back = h("a", { href: "#/jobs", dataset: { nav: "jobs" }, onclick: ev => { ev.preventDefault(); cockpit.location.go(["jobs"]) } }, _("‹ All jobs"));

        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-job-view" },
                    h("p", null, this.back),
                    h("div.pf-v5-c-card.sluice-card", null,
                      h("div.pf-v5-c-card__title", null, this.title),
                      h("div.pf-v5-c-card__body", null, this.unitRow, h("div.sluice-actions", null, this.cancel), this.props)),
                    h("div.pf-v5-c-card.sluice-card", null,
                      h("div.pf-v5-c-card__title", null, h("h2.pf-v5-c-card__title-text", null, _("Output (journal)"))),
                      h("div.pf-v5-c-card__body", null, this.logNote, this.log)));
    }

    setArg(id) {
        if (id === this.id)
            return;
        this.id = id;
        this.record = null;
        this.waitAt = 0;
        this.stopLog();
        replaceChildren(this.log);
        replaceChildren(this.props);
        this.cancel.dataset.jobId = id;
    }

    hide() {
        this.stopLog();
        this.logId = null;
    }

    /** The job's properties: live while it is on the bus, else its history record. */
    properties() {
        const job = this.model.jobs.get(Number(this.id));
        if (job) {
            if (!job._full) {
                this.fetch(false);
                return null;
            }
            const out = {};
            for (const key of Object.keys(job)) {
                if (!key.startsWith("_") && key !== "path")
                    out[key] = job[key];
            }
            return out;
        }
        if (!this.record && this.record !== false && this.model.ready) {
            this.record = false;
            this.model.call("GetJobRecord", [Number(this.id)]).then(([rec]) => {
                const out = {};
                for (const [k, v] of Object.entries(rec))
                    out[k] = v.v;
                this.record = out;
                this.render();
            }, e => {
                this.record = { error: e.message };
                this.render();
            });
        }
        return this.record || null;
    }

    /**
     * fetch() - read all the job's properties (GetAll); for a queued job
     * (@refresh) again at most once a second while the page renders:
     * Position and WaitReason are computed when read, never signalled.
     */
    fetch(refresh) {
        const now = Date.now();
        if (this.fetching || (refresh && now - this.waitAt < 1000))
            return;
        this.fetching = true;
        this.waitAt = now;
        const id = this.id;
        this.model.jobDetails(Number(id)).then(() => {
            this.fetching = false;
            if (id === this.id)
                this.render();
        }, () => { this.fetching = false });
    }

    render() {
        const props = this.properties();
        setText(this.title, cockpit.format(_("Job $0"), this.id));
        if (!props) {
            replaceChildren(this.props, h("p", null, _("Loading…")));
            return;
        }
        if (props.error) {
            replaceChildren(this.props, h("p.sluice-error-text", null, props.error));
            return;
        }
        if (props.State === "queued")
            this.fetch(true);
        const rows = Object.keys(props).sort();
        const dl = this.props;
        const have = new Map([...dl.children].map(div => [div.dataset.property, div]));
        for (const key of rows) {
            let div = have.get(key);
            if (!div) {
                div = h("div.pf-v5-c-description-list__group", { dataset: { property: key } },
                        h("dt.pf-v5-c-description-list__term", null, h("span.pf-v5-c-description-list__text", null, key)),
                        h("dd.pf-v5-c-description-list__description", null, h("div.pf-v5-c-description-list__text")));
                dl.append(div);
            }
            setText(div.querySelector("dd .pf-v5-c-description-list__text"), propertyText(key, props[key], this.model.users, props.State));
        }
        if (props.State !== "queued" && props.StartedAt) {
            const end = props.FinishedAt || Date.now() * 1000;
            this.el.dataset.duration = formatDuration(end - props.StartedAt);
        }
        this.el.dataset.state = props.State || "";
        this.el.dataset.result = props.Result || "";

        const unit = props.Unit || "";
        this.unitLink.dataset.unit = unit;
        this.unitLink.setAttribute("href", unit ? "/system/services#/" + encodeURIComponent(unit) : "#");
        setText(this.unitLink, unit || (props.Kind === "lease" ? _("none: a lease job's work runs in its holder")
            : _("none yet: the unit is made when the job starts")));

        const onBus = this.model.jobs.has(Number(this.id));
        const mine = this.model.myUid !== undefined && props.Owner === this.model.myUid;
        setDisabled(this.cancel, !onBus || props.State === "done" ? _("The job has finished")
            : mine ? null : this.model.permission("org.sluice.manage-jobs"));
        if (this.logId !== this.id)
            this.startLog(props);
    }

    /** Follow the job's journal lines: journalctl SLUICE_JOB_ID=ID --follow. */
    startLog(props) {
        this.stopLog();
        this.logId = this.id;
        this.partial = "";
        replaceChildren(this.log);
        setText(this.logNote, cockpit.format(_("journalctl SLUICE_JOB_ID=$0, followed live (the last $1 lines)."), this.id, LOG_LINES));
        const cmd = ["journalctl", "--output=json", "--no-pager", "--quiet", "--lines=" + LOG_LINES, "--follow",
            "SLUICE_JOB_ID=" + this.id];
        const proc = cockpit.spawn(cmd, { superuser: "try", err: "message" });
        this.journal = proc;
        proc.stream(data => this.addLog(data));
        proc.catch(e => {
            if (this.journal === proc && e.problem !== "cancelled")
                setText(this.logNote, cockpit.format(_("Cannot read the journal: $0"), e.message || e.problem));
        });
        if (props.Kind === "lease")
            setText(this.logNote, _("A lease job's work runs in its holder; its journal lines are the holder's own, if it logs SLUICE_JOB_ID."));
    }

    addLog(data) {
        const text = this.partial + data;
        const lines = text.split("\n");
        this.partial = lines.pop();
        const frag = document.createDocumentFragment();
        for (const line of lines) {
            if (!line)
                continue;
            let entry;
            try {
                entry = JSON.parse(line);
            } catch (e) {
                continue;
            }
            let msg = entry.MESSAGE;
            if (Array.isArray(msg))
                msg = new TextDecoder().decode(new Uint8Array(msg));
            const when = entry.__REALTIME_TIMESTAMP ? formatTime(Number(entry.__REALTIME_TIMESTAMP)) : "";
            frag.append(h("span.sluice-log-line", { dataset: { cursor: entry.__CURSOR || "" } }, when + " " + (msg ?? "") + "\n"));
        }
        this.log.append(frag);
        while (this.log.childElementCount > LOG_LINES)
            this.log.firstElementChild.remove();
    }

    stopLog() {
        if (this.journal) {
            const j = this.journal;
            this.journal = null;
            j.close("cancelled");
        }
    }
}

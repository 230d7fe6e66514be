// SPDX-License-Identifier: LGPL-2.1-or-later
// The live jobs table: filter by class, state and owner, sort by any column,
// paged (PAGE_SIZE rows in the DOM whatever the number of jobs). Rows are
// keyed by job id and updated in place, so a row stays the same element
// while its job moves queued → running → done. Filters and sorting use what
// ListJobs() tells of every job; the other columns (description, start,
// position, wait reason) are read for the rows shown (model.jobDetails()).
/* global cockpit */
import { h, setText, setData, setDisabled, replaceChildren } from "./dom.js";
import {
    formatTime, formatDuration, jobDuration, stateText, resultText, resultColor, ownerText, NONE
} from "./format.js";
import { runAction } from "./actions.js";

const _ = cockpit.gettext;

export const PAGE_SIZE = 50;

const COLUMNS = [
    { key: "Id", label: () => _("ID"), sort: j => j.Id },
    { key: "Class", label: () => _("Class"), sort: j => j.Class || "" },
    { key: "Description", label: () => _("Description"), sort: null },
    { key: "Owner", label: () => _("Owner"), sort: j => j.Owner ?? -1 },
    { key: "State", label: () => _("State"), sort: j => STATE_ORDER[j.State] ?? 9 },
    { key: "Result", label: () => _("Result"), sort: j => j.Result || "" },
    { key: "WaitReason", label: () => _("Waiting for"), sort: null },
    { key: "Position", label: () => _("Position"), sort: null },
    { key: "SubmittedAt", label: () => _("Submitted"), sort: j => j.SubmittedAt || 0 },
    { key: "StartedAt", label: () => _("Started"), sort: null },
    { key: "Duration", label: () => _("Duration"), sort: null },
];

const STATE_ORDER = { running: 0, queued: 1, done: 2 };

/**
 * JobsView - the /jobs page. render() is cheap to call often: it re-filters
 * and re-sorts the jobs (O(n log n) in JS, no DOM) and touches only the rows
 * of the page shown.
 */
export class JobsView {
    constructor(model, openSubmit) {
        this.model = model;
        this.sortKey = "Id";
        this.sortAsc = false;
        this.page = 0;
        this.filter = { class: "", state: "", owner: "" };
        this.rows = new Map(); // id → tr
        this.detailsAt = 0;
        this.detailsPending = new Set();
        this.visibleIds = [];

        this.classSelect = h("select.pf-v5-c-form-control", {
            id: "sluice-filter-class", "aria-label": _("Class"),
            onchange: () => { this.filter.class = this.classSelect.value; this.page = 0; this.render() },
        });
        this.stateSelect = h("select.pf-v5-c-form-control", {
            id: "sluice-filter-state", "aria-label": _("State"),
            onchange: () => { this.filter.state = this.stateSelect.value; this.page = 0; this.render() },
        },
                             h("option", { value: "" }, _("All states")),
                             h("option", { value: "queued" }, stateText("queued")),
                             h("option", { value: "running" }, stateText("running")),
                             h("option", { value: "done" }, stateText("done")));
        this.ownerSelect = h("select.pf-v5-c-form-control", {
            id: "sluice-filter-owner", "aria-label": _("Owner"),
            onchange: () => { this.filter.owner = this.ownerSelect.value; this.page = 0; this.render() },
        });

        this.headRow = h("tr.pf-v5-c-table__tr", { role: "row" });
        this.tbody = h("tbody.pf-v5-c-table__tbody", { role: "rowgroup" });
        this.table = h("table.pf-v5-c-table.pf-m-compact.pf-m-grid-lg",
                       { id: "sluice-jobs", role: "grid", "aria-label": _("Jobs") },
                       h("thead.pf-v5-c-table__thead", null, this.headRow), this.tbody);
        this.empty = h("div.pf-v5-c-empty-state.pf-m-sm", { id: "sluice-jobs-empty", hidden: true },
                       h("div.pf-v5-c-empty-state__content", null,
                         h("div.pf-v5-c-empty-state__body", null, _("No jobs match."))));
        this.countText = h("span.sluice-jobs-count", { id: "sluice-jobs-count" });
        this.pageText = h("span.pf-v5-c-pagination__total-items", { id: "sluice-jobs-page" });
        this.prevButton = h("button.pf-v5-c-button.pf-m-plain", {
            type: "button", "aria-label": _("Previous page"), dataset: { action: "page-prev" },
            onclick: () => { this.page--; this.render() },
        }, "‹");
        this.nextButton = h("button.pf-v5-c-button.pf-m-plain", {
            type: "button", "aria-label": _("Next page"), dataset: { action: "page-next" },
            onclick: () => { this.page++; this.render() },
        }, "›");

        this.submitButton = h("button.pf-v5-c-button.pf-m-primary", {
            id: "sluice-open-submit", type: "button", onclick: () => openSubmit(),
        }, _("Submit job"));

        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-jobs-view" },
                    h("div.pf-v5-c-card", null,
                      h("div.pf-v5-c-toolbar", null,
                        h("div.pf-v5-c-toolbar__content", null,
                          h("div.pf-v5-c-toolbar__content-section", null,
                            h("div.pf-v5-c-toolbar__item", null, this.classSelect),
                            h("div.pf-v5-c-toolbar__item", null, this.stateSelect),
                            h("div.pf-v5-c-toolbar__item", null, this.ownerSelect),
                            h("div.pf-v5-c-toolbar__item", null, this.submitButton),
                            h("div.pf-v5-c-toolbar__item.pf-m-pagination", null,
                              h("div.pf-v5-c-pagination.pf-m-compact", null,
                                this.countText, " ", this.pageText,
                                h("nav.pf-v5-c-pagination__nav", { "aria-label": _("Pagination") },
                                  h("div.pf-v5-c-pagination__nav-control", null, this.prevButton),
                                  h("div.pf-v5-c-pagination__nav-control", null, this.nextButton))))))),
                      this.table, this.empty));
        this.renderHead();
        this.tick = window.setInterval(() => this.renderDurations(), 1000);
    }

    renderHead() {
        const cells = COLUMNS.map(col => {
            const selected = this.sortKey === col.key;
            if (!col.sort)
                return h("th.pf-v5-c-table__th", { scope: "col", role: "columnheader", dataset: { label: col.label() } }, col.label());
            const indicator = selected ? (this.sortAsc ? "▲" : "▼") : "⇅";
            return h("th.pf-v5-c-table__th.pf-v5-c-table__sort" + (selected ? ".pf-m-selected" : ""),
                     { scope: "col", role: "columnheader", "aria-sort": selected ? (this.sortAsc ? "ascending" : "descending") : "none", dataset: { label: col.label(), sort: col.key } },
                     h("button.pf-v5-c-table__button", {
                         type: "button",
                         onclick: () => {
                             if (this.sortKey === col.key)
                                 this.sortAsc = !this.sortAsc;
                             else {
                                 this.sortKey = col.key;
                                 this.sortAsc = true;
                             }
                             this.renderHead();
                             this.render();
                         }
                     },
                       h("div.pf-v5-c-table__button-content", null,
                         h("span.pf-v5-c-table__text", null, col.label()),
                         h("span.pf-v5-c-table__sort-indicator", { "aria-hidden": "true" }, indicator))));
        });
        cells.push(h("td.pf-v5-c-table__td", { dataset: { label: _("Actions") } }));
        replaceChildren(this.headRow, cells);
    }

    /** The jobs that pass the filters, sorted. */
    selected() {
        const f = this.filter;
        const owner = f.owner === "" ? null : Number(f.owner);
        const list = [];
        for (const job of this.model.jobs.values()) {
            if (f.class && job.Class !== f.class)
                continue;
            if (f.state && job.State !== f.state)
                continue;
            if (owner !== null && job.Owner !== owner)
                continue;
            list.push(job);
        }
        const col = COLUMNS.find(c => c.key === this.sortKey) || COLUMNS[0];
        const dir = this.sortAsc ? 1 : -1;
        list.sort((a, b) => {
            const x = col.sort(a);
            const y = col.sort(b);
            if (x < y)
                return -dir;
            if (x > y)
                return dir;
            return (a.Id - b.Id) * dir;
        });
        return list;
    }

    renderFilters() {
        const classes = new Set();
        const owners = new Set();
        for (const [name] of this.model.manager?.Classes || [])
            classes.add(name);
        for (const name of Object.keys(this.model.manager?.ClassDetails || {}))
            classes.add(name);
        for (const job of this.model.jobs.values()) {
            if (job.Class)
                classes.add(job.Class);
            if (typeof job.Owner === "number")
                owners.add(job.Owner);
        }
        syncOptions(this.classSelect, _("All classes"), [...classes].sort().map(c => [c, c]), this.filter.class);
        syncOptions(this.ownerSelect, _("All owners"),
                    [...owners].sort((a, b) => a - b).map(u => [String(u), ownerText(u, this.model.users)]),
                    this.filter.owner);
    }

    render(what) {
        const model = this.model;
        if (!what || what.jobs === null || what.manager || what.jobs?.size)
            this.renderFilters();
        const list = this.selected();
        const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
        this.page = Math.min(Math.max(0, this.page), pages - 1);
        const shown = list.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);

        setText(this.countText, cockpit.format(cockpit.ngettext("$0 job", "$0 jobs", list.length), list.length));
        setText(this.pageText, cockpit.format(_("page $0 of $1"), this.page + 1, pages));
        setDisabled(this.prevButton, this.page === 0 ? _("First page") : null);
        setDisabled(this.nextButton, this.page >= pages - 1 ? _("Last page") : null);
        this.empty.hidden = list.length > 0;

        const keep = new Set(shown.map(j => j.Id));
        for (const [id, tr] of this.rows) {
            if (!keep.has(id)) {
                tr.remove();
                this.rows.delete(id);
            }
        }
        let prev = null;
        for (const job of shown) {
            let tr = this.rows.get(job.Id);
            if (!tr) {
                tr = this.createRow(job.Id);
                this.rows.set(job.Id, tr);
            }
            this.updateRow(tr, job);
            const want = prev ? prev.nextSibling : this.tbody.firstChild;
            if (want !== tr)
                this.tbody.insertBefore(tr, want);
            prev = tr;
        }
        this.visibleIds = shown.map(j => j.Id);
        this.fetchDetails(!what || what.manager);
    }

    createRow(id) {
        const cells = {};
        const tr = h("tr.pf-v5-c-table__tr", { role: "row", dataset: { jobId: id } });
        for (const col of COLUMNS) {
            const td = h("td.pf-v5-c-table__td", { role: "gridcell", dataset: { label: col.label() } });
            if (col.key === "Id") {
                const a = h("a", { href: "#/job/" + id, onclick: ev => { ev.preventDefault(); cockpit.location.go(["job", String(id)]) } }, String(id));
                td.append(a);
            }
            cells[col.key] = td;
            tr.append(td);
        }
        const cancel = h("button.pf-v5-c-button.pf-m-secondary.pf-m-small", {
            type: "button", dataset: { action: "cancel", jobId: id },
            onclick: () => runAction(cockpit.format(_("Cancelling job $0 failed"), id),
                                     () => this.model.call("CancelJob", [id]), cancel),
        }, _("Cancel"));
        tr.append(h("td.pf-v5-c-table__td.pf-v5-c-table__action", { role: "gridcell", dataset: { label: _("Actions") } }, cancel));
        tr._cells = cells;
        tr._cancel = cancel;
        return tr;
    }

    updateRow(tr, job) {
        const c = tr._cells;
        const wait = job;
        setData(tr, "state", job.State || "");
        setData(tr, "result", job.Result || "");
        setText(c.Class, job.Class || NONE);
        setText(c.Description, job.Description || (job._full ? NONE : "…"));
        setText(c.Owner, ownerText(job.Owner, this.model.users));
        setText(c.State, stateText(job.State));
        if (!c.Result._label) {
            c.Result._label = h("span.pf-v5-c-label.pf-m-compact", null, h("span.pf-v5-c-label__content"));
            c.Result.append(c.Result._label);
        }
        const label = c.Result._label;
        label.hidden = !job.Result;
        for (const color of ["green", "red", "orange", "grey", "blue"])
            label.classList.toggle("pf-m-" + color, !!job.Result && resultColor(job.Result) === color);
        setText(label.firstChild, resultText(job.Result));
        setText(c.WaitReason, job.State === "queued" ? (wait.WaitReason || NONE) : NONE);
        setText(c.Position, job.State === "queued" && wait.Position ? String(wait.Position) : NONE);
        setText(c.SubmittedAt, formatTime(job.SubmittedAt));
        setText(c.StartedAt, formatTime(job.StartedAt));
        setText(c.Duration, formatDuration(jobDuration(job, Date.now() * 1000)));
        setDisabled(tr._cancel, this.cancelBlocked(job));
    }

    cancelBlocked(job) {
        if (job.State === "done")
            return _("The job has finished");
        if (this.model.myUid !== undefined && job.Owner === this.model.myUid)
            return null;
        return this.model.permission("org.sluice.manage-jobs");
    }

    renderDurations() {
        if (!this.el.isConnected)
            return;
        const now = Date.now() * 1000;
        for (const [id, tr] of this.rows) {
            const job = this.model.jobs.get(id);
            if (job && job.State !== "done")
                setText(tr._cells.Duration, formatDuration(jobDuration(job, now)));
        }
    }

    /**
     * fetchDetails() - read every property of the rows shown that only have
     * ListJobs' fields; with @queuedToo also re-read the queued ones:
     * Position and WaitReason are computed when read and never signalled
     * (docs/dbus-api.md), so they are refreshed when the manager's counts
     * moved, at most once a second. At most PAGE_SIZE calls, never a walk
     * over all jobs.
     */
    fetchDetails(queuedToo) {
        const now = Date.now();
        let queued = false;
        if (queuedToo) {
            if (now - this.detailsAt >= 1000) {
                this.detailsAt = now;
                queued = true;
            } else if (!this.detailsTimer) {
                this.detailsTimer = window.setTimeout(() => { this.detailsTimer = null; this.fetchDetails(true) }, 1000);
            }
        }
        for (const id of this.visibleIds) {
            const job = this.model.jobs.get(id);
            if (!job || this.detailsPending.has(id))
                continue;
            if (job._full && !(queued && job.State === "queued"))
                continue;
            this.detailsPending.add(id);
            this.model.jobDetails(id).then(j => {
                this.detailsPending.delete(id);
                const tr = this.rows.get(id);
                if (tr && j)
                    this.updateRow(tr, j);
            }, () => this.detailsPending.delete(id));
        }
    }
}

/** syncOptions() - make a select's options [value, label] (after an "all" option), keep the choice. */
function syncOptions(select, allLabel, options, chosen) {
    const want = [["", allLabel], ...options];
    const have = [...select.options].map(o => [o.value, o.textContent]);
    if (JSON.stringify(want) === JSON.stringify(have))
        return;
    replaceChildren(select, want.map(([v, l]) => h("option", { value: v }, l)));
    select.value = chosen;
}

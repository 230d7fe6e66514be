// SPDX-License-Identifier: LGPL-2.1-or-later
// The history: ListJobs with "history" (jobs on the bus and those only in
// the state database), filtered by class, owner, result and time, newest
// first, PAGE_SIZE rows a page. The rows shown get their record
// (GetJobRecord) for start, end, duration and how the job ended.
/* global cockpit */
import { h, setText, setData, setDisabled, replaceChildren, syncList } from "./dom.js";
import { formatTime, formatDuration, stateText, resultText, ownerText, NONE } from "./format.js";
import { showError } from "./actions.js";

const _ = cockpit.gettext;
const PAGE_SIZE = 50;
const FETCH_MAX = 100000;

const RANGES = [
    ["3600", () => _("Last hour")],
    ["86400", () => _("Last 24 hours")],
    ["604800", () => _("Last 7 days")],
    ["", () => _("All")],
];

export class HistoryView {
    constructor(model) {
        this.model = model;
        this.entries = [];
        this.records = new Map();
        this.page = 0;
        this.loaded = false;
        this.loading = false;

        const sel = (id, label, options, onchange) => h("select.pf-v5-c-form-control", { id, "aria-label": label, onchange },
                                                        options.map(([v, l]) => h("option", { value: v }, l)));
        this.classSelect = sel("sluice-history-class", _("Class"), [["", _("All classes")]], () => this.load());
        this.resultSelect = sel("sluice-history-result", _("Result"),
                                [["", _("All results")], ...["success", "failed", "cancelled", "timeout", "abandoned", "lost"].map(r => [r, resultText(r)])],
                                () => { this.page = 0; this.renderRows() });
        this.ownerInput = h("input.pf-v5-c-form-control", {
            id: "sluice-history-owner", type: "number", min: "0", placeholder: _("Owner uid"), "aria-label": _("Owner uid"),
            onchange: () => this.load(),
        });
        this.rangeSelect = sel("sluice-history-range", _("Time"), RANGES.map(([v, l]) => [v, l()]), () => this.load());
        this.rangeSelect.value = "86400";
        this.refresh = h("button.pf-v5-c-button.pf-m-secondary", { id: "sluice-history-refresh", type: "button", onclick: () => this.load() }, _("Refresh"));
        this.countText = h("span", { id: "sluice-history-count" });
        this.prev = h("button.pf-v5-c-button.pf-m-plain", { type: "button", "aria-label": _("Previous page"), dataset: { action: "history-prev" }, onclick: () => { this.page--; this.renderRows() } }, "‹");
        this.next = h("button.pf-v5-c-button.pf-m-plain", { type: "button", "aria-label": _("Next page"), dataset: { action: "history-next" }, onclick: () => { this.page++; this.renderRows() } }, "›");
        this.tbody = h("tbody.pf-v5-c-table__tbody");
        const cols = [_("ID"), _("Class"), _("Owner"), _("State"), _("Result"), _("How it ended"), _("Submitted"), _("Started"), _("Finished"), _("Duration")];
        this.table = h("table.pf-v5-c-table.pf-m-compact.pf-m-grid-lg", { id: "sluice-history", role: "grid", "aria-label": _("History") },
                       h("thead.pf-v5-c-table__thead", null, h("tr.pf-v5-c-table__tr", null, cols.map(c => h("th.pf-v5-c-table__th", { scope: "col" }, c)))),
                       this.tbody);
        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-history-view" },
                    h("div.pf-v5-c-card", null,
                      h("div.pf-v5-c-toolbar", null, h("div.pf-v5-c-toolbar__content", null, h("div.pf-v5-c-toolbar__content-section", null,
                                                                                              [this.classSelect, this.resultSelect, this.ownerInput, this.rangeSelect, this.refresh].map(e => h("div.pf-v5-c-toolbar__item", null, e)),
                                                                                              h("div.pf-v5-c-toolbar__item.pf-m-pagination", null,
                                                                                                h("div.pf-v5-c-pagination.pf-m-compact", null, this.countText,
                                                                                                  h("nav.pf-v5-c-pagination__nav", { "aria-label": _("Pagination") }, this.prev, this.next)))))),
                      this.table));
    }

    show() {
        this.load();
    }

    render() {
        const classes = (this.model.manager?.Classes || []).map(c => c[0]).sort();
        const want = ["", ...classes];
        if ([...this.classSelect.options].map(o => o.value).join("\n") !== want.join("\n")) {
            const chosen = this.classSelect.value;
            replaceChildren(this.classSelect, want.map(c => h("option", { value: c }, c || _("All classes"))));
            this.classSelect.value = chosen;
        }
        if (!this.loaded && !this.loading)
            this.load();
    }

    async load() {
        if (!this.model.ready)
            return;
        this.loading = true;
        const filter = { history: cockpit.variant("b", true), limit: cockpit.variant("u", FETCH_MAX) };
        if (this.classSelect.value)
            filter.class = cockpit.variant("s", this.classSelect.value);
        if (this.ownerInput.value !== "")
            filter.owner = cockpit.variant("u", Number(this.ownerInput.value));
        if (this.rangeSelect.value)
            filter.since = cockpit.variant("t", (Date.now() - Number(this.rangeSelect.value) * 1000) * 1000);
        try {
            const [jobs] = await this.model.call("ListJobs", [filter]);
            this.entries = jobs.map(([id, cls, state, result, priority, owner, submitted, path]) =>
                ({ id, cls, state, result, priority, owner, submitted, path })).reverse();
            this.records.clear();
            this.page = 0;
        } catch (e) {
            showError(_("Reading the history failed"), e);
            this.entries = [];
        }
        this.loaded = true;
        this.loading = false;
        this.renderRows();
    }

    renderRows() {
        const result = this.resultSelect.value;
        const list = result ? this.entries.filter(e => e.result === result) : this.entries;
        const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
        this.page = Math.min(Math.max(0, this.page), pages - 1);
        const shown = list.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
        setText(this.countText, cockpit.format(_("$0 jobs, page $1 of $2"), list.length, this.page + 1, pages));
        setDisabled(this.prev, this.page === 0 ? _("First page") : null);
        setDisabled(this.next, this.page >= pages - 1 ? _("Last page") : null);
        syncList(this.tbody, shown, e => e.id, e => {
            const tr = h("tr.pf-v5-c-table__tr", { dataset: { jobId: e.id } });
            tr._c = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(() => h("td.pf-v5-c-table__td"));
            tr._c[0].append(h("a", { href: "#/job/" + e.id, onclick: ev => { ev.preventDefault(); cockpit.location.go(["job", String(e.id)]) } }, String(e.id)));
            tr.append(...tr._c);
            return tr;
        }, (tr, e) => this.updateRow(tr, e));
        for (const e of shown) {
            if (!this.records.has(e.id)) {
                this.records.set(e.id, null);
                this.model.call("GetJobRecord", [e.id]).then(([rec]) => {
                    const r = {};
                    for (const [k, v] of Object.entries(rec))
                        r[k] = v.v;
                    this.records.set(e.id, r);
                    const tr = [...this.tbody.children].find(t => t._key === e.id);
                    if (tr)
                        this.updateRow(tr, e);
                }, () => {});
            }
        }
    }

    updateRow(tr, e) {
        const r = this.records.get(e.id) || {};
        const c = tr._c;
        setData(tr, "state", e.state);
        setData(tr, "result", e.result || "");
        setText(c[1], e.cls);
        setText(c[2], ownerText(e.owner, this.model.users));
        setText(c[3], stateText(e.state));
        setText(c[4], resultText(e.result));
        setText(c[5], r.ResultDetail || NONE);
        setText(c[6], formatTime(e.submitted));
        setText(c[7], formatTime(r.StartedAt));
        setText(c[8], formatTime(r.FinishedAt));
        setText(c[9], r.StartedAt && r.FinishedAt ? formatDuration(r.FinishedAt - r.StartedAt) : NONE);
    }
}

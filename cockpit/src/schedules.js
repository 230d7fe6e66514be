// SPDX-License-Identifier: LGPL-2.1-or-later
// Schedules: next elapse, last trigger, last job and its result, and a
// button to trigger one now (TriggerSchedule, org.sluice.configure).
/* global cockpit */
import { h, setText, setDisabled, syncList } from "./dom.js";
import { formatTime, resultText, NONE } from "./format.js";
import { runAction } from "./actions.js";

const _ = cockpit.gettext;

export class SchedulesView {
    constructor(model) {
        this.model = model;
        this.tbody = h("tbody.pf-v5-c-table__tbody");
        this.empty = h("p.sluice-muted", { hidden: true }, _("No schedules are configured."));
        const cols = [_("Schedule"), _("Class"), _("Next run"), _("Last trigger"), _("Last job"), _("Its result"), ""];
        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-schedules-view" },
                    h("div.pf-v5-c-card", null,
                      h("table.pf-v5-c-table.pf-m-compact.pf-m-grid-md", { id: "sluice-schedules", role: "grid", "aria-label": _("Schedules") },
                        h("thead.pf-v5-c-table__thead", null, h("tr.pf-v5-c-table__tr", null, cols.map(c => h("th.pf-v5-c-table__th", { scope: "col" }, c)))),
                        this.tbody),
                      this.empty));
    }

    render() {
        const m = this.model.manager;
        const schedules = Array.isArray(m?.Schedules) ? m.Schedules : [];
        this.empty.hidden = schedules.length > 0;
        const configure = this.model.permission("org.sluice.configure");
        syncList(this.tbody, schedules, s => s[0], s => {
            const name = s[0];
            const tr = h("tr.pf-v5-c-table__tr", { dataset: { schedule: name } });
            tr._c = [0, 1, 2, 3, 4, 5].map(() => h("td.pf-v5-c-table__td"));
            tr._trigger = h("button.pf-v5-c-button.pf-m-secondary.pf-m-small", {
                type: "button", dataset: { action: "trigger", schedule: name },
                onclick: () => runAction(cockpit.format(_("Triggering schedule $0 failed"), name),
                                         () => this.model.call("TriggerSchedule", [name]), tr._trigger),
            }, _("Run now"));
            tr.append(...tr._c, h("td.pf-v5-c-table__td.pf-v5-c-table__action", null, tr._trigger));
            return tr;
        }, (tr, s) => {
            const [name, cls, next, last, lastJob, lastResult] = s;
            const c = tr._c;
            setText(c[0], name);
            setText(c[1], cls);
            setText(c[2], next ? formatTime(next) : _("never again"));
            setText(c[3], formatTime(last));
            if (lastJob) {
                if (!c[4]._a) {
                    c[4]._a = h("a", { onclick: ev => { ev.preventDefault(); cockpit.location.go(["job", c[4]._a.dataset.jobId]) } });
                    c[4].replaceChildren(c[4]._a);
                }
                c[4]._a.dataset.jobId = String(lastJob);
                c[4]._a.setAttribute("href", "#/job/" + lastJob);
                setText(c[4]._a, String(lastJob));
            } else {
                c[4]._a = null;
                setText(c[4], NONE);
            }
            setText(c[5], lastJob ? (lastResult ? resultText(lastResult) : _("queued or running")) : NONE);
            setDisabled(tr._trigger, configure);
        });
    }
}

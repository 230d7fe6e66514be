// SPDX-License-Identifier: LGPL-2.1-or-later
/* global cockpit */
import { h } from "./dom.js";

export class SchedulesView {
    constructor(model) {
        this.model = model;
        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-schedules-view" });
    }

    render() {
    }
}

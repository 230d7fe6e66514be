// SPDX-License-Identifier: LGPL-2.1-or-later
/* global cockpit */
import { h } from "./dom.js";

export class OverviewView {
    constructor(model) {
        this.model = model;
        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-overview-view" });
    }

    render() {
    }
}

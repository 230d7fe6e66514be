// SPDX-License-Identifier: LGPL-2.1-or-later
/* global cockpit */
import { h } from "./dom.js";

export class JobView {
    constructor(model) {
        this.model = model;
        this.id = null;
        this.el = h("section.pf-v5-c-page__main-section", { id: "sluice-job-view" });
    }

    setArg(id) {
        this.id = id;
    }

    render() {
    }
}

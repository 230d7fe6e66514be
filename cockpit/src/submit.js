// SPDX-License-Identifier: LGPL-2.1-or-later
/* global cockpit */
import { h } from "./dom.js";

export class SubmitForm {
    constructor(model) {
        this.model = model;
        this.el = h("div", { id: "sluice-submit-form", hidden: true });
    }

    open() {
        this.el.hidden = false;
    }

    render() {
    }
}

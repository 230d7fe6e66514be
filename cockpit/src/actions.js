// SPDX-License-Identifier: LGPL-2.1-or-later
// Running a mutating call and telling the user when sluiced refuses it:
// the D-Bus error's message (polkit's, for NotPermitted) in a PatternFly
// danger alert, div.sluice-error. Nothing is changed on the page: the live
// view shows what sluiced did, and a refusal did nothing.
/* global cockpit */
import { h } from "./dom.js";

const _ = cockpit.gettext;

let area = null;

/** setAlertArea() - where the page shows its error alerts. */
export function setAlertArea(el) {
    area = el;
}

/**
 * showError() - a dismissible danger alert with @title and the error's
 * message; returns the alert element.
 */
export function showError(title, error) {
    const message = error?.message || String(error);
    const alert = h("div.pf-v5-c-alert.pf-m-danger.pf-m-inline.sluice-error",
                    { role: "alert", "aria-live": "polite", dataset: { errorName: error?.name || "" } },
                    h("div.pf-v5-c-alert__icon", { "aria-hidden": "true" }, "⚠"),
                    h("p.pf-v5-c-alert__title", null,
                      h("span.pf-v5-screen-reader", null, _("Danger alert:")), title),
                    h("div.pf-v5-c-alert__action", null,
                      h("button.pf-v5-c-button.pf-m-plain",
                        { type: "button", "aria-label": _("Close"), onclick: () => alert.remove() }, "✕")),
                    h("div.pf-v5-c-alert__description", null, h("p", null, message)));
    if (area)
        area.append(alert);
    return alert;
}

/**
 * runAction() - run @fn (returns a promise), disabling @button meanwhile;
 * on failure show the error under @title. Resolves to fn's value or null.
 */
export async function runAction(title, fn, button) {
    if (button)
        button.classList.add("pf-m-in-progress");
    try {
        return await fn();
    } catch (e) {
        console.info(title, e.name, e.message);
        showError(title, e);
        return null;
    } finally {
        if (button)
            button.classList.remove("pf-m-in-progress");
    }
}

// SPDX-License-Identifier: LGPL-2.1-or-later
// Follow Cockpit's light/dark choice, as Cockpit's own pages do
// (pkg/lib/cockpit-dark-theme.js): the shell keeps the choice in
// localStorage "shell:style" ("auto", "light", "dark") and tells open pages
// with a "cockpit-style" event; "auto" follows the browser's preference.

const DARK = "pf-v5-theme-dark";

function apply(style) {
    let chosen = style;
    if (!chosen) {
        try {
            chosen = window.localStorage.getItem("shell:style");
        } catch (e) {
            chosen = null;
        }
    }
    chosen = chosen || "auto";
    const prefersDark = window.matchMedia?.("(prefers-color-scheme: dark)").matches;
    const dark = chosen === "dark" || (chosen === "auto" && prefersDark);
    document.documentElement.classList.toggle(DARK, !!dark);
}

/**
 * followTheme() - set the dark theme class now and whenever Cockpit's style
 * or the browser's preference changes.
 */
export function followTheme() {
    window.addEventListener("storage", event => {
        if (event.key === "shell:style")
            apply();
    });
    window.addEventListener("cockpit-style", event => apply(event.detail?.style));
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", () => apply());
    apply();
}

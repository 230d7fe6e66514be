// SPDX-License-Identifier: LGPL-2.1-or-later
// How values of the D-Bus API read on the page.
/* global cockpit */

const _ = cockpit.gettext;

/** The placeholder for a value sluiced does not (yet) provide. */
export const NONE = "—";

/**
 * formatTime() - a realtime µs timestamp as local date and time; 0 = "—".
 */
export function formatTime(usec) {
    if (!usec)
        return NONE;
    const d = new Date(Number(usec) / 1000);
    return d.toLocaleString(cockpit.language.replace("_", "-"), {
        year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
}

/**
 * formatDuration() - a span in µs in words a person reads at a glance:
 * "850 ms", "42 s", "3 min 20 s", "2 h 5 min", "3 d 4 h".
 */
export function formatDuration(usec) {
    if (usec === null || usec === undefined || usec < 0)
        return NONE;
    const ms = Math.round(Number(usec) / 1000);
    if (ms < 1000)
        return cockpit.format(_("$0 ms"), ms);
    const s = Math.floor(ms / 1000);
    if (s < 60)
        return cockpit.format(_("$0 s"), s);
    const min = Math.floor(s / 60);
    if (min < 60)
        return cockpit.format(_("$0 min $1 s"), min, s % 60);
    const hours = Math.floor(min / 60);
    if (hours < 24)
        return cockpit.format(_("$0 h $1 min"), hours, min % 60);
    return cockpit.format(_("$0 d $1 h"), Math.floor(hours / 24), hours % 24);
}

/**
 * jobDuration() - how long a job waited (queued) or ran (running, done),
 * up to @nowUsec.
 */
export function jobDuration(job, nowUsec) {
    const submitted = job.SubmittedAt || 0;
    const started = job.StartedAt || 0;
    const finished = job.FinishedAt || 0;
    if (job.State === "queued")
        return submitted ? nowUsec - submitted : null;
    if (!started)
        return null;
    return (finished || nowUsec) - started;
}

const STATE_WORDS = {
    queued: () => _("Queued"),
    running: () => _("Running"),
    done: () => _("Done"),
};

const RESULT_WORDS = {
    success: () => _("Success"),
    failed: () => _("Failed"),
    cancelled: () => _("Cancelled"),
    timeout: () => _("Timed out"),
    abandoned: () => _("Abandoned"),
    lost: () => _("Lost"),
};

/** stateText() - a job state in words (unknown states as they are). */
export function stateText(state) {
    return STATE_WORDS[state] ? STATE_WORDS[state]() : (state || NONE);
}

/** resultText() - a job result in words; "" (not done) = "—". */
export function resultText(result) {
    if (!result)
        return NONE;
    return RESULT_WORDS[result] ? RESULT_WORDS[result]() : result;
}

/** resultColor() - the PatternFly label colour of a result. */
export function resultColor(result) {
    switch (result) {
    case "success": return "green";
    case "failed": case "lost": return "red";
    case "timeout": case "abandoned": return "orange";
    case "cancelled": return "grey";
    default: return "blue";
    }
}

/** ownerText() - a uid as the page shows it. */
export function ownerText(uid, users) {
    if (uid === null || uid === undefined)
        return NONE;
    const name = users?.get(Number(uid));
    return name ? cockpit.format("$0 ($1)", name, uid) : String(uid);
}

/** scopeText() - a pause scope in words ("" = everything). */
export function scopeText(scope) {
    if (scope === "")
        return _("Everything");
    if (scope.startsWith("class:"))
        return cockpit.format(_("Class $0"), scope.slice(6));
    if (scope.startsWith("resource:"))
        return cockpit.format(_("Resource $0"), scope.slice(9));
    return scope;
}

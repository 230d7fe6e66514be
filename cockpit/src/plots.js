// SPDX-License-Identifier: LGPL-2.1-or-later
// Three small SVG plots, drawn here (no chart library): the queue-wait
// histogram from Statistics, running jobs against the global limit over
// time, and finished jobs per result over time. The two over-time plots are
// sampled while the page is open (model.samples), which the page says.
/* global cockpit */
import { h, replaceChildren, setText } from "./dom.js";
import { formatDuration, resultText } from "./format.js";

const _ = cockpit.gettext;

const W = 420;
const H = 160;
const PAD = { l: 36, r: 8, t: 8, b: 28 };
const RESULTS = ["success", "failed", "cancelled", "timeout", "abandoned", "lost"];
const STATS_MIN_MS = 5000;

function svg(label) {
    return h("svg.sluice-plot-svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, preserveAspectRatio: "xMidYMid meet" });
}

function axes(maxY) {
    const y0 = H - PAD.b;
    return [
        h("line.sluice-axis", { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: y0 }),
        h("line.sluice-axis", { x1: PAD.l, y1: y0, x2: W - PAD.r, y2: y0 }),
        h("text.sluice-tick", { x: PAD.l - 4, y: PAD.t + 8, "text-anchor": "end" }, String(maxY)),
        h("text.sluice-tick", { x: PAD.l - 4, y: y0, "text-anchor": "end" }, "0"),
    ];
}

function yScale(v, maxY) {
    return H - PAD.b - (maxY ? (v / maxY) * (H - PAD.t - PAD.b) : 0);
}

function legend(items) {
    return h("ul.sluice-legend", null, items.map(([cls, label]) =>
        h("li", null, h("span.sluice-swatch." + cls, { "aria-hidden": "true" }), label)));
}

export class Plots {
    constructor(model) {
        this.model = model;
        this.stats = null;
        this.statsAt = 0;
        this.statsTimer = null;
        this.wait = h("figure.sluice-plot", { id: "sluice-plot-wait" });
        this.running = h("figure.sluice-plot", { id: "sluice-plot-running" });
        this.results = h("figure.sluice-plot", { id: "sluice-plot-results" });
        this.note = h("p.sluice-help", { id: "sluice-plot-note" },
                      _("The queue-wait histogram is sluiced's own, since it started. The two plots over time are sampled only while this page is open."));
        this.el = h("div.pf-v5-c-card.pf-m-compact.sluice-card", { id: "sluice-plots" },
                    h("div.pf-v5-c-card__title", null, h("h2.pf-v5-c-card__title-text", null, _("Plots"))),
                    h("div.pf-v5-c-card__body", null, this.note,
                      h("div.pf-v5-l-gallery.pf-m-gutter.sluice-plots", null, this.wait, this.running, this.results)));
    }

    render() {
        this.refreshStats();
        this.renderRunning();
        this.renderResults();
    }

    /** Statistics is not signalled: read it when the page renders, at most every STATS_MIN_MS. */
    refreshStats() {
        const now = Date.now();
        if (now - this.statsAt < STATS_MIN_MS) {
            if (!this.statsTimer)
                this.statsTimer = window.setTimeout(() => { this.statsTimer = null; if (this.el.isConnected) this.refreshStats() }, STATS_MIN_MS);
            return;
        }
        this.statsAt = now;
        this.model.statistics().then(stats => {
            this.stats = stats;
            this.renderWait();
        }, e => {
            this.stats = null;
            replaceChildren(this.wait, h("figcaption", null, _("Queue wait")), h("p", null, e.message));
        });
    }

    renderWait() {
        const s = this.stats || {};
        const bounds = s["wait-bucket-bounds-usec"]?.v || [];
        const cumulative = s["wait-bucket-counts"]?.v || [];
        const total = s["wait-count"]?.v ?? 0;
        const counts = [];
        let prev = 0;
        for (let i = 0; i < bounds.length; i++) {
            counts.push((cumulative[i] ?? prev) - prev);
            prev = cumulative[i] ?? prev;
        }
        counts.push(Math.max(0, total - prev));
        const labels = bounds.map(b => "≤" + formatDuration(b)).concat([">" + formatDuration(bounds[bounds.length - 1] || 0)]);
        const maxY = Math.max(1, ...counts);
        const plot = svg(_("Queue wait histogram"));
        plot.append(...axes(maxY));
        const n = counts.length;
        const bw = (W - PAD.l - PAD.r) / n;
        counts.forEach((c, i) => {
            const x = PAD.l + i * bw + 1;
            const y = yScale(c, maxY);
            plot.append(h("rect.sluice-bar", { x, y, width: Math.max(1, bw - 2), height: H - PAD.b - y, dataset: { bucket: labels[i], count: c } },
                          h("title", null, labels[i] + ": " + c)));
            if (i % 3 === 0)
                plot.append(h("text.sluice-tick", { x: x + bw / 2, y: H - PAD.b + 14, "text-anchor": "middle" }, labels[i]));
        });
        replaceChildren(this.wait, h("figcaption", null, _("Queue wait of started jobs")), plot,
                        h("p.sluice-help", null, cockpit.format(_("$0 starts; mean wait $1"), total,
                                                                  total ? formatDuration((s["wait-sum-usec"]?.v || 0) / total) : "—")));
        this.wait.dataset.count = String(total);
    }

    renderRunning() {
        const samples = this.model.samples;
        const maxY = Math.max(1, ...samples.map(s => Math.max(s.running, s.max || 0, s.queued)));
        const plot = svg(_("Running jobs against the limit over time"));
        plot.append(...axes(maxY));
        const t0 = samples[0]?.t ?? Date.now();
        const t1 = Math.max(t0 + 1, samples[samples.length - 1]?.t ?? t0);
        const x = t => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
        const line = (cls, f) => h("polyline." + cls, {
            points: samples.map(s => `${x(s.t).toFixed(1)},${yScale(f(s), maxY).toFixed(1)}`).join(" "),
        });
        if (samples.length > 0) {
            plot.append(line("sluice-line-max", s => s.max || 0), line("sluice-line-queued", s => s.queued), line("sluice-line-running", s => s.running));
            plot.append(h("text.sluice-tick", { x: PAD.l, y: H - PAD.b + 14 }, new Date(t0).toLocaleTimeString()),
                        h("text.sluice-tick", { x: W - PAD.r, y: H - PAD.b + 14, "text-anchor": "end" }, new Date(t1).toLocaleTimeString()));
        }
        replaceChildren(this.running, h("figcaption", null, _("Running and queued jobs, global limit (sampled while open)")), plot,
                        legend([["sluice-line-running", _("running")], ["sluice-line-queued", _("queued")], ["sluice-line-max", _("limit (0 = unlimited)")]]));
        this.running.dataset.samples = String(samples.length);
    }

    renderResults() {
        const samples = this.model.samples;
        const total = r => samples.length ? (samples[samples.length - 1].finished[r] || 0) : 0;
        const maxY = Math.max(1, ...RESULTS.map(total));
        const plot = svg(_("Finished jobs per result over time"));
        plot.append(...axes(maxY));
        const t0 = samples[0]?.t ?? Date.now();
        const t1 = Math.max(t0 + 1, samples[samples.length - 1]?.t ?? t0);
        const x = t => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
        for (const r of RESULTS) {
            if (!total(r))
                continue;
            plot.append(h("polyline.sluice-line-result.sluice-result-" + r, {
                points: samples.map(s => `${x(s.t).toFixed(1)},${yScale(s.finished[r] || 0, maxY).toFixed(1)}`).join(" "),
            }));
        }
        replaceChildren(this.results, h("figcaption", null, _("Finished jobs per result since the page opened (sampled while open)")), plot,
                        legend(RESULTS.map(r => ["sluice-result-" + r, cockpit.format("$0: $1", resultText(r), total(r))])));
        setText(this.results.querySelector("figcaption"), _("Finished jobs per result since the page opened (sampled while open)"));
    }
}

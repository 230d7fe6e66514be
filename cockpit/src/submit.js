// SPDX-License-Identifier: LGPL-2.1-or-later
// The submission form: a command class, one field per declared parameter
// (ClassDetails "Parameters": name and the pattern its value must match as
// a whole), a description. Values are checked here against the pattern when
// JavaScript can read it, and by sluiced in any case (its refusal names the
// field and shows as an alert). Whether the user may submit to the chosen
// class is asked per class (GetPermissionsFor({class}): a polkit rule may
// grant org.sluice.submit for some classes only); Submit is disabled with
// the reason when polkit says "no".
/* global cockpit */
import { h, setText, setDisabled, replaceChildren } from "./dom.js";
import { runAction } from "./actions.js";

const _ = cockpit.gettext;

/** compile() - a parameter pattern as a JS RegExp matching the whole value, or null. */
function compile(pattern) {
    if (!pattern)
        return null;
    try {
        return new RegExp("^(?:" + pattern + ")$", "u");
    } catch (e) {
        return null; // not JavaScript syntax (POSIX classes…): sluiced checks it
    }
}

function detailsOf(m, name) {
    const d = m?.ClassDetails?.[name];
    if (!d)
        return null;
    const out = {};
    for (const [k, v] of Object.entries(d))
        out[k] = v?.v ?? v;
    return out;
}

const SUBMIT = "org.sluice.submit";

/**
 * ClassPermissions - what the user may do per class, asked with
 * GetPermissionsFor({class}) once per class and kept until forget()
 * (permissions re-read: administrative access changed, a new channel).
 * @call: (method, args) → promise of the reply, e.g. model.call
 * @onAnswer: called when an answer came in (render again)
 */
export class ClassPermissions {
    constructor(call, onAnswer) {
        this.call = call;
        this.onAnswer = onAnswer;
        this.answers = new Map(); // class → {action: "yes"|"challenge"|"no"} or null (no answer)
        this.supported = true; // false: this sluiced has no GetPermissionsFor
        this.generation = 0;
    }

    /** forget() - drop every answer; late replies of earlier questions are ignored. */
    forget() {
        this.answers.clear();
        this.generation++;
    }

    /**
     * get() - the answers for @cls: an object, null when unknown or not
     * answered, undefined while asked (the question goes out once).
     */
    get(cls) {
        if (!this.supported || !cls)
            return null;
        if (this.answers.has(cls))
            return this.answers.get(cls);
        const generation = this.generation;
        this.answers.set(cls, undefined);
        this.call("GetPermissionsFor", [{ class: cls }]).then(([perms]) => {
            if (generation !== this.generation)
                return;
            this.answers.set(cls, perms);
            this.onAnswer();
        }, e => {
            if (generation !== this.generation)
                return;
            // An older sluiced: ask nothing more, the class-less
            // GetPermissions() answers. Anything else (the class went
            // away, polkit overloaded): unknown, sluiced's refusal tells.
            if (e?.name === "org.freedesktop.DBus.Error.UnknownMethod")
                this.supported = false;
            else
                console.info("GetPermissionsFor:", e?.message);
            this.answers.set(cls, null);
            this.onAnswer();
        });
        return undefined;
    }

    /**
     * submitRefusal() - why the user may not submit a job of @cls (polkit
     * says "no" for that class), or null. @fallback: the class-less
     * reason, used when sluiced cannot answer per class.
     */
    submitRefusal(cls, fallback) {
        const perms = this.get(cls);
        if (perms === undefined)
            return null; // being asked: sluiced's refusal tells if it comes to that
        if (perms === null)
            return this.supported ? null : fallback;
        if (perms[SUBMIT] === "no")
            return cockpit.format(_("Not permitted: polkit refuses $0 for class $1 to you"), SUBMIT, cls);
        return null;
    }
}

export class SubmitForm {
    constructor(model) {
        this.model = model;
        this.classSelect = h("select.pf-v5-c-form-control", { id: "sluice-submit-class", "aria-label": _("Class"), onchange: () => this.render() });
        this.fields = h("div.sluice-submit-fields", { id: "sluice-submit-fields" });
        this.description = h("input.pf-v5-c-form-control", { id: "sluice-submit-description", type: "text", maxlength: "1024", "aria-label": _("Description") });
        this.submit = h("button.pf-v5-c-button.pf-m-primary", { id: "sluice-submit", type: "submit" }, _("Submit"));
        this.close = h("button.pf-v5-c-button.pf-m-link", { id: "sluice-submit-cancel", type: "button", onclick: () => this.hide() }, _("Close"));
        this.result = h("p.sluice-submit-result", { id: "sluice-submit-result", "aria-live": "polite" });
        this.note = h("p.pf-v5-c-form__helper-text.sluice-help", { id: "sluice-submit-note" });
        this.form = h("form.pf-v5-c-form.pf-m-horizontal", { novalidate: true, onsubmit: ev => { ev.preventDefault(); this.send() } },
                      group(_("Class"), this.classSelect, "sluice-submit-class"),
                      this.note,
                      this.fields,
                      group(_("Description"), this.description, "sluice-submit-description"),
                      h("div.pf-v5-c-form__group.pf-m-action", null,
                        h("div.pf-v5-c-form__group-control", null,
                          h("div.pf-v5-c-form__actions", null, this.submit, this.close))),
                      this.result);
        this.el = h("div.pf-v5-c-card.sluice-card", { id: "sluice-submit-form", hidden: true },
                    h("div.pf-v5-c-card__title", null, h("h2.pf-v5-c-card__title-text", null, _("Submit a job"))),
                    h("div.pf-v5-c-card__body", null, this.form));
        this.builtFor = null;
        this.classPermissions = new ClassPermissions((method, args) => this.model.call(method, args),
                                                     () => this.render());
    }

    open() {
        this.el.hidden = false;
        this.render();
        this.classSelect.focus();
    }

    hide() {
        this.el.hidden = true;
    }

    /** The classes one can submit from here: command classes (a lease needs a holder). */
    classes() {
        const m = this.model.manager;
        return (m?.Classes || []).filter(c => c[1] === "command").map(c => c[0]).sort();
    }

    render(what) {
        if (what?.permissions)
            this.classPermissions.forget(); // re-read: administrative access may have changed
        if (this.el.hidden)
            return;
        const classes = this.classes();
        const have = [...this.classSelect.options].map(o => o.value);
        if (have.join("\n") !== classes.join("\n")) {
            const chosen = this.classSelect.value;
            replaceChildren(this.classSelect, classes.map(c => h("option", { value: c }, c)));
            if (classes.includes(chosen))
                this.classSelect.value = chosen;
        }
        if (this.builtFor !== this.classSelect.value + JSON.stringify(this.model.manager?.ClassDetails?.[this.classSelect.value] ?? null))
            this.buildFields();
        setDisabled(this.submit, this.classPermissions.submitRefusal(this.classSelect.value,
                                                                     this.model.permission(SUBMIT)));
    }

    buildFields() {
        const name = this.classSelect.value;
        const d = detailsOf(this.model.manager, name);
        this.builtFor = name + JSON.stringify(this.model.manager?.ClassDetails?.[name] ?? null);
        const desc = d?.Description || (this.model.manager?.Classes || []).find(c => c[0] === name)?.[2] || "";
        setText(this.note, desc);
        if (!d) {
            replaceChildren(this.fields, h("p.sluice-help", null, _("This sluiced does not tell the class's parameters (ClassDetails); the job is submitted without any.")));
            return;
        }
        const params = d.Parameters || [];
        replaceChildren(this.fields, params.map(([pname, pattern]) => {
            const input = h("input.pf-v5-c-form-control", {
                type: "text", id: "sluice-param-" + pname, dataset: { parameter: pname, pattern }, "aria-label": pname,
                oninput: () => this.check(input),
            });
            input._re = compile(pattern);
            const help = h("div.pf-v5-c-form__helper-text", { id: "sluice-param-help-" + pname },
                           pattern ? cockpit.format(_("must match $0"), pattern) : _("any value"));
            input._help = help;
            return group(pname, [input, help], "sluice-param-" + pname);
        }));
    }

    /** check() - true when @input's value matches its pattern (or JS cannot tell). */
    check(input) {
        const ok = !input._re || input._re.test(input.value);
        input.setAttribute("aria-invalid", ok ? "false" : "true");
        input._help.classList.toggle("pf-m-error", !ok);
        return ok;
    }

    async send() {
        const cls = this.classSelect.value;
        if (!cls)
            return;
        const inputs = [...this.fields.querySelectorAll("input[data-parameter]")];
        const bad = inputs.filter(i => !this.check(i));
        if (bad.length) {
            setText(this.result, cockpit.format(_("Check $0: the value does not match its pattern."), bad.map(i => i.dataset.parameter).join(", ")));
            this.result.dataset.state = "invalid";
            return;
        }
        const parameters = {};
        for (const i of inputs)
            parameters[i.dataset.parameter] = i.value;
        const options = { parameters: cockpit.variant("a{ss}", parameters) };
        if (this.description.value)
            options.description = cockpit.variant("s", this.description.value);
        setText(this.result, "");
        delete this.result.dataset.state;
        const reply = await runAction(cockpit.format(_("Submitting a job of class $0 failed"), cls),
                                      () => this.model.call("Submit", [cls, options]), this.submit);
        if (reply) {
            const path = reply[0];
            const id = path.slice(path.lastIndexOf("/") + 1);
            replaceChildren(this.result, cockpit.format(_("Job $0 submitted. "), id),
                            h("a", { href: "#/job/" + id, dataset: { jobId: id }, onclick: ev => { ev.preventDefault(); cockpit.location.go(["job", id]) } }, _("Show it")));
            this.result.dataset.state = "submitted";
            this.result.dataset.jobId = id;
        }
    }
}

function group(label, control, id) {
    return h("div.pf-v5-c-form__group", null,
             h("div.pf-v5-c-form__group-label", null, h("label.pf-v5-c-form__label", { for: id }, h("span.pf-v5-c-form__label-text", null, label))),
             h("div.pf-v5-c-form__group-control", null, control));
}

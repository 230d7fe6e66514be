// SPDX-License-Identifier: LGPL-2.1-or-later
// Small DOM helpers: the page builds its elements with these (no innerHTML,
// no inline styles: Cockpit's Content-Security-Policy forbids them).

/**
 * h() - create an element.
 * @tag: tag name, optionally with classes: "div.pf-v5-c-card.sluice-x"
 * @attrs: attributes; "class" adds classes, "on*" functions become listeners,
 *         "dataset" an object of data-* values; null/undefined/false are skipped
 * @children: strings, nodes, arrays of them; null/undefined/false are skipped
 */
export function h(tag, attrs, ...children) {
    const [name, ...classes] = tag.split(".");
    const svg = SVG_TAGS.has(name);
    const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", name)
        : document.createElement(name);
    for (const c of classes)
        el.classList.add(c);
    setAttrs(el, attrs);
    append(el, children);
    return el;
}

const SVG_TAGS = new Set(["svg", "g", "rect", "line", "polyline", "path", "text", "title", "circle"]);

/**
 * setAttrs() - set attributes, classes and listeners on an element (see h()).
 */
export function setAttrs(el, attrs) {
    if (!attrs)
        return el;
    for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false)
            continue;
        if (key === "class") {
            for (const c of String(value).split(/\s+/).filter(Boolean))
                el.classList.add(c);
        } else if (key === "dataset") {
            for (const [k, v] of Object.entries(value))
                el.dataset[k] = v;
        } else if (key.startsWith("on") && typeof value === "function") {
            el.addEventListener(key.slice(2), value);
        } else if (key === "value" && "value" in el && !(el instanceof SVGElement)) {
            el.value = value;
        } else {
            el.setAttribute(key, value === true ? "" : String(value));
        }
    }
    return el;
}

/**
 * append() - append children (strings, nodes, nested arrays) to an element.
 */
export function append(el, children) {
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false)
            continue;
        el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
}

/**
 * replaceChildren() - make @children the only children of @el.
 */
export function replaceChildren(el, ...children) {
    el.replaceChildren();
    return append(el, children);
}

/**
 * setText() - set an element's text only when it changed (keeps the DOM calm
 * for live updates and for a browser test that holds on to the element).
 */
export function setText(el, text) {
    const s = text === null || text === undefined ? "" : String(text);
    if (el.textContent !== s)
        el.textContent = s;
}

/**
 * setData() - set (or, for null, remove) a data-* attribute when it changed.
 */
export function setData(el, key, value) {
    if (value === null || value === undefined) {
        if (key in el.dataset)
            delete el.dataset[key];
    } else if (el.dataset[key] !== String(value)) {
        el.dataset[key] = value;
    }
}

/**
 * setDisabled() - disable an element with a reason shown as its tooltip, or
 * enable it again.
 */
export function setDisabled(el, reason) {
    if (reason) {
        el.disabled = true;
        el.setAttribute("title", reason);
        el.setAttribute("aria-disabled", "true");
    } else {
        el.disabled = false;
        el.removeAttribute("title");
        el.removeAttribute("aria-disabled");
    }
}

/**
 * syncList() - keep @container's children one per item of @items, in order,
 * keyed by @key(item): an existing child is reused and updated in place
 * (update(el, item)), a new one made by create(item), a child whose key is
 * gone removed. A browser test holding an element keeps a live one.
 */
export function syncList(container, items, key, create, update) {
    const old = new Map();
    for (const el of [...container.children]) {
        if (el._key !== undefined)
            old.set(el._key, el);
        else
            el.remove();
    }
    let prev = null;
    for (const item of items) {
        const k = key(item);
        let el = old.get(k);
        if (el)
            old.delete(k);
        else {
            el = create(item);
            el._key = k;
        }
        update?.(el, item);
        const want = prev ? prev.nextSibling : container.firstChild;
        if (want !== el)
            container.insertBefore(el, want);
        prev = el;
    }
    for (const el of old.values())
        el.remove();
}

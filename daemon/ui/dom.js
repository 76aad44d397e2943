// dom.js — building elements without ever parsing data as HTML.
//
// h(tag, attrs, ...children): children are nodes or strings; strings
// become text nodes (textContent), so a party named
// "<script>alert(1)</script>" is shown as those characters. Attributes
// are set with setAttribute; event handlers are given as functions under
// "on" names. Nothing in the page uses innerHTML.

export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function")
      e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  add(e, children);
  return e;
}

function add(e, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(e, c);
    else if (c instanceof Node) e.appendChild(c);
    else e.appendChild(document.createTextNode(String(c)));
  }
}

// Replaces everything in parent with children.
export function put(parent, ...children) {
  parent.replaceChildren();
  add(parent, children);
}

// A <select> of [value, label] pairs with value chosen.
export function select(id, pairs, value, onchange) {
  const s = h("select", { id, onchange: () => onchange(s.value) });
  for (const [v, label] of pairs) {
    const o = h("option", { value: v }, label);
    if (v === value) o.selected = true;
    s.appendChild(o);
  }
  return s;
}

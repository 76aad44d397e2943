// state.js — the page's whole state lives in the address bar.
//
// "#/<view>?date=2020-12-31&known=…&lang=en&party=…&grant=…" : a link
// shows a colleague the same view. read() parses location.hash; go()
// writes a new one (a history entry, so Back works) and the hashchange
// listener in app.js renders it.

export const VIEWS = ["oversikt", "handelser", "frister", "aterbetalning",
  "flode", "part", "aterrapportering", "andrat", "registrera"];

export function read() {
  const body = location.hash.replace(/^#/, "");
  const i = body.indexOf("?");
  const path = i < 0 ? body : body.slice(0, i);
  const q = new URLSearchParams(i < 0 ? "" : body.slice(i + 1));
  const view = path.replace(/^\//, "");
  const params = Object.fromEntries(q.entries());
  return { view: VIEWS.includes(view) ? view : "oversikt", params };
}

export function href(view, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return `#/${view}${s ? "?" + s : ""}`;
}

// The same state with some parameters changed (null removes one).
export function withParams(state, changes, view) {
  return href(view || state.view, { ...state.params, ...changes });
}

export function go(url) {
  if (url !== location.hash) location.hash = url;
}

// api.js — the page's only way to the ledger: medeld's HTTP API.
//
// Access (docs/web.md): over TCP every API call needs a bearer token. The
// page takes it from the URL's fragment (#token=…, which a browser never
// sends to the server), removes it from the address bar at once with
// history.replaceState, or asks for it once; it keeps it in
// sessionStorage (gone when the tab closes) and sends it as
// `Authorization: Bearer`. The token never goes into a URL the page
// requests.
//
// JSON is parsed with a reviver that turns integers too large for a
// double into BigInt from their source text, so no amount is ever
// rounded (fmt.js formats both).

const KEY = "medel.token";
let askToken = null; // set by app.js: () => Promise<string>

export function onNeedToken(fn) {
  askToken = fn;
}

// Takes "token=…" out of a fragment; returns the fragment without it.
export function takeTokenFromHash(hash) {
  const body = hash.replace(/^#/, "");
  const [path, query] = body.includes("?") ? body.split(/\?(.*)/s) : [body, ""];
  const parts = [path, ...query.split("&")].filter((p) => p !== "");
  let found = null;
  const kept = [];
  for (const p of parts) {
    if (p.startsWith("token=")) found = decodeURIComponent(p.slice(6));
    else kept.push(p);
  }
  if (found) sessionStorage.setItem(KEY, found);
  if (!found) return null;
  const route = kept.length && kept[0].startsWith("/") ? kept.shift() : "/oversikt";
  return kept.length ? `#${route}?${kept.join("&")}` : `#${route}`;
}

export function setToken(tok) {
  sessionStorage.setItem(KEY, tok);
}

function parse(text) {
  return JSON.parse(text, (k, v, ctx) =>
    typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v) &&
    ctx && ctx.source ? BigInt(ctx.source) : v);
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code;
    this.field = e.field;
  }
}

// GET (or, with init, another method) path?params; resolves to the
// Response (ok), asking for a token on 401 and trying once more.
async function raw(path, params, init) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const url = q.toString() ? `${path}?${q}` : path;
  for (let attempt = 0; attempt < 3; attempt++) {
    const tok = sessionStorage.getItem(KEY);
    const headers = tok ? { Authorization: `Bearer ${tok}` } : {};
    if (init && init.body) headers["Content-Type"] = "application/json";
    const r = await fetch(url, { ...(init || {}), headers, cache: "no-store" });
    if (r.status === 401 && askToken) {
      setToken(await askToken(attempt > 0 || !!tok));
      continue;
    }
    if (!r.ok) {
      let body = null;
      try { body = parse(await r.text()); } catch (e) { body = null; }
      throw new ApiError(r.status, body);
    }
    return r;
  }
  throw new ApiError(401, null);
}

export async function get(path, params) {
  const r = await raw(path, params);
  return parse(await r.text());
}

// The answer as a Blob (SVG, CSV): for an <img> or a download link,
// which could not carry the token themselves.
export async function blob(path, params) {
  const r = await raw(path, params);
  return r.blob();
}

// JSON text of an object whose amounts may be BigInt (an amount above
// 2^53 − 1 öre is written as the integer it is, never through a double).
// A BigInt becomes a marker string carrying a random nonce, which is
// then replaced by its digits: a user's text cannot forge the marker.
export function stringify(obj) {
  const nonce = Array.from(crypto.getRandomValues(new Uint32Array(2)))
    .map((x) => x.toString(16)).join("");
  const text = JSON.stringify(obj, (k, v) =>
    typeof v === "bigint" ? `@${nonce}:${v}` : v);
  return text.replace(new RegExp(`"@${nonce}:(-?\\d+)"`, "g"), "$1");
}

// POST path?params with a JSON body; the answer parsed (201 or 200),
// or an ApiError carrying the API's code, field and index.
export async function post(path, params, body) {
  const r = await raw(path, params, { method: "POST", body: stringify(body) });
  return { status: r.status, ...parse(await r.text()) };
}

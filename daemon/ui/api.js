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

// GET path?params; resolves to the Response (ok), asking for a token on
// 401 and trying once more.
async function raw(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const url = q.toString() ? `${path}?${q}` : path;
  for (let attempt = 0; attempt < 3; attempt++) {
    const tok = sessionStorage.getItem(KEY);
    const headers = tok ? { Authorization: `Bearer ${tok}` } : {};
    const r = await fetch(url, { headers, cache: "no-store" });
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

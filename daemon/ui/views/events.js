// views/events.js — Händelser: the log (/v1/events) filtered by party,
// grant and type as the API filters it, 200 events a page ("Fler" goes
// on from next_after), and the head (seq and hash, /healthz). Each event
// offers "som då": the whole page as the ledger knew it when that event
// was recorded (known_at = its recorded_at). Verifiera runs /v1/verify.
//
// Corrections are linked both ways: a correction says which event it
// corrects, an event that was corrected by which corrections (all of the
// log's corrections are read once per render: /v1/events?type=correction).
// A link to an event opens the log at it (after = seq − 1) and marks it.
//
// The date range (from, to: the events' own dates) is not a filter the
// API has: the page reads the log in pages of 10 000 with the API's
// filters and keeps the events dated in the range, until it has 200 or
// has read SCAN_PAGES pages; "Fler" goes on from the last seq read, and
// the page says how far it has searched.
import * as api from "../api.js";
import { h, select } from "../dom.js";
import { isDate, money, svCompare, time } from "../fmt.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { grantLink, partyLink } from "./common.js";

const TYPES = ["party", "grant", "allocation", "requisition", "payout",
  "expense", "invoice", "repayment", "return", "carry_over", "report",
  "condition", "correction", "distribution", "close"];
const PAGE = 200;
const SCAN = 10000; // events a request, the API's most
const SCAN_PAGES = 10;

function who(ctx, e) {
  if (e.type === "correction") return h("span", { class: "note" }, e.note || "");
  const out = [];
  for (const k of ["from", "party", "to"])
    if (e[k]) {
      if (out.length) out.push(k === "to" ? " → " : " · ");
      out.push(partyLink(ctx, e[k]));
    }
  return out;
}

function eventLink(ctx, seq, label) {
  return h("a", { href: withParams(ctx.state, { after: seq - 1, hl: seq, party: null,
    grant: null, type: null, from: null, to: null }), "data-seq": seq }, label);
}

function corrections(ctx, e, fixedBy) {
  const out = [];
  if (e.type === "correction" && Number.isInteger(e.corrects))
    out.push(eventLink(ctx, e.corrects, t("corrects_link", { seq: e.corrects })));
  for (const c of fixedBy.get(e.seq) || [])
    out.push(eventLink(ctx, c, t("corrected_by", { seq: c })));
  if (e.type !== "party" && e.type !== "grant" && e.type !== "close")
    out.push(h("a", { href: withParams(ctx.state, { type: "correction", corrects: e.seq,
      party: null, grant: null, after: null, hl: null }, "registrera"),
    class: "fix" }, t("correct_this")));
  return h("span", { class: "corr" }, out.map((a, i) => [i ? " · " : "", a]));
}

function row(ctx, e, fixedBy) {
  const hl = Number(ctx.state.params.hl) === e.seq;
  return h("tr", { "data-seq": e.seq, class: hl ? "target" : null,
    id: hl ? "target" : null },
    h("td", { class: "num" }, String(e.seq)),
    h("td", {}, e.date || ""),
    h("td", {}, e.type),
    h("td", {}, who(ctx, e)),
    h("td", {}, e.grant ? grantLink(ctx, e.grant) : ""),
    h("td", { class: "num", "data-ore": e.amount === undefined ? null : String(e.amount) },
      e.amount === undefined ? "" : money(e.amount, ctx.lang)),
    h("td", {}, e.recorded_by || ""),
    h("td", { class: "time" }, time(e.recorded_at)),
    h("td", {}, corrections(ctx, e, fixedBy)),
    h("td", {}, h("a", { href: withParams(ctx.state, { known: e.recorded_at }),
      title: t("known_here_title"), class: "asthen" }, t("known_here"))));
}

function filters(ctx) {
  const p = ctx.state.params;
  const set = (k) => (v) => go(withParams(ctx.state, { [k]: v || null, after: null }));
  const parties = [...ctx.names.parties.values()]
    .sort((a, b) => svCompare(a.name, b.name));
  const grants = [...ctx.names.grants.keys()].sort();
  return h("div", { class: "filters" },
    h("label", {}, t("party"), select("f-party", [["", t("all")],
      ...parties.map((x) => [x.party, x.name])], p.party || "", set("party"))),
    h("label", {}, t("grant"), select("f-grant", [["", t("all")],
      ...grants.map((g) => [g, ctx.names.grant(g)])], p.grant || "", set("grant"))),
    h("label", {}, t("type"), select("f-type", [["", t("all")],
      ...TYPES.map((x) => [x, x])], p.type || "", set("type"))),
    dateBox(ctx, "from", t("date_from")), dateBox(ctx, "to", t("date_to")));
}

function dateBox(ctx, key, label) {
  const box = h("input", { type: "text", id: `f-${key}`, size: 10, maxlength: 10,
    placeholder: "ÅÅÅÅ-MM-DD", value: ctx.state.params[key] || "", autocomplete: "off" });
  box.addEventListener("change", () => {
    const v = box.value.trim();
    if (v === "" || isDate(v))
      go(withParams(ctx.state, { [key]: v || null, after: null, hl: null }));
    else box.value = ctx.state.params[key] || "";
  });
  return h("label", {}, label, box);
}

// The log page: with a date range, scanned as the header says.
async function page(p) {
  const q = { party: p.party, grant: p.grant, type: p.type };
  if (!p.from && !p.to) {
    const log = await api.get("/v1/events", { after: p.after || 0, limit: PAGE, ...q });
    return { events: log.events, next: log.events.length === PAGE ? log.next_after : null,
      scanned: null };
  }
  const inRange = (e) => (!p.from || e.date >= p.from) && (!p.to || e.date <= p.to);
  const events = [];
  let after = Number(p.after || 0);
  for (let i = 0; i < SCAN_PAGES && events.length < PAGE; i++) {
    const log = await api.get("/v1/events", { after, limit: SCAN, ...q });
    for (const e of log.events) {
      if (events.length === PAGE) break;
      after = e.seq;
      if (inRange(e)) events.push(e);
    }
    if (log.events.length < SCAN && events.length < PAGE)
      return { events, next: null, scanned: after };
  }
  return { events, next: after, scanned: after };
}

// Verifiera: runs /v1/verify (the chain re-hashed, the state rebuilt
// and compared) and shows its answer; on a difference every field of it.
async function verify(btn, out) {
  btn.disabled = true;
  out.className = "";
  out.textContent = t("verifying");
  try {
    const v = await api.get("/v1/verify");
    out.className = v.ok ? "status ok" : "status overdue";
    out.dataset.ok = v.ok ? "1" : "0";
    out.textContent = v.ok
      ? t("verify_ok", { n: v.events, seq: v.head_seq })
      : `${t("verify_bad")}: ` + Object.entries(v).filter(([k]) => k !== "ok")
        .map(([k, x]) => `${k} ${typeof x === "object" ? JSON.stringify(x) : x}`)
        .join(" · ");
  } catch (e) {
    out.className = "error";
    out.textContent = `${t("error")}: ${e.message}`;
  } finally {
    btn.disabled = false;
  }
}

export default async function render(ctx) {
  const p = ctx.state.params;
  const [log, health, fixes] = await Promise.all([
    page(p),
    api.get("/healthz"),
    api.get("/v1/events", { type: "correction", limit: SCAN }),
  ]);
  const fixedBy = new Map();
  for (const c of fixes.events)
    if (Number.isInteger(c.corrects))
      fixedBy.set(c.corrects, [...(fixedBy.get(c.corrects) || []), c.seq]);
  const head = h("p", { class: "head", id: "head" }, `${t("head")}: `,
    h("strong", { id: "head-seq" }, String(health.head_seq)), ` · ${t("hash")} `,
    h("code", { id: "head-hash" }, health.head_hash));
  const out = h("span", { id: "verify-result", "aria-live": "polite" });
  const btn = h("button", { type: "button", id: "verify" }, t("verify"));
  btn.addEventListener("click", () => verify(btn, out));
  head.append(" ", btn, " ", out);
  const cols = [t("seq"), t("date"), t("type"), t("from_to"), t("grant"),
    t("amount"), t("recorded_by"), t("recorded_at"), t("corrections"), ""];
  const more = log.next !== null
    ? h("a", { href: withParams(ctx.state, { after: log.next, hl: null }),
      id: "more" }, t("more")) : null;
  return [h("h2", {}, t("handelser")), head, filters(ctx),
    log.scanned !== null ? h("p", { class: "hint", id: "scanned" },
      t("scanned", { seq: log.scanned })) : null,
    h("table", { class: "log", id: "log" },
      h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, log.events.map((e) => row(ctx, e, fixedBy)))), more];
}

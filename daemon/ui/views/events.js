// views/events.js — Händelser: the log (/v1/events) filtered by party,
// grant and type as the API filters it, 200 events a page ("Fler" goes
// on from next_after), and the head (seq and hash, /healthz). Each event
// offers "som då": the whole page as the ledger knew it when that event
// was recorded (known_at = its recorded_at). Verifiera runs /v1/verify.

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { money, time } from "../fmt.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { grantLink, partyLink } from "./common.js";

const TYPES = ["party", "grant", "allocation", "requisition", "payout",
  "expense", "invoice", "repayment", "return", "carry_over", "report",
  "condition", "correction", "distribution", "close"];
const PAGE = 200;

function who(ctx, e) {
  const out = [];
  for (const k of ["from", "party", "to"])
    if (e[k]) {
      if (out.length) out.push(k === "to" ? " → " : " · ");
      out.push(partyLink(ctx, e[k]));
    }
  return out;
}

function row(ctx, e) {
  return h("tr", { "data-seq": e.seq },
    h("td", { class: "num" }, String(e.seq)),
    h("td", {}, e.date || ""),
    h("td", {}, e.type),
    h("td", {}, who(ctx, e)),
    h("td", {}, e.grant ? grantLink(ctx, e.grant) : ""),
    h("td", { class: "num", "data-ore": e.amount === undefined ? null : String(e.amount) },
      e.amount === undefined ? "" : money(e.amount, ctx.lang)),
    h("td", {}, e.recorded_by || ""),
    h("td", { class: "time" }, time(e.recorded_at)),
    h("td", {}, h("a", { href: withParams(ctx.state, { known: e.recorded_at }),
      title: t("known_here_title"), class: "asthen" }, t("known_here"))));
}

function filters(ctx) {
  const p = ctx.state.params;
  const set = (k) => (v) => go(withParams(ctx.state, { [k]: v || null, after: null }));
  const parties = [...ctx.names.parties.values()]
    .sort((a, b) => a.name.localeCompare(b.name, "sv"));
  const grants = [...ctx.names.grants.keys()].sort();
  return h("div", { class: "filters" },
    h("label", {}, t("party"), select("f-party", [["", t("all")],
      ...parties.map((x) => [x.party, x.name])], p.party || "", set("party"))),
    h("label", {}, t("grant"), select("f-grant", [["", t("all")],
      ...grants.map((g) => [g, ctx.names.grant(g)])], p.grant || "", set("grant"))),
    h("label", {}, t("type"), select("f-type", [["", t("all")],
      ...TYPES.map((x) => [x, x])], p.type || "", set("type"))));
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
  const [log, health] = await Promise.all([
    api.get("/v1/events", { after: p.after || 0, limit: PAGE, party: p.party,
      grant: p.grant, type: p.type }),
    api.get("/healthz"),
  ]);
  const head = h("p", { class: "head", id: "head" }, `${t("head")}: `,
    h("strong", { id: "head-seq" }, String(health.head_seq)), ` · ${t("hash")} `,
    h("code", { id: "head-hash" }, health.head_hash));
  const out = h("span", { id: "verify-result", "aria-live": "polite" });
  const btn = h("button", { type: "button", id: "verify" }, t("verify"));
  btn.addEventListener("click", () => verify(btn, out));
  head.append(" ", btn, " ", out);
  const cols = [t("seq"), t("date"), t("type"), t("from_to"), t("grant"),
    t("amount"), t("recorded_by"), t("recorded_at"), ""];
  const more = log.events.length === PAGE
    ? h("a", { href: withParams(ctx.state, { after: log.next_after }),
      id: "more" }, t("more")) : null;
  return [h("h2", {}, t("handelser")), head, filters(ctx),
    h("table", { class: "log", id: "log" },
      h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, log.events.map((e) => row(ctx, e)))), more];
}

// views/statement.js — Återrapportering: the statement of one legal
// entity (its committees and units consolidated) for one grant with its
// posts, /v1/statement as of the page's date (and known_at). Every
// section is the API's list and the API's total; the page sums nothing.
// It prints on A4 (style.css @media print): the frame, pickers and
// buttons are left out, and the head seq and full hash the statement was
// computed at are printed under the title, so a paper copy can be
// checked against the chain (`medel verify`, Händelser).
//
// flatten() turns an answer into labelled figures with stable keys; the
// view *Vad har ändrats* (changes.js) compares two answers with it.

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { money, svCompare, time } from "../fmt.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { grantLink, partyLink } from "./common.js";

export const SUMMARY = ["allocated", "allocated_out", "pending", "pending_out",
  "unallocated", "claimed", "received", "returned", "carried_in", "spent",
  "paid_out", "repaid", "carried_out", "held"];

// The party's legal entity: the top of its party tree.
export function legalEntity(ctx, id) {
  return id ? ctx.names.partyPath(id)[0] : null;
}

// The legal entities and grants to choose from, and the chosen pair
// (the address's, else the first legal entity by name and the newest
// grant without a parent).
export function choices(ctx) {
  const p = ctx.state.params;
  const entities = [...ctx.names.parties.values()].filter((x) => !x.parent)
    .sort((a, b) => svCompare(a.name, b.name));
  const grants = [...ctx.names.grants.values()]
    .sort((a, b) => svCompare(a.grant, b.grant));
  const tops = grants.filter((g) => !g.parent)
    .sort((a, b) => (b.year || 0) - (a.year || 0));
  const party = legalEntity(ctx, p.party) || (entities[0] || {}).party;
  const grant = p.grant || (tops[0] || {}).grant;
  return { entities, grants, party, grant };
}

export function pickers(ctx, c) {
  const set = (k) => (v) => go(withParams(ctx.state, { [k]: v }));
  return h("div", { class: "filters" },
    h("label", {}, t("legal_entity"), select("f-party",
      c.entities.map((x) => [x.party, x.name]), c.party, set("party"))),
    h("label", {}, t("grant"), select("f-grant",
      c.grants.map((g) => [g.grant, ctx.names.grant(g.grant)]), c.grant,
      set("grant"))));
}

// [{key, section, label, amount}] of a statement answer, in its order.
export function flatten(ctx, s) {
  const out = [];
  const add = (key, section, label, amount) =>
    out.push({ key, section, label, amount });
  for (const k of SUMMARY)
    if (k in s.summary) add(`summary.${k}`, t("st_summary"), t(k), s.summary[k]);
  for (const [sec, list] of [["received", "from"], ["returned", "from"],
    ["passed_on", "to"], ["repaid", "to"]]) {
    for (const x of s[sec][list])
      add(`${sec}.${x.party}`, t(`st_${sec}`), ctx.names.party(x.party), x.amount);
    add(`${sec}.*`, t(`st_${sec}`), t("total"), s[sec].amount);
  }
  for (const a of s.spent.activities)
    add(`spent.${a.activity}|${a.unit || ""}`, t("st_spent"),
      a.unit ? `${a.activity} (${a.unit})` : a.activity, a.amount);
  add("spent.*", t("st_spent"), t("total"), s.spent.amount);
  for (const c of s.carried) {
    add(`carried.${c.grant}.in`, t("st_carried"),
      `${ctx.names.grant(c.grant)}: ${t("carried_in")}`, c.carried_in);
    add(`carried.${c.grant}.out`, t("st_carried"),
      `${ctx.names.grant(c.grant)}: ${t("carried_out")}`, c.carried_out);
  }
  return out;
}

// "Per 2021-04-01 · computed at event 119 · hash 8769…" (whole hash).
export function headLine(ctx, s, id, known) {
  const at = known === undefined ? ctx.state.params.known : known;
  return h("p", { class: "st-head", id },
    `${t("per")} ${s.as_of} · ${t("computed_at")} `,
    h("strong", { class: "head-seq" }, String(s.head.seq)),
    at ? ` · ${t("known")} ${at}` : "",
    h("br", {}), `${t("hash")} `, h("code", { class: "head-hash" }, s.head.hash));
}

function amountTable(ctx, id, head, rows, total) {
  const tr = (cells, amount, attrs) => h("tr", attrs || {},
    cells.map((c) => h("td", {}, c)),
    h("td", { class: "num", "data-ore": String(amount) }, money(amount, ctx.lang)));
  return h("table", { class: "statement", id },
    h("thead", {}, h("tr", {}, head.map((x, i) => h("th",
      { scope: "col", class: i === head.length - 1 ? "num" : null }, x)))),
    h("tbody", {}, rows.map((r) => tr(r.cells, r.amount, { "data-key": r.key }))),
    total === null ? null : h("tfoot", {}, h("tr", { class: "totals" },
      h("th", { scope: "row", colspan: head.length - 1 }, t("total")),
      h("td", { class: "num", "data-ore": String(total) }, money(total, ctx.lang)))));
}

function section(ctx, key, list, who) {
  const s = ctx.st[key];
  return [h("h3", {}, t(`st_${key}`)),
    s[list].length || s.amount ? amountTable(ctx, `st-${key}`, [t(who), t("amount")],
      s[list].map((x) => ({ key: x.party, cells: [partyLink(ctx, x.party)],
        amount: x.amount })), s.amount) : h("p", { class: "empty" }, t("st_none"))];
}

function body(ctx, s) {
  const summary = amountTable(ctx, "st-summary", [t("post"), t("amount")],
    SUMMARY.filter((k) => k in s.summary).map((k) => ({ key: k,
      cells: [t(k)], amount: s.summary[k] })), null);
  const spent = amountTable(ctx, "st-spent", [t("activity"), t("unit"), t("amount")],
    s.spent.activities.map((a) => ({ key: `${a.activity}|${a.unit || ""}`,
      cells: [a.activity, a.unit || ""], amount: a.amount })), s.spent.amount);
  const carried = s.carried.length ? h("table", { class: "statement", id: "st-carried" },
    h("thead", {}, h("tr", {}, [t("grant"), t("carried_in"), t("carried_out")]
      .map((x, i) => h("th", { scope: "col", class: i ? "num" : null }, x)))),
    h("tbody", {}, s.carried.map((c) => h("tr", {}, h("td", {}, grantLink(ctx, c.grant)),
      h("td", { class: "num", "data-ore": String(c.carried_in) }, money(c.carried_in, ctx.lang)),
      h("td", { class: "num", "data-ore": String(c.carried_out) }, money(c.carried_out, ctx.lang))))))
    : h("p", { class: "empty" }, t("st_none"));
  const deadlines = s.deadlines.length ? h("ul", { id: "st-deadlines" },
    s.deadlines.map((d) => h("li", {}, `${d.due} ${t(`k_${d.kind}`)} `,
      partyLink(ctx, d.party), ` ${money(d.amount, ctx.lang)} `,
      h("span", { class: `status ${d.status}` }, t(`s_${d.status}`)))))
    : h("p", { class: "empty" }, t("no_deadlines"));
  const reports = s.reports.length ? h("ul", { id: "st-reports" },
    s.reports.map((r) => h("li", {}, `${r.date} `, partyLink(ctx, r.party),
      r.spent !== undefined ? ` ${t("st_reported_spent")} ${money(r.spent, ctx.lang)}` : "",
      h("span", { class: "time" }, ` · ${t("recorded_by")} ${r.recorded_by} ${time(r.recorded_at)}`))))
    : h("p", { class: "empty" }, t("st_no_reports"));
  return [h("div", { class: "st-cols" },
    h("div", {}, h("h3", {}, t("st_summary")), summary),
    h("div", {}, section(ctx, "received", "from", "st_from"),
      section(ctx, "returned", "from", "st_from"),
      section(ctx, "passed_on", "to", "st_to"),
      section(ctx, "repaid", "to", "st_to"))),
  h("h3", {}, t("st_spent")), spent,
  h("h3", {}, t("st_carried")), carried,
  h("h3", {}, t("its_deadlines")), deadlines,
  h("h3", {}, t("st_reports")), reports,
  h("p", { class: "st-members" }, `${t("st_members")}: `,
    s.members.map((m, i) => [i ? ", " : "", partyLink(ctx, m.party)]))];
}

export default async function render(ctx) {
  const c = choices(ctx);
  if (!c.party || !c.grant) return [h("h2", {}, t("aterrapportering")), pickers(ctx, c)];
  const s = await api.get("/v1/statement", { party: c.party, grant: c.grant, ...ctx.at });
  ctx.st = s;
  const print = h("button", { type: "button", id: "print", class: "noprint" }, t("print"));
  print.addEventListener("click", () => window.print());
  return [pickers(ctx, c), print,
    h("h2", { id: "st-title" }, `${t("aterrapportering")}: ${ctx.names.party(c.party)}`),
    h("p", { class: "st-grant" }, ctx.names.grant(c.grant)),
    headLine(ctx, s, "st-head"), body(ctx, s)];
}

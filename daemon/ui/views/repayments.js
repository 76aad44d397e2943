// views/repayments.js — Återbetalning: the year-end answer per legal
// entity (/v1/repayments?year=Y), statuses coloured, the API's totals,
// and the Swedish Excel CSV of the same answer (format=csv), fetched
// with the token and offered as a download.

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { money } from "../fmt.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { grantLink, moneyCols, partyLink, table, totalsRow } from "./common.js";

const AMOUNTS = ["received", "carried_in", "spent", "paid_out", "repaid",
  "carried_out", "outstanding"];

function years(ctx) {
  const ys = new Set([...ctx.names.grants.values()].map((g) => g.year)
    .filter((y) => y));
  return [...ys].sort((a, b) => b - a);
}

function csvButton(ctx, year) {
  const a = h("a", { id: "csv", class: "button", href: "#",
    download: `aterbetalning-${year}.csv` }, t("csv"));
  a.addEventListener("click", async (e) => {
    if (a.dataset.ready) return; // the blob URL is set: let it download
    e.preventDefault();
    const b = await api.blob("/v1/repayments", { year, format: "csv",
      lang: ctx.lang, ...ctx.at });
    a.href = URL.createObjectURL(b);
    a.dataset.ready = "1";
    a.click();
  });
  return a;
}

export default async function render(ctx) {
  const ys = years(ctx);
  const dateYear = Number(ctx.state.params.date.slice(0, 4));
  const year = Number(ctx.state.params.year) ||
    ys.find((y) => y < dateYear) || ys[0];
  if (!year) return [h("h2", {}, t("aterbetalning")), h("p", {}, t("no_repayments"))];
  const d = await api.get("/v1/repayments", { year, ...ctx.at });
  const cols = [
    { key: "party", label: t("party"), cell: (r) => partyLink(ctx, r.party) },
    // a column the API's answer does not have (yet) is left out
    ...moneyCols(AMOUNTS.filter((k) => d.rows.some((r) => k in r))),
    { key: "status", label: t("status"), cell: (r) => h("span",
      { class: `status ${r.status}` }, t(`s_${r.status}`)) },
  ];
  const rows = d.rows.map((r, i) => ({ ...r, _class: r.status,
    _id: `${r.grant} ${r.party}`,
    _group: i === 0 || d.rows[i - 1].grant !== r.grant ? grantLink(ctx, r.grant) : null }));
  return [h("h2", {}, t("aterbetalning")),
    h("div", { class: "filters" },
      h("label", {}, t("year"), select("f-year", ys.map((y) => [String(y), String(y)]),
        String(year), (v) => go(withParams(ctx.state, { year: v })))),
      csvButton(ctx, year)),
    h("ul", { class: "facts" }, d.grants.map((g) => h("li", {},
      grantLink(ctx, g.grant), ` — ${t("use_by")} ${g.use_by || "–"}, ${t("repay_by")} ${g.repay_by || "–"}`))),
    rows.length ? table(ctx, cols, rows, totalsRow(d.totals, t("total")),
      { class: "money", id: "repayments" }) : h("p", { class: "empty" }, t("no_repayments")),
    h("p", { class: "grand" }, `${t("total_outstanding")}: `,
      h("strong", { id: "total-outstanding", "data-ore": String(d.total_outstanding) },
        money(d.total_outstanding, ctx.lang)))];
}

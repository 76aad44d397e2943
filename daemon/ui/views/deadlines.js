// views/deadlines.js — Frister: /v1/deadlines as of the page's date (and
// known_at), filtered by party and grant here (the API answers all of
// them), coloured by status: due (kommande) and overdue (försenad).

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { grantLink, partyLink, table } from "./common.js";

export default async function render(ctx) {
  const p = ctx.state.params;
  const d = await api.get("/v1/deadlines", ctx.at);
  const items = d.items.filter((x) => (!p.party || x.party === p.party) &&
    (!p.grant || x.grant === p.grant));
  const set = (k) => (v) => go(withParams(ctx.state, { [k]: v || null }));
  const partyIds = [...new Set(d.items.map((x) => x.party))];
  const grantIds = [...new Set(d.items.map((x) => x.grant))];
  const cols = [
    { key: "due", label: t("due") },
    { key: "kind", label: t("kind"), cell: (r) => t(`k_${r.kind}`) },
    { key: "grant", label: t("grant"), cell: (r) => grantLink(ctx, r.grant) },
    { key: "party", label: t("party"), cell: (r) => partyLink(ctx, r.party) },
    { key: "amount", label: t("amount"), money: true },
    { key: "status", label: t("status"), cell: (r) => h("span",
      { class: `status ${r.status}` }, t(`s_${r.status}`)) },
    { key: "days", label: t("days"), class: "num", cell: (r) =>
      t(r.status === "overdue" ? "days_late" : "days_left", { n: r.days }) },
  ];
  const rows = items.map((x) => ({ ...x, _class: x.status }));
  return [h("h2", {}, t("frister")),
    h("div", { class: "filters" },
      h("label", {}, t("party"), select("f-party", [["", t("all")],
        ...partyIds.map((x) => [x, ctx.names.party(x)])], p.party || "", set("party"))),
      h("label", {}, t("grant"), select("f-grant", [["", t("all")],
        ...grantIds.map((x) => [x, ctx.names.grant(x)])], p.grant || "", set("grant")))),
    rows.length ? table(ctx, cols, rows, null, { class: "list", id: "deadlines" })
      : h("p", { class: "empty" }, t("no_deadlines"))];
}

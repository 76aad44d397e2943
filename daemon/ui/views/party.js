// views/party.js — Part: one party — its figures per grant
// (/v1/balances?party=P, or its subtree consolidated with rollup=1), its
// deadlines (/v1/deadlines, its items) and its latest events
// (/v1/events?party=P).

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { money, svCompare, time } from "../fmt.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { grantLink, moneyCols, partyLink, table, withPending } from "./common.js";
import { COLUMNS } from "./overview.js";

function header(ctx, id, rollup) {
  const p = ctx.names.parties.get(id) || {};
  const box = h("input", { type: "checkbox", id: "rollup", checked: rollup });
  box.addEventListener("change", () =>
    go(withParams(ctx.state, { rollup: box.checked ? "1" : null })));
  return [h("h2", {}, ctx.names.party(id)),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, "id"), h("dd", {}, id)),
      h("div", {}, h("dt", {}, t("kind_of")), h("dd", {}, p.kind || "")),
      p.parent ? h("div", {}, h("dt", {}, t("parent")),
        h("dd", {}, partyLink(ctx, p.parent))) : null),
    h("label", { class: "check" }, box, t("rollup"))];
}

export default async function render(ctx) {
  const sorted = [...ctx.names.parties.values()]
    .sort((a, b) => svCompare(a.name, b.name));
  const id = ctx.state.params.party || (sorted[0] || {}).party;
  const pick = h("div", { class: "filters" }, h("label", {}, t("party"),
    select("f-party", sorted.map((x) => [x.party, x.name]), id,
      (v) => go(withParams(ctx.state, { party: v })))));
  if (!id) return [pick];
  const rollup = ctx.state.params.rollup === "1";
  const [b, d, log] = await Promise.all([
    api.get("/v1/balances", { party: id, rollup: rollup ? 1 : null, ...ctx.at }),
    api.get("/v1/deadlines", ctx.at),
    api.get("/v1/events", { party: id, limit: 1000 }),
  ]);
  const cols = [{ key: "grant", label: t("grant"), cell: (r) => grantLink(ctx, r.grant) },
    ...moneyCols(withPending(COLUMNS, b.rows))];
  const mine = d.items.filter((x) => x.party === id);
  const recent = log.events.slice(-20).reverse();
  return [pick, header(ctx, id, rollup), h("h3", {}, t("figures")),
    b.rows.length ? table(ctx, cols, b.rows.map((r) => ({ ...r, _id: r.grant })),
      null, { class: "money", id: "party-balances" })
      : h("p", { class: "empty" }, t("no_rows")),
    h("h3", {}, t("its_deadlines")),
    mine.length ? h("ul", { id: "party-deadlines" }, mine.map((x) => h("li",
      { class: x.status }, `${x.due} ${t(`k_${x.kind}`)} `, grantLink(ctx, x.grant),
      ` ${money(x.amount, ctx.lang)} `, h("span", { class: `status ${x.status}` },
        t(`s_${x.status}`))))) : h("p", { class: "empty" }, t("no_deadlines")),
    h("h3", {}, t("its_events")),
    h("ul", { id: "party-events", class: "events" }, recent.map((e) => h("li", {},
      `#${e.seq} ${e.date || ""} ${e.type} `, e.grant ? grantLink(ctx, e.grant) : "",
      e.amount !== undefined ? ` ${money(e.amount, ctx.lang)}` : "",
      h("span", { class: "time" }, ` ${time(e.recorded_at)}`))))];
}

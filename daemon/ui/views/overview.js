// views/overview.js — Översikt: every grant as a tree with its posts,
// each with its parties' figures (/v1/balances?grant=G) and the totals
// the API summed; a grant with posts also shows the API's total over the
// grant and its posts (posts=1); a grant with conditional money shows its
// pending figures too. The page adds nothing up itself: while
// the API's answer has no "totals" (they are being added to it), no
// totals row is shown. Parties are ordered as their tree and
// indented by depth. A party opens its page, a grant its flow.

import * as api from "../api.js";
import { h } from "../dom.js";
import { money, svCompare } from "../fmt.js";
import { t } from "../i18n.js";
import { grantLink, moneyCols, partyLink, table, totalsRow, withPending }
  from "./common.js";

export const COLUMNS = ["allocated", "allocated_out", "received", "paid_out",
  "spent", "repaid", "carried_out", "held"];

function rowsByTree(ctx, rows) {
  const key = (r) => ctx.names.partyPath(r.party)
    .map((p) => ctx.names.party(p)).join("\u0000");
  return rows.map((r) => ({ ...r, _key: key(r),
    _depth: ctx.names.partyPath(r.party).length - 1, _id: r.party }))
    .sort((a, b) => svCompare(a._key, b._key));
}

function facts(ctx, g) {
  const f = [[t("payer"), ctx.names.party(g.payer)],
    [t("grant_total"), money(g.total, ctx.lang)]];
  for (const k of ["use_by", "report_by", "repay_by"])
    if (g[k]) f.push([t(k), g[k]]);
  return h("dl", { class: "facts" }, f.map(([k, v]) =>
    h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

async function grantBlock(ctx, id, level) {
  const g = ctx.names.grants.get(id);
  const posts = ctx.names.posts(id);
  // The grant's answer, with posts its total with them and each post's
  // block, all asked at once.
  const [b, all, subs] = await Promise.all([
    api.get("/v1/balances", { grant: id, ...ctx.at }),
    posts.length ? api.get("/v1/balances", { grant: id, posts: 1, ...ctx.at })
      : null,
    Promise.all(posts.map((p) => grantBlock(ctx, p, level + 1))),
  ]);
  const cols = [{ key: "party", label: t("party"), cell: (r) =>
    h("span", { class: `depth${Math.min(r._depth, 4)}` }, partyLink(ctx, r.party)) },
  ...moneyCols(withPending(COLUMNS, b.rows))];
  const rows = rowsByTree(ctx, b.rows);
  const parts = [h(`h${Math.min(level + 2, 4)}`, {}, grantLink(ctx, id)), facts(ctx, g),
    rows.length ? table(ctx, cols, rows, totalsRow(b.totals, t("total")),
      { class: "money", "data-grant": id })
      : h("p", { class: "empty" }, t("no_rows"))];
  if (posts.length) {
    parts.push(subs);
    if (all.totals)
      parts.push(table(ctx, [{ key: "x", label: "" },
        ...moneyCols(withPending(COLUMNS, [all.totals]))], [],
        totalsRow(all.totals, t("total_posts")),
        { class: "money posts-total", "data-grant-posts": id }));
  }
  return h("section", { class: `grant level${level}`, "data-grant": id }, parts);
}

export default async function render(ctx) {
  const tops = [...ctx.names.grants.values()].filter((g) => !g.parent)
    .sort((a, b) => (b.year || 0) - (a.year || 0) || svCompare(a.grant, b.grant));
  const blocks = await Promise.all(tops.map((g) => grantBlock(ctx, g.grant, 0)));
  return [h("h2", {}, t("oversikt")), blocks];
}

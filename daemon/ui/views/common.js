// views/common.js — pieces every view uses: links to a party or a grant,
// a table of amounts, an error line.

import { h } from "../dom.js";
import { money } from "../fmt.js";
import { t } from "../i18n.js";
import { withParams } from "../state.js";

export function partyLink(ctx, id) {
  return h("a", { href: withParams(ctx.state, { party: id }, "part"),
    class: "party", title: id, "data-party": id }, ctx.names.party(id));
}

export function grantLink(ctx, id) {
  return h("a", { href: withParams(ctx.state, { grant: id }, "flode"),
    class: "grant", title: id, "data-grant": id }, ctx.names.grant(id));
}

// An amount as text with a <wbr> before its no-break space and "kr":
// the one place a narrow column may break it (the text is unchanged).
function breakBeforeUnit(text) {
  const at = text.lastIndexOf("\u00a0");
  return at < 0 ? text : [text.slice(0, at), h("wbr", {}), text.slice(at)];
}

// A table: cols = [{key, label, money?, cell?(row)}]; rows (a row with
// _group gets a heading row spanning the table before it); foot (a row
// of totals, or null). Money cells carry data-ore (the API's integer) so
// a test can compare what is shown with the answer.
export function table(ctx, cols, rows, foot, attrs) {
  const td = (c, r, tag) => {
    if (c.cell) return h(tag, { class: c.class || null }, c.cell(r));
    if (c.money) {
      const v = r[c.key];
      return h(tag, { class: "num", "data-key": c.key,
        "data-ore": v === undefined ? null : String(v) },
      v === undefined ? "" : breakBeforeUnit(money(v, ctx.lang)));
    }
    return h(tag, {}, r[c.key] === undefined ? "" : String(r[c.key]));
  };
  return h("table", attrs || {},
    h("thead", {}, h("tr", {}, cols.map((c) =>
      h("th", { class: c.money ? "num" : null, scope: "col" }, c.label)))),
    h("tbody", {}, rows.map((r) => [
      r._group ? h("tr", { class: "group" },
        h("th", { colspan: cols.length, scope: "rowgroup" }, r._group)) : null,
      h("tr", { class: r._class || null, "data-row": r._id || null },
        cols.map((c) => td(c, r, "td")))])),
    foot ? h("tfoot", {}, h("tr", { class: "totals" },
      cols.map((c, i) => i === 0 ? h("th", { scope: "row" }, foot._label)
        : c.money ? td(c, foot, "td") : h("td", {})))) : null);
}

export function moneyCols(keys) {
  return keys.map((k) => ({ key: k, label: t(k), money: true }));
}

// keys with the pending figures (conditional allocations, not yet
// confirmed) after allocated_out, when any of rows has pending money:
// most grants never have any, and their tables stay as narrow as before.
export function withPending(keys, rows) {
  if (!rows.some((r) => r.pending || r.pending_out)) return keys;
  const at = keys.indexOf("allocated_out") + 1;
  return [...keys.slice(0, at), "pending", "pending_out", ...keys.slice(at)];
}

// The foot row of a table: the API's totals, or null when the answer
// has none (the page never sums figures itself).
export function totalsRow(totals, label) {
  return totals ? { ...totals, _label: label } : null;
}

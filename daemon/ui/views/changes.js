// views/changes.js — Vad har ändrats: the same statement (one legal
// entity, one grant with its posts, as of the page's date) as the ledger
// knew it at two times, side by side, the figures that differ marked.
// "Since" is a time or, usually, a report chosen from the log: the
// statement as it stood when that report was recorded, against now (or
// the page's "Som känt" time). Both columns are /v1/statement answers;
// the difference column is the only arithmetic the page does, on
// BigInt integers, and only to show how far apart the two answers are.

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { money, time } from "../fmt.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { choices, flatten, headLine, pickers } from "./statement.js";

function sincePicker(ctx, reports, since) {
  const opts = [["", t("choose_since")], ...reports.map((e) => [e.recorded_at,
    `${t("st_report")} #${e.seq} ${e.date} ${ctx.names.party(e.party)} ` +
    `(${t("recorded_at").toLowerCase()} ${time(e.recorded_at)})`])];
  if (since && !reports.some((e) => e.recorded_at === since))
    opts.push([since, time(since)]);
  const box = h("input", { type: "text", id: "since-time", size: 28,
    value: since || "", placeholder: t("known_hint"), spellcheck: "false" });
  box.addEventListener("change", () =>
    go(withParams(ctx.state, { since: box.value.trim() || null })));
  return h("div", { class: "filters" },
    h("label", {}, t("since"), select("f-since", opts, since || "",
      (v) => go(withParams(ctx.state, { since: v || null })))),
    h("label", {}, t("or_time"), box));
}

function compare(ctx, a, b) {
  const fa = new Map(a ? flatten(ctx, a).map((x) => [x.key, x]) : []);
  const fb = flatten(ctx, b);
  const keys = [...fb.map((x) => x.key), ...[...fa.keys()]
    .filter((k) => !fb.some((x) => x.key === k))];
  const mb = new Map(fb.map((x) => [x.key, x]));
  let changed = 0;
  const rows = keys.map((k) => {
    const x = mb.get(k) || fa.get(k);
    const va = fa.has(k) ? BigInt(fa.get(k).amount) : null;
    const vb = mb.has(k) ? BigInt(mb.get(k).amount) : null;
    const diff = (vb ?? 0n) - (va ?? 0n);
    const differs = va !== vb;
    if (differs) changed++;
    const cell = (v) => h("td", { class: "num", "data-ore": v === null ? null : String(v) },
      v === null ? "–" : money(v, ctx.lang));
    return h("tr", { class: differs ? "changed" : null, "data-key": k },
      h("td", {}, x.section), h("td", {}, x.label), cell(va), cell(vb),
      h("td", { class: "num diff" }, differs ? (diff > 0n ? "+" : "") +
        money(diff, ctx.lang) : ""));
  });
  return { changed, table: h("table", { class: "statement compare", id: "changes" },
    h("thead", {}, h("tr", {}, [t("section"), t("post"), t("then"), t("now_col"),
      t("difference")].map((x, i) => h("th", { scope: "col", class: i > 1 ? "num" : null }, x)))),
    h("tbody", {}, rows)) };
}

export default async function render(ctx) {
  const c = choices(ctx);
  const p = ctx.state.params;
  const family = new Set();
  for (let stack = [c.grant]; stack.length;) {
    const g = stack.pop();
    family.add(g);
    stack.push(...ctx.names.posts(g));
  }
  const reports = (await api.get("/v1/events", { type: "report", limit: 10000 }))
    .events.filter((e) => family.has(e.grant));
  const head = [h("h2", {}, t("andrat")), pickers(ctx, c),
    sincePicker(ctx, reports, p.since)];
  if (!c.party || !c.grant || !p.since)
    return [...head, h("p", { class: "empty" }, t("choose_since_text"))];
  const q = { party: c.party, grant: c.grant, as_of: p.date };
  // Not yet known then (the party or grant defined later): 404, and
  // every figure of now is new.
  const [a, b] = await Promise.all([
    api.get("/v1/statement", { ...q, known_at: p.since })
      .catch((e) => { if (e.status === 404) return null; throw e; }),
    api.get("/v1/statement", { ...q, known_at: p.known })]);
  const cmp = compare(ctx, a, b);
  return [...head,
    h("div", { class: "st-cols" },
      h("div", {}, h("h3", {}, `${t("then")}: ${t("known")} ${p.since}`),
        a ? headLine(ctx, a, "then-head", null)
          : h("p", { class: "empty" }, t("not_known_then"))),
      h("div", {}, h("h3", {}, `${t("now_col")}: ${t("known")} ${p.known || t("now")}`),
        headLine(ctx, b, "now-head", null))),
    h("p", { id: "changed-count", "data-changed": String(cmp.changed),
      class: cmp.changed ? "status due" : "status ok" },
    cmp.changed ? t("n_changed", { n: cmp.changed }) : t("none_changed")),
    cmp.table];
}

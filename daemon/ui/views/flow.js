// views/flow.js — Flöde: the trace picture of one grant as the API draws
// it (/v1/trace?format=svg, in the page's language). It is fetched with
// the token and shown as an <img> of a blob: URL (an <img src> to the API
// could not carry the token; in an <img> an SVG runs nothing). Each
// party's bar and label in the picture is a link to its page: the SVG
// marks them with data-party, the page reads their positions from the
// SVG's text (DOMParser, as XML: nothing of it is inserted or run) and
// lays transparent links over the image, placed in percent of the
// picture so they scale with it. Below it every party of the trace (its
// JSON answer) links to its page as well.

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { partyLink } from "./common.js";

let lastUrl = null;
const LABEL_W = 230; // SVG px: a party label's width, at most (its cut)
const LABEL_H = 36; // SVG px: its two lines

// {party: {x0, y0, x1, y1}} in SVG px: each party's bar and label.
function hotBoxes(svgText) {
  // Without its <style>: the parsed document is under the page's policy,
  // which refuses inline style (and only positions are read here).
  const doc = new DOMParser().parseFromString(
    svgText.replace(/<style[\s\S]*?<\/style>/g, ""), "image/svg+xml");
  const root = doc.documentElement;
  const vb = (root.getAttribute("viewBox") || "").split(/\s+/).map(Number);
  const boxes = new Map();
  const grow = (id, x0, y0, x1, y1) => {
    const b = boxes.get(id);
    boxes.set(id, b ? { x0: Math.min(b.x0, x0), y0: Math.min(b.y0, y0),
      x1: Math.max(b.x1, x1), y1: Math.max(b.y1, y1) } : { x0, y0, x1, y1 });
  };
  for (const e of root.querySelectorAll("[data-party]")) {
    const n = (k) => Number(e.getAttribute(k)) || 0;
    const id = e.getAttribute("data-party");
    if (e.localName === "rect")
      grow(id, n("x"), n("y"), n("x") + n("width"), n("y") + Math.max(n("height"), 4));
    else if (e.localName === "text")
      grow(id, n("x"), n("y") - 14, n("x") + LABEL_W, n("y") - 14 + LABEL_H);
  }
  return { w: vb[2] || 1, h: vb[3] || 1, boxes };
}

function hotLinks(ctx, svgText) {
  const { w, h: ht, boxes } = hotBoxes(svgText);
  const pct = (v, of) => `${(100 * v / of).toFixed(3)}%`;
  return [...boxes].map(([id, b]) => {
    const a = h("a", { href: withParams(ctx.state, { party: id }, "part"),
      class: "hot", "data-party": id, title: ctx.names.party(id),
      "aria-label": ctx.names.party(id) });
    a.style.left = pct(b.x0, w);
    a.style.top = pct(b.y0, ht);
    a.style.width = pct(b.x1 - b.x0, w);
    a.style.height = pct(b.y1 - b.y0, ht);
    return a;
  });
}

export default async function render(ctx) {
  const ids = [...ctx.names.grants.keys()].sort();
  const grant = ctx.state.params.grant || ids[ids.length - 1];
  const pick = h("div", { class: "filters" }, h("label", {}, t("grant"),
    select("f-grant", ids.map((g) => [g, ctx.names.grant(g)]), grant,
      (v) => go(withParams(ctx.state, { grant: v })))));
  if (!grant) return [h("h2", {}, t("flode")), pick];
  const q = { grant, ...ctx.at };
  // A grant with more ends than a picture shows readably: the API says
  // so (413 too_large) and the page shows its message and the parties.
  const [svg, json] = await Promise.all([
    api.blob("/v1/trace", { ...q, format: "svg", lang: ctx.lang })
      .catch((e) => { if (e.status === 413) return e; throw e; }),
    api.get("/v1/trace", q),
  ]);
  const parties = [h("h3", {}, t("flow_parties")),
    h("ul", { class: "chips", id: "trace-parties" },
      json.nodes.map((n) => h("li", {}, partyLink(ctx, n.party))))];
  if (svg instanceof api.ApiError)
    return [h("h2", {}, `${t("flode")}: ${ctx.names.grant(grant)}`), pick,
      h("p", { class: "empty", id: "trace-too-large" }, svg.message), parties];
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = URL.createObjectURL(svg);
  const img = h("img", { id: "trace", src: lastUrl, class: "trace",
    alt: `${t("flode")}: ${ctx.names.grant(grant)}` });
  await img.decode().catch(() => null);
  return [h("h2", {}, `${t("flode")}: ${ctx.names.grant(grant)}`), pick,
    h("div", { class: "picture" }, h("div", { class: "trace-wrap", id: "trace-wrap" },
      img, hotLinks(ctx, await svg.text()))), parties];
}

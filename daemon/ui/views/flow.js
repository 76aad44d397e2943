// views/flow.js — Flöde: the trace picture of one grant as the API draws
// it (/v1/trace?format=svg, in the page's language). It is fetched with
// the token and shown as an <img> of a blob: URL (an <img src> to the API
// could not carry the token; in an <img> an SVG runs nothing). Below it
// every party of the trace (its JSON answer) links to its page.

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";
import { partyLink } from "./common.js";

let lastUrl = null;

export default async function render(ctx) {
  const ids = [...ctx.names.grants.keys()].sort();
  const grant = ctx.state.params.grant || ids[ids.length - 1];
  const pick = h("div", { class: "filters" }, h("label", {}, t("grant"),
    select("f-grant", ids.map((g) => [g, ctx.names.grant(g)]), grant,
      (v) => go(withParams(ctx.state, { grant: v })))));
  if (!grant) return [h("h2", {}, t("flode")), pick];
  const q = { grant, ...ctx.at };
  const [svg, json] = await Promise.all([
    api.blob("/v1/trace", { ...q, format: "svg", lang: ctx.lang }),
    api.get("/v1/trace", q),
  ]);
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = URL.createObjectURL(svg);
  const img = h("img", { id: "trace", src: lastUrl, class: "trace",
    alt: `${t("flode")}: ${ctx.names.grant(grant)}` });
  await img.decode().catch(() => null);
  return [h("h2", {}, `${t("flode")}: ${ctx.names.grant(grant)}`), pick,
    h("div", { class: "picture" }, img),
    h("h3", {}, t("flow_parties")),
    h("ul", { class: "chips", id: "trace-parties" },
      json.nodes.map((n) => h("li", {}, partyLink(ctx, n.party))))];
}

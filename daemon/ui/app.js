// app.js — the web view's entry: access, the page's frame (views, date,
// "as known at", language), and rendering the view the address bar names.
//
// Every figure a view shows comes from one API answer (STYLE.md: the page
// is a thin reader of the API, so it and `medel --json` cannot disagree).
// A render that a newer one overtakes is dropped; when a view is drawn,
// #main gets data-ready="1" (the browser tests wait for it).

import * as api from "./api.js";
import { h, put } from "./dom.js";
import { isDate, today } from "./fmt.js";
import { getLang, setLang, t } from "./i18n.js";
import * as st from "./state.js";
import { names } from "./names.js";
import overview from "./views/overview.js";
import events from "./views/events.js";
import deadlines from "./views/deadlines.js";
import repayments from "./views/repayments.js";
import flow from "./views/flow.js";
import party from "./views/party.js";
import statement from "./views/statement.js";
import changes from "./views/changes.js";
import record from "./views/record.js";

const RENDER = { oversikt: overview, handelser: events, frister: deadlines,
  aterbetalning: repayments, flode: flow, part: party,
  aterrapportering: statement, andrat: changes, registrera: record };

const $ = (id) => document.getElementById(id);
let generation = 0;

// Asks for a token; requests that meet 401 together share one question.
let asking = null;
function askToken(wasBad) {
  if (!asking)
    asking = ask(wasBad).finally(() => { asking = null; });
  return asking;
}

function ask(wasBad) {
  const dlg = $("login");
  $("login-text").textContent = t("login");
  $("login-ok").textContent = t("login_ok");
  $("login-error").textContent = wasBad ? t("login_bad") : "";
  $("login-token").value = "";
  return new Promise((resolve) => {
    $("login-form").onsubmit = (e) => {
      e.preventDefault();
      const v = $("login-token").value.trim();
      if (!v) return;
      dlg.close();
      resolve(v);
    };
    if (!dlg.open) dlg.showModal();
  });
}

function frame(state) {
  put($("nav"), st.VIEWS.map((v) => h("a", {
    href: st.withParams(state, {}, v), id: `nav-${v}`,
    class: v === state.view ? "on" : null,
    "aria-current": v === state.view ? "page" : null }, t(v))));
  $("l-date").textContent = t("date");
  $("l-known").textContent = t("known");
  $("known").placeholder = t("known_hint");
  $("date").value = state.params.date;
  $("known").value = state.params.known || "";
  $("known-clear").hidden = !state.params.known;
  $("lang").textContent = t("other_lang");
  const b = $("known-banner");
  b.hidden = !state.params.known;
  b.textContent = state.params.known
    ? `${t("known_banner")} ${state.params.known}` : "";
  put($("foot"), t("foot_note"));
}

async function render() {
  const state = st.read();
  if (!isDate(state.params.date)) {
    history.replaceState(null, "", location.pathname +
      st.withParams(state, { date: today() }));
    return render();
  }
  setLang(state.params.lang);
  frame(state);
  const mine = ++generation;
  const main = $("main");
  main.dataset.ready = "0";
  main.setAttribute("aria-busy", "true");
  let nodes;
  try {
    const ctx = { state, lang: getLang(),
      names: await names(state.params.date),
      at: { as_of: state.params.date, known_at: state.params.known } };
    nodes = await RENDER[state.view](ctx);
  } catch (e) {
    nodes = h("p", { class: "error", id: "error" }, `${t("error")}: ${e.message}`);
  }
  if (mine !== generation) return;
  put(main, nodes);
  main.removeAttribute("aria-busy");
  main.dataset.ready = "1";
}

function wire() {
  // The date is typed ISO in a text field (a date field would show the
  // browser's own format, 12/31/2020 in an English browser); the calendar
  // button opens the browser's picker of a hidden date field.
  const setDate = (v) => {
    if (isDate(v)) st.go(st.withParams(st.read(), { date: v }));
    else $("date").value = st.read().params.date;
  };
  $("date").addEventListener("change", (e) => setDate(e.target.value.trim()));
  $("date-open").addEventListener("click", () => {
    $("date-pick").value = $("date").value;
    $("date-pick").showPicker();
  });
  $("date-pick").addEventListener("change", (e) => setDate(e.target.value));
  $("known").addEventListener("change", (e) =>
    st.go(st.withParams(st.read(), { known: e.target.value.trim() || null })));
  $("known-clear").addEventListener("click", () =>
    st.go(st.withParams(st.read(), { known: null })));
  $("lang").addEventListener("click", () =>
    st.go(st.withParams(st.read(), { lang: getLang() === "en" ? null : "en" })));
  window.addEventListener("hashchange", render);
}

function start() {
  const cleaned = api.takeTokenFromHash(location.hash);
  if (cleaned !== null)
    history.replaceState(null, "", location.pathname + cleaned);
  api.onNeedToken(askToken);
  wire();
  render();
}

start();

// app.js — the web view's entry: access, the page's frame (views, date,
// "as known at", language), and rendering the view the address bar names.
//
// Every figure a view shows comes from one API answer (STYLE.md: the page
// is a thin reader of the API, so it and `medel --json` cannot disagree).
// A render that a newer one overtakes is dropped; when a view is drawn,
// #main gets data-ready="1" and data-drawn, the address it shows (the
// browser tests wait for both: until the hashchange event has run, the
// previous view is still "ready").
//
// Live: the page follows the log with the long-poll subscription
// (GET /v1/events?after=HEAD&wait=30) and draws the view again when
// events arrive, at most once a second however busy the ledger (the
// form of Registrera is left alone: it would lose what is typed).
//
// The date slider runs day by day across the ledger's dates: from the
// first grant's definition to the latest of its grants' dates and
// deadlines (/v1/grants, read once), and the page's date if outside.

import * as api from "./api.js";
import { h, put } from "./dom.js";
import { isDate, today } from "./fmt.js";
import { getLang, setLang, t } from "./i18n.js";
import * as st from "./state.js";
import { forget, names } from "./names.js";
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
  placeSlider(state.params.date);
  clearTimeout(redraw); // this draw is as new as the pending one
  redraw = null;
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
  lastDrawn = Date.now();
  main.removeAttribute("aria-busy");
  // ms since the page's navigation began (tools/bench/bench_web.py reads
  // it on the first drawing: the time to a rendered view)
  main.dataset.readyMs = String(Math.round(performance.now()));
  main.dataset.drawn = location.hash; // the address this draw shows
  main.dataset.ready = "1";
}

// --- the date slider -------------------------------------------------
const DAY_MS = 86400000;
let span = null; // {first, last} ISO dates
const dayNo = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const isoOf = (n) => new Date(n * DAY_MS).toISOString().slice(0, 10);

async function ledgerSpan() {
  const g = await api.get("/v1/grants");
  const dates = [];
  for (const x of g.grants)
    for (const k of ["date", "use_by", "report_by", "repay_by"])
      if (isDate(x[k])) dates.push(x[k]);
  dates.sort();
  return dates.length ? { first: dates[0], last: dates[dates.length - 1] } : null;
}

function placeSlider(date) {
  const s = $("slider");
  s.title = t("slider");
  if (!span) {
    s.hidden = true;
    return;
  }
  const lo = Math.min(dayNo(span.first), dayNo(date));
  const hi = Math.max(dayNo(span.last), dayNo(date));
  s.hidden = false;
  s.min = "0";
  s.max = String(hi - lo);
  s.value = String(dayNo(date) - lo);
  s.dataset.first = isoOf(lo);
}

// --- live ----------------------------------------------------------------
const LIVE_MIN_MS = 1000;
let lastDrawn = 0;
let redraw = null;

// New events: the names are forgotten at once, the view is marked stale
// (data-ready "stale") until it is drawn again, and a draw the reader asks
// for in the meantime (another view, another date) takes the place of
// the pending one (render cancels it): a view is drawn once per change.
function refreshSoon() {
  forget();
  if (st.read().view === "registrera" || redraw) return;
  $("main").dataset.ready = "stale";
  const wait = Math.max(0, lastDrawn + LIVE_MIN_MS - Date.now());
  redraw = setTimeout(() => {
    redraw = null;
    render();
  }, wait);
}

async function follow() {
  let seq = null;
  for (;;) {
    try {
      if (seq === null) seq = (await api.get("/healthz")).head_seq;
      $("live").hidden = false;
      $("live").title = t("live");
      $("live").dataset.seq = String(seq);
      const got = await api.get("/v1/events", { after: seq, limit: 1, wait: 30 });
      if (got.events.length) {
        seq = (await api.get("/healthz")).head_seq;
        $("live").dataset.seq = String(seq);
        refreshSoon();
      }
    } catch (e) {
      // medeld away or restarting: try again in a while
      $("live").hidden = true;
      await new Promise((ok) => setTimeout(ok, 5000));
    }
  }
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
  const slid = () => isoOf(dayNo($("slider").dataset.first) + Number($("slider").value));
  $("slider").addEventListener("input", () => { $("date").value = slid(); });
  $("slider").addEventListener("change", () => setDate(slid()));
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
  render().then(follow);
  ledgerSpan().then((s) => { span = s; placeSlider(st.read().params.date); })
    .catch(() => null);
}

start();

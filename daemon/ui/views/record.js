// views/record.js — Registrera: the form for the events people record by
// hand (expense, payout, requisition, invoice, repayment, report,
// correction), for a write token.
//
// - Parties and grants are chosen from lists (names, the id as value).
// - Amounts are typed the Swedish way ("433 012", "433 012,50 kr") and
//   read into integer öre as BigInt (fmt.parseMoney); the body is written
//   with api.stringify, so no amount passes through a double.
// - The direction is spelled out in words as the fields are filled in
//   ("Södertälje kommun fakturerar Storsthlm 433 012 kr").
// - "Förhandsgranska" is a dry run (POST ?dry_run=1): the seq it would
//   get and the API's warnings, nothing stored. "Spara" is enabled only
//   by a dry run of exactly the fields shown; any change disables it.
// - The event carries an id made when the form is drawn and kept until
//   it is stored, so a double click (or a resend after a lost answer) is
//   stored once: the API answers a re-send with `duplicate: true`.
// - A refusal shows the API's message next to the field it names
//   (`error.field`), or above the buttons when it names none; nothing is
//   stored. A read token is refused by the API (403) and told so.

import * as api from "../api.js";
import { h, select } from "../dom.js";
import { money, parseMoney, svCompare } from "../fmt.js";
import { t } from "../i18n.js";
import { go, withParams } from "../state.js";

export const TYPES = {
  expense: ["date", "grant", "party", "activity", "unit", "amount", "ref", "note"],
  payout: ["date", "grant", "from", "to", "amount", "settles", "ref", "note"],
  requisition: ["date", "grant", "from", "to", "amount", "ref", "note"],
  invoice: ["date", "grant", "from", "to", "amount", "invoice_no", "due", "ref", "note"],
  repayment: ["date", "grant", "from", "to", "amount", "ref", "note"],
  report: ["date", "grant", "party", "spent", "ref", "note"],
  correction: ["date", "corrects", "note", "ref"],
};
const PARTY = new Set(["party", "from", "to"]);
const MONEY = new Set(["amount", "spent"]);

function newId() {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return "web:" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function input(ctx, f, value) {
  const id = `in-${f}`;
  if (f === "grant")
    return select(id, [["", t("choose")], ...[...ctx.names.grants.values()]
      .sort((a, b) => svCompare(a.grant, b.grant))
      .map((g) => [g.grant, g.name])], value || "", () => null);
  if (PARTY.has(f))
    return select(id, [["", t("choose")], ...[...ctx.names.parties.values()]
      .sort((a, b) => svCompare(a.name, b.name))
      .map((p) => [p.party, p.name])], value || "", () => null);
  if (f === "note")
    return h("textarea", { id, rows: 2, cols: 50, maxlength: 1000 }, value || "");
  return h("input", { type: "text", id, value: value || "", autocomplete: "off",
    spellcheck: f === "activity" || f === "unit" ? "true" : "false",
    size: MONEY.has(f) ? 18 : f === "activity" ? 50 : f === "date" || f === "due" ? 10 : 24,
    inputmode: MONEY.has(f) || f === "corrects" ? "decimal" : null,
    placeholder: f === "date" || f === "due" ? "ÅÅÅÅ-MM-DD"
      : MONEY.has(f) ? (ctx.lang === "en" ? "433,012.50" : "433 012,50") : null });
}

// The form's fields as an event, or {bad: field} for an amount that is
// not one (nothing is sent then).
function event(ctx, type, form) {
  const e = { type };
  for (const f of TYPES[type]) {
    const v = form.querySelector(`#in-${f}`).value.trim();
    if (v === "") continue;
    if (MONEY.has(f)) {
      const ore = parseMoney(v, ctx.lang);
      if (ore === null) return { bad: f };
      e[f] = ore;
    } else if (f === "corrects") {
      e[f] = /^\d+$/.test(v) ? Number(v) : v;
    } else if (f === "settles") {
      e[f] = /^\d+$/.test(v) ? Number(v) : v;
    } else {
      e[f] = v;
    }
  }
  e.id = form.dataset.eventId;
  return e;
}

// "Södertälje kommun fakturerar Storsthlm 433 012 kr" from what is filled in.
export function direction(ctx, e) {
  const n = (id) => (id ? ctx.names.party(id) : "…");
  const amt = (x) => (typeof x === "bigint" ? money(x, ctx.lang) : "…");
  return t(`dir_${e.type}`, { from: n(e.from), to: n(e.to), party: n(e.party),
    amount: amt(e.amount), spent: amt(e.spent), activity: e.activity || "…",
    grant: e.grant ? ctx.names.grant(e.grant) : "…", corrects: e.corrects || "…",
    note: e.note || "…" });
}

function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error, #form-error")) p.textContent = "";
  for (const x of form.querySelectorAll("[aria-invalid]")) x.removeAttribute("aria-invalid");
}

function showError(form, type, err) {
  const field = err.field && TYPES[type].includes(err.field) ? err.field : null;
  const msg = err.status === 403 ? t("no_write") : err.message;
  const out = field ? form.querySelector(`#err-${field}`) : form.querySelector("#form-error");
  out.textContent = msg;
  if (field) {
    const box = form.querySelector(`#in-${field}`);
    box.setAttribute("aria-invalid", "true");
    box.focus();
  }
}

function answerBox(ctx, a, stored) {
  const seq = a.events[0].seq;
  const head = stored
    ? (a.events[0].duplicate ? t("rec_duplicate", { seq }) : t("rec_stored", { seq }))
    : t("rec_would", { seq });
  return [h("p", { class: stored ? "status ok" : "status open" }, head, stored ? " " : null,
    stored ? h("a", { href: withParams(ctx.state, { after: seq - 1, hl: seq, party: null,
      grant: null, type: null }, "handelser"), id: "rec-log-link" }, t("rec_in_log")) : null),
  a.warnings.length ? h("ul", { class: "warnings", id: "rec-warnings" },
    a.warnings.map((w) => h("li", { class: "status due", "data-code": w.code },
      `${w.field}: ${w.message}`))) : h("p", { class: "empty" }, t("rec_no_warnings"))];
}

function wire(ctx, type, form, out) {
  const preview = form.querySelector("#rec-preview");
  const save = form.querySelector("#rec-save");
  const dir = form.querySelector("#rec-direction");
  let checked = null; // the body the last clean dry run was of
  const current = () => event(ctx, type, form);
  const changed = () => {
    const e = current();
    dir.textContent = e.bad ? "" : direction(ctx, e);
    if (checked !== null && (e.bad || api.stringify(e) !== checked)) {
      checked = null;
      save.disabled = true;
    }
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  const send = async (dry) => {
    clearErrors(form);
    const e = current();
    if (e.bad) {
      showError(form, type, { field: e.bad, message: t("bad_amount") });
      return;
    }
    preview.disabled = true;
    save.disabled = true;
    try {
      const a = await api.post("/v1/events", dry ? { dry_run: 1 } : {}, e);
      put(out, answerBox(ctx, a, !dry));
      if (dry) {
        checked = api.stringify(e);
      } else {
        checked = null;
        form.dataset.eventId = newId();
        form.dataset.stored = String(a.events[0].seq);
      }
    } catch (err) {
      checked = null;
      out.replaceChildren();
      if (!(err instanceof api.ApiError)) throw err;
      showError(form, type, err);
    } finally {
      preview.disabled = false;
      save.disabled = checked === null;
    }
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); send(true); });
  save.addEventListener("click", () => { if (!save.disabled) send(false); });
  changed();
}

function put(parent, nodes) {
  parent.replaceChildren();
  for (const n of nodes.flat()) if (n) parent.appendChild(n);
}

export default async function render(ctx) {
  const p = ctx.state.params;
  const type = TYPES[p.type] ? p.type : "expense";
  const form = h("form", { id: "record", class: "record", novalidate: true,
    "data-event-id": newId(), "data-type": type },
  TYPES[type].map((f) => h("div", { class: "field" },
    h("label", { for: `in-${f}` }, t(`f_${f}`)),
    input(ctx, f, f === "date" ? p.date : p[f] || ""),
    h("p", { class: "field-error", id: `err-${f}`, "aria-live": "polite" }))),
  h("p", { class: "direction", id: "rec-direction" }),
  h("p", { class: "error", id: "form-error", "aria-live": "polite" }),
  h("div", { class: "buttons" },
    h("button", { type: "submit", id: "rec-preview" }, t("rec_preview")),
    h("button", { type: "button", id: "rec-save", disabled: true }, t("rec_save"))));
  const out = h("div", { id: "rec-answer", "aria-live": "polite" });
  wire(ctx, type, form, out);
  return [h("h2", {}, t("registrera")),
    h("div", { class: "filters" }, h("label", {}, t("type"), select("f-rectype",
      Object.keys(TYPES).map((k) => [k, t(`ty_${k}`)]), type,
      (v) => go(withParams(ctx.state, { type: v }))))),
    h("p", { class: "hint" }, t("rec_hint")), form, out];
}

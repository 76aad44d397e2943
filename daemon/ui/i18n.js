// i18n.js — the page's words, Swedish by default, English by a switch.
// The API's own error messages are English (API.md) and shown as given.
//
// The figures of an account (allocated, allocated_out, …, held,
// outstanding) and the words of the answers' codes (s_due, k_report) are
// not in WORDS: they come from figures.js, which the build writes from
// the one table medel's tables, the CSV headers and the statement read
// (ledger/api/ma_words.c, by daemon/md_ui_words.c), so the page says
// "Tilldelat vidare" where medel says "tilldelat vidare". A figure is
// shown with a capital first letter, as the page's column headings are.

import { FIGURES, CODES } from "./figures.js";

const WORDS = {
  oversikt: ["Översikt", "Overview"],
  handelser: ["Händelser", "Events"],
  frister: ["Frister", "Deadlines"],
  aterbetalning: ["Återbetalning", "Repayments"],
  flode: ["Flöde", "Flow"],
  part: ["Part", "Party"],
  aterrapportering: ["Återrapportering", "Statement"],
  andrat: ["Vad har ändrats", "What changed"],
  registrera: ["Registrera", "Record"],
  date: ["Datum", "Date"],
  known: ["Som känt", "As known at"],
  known_hint: ["nu, eller en tid (UTC)", "now, or a time (UTC)"],
  known_banner: ["Som ledgern kände det vid", "As the ledger knew it at"],
  now: ["nu", "now"],
  other_lang: ["English", "Svenska"],
  login: ["Ange din åtkomstnyckel (token).", "Enter your access token."],
  login_ok: ["Logga in", "Sign in"],
  login_bad: ["Nyckeln gäller inte.", "That token is not valid."],
  loading: ["Hämtar …", "Loading …"],
  error: ["Fel", "Error"],
  party: ["Part", "Party"],
  grant: ["Bidrag", "Grant"],
  type: ["Typ", "Type"],
  all: ["alla", "all"],
  total: ["Summa", "Total"],
  total_posts: ["Summa med delposter", "Total with posts"],
  status: ["Status", "Status"],
  payer: ["Utbetalare", "Payer"],
  grant_total: ["Ram", "Total"],
  use_by: ["Använd senast", "Use by"],
  report_by: ["Rapportera senast", "Report by"],
  repay_by: ["Återbetala senast", "Repay by"],
  posts: ["Delposter", "Posts"],
  no_rows: ["Inga belopp detta datum.", "No amounts on this date."],
  seq: ["Nr", "Seq"],
  recorded_by: ["Registrerad av", "Recorded by"],
  recorded_at: ["Registrerad", "Recorded"],
  amount: ["Belopp", "Amount"],
  from_to: ["Från → till", "From → to"],
  head: ["Senaste händelse", "Head"],
  hash: ["kedjans hash", "chain hash"],
  more: ["Fler", "More"],
  verify: ["Verifiera", "Verify"],
  verifying: ["Verifierar …", "Verifying …"],
  verify_ok: ["Stämmer: kedjan och tillståndet, {n} händelser t.o.m. nr {seq}",
    "Verified: the chain and the state, {n} events up to seq {seq}"],
  verify_bad: ["Avvikelse", "Difference"],
  known_here: ["som då", "as then"],
  known_here_title: ["Visa allt som ledgern kände det när denna händelse registrerades",
    "Show everything as the ledger knew it when this event was recorded"],
  kind: ["Slag", "Kind"],
  due: ["Förfaller", "Due"],
  days: ["Dagar", "Days"],
  days_left: ["om {n} d", "in {n} d"],
  days_late: ["{n} d sen", "{n} d late"],
  no_deadlines: ["Inga frister detta datum.", "No deadlines on this date."],
  year: ["År", "Year"],
  csv: ["Ladda ned CSV (Excel)", "Download CSV (Excel)"],
  total_outstanding: ["Totalt att återbetala", "Total outstanding"],
  no_repayments: ["Inget att visa för året.", "Nothing for this year."],
  flow_parties: ["Parter i flödet", "Parties in the flow"],
  choose_grant: ["Välj bidrag", "Choose a grant"],
  choose_party: ["Välj part", "Choose a party"],
  rollup: ["Med underliggande parter", "With its subtree"],
  its_deadlines: ["Frister", "Deadlines"],
  its_events: ["Händelser", "Events"],
  figures: ["Belopp per bidrag", "Figures per grant"],
  kind_of: ["Slag", "Kind"],
  parent: ["Ingår i", "Part of"],
  foot_note: ["Belopp i kronor och öre; datum ÅÅÅÅ-MM-DD; tider i UTC.",
    "Amounts in kronor; dates YYYY-MM-DD; times in UTC."],
  legal_entity: ["Juridisk person", "Legal entity"],
  st_summary: ["Sammanställning", "Summary"],
  st_received: ["Mottaget från", "Received from"],
  st_returned: ["Återfört från", "Returned from"],
  st_passed_on: ["Vidarebetalt till", "Passed on to"],
  st_repaid: ["Återbetalt till", "Repaid to"],
  st_spent: ["Förbrukat per aktivitet", "Spent per activity"],
  st_carried: ["Överfört mellan år", "Carried over"],
  st_reports: ["Inlämnade återrapporter", "Reports filed"],
  st_report: ["rapport", "report"],
  st_none: ["Inget.", "None."],
  st_no_reports: ["Ingen återrapport registrerad.", "No report recorded."],
  st_reported_spent: ["anger förbrukat", "states spent"],
  st_members: ["Ingår", "Consolidated"],
  st_from: ["Från", "From"],
  st_to: ["Till", "To"],
  post: ["Post", "Item"],
  activity: ["Aktivitet", "Activity"],
  unit: ["Enhet", "Unit"],
  per: ["Per", "As of"],
  computed_at: ["beräknad vid händelse nr", "computed at event"],
  print: ["Skriv ut (A4)", "Print (A4)"],
  since: ["Sedan", "Since"],
  or_time: ["eller tid", "or time"],
  choose_since: ["välj en återrapport …", "choose a report …"],
  choose_since_text: ["Välj en återrapport (eller en tid): sidan visar återrapporteringen som ledgern kände den då bredvid hur den ser ut nu, med skillnaderna markerade.",
    "Choose a report (or a time): the page shows the statement as the ledger knew it then beside how it is now, the differences marked."],
  section: ["Avsnitt", "Section"],
  then: ["Då", "Then"],
  now_col: ["Nu", "Now"],
  difference: ["Skillnad", "Difference"],
  n_changed: ["{n} belopp har ändrats", "{n} figures changed"],
  none_changed: ["Inget har ändrats", "Nothing changed"],
  not_known_then: ["Okänd för ledgern då.", "Not known to the ledger then."],
  choose: ["— välj —", "— choose —"],
  f_date: ["Datum", "Date"],
  f_grant: ["Bidrag", "Grant"],
  f_party: ["Part", "Party"],
  f_from: ["Från", "From"],
  f_to: ["Till", "To"],
  f_amount: ["Belopp", "Amount"],
  f_activity: ["Aktivitet", "Activity"],
  f_unit: ["Enhet (valfri)", "Unit (optional)"],
  f_ref: ["Referens, diarienr (valfri)", "Reference (optional)"],
  f_note: ["Anteckning", "Note"],
  f_invoice_no: ["Fakturanummer", "Invoice number"],
  f_due: ["Förfallodag (valfri)", "Due (optional)"],
  f_settles: ["Reglerar (nr eller id, valfri)", "Settles (seq or id, optional)"],
  f_spent: ["Förbrukat enligt rapporten", "Spent, as reported"],
  f_corrects: ["Rättar händelse nr", "Corrects event seq"],
  ty_expense: ["Förbrukning", "Expense"],
  ty_payout: ["Utbetalning", "Payout"],
  ty_requisition: ["Rekvisition", "Requisition"],
  ty_invoice: ["Faktura", "Invoice"],
  ty_repayment: ["Återbetalning", "Repayment"],
  ty_report: ["Återrapport", "Report"],
  ty_correction: ["Rättelse", "Correction"],
  dir_expense: ["{party} förbrukar {amount} av {grant} på ”{activity}”",
    "{party} spends {amount} of {grant} on “{activity}”"],
  dir_payout: ["{from} betalar ut {amount} till {to}", "{from} pays {amount} to {to}"],
  dir_requisition: ["{to} rekvirerar {amount} från {from}", "{to} requisitions {amount} from {from}"],
  dir_invoice: ["{to} fakturerar {from} {amount}", "{to} invoices {from} {amount}"],
  dir_repayment: ["{from} betalar tillbaka {amount} till {to}", "{from} repays {amount} to {to}"],
  dir_report: ["{party} återrapporterar {grant}, förbrukat {spent}",
    "{party} reports on {grant}, spent {spent}"],
  dir_correction: ["Händelse nr {corrects} slutar räknas: {note}",
    "Event {corrects} stops counting: {note}"],
  rec_hint: ["Förhandsgranska först: inget sparas förrän du trycker Spara. Det kräver en nyckel som får registrera.",
    "Preview first: nothing is stored until you press Save. That needs a token that may record."],
  rec_preview: ["Förhandsgranska", "Preview"],
  rec_save: ["Spara", "Save"],
  rec_would: ["Förhandsgranskning: blir händelse nr {seq}. Inget är sparat.",
    "Preview: would be event {seq}. Nothing is stored."],
  rec_stored: ["Sparad som händelse nr {seq}.", "Stored as event {seq}."],
  rec_duplicate: ["Redan sparad som händelse nr {seq} (samma id).", "Already stored as event {seq} (the same id)."],
  rec_in_log: ["Visa i Händelser", "Show in Events"],
  rec_no_warnings: ["Inga varningar.", "No warnings."],
  bad_amount: ["Skriv beloppet i kronor, t.ex. 433 012 eller 433 012,50 kr.",
    "Type the amount in kronor, e.g. 433,012 or 433,012.50."],
  no_write: ["Din nyckel får bara läsa; den får inte registrera. Inget sparades.",
    "Your token may only read, not record. Nothing was stored."],
  corrects_link: ["rättar nr {seq}", "corrects {seq}"],
  corrected_by: ["rättad av nr {seq}", "corrected by {seq}"],
  correct_this: ["rätta", "correct"],
  corrections: ["Rättelser", "Corrections"],
  slider: ["Flytta datumet över ledgerns datum", "Move the date across the ledger's dates"],
  date_from: ["Från datum", "From date"],
  date_to: ["till", "to"],
  scanned: ["Genomsökt t.o.m. nr {seq}", "Searched up to seq {seq}"],
  live: ["Följer loggen", "Following the log"],
};

let lang = "sv";

export function setLang(l) {
  lang = l === "en" ? "en" : "sv";
  document.documentElement.lang = lang;
}

export function getLang() {
  return lang;
}

// The word of a figure or a code from figures.js, or undefined.
function shared(key) {
  const i = lang === "en" ? 1 : 0;
  if (FIGURES[key]) {
    const w = FIGURES[key][i];
    return w.charAt(0).toUpperCase() + w.slice(1);
  }
  const code = /^[ks]_(.+)$/.exec(key);
  return code && CODES[code[1]] ? CODES[code[1]][i] : undefined;
}

export function t(key, vars) {
  const w = WORDS[key];
  let s = w ? w[lang === "en" ? 1 : 0] : (shared(key) ?? key);
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
  return s;
}

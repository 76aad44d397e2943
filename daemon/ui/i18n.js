// i18n.js — the page's words, Swedish by default, English by a switch.
// The API's own error messages are English (API.md) and shown as given.

const WORDS = {
  oversikt: ["Översikt", "Overview"],
  handelser: ["Händelser", "Events"],
  frister: ["Frister", "Deadlines"],
  aterbetalning: ["Återbetalning", "Repayments"],
  flode: ["Flöde", "Flow"],
  part: ["Part", "Party"],
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
  allocated: ["Tilldelat", "Allocated"],
  allocated_out: ["Fördelat vidare", "Allocated onward"],
  unallocated: ["Ej fördelat", "Unallocated"],
  claimed: ["Rekvirerat", "Claimed"],
  received: ["Mottaget", "Received"],
  paid_out: ["Utbetalt", "Paid out"],
  spent: ["Förbrukat", "Spent"],
  repaid: ["Återbetalt", "Repaid"],
  returned: ["Återfört", "Returned"],
  carried_in: ["Överfört in", "Carried in"],
  carried_out: ["Överfört ut", "Carried out"],
  held: ["Behållning", "Held"],
  outstanding: ["Att återbetala", "Outstanding"],
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
  k_claim: ["rekvirera", "claim"],
  k_report: ["rapportera", "report"],
  k_repay: ["återbetala", "repay"],
  k_condition: ["villkor", "condition"],
  s_due: ["kommande", "due"],
  s_overdue: ["försenad", "overdue"],
  s_open: ["öppen", "open"],
  s_ok: ["klar", "ok"],
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
  later: ["Kommer senare: Återrapportering, fördelningar, väntande medel, Vad har ändrats, registrering.",
    "Coming later: statement, distributions, pending money, what changed, recording."],
};

let lang = "sv";

export function setLang(l) {
  lang = l === "en" ? "en" : "sv";
  document.documentElement.lang = lang;
}

export function getLang() {
  return lang;
}

export function t(key, vars) {
  const w = WORDS[key];
  let s = w ? w[lang === "en" ? 1 : 0] : key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
  return s;
}

// fmt.js — amounts and dates as a Swedish reader expects them.
//
// Money arrives as integer öre (API.md). It is formatted with BigInt
// integer arithmetic only: 2294968300 öre → "22 949 683 kr", 150 öre →
// "1,50 kr". Never a float: api.js parses integers beyond 2^53 − 1
// from their source text into BigInt, and BigInt(n) of a safe integer is
// exact. Thousands are grouped with a no-break space (U+00A0) so an
// amount never wraps; a negative amount has a minus sign (U+2212).

const NBSP = "\u00a0";

function group(digits, sep) {
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    const left = digits.length - i;
    if (i > 0 && left % 3 === 0) out += sep;
    out += digits[i];
  }
  return out;
}

// ore: a Number (an integer) or a BigInt. lang: "sv" or "en".
export function money(ore, lang) {
  if (ore === null || ore === undefined) return "";
  if (typeof ore === "number" && !Number.isInteger(ore))
    throw new Error("an amount that is not whole öre: " + ore);
  let n = BigInt(ore);
  const neg = n < 0n;
  if (neg) n = -n;
  const kr = (n / 100n).toString();
  const ore2 = (n % 100n).toString().padStart(2, "0");
  const en = lang === "en";
  let s = group(kr, en ? "," : NBSP);
  if (ore2 !== "00") s += (en ? "." : ",") + ore2;
  return (neg ? "\u2212" : "") + s + NBSP + "kr";
}

// Today in the browser's calendar, ISO (the API's default as_of is the
// server's today; the page always sends its date explicitly).
export function today() {
  const d = new Date();
  const p = (x) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function isDate(s) {
  return /^\d{4}-\d{2}-\d{2}$/.test(s || "");
}

// An RFC 3339 time shown to the second, in UTC as stored.
export function time(s) {
  if (!s) return "";
  return s.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

// An amount typed by a person, the Swedish way ("433 012", "433 012,50
// kr", "433012:-") or, in English, "433,012.50": integer öre as a BigInt
// (never through a float), or null when the text is not an amount. A
// minus sign is kept: the API then says what is wrong with it.
export function parseMoney(text, lang) {
  let s = String(text || "").trim().replace(/\s*(kr\.?|sek|:-)$/i, "")
    .replace(/^(kr|sek)\s*/i, "").replace(/[\s\u00a0\u202f\u2009]/g, "")
    .replace(/^\u2212/, "-");
  if (lang === "en") s = s.replace(/,(?=\d{3}(\D|$))/g, "").replace(".", ",");
  const m = /^(-?)(\d+)(?:,(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const ore = BigInt(m[2]) * 100n + BigInt((m[3] || "0").padEnd(2, "0"));
  return m[1] ? -ore : ore;
}

// Compares two texts in Swedish order (å ä ö after z). One collator for
// the page: String.localeCompare(x, "sv") builds one per call, which
// made sorting Översikt's 2 400 rows of a large ledger take most of its
// drawing time.
export const svCompare = new Intl.Collator("sv").compare;

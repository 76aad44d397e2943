/*
 * mc_words.c — the two tables of words (mc_words.h): English and
 * Swedish.
 *
 * The Swedish words are the ones Swedish grant administration uses
 * (tilldelning, rekvirering, återbetalning, återrapportering). The
 * figures' words are not here but the API layer's (ma_words.h), the
 * table its CSV headers are made of, so a table and its CSV say the
 * same thing. Keep the two tables in step: a member
 * left NULL in one language falls back to the API's code, never to the
 * other language.
 */
#include "mc_words.h"

#include <string.h>
#include <strings.h>

static const struct mc_words mc_en = {
    .total = "total",
    .party = "party",
    .grant = "grant",
    .amount = "amount",
    .status = "status",
    .date = "date",
    .balances_as_of = "Balances as of",
    .known_at = ", as known at",
    .no_accounts = "No accounts as of",
    .figures = &ma_figure_words_en,
    .as_of = "as of",
    .parties = "parties",
    .pool = "pool",
    .of_pool = "of pool",
    .carried_in = "carried in from another grant",
    .got_back = "got back (repaid to it)",
    .spent = "spent",
    .repaid = "repaid",
    .carried_out = "carried out to another grant",
    .holds = "holds",
    .shown_above = "(shown above)",
    .too_deep = "(deeper than medel draws)",
    .repayments_as_of = "Repayments as of",
    .no_repayments = "No repayments as of %s: no legal entity has money "
                     "in these grants.",
    .use_by = "use by",
    .repay_by = "repay by",
    .never_due = "(no use_by: never due)",
    .statement = {"Statement (återrapportering)", "computed at ledger seq",
                  "Received from", "Returned to it by", "Passed on to",
                  "Spent per activity", "Repaid to", "Summary", "Deadlines",
                  "Reports recorded", "recorded", "by"},
    .deadlines_as_of = "Deadlines as of",
    .no_deadlines = "Nothing is due within 30 days or overdue as of %s.",
    .due = "due",
    .when = "when",
    .what = "what",
    .today = "today",
    .in_days_one = "in 1 day",
    .in_days = "in %lld days",
    .overdue_one = "1 day overdue",
    .overdue = "%lld days overdue",
    .seq = "seq",
    .type = "type",
    .about = "what",
    .corrects = "corrects",
    .every_grant = "every grant",
    .types = {[ML_TYPE_PARTY] = "party",
              [ML_TYPE_GRANT] = "grant",
              [ML_TYPE_ALLOCATION] = "allocation",
              [ML_TYPE_DECLINE] = "decline",
              [ML_TYPE_REQUISITION] = "requisition",
              [ML_TYPE_INVOICE] = "invoice",
              [ML_TYPE_PAYOUT] = "payout",
              [ML_TYPE_EXPENSE] = "expense",
              [ML_TYPE_REPAYMENT] = "repayment",
              [ML_TYPE_CARRYOVER] = "carryover",
              [ML_TYPE_REPORT] = "report",
              [ML_TYPE_CORRECTION] = "correction",
              [ML_TYPE_CLOSE] = "close",
              [ML_TYPE_CONFIRM] = "confirm",
              [ML_TYPE_LAPSE] = "lapse",
              [ML_TYPE_DISTRIBUTION] = "distribution"},
    .kinds = {"state", "association", "county_association", "region",
              "municipality", "committee", "unit", "other"},
    .direction = {[ML_TYPE_ALLOCATION] = "{from} allocates {amount} to {to}",
                  [ML_TYPE_DECLINE] =
                      "{from} declines {amount} allocated by {to}",
                  [ML_TYPE_REQUISITION] =
                      "{to} requisitions {amount} from {from}",
                  [ML_TYPE_INVOICE] = "{to} invoices {from} {amount}",
                  [ML_TYPE_PAYOUT] = "{from} pays out {amount} to {to}",
                  [ML_TYPE_EXPENSE] = "{party} spends {amount} on {activity}",
                  [ML_TYPE_REPAYMENT] = "{from} repays {amount} to {to}",
                  [ML_TYPE_CARRYOVER] = "{party} carries {amount} over from "
                                        "{grant} to {to_grant}",
                  [ML_TYPE_REPORT] = "{party} reports on {grant}"},
    .invoice_no = ", invoice {invoice_no}",
    .log_csv = {"seq", "date", "type", "id", "grant", "from", "to", "party",
                "to_grant", "amount", "activity", "unit", "name", "corrects",
                "ref", "note", "recorded_at", "recorded_by"},
    .post_csv = {"seq", "id", "duplicate", "recorded_at", "hash"},
    .verify_csv = {"ok", "events", "head_seq", "head_hash", "entries_checked",
                   "difference_kind", "difference_seq", "difference_message"},
    .row = "row",
    .read_as = "read %s as %s, separator '%c', rows: %zu; checked by the "
               "ledger, nothing stored (dry run)",
};

static const struct mc_words mc_sv = {
    .total = "totalt",
    .party = "part",
    .grant = "bidrag",
    .amount = "belopp",
    .status = "status",
    .date = "datum",
    .balances_as_of = "Saldon per",
    .known_at = ", som det var känt",
    .no_accounts = "Inga konton per",
    .figures = &ma_figure_words_sv,
    .as_of = "per",
    .parties = "parter",
    .pool = "pott",
    .of_pool = "av pott",
    .carried_in = "överfört från ett annat bidrag",
    .got_back = "fått tillbaka (återbetalt hit)",
    .spent = "förbrukat",
    .repaid = "återbetalt",
    .carried_out = "överfört till ett annat bidrag",
    .holds = "finns kvar",
    .shown_above = "(visas ovan)",
    .too_deep = "(djupare än medel ritar)",
    .repayments_as_of = "Återbetalningar per",
    .no_repayments = "Inga återbetalningar per %s: ingen juridisk person "
                     "har pengar i dessa bidrag.",
    .use_by = "använd senast",
    .repay_by = "återbetala senast",
    .never_due = "(inget use_by: förfaller aldrig)",
    .statement = {"Återrapportering", "beräknad vid huvudbokens seq",
                  "Mottaget från", "Återfått från", "Vidarebetalt till",
                  "Förbrukat per aktivitet", "Återbetalt till",
                  "Sammanfattning", "Frister", "Registrerade återrapporter",
                  "registrerad", "av"},
    .deadlines_as_of = "Bevakning per",
    .no_deadlines = "Inget förfaller inom 30 dagar eller är försenat per "
                    "%s.",
    .due = "förfaller",
    .when = "när",
    .what = "vad",
    .today = "i dag",
    .in_days_one = "om 1 dag",
    .in_days = "om %lld dagar",
    .overdue_one = "1 dag försenad",
    .overdue = "%lld dagar försenad",
    .seq = "löpnr",
    .type = "typ",
    .about = "vad",
    .corrects = "rättar",
    .every_grant = "alla bidrag",
    .types = {[ML_TYPE_PARTY] = "part",
              [ML_TYPE_GRANT] = "bidrag",
              [ML_TYPE_ALLOCATION] = "tilldelning",
              [ML_TYPE_DECLINE] = "avslag",
              [ML_TYPE_REQUISITION] = "rekvirering",
              [ML_TYPE_INVOICE] = "faktura",
              [ML_TYPE_PAYOUT] = "utbetalning",
              [ML_TYPE_EXPENSE] = "förbrukning",
              [ML_TYPE_REPAYMENT] = "återbetalning",
              [ML_TYPE_CARRYOVER] = "överföring",
              [ML_TYPE_REPORT] = "återrapportering",
              [ML_TYPE_CORRECTION] = "rättelse",
              [ML_TYPE_CLOSE] = "stängning",
              [ML_TYPE_CONFIRM] = "bekräftelse",
              [ML_TYPE_LAPSE] = "bortfall",
              [ML_TYPE_DISTRIBUTION] = "fördelning"},
    .kinds = {"stat", "förening", "länsförbund", "region", "kommun", "nämnd",
              "enhet", "annan"},
    .direction =
        {[ML_TYPE_ALLOCATION] = "{from} tilldelar {to} {amount}",
         [ML_TYPE_DECLINE] = "{from} avstår {amount} som {to} tilldelat",
         [ML_TYPE_REQUISITION] = "{to} rekvirerar {amount} från {from}",
         [ML_TYPE_INVOICE] = "{to} fakturerar {from} {amount}",
         [ML_TYPE_PAYOUT] = "{from} betalar ut {amount} till {to}",
         [ML_TYPE_EXPENSE] = "{party} förbrukar {amount} på {activity}",
         [ML_TYPE_REPAYMENT] = "{from} återbetalar {amount} till {to}",
         [ML_TYPE_CARRYOVER] = "{party} för över {amount} från {grant} "
                               "till {to_grant}",
         [ML_TYPE_REPORT] = "{party} återrapporterar {grant}"},
    .invoice_no = ", faktura {invoice_no}",
    .log_csv = {"löpnr", "datum", "typ", "id", "bidrag", "från", "till", "part",
                "till bidrag", "belopp", "aktivitet", "enhet", "namn", "rättar",
                "referens", "anteckning", "registrerad", "registrerad av"},
    .post_csv = {"löpnr", "id", "dubblett", "registrerad", "hash"},
    .verify_csv = {"ok", "händelser", "sista löpnr", "sista hash",
                   "kontrollerade poster", "skillnad", "skillnad löpnr",
                   "skillnad beskrivning"},
    .row = "rad",
    .read_as = "läste %s som %s, avgränsare '%c', rader: %zu; kontrollerade "
               "av liggaren, inget lagrat (provkörning)",
};

const struct mc_words *mc_words_of(const char *lang)
{
	return lang != NULL && strcmp(lang, "sv") == 0 ? &mc_sv : &mc_en;
}

const char *mc_words_code(const struct mc_words *w, const char *code)
{
	return ma_code_word(w->figures, code);
}

const char *mc_words_type(const struct mc_words *w, const char *type)
{
	for (int t = 1; type != NULL && t < ML_TYPE_COUNT; t++)
		if (strcmp(ml_types[t].name, type) == 0 && w->types[t] != NULL)
			return w->types[t];
	return type;
}

const char *mc_words_kind_api(const char *typed)
{
	const struct mc_words *langs[] = {&mc_en, &mc_sv};
	for (size_t l = 0; typed != NULL && l < 2; l++)
		for (size_t k = 0; k < ML_PARTY_KIND_COUNT; k++)
			if (strcasecmp(langs[l]->kinds[k], typed) == 0)
				return ml_party_kinds[k];
	return NULL;
}

int mc_words_fill(struct ml_buf *out, const char *template, mc_slot_fn slot,
                  void *arg)
{
	char name[32];
	int rc = 0;
	for (const char *p = template; rc == 0 && *p != '\0'; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		size_t n = end ? (size_t)(end - p - 1) : 0;
		if (end == NULL || n >= sizeof name) {
			rc = ml_buf_add_char(out, *p);
			continue;
		}
		memcpy(name, p + 1, n);
		name[n] = '\0';
		const char *v = slot(arg, name);
		rc = ml_buf_add_str(out, v != NULL ? v : "?");
		p = end;
	}
	return rc;
}

/*
 * ma_statement.c — the återrapportering statement as a person reads it:
 * format=csv (Swedish Excel, like the other CSVs) and format=html (a page
 * that prints on A4) of GET /v1/statement.
 *
 * Called by ma_format.c with the statement's document as parsed from its
 * JSON, so every figure here is the JSON's, and with the parties' and
 * grants' definitions as of its date (struct ma_st_names), so a person
 * reads names where the JSON has ids. The words are in the table below,
 * one column per language (sv, the default, and en). Text from the
 * ledger (names, ids, activity names, who recorded a report) is
 * HTML-escaped where it is written, never pasted into the markup.
 *
 * The CSV is one table — section;party;name;activity;unit;amount — with
 * a row per item of each list, a total row per section (party empty),
 * the summary's figures (pending money among them), each deadline, and
 * the head (seq in the activity column, hash in the unit column, amount
 * empty). The party id stays in its own column beside the name: it is
 * what an auditor matches against the events.
 *
 * The HTML is one self-contained page: the entity, the grant and the
 * date, the chain position it was computed at (printed in full on the
 * page, so a paper copy can be checked against the ledger), then the
 * sections as tables with their totals. Parties and grants are named
 * (ma_names_label: the id where a name is missing or two share it), each
 * followed by its id in small type. Its CSS sets @page to A4 with
 * margins, keeps a table on one page where it fits (a longer one breaks
 * between rows, never inside one) and prints in black.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_money.h"

#include "ma_csv.h"
#include "ma_format.h"
#include "ma_json.h"
#include "ma_names.h"

enum ma_sw {
	MA_SW_TITLE,
	MA_SW_AS_OF,
	MA_SW_HEAD,
	MA_SW_RECEIVED,
	MA_SW_RETURNED,
	MA_SW_PASSED,
	MA_SW_SPENT,
	MA_SW_REPAID,
	MA_SW_CARRIED,
	MA_SW_SUMMARY,
	MA_SW_DEADLINES,
	MA_SW_REPORTS,
	MA_SW_TOTAL,
	MA_SW_PARTY,
	MA_SW_ACTIVITY,
	MA_SW_UNIT,
	MA_SW_AMOUNT,
	MA_SW_SECTION,
	MA_SW_NONE,
	MA_SW_MEMBERS,
	MA_SW_GRANTS,
	MA_SW_DUE,
	MA_SW_KIND,
	MA_SW_STATUS,
	MA_SW_DATE,
	MA_SW_RECORDED,
	MA_SW_CARRIED_IN,
	MA_SW_CARRIED_OUT,
	MA_SW_GRANT,
	MA_SW_BY,
	MA_SW_NAME,
	MA_SW_COUNT
};

static const char *const ma_sw[MA_LANG_COUNT][MA_SW_COUNT] = {
    [MA_LANG_SV] = {"Återrapportering",
                    "per",
                    "Beräknad vid ledgerns händelse",
                    "Mottaget från",
                    "Återfått från",
                    "Vidarefördelat till",
                    "Förbrukat per aktivitet",
                    "Återbetalt till",
                    "Överfört mellan år",
                    "Sammanfattning",
                    "Frister",
                    "Inlämnade återrapporter",
                    "Summa",
                    "part",
                    "aktivitet",
                    "enhet",
                    "belopp",
                    "avsnitt",
                    "inga",
                    "Organisation (konsoliderad)",
                    "Bidrag och delposter",
                    "förfaller",
                    "typ",
                    "status",
                    "datum",
                    "registrerad",
                    "överfört in",
                    "överfört ut",
                    "bidrag",
                    "av",
                    "namn"},
    [MA_LANG_EN] = {"Statement (återrapportering)",
                    "as of",
                    "Computed at ledger event",
                    "Received from",
                    "Returned by",
                    "Passed on to",
                    "Spent per activity",
                    "Repaid to",
                    "Carried between grants",
                    "Summary",
                    "Deadlines",
                    "Reports recorded",
                    "Total",
                    "party",
                    "activity",
                    "unit",
                    "amount",
                    "section",
                    "none",
                    "Organisation (consolidated)",
                    "Grant and its posts",
                    "due",
                    "kind",
                    "status",
                    "date",
                    "recorded",
                    "carried in",
                    "carried out",
                    "grant",
                    "by",
                    "name"},
};

/* The flow sections: JSON key, its list, the heading's word. */
static const struct {
	const char *key, *list;
	enum ma_sw word;
} ma_st_flows[] = {
    {"received", "from", MA_SW_RECEIVED}, {"returned", "from", MA_SW_RETURNED},
    {"passed_on", "to", MA_SW_PASSED},    {"spent", "activities", MA_SW_SPENT},
    {"repaid", "to", MA_SW_REPAID},
};
#define MA_ST_FLOWS (sizeof ma_st_flows / sizeof ma_st_flows[0])

static const char *const ma_st_summary[] = {
    "allocated", "allocated_out", "pending",    "pending_out", "unallocated",
    "received",  "returned",      "carried_in", "spent",       "paid_out",
    "repaid",    "carried_out",   "held"};
#define MA_ST_SUMMARY (sizeof ma_st_summary / sizeof ma_st_summary[0])

/* --- CSV ---------------------------------------------------------------- */

/* The name parties gives party id, "" when none. */
static const char *ma_st_name(const cJSON *parties, const char *id)
{
	const char *name =
	    ma_json_str(ma_json_find(parties, "party", id), "name");
	return name != NULL ? name : "";
}

static void ma_st_csv_row(struct ma_csv_out *c, const cJSON *parties,
                          const char *section, const char *party,
                          const char *activity, const char *unit,
                          int64_t amount_ore)
{
	ma_csv_cell(c, section);
	ma_csv_cell(c, party ? party : "");
	ma_csv_cell(c, party ? ma_st_name(parties, party) : "");
	ma_csv_cell(c, activity ? activity : "");
	ma_csv_cell(c, unit ? unit : "");
	ma_csv_amount(c, amount_ore);
	ma_csv_end_row(c);
}

int ma_csv_statement(const cJSON *doc, const struct ma_st_names *names,
                     enum ma_lang lang, struct ml_buf *out,
                     struct ml_errinfo *err)
{
	const char *const *w = ma_sw[lang];
	const char *header[] = {w[MA_SW_SECTION], w[MA_SW_PARTY],
	                        w[MA_SW_NAME],    w[MA_SW_ACTIVITY],
	                        w[MA_SW_UNIT],    w[MA_SW_AMOUNT]};
	const cJSON *pn = names->parties;
	struct ma_csv_out c;
	int64_t v = 0;
	const cJSON *it;
	ma_csv_start(&c, out, header, 6);
	for (size_t i = 0; i < MA_ST_FLOWS; i++) {
		const cJSON *sec = cJSON_GetObjectItem(doc, ma_st_flows[i].key);
		cJSON_ArrayForEach(it, ma_json_array(sec, ma_st_flows[i].list))
		{
			ma_json_int(it, "amount", &v);
			ma_st_csv_row(&c, pn, ma_st_flows[i].key,
			              ma_json_str(it, "party"),
			              ma_json_str(it, "activity"),
			              ma_json_str(it, "unit"), v);
		}
		ma_json_int(sec, "amount", &v);
		ma_st_csv_row(&c, pn, ma_st_flows[i].key, NULL, w[MA_SW_TOTAL],
		              NULL, v);
	}
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
	for (size_t i = 0; i < MA_ST_SUMMARY; i++) {
		ma_json_int(sum, ma_st_summary[i], &v);
		ma_st_csv_row(&c, pn, "summary", NULL, ma_st_summary[i], NULL,
		              v);
	}
	cJSON_ArrayForEach(it, ma_json_array(doc, "deadlines"))
	{
		ma_json_int(it, "amount", &v);
		ma_st_csv_row(&c, pn, "deadline", ma_json_str(it, "party"),
		              ma_json_str(it, "kind"), ma_json_str(it, "due"),
		              v);
	}
	const cJSON *head = cJSON_GetObjectItem(doc, "head");
	char seq[32];
	ma_json_int(head, "seq", &v);
	snprintf(seq, sizeof seq, "%lld", (long long)v);
	ma_csv_cell(&c, "head");
	ma_csv_cell(&c, "");
	ma_csv_cell(&c, "");
	ma_csv_cell(&c, seq);
	ma_csv_cell(&c, ma_json_str(head, "hash"));
	ma_csv_cell(&c, "");
	ma_csv_end_row(&c);
	if (c.rc != 0)
		return ml_fail(err, c.rc, -1, NULL,
		               "the statement does not fit the answer");
	return 0;
}

/* --- HTML --------------------------------------------------------------- */

/* The page being written: the first ml_buf error sticks (like
 * ma_csv_out's), so a page that hits the ceiling is refused whole. */
struct ma_hb {
	struct ml_buf *b;
	int rc;
};

static void hs(struct ma_hb *h, const char *s)
{
	if (h->rc == 0)
		h->rc = ml_buf_add_str(h->b, s);
}

static void hc(struct ma_hb *h, char c)
{
	if (h->rc == 0)
		h->rc = ml_buf_add_char(h->b, c);
}

static void hf(struct ma_hb *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void hf(struct ma_hb *h, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	hs(h, text);
}

/* Text HTML-escaped (&, <, >, ", '). NULL writes nothing. */
static void ma_html_text(struct ma_hb *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			hs(b, "&amp;");
			break;
		case '<':
			hs(b, "&lt;");
			break;
		case '>':
			hs(b, "&gt;");
			break;
		case '"':
			hs(b, "&quot;");
			break;
		case '\'':
			hs(b, "&#39;");
			break;
		default:
			hc(b, *s);
		}
	}
}

static void ma_html_money(struct ma_hb *b, int64_t ore)
{
	char m[ML_MONEY_TEXT_MAX];
	hs(b, "<td class=\"amt\">");
	ma_html_text(b, ml_money_format(ore, m, sizeof m));
	hs(b, "</td>");
}

/* A party (key "party") or grant (key "grant") by name from list, then
 * its id in small type; the id alone when it has no name of its own. */
static void ma_html_who(struct ma_hb *b, const cJSON *list, const char *key,
                        const char *id)
{
	const char *label = ma_names_label(list, key, id);
	ma_html_text(b, label);
	if (label == NULL || id == NULL || strcmp(label, id) == 0)
		return;
	hs(b, " <span class=\"id\">");
	ma_html_text(b, id);
	hs(b, "</span>");
}

static const char ma_html_style[] =
    "<style>\n"
    "@page{size:A4;margin:18mm 16mm 20mm 16mm}\n"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;"
    "color:#000;max-width:178mm;margin:0 auto}\n"
    "h1{font-size:16pt;margin:0 0 2mm}h2{font-size:11.5pt;margin:6mm 0 "
    "1.5mm;border-bottom:0.4pt solid #000;break-after:avoid}\n"
    "p.meta{margin:0 0 1mm}p.head{font-family:'DejaVu Sans Mono',monospace;"
    "font-size:8pt;word-break:break-all;margin:1mm 0 4mm}\n"
    "table{width:100%;border-collapse:collapse;break-inside:avoid}\n"
    "@media screen{body{margin:10mm auto}}\n"
    "tr{break-inside:avoid}td,th{padding:0.8mm 1.5mm;vertical-align:top;"
    "text-align:left;border-bottom:0.2pt solid #999}\n"
    "th{font-weight:bold;border-bottom:0.6pt solid #000}\n"
    "td.amt,th.amt{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}\n"
    "tr.total td{font-weight:bold;border-top:0.6pt solid #000;"
    "border-bottom:none}\n"
    "td.none{color:#444;font-style:italic}td.d{white-space:nowrap}\n"
    "span.id{font-family:'DejaVu Sans Mono',monospace;font-size:7.5pt}\n"
    "</style>\n";

/* <h2>, then a table of (label, amount) items and the total row. */
static void ma_html_flow(struct ma_hb *b, const cJSON *doc, size_t i,
                         const char *const *w, const struct ma_st_names *n)
{
	const cJSON *sec = cJSON_GetObjectItem(doc, ma_st_flows[i].key);
	const cJSON *it;
	int64_t v = 0;
	hs(b, "<h2>");
	ma_html_text(b, w[ma_st_flows[i].word]);
	hs(b, "</h2>\n<table>\n");
	if (cJSON_GetArraySize(ma_json_array(sec, ma_st_flows[i].list)) == 0) {
		hs(b, "<tr><td class=\"none\">");
		ma_html_text(b, w[MA_SW_NONE]);
		hs(b, "</td><td></td></tr>\n");
	}
	cJSON_ArrayForEach(it, ma_json_array(sec, ma_st_flows[i].list))
	{
		const char *unit = ma_json_str(it, "unit");
		const char *who = ma_json_str(it, "party");
		hs(b, "<tr><td>");
		if (who != NULL)
			ma_html_who(b, n->parties, "party", who);
		else
			ma_html_text(b, ma_json_str(it, "activity"));
		if (unit != NULL) {
			hs(b, " (");
			ma_html_text(b, unit);
			hs(b, ")");
		}
		hs(b, "</td>");
		ma_json_int(it, "amount", &v);
		ma_html_money(b, v);
		hs(b, "</tr>\n");
	}
	ma_json_int(sec, "amount", &v);
	hs(b, "<tr class=\"total\"><td>");
	ma_html_text(b, w[MA_SW_TOTAL]);
	hs(b, "</td>");
	ma_html_money(b, v);
	hs(b, "</tr>\n</table>\n");
}

/* The word for the API's bucket key, as words' balances CSV header
 * names it (ma_words.h): the key is found among the figures' keys and
 * the word taken from the same place, no column numbers to keep in
 * step. */
static const char *ma_st_bucket_word(const struct ma_words *words,
                                     const char *key)
{
	for (size_t i = 0; i < MA_BALANCE_FIGURES; i++)
		if (strcmp(ma_balance_keys[i], key) == 0)
			return words->figure_keys ? ma_balance_keys[i]
			                          : words->figures->balance[i];
	ML_ASSERT(false && "every summary key is a balances column");
	return key;
}

static void ma_html_summary(struct ma_hb *b, const cJSON *doc,
                            const char *const *w, const struct ma_words *words)
{
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
	int64_t v = 0;
	hs(b, "<h2>");
	ma_html_text(b, w[MA_SW_SUMMARY]);
	hs(b, "</h2>\n<table>\n");
	for (size_t i = 0; i < MA_ST_SUMMARY; i++) {
		ma_json_int(sum, ma_st_summary[i], &v);
		hs(b, i + 1 == MA_ST_SUMMARY ? "<tr class=\"total\"><td>"
		                             : "<tr><td>");
		ma_html_text(b, ma_st_bucket_word(words, ma_st_summary[i]));
		hs(b, "</td>");
		ma_html_money(b, v);
		hs(b, "</tr>\n");
	}
	hs(b, "</table>\n");
}

/* A table of rows of cells: keys[0..n) of every item of arr (amount
 * keys as money), headed by words heads[0..n). */
static void ma_html_table(struct ma_hb *b, const cJSON *arr,
                          const char *const *keys, const char *const *heads,
                          size_t n, const char *none,
                          const struct ma_st_names *names,
                          const struct ma_figure_words *fw)
{
	hs(b, "<table>\n<tr>");
	for (size_t k = 0; k < n; k++) {
		bool money = strcmp(keys[k], "amount") == 0 ||
		             strncmp(keys[k], "carried", 7) == 0;
		hs(b, money ? "<th class=\"amt\">" : "<th>");
		ma_html_text(b, heads[k]);
		hs(b, "</th>");
	}
	hs(b, "</tr>\n");
	if (cJSON_GetArraySize(arr) == 0) {
		hf(b, "<tr><td class=\"none\" colspan=\"%zu\">", n);
		ma_html_text(b, none);
		hs(b, "</td></tr>\n");
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		hs(b, "<tr>");
		for (size_t k = 0; k < n; k++) {
			const cJSON *x = cJSON_GetObjectItem(it, keys[k]);
			if (cJSON_IsNumber(x) && strcmp(keys[k], "seq") != 0) {
				int64_t v = 0;
				ma_json_int(it, keys[k], &v);
				ma_html_money(b, v);
				continue;
			}
			bool party = strcmp(keys[k], "party") == 0;
			/* a date or a time is never broken over two lines */
			bool when = strcmp(keys[k], "date") == 0 ||
			            strcmp(keys[k], "due") == 0 ||
			            strcmp(keys[k], "recorded_at") == 0;
			hs(b, when ? "<td class=\"d\">" : "<td>");
			if (cJSON_IsNumber(x))
				hf(b, "%.0f", x->valuedouble);
			else if (cJSON_IsString(x) &&
			         (party || strcmp(keys[k], "grant") == 0))
				ma_html_who(
				    b, party ? names->parties : names->grants,
				    keys[k], x->valuestring);
			else if (cJSON_IsString(x) &&
			         (strcmp(keys[k], "kind") == 0 ||
			          strcmp(keys[k], "status") == 0))
				ma_html_text(b,
				             ma_code_word(fw, x->valuestring));
			else
				ma_html_text(
				    b, cJSON_IsString(x) ? x->valuestring : "");
			hs(b, "</td>");
		}
		hs(b, "</tr>\n");
	}
	hs(b, "</table>\n");
}

static void ma_html_h2(struct ma_hb *b, const char *title)
{
	hs(b, "<h2>");
	ma_html_text(b, title);
	hs(b, "</h2>\n");
}

/* Carried, deadlines and reports: the lists that are not flows. */
static void ma_html_lists(struct ma_hb *b, const cJSON *doc,
                          const char *const *w, const struct ma_st_names *n,
                          const struct ma_figure_words *fw)
{
	const char *ck[] = {"grant", "carried_in", "carried_out"};
	const char *ch[] = {w[MA_SW_GRANT], w[MA_SW_CARRIED_IN],
	                    w[MA_SW_CARRIED_OUT]};
	const char *dk[] = {"due", "kind", "party", "status", "amount"};
	const char *dh[] = {w[MA_SW_DUE], w[MA_SW_KIND], w[MA_SW_PARTY],
	                    w[MA_SW_STATUS], w[MA_SW_AMOUNT]};
	const char *rk[] = {"date", "party",       "grant",
	                    "seq",  "recorded_at", "recorded_by"};
	const char *rh[] = {w[MA_SW_DATE], w[MA_SW_PARTY],    w[MA_SW_GRANT],
	                    "seq",         w[MA_SW_RECORDED], w[MA_SW_BY]};
	ma_html_h2(b, w[MA_SW_CARRIED]);
	ma_html_table(b, ma_json_array(doc, "carried"), ck, ch, 3,
	              w[MA_SW_NONE], n, fw);
	ma_html_h2(b, w[MA_SW_DEADLINES]);
	ma_html_table(b, ma_json_array(doc, "deadlines"), dk, dh, 5,
	              w[MA_SW_NONE], n, fw);
	ma_html_h2(b, w[MA_SW_REPORTS]);
	ma_html_table(b, ma_json_array(doc, "reports"), rk, rh, 6,
	              w[MA_SW_NONE], n, fw);
}

/* Title, the entity and its members, the grants, and the head. */
static void ma_html_top(struct ma_hb *b, const cJSON *doc, const char *const *w,
                        enum ma_lang lang, const struct ma_st_names *n)
{
	const cJSON *head = cJSON_GetObjectItem(doc, "head");
	const cJSON *it;
	int64_t seq = 0;
	ma_json_int(head, "seq", &seq);
	hf(b,
	   "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	   "<meta charset=\"utf-8\">\n<title>",
	   lang == MA_LANG_SV ? "sv" : "en");
	ma_html_text(b, w[MA_SW_TITLE]);
	hs(b, "</title>\n");
	hs(b, ma_html_style);
	hs(b, "</head>\n<body>\n<h1>");
	ma_html_text(b, w[MA_SW_TITLE]);
	hs(b, ": ");
	ma_html_who(b, n->parties, "party", ma_json_str(doc, "party"));
	hs(b, "</h1>\n<p class=\"meta\">");
	ma_html_who(b, n->grants, "grant", ma_json_str(doc, "grant"));
	hs(b, ", ");
	ma_html_text(b, w[MA_SW_AS_OF]);
	hs(b, " ");
	ma_html_text(b, ma_json_str(doc, "as_of"));
	if (ma_json_str(doc, "known_at") != NULL) {
		hs(b, " (known at ");
		ma_html_text(b, ma_json_str(doc, "known_at"));
		hs(b, ")");
	}
	hs(b, "</p>\n<p class=\"meta\">");
	ma_html_text(b, w[MA_SW_MEMBERS]);
	hs(b, ":");
	const char *sep = " ";
	cJSON_ArrayForEach(it, ma_json_array(doc, "members"))
	{
		hs(b, sep);
		ma_html_who(b, n->parties, "party", ma_json_str(it, "party"));
		sep = "; ";
	}
	hs(b, "</p>\n<p class=\"meta\">");
	ma_html_text(b, w[MA_SW_GRANTS]);
	hs(b, ":");
	sep = " ";
	cJSON_ArrayForEach(it, ma_json_array(doc, "grants"))
	{
		hs(b, sep);
		ma_html_who(b, n->grants, "grant", ma_json_str(it, "grant"));
		sep = "; ";
	}
	hs(b, "</p>\n<p class=\"head\">");
	ma_html_text(b, w[MA_SW_HEAD]);
	hf(b, " seq %lld, SHA-256 ", (long long)seq);
	ma_html_text(b, ma_json_str(head, "hash"));
	hs(b, "</p>\n");
}

int ma_html_statement(const cJSON *doc, const struct ma_st_names *names,
                      enum ma_lang lang, struct ml_buf *out,
                      struct ml_errinfo *err)
{
	const char *const *w = ma_sw[lang];
	struct ma_hb h = {out, 0};
	ma_html_top(&h, doc, w, lang, names);
	for (size_t i = 0; i < MA_ST_FLOWS; i++)
		ma_html_flow(&h, doc, i, w, names);
	ma_html_summary(&h, doc, w, ma_words_of(lang));
	ma_html_lists(&h, doc, w, names, ma_words_of(lang)->figures);
	hs(&h, "</body>\n</html>\n");
	if (h.rc != 0)
		return ml_fail(err, h.rc, -1, NULL,
		               "the statement does not fit the answer");
	return 0;
}

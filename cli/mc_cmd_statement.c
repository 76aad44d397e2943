/*
 * mc_cmd_statement.c — `medel statement`: the återrapportering of one
 * legal entity for one grant (GET /v1/statement).
 *
 * --format json prints the API's answer; text (the default) lays the
 * same answer out for a person, section by section, every figure from
 * the JSON: what came in and from whom, what was passed on and to whom,
 * spent per activity and unit, carried, repaid, still held, the
 * deadlines and reports, and the ledger's head seq and hash the
 * statement was computed at, in the chosen language and with names (ids
 * where names would be ambiguous). The API renders csv and html.
 */
#include <stdio.h>
#include <string.h>

#include "ml_money.h"

#include "mc_cli.h"
#include "mc_names.h"
#include "mc_words.h"

/* What the text printer reads: the answer, names, the words. */
struct mc_st {
	const cJSON *doc;
	const struct mc_names *names;
	const struct mc_words *w;
};

/* "        1 234 kr  label": the amount first, so that labels of any
 * length (activities are long) leave the amounts aligned. */
static void mc_st_line(const char *label, int64_t ore)
{
	char m[ML_MONEY_TEXT_MAX];
	printf("  %20s  %s\n", ml_money_format(ore, m, sizeof m), label);
}

/* A section: each (party or activity, amount), then its total. */
static void mc_st_section(const struct mc_st *st, const char *key,
                          const char *list, enum mc_st_word title)
{
	const cJSON *sec = cJSON_GetObjectItem(st->doc, key);
	int64_t amount = 0;
	ma_json_int(sec, "amount", &amount);
	printf("\n%s\n", st->w->statement[title]);
	const cJSON *it;
	cJSON_ArrayForEach(it, ma_json_array(sec, list))
	{
		const char *who = ma_json_str(it, "party");
		const char *act = ma_json_str(it, "activity");
		const char *unit = ma_json_str(it, "unit");
		char label[MC_LINE_BYTES_MAX];
		int64_t v = 0;
		ma_json_int(it, "amount", &v);
		snprintf(label, sizeof label, "%s%s%s%s",
		         who ? mc_party_name(st->names, who) : act,
		         unit ? " (" : "", unit ? unit : "", unit ? ")" : "");
		mc_st_line(label, v);
	}
	mc_st_line(st->w->total, amount);
}

/* The summary: the API's figures under the repayments table's words,
 * then held, pending and pending_out under the balances' (money promised
 * on a condition, to the entity and by it: not yet held, so after it). */
static void mc_st_summary(const struct mc_st *st)
{
	const cJSON *sum = cJSON_GetObjectItem(st->doc, "summary");
	int64_t v = 0;
	printf("\n%s\n", st->w->statement[MC_ST_SUMMARY]);
	/* a repayments row's figures but outstanding, then held */
	for (size_t i = 0; i + 1 < MA_REPAY_FIGURES; i++) {
		ma_json_int(sum, ma_repay_keys[i], &v);
		mc_st_line(st->w->figures->repay[i], v);
	}
	ma_json_int(sum, "held", &v);
	mc_st_line(st->w->figures->balance[MA_BALANCE_FIGURES - 1], v);
	ma_json_int(sum, "pending", &v);
	mc_st_line(st->w->figures->balance[2], v);
	ma_json_int(sum, "pending_out", &v);
	mc_st_line(st->w->figures->balance[3], v);
}

static void mc_st_text(const struct mc_st *st)
{
	const struct mc_words *w = st->w;
	const cJSON *doc = st->doc, *it;
	const cJSON *head = cJSON_GetObjectItem(doc, "head");
	int64_t seq = 0;
	ma_json_int(head, "seq", &seq);
	printf("%s: %s, %s, %s %s\n", w->statement[MC_ST_TITLE],
	       mc_party_name(st->names, ma_json_str(doc, "party")),
	       mc_grant_name(st->names, ma_json_str(doc, "grant")), w->as_of,
	       ma_json_str(doc, "as_of"));
	printf("%s %lld, hash %s\n", w->statement[MC_ST_COMPUTED],
	       (long long)seq, ma_json_str(head, "hash"));
	mc_st_section(st, "received", "from", MC_ST_RECEIVED);
	mc_st_section(st, "returned", "from", MC_ST_RETURNED);
	mc_st_section(st, "passed_on", "to", MC_ST_PASSED_ON);
	mc_st_section(st, "spent", "activities", MC_ST_SPENT);
	mc_st_section(st, "repaid", "to", MC_ST_REPAID);
	mc_st_summary(st);
	printf("\n%s\n", w->statement[MC_ST_DEADLINES]);
	cJSON_ArrayForEach(it, ma_json_array(doc, "deadlines"))
	{
		char m[ML_MONEY_TEXT_MAX];
		int64_t v = 0;
		ma_json_int(it, "amount", &v);
		printf("  %s %-9s %s %s %s\n", ma_json_str(it, "due"),
		       mc_words_code(w, ma_json_str(it, "kind")),
		       mc_party_name(st->names, ma_json_str(it, "party")),
		       mc_words_code(w, ma_json_str(it, "status")),
		       ml_money_format(v, m, sizeof m));
	}
	printf("\n%s\n", w->statement[MC_ST_REPORTS]);
	cJSON_ArrayForEach(it, ma_json_array(doc, "reports"))
	    printf("  %s %s (seq %lld, %s %s %s %s)\n", ma_json_str(it, "date"),
	           mc_party_name(st->names, ma_json_str(it, "party")),
	           (long long)cJSON_GetObjectItem(it, "seq")->valuedouble,
	           w->statement[MC_ST_RECORDED], ma_json_str(it, "recorded_at"),
	           w->statement[MC_ST_BY], ma_json_str(it, "recorded_by"));
}

/* Prints the answer in r as text, with names as of its date. */
static int mc_st_print(struct mc_ctx *ctx, struct mc_reply *r,
                       const char *as_of)
{
	struct mc_names names;
	cJSON *doc = mc_json_parse(r);
	if (doc == NULL)
		return mc_bad_answer(ctx, "the statement");
	int exit = mc_names_load(ctx, as_of, &names);
	if (exit == MC_EXIT_OK) {
		struct mc_st st = {doc, &names, mc_words_of(ctx->lang)};
		mc_st_text(&st);
	}
	mc_names_free(&names);
	cJSON_Delete(doc);
	return exit;
}

static int mc_statement_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt o[] = {{"party", MC_OPT_VALUE, NULL},
	                     {"grant", MC_OPT_VALUE, NULL},
	                     {"as-of", MC_OPT_VALUE, NULL},
	                     {"known-at", MC_OPT_VALUE, NULL},
	                     {"format", MC_OPT_VALUE, NULL}};
	struct mc_query q;
	struct mc_reply r;
	size_t n_pos = 0;
	int exit = mc_args_parse(ctx, argc, argv, o, 5, NULL, 0, &n_pos);
	if (exit == MC_EXIT_OK && (o[0].value == NULL || o[1].value == NULL))
		exit = mc_usage(ctx, "statement needs --party P and --grant G");
	if (exit == MC_EXIT_OK)
		exit = mc_check_date(ctx, "as-of", o[2].value);
	if (exit != MC_EXIT_OK)
		return exit;
	const char *format = o[4].value                ? o[4].value
	                     : ctx->out == MC_OUT_JSON ? "json"
	                                               : "text";
	bool by_api = strcmp(format, "csv") == 0 || strcmp(format, "html") == 0;
	if (!by_api && strcmp(format, "json") != 0 &&
	    strcmp(format, "text") != 0)
		return mc_usage(ctx,
		                "--format must be text, html, json or csv, not "
		                "'%s'",
		                format);
	mc_query_init(&q);
	mc_query_add(&q, "party", o[0].value);
	mc_query_add(&q, "grant", o[1].value);
	mc_query_add(&q, "as_of", o[2].value);
	mc_query_add(&q, "known_at", o[3].value);
	if (by_api) {
		mc_query_add(&q, "format", format);
		mc_query_add(&q, "lang", ctx->lang);
	}
	if (q.overflow)
		return mc_usage(ctx, "the party or grant id is too long");
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	exit = mc_ctx_get(ctx, "/v1/statement", q.text, &r);
	if (exit == MC_EXIT_OK && by_api)
		exit = mc_print_raw(ctx, &r);
	else if (exit == MC_EXIT_OK && strcmp(format, "json") == 0)
		exit = mc_print_body(ctx, &r);
	else if (exit == MC_EXIT_OK)
		exit = mc_st_print(ctx, &r, o[2].value);
	mc_reply_free(&r);
	return exit;
}

const struct mc_command mc_cmd_statement = {
    "statement",
    "the återrapportering of a legal entity for a grant",
    "usage: medel statement --party P --grant G [--as-of DATE]\n"
    "                       [--known-at TIME] [--format text|html|json|csv]\n"
    "\n"
    "What legal entity P (with its committees and units, as one) received\n"
    "of grant G and its posts and from whom, passed on and to whom, spent\n"
    "per activity and unit, carried, repaid and still holds, its deadlines\n"
    "and the reports recorded, and the ledger's head seq and hash the\n"
    "statement was computed at, so an auditor can check it against the\n"
    "chain (medel verify). html is a page that prints on A4; csv opens in\n"
    "Swedish Excel.\n"
    "\n"
    "Example:\n"
    "  medel statement --party malmo --grant psykisk-halsa-2020 \\\n"
    "      --as-of 2021-01-31\n"
    "  medel statement --party malmo --grant psykisk-halsa-2020 \\\n"
    "      --as-of 2021-01-31 --format html > aterrapport.html\n",
    mc_statement_run,
};

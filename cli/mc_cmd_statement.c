/*
 * mc_cmd_statement.c — `medel statement`: the återrapportering of one
 * legal entity for one grant (GET /v1/statement).
 *
 * --format json prints the API's answer; text (the default) lays the
 * same answer out for a person, section by section, every figure from
 * the JSON: what came in and from whom, what was passed on and to whom,
 * spent per activity and unit, carried, repaid, still held, the
 * deadlines and reports, and the ledger's head seq and hash the
 * statement was computed at. The API renders csv and html (not yet
 * written: they are refused with a clear message).
 */
#include <stdio.h>
#include <string.h>

#include "ml_money.h"

#include "mc_cli.h"

/* "        1 234 kr  label": the amount first, so that labels of any
 * length (activities are long) leave the amounts aligned. */
static void mc_st_line(const char *label, int64_t ore)
{
	char m[ML_MONEY_TEXT_MAX];
	printf("  %20s  %s\n", ml_money_format(ore, m, sizeof m), label);
}

/* A section: its amount, then each (party or activity, amount). */
static void mc_st_section(const cJSON *doc, const char *key, const char *list,
                          const char *title)
{
	const cJSON *sec = cJSON_GetObjectItem(doc, key);
	int64_t amount = 0;
	ma_json_int(sec, "amount", &amount);
	printf("\n%s\n", title);
	const cJSON *it;
	cJSON_ArrayForEach(it, ma_json_array(sec, list))
	{
		const char *who = ma_json_str(it, "party");
		const char *act = ma_json_str(it, "activity");
		const char *unit = ma_json_str(it, "unit");
		char label[160];
		int64_t v = 0;
		ma_json_int(it, "amount", &v);
		snprintf(label, sizeof label, "%s%s%s%s", who ? who : act,
		         unit ? " (" : "", unit ? unit : "", unit ? ")" : "");
		mc_st_line(label, v);
	}
	mc_st_line("total", amount);
}

static void mc_st_text(const cJSON *doc)
{
	const cJSON *head = cJSON_GetObjectItem(doc, "head");
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
	int64_t seq = 0, v = 0;
	ma_json_int(head, "seq", &seq);
	printf("Statement (återrapportering): %s, %s, as of %s\n",
	       ma_json_str(doc, "party"), ma_json_str(doc, "grant"),
	       ma_json_str(doc, "as_of"));
	printf("computed at ledger seq %lld, hash %s\n", (long long)seq,
	       ma_json_str(head, "hash"));
	mc_st_section(doc, "received", "from", "Received from");
	mc_st_section(doc, "returned", "from", "Returned to it by");
	mc_st_section(doc, "passed_on", "to", "Passed on to");
	mc_st_section(doc, "spent", "activities", "Spent per activity");
	mc_st_section(doc, "repaid", "to", "Repaid to");
	printf("\nSummary\n");
	const char *const keys[] = {"received",    "returned", "carried_in",
	                            "spent",       "paid_out", "repaid",
	                            "carried_out", "held"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		ma_json_int(sum, keys[i], &v);
		mc_st_line(keys[i], v);
	}
	const cJSON *it;
	printf("\nDeadlines\n");
	cJSON_ArrayForEach(it, ma_json_array(doc, "deadlines"))
	    printf("  %s %-9s %s %s\n", ma_json_str(it, "due"),
	           ma_json_str(it, "kind"), ma_json_str(it, "party"),
	           ma_json_str(it, "status"));
	printf("\nReports recorded\n");
	cJSON_ArrayForEach(it, ma_json_array(doc, "reports")) printf(
	    "  %s %s (seq %d, recorded %s by %s)\n", ma_json_str(it, "date"),
	    ma_json_str(it, "party"),
	    (int)cJSON_GetObjectItem(it, "seq")->valuedouble,
	    ma_json_str(it, "recorded_at"), ma_json_str(it, "recorded_by"));
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
	else if (exit == MC_EXIT_OK) {
		cJSON *doc = mc_json_parse(&r);
		mc_st_text(doc);
		cJSON_Delete(doc);
	}
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

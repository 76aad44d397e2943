/*
 * mc_cmd_balance.c — `medel balance`: every account's figures on a date.
 *
 * GET /v1/balances with the options as its parameters. For people the
 * rows are grouped under their grant (a grant id is long; repeating it
 * on every row would push the amounts off the screen), and a figure that
 * is zero on every row is left out, so Malmö's balances show allocated,
 * received, paid out, spent and held, not twelve columns of which seven
 * are empty. held is always shown: it is the question most often asked.
 * --csv gives every figure of every row (the API's format=csv, printed
 * as received); --json the API's document.
 */
#include <string.h>

#include "ml_money.h"

#include "mc_cli.h"
#include "mc_names.h"
#include "mc_table.h"
#include "mc_words.h"

/* The API's figures, in its order: their keys and words are the API
 * layer's (ma_words.h). */
#define MC_FIGURES MA_BALANCE_FIGURES
#define MC_HELD    13
static_assert(MC_HELD + 1 == MC_FIGURES, "held is the last figure");

/* Which figures are not zero on some row (held always is shown). */
static int mc_balance_used(struct mc_ctx *ctx, const cJSON *rows, bool *used)
{
	int64_t v[MC_FIGURES];
	const cJSON *row;
	memset(used, 0, MC_FIGURES * sizeof *used);
	used[MC_HELD] = true;
	cJSON_ArrayForEach(row, rows)
	{
		if (ma_json_ints(row, ma_balance_keys, MC_FIGURES, v) != 0)
			return mc_bad_answer(ctx, "a balance row");
		for (size_t i = 0; i < MC_FIGURES; i++)
			used[i] = used[i] || v[i] != 0;
	}
	return MC_EXIT_OK;
}

/* One party's row of the used figures, counted into the total. */
static int mc_balance_row(struct mc_ctx *ctx, struct mc_table *t,
                          const struct mc_names *names, const cJSON *row,
                          const bool *used)
{
	char money[MC_FIGURES][ML_MONEY_TEXT_MAX], name[MC_NAME_BYTES_MAX];
	const char *cells[1 + MC_FIGURES], *styles[1 + MC_FIGURES];
	int64_t v[MC_FIGURES];
	size_t n = 0;
	ma_json_ints(row, ma_balance_keys, MC_FIGURES, v);
	styles[n] = NULL;
	cells[n++] =
	    mc_cell(ctx, mc_party_name(names, ma_json_str(row, "party")), name);
	for (size_t i = 0; i < MC_FIGURES; i++) {
		if (!used[i])
			continue;
		mc_table_add_ore(t, n, v[i]);
		styles[n] = v[i] < 0 ? mc_style(ctx, MC_STYLE_RED) : NULL;
		cells[n++] = ml_money_format(v[i], money[i], sizeof money[i]);
	}
	return mc_table_row(t, cells, ctx->colour ? styles : NULL);
}

/* The rows under their grants' names, and the total line. */
static int mc_balance_rows(struct mc_ctx *ctx, struct mc_table *t,
                           const struct mc_names *names, const cJSON *rows,
                           const bool *used)
{
	static char line[MC_LINE_BYTES_MAX];
	const char *last = "";
	const cJSON *row;
	int rc = 0;
	cJSON_ArrayForEach(row, rows)
	{
		const char *grant = ma_json_str(row, "grant");
		if (grant != NULL && strcmp(grant, last) != 0)
			rc = mc_table_heading(
			    t, mc_whole(ctx, mc_grant_name(names, grant), line),
			    mc_style(ctx, MC_STYLE_BOLD));
		last = grant ? grant : last;
		rc = rc ? rc : mc_balance_row(ctx, t, names, row, used);
		if (rc != 0)
			return rc;
	}
	return mc_table_total(t, mc_words_of(ctx->lang)->total,
	                      ctx->colour ? MC_STYLE_BOLD : NULL);
}

static int mc_balance_table(struct mc_ctx *ctx, const cJSON *doc,
                            const cJSON *rows, const struct mc_names *names)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	bool used[MC_FIGURES];
	size_t n = 1;
	int rc = mc_balance_used(ctx, rows, used);
	if (rc != MC_EXIT_OK)
		return rc;
	for (size_t i = 0; i < MC_FIGURES; i++)
		n += used[i];
	struct mc_table *t = mc_table_new(n);
	if (t == NULL)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	mc_table_column(t, 0, w->party, MC_LEFT);
	for (size_t i = 0, c = 1; i < MC_FIGURES; i++)
		if (used[i])
			mc_table_column(t, c++, ma_figure_short(w->figures, i),
			                MC_RIGHT);
	rc = mc_balance_rows(ctx, t, names, rows, used);
	const char *known = ma_json_str(doc, "known_at");
	mc_say(ctx, "%s %s%s%s%s", w->balances_as_of, ma_json_str(doc, "as_of"),
	       known ? w->known_at : "", known ? " " : "", known ? known : "");
	if (rc == 0)
		mc_table_print(t, stdout, 0, 2, mc_style(ctx, MC_STYLE_DIM));
	mc_table_free(t);
	return rc == 0 ? MC_EXIT_OK
	               : mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
	                         "the table is too large to show: use --csv");
}

static int mc_balance_print(struct mc_ctx *ctx, const struct mc_reply *r)
{
	cJSON *doc = mc_json_parse(r);
	const cJSON *rows = ma_json_array(doc, "rows");
	const char *as_of = ma_json_str(doc, "as_of");
	struct mc_names names = {0};
	int exit;
	if (rows == NULL || as_of == NULL)
		exit = mc_bad_answer(ctx, "no rows");
	else if (cJSON_GetArraySize(rows) == 0) {
		mc_say(ctx, "%s %s.", mc_words_of(ctx->lang)->no_accounts,
		       as_of);
		exit = MC_EXIT_OK;
	} else {
		exit = mc_names_load(ctx, as_of, &names);
		if (exit == MC_EXIT_OK)
			exit = mc_balance_table(ctx, doc, rows, &names);
	}
	mc_names_free(&names);
	cJSON_Delete(doc);
	return exit;
}

static int mc_balance_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt o[] = {
	    {"as-of", MC_OPT_VALUE, NULL}, {"known-at", MC_OPT_VALUE, NULL},
	    {"grant", MC_OPT_VALUE, NULL}, {"posts", MC_OPT_FLAG, NULL},
	    {"party", MC_OPT_VALUE, NULL}, {"rollup", MC_OPT_FLAG, NULL}};
	struct mc_query q;
	struct mc_reply r;
	size_t n_pos = 0;
	int exit = mc_args_parse(ctx, argc, argv, o, 6, NULL, 0, &n_pos);
	if (exit == MC_EXIT_OK)
		exit = mc_check_date(ctx, "as-of", o[0].value);
	if (exit != MC_EXIT_OK)
		return exit;
	mc_query_init(&q);
	mc_query_add(&q, "as_of", o[0].value);
	mc_query_add(&q, "known_at", o[1].value);
	mc_query_add(&q, "grant", o[2].value);
	mc_query_add(&q, "posts", o[3].value);
	mc_query_add(&q, "party", o[4].value);
	mc_query_add(&q, "rollup", o[5].value);
	mc_csv_query(ctx, &q);
	if (q.overflow)
		return mc_usage(ctx, "the options are too long");
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	ctx->target.point_reads = true; /* a seek per account */
	exit = mc_ctx_get(ctx, "/v1/balances", q.text, &r);
	if (exit == MC_EXIT_OK)
		exit = mc_print_answer(ctx, &r, mc_balance_print);
	mc_reply_free(&r);
	return exit;
}

const struct mc_command mc_cmd_balance = {
    "balance",
    "every account's figures as of a date (and as known at a time)",
    "usage: medel balance [--as-of DATE] [--known-at TIME] [--grant G\n"
    "                     [--posts]] [--party P [--rollup]]\n"
    "\n"
    "Shows, for each grant and party with an account, what it was\n"
    "allocated, passed on, claimed, received, paid out, spent, repaid,\n"
    "got back, carried in or out, what it may still allocate\n"
    "(unallocated) and what it holds, counting every event dated on or\n"
    "before DATE (default: today). Figures that are zero on every row are\n"
    "left out of the table (--csv and --json have them all).\n"
    "\n"
    "  --as-of DATE    the end of this day, YYYY-MM-DD\n"
    "  --known-at TIME only what the ledger knew then (RFC 3339, or a date\n"
    "                  meaning the end of that day, UTC): later corrections\n"
    "                  are not yet seen\n"
    "  --grant G       one grant; --posts adds the posts below it\n"
    "  --party P       one party; --rollup sums it and every party below\n"
    "\n"
    "Examples:\n"
    "  medel balance --as-of 2020-12-31 --grant psykisk-halsa-2020\n"
    "  medel balance --as-of 2013-12-31 --party stockholm --rollup\n"
    "  medel balance --as-of 2021-04-01 --known-at 2021-04-15 \\\n"
    "      --party malmo-asn\n"
    "  medel --csv balance --as-of 2020-12-31 > saldon-2020.csv\n",
    mc_balance_run,
};

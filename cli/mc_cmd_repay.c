/*
 * mc_cmd_repay.c — `medel repayments` and `medel deadlines`: what must be
 * repaid, reported or claimed, and by when.
 *
 * `repayments --year 2020 --as-of 2021-04-01 --csv` is the year-end
 * job's file: one row per grant and legal entity with what it received,
 * spent, passed on (paid_out), repaid and still holds (outstanding), the
 * due date (the grant's repay_by) and the status, with the legal
 * entity's name, because the file goes to people: "Södertälje kommun",
 * not "sodertalje". That file, like the deadlines' --csv, is the API's
 * format=csv, printed as received.
 *
 * For people, repayments are grouped under their grant with its use_by
 * and repay_by, statuses coloured (overdue red, due yellow, ok green),
 * and the total outstanding last. Deadlines are one table in date order
 * with "in 16 days" / "1 day overdue".
 */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ml_money.h"

#include "mc_cli.h"
#include "mc_names.h"
#include "mc_table.h"
#include "mc_words.h"

/* A row's figures in the API's order; the identity received + returned
 * + carried_in − spent − paid_out − repaid − carried_out = outstanding
 * holds on each. returned, carried_in and carried_out are columns only
 * when some row has one (most years have none), so the table stays
 * narrow and every row still adds up on screen. */
/* The figures' keys and words: ma_words.h. */
#define MC_REPAY_FIGURES MA_REPAY_FIGURES

static bool mc_repay_optional(size_t figure)
{
	return figure == 1 || figure == 2 || figure == 6;
}

/* Which figures are columns (see above). */
static void mc_repay_shown(const cJSON *doc, bool shown[MC_REPAY_FIGURES])
{
	const cJSON *row;
	int64_t v[MC_REPAY_FIGURES];
	for (size_t i = 0; i < MC_REPAY_FIGURES; i++)
		shown[i] = !mc_repay_optional(i);
	cJSON_ArrayForEach(row, ma_json_array(doc, "rows"))
	{
		if (ma_json_ints(row, ma_repay_keys, MC_REPAY_FIGURES, v))
			continue; /* mc_repay_row says so */
		for (size_t i = 0; i < MC_REPAY_FIGURES; i++)
			shown[i] = shown[i] || v[i] != 0;
	}
}

/* The grants of a repayments answer, for their dates. */
static const cJSON *mc_repay_grant(const cJSON *doc, const char *grant)
{
	return ma_json_find(ma_json_array(doc, "grants"), "grant", grant);
}

/* "psykisk-halsa-2020  use by 2020-12-31, repay by 2021-03-31" */
static int mc_repay_heading(struct mc_ctx *ctx, struct mc_table *t,
                            const cJSON *doc, const struct mc_names *names,
                            const char *grant)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	const cJSON *g = mc_repay_grant(doc, grant);
	const char *use_by = ma_json_str(g, "use_by");
	const char *repay_by = ma_json_str(g, "repay_by");
	struct ml_buf h;
	ml_buf_init(&h, MC_LINE_BYTES_MAX);
	ml_buf_add_str(&h, mc_grant_name(names, grant));
	if (use_by != NULL)
		ml_buf_addf(&h, "  %s %s", w->use_by, use_by);
	if (repay_by != NULL)
		ml_buf_addf(&h, "%s %s %s", use_by ? "," : " ", w->repay_by,
		            repay_by);
	if (use_by == NULL && repay_by == NULL)
		ml_buf_addf(&h, "  %s", w->never_due);
	static char line[MC_LINE_BYTES_MAX];
	int rc = mc_table_heading(t, mc_whole(ctx, h.data, line),
	                          mc_style(ctx, MC_STYLE_BOLD));
	ml_buf_free(&h);
	return rc;
}

static int mc_repay_row(struct mc_ctx *ctx, struct mc_table *t,
                        const struct mc_names *names, const cJSON *row,
                        const bool shown[MC_REPAY_FIGURES])
{
	char money[MC_REPAY_FIGURES][ML_MONEY_TEXT_MAX],
	    name[MC_NAME_BYTES_MAX];
	const char *cells[2 + MC_REPAY_FIGURES];
	const char *styles[2 + MC_REPAY_FIGURES] = {NULL};
	int64_t v[MC_REPAY_FIGURES];
	size_t c = 1;
	if (ma_json_ints(row, ma_repay_keys, MC_REPAY_FIGURES, v) != 0)
		return ML_E_CORRUPT;
	const char *status = ma_json_str(row, "status");
	cells[0] =
	    mc_cell(ctx, mc_party_name(names, ma_json_str(row, "party")), name);
	for (size_t i = 0; i < MC_REPAY_FIGURES; i++) {
		if (!shown[i])
			continue;
		cells[c] = ml_money_format(v[i], money[i], sizeof money[i]);
		mc_table_add_ore(t, c++, v[i]);
	}
	cells[c] = mc_words_code(mc_words_of(ctx->lang), status);
	styles[c] = status ? mc_status_style(status) : NULL;
	return mc_table_row(t, cells, ctx->colour ? styles : NULL);
}

static int mc_repay_table(struct mc_ctx *ctx, const cJSON *doc,
                          const struct mc_names *names)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	bool shown[MC_REPAY_FIGURES];
	size_t columns = 0;
	mc_repay_shown(doc, shown);
	for (size_t i = 0; i < MC_REPAY_FIGURES; i++)
		columns += shown[i];
	struct mc_table *t = mc_table_new(2 + columns);
	const char *last = "";
	const cJSON *row;
	int rc = t ? 0 : ML_E_NOMEM;
	int64_t total = 0;
	for (size_t i = 0, c = 1; t && i < MC_REPAY_FIGURES; i++)
		if (shown[i])
			mc_table_column(t, c++, w->figures->repay[i], MC_RIGHT);
	if (t != NULL) {
		mc_table_column(t, 0, w->party, MC_LEFT);
		mc_table_column(t, 1 + columns, w->status, MC_LEFT);
	}
	cJSON_ArrayForEach(row, ma_json_array(doc, "rows"))
	{
		const char *grant = ma_json_str(row, "grant");
		if (rc == 0 && grant != NULL && strcmp(grant, last) != 0)
			rc = mc_repay_heading(ctx, t, doc, names, grant);
		last = grant ? grant : last;
		rc = rc ? rc : mc_repay_row(ctx, t, names, row, shown);
	}
	/* the total line's outstanding is the answer's total_outstanding:
	 * the sum of the rows, which the API states */
	if (rc == 0 && ma_json_int(doc, "total_outstanding", &total) != 0)
		rc = ML_E_CORRUPT;
	if (rc == 0)
		rc = mc_table_total(t, w->total,
		                    ctx->colour ? MC_STYLE_BOLD : NULL);
	if (rc == 0) {
		mc_say(ctx, "%s %s", w->repayments_as_of,
		       ma_json_str(doc, "as_of"));
		mc_table_print(t, stdout, 0, 2, mc_style(ctx, MC_STYLE_DIM));
	}
	mc_table_free(t);
	return rc == 0 ? MC_EXIT_OK : mc_bad_answer(ctx, "a repayment row");
}

static int mc_repay_print(struct mc_ctx *ctx, const struct mc_reply *r)
{
	cJSON *doc = mc_json_parse(r);
	struct mc_names names = {0};
	int exit = MC_EXIT_OK;
	if (ma_json_array(doc, "rows") == NULL ||
	    ma_json_str(doc, "as_of") == NULL)
		exit = mc_bad_answer(ctx, "no rows");
	else if (cJSON_GetArraySize(ma_json_array(doc, "rows")) == 0) {
		mc_say(ctx, mc_words_of(ctx->lang)->no_repayments,
		       ma_json_str(doc, "as_of"));
	} else {
		exit = mc_names_load(ctx, ma_json_str(doc, "as_of"), &names);
		if (exit == MC_EXIT_OK)
			exit = mc_repay_table(ctx, doc, &names);
	}
	mc_names_free(&names);
	cJSON_Delete(doc);
	return exit;
}

/* The options every view answer takes, into q. */
static int mc_view_query(struct mc_ctx *ctx, const struct mc_opt *as_of,
                         const struct mc_opt *known_at, struct mc_query *q)
{
	int exit = mc_check_date(ctx, "as-of", as_of->value);
	mc_query_add(q, "as_of", as_of->value);
	mc_query_add(q, "known_at", known_at->value);
	mc_csv_query(ctx, q);
	return exit;
}

static int mc_repay_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt o[] = {{"grant", MC_OPT_VALUE, NULL},
	                     {"year", MC_OPT_VALUE, NULL},
	                     {"as-of", MC_OPT_VALUE, NULL},
	                     {"known-at", MC_OPT_VALUE, NULL}};
	struct mc_query q;
	struct mc_reply r;
	size_t n_pos = 0;
	mc_query_init(&q);
	int exit = mc_args_parse(ctx, argc, argv, o, 4, NULL, 0, &n_pos);
	if (exit == MC_EXIT_OK && (o[0].value == NULL) == (o[1].value == NULL))
		exit = mc_usage(ctx, "repayments needs --grant G or --year Y "
		                     "(one of them)");
	mc_query_add(&q, "grant", o[0].value);
	mc_query_add(&q, "year", o[1].value);
	if (exit == MC_EXIT_OK)
		exit = mc_view_query(ctx, &o[2], &o[3], &q);
	if (exit != MC_EXIT_OK)
		return exit;
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	exit = mc_ctx_get(ctx, "/v1/repayments", q.text, &r);
	if (exit == MC_EXIT_OK)
		exit = mc_print_answer(ctx, &r, mc_repay_print);
	mc_reply_free(&r);
	return exit;
}

const struct mc_command mc_cmd_repayments = {
    "repayments",
    "what each legal entity must repay, by when, and what is overdue",
    "usage: medel repayments (--grant G | --year Y) [--as-of DATE]\n"
    "                        [--known-at TIME]\n"
    "\n"
    "For a grant (and its posts), or every grant whose use_by falls in\n"
    "year Y: one row per grant and legal entity (a municipality, region\n"
    "or association, its committees and units summed, payments between\n"
    "them left out) with what it received, spent, paid out to others,\n"
    "repaid, what it still holds (outstanding) and the status as of DATE\n"
    "(default: today): open (the year of use is not over), ok (nothing\n"
    "outstanding), due (outstanding, repay_by not passed), overdue.\n"
    "\n"
    "--csv is the year-end file for Excel: grant;party;name;received;\n"
    "spent;paid_out;repaid;outstanding;repay_by;status.\n"
    "\n"
    "Examples:\n"
    "  medel repayments --year 2020 --as-of 2021-04-01\n"
    "  medel repayments --year 2020 --as-of 2021-04-01 --csv > "
    "aterbetalning-2020.csv\n"
    "  medel repayments --grant psykisk-halsa-2020 --as-of 2021-03-01\n",
    mc_repay_run,
};

/* --- deadlines ------------------------------------------------------------ */

/* "in 16 days", "today", "1 day overdue" in the run's words. */
static void mc_deadline_when(const struct mc_words *w, const char *status,
                             int64_t days, char *when, size_t size)
{
	bool overdue = status != NULL && strcmp(status, "overdue") == 0;
	if (days == 0 && !overdue)
		snprintf(when, size, "%s", w->today);
	else if (days == 1)
		snprintf(when, size, "%s",
		         overdue ? w->overdue_one : w->in_days_one);
	else
		snprintf(when, size, overdue ? w->overdue : w->in_days,
		         (long long)days);
}

static int mc_deadline_row(struct mc_ctx *ctx, struct mc_table *t,
                           const struct mc_names *names, const cJSON *it)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	char money[ML_MONEY_TEXT_MAX] = "", when[64];
	char party[MC_NAME_BYTES_MAX], grant[MC_NAME_BYTES_MAX];
	int64_t amount = 0, days = 0;
	if (ma_json_int(it, "amount", &amount) ||
	    ma_json_int(it, "days", &days))
		return ML_E_CORRUPT;
	const char *status = ma_json_str(it, "status");
	mc_deadline_when(w, status, days, when, sizeof when);
	if (amount != 0)
		ml_money_format(amount, money, sizeof money);
	mc_table_add_ore(t, 4, amount);
	const char *cells[] = {
	    ma_json_str(it, "due"),
	    when,
	    mc_words_code(w, ma_json_str(it, "kind")),
	    mc_cell(ctx, mc_party_name(names, ma_json_str(it, "party")), party),
	    money,
	    mc_cell(ctx, mc_grant_name(names, ma_json_str(it, "grant")),
	            grant)};
	const char *styles[6] = {NULL};
	styles[1] = status ? mc_status_style(status) : NULL;
	return mc_table_row(t, cells, ctx->colour ? styles : NULL);
}

static int mc_deadlines_table(struct mc_ctx *ctx, const cJSON *doc,
                              const cJSON *items, const struct mc_names *names)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	const char *const labels[] = {w->due,   w->when,   w->what,
	                              w->party, w->amount, w->grant};
	struct mc_table *t = mc_table_new(6);
	const cJSON *it;
	int rc = t ? 0 : ML_E_NOMEM;
	for (size_t i = 0; t && i < 6; i++)
		mc_table_column(t, i, labels[i], i == 4 ? MC_RIGHT : MC_LEFT);
	cJSON_ArrayForEach(it, items)
	{
		rc = rc ? rc : mc_deadline_row(ctx, t, names, it);
	}
	if (rc == 0)
		rc = mc_table_total(t, w->total,
		                    ctx->colour ? MC_STYLE_BOLD : NULL);
	if (rc == 0) {
		mc_say(ctx, "%s %s", w->deadlines_as_of,
		       ma_json_str(doc, "as_of"));
		mc_table_print(t, stdout, 0, 2, mc_style(ctx, MC_STYLE_DIM));
	}
	mc_table_free(t);
	return rc == 0 ? MC_EXIT_OK : mc_bad_answer(ctx, "a deadline");
}

static int mc_deadlines_print(struct mc_ctx *ctx, const struct mc_reply *r)
{
	cJSON *doc = mc_json_parse(r);
	const cJSON *items = ma_json_array(doc, "items");
	const char *as_of = ma_json_str(doc, "as_of");
	struct mc_names names = {0};
	int exit = MC_EXIT_OK;
	if (items == NULL || as_of == NULL)
		exit = mc_bad_answer(ctx, "no items");
	else if (cJSON_GetArraySize(items) == 0) {
		mc_say(ctx, mc_words_of(ctx->lang)->no_deadlines, as_of);
	} else {
		exit = mc_names_load(ctx, as_of, &names);
		if (exit == MC_EXIT_OK)
			exit = mc_deadlines_table(ctx, doc, items, &names);
	}
	mc_names_free(&names);
	cJSON_Delete(doc);
	return exit;
}

static int mc_deadlines_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt o[] = {{"as-of", MC_OPT_VALUE, NULL},
	                     {"known-at", MC_OPT_VALUE, NULL}};
	struct mc_query q;
	struct mc_reply r;
	size_t n_pos = 0;
	mc_query_init(&q);
	int exit = mc_args_parse(ctx, argc, argv, o, 2, NULL, 0, &n_pos);
	if (exit == MC_EXIT_OK)
		exit = mc_view_query(ctx, &o[0], &o[1], &q);
	if (exit != MC_EXIT_OK)
		return exit;
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	exit = mc_ctx_get(ctx, "/v1/deadlines", q.text, &r);
	if (exit == MC_EXIT_OK)
		exit = mc_print_answer(ctx, &r, mc_deadlines_print);
	mc_reply_free(&r);
	return exit;
}

const struct mc_command mc_cmd_deadlines = {
    "deadlines",
    "claims, reports, repayments and conditions due within 30 days or "
    "overdue",
    "usage: medel deadlines [--as-of DATE] [--known-at TIME]\n"
    "\n"
    "Lists, as of DATE (default: today), every deadline that is due (at\n"
    "most 30 days ahead) or overdue: claim (money allocated with a\n"
    "claim_by that is not yet requisitioned or invoiced, and how much),\n"
    "report (a legal entity that received money in a grant with\n"
    "report_by and has not reported), repay (money outstanding after\n"
    "use_by in a grant with repay_by, and how much), condition (a\n"
    "conditional allocation neither confirmed nor lapsed, against its\n"
    "decide_by, and its amount).\n"
    "\n"
    "Examples:\n"
    "  medel deadlines --as-of 2020-11-20\n"
    "  medel deadlines --as-of 2021-03-16 --csv > bevakning.csv\n",
    mc_deadlines_run,
};

/*
 * ma_format_csv.c — the CSV of the answers a person opens in Excel
 * (format=csv on /v1/balances, /v1/trace, /v1/repayments, /v1/deadlines).
 *
 * Called by ma_format.c with the answer's document as parsed from its
 * JSON (or, for the trace, the model of it) and the words of the asked language; writes with ma_csv.h
 * into the response body, whose ceiling (MA_ANSWER_BYTES_MAX) bounds it.
 * Each renderer takes every figure of every row, in the JSON's order:
 *
 *   balances    grant;party;the twelve figures (a row per account)
 *   trace       grant;from;to;kind;activity;unit;amount — every flow:
 *               the pool, payouts and repayments, then per party what
 *               was carried in, spent by activity, carried out, held
 *   repayments  grant;party;name;received;returned;carried_in;spent;
 *               paid_out;repaid;carried_out;outstanding;repay_by;status
 *               — the year-end file; each row adds up
 *   deadlines   due;kind;grant;party;amount;status;days
 *
 * Only the header row is in the language's words; cells hold the
 * answer's values (ids, dates, status and kind codes) and amounts in
 * kronor with a decimal comma.
 */
#include "ma_format.h"

#include "ml_assert.h"

#include "ma_csv.h"
#include "ma_json.h"

/* Starts a CSV whose header is lead[0..n_lead), the figures' names
 * (their words in w's language, or their keys: ma_words.h), then
 * tail[0..n_tail). */
static void ma_csv_figures_start(struct ma_csv_out *c, struct ml_buf *out,
                                 const struct ma_words *w, bool balance,
                                 const char *const *lead, size_t n_lead,
                                 const char *const *tail, size_t n_tail)
{
	const char *names[5 + MA_BALANCE_FIGURES];
	size_t n_fig = balance ? MA_BALANCE_FIGURES : MA_REPAY_FIGURES, n = 0;
	const char *const *fig =
	    balance ? (w->figure_keys ? ma_balance_keys : w->figures->balance)
	            : (w->figure_keys ? ma_repay_keys : w->figures->repay);
	ML_ASSERT(n_lead + n_fig + n_tail <= sizeof names / sizeof *names);
	for (size_t i = 0; i < n_lead; i++)
		names[n++] = lead[i];
	for (size_t i = 0; i < n_fig; i++)
		names[n++] = fig[i];
	for (size_t i = 0; i < n_tail; i++)
		names[n++] = tail[i];
	ma_csv_start(c, out, names, n);
}

/* The writer's outcome, or a document that lacks what it must have. */
static int ma_csv_done(const struct ma_csv_out *c, bool bad, const char *what,
                       struct ml_errinfo *err)
{
	if (bad)
		return ml_fail(err, ML_E_CORRUPT, -1, NULL,
		               "the answer has %s medel cannot write as CSV",
		               what);
	return c->rc;
}

/* An account's row begins: its figures names[0..n) into v and, when
 * they are all there, its grant and party cells. false when a figure is
 * missing (nothing is written). */
static bool ma_csv_account(struct ma_csv_out *c, const cJSON *row,
                           const char *const *names, size_t n, int64_t *v)
{
	if (ma_json_ints(row, names, n, v) != 0)
		return false;
	ma_csv_cell(c, ma_json_str(row, "grant"));
	ma_csv_cell(c, ma_json_str(row, "party"));
	return true;
}

int ma_csv_balances(const cJSON *doc, const struct ma_words *w,
                    struct ml_buf *out, struct ml_errinfo *err)
{
	struct ma_csv_out c;
	int64_t v[MA_BALANCE_FIGURES];
	const cJSON *row;
	bool bad = false;
	ma_csv_figures_start(&c, out, w, true, w->balances, 2, NULL, 0);
	cJSON_ArrayForEach(row, ma_json_array(doc, "rows"))
	{
		bad = !ma_csv_account(&c, row, ma_balance_keys,
		                      MA_BALANCE_FIGURES, v);
		if (bad)
			break;
		for (size_t i = 0; i < MA_BALANCE_FIGURES; i++)
			ma_csv_amount(&c, v[i]);
		ma_csv_end_row(&c);
	}
	return ma_csv_done(&c, bad, "a balance row", err);
}

static void ma_csv_flow(struct ma_csv_out *c, const char *grant,
                        const char *from, const char *to, const char *kind,
                        const struct ma_trace_activity *a, int64_t ore)
{
	ma_csv_cell(c, grant);
	ma_csv_cell(c, from);
	ma_csv_cell(c, to);
	ma_csv_cell(c, kind);
	ma_csv_cell(c, a ? a->activity : NULL);
	ma_csv_cell(c, a ? a->unit : NULL);
	ma_csv_amount(c, ore);
	ma_csv_end_row(c);
}

/* A party's own flows: carried in, spent by activity, carried out,
 * held. */
static void ma_csv_node_flows(struct ma_csv_out *c, const struct ma_trace *t,
                              const struct ma_trace_node *n)
{
	if (n->fig[MA_N_CARRIED_IN] != 0)
		ma_csv_flow(c, t->grant, NULL, n->party, "carried_in", NULL,
		            n->fig[MA_N_CARRIED_IN]);
	for (size_t k = 0; k < n->n_acts; k++)
		ma_csv_flow(c, t->grant, n->party, NULL, "expense", &n->acts[k],
		            n->acts[k].amount_ore);
	if (n->fig[MA_N_CARRIED_OUT] != 0)
		ma_csv_flow(c, t->grant, n->party, NULL, "carried_out", NULL,
		            n->fig[MA_N_CARRIED_OUT]);
	if (n->fig[MA_N_HELD] != 0)
		ma_csv_flow(c, t->grant, n->party, NULL, "held", NULL,
		            n->fig[MA_N_HELD]);
}

int ma_csv_trace(const struct ma_trace *t, const struct ma_words *w,
                 struct ml_buf *out, struct ml_errinfo *err)
{
	struct ma_csv_out c;
	ma_csv_start(&c, out, w->trace, 7);
	if (t->payer < t->n_nodes)
		ma_csv_flow(&c, t->grant, NULL, t->nodes[t->payer].party,
		            "pool", NULL, t->pool_ore);
	for (size_t i = 0; i < t->n_edges; i++) {
		const struct ma_trace_edge *e = &t->edges[i];
		ma_csv_flow(&c, t->grant, t->nodes[e->from].party,
		            t->nodes[e->to].party,
		            e->repayment ? "repayment" : "payout", NULL,
		            e->amount_ore);
	}
	for (size_t i = 0; i < t->n_nodes; i++)
		ma_csv_node_flows(&c, t, &t->nodes[i]);
	return ma_csv_done(&c, false, "", err);
}

int ma_csv_repayments(const cJSON *doc, const cJSON *parties,
                      const struct ma_words *w, struct ml_buf *out,
                      struct ml_errinfo *err)
{
	const cJSON *grants = ma_json_array(doc, "grants");
	const cJSON *names = ma_json_array(parties, "parties");
	struct ma_csv_out c;
	int64_t v[MA_REPAY_FIGURES];
	const cJSON *row;
	bool bad = false;
	ma_csv_figures_start(&c, out, w, false, w->repayments, 3,
	                     w->repayments + 3, 2);
	cJSON_ArrayForEach(row, ma_json_array(doc, "rows"))
	{
		const char *grant = ma_json_str(row, "grant");
		const char *party = ma_json_str(row, "party");
		bad = !ma_csv_account(&c, row, ma_repay_keys, MA_REPAY_FIGURES,
		                      v);
		if (bad)
			break;
		ma_csv_cell(&c, ma_json_str(ma_json_find(names, "party", party),
		                            "name"));
		for (size_t i = 0; i < MA_REPAY_FIGURES; i++)
			ma_csv_amount(&c, v[i]);
		ma_csv_cell(&c,
		            ma_json_str(ma_json_find(grants, "grant", grant),
		                        "repay_by"));
		ma_csv_cell(&c, ma_json_str(row, "status"));
		ma_csv_end_row(&c);
	}
	return ma_csv_done(&c, bad, "a repayment row", err);
}

int ma_csv_deadlines(const cJSON *doc, const struct ma_words *w,
                     struct ml_buf *out, struct ml_errinfo *err)
{
	struct ma_csv_out c;
	const cJSON *it;
	int64_t amount = 0, days = 0;
	bool bad = false;
	ma_csv_start(&c, out, w->deadlines, 7);
	cJSON_ArrayForEach(it, ma_json_array(doc, "items"))
	{
		bad = ma_json_int(it, "amount", &amount) != 0 ||
		      ma_json_int(it, "days", &days) != 0;
		if (bad)
			break;
		ma_csv_cell(&c, ma_json_str(it, "due"));
		ma_csv_cell(&c, ma_json_str(it, "kind"));
		ma_csv_cell(&c, ma_json_str(it, "grant"));
		ma_csv_cell(&c, ma_json_str(it, "party"));
		ma_csv_amount(&c, amount);
		ma_csv_cell(&c, ma_json_str(it, "status"));
		ma_csv_int(&c, days);
		ma_csv_end_row(&c);
	}
	return ma_csv_done(&c, bad, "a deadline", err);
}

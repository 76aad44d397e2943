/*
 * ml_answer_trace.c — GET /v1/trace: where one grant's money went.
 *
 * A node per existing account of the grant in the view, sorted by party
 * id, with the money buckets and held (so every node balances: received
 * + returned + carried_in = paid_out + spent + repaid + carried_out +
 * held), and its activities: the counting expenses of that party in the
 * grant dated ≤ as_of, summed per (activity, unit) and sorted by activity
 * then unit, an absent unit first (rules.md "Answers"). Edges: per (from,
 * to) with payouts a "payout" edge, with repayments a "repayment" edge,
 * sorted by from, to, kind.
 *
 * Activities come from the spending kept per (grant, party, activity,
 * unit) beside the account (ml_acts.c): each is a series like the
 * account's, so its spending at as_of is one seek, and its name one
 * lookup. An expense counts in the view when it was recorded by
 * known_seq (known views) and is not corrected, or its correction was
 * recorded after known_seq — for a known view a few seeks in the known
 * database per series (ml_known.h), as for the account's own totals. The
 * strings
 * point into LMDB pages of the read transaction, which stay put until it
 * ends. Cost: a seek per account, edge and activity of the grant, however
 * many expenses it has (the accounts and activities walked, ml_walk: the
 * seek to a series' day also finds the next series, and each such seek
 * is mostly a leaf page of its own, which is a warm trace's cost); for a
 * known view, a few more seeks per series and its late entries dated by
 * as_of.
 *
 * The grant is required (bad_query). With posts the grant and every post
 * below it are traced as one (DOMAIN.md "trace ... optionally with its
 * posts, summed"): a node per party with an account in any of them, its
 * buckets summed over the grants (a post's total leaves the parent's
 * payer pool and enters the post's, so the payer's sum is the parent's
 * total, as it should be), its activities merged, and the edges summed
 * per (from, to, kind). Without posts only that grant is traced.
 *
 * Kept (medeld, a view without known_at, one grant): the nodes, their
 * activities and the flows are read once per grant summary (its part
 * ML_SUM_TRACE, ml_summary.h: built here by ml_trace_part_build, named,
 * merged and sorted as above, every id JSON-escaped once) and kept with
 * it, invalidated with it; an answer then only formats the numbers and
 * copies the ids into one buffer per array (ml_kt_*), where reading
 * them was a seek per account, edge and activity, a name lookup per
 * node and edge end, and sorting by id. Nothing of an answer's text is
 * kept. When writing from the kept part fails (a limit, memory), the
 * trace is read afresh, so its errors are the unkept path's.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_json.h"
#include "ml_ledger_internal.h"
#include "ml_money.h"
#include "ml_prefetch.h"

struct ml_activity {
	struct ml_str activity, unit; /* unit.ptr NULL when not given */
	int64_t amount_ore;
};

struct ml_act_list {
	struct ml_ans *a;
	struct ml_activity *v;
	size_t n, cap;
};

static int ml_act_push(struct ml_act_list *l, struct ml_str activity,
                       struct ml_str unit, int64_t amount_ore)
{
	int rc =
	    ml_ans_grow(l->a, (void **)&l->v, &l->cap, l->n + 1, sizeof *l->v,
	                ml_limits_now.answer_rows_max, "activities");
	if (rc != 0)
		return rc;
	struct ml_activity *x = &l->v[l->n++];
	x->activity = activity;
	x->unit = unit;
	x->amount_ore = amount_ore;
	return 0;
}

/* The activity act_no, its spending spent_ore, onto l. */
static int ml_act_push_no(struct ml_act_list *l, uint32_t act_no,
                          int64_t spent_ore)
{
	struct ml_str activity, unit;
	int rc = ml_act_name(l->a->st, l->a->txn, act_no, &activity, &unit);
	return rc == 0 ? ml_act_push(l, activity, unit, spent_ore) : rc;
}

static int ml_act_push_day(uint32_t act_no, const int64_t *totals, void *arg)
{
	if (totals[ML_B_ENTRIES] <= 0)
		return 0; /* no counting expense by then */
	return ml_act_push_no(arg, act_no, totals[ML_B_SPENT]);
}

/* Pushes onto l each activity of account (g, p) with a counting expense
 * in the view, and its spending: one seek, the account's activities' day
 * record at as_of (ml_state_activities_at), and for a known view a few
 * seeks per activity in the known database (ml_state_activities_known). */
static int ml_act_account(struct ml_act_list *l, uint32_t g, uint32_t p)
{
	struct ml_ans *a = l->a;
	if (a->v.known)
		return ml_state_activities_known(a->st, a->txn, &a->v, g, p,
		                                 ml_act_push_day, l);
	return ml_state_activities_at(a->st, a->txn, g, p, a->v.as_of,
	                              ml_act_push_day, l);
}

static int ml_act_cmp(const void *x, const void *y)
{
	const struct ml_activity *a = x, *b = y;
	int c = ml_str_cmp(a->activity, b->activity);
	return c != 0 ? c : ml_str_cmp(a->unit, b->unit);
}

/* Sorts l and sums equal (activity, unit) into one, in place. */
static int ml_act_merge(struct ml_ans *a, struct ml_act_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, ml_act_cmp);
	size_t out = 0;
	for (size_t i = 0; i < l->n;) {
		int64_t sum = 0;
		size_t j = i;
		for (; j < l->n && ml_act_cmp(&l->v[i], &l->v[j]) == 0; j++) {
			if (ml_add_overflows(sum, l->v[j].amount_ore, &sum))
				return ml_fail(a->err, ML_E_AMOUNT_RANGE, -1,
				               NULL,
				               "an activity's sum "
				               "exceeds 2^63 öre");
		}
		ML_ASSERT(out <= i); /* merging only shortens */
		l->v[out] = l->v[i];
		l->v[out++].amount_ore = sum;
		i = j;
	}
	l->n = out;
	return 0;
}

/* l (merged) as the JSON array of "activities" (API.md): activity, unit
 * when given, amount. Returns ml_buf's codes. */
static int ml_act_text(const struct ml_act_list *l, struct ml_buf *b)
{
	int rc = ml_buf_add_char(b, '[');
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		const struct ml_activity *v = &l->v[i];
		rc = i == 0 ? 0 : ml_buf_add_char(b, ',');
		if (rc == 0)
			rc = ml_buf_add_char(b, '{');
		if (rc == 0)
			rc = ml_ans_text_str(b, true, "activity", v->activity);
		if (rc == 0 && v->unit.ptr != NULL)
			rc = ml_ans_text_str(b, false, "unit", v->unit);
		if (rc == 0)
			rc = ml_ans_text_int(b, false, "amount", v->amount_ore);
		if (rc == 0)
			rc = ml_buf_add_char(b, '}');
	}
	return rc == 0 ? ml_buf_add_char(b, ']') : rc;
}

/* A node's text: party, the buckets of order, held, "activities":. */
static int ml_node_text(const struct ml_named *p, const struct ml_totals *sum,
                        struct ml_buf *b)
{
	static const enum ml_bucket order[] = {
	    ML_B_RECEIVED, ML_B_RETURNED, ML_B_CARRIED_IN,  ML_B_PAID_OUT,
	    ML_B_SPENT,    ML_B_REPAID,   ML_B_CARRIED_OUT,
	};
	int rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "party", p->id);
	for (size_t i = 0; rc == 0 && i < sizeof order / sizeof order[0]; i++)
		rc = ml_ans_text_int(b, false, ml_bucket_names[order[i]],
		                     sum->v[order[i]]);
	if (rc == 0)
		rc = ml_ans_text_int(b, false, "held", ml_totals_held(sum));
	return rc == 0 ? ml_buf_add(b, ",\"activities\":", 14) : rc;
}

/* sum += t, party p's account in one more grant. */
static int ml_node_add(struct ml_ans *a, const struct ml_named *p,
                       struct ml_totals *sum, const struct ml_totals *t)
{
	if (ml_totals_add(sum, t))
		return 0;
	return ml_fail(a->err, ML_E_AMOUNT_RANGE, -1, NULL,
	               "%.*s's sum over the grant and its posts exceeds 2^63 "
	               "öre",
	               (int)p->id.len, p->id.ptr);
}

/* Party p's node: its buckets sum (over grants[0..n)), then its
 * activities summed over the grants. */
static int ml_trace_node_write(struct ml_ans *a, const struct ml_named *grants,
                               size_t n, const struct ml_named *p,
                               const struct ml_totals *sum, cJSON *nodes)
{
	/* The node is written as text (ml_ans_text_*): a trace has a node
	 * per party, and a cJSON item per member was most of its time */
	struct ml_act_list l = {a, NULL, 0, 0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_act_account(&l, grants[i].no, p->no);
	if (rc == 0)
		rc = ml_act_merge(a, &l);
	if (rc == 0) {
		struct ml_buf b;
		ml_buf_init(&b, ML_ANSWER_ROW_BYTES_MAX);
		rc = ml_node_text(p, sum, &b);
		if (rc == 0)
			rc = ml_act_text(&l, &b);
		if (rc == 0)
			rc = ml_buf_add_char(&b, '}');
		rc = ml_ans_add_text(a, nodes, NULL, &b, rc);
		ml_buf_free(&b);
	}
	free(l.v);
	return rc;
}

/* Party p's node summed over grants[0..n) (a known view: a scan of each
 * account's entries), when it has an account in the view. */
static int ml_trace_node(struct ml_ans *a, const struct ml_named *grants,
                         size_t n, const struct ml_named *p, cJSON *nodes)
{
	struct ml_totals sum;
	bool any = false;
	memset(&sum, 0, sizeof sum);
	for (size_t i = 0; i < n; i++) {
		struct ml_totals t;
		bool exists = false;
		int rc = ml_state_account(a->st, a->txn, &a->v, grants[i].no,
		                          p->no, &t, &exists);
		if (rc == 0 && exists)
			rc = ml_node_add(a, p, &sum, &t);
		if (rc != 0)
			return rc;
		any = any || exists;
	}
	return any ? ml_trace_node_write(a, grants, n, p, &sum, nodes) : 0;
}

int ml_activities_add(struct ml_ans *a, const struct ml_named *grants, size_t n,
                      const uint32_t *parties, size_t np, cJSON *obj,
                      int64_t *total_ore)
{
	struct ml_act_list l = {a, NULL, 0, 0};
	int rc = 0;
	*total_ore = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t j = 0; rc == 0 && j < np; j++)
			rc = ml_act_account(&l, grants[i].no, parties[j]);
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		if (ml_add_overflows(*total_ore, l.v[i].amount_ore, total_ore))
			rc = ML_E_AMOUNT_RANGE;
	if (rc == 0)
		rc = ml_act_merge(a, &l);
	if (rc == 0) {
		struct ml_buf b;
		ml_buf_init(&b, ML_ANSWER_ROW_BYTES_MAX);
		rc = ml_act_text(&l, &b);
		rc = ml_ans_add_text(a, obj, "activities", &b, rc);
		ml_buf_free(&b);
	}
	free(l.v);
	return rc;
}

/* The parties with an account in any of grants[0..n), sorted by id,
 * each once. *out is malloc'ed (free it). */
static int ml_trace_parties(struct ml_ans *a, const struct ml_named *grants,
                            size_t n, struct ml_named **out, size_t *count)
{
	struct ml_named *all = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ml_named *v = NULL;
		size_t k = 0;
		rc = ml_ans_grant_parties(a, grants[i].no, &v, &k);
		if (rc == 0)
			rc = ml_ans_grow(
			    a, (void **)&all, &cap, len + k, sizeof *all,
			    ml_limits_now.answer_rows_max, "parties");
		if (rc == 0 && k > 0)
			memcpy(all + len, v, k * sizeof *v);
		len += rc == 0 ? k : 0;
		free(v);
	}
	if (rc == 0 && len > 1)
		qsort(all, len, sizeof *all, ml_named_cmp);
	size_t kept = 0;
	for (size_t i = 0; rc == 0 && i < len; i++)
		if (kept == 0 || all[kept - 1].no != all[i].no)
			all[kept++] = all[i];
	*out = all;
	*count = kept;
	return rc;
}

/* An account of a trace's grants in a view that is not known. */
struct ml_acct_at {
	uint32_t party_no;
	uint32_t grant_i; /* its grant's index in the trace's grants */
	struct ml_totals t;
};

static int ml_acct_at_cmp(const void *x, const void *y)
{
	const struct ml_acct_at *a = x, *b = y;
	if (a->party_no != b->party_no)
		return a->party_no < b->party_no ? -1 : 1;
	return (a->grant_i > b->grant_i) - (a->grant_i < b->grant_i);
}

/* The accounts of grants[0..n) that exist in the view (each grant's
 * read by ml_ans_grant_accounts: a walk, a seek per account), into *out
 * (malloc'ed) sorted by party, then grant. */
static int ml_trace_accounts(struct ml_ans *a, const struct ml_named *grants,
                             size_t n, struct ml_acct_at **out, size_t *count)
{
	struct ml_acct_at *v = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ml_acct_row *r = NULL;
		size_t k = 0;
		rc = ml_ans_grant_accounts(a, grants[i].no, &r, &k);
		if (rc == 0)
			rc = ml_ans_grow(
			    a, (void **)&v, &cap, len + k, sizeof *v,
			    ml_limits_now.answer_rows_max, "parties");
		for (size_t j = 0; rc == 0 && j < k; j++)
			v[len++] = (struct ml_acct_at){r[j].party_no,
			                               (uint32_t)i, r[j].t};
		free(r);
	}
	if (rc == 0 && len > 1)
		qsort(v, len, sizeof *v, ml_acct_at_cmp);
	*out = v;
	*count = len;
	return rc;
}

/* A party's node before its activities. */
struct ml_node_at {
	struct ml_named party;
	struct ml_totals sum;
};

static int ml_node_at_cmp(const void *x, const void *y)
{
	const struct ml_node_at *a = x, *b = y;
	return ml_named_cmp(&a->party, &b->party);
}

/* The nodes of accounts v[0..len) (sorted by party): a party once, named,
 * its buckets summed over its grants in their order; sorted by id. */
static int ml_trace_sum(struct ml_ans *a, const struct ml_acct_at *v,
                        size_t len, struct ml_node_at **out, size_t *count)
{
	struct ml_node_at *nd = NULL;
	size_t k = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < len; i++) {
		if (i == 0 || v[i - 1].party_no != v[i].party_no) {
			rc = ml_ans_grow(
			    a, (void **)&nd, &cap, k + 1, sizeof *nd,
			    ml_limits_now.answer_rows_max, "parties");
			if (rc == 0)
				rc = ml_ans_named(a, ML_NAME_PARTY,
				                  v[i].party_no, &nd[k].party);
			if (rc == 0)
				memset(&nd[k++].sum, 0, sizeof nd->sum);
		}
		if (rc == 0)
			rc = ml_node_add(a, &nd[k - 1].party, &nd[k - 1].sum,
			                 &v[i].t);
	}
	if (rc == 0 && k > 1)
		qsort(nd, k, sizeof *nd, ml_node_at_cmp);
	*out = nd;
	*count = k;
	return rc;
}

/* The nodes in a view that is not known: the accounts walked, one seek
 * each, where finding each party and then its account took two. */
static int ml_trace_nodes_at(struct ml_ans *a, const struct ml_named *grants,
                             size_t n, cJSON *nodes)
{
	struct ml_acct_at *v = NULL;
	struct ml_node_at *nd = NULL;
	size_t len = 0, k = 0;
	int rc = ml_trace_accounts(a, grants, n, &v, &len);
	if (rc == 0)
		rc = ml_trace_sum(a, v, len, &nd, &k);
	for (size_t i = 0; rc == 0 && i < k; i++)
		rc = ml_trace_node_write(a, grants, n, &nd[i].party, &nd[i].sum,
		                         nodes);
	free(v);
	free(nd);
	return rc;
}

static int ml_trace_nodes(struct ml_ans *a, const struct ml_named *grants,
                          size_t n, cJSON *nodes)
{
	if (!a->v.known)
		return ml_trace_nodes_at(a, grants, n, nodes);
	struct ml_named *v = NULL;
	size_t count = 0;
	int rc = ml_trace_parties(a, grants, n, &v, &count);
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = ml_trace_node(a, grants, n, &v[i], nodes);
	free(v);
	return rc;
}

/* --- edges --- */

struct ml_edge_out {
	struct ml_named from, to;
	int kind; /* 0 payout, 1 repayment: their names' order */
	int64_t amount_ore;
};

static int ml_edge_cmp(const void *x, const void *y)
{
	const struct ml_edge_out *a = x, *b = y;
	int c = ml_str_cmp(a->from.id, b->from.id);
	if (c == 0)
		c = ml_str_cmp(a->to.id, b->to.id);
	return c != 0 ? c : a->kind - b->kind;
}

struct ml_edge_list {
	struct ml_edge_out *v;
	size_t n, cap;
};

static int ml_edge_push(struct ml_ans *a, struct ml_edge_list *l, uint32_t from,
                        uint32_t to, int kind, int64_t amount)
{
	if (amount <= 0)
		return 0;
	int rc = ml_ans_grow(a, (void **)&l->v, &l->cap, l->n + 1, sizeof *l->v,
	                     ml_limits_now.answer_rows_max, "flows");
	if (rc != 0)
		return rc;
	ML_ASSERT(amount > 0 && l->n < l->cap);
	struct ml_edge_out *e = &l->v[l->n];
	e->kind = kind;
	e->amount_ore = amount;
	rc = ml_ans_named(a, ML_NAME_PARTY, from, &e->from);
	if (rc == 0)
		rc = ml_ans_named(a, ML_NAME_PARTY, to, &e->to);
	l->n += rc == 0;
	return rc;
}

static int ml_edges_write(struct ml_ans *a, const struct ml_edge_list *l,
                          cJSON *edges)
{
	static const char *const kinds[] = {"payout", "repayment"};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		const struct ml_edge_out *e = &l->v[i];
		struct ml_buf b;
		ml_buf_init(&b, ML_ANSWER_ROW_BYTES_MAX);
		rc = ml_buf_add_char(&b, '{');
		if (rc == 0)
			rc = ml_ans_text_str(&b, true, "from", e->from.id);
		if (rc == 0)
			rc = ml_ans_text_str(&b, false, "to", e->to.id);
		if (rc == 0)
			rc = ml_ans_text_str(&b, false, "kind",
			                     ml_str_c(kinds[e->kind]));
		if (rc == 0)
			rc =
			    ml_ans_text_int(&b, false, "amount", e->amount_ore);
		if (rc == 0)
			rc = ml_buf_add_char(&b, '}');
		rc = ml_ans_add_text(a, edges, NULL, &b, rc);
		ml_buf_free(&b);
	}
	return rc;
}

/* Pushes grant g's payout and repayment edges onto l. */
static int ml_trace_grant_edges(struct ml_ans *a, uint32_t g,
                                struct ml_edge_list *l)
{
	uint32_t from = 0, to = 0;
	int rc = ml_state_next_edge(a->st, a->txn, g, &from, &to);
	while (rc == 0 && from != 0) {
		struct ml_totals t;
		bool exists = false;
		rc = ml_state_edge(a->st, a->txn, &a->v, g, from, to, &t,
		                   &exists);
		if (rc == 0)
			rc =
			    ml_edge_push(a, l, from, to, 0, t.v[ML_B_PAID_OUT]);
		if (rc == 0)
			rc = ml_edge_push(a, l, from, to, 1, t.v[ML_B_REPAID]);
		if (rc == 0)
			rc = ml_state_next_edge(a->st, a->txn, g, &from, &to);
	}
	return rc;
}

/* Sorts l and sums equal (from, to, kind) of different grants. */
static int ml_edges_merge(struct ml_ans *a, struct ml_edge_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, ml_edge_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct ml_edge_out *last = kept ? &l->v[kept - 1] : NULL;
		if (last == NULL || ml_edge_cmp(last, &l->v[i]) != 0) {
			l->v[kept++] = l->v[i];
		} else if (ml_add_overflows(last->amount_ore,
		                            l->v[i].amount_ore,
		                            &last->amount_ore)) {
			return ml_fail(a->err, ML_E_AMOUNT_RANGE, -1, NULL,
			               "a flow's sum exceeds 2^63 öre");
		}
	}
	l->n = kept;
	return 0;
}

static int ml_trace_edges(struct ml_ans *a, const struct ml_named *grants,
                          size_t n, cJSON *edges)
{
	struct ml_edge_list l = {NULL, 0, 0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_trace_grant_edges(a, grants[i].no, &l);
	if (rc == 0)
		rc = ml_edges_merge(a, &l);
	if (rc == 0)
		rc = ml_edges_write(a, &l, edges);
	free(l.v);
	return rc;
}

/* --- the kept trace: ML_SUM_TRACE (ml_summary.h) --- */

/* str as JSON text appended to text; *out its place there. */
static int ml_kt_json(struct ml_ans *a, struct ml_buf *text, struct ml_str str,
                      struct ml_sum_json *out)
{
	out->off = text->len;
	int rc = ml_json_write_string(text, str.ptr, str.len);
	out->len = text->len - out->off;
	return rc == 0 ? 0 : ml_ans_nomem(a);
}

/* Node nd (its party named, its buckets) and its activities in grant g,
 * read and merged as ml_trace_node_write does, appended to tr. */
static int ml_kt_node(struct ml_ans *a, uint32_t g, const struct ml_node_at *nd,
                      struct ml_sum_trace *tr, struct ml_buf *text)
{
	struct ml_act_list l = {a, NULL, 0, 0};
	size_t acts_max = ml_limits_now.answer_rows_max * (tr->node_count + 1);
	int rc = ml_act_account(&l, g, nd->party.no);
	if (rc == 0)
		rc = ml_act_merge(a, &l);
	if (rc == 0 && l.n > 0)
		rc = ml_ans_grow(a, (void **)&tr->acts, &tr->act_cap,
		                 tr->act_count + l.n, sizeof *tr->acts,
		                 acts_max, "activities");
	struct ml_sum_node *node = &tr->nodes[tr->node_count];
	node->t = nd->sum;
	node->act_first = tr->act_count;
	node->act_count = l.n;
	if (rc == 0)
		rc = ml_kt_json(a, text, nd->party.id, &node->party);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct ml_sum_act *x = &tr->acts[tr->act_count++];
		x->spent_ore = l.v[i].amount_ore;
		x->unit.len = 0;
		rc = ml_kt_json(a, text, l.v[i].activity, &x->activity);
		if (rc == 0 && l.v[i].unit.ptr != NULL)
			rc = ml_kt_json(a, text, l.v[i].unit, &x->unit);
	}
	tr->node_count += rc == 0;
	free(l.v);
	return rc;
}

/* Grant g's flows, read, named, merged and sorted as ml_trace_edges does,
 * into tr->flows. */
static int ml_kt_flows(struct ml_ans *a, uint32_t g, struct ml_sum_trace *tr,
                       struct ml_buf *text)
{
	struct ml_edge_list l = {NULL, 0, 0};
	int rc = ml_trace_grant_edges(a, g, &l);
	if (rc == 0)
		rc = ml_edges_merge(a, &l);
	if (rc == 0 && l.n > 0) {
		tr->flows = calloc(l.n, sizeof *tr->flows);
		rc = tr->flows != NULL ? 0 : ml_ans_nomem(a);
	}
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct ml_sum_flow *f = &tr->flows[tr->flow_count];
		f->repayment = l.v[i].kind == 1;
		f->amount_ore = l.v[i].amount_ore;
		rc = ml_kt_json(a, text, l.v[i].from.id, &f->from);
		if (rc == 0)
			rc = ml_kt_json(a, text, l.v[i].to.id, &f->to);
		tr->flow_count += rc == 0;
	}
	free(l.v);
	return rc;
}

/* tr's nodes from accts[0..n) of grant g: named and sorted by id. */
static int ml_kt_nodes(struct ml_ans *a, uint32_t g,
                       const struct ml_acct_row *accts, size_t n,
                       struct ml_sum_trace *tr, struct ml_buf *text)
{
	struct ml_acct_at *v = malloc((n + 1) * sizeof *v);
	struct ml_node_at *nd = NULL;
	size_t k = 0;
	if (v == NULL)
		return ml_ans_nomem(a);
	for (size_t i = 0; i < n; i++)
		v[i] = (struct ml_acct_at){accts[i].party_no, 0, accts[i].t};
	int rc = ml_trace_sum(a, v, n, &nd, &k);
	if (rc == 0) {
		tr->nodes = calloc(k + 1, sizeof *tr->nodes);
		rc = tr->nodes != NULL ? 0 : ml_ans_nomem(a);
	}
	for (size_t i = 0; rc == 0 && i < k; i++)
		rc = ml_kt_node(a, g, &nd[i], tr, text);
	free(v);
	free(nd);
	return rc;
}

int ml_trace_part_build(struct ml_ans *a, struct ml_summary *s,
                        const struct ml_acct_row *accts, size_t n)
{
	ML_ASSERT(!a->v.known && s->trace == NULL);
	struct ml_sum_trace *tr = calloc(1, sizeof *tr);
	if (tr == NULL)
		return ml_ans_nomem(a);
	struct ml_buf text;
	ml_buf_init(&text, ML_ANSWER_ROW_BYTES_MAX); /* ≤ an answer's */
	int rc = ml_kt_nodes(a, s->grant_no, accts, n, tr, &text);
	if (rc == 0)
		rc = ml_kt_flows(a, s->grant_no, tr, &text);
	tr->text = text.data; /* tr's now */
	tr->text_bytes = text.len;
	if (rc != 0) {
		ml_sum_trace_free(tr);
		return rc;
	}
	s->trace = tr;
	return 0;
}

/* Bytes of one member but its string: ,"carried_out": and a number. */
#define ML_KT_MEMBER_BYTES_MAX (16 + 4 + ML_INT_TEXT_MAX)
/* A node's text but its party id and activities: {"party":, seven
 * buckets and held, ,"activities":[ and ]}. */
#define ML_KT_NODE_BYTES_MAX (32 + 8 * ML_KT_MEMBER_BYTES_MAX)
/* An activity's or a flow's text but its strings: ,{"activity":,
 * ,"unit": or ,{"from":, ,"to":, ,"kind":"repayment", and the amount. */
#define ML_KT_ROW_BYTES_MAX (48 + ML_KT_MEMBER_BYTES_MAX)

/* An upper bound of node nd's text (its comma included). */
static size_t ml_kt_node_bound(const struct ml_sum_trace *tr,
                               const struct ml_sum_node *nd)
{
	size_t n = 1 + nd->party.len + ML_KT_NODE_BYTES_MAX;
	for (size_t i = 0; i < nd->act_count; i++) {
		const struct ml_sum_act *x = &tr->acts[nd->act_first + i];
		n += x->activity.len + x->unit.len + ML_KT_ROW_BYTES_MAX;
	}
	return n;
}

/* An upper bound of the nodes' and of the flows' text. */
static size_t ml_kt_bound(const struct ml_sum_trace *tr)
{
	return 2 + tr->text_bytes + tr->node_count * ML_KT_NODE_BYTES_MAX +
	       (tr->node_count + tr->act_count + tr->flow_count) *
	           ML_KT_ROW_BYTES_MAX;
}

/* Copies lit (a literal's bytes) to o; returns the end. */
static char *ml_kt_lit(char *o, const char *lit, size_t n)
{
	memcpy(o, lit, n);
	return o + n;
}

/* Copies kept JSON text j to o; returns the end. */
static char *ml_kt_text(char *o, const struct ml_sum_trace *tr,
                        struct ml_sum_json j)
{
	return ml_kt_lit(o, tr->text + j.off, j.len);
}

/* lit (,"key": a literal) and v at o; returns the end. */
static char *ml_kt_put(char *o, const char *lit, size_t n, int64_t v)
{
	ML_ASSERT(n <= ML_KT_MEMBER_BYTES_MAX - ML_INT_TEXT_MAX);
	return ml_put_i64(ml_kt_lit(o, lit, n), v);
}

/* A member's ,"key": and its length. */
struct ml_kt_key {
	const char *text;
	size_t len;
};
#define ML_KT_KEY(s)                                                           \
	{                                                                      \
		s, sizeof s - 1                                                \
	}

/* Kept node nd's text at o, as ml_trace_node_write writes it; returns
 * the end (at most ml_kt_node_bound bytes on). */
static char *ml_kt_node_put(char *o, const struct ml_sum_trace *tr,
                            const struct ml_sum_node *nd)
{
	/* ml_node_text's members, their keys written out (a strlen per
	 * member was 5 % of an answer) */
	static const enum ml_bucket order[] = {
	    ML_B_RECEIVED, ML_B_RETURNED, ML_B_CARRIED_IN,  ML_B_PAID_OUT,
	    ML_B_SPENT,    ML_B_REPAID,   ML_B_CARRIED_OUT,
	};
	static const struct ml_kt_key keys[] = {
	    ML_KT_KEY(",\"received\":"),    ML_KT_KEY(",\"returned\":"),
	    ML_KT_KEY(",\"carried_in\":"),  ML_KT_KEY(",\"paid_out\":"),
	    ML_KT_KEY(",\"spent\":"),       ML_KT_KEY(",\"repaid\":"),
	    ML_KT_KEY(",\"carried_out\":"),
	};
	static_assert(sizeof keys / sizeof keys[0] ==
	                  sizeof order / sizeof order[0],
	              "a key per bucket");
	o = ml_kt_lit(o, "{\"party\":", 9);
	o = ml_kt_text(o, tr, nd->party);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		o = ml_kt_put(o, keys[i].text, keys[i].len, nd->t.v[order[i]]);
	o = ml_kt_put(o, ",\"held\":", 8, ml_totals_held(&nd->t));
	o = ml_kt_lit(o, ",\"activities\":[", 15);
	for (size_t i = 0; i < nd->act_count; i++) {
		const struct ml_sum_act *x = &tr->acts[nd->act_first + i];
		o = i == 0 ? ml_kt_lit(o, "{\"activity\":", 12)
		           : ml_kt_lit(o, ",{\"activity\":", 13);
		o = ml_kt_text(o, tr, x->activity);
		if (x->unit.len > 0) {
			o = ml_kt_lit(o, ",\"unit\":", 8);
			o = ml_kt_text(o, tr, x->unit);
		}
		o = ml_kt_put(o, ",\"amount\":", 10, x->spent_ore);
		*o++ = '}';
	}
	return ml_kt_lit(o, "]}", 2);
}

/* The nodes' array as text in b; ML_E_TOO_LARGE when a node is longer
 * than a row may be (the unkept path then says so). */
static int ml_kt_nodes_text(struct ml_buf *b, const struct ml_sum_trace *tr)
{
	int rc = ml_buf_add_char(b, '[');
	for (size_t i = 0; rc == 0 && i < tr->node_count; i++) {
		const struct ml_sum_node *nd = &tr->nodes[i];
		size_t bound = ml_kt_node_bound(tr, nd);
		char *start = NULL;
		rc = ml_buf_room(b, bound, &start);
		if (rc != 0)
			break;
		char *o = start;
		if (i > 0)
			*o++ = ',';
		char *end = ml_kt_node_put(o, tr, nd);
		ML_ASSERT((size_t)(end - start) <= bound);
		ml_buf_commit(b, (size_t)(end - start));
		if ((size_t)(end - o) > ml_limits_now.answer_row_bytes_max)
			rc = ML_E_TOO_LARGE;
	}
	return rc == 0 ? ml_buf_add_char(b, ']') : rc;
}

/* Kept flow f's text at o (a comma first unless first), as
 * ml_edges_write writes it; returns the end. */
static char *ml_kt_flow_put(char *o, const struct ml_sum_trace *tr,
                            const struct ml_sum_flow *f, bool first)
{
	o = first ? ml_kt_lit(o, "{\"from\":", 8)
	          : ml_kt_lit(o, ",{\"from\":", 9);
	o = ml_kt_text(o, tr, f->from);
	o = ml_kt_lit(o, ",\"to\":", 6);
	o = ml_kt_text(o, tr, f->to);
	o = f->repayment ? ml_kt_lit(o, ",\"kind\":\"repayment\"", 19)
	                 : ml_kt_lit(o, ",\"kind\":\"payout\"", 16);
	o = ml_kt_put(o, ",\"amount\":", 10, f->amount_ore);
	*o++ = '}';
	return o;
}

/* The flows' array as text in b. */
static int ml_kt_flows_text(struct ml_buf *b, const struct ml_sum_trace *tr)
{
	int rc = ml_buf_add_char(b, '[');
	for (size_t i = 0; rc == 0 && i < tr->flow_count; i++) {
		const struct ml_sum_flow *f = &tr->flows[i];
		size_t bound = f->from.len + f->to.len + ML_KT_ROW_BYTES_MAX;
		char *start = NULL;
		rc = ml_buf_room(b, bound, &start);
		if (rc != 0)
			break;
		char *end = ml_kt_flow_put(start, tr, f, i == 0);
		ML_ASSERT((size_t)(end - start) <= bound);
		ml_buf_commit(b, (size_t)(end - start));
	}
	return rc == 0 ? ml_buf_add_char(b, ']') : rc;
}

/* The trace document of grant g from tr, as the unkept path builds it:
 * its nodes and edges each one raw item of text. */
static int ml_kt_doc(struct ml_ans *a, const struct ml_named *g,
                     const struct ml_sum_trace *tr, cJSON **doc)
{
	struct ml_buf b;
	ml_buf_init(&b, ML_ANSWER_ROW_BYTES_MAX); /* ≤ an answer's */
	*doc = cJSON_CreateObject();
	bool ok = *doc != NULL && ml_json_add_str(*doc, "grant", g->id);
	ok = ok && ml_json_add_date(*doc, "as_of", a->v.as_of);
	int rc = ok ? 0 : ml_ans_nomem(a);
	char *room = NULL; /* both arrays' room at once: no regrowth */
	if (rc == 0)
		rc = ml_buf_room(&b, ml_kt_bound(tr), &room);
	if (rc == 0)
		rc = ml_kt_nodes_text(&b, tr);
	if (rc == 0)
		rc = ml_ans_add_raw(a, *doc, "nodes", b.data);
	ml_buf_reset(&b);
	if (rc == 0)
		rc = ml_kt_flows_text(&b, tr);
	if (rc == 0)
		rc = ml_ans_add_raw(a, *doc, "edges", b.data);
	if (rc == 0 && !ml_ans_add_known(a, *doc, false))
		rc = ml_ans_nomem(a);
	ml_buf_free(&b);
	return rc;
}

/* Grant g's trace (without posts) from its summary, kept or built now
 * and kept (medeld); *doc NULL when this ledger keeps none or the view
 * is known. */
static int ml_trace_kept(struct ml_ans *a, const struct ml_named *g,
                         cJSON **doc)
{
	struct ml_grant_row eff;
	bool known = false;
	*doc = NULL;
	if (a->v.known || ml_ledger_summaries(a->lg) == NULL)
		return 0;
	int rc = ml_ans_grant(a, g->no, &eff, &known);
	if (rc != 0 || !known)
		return rc;
	struct ml_tree t;
	struct ml_summary *s = NULL;
	memset(&t, 0, sizeof t);
	rc = ml_ans_summary(a, &t, g->no, eff.payer_no, ML_SUM_TRACE, &s);
	ml_tree_free(&t);
	if (rc == 0)
		rc = ml_kt_doc(a, g, s->trace, doc);
	ml_ans_summary_done(a, s);
	return rc;
}

/* ml_trace_kept, and on any failure nothing: the unkept path then
 * answers, its errors (a limit, a read) the trace's as they were. */
static void ml_trace_kept_try(struct ml_ans *a, const struct ml_named *g,
                              cJSON **doc)
{
	if (ml_trace_kept(a, g, doc) == 0)
		return;
	cJSON_Delete(*doc);
	*doc = NULL;
	memset(a->err, 0, sizeof *a->err);
}

/* When the ledger was opened for it (medel trace, never medeld), the
 * pages of grants[0..n)'s accounts and activities at the view's date
 * faulted in by several threads first (ml_prefetch.h). Advice: nothing
 * here can fail the trace, whose walk is the same either way. */
static void ml_trace_prefetch(struct ml_ans *a, const struct ml_named *grants,
                              size_t n)
{
	int threads = ml_ledger_trace_prefetch(a->lg);
	if (threads == ML_PREFETCH_OFF || a->v.known || n == 0)
		return;
	uint32_t *nos = malloc(n * sizeof *nos);
	if (nos == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		nos[i] = grants[i].no;
	ml_prefetch_trace(a->lg, a->txn, nos, n, a->v.as_of, threads);
	free(nos);
}

/* {"grant","as_of","nodes":[],"edges":[]} and its known_at. */
static int ml_trace_doc(struct ml_ans *a, const struct ml_named *g, cJSON **doc,
                        cJSON **nodes, cJSON **edges)
{
	*doc = cJSON_CreateObject();
	bool ok = *doc != NULL && ml_json_add_str(*doc, "grant", g->id);
	ok = ok && ml_json_add_date(*doc, "as_of", a->v.as_of);
	*nodes = ok ? cJSON_AddArrayToObject(*doc, "nodes") : NULL;
	*edges = *nodes ? cJSON_AddArrayToObject(*doc, "edges") : NULL;
	ok = *edges != NULL && ml_ans_add_known(a, *doc, false);
	return ok ? 0 : ml_ans_nomem(a);
}

/* The trace read now: the document, its nodes and edges. */
static int ml_trace_built(struct ml_ans *a, const struct ml_named *g,
                          const struct ml_named *grants, size_t n, cJSON **doc)
{
	cJSON *nodes = NULL, *edges = NULL;
	ml_trace_prefetch(a, grants, n);
	int rc = ml_trace_doc(a, g, doc, &nodes, &edges);
	if (rc == 0)
		rc = ml_trace_nodes(a, grants, n, nodes);
	return rc == 0 ? ml_trace_edges(a, grants, n, edges) : rc;
}

int ml_answer_trace(struct ml_ledger *lg, struct ml_read *rd,
                    const struct ml_query *q, cJSON **out,
                    struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	struct ml_ans a;
	struct ml_named g = {0, {NULL, 0}}, *grants = NULL;
	size_t n = 0;
	cJSON *doc = NULL;
	*out = NULL;
	int rc = ml_ans_begin(lg, txn, q, &a, err);
	if (rc == 0 && q->grant == NULL)
		rc = ml_fail(err, ML_E_BAD_QUERY, -1, "grant",
		             "grant: a trace needs a grant");
	if (rc == 0)
		rc = ml_ans_find(&a, ML_NAME_GRANT, q->grant, "grant", &g.no);
	if (rc == 0)
		rc = ml_ans_named(&a, ML_NAME_GRANT, g.no, &g);
	if (rc == 0)
		rc = ml_ans_grant_list(&a, g.no, q->posts, &grants, &n);
	if (rc == 0 && n == 1)
		ml_trace_kept_try(&a, &g, &doc);
	if (rc == 0 && doc == NULL)
		rc = ml_trace_built(&a, &g, grants, n, &doc);
	free(grants);
	if (rc != 0) {
		cJSON_Delete(doc);
		if (err->code == 0)
			ml_fail(err, rc, -1, NULL, "trace: %s",
			        ml_strerror(rc));
		return rc;
	}
	*out = doc;
	return 0;
}

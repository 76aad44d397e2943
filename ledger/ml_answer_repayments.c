/*
 * ml_answer_repayments.c — GET /v1/repayments: what each legal entity
 * still holds of a grant, and whether it must be repaid yet.
 *
 * rules.md "Answers": for grant=G, G and every post below it; for
 * year=Y, every grant whose effective use_by (inherited, as the view sees
 * the definitions) falls in Y. For each grant and each legal entity L —
 * the root of a party's parent chain — other than the payer's legal
 * entity, whose subtree has an existing account in the grant, one row:
 *
 *   received, paid_out   = Σ over the subtree − payouts between members
 *   returned, repaid     = Σ over the subtree − repayments between members
 *   spent, carried_in, carried_out = Σ over the subtree
 *   outstanding          = Σ held, so that on every row (asserted)
 *     received + returned + carried_in − spent − paid_out − repaid
 *       − carried_out = outstanding
 *
 * and its status: open while as_of ≤ use_by (or no use_by); then ok when
 * nothing is outstanding, due while there is no repay_by or as_of ≤
 * repay_by, overdue after. Rows are sorted by grant id then legal entity
 * id; "totals" sums every amount column and total_outstanding the
 * outstanding column (kept beside totals for the clients that read it).
 *
 * Transfers between members are found on the grant's edges: an edge
 * whose two ends have the same legal entity is internal. The subtree
 * sums (ml_entity_sums_of) are a grant's summary, shared with the
 * deadlines answer (ml_answer_summary.c). Cost per grant: one seek per
 * account and per edge (a scan of each in a known view), plus the party
 * tree once; in medeld, none of the seeks when the grant's summary for
 * the same date is kept and no commit has changed the grant since
 * (ml_summary.h).
 *
 * Giving both grant and year, or neither, is a bad_query. A grant the
 * view does not know yet (known_at before its first definition) is left
 * out. "known_at" is added at the end of the document when asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_money.h"

/* Removes transfers along edges inside one legal entity's subtree. */
static int ml_sum_internal(struct ml_ans *a, const struct ml_tree *t,
                           uint32_t g, const uint32_t *slot,
                           struct ml_entity_sum *sums)
{
	uint32_t from = 0, to = 0;
	MDB_cursor *cur = NULL; /* the walk and the reads: one kept cursor */
	int rc = ml_state_edges_open(a->st, a->txn, &cur);
	if (rc == 0)
		rc = ml_state_next_edge_at(cur, g, &from, &to);
	while (rc == 0 && from != 0) {
		if (from > t->count || to > t->count) {
			rc = ML_E_CORRUPT;
			break;
		}
		uint32_t le = t->root[from];
		if (le == t->root[to] && slot[le] != 0) {
			struct ml_entity_sum *s = &sums[slot[le] - 1];
			struct ml_totals e;
			bool exists = false;
			rc = ml_state_edge_at(a->st, a->txn, cur, &a->v, g,
			                      from, to, &e, &exists);
			if (rc == 0 && exists)
				ml_consol_cancel(&s->sum, &e);
		}
		if (rc == 0)
			rc = ml_state_next_edge_at(cur, g, &from, &to);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* Each sum's entity id (ml_state_name), with one kept cursor. */
static int ml_sum_names(struct ml_ans *a, struct ml_entity_sum *sums, size_t n)
{
	MDB_cursor *cur = NULL;
	int rc = n > 0 ? ml_state_nums_open(a->st, a->txn, &cur) : 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_state_name_at(cur, ML_NAME_PARTY, sums[i].entity_no,
		                      &sums[i].entity_id);
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* Adds each account's totals to its legal entity's sum, but the payer's
 * entity's: slot[le] = index + 1 in sums, given to an entity at its first
 * account. */
static int ml_sums_collect(const struct ml_tree *t, uint32_t payer_le,
                           const struct ml_acct_row *accts, size_t acct_count,
                           uint32_t *slot, struct ml_entity_sum *sums,
                           size_t *n)
{
	for (size_t i = 0; i < acct_count; i++) {
		uint32_t p = accts[i].party_no;
		if (p > t->count)
			return ML_E_CORRUPT;
		uint32_t le = t->root[p];
		if (le == payer_le)
			continue;
		if (slot[le] == 0) {
			ML_ASSERT(*n < t->count); /* one per legal entity */
			memset(&sums[*n], 0, sizeof sums[*n]);
			sums[*n].entity_no = le;
			slot[le] = (uint32_t)++ * n;
		}
		if (!ml_totals_add(&sums[slot[le] - 1].sum, &accts[i].t))
			return ML_E_AMOUNT_RANGE;
	}
	return 0;
}

static int ml_sum_cmp(const void *x, const void *y)
{
	const struct ml_entity_sum *a = x, *b = y;
	return ml_str_cmp(a->entity_id, b->entity_id);
}

int ml_entity_sums_of(struct ml_ans *a, const struct ml_tree *t,
                      uint32_t grant_no, uint32_t payer_no,
                      const struct ml_acct_row *accts, size_t acct_count,
                      struct ml_entity_sum **out, size_t *n)
{
	size_t size = (size_t)t->count + 1;
	uint32_t *slot = calloc(size, sizeof *slot); /* entity → index + 1 */
	struct ml_entity_sum *sums = calloc(size, sizeof *sums);
	int rc = slot && sums ? 0 : ML_E_NOMEM;
	*n = 0;
	uint32_t payer_le = payer_no <= t->count ? t->root[payer_no] : 0;
	if (rc == 0)
		rc = ml_sums_collect(t, payer_le, accts, acct_count, slot, sums,
		                     n);
	ML_ASSERT(*n <= t->count); /* one sum per legal entity at most */
	if (rc == 0)
		rc = ml_sum_internal(a, t, grant_no, slot, sums);
	if (rc == 0)
		rc = ml_sum_names(a, sums, *n);
	if (rc == 0 && *n > 1)
		qsort(sums, *n, sizeof *sums, ml_sum_cmp);
	free(slot);
	if (rc != 0) {
		free(sums);
		*n = 0;
		if (a->err->code == 0)
			ml_fail(a->err, rc, -1, NULL,
			        "summing legal entities: %s", ml_strerror(rc));
		return rc;
	}
	*out = sums;
	return 0;
}

/* --- the answer --- */

/* The row's status as the JSON text that ends the row. */
static const char *ml_repay_status(ml_day as_of, const struct ml_grant_row *g,
                                   int64_t outstanding_ore)
{
	if (g->use_by == ML_DAY_NONE || as_of <= g->use_by)
		return "\"open\"}";
	if (outstanding_ore == 0)
		return "\"ok\"}";
	if (g->repay_by == ML_DAY_NONE || as_of <= g->repay_by)
		return "\"due\"}";
	return "\"overdue\"}";
}

/* The amount columns of a row, in API.md's order. */
static const enum ml_bucket ml_repay_cols[] = {
    ML_B_RECEIVED, ML_B_RETURNED, ML_B_CARRIED_IN,  ML_B_SPENT,
    ML_B_PAID_OUT, ML_B_REPAID,   ML_B_CARRIED_OUT,
};
#define ML_REPAY_COLS (sizeof ml_repay_cols / sizeof ml_repay_cols[0])

struct ml_repay_doc {
	cJSON *doc, *grants;
	int64_t total_ore[ML_REPAY_COLS + 1]; /* the columns, outstanding */
	/* "[" and the rows so far, comma-separated: one raw item at the
	 * end, so a row costs a copy, not a cJSON item and a print */
	struct ml_buf rows;
	size_t row_count;
};

/* The row's outstanding, checked against the identity of DOMAIN.md. */
static int64_t ml_repay_outstanding(const struct ml_totals *t)
{
	const int64_t *v = t->v;
	int64_t held = ml_totals_held(t);
	ML_ASSERT(v[ML_B_RECEIVED] + v[ML_B_RETURNED] + v[ML_B_CARRIED_IN] -
	              v[ML_B_SPENT] - v[ML_B_PAID_OUT] - v[ML_B_REPAID] -
	              v[ML_B_CARRIED_OUT] ==
	          held);
	return held;
}

/* Adds the row's amount columns and outstanding to the totals. */
static int ml_repay_sum(struct ml_ans *a, struct ml_repay_doc *d,
                        const struct ml_entity_sum *s, int64_t outstanding)
{
	for (size_t i = 0; i <= ML_REPAY_COLS; i++) {
		int64_t v = i < ML_REPAY_COLS ? s->sum.v[ml_repay_cols[i]]
		                              : outstanding;
		if (ml_add_overflows(d->total_ore[i], v, &d->total_ore[i]))
			return ml_fail(a->err, ML_E_AMOUNT_RANGE, -1, NULL,
			               "a repayments total exceeds 2^63 öre");
	}
	return 0;
}

/* A row's text up to its status's value: grant, party, the columns,
 * outstanding, "status": (struct ml_summary.row_text). */
static int ml_repay_row_head(struct ml_str grant_id,
                             const struct ml_entity_sum *s, struct ml_buf *b)
{
	int rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "grant", grant_id);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "party", s->entity_id);
	for (size_t i = 0; rc == 0 && i < ML_REPAY_COLS; i++)
		rc =
		    ml_ans_text_int(b, false, ml_bucket_names[ml_repay_cols[i]],
		                    s->sum.v[ml_repay_cols[i]]);
	if (rc == 0)
		rc = ml_ans_text_int(b, false, "outstanding",
		                     ml_repay_outstanding(&s->sum));
	return rc == 0 ? ml_buf_add_str(b, ",\"status\":") : rc;
}

int ml_repay_rows_text(struct ml_ans *a, struct ml_summary *s)
{
	ML_ASSERT((s->parts & ML_SUM_ENTITIES) != 0 && s->row_text == NULL);
	struct ml_named g;
	struct ml_buf b; /* every row's head; ceiling: ml_limits.h */
	ml_buf_init(&b, ML_ANSWER_ROW_BYTES_MAX);
	int rc = ml_ans_named(a, ML_NAME_GRANT, s->grant_no, &g);
	if (rc == 0 && s->sum_count > 0) {
		s->row_end = malloc(s->sum_count * sizeof *s->row_end);
		rc = s->row_end != NULL ? 0 : ML_E_NOMEM;
	}
	for (size_t i = 0; rc == 0 && i < s->sum_count; i++) {
		rc = ml_repay_row_head(g.id, &s->sums[i], &b);
		s->row_end[i] = b.len;
	}
	if (rc != 0) {
		ml_buf_free(&b);
		return a->err->code != 0 ? rc : ml_ans_row_check(a, 0, rc);
	}
	s->row_text = b.data; /* the summary's now (NULL: no rows) */
	return 0;
}

/* Row i of summary s with its status, copied into the rows array. */
static int ml_repay_row(struct ml_ans *a, struct ml_repay_doc *d,
                        const struct ml_grant_row *eff,
                        const struct ml_summary *s, size_t i)
{
	ML_ASSERT(i < s->sum_count && s->row_text != NULL);
	int64_t outstanding = ml_repay_outstanding(&s->sums[i].sum);
	int rc = ml_repay_sum(a, d, &s->sums[i], outstanding);
	if (rc != 0)
		return rc;
	const char *end = ml_repay_status(a->v.as_of, eff, outstanding);
	size_t head_from = i > 0 ? s->row_end[i - 1] : 0;
	size_t head_bytes = s->row_end[i] - head_from, end_bytes = strlen(end);
	size_t comma = d->row_count++ > 0 ? 1 : 0; /* before every row but
	                                              the first */
	char *at = NULL;
	rc = ml_buf_room(&d->rows, comma + head_bytes + end_bytes, &at);
	if (rc == 0 && comma == 1)
		at[0] = ',';
	if (rc == 0) {
		memcpy(at + comma, s->row_text + head_from, head_bytes);
		memcpy(at + comma + head_bytes, end, end_bytes);
		ml_buf_commit(&d->rows, comma + head_bytes + end_bytes);
	}
	return ml_ans_row_check(a, head_bytes + end_bytes, rc);
}

/* "totals" (every amount column) and "total_outstanding". */
static bool ml_repay_totals(const struct ml_repay_doc *d)
{
	cJSON *o = cJSON_AddObjectToObject(d->doc, "totals");
	for (size_t i = 0; o != NULL && i <= ML_REPAY_COLS; i++) {
		const char *name = i < ML_REPAY_COLS
		                       ? ml_bucket_names[ml_repay_cols[i]]
		                       : "outstanding";
		if (ml_json_add_int(o, name, d->total_ore[i]) == NULL)
			return false;
	}
	return o != NULL && ml_json_add_int(d->doc, "total_outstanding",
	                                    d->total_ore[ML_REPAY_COLS]);
}

static int ml_repay_grant(struct ml_ans *a, struct ml_tree *t,
                          const struct ml_named *g, struct ml_repay_doc *d)
{
	struct ml_grant_row eff;
	bool known = false;
	int rc = ml_ans_grant(a, g->no, &eff, &known);
	if (rc != 0 || !known)
		return rc;
	bool in_year = eff.use_by != ML_DAY_NONE;
	if (in_year) {
		int y, m, day;
		ml_date_to_ymd(eff.use_by, &y, &m, &day);
		in_year = y == a->q->year;
	}
	if (a->q->year != 0 && !in_year)
		return 0;
	cJSON *o = ml_json_push_object(d->grants);
	bool ok = o != NULL && ml_json_add_str(o, "grant", g->id);
	if (ok && eff.use_by != ML_DAY_NONE)
		ok = ml_json_add_date(o, "use_by", eff.use_by) != NULL;
	if (ok && eff.repay_by != ML_DAY_NONE)
		ok = ml_json_add_date(o, "repay_by", eff.repay_by) != NULL;
	if (!ok)
		return ml_ans_nomem(a);
	struct ml_summary *s = NULL; /* the sums, kept or read now */
	rc = ml_ans_summary(a, t, g->no, eff.payer_no,
	                    ML_SUM_ENTITIES | ML_SUM_ROWS, &s);
	for (size_t i = 0; rc == 0 && i < s->sum_count; i++)
		rc = ml_repay_row(a, d, &eff, s, i);
	ml_ans_summary_done(a, s);
	return rc;
}

/* The grants asked for (sorted by id); year filtering is per grant. */
static int ml_repay_select(struct ml_ans *a, struct ml_named **grants,
                           size_t *n)
{
	const struct ml_query *q = a->q;
	uint32_t top = 0;
	*grants = NULL;
	*n = 0;
	if (q->grant == NULL && q->year == 0)
		return ml_fail(a->err, ML_E_BAD_QUERY, -1, "grant",
		               "grant: repayments need a grant or a year");
	if (q->grant != NULL && q->year != 0)
		return ml_fail(a->err, ML_E_BAD_QUERY, -1, "year",
		               "year: give a grant or a year, not both");
	int rc = 0;
	if (q->grant != NULL)
		rc = ml_ans_find(a, ML_NAME_GRANT, q->grant, "grant", &top);
	if (rc == 0)
		rc = ml_ans_grant_list(a, top, true, grants, n);
	return rc;
}

static int ml_repay_doc_new(struct ml_ans *a, struct ml_repay_doc *d)
{
	/* the rows array is one raw item: bounded like a row (ml_limits.h) */
	ml_buf_init(&d->rows, ML_ANSWER_ROW_BYTES_MAX);
	int rc = ml_buf_add_char(&d->rows, '[');
	d->doc = rc == 0 ? ml_ans_doc_as_of(a) : NULL;
	d->grants = d->doc ? cJSON_AddArrayToObject(d->doc, "grants") : NULL;
	return d->grants != NULL ? 0 : ml_ans_nomem(a);
}

/* "rows", after "grants", before "totals". */
static int ml_repay_rows_end(struct ml_ans *a, struct ml_repay_doc *d)
{
	int rc = ml_buf_add_char(&d->rows, ']');
	if (rc != 0)
		return ml_ans_row_check(a, 0, rc);
	return ml_ans_add_raw(a, d->doc, "rows", d->rows.data);
}

int ml_answer_repayments(struct ml_ledger *lg, struct ml_read *rd,
                         const struct ml_query *q, cJSON **out,
                         struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	struct ml_ans a;
	struct ml_tree t;
	struct ml_repay_doc d;
	struct ml_named *grants = NULL;
	size_t n = 0;
	memset(&t, 0, sizeof t);
	memset(&d, 0, sizeof d);
	*out = NULL;
	int rc = ml_ans_begin(lg, txn, q, &a, err);
	if (rc == 0)
		rc = ml_repay_select(&a, &grants, &n);
	/* the party tree is loaded by the first summary built (t zeroed) */
	if (rc == 0)
		rc = ml_repay_doc_new(&a, &d);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_repay_grant(&a, &t, &grants[i], &d);
	if (rc == 0)
		rc = ml_repay_rows_end(&a, &d);
	bool ok = rc == 0 && ml_repay_totals(&d) &&
	          ml_ans_add_known(&a, d.doc, false);
	if (rc == 0 && !ok)
		rc = ml_ans_nomem(&a);
	ml_buf_free(&d.rows);
	free(grants);
	ml_tree_free(&t);
	if (rc != 0) {
		cJSON_Delete(d.doc);
		if (err->code == 0)
			ml_fail(err, rc, -1, NULL, "repayments: %s",
			        ml_strerror(rc));
		return rc;
	}
	*out = d.doc;
	return 0;
}

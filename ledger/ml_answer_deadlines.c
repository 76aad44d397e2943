/*
 * ml_answer_deadlines.c — GET /v1/deadlines: what is due soon or late.
 *
 * rules.md "Answers": as of D an item is listed when its date is at most
 * 30 days ahead (due, 0 ≤ date − D ≤ 30) or has passed (overdue,
 * date < D); days = |date − D|. Three kinds, over every grant the view
 * knows, with its definition as the view sees it (inherited deadlines):
 *
 *   claim   an account (G, R), R not G's payer, with an unclaimed amount
 *           allocated − max(claimed, received) > 0 and a counting
 *           allocation with claim_by; the date is the latest claim_by,
 *           the amount the unclaimed sum. Per account, not per legal
 *           entity: the claim_by was set on the allocation to R.
 *   report  a legal entity L (not the payer's) whose subtree received
 *           money in G from outside it (received > 0 with transfers
 *           between members cancelled, as in repayments), G has a
 *           report_by, and no party of the subtree has a counting report
 *           of G dated ≤ D. Amount 0.
 *   repay   a legal entity (not the payer's) with money outstanding in G
 *           when D > use_by and G has a repay_by; the date is repay_by,
 *           the amount what is outstanding.
 *   condition  each conditional allocation in G the view sees still
 *           pending (neither confirmed nor lapsed) that has a decide_by:
 *           one item each, for its recipient, dated decide_by, the amount
 *           the allocation's (ml_answer_conditions.c).
 *
 * Items are sorted by date, then kind (by name: claim, condition, repay,
 * report), grant id and party id. Per grant, what the items are made of
 * — its claims, its legal entities' sums and reports, its pending
 * conditions — comes from its summary (ml_answer_summary.c): read from
 * every account once (one seek each, a scan each in a known view), the
 * grant's edges, and a report lookup per member of a receiving legal
 * entity; or, in medeld, kept from an earlier answer at the same date
 * when no commit has changed the grant since (ml_summary.h), so the
 * answer costs its items and the grants' definitions. Only the window,
 * the grant's effective deadlines (report_by, use_by, repay_by) and the
 * days are applied here, per answer. The window is 30 days
 * (ML_DEADLINE_WINDOW_DAYS), from rules.md.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_limits_internal.h"

/* In name order, so sorting by kind sorts by its name. */
enum ml_dl_kind { ML_DL_CLAIM, ML_DL_CONDITION, ML_DL_REPAY, ML_DL_REPORT };
static const char *const ml_dl_names[] = {"claim", "condition", "repay",
                                          "report"};

struct ml_dl_item {
	ml_day date;
	enum ml_dl_kind kind;
	struct ml_str grant, party;
	int64_t amount_ore;
};

struct ml_dl_list {
	struct ml_dl_item *v;
	size_t n, cap;
};

/* Adds an item if its date is inside the window. */
static int ml_dl_push(struct ml_ans *a, struct ml_dl_list *l, ml_day date,
                      enum ml_dl_kind kind, struct ml_str grant,
                      struct ml_str party, int64_t amount_ore)
{
	if (date - a->v.as_of > ML_DEADLINE_WINDOW_DAYS)
		return 0;
	int rc = ml_ans_grow(a, (void **)&l->v, &l->cap, l->n + 1, sizeof *l->v,
	                     ml_limits_now.answer_rows_max, "deadlines");
	if (rc != 0)
		return rc;
	struct ml_dl_item *it = &l->v[l->n++];
	it->date = date;
	it->kind = kind;
	it->grant = grant;
	it->party = party;
	it->amount_ore = amount_ore;
	return 0;
}

static int ml_dl_cmp(const void *x, const void *y)
{
	const struct ml_dl_item *a = x, *b = y;
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	int c = ml_str_cmp(a->grant, b->grant);
	return c != 0 ? c : ml_str_cmp(a->party, b->party);
}

/* May grant eff have repay items at the view's date? */
static bool ml_dl_repay(const struct ml_ans *a, const struct ml_grant_row *eff)
{
	return eff->repay_by != ML_DAY_NONE && eff->use_by != ML_DAY_NONE &&
	       a->v.as_of > eff->use_by;
}

/* What of the grant's summary its items need: the legal entities only
 * for report or repay items, their reports only for report items. */
static unsigned ml_dl_parts(const struct ml_ans *a,
                            const struct ml_grant_row *eff)
{
	bool report = eff->report_by != ML_DAY_NONE;
	return ML_SUM_ITEMS |
	       (report || ml_dl_repay(a, eff) ? ML_SUM_ENTITIES : 0) |
	       (report ? ML_SUM_REPORTS : 0);
}

/* Report and repay items of grant g for each legal entity. */
static int ml_dl_entities(struct ml_ans *a, const struct ml_named *g,
                          const struct ml_grant_row *eff,
                          const struct ml_summary *s, struct ml_dl_list *l)
{
	bool repay = ml_dl_repay(a, eff);
	bool report = eff->report_by != ML_DAY_NONE;
	int rc = 0;
	for (size_t i = 0; rc == 0 && (repay || report) && i < s->sum_count;
	     i++) {
		const struct ml_entity_sum *e = &s->sums[i];
		bool received = e->sum.v[ML_B_RECEIVED] > 0;
		if (report && received && !s->reported[i])
			rc = ml_dl_push(a, l, eff->report_by, ML_DL_REPORT,
			                g->id, e->entity_id, 0);
		int64_t outstanding = ml_totals_held(&e->sum);
		if (rc == 0 && repay && outstanding > 0)
			rc = ml_dl_push(a, l, eff->repay_by, ML_DL_REPAY, g->id,
			                e->entity_id, outstanding);
	}
	return rc;
}

/* Grant g's items, from its summary (ml_ans_summary: its accounts read
 * once, or not at all when a kept summary answers): a claim per account,
 * a legal entity's report or repayment, a pending condition; pushed in
 * that order, as qsort's order of equal items depends on it. The ids
 * pushed point into the summary, held in *held until the items are
 * written. */
static int ml_dl_grant(struct ml_ans *a, struct ml_tree *t,
                       const struct ml_named *g, struct ml_dl_list *l,
                       struct ml_summary **held)
{
	struct ml_grant_row eff;
	bool known = false;
	*held = NULL;
	int rc = ml_ans_grant(a, g->no, &eff, &known);
	if (rc == 0 && known)
		rc = ml_ans_summary(a, t, g->no, eff.payer_no,
		                    ml_dl_parts(a, &eff), held);
	if (rc != 0 || !known)
		return rc;
	const struct ml_summary *s = *held;
	for (size_t i = 0; rc == 0 && i < s->claim_count; i++)
		rc = ml_dl_push(a, l, s->claims[i].date, ML_DL_CLAIM, g->id,
		                s->claims[i].party, s->claims[i].amount_ore);
	if (rc == 0)
		rc = ml_dl_entities(a, g, &eff, s, l);
	for (size_t i = 0; rc == 0 && i < s->cond_count; i++)
		rc = ml_dl_push(a, l, s->conds[i].date, ML_DL_CONDITION, g->id,
		                s->conds[i].party, s->conds[i].amount_ore);
	return rc;
}

static int ml_dl_write(struct ml_ans *a, const struct ml_dl_list *l,
                       cJSON *items)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct ml_dl_item *it = &l->v[i];
		bool overdue = it->date < a->v.as_of;
		int64_t days =
		    overdue ? a->v.as_of - it->date : it->date - a->v.as_of;
		cJSON *o = ml_json_push_object(items);
		bool ok = o != NULL && cJSON_AddStringToObject(
		                           o, "kind", ml_dl_names[it->kind]);
		ok = ok && ml_json_add_str(o, "grant", it->grant);
		ok = ok && ml_json_add_str(o, "party", it->party);
		ok = ok && ml_json_add_date(o, "due", it->date);
		ok = ok && ml_json_add_int(o, "amount", it->amount_ore);
		ok = ok && cJSON_AddStringToObject(o, "status",
		                                   overdue ? "overdue" : "due");
		if (!ok || ml_json_add_int(o, "days", days) == NULL)
			return ml_ans_nomem(a);
	}
	return 0;
}

/* The items of grants[0..n), sorted, into l; *held (n summaries, some
 * NULL) are what their ids point into: ml_dl_release after writing. */
static int ml_dl_collect(struct ml_ans *a, struct ml_tree *t,
                         const struct ml_named *grants, size_t n,
                         struct ml_dl_list *l, struct ml_summary ***held)
{
	*held = calloc(n > 0 ? n : 1, sizeof **held);
	if (*held == NULL)
		return ml_ans_nomem(a);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_dl_grant(a, t, &grants[i], l, &(*held)[i]);
	if (rc == 0 && l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, ml_dl_cmp);
	return rc;
}

static void ml_dl_release(struct ml_ans *a, struct ml_summary **held, size_t n)
{
	for (size_t i = 0; held != NULL && i < n; i++)
		ml_ans_summary_done(a, held[i]);
	free(held);
}

/* Item it as the JSON text ml_dl_write's members print. */
static int ml_dl_item_text(const struct ml_ans *a, const struct ml_dl_item *it,
                           struct ml_buf *b)
{
	bool overdue = it->date < a->v.as_of;
	int64_t days = overdue ? a->v.as_of - it->date : it->date - a->v.as_of;
	int rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "kind",
		                     ml_str_c(ml_dl_names[it->kind]));
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "grant", it->grant);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "party", it->party);
	if (rc == 0)
		rc = ml_ans_text_date(b, false, "due", it->date);
	if (rc == 0)
		rc = ml_ans_text_int(b, false, "amount", it->amount_ore);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "status",
		                     ml_str_c(overdue ? "overdue" : "due"));
	if (rc == 0)
		rc = ml_ans_text_int(b, false, "days", days);
	return rc == 0 ? ml_buf_add_char(b, '}') : rc;
}

int ml_ans_deadlines_text(struct ml_ans *a, struct ml_tree *t,
                          const struct ml_named *grants, size_t n,
                          bool (*keep)(struct ml_str party, void *arg),
                          void *arg, struct ml_buf *b)
{
	struct ml_dl_list l = {NULL, 0, 0};
	struct ml_summary **held = NULL;
	int rc = ml_dl_collect(a, t, grants, n, &l, &held);
	bool first = true;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		if (!keep(l.v[i].party, arg))
			continue;
		rc = first ? 0 : ml_buf_add_char(b, ',');
		if (rc == 0)
			rc = ml_dl_item_text(a, &l.v[i], b);
		first = false;
	}
	ml_dl_release(a, held, n);
	free(l.v);
	return rc;
}

int ml_answer_deadlines(struct ml_ledger *lg, struct ml_read *rd,
                        const struct ml_query *q, cJSON **out,
                        struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	struct ml_ans a;
	struct ml_tree t;
	struct ml_dl_list l = {NULL, 0, 0};
	struct ml_named *grants = NULL;
	struct ml_summary **held = NULL;
	size_t n = 0;
	cJSON *doc = NULL, *items = NULL;
	memset(&t, 0, sizeof t);
	*out = NULL;
	int rc = ml_ans_begin(lg, txn, q, &a, err);
	/* the party tree is loaded by the first summary built (t zeroed) */
	if (rc == 0)
		rc = ml_ans_grant_list(&a, 0, false, &grants, &n);
	if (rc == 0)
		rc = ml_dl_collect(&a, &t, grants, n, &l, &held);
	if (rc == 0) {
		doc = ml_ans_doc_as_of(&a);
		items = doc ? cJSON_AddArrayToObject(doc, "items") : NULL;
		rc = items != NULL && ml_ans_add_known(&a, doc, false)
		         ? ml_dl_write(&a, &l, items)
		         : ml_ans_nomem(&a);
	}
	ml_dl_release(&a, held, n);
	free(l.v);
	free(grants);
	ml_tree_free(&t);
	if (rc != 0) {
		cJSON_Delete(doc);
		if (err->code == 0)
			ml_fail(err, rc, -1, NULL, "deadlines: %s",
			        ml_strerror(rc));
		return rc;
	}
	*out = doc;
	return 0;
}

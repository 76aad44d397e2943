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
 * report), grant id and party id. Cost: every grant's accounts, each read
 * once (one seek each, a scan each in a known view) for the claims, the
 * legal entities' sums and the pending conditions alike; for grants
 * with report_by or a passed use_by, its edges and a report lookup per
 * member of a receiving legal entity. The window is 30 days
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

/* One claim item for account (g, acct) if it has an unclaimed amount and
 * a claim_by. */
static int ml_dl_claim(struct ml_ans *a, const struct ml_named *g,
                       const struct ml_acct_row *acct, struct ml_dl_list *l)
{
	const int64_t *v = acct->t.v;
	int64_t taken = v[ML_B_CLAIMED] > v[ML_B_RECEIVED] ? v[ML_B_CLAIMED]
	                                                   : v[ML_B_RECEIVED];
	int64_t unclaimed = v[ML_B_ALLOCATED] - taken;
	if (unclaimed <= 0)
		return 0;
	ml_day claim_by = ML_DAY_NONE;
	struct ml_named party;
	int rc = ml_state_claim_by(a->st, a->txn, &a->v, g->no, acct->party_no,
	                           &claim_by);
	if (rc != 0 || claim_by == ML_DAY_NONE)
		return rc;
	rc = ml_ans_named(a, ML_NAME_PARTY, acct->party_no, &party);
	if (rc == 0)
		rc = ml_dl_push(a, l, claim_by, ML_DL_CLAIM, g->id, party.id,
		                unclaimed);
	return rc;
}

/* Has any party of le's subtree a counting report of g in the view? */
static int ml_dl_reported(struct ml_ans *a, const struct ml_tree *t, uint32_t g,
                          uint32_t le, bool *has)
{
	*has = false;
	int rc = 0;
	for (uint32_t m = t->first[le], hops = 0;
	     rc == 0 && !*has && m != 0 && hops <= t->count;
	     m = t->next[m], hops++)
		rc = ml_state_has_report(a->st, a->txn, &a->v, g, m, has);
	return rc;
}

/* Report and repay items of grant g for each legal entity. */
static int ml_dl_entities(struct ml_ans *a, const struct ml_tree *t,
                          const struct ml_named *g,
                          const struct ml_grant_row *eff,
                          const struct ml_acct_row *accts, size_t acct_count,
                          struct ml_dl_list *l)
{
	bool repay = eff->repay_by != ML_DAY_NONE &&
	             eff->use_by != ML_DAY_NONE && a->v.as_of > eff->use_by;
	bool report = eff->report_by != ML_DAY_NONE;
	if (!repay && !report)
		return 0;
	struct ml_entity_sum *sums = NULL;
	size_t n = 0;
	int rc = ml_entity_sums_of(a, t, g->no, eff->payer_no, accts,
	                           acct_count, &sums, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct ml_entity_sum *s = &sums[i];
		bool has = true;
		if (report && s->sum.v[ML_B_RECEIVED] > 0)
			rc = ml_dl_reported(a, t, g->no, s->entity_no, &has);
		if (rc == 0 && !has)
			rc = ml_dl_push(a, l, eff->report_by, ML_DL_REPORT,
			                g->id, s->entity_id, 0);
		int64_t outstanding = ml_totals_held(&s->sum);
		if (rc == 0 && repay && outstanding > 0)
			rc = ml_dl_push(a, l, eff->repay_by, ML_DL_REPAY, g->id,
			                s->entity_id, outstanding);
	}
	free(sums);
	return rc;
}

struct ml_dl_cond {
	struct ml_ans *a;
	const struct ml_named *g;
	struct ml_dl_list *l;
};

static int ml_dl_condition(void *arg, uint32_t grant_no, uint32_t to_no,
                           ml_day decide_by, int64_t amount_ore)
{
	struct ml_dl_cond *c = arg;
	struct ml_named party;
	(void)grant_no;
	int rc = ml_ans_named(c->a, ML_NAME_PARTY, to_no, &party);
	return rc == 0 ? ml_dl_push(c->a, c->l, decide_by, ML_DL_CONDITION,
	                            c->g->id, party.id, amount_ore)
	               : rc;
}

/* Grant g's items. Its accounts are read once (ml_ans_grant_accounts) and
 * asked three questions: a claim, a legal entity's report or repayment,
 * a pending condition; items are pushed in that order, as qsort's order
 * of equal items depends on it. */
static int ml_dl_grant(struct ml_ans *a, const struct ml_tree *t,
                       const struct ml_named *g, struct ml_dl_list *l)
{
	struct ml_grant_row eff;
	struct ml_acct_row *accts = NULL;
	size_t n = 0;
	bool known = false;
	int rc = ml_ans_grant(a, g->no, &eff, &known);
	if (rc != 0 || !known)
		return rc;
	rc = ml_ans_grant_accounts(a, g->no, &accts, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (accts[i].party_no != eff.payer_no)
			rc = ml_dl_claim(a, g, &accts[i], l);
	if (rc == 0)
		rc = ml_dl_entities(a, t, g, &eff, accts, n, l);
	struct ml_dl_cond c = {a, g, l};
	if (rc == 0)
		rc = ml_ans_conditions(a, g->no, accts, n, ml_dl_condition, &c);
	free(accts);
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

int ml_ans_deadlines_of(struct ml_ans *a, const struct ml_tree *t,
                        const struct ml_named *grants, size_t n, cJSON *items)
{
	struct ml_dl_list l = {NULL, 0, 0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_dl_grant(a, t, &grants[i], &l);
	if (rc == 0 && l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, ml_dl_cmp);
	if (rc == 0)
		rc = ml_dl_write(a, &l, items);
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
	size_t n = 0;
	cJSON *doc = NULL, *items = NULL;
	memset(&t, 0, sizeof t);
	*out = NULL;
	int rc = ml_ans_begin(lg, txn, q, &a, err);
	if (rc == 0)
		rc = ml_tree_load(&a, &t);
	if (rc == 0)
		rc = ml_ans_grant_list(&a, 0, false, &grants, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_dl_grant(&a, &t, &grants[i], &l);
	if (rc == 0 && l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, ml_dl_cmp);
	if (rc == 0) {
		doc = ml_ans_doc_as_of(&a);
		items = doc ? cJSON_AddArrayToObject(doc, "items") : NULL;
		rc = items != NULL && ml_ans_add_known(&a, doc, false)
		         ? ml_dl_write(&a, &l, items)
		         : ml_ans_nomem(&a);
	}
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

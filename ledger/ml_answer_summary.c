/*
 * ml_answer_summary.c — a grant's summary for the deadlines and
 * repayments answers: kept, or built from the walk of its accounts.
 *
 * ml_summary.h says what a summary holds and when a kept one may answer.
 * This file builds one exactly as the two answers read their grant
 * before: the accounts once (ml_ans_grant_accounts_later, which also
 * says whether the summary is settled), then the parts asked for
 * (ML_SUM_*): each account's claim_by and the pending conditions
 * (items), the legal entities' sums (ml_entity_sums_of: the edges'
 * walk) and their reports. Every id is copied: a kept summary outlives
 * the read transaction it was built in.
 *
 * A view with known_at, or a ledger opened without ML_OPEN_SUMMARIES
 * (the CLI), builds a summary of the parts its answer reads, per grant
 * and answer, and frees it: the CLI reads what it read before. medeld
 * builds every part and keeps the summary for the next reader whose
 * date and head it answers (ml_summary.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_ledger_internal.h"
#include "ml_log.h"

/* Copies id into memory s owns; *out points to the copy. */
static int ml_sum_copy_id(struct ml_ans *a, struct ml_summary *s, size_t *cap,
                          struct ml_str id, struct ml_str *out)
{
	int rc = ml_ans_grow(a, (void **)&s->ids, cap, s->id_count + 1,
	                     sizeof *s->ids, 3 * (size_t)ML_PARTIES_MAX,
	                     "summary ids");
	char *copy = rc == 0 ? malloc(id.len > 0 ? id.len : 1) : NULL;
	if (rc == 0 && copy == NULL)
		return ml_ans_nomem(a);
	if (rc != 0)
		return rc;
	memcpy(copy, id.ptr, id.len);
	s->ids[s->id_count++] = copy;
	out->ptr = copy;
	out->len = id.len;
	return 0;
}

struct ml_sum_build {
	struct ml_ans *a;
	struct ml_summary *s;
	size_t ids_cap, claims_cap, conds_cap, edges_cap;
};

/* Appends (party no's id, date, amount) to *items. */
static int ml_sum_item_add(struct ml_sum_build *b, struct ml_sum_item **items,
                           size_t *count, size_t *cap, uint32_t party_no,
                           ml_day date, int64_t amount_ore)
{
	struct ml_named party;
	int rc = ml_ans_named(b->a, ML_NAME_PARTY, party_no, &party);
	if (rc == 0)
		rc = ml_ans_grow(b->a, (void **)items, cap, *count + 1,
		                 sizeof **items, ML_PARTIES_MAX,
		                 "summary items");
	if (rc != 0)
		return rc;
	struct ml_sum_item *it = &(*items)[*count];
	it->date = date;
	it->amount_ore = amount_ore;
	rc = ml_sum_copy_id(b->a, b->s, &b->ids_cap, party.id, &it->party);
	if (rc == 0)
		(*count)++;
	return rc;
}

/* A claim for account acct if it has an unclaimed amount and a
 * claim_by. */
static int ml_sum_claim(struct ml_sum_build *b, const struct ml_acct_row *acct)
{
	const int64_t *v = acct->t.v;
	int64_t taken = v[ML_B_CLAIMED] > v[ML_B_RECEIVED] ? v[ML_B_CLAIMED]
	                                                   : v[ML_B_RECEIVED];
	int64_t unclaimed = v[ML_B_ALLOCATED] - taken;
	if (unclaimed <= 0)
		return 0;
	ml_day claim_by = ML_DAY_NONE;
	int rc = ml_state_claim_by(b->a->st, b->a->txn, &b->a->v,
	                           b->s->grant_no, acct->party_no, &claim_by);
	if (rc != 0 || claim_by == ML_DAY_NONE)
		return rc;
	return ml_sum_item_add(b, &b->s->claims, &b->s->claim_count,
	                       &b->claims_cap, acct->party_no, claim_by,
	                       unclaimed);
}

static int ml_sum_condition(void *arg, uint32_t grant_no, uint32_t to_no,
                            ml_day decide_by, int64_t amount_ore)
{
	struct ml_sum_build *b = arg;
	(void)grant_no;
	return ml_sum_item_add(b, &b->s->conds, &b->s->cond_count,
	                       &b->conds_cap, to_no, decide_by, amount_ore);
}

/* Has any party of le's subtree a counting report of g in the view? */
static int ml_sum_reported(struct ml_ans *a, const struct ml_tree *t,
                           uint32_t g, uint32_t le, bool *has)
{
	*has = false;
	int rc = 0;
	for (uint32_t m = t->first[le], hops = 0;
	     rc == 0 && !*has && m != 0 && hops <= t->count;
	     m = t->next[m], hops++)
		rc = ml_state_has_report(a->st, a->txn, &a->v, g, m, has);
	return rc;
}

/* The legal entities' sums, their ids copied, and (for the deadlines)
 * whether each that received money has reported. */
static int ml_sum_entities(struct ml_sum_build *b, const struct ml_tree *t,
                           const struct ml_acct_row *accts, size_t n)
{
	struct ml_summary *s = b->s;
	int rc = ml_entity_sums_of(b->a, t, s->grant_no, s->payer_no, accts, n,
	                           &s->sums, &s->sum_count);
	if (rc == 0 && s->sum_count > 0) {
		s->reported = calloc(s->sum_count, sizeof *s->reported);
		rc = s->reported != NULL ? 0 : ml_ans_nomem(b->a);
	}
	for (size_t i = 0; rc == 0 && i < s->sum_count; i++) {
		struct ml_entity_sum *e = &s->sums[i];
		rc = ml_sum_copy_id(b->a, s, &b->ids_cap, e->entity_id,
		                    &e->entity_id);
		if (rc == 0 && (s->parts & ML_SUM_REPORTS) &&
		    e->sum.v[ML_B_RECEIVED] > 0)
			rc = ml_sum_reported(b->a, t, s->grant_no, e->entity_no,
			                     &s->reported[i]);
	}
	return rc;
}

/* Appends edge (from, to)'s payouts and repayments to s->edges. */
static int ml_sum_edge_add(struct ml_sum_build *b, uint32_t from, uint32_t to,
                           const struct ml_totals *e)
{
	struct ml_summary *s = b->s;
	int rc = ml_ans_grow(b->a, (void **)&s->edges, &b->edges_cap,
	                     s->edge_count + 1, sizeof *s->edges,
	                     ML_ANSWER_ROWS_MAX, "summary edges");
	if (rc == 0)
		s->edges[s->edge_count++] = (struct ml_sum_edge){
		    from, to, e->v[ML_B_PAID_OUT], e->v[ML_B_REPAID]};
	return rc;
}

/* Every edge of the grant that exists in the view (ML_SUM_EDGES), with
 * one kept cursor for the walk and the reads. */
static int ml_sum_edges(struct ml_sum_build *b)
{
	struct ml_ans *a = b->a;
	uint32_t g = b->s->grant_no, from = 0, to = 0;
	MDB_cursor *cur = NULL;
	int rc = ml_state_edges_open(a->st, a->txn, &cur);
	if (rc == 0)
		rc = ml_state_next_edge_at(cur, g, &from, &to);
	while (rc == 0 && from != 0) {
		struct ml_totals e;
		bool exists = false;
		rc = ml_state_edge_at(a->st, a->txn, cur, &a->v, g, from, to,
		                      &e, &exists);
		if (rc == 0 && exists)
			rc = ml_sum_edge_add(b, from, to, &e);
		if (rc == 0)
			rc = ml_state_next_edge_at(cur, g, &from, &to);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* Fills s (its key set) from one walk of the grant's accounts. */
static int ml_sum_build(struct ml_ans *a, const struct ml_tree *t,
                        struct ml_summary *s)
{
	struct ml_sum_build b = {a, s, 0, 0, 0, 0};
	struct ml_acct_row *accts = NULL;
	size_t n = 0;
	bool later = true, reports_later = true;
	int rc =
	    ml_ans_grant_accounts_later(a, s->grant_no, &accts, &n, &later);
	if (rc == 0 && !later)
		rc = ml_state_reports_from(a->st, a->txn, s->grant_no, s->as_of,
		                           &reports_later);
	s->settled = rc == 0 && !later && !reports_later;
	bool items = s->parts & ML_SUM_ITEMS;
	for (size_t i = 0; rc == 0 && items && i < n; i++)
		if (accts[i].party_no != s->payer_no)
			rc = ml_sum_claim(&b, &accts[i]);
	if (rc == 0 && (s->parts & ML_SUM_ENTITIES))
		rc = ml_sum_entities(&b, t, accts, n);
	if (rc == 0 && (s->parts & ML_SUM_ROWS))
		rc = ml_repay_rows_text(a, s);
	if (rc == 0 && (s->parts & ML_SUM_EDGES))
		rc = ml_sum_edges(&b);
	if (rc == 0 && (s->parts & ML_SUM_TRACE))
		rc = ml_trace_part_build(a, s, accts, n);
	if (rc == 0 && items)
		rc = ml_ans_conditions(a, s->grant_no, accts, n,
		                       ml_sum_condition, &b);
	free(accts);
	return rc;
}

int ml_ans_head(struct ml_ans *a, struct ml_log_head *out)
{
	if (!a->head_read) {
		int rc = ml_log_head_read(a->st, a->txn, &a->head);
		if (rc != 0)
			return rc;
		a->head_read = true;
	}
	*out = a->head;
	return 0;
}

/* The read transaction's last seq, read once per answer. */
static int ml_sum_head(struct ml_ans *a, uint64_t *seq)
{
	struct ml_log_head head;
	int rc = ml_ans_head(a, &head);
	*seq = head.seq;
	return rc;
}

int ml_ans_summary(struct ml_ans *a, struct ml_tree *t, uint32_t g,
                   uint32_t payer_no, unsigned parts, struct ml_summary **out)
{
	/* kept: the ledger keeps summaries and this view may use one */
	struct ml_summaries *kept =
	    a->v.known ? NULL : ml_ledger_summaries(a->lg);
	uint64_t head_seq = 0;
	*out = NULL;
	int rc = kept != NULL ? ml_sum_head(a, &head_seq) : 0;
	if (rc == 0 && kept != NULL)
		*out = ml_summaries_get(kept, g, payer_no, a->v.as_of, parts,
		                        head_seq);
	if (rc != 0 || *out != NULL)
		return rc;
	struct ml_summary *s = calloc(1, sizeof *s);
	if (s == NULL)
		return ml_ans_nomem(a);
	s->grant_no = g;
	s->payer_no = payer_no;
	s->as_of = a->v.as_of;
	s->head_seq = head_seq;
	/* kept: every part, for whichever answer asks next; else only what
	 * this one reads (the CLI's deadlines of a grant without report_by
	 * nor a passed use_by read no edges and no reports, as before) */
	s->parts = kept != NULL ? ML_SUM_ALL | (parts & ML_SUM_TRACE) : parts;
	s->refs = 1;
	rc = ml_tree_need(a, t);
	if (rc == 0)
		rc = ml_sum_build(a, t, s);
	if (rc != 0) {
		ml_summary_free(s);
		return rc;
	}
	if (kept != NULL)
		ml_summaries_put(kept, s);
	*out = s;
	return 0;
}

void ml_ans_summary_done(struct ml_ans *a, struct ml_summary *s)
{
	ml_summaries_release(ml_ledger_summaries(a->lg), s);
}

/* --- the party tree, kept (ml_summary.h, struct ml_tree_kept) --- */

/* t's arrays, borrowed from k: t must not be ml_tree_free'd. */
static void ml_tree_borrow(struct ml_tree *t, const struct ml_tree_kept *k)
{
	memset(t, 0, sizeof *t);
	t->count = k->count;
	t->parent = k->parent;
	t->root = k->root;
	t->first = k->first;
	t->next = k->next;
	t->loaded = true;
}

/* A copy of loaded tree t, stamped head_seq; NULL when out of memory
 * (then nothing is kept: the answer goes on with t). */
static struct ml_tree_kept *ml_tree_copy(const struct ml_tree *t,
                                         uint64_t head_seq)
{
	size_t bytes = ((size_t)t->count + 1) * sizeof *t->parent;
	struct ml_tree_kept *k = calloc(1, sizeof *k);
	if (k != NULL) {
		k->parent = malloc(bytes);
		k->root = malloc(bytes);
		k->first = malloc(bytes);
		k->next = malloc(bytes);
	}
	if (k == NULL || !k->parent || !k->root || !k->first || !k->next) {
		ml_tree_kept_free(k);
		return NULL;
	}
	memcpy(k->parent, t->parent, bytes);
	memcpy(k->root, t->root, bytes);
	memcpy(k->first, t->first, bytes);
	memcpy(k->next, t->next, bytes);
	k->count = t->count;
	k->head_seq = head_seq;
	k->refs = 1;
	return k;
}

/* k's party ids, copied; on failure k keeps none (id NULL) and the
 * statement reads them as it goes. */
static void ml_tree_ids(struct ml_ans *a, struct ml_tree_kept *k)
{
	size_t size = (size_t)k->count + 1, bytes = 0;
	struct ml_str *id = calloc(size, sizeof *id);
	int rc = id != NULL ? 0 : ML_E_NOMEM;
	for (uint32_t p = 1; rc == 0 && p <= k->count; p++) {
		struct ml_named n = {0, {NULL, 0}};
		rc = ml_ans_named(a, ML_NAME_PARTY, p, &n);
		id[p] = n.id; /* in the page until it is copied below */
		bytes += rc == 0 ? n.id.len : 0;
	}
	char *text = rc == 0 ? malloc(bytes > 0 ? bytes : 1) : NULL;
	if (text == NULL) {
		free(id);
		ml_errinfo_clear(a->err); /* not the answer's failure */
		return;
	}
	size_t at = 0;
	for (uint32_t p = 1; p <= k->count; p++) {
		if (id[p].len > 0)
			memcpy(text + at, id[p].ptr, id[p].len);
		id[p].ptr = text + at;
		at += id[p].len;
	}
	k->id = id;
	k->id_text = text;
}

int ml_ans_tree(struct ml_ans *a, struct ml_tree *t, struct ml_tree_kept **kept)
{
	struct ml_summaries *c = a->v.known ? NULL : ml_ledger_summaries(a->lg);
	uint64_t head_seq = 0;
	*kept = NULL;
	int rc = c != NULL ? ml_sum_head(a, &head_seq) : 0;
	if (rc == 0 && c != NULL)
		*kept = ml_summaries_tree_get(c, head_seq);
	if (rc == 0 && *kept != NULL) {
		ml_tree_borrow(t, *kept);
		return 0;
	}
	if (rc == 0)
		rc = ml_tree_load(a, t);
	struct ml_tree_kept *k =
	    rc == 0 && c != NULL ? ml_tree_copy(t, head_seq) : NULL;
	if (k != NULL)
		ml_tree_ids(a, k);
	if (k != NULL) {
		ml_summaries_tree_put(c, k);
		ml_summaries_tree_release(c, k); /* the cache's now, or freed */
	}
	return rc;
}

void ml_ans_tree_done(struct ml_ans *a, struct ml_tree *t,
                      struct ml_tree_kept *kept)
{
	if (kept == NULL) {
		ml_tree_free(t);
		return;
	}
	memset(t, 0, sizeof *t); /* the arrays are kept's */
	ml_summaries_tree_release(ml_ledger_summaries(a->lg), kept);
}

/* --- the grants, kept (ml_summary.h, struct ml_grants_kept) --- */

/* Each grant's id (copied into k->text) and parent. */
static int ml_grants_fill(struct ml_ans *a, struct ml_grants_kept *k,
                          struct ml_named *v)
{
	size_t bytes = 0;
	int rc = 0;
	for (uint32_t g = 1; rc == 0 && g <= k->count; g++) {
		struct ml_grant_row row;
		rc = ml_ans_named(a, ML_NAME_GRANT, g, &v[g - 1]);
		if (rc == 0)
			rc = ml_state_grant(a->st, a->txn, g, &row);
		k->parent[g] = rc == 0 ? row.parent_no : 0;
		bytes += rc == 0 ? v[g - 1].id.len : 0;
	}
	k->text = rc == 0 ? malloc(bytes > 0 ? bytes : 1) : NULL;
	if (rc == 0 && k->text == NULL)
		return ML_E_NOMEM;
	size_t at = 0;
	for (uint32_t g = 1; rc == 0 && g <= k->count; g++) {
		struct ml_str id = v[g - 1].id;
		if (id.len > 0)
			memcpy(k->text + at, id.ptr, id.len);
		k->id[g] = (struct ml_str){k->text + at, id.len};
		at += id.len;
	}
	if (rc == 0 && k->count > 1)
		qsort(v, k->count, sizeof *v, ml_named_cmp);
	for (uint32_t i = 0; rc == 0 && i < k->count; i++)
		k->by_id[i] = v[i].no;
	return rc;
}

/* The grants read now, stamped head_seq; *out NULL on failure. */
static int ml_grants_read(struct ml_ans *a, uint64_t head_seq,
                          struct ml_grants_kept **out)
{
	uint32_t count = 0;
	*out = NULL;
	int rc = ml_state_count(a->st, a->txn, ML_NAME_GRANT, &count);
	if (rc == 0 && count > ML_GRANTS_MAX)
		rc = ML_E_CORRUPT;
	if (rc != 0)
		return rc;
	size_t size = (size_t)count + 1;
	struct ml_grants_kept *k = calloc(1, sizeof *k);
	struct ml_named *v = calloc(size, sizeof *v);
	if (k != NULL) {
		k->parent = calloc(size, sizeof *k->parent);
		k->by_id = calloc(size, sizeof *k->by_id);
		k->id = calloc(size, sizeof *k->id);
	}
	rc = k && v && k->parent && k->by_id && k->id ? 0 : ML_E_NOMEM;
	if (rc == 0) {
		k->count = count;
		k->head_seq = head_seq;
		k->refs = 1;
		rc = ml_grants_fill(a, k, v);
	}
	free(v);
	if (rc != 0) {
		ml_grants_kept_free(k);
		return rc;
	}
	*out = k;
	return 0;
}

int ml_ans_grants(struct ml_ans *a, struct ml_grants_kept **kept)
{
	struct ml_summaries *c = ml_ledger_summaries(a->lg);
	uint64_t head_seq = 0;
	*kept = NULL;
	if (c == NULL)
		return 0;
	int rc = ml_sum_head(a, &head_seq);
	if (rc == 0)
		*kept = ml_summaries_grants_get(c, head_seq);
	if (rc == 0 && *kept == NULL) {
		rc = ml_grants_read(a, head_seq, kept);
		if (rc == 0)
			ml_summaries_grants_put(c, *kept);
	}
	if (rc != 0 && a->err->code == 0)
		return ml_fail(a->err, rc, -1, NULL, "listing grants: %s",
		               ml_strerror(rc));
	return rc;
}

void ml_ans_grants_done(struct ml_ans *a, struct ml_grants_kept *kept)
{
	ml_summaries_grants_release(ml_ledger_summaries(a->lg), kept);
}

/*
 * ml_answer_statement.c — GET /v1/statement: the återrapportering of one
 * legal entity for one grant.
 *
 * What a municipality reports to the state for a grant, and what an
 * auditor checks it against: for legal entity P (its whole subtree, as
 * one: DOMAIN.md "consolidated") and grant G with every post below it,
 * as of a date and optionally as known at a time:
 *
 *   summary     the consolidated buckets summed over G and its posts
 *               (allocated, allocated_out, pending, pending_out,
 *               unallocated, claimed, received, returned, carried_in,
 *               spent, paid_out, repaid, carried_out, held);
 *   received    from whom: payouts from outside the subtree to a member,
 *               summed per payer; returned: repayments from outside in;
 *   passed_on   to whom: payouts from a member to outside, per recipient;
 *   repaid      to whom: repayments from a member to outside;
 *   spent       per activity and unit, over every member;
 *   carried     per grant: carried in and out;
 *   deadlines   the deadlines answer's items of this entity's members in
 *               G and its posts (claim, condition, report, repay), with
 *               status: a pending conditional allocation is a
 *               "condition" item of its decide_by;
 *   reports     every counting report of a member in G or a post;
 *   head        the seq and hash of the log's last event in this read
 *               (known at a time: the last event recorded by then): the
 *               chain position the statement was computed at.
 *
 * Each list carries its "amount" beside it. For an entity other than the
 * grant's payer the lists add up to the summary (received = Σ received
 * from, and so on: asserted); the payer's own received also holds the
 * grant's total, which no payout brought.
 *
 * Pending money (conditional allocations and distributions not yet
 * confirmed) is in the summary as "pending" (promised to the entity from
 * outside) and "pending_out" (promised by it to outside), consolidated
 * like allocated: a promise between two members cancels.
 *
 * Cost: the party tree; per grant, one seek per member account and per
 * edge of the grant; each member's account entries for the activities
 * (the trace's cost for this subtree), the reports index per member, and
 * the deadlines answer once. In medeld (a view without known_at) the
 * party tree is the kept one and the edges are the grant's kept summary's
 * (ml_summary.h: struct ml_tree_kept, ML_SUM_EDGES): those were 46 % and
 * 40 % of a statement's instructions; the member accounts, activities
 * and reports are still read per answer.
 *
 * Errors: party and grant are required (bad_query); unknown ones are
 * not_found naming the parameter; a party that is not a legal entity is
 * a bad_query naming its legal entity.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_json.h"
#include "ml_log.h"
#include "ml_money.h"

struct ml_stmt {
	struct ml_ans *a;
	struct ml_tree t;
	struct ml_tree_kept *tree_kept; /* t's arrays when kept (or NULL) */
	struct ml_named party, grant;
	struct ml_named *grants; /* G and its posts, by id */
	size_t grant_count;
	uint32_t *members; /* the subtree, by number */
	size_t member_count;
	bool *in; /* [p]: p is a member, p ≤ t.count */
	bool is_payer;
	struct ml_totals sum; /* consolidated, over the grants */
	cJSON *doc;
};

/* A list of (party, amount) summed per party. */
struct ml_flow {
	uint32_t party;
	int64_t amount_ore;
};
enum { ML_ST_RECEIVED, ML_ST_RETURNED, ML_ST_PASSED, ML_ST_REPAID, ML_ST_N };
static const char *const ml_st_names[ML_ST_N] = {"received", "returned",
                                                 "passed_on", "repaid"};

static int ml_stmt_check(struct ml_ans *a, const struct ml_query *q)
{
	if (q->party == NULL)
		return ml_fail(a->err, ML_E_BAD_QUERY, -1, "party",
		               "party: a statement needs the legal entity "
		               "that reports");
	if (q->grant == NULL)
		return ml_fail(a->err, ML_E_BAD_QUERY, -1, "grant",
		               "grant: a statement needs a grant");
	return 0;
}

/* party, grant, the grants, the subtree; refuses a non-legal entity. */
static int ml_stmt_select(struct ml_stmt *s)
{
	struct ml_ans *a = s->a;
	int rc = ml_stmt_check(a, a->q);
	if (rc == 0)
		rc = ml_ans_find(a, ML_NAME_PARTY, a->q->party, "party",
		                 &s->party.no);
	if (rc == 0)
		rc = ml_ans_find(a, ML_NAME_GRANT, a->q->grant, "grant",
		                 &s->grant.no);
	if (rc == 0)
		rc = ml_ans_named(a, ML_NAME_PARTY, s->party.no, &s->party);
	if (rc == 0)
		rc = ml_ans_named(a, ML_NAME_GRANT, s->grant.no, &s->grant);
	if (rc == 0)
		rc = ml_ans_tree(a, &s->t, &s->tree_kept);
	if (rc == 0 && s->t.parent[s->party.no] != 0) {
		struct ml_named le;
		rc =
		    ml_ans_named(a, ML_NAME_PARTY, s->t.root[s->party.no], &le);
		if (rc == 0)
			return ml_fail(
			    a->err, ML_E_BAD_QUERY, -1, "party",
			    "party: %.*s is not a legal entity (it "
			    "belongs to %.*s): ask for the statement "
			    "of %.*s",
			    (int)s->party.id.len, s->party.id.ptr,
			    (int)le.id.len, le.id.ptr, (int)le.id.len,
			    le.id.ptr);
	}
	if (rc == 0)
		rc = ml_ans_grant_list(a, s->grant.no, true, &s->grants,
		                       &s->grant_count);
	return rc;
}

static int ml_stmt_members(struct ml_stmt *s)
{
	size_t size = (size_t)s->t.count + 1;
	s->members = calloc(size, sizeof *s->members);
	s->in = calloc(size, sizeof *s->in);
	if (s->members == NULL || s->in == NULL)
		return ml_ans_nomem(s->a);
	/* a legal entity (ml_stmt_select): its members are those whose
	 * root it is, linked in ascending number from first[] */
	uint32_t le = s->party.no;
	ML_ASSERT(le <= s->t.count && s->t.parent[le] == 0);
	for (uint32_t p = s->t.first[le];
	     p != 0 && s->member_count < s->t.count; p = s->t.next[p]) {
		ML_ASSERT(p <= s->t.count && s->t.root[p] == le);
		s->in[p] = true;
		s->members[s->member_count++] = p;
	}
	ML_ASSERT(s->member_count >= 1); /* the entity itself */
	return 0;
}

/* The consolidated summary over every grant; the carried list. */
static int ml_stmt_sum(struct ml_stmt *s, cJSON *carried)
{
	for (size_t i = 0; i < s->grant_count; i++) {
		struct ml_totals t;
		bool exists = false;
		int rc = ml_consol_members(s->a, s->grants[i].no, s->members,
		                           s->member_count, s->in, s->t.count,
		                           &t, &exists);
		if (rc != 0)
			return rc;
		if (!exists)
			continue;
		if (!ml_totals_add(&s->sum, &t))
			return ML_E_AMOUNT_RANGE;
		if (t.v[ML_B_CARRIED_IN] == 0 && t.v[ML_B_CARRIED_OUT] == 0)
			continue;
		cJSON *o = ml_json_push_object(carried);
		bool ok =
		    o && ml_json_add_str(o, "grant", s->grants[i].id) &&
		    ml_json_add_int(o, "carried_in", t.v[ML_B_CARRIED_IN]) &&
		    ml_json_add_int(o, "carried_out", t.v[ML_B_CARRIED_OUT]);
		if (!ok)
			return ml_ans_nomem(s->a);
	}
	return 0;
}

/* Adds edge (from → to)'s payouts and repayments across the subtree's
 * border to the flows (amounts per party number). */
static void ml_stmt_edge(const struct ml_stmt *s, uint32_t from, uint32_t to,
                         int64_t paid_out_ore, int64_t repaid_ore,
                         int64_t *flow[ML_ST_N])
{
	bool in_from = s->in[from], in_to = s->in[to];
	if (in_from == in_to)
		return; /* inside (cancelled) or elsewhere */
	if (in_to) {
		flow[ML_ST_RECEIVED][from] += paid_out_ore;
		flow[ML_ST_RETURNED][from] += repaid_ore;
	} else {
		flow[ML_ST_PASSED][to] += paid_out_ore;
		flow[ML_ST_REPAID][to] += repaid_ore;
	}
}

/* The flows of grant g from its kept summary's edges (medeld, a view
 * without known_at): the walk below, read once per summary. *done is
 * false when there is no kept summary to use (the CLI, a known view, a
 * grant the view does not know). */
static int ml_stmt_kept_edges(struct ml_stmt *s, uint32_t g,
                              int64_t *flow[ML_ST_N], bool *done)
{
	struct ml_ans *a = s->a;
	struct ml_grant_row eff;
	bool known = false;
	*done = false;
	if (a->v.known || ml_ledger_summaries(a->lg) == NULL)
		return 0;
	int rc = ml_ans_grant(a, g, &eff, &known);
	if (rc != 0 || !known)
		return rc;
	struct ml_summary *sum = NULL;
	rc = ml_ans_summary(a, &s->t, g, eff.payer_no, ML_SUM_EDGES, &sum);
	for (size_t i = 0; rc == 0 && i < sum->edge_count; i++) {
		const struct ml_sum_edge *e = &sum->edges[i];
		if (e->from_no > s->t.count || e->to_no > s->t.count) {
			rc = ML_E_CORRUPT;
			break;
		}
		ml_stmt_edge(s, e->from_no, e->to_no, e->paid_out_ore,
		             e->repaid_ore, flow);
	}
	ml_ans_summary_done(a, sum);
	*done = rc == 0;
	return rc;
}

static int ml_stmt_walk_edges(struct ml_stmt *s, uint32_t g,
                              int64_t *flow[ML_ST_N])
{
	bool done = false;
	int rc = ml_stmt_kept_edges(s, g, flow, &done);
	if (rc != 0 || done)
		return rc;
	struct ml_ans *a = s->a;
	uint32_t from = 0, to = 0;
	MDB_cursor *cur = NULL; /* the walk and the reads: one kept cursor */
	rc = ml_state_edges_open(a->st, a->txn, &cur);
	if (rc == 0)
		rc = ml_state_next_edge_at(cur, g, &from, &to);
	while (rc == 0 && from != 0) {
		if (from > s->t.count || to > s->t.count) {
			rc = ML_E_CORRUPT;
			break;
		}
		if (s->in[from] != s->in[to]) {
			struct ml_totals e;
			bool exists = false;
			rc = ml_state_edge_at(a->st, a->txn, cur, &a->v, g,
			                      from, to, &e, &exists);
			if (rc == 0 && exists)
				ml_stmt_edge(s, from, to, e.v[ML_B_PAID_OUT],
				             e.v[ML_B_REPAID], flow);
		}
		if (rc == 0)
			rc = ml_state_next_edge_at(cur, g, &from, &to);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* "key": {"amount": total, list: [{"party","amount"}…]} by party id. */
static int ml_stmt_flow_write(struct ml_stmt *s, const char *key,
                              const char *list, const int64_t *amt,
                              int64_t total_ore)
{
	struct ml_ans *a = s->a;
	size_t nonzero = 0; /* the parties listed */
	for (uint32_t p = 1; p <= s->t.count; p++)
		nonzero += amt[p] != 0;
	struct ml_named *v = calloc(nonzero > 0 ? nonzero : 1, sizeof *v);
	size_t n = 0;
	int rc = v ? 0 : ML_E_NOMEM;
	int64_t sum = 0;
	for (uint32_t p = 1; rc == 0 && p <= s->t.count; p++)
		if (amt[p] != 0) {
			rc = ml_ans_named(a, ML_NAME_PARTY, p, &v[n++]);
			sum += amt[p];
		}
	if (rc == 0 && n > 1)
		qsort(v, n, sizeof *v, ml_named_cmp);
	/* what crossed the border is the consolidated figure (the payer's
	 * received also holds the grant's total) */
	ML_ASSERT(rc != 0 || sum == total_ore || s->is_payer);
	cJSON *o = rc == 0 ? cJSON_AddObjectToObject(s->doc, key) : NULL;
	bool ok = o && ml_json_add_int(o, "amount", total_ore);
	cJSON *arr = ok ? cJSON_AddArrayToObject(o, list) : NULL;
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *x = ml_json_push_object(arr);
		ok = x && ml_json_add_str(x, "party", v[i].id) &&
		     ml_json_add_int(x, "amount", amt[v[i].no]);
		arr = ok ? arr : NULL;
	}
	free(v);
	if (rc != 0)
		return rc;
	return arr ? 0 : ml_ans_nomem(a);
}

static int ml_stmt_flows(struct ml_stmt *s)
{
	static const char *const lists[ML_ST_N] = {"from", "from", "to", "to"};
	static const enum ml_bucket bucket[ML_ST_N] = {
	    ML_B_RECEIVED, ML_B_RETURNED, ML_B_PAID_OUT, ML_B_REPAID};
	int64_t *flow[ML_ST_N] = {NULL, NULL, NULL, NULL};
	int rc = 0;
	for (int k = 0; k < ML_ST_N; k++) {
		flow[k] = calloc((size_t)s->t.count + 1, sizeof *flow[k]);
		rc = flow[k] ? rc : ML_E_NOMEM;
	}
	for (size_t i = 0; rc == 0 && i < s->grant_count; i++)
		rc = ml_stmt_walk_edges(s, s->grants[i].no, flow);
	for (int k = 0; rc == 0 && k < ML_ST_N; k++)
		rc = ml_stmt_flow_write(s, ml_st_names[k], lists[k], flow[k],
		                        s->sum.v[bucket[k]]);
	for (int k = 0; k < ML_ST_N; k++)
		free(flow[k]);
	return rc;
}

/* "summary": the consolidated buckets in API order (the balances'
 * order: unallocated right after pending_out), and held. */
static int ml_stmt_summary(struct ml_stmt *s)
{
	static const enum ml_bucket order[] = {
	    ML_B_ALLOCATED, ML_B_ALLOCATED_OUT, ML_B_PENDING,  ML_B_PENDING_OUT,
	    ML_B_CLAIMED,   ML_B_RECEIVED,      ML_B_RETURNED, ML_B_CARRIED_IN,
	    ML_B_SPENT,     ML_B_PAID_OUT,      ML_B_REPAID,   ML_B_CARRIED_OUT,
	};
	const struct ml_totals *t = &s->sum;
	cJSON *o = cJSON_AddObjectToObject(s->doc, "summary");
	bool ok = o != NULL;
	for (size_t i = 0; ok && i < sizeof order / sizeof order[0]; i++) {
		ok = ml_json_add_int(o, ml_bucket_names[order[i]],
		                     t->v[order[i]]) != NULL;
		if (ok && order[i] == ML_B_PENDING_OUT)
			ok = ml_json_add_int(o, "unallocated",
			                     ml_totals_unallocated(t)) != NULL;
	}
	ok = ok && ml_json_add_int(o, "held", ml_totals_held(t));
	return ok ? 0 : ml_ans_nomem(s->a);
}

/* Is the string member key of item one of names[0..n)? */
static bool ml_stmt_item_in(const cJSON *item, const char *key,
                            const struct ml_named *names, size_t n)
{
	const cJSON *v = cJSON_GetObjectItem(item, key);
	if (!cJSON_IsString(v))
		return false;
	size_t len = strlen(v->valuestring);
	for (size_t i = 0; i < n; i++)
		if (names[i].id.len == len &&
		    memcmp(names[i].id.ptr, v->valuestring, len) == 0)
			return true;
	return false;
}

/* "deadlines": the deadlines answer's items of the members in the
 * grants, moved over in its order (due date, kind, grant, party). Only
 * the statement's grants are asked for (ml_ans_deadlines_of): the whole
 * answer over every grant was most of a statement's time. */
static int ml_stmt_deadlines(struct ml_stmt *s, struct ml_read *rd)
{
	struct ml_ans *a = s->a;
	(void)rd;
	cJSON *all = cJSON_CreateObject();
	cJSON *got = all ? cJSON_AddArrayToObject(all, "items") : NULL;
	int rc = got != NULL ? ml_ans_deadlines_of(a, &s->t, s->grants,
	                                           s->grant_count, got)
	                     : ml_ans_nomem(a);
	struct ml_named *mem = NULL;
	cJSON *arr =
	    rc == 0 ? cJSON_AddArrayToObject(s->doc, "deadlines") : NULL;
	if (rc == 0 && arr == NULL)
		rc = ml_ans_nomem(a);
	if (rc == 0)
		mem = calloc(s->member_count, sizeof *mem);
	if (rc == 0 && mem == NULL)
		rc = ml_ans_nomem(a);
	for (size_t i = 0; rc == 0 && i < s->member_count; i++)
		rc = ml_ans_named(a, ML_NAME_PARTY, s->members[i], &mem[i]);
	cJSON *items = cJSON_GetObjectItem(all, "items");
	cJSON *it = items ? items->child : NULL;
	while (rc == 0 && it != NULL) {
		cJSON *next = it->next;
		if (ml_stmt_item_in(it, "grant", s->grants, s->grant_count) &&
		    ml_stmt_item_in(it, "party", mem, s->member_count))
			cJSON_AddItemToArray(
			    arr, cJSON_DetachItemViaPointer(items, it));
		it = next;
	}
	free(mem);
	cJSON_Delete(all);
	return rc;
}

struct ml_seq_list {
	struct ml_ans *a;
	uint64_t *v;
	size_t n, cap;
};

static int ml_stmt_seq_push(uint64_t seq, void *arg)
{
	struct ml_seq_list *l = arg;
	int rc =
	    ml_ans_grow(l->a, (void **)&l->v, &l->cap, l->n + 1, sizeof *l->v,
	                ml_limits_now.answer_rows_max, "reports");
	if (rc == 0)
		l->v[l->n++] = seq;
	return rc;
}

static int ml_u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* One report: seq, date, grant, party, spent (when stated), recorded. */
static int ml_stmt_report(struct ml_stmt *s, cJSON *arr, uint64_t seq)
{
	struct ml_event ev;
	char when[ML_TIME_TEXT_MAX];
	int rc = ml_log_get(s->a->st, s->a->txn, seq, &ev);
	if (rc == 0 && ev.type != ML_TYPE_REPORT)
		rc = ML_E_CORRUPT;
	if (rc != 0)
		return rc;
	cJSON *o = ml_json_push_object(arr);
	bool ok = o && ml_json_add_int(o, "seq", (int64_t)seq) &&
	          ml_json_add_date(o, "date", ev.date) &&
	          ml_json_add_str(o, "grant", ev.grant) &&
	          ml_json_add_str(o, "party", ev.party);
	if (ok && (ev.present & ML_BIT(ML_F_SPENT)))
		ok = ml_json_add_int(o, "spent", ev.spent_ore) != NULL;
	ok = ok && cJSON_AddStringToObject(
	               o, "recorded_at",
	               ml_time_format(ev.recorded_at_us, when, sizeof when));
	ok = ok && ml_json_add_str(o, "recorded_by", ev.recorded_by);
	return ok ? 0 : ml_ans_nomem(s->a);
}

/* "reports": every counting report of a member in the grants, by seq. */
static int ml_stmt_reports(struct ml_stmt *s)
{
	struct ml_ans *a = s->a;
	struct ml_seq_list l = {a, NULL, 0, 0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < s->grant_count; i++)
		for (size_t j = 0; rc == 0 && j < s->member_count; j++)
			rc = ml_state_reports(a->st, a->txn, &a->v,
			                      s->grants[i].no, s->members[j],
			                      ml_stmt_seq_push, &l);
	if (rc == 0 && l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, ml_u64_cmp);
	cJSON *arr = rc == 0 ? cJSON_AddArrayToObject(s->doc, "reports") : NULL;
	if (rc == 0 && arr == NULL)
		rc = ml_ans_nomem(a);
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = ml_stmt_report(s, arr, l.v[i]);
	free(l.v);
	return rc;
}

/* The chain position the statement was computed at: the log's head, or
 * in a known-at view the last event recorded by then (what an auditor
 * checks a statement filed at that time against). */
static int ml_stmt_head_known(struct ml_ans *a, struct ml_read *rd,
                              struct ml_log_head *head)
{
	int rc = ml_ledger_head(a->lg, rd, head);
	if (rc != 0 || !a->v.known || a->v.known_seq == head->seq)
		return rc;
	ML_ASSERT(a->v.known_seq < head->seq);
	memset(head, 0, sizeof *head);
	if (a->v.known_seq == 0)
		return 0;
	struct ml_event ev;
	rc = ml_ledger_event(a->lg, rd, a->v.known_seq, &ev);
	if (rc != 0)
		return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
	head->seq = ev.seq;
	memcpy(head->hash, ev.hash, sizeof head->hash);
	head->recorded_at_us = ev.recorded_at_us;
	return 0;
}

/* {"party","grant","as_of",("known_at"),"head":{"seq","hash"},
 *  "grants":[{"grant","use_by"?,"report_by"?,"repay_by"?}],
 *  "members":[{"party"}]} */
static int ml_stmt_head(struct ml_stmt *s, struct ml_read *rd)
{
	struct ml_ans *a = s->a;
	struct ml_log_head head;
	char hex[65];
	int rc = ml_stmt_head_known(a, rd, &head);
	if (rc != 0)
		return rc;
	ml_hex32(head.hash, hex);
	s->doc = cJSON_CreateObject();
	bool ok = s->doc && ml_json_add_str(s->doc, "party", s->party.id) &&
	          ml_json_add_str(s->doc, "grant", s->grant.id) &&
	          ml_json_add_date(s->doc, "as_of", a->v.as_of) &&
	          ml_ans_add_known(a, s->doc, false);
	cJSON *h = ok ? cJSON_AddObjectToObject(s->doc, "head") : NULL;
	ok = h && ml_json_add_int(h, "seq", (int64_t)head.seq) &&
	     cJSON_AddStringToObject(h, "hash", hex);
	return ok ? 0 : ml_ans_nomem(a);
}

/* "grants": G and its posts with their (inherited) dates; "members". */
static int ml_stmt_scope(struct ml_stmt *s)
{
	struct ml_ans *a = s->a;
	cJSON *g = cJSON_AddArrayToObject(s->doc, "grants");
	cJSON *m = g ? cJSON_AddArrayToObject(s->doc, "members") : NULL;
	if (m == NULL)
		return ml_ans_nomem(a);
	for (size_t i = 0; i < s->grant_count; i++) {
		struct ml_grant_row eff;
		bool known = false;
		int rc = ml_ans_grant(a, s->grants[i].no, &eff, &known);
		if (rc != 0)
			return rc;
		if (known && eff.payer_no <= s->t.count && s->in[eff.payer_no])
			s->is_payer = true;
		cJSON *o = ml_json_push_object(g);
		bool ok = o && ml_json_add_str(o, "grant", s->grants[i].id);
		const ml_day dates[] = {eff.use_by, eff.report_by,
		                        eff.repay_by};
		const char *names[] = {"use_by", "report_by", "repay_by"};
		for (int k = 0; ok && known && k < 3; k++)
			if (dates[k] != ML_DAY_NONE)
				ok = ml_json_add_date(o, names[k], dates[k]);
		if (!ok)
			return ml_ans_nomem(a);
	}
	struct ml_named *v = calloc(s->member_count, sizeof *v);
	int rc = v ? 0 : ML_E_NOMEM;
	for (size_t i = 0; rc == 0 && i < s->member_count; i++)
		rc = ml_ans_named(a, ML_NAME_PARTY, s->members[i], &v[i]);
	if (rc == 0 && s->member_count > 1)
		qsort(v, s->member_count, sizeof *v, ml_named_cmp);
	for (size_t i = 0; rc == 0 && i < s->member_count; i++) {
		cJSON *x = ml_json_push_object(m);
		if (x == NULL || !ml_json_add_str(x, "party", v[i].id))
			rc = ML_E_NOMEM;
	}
	free(v);
	return rc;
}

/* The sections in their order. */
static int ml_stmt_build(struct ml_stmt *s, struct ml_read *rd)
{
	int rc = ml_stmt_head(s, rd);
	if (rc == 0)
		rc = ml_stmt_scope(s);
	cJSON *carried = NULL;
	if (rc == 0) {
		/* summed first, written after the flows (their order) */
		carried = cJSON_CreateArray();
		rc = carried ? ml_stmt_sum(s, carried) : ML_E_NOMEM;
	}
	if (rc == 0)
		rc = ml_stmt_summary(s);
	if (rc == 0)
		rc = ml_stmt_flows(s);
	if (rc == 0) {
		cJSON *spent = cJSON_AddObjectToObject(s->doc, "spent");
		int64_t total = 0;
		rc = spent ? ml_activities_add(s->a, s->grants, s->grant_count,
		                               s->members, s->member_count,
		                               spent, &total)
		           : ML_E_NOMEM;
		ML_ASSERT(rc != 0 || total == s->sum.v[ML_B_SPENT]);
		if (rc == 0 && !ml_json_add_int(spent, "amount", total))
			rc = ML_E_NOMEM;
	}
	if (rc == 0) {
		cJSON_AddItemToObject(s->doc, "carried", carried);
		carried = NULL;
		rc = ml_stmt_deadlines(s, rd);
	}
	if (rc == 0)
		rc = ml_stmt_reports(s);
	cJSON_Delete(carried);
	return rc;
}

int ml_answer_statement(struct ml_ledger *lg, struct ml_read *rd,
                        const struct ml_query *q, cJSON **out,
                        struct ml_errinfo *err)
{
	struct ml_ans a;
	struct ml_stmt s;
	memset(&s, 0, sizeof s);
	s.a = &a;
	*out = NULL;
	int rc = ml_ans_begin(lg, ml_read_txn(rd), q, &a, err);
	if (rc == 0)
		rc = ml_stmt_select(&s);
	if (rc == 0)
		rc = ml_stmt_members(&s);
	if (rc == 0)
		rc = ml_stmt_build(&s, rd);
	free(s.grants);
	free(s.members);
	free(s.in);
	ml_ans_tree_done(&a, &s.t, s.tree_kept);
	if (rc != 0) {
		cJSON_Delete(s.doc);
		if (err->code == 0)
			ml_fail(err, rc, -1, NULL, "statement: %s",
			        ml_strerror(rc));
		return rc;
	}
	*out = s.doc;
	return 0;
}

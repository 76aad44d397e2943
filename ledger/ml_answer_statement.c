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
 * party tree with every party's id, the grant list, and per grant the
 * entity's consolidated sum and the edges are kept ones (ml_summary.h:
 * struct ml_tree_kept, struct ml_grants_kept, the summary's legal
 * entities' sums and ML_SUM_EDGES), except the payer's own entity's sum,
 * which the summary leaves out. The document is written as JSON text
 * into one buffer and handed out as one raw cJSON item (a cJSON item per
 * member, printed and freed, was a sixth of an answer). What is read per
 * answer: the head, the grants' rows, the member accounts' activities,
 * the reports and the deadlines' grants (docs/performance.md, h-stm).
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

/* What the statement reads once of each of its grants. */
struct ml_stmt_grant {
	struct ml_grant_row eff; /* its effective row, when known */
	bool known;              /* the view knows the grant */
	bool kept_asked;         /* kept below is what ml_stmt_kept gives */
	struct ml_summary *kept; /* its kept summary, held to the end */
};

struct ml_stmt {
	struct ml_ans *a;
	struct ml_tree t;
	struct ml_tree_kept *tree_kept; /* t's arrays when kept (or NULL) */
	struct ml_named party, grant;
	struct ml_named *grants;   /* G and its posts, by id */
	struct ml_stmt_grant *per; /* [i]: of grants[i] */
	size_t grant_count;
	uint32_t *members; /* the subtree, by number */
	size_t member_count;
	struct ml_named *member_ids; /* the members' ids, sorted */
	bool is_payer;
	struct ml_totals sum; /* consolidated, over the grants */
	/* the document as JSON text (one raw item when done: a cJSON item
	 * per member, its print and its free were a sixth of a statement's
	 * instructions); "carried" apart, as it is summed before it is
	 * written (ML_ANSWER_ROW_BYTES_MAX each) */
	struct ml_buf out, carried;
};

/* An amount that crossed the entity's border, and the party outside. */
struct ml_flow {
	uint32_t party;
	int64_t amount_ore;
};
enum { ML_ST_RECEIVED, ML_ST_RETURNED, ML_ST_PASSED, ML_ST_REPAID, ML_ST_N };
static const char *const ml_st_names[ML_ST_N] = {"received", "returned",
                                                 "passed_on", "repaid"};

/* The four flows as lists of (party, amount), one entry per crossing
 * edge until ml_flows_merge sums them per party. A list is compacted
 * when it reaches ML_FLOW_ITEMS_MAX, after which it holds each party
 * once (≤ ML_PARTIES_MAX): it never refuses. These replace four arrays
 * of an amount per party of the ledger, zeroed per answer (13 % of a
 * statement's instructions in medeld; a statement lists a few). */
#define ML_FLOW_ITEMS_MAX (2 * (size_t)ML_PARTIES_MAX)
struct ml_flows {
	struct ml_flow *v[ML_ST_N];
	size_t n[ML_ST_N], cap[ML_ST_N];
};

/* Party no's id: the kept tree's (ml_tree_kept.id) when there is one,
 * else read. */
static int ml_stmt_named(const struct ml_stmt *s, uint32_t no,
                         struct ml_named *out)
{
	const struct ml_tree_kept *k = s->tree_kept;
	if (k == NULL || k->id == NULL || no == 0 || no > k->count)
		return ml_ans_named(s->a, ML_NAME_PARTY, no, out);
	out->no = no;
	out->id = k->id[no];
	return 0;
}

/* Is party p (≤ t.count) in the entity's subtree? Its legal entity is
 * the statement's (ml_tree: root[le] = le). */
static bool ml_stmt_in(const struct ml_stmt *s, uint32_t p)
{
	ML_ASSERT(p <= s->t.count);
	return s->t.root[p] == s->party.no;
}

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
	/* their ids are the query's: a lookup matches the id's bytes */
	s->party.id = ml_str_c(a->q->party);
	s->grant.id = ml_str_c(a->q->grant);
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
	if (rc == 0) {
		s->per = calloc(s->grant_count + 1, sizeof *s->per);
		rc = s->per != NULL ? 0 : ml_ans_nomem(a);
	}
	for (size_t i = 0; rc == 0 && i < s->grant_count; i++)
		rc = ml_ans_grant(a, s->grants[i].no, &s->per[i].eff,
		                  &s->per[i].known);
	return rc;
}

/* The entity's members (a legal entity, ml_stmt_select: those whose
 * root it is, linked in ascending number from first[]). */
static int ml_stmt_members(struct ml_stmt *s)
{
	uint32_t le = s->party.no;
	ML_ASSERT(le <= s->t.count && s->t.parent[le] == 0);
	size_t n = 0;
	for (uint32_t p = s->t.first[le]; p != 0 && n < s->t.count;
	     p = s->t.next[p])
		n++;
	ML_ASSERT(n >= 1); /* the entity itself */
	s->members = calloc(n, sizeof *s->members);
	if (s->members == NULL)
		return ml_ans_nomem(s->a);
	for (uint32_t p = s->t.first[le]; p != 0 && s->member_count < n;
	     p = s->t.next[p]) {
		ML_ASSERT(p <= s->t.count && s->t.root[p] == le);
		s->members[s->member_count++] = p;
	}
	return 0;
}

static int ml_entity_sum_cmp(const void *x, const void *y)
{
	const struct ml_entity_sum *a = x, *b = y;
	return ml_str_cmp(a->entity_id, b->entity_id);
}

/* The kept summary of grants[i] for this view (medeld, no known_at, a
 * grant the view knows), or *out NULL (the CLI, a known view); asked
 * once, held until the answer ends (ml_stmt_release). */
static int ml_stmt_kept(struct ml_stmt *s, size_t i, struct ml_summary **out)
{
	struct ml_ans *a = s->a;
	struct ml_stmt_grant *g = &s->per[i];
	int rc = 0;
	if (!g->kept_asked && g->known && !a->v.known &&
	    ml_ledger_summaries(a->lg) != NULL)
		rc = ml_ans_summary(a, &s->t, s->grants[i].no, g->eff.payer_no,
		                    ML_SUM_ENTITIES | ML_SUM_EDGES, &g->kept);
	g->kept_asked = true;
	*out = g->kept;
	return rc;
}

static void ml_stmt_release(struct ml_stmt *s)
{
	for (size_t i = 0; s->per != NULL && i < s->grant_count; i++)
		if (s->per[i].kept != NULL)
			ml_ans_summary_done(s->a, s->per[i].kept);
	free(s->per);
}

/* Grant g's consolidated sum from its kept summary: the entity's row of
 * the legal entities' sums (the same sum of its members' accounts less
 * the edges between them, read once per summary). *done is false when
 * there is none to use, or the entity is the payer's (the summary leaves
 * its sum out). */
static int ml_stmt_kept_sum(struct ml_stmt *s, size_t i, struct ml_totals *t,
                            bool *exists, bool *done)
{
	struct ml_summary *sum = NULL;
	*done = false;
	int rc = ml_stmt_kept(s, i, &sum);
	if (rc != 0 || sum == NULL)
		return rc;
	bool payers = sum->payer_no <= s->t.count &&
	              s->t.root[sum->payer_no] == s->party.no;
	struct ml_entity_sum key = {.entity_id = s->party.id};
	const struct ml_entity_sum *e =
	    payers || sum->sum_count == 0
	        ? NULL
	        : bsearch(&key, sum->sums, sum->sum_count, sizeof *sum->sums,
	                  ml_entity_sum_cmp);
	ML_ASSERT(e == NULL || e->entity_no == s->party.no);
	if (!payers) {
		*exists = e != NULL;
		if (e != NULL)
			*t = e->sum;
		else
			memset(t, 0, sizeof *t);
	}
	*done = !payers;
	return 0;
}

/* grants[i]'s consolidated sum over the members: kept, or read. */
static int ml_stmt_consol(struct ml_stmt *s, size_t i, struct ml_totals *t,
                          bool *exists)
{
	bool done = false;
	uint32_t g = s->grants[i].no;
	int rc = ml_stmt_kept_sum(s, i, t, exists, &done);
	if (rc != 0 || done)
		return rc;
	bool *in = calloc((size_t)s->t.count + 1, sizeof *in);
	if (in == NULL)
		return ml_ans_nomem(s->a);
	for (size_t m = 0; m < s->member_count; m++)
		in[s->members[m]] = true;
	rc = ml_consol_members(s->a, g, s->members, s->member_count, in,
	                       s->t.count, t, exists);
	free(in);
	return rc;
}

/* {"grant","carried_in","carried_out"} of grant g to the carried list. */
static int ml_stmt_carried(struct ml_stmt *s, struct ml_str grant,
                           const struct ml_totals *t)
{
	struct ml_buf *b = &s->carried;
	int rc = b->len > 0 ? ml_buf_add_char(b, ',') : 0;
	if (rc == 0)
		rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "grant", grant);
	if (rc == 0)
		rc = ml_ans_text_int(b, false, "carried_in",
		                     t->v[ML_B_CARRIED_IN]);
	if (rc == 0)
		rc = ml_ans_text_int(b, false, "carried_out",
		                     t->v[ML_B_CARRIED_OUT]);
	return rc == 0 ? ml_buf_add_char(b, '}') : rc;
}

/* The consolidated summary over every grant; the carried list. */
static int ml_stmt_sum(struct ml_stmt *s)
{
	for (size_t i = 0; i < s->grant_count; i++) {
		struct ml_totals t;
		bool exists = false;
		int rc = ml_stmt_consol(s, i, &t, &exists);
		if (rc != 0)
			return rc;
		if (!exists)
			continue;
		if (!ml_totals_add(&s->sum, &t))
			return ML_E_AMOUNT_RANGE;
		if (t.v[ML_B_CARRIED_IN] == 0 && t.v[ML_B_CARRIED_OUT] == 0)
			continue;
		rc = ml_stmt_carried(s, s->grants[i].id, &t);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Appends (party, amount) to flow list k, compacting it when full. */
static int ml_flow_push(struct ml_ans *a, struct ml_flows *f, int k,
                        uint32_t party, int64_t amount_ore);

/* Adds edge (from → to)'s payouts and repayments across the subtree's
 * border to the flows. */
static int ml_stmt_edge(const struct ml_stmt *s, uint32_t from, uint32_t to,
                        int64_t paid_out_ore, int64_t repaid_ore,
                        struct ml_flows *f)
{
	bool in_from = ml_stmt_in(s, from), in_to = ml_stmt_in(s, to);
	if (in_from == in_to)
		return 0; /* inside (cancelled) or elsewhere */
	int rc;
	if (in_to) {
		rc = ml_flow_push(s->a, f, ML_ST_RECEIVED, from, paid_out_ore);
		if (rc == 0)
			rc = ml_flow_push(s->a, f, ML_ST_RETURNED, from,
			                  repaid_ore);
	} else {
		rc = ml_flow_push(s->a, f, ML_ST_PASSED, to, paid_out_ore);
		if (rc == 0)
			rc =
			    ml_flow_push(s->a, f, ML_ST_REPAID, to, repaid_ore);
	}
	return rc;
}

/* The flows of grants[i] from its kept summary's edges (medeld, a view
 * without known_at): the walk below, read once per summary. *done is
 * false when there is no kept summary to use (the CLI, a known view, a
 * grant the view does not know). Most edges do not cross the border
 * (the payer's to every party it pays): tested here, inline. */
static int ml_stmt_kept_edges(struct ml_stmt *s, size_t i, struct ml_flows *f,
                              bool *done)
{
	struct ml_summary *sum = NULL;
	*done = false;
	int rc = ml_stmt_kept(s, i, &sum);
	if (rc != 0 || sum == NULL)
		return rc;
	const uint32_t *root = s->t.root, le = s->party.no, count = s->t.count;
	for (size_t k = 0; rc == 0 && k < sum->edge_count; k++) {
		const struct ml_sum_edge *e = &sum->edges[k];
		if (e->from_no > count || e->to_no > count)
			return ML_E_CORRUPT;
		if ((root[e->from_no] == le) != (root[e->to_no] == le))
			rc = ml_stmt_edge(s, e->from_no, e->to_no,
			                  e->paid_out_ore, e->repaid_ore, f);
	}
	*done = rc == 0;
	return rc;
}

static int ml_stmt_walk_edges(struct ml_stmt *s, size_t i, struct ml_flows *f)
{
	bool done = false;
	uint32_t g = s->grants[i].no;
	int rc = ml_stmt_kept_edges(s, i, f, &done);
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
		if (ml_stmt_in(s, from) != ml_stmt_in(s, to)) {
			struct ml_totals e;
			bool exists = false;
			rc = ml_state_edge_at(a->st, a->txn, cur, &a->v, g,
			                      from, to, &e, &exists);
			if (rc == 0 && exists)
				rc = ml_stmt_edge(s, from, to,
				                  e.v[ML_B_PAID_OUT],
				                  e.v[ML_B_REPAID], f);
		}
		if (rc == 0)
			rc = ml_state_next_edge_at(cur, g, &from, &to);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

static int ml_flow_cmp(const void *x, const void *y)
{
	const struct ml_flow *a = x, *b = y;
	return (a->party > b->party) - (a->party < b->party);
}

/* Sums list k per party (by number), dropping the parties whose sum is
 * 0: what the list shows. */
static void ml_flows_merge(struct ml_flows *f, int k)
{
	struct ml_flow *v = f->v[k];
	size_t n = f->n[k], kept = 0;
	if (n > 1)
		qsort(v, n, sizeof *v, ml_flow_cmp);
	for (size_t i = 0; i < n;) {
		struct ml_flow sum = v[i++];
		while (i < n && v[i].party == sum.party)
			sum.amount_ore += v[i++].amount_ore;
		if (sum.amount_ore != 0)
			v[kept++] = sum;
	}
	f->n[k] = kept;
}

static int ml_flow_push(struct ml_ans *a, struct ml_flows *f, int k,
                        uint32_t party, int64_t amount_ore)
{
	if (amount_ore == 0)
		return 0; /* adds nothing to the party's sum */
	if (f->n[k] == ML_FLOW_ITEMS_MAX)
		ml_flows_merge(f, k); /* each party once: ≤ ML_PARTIES_MAX */
	int rc = ml_ans_grow(a, (void **)&f->v[k], &f->cap[k], f->n[k] + 1,
	                     sizeof *f->v[k], ML_FLOW_ITEMS_MAX, "flows");
	if (rc == 0)
		f->v[k][f->n[k]++] = (struct ml_flow){party, amount_ore};
	return rc;
}

/* ,"key":{"amount":total,"list":[{"party","amount"}…]} by party id;
 * v: the list merged (each party once, none 0). */
static int ml_stmt_flow_write(struct ml_stmt *s, const char *key,
                              const char *list, const struct ml_flow *v,
                              size_t n, int64_t total_ore)
{
	struct ml_named *named = calloc(n > 0 ? n : 1, sizeof *named);
	int rc = named ? 0 : ML_E_NOMEM;
	int64_t sum = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = ml_stmt_named(s, v[i].party, &named[i]);
		/* the amount rides in no, its index once sorted */
		named[i].no = (uint32_t)i;
		sum += v[i].amount_ore;
	}
	if (rc == 0 && n > 1)
		qsort(named, n, sizeof *named, ml_named_cmp);
	/* what crossed the border is the consolidated figure (the payer's
	 * received also holds the grant's total) */
	ML_ASSERT(rc != 0 || sum == total_ore || s->is_payer);
	struct ml_buf *b = &s->out;
	if (rc == 0)
		rc = ml_ans_text_key(b, false, key);
	if (rc == 0)
		rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_int(b, true, "amount", total_ore);
	if (rc == 0)
		rc = ml_ans_text_key(b, false, list);
	if (rc == 0)
		rc = ml_buf_add_char(b, '[');
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = i > 0 ? ml_buf_add_char(b, ',') : 0;
		if (rc == 0)
			rc = ml_buf_add_char(b, '{');
		if (rc == 0)
			rc = ml_ans_text_str(b, true, "party", named[i].id);
		if (rc == 0)
			rc = ml_ans_text_int(b, false, "amount",
			                     v[named[i].no].amount_ore);
		if (rc == 0)
			rc = ml_buf_add_char(b, '}');
	}
	free(named);
	return rc == 0 ? ml_buf_add(b, "]}", 2) : rc;
}

static int ml_stmt_flows(struct ml_stmt *s)
{
	static const char *const lists[ML_ST_N] = {"from", "from", "to", "to"};
	static const enum ml_bucket bucket[ML_ST_N] = {
	    ML_B_RECEIVED, ML_B_RETURNED, ML_B_PAID_OUT, ML_B_REPAID};
	struct ml_flows f;
	memset(&f, 0, sizeof f);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < s->grant_count; i++)
		rc = ml_stmt_walk_edges(s, i, &f);
	for (int k = 0; rc == 0 && k < ML_ST_N; k++) {
		ml_flows_merge(&f, k);
		rc = ml_stmt_flow_write(s, ml_st_names[k], lists[k], f.v[k],
		                        f.n[k], s->sum.v[bucket[k]]);
	}
	for (int k = 0; k < ML_ST_N; k++)
		free(f.v[k]);
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
	struct ml_buf *b = &s->out;
	int rc = ml_ans_text_key(b, false, "summary");
	if (rc == 0)
		rc = ml_buf_add_char(b, '{');
	for (size_t i = 0; rc == 0 && i < sizeof order / sizeof order[0]; i++) {
		rc = ml_ans_text_int(b, i == 0, ml_bucket_names[order[i]],
		                     t->v[order[i]]);
		if (rc == 0 && order[i] == ML_B_PENDING_OUT)
			rc = ml_ans_text_int(b, false, "unallocated",
			                     ml_totals_unallocated(t));
	}
	if (rc == 0)
		rc = ml_ans_text_int(b, false, "held", ml_totals_held(t));
	return rc == 0 ? ml_buf_add_char(b, '}') : rc;
}

/* Is party (an item's) one of the members? (ml_ans_deadlines_text) */
static bool ml_stmt_member_id(struct ml_str party, void *arg)
{
	const struct ml_stmt *s = arg;
	struct ml_named key = {.id = party};
	return bsearch(&key, s->member_ids, s->member_count,
	               sizeof *s->member_ids, ml_named_cmp) != NULL;
}

/* "deadlines": the deadlines answer's items of the members in the
 * grants, in its order (due date, kind, grant, party). Only the
 * statement's grants are asked for: the whole answer over every grant
 * was most of a statement's time. */
static int ml_stmt_deadlines(struct ml_stmt *s)
{
	struct ml_buf *b = &s->out;
	int rc = ml_ans_text_key(b, false, "deadlines");
	if (rc == 0)
		rc = ml_buf_add_char(b, '[');
	if (rc == 0)
		rc = ml_ans_deadlines_text(s->a, &s->t, s->grants,
		                           s->grant_count, ml_stmt_member_id, s,
		                           b);
	return rc == 0 ? ml_buf_add_char(b, ']') : rc;
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
static int ml_stmt_report(struct ml_stmt *s, bool first, uint64_t seq)
{
	struct ml_event ev;
	char when[ML_TIME_TEXT_MAX];
	int rc = ml_log_get(s->a->st, s->a->txn, seq, &ev);
	if (rc == 0 && ev.type != ML_TYPE_REPORT)
		rc = ML_E_CORRUPT;
	if (rc != 0)
		return rc;
	struct ml_buf *b = &s->out;
	rc = first ? 0 : ml_buf_add_char(b, ',');
	if (rc == 0)
		rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_int(b, true, "seq", (int64_t)seq);
	if (rc == 0)
		rc = ml_ans_text_date(b, false, "date", ev.date);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "grant", ev.grant);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "party", ev.party);
	if (rc == 0 && (ev.present & ML_BIT(ML_F_SPENT)))
		rc = ml_ans_text_int(b, false, "spent", ev.spent_ore);
	if (rc == 0)
		rc =
		    ml_ans_text_str(b, false, "recorded_at",
		                    ml_str_c(ml_time_format(
		                        ev.recorded_at_us, when, sizeof when)));
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "recorded_by", ev.recorded_by);
	return rc == 0 ? ml_buf_add_char(b, '}') : rc;
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
	if (rc == 0)
		rc = ml_ans_text_key(&s->out, false, "reports");
	if (rc == 0)
		rc = ml_buf_add_char(&s->out, '[');
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = ml_stmt_report(s, i == 0, l.v[i]);
	free(l.v);
	return rc == 0 ? ml_buf_add_char(&s->out, ']') : rc;
}

/* The chain position the statement was computed at: the log's head, or
 * in a known-at view the last event recorded by then (what an auditor
 * checks a statement filed at that time against). */
static int ml_stmt_head_known(struct ml_ans *a, struct ml_read *rd,
                              struct ml_log_head *head)
{
	int rc = ml_ans_head(a, head); /* the summaries' read of it */
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

/* {"party","grant","as_of",("known_at"),"head":{"seq","hash"} */
static int ml_stmt_head(struct ml_stmt *s, struct ml_read *rd)
{
	struct ml_ans *a = s->a;
	struct ml_log_head head;
	char hex[65], when[ML_TIME_TEXT_MAX];
	int rc = ml_stmt_head_known(a, rd, &head);
	if (rc != 0)
		return rc;
	ml_hex32(head.hash, hex);
	struct ml_buf *b = &s->out;
	rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "party", s->party.id);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "grant", s->grant.id);
	if (rc == 0)
		rc = ml_ans_text_date(b, false, "as_of", a->v.as_of);
	if (rc == 0 && a->q->has_known_at)
		rc =
		    ml_ans_text_str(b, false, "known_at",
		                    ml_str_c(ml_time_format(
		                        a->q->known_at_us, when, sizeof when)));
	if (rc == 0)
		rc = ml_ans_text_key(b, false, "head");
	if (rc == 0)
		rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_int(b, true, "seq", (int64_t)head.seq);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "hash", ml_str_c(hex));
	return rc == 0 ? ml_buf_add_char(b, '}') : rc;
}

/* {"grant","use_by"?,"report_by"?,"repay_by"?} of grants[i], and
 * whether the entity is its payer. */
static int ml_stmt_grant(struct ml_stmt *s, size_t i)
{
	const struct ml_grant_row eff = s->per[i].eff;
	bool known = s->per[i].known;
	if (known && eff.payer_no <= s->t.count && ml_stmt_in(s, eff.payer_no))
		s->is_payer = true;
	struct ml_buf *b = &s->out;
	int rc = i > 0 ? ml_buf_add_char(b, ',') : 0;
	if (rc == 0)
		rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "grant", s->grants[i].id);
	const ml_day dates[] = {eff.use_by, eff.report_by, eff.repay_by};
	const char *names[] = {"use_by", "report_by", "repay_by"};
	for (int k = 0; rc == 0 && known && k < 3; k++)
		if (dates[k] != ML_DAY_NONE)
			rc = ml_ans_text_date(b, false, names[k], dates[k]);
	return rc == 0 ? ml_buf_add_char(b, '}') : rc;
}

/* "grants": G and its posts with their (inherited) dates; "members",
 * whose ids stay sorted in member_ids (the deadlines' filter). */
static int ml_stmt_scope(struct ml_stmt *s)
{
	struct ml_buf *b = &s->out;
	int rc = ml_buf_add_str(b, ",\"grants\":[");
	for (size_t i = 0; rc == 0 && i < s->grant_count; i++)
		rc = ml_stmt_grant(s, i);
	if (rc == 0)
		rc = ml_buf_add_str(b, "],\"members\":[");
	if (rc != 0)
		return rc;
	struct ml_named *v = calloc(s->member_count, sizeof *v);
	rc = v ? 0 : ML_E_NOMEM;
	for (size_t i = 0; rc == 0 && i < s->member_count; i++)
		rc = ml_stmt_named(s, s->members[i], &v[i]);
	if (rc == 0 && s->member_count > 1)
		qsort(v, s->member_count, sizeof *v, ml_named_cmp);
	for (size_t i = 0; rc == 0 && i < s->member_count; i++) {
		rc = i > 0 ? ml_buf_add_char(b, ',') : 0;
		if (rc == 0)
			rc = ml_buf_add_char(b, '{');
		if (rc == 0)
			rc = ml_ans_text_str(b, true, "party", v[i].id);
		if (rc == 0)
			rc = ml_buf_add_char(b, '}');
	}
	s->member_ids = v;
	return rc == 0 ? ml_buf_add_char(b, ']') : rc;
}

/* ,"spent":{"activities":[…],"amount":total}. The activities' text is
 * the trace's (ml_activities_add, which adds it to an object as one raw
 * item): taken from there, so both answers write them alike. */
static int ml_stmt_spent(struct ml_stmt *s)
{
	cJSON *tmp = cJSON_CreateObject();
	int64_t total = 0;
	int rc =
	    tmp ? ml_activities_add(s->a, s->grants, s->grant_count, s->members,
	                            s->member_count, tmp, &total)
	        : ML_E_NOMEM;
	ML_ASSERT(rc != 0 || total == s->sum.v[ML_B_SPENT]);
	const cJSON *acts =
	    rc == 0 ? cJSON_GetObjectItem(tmp, "activities") : NULL;
	if (rc == 0 && !cJSON_IsRaw(acts))
		rc = ML_E_NOMEM;
	if (rc == 0)
		rc = ml_buf_add_str(&s->out, ",\"spent\":{\"activities\":");
	if (rc == 0)
		rc = ml_buf_add_str(&s->out, acts->valuestring);
	if (rc == 0)
		rc = ml_ans_text_int(&s->out, false, "amount", total);
	if (rc == 0)
		rc = ml_buf_add_char(&s->out, '}');
	cJSON_Delete(tmp);
	return rc;
}

/* ,"carried":[…] (summed with the summary, written here: the order) */
static int ml_stmt_carried_write(struct ml_stmt *s)
{
	int rc = ml_buf_add_str(&s->out, ",\"carried\":[");
	if (rc == 0 && s->carried.len > 0)
		rc = ml_buf_add(&s->out, s->carried.data, s->carried.len);
	return rc == 0 ? ml_buf_add_char(&s->out, ']') : rc;
}

/* The sections in their order. */
static int ml_stmt_build(struct ml_stmt *s, struct ml_read *rd)
{
	int rc = ml_stmt_head(s, rd);
	if (rc == 0)
		rc = ml_stmt_scope(s);
	if (rc == 0)
		rc = ml_stmt_sum(s); /* summed first, carried written later */
	if (rc == 0)
		rc = ml_stmt_summary(s);
	if (rc == 0)
		rc = ml_stmt_flows(s);
	if (rc == 0)
		rc = ml_stmt_spent(s);
	if (rc == 0)
		rc = ml_stmt_carried_write(s);
	if (rc == 0)
		rc = ml_stmt_deadlines(s);
	if (rc == 0)
		rc = ml_stmt_reports(s);
	if (rc == 0)
		rc = ml_buf_add_char(&s->out, '}');
	return rc;
}

/* The document: one raw item holding its text (printed as it is).
 * rc: what building it returned (a text too long for its buffer is
 * refused as a row would be, 413). */
static int ml_stmt_doc(struct ml_stmt *s, int rc, cJSON **out)
{
	if (rc == 0 || (rc == ML_E_TOO_LARGE && s->a->err->code == 0))
		rc = ml_ans_row_check(s->a, s->out.len, rc);
	cJSON *doc = rc == 0 ? cJSON_CreateRaw(s->out.data) : NULL;
	if (rc == 0 && doc == NULL)
		rc = ml_ans_nomem(s->a);
	*out = doc;
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
	ml_buf_init(&s.out, ML_ANSWER_ROW_BYTES_MAX);
	ml_buf_init(&s.carried, ML_ANSWER_ROW_BYTES_MAX);
	*out = NULL;
	int rc = ml_ans_begin(lg, ml_read_txn(rd), q, &a, err);
	if (rc == 0)
		rc = ml_stmt_select(&s);
	if (rc == 0)
		rc = ml_stmt_members(&s);
	if (rc == 0) {
		rc = ml_stmt_build(&s, rd);
		rc = ml_stmt_doc(&s, rc, out);
	}
	ml_stmt_release(&s);
	free(s.grants);
	free(s.members);
	free(s.member_ids);
	ml_buf_free(&s.out);
	ml_buf_free(&s.carried);
	ml_ans_tree_done(&a, &s.t, s.tree_kept);
	if (rc != 0) {
		if (err->code == 0)
			ml_fail(err, rc, -1, NULL, "statement: %s",
			        ml_strerror(rc));
		return rc;
	}
	return 0;
}

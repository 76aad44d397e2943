/*
 * ml_answer_balances.c — GET /v1/balances: the accounts as of a date.
 *
 * One row per existing (grant, party) account in the view, sorted by
 * grant id then party id (rules.md "Answers"), each with the twelve buckets
 * and the two derived values in API.md's key order. Filters:
 *
 *   grant   that grant only; with posts, every grant below it too;
 *   party   that party only: one seek per grant (ml_state_account), so a
 *           ledger of a million events answers for one party in
 *           (grants) seeks, with no replay;
 *   rollup  with party: one row per grant consolidating the party and
 *           every descendant in the party tree the view sees
 *           (ml_answer_consol.c: money moved between two members adds
 *           nothing); the row is labelled with the named party. It
 *           exists when any member's account exists.
 *
 * "totals" after the rows sums every amount over the rows written.
 *
 * Without a party filter each grant's accounts are walked with
 * ml_state_next_account, one seek per account. A known_at view makes each
 * account read a scan of its entries up to as_of (ml_state.h): that replay
 * is only paid when known_at is asked for.
 *
 * posts without grant and rollup without party are refused as bad_query:
 * they would silently mean nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_json.h"
#include "ml_money.h"

/* The longest amount key is 13 bytes ("allocated_out", "carried_out",
 * "unallocated"); ml_bal_put asserts this bound. */
#define ML_BAL_KEY_BYTES_MAX 16
/* A row's amounts: fourteen `,"key":` and an integer of at most
 * ML_INT_TEXT_MAX bytes, written into room reserved once. */
#define ML_BAL_AMOUNTS 14
#define ML_BAL_AMOUNTS_BYTES_MAX                                               \
	(ML_BAL_AMOUNTS * (ML_BAL_KEY_BYTES_MAX + 4 + ML_INT_TEXT_MAX))

/* `"key":v` at o, after a comma unless first; returns the end. Keys are
 * bucket names and two fixed words: nothing in them to escape. */
static char *ml_bal_put(char *o, bool first, const char *key, int64_t v)
{
	size_t n = strlen(key);
	ML_ASSERT(n <= ML_BAL_KEY_BYTES_MAX && strpbrk(key, "\"\\") == NULL);
	if (!first)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	return ml_put_i64(o, v);
}

/* Appends the fourteen amounts of t as "key":integer members, in API.md's
 * key order (unallocated right after pending_out, held last); a comma
 * before the first unless first. One reservation of the buffer for all
 * fourteen, instead of five appends per member (each checking the room
 * and writing a NUL): those were ~6 % of a built balances answer's CPU
 * (docs/performance.md, 2026-12-03 h-req). */
static int ml_bal_amounts(struct ml_buf *b, bool first,
                          const struct ml_totals *t)
{
	static const enum ml_bucket order[] = {
	    ML_B_ALLOCATED,   ML_B_ALLOCATED_OUT, ML_B_PENDING,
	    ML_B_PENDING_OUT, ML_B_CLAIMED,       ML_B_RECEIVED,
	    ML_B_PAID_OUT,    ML_B_SPENT,         ML_B_REPAID,
	    ML_B_RETURNED,    ML_B_CARRIED_IN,    ML_B_CARRIED_OUT,
	};
	static_assert(sizeof order / sizeof order[0] + 2 == ML_BAL_AMOUNTS,
	              "the buckets, unallocated and held");
	char *start = NULL;
	int rc = ml_buf_room(b, ML_BAL_AMOUNTS_BYTES_MAX, &start);
	if (rc != 0)
		return rc;
	char *o = start;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		o = ml_bal_put(o, first && i == 0, ml_bucket_names[order[i]],
		               t->v[order[i]]);
		if (order[i] == ML_B_PENDING_OUT)
			o = ml_bal_put(o, false, "unallocated",
			               ml_totals_unallocated(t));
	}
	o = ml_bal_put(o, false, "held", ml_totals_held(t));
	ML_ASSERT((size_t)(o - start) <= ML_BAL_AMOUNTS_BYTES_MAX);
	ml_buf_commit(b, (size_t)(o - start));
	return 0;
}

/* Adds {"grant","party",…14 amounts} to rows, and t to the totals. A row
 * is written as text in *b (one buffer for all rows of an answer, so its
 * memory is allocated once, not grown per row) and added as one raw
 * item: the bytes are the same as fourteen cJSON members would print, at
 * a fraction of the allocations (a balances answer is medeld's most
 * frequent read). Readers of the tree see rows as raw JSON; medel and the
 * tests read the printed document. */
static int ml_bal_row(struct ml_ans *a, struct ml_buf *b, cJSON *rows,
                      struct ml_str grant, struct ml_str party,
                      const struct ml_totals *t, struct ml_totals *totals)
{
	if (!ml_totals_add(totals, t))
		return ml_fail(a->err, ML_E_AMOUNT_RANGE, -1, NULL,
		               "the balances' totals exceed 2^63 öre");
	ml_buf_reset(b);
	int rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "grant", grant);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "party", party);
	if (rc == 0)
		rc = ml_bal_amounts(b, false, t);
	if (rc == 0)
		rc = ml_buf_add_char(b, '}');
	return ml_ans_add_text(a, rows, NULL, b, rc);
}

/* "totals": the buckets summed over the rows (API.md). */
static int ml_bal_totals(struct ml_ans *a, cJSON *doc,
                         const struct ml_totals *totals)
{
	struct ml_buf b;
	ml_buf_init(&b, ML_ANSWER_ROW_BYTES_MAX);
	int rc = ml_buf_add_char(&b, '{');
	if (rc == 0)
		rc = ml_bal_amounts(&b, true, totals);
	if (rc == 0)
		rc = ml_buf_add_char(&b, '}');
	rc = ml_ans_add_text(a, doc, "totals", &b, rc);
	ml_buf_free(&b);
	return rc;
}

static int ml_bal_read(struct ml_ans *a, uint32_t g, uint32_t p,
                       struct ml_totals *t, bool *exists)
{
	int rc = ml_state_account(a->st, a->txn, &a->v, g, p, t, exists);
	if (rc != 0)
		return ml_fail(a->err, rc, -1, NULL, "reading an account: %s",
		               ml_strerror(rc));
	return 0;
}

/* Every existing account of grant g, sorted by party id. */
static int ml_bal_all(struct ml_ans *a, struct ml_buf *row,
                      const struct ml_named *g, cJSON *rows,
                      struct ml_totals *totals)
{
	struct ml_named *parties = NULL;
	size_t n = 0;
	int rc = ml_ans_grant_parties(a, g->no, &parties, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ml_totals t;
		bool exists = false;
		rc = ml_bal_read(a, g->no, parties[i].no, &t, &exists);
		if (rc == 0 && exists)
			rc = ml_bal_row(a, row, rows, g->id, parties[i].id, &t,
			                totals);
	}
	free(parties);
	return rc;
}

/* The named party and its descendants (in[] over party numbers ≤
 * count): malloc'ed, free both. */
static int ml_bal_members(struct ml_ans *a, uint32_t party, uint32_t **out,
                          size_t *n, bool **in, uint32_t *count)
{
	struct ml_tree t;
	*out = NULL;
	*in = NULL;
	*n = 0;
	int rc = ml_tree_load(a, &t);
	if (rc != 0)
		return rc;
	uint32_t *m = calloc((size_t)t.count + 1, sizeof *m);
	bool *member = calloc((size_t)t.count + 1, sizeof *member);
	for (uint32_t p = 1; m != NULL && member && p <= t.count; p++) {
		ML_ASSERT(*n < p); /* one entry per party at most */
		member[p] = ml_tree_under(&t, p, party);
		if (member[p])
			m[(*n)++] = p;
	}
	*count = t.count;
	ml_tree_free(&t);
	if (m == NULL || member == NULL) {
		free(m);
		free(member);
		return ml_ans_nomem(a);
	}
	*out = m;
	*in = member;
	return 0;
}

static int ml_bal_check(struct ml_ans *a)
{
	if (a->q->posts && a->q->grant == NULL)
		return ml_fail(a->err, ML_E_BAD_QUERY, -1, "posts",
		               "posts: needs grant");
	if (a->q->rollup && a->q->party == NULL)
		return ml_fail(a->err, ML_E_BAD_QUERY, -1, "rollup",
		               "rollup: needs party");
	return 0;
}

/* {"as_of","known_at","head_seq","rows":[]}; *rows = the array. */
static int ml_bal_doc(struct ml_ans *a, cJSON **doc, cJSON **rows)
{
	struct ml_log_head head;
	int rc = ml_ans_head(a, &head); /* the summaries' read of it */
	if (rc != 0)
		return ml_fail(a->err, rc, -1, NULL, "reading the head: %s",
		               ml_strerror(rc));
	*doc = ml_ans_doc_as_of(a);
	bool ok = *doc != NULL && ml_ans_add_known(a, *doc, true);
	ok = ok && ml_json_add_int(*doc, "head_seq", (int64_t)head.seq);
	*rows = ok ? cJSON_AddArrayToObject(*doc, "rows") : NULL;
	return *rows != NULL ? 0 : ml_ans_nomem(a);
}

struct ml_bal_sel {
	struct ml_named *grants;
	size_t grant_count;
	struct ml_named party; /* no 0 = every party */
	uint32_t *members;     /* rollup: party and its descendants */
	size_t member_count;
	bool *in; /* rollup: [p] p is a member, p ≤ party_count */
	uint32_t party_count;
	struct ml_totals totals; /* Σ of the rows written */
	struct ml_buf row;       /* the row being written (ml_bal_row) */
};

static int ml_bal_select(struct ml_ans *a, struct ml_bal_sel *s)
{
	const struct ml_query *q = a->q;
	uint32_t top = 0;
	int rc = ml_bal_check(a);
	if (rc == 0 && q->grant != NULL)
		rc = ml_ans_find(a, ML_NAME_GRANT, q->grant, "grant", &top);
	if (rc == 0 && q->party != NULL)
		rc = ml_ans_find(a, ML_NAME_PARTY, q->party, "party",
		                 &s->party.no);
	if (rc == 0 && s->party.no != 0)
		rc = ml_ans_named(a, ML_NAME_PARTY, s->party.no, &s->party);
	if (rc == 0 && q->rollup)
		rc = ml_bal_members(a, s->party.no, &s->members,
		                    &s->member_count, &s->in, &s->party_count);
	if (rc == 0)
		rc = ml_ans_grant_list(a, top, q->posts, &s->grants,
		                       &s->grant_count);
	return rc;
}

static int ml_bal_grant(struct ml_ans *a, struct ml_bal_sel *s,
                        const struct ml_named *g, cJSON *rows)
{
	if (s->party.no == 0)
		return ml_bal_all(a, &s->row, g, rows, &s->totals);
	struct ml_totals t;
	bool exists = false;
	int rc;
	if (s->members != NULL)
		rc = ml_consol_members(a, g->no, s->members, s->member_count,
		                       s->in, s->party_count, &t, &exists);
	else
		rc = ml_bal_read(a, g->no, s->party.no, &t, &exists);
	if (rc == 0 && exists)
		rc = ml_bal_row(a, &s->row, rows, g->id, s->party.id, &t,
		                &s->totals);
	return rc;
}

int ml_answer_balances(struct ml_ledger *lg, struct ml_read *rd,
                       const struct ml_query *q, cJSON **out,
                       struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	struct ml_ans a;
	struct ml_bal_sel s;
	cJSON *doc = NULL, *rows = NULL;
	memset(&s, 0, sizeof s);
	ml_buf_init(&s.row, ML_ANSWER_ROW_BYTES_MAX);
	*out = NULL;
	int rc = ml_ans_begin(lg, txn, q, &a, err);
	if (rc == 0)
		rc = ml_bal_select(&a, &s);
	if (rc == 0)
		rc = ml_bal_doc(&a, &doc, &rows);
	for (size_t i = 0; rc == 0 && i < s.grant_count; i++)
		rc = ml_bal_grant(&a, &s, &s.grants[i], rows);
	if (rc == 0)
		rc = ml_bal_totals(&a, doc, &s.totals);
	free(s.grants);
	free(s.members);
	free(s.in);
	ml_buf_free(&s.row);
	if (rc != 0) {
		cJSON_Delete(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

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

/* The fourteen amounts' keys as written, `,"key":`, in API.md's key
 * order: the buckets with unallocated right after pending_out and held
 * last. Literals, so a row copies each key whole instead of measuring
 * and checking it per amount (that was a fifth of a built balances
 * answer); ml_bal_keys_match checks them against ml_bucket_names. */
struct ml_bal_key {
	const char *text;
	size_t len;
};
#define ML_BAL_KEY(name)                                                       \
	{                                                                      \
		",\"" name "\":", sizeof(",\"" name "\":") - 1                 \
	}
static const struct ml_bal_key ml_bal_keys[ML_BAL_AMOUNTS] = {
    ML_BAL_KEY("allocated"),   ML_BAL_KEY("allocated_out"),
    ML_BAL_KEY("pending"),     ML_BAL_KEY("pending_out"),
    ML_BAL_KEY("unallocated"), ML_BAL_KEY("claimed"),
    ML_BAL_KEY("received"),    ML_BAL_KEY("paid_out"),
    ML_BAL_KEY("spent"),       ML_BAL_KEY("repaid"),
    ML_BAL_KEY("returned"),    ML_BAL_KEY("carried_in"),
    ML_BAL_KEY("carried_out"), ML_BAL_KEY("held"),
};
/* The buckets of ml_bal_keys, by index (-1: a derived value). */
static const int ml_bal_bucket[ML_BAL_AMOUNTS] = {
    ML_B_ALLOCATED,
    ML_B_ALLOCATED_OUT,
    ML_B_PENDING,
    ML_B_PENDING_OUT,
    -1,
    ML_B_CLAIMED,
    ML_B_RECEIVED,
    ML_B_PAID_OUT,
    ML_B_SPENT,
    ML_B_REPAID,
    ML_B_RETURNED,
    ML_B_CARRIED_IN,
    ML_B_CARRIED_OUT,
    -1,
};

/* Is each key the name of its bucket (and of the two derived values)?
 * Asserted once per answer. */
static bool ml_bal_keys_match(void)
{
	for (int i = 0; i < ML_BAL_AMOUNTS; i++) {
		const struct ml_bal_key *k = &ml_bal_keys[i];
		int b = ml_bal_bucket[i];
		const char *name = b >= 0   ? ml_bucket_names[b]
		                   : i == 4 ? "unallocated"
		                            : "held";
		size_t n = strlen(name);
		if (k->len != n + 4 || k->len > ML_BAL_KEY_BYTES_MAX + 4 ||
		    memcmp(k->text + 2, name, n) != 0)
			return false;
	}
	return true;
}

/* Appends the fourteen amounts of t as "key":integer members, in API.md's
 * key order; a comma before the first unless first. One reservation of
 * the buffer for all fourteen, instead of five appends per member (each
 * checking the room and writing a NUL): those were ~6 % of a built
 * balances answer's CPU (docs/performance.md, 2026-12-03 h-req). */
static int ml_bal_amounts(struct ml_buf *b, bool first,
                          const struct ml_totals *t)
{
	char *start = NULL;
	int rc = ml_buf_room(b, ML_BAL_AMOUNTS_BYTES_MAX, &start);
	if (rc != 0)
		return rc;
	char *o = start;
	for (int i = 0; i < ML_BAL_AMOUNTS; i++) {
		const struct ml_bal_key *k = &ml_bal_keys[i];
		size_t skip = first && i == 0 ? 1 : 0; /* the comma */
		memcpy(o, k->text + skip, k->len - skip);
		o += k->len - skip;
		int bucket = ml_bal_bucket[i];
		o = ml_put_i64(o, bucket >= 0 ? t->v[bucket]
		                  : i == 4    ? ml_totals_unallocated(t)
		                              : ml_totals_held(t));
	}
	ML_ASSERT((size_t)(o - start) <= ML_BAL_AMOUNTS_BYTES_MAX);
	ml_buf_commit(b, (size_t)(o - start));
	return 0;
}

/* Appends {"grant","party",…14 amounts} to the rows' text *b (after a
 * comma unless it is the first), and t to the totals. The rows are one
 * text, added to the document as one raw array when all are written
 * (ml_bal_rows_add): the bytes fourteen cJSON members per row would
 * print, without an item per row, its print and its free (a balances
 * answer is medeld's most frequent read). Each row is held to the row
 * limit (413). Readers of the tree see the rows as raw JSON; medel and
 * the tests read the printed document. */
static int ml_bal_row(struct ml_ans *a, struct ml_buf *b, struct ml_str grant,
                      struct ml_str party, const struct ml_totals *t,
                      struct ml_totals *totals)
{
	if (!ml_totals_add(totals, t))
		return ml_fail(a->err, ML_E_AMOUNT_RANGE, -1, NULL,
		               "the balances' totals exceed 2^63 öre");
	int rc = b->len > 1 ? ml_buf_add_char(b, ',') : 0; /* after '[' */
	size_t start = b->len;
	if (rc == 0)
		rc = ml_buf_add_char(b, '{');
	if (rc == 0)
		rc = ml_ans_text_str(b, true, "grant", grant);
	if (rc == 0)
		rc = ml_ans_text_str(b, false, "party", party);
	if (rc == 0)
		rc = ml_bal_amounts(b, false, t);
	if (rc == 0)
		rc = ml_buf_add_char(b, '}');
	return ml_ans_row_check(a, b->len - start, rc);
}

/* "rows": the rows' text *b (from '[') closed and added to doc. */
static int ml_bal_rows_add(struct ml_ans *a, cJSON *doc, struct ml_buf *b)
{
	int rc = ml_buf_add_char(b, ']');
	if (rc == ML_E_TOO_LARGE)
		return ml_ans_row_check(a, b->len, rc);
	return rc == 0 ? ml_ans_add_raw(a, doc, "rows", b->data)
	               : ml_ans_nomem(a);
}

/* "totals": the buckets summed over the rows (API.md). */
static int ml_bal_totals(struct ml_ans *a, cJSON *doc,
                         const struct ml_totals *totals)
{
	ML_ASSERT(ml_bal_keys_match());
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
static int ml_bal_all(struct ml_ans *a, struct ml_buf *rows,
                      const struct ml_named *g, struct ml_totals *totals)
{
	struct ml_named *parties = NULL;
	size_t n = 0;
	int rc = ml_ans_grant_parties(a, g->no, &parties, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ml_totals t;
		bool exists = false;
		rc = ml_bal_read(a, g->no, parties[i].no, &t, &exists);
		if (rc == 0 && exists)
			rc = ml_bal_row(a, rows, g->id, parties[i].id, &t,
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

/* {"as_of","known_at","head_seq"}, "rows" to follow (ml_bal_rows_add). */
static int ml_bal_doc(struct ml_ans *a, cJSON **doc)
{
	struct ml_log_head head;
	int rc = ml_ans_head(a, &head); /* the summaries' read of it */
	if (rc != 0)
		return ml_fail(a->err, rc, -1, NULL, "reading the head: %s",
		               ml_strerror(rc));
	*doc = ml_ans_doc_as_of(a);
	bool ok = *doc != NULL && ml_ans_add_known(a, *doc, true);
	ok = ok && ml_json_add_int(*doc, "head_seq", (int64_t)head.seq);
	return ok ? 0 : ml_ans_nomem(a);
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
	struct ml_buf rows;      /* the rows' text, from '[' (ml_bal_row) */
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
	if (rc == 0 && s->party.no != 0) /* a lookup matches the bytes */
		s->party.id = ml_str_c(q->party);
	if (rc == 0 && q->rollup)
		rc = ml_bal_members(a, s->party.no, &s->members,
		                    &s->member_count, &s->in, &s->party_count);
	if (rc == 0)
		rc = ml_ans_grant_list(a, top, q->posts, &s->grants,
		                       &s->grant_count);
	return rc;
}

static int ml_bal_grant(struct ml_ans *a, struct ml_bal_sel *s,
                        const struct ml_named *g)
{
	if (s->party.no == 0)
		return ml_bal_all(a, &s->rows, g, &s->totals);
	struct ml_totals t;
	bool exists = false;
	int rc;
	if (s->members != NULL)
		rc = ml_consol_members(a, g->no, s->members, s->member_count,
		                       s->in, s->party_count, &t, &exists);
	else
		rc = ml_bal_read(a, g->no, s->party.no, &t, &exists);
	if (rc == 0 && exists)
		rc =
		    ml_bal_row(a, &s->rows, g->id, s->party.id, &t, &s->totals);
	return rc;
}

int ml_answer_balances(struct ml_ledger *lg, struct ml_read *rd,
                       const struct ml_query *q, cJSON **out,
                       struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	struct ml_ans a;
	struct ml_bal_sel s;
	cJSON *doc = NULL;
	memset(&s, 0, sizeof s);
	ml_buf_init(&s.rows, ML_ANSWER_ROW_BYTES_MAX);
	*out = NULL;
	int rc = ml_ans_begin(lg, txn, q, &a, err);
	if (rc == 0)
		rc = ml_bal_select(&a, &s);
	if (rc == 0)
		rc = ml_bal_doc(&a, &doc);
	if (rc == 0 && ml_buf_add_char(&s.rows, '[') != 0)
		rc = ml_ans_nomem(&a);
	for (size_t i = 0; rc == 0 && i < s.grant_count; i++)
		rc = ml_bal_grant(&a, &s, &s.grants[i]);
	if (rc == 0)
		rc = ml_bal_rows_add(&a, doc, &s.rows);
	if (rc == 0)
		rc = ml_bal_totals(&a, doc, &s.totals);
	free(s.grants);
	free(s.members);
	free(s.in);
	ml_buf_free(&s.rows);
	if (rc != 0) {
		cJSON_Delete(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

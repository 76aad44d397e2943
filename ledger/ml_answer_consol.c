/*
 * ml_answer_consol.c — consolidated sums: a subtree of parties as one.
 *
 * DOMAIN.md "Answers": a party summed with its descendants is
 * consolidated — money moving between two members of the subtree adds
 * nothing to its figures. Malmö stad received 9 995 307 kr once, from
 * Kammarkollegiet; that its committees then received parts of it from
 * Malmö is internal, and a plain sum would count it twice.
 *
 * The ledger keeps, beside each account, the edges (grant, from, to) with
 * ALLOCATED (net of declines), PAID_OUT and REPAID (ml_bucket.h). An edge
 * whose two ends are both members moved exactly its amounts from one
 * member's bucket to another's, so consolidating is
 *
 *     Σ accounts of the members − what the internal edges moved:
 *       allocated, allocated_out  − edge ALLOCATED
 *       received, paid_out        − edge PAID_OUT
 *       returned, repaid          − edge REPAID
 *       claimed                   − edge CLAIMED (the claim-edge rule
 *                                   puts claims on edges)
 *       pending, pending_out      − edge PENDING
 *
 * held is unchanged by it (each internal transfer adds to one side what
 * it takes from the other); unallocated grows by exactly the internal
 * pending_out taken away (a promise inside the subtree holds nothing
 * back from the whole), which ml_consol_members
 * asserts. Cost: one seek per member account and per edge leaving a
 * member, each O(log n) (a scan of that series in a known_at view): no
 * event is walked. Callers: balances with rollup, the statement;
 * repayments and deadlines consolidate every legal entity of a grant in
 * one pass of their own (ml_answer_repayments.c) with ml_consol_cancel.
 */
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_money.h"

void ml_consol_cancel(struct ml_totals *sum, const struct ml_totals *edge)
{
	int64_t *v = sum->v;
	const int64_t *e = edge->v;
	v[ML_B_ALLOCATED] -= e[ML_B_ALLOCATED];
	v[ML_B_ALLOCATED_OUT] -= e[ML_B_ALLOCATED];
	v[ML_B_CLAIMED] -= e[ML_B_CLAIMED];
	v[ML_B_RECEIVED] -= e[ML_B_PAID_OUT];
	v[ML_B_PAID_OUT] -= e[ML_B_PAID_OUT];
	v[ML_B_RETURNED] -= e[ML_B_REPAID];
	v[ML_B_REPAID] -= e[ML_B_REPAID];
	v[ML_B_PENDING] -= e[ML_B_PENDING];
	v[ML_B_PENDING_OUT] -= e[ML_B_PENDING];
}

bool ml_totals_add(struct ml_totals *sum, const struct ml_totals *t)
{
	for (int b = 0; b < ML_BUCKETS; b++) {
		if (ml_add_overflows(sum->v[b], t->v[b], &sum->v[b]))
			return false;
	}
	return true;
}

static int ml_consol_overflow(struct ml_ans *a)
{
	return ml_fail(a->err, ML_E_AMOUNT_RANGE, -1, NULL,
	               "a consolidated sum exceeds 2^63 öre");
}

/* Takes every edge from member f to another member out of sum. */
static int ml_consol_edges_from(struct ml_ans *a, uint32_t g, uint32_t f,
                                const bool *in, uint32_t count,
                                struct ml_totals *sum)
{
	uint32_t from = f, to = 0;
	int rc = ml_state_next_edge(a->st, a->txn, g, &from, &to);
	for (uint32_t seen = 0; rc == 0 && from == f; seen++) {
		ML_ASSERT(seen < count); /* one edge per (f, to) */
		if (to > count)
			return ML_E_CORRUPT;
		if (in[to]) {
			struct ml_totals e;
			bool exists = false;
			rc = ml_state_edge(a->st, a->txn, &a->v, g, f, to, &e,
			                   &exists);
			if (rc == 0 && exists)
				ml_consol_cancel(sum, &e);
		}
		if (rc == 0)
			rc = ml_state_next_edge(a->st, a->txn, g, &from, &to);
	}
	return rc;
}

int ml_consol_members(struct ml_ans *a, uint32_t g, const uint32_t *members,
                      size_t n, const bool *in, uint32_t count,
                      struct ml_totals *out, bool *exists)
{
	memset(out, 0, sizeof *out);
	*exists = false;
	for (size_t i = 0; i < n; i++) {
		struct ml_totals t;
		bool e = false;
		int rc = ml_state_account(a->st, a->txn, &a->v, g, members[i],
		                          &t, &e);
		if (rc != 0)
			return ml_fail(a->err, rc, -1, NULL,
			               "reading an account: %s",
			               ml_strerror(rc));
		if (e && !ml_totals_add(out, &t))
			return ml_consol_overflow(a);
		*exists = *exists || e;
	}
	int64_t held = ml_totals_held(out);
	int64_t unallocated = ml_totals_unallocated(out);
	int64_t pending_out = out->v[ML_B_PENDING_OUT];
	for (size_t i = 0; *exists && i < n; i++) {
		int rc = ml_consol_edges_from(a, g, members[i], in, count, out);
		if (rc != 0)
			return ml_fail(a->err, rc, -1, NULL,
			               "reading the edges: %s",
			               ml_strerror(rc));
	}
	/* internal transfers move money inside the subtree, never out; a
	 * conditional promise between members is no promise of the whole,
	 * so what it held back counts as unallocated again */
	ML_ASSERT(ml_totals_held(out) == held);
	ML_ASSERT(ml_totals_unallocated(out) ==
	          unallocated + (pending_out - out->v[ML_B_PENDING_OUT]));
	return 0;
}

/*
 * ml_postings.c — what each event type does to accounts and edges.
 *
 * This is DOMAIN.md's table "effect on the (grant, party) accounts" as
 * code, and the only place it is written down: appending, correcting and
 * verifying all ask this function. A distribution is one allocation per
 * share: from's allocated_out grows by the whole amount in one posting
 * (an account holds one entry per event), then each party's allocated
 * and the edge from → party by its share, in key order. Order matters: rules are checked
 * posting by posting in this order, so the first posting that breaks a
 * rule names the error (a decline checks its edge first, so declining
 * more than was allocated reads "not_allocated", not "over_allocation").
 * A requisition or invoice posts its claim to the claimer's account and
 * to the edge from → to (the claim-edge rule compares it there with what
 * from allocated to to).
 *
 * An expense posts its spending twice: to the party's account and to the
 * series of its (activity, unit) in that account (ml_acts.c), which the
 * trace reads; the second is in no journal and checks no rule.
 *
 * A conditional allocation posts to PENDING and PENDING_OUT only; its
 * confirm takes the whole pending amount away again and posts the
 * confirmed amount as an ordinary allocation on the confirm's date, two
 * buckets of one posting each, so no date ever sees it twice or not at
 * all. A lapse only takes the pending amount away.
 */
#include <stdlib.h>

#include "ml_assert.h"
#include "ml_dist.h"
#include "ml_state_internal.h"

static void ml_add(struct ml_postings *out, bool edge, uint32_t g, uint32_t a,
                   uint32_t b, enum ml_field field, int b0, int64_t d0, int b1,
                   int64_t d1)
{
	/* Every event type adds at most ML_POSTING_GROUPS_MAX groups; a
	 * distribution has room for its 1 + 2 × shares. */
	ML_ASSERT(out->n >= 0 && out->n < out->cap);
	ML_ASSERT(ml_bucket_is_money(b0) &&
	          (b1 == -1 || ml_bucket_is_money(b1)));
	struct ml_posting *p = &out->p[out->n++];
	p->edge = edge;
	p->act = false;
	p->post_parent = false;
	p->grant_no = g;
	p->a_no = a;
	p->b_no = b;
	p->field = field;
	p->post.bucket[0] = (int8_t)b0;
	p->post.delta[0] = d0;
	p->post.bucket[1] = (int8_t)b1;
	p->post.delta[1] = d1;
}

static void ml_postings_grant(const struct ml_resolved *r,
                              struct ml_postings *out)
{
	int64_t d = r->total_delta_ore;
	if (d == 0)
		return;
	ml_add(out, false, r->grant, r->payer, 0, ML_F_TOTAL, ML_B_ALLOCATED, d,
	       ML_B_RECEIVED, d);
	if (r->parent != 0) {
		ml_add(out, false, r->parent, r->payer, 0, ML_F_TOTAL,
		       ML_B_ALLOCATED, -d, ML_B_RECEIVED, -d);
		out->p[out->n - 1].post_parent = true;
	}
}

bool ml_is_conditional(const struct ml_event *ev)
{
	return (ev->type == ML_TYPE_ALLOCATION ||
	        ev->type == ML_TYPE_DISTRIBUTION) &&
	       (ev->present & ML_BIT(ML_F_CONDITION)) != 0;
}

void ml_resolved_condition(const struct ml_event *ev, const struct ml_event *al,
                           struct ml_resolved *r)
{
	ML_ASSERT(ml_is_conditional(al));
	r->pending_ore = al->amount_ore;
	r->confirm_ore =
	    ev->type == ML_TYPE_CONFIRM && (ev->present & ML_BIT(ML_F_AMOUNT))
	        ? ev->amount_ore
	        : al->amount_ore;
}

static void ml_postings_pending(const struct ml_resolved *r,
                                struct ml_postings *out, int64_t a)
{
	uint32_t g = r->grant;
	ml_add(out, false, g, r->from, 0, ML_F_FROM, ML_B_PENDING_OUT, a, -1,
	       0);
	ml_add(out, false, g, r->to, 0, ML_F_TO, ML_B_PENDING, a, -1, 0);
	ml_add(out, true, g, r->from, r->to, ML_F_TO, ML_B_PENDING, a, -1, 0);
}

/* Confirm (c > 0: every share as computed) or lapse (c = 0) of a
 * conditional distribution whose shares r holds. */
static void ml_postings_resolve_dist(const struct ml_resolved *r,
                                     struct ml_postings *out, int64_t c)
{
	uint32_t g = r->grant;
	out->p = r->room;
	out->cap = 1 + 2 * (int)r->share_count;
	ml_add(out, false, g, r->from, 0, ML_F_AMOUNT, ML_B_PENDING_OUT,
	       -r->pending_ore, c > 0 ? ML_B_ALLOCATED_OUT : -1, c);
	for (uint32_t i = 0; i < r->share_count; i++) {
		const struct ml_share_no *s = &r->shares[i];
		int b = c > 0 ? ML_B_ALLOCATED : -1;
		int64_t sc = c > 0 ? s->amount_ore : 0;
		ml_add(out, false, g, s->party_no, 0, ML_F_ALLOCATION,
		       ML_B_PENDING, -s->amount_ore, b, sc);
		ml_add(out, true, g, r->from, s->party_no, ML_F_ALLOCATION,
		       ML_B_PENDING, -s->amount_ore, b, sc);
	}
}

/* Confirm (c > 0) or lapse (c = 0) of a conditional allocation. */
static void ml_postings_resolve(const struct ml_resolved *r,
                                struct ml_postings *out, int64_t c)
{
	uint32_t g = r->grant;
	if (r->room != NULL) {
		ml_postings_resolve_dist(r, out, c);
		return;
	}
	int64_t p = r->pending_ore;
	ML_ASSERT(p > 0 && c >= 0);
	int b = c > 0 ? ML_B_ALLOCATED : -1;
	ml_add(out, false, g, r->from, 0, ML_F_AMOUNT, ML_B_PENDING_OUT, -p,
	       c > 0 ? ML_B_ALLOCATED_OUT : -1, c);
	ml_add(out, false, g, r->to, 0, ML_F_ALLOCATION, ML_B_PENDING, -p, b,
	       c);
	ml_add(out, true, g, r->from, r->to, ML_F_ALLOCATION, ML_B_PENDING, -p,
	       b, c);
}

static void ml_postings_move(const struct ml_event *ev,
                             const struct ml_resolved *r,
                             struct ml_postings *out)
{
	uint32_t g = r->grant;
	int64_t a = ev->amount_ore;
	switch (ev->type) {
	case ML_TYPE_ALLOCATION:
		if (ml_is_conditional(ev)) {
			ml_postings_pending(r, out, a);
			break;
		}
		ml_add(out, false, g, r->from, 0, ML_F_FROM, ML_B_ALLOCATED_OUT,
		       a, -1, 0);
		ml_add(out, false, g, r->to, 0, ML_F_TO, ML_B_ALLOCATED, a, -1,
		       0);
		ml_add(out, true, g, r->from, r->to, ML_F_TO, ML_B_ALLOCATED, a,
		       -1, 0);
		break;
	case ML_TYPE_DECLINE: /* from declines what to allocated to it */
		ml_add(out, true, g, r->to, r->from, ML_F_AMOUNT,
		       ML_B_ALLOCATED, -a, -1, 0);
		ml_add(out, false, g, r->from, 0, ML_F_FROM, ML_B_ALLOCATED, -a,
		       -1, 0);
		ml_add(out, false, g, r->to, 0, ML_F_TO, ML_B_ALLOCATED_OUT, -a,
		       -1, 0);
		break;
	case ML_TYPE_PAYOUT:
		ml_add(out, false, g, r->from, 0, ML_F_FROM, ML_B_PAID_OUT, a,
		       -1, 0);
		ml_add(out, false, g, r->to, 0, ML_F_TO, ML_B_RECEIVED, a, -1,
		       0);
		ml_add(out, true, g, r->from, r->to, ML_F_TO, ML_B_PAID_OUT, a,
		       -1, 0);
		break;
	case ML_TYPE_REPAYMENT:
		ml_add(out, false, g, r->from, 0, ML_F_FROM, ML_B_REPAID, a, -1,
		       0);
		ml_add(out, false, g, r->to, 0, ML_F_TO, ML_B_RETURNED, a, -1,
		       0);
		ml_add(out, true, g, r->from, r->to, ML_F_TO, ML_B_REPAID, a,
		       -1, 0);
		break;
	default: /* requisition, invoice: the account, then the edge */
		ml_add(out, false, g, r->to, 0, ML_F_TO, ML_B_CLAIMED, a, -1,
		       0);
		ml_add(out, true, g, r->from, r->to, ML_F_FROM, ML_B_CLAIMED, a,
		       -1, 0);
		break;
	}
}

static void ml_postings_distribution(const struct ml_event *ev,
                                     const struct ml_resolved *r,
                                     struct ml_postings *out)
{
	uint32_t g = r->grant;
	/* Without ml_resolve_shares (its names failed to resolve: the
	 * caller will not apply them) there are no postings. */
	if (r->room == NULL)
		return;
	/* A conditional one posts pending amounts only, like a
	 * conditional allocation. */
	bool cond = ml_is_conditional(ev);
	int out_b = cond ? ML_B_PENDING_OUT : ML_B_ALLOCATED_OUT;
	int in_b = cond ? ML_B_PENDING : ML_B_ALLOCATED;
	out->p = r->room;
	out->cap = 1 + 2 * (int)r->share_count;
	ml_add(out, false, g, r->from, 0, ML_F_FROM, out_b, ev->amount_ore, -1,
	       0);
	for (uint32_t i = 0; i < r->share_count; i++) {
		const struct ml_share_no *s = &r->shares[i];
		ml_add(out, false, g, s->party_no, 0, ML_F_KEY, in_b,
		       s->amount_ore, -1, 0);
		ml_add(out, true, g, r->from, s->party_no, ML_F_KEY, in_b,
		       s->amount_ore, -1, 0);
	}
}

/* Whether out posts to an account (not an edge) of grant g. */
static bool ml_posts_account_of(const struct ml_postings *out, uint32_t g)
{
	for (int i = 0; i < out->n; i++)
		if (!out->p[i].edge && out->p[i].grant_no == g)
			return true;
	return false;
}

/* Every edge posting comes with an account posting of the same event
 * and grant, so of the same date: the kept summaries of deadlines and
 * repayments rely on it (ml_summary.h, "settled": an edge's records
 * are dated on its accounts' dates). Cheap: every type that posts to an
 * edge posts an account of the grant among its first two groups. */
static bool ml_edges_have_accounts(const struct ml_postings *out)
{
	for (int i = 0; i < out->n; i++)
		if (out->p[i].edge &&
		    !ml_posts_account_of(out, out->p[i].grant_no))
			return false;
	return true;
}

void ml_postings_of(const struct ml_event *ev, const struct ml_resolved *r,
                    struct ml_postings *out)
{
	out->n = 0;
	out->cap = ML_POSTING_GROUPS_MAX;
	out->p = out->fixed;
	switch (ev->type) {
	case ML_TYPE_GRANT:
		ml_postings_grant(r, out);
		break;
	case ML_TYPE_EXPENSE:
		ml_add(out, false, r->grant, r->party, 0, ML_F_PARTY,
		       ML_B_SPENT, ev->amount_ore, -1, 0);
		if (r->act != 0) { /* the same spending, per activity */
			ml_add(out, false, r->grant, r->party, r->act,
			       ML_F_ACTIVITY, ML_B_SPENT, ev->amount_ore, -1,
			       0);
			out->p[out->n - 1].act = true;
		}
		break;
	case ML_TYPE_CARRYOVER:
		ml_add(out, false, r->grant, r->party, 0, ML_F_PARTY,
		       ML_B_CARRIED_OUT, ev->amount_ore, -1, 0);
		ml_add(out, false, r->to_grant, r->party, 0, ML_F_TO_GRANT,
		       ML_B_CARRIED_IN, ev->amount_ore, -1, 0);
		break;
	case ML_TYPE_CONFIRM:
		ml_postings_resolve(r, out, r->confirm_ore);
		break;
	case ML_TYPE_LAPSE:
		ml_postings_resolve(r, out, 0);
		break;
	case ML_TYPE_ALLOCATION:
	case ML_TYPE_DECLINE:
	case ML_TYPE_REQUISITION:
	case ML_TYPE_INVOICE:
	case ML_TYPE_PAYOUT:
	case ML_TYPE_REPAYMENT:
		ml_postings_move(ev, r, out);
		break;
	case ML_TYPE_DISTRIBUTION:
		ml_postings_distribution(ev, r, out);
		break;
	default: /* party, report, correction, close: no money */
		break;
	}
	ML_ASSERT(ml_edges_have_accounts(out));
}

/* Shares of 0 make no allocation: they are left out here. */
static int ml_shares_keep(struct ml_resolved *r, const struct ml_key_item *it,
                          const int64_t *share, size_t n, ml_party_no_fn fn,
                          void *arg, struct ml_str *unknown)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t no = 0;
		int rc = fn(arg, it[i].party, &no);
		if (rc == 0 && no == 0) {
			*unknown = it[i].party;
			rc = ML_E_UNKNOWN_PARTY;
		}
		if (rc != 0)
			return rc;
		if (share[i] > 0)
			r->shares[r->share_count++] =
			    (struct ml_share_no){no, share[i]};
	}
	return 0;
}

int ml_resolve_shares(const struct ml_event *ev, ml_party_no_fn fn, void *arg,
                      struct ml_resolved *r, struct ml_str *unknown)
{
	struct ml_key_item *items = NULL;
	int64_t *share = NULL;
	size_t n = 0;
	ML_ASSERT(ev->type == ML_TYPE_DISTRIBUTION && r->shares == NULL);
	int rc = ml_dist_of(ev, &items, &share, &n);
	if (rc == 0) {
		r->shares = malloc(n * sizeof *r->shares);
		r->room = malloc((1 + 2 * n) * sizeof *r->room);
		r->share_count = 0;
		if (r->shares == NULL || r->room == NULL)
			rc = ML_E_NOMEM;
	}
	if (rc == 0)
		rc = ml_shares_keep(r, items, share, n, fn, arg, unknown);
	free(items);
	free(share);
	if (rc != 0)
		ml_resolved_free(r);
	return rc;
}

void ml_resolved_free(struct ml_resolved *r)
{
	free(r->shares);
	free(r->room);
	r->shares = NULL;
	r->room = NULL;
	r->share_count = 0;
}

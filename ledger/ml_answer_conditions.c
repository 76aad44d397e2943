/*
 * ml_answer_conditions.c — the conditional allocations still pending in a
 * view, for the deadlines answer (kind `condition`).
 *
 * A recipient's account holds an entry for every conditional allocation
 * to it (a positive PENDING posting), for every confirm or lapse of one
 * (a negative PENDING posting), and for every correction that posted
 * either again on a date of its own (a closed-period reversal, or an
 * event brought back after a close: rules.md "Corrections"). Only
 * accounts with something pending at the as-of date are scanned; each
 * entry that counts in the view is traced to the conditional event it
 * belongs to (through the root of its correction chain; a confirm or
 * lapse names its allocation) and the entries are summed per event:
 * what is above 0 is pending. Summing, not matching resolutions to
 * allocations, is what keeps a resolution reversed in a closed period,
 * or an allocation withdrawn and brought back, pending as it is (the
 * model test found both missed). Each such allocation with a decide_by
 * is one item: its recipient, its decide_by, its amount. A conditional
 * distribution posts PENDING to each share's party, so each share is
 * one item, of the share's amount. Cost: the grant's accounts are read
 * by the caller (ml_ans_grant_accounts, shared with the claims and the
 * legal entities' sums); for accounts with money pending a scan of their
 * entries, a walk to the root per pending entry, and pairs of entries
 * compared (an account holds few).
 */
#include <stdlib.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_dist.h"
#include "ml_log.h"

/* A PENDING entry that counts in the view: whose it is and its delta. */
struct ml_cond_ent {
	uint64_t seq; /* the entry's; then the conditional event's */
	int64_t delta;
};

struct ml_cond_scan {
	const struct ml_view *v;
	struct ml_cond_ent *ents;
	size_t n, cap;
	struct ml_ans *a;
};

static bool ml_cond_counts(const struct ml_view *v,
                           const struct ml_entry_info *e)
{
	if (!v->known)
		return e->corrected_by == 0;
	return e->seq <= v->known_seq &&
	       (e->corrected_by == 0 || e->corrected_by > v->known_seq);
}

static int ml_cond_entry(const struct ml_entry_info *e, void *arg)
{
	struct ml_cond_scan *c = arg;
	if (e->bucket[0] != ML_B_PENDING || !ml_cond_counts(c->v, e))
		return 0;
	int rc = ml_ans_grow(c->a, (void **)&c->ents, &c->cap, c->n + 1,
	                     sizeof *c->ents, ml_limits_now.answer_rows_max,
	                     "deadlines");
	if (rc == 0)
		c->ents[c->n++] = (struct ml_cond_ent){e->seq, e->delta[0]};
	return rc;
}

/* The conditional allocation or distribution whose pending entry seq
 * posted: the event at the root of seq's correction chain (a correction
 * that posted records of its own posted its root's again, negated or
 * not) — the conditional event itself, or a confirm or lapse, which
 * names it. */
static int ml_cond_owner(struct ml_cond_scan *c, uint64_t seq, uint64_t *owner)
{
	struct ml_event ev;
	int depth = 0;
	int rc = ml_state_event_root(c->a->st, c->a->txn, seq, &ev, &depth);
	if (rc != 0)
		return rc;
	if (ev.type == ML_TYPE_ALLOCATION || ev.type == ML_TYPE_DISTRIBUTION) {
		*owner = ev.seq;
		return 0;
	}
	*owner = ev.settles_seq;
	if (*owner == 0 && ev.settles_id.len > 0)
		rc = ml_log_find_id(c->a->st, c->a->txn, ev.settles_id, owner);
	return rc == 0 && *owner == 0 ? ML_E_CORRUPT : rc;
}

/* Each entry's seq becomes its owner's, and the deltas of one owner are
 * summed into its first entry (the others' become 0): what is left
 * above 0 is still pending. Every record an allocation, its resolution
 * or a correction of either posts is counted once, so the sum is the
 * amount pending or 0 — a resolution later reversed on its own date, or
 * an allocation withdrawn and then brought back, nets out right. */
static int ml_cond_net(struct ml_cond_scan *c)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < c->n; i++)
		rc = ml_cond_owner(c, c->ents[i].seq, &c->ents[i].seq);
	for (size_t i = 0; rc == 0 && i < c->n; i++)
		for (size_t j = 0; j < i; j++)
			if (c->ents[j].seq == c->ents[i].seq &&
			    c->ents[j].delta != 0) {
				c->ents[j].delta += c->ents[i].delta;
				c->ents[i].delta = 0;
				break;
			}
	return rc;
}

/* The amount pending for party p under conditional event al: an
 * allocation's amount, or p's share of a distribution. */
static int ml_cond_amount(struct ml_cond_scan *c, const struct ml_event *al,
                          uint32_t p, int64_t *amount_ore)
{
	*amount_ore = al->amount_ore;
	if (al->type != ML_TYPE_DISTRIBUTION)
		return 0;
	struct ml_key_item *items = NULL;
	int64_t *share = NULL;
	size_t n = 0;
	struct ml_str id = {NULL, 0};
	int rc = ml_state_name(c->a->st, c->a->txn, ML_NAME_PARTY, p, &id);
	if (rc == 0)
		rc = ml_dist_of(al, &items, &share, &n);
	*amount_ore = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ml_str_eq(items[i].party, id))
			*amount_ore = share[i];
	free(items);
	free(share);
	return rc;
}

static int ml_cond_items(struct ml_cond_scan *c, uint32_t g, uint32_t p,
                         ml_cond_item_fn fn, void *arg)
{
	int rc = ml_cond_net(c);
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		struct ml_event al;
		if (c->ents[i].delta <= 0)
			continue;
		int64_t amount = 0;
		rc = ml_log_get(c->a->st, c->a->txn, c->ents[i].seq, &al);
		if (rc == 0 && (al.present & ML_BIT(ML_F_DECIDE_BY)))
			rc = ml_cond_amount(c, &al, p, &amount);
		ML_ASSERT(rc != 0 || !(al.present & ML_BIT(ML_F_DECIDE_BY)) ||
		          amount == c->ents[i].delta);
		if (rc == 0 && (al.present & ML_BIT(ML_F_DECIDE_BY)))
			rc = fn(arg, g, p, al.decide_by, amount);
	}
	return rc;
}

int ml_ans_conditions(struct ml_ans *a, uint32_t g,
                      const struct ml_acct_row *accts, size_t acct_count,
                      ml_cond_item_fn fn, void *arg)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < acct_count; i++) {
		uint32_t p = accts[i].party_no;
		if (accts[i].t.v[ML_B_PENDING] <= 0)
			continue;
		struct ml_cond_scan c = {&a->v, NULL, 0, 0, a};
		rc = ml_state_scan_account(a->st, a->txn, g, p, a->v.as_of,
		                           ml_cond_entry, &c);
		if (rc == 0)
			rc = ml_cond_items(&c, g, p, fn, arg);
		free(c.ents);
	}
	return rc;
}

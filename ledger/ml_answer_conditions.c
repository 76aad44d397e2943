/*
 * ml_answer_conditions.c — the conditional allocations still pending in a
 * view, for the deadlines answer (kind `condition`).
 *
 * A recipient's account holds an entry for every conditional allocation
 * to it (a positive PENDING posting) and for every confirm or lapse of
 * one (a negative PENDING posting). Only accounts with something pending
 * at the as-of date are scanned; the entries that count in the view are
 * split into allocations and resolutions, each resolution's event says
 * which allocation it resolved, and what is left is pending. Each such
 * allocation with a decide_by is one item: its recipient, its decide_by,
 * its amount. A conditional distribution posts PENDING to each share's
 * party, so each share is one item, of the share's amount. Cost: one seek per account of the grant, and for accounts
 * with money pending a scan of their entries and a log read per pending
 * entry.
 */
#include <stdlib.h>

#include "ml_answer_internal.h"
#include "ml_dist.h"
#include "ml_log.h"

struct ml_cond_scan {
	const struct ml_view *v;
	uint64_t *seqs; /* allocations, then 0 once resolved */
	size_t n, cap;
	uint64_t *res; /* resolutions */
	size_t nres, cap_res;
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
	bool alloc = e->delta[0] > 0;
	uint64_t **v = alloc ? &c->seqs : &c->res;
	size_t *n = alloc ? &c->n : &c->nres,
	       *cap = alloc ? &c->cap : &c->cap_res;
	int rc = ml_ans_grow(c->a, (void **)v, cap, *n + 1, sizeof **v,
	                     ML_ANSWER_ROWS_MAX, "deadlines");
	if (rc == 0)
		(*v)[(*n)++] = e->seq;
	return rc;
}

/* Clears from c->seqs the allocation resolution res names. res is a
 * confirm or lapse, or a correction that posted records of its own (a
 * closed-period reversal): then the event at the root of its chain
 * decides — a confirm or lapse names its allocation, an allocation is
 * itself withdrawn. */
static int ml_cond_resolve(struct ml_cond_scan *c, uint64_t res)
{
	struct ml_event ev;
	uint64_t seq = 0;
	int depth = 0;
	int rc = ml_state_event_root(c->a->st, c->a->txn, res, &ev, &depth);
	if (rc != 0)
		return rc;
	if (ev.type == ML_TYPE_ALLOCATION || ev.type == ML_TYPE_DISTRIBUTION)
		seq = ev.seq;
	else
		seq = ev.settles_seq;
	if (seq == 0 && ev.settles_id.len > 0)
		rc = ml_log_find_id(c->a->st, c->a->txn, ev.settles_id, &seq);
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		if (c->seqs[i] == seq)
			c->seqs[i] = 0;
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
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < c->nres; i++)
		rc = ml_cond_resolve(c, c->res[i]);
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		struct ml_event al;
		if (c->seqs[i] == 0)
			continue;
		int64_t amount = 0;
		rc = ml_log_get(c->a->st, c->a->txn, c->seqs[i], &al);
		if (rc == 0 && (al.present & ML_BIT(ML_F_DECIDE_BY)))
			rc = ml_cond_amount(c, &al, p, &amount);
		if (rc == 0 && (al.present & ML_BIT(ML_F_DECIDE_BY)))
			rc = fn(arg, g, p, al.decide_by, amount);
	}
	return rc;
}

int ml_ans_conditions(struct ml_ans *a, uint32_t g, ml_cond_item_fn fn,
                      void *arg)
{
	uint32_t p = 0;
	int rc = ml_state_next_account(a->st, a->txn, g, &p);
	while (rc == 0 && p != 0) {
		struct ml_totals t;
		bool exists = false;
		rc = ml_state_account(a->st, a->txn, &a->v, g, p, &t, &exists);
		if (rc == 0 && exists && t.v[ML_B_PENDING] > 0) {
			struct ml_cond_scan c = {&a->v, NULL, 0, 0,
			                         NULL,  0,    0, a};
			rc = ml_state_scan_account(
			    a->st, a->txn, g, p, a->v.as_of, ml_cond_entry, &c);
			if (rc == 0)
				rc = ml_cond_items(&c, g, p, fn, arg);
			free(c.seqs);
			free(c.res);
		}
		if (rc == 0)
			rc = ml_state_next_account(a->st, a->txn, g, &p);
	}
	return rc;
}

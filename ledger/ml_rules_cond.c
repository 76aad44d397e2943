/*
 * ml_rules_cond.c — confirming a conditional allocation, or letting it lapse.
 *
 * A conditional allocation (an allocation with a condition) posts only
 * pending amounts (ml_postings.c). A confirm or lapse names it by seq or
 * id and carries no grant or party of its own: they are the allocation's,
 * read from the log whenever the event is applied, corrected or verified.
 *
 * Which confirm or lapse resolves an allocation is not indexed: it is
 * found on the allocation's edge, whose PENDING bucket only conditional
 * allocations and their resolutions post to. An entry there with a
 * negative PENDING delta that still counts is a resolution; its event in
 * the log says which allocation it resolves. An edge holds few of them,
 * and the ledger format needs no new database.
 *
 * Rules, in this order: the named event exists before this one, is a
 * conditional allocation, still counts, is dated on or before this event,
 * its grant is open on this date, and nothing that still counts has
 * resolved it (already_resolved). Then the postings, checked on every
 * later date like any other (a confirm of more than the estimate may make
 * the allocator over-allocate). A conditional allocation's claim_by
 * counts from its confirm: the claims index gets the confirm's seq.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_rules_internal.h"
#include "ml_text.h"

/* The seq an event names in its allocation (or settles) field, 0 when no
 * event has that id. */
static int ml_cond_ref_seq(struct ml_apply *a, const struct ml_event *ev,
                           uint64_t *seq)
{
	*seq = ev->settles_seq;
	if (*seq != 0)
		return 0;
	return ml_log_find_id(a->st, a->txn, ev->settles_id, seq);
}

static int ml_cond_not_alloc(struct ml_apply *a, uint64_t seq,
                             const struct ml_event *al)
{
	if (al->type != ML_TYPE_ALLOCATION)
		return ml_fail(a->err, ML_E_INVALID_FIELD, a->index,
		               "allocation",
		               "allocation: seq %llu is %s %s event, not a "
		               "conditional allocation",
		               (unsigned long long)seq,
		               ml_article(ml_types[al->type].name),
		               ml_types[al->type].name);
	return ml_fail(a->err, ML_E_INVALID_FIELD, a->index, "allocation",
	               "allocation: seq %llu is an allocation without a "
	               "condition; only a conditional allocation is "
	               "confirmed or lapses",
	               (unsigned long long)seq);
}

/* The conditional allocation a->ev names, checked: *seq and *al. */
static int ml_cond_target(struct ml_apply *a, uint64_t *seq,
                          struct ml_event *al)
{
	const struct ml_event *ev = a->ev;
	int rc = ml_cond_ref_seq(a, ev, seq);
	if (rc == 0 && (*seq == 0 || *seq >= ev->seq)) {
		if (ev->settles_seq != 0)
			return ml_fail(a->err, ML_E_UNKNOWN_EVENT, a->index,
			               "allocation",
			               "allocation: there is no event with "
			               "seq %llu before this one",
			               (unsigned long long)ev->settles_seq);
		return ml_fail(a->err, ML_E_UNKNOWN_EVENT, a->index,
		               "allocation",
		               "allocation: no earlier event has id '%.*s'",
		               (int)ev->settles_id.len, ev->settles_id.ptr);
	}
	if (rc == 0)
		rc = ml_log_get(a->st, a->txn, *seq, al);
	if (rc != 0)
		return rc;
	if (!ml_is_conditional(al))
		return ml_cond_not_alloc(a, *seq, al);
	if (al->type == ML_TYPE_DISTRIBUTION && ev->type == ML_TYPE_CONFIRM &&
	    (ev->present & ML_BIT(ML_F_AMOUNT)))
		return ml_fail(
		    a->err, ML_E_INVALID_FIELD, a->index, "amount",
		    "amount: seq %llu is a conditional distribution, "
		    "whose confirm confirms every share as computed "
		    "and takes no amount; to distribute another "
		    "amount, let it lapse and record a new one",
		    (unsigned long long)*seq);
	uint64_t by = 0;
	int links = 0;
	rc = ml_cond_chain(a, *seq, &by, &links);
	if (rc == 0 && links % 2 == 1)
		return ml_fail(
		    a->err, ML_E_INVALID_FIELD, a->index, "allocation",
		    "allocation: seq %llu was corrected by seq %llu "
		    "and no longer counts",
		    (unsigned long long)*seq, (unsigned long long)by);
	return rc;
}

static int ml_cond_party_no(void *arg, struct ml_str id, uint32_t *no)
{
	struct ml_apply *a = arg;
	return ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, id, no);
}

/* A conditional distribution's shares into r; r->to becomes its first
 * share's party, whose edge every resolution of it posts to (a share of
 * 0 posts nothing, but the first kept share is never 0). */
int ml_cond_shares(struct ml_apply *a, const struct ml_event *al,
                   struct ml_resolved *r)
{
	struct ml_str unknown;
	int rc = r->shares != NULL
	             ? 0
	             : ml_resolve_shares(al, ml_cond_party_no, a, r, &unknown);
	if (rc == ML_E_UNKNOWN_PARTY || (rc == 0 && r->share_count == 0))
		rc = ML_E_CORRUPT; /* the distribution was accepted */
	if (rc == 0)
		r->to = r->shares[0].party_no;
	return rc;
}

int ml_cond_names(struct ml_apply *a, const struct ml_event *al,
                  struct ml_resolved *r)
{
	int rc =
	    ml_state_lookup(a->st, a->txn, ML_NAME_GRANT, al->grant, &r->grant);
	if (rc == 0)
		rc = ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, al->from,
		                     &r->from);
	if (rc == 0 && al->type == ML_TYPE_DISTRIBUTION)
		rc = ml_cond_shares(a, al, r);
	else if (rc == 0)
		rc = ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, al->to,
		                     &r->to);
	if (rc == 0 && (r->grant == 0 || r->from == 0 || r->to == 0))
		rc = ML_E_CORRUPT; /* the allocation was accepted */
	return rc;
}

/* The last link of seq's correction chain (seq itself when it has
 * none) and the links: seq counts exactly when *links is even. */
int ml_cond_chain(struct ml_apply *a, uint64_t seq, uint64_t *last, int *links)
{
	*last = seq;
	*links = 0;
	for (int i = 0; i <= ML_CORRECTION_CHAIN_MAX; i++) {
		uint64_t by = 0;
		ml_day day = ML_DAY_NONE;
		int rc = ml_state_correction(a->st, a->txn, *last, &by, &day);
		if (rc != 0 || by == 0)
			return rc;
		*last = by;
		(*links)++;
	}
	return ML_E_CORRUPT;
}

/* The pending an allocation's resolutions left on its edge, per
 * resolution (the root of each entry's correction chain: a correction
 * that posted records of its own posted a resolution's again). */
struct ml_cond_net {
	uint64_t root;
	int64_t net;
};

struct ml_cond_find {
	struct ml_apply *a;
	uint64_t al_seq;
	uint64_t skip; /* a resolution not to count (one counting again) */
	struct ml_cond_net *v;
	size_t n;
};

static int ml_cond_add(struct ml_cond_find *f, uint64_t root, int64_t delta)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].root == root) {
			f->v[i].net += delta;
			return 0;
		}
	struct ml_cond_net *v = realloc(f->v, (f->n + 1) * sizeof *v);
	if (v == NULL)
		return ML_E_NOMEM;
	f->v = v;
	f->v[f->n++] = (struct ml_cond_net){root, delta};
	return 0;
}

static int ml_cond_seen(const struct ml_entry_info *e, void *arg)
{
	struct ml_cond_find *f = arg;
	if (e->corrected_by != 0 || e->bucket[0] != ML_B_PENDING)
		return 0;
	struct ml_event ev;
	uint64_t seq = 0;
	int depth = 0;
	int rc = ml_state_event_root(f->a->st, f->a->txn, e->seq, &ev, &depth);
	if (rc != 0 || (ev.type != ML_TYPE_CONFIRM && ev.type != ML_TYPE_LAPSE))
		return rc;
	rc = ml_cond_ref_seq(f->a, &ev, &seq);
	if (rc == 0 && seq == f->al_seq && ev.seq != f->skip)
		rc = ml_cond_add(f, ev.seq, e->delta[0]);
	return rc;
}

/* *by = a confirm or lapse of al_seq other than skip whose records
 * still take the allocation's pending away, or 0. */
static int ml_cond_resolved_other(struct ml_apply *a,
                                  const struct ml_resolved *r, ml_day al_date,
                                  uint64_t al_seq, uint64_t skip, uint64_t *by)
{
	struct ml_cond_find f = {a, al_seq, skip, NULL, 0};
	struct ml_series s;
	/* Every tail written: the scan reads the edge from the database. */
	int rc = ml_state_batch_flush(a->s);
	ml_series_edge(&s, a->st, a->txn, NULL, r->grant, r->from, r->to);
	if (rc == 0)
		rc = ml_entries_scan(&s, al_date, ML_DAY_MAX, ml_cond_seen, &f);
	*by = 0;
	for (size_t i = 0; rc == 0 && *by == 0 && i < f.n; i++)
		if (f.v[i].net < 0)
			*by = f.v[i].root;
	free(f.v);
	return rc;
}

int ml_cond_resolved_by(struct ml_apply *a, const struct ml_resolved *r,
                        ml_day al_date, uint64_t al_seq, uint64_t *by)
{
	return ml_cond_resolved_other(a, r, al_date, al_seq, 0, by);
}

int ml_recount_cond(struct ml_apply *a, const struct ml_event *e,
                    const struct ml_resolved *r)
{
	uint64_t al_seq = 0, by = 0;
	struct ml_event al;
	const char *what = e->type == ML_TYPE_CONFIRM ? "confirm" : "lapse";
	int rc = ml_cond_ref_seq(a, e, &al_seq);
	if (rc == 0)
		rc = al_seq != 0 ? ml_log_get(a->st, a->txn, al_seq, &al)
		                 : ML_E_CORRUPT;
	ml_day al_date = rc == 0 ? al.date : 0;
	int links = 0;
	if (rc == 0)
		rc = ml_cond_chain(a, al_seq, &by, &links);
	if (rc == 0 && links % 2 == 1)
		return ml_fail(a->err, ML_E_INVALID_FIELD, a->index, "corrects",
		               "corrects: the %s seq %llu would count again, "
		               "but the allocation seq %llu it resolves was "
		               "corrected by seq %llu and no longer counts",
		               what, (unsigned long long)e->seq,
		               (unsigned long long)al_seq,
		               (unsigned long long)by);
	uint64_t last = 0;
	if (rc == 0)
		rc = ml_cond_resolved_other(a, r, al_date, al_seq, e->seq, &by);
	if (rc != 0 || by == 0)
		return rc;
	rc = ml_cond_chain(a, by, &last, &links);
	return rc != 0
	           ? rc
	           : ml_fail(a->err, ML_E_ALREADY_RESOLVED, a->index,
	                     "corrects",
	                     "corrects: the %s seq %llu would count again, "
	                     "but seq %llu has resolved the allocation seq "
	                     "%llu since; an allocation is resolved once: "
	                     "correct seq %llu first",
	                     what, (unsigned long long)e->seq,
	                     (unsigned long long)by, (unsigned long long)al_seq,
	                     (unsigned long long)last);
}

static int ml_cond_date(struct ml_apply *a, uint64_t al_seq, ml_day al_date)
{
	if (a->ev->date >= al_date)
		return 0;
	char d1[ML_DATE_TEXT_MAX], d2[ML_DATE_TEXT_MAX];
	return ml_fail(
	    a->err, ML_E_INVALID_FIELD, a->index, "date",
	    "date: %s is before %s, the date of the conditional "
	    "allocation seq %llu it %s",
	    ml_date_format(a->ev->date, d1, sizeof d1),
	    ml_date_format(al_date, d2, sizeof d2), (unsigned long long)al_seq,
	    a->ev->type == ML_TYPE_CONFIRM ? "confirms" : "lets lapse");
}

static int ml_cond_once(struct ml_apply *a, uint64_t al_seq, ml_day al_date)
{
	uint64_t by = 0, last = 0;
	int links = 0;
	struct ml_event e;
	int rc = ml_cond_resolved_by(a, &a->r, al_date, al_seq, &by);
	if (rc != 0 || by == 0)
		return rc;
	rc = ml_log_get(a->st, a->txn, by, &e);
	if (rc == 0)
		rc = ml_cond_chain(a, by, &last, &links);
	if (rc != 0)
		return rc;
	return ml_fail(a->err, ML_E_ALREADY_RESOLVED, a->index, "allocation",
	               "allocation: seq %llu was already %s by seq %llu; "
	               "correct seq %llu first to resolve it again",
	               (unsigned long long)al_seq,
	               e.type == ML_TYPE_CONFIRM ? "confirmed" : "let lapse",
	               (unsigned long long)by, (unsigned long long)last);
}

static int ml_cond_claim_put(struct ml_apply *a, uint32_t to, ml_day claim_by)
{
	unsigned char k[16], v[8];
	ml_acct_prefix(k, a->r.grant, to);
	ml_be64_put(k + 8, a->ev->seq);
	ml_be32_put(v, (uint32_t)a->ev->date);
	ml_be32_put(v + 4, (uint32_t)claim_by);
	MDB_val kv = {16, k}, vv = {8, v};
	return ml_error_from_mdb(
	    mdb_put(a->txn, a->st->dbi[ML_DB_CLAIMS], &kv, &vv, 0));
}

/* The claims rows of a confirm: one per allocation, so per share. */
static int ml_cond_claims_put(struct ml_apply *a, ml_day claim_by)
{
	if (a->r.shares == NULL)
		return ml_cond_claim_put(a, a->r.to, claim_by);
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < a->r.share_count; i++)
		rc = ml_cond_claim_put(a, a->r.shares[i].party_no, claim_by);
	return rc;
}

int ml_apply_condition(struct ml_apply *a)
{
	uint64_t al_seq = 0;
	struct ml_event al;
	int rc = ml_cond_target(a, &al_seq, &al);
	if (rc == 0)
		rc = ml_cond_names(a, &al, &a->r);
	if (rc != 0) {
		ml_resolved_free(&a->r);
		return rc;
	}
	/* al's strings point into LMDB pages: take what is needed now. */
	ml_day al_date = al.date, claim_by = al.claim_by;
	bool has_claim_by = (al.present & ML_BIT(ML_F_CLAIM_BY)) != 0;
	ml_resolved_condition(a->ev, &al, &a->r);
	rc = ml_cond_date(a, al_seq, al_date);
	if (rc == 0)
		rc = ml_check_open(a, a->r.grant, a->ev->date, ML_F_DATE);
	if (rc == 0)
		rc = ml_cond_once(a, al_seq, al_date);
	struct ml_postings ps;
	ml_postings_of(a->ev, &a->r, &ps);
	if (rc == 0)
		rc = ml_apply_postings(a, &ps, a->ev->date, a->ev->seq, +1);
	if (rc == 0 && has_claim_by && a->ev->type == ML_TYPE_CONFIRM)
		rc = ml_cond_claims_put(a, claim_by);
	ml_resolved_free(&a->r);
	return rc;
}

int ml_correct_cond(struct ml_apply *a, const struct ml_event *e,
                    struct ml_resolved *r)
{
	uint64_t by = 0;
	if (ml_is_conditional(e)) {
		int rc = e->type == ML_TYPE_DISTRIBUTION
		             ? ml_cond_shares(a, e, r)
		             : 0;
		uint64_t last = 0;
		int links = 0;
		if (rc == 0)
			rc = ml_cond_resolved_by(a, r, e->date, e->seq, &by);
		if (rc != 0 || by == 0)
			return rc;
		rc = ml_cond_chain(a, by, &last, &links);
		return rc != 0 ? rc
		               : ml_fail(a->err, ML_E_INVALID_FIELD, a->index,
		                         "corrects",
		                         "corrects: seq %llu is a conditional "
		                         "allocation that seq %llu resolved; "
		                         "correct seq %llu first",
		                         (unsigned long long)e->seq,
		                         (unsigned long long)by,
		                         (unsigned long long)last);
	}
	if (e->type != ML_TYPE_CONFIRM && e->type != ML_TYPE_LAPSE)
		return 0;
	uint64_t seq = 0;
	struct ml_event al;
	int rc = ml_cond_ref_seq(a, e, &seq);
	if (rc == 0)
		rc = seq != 0 ? ml_log_get(a->st, a->txn, seq, &al)
		              : ML_E_CORRUPT;
	if (rc == 0 && !ml_is_conditional(&al))
		rc = ML_E_CORRUPT; /* the confirm or lapse was accepted */
	if (rc == 0)
		rc = ml_cond_names(a, &al, r);
	if (rc == 0)
		ml_resolved_condition(e, &al, r);
	return rc;
}

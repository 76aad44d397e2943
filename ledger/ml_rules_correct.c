/*
 * ml_rules_correct.c — corrections: undoing a money event or a report, and
 * undoing a correction.
 *
 * The corrected event E stays in the log (nothing is deleted). A chain
 * E ← C1 ← C2 ← … (each correcting the one before) toggles whether E
 * counts: C1 withdraws it, C2 makes it count again, C3 withdraws it
 * again. Every link that makes E count or stop counting does it in one
 * of two ways, and the corrections index records which (seq → by, or
 * seq → by ‖ day):
 *
 *   - it withdraws the records of the link it corrects: they keep their
 *     postings but are marked corrected_by and stop counting from their
 *     own date, exactly as if that link had never been (the only way
 *     before chains; an index value without a day);
 *   - it posts records of its own, under its own seq: E's postings,
 *     negated when it withdraws E, on a date that the index value holds.
 *
 * A correction C of T (E itself or the last correction of E's chain)
 * withdraws T's own records when their date is open for E's grants. When
 * T withdrew records itself, C posts those records' postings again, on
 * their date if it is open. When that date is closed, the closed period
 * is not touched: C posts on its own date (BFNAR 2013:2, a prior-period
 * error is corrected when it is found). Whether a date is closed is
 * decided by the closes recorded before C; C's own date must be open.
 *
 * Every rule is checked again on every date from the first changed one
 * on, exactly as for a back-dated event; a correction that would break
 * one is refused with that rule's error. Withdrawing a payout re-checks
 * the repayments that relied on it; making an expense, carry-over or
 * repayment count again checks its own rule (use_by, carry_over, the
 * repayment's target) on the date it counts from; making a confirm or
 * lapse count again checks that its allocation still counts and that
 * no other confirm or lapse has resolved it meanwhile (an allocation is
 * resolved once: without this, confirm, correct, confirm again, correct
 * the correction left two confirms counting and the pending negative —
 * the model test found it). An event is corrected
 * at most once: to withdraw it again, correct the latest correction of
 * its chain.
 *
 * A conditional allocation that a confirm or lapse still resolves is
 * refused (correct the confirm or lapse first); undoing a confirm or
 * lapse posts against its allocation's accounts (ml_rules_cond.c), which
 * makes the allocation pending again.
 */
#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_money.h"
#include "ml_rules_internal.h"
#include "ml_text.h"

/* What the correction being applied will do. */
struct ml_corr_plan {
	uint64_t t_seq;    /* the corrected event T */
	int depth;         /* corrections from E up to T, T included */
	bool t_own;        /* T has records of its own (E, or posted) */
	ml_day t_day;      /* their date; else the date of those T withdrew */
	int t_sign;        /* the sign of those records */
	bool retract;      /* → withdraw T's records (else post its own) */
	ml_day day;        /* the date of its own records */
	int sign;          /* their sign */
	bool counts_after; /* E counts once the correction is applied */
};

/* The latest correction in seq's chain, for the already_corrected hint. */
static uint64_t ml_chain_latest(struct ml_apply *a, uint64_t by)
{
	for (int i = 0; i < ML_CORRECTION_CHAIN_MAX; i++) {
		uint64_t next = 0;
		if (ml_state_corrected_by(a->st, a->txn, by, &next) != 0 ||
		    next == 0)
			break;
		by = next;
	}
	return by;
}

static int ml_already(struct ml_apply *a, uint64_t seq, uint64_t by)
{
	uint64_t latest = ml_chain_latest(a, by);
	char hint[96] = "";
	if (latest != by)
		snprintf(hint, sizeof hint,
		         ", which was corrected in turn; its latest "
		         "correction is seq %llu",
		         (unsigned long long)latest);
	return ml_fail(a->err, ML_E_ALREADY_CORRECTED, a->index, "corrects",
	               "corrects: seq %llu was already corrected by seq "
	               "%llu%s. An event is corrected at most once: to "
	               "change it again, correct seq %llu",
	               (unsigned long long)seq, (unsigned long long)by, hint,
	               (unsigned long long)latest);
}

static int ml_correct_target(struct ml_apply *a, struct ml_event *e)
{
	uint64_t seq = a->ev->corrects;
	int rc = seq < a->ev->seq ? ml_log_get(a->st, a->txn, seq, e)
	                          : ML_E_NOT_FOUND;
	if (rc == ML_E_NOT_FOUND)
		return ml_fail(a->err, ML_E_UNKNOWN_EVENT, a->index, "corrects",
		               "corrects: there is no event with seq %llu",
		               (unsigned long long)seq);
	if (rc != 0)
		return rc;
	if (!ml_type_is_money(e->type) && e->type != ML_TYPE_REPORT &&
	    e->type != ML_TYPE_CORRECTION)
		return ml_fail(a->err, ML_E_INVALID_FIELD, a->index, "corrects",
		               "corrects: seq %llu is %s %s event; only money "
		               "events, reports and corrections are corrected "
		               "(a definition is changed by a new definition)",
		               (unsigned long long)seq,
		               ml_article(ml_types[e->type].name),
		               ml_types[e->type].name);
	uint64_t by = 0;
	rc = ml_state_corrected_by(a->st, a->txn, seq, &by);
	return rc == 0 && by != 0 ? ml_already(a, seq, by) : rc;
}

/* T is a correction: its place in the chain, and the records it posted
 * or withdrew. root receives E. */
static int ml_plan_link(struct ml_apply *a, const struct ml_event *t,
                        struct ml_corr_plan *p, struct ml_event *root)
{
	uint64_t by = 0, y_seq = t->corrects;
	ml_day at = ML_DAY_NONE;
	int rc = ml_state_correction(a->st, a->txn, y_seq, &by, &at);
	if (rc == 0 && by != p->t_seq)
		rc = ML_E_CORRUPT;
	if (rc == 0)
		rc = ml_state_event_root(a->st, a->txn, p->t_seq, root,
		                         &p->depth);
	if (rc == 0 && p->depth >= ML_CORRECTION_CHAIN_MAX)
		return ml_fail(a->err, ML_E_INVALID_FIELD, a->index, "corrects",
		               "corrects: seq %llu ends a chain of %d "
		               "corrections, the most one event may have",
		               (unsigned long long)p->t_seq, p->depth);
	if (rc != 0)
		return rc;
	p->t_own = at != ML_DAY_NONE;
	p->t_day = at;
	p->t_sign = p->depth % 2 == 1 ? -1 : 1;
	if (p->t_own)
		return 0;
	/* T withdrew the records of Y, its target: E's or Y's own. */
	p->t_sign = -p->t_sign;
	p->t_day = root->date;
	if (p->depth == 1)
		return 0;
	struct ml_event y;
	rc = ml_log_get(a->st, a->txn, y_seq, &y);
	if (rc == 0)
		rc = ml_state_correction(a->st, a->txn, y.corrects, &by, &at);
	if (rc == 0 && (by != y_seq || at == ML_DAY_NONE))
		rc = ML_E_CORRUPT;
	p->t_day = at;
	/* root's strings point into pages: read it again, last. */
	return rc == 0 ? ml_state_event_root(a->st, a->txn, p->t_seq, root,
	                                     &p->depth)
	               : rc;
}

static int ml_party_no_stored(void *arg, struct ml_str id, uint32_t *no)
{
	struct ml_apply *a = arg;
	return ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, id, no);
}

/* A distribution's shares: every share is withdrawn. Its parties were
 * all defined when it was accepted; one that is not is corruption. */
static int ml_correct_shares(struct ml_apply *a, const struct ml_event *e,
                             struct ml_resolved *r)
{
	struct ml_str unknown;
	int rc = ml_resolve_shares(e, ml_party_no_stored, a, r, &unknown);
	return rc == ML_E_UNKNOWN_PARTY ? ML_E_CORRUPT : rc;
}

/* Numbers of E's names: all defined, since E was accepted. */
static int ml_correct_resolve(struct ml_apply *a, const struct ml_event *e,
                              struct ml_resolved *r)
{
	memset(r, 0, sizeof *r);
	int rc =
	    ml_state_lookup(a->st, a->txn, ML_NAME_GRANT, e->grant, &r->grant);
	if (rc == 0)
		rc = ml_state_lookup(a->st, a->txn, ML_NAME_GRANT, e->to_grant,
		                     &r->to_grant);
	if (rc == 0)
		rc = ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, e->from,
		                     &r->from);
	if (rc == 0)
		rc = ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, e->to,
		                     &r->to);
	if (rc == 0)
		rc = ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, e->party,
		                     &r->party);
	if (rc == 0 && e->type == ML_TYPE_EXPENSE) /* given when applied */
		rc = ml_act_find(a->st, a->txn, e->activity, e->unit, false,
		                 &r->act);
	if (rc == 0 && e->type == ML_TYPE_EXPENSE && r->act == 0)
		rc = ML_E_CORRUPT;
	if (rc == 0 && (e->type == ML_TYPE_CONFIRM || e->type == ML_TYPE_LAPSE))
		return ml_correct_cond(a, e, r);
	if (rc == 0 && r->grant == 0)
		rc = ML_E_CORRUPT;
	if (rc == 0 && e->type == ML_TYPE_DISTRIBUTION)
		rc = ml_correct_shares(a, e, r);
	if (rc == 0 && ml_is_conditional(e))
		rc = ml_correct_cond(a, e, r);
	return rc;
}

/* Is day after the closed period of E's grant (and to_grant)? */
static int ml_day_open(struct ml_apply *a, const struct ml_resolved *r,
                       ml_day day, bool *open)
{
	ml_day c1, c2 = ML_DAY_NONE;
	int rc = ml_state_closed_until(a->st, a->txn, r->grant, &c1);
	if (rc == 0 && r->to_grant != 0)
		rc = ml_state_closed_until(a->st, a->txn, r->to_grant, &c2);
	*open = day > c1 && day > c2;
	return rc;
}

/* Decides how the correction undoes T (see the essay). */
static int ml_plan_decide(struct ml_apply *a, const struct ml_resolved *r,
                          struct ml_corr_plan *p)
{
	int rc = ml_check_open(a, r->grant, a->ev->date, ML_F_DATE);
	if (rc == 0 && r->to_grant != 0)
		rc = ml_check_open(a, r->to_grant, a->ev->date, ML_F_DATE);
	bool open = false;
	if (rc == 0)
		rc = ml_day_open(a, r, p->t_day, &open);
	p->retract = p->t_own && open;
	p->day = open ? p->t_day : a->ev->date;
	p->sign = p->t_own ? -p->t_sign : p->t_sign;
	p->counts_after = p->depth % 2 == 1;
	return rc;
}

/* E counts again: its own rule on the date it counts from. */
static int ml_recount_rule(struct ml_apply *a, const struct ml_event *e,
                           const struct ml_resolved *r, ml_day day)
{
	char d1[ML_DATE_TEXT_MAX], d2[ML_DATE_TEXT_MAX];
	struct ml_grant_row g;
	bool ok = true;
	int rc = 0;
	switch (e->type) {
	case ML_TYPE_EXPENSE:
		rc = ml_state_grant_effective(a->st, a->txn, r->grant, &g);
		if (rc != 0 || g.use_by == ML_DAY_NONE || day <= g.use_by)
			return rc;
		return ml_fail(a->err, ML_E_USE_BY_PASSED, a->index, "corrects",
		               "corrects: the expense seq %llu would count "
		               "again from %s, after its grant's use_by %s",
		               (unsigned long long)e->seq,
		               ml_date_format(day, d1, sizeof d1),
		               ml_date_format(g.use_by, d2, sizeof d2));
	case ML_TYPE_CARRYOVER:
		rc = ml_state_grant_effective(a->st, a->txn, r->grant, &g);
		if (rc != 0 || g.carry_over == 1)
			return rc;
		return ml_fail(
		    a->err, ML_E_CARRY_OVER_NOT_ALLOWED, a->index, "corrects",
		    "corrects: the carry-over seq %llu would count "
		    "again, but its grant no longer allows carry-over",
		    (unsigned long long)e->seq);
	case ML_TYPE_REPAYMENT:
		rc = ml_repayment_target_ok(a, r->grant, r->from, r->to, day,
		                            &ok);
		if (rc != 0 || ok)
			return rc;
		return ml_fail(a->err, ML_E_BAD_REPAYMENT_TARGET, a->index,
		               "corrects",
		               "corrects: the repayment seq %llu would count "
		               "again from %s, but it goes to a party that had "
		               "not paid the repayer by then",
		               (unsigned long long)e->seq,
		               ml_date_format(day, d1, sizeof d1));
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		return ml_recount_cond(a, e, r);
	default:
		return 0;
	}
}

struct ml_repay_check {
	struct ml_apply *a;
	uint32_t grant, repayer, target;
};

static int ml_repay_still_ok(const struct ml_entry_info *e, void *arg)
{
	struct ml_repay_check *c = arg;
	/* Repayment records that count: not withdrawn, not a reversal. */
	if (e->corrected_by != 0 || e->bucket[0] != ML_B_REPAID ||
	    e->delta[0] <= 0)
		return 0;
	bool ok;
	int rc = ml_repayment_target_ok(c->a, c->grant, c->repayer, c->target,
	                                e->date, &ok);
	if (rc != 0 || ok)
		return rc;
	return ml_fail(c->a->err, ML_E_BAD_REPAYMENT_TARGET, c->a->index,
	               "corrects",
	               "corrects: without this payout, the repayment of seq "
	               "%llu would go to a party that never paid the repayer",
	               (unsigned long long)e->seq);
}

/* After withdrawing payout from → to from day on: repayments to → from
 * still allowed? */
static int ml_correct_repayments(struct ml_apply *a, ml_day day,
                                 const struct ml_resolved *r)
{
	struct ml_repay_check c = {a, r->grant, r->to, r->from};
	struct ml_series s;
	ml_series_edge(&s, a->st, a->txn, NULL, r->grant, r->to, r->from);
	/* All tails written, not only this edge's: the check of each
	 * repayment found reads another edge while this scan is open. */
	int rc = ml_state_batch_flush(a->s);
	return rc != 0 ? rc
	               : ml_entries_scan(&s, day, ML_DAY_MAX, ml_repay_still_ok,
	                                 &c);
}

/* corrects → this seq, and the date of its own records when it has. */
static int ml_corr_put(struct ml_apply *a, const struct ml_corr_plan *p)
{
	unsigned char k[8], v[12];
	/* ml_correct_target found the target before this event. */
	ML_ASSERT(a->ev->corrects >= 1 && a->ev->corrects < a->ev->seq);
	ml_be64_put(k, a->ev->corrects);
	ml_be64_put(v, a->ev->seq);
	ml_be32_put(v + 8, (uint32_t)p->day);
	MDB_val kv = {8, k}, vv = {p->retract ? 8 : 12, v};
	return ml_error_from_mdb(
	    mdb_put(a->txn, a->st->dbi[ML_DB_CORR], &kv, &vv, MDB_NOOVERWRITE));
}

/* E's postings, each multiplied by sign. */
static void ml_postings_signed(const struct ml_event *e,
                               const struct ml_resolved *r, int sign,
                               struct ml_postings *ps)
{
	ml_postings_of(e, r, ps);
	for (int i = 0; i < ps->n; i++)
		for (int j = 0; j < 2; j++)
			ps->p[i].post.delta[j] *= sign;
}

/* Plans the correction: target, chain, E and its numbers, and the way. */
static int ml_correct_plan(struct ml_apply *a, struct ml_event *e,
                           struct ml_resolved *r, struct ml_corr_plan *p)
{
	struct ml_event t;
	memset(p, 0, sizeof *p);
	p->t_seq = a->ev->corrects;
	int rc = ml_correct_target(a, &t);
	if (rc != 0)
		return rc;
	if (t.type == ML_TYPE_CORRECTION) {
		rc = ml_plan_link(a, &t, p, e);
	} else {
		*e = t;
		p->t_own = true;
		p->t_day = t.date;
		p->t_sign = 1;
	}
	if (rc == 0)
		rc = ml_correct_resolve(a, e, r);
	return rc == 0 ? ml_plan_decide(a, r, p) : rc;
}

int ml_apply_correction(struct ml_apply *a)
{
	struct ml_event e;
	struct ml_resolved r;
	struct ml_corr_plan p;
	struct ml_postings ps;
	memset(&r, 0, sizeof r);
	int rc = ml_correct_plan(a, &e, &r, &p);
	if (rc == 0 && p.counts_after)
		rc = ml_recount_rule(a, &e, &r, p.retract ? e.date : p.day);
	if (rc != 0) {
		ml_resolved_free(&r);
		return rc;
	}
	/* e's strings point into LMDB pages: take what is needed before any
	 * write moves them. */
	bool payout = e.type == ML_TYPE_PAYOUT;
	ml_postings_signed(&e, &r, p.retract ? 1 : p.sign, &ps);
	if (p.retract)
		rc = ml_apply_postings(a, &ps, p.t_day, p.t_seq, -1);
	else
		rc = ml_apply_postings(a, &ps, p.day, a->ev->seq, +1);
	/* ps may point into r's room (a distribution): free it after. */
	ml_resolved_free(&r);
	if (rc == 0 && payout && !p.counts_after)
		rc = ml_correct_repayments(a, p.retract ? p.t_day : p.day, &r);
	if (rc == 0)
		rc = ml_corr_put(a, &p);
	return rc;
}

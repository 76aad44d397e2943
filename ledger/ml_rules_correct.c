/*
 * ml_rules_correct.c — corrections: undoing a money event or a report.
 *
 * The corrected event E stays in the log (nothing is deleted) and its
 * entries keep their postings, but they stop counting: they are marked
 * corrected_by and the running totals from E's date on lose E's postings.
 * Every rule is checked again on every date from E's on, exactly as if E
 * had never been appended; a correction that would break one is refused
 * with that rule's error. Undoing a payout also re-checks the repayments
 * that relied on it (a repayment goes to the payer or to someone who paid
 * the repayer). Both the correction's date and E's date must be open.
 */
#include <string.h>

#include "ml_assert.h"
#include "ml_rules_internal.h"
#include "ml_text.h"

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
	if (!ml_type_is_money(e->type) && e->type != ML_TYPE_REPORT)
		return ml_fail(a->err, ML_E_INVALID_FIELD, a->index, "corrects",
		               "corrects: seq %llu is %s %s event; only money "
		               "events and reports are corrected (a definition "
		               "is changed by a new definition)",
		               (unsigned long long)seq,
		               ml_article(ml_types[e->type].name),
		               ml_types[e->type].name);
	uint64_t by = 0;
	rc = ml_state_corrected_by(a->st, a->txn, seq, &by);
	if (rc == 0 && by != 0)
		return ml_fail(a->err, ML_E_ALREADY_CORRECTED, a->index,
		               "corrects",
		               "corrects: seq %llu was already corrected by "
		               "seq %llu",
		               (unsigned long long)seq, (unsigned long long)by);
	return rc;
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
	if (rc == 0 && r->grant == 0)
		rc = ML_E_CORRUPT;
	if (rc == 0 && e->type == ML_TYPE_DISTRIBUTION)
		rc = ml_correct_shares(a, e, r);
	return rc;
}

static int ml_correct_open(struct ml_apply *a, const struct ml_event *e,
                           const struct ml_resolved *r)
{
	int rc = ml_check_open(a, r->grant, a->ev->date, ML_F_DATE);
	if (rc == 0)
		rc = ml_check_open(a, r->grant, e->date, ML_F_CORRECTS);
	if (rc == 0 && r->to_grant != 0)
		rc = ml_check_open(a, r->to_grant, a->ev->date, ML_F_DATE);
	if (rc == 0 && r->to_grant != 0)
		rc = ml_check_open(a, r->to_grant, e->date, ML_F_CORRECTS);
	return rc;
}

struct ml_repay_check {
	struct ml_apply *a;
	uint32_t grant, repayer, target;
};

static int ml_repay_still_ok(const struct ml_entry_info *e, void *arg)
{
	struct ml_repay_check *c = arg;
	if (e->corrected_by != 0 || e->bucket[0] != ML_B_REPAID)
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

/* After undoing payout from → to: repayments to → from still allowed? */
static int ml_correct_repayments(struct ml_apply *a, const struct ml_event *e,
                                 const struct ml_resolved *r)
{
	struct ml_repay_check c = {a, r->grant, r->to, r->from};
	struct ml_series s;
	ml_series_edge(&s, a->st, a->txn, NULL, r->grant, r->to, r->from);
	/* All tails written, not only this edge's: the check of each
	 * repayment found reads another edge while this scan is open. */
	int rc = ml_state_batch_flush(a->s);
	return rc != 0 ? rc
	               : ml_entries_scan(&s, e->date, ML_DAY_MAX,
	                                 ml_repay_still_ok, &c);
}

static int ml_corr_put(struct ml_apply *a)
{
	unsigned char k[8], v[8];
	/* ml_correct_target found the target before this event. */
	ML_ASSERT(a->ev->corrects >= 1 && a->ev->corrects < a->ev->seq);
	ml_be64_put(k, a->ev->corrects);
	ml_be64_put(v, a->ev->seq);
	MDB_val kv = {8, k}, vv = {8, v};
	return ml_error_from_mdb(
	    mdb_put(a->txn, a->st->dbi[ML_DB_CORR], &kv, &vv, MDB_NOOVERWRITE));
}

int ml_apply_correction(struct ml_apply *a)
{
	struct ml_event e;
	struct ml_resolved r;
	struct ml_postings ps;
	int rc = ml_correct_target(a, &e);
	memset(&r, 0, sizeof r);
	if (rc == 0)
		rc = ml_correct_resolve(a, &e, &r);
	if (rc == 0)
		rc = ml_correct_open(a, &e, &r);
	if (rc != 0) {
		ml_resolved_free(&r);
		return rc;
	}
	/* e's strings point into LMDB pages: take what is needed before any
	 * write moves them. */
	ml_day e_date = e.date;
	bool payout = e.type == ML_TYPE_PAYOUT;
	ml_postings_of(&e, &r, &ps);
	rc = ml_apply_postings(a, &ps, e_date, e.seq, -1);
	ml_resolved_free(&r);
	if (rc == 0 && payout)
		rc = ml_correct_repayments(a, &e, &r);
	if (rc == 0)
		rc = ml_corr_put(a);
	return rc;
}

/*
 * ml_rules.c — checking one event against the ledger and applying it.
 *
 * The checks run in a fixed order, so an event that breaks several rules
 * always gets the same error: names exist → dates are open → the event
 * type's own rule (use_by, carry-over, repayment target, settles) → the
 * postings, one after another in ml_postings_of order, each checked on
 * every end of day from the event's date on, in date order, and on each
 * day held ≥ 0, unallocated ≥ 0, received ≤ allocated, claimed ≤
 * allocated (the last two not for the grant's payer); on each edge from →
 * to never more declined than allocated and, unless from is the payer,
 * never more claimed than allocated (the claim-edge rule).
 *
 * Definitions, closes, reports and corrections are in ml_rules_defs.c.
 */
#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_money.h"
#include "ml_rules_internal.h"

struct ml_str ml_name_of(struct ml_apply *a, enum ml_name_kind k, uint32_t no)
{
	struct ml_str id = {"?", 1};
	if (no != 0)
		ml_state_name(a->st, a->txn, k, no, &id);
	return id;
}

int ml_need(struct ml_apply *a, enum ml_name_kind k, enum ml_field f,
            uint32_t *no)
{
	const struct ml_str *id =
	    (const struct ml_str *)((const char *)a->ev + ml_fields[f].offset);
	int rc = ml_state_lookup_cached(a->s, a->txn, k, *id, no);
	if (rc != 0 || *no != 0)
		return rc;
	bool party = k == ML_NAME_PARTY;
	return ml_fail(a->err, party ? ML_E_UNKNOWN_PARTY : ML_E_UNKNOWN_GRANT,
	               a->index, ml_fields[f].name,
	               "%s: %s '%.*s' is not defined; define it with %s "
	               "event first",
	               ml_fields[f].name, party ? "party" : "grant",
	               (int)id->len, id->ptr, party ? "a party" : "a grant");
}

int ml_check_open(struct ml_apply *a, uint32_t g, ml_day date,
                  enum ml_field field)
{
	ml_day closed;
	int rc = ml_state_closed_until(a->st, a->txn, g, &closed);
	if (rc != 0 || date > closed)
		return rc;
	char d1[ML_DATE_TEXT_MAX], d2[ML_DATE_TEXT_MAX];
	struct ml_str gid = ml_name_of(a, ML_NAME_GRANT, g);
	return ml_fail(
	    a->err, ML_E_PERIOD_CLOSED, a->index, ml_fields[field].name,
	    "%s: %s is inside the period closed up to %s%s%.*s",
	    ml_fields[field].name, ml_date_format(date, d1, sizeof d1),
	    ml_date_format(closed, d2, sizeof d2), g ? " for " : "",
	    g ? (int)gid.len : 0, gid.ptr);
}

/* --- the rules checked on every end of day --- */

struct ml_check_ctx {
	struct ml_apply *a;
	const struct ml_posting *p;
	bool payer; /* the account's party is its grant's payer */
};

/* Reports a broken rule: "<party> would <phrase> of <grant> on <day>". */
static int ml_report(struct ml_check_ctx *c, int code, ml_day day,
                     const char *phrase)
{
	struct ml_apply *a = c->a;
	char d[ML_DATE_TEXT_MAX];
	struct ml_str party = ml_name_of(a, ML_NAME_PARTY, c->p->a_no);
	struct ml_str grant = ml_name_of(a, ML_NAME_GRANT, c->p->grant_no);
	return ml_fail(a->err, code, a->index, ml_fields[c->p->field].name,
	               "%.*s would %s of %.*s on %s", (int)party.len, party.ptr,
	               phrase, (int)grant.len, grant.ptr,
	               ml_date_format(day, d, sizeof d));
}

/* A post that does not fit: "post G/P (500 000,01 kr) does not fit in G:
 * its payer kk would be 100 000,01 kr short on 2020-02-10". */
static int ml_report_post(struct ml_check_ctx *c, ml_day day, int64_t short_ore)
{
	struct ml_apply *a = c->a;
	char d[ML_DATE_TEXT_MAX], m1[ML_MONEY_TEXT_MAX], m2[ML_MONEY_TEXT_MAX];
	struct ml_str payer = ml_name_of(a, ML_NAME_PARTY, c->p->a_no);
	struct ml_str parent = ml_name_of(a, ML_NAME_GRANT, c->p->grant_no);
	return ml_fail(a->err, ML_E_POST_EXCEEDS_PARENT, a->index, "total",
	               "total: post %.*s (%s) does not fit in %.*s: its payer "
	               "%.*s would be %s short on %s",
	               (int)a->ev->grant.len, a->ev->grant.ptr,
	               ml_money_format(a->ev->total_ore, m1, sizeof m1),
	               (int)parent.len, parent.ptr, (int)payer.len, payer.ptr,
	               ml_money_format(short_ore, m2, sizeof m2),
	               ml_date_format(day, d, sizeof d));
}

static int ml_check_acct(const struct ml_totals *t, ml_day day, void *arg)
{
	struct ml_check_ctx *c = arg;
	const int64_t *v = t->v;
	if (!ml_totals_countable(t))
		return ML_E_AMOUNT_RANGE; /* ml_apply_postings words it */
	int64_t held = ml_totals_held(t), free_ore = ml_totals_unallocated(t);
	char m1[ML_MONEY_TEXT_MAX], m2[ML_MONEY_TEXT_MAX], phrase[160];
	int code = 0;
	if (c->p->post_parent && (held < 0 || free_ore < 0))
		return ml_report_post(c, day,
		                      held < free_ore ? -held : -free_ore);
	if (held < 0) {
		code = ML_E_INSUFFICIENT_FUNDS;
		snprintf(phrase, sizeof phrase, "hold %s",
		         ml_money_format(held, m1, sizeof m1));
	} else if (free_ore < 0) {
		code = ML_E_OVER_ALLOCATION;
		snprintf(phrase, sizeof phrase,
		         "have allocated %s more than it may allocate",
		         ml_money_format(-free_ore, m1, sizeof m1));
	} else if (!c->payer && v[ML_B_RECEIVED] > v[ML_B_ALLOCATED]) {
		code = ML_E_NOT_ALLOCATED;
		snprintf(phrase, sizeof phrase,
		         "have received %s but been allocated only %s",
		         ml_money_format(v[ML_B_RECEIVED], m1, sizeof m1),
		         ml_money_format(v[ML_B_ALLOCATED], m2, sizeof m2));
	} else if (!c->payer && v[ML_B_CLAIMED] > v[ML_B_ALLOCATED]) {
		code = ML_E_OVER_CLAIM;
		snprintf(phrase, sizeof phrase,
		         "have claimed %s but been allocated only %s",
		         ml_money_format(v[ML_B_CLAIMED], m1, sizeof m1),
		         ml_money_format(v[ML_B_ALLOCATED], m2, sizeof m2));
	}
	return code != 0 ? ml_report(c, code, day, phrase) : 0;
}

/* The claim-edge rule broken: "sodertalje has allocated 0 kr to storsthlm
 * in G but storsthlm would have claimed 433 012 kr from it by D". */
static int ml_report_edge_claim(struct ml_check_ctx *c, const int64_t *v,
                                ml_day day)
{
	struct ml_apply *a = c->a;
	char d[ML_DATE_TEXT_MAX], m1[ML_MONEY_TEXT_MAX], m2[ML_MONEY_TEXT_MAX];
	struct ml_str from = ml_name_of(a, ML_NAME_PARTY, c->p->a_no);
	struct ml_str to = ml_name_of(a, ML_NAME_PARTY, c->p->b_no);
	struct ml_str grant = ml_name_of(a, ML_NAME_GRANT, c->p->grant_no);
	return ml_fail(
	    a->err, ML_E_OVER_CLAIM, a->index, ml_fields[c->p->field].name,
	    "%.*s has allocated %s to %.*s in %.*s but %.*s would have "
	    "claimed %s from it by %s; a requisition or invoice is made "
	    "against the one who allocated (are from and to swapped?)",
	    (int)from.len, from.ptr,
	    ml_money_format(v[ML_B_ALLOCATED], m1, sizeof m1), (int)to.len,
	    to.ptr, (int)grant.len, grant.ptr, (int)to.len, to.ptr,
	    ml_money_format(v[ML_B_CLAIMED], m2, sizeof m2),
	    ml_date_format(day, d, sizeof d));
}

/* An edge from → to: never more declined than allocated, and, unless
 * from is the grant's payer, never more claimed than allocated. */
static int ml_check_edge(const struct ml_totals *t, ml_day day, void *arg)
{
	struct ml_check_ctx *c = arg;
	if (t->v[ML_B_ALLOCATED] >= 0) {
		if (c->payer || t->v[ML_B_CLAIMED] <= t->v[ML_B_ALLOCATED])
			return 0;
		return ml_report_edge_claim(c, t->v, day);
	}
	struct ml_apply *a = c->a;
	char d[ML_DATE_TEXT_MAX], m[ML_MONEY_TEXT_MAX];
	struct ml_str from = ml_name_of(a, ML_NAME_PARTY, c->p->a_no);
	struct ml_str to = ml_name_of(a, ML_NAME_PARTY, c->p->b_no);
	struct ml_str grant = ml_name_of(a, ML_NAME_GRANT, c->p->grant_no);
	return ml_fail(a->err, ML_E_NOT_ALLOCATED, a->index,
	               ml_fields[c->p->field].name,
	               "%.*s would decline %s more than %.*s allocated to it "
	               "of %.*s on %s",
	               (int)to.len, to.ptr,
	               ml_money_format(-t->v[ML_B_ALLOCATED], m, sizeof m),
	               (int)from.len, from.ptr, (int)grant.len, grant.ptr,
	               ml_date_format(day, d, sizeof d));
}

/* An activity's series is a view of its account's spending: the
 * account's own posting was checked just before. */
static int ml_check_none(const struct ml_totals *t, ml_day day, void *arg)
{
	(void)t;
	(void)day;
	(void)arg;
	return 0;
}

static int ml_apply_one(struct ml_apply *a, const struct ml_posting *p,
                        ml_day date, uint64_t seq, int sign)
{
	struct ml_check_ctx c = {a, p, false};
	struct ml_series s;
	uint32_t payer, parent;
	int rc =
	    ml_state_grant_tree(a->s, a->txn, p->grant_no, &payer, &parent);
	if (rc != 0)
		return rc;
	/* An account's party, or an edge's from, is the grant's payer. */
	c.payer = payer == p->a_no;
	ml_check_fn check = p->edge ? ml_check_edge : ml_check_acct;
	if (p->act) {
		ml_series_act(&s, a->st, a->txn, a->s, p->grant_no, p->a_no,
		              p->b_no);
		check = ml_check_none;
		rc = ml_pday_note(&a->s->pday, p->grant_no, p->a_no, date);
		if (rc != 0)
			return rc;
	} else if (p->edge) {
		ml_series_edge(&s, a->st, a->txn, a->s, p->grant_no, p->a_no,
		               p->b_no);
	} else {
		ml_series_acct(&s, a->st, a->txn, a->s, p->grant_no, p->a_no);
	}
	if (sign > 0)
		return ml_entries_insert(&s, date, seq, &p->post, check, &c);
	return ml_entries_retract(&s, date, seq, a->ev->seq, check, &c);
}

int ml_apply_postings(struct ml_apply *a, const struct ml_postings *ps,
                      ml_day date, uint64_t seq, int sign)
{
	for (int i = 0; i < ps->n; i++) {
		int rc = ml_apply_one(a, &ps->p[i], date, seq, sign);
		if (rc == ML_E_AMOUNT_RANGE && a->err->code == 0)
			return ml_fail(a->err, rc, a->index, "amount",
			               "amount: a balance would exceed what "
			               "the ledger can count (2^63 öre)");
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* --- money events --- */

static int ml_resolve_money(struct ml_apply *a)
{
	const struct ml_event *ev = a->ev;
	struct ml_resolved *r = &a->r;
	int rc = ml_need(a, ML_NAME_GRANT, ML_F_GRANT, &r->grant);
	if (rc == 0 && ev->from.ptr != NULL)
		rc = ml_need(a, ML_NAME_PARTY, ML_F_FROM, &r->from);
	if (rc == 0 && ev->to.ptr != NULL)
		rc = ml_need(a, ML_NAME_PARTY, ML_F_TO, &r->to);
	if (rc == 0 && ev->party.ptr != NULL)
		rc = ml_need(a, ML_NAME_PARTY, ML_F_PARTY, &r->party);
	if (rc == 0 && ev->to_grant.ptr != NULL)
		rc = ml_need(a, ML_NAME_GRANT, ML_F_TO_GRANT, &r->to_grant);
	if (rc == 0 && ev->type == ML_TYPE_EXPENSE)
		rc = ml_act_find(a->st, a->txn, ev->activity, ev->unit, true,
		                 &r->act);
	if (rc == 0)
		rc = ml_check_open(a, r->grant, ev->date, ML_F_DATE);
	if (rc == 0 && r->to_grant != 0)
		rc = ml_check_open(a, r->to_grant, ev->date, ML_F_DATE);
	return rc;
}

static int ml_party_no_cached(void *arg, struct ml_str id, uint32_t *no)
{
	struct ml_apply *a = arg;
	return ml_state_lookup_cached(a->s, a->txn, ML_NAME_PARTY, id, no);
}

/* A distribution's key parties, each defined; their shares. */
static int ml_resolve_key(struct ml_apply *a)
{
	struct ml_str unknown = {NULL, 0};
	int rc =
	    ml_resolve_shares(a->ev, ml_party_no_cached, a, &a->r, &unknown);
	if (rc != ML_E_UNKNOWN_PARTY)
		return rc;
	return ml_fail(a->err, ML_E_UNKNOWN_PARTY, a->index, "key",
	               "key: party '%.*s' is not defined; define it with a "
	               "party event first",
	               (int)unknown.len, unknown.ptr);
}

static int ml_rule_use_by(struct ml_apply *a)
{
	struct ml_grant_row g;
	int rc = ml_state_grant_effective(a->st, a->txn, a->r.grant, &g);
	if (rc != 0 || g.use_by == ML_DAY_NONE || a->ev->date <= g.use_by)
		return rc;
	char d1[ML_DATE_TEXT_MAX], d2[ML_DATE_TEXT_MAX];
	return ml_fail(a->err, ML_E_USE_BY_PASSED, a->index, "date",
	               "date: an expense of %.*s dated %s is after its use_by "
	               "%s",
	               (int)a->ev->grant.len, a->ev->grant.ptr,
	               ml_date_format(a->ev->date, d1, sizeof d1),
	               ml_date_format(g.use_by, d2, sizeof d2));
}

static int ml_rule_carry_over(struct ml_apply *a)
{
	struct ml_grant_row g;
	int rc = ml_state_grant_effective(a->st, a->txn, a->r.grant, &g);
	if (rc != 0 || g.carry_over == 1)
		return rc;
	return ml_fail(a->err, ML_E_CARRY_OVER_NOT_ALLOWED, a->index, "grant",
	               "grant: %.*s does not allow carry-over (carry_over is "
	               "not true)",
	               (int)a->ev->grant.len, a->ev->grant.ptr);
}

int ml_repayment_target_ok(struct ml_apply *a, uint32_t g, uint32_t from,
                           uint32_t to, ml_day day, bool *ok)
{
	struct ml_grant_row row;
	int rc = ml_state_grant(a->st, a->txn, g, &row);
	*ok = rc == 0 && row.payer_no == to;
	if (rc != 0 || *ok)
		return rc;
	/* Read through the batch's series, so that this edge's tail, if
	 * it has one, is written first (and only it). */
	struct ml_series s;
	struct ml_totals t;
	bool exists;
	ml_series_edge(&s, a->st, a->txn, a->s, g, to, from);
	rc = ml_entries_at(&s, day, &t, &exists);
	*ok = rc == 0 && t.v[ML_B_PAID_OUT] > 0;
	return rc;
}

static int ml_rule_repayment(struct ml_apply *a)
{
	bool ok;
	int rc = ml_repayment_target_ok(a, a->r.grant, a->r.from, a->r.to,
	                                a->ev->date, &ok);
	if (rc != 0 || ok)
		return rc;
	const struct ml_event *ev = a->ev;
	return ml_fail(a->err, ML_E_BAD_REPAYMENT_TARGET, a->index, "to",
	               "to: %.*s is neither the payer of %.*s nor has it paid "
	               "%.*s anything in it by that date",
	               (int)ev->to.len, ev->to.ptr, (int)ev->grant.len,
	               ev->grant.ptr, (int)ev->from.len, ev->from.ptr);
}

static int ml_rule_settles(struct ml_apply *a)
{
	struct ml_event *ev = a->ev;
	uint64_t seq = ev->settles_seq;
	int rc = 0;
	if (seq == 0)
		rc = ml_log_find_id(a->st, a->txn, ev->settles_id, &seq);
	struct ml_event target;
	if (rc == 0 && (seq == 0 || seq >= ev->seq))
		return ml_fail(a->err, ML_E_UNKNOWN_EVENT, a->index, "settles",
		               "settles: no such requisition or invoice");
	if (rc == 0)
		rc = ml_log_get(a->st, a->txn, seq, &target);
	if (rc != 0)
		return rc;
	bool claim = target.type == ML_TYPE_REQUISITION ||
	             target.type == ML_TYPE_INVOICE;
	if (!claim || !ml_str_eq(target.grant, ev->grant))
		return ml_fail(a->err, ML_E_INVALID_FIELD, a->index, "settles",
		               "settles: seq %llu is not a requisition or "
		               "invoice of this grant",
		               (unsigned long long)seq);
	return 0;
}

static int ml_type_rule(struct ml_apply *a)
{
	switch (a->ev->type) {
	case ML_TYPE_EXPENSE:
		return ml_rule_use_by(a);
	case ML_TYPE_CARRYOVER:
		return ml_rule_carry_over(a);
	case ML_TYPE_REPAYMENT:
		return ml_rule_repayment(a);
	case ML_TYPE_PAYOUT:
		if (a->ev->present & ML_BIT(ML_F_SETTLES))
			return ml_rule_settles(a);
		return 0;
	default:
		return 0;
	}
}

static int ml_claims_put(struct ml_apply *a, uint32_t to)
{
	unsigned char k[16], v[8];
	ml_acct_prefix(k, a->r.grant, to);
	ml_be64_put(k + 8, a->ev->seq);
	ml_be32_put(v, (uint32_t)a->ev->date);
	ml_be32_put(v + 4, (uint32_t)a->ev->claim_by);
	MDB_val kv = {16, k}, vv = {8, v};
	return ml_error_from_mdb(
	    mdb_put(a->txn, a->st->dbi[ML_DB_CLAIMS], &kv, &vv, 0));
}

/* claim_by: one row per allocation, so per share of a distribution. */
static int ml_claims_of(struct ml_apply *a)
{
	/* A conditional allocation's claim_by counts from its confirm. */
	if (!(a->ev->present & ML_BIT(ML_F_CLAIM_BY)) ||
	    ml_is_conditional(a->ev))
		return 0;
	if (a->ev->type != ML_TYPE_DISTRIBUTION)
		return ml_claims_put(a, a->r.to);
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < a->r.share_count; i++)
		rc = ml_claims_put(a, a->r.shares[i].party_no);
	return rc;
}

/* Tells the state's listener each grant a money event changes: the
 * one it names, the one it carries over to, every posting's (a post's
 * claim on its parent's pool). A grant may be told more than once. */
static void ml_money_changes(const struct ml_apply *a,
                             const struct ml_postings *ps)
{
	ml_change_fn fn = a->s->on_change;
	void *arg = a->s->on_change_arg;
	if (fn == NULL)
		return;
	fn(arg, a->r.grant, a->ev->seq);
	if (a->r.to_grant != 0)
		fn(arg, a->r.to_grant, a->ev->seq);
	for (int i = 0; i < ps->n; i++)
		fn(arg, ps->p[i].grant_no, a->ev->seq);
}

static int ml_apply_money(struct ml_apply *a)
{
	int rc = ml_resolve_money(a);
	if (rc == 0 && a->ev->type == ML_TYPE_DISTRIBUTION)
		rc = ml_resolve_key(a);
	if (rc == 0)
		rc = ml_type_rule(a);
	struct ml_postings ps;
	ml_postings_of(a->ev, &a->r, &ps);
	if (rc == 0)
		ml_money_changes(a, &ps);
	if (rc == 0)
		rc = ml_apply_postings(a, &ps, a->ev->date, a->ev->seq, +1);
	if (rc == 0)
		rc = ml_claims_of(a);
	ml_resolved_free(&a->r);
	return rc;
}

/* Is t applied by ml_apply_money (the default of ml_state_apply's
 * switch), which tells its listener the grants it changes? */
static bool ml_goes_to_money(enum ml_type t)
{
	switch (t) {
	case ML_TYPE_PARTY:
	case ML_TYPE_GRANT:
	case ML_TYPE_CLOSE:
	case ML_TYPE_REPORT:
	case ML_TYPE_CORRECTION:
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		return false;
	default:
		return true;
	}
}

int ml_state_apply(struct ml_state *s, MDB_txn *txn, struct ml_event *ev,
                   int32_t index, struct ml_errinfo *err)
{
	struct ml_apply a;
	memset(&a, 0, sizeof a);
	/* A caller's bug, not an input error: ml_state_batch_begin(txn)
	 * must have been called (ml_ledger.c does, per batch). */
	ML_ASSERT(s->batch_txn == txn && txn != NULL);
	ML_ASSERT(ev->seq > 0 && (unsigned)ev->type < ML_TYPE_COUNT);
	a.s = s;
	a.st = s->st;
	a.txn = txn;
	a.ev = ev;
	a.index = index;
	a.err = err;
	if (s->on_change != NULL && !ml_goes_to_money(ev->type))
		s->on_change(s->on_change_arg, 0, ev->seq); /* everything */
	switch (ev->type) {
	case ML_TYPE_PARTY:
		return ml_apply_party(&a);
	case ML_TYPE_GRANT:
		return ml_apply_grant(&a);
	case ML_TYPE_CLOSE:
		return ml_apply_close(&a);
	case ML_TYPE_REPORT:
		return ml_apply_report(&a);
	case ML_TYPE_CORRECTION:
		return ml_apply_correction(&a);
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		return ml_apply_condition(&a);
	default:
		return ml_apply_money(&a);
	}
}

struct ml_bucket_find {
	int bucket;
	bool found;
	ml_day day;
};

static int ml_bucket_seen(const struct ml_entry_info *e, void *arg)
{
	struct ml_bucket_find *f = arg;
	if (e->corrected_by != 0 || f->found)
		return 0;
	/* A reversal (a negative record, posted by a correction into a
	 * closed period) is no expense or carry-over of its own. */
	for (int i = 0; i < 2; i++) {
		if (e->bucket[i] == f->bucket && e->delta[i] > 0) {
			f->found = true;
			f->day = e->date;
		}
	}
	return 0;
}

int ml_find_bucket_after(struct ml_apply *a, uint32_t g, int bucket,
                         ml_day after_day, bool *found, uint32_t *party_no,
                         ml_day *day)
{
	uint32_t p = 0;
	*found = false;
	/* All tails written: the accounts are found by their keys, and a
	 * tail may hold an account's only records. */
	int rc = ml_state_batch_flush(a->s);
	if (rc == 0)
		rc = ml_state_next_account(a->st, a->txn, g, &p);
	while (rc == 0 && p != 0 && !*found) {
		struct ml_bucket_find f = {bucket, false, 0};
		struct ml_series s;
		ml_series_acct(&s, a->st, a->txn, NULL, g, p);
		rc = ml_entries_scan(&s, after_day + 1, ML_DAY_MAX,
		                     ml_bucket_seen, &f);
		if (rc == 0 && f.found) {
			*found = true;
			*party_no = p;
			*day = f.day;
		} else if (rc == 0) {
			rc = ml_state_next_account(a->st, a->txn, g, &p);
		}
	}
	return rc;
}

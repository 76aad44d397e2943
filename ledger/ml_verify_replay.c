/*
 * ml_verify_replay.c — the log replayed into what the projections must be.
 *
 * This reads the log alone: no projection, no index, no cached row.
 * Numbers are given to parties and grants in the order of their first
 * definition, as the state does; postings come from ml_postings_of, the
 * one statement of what each event type does. The result is compared by
 * ml_verify_compare.c.
 *
 * Memory, by sums: one slot per series (ml_verify_sums.c) and per
 * correction or corrected event (ml_verify_corr.c), whatever the log's
 * length. Exact: ~8 bytes × 2 per event plus ~40 bytes per posting
 * group; a 1 000 000-event ledger needs about 130 MB.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_evidx.h"
#include "ml_limits_internal.h"
#include "ml_log.h"
#include "ml_record.h"
#include "ml_verify_internal.h"

int mv_differ(struct mv_diff *d, const char *kind, uint64_t seq,
              const char *fmt, ...)
{
	if (d->kind[0] != '\0')
		return 1;
	snprintf(d->kind, sizeof d->kind, "%s", kind);
	d->seq = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof d->message, fmt, ap);
	va_end(ap);
	return 1;
}

void mv_expect_free(struct mv_expect *x)
{
	free(x->first);
	free(x->posts);
	free(x->date_of);
	mv_sums_free(&x->sums);
	mv_corr_free(&x->corr);
	ml_cache_free(x->names);
	mv_acts_free(&x->acts);
	free(x->party);
	free(x->grant);
	free(x->closed);
	free(x->reports.v);
	free(x->claims.v);
	free(x->defs.v);
	memset(x, 0, sizeof *x);
}

/* Room in x->closed for grant g; new slots are ML_DAY_NONE (not closed). */
static int mv_closed_fit(struct mv_expect *x, uint32_t g)
{
	size_t cap = x->closed_cap;
	int rc = ml_grow((void **)&x->closed, &cap, (size_t)g + 1,
	                 sizeof *x->closed, ML_GRANTS_MAX + 1u);
	for (size_t i = x->closed_cap; rc == 0 && i < cap; i++)
		x->closed[i] = ML_DAY_NONE;
	x->closed_cap = (uint32_t)cap;
	return rc;
}

static int mv_row_add(struct mv_rows *r, struct mv_row row)
{
	int rc = ml_grow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v,
	                 ML_PASS_ITEMS_MAX);
	if (rc != 0)
		return rc;
	r->v[r->n++] = row;
	return 0;
}

static int mv_setup(struct mv_expect *x, uint64_t head, bool exact)
{
	memset(x, 0, sizeof *x);
	x->head = head;
	x->exact = exact;
	int rc = 0;
	if (exact) {
		x->first = calloc(head + 2, sizeof *x->first);
		x->date_of = calloc(head + 1, sizeof *x->date_of);
		rc = x->first && x->date_of ? 0 : ML_E_NOMEM;
	}
	if (rc == 0)
		rc = ml_cache_new(2 * ML_PARTIES_MAX + 2 * ML_GRANTS_MAX,
		                  &x->names);
	return rc == 0 ? mv_closed_fit(x, 0) : rc;
}

/* The number of id in field f of ev, or a difference. */
static int mv_need(struct mv_expect *x, const struct ml_event *ev, char kind,
                   struct ml_str id, uint32_t *no, struct mv_diff *d)
{
	*no = 0;
	if (id.ptr == NULL)
		return 0;
	if (ml_cache_name(x->names, kind, id, no))
		return 0;
	return mv_differ(d, "record", ev->seq,
	                 "seq %llu names %s '%.*s', which no earlier event "
	                 "defines",
	                 (unsigned long long)ev->seq,
	                 kind == 'p' ? "party" : "grant", (int)id.len, id.ptr);
}

static int mv_define(struct mv_expect *x, char kind, struct ml_str id,
                     uint32_t *no)
{
	if (ml_cache_name(x->names, kind, id, no))
		return 0;
	bool party = kind == 'p';
	uint32_t *count = party ? &x->parties : &x->grants;
	uint32_t *cap = party ? &x->party_cap : &x->grant_cap;
	void **arr = party ? (void **)&x->party : (void **)&x->grant;
	size_t max = party ? ML_PARTIES_MAX : ML_GRANTS_MAX;
	*no = ++*count;
	ml_cache_put_name(x->names, kind, id, *no);
	size_t n = *cap;
	int rc =
	    ml_grow(arr, &n, (size_t)*no + 1, sizeof(struct mv_def), max + 1);
	*cap = (uint32_t)n;
	return rc;
}

static uint32_t mv_series_kind(const struct ml_posting *p)
{
	return p->act    ? MV_SERIES_ACT
	       : p->edge ? MV_SERIES_EDGE
	                 : MV_SERIES_ACCT;
}

/* Two postings of one event on one series: the exact compare matches a
 * stored entry to the first of them only, so the sums cannot stand in
 * for it. (ml_postings_of makes none such today.) */
static bool mv_series_twice(const struct ml_postings *ps)
{
	for (int i = 0; i < ps->n; i++) {
		const struct ml_posting *p = &ps->p[i];
		for (int j = i + 1; j < ps->n; j++) {
			const struct ml_posting *q = &ps->p[j];
			if (mv_series_kind(p) == mv_series_kind(q) &&
			    p->grant_no == q->grant_no && p->a_no == q->a_no &&
			    (mv_series_kind(p) == MV_SERIES_ACCT ||
			     p->b_no == q->b_no))
				return true;
		}
	}
	return false;
}

/* Folds ps (times sign) into its series' sums as x->seq's on x->date. */
static int mv_sum_postings(struct mv_expect *x, const struct ml_postings *ps,
                           int sign)
{
	if (mv_series_twice(ps))
		x->suspect = true;
	for (int i = 0; i < ps->n; i++) {
		const struct ml_posting *p = &ps->p[i];
		uint32_t kind = mv_series_kind(p);
		struct mv_sum *sum;
		int rc = mv_sums_at(&x->sums, kind, p->grant_no, p->a_no,
		                    kind == MV_SERIES_ACCT ? 0 : p->b_no, &sum);
		if (rc != 0)
			return rc;
		struct ml_post post = p->post;
		post.delta[0] *= sign;
		post.delta[1] *= sign;
		mv_sum_fold(sum, x->seq, x->date, &post, 1);
	}
	return 0;
}

/* The postings of ev (resolved as r) times sign, as x->seq's. */
static int mv_add_postings(struct mv_expect *x, const struct ml_event *ev,
                           const struct ml_resolved *r, int sign)
{
	struct ml_postings ps;
	ml_postings_of(ev, r, &ps);
	if (!x->exact)
		return mv_sum_postings(x, &ps, sign);
	size_t cap = x->posts_cap;
	int rc = ml_grow((void **)&x->posts, &cap, x->nposts + (size_t)ps.n,
	                 sizeof *x->posts, ML_PASS_ITEMS_MAX);
	if (rc != 0)
		return rc;
	x->posts_cap = cap;
	for (int i = 0; i < ps.n; i++) {
		struct mv_posting *p = &x->posts[x->nposts++];
		p->edge = ps.p[i].edge;
		p->act = ps.p[i].act;
		p->matched = false;
		p->grant = ps.p[i].grant_no;
		p->a = ps.p[i].a_no;
		p->b = ps.p[i].b_no;
		p->post = ps.p[i].post;
		p->post.delta[0] *= sign;
		p->post.delta[1] *= sign;
	}
	return 0;
}

static int mv_grant(struct mv_expect *x, const struct ml_event *ev,
                    struct mv_diff *d)
{
	struct ml_resolved r;
	memset(&r, 0, sizeof r);
	int rc = mv_need(x, ev, 'p', ev->payer, &r.payer, d);
	if (rc == 0)
		rc = mv_need(x, ev, 'g', ev->parent, &r.parent, d);
	if (rc == 0)
		rc = mv_define(x, 'g', ev->grant, &r.grant);
	if (rc == 0)
		rc = mv_closed_fit(x, r.grant);
	if (rc != 0)
		return rc;
	struct mv_def *g = &x->grant[r.grant];
	r.total_delta_ore = ev->total_ore - g->total_ore;
	memset(g, 0, sizeof *g);
	g->def_seq = ev->seq;
	g->payer = r.payer;
	g->parent = r.parent;
	g->total_ore = ev->total_ore;
	ml_grant_row_from_event(ev, r.payer, r.parent, &g->row.grant);
	g->id = ev->grant;
	struct mv_row def = {'g', r.grant, ev->seq, ev->date, 0};
	rc = mv_row_add(&x->defs, def);
	return rc == 0 ? mv_add_postings(x, ev, &r, 1) : rc;
}

static int mv_party(struct mv_expect *x, const struct ml_event *ev,
                    struct mv_diff *d)
{
	uint32_t no = 0, parent = 0;
	int rc = mv_need(x, ev, 'p', ev->parent, &parent, d);
	if (rc == 0)
		rc = mv_define(x, 'p', ev->party, &no);
	if (rc != 0)
		return rc;
	struct mv_def *p = &x->party[no];
	memset(p, 0, sizeof *p);
	p->def_seq = ev->seq;
	p->parent = parent;
	ml_party_row_from_event(ev, parent, &p->row.party);
	p->id = ev->party;
	struct mv_row def = {'p', no, ev->seq, ev->date, 0};
	return mv_row_add(&x->defs, def);
}

static int mv_resolve(struct mv_expect *x, const struct ml_event *ev,
                      struct ml_resolved *r, struct mv_diff *d)
{
	memset(r, 0, sizeof *r);
	int rc = mv_need(x, ev, 'g', ev->grant, &r->grant, d);
	if (rc == 0)
		rc = mv_need(x, ev, 'g', ev->to_grant, &r->to_grant, d);
	if (rc == 0)
		rc = mv_need(x, ev, 'p', ev->from, &r->from, d);
	if (rc == 0)
		rc = mv_need(x, ev, 'p', ev->to, &r->to, d);
	if (rc == 0)
		rc = mv_need(x, ev, 'p', ev->party, &r->party, d);
	/* An expense's pair is numbered when first seen; a correction
	 * resolves its expense again and finds the same number. */
	if (rc == 0 && ev->type == ML_TYPE_EXPENSE)
		rc = mv_act_intern(&x->acts, ev->activity, ev->unit, &r->act);
	return rc;
}

static int mv_shares(struct mv_expect *x, const struct ml_event *ev,
                     struct ml_resolved *r, struct mv_diff *d);

/* The allocations r stands for: one, or a distribution's shares. */
static uint32_t mv_allocs(const struct ml_resolved *r)
{
	return r->shares != NULL ? r->share_count : 1;
}

static uint32_t mv_alloc_to(const struct ml_resolved *r, uint32_t i)
{
	return r->shares != NULL ? r->shares[i].party_no : r->to;
}

/* A confirm or lapse: the names and amounts of the conditional
 * allocation it resolves; a confirm of one with a claim_by adds the claim
 * row (a conditional allocation's claim_by counts from its confirm). */
/* The postings of confirm or lapse ev into *r (the allocation it
 * resolves read into *al); r must be freed (ml_resolved_free) on 0. */
static int mv_resolve_condition(struct ml_store *st, MDB_txn *txn,
                                struct mv_expect *x, const struct ml_event *ev,
                                struct mv_diff *d, struct ml_event *al,
                                struct ml_resolved *r)
{
	uint64_t seq = ev->settles_seq;
	ml_reading_db(ML_DB_IDS);
	int rc = seq == 0 ? ml_log_find_id(st, txn, ev->settles_id, &seq) : 0;
	ml_reading_db(ML_DB_LOG);
	if (rc == 0 && (seq == 0 || seq >= ev->seq))
		return mv_differ(d, "record", ev->seq,
		                 "seq %llu resolves an allocation that is not "
		                 "before it",
		                 (unsigned long long)ev->seq);
	if (rc == 0)
		rc = ml_log_get(st, txn, seq, al);
	if (rc != 0)
		return rc;
	if (!ml_is_conditional(al))
		return mv_differ(d, "record", ev->seq,
		                 "seq %llu resolves seq %llu, which is not a "
		                 "conditional allocation",
		                 (unsigned long long)ev->seq,
		                 (unsigned long long)seq);
	rc = mv_resolve(x, al, r, d);
	if (rc == 0 && al->type == ML_TYPE_DISTRIBUTION)
		rc = mv_shares(x, al, r, d);
	if (rc != 0) {
		ml_resolved_free(r);
		return rc;
	}
	ml_resolved_condition(ev, al, r);
	return 0;
}

static int mv_condition(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                        const struct ml_event *ev, struct mv_diff *d)
{
	struct ml_event al;
	struct ml_resolved r;
	int rc = mv_resolve_condition(st, txn, x, ev, d, &al, &r);
	if (rc != 0)
		return rc;
	bool claim =
	    ev->type == ML_TYPE_CONFIRM && (al.present & ML_BIT(ML_F_CLAIM_BY));
	for (uint32_t i = 0; rc == 0 && claim && i < mv_allocs(&r); i++)
		rc =
		    mv_row_add(&x->claims,
		               (struct mv_row){r.grant, mv_alloc_to(&r, i),
		                               ev->seq, ev->date, al.claim_by});
	if (rc == 0)
		rc = mv_add_postings(x, ev, &r, 1);
	ml_resolved_free(&r);
	return rc;
}

static int mv_party_no(void *arg, struct ml_str id, uint32_t *no)
{
	struct mv_expect *x = arg;
	*no = 0;
	ml_cache_name(x->names, 'p', id, no);
	return 0;
}

/* A distribution's shares (into r), or the difference its key makes. */
static int mv_shares(struct mv_expect *x, const struct ml_event *ev,
                     struct ml_resolved *r, struct mv_diff *d)
{
	struct ml_str unknown = {NULL, 0};
	int rc = ml_resolve_shares(ev, mv_party_no, x, r, &unknown);
	if (rc == ML_E_UNKNOWN_PARTY || rc == ML_E_CORRUPT)
		return mv_differ(
		    d, "record", ev->seq,
		    "seq %llu is a distribution whose key %s%.*s",
		    (unsigned long long)ev->seq,
		    unknown.ptr ? "names undefined party " : "cannot be read",
		    (int)unknown.len, unknown.ptr ? unknown.ptr : "");
	return rc;
}

/* A distribution's shares, and a claims row per share with claim_by. */
static int mv_distribution(struct mv_expect *x, const struct ml_event *ev,
                           struct ml_resolved *r, struct mv_diff *d)
{
	int rc = mv_shares(x, ev, r, d);
	/* A conditional one's claim_by counts from its confirm. */
	bool claim =
	    (ev->present & ML_BIT(ML_F_CLAIM_BY)) && !ml_is_conditional(ev);
	for (uint32_t i = 0; rc == 0 && claim && i < r->share_count; i++)
		rc = mv_row_add(&x->claims,
		                (struct mv_row){r->grant, r->shares[i].party_no,
		                                ev->seq, ev->date,
		                                ev->claim_by});
	if (rc == 0)
		rc = mv_add_postings(x, ev, r, 1);
	ml_resolved_free(r);
	return rc;
}

static int mv_other(struct mv_expect *x, const struct ml_event *ev,
                    struct mv_diff *d)
{
	struct ml_resolved r;
	int rc = mv_resolve(x, ev, &r, d);
	if (rc != 0)
		return rc;
	if (ev->type == ML_TYPE_DISTRIBUTION)
		return mv_distribution(x, ev, &r, d);
	if (ev->type == ML_TYPE_CLOSE) {
		if (x->closed[r.grant] < ev->date)
			x->closed[r.grant] = ev->date;
		return 0;
	}
	if (ev->type == ML_TYPE_REPORT)
		return mv_row_add(
		    &x->reports,
		    (struct mv_row){r.grant, r.party, ev->seq, ev->date, 0});
	if (ev->type == ML_TYPE_ALLOCATION && !ml_is_conditional(ev) &&
	    (ev->present & ML_BIT(ML_F_CLAIM_BY)))
		rc = mv_row_add(&x->claims,
		                (struct mv_row){r.grant, r.to, ev->seq,
		                                ev->date, ev->claim_by});
	return rc == 0 ? mv_add_postings(x, ev, &r, 1) : rc;
}

/* The last closed day of grant g as the replay stands: the global
 * close, its own and its ancestors'. */
static ml_day mv_closed_until(const struct mv_expect *x, uint32_t g)
{
	ml_day c = x->closed[0];
	for (uint32_t hops = 0; g != 0 && g <= x->grants && hops < x->grants;
	     hops++) {
		if (g < x->closed_cap && x->closed[g] > c)
			c = x->closed[g];
		g = x->grant[g].parent;
	}
	return c;
}

static bool mv_open(const struct mv_expect *x, const struct ml_resolved *r,
                    ml_day day)
{
	return day > mv_closed_until(x, r->grant) &&
	       (r->to_grant == 0 || day > mv_closed_until(x, r->to_grant));
}

/* What the replay knows of seq, a correction it applied or the target of
 * one: the replay stops at the first difference, so every correction
 * before the current one was applied and made both entries. */
static const struct mv_fix *mv_fix_of(const struct mv_expect *x, uint64_t seq)
{
	const struct mv_fix *f = mv_corr_find(&x->corr, seq);
	ML_ASSERT(f != NULL);
	return f;
}

/* How correction ev undoes t (ml_rules_correct.c's essay, from the log
 * and the replay alone): withdraws t's records, or posts E's postings
 * times sign on a date of its own. */
static int mv_correct_apply(struct mv_expect *x, const struct ml_event *ev,
                            const struct ml_event *t, const struct ml_event *e,
                            int depth, const struct ml_resolved *r)
{
	bool own = true;
	ml_day day = t->date;
	int sign = depth % 2 == 1 ? -1 : 1; /* of t's records */
	if (depth > 0) { /* t is a correction the replay has applied */
		own = mv_fix_of(x, t->corrects)->retracted_by != t->seq;
		day = mv_fix_of(x, t->seq)->date;
		if (!own) { /* t withdrew the records of its own target */
			sign = -sign;
			day = depth == 1 ? e->date
			                 : mv_fix_of(x, t->corrects)->date;
		}
	}
	bool open = mv_open(x, r, day);
	struct mv_fix *target;
	int rc = mv_corr_at(&x->corr, t->seq, &target);
	if (rc != 0)
		return rc;
	if (target->date == ML_DAY_NONE)
		target->date = t->date; /* not a correction: its log date */
	target->corrected_by = ev->seq;
	if (own && open)
		return mv_corr_retract(&x->corr, target, ev->seq);
	x->date = open ? day : ev->date;
	if (x->date_of != NULL)
		x->date_of[ev->seq] = x->date;
	struct mv_fix *self;
	rc = mv_corr_at(&x->corr, ev->seq, &self);
	if (rc == 0)
		self->date = x->date;
	return rc == 0 ? mv_add_postings(x, e, r, own ? -sign : sign) : rc;
}

static int mv_correction(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                         const struct ml_event *ev, struct mv_diff *d)
{
	uint64_t s = ev->corrects;
	struct ml_event t, e;
	struct ml_resolved r;
	int depth = 0;
	const struct mv_fix *was = mv_corr_find(&x->corr, s);
	bool ok =
	    s != 0 && s < ev->seq && (was == NULL || was->corrected_by == 0);
	int rc = ok ? ml_log_get(st, txn, s, &t) : 0;
	ok = ok && rc == 0 &&
	     (ml_type_is_money(t.type) || t.type == ML_TYPE_REPORT ||
	      t.type == ML_TYPE_CORRECTION);
	ml_reading_db(ML_DB_CORR);
	if (ok)
		rc = ml_state_event_root(st, txn, s, &e, &depth);
	ml_reading_db(ML_DB_LOG);
	if (ok && rc == 0)
		rc = ml_log_get(st, txn, s, &t);
	if (rc != 0 && rc != ML_E_CORRUPT && rc != ML_E_NOT_FOUND)
		return rc;
	if (!ok || rc != 0)
		return mv_differ(d, "record", ev->seq,
		                 "seq %llu corrects seq %llu, which cannot be "
		                 "corrected (missing, later, a definition or a "
		                 "close, or corrected already)",
		                 (unsigned long long)ev->seq,
		                 (unsigned long long)s);
	x->corrections++;
	struct mv_fix *self; /* its records' date until it posts its own */
	rc = mv_corr_at(&x->corr, ev->seq, &self);
	if (rc != 0)
		return rc;
	self->date = ev->date;
	if (e.type == ML_TYPE_CONFIRM || e.type == ML_TYPE_LAPSE) {
		/* the confirm's or lapse's postings are its allocation's */
		struct ml_event al;
		rc = mv_resolve_condition(st, txn, x, &e, d, &al, &r);
		if (rc != 0)
			return rc; /* r was not kept */
	} else {
		rc = mv_resolve(x, &e, &r, d);
		if (rc == 0 && e.type == ML_TYPE_DISTRIBUTION)
			rc = mv_shares(x, &e, &r, d);
	}
	if (rc == 0)
		rc = mv_correct_apply(x, ev, &t, &e, depth, &r);
	ml_resolved_free(&r);
	return rc;
}

static int mv_one(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                  const struct ml_event *ev, struct mv_diff *d)
{
	x->seq = ev->seq;
	x->date = ev->date;
	if (x->exact) {
		x->first[ev->seq] = x->nposts;
		x->date_of[ev->seq] = ev->date;
	}
	if (ev->id.ptr != NULL && !x->exact) {
		x->ids++; /* the chain thread sums them (ml_verify_logsums.c) */
	} else if (ev->id.ptr != NULL) {
		uint64_t seq = 0;
		ml_reading_db(ML_DB_IDS);
		int rc = ml_log_find_id(st, txn, ev->id, &seq);
		ml_reading_db(ML_DB_LOG);
		x->ids++;
		if (rc != 0 && rc != ML_E_NOMEM)
			return mv_differ(d, "index", ev->seq,
			                 "the id index cannot be read for id "
			                 "'%.*s' of seq %llu: %s",
			                 (int)ev->id.len, ev->id.ptr,
			                 (unsigned long long)ev->seq,
			                 ml_strerror(rc));
		if (rc != 0)
			return rc;
		if (seq != ev->seq)
			return mv_differ(d, "index", ev->seq,
			                 "id '%.*s' of seq %llu maps to seq "
			                 "%llu in the id index",
			                 (int)ev->id.len, ev->id.ptr,
			                 (unsigned long long)ev->seq,
			                 (unsigned long long)seq);
	}
	switch (ev->type) {
	case ML_TYPE_PARTY:
		return mv_party(x, ev, d);
	case ML_TYPE_GRANT:
		return mv_grant(x, ev, d);
	case ML_TYPE_CORRECTION:
		return mv_correction(st, txn, x, ev, d);
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		return mv_condition(st, txn, x, ev, d);
	default:
		return mv_other(x, ev, d);
	}
}

int mv_replay(bool exact, uint64_t resident_max, struct ml_store *st,
              MDB_txn *txn, struct mv_expect *x, struct mv_diff *d,
              ml_progress_fn progress, void *arg)
{
	struct ml_log_head head;
	int rc = ml_log_head_read(st, txn, &head);
	if (rc == 0)
		rc = mv_setup(x, head.seq, exact);
	x->resident_max = resident_max;
	MDB_cursor *cur = NULL;
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_LOG], &cur));
	MDB_val key, val;
	ml_reading_at(ML_DB_LOG, 1);
	int mrc = rc == 0 ? mdb_cursor_get(cur, &key, &val, MDB_FIRST) : 0;
	for (uint64_t s = 1; rc == 0 && s <= head.seq && d->kind[0] == 0; s++) {
		struct ml_event ev;
		if (mrc != 0 || key.mv_size != 8 ||
		    ml_be64_get(key.mv_data) != s ||
		    ml_record_decode(val.mv_data, val.mv_size, s, &ev) != 0) {
			mv_differ(d, "record", s,
			          "seq %llu is missing or cannot "
			          "be decoded",
			          (unsigned long long)s);
			break;
		}
		rc = mv_one(st, txn, x, &ev, d);
		if (rc > 0)
			rc = 0; /* a difference: stop at the check above */
		if (progress != NULL && (s & 0xffff) == 0)
			progress(s, head.seq, arg);
		if (s % ML_VERIFY_TRIM_EVENTS == 0 &&
		    resident_max != UINT64_MAX)
			ml_store_map_trim(val.mv_data, resident_max);
		ml_reading_at(ML_DB_LOG, s + 1);
		mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	if (x->first != NULL)
		x->first[head.seq + 1] = x->nposts;
	mdb_cursor_close(cur);
	return rc;
}

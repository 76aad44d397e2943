/*
 * test_model.c — the ledger checked against a naive model of docs/rules.md.
 *
 * The model in this file was written from docs/rules.md alone, without
 * looking at ledger/ml_rules*.c, ml_entries.c, ml_postings.c or
 * ml_state.c, so that the two implementations share no mistake. It is
 * deliberately plain:
 *
 *   - every accepted event is kept in an array (seq = index + 1);
 *   - per account (grant, party) and per edge (grant, from, to) a list of
 *     the postings made to it, kept in date order; nothing else — no
 *     running totals, no cached balances;
 *   - to decide a candidate (one event or an atomic batch) the model runs
 *     the checks that come before the postings, stores the event
 *     tentatively, and then replays, for every account and edge it posts
 *     to (for a correction: those of the event at the root of its chain),
 *     all counting records in date order from the first one, checking
 *     every rule at the end of every date. A grant definition re-checks
 *     every counting expense and carry-over record against the new
 *     definitions; a payout that stops counting re-checks every counting
 *     repayment record. On failure the whole batch is undone.
 *   - a correction either withdraws the records of the event it corrects
 *     (they stop counting) or posts records of its own (the root's
 *     postings negated or again, on its date or the root's), as
 *     docs/rules.md "Corrections" says; corrections of corrections, and
 *     corrections after closes, are generated on purpose.
 *
 * Where docs/rules.md leaves room, the model reads it so (the ledger
 * agrees unless the report of the run says otherwise):
 *   - a posting's account is checked date by date, and at each date the
 *     checks 1–5 in order ("dates ascending, the first failing check");
 *   - a corrected payout's repayments are re-checked after the corrected
 *     postings' accounts;
 *   - a grant definition's closed period is that of the grant's existing
 *     parent chain (for a new grant: the parent it names);
 *   - a redefinition checks use_by against the expenses of the grant and
 *     its inheriting posts before carry_over against their carry-overs.
 *
 * A seeded generator writes random events — valid and invalid, single and
 * in atomic batches, back-dated over three years — as JSON text; they go
 * through ml_json_parse_batch and ml_ledger_append (grouped into write
 * transactions of up to 64 batches, so that 20 000 fsyncs do not dominate
 * the run; every 50th batch goes through ml_ledger_append_batch instead).
 * The model must take the same decision, with the same error code and
 * batch index. When they differ the mismatch is printed and the model
 * follows the ledger, so that the run can go on to find more.
 *
 * At every checkpoint view the consolidated answers are computed from the
 * posting lists too and compared with the ledger's JSON: balances with
 * party and rollup, repayments rows per legal entity, and the statement's
 * summary and sources (see "Consolidated answers" below).
 *
 * At 200 checkpoints every (grant, party) account — ten buckets and the
 * existence flag — and every edge either side has (allocated, claimed,
 * paid, repaid) are compared with ml_state_account and ml_state_edge, as of
 * random dates and as known at random points (the recorded_at of a
 * random stored event); so are each grant's effective definition and
 * closed day, party parents, corrected_by of sampled events, and per
 * account the visible reports and latest claim_by.
 *
 * Finally the stored events are appended again, in their order, to a
 * second ledger in wide batches of random size (up to 2 000 events), and
 * every projection and index of the two must be byte for byte the same:
 * the batch path (day records held in memory per series until the batch
 * ends, ml_tails.h) against the one-event-at-a-time path the model saw.
 *
 * Conditional allocations, confirms and lapses are among the random events
 * (docs/rules.md: pending and pending_out, what a confirm or lapse may
 * name, at most one resolution that counts, a resolved allocation
 * corrected only after its resolution); the model finds an allocation's
 * resolution by walking every stored event.
 *
 * MEDEL_MODEL_SEED and MEDEL_MODEL_EVENTS override the seed and the number
 * of events. Cost: O(postings of the touched accounts) per candidate.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_buf.h"
#include "ml_date.h"
#include "ml_json.h"
#include "ml_ledger.h"
#include "ml_state.h"
#include "ml_store.h"
#include "mt.h"
#include "tl.h"

#define NP               16 /* party ids in the pool */
#define NP_DEF           14 /* only the first NP_DEF are ever defined */
#define NG               10 /* grant ids in the pool */
#define NG_DEF           9  /* the first NG_DEF may get defined */
#define KEY_MAX          4  /* parties in a distribution's key, at most */
#define NPOST            (1 + 2 * KEY_MAX) /* postings of one event, at most */
#define BATCH_MAX        4 /* events of one generated batch, at most */
#define MISMATCH_MAX     10
#define CHECKPOINTS      200
#define EVENTS_DEFAULT   20000
#define SEED_DEFAULT     20240611ULL
#define WTXN_BATCHES_MAX 64
#define NONE             (-1)
#define AMOUNT_MAX       1000000000000000LL
#define BIG              1000000000000LL /* the generator's "no limit" */

/* ---------------------------------------------------------------------
 * The pools of ids. Templates give each id its natural definition.
 */

struct party_tpl {
	const char *id;
	const char *kind;
	int parent; /* NONE or a pool index */
};

static const struct party_tpl PARTIES[NP] = {
    {"kammarkollegiet", "state", NONE},
    {"skr", "association", NONE},
    {"storsthlm", "county_association", NONE},
    {"region-sthlm", "region", NONE},
    {"malmo", "municipality", NONE},
    {"malmo-asn", "committee", 4},
    {"malmo-fsn", "committee", 4},
    {"sthlm", "municipality", NONE},
    {"sthlm-soc", "committee", 7},
    {"goteborg", "municipality", NONE},
    {"gbg-unit", "unit", 9},
    {"lund", "municipality", NONE},
    {"nacka", "municipality", 2},
    {"uppsala", "region", NONE},
    {"ghost", "other", NONE},  /* never defined */
    {"nobody", "other", NONE}, /* never defined */
};

struct grant_tpl {
	const char *id;
	int payer, parent; /* pool indices */
	int64_t total_ore;
	int32_t def_ymd; /* date of the first definition, YYYYMMDD */
	int32_t use_by_ymd, report_by_ymd, repay_by_ymd; /* 0 = none */
	int carry_over; /* NONE = not given, 0, 1 */
};

static const struct grant_tpl GRANTS[NG] = {
    {"ph-2019", 0, NONE, 5000000000LL, 20190115, 20191231, 20200131, 20200331,
     1},
    {"ph-2020", 0, NONE, 8000000000LL, 20200120, 20201231, 20210131, 20210331,
     NONE},
    {"ph-2020/lansgem", 0, 1, 2000000000LL, 20200201, 0, 0, 0, NONE},
    {"ph-2020/lansgem/suicid", 0, 2, 300000000LL, 20200301, 20210630, 0, 0,
     NONE},
    {"vuxen-2020", 1, NONE, 3000000000LL, 20200110, 0, 0, 0, 1},
    {"vuxen-2020/a", 1, 4, 500000000LL, 20200215, 0, 0, 0, 0},
    {"ph-2021", 0, NONE, 8000000000LL, 20210125, 20211231, 20220131, 20220331,
     0},
    {"ph-2019/extra", 0, 0, 1000000000LL, 20190301, 0, 0, 0, 0},
    {"ph-2021/x", 0, 6, 1000000000LL, 20210301, 0, 0, 0, NONE},
    {"ghost-grant", 0, NONE, 1, 20200101, 0, 0, 0, NONE}, /* never */
};

static ml_day DAY_LO, DAY_HI, CLOSE_CAP;

static ml_day ymd_day(int32_t ymd)
{
	if (ymd == 0)
		return NONE;
	return ml_date_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

/* ---------------------------------------------------------------------
 * The model's data.
 */

struct mpost {
	int8_t edge; /* 0: account (g, a); 1: edge (g, a → b) */
	int8_t pool; /* the parent-pool posting of a post's definition */
	int8_t nb;   /* buckets posted: 1 or 2 */
	int8_t bucket[2];
	int g, a, b;
	int64_t delta[2];
};

/* One event as generated (pool indices, not strings) and, once stored,
 * its postings and who corrected it. */
struct mev {
	enum ml_type type;
	ml_day day;
	int g, g2;      /* grant; to_grant, or the parent of a grant def */
	int a, b;       /* from / party / payer / defined party;
	                   to / parent party */
	int64_t amount; /* amount, total of a grant, spent of a report */
	ml_day use_by, report_by, repay_by, claim_by, due;
	int carry_over; /* NONE, 0, 1 */
	bool unit;      /* an expense gives a unit */
	uint64_t corrects;
	int settles_kind; /* 0 none, 1 by seq, 2 by id */
	uint64_t settles; /* a seq or an id number */
	int id_no;        /* client id "e<id_no>", NONE = no id */
	bool cond;        /* an allocation with a condition */
	ml_day decide_by; /* of a conditional allocation, NONE */
	bool has_amount;  /* a confirm that gives its amount */
	int tgt;          /* confirm, lapse: the allocation's index, NONE */
	/* distribution: the key's parties in id order, their weights, their
	 * shares (model_shares), and round_to ore (else kr) */
	int nkey;
	int kp[KEY_MAX];
	int64_t kw[KEY_MAX], share[KEY_MAX];
	bool ore;
	uint64_t corrected_by;
	int npost;
	struct mpost post[NPOST];
	/* A correction: the event at the root of its chain (index), its
	 * place in the chain (1 = corrects the event itself), and whether it
	 * posted records of its own (the root's postings times own_sign on
	 * own_day) rather than withdrawing those of the event it corrects. */
	int root, depth;
	bool own;
	ml_day own_day;
	int own_sign;
};

struct mparty {
	bool defined;
	int parent;
};

struct mgrant {
	bool defined;
	int payer, parent;
	int64_t total;
	ml_day use_by, report_by, repay_by;
	int carry_over;
};

struct mdefs {
	struct mparty p[NP];
	struct mgrant g[NG];
	ml_day close_all; /* last day closed for every grant, NONE */
	ml_day close[NG]; /* last day closed by a close of that grant */
};

struct ment {
	ml_day day;
	uint32_t ev;  /* index into model.ev: whose record (its seq) */
	uint32_t src; /* whose postings: ev, or a correction's root */
	uint32_t k;   /* which posting of src */
	int sign;     /* +1, or -1 for a correction's reversal */
};

struct mlist {
	struct ment *v;
	size_t n, cap;
};

struct model {
	struct mev *ev;
	size_t n, cap;
	struct mdefs d;
	struct mlist acct[NG][NP];
	struct mlist edge[NG][NP][NP];
};

/* What a balance query sees: events dated ≤ as_of recorded by known_seq
 * (UINT64_MAX = everything). */
struct mview {
	ml_day as_of;
	uint64_t known_seq;
};

struct msnap {
	size_t n;
	struct mdefs d;
};

struct mres {
	int code;
	int index;
};

static void *xrealloc(void *p, size_t bytes)
{
	void *q = realloc(p, bytes);
	if (q == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return q;
}

static void model_init(struct model *m)
{
	memset(m, 0, sizeof *m);
	for (int p = 0; p < NP; p++)
		m->d.p[p].parent = NONE;
	for (int g = 0; g < NG; g++) {
		m->d.g[g].parent = NONE;
		m->d.close[g] = NONE;
	}
	m->d.close_all = NONE;
}

static void model_free(struct model *m)
{
	for (int g = 0; g < NG; g++)
		for (int a = 0; a < NP; a++) {
			free(m->acct[g][a].v);
			for (int b = 0; b < NP; b++)
				free(m->edge[g][a][b].v);
		}
	free(m->ev);
}

/* A confirm or lapse: names a conditional allocation, not a grant. */
static bool is_resolution(enum ml_type t)
{
	return t == ML_TYPE_CONFIRM || t == ML_TYPE_LAPSE;
}

/* A conditional allocation or distribution: what a confirm or lapse
 * may name. */
static bool is_cond(const struct mev *t)
{
	return (t->type == ML_TYPE_ALLOCATION ||
	        t->type == ML_TYPE_DISTRIBUTION) &&
	       t->cond;
}

static bool is_money(enum ml_type t)
{
	return t == ML_TYPE_ALLOCATION || t == ML_TYPE_DECLINE ||
	       t == ML_TYPE_REQUISITION || t == ML_TYPE_INVOICE ||
	       t == ML_TYPE_PAYOUT || t == ML_TYPE_EXPENSE ||
	       t == ML_TYPE_REPAYMENT || t == ML_TYPE_CARRYOVER ||
	       is_resolution(t) || t == ML_TYPE_DISTRIBUTION;
}

/* Types whose `from` and `to` are parties (a and b). */
static bool has_from_to(enum ml_type t)
{
	return is_money(t) && t != ML_TYPE_EXPENSE && t != ML_TYPE_CARRYOVER &&
	       !is_resolution(t) && t != ML_TYPE_DISTRIBUTION;
}

static int64_t held_of(const int64_t t[ML_BUCKETS])
{
	return t[ML_B_RECEIVED] + t[ML_B_RETURNED] + t[ML_B_CARRIED_IN] -
	       t[ML_B_PAID_OUT] - t[ML_B_SPENT] - t[ML_B_REPAID] -
	       t[ML_B_CARRIED_OUT];
}

static int64_t unallocated_of(const int64_t t[ML_BUCKETS])
{
	return t[ML_B_ALLOCATED] + t[ML_B_CARRIED_IN] - t[ML_B_ALLOCATED_OUT] -
	       t[ML_B_PENDING_OUT] - t[ML_B_CARRIED_OUT];
}

/* ---------------------------------------------------------------------
 * Definitions: inheritance, closed periods.
 */

static ml_day eff_use_by(const struct mdefs *d, int g)
{
	for (int i = 0; g >= 0 && i < NG; i++, g = d->g[g].parent)
		if (d->g[g].use_by != NONE)
			return d->g[g].use_by;
	return NONE;
}

/* The effective report_by (which 1) or repay_by (which 2). */
static ml_day eff_deadline(const struct mdefs *d, int g, int which)
{
	for (int i = 0; g >= 0 && i < NG; i++, g = d->g[g].parent) {
		ml_day v = which == 1 ? d->g[g].report_by : d->g[g].repay_by;
		if (v != NONE)
			return v;
	}
	return NONE;
}

static bool eff_carry_over(const struct mdefs *d, int g)
{
	for (int i = 0; g >= 0 && i < NG; i++, g = d->g[g].parent)
		if (d->g[g].carry_over != NONE)
			return d->g[g].carry_over == 1;
	return false;
}

static ml_day max_day(ml_day a, ml_day b)
{
	return a > b ? a : b;
}

/* The last closed day of grant g: the global close, its own and every
 * ancestor's. */
static ml_day closed_until(const struct mdefs *d, int g)
{
	ml_day c = d->close_all;
	for (int i = 0; g >= 0 && i < NG; i++, g = d->g[g].parent)
		c = max_day(c, d->close[g]);
	return c;
}

/* ---------------------------------------------------------------------
 * Postings (docs/rules.md's table, in its order).
 */

static void post_add(struct mev *e, int edge, int g, int a, int b, int bk,
                     int64_t delta)
{
	struct mpost *p = &e->post[e->npost++];
	memset(p, 0, sizeof *p);
	p->edge = (int8_t)edge;
	p->g = g;
	p->a = a;
	p->b = b;
	p->nb = 1;
	p->bucket[0] = (int8_t)bk;
	p->delta[0] = delta;
}

static void post_grant(struct mev *e, int g, int payer, int64_t delta,
                       bool pool)
{
	post_add(e, 0, g, payer, NONE, ML_B_ALLOCATED, delta);
	struct mpost *p = &e->post[e->npost - 1];
	p->nb = 2;
	p->bucket[1] = ML_B_RECEIVED;
	p->delta[1] = delta;
	p->pool = pool;
}

/* Posting k of e gets a second bucket. */
static void post_second(struct mev *e, int k, int bk, int64_t delta)
{
	if (delta == 0)
		return;
	e->post[k].nb = 2;
	e->post[k].bucket[1] = (int8_t)bk;
	e->post[k].delta[1] = delta;
}

/* A confirm (every share as computed) or lapse of conditional
 * distribution t, whose shares build_postings computed when t was
 * stored. */
static void build_dist_resolution(struct mev *e, const struct mev *t)
{
	bool confirm = e->type == ML_TYPE_CONFIRM;
	post_add(e, 0, t->g, t->a, NONE, ML_B_PENDING_OUT, -t->amount);
	post_second(e, 0, ML_B_ALLOCATED_OUT, confirm ? t->amount : 0);
	for (int i = 0; i < t->nkey; i++) {
		int64_t s = t->share[i];
		if (s == 0)
			continue;
		post_add(e, 0, t->g, t->kp[i], NONE, ML_B_PENDING, -s);
		post_second(e, e->npost - 1, ML_B_ALLOCATED, confirm ? s : 0);
		post_add(e, 1, t->g, t->a, t->kp[i], ML_B_PENDING, -s);
		post_second(e, e->npost - 1, ML_B_ALLOCATED, confirm ? s : 0);
	}
}

/* A confirm of c (0: a lapse) of conditional allocation t. */
static void build_resolution(const struct model *m, struct mev *e)
{
	if (e->tgt == NONE)
		return; /* a refused one the model was told to store */
	const struct mev *t = &m->ev[e->tgt];
	int64_t p = t->amount, c = 0;
	if (t->type == ML_TYPE_DISTRIBUTION) {
		build_dist_resolution(e, t);
		return;
	}
	if (e->type == ML_TYPE_CONFIRM)
		c = e->has_amount ? e->amount : p;
	post_add(e, 0, t->g, t->a, NONE, ML_B_PENDING_OUT, -p);
	post_second(e, 0, ML_B_ALLOCATED_OUT, c);
	post_add(e, 0, t->g, t->b, NONE, ML_B_PENDING, -p);
	post_second(e, 1, ML_B_ALLOCATED, c);
	post_add(e, 1, t->g, t->a, t->b, ML_B_PENDING, -p);
	post_second(e, 2, ML_B_ALLOCATED, c);
}

/* Does key party i come before key party j for a leftover unit? The
 * larger remainder, the larger weight, the id first in code-point
 * order. */
static bool share_first(const struct mev *e, const int64_t *rem, int i, int j)
{
	if (rem[i] != rem[j])
		return rem[i] > rem[j];
	if (e->kw[i] != e->kw[j])
		return e->kw[i] > e->kw[j];
	return strcmp(PARTIES[e->kp[i]].id, PARTIES[e->kp[j]].id) < 0;
}

/* docs/rules.md's shares: the floors, then the leftover units handed
 * out one at a time to the best party not yet given one. */
static void model_shares(struct mev *e)
{
	int64_t unit = e->ore ? 1 : 100, units = e->amount / unit, w = 0;
	int64_t rem[KEY_MAX], left = units;
	bool given[KEY_MAX] = {false};
	for (int i = 0; i < e->nkey; i++)
		w += e->kw[i];
	for (int i = 0; i < e->nkey; i++) {
		__int128 p = (__int128)units * e->kw[i];
		e->share[i] = (int64_t)(p / w);
		rem[i] = (int64_t)(p % w);
		left -= e->share[i];
	}
	for (; left > 0; left--) {
		int best = -1;
		for (int i = 0; i < e->nkey; i++)
			if (!given[i] &&
			    (best < 0 || share_first(e, rem, i, best)))
				best = i;
		given[best] = true;
		e->share[best]++;
	}
	for (int i = 0; i < e->nkey; i++)
		e->share[i] *= unit;
}

static void build_postings(const struct model *m, struct mev *e)
{
	int64_t x = e->amount;
	int g = e->g;
	e->npost = 0;
	if (e->type == ML_TYPE_ALLOCATION && e->cond) {
		post_add(e, 0, g, e->a, NONE, ML_B_PENDING_OUT, x);
		post_add(e, 0, g, e->b, NONE, ML_B_PENDING, x);
		post_add(e, 1, g, e->a, e->b, ML_B_PENDING, x);
		return;
	}
	if (is_resolution(e->type)) {
		build_resolution(m, e);
		return;
	}
	switch (e->type) {
	case ML_TYPE_GRANT: {
		const struct mgrant *old = &m->d.g[g];
		int64_t delta = x - (old->defined ? old->total : 0);
		int parent = old->defined ? old->parent : e->g2;
		if (delta == 0)
			break;
		post_grant(e, g, e->a, delta, false);
		if (parent != NONE)
			post_grant(e, parent, e->a, -delta, true);
		break;
	}
	case ML_TYPE_ALLOCATION:
		post_add(e, 0, g, e->a, NONE, ML_B_ALLOCATED_OUT, x);
		post_add(e, 0, g, e->b, NONE, ML_B_ALLOCATED, x);
		post_add(e, 1, g, e->a, e->b, ML_B_ALLOCATED, x);
		break;
	case ML_TYPE_DECLINE:
		post_add(e, 1, g, e->b, e->a, ML_B_ALLOCATED, -x);
		post_add(e, 0, g, e->a, NONE, ML_B_ALLOCATED, -x);
		post_add(e, 0, g, e->b, NONE, ML_B_ALLOCATED_OUT, -x);
		break;
	case ML_TYPE_REQUISITION:
	case ML_TYPE_INVOICE:
		post_add(e, 0, g, e->b, NONE, ML_B_CLAIMED, x);
		post_add(e, 1, g, e->a, e->b, ML_B_CLAIMED, x);
		break;
	case ML_TYPE_PAYOUT:
		post_add(e, 0, g, e->a, NONE, ML_B_PAID_OUT, x);
		post_add(e, 0, g, e->b, NONE, ML_B_RECEIVED, x);
		post_add(e, 1, g, e->a, e->b, ML_B_PAID_OUT, x);
		break;
	case ML_TYPE_EXPENSE:
		post_add(e, 0, g, e->a, NONE, ML_B_SPENT, x);
		break;
	case ML_TYPE_REPAYMENT:
		post_add(e, 0, g, e->a, NONE, ML_B_REPAID, x);
		post_add(e, 0, g, e->b, NONE, ML_B_RETURNED, x);
		post_add(e, 1, g, e->a, e->b, ML_B_REPAID, x);
		break;
	case ML_TYPE_CARRYOVER:
		post_add(e, 0, g, e->a, NONE, ML_B_CARRIED_OUT, x);
		post_add(e, 0, e->g2, e->a, NONE, ML_B_CARRIED_IN, x);
		break;
	case ML_TYPE_DISTRIBUTION: {
		/* a conditional one: pending in place of allocated */
		int out = e->cond ? ML_B_PENDING_OUT : ML_B_ALLOCATED_OUT;
		int in = e->cond ? ML_B_PENDING : ML_B_ALLOCATED;
		model_shares(e);
		post_add(e, 0, g, e->a, NONE, out, x);
		for (int i = 0; i < e->nkey; i++) {
			if (e->share[i] == 0)
				continue;
			post_add(e, 0, g, e->kp[i], NONE, in, e->share[i]);
			post_add(e, 1, g, e->a, e->kp[i], in, e->share[i]);
		}
		break;
	}
	default:
		break;
	}
}

/* ---------------------------------------------------------------------
 * Lists of postings per account and edge, and sums over them.
 */

static struct mlist *post_list(struct model *m, const struct mpost *p)
{
	return p->edge ? &m->edge[p->g][p->a][p->b] : &m->acct[p->g][p->a];
}

static const struct mlist *post_list_c(const struct model *m,
                                       const struct mpost *p)
{
	return p->edge ? &m->edge[p->g][p->a][p->b] : &m->acct[p->g][p->a];
}

/* Inserts x after every entry dated ≤ x.day (date order, then seq). */
static void list_insert(struct mlist *l, struct ment x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	size_t i = l->n;
	while (i > 0 && l->v[i - 1].day > x.day)
		i--;
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof *l->v);
	l->v[i] = x;
	l->n++;
}

/* Removes every entry of an event with index ≥ first_ev. */
static void list_drop_from(struct mlist *l, uint32_t first_ev)
{
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ev < first_ev)
			l->v[w++] = l->v[i];
	l->n = w;
}

static void ent_add(const struct model *m, const struct ment *x,
                    int64_t t[ML_BUCKETS])
{
	const struct mpost *p = &m->ev[x->src].post[x->k];
	for (int j = 0; j < p->nb; j++)
		t[p->bucket[j]] += x->sign * p->delta[j];
}

/* Were the records of event i withdrawn by a correction known by
 * known_seq (one that did not post records of its own)? */
static bool withdrawn(const struct model *m, uint32_t i, uint64_t known_seq)
{
	uint64_t by = m->ev[i].corrected_by;
	return by != 0 && by <= known_seq && !m->ev[by - 1].own;
}

static bool counts_now(const struct model *m, const struct ment *x)
{
	return !withdrawn(m, x->ev, UINT64_MAX);
}

static bool counts_in(const struct model *m, const struct mview *v,
                      const struct ment *x)
{
	uint64_t seq = (uint64_t)x->ev + 1;
	if (x->day > v->as_of || seq > v->known_seq)
		return false;
	return !withdrawn(m, x->ev, v->known_seq);
}

/* Does event i (a report, an allocation) count in view v? Its records
 * and those of its chain of corrections, summed by sign. */
static bool event_counts_in(const struct model *m, const struct mview *v,
                            size_t i)
{
	struct ment x = {m->ev[i].day, (uint32_t)i, (uint32_t)i, 0, 1};
	int sum = counts_in(m, v, &x) ? 1 : 0;
	for (uint64_t c = m->ev[i].corrected_by; c != 0 && c <= v->known_seq;
	     c = m->ev[c - 1].corrected_by) {
		const struct mev *k = &m->ev[c - 1];
		x = (struct ment){k->own_day, (uint32_t)(c - 1), (uint32_t)i, 0,
		                  k->own_sign};
		if (k->own && counts_in(m, v, &x))
			sum += k->own_sign;
	}
	return sum > 0;
}

/* Totals of a list in a view, summed from scratch; returns existence. */
static bool list_totals(const struct model *m, const struct mlist *l,
                        const struct mview *v, int64_t t[ML_BUCKETS])
{
	bool exists = false;
	memset(t, 0, ML_BUCKETS * sizeof t[0]);
	for (size_t i = 0; i < l->n; i++)
		if (counts_in(m, v, &l->v[i])) {
			ent_add(m, &l->v[i], t);
			exists = true;
		}
	return exists;
}

static const struct mview VIEW_NOW = {ML_DAY_MAX, UINT64_MAX};

/* ---------------------------------------------------------------------
 * The rules on a replayed account or edge.
 */

/* The rules 1–4 of docs/rules.md that fail on totals t, as bits 0–3. */
static unsigned account_failures(const struct model *m,
                                 const int64_t t[ML_BUCKETS],
                                 const struct mpost *p)
{
	unsigned bits = 0;
	if (held_of(t) < 0)
		bits |= 1u;
	if (unallocated_of(t) < 0)
		bits |= 2u;
	if (p->a != m->d.g[p->g].payer) {
		if (t[ML_B_RECEIVED] > t[ML_B_ALLOCATED])
			bits |= 4u;
		if (t[ML_B_CLAIMED] > t[ML_B_ALLOCATED])
			bits |= 8u;
	}
	return bits;
}

/* The code of the lowest failing rule in bits (0 when none). */
static int rule_code(unsigned bits, const struct mpost *p)
{
	if (bits & 1u)
		return p->pool ? ML_E_POST_EXCEEDS_PARENT
		               : ML_E_INSUFFICIENT_FUNDS;
	if (bits & 2u)
		return p->pool ? ML_E_POST_EXCEEDS_PARENT
		               : ML_E_OVER_ALLOCATION;
	if (bits & 4u)
		return ML_E_NOT_ALLOCATED;
	return bits & 8u ? ML_E_OVER_CLAIM : 0;
}

/* Candidates where "dates ascending, then checks 1–4" and "checks 1–4,
 * then dates" give different codes: docs/rules.md's order is the first;
 * counted to show the run met the difference. */
static long order_cases;

/* Replays every counting posting of p's account or edge in date order
 * and checks the rules at the end of every date that has one. The first
 * failure, dates ascending and checks in order at each date, is the
 * error. */
static int replay_check(const struct model *m, const struct mpost *p)
{
	const struct mlist *l = post_list_c(m, p);
	int64_t t[ML_BUCKETS] = {0};
	unsigned first = 0, all = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (counts_now(m, &l->v[i]))
			ent_add(m, &l->v[i], t);
		if (i + 1 < l->n && l->v[i + 1].day == l->v[i].day)
			continue; /* not yet the end of this date */
		if (p->edge && t[ML_B_ALLOCATED] < 0)
			return ML_E_NOT_ALLOCATED;
		if (p->edge && p->a != m->d.g[p->g].payer &&
		    t[ML_B_CLAIMED] > t[ML_B_ALLOCATED])
			return ML_E_OVER_CLAIM; /* the claim-edge rule */
		unsigned bits = p->edge ? 0 : account_failures(m, t, p);
		if (first == 0)
			first = bits;
		all |= bits;
	}
	int rc = rule_code(first, p);
	if (rc != rule_code(all, p))
		order_cases++;
	return rc;
}

/* Sum of one bucket of an edge over counting postings dated ≤ day. */
static int64_t edge_sum(const struct model *m, int g, int from, int to,
                        int bucket, ml_day day)
{
	const struct mview v = {day, UINT64_MAX};
	int64_t t[ML_BUCKETS];
	list_totals(m, &m->edge[g][from][to], &v, t);
	return t[bucket];
}

static bool repay_target_ok(const struct model *m, int g, int from, int to,
                            ml_day day)
{
	return to == m->d.g[g].payer ||
	       edge_sum(m, g, to, from, ML_B_PAID_OUT, day) > 0;
}

/* ---------------------------------------------------------------------
 * Checks before the postings: existence, closed periods, type rules.
 */

static bool pdef(const struct model *m, int p)
{
	return p >= 0 && m->d.p[p].defined;
}

static bool gdef(const struct model *m, int g)
{
	return g >= 0 && m->d.g[g].defined;
}

static int check_exists(const struct model *m, const struct mev *e)
{
	switch (e->type) {
	case ML_TYPE_PARTY:
		return e->b != NONE && !pdef(m, e->b) ? ML_E_UNKNOWN_PARTY : 0;
	case ML_TYPE_GRANT:
		if (!pdef(m, e->a))
			return ML_E_UNKNOWN_PARTY;
		return e->g2 != NONE && !gdef(m, e->g2) ? ML_E_UNKNOWN_GRANT
		                                        : 0;
	case ML_TYPE_CORRECTION:
	case ML_TYPE_CONFIRM: /* names an event, checked as its type rule */
	case ML_TYPE_LAPSE:
		return 0;
	case ML_TYPE_CLOSE:
		return e->g != NONE && !gdef(m, e->g) ? ML_E_UNKNOWN_GRANT : 0;
	default:
		break;
	}
	if (!gdef(m, e->g))
		return ML_E_UNKNOWN_GRANT;
	if (e->type == ML_TYPE_CARRYOVER && !gdef(m, e->g2))
		return ML_E_UNKNOWN_GRANT;
	if (!pdef(m, e->a))
		return ML_E_UNKNOWN_PARTY;
	if (has_from_to(e->type) && !pdef(m, e->b))
		return ML_E_UNKNOWN_PARTY;
	return 0;
}

static int check_closed(const struct model *m, const struct mev *e)
{
	const struct mdefs *d = &m->d;
	ml_day c;
	switch (e->type) {
	case ML_TYPE_PARTY:
	case ML_TYPE_CORRECTION:
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		return 0;
	case ML_TYPE_CLOSE:
		c = e->g != NONE ? closed_until(d, e->g) : d->close_all;
		break;
	case ML_TYPE_GRANT:
		if (d->g[e->g].defined)
			c = closed_until(d, e->g);
		else
			c = max_day(d->close_all, closed_until(d, e->g2));
		break;
	case ML_TYPE_CARRYOVER:
		c = max_day(closed_until(d, e->g), closed_until(d, e->g2));
		break;
	default:
		c = closed_until(d, e->g);
		break;
	}
	return e->day <= c ? ML_E_PERIOD_CLOSED : 0;
}

static const struct mev *find_by_id(const struct model *m, uint64_t id_no)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->ev[i].id_no >= 0 && (uint64_t)m->ev[i].id_no == id_no)
			return &m->ev[i];
	return NULL;
}

static int check_settles(const struct model *m, const struct mev *e)
{
	const struct mev *t = NULL;
	if (e->settles_kind == 0)
		return 0;
	if (e->settles_kind == 1) {
		if (e->settles >= 1 && e->settles <= m->n)
			t = &m->ev[e->settles - 1];
	} else {
		t = find_by_id(m, e->settles);
	}
	if (t == NULL)
		return ML_E_UNKNOWN_EVENT;
	if ((t->type != ML_TYPE_REQUISITION && t->type != ML_TYPE_INVOICE) ||
	    t->g != e->g)
		return ML_E_INVALID_FIELD;
	return 0;
}

/* The index of the event a confirm or lapse names, NONE when none. */
static int cond_target(const struct model *m, const struct mev *e)
{
	if (e->settles_kind == 1)
		return e->settles >= 1 && e->settles <= m->n
		           ? (int)e->settles - 1
		           : NONE;
	const struct mev *t = find_by_id(m, e->settles);
	return t != NULL ? (int)(t - m->ev) : NONE;
}

/* The counting confirm or lapse of allocation t, NONE. Counting: its
 * correction chain leaves it counting (a correction of its correction
 * brings it back). */
static int resolver_of(const struct model *m, int t)
{
	for (size_t i = (size_t)t + 1; i < m->n; i++)
		if (is_resolution(m->ev[i].type) && m->ev[i].tgt == t &&
		    event_counts_in(m, &VIEW_NOW, i))
			return (int)i;
	return NONE;
}

/* docs/rules.md: confirm and lapse, in its order. */
static int check_resolution(const struct model *m, const struct mev *e)
{
	int t = cond_target(m, e);
	if (t == NONE)
		return ML_E_UNKNOWN_EVENT;
	const struct mev *a = &m->ev[t];
	if (!is_cond(a) || !event_counts_in(m, &VIEW_NOW, (size_t)t))
		return ML_E_INVALID_FIELD;
	/* a conditional distribution is confirmed as computed */
	if (a->type == ML_TYPE_DISTRIBUTION && e->has_amount)
		return ML_E_INVALID_FIELD;
	if (e->day < a->day)
		return ML_E_INVALID_FIELD;
	if (e->day <= closed_until(&m->d, a->g))
		return ML_E_PERIOD_CLOSED;
	return resolver_of(m, t) != NONE ? ML_E_ALREADY_RESOLVED : 0;
}

static int check_cycle(const struct model *m, const struct mev *e)
{
	int x = e->b;
	for (int i = 0; x != NONE && i <= NP; i++, x = m->d.p[x].parent)
		if (x == e->a)
			return ML_E_PARENT_CYCLE;
	return 0;
}

static int check_grant_def(const struct model *m, const struct mev *e)
{
	const struct mgrant *g = &m->d.g[e->g];
	if (g->defined)
		return e->a != g->payer || e->g2 != g->parent ? ML_E_EXISTS : 0;
	if (e->g2 != NONE && e->a != m->d.g[e->g2].payer)
		return ML_E_INVALID_FIELD;
	return 0;
}

/* Is day after the closed period of the grants of event r? */
static bool open_for(const struct model *m, const struct mev *r, ml_day day)
{
	ml_day c = closed_until(&m->d, r->g);
	if (r->type == ML_TYPE_CARRYOVER)
		c = max_day(c, closed_until(&m->d, r->g2));
	return day > c;
}

/* docs/rules.md "Corrections": how e undoes the event t it corrects.
 * Fills e's root, depth, own, own_day and own_sign. */
static void plan_correction(const struct model *m, struct mev *e)
{
	const struct mev *t = &m->ev[e->corrects - 1];
	bool t_own = true;
	ml_day t_day = t->day;
	int t_sign = 1;
	e->root =
	    t->type == ML_TYPE_CORRECTION ? t->root : (int)(e->corrects - 1);
	e->depth = t->type == ML_TYPE_CORRECTION ? t->depth + 1 : 1;
	if (t->type == ML_TYPE_CORRECTION && t->own) {
		t_day = t->own_day;
		t_sign = t->own_sign;
	} else if (t->type == ML_TYPE_CORRECTION) {
		/* t withdrew the records of the event it corrected */
		const struct mev *y = &m->ev[t->corrects - 1];
		t_own = false;
		t_day = t->depth == 1 ? y->day : y->own_day;
		t_sign = t->depth == 1 ? 1 : y->own_sign;
	}
	bool open = open_for(m, &m->ev[e->root], t_day);
	e->own = !(t_own && open);
	e->own_day = open ? t_day : e->day;
	e->own_sign = t_own ? -t_sign : t_sign;
}

/* The root's own rule when a correction makes it count again, on the
 * date it counts from. */
static int check_recount(const struct model *m, const struct mev *e)
{
	const struct mev *r = &m->ev[e->root];
	ml_day day = e->own ? e->own_day : r->day;
	ml_day u;
	switch (r->type) {
	case ML_TYPE_EXPENSE:
		u = eff_use_by(&m->d, r->g);
		return u != NONE && day > u ? ML_E_USE_BY_PASSED : 0;
	case ML_TYPE_CARRYOVER:
		return eff_carry_over(&m->d, r->g)
		           ? 0
		           : ML_E_CARRY_OVER_NOT_ALLOWED;
	case ML_TYPE_REPAYMENT:
		return repay_target_ok(m, r->g, r->a, r->b, day)
		           ? 0
		           : ML_E_BAD_REPAYMENT_TARGET;
	case ML_TYPE_CONFIRM: /* resolved once: its allocation counts and */
	case ML_TYPE_LAPSE:   /* nothing else resolved it meanwhile */
		if (r->tgt == NONE ||
		    !event_counts_in(m, &VIEW_NOW, (size_t)r->tgt))
			return ML_E_INVALID_FIELD;
		return resolver_of(m, r->tgt) != NONE ? ML_E_ALREADY_RESOLVED
		                                      : 0;
	default:
		return 0;
	}
}

static int check_correction(const struct model *m, struct mev *e)
{
	if (e->corrects < 1 || e->corrects > m->n)
		return ML_E_UNKNOWN_EVENT; /* not an earlier event */
	const struct mev *t = &m->ev[e->corrects - 1];
	if (!is_money(t->type) && t->type != ML_TYPE_REPORT &&
	    t->type != ML_TYPE_CORRECTION)
		return ML_E_INVALID_FIELD;
	if (t->corrected_by != 0)
		return ML_E_ALREADY_CORRECTED;
	if (is_cond(t) && resolver_of(m, (int)e->corrects - 1) != NONE)
		return ML_E_INVALID_FIELD;
	plan_correction(m, e);
	if (!open_for(m, &m->ev[e->root], e->day))
		return ML_E_PERIOD_CLOSED;
	return e->depth % 2 == 0 ? check_recount(m, e) : 0;
}

static int check_type_rule(const struct model *m, struct mev *e)
{
	ml_day u;
	switch (e->type) {
	case ML_TYPE_EXPENSE:
		u = eff_use_by(&m->d, e->g);
		return u != NONE && e->day > u ? ML_E_USE_BY_PASSED : 0;
	case ML_TYPE_CARRYOVER:
		return eff_carry_over(&m->d, e->g)
		           ? 0
		           : ML_E_CARRY_OVER_NOT_ALLOWED;
	case ML_TYPE_REPAYMENT:
		return repay_target_ok(m, e->g, e->a, e->b, e->day)
		           ? 0
		           : ML_E_BAD_REPAYMENT_TARGET;
	case ML_TYPE_PAYOUT:
		return check_settles(m, e);
	case ML_TYPE_PARTY:
		return check_cycle(m, e);
	case ML_TYPE_GRANT:
		return check_grant_def(m, e);
	case ML_TYPE_CORRECTION:
		return check_correction(m, e);
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		return check_resolution(m, e);
	case ML_TYPE_DISTRIBUTION:
		for (int i = 0; i < e->nkey; i++)
			if (!pdef(m, e->kp[i]))
				return ML_E_UNKNOWN_PARTY;
		return 0;
	default:
		return 0;
	}
}

static int model_precheck(const struct model *m, struct mev *e)
{
	int rc = check_exists(m, e);
	if (rc == 0)
		rc = check_closed(m, e);
	if (rc == 0)
		rc = check_type_rule(m, e);
	return rc;
}

/* ---------------------------------------------------------------------
 * Checks after storing: definitions against every counting event, and
 * the replay of every account and edge the event posts to.
 */

/* The first counting record of an account in bucket with a positive
 * amount on a day where bad(m, g, day) holds. */
typedef bool (*day_bad_fn)(const struct model *m, int g, ml_day day);

static bool any_record(const struct model *m, int bucket, day_bad_fn bad)
{
	for (int g = 0; g < NG; g++)
		for (int p = 0; p < NP; p++) {
			const struct mlist *l = &m->acct[g][p];
			for (size_t i = 0; i < l->n; i++) {
				const struct ment *x = &l->v[i];
				const struct mpost *q =
				    &m->ev[x->src].post[x->k];
				if (q->bucket[0] == bucket &&
				    x->sign * q->delta[0] > 0 &&
				    counts_now(m, x) && bad(m, g, x->day))
					return true;
			}
		}
	return false;
}

static bool after_use_by(const struct model *m, int g, ml_day day)
{
	ml_day u = eff_use_by(&m->d, g);
	return u != NONE && day > u;
}

static bool no_carry_over(const struct model *m, int g, ml_day day)
{
	(void)day;
	return !eff_carry_over(&m->d, g);
}

/* A redefinition: every expense record (an expense, or one counted again
 * by a correction) and carry-over record that counts. */
static int check_all_expenses_carryovers(const struct model *m)
{
	if (any_record(m, ML_B_SPENT, after_use_by))
		return ML_E_USE_BY_PASSED;
	if (any_record(m, ML_B_CARRIED_OUT, no_carry_over))
		return ML_E_CARRY_OVER_NOT_ALLOWED;
	return 0;
}

/* Every repayment record that counts, on its edge, on its date. */
static int check_all_repayments(const struct model *m)
{
	for (int g = 0; g < NG; g++)
		for (int a = 0; a < NP; a++)
			for (int b = 0; b < NP; b++) {
				const struct mlist *l = &m->edge[g][a][b];
				for (size_t i = 0; i < l->n; i++) {
					const struct ment *x = &l->v[i];
					const struct mpost *q =
					    &m->ev[x->src].post[x->k];
					if (q->bucket[0] == ML_B_REPAID &&
					    x->sign * q->delta[0] > 0 &&
					    counts_now(m, x) &&
					    !repay_target_ok(m, g, a, b,
					                     x->day))
						return ML_E_BAD_REPAYMENT_TARGET;
				}
			}
	return 0;
}

static int model_postcheck(const struct model *m, size_t idx)
{
	const struct mev *e = &m->ev[idx];
	const struct mev *src = e;
	int rc = 0;
	if (e->type == ML_TYPE_GRANT)
		rc = check_all_expenses_carryovers(m);
	if (e->type == ML_TYPE_CORRECTION)
		src = e->corrects >= 1 && e->corrects <= idx ? &m->ev[e->root]
		                                             : NULL;
	for (int k = 0; rc == 0 && src != NULL && k < src->npost; k++)
		rc = replay_check(m, &src->post[k]);
	if (rc == 0 && src != NULL && e->type == ML_TYPE_CORRECTION &&
	    src->type == ML_TYPE_PAYOUT && e->depth % 2 == 1)
		rc = check_all_repayments(m);
	return rc;
}

/* ---------------------------------------------------------------------
 * Storing, undoing, deciding.
 */

static void model_define(struct mdefs *d, const struct mev *e)
{
	struct mgrant *g;
	switch (e->type) {
	case ML_TYPE_PARTY:
		d->p[e->a].defined = true;
		d->p[e->a].parent = e->b;
		break;
	case ML_TYPE_GRANT:
		g = &d->g[e->g];
		if (!g->defined) {
			g->payer = e->a;
			g->parent = e->g2;
		}
		g->defined = true;
		g->total = e->amount;
		g->use_by = e->use_by;
		g->report_by = e->report_by;
		g->repay_by = e->repay_by;
		g->carry_over = e->carry_over;
		break;
	case ML_TYPE_CLOSE:
		if (e->g == NONE)
			d->close_all = max_day(d->close_all, e->day);
		else
			d->close[e->g] = max_day(d->close[e->g], e->day);
		break;
	default:
		break;
	}
}

static size_t model_store(struct model *m, const struct mev *cand)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->ev = xrealloc(m->ev, m->cap * sizeof *m->ev);
	}
	size_t idx = m->n;
	struct mev *e = &m->ev[idx];
	*e = *cand;
	e->corrected_by = 0;
	if (is_resolution(e->type)) {
		int t = cond_target(m, e);
		bool ok = t != NONE && is_cond(&m->ev[t]);
		e->tgt = ok ? t : NONE;
		e->g = ok ? m->ev[t].g : NONE;
		e->a = ok ? m->ev[t].a : NONE;
		e->b = ok ? m->ev[t].b : NONE;
	}
	build_postings(m, e); /* before the definition changes */
	for (int k = 0; k < e->npost; k++) {
		struct ment x = {e->day, (uint32_t)idx, (uint32_t)idx,
		                 (uint32_t)k, 1};
		list_insert(post_list(m, &e->post[k]), x);
	}
	const struct mev *r = NULL;
	if (e->type == ML_TYPE_CORRECTION && e->corrects >= 1 &&
	    e->corrects <= idx && e->own)
		r = &m->ev[e->root];
	for (int k = 0; r != NULL && k < r->npost; k++) {
		struct ment x = {e->own_day, (uint32_t)idx, (uint32_t)e->root,
		                 (uint32_t)k, e->own_sign};
		list_insert(post_list(m, &r->post[k]), x);
	}
	model_define(&m->d, e);
	if (e->type == ML_TYPE_CORRECTION && e->corrects >= 1 &&
	    e->corrects <= idx)
		m->ev[e->corrects - 1].corrected_by = idx + 1;
	m->n++;
	return idx;
}

static void model_mark(const struct model *m, struct msnap *s)
{
	s->n = m->n;
	s->d = m->d;
}

/* Undoes every event stored since the snapshot. */
static void model_rollback(struct model *m, const struct msnap *s)
{
	for (size_t i = s->n; i < m->n; i++) {
		const struct mev *e = &m->ev[i];
		for (int k = 0; k < e->npost; k++)
			list_drop_from(post_list(m, &e->post[k]),
			               (uint32_t)s->n);
		const struct mev *r = e->type == ML_TYPE_CORRECTION &&
		                              e->corrects >= 1 &&
		                              e->corrects <= i && e->own
		                          ? &m->ev[e->root]
		                          : NULL;
		for (int k = 0; r != NULL && k < r->npost; k++)
			list_drop_from(post_list(m, &r->post[k]),
			               (uint32_t)s->n);
		if (e->type == ML_TYPE_CORRECTION && e->corrects >= 1 &&
		    e->corrects <= i &&
		    m->ev[e->corrects - 1].corrected_by == i + 1)
			m->ev[e->corrects - 1].corrected_by = 0;
	}
	m->n = s->n;
	m->d = s->d;
}

/* One event: 0 or the first broken rule (the event is then stored; the
 * caller rolls the batch back). force stores it whatever it breaks. */
static int model_one(struct model *m, const struct mev *cand, bool force)
{
	struct mev c = *cand; /* a correction's plan is filled in */
	int rc = model_precheck(m, &c);
	if (rc != 0 && !force)
		return rc;
	size_t idx = model_store(m, &c);
	rc = model_postcheck(m, idx);
	return force ? 0 : rc;
}

/* A batch, atomically: on success it stays applied; on failure nothing
 * of it does, and the result names the first failing event. */
static struct mres model_batch(struct model *m, const struct mev *evs, size_t n,
                               bool force)
{
	struct msnap s;
	model_mark(m, &s);
	for (size_t i = 0; i < n; i++) {
		int rc = model_one(m, &evs[i], force);
		if (rc != 0) {
			model_rollback(m, &s);
			return (struct mres){rc, (int)i};
		}
	}
	return (struct mres){0, -1};
}

/* ---------------------------------------------------------------------
 * The generator: a seeded PRNG and the model's view of what is available,
 * so that a good fraction of events is accepted and every rule is broken
 * now and then.
 */

struct gen {
	uint64_t s;
	int id_next; /* next client id number */
	const struct model *m;
	int mix[16]; /* weights of the event types, see mix_init */
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t rnd(struct gen *G, int64_t n)
{
	return n <= 0 ? 0 : (int64_t)(rng_next(&G->s) % (uint64_t)n);
}

static bool chance(struct gen *G, int pct)
{
	return rnd(G, 100) < pct;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

typedef int64_t (*qfn)(const int64_t t[ML_BUCKETS]);

static int64_t q_held(const int64_t t[ML_BUCKETS])
{
	return held_of(t);
}
static int64_t q_unalloc(const int64_t t[ML_BUCKETS])
{
	return unallocated_of(t);
}
static int64_t q_unreceived(const int64_t t[ML_BUCKETS])
{
	return t[ML_B_ALLOCATED] - t[ML_B_RECEIVED];
}
static int64_t q_unclaimed(const int64_t t[ML_BUCKETS])
{
	return t[ML_B_ALLOCATED] - t[ML_B_CLAIMED];
}
static int64_t q_movable(const int64_t t[ML_BUCKETS])
{
	return min64(held_of(t), unallocated_of(t));
}
static int64_t q_allocated(const int64_t t[ML_BUCKETS])
{
	return t[ML_B_ALLOCATED];
}
static int64_t q_paid(const int64_t t[ML_BUCKETS])
{
	return t[ML_B_PAID_OUT];
}

/* The least value of q over the end of every date ≥ day (now, with every
 * counting event), by a replay like replay_check's. */
static int64_t min_from(const struct model *m, const struct mlist *l,
                        ml_day day, qfn q)
{
	int64_t t[ML_BUCKETS] = {0}, best = INT64_MAX;
	bool seen_day = false;
	for (size_t i = 0; i < l->n; i++) {
		if (!seen_day && l->v[i].day > day) {
			best = min64(best, q(t)); /* the state on day itself */
			seen_day = true;
		}
		if (counts_now(m, &l->v[i]))
			ent_add(m, &l->v[i], t);
		bool end = i + 1 == l->n || l->v[i + 1].day != l->v[i].day;
		if (end && l->v[i].day >= day)
			best = min64(best, q(t));
	}
	if (!seen_day)
		best = min64(best, q(t));
	return best;
}

static int64_t q_now(const struct model *m, int g, int p, qfn q)
{
	int64_t t[ML_BUCKETS];
	list_totals(m, &m->acct[g][p], &VIEW_NOW, t);
	return q(t);
}

static int pick_from(struct gen *G, const int *c, int n, int fallback)
{
	return n > 0 ? c[rnd(G, n)] : fallback;
}

static int pick_pdef(struct gen *G)
{
	int c[NP], n = 0;
	for (int p = 0; p < NP_DEF; p++)
		if (G->m->d.p[p].defined)
			c[n++] = p;
	return pick_from(G, c, n, 0);
}

static int pick_pundef(struct gen *G)
{
	int c[NP], n = 0;
	for (int p = 0; p < NP; p++)
		if (!G->m->d.p[p].defined)
			c[n++] = p;
	return pick_from(G, c, n, NP - 1);
}

static int pick_gdef(struct gen *G)
{
	int c[NG], n = 0;
	for (int g = 0; g < NG_DEF; g++)
		if (G->m->d.g[g].defined)
			c[n++] = g;
	return pick_from(G, c, n, 0);
}

static int pick_gundef(struct gen *G)
{
	int c[NG], n = 0;
	for (int g = 0; g < NG; g++)
		if (!G->m->d.g[g].defined)
			c[n++] = g;
	return pick_from(G, c, n, NG - 1);
}

/* A defined party other than x (the decoder refuses from == to). */
static int pick_other(struct gen *G, int x)
{
	int c[NP], n = 0;
	for (int p = 0; p < NP_DEF; p++)
		if (G->m->d.p[p].defined && p != x)
			c[n++] = p;
	return pick_from(G, c, n, x == 0 ? 1 : 0);
}

/* With pct % chance a defined party whose q in g is positive now. */
static int pick_party_with(struct gen *G, int g, int not, qfn q, int pct)
{
	int c[NP], n = 0;
	if (chance(G, pct)) {
		for (int p = 0; p < NP_DEF; p++)
			if (G->m->d.p[p].defined &&
			    p != not &&q_now(G->m, g, p, q) > 0)
				c[n++] = p;
		if (n > 0)
			return c[rnd(G, n)];
	}
	return not == NONE ? pick_pdef(G) : pick_other(G, not );
}

/* A party x with the edge (g, x → to) positive in q now, or any
 * other than to. */
static int pick_edge_source(struct gen *G, int g, int to, qfn q, int pct)
{
	int c[NP], n = 0;
	int64_t t[ML_BUCKETS];
	if (chance(G, pct)) {
		for (int x = 0; x < NP_DEF; x++) {
			list_totals(G->m, &G->m->edge[g][x][to], &VIEW_NOW, t);
			if (G->m->d.p[x].defined && x != to && q(t) > 0)
				c[n++] = x;
		}
		if (n > 0)
			return c[rnd(G, n)];
	}
	return pick_other(G, to);
}

/* A date: mostly in the open period of g (and g2), else anywhere. */
static ml_day pick_day(struct gen *G, int g, int g2)
{
	ml_day lo = DAY_LO;
	if (chance(G, 85)) {
		if (g != NONE)
			lo = max_day(lo, closed_until(&G->m->d, g) + 1);
		if (g2 != NONE)
			lo = max_day(lo, closed_until(&G->m->d, g2) + 1);
		if (lo > DAY_HI)
			lo = DAY_HI;
	}
	return lo + (ml_day)rnd(G, DAY_HI - lo + 1);
}

/* A date from which q of the list stays positive: up to four tries,
 * mostly; else any date. */
static ml_day pick_day_for(struct gen *G, int g, int g2, const struct mlist *l,
                           qfn q)
{
	ml_day day = pick_day(G, g, g2);
	for (int i = 0; i < 4 && chance(G, 80); i++) {
		if (min_from(G->m, l, day, q) > 0)
			break;
		day = pick_day(G, g, g2);
	}
	return day;
}

/* 75 %: an amount that fits what is available; else one that does not. */
static int64_t pick_amount(struct gen *G, int64_t avail)
{
	avail = min64(avail, BIG);
	if (avail > 0 && chance(G, 75)) {
		int64_t cap = chance(G, 50) ? avail : avail / 8 + 1;
		return 1 + rnd(G, cap);
	}
	int64_t base = avail > 0 ? avail : 0;
	return min64(AMOUNT_MAX, base + 1 + rnd(G, base / 4 + 100000000));
}

static void mev_init(struct mev *e, enum ml_type type)
{
	memset(e, 0, sizeof *e);
	e->type = type;
	e->g = e->g2 = e->a = e->b = NONE;
	e->use_by = e->report_by = e->repay_by = e->claim_by = NONE;
	e->due = NONE;
	e->carry_over = NONE;
	e->id_no = NONE;
	e->decide_by = NONE;
	e->tgt = NONE;
}

static const struct mlist *acct_of(struct gen *G, int g, int p)
{
	return &G->m->acct[g][p];
}

static void gen_allocation(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_ALLOCATION);
	e->g = pick_gdef(G);
	e->a = pick_party_with(G, e->g, NONE, q_unalloc, 85);
	e->day = pick_day_for(G, e->g, NONE, acct_of(G, e->g, e->a), q_unalloc);
	e->b = pick_other(G, e->a);
	e->amount = pick_amount(
	    G, min_from(G->m, acct_of(G, e->g, e->a), e->day, q_unalloc));
	if (chance(G, 30))
		e->claim_by = e->day + (ml_day)rnd(G, 200);
	if (chance(G, 10))
		e->id_no = G->id_next++;
	e->cond = chance(G, 20);
	if (e->cond && chance(G, 50))
		e->decide_by = e->day + (ml_day)rnd(G, 120);
	if (e->cond && chance(G, 40))
		e->id_no = G->id_next++;
}

/* A confirm or lapse: mostly of a conditional allocation (pending or
 * not), sometimes of any event, of none, or dated before its target. */
static void gen_resolution(struct gen *G, struct mev *e, enum ml_type type)
{
	const struct model *m = G->m;
	size_t n = 0, pick = 0;
	mev_init(e, type);
	int r = (int)rnd(G, 100), seen = 0;
	/* Half the time one of the latest 8 conditional allocations that
	 * is still pending. */
	for (size_t i = m->n; r < 50 && pick == 0 && seen < 8 && i > 0; i--) {
		const struct mev *a = &m->ev[i - 1];
		if (!is_cond(a))
			continue;
		seen++;
		if (a->corrected_by == 0 &&
		    resolver_of(m, (int)i - 1) == NONE && chance(G, 60))
			pick = i;
	}
	for (size_t i = 0; r < 80 && pick == 0 && i < m->n; i++)
		if (is_cond(&m->ev[i]) && rnd(G, (int64_t)++n) == 0)
			pick = i + 1;
	if (pick == 0)
		pick = 1 + (uint64_t)rnd(G, (int64_t)m->n + 2);
	e->settles_kind = 1;
	e->settles = pick;
	ml_day base = pick <= m->n ? m->ev[pick - 1].day : DAY_LO;
	if (pick <= m->n && m->ev[pick - 1].id_no >= 0 && chance(G, 50)) {
		e->settles_kind = 2;
		e->settles = (uint64_t)m->ev[pick - 1].id_no;
	}
	e->day = chance(G, 8) ? base - 1 - (ml_day)rnd(G, 30)
	                      : base + (ml_day)rnd(G, 90);
	if (e->day > DAY_HI)
		e->day = DAY_HI;
	/* a conditional distribution's confirm takes no amount: now and
	 * then one is given anyway, to be refused */
	bool dist =
	    pick <= m->n && m->ev[pick - 1].type == ML_TYPE_DISTRIBUTION;
	if (type == ML_TYPE_CONFIRM && pick <= m->n &&
	    chance(G, dist ? 10 : 40)) {
		int64_t est = m->ev[pick - 1].amount;
		e->has_amount = true;
		e->amount = est / 2 + rnd(G, est + 1);
		if (e->amount < 1)
			e->amount = 1;
	}
}

/* Sorts the key by party id, as the ledger stores it. */
static void key_sort(struct mev *e)
{
	for (int i = 1; i < e->nkey; i++)
		for (int j = i; j > 0 && strcmp(PARTIES[e->kp[j - 1]].id,
		                                PARTIES[e->kp[j]].id) > 0;
		     j--) {
			int p = e->kp[j];
			int64_t w = e->kw[j];
			e->kp[j] = e->kp[j - 1];
			e->kw[j] = e->kw[j - 1];
			e->kp[j - 1] = p;
			e->kw[j - 1] = w;
		}
}

/* A distribution from a party with money to allocate among 1 to
 * KEY_MAX others: small weights (ties) or populations; now and then an
 * undefined party in the key. */
static void gen_distribution(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_DISTRIBUTION);
	e->g = pick_gdef(G);
	e->a = pick_party_with(G, e->g, NONE, q_unalloc, 85);
	e->day = pick_day_for(G, e->g, NONE, acct_of(G, e->g, e->a), q_unalloc);
	e->ore = chance(G, 30);
	int want = 1 + (int)rnd(G, KEY_MAX);
	bool small = chance(G, 50);
	for (int t = 0; t < 4 * KEY_MAX && e->nkey < want; t++) {
		int p = pick_other(G, e->a);
		bool dup = p == e->a;
		for (int i = 0; i < e->nkey; i++)
			dup = dup || e->kp[i] == p;
		if (dup)
			continue;
		e->kp[e->nkey] = p;
		e->kw[e->nkey++] = small ? 1 + rnd(G, 3) : 1 + rnd(G, 1000000);
	}
	if (chance(G, 3))
		e->kp[0] = pick_pundef(G);
	key_sort(e);
	int64_t unit = e->ore ? 1 : 100;
	e->amount = pick_amount(
	    G, min_from(G->m, acct_of(G, e->g, e->a), e->day, q_unalloc));
	e->amount = e->amount / unit * unit;
	if (e->amount == 0)
		e->amount = unit;
	if (chance(G, 30))
		e->claim_by = e->day + (ml_day)rnd(G, 200);
	if (chance(G, 10))
		e->id_no = G->id_next++;
	e->cond = chance(G, 25);
	if (e->cond && chance(G, 50))
		e->decide_by = e->day + (ml_day)rnd(G, 120);
	if (e->cond && chance(G, 40))
		e->id_no = G->id_next++;
}

static void gen_decline(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_DECLINE);
	e->g = pick_gdef(G);
	e->a = pick_party_with(G, e->g, NONE, q_allocated, 85);
	e->b = pick_edge_source(G, e->g, e->a, q_allocated, 85);
	e->day = pick_day_for(G, e->g, NONE, &G->m->edge[e->g][e->b][e->a],
	                      q_allocated);
	const struct mlist *acct = acct_of(G, e->g, e->a);
	int64_t avail =
	    min_from(G->m, &G->m->edge[e->g][e->b][e->a], e->day, q_allocated);
	avail = min64(avail, min_from(G->m, acct, e->day, q_unalloc));
	if (e->a != G->m->d.g[e->g].payer) {
		avail =
		    min64(avail, min_from(G->m, acct, e->day, q_unreceived));
		avail = min64(avail, min_from(G->m, acct, e->day, q_unclaimed));
	}
	if (e->b != G->m->d.g[e->g].payer) /* the claim-edge rule */
		avail =
		    min64(avail, min_from(G->m, &G->m->edge[e->g][e->b][e->a],
		                          e->day, q_unclaimed));
	e->amount = pick_amount(G, avail);
}

static void gen_claim(struct gen *G, struct mev *e, enum ml_type type)
{
	mev_init(e, type);
	e->g = pick_gdef(G);
	int payer = G->m->d.g[e->g].payer;
	int r = (int)rnd(G, 100);
	e->a = r < 55 ? payer : pick_pdef(G);
	e->b = pick_party_with(G, e->g, e->a, q_unclaimed, 85);
	if (r >= 55 && r < 90) /* against one who allocated to it */
		e->a = pick_edge_source(G, e->g, e->b, q_unclaimed, 90);
	if (r >= 90 && r < 95) { /* an allocation entered swapped */
		int x = pick_edge_source(G, e->g, e->b, q_allocated, 90);
		e->a = e->b;
		e->b = x;
	}
	e->day =
	    pick_day_for(G, e->g, NONE, acct_of(G, e->g, e->b), q_unclaimed);
	int64_t avail = BIG;
	if (e->b != payer)
		avail =
		    min_from(G->m, acct_of(G, e->g, e->b), e->day, q_unclaimed);
	if (e->a != payer)
		avail =
		    min64(avail, min_from(G->m, &G->m->edge[e->g][e->a][e->b],
		                          e->day, q_unclaimed));
	e->amount = pick_amount(G, avail);
	if (chance(G, 40))
		e->id_no = G->id_next++;
	if (type == ML_TYPE_INVOICE && chance(G, 50))
		e->due = e->day + (ml_day)rnd(G, 60);
}

/* settles: mostly a requisition or invoice of the grant; sometimes
 * another event, an unknown id or a seq not yet stored. */
static void gen_settles(struct gen *G, struct mev *e)
{
	const struct model *m = G->m;
	int r = (int)rnd(G, 100);
	e->settles_kind = 1;
	size_t n = 0, pick = 0;
	for (size_t i = 0; r < 75 && i < m->n; i++)
		if ((m->ev[i].type == ML_TYPE_REQUISITION ||
		     m->ev[i].type == ML_TYPE_INVOICE) &&
		    m->ev[i].g == e->g && rnd(G, (int64_t)++n) == 0)
			pick = i + 1; /* a uniform choice among them */
	if (pick != 0) {
		const struct mev *t = &m->ev[pick - 1];
		if (t->id_no >= 0 && chance(G, 50)) {
			e->settles_kind = 2;
			e->settles = (uint64_t)t->id_no;
		} else {
			e->settles = pick;
		}
		return;
	}
	if (r < 85) {
		e->settles = 1 + (uint64_t)rnd(G, (int64_t)m->n + 1);
	} else if (r < 93) {
		e->settles_kind = 2;
		e->settles = (uint64_t)rnd(G, G->id_next + 3);
	} else {
		e->settles = m->n + 1 + (uint64_t)rnd(G, 3);
	}
}

static void gen_payout(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_PAYOUT);
	e->g = pick_gdef(G);
	e->a = pick_party_with(G, e->g, NONE, q_held, 85);
	e->b = pick_party_with(G, e->g, e->a, q_unreceived, 80);
	e->day = pick_day_for(G, e->g, NONE, acct_of(G, e->g, e->a), q_held);
	int64_t avail = min_from(G->m, acct_of(G, e->g, e->a), e->day, q_held);
	if (e->b != G->m->d.g[e->g].payer)
		avail = min64(avail, min_from(G->m, acct_of(G, e->g, e->b),
		                              e->day, q_unreceived));
	e->amount = pick_amount(G, avail);
	if (chance(G, 20))
		gen_settles(G, e);
	if (chance(G, 10))
		e->id_no = G->id_next++;
}

static void gen_expense(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_EXPENSE);
	e->g = pick_gdef(G);
	e->a = pick_party_with(G, e->g, NONE, q_held, 85);
	e->day = pick_day_for(G, e->g, NONE, acct_of(G, e->g, e->a), q_held);
	ml_day u = eff_use_by(&G->m->d, e->g);
	ml_day lo = max_day(DAY_LO, closed_until(&G->m->d, e->g) + 1);
	if (u != NONE && lo <= u && e->day > u && chance(G, 80))
		e->day = lo + (ml_day)rnd(G, u - lo + 1);
	e->amount = pick_amount(
	    G, min_from(G->m, acct_of(G, e->g, e->a), e->day, q_held));
	e->unit = chance(G, 30);
}

static void gen_repayment(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_REPAYMENT);
	e->g = pick_gdef(G);
	int payer = G->m->d.g[e->g].payer;
	e->a = pick_party_with(G, e->g, payer, q_held, 85);
	e->day = pick_day_for(G, e->g, NONE, acct_of(G, e->g, e->a), q_held);
	int r = (int)rnd(G, 100);
	if (r < 50)
		e->b = payer;
	else if (r < 85)
		e->b = pick_edge_source(G, e->g, e->a, q_paid, 100);
	else
		e->b = pick_other(G, e->a);
	if (e->b == e->a)
		e->b = pick_other(G, e->a);
	e->amount = pick_amount(
	    G, min_from(G->m, acct_of(G, e->g, e->a), e->day, q_held));
}

static void gen_carryover(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_CARRYOVER);
	e->g = pick_gdef(G);
	for (int tries = 0; tries < 10 && chance(G, 70); tries++) {
		if (eff_carry_over(&G->m->d, e->g))
			break;
		e->g = pick_gdef(G);
	}
	e->g2 = pick_gdef(G);
	for (int tries = 0; tries < 20 && e->g2 == e->g; tries++)
		e->g2 = pick_gdef(G);
	e->a = pick_party_with(G, e->g, NONE, q_movable, 85);
	e->day =
	    pick_day_for(G, e->g, e->g2, acct_of(G, e->g, e->a), q_movable);
	e->amount = pick_amount(
	    G, min_from(G->m, acct_of(G, e->g, e->a), e->day, q_movable));
}

static void gen_report(struct gen *G, struct mev *e)
{
	mev_init(e, ML_TYPE_REPORT);
	e->g = pick_gdef(G);
	e->day = pick_day(G, e->g, NONE);
	e->a = pick_pdef(G);
	if (chance(G, 50))
		e->amount = 1 + rnd(G, 1000000000);
}

/* The seq of a counting payout A → B (A not the payer) that B repaid
 * in part later, or 0: correcting it re-checks that repayment. */
static uint64_t payout_repaid(struct gen *G)
{
	const struct model *m = G->m;
	for (int tries = 0; tries < 200 && m->n > 0; tries++) {
		const struct mev *r = &m->ev[rnd(G, (int64_t)m->n)];
		if (r->type != ML_TYPE_REPAYMENT || r->corrected_by != 0 ||
		    r->b == m->d.g[r->g].payer)
			continue;
		for (size_t i = 0; i < m->n; i++) {
			const struct mev *p = &m->ev[i];
			if (p->type == ML_TYPE_PAYOUT && p->corrected_by == 0 &&
			    p->g == r->g && p->a == r->b && p->b == r->a &&
			    p->day <= r->day)
				return i + 1;
		}
	}
	return 0;
}

static void gen_correction(struct gen *G, struct mev *e)
{
	const struct model *m = G->m;
	mev_init(e, ML_TYPE_CORRECTION);
	int r = (int)rnd(G, 100);
	e->corrects = m->n + 1 + (uint64_t)rnd(G, 3); /* not yet stored */
	if (chance(G, 10)) {
		uint64_t seq = payout_repaid(G);
		if (seq != 0) {
			e->corrects = seq;
			r = 100;
		}
	}
	for (int tries = 0; tries < 40 && m->n > 0 && r < 90; tries++) {
		size_t recent = (size_t)min64((int64_t)m->n, 300);
		size_t i = chance(G, 50) ? m->n - 1 - (size_t)rnd(G, recent)
		                         : (size_t)rnd(G, (int64_t)m->n);
		const struct mev *t = &m->ev[i];
		bool correctable =
		    is_money(t->type) || t->type == ML_TYPE_REPORT;
		bool ok = r >= 75 || /* any event at all */
		          (correctable && (t->corrected_by != 0) == (r >= 65));
		if (r < 20) /* the latest link of a chain: undo it */
			ok = t->type == ML_TYPE_CORRECTION &&
			     t->corrected_by == 0;
		if (ok) {
			e->corrects = i + 1;
			break;
		}
	}
	int g = NONE, g2 = NONE;
	if (e->corrects <= m->n) {
		const struct mev *t = &m->ev[e->corrects - 1];
		if (t->type == ML_TYPE_CORRECTION)
			t = &m->ev[t->root];
		g = t->g;
		if (t->type == ML_TYPE_CARRYOVER)
			g2 = t->g2;
	}
	e->day = pick_day(G, g, g2);
}

static void gen_party(struct gen *G, struct mev *e)
{
	int c[NP], n = 0;
	mev_init(e, ML_TYPE_PARTY);
	for (int p = 0; p < NP_DEF; p++)
		if (!G->m->d.p[p].defined)
			c[n++] = p;
	e->a = n > 0 && chance(G, 60) ? c[rnd(G, n)] : pick_pdef(G);
	int x = pick_pdef(G);
	e->day = DAY_LO + (ml_day)rnd(G, DAY_HI - DAY_LO + 1);
	if (G->m->d.p[x].parent != NONE && chance(G, 15)) {
		e->a = G->m->d.p[x].parent; /* under its own child: a cycle */
		e->b = x;
		return;
	}
	int r = (int)rnd(G, 100);
	if (r < 35)
		e->b = NONE;
	else if (r < 50)
		e->b = PARTIES[e->a].parent;
	else if (r < 93)
		e->b = pick_other(G, e->a); /* a descendant: a cycle */
	else
		e->b = pick_pundef(G);
	if (e->b == e->a) /* the decoder refuses a party its own parent */
		e->b = NONE;
}

static void gen_grant_new(struct gen *G, struct mev *e, int g)
{
	const struct grant_tpl *t = &GRANTS[g];
	mev_init(e, ML_TYPE_GRANT);
	e->g = g;
	e->g2 = t->parent;
	e->a = t->payer;
	if (e->g2 != NONE && chance(G, 12))
		e->a = t->payer == 0 ? 1 : 0; /* not the parent's payer */
	e->use_by = ymd_day(t->use_by_ymd);
	e->report_by = ymd_day(t->report_by_ymd);
	e->repay_by = ymd_day(t->repay_by_ymd);
	e->carry_over = t->carry_over;
	e->day = chance(G, 70) ? ymd_day(t->def_ymd) : pick_day(G, e->g2, NONE);
	e->amount = t->total_ore;
	if (e->g2 != NONE && G->m->d.g[e->g2].defined) {
		int payer = G->m->d.g[e->g2].payer;
		int64_t avail =
		    min_from(G->m, acct_of(G, e->g2, payer), e->day, q_movable);
		if (t->total_ore > avail || chance(G, 40))
			e->amount = pick_amount(G, avail);
	}
}

static ml_day shift_use_by(struct gen *G, ml_day cur)
{
	int r = (int)rnd(G, 100);
	if (r < 12)
		return (cur != NONE ? cur : DAY_HI) - (ml_day)rnd(G, 400);
	if (r < 20)
		return NONE;
	if (r < 28)
		return (cur != NONE ? cur : DAY_LO + 365) + (ml_day)rnd(G, 200);
	return cur;
}

static void gen_grant_redef(struct gen *G, struct mev *e)
{
	const struct model *m = G->m;
	int g = pick_gdef(G);
	const struct mgrant *cur = &m->d.g[g];
	mev_init(e, ML_TYPE_GRANT);
	e->g = g;
	e->a = cur->payer;
	e->g2 = cur->parent;
	e->report_by = cur->report_by;
	e->repay_by = cur->repay_by;
	e->use_by = shift_use_by(G, cur->use_by);
	e->carry_over = chance(G, 20) ? (int)rnd(G, 3) - 1 : cur->carry_over;
	int r = (int)rnd(G, 100);
	for (int tries = 0; r < 5 && tries < 10 && e->a == cur->payer; tries++)
		e->a = pick_pdef(G); /* payer changes: exists */
	if (r >= 5 && r < 10)
		e->g2 = cur->parent == NONE ? pick_gdef(G) : NONE;
	if (e->g2 == g) /* the decoder refuses a grant its own parent */
		e->g2 = NONE;
	e->day = pick_day(G, g, NONE);
	e->amount = cur->total;
	r = (int)rnd(G, 100);
	if (r < 30) {
		int64_t avail = BIG;
		if (cur->parent != NONE)
			avail = min_from(m, acct_of(G, cur->parent, cur->payer),
			                 e->day, q_movable);
		e->amount =
		    min64(AMOUNT_MAX, cur->total + pick_amount(G, avail));
	} else if (r < 55) {
		int64_t avail =
		    min_from(m, acct_of(G, g, cur->payer), e->day, q_movable);
		e->amount = cur->total - pick_amount(G, avail);
		if (e->amount < 1)
			e->amount = 1;
	}
}

static void gen_grant(struct gen *G, struct mev *e)
{
	int c[NG], n = 0;
	for (int g = 0; g < NG_DEF; g++)
		if (!G->m->d.g[g].defined)
			c[n++] = g;
	if (n > 0 && chance(G, 50))
		gen_grant_new(G, e, c[rnd(G, n)]);
	else
		gen_grant_redef(G, e);
	if (chance(G, 4) && (e->g2 == NONE || chance(G, 50)))
		e->a = pick_pundef(G); /* an unknown payer */
	else if (chance(G, 3))
		e->g2 = pick_gundef(G); /* an unknown parent */
}

static void gen_close(struct gen *G, struct mev *e)
{
	const struct mdefs *d = &G->m->d;
	mev_init(e, ML_TYPE_CLOSE);
	int r = (int)rnd(G, 100);
	if (r < 5) {
		e->g = pick_gundef(G);
		e->day = pick_day(G, NONE, NONE);
		return;
	}
	e->g = r < 20 ? NONE : pick_gdef(G);
	ml_day c = e->g == NONE ? d->close_all : closed_until(d, e->g);
	if (r >= 20 && r < 35) { /* on or before the closed day */
		e->day = DAY_LO + (ml_day)rnd(G, c - DAY_LO + 1);
		return;
	}
	e->day = (c != NONE ? c : DAY_LO) + 20 + (ml_day)rnd(G, 120);
	if (e->day > CLOSE_CAP)
		e->day = CLOSE_CAP;
}

/* An undefined party, not one of a distribution's key (the decoder
 * refuses a key naming from). */
static int pick_pundef_not_in_key(struct gen *G, struct mev *e)
{
	int p = pick_pundef(G);
	for (int i = 0; i < e->nkey; i++)
		if (e->kp[i] == p)
			return p == NP - 1 ? NP - 2
			                   : NP - 1; /* ghost, nobody */
	return p;
}

/* Replaces one grant or party an event names by an undefined one. */
static void inject_unknown(struct gen *G, struct mev *e)
{
	int r = (int)rnd(G, 3);
	if (r == 0 && e->type == ML_TYPE_CARRYOVER && chance(G, 50))
		e->g2 = pick_gundef(G);
	else if (r == 0)
		e->g = pick_gundef(G);
	else if (r == 1 || !has_from_to(e->type))
		e->a = pick_pundef_not_in_key(G, e);
	else
		e->b = pick_pundef(G);
}

static const struct {
	enum ml_type type;
	int weight;
} MIX[] = {
    {ML_TYPE_PARTY, 25},       {ML_TYPE_GRANT, 25},
    {ML_TYPE_ALLOCATION, 170}, {ML_TYPE_DECLINE, 40},
    {ML_TYPE_REQUISITION, 60}, {ML_TYPE_INVOICE, 30},
    {ML_TYPE_PAYOUT, 210},     {ML_TYPE_EXPENSE, 140},
    {ML_TYPE_REPAYMENT, 75},   {ML_TYPE_CARRYOVER, 45},
    {ML_TYPE_REPORT, 30},      {ML_TYPE_CORRECTION, 100},
    {ML_TYPE_CLOSE, 3},        {ML_TYPE_CONFIRM, 30},
    {ML_TYPE_LAPSE, 15},       {ML_TYPE_DISTRIBUTION, 40},
};

#define MIX_N ((int)(sizeof MIX / sizeof MIX[0]))

/* The run's own mix: each seed scales MIX's weights by 0.7–1.4 (a close
 * by 0.3–4), so that different seeds stress different rules. */
static void mix_init(struct gen *G, int *weights)
{
	for (int i = 0; i < MIX_N; i++) {
		int64_t pct = MIX[i].type == ML_TYPE_CLOSE ? 30 + rnd(G, 371)
		                                           : 70 + rnd(G, 71);
		weights[i] = (int)(MIX[i].weight * pct / 100);
		if (weights[i] < 1)
			weights[i] = 1;
	}
}

static enum ml_type pick_type(struct gen *G)
{
	int total = 0, i = 0;
	for (i = 0; i < MIX_N; i++)
		total += G->mix[i];
	int64_t r = rnd(G, total);
	for (i = 0; i < MIX_N - 1 && r >= G->mix[i]; i++)
		r -= G->mix[i];
	return MIX[i].type;
}

static void gen_event(struct gen *G, struct mev *e)
{
	enum ml_type t = pick_type(G);
	switch (t) {
	case ML_TYPE_PARTY:
		gen_party(G, e);
		break;
	case ML_TYPE_GRANT:
		gen_grant(G, e);
		break;
	case ML_TYPE_ALLOCATION:
		gen_allocation(G, e);
		break;
	case ML_TYPE_DECLINE:
		gen_decline(G, e);
		break;
	case ML_TYPE_PAYOUT:
		gen_payout(G, e);
		break;
	case ML_TYPE_EXPENSE:
		gen_expense(G, e);
		break;
	case ML_TYPE_REPAYMENT:
		gen_repayment(G, e);
		break;
	case ML_TYPE_CARRYOVER:
		gen_carryover(G, e);
		break;
	case ML_TYPE_REPORT:
		gen_report(G, e);
		break;
	case ML_TYPE_CORRECTION:
		gen_correction(G, e);
		break;
	case ML_TYPE_CLOSE:
		gen_close(G, e);
		break;
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		gen_resolution(G, e, t);
		break;
	case ML_TYPE_DISTRIBUTION:
		gen_distribution(G, e);
		break;
	default:
		gen_claim(G, e, t);
		break;
	}
	if ((is_money(e->type) || e->type == ML_TYPE_REPORT) &&
	    !is_resolution(e->type) && chance(G, 3))
		inject_unknown(G, e);
}

#define CAND_MAX 16 /* the setup batch is the largest */

/* One candidate: mostly a single event; 6 % an atomic batch, some of
 * them defining a party and allocating to it in the same batch, half of
 * the others chained: each event generated after the model tentatively
 * took the ones before it, so later events build on earlier ones. */
static size_t gen_candidate(struct gen *G, struct model *m, struct mev *evs)
{
	int c[NP], n = 0;
	if (!chance(G, 6)) {
		gen_event(G, &evs[0]);
		return 1;
	}
	for (int p = 0; p < NP_DEF; p++)
		if (!G->m->d.p[p].defined)
			c[n++] = p;
	if (n > 0 && chance(G, 30)) {
		gen_party(G, &evs[0]);
		evs[0].a = c[rnd(G, n)];
		if (evs[0].b == evs[0].a)
			evs[0].b = NONE;
		gen_allocation(G, &evs[1]);
		evs[1].b = evs[0].a;
		return 2;
	}
	size_t k = 2 + (size_t)rnd(G, BATCH_MAX - 1);
	bool chained = chance(G, 50);
	struct msnap s;
	model_mark(m, &s);
	for (size_t i = 0; i < k; i++) {
		gen_event(G, &evs[i]);
		if (chained)
			model_batch(m, &evs[i], 1, false);
	}
	model_rollback(m, &s);
	return k;
}

/* The first batch: the main parties and grants. */
static size_t gen_setup(struct mev *evs)
{
	static const int grants[] = {0, 1, 2, 4};
	size_t n = 0;
	for (int p = 0; p < 8; p++) {
		struct mev *e = &evs[n++];
		mev_init(e, ML_TYPE_PARTY);
		e->a = p;
		e->b = PARTIES[p].parent;
		e->day = DAY_LO;
	}
	for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++) {
		const struct grant_tpl *t = &GRANTS[grants[i]];
		struct mev *e = &evs[n++];
		mev_init(e, ML_TYPE_GRANT);
		e->g = grants[i];
		e->g2 = t->parent;
		e->a = t->payer;
		e->amount = t->total_ore;
		e->day = ymd_day(t->def_ymd);
		e->use_by = ymd_day(t->use_by_ymd);
		e->report_by = ymd_day(t->report_by_ymd);
		e->repay_by = ymd_day(t->repay_by_ymd);
		e->carry_over = t->carry_over;
	}
	return n;
}

/* ---------------------------------------------------------------------
 * Events as JSON.
 */

static void js_str(struct ml_buf *b, const char *key, const char *val)
{
	ml_buf_addf(b, ",\"%s\":\"%s\"", key, val);
}

static void js_int(struct ml_buf *b, const char *key, int64_t v)
{
	ml_buf_addf(b, ",\"%s\":%" PRId64, key, v);
}

static void js_day(struct ml_buf *b, const char *key, ml_day day)
{
	char t[ML_DATE_TEXT_MAX];
	if (day != NONE)
		js_str(b, key, ml_date_format(day, t, sizeof t));
}

static void json_grant(struct ml_buf *b, const struct mev *e)
{
	js_str(b, "grant", GRANTS[e->g].id);
	ml_buf_addf(b, ",\"name\":\"Bidrag %d\"", e->g);
	js_str(b, "payer", PARTIES[e->a].id);
	js_int(b, "total", e->amount);
	if (e->g2 != NONE)
		js_str(b, "parent", GRANTS[e->g2].id);
	js_day(b, "use_by", e->use_by);
	js_day(b, "report_by", e->report_by);
	js_day(b, "repay_by", e->repay_by);
	if (e->carry_over != NONE)
		ml_buf_addf(b, ",\"carry_over\":%s",
		            e->carry_over ? "true" : "false");
}

static void json_key(struct ml_buf *b, const struct mev *e)
{
	js_str(b, "from", PARTIES[e->a].id);
	ml_buf_add_str(b, ",\"key\":{");
	for (int i = 0; i < e->nkey; i++)
		ml_buf_addf(b, "%s\"%s\":%" PRId64, i ? "," : "",
		            PARTIES[e->kp[i]].id, e->kw[i]);
	ml_buf_addf(b, "},\"key_name\":\"Folkmängd %d\"", e->nkey);
	if (e->ore)
		js_str(b, "round_to", "ore");
}

static void json_money(struct ml_buf *b, const struct mev *e)
{
	js_str(b, "grant", GRANTS[e->g].id);
	if (e->type == ML_TYPE_DISTRIBUTION) {
		json_key(b, e);
	} else if (has_from_to(e->type)) {
		js_str(b, "from", PARTIES[e->a].id);
		js_str(b, "to", PARTIES[e->b].id);
	} else {
		js_str(b, "party", PARTIES[e->a].id);
	}
	if (e->type == ML_TYPE_CARRYOVER)
		js_str(b, "to_grant", GRANTS[e->g2].id);
	if (e->type == ML_TYPE_EXPENSE) {
		ml_buf_addf(b, ",\"activity\":\"Aktivitet %d\"",
		            (int)(e->amount % 7));
		if (e->unit)
			js_str(b, "unit", "Norr");
	}
	if (e->type == ML_TYPE_INVOICE) {
		ml_buf_addf(b, ",\"invoice_no\":\"F-%d\"",
		            (int)(e->amount % 997));
		js_day(b, "due", e->due);
	}
	js_day(b, "claim_by", e->claim_by);
	if (e->cond)
		js_str(b, "condition", "om länet ansöker");
	js_day(b, "decide_by", e->decide_by);
	if (e->settles_kind == 1)
		js_int(b, "settles", (int64_t)e->settles);
	if (e->settles_kind == 2)
		ml_buf_addf(b, ",\"settles\":\"e%" PRIu64 "\"", e->settles);
	if (e->type != ML_TYPE_REPORT)
		js_int(b, "amount", e->amount);
	else if (e->amount > 0)
		js_int(b, "spent", e->amount);
}

static void json_event(struct ml_buf *b, const struct mev *e)
{
	char t[ML_DATE_TEXT_MAX];
	ml_buf_addf(b, "{\"type\":\"%s\",\"date\":\"%s\"",
	            ml_types[e->type].name,
	            ml_date_format(e->day, t, sizeof t));
	if (e->id_no != NONE)
		ml_buf_addf(b, ",\"id\":\"e%d\"", e->id_no);
	switch (e->type) {
	case ML_TYPE_PARTY:
		js_str(b, "party", PARTIES[e->a].id);
		ml_buf_addf(b, ",\"name\":\"Part %d\"", e->a);
		js_str(b, "kind", PARTIES[e->a].kind);
		if (e->b != NONE)
			js_str(b, "parent", PARTIES[e->b].id);
		break;
	case ML_TYPE_GRANT:
		json_grant(b, e);
		break;
	case ML_TYPE_CORRECTION:
		js_int(b, "corrects", (int64_t)e->corrects);
		js_str(b, "note", "fel i underlaget");
		break;
	case ML_TYPE_CLOSE:
		if (e->g != NONE)
			js_str(b, "grant", GRANTS[e->g].id);
		break;
	case ML_TYPE_CONFIRM:
	case ML_TYPE_LAPSE:
		if (e->settles_kind == 1)
			js_int(b, "allocation", (int64_t)e->settles);
		else
			ml_buf_addf(b, ",\"allocation\":\"e%" PRIu64 "\"",
			            e->settles);
		if (e->has_amount)
			js_int(b, "amount", e->amount);
		break;
	default:
		json_money(b, e);
		break;
	}
	ml_buf_add_char(b, '}');
}

static void json_batch(struct ml_buf *b, const struct mev *evs, size_t n)
{
	if (n > 1)
		ml_buf_add_char(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			ml_buf_add_char(b, ',');
		json_event(b, &evs[i]);
	}
	if (n > 1)
		ml_buf_add_char(b, ']');
}

/* ---------------------------------------------------------------------
 * The run: the ledger beside the model.
 */

struct code_count {
	int code;
	long n;
};

struct run {
	struct model m;
	struct gen gen;   /* the events */
	struct gen cpgen; /* the checkpoints' draws, apart from the events' */
	struct ml_ledger *lg;
	struct ml_wtxn *wt;
	int wt_batches;
	long events, candidates, batches, accepted, accepted_events;
	long batch_late; /* batches refused at an event after the first */
	long type_acc[ML_TYPE_COUNT], type_rej[ML_TYPE_COUNT];
	struct code_count codes[64];
	struct code_count by_type[ML_TYPE_COUNT][24]; /* the failing event's */
	int mismatches;
	struct ml_buf json;
};

static struct run R;

static void die(const char *what, int rc)
{
	fprintf(stderr, "test_model: %s: %s\n", what, ml_strerror(rc));
	exit(2);
}

/* Counts a mismatch; false once there are too many to print more. */
static bool mismatch(struct run *r)
{
	mt_failures++;
	return ++r->mismatches <= MISMATCH_MAX;
}

static void ledger_commit(struct run *r)
{
	if (r->wt == NULL)
		return;
	int rc = ml_ledger_write_commit(r->wt);
	r->wt = NULL;
	r->wt_batches = 0;
	if (rc != 0)
		die("commit", rc);
}

/* Appends r->json as one batch: mostly inside a shared write transaction
 * (each append is atomic on its own), every 50th through
 * ml_ledger_append_batch. Returns 0 or the rule's code. */
static int ledger_append(struct run *r, struct ml_errinfo *err)
{
	struct ml_arena arena;
	struct ml_event *evs = NULL;
	struct ml_append_result res[CAND_MAX];
	struct ml_append_opts opts = {.recorded_by = "model"};
	size_t n = 0;
	ml_arena_init(&arena, 16u << 20);
	int rc = ml_json_parse_batch(r->json.data, r->json.len, &arena, &evs,
	                             &n, err);
	if (rc != 0) {
		fprintf(stderr, "refused JSON: %s\n%s\n", err->message,
		        r->json.data);
		die("the generator wrote bad JSON", rc);
	}
	if (r->candidates % 50 == 0) {
		ledger_commit(r);
		rc = ml_ledger_append_batch(r->lg, evs, n, &opts, res, err);
	} else {
		if (r->wt == NULL) {
			int brc = ml_ledger_write_begin(r->lg, &r->wt);
			if (brc != 0)
				die("write_begin", brc);
		}
		rc = ml_ledger_append(r->wt, evs, n, &opts, res, err);
		if (++r->wt_batches >= WTXN_BATCHES_MAX)
			ledger_commit(r);
	}
	ml_arena_free(&arena);
	if (rc <= ML_E_NOMEM || (rc < 0 && rc > ML_E_INVALID_JSON))
		die("append (a machine error, not a rule)", rc);
	return rc;
}

/* Counts code in a[0..cap): slots fill from the front. */
static void count_code(struct code_count *a, int cap, int code)
{
	for (int i = 0; i < cap; i++) {
		if (a[i].n == 0)
			a[i].code = code;
		if (a[i].code == code) {
			a[i].n++;
			return;
		}
	}
}

static void tally(struct run *r, const struct mev *evs, size_t n, int rc,
                  int32_t index)
{
	r->candidates++;
	r->events += (long)n;
	r->batches += n > 1;
	r->batch_late += n > 1 && rc != 0 && index > 0;
	if (n == 1 && rc == 0)
		r->type_acc[evs[0].type]++;
	else if (n == 1)
		r->type_rej[evs[0].type]++;
	if (rc == 0) {
		r->accepted++;
		r->accepted_events += (long)n;
	} else {
		size_t i = index >= 0 && (size_t)index < n ? (size_t)index : 0;
		count_code(r->by_type[evs[i].type], 24, rc);
	}
	count_code(r->codes, 64, rc);
}

static long code_count(const struct run *r, int code)
{
	for (int i = 0; i < 64 && r->codes[i].n > 0; i++)
		if (r->codes[i].code == code)
			return r->codes[i].n;
	return 0;
}

static const char *decision(int code)
{
	return code == 0 ? "accepted" : ml_error_name(code);
}

/* One candidate through the model and the ledger; on disagreement the
 * model follows the ledger so the run can go on. */
static void run_candidate(struct run *r, const struct mev *evs, size_t n)
{
	struct msnap s;
	struct ml_errinfo err;
	uint64_t seq = r->m.n + 1;
	ml_buf_reset(&r->json);
	json_batch(&r->json, evs, n);
	model_mark(&r->m, &s);
	struct mres mr = model_batch(&r->m, evs, n, false);
	ml_errinfo_clear(&err);
	int rc = ledger_append(r, &err);
	tally(r, evs, n, rc, err.index);
	if (mr.code == rc && (rc == 0 || mr.index == err.index))
		return;
	if (mismatch(r))
		fprintf(stderr,
		        "MISMATCH at seq %" PRIu64 ": model %s (index %d), "
		        "ledger %s (index %d, field \"%s\": %s)\n  %s\n",
		        seq, decision(mr.code), mr.index, decision(rc),
		        (int)err.index, err.field, err.message, r->json.data);
	if (mr.code == 0 && rc != 0)
		model_rollback(&r->m, &s);
	else if (mr.code != 0 && rc == 0)
		model_batch(&r->m, evs, n, true);
}

/* ---------------------------------------------------------------------
 * Checkpoints: every account and some edges, bucket by bucket.
 */

struct cview {
	struct ml_view lv;
	struct mview mv;
	int64_t recorded_at_us;
};

static void print_view(const struct cview *v)
{
	char d[ML_DATE_TEXT_MAX], t[ML_TIME_TEXT_MAX];
	fprintf(stderr, "  view: as of %s",
	        ml_date_format(v->lv.as_of, d, sizeof d));
	if (v->lv.known)
		fprintf(stderr, ", known at seq %" PRIu64 " (recorded_at %s)",
		        v->lv.known_seq,
		        ml_time_format(v->recorded_at_us, t, sizeof t));
	fputc('\n', stderr);
}

static void compare_totals(struct run *r, const struct cview *v,
                           const char *what, int rc, bool lex,
                           const int64_t *lt, bool mex, const int64_t *mt,
                           unsigned mask)
{
	bool same = rc == 0 && lex == mex;
	for (int b = 0; b < ML_BUCKETS; b++)
		if ((mask >> b & 1u) && lt[b] != mt[b])
			same = false;
	if (same || !mismatch(r))
		return;
	fprintf(stderr,
	        "MISMATCH after %zu events, %s (rc %d): exists "
	        "ledger %d model %d\n",
	        r->m.n, what, rc, lex, mex);
	print_view(v);
	for (int b = 0; b < ML_BUCKETS; b++)
		if ((mask >> b & 1u) && lt[b] != mt[b])
			fprintf(stderr,
			        "  %s: ledger %" PRId64 " model %" PRId64 "\n",
			        ml_bucket_names[b], lt[b], mt[b]);
}

static void compare_accounts(struct run *r, MDB_txn *txn, const struct cview *v,
                             const uint32_t *gno, const uint32_t *pno)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	char what[256];
	for (int g = 0; g < NG; g++)
		for (int p = 0; p < NP && gno[g] != 0; p++) {
			struct ml_totals lt = {{0}};
			int64_t mt[ML_BUCKETS];
			bool lex = false;
			if (pno[p] == 0)
				continue;
			int rc = ml_state_account(st, txn, &v->lv, gno[g],
			                          pno[p], &lt, &lex);
			bool mex =
			    list_totals(&r->m, &r->m.acct[g][p], &v->mv, mt);
			snprintf(what, sizeof what, "account (%s, %s)",
			         GRANTS[g].id, PARTIES[p].id);
			compare_totals(r, v, what, rc, lex, lt.v, mex, mt,
			               ((1u << ML_BUCKETS) - 1) &
			                   ~(1u << ML_B_ENTRIES));
		}
}

static void compare_edge(struct run *r, MDB_txn *txn, const struct cview *v,
                         uint32_t gno, const uint32_t *pno, int g, int f, int t)
{
	const unsigned mask = 1u << ML_B_ALLOCATED | 1u << ML_B_CLAIMED |
	                      1u << ML_B_PAID_OUT | 1u << ML_B_REPAID |
	                      1u << ML_B_PENDING;
	struct ml_totals lt = {{0}};
	int64_t mt[ML_BUCKETS];
	bool lex = false;
	char what[256];
	int rc = ml_state_edge(ml_ledger_store(r->lg), txn, &v->lv, gno, pno[f],
	                       pno[t], &lt, &lex);
	bool mex = list_totals(&r->m, &r->m.edge[g][f][t], &v->mv, mt);
	snprintf(what, sizeof what, "edge (%s, %s -> %s)", GRANTS[g].id,
	         PARTIES[f].id, PARTIES[t].id);
	compare_totals(r, v, what, rc, lex, lt.v, mex, mt, mask);
}

static int pool_party(const uint32_t *pno, uint32_t no)
{
	for (int p = 0; p < NP; p++)
		if (no != 0 && pno[p] == no)
			return p;
	return NONE;
}

/* Every edge the model has an entry for, a few it has not, and every
 * edge the ledger walks (ml_state_next_edge). */
static void compare_edges(struct run *r, MDB_txn *txn, const struct cview *v,
                          const uint32_t *gno, const uint32_t *pno)
{
	bool seen[NP][NP];
	for (int g = 0; g < NG; g++) {
		if (gno[g] == 0)
			continue;
		memset(seen, 0, sizeof seen);
		for (int f = 0; f < NP; f++)
			for (int t = 0; t < NP; t++)
				if (pno[f] != 0 && pno[t] != 0 &&
				    (r->m.edge[g][f][t].n > 0 ||
				     chance(&r->cpgen, 2))) {
					compare_edge(r, txn, v, gno[g], pno, g,
					             f, t);
					seen[f][t] = true;
				}
		uint32_t lf = 0, lt = 0;
		for (int i = 0; i <= NP * NP; i++) {
			int rc = ml_state_next_edge(ml_ledger_store(r->lg), txn,
			                            gno[g], &lf, &lt);
			if (rc != 0 || lf == 0)
				break;
			int f = pool_party(pno, lf), t = pool_party(pno, lt);
			if ((f == NONE || t == NONE) && mismatch(r))
				fprintf(stderr,
				        "MISMATCH: the ledger has an "
				        "edge %u -> %u of %s\n",
				        lf, lt, GRANTS[g].id);
			if (f != NONE && t != NONE && !seen[f][t])
				compare_edge(r, txn, v, gno[g], pno, g, f, t);
			if (f != NONE && t != NONE)
				seen[f][t] = true;
		}
	}
}

/* Numbers of the pool's ids; defined in the ledger iff in the model. */
static void map_ids(struct run *r, MDB_txn *txn, uint32_t *gno, uint32_t *pno)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	for (int g = 0; g < NG; g++) {
		gno[g] = 0;
		ml_state_lookup(st, txn, ML_NAME_GRANT, ml_str_c(GRANTS[g].id),
		                &gno[g]);
		if ((gno[g] != 0) != r->m.d.g[g].defined && mismatch(r))
			fprintf(stderr,
			        "MISMATCH: grant %s defined: ledger "
			        "%d model %d\n",
			        GRANTS[g].id, gno[g] != 0, r->m.d.g[g].defined);
	}
	for (int p = 0; p < NP; p++) {
		pno[p] = 0;
		ml_state_lookup(st, txn, ML_NAME_PARTY, ml_str_c(PARTIES[p].id),
		                &pno[p]);
		if ((pno[p] != 0) != r->m.d.p[p].defined && mismatch(r))
			fprintf(stderr,
			        "MISMATCH: party %s defined: ledger "
			        "%d model %d\n",
			        PARTIES[p].id, pno[p] != 0,
			        r->m.d.p[p].defined);
	}
}

/* A known-at point: the recorded_at of a random stored event, which is
 * the same cutoff as its seq (recorded_at increases along the log). */
static void known_point(struct run *r, MDB_txn *txn, struct cview *v)
{
	struct ml_event ev, next;
	uint64_t s = 1 + (uint64_t)rnd(&r->cpgen, (int64_t)r->m.n);
	int rc = ml_ledger_event(r->lg, ml_read_of(txn), s, &ev);
	if (rc != 0 || ev.seq != s)
		die("reading a stored event", rc);
	if (s < r->m.n &&
	    ml_ledger_event(r->lg, ml_read_of(txn), s + 1, &next) == 0 &&
	    next.recorded_at_us <= ev.recorded_at_us && mismatch(r))
		fprintf(stderr,
		        "MISMATCH: recorded_at of seq %" PRIu64
		        " does not increase\n",
		        s + 1);
	v->lv.known = true;
	v->lv.known_seq = ev.seq;
	v->mv.known_seq = ev.seq;
	v->recorded_at_us = ev.recorded_at_us;
}

static void compare_values(struct run *r, const char *what, int n,
                           const char *const *names, const int64_t *lv,
                           const int64_t *mv)
{
	bool same = true;
	for (int i = 0; i < n; i++)
		same = same && lv[i] == mv[i];
	if (same || !mismatch(r))
		return;
	fprintf(stderr, "MISMATCH after %zu events, %s\n", r->m.n, what);
	for (int i = 0; i < n; i++)
		if (lv[i] != mv[i])
			fprintf(stderr,
			        "  %s: ledger %" PRId64 " model %" PRId64 "\n",
			        names[i], lv[i], mv[i]);
}

/* A grant's current effective definition and closed day. */
static void compare_grant_row(struct run *r, MDB_txn *txn, const uint32_t *gno,
                              const uint32_t *pno, int g)
{
	static const char *const names[] = {
	    "rc",        "payer",    "parent",     "total",       "use_by",
	    "report_by", "repay_by", "carry_over", "closed_until"};
	const struct mdefs *d = &r->m.d;
	const struct mgrant *x = &d->g[g];
	struct ml_store *st = ml_ledger_store(r->lg);
	struct ml_grant_row row;
	ml_day closed = ML_DAY_NONE;
	char what[200];
	memset(&row, 0, sizeof row);
	int rc = ml_state_grant_effective(st, txn, gno[g], &row);
	if (rc == 0)
		rc = ml_state_closed_until(st, txn, gno[g], &closed);
	int64_t lv[] = {
	    rc,         row.payer_no,  row.parent_no, row.total_ore,
	    row.use_by, row.report_by, row.repay_by,  row.carry_over == 1,
	    closed};
	int64_t mv[] = {0,
	                pno[x->payer],
	                x->parent == NONE ? 0 : gno[x->parent],
	                x->total,
	                eff_use_by(d, g),
	                eff_deadline(d, g, 1),
	                eff_deadline(d, g, 2),
	                eff_carry_over(d, g),
	                closed_until(d, g)};
	snprintf(what, sizeof what, "grant %s (effective)", GRANTS[g].id);
	compare_values(r, what, 9, names, lv, mv);
}

/* Definitions: grants, party parents, the global close, and who
 * corrected a sample of events. */
static void compare_defs(struct run *r, MDB_txn *txn, const uint32_t *gno,
                         const uint32_t *pno)
{
	static const char *const names[] = {"rc", "value"};
	struct ml_store *st = ml_ledger_store(r->lg);
	char what[200];
	for (int g = 0; g < NG; g++)
		if (gno[g] != 0)
			compare_grant_row(r, txn, gno, pno, g);
	for (int p = 0; p < NP; p++) {
		struct ml_party_row row = {0, 0, 0};
		int par = r->m.d.p[p].parent;
		if (pno[p] == 0)
			continue;
		int rc = ml_state_party(st, txn, pno[p], &row);
		int64_t lv[] = {rc, row.parent_no};
		int64_t mv[] = {0, par == NONE ? 0 : pno[par]};
		snprintf(what, sizeof what, "party %s parent", PARTIES[p].id);
		compare_values(r, what, 2, names, lv, mv);
	}
	ml_day all = ML_DAY_NONE;
	int rc = ml_state_closed_until(st, txn, 0, &all);
	compare_values(r, "global close", 2, names, (int64_t[]){rc, all},
	               (int64_t[]){0, r->m.d.close_all});
	for (int i = 0; i < 30 && r->m.n > 0; i++) {
		uint64_t seq = 1 + (uint64_t)rnd(&r->cpgen, (int64_t)r->m.n);
		uint64_t by = 0;
		rc = ml_state_corrected_by(st, txn, seq, &by);
		snprintf(what, sizeof what, "corrected_by of seq %" PRIu64,
		         seq);
		compare_values(
		    r, what, 2, names, (int64_t[]){rc, (int64_t)by},
		    (int64_t[]){0, (int64_t)r->m.ev[seq - 1].corrected_by});
	}
}

/* Per (grant, party) in a view: is a counting report visible, and the
 * latest claim_by of the counting allocations to it. */
static void model_marks(const struct model *m, const struct mview *v,
                        bool has[NG][NP], ml_day claim_by[NG][NP])
{
	memset(has, 0, NG * sizeof has[0]);
	for (int g = 0; g < NG; g++)
		for (int p = 0; p < NP; p++)
			claim_by[g][p] = NONE;
	for (size_t i = 0; i < m->n; i++) {
		const struct mev *e = &m->ev[i];
		if (e->g < 0 || e->type == ML_TYPE_CORRECTION ||
		    !event_counts_in(m, v, i))
			continue;
		if (e->type == ML_TYPE_REPORT && e->a >= 0)
			has[e->g][e->a] = true;
		if (e->type == ML_TYPE_ALLOCATION && !e->cond && e->b >= 0)
			claim_by[e->g][e->b] =
			    max_day(claim_by[e->g][e->b], e->claim_by);
		/* A conditional allocation's (or distribution's) claim_by
		 * counts from its confirm. */
		const struct mev *t =
		    e->type == ML_TYPE_CONFIRM && e->tgt != NONE
		        ? &m->ev[e->tgt]
		        : NULL;
		if (t != NULL && t->type == ML_TYPE_ALLOCATION)
			claim_by[e->g][e->b] =
			    max_day(claim_by[e->g][e->b], t->claim_by);
		if (t == NULL && e->type == ML_TYPE_DISTRIBUTION && !e->cond)
			t = e;
		for (int k = 0; t != NULL && t->type == ML_TYPE_DISTRIBUTION &&
		                k < t->nkey;
		     k++)
			if (t->share[k] > 0)
				claim_by[e->g][t->kp[k]] = max_day(
				    claim_by[e->g][t->kp[k]], t->claim_by);
	}
}

static void compare_marks(struct run *r, MDB_txn *txn, const struct cview *v,
                          const uint32_t *gno, const uint32_t *pno)
{
	static const char *const names[] = {"rc", "has_report", "claim_by"};
	static bool has[NG][NP];
	static ml_day claim_by[NG][NP];
	struct ml_store *st = ml_ledger_store(r->lg);
	char what[200];
	model_marks(&r->m, &v->mv, has, claim_by);
	for (int g = 0; g < NG; g++)
		for (int p = 0; p < NP && gno[g] != 0; p++) {
			bool lh = false;
			ml_day lc = ML_DAY_NONE;
			if (pno[p] == 0)
				continue;
			int rc = ml_state_has_report(st, txn, &v->lv, gno[g],
			                             pno[p], &lh);
			if (rc == 0)
				rc = ml_state_claim_by(st, txn, &v->lv, gno[g],
				                       pno[p], &lc);
			int64_t lv[] = {rc, lh, lc};
			int64_t mv[] = {0, has[g][p], claim_by[g][p]};
			snprintf(what, sizeof what, "marks of (%s, %s)",
			         GRANTS[g].id, PARTIES[p].id);
			compare_values(r, what, 3, names, lv, mv);
			if (memcmp(lv, mv, sizeof lv) != 0 &&
			    r->mismatches <= MISMATCH_MAX)
				print_view(v);
		}
}

/* ---------------------------------------------------------------------
 * Consolidated answers (DOMAIN.md "Answers the ledger gives"), computed
 * from the posting lists: a subtree's figures are the sum of its members'
 * accounts less what the edges between two members moved (allocation and
 * decline on ALLOCATED, payout on PAID_OUT, repayment on REPAID). The
 * party tree is the latest definition recorded in the view, whatever its
 * date ("Rollups use the latest known definition of the party tree").
 */

static void model_tree(const struct model *m, const struct mview *v,
                       int parent[NP], bool known[NP])
{
	for (int p = 0; p < NP; p++) {
		parent[p] = NONE;
		known[p] = false;
	}
	for (size_t i = 0; i < m->n && i + 1 <= v->known_seq; i++)
		if (m->ev[i].type == ML_TYPE_PARTY) {
			parent[m->ev[i].a] = m->ev[i].b;
			known[m->ev[i].a] = true;
		}
}

static int model_root(const int parent[NP], int p)
{
	for (int hops = 0; parent[p] != NONE && hops < NP; hops++)
		p = parent[p];
	return p;
}

static bool model_under(const int parent[NP], int p, int top)
{
	for (int hops = 0; p != NONE && hops <= NP; hops++, p = parent[p])
		if (p == top)
			return true;
	return false;
}

/* How many consolidated rows were compared, and how many of them had
 * money moved inside the subtree to cancel (the run must see some). */
static long consol_rows, consol_cancelled, statements;

/* The members' consolidated buckets in grant g; returns existence. */
static bool model_consol(const struct model *m, const struct mview *v, int g,
                         const bool in[NP], int64_t t[ML_BUCKETS])
{
	int64_t x[ML_BUCKETS];
	bool exists = false, cancelled = false;
	memset(t, 0, ML_BUCKETS * sizeof t[0]);
	for (int p = 0; p < NP; p++)
		if (in[p] && list_totals(m, &m->acct[g][p], v, x)) {
			exists = true;
			for (int b = 0; b < ML_BUCKETS; b++)
				t[b] += x[b];
		}
	for (int f = 0; f < NP; f++)
		for (int to = 0; to < NP; to++) {
			if (!in[f] || !in[to] ||
			    !list_totals(m, &m->edge[g][f][to], v, x))
				continue;
			t[ML_B_ALLOCATED] -= x[ML_B_ALLOCATED];
			t[ML_B_ALLOCATED_OUT] -= x[ML_B_ALLOCATED];
			t[ML_B_RECEIVED] -= x[ML_B_PAID_OUT];
			t[ML_B_PAID_OUT] -= x[ML_B_PAID_OUT];
			t[ML_B_RETURNED] -= x[ML_B_REPAID];
			t[ML_B_REPAID] -= x[ML_B_REPAID];
			t[ML_B_CLAIMED] -= x[ML_B_CLAIMED];
			t[ML_B_PENDING] -= x[ML_B_PENDING];
			t[ML_B_PENDING_OUT] -= x[ML_B_PENDING];
			cancelled = cancelled || x[ML_B_ALLOCATED] != 0 ||
			            x[ML_B_PAID_OUT] != 0 ||
			            x[ML_B_REPAID] != 0;
		}
	consol_rows += exists;
	consol_cancelled += exists && cancelled;
	return exists;
}

/* The ledger's answer as a parsed document (NULL and a mismatch when it
 * fails). */
static cJSON *ledger_answer(struct run *r, MDB_txn *txn,
                            int (*fn)(struct ml_ledger *, struct ml_read *,
                                      const struct ml_query *, cJSON **,
                                      struct ml_errinfo *),
                            const struct ml_query *q)
{
	struct ml_errinfo err;
	struct ml_buf b;
	cJSON *doc = NULL, *parsed = NULL;
	int rc = fn(r->lg, ml_read_of(txn), q, &doc, &err);
	ml_buf_init(&b, 1u << 24);
	if (rc == 0)
		rc = ml_json_print(doc, &b);
	if (rc == 0)
		parsed = cJSON_Parse(b.data);
	if (parsed == NULL && mismatch(r))
		fprintf(stderr, "MISMATCH: an answer failed (%d): %s\n", rc,
		        rc != 0 ? err.message : "unparsable");
	ml_buf_free(&b);
	cJSON_Delete(doc);
	return parsed;
}

static int64_t jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : INT64_MIN;
}

/* The row of grant g (and party, when not NULL) in doc's rows. */
static const cJSON *answer_row(const cJSON *doc, int g, const char *party)
{
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(doc, "rows"))
	{
		const cJSON *gi = cJSON_GetObjectItem(row, "grant");
		const cJSON *pi = cJSON_GetObjectItem(row, "party");
		if (cJSON_IsString(gi) &&
		    strcmp(gi->valuestring, GRANTS[g].id) == 0 &&
		    (party == NULL || (cJSON_IsString(pi) &&
		                       strcmp(pi->valuestring, party) == 0)))
			return row;
	}
	return NULL;
}

static void query_view(struct ml_query *q, const struct cview *v)
{
	ml_query_init(q);
	q->as_of = v->lv.as_of;
	q->has_known_at = v->lv.known;
	q->known_at_us = v->recorded_at_us;
}

/* A row of the answer against the model's buckets (and held as
 * "outstanding" when held_key says so). */
static void compare_row(struct run *r, const struct cview *v, const char *what,
                        const cJSON *row, bool mex, const int64_t *mt,
                        const char *held_key)
{
	int64_t lt[ML_BUCKETS + 1], mv[ML_BUCKETS + 1];
	const char *names[ML_BUCKETS + 1];
	int n = 0;
	for (int b = 0; b < ML_BUCKETS; b++) {
		bool in_repay = b != ML_B_ALLOCATED &&
		                b != ML_B_ALLOCATED_OUT && b != ML_B_CLAIMED &&
		                b != ML_B_PENDING && b != ML_B_PENDING_OUT;
		if (b == ML_B_ENTRIES ||
		    (strcmp(held_key, "held") != 0 && !in_repay))
			continue;
		names[n] = ml_bucket_names[b];
		lt[n] = row ? jnum(row, ml_bucket_names[b]) : 0;
		mv[n++] = mex ? mt[b] : 0;
	}
	names[n] = held_key;
	lt[n] = row ? jnum(row, held_key) : 0;
	mv[n++] = mex ? held_of(mt) : 0;
	bool same = (row != NULL) == mex;
	for (int i = 0; i < n; i++)
		same = same && lt[i] == mv[i];
	if (same || !mismatch(r))
		return;
	fprintf(stderr,
	        "MISMATCH after %zu events, %s: row ledger %d model %d\n",
	        r->m.n, what, row != NULL, mex);
	print_view(v);
	for (int i = 0; i < n; i++)
		if (lt[i] != mv[i])
			fprintf(stderr,
			        "  %s: ledger %" PRId64 " model %" PRId64 "\n",
			        names[i], lt[i], mv[i]);
}

/* balances?party=P&rollup=1 for a few parties known in the view. */
static void compare_rollups(struct run *r, MDB_txn *txn, const struct cview *v,
                            const uint32_t *gno)
{
	int parent[NP];
	bool known[NP], in[NP];
	char what[200];
	model_tree(&r->m, &v->mv, parent, known);
	for (int i = 0; i < 3; i++) {
		int top = (int)rnd(&r->cpgen, NP);
		if (!known[top])
			continue;
		struct ml_query q;
		query_view(&q, v);
		q.party = PARTIES[top].id;
		q.rollup = true;
		cJSON *doc = ledger_answer(r, txn, ml_answer_balances, &q);
		for (int p = 0; p < NP; p++)
			in[p] = model_under(parent, p, top);
		for (int g = 0; g < NG && doc != NULL; g++) {
			int64_t mt[ML_BUCKETS];
			if (gno[g] == 0)
				continue;
			bool mex = model_consol(&r->m, &v->mv, g, in, mt);
			snprintf(what, sizeof what, "rollup of %s in %s",
			         PARTIES[top].id, GRANTS[g].id);
			compare_row(r, v, what, answer_row(doc, g, NULL), mex,
			            mt, "held");
		}
		cJSON_Delete(doc);
	}
}

/* Has the view seen grant g's first definition? */
static bool model_grant_known(const struct model *m, const struct mview *v,
                              int g)
{
	for (size_t i = 0; i < m->n && i + 1 <= v->known_seq; i++)
		if (m->ev[i].type == ML_TYPE_GRANT && m->ev[i].g == g)
			return true;
	return false;
}

/* repayments?grant=G: a row per legal entity but the payer's. */
static void compare_repay_grant(struct run *r, const struct cview *v,
                                const cJSON *doc, int g, const int *parent)
{
	int payer_le = model_root(parent, r->m.d.g[g].payer);
	bool in[NP];
	char what[200];
	for (int le = 0; le < NP; le++) {
		int64_t mt[ML_BUCKETS];
		if (parent[le] != NONE || le == payer_le)
			continue;
		for (int p = 0; p < NP; p++)
			in[p] = model_root(parent, p) == le;
		bool mex = model_consol(&r->m, &v->mv, g, in, mt);
		snprintf(what, sizeof what, "repayments of %s in %s",
		         PARTIES[le].id, GRANTS[g].id);
		compare_row(r, v, what, answer_row(doc, g, PARTIES[le].id), mex,
		            mt, "outstanding");
	}
}

static void compare_repayments(struct run *r, MDB_txn *txn,
                               const struct cview *v, const uint32_t *gno)
{
	int parent[NP];
	bool known[NP];
	model_tree(&r->m, &v->mv, parent, known);
	int g = (int)rnd(&r->cpgen, NG);
	if (gno[g] == 0 || !model_grant_known(&r->m, &v->mv, g))
		return;
	struct ml_query q;
	query_view(&q, v);
	q.grant = GRANTS[g].id;
	cJSON *doc = ledger_answer(r, txn, ml_answer_repayments, &q);
	if (doc != NULL)
		compare_repay_grant(r, v, doc, g, parent);
	cJSON_Delete(doc);
}

/* Is grant x equal to g or a post somewhere below it? */
static bool model_grant_under(const struct mdefs *d, int x, int g)
{
	for (int hops = 0; x != NONE && hops <= NG; hops++, x = d->g[x].parent)
		if (x == g)
			return true;
	return false;
}

/* statement?party=L&grant=G: its summary is L's subtree consolidated
 * and summed over G and every post below it; "received" lists the
 * payouts into the subtree from outside, per payer. */
static void compare_statement(struct run *r, MDB_txn *txn,
                              const struct cview *v, const uint32_t *gno)
{
	int parent[NP];
	bool known[NP], in[NP];
	char what[200];
	model_tree(&r->m, &v->mv, parent, known);
	int le = (int)rnd(&r->cpgen, NP), g = (int)rnd(&r->cpgen, NG);
	if (!known[le] || parent[le] != NONE || gno[g] == 0 ||
	    !model_grant_known(&r->m, &v->mv, g))
		return;
	struct ml_query q;
	query_view(&q, v);
	q.party = PARTIES[le].id;
	q.grant = GRANTS[g].id;
	cJSON *doc = ledger_answer(r, txn, ml_answer_statement, &q);
	if (doc == NULL)
		return;
	statements++;
	int64_t sum[ML_BUCKETS] = {0}, t[ML_BUCKETS], from[NP] = {0};
	for (int p = 0; p < NP; p++)
		in[p] = model_under(parent, p, le);
	for (int x = 0; x < NG; x++) {
		if (!r->m.d.g[x].defined || !model_grant_under(&r->m.d, x, g))
			continue;
		if (model_consol(&r->m, &v->mv, x, in, t))
			for (int b = 0; b < ML_BUCKETS; b++)
				sum[b] += t[b];
		for (int f = 0; f < NP; f++)
			for (int to = 0; to < NP; to++)
				if (!in[f] && in[to] &&
				    list_totals(&r->m, &r->m.edge[x][f][to],
				                &v->mv, t))
					from[f] += t[ML_B_PAID_OUT];
	}
	snprintf(what, sizeof what, "statement of %s for %s", PARTIES[le].id,
	         GRANTS[g].id);
	compare_row(r, v, what, cJSON_GetObjectItem(doc, "summary"), true, sum,
	            "held");
	const cJSON *rec = cJSON_GetObjectItem(doc, "received");
	for (int f = 0; f < NP; f++) {
		const cJSON *it, *hit = NULL;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(rec, "from"))
		{
			const cJSON *pi = cJSON_GetObjectItem(it, "party");
			if (cJSON_IsString(pi) &&
			    strcmp(pi->valuestring, PARTIES[f].id) == 0)
				hit = it;
		}
		int64_t got = hit ? jnum(hit, "amount") : 0;
		if (got != from[f] && mismatch(r))
			fprintf(stderr,
			        "MISMATCH: %s received from %s: ledger %" PRId64
			        " model %" PRId64 "\n",
			        what, PARTIES[f].id, got, from[f]);
	}
	cJSON_Delete(doc);
}

/* trace?grant=G (with its posts at random): each party's activities
 * against the model's counting expense records of the party's accounts,
 * summed per (activity, unit) — the activity is "Aktivitet <amount % 7>"
 * of the expense at the root of the record, the unit "Norr" or none —
 * in the order activity, then unit (none first). */
static long traces, trace_activities;

static void model_activities(const struct model *m, const struct mview *v,
                             int g, bool posts, int p, int64_t sum[7][2],
                             bool seen[7][2])
{
	memset(sum, 0, 7 * 2 * sizeof sum[0][0]);
	memset(seen, 0, 7 * 2 * sizeof seen[0][0]);
	for (int x = 0; x < NG; x++) {
		if (x != g && (!posts || !m->d.g[x].defined ||
		               !model_grant_under(&m->d, x, g)))
			continue;
		const struct mlist *l = &m->acct[x][p];
		for (size_t i = 0; i < l->n; i++) {
			const struct ment *e = &l->v[i];
			const struct mev *src = &m->ev[e->src];
			const struct mpost *q = &src->post[e->k];
			if (src->type != ML_TYPE_EXPENSE || !counts_in(m, v, e))
				continue;
			for (int j = 0; j < q->nb; j++) {
				if (q->bucket[j] != ML_B_SPENT)
					continue;
				int a = (int)(src->amount % 7), u = src->unit;
				sum[a][u] += e->sign * q->delta[j];
				seen[a][u] = true;
			}
		}
	}
}

/* The ledger's activities of one node into sum/seen; false when one is
 * not of the model's shape or out of order. */
static bool ledger_activities(const cJSON *node, int64_t sum[7][2],
                              bool seen[7][2])
{
	const cJSON *it;
	int last = -1;
	memset(sum, 0, 7 * 2 * sizeof sum[0][0]);
	memset(seen, 0, 7 * 2 * sizeof seen[0][0]);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(node, "activities"))
	{
		const cJSON *an = cJSON_GetObjectItem(it, "activity");
		const cJSON *un = cJSON_GetObjectItem(it, "unit");
		int a = -1;
		if (!cJSON_IsString(an) ||
		    sscanf(an->valuestring, "Aktivitet %d", &a) != 1 || a < 0 ||
		    a > 6 ||
		    (un != NULL && !(cJSON_IsString(un) &&
		                     strcmp(un->valuestring, "Norr") == 0)))
			return false;
		int u = un != NULL, at = a * 2 + u;
		if (at <= last || seen[a][u])
			return false;
		last = at;
		seen[a][u] = true;
		sum[a][u] = jnum(it, "amount");
		trace_activities++;
	}
	return true;
}

static void compare_trace(struct run *r, MDB_txn *txn, const struct cview *v,
                          const uint32_t *gno)
{
	int g = (int)rnd(&r->cpgen, NG);
	bool posts = chance(&r->cpgen, 50);
	if (gno[g] == 0 || !model_grant_known(&r->m, &v->mv, g))
		return;
	struct ml_query q;
	query_view(&q, v);
	q.grant = GRANTS[g].id;
	q.posts = posts;
	cJSON *doc = ledger_answer(r, txn, ml_answer_trace, &q);
	if (doc == NULL)
		return;
	traces++;
	for (int p = 0; p < NP; p++) {
		int64_t ms[7][2], ls[7][2];
		bool mseen[7][2], lseen[7][2];
		const cJSON *node = NULL, *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "nodes"))
		{
			const cJSON *pi = cJSON_GetObjectItem(it, "party");
			if (cJSON_IsString(pi) &&
			    strcmp(pi->valuestring, PARTIES[p].id) == 0)
				node = it;
		}
		model_activities(&r->m, &v->mv, g, posts, p, ms, mseen);
		bool shape = node == NULL
		                 ? (memset(ls, 0, sizeof ls),
		                    memset(lseen, 0, sizeof lseen), true)
		                 : ledger_activities(node, ls, lseen);
		if ((!shape || memcmp(ms, ls, sizeof ms) != 0 ||
		     memcmp(mseen, lseen, sizeof mseen) != 0) &&
		    mismatch(r)) {
			fprintf(stderr,
			        "MISMATCH: trace of %s%s, %s's activities "
			        "differ from the model%s at ",
			        GRANTS[g].id, posts ? " with posts" : "",
			        PARTIES[p].id, shape ? "" : " (shape)");
			print_view(v);
			for (int a = 0; a < 7; a++)
				for (int u = 0; u < 2; u++)
					if (mseen[a][u] || lseen[a][u])
						fprintf(
						    stderr,
						    "  Aktivitet %d%s: "
						    "ledger %" PRId64
						    "%s model %" PRId64 "%s\n",
						    a, u ? " Norr" : "",
						    ls[a][u],
						    lseen[a][u] ? ""
						                : " (none)",
						    ms[a][u],
						    mseen[a][u] ? ""
						                : " (none)");
		}
	}
	cJSON_Delete(doc);
}

/* ---------------------------------------------------------------------
 * Condition deadlines (rules.md "Answers": kind condition): every
 * conditional allocation, and every share of a conditional distribution,
 * still pending in the view that has a decide_by at most 30 days ahead
 * or passed: an item for its recipient, of its amount. "Still pending"
 * is read from the posting lists: what the event and its resolutions
 * (and corrections reposting either) left in the recipient's pending.
 */

static long condition_items;

static int64_t model_pending_of(const struct model *m, const struct mview *v,
                                size_t i, int g, int p)
{
	const struct mlist *l = &m->acct[g][p];
	int64_t sum = 0;
	for (size_t j = 0; j < l->n; j++) {
		const struct ment *x = &l->v[j];
		const struct mev *s = &m->ev[x->src];
		bool mine =
		    x->src == i || (is_resolution(s->type) && s->tgt == (int)i);
		if (!mine || !counts_in(m, v, x))
			continue;
		const struct mpost *q = &s->post[x->k];
		for (int b = 0; b < q->nb; b++)
			if (q->bucket[b] == ML_B_PENDING)
				sum += x->sign * q->delta[b];
	}
	return sum;
}

/* "grant party due amount" lines, one per item, sorted. */
static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t model_condition_items(const struct model *m,
                                    const struct mview *v, char **out,
                                    size_t cap)
{
	size_t n = 0;
	char d[ML_DATE_TEXT_MAX];
	for (size_t i = 0; i < m->n && i + 1 <= v->known_seq; i++) {
		const struct mev *e = &m->ev[i];
		if (!is_cond(e) || e->decide_by == NONE ||
		    e->decide_by - v->as_of > 30)
			continue;
		bool dist = e->type == ML_TYPE_DISTRIBUTION;
		for (int k = 0; k < (dist ? e->nkey : 1) && n < cap; k++) {
			int p = dist ? e->kp[k] : e->b;
			int64_t left = model_pending_of(m, v, i, e->g, p);
			if (left <= 0)
				continue;
			out[n] = malloc(256);
			snprintf(out[n++], 256, "%s %s %s %" PRId64,
			         GRANTS[e->g].id, PARTIES[p].id,
			         ml_date_format(e->decide_by, d, sizeof d),
			         left);
		}
	}
	qsort(out, n, sizeof *out, line_cmp);
	return n;
}

static size_t ledger_condition_items(const cJSON *doc, char **out, size_t cap)
{
	const cJSON *it;
	size_t n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "items"))
	{
		const cJSON *kind = cJSON_GetObjectItem(it, "kind");
		if (!cJSON_IsString(kind) ||
		    strcmp(kind->valuestring, "condition") != 0 || n == cap)
			continue;
		const cJSON *g = cJSON_GetObjectItem(it, "grant"),
		            *p = cJSON_GetObjectItem(it, "party"),
		            *due = cJSON_GetObjectItem(it, "due");
		out[n] = malloc(256);
		snprintf(out[n++], 256, "%s %s %s %" PRId64,
		         cJSON_IsString(g) ? g->valuestring : "?",
		         cJSON_IsString(p) ? p->valuestring : "?",
		         cJSON_IsString(due) ? due->valuestring : "?",
		         jnum(it, "amount"));
	}
	qsort(out, n, sizeof *out, line_cmp);
	return n;
}

#define ITEMS_MAX 4096

static void compare_conditions(struct run *r, MDB_txn *txn,
                               const struct cview *v)
{
	static char *lv[ITEMS_MAX], *mv[ITEMS_MAX];
	struct ml_query q;
	query_view(&q, v);
	cJSON *doc = ledger_answer(r, txn, ml_answer_deadlines, &q);
	if (doc == NULL)
		return;
	size_t ln = ledger_condition_items(doc, lv, ITEMS_MAX);
	size_t mn = model_condition_items(&r->m, &v->mv, mv, ITEMS_MAX);
	bool same = ln == mn;
	for (size_t i = 0; same && i < ln; i++)
		same = strcmp(lv[i], mv[i]) == 0;
	condition_items += (long)mn;
	if (!same && mismatch(r)) {
		fprintf(stderr,
		        "MISMATCH after %zu events, condition deadlines: "
		        "ledger %zu items, model %zu\n",
		        r->m.n, ln, mn);
		print_view(v);
		for (size_t i = 0; i < ln || i < mn; i++)
			fprintf(stderr, "  ledger %-48s model %s\n",
			        i < ln ? lv[i] : "", i < mn ? mv[i] : "");
	}
	for (size_t i = 0; i < ln; i++)
		free(lv[i]);
	for (size_t i = 0; i < mn; i++)
		free(mv[i]);
	cJSON_Delete(doc);
}

static void checkpoint(struct run *r)
{
	MDB_txn *txn = NULL;
	struct ml_log_head head = {0};
	uint32_t gno[NG], pno[NP];
	ledger_commit(r);
	int rc = ml_ledger_read_begin_txn(r->lg, &txn);
	if (rc != 0)
		die("read_begin", rc);
	ml_ledger_head(r->lg, ml_read_of(txn), &head);
	if (head.seq != r->m.n && mismatch(r))
		fprintf(stderr, "MISMATCH: head seq %" PRIu64 ", model %zu\n",
		        head.seq, r->m.n);
	map_ids(r, txn, gno, pno);
	compare_defs(r, txn, gno, pno);
	for (int i = 0; i < 4; i++) {
		struct cview v = {{0, false, 0}, {0, UINT64_MAX}, 0};
		v.lv.as_of =
		    i >= 2 ? ML_DAY_MAX
		           : DAY_LO - 30 +
		                 (ml_day)rnd(&r->cpgen, DAY_HI - DAY_LO + 61);
		v.mv.as_of = v.lv.as_of;
		if (i % 2 == 1 && r->m.n > 0)
			known_point(r, txn, &v);
		compare_accounts(r, txn, &v, gno, pno);
		compare_edges(r, txn, &v, gno, pno);
		compare_marks(r, txn, &v, gno, pno);
		compare_rollups(r, txn, &v, gno);
		compare_conditions(r, txn, &v);
		for (int k = 0; k < 3; k++) {
			compare_repayments(r, txn, &v, gno);
			compare_statement(r, txn, &v, gno);
			compare_trace(r, txn, &v, gno);
		}
	}
	ml_ledger_read_end(r->lg, ml_read_of(txn));
}

/* ---------------------------------------------------------------------
 * The test.
 */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end = NULL;
	if (s == NULL || s[0] == '\0')
		return dflt;
	uint64_t v = strtoull(s, &end, 10);
	return end != NULL && *end == '\0' ? v : dflt;
}

static const int RULE_CODES[] = {
    ML_E_INSUFFICIENT_FUNDS,     ML_E_OVER_ALLOCATION,
    ML_E_NOT_ALLOCATED,          ML_E_OVER_CLAIM,
    ML_E_USE_BY_PASSED,          ML_E_BAD_REPAYMENT_TARGET,
    ML_E_CARRY_OVER_NOT_ALLOWED, ML_E_PERIOD_CLOSED,
    ML_E_ALREADY_CORRECTED,      ML_E_ALREADY_RESOLVED,
    ML_E_POST_EXCEEDS_PARENT,    ML_E_UNKNOWN_PARTY,
    ML_E_UNKNOWN_GRANT,          ML_E_UNKNOWN_EVENT,
    ML_E_PARENT_CYCLE,           ML_E_EXISTS,
};

static void print_summary(const struct run *r)
{
	printf("%ld events in %ld candidates (%ld atomic batches): %ld "
	       "accepted (%ld events), %ld rejected\n",
	       r->events, r->candidates, r->batches, r->accepted,
	       r->accepted_events, r->candidates - r->accepted);
	printf("atomic batches refused at an event after the first: %ld\n",
	       r->batch_late);
	printf("candidates by outcome:\n");
	for (int i = 0; i < 64 && r->codes[i].n > 0; i++)
		printf("  %-24s %6ld\n", decision(r->codes[i].code),
		       r->codes[i].n);
	printf("single events by type: accepted / rejected; every refusal "
	       "by the refused event's type and code\n");
	for (int t = 1; t < ML_TYPE_COUNT; t++) {
		printf("  %-12s %6ld / %6ld  ", ml_types[t].name,
		       r->type_acc[t], r->type_rej[t]);
		for (int i = 0; i < 24 && r->by_type[t][i].n > 0; i++)
			printf(" %s %ld", ml_error_name(r->by_type[t][i].code),
			       r->by_type[t][i].n);
		putchar('\n');
	}
	printf("refusals where the order of dates and checks mattered: %ld\n",
	       order_cases);
}

/* Stored corrections that undid a correction, and that posted records
 * of their own (into a closed period, or making an event count again). */
static void correction_kinds(const struct model *m, long *chained, long *own,
                             long *closed)
{
	*chained = *own = *closed = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct mev *e = &m->ev[i];
		if (e->type != ML_TYPE_CORRECTION)
			continue;
		*chained += e->depth > 1;
		*own += e->own;
		*closed += e->own && e->own_day == e->day;
	}
}

/* Stored resolutions of conditional distributions: confirms, lapses,
 * and those a stored correction undid. */
static void cond_dist_kinds(const struct model *m, long *conf, long *lapsed,
                            long *corrected)
{
	*conf = *lapsed = *corrected = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct mev *e = &m->ev[i];
		if (!is_resolution(e->type) || e->tgt == NONE ||
		    m->ev[e->tgt].type != ML_TYPE_DISTRIBUTION)
			continue;
		*conf += e->type == ML_TYPE_CONFIRM;
		*lapsed += e->type == ML_TYPE_LAPSE;
		*corrected += e->corrected_by != 0;
	}
}

static void check_coverage(const struct run *r)
{
	for (size_t i = 0; i < sizeof RULE_CODES / sizeof RULE_CODES[0]; i++)
		if (code_count(r, RULE_CODES[i]) == 0)
			MT_FAIL_AT("no candidate was refused as %s",
			           ml_error_name(RULE_CODES[i]));
	MT_CHECK(r->accepted * 4 > r->candidates);
	long chained, own, closed;
	correction_kinds(&r->m, &chained, &own, &closed);
	printf("corrections stored: %ld of a correction, %ld with records "
	       "of their own, %ld of them on their own date\n",
	       chained, own, closed);
	MT_CHECK(chained > 0 && own > 0 && closed > 0);
	long conf, lapsed, corrected;
	cond_dist_kinds(&r->m, &conf, &lapsed, &corrected);
	printf("conditional distributions stored: %ld confirmed, %ld let "
	       "lapse, %ld resolutions of one corrected\n",
	       conf, lapsed, corrected);
	MT_CHECK(conf > 0 && lapsed > 0 && corrected > 0);
}

static void plan_checkpoints(struct run *r, long count, long *at)
{
	long step = count / (CHECKPOINTS - 1);
	for (int k = 0; k < CHECKPOINTS - 1; k++)
		at[k] = k * step + 1 + rnd(&r->cpgen, step > 0 ? step : 1);
}

static void open_ledger(struct run *r, char *dir)
{
	struct ml_open_opts opts = {.map_bytes_initial = 1ull << 30};
	struct ml_errinfo err;
	tl_tmpdir(dir, "model");
	int rc = ml_ledger_open(dir, &opts, &r->lg, &err);
	if (rc != 0)
		die(err.message, rc);
}

#define WIDE_BATCH_MAX 2000

/* Appends seq first ..= last of a's events to b in one batch. */
static void replay_batch(struct ml_ledger *a, MDB_txn *ta, struct ml_ledger *b,
                         uint64_t first, uint64_t last, struct ml_event *evs,
                         struct ml_append_result *res)
{
	struct ml_errinfo err;
	for (uint64_t s = first; s <= last; s++)
		MT_REQUIRE(ml_ledger_event(a, ml_read_of(ta), s,
		                           &evs[s - first]) == 0);
	int rc = ml_ledger_append_batch(b, evs, (size_t)(last - first + 1),
	                                NULL, res, &err);
	if (rc != 0)
		printf("wide batches: seq %" PRIu64 "..%" PRIu64 ": %s\n",
		       first, last, err.message);
	MT_REQUIRE(rc == 0);
}

static void replay_wide(struct run *r)
{
	static const enum ml_db dbs[] = {
	    ML_DB_IDS,  ML_DB_NAMES, ML_DB_NUMS,  ML_DB_DEFS,    ML_DB_ACCT,
	    ML_DB_EDGE, ML_DB_CORR,  ML_DB_CLOSE, ML_DB_REPORTS, ML_DB_CLAIMS,
	    ML_DB_ACT,  ML_DB_ACTN,  ML_DB_PDAY};
	static const char *const names[] = {
	    "ids",   "names",   "nums",   "defs", "acct", "edge", "corr",
	    "close", "reports", "claims", "act",  "actn", "pday"};
	struct ml_event *evs = calloc(WIDE_BATCH_MAX, sizeof *evs);
	struct ml_append_result *res = calloc(WIDE_BATCH_MAX, sizeof *res);
	struct ml_ledger *b;
	char dir[4096];
	MT_REQUIRE(evs != NULL && res != NULL);
	struct run other = *r;
	open_ledger(&other, dir);
	b = other.lg;
	MDB_txn *ta;
	struct ml_log_head head;
	MT_REQUIRE(ml_ledger_read_begin_txn(r->lg, &ta) == 0);
	MT_REQUIRE(ml_ledger_head(r->lg, ml_read_of(ta), &head) == 0);
	long batches = 0;
	for (uint64_t s = 1; s <= head.seq; batches++) {
		uint64_t n = 1 + (uint64_t)rnd(&r->cpgen, WIDE_BATCH_MAX);
		uint64_t last = s + n - 1 <= head.seq ? s + n - 1 : head.seq;
		replay_batch(r->lg, ta, b, s, last, evs, res);
		s = last + 1;
	}
	printf("wide batches: %" PRIu64 " events again in %ld batches\n",
	       head.seq, batches);
	ml_ledger_read_end(r->lg, ml_read_of(ta));
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++)
		MT_CHECK(tl_same_db(r->lg, b, dbs[i], names[i], NULL));
	ml_ledger_close(b);
	tl_rmtree(dir);
	free(evs);
	free(res);
}

static void test_model(void)
{
	struct run *r = &R;
	struct mev evs[CAND_MAX];
	long at[CHECKPOINTS];
	char dir[4096];
	uint64_t seed = env_u64("MEDEL_MODEL_SEED", SEED_DEFAULT);
	long count = (long)env_u64("MEDEL_MODEL_EVENTS", EVENTS_DEFAULT);
	printf("model test: seed %" PRIu64 " (MEDEL_MODEL_SEED), %ld events "
	       "(MEDEL_MODEL_EVENTS)\n",
	       seed, count);
	DAY_LO = ymd_day(20190101);
	DAY_HI = ymd_day(20211231);
	CLOSE_CAP = ymd_day(20210630);
	model_init(&r->m);
	r->gen = (struct gen){seed, 0, &r->m, {0}};
	r->cpgen = (struct gen){seed ^ 0x5eed5eed5eedULL, 0, &r->m, {0}};
	mix_init(&r->gen, r->gen.mix);
	ml_buf_init(&r->json, 1u << 20);
	open_ledger(r, dir);
	plan_checkpoints(r, count, at);
	run_candidate(r, evs, gen_setup(evs));
	for (int next = 0; r->events < count && r->mismatches < MISMATCH_MAX;) {
		run_candidate(r, evs, gen_candidate(&r->gen, &r->m, evs));
		while (next < CHECKPOINTS - 1 && r->events >= at[next]) {
			checkpoint(r);
			next++;
		}
	}
	checkpoint(r);
	print_summary(r);
	printf("consolidated rows compared (rollups, repayments, "
	       "statements): %ld, %ld with transfers inside the subtree "
	       "cancelled; %ld statements\n",
	       consol_rows, consol_cancelled, statements);
	printf("condition deadline items compared: %ld\n", condition_items);
	if (count >= EVENTS_DEFAULT) { /* fewer cannot be asked to hit all */
		check_coverage(r);
		MT_CHECK(consol_cancelled > 100);
		MT_CHECK(statements > 100);
		MT_CHECK(traces > 100 && trace_activities > 1000);
		MT_CHECK(condition_items > 100);
	}
	printf("traces compared: %ld, %ld activities\n", traces,
	       trace_activities);
	replay_wide(r);
	ml_ledger_close(r->lg);
	tl_rmtree(dir);
	ml_buf_free(&r->json);
	model_free(&r->m);
}

int main(void)
{
	MT_RUN(test_model);
	return MT_EXIT();
}

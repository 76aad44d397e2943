/*
 * ml_summary.h — per grant, what the deadlines and repayments answers
 * need of its accounts, kept in memory by a long-lived ledger handle.
 *
 * As a user of the library, you should not need to know about these.
 *
 * Both answers read every account of every grant they name at the
 * view's date (docs/performance.md, 2026-12-03 h-md: 3 500 accounts for
 * a 33-byte deadlines answer). What they keep of those reads is small:
 * a grant's claims (accounts with an unclaimed amount and a claim_by),
 * its legal entities' consolidated sums (and whether each has reported),
 * its pending conditions. struct ml_summary is that, for one grant and
 * one view; ml_answer_summary.c builds it from the walk, and the two
 * answers write their items and rows from it alone, so an answer built
 * from a kept summary and one built from a fresh walk are the same
 * bytes by construction.
 *
 * A ledger opened with ML_OPEN_SUMMARIES (medeld) keeps them: struct
 * ml_summaries, one slot per grant number modulo ML_SUMMARY_GRANTS_MAX.
 * The one-shot CLI does not (one answer per process: nothing to reuse).
 *
 * Which views: only those without known_at, and for the payer it was
 * built for (the grant's effective payer, whose legal entity is left
 * out). A summary built at as_of D answers D itself and, when it is
 * settled, every date after D. Settled: no account of the grant has a
 * record dated on or after D (the walk's seek to D landed past each
 * account's last record, ml_walk.later) and no report of the grant is
 * dated on or after D (ml_state_reports_from). Everything a summary
 * holds is read at D from records with a date: account totals, edges
 * (an edge is only ever posted with the accounts of the same event on
 * the same date, ml_postings.c, so its records' dates are accounts'
 * dates), claim_by rows (dated by their allocation or its confirm, which
 * post to the account), reports, pending conditions (their allocation,
 * confirm and lapse post to the account); a correction's own records
 * are account records too. With none of them dated D or later, every
 * later date reads the same. The benchmark's dates (2030–2040, after
 * every event) and "today" are such views; a date inside the grant's
 * history is kept for that date alone.
 *
 * When a summary is current: the state tells the cache, through
 * ml_summaries_touch, the seq of every event that changed a grant —
 * per grant for money events (each of their postings' grants), for the
 * whole ledger for everything else (definitions change the party tree
 * and the inherited payer, closes, corrections, reports, confirms and
 * lapses reach beyond one account). The touch happens inside the write
 * transaction, before its commit, under the cache's mutex. changed[s]
 * is the highest seq touched in slot s (never lowered: a touch of an
 * aborted batch only makes the cache more careful); changed_all the
 * highest touched for everything.
 *
 * A summary built from a read transaction whose head (last seq) is H is
 * stamped H. A reader whose transaction's head is R may use it when no
 * change to its grant (nor to everything) has a seq above min(H, R):
 * then the grant reads the same at H and at R. The mutex makes this
 * safe against the writer: a reader that sees commit S in its
 * transaction began after that commit, which followed the writer's
 * touch and its unlock, so the reader's lock sees the touch. A reader
 * at an older head than a change, or a summary built before it, is
 * refused; nothing reads a stale one.
 *
 * Lifetime: a summary is reference-counted under the mutex. The cache
 * holds one reference while it sits in its slot, each reader one while
 * it writes from it (ml_summaries_get → ml_summaries_release); the last
 * release frees it. Replacing a slot only drops the cache's reference,
 * so a reader never sees its summary freed under it. The mutex is held
 * for a lookup, an install, a touch: never while a summary is built.
 */
#ifndef ML_SUMMARY_H
#define ML_SUMMARY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_limits_internal.h"
#include "ml_state.h"

/* One legal entity's subtree consolidated over one grant (DOMAIN.md
 * "repayments"): every bucket, transfers between members cancelled. */
struct ml_entity_sum {
	uint32_t entity_no;      /* the legal entity */
	struct ml_str entity_id; /* its id */
	struct ml_totals sum;    /* consolidated buckets, öre */
};

/* The parts of a summary (struct ml_summary.parts). A kept summary has
 * them all; one built for a single answer reads only what it asks. */
#define ML_SUM_ITEMS    1u /* claims and pending conditions */
#define ML_SUM_ENTITIES 2u /* legal entities' sums (the edges' walk) */
#define ML_SUM_REPORTS  4u /* reported[] (with ML_SUM_ENTITIES) */
#define ML_SUM_ALL      (ML_SUM_ITEMS | ML_SUM_ENTITIES | ML_SUM_REPORTS)

/* A dated amount of one party: a claim or a pending condition. */
struct ml_sum_item {
	struct ml_str party; /* its id */
	ml_day date;         /* claim_by, decide_by */
	int64_t amount_ore;  /* unclaimed, or the allocation's */
};

struct ml_summary {
	/* the key: which grant, for which view, built at which head */
	uint32_t grant_no;
	uint32_t payer_no; /* the effective payer it was built for */
	ml_day as_of;
	uint64_t head_seq; /* the building transaction's last seq */
	bool settled;      /* answers every as_of ≥ as_of too (above) */
	unsigned parts;    /* ML_SUM_*: what was read (all when kept) */
	/* claims: accounts other than the payer's with an unclaimed amount
	 * and a claim_by, in account order (party number) */
	struct ml_sum_item *claims;
	size_t claim_count;
	/* legal entities other than the payer's, sorted by id; reported[i]:
	 * has sums[i] received money and a counting report in the view */
	struct ml_entity_sum *sums;
	bool *reported;
	size_t sum_count;
	/* pending conditions with a decide_by, in the walk's order */
	struct ml_sum_item *conds;
	size_t cond_count;
	char **ids;      /* the copied ids the ml_str above point into */
	size_t id_count; /* ≤ claim_count + sum_count + cond_count */
	unsigned refs;   /* under the cache's mutex when kept */
};

struct ml_summaries {
	pthread_mutex_t lock; /* guards every field below */
	uint64_t changed_all; /* highest seq that changed everything */
	uint64_t changed[ML_SUMMARY_GRANTS_MAX];        /* per slot */
	struct ml_summary *slot[ML_SUMMARY_GRANTS_MAX]; /* kept, or NULL */
};

/* A new, empty cache (*out is the caller's: ml_summaries_free).
 * Errors: ML_E_NOMEM. */
int ml_summaries_new(struct ml_summaries **out);
/* Frees c and drops its references (no reader may still hold one).
 * NULL is accepted. */
void ml_summaries_free(struct ml_summaries *c);

/* Event seq changed grant_no (0: everything). Called by the writer
 * before the commit that stores seq. */
void ml_summaries_touch(struct ml_summaries *c, uint32_t grant_no,
                        uint64_t seq);

/* The kept summary of grant_no for (payer_no, as_of: its own, or after
 * it when settled) that a reader at head_seq may use, with a reference the caller gives back with
 * ml_summaries_release; NULL when there is none. */
struct ml_summary *ml_summaries_get(struct ml_summaries *c, uint32_t grant_no,
                                    uint32_t payer_no, ml_day as_of,
                                    unsigned parts, uint64_t head_seq);
/* Keeps s (built by the caller, refs = 1) in its grant's slot if no
 * change since its head makes it useless; the caller's reference stays
 * the caller's. */
void ml_summaries_put(struct ml_summaries *c, struct ml_summary *s);
/* Gives back a reference: a kept summary's, or one the caller built
 * and did not keep (c may be NULL then). The last frees s. */
void ml_summaries_release(struct ml_summaries *c, struct ml_summary *s);

/* Frees s and what it owns (refs ignored). NULL is accepted. */
void ml_summary_free(struct ml_summary *s);

#endif /* ML_SUMMARY_H */

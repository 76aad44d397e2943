/*
 * ml_summary.h — per grant, what the deadlines, repayments and
 * statement answers need of its accounts and edges, kept in memory by a
 * long-lived ledger handle.
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
 * bytes by construction. Two parts are kept so that the work is done
 * once per summary rather than once per answer: the repayments' rows
 * as text up to their status (ML_SUM_ROWS: formatting them was most of
 * a repayments answer), and the grant's edges with their payouts and
 * repayments, which the statement's flows sum (ML_SUM_EDGES: a seek per
 * edge was 40 % of a statement). A trace of the grant adds its nodes,
 * their activities and its flows, named and sorted (ML_SUM_TRACE, only
 * once a trace asks: a seek per account, edge and activity, a name per
 * node and sorting by id were 85 % of a built trace). Beside the
 * summaries the cache keeps the party tree with every party's id
 * (struct ml_tree_kept, below), which the statement needs whole, and
 * every grant's id and parent (struct ml_grants_kept), which every
 * answer's grant list reads.
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
#define ML_SUM_ITEMS    1u  /* claims and pending conditions */
#define ML_SUM_ENTITIES 2u  /* legal entities' sums (the edges' walk) */
#define ML_SUM_REPORTS  4u  /* reported[] (with ML_SUM_ENTITIES) */
#define ML_SUM_ROWS     8u  /* row_text (with ML_SUM_ENTITIES) */
#define ML_SUM_EDGES    16u /* edges[] (the statement's flows) */
#define ML_SUM_ALL                                                             \
	(ML_SUM_ITEMS | ML_SUM_ENTITIES | ML_SUM_REPORTS | ML_SUM_ROWS |       \
	 ML_SUM_EDGES)
/* The trace's nodes and flows (struct ml_sum_trace, with ML_SUM_EDGES):
 * built only when a trace asks (a kept summary then has every part and
 * this one), so the other answers' summaries cost what they did. */
#define ML_SUM_TRACE 32u

/* An edge of the grant that exists in the view, and what went along it
 * (payouts and repayments, öre): what a statement's flows sum. */
struct ml_sum_edge {
	uint32_t from_no, to_no;
	int64_t paid_out_ore, repaid_ore;
};

/* A dated amount of one party: a claim or a pending condition. */
struct ml_sum_item {
	struct ml_str party; /* its id */
	ml_day date;         /* claim_by, decide_by */
	int64_t amount_ore;  /* unclaimed, or the allocation's */
};

/* A JSON string's text (quotes and escapes included) in a struct
 * ml_sum_trace's text: text[off .. off + len). */
struct ml_sum_json {
	size_t off, len;
};

/* An account of the grant in the view as a trace node: its party's id,
 * its buckets (öre), its activities acts[act_first ..
 * act_first + act_count), merged and sorted as the trace lists them. */
struct ml_sum_node {
	struct ml_sum_json party;
	struct ml_totals t;
	size_t act_first, act_count;
};

/* An activity of a node: (activity, unit) and what was spent on it. */
struct ml_sum_act {
	struct ml_sum_json activity, unit; /* unit.len 0: no unit */
	int64_t spent_ore;
};

/* A flow of the trace: a payout (repayment false) or a repayment along
 * an edge, amount_ore > 0. */
struct ml_sum_flow {
	struct ml_sum_json from, to;
	bool repayment;
	int64_t amount_ore;
};

/* The part ML_SUM_TRACE: what a trace of the grant alone (no posts) is
 * written from, read at the summary's as_of like the rest (activities'
 * records are dated as the expenses' account records are, so the
 * settled rule holds for them too). Nodes sorted by party id, flows by
 * (from, to, kind): the trace's order, so an answer only formats the
 * numbers and copies the ids (ml_answer_trace.c). Every id as JSON
 * text, escaped once here rather than once per answer. */
struct ml_sum_trace {
	struct ml_sum_node *nodes;
	size_t node_count;
	struct ml_sum_act *acts;
	size_t act_count, act_cap; /* used, allocated */
	struct ml_sum_flow *flows;
	size_t flow_count;
	char *text;        /* every ml_sum_json's bytes */
	size_t text_bytes; /* of text used */
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
	/* the repayments' row of each sums[i] as JSON text up to its
	 * status, the one part of a row that depends on the view's date:
	 * {"grant":…,"party":…,<the amounts>,"outstanding":…,"status":
	 * is row_text[row_end[i - 1] .. row_end[i]) (row_end[-1] = 0);
	 * written once per summary, so a kept one's rows are copied, not
	 * formatted, by every answer it serves (ml_answer_repayments.c) */
	char *row_text;
	size_t *row_end; /* sum_count offsets into row_text */
	/* every edge of the grant in the view, in the edges' order
	 * (from, to); read like the entities' sums from dated records */
	struct ml_sum_edge *edges;
	size_t edge_count;
	/* pending conditions with a decide_by, in the walk's order */
	struct ml_sum_item *conds;
	size_t cond_count;
	/* the trace's nodes and flows (ML_SUM_TRACE), or NULL */
	struct ml_sum_trace *trace;
	char **ids;      /* the copied ids the ml_str above point into */
	size_t id_count; /* ≤ claim_count + sum_count + cond_count */
	unsigned refs;   /* under the cache's mutex when kept */
};

/* The party tree of the views without known_at (struct ml_tree's
 * arrays, ml_answer_internal.h), kept beside the summaries for the
 * statement, which needs it on every answer (a seek per party: 46 % of
 * its instructions). In such a view a party's parent is its current row,
 * whatever the as_of, and only a party definition changes the rows or
 * their count; a definition is not a money event, so it stamps
 * changed_all. A tree read at head H therefore answers a reader at head
 * R when changed_all ≤ min(H, R), the summaries' rule with no date in
 * it. Immutable once kept; reference-counted like a summary. */
struct ml_tree_kept {
	uint64_t head_seq; /* the building transaction's last seq */
	uint32_t count;    /* parties; each array holds count + 1 */
	uint32_t *parent, *root, *first, *next;
	/* [p]: party p's id, in id_text (a number's id never changes), or
	 * id NULL when they could not be read: the statement's names */
	struct ml_str *id;
	char *id_text;
	unsigned refs; /* under the cache's mutex when kept */
};

/* The grants' ids and parents, what ml_ans_grant_list reads (a name per
 * grant and a row per hop up the posts: 14 % of a built balances
 * answer, 9 % of a statement), kept beside the tree. Like the tree they
 * are current rows whatever the view, and only a grant definition
 * changes them or their count, which stamps changed_all: the same rule.
 * Immutable once kept; reference-counted like a summary. */
struct ml_grants_kept {
	uint64_t head_seq; /* the building transaction's last seq */
	uint32_t count;    /* grants, numbered 1..count */
	uint32_t *parent;  /* [g]: its parent grant, 0 for none (count + 1) */
	uint32_t *by_id;   /* the count grant numbers, sorted by id */
	struct ml_str *id; /* [g]: its id, in text (count + 1) */
	char *text;        /* the ids' bytes */
	unsigned refs;     /* under the cache's mutex when kept */
};

struct ml_summaries {
	pthread_mutex_t lock; /* guards every field below */
	uint64_t changed_all; /* highest seq that changed everything */
	uint64_t changed[ML_SUMMARY_GRANTS_MAX];        /* per slot */
	struct ml_summary *slot[ML_SUMMARY_GRANTS_MAX]; /* kept, or NULL */
	struct ml_tree_kept *tree;                      /* kept, or NULL */
	struct ml_grants_kept *grants;                  /* kept, or NULL */
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
/* Frees t and its arrays. NULL is accepted. */
void ml_sum_trace_free(struct ml_sum_trace *t);

/* The kept party tree a reader at head_seq may use, with a reference
 * (ml_summaries_tree_release); NULL when there is none. */
struct ml_tree_kept *ml_summaries_tree_get(struct ml_summaries *c,
                                           uint64_t head_seq);
/* Keeps k (refs = 1, the caller's, which stays the caller's) unless a
 * change since its head makes it useless. */
void ml_summaries_tree_put(struct ml_summaries *c, struct ml_tree_kept *k);
/* Gives back a reference; the last frees k. */
void ml_summaries_tree_release(struct ml_summaries *c, struct ml_tree_kept *k);
/* Frees k and its arrays (refs ignored). NULL is accepted. */
void ml_tree_kept_free(struct ml_tree_kept *k);

/* The kept grants a reader at head_seq may use, with a reference
 * (ml_summaries_grants_release); NULL when there are none. */
struct ml_grants_kept *ml_summaries_grants_get(struct ml_summaries *c,
                                               uint64_t head_seq);
/* Keeps k (refs = 1, the caller's, which stays the caller's) unless a
 * change since its head makes it useless. */
void ml_summaries_grants_put(struct ml_summaries *c, struct ml_grants_kept *k);
/* Gives back a reference; the last frees k. */
void ml_summaries_grants_release(struct ml_summaries *c,
                                 struct ml_grants_kept *k);
/* Frees k and its arrays (refs ignored). NULL is accepted. */
void ml_grants_kept_free(struct ml_grants_kept *k);

#endif /* ML_SUMMARY_H */

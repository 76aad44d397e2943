/*
 * ml_state_internal.h — what the state's own .c files share (not public).
 */
#ifndef ML_STATE_INTERNAL_H
#define ML_STATE_INTERNAL_H

#include "ml_cache.h"
#include "ml_entries.h"
#include "ml_known.h"
#include "ml_limits_internal.h"
#include "ml_pday.h"
#include "ml_state.h"
#include "ml_tails.h"

/* The state of one ledger. Its cursors and tails belong to the batch
 * being applied (ml_state_batch_begin/end): opening a cursor per posting
 * would cost a malloc each, and the tails hold the day records the batch
 * has not written yet — a read of day totals inside a batch calls
 * ml_state_batch_flush first, or goes through the batch's series. */
struct ml_state {
	struct ml_store *st;
	struct ml_cache *cache;     /* committed, immutable facts */
	uint32_t committed_parties; /* counts when the write txn began */
	uint32_t committed_grants;
	MDB_txn *batch_txn;
	MDB_cursor *cur[ML_SERIES_DBS]; /* acct, edge, act */
	struct ml_tails *tails;
	bool tails_on;                /* this batch holds series in memory */
	struct ml_pday_notes pday;    /* accounts whose activities changed */
	struct ml_known_notes *known; /* what the batch did, by seq */
	ml_change_fn on_change;       /* ml_state_on_change; NULL = none */
	void *on_change_arg;
};

/* The highest activity number given (0 when none): ml_acts.c. */
int ml_act_count(struct ml_store *st, MDB_txn *txn, uint32_t *count);

/* The number of a name, through the cache (writer only). */
int ml_state_lookup_cached(struct ml_state *s, MDB_txn *txn,
                           enum ml_name_kind k, struct ml_str id, uint32_t *no);
/* A grant's payer and parent, through the cache (writer only). */
int ml_state_grant_tree(struct ml_state *s, MDB_txn *txn, uint32_t no,
                        uint32_t *payer, uint32_t *parent);

struct ml_posting;

/* One share of a distribution: an allocation from → party_no. */
struct ml_share_no {
	uint32_t party_no;
	int64_t amount_ore; /* ≥ 1: shares of 0 make no allocation */
};

/* Numbers an event's names resolve to (0 = not named by the event). A
 * confirm or lapse names no grant or party: its grant, from and to are
 * those of the conditional allocation it resolves, whose amount is
 * pending_ore; confirm_ore is what a confirm turns into an allocation. */
struct ml_resolved {
	uint32_t grant, to_grant, from, to, party, payer, parent;
	uint32_t act; /* an expense's (activity, unit) number (ml_acts.c);
	                 0: no posting to its activity series */
	int64_t total_delta_ore; /* grant definitions: new − old total */
	int64_t pending_ore, confirm_ore;
	/* A distribution: its shares of 1 öre or more, in key order, and
	 * room for the 1 + 2 × share_count posting groups they make. Both
	 * malloc'd by ml_resolve_shares; ml_resolved_free frees them (and
	 * does nothing for other events). */
	struct ml_share_no *shares;
	uint32_t share_count;
	struct ml_posting *room;
};

/* Looks up a party's number: *no = 0 when it is not defined. */
typedef int (*ml_party_no_fn)(void *arg, struct ml_str id, uint32_t *no);

/* Fills r->shares and r->room for the distribution ev (ml_dist.h gives
 * the shares), resolving each key party with fn. A party fn does not
 * know: ML_E_UNKNOWN_PARTY with *unknown = its id (pointing into
 * ev->key), and nothing allocated. Errors: those of fn, ML_E_CORRUPT
 * (a key that is not canonical), ML_E_NOMEM. */
int ml_resolve_shares(const struct ml_event *ev, ml_party_no_fn fn, void *arg,
                      struct ml_resolved *r, struct ml_str *unknown);
void ml_resolved_free(struct ml_resolved *r);

/* One group of postings on one account or edge. */
struct ml_posting {
	bool edge;
	bool act; /* the activity series grant ‖ party (a_no) ‖ act (b_no) */
	bool post_parent; /* a post's claim on its parent grant's pool */
	uint32_t grant_no, a_no, b_no; /* acct: grant, party; edge: from, to */
	struct ml_post post;
	enum ml_field field; /* the event field naming the account */
};

struct ml_postings {
	int n, cap;
	struct ml_posting *p; /* fixed, or a distribution's r->room */
	struct ml_posting fixed[ML_POSTING_GROUPS_MAX];
};

/* The postings of ev given its resolved numbers (pure). */
void ml_postings_of(const struct ml_event *ev, const struct ml_resolved *r,
                    struct ml_postings *out);

/* Is ev an allocation with a condition? */
bool ml_is_conditional(const struct ml_event *ev);

/* For confirm or lapse ev resolving conditional allocation al: r's
 * pending_ore and confirm_ore (names are the caller's to resolve). */
void ml_resolved_condition(const struct ml_event *ev, const struct ml_event *al,
                           struct ml_resolved *r);

size_t ml_key_num(unsigned char *k, enum ml_name_kind kind, uint32_t no);
void ml_acct_prefix(unsigned char *p, uint32_t grant_no, uint32_t party_no);
/* The series of an account or edge in txn, with the batch's cursors when
 * s (the state) is given and applying a batch, else without. */
void ml_series_acct(struct ml_series *out, struct ml_store *st, MDB_txn *txn,
                    const struct ml_state *s, uint32_t grant_no,
                    uint32_t party_no);
void ml_series_edge(struct ml_series *out, struct ml_store *st, MDB_txn *txn,
                    const struct ml_state *s, uint32_t grant_no,
                    uint32_t from_no, uint32_t to_no);
void ml_edge_prefix(unsigned char *p, uint32_t grant_no, uint32_t from_no,
                    uint32_t to_no);
void ml_series_act(struct ml_series *out, struct ml_store *st, MDB_txn *txn,
                   const struct ml_state *s, uint32_t grant_no,
                   uint32_t party_no, uint32_t act_no);

/* --- activity numbers (ml_acts.c) --- */

#define ML_ACT_PAIR_MAX (2 + ML_ACTIVITY_MAX + 1 + ML_UNIT_MAX)

/* The canonical bytes of (activity, unit) (out: ML_ACT_PAIR_MAX), and
 * back (ML_E_CORRUPT when they are not such bytes). */
size_t ml_act_pair(struct ml_str activity, struct ml_str unit,
                   unsigned char *out);
int ml_act_pair_decode(const void *data, size_t len, struct ml_str *activity,
                       struct ml_str *unit);
/* *no = the number of (activity, unit); when it has none, 0, or with
 * create the next number, written in txn. */
int ml_act_find(struct ml_store *st, MDB_txn *txn, struct ml_str activity,
                struct ml_str unit, bool create, uint32_t *no);
/* The keys actn holds for a pair numbered no (hkey: 33 bytes, nkey: 5),
 * for verify. 0, or ML_E_NOMEM (no SHA-256: ml_sha256). */
int ml_act_keys(const unsigned char *pair, size_t len, uint32_t no,
                unsigned char *hkey, unsigned char *nkey);
int ml_state_num_get(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                     uint32_t no, size_t row_size, void *row,
                     struct ml_str *id);
int ml_view_counts(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                   uint64_t seq, ml_day day, bool *counts);

#endif /* ML_STATE_INTERNAL_H */

/*
 * ml_state_internal.h — what the state's own .c files share (not public).
 */
#ifndef ML_STATE_INTERNAL_H
#define ML_STATE_INTERNAL_H

#include "ml_entries.h"
#include "ml_state.h"

struct ml_state {
	struct ml_store *st;
};

/* Numbers an event's names resolve to (0 = not named by the event). */
struct ml_resolved {
	uint32_t grant, to_grant, from, to, party, payer, parent;
	int64_t total_delta_ore; /* grant definitions: new − old total */
};

/* One group of postings on one account or edge. */
struct ml_posting {
	bool edge;
	bool post_parent; /* a post's claim on its parent grant's pool */
	uint32_t grant_no, a_no, b_no; /* acct: grant, party; edge: from, to */
	struct ml_post post;
	enum ml_field field; /* the event field naming the account */
};

#define ML_POSTING_GROUPS_MAX 4

struct ml_postings {
	int n;
	struct ml_posting p[ML_POSTING_GROUPS_MAX];
};

/* The postings of ev given its resolved numbers (pure). */
void ml_postings_of(const struct ml_event *ev, const struct ml_resolved *r,
		    struct ml_postings *out);

size_t ml_key_num(unsigned char *k, enum ml_name_kind kind, uint32_t no);
void ml_acct_prefix(unsigned char *p, uint32_t grant_no, uint32_t party_no);
void ml_edge_prefix(unsigned char *p, uint32_t grant_no, uint32_t from_no,
		    uint32_t to_no);
int ml_state_num_get(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
		     uint32_t no, size_t row_size, void *row,
		     struct ml_str *id);
void ml_grant_inherit(struct ml_grant_row *row, const struct ml_grant_row *p);
int ml_view_counts(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
		   uint64_t seq, ml_day day, bool *counts);

#endif /* ML_STATE_INTERNAL_H */

/*
 * ml_verify_internal.h — what verify's three parts share.
 *
 * ml_verify.c runs them: a second thread re-hashes the chain while the
 * calling thread replays the log into an in-memory "expectation"
 * (ml_verify_replay.c) and then walks every stored projection in key
 * order against it (ml_verify_compare.c). The expectation holds, per
 * event, the postings it must have made (a compressed array indexed by
 * seq), which event corrected it, and the definitions, closes, reports
 * and claims the indexes must hold.
 */
#ifndef ML_VERIFY_INTERNAL_H
#define ML_VERIFY_INTERNAL_H

#include "ml_answer.h"
#include "ml_ledger_internal.h"
#include "ml_reading.h"
#include "ml_state_internal.h"

/* One posting group an event must have made. */
struct mv_posting {
	bool edge;
	bool act;
	bool matched; /* its event record was found */
	uint32_t grant, a, b;
	struct ml_post post;
};

/* One row an index (reports, claims, defs) must hold. */
struct mv_row {
	uint32_t g, p; /* defs: kind and number */
	uint64_t seq;
	ml_day date, extra; /* claims: claim_by */
};

struct mv_rows {
	struct mv_row *v;
	size_t n, cap;
};

/* Per grant or party number: what its latest definition says, and the
 * exact nums row (row bytes ‖ id) the state must hold for it. */
struct mv_def {
	uint64_t def_seq;
	uint32_t payer, parent;
	int64_t total_ore;
	union {
		struct ml_party_row party;
		struct ml_grant_row grant;
	} row;
	struct ml_str id; /* points into the log record (the txn's map) */
};

/* The (activity, unit) numbers the log gives, in the order expenses
 * first name them (ml_acts.c): the SHA-256 of each pair by number, and an
 * open-addressing table from hash to number. */
struct mv_acts {
	unsigned char (*hash)[32]; /* [1 ..= n] */
	uint32_t n, cap;
	uint32_t *slot; /* numbers; 0 = free */
	uint32_t slots; /* a power of two, > 2 n */
};

struct mv_expect {
	uint64_t head;
	uint64_t *first; /* postings of seq s: [first[s], first[s+1]) */
	struct mv_posting *posts;
	uint64_t nposts, posts_cap;
	uint64_t *corrected_by; /* by seq: the correction of it (index) */
	uint64_t *retracted_by; /* by seq: the one that withdrew its records */
	ml_day *date;           /* by seq */
	uint64_t corrections, ids;
	struct ml_cache *names;
	struct mv_def *party, *grant; /* by number */
	uint32_t parties, grants, party_cap, grant_cap;
	ml_day *closed; /* by grant number, [0] = every grant */
	uint32_t closed_cap;
	struct mv_rows reports, claims, defs;
	struct mv_acts acts;
};

/* The first difference found (kind empty when none). */
struct mv_diff {
	char kind[16];
	uint64_t seq;
	char message[ML_MESSAGE_MAX];
};

/* A cursor walking a database in key order that proves, at every leaf
 * page it enters, that a lookup finds the first and last records of each
 * page where the walk found them (ml_verify_cursor.c): the branch pages'
 * separator keys, which lookups read and walks do not. */
struct mv_cur {
	MDB_cursor *c;
	MDB_txn *txn; /* and dbi: the lookups' (mdb_get) */
	MDB_dbi dbi;
	size_t page_bytes;
	uintptr_t page;          /* the leaf page of last */
	MDB_val last, last_data; /* the record the walk returned last */
};

int mv_cur_open(MDB_txn *txn, MDB_dbi dbi, struct mv_cur *m);
void mv_cur_close(struct mv_cur *m);
/* mdb_cursor_get on m's walk (MDB_FIRST, MDB_NEXT); ML_E_CORRUPT when a
 * lookup of a record's key does not find that record. */
int mv_cur_get(struct mv_cur *m, MDB_val *k, MDB_val *v, MDB_cursor_op op);

/* Records a difference unless one was found already. Returns 1. */
int mv_differ(struct mv_diff *d, const char *kind, uint64_t seq,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Replays seq 1 ..= head of txn's log into x; a log that cannot be
 * replayed (an event naming an undefined party, say) is a difference. */
int mv_replay(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
              struct mv_diff *d, ml_progress_fn progress, void *arg);
void mv_expect_free(struct mv_expect *x);

/* The log's index (ml_verify_evidx.c): every entry the log gives, and
 * no other. */
int mv_compare_evidx(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                     struct mv_diff *d, uint64_t *checked);

/* Each account's activities' day records (ml_verify_pday.c): made
 * again from the act database, the same bytes. */
int mv_compare_pday(struct ml_store *st, MDB_txn *txn, struct mv_diff *d,
                    uint64_t *checked);

/* Activity numbers (ml_verify_acts.c): *no for (activity, unit), given
 * the next number when new; freeing; and actn compared whole with them. */
int mv_act_intern(struct mv_acts *a, struct ml_str activity, struct ml_str unit,
                  uint32_t *no);
void mv_acts_free(struct mv_acts *a);
int mv_compare_acts(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                    struct mv_diff *d, uint64_t *checked);

/* The small indexes: corr, close, reports, claims, names, nums, defs,
 * ids (count). */
int mv_compare_indexes(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                       struct mv_diff *d, uint64_t *checked);

/* Compares every projection and index of txn with x. Counts the records
 * it compared in *checked. */
int mv_compare(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
               struct mv_diff *d, uint64_t *checked);

#endif /* ML_VERIFY_INTERNAL_H */

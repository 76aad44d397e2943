/*
 * ml_verify_internal.h — what verify's three parts share.
 *
 * ml_verify.c runs them: a second thread re-hashes the chain while the
 * calling thread replays the log into an in-memory "expectation"
 * (ml_verify_replay.c) and then walks every stored projection in key
 * order against it (ml_verify_compare.c).
 *
 * What is checked against what (the stored records and their source):
 *  - log: the chain (ml_verify.c's thread), every record decodes;
 *  - ids: each event's id maps to its seq (exact: a lookup per event in
 *    the replay; by sums: the index walked in key order beside the
 *    chain, a record per event with an id, the two order-free sums of
 *    (id, seq) pairs compared after: ml_verify_logsums.c), and the count;
 *  - acct, edge, act (the series): each event entry (seq, date, buckets,
 *    deltas) is one posting the replay made on that series, its
 *    corrected_by the correction that withdrew the event's records (or
 *    0); each day record the running totals of the entries before it;
 *    every posting has its entry; conservation per grant from the totals;
 *  - actn: the (activity, unit) numbers; corr, close, reports, claims,
 *    names, nums, defs: row by row with the replay; evidx: by a mix
 *    (by sums, of the events the chain thread decoded: one pass of the
 *    log fewer; exact, ml_evidx_verify reads the log again).
 *
 * The replay runs in one of two modes (mv_expect.exact):
 *  - sums (the first run, O(series + corrections) memory): each posting
 *    is folded into its series' count and 128-bit mix of (seq, date,
 *    buckets, deltas) (ml_verify_sums.c); the walks fold each stored
 *    entry out again, so a series ends at zero exactly when its entries
 *    are its postings, a moved or swapped amount included. corrected_by
 *    is checked per entry against the corrections' table
 *    (ml_verify_corr.c). The sums cannot say which entry differs;
 *  - exact (run only after the sums saw any difference): the postings
 *    kept per event (first/posts, ~100 bytes per event), each entry
 *    looked up by seq, so the answer names the first difference, the
 *    same as before the sums existed.
 */
#ifndef ML_VERIFY_INTERNAL_H
#define ML_VERIFY_INTERNAL_H

#include "ml_answer.h"
#include "ml_evidx.h"
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
 * open-addressing table from hash to number. In front of it, the numbers
 * of up to ML_VERIFY_ACTS_CACHED_MAX pairs by their bytes (an ml_cache):
 * almost every expense names a pair met before, and a SHA-256 through
 * OpenSSL's one-shot SHA256() costs ~1 µs, most of it the digest's fetch. */
struct mv_acts {
	unsigned char (*hash)[32]; /* [1 ..= n] */
	uint32_t n, cap;
	uint32_t *slot;           /* numbers; 0 = free */
	uint32_t slots;           /* a power of two, > 2 n */
	struct ml_cache *by_pair; /* pair bytes → number, or NULL (none yet) */
};

/* One series' balance of postings made by the replay against entries
 * met by the walks (ml_verify_sums.c): zero when they are the same. */
struct mv_sum {
	uint32_t kind; /* MV_SERIES_*; 0 = a free slot */
	uint32_t grant, a, b;
	int64_t count;   /* postings − entries */
	uint64_t mix[2]; /* Σ postings' mixes − Σ entries' (mod 2^64 each) */
};

enum { MV_SERIES_ACCT = 1, MV_SERIES_EDGE = 2, MV_SERIES_ACT = 3 };

/* Open addressing, slots a power of two, at most half used. */
struct mv_sums {
	struct mv_sum *slot;
	size_t slots, used;
};

/* What the replay knows of a correction or of an event one corrected
 * (ml_verify_corr.c). */
struct mv_fix {
	uint64_t seq;          /* 0 = a free slot */
	uint64_t corrected_by; /* the correction of seq, or 0 */
	uint64_t retracted_by; /* the one that withdrew seq's records, or 0 */
	ml_day date;           /* seq's records' date (a correction's own) */
};

/* The filter in front of the table: a walk asks "was seq withdrawn?"
 * for every entry, and almost every answer is no. One bit (by a hash) per
 * withdrawn seq, in at least MV_CORR_FILTER_BITS_PER bits per withdrawn
 * seq, so a seq not withdrawn passes with a chance under 1 − e^(−1/32)
 * ≈ 3 %, whatever the corrections' count: a fixed 64 Ki bits were two
 * thirds full at 10 000 000 events (71 040 corrections), and two entries
 * in three then probed the table (16 MiB, a cache miss each): 4.5 s. */
#define MV_CORR_FILTER_BITS_PER  32u
#define MV_CORR_FILTER_FIRST_LOG 16u /* 64 Ki bits, 8 KiB */

struct mv_corr {
	struct mv_fix *slot;
	size_t slots, used;  /* a power of two, at most half used */
	uint64_t *filter;    /* filter_bits bits, or NULL: none withdrawn */
	size_t filter_bits;  /* a power of two ≥ PER × retracted, or 0 */
	unsigned filter_log; /* log2 filter_bits */
	size_t retracted;    /* seqs withdrawn */
};

struct mv_expect {
	uint64_t head;
	bool exact;            /* keep the postings per event (see the top) */
	uint64_t resident_max; /* the map's pages kept: ML_VERIFY_RESIDENT_MAX,
	                          or UINT64_MAX in medeld (its read cache) */
	bool suspect;          /* the sums cannot decide: run exact */
	uint64_t seq;          /* the event whose postings are being made */
	ml_day date;           /* and their date */
	uint64_t *first; /* exact: postings of s: [first[s], first[s+1]) */
	struct mv_posting *posts;
	uint64_t nposts, posts_cap;
	ml_day *date_of;     /* exact: by seq */
	struct mv_sums sums; /* sums: per series */
	struct mv_corr corr;
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
	uint64_t touched_bytes;  /* leaf pages and values since a trim */
	uint64_t resident_max;   /* file pages kept (UINT64_MAX: all) */
};

/* resident_max: the file pages the walk keeps resident (x->resident_max
 * of the run). */
int mv_cur_open(MDB_txn *txn, MDB_dbi dbi, uint64_t resident_max,
                struct mv_cur *m);
void mv_cur_close(struct mv_cur *m);
/* mdb_cursor_get on m's walk (MDB_FIRST, MDB_NEXT); ML_E_CORRUPT when a
 * lookup of a record's key does not find that record. */
int mv_cur_get(struct mv_cur *m, MDB_val *k, MDB_val *v, MDB_cursor_op op);

/* What the chain thread sums of the log alone, by sums
 * (ml_verify_logsums.c): the ids index and the log's index against the
 * log's events 1 ..= head. */
struct mv_logsums {
	struct ml_evidx_sum id_want, id_got; /* (id, seq): the log's, ids' */
	struct ml_evidx_sum evidx_want;      /* the log's index's, by the log */
	int evidx_rc;      /* the first error summing the latter, or 0 */
	uint64_t ids;      /* events with an id */
	bool walking;      /* the ids index's walk (ids_cur) goes on */
	bool taken;        /* summed over the whole log and compared */
	bool agree;        /* and both indexes hold what the log gives */
	const char *doing; /* what the thread does besides (ml_reading.h) */
	struct mv_cur ids_cur;
};

/* The log-only sums (ml_verify_logsums.c). begin: s zeroed, the ids
 * index's walk opened in txn (doing: what the thread says it does, a
 * static string, ml_reading.h); event: ev (seq 1, 2, … in order) folded
 * in; end: the walk closed, the log's index summed, taken and agree set;
 * close: the walk closed (after begin, whatever happened). walk: all of
 * them over txn's log 1 ..= head, on the calling thread. Errors: an
 * LMDB error opening a cursor; differences only leave agree false. */
int mv_logsums_begin(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                     uint64_t resident_max, const char *doing);
void mv_logsums_event(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                      const struct ml_event *ev);
void mv_logsums_end(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                    uint64_t resident_max);
void mv_logsums_close(struct mv_logsums *s);
int mv_logsums_walk(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                    uint64_t head, uint64_t resident_max);

/* Records a difference unless one was found already. Returns 1. */
int mv_differ(struct mv_diff *d, const char *kind, uint64_t seq,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Replays seq 1 ..= head of txn's log into x, exact or by sums; a log
 * that cannot be replayed (an event naming an undefined party, say) is a
 * difference. */
int mv_replay(bool exact, uint64_t resident_max, struct ml_store *st,
              MDB_txn *txn, struct mv_expect *x, struct mv_diff *d,
              ml_progress_fn progress, void *arg);
void mv_expect_free(struct mv_expect *x);

/* The log's index (ml_verify_evidx.c): every entry the log gives, and
 * no other. */
int mv_compare_evidx(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                     struct mv_diff *d, uint64_t *checked);

/* Each account's activities' day records (ml_verify_pday.c): made
 * again from the act database, the same bytes. */
int mv_compare_pday(struct ml_store *st, MDB_txn *txn,
                    const struct mv_expect *x, struct mv_diff *d,
                    uint64_t *checked);

/* Each series' records by seq (ml_verify_known.c): made again from the
 * series' entries, the same bytes. */
int mv_compare_known(struct ml_store *st, MDB_txn *txn,
                     const struct mv_expect *x, struct mv_diff *d,
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

/* The series table (ml_verify_sums.c). *out: the slot of the series,
 * made (zero) when new; valid until the next mv_sums_at. */
int mv_sums_at(struct mv_sums *s, uint32_t kind, uint32_t grant, uint32_t a,
               uint32_t b, struct mv_sum **out);
/* The slot of the series, or NULL when the replay made none. */
struct mv_sum *mv_sums_find(struct mv_sums *s, uint32_t kind, uint32_t grant,
                            uint32_t a, uint32_t b);
/* Adds (sign +1) or takes away (−1) one posting or entry. */
void mv_sum_fold(struct mv_sum *sum, uint64_t seq, ml_day date,
                 const struct ml_post *p, int sign);
/* Is every series at zero? */
bool mv_sums_zero(const struct mv_sums *s);
void mv_sums_free(struct mv_sums *s);

/* The corrections' table (ml_verify_corr.c). mv_corr_at: seq's entry,
 * made (date ML_DAY_NONE) when new; valid until the next mv_corr_at. */
int mv_corr_at(struct mv_corr *c, uint64_t seq, struct mv_fix **out);
const struct mv_fix *mv_corr_find(const struct mv_corr *c, uint64_t seq);
/* Marks f withdrawn by by; ML_E_NOMEM when the filter cannot grow. */
int mv_corr_retract(struct mv_corr *c, struct mv_fix *f, uint64_t by);
/* The correction that withdrew seq's records, or 0. */
uint64_t mv_corr_retracted_by(const struct mv_corr *c, uint64_t seq);
void mv_corr_free(struct mv_corr *c);

/* Verify's exact mode only, for every run (a test compares the two
 * modes' answers byte for byte). Nothing but a unit test sets it. */
extern bool mv_exact_always;
/* The log-only sums taken by the calling thread (mv_logsums_walk), as
 * when the chain thread's snapshot is not the caller's. Nothing but a
 * unit test sets it. */
extern bool mv_logsums_by_caller;
/* How many times the exact mode ran in this process (a test reads it:
 * an intact ledger is verified by sums alone). */
extern uint64_t mv_exact_runs;

#endif /* ML_VERIFY_INTERNAL_H */

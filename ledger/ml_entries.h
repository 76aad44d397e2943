/*
 * ml_entries.h — running-total entries of accounts and edges (internal).
 *
 * An account or edge is a key prefix (acct: grant ‖ party, edge: grant ‖
 * from ‖ to); its entries follow it in the key, ordered by date then seq.
 * Each entry stores the postings its event made here and the totals after
 * it. These functions keep that invariant when an entry is inserted at
 * its (date, seq) place or retracted by a correction, and call a check on
 * the totals at the end of every date from the change on, stopping at the
 * first date that breaks a rule. See ml_state.h for the why.
 */
#ifndef ML_ENTRIES_H
#define ML_ENTRIES_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_state.h"

#define ML_PREFIX_MAX 12 /* grant ‖ from ‖ to */
#define ML_ENTRY_KEY_MAX (ML_PREFIX_MAX + 4 + 8)

/* The postings one event makes on one account: at most two buckets (a
 * grant's payer gets allocated and received). */
struct ml_post {
	int8_t bucket[2]; /* -1 = unused */
	int64_t delta[2];
};

/* Called with the totals at the end of day; returns 0 or an error code
 * (having filled the caller's errinfo). */
typedef int (*ml_check_fn)(const struct ml_totals *t, ml_day day, void *ctx);

/* Inserts the entry (prefix, date, seq) with postings p, rewrites the
 * totals of later entries, and checks every end-of-day state from date on.
 * Returns 0, the check's error, ML_E_AMOUNT_RANGE (a total would
 * overflow) or a storage error. On error the transaction holds partial
 * writes: the caller aborts it. */
int ml_entries_insert(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		      size_t plen, ml_day date, uint64_t seq,
		      const struct ml_post *p, ml_check_fn check, void *ctx);

/* Marks entry (prefix, date, seq) corrected by by_seq, removes its
 * postings from the totals from it on, and checks as above.
 * ML_E_NOT_FOUND when the entry does not exist. */
int ml_entries_retract(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		       size_t plen, ml_day date, uint64_t seq, uint64_t by_seq,
		       ml_check_fn check, void *ctx);

/* Totals at the end of as_of (last entry ≤ (as_of, ∞)). *exists is false
 * when no counting entry is there. O(log n). */
int ml_entries_at(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		  size_t plen, ml_day as_of, struct ml_totals *out,
		  bool *exists);

/* Sums postings of entries dated ≤ as_of that a known-at view sees:
 * recorded ≤ known_seq and not corrected by then. O(entries ≤ as_of). */
int ml_entries_known(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		     size_t plen, ml_day as_of, uint64_t known_seq,
		     struct ml_totals *out, bool *exists);

/* Calls fn for each entry dated first_day ..= last_day in order. */
int ml_entries_scan(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		    size_t plen, ml_day first_day, ml_day last_day,
		    ml_entry_fn fn, void *arg);

/* Decodes one entry from its key and value. ML_E_CORRUPT on a bad size. */
int ml_entry_decode(const MDB_val *key, const MDB_val *val, size_t plen,
		    struct ml_entry_info *e);

#endif /* ML_ENTRIES_H */

/*
 * ml_entries.h — day totals and event postings of accounts and edges
 * (internal to the state).
 *
 * An account (grant ‖ party) or edge (grant ‖ from ‖ to) is a key prefix
 * in one database (acct or edge) holding two kinds of record, told apart
 * by the key's length:
 *
 *   day    prefix ‖ date              → running totals at the end of date
 *   chunk  prefix ‖ date ‖ first seq  → a run of the postings of that
 *                                       date, one entry per event (and
 *                                       whether a correction withdrew
 *                                       it), in seq order (ml_chunk.h)
 *
 * In key order each day record is followed by its chunks, so what a
 * batch writes for one series on one day — the new totals and the new
 * entries — lands on one page: a commit writes half the pages that two
 * databases cost.
 *
 * The day records answer "balance at the end of D" with one seek. The
 * event entries keep what each event did, for "as known at T" (which
 * must see events recorded by T and ignore corrections recorded after),
 * for corrections, and for the trace's activities.
 *
 * An insert adds its event entry, folds its postings into its day's
 * record and into every later day's record of the prefix, and checks the
 * totals at the end of each of those days — those are exactly the dates
 * DOMAIN.md's rules are checked on. A back-dated event therefore costs
 * one rewrite per later *day* with activity, not per later event: a hot
 * account (a payer with hundreds of events a day) stays cheap. Inside a
 * batch, the last day of each series touched — its totals and its last
 * chunk — stays in memory until the series moves on or the batch ends
 * (ml_tails.h), so most postings cost no B-tree operation at all.
 */
#ifndef ML_ENTRIES_H
#define ML_ENTRIES_H

#include <assert.h>
#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_chunk.h"
#include "ml_limits.h"
#include "ml_state.h"

#define ML_PREFIX_MAX 12 /* grant ‖ from ‖ to, grant ‖ party ‖ act */

/* The databases holding series, in the order of a batch's cursors. */
enum { ML_SERIES_ACCT, ML_SERIES_EDGE, ML_SERIES_ACT, ML_SERIES_DBS };
#define ML_EVT_KEY_MAX    (ML_PREFIX_MAX + 4 + 8)
#define ML_DAY_PACKED_MAX (2 + ML_BUCKETS * 10) /* mask, varints */

/* A day record's mask is 16 bits; a chunk or a day record, with its key,
 * never needs an overflow page (ml_limits.h), so rewriting one in place
 * never allocates pages of its own. */
static_assert(ML_BUCKETS <= 16, "a day record's mask has a bit per bucket");
static_assert(ML_DAY_PACKED_MAX == 2 + ML_BUCKETS * ML_VARINT_MAX,
              "a day record: mask and a varint per bucket");
static_assert(ML_LMDB_NODE_HEADER_BYTES + ML_EVT_KEY_MAX + ML_CHUNK_BYTES_MAX <=
                  ML_LMDB_NODE_BYTES_MAX,
              "a chunk never needs an overflow page");
static_assert(ML_LMDB_NODE_HEADER_BYTES + ML_PREFIX_MAX + 4 +
                      ML_DAY_PACKED_MAX <=
                  ML_LMDB_NODE_BYTES_MAX,
              "a day record never needs an overflow page");

struct ml_tails;
struct ml_known_notes;

/* One account or edge in one transaction. Writers set the cursor and
 * the tails (the batch's, ml_tails.h); readers leave them NULL and the
 * functions open their own cursor, or use rcur when the reader keeps one
 * on dbi over many series (ml_state_accounts_open): a seek from where
 * it stands is mostly within its page, where a new cursor descends from
 * the root and costs a malloc. */
struct ml_series {
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t db; /* ML_SERIES_ACCT, _EDGE, _ACT: the batch cursor's index */
	MDB_cursor *cur;
	MDB_cursor *rcur; /* a reader's cursor on dbi, or NULL */
	struct ml_tails *tails;
	struct ml_known_notes *known; /* the batch's notes (ml_known.h) */
	bool has_known;               /* kdbi is the known database */
	MDB_dbi kdbi;
	unsigned char prefix[ML_PREFIX_MAX];
	size_t plen;
};

/* Called with the totals at the end of day; returns 0 or an error code
 * (having filled the caller's errinfo). */
typedef int (*ml_check_fn)(const struct ml_totals *t, ml_day day, void *ctx);

/* Adds event (date, seq)'s postings p: its event entry, its day and
 * every later day of the series, checking each day's end. seq is higher
 * than every seq the series holds. Returns 0, the check's error,
 * ML_E_AMOUNT_RANGE (a total would overflow), ML_E_CORRUPT or a storage
 * error; on error the caller aborts its transaction. */
int ml_entries_insert(const struct ml_series *s, ml_day date, uint64_t seq,
                      const struct ml_post *p, ml_check_fn check, void *ctx);

/* Marks event (date, seq) corrected by by_seq and withdraws its postings
 * from its day on, checking as above. ML_E_NOT_FOUND when the series has
 * no such event. */
int ml_entries_retract(const struct ml_series *s, ml_day date, uint64_t seq,
                       uint64_t by_seq, ml_check_fn check, void *ctx);

/* Totals at the end of as_of; *exists when a counting event is there. */
int ml_entries_at(const struct ml_series *s, ml_day as_of,
                  struct ml_totals *out, bool *exists);

/* ml_entries_at through the caller's cursor (kept from one series to
 * the next: LMDB searches from its page), and the prefix of the first
 * key at or after s's day key of as_of into next_prefix (s->plen bytes;
 * zeros when there is none): s's own prefix when s holds a day after
 * as_of, else the next series' — so a walk over adjacent series learns
 * where the next one starts from the same seek. */
int ml_entries_at_next(const struct ml_series *s, MDB_cursor *cur, ml_day as_of,
                       struct ml_totals *out, bool *exists,
                       unsigned char *next_prefix);

/* Totals of the events dated ≤ as_of recorded by known_seq and not
 * corrected by then: a few seeks in the known database (ml_known.h), or
 * a scan of the series' event entries without one or inside a batch. */
int ml_entries_known(const struct ml_series *s, ml_day as_of,
                     uint64_t known_seq, struct ml_totals *out, bool *exists);

/* Calls fn for each event entry dated first_day ..= last_day, in (date,
 * seq) order, until fn returns non-zero (returned). */
int ml_entries_scan(const struct ml_series *s, ml_day first_day,
                    ml_day last_day, ml_entry_fn fn, void *arg);

/* For the tails (ml_tails.h), which fold in memory what the database path
 * folds in place: t += sign × p and the count of counting events by sign
 * (ML_E_AMOUNT_RANGE on overflow); date's last chunk (c cleared when
 * there is none); (seq, p) appended to date's last chunk, or a new one,
 * in the database (s's cursor). */
int ml_series_totals_apply(int64_t *t, const struct ml_post *p, int sign);
int ml_series_chunk_last(const struct ml_series *s, ml_day date,
                         struct ml_chunk *c);
int ml_series_chunk_insert(const struct ml_series *s, ml_day date, uint64_t seq,
                           const struct ml_post *p);

/* Moves cur to the next day record after its position, past chunks
 * (MDB_NOTFOUND at the end; the key may be another series'). Totals at
 * the end of the last day record before day (zeros when none). */
int ml_series_next_day(const struct ml_series *s, MDB_cursor *cur, MDB_val *key,
                       MDB_val *val);
int ml_series_day_before(const struct ml_series *s, MDB_cursor *cur, ml_day day,
                         int64_t *t);

/* The key of a day record (evt false) or of the chunk starting at seq. */
size_t ml_series_key(unsigned char *k, const unsigned char *prefix, size_t plen,
                     ml_day date, uint64_t seq, bool evt);

/* For verify, which walks the databases itself: a day record's totals;
 * a chunk's date and a reader over its entries (ML_E_CORRUPT when key is
 * not a chunk key of this prefix length); an entry as ml_entry_info. The
 * day record's encoder is for the tails (out: ML_DAY_PACKED_MAX bytes). */
int ml_series_day_decode(const MDB_val *val, int64_t *totals);
size_t ml_series_day_encode(const int64_t *totals, unsigned char *out);
int ml_series_chunk_open(const MDB_val *key, const MDB_val *val, size_t plen,
                         ml_day *date, struct ml_chunk_reader *r);
void ml_entry_info_set(struct ml_entry_info *e, ml_day date, uint64_t seq,
                       const struct ml_post *p, uint64_t corrected_by);

#endif /* ML_ENTRIES_H */

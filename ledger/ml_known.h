/*
 * ml_known.h — "as known at T" without a scan (format 6; internal to the
 * state).
 *
 * A known view (known_at) sees, of one series (an account, edge or
 * activity: ml_entries.h), the entries dated ≤ D recorded by seq K and
 * not corrected by K. The day records hold the totals as known now, so
 * before format 6 a known view scanned every entry dated ≤ D: 50 ms for
 * a trace of a grant with a million expenses, 14× the trace as known now
 * (docs/performance.md, stop 23). This file keeps a second dimension,
 * the seq, for each series.
 *
 * Taken in seq order, an entry of a series is *in order* when it is dated
 * on or after the last in-order entry before it, else *late*. In-order
 * entries are in date order and in seq order at once, so the ones known
 * by K and the ones dated ≤ D are each a prefix of them, and one of the
 * two prefixes holds the other. The known database keeps, per series:
 *
 *   known   db ‖ prefix ‖ 'c' ‖ first seq (u64 BE)
 *             → a group of ML_KNOWN_GROUP_ENTRIES in-order entries at
 *               most: the totals of every in-order entry before it, then
 *               each entry's seq, date and postings (ml_known.c)
 *           db ‖ prefix ‖ 'l' ‖ date (u32 BE) ‖ seq (u64 BE) ‖ entry seq
 *             → the signed totals it adds (a day record), for each late
 *               entry (seq its own, +) and each correction of any entry
 *               (seq the correction's, −), dated as the entry
 *
 * For view (D, K): the group starting last at or before K gives the
 * totals of the in-order entries by K and the date L of the last of
 * them; late(≤D, ≤K) are the late records dated ≤ D with seq ≤ K.
 *   - L ≤ D: every in-order entry by K is dated ≤ D: the group's totals
 *     + late(≤D, ≤K);
 *   - L > D: every in-order entry dated ≤ D was recorded by K: the day
 *     totals as known now, day(D), − late(≤D, >K).
 * Two seeks in a small database, the late records dated ≤ D, and for
 * L > D the day record (which a trace has from pday already), however
 * many entries the series holds. Without the known database (a ledger
 * before format 6 opened read-only) or inside a writer's batch, the
 * view scans as before.
 *
 * Writing: the batch notes each entry inserted and each correction
 * (ml_known_note, from ml_entries.c); ml_known_flush sorts the notes by
 * series and seq and, per series, loads its last group and goes on from
 * it (a group is full at ML_KNOWN_GROUP_ENTRIES; the next starts with
 * the next in-order entry). The records depend only on the entries, not
 * on how they were batched, so the 5 → 6 migration (ml_known_build_all,
 * every series noted whole) and verify (ml_known_check, each series
 * made again in memory and compared byte for byte) make exactly what the
 * writer made.
 */
#ifndef ML_KNOWN_H
#define ML_KNOWN_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_entries.h"

struct ml_store;

#define ML_KNOWN_GROUP_ENTRIES 32
#define ML_KNOWN_KEY_MAX       (1 + ML_PREFIX_MAX + 1 + 4 + 8 + 8)

/* What a batch did to its series, sorted and applied at the flush. */
struct ml_known_notes {
	struct ml_known_note {
		uint8_t db, plen; /* ML_SERIES_*; the prefix's length */
		unsigned char prefix[ML_PREFIX_MAX];
		ml_day date;
		uint64_t seq; /* the entry's */
		uint64_t by;  /* a correction's seq; 0 for an insert */
		struct ml_post post;
	} * v;
	size_t n, cap;
};

/* Notes entry (date, seq, p) of s inserted (by 0) or corrected by by. */
int ml_known_note(struct ml_known_notes *notes, const struct ml_series *s,
                  ml_day date, uint64_t seq, uint64_t by,
                  const struct ml_post *p);
/* Writes the noted series' records in txn and forgets the notes. */
int ml_known_flush(struct ml_store *st, MDB_txn *txn,
                   struct ml_known_notes *notes);
/* Forgets the notes (and frees them when free_too). */
void ml_known_forget(struct ml_known_notes *notes, bool free_too);

/* The totals of s's entries dated ≤ as_of recorded by known_seq and not
 * corrected by then, through kcur (a cursor on the known database);
 * day_at, when not NULL, is s's day record at as_of as known now (a
 * caller that has it saves a seek). */
int ml_known_totals(const struct ml_series *s, MDB_cursor *kcur, ml_day as_of,
                    uint64_t known_seq, const int64_t *day_at,
                    struct ml_totals *out);

/* Fills the (empty) known database from the series (5 → 6). */
int ml_known_build_all(struct ml_store *st, MDB_txn *txn);

/* Verify: every series' records made again and compared with the stored
 * ones; *same false and *where the first series that differs. */
struct ml_known_where {
	uint8_t db;
	unsigned char prefix[ML_PREFIX_MAX];
	size_t plen;
};
int ml_known_check(struct ml_store *st, MDB_txn *txn, uint64_t resident_max,
                   bool *same, struct ml_known_where *where, uint64_t *checked);

/* The migration's and verify's window of notes per pass over a long
 * series (0: the default); tests make it small to walk in windows. */
void ml_known_window_set(size_t notes);

#endif /* ML_KNOWN_H */

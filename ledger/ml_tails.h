/*
 * ml_tails.h — the recent days of each series a batch touches, kept in
 * memory until the batch ends (internal to the state).
 *
 * Postings land on or near the last days their account and edge have
 * seen. The database path (ml_entries.h) costs, per posting, a chunk read
 * and put, a day record search, unpack, pack and put, and one more
 * rewrite per later day — and a hot series (a grant's payer) takes
 * hundreds of postings per batch on the same few days, some of them
 * back-dated weeks. A tail holds the series' day records from some day
 * lo on (all of them: lo ..= its last day), the totals before lo, and
 * the last chunk of its last day. A posting on or after lo is folded
 * into those records in memory and checked on exactly the days the
 * database path would check (its day and every later one, in order); a
 * posting before lo first loads the records between. Each record is
 * written once, when the batch ends or the series is read.
 *
 * Invariant: a valid tail holds every day record of its series dated
 * ≥ lo, with the values the database would hold by now; the database
 * holds the same or older ones (the dirty ones). Every write of a
 * series' records goes through its tail (or drops it first), so the
 * invariant holds; every read of a series' records inside a batch must
 * see the database current, so it drops the series' tail first, or
 * flushes all (ml_tails_flush) when it has no series in hand.
 *
 * Bounded: ML_TAILS_MAX series and ML_TAILS_DAYS_MAX day records per
 * batch. Past those a tail is not made (or is dropped) and the posting
 * takes the database path, which has no limit.
 */
#ifndef ML_TAILS_H
#define ML_TAILS_H

#include <assert.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_entries.h"
#include "ml_limits_internal.h"

struct ml_tail_day {
	ml_day day;
	bool dirty; /* not yet written */
	struct ml_totals totals;
};

struct ml_tail {
	unsigned char prefix[ML_PREFIX_MAX];
	uint8_t plen;     /* 0 = free slot */
	uint8_t db;       /* the series' database (ML_SERIES_*) */
	bool valid;       /* false: forgotten, the slot keeps its key */
	bool chunk_valid; /* chunk is the last one of days[n − 1] */
	bool chunk_dirty;
	ml_day lo;                /* the first day held */
	int64_t base[ML_BUCKETS]; /* totals at the end of the day before */
	uint32_t n, cap;          /* days held, allocated */
	struct ml_tail_day *days; /* ascending; malloc'd */
	struct ml_chunk chunk;
};

struct ml_tails;

int ml_tails_new(struct ml_tails **out);
void ml_tails_free(struct ml_tails *t);

/* Starts a batch: records are written through the batch's cursors
 * (cur: acct, edge, act) until ml_tails_reset. */
void ml_tails_begin(struct ml_tails *t, MDB_cursor *const *cur);

/* Adds event (date, seq)'s postings p to s through s's tail, making or
 * extending it, with the checks of ml_entries_insert. *done false when
 * the limits leave no room: nothing was changed, s has no tail, and the
 * caller takes the database path. */
int ml_tails_insert(struct ml_tails *t, const struct ml_series *s, ml_day date,
                    uint64_t seq, const struct ml_post *p, ml_check_fn check,
                    void *ctx, bool *done);

/* Writes s's tail if dirty and forgets it. */
int ml_tails_drop(struct ml_tails *t, const struct ml_series *s);

/* Writes every dirty tail, in key order, and forgets them all. */
int ml_tails_flush(struct ml_tails *t);

/* Forgets every tail without writing (a failed or finished batch). */
void ml_tails_reset(struct ml_tails *t);

#endif /* ML_TAILS_H */

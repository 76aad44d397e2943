/*
 * ml_tails.h — the last day of each series a batch touches, kept in
 * memory until the batch ends (internal to the state).
 *
 * Most events land on or after the last day their account and edge have
 * seen. For those, the database path (ml_entries.h) is a chunk read and
 * put and a day record search, unpack, pack and put per posting — and a
 * hot series (a grant's payer) gets hundreds per batch, all on the same
 * few days. A tail holds that last day's totals and its last event chunk
 * instead: an event on it or after it adds to the tail in memory, is
 * checked on exactly the days the database path would check (that day;
 * there are no later ones), and the records are written once, when the
 * series moves on to a later day, the chunk fills, or the batch ends.
 *
 * Invariant: a valid tail is the series' last day record and the last
 * chunk of that day; the database holds the same or older ones (when
 * dirty). Every write of a series' records goes through its tail first
 * (ml_tails_drop), so the invariant holds; every read of a series'
 * records inside a batch must see the database current, so it drops the
 * series' tail first, or flushes all (ml_tails_flush) when it has no
 * series in hand.
 *
 * Bounded: ML_TAILS_MAX series per batch; on the next one past that all
 * tails are written and forgotten, and the table starts over.
 */
#ifndef ML_TAILS_H
#define ML_TAILS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_entries.h"

/* Series remembered per batch: above the accounts and edges that a
 * 10 000-event batch of one grant touches, small enough (~1.5 MiB with
 * their chunks) to stay allocated for the ledger's life. A power of
 * two. */
#define ML_TAILS_MAX 1024

struct ml_tail {
	unsigned char prefix[ML_PREFIX_MAX];
	uint8_t plen; /* 0 = free slot */
	bool valid;   /* false: forgotten, the slot keeps its key */
	bool dirty;   /* totals or chunk not yet written */
	ml_day day;   /* the series' last day with a record */
	int64_t totals[ML_BUCKETS]; /* at the end of day */
	struct ml_chunk chunk;      /* day's last; may be empty */
};

struct ml_tails;

int ml_tails_new(struct ml_tails **out);
void ml_tails_free(struct ml_tails *t);

/* Starts a batch: dirty tails are written through the batch's cursors
 * (cur: acct day, acct evt, edge day, edge evt) until ml_tails_reset. */
void ml_tails_begin(struct ml_tails *t, MDB_cursor *const *cur);

/* The valid tail of series s, or NULL. */
struct ml_tail *ml_tails_find(struct ml_tails *t, const struct ml_series *s);

/* Remembers that day (totals and chunk c, as written) is s's last day.
 * May write and forget all others when the table is full. Returns 0 or a
 * storage error. */
int ml_tails_add(struct ml_tails *t, const struct ml_series *s, ml_day day,
                 const int64_t *totals, const struct ml_chunk *c);

/* Writes tail's day record and chunk if dirty (the cursors move). */
int ml_tails_write(struct ml_tails *t, struct ml_tail *tail);

/* Writes s's tail if dirty and forgets it. */
int ml_tails_drop(struct ml_tails *t, const struct ml_series *s);

/* Writes every dirty tail, in key order, and forgets them all. */
int ml_tails_flush(struct ml_tails *t);

/* Forgets every tail without writing (a failed or finished batch). */
void ml_tails_reset(struct ml_tails *t);

#endif /* ML_TAILS_H */

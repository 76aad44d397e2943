/*
 * ml_bucket.h — the buckets of an account (internal to the library).
 *
 * A header of its own below the state: the chunk codec (ml_chunk.h) stores
 * a bucket number in a byte and must know how many there are, but as a
 * byte codec it includes no state header. The numbers are on disk (chunk
 * entries, packed day totals): their order is part of the ledger format,
 * so a new bucket is appended after the last one. PENDING and PENDING_OUT
 * (conditional allocations, DOMAIN.md) came after ENTRIES, which keeps
 * its number: a ledger written before them reads as having none.
 */
#ifndef ML_BUCKET_H
#define ML_BUCKET_H

#include <assert.h>
#include <stdbool.h>

/* The buckets of an account (DOMAIN.md), and a count of live entries. An
 * edge uses ALLOCATED (net allocation from → to), CLAIMED (requisitions
 * and invoices of to against from: the claim-edge rule), PAID_OUT
 * (payouts), REPAID (repayments from → to) and PENDING (conditional
 * allocations from → to not yet confirmed or lapsed). New buckets go
 * after ENTRIES: the numbers are on disk. */
enum ml_bucket {
	ML_B_ALLOCATED,
	ML_B_ALLOCATED_OUT,
	ML_B_CLAIMED,
	ML_B_RECEIVED,
	ML_B_PAID_OUT,
	ML_B_SPENT,
	ML_B_REPAID,
	ML_B_RETURNED,
	ML_B_CARRIED_IN,
	ML_B_CARRIED_OUT,
	ML_B_ENTRIES,     /* events that count (not corrected) */
	ML_B_PENDING,     /* conditional allocations to the party */
	ML_B_PENDING_OUT, /* conditional allocations by the party */
	ML_BUCKETS
};

/* Is b a bucket that postings move (every one but the ENTRIES count)? */
static inline bool ml_bucket_is_money(int b)
{
	return b >= 0 && b < ML_BUCKETS && b != ML_B_ENTRIES;
}

/* A chunk stores a bucket in one byte, 0xff meaning none. */
static_assert(ML_BUCKETS < 0xff, "a bucket number fits a chunk's byte");

#endif /* ML_BUCKET_H */

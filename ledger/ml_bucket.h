/*
 * ml_bucket.h — the buckets of an account (internal to the library).
 *
 * A header of its own below the state: the chunk codec (ml_chunk.h) stores
 * a bucket number in a byte and must know how many there are, but as a
 * byte codec it includes no state header. The numbers are on disk (chunk
 * entries, packed day totals): their order is part of the ledger format.
 */
#ifndef ML_BUCKET_H
#define ML_BUCKET_H

#include <assert.h>

/* The buckets of an account (DOMAIN.md), and a count of live entries. An
 * edge uses ALLOCATED (net allocation from → to), CLAIMED (requisitions
 * and invoices of to against from: the claim-edge rule), PAID_OUT
 * (payouts) and REPAID (repayments from → to). New buckets go after
 * ENTRIES: the numbers are on disk. */
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
	ML_B_ENTRIES, /* events that count (not corrected) */
	ML_BUCKETS
};

/* A chunk stores a bucket in one byte, 0xff meaning none. */
static_assert(ML_BUCKETS < 0xff, "a bucket number fits a chunk's byte");

#endif /* ML_BUCKET_H */

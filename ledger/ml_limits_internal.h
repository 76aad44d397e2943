/*
 * ml_limits_internal.h — limits of the library's own machinery.
 *
 * ml_limits.h holds the limits programs outside the ledger need (the
 * contract's, and the sizes of text they print). The ones here bound
 * the ledger's own caches, scratch buffers and passes; nothing outside
 * the library sees them. Each says what it bounds and why that number.
 */
#ifndef ML_LIMITS_INTERNAL_H
#define ML_LIMITS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ml_limits.h"

/* --- growing arrays (ml_buf.c) --- */

/* The first allocation of a growing array (ml_grow) or buffer: 256 bytes
 * holds a short message or a few dozen items without a second realloc,
 * and costs nothing when the array stays empty. */
#define ML_GROW_FIRST_BYTES 256u

/* Items a pass over the whole log (verify, export) holds in memory per
 * kind: definitions, reports, claims, postings, deltas, accounts. Each is
 * at most a few per event, and 2^32 of them at 16–32 bytes is more memory
 * than a server has: past it the pass is ML_E_TOO_LARGE, not a failing
 * allocation or a wrapped size. */
#define ML_PASS_ITEMS_MAX ((size_t)UINT32_MAX)

/* An arena's blocks (ml_buf.c): one 64 KiB block holds a batch of small
 * events' strings, so a typical append mallocs once; a bigger request
 * gets a block of its own. */
#define ML_ARENA_BLOCK_BYTES (64u * 1024u)

#endif /* ML_LIMITS_INTERNAL_H */

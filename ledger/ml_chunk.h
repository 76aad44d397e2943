/*
 * ml_chunk.h — the event records of one series on one date, packed into
 * chunks (internal to the state).
 *
 * The event database (ml_entries.h) keeps what each event did to each
 * account and edge, for "as known at", corrections and the trace. One
 * LMDB record per posting cost a B-tree put each and ~45 bytes on a page
 * that, filled from the middle, stayed half empty. A chunk holds a run
 * of consecutive postings of one series on one date instead:
 *
 *   key    prefix ‖ date (u32 BE) ‖ first seq (u64 BE)
 *   value  per entry: varint (seq − previous seq; 0 for the first),
 *          u8 flags (bit 0: corrected, corrected_by follows),
 *          2 × (u8 bucket or 0xff, zigzag varint delta),
 *          varint corrected_by when flagged
 *
 * Keys sort by (date, first seq) and seqs only grow, so reading chunks
 * in key order gives the postings in (date, seq) order, as one record per
 * posting did. A new posting always has the highest seq there is: it is
 * appended to the last chunk of its date, or starts a new one when that
 * is full.
 *
 * Bounds: entries are appended while the chunk is under
 * ML_CHUNK_APPEND_MAX bytes (an entry is 6 ..= ML_CHUNK_ENTRY_MAX bytes,
 * so at most 85 entries); a correction later adds at most ML_VARINT_MAX
 * bytes to one entry, once, so a chunk never exceeds ML_CHUNK_BYTES_MAX —
 * well inside an LMDB page, never an overflow page.
 */
#ifndef ML_CHUNK_H
#define ML_CHUNK_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_bucket.h"
#include "ml_varint.h"

#define ML_CHUNK_ENTRY_MAX   (2 * ML_VARINT_MAX + 1 + 2 * (1 + ML_VARINT_MAX))
#define ML_CHUNK_APPEND_MAX  512
#define ML_CHUNK_ENTRIES_MAX (ML_CHUNK_APPEND_MAX / 6 + 1)
#define ML_CHUNK_BYTES_MAX                                                     \
	(ML_CHUNK_APPEND_MAX + ML_CHUNK_ENTRY_MAX +                            \
	 ML_CHUNK_ENTRIES_MAX * ML_VARINT_MAX)

/* The bounds above, as the code relies on them: the smallest entry is 6
 * bytes (1 seq delta, 1 flags, 2 × (bucket, 1-byte delta)), so
 * ML_CHUNK_ENTRIES_MAX entries reach past ML_CHUNK_APPEND_MAX; one
 * correction per entry fits in ML_CHUNK_BYTES_MAX. ml_entries.h relates
 * ML_CHUNK_BYTES_MAX to LMDB's node size (no overflow page). */
static_assert(ML_CHUNK_ENTRIES_MAX * 6 > ML_CHUNK_APPEND_MAX,
              "ML_CHUNK_ENTRIES_MAX bounds the entries of a chunk");
static_assert(ML_CHUNK_BYTES_MAX >= ML_CHUNK_APPEND_MAX + ML_CHUNK_ENTRY_MAX +
                                        ML_CHUNK_ENTRIES_MAX * ML_VARINT_MAX,
              "a full chunk, every entry corrected, fits");

/* The postings one event makes on one account: at most two buckets (a
 * grant's payer gets allocated and received). */
struct ml_post {
	int8_t bucket[2]; /* -1 = unused */
	int64_t delta[2];
};

struct ml_chunk {
	uint64_t first_seq, last_seq; /* 0 when empty */
	size_t len;                   /* bytes used */
	unsigned char bytes[ML_CHUNK_BYTES_MAX];
};

/* An empty chunk. */
void ml_chunk_clear(struct ml_chunk *c);

/* Whether one more entry may be appended. */
bool ml_chunk_has_room(const struct ml_chunk *c);

/* Appends the postings p of seq (> last_seq; ml_chunk_has_room). */
void ml_chunk_append(struct ml_chunk *c, uint64_t seq, const struct ml_post *p);

/* Copies a stored chunk whose first seq is first_seq, checking every
 * entry. ML_E_CORRUPT when it does not decode or is too long. */
int ml_chunk_load(struct ml_chunk *c, uint64_t first_seq, const void *data,
                  size_t len);

/* Marks seq's entry corrected by by_seq and returns its postings in *p.
 * ML_E_NOT_FOUND when the chunk has no such seq, ML_E_CORRUPT when it is
 * corrected already. */
int ml_chunk_correct(struct ml_chunk *c, uint64_t seq, uint64_t by_seq,
                     struct ml_post *p);

/* Reading a stored chunk entry by entry. */
struct ml_chunk_reader {
	const unsigned char *p, *end;
	uint64_t seq; /* of the entry last read */
	bool started;
};

void ml_chunk_reader_init(struct ml_chunk_reader *r, uint64_t first_seq,
                          const void *data, size_t len);

/* 1 and the next entry's seq, postings and corrected_by (0 = counts);
 * 0 at the end; ML_E_CORRUPT. */
int ml_chunk_read(struct ml_chunk_reader *r, uint64_t *seq, struct ml_post *p,
                  uint64_t *corrected_by);

#endif /* ML_CHUNK_H */

/*
 * ml_log.h — the append-only, hash-chained event log.
 *
 * The log is the ledger's truth; everything else is derived from it and
 * can be rebuilt (ml_verify does). Its invariants:
 *   - seq is 1, 2, 3, … without gaps; records are only ever appended
 *     (MDB_APPEND), never changed or deleted;
 *   - recorded_at strictly increases along the log (a clock that steps
 *     back is overruled: the next event gets the last recorded_at + 1 µs);
 *   - hash(n) = SHA-256(hash(n-1) ‖ canonical(n)), hash(0) = 32 zero bytes;
 *   - an event id, when given, maps to exactly one seq (ids database).
 *
 * These functions work inside a caller's LMDB transaction; atomic
 * batches, nesting and commits are ml_ledger's business.
 */
#ifndef ML_LOG_H
#define ML_LOG_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "ml_buf.h"
#include "ml_event.h"
#include "ml_hash.h"
#include "ml_store.h"

/* Scratch space and the hasher for appending; one per writing thread. */
struct ml_log_writer {
	struct ml_store *st;
	struct ml_hasher *hasher;
	struct ml_buf canon; /* canonical JSON of the event being stored */
	struct ml_buf rec;   /* its record */
	struct ml_buf cmp;   /* for comparing re-sent content */
};

int ml_log_writer_init(struct ml_log_writer *w, struct ml_store *st);
void ml_log_writer_free(struct ml_log_writer *w);

/* Reads the head from the last record. Returns 0 or an ML_E_* code. */
int ml_log_head_read(struct ml_store *st, MDB_txn *txn,
                     struct ml_log_head *head);

/* *seq_out = the seq stored under id, or 0 if none. */
int ml_log_find_id(struct ml_store *st, MDB_txn *txn, struct ml_str id,
                   uint64_t *seq_out);

/* Claims id for seq in the id index: *existing = 0 when the id was free
 * (it now maps to seq), else the seq already stored under it (nothing
 * written). The lookup and the insert are one MDB_NOOVERWRITE put. */
int ml_log_claim_id(struct ml_store *st, MDB_txn *txn, struct ml_str id,
                    uint64_t seq, uint64_t *existing);

/* Is stored event seq the same submission as ev (same fields and values,
 * ignoring what the ledger added)? Used for idempotent re-sends. */
int ml_log_same_content(struct ml_log_writer *w, MDB_txn *txn, uint64_t seq,
                        const struct ml_event *ev, bool *same);

/* Stores *ev as event head->seq + 1. Fills ev's seq, recorded_at (≥ now_us
 * and > head's), recorded_by, prev_hash and hash (ev->recorded_by must
 * point to memory that lives until this returns), writes the record and
 * advances *head. The id, if any, was claimed with ml_log_claim_id. Errors: ML_E_MAP_FULL (abort, grow,
 * retry), ML_E_TOO_LARGE, ML_E_NOMEM, ML_E_STORAGE. */
int ml_log_put(struct ml_log_writer *w, MDB_txn *txn, struct ml_log_head *head,
               struct ml_event *ev, int64_t now_us);

/* Reads event seq into *ev; its strings point into the LMDB page and live
 * until txn ends. Returns 0, ML_E_NOT_FOUND or ML_E_CORRUPT. */
int ml_log_get(struct ml_store *st, MDB_txn *txn, uint64_t seq,
               struct ml_event *ev);

/* *seq_out = the last seq whose recorded_at ≤ t_us (0 if none): a binary
 * search over the log, O(log² n) page reads. */
int ml_log_seq_at_time(struct ml_store *st, MDB_txn *txn, int64_t t_us,
                       uint64_t *seq_out);

#endif /* ML_LOG_H */

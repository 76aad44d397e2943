/*
 * ml_ledger_internal.h — the façade seen from inside the library.
 *
 * As a user of the library, you should not need to know about these:
 * ml_ledger.h is the whole public surface.
 *
 * struct ml_read (ml_ledger.h) is never defined. A read handle IS the
 * LMDB read transaction, passed under a name of the library's own so
 * that <lmdb.h> stays out of every public header; ml_read_txn and
 * ml_read_of are the only two places that convert between them.
 */
#ifndef ML_LEDGER_INTERNAL_H
#define ML_LEDGER_INTERNAL_H

#include <lmdb.h>

#include "ml_ledger.h"
#include "ml_store.h"

static inline MDB_txn *ml_read_txn(struct ml_read *rd)
{
	return (MDB_txn *)(void *)rd;
}

static inline struct ml_read *ml_read_of(MDB_txn *txn)
{
	return (struct ml_read *)(void *)txn;
}

/* ml_ledger_read_begin, handing back the transaction itself (for the
 * unit tests and benchmarks that look inside the projections). */
static inline int ml_ledger_read_begin_txn(struct ml_ledger *lg, MDB_txn **txn)
{
	struct ml_read *rd = NULL;
	int rc = ml_ledger_read_begin(lg, &rd);
	*txn = rc == 0 ? ml_read_txn(rd) : NULL;
	return rc;
}

struct ml_summaries;

/* ml_ledger_read_end without keeping the transaction in the pool: it is
 * aborted, so its LMDB reader slot is free at once. For the trace's
 * prefetch walkers (ml_prefetch.c): sixteen pooled transactions would
 * hold sixteen of the environment's 126 slots until the process exits,
 * and a few cold traces at once would leave none for other readers. */
void ml_ledger_read_drop(struct ml_ledger *lg, struct ml_read *rd);

/* The store under the ledger, for the library's own modules. */
struct ml_store *ml_ledger_store(struct ml_ledger *lg);

/* ml_open_opts.trace_prefetch as opened: ML_PREFETCH_OFF, _AUTO or a
 * number of walkers (ml_prefetch.h). */
int ml_ledger_trace_prefetch(struct ml_ledger *lg);

/* How many bytes of file pages may be resident after a commit before the
 * map's are released (ML_MAP_RESIDENT_BYTES_MAX when opened; the unit
 * tests set 1 or UINT64_MAX). */
void ml_ledger_set_map_release(struct ml_ledger *lg, uint64_t resident_bytes);
/* The bound above: UINT64_MAX for medeld (ML_OPEN_EXCLUSIVE), whose
 * resident pages are its read cache, so a whole-file walk (verify) keeps
 * them too. */
uint64_t ml_ledger_map_release_bytes(struct ml_ledger *lg);

/* The summaries the ledger keeps (ML_OPEN_SUMMARIES), or NULL. */
struct ml_summaries *ml_ledger_summaries(struct ml_ledger *lg);

#endif /* ML_LEDGER_INTERNAL_H */

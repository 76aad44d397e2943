/*
 * ml_prefetch.h — a trace's pages faulted in by several threads at once.
 *
 * A trace at a date seeks a day record in each account of the grant and
 * in each of their activity series (ml_walk, ml_state.h), and each such
 * seek mostly lands on a leaf page of its own: ~1 100 pages of data.mdb
 * for a grant of 100 parties and 8 activities. Walked by one thread, a
 * page cache without them reads them one at a time (a 4 KiB read each,
 * ~0.07 ms here), which is most of a cold trace. The series are
 * independent of one another, so their pages can be read in parallel:
 * ml_prefetch_trace has threads walk slices of the grant's parties with
 * the same seeks at the same date, each in a read transaction of its
 * own (the store is MDB_NOTLS), touching the pages and dropping the
 * totals; then the trace's own walk finds them in memory.
 *
 * Only for a process that asks one answer and exits (medel trace: the
 * ledger opened with ml_open_opts.trace_prefetch). medeld keeps its map
 * warm and must not start threads per request, so it never asks for it.
 * Warm, the threads pay nothing back (the walk done twice costs more
 * than the faults they share between two cores, docs/performance.md,
 * 2026-12-03 h-par), so ML_PREFETCH_AUTO first walks the first accounts
 * alone and starts the threads only when one of them had to be read
 * from disk (a major fault of this thread).
 *
 * The prefetch is advice. A thread that cannot start, or whose read
 * transaction or walk fails (no reader slot, no memory), only leaves
 * its pages to be read by the trace's walk, which is unchanged and
 * alone makes the answer: the answer is the same bytes with the
 * prefetch, without it, and with any of its threads failing. The
 * threads' snapshot may be newer than the trace's (a commit between the
 * two): they then read some other pages, which changes nothing either.
 */
#ifndef ML_PREFETCH_H
#define ML_PREFETCH_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_ledger.h"

/* Faults in the pages that a trace of the accounts of grants
 * grant_nos[0 .. grant_count) at as_of (a view that is not known) will
 * read. txn is the trace's read transaction, used by this thread only
 * (the probe). threads: ML_PREFETCH_AUTO, or 1 ..= ML_PREFETCH_THREADS_MAX
 * walkers always (this thread being one of them). Returns how many
 * slices of the parties were walked to their end: 0 when the probe found
 * the pages in memory, and fewer than asked when a thread failed; the
 * trace needs nothing of it (tests and benchmarks look). */
unsigned ml_prefetch_trace(struct ml_ledger *lg, MDB_txn *txn,
                           const uint32_t *grant_nos, size_t grant_count,
                           ml_day as_of, int threads);

#endif /* ML_PREFETCH_H */

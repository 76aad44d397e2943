/*
 * ml_prefetch.c — a trace's pages faulted in by several threads at once
 * (ml_prefetch.h says why and when).
 *
 * The parties 1 ..= count are cut into slices of consecutive numbers,
 * one per walker; a walker walks, in each grant of the trace, the
 * accounts of its slice (ml_state_walk_range) and the activities' day
 * record (ml_pday.h) of each account that exists at the date: the seeks
 * of the trace's own
 * walk, so the pages it will touch. This thread is one of the walkers,
 * in the trace's own read transaction; each other one is a thread with
 * its own. All are joined before ml_prefetch_trace returns, so nothing
 * runs beside the trace's walk, and nothing a walker found is kept.
 *
 * ML_PREFETCH_AUTO first walks the grant's first accounts alone (the
 * probe), one at a time, and counts this thread's major faults
 * (getrusage(RUSAGE_THREAD)): as soon as one read from disk,
 * ML_PREFETCH_THREADS walkers take the parties after it; when the
 * first ML_PREFETCH_PROBE_ACCOUNTS were all in memory, the rest is taken
 * to be too and no thread is started (warm, the threads would only walk
 * twice). Not one account: the first is often the payer's, without
 * activities, on pages the trace's start already read. A page cache
 * holding the first accounts but not the rest is seen as warm, and the
 * trace then reads the rest itself, as without the prefetch.
 *
 * Volumes: a slice per walker, at most ML_PREFETCH_THREADS_MAX; each
 * walk ends at its slice's last party (ml_walk never goes back), so
 * every loop here is bounded by the number of parties.
 */
#include "ml_prefetch.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>

#include "ml_assert.h"
#include "ml_ledger_internal.h"
#include "ml_limits_internal.h"
#include "ml_state.h"

/* One walker's share: parties first_no ..= last_no of every grant. */
struct ml_slice {
	struct ml_ledger *lg;
	const uint32_t *grant_nos;
	size_t grant_count;
	struct ml_view v; /* the trace's date; never known */
	uint32_t first_no, last_no;
	int rc; /* 0: walked to its end */
};

static int ml_prefetch_none(uint32_t act_no, const int64_t *totals, void *arg)
{
	(void)act_no;
	(void)totals;
	(void)arg;
	return 0;
}

/* Reads account (g, p)'s activities at v's date, as the trace will. */
static int ml_prefetch_account(struct ml_store *st, MDB_txn *txn,
                               const struct ml_view *v, uint32_t g, uint32_t p)
{
	return ml_state_activities_at(st, txn, g, p, v->as_of, ml_prefetch_none,
	                              NULL);
}

/* Walks grant g's accounts of parties first_no ..= last_no at v's date,
 * and the activities of each that exists, until accounts_max of them
 * are walked: *walked_no = the last party number looked at (last_no
 * when the walk ended). */
static int ml_prefetch_grant(struct ml_store *st, MDB_txn *txn,
                             const struct ml_view *v, uint32_t g,
                             uint32_t first_no, uint32_t last_no,
                             uint32_t accounts_max, uint32_t *walked_no)
{
	struct ml_walk w;
	uint32_t no = 0, accounts = 0;
	int rc = ml_state_walk_accounts(st, txn, g, &w);
	if (rc == 0)
		ml_state_walk_range(&w, first_no, last_no);
	do {
		struct ml_totals t;
		bool exists = false;
		if (rc == 0)
			rc = ml_state_walk_next(st, txn, v, &w, &no, &t,
			                        &exists);
		if (rc == 0 && exists) {
			rc = ml_prefetch_account(st, txn, v, g, no);
			accounts++;
		}
		if (rc == 0)
			*walked_no = no != 0 ? no : last_no; /* done: all */
	} while (rc == 0 && no != 0 && accounts < accounts_max);
	ml_state_walk_end(&w);
	ML_ASSERT(rc != 0 || *walked_no <= last_no);
	return rc;
}

/* Walks slice s in txn: its parties in every grant. */
static int ml_slice_walk(struct ml_slice *s, MDB_txn *txn)
{
	struct ml_store *st = ml_ledger_store(s->lg);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < s->grant_count; i++) {
		uint32_t walked_no = 0;
		rc = ml_prefetch_grant(st, txn, &s->v, s->grant_nos[i],
		                       s->first_no, s->last_no, UINT32_MAX,
		                       &walked_no);
	}
	return rc;
}

/* A walker thread: slice arg in a read transaction of its own. */
static void *ml_slice_thread(void *arg)
{
	struct ml_slice *s = arg;
	struct ml_read *rd = NULL;
	s->rc = ml_ledger_read_begin(s->lg, &rd);
	if (s->rc == 0)
		s->rc = ml_slice_walk(s, ml_read_txn(rd));
	ml_ledger_read_drop(s->lg, rd);
	return NULL;
}

/* Walks slices[0 .. count): the first in txn on this thread, the others
 * on threads of their own, all joined. Returns how many ended well. */
static unsigned ml_prefetch_spread(struct ml_slice *slices, unsigned count,
                                   MDB_txn *txn)
{
	pthread_t tid[ML_PREFETCH_THREADS_MAX];
	bool started[ML_PREFETCH_THREADS_MAX] = {false};
	ML_ASSERT(count >= 1 && count <= ML_PREFETCH_THREADS_MAX);
	for (unsigned i = 1; i < count; i++)
		started[i] = pthread_create(&tid[i], NULL, ml_slice_thread,
		                            &slices[i]) == 0;
	slices[0].rc = ml_slice_walk(&slices[0], txn);
	unsigned walked = slices[0].rc == 0;
	for (unsigned i = 1; i < count; i++) {
		if (started[i] && pthread_join(tid[i], NULL) == 0)
			walked += slices[i].rc == 0;
	}
	return walked;
}

/* Cuts whole's parties into count slices (fewer when there are fewer
 * parties) of consecutive numbers, each one's share of the same grants
 * and date. Returns how many. */
static unsigned ml_slices_cut(const struct ml_slice *whole, unsigned count,
                              struct ml_slice *slices)
{
	uint32_t range = whole->last_no - whole->first_no + 1;
	ML_ASSERT(whole->first_no <= whole->last_no);
	ML_ASSERT(count >= 1 && count <= ML_PREFETCH_THREADS_MAX);
	if (count > range)
		count = range;
	for (unsigned i = 0; i < count; i++) {
		slices[i] = *whole;
		slices[i].first_no =
		    whole->first_no + (uint32_t)((uint64_t)range * i / count);
		slices[i].last_no =
		    whole->first_no +
		    (uint32_t)((uint64_t)range * (i + 1) / count) - 1;
		ML_ASSERT(slices[i].first_no <= slices[i].last_no);
	}
	return count;
}

/* This thread's major faults so far (0 when it cannot tell). */
static long ml_major_faults(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_majflt : 0;
}

/* The probe: walks grant g's accounts (and their activities) from party
 * 1 in txn, one by one, until one read a page from disk (*cold) or
 * ML_PREFETCH_PROBE_ACCOUNTS were in memory. *probed_no = the last party
 * it looked at. */
static int ml_prefetch_probe(struct ml_store *st, MDB_txn *txn,
                             const struct ml_view *v, uint32_t g,
                             uint32_t parties, uint32_t *probed_no, bool *cold)
{
	long before = ml_major_faults();
	int rc = 0;
	*probed_no = 0;
	*cold = false;
	for (unsigned i = 0; rc == 0 && !*cold && *probed_no < parties &&
	                     i < ML_PREFETCH_PROBE_ACCOUNTS;
	     i++) {
		rc = ml_prefetch_grant(st, txn, v, g, *probed_no + 1, parties,
		                       1, probed_no);
		*cold = ml_major_faults() > before;
	}
	return rc;
}

unsigned ml_prefetch_trace(struct ml_ledger *lg, MDB_txn *txn,
                           const uint32_t *grant_nos, size_t grant_count,
                           ml_day as_of, int threads)
{
	ML_ASSERT(threads == ML_PREFETCH_AUTO ||
	          (threads >= 1 && threads <= ML_PREFETCH_THREADS_MAX));
	ML_ASSERT(grant_count >= 1);
	struct ml_store *st = ml_ledger_store(lg);
	struct ml_view v = {as_of, false, 0};
	uint32_t parties = 0, first_no = 1;
	if (ml_state_count(st, txn, ML_NAME_PARTY, &parties) != 0 ||
	    parties == 0)
		return 0;
	if (threads == ML_PREFETCH_AUTO) {
		/* the probe's parties are walked (in the first grant) */
		uint32_t probed_no = 0;
		bool cold = false;
		if (ml_prefetch_probe(st, txn, &v, grant_nos[0], parties,
		                      &probed_no, &cold) != 0 ||
		    !cold)
			return 0;
		first_no = probed_no + 1;
		threads = ML_PREFETCH_THREADS;
	}
	if (first_no > parties)
		return 0;
	struct ml_slice slices[ML_PREFETCH_THREADS_MAX];
	struct ml_slice whole = {.lg = lg,
	                         .grant_nos = grant_nos,
	                         .grant_count = grant_count,
	                         .v = v,
	                         .first_no = first_no,
	                         .last_no = parties};
	unsigned count = ml_slices_cut(&whole, (unsigned)threads, slices);
	return ml_prefetch_spread(slices, count, txn);
}

/*
 * ml_verify_cursor.c — a verify walk that also proves every lookup finds
 * what the walk saw.
 *
 * Verify walks each database in key order (MDB_NEXT) and compares every
 * record with the replay. A walk goes from leaf page to leaf page through
 * the branch pages' child pointers, but it never reads a branch page's
 * separator keys — and every answer does: a point lookup or a seek
 * (balance at D, an event by seq, a definition as of D) descends the
 * tree by those keys. One flipped byte in a separator can send a lookup
 * to the wrong leaf while the walk still sees every record in order.
 *
 * So each walk, when its cursor enters a new leaf page (LMDB returns keys
 * that point into the map, so the page is the key's address divided by
 * the page size), looks up the last key of the page it left and the first
 * key of the page it entered from the root (mdb_get) and requires the
 * very record the walk holds (the value at the same address). Not with a
 * kept second cursor: LMDB's MDB_SET first looks inside the leaf page
 * the cursor stands on and, when the key falls between that page's first
 * and last keys, never descends, so the lookup of the last key of a page
 * whose first key it had just looked up read no separator at all (a
 * separator made too low went unseen: the tamper test found one). In a B-tree that is what makes
 * every separator right: a separator too high sends the first key of its
 * subtree left, one too low sends the last key of the subtree before it
 * right, at every level on the way down. Keys inside a leaf are compared
 * with the replay by the walk itself, so their order is proven there.
 *
 * Cost: two lookups per leaf page (tens of records), not per record.
 *
 * Every ML_VERIFY_TRIM_BYTES of leaf pages (each counted as the 64 KiB a
 * fault may map) and values a walk touched, it
 * drops the map's resident pages when more than ML_VERIFY_RESIDENT_MAX
 * are (ml_limits_internal.h says why); k stays valid, as every pointer
 * into the map does: the next touch reads the page cache again.
 */
#include <stdint.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_limits_internal.h"
#include "ml_verify_internal.h"

int mv_cur_open(MDB_txn *txn, MDB_dbi dbi, uint64_t resident_max,
                struct mv_cur *m)
{
	MDB_stat ms;
	memset(m, 0, sizeof *m);
	m->txn = txn;
	m->dbi = dbi;
	int rc = mdb_stat(txn, dbi, &ms);
	if (rc == 0)
		rc = mdb_cursor_open(txn, dbi, &m->c);
	m->page_bytes = ms.ms_psize;
	m->resident_max = resident_max;
	return rc;
}

void mv_cur_close(struct mv_cur *m)
{
	if (m->c != NULL)
		mdb_cursor_close(m->c);
	memset(m, 0, sizeof *m);
}

/* Does a lookup of k's bytes from the root find the record whose value
 * is at v's address? */
static bool mv_found_here(const struct mv_cur *m, const MDB_val *k,
                          const MDB_val *v)
{
	MDB_val kk = *k, vv;
	int rc = mdb_get(m->txn, m->dbi, &kk, &vv);
	return rc == 0 && vv.mv_data == v->mv_data && vv.mv_size == v->mv_size;
}

int mv_cur_get(struct mv_cur *m, MDB_val *k, MDB_val *v, MDB_cursor_op op)
{
	ML_ASSERT(m->c != NULL && m->page_bytes > 0);
	int rc = mdb_cursor_get(m->c, k, v, op);
	if (rc != 0)
		return rc;
	uintptr_t page = (uintptr_t)k->mv_data / m->page_bytes;
	if (page != m->page || m->last.mv_data == NULL) {
		if (m->last.mv_data != NULL &&
		    !mv_found_here(m, &m->last, &m->last_data))
			return ML_E_CORRUPT;
		if (!mv_found_here(m, k, v))
			return ML_E_CORRUPT;
		m->page = page;
		m->touched_bytes += ML_VERIFY_FAULT_BYTES;
	}
	m->touched_bytes += v->mv_size;
	if (m->touched_bytes >= ML_VERIFY_TRIM_BYTES &&
	    m->resident_max != UINT64_MAX) {
		ml_store_map_trim(k->mv_data, m->resident_max);
		m->touched_bytes = 0;
	}
	m->last = *k;
	m->last_data = *v;
	return 0;
}

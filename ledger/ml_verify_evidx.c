/*
 * ml_verify_evidx.c — the log's index against the log.
 *
 * The index (ml_evidx.h) is a pure function of the log, so verify does
 * not rebuild it in memory: it looks up every entry each event should
 * have (one seek each, O(entries · log n) time, O(1) memory) and then
 * requires the table to hold no more entries than that. A missing entry
 * would hide an event from a filtered read; an extra one would show an
 * event under a name it does not have (the filter re-checks each event,
 * but verify still calls it a difference: the bytes are not the log's).
 */
#include "ml_evidx.h"
#include "ml_verify_internal.h"

int mv_compare_evidx(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                     struct mv_diff *d, uint64_t *checked)
{
	bool ok = false;
	uint64_t bad_seq = 0;
	int rc = ml_evidx_verify(st, txn, x->head, &ok, &bad_seq);
	*checked += x->head;
	if (rc == ML_E_CORRUPT) { /* a correction names a seq it cannot */
		mv_differ(d, "index", bad_seq,
		          "a correction names an event the log lacks");
		return 0;
	}
	if (rc != 0 || ok)
		return rc;
	if (bad_seq != 0)
		mv_differ(d, "index", bad_seq,
		          "event %llu is missing from the log's index",
		          (unsigned long long)bad_seq);
	else
		mv_differ(d, "index", 0,
		          "the log's index holds entries no event gives");
	return 0;
}

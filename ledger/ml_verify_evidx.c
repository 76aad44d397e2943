/*
 * ml_verify_evidx.c — the log's index against the log.
 *
 * The index (ml_evidx.h) is a pure function of the log, so verify does
 * not rebuild it: ml_evidx_verify sums a 128-bit mix of every (name,
 * seq) the log gives and of every one the table holds and compares them
 * (O(1) memory, one pass over each). A missing entry would hide an event
 * from a filtered read; an extra one would show an event under a name it
 * does not have (the filter re-checks each event, but verify still calls
 * it a difference: the bytes are not the log's). By sums the replay has
 * summed the log's pairs as it decoded each event (ml_evidx_sum_event):
 * only the table is read here.
 */
#include "ml_evidx.h"
#include "ml_verify_internal.h"

int mv_compare_evidx(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                     struct mv_diff *d, uint64_t *checked)
{
	bool ok = false;
	const char *why = NULL;
	ml_reading_at(ML_DB_EVIDX, 0);
	int rc = x->exact ? ml_evidx_verify(st, txn, x->head, x->resident_max,
	                                    &ok, &why)
	         : x->evidx_rc != 0
	             ? x->evidx_rc
	             : ml_evidx_verify_sum(st, txn, &x->evidx_sum,
	                                   x->resident_max, &ok, &why);
	*checked += x->head;
	if (rc == ML_E_CORRUPT) { /* a correction names a seq it cannot */
		mv_differ(d, "index", 0,
		          "a correction names an event the log lacks");
		return 0;
	}
	if (rc == 0 && !ok)
		mv_differ(d, "index", 0, "%s", why);
	return rc;
}

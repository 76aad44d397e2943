/*
 * ml_verify_evidx.c — the log's index against the log.
 *
 * The index (ml_evidx.h) is a pure function of the log, so verify does
 * not rebuild it: ml_evidx_verify sums a 128-bit mix of every (name,
 * seq) the log gives and of every one the table holds and compares them
 * (O(1) memory, one pass over each). A missing entry would hide an event
 * from a filtered read; an extra one would show an event under a name it
 * does not have (the filter re-checks each event, but verify still calls
 * it a difference: the bytes are not the log's). By sums the chain
 * thread has summed the log's pairs as it decoded each event and walked
 * the table (ml_verify_logsums.c): nothing is read here.
 */
#include "ml_evidx.h"
#include "ml_verify_internal.h"

int mv_compare_evidx(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                     struct mv_diff *d, uint64_t *checked)
{
	bool ok = false;
	const char *why = NULL;
	ml_reading_at(ML_DB_EVIDX, 0);
	*checked += x->head;
	if (!x->exact)
		return 0;
	int rc = ml_evidx_verify(st, txn, x->head, x->resident_max, &ok, &why);
	if (rc == ML_E_CORRUPT) { /* a correction names a seq it cannot */
		mv_differ(d, "index", 0,
		          "a correction names an event the log lacks");
		return 0;
	}
	if (rc == 0 && !ok)
		mv_differ(d, "index", 0, "%s", why);
	return rc;
}

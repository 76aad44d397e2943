/*
 * ml_verify_pday.c — each account's activities' day records (pday,
 * ml_pday.h) against the act database, which the series walk has just
 * compared with the log: every account's records are made again from its
 * series, as the writer makes them, and must be the stored ones byte for
 * byte, with none missing and none extra. Memory: one account's day
 * records at a time. Then a walk of pday with verify's cursor proves its
 * branch pages route every lookup (ml_verify_cursor.c), since a trace
 * seeks where ml_pday_check only walks.
 */
#include "ml_pday.h"
#include "ml_reading.h"
#include "ml_verify_internal.h"

static void mv_pday_routing(struct ml_store *st, MDB_txn *txn,
                            const struct mv_expect *x, struct mv_diff *d)
{
	struct mv_cur cur;
	MDB_val k, v;
	int rc = mv_cur_open(txn, st->dbi[ML_DB_PDAY], x->resident_max, &cur);
	if (rc == 0)
		rc = mv_cur_get(&cur, &k, &v, MDB_FIRST);
	while (rc == 0)
		rc = mv_cur_get(&cur, &k, &v, MDB_NEXT);
	mv_cur_close(&cur);
	if (rc != MDB_NOTFOUND)
		mv_differ(d, "storage", 0,
		          "the pday database is damaged: a lookup of a stored "
		          "key does not find it, or a page cannot be read");
}

int mv_compare_pday(struct ml_store *st, MDB_txn *txn,
                    const struct mv_expect *x, struct mv_diff *d,
                    uint64_t *checked)
{
	bool same = true;
	struct ml_pday_where w;
	char day[ML_DATE_TEXT_MAX];
	ml_reading_at(ML_DB_PDAY, 0);
	int rc = ml_pday_check(st, txn, x->resident_max, &same, &w, checked);
	if (rc == 0 && !same)
		mv_differ(d, "index", 0,
		          "the spending per party and day (pday) is not what "
		          "the activities' day totals give: grant %u, party "
		          "%u, %s",
		          w.grant_no, w.party_no,
		          ml_date_format(w.date, day, sizeof day));
	if (rc == 0 && same)
		mv_pday_routing(st, txn, x, d);
	return rc;
}

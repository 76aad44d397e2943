/*
 * ml_verify_known.c — each series' records by seq (known, ml_known.h)
 * against the acct, edge and act databases, which the series walk has
 * just compared with the log: every series' records are made again from
 * its entries by the writer's own rule and must be the stored ones byte
 * for byte, with none missing and none extra. Memory: one series'
 * entries at a time. Then a walk of known with verify's cursor proves
 * its branch pages route every lookup (ml_verify_cursor.c), since a
 * known view seeks where ml_known_check only walks.
 */
#include "ml_known.h"
#include "ml_reading.h"
#include "ml_verify_internal.h"

static const char *const mv_series_names[ML_SERIES_DBS] = {
    [ML_SERIES_ACCT] = "account",
    [ML_SERIES_EDGE] = "payout edge",
    [ML_SERIES_ACT] = "activity",
};

static void mv_known_routing(struct ml_store *st, MDB_txn *txn,
                             const struct mv_expect *x, struct mv_diff *d)
{
	struct mv_cur cur;
	MDB_val k, v;
	int rc = mv_cur_open(txn, st->dbi[ML_DB_KNOWN], x->resident_max, &cur);
	if (rc == 0)
		rc = mv_cur_get(&cur, &k, &v, MDB_FIRST);
	while (rc == 0)
		rc = mv_cur_get(&cur, &k, &v, MDB_NEXT);
	mv_cur_close(&cur);
	if (rc != MDB_NOTFOUND)
		mv_differ(d, "storage", 0,
		          "the known database is damaged: a lookup of a stored "
		          "key does not find it, or a page cannot be read");
}

int mv_compare_known(struct ml_store *st, MDB_txn *txn,
                     const struct mv_expect *x, struct mv_diff *d,
                     uint64_t *checked)
{
	bool same = true;
	struct ml_known_where w;
	ml_reading_at(ML_DB_KNOWN, 0);
	int rc = ml_known_check(st, txn, x->resident_max, &same, &w, checked);
	if (rc == 0 && !same)
		mv_differ(
		    d, "index", 0,
		    "the table of what was known when (known) is not what "
		    "the entries give: the %s of grant %u, party %u",
		    w.db < ML_SERIES_DBS ? mv_series_names[w.db] : "series",
		    w.plen >= 4 ? ml_be32_get(w.prefix) : 0,
		    w.plen >= 8 ? ml_be32_get(w.prefix + 4) : 0);
	if (rc == 0 && same)
		mv_known_routing(st, txn, x, d);
	return rc;
}

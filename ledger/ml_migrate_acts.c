/*
 * ml_migrate_acts.c — format 3 → 4: spending per activity (ml_acts.c)
 * built for a ledger that has none.
 *
 * First the log is read once in seq order and each expense's (activity,
 * unit) pair numbered, so the numbers are those appending would have
 * given (and those verify gives). Then the account database is walked in
 * key order and every entry with spending — an expense's, or one a
 * correction posted for it — is copied to the series of its expense's
 * activity in the same account, on the same date with the same seq and
 * amount, and withdrawn by the same correction when its account entry
 * was. The account entries already hold every correction's effect, so
 * nothing of the correction rules is repeated here. Within one account
 * the walk meets each activity's entries in (date, seq) order, so each
 * lands on the last day of its series: no later day is ever rewritten.
 *
 * Cost: two passes over the log (the second one read per spending entry,
 * for its expense's activity) and one insert per expense, in the one
 * write transaction of the migration.
 */
#include "ml_migrate.h"

#include "ml_assert.h"
#include "ml_log.h"
#include "ml_state_internal.h"

static int ml_mig_acts_accept(const struct ml_totals *t, ml_day day, void *ctx)
{
	(void)t;
	(void)day;
	(void)ctx;
	return 0;
}

static int ml_mig_acts_number(struct ml_store *st, MDB_txn *txn)
{
	struct ml_log_head head;
	int rc = ml_log_head_read(st, txn, &head);
	for (uint64_t seq = 1; rc == 0 && seq <= head.seq; seq++) {
		struct ml_event e;
		uint32_t no;
		rc = ml_log_get(st, txn, seq, &e);
		if (rc == 0 && e.type == ML_TYPE_EXPENSE)
			rc =
			    ml_act_find(st, txn, e.activity, e.unit, true, &no);
	}
	return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
}

/* Copies one account entry (grant, party, date) to its activity. */
static int ml_mig_acts_entry(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                             const uint32_t *gp, ml_day date, uint64_t seq,
                             const struct ml_post *p, uint64_t by)
{
	int k = p->bucket[0] == ML_B_SPENT   ? 0
	        : p->bucket[1] == ML_B_SPENT ? 1
	                                     : -1;
	if (k < 0)
		return 0;
	struct ml_event ev;
	int depth;
	uint32_t act = 0;
	int rc = ml_state_event_root(st, txn, seq, &ev, &depth);
	if (rc == 0 && ev.type != ML_TYPE_EXPENSE)
		rc = ML_E_CORRUPT;
	if (rc == 0)
		rc = ml_act_find(st, txn, ev.activity, ev.unit, false, &act);
	if (rc == 0 && act == 0)
		rc = ML_E_CORRUPT;
	if (rc != 0)
		return rc;
	struct ml_series s;
	struct ml_post q = {{ML_B_SPENT, -1}, {p->delta[k], 0}};
	ml_series_act(&s, st, txn, NULL, gp[0], gp[1], act);
	s.cur = cur;
	rc = ml_entries_insert(&s, date, seq, &q, ml_mig_acts_accept, NULL);
	if (rc == 0 && by != 0)
		rc = ml_entries_retract(&s, date, seq, by, ml_mig_acts_accept,
		                        NULL);
	return rc;
}

static int ml_mig_acts_chunk(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                             const MDB_val *k, const MDB_val *v)
{
	struct ml_chunk_reader r;
	ml_day date;
	uint32_t gp[2];
	struct ml_post p;
	uint64_t seq, by;
	int rc = ml_series_chunk_open(k, v, 8, &date, &r);
	if (rc != 0)
		return rc;
	gp[0] = ml_be32_get(k->mv_data);
	gp[1] = ml_be32_get((unsigned char *)k->mv_data + 4);
	while (rc == 0 && (rc = ml_chunk_read(&r, &seq, &p, &by)) == 1)
		rc = ml_mig_acts_entry(st, txn, cur, gp, date, seq, &p, by);
	return rc; /* ml_chunk_read's ML_E_CORRUPT, or the entry's error */
}

int ml_migrate_acts(struct ml_store *st, MDB_txn *txn)
{
	MDB_cursor *acct = NULL, *act = NULL;
	MDB_val k, v;
	int rc = ml_store_db_create(st, txn, ML_DB_ACT);
	if (rc == 0)
		rc = ml_store_db_create(st, txn, ML_DB_ACTN);
	/* Empty before they are filled: a ledger stamped with an older
	 * version by hand (the tests do) may hold them already. */
	if (rc == 0)
		rc = ml_error_from_mdb(mdb_drop(txn, st->dbi[ML_DB_ACT], 0));
	if (rc == 0)
		rc = ml_error_from_mdb(mdb_drop(txn, st->dbi[ML_DB_ACTN], 0));
	if (rc == 0)
		rc = ml_mig_acts_number(st, txn);
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_ACCT], &acct));
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_ACT], &act));
	int mrc = rc == 0 ? mdb_cursor_get(acct, &k, &v, MDB_FIRST) : 0;
	while (rc == 0 && mrc == 0) {
		if (k.mv_size == 8 + 12) /* a chunk, not a day record */
			rc = ml_mig_acts_chunk(st, txn, act, &k, &v);
		if (rc == 0)
			mrc = mdb_cursor_get(acct, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = ml_error_from_mdb(mrc);
	if (act != NULL)
		mdb_cursor_close(act);
	if (acct != NULL)
		mdb_cursor_close(acct);
	return rc;
}

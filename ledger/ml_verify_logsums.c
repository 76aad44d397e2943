/*
 * ml_verify_logsums.c — the two indexes that are functions of the log
 * alone, summed beside the chain.
 *
 * By sums (ml_verify_internal.h), two checks need the log and one index
 * each, nothing of the replay: the ids index (every event's id maps to
 * its seq: the index walked in key order beside the log, the order-free
 * sums of the log's and the index's (id, seq) pairs compared) and the
 * log's index (evidx: the pairs the log gives, summed as each event is
 * decoded, against the table's, ml_evidx_verify_sum). The chain thread
 * decodes every event anyway and is the shorter of verify's two threads,
 * so it takes them (ml_verify.c): 0.2 µs an event off the calling
 * thread, which replays and compares and sets verify's wall time.
 *
 * The chain thread reads in its own snapshot. Its records 1 ..= head are
 * the caller's (the log is append-only), but its indexes may hold events
 * a writer appended since the caller began: the sums are taken there
 * only when its snapshot is the caller's (the same mdb_txn_id). Else,
 * and when the thread failed, the caller takes them itself in a pass of
 * its own over the log (mv_logsums_walk). Either way the answer is the
 * same: the sums only say whether to run the exact mode, which looks up
 * each id and sums the log's index itself, in the caller's snapshot.
 *
 * Memory: a cursor and three sums.
 */
#include <string.h>

#include "ml_assert.h"
#include "ml_evidx.h"
#include "ml_limits_internal.h"
#include "ml_log.h"
#include "ml_record.h"
#include "ml_verify_internal.h"

/* What the thread is doing while it reads the ids index, in the words
 * of a damaged page's message (ml_reading.h). */
#define MV_IDS_DOING "verify was checking the id index against the log"

int mv_logsums_begin(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                     uint64_t resident_max, const char *doing)
{
	memset(s, 0, sizeof *s);
	s->doing = doing;
	int rc =
	    mv_cur_open(txn, st->dbi[ML_DB_IDS], resident_max, &s->ids_cur);
	s->walking = rc == 0;
	return ml_error_from_mdb(rc);
}

/* ev's (id, seq) into one sum, the ids index's next record into the
 * other. A walk that ends or fails early leaves the sums apart. */
static void mv_logsums_id(struct mv_logsums *s, const struct ml_event *ev)
{
	MDB_val k, v;
	ml_evidx_sum_add(&s->id_want, ev->id.ptr, ev->id.len, ev->seq);
	s->ids++;
	if (!s->walking)
		return;
	ml_reading_begin(MV_IDS_DOING); /* damage is named with it */
	ml_reading_at(ML_DB_IDS, ev->seq);
	int mrc =
	    mv_cur_get(&s->ids_cur, &k, &v, s->ids == 1 ? MDB_FIRST : MDB_NEXT);
	ml_reading_begin(s->doing);
	ml_reading_at(ML_DB_LOG, ev->seq);
	if (mrc == 0 && v.mv_size == 8)
		ml_evidx_sum_add(&s->id_got, k.mv_data, k.mv_size,
		                 ml_be64_get(v.mv_data));
	else
		s->walking = false; /* the sums differ: a record is missing */
}

void mv_logsums_event(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                      const struct ml_event *ev)
{
	if (ev->id.ptr != NULL)
		mv_logsums_id(s, ev);
	if (s->evidx_rc == 0)
		s->evidx_rc = ml_evidx_sum_event(st, txn, ev, &s->evidx_want);
}

static bool mv_sum_eq(const struct ml_evidx_sum *a,
                      const struct ml_evidx_sum *b)
{
	return a->count == b->count && a->a == b->a && a->b == b->b;
}

void mv_logsums_end(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                    uint64_t resident_max)
{
	MDB_val k, v;
	bool ids_end = true; /* the index holds no record past the log's */
	if (s->walking && s->ids > 0) {
		ml_reading_begin(MV_IDS_DOING);
		ml_reading_at(ML_DB_IDS, 0);
		ids_end =
		    mv_cur_get(&s->ids_cur, &k, &v, MDB_NEXT) == MDB_NOTFOUND;
	}
	mv_cur_close(&s->ids_cur);
	s->walking = false;
	bool evidx_ok = false;
	const char *why = NULL;
	ml_reading_begin("verify was checking the log's index against the log");
	ml_reading_at(ML_DB_EVIDX, 0);
	int rc = s->evidx_rc == 0
	             ? ml_evidx_verify_sum(st, txn, &s->evidx_want,
	                                   resident_max, &evidx_ok, &why)
	             : s->evidx_rc;
	s->taken = true;
	s->agree = rc == 0 && evidx_ok && ids_end &&
	           mv_sum_eq(&s->id_want, &s->id_got);
}

void mv_logsums_close(struct mv_logsums *s)
{
	mv_cur_close(&s->ids_cur);
	s->walking = false;
}

int mv_logsums_walk(struct mv_logsums *s, struct ml_store *st, MDB_txn *txn,
                    uint64_t head, uint64_t resident_max)
{
	MDB_cursor *cur = NULL;
	MDB_val key, val;
	int rc = mv_logsums_begin(s, st, txn, resident_max,
	                          "verify was summing the log's ids");
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_LOG], &cur));
	ml_reading_at(ML_DB_LOG, 1);
	int mrc = rc == 0 ? mdb_cursor_get(cur, &key, &val, MDB_FIRST) : 0;
	uint64_t seq = 1;
	for (; rc == 0 && seq <= head; seq++) {
		struct ml_event ev;
		if (mrc != 0 || key.mv_size != 8 ||
		    ml_be64_get(key.mv_data) != seq ||
		    ml_record_decode(val.mv_data, val.mv_size, seq, &ev) != 0)
			break; /* not taken: the exact mode names it */
		mv_logsums_event(s, st, txn, &ev);
		if (seq % ML_VERIFY_TRIM_EVENTS == 0 &&
		    resident_max != UINT64_MAX)
			ml_store_map_trim(val.mv_data, resident_max);
		ml_reading_at(ML_DB_LOG, seq + 1);
		mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	if (rc == 0 && seq == head + 1)
		mv_logsums_end(s, st, txn, resident_max);
	if (cur != NULL)
		mdb_cursor_close(cur);
	mv_logsums_close(s);
	return rc;
}

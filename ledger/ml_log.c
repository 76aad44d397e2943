/*
 * ml_log.c — appending to and reading from the hash-chained log.
 *
 * An append costs: the canonical JSON of the event (one pass over its
 * fields), one SHA-256, the binary record, one MDB_APPEND put and, when
 * the event has an id, one put in the ids database. Nothing is allocated
 * per event once the writer's buffers have grown to the largest event.
 */
#include "ml_log.h"

#include <string.h>

#include "ml_assert.h"
#include "ml_json.h"
#include "ml_record.h"

int ml_log_writer_init(struct ml_log_writer *w, struct ml_store *st)
{
	w->st = st;
	ml_buf_init(&w->canon, ML_EVENT_JSON_MAX);
	ml_buf_init(&w->rec, ML_RECORD_BYTES_MAX);
	ml_buf_init(&w->cmp, 2 * ML_EVENT_JSON_MAX);
	return ml_hasher_new(&w->hasher);
}

void ml_log_writer_free(struct ml_log_writer *w)
{
	if (w == NULL)
		return;
	ml_hasher_free(w->hasher);
	w->hasher = NULL;
	ml_buf_free(&w->canon);
	ml_buf_free(&w->rec);
	ml_buf_free(&w->cmp);
}

int ml_log_head_read(struct ml_store *st, MDB_txn *txn,
                     struct ml_log_head *head)
{
	memset(head, 0, sizeof *head);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_LOG], &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	MDB_val key, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	struct ml_event ev;
	if (key.mv_size != 8)
		return ML_E_CORRUPT;
	uint64_t seq = ml_be64_get(key.mv_data);
	rc = ml_record_decode(val.mv_data, val.mv_size, seq, &ev);
	if (rc != 0)
		return rc;
	head->seq = seq;
	memcpy(head->hash, ev.hash, 32);
	head->recorded_at_us = ev.recorded_at_us;
	return 0;
}

int ml_log_find_id(struct ml_store *st, MDB_txn *txn, struct ml_str id,
                   uint64_t *seq_out)
{
	MDB_val key = {id.len, (void *)id.ptr};
	return ml_store_get_be(st, txn, ML_DB_IDS, key, 8, seq_out, NULL);
}

int ml_log_claim_id(struct ml_store *st, MDB_txn *txn, struct ml_str id,
                    uint64_t seq, uint64_t *existing)
{
	unsigned char v[8];
	ML_ASSERT(seq > 0 && id.len > 0 && id.len <= ML_EVENT_ID_MAX);
	ml_be64_put(v, seq);
	MDB_val key = {id.len, (void *)id.ptr}, val = {8, v};
	*existing = 0;
	int rc = mdb_put(txn, st->dbi[ML_DB_IDS], &key, &val, MDB_NOOVERWRITE);
	if (rc != MDB_KEYEXIST)
		return ml_error_from_mdb(rc);
	if (val.mv_size != 8)
		return ML_E_CORRUPT;
	*existing = ml_be64_get(val.mv_data);
	return 0;
}

int ml_log_get(struct ml_store *st, MDB_txn *txn, uint64_t seq,
               struct ml_event *ev)
{
	unsigned char k[8];
	ml_be64_put(k, seq);
	MDB_val key = {8, k}, val;
	int rc = mdb_get(txn, st->dbi[ML_DB_LOG], &key, &val);
	if (rc == MDB_NOTFOUND)
		return ML_E_NOT_FOUND;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	return ml_record_decode(val.mv_data, val.mv_size, seq, ev);
}

int ml_log_same_content(struct ml_log_writer *w, MDB_txn *txn, uint64_t seq,
                        const struct ml_event *ev, bool *same)
{
	struct ml_event stored;
	int rc = ml_log_get(w->st, txn, seq, &stored);
	if (rc != 0)
		return rc;
	ml_buf_reset(&w->cmp);
	rc = ml_json_write_event(&stored, ML_JSON_SUBMITTED, &w->cmp);
	size_t stored_len = w->cmp.len;
	if (rc == 0)
		rc = ml_json_write_event(ev, ML_JSON_SUBMITTED, &w->cmp);
	if (rc != 0)
		return rc;
	*same = w->cmp.len == 2 * stored_len &&
	        memcmp(w->cmp.data, w->cmp.data + stored_len, stored_len) == 0;
	return 0;
}

static int ml_log_seal(struct ml_log_writer *w, const struct ml_log_head *head,
                       struct ml_event *ev, int64_t now_us)
{
	ML_ASSERT(head->seq < UINT64_MAX);
	ev->seq = head->seq + 1;
	ev->recorded_at_us =
	    now_us > head->recorded_at_us ? now_us : head->recorded_at_us + 1;
	ev->present |= ML_STORED_FIELDS | ML_BIT(ML_F_TYPE) | ML_BIT(ML_F_DATE);
	memcpy(ev->prev_hash, head->hash, 32);
	ml_buf_reset(&w->canon);
	int rc = ml_json_write_event(ev, ML_JSON_CANONICAL, &w->canon);
	ML_ASSERT(rc != 0 || ev->recorded_at_us > head->recorded_at_us);
	if (rc == 0)
		rc = ml_hash_event(w->hasher, ev->prev_hash, w->canon.data,
		                   w->canon.len, ev->hash);
	return rc;
}

int ml_log_put(struct ml_log_writer *w, MDB_txn *txn, struct ml_log_head *head,
               struct ml_event *ev, int64_t now_us)
{
	int rc = ml_log_seal(w, head, ev, now_us);
	ml_buf_reset(&w->rec);
	if (rc == 0)
		rc = ml_record_encode(ev, &w->rec);
	if (rc != 0)
		return rc;
	/* Guards the file: the log is written with MDB_APPEND and its hash
	 * chain assumes seq rises by one; a record is decoded by its size. */
	ML_VERIFY(ev->seq == head->seq + 1 && ev->seq > 0);
	ML_VERIFY(w->rec.len >= ML_RECORD_HEADER_BYTES &&
	          w->rec.len <= ML_RECORD_BYTES_MAX);
	unsigned char k[8];
	ml_be64_put(k, ev->seq);
	MDB_val key = {8, k};
	MDB_val val = {w->rec.len, w->rec.data};
	rc = mdb_put(txn, w->st->dbi[ML_DB_LOG], &key, &val, MDB_APPEND);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	head->seq = ev->seq;
	memcpy(head->hash, ev->hash, 32);
	head->recorded_at_us = ev->recorded_at_us;
	return 0;
}

static int ml_log_time_of(struct ml_store *st, MDB_txn *txn, uint64_t seq,
                          int64_t *t_us)
{
	unsigned char k[8];
	ml_be64_put(k, seq);
	MDB_val key = {8, k}, val;
	int rc = mdb_get(txn, st->dbi[ML_DB_LOG], &key, &val);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? ML_E_CORRUPT
		                          : ml_error_from_mdb(rc);
	enum ml_type type;
	ml_day date;
	return ml_record_peek(val.mv_data, val.mv_size, &type, &date, t_us);
}

int ml_log_seq_at_time(struct ml_store *st, MDB_txn *txn, int64_t t_us,
                       uint64_t *seq_out)
{
	struct ml_log_head head;
	int rc = ml_log_head_read(st, txn, &head);
	if (rc != 0)
		return rc;
	/* Invariant: time(lo) ≤ t_us (lo = 0 stands for "before seq 1"),
	 * and every seq > hi has time > t_us. */
	uint64_t lo = 0, hi = head.seq;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;
		int64_t t;
		rc = ml_log_time_of(st, txn, mid, &t);
		if (rc != 0)
			return rc;
		if (t <= t_us)
			lo = mid;
		else
			hi = mid - 1;
	}
	*seq_out = lo;
	return 0;
}

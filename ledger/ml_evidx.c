/*
 * ml_evidx.c — the log's index by name and type (see ml_evidx.h).
 *
 * Volumes: an ordinary money event has three or four entries (its type,
 * its grant, from and to); a DUPFIXED entry costs eight bytes in its
 * key's page run, so the index adds about 32 bytes per event. A batch's
 * entries are sorted and each key's run is put at once (MDB_MULTIPLE);
 * they land at the end of the key's seqs, which rise. Reads are a seek
 * (MDB_GET_BOTH_RANGE) and one step per entry.
 */
#include "ml_evidx.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_log.h"

static void ml_evidx_add(struct ml_evidx_names *out, enum ml_evidx_kind kind,
                         struct ml_str name)
{
	if (name.ptr == NULL || name.len == 0 || name.len >= ML_EVIDX_KEY_MAX)
		return;
	for (int i = 0; i < out->count; i++)
		if (out->v[i].kind == kind && out->v[i].len == name.len &&
		    memcmp(out->v[i].key + 1, name.ptr, name.len) == 0)
			return;
	ML_ASSERT(out->count < ML_EVIDX_NAMES_MAX);
	struct ml_evidx_name *n = &out->v[out->count++];
	n->kind = kind;
	n->len = name.len;
	n->key[0] = (unsigned char)kind;
	memcpy(n->key + 1, name.ptr, name.len);
}

void ml_evidx_names_own(const struct ml_event *ev, struct ml_evidx_names *out)
{
	out->count = 0;
	ml_evidx_add(out, ML_EVIDX_GRANT, ev->grant);
	ml_evidx_add(out, ML_EVIDX_GRANT, ev->to_grant);
	if (ev->type == ML_TYPE_GRANT)
		ml_evidx_add(out, ML_EVIDX_GRANT, ev->parent);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->party);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->from);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->to);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->payer);
	if (ev->type == ML_TYPE_PARTY)
		ml_evidx_add(out, ML_EVIDX_PARTY, ev->parent);
}

int ml_evidx_names_in(struct ml_store *st, MDB_txn *txn,
                      const struct ml_event *ev, struct ml_evidx_names *out)
{
	struct ml_event root = *ev;
	/* A chain of corrections points ever backwards: seqs fall. */
	while (root.type == ML_TYPE_CORRECTION) {
		uint64_t target = root.corrects;
		if (target == 0 || target >= root.seq)
			return ML_E_CORRUPT;
		int rc = ml_log_get(st, txn, target, &root);
		if (rc != 0)
			return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
	}
	ml_evidx_names_own(&root, out); /* copies: root's bytes may move */
	return 0;
}

bool ml_evidx_names_have(const struct ml_evidx_names *names,
                         enum ml_evidx_kind kind, const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < names->count; i++)
		if (names->v[i].kind == kind && names->v[i].len == len &&
		    memcmp(names->v[i].key + 1, name, len) == 0)
			return true;
	return false;
}

void ml_evidx_batch_init(struct ml_evidx_batch *b)
{
	memset(b, 0, sizeof *b);
	/* 10 000 events × (8 names + type) × the longest key. */
	ml_buf_init(&b->keys, (size_t)ML_BATCH_EVENTS_MAX *
	                          (ML_EVIDX_NAMES_MAX + 1) * ML_EVIDX_KEY_MAX);
}

void ml_evidx_batch_free(struct ml_evidx_batch *b)
{
	free(b->v);
	free(b->seqs);
	ml_buf_free(&b->keys);
	memset(b, 0, sizeof *b);
}

void ml_evidx_batch_reset(struct ml_evidx_batch *b)
{
	b->n = 0;
	ml_buf_reset(&b->keys);
}

static int ml_evidx_gather(struct ml_evidx_batch *b, const unsigned char *key,
                           size_t len, uint64_t seq)
{
	ML_ASSERT(len >= 2 && len <= ML_EVIDX_KEY_MAX);
	size_t at = b->keys.len;
	int rc = ml_grow((void **)&b->v, &b->cap, b->n + 1, sizeof *b->v,
	                 (size_t)UINT32_MAX);
	if (rc == 0)
		rc = ml_buf_add(&b->keys, key, len);
	if (rc != 0)
		return rc;
	ML_ASSERT(at <= UINT32_MAX);
	b->v[b->n++] =
	    (struct ml_evidx_entry){(uint32_t)at, (uint16_t)len, seq};
	return 0;
}

int ml_evidx_batch_add(struct ml_store *st, MDB_txn *txn,
                       struct ml_evidx_batch *b, const struct ml_event *ev)
{
	ML_ASSERT(ev->seq > 0);
	ML_ASSERT(ev->type > ML_TYPE_NONE && ev->type < ML_TYPE_COUNT);
	struct ml_evidx_names names;
	int rc = ml_evidx_names_in(st, txn, ev, &names);
	const unsigned char type_key[2] = {ML_EVIDX_TYPE,
	                                   (unsigned char)ev->type};
	if (rc == 0)
		rc = ml_evidx_gather(b, type_key, 2, ev->seq);
	for (int i = 0; rc == 0 && i < names.count; i++)
		rc = ml_evidx_gather(b, names.v[i].key, 1 + names.v[i].len,
		                     ev->seq);
	return rc;
}

/* qsort's context: the batch whose keys the entries point into. */
static _Thread_local const struct ml_evidx_batch *ml_evidx_sorting;

static int ml_evidx_cmp(const void *pa, const void *pb)
{
	const struct ml_evidx_entry *a = pa, *b = pb;
	const char *keys = ml_evidx_sorting->keys.data;
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(keys + a->key_at, keys + b->key_at, n);
	if (c == 0)
		c = (a->key_len > b->key_len) - (a->key_len < b->key_len);
	return c != 0 ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Puts the seqs of entries v[0..n) (one key, seqs rising) in one go. */
static int ml_evidx_put_run(MDB_cursor *cur, struct ml_evidx_batch *b,
                            const struct ml_evidx_entry *v, size_t n)
{
	int rc = ml_grow((void **)&b->seqs, &b->seqs_cap, n * 8, 1, SIZE_MAX);
	for (size_t i = 0; rc == 0 && i < n; i++)
		ml_be64_put(b->seqs + 8 * i, v[i].seq);
	MDB_val key = {v->key_len, b->keys.data + v->key_at};
	size_t done = 0;
	while (rc == 0 && done < n) {
		MDB_val data[2] = {{8, b->seqs + 8 * done}, {n - done, NULL}};
		rc = ml_error_from_mdb(
		    mdb_cursor_put(cur, &key, data, MDB_MULTIPLE));
		ML_ASSERT(rc != 0 || data[1].mv_size > 0);
		done += rc == 0 ? data[1].mv_size : 0;
	}
	return rc;
}

static bool ml_evidx_same_key(const struct ml_evidx_batch *b,
                              const struct ml_evidx_entry *x,
                              const struct ml_evidx_entry *y)
{
	return x->key_len == y->key_len &&
	       memcmp(b->keys.data + x->key_at, b->keys.data + y->key_at,
	              x->key_len) == 0;
}

int ml_evidx_batch_flush(struct ml_store *st, MDB_txn *txn,
                         struct ml_evidx_batch *b)
{
	MDB_cursor *cur = NULL;
	int rc = 0;
	if (b->n == 0)
		return 0;
	ml_evidx_sorting = b;
	qsort(b->v, b->n, sizeof *b->v, ml_evidx_cmp);
	ml_evidx_sorting = NULL;
	rc =
	    ml_error_from_mdb(mdb_cursor_open(txn, st->dbi[ML_DB_EVIDX], &cur));
	for (size_t i = 0, j; rc == 0 && i < b->n; i = j) {
		for (j = i + 1;
		     j < b->n && ml_evidx_same_key(b, &b->v[i], &b->v[j]); j++)
			ML_ASSERT(b->v[j].seq > b->v[j - 1].seq);
		rc = ml_evidx_put_run(cur, b, &b->v[i], j - i);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	ml_evidx_batch_reset(b);
	return rc;
}

int ml_evidx_iter_open(struct ml_store *st, MDB_txn *txn,
                       enum ml_evidx_kind kind, const void *name, size_t len,
                       uint64_t after, struct ml_evidx_iter *it)
{
	memset(it, 0, sizeof *it);
	it->after = after;
	if (len + 1 > ML_EVIDX_KEY_MAX || after == UINT64_MAX) {
		it->done = true; /* no such key, or nothing can be after */
		return 0;
	}
	it->key_bytes[0] = (unsigned char)kind;
	memcpy(it->key_bytes + 1, name, len);
	it->key.mv_size = len + 1;
	it->key.mv_data = it->key_bytes;
	return ml_error_from_mdb(
	    mdb_cursor_open(txn, st->dbi[ML_DB_EVIDX], &it->cur));
}

int ml_evidx_iter_next(struct ml_evidx_iter *it, uint64_t *seq)
{
	if (it->done)
		return ML_E_NOT_FOUND;
	unsigned char first[8];
	MDB_val k = it->key, d;
	int rc;
	if (!it->started) {
		ml_be64_put(first, it->after + 1);
		d.mv_size = 8;
		d.mv_data = first;
		rc = mdb_cursor_get(it->cur, &k, &d, MDB_GET_BOTH_RANGE);
		it->started = true;
	} else {
		rc = mdb_cursor_get(it->cur, &k, &d, MDB_NEXT_DUP);
	}
	if (rc == MDB_NOTFOUND) {
		it->done = true;
		return ML_E_NOT_FOUND;
	}
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (d.mv_size != 8)
		return ML_E_CORRUPT;
	*seq = ml_be64_get(d.mv_data);
	ML_ASSERT(*seq > it->after);
	it->after = *seq;
	return 0;
}

void ml_evidx_iter_close(struct ml_evidx_iter *it)
{
	if (it->cur != NULL)
		mdb_cursor_close(it->cur);
	it->cur = NULL;
}

int ml_evidx_build(struct ml_store *st, MDB_txn *txn)
{
	struct ml_log_head head;
	struct ml_evidx_batch b;
	ml_evidx_batch_init(&b);
	int rc = ml_log_head_read(st, txn, &head);
	for (uint64_t seq = 1; rc == 0 && seq <= head.seq; seq++) {
		struct ml_event ev;
		rc = ml_log_get(st, txn, seq, &ev);
		if (rc == 0)
			rc = ml_evidx_batch_add(st, txn, &b, &ev);
		if (rc == 0 &&
		    (seq % ML_BATCH_EVENTS_MAX == 0 || seq == head.seq))
			rc = ml_evidx_batch_flush(st, txn, &b);
	}
	ml_evidx_batch_free(&b);
	return rc;
}

/* Are ev's entries all in the table? Counts them into *entries. */
static int ml_evidx_check_event(struct ml_store *st, MDB_txn *txn,
                                MDB_cursor *cur, const struct ml_event *ev,
                                uint64_t *entries, bool *found)
{
	struct ml_evidx_names names;
	int rc = ml_evidx_names_in(st, txn, ev, &names);
	unsigned char v[8];
	ml_be64_put(v, ev->seq);
	*found = true;
	for (int i = -1; rc == 0 && *found && i < names.count; i++) {
		const unsigned char type_key[2] = {ML_EVIDX_TYPE,
		                                   (unsigned char)ev->type};
		MDB_val k = {2, (void *)type_key}, d = {8, v};
		if (i >= 0) {
			k.mv_size = 1 + names.v[i].len;
			k.mv_data = (void *)names.v[i].key;
		}
		rc = mdb_cursor_get(cur, &k, &d, MDB_GET_BOTH);
		*found = rc == 0;
		rc = rc == MDB_NOTFOUND ? 0 : ml_error_from_mdb(rc);
		(*entries)++;
	}
	return rc;
}

int ml_evidx_verify(struct ml_store *st, MDB_txn *txn, uint64_t head_seq,
                    bool *ok, uint64_t *bad_seq)
{
	MDB_cursor *cur = NULL;
	uint64_t entries = 0;
	bool found = true;
	*ok = false;
	*bad_seq = 0;
	int rc =
	    ml_error_from_mdb(mdb_cursor_open(txn, st->dbi[ML_DB_EVIDX], &cur));
	for (uint64_t seq = 1; rc == 0 && found && seq <= head_seq; seq++) {
		struct ml_event ev;
		rc = ml_log_get(st, txn, seq, &ev);
		if (rc == 0)
			rc = ml_evidx_check_event(st, txn, cur, &ev, &entries,
			                          &found);
		if (rc == 0 && !found)
			*bad_seq = seq;
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	MDB_stat ms;
	if (rc == 0)
		rc =
		    ml_error_from_mdb(mdb_stat(txn, st->dbi[ML_DB_EVIDX], &ms));
	if (rc == 0)
		*ok = found && ms.ms_entries == entries;
	return rc;
}

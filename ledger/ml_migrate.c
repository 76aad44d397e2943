/*
 * ml_migrate.c — format migrations (see ml_migrate.h).
 *
 * 1 → 2 walks acct_ev (then edge_ev) in key order, which is (series,
 * date, seq) order, and packs each run of one series' entries on one date
 * into chunks exactly as appending them would have: a new chunk when the
 * date changes or the last one reached ML_CHUNK_APPEND_MAX bytes. Each
 * chunk is checked by decoding it (ml_chunk_load) before it is put. It
 * costs one pass over the old records and one put per chunk.
 */
#include "ml_migrate.h"

#include <string.h>

#include "ml_assert.h"
#include "ml_chunk.h"
#include "ml_entries.h"
#include "ml_evidx.h"
#include "ml_known.h"
#include "ml_pday.h"
#include "ml_store.h"

struct ml_mig_run {
	MDB_txn *txn;
	MDB_dbi to;
	size_t plen;
	unsigned char
	    key[ML_EVT_KEY_MAX]; /* the chunk's: prefix ‖ date ‖ seq */
	struct ml_chunk c;
};

static int ml_mig_put(struct ml_mig_run *r)
{
	struct ml_chunk check;
	if (r->c.len == 0)
		return 0;
	int rc = ml_chunk_load(&check, r->c.first_seq, r->c.bytes, r->c.len);
	if (rc != 0)
		return rc;
	MDB_val key = {r->plen + 12, r->key}, val = {r->c.len, r->c.bytes};
	rc = mdb_put(r->txn, r->to, &key, &val, MDB_NOOVERWRITE);
	ml_chunk_clear(&r->c);
	return ml_error_from_mdb(rc);
}

/* Adds one old record (key prefix ‖ date ‖ seq, value an entry without
 * its seq delta) to the run, putting the chunk before it when full or of
 * another series or date. */
static int ml_mig_add(struct ml_mig_run *r, const MDB_val *k, const MDB_val *v)
{
	const unsigned char *kb = k->mv_data;
	uint64_t seq = ml_be64_get(kb + r->plen + 4);
	size_t entry = ML_VARINT_MAX + v->mv_size;
	if (k->mv_size != r->plen + 12 || v->mv_size < 5 ||
	    v->mv_size > ML_CHUNK_ENTRY_MAX - ML_VARINT_MAX || seq == 0)
		return ML_E_CORRUPT;
	int rc = 0;
	bool same = r->c.len > 0 && memcmp(r->key, kb, r->plen + 4) == 0;
	if (same && seq <= r->c.last_seq)
		return ML_E_CORRUPT;
	if (!same || !ml_chunk_has_room(&r->c) ||
	    r->c.len + entry > sizeof r->c.bytes)
		rc = ml_mig_put(r);
	if (rc != 0)
		return rc;
	if (r->c.len == 0) {
		memcpy(r->key, kb, k->mv_size);
		r->c.first_seq = r->c.last_seq = seq;
	}
	r->c.len += ml_varint_put(r->c.bytes + r->c.len, seq - r->c.last_seq);
	memcpy(r->c.bytes + r->c.len, v->mv_data, v->mv_size);
	r->c.len += v->mv_size;
	r->c.last_seq = seq;
	return 0;
}

/* Packs the old event database `from` into chunks in `to`, then deletes
 * it. */
static int ml_mig_series(MDB_txn *txn, const char *from, const char *to,
                         size_t plen)
{
	struct ml_mig_run r = {.txn = txn, .plen = plen};
	MDB_dbi src;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	ml_chunk_clear(&r.c);
	int rc = mdb_dbi_open(txn, from, 0, &src);
	if (rc == 0)
		rc = mdb_dbi_open(txn, to, 0, &r.to);
	if (rc == MDB_NOTFOUND)
		return ML_E_FORMAT; /* not the version-1 layout */
	if (rc == 0)
		rc = mdb_cursor_open(txn, src, &cur);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		rc = ml_mig_add(&r, &k, &v);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = ml_mig_put(&r);
	if (rc == 0)
		rc = mdb_drop(txn, src, 1);
	return ml_error_norm(rc);
}

static int ml_migrate_1_to_2(MDB_txn *txn)
{
	int rc = ml_mig_series(txn, "acct_ev", "acct", 8);
	return rc == 0 ? ml_mig_series(txn, "edge_ev", "edge", 12) : rc;
}

/* 2 → 3: claims on edges (the edges rebuilt) and the log's index. A
 * format-2 ledger holds no pending bucket, no confirm or lapse and none
 * of their fields, and reads the same in format 3 otherwise (ml_bucket.h,
 * ml_record.c). */
static int ml_migrate_2_to_3(struct ml_store *st, MDB_txn *txn)
{
	int rc = ml_migrate_edges(st, txn);
	if (rc == 0)
		rc = ml_store_db_create(st, txn, ML_DB_EVIDX);
	return rc == 0 ? ml_evidx_build(st, txn) : rc;
}

int ml_migrate(struct ml_store *st, MDB_txn *txn, unsigned from)
{
	static_assert(ML_FORMAT_VERSION == 6, "a step per version");
	if (from < 1 || from >= ML_FORMAT_VERSION)
		return ML_E_FORMAT;
	int rc = from == 1 ? ml_migrate_1_to_2(txn) : 0;
	if (rc == 0 && from <= 2)
		rc = ml_migrate_2_to_3(st, txn);
	if (rc == 0 && from <= 3)
		rc = ml_migrate_acts(st, txn);
	if (rc == 0 && from <= 4)
		rc = ml_pday_build_all(st, txn);
	return rc == 0 ? ml_known_build_all(st, txn) : rc; /* 5 → 6 */
}

/* One attempt: migrate and stamp the new version in one transaction. */
static int ml_migrate_txn(struct ml_store *st)
{
	MDB_txn *txn = NULL;
	unsigned version = 0;
	int rc = ml_store_txn_begin(st, NULL, false, &txn);
	if (rc != 0)
		return rc;
	rc = ml_store_format_get(st, txn, &version);
	if (rc == 0 && version < ML_FORMAT_VERSION)
		rc = ml_migrate(st, txn, version);
	if (rc == 0 && version < ML_FORMAT_VERSION)
		rc = ml_store_format_set(st, txn);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = ml_error_from_mdb(mdb_txn_commit(txn));
	if (rc == 0)
		st->format_version = ML_FORMAT_VERSION;
	return rc;
}

int ml_migrate_open(struct ml_store *st, struct ml_errinfo *err)
{
	ML_ASSERT(st->format_version >= 1);
	ML_ASSERT(st->format_version <= ML_FORMAT_VERSION);
	unsigned found = st->format_version;
	if (found == ML_FORMAT_VERSION)
		return 0;
	int rc = ml_migrate_txn(st);
	while (rc == ML_E_MAP_FULL && ml_store_grow(st) == 0)
		rc = ml_migrate_txn(st); /* the migration outgrew the map */
	if (rc == ML_E_FORMAT)
		return ml_fail(err, ML_E_FORMAT, -1, NULL,
		               "%s has ledger format version %u; this medel "
		               "knows version %u",
		               st->dir, found, ML_FORMAT_VERSION);
	if (rc != 0)
		return ml_fail(err, rc, -1, NULL,
		               "cannot migrate the ledger in %s from format "
		               "version %u: %s",
		               st->dir, found, ml_strerror(rc));
	ML_ASSERT(st->format_version == ML_FORMAT_VERSION);
	return 0;
}

/*
 * ml_entries.c — inserting, retracting and reading running-total entries.
 *
 * Value layout (host byte order; an LMDB file is not portable between
 * byte orders anyway), 120 bytes:
 *
 *     int64 totals[ML_BUCKETS]   running totals after this entry
 *     int64 delta[2]             this event's postings here
 *     int8  bucket[2]            their buckets (-1 = unused)
 *     6 bytes zero
 *     uint64 corrected_by        0, or the correcting event's seq
 *
 * A change at (date, seq) touches that entry and every later one of the
 * same prefix. The walk that rewrites them checks the totals at the end
 * of each date (the last entry of the date), so "every rule holds at the
 * end of every date from the event's on" costs nothing beyond the rewrite.
 * Most events are dated at or after the account's last entry: the walk is
 * then one entry long.
 */
#include "ml_entries.h"

#include <assert.h>
#include <string.h>

#include "ml_money.h"
#include "ml_store.h"

struct ml_entry_disk {
	int64_t totals[ML_BUCKETS];
	int64_t delta[2];
	int8_t bucket[2];
	uint8_t zero[6];
	uint64_t corrected_by;
};

static_assert(sizeof(struct ml_entry_disk) == 120, "entry layout");

static size_t ml_entry_key(unsigned char *k, const unsigned char *prefix,
			   size_t plen, ml_day date, uint64_t seq)
{
	memcpy(k, prefix, plen);
	ml_be32_put(k + plen, (uint32_t)date);
	ml_be64_put(k + plen + 4, seq);
	return plen + 12;
}

static bool ml_same_prefix(const MDB_val *key, const unsigned char *prefix,
			   size_t plen)
{
	return key->mv_size == plen + 12 &&
	       memcmp(key->mv_data, prefix, plen) == 0;
}

int ml_entry_decode(const MDB_val *key, const MDB_val *val, size_t plen,
		    struct ml_entry_info *e)
{
	struct ml_entry_disk d;
	if (val->mv_size != sizeof d || key->mv_size != plen + 12)
		return ML_E_CORRUPT;
	memcpy(&d, val->mv_data, sizeof d);
	const unsigned char *k = key->mv_data;
	e->date = (ml_day)ml_be32_get(k + plen);
	e->seq = ml_be64_get(k + plen + 4);
	e->corrected_by = d.corrected_by;
	memcpy(e->totals.v, d.totals, sizeof d.totals);
	for (int i = 0; i < 2; i++) {
		e->delta[i] = d.delta[i];
		e->bucket[i] = d.bucket[i];
		if (d.bucket[i] < -1 || d.bucket[i] >= ML_B_ENTRIES)
			return ML_E_CORRUPT;
	}
	return 0;
}

/* t += sign × postings of p, and the entry count by sign. */
static int ml_totals_apply(int64_t *t, const int8_t bucket[2],
			   const int64_t delta[2], int sign)
{
	for (int i = 0; i < 2; i++) {
		if (bucket[i] < 0)
			continue;
		int64_t d = sign > 0 ? delta[i] : -delta[i];
		if (ml_add_overflows(t[bucket[i]], d, &t[bucket[i]]))
			return ML_E_AMOUNT_RANGE;
	}
	t[ML_B_ENTRIES] += sign;
	return 0;
}

/* Walks from the cursor's current entry to the end of the prefix adding
 * sign × p to each entry's totals, checking every end of day. */
static int ml_entries_walk(MDB_cursor *cur, const unsigned char *prefix,
			   size_t plen, const struct ml_post *p, int sign,
			   ml_check_fn check, void *ctx)
{
	MDB_val key, val;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_GET_CURRENT);
	struct ml_entry_disk d;
	ml_day pending_day = -1;
	struct ml_totals pending;
	while (rc == 0 && ml_same_prefix(&key, prefix, plen)) {
		ml_day day = (ml_day)ml_be32_get((unsigned char *)key.mv_data +
						 plen);
		if (pending_day >= 0 && day != pending_day) {
			int crc = check(&pending, pending_day, ctx);
			if (crc != 0)
				return crc;
		}
		if (val.mv_size != sizeof d)
			return ML_E_CORRUPT;
		memcpy(&d, val.mv_data, sizeof d);
		rc = ml_totals_apply(d.totals, p->bucket, p->delta, sign);
		if (rc != 0)
			return rc;
		MDB_val nv = {sizeof d, &d};
		rc = mdb_cursor_put(cur, &key, &nv, MDB_CURRENT);
		if (rc != 0)
			return ml_error_from_mdb(rc);
		memcpy(pending.v, d.totals, sizeof d.totals);
		pending_day = day;
		rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ml_error_from_mdb(rc);
	return pending_day >= 0 ? check(&pending, pending_day, ctx) : 0;
}

/* Totals of the last entry of prefix strictly before key k. */
static int ml_entries_before(MDB_cursor *cur, const unsigned char *k,
			     size_t klen, size_t plen, int64_t *totals)
{
	memset(totals, 0, sizeof(int64_t) * ML_BUCKETS);
	MDB_val key = {klen, (void *)k}, val;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &key, &val, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (!ml_same_prefix(&key, k, plen))
		return 0;
	if (val.mv_size != sizeof(struct ml_entry_disk))
		return ML_E_CORRUPT;
	memcpy(totals, val.mv_data, sizeof(int64_t) * ML_BUCKETS);
	return 0;
}

int ml_entries_insert(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		      size_t plen, ml_day date, uint64_t seq,
		      const struct ml_post *p, ml_check_fn check, void *ctx)
{
	unsigned char k[ML_ENTRY_KEY_MAX];
	size_t klen = ml_entry_key(k, prefix, plen, date, seq);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	struct ml_entry_disk d;
	memset(&d, 0, sizeof d);
	rc = ml_entries_before(cur, k, klen, plen, d.totals);
	d.bucket[0] = p->bucket[0];
	d.bucket[1] = p->bucket[1];
	d.delta[0] = p->delta[0];
	d.delta[1] = p->delta[1];
	MDB_val key = {klen, k}, val = {sizeof d, &d};
	if (rc == 0)
		rc = ml_error_from_mdb(
			mdb_cursor_put(cur, &key, &val, MDB_NOOVERWRITE));
	/* The new entry holds the totals before it; the walk adds p to it
	 * and to everything after it. */
	if (rc == 0)
		rc = ml_error_from_mdb(
			mdb_cursor_get(cur, &key, &val, MDB_SET_KEY));
	if (rc == 0)
		rc = ml_entries_walk(cur, prefix, plen, p, +1, check, ctx);
	mdb_cursor_close(cur);
	return rc;
}

int ml_entries_retract(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		       size_t plen, ml_day date, uint64_t seq, uint64_t by_seq,
		       ml_check_fn check, void *ctx)
{
	unsigned char k[ML_ENTRY_KEY_MAX];
	size_t klen = ml_entry_key(k, prefix, plen, date, seq);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	MDB_val key = {klen, k}, val;
	struct ml_entry_disk d;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_KEY);
	if (rc == 0 && val.mv_size != sizeof d)
		rc = ML_E_CORRUPT;
	if (rc == 0) {
		memcpy(&d, val.mv_data, sizeof d);
		d.corrected_by = by_seq;
		MDB_val nv = {sizeof d, &d};
		rc = ml_error_from_mdb(mdb_cursor_put(cur, &key, &nv,
						      MDB_CURRENT));
	} else {
		rc = rc == MDB_NOTFOUND ? ML_E_NOT_FOUND : ml_error_norm(rc);
	}
	struct ml_post p = {{d.bucket[0], d.bucket[1]},
			    {d.delta[0], d.delta[1]}};
	if (rc == 0)
		rc = ml_entries_walk(cur, prefix, plen, &p, -1, check, ctx);
	mdb_cursor_close(cur);
	return rc;
}

int ml_entries_at(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		  size_t plen, ml_day as_of, struct ml_totals *out,
		  bool *exists)
{
	unsigned char k[ML_ENTRY_KEY_MAX];
	size_t klen = ml_entry_key(k, prefix, plen, as_of + 1, 0);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	rc = ml_entries_before(cur, k, klen, plen, out->v);
	mdb_cursor_close(cur);
	*exists = rc == 0 && out->v[ML_B_ENTRIES] > 0;
	return rc;
}

struct ml_known_sum {
	uint64_t known_seq;
	struct ml_totals *out;
};

static int ml_known_add(const struct ml_entry_info *e, void *arg)
{
	struct ml_known_sum *k = arg;
	if (e->seq > k->known_seq)
		return 0;
	if (e->corrected_by != 0 && e->corrected_by <= k->known_seq)
		return 0;
	return ml_totals_apply(k->out->v, e->bucket, e->delta, +1);
}

int ml_entries_known(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		     size_t plen, ml_day as_of, uint64_t known_seq,
		     struct ml_totals *out, bool *exists)
{
	memset(out, 0, sizeof *out);
	struct ml_known_sum k = {known_seq, out};
	int rc = ml_entries_scan(txn, dbi, prefix, plen, 0, as_of,
				 ml_known_add, &k);
	*exists = rc == 0 && out->v[ML_B_ENTRIES] > 0;
	return rc;
}

int ml_entries_scan(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
		    size_t plen, ml_day first_day, ml_day last_day,
		    ml_entry_fn fn, void *arg)
{
	unsigned char k[ML_ENTRY_KEY_MAX];
	size_t klen = ml_entry_key(k, prefix, plen, first_day, 0);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	MDB_val key = {klen, k}, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	while (rc == 0 && ml_same_prefix(&key, prefix, plen)) {
		struct ml_entry_info e;
		rc = ml_entry_decode(&key, &val, plen, &e);
		if (rc != 0 || e.date > last_day)
			break;
		rc = fn(&e, arg);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

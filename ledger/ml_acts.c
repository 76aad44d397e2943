/*
 * ml_acts.c — numbers for the (activity, unit) pairs of expenses.
 *
 * The trace's activities are spending per (grant, party, activity, unit):
 * a series like an account's (ml_entries.h) in the act database, keyed
 * grant ‖ party ‖ activity number, so that one seek gives an activity's
 * spending at any date. An activity is up to 500 bytes and a unit 200,
 * more than an LMDB key holds, so each pair gets a number, given in the
 * order the pairs first appear in the log (an expense interns its pair
 * when it is applied; verify and the 3 → 4 migration give the same
 * numbers by reading the log in seq order). The actn database holds
 *
 *     'h' ‖ SHA-256(pair)  → number (u32 big-endian)
 *     'n' ‖ number         → pair
 *
 * where a pair is its canonical bytes: u16 big-endian activity length,
 * the activity, then 0 (no unit) or 1 and the unit. A unit of "" and no
 * unit are different pairs, as they are different answers. SHA-256 is
 * the chain's hash: a collision would also break the chain.
 */
#include <string.h>

#include "ml_assert.h"
#include "ml_hash.h"
#include "ml_state_internal.h"

size_t ml_act_pair(struct ml_str activity, struct ml_str unit,
                   unsigned char *out)
{
	ML_ASSERT(activity.len <= ML_ACTIVITY_MAX && unit.len <= ML_UNIT_MAX);
	out[0] = (unsigned char)(activity.len >> 8);
	out[1] = (unsigned char)activity.len;
	memcpy(out + 2, activity.ptr, activity.len);
	size_t n = 2 + activity.len;
	out[n++] = unit.ptr != NULL;
	if (unit.ptr != NULL) {
		memcpy(out + n, unit.ptr, unit.len);
		n += unit.len;
	}
	return n;
}

int ml_act_pair_decode(const void *data, size_t len, struct ml_str *activity,
                       struct ml_str *unit)
{
	const unsigned char *p = data;
	if (len < 3)
		return ML_E_CORRUPT;
	size_t alen = (size_t)p[0] << 8 | p[1];
	if (alen > ML_ACTIVITY_MAX || 2 + alen + 1 > len)
		return ML_E_CORRUPT;
	*activity = (struct ml_str){(const char *)p + 2, alen};
	unsigned has = p[2 + alen];
	size_t ulen = len - 3 - alen;
	if (has > 1 || (has == 0 && ulen != 0) || ulen > ML_UNIT_MAX)
		return ML_E_CORRUPT;
	*unit = has ? (struct ml_str){(const char *)p + 3 + alen, ulen}
	            : (struct ml_str){NULL, 0};
	return 0;
}

/* 0, or ML_E_NOMEM when no SHA-256 could be had (ml_sha256). */
static int ml_act_hkey(const unsigned char *pair, size_t len, unsigned char *k)
{
	k[0] = 'h';
	return ml_sha256(pair, len, k + 1);
}

static void ml_act_nkey(uint32_t no, unsigned char *k)
{
	k[0] = 'n';
	ml_be32_put(k + 1, no);
}

int ml_act_count(struct ml_store *st, MDB_txn *txn, uint32_t *count)
{
	MDB_cursor *cur;
	*count = 0;
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_ACTN], &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	unsigned char k[5];
	ml_act_nkey(UINT32_MAX, k);
	MDB_val kv = {sizeof k, k}, val;
	rc = mdb_cursor_get(cur, &kv, &val, MDB_SET_RANGE);
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &kv, &val,
		                    rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc == 0 && kv.mv_size == 5 &&
	    ((unsigned char *)kv.mv_data)[0] == 'n')
		*count = ml_be32_get((unsigned char *)kv.mv_data + 1);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

int ml_act_find(struct ml_store *st, MDB_txn *txn, struct ml_str activity,
                struct ml_str unit, bool create, uint32_t *no)
{
	unsigned char pair[ML_ACT_PAIR_MAX], hk[1 + 32];
	size_t len = ml_act_pair(activity, unit, pair);
	MDB_val kv = {sizeof hk, hk}, val;
	*no = 0;
	int rc = ml_act_hkey(pair, len, hk);
	if (rc != 0)
		return rc;
	rc = mdb_get(txn, st->dbi[ML_DB_ACTN], &kv, &val);
	if (rc == 0) {
		if (val.mv_size != 4)
			return ML_E_CORRUPT;
		*no = ml_be32_get(val.mv_data);
		return *no == 0 ? ML_E_CORRUPT : 0;
	}
	if (rc != MDB_NOTFOUND || !create)
		return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
	uint32_t count;
	rc = ml_act_count(st, txn, &count);
	if (rc != 0)
		return rc;
	if (count == UINT32_MAX)
		return ML_E_TOO_LARGE;
	unsigned char nv[4], nk[5];
	ml_be32_put(nv, count + 1);
	ml_act_nkey(count + 1, nk);
	val = (MDB_val){4, nv};
	rc = mdb_put(txn, st->dbi[ML_DB_ACTN], &kv, &val, MDB_NOOVERWRITE);
	MDB_val nkv = {sizeof nk, nk}, pv = {len, pair};
	if (rc == 0)
		rc = mdb_put(txn, st->dbi[ML_DB_ACTN], &nkv, &pv,
		             MDB_NOOVERWRITE);
	if (rc == 0)
		*no = count + 1;
	return ml_error_from_mdb(rc);
}

int ml_act_name(struct ml_store *st, MDB_txn *txn, uint32_t no,
                struct ml_str *activity, struct ml_str *unit)
{
	unsigned char k[5];
	ml_act_nkey(no, k);
	MDB_val kv = {sizeof k, k}, val;
	int rc = mdb_get(txn, st->dbi[ML_DB_ACTN], &kv, &val);
	if (rc == MDB_NOTFOUND)
		return ML_E_CORRUPT; /* a series names a number never given */
	if (rc != 0)
		return ml_error_norm(rc);
	return ml_act_pair_decode(val.mv_data, val.mv_size, activity, unit);
}

int ml_act_keys(const unsigned char *pair, size_t len, uint32_t no,
                unsigned char *hkey, unsigned char *nkey)
{
	ml_act_nkey(no, nkey);
	return ml_act_hkey(pair, len, hkey);
}

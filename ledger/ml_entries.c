/*
 * ml_entries.c — day totals and event postings (see ml_entries.h).
 *
 * Values are packed: most accounts use 3–5 of the 11 counters, so a fixed
 * layout would be mostly zeros.
 *
 *   day record    u16 LE mask of the non-zero totals (bit = bucket),
 *                 then a zigzag varint per non-zero total in bucket order
 *   event chunk   see ml_chunk.h
 *
 * Every day record after a change is rewritten and checked in date order,
 * so the first day that breaks a rule is the one reported.
 */
#include "ml_entries.h"

#include <string.h>

#include "ml_assert.h"
#include "ml_known.h"
#include "ml_money.h"
#include "ml_store.h"
#include "ml_tails.h"

static size_t ml_day_pack(const int64_t *t, unsigned char *out)
{
	size_t n = 2;
	unsigned mask = 0;
	for (int b = 0; b < ML_BUCKETS; b++) {
		if (t[b] == 0)
			continue;
		mask |= 1u << b;
		n += ml_varint_put(out + n, ml_zigzag(t[b]));
	}
	out[0] = (unsigned char)mask;
	out[1] = (unsigned char)(mask >> 8);
	ML_ASSERT(n <= ML_DAY_PACKED_MAX);
	return n;
}

static int ml_day_unpack(const MDB_val *val, int64_t *t)
{
	const unsigned char *p = val->mv_data, *end = p + val->mv_size;
	memset(t, 0, sizeof(int64_t) * ML_BUCKETS);
	if (val->mv_size < 2)
		return ML_E_CORRUPT;
	unsigned mask = p[0] | (unsigned)p[1] << 8;
	p += 2;
	for (int b = 0; b < ML_BUCKETS; b++) {
		uint64_t v;
		if (!(mask & (1u << b)))
			continue;
		if (!ml_varint_get(&p, end, &v))
			return ML_E_CORRUPT;
		t[b] = ml_unzigzag(v);
	}
	return p == end && mask < (1u << ML_BUCKETS) ? 0 : ML_E_CORRUPT;
}

size_t ml_series_key(unsigned char *k, const unsigned char *prefix, size_t plen,
                     ml_day date, uint64_t seq, bool evt)
{
	ML_ASSERT(plen == 8 || plen == ML_PREFIX_MAX); /* account or edge */
	memcpy(k, prefix, plen);
	ml_be32_put(k + plen, (uint32_t)date);
	if (!evt)
		return plen + 4;
	ml_be64_put(k + plen + 4, seq);
	return plen + 12;
}

static size_t ml_key(unsigned char *k, const struct ml_series *s, ml_day date,
                     uint64_t seq, bool evt)
{
	return ml_series_key(k, s->prefix, s->plen, date, seq, evt);
}

static bool ml_in_series(const MDB_val *key, const struct ml_series *s,
                         size_t extra)
{
	return key->mv_size == s->plen + extra &&
	       memcmp(key->mv_data, s->prefix, s->plen) == 0;
}

int ml_series_totals_apply(int64_t *t, const struct ml_post *p, int sign)
{
	ML_ASSERT(sign == 1 || sign == -1);
	for (int i = 0; i < 2; i++) {
		if (p->bucket[i] < 0)
			continue;
		ML_ASSERT(ml_bucket_is_money(p->bucket[i]));
		int64_t d = sign > 0 ? p->delta[i] : -p->delta[i];
		if (ml_add_overflows(t[p->bucket[i]], d, &t[p->bucket[i]]))
			return ML_E_AMOUNT_RANGE;
	}
	t[ML_B_ENTRIES] += sign;
	return 0;
}

/* Puts a day record. When the cursor is on that record already
 * (old_size > 0) and the packed size is unchanged, it is overwritten in
 * place without a search. Otherwise it is put by key, copied first: a
 * key returned by LMDB points into the page the put may move (a value
 * whose size changes is deleted and reinserted). */
static int ml_day_put(MDB_cursor *cur, MDB_val *key, const int64_t *t,
                      size_t old_size)
{
	unsigned char buf[ML_DAY_PACKED_MAX], kbuf[ML_PREFIX_MAX + 4];
	MDB_val val = {ml_day_pack(t, buf), buf};
	ML_VERIFY(val.mv_size >= 2 && val.mv_size <= sizeof buf);
	if (val.mv_size == old_size)
		return ml_error_from_mdb(
		    mdb_cursor_put(cur, key, &val, MDB_CURRENT));
	if (key->mv_size > sizeof kbuf)
		return ML_E_CORRUPT;
	memcpy(kbuf, key->mv_data, key->mv_size);
	MDB_val k = {key->mv_size, kbuf};
	return ml_error_from_mdb(mdb_cursor_put(cur, &k, &val, 0));
}

/* From a chunk of s (rc 0): steps by op while on chunks, at most
 * ML_CHUNK_STEPS_MAX times; then, still on a chunk, seeks the day
 * record of its day + day_delta (SET_RANGE for the next day, SET_KEY for
 * its own). */
static int ml_past_chunks(const struct ml_series *s, MDB_cursor *cur, int rc,
                          MDB_val *key, MDB_val *val, MDB_cursor_op op,
                          int day_delta)
{
	unsigned char k[ML_PREFIX_MAX + 4];
	for (int i = 0;
	     rc == 0 && i < ML_CHUNK_STEPS_MAX && ml_in_series(key, s, 12); i++)
		rc = mdb_cursor_get(cur, key, val, op);
	if (rc != 0 || !ml_in_series(key, s, 12))
		return rc;
	ml_day day =
	    (ml_day)ml_be32_get((unsigned char *)key->mv_data + s->plen);
	*key = (MDB_val){ml_key(k, s, day + day_delta, 0, false), k};
	rc = mdb_cursor_get(cur, key, val,
	                    day_delta ? MDB_SET_RANGE : MDB_SET_KEY);
	return rc == MDB_NOTFOUND && day_delta == 0
	           ? ML_E_CORRUPT /* a chunk without its day */
	           : rc;
}

int ml_series_next_day(const struct ml_series *s, MDB_cursor *cur, MDB_val *key,
                       MDB_val *val)
{
	int rc = mdb_cursor_get(cur, key, val, MDB_NEXT);
	rc = ml_past_chunks(s, cur, rc, key, val, MDB_NEXT, 1);
	/* Still on a chunk only inside a batch, where the tails hold the
	 * day records of some days whose chunks are written. */
	while (rc == 0 && ml_in_series(key, s, 12))
		rc = ml_past_chunks(s, cur, rc, key, val, MDB_NEXT, 1);
	return rc;
}

/* After a step back (rc its result): s's totals at the day record there,
 * or at the day record heading the chunk there; zeros when the record
 * is another series'. */
static int ml_day_back(const struct ml_series *s, MDB_cursor *cur, int rc,
                       MDB_val *key, MDB_val *val, int64_t *t)
{
	memset(t, 0, sizeof(int64_t) * ML_BUCKETS);
	rc = ml_past_chunks(s, cur, rc, key, val, MDB_PREV, 0);
	if (rc == MDB_NOTFOUND || (rc == 0 && !ml_in_series(key, s, 4)))
		return 0;
	return rc == 0 ? ml_day_unpack(val, t) : ml_error_norm(rc);
}

/* From the cursor on the day record just written (whose totals are t):
 * checks that day, then adds sign × p to every later day of the series,
 * checking each. */
static int ml_days_walk(const struct ml_series *s, int64_t *t, ml_day day,
                        const struct ml_post *p, int sign, ml_check_fn check,
                        void *ctx)
{
	MDB_val key, val;
	struct ml_totals now;
	memcpy(now.v, t, sizeof now.v);
	int rc = check(&now, day, ctx);
	if (rc == 0)
		rc = ml_series_next_day(s, s->cur, &key, &val);
	while (rc == 0 && ml_in_series(&key, s, 4)) {
		day =
		    (ml_day)ml_be32_get((unsigned char *)key.mv_data + s->plen);
		rc = ml_day_unpack(&val, now.v);
		if (rc == 0)
			rc = ml_series_totals_apply(now.v, p, sign);
		if (rc == 0)
			rc = ml_day_put(s->cur, &key, now.v, val.mv_size);
		if (rc == 0)
			rc = check(&now, day, ctx);
		if (rc == 0)
			rc = ml_series_next_day(s, s->cur, &key, &val);
	}
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

/* ml_day_seek after its SET_RANGE to k (rc its result, the cursor on
 * key, val). */
static int ml_day_landed(const struct ml_series *s, MDB_cursor *cur, int rc,
                         MDB_val key, MDB_val val, const unsigned char *k,
                         size_t klen, int64_t *t, size_t *exact_size)
{
	memset(t, 0, sizeof(int64_t) * ML_BUCKETS);
	*exact_size = 0;
	if (rc == 0 && key.mv_size == klen &&
	    memcmp(key.mv_data, k, klen) == 0) {
		*exact_size = val.mv_size;
		return ml_day_unpack(&val, t);
	}
	if (rc == 0)
		rc = mdb_cursor_get(cur, &key, &val, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
	return ml_day_back(s, cur, rc, &key, &val, t);
}

/* The series' totals at the end of the last day before k's day; sets
 * *exact_size to the size of k's own day record when it exists (the
 * cursor is then on it), else 0. Chunks between are stepped over. */
static int ml_day_seek(const struct ml_series *s, MDB_cursor *cur,
                       const unsigned char *k, size_t klen, int64_t *t,
                       size_t *exact_size)
{
	MDB_val key = {klen, (void *)k}, val;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	return ml_day_landed(s, cur, rc, key, val, k, klen, t, exact_size);
}

/* Folds sign × p into the day record of date and all later ones, in the
 * database; the series' tail, if any, must have been dropped. */
static int ml_days_fold(const struct ml_series *s, ml_day date,
                        const struct ml_post *p, int sign, ml_check_fn check,
                        void *ctx)
{
	unsigned char k[ML_PREFIX_MAX + 4];
	int64_t t[ML_BUCKETS];
	size_t klen = ml_key(k, s, date, 0, false);
	size_t exact_size;
	int rc = ml_day_seek(s, s->cur, k, klen, t, &exact_size);
	if (rc == 0 && exact_size == 0 && sign < 0)
		rc = ML_E_CORRUPT; /* a retracted event's day must exist */
	if (rc == 0)
		rc = ml_series_totals_apply(t, p, sign);
	MDB_val key = {klen, k};
	if (rc == 0)
		rc = ml_day_put(s->cur, &key, t, exact_size);
	if (rc == 0)
		rc = ml_days_walk(s, t, date, p, sign, check, ctx);
	return rc;
}

/* The chunk of s whose key is the greatest ≤ prefix ‖ date ‖ seq, if it
 * is of date, into c (cleared when there is none). */
static int ml_chunk_before(const struct ml_series *s, ml_day date, uint64_t seq,
                           struct ml_chunk *c)
{
	unsigned char k[ML_EVT_KEY_MAX];
	size_t klen = ml_key(k, s, date, seq, true);
	MDB_val key = {klen, k}, val;
	ml_chunk_clear(c);
	int rc = mdb_cursor_get(s->cur, &key, &val, MDB_SET_RANGE);
	bool exact =
	    rc == 0 && key.mv_size == klen && memcmp(key.mv_data, k, klen) == 0;
	if (rc == 0 && !exact)
		rc = mdb_cursor_get(s->cur, &key, &val, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(s->cur, &key, &val, MDB_LAST);
	if (rc == MDB_NOTFOUND || (rc == 0 && !ml_in_series(&key, s, 12)))
		return 0;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	const unsigned char *kk = key.mv_data;
	if ((ml_day)ml_be32_get(kk + s->plen) != date)
		return 0;
	return ml_chunk_load(c, ml_be64_get(kk + s->plen + 4), val.mv_data,
	                     val.mv_size);
}

static int ml_chunk_put(const struct ml_series *s, ml_day date,
                        const struct ml_chunk *c)
{
	unsigned char k[ML_EVT_KEY_MAX];
	/* Guards the file: a chunk past its maximum would need an overflow
	 * page and could not be decoded back (ml_chunk_load refuses it). */
	ML_VERIFY(c->len > 0 && c->len <= ML_CHUNK_BYTES_MAX);
	ML_VERIFY(c->first_seq > 0 && c->first_seq <= c->last_seq);
	MDB_val key = {ml_key(k, s, date, c->first_seq, true), k};
	MDB_val val = {c->len, (void *)c->bytes};
	return ml_error_from_mdb(mdb_cursor_put(s->cur, &key, &val, 0));
}

int ml_series_chunk_last(const struct ml_series *s, ml_day date,
                         struct ml_chunk *c)
{
	return ml_chunk_before(s, date, UINT64_MAX, c);
}

int ml_series_chunk_insert(const struct ml_series *s, ml_day date, uint64_t seq,
                           const struct ml_post *p)
{
	struct ml_chunk c;
	int rc = ml_chunk_before(s, date, UINT64_MAX, &c);
	if (rc == 0 && c.len > 0 && seq <= c.last_seq)
		rc = ML_E_CORRUPT; /* seqs only grow */
	if (rc != 0)
		return rc;
	if (!ml_chunk_has_room(&c))
		ml_chunk_clear(&c);
	ml_chunk_append(&c, seq, p);
	return ml_chunk_put(s, date, &c);
}

/* The database path of an insert. */
static int ml_insert_db(const struct ml_series *s, ml_day date, uint64_t seq,
                        const struct ml_post *p, ml_check_fn check, void *ctx)
{
	int rc = ml_series_chunk_insert(s, date, seq, p);
	return rc != 0 ? rc : ml_days_fold(s, date, p, +1, check, ctx);
}

/* Before the database path: the series' tail, if any, written and
 * forgotten. */
static int ml_tail_drop(const struct ml_series *s)
{
	return s->tails != NULL ? ml_tails_drop(s->tails, s) : 0;
}

int ml_entries_insert(const struct ml_series *s, ml_day date, uint64_t seq,
                      const struct ml_post *p, ml_check_fn check, void *ctx)
{
	ML_ASSERT(seq > 0);
	if (s->known != NULL) {
		int rc = ml_known_note(s->known, s, date, seq, 0, p);
		if (rc != 0)
			return rc;
	}
	if (s->tails != NULL) {
		bool done;
		int rc = ml_tails_insert(s->tails, s, date, seq, p, check, ctx,
		                         &done);
		if (rc != 0 || done)
			return rc;
	}
	return ml_insert_db(s, date, seq, p, check, ctx);
}

int ml_entries_retract(const struct ml_series *s, ml_day date, uint64_t seq,
                       uint64_t by_seq, ml_check_fn check, void *ctx)
{
	struct ml_chunk c;
	struct ml_post p;
	ML_ASSERT(seq > 0 && by_seq > seq); /* ml_rules_correct.c checked */
	int rc = ml_tail_drop(s);
	if (rc == 0)
		rc = ml_chunk_before(s, date, seq, &c);
	if (rc == 0 && c.len == 0)
		rc = ML_E_NOT_FOUND;
	if (rc == 0)
		rc = ml_chunk_correct(&c, seq, by_seq, &p);
	if (rc == 0 && s->known != NULL)
		rc = ml_known_note(s->known, s, date, seq, by_seq, &p);
	if (rc == 0)
		rc = ml_chunk_put(s, date, &c);
	if (rc == 0)
		rc = ml_days_fold(s, date, &p, -1, check, ctx);
	return rc;
}

int ml_series_day_before(const struct ml_series *s, MDB_cursor *cur, ml_day day,
                         int64_t *t)
{
	unsigned char k[ML_PREFIX_MAX + 4];
	size_t klen = ml_key(k, s, day, 0, false);
	size_t exact_size;
	int rc = ml_day_seek(s, cur, k, klen, t, &exact_size);
	if (rc != 0 || exact_size == 0)
		return rc;
	/* day's own record: the totals before are the previous record's */
	MDB_val key, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_PREV);
	return ml_day_back(s, cur, rc, &key, &val, t);
}

int ml_entries_at(const struct ml_series *s, ml_day as_of,
                  struct ml_totals *out, bool *exists)
{
	unsigned char k[ML_PREFIX_MAX + 4];
	size_t klen = ml_key(k, s, as_of, 0, false);
	MDB_cursor *cur = s->rcur;
	int rc = ml_tail_drop(s);
	if (rc != 0)
		return rc;
	if (cur == NULL && (rc = mdb_cursor_open(s->txn, s->dbi, &cur)) != 0)
		return ml_error_from_mdb(rc);
	size_t exact_size;
	rc = ml_day_seek(s, cur, k, klen, out->v, &exact_size);
	if (cur != s->rcur)
		mdb_cursor_close(cur);
	*exists = rc == 0 && out->v[ML_B_ENTRIES] > 0;
	return rc;
}

int ml_entries_at_next(const struct ml_series *s, MDB_cursor *cur, ml_day as_of,
                       struct ml_totals *out, bool *exists,
                       unsigned char *next_prefix)
{
	unsigned char k[ML_PREFIX_MAX + 4];
	size_t klen = ml_key(k, s, as_of, 0, false), exact_size;
	int rc = ml_tail_drop(s);
	if (rc != 0)
		return rc;
	MDB_val key = {klen, k}, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	memset(next_prefix, 0, s->plen);
	if (rc == 0 && key.mv_size >= s->plen + 4)
		memcpy(next_prefix, key.mv_data, s->plen);
	rc = ml_day_landed(s, cur, rc, key, val, k, klen, out->v, &exact_size);
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
	struct ml_post p = {{e->bucket[0], e->bucket[1]},
	                    {e->delta[0], e->delta[1]}};
	return ml_series_totals_apply(k->out->v, &p, +1);
}

int ml_entries_known(const struct ml_series *s, ml_day as_of,
                     uint64_t known_seq, struct ml_totals *out, bool *exists)
{
	memset(out, 0, sizeof *out);
	if (s->has_known && s->cur == NULL) {
		MDB_cursor *kcur;
		int rc = mdb_cursor_open(s->txn, s->kdbi, &kcur);
		if (rc != 0)
			return ml_error_from_mdb(rc);
		rc = ml_known_totals(s, kcur, as_of, known_seq, NULL, out);
		mdb_cursor_close(kcur);
		*exists = rc == 0 && out->v[ML_B_ENTRIES] > 0;
		return rc;
	}
	struct ml_known_sum k = {known_seq, out};
	int rc = ml_entries_scan(s, 0, as_of, ml_known_add, &k);
	*exists = rc == 0 && out->v[ML_B_ENTRIES] > 0;
	return rc;
}

int ml_series_day_decode(const MDB_val *val, int64_t *totals)
{
	return ml_day_unpack(val, totals);
}

size_t ml_series_day_encode(const int64_t *totals, unsigned char *out)
{
	return ml_day_pack(totals, out);
}

int ml_series_chunk_open(const MDB_val *key, const MDB_val *val, size_t plen,
                         ml_day *date, struct ml_chunk_reader *r)
{
	const unsigned char *k = key->mv_data;
	if (key->mv_size != plen + 12 || val->mv_size == 0 ||
	    val->mv_size > ML_CHUNK_BYTES_MAX)
		return ML_E_CORRUPT;
	*date = (ml_day)ml_be32_get(k + plen);
	ml_chunk_reader_init(r, ml_be64_get(k + plen + 4), val->mv_data,
	                     val->mv_size);
	return 0;
}

void ml_entry_info_set(struct ml_entry_info *e, ml_day date, uint64_t seq,
                       const struct ml_post *p, uint64_t corrected_by)
{
	e->date = date;
	e->seq = seq;
	e->corrected_by = corrected_by;
	for (int i = 0; i < 2; i++) {
		e->bucket[i] = p->bucket[i];
		e->delta[i] = p->delta[i];
	}
}

/* fn for each entry of one chunk: 0, fn's non-zero, or ML_E_CORRUPT. */
static int ml_chunk_each(const MDB_val *key, const MDB_val *val, size_t plen,
                         ml_entry_fn fn, void *arg)
{
	struct ml_chunk_reader r;
	struct ml_entry_info e;
	struct ml_post p;
	uint64_t seq, by;
	ml_day date;
	int rc = ml_series_chunk_open(key, val, plen, &date, &r);
	if (rc != 0)
		return rc;
	for (rc = ml_chunk_read(&r, &seq, &p, &by); rc == 1;
	     rc = ml_chunk_read(&r, &seq, &p, &by)) {
		ml_entry_info_set(&e, date, seq, &p, by);
		rc = fn(&e, arg);
		if (rc != 0)
			return rc;
	}
	return rc;
}

int ml_entries_scan(const struct ml_series *s, ml_day first_day,
                    ml_day last_day, ml_entry_fn fn, void *arg)
{
	unsigned char k[ML_EVT_KEY_MAX];
	MDB_cursor *cur;
	int rc = ml_tail_drop(s); /* a writer's last chunk, into the database */
	if (rc != 0)
		return rc;
	rc = mdb_cursor_open(s->txn, s->dbi, &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	MDB_val key = {ml_key(k, s, first_day, 0, false), k}, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	while (rc == 0 &&
	       (ml_in_series(&key, s, 4) || ml_in_series(&key, s, 12))) {
		if ((ml_day)ml_be32_get((unsigned char *)key.mv_data +
		                        s->plen) > last_day)
			break;
		if (key.mv_size == s->plen + 12)
			rc = ml_chunk_each(&key, &val, s->plen, fn, arg);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

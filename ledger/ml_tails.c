/*
 * ml_tails.c — a batch's series tails (see ml_tails.h).
 *
 * An open-addressing table keyed by the series prefix (its length tells
 * account from edge), linear probing. Forgetting one series keeps its
 * key in the slot (valid = false), so probing needs no tombstones; the
 * list of used slots lets a batch clear only what it used. A tail's day
 * records are one malloc'd array, freed when the tail is forgotten.
 */
#include "ml_tails.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_error.h"

struct ml_tails {
	MDB_cursor *cur[ML_SERIES_DBS]; /* acct, edge, act */
	uint32_t days_total; /* day records allocated to valid tails */
	size_t used_count;
	struct ml_tail *used[ML_TAILS_MAX]; /* slots holding a key */
	struct ml_tail slot[ML_TAILS_MAX];
};

int ml_tails_new(struct ml_tails **out)
{
	*out = calloc(1, sizeof **out);
	return *out == NULL ? ML_E_NOMEM : 0;
}

void ml_tails_free(struct ml_tails *t)
{
	if (t == NULL)
		return;
	ml_tails_reset(t);
	free(t);
}

void ml_tails_begin(struct ml_tails *t, MDB_cursor *const *cur)
{
	ml_tails_reset(t);
	memcpy(t->cur, cur, sizeof t->cur);
}

static size_t ml_tails_hash(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	size_t i = h & (ML_TAILS_MAX - 1);
	ML_ASSERT(i < ML_TAILS_MAX);
	return i;
}

/* The slot holding s's key, or the free slot where it would go. */
static struct ml_tail *ml_tails_slot(struct ml_tails *t,
                                     const struct ml_series *s)
{
	size_t i = ml_tails_hash(s->prefix, s->plen);
	ML_ASSERT(s->plen > 0 && s->plen <= ML_PREFIX_MAX);
	ML_ASSERT(t->used_count <= ML_TAILS_LOAD_MAX);
	for (size_t probes = 0;; probes++) {
		/* ≤ ML_TAILS_LOAD_MAX slots hold a key: a free one is near. */
		ML_ASSERT(probes <= ML_TAILS_LOAD_MAX);
		struct ml_tail *e = &t->slot[i];
		if (e->plen == 0 ||
		    (e->plen == s->plen && e->db == s->db &&
		     memcmp(e->prefix, s->prefix, s->plen) == 0))
			return e;
		i = (i + 1) & (ML_TAILS_MAX - 1);
	}
}

static struct ml_tail *ml_tails_find(struct ml_tails *t,
                                     const struct ml_series *s)
{
	struct ml_tail *e = ml_tails_slot(t, s);
	return e->plen != 0 && e->valid ? e : NULL;
}

/* Room for n days in w: 0, ML_E_NOMEM, or ML_E_TOO_LARGE past the
 * batch's limit. */
static int ml_tail_reserve(struct ml_tails *t, struct ml_tail *w, uint32_t n)
{
	if (n <= w->cap)
		return 0;
	size_t cap = w->cap;
	int rc = ml_grow((void **)&w->days, &cap, n, sizeof *w->days,
	                 ML_TAILS_DAYS_MAX - (t->days_total - w->cap));
	if (rc != 0)
		return rc;
	ML_ASSERT(cap >= n);
	t->days_total += (uint32_t)cap - w->cap;
	w->cap = (uint32_t)cap;
	return 0;
}

/* Forgets w without writing; its slot keeps the key. */
static void ml_tail_forget(struct ml_tails *t, struct ml_tail *w)
{
	ML_ASSERT(t->days_total >= w->cap);
	t->days_total -= w->cap;
	free(w->days);
	w->days = NULL;
	w->cap = w->n = 0;
	w->valid = false;
}

/* Puts one record through cur; the key is built from w's prefix. */
static int ml_tail_put(MDB_cursor *cur, const struct ml_tail *w, ml_day day,
                       uint64_t seq, bool evt, const void *data, size_t len)
{
	unsigned char k[ML_EVT_KEY_MAX];
	/* Guards the file, as ml_entries.c's ml_chunk_put does. */
	ML_VERIFY(evt ? len > 0 && len <= ML_CHUNK_BYTES_MAX && seq > 0
	              : len >= 2 && len <= ML_DAY_PACKED_MAX);
	MDB_val key = {ml_series_key(k, w->prefix, w->plen, day, seq, evt), k};
	MDB_val val = {len, (void *)data};
	return ml_error_from_mdb(mdb_cursor_put(cur, &key, &val, 0));
}

/* Writes w's chunk if dirty. */
static int ml_tail_write_chunk(struct ml_tails *t, struct ml_tail *w)
{
	if (!w->chunk_dirty || w->chunk.len == 0)
		return 0;
	MDB_cursor *cur = t->cur[w->db];
	int rc = ml_tail_put(cur, w, w->days[w->n - 1].day, w->chunk.first_seq,
	                     true, w->chunk.bytes, w->chunk.len);
	if (rc == 0)
		w->chunk_dirty = false;
	return rc;
}

/* Writes w's dirty day records, in date order, and its chunk. */
static int ml_tail_write(struct ml_tails *t, struct ml_tail *w)
{
	unsigned char v[ML_DAY_PACKED_MAX];
	MDB_cursor *cur = t->cur[w->db];
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < w->n; i++) {
		struct ml_tail_day *d = &w->days[i];
		if (!d->dirty)
			continue;
		rc = ml_tail_put(cur, w, d->day, 0, false, v,
		                 ml_series_day_encode(d->totals.v, v));
		d->dirty = false;
	}
	return rc != 0 ? rc : ml_tail_write_chunk(t, w);
}

int ml_tails_drop(struct ml_tails *t, const struct ml_series *s)
{
	struct ml_tail *w = ml_tails_find(t, s);
	if (w == NULL)
		return 0;
	int rc = ml_tail_write(t, w);
	ml_tail_forget(t, w);
	return rc;
}

static int ml_tails_cmp(const void *a, const void *b)
{
	const struct ml_tail *x = *(struct ml_tail *const *)a;
	const struct ml_tail *y = *(struct ml_tail *const *)b;
	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return memcmp(x->prefix, y->prefix, x->plen);
}

int ml_tails_flush(struct ml_tails *t)
{
	int rc = 0;
	qsort(t->used, t->used_count, sizeof t->used[0], ml_tails_cmp);
	for (size_t i = 0; rc == 0 && i < t->used_count; i++) {
		struct ml_tail *w = t->used[i];
		if (w->valid)
			rc = ml_tail_write(t, w);
	}
	ml_tails_reset(t);
	return rc;
}

void ml_tails_reset(struct ml_tails *t)
{
	for (size_t i = 0; i < t->used_count; i++) {
		if (t->used[i]->valid)
			ml_tail_forget(t, t->used[i]);
		t->used[i]->plen = 0;
	}
	t->used_count = 0;
}

/* --- making, extending and folding into a tail --- */

static bool ml_day_key_of(const MDB_val *key, const struct ml_series *s)
{
	return key->mv_size == s->plen + 4 &&
	       memcmp(key->mv_data, s->prefix, s->plen) == 0;
}

static ml_day ml_day_of(const MDB_val *key, const struct ml_series *s)
{
	return (ml_day)ml_be32_get((const unsigned char *)key->mv_data +
	                           s->plen);
}

/* The cursor on s's first day record dated ≥ from (rc 0 and a key not
 * of s's days when there is none); k: room for the search key. */
static int ml_tail_first(const struct ml_series *s, ml_day from,
                         unsigned char *k, MDB_val *key, MDB_val *val)
{
	*key =
	    (MDB_val){ml_series_key(k, s->prefix, s->plen, from, 0, false), k};
	int rc = mdb_cursor_get(s->cur, key, val, MDB_SET_RANGE);
	if (rc == 0 && !ml_day_key_of(key, s) && key->mv_size == s->plen + 12 &&
	    memcmp(key->mv_data, s->prefix, s->plen) == 0)
		rc = ml_series_next_day(s, s->cur, key, val);
	return rc;
}

/* The number of s's day records dated from ..< until (at most one more
 * than the batch may hold). */
static int ml_tail_count(const struct ml_series *s, ml_day from, ml_day until,
                         uint32_t *count)
{
	unsigned char k[ML_PREFIX_MAX + 4];
	MDB_val key, val;
	*count = 0;
	int rc = ml_tail_first(s, from, k, &key, &val);
	while (rc == 0 && ml_day_key_of(&key, s) &&
	       ml_day_of(&key, s) < until && *count <= ML_TAILS_DAYS_MAX) {
		(*count)++;
		rc = ml_series_next_day(s, s->cur, &key, &val);
	}
	return rc == MDB_NOTFOUND ? 0 : ml_error_from_mdb(rc);
}

/* Reads count day records of s from `from` on into out, and the totals
 * of the record before `from` into base. */
static int ml_tail_read(const struct ml_series *s, ml_day from, uint32_t count,
                        struct ml_tail_day *out, int64_t *base)
{
	unsigned char k[ML_PREFIX_MAX + 4];
	MDB_val key, val;
	int rc = ml_tail_first(s, from, k, &key, &val);
	for (uint32_t i = 0; rc == 0 && i < count; i++) {
		out[i].day = ml_day_of(&key, s);
		out[i].dirty = false;
		rc = ml_series_day_decode(&val, out[i].totals.v);
		if (rc == 0)
			rc = ml_series_next_day(s, s->cur, &key, &val);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ml_error_norm(rc);
	return ml_series_day_before(s, s->cur, from, base);
}

/* Puts s's day records dated from ..< until in front of w's (until: w's
 * lo, or past every day for a new tail) and moves lo to from. */
static int ml_tail_load(struct ml_tails *t, struct ml_tail *w,
                        const struct ml_series *s, ml_day from, ml_day until)
{
	uint32_t count;
	int rc = ml_tail_count(s, from, until, &count);
	if (rc == 0)
		rc = ml_tail_reserve(t, w, w->n + count + 1);
	if (rc != 0)
		return rc;
	memmove(w->days + count, w->days, w->n * sizeof *w->days);
	rc = ml_tail_read(s, from, count, w->days, w->base);
	w->n += count;
	w->lo = from;
	return rc;
}

/* s's tail covering date on, made or extended (or NULL with 0 when the
 * limits leave no room: s then has no tail). */
static int ml_tail_get(struct ml_tails *t, const struct ml_series *s,
                       ml_day date, struct ml_tail **out)
{
	struct ml_tail *w = ml_tails_slot(t, s);
	int rc = 0;
	*out = NULL;
	if (w->plen != 0 && w->valid && date >= w->lo) {
		*out = w;
		return 0;
	}
	if (w->plen == 0 && t->used_count >= ML_TAILS_LOAD_MAX) {
		rc = ml_tails_flush(t);
		w = ml_tails_slot(t, s);
	}
	if (rc == 0 && w->plen == 0) {
		ML_ASSERT(t->used_count < ML_TAILS_LOAD_MAX);
		memcpy(w->prefix, s->prefix, s->plen);
		w->plen = (uint8_t)s->plen;
		w->db = s->db;
		t->used[t->used_count++] = w;
	}
	if (rc == 0 && !w->valid) {
		w->valid = true;
		w->chunk_valid = w->chunk_dirty = false;
		w->n = 0;
		rc = ml_tail_load(t, w, s, date, ML_DAY_MAX + 1);
	} else if (rc == 0) {
		rc = ml_tail_load(t, w, s, date, w->lo);
	}
	if (rc == ML_E_TOO_LARGE) /* written, forgotten: the database path */
		return ml_tails_drop(t, s);
	*out = rc == 0 ? w : NULL;
	return rc;
}

/* The event entry: appended to the chunk held for the tail's last day
 * when date is that day or a new last day; otherwise (back-dated within
 * the tail) through the database. */
static int ml_tail_entry(struct ml_tails *t, struct ml_tail *w,
                         const struct ml_series *s, ml_day date, uint64_t seq,
                         const struct ml_post *p)
{
	int rc = 0;
	ml_day last = w->n > 0 ? w->days[w->n - 1].day : date - 1;
	if (date < last)
		return ml_series_chunk_insert(s, date, seq, p);
	if (date > last) {
		rc = w->n > 0 ? ml_tail_write_chunk(t, w) : 0;
		ml_chunk_clear(&w->chunk);
		w->chunk_valid = true;
	} else if (!w->chunk_valid) {
		rc = ml_series_chunk_last(s, date, &w->chunk);
		w->chunk_valid = rc == 0;
	}
	if (rc == 0 && !ml_chunk_has_room(&w->chunk)) {
		rc = ml_tail_write_chunk(t, w);
		ml_chunk_clear(&w->chunk);
	}
	if (rc != 0)
		return rc;
	ml_chunk_append(&w->chunk, seq, p);
	w->chunk_dirty = true;
	return 0;
}

/* The index of date's record in w, inserted (capacity reserved) with the
 * totals of the day before when there was none. */
static uint32_t ml_tail_day_at(struct ml_tail *w, ml_day date)
{
	uint32_t i = w->n;
	while (i > 0 && w->days[i - 1].day >= date)
		i--;
	if (i < w->n && w->days[i].day == date)
		return i;
	memmove(w->days + i + 1, w->days + i, (w->n - i) * sizeof *w->days);
	w->n++;
	w->days[i].day = date;
	memcpy(w->days[i].totals.v, i > 0 ? w->days[i - 1].totals.v : w->base,
	       sizeof w->days[i].totals.v);
	return i;
}

int ml_tails_insert(struct ml_tails *t, const struct ml_series *s, ml_day date,
                    uint64_t seq, const struct ml_post *p, ml_check_fn check,
                    void *ctx, bool *done)
{
	struct ml_tail *w;
	*done = false;
	int rc = ml_tail_get(t, s, date, &w);
	if (rc == 0 && w != NULL)
		rc = ml_tail_reserve(t, w, w->n + 1);
	if (rc == ML_E_TOO_LARGE)
		return ml_tails_drop(t, s);
	if (rc != 0 || w == NULL)
		return rc;
	*done = true;
	rc = ml_tail_entry(t, w, s, date, seq, p);
	for (uint32_t i = ml_tail_day_at(w, date); rc == 0 && i < w->n; i++) {
		w->days[i].dirty = true;
		rc = ml_series_totals_apply(w->days[i].totals.v, p, +1);
		if (rc == 0)
			rc = check(&w->days[i].totals, w->days[i].day, ctx);
	}
	return rc;
}

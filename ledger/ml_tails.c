/*
 * ml_tails.c — a batch's series tails (see ml_tails.h).
 *
 * An open-addressing table keyed by the series prefix (its length tells
 * account from edge), linear probing. Forgetting one series keeps its
 * key in the slot (valid = false), so probing needs no tombstones; the
 * list of used slots lets a batch clear only what it used.
 */
#include "ml_tails.h"

#include <stdlib.h>
#include <string.h>

#include "ml_error.h"

#define ML_TAILS_LOAD_MAX (ML_TAILS_MAX / 4 * 3)

struct ml_tails {
	MDB_cursor *cur[4]; /* acct day, acct evt, edge day, edge evt */
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
	return h & (ML_TAILS_MAX - 1);
}

/* The slot holding s's key, or the free slot where it would go. */
static struct ml_tail *ml_tails_slot(struct ml_tails *t,
                                     const struct ml_series *s)
{
	size_t i = ml_tails_hash(s->prefix, s->plen);
	for (;;) {
		struct ml_tail *e = &t->slot[i];
		if (e->plen == 0 ||
		    (e->plen == s->plen &&
		     memcmp(e->prefix, s->prefix, s->plen) == 0))
			return e;
		i = (i + 1) & (ML_TAILS_MAX - 1);
	}
}

struct ml_tail *ml_tails_find(struct ml_tails *t, const struct ml_series *s)
{
	struct ml_tail *e = ml_tails_slot(t, s);
	return e->plen != 0 && e->valid ? e : NULL;
}

int ml_tails_add(struct ml_tails *t, const struct ml_series *s, ml_day day,
                 const int64_t *totals, const struct ml_chunk *c)
{
	struct ml_tail *e = ml_tails_slot(t, s);
	if (e->plen == 0 && t->used_count >= ML_TAILS_LOAD_MAX) {
		int rc = ml_tails_flush(t);
		if (rc != 0)
			return rc;
		e = ml_tails_slot(t, s);
	}
	if (e->plen == 0) {
		memcpy(e->prefix, s->prefix, s->plen);
		e->plen = (uint8_t)s->plen;
		t->used[t->used_count++] = e;
	}
	e->valid = true;
	e->dirty = false;
	e->day = day;
	memcpy(e->totals, totals, sizeof e->totals);
	e->chunk.first_seq = c->first_seq;
	e->chunk.last_seq = c->last_seq;
	e->chunk.len = c->len;
	memcpy(e->chunk.bytes, c->bytes, c->len);
	return 0;
}

/* Puts one record through cur; the key is built from e's prefix. */
static int ml_tails_put(MDB_cursor *cur, const struct ml_tail *e, uint64_t seq,
                        bool evt, const void *data, size_t len)
{
	unsigned char k[ML_EVT_KEY_MAX];
	MDB_val key = {ml_series_key(k, e->prefix, e->plen, e->day, seq, evt),
	               k};
	MDB_val val = {len, (void *)data};
	return ml_error_from_mdb(mdb_cursor_put(cur, &key, &val, 0));
}

int ml_tails_write(struct ml_tails *t, struct ml_tail *e)
{
	if (!e->dirty)
		return 0;
	unsigned char v[ML_DAY_PACKED_MAX];
	MDB_cursor *const *cur = &t->cur[e->plen == ML_PREFIX_MAX ? 2 : 0];
	int rc = ml_tails_put(cur[0], e, 0, false, v,
	                      ml_series_day_encode(e->totals, v));
	if (rc == 0 && e->chunk.len > 0)
		rc = ml_tails_put(cur[1], e, e->chunk.first_seq, true,
		                  e->chunk.bytes, e->chunk.len);
	if (rc == 0)
		e->dirty = false;
	return rc;
}

int ml_tails_drop(struct ml_tails *t, const struct ml_series *s)
{
	struct ml_tail *e = ml_tails_find(t, s);
	if (e == NULL)
		return 0;
	int rc = ml_tails_write(t, e);
	e->valid = false;
	return rc;
}

static int ml_tails_cmp(const void *a, const void *b)
{
	const struct ml_tail *x = *(struct ml_tail *const *)a;
	const struct ml_tail *y = *(struct ml_tail *const *)b;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return memcmp(x->prefix, y->prefix, x->plen);
}

int ml_tails_flush(struct ml_tails *t)
{
	int rc = 0;
	qsort(t->used, t->used_count, sizeof t->used[0], ml_tails_cmp);
	for (size_t i = 0; rc == 0 && i < t->used_count; i++) {
		struct ml_tail *e = t->used[i];
		if (e->valid)
			rc = ml_tails_write(t, e);
	}
	ml_tails_reset(t);
	return rc;
}

void ml_tails_reset(struct ml_tails *t)
{
	for (size_t i = 0; i < t->used_count; i++)
		t->used[i]->plen = 0;
	t->used_count = 0;
}

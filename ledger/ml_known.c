/*
 * ml_known.c — "as known at T" in a few seeks (see ml_known.h).
 *
 * One function decides every record, mk_series_apply: the writer's flush,
 * the migration and verify all feed it one series' notes in seq order,
 * from the series' last checkpoint (or none), and take what it emits.
 */
#include "ml_known.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_money.h"
#include "ml_store.h"
#include "ml_varint.h"

#define MK_CHECKPOINT 'c'
#define MK_LATE       'l'
#define MK_CP_VAL_MAX (2 * ML_VARINT_MAX + ML_DAY_PACKED_MAX)

/* A series' state between notes: its latest checkpoint, in memory. */
struct mk_state {
	bool have; /* a checkpoint exists */
	bool dirty;
	uint64_t block;
	ml_day f_start, f; /* -1 = none */
	int64_t t[ML_BUCKETS];
};

typedef int (*mk_emit_fn)(const MDB_val *key, const MDB_val *val, void *arg);

/* db ‖ prefix: the series' key prefix in the known database. */
static size_t mk_sid(unsigned char *k, uint8_t db, const unsigned char *prefix,
                     size_t plen)
{
	ML_ASSERT(plen == 8 || plen == ML_PREFIX_MAX);
	k[0] = db;
	memcpy(k + 1, prefix, plen);
	return 1 + plen;
}

static size_t mk_cp_key(unsigned char *k, uint8_t db,
                        const unsigned char *prefix, size_t plen,
                        uint64_t block)
{
	size_t n = mk_sid(k, db, prefix, plen);
	k[n] = MK_CHECKPOINT;
	ml_be64_put(k + n + 1, block);
	return n + 9;
}

static size_t mk_late_key(unsigned char *k, uint8_t db,
                          const unsigned char *prefix, size_t plen, ml_day date,
                          uint64_t seq, uint64_t entry_seq)
{
	size_t n = mk_sid(k, db, prefix, plen);
	k[n] = MK_LATE;
	ml_be32_put(k + n + 1, (uint32_t)date);
	ml_be64_put(k + n + 5, seq);
	ml_be64_put(k + n + 13, entry_seq);
	return n + 21;
}

static size_t mk_cp_pack(const struct mk_state *s, unsigned char *out)
{
	size_t n = ml_varint_put(out, ml_zigzag(s->f_start));
	n += ml_varint_put(out + n, ml_zigzag(s->f));
	return n + ml_series_day_encode(s->t, out + n);
}

static int mk_cp_unpack(const MDB_val *val, struct mk_state *s)
{
	const unsigned char *p = val->mv_data, *end = p + val->mv_size;
	uint64_t fs, f;
	if (!ml_varint_get(&p, end, &fs) || !ml_varint_get(&p, end, &f))
		return ML_E_CORRUPT;
	s->f_start = (ml_day)ml_unzigzag(fs);
	s->f = (ml_day)ml_unzigzag(f);
	if (s->f < 0 || s->f > ML_DAY_MAX || s->f_start < -1 ||
	    s->f_start > s->f)
		return ML_E_CORRUPT;
	MDB_val rest = {(size_t)(end - p), (void *)p};
	return ml_series_day_decode(&rest, s->t);
}

/* --- the one rule ------------------------------------------------------ */

static int mk_emit_cp(const struct ml_known_note *x, const struct mk_state *s,
                      mk_emit_fn emit, void *arg)
{
	unsigned char k[ML_KNOWN_KEY_MAX], v[MK_CP_VAL_MAX];
	MDB_val key = {mk_cp_key(k, x->db, x->prefix, x->plen, s->block), k};
	MDB_val val = {mk_cp_pack(s, v), v};
	return emit(&key, &val, arg);
}

static int mk_emit_late(const struct ml_known_note *x, uint64_t seq, int sign,
                        mk_emit_fn emit, void *arg)
{
	unsigned char k[ML_KNOWN_KEY_MAX], v[ML_DAY_PACKED_MAX];
	int64_t t[ML_BUCKETS] = {0};
	int rc = ml_series_totals_apply(t, &x->post, sign);
	if (rc != 0)
		return rc;
	MDB_val key = {
	    mk_late_key(k, x->db, x->prefix, x->plen, x->date, seq, x->seq), k};
	MDB_val val = {ml_series_day_encode(t, v), v};
	return emit(&key, &val, arg);
}

/* An insert: into the block's in-order totals, or a late record. */
static int mk_apply_insert(const struct ml_known_note *x, struct mk_state *s,
                           mk_emit_fn emit, void *arg)
{
	uint64_t block = x->seq >> ML_KNOWN_BLOCK_BITS;
	ML_ASSERT(!s->have || block >= s->block); /* seqs only grow */
	if (!s->have || block != s->block) {
		int rc = s->dirty ? mk_emit_cp(x, s, emit, arg) : 0;
		if (rc != 0)
			return rc;
		s->f_start = s->have ? s->f : -1;
		s->f = s->f_start;
		s->block = block;
		s->have = true;
		s->dirty = false;
	}
	if (s->f_start >= 0 && x->date < s->f_start)
		return mk_emit_late(x, x->seq, +1, emit, arg);
	int rc = ml_series_totals_apply(s->t, &x->post, +1);
	if (x->date > s->f)
		s->f = x->date;
	s->dirty = true;
	return rc;
}

/* Applies one series' notes v[0..n), in seq order, to its state s and
 * emits its records; the last checkpoint too when it changed. */
static int mk_series_apply(const struct ml_known_note *v, size_t n,
                           struct mk_state *s, mk_emit_fn emit, void *arg)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = v[i].by != 0 ? mk_emit_late(&v[i], v[i].by, -1, emit, arg)
		                  : mk_apply_insert(&v[i], s, emit, arg);
	if (rc == 0 && n > 0 && s->dirty)
		rc = mk_emit_cp(&v[n - 1], s, emit, arg);
	return rc;
}

/* --- notes ------------------------------------------------------------- */

int ml_known_note(struct ml_known_notes *notes, const struct ml_series *s,
                  ml_day date, uint64_t seq, uint64_t by,
                  const struct ml_post *p)
{
	ML_ASSERT(seq > 0 && (by == 0 || by > seq));
	int rc = ml_grow((void **)&notes->v, &notes->cap, notes->n + 1,
	                 sizeof *notes->v, SIZE_MAX / sizeof *notes->v);
	if (rc != 0)
		return rc;
	struct ml_known_note *x = &notes->v[notes->n++];
	memset(x, 0, sizeof *x);
	x->db = s->db;
	x->plen = (uint8_t)s->plen;
	memcpy(x->prefix, s->prefix, s->plen);
	x->date = date;
	x->seq = seq;
	x->by = by;
	x->post = *p;
	return 0;
}

static int mk_same_series(const struct ml_known_note *a,
                          const struct ml_known_note *b)
{
	if (a->db != b->db)
		return a->db < b->db ? -1 : 1;
	return memcmp(a->prefix, b->prefix, a->plen);
}

static int mk_note_cmp(const void *x, const void *y)
{
	const struct ml_known_note *a = x, *b = y;
	int c = mk_same_series(a, b);
	if (c != 0)
		return c;
	uint64_t sa = a->by != 0 ? a->by : a->seq;
	uint64_t sb = b->by != 0 ? b->by : b->seq;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

void ml_known_forget(struct ml_known_notes *notes, bool free_too)
{
	if (free_too) {
		free(notes->v);
		notes->v = NULL;
		notes->cap = 0;
	}
	notes->n = 0;
}

/* --- the writer -------------------------------------------------------- */

static int mk_put(const MDB_val *key, const MDB_val *val, void *arg)
{
	MDB_val k = *key, v = *val;
	return ml_error_from_mdb(mdb_cursor_put(arg, &k, &v, 0));
}

/* The series' last checkpoint into s (s->have false when none). */
static int mk_state_load(MDB_cursor *cur, const struct ml_known_note *x,
                         struct mk_state *s)
{
	unsigned char k[ML_KNOWN_KEY_MAX];
	size_t klen = mk_cp_key(k, x->db, x->prefix, x->plen, UINT64_MAX);
	MDB_val key = {klen, k}, val;
	memset(s, 0, sizeof *s);
	s->f_start = s->f = -1;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &key, &val,
		                    rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (key.mv_size != klen || memcmp(key.mv_data, k, klen - 8) != 0)
		return 0; /* another series' record */
	s->have = true;
	s->block = ml_be64_get((unsigned char *)key.mv_data + klen - 8);
	return mk_cp_unpack(&val, s);
}

int ml_known_flush(struct ml_store *st, MDB_txn *txn,
                   struct ml_known_notes *notes)
{
	MDB_cursor *cur;
	int rc = notes->n == 0
	             ? 0
	             : mdb_cursor_open(txn, st->dbi[ML_DB_KNOWN], &cur);
	if (notes->n == 0 || rc != 0) {
		ml_known_forget(notes, false);
		return ml_error_from_mdb(rc);
	}
	qsort(notes->v, notes->n, sizeof *notes->v, mk_note_cmp);
	for (size_t i = 0, j; rc == 0 && i < notes->n; i = j) {
		struct mk_state s;
		for (j = i + 1; j < notes->n &&
		                mk_same_series(&notes->v[i], &notes->v[j]) == 0;
		     j++)
			;
		rc = mk_state_load(cur, &notes->v[i], &s);
		if (rc == 0)
			rc = mk_series_apply(notes->v + i, j - i, &s, mk_put,
			                     cur);
	}
	mdb_cursor_close(cur);
	ml_known_forget(notes, false);
	return rc;
}

/* --- the reader -------------------------------------------------------- */

/* A view's sum, as the reader gathers it. */
struct mk_view {
	const struct ml_series *s;
	MDB_cursor *cur;
	ml_day as_of;
	uint64_t known_seq;
	int64_t *t; /* the answer's totals */
};

static int mk_add(int64_t *t, const int64_t *v, int sign)
{
	for (int b = 0; b < ML_BUCKETS; b++) {
		int64_t d = sign > 0 ? v[b] : -v[b];
		if (ml_add_overflows(t[b], d, &t[b]))
			return ML_E_AMOUNT_RANGE;
	}
	return 0;
}

/* Adds (sign +1) the late records dated ≤ as_of recorded by known_seq,
 * or takes away (sign -1) those recorded after it. */
static int mk_late_sum(const struct mk_view *w, int sign)
{
	const struct ml_series *s = w->s;
	unsigned char k[ML_KNOWN_KEY_MAX];
	size_t klen = mk_late_key(k, s->db, s->prefix, s->plen, 0, 0, 0);
	size_t head = 1 + s->plen + 1;
	MDB_val key = {klen, k}, val;
	int rc = mdb_cursor_get(w->cur, &key, &val, MDB_SET_RANGE);
	for (; rc == 0; rc = mdb_cursor_get(w->cur, &key, &val, MDB_NEXT)) {
		const unsigned char *kk = key.mv_data;
		if (key.mv_size != klen || memcmp(kk, k, head) != 0 ||
		    (ml_day)ml_be32_get(kk + head) > w->as_of)
			return 0;
		bool known = ml_be64_get(kk + head + 4) <= w->known_seq;
		if (known != (sign > 0))
			continue;
		int64_t v[ML_BUCKETS];
		rc = ml_series_day_decode(&val, v);
		if (rc == 0)
			rc = mk_add(w->t, v, sign);
		if (rc != 0)
			return rc;
	}
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

/* Every in-order entry dated ≤ as_of was recorded by known_seq: the
 * totals as known now, less what was recorded after. */
static int mk_view_from_day(const struct mk_view *w)
{
	struct ml_totals now;
	bool exists;
	int rc = ml_entries_at(w->s, w->as_of, &now, &exists);
	if (rc != 0)
		return rc;
	memcpy(w->t, now.v, sizeof now.v);
	return mk_late_sum(w, -1);
}

struct mk_block_sum {
	uint64_t first_seq, known_seq;
	int64_t *t;
};

static int mk_block_add(const struct ml_entry_info *e, void *arg)
{
	struct mk_block_sum *b = arg;
	if (e->seq < b->first_seq || e->seq > b->known_seq)
		return 0;
	struct ml_post p = {{e->bucket[0], e->bucket[1]},
	                    {e->delta[0], e->delta[1]}};
	return ml_series_totals_apply(b->t, &p, +1);
}

/* The view when known_seq's block holds in-order entries (checkpoint x;
 * prev the one before, if any): prev's totals, the late records, and the
 * block's entries up to known_seq from the chunks. */
static int mk_view_mid_block(const struct mk_view *w, const struct mk_state *x,
                             const struct mk_state *prev)
{
	if (x->f_start >= 0 && w->as_of < x->f_start)
		return mk_view_from_day(w);
	memcpy(w->t, prev->t, sizeof prev->t);
	int rc = mk_late_sum(w, +1);
	ml_day last = w->as_of < x->f ? w->as_of : x->f;
	ml_day first = x->f_start >= 0 ? x->f_start : 0;
	struct mk_block_sum b = {w->known_seq & ~(ML_KNOWN_BLOCK_SEQS - 1),
	                         w->known_seq, w->t};
	if (rc == 0 && first <= last)
		rc = ml_entries_scan(w->s, first, last, mk_block_add, &b);
	return rc;
}

/* The checkpoint at the cursor into c when it is s's (else c->have is
 * false); rc the cursor's last result. */
static int mk_cp_here(const struct mk_view *w, int rc, const MDB_val *key,
                      const MDB_val *val, struct mk_state *c)
{
	const struct ml_series *s = w->s;
	unsigned char k[ML_KNOWN_KEY_MAX];
	size_t klen = mk_cp_key(k, s->db, s->prefix, s->plen, 0);
	memset(c, 0, sizeof *c);
	c->f_start = c->f = -1;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_norm(rc);
	if (key->mv_size != klen || memcmp(key->mv_data, k, klen - 8) != 0)
		return 0;
	c->have = true;
	c->block = ml_be64_get((unsigned char *)key->mv_data + klen - 8);
	return mk_cp_unpack(val, c);
}

int ml_known_totals(const struct ml_series *s, MDB_cursor *kcur, ml_day as_of,
                    uint64_t known_seq, struct ml_totals *out)
{
	struct mk_view w = {s, kcur, as_of, known_seq, out->v};
	struct mk_state c, prev;
	unsigned char k[ML_KNOWN_KEY_MAX];
	uint64_t block = known_seq >> ML_KNOWN_BLOCK_BITS;
	MDB_val key = {mk_cp_key(k, s->db, s->prefix, s->plen, block), k}, val;
	memset(out, 0, sizeof *out);
	int found = mdb_cursor_get(kcur, &key, &val, MDB_SET_RANGE);
	if (found != 0 && found != MDB_NOTFOUND)
		return ml_error_from_mdb(found);
	int rc = mk_cp_here(&w, found, &key, &val, &c);
	bool mid = rc == 0 && c.have && c.block == block;
	if (rc == 0) { /* the checkpoint before known_seq's block */
		rc = mdb_cursor_get(kcur, &key, &val,
		                    found == 0 ? MDB_PREV : MDB_LAST);
		rc = mk_cp_here(&w, rc, &key, &val, &prev);
	}
	if (rc != 0)
		return rc;
	if (mid)
		return mk_view_mid_block(&w, &c, &prev);
	if (prev.have && as_of < prev.f)
		return mk_view_from_day(&w);
	memcpy(w.t, prev.t, sizeof prev.t);
	return mk_late_sum(&w, +1);
}

/* --- every series: the migration and verify ---------------------------- */

static const enum ml_db mk_dbs[ML_SERIES_DBS] = {
    [ML_SERIES_ACCT] = ML_DB_ACCT,
    [ML_SERIES_EDGE] = ML_DB_EDGE,
    [ML_SERIES_ACT] = ML_DB_ACT,
};

/* Called with one series' notes in seq order; the map address for trims. */
typedef int (*mk_series_fn)(const struct ml_known_note *v, size_t n,
                            const void *inside, void *arg);

/* Notes for each entry of a chunk (and its correction, if any). */
static int mk_note_chunk(struct ml_known_notes *notes, struct ml_series *s,
                         const MDB_val *key, const MDB_val *val)
{
	struct ml_chunk_reader r;
	struct ml_post p;
	uint64_t seq, by;
	ml_day date;
	int rc = ml_series_chunk_open(key, val, s->plen, &date, &r);
	if (rc != 0)
		return rc;
	memcpy(s->prefix, key->mv_data, s->plen);
	for (rc = ml_chunk_read(&r, &seq, &p, &by); rc == 1;
	     rc = ml_chunk_read(&r, &seq, &p, &by)) {
		rc = ml_known_note(notes, s, date, seq, 0, &p);
		if (rc == 0 && by != 0)
			rc = ml_known_note(notes, s, date, seq, by, &p);
		if (rc != 0)
			return rc;
	}
	return rc < 0 ? ML_E_CORRUPT : 0;
}

static int mk_series_done(struct ml_known_notes *notes, const void *inside,
                          mk_series_fn fn, void *arg)
{
	if (notes->n == 0)
		return 0;
	qsort(notes->v, notes->n, sizeof *notes->v, mk_note_cmp);
	int rc = fn(notes->v, notes->n, inside, arg);
	notes->n = 0;
	return rc;
}

/* fn for each series of database db, in key order. */
static int mk_each_in(struct ml_store *st, MDB_txn *txn, int db,
                      struct ml_known_notes *notes, mk_series_fn fn, void *arg)
{
	struct ml_series s = {.txn = txn, .db = (uint8_t)db};
	s.dbi = st->dbi[mk_dbs[db]];
	s.plen = db == ML_SERIES_ACCT ? 8 : ML_PREFIX_MAX;
	MDB_cursor *cur;
	MDB_val key, val;
	const void *inside = NULL;
	int rc = mdb_cursor_open(txn, s.dbi, &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != s.plen + 12)
			continue; /* a day record */
		if (notes->n > 0 && memcmp(key.mv_data, s.prefix, s.plen) != 0)
			rc = mk_series_done(notes, inside, fn, arg);
		inside = val.mv_data;
		if (rc == 0)
			rc = mk_note_chunk(notes, &s, &key, &val);
		if (rc != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = mk_series_done(notes, inside, fn, arg);
	mdb_cursor_close(cur);
	return ml_error_norm(rc);
}

static int mk_each_series(struct ml_store *st, MDB_txn *txn, mk_series_fn fn,
                          void *arg)
{
	struct ml_known_notes notes = {0};
	int rc = 0;
	for (int db = 0; rc == 0 && db < ML_SERIES_DBS; db++)
		rc = mk_each_in(st, txn, db, &notes, fn, arg);
	ml_known_forget(&notes, true);
	return rc;
}

static int mk_build_one(const struct ml_known_note *v, size_t n,
                        const void *inside, void *arg)
{
	struct mk_state s = {.f_start = -1, .f = -1};
	(void)inside;
	return mk_series_apply(v, n, &s, mk_put, arg);
}

int ml_known_build_all(struct ml_store *st, MDB_txn *txn)
{
	MDB_cursor *cur = NULL;
	int rc = ml_store_db_create(st, txn, ML_DB_KNOWN);
	if (rc == 0) /* a ledger stamped older by hand may hold some */
		rc = ml_error_from_mdb(mdb_drop(txn, st->dbi[ML_DB_KNOWN], 0));
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_KNOWN], &cur));
	if (rc == 0)
		rc = mk_each_series(st, txn, mk_build_one, cur);
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* --- verify ------------------------------------------------------------- */

/* One series' records as made again, before they are sorted and compared:
 * keys and values side by side in one buffer. */
struct mk_made {
	struct mk_rec {
		size_t at, klen, vlen;  /* in bytes */
		const unsigned char *k; /* set once every record is made */
	} * v;
	size_t n, cap;
	struct ml_buf bytes;
};

struct mk_cmp {
	MDB_cursor *cur; /* on the known database, at the next stored record */
	MDB_val key, val;
	int rc; /* of the cursor's last move */
	uint64_t resident_max;
	struct mk_made made;
	bool *same;
	struct ml_known_where *where;
	uint64_t *checked;
};

static int mk_collect(const MDB_val *key, const MDB_val *val, void *arg)
{
	struct mk_made *m = arg;
	int rc = ml_grow((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v,
	                 SIZE_MAX / sizeof *m->v);
	if (rc != 0)
		return rc;
	m->v[m->n++] =
	    (struct mk_rec){m->bytes.len, key->mv_size, val->mv_size, NULL};
	rc = ml_buf_add(&m->bytes, key->mv_data, key->mv_size);
	return rc == 0 ? ml_buf_add(&m->bytes, val->mv_data, val->mv_size) : rc;
}

static int mk_rec_cmp(const void *x, const void *y)
{
	const struct mk_rec *a = x, *b = y;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->k, b->k, n);
	return c != 0 ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

static void mk_differs(struct mk_cmp *c, const struct ml_known_note *x)
{
	if (*c->same) {
		c->where->db = x->db;
		c->where->plen = x->plen;
		memcpy(c->where->prefix, x->prefix, x->plen);
	}
	*c->same = false;
}

/* The series' records made again, sorted, each the next stored one. */
static int mk_check_one(const struct ml_known_note *v, size_t n,
                        const void *inside, void *arg)
{
	struct mk_cmp *c = arg;
	struct mk_state s = {.f_start = -1, .f = -1};
	c->made.n = 0;
	ml_buf_reset(&c->made.bytes);
	int rc = *c->same ? mk_series_apply(v, n, &s, mk_collect, &c->made) : 0;
	for (size_t i = 0; i < c->made.n; i++)
		c->made.v[i].k =
		    (const unsigned char *)c->made.bytes.data + c->made.v[i].at;
	if (rc == 0 && c->made.n > 1)
		qsort(c->made.v, c->made.n, sizeof *c->made.v, mk_rec_cmp);
	for (size_t i = 0; rc == 0 && *c->same && i < c->made.n; i++) {
		const struct mk_rec *r = &c->made.v[i];
		const unsigned char *k = r->k;
		if (c->rc != 0 || c->key.mv_size != r->klen ||
		    c->val.mv_size != r->vlen ||
		    memcmp(c->key.mv_data, k, r->klen) != 0 ||
		    memcmp(c->val.mv_data, k + r->klen, r->vlen) != 0) {
			mk_differs(c, v);
			break;
		}
		++*c->checked;
		c->rc = mdb_cursor_get(c->cur, &c->key, &c->val, MDB_NEXT);
		if (c->rc != 0 && c->rc != MDB_NOTFOUND)
			rc = ml_error_from_mdb(c->rc);
	}
	if (c->resident_max != UINT64_MAX && inside != NULL)
		ml_store_map_trim(inside, c->resident_max);
	return rc;
}

int ml_known_check(struct ml_store *st, MDB_txn *txn, uint64_t resident_max,
                   bool *same, struct ml_known_where *where, uint64_t *checked)
{
	struct mk_cmp c = {.resident_max = resident_max,
	                   .same = same,
	                   .where = where,
	                   .checked = checked};
	*same = true;
	memset(where, 0, sizeof *where);
	ml_buf_init(&c.made.bytes, SIZE_MAX / 2);
	int rc = ml_error_from_mdb(
	    mdb_cursor_open(txn, st->dbi[ML_DB_KNOWN], &c.cur));
	if (rc != 0)
		return rc;
	c.rc = mdb_cursor_get(c.cur, &c.key, &c.val, MDB_FIRST);
	if (c.rc != 0 && c.rc != MDB_NOTFOUND)
		rc = ml_error_from_mdb(c.rc);
	if (rc == 0)
		rc = mk_each_series(st, txn, mk_check_one, &c);
	if (rc == 0 && *same && c.rc == 0) { /* a record of no series */
		*same = false;
		const unsigned char *k = c.key.mv_data;
		where->db = k[0];
		where->plen =
		    c.key.mv_size > 1 + ML_PREFIX_MAX ? ML_PREFIX_MAX : 0;
		if (where->plen > 0)
			memcpy(where->prefix, k + 1, where->plen);
	}
	mdb_cursor_close(c.cur);
	free(c.made.v);
	ml_buf_free(&c.made.bytes);
	return rc;
}

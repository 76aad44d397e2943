/*
 * ml_known.c — "as known at T" in a few seeks (see ml_known.h).
 *
 * One function decides every record, mk_series_apply: the writer's flush,
 * the migration and verify all feed it one series' notes in seq order,
 * from the series' last groups (or none), and take what it emits.
 */
#include "ml_known.h"

#include <stdlib.h>
#include <string.h>

#include <assert.h>

#include "ml_assert.h"
#include "ml_bucket.h"
#include "ml_buf.h"
#include "ml_money.h"
#include "ml_store.h"
#include "ml_varint.h"

#define MK_IN           'c'   /* groups of in-order entries */
#define MK_TRIM_CHUNKS  64    /* chunks between looks at the map's pages */
#define MK_WINDOW_NOTES 16384 /* a series' notes in memory at once (×2) */
#define MK_LATE         'l'   /* groups of late entries and corrections */
/* A group's value: its totals before (a length byte and a day record),
 * the latest date of its kind's entries so far (varint), then per entry
 * the seq after the one before and the date's change (varints), the
 * buckets (0xff: none), the sign (1, or 0xff for −1) and the deltas of
 * the buckets given (zigzag varints). */
#define MK_ENTRY_BYTES_MAX (2 * ML_VARINT_MAX + 3 + 2 * ML_VARINT_MAX)
#define MK_GROUP_BYTES_MAX                                                     \
	(1 + ML_DAY_PACKED_MAX + ML_VARINT_MAX +                               \
	 ML_KNOWN_GROUP_ENTRIES * MK_ENTRY_BYTES_MAX)
static_assert(ML_LMDB_NODE_HEADER_BYTES + ML_KNOWN_KEY_MAX +
                      MK_GROUP_BYTES_MAX <=
                  ML_LMDB_NODE_BYTES_MAX,
              "a group never needs an overflow page");

struct mk_entry {
	uint64_t seq;
	ml_day date;
	int sign; /* +1, or −1 for a correction */
	struct ml_post post;
};

/* A series' last group of one kind, in memory. */
struct mk_group {
	char kind; /* MK_IN or MK_LATE */
	bool have; /* a group exists */
	bool dirty;
	uint64_t first_seq;
	ml_day max_date; /* the latest date of the kind's entries so far */
	int64_t before[ML_BUCKETS]; /* the kind's entries before, summed */
	struct mk_entry e[ML_KNOWN_GROUP_ENTRIES];
	int n;
};

typedef int (*mk_emit_fn)(const MDB_val *key, const MDB_val *val, void *arg);

/* db ‖ prefix ‖ kind ‖ first seq: a group's key. */
static size_t mk_group_key(unsigned char *k, uint8_t db,
                           const unsigned char *prefix, size_t plen, char kind,
                           uint64_t first_seq)
{
	ML_ASSERT(plen == 8 || plen == ML_PREFIX_MAX);
	k[0] = db;
	memcpy(k + 1, prefix, plen);
	k[1 + plen] = (unsigned char)kind;
	ml_be64_put(k + 2 + plen, first_seq);
	return 10 + plen;
}

static size_t mk_entry_put(const struct mk_entry *e,
                           const struct mk_entry *prev, uint64_t first_seq,
                           unsigned char *out)
{
	size_t n = ml_varint_put(out, e->seq - (prev ? prev->seq : first_seq));
	n += ml_varint_put(
	    out + n, ml_zigzag((int64_t)e->date - (prev ? prev->date : 0)));
	for (int b = 0; b < 2; b++)
		out[n++] = e->post.bucket[b] < 0
		               ? 0xff
		               : (unsigned char)e->post.bucket[b];
	out[n++] = e->sign > 0 ? 1 : 0xff;
	for (int b = 0; b < 2; b++)
		if (e->post.bucket[b] >= 0)
			n +=
			    ml_varint_put(out + n, ml_zigzag(e->post.delta[b]));
	return n;
}

static size_t mk_group_pack(const struct mk_group *g, unsigned char *out)
{
	size_t n = 1 + ml_series_day_encode(g->before, out + 1);
	out[0] = (unsigned char)(n - 1);
	n += ml_varint_put(out + n, (uint64_t)g->max_date);
	for (int i = 0; i < g->n; i++)
		n += mk_entry_put(&g->e[i], i > 0 ? &g->e[i - 1] : NULL,
		                  g->first_seq, out + n);
	ML_ASSERT(n <= MK_GROUP_BYTES_MAX);
	return n;
}

static bool mk_bucket_get(unsigned char c, int8_t *bucket)
{
	*bucket = c == 0xff ? -1 : (int8_t)c;
	return c == 0xff || (c < ML_BUCKETS && ml_bucket_is_money(c));
}

/* One entry after prev (NULL for the first, at first_seq). */
static bool mk_entry_get(const unsigned char **p, const unsigned char *end,
                         const struct mk_entry *prev, uint64_t first_seq,
                         struct mk_entry *e)
{
	uint64_t dseq, dday, d;
	if (!ml_varint_get(p, end, &dseq) || !ml_varint_get(p, end, &dday) ||
	    end - *p < 3 || (prev == NULL && dseq != 0))
		return false;
	e->seq = (prev != NULL ? prev->seq : first_seq) + dseq;
	int64_t date = (prev != NULL ? prev->date : 0) + ml_unzigzag(dday);
	e->date = (ml_day)date;
	bool ok = date >= 0 && date <= ML_DAY_MAX &&
	          mk_bucket_get((*p)[0], &e->post.bucket[0]) &&
	          mk_bucket_get((*p)[1], &e->post.bucket[1]) &&
	          ((*p)[2] == 1 || (*p)[2] == 0xff);
	e->sign = (*p)[2] == 1 ? 1 : -1;
	*p += 3;
	for (int b = 0; ok && b < 2; b++) {
		e->post.delta[b] = 0;
		if (e->post.bucket[b] >= 0 && !ml_varint_get(p, end, &d))
			return false;
		if (e->post.bucket[b] >= 0)
			e->post.delta[b] = ml_unzigzag(d);
	}
	return ok;
}

/* An in-order group's entries are in seq and date order and all +; a
 * late group's in seq order (a correction's seq twice, when it both
 * withdraws an entry and makes one). */
static bool mk_group_sane(const struct mk_group *g)
{
	for (int i = 1; g->kind == MK_IN && i < g->n; i++)
		if (g->e[i].seq == g->e[i - 1].seq ||
		    g->e[i].date < g->e[i - 1].date)
			return false;
	for (int i = 0; g->kind == MK_IN && i < g->n; i++)
		if (g->e[i].sign < 0)
			return false;
	for (int i = 0; i < g->n; i++)
		if (g->e[i].date > g->max_date)
			return false;
	return g->n > 0;
}

/* The group in val into g, its entries up to seq stop only (a reader
 * needs no more; the writer asks for all). */
static int mk_group_unpack(const MDB_val *val, char kind, uint64_t first_seq,
                           uint64_t stop, struct mk_group *g)
{
	const unsigned char *p = val->mv_data, *end = p + val->mv_size;
	uint64_t max_date;
	if (val->mv_size < 1 || p[0] > val->mv_size - 1)
		return ML_E_CORRUPT;
	MDB_val before = {p[0], (void *)(p + 1)};
	int rc = ml_series_day_decode(&before, g->before);
	p += 1 + before.mv_size;
	if (rc != 0 || !ml_varint_get(&p, end, &max_date) ||
	    max_date > ML_DAY_MAX)
		return ML_E_CORRUPT;
	g->kind = kind;
	g->first_seq = first_seq;
	g->max_date = (ml_day)max_date;
	for (g->n = 0; p < end; g->n++) {
		if (g->n == ML_KNOWN_GROUP_ENTRIES ||
		    !mk_entry_get(&p, end, g->n > 0 ? &g->e[g->n - 1] : NULL,
		                  first_seq, &g->e[g->n]))
			return ML_E_CORRUPT;
		if (g->e[g->n].seq > stop)
			break;
	}
	g->have = true;
	return mk_group_sane(g) ? 0 : ML_E_CORRUPT;
}

/* --- the one rule ------------------------------------------------------ */

static int mk_emit_group(const struct ml_known_note *x,
                         const struct mk_group *g, mk_emit_fn emit, void *arg)
{
	unsigned char k[ML_KNOWN_KEY_MAX], v[MK_GROUP_BYTES_MAX];
	MDB_val key = {
	    mk_group_key(k, x->db, x->prefix, x->plen, g->kind, g->first_seq),
	    k};
	MDB_val val = {mk_group_pack(g, v), v};
	return emit(&key, &val, arg);
}

/* Appends entry (seq, x's date and postings, sign) to g, writing g first
 * when it is full and starting the next at seq. */
static int mk_group_add(const struct ml_known_note *x, struct mk_group *g,
                        uint64_t seq, int sign, mk_emit_fn emit, void *arg)
{
	int rc = 0;
	/* seqs grow (a correction's twice in its late group at most): the
	 * writer's notes always do; a damaged series' entries may not */
	if (g->n > 0 && !(seq > g->e[g->n - 1].seq ||
	                  (g->kind == MK_LATE && seq == g->e[g->n - 1].seq)))
		return ML_E_CORRUPT;
	if (!g->have) {
		g->have = true;
		g->first_seq = seq;
		g->max_date = 0;
	} else if (g->n == ML_KNOWN_GROUP_ENTRIES) {
		rc = g->dirty ? mk_emit_group(x, g, emit, arg) : 0;
		for (int i = 0; rc == 0 && i < g->n; i++)
			rc = ml_series_totals_apply(g->before, &g->e[i].post,
			                            g->e[i].sign);
		g->n = 0;
		g->first_seq = seq;
	}
	g->e[g->n++] = (struct mk_entry){seq, x->date, sign, x->post};
	if (x->date > g->max_date)
		g->max_date = x->date;
	g->dirty = true;
	return rc;
}

/* Applies one series' notes v[0..n), in seq order, to its last groups
 * (in-order and late) and emits every group it fills (mk_series_end the
 * last ones). An insert dated before the last in-order entry is late. */
static int mk_series_apply(const struct ml_known_note *v, size_t n,
                           struct mk_group *in, struct mk_group *late,
                           mk_emit_fn emit, void *arg)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct ml_known_note *x = &v[i];
		bool before = in->n > 0 && x->date < in->e[in->n - 1].date;
		if (x->by != 0)
			rc = mk_group_add(x, late, x->by, -1, emit, arg);
		else
			rc = mk_group_add(x, before ? late : in, x->seq, +1,
			                  emit, arg);
	}
	return rc;
}

/* The series' last groups, when they changed (x names the series). */
static int mk_series_end(const struct ml_known_note *x, struct mk_group *in,
                         struct mk_group *late, mk_emit_fn emit, void *arg)
{
	int rc = in->dirty ? mk_emit_group(x, in, emit, arg) : 0;
	return rc == 0 && late->dirty ? mk_emit_group(x, late, emit, arg) : rc;
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

/* A series of the known database: db ‖ prefix. */
struct mk_sid {
	uint8_t db;
	const unsigned char *prefix;
	size_t plen;
};

/* The group at the cursor (rc its last move) into g when it is one of
 * sid's of that kind (else g->have stays false). */
static int mk_group_here(int rc, const MDB_val *key, const MDB_val *val,
                         struct mk_sid sid, char kind, uint64_t stop,
                         struct mk_group *g)
{
	unsigned char k[ML_KNOWN_KEY_MAX];
	size_t klen = mk_group_key(k, sid.db, sid.prefix, sid.plen, kind, 0);
	g->kind = kind; /* a new group when none: nothing before it */
	g->have = g->dirty = false;
	g->n = 0;
	g->first_seq = 0;
	g->max_date = 0;
	memset(g->before, 0, sizeof g->before);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_norm(rc);
	if (key->mv_size != klen || memcmp(key->mv_data, k, klen - 8) != 0)
		return 0; /* another series' or kind's */
	uint64_t first = ml_be64_get((unsigned char *)key->mv_data + klen - 8);
	return mk_group_unpack(val, kind, first, stop, g);
}

/* sid's last group of kind holding an entry recorded by seq (its
 * entries up to seq): a seek after it, and a step back. */
static int mk_group_before(MDB_cursor *cur, struct mk_sid sid, char kind,
                           uint64_t seq, struct mk_group *g)
{
	uint64_t after = seq == UINT64_MAX ? seq : seq + 1;
	unsigned char k[ML_KNOWN_KEY_MAX];
	MDB_val key = {mk_group_key(k, sid.db, sid.prefix, sid.plen, kind,
	                            after),
	               k},
	        val;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &key, &val,
		                    rc == 0 ? MDB_PREV : MDB_LAST);
	return mk_group_here(rc, &key, &val, sid, kind, seq, g);
}

/* The group before the one the cursor is on (g's), into g. */
static int mk_group_prev(MDB_cursor *cur, struct mk_sid sid, struct mk_group *g)
{
	MDB_val key, val;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_PREV);
	return mk_group_here(rc, &key, &val, sid, g->kind, UINT64_MAX, g);
}

static struct mk_sid mk_sid_of(const struct ml_known_note *x)
{
	return (struct mk_sid){x->db, x->prefix, x->plen};
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
		const struct ml_known_note *x = &notes->v[i];
		struct mk_group in, late;
		for (j = i + 1; j < notes->n &&
		                mk_same_series(&notes->v[i], &notes->v[j]) == 0;
		     j++)
			;
		rc = mk_group_before(cur, mk_sid_of(x), MK_IN, UINT64_MAX, &in);
		if (rc == 0)
			rc = mk_group_before(cur, mk_sid_of(x), MK_LATE,
			                     UINT64_MAX, &late);
		if (rc == 0)
			rc = mk_series_apply(x, j - i, &in, &late, mk_put, cur);
		if (rc == 0)
			rc = mk_series_end(x, &in, &late, mk_put, cur);
	}
	mdb_cursor_close(cur);
	ml_known_forget(notes, false);
	return rc;
}

/* --- the reader -------------------------------------------------------- */

/* Adds g's entries recorded by seq and dated ≤ as_of, each with its
 * sign, to t. */
static int mk_group_sum(const struct mk_group *g, uint64_t seq, ml_day as_of,
                        int64_t *t)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < g->n && g->e[i].seq <= seq; i++)
		if (g->e[i].date <= as_of)
			rc = ml_series_totals_apply(t, &g->e[i].post,
			                            g->e[i].sign);
	return rc;
}

/* Adds the late entries (and corrections) dated ≤ as_of recorded by seq
 * to t: from seq's group back, until a group whose entries and every one
 * before are dated ≤ as_of (its max_date), whose totals before then
 * count whole. */
static int mk_late_sum(MDB_cursor *cur, struct mk_sid sid, ml_day as_of,
                       uint64_t seq, int64_t *t)
{
	struct mk_group g;
	int64_t sum[ML_BUCKETS] = {0};
	int rc = mk_group_before(cur, sid, MK_LATE, seq, &g);
	while (rc == 0 && g.have) {
		if (g.max_date <= as_of) {
			for (int b = 0; b < ML_BUCKETS; b++)
				if (ml_add_overflows(sum[b], g.before[b],
				                     &sum[b]))
					return ML_E_AMOUNT_RANGE;
			rc = mk_group_sum(&g, seq, as_of, sum);
			break;
		}
		rc = mk_group_sum(&g, seq, as_of, sum);
		if (rc == 0)
			rc = mk_group_prev(cur, sid, &g);
	}
	for (int b = 0; rc == 0 && b < ML_BUCKETS; b++)
		if (ml_add_overflows(t[b], sum[b], &t[b]))
			return ML_E_AMOUNT_RANGE;
	return rc;
}

/* Takes from t the late entries (and corrections) dated ≤ as_of recorded
 * after seq: from the last group back to seq's. */
static int mk_late_after(MDB_cursor *cur, struct mk_sid sid, ml_day as_of,
                         uint64_t seq, int64_t *t)
{
	struct mk_group g;
	int rc = mk_group_before(cur, sid, MK_LATE, UINT64_MAX, &g);
	while (rc == 0 && g.have) {
		for (int i = 0; rc == 0 && i < g.n; i++)
			if (g.e[i].seq > seq && g.e[i].date <= as_of)
				rc = ml_series_totals_apply(t, &g.e[i].post,
				                            -g.e[i].sign);
		if (rc != 0 || g.first_seq <= seq)
			break;
		rc = mk_group_prev(cur, sid, &g);
	}
	return rc;
}

int ml_known_totals(const struct ml_series *s, MDB_cursor *kcur, ml_day as_of,
                    uint64_t known_seq, const int64_t *day_at,
                    struct ml_totals *out)
{
	struct mk_sid sid = {s->db, s->prefix, s->plen};
	struct mk_group g;
	memset(out, 0, sizeof *out);
	int rc = mk_group_before(kcur, sid, MK_IN, known_seq, &g);
	ml_day last = -1; /* of the last in-order entry recorded by then */
	if (rc == 0 && g.have) {
		memcpy(out->v, g.before, sizeof g.before);
		for (int i = 0; i < g.n && g.e[i].seq <= known_seq; i++)
			last = g.e[i].date;
		rc = mk_group_sum(&g, known_seq, ML_DAY_MAX, out->v);
	}
	if (rc == 0 && last > as_of) { /* the day as known now, less after */
		bool exists;
		if (day_at != NULL)
			memcpy(out->v, day_at, sizeof out->v);
		else
			rc = ml_entries_at(s, as_of, out, &exists);
		return rc == 0
		           ? mk_late_after(kcur, sid, as_of, known_seq, out->v)
		           : rc;
	}
	return rc == 0 ? mk_late_sum(kcur, sid, as_of, known_seq, out->v) : rc;
}

/* --- every series: the migration and verify ---------------------------- */

static const enum ml_db mk_dbs[ML_SERIES_DBS] = {
    [ML_SERIES_ACCT] = ML_DB_ACCT,
    [ML_SERIES_EDGE] = ML_DB_EDGE,
    [ML_SERIES_ACT] = ML_DB_ACT,
};

/* Called when a series has been applied (rc: how it went; x names it;
 * inside: a map address, for trims). */
typedef int (*mk_done_fn)(const struct ml_known_note *x, int rc,
                          const void *inside, void *arg);

/* A walk over every series, for the migration and verify. A series' notes
 * are taken in windows of at most 2 × mk_window_notes, in seq order, each
 * window one more pass over the series' chunks, so that the memory stays
 * bounded however long a series is (a payer's account of a 10M-event
 * ledger holds ~800 000 entries); the groups carry on across windows. */
struct mk_walk {
	struct ml_series s;
	MDB_cursor *cur;
	uint64_t resident_max, chunks;
	const void *inside;
	struct ml_known_notes notes;
	struct mk_group in, late;
	mk_emit_fn emit;
	void *emit_arg;
	mk_done_fn done;
	void *done_arg;
};

static size_t mk_window_notes = MK_WINDOW_NOTES;

void ml_known_window_set(size_t notes)
{
	mk_window_notes = notes > 0 ? notes : MK_WINDOW_NOTES;
}

/* Where a note falls in seq order: (its seq, or its correction's; its
 * entry's). */
struct mk_mark {
	uint64_t seq, entry;
};

static struct mk_mark mk_mark_of(const struct ml_known_note *x)
{
	return (struct mk_mark){x->by != 0 ? x->by : x->seq, x->seq};
}

static bool mk_mark_after(struct mk_mark a, struct mk_mark b)
{
	return a.seq != b.seq ? a.seq > b.seq : a.entry > b.entry;
}

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
		if (by != 0 && by <= seq)
			return ML_E_CORRUPT; /* a correction comes after */
		rc = ml_known_note(notes, s, date, seq, 0, &p);
		if (rc == 0 && by != 0)
			rc = ml_known_note(notes, s, date, seq, by, &p);
		if (rc != 0)
			return rc;
	}
	return rc < 0 ? ML_E_CORRUPT : 0;
}

/* Keeps of notes[from..) those after lo and, once capped, not after hi;
 * past 2 × the window, the smallest window of them, hi their last. */
static void mk_window_keep(struct ml_known_notes *notes, size_t from,
                           struct mk_mark lo, bool *capped, struct mk_mark *hi)
{
	size_t out = from;
	for (size_t i = from; i < notes->n; i++) {
		struct mk_mark m = mk_mark_of(&notes->v[i]);
		if (mk_mark_after(m, lo) && !(*capped && mk_mark_after(m, *hi)))
			notes->v[out++] = notes->v[i];
	}
	notes->n = out;
	if (notes->n < 2 * mk_window_notes)
		return;
	qsort(notes->v, notes->n, sizeof *notes->v, mk_note_cmp);
	notes->n = mk_window_notes;
	*hi = mk_mark_of(&notes->v[notes->n - 1]);
	*capped = true;
}

/* One window of the series whose prefix is w->s's: a pass over its
 * chunks from its start, keeping the notes after lo; *more when some
 * were left for the next window, and *lo then their last. The cursor
 * ends past the series. */
static int mk_window(struct mk_walk *w, struct mk_mark *lo, bool *more)
{
	unsigned char start[ML_PREFIX_MAX];
	struct mk_mark hi = {0, 0};
	bool capped = false;
	size_t plen = w->s.plen;
	memcpy(start, w->s.prefix, plen);
	MDB_val key = {plen, start}, val;
	w->notes.n = 0;
	int rc = mdb_cursor_get(w->cur, &key, &val, MDB_SET_RANGE);
	for (; rc == 0 && key.mv_size >= plen &&
	       memcmp(key.mv_data, start, plen) == 0;
	     rc = mdb_cursor_get(w->cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != plen + 12)
			continue; /* a day record */
		size_t from = w->notes.n;
		w->inside = val.mv_data;
		rc = mk_note_chunk(&w->notes, &w->s, &key, &val);
		if (rc != 0)
			return rc;
		mk_window_keep(&w->notes, from, *lo, &capped, &hi);
		/* a series may be longer than the bound on the map's pages */
		if (++w->chunks % MK_TRIM_CHUNKS == 0 &&
		    w->resident_max != UINT64_MAX)
			ml_store_map_trim(w->inside, w->resident_max);
	}
	if (w->notes.n > 1) /* none when an allocation failed early */
		qsort(w->notes.v, w->notes.n, sizeof *w->notes.v, mk_note_cmp);
	*more = capped;
	if (w->notes.n > 0)
		*lo = mk_mark_of(&w->notes.v[w->notes.n - 1]);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

/* The series starting at the cursor's chunk: every window applied, its
 * last groups emitted, then w->done. */
static int mk_walk_series(struct mk_walk *w, const MDB_val *first)
{
	struct mk_mark lo = {0, 0};
	struct ml_known_note x; /* names the series for the last groups */
	bool more = true;
	int rc = 0;
	memcpy(w->s.prefix, first->mv_data, w->s.plen);
	memset(&w->in, 0, sizeof w->in);
	memset(&w->late, 0, sizeof w->late);
	w->in.kind = MK_IN;
	w->late.kind = MK_LATE;
	while (rc == 0 && more) {
		rc = mk_window(w, &lo, &more);
		if (rc == 0 && w->notes.n > 0)
			x = w->notes.v[0];
		if (rc == 0)
			rc = mk_series_apply(w->notes.v, w->notes.n, &w->in,
			                     &w->late, w->emit, w->emit_arg);
	}
	if (rc == 0 && (w->in.have || w->late.have))
		rc = mk_series_end(&x, &w->in, &w->late, w->emit, w->emit_arg);
	if (w->in.have || w->late.have || rc != 0) {
		if (!w->in.have && !w->late.have) { /* named by the prefix */
			memset(&x, 0, sizeof x);
			x.db = w->s.db;
			x.plen = (uint8_t)w->s.plen;
			memcpy(x.prefix, w->s.prefix, w->s.plen);
		}
		rc = w->done(&x, rc, w->inside, w->done_arg);
	}
	return rc;
}

/* The first record after the series of w->s's prefix (MDB_NOTFOUND at
 * the end): a seek to the prefix's successor. */
static int mk_next_series(struct mk_walk *w, MDB_val *key, MDB_val *val)
{
	unsigned char next[ML_PREFIX_MAX];
	size_t i = w->s.plen;
	memcpy(next, w->s.prefix, w->s.plen);
	while (i > 0 && next[i - 1] == 0xff)
		next[--i] = 0;
	if (i == 0)
		return MDB_NOTFOUND; /* the last prefix there can be */
	next[i - 1]++;
	*key = (MDB_val){w->s.plen, next};
	return mdb_cursor_get(w->cur, key, val, MDB_SET_RANGE);
}

/* Every series of database db, in key order. */
static int mk_each_in(struct mk_walk *w, struct ml_store *st, MDB_txn *txn,
                      int db)
{
	w->s = (struct ml_series){.txn = txn, .db = (uint8_t)db};
	w->s.dbi = st->dbi[mk_dbs[db]];
	w->s.plen = db == ML_SERIES_ACCT ? 8 : ML_PREFIX_MAX;
	MDB_val key, val;
	int rc = mdb_cursor_open(txn, w->s.dbi, &w->cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	rc = mdb_cursor_get(w->cur, &key, &val, MDB_FIRST);
	while (rc == 0) {
		if (key.mv_size != w->s.plen + 12) { /* a day record */
			rc = mdb_cursor_get(w->cur, &key, &val, MDB_NEXT);
			continue;
		}
		rc = mk_walk_series(w, &key);
		if (rc == 0)
			rc = mk_next_series(w, &key, &val);
	}
	mdb_cursor_close(w->cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

static int mk_each_series(struct ml_store *st, MDB_txn *txn, struct mk_walk *w)
{
	int rc = 0;
	for (int db = 0; rc == 0 && db < ML_SERIES_DBS; db++)
		rc = mk_each_in(w, st, txn, db);
	ml_known_forget(&w->notes, true);
	return rc;
}

static int mk_build_done(const struct ml_known_note *x, int rc,
                         const void *inside, void *arg)
{
	(void)x;
	(void)inside;
	(void)arg;
	return rc;
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
		rc =
		    mk_each_series(st, txn,
		                   &(struct mk_walk){.resident_max = UINT64_MAX,
		                                     .emit = mk_put,
		                                     .emit_arg = cur,
		                                     .done = mk_build_done});
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

/* The series' records made again (x names it; rc how making them
 * went), sorted, each the next stored one. */
static int mk_check_done(const struct ml_known_note *x, int rc,
                         const void *inside, void *arg)
{
	struct mk_cmp *c = arg;
	const struct ml_known_note *v = x;
	if (rc == ML_E_CORRUPT) { /* entries no writer makes: damage */
		mk_differs(c, v);
		rc = 0;
	}
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
	c->made.n = 0;
	ml_buf_reset(&c->made.bytes);
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
		rc = mk_each_series(
		    st, txn,
		    &(struct mk_walk){.resident_max = resident_max,
		                      .emit = mk_collect,
		                      .emit_arg = &c.made,
		                      .done = mk_check_done,
		                      .done_arg = &c});
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

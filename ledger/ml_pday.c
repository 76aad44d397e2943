/*
 * ml_pday.c — an account's spending per activity, one record a day (see
 * ml_pday.h for the design).
 *
 * Making an account's records from a date (ml_pday_make): for each of its
 * activity series, in number order, the day record before the date (what
 * the series carries in) and every day record from the date on are
 * copied out of the act database; the copies are sorted by date, and a
 * sweep over them keeps each activity's latest record and writes one
 * record per date. The copies are made before anything is written, so no
 * pointer into a page the writes may move is held. Cost: two seeks per
 * series and a step per key from the date on (day records and chunks);
 * memory: the day records from the date on, ~12 bytes each.
 */
#include "ml_pday.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_entries.h"
#include "ml_store.h"
#include "ml_varint.h"

#define ML_PDAY_SERIES_PREFIX 12 /* grant ‖ party ‖ activity */
#define ML_PDAY_DAY_KEY       (ML_PDAY_SERIES_PREFIX + 4)

static_assert(ML_DAY_PACKED_MAX <= 0xff, "a day record's length is a byte");

/* --- the batch's notes --- */

int ml_pday_note(struct ml_pday_notes *notes, uint32_t grant_no,
                 uint32_t party_no, ml_day date)
{
	ML_ASSERT(grant_no != 0 && party_no != 0);
	if (notes->n > 0) {
		struct ml_pday_note *last = &notes->v[notes->n - 1];
		if (last->grant_no == grant_no && last->party_no == party_no) {
			if (date < last->date)
				last->date = date;
			return 0;
		}
	}
	int rc = ml_grow((void **)&notes->v, &notes->cap, notes->n + 1,
	                 sizeof *notes->v, SIZE_MAX / sizeof *notes->v);
	if (rc != 0)
		return rc;
	notes->v[notes->n++] = (struct ml_pday_note){grant_no, party_no, date};
	return 0;
}

static int ml_pday_note_cmp(const void *x, const void *y)
{
	const struct ml_pday_note *a = x, *b = y;
	if (a->grant_no != b->grant_no)
		return a->grant_no < b->grant_no ? -1 : 1;
	if (a->party_no != b->party_no)
		return a->party_no < b->party_no ? -1 : 1;
	return (a->date > b->date) - (a->date < b->date);
}

int ml_pday_flush(struct ml_store *st, MDB_txn *txn,
                  struct ml_pday_notes *notes)
{
	int rc = 0;
	if (notes->n > 1)
		qsort(notes->v, notes->n, sizeof *notes->v, ml_pday_note_cmp);
	for (size_t i = 0; rc == 0 && i < notes->n; i++) {
		const struct ml_pday_note *x = &notes->v[i];
		bool first = i == 0 ||
		             x->grant_no != notes->v[i - 1].grant_no ||
		             x->party_no != notes->v[i - 1].party_no;
		if (first) /* sorted: the account's earliest date */
			rc = ml_pday_rebuild(st, txn, x->grant_no, x->party_no,
			                     x->date);
	}
	ml_pday_forget(notes, false);
	return rc;
}

void ml_pday_forget(struct ml_pday_notes *notes, bool free_too)
{
	notes->n = 0;
	if (free_too) {
		free(notes->v);
		notes->v = NULL;
		notes->cap = 0;
	}
}

/* --- making an account's records --- */

struct ml_pday_item {
	ml_day date;
	uint32_t act; /* index into the account's activities */
	uint32_t off; /* the day record's copy in bytes */
	uint8_t len;
};

struct ml_pday_make {
	uint32_t *act_no; /* the account's activities, in number order */
	struct ml_pday_item *carry; /* per activity: len 0 = nothing before */
	size_t n_acts, acts_cap, carry_cap;
	struct ml_pday_item *items; /* day records from the date on */
	size_t n_items, items_cap;
	struct ml_buf bytes; /* the copies */
	struct ml_buf value; /* the record being made */
	const void *inside;  /* a key read: somewhere inside the map */
};

static void ml_pday_make_init(struct ml_pday_make *m)
{
	memset(m, 0, sizeof *m);
	ml_buf_init(&m->bytes, SIZE_MAX / 2);
	ml_buf_init(&m->value, SIZE_MAX / 2);
}

static void ml_pday_make_reset(struct ml_pday_make *m)
{
	m->n_acts = m->n_items = 0;
	m->bytes.len = m->value.len = 0;
}

static void ml_pday_make_free(struct ml_pday_make *m)
{
	free(m->act_no);
	free(m->carry);
	free(m->items);
	ml_buf_free(&m->bytes);
	ml_buf_free(&m->value);
}

/* A copy of day record val, of activity index act dated date, in *it. */
static int ml_pday_copy(struct ml_pday_make *m, uint32_t act, ml_day date,
                        const MDB_val *val, struct ml_pday_item *it)
{
	if (val->mv_size < 2 || val->mv_size > ML_DAY_PACKED_MAX ||
	    m->bytes.len > UINT32_MAX - val->mv_size)
		return ML_E_CORRUPT;
	*it = (struct ml_pday_item){date, act, (uint32_t)m->bytes.len,
	                            (uint8_t)val->mv_size};
	return ml_buf_add(&m->bytes, val->mv_data, val->mv_size);
}

static bool ml_pday_in_series(const MDB_val *key, const unsigned char *prefix)
{
	return key->mv_size > ML_PDAY_SERIES_PREFIX &&
	       memcmp(key->mv_data, prefix, ML_PDAY_SERIES_PREFIX) == 0;
}

/* The series' last day record before from (k: prefix ‖ from) into the
 * carry of activity index act. */
static int ml_pday_carry(struct ml_pday_make *m, MDB_cursor *c,
                         const unsigned char *k, uint32_t act)
{
	MDB_val key = {ML_PDAY_DAY_KEY, (void *)k}, val;
	int rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	rc = mdb_cursor_get(c, &key, &val, rc == 0 ? MDB_PREV : MDB_LAST);
	while (rc == 0 && ml_pday_in_series(&key, k) &&
	       key.mv_size != ML_PDAY_DAY_KEY)
		rc = mdb_cursor_get(c, &key, &val, MDB_PREV); /* a chunk */
	m->carry[act].len = 0;
	if (rc == 0 && ml_pday_in_series(&key, k)) {
		ml_day date = (ml_day)ml_be32_get((unsigned char *)key.mv_data +
		                                  ML_PDAY_SERIES_PREFIX);
		return ml_pday_copy(m, act, date, &val, &m->carry[act]);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : ml_error_from_mdb(rc);
}

/* Every day record of the series from k's date on, onto m->items. */
static int ml_pday_days(struct ml_pday_make *m, MDB_cursor *c,
                        const unsigned char *k, uint32_t act)
{
	MDB_val key = {ML_PDAY_DAY_KEY, (void *)k}, val;
	int rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	while (rc == 0 && ml_pday_in_series(&key, k)) {
		if (key.mv_size == ML_PDAY_DAY_KEY) {
			int grown = ml_grow((void **)&m->items, &m->items_cap,
			                    m->n_items + 1, sizeof *m->items,
			                    UINT32_MAX);
			ml_day date =
			    (ml_day)ml_be32_get((unsigned char *)key.mv_data +
			                        ML_PDAY_SERIES_PREFIX);
			if (grown == 0)
				grown = ml_pday_copy(m, act, date, &val,
				                     &m->items[m->n_items++]);
			if (grown != 0)
				return grown;
		}
		rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : ml_error_from_mdb(rc);
}

/* Activity act_no of the account, its carry and its days from `from`. */
static int ml_pday_series(struct ml_pday_make *m, MDB_cursor *c,
                          const unsigned char *account, uint32_t act_no,
                          ml_day from)
{
	unsigned char k[ML_PDAY_DAY_KEY];
	size_t n = m->n_acts;
	int rc = ml_grow((void **)&m->act_no, &m->acts_cap, n + 1,
	                 sizeof *m->act_no, UINT32_MAX);
	if (rc == 0)
		rc = ml_grow((void **)&m->carry, &m->carry_cap, n + 1,
		             sizeof *m->carry, UINT32_MAX);
	if (rc != 0)
		return rc;
	m->act_no[m->n_acts++] = act_no;
	memcpy(k, account, 8);
	ml_be32_put(k + 8, act_no);
	ml_be32_put(k + ML_PDAY_SERIES_PREFIX, (uint32_t)from);
	rc = ml_pday_carry(m, c, k, (uint32_t)n);
	return rc == 0 ? ml_pday_days(m, c, k, (uint32_t)n) : rc;
}

/* Copies out what account (grant_no, party_no)'s series hold from `from`
 * (see the top of the file). */
static int ml_pday_collect(struct ml_store *st, MDB_txn *txn,
                           struct ml_pday_make *m, uint32_t grant_no,
                           uint32_t party_no, ml_day from)
{
	unsigned char account[ML_PDAY_SERIES_PREFIX];
	MDB_cursor *c;
	ml_pday_make_reset(m);
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_ACT], &c);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	ml_be32_put(account, grant_no);
	ml_be32_put(account + 4, party_no);
	uint32_t next = 0; /* the lowest activity number not yet looked at */
	for (bool more = true; rc == 0 && more;) {
		ml_be32_put(account + 8, next);
		MDB_val key = {ML_PDAY_SERIES_PREFIX, account}, val;
		rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
		more = rc == 0 && key.mv_size > ML_PDAY_SERIES_PREFIX &&
		       memcmp(key.mv_data, account, 8) == 0;
		if (rc == MDB_NOTFOUND)
			rc = 0;
		if (!more || rc != 0)
			break;
		uint32_t act_no = ml_be32_get((unsigned char *)key.mv_data + 8);
		ML_ASSERT(act_no >= next);
		m->inside = key.mv_data;
		rc = ml_pday_series(m, c, account, act_no, from);
		more = act_no < UINT32_MAX;
		next = act_no + 1;
	}
	mdb_cursor_close(c);
	return ml_error_norm(rc);
}

static int ml_pday_item_cmp(const void *x, const void *y)
{
	const struct ml_pday_item *a = x, *b = y;
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return (a->act > b->act) - (a->act < b->act);
}

/* The record of the activities' current day records into m->value. */
static int ml_pday_value(struct ml_pday_make *m)
{
	m->value.len = 0;
	for (size_t i = 0; i < m->n_acts; i++) {
		const struct ml_pday_item *c = &m->carry[i];
		unsigned char head[ML_VARINT_MAX + 1];
		if (c->len == 0)
			continue;
		size_t n = ml_varint_put(head, m->act_no[i]);
		head[n++] = c->len;
		int rc = ml_buf_add(&m->value, head, n);
		if (rc == 0)
			rc = ml_buf_add(&m->value, m->bytes.data + c->off,
			                c->len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Called with each record made: its date and value. */
typedef int (*ml_pday_emit_fn)(ml_day date, const struct ml_buf *value,
                               void *arg);

/* Sweeps m's items in date order, calling emit with one record per date. */
static int ml_pday_sweep(struct ml_pday_make *m, ml_pday_emit_fn emit,
                         void *arg)
{
	if (m->n_items > 1)
		qsort(m->items, m->n_items, sizeof *m->items, ml_pday_item_cmp);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < m->n_items;) {
		ml_day date = m->items[i].date;
		for (; i < m->n_items && m->items[i].date == date; i++)
			m->carry[m->items[i].act] = m->items[i];
		rc = ml_pday_value(m);
		if (rc == 0)
			rc = emit(date, &m->value, arg);
	}
	return rc;
}

static void ml_pday_key(unsigned char *k, uint32_t grant_no, uint32_t party_no,
                        ml_day date)
{
	ml_be32_put(k, grant_no);
	ml_be32_put(k + 4, party_no);
	ml_be32_put(k + 8, (uint32_t)date);
}

/* --- writing --- */

struct ml_pday_put {
	MDB_cursor *cur;
	uint32_t grant_no, party_no;
};

static int ml_pday_put_one(ml_day date, const struct ml_buf *value, void *arg)
{
	struct ml_pday_put *p = arg;
	unsigned char k[ML_PDAY_KEY_BYTES];
	ml_pday_key(k, p->grant_no, p->party_no, date);
	MDB_val key = {sizeof k, k}, val = {value->len, value->data};
	return ml_error_from_mdb(mdb_cursor_put(p->cur, &key, &val, 0));
}

/* Deletes account (grant_no, party_no)'s records from `from` on. */
static int ml_pday_delete_from(MDB_cursor *cur, uint32_t grant_no,
                               uint32_t party_no, ml_day from)
{
	unsigned char k[ML_PDAY_KEY_BYTES];
	ml_pday_key(k, grant_no, party_no, from);
	MDB_val key = {sizeof k, k}, val;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	while (rc == 0 && key.mv_size == sizeof k &&
	       memcmp(key.mv_data, k, 8) == 0) {
		rc = mdb_cursor_del(cur, 0);
		key = (MDB_val){sizeof k, k}; /* from again: what follows */
		if (rc == 0)
			rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : ml_error_from_mdb(rc);
}

static int ml_pday_write(struct ml_store *st, MDB_txn *txn,
                         struct ml_pday_make *m, uint32_t grant_no,
                         uint32_t party_no, ml_day from)
{
	struct ml_pday_put p = {NULL, grant_no, party_no};
	int rc = ml_pday_collect(st, txn, m, grant_no, party_no, from);
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_PDAY], &p.cur));
	if (rc != 0)
		return rc;
	rc = ml_pday_delete_from(p.cur, grant_no, party_no, from);
	if (rc == 0)
		rc = ml_pday_sweep(m, ml_pday_put_one, &p);
	mdb_cursor_close(p.cur);
	return rc;
}

int ml_pday_rebuild(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                    uint32_t party_no, ml_day from)
{
	struct ml_pday_make m;
	ml_pday_make_init(&m);
	int rc = ml_pday_write(st, txn, &m, grant_no, party_no, from);
	ml_pday_make_free(&m);
	return rc;
}

/* The next account (grant ‖ party) after *gp in the act database, in *gp;
 * *found false past the last. */
static int ml_pday_next_account(MDB_cursor *c, uint32_t *gp, bool *found)
{
	unsigned char k[8];
	*found = false;
	if (gp[1] == UINT32_MAX && gp[0] == UINT32_MAX)
		return 0;
	ml_be32_put(k, gp[1] == UINT32_MAX ? gp[0] + 1 : gp[0]);
	ml_be32_put(k + 4, gp[1] == UINT32_MAX ? 0 : gp[1] + 1);
	MDB_val key = {sizeof k, k}, val;
	int rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (key.mv_size < 8)
		return ML_E_CORRUPT;
	gp[0] = ml_be32_get(key.mv_data);
	gp[1] = ml_be32_get((unsigned char *)key.mv_data + 4);
	*found = true;
	return 0;
}

/* Calls fn(grant, party, m, arg) for every account of the act database,
 * m holding its series from the start. */
typedef int (*ml_pday_account_fn)(uint32_t grant_no, uint32_t party_no,
                                  struct ml_pday_make *m, void *arg);

static int ml_pday_each_account(struct ml_store *st, MDB_txn *txn,
                                ml_pday_account_fn fn, void *arg)
{
	MDB_cursor *c;
	struct ml_pday_make m;
	uint32_t gp[2] = {0, 0};
	bool found = true;
	int rc =
	    ml_error_from_mdb(mdb_cursor_open(txn, st->dbi[ML_DB_ACT], &c));
	if (rc != 0)
		return rc;
	ml_pday_make_init(&m);
	while (rc == 0 && (rc = ml_pday_next_account(c, gp, &found)) == 0 &&
	       found) {
		rc = ml_pday_collect(st, txn, &m, gp[0], gp[1], 0);
		if (rc == 0)
			rc = fn(gp[0], gp[1], &m, arg);
	}
	ml_pday_make_free(&m);
	mdb_cursor_close(c);
	return rc;
}

static int ml_pday_build_one(uint32_t grant_no, uint32_t party_no,
                             struct ml_pday_make *m, void *arg)
{
	struct ml_pday_put p = {arg, grant_no, party_no};
	return ml_pday_sweep(m, ml_pday_put_one, &p);
}

int ml_pday_build_all(struct ml_store *st, MDB_txn *txn)
{
	MDB_cursor *cur = NULL;
	int rc = ml_store_db_create(st, txn, ML_DB_PDAY);
	if (rc == 0) /* a ledger stamped older by hand may hold some */
		rc = ml_error_from_mdb(mdb_drop(txn, st->dbi[ML_DB_PDAY], 0));
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_PDAY], &cur));
	if (rc == 0)
		rc = ml_pday_each_account(st, txn, ml_pday_build_one, cur);
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

/* --- reading --- */

static int ml_pday_decode(const MDB_val *val, ml_activity_fn fn, void *arg)
{
	const unsigned char *p = val->mv_data, *end = p + val->mv_size;
	uint64_t last = 0;
	while (p < end) {
		uint64_t act_no;
		int64_t totals[ML_BUCKETS];
		if (!ml_varint_get(&p, end, &act_no) || act_no <= last ||
		    act_no > UINT32_MAX || p >= end || *p > end - p - 1)
			return ML_E_CORRUPT;
		MDB_val day = {*p, (void *)(p + 1)};
		p += 1 + day.mv_size;
		int rc = ml_series_day_decode(&day, totals);
		if (rc == 0)
			rc = fn((uint32_t)act_no, totals, arg);
		if (rc != 0)
			return rc;
		last = act_no;
	}
	return 0;
}

int ml_pday_at(MDB_cursor *cur, uint32_t grant_no, uint32_t party_no,
               ml_day as_of, ml_activity_fn fn, void *arg)
{
	unsigned char k[ML_PDAY_KEY_BYTES];
	ml_pday_key(k, grant_no, party_no, as_of);
	MDB_val key = {sizeof k, k}, val;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	bool exact = rc == 0 && key.mv_size == sizeof k &&
	             memcmp(key.mv_data, k, sizeof k) == 0;
	if (!exact && (rc == 0 || rc == MDB_NOTFOUND))
		rc = mdb_cursor_get(cur, &key, &val,
		                    rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc == MDB_NOTFOUND)
		return 0; /* nothing at or before as_of in the database */
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (key.mv_size != sizeof k)
		return ML_E_CORRUPT;
	if (memcmp(key.mv_data, k, 8) != 0)
		return 0; /* another account's: nothing on or before as_of */
	return ml_pday_decode(&val, fn, arg);
}

/* --- verify --- */

struct ml_pday_cmp {
	MDB_cursor *cur; /* on the pday database, at the next stored record */
	MDB_val key, val;
	int rc;                      /* of the cursor's last move */
	uint32_t grant_no, party_no; /* the account being compared */
	uint64_t resident_max;
	bool *same;
	struct ml_pday_where *where;
	uint64_t *checked;
};

static void ml_pday_differs(struct ml_pday_cmp *c, uint32_t grant_no,
                            uint32_t party_no, ml_day date)
{
	if (*c->same)
		*c->where = (struct ml_pday_where){grant_no, party_no, date};
	*c->same = false;
}

/* The stored record at the cursor, as (grant, party, date); false past
 * the end. */
static bool ml_pday_stored(const struct ml_pday_cmp *c, uint32_t *w)
{
	if (c->rc != 0 || c->key.mv_size != ML_PDAY_KEY_BYTES)
		return false;
	for (int i = 0; i < 3; i++)
		w[i] = ml_be32_get((unsigned char *)c->key.mv_data + 4 * i);
	return true;
}

static int ml_pday_cmp_one(ml_day date, const struct ml_buf *value, void *arg)
{
	struct ml_pday_cmp *c = arg;
	uint32_t w[3];
	uint32_t g = c->grant_no, p = c->party_no;
	if (!*c->same)
		return 0;
	bool here = ml_pday_stored(c, w) && w[0] == g && w[1] == p &&
	            (ml_day)w[2] == date;
	if (!here || c->val.mv_size != value->len ||
	    memcmp(c->val.mv_data, value->data, value->len) != 0) {
		ml_pday_differs(c, g, p, date);
		return 0;
	}
	++*c->checked;
	c->rc = mdb_cursor_get(c->cur, &c->key, &c->val, MDB_NEXT);
	return c->rc == 0 || c->rc == MDB_NOTFOUND ? 0
	                                           : ml_error_from_mdb(c->rc);
}

/* Account (grant_no, party_no): stored records before it belong to no
 * account with activities (extra); then its own, one by one. */
static int ml_pday_check_account(uint32_t grant_no, uint32_t party_no,
                                 struct ml_pday_make *m, void *arg)
{
	struct ml_pday_cmp *c = arg;
	uint32_t w[3];
	if (!*c->same)
		return 0;
	if (ml_pday_stored(c, w) &&
	    (w[0] < grant_no || (w[0] == grant_no && w[1] < party_no))) {
		ml_pday_differs(c, w[0], w[1], (ml_day)w[2]);
		return 0;
	}
	c->grant_no = grant_no;
	c->party_no = party_no;
	int rc = ml_pday_sweep(m, ml_pday_cmp_one, c);
	if (rc == 0 && *c->same && ml_pday_stored(c, w) && w[0] == grant_no &&
	    w[1] == party_no)
		ml_pday_differs(c, w[0], w[1], (ml_day)w[2]); /* extra */
	if (c->resident_max != UINT64_MAX)
		ml_store_map_trim(m->inside, c->resident_max);
	return rc;
}

int ml_pday_check(struct ml_store *st, MDB_txn *txn, uint64_t resident_max,
                  bool *same, struct ml_pday_where *where, uint64_t *checked)
{
	struct ml_pday_cmp c = {.resident_max = resident_max,
	                        .same = same,
	                        .where = where,
	                        .checked = checked};
	*same = true;
	memset(where, 0, sizeof *where);
	int rc = ml_error_from_mdb(
	    mdb_cursor_open(txn, st->dbi[ML_DB_PDAY], &c.cur));
	if (rc != 0)
		return rc;
	c.rc = mdb_cursor_get(c.cur, &c.key, &c.val, MDB_FIRST);
	if (c.rc != 0 && c.rc != MDB_NOTFOUND)
		rc = ml_error_from_mdb(c.rc);
	if (rc == 0)
		rc = ml_pday_each_account(st, txn, ml_pday_check_account, &c);
	uint32_t w[3];
	if (rc == 0 && *same && ml_pday_stored(&c, w))
		ml_pday_differs(&c, w[0], w[1], (ml_day)w[2]); /* extra */
	else if (rc == 0 && *same && c.rc == 0)
		ml_pday_differs(&c, 0, 0, 0); /* a key of another size */
	mdb_cursor_close(c.cur);
	return rc;
}

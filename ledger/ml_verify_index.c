/*
 * ml_verify_index.c — the small indexes against the replay.
 *
 * corr, close, names, nums and the id count are compared key by key with
 * the replay's arrays; reports, claims and defs are sorted rows (the
 * replay produced them in seq order; the databases hold them in key
 * order) compared one to one. Each mismatch is the first difference.
 * By sums (ml_verify_internal.h), the chain thread walks the ids index
 * whole beside the log's (id, seq) pairs, which the exact mode looks up
 * one by one, and compares their two sums (ml_verify_logsums.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_verify_internal.h"

struct mv_ctx {
	struct mv_expect *x;
	struct mv_diff *d;
	struct mv_rows *rows;
	size_t next;
	bool claims;
};

typedef int (*mv_row_fn)(const MDB_val *k, const MDB_val *v, void *arg);

/* Calls fn for every key of db in order; returns the count in *n. A
 * record a lookup does not find where the walk did is a difference. */
static int mv_each(struct ml_store *st, MDB_txn *txn, enum ml_db db,
                   mv_row_fn fn, struct mv_ctx *c, uint64_t *n)
{
	struct mv_cur cur;
	MDB_val k, v;
	*n = 0;
	ml_reading_at(db, 0);
	int rc = mv_cur_open(txn, st->dbi[db], c->x->resident_max, &cur);
	if (rc != 0) {
		mv_cur_close(&cur);
		return ml_error_from_mdb(rc);
	}
	int mrc = mv_cur_get(&cur, &k, &v, MDB_FIRST);
	while (mrc == 0 && rc == 0) {
		rc = fn(&k, &v, c);
		(*n)++;
		mrc = mv_cur_get(&cur, &k, &v, MDB_NEXT);
	}
	mv_cur_close(&cur);
	/* A walk that ends before the last record (a page LMDB cannot
	 * read, a lookup that does not find a record) is damage. */
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = mv_differ(c->d, "storage", 0,
		               "the %s database is damaged: a lookup of a "
		               "stored key does not find it, or a page "
		               "cannot be read",
		               ml_store_db_name(db));
	return rc;
}

static int mv_corr_row(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct mv_ctx *c = arg;
	uint64_t t = k->mv_size == 8 ? ml_be64_get(k->mv_data) : 0;
	uint64_t by = v->mv_size >= 8 ? ml_be64_get(v->mv_data) : 0;
	/* by alone when it withdrew t's records, else by ‖ its records'
	 * date (ml_rules_correct.c). */
	const struct mv_fix *target = mv_corr_find(&c->x->corr, t);
	const struct mv_fix *fix = mv_corr_find(&c->x->corr, by);
	uint64_t corrected_by = target != NULL ? target->corrected_by : 0;
	uint64_t retracted_by = target != NULL ? target->retracted_by : 0;
	bool own = t != 0 && t <= c->x->head && by != 0 && by <= c->x->head &&
	           retracted_by != by;
	/* by is a correction whenever corrected_by == by: its date is known */
	bool value_ok =
	    own ? v->mv_size == 12 && fix != NULL &&
	              (ml_day)ml_be32_get((unsigned char *)v->mv_data + 8) ==
	                  fix->date
	        : v->mv_size == 8;
	if (t == 0 || t > c->x->head || corrected_by != by || !value_ok)
		return mv_differ(c->d, "index", t,
		                 "the corrections index says seq %llu was "
		                 "corrected by %llu; the log disagrees",
		                 (unsigned long long)t, (unsigned long long)by);
	return 0;
}

static int mv_close_row(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct mv_ctx *c = arg;
	uint32_t g = k->mv_size == 4 ? ml_be32_get(k->mv_data) : UINT32_MAX;
	ml_day day = v->mv_size == 4 ? (ml_day)ml_be32_get(v->mv_data) : -2;
	if (g > c->x->grants || c->x->closed[g] != day)
		return mv_differ(c->d, "index", 0,
		                 "the close index for grant %u disagrees with "
		                 "the log",
		                 g);
	return 0;
}

static uint64_t mv_closed_count(const struct mv_expect *x)
{
	uint64_t n = 0;
	for (uint32_t g = 0; g < x->closed_cap; g++)
		n += x->closed[g] != ML_DAY_NONE;
	return n;
}

static int mv_row_cmp(const void *a, const void *b)
{
	const struct mv_row *x = a, *y = b;
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* reports and claims: key grant ‖ party ‖ seq; value date [‖ claim_by]. */
static int mv_gps_row(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct mv_ctx *c = arg;
	const unsigned char *kp = k->mv_data, *vp = v->mv_data;
	size_t vlen = c->claims ? 8 : 4;
	const struct mv_row *want =
	    c->next < c->rows->n ? &c->rows->v[c->next] : NULL;
	c->next++;
	if (want == NULL || k->mv_size != 16 || v->mv_size != vlen ||
	    ml_be32_get(kp) != want->g || ml_be32_get(kp + 4) != want->p ||
	    ml_be64_get(kp + 8) != want->seq ||
	    (ml_day)ml_be32_get(vp) != want->date ||
	    (c->claims && (ml_day)ml_be32_get(vp + 4) != want->extra))
		return mv_differ(c->d, "index", want ? want->seq : 0,
		                 "the %s index disagrees with the log",
		                 c->claims ? "claims" : "reports");
	return 0;
}

/* defs: key kind ‖ no ‖ date ‖ seq, rows sorted the same way. */
static int mv_defs_row(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct mv_ctx *c = arg;
	const unsigned char *kp = k->mv_data;
	(void)v;
	const struct mv_row *want =
	    c->next < c->rows->n ? &c->rows->v[c->next] : NULL;
	c->next++;
	if (want == NULL || k->mv_size != 17 || kp[0] != want->g ||
	    ml_be32_get(kp + 1) != want->p ||
	    (ml_day)ml_be32_get(kp + 5) != want->date ||
	    ml_be64_get(kp + 9) != want->seq)
		return mv_differ(c->d, "index", want ? want->seq : 0,
		                 "the definitions index disagrees with the "
		                 "log");
	return 0;
}

static int mv_def_cmp(const void *a, const void *b)
{
	const struct mv_row *x = a, *y = b;
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int mv_rows_db(struct ml_store *st, MDB_txn *txn, enum ml_db db,
                      struct mv_ctx *c, mv_row_fn fn, uint64_t *checked)
{
	uint64_t n;
	c->next = 0;
	int rc = mv_each(st, txn, db, fn, c, &n);
	if (rc == 0 && c->d->kind[0] == 0 && n != c->rows->n)
		mv_differ(c->d, "index", 0,
		          "an index holds %llu rows; the log implies %zu",
		          (unsigned long long)n, c->rows->n);
	*checked += n;
	return rc > 0 ? 0 : rc;
}

static int mv_name_row(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct mv_ctx *c = arg;
	uint32_t no = 0;
	const char *kp = k->mv_data;
	struct ml_str id = {kp + 1, (uint32_t)(k->mv_size - 1)};
	if (k->mv_size < 2 || v->mv_size != 4 ||
	    !ml_cache_name(c->x->names, kp[0], id, &no) ||
	    no != ml_be32_get(v->mv_data))
		return mv_differ(c->d, "index", 0,
		                 "the names index has '%.*s', which the log "
		                 "does not number so",
		                 (int)(k->mv_size > 1 ? k->mv_size - 1 : 0),
		                 kp + 1);
	return 0;
}

/* nums: kind ‖ number → the whole row ‖ id, byte for byte as the replay
 * of the latest definition makes it: every field an answer reads (dates,
 * totals, payer, parent, kind, the id shown for the number). */
static int mv_num_row(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct mv_ctx *c = arg;
	const unsigned char *kp = k->mv_data;
	bool party = k->mv_size == 5 && kp[0] == ML_NAME_PARTY;
	bool grant = k->mv_size == 5 && kp[0] == ML_NAME_GRANT;
	uint32_t no = k->mv_size == 5 ? ml_be32_get(kp + 1) : 0;
	const struct mv_def *want = NULL;
	if (party && no >= 1 && no <= c->x->parties)
		want = &c->x->party[no];
	if (grant && no >= 1 && no <= c->x->grants)
		want = &c->x->grant[no];
	size_t row_size =
	    party ? sizeof want->row.party : sizeof want->row.grant;
	if (want == NULL || v->mv_size != row_size + want->id.len ||
	    memcmp(v->mv_data, &want->row, row_size) != 0 ||
	    memcmp((const char *)v->mv_data + row_size, want->id.ptr,
	           want->id.len) != 0)
		return mv_differ(c->d, "index", want ? want->def_seq : 0,
		                 "%s number %u's row disagrees with its "
		                 "latest definition",
		                 party ? "party" : "grant", no);
	return 0;
}

static void mv_sort(struct mv_rows *r, int (*cmp)(const void *, const void *))
{
	ML_ASSERT(r->n <= r->cap);
	if (r->n > 1) /* qsort wants a valid pointer even for nothing */
		qsort(r->v, r->n, sizeof *r->v, cmp);
}

int mv_compare_indexes(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                       struct mv_diff *d, uint64_t *checked)
{
	struct mv_ctx c = {x, d, NULL, 0, false};
	uint64_t n = 0;
	int rc = mv_each(st, txn, ML_DB_CORR, mv_corr_row, &c, &n);
	if (rc == 0 && d->kind[0] == 0 && n != x->corrections)
		mv_differ(d, "index", 0, "the corrections index is incomplete");
	*checked += n;
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_each(st, txn, ML_DB_CLOSE, mv_close_row, &c, &n);
	if (rc == 0 && d->kind[0] == 0 && n != mv_closed_count(x))
		mv_differ(d, "index", 0, "the close index is incomplete");
	mv_sort(&x->reports, mv_row_cmp);
	mv_sort(&x->claims, mv_row_cmp);
	mv_sort(&x->defs, mv_def_cmp);
	c.rows = &x->reports;
	if (rc == 0 && d->kind[0] == 0)
		rc =
		    mv_rows_db(st, txn, ML_DB_REPORTS, &c, mv_gps_row, checked);
	c.rows = &x->claims;
	c.claims = true;
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_rows_db(st, txn, ML_DB_CLAIMS, &c, mv_gps_row, checked);
	c.rows = &x->defs;
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_rows_db(st, txn, ML_DB_DEFS, &c, mv_defs_row, checked);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_each(st, txn, ML_DB_NAMES, mv_name_row, &c, &n);
	if (rc == 0 && d->kind[0] == 0 && n != (uint64_t)x->parties + x->grants)
		mv_differ(d, "index", 0, "the names index is incomplete");
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_each(st, txn, ML_DB_NUMS, mv_num_row, &c, &n);
	if (rc == 0 && d->kind[0] == 0 && n != (uint64_t)x->parties + x->grants)
		mv_differ(d, "index", 0, "the numbers index is incomplete");
	MDB_stat ms;
	ml_reading_at(ML_DB_IDS, 0);
	if (rc == 0 && d->kind[0] == 0 &&
	    mdb_stat(txn, st->dbi[ML_DB_IDS], &ms) == 0 &&
	    ms.ms_entries != x->ids)
		mv_differ(d, "index", 0,
		          "the id index holds %zu ids; the log has %llu",
		          ms.ms_entries, (unsigned long long)x->ids);
	return rc > 0 ? 0 : rc;
}

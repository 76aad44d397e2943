/*
 * ml_verify_compare.c — every stored projection against the replay.
 *
 * The account and edge databases are walked in key order with two
 * cursors in lockstep, one reading the event chunks (prefix ‖ date ‖
 * first seq, entries in seq order), the other the day records (prefix ‖
 * date) between them. Each entry must be one of its event's expected
 * postings (same account, same amounts, corrected by the expected
 * correction): exact, looked up by seq; by sums, folded out of its
 * series' sums, which must all be zero after the walks
 * (ml_verify_sums.c). After the last chunk of a date, the day record of
 * that date must hold exactly the running totals of the counting
 * entries so far. The activity database (grant ‖ party ‖ activity number) is a third
 * such walk, and its numbers (actn) are compared whole. No sorting, no second copy of the projections: two passes over
 * each database, side by side. Then every expected posting must have been
 * seen, and the small indexes (corrections, closes, reports, claims,
 * names, definitions) are compared, and conservation is checked per
 * grant from the final totals.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_verify_internal.h"

struct mv_walk {
	struct mv_expect *x;
	struct mv_diff *d;
	bool edge, act; /* the series: account, edge or activity */
	size_t plen;
	struct mv_cur evt, day;
	MDB_val ekey, eval, dkey, dval;
	int erc, drc;
	unsigned char prefix[ML_PREFIX_MAX];
	int64_t totals[ML_BUCKETS];
	struct mv_sum *sum; /* by sums: the series of the current chunk */
	uint64_t checked;
	int64_t *grant_sum; /* accounts: Σ (held + spent − carried_in +
			       carried_out) per grant, for conservation */
};

static const char *mv_what(const struct mv_walk *w)
{
	return w->act ? "activity" : w->edge ? "edge" : "account";
}

static void mv_key_words(const MDB_val *k, uint32_t *w, int n)
{
	/* Callers pass a prefix or a key of its series: grant ‖ a (‖ b). */
	ML_ASSERT(n >= 1 && n <= 3 && k->mv_size >= (size_t)n * 4);
	for (int i = 0; i < n; i++)
		w[i] = ml_be32_get((unsigned char *)k->mv_data + 4 * i);
}

/* The expected posting of seq on this walk's series, or NULL. */
static struct mv_posting *mv_find(struct mv_walk *w, uint64_t seq,
                                  const uint32_t *words)
{
	struct mv_expect *x = w->x;
	if (seq == 0 || seq > x->head)
		return NULL;
	for (uint64_t i = x->first[seq]; i < x->first[seq + 1]; i++) {
		struct mv_posting *p = &x->posts[i];
		if (p->edge == w->edge && p->act == w->act &&
		    p->grant == words[0] && p->a == words[1] &&
		    (w->plen == 8 || p->b == words[2]))
			return p;
	}
	return NULL;
}

static bool mv_post_eq(const struct ml_post *a, const struct ml_entry_info *e)
{
	for (int i = 0; i < 2; i++) {
		if (a->bucket[i] != e->bucket[i] ||
		    (a->bucket[i] >= 0 && a->delta[i] != e->delta[i]))
			return false;
	}
	return true;
}

/* Exact: e must be its seq's posting on this series, not met before. */
static int mv_entry_exact(struct mv_walk *w, const struct ml_entry_info *e,
                          const uint32_t *words, uint64_t retracted_by)
{
	struct mv_posting *p = mv_find(w, e->seq, words);
	const char *what = mv_what(w);
	if (p == NULL || p->matched || !mv_post_eq(&p->post, e) ||
	    w->x->date_of[e->seq] != e->date)
		return mv_differ(w->d, "projection", e->seq,
		                 "the %s entry of seq %llu (grant %u, party "
		                 "%u) is not what the log says",
		                 what, (unsigned long long)e->seq, words[0],
		                 words[1]);
	if (e->corrected_by != retracted_by)
		return mv_differ(w->d, "projection", e->seq,
		                 "the %s entry of seq %llu says corrected by "
		                 "%llu; the log says %llu",
		                 what, (unsigned long long)e->seq,
		                 (unsigned long long)e->corrected_by,
		                 (unsigned long long)retracted_by);
	p->matched = true;
	return 0;
}

/* By sums: e folded out of its series (the sums tell at the end); a
 * corrected_by that differs is a difference now. The message is never
 * shown: any difference makes verify run again exact (ml_verify.c). */
static int mv_entry_sums(struct mv_walk *w, const struct ml_entry_info *e,
                         uint64_t retracted_by)
{
	ML_ASSERT(w->sum != NULL);
	if (e->corrected_by != retracted_by)
		return mv_differ(w->d, "projection", e->seq, "by sums");
	struct ml_post p = {{e->bucket[0], e->bucket[1]},
	                    {e->delta[0], e->delta[1]}};
	mv_sum_fold(w->sum, e->seq, e->date, &p, -1);
	return 0;
}

/* Checks one event record and folds it into the running totals. */
static int mv_event_record(struct mv_walk *w, const struct ml_entry_info *e,
                           const uint32_t *words)
{
	uint64_t retracted_by = mv_corr_retracted_by(&w->x->corr, e->seq);
	int rc = w->x->exact ? mv_entry_exact(w, e, words, retracted_by)
	                     : mv_entry_sums(w, e, retracted_by);
	if (rc != 0 || e->corrected_by != 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		if (e->bucket[i] >= 0)
			w->totals[e->bucket[i]] += e->delta[i];
	}
	w->totals[ML_B_ENTRIES]++;
	return 0;
}

static void mv_conserve(struct mv_walk *w, uint32_t grant)
{
	const int64_t *t = w->totals;
	if (w->plen != 8 || w->grant_sum == NULL || grant > w->x->grants)
		return;
	struct ml_totals tt;
	memcpy(tt.v, t, sizeof tt.v);
	w->grant_sum[grant] += ml_totals_held(&tt) + t[ML_B_SPENT] -
	                       t[ML_B_CARRIED_IN] + t[ML_B_CARRIED_OUT];
}

/* Moves c by op and on past the records of the other kind (key size
 * other) to one of size want; ML_E_CORRUPT at a key of neither size. */
static int mv_step(struct mv_cur *c, MDB_val *k, MDB_val *v, MDB_cursor_op op,
                   size_t want, size_t other)
{
	int rc = mv_cur_get(c, k, v, op);
	while (rc == 0 && k->mv_size == other)
		rc = mv_cur_get(c, k, v, MDB_NEXT);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ML_E_CORRUPT; /* a page LMDB cannot read is damage */
	return rc == 0 && k->mv_size != want ? ML_E_CORRUPT : rc;
}

/* The day record for the date just finished must hold w->totals. */
static int mv_day_record(struct mv_walk *w, const unsigned char *evkey,
                         ml_day date)
{
	size_t klen = w->plen + 4;
	int64_t stored[ML_BUCKETS];
	bool key_ok = w->drc == 0 && w->dkey.mv_size == klen &&
	              memcmp(w->dkey.mv_data, evkey, klen) == 0;
	if (!key_ok || ml_series_day_decode(&w->dval, stored) != 0 ||
	    memcmp(stored, w->totals, sizeof stored) != 0) {
		uint32_t words[2];
		mv_key_words(&(MDB_val){klen, (void *)evkey}, words, 2);
		char d[ML_DATE_TEXT_MAX];
		return mv_differ(w->d, "projection", 0,
		                 "the %s totals of grant %u, party %u on %s "
		                 "differ from the log",
		                 mv_what(w), words[0], words[1],
		                 ml_date_format(date, d, sizeof d));
	}
	w->checked++;
	w->drc = mv_step(&w->day, &w->dkey, &w->dval, MDB_NEXT, w->plen + 4,
	                 w->plen + 12);
	return 0;
}

/* Checks every entry of one chunk of date. */
static int mv_chunk(struct mv_walk *w, struct ml_chunk_reader *r, ml_day date,
                    const uint32_t *words)
{
	struct ml_entry_info e;
	struct ml_post p;
	uint64_t seq, by;
	int rc;
	for (rc = ml_chunk_read(r, &seq, &p, &by); rc == 1;
	     rc = ml_chunk_read(r, &seq, &p, &by)) {
		ml_entry_info_set(&e, date, seq, &p, by);
		if (mv_event_record(w, &e, words) != 0)
			return 1;
		w->checked++;
	}
	return rc == 0 ? 0
	               : mv_differ(w->d, "projection", 0,
	                           "an event chunk cannot be decoded");
}

/* By sums: the series of the chunk at words; a series the replay made no
 * posting on is a difference. */
static int mv_chunk_series(struct mv_walk *w, const uint32_t *words)
{
	uint32_t kind = w->act    ? MV_SERIES_ACT
	                : w->edge ? MV_SERIES_EDGE
	                          : MV_SERIES_ACCT;
	uint32_t b = kind == MV_SERIES_ACCT ? 0 : words[2];
	w->sum = mv_sums_find(&w->x->sums, kind, words[0], words[1], b);
	return w->sum != NULL ? 0 : mv_differ(w->d, "projection", 0, "by sums");
}

/* Walks all event chunks, one series and one date at a time. */
static int mv_walk_all(struct mv_walk *w)
{
	uint32_t words[3];
	unsigned char cur[ML_PREFIX_MAX + 4];
	size_t klen = w->plen + 4;
	while (w->erc == 0 && w->d->kind[0] == 0) {
		struct ml_chunk_reader r;
		ml_day date;
		if (ml_series_chunk_open(&w->ekey, &w->eval, w->plen, &date,
		                         &r) != 0)
			return mv_differ(w->d, "projection", 0,
			                 "an event chunk cannot be decoded");
		if (memcmp(w->ekey.mv_data, w->prefix, w->plen) != 0) {
			mv_key_words(&(MDB_val){w->plen, w->prefix}, words, 1);
			mv_conserve(w, words[0]);
			memcpy(w->prefix, w->ekey.mv_data, w->plen);
			memset(w->totals, 0, sizeof w->totals);
		}
		memcpy(cur, w->ekey.mv_data, klen);
		mv_key_words(&w->ekey, words, w->plen == 8 ? 2 : 3);
		if (!w->x->exact && mv_chunk_series(w, words) != 0)
			return 1;
		if (mv_chunk(w, &r, date, words) != 0)
			return 1;
		w->erc = mv_step(&w->evt, &w->ekey, &w->eval, MDB_NEXT,
		                 w->plen + 12, w->plen + 4);
		bool date_ends = w->erc != 0 || w->ekey.mv_size < klen ||
		                 memcmp(w->ekey.mv_data, cur, klen) != 0;
		if (date_ends && mv_day_record(w, cur, date) != 0)
			return 1;
	}
	mv_key_words(&(MDB_val){w->plen, w->prefix}, words, 1);
	mv_conserve(w, words[0]);
	if (w->d->kind[0] == 0 &&
	    (w->erc == ML_E_CORRUPT || w->drc == ML_E_CORRUPT))
		return mv_differ(w->d, "projection", 0,
		                 "a key of the %s database cannot be decoded, "
		                 "or a lookup of it does not find it",
		                 w->act    ? "act"
		                 : w->edge ? "edge"
		                           : "acct");
	if (w->d->kind[0] == 0 && w->drc == 0)
		return mv_differ(w->d, "projection", 0,
		                 "a day total has no event behind it");
	return 0;
}

static int mv_series(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                     struct mv_diff *d, enum ml_db db, int64_t *grant_sum,
                     uint64_t *checked)
{
	struct mv_walk w;
	memset(&w, 0, sizeof w);
	w.x = x;
	w.d = d;
	w.edge = db == ML_DB_EDGE;
	w.act = db == ML_DB_ACT;
	w.plen = db == ML_DB_ACCT ? 8 : 12;
	w.grant_sum = grant_sum;
	memset(w.prefix, 0xff, sizeof w.prefix);
	MDB_dbi dbi = st->dbi[db];
	ml_reading_at(db, 0);
	int rc = mv_cur_open(txn, dbi, x->resident_max, &w.evt);
	if (rc == 0)
		rc = mv_cur_open(txn, dbi, x->resident_max, &w.day);
	if (rc == 0) {
		w.erc = mv_step(&w.evt, &w.ekey, &w.eval, MDB_FIRST,
		                w.plen + 12, w.plen + 4);
		w.drc = mv_step(&w.day, &w.dkey, &w.dval, MDB_FIRST, w.plen + 4,
		                w.plen + 12);
		mv_walk_all(&w);
	}
	mv_cur_close(&w.evt);
	mv_cur_close(&w.day);
	*checked += w.checked;
	return ml_error_from_mdb(rc);
}

static int mv_all_matched(struct mv_expect *x, struct mv_diff *d)
{
	for (uint64_t s = 1; s <= x->head; s++) {
		for (uint64_t i = x->first[s]; i < x->first[s + 1]; i++) {
			if (!x->posts[i].matched)
				return mv_differ(d, "projection", s,
				                 "seq %llu has no entry for "
				                 "grant %u, party %u",
				                 (unsigned long long)s,
				                 x->posts[i].grant,
				                 x->posts[i].a);
		}
	}
	return 0;
}

/* Σ held + Σ spent = own pool + carried in − carried out, per grant. */
static void mv_conservation(struct mv_expect *x, const int64_t *sum,
                            struct mv_diff *d)
{
	for (uint32_t g = 1; g <= x->grants; g++) {
		int64_t pool = x->grant[g].total_ore;
		for (uint32_t h = 1; h <= x->grants; h++) {
			if (x->grant[h].parent == g)
				pool -= x->grant[h].total_ore;
		}
		if (sum[g] != pool) {
			mv_differ(d, "conservation", 0,
			          "grant %u: held + spent − carried in + "
			          "carried out is %lld öre, its own pool %lld",
			          g, (long long)sum[g], (long long)pool);
			return;
		}
	}
}

int mv_compare(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
               struct mv_diff *d, uint64_t *checked)
{
	int64_t *sum = calloc((size_t)x->grants + 1, sizeof *sum);
	if (sum == NULL)
		return ML_E_NOMEM;
	bool metas_ok = false;
	char why[ML_MESSAGE_MAX];
	int rc = ml_store_check_metas(st, &metas_ok, why, sizeof why);
	if (rc == 0 && !metas_ok)
		mv_differ(d, "file", 0, "%s", why);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_series(st, txn, x, d, ML_DB_ACCT, sum, checked);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_series(st, txn, x, d, ML_DB_EDGE, NULL, checked);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_series(st, txn, x, d, ML_DB_ACT, NULL, checked);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_compare_acts(st, txn, x, d, checked);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_compare_pday(st, txn, x, d, checked);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_compare_known(st, txn, x, d, checked);
	if (rc == 0 && d->kind[0] == 0 && x->exact)
		mv_all_matched(x, d);
	if (rc == 0 && d->kind[0] == 0 && !x->exact && !mv_sums_zero(&x->sums))
		mv_differ(d, "projection", 0, "by sums");
	if (rc == 0 && d->kind[0] == 0)
		mv_conservation(x, sum, d);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_compare_indexes(st, txn, x, d, checked);
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_compare_evidx(st, txn, x, d, checked);
	free(sum);
	return rc;
}

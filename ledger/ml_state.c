/*
 * ml_state.c — the state's lookups: names, definitions, balances, indexes.
 *
 * Keys (all integers big-endian so that LMDB's byte order is numeric
 * order):
 *   names    kind ‖ id                 → no (u32)
 *   nums     kind ‖ no                 → row struct ‖ id bytes
 *   defs     kind ‖ no ‖ date ‖ seq    → (empty)
 *   corr     seq                       → correcting seq (u64)
 *   close    grant no                  → last closed day (u32)
 *   reports  grant ‖ party ‖ seq       → date (u32)
 *   claims   grant ‖ party ‖ seq       → date (u32) ‖ claim_by (u32)
 * The rows (ml_party_row, ml_grant_row) are stored as host-order structs
 * followed by the id, so a number can be turned back into its id.
 */
#include "ml_state.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_entries.h"
#include "ml_log.h"
#include "ml_money.h"
#include "ml_state_internal.h"

const char *const ml_bucket_names[ML_BUCKETS] = {
    "allocated", "allocated_out", "claimed",     "received",   "paid_out",
    "spent",     "repaid",        "returned",    "carried_in", "carried_out",
    "entries",   "pending",       "pending_out",
};

/* Does the sum of the n buckets in b of v fit int64? */
static bool ml_sum_fits(const int64_t *v, const enum ml_bucket *b, int n)
{
	int64_t sum = 0;
	for (int i = 0; i < n; i++) {
		if (ml_add_overflows(sum, v[b[i]], &sum))
			return false;
	}
	return true;
}

bool ml_totals_countable(const struct ml_totals *t)
{
	/* each value is (its in-terms) − (its out-terms), and buckets are
	 * not negative: when both sums fit, so does every partial result */
	static const enum ml_bucket held_in[] = {ML_B_RECEIVED, ML_B_RETURNED,
	                                         ML_B_CARRIED_IN};
	static const enum ml_bucket held_out[] = {
	    ML_B_PAID_OUT, ML_B_SPENT, ML_B_REPAID, ML_B_CARRIED_OUT};
	static const enum ml_bucket free_in[] = {ML_B_ALLOCATED,
	                                         ML_B_CARRIED_IN};
	static const enum ml_bucket free_out[] = {
	    ML_B_ALLOCATED_OUT, ML_B_PENDING_OUT, ML_B_CARRIED_OUT};
	return ml_sum_fits(t->v, held_in, 3) &&
	       ml_sum_fits(t->v, held_out, 4) &&
	       ml_sum_fits(t->v, free_in, 2) && ml_sum_fits(t->v, free_out, 3);
}

int64_t ml_totals_held(const struct ml_totals *t)
{
	const int64_t *v = t->v;
	return v[ML_B_RECEIVED] + v[ML_B_RETURNED] + v[ML_B_CARRIED_IN] -
	       v[ML_B_PAID_OUT] - v[ML_B_SPENT] - v[ML_B_REPAID] -
	       v[ML_B_CARRIED_OUT];
}

int64_t ml_totals_unallocated(const struct ml_totals *t)
{
	const int64_t *v = t->v;
	return v[ML_B_ALLOCATED] + v[ML_B_CARRIED_IN] - v[ML_B_ALLOCATED_OUT] -
	       v[ML_B_PENDING_OUT] - v[ML_B_CARRIED_OUT];
}

int ml_state_new(struct ml_store *st, struct ml_state **out)
{
	struct ml_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return ML_E_NOMEM;
	s->st = st;
	int rc = ml_cache_new(ML_CACHE_ENTRIES_MAX, &s->cache);
	if (rc == 0)
		rc = ml_tails_new(&s->tails);
	if (rc == 0 && (s->known = calloc(1, sizeof *s->known)) == NULL)
		rc = ML_E_NOMEM;
	if (rc != 0) {
		ml_state_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ml_state_free(struct ml_state *s)
{
	if (s == NULL)
		return;
	ml_cache_free(s->cache);
	ml_tails_free(s->tails);
	ml_pday_forget(&s->pday, true);
	if (s->known != NULL)
		ml_known_forget(s->known, true);
	free(s->known);
	free(s);
}

void ml_state_on_change(struct ml_state *s, ml_change_fn fn, void *arg)
{
	s->on_change = fn;
	s->on_change_arg = arg;
}

int ml_state_write_begin(struct ml_state *s, MDB_txn *txn)
{
	int rc =
	    ml_state_count(s->st, txn, ML_NAME_PARTY, &s->committed_parties);
	if (rc == 0)
		rc = ml_state_count(s->st, txn, ML_NAME_GRANT,
		                    &s->committed_grants);
	return rc;
}

int ml_state_lookup_cached(struct ml_state *s, MDB_txn *txn,
                           enum ml_name_kind k, struct ml_str id, uint32_t *no)
{
	if (ml_cache_name(s->cache, (char)k, id, no))
		return 0;
	int rc = ml_state_lookup(s->st, txn, k, id, no);
	uint32_t committed =
	    k == ML_NAME_PARTY ? s->committed_parties : s->committed_grants;
	if (rc == 0 && *no != 0 && *no <= committed)
		ml_cache_put_name(s->cache, (char)k, id, *no);
	return rc;
}

int ml_state_grant_tree(struct ml_state *s, MDB_txn *txn, uint32_t no,
                        uint32_t *payer, uint32_t *parent)
{
	if (ml_cache_grant(s->cache, no, payer, parent))
		return 0;
	struct ml_grant_row row;
	int rc = ml_state_grant(s->st, txn, no, &row);
	if (rc != 0)
		return rc;
	*payer = row.payer_no;
	*parent = row.parent_no;
	if (no <= s->committed_grants)
		ml_cache_put_grant(s->cache, no, *payer, *parent);
	return 0;
}

static const enum ml_db ml_series_dbs[ML_SERIES_DBS] = {
    [ML_SERIES_ACCT] = ML_DB_ACCT,
    [ML_SERIES_EDGE] = ML_DB_EDGE,
    [ML_SERIES_ACT] = ML_DB_ACT,
};

int ml_state_batch_begin(struct ml_state *s, MDB_txn *txn, size_t event_count)
{
	int rc = 0;
	ML_ASSERT(s->batch_txn == NULL); /* batch_end ran after the last */
	ML_ASSERT(txn != NULL);
	s->batch_txn = txn;
	for (int i = 0; rc == 0 && i < ML_SERIES_DBS; i++)
		rc = mdb_cursor_open(txn, s->st->dbi[ml_series_dbs[i]],
		                     &s->cur[i]);
	s->tails_on = event_count >= ML_TAILS_BATCH_MIN;
	if (rc != 0)
		ml_state_batch_end(s);
	else
		ml_tails_begin(s->tails, s->cur);
	return ml_error_from_mdb(rc);
}

int ml_state_batch_flush(struct ml_state *s)
{
	return s != NULL && s->batch_txn != NULL ? ml_tails_flush(s->tails) : 0;
}

int ml_state_batch_finish(struct ml_state *s)
{
	int rc = ml_state_batch_flush(s);
	if (rc == 0)
		rc = ml_pday_flush(s->st, s->batch_txn, &s->pday);
	return rc == 0 ? ml_known_flush(s->st, s->batch_txn, s->known) : rc;
}

void ml_state_batch_end(struct ml_state *s)
{
	ml_tails_reset(s->tails);
	ml_pday_forget(&s->pday, false);
	ml_known_forget(s->known, false);
	for (int i = 0; i < ML_SERIES_DBS; i++) {
		if (s->cur[i] != NULL)
			mdb_cursor_close(s->cur[i]);
		s->cur[i] = NULL;
	}
	s->batch_txn = NULL;
}

static void ml_series_init(struct ml_series *out, struct ml_store *st,
                           MDB_txn *txn, const struct ml_state *s, int first)
{
	bool writing = s != NULL && s->batch_txn == txn;
	out->txn = txn;
	out->dbi = st->dbi[ml_series_dbs[first]];
	out->db = (uint8_t)first;
	out->cur = writing ? s->cur[first] : NULL;
	out->rcur = NULL;
	out->tails = writing && s->tails_on ? s->tails : NULL;
	out->known = writing ? s->known : NULL;
	out->has_known = st->format_version >= 6;
	out->kdbi = st->dbi[ML_DB_KNOWN];
}

void ml_series_acct(struct ml_series *out, struct ml_store *st, MDB_txn *txn,
                    const struct ml_state *s, uint32_t grant_no,
                    uint32_t party_no)
{
	ml_series_init(out, st, txn, s, ML_SERIES_ACCT);
	ml_acct_prefix(out->prefix, grant_no, party_no);
	out->plen = 8;
}

void ml_series_edge(struct ml_series *out, struct ml_store *st, MDB_txn *txn,
                    const struct ml_state *s, uint32_t grant_no,
                    uint32_t from_no, uint32_t to_no)
{
	ml_series_init(out, st, txn, s, ML_SERIES_EDGE);
	ml_edge_prefix(out->prefix, grant_no, from_no, to_no);
	out->plen = 12;
}

void ml_series_act(struct ml_series *out, struct ml_store *st, MDB_txn *txn,
                   const struct ml_state *s, uint32_t grant_no,
                   uint32_t party_no, uint32_t act_no)
{
	ml_series_init(out, st, txn, s, ML_SERIES_ACT);
	ml_edge_prefix(out->prefix, grant_no, party_no, act_no);
	out->plen = 12;
}

size_t ml_key_num(unsigned char *k, enum ml_name_kind kind, uint32_t no)
{
	ML_ASSERT((unsigned)kind <= 0xff);
	k[0] = (unsigned char)kind;
	ml_be32_put(k + 1, no);
	return 5;
}

int ml_state_lookup(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                    struct ml_str id, uint32_t *no)
{
	unsigned char key[1 + ML_GRANT_ID_MAX];
	*no = 0;
	if (id.ptr == NULL || id.len > ML_GRANT_ID_MAX)
		return 0;
	key[0] = (unsigned char)k;
	memcpy(key + 1, id.ptr, id.len);
	MDB_val kv = {1 + id.len, key};
	uint64_t v;
	int rc = ml_store_get_be(st, txn, ML_DB_NAMES, kv, 4, &v, NULL);
	*no = (uint32_t)v;
	return rc;
}

/* The nums value of (k, no): row bytes then id; found by mdb_get (cur
 * NULL) or with cur. */
static int ml_num_row(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                      enum ml_name_kind k, uint32_t no, size_t row_size,
                      void *row, struct ml_str *id)
{
	unsigned char key[5];
	MDB_val kv = {ml_key_num(key, k, no), key}, val;
	int rc = cur != NULL ? mdb_cursor_get(cur, &kv, &val, MDB_SET_KEY)
	                     : mdb_get(txn, st->dbi[ML_DB_NUMS], &kv, &val);
	if (rc == MDB_NOTFOUND)
		return ML_E_NOT_FOUND;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (val.mv_size <= row_size)
		return ML_E_CORRUPT;
	if (row != NULL)
		memcpy(row, val.mv_data, row_size);
	if (id != NULL) {
		id->ptr = (const char *)val.mv_data + row_size;
		id->len = (uint32_t)(val.mv_size - row_size);
	}
	return 0;
}

int ml_state_num_get(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                     uint32_t no, size_t row_size, void *row, struct ml_str *id)
{
	return ml_num_row(st, txn, NULL, k, no, row_size, row, id);
}

int ml_state_nums_open(struct ml_store *st, MDB_txn *txn, MDB_cursor **cur)
{
	return ml_error_from_mdb(
	    mdb_cursor_open(txn, st->dbi[ML_DB_NUMS], cur));
}

int ml_state_party_at(MDB_cursor *cur, uint32_t no, struct ml_party_row *row)
{
	return ml_num_row(NULL, NULL, cur, ML_NAME_PARTY, no, sizeof *row, row,
	                  NULL);
}

static size_t ml_row_size(enum ml_name_kind k)
{
	return k == ML_NAME_PARTY ? sizeof(struct ml_party_row)
	                          : sizeof(struct ml_grant_row);
}

int ml_state_name(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                  uint32_t no, struct ml_str *id)
{
	return ml_state_num_get(st, txn, k, no, ml_row_size(k), NULL, id);
}

int ml_state_name_at(MDB_cursor *cur, enum ml_name_kind k, uint32_t no,
                     struct ml_str *id)
{
	return ml_num_row(NULL, NULL, cur, k, no, ml_row_size(k), NULL, id);
}

int ml_state_count(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                   uint32_t *count)
{
	unsigned char key[5];
	MDB_val kv = {ml_key_num(key, (enum ml_name_kind)(k + 1), 0), key};
	MDB_val val;
	MDB_cursor *cur;
	*count = 0;
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_NUMS], &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	rc = mdb_cursor_get(cur, &kv, &val, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &kv, &val, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &kv, &val, MDB_LAST);
	if (rc == 0 && kv.mv_size == 5 &&
	    ((unsigned char *)kv.mv_data)[0] == (unsigned char)k)
		*count = ml_be32_get((unsigned char *)kv.mv_data + 1);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

int ml_state_party(struct ml_store *st, MDB_txn *txn, uint32_t no,
                   struct ml_party_row *row)
{
	return ml_state_num_get(st, txn, ML_NAME_PARTY, no, sizeof *row, row,
	                        NULL);
}

int ml_state_grant(struct ml_store *st, MDB_txn *txn, uint32_t no,
                   struct ml_grant_row *row)
{
	return ml_state_num_get(st, txn, ML_NAME_GRANT, no, sizeof *row, row,
	                        NULL);
}

int ml_state_grant_effective(struct ml_store *st, MDB_txn *txn, uint32_t no,
                             struct ml_grant_row *row)
{
	int rc = ml_state_grant(st, txn, no, row);
	uint32_t up = row->parent_no;
	/* Posts nest at most as deep as there are grants; bound the walk. */
	for (uint32_t hops = 0; rc == 0 && up != 0 && hops < ML_GRANTS_MAX;
	     hops++) {
		struct ml_grant_row p;
		rc = ml_state_grant(st, txn, up, &p);
		if (rc != 0)
			break;
		ml_grant_inherit(row, &p);
		up = p.parent_no;
	}
	return rc;
}

void ml_party_row_from_event(const struct ml_event *ev, uint32_t parent_no,
                             struct ml_party_row *row)
{
	memset(row, 0, sizeof *row);
	row->def_seq = ev->seq;
	row->parent_no = parent_no;
	row->kind = ML_PARTY_KIND_COUNT - 1;
	for (uint32_t i = 0; i < ML_PARTY_KIND_COUNT; i++) {
		if (ml_str_eq_c(ev->kind, ml_party_kinds[i])) {
			row->kind = i;
			break;
		}
	}
}

void ml_grant_row_from_event(const struct ml_event *ev, uint32_t payer,
                             uint32_t parent, struct ml_grant_row *row)
{
	memset(row, 0, sizeof *row);
	row->def_seq = ev->seq;
	row->payer_no = payer;
	row->parent_no = parent;
	row->total_ore = ev->total_ore;
	uint64_t p = ev->present;
	row->use_by = p & ML_BIT(ML_F_USE_BY) ? ev->use_by : ML_DAY_NONE;
	row->report_by =
	    p & ML_BIT(ML_F_REPORT_BY) ? ev->report_by : ML_DAY_NONE;
	row->repay_by = p & ML_BIT(ML_F_REPAY_BY) ? ev->repay_by : ML_DAY_NONE;
	row->carry_over = p & ML_BIT(ML_F_CARRY_OVER) ? ev->carry_over : -1;
	row->year = p & ML_BIT(ML_F_YEAR) ? ev->year : 0;
	row->date = ev->date;
}

void ml_grant_inherit(struct ml_grant_row *row, const struct ml_grant_row *p)
{
	if (row->use_by == ML_DAY_NONE)
		row->use_by = p->use_by;
	if (row->report_by == ML_DAY_NONE)
		row->report_by = p->report_by;
	if (row->repay_by == ML_DAY_NONE)
		row->repay_by = p->repay_by;
	if (row->carry_over < 0)
		row->carry_over = p->carry_over;
}

int ml_state_def_at(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                    uint32_t no, const struct ml_view *v, uint64_t *seq)
{
	unsigned char key[17];
	ml_key_num(key, k, no);
	ml_be32_put(key + 5, (uint32_t)(v->as_of + 1));
	ml_be64_put(key + 9, 0);
	MDB_val kv = {17, key}, val;
	MDB_cursor *cur;
	*seq = 0;
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_DEFS], &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	rc = mdb_cursor_get(cur, &kv, &val, MDB_SET_RANGE);
	rc = mdb_cursor_get(cur, &kv, &val, rc == 0 ? MDB_PREV : MDB_LAST);
	/* Walk back over definitions recorded after the known point. */
	while (rc == 0 && kv.mv_size == 17 && memcmp(kv.mv_data, key, 5) == 0) {
		uint64_t s = ml_be64_get((unsigned char *)kv.mv_data + 9);
		if (!v->known || s <= v->known_seq) {
			*seq = s;
			break;
		}
		rc = mdb_cursor_get(cur, &kv, &val, MDB_PREV);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

void ml_acct_prefix(unsigned char *p, uint32_t grant_no, uint32_t party_no)
{
	ml_be32_put(p, grant_no);
	ml_be32_put(p + 4, party_no);
}

void ml_edge_prefix(unsigned char *p, uint32_t grant_no, uint32_t from_no,
                    uint32_t to_no)
{
	ml_be32_put(p, grant_no);
	ml_be32_put(p + 4, from_no);
	ml_be32_put(p + 8, to_no);
}

static int ml_view_totals(const struct ml_series *s, const struct ml_view *v,
                          struct ml_totals *out, bool *exists)
{
	if (v->known)
		return ml_entries_known(s, v->as_of, v->known_seq, out, exists);
	return ml_entries_at(s, v->as_of, out, exists);
}

int ml_state_account(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                     uint32_t grant_no, uint32_t party_no,
                     struct ml_totals *out, bool *exists)
{
	struct ml_series s;
	ml_series_acct(&s, st, txn, NULL, grant_no, party_no);
	return ml_view_totals(&s, v, out, exists);
}

int ml_state_edge(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                  uint32_t grant_no, uint32_t from_no, uint32_t to_no,
                  struct ml_totals *out, bool *exists)
{
	struct ml_series s;
	ml_series_edge(&s, st, txn, NULL, grant_no, from_no, to_no);
	return ml_view_totals(&s, v, out, exists);
}

int ml_state_activity(struct ml_store *st, MDB_txn *txn,
                      const struct ml_view *v, uint32_t grant_no,
                      uint32_t party_no, uint32_t act_no, struct ml_totals *out,
                      bool *exists)
{
	struct ml_series s;
	ml_series_act(&s, st, txn, NULL, grant_no, party_no, act_no);
	return ml_view_totals(&s, v, out, exists);
}

/* The first key ≥ start whose first 4 bytes are grant_no, with cursor
 * cur; copies the 4-byte words after the grant into words[]. *found
 * false at the end. */
static int ml_next_prefix_at(MDB_cursor *cur, const unsigned char *start,
                             size_t slen, uint32_t grant_no, uint32_t *words,
                             int nwords, bool *found)
{
	*found = false;
	MDB_val kv = {slen, (void *)start}, val;
	int rc = mdb_cursor_get(cur, &kv, &val, MDB_SET_RANGE);
	if (rc == 0 && kv.mv_size >= 4 + 4 * (size_t)nwords &&
	    ml_be32_get(kv.mv_data) == grant_no) {
		for (int i = 0; i < nwords; i++)
			words[i] = ml_be32_get((unsigned char *)kv.mv_data + 4 +
			                       4 * i);
		*found = true;
	}
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

/* ml_next_prefix_at with a cursor of its own. */
static int ml_next_prefix(MDB_txn *txn, MDB_dbi dbi, const unsigned char *start,
                          size_t slen, uint32_t grant_no, uint32_t *words,
                          int nwords, bool *found)
{
	MDB_cursor *cur;
	*found = false;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	rc =
	    ml_next_prefix_at(cur, start, slen, grant_no, words, nwords, found);
	mdb_cursor_close(cur);
	return rc;
}

int ml_state_accounts_open(struct ml_store *st, MDB_txn *txn, MDB_cursor **cur)
{
	return ml_error_from_mdb(
	    mdb_cursor_open(txn, st->dbi[ML_DB_ACCT], cur));
}

int ml_state_next_account_at(MDB_cursor *cur, uint32_t grant_no,
                             uint32_t *party_no)
{
	if (*party_no == UINT32_MAX) {
		*party_no = 0;
		return 0;
	}
	unsigned char start[8];
	ml_acct_prefix(start, grant_no, *party_no + 1);
	uint32_t w[1];
	bool found;
	int rc = ml_next_prefix_at(cur, start, 8, grant_no, w, 1, &found);
	*party_no = found ? w[0] : 0;
	return rc;
}

int ml_state_account_at(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                        const struct ml_view *v, uint32_t grant_no,
                        uint32_t party_no, struct ml_totals *out, bool *exists)
{
	struct ml_series s;
	ml_series_acct(&s, st, txn, NULL, grant_no, party_no);
	s.rcur = cur;
	return ml_view_totals(&s, v, out, exists);
}

int ml_state_next_account(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          uint32_t *party_no)
{
	MDB_cursor *cur;
	int rc = ml_state_accounts_open(st, txn, &cur);
	if (rc != 0)
		return rc;
	rc = ml_state_next_account_at(cur, grant_no, party_no);
	mdb_cursor_close(cur);
	return rc;
}

int ml_state_edges_open(struct ml_store *st, MDB_txn *txn, MDB_cursor **cur)
{
	return ml_error_from_mdb(
	    mdb_cursor_open(txn, st->dbi[ML_DB_EDGE], cur));
}

int ml_state_next_edge_at(MDB_cursor *cur, uint32_t grant_no, uint32_t *from_no,
                          uint32_t *to_no)
{
	unsigned char start[12];
	uint32_t from = *from_no, to = *to_no;
	if (to == UINT32_MAX) {
		from++;
		to = 0;
	} else {
		to++;
	}
	ml_edge_prefix(start, grant_no, from, to);
	uint32_t w[2];
	bool found;
	int rc = ml_next_prefix_at(cur, start, 12, grant_no, w, 2, &found);
	*from_no = found ? w[0] : 0;
	*to_no = found ? w[1] : 0;
	return rc;
}

int ml_state_edge_at(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                     const struct ml_view *v, uint32_t grant_no,
                     uint32_t from_no, uint32_t to_no, struct ml_totals *out,
                     bool *exists)
{
	struct ml_series s;
	ml_series_edge(&s, st, txn, NULL, grant_no, from_no, to_no);
	s.rcur = cur;
	return ml_view_totals(&s, v, out, exists);
}

int ml_state_next_edge(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                       uint32_t *from_no, uint32_t *to_no)
{
	MDB_cursor *cur;
	int rc = ml_state_edges_open(st, txn, &cur);
	if (rc != 0)
		return rc;
	rc = ml_state_next_edge_at(cur, grant_no, from_no, to_no);
	mdb_cursor_close(cur);
	return rc;
}

int ml_state_next_activity(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                           uint32_t party_no, uint32_t *act_no)
{
	if (*act_no == UINT32_MAX) {
		*act_no = 0;
		return 0;
	}
	unsigned char start[12];
	ml_edge_prefix(start, grant_no, party_no, *act_no + 1);
	uint32_t w[2];
	bool found;
	int rc = ml_next_prefix(txn, st->dbi[ML_DB_ACT], start, 12, grant_no, w,
	                        2, &found);
	*act_no = found && w[0] == party_no ? w[1] : 0;
	return rc;
}

int ml_state_walk_accounts(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                           struct ml_walk *w)
{
	ML_ASSERT(grant_no != 0); /* numbers start at 1: 0 is "none" */
	w->grant_no = grant_no;
	w->cur = NULL;
	w->later = false;
	int rc = ml_state_count(st, txn, ML_NAME_PARTY, &w->last_no);
	w->next_no = w->last_no > 0 ? 1 : 0;
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_ACCT], &w->cur));
	return rc;
}

int ml_state_walk_next(struct ml_store *st, MDB_txn *txn,
                       const struct ml_view *v, struct ml_walk *w, uint32_t *no,
                       struct ml_totals *out, bool *exists)
{
	ML_ASSERT(!v->known && w->cur != NULL);
	memset(out, 0, sizeof *out);
	*exists = false;
	*no = w->next_no;
	if (*no == 0)
		return 0;
	struct ml_series s;
	unsigned char next[ML_PREFIX_MAX];
	ml_series_acct(&s, st, txn, NULL, w->grant_no, *no);
	int rc = ml_entries_at_next(&s, w->cur, v->as_of, out, exists, next);
	if (rc != 0)
		return rc;
	/* the key after as_of: this series goes on, or the next starts;
	 * its owner (the grant) is the prefix but the last word, the
	 * number walked */
	size_t owner = s.plen - 4;
	uint32_t n = ml_be32_get(next + owner);
	if (memcmp(next, s.prefix, owner) != 0)
		w->next_no = 0; /* past the owner's last series */
	else if (n == *no)
		w->next_no = n == UINT32_MAX ? 0 : n + 1;
	else
		w->next_no = n;
	if (memcmp(next, s.prefix, owner) == 0 && n == *no)
		w->later = true; /* this series has a record ≥ as_of */
	if (w->next_no > w->last_no)
		w->next_no = 0; /* no number given after last_no */
	ML_ASSERT(w->next_no == 0 || w->next_no > *no);
	return 0;
}

int ml_state_activities_at(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                           uint32_t party_no, ml_day as_of, ml_activity_fn fn,
                           void *arg)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_PDAY], &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	rc = ml_pday_at(cur, grant_no, party_no, as_of, fn, arg);
	mdb_cursor_close(cur);
	return rc;
}

/* ml_state_activities_known: each activity's day record from pday, made
 * known at known_seq before fn sees it. */
struct ml_known_acts {
	struct ml_store *st;
	MDB_txn *txn;
	MDB_cursor *kcur;
	uint32_t grant_no, party_no;
	const struct ml_view *v;
	ml_activity_fn fn;
	void *arg;
};

static int ml_known_act(uint32_t act_no, const int64_t *totals, void *arg)
{
	struct ml_known_acts *k = arg;
	struct ml_series s;
	struct ml_totals known;
	ml_series_act(&s, k->st, k->txn, NULL, k->grant_no, k->party_no,
	              act_no);
	int rc = ml_known_totals(&s, k->kcur, k->v->as_of, k->v->known_seq,
	                         totals, &known);
	return rc != 0 ? rc : k->fn(act_no, known.v, k->arg);
}

int ml_state_activities_known(struct ml_store *st, MDB_txn *txn,
                              const struct ml_view *v, uint32_t grant_no,
                              uint32_t party_no, ml_activity_fn fn, void *arg)
{
	ML_ASSERT(v->known);
	struct ml_known_acts k = {st,       txn, NULL, grant_no,
	                          party_no, v,   fn,   arg};
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_KNOWN], &k.kcur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	rc = ml_state_activities_at(st, txn, grant_no, party_no, v->as_of,
	                            ml_known_act, &k);
	mdb_cursor_close(k.kcur);
	return rc;
}

void ml_state_walk_range(struct ml_walk *w, uint32_t first_no, uint32_t last_no)
{
	ML_ASSERT(first_no >= 1 && first_no <= last_no);
	ML_ASSERT(w->cur != NULL && w->next_no <= 1); /* not walked yet */
	if (last_no < w->last_no)
		w->last_no = last_no;
	w->next_no = first_no <= w->last_no ? first_no : 0;
}

void ml_state_walk_end(struct ml_walk *w)
{
	if (w->cur != NULL)
		mdb_cursor_close(w->cur);
	w->cur = NULL;
}

int ml_state_scan_account(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          uint32_t party_no, ml_day last_day, ml_entry_fn fn,
                          void *arg)
{
	struct ml_series s;
	ml_series_acct(&s, st, txn, NULL, grant_no, party_no);
	return ml_entries_scan(&s, 0, last_day, fn, arg);
}

int ml_state_correction(struct ml_store *st, MDB_txn *txn, uint64_t seq,
                        uint64_t *by, ml_day *day)
{
	unsigned char k[8];
	ml_be64_put(k, seq);
	MDB_val kv = {8, k}, val;
	*by = 0;
	*day = ML_DAY_NONE;
	int rc = mdb_get(txn, st->dbi[ML_DB_CORR], &kv, &val);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (val.mv_size != 8 && val.mv_size != 12)
		return ML_E_CORRUPT;
	*by = ml_be64_get(val.mv_data);
	if (val.mv_size == 12)
		*day = (ml_day)ml_be32_get((unsigned char *)val.mv_data + 8);
	return *by > seq ? 0 : ML_E_CORRUPT;
}

int ml_state_corrected_by(struct ml_store *st, MDB_txn *txn, uint64_t seq,
                          uint64_t *by)
{
	ml_day day;
	return ml_state_correction(st, txn, seq, by, &day);
}

int ml_state_event_root(struct ml_store *st, MDB_txn *txn, uint64_t seq,
                        struct ml_event *ev, int *depth)
{
	int rc = ml_log_get(st, txn, seq, ev);
	*depth = 0;
	while (rc == 0 && ev->type == ML_TYPE_CORRECTION) {
		if (*depth == ML_CORRECTION_CHAIN_MAX || ev->corrects >= seq)
			return ML_E_CORRUPT;
		seq = ev->corrects;
		++*depth;
		rc = ml_log_get(st, txn, seq, ev);
	}
	return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
}

int ml_state_correction_effect(struct ml_store *st, MDB_txn *txn,
                               uint64_t c_seq, uint64_t *root_seq, ml_day *day,
                               int *sign)
{
	struct ml_event c, e;
	uint64_t by = 0;
	int depth = 0;
	int rc = ml_log_get(st, txn, c_seq, &c);
	if (rc == 0 && c.type != ML_TYPE_CORRECTION)
		rc = ML_E_CORRUPT;
	uint64_t t_seq = rc == 0 ? c.corrects : 0;
	if (rc == 0)
		rc = ml_state_correction(st, txn, t_seq, &by, day);
	if (rc == 0 && by != c_seq)
		rc = ML_E_CORRUPT;
	if (rc == 0)
		rc = ml_state_event_root(st, txn, c_seq, &e, &depth);
	if (rc != 0)
		return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
	*root_seq = e.seq;
	*sign = depth % 2 == 1 ? -1 : 1;
	if (*day != ML_DAY_NONE)
		return 0;
	*day = e.date; /* it withdrew the records of its target */
	if (depth == 1)
		return 0;
	rc = ml_log_get(st, txn, t_seq, &c);
	if (rc == 0)
		rc = ml_state_correction(st, txn, c.corrects, &by, day);
	return rc == 0 && (by != t_seq || *day == ML_DAY_NONE) ? ML_E_CORRUPT
	                                                       : rc;
}

/* Does view v see event seq dated day, counting as far as v knows? The
 * event's chain of corrections is walked: each either withdraws the
 * records of the link before it (day NONE) or posts its own, with the
 * sign of its place in the chain (odd: withdraw), on its day. */
int ml_view_counts(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                   uint64_t seq, ml_day day, bool *counts)
{
	*counts = false;
	if (v->known && seq > v->known_seq)
		return 0;
	int sum = 0, sign = 1, rc = 0;
	ml_day pending = day; /* the last link's own records' date */
	uint64_t cur = seq;
	for (int k = 1; rc == 0 && k <= ML_CORRECTION_CHAIN_MAX; k++) {
		uint64_t by;
		ml_day at;
		rc = ml_state_correction(st, txn, cur, &by, &at);
		if (rc != 0 || by == 0 || (v->known && by > v->known_seq))
			break;
		if (at != ML_DAY_NONE && pending != ML_DAY_NONE &&
		    pending <= v->as_of)
			sum += sign; /* the link before keeps its records */
		sign = k % 2 == 1 ? -1 : 1;
		pending = at;
		cur = by;
	}
	if (pending != ML_DAY_NONE && pending <= v->as_of)
		sum += sign;
	*counts = sum > 0;
	return rc;
}

/* Walks index db (grant ‖ party ‖ seq → date ‖ …) for (g, p), calling fn
 * with each entry the view counts. */
typedef int (*ml_index_fn)(const unsigned char *val, size_t len, uint64_t seq,
                           void *arg);

static int ml_index_walk(struct ml_store *st, MDB_txn *txn, enum ml_db db,
                         const struct ml_view *v, uint32_t g, uint32_t p,
                         ml_index_fn fn, void *arg)
{
	unsigned char start[16];
	ml_acct_prefix(start, g, p);
	ml_be64_put(start + 8, 0);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->dbi[db], &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	MDB_val kv = {16, start}, val;
	rc = mdb_cursor_get(cur, &kv, &val, MDB_SET_RANGE);
	while (rc == 0 && kv.mv_size == 16 &&
	       memcmp(kv.mv_data, start, 8) == 0) {
		bool counts = false;
		uint64_t seq = ml_be64_get((unsigned char *)kv.mv_data + 8);
		ml_day day =
		    val.mv_size >= 4 ? (ml_day)ml_be32_get(val.mv_data) : 0;
		rc = ml_view_counts(st, txn, v, seq, day, &counts);
		if (rc == 0 && counts)
			rc = fn(val.mv_data, val.mv_size, seq, arg);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &kv, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

static int ml_report_seen(const unsigned char *val, size_t len, uint64_t seq,
                          void *arg)
{
	(void)val;
	(void)len;
	(void)seq;
	*(bool *)arg = true;
	return 0;
}

struct ml_report_walk {
	ml_seq_fn fn;
	void *arg;
};

static int ml_report_each(const unsigned char *val, size_t len, uint64_t seq,
                          void *arg)
{
	struct ml_report_walk *w = arg;
	(void)val;
	(void)len;
	return w->fn(seq, w->arg);
}

int ml_state_reports(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                     uint32_t grant_no, uint32_t party_no, ml_seq_fn fn,
                     void *arg)
{
	struct ml_report_walk w = {fn, arg};
	return ml_index_walk(st, txn, ML_DB_REPORTS, v, grant_no, party_no,
	                     ml_report_each, &w);
}

int ml_state_reports_from(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          ml_day day, bool *any)
{
	unsigned char start[16];
	ml_acct_prefix(start, grant_no, 0); /* grant ‖ party 0 ‖ seq 0 */
	ml_be64_put(start + 8, 0);
	MDB_cursor *cur;
	*any = false;
	int rc = mdb_cursor_open(txn, st->dbi[ML_DB_REPORTS], &cur);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	MDB_val kv = {16, start}, val;
	rc = mdb_cursor_get(cur, &kv, &val, MDB_SET_RANGE);
	while (rc == 0 && !*any && kv.mv_size == 16 &&
	       memcmp(kv.mv_data, start, 4) == 0) {
		if (val.mv_size < 4)
			rc = ML_E_CORRUPT;
		else if ((ml_day)ml_be32_get(val.mv_data) >= day)
			*any = true;
		else
			rc = mdb_cursor_get(cur, &kv, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ml_error_norm(rc);
}

int ml_state_has_report(struct ml_store *st, MDB_txn *txn,
                        const struct ml_view *v, uint32_t grant_no,
                        uint32_t party_no, bool *has)
{
	*has = false;
	return ml_index_walk(st, txn, ML_DB_REPORTS, v, grant_no, party_no,
	                     ml_report_seen, has);
}

static int ml_claim_seen(const unsigned char *val, size_t len, uint64_t seq,
                         void *arg)
{
	(void)seq;
	if (len != 8)
		return ML_E_CORRUPT;
	ml_day *latest = arg;
	ml_day c = (ml_day)ml_be32_get(val + 4);
	if (c > *latest)
		*latest = c;
	return 0;
}

int ml_state_claim_by(struct ml_store *st, MDB_txn *txn,
                      const struct ml_view *v, uint32_t grant_no,
                      uint32_t party_no, ml_day *claim_by)
{
	*claim_by = ML_DAY_NONE;
	return ml_index_walk(st, txn, ML_DB_CLAIMS, v, grant_no, party_no,
	                     ml_claim_seen, claim_by);
}

static int ml_close_get(struct ml_store *st, MDB_txn *txn, uint32_t g,
                        ml_day *day)
{
	unsigned char k[4];
	ml_be32_put(k, g);
	MDB_val kv = {4, k};
	uint64_t v;
	bool found;
	int rc = ml_store_get_be(st, txn, ML_DB_CLOSE, kv, 4, &v, &found);
	ml_day d = (ml_day)(uint32_t)v;
	if (rc == 0 && found && d > *day)
		*day = d;
	return rc;
}

int ml_state_closed_until(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          ml_day *day)
{
	MDB_stat ms;
	*day = ML_DAY_NONE;
	/* Most ledgers close rarely: an empty close database answers at
	 * once, without walking the grant's parents. */
	int rc = mdb_stat(txn, st->dbi[ML_DB_CLOSE], &ms);
	if (rc != 0 || ms.ms_entries == 0)
		return ml_error_from_mdb(rc);
	rc = ml_close_get(st, txn, 0, day);
	for (uint32_t hops = 0;
	     rc == 0 && grant_no != 0 && hops < ML_GRANTS_MAX; hops++) {
		struct ml_grant_row row;
		rc = ml_close_get(st, txn, grant_no, day);
		if (rc == 0)
			rc = ml_state_grant(st, txn, grant_no, &row);
		grant_no = row.parent_no;
	}
	return rc;
}

/*
 * test_known.c — known views from the known database (ml_known.h)
 * against a scan of the series' entries.
 *
 * Seeded random batches of expenses and corrections on one grant (three
 * parties, three activities) until the log spans four blocks of
 * ML_KNOWN_BLOCK_SEQS seqs, so every case of the reader is met: a view
 * known at a seq in a block where the series has in-order entries, in
 * one where it has none, at a block's first and last seq, before the
 * series' first entry, and dated before, inside and after a block's
 * frontier. Most expenses are dated a little after the one before; one
 * in six is back-dated by up to 60 days (a late entry when that reaches
 * before its block's starting frontier); one event in eight corrects an
 * earlier expense or correction (so corrections of corrections count
 * again). Batches are of 1 to 3 events, now and then 40 (the batch's
 * tails on) or 600 (crossing a block inside a batch).
 *
 * After every few batches, in one read snapshot:
 *   - ml_known_check finds the stored records the same as records made
 *     again from the series;
 *   - for every account, edge and activity series of the grant and
 *     random and chosen (date, seq) pairs, the known view's totals from
 *     the known database equal a scan of the series' entries (the code
 *     path before format 6, which the reader falls back to).
 * Then the records are damaged three ways (a byte changed, one deleted,
 * one added) and ml_known_check and verify must see it.
 *
 * MEDEL_KNOWN_SEED overrides the seed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_known.h"
#include "ml_state_internal.h"
#include "ml_store.h"
#include "ml_varint.h"
#include "mt.h"
#include "tl.h"

#define SEED_DEFAULT 20261204ULL
#define NPARTY       4
#define NACT         3
#define PERIOD       512 /* seqs: party d spends in odd periods only */
#define HEAD_MIN     6000
#define SEQS_MAX     (HEAD_MIN + 1000)

static const char *const PARTY[NPARTY] = {"a", "b", "c", "d"};
static const char *const ACT[NACT] = {"Samtal", "Utbildning", "Hembesök"};

static const char SETUP[] =
    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"kk\","
    "\"name\":\"KK\",\"kind\":\"state\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"a\","
    "\"name\":\"A\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"b\","
    "\"name\":\"B\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"c\","
    "\"name\":\"C\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"d\","
    "\"name\":\"D\",\"kind\":\"municipality\"},"
    "{\"type\":\"grant\",\"date\":\"2020-01-02\",\"grant\":\"g\","
    "\"name\":\"G\",\"payer\":\"kk\",\"total\":400000000000},"
    "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"a\",\"amount\":100000000000},"
    "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"b\",\"amount\":100000000000},"
    "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"c\",\"amount\":100000000000},"
    "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"d\",\"amount\":100000000000},"
    "{\"type\":\"payout\",\"date\":\"2020-01-04\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"a\",\"amount\":100000000000},"
    "{\"type\":\"payout\",\"date\":\"2020-01-04\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"b\",\"amount\":100000000000},"
    "{\"type\":\"payout\",\"date\":\"2020-01-04\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"c\",\"amount\":100000000000},"
    "{\"type\":\"payout\",\"date\":\"2020-01-04\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"d\",\"amount\":100000000000}]";

struct run {
	struct ml_ledger *lg;
	uint64_t rng;
	uint64_t seqs[SEQS_MAX]; /* expenses and corrections stored */
	int n_seqs;
	bool corrected[SEQS_MAX + 1]; /* by seq, once stored */
	uint64_t pending[600];        /* corrected by the batch being made */
	int n_pending;
	long refused;
	ml_day front; /* the date expenses move forward from */
	uint64_t head;
	long compared, late_seen;
	bool thorough; /* the final check: around every group */
};

/* Party d spends only in odd periods (by the seq the event gets if its
 * batch is stored), so its groups have gaps between them: 1 for an
 * event in an even one. */
static int even_period(const struct run *r, long i)
{
	return ((r->head + 1 + (uint64_t)i) / PERIOD) % 2 == 0;
}

/* Event i of a batch, an expense or a correction, as JSON at out;
 * returns its length. */
static int gen_event(struct run *r, long i, char *out, size_t cap)
{
	char d[ML_DATE_TEXT_MAX];
	ml_day date = r->front;
	if (tl_pick(&r->rng, 6) == 0)
		date -= tl_pick(&r->rng, 60);
	else if (tl_pick(&r->rng, 400) == 0)
		r->front++;
	ml_date_format(date, d, sizeof d);
	uint64_t target = r->n_seqs > 0 && tl_pick(&r->rng, 8) == 0
	                      ? r->seqs[tl_pick(&r->rng, r->n_seqs)]
	                      : 0;
	for (int j = 0; target != 0 && j < r->n_pending; j++)
		target = r->pending[j] == target ? 0 : target;
	if (target != 0 && !r->corrected[target]) {
		r->pending[r->n_pending++] = target;
		return snprintf(out, cap,
		                "{\"type\":\"correction\",\"date\":\"%s\","
		                "\"corrects\":%" PRIu64 ",\"note\":\"fel\"}",
		                d, target);
	}
	return snprintf(out, cap,
	                "{\"type\":\"expense\",\"date\":\"%s\",\"grant\":"
	                "\"g\",\"party\":\"%s\",\"activity\":\"%s\","
	                "\"amount\":%d}",
	                d, PARTY[tl_pick(&r->rng, NPARTY - even_period(r, i))],
	                ACT[tl_pick(&r->rng, NACT)],
	                1 + tl_pick(&r->rng, 100000));
}

/* Appends a batch of n events; remembers their seqs when stored. */
static void append_batch(struct run *r, int n)
{
	static char json[600 * 256];
	size_t at = 0;
	json[at++] = '[';
	for (long i = 0; i < n; i++) {
		if (i > 0)
			json[at++] = ',';
		at += (size_t)gen_event(r, i, json + at, sizeof json - at - 2);
	}
	json[at++] = ']';
	json[at] = '\0';
	struct ml_errinfo err;
	uint64_t last = 0;
	int pending = r->n_pending;
	r->n_pending = 0;
	if (tl_append(r->lg, json, &err, &last) != 0) {
		r->refused++; /* a correction the rules refuse, say */
		if (getenv("MEDEL_KNOWN_SAY"))
			fprintf(stderr, "refused: %s\n", err.message);
		return;
	}
	for (int i = 0; i < pending; i++)
		r->corrected[r->pending[i]] = true;
	r->head = last;
	for (uint64_t s = last - (uint64_t)n + 1;
	     s <= last && r->n_seqs < SEQS_MAX; s++)
		r->seqs[r->n_seqs++] = s;
}

/* The known view of series s at (as_of, known_seq) both ways. */
static void compare_one(struct run *r, struct ml_series *s, ml_day as_of,
                        uint64_t known_seq)
{
	struct ml_totals fast, slow;
	bool fast_exists, slow_exists;
	MT_REQUIRE(s->has_known);
	MT_CHECK_INT(ml_entries_known(s, as_of, known_seq, &fast, &fast_exists),
	             0);
	s->has_known = false; /* the scan */
	MT_CHECK_INT(ml_entries_known(s, as_of, known_seq, &slow, &slow_exists),
	             0);
	s->has_known = true;
	if (memcmp(fast.v, slow.v, sizeof fast.v) != 0 ||
	    fast_exists != slow_exists)
		MT_FAIL_AT("series db %u party %u: known at seq %" PRIu64
		           ", dated %d: %" PRId64 " öre spent, %" PRId64
		           " entries; the scan gives %" PRId64 ", %" PRId64,
		           s->db, ml_be32_get(s->prefix + 4), known_seq,
		           (int)as_of, fast.v[ML_B_SPENT], fast.v[ML_B_ENTRIES],
		           slow.v[ML_B_SPENT], slow.v[ML_B_ENTRIES]);
	r->compared++;
}

/* Seqs worth asking at: the head, early, random. */
static uint64_t pick_seq(struct run *r)
{
	switch (tl_pick(&r->rng, 4)) {
	case 0:
		return r->head;
	case 1:
		return 1 + (uint64_t)tl_pick(&r->rng, 20); /* before most */
	default:
		return 1 + tl_random(&r->rng) % r->head;
	}
}

/* A date near the front, where the late entries fall. */
static ml_day pick_day(struct run *r)
{
	return r->front + 1 - tl_pick(&r->rng, 80);
}

/* The first seqs of s's groups, in-order and late, at most max. */
static void group_firsts(struct ml_series *s, uint64_t *out, int max, int *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned char key[ML_KNOWN_KEY_MAX];
	*n = 0;
	key[0] = s->db;
	memcpy(key + 1, s->prefix, s->plen);
	size_t head = 1 + s->plen; /* the kind follows */
	MT_REQUIRE(mdb_cursor_open(s->txn, s->kdbi, &cur) == 0);
	k = (MDB_val){head, key};
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0 && *n < max && k.mv_size == head + 9 &&
	       memcmp(k.mv_data, key, head) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		out[(*n)++] =
		    ml_be64_get((unsigned char *)k.mv_data + head + 1);
	mdb_cursor_close(cur);
}

/* Known just before, at and just after each group's first seq, at dates
 * near the front: only in the final check (r->thorough), since each
 * costs a scan. */
static void compare_at_groups(struct run *r, struct ml_series *s)
{
	uint64_t first[96];
	int n;
	group_firsts(s, first, 96, &n);
	MT_CHECK(n > 0 || !r->thorough); /* every series has entries by then */
	for (int i = 0; r->thorough && i < n; i++)
		for (int d = -1; d <= 4; d++)
			for (int k = 0; k < 4; k++)
				compare_one(r, s, pick_day(r),
				            first[i] + (uint64_t)d);
}

static void compare_series(struct run *r, struct ml_series *s)
{
	compare_at_groups(r, s);
	for (int i = 0; i < 32; i++) {
		ml_day d = i % 4 == 0 ? r->front + 400
		           : i % 4 == 1
		               ? pick_day(r)
		               : tl_day("2020-01-01") +
		                     tl_pick(&r->rng, r->front -
		                                          tl_day("2020-"
		                                                 "01-0"
		                                                 "1") +
		                                          1);
		compare_one(r, s, d, pick_seq(r));
	}
}

static void check_all(struct run *r)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	MDB_txn *txn;
	bool same = false;
	struct ml_known_where w;
	uint64_t checked = 0;
	uint32_t g = 0, kk = 0, p;
	struct ml_series s;
	MT_REQUIRE(ml_ledger_read_begin_txn(r->lg, &txn) == 0);
	MT_CHECK_INT(ml_known_check(st, txn, UINT64_MAX, &same, &w, &checked),
	             0);
	if (!same)
		MT_FAIL_AT("known differs at db %u party %u", w.db,
		           ml_be32_get(w.prefix + 4));
	MT_CHECK_INT(ml_state_lookup(st, txn, ML_NAME_GRANT, ml_str_c("g"), &g),
	             0);
	MT_CHECK_INT(
	    ml_state_lookup(st, txn, ML_NAME_PARTY, ml_str_c("kk"), &kk), 0);
	ml_series_acct(&s, st, txn, NULL, g, kk);
	compare_series(r, &s);
	for (int i = 0; i < NPARTY; i++) {
		MT_CHECK_INT(ml_state_lookup(st, txn, ML_NAME_PARTY,
		                             ml_str_c(PARTY[i]), &p),
		             0);
		ml_series_acct(&s, st, txn, NULL, g, p);
		compare_series(r, &s);
		ml_series_edge(&s, st, txn, NULL, g, kk, p);
		compare_series(r, &s);
		for (uint32_t act = 1; act <= NACT; act++) {
			ml_series_act(&s, st, txn, NULL, g, p, act);
			compare_series(r, &s);
		}
	}
	ml_ledger_read_end(r->lg, ml_read_of(txn));
}

/* Damages the known database with edit; ml_known_check and verify must
 * see it. */
typedef void (*edit_fn)(MDB_cursor *cur);

static void expect_damage(struct run *r, edit_fn edit, const char *what)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	MDB_txn *txn;
	MDB_cursor *cur;
	bool same = true;
	struct ml_known_where w;
	uint64_t checked = 0;
	MT_REQUIRE(ml_store_txn_begin(st, NULL, false, &txn) == 0);
	MT_REQUIRE(mdb_cursor_open(txn, st->dbi[ML_DB_KNOWN], &cur) == 0);
	edit(cur);
	mdb_cursor_close(cur);
	MT_CHECK_INT(ml_known_check(st, txn, UINT64_MAX, &same, &w, &checked),
	             0);
	if (same)
		MT_FAIL_AT("%s: not seen", what);
	cJSON *doc = NULL;
	struct ml_errinfo err;
	MT_CHECK_INT(
	    ml_answer_verify(r->lg, ml_read_of(txn), &doc, NULL, NULL, &err),
	    0);
	MT_CHECK(doc != NULL && cJSON_IsFalse(cJSON_GetObjectItem(doc, "ok")));
	char *text = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;
	if (text == NULL || strstr(text, "(known)") == NULL)
		MT_FAIL_AT("%s: verify said %s", what, text ? text : "nothing");
	free(text);
	cJSON_Delete(doc);
	mdb_txn_abort(txn); /* the damage is not kept */
}

static void change_a_byte(MDB_cursor *cur)
{
	MDB_val k, v;
	unsigned char copy[512];
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0);
	MT_REQUIRE(v.mv_size <= sizeof copy && v.mv_size > 3);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size - 1] ^= 2; /* the last total */
	v.mv_data = copy;
	MT_REQUIRE(mdb_cursor_put(cur, &k, &v, MDB_CURRENT) == 0);
}

static void delete_one(MDB_cursor *cur)
{
	MDB_val k, v;
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0);
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_PREV) == 0);
	MT_REQUIRE(mdb_cursor_del(cur, 0) == 0);
}

static void add_extra(MDB_cursor *cur)
{
	MDB_val k, v;
	unsigned char key[ML_KNOWN_KEY_MAX];
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0);
	MT_REQUIRE(k.mv_size <= sizeof key);
	memcpy(key, k.mv_data, k.mv_size);
	key[k.mv_size - 1] ^= 0x80; /* a late record of no entry */
	k.mv_data = key;
	MT_REQUIRE(mdb_cursor_put(cur, &k, &v, 0) == 0);
}

/* How many groups of late entries the known database holds. */
static void count_late(struct run *r)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	r->late_seen = 0;
	MT_REQUIRE(ml_ledger_read_begin_txn(r->lg, &txn) == 0);
	MT_REQUIRE(mdb_cursor_open(txn, st->dbi[ML_DB_KNOWN], &cur) == 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		r->late_seen += ((unsigned char *)k.mv_data)[k.mv_size - 9] ==
		                'l'; /* db ‖ prefix ‖ 'l' ‖ first seq */
	mdb_cursor_close(cur);
	ml_ledger_read_end(r->lg, ml_read_of(txn));
}

static void test_known_against_scan(void)
{
	char dir[4096];
	static struct run r;
	const char *seed = getenv("MEDEL_KNOWN_SEED");
	r.rng = seed ? strtoull(seed, NULL, 10) : SEED_DEFAULT;
	MT_REQUIRE(r.rng != 0); /* xorshift stays at 0 */
	r.front = tl_day("2020-04-01");
	r.lg = tl_open(dir, "known");
	struct ml_errinfo err;
	if (tl_append(r.lg, SETUP, &err, &r.head) != 0)
		MT_FAIL_AT("setup: %s", err.message);
	for (int i = 0; r.head < HEAD_MIN; i++) {
		int k = tl_pick(&r.rng, 8);
		append_batch(&r, k == 0   ? 600
		                 : k == 1 ? 40
		                          : 1 + tl_pick(&r.rng, 3));
		if (i % 8 == 0)
			check_all(&r);
	}
	r.thorough = true;
	check_all(&r);
	ml_known_window_set(5); /* every series made again in windows */
	check_all(&r);
	ml_known_window_set(0);
	count_late(&r);
	printf("known: head %" PRIu64 ", %ld batches refused, %ld views "
	       "compared, %ld groups of late entries\n",
	       r.head, r.refused, r.compared, r.late_seen);
	MT_CHECK(r.compared > 5000);
	MT_CHECK(r.late_seen > 20);
	expect_damage(&r, change_a_byte, "a byte changed");
	expect_damage(&r, delete_one, "a record deleted");
	expect_damage(&r, add_extra, "a record added");
	check_all(&r); /* the damage was aborted: all well again */
	tl_close(r.lg, dir);
}

int main(void)
{
	MT_RUN(test_known_against_scan);
	return MT_EXIT();
}

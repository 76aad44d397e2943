/*
 * test_pday.c — each account's activities' day records (ml_pday.h)
 * against their series.
 *
 * Seeded random batches of expenses (five activities, one with a unit
 * and one the same activity without it, three parties, dates over 2020
 * so that most are back-dated) and corrections of earlier expenses (an
 * expense withdrawn, or counting again when its correction is
 * corrected), in batches of 1 to 3 events and now and then of 40 (the
 * batch's tails on: ML_TAILS_BATCH_MIN). After every commit:
 *
 *   - ml_pday_check finds the stored records the same as records made
 *     again from the act database;
 *   - for each account and a few dates (random, before the first
 *     expense, the latest, far later), ml_state_activities_at gives, for
 *     every activity number, exactly the totals a seek of that
 *     activity's own series gives (ml_state_activity), and nothing for
 *     an activity whose series has no day by then.
 *
 * Then the records are damaged three ways (a byte changed, one deleted,
 * one added for an account without activities) and ml_pday_check must
 * name the account and date, and verify must say the ledger is not ok.
 *
 * MEDEL_PDAY_SEED and MEDEL_PDAY_BATCHES override the seed and the
 * number of batches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_pday.h"
#include "ml_state.h"
#include "ml_store.h"
#include "mt.h"
#include "tl.h"

#define BATCHES_DEFAULT 300
#define SEED_DEFAULT    20261203ULL
#define NPARTY          3
#define NACT            5
#define EXPENSES_MAX    4096

static const char *const PARTY[NPARTY] = {"a", "b", "c"};
static const char *const ACT[NACT] = {"Samtal", "Samtal", "Utbildning",
                                      "Bemanning", "Hembesök"};
static const char *const UNIT[NACT] = {"timmar", NULL, NULL, "Norr", NULL};

static const char SETUP[] =
    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"kk\","
    "\"name\":\"KK\",\"kind\":\"state\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"a\","
    "\"name\":\"A\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"b\","
    "\"name\":\"B\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"c\","
    "\"name\":\"C\",\"kind\":\"municipality\"},"
    "{\"type\":\"grant\",\"date\":\"2020-01-02\",\"grant\":\"g\","
    "\"name\":\"G\",\"payer\":\"kk\",\"total\":300000000000},"
    "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"a\",\"amount\":100000000000},"
    "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"b\",\"amount\":100000000000},"
    "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"c\",\"amount\":100000000000},"
    "{\"type\":\"payout\",\"date\":\"2020-01-04\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"a\",\"amount\":100000000000},"
    "{\"type\":\"payout\",\"date\":\"2020-01-04\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"b\",\"amount\":100000000000},"
    "{\"type\":\"payout\",\"date\":\"2020-01-04\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"c\",\"amount\":100000000000}]";

struct run {
	struct ml_ledger *lg;
	uint64_t rng;
	uint64_t seqs[EXPENSES_MAX]; /* expenses and corrections appended */
	int n_seqs;
	ml_day latest;
	long accepted, refused, compared;
};

/* One expense or correction as JSON at out; returns its length. */
static int gen_event(struct run *r, char *out, size_t cap, ml_day *date)
{
	char d[ML_DATE_TEXT_MAX];
	*date = tl_day("2020-02-01") + tl_pick(&r->rng, 330);
	ml_date_format(*date, d, sizeof d);
	if (r->n_seqs > 0 && tl_pick(&r->rng, 5) == 0) /* a correction */
		return snprintf(out, cap,
		                "{\"type\":\"correction\",\"date\":\"%s\","
		                "\"corrects\":%" PRIu64 ",\"note\":\"fel\"}",
		                d, r->seqs[tl_pick(&r->rng, r->n_seqs)]);
	int a = tl_pick(&r->rng, NACT);
	char unit[64] = "";
	if (UNIT[a] != NULL)
		snprintf(unit, sizeof unit, ",\"unit\":\"%s\"", UNIT[a]);
	return snprintf(out, cap,
	                "{\"type\":\"expense\",\"date\":\"%s\",\"grant\":"
	                "\"g\",\"party\":\"%s\",\"activity\":\"%s\"%s,"
	                "\"amount\":%d}",
	                d, PARTY[tl_pick(&r->rng, NPARTY)], ACT[a], unit,
	                1 + tl_pick(&r->rng, 1000000));
}

/* Appends a batch of n events; remembers their seqs when stored. */
static void append_batch(struct run *r, int n)
{
	static char json[40 * 512];
	size_t at = 0;
	ml_day latest = r->latest;
	json[at++] = '[';
	for (long i = 0; i < n; i++) {
		ml_day date;
		if (i > 0)
			json[at++] = ',';
		at += (size_t)gen_event(r, json + at, sizeof json - at - 2,
		                        &date);
		latest = date > latest ? date : latest;
	}
	json[at++] = ']';
	json[at] = '\0';
	struct ml_errinfo err;
	uint64_t last = 0;
	if (tl_append(r->lg, json, &err, &last) != 0) {
		r->refused++;
		return;
	}
	r->accepted++;
	r->latest = latest;
	for (uint64_t s = last - (uint64_t)n + 1;
	     s <= last && r->n_seqs < EXPENSES_MAX; s++)
		r->seqs[r->n_seqs++] = s;
}

struct seen {
	int64_t totals[NACT + 2][ML_BUCKETS];
	bool has[NACT + 2];
	uint32_t last_no;
	bool in_order;
};

static int seen_one(uint32_t act_no, const int64_t *totals, void *arg)
{
	struct seen *s = arg;
	if (act_no < 1 || act_no > NACT + 1) {
		MT_FAIL_AT("activity number %u out of range", act_no);
		return 1;
	}
	s->in_order = s->in_order && act_no > s->last_no;
	s->last_no = act_no;
	s->has[act_no] = true;
	memcpy(s->totals[act_no], totals, sizeof s->totals[act_no]);
	return 0;
}

/* The account's activities at as_of, against a seek per series. */
static void compare_at(struct run *r, MDB_txn *txn, uint32_t g, uint32_t p,
                       ml_day as_of)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	struct seen s = {.in_order = true};
	struct ml_view v = {as_of, false, 0};
	MT_CHECK_INT(ml_state_activities_at(st, txn, g, p, as_of, seen_one, &s),
	             0);
	MT_CHECK(s.in_order);
	for (uint32_t act = 1; act <= NACT; act++) {
		struct ml_totals t;
		bool exists = false;
		MT_CHECK_INT(
		    ml_state_activity(st, txn, &v, g, p, act, &t, &exists), 0);
		if (!s.has[act]) { /* no day by then: the seek finds nothing */
			MT_CHECK(!exists && t.v[ML_B_SPENT] == 0);
			continue;
		}
		MT_CHECK(exists == (s.totals[act][ML_B_ENTRIES] > 0));
		MT_CHECK(memcmp(t.v, s.totals[act], sizeof t.v) == 0);
		r->compared++;
	}
}

static void check_all(struct run *r)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	MDB_txn *txn;
	bool same = false;
	struct ml_pday_where w;
	uint64_t checked = 0;
	uint32_t g = 0, p;
	MT_REQUIRE(ml_ledger_read_begin_txn(r->lg, &txn) == 0);
	MT_CHECK_INT(ml_pday_check(st, txn, UINT64_MAX, &same, &w, &checked),
	             0);
	if (!same)
		MT_FAIL_AT("pday differs at grant %u party %u day %d",
		           w.grant_no, w.party_no, (int)w.date);
	MT_CHECK_INT(ml_state_lookup(st, txn, ML_NAME_GRANT, ml_str_c("g"), &g),
	             0);
	ml_day dates[] = {tl_day("2020-01-15"), r->latest,
	                  r->latest - 1 - tl_pick(&r->rng, 40),
	                  tl_day("2020-02-01") + tl_pick(&r->rng, 330),
	                  tl_day("2030-01-01")};
	for (int i = 0; i < NPARTY; i++) {
		MT_CHECK_INT(ml_state_lookup(st, txn, ML_NAME_PARTY,
		                             ml_str_c(PARTY[i]), &p),
		             0);
		for (size_t k = 0; k < sizeof dates / sizeof dates[0]; k++)
			compare_at(r, txn, g, p, dates[k]);
	}
	ml_ledger_read_end(r->lg, ml_read_of(txn));
}

/* Damages the pday database with edit, expects ml_pday_check to name
 * (want_party, want_date) — want_party 0: any — and verify to fail. */
typedef void (*edit_fn)(MDB_cursor *cur);

static void expect_damage(struct run *r, edit_fn edit, const char *what)
{
	struct ml_store *st = ml_ledger_store(r->lg);
	MDB_txn *txn;
	MDB_cursor *cur;
	bool same = true;
	struct ml_pday_where w;
	uint64_t checked = 0;
	MT_REQUIRE(ml_store_txn_begin(st, NULL, false, &txn) == 0);
	MT_REQUIRE(mdb_cursor_open(txn, st->dbi[ML_DB_PDAY], &cur) == 0);
	edit(cur);
	mdb_cursor_close(cur);
	MT_CHECK_INT(ml_pday_check(st, txn, UINT64_MAX, &same, &w, &checked),
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
	if (text == NULL || strstr(text, "pday") == NULL)
		MT_FAIL_AT("%s: verify said %s", what, text ? text : "nothing");
	free(text);
	cJSON_Delete(doc);
	mdb_txn_abort(txn); /* the damage is not kept */
}

static void change_a_byte(MDB_cursor *cur)
{
	MDB_val k, v;
	unsigned char copy[512];
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0);
	MT_REQUIRE(v.mv_size <= sizeof copy && v.mv_size > 3);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size - 1] ^= 1; /* the last total's lowest bit */
	v.mv_data = copy;
	MT_REQUIRE(mdb_cursor_put(cur, &k, &v, MDB_CURRENT) == 0);
}

static void delete_one(MDB_cursor *cur)
{
	MDB_val k, v;
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0);
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0);
	MT_REQUIRE(mdb_cursor_del(cur, 0) == 0);
}

static void add_extra(MDB_cursor *cur)
{
	MDB_val k, v;
	unsigned char key[ML_PDAY_KEY_BYTES];
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0);
	memcpy(key, k.mv_data, sizeof key);
	key[7] = 1; /* party 1, kk: the payer spends nothing */
	k = (MDB_val){sizeof key, key};
	MT_REQUIRE(mdb_cursor_put(cur, &k, &v, 0) == 0);
}

static void test_pday_against_series(void)
{
	char dir[4096];
	struct run r;
	memset(&r, 0, sizeof r);
	const char *seed = getenv("MEDEL_PDAY_SEED");
	const char *batches = getenv("MEDEL_PDAY_BATCHES");
	r.rng = seed ? strtoull(seed, NULL, 10) : SEED_DEFAULT;
	MT_REQUIRE(r.rng != 0); /* xorshift stays at 0 */
	long n = batches ? strtol(batches, NULL, 10) : BATCHES_DEFAULT;
	r.lg = tl_open(dir, "pday");
	struct ml_errinfo err;
	if (tl_append(r.lg, SETUP, &err, NULL) != 0)
		MT_FAIL_AT("setup: %s", err.message);
	for (int i = 0; i < n; i++) {
		append_batch(
		    &r, tl_pick(&r.rng, 12) == 0 ? 40 : 1 + tl_pick(&r.rng, 3));
		check_all(&r);
	}
	printf("pday: %ld batches stored, %ld refused, %ld activities "
	       "compared\n",
	       r.accepted, r.refused, r.compared);
	MT_CHECK(r.accepted > n / 2 && r.compared > 1000);
	expect_damage(&r, change_a_byte, "a byte changed");
	expect_damage(&r, delete_one, "a record deleted");
	expect_damage(&r, add_extra, "a record added");
	check_all(&r); /* the damage was aborted: all well again */
	tl_close(r.lg, dir);
}

int main(void)
{
	MT_RUN(test_pday_against_series);
	return MT_EXIT();
}

/*
 * test_verify.c — verify passes on a ledger that used every kind of
 * event, and finds what was changed behind the ledger's back: a flipped
 * byte in a stored event, a tampered day total, a tampered event entry,
 * a lost correction mark, an id missing from the index.
 *
 * Verify checks first by per-series sums (ml_verify_sums.c) and runs
 * its exact mode only when they differ: an intact ledger never runs it,
 * and every tampered one gives the exact mode's answer byte for byte
 * (compared with verify made exact throughout, mv_exact_always). The
 * chunk cases change event entries where only the sums can see it (an
 * amount moved or swapped between two entries of one date: the day
 * total stays right) and where the day totals see it too.
 */
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_answer.h"
#include "ml_entries.h"
#include "ml_verify_internal.h"
#include "mt.h"
#include "tl.h"

static const char *const ledger_events[] = {
    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"kk\","
    "\"name\":\"Kammarkollegiet\",\"kind\":\"state\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"malmo\","
    "\"name\":\"Malmö stad\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"malmo-asn\","
    "\"name\":\"ASN\",\"kind\":\"committee\",\"parent\":\"malmo\"},"
    "{\"type\":\"grant\",\"date\":\"2019-01-01\",\"grant\":\"g19\","
    "\"name\":\"2019\",\"payer\":\"kk\",\"total\":50000000,"
    "\"carry_over\":true},"
    "{\"type\":\"grant\",\"date\":\"2020-01-01\",\"grant\":\"g20\","
    "\"name\":\"2020\",\"payer\":\"kk\",\"total\":100000000,"
    "\"use_by\":\"2020-12-31\",\"repay_by\":\"2021-03-31\"},"
    "{\"type\":\"grant\",\"date\":\"2020-01-02\",\"grant\":\"g20/post\","
    "\"name\":\"Post\",\"payer\":\"kk\",\"total\":10000000,"
    "\"parent\":\"g20\"}]",
    "{\"type\":\"allocation\",\"date\":\"2020-02-01\",\"grant\":\"g20\","
    "\"from\":\"kk\",\"to\":\"malmo\",\"amount\":60000000,"
    "\"claim_by\":\"2020-06-30\",\"id\":\"a1\"}",
    "{\"type\":\"requisition\",\"date\":\"2020-02-02\",\"grant\":\"g20\","
    "\"from\":\"kk\",\"to\":\"malmo\",\"amount\":60000000}",
    "{\"type\":\"payout\",\"date\":\"2020-03-01\",\"grant\":\"g20\","
    "\"from\":\"kk\",\"to\":\"malmo\",\"amount\":60000000,\"id\":\"p1\"}",
    "{\"type\":\"allocation\",\"date\":\"2020-03-02\",\"grant\":\"g20\","
    "\"from\":\"malmo\",\"to\":\"malmo-asn\",\"amount\":45000000}",
    "{\"type\":\"payout\",\"date\":\"2020-03-03\",\"grant\":\"g20\","
    "\"from\":\"malmo\",\"to\":\"malmo-asn\",\"amount\":45000000}",
    "{\"type\":\"expense\",\"date\":\"2020-06-30\",\"grant\":\"g20\","
    "\"party\":\"malmo-asn\",\"activity\":\"Norr\",\"amount\":650000}",
    "{\"type\":\"expense\",\"date\":\"2020-05-30\",\"grant\":\"g20\","
    "\"party\":\"malmo-asn\",\"activity\":\"Söder\",\"amount\":999}",
    "{\"type\":\"correction\",\"date\":\"2020-07-01\",\"corrects\":12,"
    "\"note\":\"fel belopp\"}",
    "{\"type\":\"allocation\",\"date\":\"2019-02-01\",\"grant\":\"g19\","
    "\"from\":\"kk\",\"to\":\"malmo\",\"amount\":500}",
    "{\"type\":\"payout\",\"date\":\"2019-02-02\",\"grant\":\"g19\","
    "\"from\":\"kk\",\"to\":\"malmo\",\"amount\":500}",
    "{\"type\":\"carryover\",\"date\":\"2019-12-31\",\"grant\":\"g19\","
    "\"to_grant\":\"g20\",\"party\":\"malmo\",\"amount\":300}",
    "{\"type\":\"report\",\"date\":\"2021-01-20\",\"grant\":\"g20\","
    "\"party\":\"malmo\",\"spent\":650000}",
    "{\"type\":\"repayment\",\"date\":\"2021-03-01\",\"grant\":\"g20\","
    "\"from\":\"malmo\",\"to\":\"kk\",\"amount\":1000}",
    "{\"type\":\"close\",\"date\":\"2019-12-31\",\"grant\":\"g19\"}",
    "{\"type\":\"grant\",\"date\":\"2020-06-01\",\"grant\":\"g20\","
    "\"name\":\"2020 (ändrad)\",\"payer\":\"kk\",\"total\":120000000,"
    "\"use_by\":\"2020-12-31\",\"repay_by\":\"2021-03-31\"}",
    /* seqs 22 and 23: one chunk of two entries (malmo-asn, 2020-06-15) */
    "{\"type\":\"expense\",\"date\":\"2020-06-15\",\"grant\":\"g20\","
    "\"party\":\"malmo-asn\",\"activity\":\"Norr\",\"amount\":1000}",
    "{\"type\":\"expense\",\"date\":\"2020-06-15\",\"grant\":\"g20\","
    "\"party\":\"malmo-asn\",\"activity\":\"Norr\",\"amount\":2500}",
};

static void build(char *dir, struct ml_ledger **lg)
{
	*lg = tl_open(dir, "verify");
	size_t n = sizeof ledger_events / sizeof ledger_events[0];
	for (size_t i = 0; i < n; i++) {
		struct ml_errinfo err;
		if (tl_append(*lg, ledger_events[i], &err, NULL) != 0)
			MT_FAIL_AT("event %zu: %s", i, err.message);
	}
}

static void progress(uint64_t done, uint64_t total, void *arg)
{
	(void)done;
	(void)total;
	(*(int *)arg)++;
}

/* Runs verify; returns ok and copies the difference's kind and seq. */
static bool run_verify(struct ml_ledger *lg, char *kind, uint64_t *seq)
{
	MDB_txn *txn;
	cJSON *doc = NULL;
	struct ml_errinfo err;
	int calls = 0;
	if (ml_ledger_read_begin_txn(lg, &txn) != 0)
		return false;
	int rc =
	    ml_answer_verify(lg, ml_read_of(txn), &doc, progress, &calls, &err);
	ml_ledger_read_end(lg, ml_read_of(txn));
	if (rc != 0) {
		MT_FAIL_AT("verify failed to run: %s", err.message);
		return false;
	}
	bool ok = cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok"));
	cJSON *diff = cJSON_GetObjectItem(doc, "difference");
	kind[0] = '\0';
	*seq = 0;
	if (diff != NULL) {
		snprintf(kind, 16, "%s",
		         cJSON_GetObjectItem(diff, "kind")->valuestring);
		/* Integers are raw (exact) members in the built tree. */
		cJSON *s = cJSON_GetObjectItem(diff, "seq");
		*seq = s ? strtoull(s->valuestring, NULL, 10) : 0;
		fprintf(stderr, "  verify: %s\n",
		        cJSON_GetObjectItem(diff, "message")->valuestring);
	}
	cJSON_Delete(doc);
	return ok;
}

/* Opens the ledger's LMDB file directly (the ledger closed) and lets fn
 * change database name. */
typedef void (*tamper_fn)(MDB_txn *txn, MDB_dbi dbi);

static void tamper(const char *dir, const char *name, tamper_fn fn)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 16);
	mdb_env_set_mapsize(env, 1 << 30);
	if (mdb_env_open(env, dir, 0, 0600) != 0 ||
	    mdb_txn_begin(env, NULL, 0, &txn) != 0 ||
	    mdb_dbi_open(txn, name, 0, &dbi) != 0) {
		MT_FAIL_AT("cannot open %s in %s", name, dir);
		return;
	}
	fn(txn, dbi);
	MT_CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* Replaces the value at the n-th key (0 = first) with a changed copy. */
static void change_nth(MDB_txn *txn, MDB_dbi dbi, int nth, size_t at,
                       unsigned char xor_with)
{
	MDB_cursor *cur;
	MDB_val k, v;
	mdb_cursor_open(txn, dbi, &cur);
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (int i = 0; rc == 0 && i < nth; i++)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	if (rc != 0 || at >= v.mv_size) {
		MT_FAIL_AT("no value %d/%zu to change", nth, at);
		mdb_cursor_close(cur);
		return;
	}
	unsigned char buf[4096];
	memcpy(buf, v.mv_data, v.mv_size);
	buf[at] ^= xor_with;
	MDB_val nv = {v.mv_size, buf};
	MT_CHECK_INT(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
	mdb_cursor_close(cur);
}

static void flip_event_9(MDB_txn *txn, MDB_dbi dbi)
{
	/* seq 9 is the payout p1: the last byte of its record is in a
	 * string (to); flipping a letter keeps the record decodable. */
	MDB_cursor *cur;
	MDB_val k, v;
	mdb_cursor_open(txn, dbi, &cur);
	unsigned char key[8] = {0, 0, 0, 0, 0, 0, 0, 9};
	k.mv_size = 8;
	k.mv_data = key;
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_SET_KEY) == 0);
	mdb_cursor_close(cur);
	change_nth(txn, dbi, 8, v.mv_size - 1, 0x20);
}

static void bump_day_total(MDB_txn *txn, MDB_dbi dbi)
{
	/* The last byte of a day record is the last varint of a total. */
	MDB_cursor *cur;
	MDB_val k, v;
	mdb_cursor_open(txn, dbi, &cur);
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0);
	mdb_cursor_close(cur);
	MDB_stat ms;
	mdb_stat(txn, dbi, &ms);
	change_nth(txn, dbi, (int)ms.ms_entries - 1, v.mv_size - 1, 0x02);
}

static void change_event_entry(MDB_txn *txn, MDB_dbi dbi)
{
	/* The first chunk (an acct key of 8 + 4 + 8 bytes); its byte 3 is
	 * the first entry's first delta varint (after the seq delta, the
	 * flags and the bucket). */
	MDB_cursor *cur;
	MDB_val k, v;
	int n = 0;
	mdb_cursor_open(txn, dbi, &cur);
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0 && k.mv_size != 20; n++)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	mdb_cursor_close(cur);
	MT_REQUIRE(rc == 0);
	change_nth(txn, dbi, n, 3, 0x04);
}

static void drop_correction(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_val k, v;
	MDB_cursor *cur;
	mdb_cursor_open(txn, dbi, &cur);
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0);
	MT_CHECK_INT(mdb_cursor_del(cur, 0), 0);
	mdb_cursor_close(cur);
}

static void drop_id(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_val k = {2, "p1"};
	MT_CHECK_INT(mdb_del(txn, dbi, &k, NULL), 0);
}

/* The log's index: one entry gone (the first value loses its first
 * offset), one no event gives, a value that is not u16 offsets. */
static void drop_evidx_entry(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_val k, v;
	MDB_cursor *cur;
	unsigned char shorter[2048];
	mdb_cursor_open(txn, dbi, &cur);
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0);
	MT_REQUIRE(v.mv_size >= 4 && v.mv_size <= sizeof shorter);
	memcpy(shorter, (char *)v.mv_data + 2, v.mv_size - 2);
	MDB_val nv = {v.mv_size - 2, shorter};
	MT_CHECK_INT(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
	mdb_cursor_close(cur);
}

static void add_evidx_entry(MDB_txn *txn, MDB_dbi dbi)
{
	unsigned char key[] = "pnobody\0\0\0\0\0\0\0\0", off[2] = {0, 1};
	MDB_val k = {sizeof key - 1, key}, v = {2, off};
	MT_CHECK_INT(mdb_put(txn, dbi, &k, &v, 0), 0);
}

static void odd_evidx_value(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_val k, v;
	MDB_cursor *cur;
	unsigned char odd[3] = {0, 1, 2};
	mdb_cursor_open(txn, dbi, &cur);
	MT_REQUIRE(mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0);
	MDB_val nv = {3, odd};
	MT_CHECK_INT(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
	mdb_cursor_close(cur);
}

/* The value under key in dbi, its byte at changed (xor with). */
static void change_at_key(MDB_txn *txn, MDB_dbi dbi, MDB_val k, size_t at,
                          unsigned char xor_with)
{
	MDB_val v;
	MT_REQUIRE(mdb_get(txn, dbi, &k, &v) == 0 && at < v.mv_size);
	unsigned char buf[4096];
	memcpy(buf, v.mv_data, v.mv_size);
	buf[at] ^= xor_with;
	MDB_val nv = {v.mv_size, buf};
	MT_CHECK_INT(mdb_put(txn, dbi, &k, &nv, 0), 0);
}

/* Issue 14: a nums byte moved a grant's repay_by (offset 32 of the row)
 * and renamed parties (the id after the row); verify said ok. */
static void move_repay_by(MDB_txn *txn, MDB_dbi dbi)
{
	unsigned char key[5] = {'g', 0, 0, 0, 1};
	change_at_key(txn, dbi, (MDB_val){5, key}, 32, 0x10);
}

static void rename_party(MDB_txn *txn, MDB_dbi dbi)
{
	unsigned char key[5] = {'p', 0, 0, 0, 2};
	change_at_key(txn, dbi, (MDB_val){5, key}, 16, 0x01);
}

/* Issue 14: a header byte of seq 3's record dropped prev_hash from its
 * mask of present fields, and the API served it without one. */
static void drop_prev_hash_bit(MDB_txn *txn, MDB_dbi dbi)
{
	unsigned char key[8] = {0, 0, 0, 0, 0, 0, 0, 3};
	/* prev_hash's bit in the record's mask is 20 (ml_record_bit: a
	 * field's bit is fixed on disk, whatever its enum number now). */
	const int bit = 20;
	change_at_key(txn, dbi, (MDB_val){8, key}, 8 + bit / 8,
	              (unsigned char)(1u << (bit % 8)));
}

static void set_record_flag(MDB_txn *txn, MDB_dbi dbi)
{
	unsigned char key[8] = {0, 0, 0, 0, 0, 0, 0, 3};
	change_at_key(txn, dbi, (MDB_val){8, key}, 2, 0x80);
}

/* Verify's whole answer as text: by sums first (exact when they differ),
 * or exact throughout. NULL when it could not run. */
static char *verify_text(struct ml_ledger *lg, bool exact_always)
{
	MDB_txn *txn;
	cJSON *doc = NULL;
	struct ml_errinfo err;
	char *text = NULL;
	mv_exact_always = exact_always;
	if (ml_ledger_read_begin_txn(lg, &txn) == 0) {
		if (ml_answer_verify(lg, ml_read_of(txn), &doc, NULL, NULL,
		                     &err) == 0)
			text = cJSON_PrintUnformatted(doc);
		ml_ledger_read_end(lg, ml_read_of(txn));
	}
	mv_exact_always = false;
	cJSON_Delete(doc);
	return text;
}

/* The answer is the exact mode's, byte for byte; *exact_ran says whether
 * the run by sums went on to the exact mode. */
static void check_same_answer(struct ml_ledger *lg, const char *what,
                              bool *exact_ran)
{
	uint64_t runs = mv_exact_runs;
	char *sums = verify_text(lg, false);
	*exact_ran = mv_exact_runs != runs;
	char *exact = verify_text(lg, true);
	if (sums == NULL || exact == NULL || strcmp(sums, exact) != 0)
		MT_FAIL_AT("%s: by sums %s, exact %s", what,
		           sums ? sums : "(failed)",
		           exact ? exact : "(failed)");
	free(sums);
	free(exact);
}

/* The entries of one stored chunk. */
struct chunk {
	int n;
	uint64_t seq[ML_CHUNK_ENTRIES_MAX], by[ML_CHUNK_ENTRIES_MAX];
	struct ml_post post[ML_CHUNK_ENTRIES_MAX];
};

typedef void (*chunk_fn)(struct chunk *c);

/* Rewrites the acct chunk whose first seq is first_seq through fn. */
static void rewrite_chunk(MDB_txn *txn, MDB_dbi dbi, uint64_t first_seq,
                          chunk_fn fn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	mdb_cursor_open(txn, dbi, &cur);
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0 &&
	       (k.mv_size != 20 ||
	        ml_be64_get((unsigned char *)k.mv_data + 12) != first_seq))
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	MT_REQUIRE(rc == 0);
	struct chunk c = {0};
	struct ml_chunk_reader r;
	ml_day date;
	MT_REQUIRE(ml_series_chunk_open(&k, &v, 8, &date, &r) == 0);
	while (c.n < ML_CHUNK_ENTRIES_MAX &&
	       ml_chunk_read(&r, &c.seq[c.n], &c.post[c.n], &c.by[c.n]) == 1)
		c.n++;
	fn(&c);
	static struct ml_chunk out;
	ml_chunk_clear(&out);
	for (int i = 0; i < c.n; i++)
		ml_chunk_append(&out, c.seq[i], &c.post[i]);
	for (int i = 0; i < c.n; i++) {
		struct ml_post p;
		if (c.by[i] != 0)
			MT_CHECK_INT(
			    ml_chunk_correct(&out, c.seq[i], c.by[i], &p), 0);
	}
	MDB_val nv = {out.len, out.bytes};
	MT_CHECK_INT(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
	mdb_cursor_close(cur);
}

/* On malmo-asn's chunk of 2020-06-15: seq 22 (1 000 öre), 23 (2 500). */
static void chunk_move_amount(struct chunk *c)
{
	MT_REQUIRE(c->n == 2 && c->seq[0] == 22 && c->post[0].delta[0] != 0);
	c->post[0].delta[0] -= 100;
	c->post[1].delta[0] += 100; /* the day's total stays */
}

static void chunk_swap_amounts(struct chunk *c)
{
	MT_REQUIRE(c->n == 2 && c->post[0].delta[0] != c->post[1].delta[0]);
	int64_t t = c->post[0].delta[0];
	c->post[0].delta[0] = c->post[1].delta[0];
	c->post[1].delta[0] = t;
}

static void chunk_drop_last(struct chunk *c)
{
	MT_REQUIRE(c->n == 2);
	c->n = 1;
}

/* An entry no event made, withdrawn (so no total counts it). */
static void chunk_add_withdrawn(struct chunk *c)
{
	MT_REQUIRE(c->n == 2);
	c->seq[2] = 24;
	c->post[2] = c->post[1];
	c->by[2] = 14;
	c->n = 3;
}

/* Seq 22's entry marked withdrawn by the correction 14. */
static void chunk_mark_withdrawn(struct chunk *c)
{
	c->by[0] = 14;
}

/* Seq 12's entry (withdrawn by 14) unmarked. */
static void chunk_unmark_withdrawn(struct chunk *c)
{
	MT_REQUIRE(c->seq[0] == 12 && c->by[0] == 14);
	c->by[0] = 0;
}

struct chunk_case {
	const char *what;
	uint64_t first_seq;
	chunk_fn fn;
};

static const struct chunk_case chunk_cases[] = {
    {"a moved amount", 22, chunk_move_amount},
    {"a swapped pair", 22, chunk_swap_amounts},
    {"a missing entry", 22, chunk_drop_last},
    {"an extra entry", 22, chunk_add_withdrawn},
    {"a withdrawn mark added", 22, chunk_mark_withdrawn},
    {"a withdrawn mark lost", 12, chunk_unmark_withdrawn},
};

static const struct chunk_case *chunk_now;

static void rewrite_chunk_now(MDB_txn *txn, MDB_dbi dbi)
{
	rewrite_chunk(txn, dbi, chunk_now->first_seq, chunk_now->fn);
}

/* Each changed entry is found, by the exact mode, with its answer. */
static void test_verify_chunk_changes(void)
{
	size_t n = sizeof chunk_cases / sizeof chunk_cases[0];
	for (size_t i = 0; i < n; i++) {
		char dir[4096], kind[16];
		uint64_t seq;
		bool exact_ran = false;
		struct ml_ledger *lg;
		struct ml_errinfo err;
		build(dir, &lg);
		ml_ledger_close(lg);
		chunk_now = &chunk_cases[i];
		tamper(dir, "acct", rewrite_chunk_now);
		MT_REQUIRE(ml_ledger_open(dir, NULL, &lg, &err) == 0);
		if (run_verify(lg, kind, &seq) || strcmp(kind, "projection"))
			MT_FAIL_AT("%s: kind %s", chunk_cases[i].what, kind);
		check_same_answer(lg, chunk_cases[i].what, &exact_ran);
		if (!exact_ran)
			MT_FAIL_AT("%s: the sums saw nothing",
			           chunk_cases[i].what);
		tl_close(lg, dir);
	}
}

struct tamper_case {
	const char *db;
	tamper_fn fn;
	const char *kind;
	uint64_t seq; /* 0 = any */
};

static const struct tamper_case cases[] = {
    {"log", flip_event_9, "chain", 9},
    {"acct", bump_day_total, "projection", 0},
    {"acct", change_event_entry, "projection", 0},
    {"corr", drop_correction, "index", 0},
    {"ids", drop_id, "index", 0},
    {"evidx", drop_evidx_entry, "index", 0},
    {"evidx", add_evidx_entry, "index", 0},
    {"evidx", odd_evidx_value, "index", 0},
    {"nums", move_repay_by, "index", 0},
    {"nums", rename_party, "index", 0},
    {"log", drop_prev_hash_bit, "chain", 3},
    {"log", set_record_flag, "chain", 3},
};

static void test_verify_ok(void)
{
	char dir[4096], kind[16];
	uint64_t seq;
	struct ml_ledger *lg;
	build(dir, &lg);
	uint64_t runs = mv_exact_runs;
	MT_CHECK(run_verify(lg, kind, &seq));
	MT_CHECK_STR(kind, "");
	MT_CHECK_INT(mv_exact_runs, runs); /* by sums alone */
	bool exact_ran = true;
	check_same_answer(lg, "intact", &exact_ran);
	MT_CHECK(!exact_ran);
	tl_close(lg, dir);
}

static void test_verify_finds_tampering(void)
{
	size_t n = sizeof cases / sizeof cases[0];
	for (size_t i = 0; i < n; i++) {
		char dir[4096], kind[16];
		uint64_t seq;
		struct ml_ledger *lg;
		struct ml_errinfo err;
		build(dir, &lg);
		ml_ledger_close(lg);
		tamper(dir, cases[i].db, cases[i].fn);
		MT_REQUIRE(ml_ledger_open(dir, NULL, &lg, &err) == 0);
		bool ok = run_verify(lg, kind, &seq);
		if (ok || strcmp(kind, cases[i].kind) != 0 ||
		    (cases[i].seq != 0 && seq != cases[i].seq))
			MT_FAIL_AT("tampering %s: ok=%d kind=%s seq=%llu",
			           cases[i].db, ok, kind,
			           (unsigned long long)seq);
		bool exact_ran;
		check_same_answer(lg, cases[i].db, &exact_ran);
		/* the ids and evidx sums taken by the caller find it too */
		mv_logsums_by_caller = true;
		check_same_answer(lg, cases[i].db, &exact_ran);
		mv_logsums_by_caller = false;
		tl_close(lg, dir);
	}
}

/* medeld may append while a verify runs: the chain thread's snapshot
 * then holds events (and ids, and index entries) the caller's does not,
 * so the caller takes the log-only sums itself (ml_verify_logsums.c).
 * Verify of the older snapshot is ok, by sums alone, at its own head. */
static void test_verify_older_snapshot(void)
{
	char dir[4096];
	struct ml_ledger *lg;
	struct ml_errinfo err;
	MDB_txn *txn;
	cJSON *doc = NULL;
	build(dir, &lg);
	uint64_t head = tl_head(lg);
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	MT_REQUIRE(tl_append(lg,
	                     "{\"type\":\"expense\",\"date\":\"2020-06-16\","
	                     "\"grant\":\"g20\",\"party\":\"malmo-asn\","
	                     "\"activity\":\"Norr\",\"amount\":10,"
	                     "\"id\":\"late\"}",
	                     &err, NULL) == 0);
	MT_REQUIRE(tl_head(lg) == head + 1);
	uint64_t runs = mv_exact_runs;
	MT_CHECK(
	    ml_answer_verify(lg, ml_read_of(txn), &doc, NULL, NULL, &err) == 0);
	ml_ledger_read_end(lg, ml_read_of(txn));
	MT_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok")));
	cJSON *seq = cJSON_GetObjectItem(doc, "head_seq");
	MT_CHECK(seq != NULL && strtoull(seq->valuestring, NULL, 10) == head);
	MT_CHECK_INT(mv_exact_runs, runs); /* by sums alone */
	cJSON_Delete(doc);
	MT_CHECK(tl_verify_ok(lg)); /* and the newer one, by the chain's */
	tl_close(lg, dir);
}

/* LMDB keeps two meta pages and opens the one with the higher
 * transaction id. Raising the older one's id by a flipped high byte
 * makes LMDB open the older commit: the ledger then looks whole but has
 * lost its last events. Verify must say so (kind "file"). */
static void test_verify_finds_an_older_commit(void)
{
	char dir[4096], path[4200], kind[16];
	uint64_t seq, t[2];
	struct ml_ledger *lg;
	struct ml_errinfo err;
	build(dir, &lg);
	ml_ledger_close(lg);
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	int fd = open(path, O_RDWR);
	long page = sysconf(_SC_PAGESIZE);
	MT_REQUIRE(fd >= 0);
	MT_REQUIRE(pread(fd, &t[0], 8, 144) == 8);
	MT_REQUIRE(pread(fd, &t[1], 8, page + 144) == 8);
	off_t older = (t[0] < t[1] ? 0 : page) + 144 + 7; /* the high byte */
	unsigned char b = 0x01;
	MT_REQUIRE(pwrite(fd, &b, 1, older) == 1);
	close(fd);
	MT_REQUIRE(ml_ledger_open(dir, NULL, &lg, &err) == 0);
	MT_CHECK(!run_verify(lg, kind, &seq));
	MT_CHECK_STR(kind, "file");
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_verify_ok);
	MT_RUN(test_verify_finds_tampering);
	MT_RUN(test_verify_finds_an_older_commit);
	MT_RUN(test_verify_older_snapshot);
	MT_RUN(test_verify_chunk_changes);
	return MT_EXIT();
}

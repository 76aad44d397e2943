/*
 * test_fault.c — every allocation and every LMDB call of an append and
 * of the answers fails in turn; each failure must give an error (never a
 * crash, a leak or a half-written ledger).
 *
 * This program is linked with --wrap for malloc, calloc, realloc and the
 * LMDB calls the ledger makes (tests/fault/CMakeLists.txt): every such
 * call from the ledger library goes through fault_take() below, which
 * fails the Nth one after the fault is armed. cJSON allocates through the
 * same wrappers (cJSON_InitHooks). For N = 1, 2, 3, … the operation runs
 * on a fresh copy of a small ledger until an N is larger than the number
 * of calls it makes. After each failed append the head hash must be the
 * one before and verify must pass; run under ASan (the sanitizer build
 * runs every test), LeakSanitizer reports anything a failure path leaked.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_json.h"
#include "mt.h"
#include "tl.h"

static long fault_countdown = -1; /* -1: disarmed */
static long fault_calls;          /* calls seen while armed */
static bool fault_fired;

/* Counts one call; true when this one must fail. */
static bool fault_take(void)
{
	if (fault_countdown < 0)
		return false;
	fault_calls++;
	if (--fault_countdown == 0) {
		fault_fired = true;
		return true;
	}
	return false;
}

static void fault_arm(long n)
{
	fault_calls = 0;
	fault_fired = false;
	fault_countdown = n;
}

static void fault_disarm(void)
{
	fault_countdown = -1;
}

/* --- allocation --- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
static bool fault_alloc = true; /* which kind the countdown applies to */

void *__wrap_malloc(size_t n)
{
	return fault_alloc && fault_take() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return fault_alloc && fault_take() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fault_alloc && fault_take() ? NULL : __real_realloc(p, n);
}

static void *cjson_malloc(size_t n)
{
	return __wrap_malloc(n);
}

/* --- LMDB --- */
#define FAULT_MDB(ret, name, params, args)                                     \
	ret __real_##name params;                                              \
	ret __wrap_##name params                                               \
	{                                                                      \
		if (!fault_alloc && fault_take())                              \
			return EIO;                                            \
		return __real_##name args;                                     \
	}

FAULT_MDB(int, mdb_put,
          (MDB_txn * t, MDB_dbi d, MDB_val *k, MDB_val *v, unsigned f),
          (t, d, k, v, f))
FAULT_MDB(int, mdb_get, (MDB_txn * t, MDB_dbi d, MDB_val *k, MDB_val *v),
          (t, d, k, v))
FAULT_MDB(int, mdb_cursor_open, (MDB_txn * t, MDB_dbi d, MDB_cursor **c),
          (t, d, c))
FAULT_MDB(int, mdb_cursor_get,
          (MDB_cursor * c, MDB_val *k, MDB_val *v, MDB_cursor_op o),
          (c, k, v, o))
FAULT_MDB(int, mdb_cursor_put,
          (MDB_cursor * c, MDB_val *k, MDB_val *v, unsigned f), (c, k, v, f))
FAULT_MDB(int, mdb_txn_begin,
          (MDB_env * e, MDB_txn *p, unsigned f, MDB_txn **t), (e, p, f, t))
/* A failed commit frees its transaction (lmdb.h: "the transaction handle
 * is freed ... whether it succeeds or fails"); so does the fake one. */
int __real_mdb_txn_commit(MDB_txn *t);
int __wrap_mdb_txn_commit(MDB_txn *t)
{
	if (!fault_alloc && fault_take()) {
		mdb_txn_abort(t);
		return EIO;
	}
	return __real_mdb_txn_commit(t);
}
FAULT_MDB(int, mdb_stat, (MDB_txn * t, MDB_dbi d, MDB_stat *s), (t, d, s))

/* --- the ledger under test --- */

static const char setup_json[] =
    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"kk\","
    "\"name\":\"K\",\"kind\":\"state\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"m\","
    "\"name\":\"Malmö\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"asn\","
    "\"name\":\"ASN\",\"kind\":\"committee\",\"parent\":\"m\"},"
    "{\"type\":\"grant\",\"date\":\"2020-01-01\",\"grant\":\"g\","
    "\"name\":\"G\",\"payer\":\"kk\",\"total\":1000000,"
    "\"use_by\":\"2020-12-31\",\"report_by\":\"2021-01-31\","
    "\"repay_by\":\"2021-03-31\"},"
    "{\"type\":\"allocation\",\"date\":\"2020-02-01\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"m\",\"amount\":50000,\"id\":\"a1\","
    "\"claim_by\":\"2020-03-01\"},"
    "{\"type\":\"payout\",\"date\":\"2020-03-01\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"m\",\"amount\":50000}]";

/* The batch that is appended with faults: a bit of everything. */
static const char batch_json[] =
    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"fsn\","
    "\"name\":\"FSN\",\"kind\":\"committee\",\"parent\":\"m\"},"
    "{\"type\":\"grant\",\"date\":\"2020-01-02\",\"grant\":\"g/post\","
    "\"name\":\"Post\",\"payer\":\"kk\",\"total\":1000,\"parent\":\"g\"},"
    "{\"type\":\"allocation\",\"date\":\"2020-03-02\",\"grant\":\"g\","
    "\"from\":\"m\",\"to\":\"asn\",\"amount\":20000,\"id\":\"a2\"},"
    "{\"type\":\"payout\",\"date\":\"2020-03-03\",\"grant\":\"g\","
    "\"from\":\"m\",\"to\":\"asn\",\"amount\":20000},"
    "{\"type\":\"expense\",\"date\":\"2020-06-30\",\"grant\":\"g\","
    "\"party\":\"asn\",\"activity\":\"Norr\",\"amount\":1500},"
    "{\"type\":\"expense\",\"date\":\"2020-04-30\",\"grant\":\"g\","
    "\"party\":\"asn\",\"activity\":\"Söder\",\"amount\":500},"
    "{\"type\":\"correction\",\"date\":\"2020-07-01\",\"corrects\":11,"
    "\"note\":\"fel\"},"
    "{\"type\":\"report\",\"date\":\"2021-01-10\",\"grant\":\"g\","
    "\"party\":\"m\"},"
    "{\"type\":\"repayment\",\"date\":\"2021-02-01\",\"grant\":\"g\","
    "\"from\":\"asn\",\"to\":\"m\",\"amount\":100},"
    "{\"type\":\"close\",\"date\":\"2019-12-31\"}]";

static struct ml_ledger *fresh(char *dir)
{
	struct ml_ledger *lg = tl_open(dir, "fault");
	struct ml_errinfo err;
	if (tl_append(lg, setup_json, &err, NULL) != 0) {
		fprintf(stderr, "setup: %s\n", err.message);
		exit(2);
	}
	return lg;
}

static bool verify_ok(struct ml_ledger *lg)
{
	MDB_txn *txn;
	cJSON *doc = NULL;
	struct ml_errinfo err;
	bool ok = ml_ledger_read_begin_txn(lg, &txn) == 0 &&
	          ml_answer_verify(lg, ml_read_of(txn), &doc, NULL, NULL,
	                           &err) == 0 &&
	          cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok"));
	char *said = !ok && doc != NULL ? cJSON_Print(doc) : NULL;
	if (said != NULL) /* what verify found, beside the failure */
		fprintf(stderr, "%s\n", said);
	free(said);
	cJSON_Delete(doc);
	ml_ledger_read_end(lg, ml_read_of(txn));
	return ok;
}

/* Runs the append with the Nth call (of the armed kind) failing. Returns
 * false once N is past the last call (the fault never fired). */
static bool append_with_fault(long n, bool alloc)
{
	char dir[4096], before[65], after[65];
	struct ml_ledger *lg = fresh(dir);
	struct ml_errinfo err;
	tl_head_hash(lg, before);
	fault_alloc = alloc;
	fault_arm(n);
	int rc = tl_append(lg, batch_json, &err, NULL);
	fault_disarm();
	bool fired = fault_fired;
	if (fired && rc == 0) {
		/* A failure the ledger could absorb (a cache that stays
		 * empty, say): the batch must then be complete and sound. */
		MT_CHECK_INT(tl_head(lg), 16);
	} else if (fired) {
		if (err.message[0] == '\0')
			MT_FAIL_AT("call %ld (%s) failed the append without a "
			           "message (rc %d)",
			           n, alloc ? "alloc" : "lmdb", rc);
		tl_head_hash(lg, after);
		if (strcmp(before, after) != 0)
			MT_FAIL_AT("call %ld (%s): a failed append moved the "
			           "head",
			           n, alloc ? "alloc" : "lmdb");
	}
	if (!verify_ok(lg))
		MT_FAIL_AT("call %ld (%s): verify fails after the fault", n,
		           alloc ? "alloc" : "lmdb");
	tl_close(lg, dir);
	return fired;
}

/* medeld's group commit: two batches in nested transactions of one write
 * transaction; a batch that fails is dropped, the other is committed. */
static int group_commit(struct ml_ledger *lg, int *stored)
{
	static const char *const batches[2] = {
	    batch_json,
	    "{\"type\":\"expense\",\"date\":\"2020-07-30\",\"grant\":"
	    "\"g\",\"party\":\"m\",\"activity\":\"x\",\"amount\":1}"};
	struct ml_wtxn *wt = NULL;
	struct ml_errinfo err;
	int rc = ml_ledger_write_begin(lg, &wt);
	*stored = 0;
	for (int b = 0; rc == 0 && b < 2; b++) {
		struct ml_arena arena;
		struct ml_event *ev;
		size_t n;
		struct ml_append_result res[16];
		ml_arena_init(&arena, 1 << 20);
		int brc = ml_json_parse_batch(batches[b], strlen(batches[b]),
		                              &arena, &ev, &n, &err);
		if (brc == 0)
			brc = ml_ledger_append(wt, ev, n, NULL, res, &err);
		if (brc == 0)
			*stored += (int)n;
		else if (err.message[0] == '\0')
			MT_FAIL_AT("a batch failed (%d) without a message",
			           brc);
		ml_arena_free(&arena);
	}
	if (rc == 0)
		return ml_ledger_write_commit(wt);
	return rc;
}

static bool group_with_fault(long n, bool alloc)
{
	char dir[4096];
	struct ml_ledger *lg = fresh(dir);
	uint64_t before = tl_head(lg);
	int stored = 0;
	fault_alloc = alloc;
	fault_arm(n);
	int rc = group_commit(lg, &stored);
	fault_disarm();
	uint64_t after = tl_head(lg);
	if (rc == 0 && after != before + (uint64_t)stored)
		MT_FAIL_AT("call %ld: committed %d events, head moved by %llu",
		           n, stored, (unsigned long long)(after - before));
	if (rc != 0 && after != before)
		MT_FAIL_AT("call %ld: a failed commit moved the head", n);
	if (!verify_ok(lg))
		MT_FAIL_AT("call %ld: verify fails after the fault", n);
	tl_close(lg, dir);
	return fault_fired;
}

typedef int (*answer_fn)(struct ml_ledger *, struct ml_read *,
                         const struct ml_query *, cJSON **,
                         struct ml_errinfo *);

static int answer_verify(struct ml_ledger *lg, struct ml_read *rd,
                         const struct ml_query *q, cJSON **out,
                         struct ml_errinfo *err)
{
	(void)q;
	return ml_answer_verify(lg, rd, out, NULL, NULL, err);
}

/* Runs every answer with the Nth call failing, on one ledger. */
static bool answers_with_fault(struct ml_ledger *lg, long n, bool alloc)
{
	static const answer_fn fns[] = {
	    ml_answer_balances,  ml_answer_trace,   ml_answer_repayments,
	    ml_answer_deadlines, ml_answer_parties, ml_answer_grants,
	    answer_verify};
	struct ml_query q;
	ml_query_init(&q);
	q.grant = "g";
	q.as_of = 44196; /* 2021-01-01 */
	bool fired = false;
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		MDB_txn *txn = NULL;
		cJSON *doc = NULL;
		struct ml_errinfo err;
		ml_errinfo_clear(&err);
		fault_alloc = alloc;
		fault_arm(n);
		int rc = ml_ledger_read_begin_txn(lg, &txn);
		if (rc == 0)
			rc = fns[i](lg, ml_read_of(txn), &q, &doc, &err);
		fault_disarm();
		fired |= fault_fired;
		if (rc == 0 && doc == NULL)
			MT_FAIL_AT("answer %zu: success without a document", i);
		cJSON_Delete(doc);
		if (txn != NULL)
			ml_ledger_read_end(lg, ml_read_of(txn));
	}
	return fired;
}

static void test_append_faults(void)
{
	long n;
	for (int alloc = 1; alloc >= 0; alloc--) {
		for (n = 1; n < 100000 && append_with_fault(n, alloc); n++)
			;
		fprintf(stderr, "  append: %ld %s calls failed in turn\n",
		        n - 1, alloc ? "allocation" : "LMDB");
		MT_CHECK(n > 10); /* the faults really reached the ledger */
	}
}

static void test_group_commit_faults(void)
{
	for (int alloc = 1; alloc >= 0; alloc--) {
		long n;
		for (n = 1; n < 100000 && group_with_fault(n, alloc); n++)
			;
		fprintf(stderr, "  group commit: %ld %s calls failed in turn\n",
		        n - 1, alloc ? "allocation" : "LMDB");
		MT_CHECK(n > 10);
	}
}

static void test_answer_faults(void)
{
	char dir[4096];
	struct ml_ledger *lg = fresh(dir);
	MT_REQUIRE(tl_append(lg, batch_json, NULL, NULL) == 0);
	for (int alloc = 1; alloc >= 0; alloc--) {
		long n;
		for (n = 1; n < 100000 && answers_with_fault(lg, n, alloc); n++)
			;
		fprintf(stderr, "  answers: %ld %s calls failed in turn\n",
		        n - 1, alloc ? "allocation" : "LMDB");
		MT_CHECK(n > 10);
	}
	MT_CHECK(verify_ok(lg));
	tl_close(lg, dir);
}

int main(void)
{
	cJSON_Hooks hooks = {cjson_malloc, free};
	cJSON_InitHooks(&hooks);
	MT_RUN(test_append_faults);
	MT_RUN(test_group_commit_faults);
	MT_RUN(test_answer_faults);
	return MT_EXIT();
}

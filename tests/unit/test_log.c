/*
 * test_log.c — the append-only log: the hash chain (recomputed by Python,
 * independently of this code), idempotent re-sends, atomic batches,
 * reopening, the recorded_at clock, the format record and map growth.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ml_json.h"
#include "ml_log.h"
#include "mt.h"
#include "tl.h"

#define SETUP                                                                  \
	"[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":"              \
	"\"kammarkollegiet\",\"name\":\"Kammarkollegiet\",\"kind\":"           \
	"\"state\"},"                                                          \
	"{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"malmo\","     \
	"\"name\":\"Malmö stad\",\"kind\":\"municipality\"},"                 \
	"{\"type\":\"grant\",\"date\":\"2020-02-06\",\"grant\":\"ph-2020\","   \
	"\"name\":\"Psykisk hälsa 2020\",\"payer\":\"kammarkollegiet\","      \
	"\"total\":100000000000}]"

/* Writes every stored event as JSON Lines to path. */
static int dump_jsonl(struct ml_ledger *lg, const char *path)
{
	FILE *f = fopen(path, "w");
	MDB_txn *txn;
	if (f == NULL || ml_ledger_read_begin_txn(lg, &txn) != 0)
		return -1;
	struct ml_log_head head;
	ml_ledger_head(lg, ml_read_of(txn), &head);
	struct ml_buf out;
	ml_buf_init(&out, 1 << 16);
	int rc = 0;
	for (uint64_t s = 1; rc == 0 && s <= head.seq; s++) {
		struct ml_event ev;
		rc = ml_ledger_event(lg, ml_read_of(txn), s, &ev);
		ml_buf_reset(&out);
		if (rc == 0)
			rc = ml_json_write_event(&ev, ML_JSON_STORED, &out);
		fprintf(f, "%s\n", out.data);
	}
	ml_buf_free(&out);
	ml_ledger_read_end(lg, ml_read_of(txn));
	fclose(f);
	return rc;
}

static void append_chain(struct ml_ledger *lg, int count)
{
	char json[1024];
	for (int i = 0; i < count; i++) {
		/* Swedish letters, quotes, control characters and a DEL. */
		if (i % 2 == 0)
			snprintf(
			    json, sizeof json,
			    "{\"type\":\"party\",\"date\":\"2020-03-%02d\","
			    "\"party\":\"u%d\",\"name\":\"Enhet \\\"%d\\\" "
			    "åäö ÅÄÖ\",\"kind\":\"unit\",\"parent\":"
			    "\"malmo\",\"note\":\"rad\\n\\t\\u0001\\u001f"
			    "\x7f€\"}",
			    1 + i % 28, i, i);
		else
			snprintf(
			    json, sizeof json,
			    "{\"type\":\"allocation\",\"date\":"
			    "\"2020-04-%02d\",\"grant\":\"ph-2020\","
			    "\"from\":\"kammarkollegiet\",\"to\":\"malmo\","
			    "\"amount\":%d,\"id\":\"alloc:%d\","
			    "\"meta\":{\"rad\":%d,\"ä\":[1,-2]}}",
			    1 + i % 30, 100 + i, i, i);
		struct ml_errinfo err;
		if (tl_append(lg, json, &err, NULL) != 0)
			MT_FAIL_AT("event %d: %s", i, err.message);
	}
}

static void test_chain_python(void)
{
	char dir[4096], path[4200], cmd[8600];
	struct ml_ledger *lg = tl_open(dir, "chain");
	MT_REQUIRE(tl_append(lg, SETUP, NULL, NULL) == 0);
	append_chain(lg, 997);
	MT_CHECK_INT(tl_head(lg), 1000);
	snprintf(path, sizeof path, "%s/chain.jsonl", dir);
	MT_REQUIRE(dump_jsonl(lg, path) == 0);
	snprintf(cmd, sizeof cmd, "python3 %s/tests/tools/check_chain.py %s",
	         MEDEL_SOURCE_DIR, path);
	MT_CHECK_INT(system(cmd), 0);
	/* The checker can fail: a changed byte breaks the chain. */
	snprintf(cmd, sizeof cmd,
	         "sed -i '500s/Enhet/Enhat/' %s && python3 "
	         "%s/tests/tools/check_chain.py %s >/dev/null",
	         path, MEDEL_SOURCE_DIR, path);
	MT_CHECK(system(cmd) != 0);
	tl_close(lg, dir);
}

static void test_idempotent_resend(void)
{
	char dir[4096], hash_before[65], hash_after[65];
	struct ml_ledger *lg = tl_open(dir, "idem");
	MT_REQUIRE(tl_append(lg, SETUP, NULL, NULL) == 0);
	const char *ev = "{\"type\":\"allocation\",\"date\":\"2020-03-01\","
	                 "\"grant\":\"ph-2020\",\"from\":\"kammarkollegiet\","
	                 "\"to\":\"malmo\",\"amount\":500,\"id\":\"a-1\"}";
	uint64_t seq1 = 0, seq2 = 0;
	MT_CHECK_INT(tl_append(lg, ev, NULL, &seq1), 0);
	tl_head_hash(lg, hash_before);
	/* The same content again, fields in another order: a duplicate. */
	const char *again = "{\"id\":\"a-1\",\"amount\":500,\"to\":\"malmo\","
	                    "\"from\":\"kammarkollegiet\",\"grant\":"
	                    "\"ph-2020\",\"date\":\"2020-03-01\",\"type\":"
	                    "\"allocation\"}";
	MT_CHECK_INT(tl_append(lg, again, NULL, &seq2), 0);
	MT_CHECK_INT(seq2, seq1);
	MT_CHECK_INT(tl_head(lg), seq1);
	/* Same id, other content: a conflict, nothing stored. */
	struct ml_errinfo err;
	const char *other =
	    "{\"type\":\"allocation\",\"date\":\"2020-03-01\","
	    "\"grant\":\"ph-2020\",\"from\":\"kammarkollegiet\","
	    "\"to\":\"malmo\",\"amount\":501,\"id\":\"a-1\"}";
	MT_CHECK_INT(tl_append(lg, other, &err, NULL), ML_E_ID_CONFLICT);
	MT_CHECK_STR(err.field, "id");
	tl_head_hash(lg, hash_after);
	MT_CHECK_STR(hash_after, hash_before);
	tl_close(lg, dir);
}

static void test_batch_atomic(void)
{
	char dir[4096], before[65], after[65];
	struct ml_ledger *lg = tl_open(dir, "atomic");
	MT_REQUIRE(tl_append(lg, SETUP, NULL, NULL) == 0);
	tl_head_hash(lg, before);
	struct ml_errinfo err;
	const char *batch =
	    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"x\","
	    "\"name\":\"X\",\"kind\":\"unit\",\"id\":\"x-def\"},"
	    "{\"type\":\"allocation\",\"date\":\"2020-03-01\",\"grant\":"
	    "\"ph-2020\",\"from\":\"kammarkollegiet\",\"to\":\"x\","
	    "\"amount\":5},"
	    "{\"type\":\"payout\",\"date\":\"2020-03-01\",\"grant\":"
	    "\"ph-2020\",\"from\":\"kammarkollegiet\",\"to\":\"nobody\","
	    "\"amount\":5}]";
	MT_CHECK_INT(tl_append(lg, batch, &err, NULL), ML_E_UNKNOWN_PARTY);
	MT_CHECK_INT(err.index, 2);
	MT_CHECK_STR(err.field, "to");
	tl_head_hash(lg, after);
	MT_CHECK_STR(after, before);
	MT_CHECK_INT(tl_head(lg), 3);
	/* Nothing of the batch is visible: its id is free, x unknown. */
	MT_CHECK_INT(tl_append(lg,
	                       "{\"type\":\"expense\",\"date\":\"2020-03-01\","
	                       "\"grant\":\"ph-2020\",\"party\":\"x\","
	                       "\"activity\":\"a\",\"amount\":1}",
	                       &err, NULL),
	             ML_E_UNKNOWN_PARTY);
	tl_close(lg, dir);
}

static void test_reopen(void)
{
	char dir[4096], before[65], after[65];
	struct ml_ledger *lg = tl_open(dir, "reopen");
	MT_REQUIRE(tl_append(lg, SETUP, NULL, NULL) == 0);
	append_chain(lg, 50);
	tl_head_hash(lg, before);
	ml_ledger_close(lg);
	struct ml_errinfo err;
	MT_REQUIRE(ml_ledger_open(dir, NULL, &lg, &err) == 0);
	MT_CHECK_INT(tl_head(lg), 53);
	tl_head_hash(lg, after);
	MT_CHECK_STR(after, before);
	/* Re-sending an id after reopening is still a duplicate. */
	uint64_t seq = 0;
	MT_CHECK_INT(
	    tl_append(lg,
	              "{\"type\":\"allocation\",\"date\":\"2020-04-02\","
	              "\"grant\":\"ph-2020\",\"from\":"
	              "\"kammarkollegiet\",\"to\":\"malmo\","
	              "\"amount\":101,\"id\":\"alloc:1\","
	              "\"meta\":{\"rad\":1,\"ä\":[1,-2]}}",
	              &err, &seq),
	    0);
	MT_CHECK_INT(seq, 5);
	MT_CHECK_INT(tl_head(lg), 53);
	tl_close(lg, dir);
}

static int64_t backwards_clock(void *arg)
{
	int64_t *t = arg;
	*t -= 1000000; /* a second back on every call */
	return *t;
}

static void test_recorded_at_increases(void)
{
	char dir[4096];
	int64_t t = 1600000000000000LL;
	struct ml_open_opts opts = {.clock_us = backwards_clock,
	                            .clock_arg = &t};
	struct ml_ledger *lg = NULL;
	struct ml_errinfo err;
	tl_tmpdir(dir, "clock");
	MT_REQUIRE(ml_ledger_open(dir, &opts, &lg, &err) == 0);
	MT_REQUIRE(tl_append(lg, SETUP, NULL, NULL) == 0);
	append_chain(lg, 20);
	MDB_txn *txn;
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	int64_t last = INT64_MIN;
	for (uint64_t s = 1; s <= 23; s++) {
		struct ml_event ev;
		MT_CHECK_INT(ml_ledger_event(lg, ml_read_of(txn), s, &ev), 0);
		MT_CHECK(ev.recorded_at_us > last);
		MT_CHECK(ml_str_eq_c(ev.recorded_by, "test"));
		last = ev.recorded_at_us;
		/* The time → seq search finds each event at its own time. */
		uint64_t found = 0;
		ml_log_seq_at_time(ml_ledger_store(lg), txn, ev.recorded_at_us,
		                   &found);
		MT_CHECK_INT(found, s);
	}
	ml_ledger_read_end(lg, ml_read_of(txn));
	tl_close(lg, dir);
}

static void test_format_refusals(void)
{
	char dir[4096];
	struct ml_errinfo err;
	struct ml_ledger *lg = NULL;
	/* An LMDB file of some other program. */
	tl_tmpdir(dir, "foreign");
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	mdb_env_create(&env);
	MT_REQUIRE(mdb_env_open(env, dir, 0, 0600) == 0);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, NULL, 0, &dbi);
	MDB_val k = {3, "key"}, v = {5, "value"};
	mdb_put(txn, dbi, &k, &v, 0);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	MT_CHECK_INT(ml_ledger_open(dir, NULL, &lg, &err), ML_E_FORMAT);
	MT_CHECK(strstr(err.message, "not a medel ledger") != NULL);
	tl_rmtree(dir);
	/* A ledger of a future format version. */
	lg = tl_open(dir, "future");
	ml_ledger_close(lg);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 16);
	MT_REQUIRE(mdb_env_open(env, dir, 0, 0600) == 0);
	mdb_txn_begin(env, NULL, 0, &txn);
	MT_REQUIRE(mdb_dbi_open(txn, "meta", 0, &dbi) == 0);
	unsigned char ver[4] = {0, 0, 0, 99};
	MDB_val fk = {6, "format"}, fv = {4, ver};
	mdb_put(txn, dbi, &fk, &fv, 0);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	MT_CHECK_INT(ml_ledger_open(dir, NULL, &lg, &err), ML_E_FORMAT);
	MT_CHECK(strstr(err.message, "version 99") != NULL);
	tl_rmtree(dir);
	/* NO_CREATE on an empty directory. */
	tl_tmpdir(dir, "empty");
	struct ml_open_opts nc = {.flags = ML_OPEN_NO_CREATE};
	MT_CHECK_INT(ml_ledger_open(dir, &nc, &lg, &err), ML_E_FORMAT);
	tl_rmtree(dir);
}

static void test_lock(void)
{
	char dir[4096];
	struct ml_errinfo err;
	struct ml_ledger *a = NULL, *b = NULL;
	struct ml_open_opts excl = {.flags = ML_OPEN_EXCLUSIVE};
	tl_tmpdir(dir, "lock");
	MT_REQUIRE(ml_ledger_open(dir, &excl, &a, &err) == 0);
	/* flock is per open file description: a second open in the same
	 * process conflicts just as another process would. */
	MT_CHECK_INT(ml_ledger_open(dir, NULL, &b, &err), ML_E_LOCKED);
	MT_CHECK(strstr(err.message, "use the daemon") != NULL);
	ml_ledger_close(a);
	MT_CHECK_INT(ml_ledger_open(dir, NULL, &b, &err), 0);
	tl_close(b, dir);
}

/* A child process holds LMDB's write transaction (an import under way)
 * until the parent's open has returned, or the parent has died (its end
 * of done is then closed, and the read sees end of file). */
static pid_t hold_write_lock(const char *dir, int held[2], int done[2])
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(held[0]);
	close(done[1]);
	int held_fd = held[1], done_fd = done[0];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	char c = 'h';
	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 32) != 0 ||
	    mdb_env_open(env, dir, MDB_NOTLS, 0600) != 0 ||
	    mdb_txn_begin(env, NULL, 0, &txn) != 0 ||
	    write(held_fd, &c, 1) != 1 || read(done_fd, &c, 1) != 1)
		_exit(1); /* no parent any more, or LMDB refused */
	mdb_txn_abort(txn);
	mdb_env_close(env);
	_exit(0);
}

/* A reader opens a ledger while another process writes: the format is
 * checked in a read-only transaction, not under the write lock. An open
 * that waited for the lock would wait for ever (the child lets go only
 * after it): the alarm ends the test as a failure instead. */
static void test_open_while_another_writes(void)
{
	char dir[4096];
	struct ml_errinfo err;
	struct ml_ledger *lg = tl_open(dir, "rdopen");
	MT_REQUIRE(tl_append(lg, SETUP, NULL, NULL) == 0);
	ml_ledger_close(lg);
	lg = NULL;
	int held[2], done[2];
	MT_REQUIRE(pipe(held) == 0 && pipe(done) == 0);
	pid_t pid = hold_write_lock(dir, held, done);
	MT_REQUIRE(pid > 0);
	close(held[1]);
	close(done[0]);
	char c;
	MT_REQUIRE(read(held[0], &c, 1) == 1);
	alarm(60);
	int rc = ml_ledger_open(dir, NULL, &lg, &err);
	alarm(0);
	MT_CHECK_INT(rc, 0);
	if (rc == 0)
		MT_CHECK_INT(tl_head(lg), 3);
	MT_REQUIRE(write(done[1], "d", 1) == 1);
	int status = 0;
	MT_REQUIRE(waitpid(pid, &status, 0) == pid);
	MT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(held[0]);
	close(done[1]);
	if (lg != NULL)
		tl_close(lg, dir);
}

static void test_map_growth(void)
{
	char dir[4096];
	struct ml_errinfo err;
	struct ml_ledger *lg = NULL;
	struct ml_open_opts opts = {.map_bytes_initial = 256 * 1024,
	                            .map_bytes_max = 4 * 1024 * 1024};
	tl_tmpdir(dir, "grow");
	MT_REQUIRE(ml_ledger_open(dir, &opts, &lg, &err) == 0);
	MT_REQUIRE(tl_append(lg, SETUP, NULL, NULL) == 0);
	int rc = 0;
	uint64_t stored = 3;
	char json[512];
	for (int i = 0; rc == 0 && i < 100000; i++) {
		snprintf(json, sizeof json,
		         "{\"type\":\"allocation\",\"date\":\"2020-04-01\","
		         "\"grant\":\"ph-2020\",\"from\":\"kammarkollegiet\","
		         "\"to\":\"malmo\",\"amount\":1,\"note\":\"%0200d\"}",
		         i);
		rc = tl_append(lg, json, &err, NULL);
		if (rc == 0)
			stored++;
	}
	/* It grew past the initial 256 KiB, then stopped cleanly at 4 MiB. */
	MT_CHECK_INT(rc, ML_E_MAP_FULL);
	MT_CHECK(stored > 2000);
	if (stored <= 2000)
		fprintf(stderr, "stored %llu: %s\n", (unsigned long long)stored,
		        err.message);
	MT_CHECK_INT(tl_head(lg), stored);
	ml_ledger_close(lg);
	MT_REQUIRE(ml_ledger_open(dir, &opts, &lg, &err) == 0);
	MT_CHECK_INT(tl_head(lg), stored);
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_chain_python);
	MT_RUN(test_idempotent_resend);
	MT_RUN(test_batch_atomic);
	MT_RUN(test_reopen);
	MT_RUN(test_recorded_at_increases);
	MT_RUN(test_format_refusals);
	MT_RUN(test_lock);
	MT_RUN(test_open_while_another_writes);
	MT_RUN(test_map_growth);
	return MT_EXIT();
}

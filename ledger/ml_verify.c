/*
 * ml_verify.c — GET /v1/verify: the chain re-hashed, every projection
 * rebuilt from the log alone and compared, conservation checked.
 *
 * Two cores, two jobs: a second thread re-hashes every event (decode,
 * canonical JSON, SHA-256, link to the previous hash) in its own read
 * transaction, while this thread replays the log and compares the
 * projections in the caller's. Both read seq 1 ..= the caller's head:
 * the log is append-only, so those records are the same in any later
 * snapshot the second thread may see. By sums, the second thread also
 * checks the two indexes that are functions of the log alone, ids and
 * evidx (ml_verify_logsums.c: in the caller's snapshot only; else the
 * caller does): the two threads' shares are then about even, and verify
 * takes the time of the longer.
 *
 * The answer names the first difference: the lowest seq where the chain
 * breaks, else the first projection or index that disagrees with the log.
 *
 * The replay and compare run first by sums (ml_verify_internal.h): the
 * stored series against per-series sums of the log's postings, in memory
 * that does not grow with the log. Sums say whether the projections
 * differ, not where. So when that run meets any difference, or cannot
 * decide, or fails for a reason other than memory, both run again in
 * exact mode, which keeps every event's postings (memory in proportion
 * to the log) and names the first difference as verify always has: the
 * answer is the exact mode's, byte for byte. An intact ledger — what
 * verify is for — is checked in bounded memory.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_hash.h"
#include "ml_json.h"
#include "ml_limits_internal.h"
#include "ml_log.h"
#include "ml_reading.h"
#include "ml_record.h"
#include "ml_verify_internal.h"

/* What the chain thread does, in a damaged page's message (ml_reading.h). */
#define MV_CHAIN_DOING "verify was re-hashing the chain"

struct mv_chain {
	struct ml_ledger *lg;
	uint64_t head;
	uint64_t resident_max; /* the map's pages kept (mv_expect's) */
	size_t txn_id;         /* the caller's snapshot (mdb_txn_id) */
	bool sums;             /* take the log-only sums (not exact always) */
	struct mv_logsums logsums;
	struct mv_diff diff;
	int rc;
	pthread_t thread;
	bool threaded; /* thread runs and is not yet joined */
};

static int mv_chain_one(struct mv_chain *c, struct ml_hasher *h,
                        struct ml_buf *buf, const MDB_val *key,
                        const MDB_val *val, uint64_t s, uint8_t prev[32],
                        struct ml_event *out)
{
	struct ml_event ev;
	uint8_t hash[32];
	ML_ASSERT(s >= 1); /* the chain is walked from seq 1 */
	if (key->mv_size != 8 || ml_be64_get(key->mv_data) != s ||
	    ml_record_decode(val->mv_data, val->mv_size, s, &ev) != 0)
		return mv_differ(&c->diff, "chain", s,
		                 "seq %llu is missing or cannot be decoded",
		                 (unsigned long long)s);
	if (memcmp(ev.prev_hash, prev, 32) != 0)
		return mv_differ(&c->diff, "chain", s,
		                 "seq %llu's prev_hash is not seq %llu's hash",
		                 (unsigned long long)s,
		                 (unsigned long long)s - 1);
	ml_buf_reset(buf);
	int rc = ml_json_write_event(&ev, ML_JSON_CANONICAL, buf);
	if (rc == 0)
		rc = ml_hash_event(h, ev.prev_hash, buf->data, buf->len, hash);
	if (rc != 0)
		return rc;
	if (memcmp(hash, ev.hash, 32) != 0)
		return mv_differ(&c->diff, "chain", s,
		                 "seq %llu does not hash to its stored hash: "
		                 "its content was changed",
		                 (unsigned long long)s);
	memcpy(prev, ev.hash, 32);
	*out = ev;
	return 0;
}

static int mv_chain_run(struct mv_chain *c, MDB_txn *txn)
{
	struct ml_hasher *h = NULL;
	struct ml_buf buf;
	struct mv_cur cur = {0};
	uint8_t prev[32] = {0};
	ml_buf_init(&buf, ML_EVENT_JSON_MAX);
	struct ml_store *st = ml_ledger_store(c->lg);
	/* in another snapshot its indexes may hold later events */
	bool sums = c->sums && mdb_txn_id(txn) == c->txn_id;
	int rc = ml_hasher_new(&h);
	if (rc == 0)
		rc = ml_error_from_mdb(mv_cur_open(txn, st->dbi[ML_DB_LOG],
		                                   c->resident_max, &cur));
	if (rc == 0 && sums)
		rc = mv_logsums_begin(&c->logsums, st, txn, c->resident_max,
		                      MV_CHAIN_DOING);
	MDB_val key, val;
	ml_reading_at(ML_DB_LOG, 1);
	int mrc = rc == 0 ? mv_cur_get(&cur, &key, &val, MDB_FIRST) : 0;
	for (uint64_t s = 1; rc == 0 && s <= c->head; s++) {
		struct ml_event ev;
		if (mrc != 0) {
			rc = mv_differ(&c->diff, "chain", s,
			               "seq %llu is missing, or the log's "
			               "index pages do not lead to it",
			               (unsigned long long)s);
			break;
		}
		rc = mv_chain_one(c, h, &buf, &key, &val, s, prev, &ev);
		if (rc == 0 && sums)
			mv_logsums_event(&c->logsums, st, txn, &ev);
		ml_reading_at(ML_DB_LOG, s + 1);
		mrc = mv_cur_get(&cur, &key, &val, MDB_NEXT);
	}
	mv_cur_close(&cur);
	if (rc == 0 && sums)
		mv_logsums_end(&c->logsums, st, txn, c->resident_max);
	mv_logsums_close(&c->logsums);
	ml_hasher_free(h);
	ml_buf_free(&buf);
	return rc > 0 ? 0 : rc;
}

static void *mv_chain_thread(void *arg)
{
	struct mv_chain *c = arg;
	struct ml_read *rd = NULL;
	ml_reading_begin(MV_CHAIN_DOING);
	c->rc = ml_ledger_read_begin(c->lg, &rd);
	if (c->rc == 0)
		c->rc = mv_chain_run(c, ml_read_txn(rd));
	ml_ledger_read_end(c->lg, rd);
	ml_reading_end();
	return NULL;
}

bool mv_exact_always = false;
bool mv_logsums_by_caller = false;
uint64_t mv_exact_runs = 0;

/* Replays and compares in one mode, into a fresh x, d and *checked. */
static int mv_run(bool exact, uint64_t resident_max, struct ml_store *st,
                  MDB_txn *txn, struct mv_expect *x, struct mv_diff *d,
                  uint64_t *checked, ml_progress_fn progress,
                  void *progress_arg)
{
	mv_expect_free(x);
	memset(d, 0, sizeof *d);
	*checked = 0;
	ml_reading_begin("verify was replaying the log");
	int rc = mv_replay(exact, resident_max, st, txn, x, d, progress,
	                   progress_arg);
	ml_reading_begin("verify was comparing the stored tables with the log");
	if (rc == 0 && d->kind[0] == 0)
		rc = mv_compare(st, txn, x, d, checked);
	ml_reading_end();
	return rc;
}

static void mv_chain_wait(struct mv_chain *c)
{
	if (c->threaded)
		pthread_join(c->thread, NULL);
	c->threaded = false;
}

/* By sums: do the ids index and the log's index hold what the log gives?
 * The chain thread's sums, or (taken in another snapshot, or not at all)
 * the caller's own (ml_verify_logsums.c). */
static int mv_logsums_agree(struct mv_chain *c, struct ml_store *st,
                            MDB_txn *txn, bool *agree)
{
	mv_chain_wait(c);
	int rc = 0;
	if (!c->logsums.taken)
		rc = mv_logsums_walk(&c->logsums, st, txn, c->head,
		                     c->resident_max);
	*agree = c->logsums.taken && c->logsums.agree;
	return rc;
}

/* By sums, then exact when the sums saw anything (the top says why). */
static int mv_check(struct mv_chain *chain, struct ml_store *st, MDB_txn *txn,
                    struct mv_expect *x, struct mv_diff *d, uint64_t *checked,
                    ml_progress_fn progress, void *progress_arg)
{
	uint64_t resident_max = chain->resident_max;
	bool agree = false;
	int rc = ML_E_CORRUPT; /* not yet run: exact */
	if (!mv_exact_always)
		rc = mv_run(false, resident_max, st, txn, x, d, checked,
		            progress, progress_arg);
	if (rc == 0 && d->kind[0] == 0 && !x->suspect)
		rc = mv_logsums_agree(chain, st, txn, &agree);
	if (rc == ML_E_NOMEM)
		return rc;
	if (rc != 0 || d->kind[0] != 0 || x->suspect || !agree) {
		/* medeld may verify on several threads at once */
		__atomic_fetch_add(&mv_exact_runs, 1, __ATOMIC_RELAXED);
		rc = mv_run(true, resident_max, st, txn, x, d, checked,
		            progress, progress_arg);
	}
	return rc;
}

static cJSON *mv_answer(const struct ml_log_head *head, uint64_t checked,
                        const struct mv_diff *d)
{
	char hex[65];
	cJSON *doc = cJSON_CreateObject();
	if (doc == NULL)
		return NULL;
	cJSON_AddBoolToObject(doc, "ok", d->kind[0] == '\0');
	ml_json_add_int(doc, "events", (int64_t)head->seq);
	ml_json_add_int(doc, "head_seq", (int64_t)head->seq);
	ml_hex32(head->hash, hex);
	cJSON_AddStringToObject(doc, "head_hash", hex);
	ml_json_add_int(doc, "entries_checked", (int64_t)checked);
	if (d->kind[0] != '\0') {
		cJSON *diff = cJSON_AddObjectToObject(doc, "difference");
		if (diff == NULL)
			return doc;
		cJSON_AddStringToObject(diff, "kind", d->kind);
		if (d->seq != 0)
			ml_json_add_int(diff, "seq", (int64_t)d->seq);
		cJSON_AddStringToObject(diff, "message", d->message);
	}
	return doc;
}

int ml_answer_verify(struct ml_ledger *lg, struct ml_read *rd, cJSON **out,
                     ml_progress_fn progress, void *progress_arg,
                     struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	struct ml_store *st = ml_ledger_store(lg);
	struct ml_log_head head;
	struct mv_expect x;
	struct mv_diff d = {0};
	struct mv_chain chain;
	uint64_t checked = 0;
	int loaded = ml_hash_load(err); /* the chain is hashed again */
	if (loaded != 0)
		return loaded;
	memset(&x, 0, sizeof x);
	memset(&chain, 0, sizeof chain);
	memset(&head, 0, sizeof head);
	ml_reading_begin("verify was reading the log's head");
	ml_reading_db(ML_DB_META);
	int rc = ml_log_head_read(st, txn, &head);
	chain.lg = lg;
	chain.head = head.seq;
	chain.txn_id = mdb_txn_id(txn);
	chain.sums = !mv_exact_always && !mv_logsums_by_caller;
	/* medeld keeps its map's pages (its read cache); a one-shot medel
	 * drops them past ML_VERIFY_RESIDENT_MAX as the walks go. */
	chain.resident_max = ml_ledger_map_release_bytes(lg) == UINT64_MAX
	                         ? UINT64_MAX
	                         : ML_VERIFY_RESIDENT_MAX;
	chain.threaded =
	    rc == 0 &&
	    pthread_create(&chain.thread, NULL, mv_chain_thread, &chain) == 0;
	ml_reading_begin(MV_CHAIN_DOING);
	if (rc == 0 && !chain.threaded)
		mv_chain_run(&chain, txn);
	if (rc == 0)
		rc = mv_check(&chain, st, txn, &x, &d, &checked, progress,
		              progress_arg);
	ml_reading_end();
	mv_chain_wait(&chain);
	mv_expect_free(&x);
	if (rc == 0)
		rc = chain.rc;
	/* The chain's difference is the answer whatever else failed: a
	 * damaged page that the chain reports as a missing seq makes a
	 * lookup of the comparison find nothing (ML_E_NOT_FOUND; a flipped
	 * bit at byte 726 502 of the 1 000 000-event tamper ledger). */
	if (rc != 0 && rc != ML_E_NOMEM && chain.diff.kind[0] != '\0')
		rc = 0;
	if (rc == ML_E_CORRUPT || rc == ML_E_NOT_FOUND) {
		/* Met outside a comparison (the head record, a page LMDB
		 * refuses, a record the log says exists): damage all the
		 * same, and an answer says so. */
		mv_differ(&d, "storage", 0,
		          "the ledger file is damaged: %s where verify read "
		          "it (the log's head, an index or a projection)",
		          rc == ML_E_CORRUPT ? ml_strerror(rc)
		                             : "a record that must exist is "
		                               "missing");
		rc = 0;
	}
	if (rc != 0)
		return ml_fail(err, rc, -1, NULL, "verify could not run: %s",
		               ml_strerror(rc));
	/* The chain's difference has the lower seq: the log itself. */
	const struct mv_diff *first = chain.diff.kind[0] ? &chain.diff : &d;
	*out = mv_answer(&head, checked, first);
	return *out != NULL ? 0 : ML_E_NOMEM;
}

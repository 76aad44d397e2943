/*
 * ml_ledger.c — transactions around the log and the state.
 *
 * A write transaction (struct ml_wtxn) carries the head it has reached;
 * each batch runs in a nested LMDB transaction and a copy of that head, so
 * a failed batch is undone by aborting the child and forgetting the copy.
 * The state (ml_state.h) sees every event before the log stores it and
 * may refuse it; both write inside the same child transaction.
 *
 * The writer keeps a one-shot process's resident memory bounded (not
 * medeld's, opened ML_OPEN_EXCLUSIVE, whose resident pages are its read
 * cache): LMDB reads the data file through a read-only map, and every
 * page it has read stays resident, so a long append would hold the whole
 * file. After a commit that finds more than map_resident_max_bytes of
 * file pages resident (the "shared" count of /proc/self/statm: the map,
 * and the few MiB of the program and its libraries), the map's pages are
 * dropped (ml_store_map_release; the kernel keeps them in its page cache
 * and faults them back on the next read). Reading statm costs
 * microseconds per commit.
 *
 * The rwlock is not for LMDB (which needs none) but for growing the map:
 * mdb_env_set_mapsize may only run while this process has no transaction
 * open, so every transaction holds the lock shared and ml_ledger_grow
 * takes it exclusively.
 *
 * Ended read transactions are kept (mdb_txn_reset) in a pool of at most
 * ML_READ_POOL_MAX and renewed (mdb_txn_renew) by the next
 * ml_ledger_read_begin, on any thread (the store is opened MDB_NOTLS):
 * a new one per read, its calloc and its reader slot, was ~2 % of a
 * built balances answer in medeld (docs/performance.md, 2026-12-03
 * h-md). A reset transaction holds no snapshot (the writer may reuse
 * every page) and no pointer into the map (renew reads the meta pages
 * again), so ml_ledger_grow may remap under it. One that fails to renew
 * is aborted and a new one begun, as before.
 */
#include "ml_ledger_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_assert.h"
#include "ml_date.h"
#include "ml_evidx.h"
#include "ml_hash.h"
#include "ml_limits_internal.h"
#include "ml_log.h"
#include "ml_migrate.h"
#include "ml_state.h"
#include "ml_summary.h"

struct ml_ledger {
	struct ml_store *st;
	struct ml_state *state;
	pthread_rwlock_t txn_lock;
	int64_t (*clock_us)(void *arg);
	void *clock_arg;
	struct ml_log_writer writer; /* used by the one writer */
	struct ml_evidx_batch evidx; /* the writer's batch of index entries */
	pthread_mutex_t writer_lock; /* one ml_wtxn at a time per process */
	/* under writer_lock: the map's release (see the file comment) */
	uint64_t map_resident_max_bytes;
	pthread_mutex_t pool_lock;            /* guards the two below */
	MDB_txn *read_pool[ML_READ_POOL_MAX]; /* reset, ready to renew */
	size_t read_pooled;                   /* ≤ ML_READ_POOL_MAX */
	int trace_prefetch;                   /* ml_open_opts.trace_prefetch */
	/* ML_OPEN_SUMMARIES: the grants' kept summaries, told by the state
	 * of every change (ml_summary.h); NULL when not kept */
	struct ml_summaries *summaries;
};

_Static_assert(ML_OPEN_EXCLUSIVE == ML_STORE_EXCLUSIVE &&
                   ML_OPEN_NO_CREATE == ML_STORE_NO_CREATE &&
                   ML_OPEN_POINT_READS == ML_STORE_NORDAHEAD,
               "ml_ledger_open passes its flags to ml_store_open");

struct ml_wtxn {
	struct ml_ledger *lg;
	MDB_txn *txn;
	struct ml_log_head head;
};

static int64_t ml_default_clock(void *arg)
{
	(void)arg;
	return ml_time_now_us();
}

static void ml_ledger_changed(void *arg, uint32_t grant_no, uint64_t seq)
{
	ml_summaries_touch(arg, grant_no, seq);
}

/* Keeps the grants' summaries from now on (before any read or write). */
static int ml_ledger_keep_summaries(struct ml_ledger *lg)
{
	int rc = ml_summaries_new(&lg->summaries);
	if (rc == 0)
		ml_state_on_change(lg->state, ml_ledger_changed, lg->summaries);
	return rc;
}

int ml_ledger_open(const char *dir, const struct ml_open_opts *opts,
                   struct ml_ledger **out, struct ml_errinfo *err)
{
	struct ml_open_opts defaults = {0};
	if (opts == NULL)
		opts = &defaults;
	struct ml_ledger *lg = calloc(1, sizeof *lg);
	if (lg == NULL)
		return ml_fail(err, ML_E_NOMEM, -1, NULL, "out of memory");
	pthread_rwlock_init(&lg->txn_lock, NULL);
	pthread_mutex_init(&lg->writer_lock, NULL);
	pthread_mutex_init(&lg->pool_lock, NULL);
	lg->clock_us = opts->clock_us ? opts->clock_us : ml_default_clock;
	lg->clock_arg = opts->clock_arg;
	ML_ASSERT(opts->trace_prefetch >= ML_PREFETCH_AUTO &&
	          opts->trace_prefetch <= ML_PREFETCH_THREADS_MAX);
	ML_ASSERT(opts->trace_prefetch == ML_PREFETCH_OFF ||
	          !(opts->flags & ML_OPEN_EXCLUSIVE)); /* never medeld */
	lg->trace_prefetch = opts->trace_prefetch;
	/* medeld (exclusive) keeps its pages: they are the read cache its
	 * event loops share, and dropping them at every commit would make
	 * each later read fault them back. The bound is for a process that
	 * appends a file and exits (medel --db append, import-csv). */
	lg->map_resident_max_bytes = (opts->flags & ML_OPEN_EXCLUSIVE)
	                                 ? UINT64_MAX
	                                 : ML_MAP_RESIDENT_BYTES_MAX;
	int rc = ml_store_open(dir, opts->flags & ~ML_OPEN_SUMMARIES,
	                       opts->map_bytes_initial, opts->map_bytes_max,
	                       &lg->st, err);
	if (rc == 0)
		rc = ml_migrate_open(lg->st, err); /* before anything reads */
	ML_ASSERT(rc != 0 || lg->st->format_version == ML_FORMAT_VERSION);
	if (rc == 0)
		rc = ml_log_writer_init(&lg->writer, lg->st);
	ml_evidx_batch_init(&lg->evidx);
	if (rc == 0)
		rc = ml_state_new(lg->st, &lg->state);
	if (rc == 0 && (opts->flags & ML_OPEN_SUMMARIES))
		rc = ml_ledger_keep_summaries(lg);
	if (rc != 0) {
		if (err != NULL && err->code == 0)
			ml_fail(err, rc, -1, NULL, "cannot open %s: %s", dir,
			        ml_strerror(rc));
		ml_ledger_close(lg);
		return rc;
	}
	*out = lg;
	return 0;
}

int64_t ml_ledger_now_us(struct ml_ledger *lg)
{
	return lg->clock_us(lg->clock_arg);
}

void ml_ledger_close(struct ml_ledger *lg)
{
	if (lg == NULL)
		return;
	ml_state_free(lg->state);
	ml_summaries_free(lg->summaries);
	ml_log_writer_free(&lg->writer);
	ml_evidx_batch_free(&lg->evidx);
	for (size_t i = 0; i < lg->read_pooled; i++)
		mdb_txn_abort(lg->read_pool[i]);
	ml_store_close(lg->st);
	pthread_mutex_destroy(&lg->pool_lock);
	pthread_mutex_destroy(&lg->writer_lock);
	pthread_rwlock_destroy(&lg->txn_lock);
	free(lg);
}

int ml_ledger_trace_prefetch(struct ml_ledger *lg)
{
	return lg->trace_prefetch;
}

struct ml_store *ml_ledger_store(struct ml_ledger *lg)
{
	return lg->st;
}

struct ml_summaries *ml_ledger_summaries(struct ml_ledger *lg)
{
	return lg->summaries;
}

int ml_ledger_write_begin(struct ml_ledger *lg, struct ml_wtxn **out)
{
	struct ml_wtxn *wt = calloc(1, sizeof *wt);
	if (wt == NULL)
		return ML_E_NOMEM;
	wt->lg = lg;
	pthread_mutex_lock(&lg->writer_lock);
	pthread_rwlock_rdlock(&lg->txn_lock);
	int rc = ml_store_txn_begin(lg->st, NULL, false, &wt->txn);
	if (rc == 0)
		rc = ml_log_head_read(lg->st, wt->txn, &wt->head);
	if (rc == 0)
		rc = ml_state_write_begin(lg->state, wt->txn);
	if (rc != 0) {
		ml_ledger_write_abort(wt);
		return rc;
	}
	*out = wt;
	return 0;
}

static void ml_wtxn_release(struct ml_wtxn *wt)
{
	pthread_rwlock_unlock(&wt->lg->txn_lock);
	pthread_mutex_unlock(&wt->lg->writer_lock);
	free(wt);
}

void ml_ledger_set_map_release(struct ml_ledger *lg, uint64_t resident_bytes)
{
	pthread_mutex_lock(&lg->writer_lock);
	lg->map_resident_max_bytes = resident_bytes;
	pthread_mutex_unlock(&lg->writer_lock);
}

uint64_t ml_ledger_map_release_bytes(struct ml_ledger *lg)
{
	pthread_mutex_lock(&lg->writer_lock);
	uint64_t bytes = lg->map_resident_max_bytes;
	pthread_mutex_unlock(&lg->writer_lock);
	return bytes;
}

/* A pointer into the data file's map, for ml_store_map_release: the
 * log's first record, read in a read transaction (LMDB does not say
 * where its map is: MDB_envinfo.me_mapaddr is set only for a fixed map). */
static void ml_ledger_map_release(struct ml_ledger *lg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val key, data;
	if (ml_store_txn_begin(lg->st, NULL, true, &txn) != 0)
		return;
	if (mdb_cursor_open(txn, lg->st->dbi[ML_DB_LOG], &cur) == 0 &&
	    mdb_cursor_get(cur, &key, &data, MDB_FIRST) == 0)
		ml_store_map_release(data.mv_data);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
}

/* After a commit, under writer_lock: drops the map's resident pages
 * when more than map_resident_max_bytes of file pages are resident. */
static void ml_ledger_map_trim(struct ml_ledger *lg)
{
	if (ml_store_file_resident_bytes() > lg->map_resident_max_bytes)
		ml_ledger_map_release(lg);
}

int ml_ledger_write_commit(struct ml_wtxn *wt)
{
	int rc = ml_error_from_mdb(mdb_txn_commit(wt->txn));
	if (rc == 0)
		ml_ledger_map_trim(wt->lg);
	ml_wtxn_release(wt);
	return rc;
}

void ml_ledger_write_abort(struct ml_wtxn *wt)
{
	if (wt == NULL)
		return;
	if (wt->txn != NULL)
		mdb_txn_abort(wt->txn);
	ml_wtxn_release(wt);
}

void ml_ledger_write_head(const struct ml_wtxn *wt, struct ml_log_head *head)
{
	*head = wt->head;
}

/* A re-send of a stored id: same content → duplicate, else id_conflict. */
static int ml_append_resend(struct ml_wtxn *wt, MDB_txn *txn,
                            const struct ml_event *ev, uint64_t seq, int32_t i,
                            struct ml_append_result *res,
                            struct ml_errinfo *err)
{
	bool same = false;
	struct ml_event stored;
	int rc = ml_log_same_content(&wt->lg->writer, txn, seq, ev, &same);
	if (rc == 0 && !same)
		return ml_fail(err, ML_E_ID_CONFLICT, i, "id",
		               "id: '%.*s' is already stored as seq %llu with "
		               "different content",
		               (int)ev->id.len, ev->id.ptr,
		               (unsigned long long)seq);
	if (rc == 0)
		rc = ml_log_get(wt->lg->st, txn, seq, &stored);
	if (rc != 0)
		return rc;
	res->seq = seq;
	res->duplicate = true;
	res->recorded_at_us = stored.recorded_at_us;
	memcpy(res->hash, stored.hash, 32);
	return 0;
}

static int ml_append_one(struct ml_wtxn *wt, MDB_txn *txn,
                         struct ml_log_head *head, struct ml_event *ev,
                         int32_t i, const struct ml_append_opts *opts,
                         struct ml_append_result *res, struct ml_errinfo *err)
{
	struct ml_ledger *lg = wt->lg;
	memset(res, 0, sizeof *res);
	if (ev->id.ptr != NULL) {
		uint64_t seq = 0;
		int rc =
		    ml_log_claim_id(lg->st, txn, ev->id, head->seq + 1, &seq);
		if (rc != 0)
			return rc;
		if (seq != 0)
			return ml_append_resend(wt, txn, ev, seq, i, res, err);
	}
	ev->present &= ~ML_STORED_FIELDS;
	ev->seq = head->seq + 1;
	ev->recorded_by =
	    ml_str_c(opts->recorded_by ? opts->recorded_by : "unknown");
	int rc = ml_state_apply(lg->state, txn, ev, i, err);
	if (rc == 0)
		rc = ml_log_put(&lg->writer, txn, head, ev,
		                lg->clock_us(lg->clock_arg));
	/* Many keys' parties gathered: write them out before this event. */
	if (rc == 0 && ml_evidx_batch_full(&lg->evidx))
		rc = ml_evidx_batch_flush(lg->st, txn, &lg->evidx);
	if (rc == 0)
		rc = ml_evidx_batch_add(lg->st, txn, &lg->evidx, ev);
	if (rc != 0)
		return rc;
	res->seq = ev->seq;
	res->recorded_at_us = ev->recorded_at_us;
	memcpy(res->hash, ev->hash, 32);
	return 0;
}

static int ml_append_check(struct ml_wtxn *wt, size_t n,
                           const struct ml_append_opts *opts,
                           struct ml_errinfo *err)
{
	if (n == 0 || n > ML_BATCH_EVENTS_MAX)
		return ml_fail(err, n ? ML_E_TOO_LARGE : ML_E_INVALID_JSON, -1,
		               NULL, "a batch has from 1 to %d events, not %zu",
		               ML_BATCH_EVENTS_MAX, n);
	int rc = ml_hash_load(err); /* each event is hashed into the chain */
	if (rc != 0)
		return rc;
	if (opts->check_head && opts->expected_head != wt->head.seq)
		return ml_fail(err, ML_E_HEAD_MOVED, -1, NULL,
		               "the head is seq %llu, not the expected %llu",
		               (unsigned long long)wt->head.seq,
		               (unsigned long long)opts->expected_head);
	return 0;
}

/* Appends events[0..n) in txn, advancing *head; nothing is undone here. */
static int ml_append_events(struct ml_wtxn *wt, MDB_txn *txn,
                            struct ml_log_head *head, struct ml_event *events,
                            size_t n, const struct ml_append_opts *opts,
                            struct ml_append_result *results,
                            struct ml_errinfo *err)
{
	int rc = ml_state_batch_begin(wt->lg->state, txn, n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ml_append_one(wt, txn, head, &events[i], (int32_t)i, opts,
		                   &results[i], err);
	if (rc == 0)
		rc = ml_state_batch_finish(wt->lg->state);
	if (rc == 0)
		rc = ml_evidx_batch_flush(wt->lg->st, txn, &wt->lg->evidx);
	ml_evidx_batch_reset(&wt->lg->evidx);
	ml_state_batch_end(wt->lg->state);
	if (rc != 0 && err != NULL && err->code == 0)
		ml_fail(err, rc, -1, NULL, "the batch was not stored: %s",
		        ml_strerror(rc));
	return rc;
}

int ml_ledger_append(struct ml_wtxn *wt, struct ml_event *events, size_t n,
                     const struct ml_append_opts *opts,
                     struct ml_append_result *results, struct ml_errinfo *err)
{
	struct ml_append_opts none = {0};
	if (opts == NULL)
		opts = &none;
	ml_errinfo_clear(err);
	int rc = ml_append_check(wt, n, opts, err);
	MDB_txn *child = NULL;
	struct ml_log_head head = wt->head;
	if (rc == 0)
		rc = ml_store_txn_begin(wt->lg->st, wt->txn, false, &child);
	if (rc == 0)
		rc = ml_append_events(wt, child, &head, events, n, opts,
		                      results, err);
	if (child != NULL && (rc != 0 || opts->dry_run))
		mdb_txn_abort(child);
	else if (child != NULL)
		rc = ml_error_from_mdb(mdb_txn_commit(child));
	if (rc == 0 && !opts->dry_run)
		wt->head = head;
	if (rc != 0 && err != NULL && err->code == 0)
		ml_fail(err, rc, -1, NULL, "the batch was not stored: %s",
		        ml_strerror(rc));
	return rc;
}

/* The same for a transaction that holds this one batch only: no nested
 * transaction is needed, because on failure the whole transaction is
 * aborted by the caller. */
static int ml_append_solo(struct ml_wtxn *wt, struct ml_event *events, size_t n,
                          const struct ml_append_opts *opts,
                          struct ml_append_result *results,
                          struct ml_errinfo *err)
{
	struct ml_append_opts none = {0};
	if (opts == NULL)
		opts = &none;
	ml_errinfo_clear(err);
	int rc = ml_append_check(wt, n, opts, err);
	struct ml_log_head head = wt->head;
	if (rc == 0)
		rc = ml_append_events(wt, wt->txn, &head, events, n, opts,
		                      results, err);
	if (rc == 0)
		wt->head = head;
	return rc;
}

/* One attempt: begin, append, commit. */
static int ml_append_batch_once(struct ml_ledger *lg, struct ml_event *events,
                                size_t n, const struct ml_append_opts *opts,
                                struct ml_append_result *results,
                                struct ml_errinfo *err)
{
	bool dry_run = opts != NULL && opts->dry_run;
	struct ml_wtxn *wt = NULL;
	int rc = ml_ledger_write_begin(lg, &wt);
	if (rc == 0)
		rc = ml_append_solo(wt, events, n, opts, results, err);
	if (rc == 0 && !dry_run)
		return ml_ledger_write_commit(wt); /* frees wt */
	if (wt != NULL)
		ml_ledger_write_abort(wt);
	return rc;
}

int ml_ledger_append_batch(struct ml_ledger *lg, struct ml_event *events,
                           size_t n, const struct ml_append_opts *opts,
                           struct ml_append_result *results,
                           struct ml_errinfo *err)
{
	ml_errinfo_clear(err);
	int rc = ml_append_batch_once(lg, events, n, opts, results, err);
	while (rc == ML_E_MAP_FULL) {
		rc = ml_ledger_grow(lg);
		if (rc != 0)
			return ml_fail(
			    err, rc, -1, NULL,
			    "the ledger is full: its map reached the "
			    "maximum of %llu bytes",
			    (unsigned long long)lg->st->map_bytes_max);
		ml_errinfo_clear(err);
		rc = ml_append_batch_once(lg, events, n, opts, results, err);
	}
	/* Failures of the transaction itself (begin, commit) have no event
	 * to blame; they still get a sentence. */
	if (rc != 0 && err != NULL && err->code == 0)
		ml_fail(err, rc, -1, NULL, "the batch was not stored: %s",
		        ml_strerror(rc));
	return rc;
}

int ml_ledger_grow(struct ml_ledger *lg)
{
	pthread_rwlock_wrlock(&lg->txn_lock);
	int rc = ml_store_grow(lg->st);
	pthread_rwlock_unlock(&lg->txn_lock);
	return rc;
}

/* A kept read transaction renewed, or NULL (none kept, or the renewal
 * failed and it was aborted). Under txn_lock (shared). */
static MDB_txn *ml_read_renewed(struct ml_ledger *lg)
{
	MDB_txn *txn = NULL;
	pthread_mutex_lock(&lg->pool_lock);
	ML_ASSERT(lg->read_pooled <= ML_READ_POOL_MAX);
	if (lg->read_pooled > 0)
		txn = lg->read_pool[--lg->read_pooled];
	pthread_mutex_unlock(&lg->pool_lock);
	if (txn != NULL && mdb_txn_renew(txn) != 0) {
		mdb_txn_abort(txn); /* e.g. MDB_MAP_RESIZED: begin handles it */
		txn = NULL;
	}
	return txn;
}

int ml_ledger_read_begin(struct ml_ledger *lg, struct ml_read **out)
{
	*out = NULL;
	pthread_rwlock_rdlock(&lg->txn_lock);
	MDB_txn *txn = ml_read_renewed(lg);
	int rc = txn != NULL ? 0 : ml_store_txn_begin(lg->st, NULL, true, &txn);
	if (rc != 0)
		pthread_rwlock_unlock(&lg->txn_lock);
	else
		*out = ml_read_of(txn);
	return rc;
}

void ml_ledger_read_end(struct ml_ledger *lg, struct ml_read *rd)
{
	if (rd == NULL)
		return;
	MDB_txn *txn = ml_read_txn(rd);
	mdb_txn_reset(txn);
	pthread_mutex_lock(&lg->pool_lock);
	bool kept = lg->read_pooled < ML_READ_POOL_MAX;
	if (kept)
		lg->read_pool[lg->read_pooled++] = txn;
	pthread_mutex_unlock(&lg->pool_lock);
	if (!kept)
		mdb_txn_abort(txn);
	pthread_rwlock_unlock(&lg->txn_lock);
}

void ml_ledger_read_drop(struct ml_ledger *lg, struct ml_read *rd)
{
	if (rd == NULL)
		return;
	mdb_txn_abort(ml_read_txn(rd));
	pthread_rwlock_unlock(&lg->txn_lock);
}

int ml_ledger_head(struct ml_ledger *lg, struct ml_read *rd,
                   struct ml_log_head *head)
{
	return ml_log_head_read(lg->st, ml_read_txn(rd), head);
}

int ml_ledger_event(struct ml_ledger *lg, struct ml_read *rd, uint64_t seq,
                    struct ml_event *ev)
{
	return ml_log_get(lg->st, ml_read_txn(rd), seq, ev);
}

int ml_ledger_usage(struct ml_ledger *lg, struct ml_usage *u)
{
	struct ml_read *rd = NULL;
	memset(u, 0, sizeof *u);
	u->map_bytes_max = lg->st->map_bytes_max;
	int rc = ml_ledger_read_begin(lg, &rd);
	if (rc == 0)
		rc = ml_store_usage(lg->st, &u->map_used_bytes, &u->map_bytes);
	ml_ledger_read_end(lg, rd);
	return rc;
}

int ml_ledger_copy_fd(struct ml_ledger *lg, int fd)
{
	struct ml_read *rd = NULL;
	int rc = ml_ledger_read_begin(lg, &rd);
	if (rc == 0)
		rc = ml_store_copy_fd(lg->st, fd);
	ml_ledger_read_end(lg, rd);
	return rc;
}

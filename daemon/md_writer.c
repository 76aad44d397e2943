/*
 * md_writer.c — the group-commit loop (see md_writer.h for the design).
 *
 * One thread runs md_writer_main: take a group from the queue, run it,
 * report every batch, repeat; it leaves only when stopping and the queue
 * is empty, so a SIGTERM never drops an accepted POST. The queue is a
 * singly linked list through ma_append.next, bounded by
 * MD_WRITE_QUEUE_MAX, under one mutex; the event loops only push.
 *
 * Invariants: a batch is reported exactly once; a->rc == 0 for a batch
 * is set only after the commit that contains it returned 0; a->head is
 * the head that commit produced.
 */
#include "md_writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "ml_date.h"

#include "md_log.h"

struct md_writer {
	struct md_writer_opts o;
	pthread_t thread;
	pthread_mutex_t lock; /* guards the queue and stopping */
	pthread_cond_t wake;
	struct ma_append *head, *tail;
	size_t queued; /* ≤ MD_WRITE_QUEUE_MAX */
	bool stopping;
	uint64_t head_seq; /* writer thread only: the last committed head */
};

int md_writer_submit(struct md_writer *w, struct ma_append *a)
{
	int rc = 0;
	pthread_mutex_lock(&w->lock);
	if (w->stopping || w->queued >= MD_WRITE_QUEUE_MAX) {
		rc = ML_E_UNAVAILABLE;
	} else {
		a->next = NULL;
		if (w->tail != NULL)
			w->tail->next = a;
		else
			w->head = a;
		w->tail = a;
		w->queued++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

size_t md_writer_queued(struct md_writer *w)
{
	pthread_mutex_lock(&w->lock);
	size_t n = w->queued;
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* Takes the next group: at least one batch, then more while they fit the
 * group limits. Returns the count, 0 when stopping and empty. */
static size_t md_writer_take(struct md_writer *w, struct ma_append **group)
{
	size_t n = 0, events = 0;
	pthread_mutex_lock(&w->lock);
	while (w->head == NULL && !w->stopping)
		pthread_cond_wait(&w->wake, &w->lock);
	struct ma_append *first = w->head, *last = NULL;
	for (struct ma_append *a = w->head; a != NULL; a = a->next) {
		if (n > 0 && (n >= MD_GROUP_BATCHES_MAX ||
		              events + a->count > MD_GROUP_EVENTS_MAX))
			break;
		n++;
		events += a->count;
		last = a;
	}
	if (n > 0) {
		w->head = last->next;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		w->queued -= n;
	}
	pthread_mutex_unlock(&w->lock);
	*group = first;
	return n;
}

/* Errors after which the write transaction cannot go on (ml_ledger.h:
 * the map is full or storage failed): the machine's, not the batch's. */
static bool md_txn_broken(int rc)
{
	return rc != 0 && ml_error_status(rc) >= 500;
}

/* One attempt: the n batches from `first` in one transaction. Returns 0
 * when committed (every batch's rc is its own outcome), or the error that
 * broke the transaction (nothing of it is stored). */
static int md_group_try(struct md_writer *w, struct ma_append *first, size_t n)
{
	struct ml_wtxn *wt = NULL;
	struct ml_log_head head;
	int rc = ml_ledger_write_begin(w->o.lg, &wt);
	struct ma_append *a = first;
	for (size_t i = 0; rc == 0 && i < n; i++, a = a->next) {
		a->rc = ml_ledger_append(wt, a->events, a->count, &a->opts,
		                         a->results, &a->err);
		if (md_txn_broken(a->rc))
			rc = a->rc;
	}
	if (rc == 0) {
		ml_ledger_write_head(wt, &head);
		rc = ml_ledger_write_commit(wt); /* frees wt */
		wt = NULL;
	}
	ml_ledger_write_abort(wt);
	a = first;
	for (size_t i = 0; rc == 0 && i < n; i++, a = a->next)
		a->head = head;
	return rc;
}

/* The map's size now, or the size it may grow to. */
static uint64_t md_map_bytes(struct md_writer *w, bool max)
{
	struct ml_usage u;
	if (ml_ledger_usage(w->o.lg, &u) != 0)
		return 0;
	return max ? u.map_bytes_max : u.map_bytes;
}

/* Marks a batch failed by the machine, with a message a client can act
 * on. */
static void md_batch_fail(struct md_writer *w, struct ma_append *a, int rc)
{
	a->rc = rc;
	if (rc == ML_E_MAP_FULL)
		ml_fail(&a->err, rc, -1, NULL,
		        "the ledger is full: its map reached the maximum of "
		        "%llu bytes (medeld --map-size); reads go on",
		        (unsigned long long)md_map_bytes(w, true));
	else if (rc == ML_E_UNAVAILABLE)
		ml_fail(&a->err, rc, -1, NULL,
		        "the disk is full: nothing was stored; reads go on");
	else
		ml_fail(&a->err, rc, -1, NULL, "nothing was stored: %s",
		        ml_strerror(rc));
}

/* Counts, logs and announces one successful commit. */
static void md_group_committed(struct md_writer *w, struct ma_append *first,
                               size_t n, int64_t start_us)
{
	uint32_t events = 0;
	struct ma_append *a = first;
	for (size_t i = 0; i < n; i++, a = a->next) {
		for (size_t j = 0;
		     a->rc == 0 && !a->opts.dry_run && j < a->count; j++)
			events += !a->results[j].duplicate;
	}
	md_metrics_commit(w->o.metrics, (uint32_t)n, events,
	                  ml_time_now_us() - start_us);
	uint64_t seq = first->head.seq;
	if (seq > w->head_seq) {
		w->head_seq = seq;
		w->o.committed(seq, w->o.committed_arg);
	}
}

/* Would `events` more events leave the ledger's filesystem (next to)
 * full? (MD_DISK_FULL_BYTES, MD_DISK_EVENT_BYTES.) A filesystem that
 * cannot be asked is taken to have room: the commit will say. */
static bool md_disk_full(struct md_writer *w, uint64_t events)
{
	struct statvfs sv;
	if (statvfs(w->o.data_dir, &sv) != 0)
		return false;
	uint64_t free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	return free_bytes < MD_DISK_FULL_BYTES + events * MD_DISK_EVENT_BYTES;
}

/* A disk that fills anyway (another process took the space) shows up in
 * two ways. A write the filesystem refuses outright is ENOSPC
 * (ML_E_UNAVAILABLE already). But LMDB writes its dirty pages in runs
 * (pwritev), and a run the filesystem accepts only in part, because it
 * filled on the way, is a short write that mdb_page_flush reports as EIO
 * ("short write, filesystem full?"), which the ledger maps to ML_E_IO, a
 * 500. So an ML_E_IO with the ledger's filesystem (next to) empty is
 * taken for what it is: the disk is full, answer 503 and try again with
 * the next group. Nothing of the failed commit is referenced by LMDB's
 * meta page, so the ledger is as it was before the group. */
static int md_storage_rc(struct md_writer *w, int rc)
{
	return rc == ML_E_IO && md_disk_full(w, 0) ? ML_E_UNAVAILABLE : rc;
}

/* Runs the n batches from `first` as one group, growing the map and
 * running them again while it fills. Returns 0 or the error that stops
 * it (a full map at the ceiling, a full disk, a storage error). A group
 * the disk has no room for is not begun. */
static int md_group_attempts(struct md_writer *w, struct ma_append *first,
                             size_t n)
{
	uint64_t events = 0;
	struct ma_append *a = first;
	for (size_t i = 0; i < n; i++, a = a->next)
		events += a->count;
	if (md_disk_full(w, events)) {
		md_metrics_commit_failed(w->o.metrics);
		return ML_E_UNAVAILABLE;
	}
	int rc = 0;
	for (int tries = 0; tries < MD_GROW_ATTEMPTS_MAX; tries++) {
		int64_t start_us = ml_time_now_us();
		rc = md_group_try(w, first, n);
		if (rc == 0) {
			md_group_committed(w, first, n, start_us);
			return 0;
		}
		md_metrics_commit_failed(w->o.metrics);
		if (rc != ML_E_MAP_FULL)
			return md_storage_rc(w, rc);
		if (ml_ledger_grow(w->o.lg) != 0)
			return rc;
		md_metrics_grow(w->o.metrics);
		md_log(MD_LOG_INFO, "map_grow", "the map grew to %llu bytes",
		       (unsigned long long)md_map_bytes(w, false));
	}
	return rc;
}

static void md_group_run(struct md_writer *w, struct ma_append *group, size_t n)
{
	int rc = md_group_attempts(w, group, n);
	if (rc == 0)
		return;
	md_log(MD_LOG_ERROR, "commit", "a group of %zu batches failed: %s%s", n,
	       ml_strerror(rc), n > 1 ? "; retrying each alone" : "");
	if (n == 1) {
		md_batch_fail(w, group, rc);
		return;
	}
	/* Each alone: the ones that still fit are stored. */
	for (struct ma_append *a = group; a != NULL;) {
		struct ma_append *next = a->next;
		a->next = NULL;
		rc = md_group_attempts(w, a, 1);
		if (rc != 0)
			md_batch_fail(w, a, rc);
		a->next = next;
		a = next;
	}
}

static void *md_writer_main(void *arg)
{
	struct md_writer *w = arg;
	struct ma_append *group;
	for (size_t n = md_writer_take(w, &group); n > 0;
	     n = md_writer_take(w, &group)) {
		md_group_run(w, group, n);
		while (group != NULL) {
			struct ma_append *next = group->next;
			group->next = NULL;
			w->o.done(group, w->o.done_arg);
			group = next;
		}
	}
	return NULL;
}

/* The head at start, so the first commit's announcement is a change. */
static int md_writer_head(struct md_writer *w)
{
	struct ml_read *rd = NULL;
	struct ml_log_head head;
	int rc = ml_ledger_read_begin(w->o.lg, &rd);
	if (rc == 0)
		rc = ml_ledger_head(w->o.lg, rd, &head);
	ml_ledger_read_end(w->o.lg, rd);
	if (rc == 0)
		w->head_seq = head.seq;
	return rc;
}

int md_writer_start(const struct md_writer_opts *opts, struct md_writer **out)
{
	struct md_writer *w = calloc(1, sizeof *w);
	if (w == NULL)
		return ML_E_NOMEM;
	w->o = *opts;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	int rc = md_writer_head(w);
	if (rc == 0 && pthread_create(&w->thread, NULL, md_writer_main, w) != 0)
		rc = ML_E_IO;
	if (rc != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void md_writer_stop(struct md_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

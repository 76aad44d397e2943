/*
 * md_writer.h — medeld's one writer thread and its group commit.
 *
 * LMDB allows one write transaction at a time, and each commit costs an
 * fsync (milliseconds on real disks). Committing every POST on its own
 * would cap durable throughput at one POST per fsync whatever the number
 * of clients. So POSTs are queued, and the writer takes everything that
 * queued up while its previous commit was in flight — up to
 * MD_GROUP_BATCHES_MAX batches and MD_GROUP_EVENTS_MAX events — into ONE
 * transaction:
 *
 *     ml_ledger_write_begin
 *       ml_ledger_append(batch 1)   each batch atomic in a nested txn: a
 *       ml_ledger_append(batch 2)   batch that breaks a rule leaves no
 *       …                           trace and the others go on
 *     ml_ledger_write_commit        one fsync for all of them
 *
 * and only then reports every batch's outcome. A client therefore gets
 * its 201 only after the commit that stored its events returned (API.md
 * "Durability"), and 64 concurrent clients share one fsync.
 *
 * When the map fills (ML_E_MAP_FULL from an append or the commit) the
 * group is aborted, the map doubled (ml_ledger_grow) and the whole group
 * run again. When it cannot grow (the --map-size ceiling) or the storage
 * fails (a full disk is ML_E_UNAVAILABLE), each batch of the group is
 * retried alone, so the ones that still fit are stored, and the others
 * answer 503 unavailable. Nothing is remembered: the next group tries
 * again, and reads go on throughout (they never touch the writer).
 *
 * Threads: md_writer_submit is called from any event loop; `done` and
 * `committed` are called on the writer thread and must only hand the
 * result over (md_server pushes it to the request's loop).
 */
#ifndef MD_WRITER_H
#define MD_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "ml_ledger.h"

#include "ma_api.h"
#include "md_metrics.h"

struct md_writer;

struct md_writer_opts {
	struct ml_ledger *lg;
	const char *data_dir; /* its filesystem is checked for room */
	struct md_metrics *metrics;
	/* Called once per submitted batch when its outcome is final (after
	 * the commit, or the failure). The batch belongs to done from then. */
	void (*done)(struct ma_append *a, void *arg);
	void *done_arg;
	/* Called after a commit that moved the head to head_seq. */
	void (*committed)(uint64_t head_seq, void *arg);
	void *committed_arg;
};

/* Starts the writer thread. Returns 0 or ML_E_NOMEM / ML_E_IO. */
int md_writer_start(const struct md_writer_opts *opts, struct md_writer **out);

/* Queues a batch. Returns 0, or ML_E_UNAVAILABLE (queue full, or the
 * writer is stopping) with a untouched and still the caller's. */
int md_writer_submit(struct md_writer *w, struct ma_append *a);

/* Batches waiting (a gauge for /metrics). */
size_t md_writer_queued(struct md_writer *w);

/* Refuses new batches, stores and reports every queued one, joins the
 * thread and frees w. NULL is fine. */
void md_writer_stop(struct md_writer *w);

#endif /* MD_WRITER_H */

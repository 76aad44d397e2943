/*
 * md_backup.c — GET /v1/backup: a compacted, consistent copy of the data
 * file, streamed while writes go on.
 *
 * The producer runs on md_stream's thread. LMDB's mdb_env_copyfd2 with
 * MDB_CP_COMPACT (ml_store_copy_fd) copies one read snapshot, leaving out
 * free pages, so the copy is the ledger exactly as of one commit, smaller
 * than data.mdb, and writers are never blocked by it. We hold a read
 * transaction of our own around the copy (ml_ledger_read_begin): it keeps
 * ml_ledger_grow from remapping the file under LMDB's copy thread. A
 * write that needs the map to grow while a backup runs waits for the
 * backup; everything else goes on.
 *
 * Restoring is putting the stream, as data.mdb, into an empty directory
 * and starting medeld on it (docs/operations.md).
 */
#include "md_stream.h"

static int md_backup_produce(int fd, void *arg)
{
	struct ml_ledger *lg = arg;
	MDB_txn *txn = NULL;
	int rc = ml_ledger_read_begin(lg, &txn);
	if (rc != 0)
		return rc;
	rc = ml_store_copy_fd(ml_ledger_store(lg), fd);
	ml_ledger_read_end(lg, txn);
	return rc;
}

void md_backup_start(struct md_req *r)
{
	struct md_stream_spec spec = {
	    .content_type = "application/octet-stream",
	    .filename = "data.mdb",
	    .produce = md_backup_produce,
	    .arg = r->loop->srv->o.lg,
	    .arg_free = NULL,
	};
	md_stream_start(r, &spec);
}

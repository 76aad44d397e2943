/*
 * ml_migrate.h — bringing a ledger of an older format version up to this
 * one, in place, when it is opened (internal to the ledger).
 *
 * Migration sits above the store and the state: it decodes and writes
 * their records (ml_entries.h, ml_chunk.h). The store only reports the
 * version it found (ml_store.h); the façade's ml_ledger_open calls
 * ml_migrate_open right after ml_store_open, before anything else.
 *
 * Only the projections ever changed shape; the log, the hash chain, the
 * ids and every index are the same bytes, so a migration rewrites
 * derived records and nothing an auditor checks.
 *
 *   1 → 2  event entries: one record per posting in acct_ev and edge_ev
 *          (prefix ‖ date ‖ seq → flags, 2 × (bucket, zigzag varint),
 *          corrected_by) become chunks beside the day records in acct and
 *          edge (ml_chunk.h) — the old value is exactly a chunk entry
 *          after its seq delta. acct_ev and edge_ev are then deleted.
 *   2 → 3  requisitions and invoices post their claim on the edge from →
 *          to as well (the claim-edge rule): the edge database is rebuilt
 *          from the log (ml_migrate_edges.c); and the log's index by name
 *          and type (evidx, ml_evidx.h) is created and filled from the
 *          log: one pass over it.
 *
 *   3 → 4  spending per activity: the act and actn databases created
 *          and filled, numbers from the log and entries from the
 *          account database (ml_migrate_acts.c).
 *   4 → 5  each account's activities' day totals, one record a day: the
 *          pday database created and filled from the act database, one
 *          pass over it (ml_pday_build_all, ml_pday.h).
 *   5 → 6  each series by seq, for known views: the known database
 *          created and filled from the acct, edge and act databases, one
 *          pass over each (ml_known_build_all, ml_known.h).
 *
 *   2 → 3  nothing to rewrite: format 3 adds buckets, event types and
 *          fields (conditional allocations) that a format-2 ledger has
 *          none of; the new version only keeps an older medel from
 *          misreading a ledger that has them.
 *
 * The whole migration and the new format record are one write
 * transaction: a crash leaves the old version whole, and the next open
 * starts again.
 */
#ifndef ML_MIGRATE_H
#define ML_MIGRATE_H

#include <lmdb.h>

#include "ml_store.h"

/* Brings the just-opened store up to ML_FORMAT_VERSION when
 * st->format_version is older: in one write transaction it reads the
 * format record again (another process may have migrated meanwhile),
 * migrates, writes the new record and commits; on ML_E_MAP_FULL it aborts,
 * grows the map and starts again, up to map_bytes_max. 0 at once when the
 * ledger is current. Errors: ML_E_FORMAT (a version this medel cannot
 * migrate; err says which), ML_E_CORRUPT, ML_E_MAP_FULL, ML_E_STORAGE. */
int ml_migrate_open(struct ml_store *st, struct ml_errinfo *err);

/* Migrates the ledger of format version `from` in txn to
 * ML_FORMAT_VERSION, step by step; the caller then writes the new format
 * record. ML_E_FORMAT when `from` is not
 * a version this medel can migrate, ML_E_CORRUPT when an old record does
 * not decode, or a storage error (MDB_MAP_FULL: the caller grows the map
 * and tries again). */
int ml_migrate(struct ml_store *st, MDB_txn *txn, unsigned from);

/* 2 → 3 (ml_migrate_edges.c): the edge database rebuilt from the log. */
int ml_migrate_edges(struct ml_store *st, MDB_txn *txn);

/* 3 → 4 (ml_migrate_acts.c): spending per activity. */
int ml_migrate_acts(struct ml_store *st, MDB_txn *txn);

#endif /* ML_MIGRATE_H */

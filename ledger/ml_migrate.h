/*
 * ml_migrate.h — bringing a ledger of an older format version up to this
 * one, in place, when it is opened (internal to the store).
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
 *
 * The whole migration is the caller's one write transaction: a crash
 * leaves the old version whole, and the next open starts again.
 */
#ifndef ML_MIGRATE_H
#define ML_MIGRATE_H

#include <lmdb.h>

#include "ml_store.h"

/* Migrates the ledger of format version `from` in txn to
 * ML_FORMAT_VERSION; the caller (ml_store.c) then writes the new format
 * record. ML_E_FORMAT when `from` is not
 * a version this medel can migrate, ML_E_CORRUPT when an old record does
 * not decode, or a storage error (MDB_MAP_FULL: the caller grows the map
 * and tries again). */
int ml_migrate(MDB_txn *txn, unsigned from);

#endif /* ML_MIGRATE_H */

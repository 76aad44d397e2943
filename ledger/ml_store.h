/*
 * ml_store.h — the LMDB environment that holds one ledger.
 *
 * A ledger is a directory: LMDB's data.mdb and lock.mdb, and medel.lock,
 * which says who has the ledger open. Inside data.mdb, named databases:
 *
 *   meta     "format" → format version (u32), so a later medel can refuse
 *            or migrate an older file and an older medel refuses a newer.
 *   log      seq (u64 BE) → event record (ml_record.h). Append-only,
 *            written with MDB_APPEND.
 *   ids      event id → seq (u64 BE): the idempotency index.
 *   names    kind byte ('p' party, 'g' grant) + id → number (u32 BE).
 *   nums     kind byte + number → the current definition (ml_state.h).
 *   defs     kind byte + number + date + seq → (empty): every definition,
 *            for "definitions as of D".
 *   acct     grant no + party no + date → the account's totals at the
 *            end of that date; grant no + party no + date + first seq →
 *            a chunk of that date's event postings (ml_entries.h).
 *   edge     grant no + from no + to no + date (+ first seq) → the
 *            same for an edge.
 *   corr     corrected seq → correcting seq (‖ the date of the records
 *            the correction posted itself, when it did: ml_rules_correct.c).
 *   close    grant no (0 = every grant) → last closed day.
 *   reports  grant no + party no + seq → date of a report.
 *   claims   grant no + party no + seq → claim_by of an allocation.
 *   evidx    kind + name → seqs of the events under it (ml_evidx.h).
 * (docs/architecture.md explains each and why.)
 *
 * Concurrency is LMDB's: one writer, many readers that never wait. The
 * environment is opened MDB_NOTLS so a read transaction may be used by
 * any one thread at a time. Between processes, medel.lock is flock()ed:
 * exclusively by medeld (ML_STORE_EXCLUSIVE), shared by embedded medel,
 * so neither opens a ledger the other holds.
 *
 * The store is the lowest layer of the ledger: it knows no record above
 * the format record. Opening a ledger of an older format version succeeds
 * and says so in format_version; bringing it up to this version is
 * ml_migrate_open's (ml_migrate.h), which the façade calls next.
 *
 * The map starts at ML_MAP_BYTES_INITIAL (or the file's size) and doubles
 * when a write fills it (ml_store_grow), up to map_bytes_max.
 */
#ifndef ML_STORE_H
#define ML_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "ml_error.h"

/* 2: event chunks beside the day totals; 3: claims on edges, the log's
 * index (evidx) and conditional allocations (buckets pending and
 * pending_out, the confirm and lapse types, the allocation, condition and
 * decide_by fields), which an older medel would misread, so it must
 * refuse the ledger; 4: spending per activity (act, actn: ml_acts.c), so
 * a trace reads totals instead of walking a grant's expenses; 5: an
 * account's activities' day totals in one record a day (pday:
 * ml_pday.h), so a trace reads an account's activities with one seek. */
#define ML_FORMAT_VERSION 6

enum ml_db {
	ML_DB_META,
	ML_DB_LOG,
	ML_DB_IDS,
	ML_DB_NAMES,
	ML_DB_NUMS,
	ML_DB_DEFS,
	ML_DB_ACCT,
	ML_DB_EDGE,
	ML_DB_CORR,
	ML_DB_CLOSE,
	ML_DB_REPORTS,
	ML_DB_CLAIMS,
	ML_DB_EVIDX,
	ML_DB_ACT, /* grant ‖ party ‖ activity no: a series (ml_entries.h) */
	ML_DB_ACTN, /* activity numbers ↔ (activity, unit) (ml_acts.c) */
	ML_DB_PDAY, /* grant ‖ party ‖ date: its activities' days (ml_pday.h) */
	ML_DB_KNOWN, /* each series by seq, for known views (ml_known.h) */
	ML_DB_COUNT
};

/* Open flags (the façade's ML_STORE_* have the same values). */
#define ML_STORE_EXCLUSIVE 1u /* medeld: no other process may open it */
#define ML_STORE_NO_CREATE 2u /* refuse a directory that is not a ledger */
#define ML_STORE_NORDAHEAD 4u /* a map without readahead (MDB_NORDAHEAD) */

struct ml_store {
	MDB_env *env;
	MDB_dbi dbi[ML_DB_COUNT];
	char *dir;
	int lock_fd;             /* medel.lock, flock()ed while open */
	uint64_t map_bytes;      /* current map size */
	uint64_t map_bytes_max;  /* ceiling for ml_store_grow */
	unsigned format_version; /* found at open, 1 ..= ML_FORMAT_VERSION */
};

/* Opens (creating if needed, unless ML_STORE_NO_CREATE) the ledger in dir.
 * map_bytes_initial 0 means ML_MAP_BYTES_INITIAL, map_bytes_max 0 means
 * ML_MAP_BYTES_DEFAULT_MAX (an existing file keeps at least its size). Errors: ML_E_LOCKED
 * (another process holds it; the message says which kind), ML_E_FORMAT
 * (not a medel ledger, or a format version newer than this medel's),
 * ML_E_IO, ML_E_NOMEM, ML_E_STORAGE. On success *out is owned by the
 * caller (ml_store_close) and (*out)->format_version is the version found:
 * below ML_FORMAT_VERSION the ledger must be migrated (ml_migrate_open)
 * before anything else reads or writes it. */
int ml_store_open(const char *dir, unsigned flags, uint64_t map_bytes_initial,
                  uint64_t map_bytes_max, struct ml_store **out,
                  struct ml_errinfo *err);

/* The format version recorded in txn (ML_E_CORRUPT when there is none or
 * it is not 4 bytes), and writing this medel's ML_FORMAT_VERSION there
 * (after a migration, in the migration's transaction). */
int ml_store_format_get(struct ml_store *st, MDB_txn *txn, unsigned *version);
int ml_store_format_set(struct ml_store *st, MDB_txn *txn);

/* Opens database db in the write transaction txn, creating it: how a
 * migration adds a database an older format lacked. The handle lasts
 * if txn commits. */
int ml_store_db_create(struct ml_store *st, MDB_txn *txn, enum ml_db db);

/* Reads LMDB's two meta pages from data.mdb and checks that they hold
 * consecutive transaction ids, each on the page LMDB writes it to (txn
 * t on page t % 2). A healthy file always does: each commit overwrites
 * the older meta with the next id. A damaged id makes LMDB open an older
 * commit (or a nonsense one) with nothing else in the file to tell, so
 * verify asks this. Sets *ok; why says what differs. Returns 0, or
 * ML_E_IO when the file cannot be read. */
int ml_store_check_metas(struct ml_store *st, bool *ok, char *why,
                         size_t why_size);

/* Closes the environment and releases the lock. NULL is fine. No
 * transaction may be open. */
void ml_store_close(struct ml_store *st);

/* Doubles the map (capped at map_bytes_max). No transaction of this
 * process may be open. Returns 0, or ML_E_MAP_FULL when already at the
 * ceiling, or ML_E_STORAGE. */
int ml_store_grow(struct ml_store *st);

/* Begins a transaction (read-only when rdonly), optionally nested in
 * parent. Returns 0 or an ML_E_* code. */
int ml_store_txn_begin(struct ml_store *st, MDB_txn *parent, bool rdonly,
                       MDB_txn **out);

/* Bytes of the map in use (last page used × page size) and the map size.
 * Call it inside an ml_ledger_read_begin transaction: that keeps
 * ml_ledger_grow from remapping the file meanwhile. */
int ml_store_usage(struct ml_store *st, uint64_t *used_bytes,
                   uint64_t *map_bytes);

/* Writes a compacted consistent copy of the data file to fd while writes
 * go on (mdb_env_copyfd2 with MDB_CP_COMPACT). The caller must hold an
 * ml_ledger_read_begin transaction for the whole copy, so the map is not
 * grown (remapped) under LMDB's copy thread. */
int ml_store_copy_fd(struct ml_store *st, int fd);

/* The big-endian number of size bytes (4 or 8) stored under key in db,
 * 0 with *found false when there is none; ML_E_CORRUPT when the value
 * has another size. found may be NULL where 0 already means none. */
int ml_store_get_be(struct ml_store *st, MDB_txn *txn, enum ml_db db,
                    MDB_val key, size_t size, uint64_t *value, bool *found);

/* Drops this process's resident pages of the data file's map (madvise
 * MADV_DONTNEED on the mapping that holds inside, any pointer LMDB
 * returned into the map). A walk over the whole file otherwise counts as
 * resident memory as large as the file. The pages stay in the page cache:
 * reading them again costs no I/O. Nothing happens when inside is in no
 * mapping. LMDB itself never writes through the map here (no
 * MDB_WRITEMAP), so no page is dirty. */
void ml_store_map_release(const void *inside);

/* Bytes of file pages this process has resident (/proc/self/statm's
 * "shared": the map's pages, and the few MiB of the program and its
 * libraries), or 0 when that cannot be read. Costs microseconds. */
uint64_t ml_store_file_resident_bytes(void);

/* ml_store_map_release when more than resident_max_bytes of file pages
 * are resident; true when it released them. */
bool ml_store_map_trim(const void *inside, uint64_t resident_max_bytes);

/* The name of db inside data.mdb ("acct"), for messages. */
const char *ml_store_db_name(enum ml_db db);

/* Big-endian key helpers. */
void ml_be32_put(unsigned char *p, uint32_t v);
void ml_be64_put(unsigned char *p, uint64_t v);
uint32_t ml_be32_get(const unsigned char *p);
uint64_t ml_be64_get(const unsigned char *p);

#endif /* ML_STORE_H */

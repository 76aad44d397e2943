/*
 * ml_ledger.h — medel's ledger: the one header a program needs.
 *
 * A ledger is an LMDB environment in a directory (ml_store.h) holding the
 * append-only, hash-chained event log (ml_log.h) and, beside it, the
 * projections that answer balances at any date (ml_state.h). Appending a
 * batch writes the events and updates the projections in one LMDB write
 * transaction, so after a crash the two always agree and a restart needs
 * no replay.
 *
 * Concurrency follows LMDB: one writer at a time, any number of readers,
 * and readers never wait for the writer. A program that commits groups of
 * batches (medeld's group commit) uses the three-step write API:
 *
 *     ml_ledger_write_begin → ml_ledger_append × N → ml_ledger_write_commit
 *
 * Each ml_ledger_append is atomic on its own (a nested transaction): a
 * batch that breaks a rule leaves no trace, and the other batches of the
 * group go on. Nothing is durable until the commit returns 0; only then
 * may a client be told 201. ml_ledger_append_batch does all three steps
 * for one batch.
 *
 * When the map fills (ML_E_MAP_FULL from an append or the commit), the
 * caller aborts, calls ml_ledger_grow and retries; ml_ledger_append_batch
 * does this itself. Growing needs every transaction of the process to be
 * closed: read transactions taken with ml_ledger_read_begin hold a shared
 * lock that ml_ledger_grow takes exclusively.
 *
 * Reads go through an opaque handle, struct ml_read (a consistent
 * snapshot that never waits for the writer), so no program outside the
 * library sees LMDB: this header and the other public ones in
 * ledger/include/ are the whole of the ledger a program may use.
 *
 * Errors are ML_E_* codes (ml_error.h); an append's error also fills an
 * ml_errinfo naming the batch index, the field and the values.
 */
#ifndef ML_LEDGER_H
#define ML_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_error.h"
#include "ml_event.h"

struct ml_ledger;
struct ml_wtxn;
struct ml_read;

/* Open flags (ml_open_opts.flags). */
#define ML_OPEN_EXCLUSIVE 1u /* medeld: no other process may open it */
#define ML_OPEN_NO_CREATE 2u /* refuse a directory that is not a ledger */
/* A process that looks up a few records and exits (medel balance,
 * trace): no readahead on its map (MDB_NORDAHEAD). From a cold page
 * cache each page it touches is then read alone, not with the 128 KiB
 * around it that a B-tree seek never uses (docs/performance.md,
 * h-tr). Not for a scan (export, verify) nor for medeld. */
#define ML_OPEN_POINT_READS 4u
/* A long-lived reader (medeld): keep, per grant, what the deadlines and
 * repayments answers read of its accounts, for the next answer at the
 * same date until a commit changes the grant (ml_summary.h). Not for a
 * process that answers once. */
#define ML_OPEN_SUMMARIES 8u

/* ml_open_opts.trace_prefetch: no prefetch (0), or threads when the
 * trace's first account came from disk (ML_PREFETCH_AUTO). */
#define ML_PREFETCH_OFF  0
#define ML_PREFETCH_AUTO (-1)

struct ml_open_opts {
	/* ML_OPEN_EXCLUSIVE, _NO_CREATE, _POINT_READS, _SUMMARIES */
	unsigned flags;
	/* A trace's pages faulted in by several threads before it walks
	 * them (ml_prefetch.h), for a process that asks one answer and
	 * exits (medel trace): ML_PREFETCH_OFF (medeld, which must not
	 * start threads per request, and every other command),
	 * ML_PREFETCH_AUTO, or 1 ..= ML_PREFETCH_THREADS_MAX walkers
	 * whatever the page cache holds (tests, benchmarks). Advice only:
	 * the answer is the same bytes either way. */
	int trace_prefetch;
	uint64_t map_bytes_max;     /* 0 = ML_MAP_BYTES_DEFAULT_MAX */
	uint64_t map_bytes_initial; /* 0 = ML_MAP_BYTES_INITIAL */
	/* Clock for recorded_at; NULL = ml_time_now_us. Tests inject one. */
	int64_t (*clock_us)(void *arg);
	void *clock_arg;
};

/* Opens the ledger in dir. Errors as ml_store_open. *out is the caller's
 * until ml_ledger_close. */
int ml_ledger_open(const char *dir, const struct ml_open_opts *opts,
                   struct ml_ledger **out, struct ml_errinfo *err);

/* The ledger's clock now (µs since the epoch): what recorded_at would be.
 * Warnings (ml_warn.h) measure "today" by it, so a test's injected clock
 * governs them too. */
int64_t ml_ledger_now_us(struct ml_ledger *lg);

/* Closes it. No transaction may be open. NULL is fine. */
void ml_ledger_close(struct ml_ledger *lg);

/* How much of the memory map the ledger uses. */
struct ml_usage {
	uint64_t map_used_bytes; /* last page used × page size */
	uint64_t map_bytes;      /* the map's current size */
	uint64_t map_bytes_max;  /* the size it may grow to */
};

/* Fills *u. Takes a read snapshot of its own, so the map is not grown
 * while it looks. ML_E_STORAGE. */
int ml_ledger_usage(struct ml_ledger *lg, struct ml_usage *u);

/* Writes a compacted, consistent copy of the data file to fd while
 * writes go on (a backup: what it writes, put as data.mdb into an empty
 * directory, is the ledger as of one commit). Holds a read snapshot for
 * the whole copy, so a write that needs the map to grow waits for it.
 * ML_E_IO when fd fails (EPIPE: the reader went away), ML_E_STORAGE. */
int ml_ledger_copy_fd(struct ml_ledger *lg, int fd);

struct ml_append_opts {
	const char *recorded_by; /* who appends; NULL = "unknown" */
	bool dry_run;            /* check everything, store nothing */
	bool check_head;         /* only append if the head is expected_head */
	uint64_t expected_head;
};

struct ml_append_result {
	uint64_t seq;
	bool duplicate; /* an idempotent re-send of a stored event */
	int64_t recorded_at_us;
	uint8_t hash[32];
};

/* Begins a write transaction. Only one may be open at a time (LMDB
 * serialises writers, across processes too). */
int ml_ledger_write_begin(struct ml_ledger *lg, struct ml_wtxn **out);

/* Appends events[0..n) atomically inside wt: every event is decoded-valid
 * already (ml_json_parse_batch or built by the caller); here each is
 * checked against the ledger (existence, rules on every date, ids) and
 * stored. results[i] gets each event's seq and hash, or the stored seq with
 * duplicate = true for an identical re-send. On any error nothing of this
 * batch is stored, err names the event, and wt stays usable unless the
 * error is ML_E_MAP_FULL or a storage error. events' seq, recorded_* and
 * hash fields are overwritten. */
int ml_ledger_append(struct ml_wtxn *wt, struct ml_event *events, size_t n,
                     const struct ml_append_opts *opts,
                     struct ml_append_result *results, struct ml_errinfo *err);

/* Commits (one fsync) and frees wt. On error nothing of wt is stored. */
int ml_ledger_write_commit(struct ml_wtxn *wt);

/* Discards wt. NULL is fine. */
void ml_ledger_write_abort(struct ml_wtxn *wt);

/* The head as wt currently sees it. */
void ml_ledger_write_head(const struct ml_wtxn *wt, struct ml_log_head *head);

/* One batch in its own transaction, growing the map and retrying when it
 * fills. */
int ml_ledger_append_batch(struct ml_ledger *lg, struct ml_event *events,
                           size_t n, const struct ml_append_opts *opts,
                           struct ml_append_result *results,
                           struct ml_errinfo *err);

/* Doubles the map. Waits until no transaction of this process is open.
 * ML_E_MAP_FULL at the ceiling. */
int ml_ledger_grow(struct ml_ledger *lg);

/* A read snapshot: consistent, and it never waits for the writer. End
 * it with ml_ledger_read_end on the same thread; while it is open, the
 * map cannot grow (keep it short). NULL is fine for read_end. */
int ml_ledger_read_begin(struct ml_ledger *lg, struct ml_read **out);
void ml_ledger_read_end(struct ml_ledger *lg, struct ml_read *rd);

/* The head as rd sees it. */
int ml_ledger_head(struct ml_ledger *lg, struct ml_read *rd,
                   struct ml_log_head *head);

/* One stored event; its strings live until rd ends. ML_E_NOT_FOUND. */
int ml_ledger_event(struct ml_ledger *lg, struct ml_read *rd, uint64_t seq,
                    struct ml_event *ev);

#endif /* ML_LEDGER_H */

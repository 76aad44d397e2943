/*
 * ml_evidx.h — the log's index by name and type (internal to the ledger).
 *
 * GET /v1/events filters the log by grant, party and type, and a
 * long-poll asks the same question again on every commit. Reading the
 * log from `after` to the head to find the few events a filter wants
 * costs the whole log when nothing matches (`party=nobody`). The index
 * answers instead: for each name an event is found under, and for its
 * type, one entry
 *
 *   evidx   kind byte ('g' grant, 'p' party, 't' type) ‖ name
 *           → seq (u64 BE), MDB_DUPSORT | MDB_DUPFIXED
 *
 * so "the events of party P after seq N" is one seek and then one step
 * per match. A type's "name" is its one-byte enum value.
 *
 * The names of an event (ml_evidx_names) are exactly what the filters
 * of ml_answer_events match: a grant filter G matches an event whose
 * grant or to_grant is G, and the definition of a post whose parent is
 * G; a party filter P matches an event whose party, from, to or payer is
 * P, and the definition of a party whose parent is P. A correction is
 * found under the names of the event at the root of its chain (the
 * first event that is not a correction), and under its own type. One
 * function decides both the index and the filter, so they cannot
 * disagree.
 *
 * Entries are written in the append's transaction. A batch gathers them
 * as its events are appended (ml_evidx_batch_add) and writes them at its
 * end sorted by key, each key's seqs in one MDB_MULTIPLE put: a batch of
 * 1 000 events touching a handful of names costs a handful of puts, not
 * four per event (a put into a DUPSORT table costs ~2 500 instructions).
 * Verify checks that the table holds exactly the entries the log gives
 * (ml_evidx_verify).
 */
#ifndef ML_EVIDX_H
#define ML_EVIDX_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "ml_buf.h"
#include "ml_event.h"
#include "ml_limits.h"
#include "ml_store.h"

enum ml_evidx_kind {
	ML_EVIDX_GRANT = 'g',
	ML_EVIDX_PARTY = 'p',
	ML_EVIDX_TYPE = 't',
};

/* Names one event can be found under: grant, to_grant and a post's
 * parent; party, from, to, payer and a party's parent. */
#define ML_EVIDX_NAMES_MAX 8
/* A key: the kind byte and the longest id. */
#define ML_EVIDX_KEY_MAX (1 + ML_GRANT_ID_MAX)

struct ml_evidx_name {
	enum ml_evidx_kind kind;
	uint32_t len;                        /* bytes of name */
	unsigned char key[ML_EVIDX_KEY_MAX]; /* kind byte ‖ name */
};

/* The names of one event, each once, copied (they outlive the txn). */
struct ml_evidx_names {
	int count; /* 0 ..= ML_EVIDX_NAMES_MAX */
	struct ml_evidx_name v[ML_EVIDX_NAMES_MAX];
};

/* The grant and party names of ev itself (a correction has none here;
 * ml_evidx_names_in follows it to its root). */
void ml_evidx_names_own(const struct ml_event *ev, struct ml_evidx_names *out);

/* The grant and party names ev is found under, a correction's read from
 * the root of its chain in txn. Errors: ML_E_CORRUPT (a correction names
 * a seq the log lacks), LMDB's. */
int ml_evidx_names_in(struct ml_store *st, MDB_txn *txn,
                      const struct ml_event *ev, struct ml_evidx_names *out);

/* Does one of names have this kind and name? */
bool ml_evidx_names_have(const struct ml_evidx_names *names,
                         enum ml_evidx_kind kind, const char *name);

/* One entry of a batch: its key's bytes at keys[key_at ..+ key_len]. */
struct ml_evidx_entry {
	uint32_t key_at;
	uint16_t key_len;
	uint64_t seq;
};

/* The entries of one batch, until ml_evidx_batch_flush writes them. */
struct ml_evidx_batch {
	struct ml_evidx_entry *v;
	size_t n, cap;
	struct ml_buf keys;  /* the keys' bytes, one copy per entry */
	unsigned char *seqs; /* flush's scratch: one key's seqs, u64 BE */
	size_t seqs_cap;     /* in seqs */
};

void ml_evidx_batch_init(struct ml_evidx_batch *b);
void ml_evidx_batch_free(struct ml_evidx_batch *b);
/* Forgets the entries gathered (a batch that failed). */
void ml_evidx_batch_reset(struct ml_evidx_batch *b);

/* Gathers ev's entries (its names, read in txn for a correction, and its
 * type). ev->seq must be above every seq already indexed. Errors:
 * ML_E_NOMEM, ML_E_TOO_LARGE, ML_E_CORRUPT, LMDB's. */
int ml_evidx_batch_add(struct ml_store *st, MDB_txn *txn,
                       struct ml_evidx_batch *b, const struct ml_event *ev);

/* Writes the gathered entries in txn and forgets them. */
int ml_evidx_batch_flush(struct ml_store *st, MDB_txn *txn,
                         struct ml_evidx_batch *b);

/* The seqs above `after` under one key, in ascending order. */
struct ml_evidx_iter {
	MDB_cursor *cur;
	MDB_val key;
	unsigned char key_bytes[ML_EVIDX_KEY_MAX];
	uint64_t after;
	bool started, done;
};

/* Opens an iterator over (kind, name[0..len)). A name longer than any id
 * simply has no entries. */
int ml_evidx_iter_open(struct ml_store *st, MDB_txn *txn,
                       enum ml_evidx_kind kind, const void *name, size_t len,
                       uint64_t after, struct ml_evidx_iter *it);
/* The next seq, or ML_E_NOT_FOUND when there is none. */
int ml_evidx_iter_next(struct ml_evidx_iter *it, uint64_t *seq);
void ml_evidx_iter_close(struct ml_evidx_iter *it);

/* Rebuilds every entry from the log events 1 ..= head (a migration),
 * gathered a batch's worth of events at a time. */
int ml_evidx_build(struct ml_store *st, MDB_txn *txn);

/* Checks that evidx holds exactly the entries of events 1 ..= head_seq:
 * each is looked up, then the table's entry count must match. Sets
 * *bad_seq to the first event whose entry is missing (0 when the only
 * difference is entries no event gives). Returns 0 and *ok. */
int ml_evidx_verify(struct ml_store *st, MDB_txn *txn, uint64_t head_seq,
                    bool *ok, uint64_t *bad_seq);

#endif /* ML_EVIDX_H */

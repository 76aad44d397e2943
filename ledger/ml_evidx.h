/*
 * ml_evidx.h — the log's index by name and type (internal to the ledger).
 *
 * GET /v1/events filters the log by grant, party and type, and a
 * long-poll asks the same question again on every commit. Reading the
 * log from `after` to the head to find the few events a filter wants
 * costs the whole log when nothing matches (`party=nobody`). The index
 * answers instead. For each name an event is found under, and for its
 * type, the event's seq is kept in a block of 1 024 seqs:
 *
 *   evidx   kind byte ('g' grant, 'p' party, 't' type) ‖ name ‖ 0x00
 *           ‖ block (u64 BE, seq >> 10)
 *           → the offsets (seq & 1023) of that name's events in that
 *             block, u16 BE each, strictly rising (≤ 2 KiB)
 *
 * so "the events of party P after seq N" is one seek and then a walk
 * over P's blocks. A type's "name" is its one-byte enum value (never 0);
 * names never hold 0x00, so a name's keys are contiguous.
 *
 * Why blocks and not a row per event: a put costs ~1 500 instructions
 * (a DUPSORT entry per (name, event) cost the append 10 000 per event).
 * A batch gathers its entries per name (ml_evidx_batch_add) and, at its
 * end, writes one value per (name, block) it touched: a get, the new
 * offsets appended, a put. A batch of 1 000 events costs about as many
 * puts as it has distinct names.
 *
 * The names of an event (ml_evidx_names) are exactly what the filters
 * of ml_answer_events match: a grant filter G matches an event whose
 * grant or to_grant is G, and the definition of a post whose parent is
 * G; a party filter P matches an event whose party, from, to or payer is
 * P, and the definition of a party whose parent is P; a distribution
 * is found under its grant, its from and every party of its key. A
 * correction is
 * found under the names of the event at the root of its chain (the
 * first event that is not a correction), and under its own type; a
 * confirm or lapse under the names of the allocation it resolves. One
 * function decides both the index and the filter, so they cannot
 * disagree.
 *
 * A key has up to ML_KEY_PARTIES_MAX parties, far more than the fixed
 * names of any event, so its parties are not copied into the names: the
 * names keep the key's text (a pointer into the event) and the index,
 * the filter and verify walk it (ml_key_each) where they walk the fixed
 * names. A batch that gathers many keys' parties (a batch of 10 000
 * corrections of distributions would gather ten million entries) is
 * written out early: before an event, once it holds
 * ML_EVIDX_BATCH_ENTRIES_MAX entries (ml_evidx_batch_full), so a batch's
 * memory stays bounded whatever its events.
 *
 * Verify (ml_evidx_verify) compares the table with the log without
 * building it: it sums a 128-bit mix of every (name, seq) the log gives
 * and of every one the table holds, and compares the sums and counts,
 * checking each value's shape on the way: O(events + entries) time,
 * O(1) memory.
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

/* Fixed names one event can be found under: grant, to_grant and a
 * post's parent; party, from, to, payer and a party's parent. (A
 * distribution's key parties are walked, not held: see the top.) */
#define ML_EVIDX_NAMES_MAX 8
/* Entries a batch gathers before it is written out early: a whole batch
 * of events with only fixed names (≤ ML_EVIDX_NAMES_MAX + 1 each) never
 * reaches it. */
#define ML_EVIDX_BATCH_ENTRIES_MAX                                             \
	((size_t)ML_BATCH_EVENTS_MAX * (ML_EVIDX_NAMES_MAX + 1))
/* A name: the kind byte and the longest id. */
#define ML_EVIDX_KEY_MAX (1 + ML_GRANT_ID_MAX)
/* A stored key: the name, its 0x00 end and the block. */
#define ML_EVIDX_DBKEY_MAX (ML_EVIDX_KEY_MAX + 1 + 8)
/* Seqs per block: a value holds at most this many u16 offsets. */
#define ML_EVIDX_BLOCK_SHIFT 10
#define ML_EVIDX_BLOCK_SEQS  (1u << ML_EVIDX_BLOCK_SHIFT)

struct ml_evidx_name {
	enum ml_evidx_kind kind;
	uint32_t len;                        /* bytes of name */
	unsigned char key[ML_EVIDX_KEY_MAX]; /* kind byte ‖ name */
};

/* The names of one event, each once: the fixed ones copied (they
 * outlive the txn), and a distribution's key text, whose parties are
 * party names too. key points where the event's key did (for a stored
 * event, into the txn's pages: valid until the txn writes or ends). */
struct ml_evidx_names {
	int count; /* 0 ..= ML_EVIDX_NAMES_MAX */
	struct ml_evidx_name v[ML_EVIDX_NAMES_MAX];
	struct ml_str key; /* {NULL, 0} unless a distribution */
};

/* The grant and party names of ev itself (a correction has none here;
 * ml_evidx_names_in follows it to its root). */
void ml_evidx_names_own(const struct ml_event *ev, struct ml_evidx_names *out);

/* The grant and party names ev is found under, a correction's read from
 * the root of its chain in txn. Errors: ML_E_CORRUPT (a correction names
 * a seq the log lacks), LMDB's. */
int ml_evidx_names_in(struct ml_store *st, MDB_txn *txn,
                      const struct ml_event *ev, struct ml_evidx_names *out);

/* Does one of names have this kind and name (a key party included)? */
bool ml_evidx_names_have(const struct ml_evidx_names *names,
                         enum ml_evidx_kind kind, const char *name);

/* A name of a batch and where its seqs are. */
struct ml_evidx_key {
	uint32_t at;    /* its bytes: bytes.data[at ..+ len] */
	uint16_t len;   /* kind ‖ name */
	uint32_t count; /* its seqs in the batch */
	uint32_t start; /* flush: where they begin in sorted */
};

/* One entry of a batch: a name (an index into keys) and a seq. */
struct ml_evidx_entry {
	uint32_t key;
	uint64_t seq;
};

/* The entries of one batch, until ml_evidx_batch_flush writes them.
 * Names are interned in an open-addressing table of slots. */
struct ml_evidx_batch {
	struct ml_evidx_key *keys;
	size_t nkeys, keys_cap;
	uint32_t *slots;  /* 0 = empty, else key index + 1 */
	size_t slots_cap; /* a power of two, ≥ 2 × nkeys */
	struct ml_evidx_entry *v;
	size_t n, cap;
	uint64_t *sorted; /* flush: the seqs grouped by name */
	size_t sorted_cap;
	uint32_t *order; /* flush: key indexes in byte order */
	size_t order_cap;
	unsigned char *val; /* flush: a value being built */
	size_t val_cap;
	struct ml_buf bytes; /* the names' bytes, once each */
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

/* Has b gathered so many entries that it should be written out before
 * the next event is added? (ML_EVIDX_BATCH_ENTRIES_MAX) */
bool ml_evidx_batch_full(const struct ml_evidx_batch *b);

/* Writes the gathered entries in txn and forgets them; may be called
 * more than once in a txn (each write appends to the blocks). */
int ml_evidx_batch_flush(struct ml_store *st, MDB_txn *txn,
                         struct ml_evidx_batch *b);

/* The seqs above `after` under one name, in ascending order. */
struct ml_evidx_iter {
	MDB_cursor *cur;
	unsigned char prefix[ML_EVIDX_KEY_MAX + 1]; /* kind ‖ name ‖ 0x00 */
	size_t plen;
	uint64_t after;
	uint64_t block; /* of the value being read */
	MDB_val val;    /* the value being read */
	size_t pos;     /* next offset in val */
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

/* An order-free sum of (name, seq) pairs (a count and two 64-bit
 * mixes, summed): two sets of pairs give the same sum only by chance.
 * ml_evidx_verify compares the log's with the table's; verify the log's
 * ids with the ids index's the same way (ml_verify_index.c). */
struct ml_evidx_sum {
	uint64_t count, a, b;
};

void ml_evidx_sum_add(struct ml_evidx_sum *s, const void *name, size_t len,
                      uint64_t seq);

/* Adds the pairs the table must hold for ev (its type and names), as
 * ml_evidx_verify sums the log's: verify's replay, which decodes every
 * event anyway, sums them as it goes instead of reading the log again.
 * Errors as ml_evidx_names_in. */
int ml_evidx_sum_event(struct ml_store *st, MDB_txn *txn,
                       const struct ml_event *ev, struct ml_evidx_sum *s);

/* The second half of ml_evidx_verify: the table walked against want, the
 * log's sum (ml_evidx_sum_event over events 1 ..= head). */
int ml_evidx_verify_sum(struct ml_store *st, MDB_txn *txn,
                        const struct ml_evidx_sum *want, uint64_t resident_max,
                        bool *ok, const char **why);

/* Checks that evidx holds exactly the entries of events 1 ..= head_seq
 * (see the top). Sets *ok, and *why to what differs (static text).
 * The walks keep at most resident_max bytes of the map's pages resident
 * (UINT64_MAX: all; ml_limits_internal.h, ML_VERIFY_RESIDENT_MAX).
 * Returns 0, or an error reading. */
int ml_evidx_verify(struct ml_store *st, MDB_txn *txn, uint64_t head_seq,
                    uint64_t resident_max, bool *ok, const char **why);

#endif /* ML_EVIDX_H */

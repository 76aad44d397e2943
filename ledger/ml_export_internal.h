/*
 * ml_export_internal.h — what the export's .c files share (not public).
 *
 * ml_export.c drives an export (stages, parts, JSON Lines and CSV);
 * ml_export_index.c makes the one pass over the log that journals and
 * grant filters need at begin; ml_export_journal.c writes the hledger /
 * ledger journal and the beancount file. The essay on the formats is at
 * the top of ml_export.c.
 */
#ifndef ML_EXPORT_INTERNAL_H
#define ML_EXPORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ml_export.h"
#include "ml_export_sort.h"
#include "ml_ledger_internal.h"
#include "ml_limits_internal.h"
#include "ml_state_internal.h"

/* The buckets a journal shows: the ten of ml_state.h (ML_B_ALLOCATED ..
 * ML_B_CARRIED_OUT), then the two derived ones. */
enum { ML_XB_HELD = ML_B_CARRIED_OUT + 1, ML_XB_UNALLOCATED, ML_XB_COUNT };

/* The total change a grant definition makes (new − previous total). */
struct ml_export_delta {
	uint64_t seq;
	int64_t delta_ore;
	bool is_new; /* the grant's first definition */
};

/* An account that some exported event posts to, with the buckets it
 * uses (bit ML_XB_* set): beancount opens exactly these. */
struct ml_export_acct {
	uint32_t grant_no, party_no;
	uint32_t bucket_mask;
	uint32_t pad;
};

enum ml_export_stage { ML_XS_HEADER, ML_XS_OPENS, ML_XS_EVENTS, ML_XS_DONE };

struct ml_export {
	struct ml_ledger *lg;
	enum ml_export_format format;
	enum ml_export_stage stage;
	uint64_t head_seq; /* the last event exported */
	uint8_t head_hash[32];
	bool filtered; /* only grant_id and the grants below it */
	uint32_t grant_no;
	char grant_id[ML_GRANT_ID_MAX + 1];

	/* Without an index (JSON Lines and CSV of the whole log): the next
	 * seq to write, 1 ..= head_seq + 1. */
	uint64_t next_seq;

	/* With one: the events in export order (ml_export_sort.h: at most
	 * ML_EXPORT_RUN_ITEMS in memory), and during the pass one bit per
	 * seq, set when the event is exported (a correction goes with the
	 * event it corrects). */
	bool indexed;
	struct ml_export_sort sort;
	uint8_t *kept;
	uint64_t item_next; /* items given so far */

	struct ml_export_delta *deltas; /* grant definitions, by seq */
	uint64_t delta_count, delta_cap;

	struct ml_export_acct *accts; /* beancount, by (grant, party) */
	uint64_t acct_count, acct_cap, acct_next;

	struct ml_buf desc;           /* scratch: one description */
	struct ml_export_line *lines; /* scratch: ML_EXPORT_LINES_MAX lines */
};

/* One posting of a journal transaction on a (grant, party, bucket)
 * account; grant_no 0 marks a contra line (bucket only). */
struct ml_export_line {
	uint32_t grant_no, party_no;
	int bucket; /* 0 .. ML_XB_COUNT - 1 */
	int64_t delta_ore;
};

/* The account lines of ev's postings (ml_postings_of) times sign (+1,
 * or -1 to reverse), each group followed by its held and unallocated
 * changes when not zero. Edges are not accounts and are left out.
 * Returns the count (≤ ML_EXPORT_LINES_MAX - ML_XB_COUNT). */
int ml_export_lines(const struct ml_event *ev, const struct ml_resolved *r,
                    int sign, struct ml_export_line *lines);

/* The pass over the log at begin (ml_export_index.c): fills items (in
 * seq order, then sorted by date for the journals), deltas and, for
 * beancount, accts. Errors: ML_E_NOMEM, storage errors, ML_E_CORRUPT. */
int ml_export_index(struct ml_export *x, MDB_txn *txn);

/* The numbers an event's names resolve to, total_delta_ore from the
 * export's deltas (0 for a grant not found there). */
int ml_export_resolve(const struct ml_export *x, MDB_txn *txn,
                      const struct ml_event *ev, struct ml_resolved *r);

/* Events an export reads between two releases of the data file's
 * resident pages. The journals read events in date order, all over the
 * file: each may fault in a page of its own, so 4 096 events hold at
 * most 16 MiB of the map (plus the state's pages they look up). A
 * release costs a read of /proc/self/maps and one madvise. */
#define ML_EXPORT_RELEASE_EVENTS 4096u

/* Drops this process's resident pages of the data file's map
 * (ml_store_map_release) when walked is a multiple of
 * ML_EXPORT_RELEASE_EVENTS; walked counts the events read so far. txn
 * is a read transaction. */
void ml_export_release(struct ml_export *x, MDB_txn *txn, uint64_t walked);

/* The delta entry of grant definition seq, or NULL. */
const struct ml_export_delta *ml_export_delta_of(const struct ml_export *x,
                                                 uint64_t seq);

/* Journal writers (ml_export_journal.c). */
int ml_export_journal_header(struct ml_export *x, struct ml_buf *out);
int ml_export_journal_open(struct ml_export *x, MDB_txn *txn,
                           const struct ml_export_acct *a, struct ml_buf *out);
int ml_export_journal_item(struct ml_export *x, MDB_txn *txn,
                           const struct ml_export_item *it, struct ml_buf *out);

#endif /* ML_EXPORT_INTERNAL_H */

/*
 * ml_pday.h — an account's spending per activity, one record a day
 * (internal to the state).
 *
 * A trace at a date needs, for each account of the grant, the spending of
 * each of its activities at that date. The act database answers that with
 * a seek per activity series (ml_acts.c), and a series' day records lie
 * between its event chunks, so each seek lands on a leaf page of its own:
 * on a grant of 100 parties with 8 activities each, ~800 pages a trace,
 * most of what it costs (docs/performance.md, stop 23). The pday database
 * keeps, for each account (grant ‖ party) and each date on which any of
 * its activity series has a day record, one record holding all of them:
 *
 *     grant ‖ party ‖ date → { activity number (varint) ‖ length (1 byte)
 *                              ‖ that series' day record }…
 *
 * in activity number order: each activity whose series has a day record
 * on or before the date, with its last such record, byte for byte. A
 * trace then reads an account's activities with one seek (the record at
 * or before as_of) and decodes each with the series' own decoder, so it
 * sees exactly the totals a seek per series would.
 *
 * The database is derived, and only ml_pday_rebuild writes it, from the
 * act database in the same write transaction. The writer notes each
 * (grant, party, date) an activity posting touches (ml_pday_note, from the
 * state's apply); when the batch's series are written, ml_pday_flush
 * rebuilds each noted account from its earliest noted date: its records
 * from that date are deleted and made again from the series. An append in
 * date order rewrites the account's last record or adds one; a back-dated
 * expense, or a correction of one, rewrites the account's later records,
 * as it rewrites its series' later day records. The 4 → 5 migration
 * builds every account from its start (ml_pday_build_all), and verify
 * makes each account's records again in memory and compares them with the
 * stored ones (ml_pday_check). Known views (known_at) do not read it: they
 * scan the series' entries.
 */
#ifndef ML_PDAY_H
#define ML_PDAY_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_limits.h"
#include "ml_state.h"

struct ml_store;

#define ML_PDAY_KEY_BYTES 12 /* grant ‖ party ‖ date */

/* The accounts a batch touched, and from which date: one entry per
 * activity posting, sorted and merged at the flush. */
struct ml_pday_notes {
	struct ml_pday_note {
		uint32_t grant_no, party_no;
		ml_day date;
	} * v;
	size_t n, cap;
};

/* Notes that account (grant_no, party_no) changed from date on.
 * ML_E_NOMEM, or 0. */
int ml_pday_note(struct ml_pday_notes *notes, uint32_t grant_no,
                 uint32_t party_no, ml_day date);

/* Rebuilds each noted account from its earliest noted date, then forgets
 * the notes. The act database must hold the batch's day records (the
 * tails flushed). Errors: ML_E_CORRUPT, ML_E_NOMEM, storage errors. */
int ml_pday_flush(struct ml_store *st, MDB_txn *txn,
                  struct ml_pday_notes *notes);

/* Forgets the notes (a batch that is aborted), and frees them with
 * free_too. */
void ml_pday_forget(struct ml_pday_notes *notes, bool free_too);

/* Deletes account (grant_no, party_no)'s records dated on or after from
 * and writes them again from its activity series. */
int ml_pday_rebuild(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                    uint32_t party_no, ml_day from);

/* Empties the database and builds every account's records from the act
 * database (the 4 → 5 migration). */
int ml_pday_build_all(struct ml_store *st, MDB_txn *txn);

/* Calls fn for each activity of account (grant_no, party_no) with a day
 * record on or before as_of: one seek with cur (on the pday database).
 * ML_E_CORRUPT when the record does not decode. */
int ml_pday_at(MDB_cursor *cur, uint32_t grant_no, uint32_t party_no,
               ml_day as_of, ml_activity_fn fn, void *arg);

/* Verify: the stored records against records made again from the act
 * database, account by account. *same false and where (grant, party,
 * date of the first record that differs, or is missing or extra) when
 * they differ. *checked counts the records compared. After each account
 * the map's resident pages are dropped when more than resident_max
 * bytes are (ml_store_map_trim; UINT64_MAX: never). */
struct ml_pday_where {
	uint32_t grant_no, party_no;
	ml_day date;
};
int ml_pday_check(struct ml_store *st, MDB_txn *txn, uint64_t resident_max,
                  bool *same, struct ml_pday_where *where, uint64_t *checked);

#endif /* ML_PDAY_H */

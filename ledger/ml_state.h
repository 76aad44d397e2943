/*
 * ml_state.h — projections: accounts with running totals at every date.
 *
 * Every money event posts amounts to buckets of (grant, party) accounts
 * and (grant, from, to) edges (DOMAIN.md "Event types"). The state keeps,
 * per account and edge, two ordered series (ml_entries.h):
 *
 *     day:  grant no ‖ party no ‖ date          → running totals at the
 *                                                  end of that date
 *     evt:  grant no ‖ party no ‖ date ‖ seq    → the event's postings
 *   (edges: grant no ‖ from no ‖ to no ‖ …; all big-endian)
 *
 * So:
 *   - the balance at the end of date D is the day record at or before D:
 *     one cursor seek, O(log n), no replay;
 *   - an event dated in the past rewrites the day records after it in
 *     the same account — one per later day with activity, however many
 *     events those days hold — and the walk that rewrites them is the
 *     walk that checks the rules at the end of every later date (the
 *     lowest later value is found on the way);
 *   - a correction marks the corrected event records (corrected_by = its
 *     seq), withdraws their postings from the day totals from their date
 *     on, and keeps the postings themselves, so "as known at T" can still
 *     see them: a known-at balance scans one account's event records up
 *     to D, summing those recorded by T and not corrected by T. When the
 *     records' date is closed, or a correction of a correction makes an
 *     event count again, the correction posts records of its own instead
 *     (its seq, the event's postings negated or again, on its own date or
 *     the event's): see ml_rules_correct.c.
 *
 * Entries are kept in the same LMDB write transaction as the log record,
 * so the state is never behind the log. ml_verify rebuilds all of it from
 * the log alone and compares.
 *
 * Parties and grants are interned as numbers 1, 2, 3 … (0 = none) in the
 * order they were first defined; keys hold numbers, not strings.
 */
#ifndef ML_STATE_H
#define ML_STATE_H

#include <assert.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_bucket.h"
#include "ml_error.h"
#include "ml_event.h"
#include "ml_store.h"

extern const char *const ml_bucket_names[ML_BUCKETS];

struct ml_totals {
	int64_t v[ML_BUCKETS]; /* öre; ENTRIES is a count */
};

/* held = received + returned + carried_in − paid_out − spent − repaid −
 * carried_out; unallocated = allocated + carried_in − allocated_out −
 * pending_out − carried_out (money promised on a condition is not free).
 * Every bucket fits int64 (the entries refuse a posting that would
 * overflow one), but two of them need not fit together: a party whose
 * received is 10^15 and who has 9 223 carry-overs of 10^15 carried in
 * holds more than 2^63 öre. ml_totals_countable says whether both
 * values can be computed; the rules refuse an event after which one
 * account's could not (ml_check_acct), so for a stored account they
 * always can, and ml_totals_held/_unallocated are exact. */
bool ml_totals_countable(const struct ml_totals *t);
int64_t ml_totals_held(const struct ml_totals *t);
int64_t ml_totals_unallocated(const struct ml_totals *t);

#define ML_DAY_NONE (-1)

/* The current (latest recorded) definition of a party. */
struct ml_party_row {
	uint64_t def_seq;   /* seq of the latest definition */
	uint32_t parent_no; /* 0 = a legal entity */
	uint32_t kind;      /* index into ml_party_kinds */
};

/* The current definition of a grant, as given (not inherited). */
struct ml_grant_row {
	uint64_t def_seq;
	uint32_t payer_no;
	uint32_t parent_no; /* 0 = not a post */
	int64_t total_ore;
	ml_day use_by, report_by, repay_by; /* ML_DAY_NONE when not given */
	int32_t carry_over;                 /* -1 not given, 0, 1 */
	int32_t year;                       /* 0 when not given */
	ml_day date;                        /* of the latest definition */
	uint32_t pad;
};

/* Both rows are stored in nums as their bytes (host order), followed by
 * the id, and read back with memcpy: their layout is part of the ledger
 * format. A change here is a format migration. ml_grant_row_from_event
 * zeroes the whole row, padding included, so the stored bytes are
 * deterministic. */
static_assert(sizeof(struct ml_party_row) == 16, "party row on disk");
static_assert(offsetof(struct ml_party_row, def_seq) == 0, "party row");
static_assert(offsetof(struct ml_party_row, parent_no) == 8, "party row");
static_assert(offsetof(struct ml_party_row, kind) == 12, "party row");
static_assert(sizeof(struct ml_grant_row) == 56, "grant row on disk");
static_assert(offsetof(struct ml_grant_row, def_seq) == 0, "grant row");
static_assert(offsetof(struct ml_grant_row, payer_no) == 8, "grant row");
static_assert(offsetof(struct ml_grant_row, parent_no) == 12, "grant row");
static_assert(offsetof(struct ml_grant_row, total_ore) == 16, "grant row");
static_assert(offsetof(struct ml_grant_row, use_by) == 24, "grant row");
static_assert(offsetof(struct ml_grant_row, report_by) == 28, "grant row");
static_assert(offsetof(struct ml_grant_row, repay_by) == 32, "grant row");
static_assert(offsetof(struct ml_grant_row, carry_over) == 36, "grant row");
static_assert(offsetof(struct ml_grant_row, year) == 40, "grant row");
static_assert(offsetof(struct ml_grant_row, date) == 44, "grant row");
static_assert(offsetof(struct ml_grant_row, pad) == 48, "grant row");
static_assert(sizeof(ml_day) == 4, "a date is 4 bytes in every key");

/* What a query sees: events dated ≤ as_of, and, when known, only those
 * recorded at or before known_seq (corrections recorded later unseen). */
struct ml_view {
	ml_day as_of;
	bool known;
	uint64_t known_seq;
};

/* What one event did to an account or edge, as a scan returns it. */
struct ml_entry_info {
	ml_day date;
	uint64_t seq;
	uint64_t corrected_by; /* 0 = counts */
	int64_t delta[2];      /* postings of the event on this account */
	int8_t bucket[2];      /* -1 = none */
};

struct ml_state;

int ml_state_new(struct ml_store *st, struct ml_state **out);
void ml_state_free(struct ml_state *s);

/* Called when a write transaction begins (txn): notes what is committed,
 * so that only committed facts are cached. */
int ml_state_write_begin(struct ml_state *s, MDB_txn *txn);

/* Brackets the events of one batch of event_count events applied in
 * txn: cursors are opened once for the batch and closed by batch_end,
 * which must run before txn commits or aborts. In a batch of
 * ML_TAILS_BATCH_MIN events or more, some day records and event chunks
 * are kept in memory meanwhile (ml_tails.h): batch_flush writes them, and
 * must succeed before txn commits; batch_end alone forgets them (for an
 * aborted batch). batch_finish, after the batch's last event, flushes
 * and then writes what is derived from the series: the activities' day
 * records of each account the batch's expenses touched (ml_pday.h). */
int ml_state_batch_begin(struct ml_state *s, MDB_txn *txn, size_t event_count);
int ml_state_batch_flush(struct ml_state *s);
int ml_state_batch_finish(struct ml_state *s);
void ml_state_batch_end(struct ml_state *s);

/* Checks ev (whose seq is already assigned) against the ledger in txn and,
 * if it breaks no rule on any date, applies it: interns definitions,
 * writes entries and indexes. On error nothing was written that the
 * caller will keep (the caller aborts its nested transaction) and err
 * names the rule, index, field and values. */
int ml_state_apply(struct ml_state *s, MDB_txn *txn, struct ml_event *ev,
                   int32_t index, struct ml_errinfo *err);

/* Told by ml_state_apply, before it writes, of what an event changes:
 * fn(arg, grant_no, seq) once per grant a money event posts to (its
 * postings' grants, the grant it names), fn(arg, 0, seq) for any other
 * event (a definition, close, correction, report, confirm, lapse: they
 * reach beyond one grant's accounts). For the summaries a long-lived
 * ledger keeps (ml_summary.h); fn NULL (the default) tells no one. */
typedef void (*ml_change_fn)(void *arg, uint32_t grant_no, uint64_t seq);
void ml_state_on_change(struct ml_state *s, ml_change_fn fn, void *arg);

/* --- lookups (any transaction; returned strings live until it ends) --- */

enum ml_name_kind { ML_NAME_PARTY = 'p', ML_NAME_GRANT = 'g' };

/* *no = the number of id, or 0 when not defined. */
int ml_state_lookup(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                    struct ml_str id, uint32_t *no);
/* The id of number no; ML_E_NOT_FOUND. */
int ml_state_name(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                  uint32_t no, struct ml_str *id);
/* How many parties or grants are defined (numbers are 1 ..= count). */
int ml_state_count(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                   uint32_t *count);
/* ml_state_party with a cursor the caller keeps over many parties
 * (ml_state_nums_open; close it before the transaction ends): parties
 * read in number order are mostly on the page the last one was on, where
 * each mdb_get descends from the root (the party tree of an answer,
 * docs/performance.md, 2026-12-03 h-md). */
int ml_state_nums_open(struct ml_store *st, MDB_txn *txn, MDB_cursor **cur);
int ml_state_party_at(MDB_cursor *cur, uint32_t no, struct ml_party_row *row);
/* ml_state_name with such a cursor (id: as ml_state_name's). */
int ml_state_name_at(MDB_cursor *cur, enum ml_name_kind k, uint32_t no,
                     struct ml_str *id);
int ml_state_party(struct ml_store *st, MDB_txn *txn, uint32_t no,
                   struct ml_party_row *row);
int ml_state_grant(struct ml_store *st, MDB_txn *txn, uint32_t no,
                   struct ml_grant_row *row);
/* The row a party definition event gives (its parent resolved). */
void ml_party_row_from_event(const struct ml_event *ev, uint32_t parent_no,
                             struct ml_party_row *row);
/* The row a grant definition event gives (payer and parent already
 * resolved to numbers). */
void ml_grant_row_from_event(const struct ml_event *ev, uint32_t payer_no,
                             uint32_t parent_no, struct ml_grant_row *row);

/* rules.md "Inheritance": fills what row does not give from its parent's
 * row p (call from the nearest parent up: the first given wins). */
void ml_grant_inherit(struct ml_grant_row *row, const struct ml_grant_row *p);

/* The grant's row with use_by, report_by, repay_by and carry_over
 * inherited from its parents where it gives none. */
int ml_state_grant_effective(struct ml_store *st, MDB_txn *txn, uint32_t no,
                             struct ml_grant_row *row);

/* *seq = the definition of (k, no) that a view sees: the latest dated
 * ≤ as_of (and recorded ≤ known_seq when known); 0 when none. */
int ml_state_def_at(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                    uint32_t no, const struct ml_view *v, uint64_t *seq);

/* --- balances --- */

/* Totals of account (grant_no, party_no) in view v. *exists is false when
 * no counting entry is visible (all totals then 0). */
int ml_state_account(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                     uint32_t grant_no, uint32_t party_no,
                     struct ml_totals *out, bool *exists);

/* Totals of edge (grant_no, from_no → to_no) in view v. */
int ml_state_edge(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                  uint32_t grant_no, uint32_t from_no, uint32_t to_no,
                  struct ml_totals *out, bool *exists);

/* Walks accounts of grant_no in party order: *party_no = the next party
 * after *party_no (start with 0) that has any entry; 0 when done. */
int ml_state_next_account(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          uint32_t *party_no);

/* The same walk and reads with one cursor the caller keeps over them
 * (ml_state_accounts_open; mdb_cursor_close it before the transaction
 * ends): each seek then starts from where the last one stopped, mostly
 * within its page, instead of a new cursor's descent from the root. For
 * an answer that reads every account of a grant (deadlines, repayments:
 * docs/performance.md, 2026-12-03 h-md). */
int ml_state_accounts_open(struct ml_store *st, MDB_txn *txn, MDB_cursor **cur);
int ml_state_next_account_at(MDB_cursor *cur, uint32_t grant_no,
                             uint32_t *party_no);
int ml_state_account_at(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                        const struct ml_view *v, uint32_t grant_no,
                        uint32_t party_no, struct ml_totals *out, bool *exists);

/* Walks edges of grant_no: the next (from, to) after (*from, *to) (start
 * with 0, 0); *from = 0 when done. */
int ml_state_next_edge(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                       uint32_t *from_no, uint32_t *to_no);

/* The edge walk and reads with one kept cursor, as for the accounts
 * (ml_state_accounts_open). */
int ml_state_edges_open(struct ml_store *st, MDB_txn *txn, MDB_cursor **cur);
int ml_state_next_edge_at(MDB_cursor *cur, uint32_t grant_no, uint32_t *from_no,
                          uint32_t *to_no);
int ml_state_edge_at(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                     const struct ml_view *v, uint32_t grant_no,
                     uint32_t from_no, uint32_t to_no, struct ml_totals *out,
                     bool *exists);

/* --- spending per activity (ml_acts.c: the numbers) --- */

/* Spending (SPENT) and counting expenses (ENTRIES) of activity act_no of
 * account (grant_no, party_no) in view v: one seek, or for a known view
 * a scan of that activity's entries (no log reads). */
int ml_state_activity(struct ml_store *st, MDB_txn *txn,
                      const struct ml_view *v, uint32_t grant_no,
                      uint32_t party_no, uint32_t act_no, struct ml_totals *out,
                      bool *exists);
/* Calls fn(act_no, totals, arg) for each activity of account (grant_no,
 * party_no) whose series has a day on or before as_of, in number order,
 * with the series' totals at as_of (ML_BUCKETS: SPENT and ENTRIES among
 * them; ENTRIES 0 when no expense counts there); non-zero from fn stops
 * and is returned. One seek: the account's record in the pday database
 * (ml_pday.h). For a view that is not known. */
typedef int (*ml_activity_fn)(uint32_t act_no, const int64_t *totals,
                              void *arg);
int ml_state_activities_at(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                           uint32_t party_no, ml_day as_of, ml_activity_fn fn,
                           void *arg);
/* ml_state_activities_at for a known view v: each activity's totals
 * dated ≤ v->as_of as known at v->known_seq (ENTRIES 0 when none counts):
 * the pday record, and a few seeks per activity in the known database
 * (ml_known.h) instead of a scan of its entries. */
int ml_state_activities_known(struct ml_store *st, MDB_txn *txn,
                              const struct ml_view *v, uint32_t grant_no,
                              uint32_t party_no, ml_activity_fn fn, void *arg);
/* Walks the activities of account (grant_no, party_no) in number order:
 * *act_no = the next after *act_no (start with 0); 0 when done. */
int ml_state_next_activity(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                           uint32_t party_no, uint32_t *act_no);
/* A walk over the accounts of a grant with their totals at as_of, for a
 * view that is not known (a known view scans entries:
 * ml_state_next_account, _account). The series walked lie side by side
 * in key order, so one kept cursor serves them all, and the seek to one's day at as_of also
 * shows where the next one starts when it holds nothing later: a seek
 * per series, and one per run of numbers without a series, where
 * finding the next series and then its day took two per series (and a
 * leaf page each, which is most of a trace's cost). */
struct ml_walk {
	MDB_cursor *cur;
	uint32_t grant_no;
	uint32_t next_no; /* the number looked at next; 0: the walk is done */
	uint32_t last_no; /* the highest party number given: no series
	                     after it, so no seek to find none */
	bool later;       /* a series walked has a record dated on or after
	               as_of (its seek landed inside it): the totals may
	               differ at a later date */
};
int ml_state_walk_accounts(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                           struct ml_walk *w);
/* *no = the next party number looked at, in increasing
 * order (0: the walk is done), with its totals at v's as_of; *exists
 * false when none counts there, which includes a number without a
 * series. Errors: storage errors, ML_E_CORRUPT. */
int ml_state_walk_next(struct ml_store *st, MDB_txn *txn,
                       const struct ml_view *v, struct ml_walk *w, uint32_t *no,
                       struct ml_totals *out, bool *exists);
void ml_state_walk_end(struct ml_walk *w);
/* Narrows a walk just begun to the numbers first_no ..= last_no (first_no
 * ≥ 1): a slice of a grant's parties, for the threads of ml_prefetch.c.
 * A slice past the highest number given leaves the walk done. */
void ml_state_walk_range(struct ml_walk *w, uint32_t first_no,
                         uint32_t last_no);
/* The (activity, unit) of number act_no; unit.ptr NULL when none. The
 * strings point into LMDB pages of txn. */
int ml_act_name(struct ml_store *st, MDB_txn *txn, uint32_t act_no,
                struct ml_str *activity, struct ml_str *unit);

/* Calls fn for every entry of account (grant, party) dated ≤ last_day,
 * in (date, seq) order, until fn returns non-zero (which is returned). */
typedef int (*ml_entry_fn)(const struct ml_entry_info *e, void *arg);
int ml_state_scan_account(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          uint32_t party_no, ml_day last_day, ml_entry_fn fn,
                          void *arg);

/* --- other indexes --- */

/* *by = the seq of the correction of seq, or 0. */
int ml_state_corrected_by(struct ml_store *st, MDB_txn *txn, uint64_t seq,
                          uint64_t *by);

/* The correction of seq (corrections index: seq → by ‖ day?): *by (0 =
 * none) and *day, ML_DAY_NONE when it withdrew seq's own entries (marked
 * them corrected_by), else the date of the entries it posted itself (a
 * reversal on its own date, or the corrected event's postings again). A
 * value without a day (every correction before chains existed) is the
 * first kind. ML_E_CORRUPT on a value of another size. */
int ml_state_correction(struct ml_store *st, MDB_txn *txn, uint64_t seq,
                        uint64_t *by, ml_day *day);

/* The money event or report at the root of the correction chain that
 * seq belongs to (seq itself when it is not a correction), and how many
 * corrections lie between (0 ..= ML_CORRECTION_CHAIN_MAX). ev's strings
 * point into LMDB pages. ML_E_CORRUPT when the chain is broken. */
int ml_state_event_root(struct ml_store *st, MDB_txn *txn, uint64_t seq,
                        struct ml_event *ev, int *depth);

/* What correction c_seq did to the event at the root of its chain
 * (*root_seq): *sign −1 when it withdrew its postings, +1 when it made
 * them count again, from *day on (the date of the records it posted, or
 * of those it withdrew). For the journals, which show it as a
 * transaction. ML_E_CORRUPT when c_seq is no stored correction. */
int ml_state_correction_effect(struct ml_store *st, MDB_txn *txn,
                               uint64_t c_seq, uint64_t *root_seq, ml_day *day,
                               int *sign);

/* *any = has grant_no a report (of any party, counting or not) dated on
 * or after day? */
int ml_state_reports_from(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          ml_day day, bool *any);

/* Is a counting report for (grant_no, party_no) visible in v? */
int ml_state_has_report(struct ml_store *st, MDB_txn *txn,
                        const struct ml_view *v, uint32_t grant_no,
                        uint32_t party_no, bool *has);

/* Calls fn(seq, arg) for every counting report of (grant_no, party_no)
 * visible in v, in seq order, until fn returns non-zero (returned). */
typedef int (*ml_seq_fn)(uint64_t seq, void *arg);
int ml_state_reports(struct ml_store *st, MDB_txn *txn, const struct ml_view *v,
                     uint32_t grant_no, uint32_t party_no, ml_seq_fn fn,
                     void *arg);

/* The latest claim_by of the counting allocations to (grant, party)
 * visible in v, or ML_DAY_NONE. */
int ml_state_claim_by(struct ml_store *st, MDB_txn *txn,
                      const struct ml_view *v, uint32_t grant_no,
                      uint32_t party_no, ml_day *claim_by);

/* The last closed day for grant_no (its own, its parents' and the global
 * close; ML_DAY_NONE when open). grant_no 0 asks for the global close. */
int ml_state_closed_until(struct ml_store *st, MDB_txn *txn, uint32_t grant_no,
                          ml_day *day);

#endif /* ML_STATE_H */

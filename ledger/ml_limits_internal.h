/*
 * ml_limits_internal.h — limits of the library's own machinery.
 *
 * ml_limits.h holds the limits programs outside the ledger need (the
 * contract's, and the sizes of text they print). The ones here bound
 * the ledger's own caches, scratch buffers and passes; nothing outside
 * the library sees them. Each says what it bounds and why that number.
 */
#ifndef ML_LIMITS_INTERNAL_H
#define ML_LIMITS_INTERNAL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_limits.h"

/* --- growing arrays (ml_buf.c) --- */

/* The first allocation of a growing array (ml_grow) or buffer: 256 bytes
 * holds a short message or a few dozen items without a second realloc,
 * and costs nothing when the array stays empty. */
#define ML_GROW_FIRST_BYTES 256u

/* Items a pass over the whole log (verify, export) holds in memory per
 * kind: definitions, reports, claims, postings, deltas, accounts. Each is
 * at most a few per event, and 2^32 of them at 16–32 bytes is more memory
 * than a server has: past it the pass is ML_E_TOO_LARGE, not a failing
 * allocation or a wrapped size. */
#define ML_PASS_ITEMS_MAX ((size_t)UINT32_MAX)

/* --- verify's walks (ml_verify*.c, ml_evidx_verify) --- */

/* File pages a verify keeps resident. It reads the whole data file (the
 * log two or three times, every projection once) through LMDB's
 * read-only map, and every page read stays resident: RSS as large as the
 * file (issue 15 bounds verify's at 64 MiB). So each walk, every
 * ML_VERIFY_TRIM_BYTES it touched or ML_VERIFY_TRIM_EVENTS events it
 * read, looks at the file pages resident and past ML_VERIFY_RESIDENT_MAX
 * drops the map's (ml_store_map_trim; they stay in the page cache). The
 * count includes the program's and its libraries' pages (~6 MiB).
 *
 * A walk touches more than it reads: a fault maps the cached pages
 * around it (fault-around, 64 KiB), or a whole large folio of the page
 * cache (up to 2 MiB on a file read in by readahead: 10 million events
 * went to 129 MiB with leaf pages counted at 64 KiB, while 1 and 3
 * million stayed at 38-41), so a leaf page entered counts as
 * ML_VERIFY_FAULT_BYTES; and the replay's every event may fault in the
 * log, the ids index and (the second thread) the log again: 64 events
 * between checks. Each drop costs faults again for pages still in use
 * (branch pages, the other thread's), so the bound is not lower than it
 * needs to be; a check is a pread of /proc/self/statm (< 1 µs), some
 * 25 000 per million events. */
#define ML_VERIFY_RESIDENT_MAX (24u << 20)
#define ML_VERIFY_TRIM_BYTES   (4u << 20)
#define ML_VERIFY_FAULT_BYTES  (512u << 10)
#define ML_VERIFY_TRIM_EVENTS  64u

/* An arena's blocks (ml_buf.c): one 64 KiB block holds a batch of small
 * events' strings, so a typical append mallocs once; a bigger request
 * gets a block of its own. */
#define ML_ARENA_BLOCK_BYTES (64u * 1024u)

/* --- reading input (ml_json_scan.c, ml_json_decode.c, ml_money.c,
 * ml_date.c) --- */

/* Arrays and objects open at once while a body is scanned: a batch's
 * array, an event and meta's ML_META_DEPTH_MAX levels need 18; 64 leaves
 * room for a clear "too deep" refusal of anything deeper, and keeps the
 * scanner's stack of open containers small and fixed. */
#define ML_JSON_DEPTH_MAX 64

/* The reason a field is refused, before it is put in the error message
 * (≤ ML_MESSAGE_MAX with the field's name and index): one sentence with
 * a quoted piece of the input. */
#define ML_WHY_MAX 160

/* Bytes of the refused input quoted in a reason ("not an amount: \"…\"")
 * before it is cut: enough to recognise a date or an amount, short
 * enough that the reason fits ML_WHY_MAX. */
#define ML_QUOTE_MAX 40

/* An amount's digits with a separator every three of them (ml_money.c):
 * a uint64_t has ML_INT_TEXT_MAX digits. */
#define ML_MONEY_GROUPED_MAX (ML_INT_TEXT_MAX + ML_INT_TEXT_MAX / 3)

/* --- caches and the write path (ml_cache.c, ml_tails.c, ml_entries.c) --- */

/* Ended read transactions a ledger keeps for the next reads
 * (ml_ledger.c: mdb_txn_reset, then mdb_txn_renew instead of a new
 * mdb_txn_begin). Each holds one of LMDB's reader slots (126 by
 * default) while kept; 20 covers medeld's busiest case, 16 event loops
 * and 4 helper threads reading at once. */
#define ML_READ_POOL_MAX 20

/* Walkers of a trace's prefetch when ML_PREFETCH_AUTO finds its pages
 * on disk (ml_prefetch.c): reads in flight at once. A cold trace of 100
 * parties × 8 activities (median of 7, a shared machine) took 189 ms
 * with none, 102 with 2, 97 with 4, 60 with 8, 49 with 16 and 39 with 32
 * (docs/performance.md, 2026-12-03 h-par): the disk's reads per second
 * set it. 16, not 32: each walker holds one of LMDB's 126 reader slots
 * while it walks (ml_ledger_read_drop gives it back), so several cold
 * traces at once still leave other readers slots to spare. */
#define ML_PREFETCH_THREADS 16

/* Accounts the prefetch's probe walks before it takes a trace's pages to
 * be in memory (ml_prefetch.c): the payer's, often without activities,
 * and two with. Warm, the probe walks them twice: 3 of a grant's
 * accounts. */
#define ML_PREFETCH_PROBE_ACCOUNTS 3

/* Grants whose deadlines/repayments summaries a ledger handle keeps
 * (ml_summary.h: one slot per grant number modulo this). A real ledger
 * has tens of grants; two grants sharing a slot only replace each
 * other's summary (and share their change stamps: a change to one makes
 * the other's be built again), never answer for each other. Each kept
 * summary is a few KiB (its claims, legal entities, conditions). */
#define ML_SUMMARY_GRANTS_MAX 64

/* Names (party and grant ids → numbers) the writer's cache remembers:
 * 2^20 holds every name of any real ledger (ML_PARTIES_MAX and
 * ML_GRANTS_MAX are the bounds, not the expectation) in a few tens of
 * MiB; past it lookups go to LMDB, which is only slower. */
#define ML_CACHE_ENTRIES_MAX (1u << 20)

/* (activity, unit) pairs verify's replay finds by their bytes instead of
 * their SHA-256 (ml_verify_acts.c): a real ledger names tens to
 * thousands; past it (or past the cache's arena ceiling, entries ×
 * (ML_GRANT_ID_MAX + 8) bytes, ~1.1 MiB) a pair is hashed, which is only
 * slower. */
#define ML_VERIFY_ACTS_CACHED_MAX 8192u

/* Series remembered per batch: above the accounts and edges that a
 * 10 000-event batch of one grant touches, small enough (~1.5 MiB with
 * their chunks) to stay allocated for the ledger's life. A power of
 * two. */
#define ML_TAILS_MAX 1024

/* The tails' hash table is open-addressed: it is kept at most three
 * quarters full so that a probe ends quickly. */
#define ML_TAILS_LOAD_MAX (ML_TAILS_MAX / 4 * 3)

/* Events a batch needs before its series are held in memory at all:
 * making a tail costs three B-tree seeks, about what the database path
 * costs one posting, so it pays only for series posted to more than
 * once — not in the one-event batches of medeld's group commit, which
 * went at half the rate with tails (17 000 against 33 000 events/s from
 * 64 clients, tools/bench/medeld_bench.py). */
#define ML_TAILS_BATCH_MIN 32

/* Day records held per batch, all series together (~100 bytes each):
 * a payer's 60 back-dated days in each of a few hundred series. */
#define ML_TAILS_DAYS_MAX 32768

/* A day can hold thousands of chunks (an import dated one day), so the
 * cursor steps over at most ML_CHUNK_STEPS_MAX of them one by one (most
 * days have one or two); past that it seeks the next day's record, or
 * back to its own day's record. */
#define ML_CHUNK_STEPS_MAX 4

/* Posting groups one event makes (ml_postings_of): a payout's edge and
 * its two accounts, or a post's own account and its parent's pool. */
#define ML_POSTING_GROUPS_MAX 4

/* --- answers and exports --- */

/* rules.md: a date at most 30 days ahead is due (the deadlines answer). */
#define ML_DEADLINE_WINDOW_DAYS 30

/* Longest description of one journal transaction: the type and ids
 * (≤ 2 × 128 + 2 × 64 bytes), activity (500), unit (200), ref (128),
 * invoice number (64), event id (128) and, for a reversal, the
 * correction's note (1000) and the corrected event's own description
 * again. 8 KiB holds all of it with room; past it is ML_E_TOO_LARGE,
 * which the limits above make impossible. */
#define ML_EXPORT_DESC_MAX 8192

/* Lines of one journal transaction: ≤ ML_POSTING_GROUPS_MAX account
 * groups of ≤ 2 buckets, each with held and unallocated, then ≤ one
 * contra line per bucket (12) — or a distribution's 1 + ML_KEY_PARTIES_MAX
 * account groups (from and each share; edges make no lines), 4 lines
 * each at most. Held in the export's scratch (ml_export.c allocates it
 * once, 4 016 × 24 bytes), not on the stack. */
#define ML_EXPORT_LINES_MAX (4 * (1 + ML_KEY_PARTIES_MAX) + 12)

/* A journal account: "Assets:Medel:" + grant (128) + ":" + party (64) +
 * ":" + bucket — under 256 bytes. */
#define ML_EXPORT_ACCOUNT_MAX 256

/* A journal amount: "-10000000000000000.00" (21 bytes) and a little
 * more. */
#define ML_EXPORT_AMOUNT_TEXT_MAX 32

/* --- limits a unit test lowers --- */

/* Some refusals need a ledger of production size to reach: an answer
 * listing more than ML_ANSWER_ROWS_MAX rows, more than ML_PARTIES_MAX
 * parties or ML_GRANTS_MAX grants defined. The code that refuses reads
 * these limits from ml_limits_now (ml_limits.c), which holds exactly
 * those values; tests/unit/test_costly.c checks that they are, then
 * lowers them, before it opens a ledger, to run the same refusal with
 * a few dozen events. Nothing else writes it, so for medeld and medel
 * it is a constant. Bounds that size arrays or stop walks (hops below
 * ML_GRANTS_MAX) keep the constants: a lowered limit only refuses
 * sooner, it never lets more in. */
struct ml_limits_tunable {
	size_t answer_rows_max;      /* ML_ANSWER_ROWS_MAX */
	size_t answer_row_bytes_max; /* ML_ANSWER_ROW_BYTES_MAX */
	uint32_t parties_max;        /* ML_PARTIES_MAX */
	uint32_t grants_max;         /* ML_GRANTS_MAX */
};
extern struct ml_limits_tunable ml_limits_now;

/* The relations between these limits that the code relies on. */
static_assert((ML_TAILS_MAX & (ML_TAILS_MAX - 1)) == 0,
              "ML_TAILS_MAX is a power of two: the hash is masked with it");
static_assert(ML_TAILS_LOAD_MAX < ML_TAILS_MAX,
              "the tails table never fills: linear probing ends at a free "
              "slot");
static_assert(ML_TAILS_DAYS_MAX < UINT32_MAX / 2,
              "days_total and a doubled capacity fit in u32");
static_assert(ML_POSTING_GROUPS_MAX * 2 >= ML_POSTINGS_MAX,
              "an event's postings fit its groups");
static_assert(ML_EXPORT_LINES_MAX >= ML_POSTING_GROUPS_MAX * 2 * 2 + 12,
              "a journal transaction's lines fit");
static_assert(ML_EXPORT_AMOUNT_TEXT_MAX >= 1 + 20 + 1,
              "any amount's text fits: '-', |INT64_MIN|'s digits, a point");
static_assert(ML_EXPORT_ACCOUNT_MAX >
                  13 + ML_GRANT_ID_MAX + ML_PARTY_ID_MAX + 2 + 24,
              "any account name fits: root, grant, party, two ':', bucket");
static_assert(ML_MONEY_GROUPED_MAX >= 20 + 6,
              "any u64 kronor value fits, grouped in threes");
static_assert(ML_ARENA_BLOCK_BYTES % 8 == 0, "blocks keep 8-byte alignment");

#endif /* ML_LIMITS_INTERNAL_H */

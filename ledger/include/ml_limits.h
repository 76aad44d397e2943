/*
 * ml_limits.h — every limit of the ledger in one place.
 *
 * Each ML_<THING>_MAX bounds one thing and says why it has that value. A
 * limit that comes from the contract (DOMAIN.md, API.md) cites it; a limit
 * of our own making says what it protects. Code never hard-codes a bound
 * that belongs here.
 */
#ifndef ML_LIMITS_H
#define ML_LIMITS_H

#include <assert.h>
#include <stdint.h>

/* Money: every event amount is 1 ..= 10^15 öre (DOMAIN.md "Amount"). */
#define ML_AMOUNT_MIN_ORE 1LL
#define ML_AMOUNT_MAX_ORE 1000000000000000LL

/* Dates: 1900-01-01 ..= 2199-12-31, proleptic Gregorian (DOMAIN.md). */
#define ML_YEAR_MIN 1900
#define ML_YEAR_MAX 2199
/* 2199-12-31 as a day number (days since 1900-01-01, which is day 0). */
#define ML_DAY_MAX 109572

/* Identifiers (DOMAIN.md): party [a-z0-9][a-z0-9._-]{0,63},
 * grant [a-z0-9][a-z0-9._/-]{0,127}, event id [A-Za-z0-9._:/-]{1,128}. */
#define ML_PARTY_ID_MAX 64
#define ML_GRANT_ID_MAX 128
#define ML_EVENT_ID_MAX 128

/* Free text (DOMAIN.md): ref ≤ 128 bytes, note ≤ 1000 bytes, meta ≤ 4 KiB,
 * a condition ≤ 200 bytes.
 * The other text fields have no limit in the contract; ours keep a record
 * small and a table readable: a party or grant name of 200 bytes holds any
 * Swedish authority's full name, an activity 500 bytes holds a sentence. */
#define ML_REF_MAX         128
#define ML_NOTE_MAX        1000
#define ML_META_MAX        4096
#define ML_NAME_MAX        200
#define ML_ACTIVITY_MAX    500
#define ML_UNIT_MAX        200
#define ML_CONDITION_MAX   200
#define ML_INVOICE_NO_MAX  64
#define ML_ORG_NO_MAX      32
#define ML_RECORDED_BY_MAX 64

/* meta nesting: deep enough for any real structure, shallow enough that a
 * recursive walk of it cannot exhaust the stack. */
#define ML_META_DEPTH_MAX 16

/* Integers in JSON must be exact in an IEEE double (cJSON parses into
 * one): |n| ≤ 2^53 − 1. A literal beyond that may round onto 2^53, so
 * anything the double holds as ≥ 2^53 is refused — inside meta by the
 * ledger, in an answer by medel (every amount, ≤ 10^15 öre, and any
 * realistic sum is far below; a number beyond is refused, not shown
 * wrong). */
#define ML_JSON_INT_MAX 9007199254740991LL

/* One batch: ≤ 10 000 events, body ≤ 8 MiB (API.md POST /v1/events). */
#define ML_BATCH_EVENTS_MAX 10000
#define ML_BODY_BYTES_MAX   (8u * 1024u * 1024u)

/* A distribution's key (DOMAIN.md): 1 to 1 000 parties, each with a
 * positive integer weight. Weights are populations, areas, head counts:
 * the limit of 10^12 is a thousand times the world's population, and it
 * keeps the arithmetic exact — the total weight W ≤ 1 000 × 10^12 = 10^15
 * fits an int64 with room, and amount × weight ≤ 10^15 × 10^12 = 10^27
 * is computed in 128 bits (ml_dist.c), so no share is ever rounded by the
 * machine. The key is stored as canonical text: per party at most
 * "id":weight, = 2 + 64 + 1 + 13 + 1 bytes, and the braces. The key's
 * name is a sentence ("SCB folkmängd 2019-11-01"). */
#define ML_KEY_PARTIES_MAX 1000
#define ML_KEY_WEIGHT_MAX  1000000000000LL
#define ML_KEY_BYTES_MAX   (ML_KEY_PARTIES_MAX * (ML_PARTY_ID_MAX + 17) + 2)
#define ML_KEY_NAME_MAX    200

/* An event's encodings: the canonical JSON of the largest legal event
 * without a key is under 8 KiB (meta 4 KiB + note 1000 + activity 500 +
 * ids and escapes, where one control byte escapes to six); 32 KiB leaves
 * room for the worst case of every text field escaped. A distribution
 * adds its key (≤ ML_KEY_BYTES_MAX, never escaped: ids and digits), so
 * both limits add the key's size to what they were. */
#define ML_EVENT_JSON_MAX   (32u * 1024u + ML_KEY_BYTES_MAX)
#define ML_RECORD_BYTES_MAX (16u * 1024u + ML_KEY_BYTES_MAX)

/* Reading the log: GET /v1/events limit ≤ 10 000, default 1000. */
#define ML_EVENTS_LIMIT_MAX     10000
#define ML_EVENTS_LIMIT_DEFAULT 1000

/* Parties and grants that exist at once: interned as 32-bit numbers. A
 * ledger of all Swedish municipalities, regions, committees and units over
 * decades stays far below this; the bound makes every array sized by it
 * safe to allocate. */
#define ML_PARTIES_MAX 1000000
#define ML_GRANTS_MAX  1000000

/* Rows of one list in an answer (a trace's activities and flows, the
 * deadlines, a table the CLI draws from an answer). An answer is sent
 * whole and is at most 96 MiB (MA_ANSWER_BYTES_MAX); a row takes 100
 * bytes or more of JSON, so a longer list could not be sent anyway, and
 * refusing it while it is built (413 too_large) keeps memory to that. */
#define ML_ANSWER_ROWS_MAX 1000000

/* Bytes of one row of an answer written as JSON text (ml_answer.c: a
 * balances row, a trace's node with its activities, an edge). No row
 * can be longer than the whole answer may be (MA_ANSWER_BYTES_MAX,
 * 96 MiB), so that is its ceiling too: past it, 413 too_large. */
#define ML_ANSWER_ROW_BYTES_MAX (96u * 1024u * 1024u)

/* Warnings (API.md, ml_warn.h): one event can earn at most one per field
 * that is checked — far_future on date, deadline_order on claim_by,
 * decide_by, use_by, report_by and repay_by, org_no on org_no — so 7. A message
 * names at most two dates, a year and an org_no (≤ ML_ORG_NO_MAX bytes)
 * in a sentence: 200 bytes hold it with room to spare. */
#define ML_EVENT_WARNINGS_MAX 7
#define ML_WARNING_TEXT_MAX   200

/* Postings one event makes on accounts: a grant post touches its own
 * payer account and its parent's (2 + 2 buckets); a payout touches two
 * accounts and one edge. A distribution is the exception: one posting
 * on from and two per share (≤ 1 + 2 × ML_KEY_PARTIES_MAX), kept in
 * room allocated for it (ml_state_internal.h, ml_resolve_shares). */
#define ML_POSTINGS_MAX 6

/* Corrections in one chain (a correction of a correction of … an event).
 * Each correction of the chain walks it down to the event (a log read per
 * link), and so does every answer that asks whether a report or an
 * allocation counts: 100 undo/redo steps on one event is far beyond what
 * bookkeeping needs. */
#define ML_CORRECTION_CHAIN_MAX 100

/* LMDB map: starts small, doubles on MDB_MAP_FULL up to the maximum the
 * operator allows (medeld --map-size), by default 1 TiB of address space. */
#define ML_MAP_BYTES_INITIAL     (64ull * 1024 * 1024)
#define ML_MAP_BYTES_DEFAULT_MAX (1024ull * 1024 * 1024 * 1024)

/* The data file's map counts as this process's resident memory as far as
 * LMDB has read through it (and the kernel maps up to 16 neighbours of a
 * page read, fault-around); a writer appending a million events touched
 * chunks all over the file and held nearly all of it (350 MiB). After a
 * commit that finds more than this many bytes of file pages resident
 * (/proc/self/statm), the writer drops the map's resident pages
 * (ml_store_map_release; they stay in the page cache). 96 MiB keeps a
 * 1M-event append under issue 15's 256 MiB with its heap (~35 MiB). */
#define ML_MAP_RESIDENT_BYTES_MAX (96ull * 1024 * 1024)

/* Walkers a trace's prefetch may be asked for (ml_open_opts
 * .trace_prefetch; ml_prefetch.h): each is a thread with a read
 * transaction, so one of LMDB's 126 reader slots. 32 leaves three
 * quarters of them to other processes; the automatic choice is fewer
 * (ML_PREFETCH_THREADS, docs/performance.md 2026-12-03 h-par). */
#define ML_PREFETCH_THREADS_MAX 32

/* LMDB puts a record whose node (8-byte header + key + value) exceeds
 * the page's node maximum on overflow pages of its own: for the smallest
 * page LMDB uses, 4096 bytes, ((4096 − 16) / 2 & −2) − 2 = 2038 bytes
 * (mdb.c, me_nodemax). Records that are rewritten in place (chunks, day
 * totals) are kept below it: ml_entries.h static_asserts that. */
#define ML_LMDB_PAGE_BYTES_MIN    4096
#define ML_LMDB_NODE_BYTES_MAX    ((((ML_LMDB_PAGE_BYTES_MIN - 16) / 2) & ~1) - 2)
#define ML_LMDB_NODE_HEADER_BYTES 8

/* Named LMDB databases in the environment (see docs/architecture.md). */
#define ML_DBS_MAX 20

/* Text the ledger writes into a caller's buffer, each with its NUL:
 * an integer in decimal (a uint64_t has 20 digits; an int64_t 19 and a
 * sign) — without NUL; a date "YYYY-MM-DD"; a time
 * "YYYY-MM-DDTHH:MM:SS.ffffffZ"; an amount, the longest being INT64_MIN
 * öre, "-92 233 720 368 547 758,08 kr" (29 bytes), 40 leaving room. */
#define ML_INT_TEXT_MAX   20
#define ML_DATE_TEXT_MAX  11
#define ML_TIME_TEXT_MAX  28
#define ML_MONEY_TEXT_MAX 40

/* Human-readable messages: one sentence naming the values involved. */
#define ML_MESSAGE_MAX    512
#define ML_FIELD_NAME_MAX 64

static_assert(ML_MESSAGE_MAX > ML_FIELD_NAME_MAX, "a message names a field");

/* The relations between limits the code relies on. */
static_assert(ML_AMOUNT_MIN_ORE > 0 && ML_AMOUNT_MIN_ORE <= ML_AMOUNT_MAX_ORE,
              "amounts are positive");
static_assert(ML_YEAR_MIN <= ML_YEAR_MAX, "a date range");
static_assert(ML_JSON_INT_MAX == (1LL << 53) - 1, "exact in a double");
static_assert(ML_EVENT_JSON_MAX <= ML_BODY_BYTES_MAX, "one event fits a body");
static_assert(ML_RECORD_BYTES_MAX < ML_EVENT_JSON_MAX,
              "a record is smaller than its JSON");
static_assert(ML_META_MAX + ML_NOTE_MAX + ML_ACTIVITY_MAX < ML_RECORD_BYTES_MAX,
              "the largest legal event's text fits a record");
static_assert(ML_KEY_WEIGHT_MAX * ML_KEY_PARTIES_MAX <= ML_JSON_INT_MAX,
              "a key's total weight is an exact JSON integer");
static_assert(ML_KEY_WEIGHT_MAX <= ML_JSON_INT_MAX, "a weight is exact");
static_assert(ML_KEY_BYTES_MAX <= UINT32_MAX, "a key's length is a u32");
static_assert(ML_EVENTS_LIMIT_DEFAULT <= ML_EVENTS_LIMIT_MAX,
              "the default limit is allowed");
static_assert(ML_PARTIES_MAX < UINT32_MAX && ML_GRANTS_MAX < UINT32_MAX,
              "numbers are u32 in keys");
static_assert(ML_MAP_BYTES_INITIAL <= ML_MAP_BYTES_DEFAULT_MAX,
              "the map starts within its ceiling");

#endif /* ML_LIMITS_H */

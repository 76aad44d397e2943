/*
 * mc_limits.h — every limit of the medel command line in one place.
 *
 * Each MC_<THING>_MAX bounds one buffer, count or wait of the CLI and
 * says why it has that value. Limits the contract sets (a batch, a body,
 * a page of events, a long-poll's wait) are the ledger's (ML_*) or the
 * API layer's (MA_*) and are used here under that one name, so the CLI
 * refuses exactly what the ledger would refuse — and does so before it
 * sends anything, the same way embedded and through the daemon.
 */
#ifndef MC_LIMITS_H
#define MC_LIMITS_H

#include "ma_limits.h"
#include "ml_limits.h"

/* --- input ------------------------------------------------------------ */

/* A spreadsheet for `import-csv`: as many data rows as one batch holds
 * (ML_BATCH_EVENTS_MAX, under that one name), columns for every field an event can have and some slack for a
 * misnamed one (the ledger names it), and a cell as long as the longest
 * field (meta, 4 KiB) with room for its quoting. */
#define MC_CSV_COLUMNS_MAX    64
#define MC_CSV_CELL_BYTES_MAX (2u * ML_META_MAX)

/* Fields given as flags to `record`: one per event field at most. */
#define MC_RECORD_FIELDS_MAX 48

/* --- talking to the ledger -------------------------------------------- */

/* The error document of a failed stream (export, backup): a JSON error
 * object is a few hundred bytes; 64 KiB is generous. */
#define MC_ERROR_BODY_BYTES_MAX (64u * 1024u)

/* A URL (base + path + query) and a Unix socket path. sun_path holds
 * 108 bytes on Linux; curl checks that itself. */
#define MC_URL_BYTES_MAX  (MA_QUERY_BYTES_MAX + 2048)
#define MC_PATH_BYTES_MAX 4096 /* Linux's PATH_MAX */

/* Seconds to connect, and for an ordinary request to be answered. Slow
 * requests (verify, export, backup, a long-poll) have no total limit: a
 * large ledger's verify takes as long as it takes. */
#define MC_CONNECT_TIMEOUT_S 10
#define MC_REQUEST_TIMEOUT_S 300

/* `log --follow` holds each long-poll MA_WAIT_S_MAX and asks pages of
 * ML_EVENTS_LIMIT_MAX events; embedded mode, which has no daemon to wake
 * it, looks again this often. */
#define MC_EMBED_POLL_MS 200

/* Embedded, cJSON's allocations while one batch of events is decoded come
 * from a region kept for the run (mc_embed.c) and are dropped together
 * after it. A batch of 10 000 events of ~150 bytes makes a tree of about
 * 9 MiB; beyond the region cJSON falls back to malloc. */
#define MC_EMBED_JSON_REGION_BYTES (16u * 1024 * 1024)

/* --- output ----------------------------------------------------------- */

/* An answer medel parses only to read (a trace for its tree, the names
 * of parties and grants) is parsed into an ml_arena (mc_json_parse_in):
 * its tree is at most this many bytes, about ten times the largest
 * answer (MA_ANSWER_BYTES_MAX): a cJSON node is 64 bytes for a value of
 * a few. */
#define MC_JSON_ARENA_BYTES_MAX (1024u * 1024u * 1024u)

/* Columns of a human table, and the bytes of text its cells may take
 * (its rows are bounded by ML_ANSWER_ROWS_MAX, as the answer's are). */
#define MC_TABLE_COLUMNS_MAX    16
#define MC_TABLE_TEXT_BYTES_MAX (256u * 1024u * 1024u)

/* One line of human output built in memory before it is printed: a log
 * line's words, a tree label, a table heading, where an error is. The
 * longest is an event's text fields together (activity 500, unit 200,
 * names, ids, a note of 1000 bytes) — 8 KiB holds it with room. */
#define MC_LINE_BYTES_MAX (8u * 1024u)

/* `medel --db … --json log` writes its page as the events come from the
 * log, in pieces of this size: one write(2) per ~130 events at export's
 * ~480 bytes an event, and a buffer that stays in the cache. It holds at
 * most this plus one event (ML_EVENT_JSON_MAX and its two hashes). */
#define MC_LOG_JSON_FLUSH_BYTES (64u * 1024u)
#define MC_LOG_JSON_BYTES_MAX   (MC_LOG_JSON_FLUSH_BYTES + 2 * ML_EVENT_JSON_MAX)

/* Display columns of a free-text label (an activity, a party name) in a
 * table or tree before it is cut with "…". */
#define MC_LABEL_COLS_MAX 60

/* A party's or grant's name in a table column is cut to this many
 * display columns ("…"), so a long committee name does not push the
 * amounts off the screen; MC_NAME_BYTES_MAX holds it (4 bytes a column
 * at most, and the "…"). */
#define MC_NAME_COLS_MAX  36
#define MC_NAME_BYTES_MAX (4 * MC_NAME_COLS_MAX + 8)

/* How deep the trace's tree may nest. A grant's chain is a handful of
 * levels; 64 is far beyond any real one and keeps the recursion bounded
 * even on a malformed answer. (The trace model's own bounds are the API
 * layer's, MA_TRACE_*_MAX in ma_limits.h.) */
#define MC_TREE_DEPTH_MAX 64

/* Progress on stderr: at most this often. */
#define MC_PROGRESS_INTERVAL_MS 100

#endif /* MC_LIMITS_H */

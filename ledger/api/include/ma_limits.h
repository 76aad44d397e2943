/*
 * ma_limits.h — the limits of the API layer, in one place.
 *
 * Each MA_<THING>_MAX bounds what one request may ask of the router: its
 * query, how long it may wait, how big an answer or a decoded batch may
 * grow. They hold for every host alike (medeld, medel --db, medel --url),
 * which is why they live here and not in a host's limits header. Limits
 * of the contract that the ledger itself enforces (a batch of 10 000
 * events, a body of 8 MiB, a page of the log) are the ledger's
 * (ml_limits.h) and are used under their one name, ML_*.
 */
#ifndef MA_LIMITS_H
#define MA_LIMITS_H

#include "ml_limits.h"

/* The raw query string of a request. The longest legal one names a grant
 * (128 bytes, ×3 if fully percent-encoded) and a dozen short values. */
#define MA_QUERY_BYTES_MAX 2048

/* Distinct parameters in one query: more than any endpoint takes, so a
 * query longer than this is refused as bad_query before it is walked. */
#define MA_QUERY_PARAMS_MAX 16

/* A bearer token a client presents: 1 ..= 256 printable ASCII bytes.
 * medeld refuses a longer one and medel will not send it. */
#define MA_TOKEN_BYTES_MAX 256

/* GET /v1/events?wait=S: S ≤ 60 (API.md). */
#define MA_WAIT_S_MAX 60

/* A read answer built in memory (GET /v1/events with limit=10000 of the
 * largest events is the biggest). Past it the answer is 413 too_large. */
#define MA_ANSWER_BYTES_MAX (96u * 1024u * 1024u)

/* The memory one POST's decoded batch may take: its events (10 000 ×
 * ~400 bytes of struct), their strings (at most the body's 8 MiB) and the
 * results. Twice the worst case measured, so only a bug reaches it. */
#define MA_APPEND_ARENA_BYTES_MAX (48u * 1024u * 1024u)

/* The "warnings" of one POST's answer as JSON: at most
 * ML_EVENT_WARNINGS_MAX (6) per event of ML_BATCH_EVENTS_MAX (10 000), each
 * under 512 bytes (keys, index, field, code and a message of at most
 * ML_WARNING_TEXT_MAX bytes, an org_no in it escaped at worst six times
 * over): 30 MiB. Only a bug reaches the ceiling. */
#define MA_WARNINGS_BYTES_MAX (32u * 1024u * 1024u)

/* An export is written in parts of about this many bytes, each read in
 * its own read transaction (ma_stream.c): small enough that no snapshot
 * is held for long, big enough that opening transactions costs nothing.
 * A part passes it by at most one event (a few KiB); the buffer's
 * ceiling is far above. */
#define MA_EXPORT_PART_BYTES     (64u * 1024u)
#define MA_EXPORT_PART_BYTES_MAX (1024u * 1024u)

_Static_assert(MA_EXPORT_PART_BYTES + ML_EVENT_JSON_MAX <=
                   MA_EXPORT_PART_BYTES_MAX,
               "an export part may pass its size by one event");

/* --- the formats of an answer (ma_format.c) ----------------------------- */

/* The trace model (ma_trace.h): the parties (nodes) a CSV, a picture, a
 * tree or a graph is drawn from. A grant's chain has tens of parties;
 * this is far beyond any real one and bounds the model's depth walk on a
 * malformed answer. Its flows and activities are bounded as the answer's
 * rows are (ML_ANSWER_ROWS_MAX), so the model takes whatever the ledger
 * may answer. */
#define MA_TRACE_NODES_MAX 10000

/* The SVG picture (ma_trace_svg.c): columns of nodes (depths of the
 * chain plus the sources and sinks; a chain deeper than this is drawn
 * with its deepest parties in the last column, which also bounds the
 * depth walk), and sinks drawn at the right before the picture is
 * refused as unreadable (413, "ask for format=csv"). */
#define MA_SVG_COLUMNS_MAX 32
#define MA_SVG_SINKS_MAX   80

#endif /* MA_LIMITS_H */

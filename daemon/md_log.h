/*
 * md_log.h — medeld's log: one line per request or event, key=value.
 *
 * Every line goes to stderr whole in one write(2) (an event loop's
 * request lines several at a time: md_logbatch below), so lines from the
 * event loops and the writer thread never interleave, and starts with the
 * time and the level:
 *
 *   ts=2021-01-15T09:30:00.000000Z level=info event=request method=GET
 *   path=/v1/balances status=200 us=412 id=5f0c… who=alice
 *
 * Values are written bare when they are made of safe characters and
 * quoted ("…", with \" \\ and \xNN escapes) otherwise, so a line always
 * splits unambiguously on spaces and '='. Nothing secret is ever passed
 * in: callers never hand the log a token or an Authorization header.
 *
 * A line is built in a fixed buffer of MD_LOG_LINE_MAX bytes; what does not
 * fit is cut and the line ends in "…" — the log never allocates.
 */
#ifndef MD_LOG_H
#define MD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "md_limits.h"

enum md_log_level { MD_LOG_ERROR, MD_LOG_WARN, MD_LOG_INFO, MD_LOG_DEBUG };

/* "error", "warn", "info", "debug" → *out. Returns 0 or -1. */
int md_log_level_parse(const char *s, enum md_log_level *out);

/* Sets the level (before any thread starts). Default: info. */
void md_log_set_level(enum md_log_level level);

/* Whether lines of this level are written. */
bool md_log_enabled(enum md_log_level level);

/* A line under construction. */
struct md_logline {
	enum md_log_level level;
	size_t len;
	bool cut;
	char buf[MD_LOG_LINE_MAX];
};

/* Starts a line: ts=… level=… event=<event>. */
void md_logline_start(struct md_logline *l, enum md_log_level level,
                      const char *event);
/* Appends " key=value", quoting value when needed; NULL value writes "-". */
void md_logline_str(struct md_logline *l, const char *key, const char *value);
/* The same for value[0..len). */
void md_logline_mem(struct md_logline *l, const char *key, const char *value,
                    size_t len);
/* The same for a query string, with the value of every parameter that
 * carries a credential (access_token, token, api_key, key, password; the
 * name compared without case, after percent-decoding) written as
 * [redacted]: no credential ever reaches the log. */
void md_logline_query(struct md_logline *l, const char *key, const char *query);
void md_logline_u64(struct md_logline *l, const char *key, uint64_t value);
void md_logline_i64(struct md_logline *l, const char *key, int64_t value);
/* Writes the line (if its level is enabled) with a newline. */
void md_logline_end(struct md_logline *l);

/* Request lines of one event loop, gathered and written together.
 *
 * A loop answers many requests per pass (one per ready connection), and a
 * write(2) per request line was ~5 % of a cached answer's CPU
 * (docs/performance.md, 2026-12-03 h-md). So the loop's request lines go
 * into its batch, and the batch is written, with one write(2) of whole
 * lines:
 *   - before the loop hands any answer's first bytes to the kernel
 *     (md_door.c), so a line is written no later than before its answer
 *     leaves, as when every line was written at once;
 *   - at the end of the loop's pass that filled it (an event the loop
 *     activates for it), for answers that leave later (over TLS);
 *   - when the next line would not fit (MD_LOG_BATCH_BYTES), and when the
 *     loop ends.
 * A crash loses at most the lines in the batch: those of requests whose
 * answers had not been handed to the kernel either. Used by the loop's
 * thread only; other threads write their lines directly. */
struct md_logbatch {
	size_t len; /* ≤ MD_LOG_BATCH_BYTES */
	char buf[MD_LOG_BATCH_BYTES];
};

_Static_assert(MD_LOG_LINE_MAX <= MD_LOG_BATCH_BYTES,
               "a batch holds at least one line");

/* Ends l (as md_logline_end) into b, writing b first when l would not
 * fit. Returns true when b was empty before: the caller arranges the
 * flush. */
bool md_logline_end_batch(struct md_logline *l, struct md_logbatch *b);
/* Writes what b holds (one write(2)) and empties it. */
void md_logbatch_flush(struct md_logbatch *b);

/* A whole line with a formatted msg="…": md_log(MD_LOG_WARN, "tokens",
 * "cannot reload %s: %s", path, why). */
void md_log(enum md_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* MD_LOG_H */

/*
 * ml_export.h — the whole log (or one grant's part) in formats other
 * tools read: JSON Lines, CSV for Swedish spreadsheets, a hledger/ledger
 * journal, a beancount file.
 *
 * An export is a cursor over a fixed set of events — those stored when it
 * began — produced in parts of bounded size. It does not hold a read
 * transaction between parts: each ml_export_next takes any read
 * transaction of the same ledger, so a daemon streaming to a slow client
 * never pins an old snapshot (the log is append-only: the events ≤ the
 * head seen at begin are the same in every later snapshot).
 *
 * JSON Lines and CSV follow the log (seq order). The journal formats are
 * sorted by date (then seq), as hledger and ledger expect, and name
 * accounts so that the balance of each (grant, party, bucket) read back
 * with `hledger bal -e D` equals `medel balance --as-of D-1` (the tools'
 * end dates are exclusive). ml_export.c's opening comment and
 * docs/export.md describe every format: columns, account naming, how
 * transactions balance, how corrections appear.
 */
#ifndef ML_EXPORT_H
#define ML_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "ml_buf.h"
#include "ml_error.h"
#include "ml_ledger.h"

enum ml_export_format {
	ML_EXPORT_JSONL,
	ML_EXPORT_CSV,
	ML_EXPORT_LEDGER,
	ML_EXPORT_BEANCOUNT
};

/* "jsonl", "csv", "ledger", "beancount" → *f. ML_E_BAD_QUERY otherwise. */
int ml_export_format_from_name(const char *name, enum ml_export_format *f);

/* The HTTP Content-Type of a format ("application/x-ndjson", …). */
const char *ml_export_content_type(enum ml_export_format f);

struct ml_export;

/* Can an export of grant begin? 0 when the grant exists; ML_E_NOT_FOUND
 * naming it when not (what ml_export_begin would say), before anything
 * is read or sent. */
int ml_export_check_grant(struct ml_ledger *lg, struct ml_read *rd,
                          const char *grant, struct ml_errinfo *err);

/* Begins an export of every event stored in txn's snapshot, or only
 * those of grant (and its posts) when grant is not NULL (ML_E_NOT_FOUND
 * when no such grant). The journal formats and a grant filter read the
 * whole log here once (memory: bounded, an external sort with 8 MiB in
 * memory and 16 bytes per exported event in a temporary file under
 * TMPDIR, ml_export_sort.h); JSON Lines and CSV of the whole log read
 * nothing until ml_export_next. Errors: ML_E_NOT_FOUND, ML_E_BAD_QUERY
 * (f out of range), ML_E_NOMEM, ML_E_IO (the temporary file),
 * ML_E_TOO_LARGE (more events than the sort can merge), storage errors;
 * err (may be NULL) says which. *out is the caller's until
 * ml_export_end; it holds no transaction. */
int ml_export_begin(struct ml_ledger *lg, struct ml_read *rd,
                    enum ml_export_format f, const char *grant,
                    struct ml_export **out, struct ml_errinfo *err);

/* Appends the next part, roughly max_bytes, to out, reading with txn (any
 * read transaction of the ledger, opened after begin). A part is made of
 * whole pieces (the header, one event, one beancount open): at least one,
 * then more while under max_bytes, so it may pass max_bytes by one
 * piece (an event is at most a few KiB). How parts are cut never changes
 * the bytes. *done is true when nothing is left. On an error (out's
 * ceiling: ML_E_TOO_LARGE; ML_E_NOMEM; storage) out keeps only the whole
 * pieces written before it and x stands after them, so a call with more
 * room goes on from there. */
int ml_export_next(struct ml_export *x, struct ml_read *rd, struct ml_buf *out,
                   size_t max_bytes, bool *done);

/* Frees x. NULL is fine. */
void ml_export_end(struct ml_export *x);

#endif /* ML_EXPORT_H */

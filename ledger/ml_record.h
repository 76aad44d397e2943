/*
 * ml_record.h — the compact binary form of a stored event.
 *
 * The log stores events as records, not JSON text: a fixed 88-byte header
 * (format version, type, date, the mask of present fields, recorded_at,
 * prev_hash, hash) followed by the present fields in canonical order,
 * strings as a 16-bit length and their bytes, integers little-endian. The
 * seq is the record's key, not part of it. A record is typically 150–300
 * bytes where the JSON is 250–450, and decoding it is a walk with no
 * parsing and no allocation: strings point into the record itself.
 *
 * Every record is checked when decoded (version, type, allowed fields,
 * every length inside the record); a record that fails is ML_E_CORRUPT,
 * never a crash.
 */
#ifndef ML_RECORD_H
#define ML_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ml_buf.h"
#include "ml_event.h"

#define ML_RECORD_VERSION      1
#define ML_RECORD_HEADER_BYTES 88

/* Encodes a stored event (type, date, fields, recorded_at, recorded_by,
 * prev_hash, hash; not seq) into out (appending). Returns 0,
 * ML_E_TOO_LARGE or ML_E_NOMEM. */
int ml_record_encode(const struct ml_event *ev, struct ml_buf *out);

/* Decodes rec[0..len) into *ev with ev->seq = seq. The event's strings
 * point into rec and live as long as it does (for an LMDB value: until the
 * transaction ends). Returns 0 or ML_E_CORRUPT. */
int ml_record_decode(const void *rec, size_t len, uint64_t seq,
                     struct ml_event *ev);

/* Reads only the header fields a scan needs, without decoding the rest.
 * Returns 0 or ML_E_CORRUPT. */
int ml_record_peek(const void *rec, size_t len, enum ml_type *type,
                   ml_day *date, int64_t *recorded_at_us);

#endif /* ML_RECORD_H */

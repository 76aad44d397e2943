/*
 * ml_json.h — events to and from JSON.
 *
 * Decoding is strict (API.md: unknown fields are errors, not ignored). A
 * request body is first checked as text — valid UTF-8, no raw control
 * characters or \u0000 inside strings, integers only (no fraction or
 * exponent), bounded nesting — then parsed by cJSON, then each event is
 * decoded against the schema of its type. Every failure names the field
 * and the event's index in the batch.
 *
 * Encoding writes the form DOMAIN.md defines as canonical: keys sorted by
 * code point, no insignificant whitespace, only the escapes JSON requires
 * (control characters as lower-case \u00xx), everything else raw UTF-8,
 * numbers as integers. Python's json.dumps(e, sort_keys=True,
 * separators=(',', ':'), ensure_ascii=False) gives the same bytes. The API
 * returns events in exactly this form, hashes included, so the bytes a
 * client sees are the bytes that were hashed (minus the two hash fields).
 *
 * Why not cJSON_Print for this: it neither sorts keys nor prints every
 * integer up to 10^15 without an exponent ("1e+15"), and the canonical
 * form must be exact. cJSON does all the parsing.
 */
#ifndef ML_JSON_H
#define ML_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ml_buf.h"
#include "ml_error.h"
#include "ml_event.h"

/* Which fields an encoding includes. */
enum ml_json_form {
	ML_JSON_SUBMITTED, /* what the client sent: no stored fields */
	ML_JSON_CANONICAL, /* what is hashed: all but hash and prev_hash */
	ML_JSON_STORED     /* what the API returns: everything */
};

/* Checks body[0..len) as JSON text before cJSON sees it: UTF-8, no NUL,
 * no raw control bytes or \u0000 in strings, no non-integer numbers,
 * nesting ≤ 64. On a non-integer number the error names the batch index
 * and field where it was found. Returns 0 or ML_E_INVALID_JSON /
 * ML_E_INVALID_FIELD with err filled. */
int ml_json_prescan(const char *body, size_t len, struct ml_errinfo *err);

/* ml_json_prescan, and *separators_out the commas between the elements
 * of the top-level array: when the body is one array that cJSON then
 * parses, it has that many plus one elements, or none. Counted here, a
 * batch's length needs no walk of cJSON's list (cJSON_GetArraySize). */
int ml_json_prescan_count(const char *body, size_t len, int32_t *separators_out,
                          struct ml_errinfo *err);

/* Parses a POST /v1/events body: one event object or an array of 1 ..=
 * ML_BATCH_EVENTS_MAX of them. On success *events_out is an array of
 * *count_out events allocated in arena, their strings in arena too (the
 * cJSON tree is freed before return). Errors: ML_E_INVALID_JSON,
 * ML_E_TOO_LARGE (body or batch too big), and every decode error of
 * ml_json_decode_event, with err naming index and field. */
int ml_json_parse_batch(const char *body, size_t len, struct ml_arena *arena,
                        struct ml_event **events_out, size_t *count_out,
                        struct ml_errinfo *err);

/* What ml_json_parse_tree does with cJSON's tree of the body when it is
 * done with it. */
enum ml_json_tree {
	ML_JSON_TREE_DELETE, /* cJSON_Delete: frees it node by node */
	/* Leaves it: cJSON's allocator hooks (cJSON_InitHooks) point at a
	 * region that the caller empties after the call, in a process of one
	 * thread (medel --db); the walk of cJSON_Delete over a batch of
	 * 10 000 events was 3 % of a whole `medel append`. With malloc's
	 * hooks this leaks the tree. */
	ML_JSON_TREE_LEAVE
};

/* ml_json_parse_batch, the tree of the body deleted or left by tree. */
int ml_json_parse_tree(const char *body, size_t len, enum ml_json_tree tree,
                       struct ml_arena *arena, struct ml_event **events_out,
                       size_t *count_out, struct ml_errinfo *err);

/* Decodes one cJSON object into *ev, copying strings into arena.
 * index is reported in err. Errors: ML_E_INVALID_JSON (not an object,
 * duplicate key), ML_E_MISSING_FIELD, ML_E_UNKNOWN_FIELD,
 * ML_E_UNKNOWN_TYPE, ML_E_INVALID_FIELD, ML_E_AMOUNT_RANGE,
 * ML_E_DATE_RANGE, ML_E_NOMEM. */
int ml_json_decode_event(const cJSON *obj, int32_t index,
                         struct ml_arena *arena, struct ml_event *ev,
                         struct ml_errinfo *err);

/* Appends the event as JSON in the given form to out. Returns 0,
 * ML_E_TOO_LARGE or ML_E_NOMEM. */
int ml_json_write_event(const struct ml_event *ev, enum ml_json_form form,
                        struct ml_buf *out);

/* Appends s[0..len) as a JSON string with DOMAIN.md's escaping. */
int ml_json_write_string(struct ml_buf *out, const char *s, size_t len);

/* Converts a cJSON object to canonical JSON text in out: keys sorted,
 * integers only (|n| ≤ 2^53), depth ≤ ML_META_DEPTH_MAX, no duplicate
 * keys. Used for meta. Errors ML_E_INVALID_FIELD with a reason in why. */
int ml_json_canonical_value(const cJSON *item, struct ml_buf *out, char *why,
                            size_t why_size);

/* Lower-case hex of 32 bytes into hex (≥ 65 bytes, NUL-terminated). */
void ml_hex32(const uint8_t bytes[32], char *hex);

#endif /* ML_JSON_H */

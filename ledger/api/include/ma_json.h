/*
 * ma_json.h — reading the API's own JSON answers back.
 *
 * The formats of an answer (CSV, the SVG trace) are rendered from the
 * cJSON document the API would print as JSON, and medel's tables read
 * the same documents from a body; both read members with these. cJSON
 * holds numbers as doubles, which hold every integer up to 2^53 exactly.
 * The ledger writes integers only, and every amount (≤ 10^15 öre) and
 * realistic sum is far below 2^53, so an integer is accepted only when
 * the double is whole and within ±ML_JSON_INT_MAX: a number that might
 * have been rounded is refused, never shown wrong.
 *
 * Every function takes NULL for obj (and then finds nothing), so a
 * missing parent needs no check of its own. Strings returned point into
 * obj and live as long as it.
 */
#ifndef MA_JSON_H
#define MA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ma_limits.h"

/* A member's string, or NULL when absent or not a string. */
const char *ma_json_str(const cJSON *obj, const char *name);
/* A member's exact integer into *out: 0, or -1 when absent, not a
 * number, not whole or beyond ±ML_JSON_INT_MAX. A raw member (the
 * ledger's exact integers, ml_json_add_int, before the document is
 * printed) is read as its decimal digits. */
int ma_json_int(const cJSON *obj, const char *name, int64_t *out);
/* The integers named names[0..n) into out[0..n): 0, or -1 when any is
 * missing or not exact (the answer is then not one that can be shown). */
int ma_json_ints(const cJSON *obj, const char *const *names, size_t n,
                 int64_t *out);
/* A member's boolean (false when absent). */
bool ma_json_bool(const cJSON *obj, const char *name);
/* An array member, or NULL. */
const cJSON *ma_json_array(const cJSON *obj, const char *name);
/* The first element of array whose member name is the string value
 * ("the grant g of grants"), or NULL (also when value is NULL). */
const cJSON *ma_json_find(const cJSON *array, const char *name,
                          const char *value);

#endif /* MA_JSON_H */

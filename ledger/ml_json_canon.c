/*
 * ml_json_canon.c — any JSON value (meta) to canonical text.
 *
 * Objects are written with their keys sorted by code point. Byte order of
 * UTF-8 is code point order, so memcmp of the keys sorts them exactly as
 * Python's sort_keys does. Duplicate keys are an error (Python would keep
 * the last one silently; an auditor should not have to guess). Numbers
 * must be integers within ±2^53; depth is bounded by ML_META_DEPTH_MAX.
 * The output is bounded by the buffer's ceiling (ML_META_MAX for meta).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_json.h"

static int ml_canon(const cJSON *item, int depth, struct ml_buf *out, char *why,
                    size_t why_size);

static int ml_key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static int ml_canon_number(const cJSON *item, struct ml_buf *out, char *why,
                           size_t why_size)
{
	double v = item->valuedouble;
	if (!isfinite(v) || v != floor(v) ||
	    fabs(v) > (double)ML_JSON_INT_MAX) {
		snprintf(why, why_size,
		         "numbers must be integers within ±2^53");
		return ML_E_INVALID_FIELD;
	}
	return ml_buf_add_i64(out, (int64_t)v);
}

static int ml_canon_members(const cJSON **kids, int n, int depth,
                            struct ml_buf *out, char *why, size_t why_size)
{
	int rc = ml_buf_add_char(out, '{');
	ML_ASSERT(n >= 0 && depth <= ML_META_DEPTH_MAX);
	for (int i = 0; rc == 0 && i < n; i++) {
		if (i > 0 &&
		    strcmp(kids[i - 1]->string, kids[i]->string) == 0) {
			snprintf(why, why_size, "key '%.40s' appears twice",
			         kids[i]->string);
			return ML_E_INVALID_FIELD;
		}
		if (i > 0)
			rc = ml_buf_add_char(out, ',');
		if (rc == 0)
			rc = ml_json_write_string(out, kids[i]->string,
			                          strlen(kids[i]->string));
		if (rc == 0)
			rc = ml_buf_add_char(out, ':');
		if (rc == 0)
			rc = ml_canon(kids[i], depth + 1, out, why, why_size);
	}
	return rc == 0 ? ml_buf_add_char(out, '}') : rc;
}

static int ml_canon_object(const cJSON *item, int depth, struct ml_buf *out,
                           char *why, size_t why_size)
{
	int n = cJSON_GetArraySize(item);
	if ((size_t)n > out->max_bytes / 4 + 1) {
		snprintf(why, why_size, "too many keys");
		return ML_E_TOO_LARGE;
	}
	const cJSON **kids = malloc(sizeof *kids * (size_t)(n ? n : 1));
	if (kids == NULL)
		return ML_E_NOMEM;
	int i = 0;
	const cJSON *k;
	cJSON_ArrayForEach(k, item) kids[i++] = k;
	qsort(kids, (size_t)n, sizeof *kids, ml_key_cmp);
	int rc = ml_canon_members(kids, n, depth, out, why, why_size);
	free(kids);
	return rc;
}

static int ml_canon_array(const cJSON *item, int depth, struct ml_buf *out,
                          char *why, size_t why_size)
{
	int rc = ml_buf_add_char(out, '[');
	const cJSON *k;
	bool first = true;
	cJSON_ArrayForEach(k, item)
	{
		if (rc == 0 && !first)
			rc = ml_buf_add_char(out, ',');
		first = false;
		if (rc == 0)
			rc = ml_canon(k, depth + 1, out, why, why_size);
		if (rc != 0)
			return rc;
	}
	return rc == 0 ? ml_buf_add_char(out, ']') : rc;
}

static int ml_canon(const cJSON *item, int depth, struct ml_buf *out, char *why,
                    size_t why_size)
{
	/* Each level checks before it descends: the recursion is bounded. */
	ML_ASSERT(depth >= 1 && depth <= ML_META_DEPTH_MAX + 1);
	if (depth > ML_META_DEPTH_MAX) {
		snprintf(why, why_size, "nested deeper than %d levels",
		         ML_META_DEPTH_MAX);
		return ML_E_INVALID_FIELD;
	}
	if (cJSON_IsObject(item))
		return ml_canon_object(item, depth, out, why, why_size);
	if (cJSON_IsArray(item))
		return ml_canon_array(item, depth, out, why, why_size);
	if (cJSON_IsString(item))
		return ml_json_write_string(out, item->valuestring,
		                            strlen(item->valuestring));
	if (cJSON_IsNumber(item))
		return ml_canon_number(item, out, why, why_size);
	if (cJSON_IsBool(item))
		return ml_buf_add_str(out,
		                      cJSON_IsTrue(item) ? "true" : "false");
	if (cJSON_IsNull(item))
		return ml_buf_add_str(out, "null");
	snprintf(why, why_size, "holds a value that is not JSON");
	return ML_E_INVALID_FIELD;
}

int ml_json_canonical_value(const cJSON *item, struct ml_buf *out, char *why,
                            size_t why_size)
{
	return ml_canon(item, 1, out, why, why_size);
}

/*
 * ml_answer.c — what every answer shares: the query's defaults, the view,
 * exact integers in cJSON, resolving filter names and sorting by id.
 *
 * The answers (ml_answer_*.c) each read one snapshot through the state's
 * query primitives (ml_state.h) and build the JSON document of API.md.
 * A view is as_of plus, for known_at, the last seq recorded at or before
 * that time: recorded_at grows with seq, so "recorded ≤ T" is "seq ≤
 * known_seq" (one binary search over the log, ml_log_seq_at_time).
 *
 * Money goes into cJSON as a raw decimal string (ml_json_add_int): cJSON
 * keeps numbers as doubles and would print 10^15 as 1e+15 and lose
 * anything above 2^53. Ids and names come from LMDB pages as byte ranges
 * without a NUL; ml_json_add_str copies them. All ordering is by id in
 * code point (byte) order, never by interned number, which is the order
 * of first definition.
 */
#include "ml_answer_internal.h"
#include "ml_assert.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_buf.h"
#include "ml_date.h"
#include "ml_json.h"
#include "ml_limits_internal.h"
#include "ml_log.h"

void ml_query_init(struct ml_query *q)
{
	memset(q, 0, sizeof *q);
	q->as_of = ml_date_today();
}

cJSON *ml_json_add_int(cJSON *obj, const char *name, int64_t v)
{
	/* Every answer adds ~13 integers a row: the digits are written by
	 * hand (snprintf was a fifth of a balances answer) and the key is
	 * not copied, because every caller passes a literal or an entry of
	 * a static table (ml_bucket_names) — see ml_answer.h. */
	char text[24], *p = text + sizeof text - 1;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	cJSON *item = cJSON_CreateRaw(p);
	if (item == NULL)
		return NULL;
	if (!cJSON_AddItemToObjectCS(obj, name, item)) {
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}

cJSON *ml_json_add_date(cJSON *obj, const char *name, ml_day day)
{
	char text[ML_DATE_TEXT_MAX];
	return cJSON_AddStringToObject(obj, name,
	                               ml_date_format(day, text, sizeof text));
}

int ml_json_print(const cJSON *doc, struct ml_buf *out)
{
	char *text = cJSON_PrintUnformatted(doc);
	if (text == NULL)
		return ML_E_NOMEM;
	int rc = ml_buf_add_str(out, text);
	cJSON_free(text);
	return rc;
}

cJSON *ml_json_add_str(cJSON *obj, const char *name, struct ml_str s)
{
	char *z = malloc((size_t)s.len + 1);
	if (z == NULL)
		return NULL;
	if (s.len > 0)
		memcpy(z, s.ptr, s.len);
	z[s.len] = '\0';
	cJSON *item = cJSON_AddStringToObject(obj, name, z);
	free(z);
	return item;
}

cJSON *ml_json_push_object(cJSON *arr)
{
	cJSON *obj = cJSON_CreateObject();
	if (obj != NULL && !cJSON_AddItemToArray(arr, obj)) {
		cJSON_Delete(obj);
		obj = NULL;
	}
	return obj;
}

int ml_ans_begin(struct ml_ledger *lg, MDB_txn *txn, const struct ml_query *q,
                 struct ml_ans *a, struct ml_errinfo *err)
{
	memset(a, 0, sizeof *a);
	a->lg = lg;
	a->st = ml_ledger_store(lg);
	a->txn = txn;
	a->q = q;
	a->err = err;
	ml_errinfo_clear(err);
	if (q->as_of < 0 || q->as_of > ML_DAY_MAX)
		return ml_fail(
		    err, ML_E_BAD_QUERY, -1, "as_of",
		    "as_of: is not between 1900-01-01 and 2199-12-31");
	a->v.as_of = q->as_of;
	a->v.known = q->has_known_at;
	ML_ASSERT(a->st != NULL && err != NULL); /* answers fill an errinfo */
	if (!q->has_known_at)
		return 0;
	int rc =
	    ml_log_seq_at_time(a->st, txn, q->known_at_us, &a->v.known_seq);
	if (rc != 0)
		return ml_fail(err, rc, -1, NULL, "reading the log: %s",
		               ml_strerror(rc));
	return 0;
}

int ml_ans_find(struct ml_ans *a, enum ml_name_kind k, const char *id,
                const char *param, uint32_t *no)
{
	const char *what = k == ML_NAME_PARTY ? "party" : "grant";
	int rc = ml_state_lookup(a->st, a->txn, k, ml_str_c(id), no);
	if (rc != 0)
		return ml_fail(a->err, rc, -1, param, "%s: %s", param,
		               ml_strerror(rc));
	if (*no == 0)
		return ml_fail(a->err, ML_E_NOT_FOUND, -1, param,
		               "%s: no %s '%.*s'", param, what,
		               (int)strnlen(id, ML_GRANT_ID_MAX + 1), id);
	return 0;
}

int ml_str_cmp(struct ml_str x, struct ml_str y)
{
	ML_ASSERT((x.ptr != NULL || x.len == 0) &&
	          (y.ptr != NULL || y.len == 0));
	uint32_t n = x.len < y.len ? x.len : y.len;
	int c = n > 0 ? memcmp(x.ptr, y.ptr, n) : 0;
	if (c != 0)
		return c;
	return x.len < y.len ? -1 : x.len > y.len ? 1 : 0;
}

int ml_named_cmp(const void *x, const void *y)
{
	const struct ml_named *a = x, *b = y;
	return ml_str_cmp(a->id, b->id);
}

int ml_ans_named(struct ml_ans *a, enum ml_name_kind k, uint32_t no,
                 struct ml_named *n)
{
	n->no = no;
	int rc = ml_state_name(a->st, a->txn, k, no, &n->id);
	if (rc == ML_E_NOT_FOUND)
		rc = ML_E_CORRUPT; /* a number in use always has a name */
	if (rc != 0)
		return ml_fail(a->err, rc, -1, NULL,
		               "reading the name of %s number %u: %s",
		               k == ML_NAME_PARTY ? "party" : "grant", no,
		               ml_strerror(rc));
	return 0;
}

bool ml_ans_add_known(const struct ml_ans *a, cJSON *obj, bool null_if_absent)
{
	if (!a->q->has_known_at)
		return !null_if_absent ||
		       cJSON_AddNullToObject(obj, "known_at") != NULL;
	char text[ML_TIME_TEXT_MAX];
	ml_time_format(a->q->known_at_us, text, sizeof text);
	return cJSON_AddStringToObject(obj, "known_at", text) != NULL;
}

cJSON *ml_ans_doc_as_of(const struct ml_ans *a)
{
	cJSON *doc = cJSON_CreateObject();
	if (doc != NULL && ml_json_add_date(doc, "as_of", a->v.as_of) == NULL) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	return doc;
}

int ml_ans_nomem(struct ml_ans *a)
{
	return ml_fail(a->err, ML_E_NOMEM, -1, NULL,
	               "out of memory building the answer");
}

/* "key": after a comma unless first; key needs no escape (asserted). */
int ml_ans_text_key(struct ml_buf *b, bool first, const char *key)
{
	/* one reservation for `,"key":` (four appends, each checking the
	 * room, were a twentieth of a statement written as text) */
	size_t n = strlen(key);
	ML_ASSERT(strpbrk(key, "\"\\") == NULL);
	char *o = NULL;
	int rc = ml_buf_room(b, n + 4, &o);
	if (rc != 0)
		return rc;
	char *start = o;
	if (!first)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	ml_buf_commit(b, (size_t)(o - start));
	return 0;
}

int ml_ans_text_int(struct ml_buf *b, bool first, const char *key, int64_t v)
{
	int rc = ml_ans_text_key(b, first, key);
	return rc == 0 ? ml_buf_add_i64(b, v) : rc;
}

int ml_ans_text_str(struct ml_buf *b, bool first, const char *key,
                    struct ml_str s)
{
	int rc = ml_ans_text_key(b, first, key);
	return rc == 0 ? ml_json_write_string(b, s.ptr, s.len) : rc;
}

int ml_ans_text_date(struct ml_buf *b, bool first, const char *key, ml_day day)
{
	char text[ML_DATE_TEXT_MAX];
	return ml_ans_text_str(
	    b, first, key, ml_str_c(ml_date_format(day, text, sizeof text)));
}

int ml_ans_row_check(struct ml_ans *a, size_t row_bytes, int rc)
{
	/* The row's buffer stops at ML_ANSWER_ROW_BYTES_MAX itself; a unit
	 * test lowers the limit here to see the refusal. */
	ML_ASSERT(ml_limits_now.answer_row_bytes_max <=
	          ML_ANSWER_ROW_BYTES_MAX);
	if (rc == 0 && row_bytes > ml_limits_now.answer_row_bytes_max)
		rc = ML_E_TOO_LARGE;
	if (rc == ML_E_TOO_LARGE)
		return ml_fail(a->err, rc, -1, NULL,
		               "a row of the answer would exceed %zu bytes",
		               ml_limits_now.answer_row_bytes_max);
	return rc != 0 ? ml_ans_nomem(a) : 0;
}

int ml_ans_add_raw(struct ml_ans *a, cJSON *parent, const char *name,
                   const char *text)
{
	cJSON *raw = cJSON_CreateRaw(text);
	bool ok = raw != NULL &&
	          (name == NULL ? cJSON_AddItemToArray(parent, raw)
	                        : cJSON_AddItemToObject(parent, name, raw));
	if (!ok) {
		cJSON_Delete(raw);
		return ml_ans_nomem(a);
	}
	return 0;
}

int ml_ans_add_text(struct ml_ans *a, cJSON *parent, const char *name,
                    const struct ml_buf *b, int rc)
{
	rc = ml_ans_row_check(a, b->len, rc);
	return rc == 0 ? ml_ans_add_raw(a, parent, name, b->data) : rc;
}

int ml_ans_grow(struct ml_ans *a, void **items, size_t *cap, size_t need,
                size_t item_bytes, size_t max_items, const char *what)
{
	int rc = ml_grow(items, cap, need, item_bytes, max_items);
	if (rc == ML_E_TOO_LARGE)
		return ml_fail(a->err, rc, -1, NULL,
		               "the answer would list more than %zu %s",
		               max_items, what);
	return rc == 0 ? 0 : ml_ans_nomem(a);
}

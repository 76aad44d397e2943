/*
 * ml_json_decode.c — from cJSON to struct ml_event, strictly.
 *
 * The order of checks decides which error a client sees for an event with
 * several faults, so it is fixed: the type first (missing_field,
 * invalid_field, unknown_type), then each member in document order
 * (duplicate → invalid_json, unknown or not allowed → unknown_field, wrong
 * JSON type or form → invalid_field, out of range → amount_out_of_range or
 * date_out_of_range), then the first required field missing in canonical
 * order, then checks between fields (from ≠ to).
 *
 * Numbers arrive from cJSON as doubles. ml_json_prescan has already
 * refused any number written with a fraction or exponent, so a number here
 * is an integer literal; it is converted to int64 only after a range check
 * that keeps it within 2^53, where a double is exact. No money value is
 * ever computed in floating point.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_dist.h"
#include "ml_json.h"
#include "ml_limits_internal.h"
#include "ml_money.h"
#include "ml_text.h"

struct ml_decode {
	struct ml_event *ev;
	struct ml_arena *arena;
	int32_t index;
	struct ml_errinfo *err;
};

static int ml_bad(struct ml_decode *d, int code, enum ml_field f,
                  const char *why)
{
	return ml_fail(d->err, code, d->index, ml_fields[f].name, "%s: %s",
	               ml_fields[f].name, why);
}

/* An integer JSON number within ±2^53, or false. */
static bool ml_json_integer(const cJSON *item, int64_t *out)
{
	if (!cJSON_IsNumber(item))
		return false;
	double v = item->valuedouble;
	if (!isfinite(v) || v != floor(v) || fabs(v) > (double)ML_JSON_INT_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

static int ml_take_string(struct ml_decode *d, const cJSON *item,
                          enum ml_field f, struct ml_str *out)
{
	const struct ml_field_info *fi = &ml_fields[f];
	char why[ML_WHY_MAX];
	if (!cJSON_IsString(item))
		return ml_bad(d, ML_E_INVALID_FIELD, f, "must be a string");
	size_t len = strlen(item->valuestring);
	if (len == 0)
		return ml_bad(d, ML_E_INVALID_FIELD, f, "must not be empty");
	if (fi->max_bytes && len > fi->max_bytes) {
		snprintf(why, sizeof why, "is %zu bytes; at most %u", len,
		         (unsigned)fi->max_bytes);
		return ml_bad(d, ML_E_INVALID_FIELD, f, why);
	}
	if (!ml_utf8_valid(item->valuestring, len))
		return ml_bad(d, ML_E_INVALID_FIELD, f, "is not valid UTF-8");
	const char *copy = ml_arena_strdup(d->arena, item->valuestring, len);
	if (copy == NULL)
		return ML_E_NOMEM;
	out->ptr = copy;
	out->len = (uint32_t)len;
	return 0;
}

static bool ml_id_syntax_ok(enum ml_value_kind kind, enum ml_type type,
                            const struct ml_str *s)
{
	switch (kind) {
	case ML_V_PARTY_ID:
		return ml_party_id_valid(s->ptr, s->len);
	case ML_V_GRANT_ID:
		return ml_grant_id_valid(s->ptr, s->len);
	case ML_V_EVENT_ID:
		return ml_event_id_valid(s->ptr, s->len);
	case ML_V_PARENT:
		return type == ML_TYPE_PARTY
		           ? ml_party_id_valid(s->ptr, s->len)
		           : ml_grant_id_valid(s->ptr, s->len);
	case ML_V_KIND:
		return ml_party_kind_valid(s->ptr, s->len);
	default:
		return true;
	}
}

static const char *ml_id_rule(enum ml_value_kind kind, enum ml_type type)
{
	if (kind == ML_V_PARENT)
		kind = type == ML_TYPE_PARTY ? ML_V_PARTY_ID : ML_V_GRANT_ID;
	switch (kind) {
	case ML_V_PARTY_ID:
		return "is not a party id ([a-z0-9][a-z0-9._-]{0,63})";
	case ML_V_GRANT_ID:
		return "is not a grant id ([a-z0-9][a-z0-9._/-]{0,127})";
	case ML_V_EVENT_ID:
		return "is not an event id ([A-Za-z0-9._:/-]{1,128})";
	default:
		return "must be one of state, association, county_association, "
		       "region, municipality, committee, unit, other";
	}
}

static int ml_decode_text(struct ml_decode *d, const cJSON *item,
                          enum ml_field f)
{
	const struct ml_field_info *fi = &ml_fields[f];
	struct ml_str *dst = (struct ml_str *)((char *)d->ev + fi->offset);
	int rc = ml_take_string(d, item, f, dst);
	if (rc != 0)
		return rc;
	if (!ml_id_syntax_ok(fi->kind, d->ev->type, dst))
		return ml_bad(d, ML_E_INVALID_FIELD, f,
		              ml_id_rule(fi->kind, d->ev->type));
	return 0;
}

static int ml_decode_amount(struct ml_decode *d, const cJSON *item,
                            enum ml_field f)
{
	int64_t v;
	/* A report may state that nothing was spent; amounts that move
	 * money are at least one öre. */
	int64_t min_ore = f == ML_F_SPENT ? 0 : ML_AMOUNT_MIN_ORE;
	ML_ASSERT(ml_fields[f].kind == ML_V_AMOUNT);
	if (!cJSON_IsNumber(item))
		return ml_bad(d, ML_E_INVALID_FIELD, f,
		              "must be an integer number of öre");
	if (!ml_json_integer(item, &v) || v < min_ore || v > ML_AMOUNT_MAX_ORE)
		return ml_bad(
		    d, ML_E_AMOUNT_RANGE, f,
		    "must be from 1 öre (0,01 kr) to "
		    "1 000 000 000 000 000 öre (10 000 000 000 000 kr)");
	*(int64_t *)((char *)d->ev + ml_fields[f].offset) = v;
	return 0;
}

static int ml_decode_date(struct ml_decode *d, const cJSON *item,
                          enum ml_field f)
{
	char why[ML_WHY_MAX];
	if (!cJSON_IsString(item))
		return ml_bad(d, ML_E_INVALID_FIELD, f,
		              "must be a date string YYYY-MM-DD");
	const char *s = item->valuestring;
	ml_day day;
	int rc = ml_date_parse(s, strlen(s), &day, why, sizeof why);
	if (rc != 0)
		return ml_bad(d, rc, f, why);
	*(ml_day *)((char *)d->ev + ml_fields[f].offset) = day;
	return 0;
}

static int ml_decode_year(struct ml_decode *d, const cJSON *item,
                          enum ml_field f)
{
	int64_t v;
	if (!ml_json_integer(item, &v))
		return ml_bad(d, ML_E_INVALID_FIELD, f, "must be an integer");
	if (v < ML_YEAR_MIN || v > ML_YEAR_MAX)
		return ml_bad(d, ML_E_DATE_RANGE, f,
		              "must be a year from 1900 to 2199");
	d->ev->year = (int32_t)v;
	return 0;
}

static int ml_decode_seq(struct ml_decode *d, const cJSON *item,
                         enum ml_field f, uint64_t *out)
{
	int64_t v;
	if (!ml_json_integer(item, &v) || v < 1)
		return ml_bad(d, ML_E_INVALID_FIELD, f,
		              "must be an event's seq, an integer ≥ 1");
	*out = (uint64_t)v;
	return 0;
}

/* settles (a requisition or invoice) or allocation (a conditional
 * allocation): an event by seq or id, held in settles_seq / settles_id. */
static int ml_decode_event_ref(struct ml_decode *d, const cJSON *item,
                               enum ml_field f)
{
	if (cJSON_IsNumber(item))
		return ml_decode_seq(d, item, f, &d->ev->settles_seq);
	if (!cJSON_IsString(item))
		return ml_bad(d, ML_E_INVALID_FIELD, f,
		              f == ML_F_SETTLES
		                  ? "must be the seq (integer) or id (string) "
		                    "of a requisition or invoice"
		                  : "must be the seq (integer) or id (string) "
		                    "of a conditional allocation");
	int rc = ml_take_string(d, item, f, &d->ev->settles_id);
	if (rc == 0 &&
	    !ml_event_id_valid(d->ev->settles_id.ptr, d->ev->settles_id.len))
		return ml_bad(d, ML_E_INVALID_FIELD, f,
		              ml_id_rule(ML_V_EVENT_ID, d->ev->type));
	return rc;
}

static int ml_decode_meta(struct ml_decode *d, const cJSON *item)
{
	char why[ML_WHY_MAX] = "";
	if (!cJSON_IsObject(item))
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_META,
		              "must be a JSON object");
	struct ml_buf text;
	ml_buf_init(&text, ML_META_MAX);
	int rc = ml_json_canonical_value(item, &text, why, sizeof why);
	if (rc == ML_E_TOO_LARGE)
		snprintf(why, sizeof why, "is over %d bytes", ML_META_MAX);
	if (rc == ML_E_NOMEM) {
		ml_buf_free(&text);
		return rc;
	}
	if (rc != 0) {
		ml_buf_free(&text);
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_META, why);
	}
	const char *copy = ml_arena_strdup(d->arena, text.data, text.len);
	d->ev->meta.ptr = copy;
	d->ev->meta.len = (uint32_t)text.len;
	ml_buf_free(&text);
	return copy != NULL ? 0 : ML_E_NOMEM;
}

/* --- a distribution's key ------------------------------------------ */

static int ml_key_member_cmp(const void *pa, const void *pb)
{
	const cJSON *a = *(const cJSON *const *)pa;
	const cJSON *b = *(const cJSON *const *)pb;
	return strcmp(a->string, b->string); /* ids are ASCII */
}

/* One member of the key: a party id and a weight 1 ..= the limit. */
static int ml_key_member_ok(struct ml_decode *d, const cJSON *m)
{
	char why[ML_WHY_MAX];
	int64_t w = 0;
	const char *id = m->string;
	if (!ml_party_id_valid(id, strlen(id))) {
		snprintf(
		    why, sizeof why,
		    "'%.40s' is not a party id ([a-z0-9][a-z0-9._-]{0,63})",
		    id);
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_KEY, why);
	}
	bool whole = ml_json_integer(m, &w);
	if (whole && w >= 1 && w <= ML_KEY_WEIGHT_MAX)
		return 0;
	if (!whole && cJSON_IsNumber(m))
		snprintf(why, sizeof why,
		         "the weight of %.64s is over 1 000 000 000 000 (the "
		         "largest weight)",
		         id);
	else if (!whole)
		snprintf(why, sizeof why,
		         "the weight of %.64s is not a number; a weight is a "
		         "positive whole number",
		         id);
	else
		snprintf(why, sizeof why,
		         "the weight of %.64s is %lld; a weight is a whole "
		         "number from 1 to 1 000 000 000 000",
		         id, (long long)w);
	return ml_bad(d, ML_E_INVALID_FIELD, ML_F_KEY, why);
}

/* Writes the sorted members as canonical text into the arena. */
static int ml_key_text(struct ml_decode *d, const cJSON **m, int n)
{
	struct ml_buf text;
	ml_buf_init(&text, ML_KEY_BYTES_MAX);
	int rc = ml_buf_add(&text, "{", 1);
	for (int i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = ml_buf_add(&text, ",", 1);
		if (rc == 0)
			rc = ml_json_write_string(&text, m[i]->string,
			                          strlen(m[i]->string));
		if (rc == 0)
			rc = ml_buf_add(&text, ":", 1);
		if (rc == 0)
			rc = ml_buf_add_i64(&text, (int64_t)m[i]->valuedouble);
	}
	if (rc == 0)
		rc = ml_buf_add(&text, "}", 1);
	const char *copy =
	    rc == 0 ? ml_arena_strdup(d->arena, text.data, text.len) : NULL;
	d->ev->key.ptr = copy;
	d->ev->key.len = (uint32_t)text.len;
	ml_buf_free(&text);
	/* The limits make the text fit: a failure here is memory. */
	return copy != NULL ? 0 : ML_E_NOMEM;
}

static int ml_decode_key(struct ml_decode *d, const cJSON *item)
{
	char why[ML_WHY_MAX];
	if (!cJSON_IsObject(item))
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_KEY,
		              "must be a JSON object of party id → weight");
	int n = cJSON_GetArraySize(item);
	if (n < 1 || n > ML_KEY_PARTIES_MAX) {
		snprintf(why, sizeof why,
		         "names %d parties; a key names 1 to %d parties", n,
		         ML_KEY_PARTIES_MAX);
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_KEY, why);
	}
	const cJSON **m = ml_arena_alloc(d->arena, sizeof *m * (size_t)n);
	if (m == NULL)
		return ML_E_NOMEM;
	int i = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, item)
	{
		int rc = ml_key_member_ok(d, c);
		if (rc != 0)
			return rc;
		m[i++] = c;
	}
	qsort(m, (size_t)n, sizeof *m, ml_key_member_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(m[i - 1]->string, m[i]->string) != 0)
			continue;
		snprintf(why, sizeof why, "names %.64s twice", m[i]->string);
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_KEY, why);
	}
	return ml_key_text(d, m, n);
}

static int ml_decode_round_to(struct ml_decode *d, const cJSON *item)
{
	char why[ML_WHY_MAX];
	if (cJSON_IsString(item) && (strcmp(item->valuestring, "kr") == 0 ||
	                             strcmp(item->valuestring, "ore") == 0))
		return ml_take_string(d, item, ML_F_ROUND_TO, &d->ev->round_to);
	if (cJSON_IsString(item))
		snprintf(why, sizeof why,
		         "is '%.40s'; it must be \"kr\" (shares in whole "
		         "kronor) or \"ore\" (shares in öre)",
		         item->valuestring);
	else
		snprintf(why, sizeof why,
		         "must be the string \"kr\" or \"ore\"");
	return ml_bad(d, ML_E_INVALID_FIELD, ML_F_ROUND_TO, why);
}

static int ml_decode_value(struct ml_decode *d, const cJSON *item,
                           enum ml_field f)
{
	switch (ml_fields[f].kind) {
	case ML_V_AMOUNT:
		return ml_decode_amount(d, item, f);
	case ML_V_DATE:
		return ml_decode_date(d, item, f);
	case ML_V_YEAR:
		return ml_decode_year(d, item, f);
	case ML_V_BOOL:
		if (!cJSON_IsBool(item))
			return ml_bad(d, ML_E_INVALID_FIELD, f,
			              "must be true or false");
		d->ev->carry_over = cJSON_IsTrue(item);
		return 0;
	case ML_V_SEQ:
		return ml_decode_seq(d, item, f, &d->ev->corrects);
	case ML_V_SETTLES:
		return ml_decode_event_ref(d, item, f);
	case ML_V_META:
		return ml_decode_meta(d, item);
	case ML_V_KEY:
		return ml_decode_key(d, item);
	case ML_V_ROUND_TO:
		return ml_decode_round_to(d, item);
	case ML_V_TYPE:
		return 0; /* decoded first, by ml_decode_type */
	default:
		return ml_decode_text(d, item, f);
	}
}

static int ml_decode_type(struct ml_decode *d, const cJSON *obj)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, "type");
	if (item == NULL)
		return ml_fail(d->err, ML_E_MISSING_FIELD, d->index, "type",
		               "type: every event needs a type");
	if (!cJSON_IsString(item))
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_TYPE,
		              "must be a string");
	const char *s = item->valuestring;
	d->ev->type = ml_type_from_name(s, strlen(s));
	if (d->ev->type == ML_TYPE_NONE)
		return ml_fail(d->err, ML_E_UNKNOWN_TYPE, d->index, "type",
		               "type: '%.40s' is not an event type (party, "
		               "grant, allocation, decline, requisition, "
		               "invoice, payout, expense, repayment, "
		               "carryover, report, correction, close, "
		               "distribution)",
		               s);
	return 0;
}

static int ml_check_member(struct ml_decode *d, const cJSON *m,
                           enum ml_field *f_out)
{
	const char *key = m->string;
	enum ml_field f = ml_field_from_name(key, strlen(key));
	const struct ml_type_schema *sc = &ml_types[d->ev->type];
	if (f != ML_F_COUNT && (ML_STORED_FIELDS & ML_BIT(f)))
		return ml_fail(d->err, ML_E_UNKNOWN_FIELD, d->index, key,
		               "%s: is set by the ledger, not by the client",
		               key);
	if (f == ML_F_COUNT || !((sc->required | sc->optional) & ML_BIT(f)))
		return ml_fail(d->err, ML_E_UNKNOWN_FIELD, d->index, key,
		               "%.60s: %s %s event has no such field", key,
		               ml_article(sc->name), sc->name);
	if (d->ev->present & ML_BIT(f))
		return ml_fail(d->err, ML_E_INVALID_JSON, d->index, key,
		               "%s: the field appears twice", key);
	*f_out = f;
	return 0;
}

static int ml_check_required(struct ml_decode *d)
{
	const struct ml_type_schema *sc = &ml_types[d->ev->type];
	uint64_t missing = sc->required & ~d->ev->present;
	for (int f = 0; f < ML_F_COUNT; f++) {
		if (missing & ML_BIT(f))
			return ml_fail(d->err, ML_E_MISSING_FIELD, d->index,
			               ml_fields[f].name,
			               "%s: %s %s event needs this field",
			               ml_fields[f].name, ml_article(sc->name),
			               sc->name);
	}
	return 0;
}

/* A distribution: a whole number of units, and not to itself. */
static int ml_check_distribution(struct ml_decode *d)
{
	const struct ml_event *ev = d->ev;
	char why[ML_WHY_MAX], m[ML_MONEY_TEXT_MAX];
	if (ml_dist_unit_ore(ev) == 100 && ev->amount_ore % 100 != 0) {
		snprintf(why, sizeof why,
		         "%s is not a whole number of kronor, the unit of "
		         "round_to \"kr\" (give whole kronor, or round_to "
		         "\"ore\")",
		         ml_money_format(ev->amount_ore, m, sizeof m));
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_AMOUNT, why);
	}
	if (ml_key_names(ev->key, ev->from)) {
		snprintf(why, sizeof why,
		         "names %.*s, the party distributing (from); the key "
		         "may not name it",
		         (int)ev->from.len, ev->from.ptr);
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_KEY, why);
	}
	return 0;
}

static int ml_check_between(struct ml_decode *d)
{
	const struct ml_event *ev = d->ev;
	if ((ev->present & ML_BIT(ML_F_DECIDE_BY)) &&
	    !(ev->present & ML_BIT(ML_F_CONDITION)))
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_DECIDE_BY,
		              "needs a condition: only a conditional "
		              "allocation or distribution has a date to "
		              "decide by");
	if (ev->type == ML_TYPE_DISTRIBUTION)
		return ml_check_distribution(d);
	if (ev->from.ptr != NULL && ml_str_eq(ev->from, ev->to))
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_TO,
		              "must differ from 'from'");
	if (ev->to_grant.ptr != NULL && ml_str_eq(ev->to_grant, ev->grant))
		return ml_bad(d, ML_E_INVALID_FIELD, ML_F_TO_GRANT,
		              "must differ from 'grant'");
	/* A party or grant naming itself as parent is left to the ledger:
	 * it is a cycle (or an undefined parent), a rule, not a form. */
	return 0;
}

int ml_json_decode_event(const cJSON *obj, int32_t index,
                         struct ml_arena *arena, struct ml_event *ev,
                         struct ml_errinfo *err)
{
	struct ml_decode d = {ev, arena, index, err};
	memset(ev, 0, sizeof *ev);
	if (!cJSON_IsObject(obj))
		return ml_fail(err, ML_E_INVALID_JSON, index, NULL,
		               "event %d is not a JSON object", (int)index);
	int rc = ml_decode_type(&d, obj);
	const cJSON *m;
	cJSON_ArrayForEach(m, obj)
	{
		enum ml_field f = ML_F_COUNT;
		if (rc == 0)
			rc = ml_check_member(&d, m, &f);
		if (rc == 0)
			rc = ml_decode_value(&d, m, f);
		if (rc != 0)
			return rc;
		ML_ASSERT(f < ML_F_COUNT); /* ml_check_member found it */
		ev->present |= ML_BIT(f);
	}
	if (rc == 0)
		rc = ml_check_required(&d);
	if (rc == 0)
		rc = ml_check_between(&d);
	return rc;
}

/* Parses body[0..len) with cJSON (after the prescan); *root_out the tree
 * and *n_out the number of events in it. */
static int ml_json_parse_root(const char *body, size_t len, cJSON **root_out,
                              int *n_out, struct ml_errinfo *err)
{
	int32_t separators = 0;
	int rc = ml_json_prescan_count(body, len, &separators, err);
	if (rc != 0)
		return rc;
	/* cJSON stops after the first value; whatever follows it (a second
	 * event on another line, a comment) must be refused, not dropped. */
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (root == NULL)
		return ml_fail(err, ML_E_INVALID_JSON, -1, NULL,
		               "the body is not valid JSON");
	while (end < body + len && strchr(" \t\r\n", *end) && *end != '\0')
		end++;
	*root_out = root;
	if (end < body + len)
		return ml_fail(err, ML_E_INVALID_JSON, -1, NULL,
		               "the body holds more than one JSON value (send "
		               "several events as one array)");
	/* One JSON value: the prescan's commas at depth 1 are its array's. */
	bool batch = cJSON_IsArray(root);
	*n_out = !batch ? 1 : root->child != NULL ? separators + 1 : 0;
	return 0;
}

int ml_json_parse_tree(const char *body, size_t len, enum ml_json_tree tree,
                       struct ml_arena *arena, struct ml_event **events_out,
                       size_t *count_out, struct ml_errinfo *err)
{
	if (len > ML_BODY_BYTES_MAX)
		return ml_fail(err, ML_E_TOO_LARGE, -1, NULL,
		               "the body is %zu bytes; at most %u", len,
		               ML_BODY_BYTES_MAX);
	cJSON *root = NULL;
	int n = 0;
	int rc = ml_json_parse_root(body, len, &root, &n, err);
	if (rc == 0 && n == 0)
		rc = ml_fail(err, ML_E_INVALID_JSON, -1, NULL,
		             "the batch is empty");
	else if (rc == 0 && n > ML_BATCH_EVENTS_MAX)
		rc = ml_fail(err, ML_E_TOO_LARGE, -1, NULL,
		             "the batch has %d events; at most %d", n,
		             ML_BATCH_EVENTS_MAX);
	struct ml_event *events = NULL;
	if (rc == 0) {
		events = ml_arena_alloc(arena, sizeof *events * (size_t)n);
		if (events == NULL)
			rc = ML_E_NOMEM;
	}
	const cJSON *item = NULL;
	if (rc == 0)
		item = cJSON_IsArray(root) ? root->child : root;
	ML_ASSERT(rc != 0 || (n >= 1 && n <= ML_BATCH_EVENTS_MAX));
	for (int i = 0; rc == 0 && i < n; i++, item = item->next) {
		ML_ASSERT(item != NULL); /* n counted the array's elements */
		rc = ml_json_decode_event(item, i, arena, &events[i], err);
	}
	ML_ASSERT(rc != 0 || item == NULL); /* and no element after */
	if (tree == ML_JSON_TREE_DELETE)
		cJSON_Delete(root);
	if (rc == ML_E_NOMEM)
		ml_fail(err, rc, -1, NULL, "out of memory decoding the body");
	if (rc != 0)
		return rc;
	*events_out = events;
	*count_out = (size_t)n;
	return 0;
}

int ml_json_parse_batch(const char *body, size_t len, struct ml_arena *arena,
                        struct ml_event **events_out, size_t *count_out,
                        struct ml_errinfo *err)
{
	return ml_json_parse_tree(body, len, ML_JSON_TREE_DELETE, arena,
	                          events_out, count_out, err);
}

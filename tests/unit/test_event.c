/*
 * test_event.c — the event model: strict JSON decoding, canonical
 * encoding, and the binary record.
 *
 * The canonical bytes are checked against bytes Python's json.dumps gave
 * (canon_cases.inc), not against this project's own output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_json.h"
#include "ml_record.h"
#include "mt.h"

struct canon_case {
	const char *input;
	const char *canonical;
};

static const struct canon_case canon_cases[] = {
#include "canon_cases.inc"
};

static int decode_one(const char *json, struct ml_arena *arena,
                      struct ml_event **ev, struct ml_errinfo *err)
{
	size_t n = 0;
	ml_errinfo_clear(err);
	int rc = ml_json_parse_batch(json, strlen(json), arena, ev, &n, err);
	if (rc == 0 && n != 1)
		return -1;
	return rc;
}

static void test_field_table_sorted(void)
{
	for (int f = 1; f < ML_F_COUNT; f++)
		MT_CHECK(strcmp(ml_fields[f - 1].name, ml_fields[f].name) < 0);
	for (int t = ML_TYPE_NONE + 1; t < ML_TYPE_COUNT; t++)
		MT_CHECK(ml_type_from_name(ml_types[t].name,
		                           strlen(ml_types[t].name)) ==
		         (enum ml_type)t);
}

/* The lookup is a binary search: every name is found, and what only
 * looks like one (a prefix, a longer name, a name with another byte
 * before or after every one in the table) is not. */
static void test_field_from_name(void)
{
	char buf[ML_FIELD_NAME_MAX + 2];
	for (int f = 0; f < ML_F_COUNT; f++) {
		const char *name = ml_fields[f].name;
		size_t len = strlen(name);
		MT_CHECK_INT(ml_field_from_name(name, len), f);
		MT_CHECK_INT((int)ml_field_from_name(name, len - 1) == f, 0);
		memcpy(buf, name, len);
		buf[len] = '_';
		MT_CHECK_INT((int)ml_field_from_name(buf, len + 1) == f, 0);
		buf[len - 1] = '\x7f';
		MT_CHECK_INT(ml_field_from_name(buf, len), ML_F_COUNT);
		buf[len - 1] = ' ';
		MT_CHECK_INT(ml_field_from_name(buf, len), ML_F_COUNT);
	}
	MT_CHECK_INT(ml_field_from_name("", 0), ML_F_COUNT);
	MT_CHECK_INT(ml_field_from_name("a", 1), ML_F_COUNT);
	MT_CHECK_INT(ml_field_from_name("zz", 2), ML_F_COUNT);
	MT_CHECK_INT(ml_field_from_name("key_name", 3), ML_F_KEY);
	MT_CHECK_INT(ml_field_from_name("\xc3\xa5r", 3), ML_F_COUNT);
}

/* The writer sizes its output from a bound that does not read the
 * strings, and falls back to the exact length when the bound does not
 * fit: a buffer with room for exactly the JSON takes it whole, one byte
 * less refuses it and keeps what it held. */
static void check_fits_exactly(const struct ml_event *ev, const char *json)
{
	size_t len = strlen(json);
	struct ml_buf out;
	ml_buf_init(&out, len + 1);
	MT_CHECK_INT(ml_buf_add_char(&out, '['), 0);
	MT_CHECK_INT(ml_json_write_event(ev, ML_JSON_SUBMITTED, &out), 0);
	MT_CHECK_INT(out.len, len + 1);
	MT_CHECK_STR(out.data + 1, json);
	ml_buf_free(&out);
	ml_buf_init(&out, len);
	MT_CHECK_INT(ml_buf_add_char(&out, '['), 0);
	MT_CHECK_INT(ml_json_write_event(ev, ML_JSON_SUBMITTED, &out),
	             ML_E_TOO_LARGE);
	MT_CHECK_STR(out.data, "[");
	ml_buf_free(&out);
}

static void test_canonical_every_type(void)
{
	size_t n = sizeof canon_cases / sizeof canon_cases[0];
	bool seen[ML_TYPE_COUNT] = {false};
	for (size_t i = 0; i < n; i++) {
		struct ml_arena arena;
		ml_arena_init(&arena, 1 << 20);
		struct ml_event *ev = NULL;
		struct ml_errinfo err;
		int rc = decode_one(canon_cases[i].input, &arena, &ev, &err);
		MT_CHECK_INT(rc, 0);
		if (rc != 0) {
			fprintf(stderr, "case %zu: %s\n", i, err.message);
			ml_arena_free(&arena);
			continue;
		}
		seen[ev->type] = true;
		struct ml_buf out;
		ml_buf_init(&out, 1 << 16);
		MT_CHECK_INT(ml_json_write_event(ev, ML_JSON_SUBMITTED, &out),
		             0);
		MT_CHECK_STR(out.data, canon_cases[i].canonical);
		ml_buf_free(&out);
		check_fits_exactly(ev, canon_cases[i].canonical);
		ml_arena_free(&arena);
	}
	for (int t = ML_TYPE_NONE + 1; t < ML_TYPE_COUNT; t++)
		MT_CHECK(seen[t]);
}

static void test_record_round_trip(void)
{
	size_t n = sizeof canon_cases / sizeof canon_cases[0];
	for (size_t i = 0; i < n; i++) {
		struct ml_arena arena;
		ml_arena_init(&arena, 1 << 20);
		struct ml_event *ev = NULL;
		struct ml_errinfo err;
		MT_REQUIRE(
		    decode_one(canon_cases[i].input, &arena, &ev, &err) == 0);
		ev->seq = 1000 + i;
		ev->recorded_at_us = 1610703000123456LL + (int64_t)i;
		ev->recorded_by = ml_str_c("anna");
		for (int b = 0; b < 32; b++) {
			ev->prev_hash[b] = (uint8_t)(b + i);
			ev->hash[b] = (uint8_t)(255 - b);
		}
		ev->present |= ML_STORED_FIELDS;
		struct ml_buf rec, a, b;
		ml_buf_init(&rec, 1 << 16);
		ml_buf_init(&a, 1 << 16);
		ml_buf_init(&b, 1 << 16);
		MT_CHECK_INT(ml_record_encode(ev, &rec), 0);
		struct ml_event back;
		MT_CHECK_INT(
		    ml_record_decode(rec.data, rec.len, ev->seq, &back), 0);
		ml_json_write_event(ev, ML_JSON_STORED, &a);
		ml_json_write_event(&back, ML_JSON_STORED, &b);
		MT_CHECK_STR(b.data, a.data);
		/* Every truncation of a record is refused, never read past. */
		for (size_t cut = 0; cut < rec.len; cut++)
			MT_CHECK(ml_record_decode(rec.data, cut, 1, &back) ==
			         ML_E_CORRUPT);
		ml_buf_free(&rec);
		ml_buf_free(&a);
		ml_buf_free(&b);
		ml_arena_free(&arena);
	}
}

static void test_stored_form(void)
{
	struct ml_arena arena;
	ml_arena_init(&arena, 1 << 20);
	struct ml_event *ev = NULL;
	struct ml_errinfo err;
	MT_REQUIRE(decode_one("{\"type\":\"close\",\"date\":\"2020-12-31\"}",
	                      &arena, &ev, &err) == 0);
	ev->seq = 7;
	ev->recorded_at_us = 0;
	ev->recorded_by = ml_str_c("root");
	memset(ev->prev_hash, 0, 32);
	memset(ev->hash, 0xab, 32);
	ev->present |= ML_STORED_FIELDS;
	struct ml_buf out;
	ml_buf_init(&out, 1 << 16);
	ml_json_write_event(ev, ML_JSON_CANONICAL, &out);
	MT_CHECK_STR(out.data,
	             "{\"date\":\"2020-12-31\",\"recorded_at\":"
	             "\"1970-01-01T00:00:00.000000Z\",\"recorded_by\":\"root\","
	             "\"seq\":7,\"type\":\"close\"}");
	ml_buf_reset(&out);
	ml_json_write_event(ev, ML_JSON_STORED, &out);
	MT_CHECK(strstr(out.data, "\"hash\":\"abababab") != NULL);
	MT_CHECK(strstr(out.data, "\"prev_hash\":\"00000000") != NULL);
	ml_buf_free(&out);
	ml_arena_free(&arena);
}

struct bad_case {
	const char *json;
	int code;
	const char *field;
};

#define PAY                                                                    \
	"\"type\":\"payout\",\"date\":\"2020-04-01\",\"grant\":\"g\","         \
	"\"from\":\"a\",\"to\":\"b\""

static const struct bad_case bad_cases[] = {
    {"", ML_E_INVALID_JSON, ""},
    {"{", ML_E_INVALID_JSON, ""},
    {"[]", ML_E_INVALID_JSON, ""},
    {"42", ML_E_INVALID_JSON, ""},
    {"[42]", ML_E_INVALID_JSON, ""},
    {"{\"date\":\"2020-01-01\"}", ML_E_MISSING_FIELD, "type"},
    {"{\"type\":7,\"date\":\"2020-01-01\"}", ML_E_INVALID_FIELD, "type"},
    {"{\"type\":\"gift\",\"date\":\"2020-01-01\"}", ML_E_UNKNOWN_TYPE, "type"},
    {"{" PAY "}", ML_E_MISSING_FIELD, "amount"},
    {"{" PAY ",\"amount\":0}", ML_E_AMOUNT_RANGE, "amount"},
    {"{" PAY ",\"amount\":-5}", ML_E_AMOUNT_RANGE, "amount"},
    {"{" PAY ",\"amount\":1000000000000001}", ML_E_AMOUNT_RANGE, "amount"},
    {"{" PAY ",\"amount\":9223372036854775808}", ML_E_AMOUNT_RANGE, "amount"},
    {"{" PAY ",\"amount\":650000.5}", ML_E_INVALID_FIELD, "amount"},
    {"{" PAY ",\"amount\":1e3}", ML_E_INVALID_FIELD, "amount"},
    {"{" PAY ",\"amount\":\"650000\"}", ML_E_INVALID_FIELD, "amount"},
    {"{" PAY ",\"amount\":01000}", ML_E_INVALID_JSON, "amount"},
    {"{" PAY ",\"amount\":1000.}", ML_E_INVALID_JSON, "amount"},
    {"{" PAY ",\"amount\":0x3e8}", ML_E_INVALID_JSON, "amount"},
    {"{" PAY ",\"amount\":1}\n{" PAY ",\"amount\":2}", ML_E_INVALID_JSON, ""},
    {"[{" PAY ",\"amount\":1}]]", ML_E_INVALID_JSON, ""},
    {"{" PAY ",\"amount\":1,\"party\":\"x\"}", ML_E_UNKNOWN_FIELD, "party"},
    {"{" PAY ",\"amount\":1,\"colour\":\"red\"}", ML_E_UNKNOWN_FIELD, "colour"},
    {"{" PAY ",\"amount\":1,\"seq\":4}", ML_E_UNKNOWN_FIELD, "seq"},
    {"{" PAY ",\"amount\":1,\"hash\":\"00\"}", ML_E_UNKNOWN_FIELD, "hash"},
    {"{" PAY ",\"amount\":1,\"amount\":2}", ML_E_INVALID_JSON, "amount"},
    {"{\"type\":\"payout\",\"date\":\"2020-02-30\",\"grant\":\"g\","
     "\"from\":\"a\",\"to\":\"b\",\"amount\":1}",
     ML_E_INVALID_FIELD, "date"},
    {"{\"type\":\"payout\",\"date\":\"1899-12-31\",\"grant\":\"g\","
     "\"from\":\"a\",\"to\":\"b\",\"amount\":1}",
     ML_E_DATE_RANGE, "date"},
    {"{\"type\":\"payout\",\"date\":\"2200-01-01\",\"grant\":\"g\","
     "\"from\":\"a\",\"to\":\"b\",\"amount\":1}",
     ML_E_DATE_RANGE, "date"},
    {"{\"type\":\"payout\",\"date\":20200101,\"grant\":\"g\","
     "\"from\":\"a\",\"to\":\"b\",\"amount\":1}",
     ML_E_INVALID_FIELD, "date"},
    {"{\"type\":\"payout\",\"date\":\"2020-04-01\",\"grant\":\"G\","
     "\"from\":\"a\",\"to\":\"b\",\"amount\":1}",
     ML_E_INVALID_FIELD, "grant"},
    {"{\"type\":\"payout\",\"date\":\"2020-04-01\",\"grant\":\"g\","
     "\"from\":\"a b\",\"to\":\"b\",\"amount\":1}",
     ML_E_INVALID_FIELD, "from"},
    {"{\"type\":\"payout\",\"date\":\"2020-04-01\",\"grant\":\"g\","
     "\"from\":\"a\",\"to\":\"a\",\"amount\":1}",
     ML_E_INVALID_FIELD, "to"},
    {"{" PAY ",\"amount\":1,\"note\":\"\"}", ML_E_INVALID_FIELD, "note"},
    {"{" PAY ",\"amount\":1,\"note\":\"a\\u0000b\"}", ML_E_INVALID_JSON, ""},
    {"{" PAY ",\"amount\":1,\"note\":\"a\001b\"}", ML_E_INVALID_JSON, ""},
    {"{" PAY ",\"amount\":1,\"note\":\"\xc3\x28\"}", ML_E_INVALID_JSON, ""},
    {"{" PAY ",\"amount\":1,\"meta\":[1]}", ML_E_INVALID_FIELD, "meta"},
    {"{" PAY ",\"amount\":1,\"meta\":{\"a\":1.5}}", ML_E_INVALID_FIELD, "meta"},
    {"{" PAY ",\"amount\":1,\"meta\":{\"a\":1,\"a\":2}}", ML_E_INVALID_FIELD,
     "meta"},
    {"{" PAY ",\"amount\":1,\"meta\":{\"a\":9007199254740993}}",
     ML_E_INVALID_FIELD, "meta"},
    {"{" PAY ",\"amount\":1,\"settles\":0}", ML_E_INVALID_FIELD, "settles"},
    {"{" PAY ",\"amount\":1,\"settles\":true}", ML_E_INVALID_FIELD, "settles"},
    {"{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"x\","
     "\"name\":\"X\",\"kind\":\"company\"}",
     ML_E_INVALID_FIELD, "kind"},
    {"{\"type\":\"grant\",\"date\":\"2020-01-01\",\"grant\":\"x\","
     "\"name\":\"X\",\"payer\":\"k\",\"total\":1,\"carry_over\":1}",
     ML_E_INVALID_FIELD, "carry_over"},
    {"{\"type\":\"grant\",\"date\":\"2020-01-01\",\"grant\":\"x\","
     "\"name\":\"X\",\"payer\":\"k\",\"total\":1,\"year\":1850}",
     ML_E_DATE_RANGE, "year"},
    {"{\"type\":\"correction\",\"date\":\"2020-01-01\",\"corrects\":3}",
     ML_E_MISSING_FIELD, "note"},
    {"{\"type\":\"expense\",\"date\":\"2020-01-01\",\"grant\":\"g\","
     "\"party\":\"p\",\"amount\":5}",
     ML_E_MISSING_FIELD, "activity"},
    {"[{\"type\":\"close\",\"date\":\"2020-12-31\"},{\"type\":\"close\","
     "\"date\":\"2020-12-31\",\"amount\":0.5}]",
     ML_E_INVALID_FIELD, "amount"},
};

/* The prescan reads strings eight bytes at a time: an escaped quote, an
 * escaped backslash before the closing quote, a control byte, at every
 * position of a 24-byte string of commas, are each seen where they are
 * (the commas inside the string are not the array's). */
static void test_prescan_strings(void)
{
	for (size_t at = 0; at + 2 <= 24; at++) {
		char text[40], s[25];
		int32_t commas = -1;
		struct ml_errinfo err;
		memset(s, ',', 24);
		s[24] = '\0';
		memcpy(s + at, "\\\"", 2);
		snprintf(text, sizeof text, "[\"%s\",1]", s);
		MT_CHECK_INT(
		    ml_json_prescan_count(text, strlen(text), &commas, &err),
		    0);
		MT_CHECK_INT(commas, 1);
		memcpy(s + at, "\\\\", 2);
		snprintf(text, sizeof text, "[\"%s\",1]", s);
		MT_CHECK_INT(
		    ml_json_prescan_count(text, strlen(text), &commas, &err),
		    0);
		MT_CHECK_INT(commas, 1);
		memcpy(s + at, "\x01,", 2);
		snprintf(text, sizeof text, "[\"%s\",1]", s);
		MT_CHECK_INT(ml_json_prescan(text, strlen(text), &err),
		             ML_E_INVALID_JSON);
		memcpy(s + at, "\x7f\x1f", 2);
		snprintf(text, sizeof text, "[\"%s\",1]", s);
		MT_CHECK_INT(ml_json_prescan(text, strlen(text), &err),
		             ML_E_INVALID_JSON);
	}
}

static void test_bad_events(void)
{
	size_t n = sizeof bad_cases / sizeof bad_cases[0];
	for (size_t i = 0; i < n; i++) {
		struct ml_arena arena;
		ml_arena_init(&arena, 1 << 20);
		struct ml_event *ev = NULL;
		size_t count = 0;
		struct ml_errinfo err;
		ml_errinfo_clear(&err);
		const char *j = bad_cases[i].json;
		int rc = ml_json_parse_batch(j, strlen(j), &arena, &ev, &count,
		                             &err);
		if (rc != bad_cases[i].code ||
		    strcmp(err.field, bad_cases[i].field) != 0)
			MT_FAIL_AT("case %zu (%s): got %s field '%s' (%s)", i,
			           j, ml_error_name(rc), err.field,
			           err.message);
		MT_CHECK(err.message[0] != '\0');
		ml_arena_free(&arena);
	}
}

static void test_batch_index(void)
{
	struct ml_arena arena;
	ml_arena_init(&arena, 1 << 20);
	struct ml_event *ev = NULL;
	size_t n = 0;
	struct ml_errinfo err;
	const char *j = "[{\"type\":\"close\",\"date\":\"2020-12-31\"},"
	                "{\"type\":\"close\",\"date\":\"2020-12-31\"},"
	                "{\"type\":\"close\",\"date\":\"2020-13-01\"}]";
	MT_CHECK_INT(ml_json_parse_batch(j, strlen(j), &arena, &ev, &n, &err),
	             ML_E_INVALID_FIELD);
	MT_CHECK_INT(err.index, 2);
	MT_CHECK_STR(err.field, "date");
	ml_arena_free(&arena);
}

int main(void)
{
	MT_RUN(test_field_table_sorted);
	MT_RUN(test_field_from_name);
	MT_RUN(test_prescan_strings);
	MT_RUN(test_canonical_every_type);
	MT_RUN(test_record_round_trip);
	MT_RUN(test_stored_form);
	MT_RUN(test_bad_events);
	MT_RUN(test_batch_index);
	return MT_EXIT();
}

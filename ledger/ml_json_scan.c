/*
 * ml_json_scan.c — the lexical check a request body passes before cJSON.
 *
 * cJSON is a fine parser but a lenient one: it keeps raw control bytes in
 * strings, cuts a string short at an escaped \u0000, does not check UTF-8
 * and turns 650000.5 or 1e3 into a double without saying the text had a
 * fraction. The contract wants all of those refused, so this one pass
 * over the bytes refuses them first:
 *
 *   - the whole body must be valid UTF-8 without NUL bytes;
 *   - inside strings, no byte below 0x20 and no \u0000 escape;
 *   - outside strings, a number must follow RFC 8259's grammar (cJSON
 *     takes 01000 and 1000.) and may only be an integer (no fraction or
 *     exponent);
 *   - arrays and objects nest at most ML_JSON_DEPTH_MAX deep.
 *
 * To name where a non-integer number sits, the scan follows just enough
 * structure: the index of the current element of a top-level array and
 * the last key seen in the event object (depth 1 for a single object,
 * depth 2 inside a batch array). It is not a parser: anything it lets
 * through that is not JSON, cJSON refuses next.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_json.h"
#include "ml_limits_internal.h"
#include "ml_text.h"

struct ml_scan {
	const char *body;
	size_t len;
	size_t pos;
	int depth;
	bool batch;      /* top level is an array */
	int32_t index;   /* element of the top-level array */
	const char *key; /* last key at event depth */
	size_t key_len;
	const char *str; /* last string seen (candidate key) */
	size_t str_len;
	int str_depth;
};

static int ml_scan_event_depth(const struct ml_scan *s)
{
	return s->batch ? 2 : 1;
}

/* Are the 8 bytes at p free of a quote, a backslash and a control byte
 * (< 0x20)? A word at a time: (x - 0x01…01) & ~x & 0x80…80 is nonzero
 * exactly when some byte of x is zero, and (w - 0x20…20) & ~w likewise
 * when some byte of w is below 0x20. Most of a string's bytes pass here
 * instead of one at a time (the prescan was ~4 % of a `medel append`). */
static bool ml_scan_plain8(const char *p)
{
	const uint64_t ones = 0x0101010101010101u;
	uint64_t w;
	memcpy(&w, p, sizeof w);
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t hit =
	    ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w);
	return (hit & (ones * 0x80)) == 0;
}

/* Skips a string starting at the opening quote; checks its bytes. */
static int ml_scan_string(struct ml_scan *s, struct ml_errinfo *err)
{
	size_t start = ++s->pos;
	while (s->pos < s->len) {
		if (s->len - s->pos >= 8 && ml_scan_plain8(s->body + s->pos)) {
			s->pos += 8;
			continue;
		}
		unsigned char c = (unsigned char)s->body[s->pos];
		if (c == '"') {
			s->str = s->body + start;
			s->str_len = s->pos - start;
			s->str_depth = s->depth;
			s->pos++;
			return 0;
		}
		if (c < 0x20)
			return ml_fail(err, ML_E_INVALID_JSON, -1, NULL,
			               "a control character (0x%02x) inside a "
			               "JSON string must be escaped",
			               c);
		if (c == '\\') {
			if (s->pos + 5 < s->len && s->body[s->pos + 1] == 'u' &&
			    memcmp(s->body + s->pos + 2, "0000", 4) == 0)
				return ml_fail(err, ML_E_INVALID_JSON, -1, NULL,
				               "\\u0000 (NUL) is not allowed "
				               "in a string");
			s->pos++;
		}
		s->pos++;
	}
	return ml_fail(err, ML_E_INVALID_JSON, -1, NULL, "unterminated string");
}

static bool ml_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t ml_scan_digits(const struct ml_scan *s, size_t pos)
{
	while (pos < s->len && ml_is_digit(s->body[pos]))
		pos++;
	return pos;
}

/* The event field the scan is in, for error reports. */
static void ml_scan_field(const struct ml_scan *s, char *field, size_t size)
{
	field[0] = '\0';
	if (s->key != NULL && s->key_len < size) {
		memcpy(field, s->key, s->key_len);
		field[s->key_len] = '\0';
	}
}

/* The end of the number at pos by RFC 8259's grammar
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or 0 when malformed (a
 * leading zero, "1.", "0x10"); *fraction when it has a fraction or an
 * exponent. */
static size_t ml_scan_number_end(const struct ml_scan *s, size_t p,
                                 bool *fraction)
{
	*fraction = false;
	if (p < s->len && s->body[p] == '-')
		p++;
	if (p >= s->len || !ml_is_digit(s->body[p]))
		return 0;
	p = s->body[p] == '0' ? p + 1 : ml_scan_digits(s, p);
	if (p < s->len && s->body[p] == '.') {
		size_t q = ml_scan_digits(s, p + 1);
		if (q == p + 1)
			return 0;
		*fraction = true;
		p = q;
	}
	if (p < s->len && (s->body[p] == 'e' || s->body[p] == 'E')) {
		p++;
		if (p < s->len && (s->body[p] == '+' || s->body[p] == '-'))
			p++;
		size_t q = ml_scan_digits(s, p);
		if (q == p)
			return 0;
		*fraction = true;
		p = q;
	}
	bool delimited = p == s->len || strchr(" \t\r\n,]}", s->body[p]);
	return delimited ? p : 0;
}

static int ml_scan_number(struct ml_scan *s, struct ml_errinfo *err)
{
	size_t start = s->pos;
	bool fraction;
	size_t end = ml_scan_number_end(s, start, &fraction);
	char field[ML_FIELD_NAME_MAX];
	ml_scan_field(s, field, sizeof field);
	int32_t index = s->batch ? s->index : 0;
	if (end == 0) {
		size_t n = start;
		while (n < s->len && n - start < 40 &&
		       !strchr(" \t\r\n,]}", s->body[n]))
			n++;
		return ml_fail(err, ML_E_INVALID_JSON, index, field,
		               "%s%s'%.*s' is not a JSON number (no leading "
		               "zeros, hex, or bare '.')",
		               field, field[0] ? ": " : "", (int)(n - start),
		               s->body + start);
	}
	s->pos = end;
	if (!fraction)
		return 0;
	int n = (int)(end - start > 40 ? 40 : end - start);
	return ml_fail(err, ML_E_INVALID_FIELD, index, field,
	               "%s%s%.*s is not an integer: amounts are whole öre and "
	               "counts whole numbers",
	               field, field[0] ? ": " : "", n, s->body + start);
}

static int ml_scan_open(struct ml_scan *s, char c, struct ml_errinfo *err)
{
	if (s->depth == 0 && c == '[')
		s->batch = true;
	if (++s->depth > ML_JSON_DEPTH_MAX)
		return ml_fail(err, ML_E_INVALID_JSON, -1, NULL,
		               "JSON nested deeper than %d levels",
		               ML_JSON_DEPTH_MAX);
	ML_ASSERT(s->depth <= ML_JSON_DEPTH_MAX); /* checked above */
	if (s->depth == ml_scan_event_depth(s))
		s->key = NULL;
	s->pos++;
	return 0;
}

static void ml_scan_punct(struct ml_scan *s, char c)
{
	if (c == ']' || c == '}')
		s->depth--;
	else if (c == ',' && s->batch && s->depth == 1)
		s->index++;
	else if (c == ':' && s->str != NULL &&
	         s->str_depth == ml_scan_event_depth(s) &&
	         s->depth == s->str_depth) {
		s->key = s->str;
		s->key_len = s->str_len;
	}
	s->pos++;
}

int ml_json_prescan_count(const char *body, size_t len, int32_t *separators_out,
                          struct ml_errinfo *err)
{
	if (!ml_utf8_valid(body, len))
		return ml_fail(err, ML_E_INVALID_JSON, -1, NULL,
		               "the body is not valid UTF-8 or contains a NUL "
		               "byte");
	struct ml_scan s;
	memset(&s, 0, sizeof s);
	s.body = body;
	s.len = len;
	while (s.pos < s.len) {
		char c = body[s.pos];
		size_t pos_before = s.pos;
		int rc = 0;
		if (c == '"')
			rc = ml_scan_string(&s, err);
		else if (c == '-' || (c >= '0' && c <= '9'))
			rc = ml_scan_number(&s, err);
		else if (c == '{' || c == '[')
			rc = ml_scan_open(&s, c, err);
		else
			ml_scan_punct(&s, c);
		if (rc != 0)
			return rc;
		/* Every step consumes a byte: at most len iterations. */
		ML_ASSERT(s.pos > pos_before && s.pos <= s.len);
	}
	*separators_out = s.index;
	return 0;
}

int ml_json_prescan(const char *body, size_t len, struct ml_errinfo *err)
{
	int32_t separators;
	return ml_json_prescan_count(body, len, &separators, err);
}

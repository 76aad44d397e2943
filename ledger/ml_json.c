/*
 * ml_json.c — strict decoding of events from cJSON, canonical encoding.
 *
 * Decoding walks the members of an event object in document order: the
 * first member that is unknown, not allowed for the type, of the wrong
 * JSON type or out of range is the error; then the first required field
 * missing (in canonical order). Strings are copied into the caller's
 * arena so the cJSON tree can be freed at once.
 *
 * Encoding walks ml_fields in enum order, which is code point order, so
 * the output is canonical without sorting. Only meta, an arbitrary
 * object, needs sorting, and it is stored already canonical.
 */
#include "ml_json.h"

#include <math.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_money.h"
#include "ml_text.h"

/* ---------------------------------------------------------------- writing */

static const char ml_hex_digits[] = "0123456789abcdef";

void ml_hex32(const uint8_t bytes[32], char *hex)
{
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = ml_hex_digits[bytes[i] >> 4];
		hex[2 * i + 1] = ml_hex_digits[bytes[i] & 15];
	}
	hex[64] = '\0';
}

/* For each byte: 0 = written raw, else the second character of its
 * two-character escape, or 'u' for \u00xx. DOMAIN.md: only '"', '\\'
 * and the bytes below 0x20 are escaped; 0x7f and UTF-8 go out raw. */
static const char ml_escape_of[256] = {
    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',  ['\t'] = 't',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u',  [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u',  [0x0e] = 'u',
    [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u',  [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u',  [0x18] = 'u',
    [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',  [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

/* Bytes each byte takes beyond itself inside a JSON string: 1 for a
 * two-character escape, 5 for \u00xx. */
static size_t ml_escape_extra(unsigned char c)
{
	char e = ml_escape_of[c];
	return e == 0 ? 0 : e == 'u' ? 5 : 1;
}

/* The exact length of s as a JSON string, quotes included. */
static size_t ml_string_len(const char *s, size_t len)
{
	size_t n = len + 2;
	for (size_t i = 0; i < len; i++)
		n += ml_escape_extra((unsigned char)s[i]);
	return n;
}

/* Writes s as a JSON string at o (ml_string_len bytes); returns the end. */
static char *ml_put_string(char *o, const char *s, size_t len)
{
	*o++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char e = ml_escape_of[c];
		if (e == 0) {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		*o++ = e;
		if (e == 'u') {
			*o++ = '0';
			*o++ = '0';
			*o++ = ml_hex_digits[c >> 4];
			*o++ = ml_hex_digits[c & 15];
		}
	}
	*o++ = '"';
	return o;
}

int ml_json_write_string(struct ml_buf *out, const char *s, size_t len)
{
	size_t n = ml_string_len(s, len);
	char *o;
	int rc = ml_buf_room(out, n, &o);
	if (rc != 0)
		return rc;
	char *end = ml_put_string(o, s, len);
	ML_ASSERT((size_t)(end - o) == n); /* ml_string_len is exact */
	ml_buf_commit(out, n);
	return 0;
}

/* The length of v in decimal. */
static size_t ml_i64_len(int64_t v)
{
	char tmp[ML_INT_TEXT_MAX];
	return (size_t)(ml_put_i64(tmp, v) - tmp);
}

static size_t ml_u64_len(uint64_t v)
{
	char tmp[ML_INT_TEXT_MAX];
	return (size_t)(ml_put_u64(tmp, v) - tmp);
}

/* Quoted, so the same length as a JSON string needing no escapes. */
static char *ml_put_quoted(char *o, const char *text, size_t len)
{
	*o++ = '"';
	memcpy(o, text, len);
	o[len] = '"';
	return o + len + 1;
}

static const char *ml_type_name(const struct ml_event *ev)
{
	return ml_types[ev->type].name;
}

/* The length of field f's value in ev: exact, or (exact false) an upper
 * bound found without reading the strings. */
static size_t ml_value_len(const struct ml_event *ev, enum ml_field f,
                           bool exact)
{
	const struct ml_field_info *fi = &ml_fields[f];
	const char *p = (const char *)ev + fi->offset;
	const struct ml_str *str = (const struct ml_str *)p;
	switch (fi->kind) {
	case ML_V_AMOUNT:
		return exact ? ml_i64_len(*(const int64_t *)p)
		             : ML_INT_TEXT_MAX;
	case ML_V_SEQ:
		return exact ? ml_u64_len(*(const uint64_t *)p)
		             : ML_INT_TEXT_MAX;
	case ML_V_YEAR:
		return exact ? ml_i64_len(*(const int32_t *)p) : 11;
	case ML_V_DATE:
		return ML_DATE_TEXT_MAX + 1; /* "YYYY-MM-DD" */
	case ML_V_BOOL:
		return *(const bool *)p ? 4 : 5;
	case ML_V_TYPE:
		return strlen(ml_type_name(ev)) + 2;
	case ML_V_TIME:
		return ML_TIME_TEXT_MAX + 1; /* "…Z" */
	case ML_V_HASH:
		return 66;
	case ML_V_META:
	case ML_V_KEY: /* canonical JSON already */
		return str->len;
	case ML_V_SETTLES:
		if (ev->settles_seq != 0)
			return exact ? ml_u64_len(ev->settles_seq)
			             : ML_INT_TEXT_MAX;
		str = &ev->settles_id;
		break;
	default:
		break;
	}
	return exact ? ml_string_len(str->ptr, str->len) : 2 + 6 * str->len;
}

/* Writes field f's value at o (room: ml_value_len); returns the end. */
static char *ml_put_value(char *o, const struct ml_event *ev, enum ml_field f)
{
	const struct ml_field_info *fi = &ml_fields[f];
	const char *p = (const char *)ev + fi->offset;
	const struct ml_str *str = (const struct ml_str *)p;
	char text[ML_TIME_TEXT_MAX + 40];
	switch (fi->kind) {
	case ML_V_AMOUNT:
		return ml_put_i64(o, *(const int64_t *)p);
	case ML_V_SEQ:
		return ml_put_u64(o, *(const uint64_t *)p);
	case ML_V_YEAR:
		return ml_put_i64(o, *(const int32_t *)p);
	case ML_V_DATE:
		ml_date_format(*(const ml_day *)p, text, sizeof text);
		return ml_put_quoted(o, text, ML_DATE_TEXT_MAX - 1);
	case ML_V_BOOL: {
		const char *word = *(const bool *)p ? "true" : "false";
		size_t len = strlen(word);
		memcpy(o, word, len);
		return o + len;
	}
	case ML_V_TYPE:
		return ml_put_quoted(o, ml_type_name(ev),
		                     strlen(ml_type_name(ev)));
	case ML_V_TIME:
		ml_time_format(*(const int64_t *)p, text, sizeof text);
		return ml_put_quoted(o, text, ML_TIME_TEXT_MAX - 1);
	case ML_V_HASH:
		ml_hex32((const uint8_t *)p, text);
		return ml_put_quoted(o, text, 64);
	case ML_V_META:
	case ML_V_KEY: /* canonical JSON already */
		memcpy(o, str->ptr, str->len);
		return o + str->len;
	case ML_V_SETTLES:
		if (ev->settles_seq != 0)
			return ml_put_u64(o, ev->settles_seq);
		str = &ev->settles_id;
		break;
	default:
		break;
	}
	return ml_put_string(o, str->ptr, str->len);
}

static uint64_t ml_form_mask(const struct ml_event *ev, enum ml_json_form f)
{
	uint64_t mask = ev->present | ML_BIT(ML_F_TYPE) | ML_BIT(ML_F_DATE);
	if (f == ML_JSON_SUBMITTED)
		return mask & ~ML_STORED_FIELDS;
	if (f == ML_JSON_CANONICAL)
		return mask & ~(ML_BIT(ML_F_HASH) | ML_BIT(ML_F_PREV_HASH));
	return mask;
}

/* The length of the event's JSON: exact, or an upper bound. Each field
 * takes "name": and its value, and a comma or a brace. */
static size_t ml_event_len(const struct ml_event *ev, uint64_t mask, bool exact)
{
	size_t n = 1;
	for (int f = 0; f < ML_F_COUNT; f++)
		if (mask & ML_BIT(f))
			n += ml_fields[f].name_len + 4 +
			     ml_value_len(ev, (enum ml_field)f, exact);
	return n > 1 ? n : 2;
}

/* One length pass, one reservation, then plain stores: this runs for
 * every appended event (its canonical form is hashed), and a bounds
 * check per piece was a fifth of the log's CPU time. The bound skips
 * reading the strings; only when it does not fit is the exact length
 * taken, so ML_E_TOO_LARGE means the JSON itself does not fit. */
int ml_json_write_event(const struct ml_event *ev, enum ml_json_form form,
                        struct ml_buf *out)
{
	uint64_t mask = ml_form_mask(ev, form);
	size_t need = ml_event_len(ev, mask, false);
	if (need > out->max_bytes - out->len)
		need = ml_event_len(ev, mask, true);
	char *o, *start;
	int rc = ml_buf_room(out, need, &start);
	if (rc != 0)
		return rc;
	o = start;
	*o++ = '{';
	for (int f = 0; f < ML_F_COUNT; f++) {
		if (!(mask & ML_BIT(f)))
			continue;
		if (o > start + 1)
			*o++ = ',';
		const struct ml_field_info *fi = &ml_fields[f];
		/* Field names need no escaping. */
		o = ml_put_quoted(o, fi->name, fi->name_len);
		*o++ = ':';
		o = ml_put_value(o, ev, (enum ml_field)f);
	}
	*o++ = '}';
	/* The length pass bounds the stores: past need is past the room. */
	ML_ASSERT((size_t)(o - start) <= need);
	ml_buf_commit(out, (size_t)(o - start));
	return 0;
}

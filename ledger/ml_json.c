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

static int ml_write_escape(struct ml_buf *out, unsigned char c)
{
	char esc[6] = {'\\', ml_escape_of[c], '0', '0', 0, 0};
	if (esc[1] != 'u')
		return ml_buf_add(out, esc, 2);
	esc[4] = ml_hex_digits[c >> 4];
	esc[5] = ml_hex_digits[c & 15];
	return ml_buf_add(out, esc, 6);
}

int ml_json_write_string(struct ml_buf *out, const char *s, size_t len)
{
	int rc = ml_buf_add_char(out, '"');
	size_t run = 0; /* start of the pending run of raw bytes */
	for (size_t i = 0; rc == 0 && i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (ml_escape_of[c] == 0)
			continue;
		rc = ml_buf_add(out, s + run, i - run);
		if (rc == 0)
			rc = ml_write_escape(out, c);
		run = i + 1;
	}
	if (rc == 0)
		rc = ml_buf_add(out, s + run, len - run);
	if (rc == 0)
		rc = ml_buf_add_char(out, '"');
	return rc;
}

static int ml_write_date(struct ml_buf *out, ml_day day)
{
	char text[ML_DATE_TEXT_MAX];
	ml_date_format(day, text, sizeof text);
	char quoted[ML_DATE_TEXT_MAX + 2];
	quoted[0] = '"';
	memcpy(quoted + 1, text, 10);
	quoted[11] = '"';
	return ml_buf_add(out, quoted, 12);
}

static int ml_write_value(struct ml_buf *out, const struct ml_event *ev,
                          enum ml_field f)
{
	const struct ml_field_info *fi = &ml_fields[f];
	const char *p = (const char *)ev + fi->offset;
	char text[ML_TIME_TEXT_MAX + 40];
	switch (fi->kind) {
	case ML_V_AMOUNT:
		return ml_buf_add_i64(out, *(const int64_t *)p);
	case ML_V_SEQ:
		return ml_buf_add_u64(out, *(const uint64_t *)p);
	case ML_V_YEAR:
		return ml_buf_add_i64(out, *(const int32_t *)p);
	case ML_V_DATE:
		return ml_write_date(out, *(const ml_day *)p);
	case ML_V_BOOL:
		return ml_buf_add_str(out, *(const bool *)p ? "true" : "false");
	case ML_V_TYPE:
		return ml_json_write_string(out, ml_types[ev->type].name,
		                            strlen(ml_types[ev->type].name));
	case ML_V_TIME:
		ml_time_format(*(const int64_t *)p, text, sizeof text);
		return ml_json_write_string(out, text, strlen(text));
	case ML_V_HASH:
		ml_hex32((const uint8_t *)p, text);
		return ml_json_write_string(out, text, 64);
	case ML_V_META:
		return ml_buf_add(out, ev->meta.ptr, ev->meta.len);
	case ML_V_SETTLES:
		if (ev->settles_seq != 0)
			return ml_buf_add_u64(out, ev->settles_seq);
		return ml_json_write_string(out, ev->settles_id.ptr,
		                            ev->settles_id.len);
	default: {
		const struct ml_str *str = (const struct ml_str *)p;
		return ml_json_write_string(out, str->ptr, str->len);
	}
	}
}

/* "name": — field names need no escaping, so they are copied whole. */
static int ml_write_key(struct ml_buf *out, const struct ml_field_info *fi)
{
	char key[ML_FIELD_NAME_MAX + 3];
	key[0] = '"';
	memcpy(key + 1, fi->name, fi->name_len);
	key[fi->name_len + 1] = '"';
	key[fi->name_len + 2] = ':';
	return ml_buf_add(out, key, fi->name_len + 3);
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

int ml_json_write_event(const struct ml_event *ev, enum ml_json_form form,
                        struct ml_buf *out)
{
	uint64_t mask = ml_form_mask(ev, form);
	int rc = ml_buf_add_char(out, '{');
	bool first = true;
	for (int f = 0; rc == 0 && f < ML_F_COUNT; f++) {
		if (!(mask & ML_BIT(f)))
			continue;
		if (!first)
			rc = ml_buf_add_char(out, ',');
		first = false;
		if (rc == 0)
			rc = ml_write_key(out, &ml_fields[f]);
		if (rc == 0)
			rc = ml_write_value(out, ev, (enum ml_field)f);
	}
	if (rc == 0)
		rc = ml_buf_add_char(out, '}');
	return rc;
}

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

/* The escape for byte c, or NULL when it is written raw. */
static const char *ml_json_escape(unsigned char c, char tmp[7])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		break;
	}
	if (c >= 0x20)
		return NULL;
	memcpy(tmp, "\\u00", 4);
	tmp[4] = ml_hex_digits[c >> 4];
	tmp[5] = ml_hex_digits[c & 15];
	tmp[6] = '\0';
	return tmp;
}

int ml_json_write_string(struct ml_buf *out, const char *s, size_t len)
{
	int rc = ml_buf_add_char(out, '"');
	size_t run = 0; /* start of the pending run of raw bytes */
	for (size_t i = 0; rc == 0 && i < len; i++) {
		char tmp[7];
		const char *esc = ml_json_escape((unsigned char)s[i], tmp);
		if (esc == NULL)
			continue;
		rc = ml_buf_add(out, s + run, i - run);
		if (rc == 0)
			rc = ml_buf_add_str(out, esc);
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
			rc = ml_json_write_string(out, ml_fields[f].name,
						  strlen(ml_fields[f].name));
		if (rc == 0)
			rc = ml_buf_add_char(out, ':');
		if (rc == 0)
			rc = ml_write_value(out, ev, (enum ml_field)f);
	}
	if (rc == 0)
		rc = ml_buf_add_char(out, '}');
	return rc;
}

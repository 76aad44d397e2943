/*
 * ml_record.c — encoding and checked decoding of binary event records.
 *
 * Header (little-endian), 88 bytes:
 *    0 u8  version (ML_RECORD_VERSION)
 *    1 u8  type
 *    2 u8  flags: bit 0 = settles (or allocation) given as an event id
 *    3 u8  zero
 *    4 u32 date (day number)
 *    8 u64 mask of present fields, bit ml_record_bit[f] for field f
 *   16 i64 recorded_at (µs since the epoch)
 *   24 32  prev_hash
 *   56 32  hash
 * then, in enum ml_field order, each present field that is not in the header:
 * strings as u16 length + bytes (a distribution's key, up to
 * ML_KEY_BYTES_MAX, as u32 length + bytes); amounts, seqs i64/u64; dates,
 * years u32; booleans u8.
 *
 * The mask's bit numbers are on disk, while enum ml_field is in code
 * point order, so a new field lands in the middle of the enum. Each field
 * therefore has its own fixed bit (ml_record_bit): the first 36 fields'
 * bits are their enum numbers from before the first field was added
 * (format 1), and a new field takes the next free bit. The body keeps
 * enum order: inserting a field changes no old field's relative order, so
 * an old record reads unchanged. Distributions added key, key_name and
 * round_to (bits 39, 40, 41); no record before them has any of the three.
 */
#include "ml_record.h"

#include <assert.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_error.h"

#define ML_HEADER_FIELDS                                                       \
	(ML_BIT(ML_F_TYPE) | ML_BIT(ML_F_DATE) | ML_BIT(ML_F_SEQ) |            \
	 ML_BIT(ML_F_RECORDED_AT) | ML_BIT(ML_F_HASH) |                        \
	 ML_BIT(ML_F_PREV_HASH))
#define ML_FLAG_SETTLES_ID 1u
/* What every stored record has: the fields the ledger sets, type, date. */
#define ML_RECORD_ALWAYS                                                       \
	(ML_STORED_FIELDS | ML_BIT(ML_F_TYPE) | ML_BIT(ML_F_DATE))

/* The mask bit of each field (see the top): never renumber one. */
static const uint8_t ml_record_bit[ML_F_COUNT] = {
    [ML_F_ACTIVITY] = 0,     [ML_F_AMOUNT] = 1,       [ML_F_CARRY_OVER] = 2,
    [ML_F_CLAIM_BY] = 3,     [ML_F_CORRECTS] = 4,     [ML_F_DATE] = 5,
    [ML_F_DUE] = 6,          [ML_F_FROM] = 7,         [ML_F_GRANT] = 8,
    [ML_F_HASH] = 9,         [ML_F_ID] = 10,          [ML_F_INVOICE_NO] = 11,
    [ML_F_KIND] = 12,        [ML_F_META] = 13,        [ML_F_NAME] = 14,
    [ML_F_NOTE] = 15,        [ML_F_ORG_NO] = 16,      [ML_F_PARENT] = 17,
    [ML_F_PARTY] = 18,       [ML_F_PAYER] = 19,       [ML_F_PREV_HASH] = 20,
    [ML_F_RECORDED_AT] = 21, [ML_F_RECORDED_BY] = 22, [ML_F_REF] = 23,
    [ML_F_REPAY_BY] = 24,    [ML_F_REPORT_BY] = 25,   [ML_F_SEQ] = 26,
    [ML_F_SETTLES] = 27,     [ML_F_SPENT] = 28,       [ML_F_TO] = 29,
    [ML_F_TO_GRANT] = 30,    [ML_F_TOTAL] = 31,       [ML_F_TYPE] = 32,
    [ML_F_UNIT] = 33,        [ML_F_USE_BY] = 34,      [ML_F_YEAR] = 35,
    [ML_F_ALLOCATION] = 36,  [ML_F_CONDITION] = 37,   [ML_F_DECIDE_BY] = 38,
    [ML_F_KEY] = 39,         [ML_F_KEY_NAME] = 40,    [ML_F_ROUND_TO] = 41,
};

static uint64_t ml_mask_to_disk(uint64_t present)
{
	uint64_t m = 0;
	for (int f = 0; f < ML_F_COUNT; f++) {
		if (present & ML_BIT(f))
			m |= UINT64_C(1) << ml_record_bit[f];
	}
	return m;
}

/* The present mask of a disk mask; *unknown when a bit is no field's. */
static uint64_t ml_mask_from_disk(uint64_t disk, bool *unknown)
{
	uint64_t m = 0;
	for (int f = 0; f < ML_F_COUNT; f++) {
		uint64_t bit = UINT64_C(1) << ml_record_bit[f];
		if (disk & bit)
			m |= ML_BIT(f);
		disk &= ~bit;
	}
	*unknown = disk != 0;
	return m;
}

/* Is f's value an event given by seq or id (settles, allocation)? */
static bool ml_is_event_ref(int f)
{
	return f == ML_F_SETTLES || f == ML_F_ALLOCATION;
}

static_assert(ML_F_COUNT <= 64, "the present mask is 64 bits");
static_assert(ML_RECORD_HEADER_BYTES == 24 + 32 + 32, "header layout");
static_assert(ML_TYPE_COUNT <= 0xff, "a type is one byte of the header");
static_assert(ML_RECORD_VERSION <= 0xff, "the version is one byte");
static_assert(ML_RECORD_HEADER_BYTES < ML_RECORD_BYTES_MAX,
              "a header fits a record");

/* Bytes of a string field's length prefix. */
static int ml_len_bytes(int f)
{
	return ml_fields[f].kind == ML_V_KEY ? 4 : 2;
}

static void ml_put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t ml_get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int ml_add_le(struct ml_buf *out, uint64_t v, int bytes)
{
	unsigned char tmp[8];
	ml_put_le(tmp, v, bytes);
	return ml_buf_add(out, tmp, (size_t)bytes);
}

/* Width of a field's fixed-size value, or 0 for a length-prefixed string. */
static int ml_field_width(enum ml_field f, const struct ml_event *ev)
{
	switch (ml_fields[f].kind) {
	case ML_V_AMOUNT:
	case ML_V_SEQ:
		return 8;
	case ML_V_DATE:
	case ML_V_YEAR:
		return 4;
	case ML_V_BOOL:
		return 1;
	case ML_V_SETTLES:
		return ev->settles_seq != 0 ? 8 : 0;
	default:
		return 0;
	}
}

static uint64_t ml_field_fixed(const struct ml_event *ev, enum ml_field f)
{
	const char *p = (const char *)ev + ml_fields[f].offset;
	switch (ml_fields[f].kind) {
	case ML_V_AMOUNT:
		return (uint64_t) * (const int64_t *)p;
	case ML_V_SEQ:
		return *(const uint64_t *)p;
	case ML_V_DATE:
		return (uint32_t) * (const ml_day *)p;
	case ML_V_YEAR:
		return (uint32_t) * (const int32_t *)p;
	case ML_V_BOOL:
		return *(const bool *)p ? 1 : 0;
	case ML_V_SETTLES:
		return ev->settles_seq;
	default:
		return 0;
	}
}

static int ml_encode_header(const struct ml_event *ev, struct ml_buf *out)
{
	unsigned char h[ML_RECORD_HEADER_BYTES];
	ML_ASSERT((unsigned)ev->type < ML_TYPE_COUNT);
	h[0] = ML_RECORD_VERSION;
	h[1] = (unsigned char)ev->type;
	uint64_t refs = ML_BIT(ML_F_SETTLES) | ML_BIT(ML_F_ALLOCATION);
	h[2] = (ev->present & refs) && ev->settles_seq == 0 ? ML_FLAG_SETTLES_ID
	                                                    : 0;
	h[3] = 0;
	ml_put_le(h + 4, (uint32_t)ev->date, 4);
	ml_put_le(h + 8, ml_mask_to_disk(ev->present), 8);
	ml_put_le(h + 16, (uint64_t)ev->recorded_at_us, 8);
	memcpy(h + 24, ev->prev_hash, 32);
	memcpy(h + 56, ev->hash, 32);
	return ml_buf_add(out, h, sizeof h);
}

int ml_record_encode(const struct ml_event *ev, struct ml_buf *out)
{
	int rc = ml_encode_header(ev, out);
	uint64_t body = ev->present & ~ML_HEADER_FIELDS;
	for (int f = 0; rc == 0 && f < ML_F_COUNT; f++) {
		if (!(body & ML_BIT(f)))
			continue;
		int width = ml_field_width((enum ml_field)f, ev);
		ML_ASSERT(width >= 0 && width <= 8);
		if (width > 0) {
			rc = ml_add_le(out, ml_field_fixed(ev, f), width);
			continue;
		}
		const struct ml_str *s =
		    (const struct ml_str *)((const char *)ev +
		                            ml_fields[f].offset);
		int lb = ml_len_bytes(f);
		if (lb == 2 && s->len > UINT16_MAX)
			return ML_E_TOO_LARGE;
		rc = ml_add_le(out, s->len, lb);
		if (rc == 0)
			rc = ml_buf_add(out, s->ptr, s->len);
	}
	return rc;
}

static void ml_set_fixed(struct ml_event *ev, enum ml_field f, uint64_t v)
{
	char *p = (char *)ev + ml_fields[f].offset;
	switch (ml_fields[f].kind) {
	case ML_V_AMOUNT:
		*(int64_t *)p = (int64_t)v;
		break;
	case ML_V_SEQ:
		*(uint64_t *)p = v;
		break;
	case ML_V_DATE:
		*(ml_day *)p = (ml_day)(uint32_t)v;
		break;
	case ML_V_YEAR:
		*(int32_t *)p = (int32_t)(uint32_t)v;
		break;
	case ML_V_BOOL:
		*(bool *)p = v != 0;
		break;
	case ML_V_SETTLES:
		ev->settles_seq = v;
		break;
	default:
		break;
	}
}

static int ml_decode_header(const unsigned char *r, size_t len,
                            struct ml_event *ev, unsigned *flags)
{
	if (len < ML_RECORD_HEADER_BYTES || r[0] != ML_RECORD_VERSION ||
	    r[1] <= ML_TYPE_NONE || r[1] >= ML_TYPE_COUNT || r[3] != 0)
		return ML_E_CORRUPT;
	ev->type = (enum ml_type)r[1];
	*flags = r[2];
	ev->date = (ml_day)(uint32_t)ml_get_le(r + 4, 4);
	bool unknown;
	ev->present = ml_mask_from_disk(ml_get_le(r + 8, 8), &unknown);
	ev->recorded_at_us = (int64_t)ml_get_le(r + 16, 8);
	memcpy(ev->prev_hash, r + 24, 32);
	memcpy(ev->hash, r + 56, 32);
	const struct ml_type_schema *sc = &ml_types[ev->type];
	uint64_t allowed = sc->required | sc->optional | ML_STORED_FIELDS;
	if (unknown || (ev->present & ~allowed) != 0 ||
	    (ev->present & sc->required) != sc->required || ev->date < 0 ||
	    ev->date > ML_DAY_MAX)
		return ML_E_CORRUPT;
	/* A record has every field the ledger stores (without prev_hash
	 * the API would serve an event with no link), and no flag but the
	 * settles one, on a record that has settles. */
	if ((ev->present & ML_RECORD_ALWAYS) != ML_RECORD_ALWAYS ||
	    (*flags & ~ML_FLAG_SETTLES_ID) != 0 ||
	    ((*flags & ML_FLAG_SETTLES_ID) &&
	     !(ev->present & (ML_BIT(ML_F_SETTLES) | ML_BIT(ML_F_ALLOCATION)))))
		return ML_E_CORRUPT;
	return 0;
}

int ml_record_decode(const void *rec, size_t len, uint64_t seq,
                     struct ml_event *ev)
{
	const unsigned char *r = rec;
	unsigned flags = 0;
	memset(ev, 0, sizeof *ev);
	if (ml_decode_header(r, len, ev, &flags) != 0)
		return ML_E_CORRUPT;
	ev->seq = seq;
	size_t pos = ML_RECORD_HEADER_BYTES;
	uint64_t body = ev->present & ~ML_HEADER_FIELDS;
	/* the present fields only, lowest first (verify decodes every event
	 * twice: a test of each of the ML_F_COUNT bits was a fifth of it) */
	for (; body != 0; body &= body - 1) {
		int f = __builtin_ctzll(body);
		ML_ASSERT(f < ML_F_COUNT); /* ml_decode_header refuses others */
		bool by_id = ml_is_event_ref(f) && (flags & ML_FLAG_SETTLES_ID);
		int width = by_id ? 0 : ml_field_width((enum ml_field)f, ev);
		if (ml_is_event_ref(f) && !by_id)
			width = 8;
		if (width > 0) {
			if (len - pos < (size_t)width)
				return ML_E_CORRUPT;
			uint64_t v = ml_get_le(r + pos, width);
			/* Only what the encoder writes: a boolean is 0 or 1,
			 * settles given as a seq is one (≥ 1). With the hash
			 * over every value, no byte of a record can then
			 * change while it still decodes to the same event. */
			if ((ml_fields[f].kind == ML_V_BOOL && v > 1) ||
			    (ml_is_event_ref(f) && v == 0))
				return ML_E_CORRUPT;
			ml_set_fixed(ev, f, v);
			pos += (size_t)width;
			continue;
		}
		size_t lb = (size_t)ml_len_bytes(f);
		if (len - pos < lb)
			return ML_E_CORRUPT;
		size_t n = (size_t)ml_get_le(r + pos, (int)lb);
		if (len - pos - lb < n)
			return ML_E_CORRUPT;
		struct ml_str *s =
		    (struct ml_str *)((char *)ev + ml_fields[f].offset);
		s->ptr = (const char *)r + pos + lb;
		s->len = (uint32_t)n;
		pos += lb + n;
	}
	return pos == len ? 0 : ML_E_CORRUPT;
}

int ml_record_peek(const void *rec, size_t len, enum ml_type *type,
                   ml_day *date, int64_t *recorded_at_us)
{
	const unsigned char *r = rec;
	if (len < ML_RECORD_HEADER_BYTES || r[0] != ML_RECORD_VERSION ||
	    r[1] <= ML_TYPE_NONE || r[1] >= ML_TYPE_COUNT)
		return ML_E_CORRUPT;
	*type = (enum ml_type)r[1];
	*date = (ml_day)(uint32_t)ml_get_le(r + 4, 4);
	*recorded_at_us = (int64_t)ml_get_le(r + 16, 8);
	return 0;
}

/*
 * ml_text.c — is this text something the ledger may store?
 *
 * Two kinds of check, both pure and allocation-free:
 *
 *  - ml_utf8_valid walks the bytes once against the table of well-formed
 *    sequences in RFC 3629 section 4. Because that table lists the allowed
 *    second byte for each lead byte, overlong forms (C0, C1, E0 80..9F,
 *    F0 80..8F), UTF-16 surrogates (ED A0..BF) and code points above
 *    U+10FFFF (F4 90.., F5..FF) are all rejected by the same range test.
 *    A NUL byte is rejected as well: nothing the ledger stores contains
 *    one, and C strings built from stored text could not carry it.
 *
 *  - The identifier checks match DOMAIN.md's regular expressions exactly,
 *    written out as loops over a byte class: nothing more (a grant id
 *    "a//b" or "a/" fits its expression and is accepted), nothing less.
 *
 * Callers: the event decoder (every string field), the CLI and the daemon
 * before they send or store text. Each call reads s[0..len) and nothing
 * beyond it; len is the bound of every loop.
 */
#include "ml_text.h"

#include <string.h>

#include "ml_assert.h"
#include "ml_limits.h"

/* One well-formed UTF-8 sequence: its lead byte range, how many bytes,
 * and the range its second byte must fall in (RFC 3629, section 4). The
 * third and fourth bytes are always 80..BF. */
struct ml_utf8_row {
	unsigned char lead_lo, lead_hi;
	unsigned char second_lo, second_hi;
	unsigned char length_bytes;
};

static const struct ml_utf8_row ml_utf8_rows[] = {
    {0xC2, 0xDF, 0x80, 0xBF, 2},
    {0xE0, 0xE0, 0xA0, 0xBF, 3}, /* no overlongs below U+0800 */
    {0xE1, 0xEC, 0x80, 0xBF, 3},
    {0xED, 0xED, 0x80, 0x9F, 3}, /* no surrogates D800..DFFF */
    {0xEE, 0xEF, 0x80, 0xBF, 3},
    {0xF0, 0xF0, 0x90, 0xBF, 4}, /* no overlongs below U+10000 */
    {0xF1, 0xF3, 0x80, 0xBF, 4},
    {0xF4, 0xF4, 0x80, 0x8F, 4}, /* nothing above U+10FFFF */
};

static bool ml_utf8_is_continuation(unsigned char byte)
{
	return byte >= 0x80 && byte <= 0xBF;
}

/* Length of the well-formed multi-byte sequence at s[0..avail), or 0 when
 * the bytes there are not one. s[0] is known to be ≥ 0x80. */
static size_t ml_utf8_sequence_bytes(const unsigned char *s, size_t avail)
{
	const size_t row_count = sizeof ml_utf8_rows / sizeof ml_utf8_rows[0];
	ML_ASSERT(avail >= 1 && s[0] >= 0x80);
	for (size_t r = 0; r < row_count; r++) {
		const struct ml_utf8_row *row = &ml_utf8_rows[r];
		if (s[0] < row->lead_lo || s[0] > row->lead_hi)
			continue;
		if (avail < row->length_bytes)
			return 0; /* truncated */
		if (s[1] < row->second_lo || s[1] > row->second_hi)
			return 0;
		ML_ASSERT(row->length_bytes >= 2 && row->length_bytes <= 4);
		for (size_t k = 2; k < row->length_bytes; k++) {
			if (!ml_utf8_is_continuation(s[k]))
				return 0;
		}
		return row->length_bytes;
	}
	return 0; /* 80..C1 or F5..FF: never a lead byte */
}

/* Are the 8 bytes at p ASCII without a NUL? A word at a time: a high
 * bit set is not ASCII, and (w - 0x01…01) & ~w & 0x80…80 is nonzero
 * exactly when some byte of w is zero. The whole body of every POST
 * /v1/events passes here, then each of its strings: a byte at a time
 * this was 3 % of a `medel append` (perf, issue 15). */
static bool ml_ascii8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return ((w | ((w - ones) & ~w)) & highs) == 0;
}

bool ml_utf8_valid(const char *s, size_t len)
{
	if (s == NULL)
		return len == 0;
	const unsigned char *bytes = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (len - i >= 8 && ml_ascii8(bytes + i)) {
			i += 8;
			continue;
		}
		if (bytes[i] == 0x00)
			return false;
		if (bytes[i] < 0x80) {
			i++;
			continue;
		}
		size_t seq_bytes = ml_utf8_sequence_bytes(bytes + i, len - i);
		if (seq_bytes == 0)
			return false;
		ML_ASSERT(seq_bytes <= len - i); /* the loop ends at len */
		i += seq_bytes;
	}
	return true;
}

static bool ml_is_lower_or_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* True when s[0..len) is 1..len_max bytes, the first lower-case or digit,
 * the rest lower-case, digit or one of the bytes in extra. */
static bool ml_id_valid(const char *s, size_t len, size_t len_max,
                        const char *extra)
{
	if (s == NULL || len == 0 || len > len_max)
		return false;
	if (!ml_is_lower_or_digit(s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (ml_is_lower_or_digit(s[i]))
			continue;
		bool found = false;
		for (const char *e = extra; *e != '\0'; e++)
			found = found || (s[i] == *e);
		if (!found)
			return false;
	}
	return true;
}

bool ml_party_id_valid(const char *s, size_t len)
{
	return ml_id_valid(s, len, ML_PARTY_ID_MAX, "._-");
}

bool ml_grant_id_valid(const char *s, size_t len)
{
	return ml_id_valid(s, len, ML_GRANT_ID_MAX, "._/-");
}

bool ml_event_id_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > ML_EVENT_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'A' && c <= 'Z') || ml_is_lower_or_digit(c) ||
		          c == '.' || c == '_' || c == ':' || c == '/' ||
		          c == '-';
		if (!ok)
			return false;
	}
	return true;
}

const char *ml_article(const char *word)
{
	return word != NULL && word[0] != '\0' && strchr("aeiouAEIOU", word[0])
	           ? "an"
	           : "a";
}

int ml_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool ml_org_no_valid(const char *s, size_t len)
{
	char d[10];
	size_t n = 0;
	if (s == NULL || (len != 10 && len != 11))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (len == 11 && i == 6) {
			if (s[i] != '-')
				return false;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return false;
		d[n++] = (char)(s[i] - '0');
	}
	int sum = 0;
	for (size_t i = 0; i < 9; i++) {
		int v = d[i] * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	return d[9] == (10 - sum % 10) % 10;
}

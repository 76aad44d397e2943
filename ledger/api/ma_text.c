/*
 * ma_text.c — display width, cutting and ASCII folding (ma_text.h).
 *
 * Pure functions over bytes, called by the SVG trace (labels cut to a
 * width) and by medel's tables and tree; no locale calls (setlocale
 * would change how the C library prints numbers, and the output must
 * not depend on it beyond the UTF-8/ASCII choice the caller makes).
 * Malformed UTF-8 in an answer cannot happen (the ledger checks every
 * string it stores), but a stray byte is still counted and copied
 * rather than trusted.
 */
#include "ma_text.h"

#include <stdint.h>
#include <string.h>

/* Bytes of the UTF-8 sequence starting with lead byte c (1 for a stray
 * continuation byte or an invalid lead). */
static size_t ma_utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/* The sequence at s[0..avail), its length clamped to what is there. */
static size_t ma_utf8_step(const char *s, size_t avail)
{
	size_t n = ma_utf8_len((unsigned char)s[0]);
	return n <= avail ? n : avail;
}

/* Eight bytes at a time while they are ASCII (a column each), the
 * sequences one by one where they are not: a table's cells are mostly
 * ASCII, and each is measured for the widths and again to pad it. */
size_t ma_text_cols(const char *s, size_t len)
{
	const uint64_t high_bits = 0x8080808080808080u;
	size_t cols = 0, i = 0;
	while (i < len) {
		uint64_t word;
		if (len - i >= sizeof word) {
			memcpy(&word, s + i, sizeof word);
			if ((word & high_bits) == 0) {
				i += sizeof word;
				cols += sizeof word;
				continue;
			}
		}
		i += ma_utf8_step(s + i, len - i);
		cols++;
	}
	return cols;
}

/* The code point of a 2-byte sequence, or 0. */
static unsigned ma_cp2(const char *s)
{
	return ((unsigned)(s[0] & 0x1f) << 6) | (unsigned)(s[1] & 0x3f);
}

/* ASCII for one non-ASCII character of n bytes at s. */
static char ma_fold(const char *s, size_t n)
{
	static const char latin1[] = /* U+00C0 ..= U+00FF */
	    "AAAAAAACEEEEIIII"
	    "DNOOOOOxOUUUUYTs"
	    "aaaaaaaceeeeiiii"
	    "dnooooo/ouuuuyty";
	if (n != 2)
		return '?';
	unsigned cp = ma_cp2(s);
	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	return cp == 0xa0 ? ' ' : '?';
}

/* Appends one character (n bytes at s), folded when !utf8. */
static int ma_text_char(struct ml_buf *out, const char *s, size_t n, bool utf8)
{
	if (utf8 || n == 1)
		return ml_buf_add(out, s, n);
	return ml_buf_add_char(out, ma_fold(s, n));
}

/* The bytes of the first chars characters of s[0..len). */
static size_t ma_text_prefix(const char *s, size_t len, size_t chars)
{
	size_t i = 0;
	for (size_t c = 0; i < len && c < chars; c++)
		i += ma_utf8_step(s + i, len - i);
	return i;
}

int ma_text_add(struct ml_buf *out, const char *s, size_t cols_max, bool utf8)
{
	size_t len = strlen(s);
	/* a character is a byte or more: text no longer in bytes than
	 * cols_max is not cut, and its characters need no count */
	bool cut =
	    cols_max > 0 && len > cols_max && ma_text_cols(s, len) > cols_max;
	const char *ellipsis = utf8 ? "\xe2\x80\xa6" : "...";
	size_t keep = cut ? cols_max - (utf8 ? 1 : 3) : SIZE_MAX;
	if (cut && cols_max <= 3)
		keep = 0;
	int rc = 0;
	size_t i = 0;
	if (utf8) { /* nothing folded: the kept characters in one copy */
		i = cut ? ma_text_prefix(s, len, keep) : len;
		rc = i > 0 ? ml_buf_add(out, s, i) : 0;
	}
	for (size_t c = 0; !utf8 && rc == 0 && i < len && c < keep; c++) {
		size_t n = ma_utf8_step(s + i, len - i);
		rc = ma_text_char(out, s + i, n, utf8);
		i += n;
	}
	if (rc == 0 && cut)
		rc = ml_buf_add_str(out, ellipsis);
	return rc;
}

/*
 * test_text_cols.c — ma_text_cols (ma_text.h), which counts ASCII eight
 * bytes at a time: against a byte-by-byte count of the same rule (one
 * column per UTF-8 sequence, a stray byte one column, a sequence cut by
 * the end clamped), with the non-ASCII bytes at every position of a
 * 40-byte text, so each falls inside, at the edge of and after a word.
 */
#include <stdint.h>
#include <string.h>

#include "ma_text.h"
#include "mt.h"

/* The rule, one lead byte at a time. */
static size_t cols_naive(const char *s, size_t len)
{
	size_t cols = 0;
	for (size_t i = 0; i < len; cols++) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80             ? 1
		           : (c & 0xe0) == 0xc0 ? 2
		           : (c & 0xf0) == 0xe0 ? 3
		           : (c & 0xf8) == 0xf0 ? 4
		                                : 1;
		i += n < len - i ? n : len - i;
	}
	return cols;
}

static void test_cols_known(void)
{
	MT_CHECK_INT(ma_text_cols("", 0), 0);
	MT_CHECK_INT(ma_text_cols("abcdefgh", 8), 8);
	MT_CHECK_INT(ma_text_cols("abcdefghi", 9), 9);
	MT_CHECK_INT(ma_text_cols("Södertälje kommun", 19), 17);
	MT_CHECK_INT(ma_text_cols("\xe2\x94\x82  \xe2\x94\x9c\xe2\x94\x80 "
	                          "spent: Aktivitet 0",
	                          30),
	             24);
	/* only len bytes are read: a cut å counts one */
	MT_CHECK_INT(ma_text_cols("abcdefg\xc3\xa5xyz", 8), 8);
}

/* Each kind of non-ASCII byte run at each position of 40 bytes. */
static void test_cols_every_position(void)
{
	static const char *const runs[] = {
	    "\xc3\xa5", "\xe2\x94\x82", "\xf0\x9f\x98\x80",
	    "\x80",     "\xff",         "\xe2"};
	char buf[48];
	for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		size_t n = strlen(runs[r]);
		for (size_t at = 0; at + n <= 40; at++) {
			memset(buf, 'a', sizeof buf);
			memcpy(buf + at, runs[r], n);
			for (size_t len = at; len <= 40; len++)
				MT_CHECK_INT(ma_text_cols(buf, len),
				             cols_naive(buf, len));
		}
	}
}

int main(void)
{
	MT_RUN(test_cols_known);
	MT_RUN(test_cols_every_position);
	return MT_EXIT();
}

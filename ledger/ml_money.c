/*
 * ml_money.c — money as integer öre: reading what people type, writing
 * what people read, and additions that never wrap.
 *
 * Reading (ml_money_parse) is a single left-to-right scan with three
 * stages, each its own function:
 *
 *   whole     digits, either one plain run ("650000") or a first group of
 *             1-3 digits followed by groups of exactly three, each after
 *             one space character: U+0020, U+00A0, U+202F or U+2009
 *             ("650 000"). The value saturates at ML_AMOUNT_MAX_ORE + 1,
 *             so a digit string of any length cannot overflow.
 *   fraction  optional: ',' and at least one digit. Digits are only
 *             remembered here; what they are worth depends on the unit.
 *   unit      optional: at most one space, then kr, tkr or mkr in any
 *             letter case, then the end of the text.
 *
 * Then the parts are combined with checked arithmetic: öre = whole ×
 * (öre per unit) + fraction, where fraction digits beyond the unit's öre
 * places (2 for kr, 5 for tkr, 8 for mkr) must be zeros. Form is judged
 * before size: only a well-formed amount is reported as out of range.
 *
 * Every rejection quotes the input (cut at ML_QUOTE_MAX bytes, and
 * with bytes that are not printable, well-formed UTF-8 shown as '?', so
 * the reason is always safe to print or put into JSON) and says what is
 * wrong. There is no floating point, no locale and no libc number
 * parser in this file.
 *
 * Writing works on the magnitude as uint64_t, so INT64_MIN, whose
 * magnitude has no int64_t, formats like any other value.
 */
#include "ml_money.h"

#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_error.h"
#include "ml_limits.h"
#include "ml_limits_internal.h"
#include "ml_text.h"

#define ML_ORE_PER_KR 100

/* Where the scan of one amount is, and what it has found so far. */
struct ml_money_scan {
	const char *text;     /* the whole input, for quoting */
	const char *at;       /* next byte to read */
	uint64_t whole;       /* before the comma, ≤ ML_AMOUNT_MAX_ORE + 1 */
	const char *fraction; /* first digit after the comma, or NULL */
	size_t fraction_digits;
	int64_t ore_per_unit; /* 100 (kr), 100 000 (tkr), 10^8 (mkr) */
	int ore_places;       /* fraction digits worth öre: 2, 5 or 8 */
	char *why;
	size_t why_size;
};

/* Bytes of the space character at s (U+0020, U+00A0, U+202F, U+2009),
 * or 0. s is NUL-terminated: a mismatch at the NUL stops every test. */
static size_t ml_space_bytes(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] == 0x20)
		return 1;
	if (u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xAF || u[2] == 0x89))
		return 3;
	return 0;
}

static bool ml_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Bytes of the printable character at s to copy into a quote: 1 for
 * printable ASCII, the sequence length for well-formed non-ASCII UTF-8,
 * 0 for anything else (a control byte, a broken sequence). */
static size_t ml_quotable_bytes(const char *s)
{
	unsigned char lead = (unsigned char)s[0];
	if (lead >= 0x20 && lead < 0x7F)
		return 1;
	size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
	for (size_t k = 1; k < n; k++) {
		if (s[k] == '\0')
			return 0;
	}
	return n > 0 && ml_utf8_valid(s, n) ? n : 0;
}

/* Writes "'<text>' <reason>" into the scan's why and returns code. */
static int ml_money_reject(const struct ml_money_scan *scan, int code,
                           const char *reason)
{
	if (scan->why == NULL || scan->why_size == 0)
		return code;
	char quoted[ML_QUOTE_MAX + 8];
	size_t out = 0;
	const char *s = scan->text;
	while (*s != '\0' && out < ML_QUOTE_MAX) {
		size_t n = ml_quotable_bytes(s);
		for (size_t k = 0; k < n; k++)
			quoted[out++] = s[k];
		if (n == 0)
			quoted[out++] = '?';
		s += n > 0 ? n : 1;
	}
	quoted[out] = '\0';
	snprintf(scan->why, scan->why_size, "'%s%s' %s", quoted,
	         *s != '\0' ? "..." : "", reason);
	return code;
}

/* The reason for input that cannot start an amount. */
static int ml_reject_start(const struct ml_money_scan *scan)
{
	const unsigned char *u = (const unsigned char *)scan->at;
	if (u[0] == '\0')
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "is empty: an amount needs digits");
	if (u[0] == '+' || u[0] == '-' ||
	    (u[0] == 0xE2 && u[1] == 0x88 && u[2] == 0x92)) /* U+2212 */
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "has a sign: write the amount "
		                       "without + or -");
	if (u[0] == '.')
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "is ambiguous: write 0,5 for a "
		                       "decimal");
	if (u[0] == ',')
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "needs a digit before the comma "
		                       "(write 0,50)");
	if (ml_space_bytes(scan->at) > 0)
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "starts with a space");
	return ml_money_reject(scan, ML_E_INVALID_FIELD,
	                       "does not start with a digit");
}

/* Reads a run of digits into scan->whole (saturating) and returns how
 * many there were. */
static size_t ml_scan_digit_run(struct ml_money_scan *scan)
{
	const uint64_t saturated = (uint64_t)ML_AMOUNT_MAX_ORE + 1;
	size_t digit_count = 0;
	while (ml_is_digit(*scan->at)) {
		uint64_t next = scan->whole * 10 + (uint64_t)(*scan->at - '0');
		scan->whole = next > saturated ? saturated : next;
		scan->at++;
		digit_count++;
	}
	return digit_count;
}

/* Stage 1: the digits before the comma, plain or grouped in threes. */
static int ml_scan_whole(struct ml_money_scan *scan)
{
	if (!ml_is_digit(*scan->at))
		return ml_reject_start(scan);
	size_t group_digits = ml_scan_digit_run(scan);
	bool first_group = true;
	for (;;) {
		size_t space = ml_space_bytes(scan->at);
		if (space == 0 || !ml_is_digit(scan->at[space]))
			break; /* a space before the unit, or no space */
		if (first_group ? group_digits > 3 : group_digits != 3)
			break; /* reported below */
		scan->at += space;
		group_digits = ml_scan_digit_run(scan);
		first_group = false;
	}
	size_t space = ml_space_bytes(scan->at);
	bool misgrouped = (!first_group && group_digits != 3) ||
	                  (space > 0 && ml_is_digit(scan->at[space]));
	if (misgrouped)
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "has digits grouped other than in "
		                       "threes: write 650 000 or 650000");
	return 0;
}

/* Stage 2: an optional comma and the digits after it. */
static int ml_scan_fraction(struct ml_money_scan *scan)
{
	if (*scan->at != ',')
		return 0;
	scan->at++;
	scan->fraction = scan->at;
	while (ml_is_digit(*scan->at))
		scan->at++;
	scan->fraction_digits = (size_t)(scan->at - scan->fraction);
	if (scan->fraction_digits == 0)
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "needs digits after the comma");
	if (*scan->at == ',')
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "has more than one comma");
	size_t space = ml_space_bytes(scan->at);
	if (space > 0 && ml_is_digit(scan->at[space]))
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "has a space among the decimals");
	return 0;
}

static char ml_ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* True when the letters at s, lower-cased, are exactly word. */
static bool ml_unit_is(const char *s, size_t len, const char *word)
{
	size_t i = 0;
	for (; i < len && word[i] != '\0'; i++) {
		if (ml_ascii_lower(s[i]) != word[i])
			return false;
	}
	return i == len && word[i] == '\0';
}

/* Sets the unit from the word at s[0..len); false if it is none. */
static bool ml_set_unit(struct ml_money_scan *scan, const char *s, size_t len)
{
	static const struct {
		const char *word;
		int64_t ore_per_unit;
		int ore_places;
	} units[] = {{"kr", 100, 2}, {"tkr", 100000, 5}, {"mkr", 100000000, 8}};
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		if (ml_unit_is(s, len, units[u].word)) {
			scan->ore_per_unit = units[u].ore_per_unit;
			scan->ore_places = units[u].ore_places;
			return true;
		}
	}
	return false;
}

/* Stage 3: an optional unit after at most one space, then the end. */
static int ml_scan_unit(struct ml_money_scan *scan)
{
	scan->ore_per_unit = ML_ORE_PER_KR;
	scan->ore_places = 2;
	if (*scan->at == '.')
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "is ambiguous: write 1,5 for a decimal "
		                       "or 1 500 for thousands");
	size_t space = ml_space_bytes(scan->at);
	if (space > 0 && scan->at[space] == '\0')
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "ends with a space");
	if (space > 0 && ml_space_bytes(scan->at + space) > 0)
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "has more than one space before the "
		                       "unit");
	const char *word = scan->at + space;
	size_t word_bytes = 0;
	while (word[word_bytes] != '\0' &&
	       ml_space_bytes(word + word_bytes) == 0)
		word_bytes++;
	if (word_bytes == 0)
		return 0; /* the end: no unit means kr */
	if (word[word_bytes] != '\0' || !ml_set_unit(scan, word, word_bytes))
		return ml_money_reject(scan, ML_E_INVALID_FIELD,
		                       "has an unknown unit or trailing text: "
		                       "after the number write nothing, kr, "
		                       "tkr or mkr");
	return 0;
}

/* Öre that the fraction digits are worth; false if they do not come to
 * whole öre (a non-zero digit beyond the unit's öre places). */
static bool ml_fraction_ore(const struct ml_money_scan *scan,
                            int64_t *fraction_ore)
{
	int64_t ore = 0;
	for (int place = 0; place < scan->ore_places; place++) {
		size_t i = (size_t)place;
		int digit =
		    i < scan->fraction_digits ? scan->fraction[i] - '0' : 0;
		ore = ore * 10 + digit;
	}
	for (size_t i = (size_t)scan->ore_places; i < scan->fraction_digits;
	     i++) {
		if (scan->fraction[i] != '0')
			return false;
	}
	*fraction_ore = ore;
	return true;
}

int ml_money_parse(const char *text, int64_t *ore_out, char *why,
                   size_t why_size)
{
	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (text == NULL || ore_out == NULL)
		return ML_E_ARG;
	struct ml_money_scan scan = {
	    .text = text, .at = text, .why = why, .why_size = why_size};
	int rc = ml_scan_whole(&scan);
	if (rc == 0)
		rc = ml_scan_fraction(&scan);
	if (rc == 0)
		rc = ml_scan_unit(&scan);
	if (rc != 0)
		return rc;
	int64_t fraction_ore = 0;
	if (!ml_fraction_ore(&scan, &fraction_ore))
		return ml_money_reject(&scan, ML_E_INVALID_FIELD,
		                       "does not come to whole öre");
	int64_t ore;
	bool overflow = scan.whole > (uint64_t)ML_AMOUNT_MAX_ORE ||
	                __builtin_mul_overflow((int64_t)scan.whole,
	                                       scan.ore_per_unit, &ore) ||
	                __builtin_add_overflow(ore, fraction_ore, &ore);
	if (overflow || ore > ML_AMOUNT_MAX_ORE)
		return ml_money_reject(&scan, ML_E_AMOUNT_RANGE,
		                       "is more than 10 000 000 000 000 kr "
		                       "(10^15 öre)");
	*ore_out = ore;
	return 0;
}

/* Magnitude of ore as uint64_t: exact for INT64_MIN too. */
static uint64_t ml_magnitude(int64_t ore)
{
	return ore < 0 ? (uint64_t)0 - (uint64_t)ore : (uint64_t)ore;
}

/* Writes kr in decimal, a space between groups of three, into out. */
static void ml_group_kronor(uint64_t kr, char out[ML_MONEY_GROUPED_MAX + 1])
{
	char reversed[ML_MONEY_GROUPED_MAX];
	size_t n = 0;
	size_t digit_count = 0;
	do {
		ML_ASSERT(n + 2 <= sizeof reversed); /* ≤ 20 digits, 6 gaps */
		if (digit_count > 0 && digit_count % 3 == 0)
			reversed[n++] = ' ';
		reversed[n++] = (char)('0' + kr % 10);
		kr /= 10;
		digit_count++;
	} while (kr > 0);
	for (size_t i = 0; i < n; i++)
		out[i] = reversed[n - 1 - i];
	out[n] = '\0';
}

char *ml_money_format(int64_t ore, char *buf, size_t buf_size)
{
	if (buf == NULL || buf_size == 0)
		return buf;
	/* "-", the grouped kronor, ",NN" unless whole, " kr": put together
	 * by hand, as snprintf would ("%s%s,%02u kr"), since a table of a
	 * thousand lines formats a thousand amounts and printf's parsing
	 * was most of each */
	static_assert(ML_ORE_PER_KR == 100, "two decimals of öre");
	char text[1 + ML_MONEY_GROUPED_MAX + 3 + 3 + 1];
	uint64_t magnitude_ore = ml_magnitude(ore);
	unsigned ore_part = (unsigned)(magnitude_ore % ML_ORE_PER_KR);
	size_t n = 0;
	if (ore < 0)
		text[n++] = '-';
	ml_group_kronor(magnitude_ore / ML_ORE_PER_KR, text + n);
	n += strlen(text + n);
	if (ore_part != 0) {
		text[n++] = ',';
		text[n++] = (char)('0' + ore_part / 10);
		text[n++] = (char)('0' + ore_part % 10);
	}
	memcpy(text + n, " kr", 4);
	n += 3;
	ML_ASSERT(n < sizeof text);
	size_t keep = n < buf_size - 1 ? n : buf_size - 1; /* as snprintf */
	memcpy(buf, text, keep);
	buf[keep] = '\0';
	return buf;
}

char *ml_money_format_csv(int64_t ore, char *buf, size_t buf_size)
{
	if (buf == NULL || buf_size == 0)
		return buf;
	uint64_t magnitude_ore = ml_magnitude(ore);
	snprintf(buf, buf_size, "%s%llu,%02u", ore < 0 ? "-" : "",
	         (unsigned long long)(magnitude_ore / ML_ORE_PER_KR),
	         (unsigned)(magnitude_ore % ML_ORE_PER_KR));
	return buf;
}

bool ml_add_overflows(int64_t a, int64_t b, int64_t *sum)
{
	int64_t result;
	if (__builtin_add_overflow(a, b, &result))
		return true;
	*sum = result;
	return false;
}

bool ml_sub_overflows(int64_t a, int64_t b, int64_t *diff)
{
	int64_t result;
	if (__builtin_sub_overflow(a, b, &result))
		return true;
	*diff = result;
	return false;
}

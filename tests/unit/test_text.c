/*
 * test_text.c — ml_text: UTF-8 per RFC 3629 (good text, overlongs,
 * surrogates, beyond U+10FFFF, truncation, stray continuation bytes, NUL),
 * an exhaustive check of every code point's encoding, and the three
 * identifier syntaxes at and beyond their length limits, and Swedish
 * organisation numbers (form and Luhn check digit).
 */
#include <stdint.h>
#include <string.h>

#include "ml_limits.h"
#include "ml_text.h"
#include "mt.h"

static bool utf8(const char *s)
{
	return ml_utf8_valid(s, strlen(s));
}

static void test_utf8_good(void)
{
	MT_CHECK(ml_utf8_valid("", 0));
	MT_CHECK(ml_utf8_valid(NULL, 0));
	MT_CHECK(utf8("Malmö stad"));
	MT_CHECK(utf8("\xC3\xA5\xC3\xA4\xC3\xB6")); /* åäö */
	MT_CHECK(utf8("\xC3\x85\xC3\x84\xC3\x96")); /* ÅÄÖ */
	MT_CHECK(utf8("Insatser inom området psykisk hälsa 2020"));
	MT_CHECK(utf8("\xF0\x9F\x98\x80"));                 /* U+1F600 emoji */
	MT_CHECK(utf8("\xC2\x80"));                         /* U+0080 */
	MT_CHECK(utf8("\xDF\xBF"));                         /* U+07FF */
	MT_CHECK(utf8("\xE0\xA0\x80"));                     /* U+0800 */
	MT_CHECK(utf8("\xED\x9F\xBF"));                     /* U+D7FF */
	MT_CHECK(utf8("\xEE\x80\x80"));                     /* U+E000 */
	MT_CHECK(utf8("\xEF\xBF\xBF"));                     /* U+FFFF */
	MT_CHECK(utf8("\xF0\x90\x80\x80"));                 /* U+10000 */
	MT_CHECK(utf8("\xF4\x8F\xBF\xBF"));                 /* U+10FFFF */
	MT_CHECK(utf8("\xE2\x80\xAF\xE2\x80\x89\xC2\xA0")); /* spaces */
	MT_CHECK(utf8("\x01\x1F\x7F")); /* control bytes are valid UTF-8 */
	/* Only len counts: bytes after it are not read. */
	MT_CHECK(ml_utf8_valid("ab\xFF", 2));
	MT_CHECK(ml_utf8_valid("\xC3\xA5\xC3", 2));
}

/* The ASCII words (8 bytes at a time) and the bytes between them: a NUL,
 * a stray continuation byte or an å at every position of 24 bytes, and
 * a cut sequence at the end, are found wherever the words fall. */
static void test_utf8_words(void)
{
	char buf[24];
	for (size_t at = 0; at < sizeof buf; at++) {
		memset(buf, 'a', sizeof buf);
		MT_CHECK(ml_utf8_valid(buf, sizeof buf));
		buf[at] = '\0';
		MT_CHECK(!ml_utf8_valid(buf, sizeof buf));
		buf[at] = (char)0x80;
		MT_CHECK(!ml_utf8_valid(buf, sizeof buf));
		buf[at] = (char)0xFF;
		MT_CHECK(!ml_utf8_valid(buf, sizeof buf));
		buf[at] = (char)0x7F;
		MT_CHECK(ml_utf8_valid(buf, sizeof buf));
		if (at + 1 < sizeof buf) {
			memcpy(buf + at, "\xC3\xA5", 2);
			MT_CHECK(ml_utf8_valid(buf, sizeof buf));
			MT_CHECK(!ml_utf8_valid(buf, at + 1));
		}
	}
}

static void test_utf8_bad(void)
{
	MT_CHECK(!ml_utf8_valid(NULL, 1));
	MT_CHECK(!utf8("\xC0\xAF"));                 /* overlong '/' */
	MT_CHECK(!utf8("\xC1\xBF"));                 /* overlong U+007F */
	MT_CHECK(!utf8("\xC0\x80"));                 /* overlong NUL */
	MT_CHECK(!utf8("\xE0\x80\xAF"));             /* overlong, 3 bytes */
	MT_CHECK(!utf8("\xE0\x9F\xBF"));             /* overlong U+07FF */
	MT_CHECK(!utf8("\xF0\x80\x80\xAF"));         /* overlong, 4 bytes */
	MT_CHECK(!utf8("\xF0\x8F\xBF\xBF"));         /* overlong U+FFFF */
	MT_CHECK(!utf8("\xED\xA0\x80"));             /* U+D800 surrogate */
	MT_CHECK(!utf8("\xED\xBF\xBF"));             /* U+DFFF surrogate */
	MT_CHECK(!utf8("\xED\xA0\xBD\xED\xB8\x80")); /* CESU-8 pair */
	MT_CHECK(!utf8("\xF4\x90\x80\x80"));         /* U+110000 */
	MT_CHECK(!utf8("\xF5\x80\x80\x80"));
	MT_CHECK(!utf8("\xF7\xBF\xBF\xBF"));
	MT_CHECK(!utf8("\xF8\x88\x80\x80\x80"));     /* 5-byte form */
	MT_CHECK(!utf8("\xFC\x84\x80\x80\x80\x80")); /* 6-byte form */
	MT_CHECK(!utf8("\xFE"));
	MT_CHECK(!utf8("\xFF"));
	MT_CHECK(!utf8("\x80")); /* stray continuation */
	MT_CHECK(!utf8("a\xBF"));
	MT_CHECK(!utf8("\xC3\xA5\xA5")); /* å plus a stray byte */
	MT_CHECK(!utf8("\xC3"));         /* truncated */
	MT_CHECK(!utf8("Malm\xC3"));
	MT_CHECK(!utf8("\xE2\x80"));
	MT_CHECK(!utf8("\xF0\x9F\x98"));
	MT_CHECK(!utf8("\xC3"
	               "a")); /* lead then ASCII */
	MT_CHECK(!utf8("\xE2\x80"
	               "a"));
	MT_CHECK(!utf8("\xF0\x9F\x98"
	               "a"));
	MT_CHECK(!utf8("\xE9"
	               "t\xE9"));                        /* Latin-1 "été" */
	MT_CHECK(!ml_utf8_valid("\xF0\x9F\x98\x80", 3)); /* cut by len */
	MT_CHECK(!ml_utf8_valid("a\0b", 3));             /* NUL */
	MT_CHECK(!ml_utf8_valid("\0", 1));
}

/* Encodes cp the plain way (no checks) into buf; returns the length. */
static size_t encode(uint32_t cp, unsigned char *buf)
{
	if (cp < 0x80) {
		buf[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (unsigned char)(0xC0 | (cp >> 6));
		buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (unsigned char)(0xE0 | (cp >> 12));
		buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	buf[0] = (unsigned char)(0xF0 | (cp >> 18));
	buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Every code point: valid exactly when it is a scalar value other than
 * NUL; and every truncation of its encoding is invalid. */
static void test_utf8_every_code_point(void)
{
	size_t failures = 0;
	for (uint32_t cp = 0; cp <= 0x13FFFF && failures < 10; cp++) {
		unsigned char buf[4];
		size_t n = encode(cp, buf);
		bool expect = cp != 0 && cp <= 0x10FFFF &&
		              !(cp >= 0xD800 && cp <= 0xDFFF);
		if (ml_utf8_valid((const char *)buf, n) != expect) {
			MT_FAIL_AT("U+%04X: expected %d", (unsigned)cp, expect);
			failures++;
		}
		for (size_t cut = 1; cut < n; cut++) {
			if (ml_utf8_valid((const char *)buf, cut)) {
				MT_FAIL_AT("U+%04X cut to %zu bytes accepted",
				           (unsigned)cp, cut);
				failures++;
			}
		}
	}
}

/* Every two-byte sequence: valid exactly for the RFC 3629 two-byte
 * forms or two valid ASCII bytes. */
static void test_utf8_every_byte_pair(void)
{
	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			char s[2] = {(char)a, (char)b};
			bool ascii = a >= 1 && a < 0x80 && b >= 1 && b < 0x80;
			bool two =
			    a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF;
			if (ml_utf8_valid(s, 2) != (ascii || two))
				MT_FAIL_AT("%02X %02X", a, b);
		}
	}
}

static bool party(const char *s)
{
	return ml_party_id_valid(s, strlen(s));
}

static bool grant(const char *s)
{
	return ml_grant_id_valid(s, strlen(s));
}

static bool event(const char *s)
{
	return ml_event_id_valid(s, strlen(s));
}

/* A string of n copies of c, then NUL, in buf (n < sizeof buf). */
static const char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_party_ids(void)
{
	char buf[300];
	MT_CHECK(party("malmo-asn"));
	MT_CHECK(party("kammarkollegiet"));
	MT_CHECK(party("0"));
	MT_CHECK(party("a"));
	MT_CHECK(party("region.stockholm_2"));
	MT_CHECK(party("a-"));
	MT_CHECK(party(repeat(buf, 'a', ML_PARTY_ID_MAX)));
	MT_CHECK(!party(repeat(buf, 'a', ML_PARTY_ID_MAX + 1)));
	MT_CHECK(!party(""));
	MT_CHECK(!ml_party_id_valid(NULL, 0));
	MT_CHECK(!party("-malmo"));
	MT_CHECK(!party(".malmo"));
	MT_CHECK(!party("_malmo"));
	MT_CHECK(!party("Malmo"));
	MT_CHECK(!party("malmö"));
	MT_CHECK(!party("malmo asn"));
	MT_CHECK(!party("malmo/asn"));
	MT_CHECK(!party("malmo:asn"));
	MT_CHECK(!ml_party_id_valid("ab\0c", 4));
	MT_CHECK(ml_party_id_valid("ab\0c", 2));
}

static void test_grant_ids(void)
{
	char buf[300];
	MT_CHECK(grant("psykisk-halsa-2020"));
	MT_CHECK(grant("psykisk-halsa-2020/lansgemensamma/suicidprevention"));
	MT_CHECK(grant("2020"));
	MT_CHECK(grant("a/b.c_d-e"));
	MT_CHECK(grant(repeat(buf, 'g', ML_GRANT_ID_MAX)));
	MT_CHECK(!grant(repeat(buf, 'g', ML_GRANT_ID_MAX + 1)));
	MT_CHECK(!grant(""));
	MT_CHECK(!grant("/psykisk"));
	MT_CHECK(!grant("-psykisk"));
	MT_CHECK(!grant("Psykisk"));
	MT_CHECK(!grant("psykisk hälsa"));
	MT_CHECK(!grant("psykisk:2020"));
	MT_CHECK(!grant("psykisk\\2020"));
}

static void test_event_ids(void)
{
	char buf[300];
	MT_CHECK(event("a"));
	MT_CHECK(event("Malmo-ASN:2020/01.x_y"));
	MT_CHECK(event("-"));
	MT_CHECK(event("/"));
	MT_CHECK(event("550e8400-e29b-41d4-a716-446655440000"));
	MT_CHECK(event(repeat(buf, 'Z', ML_EVENT_ID_MAX)));
	MT_CHECK(!event(repeat(buf, 'Z', ML_EVENT_ID_MAX + 1)));
	MT_CHECK(!event(""));
	MT_CHECK(!ml_event_id_valid(NULL, 3));
	MT_CHECK(!event("a b"));
	MT_CHECK(!event("a+b"));
	MT_CHECK(!event("a@b"));
	MT_CHECK(!event("a\\b"));
	MT_CHECK(!event("\xC3\xA5"));
	MT_CHECK(!ml_event_id_valid("a\0", 2));
}

static bool org(const char *s)
{
	return ml_org_no_valid(s, strlen(s));
}

static void test_org_no(void)
{
	/* Real numbers, check digits worked by hand: Stockholms stad
	 * 2·2,1,2·2,0,0,0,2·1,3,2·5→1: 15 → 5; Kammarkollegiet
	 * 4,3,4,1,0,0,0,0,2 = 14 → 6; Malmö stad 212000-1124 (16 → 4);
	 * Skatteverket 202100-5448 (22 → 8). */
	MT_CHECK(org("212000-1355"));
	MT_CHECK(org("2120001355"));
	MT_CHECK(org("232100-0016"));
	MT_CHECK(org("212000-1124"));
	MT_CHECK(org("202100-5448"));
	MT_CHECK(org("000000-0000")); /* all zeros: sum 0, check 0 */
	/* one digit off: the check fails */
	MT_CHECK(!org("212000-1354"));
	MT_CHECK(!org("212000-1356"));
	MT_CHECK(!org("232100-0017"));
	MT_CHECK(!org("212000-1135")); /* two digits swapped */
	/* form */
	MT_CHECK(!org(""));
	MT_CHECK(!ml_org_no_valid(NULL, 11));
	MT_CHECK(!org("212000-135"));
	MT_CHECK(!org("212000-13550"));
	MT_CHECK(!org("21200-01355"));   /* hyphen in the wrong place */
	MT_CHECK(!org("212000 1355"));   /* space */
	MT_CHECK(!org("212000+1355"));   /* other separator */
	MT_CHECK(!org("16212000-1355")); /* century prefix */
	MT_CHECK(!org("162120001355"));
	MT_CHECK(!org("21200a-1355"));
	MT_CHECK(!org("-2120001355"));
	MT_CHECK(!ml_org_no_valid("212000-1355", 10)); /* cut short */
}

int main(void)
{
	MT_RUN(test_utf8_good);
	MT_RUN(test_utf8_bad);
	MT_RUN(test_utf8_words);
	MT_RUN(test_utf8_every_code_point);
	MT_RUN(test_utf8_every_byte_pair);
	MT_RUN(test_party_ids);
	MT_RUN(test_grant_ids);
	MT_RUN(test_event_ids);
	MT_RUN(test_org_no);
	return MT_EXIT();
}

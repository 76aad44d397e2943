/*
 * test_money.c — ml_money: every accepted form with its exact öre value,
 * every kind of rejection with its code and a reason, the 10^15 öre
 * boundary, formatting (negative, öre, INT64_MIN), CSV, and
 * format → parse round trips over pseudo-random amounts.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ml_error.h"
#include "ml_limits.h"
#include "ml_money.h"
#include "mt.h"
#include "tl.h"

#define NBSP  "\xC2\xA0"
#define NNBSP "\xE2\x80\xAF"
#define THIN  "\xE2\x80\x89"

struct good_case {
	const char *text;
	int64_t ore;
};

static const struct good_case good_cases[] = {
    {"0", 0},
    {"1", 100},
    {"650000", 65000000},
    {"650 000 kr", 65000000},
    {"650 000,50 kr", 65000050},
    {"650000,5", 65000050},
    {"650000,50", 65000050},
    {"26 800 tkr", 2680000000},
    {"13,4 mkr", 1340000000},
    {"13,4mkr", 1340000000},
    {"650" NBSP "000" NBSP "kr", 65000000},
    {"650" NNBSP "000" NNBSP "kr", 65000000},
    {"650" THIN "000" THIN "kr", 65000000},
    {"1" THIN "000" NBSP "000 kr", 100000000},
    {"650 000kr", 65000000},
    {"650000 kr", 65000000},
    {"650 000 KR", 65000000},
    {"650 000 Kr", 65000000},
    {"26 800 Tkr", 2680000000},
    {"26 800 TKR", 2680000000},
    {"13,4 MKR", 1340000000},
    {"13,4 Mkr", 1340000000},
    {"650 000,500 kr", 65000050},
    {"650 000,50000000 kr", 65000050},
    {"0,01 kr", 1},
    {"0,00 kr", 0},
    {"0,01", 1},
    {"0,00001 tkr", 1},
    {"0,00000001 mkr", 1},
    {"1,23456 tkr", 123456},
    {"1,23456000 tkr", 123456},
    {"1,2345678 mkr", 123456780},
    {"22 949 683 kr", 2294968300},
    {"4 570 307,50 kr", 457030750},
    {"9 995 307 kr", 999530700},
    {"1 000", 100000},
    {"12 345 678", 1234567800},
    {"999", 99900},
    {"007", 700},
    {"10 000 000 000 000 kr", ML_AMOUNT_MAX_ORE},
    {"10000000000000", ML_AMOUNT_MAX_ORE},
    {"9 999 999 999 999,99 kr", ML_AMOUNT_MAX_ORE - 1},
    {"10 000 000 000 tkr", ML_AMOUNT_MAX_ORE},
    {"10 000 000 mkr", ML_AMOUNT_MAX_ORE},
    {"00000000000000000000000000000000000001 kr", 100},
    {"1,000000000000000000000000000000000000 mkr", 100000000},
};

static void test_accepted_forms(void)
{
	for (size_t i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		int64_t ore = -7;
		char why[200] = "untouched";
		int rc =
		    ml_money_parse(good_cases[i].text, &ore, why, sizeof why);
		if (rc != 0 || ore != good_cases[i].ore)
			MT_FAIL_AT("'%s': rc %d ore %lld, expected %lld (%s)",
			           good_cases[i].text, rc, (long long)ore,
			           (long long)good_cases[i].ore, why);
		MT_CHECK_STR(why, "");
	}
}

struct bad_case {
	const char *text;
	int code;
	const char *reason_part; /* must appear in the reason, or NULL */
};

static const struct bad_case bad_cases[] = {
    {"", ML_E_INVALID_FIELD, "empty"},
    {"1.5", ML_E_INVALID_FIELD, "ambiguous"},
    {"650.000", ML_E_INVALID_FIELD, "ambiguous"},
    {"1.000.000 kr", ML_E_INVALID_FIELD, "ambiguous"},
    {"1 000.50", ML_E_INVALID_FIELD, "ambiguous"},
    {"1,5.0", ML_E_INVALID_FIELD, "ambiguous"},
    {".5", ML_E_INVALID_FIELD, "ambiguous"},
    {"-5", ML_E_INVALID_FIELD, "sign"},
    {"+5", ML_E_INVALID_FIELD, "sign"},
    {"-120 000 kr", ML_E_INVALID_FIELD, "sign"},
    {"\xE2\x88\x92"
     "5",
     ML_E_INVALID_FIELD, "sign"},
    {"65 00", ML_E_INVALID_FIELD, "threes"},
    {"6500 000", ML_E_INVALID_FIELD, "threes"},
    {"1 0000", ML_E_INVALID_FIELD, "threes"},
    {"1 000 00 kr", ML_E_INVALID_FIELD, "threes"},
    {"12 345 678 9", ML_E_INVALID_FIELD, "threes"},
    {"1 00,50 kr", ML_E_INVALID_FIELD, "threes"},
    {"650 000,005 kr", ML_E_INVALID_FIELD, "whole öre"},
    {"0,005 kr", ML_E_INVALID_FIELD, "whole öre"},
    {"0,001", ML_E_INVALID_FIELD, "whole öre"},
    {"0,000001 tkr", ML_E_INVALID_FIELD, "whole öre"},
    {"0,000000001 mkr", ML_E_INVALID_FIELD, "whole öre"},
    {"1,0000000000000000000000000000001 kr", ML_E_INVALID_FIELD, "whole öre"},
    {"650 000 sek", ML_E_INVALID_FIELD, "unit"},
    {"650 000 öre", ML_E_INVALID_FIELD, "unit"},
    {"650 000 kr kr", ML_E_INVALID_FIELD, "unit"},
    {"650 000 kr.", ML_E_INVALID_FIELD, "unit"},
    {"650 000 krr", ML_E_INVALID_FIELD, "unit"},
    {"650 000 k", ML_E_INVALID_FIELD, "unit"},
    {"5e3", ML_E_INVALID_FIELD, "unit"},
    {"0x10", ML_E_INVALID_FIELD, "unit"},
    {"650kr5", ML_E_INVALID_FIELD, "unit"},
    {"1_000", ML_E_INVALID_FIELD, NULL},
    {"650\t000", ML_E_INVALID_FIELD, NULL},
    {"1'000", ML_E_INVALID_FIELD, NULL},
    {" 650", ML_E_INVALID_FIELD, "starts with a space"},
    {NBSP "650", ML_E_INVALID_FIELD, "starts with a space"},
    {"650 ", ML_E_INVALID_FIELD, "ends with a space"},
    {"650 kr ", ML_E_INVALID_FIELD, NULL},
    {"650" NBSP, ML_E_INVALID_FIELD, "ends with a space"},
    {"650  kr", ML_E_INVALID_FIELD, "more than one space"},
    {"650" NBSP NBSP "kr", ML_E_INVALID_FIELD, "more than one space"},
    {"650,", ML_E_INVALID_FIELD, "after the comma"},
    {"650, kr", ML_E_INVALID_FIELD, "after the comma"},
    {",50", ML_E_INVALID_FIELD, "before the comma"},
    {"1,5,0", ML_E_INVALID_FIELD, "more than one comma"},
    {"1 000,50 0 kr", ML_E_INVALID_FIELD, "decimals"},
    {"abc", ML_E_INVALID_FIELD, "digit"},
    {"kr", ML_E_INVALID_FIELD, "digit"},
    {"\xC2"
     "650",
     ML_E_INVALID_FIELD, "digit"},
    {"650\xC2", ML_E_INVALID_FIELD, NULL},
    {"650\xE2\x80", ML_E_INVALID_FIELD, NULL},
    {"650 000\xC2\xA0\xC2", ML_E_INVALID_FIELD, NULL},
    {"10 000 000 000 000,01 kr", ML_E_AMOUNT_RANGE, "10^15"},
    {"10000000000001", ML_E_AMOUNT_RANGE, "10^15"},
    {"10 000 000 000,00001 tkr", ML_E_AMOUNT_RANGE, NULL},
    {"10 000 001 mkr", ML_E_AMOUNT_RANGE, NULL},
    {"92233720368547758,08 kr", ML_E_AMOUNT_RANGE, NULL},
    {"18446744073709551616", ML_E_AMOUNT_RANGE, NULL},
    {"99999999999999999999999999999999999999999999999999999 mkr",
     ML_E_AMOUNT_RANGE, NULL},
    {"999 999 999 999 999 999 999 999 999 999 999", ML_E_AMOUNT_RANGE, NULL},
    /* Form is judged before size. */
    {"99999999999999999999999999.5", ML_E_INVALID_FIELD, "ambiguous"},
    {"99999999999999999999999,001", ML_E_INVALID_FIELD, "whole öre"},
};

static void test_rejections(void)
{
	size_t count = sizeof bad_cases / sizeof bad_cases[0];
	MT_CHECK(count >= 25);
	for (size_t i = 0; i < count; i++) {
		const struct bad_case *c = &bad_cases[i];
		int64_t ore = -7;
		char why[200] = "";
		int rc = ml_money_parse(c->text, &ore, why, sizeof why);
		if (rc != c->code)
			MT_FAIL_AT("'%s': rc %d, expected %d (%s)", c->text, rc,
			           c->code, why);
		MT_CHECK_INT(ore, -7);
		if (why[0] == '\0')
			MT_FAIL_AT("'%s': empty reason", c->text);
		if (c->reason_part != NULL &&
		    strstr(why, c->reason_part) == NULL)
			MT_FAIL_AT("'%s': reason \"%s\" lacks \"%s\"", c->text,
			           why, c->reason_part);
	}
}

static void test_reason_wording(void)
{
	int64_t ore;
	char why[200];
	ml_money_parse("650 000,005 kr", &ore, why, sizeof why);
	MT_CHECK_STR(why, "'650 000,005 kr' does not come to whole öre");
	ml_money_parse("1.5", &ore, why, sizeof why);
	MT_CHECK_STR(why, "'1.5' is ambiguous: write 1,5 for a decimal or "
	                  "1 500 for thousands");
	/* Non-ASCII spaces are quoted as typed; broken bytes as '?'. */
	ml_money_parse("1" NBSP "00", &ore, why, sizeof why);
	MT_CHECK(strncmp(why, "'1" NBSP "00' ", 8) == 0);
	ml_money_parse("1\x01\xFF", &ore, why, sizeof why);
	MT_CHECK(strncmp(why,
	                 "'1?"
	                 "?' ",
	                 6) == 0); /* no trigraph */
	/* A long input is cut in the quote. */
	char long_text[300];
	memset(long_text, '9', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	MT_CHECK_INT(ml_money_parse(long_text, &ore, why, sizeof why),
	             ML_E_AMOUNT_RANGE);
	MT_CHECK(strstr(why, "...'") != NULL);
	MT_CHECK(strlen(why) < 120);
	/* A tiny or absent why buffer is fine. */
	char tiny[4];
	MT_CHECK_INT(ml_money_parse("x", &ore, tiny, sizeof tiny),
	             ML_E_INVALID_FIELD);
	MT_CHECK_INT(strlen(tiny), 3);
	MT_CHECK_INT(ml_money_parse("x", &ore, NULL, 0), ML_E_INVALID_FIELD);
	MT_CHECK_INT(ml_money_parse("5", &ore, NULL, 0), 0);
	MT_CHECK_INT(ml_money_parse(NULL, &ore, why, sizeof why), ML_E_ARG);
	MT_CHECK_INT(ml_money_parse("5", NULL, why, sizeof why), ML_E_ARG);
}

static void test_boundary(void)
{
	int64_t ore = 0;
	char why[200];
	MT_CHECK_INT(
	    ml_money_parse("10 000 000 000 000 kr", &ore, why, sizeof why), 0);
	MT_CHECK_INT(ore, 1000000000000000LL);
	MT_CHECK_INT(
	    ml_money_parse("10 000 000 000 000,01 kr", &ore, why, sizeof why),
	    ML_E_AMOUNT_RANGE);
	MT_CHECK(why[0] != '\0');
	MT_CHECK_INT(
	    ml_money_parse("9 999 999 999 999,99 kr", &ore, why, sizeof why),
	    0);
	MT_CHECK_INT(ore, ML_AMOUNT_MAX_ORE - 1);
}

struct format_case {
	int64_t ore;
	const char *text;
	const char *csv;
};

static const struct format_case format_cases[] = {
    {0, "0 kr", "0,00"},
    {1, "0,01 kr", "0,01"},
    {50, "0,50 kr", "0,50"},
    {100, "1 kr", "1,00"},
    {99999, "999,99 kr", "999,99"},
    {100000, "1 000 kr", "1000,00"},
    {2294968300, "22 949 683 kr", "22949683,00"},
    {457030750, "4 570 307,50 kr", "4570307,50"},
    {450000000, "4 500 000 kr", "4500000,00"},
    {-12000000, "-120 000 kr", "-120000,00"},
    {-1, "-0,01 kr", "-0,01"},
    {-99, "-0,99 kr", "-0,99"},
    {ML_AMOUNT_MAX_ORE, "10 000 000 000 000 kr", "10000000000000,00"},
    {INT64_MAX, "92 233 720 368 547 758,07 kr", "92233720368547758,07"},
    {INT64_MIN, "-92 233 720 368 547 758,08 kr", "-92233720368547758,08"},
    {INT64_MIN + 1, "-92 233 720 368 547 758,07 kr", "-92233720368547758,07"},
};

static void test_format(void)
{
	for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0];
	     i++) {
		char buf[ML_MONEY_TEXT_MAX];
		char csv[ML_MONEY_TEXT_MAX];
		int64_t ore = format_cases[i].ore;
		MT_CHECK(ml_money_format(ore, buf, sizeof buf) == buf);
		MT_CHECK_STR(buf, format_cases[i].text);
		MT_CHECK(ml_money_format_csv(ore, csv, sizeof csv) == csv);
		MT_CHECK_STR(csv, format_cases[i].csv);
	}
	char small[5];
	ml_money_format(2294968300, small, sizeof small);
	MT_CHECK_STR(small, "22 9");
	ml_money_format_csv(2294968300, small, sizeof small);
	MT_CHECK_STR(small, "2294");
	MT_CHECK(ml_money_format(1, NULL, 0) == NULL);
}

/* ml_money_format's text as snprintf made it before it was put
 * together by hand. */
static void check_format_as_printf(int64_t ore)
{
	char text[ML_MONEY_TEXT_MAX], printed[2 * ML_MONEY_TEXT_MAX];
	char kronor[ML_MONEY_TEXT_MAX], plain[ML_MONEY_TEXT_MAX];
	uint64_t m = ore < 0 ? (uint64_t)0 - (uint64_t)ore : (uint64_t)ore;
	size_t n = (size_t)snprintf(plain, sizeof plain, "%llu",
	                            (unsigned long long)(m / 100));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			kronor[k++] = ' ';
		kronor[k++] = plain[i];
	}
	kronor[k] = '\0';
	if (m % 100 == 0)
		snprintf(printed, sizeof printed, "%s%s kr", ore < 0 ? "-" : "",
		         kronor);
	else
		snprintf(printed, sizeof printed, "%s%s,%02u kr",
		         ore < 0 ? "-" : "", kronor, (unsigned)(m % 100));
	ml_money_format(ore, text, sizeof text);
	MT_CHECK_STR(text, printed);
}

static void check_round_trip(int64_t ore)
{
	char text[ML_MONEY_TEXT_MAX];
	char why[200];
	int64_t back = -1;
	ml_money_format(ore, text, sizeof text);
	int rc = ml_money_parse(text, &back, why, sizeof why);
	if (rc != 0 || back != ore)
		MT_FAIL_AT("%lld -> '%s' -> rc %d, %lld (%s)", (long long)ore,
		           text, rc, (long long)back, why);
}

static void test_round_trip(void)
{
	static const int64_t edges[] = {0,
	                                1,
	                                99,
	                                100,
	                                101,
	                                99999,
	                                100000,
	                                100001,
	                                ML_AMOUNT_MAX_ORE - 1,
	                                ML_AMOUNT_MAX_ORE};
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		check_round_trip(edges[i]);
	uint64_t state = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < 200000; i++) {
		uint64_t r = tl_random(&state);
		/* Spread over magnitudes: mask to a random number of bits. */
		unsigned bits = (unsigned)(r >> 58) % 51;
		int64_t ore = (int64_t)((r >> 6) & ((1ULL << bits) - 1));
		if (ore > ML_AMOUNT_MAX_ORE)
			ore %= ML_AMOUNT_MAX_ORE + 1;
		check_round_trip(ore);
		check_format_as_printf((r & 1) ? -ore : ore);
	}
	check_format_as_printf(INT64_MIN);
	check_format_as_printf(INT64_MAX);
}

static void test_checked_arithmetic(void)
{
	int64_t r = 42;
	MT_CHECK(!ml_add_overflows(1, 2, &r));
	MT_CHECK_INT(r, 3);
	MT_CHECK(!ml_add_overflows(INT64_MAX - 1, 1, &r));
	MT_CHECK_INT(r, INT64_MAX);
	r = 42;
	MT_CHECK(ml_add_overflows(INT64_MAX, 1, &r));
	MT_CHECK_INT(r, 42);
	MT_CHECK(ml_add_overflows(INT64_MIN, -1, &r));
	MT_CHECK_INT(r, 42);
	MT_CHECK(!ml_add_overflows(INT64_MIN, INT64_MAX, &r));
	MT_CHECK_INT(r, -1);
	MT_CHECK(!ml_sub_overflows(5, 7, &r));
	MT_CHECK_INT(r, -2);
	r = 42;
	MT_CHECK(ml_sub_overflows(INT64_MIN, 1, &r));
	MT_CHECK_INT(r, 42);
	MT_CHECK(ml_sub_overflows(0, INT64_MIN, &r));
	MT_CHECK_INT(r, 42);
	MT_CHECK(ml_sub_overflows(INT64_MAX, -1, &r));
	MT_CHECK_INT(r, 42);
	MT_CHECK(!ml_sub_overflows(-1, INT64_MAX, &r));
	MT_CHECK_INT(r, INT64_MIN);
}

int main(void)
{
	MT_RUN(test_accepted_forms);
	MT_RUN(test_rejections);
	MT_RUN(test_reason_wording);
	MT_RUN(test_boundary);
	MT_RUN(test_format);
	MT_RUN(test_round_trip);
	MT_RUN(test_checked_arithmetic);
	return MT_EXIT();
}

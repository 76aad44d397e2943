/*
 * test_date.c — ml_date: calendar edges, every legal day checked against
 * a naive day-by-day calendar and through format → parse, timestamps
 * formatted and parsed (offsets, fractions, before 1970), and rejections.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ml_date.h"
#include "ml_error.h"
#include "ml_limits.h"
#include "mt.h"
#include "tl.h"

#define US_PER_S 1000000LL

/* Parses a NUL-terminated date; returns the code. */
static int parse_date(const char *text, ml_day *day)
{
	char why[200] = "";
	int rc = ml_date_parse(text, strlen(text), day, why, sizeof why);
	if (rc != 0 && why[0] == '\0')
		MT_FAIL_AT("'%s': rc %d with no reason", text, rc);
	if (rc == 0 && why[0] != '\0')
		MT_FAIL_AT("'%s': success with reason '%s'", text, why);
	return rc;
}

static void test_calendar_edges(void)
{
	ml_day day = -1;
	MT_CHECK_INT(parse_date("1900-01-01", &day), 0);
	MT_CHECK_INT(day, 0);
	MT_CHECK_INT(parse_date("2199-12-31", &day), 0);
	MT_CHECK_INT(day, ML_DAY_MAX);
	MT_CHECK_INT(parse_date("1900-01-02", &day), 0);
	MT_CHECK_INT(day, 1);
	MT_CHECK_INT(parse_date("1970-01-01", &day), 0);
	MT_CHECK_INT(day, 25567);
	MT_CHECK_INT(parse_date("2020-02-29", &day), 0);
	MT_CHECK_INT(parse_date("2000-02-29", &day), 0);
	MT_CHECK_INT(parse_date("2020-03-01", &day), 0);
	ml_day march = day;
	MT_CHECK_INT(parse_date("2020-02-28", &day), 0);
	MT_CHECK_INT(march - day, 2);
	MT_CHECK_INT(parse_date("2021-03-01", &day), 0);
	march = day;
	MT_CHECK_INT(parse_date("2021-02-28", &day), 0);
	MT_CHECK_INT(march - day, 1);
	day = 12345;
	MT_CHECK_INT(parse_date("2020-02-30", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("2021-02-29", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("1900-02-29", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("2100-02-29", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("2020-04-31", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("2020-00-10", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("2020-13-10", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("2020-01-00", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("2020-01-32", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(parse_date("1899-12-31", &day), ML_E_DATE_RANGE);
	MT_CHECK_INT(parse_date("2200-01-01", &day), ML_E_DATE_RANGE);
	MT_CHECK_INT(parse_date("0000-01-01", &day), ML_E_DATE_RANGE);
	MT_CHECK_INT(parse_date("9999-12-31", &day), ML_E_DATE_RANGE);
	MT_CHECK_INT(parse_date("1899-02-29", &day), ML_E_INVALID_FIELD);
	MT_CHECK_INT(day, 12345);
}

static void test_bad_date_forms(void)
{
	static const char *const bad[] = {
	    "",
	    "2020-1-01",
	    "2020-01-1",
	    "20200101",
	    "2020/01/01",
	    "2020-01-01 ",
	    " 2020-01-01",
	    "2020-01-01T00",
	    "2020-0a-01",
	    "+020-01-01",
	    "-020-01-01",
	    "\xEF\xBC\x92"
	    "020-01-01", /* full-width digit two */
	    "2020-01-01Z",
	    "2020_01_01",
	    "2020-01--1",
	    "2020-1--01",
	};
	ml_day day = 7;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_date(bad[i], &day) != ML_E_INVALID_FIELD)
			MT_FAIL_AT("'%s' was not rejected as invalid", bad[i]);
	}
	MT_CHECK_INT(day, 7);
	/* len is what counts, not a NUL: an embedded NUL is a bad byte. */
	char why[200];
	MT_CHECK_INT(ml_date_parse("2020-01-0\0", 10, &day, why, sizeof why),
	             ML_E_INVALID_FIELD);
	MT_CHECK_INT(ml_date_parse("2020-01-011", 10, &day, why, sizeof why),
	             0);
	MT_CHECK_INT(ml_date_parse("2020-01-01", 9, &day, why, sizeof why),
	             ML_E_INVALID_FIELD);
	ml_date_parse("2020-02-30", 10, &day, why, sizeof why);
	MT_CHECK(strstr(why, "2020-02-30") != NULL);
	MT_CHECK(strstr(why, "29") != NULL);
	MT_CHECK_INT(ml_date_parse(NULL, 10, &day, why, sizeof why), ML_E_ARG);
	MT_CHECK_INT(ml_date_parse("2020-01-01", 10, &day, NULL, 0), 0);
}

static int naive_days_in_month(int year, int month)
{
	if (month == 2) {
		bool leap = year % 400 == 0 || (year % 4 == 0 && year % 100);
		return leap ? 29 : 28;
	}
	return (month == 4 || month == 6 || month == 9 || month == 11) ? 30
	                                                               : 31;
}

/* Walks the calendar one day at a time and checks every legal day. */
static void test_every_day(void)
{
	int year = 1900, month = 1, mday = 1;
	for (ml_day day = 0; day <= ML_DAY_MAX; day++) {
		char expect[32], text[ML_DATE_TEXT_MAX];
		snprintf(expect, sizeof expect, "%04d-%02d-%02d", year, month,
		         mday);
		ml_date_format(day, text, sizeof text);
		ml_day back = -1;
		int y, m, d;
		ml_date_to_ymd(day, &y, &m, &d);
		bool ok =
		    strcmp(text, expect) == 0 &&
		    ml_date_parse(text, strlen(text), &back, NULL, 0) == 0 &&
		    back == day && y == year && m == month && d == mday &&
		    ml_date_from_ymd(year, month, mday) == day;
		if (!ok) {
			MT_FAIL_AT("day %d: '%s' expected '%s', back %d", day,
			           text, expect, back);
			return;
		}
		if (++mday > naive_days_in_month(year, month)) {
			mday = 1;
			if (++month > 12) {
				month = 1;
				year++;
			}
		}
	}
	MT_CHECK_INT(year, 2200);
	MT_CHECK_INT(month, 1);
	MT_CHECK_INT(mday, 1);
}

static void test_day_start_and_today(void)
{
	MT_CHECK_INT(ml_day_start_us(25567), 0);
	MT_CHECK_INT(ml_day_start_us(0), -2208988800LL * US_PER_S);
	MT_CHECK_INT(ml_day_start_us(25568), 86400 * US_PER_S);
	char buf[ML_TIME_TEXT_MAX];
	ml_time_format(ml_day_start_us(ML_DAY_MAX), buf, sizeof buf);
	MT_CHECK_STR(buf, "2199-12-31T00:00:00.000000Z");
	ml_time_format(ml_day_start_us(0), buf, sizeof buf);
	MT_CHECK_STR(buf, "1900-01-01T00:00:00.000000Z");

	int64_t before_us = ml_time_now_us();
	ml_day today = ml_date_today();
	int64_t after_us = ml_time_now_us();
	MT_CHECK(before_us > 1600000000LL * US_PER_S); /* after 2020-09 */
	MT_CHECK(after_us >= before_us);
	MT_CHECK(today >= 0 && today <= ML_DAY_MAX);
	MT_CHECK(ml_day_start_us(today) <= after_us);
	MT_CHECK(ml_day_start_us(today + 1) > before_us);
}

struct time_case {
	const char *text;
	int64_t us;
};

static const struct time_case time_cases[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"1970-01-01T00:00:00.000001Z", 1},
    {"1969-12-31T23:59:59.999999Z", -1},
    {"1969-07-20T20:17:40Z", -14182940LL * US_PER_S},
    {"1900-01-01T00:00:00Z", -2208988800LL * US_PER_S},
    {"2021-01-15T09:30:00Z", 1610703000LL * US_PER_S},
    {"2021-01-15T09:30:00.000000Z", 1610703000LL * US_PER_S},
    {"2021-01-15t09:30:00z", 1610703000LL * US_PER_S},
    {"2021-01-15T10:30:00+01:00", 1610703000LL * US_PER_S},
    {"2021-01-15T04:00:00-05:30", 1610703000LL * US_PER_S},
    {"2021-01-16T09:29:00+23:59", 1610703000LL * US_PER_S},
    {"2021-01-15T09:30:00-00:00", 1610703000LL * US_PER_S},
    {"2021-01-15T09:30:00.5Z", 1610703000LL * US_PER_S + 500000},
    {"2021-01-15T09:30:00.12Z", 1610703000LL * US_PER_S + 120000},
    {"2021-01-15T09:30:00.123Z", 1610703000LL * US_PER_S + 123000},
    {"2021-01-15T09:30:00.1234Z", 1610703000LL * US_PER_S + 123400},
    {"2021-01-15T09:30:00.12345Z", 1610703000LL * US_PER_S + 123450},
    {"2021-01-15T09:30:00.123456Z", 1610703000LL * US_PER_S + 123456},
    {"2021-01-15T10:30:00.123456+01:00", 1610703000LL * US_PER_S + 123456},
    {"1970-01-01T00:30:00+01:00", -1800 * US_PER_S},
    {"2020-12-31", 1609459200LL * US_PER_S - 1},
    {"1899-12-31", -2208988800LL * US_PER_S - 1},
    {"2000-02-29T12:00:00Z", 951825600LL * US_PER_S},
    {"0000-01-01T00:00:00Z", -62167219200LL * US_PER_S},
    {"9999-12-31T23:59:59.999999Z", 253402300800LL * US_PER_S - 1},
};

static void test_time_parse(void)
{
	for (size_t i = 0; i < sizeof time_cases / sizeof time_cases[0]; i++) {
		const char *text = time_cases[i].text;
		int64_t us = 42;
		char why[200] = "";
		int rc =
		    ml_time_parse(text, strlen(text), &us, why, sizeof why);
		if (rc != 0 || us != time_cases[i].us)
			MT_FAIL_AT("'%s': rc %d us %lld, expected %lld (%s)",
			           text, rc, (long long)us,
			           (long long)time_cases[i].us, why);
	}
}

static void test_time_format(void)
{
	char buf[ML_TIME_TEXT_MAX];
	MT_CHECK_STR(ml_time_format(0, buf, sizeof buf),
	             "1970-01-01T00:00:00.000000Z");
	MT_CHECK_STR(ml_time_format(-1, buf, sizeof buf),
	             "1969-12-31T23:59:59.999999Z");
	MT_CHECK_STR(ml_time_format(1610703000LL * US_PER_S, buf, sizeof buf),
	             "2021-01-15T09:30:00.000000Z");
	MT_CHECK_STR(
	    ml_time_format(1610703000LL * US_PER_S + 7, buf, sizeof buf),
	    "2021-01-15T09:30:00.000007Z");
	MT_CHECK_STR(
	    ml_time_format(-14182940LL * US_PER_S - 250000, buf, sizeof buf),
	    "1969-07-20T20:17:39.750000Z");
	MT_CHECK_STR(ml_time_format(-86400LL * US_PER_S, buf, sizeof buf),
	             "1969-12-31T00:00:00.000000Z");
	MT_CHECK_STR(ml_time_format(INT64_MIN, buf, sizeof buf),
	             "0000-01-01T00:00:00.000000Z");
	MT_CHECK_STR(ml_time_format(INT64_MAX, buf, sizeof buf),
	             "9999-12-31T23:59:59.999999Z");
	MT_CHECK_INT(strlen(buf), ML_TIME_TEXT_MAX - 1);
	char small[11];
	MT_CHECK_STR(ml_time_format(0, small, sizeof small), "1970-01-01");
}

/* format → parse is the identity; parse of the same instant written
 * with an offset gives the same µs. */
static void test_time_round_trip(void)
{
	int64_t lo = ml_day_start_us(0) - 1000LL * 86400 * US_PER_S;
	int64_t hi = ml_day_start_us(ML_DAY_MAX) + 1000LL * 86400 * US_PER_S;
	uint64_t span = (uint64_t)(hi - lo);
	uint64_t state = 0x2545F4914F6CDD1DULL;
	for (int i = 0; i < 200000; i++) {
		int64_t us = lo + (int64_t)(tl_random(&state) % span);
		char text[ML_TIME_TEXT_MAX];
		ml_time_format(us, text, sizeof text);
		int64_t back = 0;
		int rc = ml_time_parse(text, strlen(text), &back, NULL, 0);
		/* The same instant at +02:00: shift the wall clock by 2 h. */
		char shifted[ML_TIME_TEXT_MAX + 8];
		ml_time_format(us + 7200 * US_PER_S, shifted, sizeof shifted);
		memcpy(shifted + 26, "+02:00", 7);
		int64_t back_shifted = 0;
		int rc_shifted = ml_time_parse(shifted, strlen(shifted),
		                               &back_shifted, NULL, 0);
		if (rc != 0 || back != us || rc_shifted != 0 ||
		    back_shifted != us) {
			MT_FAIL_AT("%lld -> '%s' / '%s' -> %lld / %lld",
			           (long long)us, text, shifted,
			           (long long)back, (long long)back_shifted);
			return;
		}
	}
}

static void test_bad_times(void)
{
	static const char *const bad[] = {
	    "",
	    "2021",
	    "2021-01-15T",
	    "2021-01-15T09:30",
	    "2021-01-15T09:30:00",
	    "2021-01-15 09:30:00Z",
	    "2021-01-15T24:00:00Z",
	    "2021-01-15T09:60:00Z",
	    "2021-01-15T23:59:60Z",
	    "2021-01-15T9:30:00Z",
	    "2021-01-15T09:30:00.Z",
	    "2021-01-15T09:30:00.1234567Z",
	    "2021-01-15T09:30:00,5Z",
	    "2021-01-15T09:30:00+01",
	    "2021-01-15T09:30:00+0100",
	    "2021-01-15T09:30:00+24:00",
	    "2021-01-15T09:30:00+01:60",
	    "2021-01-15T09:30:00Zjunk",
	    "2021-01-15T09:30:00ZZ",
	    "2021-01-15T09:30:00 Z",
	    "2021-02-30T00:00:00Z",
	    "2021-13-01T00:00:00Z",
	    "2021-01-15X09:30:00Z",
	    "2021-01-15T09-30-00Z",
	    "2021-01-15T09:30:00.12a4Z",
	    "2021-01-15T09:30:00UTC",
	    "2021-01-150",
	    "2021-02-29",
	    "1e10",
	    "-001-01-01T00:00:00Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t us = 42;
		char why[200] = "";
		int rc =
		    ml_time_parse(bad[i], strlen(bad[i]), &us, why, sizeof why);
		if (rc != ML_E_INVALID_FIELD || us != 42 || why[0] == '\0')
			MT_FAIL_AT("'%s': rc %d us %lld why '%s'", bad[i], rc,
			           (long long)us, why);
	}
	int64_t us;
	MT_CHECK_INT(ml_time_parse("2021-01-15T09:30:00Z\0", 21, &us, NULL, 0),
	             ML_E_INVALID_FIELD);
	MT_CHECK_INT(ml_time_parse(NULL, 0, &us, NULL, 0), ML_E_ARG);
}

int main(void)
{
	MT_RUN(test_calendar_edges);
	MT_RUN(test_bad_date_forms);
	MT_RUN(test_every_day);
	MT_RUN(test_day_start_and_today);
	MT_RUN(test_time_parse);
	MT_RUN(test_time_format);
	MT_RUN(test_time_round_trip);
	MT_RUN(test_bad_times);
	return MT_EXIT();
}

/*
 * ml_date.c — calendar dates as day numbers, timestamps as microseconds.
 *
 * Everything here rests on one pair of conversions between a proleptic
 * Gregorian (year, month, day) and a count of days since 1970-01-01,
 * following Howard Hinnant's "chrono-compatible low-level date
 * algorithms": a year is shifted to start on 1 March, so the leap day is
 * the last day of its year, and a 400-year era of 146 097 days is split
 * into years and days with plain integer division. The algorithms are
 * exact for every int64_t day count we can meet, negative ones included,
 * so dates before 1970 (and 1900's non-leap February) need no special
 * case.
 *
 * Two epochs meet here:
 *  - ml_day, the ledger's date: days since 1900-01-01 (day 0), so every
 *    legal date 1900-01-01 ..= 2199-12-31 is 0 ..= ML_DAY_MAX;
 *  - timestamps: µs since 1970-01-01T00:00:00Z (negative before 1970).
 * ML_DAY_EPOCH_OFFSET (25 567 days) converts between the two.
 *
 * Parsing is strict and byte-exact: fixed positions, ASCII digits only, a
 * real calendar date, and every rejection says why in one sentence.
 * Timestamps are formatted and parsed for years 0000 ..= 9999 (what four
 * year digits can show); ml_time_format clamps outside that span, so
 * format → parse is the identity on everything it prints.
 *
 * No locale, no time zone database, no libc time conversion: UTC only.
 */
#include "ml_date.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ml_assert.h"
#include "ml_error.h"
#include "ml_limits_internal.h"

/* Days from 1900-01-01 to 1970-01-01. */
#define ML_DAY_EPOCH_OFFSET 25567
#define ML_US_PER_SECOND    1000000LL
#define ML_US_PER_DAY       (86400LL * ML_US_PER_SECOND)

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static int64_t ml_days_from_civil(int64_t year, int month, int mday)
{
	year -= month <= 2;
	int64_t era = (year >= 0 ? year : year - 399) / 400;
	int64_t year_of_era = year - era * 400; /* 0 ..= 399 */
	int64_t month_from_march = month > 2 ? month - 3 : month + 9;
	int64_t day_of_year = (153 * month_from_march + 2) / 5 + mday - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 -
	                     year_of_era / 100 + day_of_year; /* ..= 146096 */
	ML_ASSERT(year_of_era >= 0 && year_of_era <= 399);
	return era * 146097 + day_of_era - 719468;
}

/* Inverse of ml_days_from_civil. */
static void ml_civil_from_days(int64_t days, int64_t *year, int *month,
                               int *mday)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t day_of_era = days - era * 146097; /* 0 ..= 146096 */
	int64_t year_of_era = (day_of_era - day_of_era / 1460 +
	                       day_of_era / 36524 - day_of_era / 146096) /
	                      365; /* 0 ..= 399 */
	int64_t day_of_year =
	    day_of_era -
	    (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t month_from_march = (5 * day_of_year + 2) / 153; /* 0..11 */
	*mday = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
	*month = (int)(month_from_march < 10 ? month_from_march + 3
	                                     : month_from_march - 9);
	*year = year_of_era + era * 400 + (*month <= 2);
	ML_ASSERT(day_of_era >= 0 && day_of_era <= 146096);
	ML_ASSERT(*month >= 1 && *month <= 12 && *mday >= 1 && *mday <= 31);
}

static bool ml_is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int ml_days_in_month(int year, int month)
{
	static const int days_by_month[12] = {31, 28, 31, 30, 31, 30,
	                                      31, 31, 30, 31, 30, 31};
	ML_ASSERT(month >= 1 && month <= 12); /* ml_read_ymd checked it */
	if (month == 2 && ml_is_leap_year(year))
		return 29;
	return days_by_month[month - 1];
}

/* Writes "'<text>' <reason>" into why. The quoted text is cut at
 * ML_QUOTE_MAX bytes, and any byte that is not printable ASCII shows
 * as '?' (a date or time has none, so nothing real is hidden). */
static void ml_date_why(char *why, size_t why_size, const char *text,
                        size_t len, const char *reason_fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void ml_date_why(char *why, size_t why_size, const char *text,
                        size_t len, const char *reason_fmt, ...)
{
	if (why == NULL || why_size == 0)
		return;
	char quoted[ML_QUOTE_MAX + 4];
	size_t shown = len < ML_QUOTE_MAX ? len : ML_QUOTE_MAX;
	for (size_t i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)text[i];
		quoted[i] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
	}
	quoted[shown] = '\0';
	char reason[160];
	va_list ap;
	va_start(ap, reason_fmt);
	vsnprintf(reason, sizeof reason, reason_fmt, ap);
	va_end(ap);
	snprintf(why, why_size, "'%s%s' %s", quoted, len > shown ? "..." : "",
	         reason);
}

/* Reads count ASCII digits at s into *value; false if any is not one. */
static bool ml_read_digits(const char *s, size_t count, int *value)
{
	int v = 0;
	for (size_t i = 0; i < count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return true;
}

/* Reads "YYYY-MM-DD" at text[0..10) as a real calendar date of any year
 * 0000 ..= 9999. Returns 0 or ML_E_INVALID_FIELD with why (which quotes
 * text[0..len), the caller's whole input). */
static int ml_read_ymd(const char *text, size_t len, int *year, int *month,
                       int *mday, char *why, size_t why_size)
{
	if (!ml_read_digits(text, 4, year) || text[4] != '-' ||
	    !ml_read_digits(text + 5, 2, month) || text[7] != '-' ||
	    !ml_read_digits(text + 8, 2, mday)) {
		ml_date_why(why, why_size, text, len,
		            "is not a date of the form YYYY-MM-DD");
		return ML_E_INVALID_FIELD;
	}
	if (*month < 1 || *month > 12) {
		ml_date_why(why, why_size, text, len,
		            "is not a date: there is no month %02d", *month);
		return ML_E_INVALID_FIELD;
	}
	int month_days = ml_days_in_month(*year, *month);
	if (*mday < 1) {
		ml_date_why(why, why_size, text, len,
		            "is not a date: there is no day 00");
		return ML_E_INVALID_FIELD;
	}
	if (*mday > month_days) {
		ml_date_why(why, why_size, text, len,
		            "is not a date: %04d-%02d has only %d days", *year,
		            *month, month_days);
		return ML_E_INVALID_FIELD;
	}
	return 0;
}

int ml_date_parse(const char *text, size_t len, ml_day *day_out, char *why,
                  size_t why_size)
{
	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (text == NULL || day_out == NULL)
		return ML_E_ARG;
	if (len != ML_DATE_TEXT_MAX - 1) {
		ml_date_why(why, why_size, text, len,
		            "is not a date of the form YYYY-MM-DD");
		return ML_E_INVALID_FIELD;
	}
	int year, month, mday;
	int rc = ml_read_ymd(text, len, &year, &month, &mday, why, why_size);
	if (rc != 0)
		return rc;
	if (year < ML_YEAR_MIN || year > ML_YEAR_MAX) {
		ml_date_why(why, why_size, text, len,
		            "is not between 1900-01-01 and 2199-12-31");
		return ML_E_DATE_RANGE;
	}
	*day_out = ml_date_from_ymd(year, month, mday);
	return 0;
}

/* Writes v as exactly n decimal digits (v ≥ 0, < 10^n). */
static void ml_put_digits(char *p, int v, int n)
{
	ML_ASSERT(v >= 0 && n >= 1 && n <= 9); /* fits an int */
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Formats any day count since 1970 whose year is 0000 ..= 9999. Digits
 * are written directly: this runs for every date of every event encoded,
 * and snprintf would be most of the cost. */
static void ml_format_epoch_day(int64_t epoch_days, char *buf, size_t buf_size)
{
	int64_t year;
	int month, mday;
	char text[ML_DATE_TEXT_MAX];
	ml_civil_from_days(epoch_days, &year, &month, &mday);
	ML_ASSERT(year >= 0 && year <= 9999); /* clamped by the caller */
	ml_put_digits(text, (int)year, 4);
	text[4] = '-';
	ml_put_digits(text + 5, month, 2);
	text[7] = '-';
	ml_put_digits(text + 8, mday, 2);
	text[10] = '\0';
	size_t n = buf_size - 1 < 10 ? buf_size - 1 : 10;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

/* First and last day (since 1970) that four year digits can show. */
static int64_t ml_epoch_day_min(void)
{
	return ml_days_from_civil(0, 1, 1);
}

static int64_t ml_epoch_day_max(void)
{
	return ml_days_from_civil(9999, 12, 31);
}

char *ml_date_format(ml_day day, char *buf, size_t buf_size)
{
	if (buf == NULL || buf_size == 0)
		return buf;
	int64_t epoch_days = (int64_t)day - ML_DAY_EPOCH_OFFSET;
	if (epoch_days < ml_epoch_day_min())
		epoch_days = ml_epoch_day_min();
	if (epoch_days > ml_epoch_day_max())
		epoch_days = ml_epoch_day_max();
	ml_format_epoch_day(epoch_days, buf, buf_size);
	return buf;
}

ml_day ml_date_from_ymd(int year, int month, int day)
{
	int64_t epoch_days = ml_days_from_civil(year, month, day);
	return (ml_day)(epoch_days + ML_DAY_EPOCH_OFFSET);
}

void ml_date_to_ymd(ml_day day, int *year, int *month, int *mday)
{
	int64_t civil_year;
	int civil_month, civil_mday;
	ml_civil_from_days((int64_t)day - ML_DAY_EPOCH_OFFSET, &civil_year,
	                   &civil_month, &civil_mday);
	if (year != NULL)
		*year = (int)civil_year;
	if (month != NULL)
		*month = civil_month;
	if (mday != NULL)
		*mday = civil_mday;
}

/* Floor division of µs into whole days since 1970 and µs into the day. */
static int64_t ml_split_us(int64_t us, int64_t *us_of_day)
{
	int64_t days = us / ML_US_PER_DAY;
	int64_t rest = us % ML_US_PER_DAY;
	if (rest < 0) {
		rest += ML_US_PER_DAY;
		days--;
	}
	*us_of_day = rest;
	return days;
}

ml_day ml_date_today(void)
{
	int64_t us_of_day;
	int64_t day =
	    ml_split_us(ml_time_now_us(), &us_of_day) + ML_DAY_EPOCH_OFFSET;
	if (day < 0)
		return 0;
	if (day > ML_DAY_MAX)
		return ML_DAY_MAX;
	return (ml_day)day;
}

int64_t ml_time_now_us(void)
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		return 0; /* cannot fail for CLOCK_REALTIME on Linux */
	return (int64_t)now.tv_sec * ML_US_PER_SECOND +
	       (int64_t)now.tv_nsec / 1000;
}

char *ml_time_format(int64_t us, char *buf, size_t buf_size)
{
	if (buf == NULL || buf_size == 0)
		return buf;
	int64_t us_min = ml_epoch_day_min() * ML_US_PER_DAY;
	int64_t us_max = (ml_epoch_day_max() + 1) * ML_US_PER_DAY - 1;
	if (us < us_min)
		us = us_min;
	if (us > us_max)
		us = us_max;
	int64_t us_of_day;
	int64_t epoch_days = ml_split_us(us, &us_of_day);
	int64_t seconds = us_of_day / ML_US_PER_SECOND;
	char text[ML_TIME_TEXT_MAX];
	/* Digits written directly: this formats every event's recorded_at
	 * for its hash, and snprintf was most of that cost. The day's text
	 * is kept per thread: the events of a batch were recorded on one
	 * day, and its civil date was half of what is left (verify's
	 * chain thread formats every event's). */
	static _Thread_local int64_t last_days = INT64_MIN;
	static _Thread_local char last_text[ML_DATE_TEXT_MAX];
	if (epoch_days != last_days) {
		ml_format_epoch_day(epoch_days, last_text, ML_DATE_TEXT_MAX);
		last_days = epoch_days;
	}
	memcpy(text, last_text, 10);
	text[10] = 'T';
	ml_put_digits(text + 11, (int)(seconds / 3600), 2);
	text[13] = ':';
	ml_put_digits(text + 14, (int)(seconds / 60 % 60), 2);
	text[16] = ':';
	ml_put_digits(text + 17, (int)(seconds % 60), 2);
	text[19] = '.';
	ml_put_digits(text + 20, (int)(us_of_day % ML_US_PER_SECOND), 6);
	text[26] = 'Z';
	text[27] = '\0';
	size_t n = buf_size - 1 < 27 ? buf_size - 1 : 27;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return buf;
}

/* The parts of an RFC 3339 time after the date: "Thh:mm:ss[.f]" then the
 * zone, read into seconds of the day, µs and the zone's offset east of
 * UTC in seconds. */
struct ml_clock {
	int64_t second_of_day;
	int64_t fraction_us;
	int64_t offset_seconds;
};

/* Reads "[.f{1,6}]" at text[*pos..len) into fraction_us. */
static int ml_read_fraction(const char *text, size_t len, size_t *pos,
                            struct ml_clock *clock, char *why, size_t why_size)
{
	if (*pos >= len || text[*pos] != '.')
		return 0;
	size_t start = ++*pos;
	int64_t fraction_us = 0;
	while (*pos < len && text[*pos] >= '0' && text[*pos] <= '9' &&
	       *pos - start < 6) {
		fraction_us = fraction_us * 10 + (text[*pos] - '0');
		++*pos;
	}
	size_t digit_count = *pos - start;
	if (digit_count == 0 ||
	    (*pos < len && text[*pos] >= '0' && text[*pos] <= '9')) {
		ml_date_why(why, why_size, text, len,
		            "needs 1 to 6 digits after the '.' of the time");
		return ML_E_INVALID_FIELD;
	}
	for (size_t i = digit_count; i < 6; i++)
		fraction_us *= 10;
	clock->fraction_us = fraction_us;
	return 0;
}

/* Reads the zone "Z" or "±hh:mm", which must end the text. */
static int ml_read_zone(const char *text, size_t len, size_t pos,
                        struct ml_clock *clock, char *why, size_t why_size)
{
	int hours, minutes;
	if (len - pos == 1 && (text[pos] == 'Z' || text[pos] == 'z')) {
		clock->offset_seconds = 0;
		return 0;
	}
	if (len - pos == 6 && (text[pos] == '+' || text[pos] == '-') &&
	    ml_read_digits(text + pos + 1, 2, &hours) && text[pos + 3] == ':' &&
	    ml_read_digits(text + pos + 4, 2, &minutes) && hours <= 23 &&
	    minutes <= 59) {
		int64_t offset = hours * 3600 + minutes * 60;
		clock->offset_seconds = text[pos] == '-' ? -offset : offset;
		return 0;
	}
	ml_date_why(why, why_size, text, len,
	            "needs a time zone 'Z' or '+hh:mm' / '-hh:mm' at its end");
	return ML_E_INVALID_FIELD;
}

/* Reads "Thh:mm:ss[.f][zone]" at text[10..len). */
static int ml_read_clock(const char *text, size_t len, struct ml_clock *clock,
                         char *why, size_t why_size)
{
	int hours, minutes, seconds;
	if (len < 19 || (text[10] != 'T' && text[10] != 't') ||
	    !ml_read_digits(text + 11, 2, &hours) || text[13] != ':' ||
	    !ml_read_digits(text + 14, 2, &minutes) || text[16] != ':' ||
	    !ml_read_digits(text + 17, 2, &seconds)) {
		ml_date_why(why, why_size, text, len,
		            "is not a time of the form "
		            "YYYY-MM-DDThh:mm:ss[.ffffff]Z or a date "
		            "YYYY-MM-DD");
		return ML_E_INVALID_FIELD;
	}
	if (hours > 23 || minutes > 59 || seconds > 59) {
		ml_date_why(why, why_size, text, len,
		            "is not a time of day: 00:00:00 to 23:59:59 "
		            "(leap seconds are not accepted)");
		return ML_E_INVALID_FIELD;
	}
	clock->second_of_day = hours * 3600 + minutes * 60 + seconds;
	clock->fraction_us = 0;
	size_t pos = 19;
	int rc = ml_read_fraction(text, len, &pos, clock, why, why_size);
	if (rc != 0)
		return rc;
	return ml_read_zone(text, len, pos, clock, why, why_size);
}

int ml_time_parse(const char *text, size_t len, int64_t *us_out, char *why,
                  size_t why_size)
{
	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (text == NULL || us_out == NULL)
		return ML_E_ARG;
	if (len < ML_DATE_TEXT_MAX - 1) {
		ml_date_why(why, why_size, text, len,
		            "is not a time YYYY-MM-DDThh:mm:ss[.ffffff]Z "
		            "or a date YYYY-MM-DD");
		return ML_E_INVALID_FIELD;
	}
	int year, month, mday;
	int rc = ml_read_ymd(text, len, &year, &month, &mday, why, why_size);
	if (rc != 0)
		return rc;
	int64_t day_us = ml_days_from_civil(year, month, mday) * ML_US_PER_DAY;
	if (len == ML_DATE_TEXT_MAX - 1) {
		*us_out = day_us + ML_US_PER_DAY - 1; /* 23:59:59.999999 */
		return 0;
	}
	struct ml_clock clock;
	rc = ml_read_clock(text, len, &clock, why, why_size);
	if (rc != 0)
		return rc;
	*us_out =
	    day_us +
	    (clock.second_of_day - clock.offset_seconds) * ML_US_PER_SECOND +
	    clock.fraction_us;
	return 0;
}

int64_t ml_day_start_us(ml_day day)
{
	return ((int64_t)day - ML_DAY_EPOCH_OFFSET) * ML_US_PER_DAY;
}

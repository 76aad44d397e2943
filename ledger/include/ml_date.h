/*
 * ml_date.h — calendar dates as day numbers and timestamps in microseconds.
 *
 * A date (an event's effective date) is "YYYY-MM-DD", proleptic Gregorian,
 * 1900-01-01 ..= 2199-12-31 (DOMAIN.md). Inside the ledger it is a day
 * number: days since 1900-01-01, so day 0 is 1900-01-01 and every legal
 * date is 0 ..= ML_DAY_MAX. Day numbers sort like dates and subtract to
 * give days between dates.
 *
 * A timestamp (recorded_at, known_at) is microseconds since
 * 1970-01-01T00:00:00Z, formatted RFC 3339 in UTC with exactly six
 * fraction digits: "2021-01-15T09:30:00.000000Z".
 */
#ifndef ML_DATE_H
#define ML_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "ml_limits.h"

typedef int32_t ml_day;

/* Parses exactly "YYYY-MM-DD" (10 bytes of text, len given) into *day_out.
 * Returns 0; ML_E_INVALID_FIELD when the text is not of that form or not a
 * real calendar date (2020-02-30, 2021-02-29, month 13) with the reason in
 * why; ML_E_DATE_RANGE for a real date outside 1900 ..= 2199 (form and
 * calendar are checked first: 1899-02-30 is ML_E_INVALID_FIELD). ML_E_ARG
 * if text or day_out is NULL. */
int ml_date_parse(const char *text, size_t len, ml_day *day_out, char *why,
                  size_t why_size);

/* Formats a day number (0 ..= ML_DAY_MAX) as "YYYY-MM-DD" into buf
 * (≥ ML_DATE_TEXT_MAX bytes). Returns buf. Any day of the years
 * 0000 ..= 9999 formats too; a day outside those is clamped to them. */
char *ml_date_format(ml_day day, char *buf, size_t buf_size);

/* Day number of a civil date, for any year 1900 ..= 2199 and valid
 * month/day (the caller has checked them). */
ml_day ml_date_from_ymd(int year, int month, int day);

/* Splits a day number into year, month (1–12), day (1–31). */
void ml_date_to_ymd(ml_day day, int *year, int *month, int *mday);

/* Today's date in UTC as a day number (clamped to the legal range). */
ml_day ml_date_today(void);

/* Current time in µs since the Unix epoch (CLOCK_REALTIME). */
int64_t ml_time_now_us(void);

/* Formats µs since the epoch as "2021-01-15T09:30:00.000000Z" into buf
 * (≥ ML_TIME_TEXT_MAX bytes). Returns buf. Times before 1970 (negative)
 * format normally; times outside the years 0000 ..= 9999 are clamped to
 * them, so the result always parses back with ml_time_parse. */
char *ml_time_format(int64_t us, char *buf, size_t buf_size);

/* Parses a point in time for known_at: RFC 3339 "YYYY-MM-DDTHH:MM:SS"
 * with an optional fraction of 1–6 digits and "Z" or "±HH:MM"; or a bare
 * date "YYYY-MM-DD", meaning the end of that day in UTC
 * (23:59:59.999999). 'T'/'t' and 'Z'/'z' are both accepted; a space in
 * place of the 'T', a missing zone, more than 6 fraction digits and leap
 * second 60 are not. Any real date of the years 0000 ..= 9999 is
 * accepted (not only 1900 ..= 2199: this is a point in time, not an
 * event date). Returns 0 or ML_E_INVALID_FIELD with why; ML_E_ARG if
 * text or us_out is NULL. */
int ml_time_parse(const char *text, size_t len, int64_t *us_out, char *why,
                  size_t why_size);

/* Microseconds since the epoch at 00:00:00Z of a day number. */
int64_t ml_day_start_us(ml_day day);

#endif /* ML_DATE_H */

/*
 * fuzz_date.c — the date and time parsers: a date that parses formats
 * back to the same ten bytes; a time that parses formats to RFC 3339 that
 * parses to the same microsecond.
 */
#include <string.h>

#include "fuzz.h"
#include "ml_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[160], out[ML_TIME_TEXT_MAX];
	const char *text = (const char *)data;
	ml_day day;
	if (ml_date_parse(text, size, &day, why, sizeof why) == 0) {
		ml_date_format(day, out, sizeof out);
		if (size != 10 || memcmp(out, text, 10) != 0)
			fuzz_fail("date '%.*s' formats as '%s'", (int)size,
			          text, out);
	}
	int64_t us, back;
	if (ml_time_parse(text, size, &us, why, sizeof why) == 0) {
		ml_time_format(us, out, sizeof out);
		if (ml_time_parse(out, strlen(out), &back, why, sizeof why) !=
		        0 ||
		    back != us)
			fuzz_fail("time '%.*s' → %lld → '%s' does not parse "
			          "back",
			          (int)size, text, (long long)us, out);
	}
	return 0;
}

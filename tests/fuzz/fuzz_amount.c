/*
 * fuzz_amount.c — the amount parser: never crashes, never reads past its
 * input, and whatever it accepts formats back to text it parses to the
 * same öre (both the human and the spreadsheet form).
 */
#include <string.h>

#include "fuzz.h"
#include "ml_money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256], why[160], out[ML_MONEY_TEXT_MAX];
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int64_t ore, back;
	if (ml_money_parse(text, &ore, why, sizeof why) != 0)
		return 0;
	const char *forms[2] = {ml_money_format(ore, out, sizeof out), NULL};
	char csv[ML_MONEY_TEXT_MAX];
	forms[1] = ml_money_format_csv(ore, csv, sizeof csv);
	for (int i = 0; i < 2; i++) {
		if (ml_money_parse(forms[i], &back, why, sizeof why) != 0 ||
		    back != ore)
			fuzz_fail("'%s' → %lld öre → '%s' does not parse back "
			          "(%s)",
			          text, (long long)ore, forms[i], why);
	}
	return 0;
}

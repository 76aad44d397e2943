/*
 * fuzz_query.c — the query-string parser (libevent's splitting and
 * decoding, then medeld's strict checks) with every parameter allowed:
 * never crashes, and an error always names a parameter and says why.
 */
#include <string.h>

#include "fuzz.h"
#include "ma_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char query[4096];
	if (size >= sizeof query)
		return 0;
	memcpy(query, data, size);
	query[size] = '\0';
	struct ma_params p;
	struct ml_errinfo err;
	ml_errinfo_clear(&err);
	int rc = ma_params_parse(query, 0xffffffffu, 0xffffffffu, &p, &err);
	if (rc != 0 && rc != ML_E_NOMEM && err.message[0] == '\0')
		fuzz_fail("'%s' refused (%d) without a reason", query, rc);
	if (rc == 0 && (p.limit == 0 || p.limit > ML_EVENTS_LIMIT_MAX))
		fuzz_fail("'%s' gave limit %u", query, p.limit);
	return 0;
}

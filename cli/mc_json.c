/*
 * mc_json.c — reading the API's answers.
 *
 * cJSON parses the body; numbers arrive as doubles, which hold every
 * integer up to 2^53 exactly. The ledger writes integers only, and every
 * amount (≤ 10^15 öre) and realistic sum is far below 2^53, so an
 * integer is accepted only when the double is whole and within
 * ±ML_JSON_INT_MAX: a number that might have been rounded is refused,
 * never printed wrong.
 */
#include <math.h>
#include <string.h>

#include "mc_cli.h"

cJSON *mc_json_parse(const struct mc_reply *r)
{
	if (r->body.data == NULL)
		return NULL;
	return cJSON_ParseWithLength(r->body.data, r->body.len);
}

const char *mc_json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int mc_json_int(const cJSON *obj, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsNumber(v))
		return -1;
	double d = v->valuedouble;
	if (!(d >= -(double)ML_JSON_INT_MAX && d <= (double)ML_JSON_INT_MAX) ||
	    floor(d) != d)
		return -1;
	*out = (int64_t)d;
	return 0;
}

int mc_json_ints(const cJSON *obj, const char *const *names, size_t n,
                 int64_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (mc_json_int(obj, names[i], &out[i]) != 0)
			return -1;
	return 0;
}

bool mc_json_bool(const cJSON *obj, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

const cJSON *mc_json_array(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsArray(v) ? v : NULL;
}

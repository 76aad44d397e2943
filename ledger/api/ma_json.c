/*
 * ma_json.c — reading members of an answer document (ma_json.h).
 *
 * Called by the API layer's renderers (CSV, the trace model) and by
 * medel's printers, always on a document parsed from the JSON bytes of
 * an answer (the ledger's own tree holds raw rows and raw integers,
 * which only printing makes plain); pure functions over a cJSON tree,
 * no state.
 */
#include "ma_json.h"

#include <math.h>
#include <string.h>

const char *ma_json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ma_json_int(const cJSON *obj, const char *name, int64_t *out)
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

int ma_json_ints(const cJSON *obj, const char *const *names, size_t n,
                 int64_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (ma_json_int(obj, names[i], &out[i]) != 0)
			return -1;
	return 0;
}

bool ma_json_bool(const cJSON *obj, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

const cJSON *ma_json_array(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsArray(v) ? v : NULL;
}

const cJSON *ma_json_find(const cJSON *array, const char *name,
                          const char *value)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, array)
	{
		const char *v = ma_json_str(e, name);
		if (v != NULL && value != NULL && strcmp(v, value) == 0)
			return e;
	}
	return NULL;
}

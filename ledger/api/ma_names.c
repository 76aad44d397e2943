/*
 * ma_names.c — ids to names (ma_names.h), for medel's tables and the
 * trace picture.
 *
 * Both scans run over the borrowed cJSON arrays; nothing is copied, so
 * a label lives as long as the list it came from.
 */
#include "ma_names.h"

#include <string.h>

#include "ma_json.h"

const char *ma_names_label(const cJSON *list, const char *key, const char *id)
{
	const cJSON *it;
	if (id == NULL || list == NULL)
		return id;
	const char *name = ma_json_str(ma_json_find(list, key, id), "name");
	if (name == NULL || name[0] == '\0')
		return id;
	cJSON_ArrayForEach(it, list)
	{
		const char *other = ma_json_str(it, key);
		const char *n = ma_json_str(it, "name");
		if (other != NULL && strcmp(other, id) != 0 && n != NULL &&
		    strcmp(n, name) == 0)
			return id;
	}
	return name;
}

void ma_names_trace(struct ma_trace *t, const cJSON *parties,
                    const cJSON *grants)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		t->nodes[i].label =
		    ma_names_label(parties, "party", t->nodes[i].party);
	t->grant_label = ma_names_label(grants, "grant", t->grant);
}

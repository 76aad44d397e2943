/*
 * ml_answer_dist.c — GET /v1/distributions/{seq}: the shares one
 * distribution gave.
 *
 * The answer is computed from the event alone (ml_dist.h), as an auditor
 * would recompute it: every party of the key in code-point order (the
 * order the key is stored in), with its weight and its share, shares of
 * 0 included. Whether a share was later declined, claimed or paid is the
 * balances' business, not this answer's; a corrected distribution still
 * shows what it gave (GET /v1/events marks the correction). Cost: one log
 * read and one computation over ≤ ML_KEY_PARTIES_MAX parties.
 */
#include <stdlib.h>

#include "ml_answer_internal.h"
#include "ml_dist.h"
#include "ml_text.h"

static int ml_dist_doc(const struct ml_event *ev, cJSON **out)
{
	struct ml_key_item *items = NULL;
	int64_t *shares = NULL;
	size_t n = 0;
	int rc = ml_dist_of(ev, &items, &shares, &n);
	if (rc != 0)
		return rc;
	cJSON *doc = cJSON_CreateObject(), *arr = NULL;
	bool ok =
	    doc != NULL && ml_json_add_int(doc, "seq", (int64_t)ev->seq) &&
	    ml_json_add_str(doc, "grant", ev->grant) &&
	    ml_json_add_str(doc, "from", ev->from) &&
	    ml_json_add_int(doc, "amount", ev->amount_ore) &&
	    ml_json_add_str(doc, "key_name", ev->key_name) &&
	    cJSON_AddStringToObject(doc, "round_to",
	                            ml_dist_unit_ore(ev) == 1 ? "ore" : "kr") &&
	    (arr = cJSON_AddArrayToObject(doc, "shares")) != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		cJSON *row = ml_json_push_object(arr);
		ok = row != NULL &&
		     ml_json_add_str(row, "party", items[i].party) &&
		     ml_json_add_int(row, "weight", items[i].weight) &&
		     ml_json_add_int(row, "amount", shares[i]);
	}
	free(items);
	free(shares);
	if (!ok) {
		cJSON_Delete(doc);
		return ML_E_NOMEM;
	}
	*out = doc;
	return 0;
}

int ml_answer_distribution(struct ml_ledger *lg, struct ml_read *rd,
                           uint64_t seq, cJSON **out, struct ml_errinfo *err)
{
	struct ml_event ev;
	int rc = ml_ledger_event(lg, rd, seq, &ev);
	if (rc == ML_E_NOT_FOUND)
		return ml_fail(err, rc, -1, NULL, "no event with seq %llu",
		               (unsigned long long)seq);
	if (rc == 0 && ev.type != ML_TYPE_DISTRIBUTION)
		return ml_fail(err, ML_E_NOT_FOUND, -1, NULL,
		               "seq %llu is %s %s event, not a distribution",
		               (unsigned long long)seq,
		               ml_article(ml_types[ev.type].name),
		               ml_types[ev.type].name);
	if (rc == 0)
		rc = ml_dist_doc(&ev, out);
	if (rc != 0 && err->code == 0)
		ml_fail(err, rc, -1, NULL, "%s", ml_strerror(rc));
	return rc;
}

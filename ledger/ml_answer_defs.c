/*
 * ml_answer_defs.c — GET /v1/parties and GET /v1/grants: who and what
 * is defined, as of a date.
 *
 * rules.md "Redefinitions": per id, the latest definition dated ≤ as_of
 * (in a known view, among those recorded by known_at), found with one
 * seek in the defs index (ml_state_def_at); an id whose first definition
 * is dated after as_of is not listed. The fields are read from that
 * definition event in the log, as given (a post's inherited deadlines are
 * not filled in: this is the register, the other answers apply the
 * inheritance). Optional fields the event did not give are absent.
 * Each entry ends with defined_seq (the definition's seq) and date (its
 * date). Entries are sorted by id; "known_at" follows when asked for.
 *
 * Cost: one seek and one log read per party or grant, twice (once to
 * find the ids to sort, once to write): registers are small next to the
 * log.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_log.h"

struct ml_def {
	struct ml_named n;
	uint64_t seq;
};

static int ml_def_cmp(const void *x, const void *y)
{
	const struct ml_def *a = x, *b = y;
	return ml_str_cmp(a->n.id, b->n.id);
}

/* Every id of kind k with a definition the view sees, sorted by id. */
static int ml_defs_list(struct ml_ans *a, enum ml_name_kind k,
                        struct ml_def **out, size_t *n)
{
	uint32_t count = 0;
	*out = NULL;
	*n = 0;
	int rc = ml_state_count(a->st, a->txn, k, &count);
	uint32_t max = k == ML_NAME_PARTY ? ML_PARTIES_MAX : ML_GRANTS_MAX;
	if (rc == 0 && count > max)
		rc = ML_E_CORRUPT;
	struct ml_def *v = calloc((size_t)count + 1, sizeof *v);
	if (rc == 0 && v == NULL)
		rc = ML_E_NOMEM;
	for (uint32_t no = 1; rc == 0 && no <= count; no++) {
		uint64_t seq = 0;
		rc = ml_state_def_at(a->st, a->txn, k, no, &a->v, &seq);
		ML_ASSERT(*n < no); /* one entry per number at most */
		if (rc == 0 && seq != 0) {
			v[*n].seq = seq;
			rc = ml_ans_named(a, k, no, &v[(*n)++].n);
		}
	}
	if (rc == 0 && *n > 1)
		qsort(v, *n, sizeof *v, ml_def_cmp);
	if (rc != 0) {
		free(v);
		*n = 0;
		if (a->err->code == 0)
			ml_fail(a->err, rc, -1, NULL, "listing definitions: %s",
			        ml_strerror(rc));
		return rc;
	}
	*out = v;
	return 0;
}

static bool ml_add_opt_str(cJSON *o, const char *name, struct ml_str s)
{
	return s.ptr == NULL || ml_json_add_str(o, name, s) != NULL;
}

static bool ml_add_opt_date(cJSON *o, const char *name,
                            const struct ml_event *ev, enum ml_field f,
                            ml_day day)
{
	return !(ev->present & ML_BIT(f)) ||
	       ml_json_add_date(o, name, day) != NULL;
}

static bool ml_party_entry(cJSON *o, const struct ml_event *ev)
{
	bool ok = ml_json_add_str(o, "party", ev->party) != NULL;
	ok = ok && ml_json_add_str(o, "name", ev->name);
	ok = ok && ml_json_add_str(o, "kind", ev->kind);
	ok = ok && ml_add_opt_str(o, "parent", ev->parent);
	ok = ok && ml_add_opt_str(o, "org_no", ev->org_no);
	return ok;
}

static bool ml_grant_entry(cJSON *o, const struct ml_event *ev)
{
	bool ok = ml_json_add_str(o, "grant", ev->grant) != NULL;
	ok = ok && ml_json_add_str(o, "name", ev->name);
	ok = ok && ml_json_add_str(o, "payer", ev->payer);
	ok = ok && ml_json_add_int(o, "total", ev->total_ore);
	ok = ok && ml_add_opt_str(o, "parent", ev->parent);
	if (ok && (ev->present & ML_BIT(ML_F_YEAR)))
		ok = ml_json_add_int(o, "year", ev->year) != NULL;
	ok = ok && ml_add_opt_date(o, "use_by", ev, ML_F_USE_BY, ev->use_by);
	ok = ok &&
	     ml_add_opt_date(o, "report_by", ev, ML_F_REPORT_BY, ev->report_by);
	ok = ok &&
	     ml_add_opt_date(o, "repay_by", ev, ML_F_REPAY_BY, ev->repay_by);
	if (ok && (ev->present & ML_BIT(ML_F_CARRY_OVER)))
		ok = cJSON_AddBoolToObject(o, "carry_over", ev->carry_over) !=
		     NULL;
	return ok;
}

/* The answer for parties (k = ML_NAME_PARTY) or grants. */
static int ml_answer_defs(struct ml_ledger *lg, MDB_txn *txn,
                          const struct ml_query *q, enum ml_name_kind k,
                          cJSON **out, struct ml_errinfo *err)
{
	struct ml_ans a;
	struct ml_def *defs = NULL;
	size_t n = 0;
	cJSON *doc = NULL, *list = NULL;
	*out = NULL;
	int rc = ml_ans_begin(lg, txn, q, &a, err);
	if (rc == 0)
		rc = ml_defs_list(&a, k, &defs, &n);
	if (rc == 0) {
		const char *key = k == ML_NAME_PARTY ? "parties" : "grants";
		doc = ml_ans_doc_as_of(&a);
		list = doc ? cJSON_AddArrayToObject(doc, key) : NULL;
		rc = list != NULL ? 0 : ml_ans_nomem(&a);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ml_event ev;
		rc = ml_log_get(a.st, txn, defs[i].seq, &ev);
		enum ml_type want =
		    k == ML_NAME_PARTY ? ML_TYPE_PARTY : ML_TYPE_GRANT;
		if (rc == 0 && ev.type != want)
			rc = ML_E_CORRUPT;
		if (rc != 0)
			break;
		cJSON *o = ml_json_push_object(list);
		bool ok =
		    o != NULL && (k == ML_NAME_PARTY ? ml_party_entry(o, &ev)
		                                     : ml_grant_entry(o, &ev));
		ok = ok && ml_json_add_int(o, "defined_seq", (int64_t)ev.seq);
		ok = ok && ml_json_add_date(o, "date", ev.date);
		rc = ok ? 0 : ml_ans_nomem(&a);
	}
	if (rc == 0 && !ml_ans_add_known(&a, doc, false))
		rc = ml_ans_nomem(&a);
	free(defs);
	if (rc != 0) {
		cJSON_Delete(doc);
		if (err->code == 0)
			ml_fail(err, rc, -1, NULL, "reading definitions: %s",
			        ml_strerror(rc));
		return rc;
	}
	*out = doc;
	return 0;
}

int ml_answer_parties(struct ml_ledger *lg, struct ml_read *rd,
                      const struct ml_query *q, cJSON **out,
                      struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	return ml_answer_defs(lg, txn, q, ML_NAME_PARTY, out, err);
}

int ml_answer_grants(struct ml_ledger *lg, struct ml_read *rd,
                     const struct ml_query *q, cJSON **out,
                     struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	return ml_answer_defs(lg, txn, q, ML_NAME_GRANT, out, err);
}

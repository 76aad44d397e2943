/*
 * ml_event.c — the field table and the per-type schemas.
 *
 * These two tables are the whole event model: which fields exist, what
 * kind of value each holds, where it sits in struct ml_event, and which
 * fields each type requires or allows. Every codec walks them. The field
 * table is in canonical (code point) order; tests/unit/test_event.c checks
 * that it stays sorted.
 */
#include "ml_event.h"

#include <string.h>

#include "ml_assert.h"

#define F(name, kind, max, member)                                             \
	{                                                                      \
		name, sizeof name - 1, kind, max,                              \
		    offsetof(struct ml_event, member)                          \
	}

const struct ml_field_info ml_fields[ML_F_COUNT] = {
    [ML_F_ACTIVITY] = F("activity", ML_V_TEXT, ML_ACTIVITY_MAX, activity),
    [ML_F_ALLOCATION] =
        F("allocation", ML_V_SETTLES, ML_EVENT_ID_MAX, settles_id),
    [ML_F_AMOUNT] = F("amount", ML_V_AMOUNT, 0, amount_ore),
    [ML_F_CARRY_OVER] = F("carry_over", ML_V_BOOL, 0, carry_over),
    [ML_F_CLAIM_BY] = F("claim_by", ML_V_DATE, 0, claim_by),
    [ML_F_CONDITION] = F("condition", ML_V_TEXT, ML_CONDITION_MAX, condition),
    [ML_F_CORRECTS] = F("corrects", ML_V_SEQ, 0, corrects),
    [ML_F_DATE] = F("date", ML_V_DATE, 0, date),
    [ML_F_DECIDE_BY] = F("decide_by", ML_V_DATE, 0, decide_by),
    [ML_F_DUE] = F("due", ML_V_DATE, 0, due),
    [ML_F_FROM] = F("from", ML_V_PARTY_ID, ML_PARTY_ID_MAX, from),
    [ML_F_GRANT] = F("grant", ML_V_GRANT_ID, ML_GRANT_ID_MAX, grant),
    [ML_F_HASH] = F("hash", ML_V_HASH, 0, hash),
    [ML_F_ID] = F("id", ML_V_EVENT_ID, ML_EVENT_ID_MAX, id),
    [ML_F_INVOICE_NO] =
        F("invoice_no", ML_V_TEXT, ML_INVOICE_NO_MAX, invoice_no),
    [ML_F_KEY] = F("key", ML_V_KEY, ML_KEY_BYTES_MAX, key),
    [ML_F_KEY_NAME] = F("key_name", ML_V_TEXT, ML_KEY_NAME_MAX, key_name),
    [ML_F_KIND] = F("kind", ML_V_KIND, 0, kind),
    [ML_F_META] = F("meta", ML_V_META, ML_META_MAX, meta),
    [ML_F_NAME] = F("name", ML_V_TEXT, ML_NAME_MAX, name),
    [ML_F_NOTE] = F("note", ML_V_TEXT, ML_NOTE_MAX, note),
    [ML_F_ORG_NO] = F("org_no", ML_V_TEXT, ML_ORG_NO_MAX, org_no),
    [ML_F_PARENT] = F("parent", ML_V_PARENT, ML_GRANT_ID_MAX, parent),
    [ML_F_PARTY] = F("party", ML_V_PARTY_ID, ML_PARTY_ID_MAX, party),
    [ML_F_PAYER] = F("payer", ML_V_PARTY_ID, ML_PARTY_ID_MAX, payer),
    [ML_F_PREV_HASH] = F("prev_hash", ML_V_HASH, 0, prev_hash),
    [ML_F_RECORDED_AT] = F("recorded_at", ML_V_TIME, 0, recorded_at_us),
    [ML_F_RECORDED_BY] =
        F("recorded_by", ML_V_TEXT, ML_RECORDED_BY_MAX, recorded_by),
    [ML_F_REF] = F("ref", ML_V_TEXT, ML_REF_MAX, ref),
    [ML_F_REPAY_BY] = F("repay_by", ML_V_DATE, 0, repay_by),
    [ML_F_REPORT_BY] = F("report_by", ML_V_DATE, 0, report_by),
    [ML_F_ROUND_TO] = F("round_to", ML_V_ROUND_TO, 3, round_to),
    [ML_F_SEQ] = F("seq", ML_V_SEQ, 0, seq),
    [ML_F_SETTLES] = F("settles", ML_V_SETTLES, ML_EVENT_ID_MAX, settles_id),
    [ML_F_SPENT] = F("spent", ML_V_AMOUNT, 0, spent_ore),
    [ML_F_TO] = F("to", ML_V_PARTY_ID, ML_PARTY_ID_MAX, to),
    [ML_F_TO_GRANT] = F("to_grant", ML_V_GRANT_ID, ML_GRANT_ID_MAX, to_grant),
    [ML_F_TOTAL] = F("total", ML_V_AMOUNT, 0, total_ore),
    [ML_F_TYPE] = F("type", ML_V_TYPE, 0, type),
    [ML_F_UNIT] = F("unit", ML_V_TEXT, ML_UNIT_MAX, unit),
    [ML_F_USE_BY] = F("use_by", ML_V_DATE, 0, use_by),
    [ML_F_YEAR] = F("year", ML_V_YEAR, 0, year),
};
#undef F

#define B(f)       ML_BIT(ML_F_##f)
#define COMMON_REQ (B(TYPE) | B(DATE))
#define COMMON_OPT (B(ID) | B(REF) | B(NOTE) | B(META))
#define MOVE       (B(GRANT) | B(FROM) | B(TO) | B(AMOUNT))

const struct ml_type_schema ml_types[ML_TYPE_COUNT] = {
    [ML_TYPE_PARTY] = {"party", COMMON_REQ | B(PARTY) | B(NAME) | B(KIND),
                       COMMON_OPT | B(PARENT) | B(ORG_NO)},
    [ML_TYPE_GRANT] = {"grant",
                       COMMON_REQ | B(GRANT) | B(NAME) | B(PAYER) | B(TOTAL),
                       COMMON_OPT | B(PARENT) | B(YEAR) | B(USE_BY) |
                           B(REPORT_BY) | B(REPAY_BY) | B(CARRY_OVER)},
    [ML_TYPE_ALLOCATION] = {"allocation", COMMON_REQ | MOVE,
                            COMMON_OPT | B(CLAIM_BY) | B(CONDITION) |
                                B(DECIDE_BY)},
    [ML_TYPE_DECLINE] = {"decline", COMMON_REQ | MOVE, COMMON_OPT},
    [ML_TYPE_REQUISITION] = {"requisition", COMMON_REQ | MOVE, COMMON_OPT},
    [ML_TYPE_INVOICE] = {"invoice", COMMON_REQ | MOVE | B(INVOICE_NO),
                         COMMON_OPT | B(DUE)},
    [ML_TYPE_PAYOUT] = {"payout", COMMON_REQ | MOVE, COMMON_OPT | B(SETTLES)},
    [ML_TYPE_EXPENSE] = {"expense",
                         COMMON_REQ | B(GRANT) | B(PARTY) | B(ACTIVITY) |
                             B(AMOUNT),
                         COMMON_OPT | B(UNIT)},
    [ML_TYPE_REPAYMENT] = {"repayment", COMMON_REQ | MOVE, COMMON_OPT},
    [ML_TYPE_CARRYOVER] = {"carryover",
                           COMMON_REQ | B(GRANT) | B(TO_GRANT) | B(PARTY) |
                               B(AMOUNT),
                           COMMON_OPT},
    [ML_TYPE_REPORT] = {"report", COMMON_REQ | B(GRANT) | B(PARTY),
                        COMMON_OPT | B(SPENT)},
    [ML_TYPE_CORRECTION] = {"correction", COMMON_REQ | B(CORRECTS) | B(NOTE),
                            B(ID) | B(REF) | B(META)},
    [ML_TYPE_CLOSE] = {"close", COMMON_REQ, COMMON_OPT | B(GRANT)},
    [ML_TYPE_CONFIRM] = {"confirm", COMMON_REQ | B(ALLOCATION),
                         COMMON_OPT | B(AMOUNT)},
    [ML_TYPE_LAPSE] = {"lapse", COMMON_REQ | B(ALLOCATION), COMMON_OPT},
    [ML_TYPE_DISTRIBUTION] = {"distribution",
                              COMMON_REQ | B(GRANT) | B(FROM) | B(AMOUNT) |
                                  B(KEY) | B(KEY_NAME),
                              COMMON_OPT | B(ROUND_TO) | B(CLAIM_BY) |
                                  B(CONDITION) | B(DECIDE_BY)},
};
#undef B

const char *const ml_party_kinds[ML_PARTY_KIND_COUNT] = {
    "state",  "association",  "county_association",
    "region", "municipality", "committee",
    "unit",   "other",
};

/* The first byte first: a type's name (once for each decoded event) and a
 * party kind are looked up by scanning their short lists. */
static bool ml_name_is(const char *name, const char *s, size_t len)
{
	return (len == 0 || name[0] == s[0]) && strlen(name) == len &&
	       memcmp(name, s, len) == 0;
}

enum ml_type ml_type_from_name(const char *s, size_t len)
{
	for (int t = ML_TYPE_NONE + 1; t < ML_TYPE_COUNT; t++) {
		if (ml_name_is(ml_types[t].name, s, len))
			return (enum ml_type)t;
	}
	return ML_TYPE_NONE;
}

/* s[0..len) against a field's name in byte (code point) order, the
 * order of the table: <0, 0, >0 as strcmp would say. */
static int ml_field_name_cmp(const char *s, size_t len,
                             const struct ml_field_info *fi)
{
	size_t n = len < fi->name_len ? len : fi->name_len;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s[i];
		unsigned char b = (unsigned char)fi->name[i];
		if (a != b)
			return a < b ? -1 : 1;
	}
	return len < fi->name_len ? -1 : len > fi->name_len;
}

/* A binary search of the field table, which is sorted (test_event.c
 * checks it): at most six short comparisons for each member of every
 * decoded event, where a scan of all 42 names (a strlen and a memcmp
 * each) was ~3 % of a whole `medel append` (perf, issue 15). */
enum ml_field ml_field_from_name(const char *s, size_t len)
{
	size_t lo = 0, hi = ML_F_COUNT; /* the name, if any, is in [lo, hi) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ml_field_name_cmp(s, len, &ml_fields[mid]);
		if (c == 0)
			return (enum ml_field)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return ML_F_COUNT;
}

bool ml_party_kind_valid(const char *s, size_t len)
{
	for (int k = 0; k < ML_PARTY_KIND_COUNT; k++) {
		if (ml_name_is(ml_party_kinds[k], s, len))
			return true;
	}
	return false;
}

bool ml_type_is_money(enum ml_type t)
{
	ML_ASSERT((unsigned)t < ML_TYPE_COUNT);
	switch (t) {
	case ML_TYPE_ALLOCATION:
	case ML_TYPE_DECLINE:
	case ML_TYPE_REQUISITION:
	case ML_TYPE_INVOICE:
	case ML_TYPE_PAYOUT:
	case ML_TYPE_EXPENSE:
	case ML_TYPE_REPAYMENT:
	case ML_TYPE_CARRYOVER:
	case ML_TYPE_CONFIRM: /* moves the allocation it names */
	case ML_TYPE_LAPSE:
	case ML_TYPE_DISTRIBUTION:
		return true;
	default:
		return false;
	}
}

bool ml_str_eq(struct ml_str a, struct ml_str b)
{
	if (a.ptr == NULL || b.ptr == NULL)
		return a.ptr == b.ptr;
	return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

bool ml_str_eq_c(struct ml_str a, const char *s)
{
	if (a.ptr == NULL || s == NULL)
		return a.ptr == NULL && s == NULL;
	return a.len == strlen(s) && memcmp(a.ptr, s, a.len) == 0;
}

struct ml_str ml_str_c(const char *s)
{
	struct ml_str r = {s, s != NULL ? (uint32_t)strlen(s) : 0};
	return r;
}

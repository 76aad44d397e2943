/*
 * test_warn.c — ml_warn: each warning's rule at and beyond its edge,
 * the field and code it names, its message, and silence for an event
 * that is only what it looks like.
 */
#include <string.h>

#include "ml_json.h"
#include "ml_warn.h"
#include "mt.h"

/* Decodes one event (JSON text) and returns its warnings' count. */
static size_t warn(const char *json, const char *today_text,
                   struct ml_warning *w)
{
	struct ml_arena arena;
	struct ml_event *ev = NULL;
	struct ml_errinfo err;
	size_t n = 0;
	ml_day today = 0;
	ml_arena_init(&arena, 1u << 20);
	MT_CHECK(ml_date_parse(today_text, 10, &today, NULL, 0) == 0);
	int rc = ml_json_parse_batch(json, strlen(json), &arena, &ev, &n, &err);
	MT_CHECK(rc == 0 && n == 1);
	size_t count = rc == 0 && n == 1 ? ml_event_warnings(ev, today, w) : 99;
	/* messages are copied into w, so the event may go */
	ml_arena_free(&arena);
	return count;
}

#define GRANT(extra)                                                           \
	"{\"type\":\"grant\",\"date\":\"2020-02-06\",\"grant\":\"g\","         \
	"\"name\":\"G\",\"payer\":\"kk\",\"total\":100" extra "}"

static void test_none(void)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	MT_CHECK_INT(warn(GRANT(",\"year\":2020,\"use_by\":\"2020-12-31\","
	                        "\"report_by\":\"2021-01-31\","
	                        "\"repay_by\":\"2021-03-31\""),
	                  "2026-12-02", w),
	             0);
	MT_CHECK_INT(warn("{\"type\":\"party\",\"date\":\"2020-01-01\","
	                  "\"party\":\"sthlm\",\"name\":\"S\",\"kind\":"
	                  "\"municipality\",\"org_no\":\"212000-1355\"}",
	                  "2026-12-02", w),
	             0);
	/* deadlines on the event's own date are in order */
	MT_CHECK_INT(warn(GRANT(",\"use_by\":\"2020-02-06\","
	                        "\"repay_by\":\"2020-02-06\""),
	                  "2020-02-06", w),
	             0);
}

static void test_far_future(void)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	/* 366 days after 2026-12-02 is 2027-12-03: still fine */
	MT_CHECK_INT(warn(GRANT(""), "2019-02-05", w), 0);
	MT_CHECK_INT(warn("{\"type\":\"party\",\"date\":\"2027-12-03\","
	                  "\"party\":\"p\",\"name\":\"P\",\"kind\":\"state\"}",
	                  "2026-12-02", w),
	             0);
	MT_REQUIRE(warn("{\"type\":\"party\",\"date\":\"2027-12-04\","
	                "\"party\":\"p\",\"name\":\"P\",\"kind\":\"state\"}",
	                "2026-12-02", w) == 1);
	MT_CHECK_INT(w[0].field, ML_F_DATE);
	MT_CHECK_STR(ml_warning_name(w[0].code), "far_future");
	MT_REQUIRE(warn("{\"type\":\"party\",\"date\":\"2041-03-01\","
	                "\"party\":\"p\",\"name\":\"P\",\"kind\":\"state\"}",
	                "2026-12-02", w) == 1);
	MT_CHECK_STR(w[0].message, "date 2041-03-01 is more than a year after "
	                           "today (2026-12-02): is the year right?");
	/* the past is never far_future */
	MT_CHECK_INT(warn(GRANT(""), "2199-12-31", w), 0);
}

static void test_deadline_before_date(void)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	MT_REQUIRE(warn(GRANT(",\"use_by\":\"2019-12-31\","
	                      "\"report_by\":\"2021-01-31\","
	                      "\"repay_by\":\"2020-02-05\""),
	                "2026-12-02", w) == 2);
	MT_CHECK_INT(w[0].field, ML_F_USE_BY);
	MT_CHECK_STR(ml_warning_name(w[0].code), "deadline_order");
	MT_CHECK_STR(w[0].message, "use_by 2019-12-31 is before the event's "
	                           "date 2020-02-06: is the year right?");
	MT_CHECK_INT(w[1].field, ML_F_REPAY_BY);
	MT_CHECK_INT(w[1].code, ML_W_DEADLINE_ORDER);
	MT_REQUIRE(warn("{\"type\":\"allocation\",\"date\":\"2020-03-01\","
	                "\"grant\":\"g\",\"from\":\"a\",\"to\":\"b\","
	                "\"amount\":1,\"claim_by\":\"2020-02-29\"}",
	                "2026-12-02", w) == 1);
	MT_CHECK_INT(w[0].field, ML_F_CLAIM_BY);
	MT_CHECK_INT(w[0].code, ML_W_DEADLINE_ORDER);
	MT_REQUIRE(
	    warn(GRANT(",\"report_by\":\"2019-01-31\""), "2026-12-02", w) == 1);
	MT_CHECK_INT(w[0].field, ML_F_REPORT_BY);
	/* a conditional allocation decided before it was made */
	MT_REQUIRE(warn("{\"type\":\"allocation\",\"date\":\"2014-01-15\","
	                "\"grant\":\"g\",\"from\":\"a\",\"to\":\"b\","
	                "\"amount\":1,\"condition\":\"om länet ansöker\","
	                "\"decide_by\":\"2013-02-07\"}",
	                "2026-12-02", w) == 1);
	MT_CHECK_INT(w[0].field, ML_F_DECIDE_BY);
	MT_CHECK_STR(w[0].message,
	             "decide_by 2013-02-07 is before the "
	             "event's date 2014-01-15: is the year right?");
}

static void test_repay_before_use(void)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	MT_REQUIRE(warn(GRANT(",\"use_by\":\"2020-12-31\","
	                      "\"repay_by\":\"2020-06-30\""),
	                "2026-12-02", w) == 1);
	MT_CHECK_INT(w[0].field, ML_F_REPAY_BY);
	MT_CHECK_INT(w[0].code, ML_W_DEADLINE_ORDER);
	MT_CHECK_STR(w[0].message,
	             "repay_by 2020-06-30 is before use_by 2020-12-31: money "
	             "would be due back before the time to use it ends");
	/* before the date too: one warning for the field, not two */
	MT_CHECK_INT(warn(GRANT(",\"use_by\":\"2020-12-31\","
	                        "\"repay_by\":\"2020-01-31\""),
	                  "2026-12-02", w),
	             1);
}

static void test_use_by_before_year(void)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	/* a grant decided in 2019 for 2020 with use_by in 2019 */
	MT_REQUIRE(warn("{\"type\":\"grant\",\"date\":\"2019-11-01\","
	                "\"grant\":\"g\",\"name\":\"G\",\"payer\":\"kk\","
	                "\"total\":1,\"year\":2020,\"use_by\":\"2019-12-31\"}",
	                "2026-12-02", w) == 1);
	MT_CHECK_INT(w[0].field, ML_F_USE_BY);
	MT_CHECK_INT(w[0].code, ML_W_DEADLINE_ORDER);
	MT_CHECK_STR(w[0].message, "use_by 2019-12-31 is before the year 2020 "
	                           "begins: is the year right?");
	MT_CHECK_INT(warn("{\"type\":\"grant\",\"date\":\"2019-11-01\","
	                  "\"grant\":\"g\",\"name\":\"G\",\"payer\":\"kk\","
	                  "\"total\":1,\"year\":2020,"
	                  "\"use_by\":\"2020-01-01\"}",
	                  "2026-12-02", w),
	             0);
}

#define PARTY(org)                                                             \
	"{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"p\","         \
	"\"name\":\"P\",\"kind\":\"state\",\"org_no\":\"" org "\"}"

static void test_org_no(void)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	MT_CHECK_INT(warn(PARTY("232100-0016"), "2026-12-02", w), 0);
	MT_CHECK_INT(warn(PARTY("2321000016"), "2026-12-02", w), 0);
	MT_REQUIRE(warn(PARTY("232100-0017"), "2026-12-02", w) == 1);
	MT_CHECK_INT(w[0].field, ML_F_ORG_NO);
	MT_CHECK_STR(ml_warning_name(w[0].code), "org_no");
	MT_CHECK_STR(w[0].message, "org_no 232100-0017 has a wrong check "
	                           "digit (the last digit would be 6): is a "
	                           "digit mistyped?");
	MT_REQUIRE(warn(PARTY("SE232100001601"), "2026-12-02", w) == 1);
	MT_CHECK_STR(w[0].message, "org_no \"SE232100001601\" is not a Swedish "
	                           "organisation number (ten digits, "
	                           "NNNNNN-NNNN)");
}

static void test_all_at_once(void)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	/* every deadline before the date, the date far ahead */
	MT_CHECK_INT(warn("{\"type\":\"grant\",\"date\":\"2040-06-01\","
	                  "\"grant\":\"g\",\"name\":\"G\",\"payer\":\"kk\","
	                  "\"total\":1,\"year\":2040,"
	                  "\"use_by\":\"2039-12-31\","
	                  "\"report_by\":\"2039-12-31\","
	                  "\"repay_by\":\"2039-12-31\"}",
	                  "2026-12-02", w),
	             4);
	MT_CHECK_INT(w[0].code, ML_W_FAR_FUTURE);
	MT_CHECK_INT(w[1].field, ML_F_USE_BY);
	MT_CHECK_INT(w[2].field, ML_F_REPORT_BY);
	MT_CHECK_INT(w[3].field, ML_F_REPAY_BY);
}

int main(void)
{
	MT_RUN(test_none);
	MT_RUN(test_far_future);
	MT_RUN(test_deadline_before_date);
	MT_RUN(test_repay_before_use);
	MT_RUN(test_use_by_before_year);
	MT_RUN(test_org_no);
	MT_RUN(test_all_at_once);
	return MT_EXIT();
}

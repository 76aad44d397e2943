/*
 * test_answers.c — the answers (ml_answer.h) on small ledgers built by
 * hand, checked against exact JSON worked out on paper from docs/rules.md,
 * not against the code's own output.
 *
 * Ledger "malmo" (35 events): Kammarkollegiet → SKR → Malmö (→ its
 * committees ASN and FSN, with expenses per activity and unit, and an
 * internal repayment FSN → Malmö) and SKR → Lund (partly claimed, spent,
 * repaid to Kammarkollegiet), two reports (Lund's corrected), and an
 * expense entered twice and corrected. It checks balances (dates before
 * and after events, party filter, rollup, known_at around a correction),
 * trace, repayments (open / ok / due / overdue, internal transfers
 * cancelled), deadlines (claim / report / repay, the 30-day window) and
 * the events listing (filters, corrections, paging).
 *
 * Ledger "sthlm" (23 events): a 2019 grant carried over into 2020, a post
 * under the 2020 grant, a redefinition of the 2020 grant that moves its
 * deadlines, and a unit whose parent is redefined twice, once back-dated.
 * It checks posts=1, year=, known_at views of grant and party
 * definitions, and /v1/parties and /v1/grants as of dates.
 *
 * JSON is written with single quotes here for readability; sq() turns
 * them into double quotes.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_json.h"
#include "mt.h"
#include "tl.h"

typedef int (*answer_fn)(struct ml_ledger *, struct ml_read *,
                         const struct ml_query *, cJSON **,
                         struct ml_errinfo *);

static char *sq(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static void add(struct ml_ledger *lg, const char *json)
{
	struct ml_errinfo err;
	char *d = sq(json);
	if (tl_append(lg, d, &err, NULL) != 0)
		MT_FAIL_AT("append %s: %s", d, err.message);
	free(d);
}

static struct ml_query qy(const char *as_of)
{
	struct ml_query q;
	ml_query_init(&q);
	q.as_of = tl_day(as_of);
	return q;
}

static int64_t recorded_at(struct ml_ledger *lg, uint64_t seq)
{
	MDB_txn *txn;
	struct ml_event ev;
	int64_t t = 0;
	if (ml_ledger_read_begin_txn(lg, &txn) != 0)
		return 0;
	if (ml_ledger_event(lg, ml_read_of(txn), seq, &ev) == 0)
		t = ev.recorded_at_us;
	ml_ledger_read_end(lg, ml_read_of(txn));
	return t;
}

/* Every answer that lists amounts gives their totals (DOMAIN.md): each
 * member of "totals" must be the sum of that column over the rows, and
 * every numeric column of the rows must have its total. The check is
 * made here, for every answer the tests ask for; then "totals" is taken
 * out, so that the expected documents below list the rows only. */
static void check_totals(cJSON *doc)
{
	cJSON *raw = cJSON_DetachItemFromObject(doc, "totals");
	/* balances writes rows and totals as raw text: read them back */
	char *ttext = raw ? cJSON_PrintUnformatted(raw) : NULL;
	cJSON *totals = ttext ? cJSON_Parse(ttext) : NULL;
	free(ttext);
	cJSON_Delete(raw);
	const cJSON *rows = cJSON_GetObjectItem(doc, "rows");
	if (totals == NULL || rows == NULL) {
		if (totals != NULL ||
		    (rows != NULL && cJSON_GetObjectItem(doc, "head_seq")))
			MT_FAIL_AT("an answer with rows lacks totals");
		cJSON_Delete(totals);
		return;
	}
	char *text = cJSON_PrintUnformatted(rows);
	cJSON *parsed = text ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *row, *col;
	cJSON_ArrayForEach(col, totals)
	{
		long long sum = 0;
		cJSON_ArrayForEach(row, parsed)
		{
			const cJSON *v = cJSON_GetObjectItem(row, col->string);
			sum += v ? (long long)v->valuedouble : 0;
		}
		MT_CHECK_INT((long long)col->valuedouble, sum);
	}
	cJSON_ArrayForEach(row, parsed)
	{
		cJSON_ArrayForEach(col, row)
		{
			if (cJSON_IsNumber(col) &&
			    !cJSON_GetObjectItem(totals, col->string))
				MT_FAIL_AT("totals lacks %s", col->string);
		}
	}
	cJSON_Delete(parsed);
	cJSON_Delete(totals);
}

/* Runs fn and returns its document printed (malloc'ed), or NULL with
 * *rc and err set. */
static char *run(struct ml_ledger *lg, answer_fn fn, const struct ml_query *q,
                 int *rc_out, struct ml_errinfo *err)
{
	MDB_txn *txn;
	cJSON *doc = NULL;
	char *text = NULL;
	int rc = ml_ledger_read_begin_txn(lg, &txn);
	if (rc == 0) {
		rc = fn(lg, ml_read_of(txn), q, &doc, err);
		if (rc == 0)
			check_totals(doc);
		if (rc == 0) {
			struct ml_buf b;
			ml_buf_init(&b, 1u << 24);
			rc = ml_json_print(doc, &b);
			text = rc == 0 ? strdup(b.data) : NULL;
			ml_buf_free(&b);
		}
		cJSON_Delete(doc);
		ml_ledger_read_end(lg, ml_read_of(txn));
	}
	*rc_out = rc;
	return text;
}

#define CHECK_ANSWER(lg, fn, q, want_sq)                                       \
	do {                                                                   \
		int rc_ = 0;                                                   \
		struct ml_errinfo err_;                                        \
		char *got_ = run((lg), (fn), (q), &rc_, &err_);                \
		char *want_ = sq(want_sq);                                     \
		if (rc_ != 0)                                                  \
			MT_FAIL_AT("answer failed (%d): %s", rc_,              \
			           err_.message);                              \
		else                                                           \
			MT_CHECK_STR(got_, want_);                             \
		free(got_);                                                    \
		free(want_);                                                   \
	} while (0)

/* The answer must contain every one of the single-quoted fragments. */
#define CHECK_CONTAINS(lg, fn, q, ...)                                         \
	do {                                                                   \
		int rc_ = 0;                                                   \
		struct ml_errinfo err_;                                        \
		char *got_ = run((lg), (fn), (q), &rc_, &err_);                \
		const char *parts_[] = {__VA_ARGS__};                          \
		if (rc_ != 0)                                                  \
			MT_FAIL_AT("answer failed (%d): %s", rc_,              \
			           err_.message);                              \
		for (size_t i_ = 0;                                            \
		     got_ && i_ < sizeof parts_ / sizeof parts_[0]; i_++) {    \
			char *want_ = sq(parts_[i_]);                          \
			if (strstr(got_, want_) == NULL)                       \
				MT_FAIL_AT("%s\n  lacks %s", got_, want_);     \
			free(want_);                                           \
		}                                                              \
		free(got_);                                                    \
	} while (0)

#define CHECK_ERROR(lg, fn, q, code_, field_, message_)                        \
	do {                                                                   \
		int rc_ = 0;                                                   \
		struct ml_errinfo err_;                                        \
		char *got_ = run((lg), (fn), (q), &rc_, &err_);                \
		MT_CHECK(got_ == NULL);                                        \
		MT_CHECK_INT(rc_, code_);                                      \
		MT_CHECK_INT(err_.code, code_);                                \
		MT_CHECK_STR(err_.field, field_);                              \
		if (message_ != NULL)                                          \
			MT_CHECK_STR(err_.message, message_);                  \
		free(got_);                                                    \
	} while (0)

/* ------------------------------------------------------------ ledger 1 */

static const char *const malmo_events[] = {
    /* 1–8 */
    "{'type':'party','date':'2020-01-01','party':'kammarkollegiet',"
    "'name':'Kammarkollegiet','kind':'state'}",
    "{'type':'party','date':'2020-01-01','party':'skr','name':'SKR',"
    "'kind':'association'}",
    "{'type':'party','date':'2020-01-01','party':'malmo',"
    "'name':'Malmö stad','kind':'municipality'}",
    "{'type':'party','date':'2020-01-01','party':'malmo-asn',"
    "'name':'Arbetsmarknads- och socialnämnden','kind':'committee',"
    "'parent':'malmo'}",
    "{'type':'party','date':'2020-01-01','party':'malmo-fsn',"
    "'name':'Funktionsstödsnämnden','kind':'committee','parent':'malmo'}",
    "{'type':'party','date':'2020-01-01','party':'lund',"
    "'name':'Lunds kommun','kind':'municipality'}",
    "{'type':'party','date':'2020-01-01','party':'storsthlm',"
    "'name':'Storsthlm','kind':'county_association'}",
    "{'type':'party','date':'2020-01-01','party':'solna',"
    "'name':'Solna stad','kind':'municipality'}",
    /* 9 */
    "{'type':'grant','date':'2020-02-06','grant':'ph-2020',"
    "'name':'Psykisk hälsa 2020','payer':'kammarkollegiet',"
    "'total':10000000,'year':2020,'use_by':'2020-12-31',"
    "'report_by':'2021-01-31','repay_by':'2021-03-31'}",
    /* 10–11 */
    "{'type':'allocation','date':'2020-02-10','grant':'ph-2020',"
    "'from':'kammarkollegiet','to':'skr','amount':6000000}",
    "{'type':'payout','date':'2020-02-15','grant':'ph-2020',"
    "'from':'kammarkollegiet','to':'skr','amount':6000000}",
    /* 12–14 */
    "{'type':'allocation','date':'2020-03-01','grant':'ph-2020',"
    "'from':'skr','to':'malmo','amount':3000000,'claim_by':'2020-04-30'}",
    "{'type':'requisition','date':'2020-03-05','grant':'ph-2020',"
    "'from':'skr','to':'malmo','amount':3000000}",
    "{'type':'payout','date':'2020-03-20','grant':'ph-2020',"
    "'from':'skr','to':'malmo','amount':3000000}",
    /* 15–17 */
    "{'type':'allocation','date':'2020-03-01','grant':'ph-2020',"
    "'from':'skr','to':'lund','amount':2000000,'claim_by':'2020-05-31'}",
    "{'type':'requisition','date':'2020-05-10','grant':'ph-2020',"
    "'from':'skr','to':'lund','amount':500000}",
    "{'type':'payout','date':'2020-05-12','grant':'ph-2020',"
    "'from':'skr','to':'lund','amount':500000}",
    /* 18–21 */
    "{'type':'allocation','date':'2020-04-01','grant':'ph-2020',"
    "'from':'malmo','to':'malmo-asn','amount':1500000}",
    "{'type':'allocation','date':'2020-04-01','grant':'ph-2020',"
    "'from':'malmo','to':'malmo-fsn','amount':1000000}",
    "{'type':'payout','date':'2020-04-02','grant':'ph-2020',"
    "'from':'malmo','to':'malmo-asn','amount':1500000}",
    "{'type':'payout','date':'2020-04-02','grant':'ph-2020',"
    "'from':'malmo','to':'malmo-fsn','amount':1000000}",
    /* 22–26 */
    "{'type':'expense','date':'2020-06-30','grant':'ph-2020',"
    "'party':'malmo-asn','activity':'Socialpsykiatriskt team',"
    "'unit':'Norr','amount':650000}",
    "{'type':'expense','date':'2020-06-30','grant':'ph-2020',"
    "'party':'malmo-asn','activity':'Socialpsykiatriskt team',"
    "'unit':'Öster','amount':650000}",
    "{'type':'expense','date':'2020-09-30','grant':'ph-2020',"
    "'party':'malmo-asn','activity':'Socialpsykiatriskt team',"
    "'unit':'Norr','amount':100000}",
    "{'type':'expense','date':'2020-10-15','grant':'ph-2020',"
    "'party':'malmo-asn','activity':'Mental Health First Aid',"
    "'amount':80000}",
    "{'type':'expense','date':'2020-11-01','grant':'ph-2020',"
    "'party':'malmo-fsn','activity':'Särskilt stöd','amount':900000}",
    /* 27–30 */
    "{'type':'repayment','date':'2020-12-15','grant':'ph-2020',"
    "'from':'malmo-fsn','to':'malmo','amount':100000}",
    "{'type':'expense','date':'2020-12-01','grant':'ph-2020',"
    "'party':'malmo','activity':'Gemensamma insatser','amount':400000}",
    "{'type':'expense','date':'2020-06-01','grant':'ph-2020',"
    "'party':'lund','activity':'Utbildning','amount':300000}",
    "{'type':'repayment','date':'2020-12-20','grant':'ph-2020',"
    "'from':'lund','to':'kammarkollegiet','amount':200000}",
    /* 31–33 */
    "{'type':'report','date':'2021-01-10','grant':'ph-2020',"
    "'party':'malmo-asn'}",
    "{'type':'report','date':'2021-01-12','grant':'ph-2020',"
    "'party':'lund'}",
    "{'type':'correction','date':'2021-01-20','corrects':32,"
    "'note':'Fel part'}",
    /* 34–35 */
    "{'type':'expense','date':'2020-07-01','grant':'ph-2020',"
    "'party':'malmo-asn','activity':'Felbokning','amount':10000}",
    "{'type':'correction','date':'2020-08-01','corrects':34,"
    "'note':'Dubbelbokad'}",
};

static struct ml_ledger *malmo_open(char *dir)
{
	struct ml_ledger *lg = tl_open(dir, "answers-malmo");
	for (size_t i = 0; i < sizeof malmo_events / sizeof *malmo_events; i++)
		add(lg, malmo_events[i]);
	return lg;
}

static void malmo_close(struct ml_ledger *lg, const char *dir)
{
	tl_close(lg, dir);
}

#define ROW_KK                                                                                   \
	"{'grant':'ph-2020','party':'kammarkollegiet','allocated':10000000,"                     \
	"'allocated_out':6000000,'pending':0,'pending_out':0,'unallocated':4000000,'claimed':0," \
	"'received':10000000,'paid_out':6000000,'spent':0,'repaid':0,"                           \
	"'returned':200000,'carried_in':0,'carried_out':0,'held':4200000}"
#define ROW_LUND                                                                                \
	"{'grant':'ph-2020','party':'lund','allocated':2000000,"                                \
	"'allocated_out':0,'pending':0,'pending_out':0,'unallocated':2000000,'claimed':500000," \
	"'received':500000,'paid_out':0,'spent':300000,'repaid':200000,"                        \
	"'returned':0,'carried_in':0,'carried_out':0,'held':0}"
#define ROW_MALMO                                                                                     \
	"{'grant':'ph-2020','party':'malmo','allocated':3000000,"                                     \
	"'allocated_out':2500000,'pending':0,'pending_out':0,'unallocated':500000,'claimed':3000000," \
	"'received':3000000,'paid_out':2500000,'spent':400000,'repaid':0,"                            \
	"'returned':100000,'carried_in':0,'carried_out':0,'held':200000}"
#define ROW_ASN                                                                            \
	"{'grant':'ph-2020','party':'malmo-asn','allocated':1500000,"                      \
	"'allocated_out':0,'pending':0,'pending_out':0,'unallocated':1500000,'claimed':0," \
	"'received':1500000,'paid_out':0,'spent':1480000,'repaid':0,"                      \
	"'returned':0,'carried_in':0,'carried_out':0,'held':20000}"
#define ROW_FSN                                                                            \
	"{'grant':'ph-2020','party':'malmo-fsn','allocated':1000000,"                      \
	"'allocated_out':0,'pending':0,'pending_out':0,'unallocated':1000000,'claimed':0," \
	"'received':1000000,'paid_out':0,'spent':900000,'repaid':100000,"                  \
	"'returned':0,'carried_in':0,'carried_out':0,'held':0}"
#define ROW_SKR                                                                                  \
	"{'grant':'ph-2020','party':'skr','allocated':6000000,"                                  \
	"'allocated_out':5000000,'pending':0,'pending_out':0,'unallocated':1000000,'claimed':0," \
	"'received':6000000,'paid_out':3500000,'spent':0,'repaid':0,"                            \
	"'returned':0,'carried_in':0,'carried_out':0,'held':2500000}"

static void test_balances(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_query q = qy("2021-01-15");
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2021-01-15','known_at':null,'head_seq':35,"
	             "'rows':[" ROW_KK "," ROW_LUND "," ROW_MALMO "," ROW_ASN
	             "," ROW_FSN "," ROW_SKR "]}");
	q.party = "lund";
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2021-01-15','known_at':null,'head_seq':35,"
	             "'rows':[" ROW_LUND "]}");
	q.grant = "ph-2020";
	q.party = "malmo-asn";
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2021-01-15','known_at':null,'head_seq':35,"
	             "'rows':[" ROW_ASN "]}");

	/* Before the grant's date nothing exists; between events the
	 * totals are those at the end of that day. */
	q = qy("2020-02-05");
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2020-02-05','known_at':null,'head_seq':35,"
	             "'rows':[]}");
	q = qy("2020-03-10");
	q.party = "malmo";
	CHECK_ANSWER(
	    lg, ml_answer_balances, &q,
	    "{'as_of':'2020-03-10','known_at':null,'head_seq':35,"
	    "'rows':[{'grant':'ph-2020','party':'malmo',"
	    "'allocated':3000000,'allocated_out':0,"
	    "'pending':0,'pending_out':0,'unallocated':3000000,'claimed':3000000,'received':0,"
	    "'paid_out':0,'spent':0,'repaid':0,'returned':0,"
	    "'carried_in':0,'carried_out':0,'held':0}]}");
	q.party = "malmo-asn"; /* allocated on 2020-04-01: no account yet */
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2020-03-10','known_at':null,'head_seq':35,"
	             "'rows':[]}");
	q = qy("2020-03-10");
	CHECK_CONTAINS(
	    lg, ml_answer_balances, &q,
	    "'party':'kammarkollegiet','allocated':10000000,"
	    "'allocated_out':6000000",
	    "'party':'lund','allocated':2000000,",
	    "'party':'skr','allocated':6000000,'allocated_out':"
	    "5000000,'pending':0,'pending_out':0,'unallocated':1000000,'claimed':0,"
	    "'received':6000000,'paid_out':0,");
	malmo_close(lg, dir);
}

static void test_balances_rollup(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_query q = qy("2021-01-15");
	q.party = "malmo";
	q.rollup = true;
	/* malmo + malmo-asn + malmo-fsn consolidated: the 1 500 000 and
	 * 1 000 000 Malmö allocated and paid to its committees, and FSN's
	 * 100 000 repaid to Malmö, moved inside the subtree and add
	 * nothing: allocated and received are the 3 000 000 from SKR. */
	CHECK_ANSWER(
	    lg, ml_answer_balances, &q,
	    "{'as_of':'2021-01-15','known_at':null,'head_seq':35,"
	    "'rows':[{'grant':'ph-2020','party':'malmo',"
	    "'allocated':3000000,'allocated_out':0,'pending':0,'pending_out':0,"
	    "'unallocated':3000000,'claimed':3000000,"
	    "'received':3000000,'paid_out':0,'spent':2780000,"
	    "'repaid':0,'returned':0,'carried_in':0,"
	    "'carried_out':0,'held':220000}]}");
	q.party = "malmo-fsn"; /* a leaf: its own row */
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2021-01-15','known_at':null,'head_seq':35,"
	             "'rows':[" ROW_FSN "]}");
	q.party = "solna"; /* no account anywhere in its subtree */
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2021-01-15','known_at':null,'head_seq':35,"
	             "'rows':[]}");
	/* As of 2020-03-31 the committees have no accounts yet: the row
	 * is malmo's own. */
	q = qy("2020-03-31");
	q.party = "malmo";
	q.rollup = true;
	CHECK_CONTAINS(lg, ml_answer_balances, &q,
	               "'rows':[{'grant':'ph-2020','party':'malmo',"
	               "'allocated':3000000,'allocated_out':0,");
	malmo_close(lg, dir);
}

static void test_balances_known_at(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_query q = qy("2021-01-15");
	char t[ML_TIME_TEXT_MAX], frag[128];
	q.party = "malmo-asn";
	/* Recorded the double expense (34), correction (35) not yet. */
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 34);
	ml_time_format(q.known_at_us, t, sizeof t);
	snprintf(frag, sizeof frag, "'known_at':'%s','head_seq':35", t);
	CHECK_CONTAINS(lg, ml_answer_balances, &q, frag, "'spent':1490000,",
	               "'held':10000}");
	/* One microsecond before it: not yet recorded. */
	q.known_at_us = recorded_at(lg, 34) - 1;
	CHECK_CONTAINS(lg, ml_answer_balances, &q, "'spent':1480000,",
	               "'held':20000}");
	/* Once the correction is recorded it no longer counts. */
	q.known_at_us = recorded_at(lg, 35);
	CHECK_CONTAINS(lg, ml_answer_balances, &q, "'spent':1480000,",
	               "'held':20000}");
	/* As of a date before the expense's own date, it never shows. */
	q = qy("2020-06-30");
	q.party = "malmo-asn";
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 34);
	CHECK_CONTAINS(lg, ml_answer_balances, &q, "'spent':1300000,",
	               "'held':200000}");
	/* Before anything was recorded: no rows, same head. */
	q = qy("2021-01-15");
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 1) - 1;
	ml_time_format(q.known_at_us, t, sizeof t);
	snprintf(frag, sizeof frag,
	         "{'as_of':'2021-01-15','known_at':'%s','head_seq':35,"
	         "'rows':[]}",
	         t);
	CHECK_ANSWER(lg, ml_answer_balances, &q, frag);
	/* Known at the grant's payout (11): the rest is not yet there. */
	q.known_at_us = recorded_at(lg, 11);
	q.party = "skr";
	CHECK_CONTAINS(
	    lg, ml_answer_balances, &q,
	    "'party':'skr','allocated':6000000,'allocated_out':0,"
	    "'pending':0,'pending_out':0,'unallocated':6000000,'claimed':0,'received':6000000,"
	    "'paid_out':0,");
	malmo_close(lg, dir);
}

static void test_errors(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_query q = qy("2021-01-15");
	q.grant = "nope";
	CHECK_ERROR(lg, ml_answer_balances, &q, ML_E_NOT_FOUND, "grant",
	            "grant: no grant 'nope'");
	CHECK_ERROR(lg, ml_answer_trace, &q, ML_E_NOT_FOUND, "grant",
	            "grant: no grant 'nope'");
	CHECK_ERROR(lg, ml_answer_repayments, &q, ML_E_NOT_FOUND, "grant",
	            "grant: no grant 'nope'");
	q = qy("2021-01-15");
	q.party = "ghost";
	CHECK_ERROR(lg, ml_answer_balances, &q, ML_E_NOT_FOUND, "party",
	            "party: no party 'ghost'");
	q.party = "malmo"; /* a grant id is not a party id */
	q.grant = "malmo";
	CHECK_ERROR(lg, ml_answer_balances, &q, ML_E_NOT_FOUND, "grant", NULL);
	q = qy("2021-01-15");
	CHECK_ERROR(lg, ml_answer_trace, &q, ML_E_BAD_QUERY, "grant", NULL);
	CHECK_ERROR(lg, ml_answer_repayments, &q, ML_E_BAD_QUERY, "grant",
	            NULL);
	q.grant = "ph-2020";
	q.year = 2020;
	CHECK_ERROR(lg, ml_answer_repayments, &q, ML_E_BAD_QUERY, "year", NULL);
	q = qy("2021-01-15");
	q.rollup = true;
	CHECK_ERROR(lg, ml_answer_balances, &q, ML_E_BAD_QUERY, "rollup", NULL);
	q = qy("2021-01-15");
	q.posts = true;
	CHECK_ERROR(lg, ml_answer_balances, &q, ML_E_BAD_QUERY, "posts", NULL);
	malmo_close(lg, dir);
}

#define NODE_KK                                                                \
	"{'party':'kammarkollegiet','received':10000000,'returned':200000,"    \
	"'carried_in':0,'paid_out':6000000,'spent':0,'repaid':0,"              \
	"'carried_out':0,'held':4200000,'activities':[]}"
#define NODE_LUND                                                              \
	"{'party':'lund','received':500000,'returned':0,'carried_in':0,"       \
	"'paid_out':0,'spent':300000,'repaid':200000,'carried_out':0,"         \
	"'held':0,'activities':[{'activity':'Utbildning','amount':300000}]}"
#define NODE_MALMO                                                             \
	"{'party':'malmo','received':3000000,'returned':100000,"               \
	"'carried_in':0,'paid_out':2500000,'spent':400000,'repaid':0,"         \
	"'carried_out':0,'held':200000,'activities':[{'activity':"             \
	"'Gemensamma insatser','amount':400000}]}"
#define ACT_ASN                                                                \
	"{'activity':'Mental Health First Aid','amount':80000},"               \
	"{'activity':'Socialpsykiatriskt team','unit':'Norr',"                 \
	"'amount':750000},{'activity':'Socialpsykiatriskt team',"              \
	"'unit':'Öster','amount':650000}]}"
#define NODE_FSN                                                               \
	"{'party':'malmo-fsn','received':1000000,'returned':0,"                \
	"'carried_in':0,'paid_out':0,'spent':900000,'repaid':100000,"          \
	"'carried_out':0,'held':0,'activities':[{'activity':"                  \
	"'Särskilt stöd','amount':900000}]}"
#define NODE_SKR                                                               \
	"{'party':'skr','received':6000000,'returned':0,'carried_in':0,"       \
	"'paid_out':3500000,'spent':0,'repaid':0,'carried_out':0,"             \
	"'held':2500000,'activities':[]}"
#define EDGES_MALMO                                                            \
	"'edges':[{'from':'kammarkollegiet','to':'skr','kind':'payout',"       \
	"'amount':6000000},{'from':'lund','to':'kammarkollegiet',"             \
	"'kind':'repayment','amount':200000},{'from':'malmo','to':"            \
	"'malmo-asn','kind':'payout','amount':1500000},{'from':'malmo',"       \
	"'to':'malmo-fsn','kind':'payout','amount':1000000},{'from':"          \
	"'malmo-fsn','to':'malmo','kind':'repayment','amount':100000},"        \
	"{'from':'skr','to':'lund','kind':'payout','amount':500000},"          \
	"{'from':'skr','to':'malmo','kind':'payout','amount':3000000}]"

static void test_trace(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_query q = qy("2021-01-15");
	q.grant = "ph-2020";
	CHECK_ANSWER(lg, ml_answer_trace, &q,
	             "{'grant':'ph-2020','as_of':'2021-01-15','nodes':[" NODE_KK
	             "," NODE_LUND "," NODE_MALMO
	             ",{'party':'malmo-asn','received':1500000,'returned':0,"
	             "'carried_in':0,'paid_out':0,'spent':1480000,'repaid':0,"
	             "'carried_out':0,'held':20000,'activities':[" ACT_ASN
	             "," NODE_FSN "," NODE_SKR "]," EDGES_MALMO "}");
	/* Before the first event of the grant. */
	q.as_of = tl_day("2020-01-31");
	CHECK_ANSWER(lg, ml_answer_trace, &q,
	             "{'grant':'ph-2020','as_of':'2020-01-31','nodes':[],"
	             "'edges':[]}");
	/* Mid-year: two expenses, no later ones; only the payouts so far. */
	q.as_of = tl_day("2020-06-30");
	CHECK_CONTAINS(lg, ml_answer_trace, &q,
	               "{'party':'malmo-asn','received':1500000,'returned':0,"
	               "'carried_in':0,'paid_out':0,'spent':1300000,"
	               "'repaid':0,'carried_out':0,'held':200000,"
	               "'activities':[{'activity':'Socialpsykiatriskt team',"
	               "'unit':'Norr','amount':650000},{'activity':"
	               "'Socialpsykiatriskt team','unit':'Öster','amount':"
	               "650000}]}",
	               "'edges':[{'from':'kammarkollegiet','to':'skr',"
	               "'kind':'payout','amount':6000000},{'from':'malmo',"
	               "'to':'malmo-asn','kind':'payout','amount':1500000},"
	               "{'from':'malmo','to':'malmo-fsn','kind':'payout',"
	               "'amount':1000000},{'from':'skr','to':'lund','kind':"
	               "'payout','amount':500000},{'from':'skr','to':'malmo',"
	               "'kind':'payout','amount':3000000}]}");
	/* Known before the double expense's correction: it counts, as
	 * an activity of its own. */
	q.as_of = tl_day("2021-01-15");
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 34);
	CHECK_CONTAINS(lg, ml_answer_trace, &q,
	               "{'party':'malmo-asn','received':1500000,'returned':0,"
	               "'carried_in':0,'paid_out':0,'spent':1490000,"
	               "'repaid':0,'carried_out':0,'held':10000,"
	               "'activities':[{'activity':'Felbokning','amount':"
	               "10000}," ACT_ASN,
	               EDGES_MALMO ",'known_at':'");
	q.known_at_us = recorded_at(lg, 35);
	CHECK_CONTAINS(lg, ml_answer_trace, &q,
	               "'spent':1480000,'repaid':0,'carried_out':0,"
	               "'held':20000,'activities':[" ACT_ASN);
	malmo_close(lg, dir);
}

/* Per legal entity, consolidated: Malmö's row nets its payouts to ASN
 * and FSN and FSN's repayment to it; nothing was returned to or carried
 * by these three. */
#define REPAY_ROWS(lund, malmo, skr)                                           \
	"'rows':[{'grant':'ph-2020','party':'lund','received':500000,"         \
	"'returned':0,'carried_in':0,'spent':300000,'paid_out':0,"             \
	"'repaid':200000,'carried_out':0,'outstanding':0,"                     \
	"'status':'" lund "'},{'grant':'ph-2020','party':'malmo',"             \
	"'received':3000000,'returned':0,'carried_in':0,'spent':2780000,"      \
	"'paid_out':0,'repaid':0,'carried_out':0,"                             \
	"'outstanding':220000,'status':'" malmo "'},{'grant':'ph-2020',"       \
	"'party':'skr','received':6000000,'returned':0,'carried_in':0,"        \
	"'spent':0,'paid_out':3500000,'repaid':0,'carried_out':0,"             \
	"'outstanding':2500000,'status':'" skr "'}],"                          \
	"'total_outstanding':2720000"
#define REPAY_GRANTS                                                           \
	"'grants':[{'grant':'ph-2020','use_by':'2020-12-31',"                  \
	"'repay_by':'2021-03-31'}],"

static void test_repayments(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_query q = qy("2021-01-15");
	q.grant = "ph-2020";
	/* Malmö's subtree: the payouts to its committees and FSN's
	 * repayment to Malmö cancel; Kammarkollegiet (the payer) has no
	 * row; Lund spent and repaid everything: ok. */
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2021-01-15'," REPAY_GRANTS REPAY_ROWS(
	                 "ok", "due", "due") "}");
	q.as_of = tl_day("2020-12-31"); /* use_by not passed: open */
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2020-12-31'," REPAY_GRANTS REPAY_ROWS(
	                 "open", "open", "open") "}");
	q.as_of = tl_day("2021-03-31"); /* the repay_by day itself: due */
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2021-03-31'," REPAY_GRANTS REPAY_ROWS(
	                 "ok", "due", "due") "}");
	q.as_of = tl_day("2021-04-01");
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2021-04-01'," REPAY_GRANTS REPAY_ROWS(
	                 "ok", "overdue", "overdue") "}");
	/* By year of use_by. */
	q = qy("2021-01-15");
	q.year = 2020;
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2021-01-15'," REPAY_GRANTS REPAY_ROWS(
	                 "ok", "due", "due") "}");
	q.year = 2021;
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2021-01-15','grants':[],'rows':[],"
	             "'total_outstanding':0}");
	/* Mid-year: Lund has not repaid yet, Malmö's committees hold
	 * more. Known before the double expense was corrected, ASN held
	 * 10 000 less. */
	q = qy("2020-10-31");
	q.grant = "ph-2020";
	CHECK_CONTAINS(
	    lg, ml_answer_repayments, &q,
	    "{'grant':'ph-2020','party':'lund','received':500000,"
	    "'returned':0,'carried_in':0,'spent':300000,'paid_out':0,'repaid':0,"
	    "'carried_out':0,'outstanding':200000,'status':'open'}",
	    "{'grant':'ph-2020','party':'malmo','received':3000000,"
	    "'returned':0,'carried_in':0,'spent':1480000,'paid_out':0,'repaid':0,"
	    "'carried_out':0,'outstanding':1520000,'status':'open'}");
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 34);
	CHECK_CONTAINS(
	    lg, ml_answer_repayments, &q,
	    "'party':'malmo','received':3000000,'returned':0,'carried_in':0,'spent':1490000,"
	    "'paid_out':0,'repaid':0,'carried_out':0,'outstanding':1510000,",
	    "'total_outstanding':4210000,'known_at':'");
	malmo_close(lg, dir);
}

#define ITEM(kind, party, due, amount, status, days)                           \
	"{'kind':'" kind "','grant':'ph-2020','party':'" party "','due':'" due \
	"','amount':" amount ",'status':'" status "','days':" days "}"

static void test_deadlines(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_query q = qy("2021-01-15");
	/* Lund's claim is overdue; reports are due in 16 days from SKR
	 * and Lund (its report was corrected); Malmö's subtree reported
	 * through ASN. The repay_by is 75 days away: not listed. */
	CHECK_ANSWER(
	    lg, ml_answer_deadlines, &q,
	    "{'as_of':'2021-01-15','items':[" ITEM(
	        "claim", "lund", "2020-05-31", "1500000", "overdue",
	        "229") "," ITEM("report", "lund", "2021-01-31", "0", "due",
	                        "16") "," ITEM("report", "skr", "2021-01-31",
	                                       "0", "due", "16") "]}");
	/* Known before the correction of Lund's report: it counts. */
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 32);
	CHECK_CONTAINS(lg, ml_answer_deadlines, &q,
	               "'items':[" ITEM(
	                   "claim", "lund", "2020-05-31", "1500000", "overdue",
	                   "229") "," ITEM("report", "skr", "2021-01-31", "0",
	                                   "due", "16") "],'known_at':'");
	/* Before ASN's report date Malmö must report too. */
	q = qy("2021-01-05");
	CHECK_ANSWER(
	    lg, ml_answer_deadlines, &q,
	    "{'as_of':'2021-01-05','items':[" ITEM(
	        "claim", "lund", "2020-05-31", "1500000", "overdue",
	        "219") "," ITEM("report", "lund", "2021-01-31", "0", "due",
	                        "26") "," ITEM("report", "malmo", "2021-01-31",
	                                       "0", "due",
	                                       "26") "," ITEM("report", "skr",
	                                                      "2021-01-31", "0",
	                                                      "due",
	                                                      "26") "]}");
	/* After use_by, within 30 days of repay_by. */
	q = qy("2021-03-10");
	CHECK_ANSWER(
	    lg, ml_answer_deadlines, &q,
	    "{'as_of':'2021-03-10','items':[" ITEM(
	        "claim", "lund", "2020-05-31", "1500000", "overdue",
	        "283") "," ITEM("report", "lund", "2021-01-31", "0", "overdue",
	                        "38") "," ITEM("report", "skr", "2021-01-31",
	                                       "0", "overdue",
	                                       "38") "," ITEM("repay", "malmo",
	                                                      "2021-03-31",
	                                                      "220000", "due",
	                                                      "21") "," ITEM("repay",
	                                                                     "skr",
	                                                                     "2021-03-31",
	                                                                     "2500000",
	                                                                     "due",
	                                                                     "21") "]}");
	q = qy("2021-04-02");
	CHECK_CONTAINS(lg, ml_answer_deadlines, &q,
	               ITEM("repay", "malmo", "2021-03-31", "220000", "overdue",
	                    "2") "," ITEM("repay", "skr", "2021-03-31",
	                                  "2500000", "overdue", "2") "]}");
	/* The 30-day window, on Lund's claim_by (2020-05-31). */
	q = qy("2020-04-30");
	CHECK_ANSWER(lg, ml_answer_deadlines, &q,
	             "{'as_of':'2020-04-30','items':[]}");
	q = qy("2020-05-01");
	CHECK_ANSWER(
	    lg, ml_answer_deadlines, &q,
	    "{'as_of':'2020-05-01','items':[" ITEM(
	        "claim", "lund", "2020-05-31", "2000000", "due", "30") "]}");
	q = qy("2020-05-31");
	CHECK_ANSWER(
	    lg, ml_answer_deadlines, &q,
	    "{'as_of':'2020-05-31','items':[" ITEM(
	        "claim", "lund", "2020-05-31", "1500000", "due", "0") "]}");
	/* Malmö's claim_by 2020-04-30 passed unclaimed? It was claimed in
	 * full on 2020-03-05: never an item. Before that, 2020-03-01 is
	 * 60 days ahead of it: outside the window. */
	q = qy("2020-03-01");
	CHECK_ANSWER(lg, ml_answer_deadlines, &q,
	             "{'as_of':'2020-03-01','items':[]}");
	malmo_close(lg, dir);
}

/* Conditional allocations still pending, against their decide_by: one
 * item each; a confirmed one is gone from its confirm's date (and is
 * back as known before the confirm); one without decide_by never shows. */
static void test_deadlines_condition(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	uint64_t head = tl_head(lg);
	add(lg, "{'type':'allocation','date':'2020-06-01','grant':'ph-2020',"
	        "'from':'kammarkollegiet','to':'malmo','amount':100000,"
	        "'condition':'om Malmö ansöker','decide_by':'2020-06-20',"
	        "'id':'c-1'}");
	add(lg, "{'type':'allocation','date':'2020-06-02','grant':'ph-2020',"
	        "'from':'kammarkollegiet','to':'lund','amount':200000,"
	        "'condition':'beroende på måluppfyllelse',"
	        "'decide_by':'2020-07-15'}");
	add(lg, "{'type':'allocation','date':'2020-06-03','grant':'ph-2020',"
	        "'from':'kammarkollegiet','to':'skr','amount':300000,"
	        "'condition':'exakt belopp meddelas senare'}");
	add(lg, "{'type':'confirm','date':'2020-06-25','allocation':'c-1'}");
	struct ml_query q = qy("2020-06-19");
	CHECK_CONTAINS(lg, ml_answer_deadlines, &q,
	               ITEM("condition", "malmo", "2020-06-20", "100000", "due",
	                    "1") "," ITEM("condition", "lund", "2020-07-15",
	                                  "200000", "due", "26") "]}");
	q = qy("2020-06-30");
	CHECK_CONTAINS(lg, ml_answer_deadlines, &q,
	               "'claim','grant':'ph-2020','party':'lund'",
	               ITEM("condition", "lund", "2020-07-15", "200000", "due",
	                    "15") "]}");
	int rc = 0;
	struct ml_errinfo err;
	char *got = run(lg, ml_answer_deadlines, &q, &rc, &err);
	MT_CHECK(got != NULL &&
	         strstr(got, "\"condition\",\"grant\":\"ph-2020\","
	                     "\"party\":\"malmo\"") == NULL);
	MT_CHECK(got != NULL && strstr(got, "\"party\":\"skr\"") == NULL);
	free(got);
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, head + 3);
	CHECK_CONTAINS(lg, ml_answer_deadlines, &q,
	               ITEM("condition", "malmo", "2020-06-20", "100000",
	                    "overdue", "10"));
	malmo_close(lg, dir);
}

/* --- events --- */

static char *events_text(struct ml_ledger *lg, const struct ml_events_query *q,
                         uint32_t *count, int *rc)
{
	MDB_txn *txn;
	struct ml_buf b;
	char *text = NULL;
	ml_buf_init(&b, 1u << 24);
	*rc = ml_ledger_read_begin_txn(lg, &txn);
	if (*rc == 0) {
		*rc = ml_answer_events(lg, ml_read_of(txn), q, &b, count);
		ml_ledger_read_end(lg, ml_read_of(txn));
	}
	if (*rc == 0)
		text = strdup(b.data);
	ml_buf_free(&b);
	return text;
}

/* What the listing of seqs[0..n) must be, from each stored event. */
static char *events_want(struct ml_ledger *lg, const uint64_t *seqs, size_t n,
                         uint64_t next_after)
{
	MDB_txn *txn;
	struct ml_buf b;
	ml_buf_init(&b, 1u << 24);
	ml_buf_add_str(&b, "{\"events\":[");
	if (ml_ledger_read_begin_txn(lg, &txn) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct ml_event ev;
		if (i > 0)
			ml_buf_add_char(&b, ',');
		if (ml_ledger_event(lg, ml_read_of(txn), seqs[i], &ev) == 0)
			ml_json_write_event(&ev, ML_JSON_STORED, &b);
	}
	ml_ledger_read_end(lg, ml_read_of(txn));
	ml_buf_addf(&b, "],\"next_after\":%llu}",
	            (unsigned long long)next_after);
	char *text = strdup(b.data);
	ml_buf_free(&b);
	return text;
}

#define CHECK_EVENTS(lg, q, next_after, ...)                                   \
	do {                                                                   \
		const uint64_t seqs_[] = {__VA_ARGS__};                        \
		size_t n_ = sizeof seqs_ / sizeof seqs_[0];                    \
		if (n_ == 1 && seqs_[0] == 0)                                  \
			n_ = 0;                                                \
		uint32_t count_ = 99999;                                       \
		int rc_ = 0;                                                   \
		char *got_ = events_text((lg), (q), &count_, &rc_);            \
		char *want_ = events_want((lg), seqs_, n_, (next_after));      \
		MT_CHECK_INT(rc_, 0);                                          \
		MT_CHECK_INT(count_, n_);                                      \
		MT_CHECK_STR(got_, want_);                                     \
		free(got_);                                                    \
		free(want_);                                                   \
	} while (0)

static struct ml_events_query eq(uint64_t after, uint32_t limit)
{
	struct ml_events_query q = {after, limit, NULL, NULL, ML_TYPE_NONE};
	return q;
}

static void test_events(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	struct ml_events_query q = eq(0, 3);
	CHECK_EVENTS(lg, &q, 3, 1, 2, 3);
	q = eq(33, 1000);
	CHECK_EVENTS(lg, &q, 35, 34, 35);
	q = eq(35, 10); /* nothing newer: next_after stays */
	CHECK_EVENTS(lg, &q, 35, 0);
	q = eq(500, 10);
	CHECK_EVENTS(lg, &q, 500, 0);
	q = eq(UINT64_MAX, 10);
	CHECK_EVENTS(lg, &q, UINT64_MAX, 0);

	/* party: as party/from/to, and as parent of a party definition. */
	q = eq(0, 1000);
	q.party = "malmo";
	CHECK_EVENTS(lg, &q, 28, 3, 4, 5, 12, 13, 14, 18, 19, 20, 21, 27, 28);
	q.limit = 5; /* paging */
	CHECK_EVENTS(lg, &q, 13, 3, 4, 5, 12, 13);
	q.after = 13;
	CHECK_EVENTS(lg, &q, 21, 14, 18, 19, 20, 21);
	q.after = 21;
	CHECK_EVENTS(lg, &q, 28, 27, 28);
	q.after = 28;
	CHECK_EVENTS(lg, &q, 28, 0);
	/* The correction of 34 belongs to ASN through the event it
	 * corrects; so does the report. */
	q = eq(0, 1000);
	q.party = "malmo-asn";
	CHECK_EVENTS(lg, &q, 35, 4, 18, 20, 22, 23, 24, 25, 31, 34, 35);
	q.party = "kammarkollegiet"; /* payer of the grant, from, to */
	CHECK_EVENTS(lg, &q, 30, 1, 9, 10, 11, 30);

	/* grant: everything but the party definitions. */
	q = eq(0, 1000);
	q.grant = "ph-2020";
	CHECK_EVENTS(lg, &q, 35, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	             21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
	             35);
	q.grant = "nope";
	CHECK_EVENTS(lg, &q, 0, 0);

	/* type, alone and with names. */
	q = eq(0, 1000);
	q.type = ML_TYPE_CORRECTION;
	CHECK_EVENTS(lg, &q, 35, 33, 35);
	q.party = "lund";
	CHECK_EVENTS(lg, &q, 33, 33);
	q.party = "skr";
	CHECK_EVENTS(lg, &q, 0, 0);
	q = eq(0, 1000);
	q.type = ML_TYPE_EXPENSE;
	q.party = "malmo-asn";
	q.grant = "ph-2020";
	CHECK_EVENTS(lg, &q, 34, 22, 23, 24, 25, 34);
	q = eq(10, 2);
	q.type = ML_TYPE_PAYOUT;
	CHECK_EVENTS(lg, &q, 14, 11, 14);

	/* A limit outside 1 ..= ML_EVENTS_LIMIT_MAX is the caller's bug. */
	uint32_t count = 0;
	int rc = 0;
	q = eq(0, 0);
	MT_CHECK(events_text(lg, &q, &count, &rc) == NULL);
	MT_CHECK_INT(rc, ML_E_BAD_QUERY);
	q = eq(0, ML_EVENTS_LIMIT_MAX + 1);
	MT_CHECK(events_text(lg, &q, &count, &rc) == NULL);
	MT_CHECK_INT(rc, ML_E_BAD_QUERY);
	malmo_close(lg, dir);
}

static void test_event_matches(void)
{
	struct ml_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = ML_TYPE_CARRYOVER;
	ev.grant = ml_str_c("g-2019");
	ev.to_grant = ml_str_c("g-2020");
	ev.party = ml_str_c("storsthlm");
	struct ml_events_query q = eq(0, 10);
	MT_CHECK(ml_event_matches(&ev, &q));
	q.grant = "g-2020";
	MT_CHECK(ml_event_matches(&ev, &q));
	q.grant = "g-2021";
	MT_CHECK(!ml_event_matches(&ev, &q));
	q.grant = "g-2019";
	q.party = "storsthlm";
	MT_CHECK(ml_event_matches(&ev, &q));
	q.party = "storsthl"; /* no prefix matching */
	MT_CHECK(!ml_event_matches(&ev, &q));
	q.party = NULL;
	q.type = ML_TYPE_EXPENSE;
	MT_CHECK(!ml_event_matches(&ev, &q));
	q.type = ML_TYPE_CARRYOVER;
	MT_CHECK(ml_event_matches(&ev, &q));

	/* A post's definition matches its parent grant; a party's
	 * definition matches its parent party; a payer matches. */
	memset(&ev, 0, sizeof ev);
	ev.type = ML_TYPE_GRANT;
	ev.grant = ml_str_c("g/post");
	ev.parent = ml_str_c("g");
	ev.payer = ml_str_c("kk");
	q = eq(0, 10);
	q.grant = "g";
	MT_CHECK(ml_event_matches(&ev, &q));
	q.grant = NULL;
	q.party = "kk";
	MT_CHECK(ml_event_matches(&ev, &q));
	q.party = "g"; /* a grant's parent is not a party */
	MT_CHECK(!ml_event_matches(&ev, &q));
	ev.type = ML_TYPE_PARTY;
	ev.grant = ml_str_c(NULL);
	ev.payer = ml_str_c(NULL);
	ev.party = ml_str_c("malmo-asn");
	ev.parent = ml_str_c("malmo");
	q.party = "malmo";
	MT_CHECK(ml_event_matches(&ev, &q));
	q.grant = "malmo"; /* a party's parent is not a grant */
	q.party = NULL;
	MT_CHECK(!ml_event_matches(&ev, &q));

	/* A correction alone: the type is checked, names may match. */
	memset(&ev, 0, sizeof ev);
	ev.type = ML_TYPE_CORRECTION;
	ev.corrects = 5;
	q = eq(0, 10);
	q.grant = "anything";
	MT_CHECK(ml_event_matches(&ev, &q));
	q.type = ML_TYPE_PAYOUT;
	MT_CHECK(!ml_event_matches(&ev, &q));
}

/* ------------------------------------------------------------ ledger 2 */

static const char *const sthlm_events[] = {
    /* 1–4 */
    "{'type':'party','date':'2019-01-01','party':'kammarkollegiet',"
    "'name':'Kammarkollegiet','kind':'state'}",
    "{'type':'party','date':'2019-01-01','party':'storsthlm',"
    "'name':'Storsthlm','kind':'county_association'}",
    "{'type':'party','date':'2019-01-01','party':'solna',"
    "'name':'Solna stad','kind':'municipality','org_no':'212000-0278'}",
    "{'type':'party','date':'2020-05-01','party':'sthlm-x',"
    "'name':'Enhet X','kind':'unit'}",
    /* 5–8 */
    "{'type':'grant','date':'2019-02-01','grant':'ph-2019',"
    "'name':'Psykisk hälsa 2019','payer':'kammarkollegiet',"
    "'total':5000000,'year':2019,'use_by':'2019-12-31',"
    "'carry_over':true}",
    "{'type':'allocation','date':'2019-03-01','grant':'ph-2019',"
    "'from':'kammarkollegiet','to':'storsthlm','amount':1000000}",
    "{'type':'payout','date':'2019-03-05','grant':'ph-2019',"
    "'from':'kammarkollegiet','to':'storsthlm','amount':1000000}",
    "{'type':'expense','date':'2019-10-01','grant':'ph-2019',"
    "'party':'storsthlm','activity':'Samordning','amount':600000}",
    /* 9–11 */
    "{'type':'grant','date':'2020-02-06','grant':'ph-2020',"
    "'name':'Psykisk hälsa 2020','payer':'kammarkollegiet',"
    "'total':8000000,'year':2020,'use_by':'2020-12-31',"
    "'report_by':'2021-01-31','repay_by':'2021-03-31'}",
    "{'type':'carryover','date':'2020-01-15','grant':'ph-2019',"
    "'to_grant':'ph-2020','party':'storsthlm','amount':400000}",
    "{'type':'grant','date':'2020-02-10','grant':'ph-2020/lansgemensamma',"
    "'name':'Länsgemensamma','payer':'kammarkollegiet','total':2000000,"
    "'parent':'ph-2020'}",
    /* 12–18 */
    "{'type':'allocation','date':'2020-02-15',"
    "'grant':'ph-2020/lansgemensamma','from':'kammarkollegiet',"
    "'to':'storsthlm','amount':2000000}",
    "{'type':'payout','date':'2020-02-20','grant':'ph-2020/lansgemensamma',"
    "'from':'kammarkollegiet','to':'storsthlm','amount':2000000}",
    "{'type':'allocation','date':'2020-03-01',"
    "'grant':'ph-2020/lansgemensamma','from':'storsthlm','to':'solna',"
    "'amount':500000}",
    "{'type':'payout','date':'2020-03-05','grant':'ph-2020/lansgemensamma',"
    "'from':'storsthlm','to':'solna','amount':500000}",
    "{'type':'allocation','date':'2020-05-02',"
    "'grant':'ph-2020/lansgemensamma','from':'storsthlm',"
    "'to':'sthlm-x','amount':100000}",
    "{'type':'payout','date':'2020-05-03','grant':'ph-2020/lansgemensamma',"
    "'from':'storsthlm','to':'sthlm-x','amount':100000}",
    "{'type':'expense','date':'2020-09-01',"
    "'grant':'ph-2020/lansgemensamma','party':'solna',"
    "'activity':'Suicidprevention','amount':450000}",
    /* 19–20: Storsthlm passes on what it carried over */
    "{'type':'allocation','date':'2020-03-01','grant':'ph-2020',"
    "'from':'storsthlm','to':'solna','amount':300000}",
    "{'type':'payout','date':'2020-03-10','grant':'ph-2020',"
    "'from':'storsthlm','to':'solna','amount':300000}",
    /* 21: the 2020 grant grows and its deadlines move */
    "{'type':'grant','date':'2020-06-01','grant':'ph-2020',"
    "'name':'Psykisk hälsa 2020 (ändrad)','payer':'kammarkollegiet',"
    "'total':9000000,'year':2020,'use_by':'2021-06-30',"
    "'report_by':'2021-01-31','repay_by':'2021-09-30'}",
    /* 22–23: sthlm-x moves under Solna (back-dated), then Storsthlm */
    "{'type':'party','date':'2020-01-01','party':'sthlm-x',"
    "'name':'Enhet X (Solna)','kind':'unit','parent':'solna'}",
    "{'type':'party','date':'2020-03-01','party':'sthlm-x',"
    "'name':'Enhet X (Storsthlm)','kind':'unit','parent':'storsthlm'}",
};

static struct ml_ledger *sthlm_open(char *dir)
{
	struct ml_ledger *lg = tl_open(dir, "answers-sthlm");
	for (size_t i = 0; i < sizeof sthlm_events / sizeof *sthlm_events; i++)
		add(lg, sthlm_events[i]);
	return lg;
}

#define B0        "'claimed':0,"
#define ZERO_REST "'spent':0,'repaid':0,'returned':0,"

static void test_posts(void)
{
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	struct ml_query q = qy("2020-12-31");
	q.grant = "ph-2020";
	q.posts = true;
	/* The pool of ph-2020 at the payer: 8 000 000 − the post's
	 * 2 000 000 + the redefinition's 1 000 000. Storsthlm passes on
	 * carried-in money. Rows by grant id, then party id. */
	CHECK_ANSWER(
	    lg, ml_answer_balances, &q,
	    "{'as_of':'2020-12-31','known_at':null,'head_seq':23,'rows':["
	    "{'grant':'ph-2020','party':'kammarkollegiet','allocated':"
	    "7000000,'allocated_out':0,'pending':0,'pending_out':0,'unallocated':7000000," B0
	    "'received':7000000,'paid_out':0," ZERO_REST
	    "'carried_in':0,'carried_out':0,'held':7000000},"
	    "{'grant':'ph-2020','party':'solna','allocated':300000,"
	    "'allocated_out':0,'pending':0,'pending_out':0,'unallocated':300000," B0
	    "'received':300000,'paid_out':0," ZERO_REST
	    "'carried_in':0,'carried_out':0,'held':300000},"
	    "{'grant':'ph-2020','party':'storsthlm','allocated':0,"
	    "'allocated_out':300000,'pending':0,'pending_out':0,'unallocated':100000," B0
	    "'received':0,'paid_out':300000," ZERO_REST
	    "'carried_in':400000,'carried_out':0,'held':100000},"
	    "{'grant':'ph-2020/lansgemensamma','party':'kammarkollegiet',"
	    "'allocated':2000000,'allocated_out':2000000,'pending':0,'pending_out':0,'unallocated':0," B0
	    "'received':2000000,'paid_out':2000000," ZERO_REST
	    "'carried_in':0,'carried_out':0,'held':0},"
	    "{'grant':'ph-2020/lansgemensamma','party':'solna',"
	    "'allocated':500000,'allocated_out':0,'pending':0,'pending_out':0,'unallocated':500000," B0
	    "'received':500000,'paid_out':0,'spent':450000,'repaid':0,"
	    "'returned':0,'carried_in':0,'carried_out':0,'held':50000},"
	    "{'grant':'ph-2020/lansgemensamma','party':'sthlm-x',"
	    "'allocated':100000,'allocated_out':0,'pending':0,'pending_out':0,'unallocated':100000," B0
	    "'received':100000,'paid_out':0," ZERO_REST
	    "'carried_in':0,'carried_out':0,'held':100000},"
	    "{'grant':'ph-2020/lansgemensamma','party':'storsthlm',"
	    "'allocated':2000000,'allocated_out':600000,"
	    "'pending':0,'pending_out':0,'unallocated':1400000," B0
	    "'received':2000000,"
	    "'paid_out':600000," ZERO_REST
	    "'carried_in':0,'carried_out':0,'held':1400000}]}");
	/* Without posts=1 only the grant itself. */
	q.posts = false;
	CHECK_CONTAINS(
	    lg, ml_answer_balances, &q,
	    "'head_seq':23,'rows':[{'grant':'ph-2020','party':"
	    "'kammarkollegiet'",
	    "{'grant':'ph-2020','party':'storsthlm','allocated':0,"
	    "'allocated_out':300000,'pending':0,'pending_out':0,'unallocated':100000,"
	    "'claimed':0,'received':0,'paid_out':300000,'spent':0,"
	    "'repaid':0,'returned':0,'carried_in':400000,"
	    "'carried_out':0,'held':100000}]}");
	/* Before the redefinition's date the pool is 6 000 000. */
	q = qy("2020-05-31");
	q.grant = "ph-2020";
	q.party = "kammarkollegiet";
	CHECK_CONTAINS(
	    lg, ml_answer_balances, &q,
	    "'rows':[{'grant':'ph-2020','party':'kammarkollegiet',"
	    "'allocated':6000000,'allocated_out':0,"
	    "'pending':0,'pending_out':0,'unallocated':6000000,'claimed':0,'received':6000000,"
	    "'paid_out':0,");
	/* A post of a post's parent, asked for the post alone. */
	q = qy("2020-12-31");
	q.grant = "ph-2020/lansgemensamma";
	q.posts = true;
	q.party = "sthlm-x";
	CHECK_CONTAINS(lg, ml_answer_balances, &q,
	               "'rows':[{'grant':'ph-2020/lansgemensamma','party':"
	               "'sthlm-x','allocated':100000,");
	/* Rollup with the current tree: sthlm-x is under Storsthlm, so the
	 * 100 000 Storsthlm allocated and paid it is internal and cancels. */
	q = qy("2020-12-31");
	q.party = "storsthlm";
	q.rollup = true;
	CHECK_CONTAINS(
	    lg, ml_answer_balances, &q,
	    "{'grant':'ph-2019','party':'storsthlm',"
	    "'allocated':1000000,",
	    "{'grant':'ph-2020/lansgemensamma','party':'storsthlm',"
	    "'allocated':2000000,'allocated_out':500000,'pending':0,'pending_out':0,"
	    "'unallocated':1500000,'claimed':0,'received':2000000,"
	    "'paid_out':500000,'spent':0,'repaid':0,'returned':0,"
	    "'carried_in':0,'carried_out':0,'held':1500000}]}");
	/* Known when sthlm-x was under Solna (22): Solna's rollup has it. */
	q.party = "solna";
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 22);
	CHECK_CONTAINS(
	    lg, ml_answer_balances, &q,
	    "{'grant':'ph-2020/lansgemensamma','party':'solna',"
	    "'allocated':600000,'allocated_out':0,"
	    "'pending':0,'pending_out':0,'unallocated':600000,'claimed':0,'received':600000,"
	    "'paid_out':0,'spent':450000,'repaid':0,'returned':0,"
	    "'carried_in':0,'carried_out':0,'held':150000}]");
	tl_close(lg, dir);
}

#define GRANTS_2020(use_by, repay_by)                                          \
	"'grants':[{'grant':'ph-2020','use_by':'" use_by                       \
	"','repay_by':'" repay_by                                              \
	"'},{'grant':'ph-2020/lansgemensamma','use_by':'" use_by               \
	"','repay_by':'" repay_by "'}],"
#define RROW_C(grant, party, received, carried_in, spent, paid_out,            \
               carried_out, outstanding, status)                               \
	"{'grant':'" grant "','party':'" party "','received':" received        \
	",'returned':0,'carried_in':" carried_in ",'spent':" spent             \
	",'paid_out':" paid_out ",'repaid':0,'carried_out':" carried_out       \
	",'outstanding':" outstanding ",'status':'" status "'}"
#define RROW(grant, party, received, spent, paid_out, outstanding, status)     \
	RROW_C(grant, party, received, "0", spent, paid_out, "0", outstanding, \
	       status)
#define POST "ph-2020/lansgemensamma"

static void test_repayments_views(void)
{
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	char want[4096], t[ML_TIME_TEXT_MAX];
	struct ml_query q = qy("2021-02-01");
	/* Now: use_by moved into 2021 (post inherits); sthlm-x is under
	 * Storsthlm, so Storsthlm's payout to it cancels. */
	q.year = 2021;
	CHECK_ANSWER(
	    lg, ml_answer_repayments, &q,
	    "{'as_of':'2021-02-01'," GRANTS_2020("2021-06-30", "2021-09-30") "'rows':[" RROW(
	        "ph-2020", "solna", "300000", "0", "0", "300000",
	        "open") "," RROW_C("ph-2020", "storsthlm", "0", "400000", "0",
	                           "300000", "0", "100000",
	                           "open") "," RROW(POST, "solna", "500000",
	                                            "450000", "0", "50000",
	                                            "open") "," RROW(POST,
	                                                             "storsthlm",
	                                                             "2000000",
	                                                             "0",
	                                                             "500000",
	                                                             "1500000",
	                                                             "open") "],'total_outstanding':1950000}");
	q.year = 2020;
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2021-02-01','grants':[],'rows':[],"
	             "'total_outstanding':0}");
	/* Known at 22: the latest party definition recorded by then is
	 * the back-dated one (sthlm-x under Solna), though a definition
	 * with a later date (4, no parent) exists. */
	q.year = 2021;
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 22);
	ml_time_format(q.known_at_us, t, sizeof t);
	snprintf(
	    want, sizeof want,
	    "{'as_of':'2021-02-01'," GRANTS_2020("2021-06-30", "2021-09-30") "'rows':[" RROW(
	        "ph-2020", "solna", "300000", "0", "0", "300000",
	        "open") "," RROW_C("ph-2020", "storsthlm", "0", "400000", "0",
	                           "300000", "0", "100000",
	                           "open") "," RROW(POST, "solna", "600000",
	                                            "450000", "0", "150000",
	                                            "open") "," RROW(POST,
	                                                             "storsthlm",
	                                                             "2000000",
	                                                             "0",
	                                                             "600000",
	                                                             "1400000",
	                                                             "open") "],'total_outstanding':1950000,'known_at':'%s'}",
	    t);
	CHECK_ANSWER(lg, ml_answer_repayments, &q, want);
	/* Known at 20: ph-2020 still has its first definition (use_by
	 * 2020), sthlm-x is a legal entity of its own. */
	q.year = 2020;
	q.known_at_us = recorded_at(lg, 20);
	ml_time_format(q.known_at_us, t, sizeof t);
	snprintf(
	    want, sizeof want,
	    "{'as_of':'2021-02-01'," GRANTS_2020("2020-12-31", "2021-03-31") "'rows':[" RROW(
	        "ph-2020", "solna", "300000", "0", "0", "300000",
	        "due") "," RROW_C("ph-2020", "storsthlm", "0", "400000", "0",
	                          "300000", "0", "100000",
	                          "due") "," RROW(POST, "solna", "500000",
	                                          "450000", "0", "50000",
	                                          "due") "," RROW(POST,
	                                                          "sthlm-x",
	                                                          "100000", "0",
	                                                          "0", "100000",
	                                                          "due") "," RROW(POST,
	                                                                          "storsthlm",
	                                                                          "2000000",
	                                                                          "0",
	                                                                          "600000",
	                                                                          "1400000",
	                                                                          "due") "],'total_outstanding':1950000,'known_at':'%s'}",
	    t);
	CHECK_ANSWER(lg, ml_answer_repayments, &q, want);
	/* A grant with no repay_by, all used or carried: ok. */
	q = qy("2020-12-31");
	q.grant = "ph-2019";
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2020-12-31','grants':[{'grant':'ph-2019',"
	             "'use_by':'2019-12-31'}],'rows':[" RROW_C(
	                 "ph-2019", "storsthlm", "1000000", "0", "600000", "0",
	                 "400000", "0", "ok") "],'total_outstanding':0}");
	/* grant=G covers its posts. */
	q.grant = "ph-2020";
	q.as_of = tl_day("2021-07-01");
	CHECK_CONTAINS(lg, ml_answer_repayments, &q,
	               GRANTS_2020("2021-06-30", "2021-09-30"),
	               RROW(POST, "storsthlm", "2000000", "0", "500000",
	                    "1500000", "due") "],'total_outstanding':1950000}");
	tl_close(lg, dir);
}

#define DITEM(kind, grant, party, due, amount, status, days)                   \
	"{'kind':'" kind "','grant':'" grant "','party':'" party               \
	"','due':'" due "','amount':" amount ",'status':'" status              \
	"','days':" days "}"

static void test_deadlines_views(void)
{
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	char want[4096], t[ML_TIME_TEXT_MAX];
	struct ml_query q = qy("2021-01-15");
	/* Storsthlm received nothing in ph-2020 from outside (only
	 * carried in): no report for it there. */
	CHECK_ANSWER(lg, ml_answer_deadlines, &q,
	             "{'as_of':'2021-01-15','items':[" DITEM(
	                 "report", "ph-2020", "solna", "2021-01-31", "0", "due",
	                 "16") "," DITEM("report", POST, "solna", "2021-01-31",
	                                 "0", "due",
	                                 "16") "," DITEM("report", POST,
	                                                 "storsthlm",
	                                                 "2021-01-31", "0",
	                                                 "due", "16") "]}");
	/* Known at 20: use_by 2020-12-31, repay_by 2021-03-31. */
	q = qy("2021-03-10");
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 20);
	ml_time_format(q.known_at_us, t, sizeof t);
	snprintf(
	    want, sizeof want,
	    "{'as_of':'2021-03-10','items':[" DITEM("report", "ph-2020", "solna", "2021-01-31", "0", "overdue", "38") "," DITEM(
	        "report", POST, "solna", "2021-01-31", "0", "overdue",
	        "38") "," DITEM("report", POST, "sthlm-x", "2021-01-31", "0",
	                        "overdue",
	                        "38") "," DITEM("report", POST, "storsthlm",
	                                        "2021-01-31", "0", "overdue",
	                                        "38") "," DITEM("repay",
	                                                        "ph-2020",
	                                                        "solna",
	                                                        "2021-03-31",
	                                                        "300000", "due",
	                                                        "21") "," DITEM("repay",
	                                                                        "ph-2020",
	                                                                        "storsthlm",
	                                                                        "2021-03-31",
	                                                                        "100000",
	                                                                        "due",
	                                                                        "21") "," DITEM("repay",
	                                                                                        POST,
	                                                                                        "solna",
	                                                                                        "2021-03-31",
	                                                                                        "50000",
	                                                                                        "due",
	                                                                                        "21") "," DITEM("repay",
	                                                                                                        POST,
	                                                                                                        "sthlm-x",
	                                                                                                        "2021-03-31",
	                                                                                                        "100000",
	                                                                                                        "due",
	                                                                                                        "21") "," DITEM("repay",
	                                                                                                                        POST,
	                                                                                                                        "storsthlm",
	                                                                                                                        "2021-03-31",
	                                                                                                                        "1400000",
	                                                                                                                        "due",
	                                                                                                                        "21") "],'known_at':'%s'}",
	    t);
	CHECK_ANSWER(lg, ml_answer_deadlines, &q, want);
	/* Now: use_by is 2021-06-30, so no repay items yet. */
	q = qy("2021-03-10");
	CHECK_ANSWER(
	    lg, ml_answer_deadlines, &q,
	    "{'as_of':'2021-03-10','items':[" DITEM(
	        "report", "ph-2020", "solna", "2021-01-31", "0", "overdue",
	        "38") "," DITEM("report", POST, "solna", "2021-01-31", "0",
	                        "overdue",
	                        "38") "," DITEM("report", POST, "storsthlm",
	                                        "2021-01-31", "0", "overdue",
	                                        "38") "]}");
	tl_close(lg, dir);
}

static void test_trace_carry(void)
{
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	struct ml_query q = qy("2020-12-31");
	q.grant = "ph-2019";
	CHECK_ANSWER(lg, ml_answer_trace, &q,
	             "{'grant':'ph-2019','as_of':'2020-12-31','nodes':["
	             "{'party':'kammarkollegiet','received':5000000,"
	             "'returned':0,'carried_in':0,'paid_out':1000000,"
	             "'spent':0,'repaid':0,'carried_out':0,'held':4000000,"
	             "'activities':[]},{'party':'storsthlm','received':"
	             "1000000,'returned':0,'carried_in':0,'paid_out':0,"
	             "'spent':600000,'repaid':0,'carried_out':400000,"
	             "'held':0,'activities':[{'activity':'Samordning',"
	             "'amount':600000}]}],'edges':[{'from':'kammarkollegiet',"
	             "'to':'storsthlm','kind':'payout','amount':1000000}]}");
	q.grant = "ph-2020";
	CHECK_CONTAINS(lg, ml_answer_trace, &q,
	               "{'party':'storsthlm','received':0,'returned':0,"
	               "'carried_in':400000,'paid_out':300000,'spent':0,"
	               "'repaid':0,'carried_out':0,'held':100000,"
	               "'activities':[]}",
	               "'edges':[{'from':'storsthlm','to':'solna','kind':"
	               "'payout','amount':300000}]}");
	tl_close(lg, dir);
}

static cJSON *run_doc(struct ml_ledger *lg, answer_fn fn,
                      const struct ml_query *q)
{
	int rc = 0;
	struct ml_errinfo err;
	char *text = run(lg, fn, q, &rc, &err);
	if (rc != 0)
		MT_FAIL_AT("answer failed (%d): %s", rc, err.message);
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	free(text);
	return doc;
}

static long long jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* The sum of member key over the items of arr whose k1 (and k2) match. */
static long long jsum(const cJSON *doc, const char *arr, const char *k1,
                      const char *v1, const char *k2, const char *v2,
                      const char *key)
{
	long long sum = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, arr))
	{
		const cJSON *a = cJSON_GetObjectItem(it, k1);
		const cJSON *b = k2 ? cJSON_GetObjectItem(it, k2) : NULL;
		if (strcmp(a->valuestring, v1) == 0 &&
		    (k2 == NULL || strcmp(b->valuestring, v2) == 0))
			sum += jnum(it, key);
	}
	return sum;
}

/* posts=1: ph-2020 and its post traced as one. Each node is the sum of
 * that party's nodes in the two traces, each edge the sum of its edges,
 * every node balances, and Kammarkollegiet's node received the grant's
 * total (9 000 000 since its redefinition) once: the post's 2 000 000
 * left the parent's pool and entered the post's. */
static void test_trace_posts(void)
{
	static const char *const cols[] = {
	    "received", "returned", "carried_in",  "paid_out",
	    "spent",    "repaid",   "carried_out", "held"};
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	struct ml_query q = qy("2021-02-01");
	q.grant = "ph-2020";
	cJSON *top = run_doc(lg, ml_answer_trace, &q);
	q.grant = "ph-2020/lansgemensamma";
	cJSON *post = run_doc(lg, ml_answer_trace, &q);
	q.grant = "ph-2020";
	q.posts = true;
	cJSON *both = run_doc(lg, ml_answer_trace, &q);
	MT_REQUIRE(top && post && both);
	MT_CHECK_STR(cJSON_GetObjectItem(both, "grant")->valuestring,
	             "ph-2020");
	const cJSON *n;
	int nodes = 0;
	cJSON_ArrayForEach(n, cJSON_GetObjectItem(both, "nodes"))
	{
		const char *p = cJSON_GetObjectItem(n, "party")->valuestring;
		for (int i = 0; i < 8; i++)
			MT_CHECK_INT(jnum(n, cols[i]),
			             jsum(top, "nodes", "party", p, NULL, NULL,
			                  cols[i]) +
			                 jsum(post, "nodes", "party", p, NULL,
			                      NULL, cols[i]));
		MT_CHECK_INT(jnum(n, "received") + jnum(n, "returned") +
		                 jnum(n, "carried_in"),
		             jnum(n, "paid_out") + jnum(n, "spent") +
		                 jnum(n, "repaid") + jnum(n, "carried_out") +
		                 jnum(n, "held"));
		long long acts = 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(n, "activities"))
		    acts += jnum(x, "amount");
		MT_CHECK_INT(acts, jnum(n, "spent"));
		nodes++;
	}
	MT_CHECK(nodes >=
	         cJSON_GetArraySize(cJSON_GetObjectItem(top, "nodes")));
	MT_CHECK(nodes >=
	         cJSON_GetArraySize(cJSON_GetObjectItem(post, "nodes")));
	MT_CHECK_INT(jsum(both, "nodes", "party", "kammarkollegiet", NULL, NULL,
	                  "received"),
	             9000000);
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(both, "edges"))
	{
		const char *f = cJSON_GetObjectItem(e, "from")->valuestring;
		const char *t = cJSON_GetObjectItem(e, "to")->valuestring;
		const char *k = cJSON_GetObjectItem(e, "kind")->valuestring;
		long long want = 0;
		const cJSON *x;
		for (int i = 0; i < 2; i++)
			cJSON_ArrayForEach(
			    x, cJSON_GetObjectItem(i ? post : top, "edges"))
			{
				if (strcmp(cJSON_GetObjectItem(x, "from")
				               ->valuestring,
				           f) == 0 &&
				    strcmp(cJSON_GetObjectItem(x, "to")
				               ->valuestring,
				           t) == 0 &&
				    strcmp(cJSON_GetObjectItem(x, "kind")
				               ->valuestring,
				           k) == 0)
					want += jnum(x, "amount");
			}
		MT_CHECK_INT(jnum(e, "amount"), want);
	}
	cJSON_Delete(top);
	cJSON_Delete(post);
	cJSON_Delete(both);
	tl_close(lg, dir);
}

#define G2019                                                                  \
	"{'grant':'ph-2019','name':'Psykisk hälsa 2019','payer':"             \
	"'kammarkollegiet','total':5000000,'year':2019,'use_by':"              \
	"'2019-12-31','carry_over':true,'defined_seq':5,'date':"               \
	"'2019-02-01'}"
#define GPOST                                                                  \
	"{'grant':'ph-2020/lansgemensamma','name':'Länsgemensamma',"          \
	"'payer':'kammarkollegiet','total':2000000,'parent':'ph-2020',"        \
	"'defined_seq':11,'date':'2020-02-10'}"

static void test_grants_listing(void)
{
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	struct ml_query q = qy("2020-03-01");
	CHECK_ANSWER(lg, ml_answer_grants, &q,
	             "{'as_of':'2020-03-01','grants':[" G2019 ","
	             "{'grant':'ph-2020','name':'Psykisk hälsa 2020','payer':"
	             "'kammarkollegiet','total':8000000,'year':2020,"
	             "'use_by':'2020-12-31','report_by':'2021-01-31',"
	             "'repay_by':'2021-03-31','defined_seq':9,'date':"
	             "'2020-02-06'}," GPOST "]}");
	q = qy("2020-07-01");
	CHECK_ANSWER(lg, ml_answer_grants, &q,
	             "{'as_of':'2020-07-01','grants':[" G2019 ","
	             "{'grant':'ph-2020','name':'Psykisk hälsa 2020 (ändrad)',"
	             "'payer':'kammarkollegiet','total':9000000,'year':2020,"
	             "'use_by':'2021-06-30','report_by':'2021-01-31',"
	             "'repay_by':'2021-09-30','defined_seq':21,'date':"
	             "'2020-06-01'}," GPOST "]}");
	/* Known before the redefinition was recorded. */
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 20);
	CHECK_CONTAINS(lg, ml_answer_grants, &q,
	               "'total':8000000,'year':2020,'use_by':'2020-12-31',");
	q = qy("2019-06-01");
	CHECK_ANSWER(lg, ml_answer_grants, &q,
	             "{'as_of':'2019-06-01','grants':[" G2019 "]}");
	q = qy("1900-01-01");
	CHECK_ANSWER(lg, ml_answer_grants, &q,
	             "{'as_of':'1900-01-01','grants':[]}");
	tl_close(lg, dir);
}

#define P_KK                                                                   \
	"{'party':'kammarkollegiet','name':'Kammarkollegiet','kind':"          \
	"'state','defined_seq':1,'date':'2019-01-01'}"
#define P_SOLNA                                                                \
	"{'party':'solna','name':'Solna stad','kind':'municipality',"          \
	"'org_no':'212000-0278','defined_seq':3,'date':'2019-01-01'}"
#define P_STORSTHLM                                                            \
	"{'party':'storsthlm','name':'Storsthlm','kind':"                      \
	"'county_association','defined_seq':2,'date':'2019-01-01'}"

static void test_parties_listing(void)
{
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	struct ml_query q = qy("2019-06-01");
	CHECK_ANSWER(lg, ml_answer_parties, &q,
	             "{'as_of':'2019-06-01','parties':[" P_KK "," P_SOLNA
	             "," P_STORSTHLM "]}");
	/* sthlm-x: defined (4) on 2020-05-01, then (22) back-dated to
	 * 2020-01-01 under Solna, then (23) on 2020-03-01 under
	 * Storsthlm. As of D: the latest dated ≤ D. */
	q = qy("2020-02-01");
	CHECK_ANSWER(lg, ml_answer_parties, &q,
	             "{'as_of':'2020-02-01','parties':[" P_KK "," P_SOLNA
	             ",{'party':'sthlm-x','name':'Enhet X (Solna)','kind':"
	             "'unit','parent':'solna','defined_seq':22,'date':"
	             "'2020-01-01'}," P_STORSTHLM "]}");
	q = qy("2020-04-01");
	CHECK_CONTAINS(lg, ml_answer_parties, &q,
	               "{'party':'sthlm-x','name':'Enhet X (Storsthlm)',"
	               "'kind':'unit','parent':'storsthlm','defined_seq':23,"
	               "'date':'2020-03-01'}");
	q = qy("2020-06-01");
	CHECK_CONTAINS(lg, ml_answer_parties, &q,
	               "{'party':'sthlm-x','name':'Enhet X','kind':'unit',"
	               "'defined_seq':4,'date':'2020-05-01'}");
	/* Known before 23 was recorded. */
	q = qy("2020-04-01");
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 22);
	CHECK_CONTAINS(lg, ml_answer_parties, &q,
	               "{'party':'sthlm-x','name':'Enhet X (Solna)',"
	               "'kind':'unit','parent':'solna','defined_seq':22,");
	/* … and before 22: only the 2020-05-01 definition exists. */
	q.known_at_us = recorded_at(lg, 21);
	CHECK_CONTAINS(lg, ml_answer_parties, &q,
	               "'parties':[" P_KK "," P_SOLNA "," P_STORSTHLM "],");
	tl_close(lg, dir);
}

static void test_events_grant_tree(void)
{
	char dir[4096];
	struct ml_ledger *lg = sthlm_open(dir);
	struct ml_events_query q = eq(0, 100);
	/* ph-2020: its definitions, the carry-over into it, the post's
	 * definition (it takes from ph-2020's pool), its own money. */
	q.grant = "ph-2020";
	CHECK_EVENTS(lg, &q, 21, 9, 10, 11, 19, 20, 21);
	q.grant = "ph-2019";
	CHECK_EVENTS(lg, &q, 10, 5, 6, 7, 8, 10);
	q.grant = NULL;
	q.party = "solna"; /* and the definition of a unit under it */
	CHECK_EVENTS(lg, &q, 22, 3, 14, 15, 18, 19, 20, 22);
	tl_close(lg, dir);
}

/* A corrected payout leaves the trace's edges; an account whose only
 * event is corrected no longer exists; known before, both are back. */
static void test_corrections(void)
{
	char dir[4096];
	struct ml_ledger *lg = tl_open(dir, "answers-corr");
	add(lg, "[{'type':'party','date':'2020-01-01','party':'kk',"
	        "'name':'KK','kind':'state'},"
	        "{'type':'party','date':'2020-01-01','party':'a','name':'A',"
	        "'kind':'municipality'},"
	        "{'type':'party','date':'2020-01-01','party':'c','name':'C',"
	        "'kind':'municipality'},"
	        "{'type':'grant','date':'2020-01-01','grant':'g','name':'G',"
	        "'payer':'kk','total':1000}]");
	add(lg, "{'type':'allocation','date':'2020-02-01','grant':'g',"
	        "'from':'kk','to':'a','amount':100}");
	add(lg, "{'type':'payout','date':'2020-02-02','grant':'g',"
	        "'from':'kk','to':'a','amount':100}"); /* 6 */
	add(lg, "{'type':'correction','date':'2020-03-01','corrects':6,"
	        "'note':'fel'}");
	add(lg, "{'type':'allocation','date':'2020-02-01','grant':'g',"
	        "'from':'kk','to':'c','amount':50,'claim_by':'2020-02-20'}");
	add(lg, "{'type':'correction','date':'2020-03-01','corrects':8,"
	        "'note':'fel'}"); /* 9 */
	struct ml_query q = qy("2020-12-31");
	q.grant = "g";
	CHECK_ANSWER(lg, ml_answer_trace, &q,
	             "{'grant':'g','as_of':'2020-12-31','nodes':["
	             "{'party':'a','received':0,'returned':0,'carried_in':0,"
	             "'paid_out':0,'spent':0,'repaid':0,'carried_out':0,"
	             "'held':0,'activities':[]},{'party':'kk','received':1000,"
	             "'returned':0,'carried_in':0,'paid_out':0,'spent':0,"
	             "'repaid':0,'carried_out':0,'held':1000,'activities':[]}"
	             "],'edges':[]}");
	/* Known before the payout's correction (7): it counts. */
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 6);
	CHECK_CONTAINS(lg, ml_answer_trace, &q,
	               "'nodes':[{'party':'a','received':100,'returned':0,"
	               "'carried_in':0,'paid_out':0,'spent':0,'repaid':0,"
	               "'carried_out':0,'held':100,'activities':[]},"
	               "{'party':'kk','received':1000,'returned':0,"
	               "'carried_in':0,'paid_out':100,",
	               "'edges':[{'from':'kk','to':'a','kind':'payout',"
	               "'amount':100}],'known_at':'");
	/* Known between C's allocation (8) and its correction (9). */
	q.known_at_us = recorded_at(lg, 8);
	CHECK_CONTAINS(lg, ml_answer_trace, &q, "{'party':'a','received':0,",
	               "{'party':'c','received':0,", "'edges':[],");
	/* The corrected allocation's claim_by no longer counts. */
	q = qy("2020-02-25");
	CHECK_ANSWER(lg, ml_answer_deadlines, &q,
	             "{'as_of':'2020-02-25','items':[]}");
	q.has_known_at = true;
	q.known_at_us = recorded_at(lg, 8);
	CHECK_CONTAINS(lg, ml_answer_deadlines, &q,
	               "'items':[{'kind':'claim','grant':'g','party':'c',"
	               "'due':'2020-02-20','amount':50,'status':'overdue',"
	               "'days':5}]");
	/* A's unclaimed allocation has no claim_by: never an item. */
	q = qy("2020-12-31");
	q.party = "c";
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2020-12-31','known_at':null,'head_seq':9,"
	             "'rows':[]}");
	tl_close(lg, dir);
}

/* ------------------------------------------------------------- helpers */

/* An activity of ML_ACTIVITY_MAX bytes and a unit of ML_UNIT_MAX: more
 * than an LMDB key holds together, so the trace finds them by number
 * (ml_acts.c). The same activity with and without a unit are two rows,
 * the one without first; a later date sees the back-dated expense. */
static void test_trace_long_activity(void)
{
	char dir[4096], act[ML_ACTIVITY_MAX + 1], unit[ML_UNIT_MAX + 1];
	char *json = malloc(4096), *want = malloc(4096);
	struct ml_ledger *lg = tl_open(dir, "answers-long");
	MT_REQUIRE(json != NULL && want != NULL);
	memset(act, 'a', ML_ACTIVITY_MAX);
	act[ML_ACTIVITY_MAX] = '\0';
	memset(unit, 'u', ML_UNIT_MAX);
	unit[ML_UNIT_MAX] = '\0';
	add(lg, "[{'type':'party','date':'2020-01-01','party':'kk',"
	        "'name':'KK','kind':'state'},"
	        "{'type':'party','date':'2020-01-01','party':'a','name':'A',"
	        "'kind':'municipality'},"
	        "{'type':'grant','date':'2020-01-01','grant':'g','name':'G',"
	        "'payer':'kk','total':1000},"
	        "{'type':'allocation','date':'2020-02-01','grant':'g',"
	        "'from':'kk','to':'a','amount':100},"
	        "{'type':'payout','date':'2020-02-02','grant':'g',"
	        "'from':'kk','to':'a','amount':100}]");
	snprintf(json, 4096,
	         "[{'type':'expense','date':'2020-03-01','grant':'g','party':"
	         "'a','activity':'%s','unit':'%s','amount':30},"
	         "{'type':'expense','date':'2020-03-02','grant':'g','party':"
	         "'a','activity':'%s','amount':20},"
	         "{'type':'expense','date':'2020-02-10','grant':'g','party':"
	         "'a','activity':'%s','unit':'%s','amount':5}]",
	         act, unit, act, act, unit);
	add(lg, json);
	struct ml_query q = qy("2020-02-28");
	q.grant = "g";
	snprintf(want, 4096,
	         "'activities':[{'activity':'%s','unit':'%s',"
	         "'amount':5}]",
	         act, unit);
	CHECK_CONTAINS(lg, ml_answer_trace, &q, want);
	q.as_of = tl_day("2020-12-31");
	snprintf(want, 4096,
	         "'activities':[{'activity':'%s','amount':20},{'activity':'%s',"
	         "'unit':'%s','amount':35}]",
	         act, act, unit);
	CHECK_CONTAINS(lg, ml_answer_trace, &q, want);
	free(json);
	free(want);
	tl_close(lg, dir);
}

static void test_json_helpers(void)
{
	cJSON *doc = cJSON_CreateObject();
	MT_REQUIRE(doc != NULL);
	MT_CHECK(ml_json_add_int(doc, "a", 1000000000000000LL) != NULL);
	MT_CHECK(ml_json_add_int(doc, "b", INT64_MIN) != NULL);
	MT_CHECK(ml_json_add_int(doc, "c", INT64_MAX) != NULL);
	MT_CHECK(ml_json_add_int(doc, "d", 0) != NULL);
	MT_CHECK(ml_json_add_int(doc, "e", 9007199254740993LL) != NULL);
	MT_CHECK(ml_json_add_date(doc, "f", 0) != NULL);
	MT_CHECK(ml_json_add_date(doc, "g", ML_DAY_MAX) != NULL);
	struct ml_buf b;
	ml_buf_init(&b, 4096);
	ml_buf_add_str(&b, "x");
	MT_CHECK_INT(ml_json_print(doc, &b), 0);
	MT_CHECK_STR(b.data, "x{\"a\":1000000000000000,"
	                     "\"b\":-9223372036854775808,"
	                     "\"c\":9223372036854775807,\"d\":0,"
	                     "\"e\":9007199254740993,\"f\":\"1900-01-01\","
	                     "\"g\":\"2199-12-31\"}");
	/* The ceiling of the buffer is respected. */
	struct ml_buf small;
	ml_buf_init(&small, 8);
	MT_CHECK_INT(ml_json_print(doc, &small), ML_E_TOO_LARGE);
	ml_buf_free(&small);
	ml_buf_free(&b);
	cJSON_Delete(doc);

	struct ml_query q;
	ml_query_init(&q);
	MT_CHECK_INT(q.as_of, ml_date_today());
	MT_CHECK(!q.has_known_at && q.grant == NULL && q.party == NULL);
	MT_CHECK(!q.posts && !q.rollup && q.year == 0);
}

/* An empty ledger answers every question with nothing. */
static void test_empty(void)
{
	char dir[4096];
	struct ml_ledger *lg = tl_open(dir, "answers-empty");
	struct ml_query q = qy("2021-01-01");
	CHECK_ANSWER(lg, ml_answer_balances, &q,
	             "{'as_of':'2021-01-01','known_at':null,'head_seq':0,"
	             "'rows':[]}");
	CHECK_ANSWER(lg, ml_answer_deadlines, &q,
	             "{'as_of':'2021-01-01','items':[]}");
	CHECK_ANSWER(lg, ml_answer_parties, &q,
	             "{'as_of':'2021-01-01','parties':[]}");
	CHECK_ANSWER(lg, ml_answer_grants, &q,
	             "{'as_of':'2021-01-01','grants':[]}");
	q.year = 2020;
	CHECK_ANSWER(lg, ml_answer_repayments, &q,
	             "{'as_of':'2021-01-01','grants':[],'rows':[],"
	             "'total_outstanding':0}");
	struct ml_events_query e = eq(0, 10);
	CHECK_EVENTS(lg, &e, 0, 0);
	tl_close(lg, dir);
}

/* The seqs the filter of q wants, found by reading every event and
 * following each correction to the root of its chain: the index's
 * answers must be exactly these, in order. Sets *n. */
static void events_scan(struct ml_ledger *lg, const struct ml_events_query *q,
                        uint64_t *seqs, size_t cap, size_t *n)
{
	MDB_txn *txn;
	struct ml_log_head head;
	*n = 0;
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	MT_REQUIRE(ml_ledger_head(lg, ml_read_of(txn), &head) == 0);
	struct ml_events_query names = *q;
	names.type = ML_TYPE_NONE;
	for (uint64_t s = q->after + 1; s <= head.seq && *n < q->limit; s++) {
		struct ml_event ev, root;
		MT_REQUIRE(ml_ledger_event(lg, ml_read_of(txn), s, &ev) == 0);
		root = ev;
		while (root.type == ML_TYPE_CORRECTION)
			MT_REQUIRE(ml_ledger_event(lg, ml_read_of(txn),
			                           root.corrects, &root) == 0);
		bool type_ok = q->type == ML_TYPE_NONE || ev.type == q->type;
		if (type_ok && ml_event_matches(&root, &names) && *n < cap)
			seqs[(*n)++] = s;
	}
	ml_ledger_read_end(lg, ml_read_of(txn));
}

/* The indexed read of q equals the scan; *found counts pages with
 * events. */
static void check_events_filter(struct ml_ledger *lg,
                                const struct ml_events_query *q, int *found)
{
	static uint64_t seqs[4096];
	size_t n = 0;
	events_scan(lg, q, seqs, 4096, &n);
	uint32_t count = 0;
	int rc = 0;
	char *got = events_text(lg, q, &count, &rc);
	char *want = events_want(lg, seqs, n, n ? seqs[n - 1] : q->after);
	MT_CHECK_INT(rc, 0);
	MT_CHECK_INT(count, n);
	MT_CHECK_STR(got, want);
	free(got);
	free(want);
	*found += n > 0;
}

/* Every filter the malmo ledger can be asked (each grant, party and type
 * it names, and names it does not), from several starting points and
 * page sizes: the read through the log's index equals the scan. */
static void test_events_index(void)
{
	char dir[4096];
	struct ml_ledger *lg = malmo_open(dir);
	static const char *const grants[] = {NULL, "ph-2020", "ph-2019",
	                                     "nothing"};
	static const char *const parties[] = {
	    NULL, "malmo", "lund", "kammarkollegiet", "malmo-asn", "nobody"};
	static const uint64_t afters[] = {0, 5, 20, 34, 35, 36};
	static const uint32_t limits[] = {1, 2, 1000};
	int found = 0;
	for (size_t i = 0; i < 4 * 6 * ML_TYPE_COUNT * 6 * 3; i++) {
		size_t k = i;
		struct ml_events_query q = eq(afters[k % 6], limits[k / 6 % 3]);
		k /= 18;
		q.type = (enum ml_type)(k % ML_TYPE_COUNT);
		k /= ML_TYPE_COUNT;
		q.party = parties[k % 6];
		q.grant = grants[k / 6];
		check_events_filter(lg, &q, &found);
	}
	MT_CHECK(found > 100); /* the filters did find events */
	malmo_close(lg, dir);
}

/* A log over three index blocks (seqs 1 ..= 2 600; a block holds 1 024):
 * "pa" and "pb" parent every other party, "rare" only the events at
 * 1 023, 1 024, 1 025 and 2 600, appended in batches of 100 so batches
 * straddle the blocks. Every filter, start and page size: the indexed
 * read equals the scan, and the rare name's pages cross the blocks. */
static void test_events_index_blocks(void)
{
	char dir[4096], ev[160];
	struct ml_ledger *lg = tl_open(dir, "answers-blocks");
	struct ml_buf batch;
	struct ml_errinfo err;
	ml_buf_init(&batch, 1u << 20);
	add(lg, "{'type':'party','date':'2020-01-01','party':'pa','name':'A',"
	        "'kind':'other'}");
	add(lg, "{'type':'party','date':'2020-01-01','party':'pb','name':'B',"
	        "'kind':'other'}");
	add(lg, "{'type':'party','date':'2020-01-01','party':'rare',"
	        "'name':'R','kind':'other'}");
	for (int seq = 4; seq <= 2600; seq++) {
		bool rare =
		    seq == 1023 || seq == 1024 || seq == 1025 || seq == 2600;
		snprintf(ev, sizeof ev,
		         "%c{\"type\":\"party\",\"date\":\"2020-01-01\","
		         "\"party\":\"p%d\",\"name\":\"P\",\"kind\":"
		         "\"unit\",\"parent\":\"%s\"}",
		         batch.len == 0 ? '[' : ',', seq,
		         rare      ? "rare"
		         : seq % 2 ? "pa"
		                   : "pb");
		ml_buf_add_str(&batch, ev);
		if (seq % 100 == 0 || seq == 2600) {
			ml_buf_add_str(&batch, "]");
			if (tl_append(lg, batch.data, &err, NULL) != 0)
				MT_FAIL_AT("append: %s", err.message);
			ml_buf_reset(&batch);
		}
	}
	ml_buf_free(&batch);
	static const char *const parties[] = {NULL, "pa", "pb", "rare", "p7"};
	static const uint64_t afters[] = {0, 1022, 1023, 1024, 2047, 2599};
	static const uint32_t limits[] = {1, 3, 1000};
	int found = 0;
	for (size_t i = 0; i < 5 * 2 * 6 * 3; i++) {
		struct ml_events_query q = eq(afters[i % 6], limits[i / 6 % 3]);
		q.party = parties[i / 18 % 5];
		q.type = i / 90 ? ML_TYPE_PARTY : ML_TYPE_NONE;
		check_events_filter(lg, &q, &found);
	}
	struct ml_events_query q = eq(0, 1000);
	q.party = "rare";
	CHECK_EVENTS(lg, &q, 2600, 3, 1023, 1024, 1025, 2600);
	q.after = 1023;
	q.limit = 2;
	CHECK_EVENTS(lg, &q, 1025, 1024, 1025);
	MT_CHECK(found > 100);
	tl_close(lg, dir);
}

/* A distribution is found under its grant, its from and every party of
 * its key (1 000 here), and so is its correction. One batch of 100 such
 * distributions gathers 100 100 index entries, more than
 * ML_EVIDX_BATCH_ENTRIES_MAX: the batch is written out early and the
 * index still equals the scan, and verify's sum of it. */
static void test_events_index_dist(void)
{
	char dir[4096];
	struct ml_ledger *lg = tl_open(dir, "answers-dist");
	struct ml_buf b, key;
	struct ml_errinfo err;
	ml_buf_init(&b, 1u << 24);
	ml_buf_init(&key, 1u << 20);
	ml_buf_add_str(&b,
	               "[{\"type\":\"party\",\"date\":\"2020-01-01\","
	               "\"party\":\"lf\",\"name\":\"L\",\"kind\":\"other\"}");
	for (int i = 0; i < ML_KEY_PARTIES_MAX; i++) {
		ml_buf_addf(&b,
		            ",{\"type\":\"party\",\"date\":\"2020-01-01\","
		            "\"party\":\"k%04d\",\"name\":\"K\",\"kind\":"
		            "\"municipality\"}",
		            i);
		ml_buf_addf(&key, "%s\"k%04d\":%d", i ? "," : "{", i, i + 1);
	}
	ml_buf_add_str(&key, "}");
	ml_buf_add_str(&b, ",{\"type\":\"grant\",\"date\":\"2020-01-01\","
	                   "\"grant\":\"g\",\"payer\":\"lf\",\"total\":"
	                   "100000000000,\"year\":2020,\"name\":\"G\"}]");
	if (tl_append(lg, b.data, &err, NULL) != 0) /* seqs 1-1002 */
		MT_FAIL_AT("append: %s", err.message);
	ml_buf_reset(&b);
	for (int i = 0; i < 100; i++) /* seqs 1003-1102 */
		ml_buf_addf(
		    &b,
		    "%c{\"type\":\"distribution\",\"date\":\"2020-02-01\","
		    "\"grant\":\"g\",\"from\":\"lf\",\"amount\":"
		    "100000000,\"key_name\":\"w\",\"key\":%s}",
		    i ? ',' : '[', key.data);
	ml_buf_add_str(&b, "]");
	if (tl_append(lg, b.data, &err, NULL) != 0)
		MT_FAIL_AT("append: %s", err.message);
	add(lg, "{'type':'correction','date':'2020-03-01','corrects':1050,"
	        "'note':'fel nyckel'}"); /* 1103 */
	struct ml_events_query q = eq(1040, 1000);
	q.type = ML_TYPE_CORRECTION;
	q.party = "k0999";
	CHECK_EVENTS(lg, &q, 1103, 1103);
	q = eq(1101, 1000);
	q.party = "k0000";
	CHECK_EVENTS(lg, &q, 1103, 1102, 1103);
	q.party = "k0500";
	q.grant = "g";
	CHECK_EVENTS(lg, &q, 1103, 1102, 1103);
	q.party = "lf";
	q.grant = NULL;
	CHECK_EVENTS(lg, &q, 1103, 1102, 1103);
	q.party = "k1000"; /* no such key party */
	CHECK_EVENTS(lg, &q, 1101, 0);
	static const char *const parties[] = {"k0000", "k0001", "k0089",
	                                      "k0999", "lf",    NULL};
	int found = 0;
	for (size_t i = 0; i < 6 * 4; i++) {
		struct ml_events_query f = eq(i % 4 * 350, 1000);
		f.party = parties[i / 4];
		f.type = i % 2 ? ML_TYPE_DISTRIBUTION : ML_TYPE_NONE;
		check_events_filter(lg, &f, &found);
	}
	MT_CHECK(found >= 12);
	MT_CHECK(tl_verify_ok(lg));
	ml_buf_free(&b);
	ml_buf_free(&key);
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_json_helpers);
	MT_RUN(test_empty);
	MT_RUN(test_balances);
	MT_RUN(test_balances_rollup);
	MT_RUN(test_balances_known_at);
	MT_RUN(test_errors);
	MT_RUN(test_trace);
	MT_RUN(test_repayments);
	MT_RUN(test_deadlines);
	MT_RUN(test_deadlines_condition);
	MT_RUN(test_events);
	MT_RUN(test_events_index);
	MT_RUN(test_events_index_dist);
	MT_RUN(test_events_index_blocks);
	MT_RUN(test_event_matches);
	MT_RUN(test_posts);
	MT_RUN(test_repayments_views);
	MT_RUN(test_deadlines_views);
	MT_RUN(test_trace_carry);
	MT_RUN(test_trace_long_activity);
	MT_RUN(test_trace_posts);
	MT_RUN(test_grants_listing);
	MT_RUN(test_parties_listing);
	MT_RUN(test_events_grant_tree);
	MT_RUN(test_corrections);
	return MT_EXIT();
}

/*
 * test_rules.c — every rule of docs/rules.md, one refusal each, with the
 * exact code, batch index, field and sentence a controller reads, and
 * the proof that a refusal changes nothing (the head hash stays).
 *
 * The model test (test_model.c) checks that the ledger decides like a
 * naive replay on 20 000 random events; this file pins down what each
 * refusal says.
 */
#include <stdio.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_ledger_internal.h"
#include "ml_state.h"
#include "ml_tails.h"
#include "mt.h"
#include "tl.h"

/* Money flows kammarkollegiet → malmo → malmo-asn in ph-2020 (use_by
 * 2020-12-31, no carry-over); ph-2019 may carry over; a post; a close. */
static const char setup[] =
    "[{'type':'party','date':'2020-01-01','party':'kk','name':'K',"
    "'kind':'state'},"
    "{'type':'party','date':'2020-01-01','party':'malmo','name':'M',"
    "'kind':'municipality'},"
    "{'type':'party','date':'2020-01-01','party':'malmo-asn','name':'ASN',"
    "'kind':'committee','parent':'malmo'},"
    "{'type':'party','date':'2020-01-01','party':'lund','name':'L',"
    "'kind':'municipality'},"
    "{'type':'grant','date':'2020-02-06','grant':'ph-2020','name':'P',"
    "'payer':'kk','total':100000000,'use_by':'2020-12-31'},"
    "{'type':'grant','date':'2019-02-01','grant':'ph-2019','name':'Q',"
    "'payer':'kk','total':5000000,'carry_over':true},"
    "{'type':'grant','date':'2020-02-07','grant':'ph-2020/post','name':'R',"
    "'payer':'kk','total':10000000,'parent':'ph-2020'},"
    "{'type':'allocation','date':'2020-02-10','grant':'ph-2020',"
    "'from':'kk','to':'malmo','amount':50000000},"
    "{'type':'payout','date':'2020-03-01','grant':'ph-2020','from':'kk',"
    "'to':'malmo','amount':50000000},"
    "{'type':'allocation','date':'2020-03-10','grant':'ph-2020',"
    "'from':'malmo','to':'malmo-asn','amount':10000000},"
    "{'type':'payout','date':'2020-03-15','grant':'ph-2020',"
    "'from':'malmo','to':'malmo-asn','amount':10000000},"
    "{'type':'expense','date':'2020-06-01','grant':'ph-2020',"
    "'party':'malmo-asn','activity':'Personal','amount':2000000},"
    "{'type':'close','date':'2019-12-31','grant':'ph-2019'}]";

struct rule_case {
	const char *name;
	const char *json; /* single quotes stand for double quotes */
	int code;
	int index;
	const char *field;
	const char *message;
};

static const struct rule_case cases[] = {
    {"unknown party",
     "{'type':'expense','date':'2020-06-02','grant':"
     "'ph-2020','party':'nobody','activity':'x','amount':1}",
     ML_E_UNKNOWN_PARTY, 0, "party",
     "party: party 'nobody' is not defined; define it with a party event "
     "first"},
    {"unknown grant",
     "[{'type':'close','date':'2021-01-01'},"
     "{'type':'expense','date':'2021-06-02','grant':'ph-2030','party':"
     "'malmo','activity':'x','amount':1}]",
     ML_E_UNKNOWN_GRANT, 1, "grant",
     "grant: grant 'ph-2030' is not defined; define it with a grant event "
     "first"},
    {"unknown event",
     "{'type':'correction','date':'2020-07-01',"
     "'corrects':99,'note':'fel'}",
     ML_E_UNKNOWN_EVENT, 0, "corrects",
     "corrects: there is no event with seq 99"},
    {"exists",
     "{'type':'grant','date':'2020-02-06','grant':'ph-2020',"
     "'name':'P','payer':'malmo','total':100000000}",
     ML_E_EXISTS, 0, "payer",
     "payer: grant ph-2020 exists with payer kk and parent none; a new "
     "definition may not change them"},
    {"parent cycle",
     "{'type':'party','date':'2020-01-01','party':'malmo',"
     "'name':'M','kind':'municipality','parent':'malmo-asn'}",
     ML_E_PARENT_CYCLE, 0, "parent",
     "parent: malmo under malmo-asn would make malmo its own ancestor"},
    {"insufficient funds",
     "{'type':'expense','date':'2020-06-30','grant':"
     "'ph-2020','party':'malmo-asn','activity':'x','amount':12000000}",
     ML_E_INSUFFICIENT_FUNDS, 0, "party",
     "malmo-asn would hold -40 000 kr of ph-2020 on 2020-06-30"},
    {"insufficient funds on a later date",
     "{'type':'payout','date':"
     "'2020-03-20','grant':'ph-2020','from':'malmo-asn','to':'lund',"
     "'amount':9000000}",
     ML_E_INSUFFICIENT_FUNDS, 0, "from",
     "malmo-asn would hold -10 000 kr of ph-2020 on 2020-06-01"},
    {"over allocation",
     "{'type':'allocation','date':'2020-04-01','grant':"
     "'ph-2020','from':'malmo','to':'lund','amount':45000000}",
     ML_E_OVER_ALLOCATION, 0, "from",
     "malmo would have allocated 50 000 kr more than it may allocate of "
     "ph-2020 on 2020-04-01"},
    {"not allocated",
     "{'type':'payout','date':'2020-04-01','grant':"
     "'ph-2020','from':'kk','to':'lund','amount':100}",
     ML_E_NOT_ALLOCATED, 0, "to",
     "lund would have received 1 kr but been allocated only 0 kr of "
     "ph-2020 on 2020-04-01"},
    {"declined beyond the allocation",
     "{'type':'decline','date':"
     "'2020-04-01','grant':'ph-2020','from':'malmo-asn','to':'malmo',"
     "'amount':10000001}",
     ML_E_NOT_ALLOCATED, 0, "amount",
     "malmo-asn would decline 0,01 kr more than malmo allocated to it of "
     "ph-2020 on 2020-04-01"},
    {"over claim",
     "{'type':'requisition','date':'2020-04-01','grant':"
     "'ph-2020','from':'kk','to':'malmo','amount':50000001}",
     ML_E_OVER_CLAIM, 0, "to",
     "malmo would have claimed 500 000,01 kr but been allocated only "
     "500 000 kr of ph-2020 on 2020-04-01"},
    {"use_by passed",
     "{'type':'expense','date':'2021-01-05','grant':"
     "'ph-2020','party':'malmo-asn','activity':'x','amount':1}",
     ML_E_USE_BY_PASSED, 0, "date",
     "date: an expense of ph-2020 dated 2021-01-05 is after its use_by "
     "2020-12-31"},
    {"bad repayment target",
     "{'type':'repayment','date':'2020-05-01',"
     "'grant':'ph-2020','from':'malmo-asn','to':'lund','amount':1}",
     ML_E_BAD_REPAYMENT_TARGET, 0, "to",
     "to: lund is neither the payer of ph-2020 nor has it paid malmo-asn "
     "anything in it by that date"},
    {"carry-over not allowed",
     "{'type':'carryover','date':'2020-12-31',"
     "'grant':'ph-2020','to_grant':'ph-2019','party':'malmo','amount':1}",
     ML_E_CARRY_OVER_NOT_ALLOWED, 0, "grant",
     "grant: ph-2020 does not allow carry-over (carry_over is not true)"},
    {"period closed",
     "{'type':'allocation','date':'2019-06-01','grant':"
     "'ph-2019','from':'kk','to':'malmo','amount':1}",
     ML_E_PERIOD_CLOSED, 0, "date",
     "date: 2019-06-01 is inside the period closed up to 2019-12-31 for "
     "ph-2019"},
    {"already corrected",
     "[{'type':'correction','date':'2020-07-01',"
     "'corrects':12,'note':'fel'},{'type':'correction','date':"
     "'2020-07-02','corrects':12,'note':'igen'}]",
     ML_E_ALREADY_CORRECTED, 1, "corrects",
     "corrects: seq 12 was already corrected by seq 14. An event is "
     "corrected at most once: to change it again, correct seq 14"},
    {"correction of a correction, twice",
     "[{'type':'correction','date':'2020-07-01',"
     "'corrects':12,'note':'fel'},{'type':'correction','date':"
     "'2020-07-02','corrects':14,'note':'det var rätt'},"
     "{'type':'correction','date':'2020-07-03','corrects':14,"
     "'note':'igen'}]",
     ML_E_ALREADY_CORRECTED, 2, "corrects",
     "corrects: seq 14 was already corrected by seq 15. An event is "
     "corrected at most once: to change it again, correct seq 15"},
    {"correction again after its correction was undone",
     "[{'type':'correction','date':'2020-07-01',"
     "'corrects':12,'note':'fel'},{'type':'correction','date':"
     "'2020-07-02','corrects':14,'note':'det var rätt'},"
     "{'type':'correction','date':'2020-07-03','corrects':12,"
     "'note':'ändå fel'}]",
     ML_E_ALREADY_CORRECTED, 2, "corrects",
     "corrects: seq 12 was already corrected by seq 14, which was "
     "corrected in turn; its latest correction is seq 15. An event is "
     "corrected at most once: to change it again, correct seq 15"},
    {"post exceeds parent",
     "{'type':'grant','date':'2020-02-08','grant':"
     "'ph-2020/big','name':'B','payer':'kk','total':50000001,'parent':"
     "'ph-2020'}",
     ML_E_POST_EXCEEDS_PARENT, 0, "total",
     "total: post ph-2020/big (500 000,01 kr) does not fit in ph-2020: its "
     "payer kk would be 100 000,01 kr short on 2020-02-10"},
};

/* Single quotes to double quotes (the cases read better with them). */
static void dq(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; in[i] != '\0' && i + 1 < size; i++)
		out[i] = in[i] == '\'' ? '"' : in[i];
	out[i] = '\0';
}

static void test_each_rule(void)
{
	char dir[4096], json[4096], before[65], after[65];
	struct ml_ledger *lg = tl_open(dir, "rules");
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	MT_CHECK_INT(tl_head(lg), 13);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct rule_case *c = &cases[i];
		struct ml_errinfo err;
		dq(c->json, json, sizeof json);
		tl_head_hash(lg, before);
		int rc = tl_append(lg, json, &err, NULL);
		tl_head_hash(lg, after);
		if (rc != c->code || err.index != c->index ||
		    strcmp(err.field, c->field) != 0 ||
		    strcmp(err.message, c->message) != 0)
			MT_FAIL_AT("%s: got %s [%d] '%s' \"%s\"", c->name,
			           ml_error_name(rc), err.index, err.field,
			           err.message);
		if (strcmp(before, after) != 0)
			MT_FAIL_AT("%s: the refusal moved the head", c->name);
	}
	tl_close(lg, dir);
}

/* Party definitions put before a case's events make its batch large
 * enough for the batch to hold its series in memory (ml_tails.h). */
#define FILLERS 31
_Static_assert(FILLERS + 2 >= ML_TAILS_BATCH_MIN, "a batch with tails");

/* FILLERS party definitions named tag-0… and then events (single-quoted
 * objects, comma-separated), as one batch. */
static void batch_of(const char *tag, const char *events, char *json,
                     size_t size)
{
	char q[8192];
	size_t n = 0;
	q[n++] = '[';
	for (int i = 0; i < FILLERS && n < sizeof q; i++)
		n += (size_t)snprintf(q + n, sizeof q - n,
		                      "{'type':'party','date':'2020-01-01',"
		                      "'party':'%s-%d','name':'F',"
		                      "'kind':'municipality'},",
		                      tag, i);
	snprintf(q + n, sizeof q - n, "%s]", events);
	dq(q, json, size);
}

/* A rule that reads what another event of the same batch changed must
 * see it, although the batch keeps its recent day records and event
 * chunks in memory (ml_tails.h): lund may repay malmo because malmo paid
 * it the day before, in the same batch; a grant's new use_by must not
 * strand an expense of the same batch. */
static void test_rule_sees_its_batch(void)
{
	char dir[4096], json[8192];
	struct ml_ledger *lg = tl_open(dir, "rules-batch");
	struct ml_errinfo err;
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	batch_of("a",
	         "{'type':'allocation','date':'2020-04-01','grant':'ph-2020',"
	         "'from':'malmo','to':'lund','amount':100000},"
	         "{'type':'payout','date':'2020-04-02','grant':'ph-2020',"
	         "'from':'malmo','to':'lund','amount':100000},"
	         "{'type':'repayment','date':'2020-04-03','grant':'ph-2020',"
	         "'from':'lund','to':'malmo','amount':100}",
	         json, sizeof json);
	int rc = tl_append(lg, json, &err, NULL);
	if (rc != 0)
		MT_FAIL_AT("got %s [%d] \"%s\"", ml_error_name(rc), err.index,
		           err.message);
	MT_CHECK_INT(tl_head(lg), 13 + FILLERS + 3);
	/* An expense after 2020-11-30 and a grant definition moving use_by
	 * to that day, in one batch: the definition sees the expense. */
	batch_of("b",
	         "{'type':'expense','date':'2020-12-10','grant':'ph-2020',"
	         "'party':'malmo-asn','activity':'x','amount':100},"
	         "{'type':'grant','date':'2020-02-06','grant':'ph-2020',"
	         "'name':'P','payer':'kk','total':100000000,"
	         "'use_by':'2020-11-30'}",
	         json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_USE_BY_PASSED);
	MT_CHECK_INT(err.index, FILLERS + 1);
	MT_CHECK_INT(tl_head(lg), 13 + FILLERS + 3);
	tl_close(lg, dir);
}

/* The same for a correction: lund repays malmo and, in the same batch,
 * the only payout from malmo to lund is corrected — refused, for the
 * repayment that is not in the database yet. */
static void test_correction_sees_its_batch(void)
{
	char dir[4096], json[8192], seq18[32];
	struct ml_ledger *lg = tl_open(dir, "rules-corr");
	struct ml_errinfo err;
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	dq("[{'type':'allocation','date':'2020-04-01','grant':'ph-2020',"
	   "'from':'malmo','to':'lund','amount':100000},"
	   "{'type':'payout','date':'2020-04-02','grant':'ph-2020',"
	   "'from':'malmo','to':'lund','amount':100000},"
	   "{'type':'allocation','date':'2020-04-01','grant':'ph-2020',"
	   "'from':'kk','to':'lund','amount':100000},"
	   "{'type':'payout','date':'2020-04-01','grant':'ph-2020',"
	   "'from':'kk','to':'lund','amount':100000}]",
	   json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	batch_of("c",
	         "{'type':'repayment','date':'2020-04-04','grant':'ph-2020',"
	         "'from':'lund','to':'malmo','amount':100},"
	         "{'type':'correction','date':'2020-07-01','corrects':15,"
	         "'note':'fel'}",
	         json, sizeof json);
	int rc = tl_append(lg, json, &err, NULL);
	MT_CHECK_INT(rc, ML_E_BAD_REPAYMENT_TARGET);
	snprintf(seq18, sizeof seq18, "repayment of seq %d", 18 + FILLERS);
	if (rc != 0)
		MT_CHECK(strstr(err.message, seq18) != NULL);
	MT_CHECK_INT(tl_head(lg), 17);
	tl_close(lg, dir);
}

/* Conditional allocations on top of the setup: 14 malmo → lund on a
 * condition (5 000 000), 15 an ordinary one (1 000 000), 16 another
 * conditional one (2 000 000), 17 its confirm. malmo may then allocate
 * 50 000 000 − 10 000 000 − 5 000 000 − 1 000 000 − 2 000 000 öre. */
static const char cond_setup[] =
    "[{'type':'allocation','date':'2020-04-01','grant':'ph-2020',"
    "'from':'malmo','to':'lund','amount':5000000,'id':'v-1',"
    "'condition':'om Lund ansöker','decide_by':'2020-05-01',"
    "'claim_by':'2020-09-30'},"
    "{'type':'allocation','date':'2020-04-01','grant':'ph-2020',"
    "'from':'malmo','to':'lund','amount':1000000},"
    "{'type':'allocation','date':'2020-04-02','grant':'ph-2020',"
    "'from':'malmo','to':'lund','amount':2000000,'id':'v-2',"
    "'condition':'beroende på måluppfyllelse'},"
    "{'type':'confirm','date':'2020-04-10','allocation':'v-2'}]";

static const struct rule_case cond_cases[] = {
    {"confirm of no event",
     "{'type':'confirm','date':'2020-04-10','allocation':99}",
     ML_E_UNKNOWN_EVENT, 0, "allocation",
     "allocation: there is no event with seq 99 before this one"},
    {"confirm of an unknown id",
     "{'type':'confirm','date':'2020-04-10','allocation':'nope'}",
     ML_E_UNKNOWN_EVENT, 0, "allocation",
     "allocation: no earlier event has id 'nope'"},
    {"confirm of a payout",
     "{'type':'confirm','date':'2020-04-10','allocation':9}",
     ML_E_INVALID_FIELD, 0, "allocation",
     "allocation: seq 9 is a payout event, not a conditional allocation"},
    {"lapse of an ordinary allocation",
     "{'type':'lapse','date':'2020-04-10','allocation':15}", ML_E_INVALID_FIELD,
     0, "allocation",
     "allocation: seq 15 is an allocation without a condition; only a "
     "conditional allocation is confirmed or lapses"},
    {"confirmed twice",
     "{'type':'confirm','date':'2020-04-11','allocation':16}",
     ML_E_ALREADY_RESOLVED, 0, "allocation",
     "allocation: seq 16 was already confirmed by seq 17; correct seq 17 "
     "first to resolve it again"},
    {"lapse after a confirm",
     "{'type':'lapse','date':'2020-04-11','allocation':'v-2'}",
     ML_E_ALREADY_RESOLVED, 0, "allocation",
     "allocation: seq 16 was already confirmed by seq 17; correct seq 17 "
     "first to resolve it again"},
    {"confirm and lapse in one batch",
     "[{'type':'confirm','date':'2020-04-11','allocation':14},"
     "{'type':'lapse','date':'2020-04-12','allocation':14}]",
     ML_E_ALREADY_RESOLVED, 1, "allocation",
     "allocation: seq 14 was already confirmed by seq 18; correct seq 18 "
     "first to resolve it again"},
    {"lapse before its allocation",
     "{'type':'lapse','date':'2020-03-31','allocation':14}", ML_E_INVALID_FIELD,
     0, "date",
     "date: 2020-03-31 is before 2020-04-01, the date of the conditional "
     "allocation seq 14 it lets lapse"},
    {"a resolved allocation corrected first",
     "{'type':'correction','date':'2020-07-01','corrects':16,'note':'fel'}",
     ML_E_INVALID_FIELD, 0, "corrects",
     "corrects: seq 16 is a conditional allocation that seq 17 resolved; "
     "correct seq 17 first"},
    {"pending money is not claimed",
     "{'type':'requisition','date':'2020-04-10','grant':'ph-2020',"
     "'from':'malmo','to':'lund','amount':3000001}",
     ML_E_OVER_CLAIM, 0, "to",
     "lund would have claimed 30 000,01 kr but been allocated only "
     "30 000 kr of ph-2020 on 2020-04-10"},
    {"pending money is not paid",
     "{'type':'payout','date':'2020-04-10','grant':'ph-2020',"
     "'from':'malmo','to':'lund','amount':3000001}",
     ML_E_NOT_ALLOCATED, 0, "to",
     "lund would have received 30 000,01 kr but been allocated only "
     "30 000 kr of ph-2020 on 2020-04-10"},
    {"pending_out is not allocated twice",
     "{'type':'allocation','date':'2020-04-10','grant':'ph-2020',"
     "'from':'malmo','to':'lund','amount':32000001}",
     ML_E_OVER_ALLOCATION, 0, "from",
     "malmo would have allocated 0,01 kr more than it may allocate of "
     "ph-2020 on 2020-04-10"},
    {"confirmed above what may be allocated",
     "{'type':'confirm','date':'2020-04-10','allocation':14,"
     "'amount':37000001}",
     ML_E_OVER_ALLOCATION, 0, "amount",
     "malmo would have allocated 0,01 kr more than it may allocate of "
     "ph-2020 on 2020-04-10"},
    {"decide_by without a condition",
     "{'type':'allocation','date':'2020-04-10','grant':'ph-2020',"
     "'from':'malmo','to':'lund','amount':1,'decide_by':'2020-05-01'}",
     ML_E_INVALID_FIELD, 0, "decide_by",
     "decide_by: needs a condition: only a conditional allocation or "
     "distribution has a date to decide by"},
};

static void run_cases(struct ml_ledger *lg, const struct rule_case *cs,
                      size_t n)
{
	char json[4096], before[65], after[65];
	for (size_t i = 0; i < n; i++) {
		const struct rule_case *c = &cs[i];
		struct ml_errinfo err;
		dq(c->json, json, sizeof json);
		tl_head_hash(lg, before);
		int rc = tl_append(lg, json, &err, NULL);
		tl_head_hash(lg, after);
		if (rc != c->code || err.index != c->index ||
		    strcmp(err.field, c->field) != 0 ||
		    strcmp(err.message, c->message) != 0)
			MT_FAIL_AT("%s: got %s [%d] '%s' \"%s\"", c->name,
			           ml_error_name(rc), err.index, err.field,
			           err.message);
		if (strcmp(before, after) != 0)
			MT_FAIL_AT("%s: the refusal moved the head", c->name);
	}
}

static void test_condition_rules(void)
{
	char dir[4096], json[4096];
	struct ml_ledger *lg = tl_open(dir, "rules-cond");
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	dq(cond_setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	MT_CHECK_INT(tl_head(lg), 17);
	run_cases(lg, cond_cases, sizeof cond_cases / sizeof cond_cases[0]);
	tl_close(lg, dir);
}

/* The account (grant, party) as of day "YYYY-MM-DD". */
static struct ml_totals acct(struct ml_ledger *lg, const char *grant,
                             const char *party, const char *day)
{
	struct ml_totals t;
	MDB_txn *txn;
	uint32_t g = 0, p = 0;
	bool exists;
	struct ml_view v = {0, false, 0};
	memset(&t, 0, sizeof t);
	MT_CHECK_INT(ml_date_parse(day, strlen(day), &v.as_of, NULL, 0), 0);
	if (ml_ledger_read_begin_txn(lg, &txn) != 0) {
		MT_FAIL_AT("no read transaction");
		return t;
	}
	struct ml_store *st = ml_ledger_store(lg);
	MT_CHECK_INT(
	    ml_state_lookup(st, txn, ML_NAME_GRANT, ml_str_c(grant), &g), 0);
	MT_CHECK_INT(
	    ml_state_lookup(st, txn, ML_NAME_PARTY, ml_str_c(party), &p), 0);
	MT_CHECK_INT(ml_state_account(st, txn, &v, g, p, &t, &exists), 0);
	ml_ledger_read_end(lg, ml_read_of(txn));
	return t;
}

/* What the buckets say along the way: pending from the allocation's
 * date, the confirmed amount from the confirm's; a corrected confirm
 * makes the allocation pending again, and it may then lapse; verify
 * rebuilds the same. */
static void test_condition_buckets(void)
{
	char dir[4096], json[4096];
	struct ml_ledger *lg = tl_open(dir, "rules-cond-b");
	struct ml_errinfo err;
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	dq(cond_setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	struct ml_totals m = acct(lg, "ph-2020", "malmo", "2020-04-05");
	struct ml_totals l = acct(lg, "ph-2020", "lund", "2020-04-05");
	MT_CHECK_INT(m.v[ML_B_PENDING_OUT], 7000000);
	MT_CHECK_INT(m.v[ML_B_ALLOCATED_OUT], 11000000);
	MT_CHECK_INT(ml_totals_unallocated(&m), 32000000);
	MT_CHECK_INT(l.v[ML_B_PENDING], 7000000);
	MT_CHECK_INT(l.v[ML_B_ALLOCATED], 1000000);
	l = acct(lg, "ph-2020", "lund", "2020-04-10");
	MT_CHECK_INT(l.v[ML_B_PENDING], 5000000);
	MT_CHECK_INT(l.v[ML_B_ALLOCATED], 3000000);
	/* 18: confirm 14 for less than estimated; 19 corrects it; 20 lets
	 * 14 lapse instead. */
	dq("[{'type':'confirm','date':'2020-04-20','allocation':14,"
	   "'amount':4000000},"
	   "{'type':'correction','date':'2020-04-21','corrects':18,"
	   "'note':'fel'},"
	   "{'type':'lapse','date':'2020-04-22','allocation':'v-1'}]",
	   json, sizeof json);
	int rc = tl_append(lg, json, &err, NULL);
	if (rc != 0)
		MT_FAIL_AT("got %s \"%s\"", ml_error_name(rc), err.message);
	m = acct(lg, "ph-2020", "malmo", "2020-04-21");
	MT_CHECK_INT(m.v[ML_B_PENDING_OUT], 5000000);
	MT_CHECK_INT(m.v[ML_B_ALLOCATED_OUT], 13000000);
	m = acct(lg, "ph-2020", "malmo", "2020-04-22");
	MT_CHECK_INT(m.v[ML_B_PENDING_OUT], 0);
	MT_CHECK_INT(ml_totals_unallocated(&m), 37000000);
	l = acct(lg, "ph-2020", "lund", "2020-12-31");
	MT_CHECK_INT(l.v[ML_B_PENDING], 0);
	MT_CHECK_INT(l.v[ML_B_ALLOCATED], 3000000);
	MT_CHECK(tl_verify_ok(lg));
	/* 21: lund claims 30 000 kr; correcting confirm 17 would leave the
	 * claim without a decision: refused with the claim's rule. */
	dq("[{'type':'requisition','date':'2020-05-01','grant':'ph-2020',"
	   "'from':'malmo','to':'lund','amount':3000000}]",
	   json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	dq("{'type':'correction','date':'2020-07-01','corrects':17,"
	   "'note':'fel'}",
	   json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_OVER_CLAIM);
	MT_CHECK_INT(tl_head(lg), 21);
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_each_rule);
	MT_RUN(test_rule_sees_its_batch);
	MT_RUN(test_correction_sees_its_batch);
	MT_RUN(test_condition_rules);
	MT_RUN(test_condition_buckets);
	return MT_EXIT();
}

/*
 * test_corrections.c — corrections into a closed period, corrections of
 * corrections, and the claim-edge rule, each with the balances a
 * controller would read before and after, and verify rebuilding them.
 *
 * Storsthlm's expense of 2020-06-01 is found wrong after 2020 is closed:
 * the correction reverses it on its own date in 2021 and the balance as
 * of every closed date stays what it was; correcting that correction,
 * and that one again, after another close, follows docs/rules.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_buf.h"
#include "ml_date.h"
#include "ml_export.h"
#include "ml_money.h"
#include "ml_state.h"
#include "mt.h"
#include "tl.h"

#define SPENT_ORE 100000000LL /* the wrong expense: 1 000 000 kr */
#define SHARE_ORE 43301200LL  /* storsthlm → sodertalje: 433 012 kr */

static const char setup[] =
    "[{'type':'party','date':'2020-01-01','party':'kk','name':'K',"
    "'kind':'state'},"
    "{'type':'party','date':'2020-01-01','party':'storsthlm','name':'S',"
    "'kind':'county_association'},"
    "{'type':'party','date':'2020-01-01','party':'sodertalje','name':'T',"
    "'kind':'municipality'},"
    "{'type':'grant','date':'2020-01-10','grant':'g','name':'G',"
    "'payer':'kk','total':1000000000,'use_by':'2021-12-31'},"
    "{'type':'allocation','date':'2020-02-01','grant':'g','from':'kk',"
    "'to':'storsthlm','amount':500000000},"
    "{'type':'payout','date':'2020-02-10','grant':'g','from':'kk',"
    "'to':'storsthlm','amount':500000000},"
    "{'type':'allocation','date':'2020-03-01','grant':'g','from':"
    "'storsthlm','to':'sodertalje','amount':43301200},"
    "{'type':'expense','date':'2020-06-01','grant':'g','party':"
    "'storsthlm','activity':'Fel konto','amount':100000000},"
    "{'type':'close','date':'2020-12-31','grant':'g'}]";

static void dq(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; in[i] != '\0' && i + 1 < size; i++)
		out[i] = in[i] == '\'' ? '"' : in[i];
	out[i] = '\0';
}

static int append(struct ml_ledger *lg, const char *sq, struct ml_errinfo *err)
{
	char json[8192];
	dq(sq, json, sizeof json);
	return tl_append(lg, json, err, NULL);
}

/* storsthlm's spent in g as of ymd (known by known_seq, 0 = all). */
static int64_t spent(struct ml_ledger *lg, int32_t ymd, uint64_t known_seq)
{
	MDB_txn *txn;
	struct ml_store *st = ml_ledger_store(lg);
	struct ml_totals t = {{0}};
	uint32_t g = 0, p = 0;
	bool exists;
	struct ml_view v = {
	    ml_date_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100),
	    known_seq != 0, known_seq};
	if (ml_ledger_read_begin_txn(lg, &txn) != 0)
		return -1;
	MT_CHECK(ml_state_lookup(st, txn, ML_NAME_GRANT,
	                         (struct ml_str){"g", 1}, &g) == 0);
	MT_CHECK(ml_state_lookup(st, txn, ML_NAME_PARTY,
	                         (struct ml_str){"storsthlm", 9}, &p) == 0);
	MT_CHECK(ml_state_account(st, txn, &v, g, p, &t, &exists) == 0);
	ml_ledger_read_end(lg, ml_read_of(txn));
	return t.v[ML_B_SPENT];
}

/* The hledger journal of the whole ledger (malloc'ed text). */
static char *journal(struct ml_ledger *lg)
{
	MDB_txn *txn;
	struct ml_export *x = NULL;
	struct ml_errinfo err;
	struct ml_buf b;
	bool done = false;
	int rc = ml_ledger_read_begin_txn(lg, &txn);
	if (rc != 0)
		return NULL;
	ml_buf_init(&b, 1u << 24);
	rc = ml_export_begin(lg, ml_read_of(txn), ML_EXPORT_LEDGER, NULL, &x,
	                     &err);
	while (rc == 0 && !done)
		rc = ml_export_next(x, ml_read_of(txn), &b, 1u << 16, &done);
	ml_export_end(x);
	ml_ledger_read_end(lg, ml_read_of(txn));
	char *text = rc == 0 ? strdup(b.data) : NULL;
	ml_buf_free(&b);
	return text;
}

/* The journal shows each link of the chain as a transaction at the date
 * it changed what counts from: the reversal on 2021-02-01 (seq 10), and
 * (seq 14) the expense counted again on 2021-05-01. */
static void check_journal(struct ml_ledger *lg)
{
	char *j = journal(lg);
	MT_REQUIRE(j != NULL);
	if (getenv("SHOW_JOURNAL"))
		fputs(j, stdout);
	MT_CHECK(strstr(j, "2021-02-01 (10) reverses seq 8") != NULL);
	MT_CHECK(strstr(j, "2021-05-01 (14) counts again seq 8") != NULL);
	free(j);
}

static void test_closed_period(void)
{
	char dir[4096];
	struct ml_errinfo err;
	struct ml_ledger *lg = tl_open(dir, "corr-closed");
	MT_REQUIRE(append(lg, setup, NULL) == 0);
	MT_REQUIRE(tl_head(lg) == 9);
	/* Dated inside the closed period: refused, naming the date. */
	int rc = append(lg,
	                "{'type':'correction','date':'2020-12-15','corrects':8,"
	                "'note':'fel konto'}",
	                &err);
	MT_CHECK_INT(rc, ML_E_PERIOD_CLOSED);
	MT_CHECK_STR(err.field, "date");
	MT_CHECK_STR(err.message, "date: 2020-12-15 is inside the period "
	                          "closed up to 2020-12-31 for g");
	/* Dated in the open period: reversed on 2021-02-01 (seq 10). */
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2021-02-01',"
	                  "'corrects':8,'note':'fel konto'}",
	                  NULL) == 0);
	MT_CHECK_INT(spent(lg, 20201231, 0), SPENT_ORE); /* closed: as was */
	MT_CHECK_INT(spent(lg, 20210131, 0), SPENT_ORE);
	MT_CHECK_INT(spent(lg, 20210201, 0), 0);
	MT_CHECK_INT(spent(lg, 20210201, 9), SPENT_ORE); /* known before */
	/* Undoing the reversal while its date is open: as if never (11). */
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2021-03-01',"
	                  "'corrects':10,'note':'kontot var rätt'}",
	                  NULL) == 0);
	MT_CHECK_INT(spent(lg, 20210215, 0), SPENT_ORE);
	MT_CHECK_INT(spent(lg, 20210215, 10), 0);
	/* And undoing that: the reversal of 2021-02-01 again (12). */
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2021-03-02',"
	                  "'corrects':11,'note':'ändå fel'}",
	                  NULL) == 0);
	MT_CHECK_INT(spent(lg, 20210131, 0), SPENT_ORE);
	MT_CHECK_INT(spent(lg, 20210201, 0), 0);
	/* Q1 2021 closed (13); seq 12's reversal lies inside it, so undoing
	 * it counts the expense again from the new correction's date (14). */
	MT_REQUIRE(append(lg, "{'type':'close','date':'2021-03-31'}", NULL) ==
	           0);
	int64_t q1 = spent(lg, 20210331, 0);
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2021-05-01',"
	                  "'corrects':12,'note':'rätt till slut'}",
	                  NULL) == 0);
	MT_CHECK_INT(q1, 0);
	MT_CHECK_INT(spent(lg, 20210331, 0), q1);
	MT_CHECK_INT(spent(lg, 20210430, 0), 0);
	MT_CHECK_INT(spent(lg, 20210501, 0), SPENT_ORE);
	MT_CHECK_INT(spent(lg, 20201231, 0), SPENT_ORE);
	/* The expense itself is corrected already: name the latest link. */
	rc = append(lg,
	            "{'type':'correction','date':'2021-06-01','corrects':8,"
	            "'note':'igen'}",
	            &err);
	MT_CHECK_INT(rc, ML_E_ALREADY_CORRECTED);
	MT_CHECK(strstr(err.message, "correct seq 14") != NULL);
	MT_CHECK(tl_verify_ok(lg));
	check_journal(lg);
	tl_close(lg, dir);
}

static void test_claim_edge(void)
{
	char dir[4096], want[256], m[ML_MONEY_TEXT_MAX], before[65], after[65];
	struct ml_errinfo err;
	struct ml_ledger *lg = tl_open(dir, "corr-claims");
	MT_REQUIRE(append(lg, setup, NULL) == 0);
	/* The invoice entered with its parties swapped. */
	tl_head_hash(lg, before);
	int rc = append(lg,
	                "{'type':'invoice','date':'2021-01-15','grant':'g',"
	                "'from':'sodertalje','to':'storsthlm','amount':"
	                "43301200,'invoice_no':'F-1'}",
	                &err);
	tl_head_hash(lg, after);
	MT_CHECK_INT(rc, ML_E_OVER_CLAIM);
	MT_CHECK_STR(err.field, "from");
	MT_CHECK_STR(before, after);
	snprintf(want, sizeof want,
	         "sodertalje has allocated %s to storsthlm in g but storsthlm "
	         "would have claimed ",
	         ml_money_format(0, m, sizeof m));
	MT_CHECK(strncmp(err.message, want, strlen(want)) == 0);
	snprintf(want, sizeof want, "claimed %s from it by 2021-01-15",
	         ml_money_format(SHARE_ORE, m, sizeof m));
	MT_CHECK(strstr(err.message, want) != NULL);
	/* A requisition from the grant's payer needs no allocation on the
	 * edge kk → sodertalje (sodertalje's own allocation covers it). */
	MT_CHECK_INT(append(lg,
	                    "{'type':'requisition','date':'2021-01-14',"
	                    "'grant':'g','from':'kk','to':'sodertalje',"
	                    "'amount':100}",
	                    NULL),
	             0);
	/* The right way round, for the rest: accepted. */
	MT_CHECK_INT(append(lg,
	                    "{'type':'invoice','date':'2021-01-15','grant':"
	                    "'g','from':'storsthlm','to':'sodertalje',"
	                    "'amount':43301100,'invoice_no':'F-1'}",
	                    NULL),
	             0);
	/* A back-dated decline that would leave the edge claimed past its
	 * allocation on a later date: refused. */
	rc = append(lg,
	            "{'type':'decline','date':'2021-01-10','grant':'g','from':"
	            "'sodertalje','to':'storsthlm','amount':101}",
	            &err);
	MT_CHECK_INT(rc, ML_E_OVER_CLAIM);
	MT_CHECK(strstr(err.message, "by 2021-01-15") != NULL);
	MT_CHECK(tl_verify_ok(lg));
	tl_close(lg, dir);
}

/* A confirm closed in, then corrected in the open period: the reversal
 * on the correction's date makes the allocation pending again, and
 * verify rebuilds that reversal from the allocation the confirm names
 * (it once replayed it without amounts and reported a difference). */
static void test_closed_confirm(void)
{
	char dir[4096];
	struct ml_ledger *lg = tl_open(dir, "corr-confirm");
	MT_REQUIRE(
	    append(lg,
	           "[{'type':'party','date':'2020-01-01','party':'kk',"
	           "'name':'K','kind':'state'},"
	           "{'type':'party','date':'2020-01-01','party':'ksl',"
	           "'name':'L','kind':'county_association'},"
	           "{'type':'grant','date':'2020-01-10','grant':'g',"
	           "'name':'G','payer':'kk','total':10000000},"
	           "{'type':'allocation','date':'2020-02-01','grant':'g',"
	           "'from':'kk','to':'ksl','amount':7500000,"
	           "'condition':'handlingsplan','decide_by':'2020-02-07',"
	           "'id':'oj'},"
	           "{'type':'confirm','date':'2020-02-05',"
	           "'allocation':'oj'},"
	           "{'type':'close','date':'2020-03-31','grant':'g'}]",
	           NULL) == 0);
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2020-04-02',"
	                  "'corrects':5,'note':'planen kom aldrig'}",
	                  NULL) == 0);
	MT_CHECK(tl_verify_ok(lg));
	tl_close(lg, dir);
}

/* An allocation is resolved once, also across correction chains:
 * confirm (5), correct it (6), confirm again (7); correcting the
 * correction (which would bring back confirm 5 beside 7) is refused as
 * already_resolved naming the confirm that counts, and changes nothing;
 * once 7 is corrected (8), a lapse (9) is refused while the correction
 * of the correction (10) brings 5 back: 5 resolves the allocation. */
static void test_resolved_once(void)
{
	char dir[4096];
	struct ml_errinfo err;
	struct ml_ledger *lg = tl_open(dir, "corr-once");
	MT_REQUIRE(
	    append(lg,
	           "[{'type':'party','date':'2020-01-01','party':'kk',"
	           "'name':'K','kind':'state'},"
	           "{'type':'party','date':'2020-01-01','party':'ksl',"
	           "'name':'L','kind':'county_association'},"
	           "{'type':'grant','date':'2020-01-10','grant':'g',"
	           "'name':'G','payer':'kk','total':10000000},"
	           "{'type':'allocation','date':'2020-02-01','grant':'g',"
	           "'from':'kk','to':'ksl','amount':7500000,"
	           "'condition':'handlingsplan','decide_by':'2020-02-07'},"
	           "{'type':'confirm','date':'2020-02-05','allocation':4}]",
	           NULL) == 0);
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2020-02-06',"
	                  "'corrects':5,'note':'fel belopp'}",
	                  NULL) == 0);
	MT_REQUIRE(append(lg,
	                  "{'type':'confirm','date':'2020-02-07',"
	                  "'allocation':4,'amount':7000000}",
	                  NULL) == 0);
	int rc = append(lg,
	                "{'type':'correction','date':'2020-02-08',"
	                "'corrects':6,'note':'ändå rätt'}",
	                &err);
	MT_CHECK_INT(rc, ML_E_ALREADY_RESOLVED);
	MT_CHECK_STR(err.field, "corrects");
	MT_CHECK(strstr(err.message, "seq 7 has resolved the allocation "
	                             "seq 4") != NULL);
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2020-02-08',"
	                  "'corrects':7,'note':'fel'}",
	                  NULL) == 0);
	MT_REQUIRE(append(lg,
	                  "{'type':'correction','date':'2020-02-09',"
	                  "'corrects':6,'note':'ändå rätt'}",
	                  NULL) == 0);
	rc = append(lg, "{'type':'lapse','date':'2020-02-10','allocation':4}",
	            &err);
	MT_CHECK_INT(rc, ML_E_ALREADY_RESOLVED);
	MT_CHECK(strstr(err.message, "already confirmed by seq 5; correct "
	                             "seq 9 first") != NULL);
	MT_CHECK(tl_verify_ok(lg));
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_closed_period);
	MT_RUN(test_claim_edge);
	MT_RUN(test_closed_confirm);
	MT_RUN(test_resolved_once);
	return MT_EXIT();
}

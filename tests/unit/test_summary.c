/*
 * test_summary.c — the kept summaries (ml_summary.h) against the walk.
 *
 * Two ledgers get the same seeded random events, one batch at a time:
 * "kept" is opened with ML_OPEN_SUMMARIES, as medeld opens its ledger,
 * "walk" without, as the CLI does, so every one of its answers reads
 * the grants' accounts afresh. After every commit the deadlines,
 * repayments, statement, balances and trace answers of both must be the
 * same bytes (the statement reads its flows from the summaries' edges,
 * its sums from their legal entities' and its members from the kept
 * party tree; every answer its grants from the kept grants; the trace of
 * one grant its nodes and flows from ML_SUM_TRACE, ml_summary.h), for
 *
 *   - as_of = "today" (a day after every event) or up to 29 days
 *     later, asked first after each commit: the kept ledger then holds
 *     summaries built before the commit at "today", which answer that
 *     date and, being settled (no record on or after it), every later
 *     one; so a commit that failed to make its grant's summary stale
 *     shows here;
 *   - a date years later (a settled summary reused), the latest date
 *     appended so far (a record on that day: kept for that date alone)
 *     and the day after it, and a random date (a summary per date: the
 *     slot is replaced, then "today" is asked again so the next commit
 *     meets a kept summary);
 *   - known_at (never kept: both walk).
 *
 * The events are those that change deadlines and repayments:
 * allocations (with claim_by, with a condition and decide_by), their
 * confirms and lapses, requisitions, payouts, expenses, repayments,
 * reports, closes, corrections of any earlier event, and a party moved
 * under another legal entity and back, a few posts defined under
 * ph-2020 (the kept grants go stale); dates over 2020 and early 2021,
 * so many are back-dated and many are refused by the rules (refused
 * batches must be refused by both). Each answer is also asked a second
 * time of the kept ledger (then from the summary just built).
 *
 * MEDEL_SUMMARY_SEED and MEDEL_SUMMARY_EVENTS override the seed and the
 * number of batches. Cost: eight answers per view and commit on small
 * ledgers, about a second.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_json.h"
#include "mt.h"
#include "tl.h"

#define EVENTS_DEFAULT 800
#define SEED_DEFAULT   20261203ULL
#define NPARTY         7
#define NPAIR          7
#define NGRANT         3
#define CONDS_MAX      256

static const char *const PARTY[NPARTY] = {
    "kk", "skr", "malmo", "malmo-asn", "lund", "solna", "lund-unit"};
static const char *const GRANT[NGRANT] = {"ph-2020", "ph-2020/post",
                                          "vux-2020"};
/* (from, to) indices into PARTY along which money flows */
static const int PAIR[NPAIR][2] = {{0, 1}, {0, 4}, {1, 2}, {1, 4},
                                   {2, 3}, {0, 5}, {4, 6}};

static const char *const SETUP[] = {
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"kk\","
    "\"name\":\"KK\",\"kind\":\"state\"}",
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"skr\","
    "\"name\":\"SKR\",\"kind\":\"association\"}",
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"malmo\","
    "\"name\":\"Malmö\",\"kind\":\"municipality\"}",
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"malmo-asn\","
    "\"name\":\"ASN\",\"kind\":\"committee\",\"parent\":\"malmo\"}",
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"lund\","
    "\"name\":\"Lund\",\"kind\":\"municipality\"}",
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"solna\","
    "\"name\":\"Solna\",\"kind\":\"municipality\"}",
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"lund-unit\","
    "\"name\":\"Lund enhet\",\"kind\":\"unit\",\"parent\":\"lund\"}",
    "{\"type\":\"grant\",\"date\":\"2020-01-10\",\"grant\":\"ph-2020\","
    "\"name\":\"PH\",\"payer\":\"kk\",\"total\":100000000,\"year\":2020,"
    "\"use_by\":\"2020-12-31\",\"report_by\":\"2021-01-31\","
    "\"repay_by\":\"2021-03-31\"}",
    "{\"type\":\"grant\",\"date\":\"2020-01-10\",\"grant\":\"ph-2020/post\","
    "\"name\":\"PH post\",\"payer\":\"kk\",\"parent\":\"ph-2020\","
    "\"total\":20000000}",
    "{\"type\":\"grant\",\"date\":\"2020-01-10\",\"grant\":\"vux-2020\","
    "\"name\":\"Vux\",\"payer\":\"kk\",\"total\":50000000,\"year\":2020,"
    "\"use_by\":\"2020-09-30\",\"report_by\":\"2020-10-31\"}",
};

/* An expense's activity (the trace's), with a unit or not; one whose
 * JSON needs escapes (the kept trace holds its text escaped). */
static const char *const ACTIVITY[3] = {"A", "A\",\"unit\":\"h",
                                        "Bå \\\"x\\\""};

struct run {
	struct ml_ledger *kept, *walk;
	uint64_t rng;
	ml_day day_lo, day_hi, today, latest;
	int conds[CONDS_MAX]; /* ids c-N of conditional allocations sent */
	int cond_count, next_cond;
	int lund_under_skr; /* the party moved and back */
	int posts;          /* posts defined under ph-2020 as it ran */
	long accepted, refused, compared;
};

static const char *fmt_day(ml_day d, char *buf)
{
	return ml_date_format(d, buf, ML_DATE_TEXT_MAX);
}

typedef int (*answer_fn)(struct ml_ledger *, struct ml_read *,
                         const struct ml_query *, cJSON **,
                         struct ml_errinfo *);

/* The answer in read transaction rd as text, or NULL with the error
 * printed. */
static char *answer_in(struct ml_ledger *lg, struct ml_read *rd, answer_fn fn,
                       const struct ml_query *q)
{
	struct ml_errinfo err;
	cJSON *doc = NULL;
	char *text = NULL;
	int rc = fn(lg, rd, q, &doc, &err);
	if (rc == 0) {
		struct ml_buf b;
		ml_buf_init(&b, 1u << 24);
		if (ml_json_print(doc, &b) == 0)
			text = strdup(b.data);
		ml_buf_free(&b);
	} else {
		MT_FAIL_AT("answer failed: %s", err.message);
	}
	cJSON_Delete(doc);
	return text;
}

/* The answer in a read transaction of its own. */
static char *answer(struct ml_ledger *lg, answer_fn fn,
                    const struct ml_query *q)
{
	struct ml_read *rd = NULL;
	if (ml_ledger_read_begin(lg, &rd) != 0)
		return NULL;
	char *text = answer_in(lg, rd, fn, q);
	ml_ledger_read_end(lg, rd);
	return text;
}

/* text without the values of "hash" and "recorded_at" (in place): the
 * two ledgers stamp each event with their own clock, which a
 * statement's head hash and its reports show. */
static char *unclocked(char *text)
{
	static const char *const keys[] = {"\"hash\":\"", "\"recorded_at\":\""};
	for (size_t k = 0; text != NULL && k < 2; k++) {
		for (char *at = strstr(text, keys[k]); at != NULL;
		     at = strstr(at, keys[k])) {
			at += strlen(keys[k]);
			char *end = strchr(at, '"');
			if (end == NULL)
				break;
			memmove(at, end, strlen(end) + 1);
		}
	}
	return text;
}

/* The kept ledger's answer (asked twice) against the walk's. */
static void same(struct run *r, answer_fn fn, const struct ml_query *q,
                 const char *what)
{
	char *want = unclocked(answer(r->walk, fn, q));
	for (int i = 0; i < 2; i++) {
		char *got = unclocked(answer(r->kept, fn, q));
		if (want == NULL || got == NULL || strcmp(got, want) != 0) {
			char d[ML_DATE_TEXT_MAX];
			MT_FAIL_AT("%s as of %s (ask %d), after %ld commits:\n"
			           "  kept %s\n  walk %s",
			           what, fmt_day(q->as_of, d), i + 1,
			           r->accepted, got ? got : "(none)",
			           want ? want : "(none)");
		}
		r->compared++;
		free(got);
	}
	free(want);
}

static void compare_at(struct run *r, ml_day as_of, bool known)
{
	struct ml_query q;
	ml_query_init(&q);
	q.as_of = as_of;
	if (known) {
		q.has_known_at = true;
		q.known_at_us = INT64_MAX; /* everything: still not kept */
	}
	/* the trace of one grant is written from its summary's nodes and
	 * flows (ML_SUM_TRACE), asked first so that it meets the summary
	 * kept before the commit (the others' would replace it); with
	 * posts it is read afresh */
	q.grant = GRANT[0];
	same(r, ml_answer_trace, &q, "trace grant=ph-2020");
	q.posts = true;
	same(r, ml_answer_trace, &q, "trace grant=ph-2020 posts");
	q.posts = false;
	q.grant = GRANT[2];
	same(r, ml_answer_trace, &q, "trace grant=vux-2020");
	q.grant = NULL;
	same(r, ml_answer_deadlines, &q, "deadlines");
	/* every grant, from the kept grants (ml_grants_kept) */
	same(r, ml_answer_balances, &q, "balances");
	q.party = "malmo-asn";
	same(r, ml_answer_balances, &q, "balances party=malmo-asn");
	q.party = NULL;
	q.grant = GRANT[0];
	same(r, ml_answer_repayments, &q, "repayments grant=ph-2020");
	q.grant = NULL;
	q.year = 2020;
	same(r, ml_answer_repayments, &q, "repayments year=2020");
	/* the statement's flows come from the summaries' edges and its
	 * members from the kept party tree (skr's grow while lund is
	 * under it); kk is the payer */
	static const char *const entity[] = {"kk", "skr", "malmo", "solna"};
	q.year = 0;
	q.grant = GRANT[0];
	for (size_t i = 0; i < sizeof entity / sizeof *entity; i++) {
		char what[64];
		snprintf(what, sizeof what, "statement party=%s grant=%s",
		         entity[i], GRANT[0]);
		q.party = entity[i];
		same(r, ml_answer_statement, &q, what);
	}
}

static void compare(struct run *r)
{
	/* meets the summaries kept before the commit: at their date, or
	 * after it (a settled summary answers every later date) */
	compare_at(r, r->today + tl_pick(&r->rng, 30), false);
	compare_at(r, r->today + 30 + tl_pick(&r->rng, 3000), false);
	compare_at(r, r->latest, false); /* a record on the date: not settled */
	compare_at(r, r->latest + 1, false);
	compare_at(r, r->day_lo + tl_pick(&r->rng, r->day_hi - r->day_lo + 1),
	           false);
	if (tl_pick(&r->rng, 4) == 0)
		compare_at(r, r->today, true);
	compare_at(r, r->today, false); /* kept for the next commit */
}

/* The optional fields of an allocation: a claim_by, or a condition
 * (its id c-N noted in *cond, kept when the batch is stored). */
static void gen_alloc_extra(struct run *r, char *extra, size_t cap, int *cond)
{
	char d[ML_DATE_TEXT_MAX];
	int k = tl_pick(&r->rng, 4);
	*cond = 0;
	extra[0] = '\0';
	if (k < 2)
		snprintf(extra, cap, ",\"claim_by\":\"%s\"",
		         fmt_day(r->day_lo + tl_pick(&r->rng, 500), d));
	if (k == 2 && r->cond_count < CONDS_MAX) {
		*cond = ++r->next_cond;
		snprintf(extra, cap,
		         ",\"id\":\"c-%d\",\"condition\":\"om\","
		         "\"decide_by\":\"%s\"",
		         *cond, fmt_day(r->day_lo + tl_pick(&r->rng, 500), d));
	}
}

/* One event of a money type along pair p in grant g. */
static int gen_one(struct run *r, char *out, size_t cap, const char *type,
                   const int *p, const char *g, const char *date,
                   int64_t amount, int *cond)
{
	char extra[160] = "";
	if (strcmp(type, "allocation") == 0)
		gen_alloc_extra(r, extra, sizeof extra, cond);
	if (strcmp(type, "expense") == 0)
		return snprintf(out, cap,
		                "{\"type\":\"expense\",\"date\":\"%s\","
		                "\"grant\":\"%s\",\"party\":\"%s\","
		                "\"activity\":\"%s\",\"amount\":%" PRId64 "}",
		                date, g, PARTY[p[1]],
		                ACTIVITY[tl_pick(&r->rng, 3)], amount);
	if (strcmp(type, "repayment") == 0)
		return snprintf(out, cap,
		                "{\"type\":\"repayment\",\"date\":\"%s\","
		                "\"grant\":\"%s\",\"from\":\"%s\","
		                "\"to\":\"%s\",\"amount\":%" PRId64 "}",
		                date, g, PARTY[p[1]], PARTY[p[0]], amount);
	return snprintf(out, cap,
	                "{\"type\":\"%s\",\"date\":\"%s\",\"grant\":\"%s\","
	                "\"from\":\"%s\",\"to\":\"%s\",\"amount\":%" PRId64
	                "%s}",
	                type, date, g, PARTY[p[0]], PARTY[p[1]], amount, extra);
}

/* A money event of a random type along a random pair, or a batch of an
 * allocation and its payout (so that money flows down the pairs and
 * the later events have something to move). */
static void gen_money(struct run *r, char *out, size_t cap, const char *date,
                      int *cond)
{
	static const char *const types[] = {
	    "allocation", "requisition", "payout", "expense", "expense",
	    "repayment",  "chain",       "chain",  "chain"};
	const char *type = types[tl_pick(&r->rng, 9)];
	const int *p = PAIR[tl_pick(&r->rng, NPAIR)];
	const char *g = GRANT[tl_pick(&r->rng, NGRANT)];
	int64_t amount = 1000 * (1 + tl_pick(&r->rng, 200));
	if (strcmp(type, "chain") != 0) {
		gen_one(r, out, cap, type, p, g, date, amount, cond);
		return;
	}
	int n = snprintf(out, cap, "[");
	n += gen_one(r, out + n, cap - (size_t)n, "allocation", p, g, date,
	             amount * 4, cond);
	n += snprintf(out + n, cap - (size_t)n, ",");
	n += gen_one(r, out + n, cap - (size_t)n, "payout", p, g, date,
	             amount * (*cond ? 1 : 3), cond);
	snprintf(out + n, cap - (size_t)n, "]");
}

/* Anything else that changes the two answers. */
static void gen_other(struct run *r, char *out, size_t cap, const char *date,
                      uint64_t head)
{
	int k = tl_pick(&r->rng, 10);
	if (k < 3 || k == 8) {
		snprintf(
		    out, cap,
		    "{\"type\":\"report\",\"date\":\"%s\",\"grant\":\"%s\","
		    "\"party\":\"%s\"}",
		    date, GRANT[tl_pick(&r->rng, NGRANT)],
		    PARTY[1 + tl_pick(&r->rng, 6)]);
	} else if (k < 5 && head > 0) {
		snprintf(out, cap,
		         "{\"type\":\"correction\",\"date\":\"%s\","
		         "\"corrects\":%" PRIu64 ",\"note\":\"fel\"}",
		         date, 1 + tl_random(&r->rng) % head);
	} else if (k < 8 && r->cond_count > 0) {
		snprintf(out, cap,
		         "{\"type\":\"%s\",\"date\":\"%s\","
		         "\"allocation\":\"c-%d\"}",
		         tl_pick(&r->rng, 2) ? "confirm" : "lapse", date,
		         r->conds[tl_pick(&r->rng, r->cond_count)]);
	} else if (k == 9 && tl_pick(&r->rng, 3) == 0) {
		char d[ML_DATE_TEXT_MAX];
		/* early closes only, or nothing after them could be stored */
		snprintf(
		    out, cap,
		    "{\"type\":\"close\",\"date\":\"%s\",\"grant\":\"%s\"}",
		    fmt_day(r->day_lo + 30 + tl_pick(&r->rng, 60), d),
		    GRANT[tl_pick(&r->rng, NGRANT)]);
	} else {
		r->lund_under_skr = !r->lund_under_skr;
		snprintf(out, cap,
		         "{\"type\":\"party\",\"date\":\"2020-01-01\","
		         "\"party\":\"lund\",\"name\":\"Lund\","
		         "\"kind\":\"municipality\"%s}",
		         r->lund_under_skr ? ",\"parent\":\"skr\"" : "");
	}
}

/* A new post under ph-2020 (a grant definition: the kept grants go
 * stale, and the statement, deadlines and balances must list it). Ids
 * that sort before the others' and after them. */
static void gen_post(struct run *r, char *out, size_t cap)
{
	int n = ++r->posts;
	snprintf(out, cap,
	         "{\"type\":\"grant\",\"date\":\"2020-01-10\","
	         "\"grant\":\"%s-%d\",\"name\":\"Post %d\",\"payer\":\"kk\","
	         "\"parent\":\"ph-2020\",\"total\":1000000,"
	         "\"use_by\":\"2020-12-31\"}",
	         n % 2 ? "a-post" : "zz-post", n, n);
}

/* Appends json to both ledgers; they must agree. */
static bool append_both(struct run *r, const char *json)
{
	struct ml_errinfo ea, eb;
	int a = tl_append(r->kept, json, &ea, NULL);
	int b = tl_append(r->walk, json, &eb, NULL);
	if (a != b)
		MT_FAIL_AT("%s: kept %d (%s), walk %d (%s)", json, a,
		           ea.message, b, eb.message);
	if (a == 0)
		r->accepted++;
	else
		r->refused++;
	return a == 0;
}

static void step(struct run *r)
{
	char json[1024], date[ML_DATE_TEXT_MAX];
	int cond = 0;
	ml_day day = r->day_lo + tl_pick(&r->rng, r->day_hi - r->day_lo + 1);
	fmt_day(day, date);
	if (r->posts < 8 && tl_pick(&r->rng, 60) == 0)
		gen_post(r, json, sizeof json);
	else if (tl_pick(&r->rng, 4) == 0)
		gen_other(r, json, sizeof json, date, tl_head(r->kept));
	else
		gen_money(r, json, sizeof json, date, &cond);
	if (!append_both(r, json))
		return;
	if (cond != 0 && r->cond_count < CONDS_MAX)
		r->conds[r->cond_count++] = cond;
	if (day > r->latest)
		r->latest = day;
	compare(r);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? strtoull(v, NULL, 10) : dflt;
}

static void test_kept_against_walk(void)
{
	char dk[4096], dw[4096];
	struct ml_open_opts opts = {.flags = ML_OPEN_SUMMARIES};
	struct run r;
	memset(&r, 0, sizeof r);
	r.kept = tl_open_with(dk, "summary-kept", &opts);
	r.walk = tl_open(dw, "summary-walk");
	r.rng = env_u64("MEDEL_SUMMARY_SEED", SEED_DEFAULT) * 2 + 1;
	r.day_lo = tl_day("2020-01-15");
	r.day_hi = tl_day("2021-04-30");
	r.today = tl_day("2021-06-01");
	r.latest = tl_day("2020-01-10");
	for (size_t i = 0; i < sizeof SETUP / sizeof *SETUP; i++)
		MT_REQUIRE(append_both(&r, SETUP[i]));
	long n = (long)env_u64("MEDEL_SUMMARY_EVENTS", EVENTS_DEFAULT);
	for (long i = 0; i < n && mt_failures < 5; i++)
		step(&r);
	fprintf(stderr,
	        "test_summary: seed %" PRIu64 ", %ld batches stored, %ld "
	        "refused, %ld answers compared, %d posts defined\n",
	        env_u64("MEDEL_SUMMARY_SEED", SEED_DEFAULT), r.accepted,
	        r.refused, r.compared, r.posts);
	/* the run must have stored enough to mean something, and changed
	 * the kept grants between its answers */
	MT_CHECK(r.accepted > n / 3);
	MT_CHECK(n < EVENTS_DEFAULT || r.posts >= 3);
	tl_close(r.kept, dk);
	tl_close(r.walk, dw);
}

/* A reader whose transaction began before a commit may not use a
 * summary built after it (nor the other way round): the summary is
 * stamped with its builder's head, and the commit's change lies between
 * the two heads. Asked in that order, a reader that compared only the
 * summary's stamp with the changes would answer the old snapshot with
 * the new totals. */
static void test_old_reader(void)
{
	char dk[4096], dw[4096];
	struct ml_open_opts opts = {.flags = ML_OPEN_SUMMARIES};
	struct run r;
	memset(&r, 0, sizeof r);
	r.kept = tl_open_with(dk, "summary-old-kept", &opts);
	r.walk = tl_open(dw, "summary-old-walk");
	for (size_t i = 0; i < sizeof SETUP / sizeof *SETUP; i++)
		MT_REQUIRE(append_both(&r, SETUP[i]));
	MT_REQUIRE(append_both(
	    &r, "[{\"type\":\"allocation\",\"date\":\"2020-02-01\","
	        "\"grant\":\"ph-2020\",\"from\":\"kk\",\"to\":\"lund\","
	        "\"amount\":500000,\"claim_by\":\"2020-03-01\"},"
	        "{\"type\":\"payout\",\"date\":\"2020-02-01\","
	        "\"grant\":\"ph-2020\",\"from\":\"kk\",\"to\":\"lund\","
	        "\"amount\":200000}]"));
	struct ml_read *old_k = NULL, *old_w = NULL;
	MT_REQUIRE(ml_ledger_read_begin(r.kept, &old_k) == 0);
	MT_REQUIRE(ml_ledger_read_begin(r.walk, &old_w) == 0);
	MT_REQUIRE(append_both(
	    &r, "{\"type\":\"payout\",\"date\":\"2020-02-02\","
	        "\"grant\":\"ph-2020\",\"from\":\"kk\",\"to\":\"lund\","
	        "\"amount\":300000}"));
	struct ml_query q;
	ml_query_init(&q);
	q.as_of = tl_day("2021-06-01");
	answer_fn fns[4] = {ml_answer_deadlines, ml_answer_repayments,
	                    ml_answer_statement, ml_answer_trace};
	q.grant = GRANT[0];
	for (int i = 0; i < 4; i++) {
		q.party = i == 2 ? "lund" : NULL; /* the statement's */
		/* now: kept at the new head */
		char *now = unclocked(answer(r.kept, fns[i], &q));
		char *old = unclocked(answer_in(r.kept, old_k, fns[i], &q));
		char *want_old =
		    unclocked(answer_in(r.walk, old_w, fns[i], &q));
		char *want_now = unclocked(answer(r.walk, fns[i], &q));
		MT_CHECK_STR(old, want_old);
		MT_CHECK_STR(now, want_now);
		MT_CHECK(now != NULL && old != NULL && strcmp(now, old) != 0);
		free(now);
		free(old);
		free(want_old);
		free(want_now);
	}
	ml_ledger_read_end(r.kept, old_k);
	ml_ledger_read_end(r.walk, old_w);
	tl_close(r.kept, dk);
	tl_close(r.walk, dw);
}

int main(void)
{
	MT_RUN(test_kept_against_walk);
	MT_RUN(test_old_reader);
	return MT_EXIT();
}

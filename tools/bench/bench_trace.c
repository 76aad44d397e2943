/*
 * bench_trace — the trace of one grant with EXPENSES expenses (default
 * 1 000 000) over 100 parties and 8 activities, against the walk it used
 * to be, in one process and one read snapshot.
 *
 *   bench_trace DIR [EXPENSES] [QUERIES]
 *
 * Builds the ledger in DIR (which must not hold one): a payer, 100
 * municipalities m0 … m99, one grant g (allocated and paid out to each),
 * then the expenses, each of a random party and one of 8 activities
 * (half of them with a unit), dated forward over three years with one in
 * 20 dated up to 60 days back, and one in 1 000 corrected, in batches of
 * 10 000. Then, QUERIES times each (default 50) at random dates:
 *
 *   walk    the activities as the trace found them before format 4: each
 *           party's account entries scanned and each counting expense
 *           read from the log (ml_state_scan_account, ml_state_event_root)
 *   trace   the whole answer (ml_answer_trace: nodes, activities, edges)
 *   known   the same answer as known at a random earlier event
 *   balance one account's balance at the date (ml_state_account), the
 *           seek every answer is made of
 *
 * and prints the median and p99 of each and the ratio walk ÷ trace.
 * It ends with a line for bench_trace.sh: the dates and the known-at
 * time it asks `medel trace` with. BENCH_TRACE_WALK=0 skips the walk
 * (a minute per query at 1 000 000 expenses on a busy machine).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "ml_answer.h"
#include "ml_json.h"
#include "ml_ledger_internal.h"
#include "ml_state.h"

#define PARTIES    100
#define ACTIVITIES 8
#define BATCH      9000 /* and 9 corrections: ≤ ML_BATCH_EVENTS_MAX */
#define JSON_MAX   (8u * 1024 * 1024)
#define DAYS       (3 * 336) /* bench_common's 28-day months */
#define START_DAY  (20 * 336)

static void gen_date(uint32_t day, char out[16])
{
	snprintf(out, 16, "%04u-%02u-%02u", 2001 + day / 336,
	         1 + (day / 28) % 12, 1 + day % 28);
}

static size_t setup_json(char *buf, size_t size)
{
	size_t n = (size_t)snprintf(
	    buf, size,
	    "[{\"type\":\"party\",\"date\":\"2000-01-01\",\"party\":"
	    "\"kammarkollegiet\",\"name\":\"Kammarkollegiet\",\"kind\":"
	    "\"state\"},{\"type\":\"grant\",\"date\":\"2000-01-01\",\"grant\":"
	    "\"g\",\"name\":\"Stimulansmedel\",\"payer\":\"kammarkollegiet\","
	    "\"total\":1000000000000000}");
	for (int p = 0; p < PARTIES; p++)
		n += (size_t)snprintf(
		    buf + n, size - n,
		    ",{\"type\":\"party\",\"date\":\"2000-01-01\",\"party\":"
		    "\"m%d\",\"name\":\"Kommun %d\",\"kind\":\"municipality\"}"
		    ",{\"type\":\"allocation\",\"date\":\"2020-01-01\",\"grant\":"
		    "\"g\",\"from\":\"kammarkollegiet\",\"to\":\"m%d\","
		    "\"amount\":1000000000000}"
		    ",{\"type\":\"payout\",\"date\":\"2020-01-02\",\"grant\":"
		    "\"g\",\"from\":\"kammarkollegiet\",\"to\":\"m%d\","
		    "\"amount\":1000000000000}",
		    p, p, p, p);
	return n + (size_t)snprintf(buf + n, size - n, "]");
}

/* The JSON of expenses first .. first + count - 1, with a correction of
 * the expense 1 000 before every 1 000th. seq_of[i] is the seq expense i
 * gets; *next_seq the next seq to be given. */
static size_t batch_json(struct bench_gen *g, uint64_t first, uint64_t count,
                         uint64_t total, uint64_t *seq_of, uint64_t *next_seq,
                         char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "[");
	for (uint64_t i = first; i < first + count && n < size; i++) {
		uint32_t day = START_DAY + (uint32_t)(i * DAYS / total);
		if (bench_rand(g) % 20 == 0)
			day -= (uint32_t)(bench_rand(g) % 60);
		char date[16];
		gen_date(day, date);
		unsigned p = (unsigned)(bench_rand(g) % PARTIES);
		unsigned a = (unsigned)(bench_rand(g) % ACTIVITIES);
		long long amount = 100 + (long long)(bench_rand(g) % 1000000);
		n += (size_t)snprintf(
		    buf + n, size - n,
		    "%s{\"type\":\"expense\",\"date\":\"%s\",\"grant\":\"g\","
		    "\"party\":\"m%u\",\"activity\":\"Aktivitet %u: insatser "
		    "för barn och unga\",%s\"amount\":%lld}",
		    i == first ? "" : ",", date, p, a,
		    a % 2 ? "\"unit\":\"timmar\"," : "", amount);
		seq_of[i] = (*next_seq)++;
		if (i % 1000 == 999 && i >= 1000) {
			n += (size_t)snprintf(
			    buf + n, size - n,
			    ",{\"type\":\"correction\",\"date\":\"%s\","
			    "\"corrects\":%llu,\"note\":\"fel konto\"}",
			    date, (unsigned long long)seq_of[i - 1000]);
			(*next_seq)++;
		}
	}
	return n + (size_t)snprintf(buf + n, size - n, "]");
}

static int append_json(struct ml_ledger *lg, const char *json,
                       struct ml_append_result *res)
{
	struct ml_arena arena;
	struct ml_event *ev;
	size_t n;
	struct ml_errinfo err;
	ml_arena_init(&arena, 64u * 1024 * 1024);
	int rc = ml_json_parse_batch(json, strlen(json), &arena, &ev, &n, &err);
	struct ml_append_opts opts = {.recorded_by = "bench"};
	if (rc == 0)
		rc = ml_ledger_append_batch(lg, ev, n, &opts, res, &err);
	if (rc != 0)
		fprintf(stderr, "bench_trace: build: %s\n", err.message);
	ml_arena_free(&arena);
	return rc;
}

static int build(struct ml_ledger *lg, uint64_t expenses)
{
	struct bench_gen g;
	char *json = malloc(JSON_MAX);
	struct ml_append_result *res = calloc(ML_BATCH_EVENTS_MAX, sizeof *res);
	int rc = json && res ? 0 : ML_E_NOMEM;
	bench_gen_init(&g, 15, 1, 1);
	uint64_t t0 = bench_now_ns();
	if (rc == 0) {
		setup_json(json, JSON_MAX);
		rc = append_json(lg, json, res);
	}
	uint64_t next_seq = 1 + 2 + 3 * PARTIES; /* after the setup */
	uint64_t *seq_of = calloc(expenses, sizeof *seq_of);
	rc = rc == 0 && seq_of == NULL ? ML_E_NOMEM : rc;
	for (uint64_t done = 0; rc == 0 && done < expenses; done += BATCH) {
		uint64_t n = expenses - done < BATCH ? expenses - done : BATCH;
		batch_json(&g, done, n, expenses, seq_of, &next_seq, json,
		           JSON_MAX);
		rc = append_json(lg, json, res);
	}
	free(seq_of);
	fprintf(stderr, "built %llu expenses in %.1f s\n",
	        (unsigned long long)expenses, (bench_now_ns() - t0) / 1e9);
	free(json);
	free(res);
	return rc;
}

/* --- the walk the trace's activities used to be --- */

struct walk {
	struct ml_store *st;
	MDB_txn *txn;
	int64_t sum;
	uint64_t expenses;
};

static int walk_seen(const struct ml_entry_info *e, void *arg)
{
	struct walk *w = arg;
	if (e->corrected_by != 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (e->bucket[i] != ML_B_SPENT)
			continue;
		struct ml_event ev;
		int depth;
		int rc =
		    ml_state_event_root(w->st, w->txn, e->seq, &ev, &depth);
		if (rc != 0)
			return rc;
		w->sum += e->delta[i] + (int64_t)ev.activity.len * 0;
		w->expenses++;
	}
	return 0;
}

static int walk_all(struct ml_store *st, MDB_txn *txn, ml_day as_of,
                    struct walk *w)
{
	memset(w, 0, sizeof *w);
	w->st = st;
	w->txn = txn;
	int rc = 0;
	for (uint32_t p = 2; rc == 0 && p <= PARTIES + 1; p++)
		rc = ml_state_scan_account(st, txn, 1, p, as_of, walk_seen, w);
	return rc;
}

/* --- timing --- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void stats(uint64_t *ns, int n, double *med, double *p99)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
	*med = (double)ns[n / 2];
	*p99 = (double)ns[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

static int trace_once(struct ml_ledger *lg, MDB_txn *txn, ml_day as_of,
                      int64_t known_us, int64_t *spent)
{
	struct ml_query q;
	struct ml_errinfo err;
	cJSON *doc = NULL;
	ml_query_init(&q);
	q.grant = "g";
	q.as_of = as_of;
	q.has_known_at = known_us != 0;
	q.known_at_us = known_us;
	int rc = ml_answer_trace(lg, ml_read_of(txn), &q, &doc, &err);
	*spent = 0;
	const cJSON *node, *act;
	cJSON_ArrayForEach(node, cJSON_GetObjectItem(doc, "nodes"))
	{
		cJSON_ArrayForEach(act, cJSON_GetObjectItem(node, "activities"))
		{
			/* the ledger writes integers as raw JSON text */
			const cJSON *v = cJSON_GetObjectItem(act, "amount");
			*spent += cJSON_IsRaw(v)
			              ? strtoll(v->valuestring, NULL, 10)
			              : (int64_t)v->valuedouble;
		}
	}
	if (rc != 0)
		fprintf(stderr, "trace: %s\n", err.message);
	cJSON_Delete(doc);
	return rc;
}

struct timing {
	uint64_t *walk, *trace, *known, *balance;
};

static int measure(struct ml_ledger *lg, MDB_txn *txn, int queries,
                   bool do_walk, struct timing *t, uint64_t head)
{
	struct ml_store *st = ml_ledger_store(lg);
	uint64_t rng = 99;
	int rc = 0;
	for (int i = 0; rc == 0 && i < queries; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		ml_day as_of = 0;
		char date[16];
		gen_date(START_DAY + (uint32_t)((rng >> 33) % (DAYS + 30)),
		         date);
		ml_date_parse(date, strlen(date), &as_of, NULL, 0);
		struct walk w;
		int64_t spent = 0, ktime = 0;
		uint64_t t0 = bench_now_ns();
		if (do_walk)
			rc = walk_all(st, txn, as_of, &w);
		uint64_t t1 = bench_now_ns();
		if (rc == 0)
			rc = trace_once(lg, txn, as_of, 0, &spent);
		uint64_t t2 = bench_now_ns();
		if (do_walk && rc == 0 && spent != w.sum) {
			fprintf(stderr,
			        "bench_trace: the walk finds %lld öre, "
			        "the trace %lld\n",
			        (long long)w.sum, (long long)spent);
			rc = ML_E_CORRUPT;
		}
		struct ml_event ev;
		uint64_t seq = 1 + (rng >> 20) % head;
		if (rc == 0)
			rc = ml_ledger_event(lg, ml_read_of(txn), seq, &ev);
		ktime = ev.recorded_at_us;
		uint64_t t3 = bench_now_ns();
		if (rc == 0)
			rc = trace_once(lg, txn, as_of, ktime, &spent);
		uint64_t t4 = bench_now_ns();
		struct ml_view v = {as_of, false, 0};
		struct ml_totals tot;
		bool exists;
		if (rc == 0)
			rc = ml_state_account(st, txn, &v, 1, 2 + i % PARTIES,
			                      &tot, &exists);
		uint64_t t5 = bench_now_ns();
		t->walk[i] = t1 - t0;
		t->trace[i] = t2 - t1;
		t->known[i] = t4 - t3;
		t->balance[i] = t5 - t4;
	}
	return rc;
}

static void report(const struct timing *t, int n, bool walk)
{
	double wm, wp, tm, tp, km, kp, bm, bp;
	stats(t->walk, n, &wm, &wp);
	stats(t->trace, n, &tm, &tp);
	stats(t->known, n, &km, &kp);
	stats(t->balance, n, &bm, &bp);
	printf("%-8s %12s %12s\n", "", "median", "p99");
	if (walk)
		printf("%-8s %9.3f ms %9.3f ms\n", "walk", wm / 1e6, wp / 1e6);
	printf("%-8s %9.3f ms %9.3f ms\n", "trace", tm / 1e6, tp / 1e6);
	printf("%-8s %9.3f ms %9.3f ms\n", "known", km / 1e6, kp / 1e6);
	printf("%-8s %9.3f µs %9.3f µs\n", "balance", bm / 1e3, bp / 1e3);
	if (walk)
		printf("ratio walk / trace (median): %.0f×\n", wm / tm);
	printf("ratio known / trace (median): %.1f×\n", km / tm);
	printf("ratio trace / balance (median): %.0f×\n", tm / bm);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
		        "usage: bench_trace DIR [EXPENSES] [QUERIES]\n");
		return 2;
	}
	uint64_t expenses = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	int queries = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 50;
	const char *w = getenv("BENCH_TRACE_WALK");
	bool do_walk = w == NULL || strcmp(w, "0") != 0;
	if (queries < 1 || expenses < 3000) {
		fprintf(stderr,
		        "bench_trace: at least 3000 expenses, 1 query\n");
		return 2;
	}
	struct ml_ledger *lg;
	struct ml_errinfo err;
	if (ml_ledger_open(argv[1], NULL, &lg, &err) != 0) {
		fprintf(stderr, "bench_trace: %s\n", err.message);
		return 1;
	}
	struct timing t = {
	    calloc((size_t)queries, 8), calloc((size_t)queries, 8),
	    calloc((size_t)queries, 8), calloc((size_t)queries, 8)};
	int rc = build(lg, expenses);
	MDB_txn *txn = NULL;
	struct ml_log_head head = {0};
	if (rc == 0)
		rc = ml_ledger_read_begin_txn(lg, &txn);
	if (rc == 0)
		rc = ml_ledger_head(lg, ml_read_of(txn), &head);
	if (rc == 0)
		rc = measure(lg, txn, queries, do_walk, &t, head.seq);
	if (rc == 0) {
		printf("trace of one grant: %llu expenses, %d parties, %d "
		       "activities, %llu events; %d queries each\n",
		       (unsigned long long)expenses, PARTIES, ACTIVITIES,
		       (unsigned long long)head.seq, queries);
		report(&t, queries, do_walk);
		struct ml_event ev;
		char tt[ML_TIME_TEXT_MAX];
		if (ml_ledger_event(lg, ml_read_of(txn), head.seq / 2, &ev) ==
		    0)
			printf(
			    "for bench_trace.sh: known_at=%s\n",
			    ml_time_format(ev.recorded_at_us, tt, sizeof tt));
	}
	if (txn != NULL)
		ml_ledger_read_end(lg, ml_read_of(txn));
	ml_ledger_close(lg);
	free(t.walk);
	free(t.trace);
	free(t.known);
	free(t.balance);
	return rc == 0 ? 0 : 1;
}

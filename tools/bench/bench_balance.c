/*
 * bench_balance — how fast the ledger answers "the balance of one account
 * on a date", and how fast it verifies itself, as the ledger grows.
 *
 * For each size (100 000 and 1 000 000 events; 10 000 000 too with
 * BENCH_10M=1) it builds a ledger with the bench_append generator, then
 * in one read transaction asks for the balance of one account at random
 * dates, timing each query in-process, and prints the median and p99 —
 * for a municipality's account and for the payer's (the hottest account,
 * touched by almost every event of its grant). Then the same as known at
 * a random earlier time (a filtered replay of that one account). Then a
 * full verify. The last line compares the medians across sizes: a
 * B-tree seek should grow with log n, not n.
 *
 *   bench_balance [QUERIES]       (BENCH_DIR sets the directory)
 *
 * BENCH_TYPES=new builds the ledgers with the new event types mixed in
 * (bench_common.h); BENCH_TYPES=both builds each size twice, old stream
 * then new, and prints new ÷ old for the p99s and the verify rate: the
 * "unchanged within noise" check of issue 12, both in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "ml_answer.h"
#include "ml_json.h"
#include "ml_ledger_internal.h"
#include "ml_state.h"

#define BATCH    1000
#define JSON_MAX (4u * 1024 * 1024)

struct result {
	uint64_t events;
	int64_t entries, payer_entries; /* events on the two accounts */
	double med_ns, p99_ns, payer_med_ns, payer_p99_ns;
	double known_med_ns, known_p99_ns, payer_known_med_ns,
	    payer_known_p99_ns;
	double verify_rate;
};

static int build(struct ml_ledger *lg, uint64_t events, bool new_types)
{
	struct bench_gen g;
	char *json = malloc(JSON_MAX);
	struct ml_append_result *res = calloc(ML_BATCH_EVENTS_MAX, sizeof *res);
	int rc = json && res ? 0 : ML_E_NOMEM;
	bench_gen_init(&g, 7, 300, 8);
	g.new_types = g.new_types || new_types;
	bench_gen_setup(&g, json, JSON_MAX);
	for (uint64_t done = 0; rc == 0; done += BATCH) {
		struct ml_arena arena;
		struct ml_event *ev;
		size_t n;
		struct ml_errinfo err;
		ml_arena_init(&arena, 64u * 1024 * 1024);
		rc = ml_json_parse_batch(json, strlen(json), &arena, &ev, &n,
		                         &err);
		struct ml_append_opts opts = {.recorded_by = "bench"};
		if (rc == 0)
			rc =
			    ml_ledger_append_batch(lg, ev, n, &opts, res, &err);
		if (rc != 0)
			fprintf(stderr, "build: %s\n", err.message);
		ml_arena_free(&arena);
		if (done >= events)
			break;
		size_t len = (size_t)snprintf(json, JSON_MAX, "[");
		bench_gen_batch(&g);
		for (int i = 0; i < BATCH; i++)
			len +=
			    (size_t)snprintf(json + len, JSON_MAX - len, "%s%s",
			                     i ? "," : "", bench_gen_next(&g));
		snprintf(json + len, JSON_MAX - len, "]");
	}
	free(json);
	free(res);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Times `queries` balance lookups of (grant, party) at random dates, as
 * known at a random seq when known is set; fills median and p99. */
static int time_queries(struct ml_ledger *lg, MDB_txn *txn, uint32_t grant,
                        uint32_t party, uint64_t head, bool known,
                        uint32_t queries, double *med, double *p99)
{
	uint64_t *ns = malloc(queries * sizeof *ns);
	struct bench_gen g;
	bench_gen_init(&g, 99, 1, 1);
	int rc = ns ? 0 : ML_E_NOMEM;
	for (uint32_t i = 0; rc == 0 && i < queries; i++) {
		struct ml_view v = {/* generated dates run 2001 .. 2016 */
		                    .as_of =
		                        36890 + (ml_day)(bench_rand(&g) % 5800),
		                    .known = known,
		                    .known_seq = 1 + bench_rand(&g) % head};
		struct ml_totals t;
		bool exists;
		uint64_t t0 = bench_now_ns();
		rc = ml_state_account(ml_ledger_store(lg), txn, &v, grant,
		                      party, &t, &exists);
		ns[i] = bench_now_ns() - t0;
	}
	if (rc == 0) {
		qsort(ns, queries, sizeof *ns, cmp_u64);
		*med = (double)ns[queries / 2];
		*p99 = (double)ns[(uint64_t)queries * 99 / 100];
	}
	free(ns);
	return rc;
}

static int time_verify(struct ml_ledger *lg, MDB_txn *txn, uint64_t head,
                       double *rate)
{
	cJSON *doc = NULL;
	struct ml_errinfo err;
	uint64_t t0 = bench_now_ns();
	int rc = ml_answer_verify(lg, ml_read_of(txn), &doc, NULL, NULL, &err);
	uint64_t t1 = bench_now_ns();
	if (rc == 0 && !cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok"))) {
		fprintf(stderr, "verify found a difference!\n");
		rc = ML_E_CORRUPT;
	}
	cJSON_Delete(doc);
	*rate = head / ((t1 - t0) / 1e9);
	return rc;
}

static int measure(uint64_t events, uint32_t queries, bool new_types,
                   struct result *r)
{
	char dir[4096];
	struct ml_ledger *lg;
	struct ml_errinfo err;
	MDB_txn *txn;
	struct ml_log_head head;
	uint32_t grant = 0, party = 0, payer = 0;
	bench_tmpdir(dir, "balance");
	if (ml_ledger_open(dir, NULL, &lg, &err) != 0)
		return 1;
	int rc = build(lg, events, new_types);
	if (rc == 0)
		rc = ml_ledger_read_begin_txn(lg, &txn);
	if (rc != 0)
		return rc;
	struct ml_store *st = ml_ledger_store(lg);
	ml_ledger_head(lg, ml_read_of(txn), &head);
	ml_state_lookup(st, txn, ML_NAME_GRANT, ml_str_c("g3"), &grant);
	ml_state_lookup(st, txn, ML_NAME_PARTY, ml_str_c("m150"), &party);
	ml_state_lookup(st, txn, ML_NAME_PARTY, ml_str_c("kammarkollegiet"),
	                &payer);
	r->events = head.seq;
	struct ml_view all = {ML_DAY_MAX, false, 0};
	struct ml_totals t, tp;
	bool exists;
	ml_state_account(st, txn, &all, grant, party, &t, &exists);
	ml_state_account(st, txn, &all, grant, payer, &tp, &exists);
	r->entries = t.v[ML_B_ENTRIES];
	r->payer_entries = tp.v[ML_B_ENTRIES];
	rc = time_queries(lg, txn, grant, party, head.seq, false, queries,
	                  &r->med_ns, &r->p99_ns);
	if (rc == 0)
		rc = time_queries(lg, txn, grant, payer, head.seq, false,
		                  queries, &r->payer_med_ns, &r->payer_p99_ns);
	if (rc == 0)
		rc = time_queries(lg, txn, grant, party, head.seq, true,
		                  queries / 10, &r->known_med_ns,
		                  &r->known_p99_ns);
	if (rc == 0)
		rc = time_queries(lg, txn, grant, payer, head.seq, true,
		                  queries / 100 + 1, &r->payer_known_med_ns,
		                  &r->payer_known_p99_ns);
	if (rc == 0)
		rc = time_verify(lg, txn, head.seq, &r->verify_rate);
	ml_ledger_read_end(lg, ml_read_of(txn));
	ml_ledger_close(lg);
	bench_rmtree(dir);
	return rc;
}

static void print(const struct result *r)
{
	printf("%9llu events (account %lld, payer %lld)  balance median "
	       "%5.2f µs  p99 %5.2f µs | payer median %5.2f µs  p99 %5.2f µs "
	       "| known-at median %7.1f µs  p99 %7.1f µs, payer %7.1f µs "
	       "p99 %7.1f µs | verify %8.0f events/s\n",
	       (unsigned long long)r->events, (long long)r->entries,
	       (long long)r->payer_entries, r->med_ns / 1e3, r->p99_ns / 1e3,
	       r->payer_med_ns / 1e3, r->payer_p99_ns / 1e3,
	       r->known_med_ns / 1e3, r->known_p99_ns / 1e3,
	       r->payer_known_med_ns / 1e3, r->payer_known_p99_ns / 1e3,
	       r->verify_rate);
	fflush(stdout);
}

/* One size, old stream then new, and the ratios new ÷ old. */
static int compare_types(uint64_t events, uint32_t queries)
{
	struct result o, n;
	if (measure(events, queries, false, &o) != 0 ||
	    measure(events, queries, true, &n) != 0)
		return 1;
	printf("old types: ");
	print(&o);
	printf("new types: ");
	print(&n);
	printf("new / old at %llu events: balance p99 %.2f, payer p99 %.2f, "
	       "known-at p99 %.2f, payer known-at p99 %.2f, verify rate "
	       "%.2f\n",
	       (unsigned long long)events, n.p99_ns / o.p99_ns,
	       n.payer_p99_ns / o.payer_p99_ns, n.known_p99_ns / o.known_p99_ns,
	       n.payer_known_p99_ns / o.payer_known_p99_ns,
	       n.verify_rate / o.verify_rate);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t queries =
	    argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	uint64_t sizes[] = {100000, 1000000, 10000000};
	int nsizes = getenv("BENCH_10M") ? 3 : 2;
	const char *types = getenv("BENCH_TYPES");
	struct result r[3];
	for (int i = 0; types && strcmp(types, "both") == 0 && i < nsizes; i++)
		if (compare_types(sizes[i], queries) != 0)
			return 1;
	if (types && strcmp(types, "both") == 0)
		return 0;
	for (int i = 0; i < nsizes; i++) {
		if (measure(sizes[i], queries, false, &r[i]) != 0) {
			fprintf(stderr, "measuring %llu events failed\n",
			        (unsigned long long)sizes[i]);
			return 1;
		}
		print(&r[i]);
	}
	printf("median ratio 1M / 100k: %.2f (account), %.2f (payer)\n",
	       r[1].med_ns / r[0].med_ns,
	       r[1].payer_med_ns / r[0].payer_med_ns);
	if (nsizes == 3)
		printf("median ratio 10M / 100k: %.2f (account)\n",
		       r[2].med_ns / r[0].med_ns);
	return 0;
}

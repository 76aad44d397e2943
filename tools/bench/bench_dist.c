/*
 * bench_dist — a distribution over 290 parties (Sweden's municipalities)
 * appended as one event, beside the same 290 shares appended as a batch
 * of 290 ordinary allocations, in the same run and the same ledger.
 * Prints the median and p90 of each (µs, one durable commit each) and
 * the ratio distribution / batch (issue 12: target ≤ 1.5).
 *
 * Both append the same postings: from's allocated_out (once for the
 * distribution, 290 times for the batch), each party's allocated and the
 * edge from → party, every rule on every later date. The distribution
 * adds its share computation and one larger record; the batch adds 289
 * more records, hashes and from-postings. JSON decoding is outside the
 * timed part for both. The two alternate round by round, so drift of the
 * machine falls on both.
 *
 *   bench_dist [ROUNDS]      (default 41; BENCH_DIR sets the directory)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "ml_json.h"
#include "ml_ledger_internal.h"

#define PARTIES    290
#define ROUNDS_MAX 1001
#define JSON_MAX   (256u * 1024u)
#define SHARE_ORE  100000 /* 1 000 kr each, when weights are equal */

static void die(const char *what, const struct ml_errinfo *err)
{
	fprintf(stderr, "bench_dist: %s: %s\n", what, err ? err->message : "");
	exit(1);
}

/* Decodes json and appends it as one batch; returns the µs of the
 * append alone. */
static uint64_t append_us(struct ml_ledger *lg, const char *json)
{
	struct ml_arena arena;
	struct ml_errinfo err;
	struct ml_event *ev = NULL;
	size_t n = 0;
	ml_arena_init(&arena, 16u * 1024 * 1024);
	if (ml_json_parse_batch(json, strlen(json), &arena, &ev, &n, &err))
		die("parse", &err);
	struct ml_append_result *res = calloc(n, sizeof *res);
	struct ml_append_opts opts = {.recorded_by = "bench"};
	uint64_t t0 = bench_now_ns();
	if (res == NULL || ml_ledger_append_batch(lg, ev, n, &opts, res, &err))
		die("append", &err);
	uint64_t t1 = bench_now_ns();
	free(res);
	ml_arena_free(&arena);
	return (t1 - t0) / 1000;
}

static void setup(struct ml_ledger *lg, char *json)
{
	size_t n = (size_t)snprintf(
	    json, JSON_MAX,
	    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"kk\","
	    "\"name\":\"K\",\"kind\":\"state\"},"
	    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"skr\","
	    "\"name\":\"S\",\"kind\":\"association\"}");
	for (int i = 0; i < PARTIES; i++)
		n += (size_t)snprintf(json + n, JSON_MAX - n,
		                      ",{\"type\":\"party\",\"date\":\"2020-01-"
		                      "01\",\"party\":\"kommun-%03d\",\"name\":"
		                      "\"K\",\"kind\":\"municipality\"}",
		                      i);
	snprintf(json + n, JSON_MAX - n,
	         ",{\"type\":\"grant\",\"date\":\"2020-01-02\",\"grant\":\"g\","
	         "\"name\":\"G\",\"payer\":\"kk\",\"total\":%lld},"
	         "{\"type\":\"allocation\",\"date\":\"2020-01-03\",\"grant\":"
	         "\"g\",\"from\":\"kk\",\"to\":\"skr\",\"amount\":%lld}]",
	         (long long)ML_AMOUNT_MAX_ORE, (long long)ML_AMOUNT_MAX_ORE);
	append_us(lg, json);
}

static void distribution(char *json, int round)
{
	size_t n = (size_t)snprintf(
	    json, JSON_MAX,
	    "{\"type\":\"distribution\",\"date\":\"2020-03-%02d\",\"grant\":"
	    "\"g\",\"from\":\"skr\",\"amount\":%lld,\"key_name\":\"lika\","
	    "\"key\":{",
	    1 + round % 28, (long long)SHARE_ORE * PARTIES);
	for (int i = 0; i < PARTIES; i++)
		n += (size_t)snprintf(json + n, JSON_MAX - n,
		                      "%s\"kommun-%03d\":1", i ? "," : "", i);
	snprintf(json + n, JSON_MAX - n, "}}");
}

static void allocations(char *json, int round)
{
	size_t n = (size_t)snprintf(json, JSON_MAX, "[");
	for (int i = 0; i < PARTIES; i++)
		n += (size_t)snprintf(
		    json + n, JSON_MAX - n,
		    "%s{\"type\":\"allocation\",\"date\":\"2020-03-%02d\","
		    "\"grant\":\"g\",\"from\":\"skr\",\"to\":\"kommun-%03d\","
		    "\"amount\":%d}",
		    i ? "," : "", 1 + round % 28, i, SHARE_ORE);
	snprintf(json + n, JSON_MAX - n, "]");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t at(uint64_t *v, int n, int pct)
{
	qsort(v, (size_t)n, sizeof *v, cmp_u64);
	return v[(n - 1) * pct / 100];
}

int main(int argc, char **argv)
{
	long rounds_l = argc > 1 ? strtol(argv[1], NULL, 10) : 41;
	int rounds = rounds_l > 0 && rounds_l <= ROUNDS_MAX ? (int)rounds_l : 0;
	if (rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "usage: bench_dist [ROUNDS 1..%d]\n",
		        ROUNDS_MAX);
		return 2;
	}
	static uint64_t dist_us[ROUNDS_MAX], batch_us[ROUNDS_MAX];
	char dir[4096];
	char *json = malloc(JSON_MAX);
	struct ml_ledger *lg = NULL;
	struct ml_errinfo err;
	bench_tmpdir(dir, "dist");
	if (json == NULL || ml_ledger_open(dir, NULL, &lg, &err) != 0)
		die("open", &err);
	setup(lg, json);
	for (int r = 0; r < rounds; r++) {
		bool dist_first = r % 2 == 0;
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == dist_first) {
				distribution(json, r);
				dist_us[r] = append_us(lg, json);
			} else {
				allocations(json, r);
				batch_us[r] = append_us(lg, json);
			}
		}
	}
	uint64_t dm = at(dist_us, rounds, 50), d90 = at(dist_us, rounds, 90);
	uint64_t bm = at(batch_us, rounds, 50), b90 = at(batch_us, rounds, 90);
	printf("distribution over %d parties (1 event):  median %llu us, p90 "
	       "%llu us\n",
	       PARTIES, (unsigned long long)dm, (unsigned long long)d90);
	printf("batch of %d allocations (same shares):  median %llu us, p90 "
	       "%llu us\n",
	       PARTIES, (unsigned long long)bm, (unsigned long long)b90);
	printf("ratio distribution / batch (median): %.2f (target <= 1.5), "
	       "%d rounds\n",
	       bm ? (double)dm / (double)bm : 0.0, rounds);
	ml_ledger_close(lg);
	bench_rmtree(dir);
	free(json);
	return 0;
}

/*
 * bench_common.c — clock, directories and the event generator.
 *
 * The generator keeps, per (grant, party), what has been allocated,
 * received and spent, and dates its events forward, so every payout and
 * expense it makes is one the ledger accepts. Back-dated events are
 * allocations, which no rule can refuse at an earlier date, so the
 * benchmark still exercises inserts in the past without rejections.
 */
#include "bench_common.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BACKDATE_EVERY     20
#define FOCUS_PARTIES      16
#define DISTRIBUTION_EVERY 10
#define GEN_PARTIES_MAX    1000
#define GEN_GRANTS_MAX     64

static int64_t gen_alloc[GEN_GRANTS_MAX][GEN_PARTIES_MAX];
static int64_t gen_recv[GEN_GRANTS_MAX][GEN_PARTIES_MAX];
static int64_t gen_spent[GEN_GRANTS_MAX][GEN_PARTIES_MAX];

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

char *bench_tmpdir(char *buf, const char *tag)
{
	const char *base = getenv("BENCH_DIR");
	snprintf(buf, 4096, "%s/medel-bench-%s-XXXXXX", base ? base : "/tmp",
	         tag);
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	return buf;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void bench_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint64_t bench_rand(struct bench_gen *g)
{
	/* splitmix64 */
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void bench_gen_init(struct bench_gen *g, uint64_t seed, uint32_t parties,
                    uint32_t grants)
{
	memset(g, 0, sizeof *g);
	g->rng = seed;
	g->parties = parties < GEN_PARTIES_MAX ? parties : GEN_PARTIES_MAX;
	g->grants = grants < GEN_GRANTS_MAX ? grants : GEN_GRANTS_MAX;
	const char *spread = getenv("BENCH_SPREAD");
	g->uniform = spread != NULL && strcmp(spread, "uniform") == 0;
	g->idkey =
	    getenv("BENCH_NO_IDS") ? ",\"note\":\"n" : ",\"id\":\"bench:";
	memset(gen_alloc, 0, sizeof gen_alloc);
	memset(gen_recv, 0, sizeof gen_recv);
	memset(gen_spent, 0, sizeof gen_spent);
}

const char *bench_gen_setup(struct bench_gen *g, char *buf, size_t size)
{
	size_t n = 0;
	n += (size_t)snprintf(buf + n, size - n,
	                      "[{\"type\":\"party\",\"date\":\"2000-01-01\","
	                      "\"party\":\"kammarkollegiet\",\"name\":"
	                      "\"Kammarkollegiet\",\"kind\":\"state\"}");
	for (uint32_t p = 0; p < g->parties && n < size; p++)
		n += (size_t)snprintf(buf + n, size - n,
		                      ",{\"type\":\"party\",\"date\":"
		                      "\"2000-01-01\",\"party\":\"m%u\","
		                      "\"name\":\"Kommun %u\",\"kind\":"
		                      "\"municipality\"}",
		                      p, p);
	for (uint32_t k = 0; k < g->grants && n < size; k++)
		n +=
		    (size_t)snprintf(buf + n, size - n,
		                     ",{\"type\":\"grant\",\"date\":"
		                     "\"2000-01-01\",\"grant\":\"g%u\","
		                     "\"name\":\"Stimulansmedel %u\",\"payer\":"
		                     "\"kammarkollegiet\",\"total\":"
		                     "1000000000000000}",
		                     k, k);
	if (n < size)
		snprintf(buf + n, size - n, "]");
	return buf;
}

static void gen_date(uint32_t day, char out[16])
{
	/* day counts from 2001-01-01, 28-day months keep it simple. */
	uint32_t y = (2001 + day / 336) % 10000, m = 1 + (day / 28) % 12,
	         d = 1 + day % 28;
	snprintf(out, 16, "%04u-%02u-%02u", y, m, d);
}

void bench_gen_batch(struct bench_gen *g)
{
	static uint32_t batches;
	bool all = g->uniform || batches++ % DISTRIBUTION_EVERY == 0;
	g->focus_grant = (uint32_t)(bench_rand(g) % g->grants);
	g->focus_width = all ? g->parties : FOCUS_PARTIES;
	g->focus_party =
	    all ? 0
	        : (uint32_t)(bench_rand(g) % (g->parties - FOCUS_PARTIES + 1));
}

const char *bench_gen_next(struct bench_gen *g)
{
	uint32_t k =
	    g->uniform ? (uint32_t)(bench_rand(g) % g->grants) : g->focus_grant;
	uint32_t p =
	    g->focus_party + (uint32_t)(bench_rand(g) % g->focus_width);
	int64_t amount = 100000 + (int64_t)(bench_rand(g) % 10000000);
	uint32_t day = g->n / 200; /* 200 events a day: 1M ≈ 15 years */
	char date[16];
	const char *type = "allocation", *who = "\"to\"";
	if (g->n % BACKDATE_EVERY != 0) {
		if (gen_recv[k][p] + amount <= gen_alloc[k][p])
			type = "payout";
		if (gen_spent[k][p] + amount <= gen_recv[k][p] &&
		    bench_rand(g) % 2 == 0)
			type = "expense";
	} else if (day > 60) {
		day -= (uint32_t)(bench_rand(g) % 60);
	}
	gen_date(day, date);
	if (type[0] == 'a')
		gen_alloc[k][p] += amount;
	else if (type[0] == 'p')
		gen_recv[k][p] += amount;
	else
		gen_spent[k][p] += amount;
	if (type[0] == 'e')
		snprintf(g->text, sizeof g->text,
		         "{\"type\":\"expense\",\"date\":\"%s\",\"grant\":"
		         "\"g%u\",\"party\":\"m%u\",\"activity\":"
		         "\"Bemanning av socialpsykiatriskt team\","
		         "\"amount\":%lld%s%u\"}",
		         date, k, p, (long long)amount, g->idkey, g->n);
	else
		snprintf(g->text, sizeof g->text,
		         "{\"type\":\"%s\",\"date\":\"%s\",\"grant\":\"g%u\","
		         "\"from\":\"kammarkollegiet\",%s:\"m%u\",\"amount\":"
		         "%lld,\"ref\":\"S/20/0002\"%s%u\"}",
		         type, date, k, who, p, (long long)amount, g->idkey,
		         g->n);
	g->n++;
	return g->text;
}

/*
 * bench_common.c — clock, directories and the event generator.
 *
 * The generator keeps, per (grant, party), what has been allocated,
 * received and spent, and dates its events forward, so every payout and
 * expense it makes is one the ledger accepts. Back-dated events are
 * allocations, which no rule can refuse at an earlier date, so the
 * benchmark still exercises inserts in the past without rejections.
 *
 * The new types (bench_common.h) keep the rules the same way: money
 * counts for the generator only once it is certainly allocated (a
 * confirm; a distribution's share rounded down, which the ledger's share
 * never is below), and a corrected expense still counts as spent here,
 * so whatever later event relied on it having been spent stays valid
 * when a correction of the correction brings it back.
 */
#include "bench_common.h"

#include <ftw.h>
#include <stdarg.h>
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

/* The new types: per 1 000 events. */
#define NEW_COND_PER_MILLE 15
#define NEW_DIST_PER_MILLE 3
#define NEW_CORR_PER_MILLE 5
#define FOLLOW_MAX         4096
#define EXPENSE_RING       256
#define CORRECTION_DEPTH   3

/* An event written later that names an earlier one by seq: the
 * resolution of a conditional allocation or distribution, or a
 * correction of a correction. */
enum follow_kind { FOLLOW_CONFIRM, FOLLOW_LAPSE, FOLLOW_CORRECT };
struct follow {
	uint32_t due; /* written at the first event number ≥ due */
	enum follow_kind kind;
	bool dist;
	int depth;       /* a correction's place in its chain */
	uint32_t k, p;   /* grant; the party, or a key's first party */
	uint32_t width;  /* a key's parties */
	uint64_t seq;    /* the event it names */
	int64_t amount;  /* the allocation's or distribution's */
	int64_t confirm; /* a confirm's own figure, 0 = none */
};
static struct follow gen_follow[FOLLOW_MAX];
static uint32_t gen_nfollow;
static uint64_t gen_expense[EXPENSE_RING]; /* seqs not yet corrected */
static uint32_t gen_nexpense;

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
	const char *types = getenv("BENCH_TYPES");
	g->new_types = types != NULL && strcmp(types, "new") == 0;
	gen_nfollow = 0;
	gen_nexpense = 0;
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
	g->seq_base = 1 + g->parties + g->grants;
	return buf;
}

static void gen_date(uint32_t day, char out[16])
{
	/* day counts from 2001-01-01, 28-day months keep it simple. */
	uint32_t y = (2001 + day / 336) % 10000, m = 1 + (day / 28) % 12,
	         d = 1 + day % 28;
	snprintf(out, 16, "%04u-%02u-%02u", y, m, d);
}

/* The seq of the event being written (every event is accepted). */
static uint64_t gen_seq(const struct bench_gen *g)
{
	return g->seq_base + g->n + 1;
}

/* A municipality's population: the weight of its key. */
static uint64_t gen_population(uint32_t p)
{
	uint64_t z = (p + 1) * 0x9e3779b97f4a7c15ull;
	z ^= z >> 29;
	return 2000 + z % 900000;
}

/* The shares of a distribution of amount öre (whole kronor) over
 * parties first .. first+width-1, rounded down, as allocated. */
static void gen_dist_allocate(uint32_t k, uint32_t first, uint32_t width,
                              int64_t amount)
{
	uint64_t w = 0, kr = (uint64_t)amount / 100;
	for (uint32_t i = 0; i < width; i++)
		w += gen_population(first + i);
	for (uint32_t i = 0; i < width; i++)
		gen_alloc[k][first + i] +=
		    (int64_t)(kr * gen_population(first + i) / w) * 100;
}

static void gen_follow_push(const struct follow *f)
{
	if (gen_nfollow < FOLLOW_MAX)
		gen_follow[gen_nfollow++] = *f;
}

/* A confirm (three in four, a fifth of them at another figure) or a
 * lapse of the conditional event f names, some 50–550 events later. */
static void gen_resolve_later(struct bench_gen *g, struct follow f)
{
	f.due = g->n + 50 + (uint32_t)(bench_rand(g) % 500);
	f.kind = bench_rand(g) % 4 != 0 ? FOLLOW_CONFIRM : FOLLOW_LAPSE;
	f.seq = gen_seq(g);
	if (f.kind == FOLLOW_CONFIRM && !f.dist && bench_rand(g) % 5 == 0)
		f.confirm =
		    f.amount / 100 * (80 + (int64_t)(bench_rand(g) % 41));
	gen_follow_push(&f);
}

static int gen_put(struct bench_gen *g, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int gen_put(struct bench_gen *g, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(g->text + at, sizeof g->text - at, fmt, ap);
	va_end(ap);
	return n;
}

/* A conditional allocation from the payer, decided within 60 days. */
static void gen_conditional(struct bench_gen *g, uint32_t k, uint32_t p,
                            uint32_t day)
{
	char date[16], by[16];
	int64_t amount = 100000 + (int64_t)(bench_rand(g) % 10000000);
	gen_date(day, date);
	gen_date(day + 60, by);
	gen_put(g, 0,
	        "{\"type\":\"allocation\",\"date\":\"%s\",\"grant\":\"g%u\","
	        "\"from\":\"kammarkollegiet\",\"to\":\"m%u\",\"amount\":%lld,"
	        "\"condition\":\"om kommunen ansöker\",\"decide_by\":\"%s\""
	        "%s%u\"}",
	        date, k, p, (long long)amount, by, g->idkey, g->n);
	gen_resolve_later(g, (struct follow){.k = k, .p = p, .amount = amount});
}

/* A distribution from the payer by population over the batch's
 * parties, a quarter of them conditional. */
static void gen_distribution(struct bench_gen *g, uint32_t k, uint32_t day)
{
	char date[16];
	uint32_t first = g->focus_party, width = g->focus_width;
	int64_t amount =
	    (int64_t)width * (10000 + (int64_t)(bench_rand(g) % 90000)) * 100;
	bool cond = bench_rand(g) % 4 == 0;
	gen_date(day, date);
	size_t n = (size_t)gen_put(
	    g, 0,
	    "{\"type\":\"distribution\",\"date\":\"%s\",\"grant\":\"g%u\","
	    "\"from\":\"kammarkollegiet\",\"amount\":%lld,\"key_name\":"
	    "\"SCB folkmängd\",\"key\":{",
	    date, k, (long long)amount);
	for (uint32_t i = 0; i < width && n < sizeof g->text; i++)
		n += (size_t)gen_put(
		    g, n, "%s\"m%u\":%llu", i ? "," : "", first + i,
		    (unsigned long long)gen_population(first + i));
	if (n < sizeof g->text)
		gen_put(g, n, "}%s%s%u\"}",
		        cond ? ",\"condition\":\"beroende på måluppfyllelse\""
		             : "",
		        g->idkey, g->n);
	if (!cond)
		gen_dist_allocate(k, first, width, amount);
	else
		gen_resolve_later(g, (struct follow){.dist = true,
		                                     .k = k,
		                                     .p = first,
		                                     .width = width,
		                                     .amount = amount});
}

/* A correction of seq; a third of the time it is corrected in turn
 * later, up to CORRECTION_DEPTH links. */
static void gen_correction(struct bench_gen *g, uint64_t seq, int depth,
                           uint32_t day)
{
	char date[16];
	gen_date(day, date);
	gen_put(g, 0,
	        "{\"type\":\"correction\",\"date\":\"%s\",\"corrects\":%llu,"
	        "\"note\":\"%s\"%s%u\"}",
	        date, (unsigned long long)seq,
	        depth % 2 ? "fel konto" : "ändå rätt", g->idkey, g->n);
	if (depth < CORRECTION_DEPTH && bench_rand(g) % 3 == 0)
		gen_follow_push(&(struct follow){
		    .due = g->n + 20 + (uint32_t)(bench_rand(g) % 300),
		    .kind = FOLLOW_CORRECT,
		    .depth = depth + 1,
		    .seq = gen_seq(g)});
}

static void gen_follow_write(struct bench_gen *g, const struct follow *f,
                             uint32_t day)
{
	char date[16];
	if (f->kind == FOLLOW_CORRECT) {
		gen_correction(g, f->seq, f->depth, day);
		return;
	}
	gen_date(day, date);
	size_t n = (size_t)gen_put(
	    g, 0, "{\"type\":\"%s\",\"date\":\"%s\",\"allocation\":%llu",
	    f->kind == FOLLOW_CONFIRM ? "confirm" : "lapse", date,
	    (unsigned long long)f->seq);
	if (f->confirm != 0)
		n += (size_t)gen_put(g, n, ",\"amount\":%lld",
		                     (long long)f->confirm);
	gen_put(g, n, "%s%u\"}", g->idkey, g->n);
	if (f->kind == FOLLOW_LAPSE)
		return;
	if (f->dist)
		gen_dist_allocate(f->k, f->p, f->width, f->amount);
	else
		gen_alloc[f->k][f->p] +=
		    f->confirm != 0 ? f->confirm : f->amount;
}

/* One of the new types into g->text, or false for an old one. */
static bool gen_new_next(struct bench_gen *g, uint32_t k, uint32_t p)
{
	uint32_t day = g->n / 200;
	for (uint32_t i = 0; i < gen_nfollow; i++)
		if (gen_follow[i].due <= g->n) {
			struct follow f = gen_follow[i];
			gen_follow[i] = gen_follow[--gen_nfollow];
			gen_follow_write(g, &f, day);
			return true;
		}
	uint32_t r = (uint32_t)(bench_rand(g) % 1000);
	if (r < NEW_COND_PER_MILLE) {
		gen_conditional(g, k, p, day);
		return true;
	}
	r -= NEW_COND_PER_MILLE;
	if (r < NEW_DIST_PER_MILLE) {
		gen_distribution(g, k, day);
		return true;
	}
	r -= NEW_DIST_PER_MILLE;
	if (r < NEW_CORR_PER_MILLE && gen_nexpense > 0) {
		uint32_t i = (uint32_t)(bench_rand(g) % gen_nexpense);
		uint64_t seq = gen_expense[i];
		gen_expense[i] = gen_expense[--gen_nexpense];
		gen_correction(g, seq, 1, day);
		return true;
	}
	return false;
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
	if (g->new_types && gen_new_next(g, k, p)) {
		g->n++;
		return g->text;
	}
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
	if (type[0] == 'e' && g->new_types && gen_nexpense < EXPENSE_RING)
		gen_expense[gen_nexpense++] = gen_seq(g);
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

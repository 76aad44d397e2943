/*
 * test_verify_sums.c — verify's per-series sums (ml_verify_sums.c) and
 * its corrections' table (ml_verify_corr.c) on their own.
 *
 * The sums stand in for the exact compare only if every difference that
 * compare sees leaves some series off zero: a moved amount (the series'
 * total unchanged), a swapped pair of amounts or of dates, an entry on
 * the wrong series, a missing and an extra one, one seq for another, a
 * bucket for another. Order must not matter, and a delta in an unused
 * bucket must not count (the exact compare ignores it). The table keeps
 * every series through its growth. The corrections' table answers
 * "who withdrew seq?" as a plain array would, behind its filter.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_verify_internal.h"
#include "mt.h"

struct entry {
	uint32_t kind, grant, a, b;
	uint64_t seq;
	ml_day date;
	struct ml_post post;
};

static const struct entry base_entries[] = {
    {MV_SERIES_ACCT, 1, 2, 0, 7, 100, {{ML_B_SPENT, -1}, {500, 0}}},
    {MV_SERIES_ACCT, 1, 2, 0, 9, 100, {{ML_B_SPENT, -1}, {300, 0}}},
    {MV_SERIES_ACCT, 1, 2, 0, 12, 101, {{ML_B_SPENT, -1}, {300, 0}}},
    {MV_SERIES_ACCT, 1, 3, 0, 9, 100, {{0, 1}, {-300, 300}}},
    {MV_SERIES_EDGE, 1, 3, 2, 9, 100, {{0, -1}, {300, 0}}},
    {MV_SERIES_ACT, 1, 2, 1, 7, 100, {{ML_B_SPENT, -1}, {500, 0}}},
};
#define N_ENTRIES (sizeof base_entries / sizeof base_entries[0])

static void fold(struct mv_sums *s, const struct entry *e, int sign)
{
	struct mv_sum *sum = NULL;
	MT_REQUIRE(mv_sums_at(s, e->kind, e->grant, e->a, e->b, &sum) == 0);
	mv_sum_fold(sum, e->seq, e->date, &e->post, sign);
}

/* Postings = base_entries; entries = got (n of them). Zero? */
static bool balances(const struct entry *got, size_t n)
{
	struct mv_sums s;
	memset(&s, 0, sizeof s);
	for (size_t i = 0; i < N_ENTRIES; i++)
		fold(&s, &base_entries[i], 1);
	for (size_t i = 0; i < n; i++)
		fold(&s, &got[i], -1);
	bool zero = mv_sums_zero(&s);
	mv_sums_free(&s);
	return zero;
}

static void test_same_entries_balance(void)
{
	struct entry got[N_ENTRIES];
	for (size_t i = 0; i < N_ENTRIES; i++) /* the walk's order differs */
		got[i] = base_entries[N_ENTRIES - 1 - i];
	MT_CHECK(balances(got, N_ENTRIES));
	got[0].post.delta[1] = 12345; /* an unused bucket's delta */
	MT_CHECK(got[0].post.bucket[1] < 0 && balances(got, N_ENTRIES));
}

/* Each change of one copy of the entries must unbalance it. */
static void test_differences_unbalance(void)
{
	struct entry got[N_ENTRIES + 1];
	size_t n = N_ENTRIES;
	for (int change = 0; change < 10; change++) {
		memcpy(got, base_entries, sizeof base_entries);
		n = N_ENTRIES;
		switch (change) {
		case 0: /* moved amount: 7 −100, 9 +100, total the same */
			got[0].post.delta[0] -= 100;
			got[1].post.delta[0] += 100;
			break;
		case 1: /* swapped pair of amounts */
			got[0].post.delta[0] = 300;
			got[1].post.delta[0] = 500;
			break;
		case 2: /* swapped dates of 9 and 12 (same amounts) */
			got[1].date = 101;
			got[2].date = 100;
			break;
		case 3: /* missing */
			n = N_ENTRIES - 1;
			break;
		case 4: /* extra: 9's entry twice */
			got[N_ENTRIES] = got[1];
			n = N_ENTRIES + 1;
			break;
		case 5: /* on another party's account */
			got[1].a = 3;
			break;
		case 6: /* seq 9's entry says 12, 12's says 9 (dates kept) */
			got[1].seq = 12;
			got[2].seq = 9;
			break;
		case 7: /* another bucket */
			got[3].post.bucket[1] = 2;
			break;
		case 8: /* an edge entry on the account series */
			got[4].kind = MV_SERIES_ACCT;
			got[4].b = 0;
			break;
		default: /* the two deltas of one entry swapped */
			got[3].post.delta[0] = 300;
			got[3].post.delta[1] = -300;
			break;
		}
		if (balances(got, n))
			MT_FAIL_AT("change %d balances", change);
	}
}

/* 10 000 series through the table's doublings, each kept apart. */
static void test_many_series(void)
{
	struct mv_sums s;
	memset(&s, 0, sizeof s);
	struct ml_post p = {{0, -1}, {1, 0}};
	for (uint32_t i = 0; i < 10000; i++) {
		struct mv_sum *sum;
		MT_REQUIRE(
		    mv_sums_at(&s, MV_SERIES_EDGE, i % 7, i, i / 3, &sum) == 0);
		mv_sum_fold(sum, i + 1, 100, &p, 1);
	}
	MT_CHECK(s.used == 10000 && s.slots >= 20000);
	MT_CHECK(!mv_sums_zero(&s));
	for (uint32_t i = 10000; i-- > 0;) {
		struct mv_sum *sum =
		    mv_sums_find(&s, MV_SERIES_EDGE, i % 7, i, i / 3);
		MT_REQUIRE(sum != NULL && sum->count == 1);
		mv_sum_fold(sum, i + 1, 100, &p, -1);
	}
	MT_CHECK(mv_sums_zero(&s));
	MT_CHECK(mv_sums_find(&s, MV_SERIES_ACT, 0, 0, 0) == NULL);
	mv_sums_free(&s);
}

/* Withdrawn seqs 65 536 apart, every third seq, the first: the table
 * and its filter against a plain array, through many doublings of both. */
static void test_corrections_table(void)
{
	enum { HEAD = 300000 };
	uint64_t *by = calloc(HEAD + 1, sizeof *by);
	struct mv_corr c;
	memset(&c, 0, sizeof c);
	MT_REQUIRE(by != NULL);
	MT_CHECK(mv_corr_retracted_by(&c, 5) == 0); /* empty */
	for (uint64_t s = 1; s + 1 <= HEAD; s++) {
		if (s != 1 && s % 3 != 0 && s % 65536 != 0)
			continue;
		struct mv_fix *f;
		MT_REQUIRE(mv_corr_at(&c, s, &f) == 0);
		f->corrected_by = s + 1;
		if (s % 2 == 1) { /* odd ones withdrawn, even ones not */
			MT_REQUIRE(mv_corr_retract(&c, f, s + 1) == 0);
			by[s] = s + 1;
		}
	}
	for (uint64_t s = 1; s <= HEAD; s++) {
		if (mv_corr_retracted_by(&c, s) != by[s]) {
			MT_FAIL_AT("seq %llu", (unsigned long long)s);
			break;
		}
	}
	/* the filter grew with the withdrawn seqs, from 64 Ki bits to 2 Mi */
	MT_CHECK_INT(c.retracted, 50001);
	MT_CHECK(c.filter_bits >= MV_CORR_FILTER_BITS_PER * c.retracted);
	MT_CHECK(c.filter_bits < 2 * MV_CORR_FILTER_BITS_PER * c.retracted);
	const struct mv_fix *f = mv_corr_find(&c, 6);
	MT_CHECK(f != NULL && f->corrected_by == 7 && f->retracted_by == 0);
	MT_CHECK(f->date == ML_DAY_NONE);
	MT_CHECK(mv_corr_find(&c, 7) == NULL);
	mv_corr_free(&c);
	free(by);
}

int main(void)
{
	MT_RUN(test_same_entries_balance);
	MT_RUN(test_differences_unbalance);
	MT_RUN(test_many_series);
	MT_RUN(test_corrections_table);
	return MT_EXIT();
}

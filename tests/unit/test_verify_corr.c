/*
 * test_verify_corr.c — verify's table of corrected events
 * (ml_verify_corr.c) against a plain array of the same facts: every
 * seq's correction and whether it withdrew the records, through the
 * table's growth, with seqs that collide in its home slots, at seq 1 and
 * at the head, and 0 for a seq never corrected or beyond the head.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_verify_internal.h"
#include "mt.h"

#define HEAD 100000u

/* Marks every seq ≡ 0 (mod step) corrected by seq + 1 (retracted when
 * seq is odd) in c and in by[] / retracted[]. */
static void fill(struct mv_corr *c, uint64_t step, uint64_t *by,
                 bool *retracted)
{
	for (uint64_t s = step; s < HEAD; s += step) {
		by[s] = s + 1;
		retracted[s] = s % 2 == 1;
		MT_REQUIRE(mv_corr_set(c, s, by[s], retracted[s]) == 0);
	}
}

static void check_all(const struct mv_corr *c, const uint64_t *by,
                      const bool *retracted)
{
	for (uint64_t s = 0; s <= HEAD + 1; s++) {
		uint64_t want = s <= HEAD ? by[s] : 0;
		uint64_t want_r = s <= HEAD && retracted[s] ? by[s] : 0;
		if (mv_corrected_by(c, s) != want ||
		    mv_retracted_by(c, s) != want_r) {
			MT_FAIL_AT("seq %llu: corrected by %llu (want %llu), "
			           "retracted by %llu (want %llu)",
			           (unsigned long long)s,
			           (unsigned long long)mv_corrected_by(c, s),
			           (unsigned long long)want,
			           (unsigned long long)mv_retracted_by(c, s),
			           (unsigned long long)want_r);
			return;
		}
	}
}

/* Steps 1 (every seq: many doublings), 3 and 2^16 (seqs whose
 * multiplicative hashes share low bits). */
static void test_corr_like_arrays(void)
{
	const uint64_t steps[] = {1, 3, 65536};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		uint64_t *by = calloc(HEAD + 1, sizeof *by);
		bool *retracted = calloc(HEAD + 1, sizeof *retracted);
		struct mv_corr c;
		MT_REQUIRE(by != NULL && retracted != NULL);
		MT_REQUIRE(mv_corr_init(&c, HEAD) == 0);
		fill(&c, steps[i], by, retracted);
		check_all(&c, by, retracted);
		MT_CHECK_INT(c.n, (HEAD - 1) / steps[i]);
		MT_CHECK(c.t.slots >= 2 * c.n);
		mv_corr_free(&c);
		free(by);
		free(retracted);
	}
}

/* The ends of the range: seq 1 and the head itself. */
static void test_corr_ends(void)
{
	struct mv_corr c;
	MT_REQUIRE(mv_corr_init(&c, HEAD) == 0);
	MT_CHECK_INT(mv_corrected_by(&c, 1), 0);
	MT_REQUIRE(mv_corr_set(&c, 1, 7, true) == 0);
	MT_REQUIRE(mv_corr_set(&c, HEAD, HEAD + 5, false) == 0);
	MT_CHECK_INT(mv_corrected_by(&c, 1), 7);
	MT_CHECK_INT(mv_retracted_by(&c, 1), 7);
	MT_CHECK_INT(mv_corrected_by(&c, HEAD), HEAD + 5);
	MT_CHECK_INT(mv_retracted_by(&c, HEAD), 0);
	MT_CHECK_INT(mv_corrected_by(&c, HEAD - 1), 0);
	MT_CHECK_INT(mv_corrected_by(&c, 0), 0);
	mv_corr_free(&c);
}

int main(void)
{
	MT_RUN(test_corr_like_arrays);
	MT_RUN(test_corr_ends);
	return MT_EXIT();
}

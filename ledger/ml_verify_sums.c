/*
 * ml_verify_sums.c — verify's per-series balance of postings and entries.
 *
 * The replay folds every posting it makes into its series (account,
 * edge or activity series: kind ‖ grant ‖ a ‖ b) with sign +1; the walks
 * of the stored projections fold every event entry they meet out of its
 * series with sign −1. A series ends at zero count and zero mix exactly
 * when its entries are the postings (with overwhelming probability: see
 * below), whatever order either came in. So verify needs no posting per
 * event in memory, only one slot per series, however long the log is.
 *
 * The mix of an entry is a 64-bit hash chain over (seq, date, buckets,
 * deltas; a delta of an unused bucket counts as 0, as the exact compare
 * ignores it) with splitmix64's finaliser (the same mixer as ml_evidx.c),
 * summed mod 2^64 in two lanes: the hash, and the hash finalised again.
 * A moved amount (one entry's delta up, another's down by as much), a
 * swapped pair of amounts or dates, an entry in the wrong series, a
 * missing or an extra one: each changes the entries' hashes, and two
 * different sets of hashes sum to the same 128 bits only by chance.
 * The sums cannot name the entry that differs: any difference makes
 * verify run again in its exact mode (ml_verify.c), which does.
 *
 * Volume: one 40-byte slot per series; the slots double at half full.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_limits_internal.h"
#include "ml_verify_internal.h"

/* The first table: 1 024 slots (40 KiB). */
#define MV_SUMS_FIRST_SLOTS 1024u

static uint64_t mv_fmix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t mv_sums_home(const struct mv_sums *s, uint32_t kind,
                           uint32_t grant, uint32_t a, uint32_t b)
{
	uint64_t h = ((uint64_t)kind << 32 | grant) * 0x9e3779b97f4a7c15ull;
	h = mv_fmix(h ^ ((uint64_t)a << 32 | b));
	return (size_t)h & (s->slots - 1);
}

static struct mv_sum *mv_sums_probe(struct mv_sums *s, uint32_t kind,
                                    uint32_t grant, uint32_t a, uint32_t b)
{
	size_t i = mv_sums_home(s, kind, grant, a, b);
	for (size_t n = 0; n < s->slots; n++, i = (i + 1) & (s->slots - 1)) {
		struct mv_sum *e = &s->slot[i];
		if (e->kind == 0 || (e->kind == kind && e->grant == grant &&
		                     e->a == a && e->b == b))
			return e;
	}
	ML_ASSERT(!"a table at most half full has a free slot");
	return NULL;
}

static int mv_sums_grow(struct mv_sums *s)
{
	size_t slots = s->slots == 0 ? MV_SUMS_FIRST_SLOTS : 2 * s->slots;
	if (slots / 2 > ML_PASS_ITEMS_MAX)
		return ML_E_TOO_LARGE;
	struct mv_sums n = {calloc(slots, sizeof *n.slot), slots, s->used};
	if (n.slot == NULL)
		return ML_E_NOMEM;
	for (size_t i = 0; i < s->slots; i++) {
		const struct mv_sum *e = &s->slot[i];
		if (e->kind != 0)
			*mv_sums_probe(&n, e->kind, e->grant, e->a, e->b) = *e;
	}
	free(s->slot);
	*s = n;
	return 0;
}

int mv_sums_at(struct mv_sums *s, uint32_t kind, uint32_t grant, uint32_t a,
               uint32_t b, struct mv_sum **out)
{
	ML_ASSERT(kind >= MV_SERIES_ACCT && kind <= MV_SERIES_ACT);
	int rc = 0;
	if (2 * (s->used + 1) > s->slots)
		rc = mv_sums_grow(s);
	if (rc != 0)
		return rc;
	struct mv_sum *e = mv_sums_probe(s, kind, grant, a, b);
	if (e->kind == 0) {
		*e = (struct mv_sum){kind, grant, a, b, 0, {0, 0}};
		s->used++;
	}
	*out = e;
	return 0;
}

struct mv_sum *mv_sums_find(struct mv_sums *s, uint32_t kind, uint32_t grant,
                            uint32_t a, uint32_t b)
{
	if (s->slots == 0)
		return NULL;
	struct mv_sum *e = mv_sums_probe(s, kind, grant, a, b);
	return e->kind != 0 ? e : NULL;
}

void mv_sum_fold(struct mv_sum *sum, uint64_t seq, ml_day date,
                 const struct ml_post *p, int sign)
{
	ML_ASSERT(sign == 1 || sign == -1);
	uint64_t d0 = p->bucket[0] >= 0 ? (uint64_t)p->delta[0] : 0;
	uint64_t d1 = p->bucket[1] >= 0 ? (uint64_t)p->delta[1] : 0;
	uint64_t shape = (uint64_t)(uint32_t)date |
	                 (uint64_t)(uint8_t)p->bucket[0] << 32 |
	                 (uint64_t)(uint8_t)p->bucket[1] << 40;
	uint64_t h = mv_fmix(seq + 0x9e3779b97f4a7c15ull);
	h = mv_fmix(h ^ shape);
	h = mv_fmix(h ^ d0);
	h = mv_fmix(h ^ d1);
	uint64_t h2 = mv_fmix(h ^ 0x243f6a8885a308d3ull);
	sum->count += sign;
	sum->mix[0] += sign > 0 ? h : 0 - h;
	sum->mix[1] += sign > 0 ? h2 : 0 - h2;
}

bool mv_sums_zero(const struct mv_sums *s)
{
	for (size_t i = 0; i < s->slots; i++) {
		const struct mv_sum *e = &s->slot[i];
		if (e->count != 0 || e->mix[0] != 0 || e->mix[1] != 0)
			return false;
	}
	return true;
}

void mv_sums_free(struct mv_sums *s)
{
	free(s->slot);
	memset(s, 0, sizeof *s);
}

/*
 * ml_verify_corr.c — what verify's replay knows of corrections, by seq.
 *
 * Verify needs, for a few seqs only, what used to be three arrays over
 * every event: which correction corrected seq (the corrections index,
 * "corrected already"), which one withdrew seq's records (every stored
 * entry's corrected_by), and the date a correction's records carry (its
 * own, or its target's; the corrections index). Those seqs are the
 * corrections and the events they correct, so an open-addressing table
 * keyed by seq holds them: O(corrections), not O(events).
 *
 * The walks ask "who withdrew seq?" once per stored entry. A filter of
 * MV_CORR_FILTER_BITS_PER bits or more per withdrawn seq, one set per
 * withdrawn seq (by a hash of it), answers the common "nobody" without
 * touching the table; it doubles, made again from the table, as the
 * withdrawn seqs grow (ml_verify_internal.h says why).
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_limits_internal.h"
#include "ml_verify_internal.h"

/* The first table: 256 slots (8 KiB). */
#define MV_CORR_FIRST_SLOTS 256u

static uint64_t mv_corr_hash(uint64_t seq)
{
	return seq * 0x9e3779b97f4a7c15ull;
}

static struct mv_fix *mv_corr_probe(const struct mv_corr *c, uint64_t seq)
{
	size_t i = (size_t)(mv_corr_hash(seq) >> 32) & (c->slots - 1);
	for (size_t n = 0; n < c->slots; n++, i = (i + 1) & (c->slots - 1)) {
		struct mv_fix *f = &c->slot[i];
		if (f->seq == 0 || f->seq == seq)
			return f;
	}
	ML_ASSERT(!"a table at most half full has a free slot");
	return NULL;
}

static int mv_corr_grow(struct mv_corr *c)
{
	size_t slots = c->slots == 0 ? MV_CORR_FIRST_SLOTS : 2 * c->slots;
	if (slots / 2 > ML_PASS_ITEMS_MAX)
		return ML_E_TOO_LARGE;
	struct mv_fix *slot = calloc(slots, sizeof *slot);
	if (slot == NULL)
		return ML_E_NOMEM;
	struct mv_fix *old = c->slot;
	size_t old_slots = c->slots;
	c->slot = slot;
	c->slots = slots;
	for (size_t i = 0; i < old_slots; i++) {
		if (old[i].seq != 0)
			*mv_corr_probe(c, old[i].seq) = old[i];
	}
	free(old);
	return 0;
}

int mv_corr_at(struct mv_corr *c, uint64_t seq, struct mv_fix **out)
{
	ML_ASSERT(seq != 0);
	int rc = 0;
	if (2 * (c->used + 1) > c->slots)
		rc = mv_corr_grow(c);
	if (rc != 0)
		return rc;
	struct mv_fix *f = mv_corr_probe(c, seq);
	if (f->seq == 0) {
		*f = (struct mv_fix){seq, 0, 0, ML_DAY_NONE};
		c->used++;
	}
	*out = f;
	return 0;
}

const struct mv_fix *mv_corr_find(const struct mv_corr *c, uint64_t seq)
{
	if (c->slots == 0 || seq == 0)
		return NULL;
	const struct mv_fix *f = mv_corr_probe(c, seq);
	return f->seq == seq ? f : NULL;
}

/* seq's bit: the hash's top bits (the table's index takes lower ones). */
static size_t mv_corr_bit(const struct mv_corr *c, uint64_t seq)
{
	ML_ASSERT(c->filter_log >= 6 && c->filter_log < 64);
	return (size_t)(mv_corr_hash(seq) >> (64 - c->filter_log));
}

static void mv_corr_filter_set(struct mv_corr *c, uint64_t seq)
{
	size_t bit = mv_corr_bit(c, seq);
	c->filter[bit / 64] |= 1ull << (bit % 64);
}

/* A filter of at least PER bits per withdrawn seq, made from the table. */
static int mv_corr_filter_grow(struct mv_corr *c)
{
	unsigned log = c->filter_log ? c->filter_log : MV_CORR_FILTER_FIRST_LOG;
	while (((size_t)1 << log) < c->retracted * MV_CORR_FILTER_BITS_PER)
		log++;
	/* retracted ≤ used ≤ ML_PASS_ITEMS_MAX (mv_corr_grow): ≤ 2^37 bits */
	ML_ASSERT(log <= 37);
	uint64_t *filter = calloc(((size_t)1 << log) / 64, sizeof *filter);
	if (filter == NULL)
		return ML_E_NOMEM;
	free(c->filter);
	c->filter = filter;
	c->filter_log = log;
	c->filter_bits = (size_t)1 << log;
	for (size_t i = 0; i < c->slots; i++) {
		if (c->slot[i].seq != 0 && c->slot[i].retracted_by != 0)
			mv_corr_filter_set(c, c->slot[i].seq);
	}
	return 0;
}

int mv_corr_retract(struct mv_corr *c, struct mv_fix *f, uint64_t by)
{
	ML_ASSERT(f->seq != 0 && by > f->seq);
	if (f->retracted_by == 0)
		c->retracted++;
	f->retracted_by = by;
	if (c->retracted * MV_CORR_FILTER_BITS_PER > c->filter_bits)
		return mv_corr_filter_grow(c); /* sets f's bit with the rest */
	mv_corr_filter_set(c, f->seq);
	return 0;
}

uint64_t mv_corr_retracted_by(const struct mv_corr *c, uint64_t seq)
{
	if (c->filter == NULL)
		return 0;
	size_t bit = mv_corr_bit(c, seq);
	if ((c->filter[bit / 64] >> (bit % 64) & 1) == 0)
		return 0;
	const struct mv_fix *f = mv_corr_find(c, seq);
	return f != NULL ? f->retracted_by : 0;
}

void mv_corr_free(struct mv_corr *c)
{
	free(c->slot);
	free(c->filter);
	memset(c, 0, sizeof *c);
}

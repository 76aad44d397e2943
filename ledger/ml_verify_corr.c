/*
 * ml_verify_corr.c — which correction corrected each event, in memory
 * that grows with the corrections, not with the log.
 *
 * The replay used to keep two arrays of 8 bytes per event (corrected_by
 * and retracted_by, indexed by seq; 160 MB at 10 000 000 events) although
 * only corrected events have a nonzero entry. Now: one bit per event
 * saying "corrected" (the walks ask for every entry they read, and a bit
 * answers the common "no" without a lookup), and an open-addressing table
 * from the corrected seq to its correction, with one more bit saying
 * whether that correction withdrew the event's records (retracted) or
 * posted its own. An event is corrected at most once (the replay checks
 * before it records), so an entry is written once and never removed.
 *
 * Volumes: 16 bytes per slot, at most half the slots used, so ≤ 32 bytes
 * per correction plus head / 8 bytes of bits.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_verify_internal.h"

/* The top bit of a slot's by: the correction withdrew the records. */
#define MV_CORR_RETRACTED (UINT64_C(1) << 63)

/* Slots of an empty table; doubled whenever half are used. */
#define MV_CORR_SLOTS_MIN 64u

int mv_corr_init(struct mv_corr *c, uint64_t head)
{
	memset(c, 0, sizeof *c);
	c->head = head;
	c->bits = calloc(head / 8 + 1, 1);
	return c->bits != NULL ? 0 : ML_E_NOMEM;
}

void mv_corr_free(struct mv_corr *c)
{
	free(c->bits);
	free(c->t.slot);
	memset(c, 0, sizeof *c);
}

static bool mv_corr_bit(const struct mv_corr *c, uint64_t seq)
{
	return seq <= c->head && c->bits != NULL &&
	       (c->bits[seq / 8] >> (seq % 8) & 1) != 0;
}

/* Fibonacci hashing of seq into a table of 2^k slots (mask = 2^k − 1). */
static size_t mv_corr_home(uint64_t seq, size_t mask)
{
	return (size_t)((seq * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & mask;
}

/* The slot holding seq, or the free one where it would go. */
static struct mv_corr_slot *mv_corr_find(struct mv_slot_table *t, uint64_t seq)
{
	size_t mask = t->slots - 1;
	for (size_t i = mv_corr_home(seq, mask);; i = (i + 1) & mask) {
		if (t->slot[i].seq == seq || t->slot[i].seq == 0)
			return &t->slot[i];
	}
}

static int mv_corr_grow(struct mv_corr *c)
{
	size_t slots = c->t.slots ? 2 * c->t.slots : MV_CORR_SLOTS_MIN;
	struct mv_slot_table n = {calloc(slots, sizeof *n.slot), slots};
	if (n.slot == NULL)
		return ML_E_NOMEM;
	for (size_t i = 0; i < c->t.slots; i++) {
		if (c->t.slot[i].seq != 0)
			*mv_corr_find(&n, c->t.slot[i].seq) = c->t.slot[i];
	}
	free(c->t.slot);
	c->t = n;
	return 0;
}

int mv_corr_set(struct mv_corr *c, uint64_t seq, uint64_t by, bool retracted)
{
	ML_ASSERT(seq != 0 && seq <= c->head && by != 0 &&
	          by < MV_CORR_RETRACTED && !mv_corr_bit(c, seq));
	if (2 * (c->n + 1) > c->t.slots) {
		int rc = mv_corr_grow(c);
		if (rc != 0)
			return rc;
	}
	struct mv_corr_slot *s = mv_corr_find(&c->t, seq);
	s->seq = seq;
	s->by = by | (retracted ? MV_CORR_RETRACTED : 0);
	c->n++;
	c->bits[seq / 8] |= (unsigned char)(1u << (seq % 8));
	return 0;
}

/* The slot's by with its flag, 0 when seq was not corrected. */
static uint64_t mv_corr_get(const struct mv_corr *c, uint64_t seq)
{
	if (!mv_corr_bit(c, seq))
		return 0;
	struct mv_slot_table t = c->t;
	struct mv_corr_slot *s = mv_corr_find(&t, seq);
	ML_ASSERT(s->seq == seq);
	return s->by;
}

uint64_t mv_corrected_by(const struct mv_corr *c, uint64_t seq)
{
	return mv_corr_get(c, seq) & ~MV_CORR_RETRACTED;
}

uint64_t mv_retracted_by(const struct mv_corr *c, uint64_t seq)
{
	uint64_t by = mv_corr_get(c, seq);
	return (by & MV_CORR_RETRACTED) ? by & ~MV_CORR_RETRACTED : 0;
}

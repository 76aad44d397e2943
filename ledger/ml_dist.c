/*
 * ml_dist.c — largest-remainder shares of a distribution (ml_dist.h).
 *
 * Called by the state for every distribution appended or corrected, by
 * verify and export for every one replayed, and by the API for
 * GET /v1/distributions/{seq}. A key has at most ML_KEY_PARTIES_MAX
 * parties, so one computation is a pass over ≤ 1 000 weights and one sort
 * of ≤ 1 000 remainders: microseconds.
 *
 * Exactness: with A ≤ 10^15 units and w ≤ 10^12, A·w < 2^90 is formed in
 * unsigned 128-bit arithmetic; the quotient ⌊A·w/W⌋ ≤ A and the remainder
 * < W ≤ 10^15 both fit an int64. The leftover R = A − Σ⌊A·w/W⌋ is below
 * the number of parties (each floor loses less than one unit and the
 * exact parts sum to A), which is asserted: the rule hands out exactly R
 * single units, so the shares sum to A.
 */
#include "ml_dist.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_error.h"
#include "ml_limits.h"

typedef unsigned __int128 ml_u128;

static bool ml_key_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One "id":weight at key.ptr[*pos]; advances *pos past it. */
static int ml_key_item_at(struct ml_str key, size_t *pos,
                          struct ml_key_item *it)
{
	size_t p = *pos, start;
	if (p >= key.len || key.ptr[p] != '"')
		return ML_E_CORRUPT;
	start = ++p;
	while (p < key.len && key.ptr[p] != '"')
		p++;
	if (p + 2 >= key.len || p == start || key.ptr[p + 1] != ':')
		return ML_E_CORRUPT;
	it->party.ptr = key.ptr + start;
	it->party.len = (uint32_t)(p - start);
	p += 2;
	int64_t w = 0;
	int digits = 0;
	for (; p < key.len && ml_key_digit(key.ptr[p]) && digits < 14; p++) {
		w = w * 10 + (key.ptr[p] - '0');
		digits++;
	}
	if (digits == 0 || w < 1 || w > ML_KEY_WEIGHT_MAX)
		return ML_E_CORRUPT;
	it->weight = w;
	*pos = p;
	return 0;
}

int ml_key_parse(struct ml_str key, struct ml_key_item *items, size_t max,
                 size_t *count)
{
	size_t pos = 1, n = 0;
	*count = 0;
	if (key.ptr == NULL || key.len < 2 || key.ptr[0] != '{')
		return ML_E_CORRUPT;
	for (;;) {
		if (n >= max || n >= ML_KEY_PARTIES_MAX)
			return ML_E_CORRUPT;
		int rc = ml_key_item_at(key, &pos, &items[n]);
		if (rc != 0)
			return rc;
		n++;
		if (pos < key.len && key.ptr[pos] == ',') {
			pos++;
			continue;
		}
		if (pos + 1 == key.len && key.ptr[pos] == '}')
			break;
		return ML_E_CORRUPT;
	}
	*count = n;
	return 0;
}

bool ml_key_names(struct ml_str key, struct ml_str party)
{
	size_t pos = 1;
	if (key.ptr == NULL || key.len < 2 || party.ptr == NULL)
		return false;
	for (int i = 0; i < ML_KEY_PARTIES_MAX; i++) {
		struct ml_key_item it;
		if (ml_key_item_at(key, &pos, &it) != 0)
			return false;
		if (ml_str_eq(it.party, party))
			return true;
		if (pos >= key.len || key.ptr[pos] != ',')
			return false;
		pos++;
	}
	return false;
}

int ml_key_each(struct ml_str key, ml_key_party_fn fn, void *arg)
{
	size_t pos = 1;
	if (key.ptr == NULL || key.len < 2 || key.ptr[0] != '{')
		return ML_E_CORRUPT;
	for (int i = 0; i < ML_KEY_PARTIES_MAX; i++) {
		struct ml_key_item it;
		int rc = ml_key_item_at(key, &pos, &it);
		if (rc == 0)
			rc = fn(arg, it.party);
		if (rc != 0)
			return rc;
		if (pos + 1 == key.len && key.ptr[pos] == '}')
			return 0;
		if (pos >= key.len || key.ptr[pos] != ',')
			return ML_E_CORRUPT;
		pos++;
	}
	return ML_E_CORRUPT;
}

int64_t ml_dist_unit_ore(const struct ml_event *ev)
{
	return ml_str_eq_c(ev->round_to, "ore") ? 1 : 100;
}

/* One party's claim on a leftover unit. */
struct ml_rem {
	int64_t rem; /* A·w mod W */
	int64_t weight;
	struct ml_str party;
	size_t index; /* into the caller's items */
};

static int ml_id_cmp(struct ml_str a, struct ml_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = memcmp(a.ptr, b.ptr, n);
	if (c != 0)
		return c;
	return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* Who gets a leftover unit first: the larger remainder, then the larger
 * weight, then the party id first in code-point order (memcmp of UTF-8
 * bytes is code-point order). */
static int ml_rem_first(const void *pa, const void *pb)
{
	const struct ml_rem *a = pa, *b = pb;
	if (a->rem != b->rem)
		return a->rem > b->rem ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	return ml_id_cmp(a->party, b->party);
}

int ml_dist_shares(int64_t amount_ore, int64_t unit_ore,
                   const struct ml_key_item *items, size_t count,
                   int64_t *share_ore)
{
	ML_ASSERT(count >= 1 && count <= ML_KEY_PARTIES_MAX);
	ML_ASSERT(unit_ore == 1 || unit_ore == 100);
	ML_ASSERT(amount_ore >= 1 && amount_ore <= ML_AMOUNT_MAX_ORE &&
	          amount_ore % unit_ore == 0);
	struct ml_rem *r = malloc(count * sizeof *r);
	if (r == NULL)
		return ML_E_NOMEM;
	int64_t units = amount_ore / unit_ore, total_w = 0, given = 0;
	for (size_t i = 0; i < count; i++) {
		ML_ASSERT(items[i].weight >= 1 &&
		          items[i].weight <= ML_KEY_WEIGHT_MAX);
		total_w += items[i].weight; /* ≤ 10^15: no overflow */
	}
	for (size_t i = 0; i < count; i++) {
		ml_u128 prod = (ml_u128)units * (ml_u128)items[i].weight;
		int64_t q = (int64_t)(prod / (ml_u128)total_w);
		r[i] = (struct ml_rem){(int64_t)(prod % (ml_u128)total_w),
		                       items[i].weight, items[i].party, i};
		share_ore[i] = q;
		given += q;
	}
	int64_t left = units - given;
	ML_ASSERT(left >= 0 && (size_t)left < count);
	qsort(r, count, sizeof *r, ml_rem_first);
	for (int64_t k = 0; k < left; k++)
		share_ore[r[k].index]++;
	for (size_t i = 0; i < count; i++)
		share_ore[i] *= unit_ore;
	free(r);
	return 0;
}

int ml_dist_of(const struct ml_event *ev, struct ml_key_item **items_out,
               int64_t **shares_out, size_t *count_out)
{
	struct ml_key_item *items = malloc(ML_KEY_PARTIES_MAX * sizeof *items);
	int64_t *shares = NULL;
	size_t n = 0;
	int rc = items != NULL
	             ? ml_key_parse(ev->key, items, ML_KEY_PARTIES_MAX, &n)
	             : ML_E_NOMEM;
	int64_t unit = ml_dist_unit_ore(ev);
	if (rc == 0 && (ev->amount_ore < 1 || ev->amount_ore % unit != 0 ||
	                ev->amount_ore > ML_AMOUNT_MAX_ORE))
		rc = ML_E_CORRUPT;
	if (rc == 0) {
		shares = malloc(n * sizeof *shares);
		rc = shares != NULL ? 0 : ML_E_NOMEM;
	}
	if (rc == 0)
		rc = ml_dist_shares(ev->amount_ore, unit, items, n, shares);
	if (rc != 0) {
		free(items);
		free(shares);
		return rc;
	}
	*items_out = items;
	*shares_out = shares;
	*count_out = n;
	return 0;
}

/*
 * ml_dist.h — a distribution's key and the shares it gives (DOMAIN.md
 * "Conditional allocations and distributions").
 *
 * A distribution event carries its key as canonical JSON text,
 * {"party":weight,…} with the party ids in code-point order and no
 * spaces (ml_json_decode.c builds it; ML_KEY_BYTES_MAX bounds it). From
 * the event alone anyone recomputes the shares: amount A counted in units
 * u (100 öre for round_to "kr", the default, 1 öre for "ore"; A is a whole
 * number of units), total weight W; each party first gets ⌊A·w/W⌋ units,
 * then the R units left over go one each to the R parties with the
 * largest remainders A·w mod W, ties broken by the larger weight, then by
 * the party id in code-point order. The shares sum to A exactly.
 *
 * The arithmetic is exact: A·w ≤ 10^15 × ML_KEY_WEIGHT_MAX = 10^27 is
 * computed in 128 bits; W ≤ ML_KEY_PARTIES_MAX × ML_KEY_WEIGHT_MAX fits an
 * int64. Nothing here reads the ledger; the state, verify, export, the
 * API and the tests all ask these functions, so the rule is written once.
 */
#ifndef ML_DIST_H
#define ML_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_event.h"

struct ml_key_item {
	struct ml_str party; /* points into the key text */
	int64_t weight;      /* 1 ..= ML_KEY_WEIGHT_MAX */
};

/* Splits canonical key text into items[0..*count) (≤ max), in the text's
 * (code-point) order. Errors: ML_E_CORRUPT when the text is not a
 * canonical key (the ledger never stores one) or holds more than max
 * parties. The items point into key.ptr. */
int ml_key_parse(struct ml_str key, struct ml_key_item *items, size_t max,
                 size_t *count);

/* Is party one of the key's parties? (false for text that is not a key) */
bool ml_key_names(struct ml_str key, struct ml_str party);

/* Calls fn(arg, party) for each of the key's parties in the text's
 * order, without allocating (the log's index walks up to
 * ML_KEY_PARTIES_MAX names this way). Stops at fn's first non-zero
 * result and returns it; ML_E_CORRUPT for text that is not a key. */
typedef int (*ml_key_party_fn)(void *arg, struct ml_str party);
int ml_key_each(struct ml_str key, ml_key_party_fn fn, void *arg);

/* The unit of ev's shares in öre: 100 (round_to absent or "kr") or 1. */
int64_t ml_dist_unit_ore(const struct ml_event *ev);

/* share_ore[i] = the share of items[i] of amount_ore, by largest
 * remainder in units of unit_ore (100 or 1). Requires 1 ≤ count ≤
 * ML_KEY_PARTIES_MAX, every weight in 1 ..= ML_KEY_WEIGHT_MAX, distinct
 * parties, amount_ore in 1 ..= ML_AMOUNT_MAX_ORE and a whole number of
 * units (the decoder has checked all of it: here it is asserted). The
 * items may come in any order; ties are broken by the rule, not by
 * position. Errors: ML_E_NOMEM. */
int ml_dist_shares(int64_t amount_ore, int64_t unit_ore,
                   const struct ml_key_item *items, size_t count,
                   int64_t *share_ore);

/* The shares of a stored or decoded distribution event: parses its key
 * into *items_out and computes *shares_out (both malloc'd, count
 * entries; free them with free()). Errors: ML_E_CORRUPT, ML_E_NOMEM. */
int ml_dist_of(const struct ml_event *ev, struct ml_key_item **items_out,
               int64_t **shares_out, size_t *count_out);

#endif /* ML_DIST_H */

/*
 * ml_cache.h — facts the writer looks up on every event and that never
 * change once committed: a party's or grant's number, a grant's payer
 * and parent (DOMAIN.md: a definition may change a grant's name, total
 * and deadlines, never its payer or parent; numbers are never reused).
 *
 * Only committed facts may enter: a name interned by a batch that is
 * later aborted must not be remembered, because its number would be
 * given to another name. The state therefore caches a number only when
 * it is ≤ the count that was committed when the write transaction began.
 * Other processes can only add facts, never change these, so the cache
 * stays true across processes too.
 *
 * Bounded: at most entries_max names (the writer's cache uses
 * ML_CACHE_ENTRIES_MAX); past that, lookups simply go to LMDB. verify
 * uses one sized to hold every name. Not thread-safe.
 */
#ifndef ML_CACHE_H
#define ML_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "ml_event.h"
#include "ml_limits_internal.h"

struct ml_cache;

int ml_cache_new(uint32_t entries_max, struct ml_cache **out);
void ml_cache_free(struct ml_cache *c);

/* kind is 'p' or 'g'. True and *no when cached. */
bool ml_cache_name(const struct ml_cache *c, char kind, struct ml_str id,
                   uint32_t *no);
/* Remembers id → no (no-op when full or out of memory). */
void ml_cache_put_name(struct ml_cache *c, char kind, struct ml_str id,
                       uint32_t no);

/* True and the grant's payer and parent when cached. */
bool ml_cache_grant(const struct ml_cache *c, uint32_t no, uint32_t *payer,
                    uint32_t *parent);
void ml_cache_put_grant(struct ml_cache *c, uint32_t no, uint32_t payer,
                        uint32_t parent);

#endif /* ML_CACHE_H */

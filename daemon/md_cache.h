/*
 * md_cache.h — recent read answers, per event loop, keyed by the log head.
 *
 * The ledger only grows, and every read answer is a pure function of the
 * log up to its head and of the request: the route, the raw query string,
 * and today's date (the default as_of). So an answer computed at head H
 * is exactly the answer at head H for the same request, and medeld may
 * send it again without an LMDB transaction or JSON building. The cache
 * is flushed as a whole the first time it is consulted at a new head.
 *
 * Consistency: the caller reads the head (md_server's head_seq, which the
 * writer sets after each commit returns and before any 201 of that commit
 * is sent) BEFORE it builds an answer, and stores the answer under that
 * head. The answer's snapshot is therefore never older than its key: a
 * client that saw its 201 finds only answers that include its events.
 *
 * What is kept: 200 answers of GET /v1/parties, grants, balances, trace,
 * repayments, deadlines and /v1/events/{seq}. Not GET /v1/events (a
 * long-poll must park on an empty page, not get it from here), verify,
 * healthz, metrics, errors. Bounded by MD_CACHE_ENTRIES_MAX entries and
 * MD_CACHE_BYTES_MAX bytes; the least recently used entry goes first.
 *
 * One cache per loop, used by that loop's thread only: no locks.
 */
#ifndef MD_CACHE_H
#define MD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ma_api.h"
#include "md_limits.h"

struct md_cache;

struct md_cache *md_cache_new(void);
void md_cache_free(struct md_cache *c);

/* Whether answers of this route are kept. */
bool md_cache_route(enum ma_route route);

/* The answer for (route, path, query) at head_seq on day today, or NULL.
 * The bytes stay valid until the next md_cache_put or a new head. */
const char *md_cache_get(struct md_cache *c, uint64_t head_seq, int32_t today,
                         const char *path, const char *query, size_t *len);

/* Remembers a copy of body for the same key. Silently does nothing when
 * the answer is too big or memory is short. */
void md_cache_put(struct md_cache *c, uint64_t head_seq, int32_t today,
                  const char *path, const char *query, const char *body,
                  size_t len);

#endif /* MD_CACHE_H */

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
 * A hit is sent without a copy (md_cache_hold): the slot is held until
 * the evbuffer that references its bytes lets them go, and a held slot
 * is never given to another answer. A copy per hit (a 3.5 KiB malloc,
 * memcpy and free, with glibc consolidating its fast bins for the
 * malloc) was ~6 % of a cached answer's CPU (docs/performance.md,
 * 2026-12-03 h-md).
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

/* A held answer: its bytes, and the slot they live in. */
struct md_cache_hit {
	const char *body;
	size_t len;
	void *slot;
};

/* The answer for (route, path, query) at head_seq on day today: true and
 * *hit, or false. The answer is held: its bytes stay as they are, even
 * when the head moves or the cache fills (a held slot is never reused or
 * freed), until md_cache_unhold(…, hit->slot), so they can go to an
 * evbuffer by reference, without a copy. Every hold needs its unhold
 * before md_cache_free. */
bool md_cache_hold(struct md_cache *c, uint64_t head_seq, int32_t today,
                   const char *path, const char *query,
                   struct md_cache_hit *hit);

/* Ends one hold of slot. Its signature is evbuffer_add_reference's
 * cleanup (body and len are not used). On the cache's loop thread. */
void md_cache_unhold(const void *body, size_t len, void *slot);

/* Remembers a copy of body for the same key. Silently does nothing when
 * the answer is too big or memory is short. */
void md_cache_put(struct md_cache *c, uint64_t head_seq, int32_t today,
                  const char *path, const char *query, const char *body,
                  size_t len);

#endif /* MD_CACHE_H */

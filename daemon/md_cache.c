/*
 * md_cache.c — a small LRU of answers (see md_cache.h for why it is
 * correct to keep them).
 *
 * An entry's key is "path?query" plus today's day number; all entries
 * share the cache's head. Lookups hash the key (FNV-1a) and compare hash,
 * length and bytes over at most MD_CACHE_ENTRIES_MAX slots: a few hundred
 * nanoseconds, against the tens of microseconds an answer takes to build.
 *
 * Slots keep their memory when the head moves or an entry is replaced
 * (realloc only when an answer outgrows it), so a stream of queries that
 * always miss does not churn the allocator: the cost of a miss is one
 * pass over the slots and one copy of the answer.
 */
#include "md_cache.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"

struct md_cache_entry {
	bool live; /* holds an answer at the cache's head */
	char *key; /* "path?query"; memory kept when not live */
	size_t key_len;
	size_t key_cap; /* bytes allocated for key */
	uint64_t hash;  /* of key and today */
	int32_t today;
	char *body;
	size_t len;
	size_t cap;     /* bytes allocated for body */
	uint64_t used;  /* tick of the last hit, for LRU */
	uint32_t holds; /* hits not yet let go (md_cache_hold); while > 0
	                   the slot is not reused, realloc'ed or freed */
};

struct md_cache {
	uint64_t head_seq; /* every entry is an answer at this head */
	uint64_t tick;
	size_t bytes; /* allocated by all slots, ≤ MD_CACHE_BYTES_MAX */
	struct md_cache_entry e[MD_CACHE_ENTRIES_MAX];
};

struct md_cache *md_cache_new(void)
{
	return calloc(1, sizeof(struct md_cache));
}

/* Empties a slot and gives its memory back. */
static void md_cache_release(struct md_cache *c, struct md_cache_entry *e)
{
	c->bytes -= e->cap + e->key_cap;
	free(e->key);
	free(e->body);
	memset(e, 0, sizeof *e);
}

/* A new head makes every answer stale; slots keep their memory, so a
 * steady stream of queries does not churn the allocator. */
static void md_cache_flush(struct md_cache *c)
{
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++)
		c->e[i].live = false;
}

void md_cache_free(struct md_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++) {
		ML_ASSERT(c->e[i].holds == 0);
		md_cache_release(c, &c->e[i]);
	}
	free(c);
}

bool md_cache_route(enum ma_route route)
{
	switch (route) {
	case MA_ROUTE_PARTIES:
	case MA_ROUTE_GRANTS:
	case MA_ROUTE_BALANCES:
	case MA_ROUTE_TRACE:
	case MA_ROUTE_REPAYMENTS:
	case MA_ROUTE_DEADLINES:
	case MA_ROUTE_EVENT:
		return true;
	default:
		return false;
	}
}

static uint64_t md_fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The key "path?query" into buf; its length, or 0 if it does not fit. */
static size_t md_cache_key(const char *path, const char *query, char *buf,
                           size_t size)
{
	size_t p = strlen(path), q = query ? strlen(query) : 0;
	if (p + 1 + q >= size)
		return 0;
	memcpy(buf, path, p);
	buf[p] = '?';
	if (q > 0)
		memcpy(buf + p + 1, query, q);
	return p + 1 + q;
}

static struct md_cache_entry *md_cache_find(struct md_cache *c, const char *key,
                                            size_t n, uint64_t hash,
                                            int32_t today)
{
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++) {
		struct md_cache_entry *e = &c->e[i];
		if (e->live && e->hash == hash && e->today == today &&
		    e->key_len == n && memcmp(e->key, key, n) == 0)
			return e;
	}
	return NULL;
}

bool md_cache_hold(struct md_cache *c, uint64_t head_seq, int32_t today,
                   const char *path, const char *query,
                   struct md_cache_hit *hit)
{
	char key[MA_QUERY_BYTES_MAX + 512];
	if (head_seq != c->head_seq) {
		md_cache_flush(c);
		c->head_seq = head_seq;
		return false;
	}
	size_t n = md_cache_key(path, query, key, sizeof key);
	uint64_t hash = md_fnv(md_fnv(14695981039346656037ull, key, n),
	                       (const char *)&today, sizeof today);
	struct md_cache_entry *e =
	    n ? md_cache_find(c, key, n, hash, today) : NULL;
	if (e == NULL)
		return false;
	ML_ASSERT(e->holds < UINT32_MAX);
	e->holds++;
	e->used = ++c->tick;
	hit->body = e->body;
	hit->len = e->len;
	hit->slot = e;
	return true;
}

void md_cache_unhold(const void *body, size_t len, void *slot)
{
	struct md_cache_entry *e = slot;
	(void)body;
	(void)len;
	ML_ASSERT(e->holds > 0);
	e->holds--;
}

/* The slot to fill: an empty one, else the least recently used; never a
 * held one (NULL when every slot is held). One pass over the slots. */
static struct md_cache_entry *md_cache_victim(struct md_cache *c)
{
	struct md_cache_entry *lru = NULL;
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++) {
		struct md_cache_entry *e = &c->e[i];
		if (e->holds > 0)
			continue;
		if (!e->live)
			return e;
		if (lru == NULL || e->used < lru->used)
			lru = e;
	}
	return lru;
}

/* Makes *p hold at least need bytes, keeping c->bytes exact: the slot
 * may grow to what the other slots leave of MD_CACHE_BYTES_MAX. */
static int md_cache_fit(struct md_cache *c, char **p, size_t *cap, size_t need)
{
	size_t others = c->bytes - *cap;
	if (ml_grow((void **)p, cap, need, 1, MD_CACHE_BYTES_MAX - others) != 0)
		return -1;
	c->bytes = others + *cap;
	return 0;
}

void md_cache_put(struct md_cache *c, uint64_t head_seq, int32_t today,
                  const char *path, const char *query, const char *body,
                  size_t len)
{
	char key[MA_QUERY_BYTES_MAX + 512];
	size_t n = md_cache_key(path, query, key, sizeof key);
	if (head_seq != c->head_seq || n == 0 || len == 0 ||
	    len > MD_CACHE_ENTRY_BYTES_MAX)
		return;
	uint64_t hash = md_fnv(md_fnv(14695981039346656037ull, key, n),
	                       (const char *)&today, sizeof today);
	if (md_cache_find(c, key, n, hash, today) != NULL)
		return;
	struct md_cache_entry *e = md_cache_victim(c);
	if (e == NULL)
		return; /* every slot is being sent */
	e->live = false;
	if (md_cache_fit(c, &e->key, &e->key_cap, n) != 0 ||
	    md_cache_fit(c, &e->body, &e->cap, len) != 0) {
		md_cache_release(c, e); /* over the ceiling: give it back */
		return;
	}
	memcpy(e->key, key, n);
	memcpy(e->body, body, len);
	e->key_len = n;
	e->len = len;
	e->hash = hash;
	e->today = today;
	e->used = ++c->tick;
	e->live = true;
}

/*
 * md_cache.c — a small LRU of answers (see md_cache.h for why it is
 * correct to keep them).
 *
 * An entry's key is "path?query" plus today's day number; all entries
 * share the cache's head. A key's hash (FNV-1a) picks one of
 * MD_CACHE_BUCKETS chains of entries, where lookups compare hash, length
 * and bytes: a chain holds about one entry. The entries are also on one
 * list, most recently used first, every live entry before every empty
 * one; a new answer takes the last entry that is not held (an empty one
 * when there is one, else the least recently used). So a miss costs a
 * hash, a short chain, and the answer's copy — not, as before, two passes
 * over all MD_CACHE_ENTRIES_MAX slots (~20 KiB of memory read per miss,
 * ~3 % of a built answer's CPU: docs/performance.md, 2026-12-03 h-req).
 *
 * Slots keep their memory when the head moves or an entry is replaced
 * (realloc only when an answer outgrows it), so a stream of queries that
 * always miss does not churn the allocator.
 */
#include "md_cache.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"

/* Hash chains: a power of two, twice the entries, so chains stay short. */
#define MD_CACHE_BUCKETS (2 * MD_CACHE_ENTRIES_MAX)
static_assert((MD_CACHE_BUCKETS & (MD_CACHE_BUCKETS - 1)) == 0,
              "MD_CACHE_BUCKETS must be a power of two");
static_assert(MD_CACHE_ENTRIES_MAX < UINT16_MAX,
              "entry numbers + 1 must fit the chains' uint16_t");

struct md_cache_entry {
	bool live; /* holds an answer at the cache's head, on its chain */
	char *key; /* "path?query"; memory kept when not live */
	size_t key_len;
	size_t key_cap; /* bytes allocated for key */
	uint64_t hash;  /* of key and today */
	int32_t today;
	char *body;
	size_t len;
	size_t cap;     /* bytes allocated for body */
	uint32_t holds; /* hits not yet let go (md_cache_hold); while > 0
	                   the slot is not reused, realloc'ed or freed */
	uint16_t chain; /* live: the next entry on its chain + 1; 0 end */
	uint16_t newer, older; /* on the use list: entry number + 1; 0 none */
};

struct md_cache {
	uint64_t head_seq; /* every entry is an answer at this head */
	size_t bytes;      /* allocated by all slots, ≤ MD_CACHE_BYTES_MAX */
	uint16_t bucket[MD_CACHE_BUCKETS]; /* first entry + 1 of a chain */
	uint16_t newest, oldest;           /* the use list's ends, + 1 */
	struct md_cache_entry e[MD_CACHE_ENTRIES_MAX];
};

static struct md_cache_entry *md_cache_at(struct md_cache *c, uint16_t n)
{
	ML_ASSERT(n <= MD_CACHE_ENTRIES_MAX);
	return n == 0 ? NULL : &c->e[n - 1];
}

static uint16_t md_cache_no(const struct md_cache *c,
                            const struct md_cache_entry *e)
{
	return (uint16_t)(e - c->e + 1);
}

/* Takes e off the use list. */
static void md_cache_unlink(struct md_cache *c, struct md_cache_entry *e)
{
	struct md_cache_entry *newer = md_cache_at(c, e->newer);
	struct md_cache_entry *older = md_cache_at(c, e->older);
	if (newer != NULL)
		newer->older = e->older;
	else
		c->newest = e->older;
	if (older != NULL)
		older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = 0;
}

/* Puts e at the use list's newest end (a live entry just used) or its
 * oldest (an empty one, first to be taken). */
static void md_cache_link(struct md_cache *c, struct md_cache_entry *e,
                          bool newest)
{
	uint16_t n = md_cache_no(c, e);
	if (newest) {
		e->older = c->newest;
		if (c->newest != 0)
			md_cache_at(c, c->newest)->newer = n;
		else
			c->oldest = n;
		c->newest = n;
	} else {
		e->newer = c->oldest;
		if (c->oldest != 0)
			md_cache_at(c, c->oldest)->older = n;
		else
			c->newest = n;
		c->oldest = n;
	}
}

struct md_cache *md_cache_new(void)
{
	struct md_cache *c = calloc(1, sizeof(struct md_cache));
	for (size_t i = 0; c != NULL && i < MD_CACHE_ENTRIES_MAX; i++)
		md_cache_link(c, &c->e[i], true);
	return c;
}

/* Takes a live e off its chain; it is empty from then on. */
static void md_cache_drop(struct md_cache *c, struct md_cache_entry *e)
{
	uint16_t *at = &c->bucket[e->hash & (MD_CACHE_BUCKETS - 1)];
	uint16_t n = md_cache_no(c, e);
	ML_ASSERT(e->live);
	for (unsigned i = 0; *at != n; i++) {
		ML_ASSERT(*at != 0 && i < MD_CACHE_ENTRIES_MAX);
		at = &md_cache_at(c, *at)->chain;
	}
	*at = e->chain;
	e->chain = 0;
	e->live = false;
}

/* Empties a slot and gives its memory back; it goes to the use list's
 * oldest end. */
static void md_cache_release(struct md_cache *c, struct md_cache_entry *e)
{
	c->bytes -= e->cap + e->key_cap;
	free(e->key);
	free(e->body);
	md_cache_unlink(c, e);
	memset(e, 0, sizeof *e);
	md_cache_link(c, e, false);
}

/* A new head makes every answer stale; slots keep their memory, so a
 * steady stream of queries does not churn the allocator. */
static void md_cache_flush(struct md_cache *c)
{
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++) {
		c->e[i].live = false;
		c->e[i].chain = 0;
	}
	memset(c->bucket, 0, sizeof c->bucket);
}

void md_cache_free(struct md_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++) {
		ML_ASSERT(c->e[i].holds == 0);
		free(c->e[i].key);
		free(c->e[i].body);
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
	struct md_cache_entry *e =
	    md_cache_at(c, c->bucket[hash & (MD_CACHE_BUCKETS - 1)]);
	for (unsigned i = 0; e != NULL; i++, e = md_cache_at(c, e->chain)) {
		ML_ASSERT(e->live && i < MD_CACHE_ENTRIES_MAX);
		if (e->hash == hash && e->today == today && e->key_len == n &&
		    memcmp(e->key, key, n) == 0)
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
	md_cache_unlink(c, e);
	md_cache_link(c, e, true);
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

/* The slot to fill: the oldest on the use list that is not held (an
 * empty one when there is one: they are all older than the live ones),
 * taken off its chain; NULL when every slot is held. */
static struct md_cache_entry *md_cache_victim(struct md_cache *c)
{
	struct md_cache_entry *e = md_cache_at(c, c->oldest);
	for (unsigned i = 0; e != NULL && e->holds > 0; i++) {
		ML_ASSERT(i < MD_CACHE_ENTRIES_MAX);
		e = md_cache_at(c, e->newer);
	}
	if (e != NULL && e->live)
		md_cache_drop(c, e);
	return e;
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
	e->live = true;
	uint16_t *chain = &c->bucket[hash & (MD_CACHE_BUCKETS - 1)];
	e->chain = *chain;
	*chain = md_cache_no(c, e);
	md_cache_unlink(c, e);
	md_cache_link(c, e, true);
}

/*
 * md_cache.c — a small LRU of answers (see md_cache.h for why it is
 * correct to keep them).
 *
 * An entry's key is "path?query" plus today's day number; all entries
 * share the cache's head. Lookups hash the key (FNV-1a) and compare hash,
 * length and bytes over at most MD_CACHE_ENTRIES_MAX slots: a few hundred
 * nanoseconds, against the tens of microseconds an answer takes to build.
 */
#include "md_cache.h"

#include <stdlib.h>
#include <string.h>

struct md_cache_entry {
	char *key; /* "path?query", NULL when the slot is free */
	size_t key_len;
	uint64_t hash; /* of key and today */
	int32_t today;
	char *body;
	size_t len;
	uint64_t used; /* tick of the last hit, for LRU */
};

struct md_cache {
	uint64_t head_seq; /* every entry is an answer at this head */
	uint64_t tick;
	size_t bytes; /* ≤ MD_CACHE_BYTES_MAX */
	struct md_cache_entry e[MD_CACHE_ENTRIES_MAX];
};

struct md_cache *md_cache_new(void)
{
	return calloc(1, sizeof(struct md_cache));
}

static void md_cache_drop(struct md_cache *c, struct md_cache_entry *e)
{
	c->bytes -= e->len + e->key_len;
	free(e->key);
	free(e->body);
	memset(e, 0, sizeof *e);
}

static void md_cache_flush(struct md_cache *c)
{
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++)
		if (c->e[i].key != NULL)
			md_cache_drop(c, &c->e[i]);
}

void md_cache_free(struct md_cache *c)
{
	if (c == NULL)
		return;
	md_cache_flush(c);
	free(c);
}

bool md_cache_route(enum md_route route)
{
	switch (route) {
	case MD_ROUTE_PARTIES:
	case MD_ROUTE_GRANTS:
	case MD_ROUTE_BALANCES:
	case MD_ROUTE_TRACE:
	case MD_ROUTE_REPAYMENTS:
	case MD_ROUTE_DEADLINES:
	case MD_ROUTE_EVENT:
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
		if (e->key != NULL && e->hash == hash && e->today == today &&
		    e->key_len == n && memcmp(e->key, key, n) == 0)
			return e;
	}
	return NULL;
}

const char *md_cache_get(struct md_cache *c, uint64_t head_seq, int32_t today,
                         const char *path, const char *query, size_t *len)
{
	char key[MD_QUERY_BYTES_MAX + 512];
	if (head_seq != c->head_seq) {
		md_cache_flush(c);
		c->head_seq = head_seq;
		return NULL;
	}
	size_t n = md_cache_key(path, query, key, sizeof key);
	uint64_t hash = md_fnv(md_fnv(14695981039346656037ull, key, n),
	                       (const char *)&today, sizeof today);
	struct md_cache_entry *e =
	    n ? md_cache_find(c, key, n, hash, today) : NULL;
	if (e == NULL)
		return NULL;
	e->used = ++c->tick;
	*len = e->len;
	return e->body;
}

/* A free slot, evicting least recently used entries until `need` more
 * bytes fit. */
static struct md_cache_entry *md_cache_room(struct md_cache *c, size_t need)
{
	struct md_cache_entry *free_slot = NULL;
	for (;;) {
		struct md_cache_entry *lru = NULL;
		for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++) {
			struct md_cache_entry *e = &c->e[i];
			if (e->key == NULL)
				free_slot = free_slot ? free_slot : e;
			else if (lru == NULL || e->used < lru->used)
				lru = e;
		}
		if (free_slot != NULL && c->bytes + need <= MD_CACHE_BYTES_MAX)
			return free_slot;
		if (lru == NULL)
			return NULL;
		md_cache_drop(c, lru); /* bounded: one entry fewer each time */
	}
}

void md_cache_put(struct md_cache *c, uint64_t head_seq, int32_t today,
                  const char *path, const char *query, const char *body,
                  size_t len)
{
	char key[MD_QUERY_BYTES_MAX + 512];
	size_t n = md_cache_key(path, query, key, sizeof key);
	if (head_seq != c->head_seq || n == 0 || len > MD_CACHE_ENTRY_BYTES_MAX)
		return;
	uint64_t hash = md_fnv(md_fnv(14695981039346656037ull, key, n),
	                       (const char *)&today, sizeof today);
	if (md_cache_find(c, key, n, hash, today) != NULL)
		return;
	struct md_cache_entry *e = md_cache_room(c, len + n);
	if (e == NULL)
		return;
	e->key = malloc(n);
	e->body = malloc(len ? len : 1);
	if (e->key == NULL || e->body == NULL) {
		free(e->key);
		free(e->body);
		memset(e, 0, sizeof *e);
		return;
	}
	memcpy(e->key, key, n);
	memcpy(e->body, body, len);
	e->key_len = n;
	e->len = len;
	e->hash = hash;
	e->today = today;
	e->used = ++c->tick;
	c->bytes += len + n;
}

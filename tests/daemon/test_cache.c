/*
 * test_cache.c — medeld's answer cache (daemon/md_cache.h) against a
 * naive model: an array of entries searched one by one, the victim the
 * least recently used entry that is not held (an empty one first), as
 * md_cache.c did before it kept hash chains and a use list. Random
 * holds, puts, unholds and head changes over more keys than the cache
 * has slots; after every step the two must agree on every hit and its
 * bytes, and a held answer's bytes must stay as they were until it is
 * let go, whatever the cache did meanwhile.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "md_cache.h"
#include "mt.h"

#define KEYS      (MD_CACHE_ENTRIES_MAX * 3 / 2)
#define STEPS     200000
#define HOLDS_MAX (MD_CACHE_ENTRIES_MAX + 8)
#define BODY_MAX  64

struct model_entry {
	bool live;
	int key; /* index into the keys; day in today */
	int32_t today;
	char body[BODY_MAX];
	uint64_t used;
	unsigned holds;
};

struct model {
	uint64_t head_seq, tick;
	struct model_entry e[MD_CACHE_ENTRIES_MAX];
};

struct held {
	struct md_cache_hit hit;
	struct model_entry *m;
	char body[BODY_MAX]; /* what the hit's bytes must stay */
};

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

static void key_text(int key, char *path, size_t path_size, char *query,
                     size_t query_size)
{
	snprintf(path, path_size, "/v1/%s", key % 3 ? "balances" : "trace");
	snprintf(query, query_size, "party=p%d&as_of=2030-01-%02d", key,
	         key % 28 + 1);
}

static struct model_entry *model_find(struct model *m, int key, int32_t today)
{
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++)
		if (m->e[i].live && m->e[i].key == key &&
		    m->e[i].today == today)
			return &m->e[i];
	return NULL;
}

static struct model_entry *model_victim(struct model *m)
{
	struct model_entry *lru = NULL;
	for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++) {
		struct model_entry *e = &m->e[i];
		if (e->holds > 0)
			continue;
		if (!e->live)
			return e;
		if (lru == NULL || e->used < lru->used)
			lru = e;
	}
	return lru;
}

static void model_put(struct model *m, uint64_t head, int key, int32_t today,
                      const char *body)
{
	if (head != m->head_seq || model_find(m, key, today) != NULL)
		return;
	struct model_entry *e = model_victim(m);
	if (e == NULL)
		return;
	e->live = true;
	e->key = key;
	e->today = today;
	snprintf(e->body, sizeof e->body, "%s", body);
	e->used = ++m->tick;
}

/* One hold on both; a hit is remembered in held[]. */
static void step_hold(struct md_cache *c, struct model *m, uint64_t head,
                      int key, int32_t today, struct held *held,
                      size_t *held_count)
{
	char path[32], query[64];
	key_text(key, path, sizeof path, query, sizeof query);
	struct md_cache_hit hit = {0};
	bool got = md_cache_hold(c, head, today, path, query, &hit);
	struct model_entry *e = NULL;
	if (head != m->head_seq) {
		for (size_t i = 0; i < MD_CACHE_ENTRIES_MAX; i++)
			m->e[i].live = false;
		m->head_seq = head;
	} else {
		e = model_find(m, key, today);
	}
	MT_CHECK_INT(got, e != NULL);
	if (!got || e == NULL) {
		if (got)
			md_cache_unhold(hit.body, hit.len, hit.slot);
		return;
	}
	MT_CHECK_INT(hit.len, strlen(e->body));
	MT_CHECK(memcmp(hit.body, e->body, hit.len) == 0);
	e->holds++;
	e->used = ++m->tick;
	struct held *h = &held[(*held_count)++];
	h->hit = hit;
	h->m = e;
	snprintf(h->body, sizeof h->body, "%s", e->body);
}

static void step_unhold(struct held *held, size_t *held_count, size_t i)
{
	struct held *h = &held[i];
	MT_CHECK_INT(h->hit.len, strlen(h->body));
	MT_CHECK(memcmp(h->hit.body, h->body, h->hit.len) == 0);
	md_cache_unhold(h->hit.body, h->hit.len, h->hit.slot);
	h->m->holds--;
	held[i] = held[--*held_count];
}

static void test_cache_against_model(void)
{
	static struct model m;
	static struct held held[HOLDS_MAX];
	size_t held_count = 0;
	uint64_t head = 1;
	struct md_cache *c = md_cache_new();
	MT_REQUIRE(c != NULL);
	memset(&m, 0, sizeof m);
	for (long s = 0; s < STEPS; s++) {
		int key = (int)rnd(KEYS);
		int32_t today = 20000 + (int32_t)rnd(2);
		uint64_t r = rnd(1000);
		if (r < 2)
			head++; /* a commit: the next hold flushes */
		if (r < 450 && held_count < HOLDS_MAX) {
			step_hold(c, &m, head, key, today, held, &held_count);
		} else if (r < 900) {
			char path[32], query[64], body[BODY_MAX];
			key_text(key, path, sizeof path, query, sizeof query);
			snprintf(body, sizeof body, "{\"key\":%d,\"step\":%ld}",
			         key, s);
			md_cache_put(c, head, today, path, query, body,
			             strlen(body));
			model_put(&m, head, key, today, body);
		} else if (held_count > 0) {
			step_unhold(held, &held_count, (size_t)rnd(held_count));
		}
		if (mt_failures > 0)
			break;
	}
	while (held_count > 0)
		step_unhold(held, &held_count, held_count - 1);
	md_cache_free(c);
}

/* Every slot held: a put stores nothing and breaks nothing. */
static void test_all_held(void)
{
	static struct held held[MD_CACHE_ENTRIES_MAX];
	struct md_cache *c = md_cache_new();
	char path[32], query[64];
	MT_REQUIRE(c != NULL);
	for (int k = 0; k < MD_CACHE_ENTRIES_MAX; k++) {
		key_text(k, path, sizeof path, query, sizeof query);
		md_cache_put(c, 0, 1, path, query, "x", 1);
		MT_REQUIRE(md_cache_hold(c, 0, 1, path, query, &held[k].hit));
	}
	key_text(KEYS, path, sizeof path, query, sizeof query);
	md_cache_put(c, 0, 1, path, query, "y", 1);
	struct md_cache_hit hit;
	MT_CHECK(!md_cache_hold(c, 0, 1, path, query, &hit));
	for (int k = 0; k < MD_CACHE_ENTRIES_MAX; k++)
		md_cache_unhold(held[k].hit.body, held[k].hit.len,
		                held[k].hit.slot);
	md_cache_put(c, 0, 1, path, query, "y", 1);
	MT_CHECK(md_cache_hold(c, 0, 1, path, query, &hit));
	md_cache_unhold(hit.body, hit.len, hit.slot);
	md_cache_free(c);
}

int main(void)
{
	MT_RUN(test_cache_against_model);
	MT_RUN(test_all_held);
	return MT_EXIT();
}

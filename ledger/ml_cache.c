/*
 * ml_cache.c — an open-addressing hash table of names, and an array of
 * grant payers and parents indexed by grant number.
 *
 * The table doubles from 1 024 slots while at most half full, up to
 * 2 × ML_CACHE_ENTRIES_MAX slots; names are copied into blocks of an
 * arena. Grant facts are a plain array grown to the largest number seen.
 */
#include "ml_cache.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_error.h"
#include "ml_limits.h"

struct ml_cache_slot {
	const char *key; /* kind byte then id; NULL = empty */
	uint32_t len;    /* of key */
	uint32_t no;
};

struct ml_cache_grant {
	uint32_t payer, parent; /* payer 0 = not cached */
};

struct ml_cache {
	struct ml_cache_slot *slots;
	uint32_t cap, used; /* cap is a power of two */
	uint32_t used_max;
	struct ml_arena keys;
	struct ml_cache_grant *grants;
	uint32_t grants_cap;
};

int ml_cache_new(uint32_t entries_max, struct ml_cache **out)
{
	struct ml_cache *c = calloc(1, sizeof *c);
	if (c == NULL)
		return ML_E_NOMEM;
	c->used_max = entries_max;
	c->cap = 1024;
	c->slots = calloc(c->cap, sizeof *c->slots);
	if (c->slots == NULL) {
		free(c);
		return ML_E_NOMEM;
	}
	ml_arena_init(&c->keys, (size_t)entries_max * (ML_GRANT_ID_MAX + 8));
	*out = c;
	return 0;
}

void ml_cache_free(struct ml_cache *c)
{
	if (c == NULL)
		return;
	ml_arena_free(&c->keys);
	free(c->slots);
	free(c->grants);
	free(c);
}

static uint64_t ml_hash_key(char kind, const char *s, uint32_t len)
{
	uint64_t h = 1469598103934665603ull ^ (unsigned char)kind;
	for (uint32_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static struct ml_cache_slot *ml_find(const struct ml_cache *c, char kind,
                                     const char *s, uint32_t len)
{
	uint32_t mask = c->cap - 1;
	uint32_t i = (uint32_t)ml_hash_key(kind, s, len) & mask;
	ML_ASSERT(c->cap > 0 && (c->cap & mask) == 0); /* a power of two */
	/* At most half the slots are used (ml_cache_put_name grows first),
	 * so a free one ends the probe within cap steps. */
	ML_ASSERT(c->used < c->cap);
	for (uint32_t probes = 0;; probes++) {
		ML_ASSERT(probes < c->cap);
		struct ml_cache_slot *slot = &c->slots[i];
		if (slot->key == NULL ||
		    (slot->len == len + 1 && slot->key[0] == kind &&
		     memcmp(slot->key + 1, s, len) == 0))
			return slot;
		i = (i + 1) & mask;
	}
}

bool ml_cache_name(const struct ml_cache *c, char kind, struct ml_str id,
                   uint32_t *no)
{
	if (id.ptr == NULL)
		return false;
	const struct ml_cache_slot *slot = ml_find(c, kind, id.ptr, id.len);
	if (slot->key == NULL)
		return false;
	*no = slot->no;
	return true;
}

static bool ml_cache_rehash(struct ml_cache *c)
{
	uint32_t old_cap = c->cap;
	struct ml_cache_slot *old = c->slots;
	struct ml_cache_slot *slots =
	    calloc((size_t)old_cap * 2, sizeof *slots);
	if (slots == NULL)
		return false;
	c->slots = slots;
	c->cap = old_cap * 2;
	for (uint32_t i = 0; i < old_cap; i++) {
		if (old[i].key == NULL)
			continue;
		*ml_find(c, old[i].key[0], old[i].key + 1, old[i].len - 1) =
		    old[i];
	}
	free(old);
	return true;
}

void ml_cache_put_name(struct ml_cache *c, char kind, struct ml_str id,
                       uint32_t no)
{
	if (id.ptr == NULL || c->used >= c->used_max)
		return;
	if (c->used * 2 >= c->cap && !ml_cache_rehash(c))
		return;
	ML_ASSERT(c->used * 2 < c->cap);
	struct ml_cache_slot *slot = ml_find(c, kind, id.ptr, id.len);
	if (slot->key != NULL)
		return;
	char *key = ml_arena_alloc(&c->keys, id.len + 1);
	if (key == NULL)
		return;
	key[0] = kind;
	memcpy(key + 1, id.ptr, id.len);
	slot->key = key;
	slot->len = id.len + 1;
	slot->no = no;
	c->used++;
}

bool ml_cache_grant(const struct ml_cache *c, uint32_t no, uint32_t *payer,
                    uint32_t *parent)
{
	if (no >= c->grants_cap || c->grants[no].payer == 0)
		return false;
	*payer = c->grants[no].payer;
	*parent = c->grants[no].parent;
	return true;
}

void ml_cache_put_grant(struct ml_cache *c, uint32_t no, uint32_t payer,
                        uint32_t parent)
{
	if (no == 0 || no > ML_GRANTS_MAX)
		return;
	size_t cap = c->grants_cap;
	if (ml_grow((void **)&c->grants, &cap, (size_t)no + 1,
	            sizeof *c->grants, ML_GRANTS_MAX + 1u) != 0)
		return;
	c->grants_cap = (uint32_t)cap;
	ML_ASSERT(no < c->grants_cap);
	c->grants[no].payer = payer;
	c->grants[no].parent = parent;
}

/*
 * ml_verify_acts.c — the activity numbers (actn, ml_acts.c) against the
 * log.
 *
 * The replay numbers each (activity, unit) pair when an expense first
 * names it, as the writer does, by the pair's SHA-256 (32 bytes a pair;
 * the text of the first ML_VERIFY_ACTS_CACHED_MAX pairs is kept besides,
 * so that an expense naming a known pair is not hashed again). actn is then walked in key order: every 'h' key
 * must be the hash of a pair the log gave, holding its number; every 'n'
 * key, numbers 1 ..= n in order, must hold bytes that decode as a pair
 * and hash to that number's hash; and there must be exactly n of each.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_cache.h"
#include "ml_hash.h"
#include "ml_verify_internal.h"

static uint32_t mv_act_slot0(const struct mv_acts *a, const unsigned char *h)
{
	uint32_t v;
	memcpy(&v, h, sizeof v); /* a hash's bytes are already uniform */
	return v & (a->slots - 1);
}

/* The slot holding hash h, or the free one where it would go. */
static uint32_t *mv_act_find(const struct mv_acts *a, const unsigned char *h)
{
	ML_ASSERT(a->slots > 2 * a->n); /* a free slot ends every probe */
	for (uint32_t i = mv_act_slot0(a, h);; i = (i + 1) & (a->slots - 1)) {
		uint32_t no = a->slot[i];
		if (no == 0 || memcmp(a->hash[no], h, 32) == 0)
			return &a->slot[i];
	}
}

static int mv_acts_rehash(struct mv_acts *a)
{
	uint32_t slots = a->slots ? a->slots * 2 : 1024;
	uint32_t *slot = calloc(slots, sizeof *slot);
	if (slot == NULL)
		return ML_E_NOMEM;
	uint32_t *old = a->slot;
	a->slot = slot;
	a->slots = slots;
	for (uint32_t no = 1; no <= a->n; no++)
		*mv_act_find(a, a->hash[no]) = no;
	free(old);
	return 0;
}

/* The number of the pair with hash h, given the next one when new. */
static int mv_act_intern_hash(struct mv_acts *a, const unsigned char *h,
                              uint32_t *no)
{
	if (a->slots <= 2 * (a->n + 1)) {
		int rc = mv_acts_rehash(a);
		if (rc != 0)
			return rc;
	}
	uint32_t *s = mv_act_find(a, h);
	if (*s != 0) {
		*no = *s;
		return 0;
	}
	size_t cap = a->cap;
	int rc = ml_grow((void **)&a->hash, &cap, (size_t)a->n + 2,
	                 sizeof *a->hash, UINT32_MAX / 2);
	if (rc != 0)
		return rc;
	a->cap = (uint32_t)cap;
	*no = *s = ++a->n;
	memcpy(a->hash[*no], h, 32);
	return 0;
}

int mv_act_intern(struct mv_acts *a, struct ml_str activity, struct ml_str unit,
                  uint32_t *no)
{
	unsigned char pair[ML_ACT_PAIR_MAX], h[32];
	size_t len = ml_act_pair(activity, unit, pair);
	struct ml_str bytes = {(const char *)pair, (uint32_t)len};
	if (a->by_pair == NULL) {
		int rc = ml_cache_new(ML_VERIFY_ACTS_CACHED_MAX, &a->by_pair);
		if (rc != 0)
			return rc;
	}
	if (ml_cache_name(a->by_pair, 'a', bytes, no))
		return 0;
	int rc = ml_sha256(pair, len, h);
	if (rc == 0)
		rc = mv_act_intern_hash(a, h, no);
	if (rc == 0) /* a no-op when full: the next one hashes again */
		ml_cache_put_name(a->by_pair, 'a', bytes, *no);
	return rc;
}

void mv_acts_free(struct mv_acts *a)
{
	free(a->hash);
	free(a->slot);
	ml_cache_free(a->by_pair);
	memset(a, 0, sizeof *a);
}

/* One actn record; *hs and *ns count the 'h' and 'n' keys seen. */
static int mv_act_row(const struct mv_acts *a, const MDB_val *k,
                      const MDB_val *v, uint32_t *hs, uint32_t *ns,
                      struct mv_diff *d)
{
	const unsigned char *kb = k->mv_data;
	if (k->mv_size == 33 && kb[0] == 'h') {
		uint32_t *s = a->slots ? mv_act_find(a, kb + 1) : NULL;
		if (s == NULL || *s == 0 || v->mv_size != 4 ||
		    ml_be32_get(v->mv_data) != *s)
			return mv_differ(
			    d, "index", 0,
			    "the activity numbers (actn) hold a "
			    "pair or number the log does not give");
		++*hs;
		return 0;
	}
	uint32_t no = k->mv_size == 5 && kb[0] == 'n' ? ml_be32_get(kb + 1) : 0;
	struct ml_str act, unit;
	unsigned char h[32];
	if (no == 0 || no != *ns + 1 || no > a->n ||
	    ml_act_pair_decode(v->mv_data, v->mv_size, &act, &unit) != 0 ||
	    ml_sha256(v->mv_data, v->mv_size, h) != 0 ||
	    memcmp(h, a->hash[no], 32) != 0)
		return mv_differ(d, "index", 0,
		                 "activity number %u (actn) is not the pair "
		                 "the log gives it",
		                 no);
	++*ns;
	return 0;
}

int mv_compare_acts(struct ml_store *st, MDB_txn *txn, struct mv_expect *x,
                    struct mv_diff *d, uint64_t *checked)
{
	struct mv_cur cur;
	MDB_val k, v;
	uint32_t hs = 0, ns = 0;
	ml_reading_at(ML_DB_ACTN, 0);
	int rc = mv_cur_open(txn, st->dbi[ML_DB_ACTN], x->resident_max, &cur);
	if (rc != 0) {
		mv_cur_close(&cur);
		return ml_error_from_mdb(rc);
	}
	int mrc = mv_cur_get(&cur, &k, &v, MDB_FIRST);
	while (mrc == 0 && d->kind[0] == 0) {
		mv_act_row(&x->acts, &k, &v, &hs, &ns, d);
		++*checked;
		mrc = mv_cur_get(&cur, &k, &v, MDB_NEXT);
	}
	mv_cur_close(&cur);
	if (d->kind[0] != 0)
		return 0;
	if (mrc != MDB_NOTFOUND)
		mv_differ(d, "storage", 0,
		          "the actn database is damaged: a lookup of a stored "
		          "key does not find it, or a page cannot be read");
	else if (hs != x->acts.n || ns != x->acts.n)
		mv_differ(d, "index", 0,
		          "the activity numbers (actn) hold %u pairs; the log "
		          "gives %u",
		          ns < hs ? ns : hs, x->acts.n);
	return 0;
}

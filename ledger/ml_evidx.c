/*
 * ml_evidx.c — the log's index by name and type (see ml_evidx.h).
 *
 * Volumes: an ordinary money event has three or four entries (its type,
 * its grant, from and to), two bytes each in its name's block value,
 * plus a key and node header per (name, block): about 10–40 bytes per
 * event, the most for names that appear once a block. A batch's flush
 * does one get and one put per (name, block) it touched. Reads are a
 * seek (MDB_SET_RANGE) and a walk over the name's blocks.
 */
#include "ml_evidx.h"

#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_dist.h"
#include "ml_limits_internal.h"
#include "ml_log.h"

static void ml_evidx_add(struct ml_evidx_names *out, enum ml_evidx_kind kind,
                         struct ml_str name)
{
	if (name.ptr == NULL || name.len == 0 || name.len >= ML_EVIDX_KEY_MAX)
		return;
	for (int i = 0; i < out->count; i++)
		if (out->v[i].kind == kind && out->v[i].len == name.len &&
		    memcmp(out->v[i].key + 1, name.ptr, name.len) == 0)
			return;
	ML_ASSERT(out->count < ML_EVIDX_NAMES_MAX);
	struct ml_evidx_name *n = &out->v[out->count++];
	n->kind = kind;
	n->len = name.len;
	n->key[0] = (unsigned char)kind;
	memcpy(n->key + 1, name.ptr, name.len);
}

void ml_evidx_names_own(const struct ml_event *ev, struct ml_evidx_names *out)
{
	out->count = 0;
	ml_evidx_add(out, ML_EVIDX_GRANT, ev->grant);
	ml_evidx_add(out, ML_EVIDX_GRANT, ev->to_grant);
	if (ev->type == ML_TYPE_GRANT)
		ml_evidx_add(out, ML_EVIDX_GRANT, ev->parent);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->party);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->from);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->to);
	ml_evidx_add(out, ML_EVIDX_PARTY, ev->payer);
	if (ev->type == ML_TYPE_PARTY)
		ml_evidx_add(out, ML_EVIDX_PARTY, ev->parent);
	out->key = ev->type == ML_TYPE_DISTRIBUTION ? ev->key
	                                            : (struct ml_str){NULL, 0};
}

/* Replaces a confirm or lapse *ev by the allocation it resolves (its
 * `allocation`, kept as settles_seq or settles_id). */
static int ml_evidx_resolved(struct ml_store *st, MDB_txn *txn,
                             struct ml_event *ev)
{
	uint64_t seq = ev->settles_seq;
	int rc = seq == 0 ? ml_log_find_id(st, txn, ev->settles_id, &seq) : 0;
	if (rc == 0 && (seq == 0 || seq >= ev->seq))
		rc = ML_E_CORRUPT; /* an allocation before it, by the rules */
	if (rc == 0)
		rc = ml_log_get(st, txn, seq, ev);
	return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
}

int ml_evidx_names_in(struct ml_store *st, MDB_txn *txn,
                      const struct ml_event *ev, struct ml_evidx_names *out)
{
	struct ml_event root = *ev;
	/* A chain of corrections points ever backwards: seqs fall. */
	while (root.type == ML_TYPE_CORRECTION) {
		uint64_t target = root.corrects;
		if (target == 0 || target >= root.seq)
			return ML_E_CORRUPT;
		int rc = ml_log_get(st, txn, target, &root);
		if (rc != 0)
			return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
	}
	if (root.type == ML_TYPE_CONFIRM || root.type == ML_TYPE_LAPSE) {
		int rc = ml_evidx_resolved(st, txn, &root);
		if (rc != 0)
			return rc;
	}
	ml_evidx_names_own(&root, out); /* copies: root's bytes may move */
	return 0;
}

bool ml_evidx_names_have(const struct ml_evidx_names *names,
                         enum ml_evidx_kind kind, const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < names->count; i++)
		if (names->v[i].kind == kind && names->v[i].len == len &&
		    memcmp(names->v[i].key + 1, name, len) == 0)
			return true;
	return kind == ML_EVIDX_PARTY && names->key.ptr != NULL &&
	       ml_key_names(names->key, ml_str_c(name));
}

/* Calls fn(arg, kind ‖ party, seq) for each key party of names that is
 * not one of its fixed names (a key never names from, but an index entry
 * twice for one seq would break a block's rising order). */
struct ml_evidx_walk {
	const struct ml_evidx_names *names;
	uint64_t seq;
	int (*gather)(void *arg, const unsigned char *key, size_t len,
	              uint64_t seq);
	void *arg;
};

static int ml_evidx_walk_one(void *arg, struct ml_str party)
{
	struct ml_evidx_walk *w = arg;
	const struct ml_evidx_names *n = w->names;
	if (party.len == 0 || party.len >= ML_EVIDX_KEY_MAX)
		return ML_E_CORRUPT;
	for (int i = 0; i < n->count; i++)
		if (n->v[i].kind == ML_EVIDX_PARTY &&
		    ml_str_eq((struct ml_str){(const char *)n->v[i].key + 1,
		                              n->v[i].len},
		              party))
			return 0;
	unsigned char k[ML_EVIDX_KEY_MAX];
	k[0] = ML_EVIDX_PARTY;
	memcpy(k + 1, party.ptr, party.len);
	return w->gather(w->arg, k, 1 + party.len, w->seq);
}

/* Every name of names (fixed, then key parties) to gather, with seq. */
static int ml_evidx_each(const struct ml_evidx_names *names, uint64_t seq,
                         int (*gather)(void *arg, const unsigned char *key,
                                       size_t len, uint64_t seq),
                         void *arg)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < names->count; i++)
		rc = gather(arg, names->v[i].key, 1 + names->v[i].len, seq);
	if (rc != 0 || names->key.ptr == NULL)
		return rc;
	struct ml_evidx_walk w = {names, seq, gather, arg};
	return ml_key_each(names->key, ml_evidx_walk_one, &w);
}

void ml_evidx_batch_init(struct ml_evidx_batch *b)
{
	memset(b, 0, sizeof *b);
	/* Each name once: every party and grant of a batch at most. */
	/* Each name once: an early write-out (ml_evidx_batch_full) leaves at
	 * most ML_EVIDX_BATCH_ENTRIES_MAX entries and then one event's. */
	ml_buf_init(&b->bytes, (ML_EVIDX_BATCH_ENTRIES_MAX +
	                        ML_EVIDX_NAMES_MAX + 1 + ML_KEY_PARTIES_MAX) *
	                           ML_EVIDX_KEY_MAX);
}

void ml_evidx_batch_free(struct ml_evidx_batch *b)
{
	free(b->keys);
	free(b->slots);
	free(b->v);
	free(b->sorted);
	free(b->order);
	free(b->val);
	ml_buf_free(&b->bytes);
	memset(b, 0, sizeof *b);
}

void ml_evidx_batch_reset(struct ml_evidx_batch *b)
{
	if (b->nkeys > 0 && b->slots != NULL)
		memset(b->slots, 0, b->slots_cap * sizeof *b->slots);
	b->nkeys = 0;
	b->n = 0;
	ml_buf_reset(&b->bytes);
}

static uint32_t ml_evidx_hash(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The slot of name[0..len): its key's, or the empty one it would take. */
static uint32_t *ml_evidx_slot(struct ml_evidx_batch *b,
                               const unsigned char *name, size_t len)
{
	size_t mask = b->slots_cap - 1;
	for (size_t i = ml_evidx_hash(name, len) & mask;; i = (i + 1) & mask) {
		uint32_t *slot = &b->slots[i];
		if (*slot == 0)
			return slot;
		const struct ml_evidx_key *k = &b->keys[*slot - 1];
		if (k->len == len &&
		    memcmp(b->bytes.data + k->at, name, len) == 0)
			return slot;
	}
}

/* Doubles the slots and puts every key back. */
static int ml_evidx_rehash(struct ml_evidx_batch *b)
{
	size_t cap = b->slots_cap ? b->slots_cap * 2 : 256;
	uint32_t *slots = calloc(cap, sizeof *slots);
	if (slots == NULL)
		return ML_E_NOMEM;
	free(b->slots);
	b->slots = slots;
	b->slots_cap = cap;
	for (size_t i = 0; i < b->nkeys; i++) {
		const struct ml_evidx_key *k = &b->keys[i];
		*ml_evidx_slot(b, (unsigned char *)b->bytes.data + k->at,
		               k->len) = (uint32_t)i + 1;
	}
	return 0;
}

/* The index of name[0..len) in b->keys, interning it. */
static int ml_evidx_intern(struct ml_evidx_batch *b, const unsigned char *name,
                           size_t len, uint32_t *key)
{
	int rc = 0;
	if ((b->nkeys + 1) * 2 > b->slots_cap)
		rc = ml_evidx_rehash(b);
	if (rc != 0)
		return rc;
	uint32_t *slot = ml_evidx_slot(b, name, len);
	if (*slot != 0) {
		*key = *slot - 1;
		return 0;
	}
	size_t at = b->bytes.len;
	rc = ml_grow((void **)&b->keys, &b->keys_cap, b->nkeys + 1,
	             sizeof *b->keys, (size_t)UINT32_MAX - 1);
	if (rc == 0)
		rc = ml_buf_add(&b->bytes, name, len);
	if (rc != 0)
		return rc;
	b->keys[b->nkeys] =
	    (struct ml_evidx_key){(uint32_t)at, (uint16_t)len, 0, 0};
	*key = (uint32_t)b->nkeys++;
	*slot = *key + 1;
	return 0;
}

static int ml_evidx_gather(struct ml_evidx_batch *b, const unsigned char *name,
                           size_t len, uint64_t seq)
{
	ML_ASSERT(len >= 2 && len <= ML_EVIDX_KEY_MAX);
	uint32_t key;
	int rc = ml_evidx_intern(b, name, len, &key);
	if (rc == 0)
		rc = ml_grow((void **)&b->v, &b->cap, b->n + 1, sizeof *b->v,
		             SIZE_MAX / sizeof *b->v);
	if (rc != 0)
		return rc;
	b->v[b->n++] = (struct ml_evidx_entry){key, seq};
	b->keys[key].count++;
	return 0;
}

static int ml_evidx_gather_cb(void *arg, const unsigned char *name, size_t len,
                              uint64_t seq)
{
	return ml_evidx_gather(arg, name, len, seq);
}

bool ml_evidx_batch_full(const struct ml_evidx_batch *b)
{
	return b->n >= ML_EVIDX_BATCH_ENTRIES_MAX;
}

int ml_evidx_batch_add(struct ml_store *st, MDB_txn *txn,
                       struct ml_evidx_batch *b, const struct ml_event *ev)
{
	ML_ASSERT(ev->seq > 0);
	ML_ASSERT(ev->type > ML_TYPE_NONE && ev->type < ML_TYPE_COUNT);
	struct ml_evidx_names names;
	int rc = ml_evidx_names_in(st, txn, ev, &names);
	const unsigned char type_key[2] = {ML_EVIDX_TYPE,
	                                   (unsigned char)ev->type};
	if (rc == 0)
		rc = ml_evidx_gather(b, type_key, 2, ev->seq);
	return rc == 0 ? ml_evidx_each(&names, ev->seq, ml_evidx_gather_cb, b)
	               : rc;
}

/* The stored key of (name, block) into k; returns its length. */
static size_t ml_evidx_dbkey(unsigned char *k, const void *name, size_t len,
                             uint64_t block)
{
	ML_ASSERT(len <= ML_EVIDX_KEY_MAX);
	memcpy(k, name, len);
	k[len] = 0;
	ml_be64_put(k + len + 1, block);
	return len + 1 + 8;
}

/* Adds seqs[0..n) (rising, all in one block) to that block's value. */
static int ml_evidx_put_block(struct ml_store *st, MDB_txn *txn,
                              struct ml_evidx_batch *b,
                              const struct ml_evidx_key *k,
                              const uint64_t *seqs, size_t n)
{
	unsigned char kb[ML_EVIDX_DBKEY_MAX];
	uint64_t block = seqs[0] >> ML_EVIDX_BLOCK_SHIFT;
	MDB_val key = {ml_evidx_dbkey(kb, b->bytes.data + k->at, k->len, block),
	               kb},
	        old = {0, NULL};
	int rc = mdb_get(txn, st->dbi[ML_DB_EVIDX], &key, &old);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ml_error_from_mdb(rc);
	size_t len = (rc == 0 ? old.mv_size : 0) + 2 * n;
	if (len > 2 * ML_EVIDX_BLOCK_SEQS || (old.mv_size & 1) != 0)
		return ML_E_CORRUPT;
	rc = ml_grow((void **)&b->val, &b->val_cap, len, 1, SIZE_MAX);
	if (rc != 0)
		return rc;
	if (old.mv_size > 0)
		memcpy(b->val, old.mv_data, old.mv_size);
	for (size_t i = 0; i < n; i++) {
		uint32_t off = (uint32_t)(seqs[i] & (ML_EVIDX_BLOCK_SEQS - 1));
		b->val[len - 2 * n + 2 * i] = (unsigned char)(off >> 8);
		b->val[len - 2 * n + 2 * i + 1] = (unsigned char)off;
	}
	MDB_val val = {len, b->val};
	return ml_error_from_mdb(
	    mdb_put(txn, st->dbi[ML_DB_EVIDX], &key, &val, 0));
}

/* Groups the entries by name (a counting sort: each name's seqs stay in
 * the rising order they arrived in) and orders the names by bytes. */
static int ml_evidx_group(struct ml_evidx_batch *b);

/* Writes one name's seqs, a put per block. */
static int ml_evidx_put_key(struct ml_store *st, MDB_txn *txn,
                            struct ml_evidx_batch *b,
                            const struct ml_evidx_key *k)
{
	const uint64_t *seqs = b->sorted + k->start;
	int rc = 0;
	for (size_t i = 0, j; rc == 0 && i < k->count; i = j) {
		uint64_t block = seqs[i] >> ML_EVIDX_BLOCK_SHIFT;
		for (j = i + 1;
		     j < k->count && seqs[j] >> ML_EVIDX_BLOCK_SHIFT == block;
		     j++)
			ML_ASSERT(seqs[j] > seqs[j - 1]);
		rc = ml_evidx_put_block(st, txn, b, k, seqs + i, j - i);
	}
	return rc;
}

int ml_evidx_batch_flush(struct ml_store *st, MDB_txn *txn,
                         struct ml_evidx_batch *b)
{
	int rc = b->n == 0 ? 0 : ml_evidx_group(b);
	for (size_t i = 0; rc == 0 && i < b->nkeys && b->n > 0; i++)
		rc = ml_evidx_put_key(st, txn, b, &b->keys[b->order[i]]);
	ml_evidx_batch_reset(b);
	return rc;
}

/* qsort's context: the batch whose names are being ordered. */
static _Thread_local const struct ml_evidx_batch *ml_evidx_sorting;

static int ml_evidx_cmp(const void *pa, const void *pb)
{
	const struct ml_evidx_key *a = &ml_evidx_sorting->keys[*(uint32_t *)pa];
	const struct ml_evidx_key *b = &ml_evidx_sorting->keys[*(uint32_t *)pb];
	const char *bytes = ml_evidx_sorting->bytes.data;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(bytes + a->at, bytes + b->at, n);
	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static int ml_evidx_group(struct ml_evidx_batch *b)
{
	int rc = ml_grow((void **)&b->sorted, &b->sorted_cap, b->n,
	                 sizeof *b->sorted, SIZE_MAX / sizeof *b->sorted);
	if (rc == 0)
		rc = ml_grow((void **)&b->order, &b->order_cap, b->nkeys,
		             sizeof *b->order, SIZE_MAX / sizeof *b->order);
	if (rc != 0)
		return rc;
	uint32_t start = 0;
	for (size_t i = 0; i < b->nkeys; i++) {
		b->keys[i].start = start;
		start += b->keys[i].count;
		b->keys[i].count = 0; /* refilled below */
		b->order[i] = (uint32_t)i;
	}
	ML_ASSERT(start == b->n);
	for (size_t i = 0; i < b->n; i++) {
		struct ml_evidx_key *k = &b->keys[b->v[i].key];
		b->sorted[k->start + k->count++] = b->v[i].seq;
	}
	ml_evidx_sorting = b;
	qsort(b->order, b->nkeys, sizeof *b->order, ml_evidx_cmp);
	ml_evidx_sorting = NULL;
	return 0;
}

int ml_evidx_iter_open(struct ml_store *st, MDB_txn *txn,
                       enum ml_evidx_kind kind, const void *name, size_t len,
                       uint64_t after, struct ml_evidx_iter *it)
{
	memset(it, 0, sizeof *it);
	it->after = after;
	if (len + 1 > ML_EVIDX_KEY_MAX || after == UINT64_MAX) {
		it->done = true; /* no such name, or nothing can be after */
		return 0;
	}
	it->prefix[0] = (unsigned char)kind;
	memcpy(it->prefix + 1, name, len);
	it->prefix[len + 1] = 0;
	it->plen = len + 2;
	return ml_error_from_mdb(
	    mdb_cursor_open(txn, st->dbi[ML_DB_EVIDX], &it->cur));
}

/* Positions on the next value of the name (the first at or after the
 * block of after + 1 when op is MDB_SET_RANGE). */
static int ml_evidx_iter_load(struct ml_evidx_iter *it, MDB_cursor_op op)
{
	unsigned char kb[ML_EVIDX_DBKEY_MAX];
	MDB_val k = {0, NULL};
	if (op == MDB_SET_RANGE) {
		memcpy(kb, it->prefix, it->plen);
		ml_be64_put(kb + it->plen,
		            (it->after + 1) >> ML_EVIDX_BLOCK_SHIFT);
		k = (MDB_val){it->plen + 8, kb};
	}
	int rc = mdb_cursor_get(it->cur, &k, &it->val, op);
	if (rc == 0 && (k.mv_size != it->plen + 8 ||
	                memcmp(k.mv_data, it->prefix, it->plen) != 0))
		rc = MDB_NOTFOUND; /* past the name's last block */
	if (rc == MDB_NOTFOUND)
		it->done = true;
	if (rc != 0)
		return rc == MDB_NOTFOUND ? ML_E_NOT_FOUND
		                          : ml_error_from_mdb(rc);
	if ((it->val.mv_size & 1) != 0 ||
	    it->val.mv_size > 2 * ML_EVIDX_BLOCK_SEQS)
		return ML_E_CORRUPT;
	it->block = ml_be64_get((unsigned char *)k.mv_data + it->plen);
	it->pos = 0;
	return 0;
}

int ml_evidx_iter_next(struct ml_evidx_iter *it, uint64_t *seq)
{
	int rc = 0;
	if (it->done)
		return ML_E_NOT_FOUND;
	if (!it->started) {
		it->started = true;
		rc = ml_evidx_iter_load(it, MDB_SET_RANGE);
	}
	while (rc == 0) {
		const unsigned char *v = it->val.mv_data;
		for (; it->pos < it->val.mv_size; it->pos += 2) {
			uint64_t s =
			    it->block << ML_EVIDX_BLOCK_SHIFT |
			    (uint64_t)(v[it->pos] << 8 | v[it->pos + 1]);
			if (s > it->after) {
				it->pos += 2;
				it->after = *seq = s;
				return 0;
			}
		}
		rc = ml_evidx_iter_load(it, MDB_NEXT);
	}
	return rc;
}

void ml_evidx_iter_close(struct ml_evidx_iter *it)
{
	if (it->cur != NULL)
		mdb_cursor_close(it->cur);
	it->cur = NULL;
}

int ml_evidx_build(struct ml_store *st, MDB_txn *txn)
{
	struct ml_log_head head;
	struct ml_evidx_batch b;
	ml_evidx_batch_init(&b);
	int rc = ml_log_head_read(st, txn, &head);
	for (uint64_t seq = 1; rc == 0 && seq <= head.seq; seq++) {
		struct ml_event ev;
		rc = ml_log_get(st, txn, seq, &ev);
		if (rc == 0)
			rc = ml_evidx_batch_add(st, txn, &b, &ev);
		if (rc == 0 && (seq % ML_BATCH_EVENTS_MAX == 0 ||
		                seq == head.seq || ml_evidx_batch_full(&b)))
			rc = ml_evidx_batch_flush(st, txn, &b);
	}
	ml_evidx_batch_free(&b);
	return rc;
}

void ml_evidx_sum_add(struct ml_evidx_sum *s, const void *name, size_t len,
                      uint64_t seq)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a 64 over name ‖ seq */
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const unsigned char *)name)[i]) * 1099511628211ull;
	for (int i = 0; i < 8; i++)
		h = (h ^ (seq >> (8 * i) & 0xff)) * 1099511628211ull;
	uint64_t m = h ^ (h >> 31); /* splitmix64's finaliser */
	m *= 0xbf58476d1ce4e5b9ull;
	m ^= m >> 27;
	m *= 0x94d049bb133111ebull;
	s->count++;
	s->a += h;
	s->b += m ^ (m >> 31);
}

static int ml_evidx_sum_cb(void *arg, const unsigned char *name, size_t len,
                           uint64_t seq)
{
	ml_evidx_sum_add(arg, name, len, seq);
	return 0;
}

/* Both walks of ml_evidx_verify read the whole data file: every `every`
 * steps they drop the map's resident pages past ML_VERIFY_RESIDENT_MAX
 * (ml_limits_internal.h), found through the log's first record, which a
 * read transaction returns inside the map. The log's walk checks every
 * ML_VERIFY_TRIM_EVENTS events, the table's every ML_EVIDX_TRIM_VALUES
 * values (each up to 2 × ML_EVIDX_BLOCK_SEQS bytes). */
#define ML_EVIDX_TRIM_VALUES 8u

static void ml_evidx_trim(struct ml_store *st, MDB_txn *txn, uint64_t step,
                          uint64_t every, uint64_t resident_max)
{
	if (step % every != 0 || resident_max == UINT64_MAX)
		return;
	unsigned char k[8];
	ml_be64_put(k, 1);
	MDB_val key = {sizeof k, k}, val;
	if (mdb_get(txn, st->dbi[ML_DB_LOG], &key, &val) == 0)
		ml_store_map_trim(val.mv_data, resident_max);
}

int ml_evidx_sum_event(struct ml_store *st, MDB_txn *txn,
                       const struct ml_event *ev, struct ml_evidx_sum *s)
{
	struct ml_evidx_names names;
	int rc = ml_evidx_names_in(st, txn, ev, &names);
	if (rc != 0)
		return rc;
	const unsigned char type_key[2] = {ML_EVIDX_TYPE,
	                                   (unsigned char)ev->type};
	ml_evidx_sum_add(s, type_key, 2, ev->seq);
	return ml_evidx_each(&names, ev->seq, ml_evidx_sum_cb, s);
}

/* The sum of what the log gives for events 1 ..= head_seq. */
static int ml_evidx_sum_log(struct ml_store *st, MDB_txn *txn,
                            uint64_t head_seq, uint64_t resident_max,
                            struct ml_evidx_sum *s)
{
	int rc = 0;
	for (uint64_t seq = 1; rc == 0 && seq <= head_seq; seq++) {
		struct ml_event ev;
		rc = ml_log_get(st, txn, seq, &ev);
		if (rc == 0)
			rc = ml_evidx_sum_event(st, txn, &ev, s);
		ml_evidx_trim(st, txn, seq, ML_VERIFY_TRIM_EVENTS,
		              resident_max);
	}
	return rc;
}

/* Adds one stored value to s; false when its shape is wrong. */
static bool ml_evidx_sum_value(struct ml_evidx_sum *s, const MDB_val *k,
                               const MDB_val *v)
{
	const unsigned char *kb = k->mv_data, *vb = v->mv_data;
	if (k->mv_size < 2 + 1 + 8 || k->mv_size > ML_EVIDX_DBKEY_MAX ||
	    kb[k->mv_size - 9] != 0 || v->mv_size == 0 ||
	    (v->mv_size & 1) != 0 || v->mv_size > 2 * ML_EVIDX_BLOCK_SEQS)
		return false;
	size_t len = k->mv_size - 9;
	if (memchr(kb, 0, len) != NULL)
		return false;
	uint64_t block = ml_be64_get(kb + len + 1);
	for (size_t i = 0; i < v->mv_size; i += 2) {
		uint32_t off = (uint32_t)vb[i] << 8 | vb[i + 1];
		uint32_t prev = i ? (uint32_t)vb[i - 2] << 8 | vb[i - 1] : 0;
		if (off >= ML_EVIDX_BLOCK_SEQS || (i > 0 && off <= prev))
			return false;
		ml_evidx_sum_add(s, kb, len,
		                 block << ML_EVIDX_BLOCK_SHIFT | off);
	}
	return true;
}

int ml_evidx_verify(struct ml_store *st, MDB_txn *txn, uint64_t head_seq,
                    uint64_t resident_max, bool *ok, const char **why)
{
	struct ml_evidx_sum want = {0};
	*ok = false;
	*why = NULL;
	int rc = ml_evidx_sum_log(st, txn, head_seq, resident_max, &want);
	return rc == 0
	           ? ml_evidx_verify_sum(st, txn, &want, resident_max, ok, why)
	           : rc;
}

int ml_evidx_verify_sum(struct ml_store *st, MDB_txn *txn,
                        const struct ml_evidx_sum *want, uint64_t resident_max,
                        bool *ok, const char **why)
{
	struct ml_evidx_sum got = {0};
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	bool shape = true;
	*ok = false;
	*why = NULL;
	int rc =
	    ml_error_from_mdb(mdb_cursor_open(txn, st->dbi[ML_DB_EVIDX], &cur));
	int mrc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : 0;
	for (uint64_t n = 1; rc == 0 && mrc == 0 && shape; n++) {
		shape = ml_evidx_sum_value(&got, &k, &v);
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		ml_evidx_trim(st, txn, n, ML_EVIDX_TRIM_VALUES, resident_max);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = ml_error_from_mdb(mrc);
	if (rc != 0)
		return rc;
	*ok = shape && want->count == got.count && want->a == got.a &&
	      want->b == got.b;
	*why = !shape ? "the log's index holds a malformed entry"
	       : want->count != got.count
	           ? "the log's index holds a different number of entries"
	           : "the log's index names other events than the log";
	return 0;
}

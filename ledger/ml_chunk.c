/*
 * ml_chunk.c — packed runs of event records (see ml_chunk.h).
 */
#include "ml_chunk.h"

#include <string.h>

#include "ml_assert.h"
#include "ml_error.h"

#define ML_EVT_CORRECTED 1u

void ml_chunk_clear(struct ml_chunk *c)
{
	c->first_seq = c->last_seq = 0;
	c->len = 0;
}

bool ml_chunk_has_room(const struct ml_chunk *c)
{
	return c->len < ML_CHUNK_APPEND_MAX;
}

/* One entry at out; returns its bytes. */
static size_t ml_entry_pack(uint64_t seq_delta, const struct ml_post *p,
                            uint64_t corrected_by, unsigned char *out)
{
	size_t n = ml_varint_put(out, seq_delta);
	out[n++] = corrected_by ? ML_EVT_CORRECTED : 0;
	for (int i = 0; i < 2; i++) {
		out[n++] =
		    p->bucket[i] < 0 ? 0xff : (unsigned char)p->bucket[i];
		n += ml_varint_put(out + n, ml_zigzag(p->delta[i]));
	}
	if (corrected_by)
		n += ml_varint_put(out + n, corrected_by);
	ML_ASSERT(n >= 6 && n <= ML_CHUNK_ENTRY_MAX);
	return n;
}

void ml_chunk_append(struct ml_chunk *c, uint64_t seq, const struct ml_post *p)
{
	ML_ASSERT(ml_chunk_has_room(c));
	ML_ASSERT(seq > 0 && (c->len == 0 || seq > c->last_seq));
	ML_ASSERT(p->bucket[0] != ML_B_ENTRIES && p->bucket[0] < ML_BUCKETS &&
	          p->bucket[1] != ML_B_ENTRIES && p->bucket[1] < ML_BUCKETS);
	uint64_t delta = c->len == 0 ? 0 : seq - c->last_seq;
	if (c->len == 0)
		c->first_seq = seq;
	c->len += ml_entry_pack(delta, p, 0, c->bytes + c->len);
	c->last_seq = seq;
	ML_ASSERT(c->len <= ML_CHUNK_APPEND_MAX + ML_CHUNK_ENTRY_MAX);
}

void ml_chunk_reader_init(struct ml_chunk_reader *r, uint64_t first_seq,
                          const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
	r->seq = first_seq;
	r->started = false;
}

int ml_chunk_read(struct ml_chunk_reader *r, uint64_t *seq, struct ml_post *p,
                  uint64_t *corrected_by)
{
	uint64_t delta, v;
	if (r->p == r->end)
		return 0;
	if (!ml_varint_get(&r->p, r->end, &delta) || r->p == r->end ||
	    (r->started && delta == 0) || (!r->started && delta != 0) ||
	    delta > UINT64_MAX - r->seq)
		return ML_E_CORRUPT; /* seqs rise from the key's, never wrap */
	unsigned flags = *r->p++;
	for (int i = 0; i < 2; i++) {
		unsigned b = r->p < r->end ? *r->p++ : ML_B_ENTRIES;
		if ((b != 0xff && !ml_bucket_is_money((int)b)) ||
		    !ml_varint_get(&r->p, r->end, &v))
			return ML_E_CORRUPT;
		p->bucket[i] = b == 0xff ? -1 : (int8_t)b;
		p->delta[i] = ml_unzigzag(v);
	}
	*corrected_by = 0;
	if ((flags & ~ML_EVT_CORRECTED) != 0 ||
	    ((flags & ML_EVT_CORRECTED) &&
	     (!ml_varint_get(&r->p, r->end, corrected_by) ||
	      *corrected_by == 0)))
		return ML_E_CORRUPT;
	r->started = true;
	r->seq += delta;
	*seq = r->seq;
	return 1;
}

int ml_chunk_load(struct ml_chunk *c, uint64_t first_seq, const void *data,
                  size_t len)
{
	struct ml_chunk_reader r;
	struct ml_post p;
	uint64_t seq = 0, by;
	int rc, n = 0;
	if (len == 0 || len > ML_CHUNK_BYTES_MAX || first_seq == 0)
		return ML_E_CORRUPT;
	ml_chunk_reader_init(&r, first_seq, data, len);
	for (rc = ml_chunk_read(&r, &seq, &p, &by); rc == 1;
	     rc = ml_chunk_read(&r, &seq, &p, &by))
		n++;
	if (rc != 0 || n > ML_CHUNK_ENTRIES_MAX)
		return ML_E_CORRUPT;
	ML_ASSERT(n >= 1 && seq >= first_seq);
	memcpy(c->bytes, data, len);
	c->len = len;
	c->first_seq = first_seq;
	c->last_seq = seq;
	return 0;
}

int ml_chunk_correct(struct ml_chunk *c, uint64_t seq, uint64_t by_seq,
                     struct ml_post *p)
{
	unsigned char out[ML_CHUNK_BYTES_MAX];
	struct ml_chunk_reader r;
	struct ml_post q;
	uint64_t s, prev = c->first_seq, by;
	size_t n = 0;
	int rc, found = 0;
	ML_ASSERT(c->len > 0 && c->len <= ML_CHUNK_BYTES_MAX);
	ml_chunk_reader_init(&r, c->first_seq, c->bytes, c->len);
	for (rc = ml_chunk_read(&r, &s, &q, &by); rc == 1;
	     rc = ml_chunk_read(&r, &s, &q, &by)) {
		if (s == seq) {
			if (by != 0)
				return ML_E_CORRUPT; /* corr said it was not */
			by = by_seq;
			*p = q;
			found = 1;
		}
		if (n + ML_CHUNK_ENTRY_MAX > sizeof out)
			return ML_E_CORRUPT;
		n += ml_entry_pack(s - prev, &q, by, out + n);
		prev = s;
	}
	if (rc != 0)
		return rc;
	if (!found)
		return ML_E_NOT_FOUND;
	ML_ASSERT(n <= ML_CHUNK_BYTES_MAX);
	memcpy(c->bytes, out, n);
	c->len = n;
	return 0;
}

/*
 * ml_buf.c — bounded growable buffers and a block arena.
 *
 * Both are small on purpose. A buffer grows as an ml_grow array of bytes
 * (but not zeroed: its bytes are written at once): it doubles from
 * ML_GROW_FIRST_BYTES, never past max_bytes + 1 (the NUL).
 * ml_grow checks every size it computes against SIZE_MAX before it
 * multiplies, so a huge need or item size is ML_E_TOO_LARGE, never a
 * wrapped, too small allocation. An arena allocates blocks of
 * at least 64 KiB and serves requests from the newest block; a request
 * larger than a block gets a block of its own.
 */
#include "ml_buf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_error.h"

#include "ml_limits_internal.h"

static_assert(ML_INT_TEXT_MAX >= 20, "UINT64_MAX and INT64_MIN's digits");

void ml_buf_init(struct ml_buf *b, size_t max_bytes)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max_bytes = max_bytes;
}

void ml_buf_free(struct ml_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void ml_buf_reset(struct ml_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* ml_grow without zeroing the new items. */
static int ml_grow_raw(void **items, size_t *cap, size_t need,
                       size_t item_bytes, size_t max_items)
{
	if (need <= *cap)
		return 0;
	if (need > max_items || item_bytes == 0 || need > SIZE_MAX / item_bytes)
		return ML_E_TOO_LARGE;
	if (max_items > SIZE_MAX / item_bytes)
		max_items = SIZE_MAX / item_bytes;
	size_t n = *cap;
	if (n == 0)
		n = item_bytes < ML_GROW_FIRST_BYTES
		        ? ML_GROW_FIRST_BYTES / item_bytes
		        : 1;
	while (n < need)
		n = n > max_items / 2 ? max_items : n * 2;
	if (n > max_items)
		n = max_items;
	void *p = realloc(*items, n * item_bytes);
	if (p == NULL)
		return ML_E_NOMEM;
	*items = p;
	*cap = n;
	return 0;
}

int ml_grow(void **items, size_t *cap, size_t need, size_t item_bytes,
            size_t max_items)
{
	size_t old = *cap;
	int rc = ml_grow_raw(items, cap, need, item_bytes, max_items);
	if (rc == 0 && *cap > old)
		memset((unsigned char *)*items + old * item_bytes, 0,
		       (*cap - old) * item_bytes);
	return rc;
}

static int ml_buf_reserve(struct ml_buf *b, size_t extra)
{
	ML_ASSERT(b->len <= b->max_bytes);
	ML_ASSERT(b->cap == 0 || b->len < b->cap); /* room for the NUL */
	if (extra > b->max_bytes - b->len)
		return ML_E_TOO_LARGE;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	/* Bytes are written as soon as there is room: no need to zero them
	 * (a 96 MiB answer would touch every page twice). */
	return ml_grow_raw((void **)&b->data, &b->cap, need, 1,
	                   b->max_bytes + 1);
}

int ml_buf_add(struct ml_buf *b, const void *bytes, size_t len)
{
	int rc = ml_buf_reserve(b, len);
	if (rc != 0)
		return rc;
	if (len > 0)
		memcpy(b->data + b->len, bytes, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int ml_buf_room(struct ml_buf *b, size_t n, char **at)
{
	int rc = ml_buf_reserve(b, n);
	*at = rc == 0 ? b->data + b->len : NULL;
	return rc;
}

void ml_buf_commit(struct ml_buf *b, size_t n)
{
	/* n ≤ what ml_buf_room reserved. */
	ML_ASSERT(b->data != NULL && b->len + n < b->cap);
	b->len += n;
	b->data[b->len] = '\0';
}

int ml_buf_add_str(struct ml_buf *b, const char *s)
{
	return ml_buf_add(b, s, strlen(s));
}

int ml_buf_add_char(struct ml_buf *b, char c)
{
	if (b->len + 2 <= b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return ml_buf_add(b, &c, 1);
}

/* The digits of v: 1 ..= 20 (UINT64_MAX has 20). */
static unsigned ml_u64_digits(uint64_t v)
{
	unsigned n = 1;
	for (uint64_t ten = 10; n < 20 && v >= ten; ten *= 10)
		n++;
	return n;
}

/* Two digits per division, written from the end straight into o: half
 * the divisions of one digit at a time and no copy through a temporary.
 * Balances rows and export lines write ~14 numbers a line. */
char *ml_put_u64(char *o, uint64_t v)
{
	static const char pairs[201] =
	    "0001020304050607080910111213141516171819"
	    "2021222324252627282930313233343536373839"
	    "4041424344454647484950515253545556575859"
	    "6061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	unsigned n = ml_u64_digits(v);
	ML_ASSERT(n <= ML_INT_TEXT_MAX);
	char *end = o + n, *p = end;
	while (v >= 100) {
		const char *d = pairs + (v % 100) * 2;
		v /= 100;
		p -= 2;
		p[0] = d[0];
		p[1] = d[1];
	}
	if (v >= 10) {
		p -= 2;
		p[0] = pairs[v * 2];
		p[1] = pairs[v * 2 + 1];
	} else {
		*--p = (char)('0' + v);
	}
	ML_ASSERT(p == o);
	return end;
}

char *ml_put_i64(char *o, int64_t v)
{
	if (v >= 0)
		return ml_put_u64(o, (uint64_t)v);
	*o++ = '-';
	/* Negate in unsigned arithmetic so INT64_MIN is exact. */
	return ml_put_u64(o, (uint64_t)0 - (uint64_t)v);
}

int ml_buf_add_u64(struct ml_buf *b, uint64_t v)
{
	char tmp[ML_INT_TEXT_MAX];
	return ml_buf_add(b, tmp, (size_t)(ml_put_u64(tmp, v) - tmp));
}

int ml_buf_add_i64(struct ml_buf *b, int64_t v)
{
	char tmp[ML_INT_TEXT_MAX];
	return ml_buf_add(b, tmp, (size_t)(ml_put_i64(tmp, v) - tmp));
}

int ml_buf_addf(struct ml_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ML_E_ARG;
	int rc = ml_buf_reserve(b, (size_t)n);
	if (rc != 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

struct ml_arena_block {
	struct ml_arena_block *next;
	size_t size;
	size_t used;
	_Alignas(8) unsigned char bytes[];
};

void ml_arena_init(struct ml_arena *a, size_t max_bytes)
{
	a->head = NULL;
	a->used_bytes = 0;
	a->max_bytes = max_bytes;
}

void ml_arena_free(struct ml_arena *a)
{
	if (a == NULL)
		return;
	struct ml_arena_block *blk = a->head;
	while (blk != NULL) {
		struct ml_arena_block *next = blk->next;
		free(blk);
		blk = next;
	}
	a->head = NULL;
	a->used_bytes = 0;
}

void *ml_arena_alloc(struct ml_arena *a, size_t len)
{
	size_t need = (len + 7u) & ~(size_t)7u;
	if (need < len || need > a->max_bytes - a->used_bytes)
		return NULL;
	struct ml_arena_block *blk = a->head;
	if (blk == NULL || blk->size - blk->used < need) {
		size_t size =
		    need > ML_ARENA_BLOCK_BYTES ? need : ML_ARENA_BLOCK_BYTES;
		blk = malloc(sizeof *blk + size);
		if (blk == NULL)
			return NULL;
		blk->size = size;
		blk->used = 0;
		blk->next = a->head;
		a->head = blk;
	}
	void *p = blk->bytes + blk->used;
	ML_ASSERT(blk->size - blk->used >= need && need % 8 == 0);
	blk->used += need;
	a->used_bytes += need;
	memset(p, 0, need);
	return p;
}

char *ml_arena_strdup(struct ml_arena *a, const char *s, size_t len)
{
	char *p = ml_arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

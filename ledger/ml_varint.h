/*
 * ml_varint.h — LEB128 varints and zigzag, for the packed projection
 * values (day records, event chunks). Internal; no allocation, no
 * failure except a truncated or over-long varint on reading.
 */
#ifndef ML_VARINT_H
#define ML_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_assert.h"

#define ML_VARINT_MAX 10 /* bytes of a 64-bit varint */
static_assert(ML_VARINT_MAX * 7 >= 64, "ML_VARINT_MAX holds 64 bits");

/* Writes v at p (ML_VARINT_MAX bytes of room); returns the bytes used. */
static inline size_t ml_varint_put(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	ML_ASSERT(n >= 1 && n <= ML_VARINT_MAX);
	return n;
}

/* Reads a varint from *p (not past end), advancing *p; false when it is
 * truncated or longer than 64 bits. */
static inline bool ml_varint_get(const unsigned char **p,
                                 const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static inline uint64_t ml_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t ml_unzigzag(uint64_t v)
{
	static_assert((int64_t)-1 >> 63 == -1, "arithmetic right shift");
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif /* ML_VARINT_H */

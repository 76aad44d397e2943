/*
 * test_buf.c — ml_grow, the one growth helper of every growing array:
 * doubling from ML_GROW_FIRST_BYTES, zeroed new items, the ceiling
 * (ML_E_TOO_LARGE, array unchanged), sizes that would overflow a size_t,
 * and ml_buf's ceiling, which is ml_grow's; and ml_put_u64 / ml_put_i64,
 * the decimal writer of every number in an answer, against printf.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_buf.h"
#include "ml_error.h"
#include "ml_limits_internal.h"
#include "mt.h"

static void test_grow_doubles_and_zeroes(void)
{
	uint32_t *v = NULL;
	size_t cap = 0;
	MT_CHECK(ml_grow((void **)&v, &cap, 0, sizeof *v, 100) == 0);
	MT_CHECK(v == NULL && cap == 0);
	MT_CHECK(ml_grow((void **)&v, &cap, 1, sizeof *v, 100) == 0);
	MT_CHECK(cap == ML_GROW_FIRST_BYTES / sizeof *v); /* 64 */
	for (size_t i = 0; i < cap; i++) {
		MT_CHECK(v[i] == 0);
		v[i] = 7;
	}
	size_t old = cap;
	MT_CHECK(ml_grow((void **)&v, &cap, old, sizeof *v, 100) == 0);
	MT_CHECK(cap == old); /* already room: nothing changes */
	MT_CHECK(ml_grow((void **)&v, &cap, old + 1, sizeof *v, 1000) == 0);
	MT_CHECK(cap == 2 * old);
	MT_CHECK(v[old - 1] == 7 && v[old] == 0 && v[cap - 1] == 0);
	free(v);
}

static void test_grow_ceiling(void)
{
	uint32_t *v = NULL;
	size_t cap = 0;
	/* Doubling stops at the ceiling: 64 → 100, not 128. */
	MT_CHECK(ml_grow((void **)&v, &cap, 65, sizeof *v, 100) == 0);
	MT_CHECK(cap == 100);
	MT_CHECK(ml_grow((void **)&v, &cap, 100, sizeof *v, 100) == 0);
	uint32_t *before = v;
	MT_CHECK(ml_grow((void **)&v, &cap, 101, sizeof *v, 100) ==
	         ML_E_TOO_LARGE);
	MT_CHECK(v == before && cap == 100); /* unchanged */
	free(v);
	/* A ceiling below the first allocation is kept too. */
	v = NULL;
	cap = 0;
	MT_CHECK(ml_grow((void **)&v, &cap, 1, sizeof *v, 3) == 0);
	MT_CHECK(cap == 3);
	MT_CHECK(ml_grow((void **)&v, &cap, 4, sizeof *v, 3) == ML_E_TOO_LARGE);
	free(v);
}

static void test_grow_overflow(void)
{
	void *v = NULL;
	size_t cap = 0;
	/* need × item_bytes would wrap: refused before any allocation. */
	MT_CHECK(ml_grow(&v, &cap, SIZE_MAX / 8 + 1, 8, SIZE_MAX) ==
	         ML_E_TOO_LARGE);
	MT_CHECK(ml_grow(&v, &cap, 2, SIZE_MAX / 2 + 1, SIZE_MAX) ==
	         ML_E_TOO_LARGE);
	MT_CHECK(ml_grow(&v, &cap, 1, 0, SIZE_MAX) == ML_E_TOO_LARGE);
	MT_CHECK(v == NULL && cap == 0);
	/* A ceiling whose bytes would not fit a size_t is clamped to what
	 * fits; a need within it still grows. */
	MT_CHECK(ml_grow(&v, &cap, 16, 4, SIZE_MAX) == 0);
	MT_CHECK(cap == ML_GROW_FIRST_BYTES / 4);
	MT_CHECK(ml_grow(&v, &cap, SIZE_MAX / 4 + 1, 4, SIZE_MAX) ==
	         ML_E_TOO_LARGE);
	MT_CHECK(cap == ML_GROW_FIRST_BYTES / 4);
	free(v);
}

static void test_buf_ceiling(void)
{
	struct ml_buf b;
	ml_buf_init(&b, 10);
	MT_CHECK(ml_buf_add_str(&b, "0123456789") == 0);
	MT_CHECK(b.len == 10 && strcmp(b.data, "0123456789") == 0);
	MT_CHECK(b.cap == 11); /* the ceiling and its NUL */
	MT_CHECK(ml_buf_add_char(&b, 'x') == ML_E_TOO_LARGE);
	MT_CHECK(b.len == 10 && b.data[10] == '\0');
	ml_buf_free(&b);
}

/* ml_put_u64 and ml_put_i64 against printf: every power of ten and its
 * neighbours, the ends of the ranges, and random values of every
 * length. */
static void check_put(uint64_t u)
{
	char got[ML_INT_TEXT_MAX + 2], want[32];
	char *end = ml_put_u64(got, u);
	*end = '\0';
	snprintf(want, sizeof want, "%llu", (unsigned long long)u);
	MT_CHECK_STR(got, want);
	int64_t i = (int64_t)u;
	end = ml_put_i64(got, i);
	*end = '\0';
	snprintf(want, sizeof want, "%lld", (long long)i);
	MT_CHECK_STR(got, want);
}

static void test_put_integers(void)
{
	uint64_t ten = 1;
	for (int k = 0; k < 20; k++, ten *= 10) {
		check_put(ten - 1);
		check_put(ten);
		check_put(ten + 1);
		check_put((uint64_t)0 - ten); /* negative as int64 */
	}
	check_put(UINT64_MAX);
	check_put((uint64_t)INT64_MAX);
	check_put((uint64_t)INT64_MIN);
	uint64_t x = 88172645463325252ull;
	for (int k = 0; k < 100000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check_put(x >> (x % 64)); /* every length */
	}
}

int main(void)
{
	MT_RUN(test_grow_doubles_and_zeroes);
	MT_RUN(test_grow_ceiling);
	MT_RUN(test_grow_overflow);
	MT_RUN(test_buf_ceiling);
	MT_RUN(test_put_integers);
	return MT_EXIT();
}

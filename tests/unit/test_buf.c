/*
 * test_buf.c — ml_grow, the one growth helper of every growing array:
 * doubling from ML_GROW_FIRST_BYTES, zeroed new items, the ceiling
 * (ML_E_TOO_LARGE, array unchanged), sizes that would overflow a size_t,
 * and ml_buf's ceiling, which is ml_grow's.
 */
#include <stdint.h>
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

int main(void)
{
	MT_RUN(test_grow_doubles_and_zeroes);
	MT_RUN(test_grow_ceiling);
	MT_RUN(test_grow_overflow);
	MT_RUN(test_buf_ceiling);
	return MT_EXIT();
}

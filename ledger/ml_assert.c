/*
 * ml_assert.c — where a failed ML_ASSERT or ML_VERIFY ends (ml_assert.h).
 *
 * The one place the library writes to stderr: an assertion that fires is
 * a bug in medel, not an answer to give a caller, so it is said where an
 * operator sees it and the process stops with abort() (a core, or the
 * sanitizer's stack).
 */
#include "ml_assert.h"
#include "ml_reading.h"

#include <stdio.h>
#include <stdlib.h>

_Noreturn void ml_assert_fail(const char *expr, const char *file, int line,
                              const char *func)
{
	fprintf(stderr, "%s:%d: %s: assertion `%s' failed\n", file, line, func,
	        expr);
	fflush(stderr);
	/* medel's own assertion is a bug even while verify reads: not a
	 * damaged page for the guard to name (ml_damage.h). */
	ml_reading_end();
	abort();
}

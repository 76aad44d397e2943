/*
 * assert_fires.c — shows that the ledger's assertions fire (ml_assert.h).
 * Each case aborts on purpose, so it is not a test_*.c of its own: the
 * ctest test assert_fires (assert_fires.py) runs it and reads how it
 * ended, in every build the suite runs in:
 *
 *   assert_fires append   # aborts: ml_chunk_append's ML_ASSERT (chunk full)
 *   assert_fires verify   # aborts: ML_VERIFY
 *   assert_fires assert   # aborts: ML_ASSERT
 *
 * Where ML_ASSERT is compiled out (RelWithDebInfo and Release define
 * NDEBUG), "append" and "assert" run through and exit 0, while "verify"
 * still aborts: ML_VERIFY is always on. The first line it prints says
 * which kind of build it is.
 */
#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_chunk.h"

static int fill_past_room(void)
{
	struct ml_chunk c;
	struct ml_post p = {{0, -1}, {1, 0}};
	ml_chunk_clear(&c);
	uint64_t seq = 1;
	while (ml_chunk_has_room(&c))
		ml_chunk_append(&c, seq++, &p);
	/* A caller's bug: the chunk has no room left. */
	ml_chunk_append(&c, seq, &p);
	printf("append past the room went through (ML_ASSERT is off)\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	volatile int zero = 0;
	printf("ML_ASSERT is %s in this build\n", ML_ASSERT_ON ? "on" : "off");
	fflush(stdout);
	if (strcmp(what, "append") == 0)
		return fill_past_room();
	if (strcmp(what, "verify") == 0)
		ML_VERIFY(zero == 1);
	if (strcmp(what, "assert") == 0)
		ML_ASSERT(zero == 1);
	printf("%s: nothing fired\n", what);
	return 0;
}

/*
 * assert_fires.c — shows that the ledger's assertions fire (ml_assert.h).
 * Not a ctest test (the glob takes test_*.c only): each case aborts on
 * purpose. Run by hand, in both modes:
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iledger tests/unit/assert_fires.c \
 *      ledger/ml_chunk.c ledger/ml_assert.c -o /tmp/af
 *   /tmp/af append   # aborts: ml_chunk_append's ML_ASSERT (chunk full)
 *   /tmp/af verify   # aborts: ML_VERIFY
 *   /tmp/af assert   # aborts: ML_ASSERT
 *
 * Built again with -DNDEBUG (as RelWithDebInfo and Release are), "append"
 * and "assert" run through (ML_ASSERT compiled out) and exit 0, while
 * "verify" still aborts: ML_VERIFY is always on.
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

/*
 * fuzz_chunk.c — an event chunk as stored (ledger/ml_chunk.h): the first
 * 8 input bytes are its first seq (big-endian), the rest its value.
 * Loading never crashes and either refuses it (ML_E_CORRUPT) or accepts
 * entries whose seqs rise from the first seq; every entry of an accepted
 * chunk can then be read back, corrected once (or refused for want of
 * room), and the corrected chunk loads again with that entry corrected
 * and every other entry as it was; one more entry appends and loads.
 */
#include <string.h>

#include "fuzz.h"
#include "ml_chunk.h"
#include "ml_error.h"
#include "ml_store.h"

struct entry {
	uint64_t seq, by;
	struct ml_post p;
};

static int read_all(const struct ml_chunk *c, struct entry *e, int max)
{
	struct ml_chunk_reader r;
	int n = 0, rc;
	ml_chunk_reader_init(&r, c->first_seq, c->bytes, c->len);
	for (rc = ml_chunk_read(&r, &e[n].seq, &e[n].p, &e[n].by);
	     rc == 1 && n < max;
	     rc = ml_chunk_read(&r, &e[n].seq, &e[n].p, &e[n].by))
		n++;
	if (rc != 0)
		fuzz_fail("a loaded chunk reads back with %d", rc);
	return n;
}

static bool same_post(const struct ml_post *a, const struct ml_post *b)
{
	for (int i = 0; i < 2; i++)
		if (a->bucket[i] != b->bucket[i] || a->delta[i] != b->delta[i])
			return false;
	return true;
}

/* Corrects entry k of c and checks the result against e[0..n). */
static void check_correct(const struct ml_chunk *c, const struct entry *e,
                          int n, int k)
{
	static struct ml_chunk d;
	static struct entry f[ML_CHUNK_ENTRIES_MAX + 1];
	struct ml_post p;
	d = *c;
	int rc = ml_chunk_correct(&d, e[k].seq, e[k].seq + 1, &p);
	if (e[k].by != 0 && rc != ML_E_CORRUPT)
		fuzz_fail("a corrected entry corrected again: %d", rc);
	if (rc == ML_E_CORRUPT)
		return; /* corrected already, or no room left */
	if (rc != 0 || !same_post(&p, &e[k].p))
		fuzz_fail("correcting seq %llu: %d",
		          (unsigned long long)e[k].seq, rc);
	if (ml_chunk_load(&d, d.first_seq, d.bytes, d.len) != 0 ||
	    read_all(&d, f, n + 1) != n)
		fuzz_fail("a corrected chunk does not load");
	for (int i = 0; i < n; i++)
		if (f[i].seq != e[i].seq || !same_post(&f[i].p, &e[i].p) ||
		    f[i].by != (i == k ? e[k].seq + 1 : e[i].by))
			fuzz_fail("correcting entry %d changed entry %d", k, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ml_chunk c;
	static struct entry e[ML_CHUNK_ENTRIES_MAX + 1];
	if (size < 8 || size - 8 > ML_CHUNK_BYTES_MAX)
		return 0;
	uint64_t first = ml_be64_get(data);
	int rc = ml_chunk_load(&c, first, data + 8, size - 8);
	if (rc == ML_E_CORRUPT)
		return 0;
	if (rc != 0)
		fuzz_fail("load: %d", rc);
	int n = read_all(&c, e, ML_CHUNK_ENTRIES_MAX + 1);
	if (n == 0 || e[0].seq != first || e[n - 1].seq != c.last_seq)
		fuzz_fail("a loaded chunk of %d entries", n);
	for (int i = 1; i < n; i++)
		if (e[i].seq <= e[i - 1].seq)
			fuzz_fail("seqs do not rise at entry %d", i);
	for (int k = 0; k < n; k++)
		check_correct(&c, e, n, k);
	if (ml_chunk_has_room(&c) && c.last_seq < UINT64_MAX - 1) {
		struct ml_post p = {{0, -1}, {12345, 0}};
		ml_chunk_append(&c, c.last_seq + 1, &p);
		if (ml_chunk_load(&c, first, c.bytes, c.len) != 0)
			fuzz_fail("an appended chunk does not load");
	}
	return 0;
}

/*
 * test_export_sort.c — the export's external sort (ml_export_sort.c)
 * against qsort of the same items: in memory (fewer than a run), one
 * run exactly, many runs merged through buffers of one item, dates
 * repeated so seq breaks ties, a peek that is repeated, the refusal of
 * more runs than the buffer can merge, and a TMPDIR it cannot write.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_error.h"
#include "ml_export_sort.h"
#include "mt.h"

static int ref_cmp(const void *a, const void *b)
{
	const struct ml_export_item *p = a, *q = b;
	if (p->date != q->date)
		return p->date < q->date ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* n items, seq 1 ..= n in order (as the export adds them), dates drawn
 * from days distinct days. */
static struct ml_export_item *make_items(uint64_t n, uint32_t days,
                                         unsigned seed)
{
	struct ml_export_item *v = calloc(n ? n : 1, sizeof *v);
	srand(seed);
	for (uint64_t i = 0; v != NULL && i < n; i++)
		v[i] =
		    (struct ml_export_item){(ml_day)(rand() % days), 0, i + 1};
	return v;
}

/* Sorts n items with run_items in memory and checks every one. */
static void check_sort(uint64_t n, uint64_t run_items, uint32_t days)
{
	struct ml_export_item *v = make_items(n, days, (unsigned)(n + days));
	struct ml_export_sort s;
	MT_REQUIRE(v != NULL);
	MT_REQUIRE(ml_export_sort_init(&s, run_items) == 0);
	for (uint64_t i = 0; i < n; i++)
		MT_REQUIRE(ml_export_sort_add(&s, v[i]) == 0);
	MT_REQUIRE(ml_export_sort_finish(&s) == 0);
	MT_CHECK((s.fd >= 0) == (n > run_items)); /* a file only to spill */
	qsort(v, n, sizeof *v, ref_cmp);
	struct ml_export_item it, again;
	int rc;
	uint64_t got = 0;
	while (ml_export_sort_peek(&s, &it, &rc)) {
		MT_REQUIRE(got < n);
		/* The first wrong item is enough to see. */
		MT_REQUIRE(it.seq == v[got].seq && it.date == v[got].date);
		MT_CHECK(ml_export_sort_peek(&s, &again, &rc)); /* same again */
		MT_CHECK(again.seq == it.seq);
		ml_export_sort_pop(&s);
		got++;
	}
	MT_CHECK(rc == 0);
	MT_CHECK_INT(got, n);
	ml_export_sort_free(&s);
	free(v);
}

static void test_in_memory(void)
{
	check_sort(0, 64, 10);
	check_sort(1, 64, 10);
	check_sort(50, 64, 10);
	check_sort(64, 64, 10); /* one full run: still no file */
}

static void test_merged(void)
{
	check_sort(65, 64, 10);       /* a run and one item */
	check_sort(1000, 64, 10);     /* 16 runs, buffers of 4 items */
	check_sort(4000, 64, 3);      /* 63 runs, buffers of 1 item */
	check_sort(4096, 64, 100000); /* 64 runs: the most for 64 items */
}

static void test_too_many_runs(void)
{
	struct ml_export_sort s;
	MT_REQUIRE(ml_export_sort_init(&s, 4) == 0);
	int rc = 0;
	uint64_t added = 0;
	while (rc == 0 && added < 100) {
		rc = ml_export_sort_add(&s,
		                        (struct ml_export_item){1, 0, added});
		added += rc == 0;
	}
	MT_CHECK(rc == ML_E_TOO_LARGE);
	MT_CHECK_INT(added, 16); /* four runs of four: a fifth has no buffer */
	MT_CHECK(ml_export_sort_finish(&s) == 0);
	struct ml_export_item it;
	MT_CHECK(ml_export_sort_peek(&s, &it, &rc) && it.seq == 0);
	ml_export_sort_free(&s);
}

static void test_tmpdir_unwritable(void)
{
	struct ml_export_sort s;
	const char *old = getenv("TMPDIR");
	char *saved = old != NULL ? strdup(old) : NULL;
	setenv("TMPDIR", "/nonexistent/medel-test", 1);
	MT_REQUIRE(ml_export_sort_init(&s, 2) == 0);
	MT_CHECK(ml_export_sort_add(&s, (struct ml_export_item){1, 0, 1}) == 0);
	MT_CHECK(ml_export_sort_add(&s, (struct ml_export_item){1, 0, 2}) == 0);
	MT_CHECK(ml_export_sort_add(&s, (struct ml_export_item){1, 0, 3}) ==
	         ML_E_IO);
	ml_export_sort_free(&s);
	if (saved != NULL)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
}

int main(void)
{
	MT_RUN(test_in_memory);
	MT_RUN(test_merged);
	MT_RUN(test_too_many_runs);
	MT_RUN(test_tmpdir_unwritable);
	return MT_EXIT();
}

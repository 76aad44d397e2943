/*
 * ml_export_sort.c — an external merge sort of the export's items.
 *
 * ml_export_index.c adds one 16-byte item per exported event, in seq
 * order; the journals want them in (date, seq) order (ml_export_sort.h
 * says why they are not all held). Adding fills mem; a full mem is
 * sorted (qsort) and appended to one temporary file as a run. finish
 * either sorts mem in place (nothing spilled: a ledger of fewer than
 * run_items events never touches a file) or spills the last run and
 * cuts mem into one read buffer per run, and a binary heap of run
 * numbers, ordered by each run's first unread item, merges them.
 *
 * Memory: run_items × 16 bytes, plus 40 bytes per possible run.
 * File: 16 bytes per item, under TMPDIR (or /tmp), unlinked as soon as
 * it is made, so nothing is left behind however the process ends.
 *
 * The merge is lazy: pop only advances; the next peek refills the
 * buffer it emptied. A failed read therefore consumes nothing, and the
 * export can give the same piece again (ml_export_next's undo).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_assert.h"
#include "ml_error.h"
#include "ml_export_sort.h"

#define EX_SORT_ITEM_BYTES sizeof(struct ml_export_item)

uint64_t ml_export_run_items_now = ML_EXPORT_RUN_ITEMS;

static int ex_item_cmp(const struct ml_export_item *p,
                       const struct ml_export_item *q)
{
	if (p->date != q->date)
		return p->date < q->date ? -1 : 1;
	if (p->seq != q->seq)
		return p->seq < q->seq ? -1 : 1;
	return 0;
}

static int ex_item_qsort_cmp(const void *a, const void *b)
{
	return ex_item_cmp(a, b);
}

int ml_export_sort_init(struct ml_export_sort *s, uint64_t run_items)
{
	ML_ASSERT(run_items >= 1 && run_items <= ML_EXPORT_RUN_ITEMS);
	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->run_items = run_items;
	s->mem = malloc(run_items * EX_SORT_ITEM_BYTES);
	return s->mem != NULL ? 0 : ML_E_NOMEM;
}

static int ex_sort_open_file(struct ml_export_sort *s)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	int n = snprintf(path, sizeof path, "%s/medel-export-XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return ML_E_IO;
	s->runs = calloc(ML_EXPORT_RUNS_MAX, sizeof *s->runs);
	s->heap = calloc(ML_EXPORT_RUNS_MAX, sizeof *s->heap);
	if (s->runs == NULL || s->heap == NULL)
		return ML_E_NOMEM;
	s->fd = mkstemp(path);
	if (s->fd < 0)
		return ML_E_IO;
	(void)unlink(path);
	return 0;
}

static int ex_sort_write(int fd, const void *data, size_t bytes)
{
	const char *p = data;
	while (bytes > 0) {
		ssize_t w = write(fd, p, bytes);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ML_E_IO;
		p += w;
		bytes -= (size_t)w;
	}
	return 0;
}

/* Runs one sort may hold: every run needs at least one item of mem to
 * be merged through. */
static uint64_t ex_runs_max(const struct ml_export_sort *s)
{
	return s->run_items < ML_EXPORT_RUNS_MAX ? s->run_items
	                                         : ML_EXPORT_RUNS_MAX;
}

/* Sorts mem[0 .. held) and appends it to the file as one run. */
static int ex_sort_spill(struct ml_export_sort *s)
{
	int rc = s->fd < 0 ? ex_sort_open_file(s) : 0;
	if (rc != 0 || s->held == 0)
		return rc;
	ML_ASSERT(s->run_count < ex_runs_max(s));
	qsort(s->mem, s->held, EX_SORT_ITEM_BYTES, ex_item_qsort_cmp);
	rc = ex_sort_write(s->fd, s->mem, s->held * EX_SORT_ITEM_BYTES);
	if (rc != 0)
		return rc;
	s->runs[s->run_count++] = (struct ml_export_run){
	    s->file_items, s->file_items + s->held, 0, 0, NULL};
	s->file_items += s->held;
	s->held = 0;
	return 0;
}

int ml_export_sort_add(struct ml_export_sort *s, struct ml_export_item it)
{
	ML_ASSERT(!s->merging);
	if (s->held == s->run_items) {
		/* The item would open one run more than the merge can take. */
		if (s->run_count + 1 == ex_runs_max(s))
			return ML_E_TOO_LARGE;
		int rc = ex_sort_spill(s);
		if (rc != 0)
			return rc;
	}
	ML_ASSERT(s->held < s->run_items);
	s->mem[s->held++] = it;
	s->total++;
	return 0;
}

/* --- the merge ----------------------------------------------------- */

static const struct ml_export_item *ex_run_head(const struct ml_export_sort *s,
                                                uint32_t r)
{
	const struct ml_export_run *run = &s->runs[r];
	ML_ASSERT(run->buf_at < run->buf_n);
	return &run->buf[run->buf_at];
}

static bool ex_heap_less(const struct ml_export_sort *s, uint32_t i, uint32_t j)
{
	return ex_item_cmp(ex_run_head(s, s->heap[i]),
	                   ex_run_head(s, s->heap[j])) < 0;
}

static void ex_heap_swap(struct ml_export_sort *s, uint32_t i, uint32_t j)
{
	uint32_t t = s->heap[i];
	s->heap[i] = s->heap[j];
	s->heap[j] = t;
}

static void ex_heap_down(struct ml_export_sort *s, uint32_t i)
{
	/* Each step goes one level down: at most log2(runs) steps. */
	for (;;) {
		uint32_t least = i, l = 2 * i + 1, r = 2 * i + 2;
		if (l < s->heap_count && ex_heap_less(s, l, least))
			least = l;
		if (r < s->heap_count && ex_heap_less(s, r, least))
			least = r;
		if (least == i)
			return;
		ex_heap_swap(s, i, least);
		i = least;
	}
}

/* Reads run r's next items into its buffer (its buffer is empty). */
static int ex_run_refill(struct ml_export_sort *s, uint32_t r)
{
	struct ml_export_run *run = &s->runs[r];
	uint64_t slice = s->run_items / s->run_count;
	uint64_t n = run->end - run->at < slice ? run->end - run->at : slice;
	size_t bytes = n * EX_SORT_ITEM_BYTES;
	ML_ASSERT(run->buf_at == run->buf_n && n >= 1);
	ssize_t got = pread(s->fd, run->buf, bytes,
	                    (off_t)(run->at * EX_SORT_ITEM_BYTES));
	if (got < 0)
		return ML_E_IO;
	if ((size_t)got != bytes)
		return ML_E_CORRUPT;
	run->at += n;
	run->buf_at = 0;
	run->buf_n = n;
	return 0;
}

int ml_export_sort_finish(struct ml_export_sort *s)
{
	ML_ASSERT(!s->merging);
	s->merging = true;
	if (s->fd < 0) {
		qsort(s->mem, s->held, EX_SORT_ITEM_BYTES, ex_item_qsort_cmp);
		return 0;
	}
	int rc = ex_sort_spill(s);
	if (rc != 0)
		return rc;
	ML_ASSERT(s->file_items == s->total && s->run_count >= 1);
	uint64_t slice = s->run_items / s->run_count;
	ML_ASSERT(slice >= 1);
	for (uint32_t r = 0; rc == 0 && r < s->run_count; r++) {
		s->runs[r].buf = s->mem + r * slice;
		rc = ex_run_refill(s, r);
		s->heap[s->heap_count++] = r;
	}
	for (uint32_t i = s->heap_count / 2; rc == 0 && i-- > 0;)
		ex_heap_down(s, i);
	return rc;
}

/* The top run emptied its buffer at the last pop: refill it, or drop it
 * from the heap when it has no more. */
static int ex_heap_settle(struct ml_export_sort *s)
{
	uint32_t r = s->heap[0];
	struct ml_export_run *run = &s->runs[r];
	if (run->buf_at < run->buf_n)
		return 0;
	if (run->at == run->end) {
		s->heap[0] = s->heap[--s->heap_count];
	} else {
		int rc = ex_run_refill(s, r);
		if (rc != 0)
			return rc;
	}
	if (s->heap_count > 0)
		ex_heap_down(s, 0);
	return 0;
}

bool ml_export_sort_peek(struct ml_export_sort *s, struct ml_export_item *it,
                         int *rc)
{
	ML_ASSERT(s->merging);
	*rc = 0;
	if (s->fd < 0) {
		if (s->next >= s->held)
			return false;
		*it = s->mem[s->next];
		return true;
	}
	if (s->heap_count > 0)
		*rc = ex_heap_settle(s);
	if (*rc != 0 || s->heap_count == 0)
		return false;
	*it = *ex_run_head(s, s->heap[0]);
	return true;
}

void ml_export_sort_pop(struct ml_export_sort *s)
{
	ML_ASSERT(s->merging);
	if (s->fd < 0) {
		ML_ASSERT(s->next < s->held);
		s->next++;
		return;
	}
	ML_ASSERT(s->heap_count > 0);
	struct ml_export_run *run = &s->runs[s->heap[0]];
	ML_ASSERT(run->buf_at < run->buf_n);
	run->buf_at++;
	/* An emptied buffer waits for the next peek (see the top). */
	if (run->buf_at < run->buf_n)
		ex_heap_down(s, 0);
}

void ml_export_sort_free(struct ml_export_sort *s)
{
	/* A zeroed s (an export that never sorted) has no file: its fd 0
	 * is not ours. The file is opened only after runs is allocated. */
	if (s->runs != NULL && s->fd >= 0)
		(void)close(s->fd);
	free(s->mem);
	free(s->runs);
	free(s->heap);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

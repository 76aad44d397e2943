/*
 * ml_export_sort.h — the export's items in (date, seq) order in bounded
 * memory: an external merge sort (not public; ml_export_sort.c).
 *
 * The journals show events in date order, the log holds them in seq
 * order, and a log of 10 000 000 events has 160 MB of 16-byte items:
 * more than an export may hold (issue 15: 64 MiB). Items are added in
 * any order; at most run_items of them are held; a full run is sorted
 * and written to a temporary file (unlinked at once, in TMPDIR or /tmp);
 * when all are added, the runs are merged as they are read. A sort that
 * never fills a run never touches a file.
 */
#ifndef ML_EXPORT_SORT_H
#define ML_EXPORT_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"

/* One event in the export's order: 16 bytes, the bound on the index. */
struct ml_export_item {
	ml_day date; /* where it is shown; a correction: its target's */
	uint32_t pad;
	uint64_t seq;
};

/* Items held in memory: one run while adding, every run's read buffer
 * while merging. 512 Ki items = 8 MiB, and glibc's qsort borrows as
 * much again while it sorts a run. */
#define ML_EXPORT_RUN_ITEMS (1u << 19)

/* Runs one sort may spill: ML_PASS_ITEMS_MAX (2^32 - 1) items in runs of
 * ML_EXPORT_RUN_ITEMS need 8 192. Each run's read buffer is run_items / runs items,
 * at least one. */
#define ML_EXPORT_RUNS_MAX 8192u

/* The run_items an export uses: ML_EXPORT_RUN_ITEMS. Nothing but a unit
 * test writes it, which lowers it to a few items so that a small ledger
 * goes through the merge (tests/unit/test_export.c), the way
 * ml_limits_now is lowered. */
extern uint64_t ml_export_run_items_now;

struct ml_export_run {
	uint64_t at, end;       /* the run's unread items in the file */
	uint64_t buf_at, buf_n; /* its buffer: buf[buf_at .. buf_n) unread */
	struct ml_export_item *buf;
};

struct ml_export_sort {
	struct ml_export_item *mem; /* [run_items] */
	uint64_t run_items;         /* the bound, ≥ 1 */
	uint64_t held;              /* items in mem (adding: the open run) */
	uint64_t total;             /* items added */
	int fd;                     /* the runs' file, -1 until a run spills */
	uint64_t file_items;        /* items written to the file */
	struct ml_export_run *runs; /* [ML_EXPORT_RUNS_MAX] once a run spills */
	uint32_t run_count;
	uint32_t *heap;      /* merging: run numbers, least head first */
	uint32_t heap_count; /* runs with items left */
	bool merging;        /* ml_export_sort_finish was called */
	uint64_t next;       /* in-memory: the next item of mem to give */
};

/* Prepares s to hold run_items items in memory (ML_EXPORT_RUN_ITEMS in
 * the export; a unit test passes a few to exercise the merge). Errors:
 * ML_E_NOMEM. ml_export_sort_free releases s even after an error. */
int ml_export_sort_init(struct ml_export_sort *s, uint64_t run_items);

/* Adds one item. Errors: ML_E_IO (the temporary file), ML_E_TOO_LARGE
 * (more than ML_EXPORT_RUNS_MAX runs, or than run_items runs). */
int ml_export_sort_add(struct ml_export_sort *s, struct ml_export_item it);

/* Ends adding: from now on ml_export_sort_peek gives the items in (date,
 * seq) order. Errors: ML_E_IO, ML_E_NOMEM. */
int ml_export_sort_finish(struct ml_export_sort *s);

/* The least item not yet popped into *it; false when none is left.
 * Errors (*rc): ML_E_IO, ML_E_CORRUPT (a short read of our own file). */
bool ml_export_sort_peek(struct ml_export_sort *s, struct ml_export_item *it,
                         int *rc);

/* Drops the item ml_export_sort_peek gave (which returned true). */
void ml_export_sort_pop(struct ml_export_sort *s);

/* Releases s: initialised, or still zeroed (calloc), after any error. */
void ml_export_sort_free(struct ml_export_sort *s);

#endif /* ML_EXPORT_SORT_H */

/*
 * mc_progress.h — progress of long work on stderr, only on a terminal.
 *
 * Import, export and verify of a large ledger take seconds to minutes;
 * a person at a terminal wants to see that something happens. A
 * progress line is redrawn in place ("\r… \033[K") at most every
 * MC_PROGRESS_INTERVAL_MS and erased when the work ends, so it never
 * mixes with the output (which goes to stdout) and never reaches a file
 * or a pipe: when stderr is not a terminal the functions do nothing.
 *
 * With a total the line shows a percentage; without one (a stream whose
 * length is unknown) it shows what has been done and the time taken.
 */
#ifndef MC_PROGRESS_H
#define MC_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct mc_progress {
	bool on;           /* stderr is a terminal and the caller wants it */
	bool bytes;        /* count bytes (shown as MB), not items */
	bool shown;        /* a line is on the screen */
	const char *label; /* "verifying", "exporting" */
	uint64_t total;    /* 0 = unknown */
	uint64_t done;
	int64_t start_ms, last_ms;
};

/* Starts; nothing is drawn until MC_PROGRESS_INTERVAL_MS have passed,
 * so quick work shows nothing at all. */
void mc_progress_start(struct mc_progress *p, bool on, const char *label,
                       uint64_t total, bool bytes);
/* Records done (and total when not 0) and redraws if it is time. */
void mc_progress_update(struct mc_progress *p, uint64_t done, uint64_t total);
/* Erases the line. NULL is fine. */
void mc_progress_end(struct mc_progress *p);

#endif /* MC_PROGRESS_H */

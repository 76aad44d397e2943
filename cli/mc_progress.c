/*
 * mc_progress.c — the progress line (see mc_progress.h).
 *
 * Called from the command's thread, and from curl's progress callback
 * or ml_answer_verify's callback on that same thread: no locking. The
 * clock is CLOCK_MONOTONIC so a changed wall clock cannot freeze or
 * flood the line. Writes are unbuffered stderr writes of one short line.
 */
#include "mc_progress.h"

#include <stdio.h>
#include <time.h>

#include "mc_limits.h"

static int64_t mc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mc_progress_start(struct mc_progress *p, bool on, const char *label,
                       uint64_t total, bool bytes)
{
	p->on = on;
	p->bytes = bytes;
	p->shown = false;
	p->label = label;
	p->total = total;
	p->done = 0;
	p->start_ms = mc_now_ms();
	p->last_ms = p->start_ms;
}

static void mc_progress_draw(struct mc_progress *p, int64_t now_ms)
{
	double secs = (double)(now_ms - p->start_ms) / 1000.0;
	char what[64];
	if (p->bytes)
		snprintf(what, sizeof what, "%.1f MB", (double)p->done / 1e6);
	else
		snprintf(what, sizeof what, "%llu",
		         (unsigned long long)p->done);
	if (p->total > 0 && !p->bytes)
		fprintf(stderr, "\r%s %s of %llu (%.0f%%), %.0f s\033[K",
		        p->label, what, (unsigned long long)p->total,
		        100.0 * (double)p->done / (double)p->total, secs);
	else if (p->done == 0)
		fprintf(stderr, "\r%s... %.0f s\033[K", p->label, secs);
	else
		fprintf(stderr, "\r%s %s, %.0f s\033[K", p->label, what, secs);
	p->shown = true;
}

void mc_progress_update(struct mc_progress *p, uint64_t done, uint64_t total)
{
	if (p == NULL || !p->on)
		return;
	p->done = done;
	if (total > 0)
		p->total = total;
	int64_t now = mc_now_ms();
	if (now - p->last_ms < MC_PROGRESS_INTERVAL_MS)
		return;
	p->last_ms = now;
	mc_progress_draw(p, now);
}

void mc_progress_end(struct mc_progress *p)
{
	if (p == NULL || !p->shown)
		return;
	fputs("\r\033[K", stderr);
	p->shown = false;
}

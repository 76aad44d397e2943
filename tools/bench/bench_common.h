/*
 * bench_common.h — what the benchmarks share: a clock, a temporary
 * directory, and a generator of realistic events.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_ledger.h"

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);
/* CPU time this process has used (user + system), in ns. */
uint64_t bench_cpu_ns(void);

/* A fresh directory under $BENCH_DIR (default /tmp); buf ≥ 4096. */
char *bench_tmpdir(char *buf, const char *tag);
void bench_rmtree(const char *dir);

/* The generator: a payer, PARTIES municipalities, GRANTS grants, then a
 * stream of allocations, payouts and expenses that keeps every rule (so
 * each event is accepted), dated forward through the years with one in
 * BACKDATE_EVERY dated up to 60 days back. Deterministic for a seed.
 *
 * With new_types (BENCH_TYPES=new in the environment, or
 * bench_gen_ledger --new-types) the stream also holds the event types of
 * issue 12 in proportions like the SKL papers' (per 1 000 events, about):
 * 15 conditional allocations, each confirmed (three in four, a fifth of
 * those at another figure) or let lapse 50–550 events later; 3
 * distributions by a population key over the batch's parties (16, or all
 * of them in every tenth batch), a quarter of them conditional and
 * resolved later the same way; 5 corrections of an expense, a third of
 * them corrected again later (the expense counts again), and a third of
 * those once more. Resolutions and corrections name their event by seq,
 * so the events must be appended in order, every one accepted (they
 * are). Without new_types the stream is byte for byte the old one. */
struct bench_gen {
	uint64_t rng;
	uint32_t n; /* events generated so far */
	uint32_t parties;
	uint32_t grants;
	const char *idkey; /* how the event's number is written */
	bool uniform;      /* every event anywhere (worst case) */
	uint32_t focus_grant, focus_party, focus_width; /* this batch's */
	bool new_types;
	uint64_t seq_base; /* events before the first money event */
	char text[16384];  /* a distribution's key over 1 000 parties fits */
};

void bench_gen_init(struct bench_gen *g, uint64_t seed, uint32_t parties,
                    uint32_t grants);
/* The definitions (parties, grants) as one JSON array. */
const char *bench_gen_setup(struct bench_gen *g, char *buf, size_t size);
/* Starts a batch: in the default (clustered) mode a batch is what a
 * controller imports at once — one grant, a window of FOCUS_PARTIES
 * neighbouring parties (a municipality and its committees); every tenth
 * batch is a distribution touching every party. BENCH_SPREAD=uniform
 * makes every event pick any grant and party (no locality at all). */
void bench_gen_batch(struct bench_gen *g);
/* The next money event as JSON (in g->text). */
const char *bench_gen_next(struct bench_gen *g);

uint64_t bench_rand(struct bench_gen *g);

#endif /* BENCH_COMMON_H */

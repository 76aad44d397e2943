/*
 * bench_gen_ledger.c — a ledger's worth of generated events as JSON Lines,
 * for benchmarks that load them through `medel append` and compare medel
 * with other tools on the same events (tools/bench/bench_cli.sh).
 *
 *   bench_gen_ledger [--new-types] [EVENTS [PARTIES [GRANTS [SEED]]]]
 *       > events.jsonl
 *
 * EVENTS (default 100 000) counts everything written: the definitions
 * (Kammarkollegiet, PARTIES municipalities m0…, GRANTS grants g0…) come
 * first, then money events from bench_common's generator, which keeps
 * every rule, so the whole stream is accepted. One event per line;
 * split it into files of at most 10 000 lines to append each as a batch.
 * Deterministic for a seed.
 *
 * --new-types (or BENCH_TYPES=new) mixes in the event types of issue 12
 * — conditional allocations with their confirms and lapses,
 * distributions by population (some conditional), corrections of
 * corrections — in the proportions bench_common.h gives; without it the
 * output is the old generator's, byte for byte, so that a ledger of
 * either kind can be generated for a before/after comparison. The new
 * events name earlier ones by seq: append the lines in order, all of
 * them (every one is accepted).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#define GEN_SETUP_BYTES_MAX (1024 * 1024)
#define GEN_BATCH_EVENTS    1000

/* The setup array "[{…},{…}]" as one object a line (objects hold no
 * nested braces). Returns the number of lines. */
static unsigned put_setup_lines(const char *array)
{
	unsigned lines = 0;
	for (const char *p = array; *p != '\0'; p++) {
		if (*p == '[' || *p == ']')
			continue;
		if (*p == ',' && p[-1] == '}' && p[1] == '{') {
			putchar('\n');
			continue;
		}
		if (*p == '{')
			lines++;
		putchar(*p);
	}
	putchar('\n');
	return lines;
}

static unsigned long arg_or(int argc, char **argv, int i, unsigned long def)
{
	if (argc <= i)
		return def;
	char *end = NULL;
	unsigned long v = strtoul(argv[i], &end, 10);
	if (end == argv[i] || *end != '\0') {
		fprintf(stderr, "bench_gen_ledger: '%s' is not a number\n",
		        argv[i]);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	bool new_types = argc > 1 && strcmp(argv[1], "--new-types") == 0;
	if (new_types) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	unsigned long events = arg_or(argc, argv, 1, 100000);
	unsigned long parties = arg_or(argc, argv, 2, 300);
	unsigned long grants = arg_or(argc, argv, 3, 8);
	unsigned long seed = arg_or(argc, argv, 4, 7);
	struct bench_gen g;
	char *setup = malloc(GEN_SETUP_BYTES_MAX);
	if (setup == NULL || parties < 16 || grants < 1)
		return 2;
	bench_gen_init(&g, seed, (uint32_t)parties, (uint32_t)grants);
	g.new_types = g.new_types || new_types;
	bench_gen_setup(&g, setup, GEN_SETUP_BYTES_MAX);
	unsigned long written = put_setup_lines(setup);
	free(setup);
	for (unsigned long n = 0; written < events; n++) {
		if (n % GEN_BATCH_EVENTS == 0)
			bench_gen_batch(&g);
		puts(bench_gen_next(&g));
		written++;
	}
	return ferror(stdout) ? 1 : 0;
}

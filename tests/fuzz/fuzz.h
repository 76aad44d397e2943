/*
 * fuzz.h — what the fuzz targets share.
 *
 * Each target is one LLVMFuzzerTestOneInput. Built with clang and
 * -DMEDEL_FUZZ=ON they are libFuzzer programs; in every other build they
 * are linked with replay_main.c into programs that run each file of the
 * target's corpus once, which is how CI replays the corpus under
 * ASan/UBSan. A property a target checks that does not hold calls
 * fuzz_fail, which aborts: libFuzzer saves the input, ctest fails.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "fuzz property broken: " __VA_ARGS__);         \
		fputc('\n', stderr);                                           \
		abort();                                                       \
	} while (0)

#endif /* FUZZ_H */

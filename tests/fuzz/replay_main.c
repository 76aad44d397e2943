/*
 * replay_main.c — runs a fuzz target over every file of a corpus
 * directory (and any files named on the command line), once each.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define REPLAY_INPUT_MAX (1u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 1;
	uint8_t *buf = malloc(REPLAY_INPUT_MAX);
	size_t n = buf ? fread(buf, 1, REPLAY_INPUT_MAX, f) : 0;
	fclose(f);
	if (buf == NULL)
		return 1;
	/* A copy of exactly n bytes, so ASan sees any read past the end. */
	uint8_t *exact = malloc(n ? n : 1);
	memcpy(exact, buf, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir, unsigned *count)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return replay_file(dir) == 0 ? ((*count)++, 0) : 1;
	struct dirent *e;
	int rc = 0;
	char path[4096];
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		rc = replay_file(path);
		(*count)++;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	for (int i = 1; i < argc; i++) {
		if (replay_dir(argv[i], &count) != 0) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			return 1;
		}
	}
	printf("%u inputs replayed\n", count);
	return count > 0 ? 0 : 1;
}

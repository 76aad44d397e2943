/*
 * tl.c — test ledger helpers (see tl.h).
 */
#include "tl.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ml_buf.h"
#include "ml_json.h"

char *tl_tmpdir(char *buf, const char *tag)
{
	const char *base = getenv("MEDEL_TEST_TMP");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(buf, 4096, "%s/medel-%s-XXXXXX", base, tag);
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	return buf;
}

static int tl_rm_one(const char *path, const struct stat *sb, int flag,
                     struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tl_rmtree(const char *dir)
{
	nftw(dir, tl_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct ml_ledger *tl_open(char *dir_buf, const char *tag)
{
	return tl_open_with(dir_buf, tag, NULL);
}

struct ml_ledger *tl_open_with(char *dir_buf, const char *tag,
                               const struct ml_open_opts *opts)
{
	struct ml_ledger *lg = NULL;
	struct ml_errinfo err;
	tl_tmpdir(dir_buf, tag);
	if (ml_ledger_open(dir_buf, opts, &lg, &err) != 0) {
		fprintf(stderr, "cannot open a ledger in %s: %s\n", dir_buf,
		        err.message);
		exit(2);
	}
	return lg;
}

void tl_close(struct ml_ledger *lg, const char *dir)
{
	ml_ledger_close(lg);
	tl_rmtree(dir);
}

int tl_append(struct ml_ledger *lg, const char *json, struct ml_errinfo *err,
              uint64_t *seq_out)
{
	struct ml_errinfo local;
	if (err == NULL)
		err = &local;
	ml_errinfo_clear(err);
	struct ml_arena arena;
	ml_arena_init(&arena, 64u * 1024 * 1024);
	struct ml_event *events = NULL;
	size_t n = 0;
	int rc =
	    ml_json_parse_batch(json, strlen(json), &arena, &events, &n, err);
	struct ml_append_result *res = NULL;
	if (rc == 0) {
		res = calloc(n, sizeof *res);
		if (res == NULL)
			rc =
			    ml_fail(err, ML_E_NOMEM, -1, NULL, "out of memory");
	}
	if (rc == 0) {
		struct ml_append_opts opts = {.recorded_by = "test"};
		rc = ml_ledger_append_batch(lg, events, n, &opts, res, err);
	}
	if (rc == 0 && seq_out != NULL)
		*seq_out = res[n - 1].seq;
	free(res);
	ml_arena_free(&arena);
	return rc;
}

uint64_t tl_head(struct ml_ledger *lg)
{
	MDB_txn *txn;
	struct ml_log_head head = {0};
	if (ml_ledger_read_begin(lg, &txn) == 0) {
		ml_ledger_head(lg, txn, &head);
		ml_ledger_read_end(lg, txn);
	}
	return head.seq;
}

void tl_head_hash(struct ml_ledger *lg, char *hex)
{
	MDB_txn *txn;
	struct ml_log_head head = {0};
	if (ml_ledger_read_begin(lg, &txn) == 0) {
		ml_ledger_head(lg, txn, &head);
		ml_ledger_read_end(lg, txn);
	}
	ml_hex32(head.hash, hex);
}
